# Class attributes set and deleted: a user class changes, a built-in type and an enum's
# members refuse, with CPython's words; ids of distinct empty strings and tuples differ from ints'.
import enum

class A:
    x = 1

a = A()
A.y = 2
print(a.x, a.y)
del A.x
print(hasattr(a, "x"), hasattr(A, "x"))
try:
    del A.x
except AttributeError as e:
    print("AttributeError", e)

for action in ("set", "del"):
    try:
        if action == "set":
            BaseException.note = 1
        else:
            del BaseException.with_traceback
    except TypeError as e:
        print("TypeError", e)

class Color(enum.Enum):
    RED = 1
    GREEN = 2

try:
    del Color.RED
except AttributeError as e:
    print("AttributeError", e)
print(list(Color))

e, t = "", ()
print(id(e) != id(1), id(t) != id(8), t == ())
