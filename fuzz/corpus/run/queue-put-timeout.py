"""Queue.put(timeout) on a full queue: queue.Full

Queue(maxsize=QUEUE_SIZE) with nobody consuming: the first QUEUE_SIZE of the ITEMS puts succeed, then each put waits TIMEOUT seconds and raises queue.Full. The producer sleeps PAUSE seconds after every put.

Topic: Pipes & queues
Notes: Examples Using put() with timeout
Output: ordered
"""
from multiprocessing import Process, Queue
import time

QUEUE_SIZE = 2  # slider: 1..10 Queue maxsize
ITEMS = 5  # slider: 1..20 Items to produce
TIMEOUT = 0.5  # slider: 0..5 put timeout (s)
PAUSE = 0.25  # slider: 0..2 Sleep after each put (s)

def producer(q):
    for i in range(ITEMS):
        try:
            q.put(i, block=True, timeout=TIMEOUT)
            print(f"Produced: {i}")
        except Exception as e:
            print(f"Queue full! Could not produce {i}")
        time.sleep(PAUSE)

if __name__ == "__main__":
    q = Queue(maxsize=QUEUE_SIZE)
    p = Process(target=producer, args=(q,))
    p.start()
    p.join()
