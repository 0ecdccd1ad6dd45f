# Properties as CPython's: getter, setter and deleter (decorators and property(fget, fset,
# fdel, doc)), the AttributeError of a missing part, inherited properties; __slots__.
class P:
    @property
    def x(self): return 1
p = P()
try:
    p.x = 2
except AttributeError as e: print(e)
try:
    del p.x
except AttributeError as e: print(e)
class Q:
    x = property(None)
try:
    Q().x
except AttributeError as e: print(e)
print(type(P.x).__name__, P.x.fget.__name__, P.x.fset)
class Account:
    """A bank account."""
    def __init__(self, balance=0):
        self._balance = balance

    @property
    def balance(self):
        """The balance, in cents."""
        return self._balance

    @balance.setter
    def balance(self, v):
        if v < 0:
            raise ValueError("balance cannot be negative")
        self._balance = v

    @balance.deleter
    def balance(self):
        print("closing")
        self._balance = 0


a = Account(5)
a.balance += 10
print(a.balance, a._balance, Account.balance.__doc__)
try:
    a.balance = -1
except ValueError as e:
    print("ValueError:", e)
del a.balance
print(a.balance, "balance" in a.__dict__)
a.other = 1
print(sorted(a.__dict__))
class Base:
    def get_n(self): return self._n * 2
    def set_n(self, v): self._n = v
    n = property(get_n, set_n, doc="n doubled")
class Derived(Base):
    pass
d = Derived(); d.n = 4; print(d.n, Derived.n.__doc__, d._n)
class P:
    def __init__(self):
        self._x = 1

    @property
    def x(self):
        return self._x * 100

    @x.setter
    def x(self, v):
        self._x = v


p = P()
p.x = 3
print(p.x, p._x)


class S:
    __slots__ = ("a",)


s = S()
s.a = 4
print(s.a)
try:
    s.b = 1
except AttributeError as e:
    print("AttributeError:", e)


class Slotted:
    __slots__ = ["x", "y"]


class MoreSlots(Slotted):
    __slots__ = "z"


class Open(Slotted):
    pass


m = MoreSlots()
m.x, m.z = 1, 2
print(m.x, m.z)
try:
    m.w = 3
except AttributeError as e:
    print("AttributeError:", e)
try:
    print(m.y)
except AttributeError as e:
    print("AttributeError:", e)
o = Open()
o.anything = 5
print(o.anything)
