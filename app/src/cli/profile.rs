//! `threadline profile FILE.py|TRACE`: where the time went — per thread, per source line and
//! per resource, the critical path and the utilisation (see [`sim_core::profile`]).

use super::{Failure, bad_input, other, say};
use sim_core::model::{GilMode, RuntimeSettings};
use sim_core::profile::Profile;
use sim_core::py::run::PyRun;
use sim_core::timeline::Timeline;
use sim_core::trace::Trace;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The flags of `threadline profile`.
pub struct ProfileArgs<'a> {
    /// A trace file, a scenario file or a catalog id.
    pub what: &'a str,
    /// `--set` (for a scenario).
    pub set: &'a [String],
    /// `--gil` (for a scenario).
    pub gil: Option<GilMode>,
    /// `--json`.
    pub json: bool,
    /// `--by`.
    pub by: Option<&'a str>,
    /// `--from-ms`, `--to-ms`: a range of the run.
    pub range_ms: (Option<f64>, Option<f64>),
    /// `--max-seconds` (for a scenario).
    pub max_seconds: f64,
}

/// The trace `what` names: a saved trace, or a scenario run now (its output not shown).
fn trace_of(a: &ProfileArgs<'_>) -> Result<Trace, Failure> {
    let p = Path::new(a.what);
    if p.is_file() && sim_core::trace::is_trace_file(p) {
        return super::load_trace(p);
    }
    let spec = super::run::python_spec(a.what)?;
    let (_, prog) = super::run::load_program(&spec, a.set)?;
    let mut settings = RuntimeSettings { gil: prog.meta_gil(), ..RuntimeSettings::default() };
    if let Some(g) = a.gil {
        settings.gil = g;
    }
    if !(a.max_seconds > 0.0 && a.max_seconds <= super::MAX_SECONDS) {
        return Err(bad_input(anyhow::anyhow!(
            "--max-seconds must be a positive number, at most {}",
            super::MAX_SECONDS
        )));
    }
    let run = PyRun::start(Arc::new(prog), settings, 0, None);
    let started = Instant::now();
    while !run.is_finished() {
        if started.elapsed().as_secs_f64() > a.max_seconds {
            run.stop();
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok(run.finish_keep(None).0)
}

/// `threadline profile`.
pub fn profile_cmd(a: &ProfileArgs<'_>) -> Result<(), Failure> {
    if let Some(by) = a.by
        && !matches!(by, "line" | "resource" | "thread")
    {
        return Err(bad_input(anyhow::anyhow!("--by {by}: expected line, resource or thread")));
    }
    for x in [a.range_ms.0, a.range_ms.1].into_iter().flatten() {
        if !(x.is_finite() && x >= 0.0) {
            return Err(bad_input(anyhow::anyhow!("--from-ms and --to-ms must be times in ms, at least 0 (got {x})")));
        }
    }
    let trace = trace_of(a)?;
    let tl = Timeline::of_trace(&trace);
    let from = a.range_ms.0.map_or(0, |x| (x * 1e6) as u64);
    let to = a.range_ms.1.map_or(tl.end_ns, |x| (x * 1e6) as u64);
    if to < from {
        return Err(bad_input(anyhow::anyhow!("--to-ms is before --from-ms")));
    }
    let profile = Profile::of_range(&tl, from, to);
    let text = if a.json {
        serde_json::to_string_pretty(&profile).map_err(|e| other(anyhow::anyhow!("{e}")))?
    } else {
        let mut s = String::new();
        if let Some(h) = profile.headline() {
            s.push_str(&h.words());
            s.push('\n');
        }
        s.push_str(&profile.human(a.by));
        s
    };
    let _ = say(text.trim_end());
    Ok(())
}
