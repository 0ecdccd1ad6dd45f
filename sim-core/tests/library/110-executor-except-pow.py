# shutdown(cancel_futures=True); asyncio.wait refusing bare coroutines (3.11); the name of
# `except E as e` gone after its handler; pow(b, e, m) by modular exponentiation (and the
# inverse for e < 0); a bool formatted with a spec as its int.
from concurrent.futures import ThreadPoolExecutor
import time, asyncio
ex = ThreadPoolExecutor(max_workers=1)
fs = [ex.submit(time.sleep, 0.05) for i in range(3)]
ex.shutdown(wait=True, cancel_futures=True)
print([f.cancelled() for f in fs])
async def one():
    return 1
async def main():
    try:
        await asyncio.wait([one(), one()])
    except TypeError as e:
        print("TypeError:", e)
    done, _ = await asyncio.wait([asyncio.create_task(one())])
    print(len(done))
asyncio.run(main())
try:
    1 / 0
except ZeroDivisionError as e:
    print("caught", e)
try:
    print(e)
except NameError as n:
    print("NameError:", n)
def f():
    err = None
    try:
        int("x")
    except ValueError as err:
        pass
    try:
        return err
    except UnboundLocalError as u:
        return "UnboundLocalError: " + str(u)
print(f())
def g():
    try:
        raise KeyError("k")
    except KeyError as e:
        keep = e
        def show():
            return repr(e)
    return keep, show
k, show = g()
print(repr(k))
try:
    show()
except NameError as n:
    print("NameError:", n)
print(pow(3, -1, 7), pow(2, 10**9, 7), pow(5, 3, -7), pow(-5, 3, 7), pow(2, 0, 1), pow(10**30, 10**20, 97), pow(2, 5), pow(2.0, 3))
for bad in (lambda: pow(2, 3, 0), lambda: pow(2.0, 3, 5), lambda: pow(2, -1, 4)):
    try:
        print(bad())
    except (ValueError, TypeError) as e:
        print(type(e).__name__ + ":", e)
print(format(True, ">5"), f"{False:<3}|", format(True), f"{True!s:>6}", "{:>5}".format(True), f"{True:d}")
