"""Threadline's recorder: run a scenario under the real CPython and write down what its
threads do, for `threadline record` and the app's "Run in CPython too".

    python3 recorder.py EVENTS.jsonl SCENARIO.py

It wraps threading's and queue's primitives, Thread and multiprocessing.Process, time.sleep
and print before the program runs, and appends one JSON object per event to EVENTS.jsonl
(one os.write per line on an O_APPEND file, so forked processes write into the same file
without tearing lines). Only objects the scenario itself creates are recorded: the locks
inside threading, queue and concurrent.futures stay plain. What the program prints, its
tracebacks and its exit status are its own.

CPython reports no GIL handoffs. On 3.12 and later with a GIL, the recorder infers them:
`sys.monitoring` LINE events on the scenario's own code say which thread runs each line,
and as only the GIL holder runs bytecode, a change of thread between two consecutive lines
is a handoff (`gil_switch`, written by the thread that now runs). Older versions and
free-threaded builds cannot be watched this way; the header says which case it was, the
method, and what watching costs a line.
"""

import atexit
import builtins
import itertools
import json
import os
import queue
import sys
import threading
import time
import traceback

_fd = -1
_script = ""
_now = time.perf_counter_ns
_serial = itertools.count(1)
_local = threading.local()
_RealLock = threading.Lock
_RealRLock = threading.RLock
_real_print = builtins.print
_real_sleep = time.sleep


_pid = os.getpid()
_pid_prefix = f"{_pid}:"


def _forked():
    global _pid, _pid_prefix, _buffers
    _pid = os.getpid()
    _pid_prefix = f"{_pid}:"
    # The parent wrote its events before forking: the child starts with empty buffers.
    _local.buf = []
    _buffers = [_local.buf]


os.register_at_fork(before=lambda: flush_all(), after_in_child=_forked)


def _key():
    k = getattr(_local, "key", None)
    if k is None or not k.startswith(_pid_prefix):
        # The main thread, or the thread a fork left running in a child.
        k = f"{_pid}:main"
        _local.key = k
    return k


def _line():
    """The line of the scenario being executed by this thread (0 outside it)."""
    f = sys._getframe(2)
    while f is not None:
        if f.f_code.co_filename == _script:
            return f.f_lineno
        f = f.f_back
    return 0


def _from_script(up=1):
    """Whether the caller of our caller (or one of the `up` frames above it) is the
    scenario's own code."""
    f = sys._getframe(2)
    for _ in range(up):
        if f is None:
            return False
        if f.f_code.co_filename == _script:
            return True
        f = f.f_back
    return False


_dumps = json.dumps
_buffers = []  # every thread's buffer, to flush at exit


def _json(v):
    if v is True:
        return "true"
    if v is False:
        return "false"
    if v is None:
        return "null"
    if isinstance(v, (int, float)):
        return repr(v)
    return _dumps(v if isinstance(v, str) else repr(v))


def flush():
    """Write this thread's buffered events (one os.write: whole lines, atomic with O_APPEND)."""
    buf = getattr(_local, "buf", None)
    if buf:
        data = "".join(buf).encode()
        buf.clear()
        try:
            os.write(_fd, data)
        except OSError:
            pass


def _via_multiprocessing():
    """Whether the scenario itself called into multiprocessing (`Queue()`, `Lock()`, `Pipe()`)
    — not a library built on it, as concurrent.futures is."""
    f = sys._getframe(2)
    while f is not None and "/multiprocessing/" in f.f_code.co_filename:
        f = f.f_back
    return f is not None and f.f_code.co_filename == _script


def emit(_kind, **fields):
    """Record one event, at the scenario's line that made the call."""
    emit_at(_kind, _line(), **fields)


