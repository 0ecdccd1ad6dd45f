//! The runtime's shared state and the per-thread context every primitive works through:
//! stop and kill flags, the GIL of each simulated process, the wait-for table the deadlock
//! watchdog reads, sleep and I/O.

use crate::control::{Control, Grant};
use crate::gil::Gil;
use crate::recorder::Recorder;
use parking_lot::{Condvar, Mutex, MutexGuard, RwLock};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use threadline_model::event::{EventKind, GilReason, ResIx, ThreadIx, WaitTarget};
use threadline_model::model::{GilMode, ProcessMeta, RuntimeSettings, ThreadMeta};
use threadline_model::pyerror::PyError;
use threadline_model::value::Value;

/// Why a thread's program stopped running its next op.
#[derive(Clone, Debug, PartialEq)]
pub enum Unwind {
    /// A Python exception.
    Raise(PyError),
    /// The run was stopped.
    Stopped,
    /// A daemon thread was killed at interpreter exit.
    Killed,
    /// `break` out of the innermost loop.
    Break,
    /// `return` from a function.
    Return(Value),
    /// A Python program's uncaught exception, with the traceback lines Python prints.
    Traceback(PyError, Vec<String>),
}

impl From<PyError> for Unwind {
    fn from(e: PyError) -> Self {
        Unwind::Raise(e)
    }
}

/// What a simulated thread runs.
pub type ThreadBody = Box<dyn FnOnce(&Ctx) -> Result<(), Unwind> + Send>;

/// A primitive the runtime can wake (on stop or kill) and ask who holds it.
pub trait Waitable: Send + Sync {
    /// Lock the primitive's state and wake every waiter, so each re-checks the stop flags.
    fn wake_all(&self);
    /// The resource index, for the deadlock report.
    fn resource(&self) -> Option<ResIx> {
        None
    }
    /// The threads holding it (lock owner, semaphore holders).
    fn holders(&self) -> Vec<ThreadIx> {
        Vec::new()
    }
}

/// Where a thread is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Life {
    /// Not started.
    New,
    /// Started and not ended.
    Alive,
    /// Ended (finished, raised, killed or stopped).
    Ended,
}

/// What a blocked thread waits for, as the watchdog sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitInfo {
    /// The awaited resource or thread.
    pub target: WaitTarget,
    /// Whether the wait has a timeout (a timed wait cannot deadlock).
    pub timed: bool,
    /// The recorder's length when the wait began (tells one wait from the next).
    pub since_seq: u64,
}

/// Pause state: paused, and how many times Step was pressed.
#[derive(Default)]
struct PauseState {
    paused: bool,
    steps: u64,
}

/// State shared by every thread of a run.
pub struct Shared {
    /// The run's recorder.
    pub rec: Recorder,
    /// The run's settings.
    pub settings: RuntimeSettings,
    /// The thread table; it grows as a program creates threads.
    threads: RwLock<Vec<ThreadMeta>>,
    /// The process table; it grows as a program starts processes.
    processes: RwLock<Vec<ProcessMeta>>,
    gils: RwLock<Vec<Option<Arc<Gil>>>>,
    stop: AtomicBool,
    killed: RwLock<Vec<Arc<AtomicBool>>>,
    waitables: Mutex<Vec<Arc<dyn Waitable>>>,
    waits: Mutex<Vec<Option<WaitInfo>>>,
    life: Mutex<Vec<Life>>,
    life_cv: crate::cv::Cv,
    sleeper: Mutex<()>,
    sleeper_cv: crate::cv::Cv,
    paused_flag: AtomicBool,
    paused: Mutex<PauseState>,
    pause_cv: Condvar,
    handles: Mutex<Vec<Handle>>,
    /// Where simulated threads get their OS threads: a search's pool, or new ones.
    pool: Mutex<Option<Arc<crate::pool::Pool>>>,
    control: OnceLock<Arc<Control>>,
}

/// Stack of each simulated thread: room for the interpreter's recursion limit of nested
/// calls (reserved, not committed, until used).
pub const THREAD_STACK_BYTES: usize = 64 << 20;

