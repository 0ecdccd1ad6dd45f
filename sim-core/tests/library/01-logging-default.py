# No basicConfig: root logger has no handlers -> logging.lastResort (stderr, level WARNING, format '%(message)s')
# BUT module-level logging.warning() etc. call basicConfig() implicitly -> WARNING:root:msg on stderr.
import logging
import sys

log = logging.getLogger(__name__)
app = logging.getLogger('app')
print('names:', log.name, app.name, logging.getLogger().name)
print('same object:', logging.getLogger('app') is app)
print('root level:', logging.getLogger().level, logging.getLevelName(logging.getLogger().level))
print('log level (NOTSET):', log.level, log.getEffectiveLevel())
# Before any module-level logging.* call: root has no handlers -> lastResort prints bare message
log.info('info via named logger dropped')
log.warning('named warning before basicConfig: %s', 'lastResort')
sys.stderr.flush()
print('root handlers before:', len(logging.getLogger().handlers))
# module-level function -> implicit basicConfig()
logging.info('root info dropped')
logging.warning('root warning x=%s y=%d', 'a', 7)
print('root handlers after:', len(logging.getLogger().handlers))
log.warning('named warning after basicConfig')
app.error('app error %d%%', 50)
logging.critical('crit')
logging.debug('debug dropped')
print('done')
