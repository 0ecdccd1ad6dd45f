"""asyncio: tasks overlap their waits on one thread

The notes say asyncio "solves the same problem as threading … but does so differently": TASKS coroutines each make REQUESTS requests of IO_TIME seconds with `await asyncio.sleep`, and one thread's event loop runs whichever task is ready. They finish in about REQUESTS * IO_TIME seconds, like the threads of io-bound-threads, without a second thread or a GIL handoff.

Topic: Asyncio
Notes: Python concurrency with asyncio
Output: varies
"""
import asyncio
import time

TASKS = 4  # slider: 1..32 Tasks
IO_TIME = 0.2  # slider: 0.01..2 I/O per request (s)
REQUESTS = 3  # slider: 1..20 Requests per task


async def fetch(n):
    for _ in range(REQUESTS):
        await asyncio.sleep(IO_TIME)  # waiting for the network: the loop runs other tasks
    print(f"task {n} done")


async def main():
    t0 = time.perf_counter()
    await asyncio.gather(*(fetch(n) for n in range(TASKS)))
    one_task = round(TASKS * REQUESTS * IO_TIME, 2)
    print(f"All requests done in {round(time.perf_counter() - t0, 2)} s (one after another: {one_task} s)")


asyncio.run(main())
