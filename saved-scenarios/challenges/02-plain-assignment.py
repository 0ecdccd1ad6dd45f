"""Challenge 2: it is not the += that is to blame

The same race written `counter = counter + 1`. Lose an update again.

Topic: Challenges
Goal: counter < 2
GIL: cpython-3.9
Par: 1
Hint: Under 3.9 a switch can come between any two bytecodes: after the add, before the store.
Output: varies
"""
import threading

counter = 0

def add():
    global counter
    counter = counter + 1

threads = [threading.Thread(target=add) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("counter =", counter)
