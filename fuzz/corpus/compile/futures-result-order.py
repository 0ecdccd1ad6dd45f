"""Future.result(): waiting in submission order

Two tasks sleep 2 s and 3 s on a pool of WORKERS threads; future1.result() returns after 2 s, future2.result() after 3 s (after 5 s with a single worker).

Topic: Pools & executors
Notes: Working with Future Objects
Output: ordered
"""
from concurrent.futures import ThreadPoolExecutor
import time

WORKERS = 2  # slider: 1..4 max_workers

def sleep_and_return(n):
    time.sleep(n)
    return f"Slept for {n} seconds"

with ThreadPoolExecutor(max_workers=WORKERS) as executor:
    future1 = executor.submit(sleep_and_return, 2)
    future2 = executor.submit(sleep_and_return, 3)

    print(future1.result())  # Waits for the first task to complete
    print(future2.result())  # Waits for the second task to complete
