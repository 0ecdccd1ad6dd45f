"""Challenge 10: two locks, two orders

One thread takes `a` then `b`, the other `b` then `a`. Deadlock them.

Topic: Challenges
Goal: deadlock
GIL: cpython-3.10+
Par: 1
Hint: Let each take its first lock before either takes its second.
Output: varies
"""
import threading

a, b = threading.Lock(), threading.Lock()

def one():
    with a:
        print("one has a")
        with b:
            pass

def two():
    with b:
        print("two has b")
        with a:
            pass

threads = [threading.Thread(target=one), threading.Thread(target=two)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("done")
