//! Work the frame loop hands to threads of their own (compiling, checking, recording in
//! CPython, explore, statistics, solving a challenge, predictions, reading and saving files),
//! whose results come back to it over one channel; nothing here blocks the UI thread.
//! [`Jobs`] owns them all: what runs, for which edit of the program, and the channel.

use super::*;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// The kinds of background job. File jobs (reading, saving, loading) run any number at once;
/// of every other kind at most one runs at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JobKind {
    /// Reading or writing a file, finding python3.
    File,
    /// Compiling the program to run it.
    Compile,
    /// Checking the edited text (a moment after the last keystroke).
    Check,
    /// Running the program in the real CPython with the recorder.
    Record,
    /// Searching the schedules.
    Explore,
    /// Outcome statistics: many free runs.
    Stats,
    /// Solving a challenge ("Show me").
    Solve,
    /// Predict, then run: the answers, then the runs that answer.
    Predict,
}

/// Every background job of the app, in one place.
pub struct Jobs {
    tx: Sender<FileResult>,
    rx: Receiver<FileResult>,
    ctx: Option<egui::Context>,
    /// The kinds running, each with the editor generation it works on (0: none).
    running: HashMap<JobKind, u64>,
    /// Outcome statistics under way: runs done so far, and the flag that stops them.
    stats: Option<(Arc<AtomicUsize>, Arc<AtomicBool>)>,
}

impl Jobs {
    /// No jobs yet.
    pub(super) fn new() -> Self {
        let (tx, rx) = crossbeam_channel::unbounded();
        Jobs { tx, rx, ctx: None, running: HashMap::new(), stats: None }
    }

    /// The window to wake when a job finishes (known from the first frame).
    pub(super) fn set_ctx(&mut self, ctx: &egui::Context) {
        if self.ctx.is_none() {
            self.ctx = Some(ctx.clone());
        }
    }

    /// Start `job` as a job of `kind` for the editor's generation `gen_` (0 when it does not
    /// matter). Another job of a kind that runs one at a time is not started: false.
    pub(super) fn start(
        &mut self,
        kind: JobKind,
        gen_: u64,
        job: impl FnOnce() -> FileResult + Send + 'static,
    ) -> bool {
        if kind != JobKind::File {
            if self.running.contains_key(&kind) {
                return false;
            }
            self.running.insert(kind, gen_);
        }
        if !spawn_file_job(job, self.tx.clone(), self.ctx.clone()) {
            // No thread for it: nothing runs, nothing waits for it.
            self.running.remove(&kind);
            return false;
        }
        true
    }

    /// Start `job` as the job of `kind`, taking over from one still running (whose result,
    /// when it comes, no longer ends the kind's run).
    pub(super) fn replace(&mut self, kind: JobKind, gen_: u64, job: impl FnOnce() -> FileResult + Send + 'static) {
        self.running.remove(&kind);
        self.start(kind, gen_, job);
    }

    /// Outcome statistics: start `job`, which reports its runs to `done` and stops when
    /// `stop` is set.
    pub(super) fn start_stats(
        &mut self,
        job: impl FnOnce(Arc<AtomicUsize>, Arc<AtomicBool>) -> FileResult + Send + 'static,
    ) -> bool {
        let done = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (d, s) = (Arc::clone(&done), Arc::clone(&stop));
        if !self.start(JobKind::Stats, 0, move || job(d, s)) {
            return false;
        }
        self.stats = Some((done, stop));
        true
    }

    /// Runs of the outcome statistics done so far, while they run.
    pub fn stats_done(&self) -> Option<usize> {
        self.stats.as_ref().map(|(d, _)| d.load(Ordering::Acquire))
    }

    /// Ask the outcome statistics to stop (they report what they have).
    pub(super) fn stop_stats(&self) {
        if let Some((_, stop)) = &self.stats {
            stop.store(true, Ordering::Release);
        }
    }

    /// Whether a job of `kind` runs.
    pub fn is_running(&self, kind: JobKind) -> bool {
        self.running.contains_key(&kind)
    }

