//! The standard library a scenario may import — `threading`, `queue`, `time`, `sys`, `os`,
//! `random`, `math`, `functools`, `concurrent.futures`, `multiprocessing` — implemented
//! natively on the instrumented primitives, with Python's signatures and messages.

use super::exc;
use super::interp::{Flow, Interp, R, raise, type_err};
use super::value::{Attrs, Class, ClassKind, Inst, InstNative, V};
use indexmap::IndexMap;
use parking_lot::{Condvar, Mutex};
use std::sync::{Arc, OnceLock};
use std::time::Instant;
use threadline_model::event::{EventKind, ResIx, ThreadIx, WaitTarget};
use threadline_model::model::ResourceInfo;
use threadline_model::model::ThreadMeta;
use threadline_model::model::{PoolStyle, ResourceKind};
use threadline_model::value::Value;
use threadline_runtime::channels::{Queue, QueueItem, QueueOrder};
use threadline_runtime::rt::Unwind;
use threadline_runtime::sync::{Acquire, CondLock, Condition, Event as PyEvent, Lock, RLock, Semaphore};

type Kw = Vec<(Arc<str>, V)>;

/// A module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[expect(missing_docs, reason = "each is the Python module of the same name")]
pub enum Mod {
    Threading,
    Time,
    Queue,
    Sys,
    Os,
    Random,
    Math,
    Functools,
    Multiprocessing,
    Concurrent,
    ConcurrentFutures,
    Itertools,
    Collections,
    Logging,
    Heapq,
    Bisect,
    Statistics,
    Json,
    Operator,
    Contextlib,
    Typing,
    String,
    Textwrap,
    Uuid,
    Timeit,
    Dataclasses,
    Enum,
    Asyncio,
    Pprint,
    Traceback,
    Datetime,
}

impl Mod {
    fn name(self) -> &'static str {
        match self {
            Mod::Threading => "threading",
            Mod::Time => "time",
            Mod::Queue => "queue",
            Mod::Sys => "sys",
            Mod::Os => "os",
            Mod::Random => "random",
            Mod::Math => "math",
            Mod::Functools => "functools",
            Mod::Multiprocessing => "multiprocessing",
            Mod::Concurrent => "concurrent",
            Mod::ConcurrentFutures => "concurrent.futures",
            Mod::Itertools => "itertools",
            Mod::Collections => "collections",
            Mod::Logging => "logging",
            Mod::Heapq => "heapq",
            Mod::Bisect => "bisect",
            Mod::Statistics => "statistics",
            Mod::Json => "json",
            Mod::Operator => "operator",
            Mod::Contextlib => "contextlib",
            Mod::Typing => "typing",
            Mod::String => "string",
            Mod::Textwrap => "textwrap",
            Mod::Uuid => "uuid",
            Mod::Timeit => "timeit",
            Mod::Dataclasses => "dataclasses",
            Mod::Enum => "enum",
            Mod::Asyncio => "asyncio",
            Mod::Pprint => "pprint",
            Mod::Traceback => "traceback",
            Mod::Datetime => "datetime",
        }
    }
    fn from_name(n: &str) -> Option<Mod> {
        Some(match n {
            "threading" => Mod::Threading,
            "time" => Mod::Time,
            "queue" => Mod::Queue,
            "sys" => Mod::Sys,
            "os" => Mod::Os,
            "random" => Mod::Random,
            "math" => Mod::Math,
            "functools" => Mod::Functools,
            "multiprocessing" => Mod::Multiprocessing,
            "concurrent" => Mod::Concurrent,
            "concurrent.futures" => Mod::ConcurrentFutures,
            "itertools" => Mod::Itertools,
            "collections" => Mod::Collections,
            "logging" => Mod::Logging,
            "heapq" => Mod::Heapq,
            "bisect" => Mod::Bisect,
            "statistics" => Mod::Statistics,
            "json" => Mod::Json,
            "operator" => Mod::Operator,
            "contextlib" => Mod::Contextlib,
            "typing" => Mod::Typing,
            "string" => Mod::String,
            "textwrap" => Mod::Textwrap,
            "uuid" => Mod::Uuid,
            "timeit" => Mod::Timeit,
            "dataclasses" => Mod::Dataclasses,
            "enum" => Mod::Enum,
            "asyncio" => Mod::Asyncio,
            "pprint" => Mod::Pprint,
            "traceback" => Mod::Traceback,
            "datetime" => Mod::Datetime,
            _ => return None,
        })
    }
}

/// Whether `import name` works.
pub fn known(name: &str) -> bool {
    Mod::from_name(name).is_some()
}

/// A natively implemented function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[expect(missing_docs, reason = "each is the Python callable of the same name")]
pub enum NFn {
    Lock,
    RLock,
    Semaphore,
    BoundedSemaphore,
    Condition,
    Event,
    Barrier,
    CurrentThread,
    MainThread,
    GetIdent,
    ActiveCount,
    Enumerate,
    Timer,
    Local,
    Queue(QKind),
    Sleep,
    Time,
    PerfCounter,
    Monotonic,
    TimeNs,
    SetSwitchInterval,
    GetSwitchInterval,
    Exit,
    GetPid,
    GetPPid,
    CpuCount,
    RandomRandom,
    RandomRandint,
    RandomUniform,
    RandomChoice,
    RandomShuffle,
    RandomSeed,
    RandomRandrange,
    RandomSample,
    RandomGetrandbits,
    MathSqrt,
    MathFloor,
    MathCeil,
    MathFactorial,
    MathGcd,
    MathLog,
    MathExp,
    MathIsclose,
    MathFsum,
    MathProd,
    Partial,
    Reduce,
    ThreadPoolExecutor,
    ProcessPoolExecutor,
    AsCompleted,
    Wait,
    CurrentProcess,
    Pipe,
    Value,
    Array,
    Manager,
    Pool,
    ThreadMethod(ThreadMethod),
    ExcMethod(ExcMethod),
    Count,
    Coll(super::collections::CollFn),
    Log(super::logging::LogFn),
    Heapq(super::heapq::HeapqFn),
    Bisect(super::bisect::BisectFn),
    Stats(super::statistics::StatsFn),
    Json(super::json::JsonFn),
    Operator(super::operator::OpFn),
    Ft(super::functools::FtFn),
    Iter(super::itertools::ItFn),
    Ctx(super::contextlib::CtxFn),
    Aio(super::asyncio::AioFn),
    Pp(super::pprint::PpFn),
    Tb(super::traceback::TbFn),
    Dt(super::datetime::DtFn),
    GetRecursionLimit,
    SetRecursionLimit,
    ExcInfo,
    Typing(super::typing::TypingFn),
    Text(super::textwrap::TextFn),
    Uuid(super::uuid::UuidFn),
    Capwords,
    Dc(super::dataclasses::DcFn),
    En(super::enums::EnFn),
    NamedTuple,
    Nt(super::namedtuple::NtMethod),
    ExceptHook,
    Ctime,
    Strftime,
    CurrentThreadOld,
    ActiveCountOld,
}

/// `queue.Queue` kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[expect(missing_docs, reason = "queue classes")]
pub enum QKind {
    Fifo,
    Lifo,
    Priority,
    Simple,
    Mp,
    JoinableMp,
}

/// Methods of `threading.Thread` (and `multiprocessing.Process`), stored in the class so
/// that subclasses override them and `super().__init__()` finds them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[expect(missing_docs, reason = "Thread methods")]
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
    fn name(self) -> &'static str {
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

/// Methods of `BaseException`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[expect(missing_docs, reason = "BaseException methods")]
pub enum ExcMethod {
    Init,
    WithTraceback,
}

impl ExcMethod {
    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            ExcMethod::Init => "__init__",
            ExcMethod::WithTraceback => "with_traceback",
        }
    }
}

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
    started: Mutex<bool>,
    started_cv: Condvar,
    /// A `multiprocessing.Process`: runs in a process of its own.
    /// Its index once started (an index, not the process's state: the child's module
    /// state holds this object, and a reference back would be a cycle that leaks).
    pub process: Option<Mutex<Option<u32>>>,
    /// The exit code of a process.
    pub exitcode: Mutex<Option<i64>>,
    /// A `threading.Timer`: seconds to wait first, and whether it was cancelled.
    pub timer: Option<(f64, Arc<PyEvent>)>,
}

/// A `threading.Barrier`.
#[derive(Debug)]
pub struct BarrierObj {
    res: ResIx,
    parties: usize,
    action: V,
    /// `Barrier(…, timeout=)`: the default timeout of `wait()`, in ms.
    timeout_ms: Option<f64>,
    st: Mutex<BarrierState>,
    cv: Condvar,
}

#[derive(Debug, Default)]
struct BarrierState {
    waiting: usize,
    generation: u64,
    broken: bool,
}

impl threadline_runtime::rt::Waitable for BarrierObj {
    fn wake_all(&self) {
        let _g = self.st.lock();
        self.cv.notify_all();
    }
    fn resource(&self) -> Option<ResIx> {
        Some(self.res)
    }
}

/// The state of a `concurrent.futures.as_completed` iterator.
#[derive(Debug)]
pub struct AsCompleted {
    pending: Mutex<Vec<Arc<FutureObj>>>,
    deadline: Option<Instant>,
    total: usize,
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
    res: ResIx,
    task: u32,
    st: Mutex<FutState>,
    cv: Condvar,
}

#[derive(Debug, Default)]
struct FutState {
    done: Option<Result<V, V>>,
    callbacks: Vec<V>,
    /// `Pool.apply_async(callback=, error_callback=)`: called with the result or the exception.
    result_callbacks: Vec<(V, V)>,
    /// `map_async` results this future is a part of, finished when their last part is.
    batches: Vec<Arc<Batch>>,
    /// A worker has started it (`running()`; it can no longer be cancelled).
    running: bool,
    /// `cancel()` took it off the queue before it started: it never runs.
    cancelled: bool,
    /// Attributes a program set on it (`future.arg = n`, as CPython's Future allows).
    attrs: Attrs,
}

/// The `AsyncResult` of `Pool.map_async`/`starmap_async`: one future per item, and the
/// aggregate finished (with the list of results, or the first exception) by the worker that
/// finishes the last part — the call itself returns at once, as CPython's does.
#[derive(Debug)]
struct Batch {
    agg: Arc<FutureObj>,
    parts: Vec<Arc<FutureObj>>,
    /// The first exception to arrive (CPython keeps only that one), and whether the
    /// batch has been finished.
    st: Mutex<(Option<V>, bool)>,
}

impl Batch {
    /// After a part finished with `just`: the first exception to arrive calls
    /// `error_callback` at once; when every part is done the aggregate is finished — its
    /// `callback` first, then marked done, as CPython's `MapResult._set` does (so `get()`
    /// returns after the callback). Only one caller finishes it.
    fn part_done(&self, it: &mut Interp<'_>, just: Option<&Result<V, V>>) -> R<()> {
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
        ran
    }
}

/// A `concurrent.futures.Future` set from elsewhere than a pool (asyncio's
/// `run_coroutine_threadsafe`): a resource of its own, named `name`, that threads wait on.
pub(crate) fn standalone_future(it: &Interp<'_>, name: String) -> V {
    let res = new_resource(it, name, ResourceKind::Pool, 0);
    let f = Arc::new(FutureObj { res, task: u32::MAX, st: Mutex::new(FutState::default()), cv: Condvar::new() });
    it.ctx.shared.register(f.clone());
    V::Native(Arc::new(Native::Future(f)))
}

/// Finish a [`standalone_future`] with a result or an exception: its waiters wake, its
/// done-callbacks run (on this thread, as CPython runs them on the setting thread).
pub(crate) fn finish_standalone(it: &mut Interp<'_>, fv: &V, r: Result<V, V>) -> R<()> {
    let V::Native(n) = fv else { return Ok(()) };
    let Native::Future(f) = &**n else { return Ok(()) };
    let callbacks = {
        let mut st = f.st.lock();
        if st.done.is_some() {
            return Ok(());
        }
        st.done = Some(r);
        f.cv.notify_all();
        std::mem::take(&mut st.callbacks)
    };
    for cb in callbacks {
        it.call(&cb, vec![fv.clone()], Vec::new())?;
    }
    Ok(())
}

/// Runs `callback=` / `error_callback=` pairs with a finished result.
fn run_result_callbacks(it: &mut Interp<'_>, cbs: Vec<(V, V)>, done: &Result<V, V>) -> R<()> {
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
    res: ResIx,
    /// The process that created it (whose exit shuts it down).
    process: u32,
    max_workers: usize,
    prefix: String,
    queue: Arc<Queue<V>>,
    st: Mutex<ExecState>,
    style: PoolStyle,
}

#[derive(Debug, Default)]
struct ExecState {
    workers: Vec<V>,
    idle: usize,
    tasks: u32,
    shutdown: bool,
    /// `Pool.close()`: no new tasks; the workers finish the queued ones.
    closed: bool,
}

macro_rules! opaque_debug {
    ($($t:ty),*) => {$(
        impl std::fmt::Debug for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(stringify!($t))
            }
        }
    )*};
}
opaque_debug!(ThreadObj, ExecutorObj, Native);

