"""Challenge 18: the check outside the lock

Two threads initialise a shared resource once: they check `initialized`, then take the lock and set it up. Make it set up twice.

Topic: Challenges
Goal: setups == 2
GIL: cpython-3.9
Par: 1
Hint: Both can see `initialized` false before either takes the lock: check again inside it.
Hint: Under 3.9 a switch can fall between the check and the `with`.
Output: varies
"""
import threading

lock = threading.Lock()
initialized = False
setups = 0

def ensure():
    global initialized, setups
    if not initialized:
        with lock:
            setups += 1
            initialized = True

threads = [threading.Thread(target=ensure) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("set up", setups, "time(s)")
