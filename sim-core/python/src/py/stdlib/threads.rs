//! `threading.Thread` and `multiprocessing.Process` objects: their classes, `__init__`,
//! start/join/is_alive and the rest of their methods, `Timer`, and `threading.excepthook`.

use super::*;

/// Methods of `threading.Thread` (and `multiprocessing.Process`), stored in the class so
/// that subclasses override them and `super().__init__()` finds them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThreadMethod {
    Init,
    Start,
    Run,
    Join,
    IsAlive,
    GetName,
    SetName,
    IsDaemon,
    SetDaemon,
    Terminate,
    Cancel,
}

impl ThreadMethod {
    pub(crate) fn name(self) -> &'static str {
        match self {
            ThreadMethod::Init => "__init__",
            ThreadMethod::Start => "start",
            ThreadMethod::Run => "run",
            ThreadMethod::Join => "join",
            ThreadMethod::IsAlive => "is_alive",
            ThreadMethod::GetName => "getName",
            ThreadMethod::SetName => "setName",
            ThreadMethod::IsDaemon => "isDaemon",
            ThreadMethod::SetDaemon => "setDaemon",
            ThreadMethod::Terminate => "terminate",
            ThreadMethod::Cancel => "cancel",
        }
    }
}

/// Milliseconds from the fork in `Process.start()` to the child running Python: CPython's
/// fork and bootstrap here (the child's first line 1.8–2.4 ms after `start()` was called).
const PROCESS_BOOT_MS: f64 = 1.9;

/// Milliseconds `Process.start()` takes in the parent (the fork; 0.6–0.8 ms measured, the
/// first one of a program 1.4): the child started first gets that head start.
const PROCESS_FORK_MS: f64 = 0.7;

/// Milliseconds a terminated process still looks alive to its parent
/// ([`ThreadObj::seen_alive`]).
const PROCESS_REAP_MS: f64 = 1.0;

/// A thread's (or process's) native state.
pub struct ThreadObj {
    /// Index in the run's thread table.
    pub tid: ThreadIx,
    /// `target=`.
    pub target: V,
    /// `args=`.
    pub args: Mutex<V>,
    /// `kwargs=`.
    pub kwargs: Mutex<V>,
    pub(crate) started: parking_lot::Mutex<bool>,
    pub(crate) started_cv: threadline_runtime::cv::Cv,
    /// A `multiprocessing.Process`: runs in a process of its own.
    /// Its index once started (an index, not the process's state: the child's module
    /// state holds this object, and a reference back would be a cycle that leaks).
    pub process: Option<Mutex<Option<u32>>>,
    /// The exit code of a process.
    pub exitcode: Mutex<Option<i64>>,
    /// A process: when `terminate()` was called (the recorder's clock, ns), and whether a
    /// `join()` has since reaped it ([`ThreadObj::seen_alive`]).
    pub(crate) terminated: parking_lot::Mutex<(Option<u64>, bool)>,
    /// A `threading.Timer`: seconds to wait first, and whether it was cancelled.
    pub timer: Option<(f64, Arc<PyEvent>)>,
}

/// `threading.Thread`, with its native methods in its dict.
pub fn thread_class() -> Arc<Class> {
    static C: OnceLock<Arc<Class>> = OnceLock::new();
    C.get_or_init(|| native_thread_class("Thread", "threading", ClassKind::Thread)).clone()
}

/// `threading.local` (`_thread._local`): a class, so a program may subclass it.
pub fn local_class() -> Arc<Class> {
    static C: OnceLock<Arc<Class>> = OnceLock::new();
    C.get_or_init(|| {
        crate::py::exc::build_class(
            Arc::from("_local"),
            Arc::from("_thread"),
            vec![crate::py::exc::object_class()],
            Attrs::default(),
            ClassKind::Local,
        )
    })
    .clone()
}

