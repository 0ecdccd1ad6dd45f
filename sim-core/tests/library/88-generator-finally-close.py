"""Generators past the easy cases (a review found these): a finally left by an exception inside another finally keeps the outer exception and return value; close() during yield from closes the sub-generator first; close() of a running generator is refused."""
def g():
    try:
        yield 1
        raise ValueError("lost")
    finally:
        try:
            try:
                yield 2
            finally:
                raise KeyError
        except KeyError:
            pass
try:
    print(list(g()))
except ValueError as e:
    print("ValueError:", e)

def g2():
    try:
        yield 1
        return 5
    finally:
        try:
            try:
                yield 2
            finally:
                raise KeyError
        except KeyError:
            pass
def outer():
    r = yield from g2()
    print("returned", r)
print(list(outer()))

def sub():
    try:
        yield 1
    except GeneratorExit:
        return 5
def outer2():
    r = yield from sub()
    print("after", r)
    yield 2
o = outer2()
next(o)
o.close()
print("closed quietly")

def selfclose():
    yield me.close()
me = selfclose()
try:
    next(me)
except ValueError as e:
    print("ValueError:", e)
