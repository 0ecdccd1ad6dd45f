//! Python source → compile → a short run (50 ms of wall time, 20 000 events): a panic, an
//! abort or a `SystemError` (the interpreter's "simulator bug") is a finding.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else { return };
    let Ok(prog) = sim_core::py::compile("fuzz.py", src, &indexmap::IndexMap::new()) else { return };
    let settings = sim_core::rt::RuntimeSettings { time_scale: 0.01, max_events: 20_000, ..Default::default() };
    let trace =
        sim_core::py::run::PyRun::start(Arc::new(prog), settings, 0, None).finish(Some(Duration::from_millis(50)));
    if let Err(e) = sim_core::invariants::check(&trace) {
        panic!("invariant broken: {e}");
    }
    let s = sim_core::summary::Summary::of_trace(&trace);
    assert!(!s.errors.iter().any(|e| e.ty == "SystemError"), "simulator bug: {:?}", s.errors);
});
