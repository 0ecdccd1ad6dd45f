"""Two threads printing, started a moment apart

thread1 starts, the main thread sleeps START_GAP seconds, then thread2 starts; each prints ITERATIONS lines, sleeping PAUSE before each. Their lines interleave from the fifth line on, as in the notes' output.

Topic: Threads
Notes: Threading
Output: ordered
"""
import threading
import time

ITERATIONS = 10  # slider: 1..20 Prints per thread
PAUSE = 0.25  # slider: 0.05..1 Sleep before each print (s)
START_GAP = 0.9  # slider: 0..5 Main's sleep before starting thread2 (s)

def print_numbers(s):
    for i in range(ITERATIONS):
        time.sleep(PAUSE)
        print(f"{s}: {i}")

thread1 = threading.Thread(target=print_numbers, args=("Thread 1",))
thread2 = threading.Thread(target=print_numbers, args=("Thread 2",))
thread1.start()
time.sleep(START_GAP)
thread2.start()

thread1.join()
thread2.join()
