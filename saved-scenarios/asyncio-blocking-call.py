"""asyncio: one blocking call stalls every task

A ticker task should tick every 0.1 s. Another task does BLOCKING_MS of work with `time.sleep` (a blocking call, as a `requests.get` would be) instead of `await asyncio.sleep`: the event loop runs one task at a time on one thread, so nothing else runs until it returns and the ticks arrive late. Set BLOCKING_MS to 0 and they are on time; move the blocking call to `asyncio.to_thread` and they stay on time.

Topic: Asyncio
Notes: Python concurrency with asyncio
Output: varies
"""
import asyncio
import time

BLOCKING_MS = 500  # slider: 0..2000 Blocking call (ms)
TICKS = 8  # slider: 2..30 Ticks


async def ticker(t0):
    for i in range(TICKS):
        await asyncio.sleep(0.1)
        late = time.perf_counter() - t0 - 0.1 * (i + 1)
        print(f"tick {i} ({late * 1000:.0f} ms late)")


async def blocker():
    await asyncio.sleep(0.25)
    print("blocking call starts")
    time.sleep(BLOCKING_MS / 1000)  # blocks the event loop: no task runs meanwhile
    print("blocking call ends")


async def main():
    t0 = time.perf_counter()
    await asyncio.gather(ticker(t0), blocker())


asyncio.run(main())
