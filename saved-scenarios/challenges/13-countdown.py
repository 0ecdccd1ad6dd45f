"""Challenge 13: a countdown with a plain counter

Two workers count `remaining` down from 2; the one that reaches 0 announces the end. Make nobody announce it.

Topic: Challenges
Goal: announced == 0
GIL: cpython-3.9
Par: 1
Hint: If both decrements read 2, the count never reaches 0.
Output: varies
"""
import threading

remaining = 2
announced = 0

def worker():
    global remaining, announced
    remaining -= 1
    if remaining == 0:
        announced += 1

threads = [threading.Thread(target=worker) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("announced", announced, "time(s)")
