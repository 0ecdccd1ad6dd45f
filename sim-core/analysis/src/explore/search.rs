//! The search itself, on one worker thread or several (`--jobs`), with one result either
//! way.
//!
//! Every schedule has a place in the search's order: a sampled schedule (random, PCT) its
//! number, drawn from the seed; a depth-first schedule its *key*, the rank of its choice at
//! every choice point (the choice the first run through that point took is 0, the other
//! enabled threads follow in thread order) — depth-first order is the keys' order. One job
//! runs schedules in that order; several run them out of order, each worker taking the
//! subtree (or the number) first in order, and a busy depth-first worker giving an idle one
//! the subtree that follows its own in the order. The result is made from the schedules *before a
//! cut-off* in that order: the first failing one, or the last of the budget. A schedule
//! past the cut-off is not counted, and none before it is left out (workers always take the
//! earliest work first and run until everything before the cut-off is done), so the same
//! schedules are counted and the same failure is found whatever the number of jobs — only a
//! search stopped by its clock can differ.
//!
//! PCT's estimate of a run's length, which its priority-change points are drawn in, is the
//! longest run of the *previous batches* of 32 schedules (not of the runs so far, whose
//! number would depend on the jobs).

use super::*;
use parking_lot::{Condvar, Mutex};
use std::collections::BTreeSet;
use threadline_runtime::control::DecisionKind;
use threadline_runtime::footprint::Footprint;

/// Sampled schedules run in batches of this many (PCT learns run lengths between batches).
const BATCH: usize = 32;

/// One finished run, with its place in the order.
struct Done {
    key: Vec<u32>,
    outcome: Outcome,
    turns: u64,
    spin_waits: u64,
    /// Choices its new choice points did not try: threads asleep there (covered already).
    skipped: usize,
    /// The run itself, kept when it failed (to be shrunk).
    failing: Option<Controlled>,
}

/// What the workers share.
struct State {
    /// Depth-first subtrees waiting for a worker, each with its key prefix.
    tasks: Vec<Task>,
    /// Workers waiting for work.
    idle: usize,
    /// Workers running a subtree.
    busy: usize,
    /// Workers that have started and not yet left.
    working: usize,
    /// Some schedule lies past the cut-off (so the search did not run every schedule).
    beyond: bool,
    /// Finished runs that count (key at most the cut-off).
    done: Vec<Done>,
    /// The keys of `done`, to find the budget's last.
    keys: BTreeSet<Vec<u32>>,
    /// Runs stopped where every thread that could run was asleep (covered already): their
    /// keys and the choices their choice points skipped.
    blocked: Vec<(Vec<u32>, usize)>,
    /// Nothing after this key counts: the first failure, or the budget's last schedule.
    cutoff: Option<Vec<u32>>,
    /// The search's clock ran out (a run stopped by it has no verdict), or it was stopped.
    out_of_time: bool,
    stopped: bool,
}

impl State {
    fn past_cutoff(&self, key: &[u32]) -> bool {
        self.cutoff.as_deref().is_some_and(|c| key > c)
    }

    /// A run finished: count it (if it is not past the cut-off) and move the cut-off.
    fn finish(&mut self, d: Done, budget: usize) {
        if self.past_cutoff(&d.key) {
            self.beyond = true;
            return;
        }
        if d.failing.is_some() {
            self.cutoff = Some(d.key.clone());
            let cut = d.key.clone();
            self.done.retain(|x| x.key <= cut);
            self.keys.retain(|k| *k <= cut);
        }
        self.keys.insert(d.key.clone());
        self.done.push(d);
        if self.keys.len() > budget {
            let last = self.keys.iter().next_back().cloned().expect("keys");
            self.keys.remove(&last);
            self.done.retain(|x| x.key != last);
            self.beyond = true;
        }
        if self.keys.len() == budget {
            let last = self.keys.iter().next_back().cloned().expect("keys");
            if self.cutoff.as_ref().is_none_or(|c| last < *c) {
                self.cutoff = Some(last);
            }
        }
    }
}

