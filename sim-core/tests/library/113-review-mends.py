# Found in review: a class body reading a function's variable twice; extended slices with a
# huge step; str searches with end before start; hash() of big ints; math.trunc of big
# values; comb with k near n; a pool result whose dict is keyed by an instance.
import sys, math
from concurrent.futures import ProcessPoolExecutor
def g():
    a = 'A'; b = 'B'; items = [1, 2, 3]
    class C:
        v = a; w = a; u = b
        def m(self): return a
        x = a
        total = sum(i for i in items)
        lst = [i * 2 for i in items]
    return C
C = g(); print(C.v, C.w, C.u, C().m(), C.x, C.total, C.lst)
L = [1, 2, 3]; del L[1::sys.maxsize]; print(L)
L = [1, 2, 3]; L[1::sys.maxsize] = [9]; print(L)
L = list(range(20)); del L[::2]; print(L)
print("abc".find("", 2, 1), "abc".rfind("", 2, 1), "abc".count("", 2, 1), "abc".startswith("", 2, 1), "abc".endswith("", 2, 1), "abc".find("", 3))
print(hash(2**64), hash(-(2**70)), hash(2**61 - 1), hash(10**30))
print(math.trunc(1e300) == int(1e300), math.trunc(10**20), math.comb(200000, 199999))
class K:
    pass
def mk():
    k = K()
    return {k: 1}, k
if __name__ == "__main__":
    with ProcessPoolExecutor(1) as ex:
        rd, rk = ex.submit(mk).result()
        print(rd[rk])
