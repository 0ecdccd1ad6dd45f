"""acquire(blocking=False) checked: 'Failed to acquire lock'

Checking the result of a non-blocking acquire: Thread 2, started START_GAP seconds after Thread 1, finds the lock taken, prints 'Failed to acquire lock' and does nothing else.

Topic: Locks
Notes: Good code - for block=False
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
    if lock.acquire(blocking=False):
        for i in range(ITERATIONS):
            time.sleep(PAUSE)
            print(f"{s}: {i}")
        lock.release()
    else:
        print("Failed to acquire lock")

thread1 = threading.Thread(target=print_numbers, args=("Thread 1",), name='T1')
thread2 = threading.Thread(target=print_numbers, args=("Thread 2",), name='T2')
thread1.start()
time.sleep(START_GAP)
thread2.start()

thread1.join()
thread2.join()
