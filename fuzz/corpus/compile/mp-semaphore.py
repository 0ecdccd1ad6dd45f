"""multiprocessing.Semaphore(2): two processes at a time

PROCESSES processes, PERMITS permits: they work PERMITS at a time, each for HOLD seconds.

Topic: Semaphores
Notes: Lock and Semaphore — Example: Using Semaphore
Output: unordered
"""
from multiprocessing import Process, Semaphore
import time

PROCESSES = 5  # slider: 1..16 Processes
PERMITS = 2  # slider: 1..8 Semaphore size
HOLD = 1.0  # slider: 0.01..5 Work inside (s)

# Allow 2 processes to work simultaneously
sem = Semaphore(PERMITS)

def worker(sem, i):
    sem.acquire()
    try:
        print(f"Process {i} is working")
        time.sleep(HOLD)
    finally:
        print(f"Process {i} is done")
        sem.release()

if __name__ == "__main__":
    processes = [Process(target=worker, args=(sem, i)) for i in range(PROCESSES)]
    
    for p in processes:
        p.start()
    
    for p in processes:
        p.join()
