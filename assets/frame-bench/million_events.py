"""A million events

Two threads take a Lock 170 000 times each: about a million events, for the frame-time
benchmark's replay.

Topic: Benchmarks
Output: ordered
"""
import threading

ITERATIONS = 170000  # slider: 1..1000000 Acquisitions per thread

lock = threading.Lock()


def work():
    for _ in range(ITERATIONS):
        with lock:
            pass


threads = [threading.Thread(target=work) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("done")
