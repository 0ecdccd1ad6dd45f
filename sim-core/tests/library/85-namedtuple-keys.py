"""Named tuples (collections.namedtuple and typing.NamedTuple) as dict keys and set members: they hash and compare as the tuple of their values, as CPython's."""
from collections import namedtuple
from typing import NamedTuple
P = namedtuple("P", "x y")
class Q(NamedTuple):
    a: int
    b: int
d = {P(1, 2): "p", Q(3, 4): "q"}
print(d[P(1, 2)], d[Q(3, 4)], d[(1, 2)], P(1, 2) == (1, 2), {P(1, 2), (1, 2)}, hash(P(1, 2)) == hash((1, 2)))
