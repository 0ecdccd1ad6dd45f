"""asyncio as CPython runs it: tasks and their names, sleep ordered by deadline, gather (in order, return_exceptions), wait_for timing out, a Queue with workers, Lock, Event and Semaphore under async with, to_thread and run_in_executor on real threads."""
import asyncio
import time


async def say_after(delay, what):
    await asyncio.sleep(delay)
    print(what)
    return what.upper()


async def main():
    task1 = asyncio.create_task(say_after(0.1, "hello"))
    task2 = asyncio.create_task(say_after(0.05, "world"))
    print(task1.get_name(), task2.get_name(), task1.done())
    r1 = await task1
    r2 = await task2
    print(r1, r2)
    results = await asyncio.gather(say_after(0.02, "a"), say_after(0.01, "b"), say_after(0, "c"))
    print(results)
    return 42


print(asyncio.run(main()))


async def ticker(name, n):
    for i in range(n):
        print(name, i)
        await asyncio.sleep(0)


async def main2():
    await asyncio.gather(ticker("x", 3), ticker("y", 3))


asyncio.run(main2())


async def fails():
    await asyncio.sleep(0.01)
    raise ValueError("boom")


async def main3():
    r = await asyncio.gather(fails(), say_after(0.02, "ok"), return_exceptions=True)
    print(r)
    try:
        await asyncio.gather(fails(), say_after(0.03, "later"))
    except ValueError as e:
        print("gather raised", e)
    try:
        await asyncio.wait_for(asyncio.sleep(1), timeout=0.05)
    except asyncio.TimeoutError:
        print("timed out")
    print(await asyncio.wait_for(say_after(0.01, "quick"), timeout=1))


asyncio.run(main3())


async def worker(name, q, results):
    while True:
        item = await q.get()
        await asyncio.sleep(0.01 * item)
        results.append((name, item))
        q.task_done()


async def main4():
    q = asyncio.Queue()
    results = []
    for i in range(6):
        q.put_nowait(i)
    workers = [asyncio.create_task(worker(f"w{i}", q, results)) for i in range(2)]
    await q.join()
    for w in workers:
        w.cancel()
    res = await asyncio.gather(*workers, return_exceptions=True)
    print(sorted(results), [type(r).__name__ for r in res])


asyncio.run(main4())


async def main5():
    lock = asyncio.Lock()
    counter = 0

    async def inc():
        nonlocal counter
        async with lock:
            v = counter
            await asyncio.sleep(0)
            counter = v + 1

    await asyncio.gather(*(inc() for _ in range(10)))
    print("counter", counter, lock.locked())
    ev = asyncio.Event()

    async def waiter():
        print("waiting")
        await ev.wait()
        print("got event")

    t = asyncio.create_task(waiter())
    await asyncio.sleep(0.01)
    ev.set()
    await t
    sem = asyncio.Semaphore(2)
    active = 0
    peak = 0

    async def limited(i):
        nonlocal active, peak
        async with sem:
            active += 1
            peak = max(peak, active)
            await asyncio.sleep(0.01)
            active -= 1

    await asyncio.gather(*(limited(i) for i in range(6)))
    print("peak", peak)


asyncio.run(main5())


def blocking(n):
    time.sleep(0.05)
    return n * 2


async def main6():
    r = await asyncio.gather(asyncio.to_thread(blocking, 1), asyncio.to_thread(blocking, 2))
    print(r)
    loop = asyncio.get_running_loop()
    print(await loop.run_in_executor(None, blocking, 5))


asyncio.run(main6())
