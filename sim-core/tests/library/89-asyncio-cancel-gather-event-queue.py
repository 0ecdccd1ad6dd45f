"""asyncio cancellation and wake-ups (a review found these): cancelling a task in gather cancels the children; set() then clear() still wakes the waiter; a failed second gather child is not reported as never retrieved; a cancelled getter passes its wake-up on."""
import asyncio

async def child(i):
    try:
        await asyncio.sleep(1)
        print("finished", i)
    except asyncio.CancelledError:
        print("cancelled", i)
        raise

async def parent():
    await asyncio.gather(child(1), child(2))

async def bad(n):
    raise ValueError(n)

async def main():
    t = asyncio.create_task(parent())
    await asyncio.sleep(0.1)
    t.cancel()
    try:
        await t
    except asyncio.CancelledError:
        print("parent cancelled")
    await asyncio.sleep(0.2)
    ev = asyncio.Event()
    async def waiter():
        await ev.wait()
        print("woke")
    w = asyncio.create_task(waiter())
    await asyncio.sleep(0)
    ev.set()
    ev.clear()
    await w
    try:
        await asyncio.gather(bad(1), bad(2))
    except ValueError as e:
        print("caught", e)
    q = asyncio.Queue()
    async def getter(name):
        print(name, "got", await q.get())
    a = asyncio.create_task(getter("a"))
    b = asyncio.create_task(getter("b"))
    await asyncio.sleep(0)
    q.put_nowait(1)
    a.cancel()
    await asyncio.sleep(0.01)
    print("b done:", b.done())

asyncio.run(main())
