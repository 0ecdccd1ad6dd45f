"""Pool.apply_async: two functions at once

a('A') and b('B') each sleep TASK_TIME seconds in separate workers of a Pool(WORKERS), so both results are ready after about TASK_TIME seconds, not twice that.

Topic: Pools & executors
Notes: Example 1: Using apply_async() for Multiple Functions
Output: varies
"""
from multiprocessing import Pool
import time

WORKERS = 4  # slider: 1..8 Pool size
TASK_TIME = 2.0  # slider: 0..5 Time each function sleeps (s)

def a(x):
    time.sleep(TASK_TIME)
    return x

def b(x):
    time.sleep(TASK_TIME)
    return x

if __name__ == "__main__":
    s = time.perf_counter()
    
    with Pool(WORKERS) as pool:
        res1 = pool.apply_async( a, args=('A', ))
        res2 = pool.apply_async( b, args=('B', ))
        print(res1.get())
        print(res2.get())
        
    print(f"Time: {time.perf_counter()-s} sec")
