"""A task that failed and whose exception nobody retrieved: CPython's "Task exception was never retrieved" on stderr with the task, its coroutine's def line and the traceback; a retrieved one is not reported."""
import asyncio

async def bad(n):
    await asyncio.sleep(0)
    raise ValueError(f"bad {n}")

async def fine():
    return 1

async def main():
    asyncio.create_task(bad(1))
    t = asyncio.create_task(bad(2))
    await asyncio.sleep(0.01)
    print("t failed:", repr(t.exception()))
    asyncio.create_task(fine())
    await asyncio.sleep(0.01)
    print("main done")

asyncio.run(main())
print("after run")
