"""I/O-bound: threads overlap their waits

Threads waiting for I/O release the GIL, so THREADS threads each making REQUESTS requests of IO_TIME seconds finish in about REQUESTS * IO_TIME seconds, not THREADS times that.

Topic: The GIL
Notes: The Impact on Multi-Threaded Python Programs — I/O Bound
Output: varies
"""
import threading
import time

THREADS = 4  # slider: 1..32 Threads
IO_TIME = 0.2  # slider: 0.01..2 I/O per request (s)
REQUESTS = 3  # slider: 1..20 Requests per thread

def fetch():
    for _ in range(REQUESTS):
        time.sleep(IO_TIME)  # waiting for the network or disk: the GIL is released
    print(f"{threading.current_thread().name} done")

threads = [threading.Thread(target=fetch) for _ in range(THREADS)]
t0 = time.perf_counter()
for t in threads:
    t.start()
for t in threads:
    t.join()
one_thread = round(THREADS * REQUESTS * IO_TIME, 2)
print(f"All requests done in {round(time.perf_counter() - t0, 2)} s (one thread would take {one_thread} s)")
