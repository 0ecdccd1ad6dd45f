"""contextlib.contextmanager and generators across threads: a generator consumed by
several threads under a lock hands out each item once; a context manager made from a
generator times and guards a critical section; exceptions pass through it or are
suppressed as CPython's _GeneratorContextManager does."""
import contextlib
import threading
import time


@contextlib.contextmanager
def timed(label, log):
    start = time.perf_counter()
    try:
        yield label.upper()
    finally:
        log.append((label, time.perf_counter() - start >= 0))


log = []
with timed("setup", log) as name:
    print("inside", name)
print(log)


@contextlib.contextmanager
def ignoring(*kinds):
    try:
        yield
    except kinds as e:
        print("ignored", type(e).__name__, e)


with ignoring(KeyError):
    {}["missing"]
print("after ignoring")
try:
    with ignoring(KeyError):
        raise ValueError("not ignored")
except ValueError as e:
    print("propagated", e)


@contextlib.contextmanager
def no_yield():
    if False:
        yield


try:
    with no_yield():
        pass
except RuntimeError as e:
    print("RuntimeError:", e)


@contextlib.contextmanager
def two_yields():
    yield 1
    yield 2


try:
    with two_yields():
        pass
except RuntimeError as e:
    print("RuntimeError:", e)


def tickets(n):
    for i in range(n):
        yield i


source = tickets(300)
lock = threading.Lock()
taken = {}


@contextlib.contextmanager
def guarded():
    with lock:
        yield


def worker(name):
    mine = []
    while True:
        with guarded():
            item = next(source, None)
        if item is None:
            break
        mine.append(item)
    taken[name] = mine


threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()
everything = sorted(x for items in taken.values() for x in items)
print(len(everything), everything == list(range(300)), sorted(taken))
