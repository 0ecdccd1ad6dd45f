//! Scenario files: the JSON format (documented with an example of every op in
//! `saved-scenarios/README.md`), loading with errors that name the place, and checking
//! parameter values against their ranges.

use crate::expr::{self, Expr, Template};
use crate::rt::{GilMode, RuntimeSettings};
use crate::value::Value;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use thiserror::Error;

/// A scenario file as written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short id used on the command line (`semaphore-pool`).
    pub id: String,
    /// Title shown in the picker.
    pub name: String,
    /// Group in the picker (`The GIL`, `Locks`, …).
    pub topic: String,
    /// The seed section it comes from.
    #[serde(default)]
    pub seed: String,
    /// The teaching point.
    pub description: String,
    /// Runtime defaults.
    #[serde(default)]
    pub runtime: RuntimeSpec,
    /// Sliders, in order.
    #[serde(default)]
    pub params: Vec<ParamSpec>,
    /// Locks, semaphores, queues… by name.
    #[serde(default)]
    pub resources: Vec<ResourceSpec>,
    /// Shared (global) variables with their initial values.
    #[serde(default)]
    pub vars: Vec<VarSpec>,
    /// Functions that threads `call` and pools run.
    #[serde(default)]
    pub functions: Vec<FunctionSpec>,
    /// The main thread's program. Without it every thread starts at once and the main
    /// thread just waits for them.
    #[serde(default)]
    pub main: Option<Vec<OpSpec>>,
    /// Thread groups.
    #[serde(default)]
    pub threads: Vec<ThreadSpec>,
}

/// Runtime defaults of a scenario (each can be overridden for a run).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RuntimeSpec {
    /// `cpython-3.10+`, `cpython-3.9` or `free-threaded`.
    pub gil: GilMode,
    /// The switch interval in ms.
    pub switch_interval_ms: f64,
    /// Multiplies every duration.
    pub time_scale: f64,
}

impl Default for RuntimeSpec {
    fn default() -> Self {
        let d = RuntimeSettings::default();
        Self { gil: d.gil, switch_interval_ms: d.switch_interval_ms, time_scale: d.time_scale }
    }
}

impl RuntimeSpec {
    /// As runtime settings.
    pub fn settings(&self) -> RuntimeSettings {
        RuntimeSettings { gil: self.gil, switch_interval_ms: self.switch_interval_ms, time_scale: self.time_scale }
    }
}

/// A parameter: a slider in the app, `--set name=value` on the command line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamSpec {
    /// Referenced as `$name`.
    pub name: String,
    /// Slider label.
    pub label: String,
    /// Smallest value.
    pub min: i64,
    /// Largest value.
    pub max: i64,
    /// Default value.
    pub default: i64,
    /// Unit shown after the value (`ms`, `threads`).
    #[serde(default)]
    pub unit: String,
}

/// A number or an expression (`"$permits"`, `"$work_ms / $threads"`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum NumOrExpr {
    /// A plain number.
    Num(f64),
    /// An expression.
    Expr(String),
}

impl NumOrExpr {
    fn source(&self) -> String {
        match self {
            NumOrExpr::Num(n) => {
                if n.fract() == 0.0 && n.abs() < 1e15 {
                    format!("{}", *n as i64)
                } else {
                    // Debug keeps the exponent (1e300), which the expression lexer reads.
                    format!("{n:?}")
                }
            }
            NumOrExpr::Expr(s) => s.clone(),
        }
    }
}

/// The kinds of resources.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    /// `threading.Lock` / `multiprocessing.Lock`.
    Lock,
    /// `threading.RLock`.
    Rlock,
    /// `threading.Semaphore`.
    Semaphore,
    /// `threading.BoundedSemaphore`.
    BoundedSemaphore,
    /// `threading.Condition`.
    Condition,
    /// `threading.Event`.
    Event,
    /// `queue.Queue` / `multiprocessing.Queue`.
    Queue,
    /// `multiprocessing.Pipe`.
    Pipe,
    /// `multiprocessing.Pool`, `ThreadPoolExecutor`, `ProcessPoolExecutor`.
    Pool,
}