/// Depth-first work waiting for a worker: the choices not yet tried at the last choice
/// point of `stack` (the ones before it are the path there), with the ranks of that path.
/// A worker hands over every choice left at a point at once, so the one that takes them
/// knows each earlier sibling's first turn (what the reduction puts to sleep).
struct Task {
    stack: Vec<Node>,
    /// Ranks of the path (every point before the last).
    key: Vec<u32>,
    /// Where the task's first schedule sits in the order (`key` and the rank of the next
    /// choice at the last point).
    order: Vec<u32>,
}

/// One choice point of a depth-first worker's current run.
#[derive(Clone)]
struct Node {
    enabled: Vec<ThreadIx>,
    current: Option<ThreadIx>,
    /// What the default runs here (a switch to it is not a preemption).
    default: ThreadIx,
    /// What the first run through this point chose (rank 0).
    first: ThreadIx,
    chosen: ThreadIx,
    tried: Vec<ThreadIx>,
    /// A choice of which thread runs (not of a ready callback or a lock's taker).
    threads: bool,
    /// Partial-order reduction: the threads asleep here, with their next turn's footprint
    /// (each was tried at an earlier point, and everything run since commutes with it).
    sleep: Vec<(ThreadIx, Footprint)>,
    /// The footprint of the first turn of each choice tried here.
    fps: Vec<(ThreadIx, Footprint)>,
    /// The choices left here were handed to another worker.
    given: bool,
}

impl Node {
    /// The sleep set below this point when `chosen` runs: the threads asleep here and the
    /// choices tried here before it (the turn that follows filters it, in the run).
    fn child_sleep(&self) -> Vec<(ThreadIx, Footprint)> {
        let mut s: Vec<(ThreadIx, Footprint)> = self.sleep.clone();
        if self.threads {
            for (t, fp) in &self.fps {
                if *t != self.chosen && !s.iter().any(|(x, _)| x == t) {
                    s.push((*t, fp.clone()));
                }
            }
        }
        s
    }

    fn asleep(&self, t: ThreadIx) -> bool {
        self.threads && self.sleep.iter().any(|(s, _)| *s == t)
    }
}

/// What a depth-first run with reduction learned, shared with its strategy.
#[derive(Default)]
struct Learned {
    /// Per choice point: the footprint of the chosen thread's first turn after it.
    first: Vec<Option<Footprint>>,
    /// Per choice point past the prefix: the sleep set there.
    asleep: Vec<Vec<(ThreadIx, Footprint)>>,
    /// Stopped at a choice point where every thread that could run within the bound was
    /// asleep: everything below was covered already.
    blocked: bool,
}

/// Depth-first with sleep sets: follow the prefix, then the default, never a thread that
/// is asleep (tried at an earlier point, with nothing since that its next turn does not
/// commute with). Learns each choice's first turn and each point's sleep set.
struct Sleepy {
    prefix: Vec<ThreadIx>,
    /// The sleep set from the prefix's last choice on (filtered by every turn after it).
    sleep: Vec<(ThreadIx, Footprint)>,
    bound: usize,
    /// Preemptions so far.
    used: usize,
    /// Choice points so far.
    decided: usize,
    /// The choice point whose chosen thread's first turn is still to come.
    pending: Option<(usize, ThreadIx)>,
    learned: Arc<Mutex<Learned>>,
}

impl Strategy for Sleepy {
    fn choose(&mut self, step: usize, point: &Decision, _stopped: &dyn Fn() -> bool) -> Choice {
        self.decided = step + 1;
        let threads = matches!(point.kind, DecisionKind::Thread);
        let mut l = self.learned.lock();
        if l.first.len() <= step {
            l.first.resize(step + 1, None);
            l.asleep.resize(step + 1, Vec::new());
        }
        let default = point.default_choice();
        let cost = |t: ThreadIx| usize::from(point.current.is_some_and(|c| c != t) && t != default);
        let chosen = match self.prefix.get(step) {
            Some(t) if point.enabled.iter().any(|(e, _)| e == t) => *t,
            Some(_) => default,
            None => {
                l.asleep[step] = self.sleep.clone();
                let asleep = |t: ThreadIx| threads && self.sleep.iter().any(|(s, _)| *s == t);
                let fits = |t: ThreadIx| !asleep(t) && self.used + cost(t) <= self.bound;
                if fits(default) {
                    default
                } else if let Some(t) = point.enabled.iter().map(|(t, _)| *t).find(|t| fits(*t)) {
                    t
                } else {
                    l.blocked = true;
                    return Choice::Stop;
                }
            }
        };
        self.used += cost(chosen);
        if threads {
            self.pending = Some((step, chosen));
        }
        Choice::Run(chosen)
    }