def emit_at(_kind, _at_line, **fields):
    """Record one event at a given line of the scenario (an asyncio step runs under the
    loop's own frames: its line is found through the task's coroutine). Events are
    buffered per thread and written before anything that can block (so a program stopped
    in a deadlock has every event up to it), every 64 events, and when the thread or the
    process ends."""
    line = f'{{"t":{_now()},"p":{_pid},"th":"{_key()}","line":{_at_line},"k":"{_kind}"'
    if fields:
        line += "," + ",".join(f'"{k}":{_json(v)}' for k, v in fields.items())
    buf = getattr(_local, "buf", None)
    if buf is None:
        buf = _local.buf = []
        _buffers.append(buf)
    buf.append(line + "}\n")
    if _kind in _RELEASES_GIL:
        # The thread gives the GIL up here: its next line is a new holding, even if no
        # other thread ran meanwhile.
        _gil_last[0] = None
    if len(buf) >= 64 or _kind in _BLOCKING:
        flush()


# Events after which a thread may wait: everything before them is on disk by then.
_BLOCKING = frozenset(
    ["sleep_begin", "join_wait", "event_wait", "thread_finished", "thread_raised", "process_exit", "start_thread",
     "header", "process_new", "process_started"]
)


# Events after which a thread waits with the GIL released (sleep, joins, waits).
_RELEASES_GIL = frozenset(
    ["sleep_begin", "join_wait", "event_wait", "cond_wait", "pipe_wait", "thread_finished", "thread_raised",
     "process_exit"]
)

# The thread (key) that ran the last watched line, for the inferred GIL.
_gil_last = [None]


def _watch_gil():
    """On 3.12+ with a GIL, watch which thread runs each line of the scenario (sys.monitoring
    LINE events; lines outside the scenario are switched off at their first event) and
    write `gil_switch` when it changes. Returns (method or None, why not, ns per line)."""
    mon = getattr(sys, "monitoring", None)
    if mon is None:
        return None, f"CPython {sys.version.split()[0]} has no sys.monitoring (3.12+): GIL handoffs cannot be seen", 0.0
    gil_check = getattr(sys, "_is_gil_enabled", None)
    if gil_check is not None and not gil_check():
        return None, "a free-threaded CPython: there is no GIL to watch", 0.0
    tool = None
    for candidate in (5, 4, 3, 2, 1, 0):
        try:
            mon.use_tool_id(candidate, "threadline")
            tool = candidate
            break
        except ValueError:
            continue
    if tool is None:
        return None, "every sys.monitoring tool id is taken", 0.0
    disable = mon.DISABLE
    local = _local

    def watcher(script, last, on_switch):
        def on_line(code, line):
            if code.co_filename != script:
                return disable
            key = getattr(local, "key", None)
            if key is None or not key.startswith(_pid_prefix):
                key = _key()
            if key != last[0]:
                prev = last[0]
                last[0] = key
                on_switch(prev)

        return on_line

    # What watching costs a line: a loop of lines timed with and without the same callback.
    def loop(n):
        x = 0
        for i in range(n):
            x += i
        return x

    n = 20000
    t0 = _now()
    loop(n)
    t1 = _now()
    mon.register_callback(tool, mon.events.LINE, watcher(loop.__code__.co_filename, [None], lambda prev: None))
    mon.set_local_events(tool, loop.__code__, mon.events.LINE)
    t2 = _now()
    loop(n)
    t3 = _now()
    mon.set_local_events(tool, loop.__code__, 0)
    cost = max(0.0, ((t3 - t2) - (t1 - t0)) / (2 * n))
    mon.register_callback(tool, mon.events.LINE, watcher(_script, _gil_last, lambda prev: emit("gil_switch", prev=prev)))
    mon.set_events(tool, mon.events.LINE)
    method = (
        "inferred: sys.monitoring LINE events on the scenario's lines; a change of the thread running them is a "
        "handoff (seen at the new holder's first line, so a little late)"
    )
    return method, "", cost


def flush_all():
    for buf in list(_buffers):
        if buf:
            data = "".join(buf).encode()
            buf.clear()
            try:
                os.write(_fd, data)
            except OSError:
                pass


def _item(x):
    try:
        return repr(x)[:200]
    except Exception:
        return "?"


_names_used = {}