impl ResourceKind {
    /// The name used in the JSON summary.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Lock => "lock",
            ResourceKind::Rlock => "rlock",
            ResourceKind::Semaphore => "semaphore",
            ResourceKind::BoundedSemaphore => "bounded_semaphore",
            ResourceKind::Condition => "condition",
            ResourceKind::Event => "event",
            ResourceKind::Queue => "queue",
            ResourceKind::Pipe => "pipe",
            ResourceKind::Pool => "pool",
        }
    }
    /// Python's name for it.
    pub fn python_name(self) -> &'static str {
        match self {
            ResourceKind::Lock => "threading.Lock",
            ResourceKind::Rlock => "threading.RLock",
            ResourceKind::Semaphore => "threading.Semaphore",
            ResourceKind::BoundedSemaphore => "threading.BoundedSemaphore",
            ResourceKind::Condition => "threading.Condition",
            ResourceKind::Event => "threading.Event",
            ResourceKind::Queue => "queue.Queue",
            ResourceKind::Pipe => "multiprocessing.Pipe",
            ResourceKind::Pool => "Pool",
        }
    }
    /// Acquired with `with` / `acquire` / `release`.
    pub fn is_acquirable(self) -> bool {
        matches!(self, Self::Lock | Self::Rlock | Self::Semaphore | Self::BoundedSemaphore | Self::Condition)
    }
}

/// Which pool API a pool resource models.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum PoolStyle {
    /// `multiprocessing.Pool`: worker processes `ForkPoolWorker-N`.
    #[default]
    #[serde(rename = "multiprocessing.Pool")]
    MpPool,
    /// `concurrent.futures.ThreadPoolExecutor`: threads in this process.
    #[serde(rename = "ThreadPoolExecutor")]
    ThreadPool,
    /// `concurrent.futures.ProcessPoolExecutor`: worker processes.
    #[serde(rename = "ProcessPoolExecutor")]
    ProcessPool,
}

/// A resource.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceSpec {
    /// Its name in programs and on lanes.
    pub name: String,
    /// What it is.
    pub kind: ResourceKind,
    /// Initial counter (semaphores).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<NumOrExpr>,
    /// `maxsize` (queues; 0 = unbounded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maxsize: Option<NumOrExpr>,
    /// Initial items (queues).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<String>,
    /// `duplex` (pipes; default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplex: Option<bool>,
    /// Worker count (pools).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workers: Option<NumOrExpr>,
    /// Pool API (pools).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<PoolStyle>,
}

/// A shared variable.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VarSpec {
    /// Its name.
    pub name: String,
    /// Initial value, an expression (`"0"`, `"[0]"`).
    pub init: String,
}

/// A function that threads `call` and pools run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionSpec {
    /// Its name.
    pub name: String,
    /// Parameter names.
    #[serde(default)]
    pub params: Vec<String>,
    /// Its body; `return` gives the result.
    pub body: Vec<OpSpec>,
}

/// A group of threads (or processes) with one program.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThreadSpec {
    /// Name template; `{id}` is the index in the group (`"Thread {id}"`).
    pub name: String,
    /// How many (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<NumOrExpr>,
    /// `daemon=True`.
    #[serde(default)]
    pub daemon: bool,
    /// A `multiprocessing.Process`: its own process, GIL and copy of the variables.
    #[serde(default)]
    pub process: bool,
    /// The target function's name, for Python's "Exception in thread T (target)".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Delay before it starts (when started automatically), in ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_delay_ms: Option<NumOrExpr>,
    /// Locals set before it runs (`{"s": "'Thread ' + str(id + 1)"}`), expressions of `id`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub args: BTreeMap<String, String>,
    /// What it runs.
    pub program: Vec<OpSpec>,
}

fn yes() -> bool {
    true
}
fn is_true(b: &bool) -> bool {
    *b
}

