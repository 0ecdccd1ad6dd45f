//! Soak testing: every catalog scenario, many times, with random parameter values and GIL
//! modes, each run checked against the [`crate::invariants`]. Used by `threadline soak` (long)
//! and by a short test in `cargo test`.

use crate::rng::Rng;
use indexmap::IndexMap;
use std::time::Duration;
use threadline_model::model::{GilMode, RuntimeSettings};
use threadline_python::py::run::run_source;
use threadline_python::py::value::V;

/// What a soak found.
#[derive(Clone, Debug, Default)]
pub struct SoakReport {
    /// Runs made.
    pub runs: usize,
    /// Events checked.
    pub events: usize,
    /// Runs that ended in a detected deadlock (expected for the deadlock scenario).
    pub deadlocks: usize,
    /// Invariant violations: (scenario, params, gil, message).
    pub violations: Vec<String>,
}

/// Run every catalog scenario (the Python files) `runs_per_scenario` times with random
/// slider values (between the slider's minimum and the file's own value, so runs stay short)
/// and GIL modes, at `time_scale`, checking each trace's invariants. `progress` is called
/// after each run.
pub fn soak(runs_per_scenario: usize, seed: u64, time_scale: f64, mut progress: impl FnMut(&SoakReport)) -> SoakReport {
    let mut rng = Rng::new(seed);
    let mut report = SoakReport::default();
    let catalog = match threadline_python::py_catalog::entries() {
        Ok(c) => c,
        Err(e) => {
            report.violations.push(format!("the catalog does not compile: {e}"));
            return report;
        }
    };
    for _ in 0..runs_per_scenario {
        for sc in &catalog {
            let mut overrides = IndexMap::new();
            for s in &sc.sliders {
                let hi = s.default.max(s.min);
                let v = if s.float {
                    let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
                    V::Float(s.min + (hi - s.min) * u)
                } else {
                    V::Int(rng.range(s.min as i64, hi as i64))
                };
                overrides.insert(s.name.clone(), v);
            }
            let gil = GilMode::ALL[rng.range(0, 2) as usize];
            let settings = RuntimeSettings { gil, time_scale, ..RuntimeSettings::default() };
            let shown: Vec<String> = overrides.iter().map(|(k, v)| format!("{k}={}", v.repr())).collect();
            let label = format!("{} [{}] {}", sc.id, shown.join(" "), gil.as_str());
            match run_source(&sc.file, &sc.source, &overrides, settings, Some(Duration::from_secs(30))) {
                Ok((trace, _)) => {
                    report.runs += 1;
                    report.events += trace.events.len();
                    if trace
                        .events
                        .iter()
                        .any(|e| matches!(e.kind, threadline_model::event::EventKind::Deadlock { .. }))
                    {
                        report.deadlocks += 1;
                    }
                    if let Err(e) = crate::invariants::check(&trace) {
                        report.violations.push(format!("{label}: {e}"));
                    }
                }
                Err(e) => report.violations.push(format!("{label}: does not compile: {e}")),
            }
            progress(&report);
        }
    }
    report
}
