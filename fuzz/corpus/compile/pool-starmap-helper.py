"""Pool.starmap with a helper function

process_function(func, x) runs a or b on x; starmap spreads four such calls over a Pool(WORKERS): with four workers about TASK_TIME seconds in all, results in order.

Topic: Pools & executors
Notes: Example 2: Using a Helper Function with starmap()
Output: varies
"""
from multiprocessing import Pool
import time

WORKERS = 4  # slider: 1..8 Pool size
TASK_TIME = 2.0  # slider: 0..5 Time each function sleeps (s)

# Define functions
def process_function(func, x):
    return func.__name__, func(x)

def a(x):
    time.sleep(TASK_TIME)
    return x

def b(x):
    time.sleep(TASK_TIME)
    return x

if __name__ == "__main__":
    s = time.perf_counter()
    tasks = [(a, 4), (b, 2), (a, 3), (b, 5)]
    
    with Pool(WORKERS) as pool:
        results = pool.starmap(process_function, tasks)
        
    for func_name, result in results:
        print(f"{func_name} result: {result}")
    print(f"Time: {time.perf_counter()-s} sec")