/// One op of a program, as written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum OpSpec {
    /// `ms` of CPU-bound Python work (holds the GIL; eval-breaker checks between chunks).
    Cpu {
        /// Milliseconds of one core's work.
        ms: NumOrExpr,
    },
    /// I/O taking `ms` (the GIL is released).
    Io {
        /// Milliseconds.
        ms: NumOrExpr,
    },
    /// `time.sleep(ms / 1000)`.
    Sleep {
        /// Milliseconds.
        ms: NumOrExpr,
    },
    /// `ok = r.acquire(blocking, timeout)`.
    Acquire {
        /// The lock, rlock, semaphore or condition.
        res: String,
        /// `blocking=`.
        #[serde(default = "yes", skip_serializing_if = "is_true")]
        blocking: bool,
        /// `timeout=` in ms.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout_ms: Option<NumOrExpr>,
        /// Local to store the result in.
        #[serde(default, rename = "as", skip_serializing_if = "Option::is_none")]
        as_: Option<String>,
    },
    /// `r.release()`.
    Release {
        /// The resource.
        res: String,
    },
    /// `with r: body`.
    With {
        /// The resource.
        res: String,
        /// The block.
        body: Vec<OpSpec>,
    },
    /// `if r.acquire(blocking, timeout): then … else: …` (releases after `then`).
    TryAcquire {
        /// The resource.
        res: String,
        /// `timeout=` in ms; without it the attempt is non-blocking.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout_ms: Option<NumOrExpr>,
        /// Run holding it.
        #[serde(default)]
        then: Vec<OpSpec>,
        /// Run when it was not acquired.
        #[serde(default, rename = "else")]
        else_: Vec<OpSpec>,
    },
    /// `var += by`: load, (an eval-breaker point if the GIL mode allows one there), store.
    Incr {
        /// The shared variable.
        var: String,
        /// The increment (default 1).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<NumOrExpr>,
        /// A function call between the load and the store (opens the window under 3.10+).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        call: bool,
    },
    /// `var = expr` where expr reads var: load, breaker point, store.
    Assign {
        /// The shared variable.
        var: String,
        /// The new value.
        expr: String,
        /// A call between the load and the store.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        call: bool,
    },
    /// `local = var` (one read of a shared variable).
    Load {
        /// The shared variable.
        var: String,
        /// The local.
        #[serde(rename = "as")]
        as_: String,
    },
    /// `var = expr` (one write).
    Store {
        /// The shared variable.
        var: String,
        /// The value.
        expr: String,
    },
    /// `name = expr` (a local).
    Let {
        /// The local.
        name: String,
        /// The value.
        expr: String,
    },
    /// `if cond: then else: else`.
    If {
        /// The condition.
        cond: String,
        /// When true.
        #[serde(default)]
        then: Vec<OpSpec>,
        /// When false.
        #[serde(default, rename = "else")]
        else_: Vec<OpSpec>,
    },
    /// `while cond: body`.
    While {
        /// The condition.
        cond: String,
        /// The body.
        body: Vec<OpSpec>,
    },
    /// `for var in range(count): body`; no count means `while True`.
    Repeat {
        /// How many times.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        count: Option<NumOrExpr>,
        /// The loop variable (default `i`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        var: Option<String>,
        /// The body.
        body: Vec<OpSpec>,
    },
    /// `for var in items: body`.
    ForEach {
        /// The sequence.
        items: String,
        /// The loop variable.
        var: String,
        /// The body.
        body: Vec<OpSpec>,
    },
    /// `break`.
    Break,
    /// `return expr`.
    Return {
        /// The value (None if absent).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expr: Option<String>,
    },
    /// `q.put(item, block, timeout)`.
    Put {
        /// The queue.
        queue: String,
        /// The item.
        item: String,
        /// `block=`.
        #[serde(default = "yes", skip_serializing_if = "is_true")]
        block: bool,
        /// `timeout=` in ms.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout_ms: Option<NumOrExpr>,
    },
    /// `local = q.get(block, timeout)`.
    Get {
        /// The queue.
        queue: String,
        /// The local.
        #[serde(rename = "as")]
        as_: String,
        /// `block=`.
        #[serde(default = "yes", skip_serializing_if = "is_true")]
        block: bool,
        /// `timeout=` in ms.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout_ms: Option<NumOrExpr>,
    },
    /// `q.task_done()`.
    TaskDone {
        /// The queue.
        queue: String,
    },
    /// `q.join()`.
    JoinQueue {
        /// The queue.
        queue: String,
    },
    /// `conn.send(item)` on end `end` of a pipe.
    Send {
        /// The pipe.
        pipe: String,
        /// 0 or 1.
        end: u8,
        /// The item.
        item: String,
    },
    /// `local = conn.recv()` on end `end`.
    Recv {
        /// The pipe.
        pipe: String,
        /// 0 or 1.
        end: u8,
        /// The local.
        #[serde(rename = "as")]
        as_: String,
    },
    /// `conn.close()` on end `end`.
    Close {
        /// The pipe.
        pipe: String,
        /// 0 or 1.
        end: u8,
    },
    /// `while True: x = source.get()/recv(); if x == sentinel: break; body`.
    UntilSentinel {
        /// A queue or pipe.
        from: String,
        /// The pipe end to receive on.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        end: Option<u8>,
        /// The local each item goes in.
        #[serde(rename = "as")]
        as_: String,
        /// The sentinel value.
        sentinel: String,
        /// Run for each item that is not the sentinel.
        #[serde(default)]
        body: Vec<OpSpec>,
        /// Run once the sentinel arrives (before leaving the loop).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        on_sentinel: Vec<OpSpec>,
    },
    /// `cond.wait(timeout)`.
    Wait {
        /// The condition.
        cond: String,
        /// `timeout=` in ms.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout_ms: Option<NumOrExpr>,
    },
    /// `cond.notify(n)`.
    Notify {
        /// The condition.
        cond: String,
        /// How many (default 1).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        n: Option<NumOrExpr>,
    },
    /// `cond.notify_all()`.
    NotifyAll {
        /// The condition.
        cond: String,
    },
    /// `event.set()`.
    Set {
        /// The event.
        event: String,
    },
    /// `event.clear()`.
    Clear {
        /// The event.
        event: String,
    },
    /// `flag = event.wait(timeout)`.
    WaitEvent {
        /// The event.
        event: String,
        /// `timeout=` in ms.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout_ms: Option<NumOrExpr>,
        /// Local for the flag.
        #[serde(default, rename = "as", skip_serializing_if = "Option::is_none")]
        as_: Option<String>,
    },
    /// `t.start()` for every thread of a group (by group name template or thread name).
    Start {
        /// The thread or group.
        thread: String,
    },
    /// `t.join()` for every thread of a group.
    Join {
        /// The thread or group.
        thread: String,
        /// `timeout=` in ms.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout_ms: Option<NumOrExpr>,
    },
    /// `local = func(args…)` on this thread.
    Call {
        /// The function.
        func: String,
        /// Argument expressions.
        #[serde(default)]
        args: Vec<String>,
        /// Local for the result.
        #[serde(default, rename = "as", skip_serializing_if = "Option::is_none")]
        as_: Option<String>,
    },
    /// `local = pool.map(func, items)` (or `starmap`, where each item is an argument tuple).
    Map {
        /// The pool.
        pool: String,
        /// The function.
        func: String,
        /// The items (an expression giving a list).
        items: String,
        /// `starmap`.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        star: bool,
        /// Local for the results list.
        #[serde(default, rename = "as", skip_serializing_if = "Option::is_none")]
        as_: Option<String>,
    },
    /// `local = pool.submit(func, *args)` / `apply_async(func, args)`: a future.
    Submit {
        /// The pool.
        pool: String,
        /// The function.
        func: String,
        /// Argument expressions.
        #[serde(default)]
        args: Vec<String>,
        /// Local for the future.
        #[serde(rename = "as")]
        as_: String,
    },
    /// `local = future.result()` / `async_result.get()`.
    Result {
        /// Local holding the future.
        future: String,
        /// Local for the result.
        #[serde(default, rename = "as", skip_serializing_if = "Option::is_none")]
        as_: Option<String>,
    },
    /// `pool.shutdown(wait=True)` / leaving `with Pool(...)`.
    Shutdown {
        /// The pool.
        pool: String,
    },
    /// `print(f"…")`.
    Print {
        /// The template.
        text: String,
    },
    /// `try: body except Types: handler`.
    Try {
        /// The body.
        body: Vec<OpSpec>,
        /// Exception names caught (`queue.Empty`, `Exception`).
        except: Vec<String>,
        /// The handler; the exception's text is in local `e`.
        #[serde(default)]
        handler: Vec<OpSpec>,
        /// Run in every case (`finally`).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        finally: Vec<OpSpec>,
    },
    /// `raise Type(message)`.
    Raise {
        /// The exception type.
        #[serde(rename = "type")]
        ty: String,
        /// The message.
        #[serde(default)]
        message: String,
    },
}

