class ConfigError(Exception):
    pass

def load(key):
    try:
        raise KeyError(key)
    except KeyError as e:
        raise ConfigError('missing ' + key) from e

def parse():
    try:
        int('x')
    except ValueError:
        raise RuntimeError('cannot parse')

for f in (lambda: load('db'), parse):
    try:
        f()
    except Exception as e:
        print(type(e).__name__, e, repr(e.__cause__), repr(e.__context__), e.__suppress_context__)
try:
    try:
        1 / 0
    except ZeroDivisionError:
        raise ValueError('hidden') from None
except ValueError as e:
    print(e.__cause__, type(e.__context__).__name__, e.__suppress_context__)
load('port')