    fn observe(&mut self, t: ThreadIx, fp: &Footprint) {
        if let Some((k, c)) = self.pending
            && c == t
        {
            self.learned.lock().first[k] = Some(fp.clone());
            self.pending = None;
        }
        // From the prefix's last choice on, a sleeping thread wakes when a turn that does
        // not commute with its next one runs (or when it runs itself).
        if self.decided >= self.prefix.len() {
            self.sleep.retain(|(x, xfp)| *x != t && !xfp.conflicts(fp));
        }
    }
}

impl Node {
    /// The rank of choosing `t` here: the first run's choice is 0, the other enabled
    /// threads follow in order.
    fn rank(&self, t: ThreadIx) -> u32 {
        if t == self.first {
            return 0;
        }
        1 + self.enabled.iter().filter(|e| **e != self.first).position(|e| *e == t).unwrap_or(usize::MAX >> 1) as u32
    }

    fn preempts(&self, t: ThreadIx) -> bool {
        self.current.is_some_and(|c| c != t) && t != self.default
    }
}

/// The next untried choice at `depth` within the preemption bound, if any.
fn next_choice(stack: &[Node], depth: usize, bound: usize) -> Option<ThreadIx> {
    let used: usize = stack[..depth].iter().filter(|n| n.preempts(n.chosen)).count();
    let node = &stack[depth];
    if node.given {
        return None;
    }
    node.enabled
        .iter()
        .copied()
        .find(|t| !node.tried.contains(t) && !node.asleep(*t) && used + usize::from(node.preempts(*t)) <= bound)
}

/// Move the depth-first stack to the next schedule within the preemption bound, never
/// above `floor`; false when there is none.
fn backtrack(stack: &mut Vec<Node>, floor: usize, bound: usize) -> bool {
    while stack.len() > floor {
        let depth = stack.len() - 1;
        match next_choice(stack, depth, bound) {
            Some(t) => {
                let node = &mut stack[depth];
                node.tried.push(t);
                node.chosen = t;
                return true;
            }
            None => {
                stack.pop();
            }
        }
    }
    false
}

