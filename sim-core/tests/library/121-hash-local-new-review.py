# What a review found, each against python3: objects of two classes with equal hashes are not
# compared when made; a key added to a set inside __init__; a __hash__ that raises does so where
# the key is used; a threading.local subclass's __getattr__ and property setters; super().__new__
# with arguments.
import threading
class A:
    def __init__(s, k): s.k = k
    def __hash__(s): return hash(s.k)
    def __eq__(s, o): return s.k == o.k
class B:
    def __init__(s, n): s.n = n
    def __hash__(s): return hash(s.n)
    def __eq__(s, o): return s.n == o.n
a = A(1); b = B(1); print("ok")
reg = set()
class N:
    def __init__(s, n): s.n = n; reg.add(s)
    def __hash__(s): return hash(s.n)
    def __eq__(s, o): return s.n == o.n
N(1); print(N(1) in reg, len(reg))
class Bad:
    def __hash__(s): raise RuntimeError("no hash")
x = Bad(); print("made")
try:
    {x: 1}
except RuntimeError as e:
    print("RuntimeError:", e)
class C(threading.local):
    def __getattr__(s, n): return "default-" + n
print(C().missing)
class P(threading.local):
    @property
    def v(s): return s._v
    @v.setter
    def v(s, x): s._v = x * 10
p = P(); p.v = 2; print(p.v)
def other(): print(hasattr(p, "_v"))
t = threading.Thread(target=other); t.start(); t.join()
class S:
    def __new__(cls, *a):
        return super().__new__(cls, *a)
try:
    S(1)
except TypeError as e:
    print("TypeError:", e)
