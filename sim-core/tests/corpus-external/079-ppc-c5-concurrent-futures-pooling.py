# Threadline external corpus program 079.
# Source: https://github.com/PacktPublishing/Python-Parallel-Programming-Cookbook-Second-Edition/blob/a10f0b2ba69995a6a8697e68ae0b53a20f4c04c7/Chapter05/concurrent_futures_pooling.py
# Repository: PacktPublishing/Python-Parallel-Programming-Cookbook-Second-Edition  path: Chapter05/concurrent_futures_pooling.py  commit: a10f0b2ba69995a6a8697e68ae0b53a20f4c04c7
# Licence: MIT
# Author: Giancarlo Zaccone / Packt (book 'Python Parallel Programming Cookbook', 2nd ed.)
# Edits: `time.clock()` -> `time.perf_counter()`; `range(0,10000000)` -> `range(0,100000)`

import concurrent.futures
import time

number_list = list(range(1, 11))


def count(number):
    for i in range(0,100000):
        i += 1
    return i*number


def evaluate(item):
    result_item = count(item)
    print('Item %s, result %s' % (item, result_item))

if __name__ == '__main__':
    # Sequential Execution
    start_time = time.perf_counter()
    for item in number_list:
        evaluate(item)
    print('Sequential Execution in %s seconds' % (time.perf_counter() - start_time))

   
    # Thread Pool Execution
    start_time = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=5) as executor:
        for item in number_list:
            executor.submit(evaluate, item)
    print('Thread Pool Execution in %s seconds' % (time.perf_counter() - start_time))

      
    # Process Pool Execution
    start_time = time.perf_counter()
    with concurrent.futures.ProcessPoolExecutor(max_workers=5) as executor:
        for item in number_list:
            executor.submit(evaluate, item)
    print('Process Pool Execution in %s seconds' % (time.perf_counter() - start_time))
