"""TaskGroup and wait_for under cancellation, as CPython 3.11: a failing task cancels the body too and the group raises its errors; the body's own exception joins the group; a timeout around a group cancels and waits for its tasks; wait_for cancelled from outside waits for the inner task to finish cancelling."""
import asyncio


async def bad():
    await asyncio.sleep(0.01)
    raise ValueError("child failed")


async def slow(name):
    try:
        await asyncio.sleep(1)
    finally:
        print(name, "cleanup")


async def main():
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(bad())
            tg.create_task(slow("sibling"))
            await asyncio.sleep(1)
            print("body continued")
    except ExceptionGroup as eg:
        print("group:", [repr(e) for e in eg.exceptions])
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(slow("s2"))
            await asyncio.sleep(0)
            raise KeyError("body")
    except ExceptionGroup as eg:
        print("group:", [repr(e) for e in eg.exceptions])
    try:
        async with asyncio.timeout(0.05):
            async with asyncio.TaskGroup() as tg:
                tg.create_task(slow("s3"))
    except TimeoutError:
        print("timeout")

    async def inner():
        try:
            await asyncio.sleep(1)
        finally:
            print("inner cleanup")

    async def outer():
        try:
            await asyncio.wait_for(inner(), timeout=5)
        except asyncio.CancelledError:
            print("outer sees cancel")
            raise

    t = asyncio.create_task(outer())
    await asyncio.sleep(0.01)
    t.cancel()
    await asyncio.gather(t, return_exceptions=True)
    print("main")


asyncio.run(main())