def _name_of(default):
    """The variable the scenario assigns the new object to (`lock1 = threading.Lock()`)."""
    f = sys._getframe(2)
    while f is not None and f.f_code.co_filename != _script:
        f = f.f_back
    name = default
    if f is not None:
        import linecache

        text = linecache.getline(_script, f.f_lineno).strip()
        head = text.split("=", 1)[0].strip() if "=" in text and not text.startswith(("if ", "while ")) else ""
        if head.replace("_", "a").replace(".", "a").isalnum() and head:
            name = head.split(".")[-1]
    n = _names_used.get(name, 0) + 1
    _names_used[name] = n
    return name if n == 1 else f"{name}-{n}"


def _new_res(kind, default, capacity=0):
    rid = f"{os.getpid()}:r{next(_serial)}"
    emit("res_new", rid=rid, kind=kind, name=_name_of(default), capacity=capacity)
    return rid


def _timeout_ms(blocking, timeout):
    return None if not blocking or timeout is None or timeout < 0 else timeout * 1000.0


class _TracedLock:
    """threading.Lock and RLock, recorded."""

    def __init__(self, real, kind, rid):
        self._real, self._kind, self._rid, self._depth = real, kind, rid, 0

    def acquire(self, blocking=True, timeout=-1):
        emit("requested", rid=self._rid, blocking=bool(blocking), timeout_ms=_timeout_ms(blocking, timeout))
        # Uncontended, it is taken at once; otherwise the events so far go to disk before
        # the thread waits (a deadlock's last events are then never lost).
        ok = self._real.acquire(False)
        if not ok and blocking:
            flush()
            ok = self._real.acquire(True, timeout)
        if ok:
            self._depth += 1
            emit("acquired", rid=self._rid, depth=self._depth, value=0)
        else:
            emit("acquire_failed", rid=self._rid, timed_out=bool(blocking))
        return ok

    def release(self):
        if self._kind == "lock" and not self._real.locked():
            emit("error", ty="RuntimeError", msg="release unlocked lock")
        else:
            self._depth = max(0, self._depth - 1)
            emit("released", rid=self._rid, depth=self._depth, value=0)
        self._real.release()

    def locked(self):
        return self._real.locked()

    __enter__ = acquire

    def __exit__(self, *exc):
        self.release()

    def _is_owned(self):
        if hasattr(self._real, "_is_owned"):
            return self._real._is_owned()
        if self._real.acquire(False):
            self._real.release()
            return False
        return True

    def __repr__(self):
        return repr(self._real)


def Lock():
    if not _from_script():
        return _RealLock()
    return _TracedLock(_RealLock(), "lock", _new_res("lock", "lock"))


def RLock(*a, **k):
    if not _from_script():
        return _RealRLock(*a, **k)
    return _TracedLock(_RealRLock(), "rlock", _new_res("rlock", "rlock"))


class Semaphore(threading.Semaphore):
    _kind = "semaphore"

    def __init__(self, value=1, _mine=None):
        super().__init__(value)
        mine = _from_script() if _mine is None else _mine
        self._rid = _new_res(self._kind, "semaphore", value) if mine else None

    def acquire(self, blocking=True, timeout=None):
        if self._rid:
            emit("requested", rid=self._rid, blocking=bool(blocking), timeout_ms=_timeout_ms(blocking, timeout))
            if self._value == 0:
                flush()
        ok = super().acquire(blocking, timeout)
        if self._rid:
            if ok:
                emit("acquired", rid=self._rid, depth=1, value=self._value)
            else:
                emit("acquire_failed", rid=self._rid, timed_out=bool(blocking))
        return ok

    __enter__ = acquire

    def release(self, n=1):
        if self._rid:
            emit("released", rid=self._rid, depth=0, value=self._value + n)
        super().release(n)

    def __exit__(self, *exc):
        self.release()


class BoundedSemaphore(Semaphore):
    _kind = "bounded_semaphore"

    def __init__(self, value=1):
        super().__init__(value, _from_script())
        self._initial_value = value

    def release(self, n=1):
        with self._cond:
            if self._value + n > self._initial_value:
                raise ValueError("Semaphore released too many times")
        super().release(n)


