//! Schedules, and the search for the one that breaks a program.
//!
//! A [`Schedule`] is a controlled run's choices written as text: only the choices that
//! differ from the default (keep running the current thread while it can run, else the first
//! runnable one), each with the step it is taken at and the line the chosen thread is at,
//! so an edited program that no longer fits fails at the step where it diverged. Replayed,
//! the same file with the same slider values and the same schedule gives the same events.
//!
//! [`explore`] runs many controlled schedules — random, PCT (probabilistic concurrency
//! testing: random priorities with a few priority-change points) or depth-first with a
//! preemption bound (exhaustive within the bound) — looking for one where an `assert`
//! fails, a thread raises, the program deadlocks or a `--check` expression over the final
//! state is false; the first found is shrunk to the fewest preemptions and saved.
//! [`stats`] runs a program freely many times and counts its distinct outcomes.

use crate::rng::Rng;
use crate::summary::Summary;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use threadline_model::event::{EventKind, ThreadIx};
use threadline_model::model::RuntimeSettings;
use threadline_model::trace::Trace;
use threadline_python::py::Program;
use threadline_python::py::check::CheckExpr;
use threadline_python::py::run::{ControlSetup, Finals, PyRun};
use threadline_runtime::control::{Choice, ControlReport, Decision, Replay, Schedule, Sparse, Strategy};

mod search;
use search::explore_with;
use threadline_runtime::control::Prefix;
use threadline_runtime::pool::Pool;

// ------------------------------------------------------------------ strategies

/// Uniformly random among the runnable threads at every choice point.
pub struct Random(pub Rng);

impl Strategy for Random {
    fn choose(&mut self, _step: usize, point: &Decision, _stopped: &dyn Fn() -> bool) -> Choice {
        Choice::Run(point.enabled[self.0.below(point.enabled.len())].0)
    }
}

/// PCT (Burckhardt et al., 2010): every thread gets a random priority; the highest-priority
/// runnable thread runs; at `depth - 1` random steps the running thread drops to the lowest
/// priority. Finds a bug of depth d with probability at least 1/(n·k^(d-1)).
pub struct Pct {
    rng: Rng,
    priorities: BTreeMap<ThreadIx, u64>,
    change_at: Vec<usize>,
    lowered: u64,
}

impl Pct {
    /// For runs of about `steps` choice points, with `depth - 1` priority changes.
    pub fn new(seed: u64, depth: usize, steps: usize) -> Self {
        let mut rng = Rng::new(seed);
        let change_at = (1..depth.max(1)).map(|_| rng.below(steps.max(1))).collect();
        Self { rng, priorities: BTreeMap::new(), change_at, lowered: 0 }
    }
}

impl Strategy for Pct {
    fn choose(&mut self, step: usize, point: &Decision, _stopped: &dyn Fn() -> bool) -> Choice {
        // Priorities are threads'; an event loop's ready-queue choice is drawn at random.
        if !matches!(point.kind, threadline_runtime::control::DecisionKind::Thread) {
            return Choice::Run(point.enabled[self.rng.below(point.enabled.len())].0);
        }
        for (t, _) in &point.enabled {
            if !self.priorities.contains_key(t) {
                let p = 1_000_000 + self.rng.below(1_000_000) as u64;
                self.priorities.insert(*t, p);
            }
        }
        let best = |pr: &BTreeMap<ThreadIx, u64>| {
            point.enabled.iter().map(|(t, _)| *t).max_by_key(|t| pr.get(t).copied().unwrap_or(0)).unwrap_or(0)
        };
        if self.change_at.contains(&step) {
            let top = best(&self.priorities);
            self.lowered += 1;
            self.priorities.insert(top, self.lowered);
        }
        Choice::Run(best(&self.priorities))
    }
}

// ------------------------------------------------------------------ one run

