"""ThreadPoolExecutor vs ProcessPoolExecutor on CPU-bound work

The same TASKS CPU-bound tasks (each adds up range(WORK)) on a thread pool of WORKERS threads (one GIL: no speed-up) and on a process pool of WORKERS processes (one GIL per process: parallel).

Topic: Pools & executors
Notes: When to Use concurrent.futures
Output: varies
"""
import time
from concurrent.futures import ThreadPoolExecutor, ProcessPoolExecutor

WORKERS = 2  # slider: 1..8 Workers
TASKS = 4  # slider: 1..16 Tasks
WORK = 3000000  # slider: 10000..30000000 Numbers each task adds up

def crunch(n):
    total = 0
    for i in range(WORK):
        total += i
    return n

if __name__ == "__main__":
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=WORKERS) as executor:
        list(executor.map(crunch, range(TASKS)))
    t1 = time.perf_counter()
    print(f"ThreadPoolExecutor:  {round(t1 - t0, 3)} s")

    with ProcessPoolExecutor(max_workers=WORKERS) as executor:
        list(executor.map(crunch, range(TASKS)))
    print(f"ProcessPoolExecutor: {round(time.perf_counter() - t1, 3)} s")
