# abc.ABC with @abstractmethod (instantiating a class with abstract methods left is a
# TypeError naming them), and types.SimpleNamespace shared by threads.
from abc import ABC, abstractmethod
from types import SimpleNamespace
import threading

class Shape(ABC):
    @abstractmethod
    def area(self):
        ...
    @abstractmethod
    def perimeter(self):
        ...
    def describe(self):
        return f"{type(self).__name__} with area {self.area()}"

class Square(Shape):
    def __init__(self, s):
        self.s = s
    def area(self):
        return self.s ** 2
    def perimeter(self):
        return 4 * self.s

class Half(Shape):
    def area(self):
        return 1

for cls in (Shape, Half):
    try:
        cls()
    except TypeError as e:
        print("TypeError:", e)
sq = Square(3)
print(sq.describe(), sq.perimeter(), isinstance(sq, Shape), isinstance(sq, ABC))

class Worker(ABC):
    @property
    @abstractmethod
    def name(self):
        ...
try:
    Worker()
except TypeError as e:
    print("TypeError:", e)

cfg = SimpleNamespace(workers=4, name="pool")
cfg.timeout = 1.5
print(cfg, cfg.workers, cfg == SimpleNamespace(workers=4, name="pool", timeout=1.5), vars(cfg) if False else "")
state = SimpleNamespace(count=0)
lock = threading.Lock()
def bump():
    for _ in range(1000):
        with lock:
            state.count += 1
ts = [threading.Thread(target=bump) for _ in range(4)]
for t in ts: t.start()
for t in ts: t.join()
print(state)
