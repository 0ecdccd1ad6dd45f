import threading, queue, collections
print(type(None).__name__, type(threading.Lock()).__name__, type(queue.Queue()).__name__, type(print).__name__)
print(type(None), type(collections.Counter()), type(collections.defaultdict(int)).__name__, type(threading.Lock()) is type(threading.Lock()))
print(type(len), type(lambda: 0).__name__)
