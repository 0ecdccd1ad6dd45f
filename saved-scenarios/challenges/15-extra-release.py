"""Challenge 15: a semaphore released once too often

`Semaphore(1)` guards a room; one worker releases it twice. Get two workers inside at once.

Topic: Challenges
Goal: most == 2
GIL: cpython-3.10+
Par: 2
Hint: A plain Semaphore does not complain about an extra release: it just lets one more in.
Output: varies
"""
import threading

room = threading.Semaphore(1)
inside = 0
most = 0

def careless():
    global inside, most
    room.acquire()
    inside += 1
    most = max(most, inside)
    inside -= 1
    room.release()
    room.release()

def careful():
    global inside, most
    with room:
        inside += 1
        most = max(most, inside)
        inside -= 1

threads = [threading.Thread(target=careless), threading.Thread(target=careful), threading.Thread(target=careful)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("most inside at once:", most)
