"""CPU-bound: one thread does all the work

The baseline: one thread computes the whole sum of range(N). Compare its time with the multi-threaded, free-threaded and multiprocess versions.

Topic: The GIL
Notes: GIL — Single-Threaded Program
Output: varies
"""
# Execution time calculation for a single-threaded Python program

import time

N = 40000000  # slider: 100000..100000000 Numbers to add up

def calculateSum(n):
    sum = 0
    for i in range(n):
        sum += i 

n = N
startTime = time.time()
calculateSum(n)
endTime = time.time()

print("Time taken in single thread = ", endTime - startTime)
