//! `asyncio`: an event loop as CPython's `BaseEventLoop` runs it — a FIFO ready queue of
//! callbacks, timers by deadline, one pass over the callbacks that were ready when it
//! began — with futures and tasks whose semantics and messages are CPython's
//! (`asyncio/futures.py`, `tasks.py`): a task steps its coroutine (a [`super::frame`]
//! coroutine) until it awaits a future, and is woken by that future's done callback.
//!
//! Implemented: `run`, `create_task`, `ensure_future`, `gather` (`return_exceptions`),
//! `sleep` (`sleep(0)` a bare yield), `wait_for`, `to_thread` (a real simulated thread of
//! a default thread pool, so it takes the GIL), `get_running_loop`/`get_event_loop` with
//! `time`, `call_soon`, `call_later`, `create_future`, `create_task`, `run_in_executor`;
//! `current_task`; `Event`, `Lock`, `Semaphore`, `BoundedSemaphore`, `Queue` with
//! `QueueEmpty`/`QueueFull`; `CancelledError` (a `BaseException`), `TimeoutError` (the
//! builtin), `InvalidStateError`; `Task.cancel()`, `cancelled()`, `done()`, `result()`,
//! `exception()`, `add_done_callback()`, `get_name()`.
//!
//! The loop runs on the thread that called `asyncio.run`; while nothing is ready it waits
//! in the runtime as `select` would (the GIL released, Stop honoured), until its next timer
//! or, with work in threads, in slices of a millisecond.

use super::exc;
use super::frame::{self, Out, Resume};
use super::interp::{Exc, Flow, Interp, R, raise, type_err};
use super::libobj::{self, Kw};
use super::stdlib::{NFn, Native};
use super::value::{Class, V};
use parking_lot::Mutex;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use threadline_model::event::EventKind;

// ------------------------------------------------------------------ exceptions

fn cancelled_class() -> Arc<Class> {
    static C: OnceLock<Arc<Class>> = OnceLock::new();
    C.get_or_init(|| libobj::exc_class("CancelledError", "asyncio.exceptions", "BaseException", Default::default()))
        .clone()
}

fn invalid_state_class() -> Arc<Class> {
    static C: OnceLock<Arc<Class>> = OnceLock::new();
    C.get_or_init(|| libobj::exc_class("InvalidStateError", "asyncio.exceptions", "Exception", Default::default()))
        .clone()
}

fn queue_empty_class() -> Arc<Class> {
    static C: OnceLock<Arc<Class>> = OnceLock::new();
    C.get_or_init(|| libobj::exc_class("QueueEmpty", "asyncio.queues", "Exception", Default::default())).clone()
}

fn queue_full_class() -> Arc<Class> {
    static C: OnceLock<Arc<Class>> = OnceLock::new();
    C.get_or_init(|| libobj::exc_class("QueueFull", "asyncio.queues", "Exception", Default::default())).clone()
}

fn new_cancelled() -> V {
    exc::instance(cancelled_class(), Vec::new())
}

fn is_cancelled_error(v: &V) -> bool {
    matches!(v, V::Inst(i) if i.class.is_sub(&cancelled_class()))
}

fn exc_flow(v: V) -> Flow {
    Flow::Exc(Box::new(Exc { value: v, tb: Vec::new() }))
}

// ------------------------------------------------------------------ the loop

struct Timer {
    when: f64,
    seq: u64,
    cb: V,
    args: Vec<V>,
    cancelled: Arc<AtomicBool>,
}

/// An event loop.
pub struct Loop {
    ready: Mutex<VecDeque<(V, Vec<V>)>>,
    timers: Mutex<Vec<Timer>>,
    seq: AtomicU64,
    current: Mutex<Option<V>>,
    /// Work in threads whose results come back as futures of this loop: (thread-pool
    /// future, loop future).
    external: Mutex<Vec<(V, V)>>,
    executor: Mutex<Option<V>>,
    tasks: Mutex<Vec<V>>,
    closed: AtomicBool,
    /// Tasks a callback made ready (their wake-up scheduled), and the task that did it, to
    /// record as such.
    readied: Mutex<Vec<(u32, Option<u32>)>>,
    /// What the loop waits on when nothing it knows of can ever wake it (made then): only
    /// `call_soon_threadsafe` sets it. Waiting on it untimed lets the watchdog see the
    /// deadlock when no other thread can either.
    idle: Mutex<Option<Arc<threadline_runtime::sync::Event>>>,
}

impl std::fmt::Debug for Loop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<_UnixSelectorEventLoop running=True closed=False debug=False>")
    }
}

impl Loop {
    fn new() -> Arc<Loop> {
        Arc::new(Loop {
            ready: Mutex::new(VecDeque::new()),
            timers: Mutex::new(Vec::new()),
            seq: AtomicU64::new(0),
            current: Mutex::new(None),
            external: Mutex::new(Vec::new()),
            executor: Mutex::new(None),
            tasks: Mutex::new(Vec::new()),
            closed: AtomicBool::new(false),
            readied: Mutex::new(Vec::new()),
            idle: Mutex::new(None),
        })
    }

    fn call_soon(&self, cb: V, args: Vec<V>) {
        // A task's step or wake-up scheduled: the task is ready from now.
        if let V::Native(n) = &cb
            && let Native::Partial(f, bound, _) = &**n
            && matches!(f, V::Native(x) if matches!(&**x, Native::Fn(NFn::Aio(AioFn::Wakeup | AioFn::Step))))
            && let Some(task) = bound.first().and_then(as_fut)
        {
            let ix = task.index.load(Ordering::Acquire);
            if ix != u32::MAX {
                let by = self.current_index().filter(|b| *b != ix);
                self.readied.lock().push((ix, by));
            }
        }
        self.ready.lock().push_back((cb, args));
    }

    /// The running task's index, if a task is running.
    fn current_index(&self) -> Option<u32> {
        let cur = self.current.lock().clone()?;
        let ix = as_fut(&cur)?.index.load(Ordering::Acquire);
        (ix != u32::MAX).then_some(ix)
    }

    fn call_at(&self, when: f64, cb: V, args: Vec<V>) -> Arc<AtomicBool> {
        let cancelled = Arc::new(AtomicBool::new(false));
        let seq = self.seq.fetch_add(1, Ordering::Relaxed);
        self.timers.lock().push(Timer { when, seq, cb, args, cancelled: cancelled.clone() });
        cancelled
    }
}

/// `loop.time()`: the monotonic clock, in seconds.
fn now(it: &Interp<'_>) -> f64 {
    it.w.elapsed_s(it.ctx) + 1000.0
}

fn loop_of(it: &Interp<'_>) -> R<Arc<Loop>> {
    match it.aio.clone() {
        Some(l) => Ok(l),
        None => raise("RuntimeError", "no running event loop"),
    }
}

// ------------------------------------------------------------------ futures and tasks

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Pending,
    Cancelled,
    Finished,
}

struct FutState {
    state: State,
    result: V,
    exception: Option<V>,
    callbacks: Vec<V>,
    /// A task asked to cancel before its next step.
    must_cancel: bool,
    /// The future a task waits on.
    waiter: Option<V>,
    /// `gather`: children, how many are done, `return_exceptions`.
    gather: Option<(Vec<V>, usize, bool)>,
    /// The frames the exception left (for "Task exception was never retrieved").
    exc_tb: Vec<(u32, Arc<str>)>,
    /// Someone looked at the exception (`result()`, `exception()`, an `await`, `gather`).
    retrieved: bool,
    /// A gather asked to cancel: it ends cancelled once its children are done.
    cancel_requested: bool,
}

/// An `asyncio.Future`, or a `Task` (a future with a coroutine).
pub struct Fut {
    lp: Arc<Loop>,
    /// A sleep's future: when it is due (loop time).
    due: Mutex<Option<f64>>,
    /// A task's index in the run's task table (`u32::MAX` for a plain future).
    index: AtomicU32,
    coro: Option<V>,
    name: Mutex<String>,
    st: Mutex<FutState>,
}

impl std::fmt::Debug for Fut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<Future {}>", self.name.lock())
    }
}

fn new_fut(lp: &Arc<Loop>, coro: Option<V>, name: String) -> Arc<Fut> {
    Arc::new(Fut {
        lp: lp.clone(),
        due: Mutex::new(None),
        index: AtomicU32::new(u32::MAX),
        coro,
        name: Mutex::new(name),
        st: Mutex::new(FutState {
            state: State::Pending,
            result: V::None,
            exception: None,
            callbacks: Vec::new(),
            must_cancel: false,
            waiter: None,
            gather: None,
            exc_tb: Vec::new(),
            retrieved: false,
            cancel_requested: false,
        }),
    })
}

fn fut_value(f: Arc<Fut>) -> V {
    V::Native(Arc::new(Native::Aio(Obj::Fut(f))))
}

fn as_fut(v: &V) -> Option<&Arc<Fut>> {
    match v {
        V::Native(n) => match &**n {
            Native::Aio(Obj::Fut(f)) => Some(f),
            _ => None,
        },
        _ => None,
    }
}

impl Fut {
    fn is_task(&self) -> bool {
        self.coro.is_some()
    }

    fn done(&self) -> bool {
        self.st.lock().state != State::Pending
    }

    /// Schedule the done callbacks (each gets the future).
    fn schedule_callbacks(&self, me: &V) {
        let cbs = std::mem::take(&mut self.st.lock().callbacks);
        for cb in cbs {
            self.lp.call_soon(cb, vec![me.clone()]);
        }
    }

    fn set_result(&self, me: &V, v: V) -> R<()> {
        {
            let mut st = self.st.lock();
            if st.state != State::Pending {
                drop(st);
                return libobj::raise_in(&invalid_state_class(), format!("{}: {}", state_word(self), repr(self)));
            }
            st.result = v;
            st.state = State::Finished;
        }
        self.schedule_callbacks(me);
        Ok(())
    }

    fn set_exception(&self, me: &V, e: V) -> R<()> {
        {
            let mut st = self.st.lock();
            if st.state != State::Pending {
                drop(st);
                return libobj::raise_in(&invalid_state_class(), format!("{}: {}", state_word(self), repr(self)));
            }
            st.exception = Some(e);
            st.state = State::Finished;
        }
        self.schedule_callbacks(me);
        Ok(())
    }

    /// `Future.cancel()` (for a task: its own bookkeeping is in [`task_cancel`]).
    fn cancel_fut(&self, me: &V) -> bool {
        {
            let mut st = self.st.lock();
            if st.state != State::Pending {
                return false;
            }
            st.state = State::Cancelled;
        }
        self.schedule_callbacks(me);
        true
    }

    /// `result()`.
    fn result(&self) -> R<V> {
        let mut st = self.st.lock();
        st.retrieved = true;
        match st.state {
            State::Cancelled => Err(exc_flow(new_cancelled())),
            State::Pending => {
                drop(st);
                libobj::raise_in(&invalid_state_class(), "Result is not set.")
            }
            State::Finished => match &st.exception {
                Some(e) => Err(exc_flow(e.clone())),
                None => Ok(st.result.clone()),
            },
        }
    }

    fn add_done_callback(&self, me: &V, cb: V) {
        let mut st = self.st.lock();
        if st.state == State::Pending {
            st.callbacks.push(cb);
        } else {
            drop(st);
            self.lp.call_soon(cb, vec![me.clone()]);
        }
    }
}

fn state_word(f: &Fut) -> &'static str {
    match f.st.lock().state {
        State::Pending => "PENDING",
        State::Cancelled => "CANCELLED",
        State::Finished => "FINISHED",
    }
}

fn repr(f: &Fut) -> String {
    let st = f.st.lock();
    let state = match st.state {
        State::Pending => "pending",
        State::Cancelled => "cancelled",
        State::Finished => "finished",
    };
    match &f.coro {
        Some(c) => {
            let coro = match c {
                V::Native(n) => match &**n {
                    Native::Gen(g) => format!("{}()", g.qualname),
                    _ => "<coroutine>".into(),
                },
                _ => "<coroutine>".into(),
            };
            let tail = match (st.state, &st.exception) {
                (State::Finished, Some(e)) => format!(" exception={}", e.repr()),
                (State::Finished, None) => format!(" result={}", st.result.repr()),
                _ => String::new(),
            };
            format!("<Task {state} name='{}' coro=<{coro}>{tail}>", f.name.lock())
        }
        None => match (st.state, &st.exception) {
            (State::Finished, Some(e)) => format!("<Future finished exception={}>", e.repr()),
            (State::Finished, None) => format!("<Future finished result={}>", st.result.repr()),
            _ => format!("<Future {state}>"),
        },
    }
}

/// Whether a task can run `v`: an `async def`'s coroutine or one of this module's awaitables.
fn is_coroutine(v: &V) -> bool {
    match v {
        V::Native(n) => match &**n {
            Native::Gen(g) => g.is_coroutine(),
            Native::Aio(Obj::Await(_)) => true,
            _ => false,
        },
        _ => false,
    }
}

/// A coroutine's `__qualname__` (an awaitable's name; empty for anything else).
fn coro_qualname(coro: &V) -> String {
    match coro {
        V::Native(n) => match &**n {
            Native::Gen(g) => g.qualname.to_string(),
            Native::Aio(Obj::Await(a)) => a.name.to_string(),
            _ => String::new(),
        },
        _ => String::new(),
    }
}

/// `create_task(coro, name=None)` on the running loop.
fn create_task(it: &mut Interp<'_>, lp: &Arc<Loop>, coro: V, name: Option<V>) -> R<V> {
    if !is_coroutine(&coro) {
        return type_err(format!("a coroutine was expected, got {}", it.repr_of(&coro)?));
    }
    let name = match name {
        Some(V::None) | None => format!("Task-{}", it.w.aio_task_names.fetch_add(1, Ordering::Relaxed) + 1),
        Some(n) => it.str_of(&n)?,
    };
    let coro_name = coro_qualname(&coro);
    let task = new_fut(lp, Some(coro), name.clone());
    let ix = it.w.aio_task_index.fetch_add(1, Ordering::Relaxed);
    task.index.store(ix, Ordering::Release);
    let by = lp.current_index();
    it.ctx.record(EventKind::AioTaskNew { task: ix, name, coro: coro_name, by });
    let v = fut_value(task);
    lp.tasks.lock().push(v.clone());
    lp.call_soon(aio_fn(AioFn::Step, vec![v.clone()]), Vec::new());
    Ok(v)
}