/// The longest wait or sleep a scenario can ask for (about 115 days): longer
/// durations are clamped to it, and `Instant::now() + MAX_WAIT` cannot overflow.
pub const MAX_WAIT: Duration = Duration::from_secs(10_000_000);

/// Iterations of real work standing for the few bytecodes between a load and its store
/// (`LOAD_GLOBAL`, the call or `BINARY_ADD`, `STORE_GLOBAL`): the window a switch can fall into.
pub const BYTECODE_WINDOW_ITERS: u64 = 300;

/// Run `iters` iterations of the seed's `sum += i` loop (real work).
pub fn spin(iters: u64) -> u64 {
    // The seed's `sum += i`, as real work the optimizer cannot remove.
    let mut sum = 0u64;
    for i in 0..iters {
        sum = sum.wrapping_add(std::hint::black_box(i));
    }
    std::hint::black_box(sum)
}

impl Shared {
    /// Shared state for a run with these threads and processes.
    pub fn new(
        settings: RuntimeSettings,
        threads: Vec<ThreadMeta>,
        processes: Vec<ProcessMeta>,
        rec: Recorder,
    ) -> Arc<Self> {
        let n = threads.len();
        let shared = Arc::new(Self {
            rec,
            settings,
            threads: RwLock::new(threads),
            processes: RwLock::new(Vec::new()),
            gils: RwLock::new(Vec::new()),
            stop: AtomicBool::new(false),
            killed: RwLock::new((0..n).map(|_| Arc::new(AtomicBool::new(false))).collect()),
            waitables: Mutex::new(Vec::new()),
            waits: Mutex::new(vec![None; n]),
            life: Mutex::new(vec![Life::New; n]),
            life_cv: crate::cv::Cv::new(),
            sleeper: Mutex::new(()),
            sleeper_cv: crate::cv::Cv::new(),
            paused_flag: AtomicBool::new(false),
            paused: Mutex::new(PauseState::default()),
            pause_cv: Condvar::new(),
            handles: Mutex::new(Vec::new()),
            pool: Mutex::new(None),
            control: OnceLock::new(),
        });
        for p in processes {
            shared.add_process(p);
        }
        shared
    }

    /// Make this a controlled run (before any thread starts): one thread at a time, chosen
    /// by `control`'s strategy, in virtual time.
    pub fn set_control(&self, control: Arc<Control>) {
        let _ = self.control.set(control);
    }

    /// The turnstile of a controlled run.
    #[inline]
    pub fn control(&self) -> Option<&Arc<Control>> {
        self.control.get()
    }

    /// Add a process (with its own GIL unless free-threaded); returns its index.
    pub fn add_process(&self, meta: ProcessMeta) -> u32 {
        let gil = (self.settings.gil != GilMode::FreeThreaded).then(|| {
            let interval = Duration::from_secs_f64(self.settings.switch_interval_ms.max(0.001) / 1e3);
            Arc::new(Gil::new(interval))
        });
        if let Some(g) = &gil {
            self.register(Arc::clone(g) as Arc<dyn Waitable>);
        }
        let mut procs = self.processes.write();
        let mut gils = self.gils.write();
        procs.push(meta);
        gils.push(gil);
        (procs.len() - 1) as u32
    }

    /// Add a thread to the table (not started); returns its index.
    pub fn add_thread(&self, meta: ThreadMeta) -> ThreadIx {
        let mut threads = self.threads.write();
        let mut killed = self.killed.write();
        let mut waits = self.waits.lock();
        let mut life = self.life.lock();
        threads.push(meta);
        killed.push(Arc::new(AtomicBool::new(false)));
        waits.push(None);
        life.push(Life::New);
        (threads.len() - 1) as ThreadIx
    }

    /// A copy of the thread table.
    pub fn threads(&self) -> Vec<ThreadMeta> {
        self.threads.read().clone()
    }

    /// One thread's entry.
    pub fn thread_meta(&self, tid: ThreadIx) -> Option<ThreadMeta> {
        self.threads.read().get(tid as usize).cloned()
    }

