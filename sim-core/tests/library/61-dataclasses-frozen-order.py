# dataclasses: frozen=True, order=True, eq=False, __hash__, FrozenInstanceError
import dataclasses
from dataclasses import dataclass, FrozenInstanceError

@dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int = 0
    patch: int = 0

v = Version(1, 2)
print(v, v < Version(1, 3), v <= Version(1, 2), v > Version(0, 9, 9), v >= Version(2))
print(sorted([Version(2), Version(1, 5), Version(1, 5, 1), Version(0, 1)]))
print(hash(v) == hash(Version(1, 2)), hash(v) == hash((1, 2, 0)), max(Version(1), Version(1, 0, 7)))
for action in ('set', 'new', 'del'):
    try:
        if action == 'set':
            v.major = 9
        elif action == 'new':
            v.extra = 1
        else:
            del v.minor
    except FrozenInstanceError as e:
        print(action, type(e).__name__, e, isinstance(e, AttributeError))
print(v)
try:
    Version(1) < (1, 0, 0)
except TypeError as e:
    print('TypeError:', e)

@dataclass(eq=False)
class Node:
    name: str

a, b = Node('a'), Node('a')
print(a == b, a == a, a, hash(a) == hash(a))

@dataclass(repr=False)
class Quiet:
    x: int = 1
print(repr(Quiet()).startswith('<__main__.Quiet object at'), Quiet() == Quiet())
try:
    print(hash(Node) == hash(Node), hash(dataclasses.replace(v)) == hash(v))
    print({Quiet(): 1})
except TypeError as e:
    print('TypeError:', e)