/// `ensure_future(aw)`: a future as it is, a coroutine wrapped in a task.
fn ensure_future(it: &mut Interp<'_>, lp: &Arc<Loop>, aw: V) -> R<V> {
    if as_fut(&aw).is_some() {
        return Ok(aw);
    }
    create_task(it, lp, aw, None)
}

/// One step of a task: resume its coroutine (throwing `exc` in, if any) until it awaits
/// a future (then wait for that future) or ends.
fn task_step(it: &mut Interp<'_>, task_v: &V, exc_in: Option<V>) -> R<()> {
    let Some(task) = as_fut(task_v) else { return Ok(()) };
    let task = task.clone();
    if task.done() {
        return Ok(());
    }
    let mut exc_in = exc_in;
    {
        let mut st = task.st.lock();
        if st.must_cancel {
            st.must_cancel = false;
            if !exc_in.as_ref().is_some_and(is_cancelled_error) {
                exc_in = Some(new_cancelled());
            }
        }
        st.waiter = None;
    }
    let coro = task.coro.clone().unwrap_or_default();
    let ix = task.index.load(Ordering::Acquire);
    it.ctx.record(EventKind::AioTaskRun { task: ix });
    let prev = task.lp.current.lock().replace(task_v.clone());
    let how = match exc_in {
        Some(e) => Resume::Throw(Box::new(Exc { value: e, tb: Vec::new() })),
        None => Resume::Send(V::None),
    };
    let r = frame::delegate(it, &coro, how);
    // The task stays current while its step's outcome is settled: what its end or its await
    // makes ready is made ready by it.
    let out = step_outcome(it, &task, task_v, ix, r);
    *task.lp.current.lock() = prev;
    out
}

/// Settle a step's outcome: the task's result, exception or cancellation, or what it awaits.
fn step_outcome(it: &mut Interp<'_>, task: &Arc<Fut>, task_v: &V, ix: u32, r: R<Out>) -> R<()> {
    match r {
        Ok(Out::Return(v)) => {
            let must_cancel = std::mem::take(&mut task.st.lock().must_cancel);
            if must_cancel {
                task.cancel_fut(task_v);
                it.ctx.record(EventKind::AioTaskEnd { task: ix, outcome: "cancelled".into() });
            } else {
                task.set_result(task_v, v)?;
                it.ctx.record(EventKind::AioTaskEnd { task: ix, outcome: "finished".into() });
            }
        }
        Ok(Out::Yield(y)) => match as_fut(&y) {
            Some(f) if Arc::ptr_eq(f, task) => {
                let e = exc::new_exc("RuntimeError", format!("Task cannot await on itself: {}", repr(task)));
                task.lp.call_soon(aio_fn(AioFn::Step, vec![task_v.clone()]), vec![e]);
            }
            Some(f) => {
                let on = f.name.lock().clone();
                let scale = it.ctx.shared.settings.time_scale;
                let until_ns = f.due.lock().map(|w| ((w - 1000.0).max(0.0) * 1e9 * scale) as u64);
                it.ctx.record(EventKind::AioTaskWait { task: ix, on, until_ns });
                f.add_done_callback(&y, aio_fn(AioFn::Wakeup, vec![task_v.clone()]));
                let cancel_now = {
                    let mut st = task.st.lock();
                    st.waiter = Some(y.clone());
                    std::mem::take(&mut st.must_cancel)
                };
                if cancel_now && !cancel_any(&y)? {
                    task.st.lock().must_cancel = true;
                }
            }
            None if matches!(y, V::None) => {
                task.lp.call_soon(aio_fn(AioFn::Step, vec![task_v.clone()]), Vec::new());
            }
            None => {
                let msg = format!("Task got bad yield: {}", it.repr_of(&y)?);
                let e = exc::new_exc("RuntimeError", msg);
                task.lp.call_soon(aio_fn(AioFn::Step, vec![task_v.clone()]), vec![e]);
            }
        },
        Err(Flow::Exc(e)) if is_cancelled_error(&e.value) => {
            task.cancel_fut(task_v);
            it.ctx.record(EventKind::AioTaskEnd { task: ix, outcome: "cancelled".into() });
        }
        Err(Flow::Exc(e)) => {
            let outcome = exc::exc_repr(it, &e.value);
            task.st.lock().exc_tb = e.tb.clone();
            task.set_exception(task_v, e.value)?;
            it.ctx.record(EventKind::AioTaskEnd { task: ix, outcome });
        }
        Err(other) => return Err(other),
    }
    Ok(())
}

thread_local! {
    /// How deep `cancel()` calls are nested on this thread: two tasks awaiting each other
    /// cancel each other's waiter forever (CPython: RecursionError), which must not
    /// overflow the Rust stack.
    static CANCEL_DEPTH: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// `task.cancel()` / `future.cancel()`.
fn cancel_any(v: &V) -> R<bool> {
    let depth = CANCEL_DEPTH.with(|d| d.get());
    if depth >= super::interp::RECURSION_LIMIT {
        return raise("RecursionError", "maximum recursion depth exceeded while calling a Python object");
    }
    CANCEL_DEPTH.with(|d| d.set(depth + 1));
    let r = cancel_inner(v);
    CANCEL_DEPTH.with(|d| d.set(depth));
    r
}

fn cancel_inner(v: &V) -> R<bool> {
    let Some(f) = as_fut(v) else { return Ok(false) };
    if !f.is_task() {
        // A gather's outer future cancels its children instead (`_GatheringFuture.cancel`):
        // their cancellation reaches it through the done callbacks.
        let children = f.st.lock().gather.as_ref().map(|(c, _, _)| c.clone());
        if let Some(children) = children {
            if f.done() {
                return Ok(false);
            }
            let mut any = false;
            for c in &children {
                any |= cancel_any(c)?;
            }
            if any {
                f.st.lock().cancel_requested = true;
            }
            return Ok(any);
        }
        return Ok(f.cancel_fut(v));
    }
    if f.done() {
        return Ok(false);
    }
    let waiter = f.st.lock().waiter.clone();
    if let Some(w) = waiter
        && cancel_any(&w)?
    {
        // The waiter's cancellation wakes the task with CancelledError.
        return Ok(true);
    }
    f.st.lock().must_cancel = true;
    Ok(true)
}

/// A task's waiter is done: step it (with the waiter's exception, if any).
fn task_wakeup(it: &mut Interp<'_>, task_v: &V, fut: &V) -> R<()> {
    let exc_in = match as_fut(fut) {
        Some(f) => match f.result() {
            Ok(_) => None,
            Err(Flow::Exc(e)) => Some(e.value),
            Err(other) => return Err(other),
        },
        None => None,
    };
    task_step(it, task_v, exc_in)
}

// ------------------------------------------------------------------ awaitables

/// What an `await` of a native awaitable does next.
enum AwaitState {
    /// Await a future: yield it once, then give its result.
    Fut { fut: V, yielded: bool },
    /// `asyncio.sleep(delay, result)`.
    Sleep { delay: f64, result: V, fut: Option<V>, started: bool },
    /// `wait_for(aw, timeout)`: phase 0 not started, 1 waiting, 2 cancelling the inner.
    WaitFor {
        aw: Option<V>,
        inner: Option<V>,
        timeout: Option<f64>,
        waiter: Option<V>,
        timer: Option<Arc<AtomicBool>>,
        phase: u8,
    },
    /// A primitive's wait (`Lock.acquire`, `Event.wait`, `Queue.get`, `Queue.put(item)`…).
    Prim { prim: Arc<Prim>, op: PrimOp, fut: Option<V>, item: V },
    /// Already finished with this value.
    Ready(V),
    /// `TaskGroup.__aexit__`: wait until every task of the group is done.
    TgExit { tg: Arc<TaskGroup> },
    /// One `await` of what `as_completed` yields: the next future to finish.
    AsCompleted { shared: Arc<AsCompletedState> },
    /// `asyncio.wait(fs, timeout, return_when)`.
    Wait { futs: Vec<V>, when: ReturnWhen, deadline: Option<f64>, started: bool },
    /// `Condition.wait()`: 0 release and wait, 1 notified, 2 re-acquiring.
    CondWait { cond: Arc<Cond>, phase: u8, fut: Option<V>, pending: Option<Box<Exc>> },
    /// `Condition.wait_for(predicate)`.
    CondWaitFor { cond: Arc<Cond>, predicate: V, inner: Option<Arc<Await>> },
    /// `agen.__anext__()`, `asend(v)`, `athrow(e)` (how to resume it first) or `aclose()`.
    AGen { agen: V, first: Option<Resume>, close: bool },
}

/// `asyncio.wait`'s `return_when`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReturnWhen {
    /// `FIRST_COMPLETED`.
    First,
    /// `FIRST_EXCEPTION`.
    FirstException,
    /// `ALL_COMPLETED`.
    All,
}

/// `as_completed`'s shared state: futures in the order they finished, not yet handed out.
pub struct AsCompletedState {
    done: Mutex<VecDeque<V>>,
    waiter: Mutex<Option<V>>,
}

/// An `asyncio.TaskGroup`.
pub struct TaskGroup {
    tasks: Mutex<Vec<V>>,
    errors: Mutex<Vec<V>>,
    waiter: Mutex<Option<V>>,
    entered: AtomicBool,
    exiting: AtomicBool,
    aborting: AtomicBool,
    /// The task whose `async with` entered it.
    parent: Mutex<Option<V>>,
    /// A failing task cancelled the parent (whose body was still running).
    parent_cancelled: AtomicBool,
}

/// `asyncio.timeout(delay)`.
pub struct Timeout {
    when: Mutex<Option<f64>>,
    task: Mutex<Option<V>>,
    handle: Mutex<Option<Arc<AtomicBool>>>,
    expired: AtomicBool,
}

/// An `asyncio.Condition`: its lock and its waiters.
pub struct Cond {
    lock: Arc<Prim>,
    waiters: Mutex<VecDeque<V>>,
}

/// An awaitable that a native function returned (`asyncio.sleep(1)`, `lock.acquire()`).
pub struct Await {
    name: &'static str,
    st: Mutex<AwaitState>,
    /// An exception to raise once the wait it interrupted is wound up (a cancelled
    /// `wait_for` waiting for its inner task, a cancelled `TaskGroup` exit).
    pending: Mutex<Option<Box<Exc>>>,
}

fn awaitable(name: &'static str, st: AwaitState) -> V {
    V::Native(Arc::new(Native::Aio(Obj::Await(Arc::new(Await {
        name,
        st: Mutex::new(st),
        pending: Mutex::new(None),
    })))))
}

/// Whether `v` is one of this module's awaitables (futures, tasks, native coroutines).
pub fn is_awaitable(v: &V) -> bool {
    matches!(v, V::Native(n) if matches!(&**n, Native::Aio(Obj::Fut(_) | Obj::Await(_))))
}

