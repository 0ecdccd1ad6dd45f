# enum: members, repr/str/format, iteration, len, lookup by value and by name, aliases
from enum import Enum

class Color(Enum):
    RED = 1
    GREEN = 2
    BLUE = 3
    SCARLET = 1

    def describe(self):
        return f'{self.name.lower()} is #{self.value}'

print(Color.RED, repr(Color.GREEN), Color.BLUE.name, Color.BLUE.value, f'[{Color.RED}]', f'{Color.RED:>12}|')
print(list(Color), len(Color), list(Color.__members__))
print(Color(2), Color['BLUE'], Color(Color.RED), Color.SCARLET is Color.RED, Color.SCARLET.name)
print(Color.RED == Color.RED, Color.RED == 1, Color.RED != Color.GREEN, Color.RED is Color(1))
print(type(Color.RED), type(Color.RED).__name__, isinstance(Color.RED, Color), isinstance(Color.RED, Enum))
print(Color, Color.RED in Color, [c.describe() for c in Color])
codes = {Color.RED: 'r', Color.GREEN: 'g'}
print(codes[Color.SCARLET], Color.GREEN in codes, Color.BLUE in codes, sorted(c.name for c in Color))
for bad in (7, 'RED', None):
    try:
        Color(bad)
    except ValueError as e:
        print('ValueError:', e)
try:
    Color['PURPLE']
except KeyError as e:
    print('KeyError:', e)
for attr in ('name', 'value'):
    try:
        setattr(Color.RED, attr, 5)
    except AttributeError as e:
        print('AttributeError:', e)
try:
    Color.RED < Color.GREEN
except TypeError as e:
    print('TypeError:', e)
