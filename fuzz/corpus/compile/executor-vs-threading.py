"""executor.map vs starting threads by hand

The same task(n) for n in range(TASKS), first run by TASKS hand-made threads, then by ThreadPoolExecutor(max_workers=WORKERS).map: the executor version manages its threads for you.

Topic: Pools & executors
Notes: Comparison Example
Output: unordered
"""
import threading
from concurrent.futures import ThreadPoolExecutor

TASKS = 5  # slider: 1..20 Tasks
WORKERS = 5  # slider: 1..16 max_workers

def task(n):
    print(f"Processing {n}")

# Using threading:
threads = []
for i in range(TASKS):
    t = threading.Thread(target=task, args=(i,))
    threads.append(t)
    t.start()

for t in threads:
    t.join()

# Using concurrent.futures:
with ThreadPoolExecutor(max_workers=WORKERS) as executor:
    executor.map(task, range(TASKS))
