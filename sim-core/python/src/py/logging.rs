//! `logging`, as CPython's `Lib/logging/__init__.py` behaves for the way concurrency examples
//! use it: `basicConfig(level=, format=, datefmt=, stream=, force=)`, `getLogger(name)` with
//! the dotted hierarchy and propagation, the module-level `debug` … `exception` (which
//! configure the root logger first, as CPython's do), loggers' and handlers' levels,
//! `StreamHandler` and `Formatter`, the last-resort handler (a logger with no handler
//! anywhere prints bare warnings), and records with `%(threadName)s`, `%(processName)s`,
//! `%(asctime)s`, `%(lineno)d`, `%(funcName)s` and the rest. Output goes to stderr (or the
//! stream given) as lines of the run's output.

use super::interp::{Exc, Interp, R, raise, type_err};
use super::ir::BinOp;
use super::libobj::{kwarg, no_more};
use super::stdlib::Native;
use super::value::{Dict, V};
use indexmap::IndexMap;
use std::sync::Arc;
use threadline_runtime::footprint::Mutex;

type Kw = Vec<(Arc<str>, V)>;

/// `logging.WARNING`: the root logger's level until configured.
pub const WARNING: i64 = 30;
/// `logging.BASIC_FORMAT`.
pub const BASIC_FORMAT: &str = "%(levelname)s:%(name)s:%(message)s";

const LEVELS: [(&str, i64); 8] = [
    ("CRITICAL", 50),
    ("FATAL", 50),
    ("ERROR", 40),
    ("WARNING", 30),
    ("WARN", 30),
    ("INFO", 20),
    ("DEBUG", 10),
    ("NOTSET", 0),
];

/// `logging.getLevelName(level)`.
pub fn level_name(level: i64) -> String {
    match level {
        50 => "CRITICAL".into(),
        40 => "ERROR".into(),
        30 => "WARNING".into(),
        20 => "INFO".into(),
        10 => "DEBUG".into(),
        0 => "NOTSET".into(),
        n => format!("Level {n}"),
    }
}

/// Where a handler writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// `sys.stderr` (the default).
    Stderr,
    /// `sys.stdout`.
    Stdout,
}

/// A `logging.Formatter`.
#[derive(Debug)]
pub struct Formatter {
    fmt: String,
    datefmt: Option<String>,
}

/// A `logging.StreamHandler`.
#[derive(Debug)]
pub struct Handler {
    level: Mutex<i64>,
    formatter: Mutex<Option<Arc<Formatter>>>,
    stream: Stream,
}

/// A `logging.Logger`.
#[derive(Debug)]
pub struct Logger {
    name: String,
    level: Mutex<i64>,
    handlers: Mutex<Vec<Arc<Handler>>>,
    propagate: Mutex<bool>,
}

impl Logger {
    fn new(name: &str, level: i64) -> Arc<Self> {
        Arc::new(Logger {
            name: name.into(),
            level: Mutex::new(level),
            handlers: Mutex::new(Vec::new()),
            propagate: Mutex::new(true),
        })
    }
}

/// The logging objects a program holds.
#[derive(Debug)]
pub enum LogObj {
    /// A logger.
    Logger(Arc<Logger>),
    /// A handler.
    Handler(Arc<Handler>),
    /// A formatter.
    Formatter(Arc<Formatter>),
}

impl LogObj {
    /// `type(x).__name__`.
    pub fn type_name(&self) -> &'static str {
        match self {
            LogObj::Logger(l) if l.name == "root" => "RootLogger",
            LogObj::Logger(_) => "Logger",
            LogObj::Handler(_) => "StreamHandler",
            LogObj::Formatter(_) => "Formatter",
        }
    }

    /// `repr(x)`.
    pub fn repr(&self, id: usize) -> String {
        match self {
            LogObj::Logger(l) => {
                let lv = level_name(*l.level.lock());
                if l.name == "root" {
                    format!("<RootLogger root ({lv})>")
                } else {
                    format!("<Logger {} ({lv})>", l.name)
                }
            }
            LogObj::Handler(h) => {
                let s = if h.stream == Stream::Stdout { "<stdout>" } else { "<stderr>" };
                format!("<StreamHandler {s} ({})>", level_name(*h.level.lock()))
            }
            LogObj::Formatter(_) => format!("<logging.Formatter object at {id:#x}>"),
        }
    }
}