    /// Rename a thread (`t.name = ...` before it starts).
    pub fn set_thread_meta(&self, tid: ThreadIx, f: impl FnOnce(&mut ThreadMeta)) {
        if let Some(m) = self.threads.write().get_mut(tid as usize) {
            f(m);
        }
    }

    /// A copy of the process table.
    pub fn processes(&self) -> Vec<ProcessMeta> {
        self.processes.read().clone()
    }

    /// Let the runtime wake this primitive on stop and kill.
    pub fn register(&self, w: Arc<dyn Waitable>) {
        self.waitables.lock().push(w);
    }

    /// The context of thread `tid` (used on that thread only).
    pub fn ctx(self: &Arc<Self>, tid: ThreadIx) -> Ctx {
        let process = self.threads.read().get(tid as usize).map_or(0, |t| t.process);
        let killed = self.killed.read().get(tid as usize).cloned().unwrap_or_else(|| Arc::new(AtomicBool::new(false)));
        Ctx {
            shared: Arc::clone(self),
            tid,
            process,
            // A controlled run has one thread running at a time: the turnstile is the GIL.
            gil: if self.control().is_some() {
                None
            } else {
                self.gils.read().get(process as usize).cloned().flatten()
            },
            holds_gil: Cell::new(false),
            killed,
            line: Cell::new(0),
        }
    }

    /// True once Stop was requested (by the user or the watchdog).
    pub fn is_stopped(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }

    fn wake_everything(&self) {
        let ws: Vec<_> = self.waitables.lock().clone();
        for w in ws {
            w.wake_all();
        }
        {
            let _g = self.life.lock();
            self.life_cv.notify_all();
        }
        {
            let _g = self.sleeper.lock();
            self.sleeper_cv.notify_all();
        }
        {
            let _g = self.paused.lock();
            self.pause_cv.notify_all();
        }
    }

    /// Stop the run: every blocking wait returns promptly and every thread unwinds.
    pub fn request_stop(&self) {
        self.stop.store(true, Ordering::Release);
        if let Some(c) = self.control() {
            c.stop();
        }
        self.wake_everything();
    }

    /// Set the stop flag only (the turnstile stopping itself after a deadlock).
    pub(crate) fn mark_stopped(&self) {
        self.stop.store(true, Ordering::Release);
    }

    /// Kill a daemon thread at interpreter exit.
    pub fn kill(&self, tid: ThreadIx) {
        if let Some(k) = self.killed.read().get(tid as usize) {
            k.store(true, Ordering::Release);
        }
        self.wake_everything();
    }

    /// Pause or resume: threads stop at their next op boundary.
    pub fn set_paused(&self, paused: bool) {
        self.paused.lock().paused = paused;
        self.paused_flag.store(paused, Ordering::Release);
        self.pause_cv.notify_all();
    }

    /// While paused: let every thread waiting at an op boundary run its next op, then
    /// pause again.
    pub fn step(&self) {
        self.paused.lock().steps += 1;
        self.pause_cv.notify_all();
    }

    /// Whether the run is paused.
    pub fn is_paused(&self) -> bool {
        self.paused_flag.load(Ordering::Acquire)
    }

    /// Where each thread is in its life.
    pub fn life(&self) -> Vec<Life> {
        self.life.lock().clone()
    }

    /// Wait until no thread is alive, at most `timeout`: whether none is. Woken by each
    /// thread's end (no polling: a controlled run of a few turns ends in microseconds).
    pub fn wait_all_ended(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut life = self.life.lock();
        loop {
            if life.iter().all(|l| *l != Life::Alive) {
                return true;
            }
            if self.life_cv.wait_until(&mut life, deadline).timed_out() {
                return life.iter().all(|l| *l != Life::Alive);
            }
        }
    }

    /// What each thread waits for now.
    pub fn waits(&self) -> Vec<Option<WaitInfo>> {
        self.waits.lock().clone()
    }

    /// The threads waiting for `target` now, in thread order (untimed and timed waits).
    pub fn waiters_on(&self, target: WaitTarget) -> Vec<ThreadIx> {
        self.waits
            .lock()
            .iter()
            .enumerate()
            .filter(|(_, w)| w.as_ref().is_some_and(|w| w.target == target))
            .map(|(t, _)| t as ThreadIx)
            .collect()
    }

