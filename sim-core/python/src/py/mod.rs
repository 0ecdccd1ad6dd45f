//! Scenarios are Python: a `.py` file is parsed ([`lower`], the only module that knows the
//! parser), compiled to a closed program ([`ir`]: every name resolved, every unsupported
//! construct refused with its line) and run by [`interp`] on real OS threads through the
//! instrumented primitives, under the GIL model. [`run::PyRun`] starts, pauses, stops and
//! joins a run; its events carry the source line of the statement that caused them.

pub(crate) mod asyncio;
pub(crate) mod bisect;
pub(crate) mod builtins;
pub mod check;
pub(crate) mod collections;
pub(crate) mod contextlib;
pub(crate) mod dataclasses;
pub(crate) mod datetime;
pub(crate) mod enums;
pub(crate) mod exc;
pub(crate) mod format;
pub(crate) mod frame;
pub(crate) mod functools;
pub(crate) mod heapq;
pub(crate) mod interp;
pub(crate) mod ir;
pub(crate) mod itertools;
pub(crate) mod json;
pub(crate) mod libobj;
pub(crate) mod logging;
pub(crate) mod lower;
pub(crate) mod mt;
pub(crate) mod namedtuple;
pub(crate) mod operator;
pub(crate) mod pprint;
pub mod run;
pub(crate) mod statistics;
pub(crate) mod stdlib;
pub(crate) mod string;
pub(crate) mod textwrap;
pub(crate) mod timeit;
pub(crate) mod traceback;
pub(crate) mod typing;
pub(crate) mod uuid;
pub mod value;

use indexmap::IndexMap;
use interp::{Flow, Frame, Interp};
use parking_lot::{Mutex, RwLock};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use threadline_model::event::{EventKind, ResIx, ThreadIx};
use threadline_model::model::ResourceInfo;
use threadline_model::model::{ProcessMeta, ThreadMeta};
use threadline_runtime::rt::{Ctx, ThreadBody, Unwind};
use value::Attrs;
use value::{Class, Func, V};

/// A shared variable's value is recorded at most once per this many ns per variable
/// (and always at the end), so a tight `counter += 1` loop is not slowed by recording.
pub const VAR_SAMPLE_NS: u64 = 200_000;

/// Largest source file accepted.
pub const MAX_SOURCE_BYTES: usize = 16 << 20;

/// What is wrong with a Python file, and where.
#[derive(Clone, Debug, PartialEq)]
pub struct CompileError {
    /// `SyntaxError`, or what Threadline does not support (`NotImplementedError`).
    pub ty: &'static str,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub col: u32,
    /// The message, in Python's words.
    pub message: String,
    /// Further errors the parser recovered from: (line, column, message).
    pub others: Vec<(u32, u32, String)>,
    /// The file name, once known.
    pub file: String,
    /// The offending source line.
    pub source_line: Option<String>,
}

impl CompileError {
    /// A new error of type `ty`.
    pub fn new(ty: &'static str, line: u32, col: u32, message: String) -> Self {
        Self { ty, line, col, message, others: Vec::new(), file: String::new(), source_line: None }
    }
    /// `SyntaxError: message`.
    pub fn syntax(line: u32, col: u32, message: String) -> Self {
        Self::new("SyntaxError", line, col, message)
    }
    /// A construct Threadline does not run.
    pub fn unsupported(line: u32, col: u32, message: String) -> Self {
        Self::new("NotImplementedError", line, col, message)
    }
}

