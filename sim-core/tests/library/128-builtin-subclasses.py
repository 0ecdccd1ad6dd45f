# Subclasses of built-in types: dict, list, set, int, float, str and tuple, with overrides,
# super() and explicit base calls, __missing__, __new__, as dict keys, with threads, json,
# ** unpacking and a child process's copy.
import threading
from collections import defaultdict

class Registry(dict):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._lock = threading.Lock()

    def __setitem__(self, key, value):
        with self._lock:
            super().__setitem__(key, value)

    def register(self, name, fn):
        self[name] = fn
        return fn

class Stack(list):
    def push(self, x):
        self.append(x)

    def peek(self):
        return self[-1]

class Counter0(dict):
    def __missing__(self, key):
        return 0

class Celsius(float):
    def to_f(self):
        return self * 9 / 5 + 32

class Tag(str):
    def shout(self):
        return self.upper() + "!"

class Ids(int):
    def __repr__(self):
        return f"Ids({int(self)})"

r = Registry(a=1)
r["b"] = 2
print(r, len(r), "a" in r, sorted(r), isinstance(r, dict), type(r).__name__)
print(Registry.__mro__)
def worker(i):
    r[f"k{i}"] = i
ts = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
for t in ts: t.start()
for t in ts: t.join()
print(sorted(r.items(), key=lambda kv: kv[0]))
s = Stack([1, 2])
s.push(3)
print(s, s.peek(), len(s), s + [9], list(reversed(s)), s == [1, 2, 3], isinstance(s, list))
s += [4]
print(s, type(s).__name__)
del s[0]
print(s, s.pop(), s)
c = Counter0()
c["x"] += 1
c["x"] += 1
print(c, c["y"])
t = Celsius(100)
print(t, t.to_f(), t + 1, round(t), f"{t:.1f}", t > 50)
g = Tag("hi")
print(g, repr(g), g.shout(), g + "!", len(g), {g: 1}["hi"], g == "hi", f"{g:>5}|")
n = Ids(5)
print(n, n + 1, 2 * n, n == 5, str(n), [n])
print(issubclass(Registry, dict), issubclass(Stack, dict), dict.__repr__(r) == repr(r))
try:
    hash(Stack())
except TypeError as e:
    print("TypeError:", e)
class Cfg(dict):
    def __getattr__(self, k):
        try:
            return self[k]
        except KeyError:
            raise AttributeError(k)
cfg = Cfg(host="x", port=1)
print(cfg.host, cfg.port, cfg)
class Ordered(list):
    def __init__(self, items):
        list.__init__(self, sorted(items))
print(Ordered([3, 1, 2]))
import json
from multiprocessing import Process, Queue

class Registry(dict):
    pass

class Point(tuple):
    def __new__(cls, x, y):
        return super().__new__(cls, (x, y))
    @property
    def x(self):
        return self[0]
    def __repr__(self):
        return f"Point({self[0]}, {self[1]})"

class Temp(float):
    def __new__(cls, v, unit="C"):
        obj = super().__new__(cls, v)
        obj.unit = unit
        return obj
    def __repr__(self):
        return f"{float(self)}°{self.unit}"

class MyInt(int):
    pass

class Bag(set):
    def add_all(self, *xs):
        for x in xs:
            self.add(x)

r = Registry(a=1, b=[2])
print(json.dumps(r), dict(r), {**r}, r | {"c": 3}, list(r.items()), r == {"a": 1, "b": [2]}, r != Registry())
r2 = Registry(a=1, b=[2])
r2["b"].append(3)
print(r, r2, type(r2).__name__)
p = Point(1, 2)
print(p, p.x, p[1], len(p), p + (3,), tuple(p), isinstance(p, tuple), x := p[0])
a, b = p
print(a, b, hash(p) == hash((1, 2)))
t = Temp(21.5, "F")
print(t, t.unit, t * 2, float(t), int(t), "%.1f" % t, "%s" % t)
ns = [MyInt(3), MyInt(4)]
print(sum(ns), max(ns), sorted(ns, reverse=True), "%d" % ns[0], range(ns[0]), "-".join(str(n) for n in ns))
bag = Bag()
bag.add_all(3, 1, 2)
print(sorted(bag), 2 in bag, len(bag), bag & {1, 9}, isinstance(bag, set))
q = Queue()
def child(q, reg):
    reg["child"] = True
    q.put(sorted(reg))
if __name__ == "__main__":
    pr = Process(target=child, args=(q, r))
    pr.start()
    print(q.get())
    pr.join()
    print(sorted(r))
