# copy.copy and copy.deepcopy; what a multiprocessing Pipe or Queue carries is a pickled copy;
# a lambda cannot be pickled for a worker process.
import copy, multiprocessing as mp
from multiprocessing import Pipe, Queue
from concurrent.futures import ProcessPoolExecutor

a = [1, [2, 3], {"k": [4]}]
b = copy.copy(a); c = copy.deepcopy(a)
a[1].append(9); a[2]["k"].append(5)
print(b, c, b[1] is a[1], c[1] is a[1])
class P:
    def __init__(self): self.items = [1]
p = P(); q = copy.copy(p); r = copy.deepcopy(p)
p.items.append(2)
print(q.items, r.items, type(q).__name__)
print(copy.copy({1, 2}), copy.deepcopy({"a": (1, [2])}))

x, y = Pipe()
obj = [1, 2]
x.send(obj); got = y.recv(); obj.append(3)
print(got, got is obj)
qq = Queue()
qq.put(obj); got = qq.get(); obj.append(4)
print(got, got is obj)

def square(v):
    return v * v

if __name__ == "__main__":
    with mp.Pool(2) as pool:
        print(pool.map(square, [1, 2, 3]))
        try:
            pool.map(lambda v: v * 2, [1, 2])
        except Exception as e:
            print(type(e).__name__, str(e).split(" at 0x")[0])
    with ProcessPoolExecutor(2) as ex:
        try:
            ex.submit(lambda: 1).result()
        except Exception as e:
            print(type(e).__name__, str(e).split(" at 0x")[0])