    /// Every registered primitive with a resource index and its holders.
    pub fn holders(&self) -> Vec<(ResIx, Vec<ThreadIx>)> {
        let ws: Vec<_> = self.waitables.lock().clone();
        ws.iter().filter_map(|w| w.resource().map(|r| (r, w.holders()))).collect()
    }

    /// Start thread `tid` running `body` on a named OS thread. Returns false if it was
    /// already started.
    /// Carry simulated threads on `pool`'s OS threads (set before the first thread starts):
    /// a search's runs reuse them instead of creating their own.
    pub fn set_pool(&self, pool: Arc<crate::pool::Pool>) {
        *self.pool.lock() = Some(pool);
    }

    /// Start simulated thread `tid` on an OS thread of its own (or of the pool).
    pub fn start_thread(self: &Arc<Self>, tid: ThreadIx, delay: Duration, body: ThreadBody) -> Result<bool, PyError> {
        {
            let mut life = self.life.lock();
            match life.get_mut(tid as usize) {
                Some(l @ Life::New) => *l = Life::Alive,
                Some(_) => return Ok(false),
                None => return Err(PyError::new("RuntimeError", format!("no thread #{tid}"))),
            }
        }
        if let Some(c) = self.control() {
            c.started(tid);
        }
        let shared = Arc::clone(self);
        let name = self.thread_meta(tid).map(|m| m.name).unwrap_or_default();
        let pool = self.pool.lock().clone();
        // Whatever happens here, the thread must not stay "alive" without an OS thread: the
        // run would never finish.
        let spawned = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match pool {
            Some(p) => p.spawn(move || shared.thread_main(tid, delay, body)).map(Handle::Pooled),
            None => {
                // The OS refuses a name with a NUL in it (a Python thread's name may hold one).
                let builder = std::thread::Builder::new()
                    .name(format!("tl:{}", name.replace('\0', "\\0")))
                    .stack_size(THREAD_STACK_BYTES);
                builder.spawn(move || shared.thread_main(tid, delay, body)).map(Handle::Os)
            }
        }))
        .unwrap_or_else(|_| Err(std::io::Error::other("the thread could not be created")));
        match spawned {
            Ok(h) => {
                self.handles.lock().push(h);
                Ok(true)
            }
            Err(e) => {
                self.mark_ended(tid);
                if let Some(c) = self.control() {
                    c.ended(self, tid);
                }
                Err(PyError::new("RuntimeError", format!("can't start new thread ({e})")))
            }
        }
    }

    fn thread_main(self: Arc<Self>, tid: ThreadIx, delay: Duration, body: ThreadBody) {
        let ctx = self.ctx(tid);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            if let Some(c) = self.control() {
                c.first_turn(&ctx)?;
            }
            if !delay.is_zero() {
                ctx.wait_quietly(delay)?;
            }
            ctx.record(EventKind::ThreadStarted);
            ctx.take_gil()?;
            body(&ctx)
        }));
        let outcome = match result {
            Ok(Ok(())) | Ok(Err(Unwind::Break | Unwind::Return(_))) => EventKind::ThreadFinished,
            Ok(Err(Unwind::Raise(error))) => {
                let meta = self.thread_meta(tid).unwrap_or_else(|| ThreadMeta {
                    name: String::new(),
                    process: 0,
                    daemon: false,
                    target: None,
                });
                let name = match &meta.target {
                    Some(t) => format!("{} ({t})", meta.name),
                    None => meta.name.clone(),
                };
                ctx.record(EventKind::Print { line: format!("Exception in thread {name}:"), stderr: true });
                ctx.record(EventKind::Print { line: error.to_string(), stderr: true });
                EventKind::ThreadRaised { error: Box::from(error) }
            }
            Ok(Err(Unwind::Traceback(error, lines))) => {
                for line in lines {
                    ctx.record(EventKind::Print { line, stderr: true });
                }
                EventKind::ThreadRaised { error: Box::from(error) }
            }
            Ok(Err(Unwind::Stopped)) => EventKind::ThreadStopped,
            Ok(Err(Unwind::Killed)) => EventKind::ThreadKilled,
            Err(panic) => {
                let msg = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into());
                EventKind::ThreadRaised {
                    error: Box::from(PyError::new("SystemError", format!("simulator bug: {msg}"))),
                }
            }
        };
        ctx.record(outcome);
        if ctx.holds_gil.get() {
            ctx.drop_gil(GilReason::Exit);
        }
        self.waits.lock()[tid as usize] = None;
        self.mark_ended(tid);
        if let Some(c) = self.control() {
            c.ended(&self, tid);
        }
    }

    fn mark_ended(&self, tid: ThreadIx) {
        let mut life = self.life.lock();
        life[tid as usize] = Life::Ended;
        self.life_cv.notify_all();
    }

    /// Join every OS thread started so far (and any they started), so none outlives the run.
    ///
    /// A backstop: a thread that has not ended 10 s after it was asked to (a bug — every
    /// wait checks the stop flag) is left behind with a message on stderr, rather than
    /// freezing whoever joins (the app's UI).
    pub fn join_all(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let hs: Vec<_> = std::mem::take(&mut *self.handles.lock());
            if hs.is_empty() {
                return;
            }
            for h in hs {
                let start = Instant::now();
                // A pooled thread says when its job ends: sleep until then. (Yielding the
                // core instead, with a search's threads all on one core, cost a switch of
                // thread per look.)
                if let Handle::Pooled(d) = &h {
                    d.wait_until(deadline);
                }
                while !h.is_finished() && Instant::now() < deadline {
                    if start.elapsed() < Duration::from_millis(2) {
                        std::thread::yield_now();
                    } else {
                        std::thread::sleep(Duration::from_micros(200));
                    }
                }
                if h.is_finished() {
                    h.join();
                } else {
                    eprintln!("threadline: thread {} did not stop within 10 s of its run's end; left behind", h.name());
                }
            }
        }
    }
}

