//! A run of a Python program: the main thread runs the module on a real OS thread, every
//! thread it starts is another; Stop, Pause and Step reach them all; dropping the run
//! joins every thread. The finished run becomes a [`Trace`] carrying the source.

use super::value::{ClassKind, Inst, InstNative, V};
use super::{Program, World};
use crossbeam_channel::Sender;
use indexmap::IndexMap;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};
use threadline_model::event::Event;
use threadline_model::model::ScenarioInfo;
use threadline_model::model::{ProcessMeta, RuntimeSettings, ThreadMeta};
use threadline_model::packed::PackedTrace;
use threadline_model::trace::{Machine, SourceFile, TRACE_FORMAT, TRACE_VERSION, Trace};
use threadline_model::value::Value;
use threadline_runtime::control::{Control, ControlReport, Strategy};
use threadline_runtime::footprint::Mutex;
use threadline_runtime::recorder::Recorder;
use threadline_runtime::rt::Shared;
use threadline_runtime::watchdog::Watchdog;

/// A finished run's module variables that hold plain values (numbers, strings, `None`,
/// containers of them, objects whose attributes are such values), in the order the module
/// defines them.
#[derive(Clone, Debug, Default)]
pub struct Finals {
    /// `(name, repr)`, for people.
    pub literals: Vec<(String, String)>,
    /// `(name, value)`, for a check to evaluate on.
    pub values: Vec<(String, V)>,
}

/// How a controlled run is set up before its first turn.
#[derive(Clone, Copy, Debug)]
pub struct ControlSetup {
    /// `x += 1` on shared variables split into load, add and store.
    pub split: bool,
    /// Stop after this many turns (None: no limit).
    pub turn_limit: Option<u64>,
    /// Idle passes of `while` loops wait instead of being searched (on by default).
    pub spin_reduction: bool,
    /// Each turn's footprint is gathered and shown to the strategy (partial-order
    /// reduction; off by default).
    pub footprints: bool,
}

impl Default for ControlSetup {
    fn default() -> Self {
        ControlSetup { split: false, turn_limit: None, spin_reduction: true, footprints: false }
    }
}

/// A running Python program. Dropping it stops and joins every thread.
pub struct PyRun {
    shared: Arc<Shared>,
    world: Arc<World>,
    watchdog: Option<Watchdog>,
    control: Option<Arc<Control>>,
    finished: bool,
    started: Instant,
    settings: RuntimeSettings,
    seed: u64,
}

impl PyRun {
    /// Start `prog`; events also go to `live` as they happen.
    pub fn start(prog: Arc<Program>, settings: RuntimeSettings, seed: u64, live: Option<Sender<Event>>) -> PyRun {
        Self::start_with(prog, settings, seed, live, None, None)
    }

    /// Start `prog` in controlled mode: one thread at a time, in virtual time, `strategy`
    /// choosing who runs at every choice point ([`threadline_runtime::control`]). With `split`, `x += 1`
    /// on shared variables is split into load, add and store ([`Control::set_split_updates`]).
    pub fn start_controlled(
        prog: Arc<Program>,
        settings: RuntimeSettings,
        live: Option<Sender<Event>>,
        strategy: Box<dyn Strategy>,
        split: bool,
    ) -> PyRun {
        Self::start_with(
            prog,
            settings,
            0,
            live,
            Some((strategy, ControlSetup { split, ..ControlSetup::default() })),
            None,
        )
    }

    /// [`Self::start_controlled`] set up before its first turn (turn limit, spin-loop
    /// reduction), on `pool`'s OS threads when given (a search's, reused run after run).
    pub fn start_controlled_with(
        prog: Arc<Program>,
        settings: RuntimeSettings,
        strategy: Box<dyn Strategy>,
        setup: ControlSetup,
        pool: Option<Arc<threadline_runtime::pool::Pool>>,
    ) -> PyRun {
        Self::start_with(prog, settings, 0, None, Some((strategy, setup)), pool)
    }

