# One call site meeting different classes, a method replaced on the class, an instance
# attribute shadowing the method, and a method deleted: each call finds what Python finds.
class A:
    def m(self, x):
        return ("A", x)

class B(A):
    def m(self, x):
        return ("B", x)

class C(A):
    pass

def call_all(objs, x):
    return [o.m(x) for o in objs]

objs = [A(), B(), C(), A()]
print(call_all(objs, 1))

def new_m(self, x):
    return ("new", x)

A.m = new_m
print(call_all(objs, 2))

objs[3].m = lambda x: ("own", x)
print(call_all(objs, 3))

del B.m
print(call_all(objs, 4))

def recurse(o, n):
    return 0 if n == 0 else 1 + o.step(n)

class R:
    def step(self, n):
        return recurse(self, n - 1)

print(recurse(R(), 50))

class K:
    def __init__(self):
        self.k = 0
    def m(self, a, b=10):
        return a + b

k = K()
print([k.m(i) for i in range(3)], [k.m(i, 1) for i in range(3)])
K.m = staticmethod(lambda a, b=5: a * b)
print([k.m(i) for i in range(3)])