/// The logging state of a run: the root logger and every named one.
#[derive(Debug)]
pub struct LogState {
    root: Arc<Logger>,
    loggers: IndexMap<String, Arc<Logger>>,
    disabled: i64,
    /// `addLevelName(level, name)`.
    names: Vec<(i64, String)>,
}

fn name_of(it: &Interp<'_>, level: i64) -> String {
    let st = it.w.logging.lock();
    match st.names.iter().rev().find(|(l, _)| *l == level) {
        Some((_, n)) => n.clone(),
        None => level_name(level),
    }
}

impl Default for LogState {
    fn default() -> Self {
        Self { root: Logger::new("root", WARNING), loggers: IndexMap::default(), disabled: 0, names: Vec::new() }
    }
}

/// The callables of the `logging` module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFn {
    BasicConfig,
    GetLogger,
    Log(i64),
    LogAt,
    Exception,
    Disable,
    GetLevelName,
    AddLevelName,
    StreamHandler,
    Formatter,
    Shutdown,
}

/// `logging.name`.
pub fn module_attr(name: &str) -> Option<V> {
    let f = |x: LogFn| Some(V::Native(Arc::new(Native::Fn(super::stdlib::NFn::Log(x)))));
    if let Some((_, n)) = LEVELS.iter().find(|(l, _)| *l == name) {
        return Some(V::Int(*n));
    }
    match name {
        "basicConfig" => f(LogFn::BasicConfig),
        "getLogger" => f(LogFn::GetLogger),
        "debug" => f(LogFn::Log(10)),
        "info" => f(LogFn::Log(20)),
        "warning" | "warn" => f(LogFn::Log(30)),
        "error" => f(LogFn::Log(40)),
        "critical" | "fatal" => f(LogFn::Log(50)),
        "exception" => f(LogFn::Exception),
        "log" => f(LogFn::LogAt),
        "disable" => f(LogFn::Disable),
        "getLevelName" => f(LogFn::GetLevelName),
        "addLevelName" => f(LogFn::AddLevelName),
        "StreamHandler" => f(LogFn::StreamHandler),
        "Formatter" => f(LogFn::Formatter),
        "shutdown" => f(LogFn::Shutdown),
        "BASIC_FORMAT" => Some(V::str(BASIC_FORMAT)),
        _ => None,
    }
}

/// The name Python prints for a logging function.
pub fn fn_name(f: LogFn) -> &'static str {
    match f {
        LogFn::BasicConfig => "basicConfig",
        LogFn::GetLogger => "getLogger",
        LogFn::Log(10) => "debug",
        LogFn::Log(20) => "info",
        LogFn::Log(30) => "warning",
        LogFn::Log(40) => "error",
        LogFn::Log(_) => "critical",
        LogFn::LogAt => "log",
        LogFn::Exception => "exception",
        LogFn::Disable => "disable",
        LogFn::GetLevelName => "getLevelName",
        LogFn::AddLevelName => "addLevelName",
        LogFn::StreamHandler => "StreamHandler",
        LogFn::Formatter => "Formatter",
        LogFn::Shutdown => "shutdown",
    }
}

fn obj(o: LogObj) -> V {
    V::Native(Arc::new(Native::Log(o)))
}

/// A level given as a number or a name (`'DEBUG'`), as `_checkLevel` reads it.
fn check_level(v: &V) -> R<i64> {
    match v {
        V::Int(n) => Ok(*n),
        V::Bool(b) => Ok(*b as i64),
        V::Str(s) => match LEVELS.iter().find(|(l, _)| *l == &**s) {
            Some((_, n)) => Ok(*n),
            None => raise("ValueError", format!("Unknown level: {}", v.repr())),
        },
        other => type_err(format!("Level not an integer or a valid string: {}", other.repr())),
    }
}

fn stream_of(v: Option<V>) -> R<Stream> {
    match v {
        None | Some(V::None) => Ok(Stream::Stderr),
        Some(V::Native(n)) if matches!(*n, Native::Stdout) => Ok(Stream::Stdout),
        Some(V::Native(n)) if matches!(*n, Native::Stderr) => Ok(Stream::Stderr),
        Some(other) => raise(
            "NotImplementedError",
            format!("logging to a {} is not supported: Threadline logs to sys.stderr or sys.stdout", other.type_name()),
        ),
    }
}

