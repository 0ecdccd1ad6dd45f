# CPython's TypeErrors for two common slips: `with` on something that is no context manager
# (`with lock.acquire():` enters a bool) and a `*` argument that is not iterable.
import threading, queue
lock = threading.Lock()
class OnlyEnter:
    def __enter__(self): return self
class Plain:
    pass
for make in (lambda: lock.acquire(), lambda: 5, lambda: None, lambda: OnlyEnter(), lambda: Plain(), lambda: queue.Queue(), lambda: [1]):
    try:
        with make():
            print("inside")
    except TypeError as e:
        print("TypeError:", e)
    except AttributeError as e:
        print("AttributeError:", e)
lock.release()
def gen():
    with 3:
        yield 1
try:
    list(gen())
except TypeError as e:
    print("TypeError:", e)
def f(x):
    print("f", x)
class C:
    def m(self, *a): return a
for call in (lambda: f(*1), lambda: print(*5), lambda: C().m(*None), lambda: [].append(*3), lambda: C(*2.5), lambda: f(*[1])):
    try:
        call()
    except TypeError as e:
        print("TypeError:", e)