/// What kind of failure a run ended in: what "the same bug" means when a schedule is
/// shrunk (a shorter schedule must fail the same way).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// A replayed schedule did not fit the program.
    Diverged,
    /// Stopped at the wall-time limit: neither a pass nor a failure.
    Inconclusive,
    /// A deadlock.
    Deadlock,
    /// The turn limit: the program may not end.
    TurnLimit,
    /// An uncaught exception of this type.
    Raised(String),
    /// The `--check` expression was False.
    CheckFalse,
    /// The `--check` expression could not be evaluated.
    CheckError,
}

/// What one run came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Why it counts as a failure, in words (None: it did not fail).
    pub failure: Option<String>,
    /// The failure's kind (None: it did not fail).
    pub failure_kind: Option<FailureKind>,
    /// What it printed to stdout.
    pub output: Vec<String>,
    /// The module's final variables that are plain values, `(name, repr)`.
    pub finals: Vec<(String, String)>,
}

impl Outcome {
    /// In words, one line: the failure (if any) and what it printed.
    pub fn words(&self) -> String {
        let printed = self.output.join(" / ");
        match &self.failure {
            Some(f) if self.output.is_empty() => f.clone(),
            Some(f) => format!("{f}; printed: {printed}"),
            None if self.output.is_empty() => "finished, printed nothing".into(),
            None => format!("finished, printed: {printed}"),
        }
    }

    /// The kind of failure, to tell "the same bug" when shrinking: deadlock, an exception
    /// type, the check, the schedule.
    pub fn kind(&self) -> Option<&FailureKind> {
        self.failure_kind.as_ref()
    }
}

/// A `--check` expression, evaluated over a run's final module variables. It is compiled
/// once, the first time it is evaluated, and then evaluated directly on each run's values
/// ([`threadline_python::py::check::CheckExpr`]).
#[derive(Clone, Debug)]
pub struct Check {
    /// The expression as written.
    pub expr: String,
    compiled: Arc<std::sync::OnceLock<Result<CheckExpr, String>>>,
}

impl Check {
    /// The check `expr` (compiled when first used).
    pub fn new(expr: impl Into<String>) -> Self {
        Check { expr: expr.into(), compiled: Arc::default() }
    }

    fn compiled(&self) -> Result<&CheckExpr, String> {
        self.compiled
            .get_or_init(|| CheckExpr::compile(&self.expr))
            .as_ref()
            .map_err(|e| format!("--check `{}`: {e}", self.expr))
    }

    /// Whether the check can be evaluated on this program at all (it compiles, its names
    /// exist and hold plain values): run it once under the default schedule and evaluate.
    /// The error says why not, for the user, before a search starts.
    pub fn validate(&self, prog: &Arc<Program>, settings: &RuntimeSettings, limits: RunLimits) -> Result<(), String> {
        self.compiled()?;
        let first =
            run_controlled(prog, settings, Box::new(threadline_runtime::control::DefaultSchedule), None, limits);
        self.eval(&first.finals).map(|_| ())
    }

    /// Evaluate over a run's final variables: Ok(truthy) or the Python error in words.
    pub fn eval(&self, finals: &Finals) -> Result<bool, String> {
        self.compiled()?.eval(&finals.values).map_err(|e| {
            format!(
                "--check `{}`: {e} (the check sees the module's variables that hold plain values, and objects whose attributes do: {})",
                self.expr,
                if finals.literals.is_empty() {
                    "none here".to_string()
                } else {
                    finals.literals.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ")
                }
            )
        })
    }
}

/// A challenge's goal (`Goal:` in its docstring) as what explore searches for: an
/// expression some schedule should make true becomes the check `not (GOAL)` (its failure
/// is the goal reached); `deadlock` needs no check (a deadlock is a failure already).
pub fn goal_check(goal: &str) -> Option<Check> {
    let g = goal.trim();
    if g.eq_ignore_ascii_case("deadlock") { None } else { Some(Check::new(format!("not ({g})"))) }
}

/// A finished controlled run.
pub struct Controlled {
    /// Its trace.
    pub trace: Trace,
    /// Its choices.
    pub report: ControlReport,
    /// What it came to.
    pub outcome: Outcome,
    /// Its final module variables.
    pub finals: Finals,
}

