import threading

def hook(args):
    print('hook:', args.exc_type.__name__, repr(args.exc_value), args.thread.name)
    print('args:', len(args), args[0] is args.exc_type, args[3] is args.thread)
    print('thread alive in hook:', args.thread.is_alive(), threading.current_thread() is args.thread)

def boom(x):
    raise ValueError('bad %d' % x)

print('default is original:', threading.excepthook is threading.__excepthook__)
threading.excepthook = hook
t = threading.Thread(target=boom, args=(1,))
t.start(); t.join()
t = threading.Thread(target=boom, args=(2,), name='named')
t.start(); t.join()
print('after join alive:', t.is_alive())
def exits():
    raise SystemExit(3)
t = threading.Thread(target=exits); t.start(); t.join()
threading.excepthook = threading.__excepthook__
t = threading.Thread(target=exits); t.start(); t.join()
print('end')