/// `await v` for a future: the iterator that yields it once.
pub fn await_iter(v: &V) -> Option<V> {
    match v {
        V::Native(n) => match &**n {
            Native::Aio(Obj::Fut(_)) => Some(awaitable("Future", AwaitState::Fut { fut: v.clone(), yielded: false })),
            Native::Aio(Obj::Await(_)) => Some(v.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// Resume a native awaitable.
pub fn await_step(it: &mut Interp<'_>, aw: &V, how: Resume) -> Option<R<Out>> {
    let V::Native(n) = aw else { return None };
    let Native::Aio(Obj::Await(a)) = &**n else { return None };
    let a = a.clone();
    Some(step_await(it, &a, how))
}

fn step_await(it: &mut Interp<'_>, a: &Arc<Await>, how: Resume) -> R<Out> {
    // A Condition wait that is cancelled still re-acquires the lock before the exception
    // goes on, as CPython's.
    let how = match how {
        Resume::Throw(e) => {
            match cond_throw(it, a, e).or_else(|e| wait_for_throw(it, a, e)).or_else(|e| tg_throw(it, a, e)) {
                Ok(out) => return out,
                Err(e) => Resume::Throw(e),
            }
        }
        other => other,
    };
    {
        let mut st = a.st.lock();
        if let AwaitState::AGen { agen, first, close } = &mut *st {
            let (agen, close) = (agen.clone(), *close);
            let how = match (first.take(), how) {
                (Some(f), Resume::Send(_)) => f,
                (_, h) => h,
            };
            drop(st);
            return agen_resume(it, a, &agen, how, close);
        }
    }
    if let Resume::Throw(e) = how {
        // CancelledError (or anything thrown) ends the wait; primitives tidy up.
        let (cleanup, inner) = {
            let mut st = a.st.lock();
            let prim = match &*st {
                AwaitState::Prim { prim, op, fut, .. } => Some((prim.clone(), *op, fut.clone())),
                _ => None,
            };
            let inner = match &*st {
                AwaitState::WaitFor { inner, .. } => inner.clone(),
                _ => None,
            };
            if let AwaitState::CondWait { cond, fut: Some(w), .. } = &*st {
                cond.waiters.lock().retain(|x| !x.is(w));
            }
            *st = AwaitState::Ready(V::None);
            (prim, inner)
        };
        if let Some((prim, op, Some(fut))) = cleanup {
            prim.forget(op, &fut);
        }
        if let Some(inner) = inner {
            cancel_any(&inner)?;
        }
        return Err(Flow::Exc(e));
    }
    let mut st = a.st.lock();
    match &mut *st {
        AwaitState::Ready(v) => Ok(Out::Return(v.clone())),
        AwaitState::Fut { fut, yielded } => {
            if !*yielded {
                *yielded = true;
                return Ok(Out::Yield(fut.clone()));
            }
            let fut = fut.clone();
            drop(st);
            let f = as_fut(&fut).cloned();
            match f {
                Some(f) if !f.done() => raise("RuntimeError", "await wasn't used with future"),
                Some(f) => f.result().map(Out::Return),
                None => Ok(Out::Return(V::None)),
            }
        }
        AwaitState::Sleep { delay, result, fut, started } => {
            if !*started {
                *started = true;
                if *delay <= 0.0 {
                    // sleep(0): one bare yield, the loop runs everything else ready.
                    return Ok(Out::Yield(V::None));
                }
                let lp = loop_of(it)?;
                let when = now(it) + *delay;
                let sleeping = new_fut(&lp, None, format!("sleep({})", V::Float(*delay).repr()));
                *sleeping.due.lock() = Some(when);
                let f = fut_value(sleeping);
                *fut = Some(f.clone());
                lp.call_at(when, aio_fn(AioFn::SetResultUnlessCancelled, vec![f.clone(), result.clone()]), Vec::new());
                return Ok(Out::Yield(f));
            }
            let r = result.clone();
            *st = AwaitState::Ready(r.clone());
            Ok(Out::Return(r))
        }
        AwaitState::WaitFor { .. } => {
            drop(st);
            wait_for_step(it, a)
        }
        AwaitState::TgExit { tg } => {
            let tg = tg.clone();
            drop(st);
            let pending = tg.tasks.lock().iter().any(|t| !fut_done(t));
            if pending {
                let lp = loop_of(it)?;
                let w = fut_value(new_fut(&lp, None, "the TaskGroup's tasks".into()));
                *tg.waiter.lock() = Some(w.clone());
                return Ok(Out::Yield(w));
            }
            let errors = std::mem::take(&mut *tg.errors.lock());
            *a.st.lock() = AwaitState::Ready(V::None);
            if errors.is_empty() {
                // The parent task was cancelled while waiting: that goes on now.
                if let Some(e) = a.pending.lock().take() {
                    return Err(Flow::Exc(e));
                }
                return Ok(Out::Return(V::None));
            }
            let n = errors.len();
            let msg = format!("unhandled errors in a TaskGroup ({n} sub-exception{})", if n == 1 { "" } else { "s" });
            let eg = exc::new_exc("ExceptionGroup", msg);
            if let V::Inst(i) = &eg {
                i.dict.lock().insert(Arc::from("exceptions"), V::tuple(errors));
            }
            Err(exc_flow(eg))
        }
        AwaitState::AsCompleted { shared } => {
            let shared = shared.clone();
            drop(st);
            let next = shared.done.lock().pop_front();
            match next {
                Some(f) => {
                    *a.st.lock() = AwaitState::Ready(V::None);
                    match as_fut(&f) {
                        Some(ff) => ff.result().map(Out::Return),
                        None => Ok(Out::Return(V::None)),
                    }
                }
                None => {
                    let lp = loop_of(it)?;
                    let w = fut_value(new_fut(&lp, None, "as_completed".into()));
                    *shared.waiter.lock() = Some(w.clone());
                    Ok(Out::Yield(w))
                }
            }
        }
        AwaitState::Wait { futs, when, deadline, started } => {
            let (futs, when, deadline) = (futs.clone(), *when, *deadline);
            let first = !std::mem::replace(started, true);
            drop(st);
            let done: Vec<V> = futs.iter().filter(|f| fut_done(f)).cloned().collect();
            let failed = done.iter().any(|f| as_fut(f).is_some_and(|x| x.st.lock().exception.is_some()));
            let timed_out = !first && deadline.is_some_and(|d| now(it) >= d);
            let finished = match when {
                ReturnWhen::All => done.len() == futs.len(),
                ReturnWhen::First => !done.is_empty(),
                ReturnWhen::FirstException => failed || done.len() == futs.len(),
            };
            if finished || timed_out || deadline.is_some_and(|d| d <= now(it) && !first) {
                let set = |items: Vec<V>| -> R<V> {
                    let mut d = super::value::Dict::default();
                    for v in items {
                        d.set(v, V::None).or_else(type_err)?;
                    }
                    Ok(V::Set(Arc::new(Mutex::new(d))))
                };
                let pending: Vec<V> = futs.iter().filter(|f| !fut_done(f)).cloned().collect();
                *a.st.lock() = AwaitState::Ready(V::None);
                return Ok(Out::Return(V::tuple(vec![set(done)?, set(pending)?])));
            }
            let lp = loop_of(it)?;
            let w = fut_value(new_fut(&lp, None, format!("wait of {}", futs.len())));
            for f in futs.iter().filter(|f| !fut_done(f)) {
                if let Some(ff) = as_fut(f) {
                    ff.add_done_callback(f, aio_fn(AioFn::ReleaseWaiter, vec![w.clone()]));
                }
            }
            if let Some(d) = deadline {
                lp.call_at(d, aio_fn(AioFn::ReleaseWaiter, vec![w.clone()]), vec![V::None]);
            }
            Ok(Out::Yield(w))
        }
        AwaitState::AGen { .. } => Ok(Out::Return(V::None)),
        AwaitState::CondWait { cond, phase, fut, .. } => {
            let cond = cond.clone();
            if *phase == 0 {
                if cond.lock.st.lock().value == 0 {
                    return raise("RuntimeError", "cannot wait on un-acquired lock");
                }
                drop(st);
                prim_method(it, &cond.lock, "release", Vec::new(), Vec::new())?;
                let lp = loop_of(it)?;
                let w = fut_value(new_fut(&lp, None, "Condition.wait()".into()));
                cond.waiters.lock().push_back(w.clone());
                if let AwaitState::CondWait { phase, fut, .. } = &mut *a.st.lock() {
                    *phase = 1;
                    *fut = Some(w.clone());
                }
                return Ok(Out::Yield(w));
            }
            let waited = if *phase == 2 { fut.take() } else { None };
            if *phase == 1
                && let Some(w) = fut.take()
            {
                cond.waiters.lock().retain(|x| !x.is(&w));
            }
            *phase = 2;
            drop(st);
            cond_acquire(it, a, &cond, waited.as_ref())
        }
        AwaitState::CondWaitFor { cond, predicate, inner } => {
            let (cond, predicate) = (cond.clone(), predicate.clone());
            let mut sub = inner.clone();
            drop(st);
            loop {
                if let Some(w) = &sub {
                    match step_await(it, w, Resume::Send(V::None))? {
                        Out::Yield(v) => {
                            if let AwaitState::CondWaitFor { inner, .. } = &mut *a.st.lock() {
                                *inner = Some(w.clone());
                            }
                            return Ok(Out::Yield(v));
                        }
                        Out::Return(_) => {}
                    }
                }
                let r = it.call(&predicate, Vec::new(), Vec::new())?;
                if it.truthy(&r)? {
                    *a.st.lock() = AwaitState::Ready(r.clone());
                    return Ok(Out::Return(r));
                }
                sub = Some(Arc::new(Await {
                    name: "wait",
                    st: Mutex::new(AwaitState::CondWait { cond: cond.clone(), phase: 0, fut: None, pending: None }),
                    pending: Mutex::new(None),
                }));
            }
        }
        AwaitState::Prim { prim, op, fut, item } => {
            let (prim, op, waited, item) = (prim.clone(), *op, fut.take(), item.clone());
            drop(st);
            match prim.attempt(it, op, waited.as_ref(), item)? {
                Attempt::Done(v) => {
                    *a.st.lock() = AwaitState::Ready(v.clone());
                    Ok(Out::Return(v))
                }
                Attempt::Wait(f) => {
                    if let AwaitState::Prim { fut, .. } = &mut *a.st.lock() {
                        *fut = Some(f.clone());
                    }
                    Ok(Out::Yield(f))
                }
            }
        }
    }
}

/// A cancellation thrown into `wait_for` while it waits: the inner task's result if it is
/// done, else cancel it and wait until it has finished, then go on with the cancellation
/// (CPython 3.11's `wait_for`).
fn wait_for_throw(it: &mut Interp<'_>, a: &Arc<Await>, e: Box<Exc>) -> Result<R<Out>, Box<Exc>> {
    let mut st = a.st.lock();
    let AwaitState::WaitFor { inner: Some(inner), timer, phase, .. } = &mut *st else { return Err(e) };
    if *phase != 1 {
        return Err(e);
    }
    if let Some(t) = timer.take() {
        t.store(true, Ordering::Release);
    }
    let inner = inner.clone();
    if let Some(f) = as_fut(&inner)
        && f.done()
    {
        *st = AwaitState::Ready(V::None);
        drop(st);
        return Ok(f.result().map(Out::Return));
    }
    *phase = 4;
    drop(st);
    *a.pending.lock() = Some(e);
    Ok(loop_of(it).and_then(|lp| cancel_and_wait(&lp, &inner)))
}

/// The parent task cancelled while a `TaskGroup` waits for its tasks: the group is aborted
/// (its tasks cancelled) and still waited for; the cancellation goes on after that.
fn tg_throw(it: &mut Interp<'_>, a: &Arc<Await>, e: Box<Exc>) -> Result<R<Out>, Box<Exc>> {
    let tg = match &*a.st.lock() {
        AwaitState::TgExit { tg } => tg.clone(),
        _ => return Err(e),
    };
    if !is_cancelled_error(&e.value) {
        return Err(e);
    }
    if !tg.aborting.swap(true, Ordering::AcqRel) {
        *a.pending.lock() = Some(e);
        let left: Vec<V> = tg.tasks.lock().clone();
        for t in left {
            if let Err(err) = cancel_any(&t) {
                return Ok(Err(err));
            }
        }
    }
    Ok(step_await(it, a, Resume::Send(V::None)))
}

/// Re-acquire a Condition's lock at the end of `wait()` (`waited`: the lock waiter that was
/// woken); then return True, or raise what cancelled the wait meanwhile.
fn cond_acquire(it: &mut Interp<'_>, a: &Arc<Await>, cond: &Arc<Cond>, waited: Option<&V>) -> R<Out> {
    match cond.lock.attempt(it, PrimOp::Acquire, waited, V::None)? {
        Attempt::Done(_) => {
            let pending = match &mut *a.st.lock() {
                AwaitState::CondWait { pending, .. } => pending.take(),
                _ => None,
            };
            *a.st.lock() = AwaitState::Ready(V::Bool(true));
            match pending {
                Some(e) => Err(Flow::Exc(e)),
                None => Ok(Out::Return(V::Bool(true))),
            }
        }
        Attempt::Wait(f) => {
            if let AwaitState::CondWait { fut, .. } = &mut *a.st.lock() {
                *fut = Some(f.clone());
            }
            Ok(Out::Yield(f))
        }
    }
}

/// An exception thrown into a Condition's `wait()`/`wait_for()`: handled here (Ok) or given
/// back for the usual handling (Err).
fn cond_throw(it: &mut Interp<'_>, a: &Arc<Await>, e: Box<Exc>) -> Result<R<Out>, Box<Exc>> {
    let mut st = a.st.lock();
    match &mut *st {
        AwaitState::CondWait { cond, phase, fut, pending } => {
            let cond = cond.clone();
            match *phase {
                0 => {
                    *st = AwaitState::Ready(V::None);
                    Ok(Err(Flow::Exc(e)))
                }
                1 => {
                    if let Some(w) = fut.take() {
                        cond.waiters.lock().retain(|x| !x.is(&w));
                    }
                    *pending = Some(e);
                    *phase = 2;
                    drop(st);
                    Ok(cond_acquire(it, a, &cond, None))
                }
                _ => {
                    let f = fut.clone();
                    *pending = Some(e);
                    let granted = f.as_ref().is_some_and(|f| fut_done(f) && !fut_cancelled(f));
                    if granted {
                        // The lock was handed over already: take it, then raise.
                        let waited = fut.take();
                        drop(st);
                        return Ok(cond_acquire(it, a, &cond, waited.as_ref()));
                    }
                    // Still queued for the lock: keep waiting; the exception goes on once it
                    // is held. A lock waiter that was itself cancelled queues anew.
                    match f {
                        Some(f) if !fut_done(&f) => Ok(Ok(Out::Yield(f))),
                        f => {
                            *fut = None;
                            drop(st);
                            if let Some(f) = f {
                                cond.lock.forget(PrimOp::Acquire, &f);
                            }
                            Ok(cond_acquire(it, a, &cond, None))
                        }
                    }
                }
            }
        }
        AwaitState::CondWaitFor { inner: Some(w), .. } => {
            let w = w.clone();
            drop(st);
            let r = step_await(it, &w, Resume::Throw(e));
            if !matches!(r, Ok(Out::Yield(_))) {
                *a.st.lock() = AwaitState::Ready(V::None);
            }
            Ok(r)
        }
        _ => Err(e),
    }
}

/// A value an async generator yields, wrapped so that `__anext__` tells it from a future.
pub fn wrap_value(v: V) -> V {
    V::Native(Arc::new(Native::Aio(Obj::Wrapped(v))))
}

/// One resumption of an async generator for `__anext__`/`asend`/`athrow`/`aclose`: its own
/// yield completes the awaitable with the value; a future it awaits goes up to the loop;
/// its end is `StopAsyncIteration`.
fn agen_resume(it: &mut Interp<'_>, a: &Arc<Await>, agen: &V, how: Resume, close: bool) -> R<Out> {
    let finish = |v: V| {
        *a.st.lock() = AwaitState::Ready(v.clone());
        Ok(Out::Return(v))
    };
    match frame::delegate(it, agen, how) {
        Ok(Out::Yield(V::Native(ref n))) if let Native::Aio(Obj::Wrapped(v)) = &**n => {
            if close {
                return raise("RuntimeError", "async generator ignored GeneratorExit");
            }
            finish(v.clone())
        }
        Ok(Out::Yield(y)) => Ok(Out::Yield(y)),
        Ok(Out::Return(_)) => {
            if close {
                return finish(V::None);
            }
            *a.st.lock() = AwaitState::Ready(V::None);
            Err(exc_flow(exc::new_exc("StopAsyncIteration", String::new())))
        }
        Err(Flow::Exc(e))
            if close
                && (exc::is_instance_of(&e.value, "GeneratorExit")
                    || exc::is_instance_of(&e.value, "StopAsyncIteration")) =>
        {
            finish(V::None)
        }
        Err(e) => Err(e),
    }
}

/// The methods of async generators.
pub fn agen_method(it: &mut Interp<'_>, obj: &V, name: &str, pos: Vec<V>) -> Option<R<V>> {
    let step = |name: &'static str, first: Resume, close: bool| {
        Ok(awaitable(name, AwaitState::AGen { agen: obj.clone(), first: Some(first), close }))
    };
    Some(match name {
        "__aiter__" => Ok(obj.clone()),
        "__anext__" => step("__anext__", Resume::Send(V::None), false),
        "asend" => step("asend", Resume::Send(pos.into_iter().next().unwrap_or_default()), false),
        "athrow" if pos.is_empty() => type_err("athrow expected at least 1 argument, got 0"),
        "athrow" => match frame::thrown(it, pos) {
            Ok(e) => step("athrow", Resume::Throw(e), false),
            Err(e) => Err(e),
        },
        "aclose" => {
            let ge = exc::new_exc("GeneratorExit", String::new());
            step("aclose", Resume::Throw(Box::new(Exc { value: ge, tb: Vec::new() })), true)
        }
        _ => return None,
    })
}

/// `wait_for`: wait for the inner task or the timeout; at the timeout cancel the inner task,
/// wait for it to finish cancelling, and raise `TimeoutError`.
fn wait_for_step(it: &mut Interp<'_>, a: &Arc<Await>) -> R<Out> {
    let lp = loop_of(it)?;
    let mut st = a.st.lock();
    let AwaitState::WaitFor { aw, inner, timeout, waiter, timer, phase } = &mut *st else {
        return Ok(Out::Return(V::None));
    };
    match *phase {
        0 => {
            let awv = aw.take().unwrap_or_default();
            let t = *timeout;
            drop(st);
            let fut = ensure_future(it, &lp, awv)?;
            let f = as_fut(&fut).cloned();
            if let Some(t) = t
                && t <= 0.0
            {
                // CPython 3.11: a zero timeout checks once, then cancels.
                if f.as_ref().is_some_and(|f| f.done()) {
                    return f.map_or(Ok(Out::Return(V::None)), |f| f.result().map(Out::Return));
                }
                let mut st = a.st.lock();
                if let AwaitState::WaitFor { inner, phase, .. } = &mut *st {
                    *inner = Some(fut.clone());
                    *phase = 2;
                }
                drop(st);
                return cancel_and_wait(&lp, &fut);
            }
            let label = match &f {
                Some(f) => format!("wait_for({})", f.name.lock()),
                None => "wait_for".into(),
            };
            let w = fut_value(new_fut(&lp, None, label));
            if let Some(f) = &f {
                f.add_done_callback(&fut, aio_fn(AioFn::ReleaseWaiter, vec![w.clone()]));
            }
            let handle =
                t.map(|t| lp.call_at(now(it) + t, aio_fn(AioFn::ReleaseWaiter, vec![w.clone()]), vec![V::None]));
            let mut st = a.st.lock();
            if let AwaitState::WaitFor { inner, waiter, timer, phase, .. } = &mut *st {
                *inner = Some(fut);
                *waiter = Some(w.clone());
                *timer = handle;
                *phase = 1;
            }
            Ok(Out::Yield(w))
        }
        1 => {
            if let Some(t) = timer.take() {
                t.store(true, Ordering::Release);
            }
            let fut = inner.clone().unwrap_or_default();
            let _ = waiter.take();
            let f = as_fut(&fut).cloned();
            if f.as_ref().is_some_and(|f| f.done()) {
                *phase = 3;
                drop(st);
                return f.map_or(Ok(Out::Return(V::None)), |f| f.result().map(Out::Return));
            }
            *phase = 2;
            drop(st);
            cancel_and_wait(&lp, &fut)
        }
        4 => {
            // The outer task was cancelled and the inner one has now finished cancelling.
            *phase = 3;
            drop(st);
            match a.pending.lock().take() {
                Some(e) => Err(Flow::Exc(e)),
                None => Ok(Out::Return(V::None)),
            }
        }
        _ => {
            let fut = inner.clone().unwrap_or_default();
            *phase = 3;
            drop(st);
            if let Some(f) = as_fut(&fut)
                && f.st.lock().state == State::Finished
            {
                // It finished instead of cancelling: its result wins.
                return f.result().map(Out::Return);
            }
            let e = exc::new_exc("TimeoutError", String::new());
            Err(exc_flow(e))
        }
    }
}

/// CPython's `_cancel_and_wait`: cancel `fut` and wait (on a waiter of our own, so its
/// CancelledError is not thrown into us) until it is done.
fn cancel_and_wait(lp: &Arc<Loop>, fut: &V) -> R<Out> {
    let label = format!("{} to finish cancelling", as_fut(fut).map(|f| f.name.lock().clone()).unwrap_or_default());
    let w = fut_value(new_fut(lp, None, label));
    if let Some(f) = as_fut(fut) {
        f.add_done_callback(fut, aio_fn(AioFn::ReleaseWaiter, vec![w.clone()]));
    }
    cancel_any(fut)?;
    Ok(Out::Yield(w))
}

// ------------------------------------------------------------------ primitives

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PrimKind {
    Lock,
    Event,
    Semaphore { bounded: Option<i64> },
    Queue { maxsize: i64 },
    Barrier { parties: i64 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PrimOp {
    Acquire,
    Wait,
    Get,
    Put,
    Join,
}

struct PrimState {
    /// Lock: locked (0/1); Semaphore: its value; Event: set (0/1).
    value: i64,
    waiters: VecDeque<V>,
    /// Queue: items, putters' futures, unfinished tasks, join waiters.
    items: VecDeque<V>,
    putters: VecDeque<V>,
    unfinished: i64,
    joiners: VecDeque<V>,
    /// A barrier's waiters and the arrival index each will return.
    arrivals: Vec<(V, i64)>,
}

/// `asyncio.Lock`, `Event`, `Semaphore`/`BoundedSemaphore` or `Queue`.
pub struct Prim {
    kind: PrimKind,
    st: Mutex<PrimState>,
    /// A queue's order: FIFO, LIFO, or a heap by the items' `<` (as `heapq`).
    order: QOrder,
}

/// The order a queue hands its items out in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum QOrder {
    Fifo,
    Lifo,
    Priority,
}

/// heapq's `heappush`: append, then sift the new item up by `<`.
fn heap_push(it: &mut Interp<'_>, heap: &mut Vec<V>, item: V) -> R<()> {
    heap.push(item);
    let last = heap.len() - 1;
    sift_down(it, heap, 0, last)
}

/// heapq's `heappop`.
fn heap_pop(it: &mut Interp<'_>, heap: &mut Vec<V>) -> R<Option<V>> {
    let Some(last) = heap.pop() else { return Ok(None) };
    if heap.is_empty() {
        return Ok(Some(last));
    }
    let top = std::mem::replace(&mut heap[0], last);
    // _siftup: move the smaller child up until a leaf, then sift the item down into place.
    let end = heap.len();
    let mut pos = 0;
    let mut child = 1;
    while child < end {
        let right = child + 1;
        if right < end && !it.compare(super::ir::CmpOp::Lt, &heap[child], &heap[right])? {
            child = right;
        }
        heap.swap(pos, child);
        pos = child;
        child = 2 * pos + 1;
    }
    sift_down(it, heap, 0, pos)?;
    Ok(Some(top))
}

/// heapq's `_siftdown`.
fn sift_down(it: &mut Interp<'_>, heap: &mut [V], start: usize, mut pos: usize) -> R<()> {
    while pos > start {
        let parent = (pos - 1) >> 1;
        if it.compare(super::ir::CmpOp::Lt, &heap[pos], &heap[parent])? {
            heap.swap(pos, parent);
            pos = parent;
        } else {
            break;
        }
    }
    Ok(())
}

impl Prim {
    /// Take the next item by the queue's order. A priority queue's comparisons run with its
    /// items out of the state (a `__lt__` that touches the queue sees it empty, not a lock).
    fn take_item(&self, it: &mut Interp<'_>, st: &mut parking_lot::MutexGuard<'_, PrimState>) -> R<Option<V>> {
        match self.order {
            QOrder::Fifo => Ok(st.items.pop_front()),
            QOrder::Lifo => Ok(st.items.pop_back()),
            QOrder::Priority => {
                let mut heap: Vec<V> = std::mem::take(&mut st.items).into();
                let r = parking_lot::MutexGuard::unlocked(st, || heap_pop(it, &mut heap));
                st.items = heap.into();
                r
            }
        }
    }

    /// Add an item by the queue's order.
    fn add_item(&self, it: &mut Interp<'_>, st: &mut parking_lot::MutexGuard<'_, PrimState>, item: V) -> R<()> {
        if self.order != QOrder::Priority {
            st.items.push_back(item);
            return Ok(());
        }
        let mut heap: Vec<V> = std::mem::take(&mut st.items).into();
        let r = parking_lot::MutexGuard::unlocked(st, || heap_push(it, &mut heap, item));
        st.items = heap.into();
        r
    }
}

enum Attempt {
    Done(V),
    Wait(V),
}

fn fut_done(v: &V) -> bool {
    as_fut(v).is_some_and(|f| f.done())
}

fn fut_cancelled(v: &V) -> bool {
    as_fut(v).is_some_and(|f| f.st.lock().state == State::Cancelled)
}

/// Wake the first waiter still waiting, leaving it in the queue (a lock's `_wake_up_first`).
fn wake_first_queued(waiters: &VecDeque<V>) {
    if let Some(w) = waiters.iter().find(|w| !fut_done(w))
        && let Some(f) = as_fut(w)
    {
        let _ = f.set_result(w, V::Bool(true));
    }
}

/// Wake the first waiter still waiting: its future's result is set.
fn wake_first(waiters: &mut VecDeque<V>, value: V) -> Option<V> {
    while let Some(w) = waiters.pop_front() {
        if !fut_done(&w) {
            if let Some(f) = as_fut(&w) {
                let _ = f.set_result(&w, value);
            }
            return Some(w);
        }
    }
    None
}

impl Prim {
    fn new(kind: PrimKind, value: i64) -> Arc<Prim> {
        Self::new_queue(kind, value, QOrder::Fifo)
    }

    fn new_queue(kind: PrimKind, value: i64, order: QOrder) -> Arc<Prim> {
        Arc::new(Prim {
            kind,
            order,
            st: Mutex::new(PrimState {
                value,
                waiters: VecDeque::new(),
                items: VecDeque::new(),
                putters: VecDeque::new(),
                unfinished: 0,
                joiners: VecDeque::new(),
                arrivals: Vec::new(),
            }),
        })
    }

    /// Try the operation; if it must wait, a future to wait on (after which it is tried again).
    fn attempt(&self, it: &mut Interp<'_>, op: PrimOp, waited: Option<&V>, item: V) -> R<Attempt> {
        let lp = loop_of(it)?;
        let mut st = self.st.lock();
        match (self.kind, op) {
            (PrimKind::Lock, _) => {
                if let Some(w) = waited {
                    // Woken by release(): the lock was handed to us.
                    st.waiters.retain(|x| !x.is(w));
                    st.value = 1;
                    return Ok(Attempt::Done(V::Bool(true)));
                }
                if st.value == 0 && st.waiters.iter().all(fut_cancelled) {
                    st.value = 1;
                    return Ok(Attempt::Done(V::Bool(true)));
                }
            }
            (PrimKind::Event, _) => {
                // Woken by set(): done, even if the event was cleared since (as CPython's).
                if let Some(w) = waited {
                    st.waiters.retain(|x| !x.is(w));
                    return Ok(Attempt::Done(V::Bool(true)));
                }
                if st.value != 0 {
                    return Ok(Attempt::Done(V::Bool(true)));
                }
            }
            (PrimKind::Semaphore { .. }, _) => {
                if let Some(w) = waited {
                    st.waiters.retain(|x| !x.is(w));
                    // release() counted us in already.
                    while st.value > 0 && wake_first(&mut st.waiters, V::Bool(true)).is_some() {
                        st.value -= 1;
                    }
                    return Ok(Attempt::Done(V::Bool(true)));
                }
                let locked = st.value == 0 || st.waiters.iter().any(|w| !fut_cancelled(w));
                if !locked {
                    st.value -= 1;
                    return Ok(Attempt::Done(V::Bool(true)));
                }
            }
            (PrimKind::Barrier { parties }, _) => {
                if let Some(w) = waited {
                    let i = st.arrivals.iter().position(|(f, _)| f.is(w));
                    let index = i.map_or(0, |i| st.arrivals.remove(i).1);
                    return Ok(Attempt::Done(V::Int(index)));
                }
                let index = st.value;
                st.value += 1;
                if st.value >= parties {
                    // The last to arrive releases everyone; the barrier fills again.
                    st.value = 0;
                    let ws: Vec<V> = st.waiters.drain(..).collect();
                    for w in ws {
                        if let Some(f) = as_fut(&w)
                            && !f.done()
                        {
                            let _ = f.set_result(&w, V::None);
                        }
                    }
                    return Ok(Attempt::Done(V::Int(index)));
                }
                let f = fut_value(new_fut(&lp, None, "Barrier.wait()".into()));
                st.waiters.push_back(f.clone());
                st.arrivals.push((f.clone(), index));
                return Ok(Attempt::Wait(f));
            }
            (PrimKind::Queue { .. }, PrimOp::Get) => {
                if let Some(w) = waited {
                    st.waiters.retain(|x| !x.is(w));
                }
                if let Some(item) = self.take_item(it, &mut st)? {
                    wake_first(&mut st.putters, V::None);
                    return Ok(Attempt::Done(item));
                }
            }
            (PrimKind::Queue { maxsize }, PrimOp::Put) => {
                if let Some(w) = waited {
                    st.putters.retain(|x| !x.is(w));
                }
                if maxsize <= 0 || (st.items.len() as i64) < maxsize {
                    self.add_item(it, &mut st, item)?;
                    st.unfinished += 1;
                    wake_first(&mut st.waiters, V::None);
                    return Ok(Attempt::Done(V::None));
                }
                let f = fut_value(new_fut(&lp, None, "Queue.put()".into()));
                st.putters.push_back(f.clone());
                return Ok(Attempt::Wait(f));
            }
            (PrimKind::Queue { .. }, _) => {
                if st.unfinished == 0 {
                    return Ok(Attempt::Done(V::None));
                }
                let f = fut_value(new_fut(&lp, None, "Queue.join()".into()));
                st.joiners.push_back(f.clone());
                return Ok(Attempt::Wait(f));
            }
        }
        let label = match self.kind {
            PrimKind::Lock => "Lock.acquire()",
            PrimKind::Event => "Event.wait()",
            PrimKind::Semaphore { .. } => "Semaphore.acquire()",
            PrimKind::Queue { .. } => "Queue.get()",
            PrimKind::Barrier { .. } => "Barrier.wait()",
        };
        let f = fut_value(new_fut(&lp, None, label.into()));
        st.waiters.push_back(f.clone());
        Ok(Attempt::Wait(f))
    }

    /// A waiter was cancelled: take it out (and pass a lock or a semaphore's count on).
    fn forget(&self, _op: PrimOp, fut: &V) {
        let mut st = self.st.lock();
        st.waiters.retain(|x| !x.is(fut));
        st.putters.retain(|x| !x.is(fut));
        let granted = fut_done(fut) && !fut_cancelled(fut);
        if let Some(i) = st.arrivals.iter().position(|(f, _)| f.is(fut)) {
            // A waiter cancelled before the barrier filled takes its arrival back.
            st.arrivals.remove(i);
            if !granted {
                st.value -= 1;
            }
        }
        match self.kind {
            PrimKind::Lock if granted => {
                wake_first_queued(&st.waiters);
            }
            PrimKind::Semaphore { .. } if granted => {
                st.value += 1;
                while st.value > 0 && wake_first(&mut st.waiters, V::Bool(true)).is_some() {
                    st.value -= 1;
                }
            }
            // A woken getter or putter cancelled before it ran: the wake-up goes to the next.
            PrimKind::Queue { maxsize } if granted => {
                if !st.items.is_empty() {
                    wake_first(&mut st.waiters, V::None);
                }
                if maxsize <= 0 || (st.items.len() as i64) < maxsize {
                    wake_first(&mut st.putters, V::None);
                }
            }
            _ => {}
        }
    }
}

fn prim_method(it: &mut Interp<'_>, p: &Arc<Prim>, name: &str, pos: Vec<V>, mut kw: Kw) -> R<V> {
    let wait =
        |op: PrimOp, n: &'static str| awaitable(n, AwaitState::Prim { prim: p.clone(), op, fut: None, item: V::None });
    match (p.kind, name) {
        (PrimKind::Lock, "acquire") => Ok(wait(PrimOp::Acquire, "acquire")),
        (PrimKind::Lock, "release") => {
            let mut st = p.st.lock();
            if st.value == 0 {
                return raise("RuntimeError", "Lock is not acquired.");
            }
            // Unlocked now; the first waiter is woken and takes it when it runs (until then
            // it stays queued, so nobody else can take the lock first), as CPython 3.11's.
            st.value = 0;
            wake_first_queued(&st.waiters);
            Ok(V::None)
        }
        (PrimKind::Lock, "locked") => Ok(V::Bool(p.st.lock().value != 0)),
        (PrimKind::Lock | PrimKind::Semaphore { .. }, "__aenter__") => Ok(wait(PrimOp::Acquire, "acquire")),
        (PrimKind::Lock | PrimKind::Semaphore { .. }, "__aexit__") => {
            prim_method(it, p, "release", Vec::new(), Vec::new())?;
            Ok(awaitable("__aexit__", AwaitState::Ready(V::None)))
        }
        (PrimKind::Event, "wait") => Ok(wait(PrimOp::Wait, "wait")),
        (PrimKind::Event, "set") => {
            let mut st = p.st.lock();
            if st.value == 0 {
                st.value = 1;
                let ws: Vec<V> = st.waiters.drain(..).collect();
                drop(st);
                for w in ws {
                    if let Some(f) = as_fut(&w)
                        && !f.done()
                    {
                        f.set_result(&w, V::Bool(true))?;
                    }
                }
            }
            Ok(V::None)
        }
        (PrimKind::Event, "clear") => {
            p.st.lock().value = 0;
            Ok(V::None)
        }
        (PrimKind::Event, "is_set") => Ok(V::Bool(p.st.lock().value != 0)),
        (PrimKind::Semaphore { .. }, "acquire") => Ok(wait(PrimOp::Acquire, "acquire")),
        (PrimKind::Semaphore { bounded }, "release") => {
            let mut st = p.st.lock();
            if let Some(b) = bounded
                && st.value >= b
            {
                return raise("ValueError", "BoundedSemaphore released too many times");
            }
            st.value += 1;
            if st.value > 0 && wake_first(&mut st.waiters, V::Bool(true)).is_some() {
                st.value -= 1;
            }
            Ok(V::None)
        }
        (PrimKind::Semaphore { .. }, "locked") => {
            let st = p.st.lock();
            Ok(V::Bool(st.value == 0 || st.waiters.iter().any(|w| !fut_cancelled(w))))
        }
        (PrimKind::Barrier { .. }, "wait") => Ok(wait(PrimOp::Wait, "wait")),
        (PrimKind::Barrier { .. }, "abort" | "reset") => {
            raise("NotImplementedError", format!("asyncio.Barrier.{name}() is not supported yet"))
        }
        (PrimKind::Queue { .. }, "get") => Ok(wait(PrimOp::Get, "get")),
        (PrimKind::Queue { .. }, "put") => {
            let item = libobj::arg(&pos, &mut kw, 0, "item").unwrap_or_default();
            Ok(awaitable("put", AwaitState::Prim { prim: p.clone(), op: PrimOp::Put, fut: None, item }))
        }
        (PrimKind::Queue { .. }, "join") => Ok(wait(PrimOp::Join, "join")),
        (PrimKind::Queue { .. }, "get_nowait") => {
            let mut st = p.st.lock();
            match p.take_item(it, &mut st)? {
                Some(v) => {
                    wake_first(&mut st.putters, V::None);
                    Ok(v)
                }
                None => {
                    drop(st);
                    libobj::raise_in(&queue_empty_class(), "")
                }
            }
        }
        (PrimKind::Queue { maxsize }, "put_nowait") => {
            let item = libobj::arg(&pos, &mut kw, 0, "item").unwrap_or_default();
            let mut st = p.st.lock();
            if maxsize > 0 && st.items.len() as i64 >= maxsize {
                drop(st);
                return libobj::raise_in(&queue_full_class(), "");
            }
            p.add_item(it, &mut st, item)?;
            st.unfinished += 1;
            wake_first(&mut st.waiters, V::None);
            Ok(V::None)
        }
        (PrimKind::Queue { .. }, "task_done") => {
            let mut st = p.st.lock();
            if st.unfinished <= 0 {
                return raise("ValueError", "task_done() called too many times");
            }
            st.unfinished -= 1;
            if st.unfinished == 0 {
                let js: Vec<V> = st.joiners.drain(..).collect();
                drop(st);
                for j in js {
                    if let Some(f) = as_fut(&j)
                        && !f.done()
                    {
                        f.set_result(&j, V::None)?;
                    }
                }
            }
            Ok(V::None)
        }
        (PrimKind::Queue { .. }, "qsize") => Ok(V::Int(p.st.lock().items.len() as i64)),
        (PrimKind::Queue { .. }, "empty") => Ok(V::Bool(p.st.lock().items.is_empty())),
        (PrimKind::Queue { maxsize }, "full") => Ok(V::Bool(maxsize > 0 && p.st.lock().items.len() as i64 >= maxsize)),
        (PrimKind::Queue { maxsize }, "maxsize") => Ok(V::Int(maxsize)),
        _ => raise("AttributeError", format!("'{}' object has no attribute '{name}'", prim_type(p))),
    }
}

fn prim_type(p: &Prim) -> &'static str {
    match p.kind {
        PrimKind::Lock => "Lock",
        PrimKind::Event => "Event",
        PrimKind::Semaphore { bounded: None } => "Semaphore",
        PrimKind::Semaphore { bounded: Some(_) } => "BoundedSemaphore",
        PrimKind::Barrier { .. } => "Barrier",
        PrimKind::Queue { .. } => match p.order {
            QOrder::Fifo => "Queue",
            QOrder::Lifo => "LifoQueue",
            QOrder::Priority => "PriorityQueue",
        },
    }
}

// ------------------------------------------------------------------ objects and functions

/// What `asyncio` puts in Python values.
pub enum Obj {
    /// An event loop.
    Loop(Arc<Loop>),
    /// A future or task.
    Fut(Arc<Fut>),
    /// A native awaitable.
    Await(Arc<Await>),
    /// A timer's handle (`call_later`): cancelled or not.
    Handle(Arc<AtomicBool>),
    /// A synchronization primitive or queue.
    Prim(Arc<Prim>),
    /// A value an async generator yielded, on its way to `__anext__`.
    Wrapped(V),
    /// `asyncio.TaskGroup()`.
    TaskGroup(Arc<TaskGroup>),
    /// `asyncio.timeout(delay)`.
    Timeout(Arc<Timeout>),
    /// `asyncio.Condition()`.
    Cond(Arc<Cond>),
}

impl std::fmt::Debug for Obj {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.type_name())
    }
}

impl Obj {
    /// `type(x).__name__`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Obj::Loop(_) => "_UnixSelectorEventLoop",
            Obj::Fut(f) if f.is_task() => "Task",
            Obj::Fut(_) => "Future",
            Obj::Await(_) => "coroutine",
            Obj::Handle(_) => "TimerHandle",
            Obj::Prim(p) => prim_type(p),
            Obj::TaskGroup(_) => "TaskGroup",
            Obj::Wrapped(_) => "_AsyncGenWrappedValue",
            Obj::Timeout(_) => "Timeout",
            Obj::Cond(_) => "Condition",
        }
    }

    /// `repr()`.
    pub fn repr(&self, id: usize) -> String {
        match self {
            Obj::Fut(f) => repr(f),
            Obj::Await(a) => format!("<coroutine object {} at {id:#x}>", a.name),
            Obj::Prim(p) => {
                let st = p.st.lock();
                let state = match p.kind {
                    PrimKind::Lock => if st.value != 0 { "locked" } else { "unlocked" }.to_string(),
                    PrimKind::Event => if st.value != 0 { "set" } else { "unset" }.to_string(),
                    PrimKind::Semaphore { .. } => format!("unlocked, value:{}", st.value),
                    PrimKind::Queue { maxsize } => format!("maxsize={maxsize}"),
                    PrimKind::Barrier { parties } => format!("filling, waiters:{}/{parties}", st.value),
                };
                format!("<asyncio.locks.{} object at {id:#x} [{state}]>", prim_type(p))
            }
            other => format!("<{} object at {id:#x}>", other.type_name()),
        }
    }
}

