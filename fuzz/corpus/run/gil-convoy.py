"""The convoy effect: I/O thread behind a CPU-bound thread

An I/O-bound thread making IO_OPS short blocking calls (IO_TIME seconds each) first runs alone, then next to a CPU-bound thread adding up range(WORK). Competing with the CPU-bound thread it gives the GIL away at every I/O call and then waits about one switch interval (5 ms) to get it back, so its throughput collapses while the CPU-bound thread barely slows.

Topic: The GIL
Notes: The Impact on Multi-Threaded Python Programs (ceval_gil.c)
Output: varies
"""
import threading
import time

IO_OPS = 40  # slider: 5..500 I/O operations
IO_TIME = 0.0002  # slider: 0.0001..0.01 Time per I/O call (s)
WORK = 20000000  # slider: 1000000..100000000 Numbers the CPU-bound thread adds up

def crunch():
    total = 0
    for i in range(WORK):
        total += i

def serve(label):
    t0 = time.perf_counter()
    for _ in range(IO_OPS):
        time.sleep(IO_TIME)  # a short blocking I/O call: releases the GIL
    ms = round((time.perf_counter() - t0) * 1000, 1)
    print(f"io thread {label}: {IO_OPS} I/O calls took {ms} ms")

io = threading.Thread(target=serve, args=("alone",), name="io")
io.start()
io.join()

cpu = threading.Thread(target=crunch, name="cpu")
io = threading.Thread(target=serve, args=("next to a CPU-bound thread",), name="io")
cpu.start()
io.start()
io.join()
cpu.join()
