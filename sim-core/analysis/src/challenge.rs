//! Challenges (`saved-scenarios/challenges/`): a program, a goal (`Goal:` in its docstring —
//! a Python expression over the module's final state, or `deadlock`), a par (`Par:` — the
//! preemptions the best schedule needs, or `impossible` under the challenge's GIL mode) and
//! hints. Here: whether a run reached the goal ([`reached`]), and a challenge solved by
//! [`crate::explore`] under a GIL mode with the verdict in words ([`solve`], [`Solved::words`]).
//! The app's Challenges view and `threadline challenge` both read this module.

use crate::explore::{self, ExploreOptions, FailureKind, Outcome, StrategyKind};
use std::sync::Arc;
use threadline_model::model::{GilMode, RuntimeSettings};
use threadline_model::trace::Trace;
use threadline_python::py::Program;
use threadline_python::py::run::Finals;
use threadline_runtime::control::{ControlReport, Schedule};

/// True when the goal is a deadlock rather than an expression.
pub fn is_deadlock_goal(goal: &str) -> bool {
    goal.trim().eq_ignore_ascii_case("deadlock")
}

/// Whether a run's outcome reached `goal`. The outcome must have been judged with
/// [`explore::goal_check`]`(goal)` as its check: a goal expression that holds makes the check
/// `not (GOAL)` false. A run that deadlocked or raised first did not reach an expression goal
/// (the final state was never checked).
pub fn reached(goal: &str, outcome: &Outcome) -> bool {
    match outcome.failure_kind {
        Some(FailureKind::Deadlock) => is_deadlock_goal(goal),
        Some(FailureKind::CheckFalse) => !is_deadlock_goal(goal),
        _ => false,
    }
}

/// The par as a number of preemptions (None: `impossible`, or no par).
pub fn par_preemptions(prog: &Program) -> Option<usize> {
    prog.meta.par.as_deref().and_then(|p| p.trim().parse().ok())
}

/// True when the challenge says no schedule reaches its goal under its own GIL mode.
pub fn said_impossible(prog: &Program) -> bool {
    prog.meta.par.as_deref().is_some_and(|p| p.trim().eq_ignore_ascii_case("impossible"))
}

/// What a search for the goal came to.
#[derive(Clone, Debug)]
pub enum Verdict {
    /// A schedule reaches the goal.
    Reached {
        /// The schedule (shrunk), for `--schedule` and the game's guide.
        schedule: Schedule,
        /// Its preemptions.
        preemptions: usize,
        /// Its choice points.
        steps: usize,
    },
    /// Every schedule within the bound was run and none reaches the goal.
    OutOfReach,
    /// The budget or the time ran out first: no verdict.
    NotFound,
    /// A schedule failed in another way before any reached the goal (a deadlock where the
    /// goal is an expression, an exception): it says what.
    Other {
        /// The failure in words.
        what: String,
        /// Its schedule.
        schedule: Schedule,
    },
}

/// A challenge solved (or not) under one GIL mode.
#[derive(Clone, Debug)]
pub struct Solved {
    /// The goal searched for.
    pub goal: String,
    /// The GIL mode searched under.
    pub gil: GilMode,
    /// The preemption bound of the depth-first part.
    pub bound: usize,
    /// Schedules run.
    pub tried: usize,
    /// The verdict.
    pub verdict: Verdict,
    /// The challenge's par (None: impossible or absent).
    pub par: Option<usize>,
    /// The challenge says the goal is out of reach under its own mode.
    pub said_impossible: bool,
    /// The challenge's own GIL mode.
    pub own_gil: GilMode,
}

/// Search the schedules of a challenge for its goal under `settings.gil`: depth-first up to
/// its par (at least 2 preemptions), then random and PCT schedules, at most `budget`
/// schedules and `seconds`. Errors: not a challenge (no `Goal:`), or a goal that cannot be
/// evaluated on the program.
pub fn solve(prog: &Arc<Program>, settings: &RuntimeSettings, budget: usize, seconds: f64) -> Result<Solved, String> {
    let goal = prog.meta.goal.clone().ok_or_else(|| format!("{} has no `Goal:` in its docstring", prog.file))?;
    let check = explore::goal_check(&goal);
    let limits = explore::RunLimits::default();
    if let Some(c) = &check {
        c.validate(prog, settings, limits)?;
    }
    let par = par_preemptions(prog);
    // The par is a count under the challenge's own GIL mode; under another, the default
    // bound (then random and PCT schedules beyond it).
    let bound = match par {
        Some(p) if settings.gil == prog.meta_gil() => p.max(2),
        _ => 2,
    };
    let opts = ExploreOptions {
        strategy: StrategyKind::Auto,
        budget,
        seconds,
        check,
        preemptions: bound,
        limits,
        // Every core: the verdict does not depend on how many.
        jobs: explore::all_cores(),
        ..Default::default()
    };
    let ex = explore::explore(prog, settings, &opts, |_| true);
    let verdict = match ex.found {
        Some(f) if reached(&goal, &f.run.outcome) => {
            Verdict::Reached { schedule: f.schedule, preemptions: f.preemptions, steps: f.steps }
        }
        Some(f) => Verdict::Other { what: f.what, schedule: f.schedule },
        None if ex.exhausted => Verdict::OutOfReach,
        None => Verdict::NotFound,
    };
    Ok(Solved {
        goal,
        gil: settings.gil,
        bound,
        tried: ex.tried,
        verdict,
        par,
        said_impossible: said_impossible(prog),
        own_gil: prog.meta_gil(),
    })
}