/// The callables of `asyncio`, and the internal callbacks the loop runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[expect(missing_docs, reason = "each is the asyncio callable of the same name")]
pub enum AioFn {
    Run,
    CreateTask,
    EnsureFuture,
    Gather,
    Sleep,
    WaitFor,
    ToThread,
    GetRunningLoop,
    CurrentTask,
    AllTasks,
    Iscoroutine,
    Lock,
    Event,
    Semaphore,
    BoundedSemaphore,
    Queue,
    LifoQueue,
    PriorityQueue,
    RunCoroutineThreadsafe,
    Barrier,
    Future,
    /// A task's step (bound to the task; an exception to throw in, optional).
    Step,
    /// A task's waiter is done (bound to the task; gets the waiter).
    Wakeup,
    /// `fut.set_result(value)` unless it was cancelled (bound to both).
    SetResultUnlessCancelled,
    /// `wait_for`'s waiter: set it done (bound to it).
    ReleaseWaiter,
    /// One child of a `gather` is done (bound to the outer future; gets the child).
    GatherDone,
    TaskGroup,
    AsCompleted,
    Wait,
    Timeout,
    Shield,
    Condition,
    /// A task of a group is done (bound to the group; gets the task).
    TgTaskDone,
    /// A future `as_completed` watches is done (bound to its state; gets the future).
    AsCompletedDone,
    /// A `timeout` expired (bound to it).
    TimeoutFire,
    /// `shield`'s inner future is done (bound to the outer; gets the inner).
    ShieldDone,
    /// `run_coroutine_threadsafe`'s callback on the loop: make the task, link the future.
    ThreadsafeStart,
    /// `run_coroutine_threadsafe`'s task ended: set the concurrent future.
    ThreadsafeDone,
}

