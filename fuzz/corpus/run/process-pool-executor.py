"""ProcessPoolExecutor.map: factorials

executor.map(factorial, [5, 10, 15]) on WORKERS worker processes: [120, 3628800, 1307674368000].

Topic: Pools & executors
Notes: Using ProcessPoolExecutor
Output: ordered
"""
from concurrent.futures import ProcessPoolExecutor

WORKERS = 2  # slider: 1..16 max_workers

def factorial(n):
    if n == 0:
        return 1
    return n * factorial(n - 1)

numbers = [5, 10, 15]

with ProcessPoolExecutor(max_workers=WORKERS) as executor:
    results = executor.map(factorial, numbers)

print(list(results))  # Output: [120, 3628800, 1307674368000]
