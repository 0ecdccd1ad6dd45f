"""multiprocessing.Lock: one process at a time

PROCESSES processes share one Lock: each works for HOLD seconds while holding it, so they take turns and the run lasts about PROCESSES * HOLD seconds.

Topic: Multiprocessing
Notes: Lock and Semaphore — Example: Using Lock
Output: unordered
"""
from multiprocessing import Process, Lock
import time

PROCESSES = 5  # slider: 1..16 Processes
HOLD = 0.5  # slider: 0.01..3 Work while holding the lock (s)

def worker(lock, i):
    lock.acquire()
    try:
        print(f"Process {i} is working")
        time.sleep(HOLD)
    finally:
        print(f"Process {i} is done")
        lock.release()

if __name__ == "__main__":
    lock = Lock()

    processes = [Process(target=worker, args=(lock, i)) for i in range(PROCESSES)]
    
    for p in processes:
        p.start()
    
    for p in processes:
        p.join()
