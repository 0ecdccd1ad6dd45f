# Level constants, setLevel, isEnabledFor, getEffectiveLevel, hierarchy, warn()
import logging
import sys

print(logging.DEBUG, logging.INFO, logging.WARNING, logging.WARN, logging.ERROR,
      logging.CRITICAL, logging.FATAL, logging.NOTSET)
logging.basicConfig(level=logging.INFO, format='%(levelname)s:%(name)s:%(message)s', stream=sys.stdout)
root = logging.getLogger()
app = logging.getLogger('app')
sub = logging.getLogger('app.db')
print('effective:', root.getEffectiveLevel(), app.getEffectiveLevel(), sub.getEffectiveLevel())
print('enabled debug/info:', app.isEnabledFor(logging.DEBUG), app.isEnabledFor(logging.INFO))
sub.debug('dropped')
app.setLevel(logging.DEBUG)
print('after app.setLevel(DEBUG):', app.level, sub.level, sub.getEffectiveLevel())
sub.debug('now shown (handler on root has NOTSET level)')
app.setLevel('ERROR')                      # string level name accepted
print('string setLevel:', app.level, app.getEffectiveLevel(), sub.getEffectiveLevel())
sub.warning('dropped: effective ERROR')
sub.error('shown')
sub.setLevel(logging.WARNING)
sub.warning('shown: own level WARNING')
print('parent:', sub.parent.name, app.parent.name, root.parent)
try:
    app.setLevel('LOUD')
except ValueError as e:
    print('ValueError:', e)
try:
    app.setLevel(1.5)
except TypeError as e:
    print('TypeError:', e)
app.setLevel(logging.NOTSET)
print('reset:', app.getEffectiveLevel())
app.fatal('fatal() is critical')
logging.disable(logging.CRITICAL)
app.critical('disabled')
logging.disable(logging.NOTSET)
app.critical('enabled again')
