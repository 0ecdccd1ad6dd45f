//! Checking a scenario against its parameters and turning it into a runnable [`Plan`]:
//! every name resolved to an index, every expression parsed, every thread laid out.
//! Errors name the place: `threads[1].program[3]: unknown resource "L2"`.

use crate::event::{ResIx, ThreadIx};
use crate::expr::{Expr, ParamEnv, Template, eval};
use crate::rt::{ProcessMeta, RuntimeSettings, ThreadMeta};
use crate::scenario::{
    NumOrExpr, OpSpec, ParamSpec, Params, PoolStyle, ResourceKind, Scenario, ScenarioError, parse_expr, parse_num,
    parse_template,
};
use crate::value::Value;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The most threads (scenario threads, processes and pool workers together) one run may have.
pub const MAX_THREADS: usize = 512;
/// The largest queue `maxsize`, semaphore value or pool size accepted.
pub const MAX_SIZE: i64 = 1_000_000;

/// A resource as the views and summaries see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResourceInfo {
    /// Its name.
    pub name: String,
    /// What it is.
    pub kind: ResourceKind,
    /// Semaphore initial value, queue maxsize (0 = unbounded), pool workers.
    pub capacity: i64,
    /// Pool API, for pools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<PoolStyle>,
    /// Pipe duplex flag, for pipes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplex: Option<bool>,
}

/// A compiled op.
#[derive(Clone, Debug)]
#[expect(
    missing_docs,
    reason = "each variant is the compiled form of the OpSpec variant of the same name, documented there"
)]
pub enum Op {
    Cpu(Expr),
    Io(Expr, bool),
    Acquire { res: ResIx, blocking: bool, timeout: Option<Expr>, as_: Option<String> },
    Release { res: ResIx },
    With { res: ResIx, body: Vec<Op> },
    TryAcquire { res: ResIx, timeout: Option<Expr>, then: Vec<Op>, else_: Vec<Op> },
    Update { var: u32, expr: Expr, call: bool },
    Load { var: u32, as_: String },
    Store { var: u32, expr: Expr },
    Let { name: String, expr: Expr },
    If { cond: Expr, then: Vec<Op>, else_: Vec<Op> },
    While { cond: Expr, body: Vec<Op> },
    Repeat { count: Option<Expr>, var: String, body: Vec<Op> },
    ForEach { items: Expr, var: String, body: Vec<Op> },
    Break,
    Return(Option<Expr>),
    Put { res: ResIx, item: Expr, block: bool, timeout: Option<Expr> },
    Get { res: ResIx, as_: String, block: bool, timeout: Option<Expr> },
    TaskDone { res: ResIx },
    JoinQueue { res: ResIx },
    Send { res: ResIx, end: u8, item: Expr },
    Recv { res: ResIx, end: u8, as_: String },
    Close { res: ResIx, end: u8 },
    UntilSentinel { res: ResIx, end: Option<u8>, as_: String, sentinel: Expr, body: Vec<Op>, on_sentinel: Vec<Op> },
    Wait { res: ResIx, timeout: Option<Expr> },
    Notify { res: ResIx, n: Option<Expr> },
    SetEvent { res: ResIx },
    ClearEvent { res: ResIx },
    WaitEvent { res: ResIx, timeout: Option<Expr>, as_: Option<String> },
    Start { threads: Vec<ThreadIx> },
    Join { threads: Vec<ThreadIx>, timeout: Option<Expr> },
    Call { func: usize, args: Vec<Expr>, as_: Option<String> },
    Map { res: ResIx, func: usize, items: Expr, star: bool, as_: Option<String> },
    Submit { res: ResIx, func: usize, args: Vec<Expr>, as_: String },
    Result { future: String, as_: Option<String> },
    Shutdown { res: ResIx },
    Print(Template),
    Try { body: Vec<Op>, except: Vec<String>, handler: Vec<Op>, finally: Vec<Op> },
    Raise { ty: String, message: String },
}

/// A compiled function.
#[derive(Clone, Debug)]
pub struct Function {
    /// Its name.
    pub name: String,
    /// Parameter names.
    pub params: Vec<String>,
    /// Its body.
    pub body: Vec<Op>,
}

