# Threadline external corpus program 073.
# Source: https://github.com/PacktPublishing/Python-Parallel-Programming-Cookbook-Second-Edition/blob/a10f0b2ba69995a6a8697e68ae0b53a20f4c04c7/Chapter03/killing_processes.py
# Repository: PacktPublishing/Python-Parallel-Programming-Cookbook-Second-Edition  path: Chapter03/killing_processes.py  commit: a10f0b2ba69995a6a8697e68ae0b53a20f4c04c7
# Licence: MIT
# Author: Giancarlo Zaccone / Packt (book 'Python Parallel Programming Cookbook', 2nd ed.)
# Edits: none

import multiprocessing
import time

def foo():
    print ('Starting function')
    for i in range(0,10):
        print('-->%d\n' %i)
        time.sleep(1)
    print ('Finished function')

if __name__ == '__main__':
    p = multiprocessing.Process(target=foo)
    print ('Process before execution:', p, p.is_alive())
    p.start()
    print ('Process running:', p, p.is_alive())
    p.terminate()
    print ('Process terminated:', p, p.is_alive())
    p.join()
    print ('Process joined:', p, p.is_alive())
    print ('Process exit code:', p.exitcode)