/// The OS thread carrying a simulated thread: its own, or a pool's.
enum Handle {
    Os(JoinHandle<()>),
    Pooled(Arc<crate::pool::Done>),
}

impl Handle {
    fn is_finished(&self) -> bool {
        match self {
            Handle::Os(h) => h.is_finished(),
            Handle::Pooled(d) => d.is_finished(),
        }
    }

    fn join(self) {
        match self {
            Handle::Os(h) => {
                let _ = h.join();
            }
            Handle::Pooled(d) => d.join(),
        }
    }

    fn name(&self) -> String {
        match self {
            Handle::Os(h) => h.thread().name().unwrap_or("?").to_string(),
            Handle::Pooled(_) => "tl:pool".into(),
        }
    }
}

/// One simulated thread's handle on the runtime. Used on that thread only.
pub struct Ctx {
    /// The run.
    pub shared: Arc<Shared>,
    /// This thread.
    pub tid: ThreadIx,
    /// Its process.
    pub process: u32,
    gil: Option<Arc<Gil>>,
    holds_gil: Cell<bool>,
    killed: Arc<AtomicBool>,
    /// The source line the thread is executing (0: none), stamped on its events.
    pub line: Cell<u32>,
}

impl Ctx {
    /// Record an event by this thread.
    #[inline]
    pub fn record(&self, kind: EventKind) -> u64 {
        // An event is a change a spinning thread may be waiting for (a blocked one hears of
        // its own through its condition variable).
        if let Some(c) = self.shared.control() {
            c.mutated();
            crate::footprint::note_event(&kind, self.tid);
        }
        self.shared.rec.record_at(self.tid, self.process, self.line.get(), kind)
    }

    /// Err if the run was stopped or this thread killed.
    #[inline]
    pub fn check(&self) -> Result<(), Unwind> {
        if self.shared.stop.load(Ordering::Acquire) {
            return Err(Unwind::Stopped);
        }
        if self.killed.load(Ordering::Acquire) {
            return Err(Unwind::Killed);
        }
        Ok(())
    }