/// As Python prints a syntax error: the file and line, the source line with a caret, the
/// error; then every other error the parser recovered from, one per line.
impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "  File \"{}\", line {}", self.file, self.line)?;
        if let Some(src) = &self.source_line {
            let trimmed = src.trim_start();
            let indent = src.chars().count() - trimmed.chars().count();
            let mut caret = (self.col as usize).saturating_sub(1).saturating_sub(indent);
            // A very long line is shown as the 120 characters around the column, with "…".
            const WIDTH: usize = 120;
            let chars: Vec<char> = trimmed.trim_end().chars().collect();
            let shown = if chars.len() <= WIDTH {
                chars.iter().collect::<String>()
            } else {
                let from = caret.saturating_sub(WIDTH / 2).min(chars.len() - WIDTH);
                let to = from + WIDTH;
                let mut s = String::new();
                if from > 0 {
                    s.push('…');
                    caret = caret - from + 1;
                }
                s.extend(&chars[from..to]);
                if to < chars.len() {
                    s.push('…');
                }
                s
            };
            writeln!(f, "    {shown}")?;
            writeln!(f, "    {}^", " ".repeat(caret.min(WIDTH + 2)))?;
        }
        write!(f, "{}: {}", self.ty, self.message)?;
        if self.ty == "NotImplementedError" {
            write!(f, " (line {}, column {})", self.line, self.col)?;
        }
        for (l, c, m) in &self.others {
            write!(f, "\n  also line {l}, column {c}: {m}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CompileError {}

/// Whether `import name` works in Threadline.
pub fn known_module(name: &str) -> bool {
    stdlib::known(name)
}

pub use threadline_model::model::Slider;

/// How a scenario's output compares with CPython's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputKind {
    /// Line for line the same.
    #[default]
    Ordered,
    /// The same lines in any order.
    Unordered,
    /// Lines differ from run to run (timings, races).
    Varies,
    /// The program deadlocks.
    Deadlock,
}

/// What the docstring says about a scenario.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Meta {
    /// First line.
    pub title: String,
    /// The teaching point.
    pub point: String,
    /// `Topic:`.
    pub topic: String,
    /// `Notes:` (the section of the notes).
    pub notes: String,
    /// `Output:`.
    pub output: OutputKind,
    /// `GIL:` — the interpreter the scenario is about (`free-threaded`, `cpython-3.9`).
    pub gil: Option<threadline_model::model::GilMode>,
    /// `Goal:` — a challenge's win: a Python expression over the module's final state
    /// that some schedule makes true (`counter < 2`), or `deadlock`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goal: Option<String>,
    /// `Par:` — the preemptions a challenge's best schedule needs, or `impossible` (no
    /// schedule reaches the goal under its GIL mode: that is the lesson).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub par: Option<String>,
    /// `Hint:` lines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hints: Vec<String>,
}

fn parse_meta(doc: Option<&str>, file: &str) -> Meta {
    let mut m = Meta::default();
    let Some(doc) = doc else {
        m.title = file.rsplit('/').next().unwrap_or(file).trim_end_matches(".py").to_string();
        m.topic = "My scenarios".into();
        return m;
    };
    let mut lines = doc.trim().lines();
    m.title = lines.next().unwrap_or_default().trim().to_string();
    let mut point = Vec::new();
    for l in lines {
        let t = l.trim();
        if let Some(v) = t.strip_prefix("Topic:") {
            m.topic = v.trim().to_string();
        } else if let Some(v) = t.strip_prefix("Notes:") {
            m.notes = v.trim().to_string();
        } else if let Some(v) = t.strip_prefix("GIL:") {
            m.gil = threadline_model::model::GilMode::parse(v.trim());
        } else if let Some(v) = t.strip_prefix("Goal:") {
            m.goal = Some(v.trim().to_string());
        } else if let Some(v) = t.strip_prefix("Par:") {
            m.par = Some(v.trim().to_string());
        } else if let Some(v) = t.strip_prefix("Hint:") {
            m.hints.push(v.trim().to_string());
        } else if let Some(v) = t.strip_prefix("Output:") {
            m.output = match v.trim() {
                "unordered" => OutputKind::Unordered,
                "varies" => OutputKind::Varies,
                "deadlock" => OutputKind::Deadlock,
                _ => OutputKind::Ordered,
            };
        } else {
            point.push(t);
        }
    }
    m.point = point.join(" ").trim().to_string();
    if m.topic.is_empty() {
        m.topic = "My scenarios".into();
    }
    m
}

