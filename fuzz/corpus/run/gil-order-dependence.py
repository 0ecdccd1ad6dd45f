"""GIL: the result depends on the order

n = 5; T1 runs n = n + 20 and T2 runs n = n * 10. Whichever thread runs first decides the result: 250 if T1 goes first, 70 if T2 does (T2_FIRST = 1 makes T1 wait DELAY seconds instead of T2). The GIL keeps each update whole, but not the order.

Topic: The GIL
Notes: GIL — What Problem did the GIL Solve?
Output: ordered
"""
import threading
import time

T2_FIRST = 0  # slider: 0..1 T2 starts first
DELAY = 0.02  # slider: 0.001..1 Head start of the first thread (s)

n = 5

def t1():
    global n
    time.sleep(T2_FIRST * DELAY)
    # T1
    n = n + 20
    print(f"T1: n = n + 20 -> {n}")

def t2():
    global n
    time.sleep((1 - T2_FIRST) * DELAY)
    # T2
    n = n * 10
    print(f"T2: n = n * 10 -> {n}")

T1 = threading.Thread(target=t1, name="T1")
T2 = threading.Thread(target=t2, name="T2")
T1.start()
T2.start()
T1.join()
T2.join()

print(f"Final n = {n}")
