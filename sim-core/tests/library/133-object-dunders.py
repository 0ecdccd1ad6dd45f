# object's own methods called explicitly (object.__setattr__ past a refusing __setattr__,
# object.__new__ in a singleton) and built-in values' dunder methods.
class Frozen:
    def __init__(self, x):
        object.__setattr__(self, "x", x)
    def __setattr__(self, k, v):
        raise AttributeError("frozen")
f = Frozen(3)
print(f.x)
try:
    f.x = 4
except AttributeError as e:
    print(e)
class Single:
    _inst = None
    def __new__(cls):
        if cls._inst is None:
            cls._inst = object.__new__(cls)
        return cls._inst
print(Single() is Single())
print(object.__getattribute__(f, "x"))
print([1, 2].__len__(), (5).__add__(3), {"a": 1}.__getitem__("a"), "ab".__contains__("a"))
