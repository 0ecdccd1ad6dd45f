import threading
l = threading.Lock()
for i in range(10 ** 7):
    l.acquire()
    l.release()
