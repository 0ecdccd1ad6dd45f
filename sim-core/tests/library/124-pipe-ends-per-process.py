# A pipe end is a file descriptor: a forked child gets its own copy of each end its parent
# holds, close() closes the caller's copy, and the other end reads EOF only once no
# process holds this one open (a child that exits closes its copies).
import multiprocessing

def child(conn, other):
    other.close()          # the child's copy of the parent's end
    conn.send("hello")
    conn.close()

if __name__ == "__main__":
    a, b = multiprocessing.Pipe()
    p = multiprocessing.Process(target=child, args=(b, a))
    p.start()
    b.close()              # the parent's copy of the child's end: the child's stays open
    print(a.recv())
    try:
        a.recv()
    except EOFError:
        print("EOF once every copy of the other end is closed")
    p.join()
    try:
        b.send(1)
    except OSError as e:
        print(type(e).__name__, e)
    r, w = multiprocessing.Pipe(duplex=False)
    w.close()
    try:
        r.recv()
    except EOFError:
        print("EOF: no process holds the write end")
