"""Challenge 3: try the same under 3.10

The first challenge again, under CPython 3.10+. Can an update still be lost? Explore it: the answer is part of the lesson.

Topic: Challenges
Goal: counter < 2
GIL: cpython-3.10+
Par: impossible
Hint: 3.10+ checks for a switch only at loop back-edges, function entry and after calls: never inside `counter += 1`.
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
