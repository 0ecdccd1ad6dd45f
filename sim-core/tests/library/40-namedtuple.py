# collections.namedtuple: fields, indexing, unpacking, defaults, _asdict/_replace/_make, errors
from collections import namedtuple
import concurrent.futures as cf

Point = namedtuple('Point', ['x', 'y'])
p = Point(1, y=2)
print(p, repr(p), str(p), p.x, p[1], p[-1], p[:1], len(p), tuple(p))
x, y = p
print('unpack:', x, y, Point._fields, p._asdict(), type(p._asdict()).__name__)
r = p._replace(x=10)
print('replace:', r, p, r is p, Point._make([5, 6]), Point._make(range(2)))
print('eq tuple:', p == (1, 2), p == Point(1, 2), p != Point(2, 1), p.count(1), p.index(2))
P3 = namedtuple('P3', 'a b c', defaults=[0, 1])
print(P3(9), P3._field_defaults, P3(1, 2, 3)._asdict())
S = namedtuple('S', 'name, age')
print(S('ann', 3), S.__name__, [s.name for s in [S('a', 1), S('b', 2)]])
R = namedtuple('R', ['def', 'ok', 'ok'], rename=True)
print(R._fields)
class Vec(namedtuple('Vec', 'dx dy')):
    def norm1(self):
        return abs(self.dx) + abs(self.dy)
print(Vec(3, -4), Vec(3, -4).norm1())
for bad in [lambda: setattr(p, 'x', 5), lambda: Point(1), lambda: Point(1, 2, 3), lambda: p._replace(z=1),
            lambda: namedtuple('Bad', ['class']), lambda: Point._make([1])]:
    try:
        bad()
    except (AttributeError, TypeError, ValueError) as e:
        print(type(e).__name__ + ':', e)
print(dict(zip(Point._fields, p)), [pt.x for pt in map(Point._make, [(1, 2), (3, 4)])])
with cf.ThreadPoolExecutor(2) as ex:
    fs = [ex.submit(pow, 2, n) for n in range(3)]
    res = cf.wait(fs)
    print(type(res).__name__, len(res.done), len(res.not_done), sorted(f.result() for f in res.done))
