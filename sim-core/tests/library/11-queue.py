# queue.Queue: maxsize, qsize/empty/full, unfinished_tasks, task_done/join, Full/Empty
import queue
import threading

q = queue.Queue(maxsize=2)
print('init:', q.maxsize, q.qsize(), q.empty(), q.full(), q.unfinished_tasks)
q.put('a'); print('put a:', q.qsize(), q.empty(), q.full(), q.unfinished_tasks)
q.put('b'); print('put b:', q.qsize(), q.empty(), q.full(), q.unfinished_tasks)
try:
    q.put('c', block=False)
except queue.Full as e:
    print('Full raised:', type(e).__name__, repr(str(e)), q.unfinished_tasks)
try:
    q.put('c', timeout=0.01)
except queue.Full:
    print('Full after timeout')
print('get:', q.get(), q.qsize(), q.unfinished_tasks)
q.task_done(); print('task_done:', q.unfinished_tasks)
print('get_nowait:', q.get_nowait(), q.empty(), q.unfinished_tasks)
q.task_done(); print('task_done:', q.unfinished_tasks)
try:
    q.task_done()
except ValueError as e:
    print('ValueError:', e)
try:
    q.get_nowait()
except queue.Empty as e:
    print('Empty raised:', repr(str(e)))
u = queue.Queue()
print('unbounded:', u.maxsize, u.full(), queue.Queue(0).maxsize, queue.Queue(-1).full())
for i in range(3):
    u.put(i)
def consumer():
    while True:
        item = u.get()
        print('consumed', item, 'unfinished', u.unfinished_tasks)
        u.task_done()
        if item == 2:
            break
threading.Thread(target=consumer).start()
u.join()
print('joined, unfinished:', u.unfinished_tasks, 'empty:', u.empty())
print('Empty/Full:', queue.Empty.__mro__[1].__name__, queue.Full.__mro__[1].__name__)
lq, pq = queue.LifoQueue(), queue.PriorityQueue()
for x in (3, 1, 2):
    lq.put(x); pq.put(x)
print('lifo:', [lq.get() for _ in range(3)], 'priority:', [pq.get() for _ in range(3)])
sq = queue.SimpleQueue(); sq.put(1); print('simple:', sq.qsize(), sq.get(), sq.empty())
