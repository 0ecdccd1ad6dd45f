"""asyncio beyond gather: TaskGroup (an ExceptionGroup when a task fails, the others cancelled), as_completed, wait with FIRST_COMPLETED and a timeout, timeout() blocks, shield, Condition.wait_for with two consumers, and wait's errors."""
import asyncio


async def job(n, fail=False):
    await asyncio.sleep(0.01 * n)
    if fail:
        raise ValueError(f"job {n} failed")
    return n * 10


async def main():
    async with asyncio.TaskGroup() as tg:
        t1 = tg.create_task(job(2))
        t2 = tg.create_task(job(1))
    print("taskgroup", t1.result(), t2.result())
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(job(1, fail=True))
            slow = tg.create_task(job(5))
    except ExceptionGroup as eg:
        print(type(eg).__name__, eg, [repr(e) for e in eg.exceptions], slow.cancelled())
    order = []
    for coro in asyncio.as_completed([job(3), job(1), job(2)]):
        order.append(await coro)
    print("as_completed", order)
    tasks = [asyncio.create_task(job(n)) for n in (3, 1, 2)]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    print("wait first", sorted(t.result() for t in done), len(pending))
    done, pending = await asyncio.wait(tasks)
    print("wait all", sorted(t.result() for t in done), len(pending))
    t = asyncio.create_task(job(50))
    done, pending = await asyncio.wait([t], timeout=0.02)
    print("wait timeout", len(done), len(pending))
    t.cancel()
    try:
        await t
    except asyncio.CancelledError:
        print("cancelled after wait")
    try:
        async with asyncio.timeout(0.02):
            await asyncio.sleep(1)
    except TimeoutError:
        print("timeout block expired")
    async with asyncio.timeout(1):
        await asyncio.sleep(0.01)
    print("timeout block in time")
    inner = asyncio.create_task(job(2))
    outer = asyncio.shield(inner)
    outer.cancel()
    try:
        await outer
    except asyncio.CancelledError:
        print("shield outer cancelled; inner goes on:", await inner)
    cond = asyncio.Condition()
    items = []

    async def consumer(name):
        async with cond:
            await cond.wait_for(lambda: items)
            print(name, "took", items.pop(0))

    cs = [asyncio.create_task(consumer(f"c{i}")) for i in range(2)]
    await asyncio.sleep(0.01)
    for i in range(2):
        async with cond:
            items.append(i)
            cond.notify()
        await asyncio.sleep(0.01)
    await asyncio.gather(*cs)
    try:
        await asyncio.wait([])
    except ValueError as e:
        print("ValueError:", e)
    try:
        await asyncio.wait([t], return_when="SOMETIMES")
    except ValueError as e:
        print("ValueError:", e)


asyncio.run(main())
