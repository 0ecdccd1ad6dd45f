"""Challenge 4: a call opens the door

Under 3.10+ each thread loads `counter`, logs it with `log.append`, then stores it plus one. Lose an update.

Topic: Challenges
Goal: counter < 2
GIL: cpython-3.10+
Par: 1
Hint: CPython 3.10 checks for a switch after every call, `list.append` included.
Output: varies
"""
import threading

counter = 0
log = []

def add():
    global counter
    tmp = counter
    log.append(tmp)
    counter = tmp + 1

threads = [threading.Thread(target=add) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("counter =", counter)