    fn start_with(
        prog: Arc<Program>,
        settings: RuntimeSettings,
        seed: u64,
        live: Option<Sender<Event>>,
        strategy: Option<(Box<dyn Strategy>, ControlSetup)>,
        pool: Option<Arc<threadline_runtime::pool::Pool>>,
    ) -> PyRun {
        let main = ThreadMeta { name: "MainThread".into(), process: 0, daemon: false, target: None };
        // A controlled run's `time.time()` starts at a fixed epoch (2023-11-14T22:13:20Z).
        let world = if strategy.is_some() { World::new_at(prog, seed, 1.7e9) } else { World::new(prog, seed) };
        let rec = Recorder::with_limit(live, settings.max_events);
        let (rec, control) = match strategy {
            None => (rec, None),
            Some((s, setup)) => {
                let clock = Arc::new(AtomicU64::new(0));
                let c = Control::new(s, Arc::clone(&clock));
                c.set_split_updates(setup.split);
                c.set_spin_reduction(setup.spin_reduction);
                c.set_footprints(setup.footprints);
                if let Some(t) = setup.turn_limit {
                    c.set_turn_limit(t);
                }
                (rec.with_virtual_clock(clock), Some(Arc::new(c)))
            }
        };
        let shared = Shared::new(
            settings.clone(),
            vec![main],
            vec![ProcessMeta { name: "MainProcess".into(), pid: world.pid_of(0) }],
            rec,
        );
        if let Some(c) = &control {
            shared.set_control(Arc::clone(c));
        }
        if let Some(p) = pool {
            shared.set_pool(p);
        }
        *world.shared_ref.lock() = Some(Arc::downgrade(&shared));
        let main_obj = V::Inst(Arc::new(Inst {
            class: super::stdlib::thread_class(),
            dict: Mutex::new(IndexMap::default()),
            native: Mutex::new(InstNative::Thread(Arc::new(super::stdlib::ThreadObj::main()))),
            hrep: Default::default(),
        }));
        debug_assert!(matches!(&main_obj, V::Inst(i) if i.class.native_kind() == ClassKind::Thread));
        world.set_main_thread(main_obj);
        let run = PyRun {
            shared: Arc::clone(&shared),
            world: Arc::clone(&world),
            // A controlled run finds deadlocks itself, exactly.
            watchdog: control.is_none().then(|| Watchdog::start(Arc::clone(&shared))),
            control,
            finished: false,
            started: Instant::now(),
            settings,
            seed,
        };
        if let Err(e) = shared.start_thread(0, Duration::ZERO, world.main_body()) {
            // Could not even start the main thread: the run ends at once with that error.
            let ctx = shared.ctx(0);
            world.write_out(&ctx, &format!("{e}\n"), true);
        }
        run
    }

    /// The runtime (to read events so far).
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// The program being run.
    pub fn program(&self) -> &Arc<Program> {
        &self.world.prog
    }

    /// A controlled run's turnstile.
    pub fn control(&self) -> Option<&Arc<Control>> {
        self.control.as_ref()
    }

    /// [`Self::finish`], also returning the controlled run's choices and the module's final
    /// plain variables ([`Self::finals`]).
    pub fn finish_keep(mut self, limit: Option<Duration>) -> (Trace, Option<ControlReport>, Finals) {
        let trace = self.finish_in_place(limit);
        (trace, self.control_report(), self.finals())
    }

    /// [`Self::finish_keep`] with the events packed (about a byte an event).
    pub fn finish_keep_packed(mut self, limit: Option<Duration>) -> (PackedTrace, Option<ControlReport>, Finals) {
        let trace = self.finish_packed_in_place(limit);
        (trace, self.control_report(), self.finals())
    }

    /// The module's final plain variables, as written and as values ([`Finals`]).
    pub fn finals(&self) -> Finals {
        let pw = self.world.proc(0);
        let mut out = Finals::default();
        for (slot, name) in self.world.prog.globals.iter().enumerate() {
            if name.starts_with("__") {
                continue;
            }
            let Some(cell) = pw.globals.get(slot) else { continue };
            let Some(v) = cell.lock().value.clone() else { continue };
            if let Some(r) = literal_repr(&v, 0) {
                out.literals.push((name.to_string(), r));
                out.values.push((name.to_string(), v));
            }
        }
        out
    }