class Condition(threading.Condition):
    """threading.Condition, recorded as one resource: its lock's holders, waits and notifies."""

    def __init__(self, lock=None):
        mine = _from_script()
        super().__init__(lock)
        self._rid = _new_res("condition", "condition") if mine else None
        if self._rid:
            self.acquire, self.release = self._acquire, self._release

    def _acquire(self, blocking=True, timeout=-1):
        emit("requested", rid=self._rid, blocking=bool(blocking), timeout_ms=_timeout_ms(blocking, timeout))
        ok = self._lock.acquire(False)
        if not ok and blocking:
            flush()
            ok = self._lock.acquire(True, timeout)
        if ok:
            emit("acquired", rid=self._rid, depth=1, value=0)
        else:
            emit("acquire_failed", rid=self._rid, timed_out=bool(blocking))
        return ok

    def _release(self):
        emit("released", rid=self._rid, depth=0, value=0)
        self._lock.release()

    def __enter__(self):
        return self._acquire() if self._rid else super().__enter__()

    def __exit__(self, *exc):
        if self._rid:
            self._release()
        else:
            super().__exit__(*exc)

    def wait(self, timeout=None):
        if not self._rid:
            return super().wait(timeout)
        emit("cond_wait", rid=self._rid, timeout_ms=None if timeout is None else timeout * 1000.0)
        emit("released", rid=self._rid, depth=0, value=0)
        flush()
        notified = super().wait(timeout)
        emit("cond_woken", rid=self._rid, notified=bool(notified))
        emit("requested", rid=self._rid, blocking=True, timeout_ms=None)
        emit("acquired", rid=self._rid, depth=1, value=0)
        return notified

    def notify(self, n=1):
        if self._rid:
            emit("cond_notify", rid=self._rid, woken=min(n, len(self._waiters)))
        super().notify(n)


_pair_lock = _RealLock()


class Barrier(threading.Barrier):
    """threading.Barrier: each thread's wait is a request; the last party's arrival trips it
    (an acquire and a release, none waiting), and each other party passing is an acquire
    whose value is how many wait in the barrier's current round (as Threadline draws it)."""

    def __init__(self, parties, action=None, timeout=None):
        super().__init__(parties, action, timeout)
        self._rid = _new_res("barrier", "barrier", parties) if _from_script() else None

    def wait(self, timeout=None):
        if not self._rid:
            return super().wait(timeout)
        emit("requested", rid=self._rid, blocking=True, timeout_ms=None if timeout is None else timeout * 1000.0)
        flush()
        try:
            index = super().wait(timeout)
        except threading.BrokenBarrierError:
            emit("acquire_failed", rid=self._rid, timed_out=timeout is not None)
            raise
        with _pair_lock:  # the pair is one instant: no other thread's pair falls between
            if index == self.parties - 1:
                emit("acquired", rid=self._rid, depth=0, value=0)
                emit("released", rid=self._rid, depth=0, value=0)
            else:
                emit("acquired", rid=self._rid, depth=0, value=self.n_waiting)
        return index


class Event(threading.Event):
    def __init__(self):
        super().__init__()
        self._rid = _new_res("event", "event") if _from_script() else None

    def set(self):
        if self._rid:
            emit("event_set", rid=self._rid)
        super().set()

    def clear(self):
        if self._rid:
            emit("event_clear", rid=self._rid)
        super().clear()

    def wait(self, timeout=None):
        if self._rid:
            emit("event_wait", rid=self._rid, timeout_ms=None if timeout is None else timeout * 1000.0)
        flag = super().wait(timeout)
        if self._rid:
            emit("event_woken", rid=self._rid, flag=bool(flag))
        return flag


def _queue_class(base, kind_name):
    class Traced(base):
        def __init__(self, maxsize=0):
            super().__init__(maxsize)
            self._rid = _new_res("queue", "q", maxsize) if _from_script() else None

        def put(self, item, block=True, timeout=None):
            if self._rid and block and self.full():
                flush()
            return super().put(item, block, timeout)

        def get(self, block=True, timeout=None):
            if self._rid and block and not self._qsize():
                flush()
            return super().get(block, timeout)

        # _put/_get run under the queue's own mutex: the events are in the real order.
        def _put(self, item):
            super()._put(item)
            if self._rid:
                emit("queue_put", rid=self._rid, item=_item(item), len=self._qsize())

        def _get(self):
            item = super()._get()
            if self._rid:
                emit("queue_get", rid=self._rid, item=_item(item), len=self._qsize())
            return item

    Traced.__name__ = Traced.__qualname__ = kind_name
    return Traced


