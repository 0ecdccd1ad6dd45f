"""asyncio.Barrier (3.11): arrival indexes, the last arrival releasing the others in CPython's order, refilling, and a cancelled waiter taking its arrival back."""
import asyncio


async def worker(name, barrier, delay, log):
    await asyncio.sleep(delay)
    log.append(f"{name} arrives")
    index = await barrier.wait()
    log.append(f"{name} passes as {index}")
    return index


async def main():
    barrier = asyncio.Barrier(3)
    print(barrier.parties, barrier.n_waiting, barrier.broken)
    log = []
    r = await asyncio.gather(*(worker(f"w{i}", barrier, 0.01 * (3 - i), log) for i in range(3)))
    print(r)
    print("\n".join(log))
    r = await asyncio.gather(*(worker(f"v{i}", barrier, 0, []) for i in range(3)))
    print(sorted(r), barrier.n_waiting)
    t = asyncio.create_task(worker("lonely", barrier, 0, []))
    await asyncio.sleep(0.01)
    print(barrier.n_waiting)
    t.cancel()
    await asyncio.gather(t, return_exceptions=True)
    await asyncio.sleep(0)
    print(barrier.n_waiting)


asyncio.run(main())
