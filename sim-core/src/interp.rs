//! Running a [`Plan`]: the world of resources and variables, the interpreter that executes
//! each thread's ops on the instrumented primitives, pools, and the [`Run`] handle that
//! starts, pauses, stops and joins everything.

use crate::channels::{Pipe, Queue};
use crate::compile::{Function, Op, Plan, Role};
use crate::event::{Event, EventKind, ResIx, ThreadIx};
use crate::expr::{Env, Expr, eval};
use crate::pool::{FUTURE_TAG, Pool, PoolState};
use crate::pyerror::PyError;
use crate::recorder::Recorder;
use crate::rt::{Ctx, GilMode, Shared, ThreadBody, Unwind, Waitable};
use crate::scenario::ResourceKind;
use crate::sync::{Acquire, Condition, Event as PyEvent, Lock, RLock, Semaphore};
use crate::trace::Trace;
use crate::value::Value;
use crate::watchdog::Watchdog;
use crossbeam_channel::Sender;
use parking_lot::{Condvar, Mutex};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A live resource.
enum Res {
    Lock(Arc<Lock>),
    RLock(Arc<RLock>),
    Sem(Arc<Semaphore>),
    Cond(Arc<Condition>),
    Event(Arc<PyEvent>),
    Queue(Arc<Queue>),
    Pipe(Arc<Pipe>),
    Pool(Arc<Pool>),
}

struct VarCell {
    value: Value,
    race_free: Value,
}

/// Everything the threads of one run share besides the runtime.
struct World {
    plan: Arc<Plan>,
    res: Vec<Res>,
    /// `vars[process][var]`: each process has its own copy.
    vars: Vec<Vec<Mutex<VarCell>>>,
}

fn mismatch(what: &str) -> Unwind {
    Unwind::Raise(PyError::new("SystemError", format!("simulator bug: resource is not {what}")))
}

impl World {
    fn acquirable(&self, r: ResIx) -> Result<&dyn Acquire, Unwind> {
        Ok(match &self.res[r as usize] {
            Res::Lock(l) => l.as_ref(),
            Res::RLock(l) => l.as_ref(),
            Res::Sem(s) => s.as_ref(),
            Res::Cond(c) => c.as_ref(),
            _ => return Err(mismatch("acquirable")),
        })
    }
    fn cond(&self, r: ResIx) -> Result<&Condition, Unwind> {
        match &self.res[r as usize] {
            Res::Cond(c) => Ok(c),
            _ => Err(mismatch("a condition")),
        }
    }
    fn event(&self, r: ResIx) -> Result<&PyEvent, Unwind> {
        match &self.res[r as usize] {
            Res::Event(e) => Ok(e),
            _ => Err(mismatch("an event")),
        }
    }
    fn queue(&self, r: ResIx) -> Result<&Queue, Unwind> {
        match &self.res[r as usize] {
            Res::Queue(q) => Ok(q),
            _ => Err(mismatch("a queue")),
        }
    }
    fn pipe(&self, r: ResIx) -> Result<&Pipe, Unwind> {
        match &self.res[r as usize] {
            Res::Pipe(p) => Ok(p),
            _ => Err(mismatch("a pipe")),
        }
    }
    fn pool(&self, r: ResIx) -> Result<&Arc<Pool>, Unwind> {
        match &self.res[r as usize] {
            Res::Pool(p) => Ok(p),
            _ => Err(mismatch("a pool")),
        }
    }
}

// ------------------------------------------------------------------ the interpreter

struct Interp<'a> {
    ctx: &'a Ctx,
    world: &'a Arc<World>,
    frames: Vec<BTreeMap<String, Value>>,
    /// A shared variable's loaded value, seen instead of the variable while an update
    /// computes its new value.
    overlay: Option<(String, Value)>,
}

