"""Condition: producer and consumers

CONSUMERS consumer threads wait on a Condition until the producer appends an item (one every PRODUCE_TIME seconds, ITEMS in all) and calls notify(); a notified consumer re-takes the lock before it pops the item. At the end the producer appends one None per consumer and calls notify_all() so every consumer stops.

Topic: Conditions
Notes: Comparison with Other Synchronization Primitives — Condition
Output: varies
"""
import threading
import time

CONSUMERS = 2  # slider: 1..8 Consumers
ITEMS = 6  # slider: 1..50 Items
PRODUCE_TIME = 0.3  # slider: 0..2 Time to produce one item (s)

condition = threading.Condition()
items = []

def producer():
    for i in range(ITEMS):
        time.sleep(PRODUCE_TIME)  # Simulate producing an item
        with condition:
            items.append(i)
            print(f"Produced {i}")
            condition.notify()  # Wake one waiting consumer
    with condition:
        items.extend([None] * CONSUMERS)  # One stop signal per consumer
        condition.notify_all()

def consumer():
    while True:
        with condition:
            while len(items) == 0:
                condition.wait()  # Releases the lock while waiting
            item = items.pop(0)
        if item is None:
            break
        print(f"{threading.current_thread().name} consumed {item}")

consumers = [threading.Thread(target=consumer, name=f"consumer-{i + 1}") for i in range(CONSUMERS)]
for t in consumers:
    t.start()
p = threading.Thread(target=producer, name="producer")
p.start()

p.join()
for t in consumers:
    t.join()
