"""Generators as CPython runs them: yield, send, throw, close, yield from with a return
value, lazy generator expressions, StopIteration turned into RuntimeError (PEP 479),
try/finally and with around a yield, break and continue through them."""


def count_up(n):
    i = 0
    while i < n:
        yield i
        i += 1
    return "done"


print(list(count_up(4)))
g = count_up(2)
print(type(g).__name__, g.__name__, g.__qualname__)
print(next(g), next(g))
try:
    next(g)
except StopIteration as e:
    print("stop", repr(e.value))
print(next(g, "default"))


def echo():
    total = 0
    try:
        while True:
            x = yield total
            if x is None:
                break
            total += x
    finally:
        print("cleanup", total)
    return total


e = echo()
print(next(e), e.send(5), e.send(7))
try:
    e.send(None)
except StopIteration as s:
    print("returned", s.value)
try:
    echo().send(3)
except TypeError as err:
    print("TypeError:", err)


def delegator():
    r = yield from count_up(3)
    print("sub returned", r)
    yield from ["a", "b"]
    yield "last"


print(list(delegator()))

# Lazy: each item is made when asked, interleaved with the consumer.
def source():
    for i in range(3):
        print("make", i)
        yield i


squares = (x * x for x in source() if x != 1)
print("built")
for v in squares:
    print("use", v)
print(sum(n for n in range(10) if n % 2))
try:
    (x for x in 5)
except TypeError as err:
    print("TypeError:", err)


def catcher():
    while True:
        try:
            v = yield
            print("got", v)
        except ValueError as err:
            print("caught", err)


c = catcher()
next(c)
c.send(1)
c.throw(ValueError("bad"))
c.throw(ValueError)
c.send(2)
c.close()
print("closed", next(c, "finished"))


def stubborn():
    try:
        yield 1
    except GeneratorExit:
        yield 2


s = stubborn()
next(s)
try:
    s.close()
except RuntimeError as err:
    print("RuntimeError:", err)


def bad():
    yield 1
    raise StopIteration


try:
    list(bad())
except RuntimeError as err:
    print("RuntimeError:", err, type(err.__cause__).__name__)


def loops():
    for i in range(4):
        for j in range(3):
            if j == 2:
                break
            if i == 1:
                continue
            try:
                yield (i, j)
            finally:
                if i == 3:
                    print("finally", i, j)
    else:
        yield "else"


print(list(loops()))


def printer():
    print((yield 1), "x", (yield 2))


p = printer()
print(next(p), p.send("hi"))
try:
    p.send("there")
except StopIteration:
    print("printer done")


class Tree:
    def __init__(self, value, *children):
        self.value = value
        self.children = children

    def walk(self):
        yield self.value
        for c in self.children:
            yield from c.walk()


t = Tree(1, Tree(2, Tree(3)), Tree(4))
print(list(t.walk()))


def counter():
    n = 0

    def bump():
        nonlocal n
        n += 1
        return n

    while n < 3:
        yield bump()


print(list(counter()))


def selfish():
    yield next(me)


me = selfish()
try:
    next(me)
except ValueError as err:
    print("ValueError:", err)

gen = (i for i in range(3))
print(gen.__name__, list(gen), list(gen))


def returns_early(items):
    for x in items:
        if x < 0:
            return x
        yield x


r = returns_early([1, 2, -3, 4])
print(list(r))
