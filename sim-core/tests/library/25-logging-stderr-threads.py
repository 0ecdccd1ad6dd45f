# basicConfig without stream -> stderr; stdout prints and stderr log lines are separate streams
import logging
import threading

logging.basicConfig(level=logging.DEBUG, format='%(threadName)-18s %(levelname)-8s %(name)s: %(message)s')
log = logging.getLogger(__name__)

def worker(n):
    print(f'worker {n} stdout')
    log.debug('worker %d debug', n)
    try:
        raise ValueError(n)
    except ValueError:
        log.exception('worker %d failed', n)

print('main stdout')
log.info('starting %d workers', 2)
threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
for t in threads:
    t.start(); t.join()
log.warning('%s', 'done')
logging.shutdown()
