"""multiprocessing.Value and Array print and behave as CPython's; a Timer is named as a
plain thread (Timer calls Thread.__init__ without a target)."""
import multiprocessing as mp
import threading

v = mp.Value('i', 0)
d = mp.Value('d', 1.5)
print(repr(v), type(v).__name__, v.value)
print(repr(d), type(d).__name__)
with v.get_lock():
    v.value += 41
print(v.value)

a = mp.Array('i', 3)
b = mp.Array('d', [1.0, 2.5])
print(type(a).__name__, list(a), a[:], len(a), b[1], b[:])
a[1] = 7
print(a[:], sum(a))

try:
    mp.Value('z', 0)
except TypeError as e:
    print("TypeError:", e)

fired = []
t = threading.Timer(0.01, fired.append, args=("fired",))
print(t.name, repr(t).split(",")[0], type(t).__name__, isinstance(t, threading.Thread))
t.start()
t.join()
print(fired)
