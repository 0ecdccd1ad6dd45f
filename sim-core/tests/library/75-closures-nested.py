"""Closures three functions deep: a lambda or def inside a nested function sees a variable of the outermost, through the middle function (a compiler bug once gave it None)."""
def outer():
    items = [1]
    def plain():
        def g():
            return items
        return g()
    def plain2():
        g = lambda: items
        return g
    return plain(), plain2()()
print(outer())
def outer2():
    items = [2]
    def plain():
        g = lambda: items
        return g()
    return plain()
print(outer2())
def outer3():
    items = [1]
    def inner():
        g = lambda: items
        yield g()
    def plain():
        g = lambda: items
        return g()
    return list(inner()), plain()
print(outer3())