/// The search: `opts.jobs` workers, one result ([`Exploration`]).
pub(super) fn explore_with(
    prog: &Arc<Program>,
    settings: &RuntimeSettings,
    opts: &ExploreOptions,
    mut progress: impl FnMut(usize) -> bool,
) -> Exploration {
    let started = Instant::now();
    let jobs = opts.jobs.max(1);
    let budget = opts.budget;
    if budget == 0 {
        return Exploration {
            tried: 0,
            outcomes: Vec::new(),
            found: None,
            exhausted: false,
            turns: 0,
            spin_waits: 0,
            reduction: Reduction::default(),
            elapsed: started.elapsed(),
            out_of_time: false,
            fell_back_after: None,
        };
    }
    let state = Mutex::new(State {
        tasks: vec![Task { stack: Vec::new(), key: Vec::new(), order: Vec::new() }],
        idle: 0,
        busy: 0,
        working: jobs,
        beyond: false,
        done: Vec::new(),
        keys: BTreeSet::new(),
        blocked: Vec::new(),
        cutoff: None,
        out_of_time: false,
        stopped: false,
    });
    let wake = Condvar::new();
    let dfs = matches!(opts.strategy, StrategyKind::Dfs | StrategyKind::Auto);
    let sampled = Mutex::new(Sampled {
        next: 0,
        longest: 16,
        finished: 0,
        rng: Rng::new(opts.seed),
        seeds: Vec::new(),
        lens: Vec::new(),
    });
    let ctx = Ctx { prog, settings, opts, state: &state, wake: &wake, started, budget };
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            let ctx = &ctx;
            let sampled = &sampled;
            let spawned = std::thread::Builder::new().name("tl:explore".into()).spawn_scoped(scope, move || {
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    // One core per worker: its runs' hand-offs stay on that core.
                    let pool = Pool::on_one_core(threadline_runtime::rt::THREAD_STACK_BYTES, true);
                    if dfs {
                        ctx.dfs_worker(&pool);
                    } else {
                        ctx.sampled_worker(sampled, &pool);
                    }
                }));
                // Whatever happened, this worker is gone: a panic stops the search (and is
                // raised again when the workers are joined), never leaves it waiting.
                let mut st = ctx.state.lock();
                st.working -= 1;
                if r.is_err() {
                    st.stopped = true;
                }
                ctx.wake.notify_all();
                drop(st);
                if let Err(p) = r {
                    std::panic::resume_unwind(p);
                }
            });
            if spawned.is_err() {
                // No thread for this worker: the others do its share.
                let mut st = state.lock();
                st.working -= 1;
            }
        }
        // The caller's thread reports progress and keeps the clock.
        let mut st = state.lock();
        while st.working > 0 {
            wake.wait_for(&mut st, Duration::from_millis(20));
            let n = st.done.len();
            if !st.stopped {
                drop(st);
                let go = progress(n);
                st = state.lock();
                if !go {
                    st.stopped = true;
                    wake.notify_all();
                }
            }
            if started.elapsed().as_secs_f64() >= opts.seconds && !st.stopped {
                st.out_of_time = true;
                st.stopped = true;
                wake.notify_all();
            }
        }
    });
    let mut st = state.into_inner();
    st.done.sort_by(|a, b| a.key.cmp(&b.key));
    let tried = st.done.len();
    let elapsed = started.elapsed();
    let mut outcomes: Vec<(Outcome, usize)> = Vec::new();
    let (mut turns, mut spin_waits) = (0, 0);
    let mut found = None;
    let blocked: Vec<&(Vec<u32>, usize)> = st.blocked.iter().filter(|(k, _)| !st.past_cutoff(k)).collect();
    let mut reduction = Reduction { stopped_runs: blocked.len(), skipped: blocked.iter().map(|(_, s)| s).sum() };
    for (i, d) in st.done.into_iter().enumerate() {
        turns += d.turns;
        spin_waits += d.spin_waits;
        reduction.skipped += d.skipped;
        match outcomes.iter_mut().find(|(o, _)| *o == d.outcome) {
            Some((_, n)) => *n += 1,
            None => outcomes.push((d.outcome, 1)),
        }
        if let Some(run) = d.failing {
            found = Some((run, i + 1));
        }
    }
    outcomes.sort_by_key(|o| std::cmp::Reverse(o.1));
    // Exhausted: depth-first, every schedule within the bound run (none past a cut-off).
    let exhausted = dfs && found.is_none() && !st.out_of_time && !st.stopped && !st.beyond;
    let found = found.map(|(run, at)| shrink(prog, settings, opts, run, at));
    let out_of_time = st.out_of_time && found.is_none() && !exhausted;
    Exploration {
        tried,
        outcomes,
        found,
        exhausted,
        turns,
        spin_waits,
        reduction,
        elapsed,
        out_of_time,
        fell_back_after: None,
    }
}

/// What every worker reads.
struct Ctx<'a> {
    prog: &'a Arc<Program>,
    settings: &'a RuntimeSettings,
    opts: &'a ExploreOptions,
    state: &'a Mutex<State>,
    wake: &'a Condvar,
    started: Instant,
    budget: usize,
}

