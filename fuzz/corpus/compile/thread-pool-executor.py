"""ThreadPoolExecutor.map

executor.map(square, numbers) with WORKERS worker threads: [1, 4, 9, 16, 25].

Topic: Pools & executors
Notes: Using ThreadPoolExecutor
Output: ordered
"""
from concurrent.futures import ThreadPoolExecutor

WORKERS = 3  # slider: 1..16 max_workers

def square(n):
    return n * n

numbers = [1, 2, 3, 4, 5]

with ThreadPoolExecutor(max_workers=WORKERS) as executor:
    results = executor.map(square, numbers)

print(list(results))  # Output: [1, 4, 9, 16, 25]
