"""Race condition: counter += 1 without a lock

THREADS threads each run counter += 1 ITERATIONS times. counter += 1 is a load, an add and a store. Under CPython 3.10+ the eval breaker never falls between them, so the count stays exact (as real 3.10+ does); under 3.9-style switching or a free-threaded interpreter updates are lost and the final value is below THREADS * ITERATIONS.

Topic: Race conditions
Notes: Race condition — Example of a Race Condition
Output: varies
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
