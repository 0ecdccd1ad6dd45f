"""Challenge 9: every access locked, the invariant still broken

`x + y` is always 100, and every read and write of each takes that variable's lock. Make the auditor see a total other than 100.

Topic: Challenges
Goal: seen != 100
GIL: cpython-3.9
Par: 1
Hint: A lock per variable protects each variable, not the sum: the auditor can read x before the move and y after it.
Hint: Under 3.9 a switch can fall between the auditor's two `with` blocks.
Output: varies
"""
import threading

x, y = 60, 40
lock_x, lock_y = threading.Lock(), threading.Lock()
seen = 100

def move():
    global x, y
    with lock_x:
        x -= 10
    with lock_y:
        y += 10

def audit():
    global seen
    with lock_x:
        a = x
    with lock_y:
        b = y
    seen = a + b

threads = [threading.Thread(target=move), threading.Thread(target=audit)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("the auditor saw", seen)
