"""acquire(blocking=False) ignored: RuntimeError

Thread 1 takes the lock; START_GAP seconds later Thread 2's non-blocking acquire fails, the code runs on anyway, and the two threads print interleaved. Thread 2's final release raises `RuntimeError: release unlocked lock` (reported as "Exception in thread Thread-2 (print_numbers)" on stderr) because Thread 1 already released the lock.

Topic: Locks
Notes: Thread lock - block parameter
Output: ordered
"""
import threading
from threading import Lock
import time

ITERATIONS = 10  # slider: 1..20 Prints per thread
PAUSE = 0.25  # slider: 0.05..1 Sleep before each print (s)
START_GAP = 0.9  # slider: 0..5 Main's sleep before starting thread2 (s)

lock = Lock()

def print_numbers(s):
    lock.acquire(blocking=False)
    for i in range(ITERATIONS):
        time.sleep(PAUSE)
        print(f"{s}: {i}")
    lock.release()

thread1 = threading.Thread(target=print_numbers, args=("Thread 1",))
thread2 = threading.Thread(target=print_numbers, args=("Thread 2",))
thread1.start()
time.sleep(START_GAP)
thread2.start()

thread1.join()
thread2.join()
