"""Race condition: 3.9 loses updates, 3.10+ does not

The notes' counter race: THREADS threads each run counter += 1 ITERATIONS times. Under CPython 3.9-style switching the GIL can change hands between the load of counter and the store (the eval breaker is checked on almost every bytecode), so updates are lost and the final value falls short of THREADS * ITERATIONS. CPython 3.10+ only checks at backward jumps and calls, never inside counter += 1, so the same program prints the exact total and 0 lost updates there. The code is still racy: nothing in the language promises that.

Topic: Race conditions
Notes: Race condition — Example of a Race Condition
Output: varies
GIL: cpython-3.9
"""
import threading

THREADS = 2  # slider: 1..8 Threads
ITERATIONS = 100000  # slider: 1..1000000 Increments per thread

# Shared resource
counter = 0

def increment():
    global counter
    for _ in range(ITERATIONS):
        counter += 1  # Critical section: race condition occurs here

# Create the threads
threads = [threading.Thread(target=increment) for _ in range(THREADS)]

# Start the threads
for thread in threads:
    thread.start()

# Wait for the threads to finish
for thread in threads:
    thread.join()

print(f"Final counter value: {counter}")
print(f"Expected: {THREADS * ITERATIONS}, lost updates: {THREADS * ITERATIONS - counter}")
