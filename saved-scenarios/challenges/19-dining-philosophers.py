"""Challenge 19: three philosophers, no GIL

Three philosophers each take their left fork, then their right. Free-threaded, make them all hungry forever.

Topic: Challenges
Goal: deadlock
GIL: free-threaded
Par: 2
Hint: Each one holding its left fork is enough: everyone then waits for a neighbour.
Output: varies
"""
import threading

N = 3
forks = [threading.Lock() for _ in range(N)]
eaten = []

def philosopher(i):
    left, right = forks[i], forks[(i + 1) % N]
    with left:
        with right:
            eaten.append(i)

threads = [threading.Thread(target=philosopher, args=(i,)) for i in range(N)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("everyone ate:", sorted(eaten))