/// What a thread runs.
#[derive(Clone, Debug)]
pub enum Role {
    /// The main thread: its program (or: start every thread), then interpreter shutdown.
    Main(Option<Arc<Vec<Op>>>),
    /// A scenario thread.
    Program(Arc<Vec<Op>>),
    /// A worker of pool `res`.
    PoolWorker(ResIx),
}

/// One thread of the plan.
#[derive(Clone, Debug)]
pub struct ThreadPlan {
    /// What it runs.
    pub role: Role,
    /// Locals it starts with (`thread`, `id`, its args).
    pub locals: Vec<(String, Value)>,
    /// Delay before it starts, in scenario ms.
    pub start_delay_ms: f64,
    /// Started by the main thread automatically (no `main` program in the scenario).
    pub autostart: bool,
}

/// Initial state of a resource.
#[derive(Clone, Debug)]
pub struct ResourceInit {
    /// Queue items to start with.
    pub items: Vec<Value>,
    /// Pool workers' thread indices.
    pub workers: Vec<ThreadIx>,
}

/// A scenario made ready to run with given parameters and settings.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The scenario as written.
    pub scenario: Scenario,
    /// Parameter values used.
    pub params: Params,
    /// Runtime settings used.
    pub settings: RuntimeSettings,
    /// Thread table (index 0 is `MainThread`).
    pub threads: Vec<ThreadMeta>,
    /// What each thread runs.
    pub plans: Vec<ThreadPlan>,
    /// Process table (index 0 is `MainProcess`).
    pub processes: Vec<ProcessMeta>,
    /// Resource table.
    pub resources: Vec<ResourceInfo>,
    /// Initial resource state.
    pub inits: Vec<ResourceInit>,
    /// Shared variable names.
    pub vars: Vec<String>,
    /// Initial variable values.
    pub var_inits: Vec<Value>,
    /// Functions.
    pub functions: Vec<Function>,
}

fn simulated_pid(process: usize) -> u32 {
    // Plausible-looking, stable pids: the seed shows 6324 and 6920.
    6300 + 24 * process as u32
}

struct Cx<'a> {
    sc: &'a Scenario,
    groups: BTreeMap<String, Vec<ThreadIx>>,
    res: BTreeMap<&'a str, (ResIx, ResourceKind)>,
}

fn const_eval(
    src: &NumOrExpr,
    path: &str,
    params: &Params,
    specs: &[ParamSpec],
    locals: &[(&str, Value)],
) -> Result<Value, ScenarioError> {
    let e = parse_num(src, path, specs)?;
    eval(&e, &mut ParamEnv { params, locals }).map_err(|err| ScenarioError::at(path, err.to_string()))
}

fn const_int(
    src: &NumOrExpr,
    path: &str,
    params: &Params,
    specs: &[ParamSpec],
    lo: i64,
    hi: i64,
) -> Result<i64, ScenarioError> {
    let v = const_eval(src, path, params, specs, &[])?;
    let n = match v {
        Value::Float(f) if f.fract() == 0.0 => f as i64,
        other => other
            .as_i64()
            .ok_or_else(|| ScenarioError::at(path, format!("expected a whole number, got {}", other.repr())))?,
    };
    if n < lo || n > hi {
        return Err(ScenarioError::at(path, format!("{n} is outside {lo}..={hi}")));
    }
    Ok(n)
}