fn parse_slider(name: &str, line: u32, v: &V, comment: &str) -> Option<Result<Slider, CompileError>> {
    let rest = comment.strip_prefix("slider:")?.trim();
    let bad = |msg: String| Some(Err(CompileError::syntax(line, 1, msg)));
    let (range, label) = match rest.split_once(char::is_whitespace) {
        Some((r, l)) => (r, l.trim()),
        None => (rest, name),
    };
    let Some((lo, hi)) = range.split_once("..") else {
        return bad(format!("slider comment for {name} should read `# slider: LO..HI Label`, got `{comment}`"));
    };
    let (Ok(lo), Ok(hi)) = (lo.trim().parse::<f64>(), hi.trim().parse::<f64>()) else {
        return bad(format!("slider range of {name} is not two numbers: `{range}`"));
    };
    if !(lo.is_finite() && hi.is_finite()) || lo > hi {
        return bad(format!("slider range of {name} is empty or not finite: {lo}..{hi}"));
    }
    let default = v.as_f64().unwrap_or(lo);
    Some(Ok(Slider {
        name: name.to_string(),
        label: label.to_string(),
        min: lo,
        max: hi,
        default,
        float: matches!(v, V::Float(_)),
        line,
    }))
}

/// A compiled Python file.
#[derive(Debug)]
pub struct Program {
    /// The file name as given.
    pub file: String,
    /// The source text.
    pub source: Arc<str>,
    /// Module body.
    pub body: Vec<ir::Stmt>,
    /// Global names by slot.
    pub globals: Vec<Arc<str>>,
    /// Slots of the shared variables (globals that functions assign).
    pub tracked: Vec<u32>,
    /// Sliders, in file order.
    pub sliders: Vec<Slider>,
    /// Docstring facts.
    pub meta: Meta,
    /// Slider values this program was compiled with.
    pub values: IndexMap<String, V>,
}

impl Program {
    /// The GIL mode the docstring asks for (`GIL: free-threaded`), else CPython 3.10+.
    pub fn meta_gil(&self) -> threadline_model::model::GilMode {
        self.meta.gil.unwrap_or_default()
    }

    /// The source line `n` (1-based), trimmed.
    pub fn line(&self, n: u32) -> Option<&str> {
        self.source.lines().nth((n as usize).checked_sub(1)?).map(str::trim)
    }
}

/// Read the sliders and docstring of a file (it is compiled: a file that does not compile
/// has no sliders to show, and the error says why).
pub fn describe(file: &str, src: &str) -> Result<(Meta, Vec<Slider>), CompileError> {
    let prog = compile(file, src, &IndexMap::default())?;
    Ok((prog.meta, prog.sliders))
}

/// Compile `src` (named `file`) with slider overrides (`THREADS` → 8). Runs on a thread
/// with a large stack, so deeply nested input gets an error, never a stack overflow.
pub fn compile(file: &str, src: &str, overrides: &IndexMap<String, V>) -> Result<Program, CompileError> {
    let with_place = |mut e: CompileError| {
        e.file = file.to_string();
        e.source_line = src.lines().nth((e.line as usize).saturating_sub(1)).map(str::to_string);
        e
    };
    if src.len() > MAX_SOURCE_BYTES {
        return Err(with_place(CompileError::new(
            "MemoryError",
            1,
            1,
            format!("the file is {} MB; Threadline reads files up to {} MB", src.len() >> 20, MAX_SOURCE_BYTES >> 20),
        )));
    }
    let (file_s, src_s, ov) = (file.to_string(), src.to_string(), overrides.clone());
    let job = std::thread::Builder::new()
        .name("tl:compile".into())
        .stack_size(512 << 20)
        .spawn(move || compile_here(&file_s, &src_s, &ov));
    let r = match job {
        Ok(h) => h.join().unwrap_or_else(|_| {
            Err(CompileError::new("SystemError", 1, 1, "the compiler failed on this file (a Threadline bug)".into()))
        }),
        Err(e) => Err(CompileError::new("MemoryError", 1, 1, format!("cannot start the compiler: {e}"))),
    };
    r.map_err(with_place)
}