/// A `threading.local`'s attributes for this thread; the first touch from a thread other
/// than the one that made it runs a subclass's `__init__` there, with the arguments it was
/// made with.
fn local_dict<T>(
    it: &mut Interp<'_>,
    i: &Arc<Inst>,
    l: &Arc<crate::py::value::LocalInst>,
    f: impl FnOnce(&mut Attrs) -> T,
) -> R<T> {
    let tid = it.ctx.tid;
    let fresh = {
        let mut d = l.dicts.lock();
        match d.get(&tid) {
            Some(_) => false,
            None => {
                d.insert(tid, Attrs::default());
                true
            }
        }
    };
    if fresh && let Some(init @ V::Func(_)) = i.class.lookup("__init__") {
        let mut args = vec![V::Inst(i.clone())];
        args.extend(l.args.0.iter().cloned());
        it.call(&init, args, l.args.1.clone())?;
    }
    Ok(f(l.dicts.lock().entry(tid).or_default()))
}

/// Store an attribute of a `threading.local` in this thread's dict: `None` when it did, the
/// value back for any other instance.
pub fn local_store(it: &mut Interp<'_>, i: &Arc<Inst>, name: &str, v: V) -> R<Option<V>> {
    let native = i.native.lock().clone();
    match native {
        InstNative::Local(l) => {
            local_dict(it, i, &l, |d| {
                d.insert(Arc::from(name), v);
            })?;
            Ok(None)
        }
        _ => Ok(Some(v)),
    }
}

/// `del local.name`: whether this thread's attribute was there (and is gone).
pub fn local_remove(it: &mut Interp<'_>, i: &Arc<Inst>, name: &str) -> R<bool> {
    let native = i.native.lock().clone();
    match native {
        InstNative::Local(l) => {
            if local_dict(it, i, &l, |d| d.shift_remove(name).is_some())? {
                return Ok(true);
            }
            let who = if Arc::ptr_eq(&i.class, &local_class()) {
                "_thread._local".to_string()
            } else {
                i.class.name.to_string()
            };
            raise("AttributeError", format!("'{who}' object has no attribute '{name}'"))
        }
        _ => Ok(false),
    }
}

/// `multiprocessing.Process`.
pub fn process_class() -> Arc<Class> {
    static C: OnceLock<Arc<Class>> = OnceLock::new();
    C.get_or_init(|| native_thread_class("Process", "multiprocessing.context", ClassKind::Process)).clone()
}

pub(crate) fn native_thread_class(name: &str, module: &str, kind: ClassKind) -> Arc<Class> {
    use ThreadMethod as T;
    let mut dict = IndexMap::default();
    for m in [
        T::Init,
        T::Start,
        T::Run,
        T::Join,
        T::IsAlive,
        T::GetName,
        T::SetName,
        T::IsDaemon,
        T::SetDaemon,
        T::Terminate,
    ] {
        dict.insert(Arc::from(m.name()), nf(NFn::ThreadMethod(m)));
    }
    exc::build_class(Arc::from(name), Arc::from(module), vec![exc::object_class()], dict, kind)
}

pub(crate) fn timer_class() -> Arc<Class> {
    static C: OnceLock<Arc<Class>> = OnceLock::new();
    C.get_or_init(|| {
        let mut dict = IndexMap::default();
        dict.insert(Arc::from("cancel"), nf(NFn::ThreadMethod(ThreadMethod::Cancel)));
        exc::build_class(Arc::from("Timer"), Arc::from("threading"), vec![thread_class()], dict, ClassKind::Thread)
    })
    .clone()
}

/// Whether `v` is `threading.__excepthook__`.
pub fn is_default_excepthook(v: &V) -> bool {
    matches!(v, V::Native(n) if matches!(**n, Native::Fn(NFn::ExceptHook)))
}

/// `threading.ExceptHookArgs`: (exc_type, exc_value, exc_traceback, thread).
pub(crate) fn excepthook_args_class() -> Arc<Class> {
    static C: OnceLock<Arc<Class>> = OnceLock::new();
    C.get_or_init(|| {
        let fields = ["exc_type", "exc_value", "exc_traceback", "thread"].map(String::from);
        crate::py::namedtuple::make_class("_ExceptHookArgs", "threading", &fields, Vec::new())
    })
    .clone()
}

