"""functools.total_ordering fills in the comparisons a class leaves out, from whichever
one it defines (CPython's choice of root), and passes NotImplemented through."""
import functools
import queue


@functools.total_ordering
class Version:
    def __init__(self, major, minor):
        self.major, self.minor = major, minor

    def __eq__(self, other):
        if not isinstance(other, Version):
            return NotImplemented
        return (self.major, self.minor) == (other.major, other.minor)

    def __lt__(self, other):
        if not isinstance(other, Version):
            return NotImplemented
        return (self.major, self.minor) < (other.major, other.minor)

    def __repr__(self):
        return f"v{self.major}.{self.minor}"


a, b, c = Version(1, 2), Version(1, 10), Version(1, 2)
print(a < b, a <= b, a > b, a >= b, a <= c, a >= c, a > c)
print(sorted([Version(2, 0), a, b]), max(a, b), min(b, a))
print(Version.__ge__(a, 5))


@functools.total_ordering
class Rank:
    def __init__(self, n):
        self.n = n

    def __eq__(self, other):
        return self.n == other.n

    def __gt__(self, other):
        return self.n > other.n


print(Rank(1) < Rank(2), Rank(2) <= Rank(2), Rank(3) >= Rank(4))
q = queue.PriorityQueue()
for v in [Version(3, 1), Version(0, 9), Version(2, 5)]:
    q.put(v)
print([q.get() for _ in range(3)])
try:
    functools.total_ordering(type("Plain", (), {}))
except ValueError as e:
    print("ValueError:", e)
