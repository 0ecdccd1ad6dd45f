"""Challenge 7: two flags are not a lock

Each thread waits while the other's flag is up, then raises its own and enters. Get both threads inside at once (`most == 2`).

Topic: Challenges
Goal: most == 2
GIL: cpython-3.9
Par: 6
Hint: Both can pass the check before either raises its flag.
Output: varies
"""
import threading

flags = [False, False]
inside = 0
most = 0

def worker(me):
    global inside, most
    other = 1 - me
    while flags[other]:
        pass
    flags[me] = True
    inside += 1
    most = max(most, inside)
    inside -= 1
    flags[me] = False

threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("most inside at once:", most)
