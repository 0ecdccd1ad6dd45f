# %-formatting and str.format over the shapes examples use, non-ASCII text around them.
n, x, name = 42, 3.14159, "héllo"
print("%d-%s" % (n, "x"), "%5d|%-5d|%05d" % (n, n, n), "%.2f %e %g" % (x, x, x))
print("%s é %r ü %%" % (name, name), "%(a)s/%(b)05.1f" % {"a": "ä", "b": 2.5})
print("100%% sure: %s" % "yes", "%c%c" % (65, "é"), "%x %X %o" % (255, 255, 8))
print("%10s|%-10s|" % ("ñ", "ñ"), "%+d % d" % (5, 5), "%i" % 7.9)
for bad in ("%", "%(k", "%d %d"):
    try:
        print(bad % (1,))
    except (ValueError, TypeError) as e:
        print(type(e).__name__, e)
try:
    print("%(missing)s" % {"a": 1})
except KeyError as e:
    print("KeyError", e)
print("{} {}".format("ö", 1), "{1}-{0}".format("a", "b"), "{x:>6}|{y!r}".format(x="ß", y="z"))
print("{{literal}} é {0:{1}}|".format(3.5, "8.2f"), "{:,}".format(1234567), "{0[1]} {0[0]}".format(["p", "q"]))
print("naïve {} café {}".format(1, 2), "{:^9}".format("中文"))
for bad in ("{", "}", "{0} {}"):
    try:
        print(bad.format(1, 2))
    except (ValueError, IndexError) as e:
        print(type(e).__name__, e)
print(repr("100%%" % {}), repr("abc" % []), repr("%s" % [1]))
for args in ((1,), 5):
    try:
        print("abc" % args)
    except TypeError as e:
        print("TypeError", e)
print(repr("{:{}}".format("ab", 5)), repr("{0:{1}}|{2}".format(1.5, "6.2f", "z")), repr("{:>{w}}".format("q", w=4)))

class P:
    def __init__(self):
        self.b = [7, 8]
        self.q = {"k": "v"}

print("{0[1][0]} {a.b[1]} {0[0]} {a.q[k]}".format([[1], [2, 3]], a=P()))
for f in ("{0[-1]}", "{0.}", "{0[1]x}"):
    try:
        print(f.format([1, 2]))
    except (TypeError, ValueError) as e:
        print(type(e).__name__, e)
