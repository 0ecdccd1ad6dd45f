//! A run of a Python program: the main thread runs the module on a real OS thread, every
//! thread it starts is another; Stop, Pause and Step reach them all; dropping the run
//! joins every thread. The finished run becomes a [`Trace`] carrying the source.

use super::value::{ClassKind, Inst, InstNative, V};
use super::{Program, World};
use crate::event::Event;
use crate::model::ScenarioInfo;
use crate::recorder::Recorder;
use crate::rt::{ProcessMeta, RuntimeSettings, Shared, ThreadMeta};
use crate::trace::{Machine, SourceFile, TRACE_FORMAT, TRACE_VERSION, Trace};
use crate::value::Value;
use crate::watchdog::Watchdog;
use crossbeam_channel::Sender;
use indexmap::IndexMap;
use parking_lot::Mutex;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A running Python program. Dropping it stops and joins every thread.
pub struct PyRun {
    shared: Arc<Shared>,
    world: Arc<World>,
    watchdog: Option<Watchdog>,
    started: Instant,
    settings: RuntimeSettings,
    seed: u64,
}

impl PyRun {
    /// Start `prog`; events also go to `live` as they happen.
    pub fn start(prog: Arc<Program>, settings: RuntimeSettings, seed: u64, live: Option<Sender<Event>>) -> PyRun {
        let main = ThreadMeta { name: "MainThread".into(), process: 0, daemon: false, target: None };
        let world = World::new(prog, seed);
        let shared = Shared::new(
            settings.clone(),
            vec![main],
            vec![ProcessMeta { name: "MainProcess".into(), pid: world.pid_of(0) }],
            Recorder::with_limit(live, settings.max_events),
        );
        *world.shared_ref.lock() = Some(Arc::downgrade(&shared));
        let main_obj = V::Inst(Arc::new(Inst {
            class: super::stdlib::thread_class(),
            dict: Mutex::new(IndexMap::new()),
            native: Mutex::new(InstNative::Thread(Arc::new(super::stdlib::ThreadObj::main()))),
        }));
        debug_assert!(matches!(&main_obj, V::Inst(i) if i.class.native_kind() == ClassKind::Thread));
        world.set_main_thread(main_obj);
        let run = PyRun {
            shared: Arc::clone(&shared),
            world: Arc::clone(&world),
            watchdog: Some(Watchdog::start(Arc::clone(&shared))),
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
        self.shared.life().iter().all(|l| *l != crate::rt::Life::Alive)
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
        self.trace()
    }

    fn trace(&self) -> Trace {
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
            events: self.shared.rec.take_events(),
            source: Some(SourceFile { file: prog.file.clone(), text: prog.source.to_string() }),
            recorded: None,
        }
    }
}

impl Drop for PyRun {
    fn drop(&mut self) {
        if let Some(w) = self.watchdog.take() {
            self.shared.request_stop();
            self.shared.join_all();
            w.finish();
        }
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
