//! asyncio's futures and tasks, as CPython's: states, callbacks, cancellation, a task's
//! step and wake-up, and the exception classes they raise.

use super::*;

// ------------------------------------------------------------------ exceptions

pub(crate) fn cancelled_class() -> Arc<Class> {
    static C: OnceLock<Arc<Class>> = OnceLock::new();
    C.get_or_init(|| libobj::exc_class("CancelledError", "asyncio.exceptions", "BaseException", Default::default()))
        .clone()
}

pub(crate) fn invalid_state_class() -> Arc<Class> {
    static C: OnceLock<Arc<Class>> = OnceLock::new();
    C.get_or_init(|| libobj::exc_class("InvalidStateError", "asyncio.exceptions", "Exception", Default::default()))
        .clone()
}

pub(crate) fn queue_empty_class() -> Arc<Class> {
    static C: OnceLock<Arc<Class>> = OnceLock::new();
    C.get_or_init(|| libobj::exc_class("QueueEmpty", "asyncio.queues", "Exception", Default::default())).clone()
}

pub(crate) fn queue_full_class() -> Arc<Class> {
    static C: OnceLock<Arc<Class>> = OnceLock::new();
    C.get_or_init(|| libobj::exc_class("QueueFull", "asyncio.queues", "Exception", Default::default())).clone()
}

pub(crate) fn new_cancelled() -> V {
    exc::instance(cancelled_class(), Vec::new())
}

pub(crate) fn is_cancelled_error(v: &V) -> bool {
    matches!(v, V::Inst(i) if i.class.is_sub(&cancelled_class()))
}

pub(crate) fn exc_flow(v: V) -> Flow {
    Flow::Exc(Box::new(Exc { value: v, tb: Vec::new() }))
}

// ------------------------------------------------------------------ futures and tasks

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum State {
    Pending,
    Cancelled,
    Finished,
}

pub(crate) struct FutState {
    pub(crate) state: State,
    pub(crate) result: V,
    pub(crate) exception: Option<V>,
    pub(crate) callbacks: Vec<V>,
    /// A task asked to cancel before its next step.
    pub(crate) must_cancel: bool,
    /// The future a task waits on.
    pub(crate) waiter: Option<V>,
    /// `gather`: children, how many are done, `return_exceptions`.
    pub(crate) gather: Option<(Vec<V>, usize, bool)>,
    /// The frames the exception left (for "Task exception was never retrieved").
    pub(crate) exc_tb: Vec<(u32, Arc<str>)>,
    /// Someone looked at the exception (`result()`, `exception()`, an `await`, `gather`).
    pub(crate) retrieved: bool,
    /// A gather asked to cancel: it ends cancelled once its children are done.
    pub(crate) cancel_requested: bool,
}

/// An `asyncio.Future`, or a `Task` (a future with a coroutine).
pub struct Fut {
    pub(crate) lp: Arc<Loop>,
    /// A sleep's future: when it is due (loop time).
    pub(crate) due: Mutex<Option<f64>>,
    /// A task's index in the run's task table (`u32::MAX` for a plain future).
    pub(crate) index: AtomicU32,
    pub(crate) coro: Option<V>,
    pub(crate) name: Mutex<String>,
    pub(crate) st: Mutex<FutState>,
}

impl std::fmt::Debug for Fut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<Future {}>", self.name.lock())
    }
}

