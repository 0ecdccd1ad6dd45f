# terminate() as CPython's on Linux: the child is forked and bootstraps for about a
# millisecond, so the parent's next statements run first; a child terminated before it
# runs Python never prints; it looks alive to its parent until reaped, then stopped with
# exitcode -15. A thread's start() waits for the thread; a process's start() does not.
import multiprocessing
import threading
import time


def worker(tag):
    print("worker", tag, "started")
    time.sleep(0.5)
    print("worker", tag, "finished")


if __name__ == "__main__":
    p = multiprocessing.Process(target=worker, args=("a",))
    print("before:", p.is_alive(), p.exitcode)
    p.start()
    print("parent goes on first:", p.is_alive())
    p.terminate()
    print("terminated, not reaped yet:", p.is_alive())
    p.join()
    print("joined:", p.is_alive(), p.exitcode)

    q = multiprocessing.Process(target=worker, args=("b",))
    q.start()
    time.sleep(0.1)
    q.terminate()
    q.join()
    print("b:", q.is_alive(), q.exitcode)

    seen = []
    t = threading.Thread(target=lambda: seen.append("thread ran"))
    t.start()
    print("after a thread's start():", seen)
    t.join()
