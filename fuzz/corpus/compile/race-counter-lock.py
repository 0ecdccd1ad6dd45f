"""Race condition fixed with a Lock

THREADS threads each add 1 to counter ITERATIONS times. With `with lock:` around the increment the final value is exactly THREADS * ITERATIONS in every GIL mode.

Topic: Race conditions
Notes: Solution: Using Locks
Output: ordered
"""
import threading

THREADS = 2  # slider: 1..8 Threads
ITERATIONS = 100000  # slider: 1..1000000 Increments per thread

# Shared resource
counter = 0
lock = threading.Lock()  # Create a lock

def increment():
    global counter
    for _ in range(ITERATIONS):
        with lock:  # Acquire the lock
            counter += 1  # Critical section

# Create the threads
threads = [threading.Thread(target=increment) for _ in range(THREADS)]

# Start the threads
for thread in threads:
    thread.start()

# Wait for the threads to finish
for thread in threads:
    thread.join()

print(f"Final counter value: {counter}")
