"""Built-in functions are named as CPython names them: repr and __name__ of math, time and builtins functions."""
import math
import time

for f in (math.sqrt, math.floor, math.gcd, math.isclose, time.sleep, time.perf_counter, print, len, sorted):
    print(repr(f), f.__name__)

import os
import random
import sys
import threading

print([f.__name__ for f in (os.getpid, sys.getrecursionlimit, random.randint, random.random, threading.current_thread, threading.active_count, threading.get_ident)])