impl Env for Interp<'_> {
    fn name(&mut self, name: &str) -> Result<Value, PyError> {
        if let Some((n, v)) = &self.overlay
            && n == name
        {
            return Ok(v.clone());
        }
        if let Some(v) = self.frames.last().and_then(|f| f.get(name)) {
            return Ok(v.clone());
        }
        if let Some(ix) = self.world.plan.vars.iter().position(|v| v == name) {
            return Ok(self.world.vars[self.ctx.process as usize][ix].lock().value.clone());
        }
        match name {
            "pid" => Ok(Value::Int(i64::from(self.world.plan.processes[self.ctx.process as usize].pid))),
            "process" => Ok(Value::Str(self.world.plan.processes[self.ctx.process as usize].name.clone())),
            _ => Err(PyError::name_error(name)),
        }
    }
    fn param(&self, name: &str) -> Option<Value> {
        self.world.plan.params.get(name).cloned()
    }
    fn now_s(&self) -> f64 {
        self.ctx.shared.rec.now_ns() as f64 / 1e9 / self.ctx.shared.settings.time_scale
    }
}

fn thread_body(world: Arc<World>, tid: ThreadIx) -> ThreadBody {
    Box::new(move |ctx: &Ctx| {
        let plan = &world.plan.plans[tid as usize];
        let mut it = Interp { ctx, world: &world, frames: vec![plan.locals.iter().cloned().collect()], overlay: None };
        match &plan.role {
            Role::Main(program) => it.run_main(program.as_deref()),
            Role::Program(program) => it.block(program),
            Role::PoolWorker(pool) => it.pool_worker(*pool),
        }
    })
}

