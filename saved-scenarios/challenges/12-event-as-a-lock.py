"""Challenge 12: an Event is not a lock

Each thread waits until the event is clear, sets it, does its work and clears it. Get both inside at once.

Topic: Challenges
Goal: most == 2
GIL: cpython-3.10+
Par: 6
Hint: `is_set()` and `set()` are two calls: a switch can fall between them.
Output: varies
"""
import threading

busy = threading.Event()
inside = 0
most = 0

def worker():
    global inside, most
    while busy.is_set():
        pass
    busy.set()
    inside += 1
    most = max(most, inside)
    inside -= 1
    busy.clear()

threads = [threading.Thread(target=worker) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("most inside at once:", most)
