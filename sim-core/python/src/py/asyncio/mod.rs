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

mod awaitables;
mod futures;
mod primitives;
mod runloop;

pub use awaitables::*;
pub use futures::*;
pub use primitives::*;
pub use runloop::*;

use super::exc;
use super::frame::{self, Out, Resume};
use super::interp::{Exc, Flow, Interp, R, raise, type_err};
use super::libobj::{self, Kw};
use super::stdlib::{NFn, Native};
use super::value::{Class, V};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use threadline_model::event::EventKind;
use threadline_runtime::footprint::Mutex;

thread_local! {
    /// How deep `cancel()` calls are nested on this thread: two tasks awaiting each other
    /// cancel each other's waiter forever (CPython: RecursionError), which must not
    /// overflow the Rust stack.
    static CANCEL_DEPTH: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
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
    /// `asyncio.iscoroutinefunction`.
    IsCoroutineFunction,
    /// `asyncio.get_event_loop`: the running loop, else this thread's (made on first use).
    GetEventLoop,
    /// `asyncio.new_event_loop`.
    NewEventLoop,
    /// `asyncio.set_event_loop`.
    SetEventLoop,
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
            AioFn::IsCoroutineFunction => "iscoroutinefunction",
            AioFn::GetEventLoop => "get_event_loop",
            AioFn::NewEventLoop => "new_event_loop",
            AioFn::SetEventLoop => "set_event_loop",
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
        "get_running_loop" => AioFn::GetRunningLoop,
        "get_event_loop" => AioFn::GetEventLoop,
        "new_event_loop" => AioFn::NewEventLoop,
        "set_event_loop" => AioFn::SetEventLoop,
        "iscoroutinefunction" => AioFn::IsCoroutineFunction,
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

/// The loop `get_event_loop` gives (and `gather`, `ensure_future` use outside a running
/// loop, as 3.11's do): the running loop, else this thread's own — made on first use in the
/// main thread, as the default policy does; another thread has none.
fn event_loop(it: &mut Interp<'_>) -> R<Arc<Loop>> {
    if let Some(lp) = it.aio.clone().or_else(|| it.own_loop.clone()) {
        return Ok(lp);
    }
    if it.ctx.tid != 0 {
        return raise(
            "RuntimeError",
            format!("There is no current event loop in thread '{}'.", it.w.thread_name(it.ctx.tid)),
        );
    }
    let lp = Loop::new();
    it.own_loop = Some(lp.clone());
    Ok(lp)
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
            if f == AioFn::EnsureFuture {
                let lp = event_loop(it)?;
                return ensure_future(it, &lp, coro);
            }
            let lp = loop_of(it)?;
            create_task(it, &lp, coro, name)
        }
        AioFn::Gather => {
            let return_exceptions = libobj::kwarg(&mut kw, "return_exceptions").is_some_and(|v| v.truthy());
            libobj::no_more("gather", &kw)?;
            let lp = event_loop(it)?;
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
        AioFn::IsCoroutineFunction => {
            let v = pos.into_iter().next().unwrap_or_default();
            let f = match &v {
                V::Bound(b) => b.1.clone(),
                _ => v,
            };
            Ok(V::Bool(
                matches!(&f, V::Func(func) if func.def.frame_code.as_ref().is_some_and(|c| c.kind == frame::CodeKind::Coroutine)),
            ))
        }
        // An event loop a program runs itself, as older tutorials do
        // (`loop = asyncio.get_event_loop(); loop.run_until_complete(main())`).
        AioFn::GetEventLoop => Ok(V::Native(Arc::new(Native::Aio(Obj::Loop(event_loop(it)?))))),
        AioFn::NewEventLoop => Ok(V::Native(Arc::new(Native::Aio(Obj::Loop(Loop::new()))))),
        AioFn::SetEventLoop => {
            let v = pos.into_iter().next().unwrap_or_default();
            it.own_loop = match &v {
                V::Native(n) if let Native::Aio(Obj::Loop(lp)) = &**n => Some(lp.clone()),
                V::None => None,
                other => {
                    return type_err(format!(
                        "loop must be an instance of AbstractEventLoop or None, not '{}'",
                        other.type_name()
                    ));
                }
            };
            Ok(V::None)
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
            let items = it.collect_vec(&fs)?;
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
            let items = it.collect_vec(&fs)?;
            if items.is_empty() {
                return raise("ValueError", "Set of Tasks/Futures is empty.");
            }
            // 3.11 refuses bare coroutines here (3.8–3.10 wrapped them, with a warning).
            if items.iter().any(is_coroutine) {
                return type_err("Passing coroutines is forbidden, use tasks explicitly.");
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
        let (state, exc_v, tb) = {
            let mut st = cf.st.lock();
            st.retrieved = true;
            (st.state, st.exception.clone(), st.exc_tb.clone())
        };
        if state == State::Cancelled {
            return outer.set_exception(outer_v, new_cancelled());
        }
        if let Some(e) = exc_v {
            // With the frames it left in the child, for the traceback of whoever awaits.
            outer.st.lock().exc_tb = tb;
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
            "is_running" => Ok(V::Bool(lp.running.load(Ordering::Acquire))),
            "is_closed" => Ok(V::Bool(lp.closed.load(Ordering::Acquire))),
            "run_until_complete" => {
                let aw = libobj::arg(&pos, &mut kw, 0, "future").unwrap_or_default();
                if lp.closed.load(Ordering::Acquire) {
                    return raise("RuntimeError", "Event loop is closed");
                }
                if it.aio.as_ref().is_some_and(|r| Arc::ptr_eq(r, lp)) {
                    return raise("RuntimeError", "This event loop is already running");
                }
                if it.aio.is_some() {
                    return raise("RuntimeError", "Cannot run the event loop while another loop is running");
                }
                it.aio = Some(lp.clone());
                lp.running.store(true, Ordering::Release);
                let r = run_main(it, lp, aw);
                lp.running.store(false, Ordering::Release);
                it.aio = None;
                r
            }
            "close" => {
                if it.aio.as_ref().is_some_and(|r| Arc::ptr_eq(r, lp)) {
                    return raise("RuntimeError", "Cannot close a running event loop");
                }
                if !lp.closed.swap(true, Ordering::AcqRel) {
                    report_unretrieved(it, lp);
                }
                Ok(V::None)
            }
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
