# Threadline external corpus program 098.
# Source: https://github.com/PacktPublishing/Mastering-Concurrency-in-Python/blob/1fa53540d9d543b472dd67392b8eeecbfa81a754/Chapter14/example1.py
# Repository: PacktPublishing/Mastering-Concurrency-in-Python  path: Chapter14/example1.py  commit: 1fa53540d9d543b472dd67392b8eeecbfa81a754
# Licence: MIT
# Author: Quan Nguyen / Packt (book 'Mastering Concurrency in Python')
# Edits: none

# ch14/example1.py

import threading
import random
import time

def update():
    global counter

    current_counter = counter # reading in shared resource
    time.sleep(random.randint(0, 1)) # simulating heavy calculations
    counter = current_counter + 1 # updating shared resource

counter = 0

threads = [threading.Thread(target=update) for i in range(20)]

for thread in threads:
    thread.start()
for thread in threads:
    thread.join()

print(f'Final counter: {counter}.')
print('Finished.')
