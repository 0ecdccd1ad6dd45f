"""Challenge 1: lose an update

Two threads each add 1 to `counter` once. Make the final count 1, not 2: one thread's update must be lost.

Topic: Challenges
Goal: counter < 2
GIL: cpython-3.9
Par: 1
Hint: `counter += 1` is three steps: load, add, store.
Hint: Let the second thread load before the first one stores.
Output: varies
"""
import threading

counter = 0

def add():
    global counter
    counter += 1

threads = [threading.Thread(target=add) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("counter =", counter)
