//! Helpers shared by the integration tests.
#![allow(dead_code)]

use sim_core::catalog;
use sim_core::compile::compile;
use sim_core::event::Event;
use sim_core::interp::run_plan;
use sim_core::recorder::Recorder;
use sim_core::rt::{ProcessMeta, RuntimeSettings, Shared, ThreadMeta};
use sim_core::scenario::Scenario;
use sim_core::summary::Summary;
use sim_core::trace::Trace;
use std::collections::BTreeMap;
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

/// A catalog scenario by id.
pub fn scenario(id: &str) -> Scenario {
    catalog::find(id).unwrap_or_else(|| panic!("no scenario {id}"))
}

/// Run a scenario with overrides and settings changes; checks the invariants.
pub fn run(sc: &Scenario, sets: &[(&str, i64)], tweak: impl FnOnce(&mut RuntimeSettings)) -> (Trace, Summary) {
    let overrides: BTreeMap<String, i64> = sets.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    let params = sc.resolve_params(&overrides).expect("params");
    let mut settings = sc.runtime.settings();
    tweak(&mut settings);
    let plan = compile(sc, &params, settings).expect("compiles");
    let trace = run_plan(plan, Some(Duration::from_secs(60))).expect("runs");
    if let Err(e) = sim_core::invariants::check(&trace) {
        panic!("{}: invariant broken: {e}", sc.id);
    }
    let summary = Summary::of_trace(&trace);
    (trace, summary)
}
