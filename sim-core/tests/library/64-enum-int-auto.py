# enum: IntEnum (str is the value in 3.11), auto(), unique, Flag, the functional API
from enum import Enum, IntEnum, Flag, auto, unique

class Prio(IntEnum):
    LOW = auto()
    MID = auto()
    HIGH = 10
    URGENT = auto()

print(repr(Prio.LOW), str(Prio.HIGH), f'{Prio.MID}', f'{Prio.HIGH:03d}', format(Prio.URGENT))
print([(p.name, p.value) for p in Prio], len(Prio), Prio(10), Prio['MID'])
print(Prio.HIGH == 10, 10 == Prio.HIGH, Prio.LOW < Prio.HIGH, Prio.LOW < 2, 3 > Prio.MID)
print(Prio.HIGH + 1, 1 + Prio.HIGH, Prio.HIGH * 2, Prio.HIGH // 3, int(Prio.URGENT), isinstance(Prio.LOW, int))
print(sorted([Prio.HIGH, 5, Prio.LOW, 0]), max(Prio), [1, 2, 3][Prio.LOW])

class State(Enum):
    IDLE = auto()
    BUSY = auto()
    DONE = 10
    AFTER = auto()
print(list(State))

class Perm(Flag):
    R = auto()
    W = auto()
    X = auto()
rw = Perm.R | Perm.W
print(repr(rw), str(rw), Perm.R in rw, Perm.X in rw, rw & Perm.W, list(Perm), Perm.X.value)
print(rw is (Perm.W | Perm.R), bool(rw & Perm.X), Perm(3) is rw)
try:
    @unique
    class Dup(Enum):
        A = 1
        B = 1
        C = 2
        D = 2
except ValueError as e:
    print('ValueError:', e)
Dyn = Enum('Dyn', 'A B C')
print(list(Dyn), repr(Dyn.B), Dyn(3), len(Dyn))
Pairs = Enum('Pairs', [('ON', 'on'), ('OFF', 'off')])
print(list(Pairs), Pairs('off'))
