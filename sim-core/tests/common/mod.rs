//! Helpers shared by the integration tests.
#![allow(dead_code)]

use indexmap::IndexMap;
use sim_core::event::Event;
use sim_core::model::{ProcessMeta, RuntimeSettings, ThreadMeta};
use sim_core::py::Program;
use sim_core::py::run::PyRun;
use sim_core::py::value::V;
use sim_core::py_catalog;
use sim_core::recorder::Recorder;
use sim_core::rt::Shared;
use sim_core::summary::Summary;
use sim_core::trace::Trace;
use std::sync::Arc;
use std::time::Duration;

/// Body of a test thread.
pub type Body = sim_core::rt::ThreadBody;

/// Run bodies on threads 1..=n of a fresh runtime (thread 0 is unused) and return the events.
pub fn run_threads(settings: RuntimeSettings, bodies: Vec<(u64, Body)>) -> (Arc<Shared>, Vec<Event>) {
    let mut threads = vec![ThreadMeta { name: "MainThread".into(), process: 0, daemon: false, target: None }];
    for i in 0..bodies.len() {
        threads.push(ThreadMeta { name: format!("T{}", i + 1), process: 0, daemon: false, target: None });
    }
    let shared =
        Shared::new(settings, threads, vec![ProcessMeta { name: "MainProcess".into(), pid: 1 }], Recorder::new(None));
    for (i, (delay_ms, body)) in bodies.into_iter().enumerate() {
        shared.start_thread(i as u32 + 1, Duration::from_millis(delay_ms), body).expect("start");
    }
    shared.join_all();
    let events = shared.rec.take_events();
    (shared, events)
}

/// Compile a catalog scenario with slider overrides (`("THREADS", 8.0)`).
pub fn program(id: &str, sets: &[(&str, f64)]) -> Arc<Program> {
    let src = py_catalog::py_source(id).unwrap_or_else(|| panic!("no scenario {id}"));
    let overrides: IndexMap<String, V> = sets.iter().map(|(k, v)| (k.to_string(), V::Float(*v))).collect();
    Arc::new(sim_core::py::compile(&format!("{id}.py"), src, &overrides).unwrap_or_else(|e| panic!("{id}: {e}")))
}

/// Start a catalog scenario with overrides and settings changes (from its docstring's GIL).
pub fn start(
    id: &str,
    sets: &[(&str, f64)],
    tweak: impl FnOnce(&mut RuntimeSettings),
    live: Option<crossbeam_channel::Sender<Event>>,
) -> PyRun {
    let prog = program(id, sets);
    let mut settings = RuntimeSettings { gil: prog.meta_gil(), ..RuntimeSettings::default() };
    tweak(&mut settings);
    PyRun::start(prog, settings, 0, live)
}

/// Run a catalog scenario to its end; checks the invariants.
pub fn run(id: &str, sets: &[(&str, f64)], tweak: impl FnOnce(&mut RuntimeSettings)) -> (Trace, Summary) {
    let trace = start(id, sets, tweak, None).finish(Some(Duration::from_secs(120)));
    if let Err(e) = sim_core::invariants::check(&trace) {
        panic!("{id}: invariant broken: {e}");
    }
    let summary = Summary::of_trace(&trace);
    (trace, summary)
}

/// What the program printed on stdout, line by line.
pub fn stdout_lines(t: &Trace) -> Vec<String> {
    t.events
        .iter()
        .filter_map(|e| match &e.kind {
            sim_core::event::EventKind::Print { line, stderr: false } => Some(line.clone()),
            _ => None,
        })
        .collect()
}
