//! Work the frame loop hands to threads of their own (explore, reading files), whose
//! results come back to it over a channel; nothing here blocks the UI thread.

use super::*;

/// Compile the code panel's program on a job thread; the error in one line, with its line.
pub(super) fn compile_for_job(
    file: &str,
    text: &str,
    overrides: &indexmap::IndexMap<String, sim_core::py::value::V>,
) -> Result<Arc<Program>, String> {
    sim_core::py::compile(file, text, overrides)
        .map(Arc::new)
        .map_err(|e| format!("{} at line {}: {}", e.ty, e.line, e.message))
}

/// `explore` from the app: depth-first with at most two preemptions, 2 000 schedules or 30 s.
pub(super) fn explore_in_background(
    file: &str,
    text: &str,
    overrides: &indexmap::IndexMap<String, sim_core::py::value::V>,
    settings: &RuntimeSettings,
    check: &str,
    split: bool,
) -> Result<Box<ExploreResult>, String> {
    use sim_core::explore::{self, Check, ExploreOptions, RunLimits};
    let prog = compile_for_job(file, text, overrides)?;
    let limits = RunLimits { split, ..Default::default() };
    // A challenge with no check typed: search for its goal, up to its par.
    let goal = prog.meta.goal.clone().filter(|_| check.is_empty());
    let check = match &goal {
        Some(g) => explore::goal_check(g),
        None => (!check.is_empty()).then(|| Check::new(check)),
    };
    if let Some(c) = &check {
        c.validate(&prog, settings, limits)?;
    }
    let par = prog.meta.par.as_deref().and_then(|p| p.parse::<usize>().ok());
    let opts = ExploreOptions {
        budget: 2_000,
        seconds: 30.0,
        check,
        limits,
        preemptions: par.map_or(2, |p| p.max(2)),
        strategy: if goal.is_some() { explore::StrategyKind::Auto } else { explore::StrategyKind::Dfs },
        ..Default::default()
    };
    let ex = explore::explore(&prog, settings, &opts, |_| true);
    let outcomes = ex.outcomes.iter().map(|(o, n)| (o.words(), *n)).collect();
    Ok(Box::new(ExploreResult {
        tried: ex.tried,
        exhausted: ex.exhausted,
        outcomes,
        found: ex.found.map(|f| (f.what, f.schedule)),
        split,
        goal,
        preemptions: opts.preemptions,
    }))
}

/// Run `job` on a thread of its own and send its result to the frame loop (waking the window
/// when it knows it).
pub(super) fn spawn_file_job(
    job: impl FnOnce() -> FileResult + Send + 'static,
    tx: Sender<FileResult>,
    ctx: Option<egui::Context>,
) {
    let spawned = std::thread::Builder::new().name("tl:file".into()).spawn(move || {
        let _ = tx.send(job());
        if let Some(c) = ctx {
            c.request_repaint();
        }
    });
    if let Err(e) = spawned {
        eprintln!("threadline: could not start a file thread: {e}");
    }
}

/// Read and compile a Python scenario file; the error names the file and the place in it.
pub fn load_scenario_file(path: &std::path::Path) -> Result<Entry, String> {
    if path.extension().is_some_and(|e| e == "json") {
        return Err(crate::cli::run::json_scenario_message(&path.display().to_string()));
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("Could not read {}: {e}", path.display()))?;
    let file = path.display().to_string();
    let id = path.file_stem().map_or_else(|| file.clone(), |s| s.to_string_lossy().into_owned());
    Entry::new(&id, &file, &text).map_err(|e| e.to_string())
}
