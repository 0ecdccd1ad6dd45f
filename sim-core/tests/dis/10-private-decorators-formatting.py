import functools
import threading as th, concurrent.futures as cf

class Account:
    __count = 0

    def __init__(self, balance=0, *, owner="me"):
        self.__balance = balance
        Account.__count += 1

    @property
    def balance(self):
        return self.__balance

    @functools.lru_cache(maxsize=None)
    def report(self, width=10):
        return "%s has %-8s|%5.2s" % (self.__class__.__name__, self.__balance, "xyz") + "-" * 3

def counter():
    n = 0
    def inc(step=1):
        nonlocal n
        n += step
        return n
    return inc

lock = th.Lock()
with cf.ThreadPoolExecutor(max_workers=2) as ex:
    futs = {ex.submit(pow, x, 2): x for x in range(4) if x % 2 == 0}
    for f in cf.as_completed(futs):
        print(futs[f], f.result(), sep=": ")
a, b = 1, 2
a, b = b, a
print(Account(5).report(), counter()(), not a in [1, 2], a if b else -b, [x for x in (1,)])