/// Limits of one controlled run in a search.
#[derive(Clone, Copy, Debug)]
pub struct RunLimits {
    /// Wall time: not a verdict but a safety net (a search passes what is left of its own
    /// time; a run stopped by it says nothing about its schedule).
    pub wall: Duration,
    /// Turns (switch points passed): a program that never ends is stopped here.
    pub turns: u64,
    /// Not a limit but how the run goes: `x += 1` on a shared variable split into load,
    /// add and store with switch points between ([`threadline_runtime::control::Control::set_split_updates`]).
    pub split: bool,
    /// Idle passes of a `while` loop make the thread wait for a change
    /// ([`threadline_runtime::control::Control::spin_point`]); off only to check that the
    /// reduction loses no outcome.
    pub spin_reduction: bool,
    /// Depth-first search tries another thread at a choice point only where a later turn
    /// of it races with the turn chosen there (dynamic partial-order reduction over each
    /// turn's footprint, [`threadline_runtime::footprint`]); the first few choice points try
    /// every thread, so that workers can share the search. Off only to check that the
    /// reduction loses no outcome.
    pub reduction: bool,
}

/// The turn limit of a controlled run: a program still going after this many switch points
/// is taken not to end. The only limit that decides a run's outcome, so the verdict is the
/// same on a quiet and a loaded machine.
pub const DEFAULT_TURNS: u64 = 100_000;

impl Default for RunLimits {
    fn default() -> Self {
        Self {
            wall: Duration::from_secs(3600),
            turns: DEFAULT_TURNS,
            split: false,
            spin_reduction: true,
            reduction: true,
        }
    }
}

/// Run `prog` once under `strategy`, to its end (or the limits).
pub fn run_controlled(
    prog: &Arc<Program>,
    settings: &RuntimeSettings,
    strategy: Box<dyn Strategy>,
    check: Option<&Check>,
    limits: RunLimits,
) -> Controlled {
    // One thread runs at a time: on one core, a hand-off of the turn is a switch of thread
    // on that core, not a wake-up sent to another (measured on the explore bench's random
    // turns: about 3× the turns a second of threads left to wander).
    let pool = Pool::on_one_core(threadline_runtime::rt::THREAD_STACK_BYTES, false);
    run_controlled_in(prog, settings, strategy, check, limits, Some(&pool))
}

/// [`run_controlled`], carried by `pool`'s OS threads when given (a search's, reused run
/// after run).
pub fn run_controlled_in(
    prog: &Arc<Program>,
    settings: &RuntimeSettings,
    strategy: Box<dyn Strategy>,
    check: Option<&Check>,
    limits: RunLimits,
    pool: Option<&Arc<Pool>>,
) -> Controlled {
    run_gathering(prog, settings, strategy, check, limits, pool, false)
}

/// [`run_controlled_in`], with each turn's footprint shown to the strategy when `footprints`.
pub(crate) fn run_gathering(
    prog: &Arc<Program>,
    settings: &RuntimeSettings,
    strategy: Box<dyn Strategy>,
    check: Option<&Check>,
    limits: RunLimits,
    pool: Option<&Arc<Pool>>,
    footprints: bool,
) -> Controlled {
    // Set up before the first turn: a limit set after it could come too late.
    let setup = ControlSetup {
        split: limits.split,
        turn_limit: Some(limits.turns),
        spin_reduction: limits.spin_reduction,
        footprints,
    };
    let run = PyRun::start_controlled_with(Arc::clone(prog), settings.clone(), strategy, setup, pool.cloned());
    let finished = run.finish_keep(Some(limits.wall));
    let (trace, report, finals) = finished;
    let report = report.unwrap_or_default();
    let outcome = outcome_of(&trace, &report, &finals, check);
    Controlled { trace, report, outcome, finals }
}

