"""256 threads on a semaphore

256 threads share a Semaphore(4): the frame-time benchmark's live run.

Topic: Benchmarks
Output: unordered
"""
import threading
import time

THREADS = 256  # slider: 1..256 Threads
PERMITS = 4  # slider: 1..16 Semaphore size
HOLD = 0.06  # slider: 0..1 Time inside (s)

semaphore = threading.Semaphore(PERMITS)


def work(i):
    with semaphore:
        time.sleep(HOLD)


threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("done")
