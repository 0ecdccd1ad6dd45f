# functools: update_wrapper / wraps, cmp_to_key, partial, reduce and their errors
import functools
class Counted:
    def __init__(self, fn):
        functools.update_wrapper(self, fn)
        self.calls = 0
    def __call__(self, *args):
        self.calls += 1
        return self.__wrapped__(*args)
@Counted
def add(a, b):
    """Add two numbers."""
    return a + b
print(add(1, 2), add(3, 4), add.calls, add.__name__, add.__doc__, add.__qualname__, add.__module__, add.__wrapped__(5, 5))
def logged(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        print('calling', fn.__name__, args, kwargs)
        return fn(*args, **kwargs)
    return wrapper
@logged
def mul(a, b=2):
    return a * b
print(mul(3), mul(3, b=4))
print(sorted(['ccc', 'a', 'bb', 'aa'], key=functools.cmp_to_key(lambda a, b: (len(a) - len(b)) or ((a > b) - (a < b)))))
p = functools.partial(pow, 2)
print(p(10), p.args, functools.reduce(lambda a, b: a * b, range(1, 6)), functools.reduce(add.__wrapped__, [], 0))
for bad in [lambda: functools.lru_cache('x'), lambda: functools.wraps(), lambda: functools.reduce(max, [])]:
    try:
        bad()
    except TypeError as e:
        print('TypeError', e)
