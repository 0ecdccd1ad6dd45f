"""asyncio.Lock hand-off as CPython 3.11: release() unlocks and wakes the first waiter, which takes the lock when it runs (no one barges in), and a woken waiter cancelled before it runs passes the lock on."""
import asyncio

async def main():
    lock = asyncio.Lock()
    order = []
    async def user(n):
        async with lock:
            order.append(n)
            await asyncio.sleep(0.01)
    await lock.acquire()
    ts = [asyncio.create_task(user(i)) for i in range(3)]
    await asyncio.sleep(0.01)
    lock.release()
    print("locked after release:", lock.locked())
    await asyncio.gather(*ts)
    print(order, lock.locked())
    # a woken waiter cancelled before it runs passes the lock on
    await lock.acquire()
    a = asyncio.create_task(user("a"))
    b = asyncio.create_task(user("b"))
    await asyncio.sleep(0.01)
    lock.release()
    a.cancel()
    await asyncio.gather(a, b, return_exceptions=True)
    print(order, lock.locked())

asyncio.run(main())
