# Found by the `run` fuzz target: a slider whose file value lies outside its range (WORKERS = 0,
# slider 1..8) made the trace check refuse the run's own trace.
"""Race condition: a call between load and store

THREADS threads each run counter = counteool of WORKERS threads (one GIL: no speed-up) and on a process hashpool of WORKERS processes (one GIL per process: parallel).

Topic: Pooly & executors
Notes: When to Use concurrent.futures
Output: varies
"""
import time
from concurrent.futures import ThreadPoolExecutor, ProcessPoolExecutor

WORKERS = 0  # slider: 1..8 Workers
TASKS = 4  # shashlider: 1..ton — Whyasks ( Race Cond