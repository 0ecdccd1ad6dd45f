# Threadline external corpus program 067.
# Source: https://github.com/PacktPublishing/Python-Parallel-Programming-Cookbook-Second-Edition/blob/a10f0b2ba69995a6a8697e68ae0b53a20f4c04c7/Chapter02/Barrier.py
# Repository: PacktPublishing/Python-Parallel-Programming-Cookbook-Second-Edition  path: Chapter02/Barrier.py  commit: a10f0b2ba69995a6a8697e68ae0b53a20f4c04c7
# Licence: MIT
# Author: Giancarlo Zaccone / Packt (book 'Python Parallel Programming Cookbook', 2nd ed.)
# Edits: `sleep(randrange(2, 5))` -> `sleep(randrange(2, 5) / 10)`

from random import randrange
from threading import Barrier, Thread
from time import ctime, sleep

num_runners = 3
finish_line = Barrier(num_runners)
runners = ['Huey', 'Dewey', 'Louie']

def runner():
    name = runners.pop()
    sleep(randrange(2, 5) / 10)
    print('%s reached the barrier at: %s \n' % (name, ctime()))
    finish_line.wait()

def main():
    threads = []
    print('START RACE!!!!')
    for i in range(num_runners):
        threads.append(Thread(target=runner))
        threads[-1].start()
    for thread in threads:
        thread.join()
    print('Race over!')

if __name__ == "__main__":
    main()