    /// Scale a scenario duration in ms by the run's time scale.
    /// Clamped to [`MAX_WAIT`], so a hostile `1e300` ms is a very long wait, not a panic.
    pub fn scaled(&self, ms: f64) -> Duration {
        let s = (ms * self.shared.settings.time_scale / 1e3).max(0.0);
        Duration::try_from_secs_f64(s).unwrap_or(MAX_WAIT).min(MAX_WAIT)
    }

    /// The GIL model in force for this thread's process, if any.
    pub fn gil_mode(&self) -> GilMode {
        self.shared.settings.gil
    }

    /// Whether this thread holds its process's GIL.
    pub fn holds_gil(&self) -> bool {
        self.holds_gil.get()
    }

    /// Take the GIL (no-op when free-threaded).
    pub fn take_gil(&self) -> Result<(), Unwind> {
        if let Some(gil) = &self.gil
            && !self.holds_gil.get()
        {
            gil.take(self)?;
            self.holds_gil.set(true);
        }
        Ok(())
    }

    /// Drop the GIL for `reason`. A forced drop waits until another thread has taken it.
    pub fn drop_gil(&self, reason: GilReason) {
        if let Some(gil) = &self.gil
            && self.holds_gil.get()
        {
            self.holds_gil.set(false);
            gil.release(self, reason);
        }
    }

    /// Whether an eval-breaker point has nothing to do: no Stop, kill or Pause, no
    /// controlled run, no GIL drop request to this thread (a handful of loads, inlined where
    /// the interpreter checks, before it calls [`Self::eval_breaker`]).
    #[inline(always)]
    pub fn calm(&self) -> bool {
        !self.shared.stop.load(Ordering::Relaxed)
            && !self.killed.load(Ordering::Relaxed)
            && !self.shared.paused_flag.load(Ordering::Relaxed)
            && self.shared.control.get().is_none()
            && (!self.holds_gil.get() || self.gil.as_ref().is_none_or(|g| !g.drop_requested()))
    }

    /// An eval-breaker point: honour Stop, Pause and a pending GIL drop request. In a
    /// controlled run, a switch point. (Inlined: it runs after every call.)
    #[inline]
    pub fn eval_breaker(&self) -> Result<(), Unwind> {
        self.check()?;
        if self.shared.paused_flag.load(Ordering::Acquire) {
            self.wait_while_paused()?;
        }
        if let Some(c) = self.shared.control() {
            return c.switch_point(self);
        }
        if let Some(gil) = &self.gil
            && self.holds_gil.get()
            && gil.drop_requested()
        {
            self.drop_gil(GilReason::Forced);
            self.take_gil()?;
        }
        Ok(())
    }

    /// A `while` loop's back-edge: the eval breaker, and in a controlled run a switch point
    /// where a thread that changed nothing since its last pass waits for a change
    /// ([`crate::control::Control::spin_point`]).
    pub fn spin_point(&self, loop_line: u32) -> Result<(), Unwind> {
        match self.shared.control() {
            Some(c) => {
                self.check()?;
                if self.shared.paused_flag.load(Ordering::Acquire) {
                    self.wait_while_paused()?;
                }
                c.spin_point(self, loop_line)
            }
            None => self.eval_breaker(),
        }
    }

    /// A primitive's state changed without an event being recorded (a barrier aborted, a
    /// future cancelled…): in a controlled run, a thread spinning on it may now see the change.
    /// (A thread blocked on it hears of it from the notification that goes with the change.)
    #[inline]
    pub fn changed(&self) {
        if let Some(c) = self.shared.control() {
            c.mutated();
        }
    }

    /// Something that may change the program's state (a store, a call not known to be
    /// pure): counted in a controlled run, for [`Self::spin_point`].
    #[inline]
    pub fn mutated(&self) {
        if let Some(c) = self.shared.control() {
            c.mutated();
        }
    }

    /// A load or store of a shared variable: free-threaded, another thread may run between
    /// any two of them, so in a controlled free-threaded run it is a switch point.
    #[inline]
    pub fn shared_access(&self) -> Result<(), Unwind> {
        if let Some(c) = self.shared.control()
            && self.shared.settings.gil == GilMode::FreeThreaded
        {
            self.check()?;
            return c.switch_point(self);
        }
        Ok(())
    }

