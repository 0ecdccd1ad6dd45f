# Deep recursion and deep nesting: calls (and generators resumed inside generators) nest as
# deep as sys.setrecursionlimit allows,
# each level of a nested container's repr counts against the limit, and a structure
# nested a million deep is built and let go without harm.
import sys


def depth(n):
    return 0 if n == 0 else 1 + depth(n - 1)


def forever(n):
    return forever(n + 1)


try:
    forever(0)
except RecursionError as e:
    print("default limit:", e)



def walk(n):
    if n:
        yield n
        yield from walk(n - 1)


try:
    print(sum(walk(2000)))
except RecursionError as e:
    print("generators, default limit:", e)

sys.setrecursionlimit(60000)
print("deep call:", depth(50000))
print("deep generators:", sum(walk(5000)))
sys.setrecursionlimit(1000)

for n in (996, 997, 998):
    x = []
    for _ in range(n):
        x = [x]
    try:
        print(n, "nested lists:", len(repr(x)))
    except RecursionError as e:
        print(n, "nested lists:", e)

t = ()
for _ in range(200000):
    t = (t, [t])
x = []
for _ in range(1000000):
    x = [x]
d = {}
for _ in range(1000000):
    d = {"child": d, "items": [d]}
del x, t, d
print("a million levels built and dropped")