impl Ctx<'_> {
    /// One controlled run under `strategy`, with what is left of the search's clock; None
    /// when the clock stopped it (no verdict).
    fn run(&self, strategy: Box<dyn Strategy>, pool: &Arc<Pool>, footprints: bool) -> Option<Controlled> {
        let left =
            Duration::from_secs_f64((self.opts.seconds - self.started.elapsed().as_secs_f64()).clamp(0.001, 1e9));
        let limits = RunLimits { wall: left.min(self.opts.limits.wall), ..self.opts.limits };
        let run =
            run_gathering(self.prog, self.settings, strategy, self.opts.check.as_ref(), limits, Some(pool), footprints);
        if run.report.stopped_from_outside {
            let mut st = self.state.lock();
            st.out_of_time = true;
            st.stopped = true;
            self.wake.notify_all();
            return None;
        }
        Some(run)
    }

    fn done(&self, key: Vec<u32>, run: Controlled, skipped: usize) {
        let failed = run.outcome.failure.is_some() && run.report.diverged.is_none();
        let d = Done {
            key,
            outcome: run.outcome.clone(),
            turns: run.report.turns,
            spin_waits: run.report.spin_waits,
            skipped,
            failing: failed.then_some(run),
        };
        let mut st = self.state.lock();
        st.finish(d, self.budget);
        self.wake.notify_all();
    }

    /// Depth-first: take the earliest subtree waiting, run it in order, give a subtree not
    /// begun away whenever a worker is idle; leave when no work is left anywhere.
    fn dfs_worker(&self, pool: &Arc<Pool>) {
        // This worker's runs, one after another, reuse the same OS threads.
        loop {
            let task = {
                let mut st = self.state.lock();
                loop {
                    if st.stopped {
                        return;
                    }
                    // The earliest subtree first; those past the cut-off are dropped.
                    st.tasks.sort_by(|a, b| b.order.cmp(&a.order));
                    while st.tasks.last().is_some_and(|t| st.past_cutoff(&t.order)) {
                        st.tasks.pop();
                        st.beyond = true;
                    }
                    if let Some(t) = st.tasks.pop() {
                        st.busy += 1;
                        break t;
                    }
                    if st.busy == 0 {
                        // Nobody runs a subtree and none waits: the search is over.
                        self.wake.notify_all();
                        return;
                    }
                    st.idle += 1;
                    self.wake.wait(&mut st);
                    st.idle -= 1;
                }
            };
            let go_on = self.subtree(task, pool);
            let mut st = self.state.lock();
            st.busy -= 1;
            self.wake.notify_all();
            if !go_on {
                return;
            }
        }
    }

    /// Run one subtree in depth-first order; false when the search stopped.
    fn subtree(&self, task: Task, pool: &Arc<Pool>) -> bool {
        let bound = self.opts.preemptions;
        let reduce = self.opts.limits.reduction;
        // The root task starts with no point; a handed-over one backtracks at its last.
        let floor = task.stack.len().saturating_sub(1);
        let mut stack = task.stack;
        if !stack.is_empty() && !backtrack(&mut stack, floor, bound) {
            return true;
        }
        loop {
            let prefix: Vec<ThreadIx> = stack.iter().map(|n| n.chosen).collect();
            let learned = Arc::new(Mutex::new(Learned::default()));
            let strategy: Box<dyn Strategy> = if reduce {
                Box::new(Sleepy {
                    sleep: stack.last().map(Node::child_sleep).unwrap_or_default(),
                    prefix: prefix.clone(),
                    bound,
                    used: 0,
                    decided: 0,
                    pending: None,
                    learned: Arc::clone(&learned),
                })
            } else {
                Box::new(Prefix(prefix.clone()))
            };
            let run = match self.run(strategy, pool, reduce) {
                Some(r) => r,
                None => return false,
            };
            let learned = std::mem::take(&mut *learned.lock());
            let fp_of = |k: usize| learned.first.get(k).cloned().flatten().unwrap_or_else(Footprint::everything);
            // The choice just tried at the point backtracked to: its first turn.
            if reduce && let Some(last) = stack.last_mut() {
                last.fps.push((last.chosen, fp_of(prefix.len() - 1)));
            }
            let known = stack.len();
            let mut skipped = 0;
            for (k, d) in run.report.decisions.iter().enumerate().skip(known) {
                let chosen = d.chosen;
                let threads = matches!(d.kind, DecisionKind::Thread);
                let sleep = learned.asleep.get(k).cloned().unwrap_or_default();
                if threads {
                    skipped += d.enabled.iter().filter(|(t, _)| sleep.iter().any(|(s, _)| s == t)).count();
                }
                stack.push(Node {
                    enabled: d.enabled.iter().map(|(t, _)| *t).collect(),
                    current: d.current,
                    default: d.default_choice(),
                    first: chosen,
                    chosen,
                    tried: vec![chosen],
                    threads,
                    sleep,
                    fps: if reduce { vec![(chosen, fp_of(k))] } else { Vec::new() },
                    given: false,
                });
            }
            stack.truncate(run.report.decisions.len());
            let key: Vec<u32> =
                task.key.iter().copied().chain(stack.iter().skip(floor).map(|n| n.rank(n.chosen))).collect();
            if learned.blocked {
                // Everything below the point it stopped at was covered: not a schedule.
                let mut st = self.state.lock();
                if !st.past_cutoff(&key) {
                    st.blocked.push((key.clone(), skipped));
                }
            } else {
                self.done(key.clone(), run, skipped);
            }
            // Give an idle worker work that comes after this worker's own in the order:
            // every choice left at the deepest point above the one this worker backtracks
            // to next (work early in the order is never wasted by a cut-off).
            {
                let mut st = self.state.lock();
                if st.stopped {
                    return false;
                }
                while st.idle > st.tasks.len() {
                    let mut with_choices =
                        (floor..stack.len()).rev().filter(|d| next_choice(&stack, *d, bound).is_some());
                    let (Some(_own), Some(depth)) = (with_choices.next(), with_choices.next()) else { break };
                    let next = next_choice(&stack, depth, bound).expect("a choice");
                    let k = key[..task.key.len() + depth - floor].to_vec();
                    let mut order = k.clone();
                    order.push(stack[depth].rank(next));
                    st.tasks.push(Task { stack: stack[..=depth].to_vec(), key: k, order });
                    stack[depth].given = true;
                    self.wake.notify_all();
                }
            }
            if !backtrack(&mut stack, floor, bound) {
                return true;
            }
            // The next schedule's key begins with the ranks down to the point backtracked to:
            // past the cut-off, so is everything after it in this subtree.
            let next: Vec<u32> =
                task.key.iter().copied().chain(stack.iter().skip(floor).map(|n| n.rank(n.chosen))).collect();
            {
                let mut st = self.state.lock();
                if st.past_cutoff(&next) {
                    st.beyond = true;
                    return true;
                }
            }
        }
    }

    /// Random, PCT or both in turn: schedule `i` from the `i`-th seed, in batches.
    fn sampled_worker(&self, sampled: &Mutex<Sampled>, pool: &Arc<Pool>) {
        loop {
            let (i, longest, seed) = {
                let mut n = sampled.lock();
                if n.next >= self.budget {
                    return;
                }
                {
                    let mut st = self.state.lock();
                    if st.stopped {
                        return;
                    }
                    if st.past_cutoff(&[n.next as u32]) {
                        st.beyond = true;
                        return;
                    }
                }
                // A batch starts once the one before it is done, its runs' lengths known.
                if n.next.is_multiple_of(BATCH) && n.next > 0 {
                    if n.finished < n.next {
                        drop(n);
                        std::thread::sleep(Duration::from_micros(200));
                        continue;
                    }
                    n.longest = n.longest.max(n.lens[..n.next].iter().copied().max().unwrap_or(0));
                }
                let i = n.next;
                n.next += 1;
                // Schedule i's seed is the i-th draw, however many workers draw.
                while n.seeds.len() <= i {
                    let s = n.rng.next_u64();
                    n.seeds.push(s);
                    n.lens.push(0);
                }
                (i, n.longest, n.seeds[i])
            };
            let depth = self.opts.preemptions.max(1) + 1;
            let strategy: Box<dyn Strategy> = match self.opts.strategy {
                StrategyKind::Random => Box::new(Random(Rng::new(seed))),
                StrategyKind::Pct => Box::new(Pct::new(seed, depth, longest)),
                // Random and PCT in turn: each finds what the other misses.
                _ if i.is_multiple_of(2) => Box::new(Random(Rng::new(seed))),
                _ => Box::new(Pct::new(seed, depth, longest)),
            };
            let Some(run) = self.run(strategy, pool, false) else { return };
            let len = run.report.decisions.len();
            self.done(vec![i as u32], run, 0);
            let mut n = sampled.lock();
            n.lens[i] = len;
            n.finished += 1;
        }
    }
}

/// Where the sampled workers are: the next schedule to run, PCT's run-length estimate (the
/// longest run of the batches before), runs finished, the seeds drawn so far (lazily, from
/// `rng`) and each run's length.
struct Sampled {
    next: usize,
    longest: usize,
    finished: usize,
    rng: Rng,
    seeds: Vec<u64>,
    lens: Vec<usize>,
}