/// What a finished controlled run came to: its trace, its choices and its final module
/// variables, judged with `check` (None: only deadlocks, exceptions and the turn limit fail).
pub fn outcome_of(trace: &Trace, report: &ControlReport, finals: &Finals, check: Option<&Check>) -> Outcome {
    // The deadlock in words needs the timeline; most runs have none to build it for.
    let deadlock = trace
        .events
        .iter()
        .any(|e| matches!(e.kind, EventKind::Deadlock { .. }))
        .then(|| Summary::of_trace(trace).deadlock)
        .flatten();
    let output: Vec<String> = trace
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Print { line, stderr: false } => Some(line.clone()),
            _ => None,
        })
        .collect();
    use FailureKind as F;
    // An uncaught exception before a deadlock is the failure (the deadlock may be its
    // consequence: a thread that died holding a lock); the deadlock is said after it.
    let raised = trace.events.iter().find_map(|e| match &e.kind {
        EventKind::ThreadRaised { error } => Some((e.t_ns, e.thread, &**error)),
        _ => None,
    });
    let deadlock_at = trace.events.iter().find(|e| matches!(e.kind, EventKind::Deadlock { .. })).map(|e| e.t_ns);
    let raised_words = |(_, th, error): (u64, u32, &threadline_model::pyerror::PyError)| {
        let thread = trace.threads.get(th as usize).map_or("?", |m| m.name.as_str());
        format!("{}: {} (in {thread})", error.ty, error.message)
    };
    let failed = if let Some(d) = &report.diverged {
        Some((F::Diverged, format!("diverged: {d}")))
    } else if report.stopped_from_outside {
        Some((F::Inconclusive, "inconclusive: stopped at the wall-time limit before it ended".to_string()))
    } else if let (Some(r), Some(d), Some(at)) = (raised, &deadlock, deadlock_at)
        && r.0 <= at
    {
        Some((F::Raised(r.2.ty.clone()), format!("{}; then {}", raised_words(r), d.words)))
    } else if let Some(d) = &deadlock {
        Some((F::Deadlock, d.words.clone()))
    } else if let Some(r) = raised {
        // Before the turn limit too: the exception came first.
        Some((F::Raised(r.2.ty.clone()), raised_words(r)))
    } else if report.livelock {
        Some((
            F::TurnLimit,
            format!(
                "never ends: after {} turns every thread left spins in a `while` loop waiting for a change no thread can make any more (CPython would spin for ever)",
                report.turns
            ),
        ))
    } else if report.turn_limit {
        Some((F::TurnLimit, format!("turn limit: stopped after {} turns (does the program end?)", report.turns)))
    } else {
        match check.map(|c| c.eval(finals)) {
            Some(Ok(false)) => {
                Some((F::CheckFalse, format!("check: `{}` is False", check.map_or("", |c| c.expr.as_str()))))
            }
            Some(Err(e)) => Some((F::CheckError, format!("check error: {e}"))),
            _ => None,
        }
    };
    let (failure_kind, failure) = match failed {
        Some((k, w)) => (Some(k), Some(w)),
        None => (None, None),
    };
    Outcome { failure, failure_kind, output, finals: finals.literals.clone() }
}

// ------------------------------------------------------------------ explore

/// How `explore` picks schedules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StrategyKind {
    /// Uniformly random choices.
    Random,
    /// Probabilistic concurrency testing.
    Pct,
    /// Depth-first over every schedule with at most `preemptions` preemptions.
    Dfs,
    /// Depth-first with half the schedule budget; if that neither finds a failure nor
    /// runs every schedule within the bound, [`StrategyKind::Sampled`] with the seed for the
    /// other half (what a preemption bound cannot reach — many threads, long spins —
    /// sampling often can).
    Auto,
    /// Random and PCT schedules in turn.
    Sampled,
}

/// What `explore` is asked.
#[derive(Clone, Debug)]
pub struct ExploreOptions {
    /// How schedules are picked.
    pub strategy: StrategyKind,
    /// At most this many schedules.
    pub budget: usize,
    /// At most this long.
    pub seconds: f64,
    /// A condition the final state must meet.
    pub check: Option<Check>,
    /// Depth-first: the preemption bound. PCT: the bug depth (priority changes + 1).
    pub preemptions: usize,
    /// Seed of the random strategies.
    pub seed: u64,
    /// Per-run limits.
    pub limits: RunLimits,
    /// Worker threads running schedules at once (at least 1). The result does not depend
    /// on it when the search runs to its end: the same schedules are counted, the same
    /// failure is found first ([`search`]).
    pub jobs: usize,
}