/// The argument `threading.excepthook` is called with, for exception `value` in this thread.
/// Threadline has no traceback objects: `exc_traceback` is None.
pub fn excepthook_args(it: &mut Interp<'_>, value: &V) -> V {
    let ty = crate::py::builtins::type_of(value);
    let thread = current_thread_obj(it);
    crate::py::namedtuple::instance(&excepthook_args_class(), vec![ty, value.clone(), V::None, thread])
}

pub(crate) fn thread_name_of(it: &mut Interp<'_>, t: &V) -> R<String> {
    let n = it.get_attr(t, "name")?;
    it.str_of(&n)
}

pub(crate) fn current_thread_obj(it: &Interp<'_>) -> V {
    it.w.thread_object(it.ctx.tid)
}

/// `threading.get_ident()` of a thread: a stable, realistic-looking number.
pub fn thread_ident(tid: ThreadIx) -> i64 {
    139_900_000_000_000 + i64::from(tid) * 8_392_704
}

pub(crate) fn new_inst(class: Arc<Class>) -> V {
    V::Inst(Arc::new(Inst {
        class,
        dict: Mutex::new(IndexMap::default()),
        native: Mutex::new(InstNative::None),
        hrep: Default::default(),
    }))
}

/// The native state of a Thread or Process object.
pub fn thread_obj(v: &V) -> Option<Arc<ThreadObj>> {
    match v {
        V::Inst(i) => match &*i.native.lock() {
            InstNative::Thread(t) => Some(t.clone()),
            InstNative::None
            | InstNative::Local(_)
            | InstNative::Base(_)
            | InstNative::Bytes(_)
            | InstNative::Hash(_) => None,
        },
        _ => None,
    }
}

#[expect(clippy::too_many_arguments, reason = "Thread.__init__'s own parameters")]
pub(crate) fn init_thread(
    it: &mut Interp<'_>,
    me: &V,
    target: V,
    args: V,
    kwargs: V,
    name: Option<V>,
    daemon: Option<V>,
    timer: Option<(f64, Arc<PyEvent>)>,
) -> R<()> {
    let V::Inst(inst) = me else { return type_err("Thread.__init__() needs a Thread") };
    let is_process = inst.class.native_kind() == ClassKind::Process;
    let target_name = match &target {
        V::Func(f) => Some(f.def.name.to_string()),
        V::None => None,
        other => it.get_attr(other, "__name__").ok().and_then(|v| match v {
            V::Str(s) => Some(s.to_string()),
            _ => None,
        }),
    };
    // multiprocessing counts every Process made, named or not, and names it after its class
    // (`Worker-3` for a subclass); threading counts only the unnamed.
    let process_n = is_process.then(|| it.w.next_name_number(true));
    let name = match name {
        Some(V::None) | None => {
            if let Some(n) = process_n {
                format!("{}-{n}", inst.class.name)
            } else {
                let n = it.w.next_name_number(false);
                // A Timer calls `Thread.__init__(self)` with no target: `Thread-1`.
                match &target_name {
                    Some(t) if timer.is_none() => format!("Thread-{n} ({t})"),
                    _ => format!("Thread-{n}"),
                }
            }
        }
        Some(v) => it.str_of(&v)?,
    };
    let daemon = match daemon {
        Some(V::None) | None => it.w.thread_daemon(it.ctx.tid),
        Some(v) => v.truthy(),
    };
    let process = if is_process { Some(Mutex::new(None)) } else { None };
    let Some(tid) = it.w.add_thread(it.ctx, ThreadMeta { name, process: it.ctx.process, daemon, target: None }, me)
    else {
        return raise("RuntimeError", crate::py::too_many_threads());
    };
    let obj = Arc::new(ThreadObj {
        target,
        args: Mutex::new(args),
        kwargs: Mutex::new(kwargs),
        process,
        timer,
        ..ThreadObj::new(tid)
    });
    *inst.native.lock() = InstNative::Thread(obj);
    Ok(())
}

