"""CPU-bound: N threads without a GIL (3.13t)

The same THREADS threads, each summing its share of range(N), under a free-threaded interpreter (python3.13t) run in parallel on every core, so the work finishes in about 1/THREADS of the time (with enough cores). Under a GIL build this program behaves exactly like the shared-GIL version.

Topic: The GIL
Notes: GIL — Multi-Threaded Program; How to Deal with Python's GIL
Output: varies
GIL: free-threaded
"""
# Execution time calculation for a multi-threaded Python program

import time
from threading import Thread

THREADS = 2  # slider: 1..16 Threads
N = 40000000  # slider: 100000..100000000 Numbers to add up (all threads together)

def calculateSum(n):
    sum = 0
    for i in range(n):
        sum += i 

n = N
threads = [Thread(target=calculateSum, args=(n//THREADS,)) for _ in range(THREADS)]
startTime = time.time()
for T in threads:
    T.start()
for T in threads:
    T.join()
endTime = time.time()

print("Time taken in multi-thread = ", endTime - startTime)
