//! `concurrent.futures` and `multiprocessing.Pool`: futures, executors and their worker
//! threads, `as_completed`, `map`, shutdown.

use super::*;

/// The state of a `concurrent.futures.as_completed` iterator.
#[derive(Debug)]
pub struct AsCompleted {
    pub(crate) pending: Mutex<Vec<Arc<FutureObj>>>,
    pub(crate) deadline: Option<Instant>,
    pub(crate) total: usize,
}

/// The next finished future of an `as_completed` iterator (waiting for one), or None when
/// all have been yielded; `TimeoutError` past the deadline.
pub fn as_completed_next(it: &mut Interp<'_>, c: &AsCompleted) -> R<Option<V>> {
    let ctx = it.ctx;
    loop {
        let first = {
            let mut pending = c.pending.lock();
            if pending.is_empty() {
                return Ok(None);
            }
            if let Some(i) = pending.iter().position(|f| f.st.lock().done.is_some()) {
                return Ok(Some(V::Native(Arc::new(Native::Future(pending.remove(i))))));
            }
            if c.deadline.is_some_and(|d| ctx.now() >= d) {
                return raise("TimeoutError", format!("{} (of {}) futures unfinished", pending.len(), c.total));
            }
            pending[0].clone()
        };
        // Wait on the first pending future a little, then look at all of them again.
        let step = ctx.now() + std::time::Duration::from_millis(2);
        let until = c.deadline.map_or(step, |d| d.min(step));
        ctx.record(EventKind::ResultWait { res: first.res, task: first.task });
        ctx.blocking(WaitTarget::Resource(first.res), true, || {
            let mut st = first.st.lock();
            ctx.wait_until(&first.cv, &mut st, Some(until), |s| s.done.is_some())
        })?;
    }
}

/// A future (`concurrent.futures.Future`, `AsyncResult`).
#[derive(Debug)]
pub struct FutureObj {
    pub(crate) res: ResIx,
    pub(crate) task: u32,
    pub(crate) st: parking_lot::Mutex<FutState>,
    pub(crate) cv: threadline_runtime::cv::Cv,
}

#[derive(Debug, Default)]
pub(crate) struct FutState {
    pub(crate) done: Option<Result<V, V>>,
    pub(crate) callbacks: Vec<V>,
    /// `Pool.apply_async(callback=, error_callback=)`: called with the result or the exception.
    pub(crate) result_callbacks: Vec<(V, V)>,
    /// `map_async` results this future is a part of, finished when their last part is.
    pub(crate) batches: Vec<Arc<Batch>>,
    /// A worker has started it (`running()`; it can no longer be cancelled).
    pub(crate) running: bool,
    /// `cancel()` took it off the queue before it started: it never runs.
    pub(crate) cancelled: bool,
    /// Attributes a program set on it (`future.arg = n`, as CPython's Future allows).
    pub(crate) attrs: Attrs,
}

/// The `AsyncResult` of `Pool.map_async`/`starmap_async`: one future per item, and the
/// aggregate finished (with the list of results, or the first exception) by the worker that
/// finishes the last part — the call itself returns at once, as CPython's does.
#[derive(Debug)]
pub(crate) struct Batch {
    pub(crate) agg: Arc<FutureObj>,
    pub(crate) parts: Vec<Arc<FutureObj>>,
    /// The first exception to arrive (CPython keeps only that one), and whether the
    /// batch has been finished.
    pub(crate) st: Mutex<(Option<V>, bool)>,
}