/// Free runs at once for `stats` by default: one per two cores. A free run's outcome depends
/// on when its threads get a core (a GIL waiter's wake-up, a forced switch's landing), so runs
/// side by side must not take each other's: on this 2-core machine, two `race-counter` runs
/// at once under `cpython-3.9` kept every update in 30–36 % of 100 runs against 71–75 % one
/// at a time. Each run gets a core for the thread holding the GIL and one for the rest.
pub fn stats_jobs() -> usize {
    (all_cores() / 2).max(1)
}

/// The machine's cores (what `--jobs` defaults to), at least 1.
pub fn all_cores() -> usize {
    threadline_model::trace::cores()
}

impl Default for ExploreOptions {
    fn default() -> Self {
        Self {
            strategy: StrategyKind::Dfs,
            budget: 10_000,
            seconds: 60.0,
            check: None,
            preemptions: 2,
            seed: 0,
            limits: RunLimits::default(),
            jobs: 1,
        }
    }
}

/// A failing schedule, shrunk.
pub struct Found {
    /// What failed, in words.
    pub what: String,
    /// The schedule (replays exactly).
    pub schedule: Schedule,
    /// Its preemptions (context switches away from a thread that could have gone on).
    pub preemptions: usize,
    /// Choice points in its run.
    pub steps: usize,
    /// The schedule's number in the search (1-based) before shrinking.
    pub found_at: usize,
    /// Its run.
    pub run: Controlled,
}

/// What a search did.
pub struct Exploration {
    /// Schedules run (shrinking not counted).
    pub tried: usize,
    /// Distinct outcomes: (the outcome, how many schedules), most frequent first.
    pub outcomes: Vec<(Outcome, usize)>,
    /// The first failure, shrunk.
    pub found: Option<Found>,
    /// Depth-first only: every schedule within the bound was run (to its end).
    pub exhausted: bool,
    /// The search stopped at its time limit (`--seconds`) before it found a failure or
    /// ran out of schedules: it has no verdict.
    pub out_of_time: bool,
    /// `Auto`: the depth-first search ran this many schedules, then PCT took over.
    pub fell_back_after: Option<usize>,
    /// Turns given in all runs (for turns per second).
    pub turns: u64,
    /// Times a thread was parked at an idle pass of a spin loop, in all runs (choice points
    /// the search did not branch on).
    pub spin_waits: u64,
    /// What partial-order reduction spared the depth-first search.
    pub reduction: Reduction,
    /// How long the search took (shrinking not counted).
    pub elapsed: Duration,
}

/// What partial-order reduction spared a depth-first search ([`RunLimits::reduction`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reduction {
    /// Choices within the preemption bound a finished choice point never tried: no later
    /// turn of that thread raced with the turn chosen there (each is a subtree of
    /// schedules).
    pub skipped: usize,
}