_real_start = threading.Thread.start
_real_join = threading.Thread.join
_real_bootstrap_inner = threading.Thread._bootstrap_inner
_real_excepthook = threading.excepthook


def _start(self):
    key = f"{os.getpid()}:t{next(_serial)}"
    self._tl_key = key
    target = getattr(self, "_target", None)
    emit("thread_new", key=key, name=self.name, daemon=bool(self.daemon),
         target=getattr(target, "__name__", None))
    emit("start_thread", target=key)
    return _real_start(self)


def _bootstrap_inner(self):
    _local.key = getattr(self, "_tl_key", f"{os.getpid()}:t{next(_serial)}")
    _local.raised = False
    emit("thread_started")
    try:
        _real_bootstrap_inner(self)
    finally:
        if not _local.raised:
            emit("thread_finished")


def _strip(tb):
    """The traceback without the recorder's own frames, as python3 alone would print it."""
    import types

    frames = []
    while tb is not None:
        if tb.tb_frame.f_code.co_filename != __file__:
            frames.append(tb)
        tb = tb.tb_next
    out = None
    for t in reversed(frames):
        out = types.TracebackType(out, t.tb_frame, t.tb_lasti, t.tb_lineno)
    return out


def _excepthook(args):
    if args.exc_type is not SystemExit:
        _local.raised = True
        emit("thread_raised", ty=_type_name(args.exc_type), msg=str(args.exc_value))
    tb = _strip(args.exc_traceback)
    if args.exc_value is not None:
        args.exc_value.__traceback__ = tb
    _real_excepthook(threading.ExceptHookArgs([args.exc_type, args.exc_value, tb, args.thread]))


def _join(self, timeout=None):
    key = getattr(self, "_tl_key", None)
    if key:
        emit("join_wait", target=key)
    r = _real_join(self, timeout)
    if key and not self.is_alive():
        emit("joined", target=key)
    return r


def _type_name(t):
    mod = getattr(t, "__module__", "builtins")
    return t.__qualname__ if mod == "builtins" else f"{mod}.{t.__qualname__}"


def _sleep(secs):
    if not _from_script():
        return _real_sleep(secs)
    emit("sleep_begin", ms=float(secs) * 1000.0)
    try:
        return _real_sleep(secs)
    finally:
        emit("sleep_end")


def _print(*args, sep=" ", end="\n", file=None, flush=False):
    _real_print(*args, sep=sep, end=end, file=file, flush=flush)
    if file is None or file is sys.stdout or file is sys.stderr:
        text = (" " if sep is None else sep).join(str(a) for a in args)
        for line in text.split("\n"):
            emit("print", text=line, stderr=file is sys.stderr)


def _patch_mp_locks():
    """multiprocessing.Lock, RLock, Semaphore and BoundedSemaphore: made in the parent, the
    object (and its recording id) is the same in every forked child."""
    try:
        import multiprocessing.synchronize as ms
    except ImportError:
        return
    kinds = {ms.Lock: "lock", ms.RLock: "rlock", ms.Semaphore: "semaphore", ms.BoundedSemaphore: "bounded_semaphore"}
    for cls, kind in kinds.items():
        real_init = cls.__init__

        def init(self, *a, _real=real_init, _kind=kind, **k):
            # script → multiprocessing.context → this class
            if _via_multiprocessing():
                value = a[0] if a else k.get("value", 1)
                self._tl_rid = _new_res(_kind, _kind.split("_")[-1], value if "semaphore" in _kind else 0)
            _real(self, *a, **k)

        cls.__init__ = init
    real_make = ms.SemLock._make_methods

    def make_methods(self):
        real_make(self)
        rid = getattr(self, "_tl_rid", None)
        if not rid:
            return
        real_acquire, real_release, sem = self._semlock.acquire, self._semlock.release, self._semlock

        def value():
            try:
                return sem._get_value()
            except Exception:
                return 0

        def acquire(block=True, timeout=None):
            emit("requested", rid=rid, blocking=bool(block), timeout_ms=_timeout_ms(block, timeout))
            flush()
            ok = real_acquire(block, timeout)
            if ok:
                emit("acquired", rid=rid, depth=1, value=value())
            else:
                emit("acquire_failed", rid=rid, timed_out=bool(block))
            return ok

        def release():
            emit("released", rid=rid, depth=0, value=value() + 1)
            real_release()

        self.acquire, self.release = acquire, release

    ms.SemLock._make_methods = make_methods
    ms.SemLock.__enter__ = lambda self: self.acquire()
    ms.SemLock.__exit__ = lambda self, *a: self.release()