impl Interp<'_> {
    fn set(&mut self, name: &str, v: Value) {
        if let Some(f) = self.frames.last_mut() {
            f.insert(name.to_string(), v);
        }
    }

    fn eval(&mut self, e: &Expr) -> Result<Value, Unwind> {
        Ok(eval(e, self)?)
    }

    fn ms(&mut self, e: &Expr) -> Result<f64, Unwind> {
        let v = self.eval(e)?;
        v.as_f64().filter(|ms| *ms >= 0.0 && ms.is_finite()).ok_or_else(|| {
            PyError::new("ValueError", format!("a duration must be a number of ms >= 0, got {}", v.repr())).into()
        })
    }

    fn opt_ms(&mut self, e: &Option<Expr>) -> Result<Option<f64>, Unwind> {
        e.as_ref().map(|e| self.ms(e)).transpose()
    }

    fn int(&mut self, e: &Expr) -> Result<i64, Unwind> {
        let v = self.eval(e)?;
        v.as_i64().ok_or_else(|| {
            PyError::type_error(format!("'{}' object cannot be interpreted as an integer", v.type_name())).into()
        })
    }

    fn block(&mut self, ops: &[Op]) -> Result<(), Unwind> {
        for op in ops {
            self.ctx.eval_breaker()?;
            self.op(op)?;
        }
        Ok(())
    }

    fn start(&mut self, tid: ThreadIx) -> Result<(), Unwind> {
        let delay = self.ctx.scaled(self.world.plan.plans[tid as usize].start_delay_ms);
        self.ctx.record(EventKind::StartThread { target: tid });
        match self.ctx.shared.start_thread(tid, delay, thread_body(Arc::clone(self.world), tid)) {
            Ok(true) => Ok(()),
            Ok(false) => Err(PyError::new("RuntimeError", "threads can only be started once").into()),
            Err(e) => Err(e.into()),
        }
    }

    fn run_main(&mut self, program: Option<&Vec<Op>>) -> Result<(), Unwind> {
        let result = match program {
            Some(p) => self.block(p),
            None => {
                let auto: Vec<ThreadIx> = (1..self.world.plan.plans.len())
                    .filter(|&t| {
                        let p = &self.world.plan.plans[t];
                        p.autostart && matches!(p.role, Role::Program(_))
                    })
                    .map(|t| t as ThreadIx)
                    .collect();
                auto.into_iter().try_for_each(|t| self.start(t))
            }
        };
        if matches!(result, Err(Unwind::Stopped | Unwind::Killed)) {
            return result;
        }
        // Leaving the program: pools still open are shut down (as leaving `with Pool(...)`),
        // then Python waits for non-daemon threads and kills daemon ones.
        let pools: Vec<Arc<Pool>> = self
            .world
            .res
            .iter()
            .filter_map(|r| if let Res::Pool(p) = r { Some(Arc::clone(p)) } else { None })
            .collect();
        for p in pools {
            p.shutdown(self.ctx)?;
        }
        self.ctx.shutdown()?;
        result
    }

    fn pool_worker(&mut self, pool_ix: ResIx) -> Result<(), Unwind> {
        let pool = Arc::clone(self.world.pool(pool_ix)?);
        loop {
            let item = pool.tasks.get(self.ctx, true, None)?;
            let Value::Tuple(t) = item else { return Ok(()) };
            let (Some(task), Some(func), Some(Value::Tuple(args))) =
                (t.tuple.first().and_then(Value::as_i64), t.tuple.get(1).and_then(Value::as_i64), t.tuple.get(2))
            else {
                return Err(PyError::new("SystemError", "bad task").into());
            };
            let task = task as u32;
            self.ctx.record(EventKind::TaskStarted { res: pool_ix, task });
            let result = match self.call(func as usize, args.tuple.clone()) {
                Ok(v) => Ok(v),
                Err(Unwind::Raise(e)) => Err(e),
                Err(other) => return Err(other),
            };
            pool.finish(self.ctx, task, result);
        }
    }

    fn call(&mut self, func: usize, args: Vec<Value>) -> Result<Value, Unwind> {
        let world = self.world;
        let f: &Function = &world.plan.functions[func];
        if args.len() != f.params.len() {
            return Err(PyError::type_error(format!(
                "{}() takes {} positional argument(s) but {} were given",
                f.name,
                f.params.len(),
                args.len()
            ))
            .into());
        }
        const MAX_DEPTH: usize = 200;
        if self.frames.len() > MAX_DEPTH {
            return Err(PyError::new("RecursionError", "maximum recursion depth exceeded").into());
        }
        let mut frame: BTreeMap<String, Value> = self.frames[0]
            .iter()
            .filter(|(k, _)| *k == "thread" || *k == "id")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        frame.extend(f.params.iter().cloned().zip(args));
        self.frames.push(frame);
        let r = self.block(&f.body);
        self.frames.pop();
        match r {
            Ok(()) => Ok(Value::None),
            Err(Unwind::Return(v)) => Ok(v),
            Err(Unwind::Break) => Err(PyError::new("SyntaxError", "'break' outside loop").into()),
            Err(e) => Err(e),
        }
    }

    fn update(&mut self, var: u32, expr: &Expr, call: bool) -> Result<(), Unwind> {
        let world = self.world;
        let cell = &world.vars[self.ctx.process as usize][var as usize];
        let name = world.plan.vars[var as usize].clone();
        // LOAD
        let loaded = cell.lock().value.clone();
        // Between LOAD and STORE: an eval-breaker point only where the interpreter has one.
        let breaker_inside = match self.ctx.gil_mode() {
            GilMode::Cpython39 => true,
            GilMode::Cpython310 | GilMode::FreeThreaded => call,
        };
        if breaker_inside {
            crate::rt::spin(crate::rt::BYTECODE_WINDOW_ITERS);
            self.ctx.eval_breaker()?;
        }
        self.overlay = Some((name.clone(), loaded));
        let new = self.eval(expr);
        self.overlay = None;
        let new = new?;
        // STORE (and the race-free shadow, updated atomically with the same expression).
        let mut c = cell.lock();
        self.overlay = Some((name, c.race_free.clone()));
        let shadow = self.eval(expr);
        self.overlay = None;
        c.value = new.clone();
        c.race_free = shadow?;
        self.ctx.record(EventKind::VarWrite { var, value: new, race_free: c.race_free.clone() });
        Ok(())
    }

    fn op(&mut self, op: &Op) -> Result<(), Unwind> {
        let world = self.world;
        let ctx = self.ctx;
        match op {
            Op::Cpu(ms) => {
                let ms = self.ms(ms)?;
                ctx.cpu(ms)?;
            }
            Op::Io(ms, sleep) => {
                let ms = self.ms(ms)?;
                ctx.sleep(ms, *sleep)?;
            }
            Op::Acquire { res, blocking, timeout, as_ } => {
                let t = self.opt_ms(timeout)?;
                let ok = world.acquirable(*res)?.acquire(ctx, *blocking, t)?;
                if let Some(name) = as_ {
                    self.set(name, Value::Bool(ok));
                }
            }
            Op::Release { res } => world.acquirable(*res)?.release(ctx)?,
            Op::With { res, body } => {
                let r = world.acquirable(*res)?;
                r.acquire(ctx, true, None)?;
                let out = self.block(body);
                if matches!(out, Err(Unwind::Stopped | Unwind::Killed)) {
                    return out;
                }
                r.release(ctx)?;
                out?;
            }
            Op::TryAcquire { res, timeout, then, else_ } => {
                let t = self.opt_ms(timeout)?;
                let r = world.acquirable(*res)?;
                if r.acquire(ctx, t.is_some(), t)? {
                    let out = self.block(then);
                    if matches!(out, Err(Unwind::Stopped | Unwind::Killed)) {
                        return out;
                    }
                    r.release(ctx)?;
                    out?;
                } else {
                    self.block(else_)?;
                }
            }
            Op::Update { var, expr, call } => self.update(*var, expr, *call)?,
            Op::Load { var, as_ } => {
                let v = world.vars[ctx.process as usize][*var as usize].lock().value.clone();
                ctx.record(EventKind::VarRead { var: *var, value: v.clone() });
                self.set(as_, v);
            }
            Op::Store { var, expr } => {
                let v = self.eval(expr)?;
                let mut c = world.vars[ctx.process as usize][*var as usize].lock();
                c.value = v.clone();
                c.race_free = v.clone();
                ctx.record(EventKind::VarWrite { var: *var, value: v.clone(), race_free: v });
            }
            Op::Let { name, expr } => {
                let v = self.eval(expr)?;
                self.set(name, v);
            }
            Op::If { cond, then, else_ } => {
                if self.eval(cond)?.truthy() {
                    self.block(then)?;
                } else {
                    self.block(else_)?;
                }
            }
            Op::While { cond, body } => {
                while self.eval(cond)?.truthy() {
                    match self.block(body) {
                        Err(Unwind::Break) => break,
                        other => other?,
                    }
                    ctx.eval_breaker()?;
                }
            }
            Op::Repeat { count, var, body } => {
                let n = count.as_ref().map(|c| self.int(c)).transpose()?;
                let mut i: i64 = 0;
                while n.is_none_or(|n| i < n) {
                    self.set(var, Value::Int(i));
                    match self.block(body) {
                        Err(Unwind::Break) => break,
                        other => other?,
                    }
                    ctx.eval_breaker()?;
                    i += 1;
                }
            }
            Op::ForEach { items, var, body } => {
                let items = match self.eval(items)? {
                    Value::List(l) => l,
                    Value::Tuple(t) => t.tuple,
                    other => {
                        return Err(
                            PyError::type_error(format!("'{}' object is not iterable", other.type_name())).into()
                        );
                    }
                };
                for v in items {
                    self.set(var, v);
                    match self.block(body) {
                        Err(Unwind::Break) => break,
                        other => other?,
                    }
                }
            }
            Op::Break => return Err(Unwind::Break),
            Op::Return(e) => {
                let v = match e {
                    Some(e) => self.eval(e)?,
                    None => Value::None,
                };
                return Err(Unwind::Return(v));
            }
            Op::Put { res, item, block, timeout } => {
                let item = self.eval(item)?;
                let t = self.opt_ms(timeout)?;
                world.queue(*res)?.put(ctx, item, *block, t)?;
            }
            Op::Get { res, as_, block, timeout } => {
                let t = self.opt_ms(timeout)?;
                let v = world.queue(*res)?.get(ctx, *block, t)?;
                self.set(as_, v);
            }
            Op::TaskDone { res } => world.queue(*res)?.task_done(ctx)?,
            Op::JoinQueue { res } => world.queue(*res)?.join(ctx)?,
            Op::Send { res, end, item } => {
                let item = self.eval(item)?;
                world.pipe(*res)?.send(ctx, *end, item)?;
            }
            Op::Recv { res, end, as_ } => {
                let v = world.pipe(*res)?.recv(ctx, *end)?;
                self.set(as_, v);
            }
            Op::Close { res, end } => world.pipe(*res)?.close(ctx, *end)?,
            Op::UntilSentinel { res, end, as_, sentinel, body, on_sentinel } => {
                let sentinel = self.eval(sentinel)?;
                loop {
                    let v = match end {
                        Some(e) => world.pipe(*res)?.recv(ctx, *e)?,
                        None => world.queue(*res)?.get(ctx, true, None)?,
                    };
                    self.set(as_, v.clone());
                    if v == sentinel {
                        self.block(on_sentinel)?;
                        break;
                    }
                    match self.block(body) {
                        Err(Unwind::Break) => break,
                        other => other?,
                    }
                    ctx.eval_breaker()?;
                }
            }
            Op::Wait { res, timeout } => {
                let t = self.opt_ms(timeout)?;
                world.cond(*res)?.wait(ctx, t)?;
            }
            Op::Notify { res, n } => {
                let n = n.as_ref().map(|n| self.int(n)).transpose()?.map(|n| n.clamp(0, i64::from(u32::MAX)) as u32);
                world.cond(*res)?.notify(ctx, n)?;
            }
            Op::SetEvent { res } => world.event(*res)?.set(ctx),
            Op::ClearEvent { res } => world.event(*res)?.clear(ctx),
            Op::WaitEvent { res, timeout, as_ } => {
                let t = self.opt_ms(timeout)?;
                let flag = world.event(*res)?.wait(ctx, t)?;
                if let Some(name) = as_ {
                    self.set(name, Value::Bool(flag));
                }
            }
            Op::Start { threads } => {
                for &t in threads {
                    self.start(t)?;
                }
            }
            Op::Join { threads, timeout } => {
                let t = self.opt_ms(timeout)?;
                for &tid in threads {
                    ctx.join_thread(tid, t)?;
                }
            }
            Op::Call { func, args, as_ } => {
                let args = args.iter().map(|a| self.eval(a)).collect::<Result<Vec<_>, _>>()?;
                let v = self.call(*func, args)?;
                if let Some(name) = as_ {
                    self.set(name, v);
                }
            }
            Op::Map { res, func, items, star, as_ } => {
                let pool = Arc::clone(world.pool(*res)?);
                let items = match self.eval(items)? {
                    Value::List(l) => l,
                    Value::Tuple(t) => t.tuple,
                    other => {
                        return Err(
                            PyError::type_error(format!("'{}' object is not iterable", other.type_name())).into()
                        );
                    }
                };
                let name = world.plan.functions[*func].name.clone();
                let mut tasks = Vec::new();
                for item in items {
                    let args = if *star {
                        match item {
                            Value::Tuple(t) => t.tuple,
                            Value::List(l) => l,
                            other => vec![other],
                        }
                    } else {
                        vec![item]
                    };
                    tasks.push(pool.submit(ctx, *func, &name, args)?);
                }
                let mut results = Vec::new();
                for t in tasks {
                    results.push(pool.result(ctx, t)?);
                }
                if let Some(n) = as_ {
                    self.set(n, Value::List(results));
                }
            }
            Op::Submit { res, func, args, as_ } => {
                let pool = Arc::clone(world.pool(*res)?);
                let args = args.iter().map(|a| self.eval(a)).collect::<Result<Vec<_>, _>>()?;
                let name = world.plan.functions[*func].name.clone();
                let task = pool.submit(ctx, *func, &name, args)?;
                let fut = Value::tuple(vec![
                    Value::Str(FUTURE_TAG.into()),
                    Value::Int(i64::from(*res)),
                    Value::Int(i64::from(task)),
                ]);
                self.set(as_, fut);
            }
            Op::Result { future, as_ } => {
                let f = self.name(future)?;
                let (pool, task) = match &f {
                    Value::Tuple(t) if t.tuple.first() == Some(&Value::Str(FUTURE_TAG.into())) => {
                        (t.tuple[1].as_i64().unwrap_or(0) as ResIx, t.tuple[2].as_i64().unwrap_or(0) as u32)
                    }
                    other => {
                        return Err(PyError::new(
                            "AttributeError",
                            format!("'{}' object has no attribute 'result'", other.type_name()),
                        )
                        .into());
                    }
                };
                let pool = Arc::clone(world.pool(pool)?);
                let v = pool.result(ctx, task)?;
                if let Some(n) = as_ {
                    self.set(n, v);
                }
            }
            Op::Shutdown { res } => {
                let pool = Arc::clone(world.pool(*res)?);
                pool.shutdown(ctx)?;
            }
            Op::Print(t) => {
                let line = t.render(self)?;
                ctx.record(EventKind::Print { line, stderr: false });
            }
            Op::Try { body, except, handler, finally } => {
                let mut out = self.block(body);
                if let Err(Unwind::Raise(e)) = &out
                    && except.iter().any(|c| e.matches(c))
                {
                    let e = e.clone();
                    ctx.record(EventKind::Error { error: e.clone() });
                    self.set("e", Value::Str(e.to_string()));
                    out = self.block(handler);
                }
                if matches!(out, Err(Unwind::Stopped | Unwind::Killed)) {
                    return out;
                }
                self.block(finally)?;
                out?;
            }
            Op::Raise { ty, message } => return Err(PyError::new(ty.clone(), message.clone()).into()),
        }
        Ok(())
    }
}