impl Batch {
    /// After a part finished with `just`: the first exception to arrive calls
    /// `error_callback` at once; when every part is done the aggregate is finished — its
    /// `callback` first, then marked done, as CPython's `MapResult._set` does (so `get()`
    /// returns after the callback). Only one caller finishes it.
    pub(crate) fn part_done(&self, it: &mut Interp<'_>, just: Option<&Result<V, V>>) -> R<()> {
        let first_error = {
            let mut st = self.st.lock();
            match just {
                Some(Err(e)) if st.0.is_none() => {
                    st.0 = Some(e.clone());
                    true
                }
                _ => false,
            }
        };
        if first_error {
            let cbs: Vec<(V, V)> =
                self.agg.st.lock().result_callbacks.iter().map(|(_, e)| (V::None, e.clone())).collect();
            let e = self.st.lock().0.clone().unwrap_or_default();
            run_result_callbacks(it, cbs, &Err(e))?;
        }
        let mut results = Vec::with_capacity(self.parts.len());
        let mut failed = None;
        for p in &self.parts {
            match &p.st.lock().done {
                Some(Ok(v)) => results.push(v.clone()),
                Some(Err(e)) => failed = failed.or_else(|| Some(e.clone())),
                None => return Ok(()),
            }
        }
        let (err, late_error) = {
            let mut st = self.st.lock();
            if st.1 {
                return Ok(());
            }
            st.1 = true;
            // A part that raised before the batch was linked to it: its error_callback
            // has not run yet.
            match (&st.0, failed) {
                (Some(e), _) => (Some(e.clone()), false),
                (None, Some(f)) => (Some(f), true),
                (None, None) => (None, false),
            }
        };
        let r = match err {
            Some(e) => Err(e),
            None => Ok(V::list(results)),
        };
        let ran = if r.is_ok() || late_error {
            let cbs: Vec<(V, V)> = self.agg.st.lock().result_callbacks.clone();
            run_result_callbacks(it, cbs, &r)
        } else {
            Ok(())
        };
        let mut st = self.agg.st.lock();
        st.result_callbacks.clear();
        st.done = Some(r);
        self.agg.cv.notify_all();
        it.ctx.changed();
        ran
    }
}

/// A future's done callback, as `Future._invoke_callbacks` calls it: an exception it raises
/// is logged (`exception calling callback for <Future …>` and its traceback, on stderr) and
/// the worker goes on.
pub(crate) fn call_done_callback(it: &mut Interp<'_>, cb: &V, fv: &V) {
    if let Err(Flow::Exc(e)) = it.call(cb, vec![fv.clone()], Vec::new()) {
        let shown = it.repr_of(fv).unwrap_or_default();
        let lines = crate::py::traceback_lines(it, &e, Some(format!("exception calling callback for {shown}")), false);
        for l in lines {
            it.w.write_out(it.ctx, &format!("{l}\n"), true);
        }
    }
}

/// Runs `callback=` / `error_callback=` pairs with a finished result.
pub(crate) fn run_result_callbacks(it: &mut Interp<'_>, cbs: Vec<(V, V)>, done: &Result<V, V>) -> R<()> {
    for (ok, err) in cbs {
        match done {
            Ok(v) if !matches!(ok, V::None) => {
                it.call(&ok, vec![v.clone()], Vec::new())?;
            }
            Err(e) if !matches!(err, V::None) => {
                it.call(&err, vec![e.clone()], Vec::new())?;
            }
            _ => {}
        }
    }
    Ok(())
}

impl threadline_runtime::rt::Waitable for FutureObj {
    fn wake_all(&self) {
        let _g = self.st.lock();
        self.cv.notify_all();
    }
}

/// A thread pool (`ThreadPoolExecutor`) or a process pool.
pub struct ExecutorObj {
    pub(crate) res: ResIx,
    /// The process that created it (whose exit shuts it down).
    pub(crate) process: u32,
    pub(crate) max_workers: usize,
    pub(crate) prefix: String,
    pub(crate) queue: Arc<Queue<V>>,
    pub(crate) st: Mutex<ExecState>,
    pub(crate) style: PoolStyle,
    /// `initializer=` and `initargs=`: called in each worker before its first task.
    pub(crate) init: Option<(V, Vec<V>)>,
}

impl ExecutorObj {
    /// Whether its workers are processes (arguments and results cross as copies).
    fn across(&self) -> bool {
        self.style != PoolStyle::ThreadPool
    }

    /// The error a broken pool's tasks fail with (`BrokenThreadPool`, `BrokenProcessPool`).
    fn broken_error(&self) -> V {
        let (class, why) = if self.style == PoolStyle::ThreadPool {
            ("BrokenThreadPool", "A thread initializer failed, the thread pool is not usable anymore")
        } else {
            (
                "BrokenProcessPool",
                "A process in the process pool was terminated abruptly while the future was running or pending.",
            )
        };
        exc::instance(exc::class(class), vec![V::str(why)])
    }

    /// The futures submitted to it and not finished.
    pub(crate) fn pending(&self, it: &Interp<'_>) -> Vec<Arc<FutureObj>> {
        it.w.pending_futures.lock().iter().filter(|((r, _), _)| *r == self.res).map(|(_, f)| f.clone()).collect()
    }
}