def _patch_mp_pipes():
    """multiprocessing.Pipe: each end's send and recv (the pair is one resource)."""
    try:
        import multiprocessing.connection as mc
    except ImportError:
        return
    real_pipe = mc.Pipe

    def pipe(duplex=True):
        a, b = real_pipe(duplex)
        if _via_multiprocessing():
            rid = f"{_pid}:r{next(_serial)}"
            emit("res_new", rid=rid, kind="pipe", name=_name_of("pipe"), capacity=0, duplex=bool(duplex))
            # Pipe(duplex=False) gives (receiving end, sending end), as CPython does.
            a._tl_end, b._tl_end = (rid, 0), (rid, 1)
        return a, b

    mc.Pipe = pipe
    base = mc._ConnectionBase
    real_send, real_recv = base.send, base.recv

    def send(self, obj):
        tl = getattr(self, "_tl_end", None)
        if tl:
            emit("pipe_send", rid=tl[0], end=tl[1], item=_item(obj))
        return real_send(self, obj)

    def recv(self):
        tl = getattr(self, "_tl_end", None)
        if tl and not self.poll():
            emit("pipe_wait", rid=tl[0], end=tl[1])
            flush()
        obj = real_recv(self)
        if tl:
            emit("pipe_recv", rid=tl[0], end=tl[1], item=_item(obj))
        return obj

    base.send, base.recv = send, recv


def _patch_mp_queues():
    """multiprocessing.Queue (and JoinableQueue): puts and gets, in whichever process."""
    try:
        import multiprocessing.queues as mq
    except ImportError:
        return
    real_init, real_put, real_get = mq.Queue.__init__, mq.Queue.put, mq.Queue.get

    def init(self, maxsize=0, *, ctx):
        real_init(self, maxsize, ctx=ctx)
        if _via_multiprocessing():
            self._tl_rid = _new_res("queue", "queue", maxsize)

    def qlen(self):
        try:
            return self.qsize()
        except NotImplementedError:
            return 0

    def put(self, obj, block=True, timeout=None):
        real_put(self, obj, block, timeout)
        rid = getattr(self, "_tl_rid", None)
        if rid:
            emit("queue_put", rid=rid, item=_item(obj), len=qlen(self))

    def get(self, block=True, timeout=None):
        rid = getattr(self, "_tl_rid", None)
        if rid and block:
            flush()
        obj = real_get(self, block, timeout)
        if rid:
            emit("queue_get", rid=rid, item=_item(obj), len=qlen(self))
        return obj

    mq.Queue.__init__, mq.Queue.put, mq.Queue.get = init, put, get
    # The queue crosses to a child by fork (its id with it) or by pickling (its id in the state).
    real_getstate, real_setstate = mq.Queue.__getstate__, mq.Queue.__setstate__

    def getstate(self):
        return (real_getstate(self), getattr(self, "_tl_rid", None))

    def setstate(self, state):
        inner, rid = state
        real_setstate(self, inner)
        if rid:
            self._tl_rid = rid

    mq.Queue.__getstate__, mq.Queue.__setstate__ = getstate, setstate


