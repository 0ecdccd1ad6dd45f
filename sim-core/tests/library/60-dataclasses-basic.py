# dataclasses: generated __init__, __repr__, __eq__, defaults, default_factory, helpers
import dataclasses
from dataclasses import dataclass, field, fields, asdict, astuple, replace, is_dataclass

@dataclass
class Point:
    x: int
    y: float = 0.0
    tags: list = field(default_factory=list)
    note: str = field(default='-', repr=False, compare=False)

p = Point(1)
q = Point(1, 0.0, note='other')
print(p, repr(q))
print(Point.__annotations__)
print(p == q, p != Point(1, 2.5), p == Point(2), p == (1, 0.0, []))
p.tags.append('a')
print(p.tags, q.tags, Point(y=3, x=4))
print([(f.name, f.type.__name__, f.repr, f.compare) for f in fields(Point)])
print(fields(p)[1].default, Point.y, Point.__dataclass_fields__['x'].name)
print(asdict(p), astuple(q))
r = replace(p, y=9.5)
print(r, r is p, r.tags is p.tags, p)
print(is_dataclass(Point), is_dataclass(p), is_dataclass(3), Point.__hash__)

@dataclass
class Line:
    start: Point
    end: Point
    label: str = 'line'

ln = Line(Point(0), Point(3, 4.0, ['t']))
print(ln)
print(asdict(ln))
print(astuple(ln))
try:
    fields(42)
except TypeError as e:
    print('TypeError:', e)
