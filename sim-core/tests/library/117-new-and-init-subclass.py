# __new__ as CPython calls it (the thread-safe singleton of concurrency tutorials; a __new__
# returning something else skips __init__) and __init_subclass__ hearing of each subclass.
import threading

class Singleton:
    _instance = None
    _lock = threading.Lock()

    def __new__(cls, *args, **kwargs):
        if cls._instance is None:
            with cls._lock:
                if cls._instance is None:
                    print("creating")
                    cls._instance = super().__new__(cls)
        return cls._instance

    def __init__(self, name="x"):
        self.name = name

made = []
def get(i):
    made.append(Singleton(f"t{i}"))

ts = [threading.Thread(target=get, args=(i,)) for i in range(4)]
for t in ts: t.start()
for t in ts: t.join()
print(len(made), all(m is made[0] for m in made), type(made[0]).__name__)

class Base:
    registry = []
    def __init_subclass__(cls, **kw):
        super().__init_subclass__()
        Base.registry.append(cls.__name__)
class A(Base): pass
class B(A): pass
print(Base.registry)



class Weird:
    def __new__(cls, n):
        return n * 2

    def __init__(self, n):
        print("never")


print(Weird(21))


class Tagged:
    def __new__(cls, tag):
        obj = super().__new__(cls)
        obj.tag = tag.upper()
        return obj

    def __init__(self, tag):
        self.seen = tag


t = Tagged("a")
print(t.tag, t.seen, isinstance(t, Tagged))
