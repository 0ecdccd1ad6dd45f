# A class inside a function: its methods and its body reach the function's locals through
# the class body (it panicked); a set compared or combined with itself (it hung); sets
# ordered by inclusion; int() bases and prefixes.
def make(n):
    class Box:
        size = n
        def get(self): return n
        def set(self, v):
            nonlocal n
            n = v
    return Box
B = make(3)
b = B()
print(b.get(), B.size)
b.set(10)
print(b.get(), B.size, make(4)().get())
def outer():
    k = "k"
    class A:
        class Inner:
            def f(self): return k
        x = 1
        def g(self):
            try:
                return x
            except NameError as e:
                return "NameError: " + str(e)
    return A
A = outer()
print(A.Inner().f(), A().g())
x = "global x"
print(A().g())
a = {1, 2}
print(a == a, a != a, a < a, a <= a, a | a, a & a, a - a, a ^ a, a.issubset(a), a.issuperset(a), a.isdisjoint(a))
b = {3}
a |= a; a &= a; print(a); a ^= a; print(a)
print({1} < {2}, {1} <= {2}, {1} > {2}, {1} >= {2}, {1} < {1, 2})
for s, base in (("10", 99), ("10", 1), ("0b101", 0), ("0o17", 0), ("0x1f", 0), ("0b11", 2), ("0o7", 8), ("010", 0), ("0", 0), ("00", 0), ("z", 36), ("1_000", 0)):
    try:
        print(s, base, int(s, base))
    except ValueError as e:
        print("ValueError:", e)