impl ThreadObj {
    /// A thread `tid` not started yet, with no target, no arguments, not a process.
    pub(crate) fn new(tid: ThreadIx) -> Self {
        ThreadObj {
            tid,
            target: V::None,
            args: Mutex::new(V::tuple(Vec::new())),
            kwargs: Mutex::new(V::None),
            started: parking_lot::Mutex::new(false),
            started_cv: threadline_runtime::cv::Cv::new(),
            process: None,
            exitcode: Mutex::new(None),
            timer: None,
            terminated: parking_lot::Mutex::new((None, false)),
        }
    }

    /// Whether the parent sees this thread or process alive (`is_alive()`, the repr's
    /// `started`). A process sent SIGTERM stops at once, but its parent sees it alive until
    /// the kernel has delivered the signal and the child has exited — 0.9–4.9 ms measured
    /// here between `terminate()` and `is_alive()` turning false — unless a `join()` reaped
    /// it first. Controlled runs skip that wait (their clock is the schedule's).
    pub(crate) fn seen_alive(&self, ctx: &threadline_runtime::rt::Ctx) -> bool {
        if ctx.shared.life().get(self.tid as usize) == Some(&threadline_runtime::rt::Life::Alive) {
            return true;
        }
        match *self.terminated.lock() {
            (Some(at), false) if ctx.shared.control().is_none() => {
                let reap = ctx.scaled(PROCESS_REAP_MS).as_nanos() as u64;
                ctx.shared.rec.now_ns().saturating_sub(at) < reap
            }
            _ => false,
        }
    }

    /// The main thread's state (thread 0, already running).
    pub fn main() -> Self {
        ThreadObj { started: parking_lot::Mutex::new(true), ..ThreadObj::new(0) }
    }
}

/// `self._started.wait()` in `Thread.start()`: without the GIL, until the new thread runs
/// (or has ended without running: a run stopped before it took the GIL).
pub(crate) fn wait_started(ctx: &threadline_runtime::rt::Ctx, t: &ThreadObj) -> Result<(), Unwind> {
    ctx.blocking(WaitTarget::Thread(t.tid), false, || {
        let mut s = t.started.lock();
        loop {
            let until = ctx.now() + std::time::Duration::from_millis(20);
            if ctx.wait_until(&t.started_cv, &mut s, Some(until), |s| *s)? {
                return Ok(());
            }
            if ctx.shared.life().get(t.tid as usize) == Some(&threadline_runtime::rt::Life::Ended) {
                return Ok(());
            }
        }
    })
}

/// Mark a thread as started (Python's `self._started.set()`), from its own OS thread.
pub fn signal_started(t: &ThreadObj) {
    let mut s = t.started.lock();
    *s = true;
    t.started_cv.notify_all();
}

