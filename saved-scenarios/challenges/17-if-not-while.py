"""Challenge 17: `if`, not `while`, around `wait()`

Two consumers wait on a condition for an item; the producer puts one item and notifies everyone. Make a consumer find the list empty after its wait.

Topic: Challenges
Goal: empty >= 1
GIL: cpython-3.10+
Par: 0
Hint: `notify_all` wakes both consumers for one item; the second must check again — with `while`.
Output: varies
"""
import threading

cond = threading.Condition()
items = []
empty = 0
waiting = 0

def consumer():
    global empty, waiting
    with cond:
        if not items:
            waiting += 1
            cond.wait(timeout=0.5)
        if items:
            items.pop()
        else:
            empty += 1

def producer():
    with cond:
        items.append("item")
        cond.notify_all()

threads = [threading.Thread(target=consumer), threading.Thread(target=consumer), threading.Thread(target=producer)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("found nothing:", empty)
