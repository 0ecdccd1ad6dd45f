f = lambda n: g(n + 1)
g = lambda n: f(n + 1)
f(0)