    /// A controlled run's choices so far (all of them once it has ended).
    pub fn control_report(&self) -> Option<ControlReport> {
        self.control.as_ref().map(|c| c.report())
    }

    /// Ask every thread to stop; returns at once.
    pub fn stop(&self) {
        self.shared.request_stop();
    }

    /// Pause or resume at the threads' next eval-breaker point.
    pub fn set_paused(&self, paused: bool) {
        self.shared.set_paused(paused);
    }

    /// While paused, let every thread run one more step.
    pub fn step(&self) {
        self.shared.step();
    }

    /// True once every thread has ended.
    pub fn is_finished(&self) -> bool {
        self.shared.life().iter().all(|l| *l != threadline_runtime::rt::Life::Alive)
    }

    /// The process exit status Python would give (0, 1 after an uncaught exception, or
    /// the `sys.exit` code).
    pub fn exit_code(&self) -> i64 {
        *self.world.exit_code.lock()
    }

    /// Wait for the run to end (stopping it after `limit`), join every thread, and return
    /// the trace.
    pub fn finish(mut self, limit: Option<Duration>) -> Trace {
        self.finish_in_place(limit)
    }

    /// [`Self::finish`] without giving the run up (for a holder that cannot move it out);
    /// the run is over afterwards and dropping it does nothing more.
    pub fn finish_in_place(&mut self, limit: Option<Duration>) -> Trace {
        self.end(limit);
        self.trace()
    }

    /// [`Self::finish_in_place`] with the events packed as the recorder packed them (about
    /// a byte an event: what the app keeps of a finished run).
    pub fn finish_packed_in_place(&mut self, limit: Option<Duration>) -> PackedTrace {
        self.end(limit);
        PackedTrace { meta: self.trace_with(Vec::new()), events: self.shared.rec.take_packed() }
    }

    /// The events kept so far from index `from` on, at most `max` (a live view's read: it
    /// takes no copy of the events the run did not ask for).
    pub fn read_events(&self, from: usize, max: usize) -> Vec<Event> {
        self.shared.rec.read(from, max)
    }

    /// How many events the run has kept so far.
    pub fn events_kept(&self) -> usize {
        self.shared.rec.kept()
    }

    /// Wait for the run to end (stopping it after `limit`) and join every thread.
    fn end(&mut self, limit: Option<Duration>) {
        while !self.shared.wait_all_ended(Duration::from_millis(20)) {
            if limit.is_some_and(|l| self.started.elapsed() > l) {
                self.stop();
            }
        }
        self.shared.join_all();
        self.finished = true;
        if let Some(w) = self.watchdog.take() {
            w.finish();
        }
    }

    /// The trace so far without its events (the tables as they stand): what a trace written
    /// while the run goes begins with.
    pub fn head(&self) -> Trace {
        // No schedule: the choices so far are not a schedule of the run (a file cut short
        // must not offer them as one).
        Trace { schedule: None, ..self.trace_with(Vec::new()) }
    }

    fn trace(&self) -> Trace {
        self.trace_with(self.shared.rec.take_events())
    }

    fn trace_with(&self, events: Vec<Event>) -> Trace {
        let prog = &self.world.prog;
        let params: std::collections::BTreeMap<String, Value> =
            prog.values.iter().map(|(k, v)| (k.clone(), v.snapshot())).collect();
        let scenario = scenario_shell(prog);
        let _ = self.seed;
        Trace {
            format: TRACE_FORMAT.into(),
            version: TRACE_VERSION,
            scenario,
            params,
            runtime: self.settings.clone(),
            machine: Machine::here(),
            threads: self.shared.threads(),
            processes: self.shared.processes(),
            resources: self.world.resources(),
            vars: self.world.vars(),
            events,
            source: Some(SourceFile { file: prog.file.clone(), text: prog.source.to_string() }),
            recorded: None,
            schedule: self
                .control
                .as_ref()
                .map(|c| threadline_runtime::control::Schedule::of_decisions(&c.report().decisions).to_string()),
            incomplete: None,
        }
    }
}

impl Drop for PyRun {
    fn drop(&mut self) {
        if !self.finished {
            self.shared.request_stop();
            self.shared.join_all();
            if let Some(w) = self.watchdog.take() {
                w.finish();
            }
        }
    }
}