/// What is wrong with a scenario file.
#[derive(Debug, Error, PartialEq)]
pub enum ScenarioError {
    /// Not JSON, or JSON of the wrong shape.
    #[error("{path}: {message} (line {line}, column {column})")]
    Syntax {
        /// Where in the document (`threads[1].program[3]`).
        path: String,
        /// What serde said.
        message: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// Valid JSON that does not make a valid scenario.
    #[error("{path}: {message}")]
    Invalid {
        /// Where.
        path: String,
        /// What.
        message: String,
    },
}

impl ScenarioError {
    /// An `Invalid` error at `path`.
    pub fn at(path: impl Into<String>, message: impl Into<String>) -> Self {
        ScenarioError::Invalid { path: path.into(), message: message.into() }
    }
}

/// Parse (but do not yet check) a scenario file's text.
pub fn parse_scenario(text: &str) -> Result<Scenario, ScenarioError> {
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = inner.to_string();
        let message = message.split(" at line ").next().unwrap_or(&message).to_string();
        ScenarioError::Syntax {
            path: if path == "." { "scenario".into() } else { path },
            message,
            line: inner.line(),
            column: inner.column(),
        }
    })
}

/// Parameter values by name.
pub type Params = BTreeMap<String, Value>;

impl Scenario {
    /// Defaults of every parameter, overridden by `overrides`; an unknown name or a value
    /// outside its range is an error naming the parameter and its range.
    pub fn resolve_params(&self, overrides: &BTreeMap<String, i64>) -> Result<Params, ScenarioError> {
        for name in overrides.keys() {
            if !self.params.iter().any(|p| &p.name == name) {
                let known: Vec<_> = self.params.iter().map(|p| p.name.as_str()).collect();
                return Err(ScenarioError::at(
                    format!("--set {name}"),
                    format!(
                        "no parameter `{name}` in this scenario (it has: {})",
                        if known.is_empty() { "none".to_string() } else { known.join(", ") }
                    ),
                ));
            }
        }
        let mut out = Params::new();
        for p in &self.params {
            let v = overrides.get(&p.name).copied().unwrap_or(p.default);
            if v < p.min || v > p.max {
                return Err(ScenarioError::at(
                    format!("params.{}", p.name),
                    format!("{} = {v} is outside its range {}..={}", p.name, p.min, p.max),
                ));
            }
            out.insert(p.name.clone(), Value::Int(v));
        }
        Ok(out)
    }
}