// ------------------------------------------------------------------ a run

/// A running scenario. Dropping it stops and joins every thread.
pub struct Run {
    shared: Arc<Shared>,
    plan: Arc<Plan>,
    watchdog: Option<Watchdog>,
    started: Instant,
}

fn build_world(plan: &Arc<Plan>, shared: &Arc<Shared>) -> Result<Arc<World>, PyError> {
    let mut res = Vec::new();
    for (i, r) in plan.resources.iter().enumerate() {
        let id = i as ResIx;
        let (live, waitable): (Res, Arc<dyn Waitable>) = match r.kind {
            ResourceKind::Lock => {
                let l = Arc::new(Lock::new(id));
                (Res::Lock(l.clone()), l)
            }
            ResourceKind::Rlock => {
                let l = Arc::new(RLock::new(id));
                (Res::RLock(l.clone()), l)
            }
            ResourceKind::Semaphore | ResourceKind::BoundedSemaphore => {
                let s = Arc::new(Semaphore::new(id, r.capacity, r.kind == ResourceKind::BoundedSemaphore)?);
                (Res::Sem(s.clone()), s)
            }
            ResourceKind::Condition => {
                let c = Arc::new(Condition::new(id));
                (Res::Cond(c.clone()), c)
            }
            ResourceKind::Event => {
                let e = Arc::new(PyEvent::new(id));
                (Res::Event(e.clone()), e)
            }
            ResourceKind::Queue => {
                let q = Arc::new(Queue::new(id, r.capacity as usize));
                (Res::Queue(q.clone()), q)
            }
            ResourceKind::Pipe => {
                let p = Arc::new(Pipe::new(id, r.duplex.unwrap_or(true)));
                (Res::Pipe(p.clone()), p)
            }
            ResourceKind::Pool => {
                let p = Arc::new(Pool {
                    id,
                    tasks: Queue::new(id, 0),
                    workers: plan.inits[i].workers.clone(),
                    st: Mutex::new(PoolState::default()),
                    cv: Condvar::new(),
                });
                (Res::Pool(p.clone()), p)
            }
        };
        shared.register(waitable);
        res.push(live);
    }
    let vars = plan
        .processes
        .iter()
        .map(|_| {
            plan.var_inits.iter().map(|v| Mutex::new(VarCell { value: v.clone(), race_free: v.clone() })).collect()
        })
        .collect();
    Ok(Arc::new(World { plan: Arc::clone(plan), res, vars }))
}