/// Values as a worker process receives them, or its caller its result: pickled, so a copy
/// (identity kept within the one message).
fn pickled(vs: &[V]) -> Vec<V> {
    let mut memo = std::collections::HashMap::new();
    vs.iter().map(|v| crate::py::world::deep_copy(v, &mut memo)).collect()
}

/// The error pickling `f` for a worker process raises, if it cannot be pickled (CPython
/// pickles a function by its qualified name, looked up in its module).
fn unpicklable(it: &mut Interp<'_>, f: &V) -> R<Option<V>> {
    let V::Func(func) = f else { return Ok(None) };
    let q = &func.def.qualname;
    Ok(if q.contains("<locals>") {
        Some(exc::new_exc("AttributeError", format!("Can't pickle local object '{q}'")))
    } else if q.contains("<lambda>") {
        let repr = it.repr_of(f)?;
        Some(exc::new_exc("PicklingError", format!("Can't pickle {repr}: attribute lookup {q} on __main__ failed")))
    } else {
        None
    })
}

/// An initializer raised: logged, and the pool broken as CPython's workers leave it — every
/// task waiting in it fails with [`ExecutorObj::broken_error`], and so does every later
/// submit.
fn break_pool(it: &mut Interp<'_>, ex: &ExecutorObj, e: &crate::py::interp::Exc) {
    let lines = crate::py::traceback_lines(it, e, Some("Exception in initializer:".into()), false);
    for l in lines {
        it.w.write_out(it.ctx, &format!("{l}\n"), true);
    }
    ex.st.lock().broken = true;
    let pending = ex.pending(it);
    it.w.pending_futures.lock().retain(|(r, _), _| *r != ex.res);
    for f in pending {
        let callbacks = {
            let mut st = f.st.lock();
            st.done = Some(Err(ex.broken_error()));
            f.cv.notify_all();
            std::mem::take(&mut st.callbacks)
        };
        it.ctx.changed();
        let fv = V::Native(Arc::new(Native::Future(f)));
        for cb in callbacks {
            call_done_callback(it, &cb, &fv);
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct ExecState {
    pub(crate) workers: Vec<V>,
    pub(crate) idle: usize,
    pub(crate) tasks: u32,
    pub(crate) shutdown: bool,
    /// `Pool.close()`: no new tasks; the workers finish the queued ones.
    pub(crate) closed: bool,
    /// An initializer failed: the pool is not usable any more (CPython's `_broken`).
    pub(crate) broken: bool,
}

pub(crate) fn future_result(it: &mut Interp<'_>, f: &Arc<FutureObj>, timeout: Option<f64>, exc_only: bool) -> R<V> {
    let ctx = it.ctx;
    {
        let st = f.st.lock();
        if st.done.is_none() {
            drop(st);
            ctx.record(EventKind::ResultWait { res: f.res, task: f.task });
            let deadline = timeout.map(|ms| ctx.now() + ctx.scaled(ms));
            let got = ctx.blocking(WaitTarget::Resource(f.res), deadline.is_some(), || {
                let mut st = f.st.lock();
                ctx.wait_until(&f.cv, &mut st, deadline, |s| s.done.is_some())
            })?;
            if !got {
                return raise("TimeoutError", "");
            }
        }
    }
    let done = f.st.lock().done.clone();
    match done {
        Some(Ok(v)) => Ok(if exc_only { V::None } else { v }),
        Some(Err(e)) => {
            if exc_only {
                Ok(e)
            } else {
                Err(Flow::Exc(Box::new(crate::py::interp::Exc { value: e, tb: Vec::new() })))
            }
        }
        None => raise("TimeoutError", ""),
    }
}

pub(crate) fn submit(it: &mut Interp<'_>, ex: &Arc<ExecutorObj>, func: V, args: Vec<V>, kw: Kw) -> R<Arc<FutureObj>> {
    let ctx = it.ctx;
    let task = {
        let mut st = ex.st.lock();
        if ex.style == PoolStyle::MpPool && (st.shutdown || st.closed) {
            return raise("ValueError", "Pool not running");
        }
        if st.broken {
            return Err(Flow::Exc(Box::new(crate::py::interp::Exc { value: ex.broken_error(), tb: Vec::new() })));
        }
        if st.shutdown {
            return raise("RuntimeError", "cannot schedule new futures after shutdown");
        }
        st.tasks += 1;
        st.tasks - 1
    };
    let fname = match &func {
        V::Func(f) => f.def.name.to_string(),
        other => other.repr(),
    };
    ctx.record(EventKind::TaskSubmitted { res: ex.res, task, func: Box::from(fname) });
    let fut = Arc::new(FutureObj {
        res: ex.res,
        task,
        st: parking_lot::Mutex::new(FutState::default()),
        cv: threadline_runtime::cv::Cv::new(),
    });
    ctx.shared.register(fut.clone());
    let kwv = {
        let mut d = crate::py::value::Dict::default();
        for (k, v) in kw {
            d.set(V::str(k), v).or_else(type_err)?;
        }
        V::Dict(Arc::new(Mutex::new(d)))
    };
    let item = V::tuple(vec![V::Int(i64::from(task)), func, V::tuple(args), kwv]);
    it.w.pending_futures.lock().insert((ex.res, task), fut.clone());
    ex.queue.put(ctx, item, true, None)?;
    match ex.style {
        PoolStyle::ThreadPool => {
            // `_adjust_thread_count`: a new worker unless one is idle, up to max_workers.
            let spawn = {
                let mut st = ex.st.lock();
                if st.idle > 0 {
                    st.idle -= 1;
                    false
                } else {
                    st.workers.len() < ex.max_workers
                }
            };
            if spawn {
                spawn_worker(it, ex)?;
            }
        }
        PoolStyle::ProcessPool => {
            // `_adjust_process_count`: the first submit starts every worker process.
            while ex.st.lock().workers.len() < ex.max_workers {
                spawn_worker(it, ex)?;
            }
        }
        PoolStyle::MpPool => {}
    }
    Ok(fut)
}

pub(crate) fn spawn_worker(it: &mut Interp<'_>, ex: &Arc<ExecutorObj>) -> R<()> {
    let ctx = it.ctx;
    let n = ex.st.lock().workers.len();
    let process = ex.style != PoolStyle::ThreadPool;
    let name =
        if process { format!("{}-{}", ex.prefix, it.w.next_name_number(true)) } else { format!("{}_{n}", ex.prefix) };
    let inst = new_inst(if process { process_class() } else { thread_class() });
    let Some(tid) =
        it.w.add_thread(ctx, ThreadMeta { name, process: ctx.process, daemon: process, target: None }, &inst)
    else {
        return raise("RuntimeError", crate::py::too_many_threads());
    };
    let obj = Arc::new(ThreadObj { process: process.then(|| Mutex::new(None)), ..ThreadObj::new(tid) });
    if let V::Inst(i) = &inst {
        *i.native.lock() = InstNative::Thread(obj.clone());
    }
    if let Some(slot) = &obj.process {
        let (child, _) = it.w.fork(ctx, &it.pw, &inst, tid);
        *slot.lock() = Some(child.index);
    }
    ex.st.lock().workers.push(inst.clone());
    ctx.record(EventKind::StartThread { target: tid });
    let body = it.w.worker_body(ex.clone(), obj.clone(), &ctx.shared);
    ctx.shared.start_thread(tid, std::time::Duration::ZERO, body).map_err(|e| Flow::from(Unwind::Raise(e)))?;
    wait_started(ctx, &obj)?;
    Ok(())
}

/// A pool worker's loop: take a task, run it, set its future; `None` ends it.
pub fn worker_loop(it: &mut Interp<'_>, ex: &Arc<ExecutorObj>) -> R<()> {
    let ctx = it.ctx;
    if let Some((f, args)) = &ex.init {
        let args = if ex.across() { pickled(args) } else { args.clone() };
        if let Err(Flow::Exc(e)) = it.call(f, args, Vec::new()) {
            break_pool(it, ex, &e);
            return Ok(());
        }
    }
    loop {
        let item = ex.queue.get(ctx, true, None)?;
        let V::Tuple(t) = item else { return Ok(()) };
        let (Some(task), Some(func), Some(args), Some(kwv)) =
            (t.first().and_then(V::as_int), t.get(1).cloned(), t.get(2).cloned(), t.get(3).cloned())
        else {
            return Ok(());
        };
        let task = task as u32;
        // A future cancelled while it waited in the queue is dropped, never run.
        let queued = it.w.pending_futures.lock().get(&(ex.res, task)).cloned();
        if let Some(f) = &queued {
            let mut st = f.st.lock();
            if st.cancelled {
                drop(st);
                it.w.pending_futures.lock().shift_remove(&(ex.res, task));
                continue;
            }
            st.running = true;
        }
        ctx.record(EventKind::TaskStarted { res: ex.res, task });
        let mut args = it.collect_vec(&args)?;
        let mut kw = kwargs_of(&kwv);
        let across = ex.across();
        if across {
            // A worker process gets its arguments pickled: a copy, which the task may change
            // without the parent seeing it (the keywords' values in the same message).
            let n = args.len();
            args.extend(kw.iter().map(|(_, v)| v.clone()));
            let mut copied = pickled(&args);
            for ((_, v), c) in kw.iter_mut().zip(copied.split_off(n)) {
                *v = c;
            }
            args = copied;
        }
        // A worker process gets the function pickled, by name: a lambda or a function
        // defined inside another cannot be.
        let unpicklable = if across { unpicklable(it, &func)? } else { None };
        let r = match unpicklable {
            Some(e) => Err(e),
            None => match it.call(&func, args, kw) {
                Ok(v) => Ok(v),
                Err(Flow::Exc(e)) => Err(e.value),
                Err(other) => return Err(other),
            },
        };
        // And its result (or exception) comes back pickled: the parent's own copy.
        let r = match r {
            Ok(v) if across => Ok(pickled(&[v]).remove(0)),
            Err(e) if across => Err(pickled(&[e]).remove(0)),
            r => r,
        };
        let shown = match &r {
            Ok(v) => v.snapshot(),
            Err(e) => Value::Str(exc::to_pyerror(e).to_string()),
        };
        let fut = it.w.pending_futures.lock().shift_remove(&(ex.res, task));
        if let Some(fut) = fut {
            let (callbacks, result_callbacks, batches, done) = {
                let mut st = fut.st.lock();
                st.done = Some(r.clone());
                ctx.record(EventKind::TaskFinished { res: ex.res, task, result: Box::from(shown) });
                fut.cv.notify_all();
                (
                    std::mem::take(&mut st.callbacks),
                    std::mem::take(&mut st.result_callbacks),
                    std::mem::take(&mut st.batches),
                    r,
                )
            };
            let fv = V::Native(Arc::new(Native::Future(fut)));
            // A process pool's callbacks run in the parent (its result-handler thread in
            // CPython), against the parent's memory: an interpreter of the parent's process
            // here, on this thread.
            let mut parent;
            let cb_it: &mut Interp<'_> = if across {
                parent = Interp::new(ctx, it.w, it.w.proc(ex.process));
                &mut parent
            } else {
                it
            };
            for cb in callbacks {
                call_done_callback(cb_it, &cb, &fv);
            }
            run_result_callbacks(cb_it, result_callbacks, &done)?;
            for b in batches {
                b.part_done(cb_it, Some(&done))?;
            }
        }
        ex.st.lock().idle += 1;
    }
}

pub(crate) fn shutdown(it: &mut Interp<'_>, ex: &Arc<ExecutorObj>, wait: bool) -> R<()> {
    let ctx = it.ctx;
    let workers = {
        let mut st = ex.st.lock();
        if st.shutdown {
            return Ok(());
        }
        st.shutdown = true;
        st.workers.clone()
    };
    for _ in &workers {
        ex.queue.put(ctx, V::None, true, None)?;
    }
    if wait {
        for w in &workers {
            if let Some(t) = thread_obj(w) {
                ctx.join_thread(t.tid, None)?;
            }
        }
    }
    Ok(())
}

/// Shut down every executor this process created (leaving the program, as
/// `concurrent.futures` does at interpreter exit).
pub fn shutdown_all(it: &mut Interp<'_>) -> R<()> {
    let me = it.ctx.process;
    let exs: Vec<_> = it.w.executors.lock().iter().filter(|e| e.process == me).cloned().collect();
    for ex in exs {
        shutdown(it, &ex, true)?;
    }
    Ok(())
}

pub(crate) fn map_items(
    it: &mut Interp<'_>,
    ex: &Arc<ExecutorObj>,
    func: V,
    iters: &[V],
    star: bool,
) -> R<Vec<Arc<FutureObj>>> {
    let lists = iters.iter().map(|v| it.collect_vec(v)).collect::<R<Vec<_>>>()?;
    let n = lists.iter().map(Vec::len).min().unwrap_or(0);
    let mut futs = Vec::with_capacity(n);
    for i in 0..n {
        let args = if star { it.collect_vec(&lists[0][i])? } else { lists.iter().map(|l| l[i].clone()).collect() };
        futs.push(submit(it, ex, func.clone(), args, Vec::new())?);
    }
    Ok(futs)
}