def _patch_asyncio():
    """asyncio tasks whose coroutine is the scenario's: each step of the task (the loop's
    `send`/`throw` into its coroutine) is recorded — where it resumed, what it awaited
    when it suspended (the innermost coroutine it waits in), how it ended. Not seen: when a
    task became ready (the loop's lag)."""
    try:
        import asyncio
        import asyncio.base_events
        import collections.abc
    except ImportError:
        return
    real_create_task = asyncio.base_events.BaseEventLoop.create_task
    counter = itertools.count(0)
    running = [None]  # the task whose step runs now (this is the loop's thread)

    def innermost(coro):
        """The coroutine (or generator) the task waits in, deepest first."""
        c, last = coro, coro
        for _ in range(100):
            nxt = getattr(c, "cr_await", None) or getattr(c, "gi_yieldfrom", None)
            if nxt is None:
                break
            last, c = c, nxt
        return c, last

    def line_of(coro):
        """The scenario's line the task is at (deepest of its coroutines that is the scenario's)."""
        c = coro
        found = 0
        for _ in range(100):
            frame = getattr(c, "cr_frame", None) or getattr(c, "gi_frame", None)
            if frame is not None and frame.f_code.co_filename == _script:
                found = frame.f_lineno
            nxt = getattr(c, "cr_await", None) or getattr(c, "gi_yieldfrom", None)
            if nxt is None:
                break
            c = nxt
        return found

    def awaiting(coro, yielded):
        """What the task waits for, in Python's words: `sleep(0.5)`, `Event.wait()`,
        `Task-3`, `gather()`."""
        if yielded is None:
            return "sleep(0)"
        inner, last = innermost(coro)
        if hasattr(inner, "cr_frame"):
            return f"{getattr(inner, '__qualname__', 'coroutine')}()"
        # A future awaited is yielded itself (its iterator is what `cr_await` shows).
        if isinstance(yielded, asyncio.Task):
            return yielded.get_name()
        if type(yielded).__name__ == "_GatheringFuture":
            return "gather()"
        frame = getattr(last, "cr_frame", None)
        if last is not coro and frame is not None and frame.f_code.co_filename != _script:
            name = getattr(last, "__qualname__", "coroutine")
            if name == "sleep" and "delay" in frame.f_locals:
                return f"sleep({frame.f_locals['delay']!r})"
            return f"{name}()"
        return "a future"

    class Traced(collections.abc.Coroutine):
        """A task's coroutine, watched: each send or throw is one step of the task."""

        def __init__(self, coro, tid):
            self._coro, self._tid = coro, tid
            self.__name__ = getattr(coro, "__name__", "coroutine")
            self.__qualname__ = getattr(coro, "__qualname__", self.__name__)

        def _step(self, how, arg):
            prev, running[0] = running[0], self._tid
            emit_at("aio_run", line_of(self._coro), task=self._tid)
            try:
                r = how(arg)
            except StopIteration:
                emit_at("aio_end", 0, task=self._tid, outcome="finished")
                raise
            except asyncio.CancelledError:
                emit_at("aio_end", 0, task=self._tid, outcome="cancelled")
                raise
            except BaseException as e:
                emit_at("aio_end", 0, task=self._tid, outcome=f"{_type_name(type(e))}: {e}")
                raise
            finally:
                running[0] = prev
            emit_at("aio_wait", line_of(self._coro), task=self._tid, on=awaiting(self._coro, r))
            return r

        def send(self, value):
            return self._step(self._coro.send, value)

        def throw(self, *args):
            return self._step(lambda _: self._coro.throw(*args), None)

        def close(self):
            return self._coro.close()

        def __await__(self):
            return self._coro.__await__()

        def __repr__(self):
            return repr(self._coro)

        def __getattr__(self, name):
            return getattr(self._coro, name)

    def create_task(self, coro, *args, **kwargs):
        code = getattr(coro, "cr_code", None)
        if code is None or code.co_filename != _script:
            return real_create_task(self, coro, *args, **kwargs)
        tid = f"{os.getpid()}:{next(counter)}"
        by = running[0]
        task = real_create_task(self, Traced(coro, tid), *args, **kwargs)
        fields = {"task": tid, "name": task.get_name(), "coro": coro.__qualname__}
        if by is not None:
            fields["by"] = by
        emit_at("aio_new", _line(), **fields)
        return task

    asyncio.base_events.BaseEventLoop.create_task = create_task


