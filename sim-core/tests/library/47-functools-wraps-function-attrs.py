# functools.wraps, lru_cache/cache_info, partial, reduce, cache
import functools

def trace(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        print(f'call {fn.__name__}{args}')
        return fn(*args, **kwargs)
    return wrapper

@trace
def add(a, b):
    """Add two numbers."""
    return a + b

print(add(1, 2), add.__name__, add.__doc__, add.__wrapped__.__name__, add.__qualname__)
def plain(fn):
    def wrapper(*a): return fn(*a)
    return wrapper
print('without wraps:', plain(add).__name__, plain(add).__doc__)

@functools.lru_cache(maxsize=2)
def sq(n):
    print('computing', n)
    return n * n

print(sq(2), sq(2), sq(3), sq(4), sq(2))
print(sq.cache_info())
print(type(sq.cache_info()).__name__, sq.cache_info().hits, sq.cache_info()._fields)
sq.cache_clear(); print(sq.cache_info())

@functools.lru_cache            # bare decorator form -> maxsize=128
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
print(fib(30), fib.cache_info())

@functools.cache                # unbounded
def ident(x): return x
ident(1); ident(1); ident(2)
print(ident.cache_info(), sq.cache_parameters())
p = functools.partial(pow, 2)
print(p(10), p.func is pow, p.args, p.keywords, functools.reduce(lambda a, b: a * b, range(1, 6)), functools.reduce(add.__wrapped__, [], 0))
def tag(**kw):
    def deco(f):
        for k, v in kw.items():
            setattr(f, k, v)
        return f
    return deco
@tag(route='/x', methods=['GET'])
def handler():
    pass
handler.calls = 0
handler.calls += 1
print(handler.route, handler.methods, handler.calls, sorted(handler.__dict__))
