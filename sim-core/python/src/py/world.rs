//! A run's Python-side state: the module globals of each simulated process, the thread
//! and process objects, resources and shared variables as the trace names them, output, and
//! the deep copy a forked process starts from.

use super::*;

/// One module global of one process.
#[derive(Debug, Default)]
pub struct GlobalCell {
    /// Its value (None: not yet assigned).
    pub value: Option<V>,
    /// A shared variable's value had no update been lost.
    pub race_free: Option<V>,
    /// Whether it is a shared variable (plotted, race-free value kept).
    pub tracked: bool,
    /// Its index in the variable table, once recorded.
    pub var: Option<u32>,
    /// When it was last recorded.
    pub last_rec_ns: u64,
    /// Writes so far (the clock is read every few writes).
    pub writes: u32,
}

/// One module global: its cell, and a version that moves whenever the cell is locked for
/// anything but a read, so an interpreter may keep the value it last read and use it again
/// without the lock while the version stands (CPython's dict-version guard on
/// `LOAD_GLOBAL`'s inline cache).
#[derive(Debug)]
pub struct Global {
    cell: Mutex<GlobalCell>,
    version: std::sync::atomic::AtomicU64,
    /// Whether it is a shared variable (fixed when the process state is made).
    pub tracked: bool,
}

impl Global {
    pub(crate) fn new(cell: GlobalCell) -> Self {
        Self { tracked: cell.tracked, cell: Mutex::new(cell), version: std::sync::atomic::AtomicU64::new(1) }
    }

    /// Lock the cell to read or write it: the version moves (whoever locks may write).
    #[inline]
    pub fn lock(&self) -> threadline_runtime::footprint::MutexGuard<'_, GlobalCell> {
        let g = self.cell.lock();
        self.version.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        g
    }

    /// Lock the cell only to read it: the version stays.
    #[inline]
    pub(crate) fn lock_read(&self) -> threadline_runtime::footprint::MutexGuard<'_, GlobalCell> {
        self.cell.lock()
    }

    /// A read of the cell made without its lock (a cached value): noted on the footprint
    /// as a read under the lock would be.
    #[inline]
    pub(crate) fn note_read(&self) {
        self.cell.note_read();
    }

    /// The version now (never 0).
    #[inline]
    pub(crate) fn version(&self) -> u64 {
        self.version.load(std::sync::atomic::Ordering::Acquire)
    }
}

/// One simulated process's module state.
#[derive(Debug)]
pub struct ProcWorld {
    /// The process index.
    pub index: u32,
    /// Globals by slot.
    pub globals: Vec<Global>,
    /// Counts it among the live ones.
    pub(crate) _live: LiveProcess,
}

/// How many simulated processes' module states exist right now, in all runs. A finished and
/// dropped run leaves none: a reference cycle that kept one alive (a forked process's
/// `Process` object holding its own state) is a leak the tests look for.
pub fn live_process_states() -> usize {
    LIVE_PROCESS_STATES.load(std::sync::atomic::Ordering::SeqCst)
}

#[derive(Debug)]
pub(crate) struct LiveProcess;

impl LiveProcess {
    pub(crate) fn new() -> Self {
        LIVE_PROCESS_STATES.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        LiveProcess
    }
}

