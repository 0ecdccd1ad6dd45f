import queue
from threading import Thread, Lock as L
class Worker(Thread):
    """Doc."""
    count = 0
    def __init__(self, q):
        super().__init__()
        self.q = q
    def run(self):
        try:
            item = self.q.get(timeout=1)
        except queue.Empty as e:
            print("empty", e)
        except (ValueError, KeyError):
            pass
        else:
            self.q.task_done()
        finally:
            Worker.count += 1
def outer(n):
    def inner():
        return n * 2
    f = lambda x: x + n
    return inner() + f(1)
for i in range(3):
    if i == 1:
        continue
    print(i)
else:
    print("done")
