# Threadline external corpus program 078.
# Source: https://github.com/PacktPublishing/Python-Parallel-Programming-Cookbook-Second-Edition/blob/a10f0b2ba69995a6a8697e68ae0b53a20f4c04c7/Chapter03/communicating_with_queue.py
# Repository: PacktPublishing/Python-Parallel-Programming-Cookbook-Second-Edition  path: Chapter03/communicating_with_queue.py  commit: a10f0b2ba69995a6a8697e68ae0b53a20f4c04c7
# Licence: MIT
# Author: Giancarlo Zaccone / Packt (book 'Python Parallel Programming Cookbook', 2nd ed.)
# Edits: `time.sleep(1)` -> `time.sleep(0.1)`; `time.sleep(2)` -> `time.sleep(0.2)`

import multiprocessing
import random
import time

class producer(multiprocessing.Process):
    def __init__(self, queue):
        multiprocessing.Process.__init__(self)
        self.queue = queue

    def run(self) :
        for i in range(10):
            item = random.randint(0, 256)
            self.queue.put(item) 
            print ("Process Producer : item %d appended to queue %s"\
                   % (item,self.name))
            time.sleep(0.1)
            print ("The size of queue is %s"\
                   % self.queue.qsize())
       
class consumer(multiprocessing.Process):
    def __init__(self, queue):
        multiprocessing.Process.__init__(self)
        self.queue = queue

    def run(self):
        while True:
            if (self.queue.empty()):
                print("the queue is empty")
                break
            else :
                time.sleep(0.2)
                item = self.queue.get()
                print ('Process Consumer : item %d popped \
                        from by %s \n'\
                       % (item, self.name))
                time.sleep(0.1)


if __name__ == '__main__':
        queue = multiprocessing.Queue()
        process_producer = producer(queue)
        process_consumer = consumer(queue)
        process_producer.start()
        process_consumer.start()
        process_producer.join()
        process_consumer.join()


        
        
         
