//! Schedules as data: the choices a controlled run made, written down, read back and
//! followed ([`Schedule`], [`Replay`]), or given in part ([`Sparse`], [`Prefix`]).

use super::*;

/// One choice of a schedule: at choice point `step`, run thread `thread` (its index in the
/// thread table: T0 is the main thread), which is then at `line`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScheduleStep {
    /// The choice point, counted from 0.
    pub step: usize,
    /// The thread run there.
    pub thread: ThreadIx,
    /// The line it is at (0: not checked).
    pub line: u32,
    /// What is chosen: a thread (`T2`), an event loop's ready callback (`K2`: the one at
    /// position 2 runs first) or a lock's handoff at release (`H1`: the first waiter takes it).
    pub kind: StepKind,
}

/// What a schedule's step chooses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StepKind {
    /// A thread (`T`).
    #[default]
    Thread,
    /// An event loop's ready callback (`K`).
    Ready,
    /// Who takes a released lock (`H`).
    Handoff,
}

impl StepKind {
    pub(super) fn of(kind: &DecisionKind) -> Self {
        match kind {
            DecisionKind::Thread => StepKind::Thread,
            DecisionKind::Ready { .. } => StepKind::Ready,
            DecisionKind::Handoff { .. } => StepKind::Handoff,
        }
    }

    pub(super) fn letter(self) -> char {
        match self {
            StepKind::Thread => 'T',
            StepKind::Ready => 'K',
            StepKind::Handoff => 'H',
        }
    }

    fn words(self) -> &'static str {
        match self {
            StepKind::Thread => "a thread's",
            StepKind::Ready => "an event loop's",
            StepKind::Handoff => "a lock handoff's",
        }
    }
}

/// A controlled run's choices that differ from the default, and how many choice points the
/// run had. Text form: `3:T1@12 7:T2@12 end:9` (step 3: run T1, at line 12; …; 9 choice
/// points in all).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Schedule {
    /// The non-default choices, by step.
    pub steps: Vec<ScheduleStep>,
    /// How many choice points the run had (checked after a replay, when known).
    pub end: Option<usize>,
}

impl Schedule {
    /// The schedule of a run that made these decisions.
    pub fn of_decisions(decisions: &[Decision]) -> Self {
        let steps = decisions
            .iter()
            .enumerate()
            .filter(|(_, d)| d.chosen != d.default_choice())
            .map(|(step, d)| ScheduleStep {
                step,
                thread: d.chosen,
                line: d.line_of(d.chosen),
                kind: StepKind::of(&d.kind),
            })
            .collect();
        Self { steps, end: Some(decisions.len()) }
    }

    /// Read the text form (whitespace, commas or new lines between tokens; `#` starts a
    /// comment). Errors say which token and why.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut sched = Schedule::default();
        let tokens = text
            .lines()
            .flat_map(|l| l.split('#').next().unwrap_or("").split(|c: char| c.is_whitespace() || c == ','))
            .filter(|t| !t.is_empty());
        for (n, tok) in tokens.enumerate() {
            let bad = |why: &str| {
                format!(
                    "schedule, token {} `{tok}`: {why} (expected STEP:T<thread>@LINE, STEP:K<ready>@LINE, STEP:H<waiter>@LINE or end:N)",
                    n + 1
                )
            };
            let (a, b) = tok.split_once(':').ok_or_else(|| bad("no `:`"))?;
            if a == "end" {
                sched.end = Some(b.parse().map_err(|_| bad("the step count is not a number"))?);
                continue;
            }
            let step: usize = a.parse().map_err(|_| bad("the step is not a number"))?;
            let (t, line) = match b.split_once('@') {
                Some((t, l)) => (t, l.parse::<u32>().map_err(|_| bad("the line is not a number"))?),
                None => (b, 0),
            };
            // T<n>: thread n runs; K<n>: an event loop runs its ready callback n first; H<n>:
            // a released lock goes to its n-th waiter at once.
            const FORM: &str = "the choice is written T<thread>, K<ready callback> or H<waiter>";
            let (kind, num) = match t.chars().next() {
                Some('T' | 't') => (StepKind::Thread, &t[1..]),
                Some('K' | 'k') => (StepKind::Ready, &t[1..]),
                Some('H' | 'h') => (StepKind::Handoff, &t[1..]),
                _ => return Err(bad(FORM)),
            };
            let thread: ThreadIx = num.parse().map_err(|_| bad(FORM))?;
            if sched.steps.last().is_some_and(|s| s.step >= step) {
                return Err(bad("steps must increase"));
            }
            sched.steps.push(ScheduleStep { step, thread, line, kind });
        }
        Ok(sched)
    }

    /// The thread this schedule runs at choice point `step` (its choice there, else the
    /// default), if that thread can run there.
    pub fn choice_at(&self, step: usize, point: &Decision) -> Option<ThreadIx> {
        let t = match self.steps.iter().find(|s| s.step == step) {
            Some(s) => s.thread,
            None => point.default_choice(),
        };
        point.enabled.iter().any(|(e, _)| *e == t).then_some(t)
    }

    /// How many of its choices preempt a thread that could have gone on, given the run's
    /// decisions.
    pub fn preemptions(decisions: &[Decision]) -> usize {
        decisions.iter().filter(|d| d.is_preemption()).count()
    }
}