    /// Now: the clock, or a controlled run's virtual time (on the recorder's time line).
    pub fn now(&self) -> Instant {
        match self.shared.control() {
            Some(c) => self.shared.rec.start() + Duration::from_nanos(c.now_ns()),
            None => Instant::now(),
        }
    }

    /// A statement boundary: hold here while the run is paused (Pause and Step work per
    /// statement), without the GIL bookkeeping of an eval-breaker point.
    #[inline]
    pub fn pause_point(&self) -> Result<(), Unwind> {
        if self.shared.paused_flag.load(Ordering::Acquire) {
            self.check()?;
            self.wait_while_paused()?;
        }
        Ok(())
    }

    fn wait_while_paused(&self) -> Result<(), Unwind> {
        let mut p = self.shared.paused.lock();
        let steps = p.steps;
        while p.paused && p.steps == steps {
            drop(p);
            self.check()?;
            p = self.shared.paused.lock();
            if p.paused && p.steps == steps {
                self.shared.pause_cv.wait_for(&mut p, Duration::from_millis(50));
            }
        }
        Ok(())
    }

    /// Run `f` as a blocking call: the GIL is released around it (Py_BEGIN_ALLOW_THREADS),
    /// the watchdog sees what the thread waits for, and the GIL is taken back afterwards.
    pub fn blocking<T>(
        &self,
        target: WaitTarget,
        timed: bool,
        f: impl FnOnce() -> Result<T, Unwind>,
    ) -> Result<T, Unwind> {
        self.drop_gil(GilReason::Blocking);
        let since_seq = self.shared.rec.len();
        self.shared.waits.lock()[self.tid as usize] = Some(WaitInfo { target, timed, since_seq });
        let r = f();
        self.shared.waits.lock()[self.tid as usize] = None;
        let taken = self.take_gil();
        let v = r?;
        taken?;
        Ok(v)
    }

    /// Wait on `cv` (whose mutex `guard` holds) until `ready`, the deadline, or Stop.
    /// Returns whether `ready` became true.
    pub fn wait_until<S>(
        &self,
        cv: &crate::cv::Cv,
        guard: &mut MutexGuard<'_, S>,
        deadline: Option<Instant>,
        mut ready: impl FnMut(&mut S) -> bool,
    ) -> Result<bool, Unwind> {
        if let Some(c) = self.shared.control() {
            // Controlled: never wait on the condition variable; pass the turn instead, and
            // answer the turnstile's probes until it gives the turn back.
            let start = self.shared.rec.start();
            let dl_ns =
                deadline.map(|d| u64::try_from(d.saturating_duration_since(start).as_nanos()).unwrap_or(u64::MAX));
            let mut grant = Grant::Run;
            let watch = cv.watch();
            loop {
                // Read before the condition: a notification after it is a change to look at.
                let heard = watch.count();
                let is_ready = ready(guard);
                let timed_out = !is_ready && dl_ns.is_some_and(|d| c.now_ns() >= d);
                let heard = (watch.clone(), heard);
                grant = match grant {
                    Grant::Probe => {
                        MutexGuard::unlocked(guard, || c.answer(self, is_ready || timed_out, dl_ns, heard))?
                    }
                    Grant::Run => {
                        self.check()?;
                        if is_ready {
                            return Ok(true);
                        }
                        if timed_out {
                            return Ok(false);
                        }
                        MutexGuard::unlocked(guard, || c.block(self, dl_ns, heard))?
                    }
                };
            }
        }
        loop {
            if ready(guard) {
                return Ok(true);
            }
            self.check()?;
            match deadline {
                Some(d) => {
                    if Instant::now() >= d {
                        return Ok(false);
                    }
                    cv.wait_until(guard, d);
                }
                None => cv.wait(guard),
            }
        }
    }

    fn wait_quietly(&self, d: Duration) -> Result<(), Unwind> {
        let deadline = self.now() + d;
        let mut g = self.shared.sleeper.lock();
        self.wait_until(&self.shared.sleeper_cv, &mut g, Some(deadline), |_| false)?;
        Ok(())
    }

