//! The bodies of the coverage-guided fuzz targets (`fuzz/`, cargo-fuzz): each takes the
//! fuzzer's bytes and panics on a finding — a panic, a broken invariant, a `SystemError`
//! (the interpreter's "simulator bug"). Here, not in `fuzz/`, so that `cargo test` runs
//! the same checks over the regression corpus (`sim-core/tests/fuzz_regressions.rs`).

use std::sync::Arc;
use std::time::Duration;
use threadline_python::py::value::V;

/// Python source → parse → compile: an error or a program, never a panic.
pub fn compile(data: &[u8]) {
    if let Ok(src) = std::str::from_utf8(data) {
        let _ = threadline_python::py::compile("fuzz.py", src, &indexmap::IndexMap::new());
    }
}

/// Python source → compile → a short run (50 ms of wall time, 20 000 events): the trace
/// keeps its invariants and no `SystemError` is raised.
pub fn run(data: &[u8]) {
    let Ok(src) = std::str::from_utf8(data) else { return };
    let Ok(prog) = threadline_python::py::compile("fuzz.py", src, &indexmap::IndexMap::new()) else { return };
    let settings =
        threadline_model::model::RuntimeSettings { time_scale: 0.01, max_events: 20_000, ..Default::default() };
    let trace = threadline_python::py::run::PyRun::start(Arc::new(prog), settings, 0, None)
        .finish(Some(Duration::from_millis(50)));
    if let Err(e) = crate::invariants::check(&trace) {
        panic!("invariant broken: {e}");
    }
    let s = crate::summary::Summary::of_trace(&trace);
    assert!(!s.errors.iter().any(|e| e.ty == "SystemError"), "simulator bug: {:?}", s.errors);
}

/// Trace bytes → load → check → summarize → export: a message, never a panic.
pub fn trace(data: &[u8]) {
    use threadline_model::trace::Trace;
    // The bytes as a file (JSON or compressed), else as text.
    let loaded = Trace::from_bytes(data).or_else(|_| Trace::from_json(&String::from_utf8_lossy(data)));
    if let Ok(t) = loaded {
        let s = crate::summary::Summary::of_trace(&t);
        let _ = s.human();
        let _ = crate::chrome::export(&t);
        let _ = crate::invariants::check(&t);
    }
}

/// A scenario's slider comment (the first line) and `NAME=VALUE` overrides (the next
/// four): parsed and checked against their ranges with a message, never a panic.
pub fn sliders(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut lines = text.lines();
    let comment = lines.next().unwrap_or_default();
    let src = format!("X = 5  # slider: {comment}\nY = 0.5  # slider: 0..1 Y\nprint(X, Y)\n");
    let mut sets = indexmap::IndexMap::new();
    for l in lines.take(4) {
        if let Some((k, v)) = l.split_once('=') {
            let v = v.trim();
            let val = match (v.parse::<i64>(), v.parse::<f64>()) {
                (Ok(i), _) => V::Int(i),
                (_, Ok(f)) => V::Float(f),
                _ => continue,
            };
            sets.insert(k.trim().to_string(), val);
        }
    }
    if let Ok(prog) = threadline_python::py::compile("sliders.py", &src, &sets) {
        for s in &prog.sliders {
            let _ = s.clamp(s.default);
        }
    }
}
