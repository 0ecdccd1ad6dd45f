# More of math (trigonometry, log2/log10 of big ints, isqrt, comb, perm, lcm, hypot, dist,
# with CPython's errors) and random.choices / random.gauss drawing as CPython's do.
import math
print(math.sin(1), math.cos(1), math.tan(0.5), math.asin(0.5), math.acos(0.5), math.atan(1), math.atan2(1, -1))
print(math.sinh(1), math.cosh(1), math.tanh(0.5), math.log2(1024), math.log10(1000), math.log1p(1e-10), math.expm1(1e-10))
print(math.fabs(-3), math.copysign(2, -0.0), math.fmod(7, 3), math.fmod(-7, 3), math.pow(2, 10), math.pow(2, 0.5))
print(math.degrees(math.pi), math.radians(180), math.hypot(3, 4), math.hypot(1, 2, 3), math.dist((0, 0), (3, 4)), math.dist([1, 2, 3], [4, 6, 8]))
print(math.isinf(math.inf), math.isnan(math.nan), math.isfinite(1.0), math.trunc(-3.7), math.trunc(5), math.isqrt(99), math.isqrt(10**40))
print(math.comb(10, 3), math.perm(5, 2), math.perm(5), math.comb(52, 5), math.comb(3, 5), math.lcm(4, 6, 10), math.lcm(), math.tau)
print(math.log2(2**100), math.log10(10**50), math.degrees(1), math.radians(45))
for bad in (lambda: math.sqrt(-1), lambda: math.log10(0), lambda: math.asin(2), lambda: math.isqrt(-1), lambda: math.comb(-1, 2), lambda: math.sin(math.inf), lambda: math.pow(10, 400), lambda: math.fmod(1, 0), lambda: math.isqrt(2.0)):
    try:
        print(bad())
    except (ValueError, OverflowError, TypeError) as e:
        print(type(e).__name__ + ":", e)
import math
print(math.log2(2**2000), math.log10(10**400), math.log10(7**500))
import random
random.seed(42)
print(random.choices(range(10), k=5), random.choices("abc"), random.choices([1, 2, 3], weights=[1, 0, 5], k=6))
print(random.choices(["x", "y"], cum_weights=[0.2, 1.0], k=4), random.gauss(), random.gauss(10, 2), random.gauss(0, 1))
random.seed(1)
print([round(random.gauss(0, 1), 12) for _ in range(5)])
print(random.random())
