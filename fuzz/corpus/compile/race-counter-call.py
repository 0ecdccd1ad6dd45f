"""Race condition: a call between load and store

THREADS threads each run counter = counter + one() ITERATIONS times. The call between the load of counter and the store is an eval-breaker point, so even CPython 3.10+ can switch threads there and lose updates: the final value is usually below THREADS * ITERATIONS.

Topic: Race conditions
Notes: Race condition — Why Race Conditions Happen
Output: varies
"""
import threading

THREADS = 2  # slider: 1..8 Threads
ITERATIONS = 1000000  # slider: 1..1000000 Increments per thread

# Shared resource
counter = 0

def one():
    return 1

def increment():
    global counter
    for _ in range(ITERATIONS):
        counter = counter + one()  # read counter, call one(), write counter

threads = [threading.Thread(target=increment) for _ in range(THREADS)]

for thread in threads:
    thread.start()

for thread in threads:
    thread.join()

print(f"Final counter value: {counter}")
