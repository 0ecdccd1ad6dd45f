import queue
q = queue.Queue()
while True:
    q.put([0] * 1000)