/// A plain value in words: a literal's repr, or — for an object whose attributes are such
/// values (`account.balance`), and containers of them — `Account(balance=100)`. None for
/// anything else (functions, locks, modules…), which a final state leaves out.
fn literal_repr(v: &V, depth: usize) -> Option<String> {
    if is_literal(v, depth) {
        return Some(v.repr());
    }
    if depth > 8 {
        return None;
    }
    match v {
        V::Inst(i) if !i.class.is_sub(&super::exc::class("BaseException")) => {
            let d = i.dict.try_lock()?;
            if d.len() > 100 {
                return None;
            }
            let parts: Option<Vec<String>> =
                d.iter().map(|(k, x)| Some(format!("{k}={}", literal_repr(x, depth + 1)?))).collect();
            Some(format!("{}({})", i.class.display_name(), parts?.join(", ")))
        }
        V::List(l) => {
            let l = l.try_lock()?;
            if l.len() > 1000 {
                return None;
            }
            let parts: Option<Vec<String>> = l.iter().map(|x| literal_repr(x, depth + 1)).collect();
            Some(format!("[{}]", parts?.join(", ")))
        }
        V::Tuple(t) if t.len() <= 1000 => {
            let parts: Option<Vec<String>> = t.iter().map(|x| literal_repr(x, depth + 1)).collect();
            let parts = parts?;
            Some(if parts.len() == 1 { format!("({},)", parts[0]) } else { format!("({})", parts.join(", ")) })
        }
        V::Dict(d) => {
            let d = d.try_lock()?;
            if d.map.len() > 1000 {
                return None;
            }
            let parts: Option<Vec<String>> = d
                .map
                .values()
                .map(|(k, x)| Some(format!("{}: {}", literal_repr(k, depth + 1)?, literal_repr(x, depth + 1)?)))
                .collect();
            Some(format!("{{{}}}", parts?.join(", ")))
        }
        _ => None,
    }
}

fn is_literal(v: &V, depth: usize) -> bool {
    if depth > 8 {
        return false;
    }
    match v {
        V::None | V::Bool(_) | V::Int(_) | V::Big(_) | V::Str(_) => true,
        V::Float(f) => f.is_finite(),
        V::Tuple(items) => items.len() <= 1000 && items.iter().all(|i| is_literal(i, depth + 1)),
        V::List(l) => l.try_lock().is_some_and(|l| l.len() <= 1000 && l.iter().all(|i| is_literal(i, depth + 1))),
        V::Dict(d) => d.try_lock().is_some_and(|d| {
            d.map.len() <= 1000 && d.map.values().all(|(k, v)| is_literal(k, depth + 1) && is_literal(v, depth + 1))
        }),
        // The empty set's repr, `set()`, is a call, still fine to read back.
        V::Set(d) => {
            d.try_lock().is_some_and(|d| d.map.len() <= 1000 && d.map.values().all(|(k, _)| is_literal(k, depth + 1)))
        }
        _ => false,
    }
}

/// The scenario header a trace of `prog` carries (title, topic, teaching point, sliders).
pub fn scenario_shell(prog: &Program) -> ScenarioInfo {
    ScenarioInfo {
        id: prog.file.rsplit('/').next().unwrap_or(&prog.file).trim_end_matches(".py").to_string(),
        name: prog.meta.title.clone(),
        topic: prog.meta.topic.clone(),
        seed: prog.meta.notes.clone(),
        description: prog.meta.point.clone(),
        params: prog.sliders.clone(),
    }
}

/// Compile and run `src` to its end (at most `limit`), returning the trace and the exit status.
pub fn run_source(
    file: &str,
    src: &str,
    overrides: &IndexMap<String, V>,
    settings: RuntimeSettings,
    limit: Option<Duration>,
) -> Result<(Trace, i64), super::CompileError> {
    let prog = Arc::new(super::compile(file, src, overrides)?);
    let run = PyRun::start(prog, settings, 0, None);
    let code_holder = Arc::clone(&run.world);
    let trace = run.finish(limit);
    let code = *code_holder.exit_code.lock();
    Ok((trace, code))
}