/// Parse an expression, naming the place on error and checking its `$params` exist.
pub fn parse_expr(src: &str, path: &str, params: &[ParamSpec]) -> Result<Expr, ScenarioError> {
    let e = expr::parse(src).map_err(|m| ScenarioError::at(path, format!("bad expression {src:?}: {m}")))?;
    let mut used = Vec::new();
    e.params(&mut used);
    check_params(&used, path, params)?;
    Ok(e)
}

/// Parse a number-or-expression.
pub fn parse_num(n: &NumOrExpr, path: &str, params: &[ParamSpec]) -> Result<Expr, ScenarioError> {
    parse_expr(&n.source(), path, params)
}

/// Parse a print template.
pub fn parse_template(src: &str, path: &str, params: &[ParamSpec]) -> Result<Template, ScenarioError> {
    let t = expr::parse_template(src).map_err(|m| ScenarioError::at(path, format!("bad template {src:?}: {m}")))?;
    let mut used = Vec::new();
    t.params(&mut used);
    check_params(&used, path, params)?;
    Ok(t)
}

fn check_params(used: &[String], path: &str, params: &[ParamSpec]) -> Result<(), ScenarioError> {
    for u in used {
        if !params.iter().any(|p| &p.name == u) {
            return Err(ScenarioError::at(path, format!("unknown parameter \"${u}\"")));
        }
    }
    Ok(())
}
