"""BoundedSemaphore catches an extra release

Both semaphores start at PERMITS. A plain Semaphore lets an extra release() push its counter above PERMITS without a word; a BoundedSemaphore refuses with `ValueError: Semaphore released too many times`.

Topic: Semaphores
Notes: Types of Semaphores
Output: ordered
"""
import threading
import time

PERMITS = 2  # slider: 1..8 Semaphore size
HOLD = 0.1  # slider: 0..2 Time holding the permit (s)

plain = threading.Semaphore(PERMITS)  # Unbounded Semaphore
bounded = threading.BoundedSemaphore(PERMITS)  # Bounded Semaphore

def uses_semaphore():
    plain.acquire()
    time.sleep(HOLD)
    plain.release()
    plain.release()  # one release too many
    print(f"Semaphore released twice: no error, the counter is now above {PERMITS}")

def uses_bounded_semaphore():
    bounded.acquire()
    time.sleep(HOLD)
    bounded.release()
    try:
        bounded.release()  # one release too many
        print("not reached")
    except ValueError as e:
        print(f"BoundedSemaphore released twice: ValueError: {e}")

t1 = threading.Thread(target=uses_semaphore, name="uses-Semaphore")
t2 = threading.Thread(target=uses_bounded_semaphore, name="uses-BoundedSemaphore")

t1.start()
t1.join()
t2.start()
t2.join()