pub(crate) fn thread_method(it: &mut Interp<'_>, m: ThreadMethod, mut pos: Vec<V>, mut kw: Kw) -> R<V> {
    if pos.is_empty() {
        return type_err(format!("descriptor '{}' of 'Thread' object needs an argument", m.name()));
    }
    let me = pos.remove(0);
    let ctx = it.ctx;
    if m == ThreadMethod::Init {
        threadline_runtime::footprint::note_global();
        let group = arg(&pos, &mut kw, 0, "group");
        if group.is_some_and(|g| !matches!(g, V::None)) {
            return raise("AssertionError", "group argument must be None for now");
        }
        let target = arg(&pos, &mut kw, 1, "target").unwrap_or(V::None);
        let name = arg(&pos, &mut kw, 2, "name");
        let args = arg(&pos, &mut kw, 3, "args").unwrap_or_else(|| V::tuple(Vec::new()));
        let kwargs = arg(&pos, &mut kw, 4, "kwargs").unwrap_or(V::None);
        let daemon = kwarg(&mut kw, "daemon");
        no_more("__init__", &kw)?;
        return init_thread(it, &me, target, args, kwargs, name, daemon, None).map(|_| V::None);
    }
    let Some(t) = thread_obj(&me) else { return raise("RuntimeError", "thread.__init__() not called") };
    // What it touches: the thread itself for these; anything for the rest.
    match m {
        ThreadMethod::Start
        | ThreadMethod::Join
        | ThreadMethod::IsAlive
        | ThreadMethod::GetName
        | ThreadMethod::IsDaemon => {
            threadline_runtime::footprint::note_thread(t.tid);
        }
        _ => threadline_runtime::footprint::note_global(),
    }
    match m {
        ThreadMethod::Start => {
            if *t.started.lock() || ctx.shared.life().get(t.tid as usize) != Some(&threadline_runtime::rt::Life::New) {
                return raise("RuntimeError", "threads can only be started once");
            }
            let mut runs = me.clone();
            if let Some(slot) = &t.process {
                // fork: the child gets a copy of this process's globals and of this object.
                let (child, child_obj) = it.w.fork(ctx, &it.pw, &me, t.tid);
                *slot.lock() = Some(child.index);
                runs = child_obj;
            }
            ctx.record(EventKind::StartThread { target: t.tid });
            let body = it.w.thread_body(runs, t.clone(), &ctx.shared);
            // A process's child starts running Python after its fork and bootstrap (in a
            // controlled run, at once: its clock is the schedule's).
            let boot = if t.process.is_some() && ctx.shared.control().is_none() {
                ctx.scaled(PROCESS_BOOT_MS)
            } else {
                std::time::Duration::ZERO
            };
            ctx.shared.start_thread(t.tid, boot, body).map_err(|e| Flow::from(Unwind::Raise(e)))?;
            // `self._started.wait()`: the GIL is released until the new thread runs.
            // `Process.start()` returns once the child is forked (the fork's cost, with the
            // GIL held), without waiting for it.
            if t.process.is_none() {
                wait_started(ctx, &t)?;
            } else if !boot.is_zero() {
                let until = std::time::Instant::now() + ctx.scaled(PROCESS_FORK_MS);
                while std::time::Instant::now() < until {
                    ctx.check()?;
                    std::hint::spin_loop();
                }
            }
            Ok(V::None)
        }
        ThreadMethod::Run => {
            let args = t.args.lock().clone();
            let args = it
                .star_items(&args)
                .map_err(|e| crate::py::interp::prefix_star_error(e, &crate::py::interp::func_str(&t.target)))?;
            let kwargs = t.kwargs.lock().clone();
            let kw = kwargs_of(&kwargs);
            if let Some((secs, cancel)) = &t.timer {
                if !cancel.wait(ctx, Some(secs * 1e3))? && !matches!(t.target, V::None) {
                    it.call(&t.target.clone(), args, kw)?;
                }
                return Ok(V::None);
            }
            if matches!(t.target, V::None) {
                return Ok(V::None);
            }
            it.call(&t.target.clone(), args, kw)
        }
        ThreadMethod::Cancel => {
            if let Some((_, cancel)) = &t.timer {
                cancel.set(ctx);
            }
            Ok(V::None)
        }
        ThreadMethod::Join => {
            let timeout = timeout_ms(arg(&pos, &mut kw, 0, "timeout"))?;
            if t.tid == ctx.tid {
                return raise("RuntimeError", "cannot join current thread");
            }
            if ctx.shared.life().get(t.tid as usize) == Some(&threadline_runtime::rt::Life::New) {
                return raise(
                    "RuntimeError",
                    if t.process.is_some() {
                        "can only join a started process"
                    } else {
                        "cannot join thread before it is started"
                    },
                );
            }
            ctx.join_thread(t.tid, timeout.map(|m| m.max(0.0)))?;
            if ctx.shared.life().get(t.tid as usize) == Some(&threadline_runtime::rt::Life::Ended) {
                t.terminated.lock().1 = true;
            }
            Ok(V::None)
        }
        ThreadMethod::IsAlive => Ok(V::Bool(t.seen_alive(ctx))),
        ThreadMethod::GetName => {
            deprecated(it, "getName() is deprecated, get the name attribute instead");
            Ok(V::str(it.w.thread_name(t.tid)))
        }
        ThreadMethod::SetName => {
            deprecated(it, "setName() is deprecated, set the name attribute instead");
            let n = it.str_of(pos.first().unwrap_or(&V::None))?;
            ctx.shared.set_thread_meta(t.tid, |m| m.name = n);
            Ok(V::None)
        }
        ThreadMethod::IsDaemon => {
            deprecated(it, "isDaemon() is deprecated, get the daemon attribute instead");
            Ok(V::Bool(ctx.shared.thread_meta(t.tid).is_some_and(|m| m.daemon)))
        }
        ThreadMethod::SetDaemon => {
            deprecated(it, "setDaemon() is deprecated, set the daemon attribute instead");
            let d = pos.first().is_some_and(V::truthy);
            ctx.shared.set_thread_meta(t.tid, |m| m.daemon = d);
            Ok(V::None)
        }
        ThreadMethod::Terminate => {
            // SIGTERM: a process still running ends with exitcode -15.
            let alive = ctx.shared.life().get(t.tid as usize) == Some(&threadline_runtime::rt::Life::Alive);
            if alive && t.process.is_some() {
                let mut ec = t.exitcode.lock();
                if ec.is_none() {
                    *ec = Some(-15);
                }
            }
            if alive && t.process.is_some() {
                t.terminated.lock().0.get_or_insert(ctx.shared.rec.now_ns());
            }
            ctx.shared.kill(t.tid);
            Ok(V::None)
        }
        ThreadMethod::Init => Ok(V::None),
    }
}

