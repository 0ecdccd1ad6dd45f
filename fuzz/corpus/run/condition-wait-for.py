"""Condition.wait_for: sleep until a predicate holds

The producer appends ITEMS items, one every PAUSE seconds, and calls notify_all() after each. The waiter's condition.wait_for(predicate) wakes at every notify, re-checks the predicate under the lock and goes back to waiting until all ITEMS items are there. An impatient waiter gives up after TIMEOUT seconds: wait_for returns False with only part of the list filled.

Topic: Conditions
Notes: Race condition — Other Synchronization Techniques — Condition Variables
Output: ordered
"""
import threading
import time

ITEMS = 5  # slider: 1..20 Items
PAUSE = 0.2  # slider: 0.01..2 Time to produce one item (s)
TIMEOUT = 0.5  # slider: 0..10 Impatient waiter's timeout (s)

condition = threading.Condition()
items = []

def producer():
    for i in range(ITEMS):
        time.sleep(PAUSE)
        with condition:
            items.append(i)
            print(f"Produced {i}")
            condition.notify_all()

def waiter():
    with condition:
        condition.wait_for(lambda: len(items) == ITEMS)
        print(f"Waiter: all {ITEMS} items are ready: {items}")

def impatient_waiter():
    with condition:
        ready = condition.wait_for(lambda: len(items) == ITEMS, timeout=TIMEOUT)
        print(f"Impatient waiter: ready={ready} after {TIMEOUT} s, {len(items)} items so far")

threads = [
    threading.Thread(target=waiter),
    threading.Thread(target=impatient_waiter),
    threading.Thread(target=producer),
]
for t in threads:
    t.start()
for t in threads:
    t.join()