impl Drop for LiveProcess {
    fn drop(&mut self) {
        LIVE_PROCESS_STATES.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// The message when a program asks for more than [`MAX_THREADS_PER_RUN`] threads.
pub fn too_many_threads() -> String {
    format!("can't start new thread: a Threadline run holds at most {MAX_THREADS_PER_RUN} threads and processes")
}

/// Everything the threads of one run share besides the runtime.
pub struct World {
    /// The program.
    pub prog: Arc<Program>,
    pub(crate) procs: RwLock<Vec<Arc<ProcWorld>>>,
    pub(crate) out: Mutex<[String; 2]>,
    pub(crate) resources: Mutex<Vec<ResourceInfo>>,
    pub(crate) vars: Mutex<Vec<String>>,
    pub(crate) thread_objs: Mutex<Vec<V>>,
    pub(crate) thread_counter: AtomicU32,
    pub(crate) process_counter: AtomicU32,
    pub(crate) executor_counter: AtomicU32,
    /// asyncio's `Task-N` names (only tasks not given a name count, as CPython's).
    pub aio_task_names: AtomicU32,
    /// asyncio tasks made so far: each task's index in the run's task table.
    pub aio_task_index: AtomicU32,
    pub(crate) owners: Mutex<HashMap<usize, Arc<Class>>>,
    pub(crate) used_names: Mutex<HashMap<String, u32>>,
    /// Executors to shut down at exit.
    pub executors: Mutex<Vec<Arc<stdlib::ExecutorObj>>>,
    /// Futures not finished yet, by (pool, task).
    pub pending_futures: Mutex<IndexMap<(ResIx, u32), Arc<stdlib::FutureObj>>>,
    pub(crate) rng: Mutex<mt::Mt>,
    /// Every `multiprocessing.Pipe` made: a fork copies the parent's ends into the child, a
    /// process's exit closes its copies.
    pub(crate) pipes: parking_lot::Mutex<Vec<std::sync::Weak<threadline_runtime::channels::Pipe<V>>>>,
    /// Module attributes the program assigned (`threading.excepthook = hook`), by module and name.
    pub module_attrs: Mutex<HashMap<(&'static str, String), V>>,
    /// The DeprecationWarnings already shown, by message and line (once per place, as
    /// Python's default filter for `__main__`).
    pub warned: Mutex<std::collections::HashSet<(&'static str, u32)>>,
    /// Coroutines dropped without being awaited, to warn about.
    pub unawaited: Arc<frame::Unawaited>,
    /// The `logging` module's loggers and configuration.
    pub logging: Mutex<logging::LogState>,
    /// The run's seed (`--seed`): an unseeded `random` starts from it.
    pub(crate) seed: u64,
    /// `time.time()` when the run started.
    pub wall_start: f64,
    /// The simulated pid of the main process.
    pub base_pid: u32,
    /// `multiprocessing.current_process()` in the main process.
    pub(crate) main_process: V,
    /// The runtime of the run (set when it starts).
    pub shared_ref: Mutex<Option<std::sync::Weak<threadline_runtime::rt::Shared>>>,
    /// The main process's exit status.
    pub exit_code: Mutex<i64>,
    /// `sys.getrecursionlimit()`: Python calls nested deeper raise `RecursionError`.
    pub(crate) recursion_limit: std::sync::atomic::AtomicUsize,
    /// `Manager().list()` / `.dict()` objects: shared by every process, never copied at fork.
    pub managed: Mutex<Vec<V>>,
    /// Instances of classes with their own `__hash__`, by the hash `__hash__` gave: each
    /// distinct value seen (an id no address can be) with the objects equal to it, held
    /// weakly ([`value::Inst::hrep`]).
    pub(crate) hash_reps: parking_lot::Mutex<HashReps>,
}

/// The objects equal to one value: its id, and the live objects (held weakly).
pub(crate) type HashClass = (usize, Vec<std::sync::Weak<value::Inst>>);

/// [`World::hash_reps`].
#[derive(Default)]
pub(crate) struct HashReps {
    /// hash → each value seen with it.
    pub by_hash: HashMap<value::HKey, Vec<HashClass>>,
    /// The next value id (odd: addresses are even).
    pub next: usize,
    /// Objects held (weakly), and how many there were at the last sweep of the dead.
    pub held: usize,
    pub swept_at: usize,
}

impl fmt::Debug for World {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("World")
    }
}

impl World {
    /// A world for `prog` whose main process is `shared`'s process 0.
    pub fn new(prog: Arc<Program>, seed: u64) -> Arc<Self> {
        let wall_start =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64());
        Self::new_at(prog, seed, wall_start)
    }

    /// [`Self::new`] whose `time.time()` starts at `wall_start` (a controlled run uses a
    /// fixed epoch, so what a program prints of the time is the same in every replay).
    pub fn new_at(prog: Arc<Program>, seed: u64, wall_start: f64) -> Arc<Self> {
        let w = Arc::new(Self {
            procs: RwLock::new(Vec::new()),
            out: Mutex::new([String::new(), String::new()]),
            resources: Mutex::new(Vec::new()),
            vars: Mutex::new(Vec::new()),
            thread_objs: Mutex::new(Vec::new()),
            thread_counter: AtomicU32::new(1),
            process_counter: AtomicU32::new(1),
            executor_counter: AtomicU32::new(0),
            aio_task_names: AtomicU32::new(0),
            aio_task_index: AtomicU32::new(0),
            owners: Mutex::new(HashMap::new()),
            used_names: Mutex::new(HashMap::new()),
            executors: Mutex::new(Vec::new()),
            pending_futures: Mutex::new(IndexMap::default()),
            rng: Mutex::new(mt::Mt::seeded_later(seed)),
            pipes: parking_lot::Mutex::new(Vec::new()),
            logging: Mutex::new(logging::LogState::default()),
            warned: Mutex::new(std::collections::HashSet::new()),
            unawaited: Arc::default(),
            module_attrs: Mutex::new(HashMap::new()),
            seed,
            wall_start,
            base_pid: 4242,
            shared_ref: Mutex::new(None),
            main_process: {
                let dict: Attrs = [
                    (Arc::from("name"), V::str("MainProcess")),
                    (Arc::from("pid"), V::Int(4242)),
                    (Arc::from("daemon"), V::Bool(false)),
                    (Arc::from("exitcode"), V::None),
                ]
                .into_iter()
                .collect();
                V::Inst(Arc::new(value::Inst {
                    class: stdlib::process_class(),
                    dict: Mutex::new(dict),
                    native: Mutex::new(value::InstNative::None),
                    hrep: Default::default(),
                }))
            },
            exit_code: Mutex::new(0),
            hash_reps: parking_lot::Mutex::new(HashReps::default()),
            recursion_limit: std::sync::atomic::AtomicUsize::new(crate::py::interp::RECURSION_LIMIT),
            managed: Mutex::new(Vec::new()),
            prog,
        });
        let main = w.new_proc_world(0);
        w.procs.write().push(main);
        w
    }

    pub(crate) fn new_proc_world(&self, index: u32) -> Arc<ProcWorld> {
        let globals = (0..self.prog.globals.len())
            .map(|i| {
                let value = match &*self.prog.globals[i] {
                    "__name__" => Some(V::str("__main__")),
                    "__file__" => Some(V::str(self.prog.file.as_str())),
                    "__doc__" => Some(V::None),
                    _ => None,
                };
                Global::new(GlobalCell {
                    value,
                    tracked: self.prog.tracked.contains(&(i as u32)),
                    ..GlobalCell::default()
                })
            })
            .collect();
        Arc::new(ProcWorld { index, globals, _live: LiveProcess::new() })
    }

    /// The module state of process `p`.
    pub fn proc(&self, p: u32) -> Arc<ProcWorld> {
        let procs = self.procs.read();
        procs.get(p as usize).cloned().unwrap_or_else(|| procs[0].clone())
    }

    /// The resource table so far.
    pub fn resources(&self) -> Vec<ResourceInfo> {
        self.resources.lock().clone()
    }

    /// The variable table so far.
    pub fn vars(&self) -> Vec<String> {
        self.vars.lock().clone()
    }

    /// Write program output; every finished line becomes a `Print` event.
    pub fn write_out(&self, ctx: &Ctx, text: &str, stderr: bool) {
        let mut out = self.out.lock();
        let buf = &mut out[stderr as usize];
        buf.push_str(text);
        while let Some(p) = buf.find('\n') {
            let line: String = buf.drain(..=p).collect();
            ctx.record(EventKind::Print { line: line.trim_end_matches('\n').to_string(), stderr });
        }
    }

    /// Emit whatever partial lines remain.
    pub fn flush_out(&self, ctx: &Ctx) {
        let mut out = self.out.lock();
        for (i, buf) in out.iter_mut().enumerate() {
            if !buf.is_empty() {
                ctx.record(EventKind::Print { line: std::mem::take(buf), stderr: i == 1 });
            }
        }
    }

    /// The variable index of a shared global, recording `VarNew` the first time.
    pub fn var_index(&self, ctx: &Ctx, proc: u32, slot: u32, g: &mut GlobalCell) -> u32 {
        if let Some(v) = g.var {
            return v;
        }
        let mut vars = self.vars.lock();
        let base = self.prog.globals.get(slot as usize).map_or("?", |s| &**s);
        let name = if proc == 0 { base.to_string() } else { format!("{base} ({})", self.proc_name(proc)) };
        let index = vars.len() as u32;
        vars.push(name.clone());
        ctx.record(EventKind::VarNew { index, name });
        g.var = Some(index);
        index
    }

    pub(crate) fn proc_name(&self, p: u32) -> String {
        if p == 0 { "MainProcess".into() } else { format!("Process-{p}") }
    }

    /// Remember the class that defines `func` (for `super()`).
    pub fn set_owner(&self, func: &Arc<Func>, cls: &Arc<Class>) {
        self.owners.lock().insert(Arc::as_ptr(func) as usize, cls.clone());
    }

    /// The class that defines `func`.
    pub fn owner_of(&self, func: &Arc<Func>) -> Option<Arc<Class>> {
        self.owners.lock().get(&(Arc::as_ptr(func) as usize)).cloned()
    }

    /// The Thread object of thread `tid`.
    pub fn thread_object(&self, tid: ThreadIx) -> V {
        self.thread_objs.lock().get(tid as usize).cloned().unwrap_or_default()
    }

    /// The name of thread `tid`, as `threading` shows it.
    pub fn thread_name(&self, tid: ThreadIx) -> String {
        self.shared_meta(tid).map(|m| m.name).unwrap_or_default()
    }

    pub(crate) fn shared_meta(&self, tid: ThreadIx) -> Option<ThreadMeta> {
        self.shared_ref.lock().as_ref().and_then(|s| s.upgrade()).and_then(|s| s.thread_meta(tid))
    }

    /// Whether thread `tid` is a daemon (new threads inherit it).
    pub fn thread_daemon(&self, tid: ThreadIx) -> bool {
        self.shared_meta(tid).is_some_and(|m| m.daemon)
    }

    /// `multiprocessing.current_process()` of process `p`.
    pub fn process_object(&self, p: u32) -> V {
        if p == 0 {
            return self.main_process.clone();
        }
        let tid = self
            .shared_ref
            .lock()
            .as_ref()
            .and_then(|s| s.upgrade())
            .and_then(|s| s.threads().iter().position(|t| t.process == p))
            .unwrap_or(0);
        self.thread_object(tid as ThreadIx)
    }

    /// Add a thread (its `ThreadNew` event and its Thread object).
    /// Add a thread (or process) to the run; `None` past [`MAX_THREADS_PER_RUN`].
    pub fn add_thread(&self, ctx: &Ctx, meta: ThreadMeta, obj: &V) -> Option<ThreadIx> {
        let mut objs = self.thread_objs.lock();
        if objs.len() >= MAX_THREADS_PER_RUN {
            return None;
        }
        let tid = ctx.shared.add_thread(meta.clone());
        ctx.record(EventKind::ThreadNew { index: tid, meta: Box::from(meta) });
        while objs.len() < tid as usize {
            objs.push(V::None);
        }
        objs.push(obj.clone());
        Some(tid)
    }

    /// Register the main thread's object.
    pub fn set_main_thread(&self, obj: V) {
        let mut objs = self.thread_objs.lock();
        if objs.is_empty() {
            objs.push(obj);
        }
    }

    /// Add a resource (its `ResourceNew` event).
    pub fn add_resource(&self, ctx: &Ctx, mut info: ResourceInfo) -> ResIx {
        {
            let mut used = self.used_names.lock();
            let n = used.entry(info.name.clone()).or_insert(0);
            *n += 1;
            if *n > 1 {
                info.name = format!("{} #{}", info.name, n);
            }
        }
        let mut res = self.resources.lock();
        let index = res.len() as ResIx;
        res.push(info.clone());
        ctx.record(EventKind::ResourceNew { index, info: Box::from(info) });
        index
    }

    /// The name a new object is bound to on source line `line` (`lock1 = Lock()` → `lock1`).
    pub fn binding_name(&self, line: u32) -> Option<String> {
        let text = self.prog.line(line)?;
        let (lhs, rhs) = text.split_once('=')?;
        if rhs.starts_with('=') || lhs.ends_with(['!', '<', '>']) {
            return None;
        }
        let lhs = lhs.trim();
        let lhs = lhs.strip_prefix("self.").unwrap_or(lhs);
        (!lhs.is_empty() && lhs.chars().all(|c| c.is_alphanumeric() || "_.[]".contains(c))).then(|| lhs.to_string())
    }

    /// `Thread-N` numbering (and `Process-N`).
    pub fn next_name_number(&self, process: bool) -> u32 {
        if process {
            self.process_counter.fetch_add(1, Ordering::Relaxed)
        } else {
            self.thread_counter.fetch_add(1, Ordering::Relaxed)
        }
    }

    /// `ThreadPoolExecutor-N` numbering.
    pub fn next_executor_number(&self) -> u32 {
        self.executor_counter.fetch_add(1, Ordering::Relaxed)
    }

    /// The simulated pid of process `p`.
    pub fn pid_of(&self, p: u32) -> u32 {
        self.base_pid + p
    }

    /// Seconds since the run started, in the program's time (divided by the time scale).
    pub fn elapsed_s(&self, ctx: &Ctx) -> f64 {
        ctx.shared.rec.now_ns() as f64 / 1e9 / ctx.shared.settings.time_scale.max(1e-9)
    }

    /// The run's `random` generator: CPython's Mersenne Twister, seeded from the run's seed
    /// until the program calls `random.seed`.
    pub fn rng(&self) -> threadline_runtime::footprint::MutexGuard<'_, mt::Mt> {
        self.rng.lock()
    }

    /// `random.random()`.
    pub fn random(&self) -> f64 {
        self.rng.lock().random()
    }

    /// `random.seed()` with no argument: back to the run's seed (CPython would read
    /// `os.urandom`; a run stays repeatable from `--seed`).
    pub fn reseed_random(&self) {
        *self.rng.lock() = mt::Mt::from_seed_u64(self.seed);
    }

    /// `fork()` at `Process.start()`: a new process with a copy of `parent`'s globals; returns
    /// it and the child's copy of the process object `obj` (whose `run` the child calls).
    /// `multiprocessing.Manager()` objects are not copied: they stay shared.
    pub fn fork(self: &Arc<Self>, ctx: &Ctx, parent: &Arc<ProcWorld>, obj: &V, tid: ThreadIx) -> (Arc<ProcWorld>, V) {
        let name = self.shared_meta(tid).map_or_else(|| "Process".into(), |m| m.name);
        let index = ctx.shared.add_process(ProcessMeta { name: name.clone(), pid: 0 });
        let pid = self.pid_of(index);
        ctx.record(EventKind::ProcessNew { index, meta: Box::from(ProcessMeta { name, pid }) });
        ctx.shared.set_thread_meta(tid, |m| m.process = index);
        let mut memo: HashMap<usize, V> = self.managed.lock().iter().map(|v| (v.id(), v.clone())).collect();
        let child_obj = deep_copy(obj, &mut memo);
        let globals = parent
            .globals
            .iter()
            .map(|g| {
                let g = g.lock_read();
                Global::new(GlobalCell {
                    value: g.value.as_ref().map(|v| deep_copy(v, &mut memo)),
                    race_free: g.race_free.as_ref().map(|v| deep_copy(v, &mut memo)),
                    tracked: g.tracked,
                    var: None,
                    last_rec_ns: 0,
                    writes: 0,
                })
            })
            .collect();
        // The target's arguments are the child's copies too (pickled, in real multiprocessing).
        if let Some(t) = stdlib::thread_obj(obj) {
            let args = t.args.lock().clone();
            let kwargs = t.kwargs.lock().clone();
            *t.args.lock() = deep_copy(&args, &mut memo);
            *t.kwargs.lock() = deep_copy(&kwargs, &mut memo);
        }
        // The child's copies of the parent's pipe ends (file descriptors survive a fork).
        for pipe in self.pipes.lock().iter().filter_map(std::sync::Weak::upgrade) {
            pipe.inherit(parent.index, index);
        }
        let pw = Arc::new(ProcWorld { index, globals, _live: LiveProcess::new() });
        let mut procs = self.procs.write();
        while procs.len() < index as usize {
            let filler = procs[0].clone();
            procs.push(filler);
        }
        procs.push(pw.clone());
        (pw, child_obj)
    }

    /// A process's copies of pipe ends, to close when its thread is done: see [`PipeCopies`].
    fn pipe_copies(
        self: &Arc<Self>,
        shared: &Arc<threadline_runtime::rt::Shared>,
        t: &stdlib::ThreadObj,
    ) -> Option<PipeCopies> {
        let process = t.process.as_ref().and_then(|slot| *slot.lock())?;
        Some(PipeCopies { w: Arc::clone(self), shared: Arc::clone(shared), tid: t.tid, process })
    }

    /// What a started Thread (or Process) runs: `self.run()`, then its traceback if it raised.
    pub fn thread_body(
        self: &Arc<Self>,
        obj: V,
        t: Arc<stdlib::ThreadObj>,
        shared: &Arc<threadline_runtime::rt::Shared>,
    ) -> ThreadBody {
        let w = Arc::clone(self);
        let copies = self.pipe_copies(shared, &t);
        Box::new(move |ctx: &Ctx| {
            let _copies = copies;
            let pw = w.proc(ctx.process);
            let mut it = Interp::new(ctx, &w, pw);
            stdlib::signal_started(&t);
            let is_process = t.process.is_some();
            let native_run = match &obj {
                V::Inst(i) => matches!(i.class.lookup("run"), Some(V::Native(_))),
                _ => true,
            };
            if is_process {
                logging::mp_note(&mut it, 20, "child process calling self.run()");
            }
            let r = it.call_method(&obj, "run", Vec::new(), Vec::new());
            if is_process {
                mp_exit_function(&mut it);
            }
            // A program's own `threading.excepthook` gets every exception a thread ends with
            // (SystemExit too), in the dying thread; nothing is printed unless it raises.
            if !is_process
                && let Err(Flow::Exc(e)) = &r
                && let Some(hook) = w.module_attrs.lock().get(&("threading", "excepthook".to_string())).cloned()
                && !stdlib::is_default_excepthook(&hook)
            {
                *t.exitcode.lock() = Some(1);
                let args = stdlib::excepthook_args(&mut it, &e.value);
                let error = exc_error(&mut it, &e.value);
                return match it.call(&hook, vec![args], Vec::new()) {
                    Ok(_) => Err(Unwind::Traceback(error, Vec::new())),
                    Err(Flow::Exc(he)) => {
                        let header = Some("Exception in threading.excepthook:".to_string());
                        let lines = traceback_lines(&mut it, &he, header, false);
                        Err(Unwind::Traceback(error, lines))
                    }
                    Err(Flow::Halt(u)) => Err(*u),
                    Err(_) => Err(Unwind::Traceback(error, Vec::new())),
                };
            }
            let r = match r {
                Err(Flow::Exc(e)) if exc::is_instance_of(&e.value, "SystemExit") => {
                    let code = exc::args(&e.value).first().and_then(V::as_int).unwrap_or(0);
                    *t.exitcode.lock() = Some(code);
                    Ok(())
                }
                other => other.map(|_| ()),
            };
            let out = match r {
                Ok(()) => {
                    let mut ec = t.exitcode.lock();
                    if ec.is_none() {
                        *ec = Some(0);
                    }
                    Ok(())
                }
                Err(Flow::Exc(e)) => {
                    *t.exitcode.lock() = Some(1);
                    let name = w.thread_name(ctx.tid);
                    let header =
                        if is_process { format!("Process {name}:") } else { format!("Exception in thread {name}:") };
                    let lines = traceback_lines(&mut it, &e, Some(header), native_run);
                    Err(Unwind::Traceback(exc_error(&mut it, &e.value), lines))
                }
                Err(Flow::Halt(u)) => Err(*u),
                Err(_) => Ok(()),
            };
            if is_process && matches!(out, Ok(()) | Err(Unwind::Traceback(..))) {
                // The child process's interpreter exits: its executors, then its threads.
                let _ = stdlib::shutdown_all(&mut it);
                let _ = ctx.shutdown();
                let code = t.exitcode.lock().unwrap_or(0);
                logging::mp_note(&mut it, 20, &format!("process exiting with exitcode {code}"));
                w.flush_out(ctx);
                ctx.record(EventKind::ProcessExit { code });
            }
            out
        })
    }

    /// A pool worker thread's body.
    pub fn worker_body(
        self: &Arc<Self>,
        ex: Arc<stdlib::ExecutorObj>,
        t: Arc<stdlib::ThreadObj>,
        shared: &Arc<threadline_runtime::rt::Shared>,
    ) -> ThreadBody {
        let w = Arc::clone(self);
        let copies = self.pipe_copies(shared, &t);
        Box::new(move |ctx: &Ctx| {
            let _copies = copies;
            let pw = w.proc(ctx.process);
            let mut it = Interp::new(ctx, &w, pw);
            stdlib::signal_started(&t);
            match stdlib::worker_loop(&mut it, &ex) {
                Ok(()) => Ok(()),
                Err(Flow::Halt(u)) => Err(*u),
                Err(Flow::Exc(e)) => {
                    let header = format!("Exception in thread {}:", w.thread_name(ctx.tid));
                    let lines = traceback_lines(&mut it, &e, Some(header), true);
                    Err(Unwind::Traceback(exc_error(&mut it, &e.value), lines))
                }
                Err(_) => Ok(()),
            }
        })
    }

    /// The main thread: the module, then interpreter shutdown.
    pub fn main_body(self: &Arc<Self>) -> ThreadBody {
        let w = Arc::clone(self);
        Box::new(move |ctx: &Ctx| {
            let pw = w.proc(0);
            let mut it = Interp::new(ctx, &w, pw);
            let mut frame = Frame { locals: &mut [], closure: &[], class_ns: None, func: None, line: 1 };
            let r = match &w.prog.vm {
                Some(code) => it.run_vm(&mut frame, code).map(drop),
                None => it.block(&mut frame, &w.prog.body),
            };
            let mut raised = None;
            match r {
                Ok(()) | Err(Flow::Return | Flow::Break | Flow::Continue) => {}
                Err(Flow::Halt(u)) => return Err(*u),
                Err(Flow::Exc(mut e)) => {
                    if exc::is_instance_of(&e.value, "SystemExit") {
                        let a = exc::args(&e.value);
                        *w.exit_code.lock() = match a.first() {
                            None | Some(V::None) => 0,
                            Some(V::Int(c)) => *c,
                            Some(other) => {
                                let msg = it.str_of(other).unwrap_or_default();
                                w.write_out(ctx, &format!("{msg}\n"), true);
                                1
                            }
                        };
                    } else {
                        e.tb.push((frame.line, Arc::from("<module>")));
                        for line in traceback_lines(&mut it, &e, None, false) {
                            w.write_out(ctx, &format!("{line}\n"), true);
                        }
                        *w.exit_code.lock() = 1;
                        raised = Some(exc_error(&mut it, &e.value));
                    }
                }
            }
            // threading._shutdown: executors' atexit hooks, then non-daemon threads.
            if let Err(Flow::Halt(u)) = stdlib::shutdown_all(&mut it) {
                return Err(*u);
            }
            ctx.shutdown()?;
            // multiprocessing's atexit hook (its logging only).
            mp_exit_function(&mut it);
            w.flush_out(ctx);
            w.record_final_vars(ctx);
            ctx.record(EventKind::ProcessExit { code: *w.exit_code.lock() });
            match raised {
                Some(e) => Err(Unwind::Traceback(e, Vec::new())),
                None => Ok(()),
            }
        })
    }

    /// Record every shared variable's final value (writes are sampled during the run).
    pub fn record_final_vars(&self, ctx: &Ctx) {
        let procs: Vec<_> = self.procs.read().clone();
        for pw in procs {
            for (slot, g) in pw.globals.iter().enumerate() {
                let mut g = g.lock();
                if !g.tracked || g.var.is_none() {
                    continue;
                }
                let (Some(v), Some(rf)) = (g.value.clone(), g.race_free.clone()) else { continue };
                let var = self.var_index(ctx, pw.index, slot as u32, &mut g);
                ctx.record(EventKind::VarWrite {
                    var,
                    value: Box::from(v.snapshot()),
                    race_free: Box::from(rf.snapshot()),
                });
            }
        }
    }
}

/// A fork's copy of a value: containers and instances copied (identity preserved within
/// the copy), functions, classes and `multiprocessing` objects shared.
pub(crate) fn deep_copy(v: &V, memo: &mut HashMap<usize, V>) -> V {
    use value::{Dict, Inst};
    let id = v.id();
    match v {
        V::List(l) => {
            if let Some(c) = memo.get(&id) {
                return c.clone();
            }
            let out = Arc::new(value::ListCell::default());
            memo.insert(id, V::List(out.clone()));
            let items: Vec<V> = l.lock().clone();
            let copied = items.iter().map(|x| deep_copy(x, memo)).collect();
            *out.lock() = copied;
            V::List(out)
        }
        V::Tuple(t) => V::tuple(t.iter().map(|x| deep_copy(x, memo)).collect()),
        // A view of a dict: a view of the copied dict (the child's `d.keys()` sees its own d).
        V::Native(n) if let stdlib::Native::DictView(d, k) = &**n => match deep_copy(&V::Dict(Arc::clone(d)), memo) {
            V::Dict(c) => V::Native(Arc::new(stdlib::Native::DictView(c, *k))),
            _ => v.clone(),
        },
        V::Dict(d) | V::Set(d) => {
            if let Some(c) = memo.get(&id) {
                return c.clone();
            }
            let out = Arc::new(Mutex::new(Dict::default()));
            let wrapped = if matches!(v, V::Dict(_)) { V::Dict(out.clone()) } else { V::Set(out.clone()) };
            memo.insert(id, wrapped.clone());
            let src = d.lock().clone();
            // Its kind kept (a defaultdict stays one); a key hashed by identity is the copy's.
            let mut nd = Dict::of_kind(src.kind.clone());
            for (h, (k, x)) in src.into_map() {
                let ck = deep_copy(&k, memo);
                let h = match &h {
                    value::HKey::Id(_) => ck.hkey().unwrap_or(h),
                    _ => h,
                };
                nd.map.insert(h, (ck, deep_copy(&x, memo)));
            }
            *out.lock() = nd;
            wrapped
        }
        V::Inst(i) => {
            if let Some(c) = memo.get(&id) {
                return c.clone();
            }
            // A Thread or Process object is copied too (its attributes are the child's own);
            // what it stands for, the thread, is the same one.
            let out = Arc::new(Inst {
                class: i.class.clone(),
                dict: Mutex::new(IndexMap::default()),
                native: Mutex::new(match i.native.lock().clone() {
                    // A subclass of a built-in container: its contents are copied too.
                    value::InstNative::Base(x) => value::InstNative::Base(deep_copy(&x, memo)),
                    other => other,
                }),
                // An equal object in the parent stands for the copy too.
                hrep: std::sync::atomic::AtomicUsize::new(i.hrep.load(std::sync::atomic::Ordering::Relaxed)),
            });
            memo.insert(id, V::Inst(out.clone()));
            let src: Vec<(Arc<str>, V)> = i.dict.lock().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            let copied: Attrs = src.into_iter().map(|(k, x)| (k, deep_copy(&x, memo))).collect();
            *out.dict.lock() = copied;
            V::Inst(out)
        }
        other => other.clone(),
    }
}

/// `multiprocessing.util._exit_function`'s log lines (a process's `atexit`): nothing is
/// printed unless the program asked for multiprocessing's logger.
fn mp_exit_function(it: &mut Interp<'_>) {
    logging::mp_note(it, 20, "process shutting down");
    logging::mp_note(it, 10, "running all \"atexit\" finalizers with priority >= 0");
    logging::mp_note(it, 10, "running the remaining \"atexit\" finalizers");
}

/// A process's copies of the pipe ends it inherited or made, closed when its thread's body is
/// done with — after the body joined the process's own threads, or unrun when the process
/// was terminated while it booted — as a process's exit closes its file descriptors (a
/// reader elsewhere may then see EOF).
struct PipeCopies {
    w: Arc<World>,
    shared: Arc<threadline_runtime::rt::Shared>,
    tid: ThreadIx,
    process: u32,
}

impl Drop for PipeCopies {
    fn drop(&mut self) {
        let ctx = self.shared.ctx(self.tid);
        for pipe in self.w.pipes.lock().iter().filter_map(std::sync::Weak::upgrade) {
            pipe.close_all_of(&ctx, self.process);
        }
    }
}
