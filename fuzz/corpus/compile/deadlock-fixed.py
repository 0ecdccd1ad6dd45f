"""No deadlock: locks always taken in the same order

Both threads take lock1 before lock2, so one simply waits for the other and both finish, however long the HOLD pause between the two acquires.

Topic: Locks
Notes: Best Practices — acquire locks in a consistent order
Output: ordered
"""
import threading
import time

HOLD = 0.05  # slider: 0..1 Pause between the two acquires (s)

lock1 = threading.Lock()
lock2 = threading.Lock()

def thread1():
    with lock1:
        time.sleep(HOLD)
        with lock2:
            print("Thread 1")

def thread2():
    with lock1:  # same order as thread1: lock1, then lock2
        time.sleep(HOLD)
        with lock2:
            print("Thread 2")

t1 = threading.Thread(target=thread1)
t2 = threading.Thread(target=thread2)

t1.start()
t2.start()

t1.join()
t2.join()
