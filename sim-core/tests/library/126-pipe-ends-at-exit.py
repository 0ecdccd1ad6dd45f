# A process's pipe ends close when it exits: after the threads it started are done, and
# when it is terminated before it ran any Python.
import multiprocessing, threading, time

def late_sender(conn):
    def later():
        time.sleep(0.05)
        conn.send("from a thread after run() returned")
    threading.Thread(target=later).start()

def idle(conn):
    time.sleep(1)

if __name__ == "__main__":
    r, w = multiprocessing.Pipe(duplex=False)
    p = multiprocessing.Process(target=late_sender, args=(w,))
    p.start()
    w.close()
    print(r.recv())
    p.join()
    try:
        r.recv()
    except EOFError:
        print("EOF after the child and its thread are gone")
    r2, w2 = multiprocessing.Pipe(duplex=False)
    q = multiprocessing.Process(target=idle, args=(w2,))
    q.start()
    w2.close()
    q.terminate()
    q.join()
    try:
        r2.recv()
    except EOFError:
        print("EOF: the terminated child's copy closed with it")