impl Cx<'_> {
    fn specs(&self) -> &[ParamSpec] {
        &self.sc.params
    }
    fn expr(&self, src: &str, path: &str) -> Result<Expr, ScenarioError> {
        parse_expr(src, path, self.specs())
    }
    fn num(&self, n: &NumOrExpr, path: &str) -> Result<Expr, ScenarioError> {
        parse_num(n, path, self.specs())
    }
    fn opt_num(&self, n: &Option<NumOrExpr>, path: &str) -> Result<Option<Expr>, ScenarioError> {
        n.as_ref().map(|n| self.num(n, path)).transpose()
    }
    fn res(&self, name: &str, path: &str, want: &[ResourceKind], what: &str) -> Result<ResIx, ScenarioError> {
        let Some(&(ix, kind)) = self.res.get(name) else {
            return Err(ScenarioError::at(path, format!("unknown resource \"{name}\"")));
        };
        if !want.contains(&kind) {
            return Err(ScenarioError::at(path, format!("\"{name}\" is a {}, not {what}", kind.python_name())));
        }
        Ok(ix)
    }
    fn var(&self, name: &str, path: &str) -> Result<u32, ScenarioError> {
        self.sc
            .vars
            .iter()
            .position(|v| v.name == name)
            .map(|i| i as u32)
            .ok_or_else(|| ScenarioError::at(path, format!("unknown variable \"{name}\" (declare it under \"vars\")")))
    }
    fn func(&self, name: &str, path: &str, arity: Option<usize>) -> Result<usize, ScenarioError> {
        let i = self
            .sc
            .functions
            .iter()
            .position(|f| f.name == name)
            .ok_or_else(|| ScenarioError::at(path, format!("unknown function \"{name}\"")))?;
        let want = self.sc.functions[i].params.len();
        if let Some(n) = arity
            && n != want
        {
            return Err(ScenarioError::at(path, format!("{name}() takes {want} argument(s) but {n} were given")));
        }
        Ok(i)
    }
    fn threads(&self, name: &str, path: &str) -> Result<Vec<ThreadIx>, ScenarioError> {
        self.groups.get(name).cloned().ok_or_else(|| {
            ScenarioError::at(
                path,
                format!("unknown thread \"{name}\" (use a thread's name or its group's name template)"),
            )
        })
    }

    fn block(&self, ops: &[OpSpec], path: &str) -> Result<Vec<Op>, ScenarioError> {
        ops.iter().enumerate().map(|(i, op)| self.op(op, &format!("{path}[{i}]"))).collect()
    }

    fn op(&self, op: &OpSpec, p: &str) -> Result<Op, ScenarioError> {
        use ResourceKind as K;
        const ACQ: &[ResourceKind] = &[K::Lock, K::Rlock, K::Semaphore, K::BoundedSemaphore, K::Condition];
        let acq = "something to acquire (a lock, rlock, semaphore or condition)";
        Ok(match op {
            OpSpec::Cpu { ms } => Op::Cpu(self.num(ms, &format!("{p}.ms"))?),
            OpSpec::Io { ms } => Op::Io(self.num(ms, &format!("{p}.ms"))?, false),
            OpSpec::Sleep { ms } => Op::Io(self.num(ms, &format!("{p}.ms"))?, true),
            OpSpec::Acquire { res, blocking, timeout_ms, as_ } => Op::Acquire {
                res: self.res(res, p, ACQ, acq)?,
                blocking: *blocking,
                timeout: self.opt_num(timeout_ms, &format!("{p}.timeout_ms"))?,
                as_: as_.clone(),
            },
            OpSpec::Release { res } => Op::Release { res: self.res(res, p, ACQ, acq)? },
            OpSpec::With { res, body } => {
                Op::With { res: self.res(res, p, ACQ, acq)?, body: self.block(body, &format!("{p}.body"))? }
            }
            OpSpec::TryAcquire { res, timeout_ms, then, else_ } => Op::TryAcquire {
                res: self.res(res, p, ACQ, acq)?,
                timeout: self.opt_num(timeout_ms, &format!("{p}.timeout_ms"))?,
                then: self.block(then, &format!("{p}.then"))?,
                else_: self.block(else_, &format!("{p}.else"))?,
            },
            OpSpec::Incr { var, by, call } => {
                let by = by.as_ref().map_or_else(
                    || "1".to_string(),
                    |b| match b {
                        NumOrExpr::Num(n) => n.to_string(),
                        NumOrExpr::Expr(s) => format!("({s})"),
                    },
                );
                Op::Update {
                    var: self.var(var, p)?,
                    expr: self.expr(&format!("{var} + {by}"), &format!("{p}.by"))?,
                    call: *call,
                }
            }
            OpSpec::Assign { var, expr, call } => {
                Op::Update { var: self.var(var, p)?, expr: self.expr(expr, &format!("{p}.expr"))?, call: *call }
            }
            OpSpec::Load { var, as_ } => Op::Load { var: self.var(var, p)?, as_: as_.clone() },
            OpSpec::Store { var, expr } => {
                Op::Store { var: self.var(var, p)?, expr: self.expr(expr, &format!("{p}.expr"))? }
            }
            OpSpec::Let { name, expr } => Op::Let { name: name.clone(), expr: self.expr(expr, &format!("{p}.expr"))? },
            OpSpec::If { cond, then, else_ } => Op::If {
                cond: self.expr(cond, &format!("{p}.cond"))?,
                then: self.block(then, &format!("{p}.then"))?,
                else_: self.block(else_, &format!("{p}.else"))?,
            },
            OpSpec::While { cond, body } => Op::While {
                cond: self.expr(cond, &format!("{p}.cond"))?,
                body: self.block(body, &format!("{p}.body"))?,
            },
            OpSpec::Repeat { count, var, body } => Op::Repeat {
                count: self.opt_num(count, &format!("{p}.count"))?,
                var: var.clone().unwrap_or_else(|| "i".into()),
                body: self.block(body, &format!("{p}.body"))?,
            },
            OpSpec::ForEach { items, var, body } => Op::ForEach {
                items: self.expr(items, &format!("{p}.items"))?,
                var: var.clone(),
                body: self.block(body, &format!("{p}.body"))?,
            },
            OpSpec::Break => Op::Break,
            OpSpec::Return { expr } => {
                Op::Return(expr.as_ref().map(|e| self.expr(e, &format!("{p}.expr"))).transpose()?)
            }
            OpSpec::Put { queue, item, block, timeout_ms } => Op::Put {
                res: self.res(queue, p, &[K::Queue], "a queue")?,
                item: self.expr(item, &format!("{p}.item"))?,
                block: *block,
                timeout: self.opt_num(timeout_ms, &format!("{p}.timeout_ms"))?,
            },
            OpSpec::Get { queue, as_, block, timeout_ms } => Op::Get {
                res: self.res(queue, p, &[K::Queue], "a queue")?,
                as_: as_.clone(),
                block: *block,
                timeout: self.opt_num(timeout_ms, &format!("{p}.timeout_ms"))?,
            },
            OpSpec::TaskDone { queue } => Op::TaskDone { res: self.res(queue, p, &[K::Queue], "a queue")? },
            OpSpec::JoinQueue { queue } => Op::JoinQueue { res: self.res(queue, p, &[K::Queue], "a queue")? },
            OpSpec::Send { pipe, end, item } => Op::Send {
                res: self.res(pipe, p, &[K::Pipe], "a pipe")?,
                end: self.end(*end, p)?,
                item: self.expr(item, &format!("{p}.item"))?,
            },
            OpSpec::Recv { pipe, end, as_ } => {
                Op::Recv { res: self.res(pipe, p, &[K::Pipe], "a pipe")?, end: self.end(*end, p)?, as_: as_.clone() }
            }
            OpSpec::Close { pipe, end } => {
                Op::Close { res: self.res(pipe, p, &[K::Pipe], "a pipe")?, end: self.end(*end, p)? }
            }
            OpSpec::UntilSentinel { from, end, as_, sentinel, body, on_sentinel } => {
                let res = self.res(from, p, &[K::Queue, K::Pipe], "a queue or a pipe")?;
                let is_pipe = self.res.get(from.as_str()).map(|r| r.1) == Some(K::Pipe);
                let end = match (is_pipe, end) {
                    (true, None) => {
                        return Err(ScenarioError::at(
                            p,
                            format!("receiving from pipe \"{from}\" needs \"end\": 0 or 1"),
                        ));
                    }
                    (true, Some(e)) => Some(self.end(*e, p)?),
                    (false, _) => None,
                };
                Op::UntilSentinel {
                    res,
                    end,
                    as_: as_.clone(),
                    sentinel: self.expr(sentinel, &format!("{p}.sentinel"))?,
                    body: self.block(body, &format!("{p}.body"))?,
                    on_sentinel: self.block(on_sentinel, &format!("{p}.on_sentinel"))?,
                }
            }
            OpSpec::Wait { cond, timeout_ms } => Op::Wait {
                res: self.res(cond, p, &[K::Condition], "a condition")?,
                timeout: self.opt_num(timeout_ms, &format!("{p}.timeout_ms"))?,
            },
            OpSpec::Notify { cond, n } => Op::Notify {
                res: self.res(cond, p, &[K::Condition], "a condition")?,
                n: Some(self.opt_num(n, &format!("{p}.n"))?.unwrap_or(Expr::Lit(Value::Int(1)))),
            },
            OpSpec::NotifyAll { cond } => {
                Op::Notify { res: self.res(cond, p, &[K::Condition], "a condition")?, n: None }
            }
            OpSpec::Set { event } => Op::SetEvent { res: self.res(event, p, &[K::Event], "an event")? },
            OpSpec::Clear { event } => Op::ClearEvent { res: self.res(event, p, &[K::Event], "an event")? },
            OpSpec::WaitEvent { event, timeout_ms, as_ } => Op::WaitEvent {
                res: self.res(event, p, &[K::Event], "an event")?,
                timeout: self.opt_num(timeout_ms, &format!("{p}.timeout_ms"))?,
                as_: as_.clone(),
            },
            OpSpec::Start { thread } => Op::Start { threads: self.threads(thread, p)? },
            OpSpec::Join { thread, timeout_ms } => Op::Join {
                threads: self.threads(thread, p)?,
                timeout: self.opt_num(timeout_ms, &format!("{p}.timeout_ms"))?,
            },
            OpSpec::Call { func, args, as_ } => {
                Op::Call { func: self.func(func, p, Some(args.len()))?, args: self.exprs(args, p)?, as_: as_.clone() }
            }
            OpSpec::Map { pool, func, items, star, as_ } => Op::Map {
                res: self.res(pool, p, &[K::Pool], "a pool")?,
                func: self.func(func, p, (!star).then_some(1))?,
                items: self.expr(items, &format!("{p}.items"))?,
                star: *star,
                as_: as_.clone(),
            },
            OpSpec::Submit { pool, func, args, as_ } => Op::Submit {
                res: self.res(pool, p, &[K::Pool], "a pool")?,
                func: self.func(func, p, Some(args.len()))?,
                args: self.exprs(args, p)?,
                as_: as_.clone(),
            },
            OpSpec::Result { future, as_ } => Op::Result { future: future.clone(), as_: as_.clone() },
            OpSpec::Shutdown { pool } => Op::Shutdown { res: self.res(pool, p, &[K::Pool], "a pool")? },
            OpSpec::Print { text } => Op::Print(parse_template(text, &format!("{p}.text"), self.specs())?),
            OpSpec::Try { body, except, handler, finally } => Op::Try {
                body: self.block(body, &format!("{p}.body"))?,
                except: except.clone(),
                handler: self.block(handler, &format!("{p}.handler"))?,
                finally: self.block(finally, &format!("{p}.finally"))?,
            },
            OpSpec::Raise { ty, message } => Op::Raise { ty: ty.clone(), message: message.clone() },
        })
    }

    fn exprs(&self, args: &[String], p: &str) -> Result<Vec<Expr>, ScenarioError> {
        args.iter().enumerate().map(|(i, a)| self.expr(a, &format!("{p}.args[{i}]"))).collect()
    }

    fn end(&self, end: u8, p: &str) -> Result<u8, ScenarioError> {
        if end > 1 {
            return Err(ScenarioError::at(format!("{p}.end"), format!("a pipe has ends 0 and 1, not {end}")));
        }
        Ok(end)
    }
}

