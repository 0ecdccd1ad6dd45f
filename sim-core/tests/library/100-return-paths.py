# A `return` leaving through `finally` blocks, `with` blocks and loops, while the code that runs
# on the way out calls functions that return values of their own.
import contextlib

def helper(n):
    if n > 0:
        return n * 10
    return -1

def through_finally():
    try:
        return "body"
    finally:
        helper(3)

def finally_overrides():
    try:
        return "body"
    finally:
        return "finally"

class Noisy:
    def __enter__(self):
        return self
    def __exit__(self, *a):
        helper(5)
        for i in range(3):
            if i == 1:
                return False
        return None

def through_with():
    with Noisy():
        if True:
            return "with"

@contextlib.contextmanager
def cm():
    try:
        yield helper(1)
    finally:
        helper(2)

def through_contextmanager():
    with cm() as v:
        for i in range(5):
            if i == 2:
                return ("cm", v, i)

def nested(n):
    for i in range(n):
        try:
            with Noisy():
                while True:
                    if i == 2:
                        return ("nested", i, helper(i))
                    break
        finally:
            helper(i)
    return "end"

def in_except():
    try:
        raise ValueError("x")
    except ValueError:
        try:
            return "except"
        finally:
            helper(7)

def gen():
    try:
        for i in range(3):
            if i == 2:
                return "gen-done"
            yield i
    finally:
        helper(9)

def use_gen():
    g = gen()
    out = list(g)
    try:
        next(g)
    except StopIteration as e:
        return (out, e.value)

def gen_return_value():
    def g():
        with Noisy():
            if True:
                return "from-with"
        yield 1
    it = g()
    try:
        next(it)
    except StopIteration as e:
        return e.value

print(through_finally(), finally_overrides(), through_with(), through_contextmanager())
print(nested(5), in_except(), use_gen(), gen_return_value())
print([helper(i) for i in range(-1, 3)])
