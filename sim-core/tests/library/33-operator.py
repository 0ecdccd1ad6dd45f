# operator: the operators as functions, itemgetter / attrgetter / methodcaller and their reprs
import operator
from functools import reduce
print(operator.add(2, 3), operator.sub(2, 3), operator.mul('ab', 2), operator.truediv(7, 2), operator.floordiv(7, 2), operator.mod(7, 3), operator.pow(2, 10))
print(operator.neg(5), operator.pos(-2), operator.abs(-3.5), operator.invert(5), operator.not_([]), operator.truth('x'), operator.index(7))
print(operator.eq(1, 1.0), operator.ne(1, 2), operator.lt(1, 2), operator.le(2, 2), operator.gt('b', 'a'), operator.ge(1, 2), operator.is_(None, None), operator.is_not(1, None))
print(operator.and_(6, 3), operator.or_(6, 3), operator.xor(6, 3), operator.lshift(1, 4), operator.rshift(32, 2), operator.concat([1], [2]), operator.contains('abc', 'b'))
d = {'a': 1}
operator.setitem(d, 'b', 2)
print(operator.getitem(d, 'b'), d, operator.countOf([1, 2, 1], 1), operator.indexOf([5, 6], 6))
operator.delitem(d, 'a')
print(d, reduce(operator.mul, range(1, 6)), list(map(operator.add, [1, 2], [10, 20])))
rows = [('b', 2, 'x'), ('a', 3, 'y'), ('c', 1, 'z')]
print(sorted(rows, key=operator.itemgetter(1)), list(map(operator.itemgetter(0, 2), rows)), operator.itemgetter(-1)('hello'))
class Pos:
    def __init__(self, x): self.x = x
class P:
    def __init__(self, name, pos):
        self.name, self.pos = name, pos
    def greet(self, other, punct='!'):
        return f'{self.name} greets {other}{punct}'
    def __repr__(self):
        return f'P({self.name})'
ps = [P('b', Pos(2)), P('a', Pos(3))]
print(sorted(ps, key=operator.attrgetter('name')), operator.attrgetter('pos.x', 'name')(ps[0]), [operator.attrgetter('pos.x')(p) for p in ps])
print(operator.methodcaller('greet', 'Bo', punct='?')(ps[0]), operator.methodcaller('upper')('abc'), operator.methodcaller('split', ',')('a,b'))
print(repr(operator.itemgetter(1)), operator.itemgetter(1, 'a'), [operator.attrgetter('a.b', 'c')], repr(operator.methodcaller('m', 1, k=2)))
print(operator.add, type(operator.itemgetter(1)).__name__, callable(operator.attrgetter('x')))
for bad in [lambda: operator.add(1), lambda: operator.neg('a'), lambda: operator.itemgetter(), lambda: operator.itemgetter(1)(),
            lambda: operator.attrgetter(1), lambda: operator.methodcaller(3), lambda: operator.concat(1, 2),
            lambda: operator.indexOf([1], 3), lambda: operator.attrgetter('nope')(1), lambda: operator.truediv(1, 0)]:
    try:
        bad()
    except Exception as e:
        print(type(e).__name__, e)
