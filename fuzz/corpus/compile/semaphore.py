"""Semaphore guarding a shared resource

THREADS threads want a resource that takes PERMITS at a time. At most PERMITS threads are inside at any moment, each for HOLD seconds; the others queue until one releases.

Topic: Semaphores
Notes: Semaphores — Example: Semaphore in Python
Output: unordered
"""
import threading
import time

THREADS = 6  # slider: 1..32 Threads
PERMITS = 3  # slider: 1..16 Semaphore size
HOLD = 2.0  # slider: 0.01..5 Time inside (s)

# Create a semaphore with a maximum of 3 threads
semaphore = threading.Semaphore(PERMITS)

def access_resource(thread_id):
    print(f"Thread {thread_id} is trying to acquire the semaphore...")
    with semaphore:  # Acquires the semaphore
        print(f"Thread {thread_id} acquired the semaphore. Accessing resource...")
        time.sleep(HOLD)  # Simulate resource usage
        print(f"Thread {thread_id} is releasing the semaphore.")
    # Semaphore is released automatically when exiting the `with` block

# Create multiple threads
threads = []
for i in range(THREADS):  # More threads than the semaphore limit
    t = threading.Thread(target=access_resource, args=(i,))
    threads.append(t)
    t.start()

# Wait for all threads to finish
for t in threads:
    t.join()

print("All threads completed.")