    /// `time.sleep(ms)` (or I/O taking `ms`): the GIL is released for the duration.
    pub fn sleep(&self, ms: f64, is_sleep: bool) -> Result<(), Unwind> {
        let d = self.scaled(ms);
        self.record(EventKind::IoBegin { ms, sleep: is_sleep });
        self.drop_gil(GilReason::Io);
        let r = self.wait_quietly(d);
        if r.is_ok() {
            self.record(EventKind::IoEnd);
        }
        r?;
        if d.is_zero()
            && let Some(c) = self.shared.control()
        {
            // `time.sleep(0)` gives other threads their chance.
            c.switch_point(self)?;
        }
        self.take_gil()
    }

    /// Wait for thread `target` to end (`Thread.join()`); `timeout_ms` as Python's.
    pub fn join_thread(&self, target: ThreadIx, timeout_ms: Option<f64>) -> Result<(), Unwind> {
        if target == self.tid {
            return Err(PyError::new("RuntimeError", "cannot join current thread").into());
        }
        {
            let life = self.shared.life.lock();
            match life.get(target as usize) {
                None => return Err(PyError::new("RuntimeError", "no such thread").into()),
                Some(Life::New) => {
                    return Err(PyError::new("RuntimeError", "cannot join thread before it is started").into());
                }
                Some(Life::Ended) => {
                    drop(life);
                    self.record(EventKind::Joined { target });
                    return Ok(());
                }
                Some(Life::Alive) => {}
            }
        }
        self.record(EventKind::JoinWait { target });
        let deadline = timeout_ms.map(|ms| self.now() + self.scaled(ms));
        self.blocking(WaitTarget::Thread(target), deadline.is_some(), || {
            let mut life = self.shared.life.lock();
            self.wait_until(&self.shared.life_cv, &mut life, deadline, |l| l[target as usize] == Life::Ended)
        })?;
        self.record(EventKind::Joined { target });
        Ok(())
    }

    /// Python's interpreter shutdown, on the main thread: wait for every non-daemon thread,
    /// then kill the daemon threads still running.
    pub fn shutdown(&self) -> Result<(), Unwind> {
        loop {
            let meta = self.shared.threads();
            let next = {
                let life = self.shared.life.lock();
                (0..meta.len()).find(|&t| {
                    t != self.tid as usize
                        && meta[t].process == self.process
                        && !meta[t].daemon
                        && life.get(t) == Some(&Life::Alive)
                })
            };
            match next {
                Some(t) => self.join_thread(t as ThreadIx, None)?,
                None => break,
            }
        }
        let meta = self.shared.threads();
        let alive_daemons: Vec<ThreadIx> = {
            let life = self.shared.life.lock();
            (0..meta.len())
                // Not itself: a daemon process's main thread shutting its interpreter down.
                .filter(|&t| {
                    t != self.tid as usize
                        && meta[t].process == self.process
                        && meta[t].daemon
                        && life.get(t) == Some(&Life::Alive)
                })
                .map(|t| t as ThreadIx)
                .collect()
        };
        // The main process's exit terminates its daemonic child processes, as
        // multiprocessing's exit handler does: every thread of a process whose main thread
        // is a daemon.
        let daemon_procs: Vec<ThreadIx> = if self.process == 0 && self.tid == 0 {
            let life = self.shared.life.lock();
            let mut first: std::collections::HashMap<u32, usize> = std::collections::HashMap::new();
            for (t, m) in meta.iter().enumerate() {
                first.entry(m.process).or_insert(t);
            }
            (0..meta.len())
                .filter(|&t| {
                    let p = meta[t].process;
                    p != 0 && first.get(&p).is_some_and(|&m| meta[m].daemon) && life.get(t) == Some(&Life::Alive)
                })
                .map(|t| t as ThreadIx)
                .collect()
        } else {
            Vec::new()
        };
        for t in alive_daemons.into_iter().chain(daemon_procs) {
            self.shared.kill(t);
            if let Some(c) = self.shared.control() {
                c.run_to_end(self, t)?;
            }
        }
        Ok(())
    }
}
