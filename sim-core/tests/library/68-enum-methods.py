# enum: methods, properties, classmethods, tuple values unpacked into __init__, no extending
from enum import Enum, IntFlag, auto

class Planet(Enum):
    MERCURY = (3.303e+23, 2.4397e6)
    EARTH = (5.976e+24, 6.37814e6)

    def __init__(self, mass, radius):
        self.mass = mass
        self.radius = radius

    @property
    def gravity(self):
        return round(6.673e-11 * self.mass / (self.radius * self.radius), 2)

    @classmethod
    def heaviest(cls):
        return max(cls, key=lambda p: p.mass)

    @staticmethod
    def unit():
        return 'm/s2'

print(Planet.EARTH.value, Planet.EARTH.mass, Planet.EARTH.gravity, Planet.unit())
print(Planet.heaviest(), Planet((3.303e+23, 2.4397e6)), [p.name for p in Planet])

class Light(Enum):
    RED = 'stop'
    GREEN = 'go'
    def next(self):
        order = list(Light)
        return order[(order.index(self) + 1) % len(order)]
    def __str__(self):
        return self.value.upper()
print(Light.RED.next(), Light.GREEN.next().name, str(Light.GREEN), f'{Light.RED}', repr(Light.RED))
try:
    class More(Light):
        YELLOW = 'wait'
except TypeError as e:
    print('TypeError:', e)
try:
    Light('maybe')
except ValueError as e:
    print('ValueError:', e)

class Perm(IntFlag):
    R = 4
    W = 2
    X = 1
print(Perm.R | 1, Perm.R + 1, int(Perm.R | Perm.W), Perm.W in (Perm.R | Perm.W), Perm.X.name)
print(repr(Perm.R | 1), repr(Perm.X | Perm.W), repr(Perm(0)), str(Perm(0)), list(Perm))
