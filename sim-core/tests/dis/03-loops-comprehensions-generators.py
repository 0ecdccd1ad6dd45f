def f(x):
    if x:
        a()
    else:
        b()
def g(x):
    while True:
        if x is None:
            return 1
        x -= 1
    return x
def h(items):
    total = 0
    for a, b in items:
        total += a * b
    assert total > 0, "neg"
    return [i for i in items if i]
def gen(n):
    for i in range(n):
        yield i
    raise ValueError("x")
a, b = b, a
x = not a
del x
y = a and b or -1
z = 0 < a < 10
w = [1, 2, 3]
s = f"{a!r:>5} and {b}"
t = {'k': a, 'j': b}
u = w[1:2]