impl Run {
    /// Start running `plan`; events also go to `live` as they happen.
    pub fn start(plan: Plan, live: Option<Sender<Event>>) -> Result<Run, PyError> {
        let plan = Arc::new(plan);
        let shared =
            Shared::new(plan.settings.clone(), plan.threads.clone(), plan.processes.clone(), Recorder::new(live));
        let world = build_world(&plan, &shared)?;
        // Initial queue items are there before any thread runs.
        {
            let main = shared.ctx(0);
            for (i, init) in plan.inits.iter().enumerate() {
                for item in &init.items {
                    if let Res::Queue(q) = &world.res[i] {
                        q.put(&main, item.clone(), false, None).map_err(|_| PyError::queue_full())?;
                    }
                }
            }
        }
        let run = Run {
            shared: Arc::clone(&shared),
            plan: Arc::clone(&plan),
            watchdog: Some(Watchdog::start(Arc::clone(&shared))),
            started: Instant::now(),
        };
        for (t, p) in plan.plans.iter().enumerate() {
            if matches!(p.role, Role::PoolWorker(_)) {
                shared.start_thread(t as ThreadIx, Duration::ZERO, thread_body(Arc::clone(&world), t as ThreadIx))?;
            }
        }
        shared.start_thread(0, Duration::ZERO, thread_body(Arc::clone(&world), 0))?;
        Ok(run)
    }

