import threading
def f():
    pass
t = threading.Thread(target=f)
print(t.getName())
t.setName('x')
t.setDaemon(True)
print(t.isDaemon())
for i in range(2):
    print(threading.currentThread().getName())
c = threading.Condition()
with c:
    c.notifyAll()
print(threading.activeCount())