fn formatter(fmt: Option<V>, datefmt: Option<V>) -> R<Arc<Formatter>> {
    let fmt = match fmt {
        None | Some(V::None) => "%(message)s".to_string(),
        Some(V::Str(s)) => s.to_string(),
        Some(other) => return type_err(format!("fmt must be a str, not {}", other.type_name())),
    };
    let datefmt = match datefmt {
        None | Some(V::None) => None,
        Some(V::Str(s)) => Some(s.to_string()),
        Some(other) => return type_err(format!("datefmt must be a str, not {}", other.type_name())),
    };
    Ok(Arc::new(Formatter { fmt, datefmt }))
}

/// `logging.basicConfig(**kw)`: a no-op once the root logger has a handler, unless `force`.
fn basic_config(it: &mut Interp<'_>, mut kw: Kw) -> R<()> {
    let force = kwarg(&mut kw, "force").is_some_and(|v| v.truthy());
    let level = kwarg(&mut kw, "level");
    let fmt = kwarg(&mut kw, "format");
    let datefmt = kwarg(&mut kw, "datefmt");
    let stream = kwarg(&mut kw, "stream");
    if let Some(style) = kwarg(&mut kw, "style")
        && !matches!(&style, V::Str(s) if &**s == "%")
    {
        return raise("NotImplementedError", "logging.basicConfig: only style='%' is supported");
    }
    if kwarg(&mut kw, "filename").is_some() || kwarg(&mut kw, "handlers").is_some() {
        return raise(
            "NotImplementedError",
            "logging.basicConfig: a scenario cannot write files; it logs to sys.stderr or sys.stdout",
        );
    }
    no_more("basicConfig", &kw)?;
    let root = Arc::clone(&it.w.logging.lock().root);
    if force {
        root.handlers.lock().clear();
    }
    if !root.handlers.lock().is_empty() {
        return Ok(());
    }
    let fmt = fmt.unwrap_or_else(|| V::str(BASIC_FORMAT));
    let h = Handler {
        level: Mutex::new(0),
        formatter: Mutex::new(Some(formatter(Some(fmt), datefmt)?)),
        stream: stream_of(stream)?,
    };
    root.handlers.lock().push(Arc::new(h));
    if let Some(l) = level {
        *root.level.lock() = check_level(&l)?;
    }
    Ok(())
}

fn get_logger(it: &mut Interp<'_>, name: Option<&V>) -> R<Arc<Logger>> {
    let name = match name {
        None | Some(V::None) => return Ok(Arc::clone(&it.w.logging.lock().root)),
        Some(V::Str(s)) if s.is_empty() => return Ok(Arc::clone(&it.w.logging.lock().root)),
        Some(V::Str(s)) => s.to_string(),
        Some(_) => return type_err("A logger name must be a string"),
    };
    let mut st = it.w.logging.lock();
    Ok(Arc::clone(st.loggers.entry(name.clone()).or_insert_with(|| Logger::new(&name, 0))))
}

/// The logger's parent in the dotted hierarchy: the longest existing prefix, else root.
fn parent(it: &Interp<'_>, l: &Logger) -> Option<Arc<Logger>> {
    if l.name == "root" {
        return None;
    }
    let st = it.w.logging.lock();
    let mut name = l.name.as_str();
    while let Some(i) = name.rfind('.') {
        name = &name[..i];
        if let Some(p) = st.loggers.get(name) {
            return Some(Arc::clone(p));
        }
    }
    Some(Arc::clone(&st.root))
}

fn effective_level(it: &Interp<'_>, l: &Arc<Logger>) -> i64 {
    let mut cur = Some(Arc::clone(l));
    while let Some(c) = cur {
        let lv = *c.level.lock();
        if lv != 0 {
            return lv;
        }
        cur = parent(it, &c);
    }
    0
}

fn enabled(it: &Interp<'_>, l: &Arc<Logger>, level: i64) -> bool {
    it.w.logging.lock().disabled < level && level >= effective_level(it, l)
}

