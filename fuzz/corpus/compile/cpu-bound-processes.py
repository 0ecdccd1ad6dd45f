"""CPU-bound: N processes, one GIL each

multiprocessing sidesteps the GIL: the sum of range(N) split over PROCESSES processes, each with its own interpreter and its own GIL, runs in parallel on every core.

Topic: The GIL
Notes: GIL — Multi-Threaded Program; How to Deal with Python's GIL
Output: varies
"""
# Execution time calculation for a multi-process Python program

import time
from multiprocessing import Process

PROCESSES = 2  # slider: 1..16 Processes
N = 40000000  # slider: 100000..100000000 Numbers to add up (all processes together)

def calculateSum(n):
    sum = 0
    for i in range(n):
        sum += i 

if __name__ == "__main__":
    n = N
    processes = [Process(target=calculateSum, args=(n//PROCESSES,)) for _ in range(PROCESSES)]
    startTime = time.time()
    for P in processes:
        P.start()
    for P in processes:
        P.join()
    endTime = time.time()

    print("Time taken with processes = ", endTime - startTime)