impl AioFn {
    /// The name Python gives it.
    pub fn name(self) -> &'static str {
        match self {
            AioFn::Run => "run",
            AioFn::CreateTask => "create_task",
            AioFn::EnsureFuture => "ensure_future",
            AioFn::Gather => "gather",
            AioFn::Sleep => "sleep",
            AioFn::WaitFor => "wait_for",
            AioFn::ToThread => "to_thread",
            AioFn::GetRunningLoop => "get_running_loop",
            AioFn::CurrentTask => "current_task",
            AioFn::AllTasks => "all_tasks",
            AioFn::Iscoroutine => "iscoroutine",
            AioFn::Lock => "Lock",
            AioFn::Event => "Event",
            AioFn::Semaphore => "Semaphore",
            AioFn::BoundedSemaphore => "BoundedSemaphore",
            AioFn::Queue => "Queue",
            AioFn::LifoQueue => "LifoQueue",
            AioFn::PriorityQueue => "PriorityQueue",
            AioFn::RunCoroutineThreadsafe => "run_coroutine_threadsafe",
            AioFn::Barrier => "Barrier",
            AioFn::Future => "Future",
            AioFn::Step => "__step",
            AioFn::Wakeup => "__wakeup",
            AioFn::SetResultUnlessCancelled => "_set_result_unless_cancelled",
            AioFn::ReleaseWaiter => "_release_waiter",
            AioFn::GatherDone => "_done_callback",
            AioFn::TaskGroup => "TaskGroup",
            AioFn::AsCompleted => "as_completed",
            AioFn::Wait => "wait",
            AioFn::Timeout => "timeout",
            AioFn::Shield => "shield",
            AioFn::Condition => "Condition",
            AioFn::TgTaskDone => "_on_task_done",
            AioFn::AsCompletedDone => "_on_completion",
            AioFn::TimeoutFire => "_on_timeout",
            AioFn::ShieldDone => "_inner_done_callback",
            AioFn::ThreadsafeStart => "callback",
            AioFn::ThreadsafeDone => "_call_set_state",
        }
    }
}

fn aio_fn(f: AioFn, bound: Vec<V>) -> V {
    if bound.is_empty() { libobj::native_fn(NFn::Aio(f)) } else { libobj::bound(NFn::Aio(f), bound) }
}