impl std::fmt::Display for Schedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut first = true;
        for s in &self.steps {
            if !first {
                f.write_str(" ")?;
            }
            first = false;
            write!(f, "{}:{}{}", s.step, s.kind.letter(), s.thread)?;
            if s.line > 0 {
                write!(f, "@{}", s.line)?;
            }
        }
        if let Some(e) = self.end {
            if !first {
                f.write_str(" ")?;
            }
            write!(f, "end:{e}")?;
        }
        Ok(())
    }
}

/// Replay a schedule exactly: its choices where it has them, the default elsewhere; a
/// choice that does not fit (the thread cannot run there, or is at another line) stops the
/// run with the step and the reason.
pub struct Replay {
    sched: Schedule,
    next: usize,
}

impl Replay {
    /// Replay `sched`.
    pub fn new(sched: Schedule) -> Self {
        Self { sched, next: 0 }
    }
}

fn runnable_list(point: &Decision) -> String {
    point.enabled.iter().map(|(t, l)| format!("T{t} at line {l}")).collect::<Vec<_>>().join(", ")
}

impl Strategy for Replay {
    fn choose(&mut self, step: usize, point: &Decision, _stopped: &dyn Fn() -> bool) -> Choice {
        let Some(s) = self.sched.steps.get(self.next).copied() else {
            return Choice::Run(point.default_choice());
        };
        if s.step != step {
            return Choice::Run(point.default_choice());
        }
        self.next += 1;
        let here = StepKind::of(&point.kind);
        if s.kind != here {
            return Choice::Diverged(format!(
                "the schedule diverged at step {step}: it makes {} choice there, but the run has {} choice",
                s.kind.words(),
                here.words()
            ));
        }
        match point.enabled.iter().find(|(t, _)| *t == s.thread) {
            None => Choice::Diverged(format!(
                "the schedule diverged at step {step}: it runs T{} there, which cannot run (runnable: {})",
                s.thread,
                runnable_list(point)
            )),
            Some((_, line)) if s.line != 0 && *line != s.line => Choice::Diverged(format!(
                "the schedule diverged at step {step}: it runs T{} at line {}, but T{} is at line {line} (was the program edited?)",
                s.thread, s.line, s.thread
            )),
            Some(_) => Choice::Run(s.thread),
        }
    }
}

/// Run these threads at these choice points (`(step, thread)`, in step order) and the
/// default everywhere else; a listed thread that cannot run there is replaced by the
/// default. Shrinking's way of trying a schedule with one choice fewer or moved.
pub struct Sparse(pub Vec<(usize, ThreadIx)>);

impl Strategy for Sparse {
    fn choose(&mut self, step: usize, point: &Decision, _stopped: &dyn Fn() -> bool) -> Choice {
        match self.0.binary_search_by_key(&step, |(s, _)| *s).ok().map(|i| self.0[i].1) {
            Some(t) if point.enabled.iter().any(|(e, _)| *e == t) => Choice::Run(t),
            _ => Choice::Run(point.default_choice()),
        }
    }
}

/// Run these threads at the first choice points, the default after (a choice that cannot be
/// taken becomes the default): the search's way of replaying a prefix.
pub struct Prefix(pub Vec<ThreadIx>);

impl Strategy for Prefix {
    fn choose(&mut self, step: usize, point: &Decision, _stopped: &dyn Fn() -> bool) -> Choice {
        match self.0.get(step) {
            Some(t) if point.enabled.iter().any(|(e, _)| e == t) => Choice::Run(*t),
            _ => Choice::Run(point.default_choice()),
        }
    }
}
