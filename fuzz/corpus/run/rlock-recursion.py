"""RLock: the same thread acquires it again

recursive_function(N) takes the same RLock at every level: the depth climbs to N + 1 and falls back to 0. A plain Lock would deadlock on the second acquire.

Topic: Locks
Notes: ReentrantLock (RLock)
Output: ordered
"""
import threading

N = 3  # slider: 0..10 n

lock = threading.RLock()

def recursive_function(n):
    with lock:
        if n > 0:
            print(f"Lock acquired for n={n}")
            recursive_function(n - 1)
        print(f"Releasing lock for n={n}")

recursive_function(N)