/// The function a line is in, read from the source by indentation (`<module>` at the top).
fn func_name_at(it: &Interp<'_>, line: u32) -> String {
    let lines: Vec<&str> = it.w.prog.source.lines().take(line as usize).collect();
    let indent = |s: &str| s.len() - s.trim_start().len();
    let Some(here) = lines.last() else { return "<module>".into() };
    let mut limit = indent(here);
    for src in lines.iter().rev().skip(1) {
        if limit == 0 {
            break;
        }
        let t = src.trim_start();
        if t.is_empty() || t.starts_with('#') || indent(src) >= limit {
            continue;
        }
        limit = indent(src);
        let t = t.strip_prefix("async ").unwrap_or(t);
        if let Some(rest) = t.strip_prefix("def ") {
            return rest.split(|c: char| c == '(' || c.is_whitespace()).next().unwrap_or("?").to_string();
        }
    }
    "<module>".into()
}

/// `YYYY-mm-dd HH:MM:SS` of a Unix time, in UTC, or by a `strftime` format.
pub fn strftime(t: f64, fmt: &str) -> String {
    let (date, time) = super::datetime::civil_of_unix(t.floor() as i64);
    super::datetime::format_calendar(fmt, date, time, None)
}

/// One log call: the record is made and handed to the handlers of the logger and its
/// ancestors (while they propagate), or to the last-resort handler when none has one.
fn log(it: &mut Interp<'_>, l: &Arc<Logger>, level: i64, pos: &[V], mut kw: Kw, exc_info: bool) -> R<()> {
    let exc_info = exc_info || kwarg(&mut kw, "exc_info").is_some_and(|v| v.truthy());
    let _ = kwarg(&mut kw, "stack_info");
    let _ = kwarg(&mut kw, "stacklevel");
    let extra = kwarg(&mut kw, "extra");
    no_more("_log", &kw)?;
    if !enabled(it, l, level) {
        return Ok(());
    }
    let Some(msg) = pos.first() else {
        return type_err("Logger.log() missing 1 required positional argument: 'msg'");
    };
    let args = &pos[1..];
    let mut message = it.str_of(msg)?;
    if !args.is_empty() {
        // A single mapping argument is the mapping, as LogRecord does.
        let a = match args {
            [d @ V::Dict(_)] => d.clone(),
            _ => V::tuple(args.to_vec()),
        };
        let r = it.binop(BinOp::Mod, &V::str(message.clone()), &a)?;
        message = it.str_of(&r)?;
    }
    let ctx = it.ctx;
    let line = ctx.line.get();
    let created = it.w.wall_start + it.w.elapsed_s(ctx);
    let process = it.w.process_object(ctx.process);
    let process_name = it.get_attr(&process, "name").and_then(|v| it.str_of(&v)).unwrap_or_default();
    let file = it.w.prog.file.clone();
    let module = file.rsplit('/').next().unwrap_or(&file).trim_end_matches(".py").to_string();
    let mut rec = Dict::default();
    let msecs = ((created - created.floor()) * 1000.0).floor();
    let fields: Vec<(&str, V)> = vec![
        ("name", V::str(l.name.clone())),
        ("msg", msg.clone()),
        ("args", V::tuple(args.to_vec())),
        ("levelname", V::str(name_of(it, level))),
        ("levelno", V::Int(level)),
        ("pathname", V::str(file.clone())),
        ("filename", V::str(file.rsplit('/').next().unwrap_or(&file).to_string())),
        ("module", V::str(module)),
        ("lineno", V::Int(i64::from(line))),
        ("funcName", V::str(func_name_at(it, line))),
        ("created", V::Float(created)),
        ("msecs", V::Float(msecs)),
        ("relativeCreated", V::Float(it.w.elapsed_s(ctx) * 1000.0)),
        ("thread", V::Int(super::stdlib::thread_ident(ctx.tid))),
        ("threadName", V::str(it.w.thread_name(ctx.tid))),
        ("processName", V::str(process_name)),
        ("process", V::Int(i64::from(it.w.pid_of(ctx.process)))),
        ("message", V::str(message.clone())),
    ];
    for (k, v) in fields {
        rec.set(V::str(k), v).or_else(type_err)?;
    }
    if let Some(V::Dict(extra)) = &extra {
        for (k, v) in extra.lock().map.values() {
            rec.set(k.clone(), v.clone()).or_else(type_err)?;
        }
    }
    let rec = Arc::new(Mutex::new(rec));
    // `exc_info`: the exception being handled, or CPython's `NoneType: None` outside one.
    let tb = if exc_info {
        Some(it.handling.last().cloned().unwrap_or(Exc { value: V::None, tb: Vec::new() }))
    } else {
        None
    };
    let mut cur = Some(Arc::clone(l));
    let mut found = 0;
    while let Some(c) = cur {
        let handlers = c.handlers.lock().clone();
        for h in handlers {
            found += 1;
            if level >= *h.level.lock() {
                emit(it, &h, &rec, created, msecs, tb.as_ref())?;
            }
        }
        if !*c.propagate.lock() {
            break;
        }
        cur = parent(it, &c);
    }
    if found == 0 && level >= WARNING {
        // logging.lastResort: a bare message on stderr.
        let h = Handler { level: Mutex::new(WARNING), formatter: Mutex::new(None), stream: Stream::Stderr };
        emit(it, &h, &rec, created, msecs, tb.as_ref())?;
    }
    Ok(())
}

