# frozenset as CPython's: hashable by its members whatever their order, never changed, the left
# operand's type kept by set operations, told apart from set by isinstance and type().
a = frozenset([1, 2])
print(a, type(a).__name__, hash(a) == hash(frozenset([2, 1])), frozenset())
d = {a: "pair", frozenset(): "empty"}
print(d[frozenset([2, 1])], d[frozenset()])
try:
    a.add(3)
except AttributeError as e:
    print(e)
b = a | {3}
print(b, type(b).__name__, type({3} | a).__name__, a & {2}, a - {1}, a == {1, 2})
print(isinstance(a, frozenset), isinstance(a, set), isinstance({1}, frozenset))
print({frozenset([1]), frozenset([1])}, a.union([5]), a.copy() is a, sorted(a))
try:
    {set([1]): 1}
except TypeError as e:
    print(e)
