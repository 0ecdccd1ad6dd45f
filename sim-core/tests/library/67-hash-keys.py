# value hashing: frozen dataclasses and IntEnum members as dict and set keys
from dataclasses import dataclass
from enum import Enum, IntEnum

@dataclass(frozen=True)
class Pos:
    x: int
    y: int

@dataclass(unsafe_hash=True)
class Tag:
    name: str

@dataclass
class Box:
    w: int

class Level(IntEnum):
    LOW = 1
    HIGH = 2

class Mode(Enum):
    A = 1

seen = {Pos(0, 0): 'origin', Pos(1, 2): 'p'}
print(seen[Pos(1, 2)], Pos(0, 0) in seen, Pos(2, 1) in seen, len({Pos(1, 1), Pos(1, 1), Pos(1, 2)}))
print(hash(Pos(3, 4)) == hash((3, 4)), Pos(3, 4) == (3, 4), len({Pos(3, 4), (3, 4)}))
print({Tag('a'): 1}[Tag('a')], hash(Tag('b')) == hash(Tag('b')))
try:
    {Box(1): 'x'}
except TypeError as e:
    print('TypeError:', e)
try:
    print(set([Box(2)]))
except TypeError as e:
    print('TypeError:', e)
by_level = {1: 'one', Level.HIGH: 'two'}
print(by_level[Level.LOW], by_level[2], hash(Level.HIGH) == hash(2), Level.HIGH in {2, 3})
print({Mode.A: 'a'}[Mode.A], Mode.A in {1}, sorted({Level.HIGH, Level.LOW}))