fn emit(it: &mut Interp<'_>, h: &Handler, rec: &Arc<Mutex<Dict>>, created: f64, msecs: f64, tb: Option<&Exc>) -> R<()> {
    let f = h.formatter.lock().clone();
    let (fmt, datefmt) = match &f {
        Some(f) => (f.fmt.clone(), f.datefmt.clone()),
        None => ("%(message)s".to_string(), None),
    };
    if fmt.contains("%(asctime)") {
        let asctime = match &datefmt {
            Some(d) => strftime(created, d),
            None => format!("{},{:03}", strftime(created, "%Y-%m-%d %H:%M:%S"), msecs as i64),
        };
        rec.lock().set(V::str("asctime"), V::str(asctime)).or_else(type_err)?;
    }
    let r = it.binop(BinOp::Mod, &V::str(fmt), &V::Dict(Arc::clone(rec)))?;
    let mut text = it.str_of(&r)?;
    if let Some(e) = tb {
        if matches!(e.value, V::None) {
            text.push_str("\nNoneType: None");
        } else {
            for l in super::traceback_lines(it, e, None, false) {
                text.push('\n');
                text.push_str(&l);
            }
        }
    }
    text.push('\n');
    it.w.write_out(it.ctx, &text, h.stream == Stream::Stderr);
    Ok(())
}

/// `multiprocessing.get_logger()` (`level` None) and `log_to_stderr(level)` (`level`
/// Some): the `multiprocessing` logger, which does not propagate; `log_to_stderr` gives it a
/// stderr handler with multiprocessing's format, and the level if one is given.
pub fn mp_logger(it: &mut Interp<'_>, level: Option<V>) -> R<V> {
    let l = get_logger(it, Some(&V::str("multiprocessing")))?;
    *l.propagate.lock() = false;
    if let Some(level) = level {
        let f = formatter(Some(V::str("[%(levelname)s/%(processName)s] %(message)s")), None)?;
        let h = Arc::new(Handler { level: Mutex::new(0), formatter: Mutex::new(Some(f)), stream: Stream::Stderr });
        l.handlers.lock().push(h);
        if !matches!(level, V::None) {
            *l.level.lock() = check_level(&level)?;
        }
    }
    Ok(obj(LogObj::Logger(l)))
}

/// What multiprocessing's own code logs (`util.info`, `util.debug`), once a program has
/// asked for its logger: nothing otherwise.
pub fn mp_note(it: &mut Interp<'_>, level: i64, msg: &str) {
    let l = it.w.logging.lock().loggers.get("multiprocessing").cloned();
    if let Some(l) = l {
        let _ = log(it, &l, level, &[V::str(msg)], Vec::new(), false);
    }
}

