"""asyncio: CPU-bound work in to_thread still needs the GIL

`asyncio.to_thread` moves a call to another thread so it does not block the loop — which works for waiting (sleeps, I/O) but not for computing: the worker thread holds the GIL while it computes, so each time the loop's thread wakes for a tick it first waits for the GIL, up to a switch interval (5 ms). The ticks still come, a little late, and the GIL lane hands over between the two threads; run it on free-threaded Python and the lateness goes. Set WORK to 0 and nothing competes.

Topic: Asyncio
Notes: Python concurrency with asyncio
Output: varies
"""
import asyncio
import time

WORK = 3000000  # slider: 0..10000000 Loop iterations in the thread
TICKS = 5  # slider: 2..20 Ticks


def crunch():
    total = 0
    for i in range(WORK):
        total += i
    return total


async def ticker(t0):
    for i in range(TICKS):
        await asyncio.sleep(0.05)
        late = time.perf_counter() - t0 - 0.05 * (i + 1)
        print(f"tick {i} ({late * 1000:.0f} ms late)")


async def main():
    t0 = time.perf_counter()
    total, _ = await asyncio.gather(asyncio.to_thread(crunch), ticker(t0))
    print(f"crunched {total}")


asyncio.run(main())
