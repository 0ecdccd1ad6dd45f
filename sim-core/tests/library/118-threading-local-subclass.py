# threading.local as a class: a subclass's __init__ runs again in each thread that first
# touches the object, with the arguments it was made with; attributes are per thread.
import threading
class MyLocal(threading.local):
    def __init__(self, value):
        super().__init__()
        print(threading.current_thread().name, "init", value)
        self.value = value
loc = MyLocal(1000)
def worker():
    print(threading.current_thread().name, loc.value)
    loc.value = threading.current_thread().name
    print(threading.current_thread().name, loc.value)
ts = [threading.Thread(target=worker, name=f"W{i}") for i in range(2)]
for t in ts:
    t.start(); t.join()
print(loc.value)
plain = threading.local()
print(repr(plain)[:24], type(plain).__name__)
try:
    plain.x
except AttributeError as e:
    print(e)
plain.x = 1
def other():
    print(hasattr(plain, "x"))
t = threading.Thread(target=other); t.start(); t.join()
print(plain.x, isinstance(loc, threading.local))
try:
    threading.local(1)
except TypeError as e:
    print(e)
import threading
loc = threading.local()
loc.x = 1
del loc.x
print(hasattr(loc, "x"))
try:
    del loc.y
except AttributeError as e:
    print("AttributeError", e)