fn compile_here(file: &str, src: &str, overrides: &IndexMap<String, V>) -> Result<Program, CompileError> {
    let parsed = lower::parse(src)?;
    let doc = lower::docstring(&parsed);
    let meta = parse_meta(doc.as_deref(), file);
    let mut sliders = Vec::new();
    for (name, line, v, comment) in lower::slider_lines(&parsed, src) {
        if let Some(s) = parse_slider(&name, line, &v, &comment) {
            sliders.push(s?);
        }
    }
    let given = overrides.iter().map(|(k, v)| (k.as_str(), v.as_f64().unwrap_or(f64::NAN)));
    let resolved = threadline_model::model::resolve_sliders(&sliders, given, threadline_model::model::Fit::Exact)
        .map_err(|e| CompileError::new("ValueError", e.line, 1, e.message))?;
    let values: IndexMap<String, V> = resolved
        .into_iter()
        .map(|(k, v)| {
            let v = match v {
                threadline_model::value::Value::Float(f) => V::Float(f),
                threadline_model::value::Value::Int(i) => V::Int(i),
                _ => V::None,
            };
            (k, v)
        })
        .collect();
    let mut lw = lower::Lowerer::new(src, &values);
    let body = lw.module(parsed)?;
    let globals = lw.globals.keys().cloned().collect();
    let tracked = lw.tracked.iter().copied().collect();
    Ok(Program { file: file.to_string(), source: Arc::from(src), body, globals, tracked, sliders, meta, values })
}

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

/// One simulated process's module state.
#[derive(Debug)]
pub struct ProcWorld {
    /// The process index.
    pub index: u32,
    /// Globals by slot.
    pub globals: Vec<Mutex<GlobalCell>>,
    /// Counts it among the live ones.
    _live: LiveProcess,
}

static LIVE_PROCESS_STATES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// How many simulated processes' module states exist right now, in all runs. A finished and
/// dropped run leaves none: a reference cycle that kept one alive (a forked process's
/// `Process` object holding its own state) is a leak the tests look for.
pub fn live_process_states() -> usize {
    LIVE_PROCESS_STATES.load(std::sync::atomic::Ordering::SeqCst)
}

#[derive(Debug)]
struct LiveProcess;

impl LiveProcess {
    fn new() -> Self {
        LIVE_PROCESS_STATES.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        LiveProcess
    }
}

