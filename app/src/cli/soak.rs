//! `threadline soak`: every catalog scenario, many times, with random sliders and GIL modes,
//! each run checked against the invariants.

use super::{Failure, bad_input, other, say};

/// Soak `runs` runs per scenario from `seed`.
pub fn soak_cmd(runs: usize, seed: u64, time_scale: f64) -> Result<(), Failure> {
    if !(time_scale > 0.0 && time_scale <= 10.0) {
        return Err(bad_input(anyhow::anyhow!("--time-scale must be in (0, 10]")));
    }
    let start = std::time::Instant::now();
    let r = sim_core::soak::soak(runs, seed, time_scale, |r| {
        if r.runs.is_multiple_of(50) && r.runs > 0 {
            eprintln!("soak: {} runs, {} events, {} violations", r.runs, r.events, r.violations.len());
        }
    });
    for v in &r.violations {
        let _ = say(&format!("VIOLATION {v}"));
    }
    let _ = say(&format!(
        "soak: {} runs ({} with a detected deadlock), {} events checked, {} violations, {:.1} s (seed {seed})",
        r.runs,
        r.deadlocks,
        r.events,
        r.violations.len(),
        start.elapsed().as_secs_f64()
    ));
    if r.violations.is_empty() {
        Ok(())
    } else {
        Err(other(anyhow::anyhow!("{} invariant violations", r.violations.len())))
    }
}
