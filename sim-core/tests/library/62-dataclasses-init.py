# dataclasses: __init__ argument errors, __post_init__, init=False, inheritance, bad fields
from dataclasses import dataclass, field, fields

@dataclass
class Job:
    name: str
    priority: int
    retries: int = 3
    log: list = field(default_factory=list, repr=False)
    done: bool = field(default=False, init=False)

    def __post_init__(self):
        self.log.append(f'created {self.name}')

j = Job('build', 2)
print(j, j.log, j.done)
for args, kw in [((), {}), (('x',), {}), (('x', 1, 2, [], 5), {}), (('x', 1), {'name': 'y'}),
                 (('x', 1), {'colour': 'red'}), ((), {'priority': 1}), (('x', 1), {'done': True})]:
    try:
        Job(*args, **kw)
    except TypeError as e:
        print('TypeError:', e)

@dataclass
class Base:
    id: int
    owner: str = 'root'

@dataclass
class Child(Base):
    size: int = 0
    owner: str = 'child'

c = Child(7, size=3)
print(c, [f.name for f in fields(Child)], isinstance(c, Base), c == Base(7, 'child'))
try:
    @dataclass
    class Bad:
        x: int = 0
        y: int
except TypeError as e:
    print('TypeError:', e)
for default in ({}, set()):
    try:
        @dataclass
        class Holder:
            items: object = default
    except ValueError as e:
        print('ValueError:', e)
try:
    field(default=1, default_factory=list)
except ValueError as e:
    print('ValueError:', e)
