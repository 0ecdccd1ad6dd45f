# str and list methods with start/end and maxsplit (they were dropped), splitlines at every
# boundary, partition and kin; extended slices deleted and assigned; `in` on an iterator
# stops at the match; super(C, obj); __eq__ without __hash__ unhashable; CPython's words for
# str/list/tuple + and *.
print("hello".find("l", 3), "abcabc".count("b", 2), "hello".startswith("ll", 2))
print("2024-01-05".split("-", maxsplit=1), "a b c".split(None, 1), "a,b,c".rsplit(",", maxsplit=1))
print([1, 2, 1, 2].index(1, 1), "a\nb".splitlines(keepends=True), (1, 2, 1).index(1, 1))
print("  a  b  c  ".split(None, 1), "  a  b  c  ".rsplit(None, 1), "a b".split(maxsplit=0))
print("hello".rfind("l", 0, 3), "hello".endswith("ell", 0, 4), "hello".find("", 5), "hello".find("", 6))
print("abc".count("", 1), "abc".count("", 10), "hello".index("l", -2), "hello".rindex("l"))
print("a\rb\r\nc\x0bd\x0ce\u2028f".splitlines(), "x\n\n".splitlines(True), "".splitlines())
print("key=value=x".partition("="), "key=value=x".rpartition("="), "abc".partition("z"), "abc".rpartition("z"))
print("test_file.py".removesuffix(".py"), "pre_x".removeprefix("pre_"), "Straße".casefold(), "HeLLo".swapcase(), "é".isascii())
print("hello".startswith(("x", "he"), 0), "hello".startswith("h", 10), "hello"[1:].find("l"))
for bad in (lambda: [1, 2].index(1, 1), lambda: "abc".index("z"), lambda: "abc".partition("")):
    try:
        bad()
    except ValueError as e:
        print("ValueError:", e)
import itertools
L = list(range(10)); del L[::3]; print(L)
L = list(range(10)); del L[::-2]; print(L)
L = list(range(10)); del L[1:8:3]; print(L)
L = list(range(6)); L[::2] = ["a", "b", "c"]; print(L)
L = list(range(6)); L[::-3] = [9, 8]; print(L)
try:
    L[::2] = [1]
except ValueError as e:
    print("ValueError:", e)
g = (i for i in range(5)); print(2 in g, list(g))
print(7 in itertools.count(), 3 in iter([1, 2, 3, 4]))
class A:
    def who(s): return "A"
    @classmethod
    def make(cls): return "A.make " + cls.__name__
class B(A):
    def who(s): return "B"
    @classmethod
    def make(cls): return "B.make"
class C(B):
    def who(s): return super(B, s).who() + "/" + super(C, s).who() + "/" + super().who()
    @classmethod
    def make(cls): return super(B, cls).make()
c = C()
print(c.who(), C.make())
print(super(B, c).who(), super(C, c).who())
class Base:
    def __init__(self, x):
        self.x = x
class Child(Base):
    def __init__(self, x, y):
        super(Child, self).__init__(x)
        self.y = y
k = Child(1, 2); print(k.x, k.y)
for bad in (lambda: super(B, 5), lambda: super(5, c)):
    try:
        bad()
    except TypeError as e:
        print("TypeError:", e)
class E:
    def __eq__(s, o): return True
class H:
    def __eq__(s, o): return True
    def __hash__(s): return 1
for f in (lambda: hash(E()), lambda: {E()}, lambda: "a" + 1, lambda: [1] + (2,), lambda: (1,) + [2], lambda: "x" * "y",
          lambda: [1] * 1.5, lambda: 2.5 * "ab", lambda: 1 + "a", lambda: "a" - 1, lambda: None + 1):
    try:
        print(f())
    except TypeError as e:
        print("TypeError:", e)
