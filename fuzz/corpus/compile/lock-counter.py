"""Lock-protected counter

THREADS threads each add 1 to a shared counter ITERATIONS times, each increment inside `with lock:`. The lock hands over between threads and the final value is exactly THREADS * ITERATIONS.

Topic: Locks
Notes: Using Locks in Python
Output: ordered
"""
import threading

THREADS = 2  # slider: 1..8 Threads
ITERATIONS = 1000000  # slider: 1..1000000 Increments per thread

# Shared resource
counter = 0
lock = threading.Lock()

def increment():
    global counter
    for _ in range(ITERATIONS):
        with lock:  # Acquiring the lock
            counter += 1  # Critical section

# Create threads
threads = [threading.Thread(target=increment) for _ in range(THREADS)]

# Start threads
for thread in threads:
    thread.start()

# Wait for threads to finish
for thread in threads:
    thread.join()

print(f"Final counter value: {counter}")
