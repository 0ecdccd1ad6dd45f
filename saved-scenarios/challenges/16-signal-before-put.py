"""Challenge 16: the signal comes before the item

The producer sets `ready`, then appends the item; the consumer waits for `ready`, then takes the item. Make the consumer find nothing.

Topic: Challenges
Goal: empty == 1
GIL: cpython-3.10+
Par: 1
Hint: Set, then put: between the two, the consumer can already be awake.
Output: varies
"""
import threading

ready = threading.Event()
items = []
empty = 0

def producer():
    ready.set()
    items.append("item")

def consumer():
    global empty
    ready.wait()
    if items:
        items.pop()
    else:
        empty += 1

threads = [threading.Thread(target=consumer), threading.Thread(target=producer)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("found nothing:", empty)
