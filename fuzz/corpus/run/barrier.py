"""Barrier: everyone waits for the last thread

THREADS threads arrive at a threading.Barrier at different times (thread i after i * STAGGER seconds). Each one that arrives blocks in wait(); when the last one arrives the barrier's action runs once and all of them are released together.

Topic: Barriers
Notes: Multiprocessing — Process Synchronization (Barrier)
Output: unordered
"""
import threading
import time

THREADS = 3  # slider: 1..16 Threads
STAGGER = 0.3  # slider: 0..2 Gap between arrivals (s)

def all_arrived():
    print("All threads reached the barrier, releasing them")

barrier = threading.Barrier(THREADS, action=all_arrived)

def worker(i):
    time.sleep(i * STAGGER)  # Simulate work of different lengths
    print(f"Thread {i} reached the barrier")
    barrier.wait()  # Blocks until all THREADS threads have called wait()
    print(f"Thread {i} passed the barrier")

threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
for t in threads:
    t.start()
for t in threads:
    t.join()

print("All threads completed.")
