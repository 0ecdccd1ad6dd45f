# functools.lru_cache / cache: LRU order, hits and misses, CacheInfo, typed=, maxsize=0, cache_clear
import functools
@functools.lru_cache(maxsize=2)
def sq(n):
    print('computing', n)
    return n * n
print(sq(2), sq(2), sq(3), sq(4), sq(2), sq(4))
print(sq.cache_info())
info = sq.cache_info()
print(type(info).__name__, info.hits, info.misses, info.maxsize, info.currsize, info._fields, info[0], len(info), tuple(info), info == (2, 4, 2, 2))
print(sq.cache_parameters(), sq.__name__, sq.__wrapped__(5), type(sq).__name__)
sq.cache_clear()
print(sq.cache_info())
@functools.lru_cache
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
print(fib(30), fib.cache_info())
@functools.cache
def scaled(x, *, scale=1):
    return x * scale
print(scaled(1), scaled(1), scaled(2), scaled(1, scale=2), scaled(1.0), scaled.cache_info())
@functools.lru_cache(maxsize=None, typed=True)
def kind(x):
    return type(x).__name__
print(kind(1), kind(1.0), kind(True), kind(1), kind.cache_info(), kind.cache_parameters())
nocache = functools.lru_cache(maxsize=0)(abs)
print(nocache(-1), nocache(-1), nocache.cache_info())
try:
    sq([1])
except TypeError as e:
    print('TypeError', e)
