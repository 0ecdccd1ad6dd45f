"""Challenge 14: a barrier for three, two threads

Two threads meet at a `Barrier(3)` with a short timeout. Make the barrier break.

Topic: Challenges
Goal: broken > 0
GIL: cpython-3.10+
Par: 0
Hint: Count the parties: the third never comes, so the wait times out on any schedule.
Output: varies
"""
import threading

barrier = threading.Barrier(3, timeout=0.2)
broken = 0

def worker():
    global broken
    try:
        barrier.wait()
    except threading.BrokenBarrierError:
        broken += 1

threads = [threading.Thread(target=worker) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("broken:", broken)
