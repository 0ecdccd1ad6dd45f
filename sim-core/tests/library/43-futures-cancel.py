# cancel() on a queued future (single busy worker) succeeds; the task never runs
import threading
from concurrent.futures import ThreadPoolExecutor, CancelledError

gate = threading.Event()
started = threading.Event()
ran = []

def blocker():
    started.set()
    gate.wait()
    return 'blocker done'

def task(n):
    ran.append(n)
    return n

ex = ThreadPoolExecutor(max_workers=1)
f1 = ex.submit(blocker)
started.wait()                               # f1 is definitely running now
f2 = ex.submit(task, 2)
f3 = ex.submit(task, 3)
f2.add_done_callback(lambda f: print('cb on cancel: cancelled =', f.cancelled(), 'done =', f.done()))
print('f1 running:', f1.running(), 'cancel running ->', f1.cancel(), f1.cancelled())
print('f2 pending: running', f2.running(), 'done', f2.done())
print('cancel f2 ->', f2.cancel())
print('f2 state:', f2.cancelled(), f2.done(), f2.running(), 'cancel again ->', f2.cancel())
try:
    f2.result()
except CancelledError as e:
    print('result() raised CancelledError', repr(str(e)))
try:
    f2.exception()
except CancelledError:
    print('exception() raised CancelledError too')
gate.set()
print('f1:', f1.result(), 'f3:', f3.result())
ex.shutdown(wait=True)
print('ran:', ran, 'f1 cancel after done ->', f1.cancel())
try:
    ex.submit(task, 4)
except RuntimeError as e:
    print('RuntimeError:', e)
