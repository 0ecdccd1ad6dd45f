# An instance's __dict__ written through, as descriptors and __init__s do: obj.__dict__[name] = v,
# self.__dict__.update(kw), del obj.__dict__[name]; a copy of it is a plain dict.
class Typed:
    def __set_name__(self, owner, name):
        self.name = name
    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return obj.__dict__.get(self.name, "unset")
    def __set__(self, obj, value):
        if not isinstance(value, int):
            raise TypeError(f"{self.name} must be an int")
        obj.__dict__[self.name] = value

class Point:
    x = Typed()
    y = Typed()
    def __init__(self, **kw):
        self.__dict__.update(kw)

p = Point(z=3)
print(p.x, p.z)
p.x = 5
print(p.x, vars(p) if False else p.__dict__)
c = p.__dict__.copy(); c["z"] = 99
print(p.z, c["z"])
del p.__dict__["z"]
print(hasattr(p, "z"))
try:
    p.y = "a"
except TypeError as e:
    print(e)
