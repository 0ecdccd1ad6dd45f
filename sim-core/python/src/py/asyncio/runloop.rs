//! The event loop and running it: timers, the ready queue and its controlled choice,
//! `asyncio.run` from start to shutdown, threads waking an idle loop, executor jobs.

use super::*;

// ------------------------------------------------------------------ the loop

pub(crate) struct Timer {
    pub(crate) when: f64,
    pub(crate) seq: u64,
    pub(crate) cb: V,
    pub(crate) args: Vec<V>,
    pub(crate) cancelled: Arc<AtomicBool>,
}

/// An event loop.
pub struct Loop {
    pub(crate) ready: Mutex<VecDeque<(V, Vec<V>)>>,
    pub(crate) timers: Mutex<Vec<Timer>>,
    pub(crate) seq: AtomicU64,
    pub(crate) current: Mutex<Option<V>>,
    /// Work in threads whose results come back as futures of this loop: (thread-pool
    /// future, loop future).
    pub(crate) external: Mutex<Vec<(V, V)>>,
    pub(crate) executor: Mutex<Option<V>>,
    pub(crate) tasks: Mutex<Vec<V>>,
    pub(crate) closed: AtomicBool,
    /// Running (`asyncio.run`, `run_until_complete`): what `is_running()` says on any thread.
    pub(crate) running: AtomicBool,
    /// Tasks a callback made ready (their wake-up scheduled), and the task that did it, to
    /// record as such.
    pub(crate) readied: Mutex<Vec<(u32, Option<u32>)>>,
    /// What the loop waits on when nothing it knows of can ever wake it (made then): only
    /// `call_soon_threadsafe` sets it. Waiting on it untimed lets the watchdog see the
    /// deadlock when no other thread can either.
    pub(crate) idle: Mutex<Option<Arc<threadline_runtime::sync::Event>>>,
}

impl std::fmt::Debug for Loop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<_UnixSelectorEventLoop running=True closed=False debug=False>")
    }
}

impl Loop {
    pub(crate) fn new() -> Arc<Loop> {
        Arc::new(Loop {
            ready: Mutex::new(VecDeque::new()),
            timers: Mutex::new(Vec::new()),
            seq: AtomicU64::new(0),
            current: Mutex::new(None),
            external: Mutex::new(Vec::new()),
            executor: Mutex::new(None),
            tasks: Mutex::new(Vec::new()),
            closed: AtomicBool::new(false),
            running: AtomicBool::new(false),
            readied: Mutex::new(Vec::new()),
            idle: Mutex::new(None),
        })
    }

    pub(crate) fn call_soon(&self, cb: V, args: Vec<V>) {
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
    pub(crate) fn current_index(&self) -> Option<u32> {
        let cur = self.current.lock().clone()?;
        let ix = as_fut(&cur)?.index.load(Ordering::Acquire);
        (ix != u32::MAX).then_some(ix)
    }

    pub(crate) fn call_at(&self, when: f64, cb: V, args: Vec<V>) -> Arc<AtomicBool> {
        let cancelled = Arc::new(AtomicBool::new(false));
        let seq = self.seq.fetch_add(1, Ordering::Relaxed);
        self.timers.lock().push(Timer { when, seq, cb, args, cancelled: cancelled.clone() });
        cancelled
    }
}

/// `loop.time()`: the monotonic clock, in seconds.
pub(crate) fn now(it: &Interp<'_>) -> f64 {
    it.w.elapsed_s(it.ctx) + 1000.0
}

pub(crate) fn loop_of(it: &Interp<'_>) -> R<Arc<Loop>> {
    match it.aio.clone() {
        Some(l) => Ok(l),
        None => raise("RuntimeError", "no running event loop"),
    }
}

/// Submit `func(*args)` to the loop's default thread pool; the loop future it returns is
/// completed when the pool's future is (the loop polls it).
pub(crate) fn run_in_executor(it: &mut Interp<'_>, lp: &Arc<Loop>, args: Vec<V>, kw: Kw) -> R<V> {
    let ex = lp.executor.lock().clone();
    let ex = match ex {
        Some(e) => e,
        None => {
            let ctor = crate::py::stdlib::module_attr("concurrent.futures", "ThreadPoolExecutor")
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
pub(crate) fn poll_external(it: &mut Interp<'_>, lp: &Arc<Loop>) -> R<()> {
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
pub(crate) fn run(it: &mut Interp<'_>, coro: V) -> R<V> {
    if it.aio.is_some() {
        return raise("RuntimeError", "asyncio.run() cannot be called from a running event loop");
    }
    if !is_coroutine(&coro) {
        return raise("ValueError", format!("a coroutine was expected, got {}", it.repr_of(&coro)?));
    }
    let lp = Loop::new();
    it.aio = Some(lp.clone());
    lp.running.store(true, Ordering::Release);
    let r = run_main(it, &lp, coro);
    lp.running.store(false, Ordering::Release);
    let shutdown = shutdown(it, &lp);
    report_unretrieved(it, &lp);
    it.aio = None;
    lp.closed.store(true, Ordering::Release);
    let v = r?;
    shutdown?;
    Ok(v)
}

pub(crate) fn run_main(it: &mut Interp<'_>, lp: &Arc<Loop>, main: V) -> R<V> {
    // A coroutine becomes a task; a future or task (`run_until_complete(gather(…))`) is run as it is.
    let main = ensure_future(it, lp, main)?;
    run_until(it, lp, || fut_done(&main))?;
    match as_fut(&main) {
        Some(f) => f.result(),
        None => Ok(V::None),
    }
}

/// A task that failed and whose exception nobody looked at: CPython logs it when the task
/// is collected — here when the loop it ran on is done — as `Task exception was never
/// retrieved`, with the traceback.
pub(crate) fn report_unretrieved(it: &mut Interp<'_>, lp: &Arc<Loop>) {
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
        let lines = crate::py::traceback_lines(it, &Exc { value: e, tb }, Some(header), false);
        for l in lines {
            it.w.write_out(it.ctx, &format!("{l}\n"), true);
        }
    }
}

/// CPython's `_cancel_all_tasks` and `shutdown_default_executor`.
pub(crate) fn shutdown(it: &mut Interp<'_>, lp: &Arc<Loop>) -> R<()> {
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
pub(crate) fn run_until(it: &mut Interp<'_>, lp: &Arc<Loop>, done: impl Fn() -> bool) -> R<()> {
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
                    let lines = crate::py::traceback_lines(it, &e, Some(header), false);
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
pub(crate) fn ready_option(cb: &V) -> (String, u32) {
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
pub(crate) fn idle_event(it: &mut Interp<'_>, lp: &Arc<Loop>) -> Arc<threadline_runtime::sync::Event> {
    if let Some(e) = lp.idle.lock().clone() {
        return e;
    }
    let thread = it.ctx.shared.thread_meta(it.ctx.tid).map(|m| m.name).unwrap_or_default();
    let res = crate::py::stdlib::new_resource(
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
pub(crate) fn record_readied(it: &mut Interp<'_>, lp: &Arc<Loop>) {
    let ready = std::mem::take(&mut *lp.readied.lock());
    for (task, by) in ready {
        it.ctx.record(EventKind::AioTaskReady { task, by });
    }
}
