"""Two processes run side by side

Each process sleeps TASK_TIME seconds and prints five lines. They run at the same time, so the whole program takes about TASK_TIME seconds, not twice that.

Topic: Multiprocessing
Notes: Multiprocessing — Creating Processes
Output: varies
"""
import multiprocessing as mp
import os
import time

TASK_TIME = 2.0  # slider: 0..5 Time each process sleeps (s)

def do_work():
    time.sleep(TASK_TIME)
    for i in range(1, 6):
        print(f'{mp.current_process().name}:{os.getpid()} -> {i}')

def main():
    p1 = mp.Process(name='Process 1', target=do_work)
    p2 = mp.Process(name='Process 2', target=do_work)
    p1.start()
    p2.start()
    p1.join()
    p2.join()
    
if __name__ == '__main__':
    s = time.perf_counter()
    main()
    print(f'It takes {time.perf_counter()-s} secs')
