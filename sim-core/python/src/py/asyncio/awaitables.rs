//! The awaitables the library hands out (`sleep`, `gather`, `wait_for`, `wait`,
//! `as_completed`, `TaskGroup`, `timeout`, conditions, async generators' methods) as state
//! machines a task steps.

use super::*;

// ------------------------------------------------------------------ awaitables

/// What an `await` of a native awaitable does next.
pub(crate) enum AwaitState {
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
    pub(crate) done: Mutex<VecDeque<V>>,
    pub(crate) waiter: Mutex<Option<V>>,
}

/// An `asyncio.TaskGroup`.
pub struct TaskGroup {
    pub(crate) tasks: Mutex<Vec<V>>,
    pub(crate) errors: Mutex<Vec<V>>,
    pub(crate) waiter: Mutex<Option<V>>,
    pub(crate) entered: AtomicBool,
    pub(crate) exiting: AtomicBool,
    pub(crate) aborting: AtomicBool,
    /// The task whose `async with` entered it.
    pub(crate) parent: Mutex<Option<V>>,
    /// A failing task cancelled the parent (whose body was still running).
    pub(crate) parent_cancelled: AtomicBool,
}

/// `asyncio.timeout(delay)`.
pub struct Timeout {
    pub(crate) when: Mutex<Option<f64>>,
    pub(crate) task: Mutex<Option<V>>,
    pub(crate) handle: Mutex<Option<Arc<AtomicBool>>>,
    pub(crate) expired: AtomicBool,
}

/// An `asyncio.Condition`: its lock and its waiters.
pub struct Cond {
    pub(crate) lock: Arc<Prim>,
    pub(crate) waiters: Mutex<VecDeque<V>>,
}

/// An awaitable that a native function returned (`asyncio.sleep(1)`, `lock.acquire()`).
pub struct Await {
    pub(crate) name: &'static str,
    pub(crate) st: Mutex<AwaitState>,
    /// An exception to raise once the wait it interrupted is wound up (a cancelled
    /// `wait_for` waiting for its inner task, a cancelled `TaskGroup` exit).
    pub(crate) pending: Mutex<Option<Box<Exc>>>,
}

pub(crate) fn awaitable(name: &'static str, st: AwaitState) -> V {
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

pub(crate) fn step_await(it: &mut Interp<'_>, a: &Arc<Await>, how: Resume) -> R<Out> {
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
            // As CPython's: `ExceptionGroup('unhandled errors in a TaskGroup', errors)`.
            let msg = V::str("unhandled errors in a TaskGroup");
            let eg = exc::instance(exc::class("ExceptionGroup"), vec![msg.clone(), V::list(errors.clone())]);
            if let V::Inst(i) = &eg {
                let mut d = i.dict.lock();
                d.insert(Arc::from("message"), msg);
                d.insert(Arc::from("exceptions"), V::tuple(errors));
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
                    let mut d = crate::py::value::Dict::default();
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
pub(crate) fn wait_for_throw(it: &mut Interp<'_>, a: &Arc<Await>, e: Box<Exc>) -> Result<R<Out>, Box<Exc>> {
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
pub(crate) fn tg_throw(it: &mut Interp<'_>, a: &Arc<Await>, e: Box<Exc>) -> Result<R<Out>, Box<Exc>> {
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
pub(crate) fn cond_acquire(it: &mut Interp<'_>, a: &Arc<Await>, cond: &Arc<Cond>, waited: Option<&V>) -> R<Out> {
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
pub(crate) fn cond_throw(it: &mut Interp<'_>, a: &Arc<Await>, e: Box<Exc>) -> Result<R<Out>, Box<Exc>> {
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
pub(crate) fn agen_resume(it: &mut Interp<'_>, a: &Arc<Await>, agen: &V, how: Resume, close: bool) -> R<Out> {
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
pub(crate) fn wait_for_step(it: &mut Interp<'_>, a: &Arc<Await>) -> R<Out> {
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
pub(crate) fn cancel_and_wait(lp: &Arc<Loop>, fut: &V) -> R<Out> {
    let label = format!("{} to finish cancelling", as_fut(fut).map(|f| f.name.lock().clone()).unwrap_or_default());
    let w = fut_value(new_fut(lp, None, label));
    if let Some(f) = as_fut(fut) {
        f.add_done_callback(fut, aio_fn(AioFn::ReleaseWaiter, vec![w.clone()]));
    }
    cancel_any(fut)?;
    Ok(Out::Yield(w))
}
