# Threadline external corpus program 097.
# Source: https://github.com/PacktPublishing/Mastering-Concurrency-in-Python/blob/1fa53540d9d543b472dd67392b8eeecbfa81a754/Chapter12/example7.py
# Repository: PacktPublishing/Mastering-Concurrency-in-Python  path: Chapter12/example7.py  commit: 1fa53540d9d543b472dd67392b8eeecbfa81a754
# Licence: MIT
# Author: Quan Nguyen / Packt (book 'Mastering Concurrency in Python')
# Edits: `time.sleep(2)` -> `time.sleep(0.2)`; `time.sleep(5)` -> `time.sleep(0.5)`

# ch12/example7.py

import threading
import time
from timeit import default_timer as timer

def thread_a():
    print('Thread A is starting...')

    print('Thread A is performing some calculation...')
    time.sleep(0.2)

    print('Thread A is performing some calculation...')
    time.sleep(0.2)

def thread_b():
    print('Thread B is starting...')

    print('Thread B is performing some calculation...')
    time.sleep(0.5)

    print('Thread B is performing some calculation...')
    time.sleep(0.5)

thread1 = threading.Thread(target=thread_a)
thread2 = threading.Thread(target=thread_b)

start = timer()

thread1.start()
thread2.start()

thread1.join()
thread2.join()

print('Took %.2f seconds.' % (timer() - start))

print('Finished.')