    /// The runtime (for pausing, stopping, reading events so far).
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// The plan being run.
    pub fn plan(&self) -> &Arc<Plan> {
        &self.plan
    }

    /// Ask every thread to stop; returns at once.
    pub fn stop(&self) {
        self.shared.request_stop();
    }

    /// Pause or resume at op boundaries.
    pub fn set_paused(&self, paused: bool) {
        self.shared.set_paused(paused);
    }

    /// While paused, let every thread run one op.
    pub fn step(&self) {
        self.shared.step();
    }

    /// True once every thread of the run has ended.
    pub fn is_finished(&self) -> bool {
        self.shared.life().iter().all(|l| *l != crate::rt::Life::Alive)
    }

    /// Wait for the run to end (stopping it after `limit` of wall time), join every
    /// thread and return the trace.
    pub fn finish(mut self, limit: Option<Duration>) -> Trace {
        while !self.is_finished() {
            if limit.is_some_and(|l| self.started.elapsed() > l) {
                self.stop();
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        self.shared.join_all();
        if let Some(w) = self.watchdog.take() {
            w.finish();
        }
        Trace::from_run(&self.plan, self.shared.rec.take_events())
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        if let Some(w) = self.watchdog.take() {
            self.shared.request_stop();
            self.shared.join_all();
            w.finish();
        }
    }
}

/// Run `plan` to its end (at most `limit` of wall time) and return its trace.
pub fn run_plan(plan: Plan, limit: Option<Duration>) -> Result<Trace, PyError> {
    Ok(Run::start(plan, None)?.finish(limit))
}