pub(crate) fn new_fut(lp: &Arc<Loop>, coro: Option<V>, name: String) -> Arc<Fut> {
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

pub(crate) fn fut_value(f: Arc<Fut>) -> V {
    V::Native(Arc::new(Native::Aio(Obj::Fut(f))))
}

pub(crate) fn as_fut(v: &V) -> Option<&Arc<Fut>> {
    match v {
        V::Native(n) => match &**n {
            Native::Aio(Obj::Fut(f)) => Some(f),
            _ => None,
        },
        _ => None,
    }
}

impl Fut {
    pub(crate) fn is_task(&self) -> bool {
        self.coro.is_some()
    }

    pub(crate) fn done(&self) -> bool {
        self.st.lock().state != State::Pending
    }

    /// Schedule the done callbacks (each gets the future).
    pub(crate) fn schedule_callbacks(&self, me: &V) {
        let cbs = std::mem::take(&mut self.st.lock().callbacks);
        for cb in cbs {
            self.lp.call_soon(cb, vec![me.clone()]);
        }
    }

    pub(crate) fn set_result(&self, me: &V, v: V) -> R<()> {
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

    pub(crate) fn set_exception(&self, me: &V, e: V) -> R<()> {
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
    pub(crate) fn cancel_fut(&self, me: &V) -> bool {
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
    pub(crate) fn result(&self) -> R<V> {
        let mut st = self.st.lock();
        st.retrieved = true;
        match st.state {
            State::Cancelled => Err(exc_flow(new_cancelled())),
            State::Pending => {
                drop(st);
                libobj::raise_in(&invalid_state_class(), "Result is not set.")
            }
            // Raised again with the frames it left in the task (`exc_tb`), as CPython's
            // `__traceback__` keeps them: the traceback shows where in the coroutine it began.
            State::Finished => match &st.exception {
                Some(e) => Err(Flow::Exc(Box::new(Exc { value: e.clone(), tb: st.exc_tb.clone() }))),
                None => Ok(st.result.clone()),
            },
        }
    }

    pub(crate) fn add_done_callback(&self, me: &V, cb: V) {
        let mut st = self.st.lock();
        if st.state == State::Pending {
            st.callbacks.push(cb);
        } else {
            drop(st);
            self.lp.call_soon(cb, vec![me.clone()]);
        }
    }
}

pub(crate) fn state_word(f: &Fut) -> &'static str {
    match f.st.lock().state {
        State::Pending => "PENDING",
        State::Cancelled => "CANCELLED",
        State::Finished => "FINISHED",
    }
}

pub(crate) fn repr(f: &Fut) -> String {
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
pub(crate) fn is_coroutine(v: &V) -> bool {
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
pub(crate) fn coro_qualname(coro: &V) -> String {
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
pub(crate) fn create_task(it: &mut Interp<'_>, lp: &Arc<Loop>, coro: V, name: Option<V>) -> R<V> {
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
    it.ctx.record(EventKind::AioTaskNew {
        task: ix,
        names: Box::new(threadline_model::event::AioTaskNames { name, coro: coro_name }),
        by,
    });
    let v = fut_value(task);
    lp.tasks.lock().push(v.clone());
    lp.call_soon(aio_fn(AioFn::Step, vec![v.clone()]), Vec::new());
    Ok(v)
}

/// `ensure_future(aw)`: a future as it is, a coroutine wrapped in a task.
pub(crate) fn ensure_future(it: &mut Interp<'_>, lp: &Arc<Loop>, aw: V) -> R<V> {
    if as_fut(&aw).is_some() {
        return Ok(aw);
    }
    create_task(it, lp, aw, None)
}

/// One step of a task: resume its coroutine (throwing `exc` in, if any) until it awaits
/// a future (then wait for that future) or ends.
pub(crate) fn task_step(it: &mut Interp<'_>, task_v: &V, exc_in: Option<V>) -> R<()> {
    task_step_exc(it, task_v, exc_in.map(|value| Box::new(Exc { value, tb: Vec::new() })))
}

/// [`task_step`] with an exception that keeps the frames it left (a future's, thrown in by
/// `__wakeup`: the traceback then shows where it began).
pub(crate) fn task_step_exc(it: &mut Interp<'_>, task_v: &V, exc_in: Option<Box<Exc>>) -> R<()> {
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
            if !exc_in.as_ref().is_some_and(|e| is_cancelled_error(&e.value)) {
                exc_in = Some(Box::new(Exc { value: new_cancelled(), tb: Vec::new() }));
            }
        }
        st.waiter = None;
    }
    let coro = task.coro.clone().unwrap_or_default();
    let ix = task.index.load(Ordering::Acquire);
    it.ctx.record(EventKind::AioTaskRun { task: ix });
    let prev = task.lp.current.lock().replace(task_v.clone());
    let how = match exc_in {
        Some(e) => Resume::Throw(e),
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
pub(crate) fn step_outcome(it: &mut Interp<'_>, task: &Arc<Fut>, task_v: &V, ix: u32, r: R<Out>) -> R<()> {
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
                it.ctx.record(EventKind::AioTaskWait {
                    task: ix,
                    wait: Box::new(threadline_model::event::AioWait { on, until_ns }),
                });
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
            // The frames it left stay on it: printed in a group (a TaskGroup's) as CPython does.
            if let V::Inst(xi) = &e.value {
                let tb: Vec<V> =
                    e.tb.iter().map(|(l, n)| V::tuple(vec![V::Int(i64::from(*l)), V::str(n.clone())])).collect();
                xi.dict.lock().entry(std::sync::Arc::from("__tl_tb__")).or_insert_with(|| V::list(tb));
            }
            task.set_exception(task_v, e.value)?;
            it.ctx.record(EventKind::AioTaskEnd { task: ix, outcome });
        }
        Err(other) => return Err(other),
    }
    Ok(())
}

/// `task.cancel()` / `future.cancel()`.
pub(crate) fn cancel_any(v: &V) -> R<bool> {
    let depth = CANCEL_DEPTH.with(|d| d.get());
    if depth >= crate::py::interp::RECURSION_LIMIT {
        return raise("RecursionError", "maximum recursion depth exceeded while calling a Python object");
    }
    CANCEL_DEPTH.with(|d| d.set(depth + 1));
    let r = cancel_inner(v);
    CANCEL_DEPTH.with(|d| d.set(depth));
    r
}

pub(crate) fn cancel_inner(v: &V) -> R<bool> {
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
pub(crate) fn task_wakeup(it: &mut Interp<'_>, task_v: &V, fut: &V) -> R<()> {
    let exc_in = match as_fut(fut) {
        Some(f) => match f.result() {
            Ok(_) => None,
            Err(Flow::Exc(e)) => Some(e),
            Err(other) => return Err(other),
        },
        None => None,
    };
    task_step_exc(it, task_v, exc_in)
}
