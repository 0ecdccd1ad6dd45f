# Objects as dict keys and set members by their own __hash__ and __eq__, as CPython: equal
# objects are one key; a class with __eq__ and no __hash__ is unhashable; identity otherwise.
import threading
from dataclasses import dataclass


class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __eq__(self, other):
        return isinstance(other, Point) and (self.x, self.y) == (other.x, other.y)

    def __hash__(self):
        return hash((self.x, self.y))

    def __repr__(self):
        return f"Point({self.x}, {self.y})"


class Collide:
    """Every object hashes alike; only == tells them apart."""

    def __init__(self, k):
        self.k = k

    def __eq__(self, other):
        return isinstance(other, Collide) and self.k == other.k

    def __hash__(self):
        return 7


class OnlyEq:
    def __eq__(self, other):
        return True


class Plain:
    pass


seen = {Point(0, 0), Point(0, 0), Point(1, 2)}
print(len(seen), Point(1, 2) in seen, Point(2, 1) in seen)
names = {Point(0, 0): "origin"}
names[Point(3, 4)] = "far"
names[Point(0, 0)] = "zero"
print(names[Point(0, 0)], names.get(Point(3, 4)), len(names), sorted(map(repr, names)))
c = {Collide(i % 3): i for i in range(9)}
print(len(c), c[Collide(2)], Collide(5) in c)
try:
    {OnlyEq(): 1}
except TypeError as e:
    print("TypeError:", e)
a, b = Plain(), Plain()
print(len({a, b, a}), {a: 1}.get(b))


@dataclass(frozen=True)
class Key:
    name: str
    n: int = 0


print({Key("a"): 1, Key("a"): 2}, Key("b", 1) in {Key("b", 1)})

# Two threads counting visits by equal keys made separately in each.
counts = {}
lock = threading.Lock()


def visit(k):
    for i in range(100):
        with lock:
            p = Point(i % 4, 0)
            counts[p] = counts.get(p, 0) + 1


threads = [threading.Thread(target=visit, args=(k,)) for k in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(sorted((p.x, n) for p, n in counts.items()))
