"""asyncio.Condition: a wait or wait_for cancelled re-acquires the lock before the cancellation goes on, as CPython's."""
import asyncio

async def main():
    cond = asyncio.Condition()

    async def waiter():
        async with cond:
            try:
                await cond.wait()
            except asyncio.CancelledError:
                print("cancelled, locked:", cond.locked())
                raise

    t = asyncio.create_task(waiter())
    await asyncio.sleep(0.01)
    t.cancel()
    try:
        await t
    except asyncio.CancelledError:
        print("task cancelled", cond.locked())

    # cancelled while waiting to re-acquire a lock someone else holds
    t2 = asyncio.create_task(waiter())
    await asyncio.sleep(0.01)
    async with cond:
        cond.notify()
        await asyncio.sleep(0)
        t2.cancel()
        await asyncio.sleep(0)
    try:
        await t2
    except asyncio.CancelledError:
        print("t2 cancelled", cond.locked())

    items = []
    async def consumer():
        async with cond:
            await cond.wait_for(lambda: items)
            return items.pop()
    c = asyncio.create_task(consumer())
    await asyncio.sleep(0.01)
    c.cancel()
    try:
        await c
    except asyncio.CancelledError:
        print("wait_for cancelled", cond.locked())

asyncio.run(main())
