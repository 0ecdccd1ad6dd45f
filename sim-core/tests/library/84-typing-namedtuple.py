"""typing.NamedTuple in both forms: a class with annotated fields, defaults, a docstring and methods, and the functional form; a field without a default after one with is refused as CPython refuses it."""
from typing import NamedTuple

class Point(NamedTuple):
    x: int
    y: int = 0

p = Point(1, 2)
print(p, p.x, p[1], p._asdict(), Point(5))
a, b = p
print(a + b, p._replace(x=9), Point._fields)


class Job(NamedTuple):
    """A unit of work."""
    priority: int
    name: str = "job"

    def describe(self):
        return f"{self.name}@{self.priority}"


j = Job(3)
print(j, j.describe(), Job.__doc__, sorted([Job(2, "b"), Job(1, "a")]))
Pair = NamedTuple("Pair", [("left", int), ("right", int)])
print(Pair(1, 2), Pair._fields)
try:
    class Bad(NamedTuple):
        a: int = 1
        b: int
except TypeError as e:
    print("TypeError:", e)