def _patch_multiprocessing():
    _patch_mp_locks()
    _patch_mp_pipes()
    _patch_mp_queues()
    try:
        import multiprocessing.process as mpp
    except ImportError:
        return
    real_bootstrap = mpp.BaseProcess._bootstrap
    real_mp_start = mpp.BaseProcess.start

    def bootstrap(self, *a, **k):
        _local.key = f"{os.getpid()}:main"
        emit("process_started", name=self.name)
        code = 1
        try:
            code = real_bootstrap(self, *a, **k)
            return code
        finally:
            emit("process_exit", code=code)
            flush_all()

    def mp_start(self):
        r = real_mp_start(self)
        emit("process_new", pid=self.pid, name=self.name)
        return r

    mpp.BaseProcess._bootstrap = bootstrap
    mpp.BaseProcess.start = mp_start


def _calibrate():
    """Nanoseconds the recorder adds to one lock acquire+release (three events)."""
    global _fd
    real_fd, _fd = _fd, os.open(os.devnull, os.O_WRONLY)
    plain, traced = _RealLock(), _TracedLock(_RealLock(), "lock", "calibration")
    n = 2000
    t0 = _now()
    for _ in range(n):
        plain.acquire()
        plain.release()
    t1 = _now()
    for _ in range(n):
        traced.acquire()
        traced.release()
    t2 = _now()
    flush()
    os.close(_fd)
    _fd = real_fd
    return max(0.0, ((t2 - t1) - (t1 - t0)) / n)


def main():
    global _fd, _script
    if len(sys.argv) < 3:
        sys.stderr.write("usage: recorder.py EVENTS.jsonl SCENARIO.py\n")
        return 2
    events, script = sys.argv[1], os.path.abspath(sys.argv[2])
    _fd = os.open(events, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    _script = script
    overhead = _calibrate()
    gil_method, gil_why_not, line_cost = _watch_gil()
    emit("header", format=1, python=sys.version.split()[0], implementation=sys.implementation.name,
         overhead_ns=overhead, gil=gil_why_not or "CPython does not report GIL handoffs: they are inferred",
         gil_inferred=gil_method, gil_line_ns=line_cost)
    threading.Lock = Lock
    threading.RLock = RLock
    threading.Semaphore = Semaphore
    threading.BoundedSemaphore = BoundedSemaphore
    threading.Event = Event
    threading.Condition = Condition
    threading.Barrier = Barrier
    queue.Queue = _queue_class(queue.Queue, "Queue")
    queue.LifoQueue = _queue_class(queue.LifoQueue, "LifoQueue")
    queue.PriorityQueue = _queue_class(queue.PriorityQueue, "PriorityQueue")
    threading.Thread.start = _start
    threading.Thread.join = _join
    threading.Thread._bootstrap_inner = _bootstrap_inner
    threading.excepthook = _excepthook
    time.sleep = _sleep
    builtins.print = _print
    _patch_multiprocessing()
    _patch_asyncio()
    sys.argv = [script]
    sys.path[0] = os.path.dirname(script)
    with open(script, "rb") as f:
        code = compile(f.read(), script, "exec")
    # The scenario is the __main__ module, as under `python3 SCENARIO.py`: pickling a
    # function for a process pool finds it there.
    import types

    module = types.ModuleType("__main__")
    module.__file__ = script
    module.__builtins__ = builtins
    sys.modules["__main__"] = module
    glb = module.__dict__
    emit("thread_started")
    status = 0
    main_pid = os.getpid()
    # After the interpreter has joined the non-daemon threads, as it does at exit.
    atexit.register(lambda: os.getpid() == main_pid and (emit("process_exit", code=status_box[0]), flush_all()))
    status_box = [0]
    try:
        exec(code, glb)
        emit("thread_finished")
    except SystemExit as e:
        status = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        emit("thread_finished")
    except BaseException as e:
        emit("thread_raised", ty=_type_name(type(e)), msg=str(e))
        # The traceback as python3 prints it: the recorder's own frame left out.
        tb = _strip(e.__traceback__)
        sys.stderr.write("Traceback (most recent call last):\n")
        sys.stderr.write("".join(traceback.format_list(traceback.extract_tb(tb))))
        sys.stderr.write("".join(traceback.format_exception_only(type(e), e)))
        status = 1
    status_box[0] = status
    return status


if __name__ == "__main__":
    sys.exit(main())