/// Everything implemented natively.
pub enum Native {
    /// `NotImplemented`.
    NotImplemented,
    /// `sys.stderr`.
    Stderr,
    /// `sys.stdout`.
    Stdout,
    /// A module.
    Module(Mod),
    /// A native function.
    Fn(NFn),
    /// A method of a built-in value, bound.
    Method(V, Arc<str>),
    /// A slice.
    Slice(V, V, V),
    /// `super()`.
    Super(Arc<Class>, V),
    /// A property.
    Property(V),
    /// `staticmethod(f)`.
    StaticMethod(V),
    /// `classmethod(f)`.
    ClassMethod(V),
    /// `threading.local()`: attributes per thread.
    Local(Mutex<std::collections::HashMap<ThreadIx, Attrs>>),
    /// `threading.Lock()`.
    Lock(Arc<Lock>, ResIx),
    /// `threading.RLock()`.
    RLock(Arc<RLock>, ResIx),
    /// `threading.Semaphore(n)` / `BoundedSemaphore(n)`.
    Sem(Arc<Semaphore>, ResIx),
    /// `threading.Condition()`.
    Cond(Arc<Condition>, ResIx),
    /// `threading.Event()`.
    Event(Arc<PyEvent>, ResIx),
    /// A queue.
    Queue(Arc<Queue<V>>, ResIx, QKind),
    /// `threading.Barrier(n)`.
    Barrier(Arc<BarrierObj>),
    /// `functools.partial(f, *args, **kw)`.
    Partial(V, Vec<V>, Kw),
    /// An executor.
    Executor(Arc<ExecutorObj>),
    /// A future.
    Future(Arc<FutureObj>),
    /// One end of a `multiprocessing.Pipe`.
    Conn(Arc<threadline_runtime::channels::Pipe<V>>, u8),
    /// `multiprocessing.Value(typecode, v)` (a scalar inside) or `Array(typecode, n)` (a
    /// list inside), with its lock, the lock's resource and its C type (`c_int`).
    Shared(Arc<Mutex<V>>, Arc<RLock>, ResIx, &'static str),
    /// `d.keys()`, `d.values()`, `d.items()`: a live view of the dict.
    DictView(Arc<Mutex<super::value::Dict>>, super::value::ViewKind),
    /// A lazy native iterator (`map`, `zip`, `itertools.islice`…).
    Lazy(super::itertools::Lazy),
    /// `collections.deque`.
    Deque(Arc<super::collections::Deque>),
    /// A logger, handler or formatter.
    Log(super::logging::LogObj),
    /// `multiprocessing.Manager().Namespace()`: attributes shared by every process.
    Namespace(Mutex<Attrs>),
    /// A generator or coroutine: a suspended frame.
    Gen(Arc<super::frame::Generator>),
    /// An `asyncio` loop, future, task, awaitable or primitive.
    Aio(super::asyncio::Obj),
}

impl QueueItem for V {
    fn snapshot(&self) -> Value {
        V::snapshot(self)
    }
    fn before(&self, other: &Self) -> bool {
        super::builtins::less(self, other)
    }
}

fn nf(f: NFn) -> V {
    V::Native(Arc::new(Native::Fn(f)))
}

/// `threading.Thread`, with its native methods in its dict.
pub fn thread_class() -> Arc<Class> {
    static C: OnceLock<Arc<Class>> = OnceLock::new();
    C.get_or_init(|| native_thread_class("Thread", "threading", ClassKind::Thread)).clone()
}

/// `multiprocessing.Process`.
pub fn process_class() -> Arc<Class> {
    static C: OnceLock<Arc<Class>> = OnceLock::new();
    C.get_or_init(|| native_thread_class("Process", "multiprocessing.context", ClassKind::Process)).clone()
}

fn native_thread_class(name: &str, module: &str, kind: ClassKind) -> Arc<Class> {
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

fn timer_class() -> Arc<Class> {
    static C: OnceLock<Arc<Class>> = OnceLock::new();
    C.get_or_init(|| {
        let mut dict = IndexMap::default();
        dict.insert(Arc::from("cancel"), nf(NFn::ThreadMethod(ThreadMethod::Cancel)));
        exc::build_class(Arc::from("Timer"), Arc::from("threading"), vec![thread_class()], dict, ClassKind::Thread)
    })
    .clone()
}

/// `DeprecationWarning: msg` on stderr, once per line, as CPython shows it for code in
/// `__main__`: `file:line: DeprecationWarning: msg` and the source line.
pub fn deprecated(it: &mut Interp<'_>, msg: &'static str) {
    let line = it.ctx.line.get();
    if !it.w.warned.lock().insert((msg, line)) {
        return;
    }
    let src = it.w.prog.line(line).unwrap_or("").to_string();
    let text = format!("{}:{line}: DeprecationWarning: {msg}\n  {src}\n", it.w.prog.file);
    it.w.write_out(it.ctx, &text, true);
}

/// Module attributes a program may assign and the library honours.
pub fn is_assignable(module: &str, name: &str) -> bool {
    matches!((module, name), ("threading", "excepthook"))
}

/// Whether `v` is `threading.__excepthook__`.
pub fn is_default_excepthook(v: &V) -> bool {
    matches!(v, V::Native(n) if matches!(**n, Native::Fn(NFn::ExceptHook)))
}

/// `threading.ExceptHookArgs`: (exc_type, exc_value, exc_traceback, thread).
fn excepthook_args_class() -> Arc<Class> {
    static C: OnceLock<Arc<Class>> = OnceLock::new();
    C.get_or_init(|| {
        let fields = ["exc_type", "exc_value", "exc_traceback", "thread"].map(String::from);
        super::namedtuple::make_class("_ExceptHookArgs", "threading", &fields, Vec::new())
    })
    .clone()
}

/// The argument `threading.excepthook` is called with, for exception `value` in this thread.
/// Threadline has no traceback objects: `exc_traceback` is None.
pub fn excepthook_args(it: &mut Interp<'_>, value: &V) -> V {
    let ty = super::builtins::type_of(value);
    let thread = current_thread_obj(it);
    super::namedtuple::instance(&excepthook_args_class(), vec![ty, value.clone(), V::None, thread])
}

fn thread_name_of(it: &mut Interp<'_>, t: &V) -> R<String> {
    let n = it.get_attr(t, "name")?;
    it.str_of(&n)
}

/// `import name`.
pub fn module(name: &str) -> Option<V> {
    Mod::from_name(name).map(|m| V::Native(Arc::new(Native::Module(m))))
}

/// `from module import name` / `module.name`.
pub fn module_attr(module: &str, name: &str) -> Option<V> {
    let m = Mod::from_name(module)?;
    attr_of(m, name)
}

/// `value.name` when `value` is a module (for folding `concurrent.futures.wait`).
pub fn attr_of_module(value: &V, name: &str) -> Option<V> {
    match value {
        V::Native(n) => match &**n {
            Native::Module(m) => attr_of(*m, name),
            _ => None,
        },
        _ => None,
    }
}

fn exc_class(name: &str) -> Option<V> {
    exc::is_builtin_exc(name).then(|| V::Class(exc::class(name)))
}

fn attr_of(m: Mod, name: &str) -> Option<V> {
    use NFn as F;
    let f = |x: NFn| Some(nf(x));
    match (m, name) {
        (Mod::Threading, "Thread") => Some(V::Class(thread_class())),
        (Mod::Threading, "Lock") => f(F::Lock),
        (Mod::Threading, "RLock") => f(F::RLock),
        (Mod::Threading, "Semaphore") => f(F::Semaphore),
        (Mod::Threading, "BoundedSemaphore") => f(F::BoundedSemaphore),
        (Mod::Threading, "Condition") => f(F::Condition),
        (Mod::Threading, "Event") => f(F::Event),
        (Mod::Threading, "Barrier") => f(F::Barrier),
        (Mod::Threading, "BrokenBarrierError") => exc_class("BrokenBarrierError"),
        (Mod::Threading, "current_thread") => f(F::CurrentThread),
        (Mod::Threading, "currentThread") => f(F::CurrentThreadOld),
        (Mod::Threading, "main_thread") => f(F::MainThread),
        (Mod::Threading, "get_ident" | "get_native_id") => f(F::GetIdent),
        (Mod::Threading, "active_count") => f(F::ActiveCount),
        (Mod::Threading, "activeCount") => f(F::ActiveCountOld),
        (Mod::Threading, "enumerate") => f(F::Enumerate),
        (Mod::Threading, "Timer") => f(F::Timer),
        (Mod::Threading, "local") => f(F::Local),
        (Mod::Threading, "excepthook" | "__excepthook__") => f(F::ExceptHook),
        (Mod::Threading, "ExceptHookArgs") => Some(V::Class(excepthook_args_class())),
        (Mod::Time, "sleep") => f(F::Sleep),
        (Mod::Time, "time") => f(F::Time),
        (Mod::Time, "ctime") => f(F::Ctime),
        (Mod::Time, "strftime") => f(F::Strftime),
        (Mod::Time, "perf_counter" | "process_time" | "thread_time") => f(F::PerfCounter),
        (Mod::Time, "monotonic") => f(F::Monotonic),
        (Mod::Time, "time_ns" | "perf_counter_ns" | "monotonic_ns") => f(F::TimeNs),
        (Mod::Queue, "Queue") => f(F::Queue(QKind::Fifo)),
        (Mod::Queue, "LifoQueue") => f(F::Queue(QKind::Lifo)),
        (Mod::Queue, "PriorityQueue") => f(F::Queue(QKind::Priority)),
        (Mod::Queue, "SimpleQueue") => f(F::Queue(QKind::Simple)),
        (Mod::Queue, "Empty") => exc_class("Empty"),
        (Mod::Queue, "Full") => exc_class("Full"),
        (Mod::Sys, "setswitchinterval") => f(F::SetSwitchInterval),
        (Mod::Sys, "getswitchinterval") => f(F::GetSwitchInterval),
        (Mod::Sys, "exit") => f(F::Exit),
        (Mod::Sys, "stderr") => Some(V::Native(Arc::new(Native::Stderr))),
        (Mod::Sys, "stdout") => Some(V::Native(Arc::new(Native::Stdout))),
        (Mod::Sys, "version") => Some(V::str("3.11.7 (Threadline)")),
        (Mod::Sys, "platform") => Some(V::str("linux")),
        (Mod::Sys, "maxsize") => Some(V::Int(i64::MAX)),
        (Mod::Os, "getpid") => f(F::GetPid),
        (Mod::Os, "getppid") => f(F::GetPPid),
        (Mod::Os, "cpu_count") => f(F::CpuCount),
        (Mod::Random, "random") => f(F::RandomRandom),
        (Mod::Random, "randint") => f(F::RandomRandint),
        (Mod::Random, "uniform") => f(F::RandomUniform),
        (Mod::Random, "choice") => f(F::RandomChoice),
        (Mod::Random, "shuffle") => f(F::RandomShuffle),
        (Mod::Random, "seed") => f(F::RandomSeed),
        (Mod::Random, "randrange") => f(F::RandomRandrange),
        (Mod::Random, "sample") => f(F::RandomSample),
        (Mod::Random, "getrandbits") => f(F::RandomGetrandbits),
        (Mod::Math, "sqrt") => f(F::MathSqrt),
        (Mod::Math, "floor") => f(F::MathFloor),
        (Mod::Math, "ceil") => f(F::MathCeil),
        (Mod::Math, "factorial") => f(F::MathFactorial),
        (Mod::Math, "gcd") => f(F::MathGcd),
        (Mod::Math, "log") => f(F::MathLog),
        (Mod::Math, "exp") => f(F::MathExp),
        (Mod::Math, "isclose") => f(F::MathIsclose),
        (Mod::Math, "fsum") => f(F::MathFsum),
        (Mod::Math, "prod") => f(F::MathProd),
        (Mod::Math, "pi") => Some(V::Float(std::f64::consts::PI)),
        (Mod::Math, "e") => Some(V::Float(std::f64::consts::E)),
        (Mod::Math, "inf") => Some(V::Float(f64::INFINITY)),
        (Mod::Functools, "partial") => f(F::Partial),
        (Mod::Functools, "reduce") => f(F::Reduce),
        (Mod::Functools, n) => super::functools::module_attr(n),
        (Mod::Heapq, n) => super::heapq::module_attr(n),
        (Mod::Bisect, n) => super::bisect::module_attr(n),
        (Mod::Statistics, n) => super::statistics::module_attr(n),
        (Mod::Json, n) => super::json::module_attr(n),
        (Mod::Operator, n) => super::operator::module_attr(n),
        (Mod::Dataclasses, n) => super::dataclasses::module_attr(n),
        (Mod::Enum, n) => super::enums::module_attr(n),
        (Mod::Itertools, "count") => f(F::Count),
        (Mod::Itertools, n) => super::itertools::module_attr(n),
        (Mod::Contextlib, n) => super::contextlib::module_attr(n),
        (Mod::Asyncio, n) => super::asyncio::module_attr(n),
        (Mod::Pprint, n) => super::pprint::module_attr(n),
        (Mod::Traceback, n) => super::traceback::module_attr(n),
        (Mod::Datetime, n) => super::datetime::module_attr(n),
        (Mod::Sys, "getrecursionlimit") => f(F::GetRecursionLimit),
        (Mod::Sys, "setrecursionlimit") => f(F::SetRecursionLimit),
        (Mod::Sys, "exc_info") => f(F::ExcInfo),
        (Mod::Sys, "version_info") => {
            Some(V::tuple(vec![V::Int(3), V::Int(11), V::Int(7), V::str("final"), V::Int(0)]))
        }
        // A scenario sees no environment variables of the user's.
        (Mod::Os, "environ") => Some(V::Dict(Arc::new(Mutex::new(super::value::Dict::default())))),
        (Mod::Typing, n) => super::typing::module_attr(n),
        (Mod::String, n) => super::string::module_attr(n),
        (Mod::Textwrap, n) => super::textwrap::module_attr(n),
        (Mod::Uuid, n) => super::uuid::module_attr(n),
        (Mod::Timeit, n) => super::timeit::module_attr(n),
        (Mod::Logging, n) => super::logging::module_attr(n),
        (Mod::Collections, "namedtuple") => f(F::NamedTuple),
        (Mod::Collections, n) => super::collections::CollFn::of_name(n).and_then(|c| f(F::Coll(c))),
        (Mod::Concurrent, "futures") => module("concurrent.futures"),
        (Mod::ConcurrentFutures, "ThreadPoolExecutor") => f(F::ThreadPoolExecutor),
        (Mod::ConcurrentFutures, "ProcessPoolExecutor") => f(F::ProcessPoolExecutor),
        (Mod::ConcurrentFutures, "as_completed") => f(F::AsCompleted),
        (Mod::ConcurrentFutures, "wait") => f(F::Wait),
        (Mod::ConcurrentFutures, "TimeoutError") => exc_class("TimeoutError"),
        (Mod::ConcurrentFutures, "CancelledError") => exc_class("CancelledError"),
        (Mod::ConcurrentFutures, "FIRST_COMPLETED") => Some(V::str("FIRST_COMPLETED")),
        (Mod::ConcurrentFutures, "ALL_COMPLETED") => Some(V::str("ALL_COMPLETED")),
        (Mod::ConcurrentFutures, "FIRST_EXCEPTION") => Some(V::str("FIRST_EXCEPTION")),
        (Mod::Multiprocessing, "Process") => Some(V::Class(process_class())),
        (Mod::Multiprocessing, "current_process") => f(F::CurrentProcess),
        (Mod::Multiprocessing, "cpu_count") => f(F::CpuCount),
        (Mod::Multiprocessing, "Queue") => f(F::Queue(QKind::Mp)),
        (Mod::Multiprocessing, "JoinableQueue") => f(F::Queue(QKind::JoinableMp)),
        (Mod::Multiprocessing, "Pipe") => f(F::Pipe),
        (Mod::Multiprocessing, "Lock") => f(F::Lock),
        (Mod::Multiprocessing, "RLock") => f(F::RLock),
        (Mod::Multiprocessing, "Semaphore") => f(F::Semaphore),
        (Mod::Multiprocessing, "BoundedSemaphore") => f(F::BoundedSemaphore),
        (Mod::Multiprocessing, "Event") => f(F::Event),
        (Mod::Multiprocessing, "Condition") => f(F::Condition),
        (Mod::Multiprocessing, "Barrier") => f(F::Barrier),
        (Mod::Multiprocessing, "Value") => f(F::Value),
        (Mod::Multiprocessing, "Array") => f(F::Array),
        (Mod::Multiprocessing, "Manager") => f(F::Manager),
        (Mod::Multiprocessing, "synchronize") => module("multiprocessing"),
        (Mod::Multiprocessing, "Pool") => f(F::Pool),
        (Mod::Multiprocessing, "TimeoutError") => exc_class("TimeoutError"),
        _ => None,
    }
}

/// A `kwargs` dict as keyword arguments (string keys only, in order).
fn kwargs_of(d: &V) -> Kw {
    match d {
        V::Dict(d) => d
            .lock()
            .map
            .values()
            .filter_map(|(k, v)| match k {
                V::Str(k) => Some((k.clone(), v.clone())),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn kwarg(kw: &mut Kw, name: &str) -> Option<V> {
    let i = kw.iter().position(|(k, _)| &**k == name)?;
    Some(kw.remove(i).1)
}

/// Positional-or-keyword argument `i` named `name`.
fn arg(pos: &[V], kw: &mut Kw, i: usize, name: &str) -> Option<V> {
    kwarg(kw, name).or_else(|| pos.get(i).cloned())
}

fn no_more(fname: &str, kw: &Kw) -> R<()> {
    match kw.first() {
        Some((k, _)) => type_err(format!("{fname}() got an unexpected keyword argument '{k}'")),
        None => Ok(()),
    }
}

/// A timeout in seconds → ms; None means forever. Python's `-1` (Lock) means forever too.
fn timeout_ms(v: Option<V>) -> R<Option<f64>> {
    match v {
        None | Some(V::None) => Ok(None),
        Some(v) => match super::builtins::to_f64(&v) {
            Some(s) => Ok(Some(s * 1e3)),
            None => type_err(format!("'{}' object cannot be interpreted as a number", v.type_name())),
        },
    }
}

fn seconds(v: &V, what: &str) -> R<f64> {
    match super::builtins::to_f64(v) {
        Some(s) if s.is_nan() => raise("ValueError", "Invalid value NaN (not a number)"),
        Some(s) => Ok(s),
        None => type_err(format!("'{}' object cannot be interpreted as an integer{what}", v.type_name())),
    }
}

fn acquirable(n: &Native) -> Option<&dyn Acquire> {
    Some(match n {
        Native::Lock(l, _) => l.as_ref(),
        Native::RLock(l, _) => l.as_ref(),
        Native::Sem(s, _) => s.as_ref(),
        Native::Cond(c, _) => c.as_ref(),
        Native::Shared(_, l, _, _) => l.as_ref(),
        _ => return None,
    })
}

fn current_thread_obj(it: &Interp<'_>) -> V {
    it.w.thread_object(it.ctx.tid)
}

/// Call a native callable.
pub fn call_native(it: &mut Interp<'_>, n: &Arc<Native>, pos: Vec<V>, kw: Kw) -> R<V> {
    match &**n {
        Native::Fn(f) => call_fn(it, *f, pos, kw),
        Native::Method(obj, name) => {
            let obj = obj.clone();
            it.call_method(&obj, name, pos, kw)
        }
        Native::Partial(f, args, pkw) => {
            let mut a = args.clone();
            a.extend(pos);
            let mut k = pkw.clone();
            for (name, v) in kw {
                k.retain(|(n, _)| *n != name);
                k.push((name, v));
            }
            let f = f.clone();
            it.call(&f, a, k)
        }
        other => type_err(format!("'{}' object is not callable", other.type_name())),
    }
}

pub(crate) fn new_resource(it: &Interp<'_>, name: String, kind: ResourceKind, capacity: i64) -> ResIx {
    it.w.add_resource(it.ctx, ResourceInfo { name, kind, capacity, style: None, duplex: None })
}

fn binding_name(it: &Interp<'_>, fallback: &str) -> String {
    // The variable the new object is assigned to, read from the statement's source line.
    it.w.binding_name(it.ctx.line.get()).unwrap_or_else(|| fallback.to_string())
}

fn call_fn(it: &mut Interp<'_>, f: NFn, pos: Vec<V>, mut kw: Kw) -> R<V> {
    use NFn as F;
    let ctx = it.ctx;
    match f {
        F::Lock => {
            let res = new_resource(it, binding_name(it, "lock"), ResourceKind::Lock, 0);
            let l = Arc::new(Lock::new(res));
            ctx.shared.register(l.clone());
            Ok(V::Native(Arc::new(Native::Lock(l, res))))
        }
        F::RLock => {
            let res = new_resource(it, binding_name(it, "rlock"), ResourceKind::Rlock, 0);
            let l = Arc::new(RLock::new(res));
            ctx.shared.register(l.clone());
            Ok(V::Native(Arc::new(Native::RLock(l, res))))
        }
        F::Semaphore | F::BoundedSemaphore => {
            let v = arg(&pos, &mut kw, 0, "value").unwrap_or(V::Int(1));
            no_more(if f == F::Semaphore { "Semaphore" } else { "BoundedSemaphore" }, &kw)?;
            let v = super::builtins::index(&v)?;
            if v < 0 {
                return raise("ValueError", "semaphore initial value must be >= 0");
            }
            let bounded = f == F::BoundedSemaphore;
            let kind = if bounded { ResourceKind::BoundedSemaphore } else { ResourceKind::Semaphore };
            let res = new_resource(it, binding_name(it, "semaphore"), kind, v);
            let s = Arc::new(Semaphore::new(res, v, bounded).map_err(|e| Flow::from(Unwind::Raise(e)))?);
            ctx.shared.register(s.clone());
            Ok(V::Native(Arc::new(Native::Sem(s, res))))
        }
        F::Condition => {
            let given = arg(&pos, &mut kw, 0, "lock");
            let res = new_resource(it, binding_name(it, "condition"), ResourceKind::Condition, 0);
            let lock = match given.as_ref() {
                Some(V::Native(n)) => match &**n {
                    Native::Lock(l, _) => CondLock::Lock(l.clone()),
                    Native::RLock(l, r) => CondLock::RLock(l.clone(), *r),
                    _ => return type_err("Condition(lock): lock must be a threading.Lock or RLock"),
                },
                None | Some(V::None) => CondLock::Own(RLock::new(res)),
                Some(_) => return type_err("Condition(lock): lock must be a threading.Lock or RLock"),
            };
            let c = Arc::new(Condition::with_lock(res, lock));
            ctx.shared.register(c.clone());
            Ok(V::Native(Arc::new(Native::Cond(c, res))))
        }
        F::Event => {
            let res = new_resource(it, binding_name(it, "event"), ResourceKind::Event, 0);
            let e = Arc::new(PyEvent::new(res));
            ctx.shared.register(e.clone());
            Ok(V::Native(Arc::new(Native::Event(e, res))))
        }
        F::Barrier => {
            let parties = arg(&pos, &mut kw, 0, "parties")
                .ok_or(())
                .or_else(|_| type_err("Barrier() missing required argument 'parties'"))?;
            let parties = super::builtins::index(&parties)?;
            if parties < 1 {
                return raise("ValueError", "parties must be >= 1");
            }
            let res = new_resource(it, binding_name(it, "barrier"), ResourceKind::Barrier, parties);
            let action = arg(&pos, &mut kw, 1, "action").unwrap_or(V::None);
            let timeout = timeout_ms(arg(&pos, &mut kw, 2, "timeout"))?;
            let b = Arc::new(BarrierObj {
                res,
                parties: parties as usize,
                action,
                timeout_ms: timeout,
                st: Mutex::new(BarrierState::default()),
                cv: Condvar::new(),
            });
            ctx.shared.register(b.clone());
            Ok(V::Native(Arc::new(Native::Barrier(b))))
        }
        F::Queue(kind) => {
            let maxsize = match kind {
                QKind::Simple => 0,
                _ => arg(&pos, &mut kw, 0, "maxsize").map(|v| super::builtins::index(&v)).transpose()?.unwrap_or(0),
            };
            let order = match kind {
                QKind::Lifo => QueueOrder::Lifo,
                QKind::Priority => QueueOrder::Priority,
                _ => QueueOrder::Fifo,
            };
            let res = new_resource(it, binding_name(it, "queue"), ResourceKind::Queue, maxsize.max(0));
            let q = Arc::new(Queue::with_order(res, maxsize.clamp(0, 1 << 40) as usize, order));
            ctx.shared.register(q.clone());
            Ok(V::Native(Arc::new(Native::Queue(q, res, kind))))
        }
        F::Local => Ok(V::Native(Arc::new(Native::Local(Mutex::new(std::collections::HashMap::new()))))),
        F::Ctime | F::Strftime => {
            // UTC: a scenario's clock starts at the run's wall time (see time.time()).
            let now = it.w.wall_start + it.w.elapsed_s(ctx);
            let (fmt, t) = if f == F::Ctime {
                ("%c".to_string(), pos.first().and_then(V::as_f64).unwrap_or(now))
            } else {
                match pos.first() {
                    Some(V::Str(s)) => (s.to_string(), now),
                    _ => return type_err("strftime() argument 1 must be str"),
                }
            };
            if f == F::Strftime && pos.len() > 1 {
                return raise("NotImplementedError", "time.strftime with a time tuple is not supported yet");
            }
            Ok(V::str(super::logging::strftime(t, &fmt)))
        }
        F::CurrentThreadOld => {
            deprecated(it, "currentThread() is deprecated, use current_thread() instead");
            Ok(current_thread_obj(it))
        }
        F::ActiveCountOld => {
            deprecated(it, "activeCount() is deprecated, use active_count() instead");
            call_fn(it, F::ActiveCount, pos, kw)
        }
        F::CurrentThread => Ok(current_thread_obj(it)),
        F::MainThread => Ok(it.w.thread_object(0)),
        F::GetIdent => Ok(V::Int(thread_ident(ctx.tid))),
        F::ActiveCount => {
            Ok(V::Int(ctx.shared.life().iter().filter(|l| **l == threadline_runtime::rt::Life::Alive).count() as i64))
        }
        F::Enumerate => {
            let life = ctx.shared.life();
            Ok(V::list(
                (0..life.len())
                    .filter(|&t| life[t] == threadline_runtime::rt::Life::Alive)
                    .map(|t| it.w.thread_object(t as ThreadIx))
                    .collect(),
            ))
        }
        F::Timer => {
            let interval = arg(&pos, &mut kw, 0, "interval").unwrap_or(V::Int(0));
            let function = arg(&pos, &mut kw, 1, "function").unwrap_or_default();
            let args = arg(&pos, &mut kw, 2, "args").unwrap_or_else(|| V::tuple(Vec::new()));
            let kwargs = arg(&pos, &mut kw, 3, "kwargs").unwrap_or(V::None);
            let secs = seconds(&interval, "")?;
            let res = new_resource(it, "timer".into(), ResourceKind::Event, 0);
            let cancel = Arc::new(PyEvent::new(res));
            ctx.shared.register(cancel.clone());
            let inst = new_inst(timer_class());
            init_thread(it, &inst, function, args, kwargs, None, None, Some((secs, cancel)))?;
            Ok(inst)
        }
        F::Sleep => {
            let Some(s) = pos.first() else { return type_err("time.sleep() takes exactly one argument (0 given)") };
            let s = seconds(s, "")?;
            if s < 0.0 {
                return raise("ValueError", "sleep length must be non-negative");
            }
            ctx.sleep(s * 1e3, true)?;
            Ok(V::None)
        }
        F::Time => Ok(V::Float(it.w.wall_start + it.w.elapsed_s(ctx))),
        F::PerfCounter | F::Monotonic => Ok(V::Float(it.w.elapsed_s(ctx) + 1000.0)),
        F::TimeNs => Ok(V::Int((it.w.elapsed_s(ctx) * 1e9) as i64)),
        F::SetSwitchInterval => {
            // The run's switch interval is fixed when it starts (the GIL model reads it once).
            Ok(V::None)
        }
        F::GetSwitchInterval => Ok(V::Float(ctx.shared.settings.switch_interval_ms / 1e3)),
        F::Exit => {
            let code = pos.into_iter().next().unwrap_or(V::None);
            Err(Flow::Exc(Box::new(super::interp::Exc {
                value: exc::instance(
                    exc::class("SystemExit"),
                    if matches!(code, V::None) { Vec::new() } else { vec![code] },
                ),
                tb: Vec::new(),
            })))
        }
        F::GetPid => Ok(V::Int(i64::from(it.w.pid_of(ctx.process)))),
        F::GetPPid => Ok(V::Int(i64::from(if ctx.process == 0 { it.w.base_pid - 1 } else { it.w.base_pid }))),
        F::CpuCount => Ok(V::Int(std::thread::available_parallelism().map_or(1, |n| n.get()) as i64)),
        F::RandomRandom => Ok(V::Float(it.w.random())),
        F::RandomUniform => {
            let (a, b) =
                (pos.first().and_then(V::as_f64).unwrap_or(0.0), pos.get(1).and_then(V::as_f64).unwrap_or(1.0));
            Ok(V::Float(it.w.rng().uniform(a, b)))
        }
        F::RandomRandint | F::RandomRandrange => {
            let fname = if f == F::RandomRandint { "randint" } else { "randrange" };
            let mut ints = Vec::with_capacity(3);
            for (i, name) in ["start", "stop", "step"].into_iter().enumerate() {
                let v = arg(&pos, &mut kw, i, if f == F::RandomRandint { ["a", "b", "-"][i] } else { name });
                ints.push(match v {
                    None | Some(V::None) => None,
                    Some(v) => Some(v.to_big().ok_or(()).or_else(|_| {
                        type_err(format!("'{}' object cannot be interpreted as an integer", v.type_name()))
                    })?),
                });
            }
            no_more(fname, &kw)?;
            let r = match (f, &ints[..]) {
                (F::RandomRandint, [Some(a), Some(b), None]) => it.w.rng().randint(a, b),
                (F::RandomRandint, [_, None, _]) => {
                    return type_err("Random.randint() missing 1 required positional argument: 'b'");
                }
                (F::RandomRandrange, [Some(a), b, s]) => it.w.rng().randrange(a, b.as_ref(), s.as_ref()),
                _ => return type_err(format!("{fname}() missing 1 required positional argument")),
            };
            match r {
                Ok(n) => Ok(V::from_big(n)),
                Err(m) if m == super::mt::RANDRANGE_MISSING_STOP => type_err(m),
                Err(m) => raise("ValueError", m),
            }
        }
        F::RandomGetrandbits => {
            let k = arg(&pos, &mut kw, 0, "k").map(|v| super::builtins::index(&v)).transpose()?;
            let Some(k) = k else { return type_err("getrandbits() takes exactly one argument (0 given)") };
            if k < 0 {
                return raise("ValueError", "number of bits must be non-negative");
            }
            if k > 1 << 24 {
                return raise("MemoryError", "");
            }
            Ok(V::from_big(it.w.rng().getrandbits(k as u32)))
        }
        F::RandomChoice => {
            let items = it.to_vec(pos.first().unwrap_or(&V::None))?;
            if items.is_empty() {
                return raise("IndexError", super::mt::CHOICE_EMPTY);
            }
            let i = it.w.rng().choice_index(items.len());
            Ok(items[i].clone())
        }
        F::RandomSample => {
            let items = it.to_vec(pos.first().unwrap_or(&V::None))?;
            let k = arg(&pos, &mut kw, 1, "k").map(|v| super::builtins::index(&v)).transpose()?;
            let Some(k) = k else { return type_err("sample() missing 1 required positional argument: 'k'") };
            if k < 0 {
                return raise("ValueError", super::mt::SAMPLE_TOO_LARGE);
            }
            let picked = it.w.rng().sample_indices(items.len(), k as usize);
            match picked {
                Ok(ix) => Ok(V::list(ix.into_iter().map(|i| items[i].clone()).collect())),
                Err(m) => raise("ValueError", m),
            }
        }
        F::RandomShuffle => {
            match pos.first() {
                Some(V::List(l)) => it.w.rng().shuffle(&mut l.lock()),
                Some(other) => {
                    return type_err(format!("'{}' object does not support item assignment", other.type_name()));
                }
                None => return type_err("Random.shuffle() missing 1 required positional argument: 'x'"),
            }
            Ok(V::None)
        }
        F::RandomSeed => {
            let fresh = match arg(&pos, &mut kw, 0, "a") {
                None | Some(V::None) => None,
                Some(V::Str(s)) => Some(super::mt::Mt::from_seed_str(&s)),
                Some(V::Float(x)) if x.fract() == 0.0 && x.is_finite() => {
                    Some(super::mt::Mt::from_seed_int(&num_bigint::BigInt::from(x as i64)))
                }
                Some(v) => match v.to_big() {
                    Some(n) => Some(super::mt::Mt::from_seed_int(&n)),
                    None => {
                        return type_err(
                            "The only supported seed types are: None,\nint, float, str, bytes, and bytearray.",
                        );
                    }
                },
            };
            match fresh {
                Some(m) => *it.w.rng() = m,
                None => it.w.reseed_random(),
            }
            Ok(V::None)
        }
        F::MathSqrt | F::MathExp | F::MathFloor | F::MathCeil | F::MathLog => {
            let Some(x) = pos.first() else { return type_err("math function takes exactly one argument (0 given)") };
            if matches!(f, F::MathFloor | F::MathCeil) && x.is_int() {
                return Ok(x.clone());
            }
            let Some(v) = super::builtins::to_f64(x) else {
                return type_err(format!("must be real number, not {}", x.type_name()));
            };
            Ok(match f {
                F::MathSqrt => {
                    if v < 0.0 {
                        return raise("ValueError", "math domain error");
                    }
                    V::Float(v.sqrt())
                }
                F::MathExp => V::Float(v.exp()),
                F::MathLog => {
                    if v <= 0.0 {
                        return raise("ValueError", "math domain error");
                    }
                    match pos.get(1).and_then(super::builtins::to_f64) {
                        Some(b) => V::Float(v.ln() / b.ln()),
                        None => V::Float(v.ln()),
                    }
                }
                F::MathFloor => V::Int(v.floor() as i64),
                _ => V::Int(v.ceil() as i64),
            })
        }
        F::MathFactorial => {
            let n = super::builtins::index(pos.first().unwrap_or(&V::None))?;
            if n < 0 {
                return raise("ValueError", "factorial() not defined for negative values");
            }
            if n > 20_000 {
                return raise("OverflowError", "factorial() argument should not exceed 20000 in Threadline");
            }
            let mut acc = num_bigint::BigInt::from(1);
            for i in 2..=n {
                acc *= i;
            }
            Ok(V::from_big(acc))
        }
        F::MathGcd => {
            let mut g = num_bigint::BigInt::from(0);
            for v in &pos {
                let b = v
                    .to_big()
                    .ok_or(())
                    .or_else(|_| type_err(format!("'{}' object cannot be interpreted as an integer", v.type_name())))?;
                g = num_integer::Integer::gcd(&g, &b);
            }
            Ok(V::from_big(g))
        }
        F::MathIsclose => {
            let a = pos.first().and_then(super::builtins::to_f64).unwrap_or(0.0);
            let b = pos.get(1).and_then(super::builtins::to_f64).unwrap_or(0.0);
            let rel = kwarg(&mut kw, "rel_tol").and_then(|v| v.as_f64()).unwrap_or(1e-9);
            let abs = kwarg(&mut kw, "abs_tol").and_then(|v| v.as_f64()).unwrap_or(0.0);
            Ok(V::Bool(a == b || (a - b).abs() <= (rel * a.abs().max(b.abs())).max(abs)))
        }
        F::MathFsum => {
            let items = it.to_vec(pos.first().unwrap_or(&V::None))?;
            Ok(V::Float(items.iter().filter_map(super::builtins::to_f64).sum()))
        }
        F::MathProd => {
            let items = it.to_vec(pos.first().unwrap_or(&V::None))?;
            let mut acc = V::Int(1);
            for x in items {
                acc = it.binop(super::ir::BinOp::Mul, &acc, &x)?;
            }
            Ok(acc)
        }
        F::Partial => {
            let mut pos = pos;
            if pos.is_empty() {
                return type_err("type 'partial' takes at least one argument");
            }
            let func = pos.remove(0);
            Ok(V::Native(Arc::new(Native::Partial(func, pos, kw))))
        }
        F::Reduce => {
            let func = pos.first().cloned().unwrap_or_default();
            let items = it.to_vec(pos.get(1).unwrap_or(&V::None))?;
            let mut iter = items.into_iter();
            let mut acc = match pos.get(2).cloned().or_else(|| iter.next()) {
                Some(v) => v,
                None => return type_err("reduce() of empty iterable with no initial value"),
            };
            for x in iter {
                acc = it.call(&func, vec![acc, x], Vec::new())?;
            }
            Ok(acc)
        }
        F::Coll(c) => super::collections::construct(it, c, pos, kw),
        F::Log(l) => super::logging::call(it, l, pos, kw),
        F::NamedTuple => super::namedtuple::namedtuple(it, pos, kw),
        F::ExceptHook => {
            // threading.__excepthook__(args): what CPython prints for a thread's exception.
            let Some(args) = pos.first() else {
                return type_err("excepthook() missing 1 required positional argument: 'args'");
            };
            let value = it.get_item(args, &V::Int(1))?;
            if exc::is_instance_of(&value, "SystemExit") {
                return Ok(V::None);
            }
            let thread = it.get_item(args, &V::Int(3))?;
            let name = match thread {
                V::None => thread_name_of(it, &current_thread_obj(it))?,
                t => thread_name_of(it, &t)?,
            };
            let e = super::interp::Exc { value, tb: Vec::new() };
            let lines = super::traceback_lines(it, &e, Some(format!("Exception in thread {name}:")), false);
            let mut text = lines.join("\n");
            text.push('\n');
            it.w.write_out(ctx, &text, true);
            Ok(V::None)
        }
        F::Nt(m) => super::namedtuple::call(it, m, pos, kw),
        F::Heapq(h) => super::heapq::call(it, h, pos, kw),
        F::Bisect(b) => super::bisect::call(it, b, pos, kw),
        F::Stats(s) => super::statistics::call(it, s, pos, kw),
        F::Json(j) => super::json::call(it, j, pos, kw),
        F::Operator(o) => super::operator::call(it, o, pos, kw),
        F::Ft(x) => super::functools::call(it, x, pos, kw),
        F::Iter(x) => super::itertools::call(it, x, pos, kw),
        F::Ctx(x) => super::contextlib::call(it, x, pos, kw),
        F::Aio(x) => super::asyncio::call(it, x, pos, kw),
        F::Pp(x) => super::pprint::call(it, x, pos, kw),
        F::Tb(x) => super::traceback::call(it, x, pos, kw),
        F::Dt(x) => super::datetime::call(it, x, pos, kw),
        F::GetRecursionLimit => Ok(V::Int(super::interp::RECURSION_LIMIT as i64)),
        F::SetRecursionLimit => {
            let n = pos.first().and_then(V::as_int);
            match n {
                Some(n) if n >= 1 => Ok(V::None),
                Some(_) => raise("ValueError", "recursion limit must be greater or equal than 1"),
                None => type_err("'setrecursionlimit' requires an integer"),
            }
        }
        F::ExcInfo => Ok(super::traceback::exc_info(it)),
        F::Typing(x) => super::typing::call(it, x, pos, kw),
        F::Text(x) => super::textwrap::call(it, x, pos, kw),
        F::Uuid(x) => super::uuid::call(it, x, pos, kw),
        F::Capwords => super::string::capwords(pos, kw),
        F::Dc(x) => super::dataclasses::call(it, x, pos, kw),
        F::En(x) => super::enums::call(it, x, pos, kw),
        F::Count => super::itertools::count(pos, kw),
        F::ThreadPoolExecutor | F::ProcessPoolExecutor | F::Pool => {
            let mw =
                if f == F::Pool { arg(&pos, &mut kw, 0, "processes") } else { arg(&pos, &mut kw, 0, "max_workers") };
            let prefix = kwarg(&mut kw, "thread_name_prefix");
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as i64;
            let max_workers = match mw {
                None | Some(V::None) => {
                    if f == F::ThreadPoolExecutor {
                        (cores + 4).min(32)
                    } else {
                        cores
                    }
                }
                Some(v) => super::builtins::index(&v)?,
            };
            if max_workers <= 0 {
                return raise(
                    "ValueError",
                    if f == F::Pool {
                        "Number of processes must be at least 1"
                    } else {
                        "max_workers must be greater than 0"
                    },
                );
            }
            if max_workers > 256 {
                return raise("ValueError", format!("Threadline runs pools of up to 256 workers, not {max_workers}"));
            }
            let style = match f {
                F::ThreadPoolExecutor => PoolStyle::ThreadPool,
                F::ProcessPoolExecutor => PoolStyle::ProcessPool,
                _ => PoolStyle::MpPool,
            };
            let prefix = match (style, prefix) {
                (PoolStyle::ThreadPool, Some(V::Str(p))) => p.to_string(),
                (PoolStyle::ThreadPool, _) => format!("ThreadPoolExecutor-{}", it.w.next_executor_number()),
                (PoolStyle::ProcessPool, _) => "ForkProcess".to_string(),
                _ => "ForkPoolWorker".to_string(),
            };
            let name = binding_name(it, if f == F::Pool { "pool" } else { "executor" });
            let res = it.w.add_resource(
                ctx,
                ResourceInfo {
                    name,
                    kind: ResourceKind::Pool,
                    capacity: max_workers,
                    style: Some(style),
                    duplex: None,
                },
            );
            let queue = Arc::new(Queue::with_order(res, 0, QueueOrder::Fifo));
            ctx.shared.register(queue.clone());
            let ex = Arc::new(ExecutorObj {
                res,
                process: ctx.process,
                max_workers: max_workers as usize,
                prefix,
                queue,
                st: Mutex::new(ExecState::default()),
                style,
            });
            it.w.executors.lock().push(ex.clone());
            if style == PoolStyle::MpPool {
                // multiprocessing.Pool starts all its workers at once.
                for _ in 0..ex.max_workers {
                    spawn_worker(it, &ex)?;
                }
            }
            Ok(V::Native(Arc::new(Native::Executor(ex))))
        }
        F::AsCompleted => {
            // A lazy iterator: each `next` waits for the next future to finish, so the loop
            // body runs as each one completes (CPython's as_completed is a generator).
            let futs = it.to_vec(pos.first().unwrap_or(&V::None))?;
            let timeout = timeout_ms(arg(&pos, &mut kw, 1, "timeout"))?;
            let deadline = timeout.map(|ms| ctx.now() + ctx.scaled(ms));
            let mut pending: Vec<Arc<FutureObj>> = Vec::new();
            for f in &futs {
                match f {
                    V::Native(n) => match &**n {
                        Native::Future(fo) => {
                            if !pending.iter().any(|p| Arc::ptr_eq(p, fo)) {
                                pending.push(fo.clone());
                            }
                        }
                        _ => return type_err(format!("'{}' object is not a Future", f.type_name())),
                    },
                    _ => return type_err(format!("'{}' object is not a Future", f.type_name())),
                }
            }
            let total = pending.len();
            let state = AsCompleted { pending: Mutex::new(pending), deadline, total };
            Ok(V::Iter(Arc::new(Mutex::new(super::value::PyIter::Completed(Arc::new(state))))))
        }
        F::Wait => {
            // concurrent.futures.wait(fs, timeout=None, return_when=ALL_COMPLETED): never
            // raises a task's exception; returns (done, not_done).
            let futs = it.to_vec(pos.first().unwrap_or(&V::None))?;
            let timeout = timeout_ms(arg(&pos, &mut kw, 1, "timeout"))?;
            let when = match arg(&pos, &mut kw, 2, "return_when") {
                Some(V::Str(w)) => w.to_string(),
                _ => "ALL_COMPLETED".to_string(),
            };
            let deadline = timeout.map(|ms| ctx.now() + ctx.scaled(ms));
            let fobjs: Vec<Option<Arc<FutureObj>>> = futs
                .iter()
                .map(|f| match f {
                    V::Native(n) => match &**n {
                        Native::Future(fo) => Some(fo.clone()),
                        _ => None,
                    },
                    _ => None,
                })
                .collect();
            // CPython reaches for each one's `_condition`: a non-future fails at once.
            if let Some((bad, _)) = futs.iter().zip(&fobjs).find(|(_, f)| f.is_none()) {
                return raise("AttributeError", format!("'{}' object has no attribute '_condition'", bad.type_name()));
            }
            loop {
                ctx.check()?;
                let states: Vec<Option<bool>> = fobjs
                    .iter()
                    .map(|f| f.as_ref().and_then(|f| f.st.lock().done.as_ref().map(|r| r.is_err())))
                    .collect();
                let n_done = states.iter().filter(|s| s.is_some()).count();
                let satisfied = n_done == states.len()
                    || (when == "FIRST_COMPLETED" && n_done > 0)
                    || (when == "FIRST_EXCEPTION" && states.contains(&Some(true)));
                if satisfied || deadline.is_some_and(|d| ctx.now() >= d) {
                    let (mut done, mut not_done) = (Vec::new(), Vec::new());
                    for (f, st) in futs.iter().zip(&states) {
                        if st.is_some() { done.push(f.clone()) } else { not_done.push(f.clone()) }
                    }
                    let set = super::ir::Builtin::Set;
                    let done = super::builtins::call_builtin(it, set, vec![V::list(done)], Vec::new())?;
                    let not_done = super::builtins::call_builtin(it, set, vec![V::list(not_done)], Vec::new())?;
                    static C: OnceLock<Arc<Class>> = OnceLock::new();
                    let class = C.get_or_init(|| {
                        let fields = ["done", "not_done"].map(String::from);
                        super::namedtuple::make_class(
                            "DoneAndNotDoneFutures",
                            "concurrent.futures._base",
                            &fields,
                            Vec::new(),
                        )
                    });
                    return Ok(super::namedtuple::instance(class, vec![done, not_done]));
                }
                let Some(f) = fobjs.iter().zip(&states).find_map(|(f, s)| if s.is_none() { f.clone() } else { None })
                else {
                    continue;
                };
                let step = ctx.now() + std::time::Duration::from_millis(2);
                let until = deadline.map_or(step, |d| d.min(step));
                ctx.blocking(WaitTarget::Resource(f.res), true, || {
                    let mut st = f.st.lock();
                    ctx.wait_until(&f.cv, &mut st, Some(until), |s| s.done.is_some())
                })?;
            }
        }
        F::CurrentProcess => Ok(it.w.process_object(ctx.process)),
        F::Pipe => {
            let duplex = arg(&pos, &mut kw, 0, "duplex").is_none_or(|v| v.truthy());
            let name = binding_name(it, "pipe");
            let res = it.w.add_resource(
                ctx,
                ResourceInfo { name, kind: ResourceKind::Pipe, capacity: 0, style: None, duplex: Some(duplex) },
            );
            let p = Arc::new(threadline_runtime::channels::Pipe::new_generic(res, duplex));
            ctx.shared.register(p.clone());
            Ok(V::tuple(vec![V::Native(Arc::new(Native::Conn(p.clone(), 0))), V::Native(Arc::new(Native::Conn(p, 1)))]))
        }
        F::Value => {
            let ctype = c_type(arg(&pos, &mut kw, 0, "typecode_or_type"))?;
            let init = arg(&pos, &mut kw, 1, "value").unwrap_or(if ctype == "c_double" || ctype == "c_float" {
                V::Float(0.0)
            } else {
                V::Int(0)
            });
            let res = new_resource(it, binding_name(it, "value"), ResourceKind::Rlock, 0);
            let l = Arc::new(RLock::new(res));
            ctx.shared.register(l.clone());
            Ok(V::Native(Arc::new(Native::Shared(Arc::new(Mutex::new(init)), l, res, ctype))))
        }
        F::Array => {
            let ctype = c_type(arg(&pos, &mut kw, 0, "typecode_or_type"))?;
            let init = arg(&pos, &mut kw, 1, "size_or_initializer").unwrap_or(V::Int(0));
            let items = match &init {
                V::Int(n) => vec![V::Int(0); (*n).clamp(0, 1 << 20) as usize],
                other => it.to_vec(other)?,
            };
            let res = new_resource(it, binding_name(it, "array"), ResourceKind::Rlock, 0);
            let l = Arc::new(RLock::new(res));
            ctx.shared.register(l.clone());
            Ok(V::Native(Arc::new(Native::Shared(Arc::new(Mutex::new(V::list(items))), l, res, ctype))))
        }
        F::Manager => Ok(V::Native(Arc::new(Native::Module(Mod::Multiprocessing)))),
        F::ThreadMethod(m) => thread_method(it, m, pos, kw),
        F::ExcMethod(m) => {
            let Some(me) = pos.first().cloned() else { return type_err("descriptor needs an argument") };
            match m {
                ExcMethod::Init => {
                    if let V::Inst(i) = &me {
                        i.dict.lock().insert(Arc::from("args"), V::tuple(pos[1..].to_vec()));
                    }
                    Ok(V::None)
                }
                ExcMethod::WithTraceback => Ok(me),
            }
        }
    }
}

/// `threading.get_ident()` of a thread: a stable, realistic-looking number.
pub fn thread_ident(tid: ThreadIx) -> i64 {
    139_900_000_000_000 + i64::from(tid) * 8_392_704
}

fn new_inst(class: Arc<Class>) -> V {
    V::Inst(Arc::new(Inst { class, dict: Mutex::new(IndexMap::default()), native: Mutex::new(InstNative::None) }))
}

/// The native state of a Thread or Process object.
pub fn thread_obj(v: &V) -> Option<Arc<ThreadObj>> {
    match v {
        V::Inst(i) => match &*i.native.lock() {
            InstNative::Thread(t) => Some(t.clone()),
            InstNative::None => None,
        },
        _ => None,
    }
}

#[expect(clippy::too_many_arguments, reason = "Thread.__init__'s own parameters")]
fn init_thread(
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
        return raise("RuntimeError", super::too_many_threads());
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
    fn new(tid: ThreadIx) -> Self {
        ThreadObj {
            tid,
            target: V::None,
            args: Mutex::new(V::tuple(Vec::new())),
            kwargs: Mutex::new(V::None),
            started: Mutex::new(false),
            started_cv: Condvar::new(),
            process: None,
            exitcode: Mutex::new(None),
            timer: None,
        }
    }

    /// The main thread's state (thread 0, already running).
    pub fn main() -> Self {
        ThreadObj { started: Mutex::new(true), ..ThreadObj::new(0) }
    }
}

/// `self._started.wait()` in `Thread.start()`: without the GIL, until the new thread runs
/// (or has ended without running: a run stopped before it took the GIL).
fn wait_started(ctx: &threadline_runtime::rt::Ctx, t: &ThreadObj) -> Result<(), Unwind> {
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

fn thread_method(it: &mut Interp<'_>, m: ThreadMethod, mut pos: Vec<V>, mut kw: Kw) -> R<V> {
    if pos.is_empty() {
        return type_err(format!("descriptor '{}' of 'Thread' object needs an argument", m.name()));
    }
    let me = pos.remove(0);
    let ctx = it.ctx;
    if m == ThreadMethod::Init {
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
            let body = it.w.thread_body(runs, t.clone());
            ctx.shared
                .start_thread(t.tid, std::time::Duration::ZERO, body)
                .map_err(|e| Flow::from(Unwind::Raise(e)))?;
            // `self._started.wait()`: the GIL is released until the new thread runs.
            wait_started(ctx, &t)?;
            Ok(V::None)
        }
        ThreadMethod::Run => {
            let args = t.args.lock().clone();
            let args = it.to_vec(&args)?;
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
            Ok(V::None)
        }
        ThreadMethod::IsAlive => {
            Ok(V::Bool(ctx.shared.life().get(t.tid as usize) == Some(&threadline_runtime::rt::Life::Alive)))
        }
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
            ctx.shared.kill(t.tid);
            Ok(V::None)
        }
        ThreadMethod::Init => Ok(V::None),
    }
}

/// Attributes of a Thread/Process instance that live in its native state.
pub fn inst_native_attr(it: &mut Interp<'_>, i: &Arc<Inst>, name: &str) -> R<Option<V>> {
    let t = match &*i.native.lock() {
        InstNative::Thread(t) => t.clone(),
        InstNative::None => return Ok(None),
    };
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
    let t = match &*i.native.lock() {
        InstNative::Thread(t) => t.clone(),
        InstNative::None => return Ok(false),
    };
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
        InstNative::None => None,
    };
    if let Some(t) = t.clone()
        && let Some(proc_ix) = &t.process
        && t.tid != 0
    {
        // As multiprocessing's BaseProcess.__repr__:
        // `<Process name='Process-1' pid=… parent=… started daemon>`.
        let started = *proc_ix.lock();
        let life = it.ctx.shared.life().get(t.tid as usize).copied();
        let daemon = it.ctx.shared.thread_meta(t.tid).is_some_and(|m| m.daemon);
        let mut info = vec![i.class.name.to_string(), format!("name={}", V::str(it.w.thread_name(t.tid)).repr())];
        if let Some(p) = started {
            info.push(format!("pid={}", it.w.pid_of(p)));
        }
        info.push(format!("parent={}", it.w.pid_of(it.ctx.process)));
        match (started, life) {
            (None, _) => info.push("initial".into()),
            (Some(_), Some(threadline_runtime::rt::Life::Alive)) => info.push("started".into()),
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

fn future_result(it: &mut Interp<'_>, f: &Arc<FutureObj>, timeout: Option<f64>, exc_only: bool) -> R<V> {
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
                Err(Flow::Exc(Box::new(super::interp::Exc { value: e, tb: Vec::new() })))
            }
        }
        None => raise("TimeoutError", ""),
    }
}

fn submit(it: &mut Interp<'_>, ex: &Arc<ExecutorObj>, func: V, args: Vec<V>, kw: Kw) -> R<Arc<FutureObj>> {
    let ctx = it.ctx;
    let task = {
        let mut st = ex.st.lock();
        if ex.style == PoolStyle::MpPool && (st.shutdown || st.closed) {
            return raise("ValueError", "Pool not running");
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
    ctx.record(EventKind::TaskSubmitted { res: ex.res, task, func: fname });
    let fut = Arc::new(FutureObj { res: ex.res, task, st: Mutex::new(FutState::default()), cv: Condvar::new() });
    ctx.shared.register(fut.clone());
    let kwv = {
        let mut d = super::value::Dict::default();
        for (k, v) in kw {
            d.set(V::Str(k), v).or_else(type_err)?;
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

fn spawn_worker(it: &mut Interp<'_>, ex: &Arc<ExecutorObj>) -> R<()> {
    let ctx = it.ctx;
    let n = ex.st.lock().workers.len();
    let process = ex.style != PoolStyle::ThreadPool;
    let name =
        if process { format!("{}-{}", ex.prefix, it.w.next_name_number(true)) } else { format!("{}_{n}", ex.prefix) };
    let inst = new_inst(if process { process_class() } else { thread_class() });
    let Some(tid) =
        it.w.add_thread(ctx, ThreadMeta { name, process: ctx.process, daemon: process, target: None }, &inst)
    else {
        return raise("RuntimeError", super::too_many_threads());
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
    let body = it.w.worker_body(ex.clone(), obj.clone());
    ctx.shared.start_thread(tid, std::time::Duration::ZERO, body).map_err(|e| Flow::from(Unwind::Raise(e)))?;
    wait_started(ctx, &obj)?;
    Ok(())
}

/// A pool worker's loop: take a task, run it, set its future; `None` ends it.
pub fn worker_loop(it: &mut Interp<'_>, ex: &Arc<ExecutorObj>) -> R<()> {
    let ctx = it.ctx;
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
        let args = it.to_vec(&args)?;
        let kw = kwargs_of(&kwv);
        let r = match it.call(&func, args, kw) {
            Ok(v) => Ok(v),
            Err(Flow::Exc(e)) => Err(e.value),
            Err(other) => return Err(other),
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
                ctx.record(EventKind::TaskFinished { res: ex.res, task, result: shown });
                fut.cv.notify_all();
                (
                    std::mem::take(&mut st.callbacks),
                    std::mem::take(&mut st.result_callbacks),
                    std::mem::take(&mut st.batches),
                    r,
                )
            };
            let fv = V::Native(Arc::new(Native::Future(fut)));
            for cb in callbacks {
                it.call(&cb, vec![fv.clone()], Vec::new())?;
            }
            run_result_callbacks(it, result_callbacks, &done)?;
            for b in batches {
                b.part_done(it, Some(&done))?;
            }
        }
        ex.st.lock().idle += 1;
    }
}

fn shutdown(it: &mut Interp<'_>, ex: &Arc<ExecutorObj>, wait: bool) -> R<()> {
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

fn map_items(it: &mut Interp<'_>, ex: &Arc<ExecutorObj>, func: V, iters: &[V], star: bool) -> R<Vec<Arc<FutureObj>>> {
    let lists = iters.iter().map(|v| it.to_vec(v)).collect::<R<Vec<_>>>()?;
    let n = lists.iter().map(Vec::len).min().unwrap_or(0);
    let mut futs = Vec::with_capacity(n);
    for i in 0..n {
        let args = if star { it.to_vec(&lists[0][i])? } else { lists.iter().map(|l| l[i].clone()).collect() };
        futs.push(submit(it, ex, func.clone(), args, Vec::new())?);
    }
    Ok(futs)
}

/// A method call on a native object.
pub fn native_method(it: &mut Interp<'_>, obj: &V, n: &Arc<Native>, name: &str, pos: Vec<V>, mut kw: Kw) -> R<V> {
    let ctx = it.ctx;
    if let Some(a) = acquirable(n) {
        match name {
            "acquire" | "__enter__" => {
                let blocking = arg(&pos, &mut kw, 0, "blocking").is_none_or(|v| v.truthy());
                let t = timeout_ms(arg(&pos, &mut kw, 1, "timeout"))?;
                no_more("acquire", &kw)?;
                // Python's `timeout=-1` means "wait forever".
                let t = t.filter(|ms| *ms != -1000.0);
                if t.is_some_and(|ms| ms < 0.0) && !matches!(&**n, Native::Lock(..) | Native::RLock(..)) {
                    return raise("ValueError", "timeout value must be a non-negative number");
                }
                if let Native::Sem(..) = &**n
                    && !blocking
                    && t.is_some()
                {
                    return raise("ValueError", "can't specify timeout for non-blocking acquire");
                }
                let ok = a.acquire(ctx, blocking, t)?;
                return Ok(V::Bool(ok));
            }
            "release" | "__exit__" => {
                if let Native::Sem(..) = &**n
                    && name == "release"
                    && let Some(k) = arg(&pos, &mut kw, 0, "n")
                {
                    // CPython: `n must be one or more`; then n releases, as many notifies.
                    let count = super::builtins::index(&k)?;
                    if count < 1 {
                        return raise("ValueError", "n must be one or more");
                    }
                    for i in 0..count {
                        if i % 1024 == 1023 {
                            ctx.check()?;
                        }
                        a.release(ctx)?;
                    }
                    return Ok(V::None);
                }
                a.release(ctx)?;
                return Ok(if name == "__exit__" { V::Bool(false) } else { V::None });
            }
            _ => {}
        }
    }
    match (&**n, name) {
        (Native::Lock(l, _), "locked") => Ok(V::Bool(l.locked())),
        (Native::Cond(c, _), "wait") => {
            let t = timeout_ms(arg(&pos, &mut kw, 0, "timeout"))?;
            Ok(V::Bool(c.wait(ctx, t)?))
        }
        (Native::Cond(c, _), "wait_for") => {
            let pred = arg(&pos, &mut kw, 0, "predicate").unwrap_or_default();
            let t = timeout_ms(arg(&pos, &mut kw, 1, "timeout"))?;
            let deadline = t.map(|ms| ctx.now() + ctx.scaled(ms));
            loop {
                let r = it.call(&pred, Vec::new(), Vec::new())?;
                if it.truthy(&r)? {
                    return Ok(r);
                }
                let left = match deadline {
                    Some(d) => {
                        let now = ctx.now();
                        if now >= d {
                            return Ok(r);
                        }
                        Some((d - now).as_secs_f64() * 1e3 / ctx.shared.settings.time_scale.max(1e-9))
                    }
                    None => None,
                };
                c.wait(ctx, left)?;
            }
        }
        (Native::Cond(c, _), "notify") => {
            let k = arg(&pos, &mut kw, 0, "n").map(|v| super::builtins::index(&v)).transpose()?.unwrap_or(1);
            c.notify(ctx, Some(k.clamp(0, i64::from(u32::MAX)) as u32))?;
            Ok(V::None)
        }
        (Native::Cond(c, _), "notify_all" | "notifyAll") => {
            if name == "notifyAll" {
                deprecated(it, "notifyAll() is deprecated, use notify_all() instead");
            }
            c.notify(ctx, None)?;
            Ok(V::None)
        }
        (Native::Event(e, _), "set") => {
            e.set(ctx);
            Ok(V::None)
        }
        (Native::Event(e, _), "clear") => {
            e.clear(ctx);
            Ok(V::None)
        }
        (Native::Event(e, _), "is_set" | "isSet") => {
            if name == "isSet" {
                deprecated(it, "isSet() is deprecated, use is_set() instead");
            }
            Ok(V::Bool(e.is_set()))
        }
        (Native::Event(e, _), "wait") => {
            let t = timeout_ms(arg(&pos, &mut kw, 0, "timeout"))?;
            Ok(V::Bool(e.wait(ctx, t.map(|m| m.max(0.0)))?))
        }
        (Native::Barrier(b), "wait") => {
            // `wait(timeout=None)` falls back to the barrier's own timeout.
            let t = timeout_ms(arg(&pos, &mut kw, 0, "timeout"))?.or(b.timeout_ms);
            barrier_wait(it, b, t)
        }
        (Native::Barrier(b), "abort") => {
            let mut st = b.st.lock();
            st.broken = true;
            b.cv.notify_all();
            Ok(V::None)
        }
        (Native::Barrier(b), "reset") => {
            let mut st = b.st.lock();
            st.broken = st.waiting > 0;
            st.generation += 1;
            st.waiting = 0;
            b.cv.notify_all();
            Ok(V::None)
        }
        (Native::Queue(q, _, kind), _) => queue_method(it, q, *kind, name, pos, kw),
        (Native::Deque(d), _) => super::collections::deque_method(it, d, name, pos, kw),
        (Native::Log(o), _) => super::logging::method(it, o, name, pos, kw),
        (Native::Conn(p, end), "send") => {
            let item = pos.into_iter().next().unwrap_or_default();
            p.send(ctx, *end, item)?;
            Ok(V::None)
        }
        (Native::Conn(p, end), "recv") => Ok(p.recv(ctx, *end)?),
        (Native::Conn(p, end), "close") => {
            p.close(ctx, *end)?;
            Ok(V::None)
        }
        (Native::Conn(p, end), "poll") => Ok(V::Bool(p.poll(*end))),
        (Native::Shared(_, l, _, _), "get_lock") => {
            let res = match &**n {
                Native::Shared(_, _, r, _) => *r,
                _ => 0,
            };
            Ok(V::Native(Arc::new(Native::RLock(l.clone(), res))))
        }
        (Native::Executor(ex), "submit") => {
            let mut pos = pos;
            if pos.is_empty() {
                return type_err("submit expected at least 1 argument, got 0");
            }
            let func = pos.remove(0);
            let f = submit(it, ex, func, pos, kw)?;
            Ok(V::Native(Arc::new(Native::Future(f))))
        }
        (Native::Executor(ex), "apply_async" | "apply") => {
            let func = arg(&pos, &mut kw, 0, "func").unwrap_or_default();
            let args = match arg(&pos, &mut kw, 1, "args") {
                Some(a) => it.to_vec(&a)?,
                None => Vec::new(),
            };
            let kwds = arg(&pos, &mut kw, 2, "kwds").map_or_else(Vec::new, |d| kwargs_of(&d));
            let ok = arg(&pos, &mut kw, 3, "callback").unwrap_or(V::None);
            let err = arg(&pos, &mut kw, 4, "error_callback").unwrap_or(V::None);
            no_more(name, &kw)?;
            let f = submit(it, ex, func, args, kwds)?;
            if name == "apply" {
                return future_result(it, &f, None, false);
            }
            if !matches!(ok, V::None) || !matches!(err, V::None) {
                let done = {
                    let mut st = f.st.lock();
                    if st.done.is_none() {
                        st.result_callbacks.push((ok.clone(), err.clone()));
                    }
                    st.done.clone()
                };
                match done {
                    Some(Ok(v)) if !matches!(ok, V::None) => {
                        it.call(&ok, vec![v], Vec::new())?;
                    }
                    Some(Err(e)) if !matches!(err, V::None) => {
                        it.call(&err, vec![e], Vec::new())?;
                    }
                    _ => {}
                }
            }
            Ok(V::Native(Arc::new(Native::Future(f))))
        }
        (Native::Executor(ex), "map" | "starmap" | "imap" | "map_async" | "starmap_async" | "imap_unordered") => {
            let timeout = timeout_ms(kwarg(&mut kw, "timeout"))?;
            let _ = kwarg(&mut kw, "chunksize");
            let mut pos = pos;
            if pos.len() < 2 {
                return type_err(format!("{name}() missing required argument"));
            }
            let func = pos.remove(0);
            let star = name.starts_with("starmap");
            let futs = map_items(it, ex, func, &pos, star)?;
            if name.ends_with("_async") {
                let _ = timeout;
                let callback = kwarg(&mut kw, "callback").unwrap_or_default();
                let error_callback = kwarg(&mut kw, "error_callback").unwrap_or_default();
                let agg = Arc::new(FutureObj {
                    res: ex.res,
                    task: u32::MAX,
                    st: Mutex::new(FutState {
                        result_callbacks: vec![(callback, error_callback)],
                        ..FutState::default()
                    }),
                    cv: Condvar::new(),
                });
                ctx.shared.register(agg.clone());
                let batch =
                    Arc::new(Batch { agg: Arc::clone(&agg), parts: futs.clone(), st: Mutex::new((None, false)) });
                for f in &futs {
                    let mut st = f.st.lock();
                    if st.done.is_none() {
                        st.batches.push(Arc::clone(&batch));
                    }
                }
                // Parts that finished before they were linked (or an empty map).
                batch.part_done(it, None)?;
                return Ok(V::Native(Arc::new(Native::Future(agg))));
            }
            if name == "map" && ex.style != PoolStyle::MpPool {
                // Executor.map submits every call now and is a generator of their results
                // in order, each waited for when it is asked for (timeout counted from the
                // call), as CPython's.
                let deadline = timeout.map(|ms| it.ctx.now() + it.ctx.scaled(ms));
                let left = Mutex::new(std::collections::VecDeque::from(futs));
                static NEXT_ADDR: std::sync::atomic::AtomicUsize =
                    std::sync::atomic::AtomicUsize::new(0x7f30_0000_0000);
                let addr = NEXT_ADDR.fetch_add(0x40, std::sync::atomic::Ordering::Relaxed);
                return Ok(super::itertools::lazy_with_repr(
                    "generator",
                    move |it| {
                        let Some(f) = left.lock().pop_front() else { return Ok(None) };
                        let scale = it.ctx.shared.settings.time_scale.max(1e-9);
                        let ms =
                            deadline.map(|d| d.saturating_duration_since(it.ctx.now()).as_secs_f64() * 1e3 / scale);
                        future_result(it, &f, ms, false).map(Some)
                    },
                    move || format!("<generator object Executor.map.<locals>.result_iterator at {addr:#x}>"),
                ));
            }
            let mut results = Vec::with_capacity(futs.len());
            for f in &futs {
                results.push(future_result(it, f, timeout, false)?);
            }
            Ok(if ex.style == PoolStyle::MpPool && !name.starts_with("imap") {
                V::list(results)
            } else {
                V::Iter(Arc::new(Mutex::new(super::value::PyIter::Items(results, 0))))
            })
        }
        (Native::Executor(ex), "shutdown") => {
            let wait = arg(&pos, &mut kw, 0, "wait").is_none_or(|v| v.truthy());
            shutdown(it, ex, wait)?;
            Ok(V::None)
        }
        (Native::Executor(ex), "close") => {
            ex.st.lock().closed = true;
            Ok(V::None)
        }
        (Native::Executor(ex), "join") => {
            {
                let st = ex.st.lock();
                if !st.closed && !st.shutdown {
                    return raise("ValueError", "Pool is still running");
                }
            }
            shutdown(it, ex, true)?;
            Ok(V::None)
        }
        (Native::Executor(ex), "terminate") => {
            shutdown(it, ex, true)?;
            Ok(V::None)
        }
        (Native::Executor(_), "__enter__") => Ok(obj.clone()),
        (Native::Executor(ex), "__exit__") => {
            shutdown(it, ex, true)?;
            Ok(V::Bool(false))
        }
        (Native::Future(f), "result" | "get") => {
            let t = timeout_ms(arg(&pos, &mut kw, 0, "timeout"))?;
            future_result(it, f, t, false)
        }
        (Native::Future(f), "exception") => {
            if f.st.lock().cancelled {
                return raise("CancelledError", "");
            }
            let t = timeout_ms(arg(&pos, &mut kw, 0, "timeout"))?;
            future_result(it, f, t, true)
        }
        (Native::Future(f), "done" | "ready") => Ok(V::Bool(f.st.lock().done.is_some())),
        (Native::Future(f), "successful") => Ok(V::Bool(matches!(f.st.lock().done, Some(Ok(_))))),
        (Native::Future(f), "cancel") => {
            // As CPython's: a running or finished future cannot be cancelled; a pending one is,
            // its callbacks run now and the task never starts.
            let callbacks = {
                let mut st = f.st.lock();
                if st.cancelled {
                    return Ok(V::Bool(true));
                }
                if st.running || st.done.is_some() {
                    return Ok(V::Bool(false));
                }
                st.cancelled = true;
                st.done = Some(Err(exc::instance(exc::class("CancelledError"), Vec::new())));
                f.cv.notify_all();
                std::mem::take(&mut st.callbacks)
            };
            for cb in callbacks {
                it.call(&cb, vec![obj.clone()], Vec::new())?;
            }
            Ok(V::Bool(true))
        }
        (Native::Future(f), "cancelled") => Ok(V::Bool(f.st.lock().cancelled)),
        (Native::Future(f), "running") => {
            let st = f.st.lock();
            Ok(V::Bool(st.running && st.done.is_none()))
        }
        (Native::Future(f), "wait") => {
            let t = timeout_ms(arg(&pos, &mut kw, 0, "timeout"))?;
            let _ = future_result(it, f, t, true);
            Ok(V::None)
        }
        (Native::Future(f), "add_done_callback") => {
            let cb = pos.into_iter().next().unwrap_or_default();
            let done = {
                let mut st = f.st.lock();
                if st.done.is_none() {
                    st.callbacks.push(cb.clone());
                    false
                } else {
                    true
                }
            };
            if done {
                it.call(&cb, vec![obj.clone()], Vec::new())?;
            }
            Ok(V::None)
        }
        (Native::Module(Mod::Multiprocessing), "list") => {
            let items = match pos.first() {
                Some(v) => it.to_vec(v)?,
                None => Vec::new(),
            };
            let l = V::list(items);
            it.w.managed.lock().push(l.clone());
            Ok(l)
        }
        (Native::Module(Mod::Multiprocessing), "Namespace") => {
            let mut attrs = IndexMap::default();
            for (k, v) in kw {
                attrs.insert(k, v);
            }
            Ok(V::Native(Arc::new(Native::Namespace(Mutex::new(attrs)))))
        }
        (Native::Module(Mod::Multiprocessing), "dict") => {
            let d = super::builtins::call_builtin(it, super::ir::Builtin::Dict, pos, kw)?;
            it.w.managed.lock().push(d.clone());
            Ok(d)
        }
        (Native::Module(Mod::Multiprocessing), "Value" | "Array" | "Queue" | "Lock" | "Event" | "Semaphore") => {
            let f = attr_of(Mod::Multiprocessing, name).unwrap_or_default();
            it.call(&f, pos, kw)
        }
        (Native::Module(Mod::Multiprocessing), "__enter__") => Ok(obj.clone()),
        (Native::Module(Mod::Multiprocessing), "__exit__" | "shutdown") => Ok(V::Bool(false)),
        (Native::Module(_), _) | (Native::Fn(_), _) | (Native::Partial(..), _) | (Native::Method(..), _) => {
            let m = native_attr(it, obj, n, name)?;
            it.call(&m, pos, kw)
        }
        (Native::Stderr | Native::Stdout, "write") => {
            let s = it.str_of(pos.first().unwrap_or(&V::None))?;
            it.w.write_out(ctx, &s, matches!(&**n, Native::Stderr));
            Ok(V::Int(s.chars().count() as i64))
        }
        (Native::Stderr | Native::Stdout, "flush") => Ok(V::None),
        (Native::Super(owner, me), _) => {
            let cls = match me {
                V::Inst(i) => i.class.clone(),
                V::Class(c) => c.clone(),
                _ => return type_err("super(type, obj): obj must be an instance or subtype of type"),
            };
            let mro: Vec<Arc<Class>> = std::iter::once(cls.clone()).chain(cls.mro.iter().cloned()).collect();
            let start = mro.iter().position(|c| Arc::ptr_eq(c, owner)).map_or(mro.len(), |p| p + 1);
            for c in &mro[start..] {
                let found = c.dict.read().get(name).cloned();
                if let Some(m) = found {
                    let mut args = vec![me.clone()];
                    args.extend(pos);
                    return it.call(&m, args, kw);
                }
            }
            if name == "__init__" {
                return Ok(V::None);
            }
            raise("AttributeError", format!("'super' object has no attribute '{name}'"))
        }
        (Native::Lazy(l), "__next__") => match l.next(it)? {
            Some(v) => Ok(v),
            None => raise("StopIteration", ""),
        },
        (Native::Lazy(_), "__iter__") => Ok(obj.clone()),
        (Native::Aio(o), _) => super::asyncio::method(it, obj, o, name, pos, kw),
        (Native::Gen(g), _) => match super::frame::method(it, obj, g, name, pos) {
            Some(r) => r,
            None => raise("AttributeError", format!("'{}' object has no attribute '{name}'", g.type_name())),
        },
        _ => raise("AttributeError", format!("'{}' object has no attribute '{name}'", n.type_name())),
    }
}

fn barrier_wait(it: &mut Interp<'_>, b: &Arc<BarrierObj>, timeout: Option<f64>) -> R<V> {
    let ctx = it.ctx;
    let broken = || -> R<V> {
        Err(Flow::Exc(Box::new(super::interp::Exc {
            value: exc::instance(exc::class("BrokenBarrierError"), Vec::new()),
            tb: Vec::new(),
        })))
    };
    let (gen_, index) = {
        let mut st = b.st.lock();
        if st.broken {
            return broken();
        }
        let index = st.waiting;
        st.waiting += 1;
        ctx.record(EventKind::Requested { res: b.res, blocking: true, timeout_ms: timeout });
        if st.waiting == b.parties {
            if !matches!(b.action, V::None) {
                drop(st);
                let r = it.call(&b.action.clone(), Vec::new(), Vec::new());
                st = b.st.lock();
                if let Err(e) = r {
                    st.broken = true;
                    st.waiting = 0;
                    b.cv.notify_all();
                    return Err(e);
                }
            }
            st.waiting = 0;
            st.generation += 1;
            b.cv.notify_all();
            // The barrier trips: no party waits any more; this thread lets the others go.
            ctx.record(EventKind::Acquired { res: b.res, depth: 0, value: 0 });
            ctx.record(EventKind::Released { res: b.res, depth: 0, value: 0 });
            return Ok(V::Int(index as i64));
        }
        (st.generation, index)
    };
    let deadline = timeout.map(|ms| ctx.now() + ctx.scaled(ms));
    let ok = ctx.blocking(WaitTarget::Resource(b.res), deadline.is_some(), || {
        let mut st = b.st.lock();
        ctx.wait_until(&b.cv, &mut st, deadline, |s| s.generation != gen_ || s.broken)
    })?;
    let mut st = b.st.lock();
    if !ok || (st.broken && st.generation == gen_) {
        st.broken = true;
        b.cv.notify_all();
        ctx.record(EventKind::AcquireFailed { res: b.res, timed_out: !ok });
        return broken();
    }
    // Through: the value is how many parties of the barrier's current round wait now.
    ctx.record(EventKind::Acquired { res: b.res, depth: 0, value: st.waiting as i64 });
    Ok(V::Int(index as i64))
}

/// The C type a `multiprocessing.Value`/`Array` typecode names (`'i'` → `c_int`), as
/// `multiprocessing.sharedctypes` maps it; `TypeError` for another typecode.
fn c_type(code: Option<V>) -> R<&'static str> {
    let code = match code {
        None => return type_err("Value() missing required argument 'typecode_or_type' (pos 1)"),
        Some(V::Str(s)) => s,
        Some(other) => return type_err(format!("typecode must be a str, not {}", other.type_name())),
    };
    Ok(match &*code {
        "b" => "c_byte",
        "B" => "c_ubyte",
        "h" => "c_short",
        "H" => "c_ushort",
        "i" => "c_int",
        "I" => "c_uint",
        "l" => "c_long",
        "L" => "c_ulong",
        "q" => "c_longlong",
        "Q" => "c_ulonglong",
        "f" => "c_float",
        "d" => "c_double",
        "c" => "c_char",
        "u" => "c_wchar",
        // CPython looks the code up and, not finding it, takes it for a ctypes type.
        _ => return type_err("this type has no size"),
    })
}

/// `a < b` as Python evaluates it; the first error is kept in `failed` (and `false` returned).
fn py_less(it: &mut Interp<'_>, a: &V, b: &V, failed: &mut Option<Flow>) -> bool {
    if failed.is_some() {
        return false;
    }
    match it.compare(super::ir::CmpOp::Lt, a, b) {
        Ok(x) => x,
        Err(e) => {
            *failed = Some(e);
            false
        }
    }
}

fn queue_method(it: &mut Interp<'_>, q: &Arc<Queue<V>>, kind: QKind, name: &str, pos: Vec<V>, mut kw: Kw) -> R<V> {
    let ctx = it.ctx;
    match name {
        "put" | "put_nowait" => {
            let item = arg(&pos, &mut kw, 0, "item").unwrap_or_default();
            let (block, t) = if name == "put_nowait" {
                (false, None)
            } else {
                (
                    arg(&pos, &mut kw, 1, "block").is_none_or(|v| v.truthy()),
                    timeout_ms(arg(&pos, &mut kw, 2, "timeout"))?,
                )
            };
            if kind == QKind::Priority {
                // heapq's comparisons, with the items' own `<` (a user's `__lt__` included).
                let mut failed = None;
                q.put_by(ctx, item, block, t, &mut |a: &V, b: &V| py_less(it, a, b, &mut failed))?;
                if let Some(e) = failed {
                    return Err(e);
                }
            } else {
                q.put(ctx, item, block, t)?;
            }
            Ok(V::None)
        }
        "get" | "get_nowait" => {
            let (block, t) = if name == "get_nowait" {
                (false, None)
            } else {
                (
                    arg(&pos, &mut kw, 0, "block").is_none_or(|v| v.truthy()),
                    timeout_ms(arg(&pos, &mut kw, 1, "timeout"))?,
                )
            };
            if kind == QKind::Priority {
                let mut failed = None;
                let v = q.get_by(ctx, block, t, &mut |a: &V, b: &V| py_less(it, a, b, &mut failed))?;
                if let Some(e) = failed {
                    return Err(e);
                }
                return Ok(v);
            }
            Ok(q.get(ctx, block, t)?)
        }
        "qsize" => Ok(V::Int(q.qsize() as i64)),
        "empty" => Ok(V::Bool(q.qsize() == 0)),
        "full" => Ok(V::Bool(q.maxsize() > 0 && q.qsize() >= q.maxsize())),
        "task_done" if kind != QKind::Simple && kind != QKind::Mp => {
            q.task_done(ctx)?;
            Ok(V::None)
        }
        "join" if kind != QKind::Simple && kind != QKind::Mp => {
            q.join(ctx)?;
            Ok(V::None)
        }
        "close" | "join_thread" | "cancel_join_thread" if matches!(kind, QKind::Mp | QKind::JoinableMp) => Ok(V::None),
        _ => raise("AttributeError", format!("'{}' object has no attribute '{name}'", queue_type_name(kind))),
    }
}

fn queue_type_name(k: QKind) -> &'static str {
    match k {
        QKind::Fifo => "Queue",
        QKind::Lifo => "LifoQueue",
        QKind::Priority => "PriorityQueue",
        QKind::Simple => "SimpleQueue",
        QKind::Mp => "Queue",
        QKind::JoinableMp => "JoinableQueue",
    }
}

/// `native.name` (methods come back bound).
pub fn native_attr(it: &mut Interp<'_>, obj: &V, n: &Arc<Native>, name: &str) -> R<V> {
    match &**n {
        Native::Future(f) if let Some(v) = f.st.lock().attrs.get(name).cloned() => Ok(v),
        Native::Namespace(m) => match m.lock().get(name).cloned() {
            // The manager hands out a copy (it was pickled across): appending to
            // `ns.items` changes the copy, not the namespace.
            Some(V::List(l)) => Ok(V::list(l.lock().clone())),
            Some(V::Dict(d)) => Ok(V::Dict(Arc::new(Mutex::new(d.lock().clone())))),
            Some(V::Set(d)) => Ok(V::Set(Arc::new(Mutex::new(d.lock().clone())))),
            Some(v) => Ok(v),
            None => raise("AttributeError", format!("'Namespace' object has no attribute '{name}'")),
        },
        Native::Local(m) => match m.lock().get(&it.ctx.tid).and_then(|d| d.get(name)).cloned() {
            Some(v) => Ok(v),
            None => raise("AttributeError", format!("'_thread._local' object has no attribute '{name}'")),
        },
        Native::Module(m) if m.name() == "sys" && name == "argv" => {
            Ok(V::list(vec![V::str(it.w.prog.file.to_string())]))
        }
        Native::Module(m) if let Some(v) = it.w.module_attrs.lock().get(&(m.name(), name.to_string())).cloned() => {
            Ok(v)
        }
        Native::Module(m) => match attr_of(*m, name) {
            Some(v) => Ok(v),
            None if name == "__name__" => Ok(V::str(m.name())),
            None => raise("AttributeError", format!("module '{}' has no attribute '{name}'", m.name())),
        },
        Native::Fn(NFn::Iter(super::itertools::ItFn::Chain)) if name == "from_iterable" => {
            Ok(super::itertools::chain_from_iterable())
        }
        Native::Fn(f) => match name {
            "__name__" | "__qualname__" => Ok(V::str(fn_name(*f))),
            _ => raise("AttributeError", format!("'builtin_function_or_method' object has no attribute '{name}'")),
        },
        Native::Partial(f, args, kw) => match name {
            "func" => Ok(f.clone()),
            "args" => Ok(V::tuple(args.clone())),
            "keywords" => {
                let mut d = super::value::Dict::default();
                for (k, v) in kw {
                    d.set(V::Str(k.clone()), v.clone()).or_else(type_err)?;
                }
                Ok(V::Dict(Arc::new(Mutex::new(d))))
            }
            _ => raise("AttributeError", format!("'functools.partial' object has no attribute '{name}'")),
        },
        Native::Barrier(b) => match name {
            "parties" => Ok(V::Int(b.parties as i64)),
            "n_waiting" => Ok(V::Int(b.st.lock().waiting as i64)),
            "broken" => Ok(V::Bool(b.st.lock().broken)),
            _ => Ok(V::Native(Arc::new(Native::Method(obj.clone(), Arc::from(name))))),
        },
        Native::Shared(v, _, _, _) if name == "value" => Ok(v.lock().clone()),
        Native::Sem(s, _) if name == "_value" => Ok(V::Int(s.value())),
        Native::Queue(q, _, _) if name == "maxsize" => Ok(V::Int(q.maxsize() as i64)),
        Native::Queue(q, _, _) if name == "unfinished_tasks" => Ok(V::Int(q.unfinished() as i64)),
        Native::Log(o) if let Some(v) = super::logging::attr(it, o, name) => Ok(v),
        Native::Deque(d) if name == "maxlen" => Ok(d.maxlen.map_or(V::None, |m| V::Int(m as i64))),
        Native::Queue(q, _, _) if name == "queue" => Ok(V::list(q.items())),
        Native::Gen(g) if let Some(v) = super::frame::attr(g, name) => Ok(v),
        Native::Aio(o) if let Some(v) = super::asyncio::attr(o, name) => Ok(v),
        Native::Gen(g) if !matches!(name, "send" | "throw" | "close" | "__next__" | "__iter__" | "__await__") => {
            raise("AttributeError", format!("'{}' object has no attribute '{name}'", g.type_name()))
        }
        Native::Method(..) | Native::NotImplemented | Native::Slice(..) => {
            raise("AttributeError", format!("'{}' object has no attribute '{name}'", n.type_name()))
        }
        _ => Ok(V::Native(Arc::new(Native::Method(obj.clone(), Arc::from(name))))),
    }
}

/// `native.name = v`.
pub fn set_native_attr(it: &mut Interp<'_>, n: &Arc<Native>, name: &str, v: V) -> R<()> {
    match (&**n, name) {
        (Native::Local(m), _) => {
            m.lock().entry(it.ctx.tid).or_default().insert(Arc::from(name), v);
            Ok(())
        }
        (Native::Shared(cell, _, _, _), "value") => {
            *cell.lock() = v;
            Ok(())
        }
        (Native::Log(o), _) if super::logging::set_attr(o, name, &v)? => Ok(()),
        (Native::Future(f), _) => {
            f.st.lock().attrs.insert(Arc::from(name), v);
            Ok(())
        }
        (Native::Namespace(m), _) => {
            m.lock().insert(Arc::from(name), v);
            Ok(())
        }
        (Native::Module(m), _) if is_assignable(m.name(), name) => {
            it.w.module_attrs.lock().insert((m.name(), name.to_string()), v);
            Ok(())
        }
        _ => raise("AttributeError", format!("'{}' object attribute '{name}' is read-only", n.type_name())),
    }
}

fn fn_name(f: NFn) -> String {
    match f {
        NFn::Coll(c) => c.name().into(),
        NFn::Log(l) => super::logging::fn_name(l).into(),
        NFn::Nt(m) => m.name().into(),
        NFn::ExceptHook => "excepthook".into(),
        NFn::Heapq(h) => h.name().into(),
        NFn::Bisect(b) => b.name().into(),
        NFn::Stats(s) => s.name().into(),
        NFn::Json(j) => j.name().into(),
        NFn::Operator(o) => o.name().into(),
        NFn::Ft(x) => x.name().into(),
        NFn::Iter(x) => x.name().into(),
        NFn::Ctx(x) => x.name().into(),
        NFn::Aio(x) => x.name().into(),
        NFn::Pp(x) => x.name().into(),
        NFn::Tb(x) => x.name().into(),
        NFn::Dt(x) => x.name().into(),
        NFn::Typing(x) => x.name().into(),
        NFn::Text(x) => x.name().into(),
        NFn::Uuid(x) => x.name().into(),
        NFn::Dc(x) => x.name().into(),
        NFn::En(x) => x.name().into(),
        // Classes keep their names; these functions are spelled without underscores.
        NFn::RLock
        | NFn::Semaphore
        | NFn::BoundedSemaphore
        | NFn::Condition
        | NFn::Event
        | NFn::Barrier
        | NFn::Timer
        | NFn::ThreadPoolExecutor
        | NFn::ProcessPoolExecutor
        | NFn::Pool
        | NFn::Manager
        | NFn::Value
        | NFn::Array
        | NFn::Pipe => format!("{f:?}"),
        NFn::Lock => "allocate_lock".into(),
        NFn::Local => "local".into(),
        NFn::NamedTuple => "namedtuple".into(),
        NFn::GetPid => "getpid".into(),
        NFn::GetPPid => "getppid".into(),
        NFn::SetSwitchInterval => "setswitchinterval".into(),
        NFn::GetSwitchInterval => "getswitchinterval".into(),
        NFn::GetRecursionLimit => "getrecursionlimit".into(),
        NFn::SetRecursionLimit => "setrecursionlimit".into(),
        NFn::CurrentThreadOld => "currentThread".into(),
        NFn::ActiveCountOld => "activeCount".into(),
        f => {
            // The variant's name in Python's spelling: `PerfCounter` → `perf_counter`;
            // math's and random's functions without their module (`MathSqrt` → `sqrt`).
            let mut s = String::new();
            for (i, c) in format!("{f:?}").chars().enumerate() {
                if c.is_ascii_uppercase() && i > 0 {
                    s.push('_');
                }
                s.push(c.to_ascii_lowercase());
            }
            match s.strip_prefix("math_").or_else(|| s.strip_prefix("random_")) {
                Some(rest) => rest.to_string(),
                None => s,
            }
        }
    }
}

/// Items to iterate over a native (a Manager list, a counter…).
pub fn native_iter(_it: &mut Interp<'_>, n: &Arc<Native>) -> R<Option<Vec<V>>> {
    Ok(match &**n {
        Native::Deque(d) => Some(d.items()),
        Native::Shared(v, _, _, _) => match &*v.lock() {
            V::List(l) => Some(l.lock().clone()),
            _ => None,
        },
        _ => None,
    })
}

/// `len()` of a native.
pub fn native_len(n: &Arc<Native>) -> Option<i64> {
    match &**n {
        Native::Deque(d) => Some(d.items.lock().len() as i64),
        Native::DictView(d, _) => Some(d.lock().map.len() as i64),
        Native::Shared(v, _, _, _) => match &*v.lock() {
            V::List(l) => Some(l.lock().len() as i64),
            _ => None,
        },
        _ => None,
    }
}

/// `native[i]`.
pub fn native_get_item(it: &mut Interp<'_>, n: &Arc<Native>, i: &V) -> R<V> {
    match &**n {
        Native::Deque(d) => super::collections::deque_get(d, i),
        Native::Shared(v, _, _, _) => {
            let inner = v.lock().clone();
            it.get_item(&inner, i)
        }
        _ => type_err(format!("'{}' object is not subscriptable", n.type_name())),
    }
}

/// `native[i] = v`.
pub fn native_set_item(it: &mut Interp<'_>, n: &Arc<Native>, i: V, v: V) -> R<()> {
    match &**n {
        Native::Deque(d) => super::collections::deque_set(d, &i, v),
        Native::Shared(cell, _, _, _) => {
            let inner = cell.lock().clone();
            it.set_item(&inner, i, v)
        }
        _ => type_err(format!("'{}' object does not support item assignment", n.type_name())),
    }
}

/// `isinstance(v, native)`, for `isinstance(x, threading.Thread)`-like checks on factories.
pub fn native_isinstance(v: &V, n: &Arc<Native>) -> bool {
    use super::collections::CollFn;
    use super::value::DictKind;
    if let (V::Dict(d), Native::Fn(NFn::Coll(c))) = (v, &**n) {
        return matches!(
            (&d.lock().kind, c),
            (DictKind::Default(_), CollFn::DefaultDict)
                | (DictKind::Counter, CollFn::Counter)
                | (DictKind::Ordered, CollFn::OrderedDict)
        );
    }
    let V::Native(x) = v else { return false };
    matches!(
        (&**x, &**n),
        (Native::Lock(..), Native::Fn(NFn::Lock))
            | (Native::RLock(..), Native::Fn(NFn::RLock))
            | (Native::Sem(..), Native::Fn(NFn::Semaphore | NFn::BoundedSemaphore))
            | (Native::Event(..), Native::Fn(NFn::Event))
            | (Native::Cond(..), Native::Fn(NFn::Condition))
            | (Native::Queue(..), Native::Fn(NFn::Queue(_)))
            | (Native::Deque(_), Native::Fn(NFn::Coll(super::collections::CollFn::Deque)))
    )
}

thread_local! {
    /// The dict views whose repr is being printed on this thread (a view inside itself).
    static VIEWS_OPEN: std::cell::RefCell<Vec<usize>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Begin printing the view of the dict at `key`: false if it is being printed already.
pub fn view_repr_enter(key: usize) -> bool {
    VIEWS_OPEN.with(|o| {
        let mut o = o.borrow_mut();
        if o.contains(&key) {
            return false;
        }
        o.push(key);
        true
    })
}

/// Done printing the view of the dict at `key`.
pub fn view_repr_leave(key: usize) {
    VIEWS_OPEN.with(|o| o.borrow_mut().retain(|x| *x != key));
}

fn addr<T: ?Sized>(a: &Arc<T>) -> usize {
    Arc::as_ptr(a) as *const u8 as usize
}

impl Native {
    /// The object's identity when the same Python object can be reached through several
    /// wrappers (a future handed out by `submit` and again by `as_completed`): `id()`, `is`
    /// and hashing use it, so a future works as a dict key.
    pub fn identity(&self) -> Option<usize> {
        Some(match self {
            Native::Future(f) => addr(f),
            Native::Executor(e) => addr(e),
            Native::Queue(q, _, _) => addr(q),
            Native::Lock(l, _) => addr(l),
            Native::RLock(l, _) => addr(l),
            Native::Sem(s, _) => addr(s),
            Native::Cond(c, _) => addr(c),
            Native::Event(e, _) => addr(e),
            Native::Barrier(b) => addr(b),
            Native::Deque(d) => addr(d),
            // A module function is one object however often it is looked up
            // (`threading.excepthook is threading.__excepthook__`).
            Native::Fn(f) => {
                use std::hash::{Hash, Hasher};
                let mut h = std::collections::hash_map::DefaultHasher::new();
                format!("{f:?}").hash(&mut h);
                0x7f10_0000_0000 | (h.finish() as usize & 0xffff_fff0)
            }
            Native::Log(super::logging::LogObj::Logger(l)) => addr(l),
            Native::Log(super::logging::LogObj::Handler(h)) => addr(h),
            Native::Log(super::logging::LogObj::Formatter(f)) => addr(f),
            Native::Conn(c, end) => addr(c) + *end as usize,
            _ => return None,
        })
    }

    /// `type(x).__name__`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Native::NotImplemented => "NotImplementedType",
            Native::Stderr | Native::Stdout => "TextIOWrapper",
            Native::DictView(_, k) => k.type_name(),
            Native::Module(_) => "module",
            Native::Fn(_) => "builtin_function_or_method",
            Native::Method(..) => "builtin_function_or_method",
            Native::Slice(..) => "slice",
            Native::Super(..) => "super",
            Native::Property(_) => "property",
            Native::StaticMethod(_) => "staticmethod",
            Native::ClassMethod(_) => "classmethod",
            Native::Local(_) => "_thread._local",
            Native::Lock(..) => "lock",
            Native::RLock(..) => "RLock",
            Native::Sem(..) => "Semaphore",
            Native::Cond(..) => "Condition",
            Native::Event(..) => "Event",
            Native::Queue(_, _, k) => queue_type_name(*k),
            Native::Barrier(_) => "Barrier",
            Native::Partial(..) => "functools.partial",
            Native::Executor(e) => match e.style {
                PoolStyle::ThreadPool => "ThreadPoolExecutor",
                PoolStyle::ProcessPool => "ProcessPoolExecutor",
                PoolStyle::MpPool => "Pool",
            },
            Native::Future(_) => "Future",
            Native::Conn(..) => "Connection",
            Native::Shared(cell, ..) if matches!(&*cell.lock(), V::List(_)) => "SynchronizedArray",
            Native::Shared(..) => "Synchronized",
            Native::Lazy(l) => l.name,
            Native::Deque(_) => "deque",
            Native::Log(o) => o.type_name(),
            Native::Namespace(_) => "Namespace",
            Native::Gen(g) => g.type_name(),
            Native::Aio(o) => o.type_name(),
        }
    }

    /// Whether calling it makes sense.
    pub fn is_callable(&self) -> bool {
        matches!(self, Native::Fn(_) | Native::Method(..) | Native::Partial(..))
    }

    /// `repr()`.
    pub fn repr(&self, id: usize) -> String {
        match self {
            Native::Module(m) => format!("<module '{}'>", m.name()),
            Native::Fn(f) => format!("<built-in function {}>", fn_name(*f)),
            Native::Lock(l, _) => {
                format!("<{} _thread.lock object at {id:#x}>", if l.locked() { "locked" } else { "unlocked" })
            }
            Native::RLock(l, _) => {
                let (owner, depth) = l.state();
                format!(
                    "<{} _thread.RLock object owner={} count={depth} at {id:#x}>",
                    if owner.is_some() { "locked" } else { "unlocked" },
                    owner.map_or(0, thread_ident)
                )
            }
            Native::Sem(s, _) => format!("<threading.Semaphore at {id:#x}: value={}>", s.value()),
            Native::Event(e, _) => {
                format!("<threading.Event at {id:#x}: {}>", if e.is_set() { "set" } else { "unset" })
            }
            Native::Queue(_, _, k) => format!("<queue.{} object at {id:#x}>", queue_type_name(*k)),
            Native::Future(f) => {
                let st = f.st.lock();
                match &st.done {
                    None if st.running => format!("<Future at {id:#x} state=running>"),
                    None => format!("<Future at {id:#x} state=pending>"),
                    Some(Ok(v)) => format!("<Future at {id:#x} state=finished returned {}>", v.type_name()),
                    Some(Err(_)) => format!("<Future at {id:#x} state=finished raised>"),
                }
            }
            Native::Slice(a, b, c) => format!("slice({}, {}, {})", a.repr(), b.repr(), c.repr()),
            Native::Shared(cell, _, _, ctype) => match &*cell.lock() {
                V::List(l) => format!(
                    "<SynchronizedArray wrapper for <multiprocessing.sharedctypes.{ctype}_Array_{} object at {id:#x}>>",
                    l.lock().len()
                ),
                v => format!("<Synchronized wrapper for {ctype}({})>", v.repr()),
            },
            Native::NotImplemented => "NotImplemented".into(),
            Native::Log(o) => o.repr(id),
            Native::Namespace(m) => {
                let parts: Vec<String> = m.lock().iter().map(|(k, v)| format!("{k}={}", v.repr())).collect();
                format!("Namespace({})", parts.join(", "))
            }
            Native::Lazy(l) => l.repr(id),
            Native::Gen(g) => format!("<{} object {} at {id:#x}>", g.type_name(), g.qualname),
            Native::Aio(o) => o.repr(id),
            Native::Deque(d) => {
                let items: Vec<String> = d.items().iter().map(V::repr).collect();
                super::collections::deque_repr(d, &items)
            }
            Native::DictView(d, k) => {
                // Snapshot, then print with the dict unlocked; a view met again inside its
                // own repr prints `...` (as CPython's Py_ReprEnter).
                let snapshot = k.snapshot(&d.lock());
                let key = addr(d);
                if !view_repr_enter(key) {
                    return "...".into();
                }
                let inner = V::list(snapshot).repr();
                view_repr_leave(key);
                format!("{}({inner})", k.type_name())
            }
            other => format!("<{} object at {id:#x}>", other.type_name()),
        }
    }
}
