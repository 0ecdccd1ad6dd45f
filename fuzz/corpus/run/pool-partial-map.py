"""Pool.map over partial functions

partial(func_a, 'A') and partial(func_b, 'A', 'B') mapped over a Pool() (one worker per CPU) run together: ['A', ('A', 'B')] after about TASK_TIME seconds.

Topic: Pools & executors
Notes: 3. Using functools partial and map
Output: varies
"""
from multiprocessing import Pool
from functools import partial
import time

TASK_TIME = 2.0  # slider: 0..5 Time each function sleeps (s)


def func_a(a):
    time.sleep(TASK_TIME)
    return a

def func_b(a, b):
    time.sleep(TASK_TIME)
    return a, b

def map_func(func):
    return func()

if __name__ == "__main__":
    s = time.perf_counter()
    with Pool() as pool:
        a = partial(func_a, "A")
        b = partial(func_b, "A", "B")

        res = pool.map(map_func, [a, b])
        print(res)
    print(f"Time: {time.perf_counter()-s} sec")