/// Attributes of a Thread/Process instance that live in its native state.
pub fn inst_native_attr(it: &mut Interp<'_>, i: &Arc<Inst>, name: &str) -> R<Option<V>> {
    let native = i.native.lock().clone();
    let t = match native {
        InstNative::Thread(t) => t,
        InstNative::Local(l) => {
            if let Some(v) = local_dict(it, i, &l, |d| d.get(name).cloned())? {
                return Ok(Some(v));
            }
            if i.class.lookup(name).is_none() && !name.starts_with("__") && i.class.lookup("__getattr__").is_none() {
                let who = if Arc::ptr_eq(&i.class, &local_class()) {
                    "_thread._local".to_string()
                } else {
                    i.class.name.to_string()
                };
                return raise("AttributeError", format!("'{who}' object has no attribute '{name}'"));
            }
            return Ok(None);
        }
        InstNative::None | InstNative::Base(_) | InstNative::Bytes(_) | InstNative::Hash(_) => return Ok(None),
    };
    // A thread's or process's state lives partly in the runtime: noted as the thread's.
    threadline_runtime::footprint::note_thread(t.tid);
    let ctx = it.ctx;
    Ok(Some(match name {
        "name" => V::str(it.w.thread_name(t.tid)),
        "daemon" => V::Bool(ctx.shared.thread_meta(t.tid).is_some_and(|m| m.daemon)),
        "ident" | "native_id" => {
            if ctx.shared.life().get(t.tid as usize) == Some(&threadline_runtime::rt::Life::New) {
                V::None
            } else {
                V::Int(thread_ident(t.tid))
            }
        }
        "pid" => match &t.process {
            Some(p) => match &*p.lock() {
                Some(index) => V::Int(i64::from(it.w.pid_of(*index))),
                None => V::None,
            },
            None => return Ok(None),
        },
        "exitcode" if t.process.is_some() => match *t.exitcode.lock() {
            Some(c) => V::Int(c),
            None => V::None,
        },
        "_target" => t.target.clone(),
        "_args" => t.args.lock().clone(),
        "_kwargs" => t.kwargs.lock().clone(),
        _ => return Ok(None),
    }))
}

