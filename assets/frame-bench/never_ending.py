"""A program that never ends

The main thread prints a line every millisecond, forever; a daemon thread ticks; a producer
with no consumer fills an unbounded queue. Issue 13's never-ending run: left live in the app
for 10 minutes, its memory over time and frame times go in the README.

Topic: Benchmarks
"""
import queue
import threading
import time

q = queue.Queue()
ticks = 0


def ticker():
    global ticks
    while True:
        ticks += 1
        time.sleep(0.01)


def producer():
    n = 0
    while True:
        q.put(n)
        n += 1
        time.sleep(0.0005)


threading.Thread(target=ticker, daemon=True).start()
threading.Thread(target=producer, daemon=True).start()
n = 0
while True:
    print(n, ticks, q.qsize())
    n += 1
    time.sleep(0.001)
