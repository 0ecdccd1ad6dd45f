# hash() of ints, bools and integral floats as CPython gives it (the value modulo
# 2**61 - 1, -1 → -2), and attribute reads and writes through locals and globals
# (the borrowed fast path) next to the general one.
print(hash(True), hash(False), hash(1.0), hash(-1), hash(-2), hash(7))
print(hash(2**61 - 1), hash(2**61), hash(-(2**61)), hash(2**62 + 5))
print(hash(True) == hash(1), {1: "a", True: "b", 1.0: "c"})


class C:
    pass


g = C()
g.n = 0


def bump(k):
    local = C()
    local.n = 10
    for _ in range(k):
        g.n = g.n + 1
        local.n = local.n - 1
    return local.n


print(bump(5), g.n)
g = C()          # a new object behind the same global: the next read must see it
g.m = 1
try:
    print(g.n)
except AttributeError as e:
    print("AttributeError:", e)