fn check_name(name: &str, path: &str) -> Result<(), ScenarioError> {
    let ok = !name.is_empty()
        && name.chars().all(|c| c.is_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(ScenarioError::at(path, format!("\"{name}\" is not a valid name (letters, digits and _)")))
    }
}

/// Check `sc` with `params` and build its plan.
pub fn compile(sc: &Scenario, params: &Params, settings: RuntimeSettings) -> Result<Plan, ScenarioError> {
    if !(0.0001..=1000.0).contains(&settings.time_scale) {
        return Err(ScenarioError::at(
            "runtime.time_scale",
            format!("{} is outside 0.0001..=1000", settings.time_scale),
        ));
    }
    if !(0.01..=1000.0).contains(&settings.switch_interval_ms) {
        return Err(ScenarioError::at(
            "runtime.switch_interval_ms",
            format!("{} ms is outside 0.01..=1000 ms", settings.switch_interval_ms),
        ));
    }
    let specs = &sc.params;
    for (i, p) in specs.iter().enumerate() {
        check_name(&p.name, &format!("params[{i}].name"))?;
        if p.min > p.max || p.default < p.min || p.default > p.max {
            return Err(ScenarioError::at(
                format!("params[{i}]"),
                format!("needs min <= default <= max, got {} <= {} <= {}", p.min, p.default, p.max),
            ));
        }
        if specs[..i].iter().any(|q| q.name == p.name) {
            return Err(ScenarioError::at(
                format!("params[{i}].name"),
                format!("parameter \"{}\" is declared twice", p.name),
            ));
        }
    }

    // Resources.
    let mut res_map = BTreeMap::new();
    let mut resources = Vec::new();
    for (i, r) in sc.resources.iter().enumerate() {
        let path = format!("resources[{i}]");
        check_name(&r.name, &format!("{path}.name"))?;
        if res_map.insert(r.name.as_str(), (i as ResIx, r.kind)).is_some() {
            return Err(ScenarioError::at(
                format!("{path}.name"),
                format!("resource \"{}\" is declared twice", r.name),
            ));
        }
        let cap = |n: &Option<NumOrExpr>, field: &str, default: i64, lo: i64| -> Result<i64, ScenarioError> {
            match n {
                Some(n) => const_int(n, &format!("{path}.{field}"), params, specs, lo, MAX_SIZE),
                None => Ok(default),
            }
        };
        let capacity = match r.kind {
            ResourceKind::Semaphore | ResourceKind::BoundedSemaphore => {
                let n = cap(&r.value, "value", 1, i64::MIN)?;
                if n < 0 {
                    return Err(ScenarioError::at(
                        format!("{path}.value"),
                        "ValueError: semaphore initial value must be >= 0",
                    ));
                }
                n
            }
            ResourceKind::Queue => cap(&r.maxsize, "maxsize", 0, 0)?,
            ResourceKind::Pool => cap(&r.workers, "workers", 4, 1)?,
            _ => 0,
        };
        resources.push(ResourceInfo {
            name: r.name.clone(),
            kind: r.kind,
            capacity,
            style: (r.kind == ResourceKind::Pool).then(|| r.style.unwrap_or_default()),
            duplex: (r.kind == ResourceKind::Pipe).then(|| r.duplex.unwrap_or(true)),
        });
    }

    // Variables.
    let mut var_inits = Vec::new();
    for (i, v) in sc.vars.iter().enumerate() {
        let path = format!("vars[{i}]");
        check_name(&v.name, &format!("{path}.name"))?;
        if sc.vars[..i].iter().any(|w| w.name == v.name) {
            return Err(ScenarioError::at(
                format!("{path}.name"),
                format!("variable \"{}\" is declared twice", v.name),
            ));
        }
        var_inits.push(const_eval(&NumOrExpr::Expr(v.init.clone()), &format!("{path}.init"), params, specs, &[])?);
    }

    // Threads: main, then scenario threads, then pool workers.
    let mut threads = vec![ThreadMeta { name: "MainThread".into(), process: 0, daemon: false, target: None }];
    let mut processes = vec![ProcessMeta { name: "MainProcess".into(), pid: simulated_pid(0) }];
    let mut plans =
        vec![ThreadPlan { role: Role::Main(None), locals: Vec::new(), start_delay_ms: 0.0, autostart: false }];
    let mut groups: BTreeMap<String, Vec<ThreadIx>> = BTreeMap::new();
    let mut group_specs = Vec::new();
    for (g, spec) in sc.threads.iter().enumerate() {
        let path = format!("threads[{g}]");
        let count = match &spec.count {
            Some(c) => const_int(c, &format!("{path}.count"), params, specs, 0, MAX_THREADS as i64)?,
            None => 1,
        };
        let delay = match &spec.start_delay_ms {
            Some(d) => const_eval(d, &format!("{path}.start_delay_ms"), params, specs, &[])?
                .as_f64()
                .filter(|d| *d >= 0.0)
                .ok_or_else(|| ScenarioError::at(format!("{path}.start_delay_ms"), "must be a number >= 0"))?,
            None => 0.0,
        };
        let name_t = parse_template(&spec.name, &format!("{path}.name"), specs)?;
        let mut members = Vec::new();
        for id in 0..count {
            if threads.len() >= MAX_THREADS {
                return Err(ScenarioError::at(
                    format!("{path}.count"),
                    format!("more than {MAX_THREADS} threads in one run"),
                ));
            }
            let id_local = [("id", Value::Int(id))];
            let name = name_t
                .render(&mut ParamEnv { params, locals: &id_local })
                .map_err(|e| ScenarioError::at(format!("{path}.name"), e.to_string()))?;
            let tid = threads.len() as ThreadIx;
            let process = if spec.process {
                processes.push(ProcessMeta { name: name.clone(), pid: simulated_pid(processes.len()) });
                processes.len() as u32 - 1
            } else {
                0
            };
            let mut locals = vec![("thread".to_string(), Value::Str(name.clone())), ("id".to_string(), Value::Int(id))];
            for (k, src) in &spec.args {
                check_name(k, &format!("{path}.args"))?;
                let v =
                    const_eval(&NumOrExpr::Expr(src.clone()), &format!("{path}.args.{k}"), params, specs, &id_local)?;
                locals.push((k.clone(), v));
            }
            threads.push(ThreadMeta { name: name.clone(), process, daemon: spec.daemon, target: spec.target.clone() });
            plans.push(ThreadPlan {
                role: Role::Main(None),
                locals,
                start_delay_ms: delay,
                autostart: sc.main.is_none(),
            });
            groups.entry(name).or_default().push(tid);
            members.push(tid);
        }
        let group = groups.entry(spec.name.clone()).or_default();
        for m in &members {
            if !group.contains(m) {
                group.push(*m);
            }
        }
        group_specs.push((g, members));
    }
    // Pool workers.
    let mut inits: Vec<ResourceInit> =
        sc.resources.iter().map(|_| ResourceInit { items: Vec::new(), workers: Vec::new() }).collect();
    let mut pool_no = 0;
    for (i, r) in resources.iter().enumerate() {
        if r.kind != ResourceKind::Pool {
            continue;
        }
        let style = r.style.unwrap_or_default();
        for k in 0..r.capacity {
            if threads.len() >= MAX_THREADS {
                return Err(ScenarioError::at(
                    format!("resources[{i}].workers"),
                    format!("more than {MAX_THREADS} threads in one run"),
                ));
            }
            let (name, own_process) = match style {
                PoolStyle::MpPool => (format!("ForkPoolWorker-{}", k + 1), true),
                PoolStyle::ProcessPool => (format!("ForkProcess-{}", k + 1), true),
                PoolStyle::ThreadPool => (format!("ThreadPoolExecutor-{pool_no}_{k}"), false),
            };
            let process = if own_process {
                processes.push(ProcessMeta { name: name.clone(), pid: simulated_pid(processes.len()) });
                processes.len() as u32 - 1
            } else {
                0
            };
            let tid = threads.len() as ThreadIx;
            threads.push(ThreadMeta { name: name.clone(), process, daemon: style == PoolStyle::MpPool, target: None });
            plans.push(ThreadPlan {
                role: Role::PoolWorker(i as ResIx),
                locals: vec![("thread".to_string(), Value::Str(name))],
                start_delay_ms: 0.0,
                autostart: true,
            });
            inits[i].workers.push(tid);
        }
        pool_no += 1;
    }

    let cx = Cx { sc, groups, res: res_map };
    for (i, r) in sc.resources.iter().enumerate() {
        for (k, item) in r.items.iter().enumerate() {
            let path = format!("resources[{i}].items[{k}]");
            let v = const_eval(&NumOrExpr::Expr(item.clone()), &path, params, specs, &[])?;
            inits[i].items.push(v);
        }
        if !r.items.is_empty() && r.kind != ResourceKind::Queue {
            return Err(ScenarioError::at(format!("resources[{i}].items"), "only a queue has initial items"));
        }
    }
    let functions = sc
        .functions
        .iter()
        .enumerate()
        .map(|(i, f)| {
            check_name(&f.name, &format!("functions[{i}].name"))?;
            Ok(Function {
                name: f.name.clone(),
                params: f.params.clone(),
                body: cx.block(&f.body, &format!("functions[{i}].body"))?,
            })
        })
        .collect::<Result<Vec<_>, ScenarioError>>()?;
    for (g, members) in group_specs {
        let prog = Arc::new(cx.block(&sc.threads[g].program, &format!("threads[{g}].program"))?);
        for tid in members {
            plans[tid as usize].role = Role::Program(Arc::clone(&prog));
        }
    }
    let main = sc.main.as_ref().map(|m| cx.block(m, "main")).transpose()?.map(Arc::new);
    plans[0].role = Role::Main(main);

    Ok(Plan {
        scenario: sc.clone(),
        params: params.clone(),
        settings,
        threads,
        plans,
        processes,
        resources,
        inits,
        vars: sc.vars.iter().map(|v| v.name.clone()).collect(),
        var_inits,
        functions,
    })
}
