"""Queue: producer and consumer processes

The producer puts 0 .. ITEMS - 1, one every PAUSE seconds; the consumer's get() blocks until each arrives and stops after ITEMS - 1. QUEUE_SIZE is the queue's maxsize (0 = unbounded).

Topic: Pipes & queues
Notes: Queues — Example: Producer-Consumer Model
Output: unordered
"""
from multiprocessing import Process, Queue
import time

ITEMS = 5  # slider: 1..50 Items
PAUSE = 0.5  # slider: 0..3 Time between items (s)
QUEUE_SIZE = 0  # slider: 0..20 Queue maxsize (0 = unbounded)

# Function for adding items to the queue
def producer(q):
    for i in range(ITEMS):
        q.put(i)
        print(f"Produced: {i}")
        time.sleep(PAUSE)

# Function for consuming items from the queue
def consumer(q):
    while True:
        item = q.get()
        print(f"Consumed: {item}")
        if item == ITEMS - 1:  # Stop after consuming the last item
            break

if __name__ == "__main__":
    q = Queue(maxsize=QUEUE_SIZE)

    p1 = Process(target=producer, args=(q,))
    p2 = Process(target=consumer, args=(q,))

    p1.start()
    p2.start()

    p1.join()
    p2.join()
