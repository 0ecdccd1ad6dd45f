"""Deadlock: two locks taken in opposite order

thread1 holds lock1 and waits for lock2; thread2 holds lock2 and waits for lock1. Neither can go on. The HOLD pause between the two acquires makes sure both threads hold their first lock before asking for the second. Threadline's watchdog finds the cycle and stops the run; plain python3 hangs forever.

Topic: Locks
Notes: Common Pitfalls — Deadlocks
Output: deadlock
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
    with lock2:
        time.sleep(HOLD)
        with lock1:
            print("Thread 2")

t1 = threading.Thread(target=thread1)
t2 = threading.Thread(target=thread2)

t1.start()
t2.start()

t1.join()
t2.join()