/// Search for a failing schedule of `prog`. `progress` is called after each run with the
/// number tried; returning false stops the search.
pub fn explore(
    prog: &Arc<Program>,
    settings: &RuntimeSettings,
    opts: &ExploreOptions,
    mut progress: impl FnMut(usize) -> bool,
) -> Exploration {
    // The check is compiled here, on the caller's thread, before any worker (kept to one
    // core) could be the first to use it.
    if let Some(c) = &opts.check {
        let _ = c.compiled();
    }
    if opts.strategy != StrategyKind::Auto {
        return explore_with(prog, settings, opts, progress);
    }
    // Depth-first first, with half the budget (a schedule count: the switch is the same on
    // any machine), then PCT for the rest.
    let started = Instant::now();
    let dfs_opts = ExploreOptions { strategy: StrategyKind::Dfs, budget: opts.budget.div_ceil(2), ..opts.clone() };
    let mut stopped = false;
    let first = explore_with(prog, settings, &dfs_opts, |n| {
        let go = progress(n);
        stopped |= !go;
        go
    });
    if first.found.is_some() || first.exhausted || first.out_of_time || stopped {
        return first;
    }
    let left = opts.seconds - started.elapsed().as_secs_f64();
    let pct_opts = ExploreOptions {
        strategy: StrategyKind::Sampled,
        budget: opts.budget - first.tried,
        seconds: left.max(0.0),
        ..opts.clone()
    };
    let done = first.tried;
    let mut second = explore_with(prog, settings, &pct_opts, |n| progress(done + n));
    second.fell_back_after = Some(first.tried);
    second.tried += first.tried;
    second.turns += first.turns;
    second.spin_waits += first.spin_waits;
    second.reduction = first.reduction;
    second.elapsed = started.elapsed();
    for (o, n) in first.outcomes {
        match second.outcomes.iter_mut().find(|(x, _)| *x == o) {
            Some((_, m)) => *m += n,
            None => second.outcomes.push((o, n)),
        }
    }
    second.outcomes.sort_by_key(|o| std::cmp::Reverse(o.1));
    if let Some(f) = second.found.as_mut() {
        f.found_at += first.tried;
    }
    second
}

/// Shrink a failing run to a local minimum: no single non-default choice of its schedule can
/// be removed (the default taken there) or moved one choice point earlier while the run
/// still fails the same way. Measured by (preemptions, choices that differ from the
/// default, the sum of their steps), each accepted change lowering it (so it ends); at
/// most 2 000 tries and the search's own time (a minute at most).
fn shrink(
    prog: &Arc<Program>,
    settings: &RuntimeSettings,
    opts: &ExploreOptions,
    failing: Controlled,
    found_at: usize,
) -> Found {
    let kind = failing.outcome.kind().cloned();
    let measure = |d: &[Decision]| {
        let steps: usize = d.iter().enumerate().filter(|(_, x)| x.chosen != x.default_choice()).map(|(i, _)| i).sum();
        (Schedule::preemptions(d), deviations(d), steps)
    };
    let mut best = failing;
    // The runs' threads on one core (the caller's thread stays where it is).
    let pool = Pool::on_one_core(threadline_runtime::rt::THREAD_STACK_BYTES, false);
    let mut attempts = 0;
    // Shrinking gets at most the search's own time again (and never more than a minute).
    let deadline = Instant::now() + Duration::from_secs_f64(opts.seconds.clamp(1.0, 60.0));
    'outer: loop {
        let choices: Vec<(usize, ThreadIx)> = best
            .report
            .decisions
            .iter()
            .enumerate()
            .filter(|(_, x)| x.chosen != x.default_choice())
            .map(|(i, x)| (i, x.chosen))
            .collect();
        let current = measure(&best.report.decisions);
        // Candidates, made one at a time: each choice removed (latest first), then each
        // moved one step earlier.
        let n = choices.len();
        // Halves, quarters, … of the choices dropped at once (delta debugging), then each
        // single choice (latest first).
        let mut chunk = n / 2;
        let mut chunks = Vec::new();
        while chunk >= 2 {
            chunks.extend((0..n.div_ceil(chunk)).map(|k| (k * chunk, ((k + 1) * chunk).min(n))));
            chunk /= 2;
        }
        let dropped = chunks.into_iter().map(|(a, b)| {
            let mut c = choices.clone();
            c.drain(a..b);
            c
        });
        let removed = dropped.chain((0..n).rev().map(|j| {
            let mut c = choices.clone();
            c.remove(j);
            c
        }));
        let moved = (0..n).filter_map(|j| {
            let (step, t) = choices[j];
            let e = step.checked_sub(1).filter(|e| j == 0 || *e > choices[j - 1].0)?;
            let mut c = choices.clone();
            c[j] = (e, t);
            Some(c)
        });
        for cand in removed.chain(moved) {
            if attempts >= 2_000 || Instant::now() >= deadline {
                break 'outer;
            }
            attempts += 1;
            let run = run_controlled_in(
                prog,
                settings,
                Box::new(Sparse(cand)),
                opts.check.as_ref(),
                opts.limits,
                Some(&pool),
            );
            if run.outcome.kind() == kind.as_ref()
                && run.report.diverged.is_none()
                && measure(&run.report.decisions) < current
            {
                best = run;
                continue 'outer;
            }
        }
        break;
    }
    let schedule = Schedule::of_decisions(&best.report.decisions);
    Found {
        what: best.outcome.failure.clone().unwrap_or_default(),
        preemptions: Schedule::preemptions(&best.report.decisions),
        steps: best.report.decisions.len(),
        schedule,
        found_at,
        run: best,
    }
}

