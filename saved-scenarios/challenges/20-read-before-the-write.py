"""Challenge 20: reading a result too early

The main thread starts a worker that stores its result, then reads the result without joining. Make it read nothing.

Topic: Challenges
Goal: seen is None
GIL: cpython-3.10+
Par: 1
Hint: `start()` only waits for the thread to begin, not to finish: without `join()` the read can come first.
Output: varies
"""
import threading

result = None
seen = 0

def worker():
    global result
    print("working")
    result = 42

t = threading.Thread(target=worker)
t.start()
seen = result
t.join()
print("main read", seen)
