"""Challenge 11: an acquire without its release

Each thread takes the lock for each item and releases it — except on one path. Usually the program ends anyway; make it hang.

Topic: Challenges
Goal: deadlock
GIL: cpython-3.10+
Par: 1
Hint: Look at the `continue`: it skips the release.
Output: varies
"""
import threading

lock = threading.Lock()
done = 0

def work(items):
    global done
    for item in items:
        lock.acquire()
        if item < 0:
            continue
        done += 1
        lock.release()

threads = [threading.Thread(target=work, args=([2],)), threading.Thread(target=work, args=([1, -1],))]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("done", done)