/// `asyncio.name`.
pub fn module_attr(name: &str) -> Option<V> {
    let f = match name {
        "run" => AioFn::Run,
        "create_task" => AioFn::CreateTask,
        "ensure_future" => AioFn::EnsureFuture,
        "gather" => AioFn::Gather,
        "sleep" => AioFn::Sleep,
        "wait_for" => AioFn::WaitFor,
        "to_thread" => AioFn::ToThread,
        "get_running_loop" | "get_event_loop" => AioFn::GetRunningLoop,
        "current_task" => AioFn::CurrentTask,
        "all_tasks" => AioFn::AllTasks,
        "iscoroutine" => AioFn::Iscoroutine,
        "Lock" => AioFn::Lock,
        "Event" => AioFn::Event,
        "Semaphore" => AioFn::Semaphore,
        "BoundedSemaphore" => AioFn::BoundedSemaphore,
        "Queue" => AioFn::Queue,
        "LifoQueue" => AioFn::LifoQueue,
        "PriorityQueue" => AioFn::PriorityQueue,
        "run_coroutine_threadsafe" => AioFn::RunCoroutineThreadsafe,
        "Barrier" => AioFn::Barrier,
        "Future" => AioFn::Future,
        "TaskGroup" => AioFn::TaskGroup,
        "as_completed" => AioFn::AsCompleted,
        "wait" => AioFn::Wait,
        "timeout" => AioFn::Timeout,
        "shield" => AioFn::Shield,
        "Condition" => AioFn::Condition,
        "FIRST_COMPLETED" | "FIRST_EXCEPTION" | "ALL_COMPLETED" => return Some(V::str(name)),
        "CancelledError" => return Some(V::Class(cancelled_class())),
        "InvalidStateError" => return Some(V::Class(invalid_state_class())),
        "QueueEmpty" => return Some(V::Class(queue_empty_class())),
        "QueueFull" => return Some(V::Class(queue_full_class())),
        "TimeoutError" => return Some(V::Class(exc::class("TimeoutError"))),
        _ => return None,
    };
    Some(aio_fn(f, Vec::new()))
}

fn seconds(v: &V, what: &str) -> R<f64> {
    match v.as_f64() {
        Some(s) => Ok(s),
        None => type_err(format!("{what}: '{}' object cannot be interpreted as a number", v.type_name())),
    }
}

/// Calls an `asyncio` callable.
pub fn call(it: &mut Interp<'_>, f: AioFn, pos: Vec<V>, mut kw: Kw) -> R<V> {
    match f {
        AioFn::Run => {
            let coro = libobj::arg(&pos, &mut kw, 0, "main").unwrap_or_default();
            let _ = libobj::kwarg(&mut kw, "debug");
            libobj::no_more("run", &kw)?;
            run(it, coro)
        }
        AioFn::CreateTask | AioFn::EnsureFuture => {
            let coro = libobj::arg(&pos, &mut kw, 0, "coro").unwrap_or_default();
            let name = libobj::kwarg(&mut kw, "name");
            let lp = loop_of(it)?;
            if f == AioFn::EnsureFuture {
                return ensure_future(it, &lp, coro);
            }
            create_task(it, &lp, coro, name)
        }
        AioFn::Gather => {
            let return_exceptions = libobj::kwarg(&mut kw, "return_exceptions").is_some_and(|v| v.truthy());
            libobj::no_more("gather", &kw)?;
            let lp = loop_of(it)?;
            let mut children = Vec::new();
            for aw in pos {
                children.push(ensure_future(it, &lp, aw)?);
            }
            let outer = new_fut(&lp, None, format!("gather of {}", children.len()));
            let outer_v = fut_value(outer.clone());
            if children.is_empty() {
                outer.set_result(&outer_v, V::list(Vec::new()))?;
                return Ok(outer_v);
            }
            outer.st.lock().gather = Some((children.clone(), 0, return_exceptions));
            for c in &children {
                if let Some(cf) = as_fut(c) {
                    cf.add_done_callback(c, aio_fn(AioFn::GatherDone, vec![outer_v.clone()]));
                }
            }
            Ok(outer_v)
        }
        AioFn::Sleep => {
            let delay = libobj::arg(&pos, &mut kw, 0, "delay").unwrap_or(V::Int(0));
            let result = libobj::arg(&pos, &mut kw, 1, "result").unwrap_or_default();
            libobj::no_more("sleep", &kw)?;
            let delay = seconds(&delay, "sleep")?;
            Ok(awaitable("sleep", AwaitState::Sleep { delay, result, fut: None, started: false }))
        }
        AioFn::WaitFor => {
            let aw = libobj::arg(&pos, &mut kw, 0, "fut").unwrap_or_default();
            let timeout = libobj::arg(&pos, &mut kw, 1, "timeout").unwrap_or_default();
            libobj::no_more("wait_for", &kw)?;
            let timeout = match timeout {
                V::None => None,
                t => Some(seconds(&t, "wait_for")?),
            };
            Ok(awaitable(
                "wait_for",
                AwaitState::WaitFor { aw: Some(aw), inner: None, timeout, waiter: None, timer: None, phase: 0 },
            ))
        }
        AioFn::ToThread => {
            let lp = loop_of(it)?;
            let mut pos = pos.into_iter();
            let Some(func) = pos.next() else {
                return type_err("to_thread() missing 1 required positional argument: 'func'");
            };
            let mut args = vec![func];
            args.extend(pos);
            let fut = run_in_executor(it, &lp, args, kw)?;
            Ok(awaitable("to_thread", AwaitState::Fut { fut, yielded: false }))
        }
        AioFn::GetRunningLoop => {
            let lp = loop_of(it)?;
            Ok(V::Native(Arc::new(Native::Aio(Obj::Loop(lp)))))
        }
        AioFn::CurrentTask => {
            let lp = loop_of(it)?;
            Ok(lp.current.lock().clone().unwrap_or_default())
        }
        AioFn::AllTasks => {
            let lp = loop_of(it)?;
            let mut d = super::value::Dict::default();
            for t in lp.tasks.lock().iter().filter(|t| !fut_done(t)) {
                d.set(t.clone(), V::None).or_else(type_err)?;
            }
            Ok(V::Set(Arc::new(Mutex::new(d))))
        }
        AioFn::Iscoroutine => {
            let v = pos.into_iter().next().unwrap_or_default();
            Ok(V::Bool(matches!(&v, V::Native(n) if matches!(&**n, Native::Gen(g) if g.is_coroutine()))))
        }
        AioFn::Lock => Ok(prim(Prim::new(PrimKind::Lock, 0))),
        AioFn::Event => Ok(prim(Prim::new(PrimKind::Event, 0))),
        AioFn::Semaphore | AioFn::BoundedSemaphore => {
            let v = libobj::arg(&pos, &mut kw, 0, "value").unwrap_or(V::Int(1));
            let Some(v) = v.as_int() else { return type_err("'value' must be an int") };
            if v < 0 {
                return raise("ValueError", "Semaphore initial value must be >= 0");
            }
            let bounded = (f == AioFn::BoundedSemaphore).then_some(v);
            Ok(prim(Prim::new(PrimKind::Semaphore { bounded }, v)))
        }
        AioFn::Queue | AioFn::LifoQueue | AioFn::PriorityQueue => {
            let m = libobj::arg(&pos, &mut kw, 0, "maxsize").unwrap_or(V::Int(0));
            let Some(maxsize) = m.as_int() else { return type_err("'maxsize' must be an int") };
            let order = match f {
                AioFn::LifoQueue => QOrder::Lifo,
                AioFn::PriorityQueue => QOrder::Priority,
                _ => QOrder::Fifo,
            };
            Ok(prim(Prim::new_queue(PrimKind::Queue { maxsize }, 0, order)))
        }
        AioFn::RunCoroutineThreadsafe => {
            // `run_coroutine_threadsafe(coro, loop)`: from any thread, the coroutine becomes a
            // task of that loop; the caller gets a concurrent.futures.Future of its result.
            let coro = libobj::arg(&pos, &mut kw, 0, "coro").unwrap_or_default();
            let lp_v = libobj::arg(&pos, &mut kw, 1, "loop").unwrap_or_default();
            if !is_coroutine(&coro) {
                return type_err("A coroutine object is required");
            }
            let lp = match &lp_v {
                V::Native(n) => match &**n {
                    Native::Aio(Obj::Loop(lp)) => lp.clone(),
                    _ => return type_err("loop must be an asyncio event loop"),
                },
                _ => return type_err("loop must be an asyncio event loop"),
            };
            let cf = super::stdlib::standalone_future(it, format!("future of {}()", coro_qualname(&coro)));
            lp.call_soon(aio_fn(AioFn::ThreadsafeStart, vec![coro, cf.clone()]), Vec::new());
            if let Some(e) = lp.idle.lock().clone() {
                e.set(it.ctx);
            }
            Ok(cf)
        }
        AioFn::ThreadsafeStart => {
            let [coro, cf] = <[V; 2]>::try_from(pos).unwrap_or_default();
            let lp = loop_of(it)?;
            let task = create_task(it, &lp, coro, None)?;
            if let Some(t) = as_fut(&task) {
                t.add_done_callback(&task, aio_fn(AioFn::ThreadsafeDone, vec![cf]));
            }
            Ok(V::None)
        }
        AioFn::ThreadsafeDone => {
            let [cf, task] = <[V; 2]>::try_from(pos).unwrap_or_default();
            let Some(t) = as_fut(&task) else { return Ok(V::None) };
            let r = {
                let mut st = t.st.lock();
                st.retrieved = true;
                match (st.state, &st.exception) {
                    (State::Cancelled, _) => Err(new_cancelled()),
                    (_, Some(e)) => Err(e.clone()),
                    _ => Ok(st.result.clone()),
                }
            };
            super::stdlib::finish_standalone(it, &cf, r)?;
            Ok(V::None)
        }
        AioFn::Barrier => {
            let n = libobj::arg(&pos, &mut kw, 0, "parties").unwrap_or_default();
            let Some(parties) = n.as_int() else { return type_err("'parties' must be an int") };
            if parties < 1 {
                return raise("ValueError", "parties must be > 0");
            }
            Ok(prim(Prim::new(PrimKind::Barrier { parties }, 0)))
        }
        AioFn::Future => {
            let lp = loop_of(it)?;
            Ok(fut_value(new_fut(&lp, None, "Future".into())))
        }
        AioFn::Step => {
            let mut pos = pos.into_iter();
            let task = pos.next().unwrap_or_default();
            let e = pos.next().filter(|e| !matches!(e, V::None));
            task_step(it, &task, e).map(|_| V::None)
        }
        AioFn::Wakeup => {
            let [task, fut] = <[V; 2]>::try_from(pos).unwrap_or_default();
            task_wakeup(it, &task, &fut).map(|_| V::None)
        }
        AioFn::SetResultUnlessCancelled => {
            let [fut, value] = <[V; 2]>::try_from(pos).unwrap_or_default();
            if let Some(f) = as_fut(&fut)
                && !f.done()
            {
                f.set_result(&fut, value)?;
            }
            Ok(V::None)
        }
        AioFn::ReleaseWaiter => {
            let waiter = pos.into_iter().next().unwrap_or_default();
            if let Some(f) = as_fut(&waiter)
                && !f.done()
            {
                f.set_result(&waiter, V::None)?;
            }
            Ok(V::None)
        }
        AioFn::GatherDone => {
            let [outer_v, child] = <[V; 2]>::try_from(pos).unwrap_or_default();
            gather_done(&outer_v, &child).map(|_| V::None)
        }
        AioFn::TaskGroup => Ok(V::Native(Arc::new(Native::Aio(Obj::TaskGroup(Arc::new(TaskGroup {
            tasks: Mutex::new(Vec::new()),
            errors: Mutex::new(Vec::new()),
            waiter: Mutex::new(None),
            entered: AtomicBool::new(false),
            exiting: AtomicBool::new(false),
            aborting: AtomicBool::new(false),
            parent: Mutex::new(None),
            parent_cancelled: AtomicBool::new(false),
        })))))),
        AioFn::TgTaskDone => {
            let [tg_v, task] = <[V; 2]>::try_from(pos).unwrap_or_default();
            let V::Native(n) = &tg_v else { return Ok(V::None) };
            let Native::Aio(Obj::TaskGroup(tg)) = &**n else { return Ok(V::None) };
            tg.tasks.lock().retain(|t| !t.is(&task));
            let failed = match as_fut(&task) {
                Some(f) => {
                    let mut st = f.st.lock();
                    st.retrieved = true;
                    if st.state == State::Cancelled { None } else { st.exception.clone() }
                }
                None => None,
            };
            if let Some(e) = failed {
                tg.errors.lock().push(e);
                if !tg.aborting.swap(true, Ordering::AcqRel) {
                    let left: Vec<V> = tg.tasks.lock().clone();
                    for t in left {
                        cancel_any(&t)?;
                    }
                    // The body is still running: the parent task is cancelled too, and its
                    // exit turns that into the group's errors.
                    if !tg.exiting.load(Ordering::Acquire)
                        && let Some(p) = tg.parent.lock().clone()
                        && !tg.parent_cancelled.swap(true, Ordering::AcqRel)
                    {
                        cancel_any(&p)?;
                    }
                }
            }
            let none_left = tg.tasks.lock().iter().all(fut_done);
            if none_left
                && let Some(w) = tg.waiter.lock().take()
                && let Some(f) = as_fut(&w)
                && !f.done()
            {
                f.set_result(&w, V::None)?;
            }
            Ok(V::None)
        }
        AioFn::AsCompleted => {
            let fs = libobj::arg(&pos, &mut kw, 0, "fs").unwrap_or_default();
            if libobj::kwarg(&mut kw, "timeout").is_some_and(|t| !matches!(t, V::None)) {
                return raise("NotImplementedError", "as_completed(timeout=…) is not supported yet");
            }
            libobj::no_more("as_completed", &kw)?;
            let lp = loop_of(it)?;
            let items = it.to_vec(&fs)?;
            let shared = Arc::new(AsCompletedState { done: Mutex::new(VecDeque::new()), waiter: Mutex::new(None) });
            let shared_v = V::Native(Arc::new(Native::Aio(Obj::Await(Arc::new(Await {
                name: "_wait_for_one",
                st: Mutex::new(AwaitState::AsCompleted { shared: shared.clone() }),
                pending: Mutex::new(None),
            })))));
            let mut n = 0;
            for aw in items {
                let f = ensure_future(it, &lp, aw)?;
                if let Some(ff) = as_fut(&f) {
                    ff.add_done_callback(&f, aio_fn(AioFn::AsCompletedDone, vec![shared_v.clone()]));
                }
                n += 1;
            }
            let count = std::sync::atomic::AtomicUsize::new(n);
            Ok(super::itertools::lazy("generator", move |_it| {
                if count.load(Ordering::Acquire) == 0 {
                    return Ok(None);
                }
                count.fetch_sub(1, Ordering::AcqRel);
                Ok(Some(V::Native(Arc::new(Native::Aio(Obj::Await(Arc::new(Await {
                    name: "_wait_for_one",
                    st: Mutex::new(AwaitState::AsCompleted { shared: shared.clone() }),
                    pending: Mutex::new(None),
                })))))))
            }))
        }
        AioFn::AsCompletedDone => {
            let [shared_v, fut] = <[V; 2]>::try_from(pos).unwrap_or_default();
            let V::Native(n) = &shared_v else { return Ok(V::None) };
            let Native::Aio(Obj::Await(a)) = &**n else { return Ok(V::None) };
            let shared = match &*a.st.lock() {
                AwaitState::AsCompleted { shared } => shared.clone(),
                _ => return Ok(V::None),
            };
            shared.done.lock().push_back(fut);
            if let Some(w) = shared.waiter.lock().take()
                && let Some(f) = as_fut(&w)
                && !f.done()
            {
                f.set_result(&w, V::None)?;
            }
            Ok(V::None)
        }
        AioFn::Wait => {
            let fs = libobj::arg(&pos, &mut kw, 0, "fs").unwrap_or_default();
            let timeout = libobj::arg(&pos, &mut kw, 1, "timeout").unwrap_or_default();
            let rw = libobj::arg(&pos, &mut kw, 2, "return_when").unwrap_or(V::str("ALL_COMPLETED"));
            libobj::no_more("wait", &kw)?;
            let when = match &rw {
                V::Str(s) if &**s == "FIRST_COMPLETED" => ReturnWhen::First,
                V::Str(s) if &**s == "FIRST_EXCEPTION" => ReturnWhen::FirstException,
                V::Str(s) if &**s == "ALL_COMPLETED" => ReturnWhen::All,
                other => return raise("ValueError", format!("Invalid return_when value: {}", it.str_of(other)?)),
            };
            let lp = loop_of(it)?;
            let items = it.to_vec(&fs)?;
            if items.is_empty() {
                return raise("ValueError", "Set of Tasks/Futures is empty.");
            }
            let mut futs = Vec::new();
            for aw in items {
                futs.push(ensure_future(it, &lp, aw)?);
            }
            let deadline = match timeout {
                V::None => None,
                t => Some(now(it) + seconds(&t, "wait")?),
            };
            Ok(awaitable("wait", AwaitState::Wait { futs, when, deadline, started: false }))
        }
        AioFn::Timeout => {
            let d = libobj::arg(&pos, &mut kw, 0, "delay").unwrap_or_default();
            libobj::no_more("timeout", &kw)?;
            let when = match d {
                V::None => None,
                d => Some(now(it) + seconds(&d, "timeout")?),
            };
            Ok(V::Native(Arc::new(Native::Aio(Obj::Timeout(Arc::new(Timeout {
                when: Mutex::new(when),
                task: Mutex::new(None),
                handle: Mutex::new(None),
                expired: AtomicBool::new(false),
            }))))))
        }
        AioFn::TimeoutFire => {
            let tm_v = pos.into_iter().next().unwrap_or_default();
            let V::Native(n) = &tm_v else { return Ok(V::None) };
            let Native::Aio(Obj::Timeout(tm)) = &**n else { return Ok(V::None) };
            tm.expired.store(true, Ordering::Release);
            let task = tm.task.lock().clone();
            if let Some(t) = task {
                cancel_any(&t)?;
            }
            Ok(V::None)
        }
        AioFn::Shield => {
            let aw = libobj::arg(&pos, &mut kw, 0, "arg").unwrap_or_default();
            libobj::no_more("shield", &kw)?;
            let lp = loop_of(it)?;
            let inner = ensure_future(it, &lp, aw)?;
            if fut_done(&inner) {
                return Ok(inner);
            }
            let label = format!("shield({})", as_fut(&inner).map(|f| f.name.lock().clone()).unwrap_or_default());
            let outer = fut_value(new_fut(&lp, None, label));
            if let Some(f) = as_fut(&inner) {
                f.add_done_callback(&inner, aio_fn(AioFn::ShieldDone, vec![outer.clone()]));
            }
            Ok(outer)
        }
        AioFn::ShieldDone => {
            let [outer, inner] = <[V; 2]>::try_from(pos).unwrap_or_default();
            let (Some(o), Some(i)) = (as_fut(&outer), as_fut(&inner)) else { return Ok(V::None) };
            if o.done() {
                i.st.lock().retrieved = true;
                return Ok(V::None);
            }
            let (state, result, e) = {
                let mut st = i.st.lock();
                st.retrieved = true;
                (st.state, st.result.clone(), st.exception.clone())
            };
            match (state, e) {
                (State::Cancelled, _) => {
                    o.cancel_fut(&outer);
                }
                (_, Some(e)) => o.set_exception(&outer, e)?,
                _ => o.set_result(&outer, result)?,
            }
            Ok(V::None)
        }
        AioFn::Condition => {
            let lock = libobj::arg(&pos, &mut kw, 0, "lock").unwrap_or_default();
            libobj::no_more("Condition", &kw)?;
            let lock = match &lock {
                V::None => Prim::new(PrimKind::Lock, 0),
                V::Native(n) => match &**n {
                    Native::Aio(Obj::Prim(p)) if p.kind == PrimKind::Lock => p.clone(),
                    _ => return type_err("Condition(lock): lock must be an asyncio.Lock"),
                },
                _ => return type_err("Condition(lock): lock must be an asyncio.Lock"),
            };
            Ok(V::Native(Arc::new(Native::Aio(Obj::Cond(Arc::new(Cond {
                lock,
                waiters: Mutex::new(VecDeque::new()),
            }))))))
        }
    }
}

