# del obj.attr and delattr(obj, name) through a descriptor's __delete__, a data descriptor
# without one (AttributeError: __delete__), a plain attribute, a missing one, a class's.
class Logged:
    def __set_name__(self, owner, name):
        self.name = "_" + name
    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return getattr(obj, self.name, "unset")
    def __set__(self, obj, value):
        print("set", self.name[1:], value)
        setattr(obj, self.name, value)
    def __delete__(self, obj):
        print("delete", self.name[1:])
        delattr(obj, self.name)

class SetOnly:
    def __get__(self, obj, objtype=None):
        return 1
    def __set__(self, obj, value):
        pass

class Account:
    balance = Logged()
    fixed = SetOnly()

a = Account()
a.balance = 10
print(a.balance)
del a.balance
print(a.balance)
try:
    del a.fixed
except AttributeError as e:
    print("AttributeError:", e)

class Plain:
    kind = "plain"

p = Plain()
p.x = 1
delattr(p, "x")
print(hasattr(p, "x"))
try:
    delattr(p, "x")
except AttributeError as e:
    print("AttributeError:", e)
delattr(Plain, "kind")
print(hasattr(Plain, "kind"))
try:
    delattr(p, 3)
except TypeError as e:
    print("TypeError:", e)
