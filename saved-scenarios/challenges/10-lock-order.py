"""Challenge 10: two locks, two orders

One thread takes `a` then `b`, the other `b` then `a`. Deadlock them.

Topic: Challenges
Goal: deadlock
GIL: cpython-3.10+
Par: 1
Hint: Let each take its first lock before either takes its second.
Hint: Under 3.10+ the switch can come after the call `log.append(...)`.
Output: varies
"""
import threading

a, b = threading.Lock(), threading.Lock()
log = []

def one():
    with a:
        log.append("one has a")
        with b:
            pass

def two():
    with b:
        log.append("two has b")
        with a:
            pass

threads = [threading.Thread(target=one), threading.Thread(target=two)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("done")
