//! Scenarios are Python: a `.py` file is parsed (`lower`, the only module that knows the
//! parser), compiled to a closed program (`ir`: every name resolved, every unsupported
//! construct refused with its line) and run by `interp` on real OS threads through the
//! instrumented primitives, under the GIL model. [`run::PyRun`] starts, pauses, stops and
//! joins a run; its events carry the source line of the statement that caused them.

mod world;

pub use world::*;

pub(crate) mod abc;
pub(crate) mod asyncio;
pub(crate) mod bisect;
pub(crate) mod builtins;
pub(crate) mod bytes;
pub mod check;
pub(crate) mod collections;
pub(crate) mod contextlib;
pub(crate) mod copy;
pub(crate) mod dataclasses;
pub(crate) mod datetime;
pub mod dis;
pub(crate) mod enums;
pub(crate) mod exc;
pub(crate) mod excgroup;
pub(crate) mod format;
pub(crate) mod frame;
pub(crate) mod functools;
pub(crate) mod hashlib;
pub(crate) mod heapq;
pub(crate) mod interp;
pub(crate) mod ir;
pub(crate) mod itertools;
pub(crate) mod json;
pub(crate) mod libobj;
pub(crate) mod logging;
pub(crate) mod lower;
pub(crate) mod matching;
pub(crate) mod math;
pub(crate) mod mt;
pub(crate) mod namedtuple;
pub(crate) mod operator;
pub(crate) mod pprint;
pub mod run;
pub(crate) mod setorder;
pub(crate) mod statistics;
pub(crate) mod stdlib;
pub(crate) mod string;
pub(crate) mod textwrap;
pub(crate) mod timeit;
pub(crate) mod traceback;
pub(crate) mod typing;
pub(crate) mod uuid;
pub mod value;
pub(crate) mod vm;

use indexmap::IndexMap;
use interp::{Flow, Frame, Interp};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use threadline_model::event::{EventKind, ResIx, ThreadIx};
use threadline_model::model::ResourceInfo;
use threadline_model::model::{ProcessMeta, ThreadMeta};
use threadline_runtime::footprint::{Mutex, RwLock};
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
    /// The module body as instructions for the frame loop (`vm`).
    pub vm: Option<Arc<vm::Code>>,
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
    compile_with(file, src, overrides, frame_loop_chosen())
}

/// Whether bodies run on the frame loop (`vm`): opt-in (`THREADLINE_FRAME_LOOP=1`) until
/// its calls are as fast as the tree walker's (README, *Speed*).
pub fn frame_loop_chosen() -> bool {
    std::env::var_os("THREADLINE_FRAME_LOOP").is_some_and(|v| v == "1")
}

/// [`compile`] with the frame loop on or off (`frame_loop` false: every body is left to the
/// tree walker), for the tests that hold the two engines to the same output.
pub fn compile_with(
    file: &str,
    src: &str,
    overrides: &IndexMap<String, V>,
    frame_loop: bool,
) -> Result<Program, CompileError> {
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
        .spawn(move || compile_here(&file_s, &src_s, &ov, frame_loop));
    let r = match job {
        Ok(h) => h.join().unwrap_or_else(|_| {
            Err(CompileError::new("SystemError", 1, 1, "the compiler failed on this file (a Threadline bug)".into()))
        }),
        Err(e) => Err(CompileError::new("MemoryError", 1, 1, format!("cannot start the compiler: {e}"))),
    };
    r.map_err(with_place)
}

fn compile_here(
    file: &str,
    src: &str,
    overrides: &IndexMap<String, V>,
    frame_loop: bool,
) -> Result<Program, CompileError> {
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
    lw.frame_loop = frame_loop;
    let body = lw.module(parsed)?;
    let globals = lw.globals.keys().cloned().collect();
    let tracked = lw.tracked.iter().copied().collect();
    let vm = if frame_loop { vm::compile(&body) } else { None };
    Ok(Program { file: file.to_string(), source: Arc::from(src), body, vm, globals, tracked, sliders, meta, values })
}

