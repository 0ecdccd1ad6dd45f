# Threadline external corpus program 084.
# Source: https://github.com/PacktPublishing/Mastering-Concurrency-in-Python/blob/1fa53540d9d543b472dd67392b8eeecbfa81a754/Chapter03/example4.py
# Repository: PacktPublishing/Mastering-Concurrency-in-Python  path: Chapter03/example4.py  commit: 1fa53540d9d543b472dd67392b8eeecbfa81a754
# Licence: MIT
# Author: Quan Nguyen / Packt (book 'Mastering Concurrency in Python')
# Edits: none

# ch3/example4.py

import threading
import time

class MyThread(threading.Thread):
    def __init__(self, name, delay):
        threading.Thread.__init__(self)
        self.name = name
        self.delay = delay

    def run(self):
        print('Starting thread %s.' % self.name)
        thread_lock.acquire()
        thread_count_down(self.name, self.delay)
        thread_lock.release()
        print('Finished thread %s.' % self.name)

def thread_count_down(name, delay):
    counter = 5

    while counter:
        time.sleep(delay)
        print('Thread %s counting down: %i...' % (name, counter))
        counter -= 1

thread_lock = threading.Lock()

thread1 = MyThread('A', 0.5)
thread2 = MyThread('B', 0.5)

thread1.start()
thread2.start()

thread1.join()
thread2.join()


print('Finished.')
