//! Soak testing: every catalog scenario, many times, with random parameter values and GIL
//! modes, each run checked against the [`crate::invariants`]. Used by `threadline soak` (long)
//! and by a short test in `cargo test`.

use crate::compile::compile;
use crate::interp::run_plan;
use crate::rt::GilMode;
use std::collections::BTreeMap;
use std::time::Duration;

/// A small deterministic PRNG (xorshift64*), so a failing soak can be replayed by its seed.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// A value in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + (self.next_u64() % ((hi - lo) as u64 + 1)) as i64
    }
}

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

/// Largest value a soak gives a slider, so runs stay short.
const SOAK_MAX_PARAM: i64 = 2_000;

/// Run every catalog scenario `runs_per_scenario` times with random sliders (capped) and
/// GIL modes, at `time_scale`. `progress` is called after each run.
pub fn soak(runs_per_scenario: usize, seed: u64, time_scale: f64, mut progress: impl FnMut(&SoakReport)) -> SoakReport {
    let mut rng = Rng::new(seed);
    let mut report = SoakReport::default();
    let catalog = crate::catalog::catalog().unwrap_or_default();
    for _ in 0..runs_per_scenario {
        for sc in &catalog {
            let overrides: BTreeMap<String, i64> = sc
                .params
                .iter()
                .map(|p| {
                    let hi = p.max.min(p.min.max(SOAK_MAX_PARAM.min(p.default.max(1) * 4)));
                    (p.name.clone(), rng.range(p.min, hi))
                })
                .collect();
            let gil = GilMode::ALL[rng.range(0, 2) as usize];
            let Ok(params) = sc.resolve_params(&overrides) else { continue };
            let mut settings = sc.runtime.settings();
            settings.gil = gil;
            settings.time_scale = time_scale;
            let label = format!("{} {overrides:?} {}", sc.id, gil.as_str());
            let plan = match compile(sc, &params, settings) {
                Ok(p) => p,
                Err(e) => {
                    report.violations.push(format!("{label}: does not compile: {e}"));
                    continue;
                }
            };
            match run_plan(plan, Some(Duration::from_secs(30))) {
                Ok(trace) => {
                    report.runs += 1;
                    report.events += trace.events.len();
                    if trace.events.iter().any(|e| matches!(e.kind, crate::event::EventKind::Deadlock { .. })) {
                        report.deadlocks += 1;
                    }
                    if let Err(e) = crate::invariants::check(&trace) {
                        report.violations.push(format!("{label}: {e}"));
                    }
                }
                Err(e) => report.violations.push(format!("{label}: could not start: {e}")),
            }
            progress(&report);
        }
    }
    report
}
