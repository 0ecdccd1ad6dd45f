//! The standard library a scenario may import — `threading`, `queue`, `time`, `sys`, `os`,
//! `random`, `math`, `functools`, `concurrent.futures`, `multiprocessing` — implemented
//! natively on the instrumented primitives, with Python's signatures and messages.

mod calls;
mod futures;
mod methods;
mod natives;
mod sync;
mod threads;

use calls::*;
pub use futures::*;
pub use methods::*;
pub use natives::*;
pub use sync::*;
pub use threads::*;

use super::exc;
use super::interp::{Flow, Interp, R, raise, type_err};
use super::value::{Attrs, Class, ClassKind, Inst, InstNative, V};
use indexmap::IndexMap;
use std::sync::{Arc, OnceLock};
use std::time::Instant;
use threadline_model::event::{EventKind, ResIx, ThreadIx, WaitTarget};
use threadline_model::model::ResourceInfo;
use threadline_model::model::ThreadMeta;
use threadline_model::model::{PoolStyle, ResourceKind};
use threadline_model::value::Value;
use threadline_runtime::channels::{Queue, QueueItem, QueueOrder};
use threadline_runtime::footprint::Mutex;
use threadline_runtime::rt::Unwind;
use threadline_runtime::sync::{Acquire, CondLock, Condition, Event as PyEvent, Lock, RLock, Semaphore};

type Kw = Vec<(Arc<str>, V)>;

/// A module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
    Hashlib,
    Timeit,
    Dataclasses,
    Enum,
    Asyncio,
    Pprint,
    Traceback,
    Datetime,
    Copy,
    Abc,
    Types,
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
            Mod::Hashlib => "hashlib",
            Mod::Timeit => "timeit",
            Mod::Dataclasses => "dataclasses",
            Mod::Enum => "enum",
            Mod::Asyncio => "asyncio",
            Mod::Pprint => "pprint",
            Mod::Traceback => "traceback",
            Mod::Datetime => "datetime",
            Mod::Copy => "copy",
            Mod::Abc => "abc",
            Mod::Types => "types",
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
            "hashlib" => Mod::Hashlib,
            "timeit" => Mod::Timeit,
            "dataclasses" => Mod::Dataclasses,
            "enum" => Mod::Enum,
            "asyncio" => Mod::Asyncio,
            "pprint" => Mod::Pprint,
            "traceback" => Mod::Traceback,
            "datetime" => Mod::Datetime,
            "copy" => Mod::Copy,
            "abc" => Mod::Abc,
            "types" => Mod::Types,
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
pub enum NFn {
    /// `copy.copy` (false) / `copy.deepcopy` (true).
    Copy(bool),
    /// `abc.abstractmethod`.
    AbstractMethod,
    /// A method of `bytes`.
    Bytes(super::bytes::BytesFn),
    /// `types.SimpleNamespace`'s methods.
    Namespace(super::abc::NsFn),
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
    RandomChoices,
    RandomGauss,
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
    /// `multiprocessing.get_logger()`.
    GetLogger,
    /// `multiprocessing.log_to_stderr(level=None)`.
    LogToStderr,
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
    /// `math`'s functions beyond the first few.
    Math(super::math::MathFn),
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
    GetRefCount,
    ExcInfo,
    Typing(super::typing::TypingFn),
    Text(super::textwrap::TextFn),
    Uuid(super::uuid::UuidFn),
    Hash(super::hashlib::HashFn),
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
pub enum QKind {
    Fifo,
    Lifo,
    Priority,
    Simple,
    Mp,
    JoinableMp,
}

/// Methods of `BaseException`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExcMethod {
    Init,
    WithTraceback,
    /// `BaseException.add_note`.
    AddNote,
    /// `ExceptionGroup.split`, `subgroup`, `derive`.
    Split,
    Subgroup,
    Derive,
}

impl ExcMethod {
    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            ExcMethod::Init => "__init__",
            ExcMethod::WithTraceback => "with_traceback",
            ExcMethod::AddNote => "add_note",
            ExcMethod::Split => "split",
            ExcMethod::Subgroup => "subgroup",
            ExcMethod::Derive => "derive",
        }
    }
}

/// A `concurrent.futures.Future` set from elsewhere than a pool (asyncio's
/// `run_coroutine_threadsafe`): a resource of its own, named `name`, that threads wait on.
pub(crate) fn standalone_future(it: &Interp<'_>, name: String) -> V {
    let res = new_resource(it, name, ResourceKind::Pool, 0);
    let f = Arc::new(FutureObj {
        res,
        task: u32::MAX,
        st: parking_lot::Mutex::new(FutState::default()),
        cv: threadline_runtime::cv::Cv::new(),
    });
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
        it.ctx.changed();
        std::mem::take(&mut st.callbacks)
    };
    for cb in callbacks {
        it.call(&cb, vec![fv.clone()], Vec::new())?;
    }
    Ok(())
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