fn prim(p: Arc<Prim>) -> V {
    V::Native(Arc::new(Native::Aio(Obj::Prim(p))))
}

/// `gather`'s `_done_callback`, as CPython's.
fn gather_done(outer_v: &V, child: &V) -> R<()> {
    let Some(outer) = as_fut(outer_v) else { return Ok(()) };
    let Some(cf) = as_fut(child) else { return Ok(()) };
    let (done_now, children, return_exceptions) = {
        let mut st = outer.st.lock();
        let Some((children, done, rx)) = &mut st.gather else { return Ok(()) };
        *done += 1;
        (*done == children.len(), children.clone(), *rx)
    };
    if outer.done() {
        // gather's _done_callback: a child finishing after the outer is done has its
        // exception retrieved all the same (no "never retrieved" report).
        cf.st.lock().retrieved = true;
        return Ok(());
    }
    if !return_exceptions {
        let (state, exc_v) = {
            let mut st = cf.st.lock();
            st.retrieved = true;
            (st.state, st.exception.clone())
        };
        if state == State::Cancelled {
            return outer.set_exception(outer_v, new_cancelled());
        }
        if let Some(e) = exc_v {
            return outer.set_exception(outer_v, e);
        }
    }
    if done_now {
        let mut results = Vec::new();
        for c in &children {
            let Some(f) = as_fut(c) else { continue };
            let mut st = f.st.lock();
            st.retrieved = true;
            results.push(match (st.state, &st.exception) {
                (State::Cancelled, _) => new_cancelled(),
                (_, Some(e)) => e.clone(),
                _ => st.result.clone(),
            });
        }
        if outer.st.lock().cancel_requested {
            return outer.set_exception(outer_v, new_cancelled());
        }
        outer.set_result(outer_v, V::list(results))?;
    }
    Ok(())
}

/// Submit `func(*args)` to the loop's default thread pool; the loop future it returns is
/// completed when the pool's future is (the loop polls it).
fn run_in_executor(it: &mut Interp<'_>, lp: &Arc<Loop>, args: Vec<V>, kw: Kw) -> R<V> {
    let ex = lp.executor.lock().clone();
    let ex = match ex {
        Some(e) => e,
        None => {
            let ctor = super::stdlib::module_attr("concurrent.futures", "ThreadPoolExecutor")
                .ok_or(())
                .or_else(|_| raise("RuntimeError", "no thread pool"))?;
            let e = it.call(&ctor, Vec::new(), vec![(Arc::from("thread_name_prefix"), V::str("asyncio"))])?;
            *lp.executor.lock() = Some(e.clone());
            e
        }
    };
    let what = match args.first() {
        Some(V::Func(f)) => format!("to_thread({})", f.def.name),
        _ => "to_thread".to_string(),
    };
    let cfut = it.call_method(&ex, "submit", args, kw)?;
    let fut = fut_value(new_fut(lp, None, what));
    lp.external.lock().push((cfut, fut.clone()));
    Ok(fut)
}

/// Move finished thread-pool results into their loop futures.
fn poll_external(it: &mut Interp<'_>, lp: &Arc<Loop>) -> R<()> {
    let pending = std::mem::take(&mut *lp.external.lock());
    let mut still = Vec::new();
    for (cfut, fut) in pending {
        let done = it.call_method(&cfut, "done", Vec::new(), Vec::new())?;
        if !done.truthy() {
            still.push((cfut, fut));
            continue;
        }
        let Some(f) = as_fut(&fut) else { continue };
        if f.done() {
            continue;
        }
        match it.call_method(&cfut, "result", Vec::new(), Vec::new()) {
            Ok(v) => f.set_result(&fut, v)?,
            Err(Flow::Exc(e)) => f.set_exception(&fut, e.value)?,
            Err(other) => return Err(other),
        }
    }
    lp.external.lock().extend(still);
    Ok(())
}

/// `asyncio.run(main)`: a new loop runs `main` as a task to its end, then cancels the
/// tasks left and shuts the default executor down.
fn run(it: &mut Interp<'_>, coro: V) -> R<V> {
    if it.aio.is_some() {
        return raise("RuntimeError", "asyncio.run() cannot be called from a running event loop");
    }
    if !is_coroutine(&coro) {
        return raise("ValueError", format!("a coroutine was expected, got {}", it.repr_of(&coro)?));
    }
    let lp = Loop::new();
    it.aio = Some(lp.clone());
    let r = run_main(it, &lp, coro);
    let shutdown = shutdown(it, &lp);
    report_unretrieved(it, &lp);
    it.aio = None;
    lp.closed.store(true, Ordering::Release);
    let v = r?;
    shutdown?;
    Ok(v)
}

fn run_main(it: &mut Interp<'_>, lp: &Arc<Loop>, coro: V) -> R<V> {
    let main = create_task(it, lp, coro, None)?;
    run_until(it, lp, || fut_done(&main))?;
    match as_fut(&main) {
        Some(f) => f.result(),
        None => Ok(V::None),
    }
}

/// A task that failed and whose exception nobody looked at: CPython logs it when the task
/// is collected — here when the loop it ran on is done — as `Task exception was never
/// retrieved`, with the traceback.
fn report_unretrieved(it: &mut Interp<'_>, lp: &Arc<Loop>) {
    let tasks: Vec<V> = lp.tasks.lock().clone();
    for t in tasks {
        let Some(f) = as_fut(&t) else { continue };
        let (e, tb) = {
            let st = f.st.lock();
            match (&st.exception, st.retrieved) {
                (Some(e), false) => (e.clone(), st.exc_tb.clone()),
                _ => continue,
            }
        };
        let (qualname, line) = match f.coro.as_ref() {
            Some(V::Native(n)) => match &**n {
                Native::Gen(g) => (g.qualname.to_string(), g.def_line()),
                _ => (String::new(), None),
            },
            _ => (String::new(), None),
        };
        let defined = line.map(|l| format!(", defined at {}:{l}", it.w.prog.file)).unwrap_or_default();
        let header = format!(
            "Task exception was never retrieved\nfuture: <Task finished name='{}' coro=<{qualname}() done{defined}> exception={}>",
            f.name.lock(),
            exc::exc_repr(it, &e)
        );
        let lines = super::traceback_lines(it, &Exc { value: e, tb }, Some(header), false);
        for l in lines {
            it.w.write_out(it.ctx, &format!("{l}\n"), true);
        }
    }
}

/// CPython's `_cancel_all_tasks` and `shutdown_default_executor`.
fn shutdown(it: &mut Interp<'_>, lp: &Arc<Loop>) -> R<()> {
    let left: Vec<V> = lp.tasks.lock().iter().filter(|t| !fut_done(t)).cloned().collect();
    if !left.is_empty() {
        for t in &left {
            cancel_any(t)?;
        }
        run_until(it, lp, || left.iter().all(fut_done))?;
    }
    let ex = lp.executor.lock().take();
    if let Some(ex) = ex {
        it.call_method(&ex, "shutdown", vec![V::Bool(true)], Vec::new())?;
    }
    Ok(())
}

/// Run the loop until `done()`.
fn run_until(it: &mut Interp<'_>, lp: &Arc<Loop>, done: impl Fn() -> bool) -> R<()> {
    loop {
        if done() {
            return Ok(());
        }
        it.ctx.check().map_err(Flow::from)?;
        if !lp.external.lock().is_empty() {
            poll_external(it, lp)?;
        }
        // Timers that are due join the ready queue, by deadline then by order made.
        let t = now(it);
        let due: Vec<(V, Vec<V>)> = {
            let mut timers = lp.timers.lock();
            timers.retain(|x| !x.cancelled.load(Ordering::Acquire));
            timers.sort_by(|a, b| a.when.total_cmp(&b.when).then(a.seq.cmp(&b.seq)));
            let n = timers.iter().take_while(|x| x.when <= t).count();
            timers.drain(..n).map(|x| (x.cb, x.args)).collect()
        };
        lp.ready.lock().extend(due);
        let n = lp.ready.lock().len();
        if n == 0 {
            let next = lp.timers.lock().iter().map(|x| x.when).reduce(f64::min);
            let external = !lp.external.lock().is_empty();
            // Idle as in `select`: until the next timer, in slices while threads work,
            // or (nothing can ever wake it) until the run is stopped, as CPython would hang.
            let wait_s = match (next, external) {
                (Some(w), false) => (w - t).max(0.0),
                (Some(w), true) => (w - t).clamp(0.0, 0.001),
                (None, true) => 0.001,
                (None, false) => {
                    // Every task waits on something no timer, thread result or callback will
                    // bring: CPython would wait in `select` forever. Wait where the watchdog
                    // sees it, so a program that can never go on is reported as a deadlock.
                    let ev = idle_event(it, lp);
                    ev.wait(it.ctx, None).map_err(Flow::from)?;
                    ev.clear(it.ctx);
                    continue;
                }
            };
            it.ctx.sleep(wait_s * 1e3, false).map_err(Flow::from)?;
            continue;
        }
        record_readied(it, lp);
        for k in 0..n {
            // A controlled run chooses which of the batch's callbacks runs first (FIFO, as
            // CPython, by default): another order is what other I/O timing would give.
            let pick = match it.ctx.shared.control() {
                Some(c) if n - k >= 2 => {
                    let options: Vec<(String, u32)> =
                        lp.ready.lock().iter().take(n - k).map(|(cb, _)| ready_option(cb)).collect();
                    c.choose_ready(it.ctx, &options).map_err(Flow::from)?
                }
                _ => 0,
            };
            let Some((cb, args)) = lp.ready.lock().remove(pick) else { break };
            match it.call(&cb, args, Vec::new()) {
                Ok(_) => {}
                Err(Flow::Exc(e)) => {
                    // CPython's default exception handler logs and the loop goes on.
                    let header = format!("Exception in callback {}", it.repr_of(&cb)?);
                    let lines = super::traceback_lines(it, &e, Some(header), false);
                    for l in lines {
                        it.w.write_out(it.ctx, &format!("{l}\n"), true);
                    }
                }
                Err(other) => return Err(other),
            }
            record_readied(it, lp);
        }
    }
}

