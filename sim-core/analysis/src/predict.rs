//! Predict, then run: before a program whose output varies runs, the learner picks what its
//! last printed line will be from the answers the program can give ([`choices`]: what a
//! bounded [`crate::explore`] search and a few free runs reached); then many free runs
//! answer ([`tally`]) and the pick is scored against them ([`Tally::share_of`]).

use crate::explore::{self, ExploreOptions, FailureKind, Outcome, StrategyKind, outcome_of};
use std::sync::Arc;
use std::time::Duration;
use threadline_model::model::RuntimeSettings;
use threadline_python::py::Program;
use threadline_python::py::run::PyRun;
use threadline_runtime::control::ControlReport;

/// The most choices offered (the answers seen most often).
pub const MAX_CHOICES: usize = 6;

/// What a run answers: its last printed line, or how it failed (`deadlock`, `raises
/// ValueError`), or `(prints nothing)`.
pub fn answer_of(o: &Outcome) -> String {
    match &o.failure_kind {
        Some(FailureKind::Deadlock) => return "deadlock (the program never ends)".into(),
        Some(FailureKind::Raised(ty)) => return format!("raises {ty}"),
        _ => {}
    }
    o.output.iter().rev().find(|l| !l.trim().is_empty()).cloned().unwrap_or_else(|| "(prints nothing)".into())
}

/// The answers `prog` can give under `settings`: those a depth-first search with at most two
/// preemptions reaches (up to `budget` schedules) and those of `free_runs` free runs, the most
/// frequent first, at most [`MAX_CHOICES`], then sorted so their order gives nothing away.
pub fn choices(prog: &Arc<Program>, settings: &RuntimeSettings, budget: usize, free_runs: usize) -> Vec<String> {
    let opts = ExploreOptions { strategy: StrategyKind::Dfs, budget, seconds: 20.0, ..Default::default() };
    let mut seen: Vec<(String, usize)> = Vec::new();
    let mut add = |a: String, n: usize| match seen.iter_mut().find(|(s, _)| *s == a) {
        Some(e) => e.1 += n,
        None => seen.push((a, n)),
    };
    // The search stops at its first failure; its outcomes so far are still answers.
    let ex = explore::explore(prog, settings, &opts, |_| true);
    for (o, n) in &ex.outcomes {
        add(answer_of(o), *n);
    }
    for (a, n) in tally(prog, settings, free_runs, |_| true).answers {
        add(a, n);
    }
    seen.sort_by_key(|b| std::cmp::Reverse(b.1));
    let mut out: Vec<String> = seen.into_iter().take(MAX_CHOICES).map(|(a, _)| a).collect();
    out.sort();
    out
}

/// How many free runs gave each answer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Runs made.
    pub runs: usize,
    /// (answer, runs), the most frequent first.
    pub answers: Vec<(String, usize)>,
}

impl Tally {
    /// The share of runs (0–1) that gave `answer`.
    pub fn share_of(&self, answer: &str) -> f64 {
        let n = self.answers.iter().find(|(a, _)| a == answer).map_or(0, |(_, n)| *n);
        n as f64 / self.runs.max(1) as f64
    }
}

/// Run `prog` freely `runs` times (seeds 0…) and count each answer. `progress` is called
/// after each run; false stops.
pub fn tally(
    prog: &Arc<Program>,
    settings: &RuntimeSettings,
    runs: usize,
    mut progress: impl FnMut(usize) -> bool,
) -> Tally {
    let mut t = Tally::default();
    for i in 0..runs {
        let run = PyRun::start(Arc::clone(prog), settings.clone(), i as u64, None);
        let (trace, _, finals) = run.finish_keep(Some(Duration::from_secs(10)));
        let a = answer_of(&outcome_of(&trace, &ControlReport::default(), &finals, None));
        match t.answers.iter_mut().find(|(s, _)| *s == a) {
            Some(e) => e.1 += 1,
            None => t.answers.push((a, 1)),
        }
        t.runs += 1;
        if !progress(i + 1) {
            break;
        }
    }
    t.answers.sort_by_key(|b| std::cmp::Reverse(b.1));
    t
}
