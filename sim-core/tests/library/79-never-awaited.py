"""A coroutine called but never awaited: CPython's RuntimeWarning on stderr, at the statement that dropped it, once per place."""
import asyncio

async def work(n):
    await asyncio.sleep(0)
    return n

async def main():
    work(1)
    print("after")
    x = work(2)
    del x
    print("end")
    work(3)

asyncio.run(main())
print("done")
