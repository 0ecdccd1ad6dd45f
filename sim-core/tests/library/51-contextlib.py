from contextlib import ExitStack, nullcontext, suppress
import threading
with suppress(ZeroDivisionError):
    print('dividing')
    1 / 0
with suppress(KeyError, IndexError):
    [][3]
try:
    with suppress(KeyError):
        int('x')
except ValueError as e:
    print('ValueError passed through:', e)
with nullcontext(42) as v, nullcontext() as w:
    print('nullcontext gives', v, w)
class Resource:
    def __init__(self, name):
        self.name = name
    def __enter__(self):
        print('open', self.name)
        return self.name.upper()
    def __exit__(self, *exc):
        print('close', self.name, exc[0].__name__ if exc[0] else None)
with ExitStack() as stack:
    names = [stack.enter_context(Resource(n)) for n in 'abc']
    stack.callback(print, 'callback', 'with', 'args', sep='-')
    print('inside with', names)
lock = threading.Lock()
try:
    with ExitStack() as stack:
        stack.enter_context(lock)
        stack.enter_context(Resource('x'))
        print('locked inside:', lock.locked())
        raise RuntimeError('boom')
except RuntimeError as e:
    print('caught', e, 'locked after:', lock.locked())
with ExitStack() as stack:
    stack.push(lambda *exc: True)
    raise KeyError('swallowed by push')
stack = ExitStack()
stack.callback(print, 'closed by close()')
moved = stack.pop_all()
stack.close()
print('pop_all moved the callback')
moved.close()
try:
    ExitStack().enter_context(5)
except TypeError as e:
    print('TypeError:', e)