/// Calls a function of the `logging` module.
pub fn call(it: &mut Interp<'_>, f: LogFn, pos: Vec<V>, mut kw: Kw) -> R<V> {
    match f {
        LogFn::BasicConfig => {
            if !pos.is_empty() {
                return type_err(format!("basicConfig() takes 0 positional arguments but {} were given", pos.len()));
            }
            basic_config(it, kw)?;
            Ok(V::None)
        }
        LogFn::GetLogger => {
            let name = kwarg(&mut kw, "name").or_else(|| pos.first().cloned());
            no_more("getLogger", &kw)?;
            Ok(obj(LogObj::Logger(get_logger(it, name.as_ref())?)))
        }
        LogFn::Log(_) | LogFn::LogAt | LogFn::Exception => {
            // The module-level functions configure the root logger first.
            if it.w.logging.lock().root.handlers.lock().is_empty() {
                basic_config(it, Vec::new())?;
            }
            let root = Arc::clone(&it.w.logging.lock().root);
            logger_call(it, &root, fn_name(f), pos, kw)
        }
        LogFn::Disable => {
            let level = pos.first().map(check_level).transpose()?.unwrap_or(50);
            it.w.logging.lock().disabled = level;
            Ok(V::None)
        }
        LogFn::AddLevelName => match &pos[..] {
            [V::Int(n), V::Str(s)] => {
                it.w.logging.lock().names.push((*n, s.to_string()));
                Ok(V::None)
            }
            _ => type_err("addLevelName() takes a level and a name"),
        },
        LogFn::GetLevelName => match pos.first() {
            Some(V::Int(n)) => Ok(V::str(name_of(it, *n))),
            Some(V::Str(s)) => {
                let custom = it.w.logging.lock().names.iter().rev().find(|(_, m)| m == &**s).map(|(l, _)| *l);
                Ok(match custom.or_else(|| LEVELS.iter().find(|(l, _)| *l == &**s).map(|(_, n)| *n)) {
                    Some(n) => V::Int(n),
                    None => V::str(format!("Level {s}")),
                })
            }
            _ => type_err("getLevelName() missing 1 required positional argument: 'level'"),
        },
        LogFn::StreamHandler => {
            let stream = stream_of(kwarg(&mut kw, "stream").or_else(|| pos.first().cloned()))?;
            no_more("StreamHandler", &kw)?;
            Ok(obj(LogObj::Handler(Arc::new(Handler { level: Mutex::new(0), formatter: Mutex::new(None), stream }))))
        }
        LogFn::Formatter => {
            let fmt = kwarg(&mut kw, "fmt").or_else(|| pos.first().cloned());
            let datefmt = kwarg(&mut kw, "datefmt").or_else(|| pos.get(1).cloned());
            let _ = kwarg(&mut kw, "style");
            no_more("Formatter", &kw)?;
            Ok(obj(LogObj::Formatter(formatter(fmt, datefmt)?)))
        }
        LogFn::Shutdown => Ok(V::None),
    }
}

fn logger_call(it: &mut Interp<'_>, l: &Arc<Logger>, name: &str, pos: Vec<V>, kw: Kw) -> R<V> {
    let level = match name {
        "debug" => 10,
        "info" => 20,
        "warning" | "warn" => 30,
        "error" | "exception" => 40,
        "critical" | "fatal" => 50,
        "log" => {
            let Some(lv) = pos.first() else {
                return type_err("Logger.log() missing 2 required positional arguments: 'level' and 'msg'");
            };
            let V::Int(lv) = lv else { return type_err("level must be an integer") };
            log(it, l, *lv, &pos[1..], kw, false)?;
            return Ok(V::None);
        }
        _ => return raise("AttributeError", format!("'Logger' object has no attribute '{name}'")),
    };
    log(it, l, level, &pos, kw, name == "exception")?;
    Ok(V::None)
}

