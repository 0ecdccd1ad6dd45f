"""Queue.get(timeout=2) on an empty queue: queue.Empty

Two items are waiting; the consumer takes them, then its next get waits TIMEOUT seconds and raises queue.Empty, and it exits.

Topic: Pipes & queues
Notes: Using get() with timeout
Output: ordered
"""
from multiprocessing import Process, Queue
import time

TIMEOUT = 2.0  # slider: 0..5 get timeout (s)

def consumer(q):
    while True:
        try:
            item = q.get(block=True, timeout=TIMEOUT)
            print(f"Consumed: {item}")
        except Exception as e:
            print("Queue empty! Exiting...")
            break

if __name__ == "__main__":
    q = Queue()
    q.put(1)
    q.put(2)

    p = Process(target=consumer, args=(q,))
    p.start()
    p.join()