/// What a ready callback runs, in words, and the line it resumes at: a task's step as
/// `Task-2 (withdraw)` at the line its coroutine waits at; anything else by its repr.
fn ready_option(cb: &V) -> (String, u32) {
    if let V::Native(n) = cb
        && let Native::Partial(_, bound, _) = &**n
        && let Some(task) = bound.first().and_then(as_fut)
    {
        let name = task.name.lock().clone();
        let coro = task.coro.as_ref().map(coro_qualname).unwrap_or_default();
        let line = match task.coro.as_ref() {
            Some(V::Native(c)) => match &**c {
                Native::Gen(g) => g.suspended_line(),
                _ => 0,
            },
            _ => 0,
        };
        return (if coro.is_empty() { name } else { format!("{name} ({coro})") }, line);
    }
    (format!("{cb:?}"), 0)
}

/// The loop's idle event, made the first time it is needed.
fn idle_event(it: &mut Interp<'_>, lp: &Arc<Loop>) -> Arc<threadline_runtime::sync::Event> {
    if let Some(e) = lp.idle.lock().clone() {
        return e;
    }
    let thread = it.ctx.shared.thread_meta(it.ctx.tid).map(|m| m.name).unwrap_or_default();
    let res = super::stdlib::new_resource(
        it,
        format!("event loop of {thread}"),
        threadline_model::model::ResourceKind::Event,
        0,
    );
    let e = Arc::new(threadline_runtime::sync::Event::new(res));
    it.ctx.shared.register(e.clone());
    *lp.idle.lock() = Some(e.clone());
    e
}

/// Record the tasks callbacks made ready (in the order their wake-ups were scheduled).
fn record_readied(it: &mut Interp<'_>, lp: &Arc<Loop>) {
    let ready = std::mem::take(&mut *lp.readied.lock());
    for (task, by) in ready {
        it.ctx.record(EventKind::AioTaskReady { task, by });
    }
}

/// A method of an `asyncio` object.
pub fn method(it: &mut Interp<'_>, obj: &V, o: &Obj, name: &str, pos: Vec<V>, mut kw: Kw) -> R<V> {
    match o {
        Obj::Prim(p) => prim_method(it, p, name, pos, kw),
        Obj::Wrapped(_) => raise("AttributeError", format!("'_AsyncGenWrappedValue' object has no attribute '{name}'")),
        Obj::TaskGroup(tg) => match name {
            "__aenter__" => {
                if tg.entered.swap(true, Ordering::AcqRel) {
                    return raise("RuntimeError", "TaskGroup has already been entered");
                }
                *tg.parent.lock() = loop_of(it)?.current.lock().clone();
                Ok(awaitable("__aenter__", AwaitState::Ready(obj.clone())))
            }
            "__aexit__" => {
                tg.exiting.store(true, Ordering::Release);
                let mut pos = pos.into_iter();
                let et = pos.next().unwrap_or_default();
                let ev = pos.next().unwrap_or_default();
                let cancelled = matches!(&et, V::Class(c) if c.is_sub(&cancelled_class()));
                // The body's own exception is one of the group's errors (not a cancellation).
                if !matches!(et, V::None) && !cancelled {
                    tg.errors.lock().push(ev);
                }
                if !matches!(et, V::None) {
                    // The body raised: the group's tasks are cancelled.
                    if !tg.aborting.swap(true, Ordering::AcqRel) {
                        let left: Vec<V> = tg.tasks.lock().clone();
                        for t in left {
                            cancel_any(&t)?;
                        }
                    }
                }
                Ok(awaitable("__aexit__", AwaitState::TgExit { tg: tg.clone() }))
            }
            "create_task" => {
                if !tg.entered.load(Ordering::Acquire) {
                    return raise("RuntimeError", "TaskGroup has not been entered");
                }
                if tg.exiting.load(Ordering::Acquire) && tg.tasks.lock().iter().all(fut_done) {
                    return raise("RuntimeError", "TaskGroup is finished");
                }
                let coro = libobj::arg(&pos, &mut kw, 0, "coro").unwrap_or_default();
                let tname = libobj::kwarg(&mut kw, "name");
                let lp = loop_of(it)?;
                let t = create_task(it, &lp, coro, tname)?;
                tg.tasks.lock().push(t.clone());
                if let Some(f) = as_fut(&t) {
                    f.add_done_callback(&t, aio_fn(AioFn::TgTaskDone, vec![obj.clone()]));
                }
                Ok(t)
            }
            _ => raise("AttributeError", format!("'TaskGroup' object has no attribute '{name}'")),
        },
        Obj::Timeout(tm) => match name {
            "__aenter__" => {
                let lp = loop_of(it)?;
                let Some(task) = lp.current.lock().clone() else {
                    return raise("RuntimeError", "Timeout should be used inside a task");
                };
                *tm.task.lock() = Some(task);
                if let Some(w) = *tm.when.lock() {
                    *tm.handle.lock() = Some(lp.call_at(w, aio_fn(AioFn::TimeoutFire, vec![obj.clone()]), Vec::new()));
                }
                Ok(awaitable("__aenter__", AwaitState::Ready(obj.clone())))
            }
            "__aexit__" => {
                if let Some(h) = tm.handle.lock().take() {
                    h.store(true, Ordering::Release);
                }
                let et = pos.into_iter().next().unwrap_or_default();
                let cancelled = matches!(&et, V::Class(c) if c.is_sub(&cancelled_class()));
                if tm.expired.load(Ordering::Acquire) && cancelled {
                    return Err(exc_flow(exc::new_exc("TimeoutError", String::new())));
                }
                Ok(awaitable("__aexit__", AwaitState::Ready(V::None)))
            }
            "expired" => Ok(V::Bool(tm.expired.load(Ordering::Acquire))),
            "when" => Ok(tm.when.lock().map_or(V::None, V::Float)),
            "reschedule" => {
                let w = pos.into_iter().next().unwrap_or_default();
                let when = match w {
                    V::None => None,
                    w => Some(seconds(&w, "reschedule")?),
                };
                *tm.when.lock() = when;
                if let Some(h) = tm.handle.lock().take() {
                    h.store(true, Ordering::Release);
                }
                if let Some(w) = when {
                    let lp = loop_of(it)?;
                    *tm.handle.lock() = Some(lp.call_at(w, aio_fn(AioFn::TimeoutFire, vec![obj.clone()]), Vec::new()));
                }
                Ok(V::None)
            }
            _ => raise("AttributeError", format!("'Timeout' object has no attribute '{name}'")),
        },
        Obj::Cond(c) => match name {
            "acquire" | "__aenter__" | "release" | "locked" | "__aexit__" => prim_method(it, &c.lock, name, pos, kw),
            "wait" => {
                Ok(awaitable("wait", AwaitState::CondWait { cond: c.clone(), phase: 0, fut: None, pending: None }))
            }
            "wait_for" => {
                let predicate = libobj::arg(&pos, &mut kw, 0, "predicate").unwrap_or_default();
                Ok(awaitable("wait_for", AwaitState::CondWaitFor { cond: c.clone(), predicate, inner: None }))
            }
            "notify" | "notify_all" => {
                if c.lock.st.lock().value == 0 {
                    return raise("RuntimeError", "cannot notify on un-acquired lock");
                }
                let n = if name == "notify_all" {
                    usize::MAX
                } else {
                    libobj::arg(&pos, &mut kw, 0, "n").and_then(|v| v.as_int()).unwrap_or(1).max(0) as usize
                };
                let ws: Vec<V> = c.waiters.lock().iter().cloned().collect();
                let mut woken = 0;
                for w in ws {
                    if woken >= n {
                        break;
                    }
                    if let Some(f) = as_fut(&w)
                        && !f.done()
                    {
                        woken += 1;
                        f.set_result(&w, V::Bool(false))?;
                    }
                }
                Ok(V::None)
            }
            _ => raise("AttributeError", format!("'Condition' object has no attribute '{name}'")),
        },
        Obj::Await(a) => match name {
            "send" => match step_await(it, a, Resume::Send(pos.into_iter().next().unwrap_or_default()))? {
                Out::Yield(v) => Ok(v),
                Out::Return(v) => frame::stop_iteration(v),
            },
            "close" => Ok(V::None),
            "__await__" => Ok(obj.clone()),
            _ => raise("AttributeError", format!("'coroutine' object has no attribute '{name}'")),
        },
        Obj::Handle(h) => match name {
            "cancel" => {
                h.store(true, Ordering::Release);
                Ok(V::None)
            }
            "cancelled" => Ok(V::Bool(h.load(Ordering::Acquire))),
            _ => raise("AttributeError", format!("'TimerHandle' object has no attribute '{name}'")),
        },
        Obj::Loop(lp) => match name {
            "time" => Ok(V::Float(now(it))),
            "call_soon" | "call_soon_threadsafe" => {
                let mut pos = pos.into_iter();
                let cb = pos.next().unwrap_or_default();
                lp.call_soon(cb, pos.collect());
                if let Some(e) = lp.idle.lock().clone() {
                    e.set(it.ctx);
                }
                Ok(V::Native(Arc::new(Native::Aio(Obj::Handle(Arc::new(AtomicBool::new(false)))))))
            }
            "call_later" | "call_at" => {
                let mut pos = pos.into_iter();
                let d = seconds(&pos.next().unwrap_or_default(), name)?;
                let cb = pos.next().unwrap_or_default();
                let when = if name == "call_later" { now(it) + d } else { d };
                let h = lp.call_at(when, cb, pos.collect());
                Ok(V::Native(Arc::new(Native::Aio(Obj::Handle(h)))))
            }
            "create_future" => Ok(fut_value(new_fut(lp, None, "Future".into()))),
            "create_task" => {
                let coro = libobj::arg(&pos, &mut kw, 0, "coro").unwrap_or_default();
                let name = libobj::kwarg(&mut kw, "name");
                create_task(it, lp, coro, name)
            }
            "run_in_executor" => {
                let mut pos = pos.into_iter();
                let executor = pos.next().unwrap_or_default();
                if !matches!(executor, V::None) {
                    let cfut = it.call_method(&executor, "submit", pos.collect(), kw)?;
                    let fut = fut_value(new_fut(lp, None, "run_in_executor".into()));
                    lp.external.lock().push((cfut, fut.clone()));
                    return Ok(fut);
                }
                run_in_executor(it, lp, pos.collect(), kw)
            }
            "is_running" => Ok(V::Bool(!lp.closed.load(Ordering::Acquire))),
            "is_closed" => Ok(V::Bool(lp.closed.load(Ordering::Acquire))),
            _ => raise("AttributeError", format!("'_UnixSelectorEventLoop' object has no attribute '{name}'")),
        },
        Obj::Fut(f) => match name {
            "done" => Ok(V::Bool(f.done())),
            "cancelled" => Ok(V::Bool(f.st.lock().state == State::Cancelled)),
            "result" => f.result(),
            "exception" => {
                let mut st = f.st.lock();
                st.retrieved = true;
                match st.state {
                    State::Cancelled => Err(exc_flow(new_cancelled())),
                    State::Pending => {
                        drop(st);
                        libobj::raise_in(&invalid_state_class(), "Exception is not set.")
                    }
                    State::Finished => Ok(st.exception.clone().unwrap_or_default()),
                }
            }
            "cancel" => cancel_any(obj).map(V::Bool),
            "set_result" => f.set_result(obj, pos.into_iter().next().unwrap_or_default()).map(|_| V::None),
            "set_exception" => {
                let e = pos.into_iter().next().unwrap_or_default();
                let e = match &e {
                    V::Class(_) => it.call(&e, Vec::new(), Vec::new())?,
                    _ => e,
                };
                f.set_exception(obj, e).map(|_| V::None)
            }
            "add_done_callback" => {
                f.add_done_callback(obj, pos.into_iter().next().unwrap_or_default());
                Ok(V::None)
            }
            "get_name" => Ok(V::str(f.name.lock().clone())),
            "set_name" => {
                let n = pos.into_iter().next().unwrap_or_default();
                *f.name.lock() = it.str_of(&n)?;
                Ok(V::None)
            }
            "get_coro" => Ok(f.coro.clone().unwrap_or_default()),
            "get_loop" => Ok(V::Native(Arc::new(Native::Aio(Obj::Loop(f.lp.clone()))))),
            "__await__" | "__iter__" => Ok(await_iter(obj).unwrap_or_default()),
            _ => raise("AttributeError", format!("'{}' object has no attribute '{name}'", o.type_name())),
        },
    }
}

/// Attributes that are values, not methods.
pub fn attr(o: &Obj, name: &str) -> Option<V> {
    match (o, name) {
        (Obj::Prim(p), "maxsize") => match p.kind {
            PrimKind::Queue { maxsize } => Some(V::Int(maxsize)),
            _ => None,
        },
        (Obj::Prim(p), "_value") => Some(V::Int(p.st.lock().value)),
        (Obj::Prim(p), "parties") => match p.kind {
            PrimKind::Barrier { parties } => Some(V::Int(parties)),
            _ => None,
        },
        (Obj::Prim(p), "n_waiting") if matches!(p.kind, PrimKind::Barrier { .. }) => Some(V::Int(p.st.lock().value)),
        (Obj::Prim(p), "broken") if matches!(p.kind, PrimKind::Barrier { .. }) => Some(V::Bool(false)),
        _ => None,
    }
}
