import threading
lock = threading.Lock()
counter = 0
def work(n, step=1):
    global counter
    total = 0
    while total < n:
        with lock:
            counter += step
        total = total + 1
        if total > 5 and n or not step:
            break
    return total
x, y = 1, 2
d = {"a": 1}
d["a"] += 1
print(work(3), x if y else -y, [1, 2], (x, y), d.get("a", 0), sep=", ")
