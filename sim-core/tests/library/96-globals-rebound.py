# Module globals read again and again while other code rebinds, deletes and shadows them:
# every read sees the binding as it is now (Threadline keeps the value a thread read last
# and must notice any change).
import threading

x = 1
def read():
    return x

seen = [read()]
def rebind(v):
    global x
    x = v

rebind(2)
seen.append(read())
globals_before = read()

stop = False
counts = []
def spinner():
    n = 0
    while not stop:
        n += 1
    counts.append(n > 0 or n == 0)

t = threading.Thread(target=spinner)
t.start()
for _ in range(1000):
    seen_now = read()
stop = True
t.join()
print("spinner saw stop:", counts)

del x
try:
    read()
except NameError as e:
    print("after del:", e)
x = "back"
seen.append(read())

def f():
    return len
print(f()([1, 2, 3]))
len = lambda s: "shadowed"
print(f()([1, 2, 3]))
del len
print(f()([1, 2, 3]))
print(seen, globals_before)

class K:
    pass
k = K()
def kind():
    return type(k).__name__
before = kind()
class K2:
    pass
k = K2()
print(before, kind())
