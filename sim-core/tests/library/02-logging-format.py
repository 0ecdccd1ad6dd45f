# basicConfig with a rich format; stream=sys.stdout so output interleaves deterministically with print
import logging
import sys

logging.basicConfig(
    level=logging.DEBUG,
    stream=sys.stdout,
    format='[%(levelname)-8s] %(name)s %(threadName)s %(processName)s '
           '%(module)s %(filename)s %(funcName)s:%(lineno)d | %(message)s',
)
log = logging.getLogger(__name__)

def work(n):
    log.debug('debug n=%d', n)
    log.info('info %s', 'x')

class C:
    def meth(self):
        logging.getLogger('app.sub').warning('from method')

logging.debug('module level')          # funcName is <module>
work(3)
C().meth()
log.error('err %r %s', 'q', [1, 2])
log.critical('crit')
log.log(logging.INFO, 'log() with level %d', logging.INFO)
log.log(25, 'custom level 25')       # levelname 'Level 25'
logging.addLevelName(25, 'NOTICE')
log.log(25, 'custom level named')
log.info('dict arg %(a)s %(b)s', {'a': 1, 'b': 2})
log.info('no args but %s stays')
log.info(42)                           # non-str msg -> str(msg)
print('levelname lookups:', logging.getLevelName(10), logging.getLevelName('ERROR'), logging.getLevelName(7))
