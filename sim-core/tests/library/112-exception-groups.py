# ExceptionGroup as CPython 3.11's: message, exceptions, str and repr; a TaskGroup's group.
import asyncio
eg = ExceptionGroup("msg", [ValueError("x"), KeyError(1)])
print(str(eg), repr(eg), eg.message, eg.exceptions, len(eg.args))
one = ExceptionGroup("one", [TypeError("t")])
print(str(one), isinstance(eg, Exception))
for bad in (lambda: ExceptionGroup("m", []), lambda: ExceptionGroup("m", [1]), lambda: ExceptionGroup("m")):
    try:
        bad()
    except (ValueError, TypeError) as e:
        print(type(e).__name__ + ":", e)
async def boom(n):
    await asyncio.sleep(0.01 * n)
    raise ValueError(f"bad {n}")
async def main():
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(boom(1))
            tg.create_task(boom(1))
    except ExceptionGroup as e:
        print(repr(e), e.message, [str(x) for x in e.exceptions], str(e))
asyncio.run(main())