fn plural(n: usize, one: &str) -> String {
    format!("{n} {one}{}", if n == 1 { "" } else { "s" })
}

impl Solved {
    /// The verdict in words, one paragraph: reached with how many preemptions against par;
    /// or the proof (every schedule within the bound tried, none gets there) and, where the
    /// challenge says so, that this is the lesson.
    pub fn words(&self) -> String {
        let g = &self.goal;
        let mode = self.gil.as_str();
        match &self.verdict {
            Verdict::Reached { preemptions, steps, .. } => {
                let par = match self.par {
                    Some(p) if p == *preemptions => " — par".to_string(),
                    Some(p) => format!(" (par {})", plural(p, "preemption")),
                    None if self.said_impossible && self.gil != self.own_gil => {
                        format!(" — under {} the challenge says it cannot be done", self.own_gil.as_str())
                    }
                    None => String::new(),
                };
                format!(
                    "Goal `{g}` reached under {mode} with {} in {}{par}, after {} tried.",
                    plural(*preemptions, "preemption"),
                    plural(*steps, "choice"),
                    plural(self.tried, "schedule")
                )
            }
            Verdict::OutOfReach => {
                let lesson = match self.gil {
                    GilMode::Cpython310 => {
                        " Why: CPython 3.10+ lets another thread run only at a loop's back-edge, a function's \
                         entry or after a call, and none of those falls where this goal needs a switch."
                    }
                    GilMode::Cpython39 => {
                        " Why: even switching between any two bytecodes, as 3.9 may, no schedule within the \
                         bound gets there."
                    }
                    GilMode::FreeThreaded => {
                        " Why: even with every shared load and store interleaving, as without a GIL, no \
                         schedule within the bound gets there."
                    }
                };
                format!(
                    "Out of reach under {mode}: every schedule with at most {} was tried ({}) and none reaches `{g}`.{lesson}",
                    plural(self.bound, "preemption"),
                    plural(self.tried, "schedule")
                )
            }
            Verdict::NotFound => format!(
                "Not reached within the search's budget ({} under {mode}); no proof either way.",
                plural(self.tried, "schedule")
            ),
            Verdict::Other { what, .. } => {
                format!("No schedule reached `{g}` before one failed another way under {mode}: {what}")
            }
        }
    }

    /// The schedule that reaches the goal, if one was found.
    pub fn schedule(&self) -> Option<&Schedule> {
        match &self.verdict {
            Verdict::Reached { schedule, .. } => Some(schedule),
            _ => None,
        }
    }
}

/// The GIL modes other than `gil` under which a challenge's goal can be reached, each with
/// the preemptions its best schedule needs (a small search per mode): what to suggest after
/// "out of reach".
pub fn reachable_elsewhere(prog: &Arc<Program>, settings: &RuntimeSettings, gil: GilMode) -> Vec<(GilMode, usize)> {
    GilMode::ALL
        .into_iter()
        .filter(|m| *m != gil)
        .filter_map(|m| {
            let s = RuntimeSettings { gil: m, ..settings.clone() };
            match solve(prog, &s, 300, 10.0).ok()?.verdict {
                Verdict::Reached { preemptions, .. } => Some((m, preemptions)),
                _ => None,
            }
        })
        .collect()
}

/// A game of the scheduler that ended, judged against the program's goal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Played {
    /// The preemptions the player's schedule made.
    pub preemptions: usize,
    /// Its choice points.
    pub steps: usize,
    /// The goal, for a challenge.
    pub goal: Option<String>,
    /// Whether the goal was reached (false when there is none).
    pub reached: bool,
    /// The verdict in words: the goal reached against par, or what the run came to.
    pub words: String,
}

/// Judge a finished game of `prog` (its trace, choices and final variables) against its goal.
pub fn judge(prog: &Program, trace: &Trace, report: &ControlReport, finals: &Finals) -> Played {
    let preemptions = Schedule::preemptions(&report.decisions);
    let steps = report.decisions.len();
    let goal = prog.meta.goal.clone();
    let check = goal.as_deref().and_then(explore::goal_check);
    let outcome = explore::outcome_of(trace, report, finals, check.as_ref());
    let reached = goal.as_deref().is_some_and(|g| reached(g, &outcome));
    let p = plural(preemptions, "preemption");
    let words = match &goal {
        Some(g) if reached => match par_preemptions(prog) {
            Some(par) if preemptions <= par => format!("Goal reached: `{g}` with {p} — par is {par}. Well played!"),
            Some(par) => format!("Goal reached: `{g}` with {p} (par is {par}: it can be done with fewer)."),
            None => format!("Goal reached: `{g}` with {p}."),
        },
        Some(g) => {
            let came = match outcome.failure_kind {
                Some(FailureKind::CheckFalse) | None => {
                    // The variables the goal names (`account` in `account.balance < 20`).
                    let names: Vec<&str> =
                        g.split(|c: char| !(c.is_alphanumeric() || c == '_')).filter(|w| !w.is_empty()).collect();
                    let vals: Vec<String> = outcome
                        .finals
                        .iter()
                        .filter(|(n, _)| names.contains(&n.as_str()))
                        .map(|(n, v)| format!("{n} = {v}"))
                        .collect();
                    if vals.is_empty() { "the program finished".to_string() } else { vals.join(", ") }
                }
                _ => outcome.failure.clone().unwrap_or_default(),
            };
            format!("Not this time: `{g}` was not reached ({came}). Step back and choose differently.")
        }
        None => outcome.words(),
    };
    Played { preemptions, steps, goal, reached, words }
}