/// A method of a logger, handler or formatter.
pub fn method(it: &mut Interp<'_>, o: &LogObj, name: &str, pos: Vec<V>, mut kw: Kw) -> R<V> {
    match (o, name) {
        (LogObj::Logger(l), "setLevel") | (LogObj::Logger(l), "setlevel") => {
            let lv = kwarg(&mut kw, "level").or_else(|| pos.first().cloned()).unwrap_or(V::Int(0));
            *l.level.lock() = check_level(&lv)?;
            Ok(V::None)
        }
        (LogObj::Logger(l), "getEffectiveLevel") => Ok(V::Int(effective_level(it, l))),
        (LogObj::Logger(l), "isEnabledFor") => {
            let lv = pos.first().map(check_level).transpose()?.unwrap_or(0);
            Ok(V::Bool(enabled(it, l, lv)))
        }
        (LogObj::Logger(l), "addHandler" | "removeHandler") => {
            let Some(V::Native(n)) = pos.first() else { return type_err(format!("{name}() takes a handler")) };
            let Native::Log(LogObj::Handler(h)) = &**n else { return type_err(format!("{name}() takes a handler")) };
            let mut hs = l.handlers.lock();
            let present = hs.iter().any(|x| Arc::ptr_eq(x, h));
            if name == "addHandler" && !present {
                hs.push(Arc::clone(h));
            } else if name == "removeHandler" {
                hs.retain(|x| !Arc::ptr_eq(x, h));
            }
            Ok(V::None)
        }
        (LogObj::Logger(l), "hasHandlers") => {
            let mut cur = Some(Arc::clone(l));
            while let Some(c) = cur {
                if !c.handlers.lock().is_empty() {
                    return Ok(V::Bool(true));
                }
                if !*c.propagate.lock() {
                    break;
                }
                cur = parent(it, &c);
            }
            Ok(V::Bool(false))
        }
        (LogObj::Logger(l), "getChild") => {
            let Some(V::Str(s)) = pos.first() else { return type_err("getChild() takes a suffix") };
            let name = if l.name == "root" { s.to_string() } else { format!("{}.{s}", l.name) };
            Ok(obj(LogObj::Logger(get_logger(it, Some(&V::str(name)))?)))
        }
        (LogObj::Logger(l), _) => logger_call(it, l, name, pos, kw),
        (LogObj::Handler(h), "setFormatter") => {
            *h.formatter.lock() = match pos.first() {
                Some(V::Native(n)) => match &**n {
                    Native::Log(LogObj::Formatter(f)) => Some(Arc::clone(f)),
                    _ => return type_err("setFormatter() takes a Formatter"),
                },
                _ => None,
            };
            Ok(V::None)
        }
        (LogObj::Handler(h), "setLevel") => {
            let lv = pos.first().cloned().unwrap_or(V::Int(0));
            *h.level.lock() = check_level(&lv)?;
            Ok(V::None)
        }
        (LogObj::Handler(_), "flush" | "close") => Ok(V::None),
        _ => raise("AttributeError", format!("'{}' object has no attribute '{name}'", o.type_name())),
    }
}

/// `x.name` of a logging object (methods come back as bound natives, like the rest).
pub fn attr(it: &Interp<'_>, o: &LogObj, name: &str) -> Option<V> {
    match (o, name) {
        (LogObj::Logger(l), "name") => Some(V::str(l.name.clone())),
        (LogObj::Logger(l), "level") => Some(V::Int(*l.level.lock())),
        (LogObj::Logger(l), "propagate") => Some(V::Bool(*l.propagate.lock())),
        (LogObj::Logger(l), "parent") => Some(parent(it, l).map_or(V::None, |p| obj(LogObj::Logger(p)))),
        (LogObj::Logger(l), "handlers") => {
            Some(V::list(l.handlers.lock().iter().map(|h| obj(LogObj::Handler(Arc::clone(h)))).collect()))
        }
        (LogObj::Handler(h), "level") => Some(V::Int(*h.level.lock())),
        _ => None,
    }
}

/// `x.name = v` on a logging object.
pub fn set_attr(o: &LogObj, name: &str, v: &V) -> R<bool> {
    match (o, name) {
        (LogObj::Logger(l), "propagate") => *l.propagate.lock() = v.truthy(),
        (LogObj::Logger(l), "level") => *l.level.lock() = check_level(v)?,
        (LogObj::Logger(_), "disabled") => {}
        _ => return Ok(false),
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::strftime;

    #[test]
    fn strftime_matches_the_civil_calendar() {
        // 2026-12-05 03:36:41 UTC.
        assert_eq!(strftime(1_796_441_801.5, "%Y-%m-%d %H:%M:%S"), "2026-12-05 03:36:41");
        assert_eq!(strftime(0.0, "%d/%m/%y %H:%M"), "01/01/70 00:00");
        assert_eq!(strftime(951_782_400.0, "%Y-%m-%d"), "2000-02-29");
    }
}