impl Drop for LiveProcess {
    fn drop(&mut self) {
        LIVE_PROCESS_STATES.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// The most threads and processes (pool workers included) one run may create: every one is
/// a real OS thread and a lane on the timeline. Past it, `Thread()` raises
/// [`too_many_threads`]'s `RuntimeError`.
pub const MAX_THREADS_PER_RUN: usize = 4096;

/// The message when a program asks for more than [`MAX_THREADS_PER_RUN`] threads.
pub fn too_many_threads() -> String {
    format!("can't start new thread: a Threadline run holds at most {MAX_THREADS_PER_RUN} threads and processes")
}

/// Everything the threads of one run share besides the runtime.
pub struct World {
    /// The program.
    pub prog: Arc<Program>,
    procs: RwLock<Vec<Arc<ProcWorld>>>,
    out: Mutex<[String; 2]>,
    resources: Mutex<Vec<ResourceInfo>>,
    vars: Mutex<Vec<String>>,
    thread_objs: Mutex<Vec<V>>,
    thread_counter: AtomicU32,
    process_counter: AtomicU32,
    executor_counter: AtomicU32,
    /// asyncio's `Task-N` names (only tasks not given a name count, as CPython's).
    pub aio_task_names: AtomicU32,
    /// asyncio tasks made so far: each task's index in the run's task table.
    pub aio_task_index: AtomicU32,
    owners: Mutex<HashMap<usize, Arc<Class>>>,
    used_names: Mutex<HashMap<String, u32>>,
    /// Executors to shut down at exit.
    pub executors: Mutex<Vec<Arc<stdlib::ExecutorObj>>>,
    /// Futures not finished yet, by (pool, task).
    pub pending_futures: Mutex<IndexMap<(ResIx, u32), Arc<stdlib::FutureObj>>>,
    rng: Mutex<mt::Mt>,
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
    seed: u64,
    /// `time.time()` when the run started.
    pub wall_start: f64,
    /// The simulated pid of the main process.
    pub base_pid: u32,
    /// `multiprocessing.current_process()` in the main process.
    main_process: V,
    /// The runtime of the run (set when it starts).
    pub shared_ref: Mutex<Option<std::sync::Weak<threadline_runtime::rt::Shared>>>,
    /// The main process's exit status.
    pub exit_code: Mutex<i64>,
    /// `Manager().list()` / `.dict()` objects: shared by every process, never copied at fork.
    pub managed: Mutex<Vec<V>>,
}

impl fmt::Debug for World {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("World")
    }
}

/// Python's traceback lines for an exception.
pub fn traceback_lines(
    it: &mut Interp<'_>,
    e: &interp::Exc,
    header: Option<String>,
    threading_frames: bool,
) -> Vec<String> {
    let prog = Arc::clone(&it.w.prog);
    let mut lines = Vec::new();
    if let Some(h) = header {
        lines.push(h);
    }
    chained_lines(it, &e.value, &mut lines, 0);
    let err = exc_error(it, &e.value);
    if !e.tb.is_empty() || threading_frames {
        lines.push("Traceback (most recent call last):".into());
        if threading_frames {
            lines.push("  File \"threading.py\", line 1045, in _bootstrap_inner".into());
            lines.push("    self.run()".into());
        }
        for (line, name) in e.tb.iter().rev() {
            lines.push(format!("  File \"{}\", line {line}, in {name}", prog.file));
            if let Some(src) = prog.line(*line) {
                lines.push(format!("    {src}"));
            }
        }
    }
    lines.push(err.to_string());
    lines
}

/// The exceptions `v` was raised from or while handling, oldest first, each with its
/// traceback and the sentence CPython puts between them.
fn chained_lines(it: &mut Interp<'_>, v: &V, lines: &mut Vec<String>, depth: usize) {
    let V::Inst(i) = v else { return };
    if depth > 50 {
        return;
    }
    let (cause, context, suppress) = {
        let d = i.dict.lock();
        (
            d.get("__cause__").cloned(),
            d.get("__context__").cloned(),
            d.get("__suppress_context__").is_some_and(V::truthy),
        )
    };
    let (prev, sentence) = match (cause, context) {
        (Some(c @ V::Inst(_)), _) => (c, "The above exception was the direct cause of the following exception:"),
        (_, Some(c @ V::Inst(_))) if !suppress => {
            (c, "During handling of the above exception, another exception occurred:")
        }
        _ => return,
    };
    let tb: Vec<(u32, Arc<str>)> = match &prev {
        V::Inst(pi) => match pi.dict.lock().get("__tl_tb__") {
            Some(V::List(l)) => l
                .lock()
                .iter()
                .filter_map(|t| match t {
                    V::Tuple(t) => match (&t[0], &t[1]) {
                        (V::Int(l), V::Str(n)) => Some((*l as u32, n.clone())),
                        _ => None,
                    },
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    chained_lines(it, &prev, lines, depth + 1);
    let prog = Arc::clone(&it.w.prog);
    if !tb.is_empty() {
        lines.push("Traceback (most recent call last):".into());
        for (line, name) in tb.iter().rev() {
            lines.push(format!("  File \"{}\", line {line}, in {name}", prog.file));
            if let Some(src) = prog.line(*line) {
                lines.push(format!("    {src}"));
            }
        }
    }
    lines.push(exc_error(it, &prev).to_string());
    lines.push(String::new());
    lines.push(sentence.into());
    lines.push(String::new());
}

/// An exception as its traceback's last line says it: the class and `str(e)` (a user
/// `__str__` included; `KeyError` shows its key's repr).
pub fn exc_error(it: &mut Interp<'_>, v: &V) -> threadline_model::pyerror::PyError {
    let ty = match v {
        V::Inst(i) => i.class.display_name(),
        other => other.type_name(),
    };
    let msg = it.str_of(v).unwrap_or_default();
    threadline_model::pyerror::PyError::new(ty, msg)
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
            rng: Mutex::new(mt::Mt::from_seed_u64(seed)),
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
                }))
            },
            exit_code: Mutex::new(0),
            managed: Mutex::new(Vec::new()),
            prog,
        });
        let main = w.new_proc_world(0);
        w.procs.write().push(main);
        w
    }

    fn new_proc_world(&self, index: u32) -> Arc<ProcWorld> {
        let globals = (0..self.prog.globals.len())
            .map(|i| {
                let value = match &*self.prog.globals[i] {
                    "__name__" => Some(V::str("__main__")),
                    "__file__" => Some(V::str(self.prog.file.as_str())),
                    "__doc__" => Some(V::None),
                    _ => None,
                };
                Mutex::new(GlobalCell {
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

    fn proc_name(&self, p: u32) -> String {
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

    fn shared_meta(&self, tid: ThreadIx) -> Option<ThreadMeta> {
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
        ctx.record(EventKind::ThreadNew { index: tid, meta });
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
        ctx.record(EventKind::ResourceNew { index, info });
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
    pub fn rng(&self) -> parking_lot::MutexGuard<'_, mt::Mt> {
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
        ctx.record(EventKind::ProcessNew { index, meta: ProcessMeta { name, pid } });
        ctx.shared.set_thread_meta(tid, |m| m.process = index);
        let mut memo: HashMap<usize, V> = self.managed.lock().iter().map(|v| (v.id(), v.clone())).collect();
        let child_obj = deep_copy(obj, &mut memo);
        let globals = parent
            .globals
            .iter()
            .map(|g| {
                let g = g.lock();
                Mutex::new(GlobalCell {
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
        let pw = Arc::new(ProcWorld { index, globals, _live: LiveProcess::new() });
        let mut procs = self.procs.write();
        while procs.len() < index as usize {
            let filler = procs[0].clone();
            procs.push(filler);
        }
        procs.push(pw.clone());
        (pw, child_obj)
    }

    /// What a started Thread (or Process) runs: `self.run()`, then its traceback if it raised.
    pub fn thread_body(self: &Arc<Self>, obj: V, t: Arc<stdlib::ThreadObj>) -> ThreadBody {
        let w = Arc::clone(self);
        Box::new(move |ctx: &Ctx| {
            let pw = w.proc(ctx.process);
            let mut it = Interp::new(ctx, &w, pw);
            stdlib::signal_started(&t);
            let is_process = t.process.is_some();
            let native_run = match &obj {
                V::Inst(i) => matches!(i.class.lookup("run"), Some(V::Native(_))),
                _ => true,
            };
            let r = it.call_method(&obj, "run", Vec::new(), Vec::new());
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
                w.flush_out(ctx);
                ctx.record(EventKind::ProcessExit { code: t.exitcode.lock().unwrap_or(0) });
            }
            out
        })
    }

    /// A pool worker thread's body.
    pub fn worker_body(self: &Arc<Self>, ex: Arc<stdlib::ExecutorObj>, t: Arc<stdlib::ThreadObj>) -> ThreadBody {
        let w = Arc::clone(self);
        Box::new(move |ctx: &Ctx| {
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
            let mut frame = Frame { locals: Default::default(), closure: &[], class_ns: None, func: None, line: 1 };
            let r = it.block(&mut frame, &w.prog.body);
            let mut raised = None;
            match r {
                Ok(()) | Err(Flow::Return(_) | Flow::Break | Flow::Continue) => {}
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
                ctx.record(EventKind::VarWrite { var, value: v.snapshot(), race_free: rf.snapshot() });
            }
        }
    }
}

/// A fork's copy of a value: containers and instances copied (identity preserved within
/// the copy), functions, classes and `multiprocessing` objects shared.
fn deep_copy(v: &V, memo: &mut HashMap<usize, V>) -> V {
    use value::{Dict, Inst};
    let id = v.id();
    match v {
        V::List(l) => {
            if let Some(c) = memo.get(&id) {
                return c.clone();
            }
            let out = Arc::new(Mutex::new(Vec::new()));
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
            let mut nd = Dict::default();
            for (h, (k, x)) in src.map {
                nd.map.insert(h, (deep_copy(&k, memo), deep_copy(&x, memo)));
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
                native: Mutex::new(i.native.lock().clone()),
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
