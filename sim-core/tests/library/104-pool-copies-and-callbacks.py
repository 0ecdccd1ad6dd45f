# Process pools pass copies (pickled) of arguments and results; callbacks run against the
# parent's memory; initializer= and initargs= run in each worker first.
from multiprocessing import Pool
from concurrent.futures import ProcessPoolExecutor
import os
def square(x): return x * x
def mutate(lst):
    lst.append(99); return len(lst)
def boom(x):
    raise ValueError(f"bad {x}")
results = []
errors = []
def collect(r): results.append(r)
def on_err(e): errors.append(repr(e))
if __name__ == "__main__":
    PARENT = os.getpid()
    pool = Pool(2)
    for i in range(4): pool.apply_async(square, (i,), callback=collect)
    pool.apply_async(boom, (7,), error_callback=on_err)
    pool.close(); pool.join()
    print(sorted(results), errors)
    batches = []
    with Pool(2) as p:
        p.map_async(square, range(4), callback=batches.append).wait()
    print(batches)
    data = [1, 2]
    with Pool(2) as p: print(p.map(mutate, [data, data]))
    print(data)
    done = []
    with ProcessPoolExecutor(2) as ex:
        for i in range(4):
            ex.submit(square, i).add_done_callback(lambda f: done.append(f.result()))
    print(sorted(done))
    with ProcessPoolExecutor(2) as ex:
        print(ex.submit(mutate, data).result(), data)

import threading
from concurrent.futures import ThreadPoolExecutor
from multiprocessing import Pool
local = threading.local()
def init(x):
    print("init", x)
    local.conn = f"conn-{x}"
def use(i):
    return local.conn
with ThreadPoolExecutor(max_workers=1, initializer=init, initargs=("hello",)) as ex:
    print(ex.submit(use, 1).result())
G = None
def pinit(v):
    global G
    G = v
def read(_):
    return G
if __name__ == "__main__":
    with Pool(2, pinit, (5,)) as p:
        print(p.map(read, range(3)))
    print(G)
