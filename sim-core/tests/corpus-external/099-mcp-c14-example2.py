# Threadline external corpus program 099.
# Source: https://github.com/PacktPublishing/Mastering-Concurrency-in-Python/blob/1fa53540d9d543b472dd67392b8eeecbfa81a754/Chapter14/example2.py
# Repository: PacktPublishing/Mastering-Concurrency-in-Python  path: Chapter14/example2.py  commit: 1fa53540d9d543b472dd67392b8eeecbfa81a754
# Licence: MIT
# Author: Quan Nguyen / Packt (book 'Mastering Concurrency in Python')
# Edits: `time.sleep(random.randint(0, 1))` -> `time.sleep(random.randint(0, 1) / 10)`

# ch14/example2.py

import threading
import random
import time

def update():
    global counter

    with count_lock:
        current_counter = counter # reading in shared resource
        time.sleep(random.randint(0, 1) / 10) # simulating heavy calculations
        counter = current_counter + 1

counter = 0
count_lock = threading.Lock()

threads = [threading.Thread(target=update) for i in range(20)]

for thread in threads:
    thread.start()
for thread in threads:
    thread.join()

print(f'Final counter: {counter}.')
print('Finished.')