fn deviations(d: &[Decision]) -> usize {
    d.iter().filter(|x| x.chosen != x.default_choice()).count()
}

/// Replay `sched` on `prog`; a schedule that does not fit is an error saying where.
pub fn replay(
    prog: &Arc<Program>,
    settings: &RuntimeSettings,
    sched: &Schedule,
    limits: RunLimits,
) -> Result<Controlled, String> {
    let run = run_controlled(prog, settings, Box::new(Replay::new(sched.clone())), None, limits);
    if let Some(d) = &run.report.diverged {
        return Err(d.clone());
    }
    if let Some(last) = sched.steps.last()
        && last.step >= run.report.decisions.len()
    {
        return Err(format!(
            "the schedule diverged: it has a choice at step {} but this run had only {} choice points (was the program edited?)",
            last.step,
            run.report.decisions.len()
        ));
    }
    if let Some(end) = sched.end
        && end != run.report.decisions.len()
    {
        return Err(format!(
            "the schedule diverged: it was made for a run of {end} choice points; this run has {} (was the program edited?)",
            run.report.decisions.len()
        ));
    }
    Ok(run)
}

// ------------------------------------------------------------------ stats

/// One bar of the outcome histogram.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatBar {
    /// The outcome in words: the variables that differ between runs, and the output.
    pub label: String,
    /// How many runs.
    pub count: usize,
    /// The first run (0-based) that came to it.
    pub first_run: usize,
    /// That run's trace, when kept: an index into [`stats_with_traces`]'s traces.
    pub trace: Option<usize>,
}

/// The most runs' traces [`stats_with_traces`] keeps (one per distinct outcome, the first).
pub const STATS_TRACES_KEPT: usize = 20;

/// Run `prog` freely `runs` times, `jobs` runs at once; count the distinct outcomes (final
/// values of the module's plain variables that differ between runs, and what it printed).
/// `progress` is called after each run with the number done; false stops (the runs going
/// then are stopped and not counted).
pub fn stats(
    prog: &Arc<Program>,
    settings: &RuntimeSettings,
    runs: usize,
    jobs: usize,
    limit: Duration,
    progress: impl FnMut(usize) -> bool,
) -> Vec<StatBar> {
    stats_with_traces(prog, settings, runs, jobs, limit, progress).0
}

