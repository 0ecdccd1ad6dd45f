# Idioms learners paste: iter(q.get, None) as a consumer loop, a class iterated through
# __getitem__ alone, %-format's TypeErrors, and tracebacks through finally and with that
# name the line that raised.
import threading, queue
q = queue.Queue()
out = []
def consumer():
    for item in iter(q.get, None):
        out.append(item * 2)
t = threading.Thread(target=consumer)
t.start()
for i in range(5):
    q.put(i)
q.put(None)
t.join()
print(out)
it = iter([1, 2, 3, 0, 4].pop, 3)
print(list(it), list(it))
try:
    iter(5, 1)
except TypeError as e:
    print(e)
class V:
    def __init__(self, *xs):
        self.xs = xs
    def __getitem__(self, i):
        return self.xs[i]
v = V(5, 6)
print(list(v), 6 in v, 7 in v, [x * 2 for x in v])
a, b = v
print(a, b, sorted(V(3, 1, 2)))
for f in ['%d','%i','%x','%f','%e','%g','%c', '%o', '%5.1f', '%-4d|']:
  for v in ['abc', None, [1], 3, 2.5, True]:
    try: print(f, repr(v), f % v)
    except Exception as e: print(f, repr(v), type(e).__name__, e)
lock = threading.Lock()
def inner():
    raise ValueError("boom")
def f():
    try:
        inner()
    finally:
        y = 2
def g():
    with lock:
        inner()
def h():
    try:
        inner()
    except KeyError:
        pass
for fn in (f, g, h):
    try:
        fn()
    except ValueError:
        import traceback
        traceback.print_exc()
