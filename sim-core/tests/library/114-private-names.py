# Private names mangled as CPython's compiler does (self.__balance is _Account__balance;
# a.__balance outside raises), __slots__ with a private name; loop.is_running() from another thread.
class Account:
    __count = 0
    def __init__(self, balance):
        self.__balance = balance
        Account.__count += 1
    def __check(self, amount):
        return amount <= self.__balance
    def withdraw(self, amount):
        if self.__check(amount):
            self.__balance -= amount
        return self.__balance
    @classmethod
    def count(cls):
        return cls.__count
a = Account(100)
print(a.withdraw(30), Account.count(), a._Account__balance, sorted(k for k in vars(Account) if "count" in k or "check" in k) if False else "")
try:
    print(a.__balance)
except AttributeError as e:
    print("AttributeError:", e)
class _Hidden:
    def __init__(self):
        self.__x = 1
class Sub(Account):
    def peek(self):
        try:
            return self.__balance
        except AttributeError as e:
            return "AttributeError: " + str(e)
print(Sub(5).peek(), _Hidden()._Hidden__x, hasattr(a, "__balance"), getattr(a, "_Account__balance"))
class Dunder:
    def __repr__(self):
        return "D"
    __slots_like__ = 1
print(repr(Dunder()), Dunder.__slots_like__)
class Point:
    __slots__ = ("__x", "y")
    def __init__(self):
        self.__x = 1
        self.y = 2
    def x(self):
        return self.__x
p = Point()
print(p.x(), p.y)
try:
    p.z = 3
except AttributeError as e:
    print("AttributeError:", e)
import asyncio, threading
seen = []
def worker(loop):
    seen.append(loop.is_running())
async def main():
    loop = asyncio.get_running_loop()
    t = threading.Thread(target=worker, args=(loop,))
    t.start()
    await asyncio.sleep(0.05)
    t.join()
    return loop
loop = asyncio.run(main())
print(seen, loop.is_running(), loop.is_closed())
