# threadName in log records: MainThread, 'Thread-N (target)', custom name=
import logging
import sys
import threading

logging.basicConfig(level=logging.DEBUG, stream=sys.stdout,
                    format='%(threadName)s %(levelname)s %(funcName)s: %(message)s')

def worker(n):
    logging.info('worker %d running', n)

class Job(threading.Thread):
    def run(self):
        logging.warning('subclass run')

logging.info('start')
for i in range(2):                       # sequential start+join -> fixed order
    t = threading.Thread(target=worker, args=(i,))
    t.start(); t.join()
t = threading.Thread(target=worker, args=(9,), name='custom-worker')
t.start(); t.join()
t = Job(); t.start(); t.join()           # subclass: 'Thread-3' with no '(target)'
t = threading.Thread(target=worker, args=(5,)); t.name = 'renamed'; t.start(); t.join()
print([th.name for th in threading.enumerate()], threading.Thread(target=worker).name)  # Thread-6: counter used by 'renamed'
logging.info('end %s', threading.current_thread().name)
