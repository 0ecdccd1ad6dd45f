def f(n):
    try:
        raise ValueError(n)
    except ValueError:
        f(n + 1)
f(0)