    /// Whether any job the user waits for (statistics, explore, a solution) runs.
    pub fn busy(&self) -> bool {
        [JobKind::Stats, JobKind::Explore, JobKind::Solve].iter().any(|k| self.is_running(*k))
    }

    /// The job of `kind` for generation `gen_` has finished (an older generation's result
    /// leaves a newer job running).
    pub(super) fn finished(&mut self, kind: JobKind, gen_: u64) {
        if self.running.get(&kind) == Some(&gen_) {
            self.running.remove(&kind);
            if kind == JobKind::Stats {
                self.stats = None;
            }
        }
    }

    /// The next finished job's result, if one is in.
    pub(super) fn next_result(&self) -> Option<FileResult> {
        self.rx.try_recv().ok()
    }

    /// Where a thread of the app's own (the file dialog) sends its result.
    pub(super) fn sender(&self) -> Sender<FileResult> {
        self.tx.clone()
    }
}

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
        jobs: explore::all_cores(),
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
fn spawn_file_job(
    job: impl FnOnce() -> FileResult + Send + 'static,
    tx: Sender<FileResult>,
    ctx: Option<egui::Context>,
) -> bool {
    let spawned = std::thread::Builder::new().name("tl:file".into()).spawn(move || {
        let _ = tx.send(job());
        if let Some(c) = ctx {
            c.request_repaint();
        }
    });
    if let Err(e) = &spawned {
        eprintln!("threadline: could not start a file thread: {e}");
    }
    spawned.is_ok()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn wait_result(jobs: &Jobs) -> FileResult {
        let started = std::time::Instant::now();
        loop {
            if let Some(r) = jobs.next_result() {
                return r;
            }
            assert!(started.elapsed() < std::time::Duration::from_secs(30), "no result");
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }

    #[test]
    fn one_job_of_a_kind_at_a_time_and_a_newer_edit_wins() {
        let mut jobs = Jobs::new();
        let (go, wait) = crossbeam_channel::bounded::<()>(0);
        assert!(jobs.start(JobKind::Explore, 0, move || {
            let _ = wait.recv();
            FileResult::Failed("explored".into())
        }));
        assert!(jobs.is_running(JobKind::Explore) && jobs.busy());
        // A second explore is not started while the first runs; file jobs always are.
        assert!(!jobs.start(JobKind::Explore, 0, || FileResult::Failed("second".into())));
        assert!(jobs.start(JobKind::File, 0, || FileResult::Failed("file".into())));
        assert!(matches!(wait_result(&jobs), FileResult::Failed(m) if m == "file"));
        let _ = go.send(());
        assert!(matches!(wait_result(&jobs), FileResult::Failed(m) if m == "explored"));
        jobs.finished(JobKind::Explore, 0);
        assert!(!jobs.is_running(JobKind::Explore) && !jobs.busy());
        // A later compile takes over: the older one's end leaves it running.
        jobs.replace(JobKind::Compile, 1, || FileResult::Failed("1".into()));
        jobs.replace(JobKind::Compile, 2, || FileResult::Failed("2".into()));
        jobs.finished(JobKind::Compile, 1);
        assert!(jobs.is_running(JobKind::Compile));
        jobs.finished(JobKind::Compile, 2);
        assert!(!jobs.is_running(JobKind::Compile));
    }

    #[test]
    fn statistics_report_progress_and_stop_when_asked() {
        let mut jobs = Jobs::new();
        assert!(jobs.start_stats(|done, stop| {
            let mut n = 0;
            while !stop.load(Ordering::Acquire) {
                n += 1;
                done.store(n, Ordering::Release);
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            FileResult::Failed(format!("{n}"))
        }));
        let started = std::time::Instant::now();
        while jobs.stats_done() == Some(0) {
            assert!(started.elapsed() < std::time::Duration::from_secs(30));
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        jobs.stop_stats();
        assert!(matches!(wait_result(&jobs), FileResult::Failed(_)));
        jobs.finished(JobKind::Stats, 0);
        assert_eq!(jobs.stats_done(), None);
    }
}
