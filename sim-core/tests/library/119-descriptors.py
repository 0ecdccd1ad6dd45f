# Descriptors as CPython runs them: __get__ on instance and class access, __set__ taking over
# an instance attribute's assignment, __set_name__ told the attribute's name when the class
# is made; a non-data descriptor (a plain function-like __get__) shadowed by the instance.
import threading


class Validated:
    def __set_name__(self, owner, name):
        self.name = "_" + name
        print("set_name", owner.__name__, name)

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return getattr(obj, self.name, 0)

    def __set__(self, obj, value):
        if value < 0:
            raise ValueError(f"{self.name[1:]} must be >= 0, got {value}")
        setattr(obj, self.name, value)


class Account:
    balance = Validated()
    limit = Validated()

    def __init__(self, balance):
        self.balance = balance


a = Account(10)
print(a.balance, a.limit, a._balance, type(Account.balance).__name__)
try:
    a.balance = -5
except ValueError as e:
    print("ValueError:", e)


class Counter:
    """A descriptor counting reads, thread-safely."""

    def __init__(self):
        self.reads = 0
        self.lock = threading.Lock()

    def __get__(self, obj, objtype=None):
        with self.lock:
            self.reads += 1
        return 42


class Thing:
    answer = Counter()


t = Thing()
threads = [threading.Thread(target=lambda: [t.answer for _ in range(50)]) for _ in range(4)]
for th in threads:
    th.start()
for th in threads:
    th.join()
print(Thing.__dict__["answer"].reads, t.answer, Thing.answer)
t.answer = 7  # a non-data descriptor: the instance's own attribute wins from now on
print(t.answer, Thing.__dict__["answer"].reads)