static LIVE_PROCESS_STATES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The most threads and processes (pool workers included) one run may create: every one is
/// a real OS thread and a lane on the timeline. Past it, `Thread()` raises
/// [`too_many_threads`]'s `RuntimeError`.
pub const MAX_THREADS_PER_RUN: usize = 4096;

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
    if excgroup::is_group(&e.value) {
        let mut frames = Vec::new();
        if threading_frames {
            frames.push("  File \"threading.py\", line 1045, in _bootstrap_inner".into());
            frames.push("    self.run()".into());
        }
        frame_lines(&prog, e.tb.iter().rev(), &mut frames);
        let mut ctx = GroupPrint { depth: 0, need_close: false };
        group_lines(it, &prog, &e.value, frames, &mut ctx, &mut lines);
        return lines;
    }
    let err = exc_error(it, &e.value);
    if !e.tb.is_empty() || threading_frames {
        lines.push("Traceback (most recent call last):".into());
        if threading_frames {
            lines.push("  File \"threading.py\", line 1045, in _bootstrap_inner".into());
            lines.push("    self.run()".into());
        }
        frame_lines(&prog, e.tb.iter().rev(), &mut lines);
    }
    lines.push(err.to_string());
    lines.extend(notes_of(&e.value));
    lines
}

/// An exception's notes (`add_note`), each line as the traceback prints it after the error.
fn notes_of(v: &V) -> Vec<String> {
    let V::Inst(i) = v else { return Vec::new() };
    let notes = i.dict.lock().get("__notes__").cloned();
    match notes {
        Some(V::List(l)) => l
            .lock()
            .iter()
            .flat_map(|n| match n {
                V::Str(s) => s.split('\n').map(str::to_string).collect::<Vec<_>>(),
                other => vec![other.repr()],
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Where an exception group's traceback is being printed: how deep in groups, and whether
/// the last member's closing line is still to come (`traceback._ExceptionPrintContext`).
struct GroupPrint {
    depth: usize,
    need_close: bool,
}

impl GroupPrint {
    fn indent(&self) -> String {
        " ".repeat(2 * self.depth)
    }

    /// `text`'s lines at this depth, after the margin (`|`, or `+` for a top-level group's
    /// first line).
    fn emit(&self, margin: char, text: impl IntoIterator<Item = String>, out: &mut Vec<String>) {
        let mut ind = self.indent();
        if self.depth > 0 {
            ind.push(margin);
            ind.push(' ');
        }
        out.extend(text.into_iter().map(|l| format!("{ind}{l}")));
    }
}

/// An exception (a group's member, or the group) as CPython 3.11's `traceback` prints it
/// inside a group: `frames` its traceback lines, a group's members boxed and numbered
/// (at most 15 a group, 10 groups deep, as CPython's defaults).
fn group_lines(
    it: &mut Interp<'_>,
    prog: &Program,
    v: &V,
    frames: Vec<String>,
    ctx: &mut GroupPrint,
    out: &mut Vec<String>,
) {
    const MAX_WIDTH: usize = 15;
    const MAX_DEPTH: usize = 10;
    let err = exc_error(it, v).to_string();
    if !excgroup::is_group(v) {
        if !frames.is_empty() {
            ctx.emit('|', std::iter::once("Traceback (most recent call last):".to_string()).chain(frames), out);
        }
        ctx.emit('|', std::iter::once(err).chain(notes_of(v)), out);
        return;
    }
    if ctx.depth > MAX_DEPTH {
        ctx.emit('|', [format!("... (max_group_depth is {MAX_DEPTH})")], out);
        return;
    }
    let top = ctx.depth == 0;
    if top {
        ctx.depth += 1;
    }
    if !frames.is_empty() {
        ctx.emit(if top { '+' } else { '|' }, ["Exception Group Traceback (most recent call last):".to_string()], out);
        ctx.emit('|', frames, out);
    }
    ctx.emit('|', std::iter::once(err).chain(notes_of(v)), out);
    let members = excgroup::members(v);
    let n = if members.len() <= MAX_WIDTH { members.len() } else { MAX_WIDTH + 1 };
    ctx.need_close = false;
    for i in 0..n {
        let last = i + 1 == n;
        if last {
            ctx.need_close = true;
        }
        let truncated = i >= MAX_WIDTH;
        let title = if truncated { "...".to_string() } else { (i + 1).to_string() };
        out.push(format!(
            "{}{}+---------------- {title} ----------------",
            ctx.indent(),
            if i == 0 { "+-" } else { "  " }
        ));
        ctx.depth += 1;
        if truncated {
            let more = members.len() - MAX_WIDTH;
            ctx.emit('|', [format!("and {more} more exception{}", if more > 1 { "s" } else { "" })], out);
        } else {
            let m = &members[i];
            let mut sub = Vec::new();
            frame_lines(prog, stored_tb(m).iter().rev(), &mut sub);
            group_lines(it, prog, m, sub, ctx, out);
        }
        if last && ctx.need_close {
            out.push(format!("{}+------------------------------------", ctx.indent()));
            ctx.need_close = false;
        }
        ctx.depth -= 1;
    }
    if top {
        ctx.depth = 0;
    }
}

/// The frames an exception left, as kept on it when it was caught (`__tl_tb__`),
/// innermost first.
fn stored_tb(v: &V) -> Vec<(u32, Arc<str>)> {
    let V::Inst(pi) = v else { return Vec::new() };
    match pi.dict.lock().get("__tl_tb__") {
        Some(V::List(l)) => l
            .lock()
            .iter()
            .filter_map(|t| match t {
                V::Tuple(t) => match (&t[0], &t[1]) {
                    (V::Int(l), V::Str(n)) => Some((*l as u32, Arc::from(&**n))),
                    _ => None,
                },
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A traceback's frames, most recent last, as CPython's `traceback` prints them: a frame
/// repeated (the same line of the same function, as deep recursion gives) is printed three
/// times, then `[Previous line repeated N more times]`.
pub fn frame_lines<'a>(prog: &Program, frames: impl Iterator<Item = &'a (u32, Arc<str>)>, lines: &mut Vec<String>) {
    const CUTOFF: usize = 3;
    let mut last: Option<&(u32, Arc<str>)> = None;
    let mut count = 0usize;
    let repeated = |n: usize, lines: &mut Vec<String>| {
        if n > CUTOFF {
            let more = n - CUTOFF;
            lines.push(format!("  [Previous line repeated {more} more time{}]", if more > 1 { "s" } else { "" }));
        }
    };
    for f in frames {
        if last.is_some_and(|l| l == f) {
            count += 1;
        } else {
            repeated(count, lines);
            last = Some(f);
            count = 1;
        }
        if count <= CUTOFF {
            let (line, name) = f;
            lines.push(format!("  File \"{}\", line {line}, in {name}", prog.file));
            if let Some(src) = prog.line(*line) {
                lines.push(format!("    {src}"));
            }
        }
    }
    repeated(count, lines);
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
    let tb = stored_tb(&prev);
    chained_lines(it, &prev, lines, depth + 1);
    let prog = Arc::clone(&it.w.prog);
    if excgroup::is_group(&prev) {
        let mut frames = Vec::new();
        frame_lines(&prog, tb.iter().rev(), &mut frames);
        let mut ctx = GroupPrint { depth: 0, need_close: false };
        group_lines(it, &prog, &prev, frames, &mut ctx, lines);
        lines.push(String::new());
        lines.push(sentence.into());
        lines.push(String::new());
        return;
    }
    if !tb.is_empty() {
        lines.push("Traceback (most recent call last):".into());
        frame_lines(&prog, tb.iter().rev(), lines);
    }
    lines.push(exc_error(it, &prev).to_string());
    lines.extend(notes_of(&prev));
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
