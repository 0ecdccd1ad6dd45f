"""CPU-bound: N threads share one GIL

The same work (the sum of range(N)) split over THREADS threads takes at least as long as one thread doing it all: only the GIL holder runs, and the GIL changes hands about every switch interval (5 ms). The notes measured 5.4 s for two threads against 3.4 s for one.

Topic: The GIL
Notes: GIL — Multi-Threaded Program; How to Deal with Python's GIL
Output: varies
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