/// [`stats`], also keeping the trace of the first run of each distinct outcome (at most
/// [`STATS_TRACES_KEPT`]), so the run behind a bar can be opened.
///
/// Run `i` is seeded with `i` whatever `jobs` is, and the outcomes are counted in the runs'
/// order, so the bars (their first runs, the traces kept) are the ones a single job would
/// give for the same runs.
pub fn stats_with_traces(
    prog: &Arc<Program>,
    settings: &RuntimeSettings,
    runs: usize,
    jobs: usize,
    limit: Duration,
    mut progress: impl FnMut(usize) -> bool,
) -> (Vec<StatBar>, Vec<Trace>) {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let stop = std::sync::atomic::AtomicBool::new(false);
    let (tx, rx) = std::sync::mpsc::channel::<(usize, Outcome, Trace)>();
    let mut done: Vec<(usize, Outcome)> = Vec::new();
    // The first run of each outcome (at most STATS_TRACES_KEPT outcomes, those first met).
    let mut kept: Vec<(usize, Outcome, Trace)> = Vec::new();
    std::thread::scope(|s| {
        for _ in 0..jobs.clamp(1, runs.max(1)) {
            let (tx, next, stop) = (tx.clone(), &next, &stop);
            s.spawn(move || {
                use std::sync::atomic::Ordering::{AcqRel, Acquire};
                loop {
                    let i = next.fetch_add(1, AcqRel);
                    if i >= runs || stop.load(Acquire) {
                        return;
                    }
                    let run = PyRun::start(Arc::clone(prog), settings.clone(), i as u64, None);
                    let started = std::time::Instant::now();
                    while !run.shared().wait_all_ended(Duration::from_millis(10)) {
                        if stop.load(Acquire) || started.elapsed() > limit {
                            run.stop();
                        }
                    }
                    let (trace, _, finals) = run.finish_keep(None);
                    if stop.load(Acquire) {
                        return;
                    }
                    let outcome = outcome_of(&trace, &ControlReport::default(), &finals, None);
                    if tx.send((i, outcome, trace)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(tx);
        for (i, outcome, trace) in rx.iter() {
            keep_first(&mut kept, i, &outcome, trace);
            done.push((i, outcome));
            if !progress(done.len()) {
                stop.store(true, std::sync::atomic::Ordering::Release);
                break;
            }
        }
    });
    done.sort_by_key(|(i, _)| *i);
    kept.sort_by_key(|(i, _, _)| *i);
    // Only the variables whose final values differ between runs tell outcomes apart.
    let varies = |name: &str| {
        let mut vals = done.iter().map(|(_, o)| o.finals.iter().find(|(n, _)| n == name).map(|(_, v)| v));
        let first = vals.next().flatten();
        vals.any(|v| v != first)
    };
    let names: Vec<String> = done
        .first()
        .map(|(_, o)| o.finals.iter().map(|(n, _)| n.clone()).filter(|n| varies(n)).collect())
        .unwrap_or_default();
    let mut bars: Vec<StatBar> = Vec::new();
    for &(i, Outcome { ref finals, ref output, ref failure, .. }) in &done {
        let mut parts: Vec<String> = names
            .iter()
            .filter_map(|n| finals.iter().find(|(m, _)| m == n).map(|(m, v)| format!("{m} = {v}")))
            .collect();
        if let Some(f) = failure {
            parts.push(f.clone());
        }
        if !output.is_empty() {
            parts.push(format!("printed: {}", output.join(" / ")));
        }
        let label = if parts.is_empty() { "(no output)".to_string() } else { parts.join("; ") };
        match bars.iter_mut().find(|b| b.label == label) {
            Some(b) => b.count += 1,
            None => {
                bars.push(StatBar { label, count: 1, first_run: i, trace: kept.iter().position(|(r, _, _)| *r == i) })
            }
        }
    }
    bars.sort_by(|a, b| b.count.cmp(&a.count).then(a.first_run.cmp(&b.first_run)));
    (bars, kept.into_iter().map(|(_, _, t)| t).collect())
}

/// Keep run `i`'s trace when it is the first run (by index, whatever order the runs ended
/// in) of an outcome among the first [`STATS_TRACES_KEPT`] outcomes met.
fn keep_first(kept: &mut Vec<(usize, Outcome, Trace)>, i: usize, outcome: &Outcome, trace: Trace) {
    if let Some(k) = kept.iter().position(|(_, o, _)| o == outcome) {
        if i < kept[k].0 {
            kept[k] = (i, outcome.clone(), trace);
        }
        return;
    }
    if kept.len() < STATS_TRACES_KEPT {
        kept.push((i, outcome.clone(), trace));
    } else if let Some((k, _)) = kept.iter().enumerate().max_by_key(|(_, (r, _, _))| *r)
        && i < kept[k].0
    {
        kept[k] = (i, outcome.clone(), trace);
    }
}
