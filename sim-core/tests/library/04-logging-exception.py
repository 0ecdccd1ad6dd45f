# logger.exception inside except: message then traceback (to the handler's stream)
import logging
import sys

logging.basicConfig(stream=sys.stdout, format='%(levelname)s:%(name)s:%(funcName)s:%(message)s')
log = logging.getLogger('app')

def divide(a, b):
    if b == 0:
        raise ZeroDivisionError('division by zero')
    return a / b

def run():
    try:
        divide(1, 0)
    except ZeroDivisionError:
        log.exception('failed to divide %d by %d', 1, 0)

run()
try:
    raise KeyError('k')
except KeyError:
    logging.exception('root exception')
    log.error('error with exc_info', exc_info=True)
    log.error('error without exc_info')
log.exception('exception outside except')   # exc_info=(None,None,None) -> 'NoneType: None'
try:
    raise KeyError('missing')
except KeyError as e:
    log.warning('warning with exc_info=e', exc_info=e)
print('end')
