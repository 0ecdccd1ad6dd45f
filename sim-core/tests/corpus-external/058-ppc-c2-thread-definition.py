# Threadline external corpus program 058.
# Source: https://github.com/PacktPublishing/Python-Parallel-Programming-Cookbook-Second-Edition/blob/a10f0b2ba69995a6a8697e68ae0b53a20f4c04c7/Chapter02/Thread_definition.py
# Repository: PacktPublishing/Python-Parallel-Programming-Cookbook-Second-Edition  path: Chapter02/Thread_definition.py  commit: a10f0b2ba69995a6a8697e68ae0b53a20f4c04c7
# Licence: MIT
# Author: Giancarlo Zaccone / Packt (book 'Python Parallel Programming Cookbook', 2nd ed.)
# Edits: none

import threading


def my_func(thread_number):
    return print('my_func called by thread N°{}'.format(thread_number))


def main():
    threads = []
    for i in range(10):
        t = threading.Thread(target=my_func, args=(i,))
        threads.append(t)
        t.start()
        t.join()

if __name__ == "__main__":
    main()
