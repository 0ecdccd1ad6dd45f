"""Limits as CPython keeps them: Semaphore.release(n) needs n >= 1 and releases n; an int of more than 4 300 digits is not turned into text."""
import threading
s = threading.Semaphore(0)
try:
    s.release(0)
except ValueError as e:
    print("ValueError:", e)
s.release(3)
print(s._value)
x = 10 ** 5000
try:
    print(x)
except ValueError as e:
    print("ValueError:", e)
print(len(str(10 ** 4299)))