/// Setting `t.name` / `t.daemon`.
pub fn inst_set_native_attr(it: &mut Interp<'_>, i: &Arc<Inst>, name: &str, v: &V) -> R<bool> {
    let native = i.native.lock().clone();
    let t = match native {
        InstNative::Thread(t) => t,
        // A thread's own attributes: nobody else's turn reads them. A class whose writes
        // run code (`__setattr__`, a property, a descriptor) goes the usual way first, and
        // its stores land here through `local_store`.
        InstNative::Local(l) => {
            if !crate::py::interp::plain_setattr(&i.class) {
                return Ok(false);
            }
            let v = v.clone();
            local_dict(it, i, &l, |d| {
                d.insert(Arc::from(name), v);
            })?;
            return Ok(true);
        }
        InstNative::None | InstNative::Base(_) | InstNative::Bytes(_) | InstNative::Hash(_) => return Ok(false),
    };
    threadline_runtime::footprint::note_global();
    match name {
        "name" => {
            let n = it.str_of(v)?;
            it.ctx.shared.set_thread_meta(t.tid, |m| m.name = n);
            Ok(true)
        }
        "daemon" => {
            if it.ctx.shared.life().get(t.tid as usize) != Some(&threadline_runtime::rt::Life::New) {
                return raise("RuntimeError", "cannot set daemon status of active thread");
            }
            let d = v.truthy();
            it.ctx.shared.set_thread_meta(t.tid, |m| m.daemon = d);
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// `repr()` of an instance of a user or native class.
pub fn inst_repr(it: &Interp<'_>, i: &Arc<Inst>, id: usize) -> String {
    let t = match &*i.native.lock() {
        InstNative::Thread(t) => Some(t.clone()),
        InstNative::None | InstNative::Local(_) | InstNative::Base(_) | InstNative::Bytes(_) | InstNative::Hash(_) => {
            None
        }
    };
    if let Some(t) = t.clone()
        && let Some(proc_ix) = &t.process
        && t.tid != 0
    {
        // As multiprocessing's BaseProcess.__repr__:
        // `<Process name='Process-1' pid=… parent=… started daemon>`.
        let started = *proc_ix.lock();
        let alive = t.seen_alive(it.ctx);
        let daemon = it.ctx.shared.thread_meta(t.tid).is_some_and(|m| m.daemon);
        let mut info = vec![i.class.name.to_string(), format!("name={}", V::str(it.w.thread_name(t.tid)).repr())];
        if let Some(p) = started {
            info.push(format!("pid={}", it.w.pid_of(p)));
        }
        info.push(format!("parent={}", it.w.pid_of(it.ctx.process)));
        match (started, alive) {
            (None, _) => info.push("initial".into()),
            (Some(_), true) => info.push("started".into()),
            _ => {
                info.push("stopped".into());
                match *t.exitcode.lock() {
                    Some(-15) => info.push("exitcode=-SIGTERM".into()),
                    Some(c) => info.push(format!("exitcode={c}")),
                    None => {}
                }
            }
        }
        if daemon {
            info.push("daemon".into());
        }
        return format!("<{}>", info.join(" "));
    }
    if let Some(t) = t {
        // As threading.Thread.__repr__: `<Thread(name, started daemon 1401…)>`.
        let life = it.ctx.shared.life().get(t.tid as usize).copied();
        let daemon = it.ctx.shared.thread_meta(t.tid).is_some_and(|m| m.daemon);
        let status = match life {
            Some(threadline_runtime::rt::Life::New) => "initial".to_string(),
            Some(threadline_runtime::rt::Life::Alive) => {
                format!("started{} {}", if daemon { " daemon" } else { "" }, thread_ident(t.tid))
            }
            _ => format!("stopped{} {}", if daemon { " daemon" } else { "" }, thread_ident(t.tid)),
        };
        let class = if t.tid == 0 { "_MainThread" } else { &*i.class.name };
        return format!("<{class}({}, {status})>", it.w.thread_name(t.tid));
    }
    format!("<{}.{} object at {:#x}>", i.class.module, i.class.name, id)
}
