"""Processes do not share memory

The child extends its own copy of l; the parent's l is untouched: child [0, 1, 2, 3], parent [0].

Topic: Multiprocessing
Notes: Data sharing issue in multiprocessing
Output: ordered
"""
from multiprocessing import Process

l = [0]

def func():
    global l
    l.extend([1,2,3])
    print('Data inside func: ', l)

if __name__ == "__main__":
    p1 = Process(target=func)
    p1.start()
    p1.join()
    print('Data in main', l)