/// A property's parts (`V::None` where absent).
#[derive(Clone, Default)]
pub struct Prop {
    /// The getter.
    pub fget: V,
    /// The setter.
    pub fset: V,
    /// The deleter.
    pub fdel: V,
    /// `__doc__`.
    pub doc: V,
}

impl Prop {
    /// The part `which` ("getter", "setter", "deleter") calls, or CPython's AttributeError
    /// naming the property and the instance's class.
    pub fn part(&self, which: &str, name: &str, class: &str) -> R<&V> {
        let f = match which {
            "getter" => &self.fget,
            "setter" => &self.fset,
            _ => &self.fdel,
        };
        if matches!(f, V::None) {
            return raise("AttributeError", format!("property '{name}' of '{class}' object has no {which}"));
        }
        Ok(f)
    }
}

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
    /// A built-in type's method as a subclass inherits it (`dict.__setitem__`).
    BaseMethod(crate::py::ir::Builtin, Arc<str>),
    /// A slice.
    Slice(V, V, V),
    /// `super()`.
    Super(Arc<Class>, V),
    /// `property(fget, fset, fdel, doc)`.
    Property(Box<Prop>),
    /// `staticmethod(f)`.
    StaticMethod(V),
    /// `classmethod(f)`.
    ClassMethod(V),
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
        // The longest timeout a wait takes (`_thread.TIMEOUT_MAX` on Linux).
        (Mod::Threading, "TIMEOUT_MAX") => Some(V::Float(9_223_372_036.0)),
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
        (Mod::Threading, "local") => Some(V::Class(local_class())),
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
        (Mod::Random, "choices") => f(F::RandomChoices),
        (Mod::Random, "gauss") => f(F::RandomGauss),
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
        (Mod::Math, n) => super::math::module_attr(n),
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
        (Mod::Sys, "getrefcount") => f(F::GetRefCount),
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
        (Mod::Hashlib, n) => super::hashlib::module_attr(n),
        (Mod::Timeit, n) => super::timeit::module_attr(n),
        (Mod::Copy, n) => super::copy::module_attr(n),
        (Mod::Abc, n) => super::abc::abc_attr(n),
        (Mod::Types, n) => super::abc::types_attr(n),
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
        (Mod::Multiprocessing, "get_logger") => f(F::GetLogger),
        (Mod::Multiprocessing, "log_to_stderr") => f(F::LogToStderr),
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
                V::Str(k) => Some((Arc::from(&**k), v.clone())),
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

/// What using native object `n` touches, on the running thread's footprint (partial-order
/// reduction): a primitive its resource (its events name the same one); objects whose
/// state sits behind the interpreter's noting locks nothing more; anything else — a
/// thread, a pool, a future, a barrier, an event loop, output — every other turn.
pub(crate) fn note_native(n: &Native) {
    use threadline_runtime::footprint as fp;
    if !fp::gathering() {
        return;
    }
    match n {
        Native::Lock(_, r) | Native::RLock(_, r) | Native::Sem(_, r) | Native::Event(_, r) | Native::Queue(_, r, _) => {
            fp::note_resource(*r);
        }
        Native::Shared(_, _, r, _) => fp::note_resource(*r),
        Native::NotImplemented
        | Native::Module(_)
        | Native::Method(..)
        | Native::Slice(..)
        | Native::Super(..)
        | Native::Property(_)
        | Native::StaticMethod(_)
        | Native::ClassMethod(_)
        | Native::Partial(..)
        | Native::DictView(..)
        | Native::Deque(_)
        | Native::Namespace(_) => {}
        _ => fp::note_global(),
    }
}

/// Call a native callable.
pub fn call_native(it: &mut Interp<'_>, n: &Arc<Native>, pos: Vec<V>, kw: Kw) -> R<V> {
    match &**n {
        Native::Fn(f) => {
            // A module's function may touch anything (the clock, threads, output); a
            // thread's method says what it touches itself.
            if !matches!(f, NFn::ThreadMethod(_)) {
                threadline_runtime::footprint::note_global();
            }
            call_fn(it, *f, pos, kw)
        }
        Native::Method(obj, name) => {
            let obj = obj.clone();
            it.call_method(&obj, name, pos, kw)
        }
        Native::BaseMethod(b, name) => crate::py::builtins::subclass::call(it, *b, name, pos, kw),
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

thread_local! {
    /// The dict views whose repr is being printed on this thread (a view inside itself).
    static VIEWS_OPEN: std::cell::RefCell<Vec<usize>> = const { std::cell::RefCell::new(Vec::new()) };
}
