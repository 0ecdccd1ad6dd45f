//! `threadline record FILE.py --out real.json`: run the file in python3 under the recorder.

use super::{Failure, MAX_SECONDS, bad_input, other, say};
use std::path::{Path, PathBuf};

/// Record `spec` in `python`, save the trace to `out`; the program's own exit status.
pub fn record_cmd(spec: &str, set: &[String], python: PathBuf, out: &Path, max_seconds: f64) -> Result<(), Failure> {
    if !(max_seconds > 0.0 && max_seconds <= MAX_SECONDS) {
        return Err(bad_input(anyhow::anyhow!("--max-seconds must be a positive number, at most {MAX_SECONDS}")));
    }
    let (file, src) = match super::run::python_spec(spec)? {
        super::run::PySpec::File(p) => {
            let text = std::fs::read_to_string(&p).map_err(|e| bad_input(anyhow::anyhow!("{}: {e}", p.display())))?;
            (p.display().to_string(), text)
        }
        super::run::PySpec::Builtin(name, src) => (name, src.to_string()),
    };
    let overrides = super::run::parse_py_sets(set)?;
    let limit = std::time::Duration::from_secs_f64(max_seconds);
    let rec = crate::record::record(&file, &src, &overrides, &python, limit, |line| {
        let _ = say(line);
    })
    .map_err(|e| other(anyhow::anyhow!("{e}")))?;
    eprint!("{}", rec.stderr);
    rec.trace.save(out).map_err(|e| other(anyhow::anyhow!("could not write {}: {e}", out.display())))?;
    if let Some(r) = &rec.trace.recorded {
        let gil = match r.gil_line_ns {
            Some(ns) => format!("GIL handoffs inferred from sys.monitoring, which adds about {ns:.0} ns to each line"),
            None => r.note.clone(),
        };
        eprintln!(
            "threadline: recorded {} events from Python {} into {} (the recorder adds {:.1} µs to a Lock acquire + release; {gil})",
            rec.trace.events.len(),
            r.python,
            out.display(),
            r.overhead_ns_per_lock_cycle / 1e3,
        );
    }
    match rec.exit_code {
        Some(0) => Ok(()),
        Some(c) => {
            Err(Failure { code: u8::try_from(c.rem_euclid(256)).unwrap_or(1), error: anyhow::anyhow!(""), quiet: true })
        }
        None => Err(other(anyhow::anyhow!(
            "stopped after --max-seconds {max_seconds}; the trace has what happened until then"
        ))),
    }
}
