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

/// With partial-order reduction, the first this many choice points of a depth-first search
/// try every thread (within the bound) and only the points below them are reduced: each
/// subtree below is searched, and its backtracking done, by one worker, so workers share the
/// search and its result is the same for any number of them.
const SPLIT_DEPTH: usize = 4;

/// Sampled schedules run in batches of this many (PCT learns run lengths between batches).
const BATCH: usize = 32;

/// One finished run, with its place in the order.
struct Done {
    key: Vec<u32>,
    outcome: Outcome,
    turns: u64,
    spin_waits: u64,
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
    /// Choices within the bound a finished choice point never tried (the reduction spared).
    skipped: usize,
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
/// A worker hands over every choice left at a point at once (with reduction, only at a
/// point above [`SPLIT_DEPTH`]: below it backtracking adds choices to the path's points).
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
    /// The choices left here were handed to another worker.
    given: bool,
    /// Race-directed backtracking: only the threads here are tried besides the first choice
    /// (those a later turn races with, [`add_backtracks`]).
    dpor: bool,
    backtrack: Vec<ThreadIx>,
}

/// One turn of a run: its thread, its footprint, and the choice point it was chosen at
/// (None for a turn no choice point began).
type Turn = (ThreadIx, Footprint, Option<usize>);

/// Follow a prefix of choices, then the default; log every turn with its footprint and the
/// choice point it was chosen at (for [`add_backtracks`]).
struct Logged {
    prefix: Prefix,
    /// The choice point whose chosen thread's first turn is still to come.
    pending: Option<(usize, ThreadIx)>,
    turns: Arc<Mutex<Vec<Turn>>>,
}

impl Strategy for Logged {
    fn choose(&mut self, step: usize, point: &Decision, stopped: &dyn Fn() -> bool) -> Choice {
        let choice = self.prefix.choose(step, point, stopped);
        if let Choice::Run(chosen) = choice
            && matches!(point.kind, DecisionKind::Thread)
        {
            self.pending = Some((step, chosen));
        }
        choice
    }

    fn observe(&mut self, t: ThreadIx, fp: &Footprint) {
        let at = match self.pending {
            Some((k, c)) if c == t => {
                self.pending = None;
                Some(k)
            }
            _ => None,
        };
        self.turns.lock().push((t, fp.clone(), at));
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
/// Preemptions the path takes above `depth`.
fn used(stack: &[Node], depth: usize) -> usize {
    stack[..depth].iter().filter(|n| n.preempts(n.chosen)).count()
}

fn next_choice(stack: &[Node], depth: usize, bound: usize) -> Option<ThreadIx> {
    let used = used(stack, depth);
    let node = &stack[depth];
    if node.given {
        return None;
    }
    node.enabled.iter().copied().find(|t| {
        !node.tried.contains(t)
            && (!node.dpor || node.backtrack.contains(t))
            && used + usize::from(node.preempts(*t)) <= bound
    })
}

/// Move the depth-first stack to the next schedule within the preemption bound, never
/// above `floor`; false when there is none.
fn backtrack(stack: &mut Vec<Node>, floor: usize, bound: usize, skipped: &mut usize) -> bool {
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
                // Done here: count the threads the bound allowed and the reduction spared.
                let used = used(stack, depth);
                let n = &stack[depth];
                if n.threads && !n.given {
                    *skipped += n
                        .enabled
                        .iter()
                        .filter(|t| !n.tried.contains(t) && used + usize::from(n.preempts(**t)) <= bound)
                        .count();
                }
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
        skipped: 0,
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
    let reduction = Reduction { skipped: st.skipped };
    for (i, d) in st.done.into_iter().enumerate() {
        turns += d.turns;
        spin_waits += d.spin_waits;
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

    fn done(&self, key: Vec<u32>, run: Controlled) {
        let failed = run.outcome.failure.is_some() && run.report.diverged.is_none();
        let d = Done {
            key,
            outcome: run.outcome.clone(),
            turns: run.report.turns,
            spin_waits: run.report.spin_waits,
            failing: failed.then_some(run),
        };
        let mut st = self.state.lock();
        let cutoff = st.cutoff.clone();
        st.finish(d, self.budget);
        // Nobody waits for a run's end as such (the caller counts progress on its own clock,
        // idle workers wait for work or for the last one to finish): wake them only when the
        // cut-off moved. Waking the caller after every run took a core from a worker on
        // every schedule once both cores were searching.
        if st.cutoff != cutoff {
            self.wake.notify_all();
        }
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
        if !stack.is_empty() && !self.backtrack(&mut stack, floor) {
            return true;
        }
        loop {
            let prefix: Vec<ThreadIx> = stack.iter().map(|n| n.chosen).collect();
            let turns = Arc::new(Mutex::new(Vec::new()));
            let strategy: Box<dyn Strategy> = if reduce {
                Box::new(Logged { prefix: Prefix(prefix.clone()), pending: None, turns: Arc::clone(&turns) })
            } else {
                Box::new(Prefix(prefix.clone()))
            };
            let run = match self.run(strategy, pool, reduce) {
                Some(r) => r,
                None => return false,
            };
            let turns = std::mem::take(&mut *turns.lock());
            let known = stack.len();
            for d in run.report.decisions.iter().skip(known) {
                let chosen = d.chosen;
                let threads = matches!(d.kind, DecisionKind::Thread);
                stack.push(Node {
                    enabled: d.enabled.iter().map(|(t, _)| *t).collect(),
                    current: d.current,
                    default: d.default_choice(),
                    first: chosen,
                    chosen,
                    tried: vec![chosen],
                    threads,
                    given: false,
                    dpor: reduce && threads && stack.len() >= SPLIT_DEPTH,
                    backtrack: Vec::new(),
                });
            }
            stack.truncate(run.report.decisions.len());
            if reduce {
                add_backtracks(&mut stack, &turns);
            }
            let key: Vec<u32> =
                task.key.iter().copied().chain(stack.iter().skip(floor).map(|n| n.rank(n.chosen))).collect();
            self.done(key.clone(), run);
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
                    // With reduction, only a point above the split depth: below it, backtracking
                    // adds choices to points of the path, which must stay this worker's.
                    let (Some(_own), Some(depth)) =
                        (with_choices.next(), with_choices.find(|d| !reduce || *d < SPLIT_DEPTH))
                    else {
                        break;
                    };
                    let next = next_choice(&stack, depth, bound).expect("a choice");
                    let k = key[..task.key.len() + depth - floor].to_vec();
                    let mut order = k.clone();
                    order.push(stack[depth].rank(next));
                    st.tasks.push(Task { stack: stack[..=depth].to_vec(), key: k, order });
                    stack[depth].given = true;
                    self.wake.notify_all();
                }
            }
            if !self.backtrack(&mut stack, floor) {
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

    /// [`backtrack`], counting what the reduction spared.
    fn backtrack(&self, stack: &mut Vec<Node>, floor: usize) -> bool {
        let mut skipped = 0;
        let more = backtrack(stack, floor, self.opts.preemptions, &mut skipped);
        self.state.lock().skipped += skipped;
        more
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
            self.done(vec![i as u32], run);
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

/// Race-directed backtracking (Flanagan and Godefroid's dynamic partial-order reduction,
/// with Coons, Musuvathi and McKinley's conservative points for a preemption bound): walk a
/// run's turns with vector clocks; where a turn conflicts with an earlier turn of another
/// thread that does not already happen before it, the order of the two could be reversed —
/// so at the choice point where the earlier turn was chosen, the later turn's thread is to be
/// tried too (every thread there, if it could not run there), and at the last point before
/// it where the running thread changed, where trying it may cost no preemption. Only those
/// choices are tried: two turns that commute are never tried in both orders.
fn add_backtracks(stack: &mut [Node], turns: &[Turn]) {
    /// Every turn reads it; a global turn writes it.
    const ALL: u64 = u64::MAX;
    let threads = turns.iter().map(|(t, _, _)| *t as usize + 1).max().unwrap_or(0);
    // Each thread's vector clock, and each turn's after it (flat: turn i at i * threads).
    let mut clock: Vec<u32> = vec![0; threads * threads];
    let mut after: Vec<u32> = Vec::with_capacity(turns.len() * threads);
    let mut seq: Vec<u32> = Vec::with_capacity(turns.len());
    // Per object: the last turn that wrote it, and the turns that read it since.
    let mut objects: rustc_hash::FxHashMap<u64, (Option<usize>, Vec<usize>)> = rustc_hash::FxHashMap::default();
    let mut deps: Vec<usize> = Vec::new();
    let add = |stack: &mut [Node], node: usize, p: ThreadIx| {
        let Some(n) = stack.get_mut(node) else { return };
        // (A point above the split depth tries every thread anyway.)
        if !n.dpor {
            return;
        }
        if n.enabled.contains(&p) {
            if !n.backtrack.contains(&p) {
                n.backtrack.push(p);
            }
        } else {
            for t in n.enabled.clone() {
                if !n.backtrack.contains(&t) {
                    n.backtrack.push(t);
                }
            }
        }
    };
    for (i, (p, fp, _)) in turns.iter().enumerate() {
        let p = *p;
        let pi = p as usize;
        let accesses = fp.touched.iter().copied().chain(std::iter::once((ALL, fp.global)));
        deps.clear();
        for (o, w) in accesses.clone() {
            if let Some((last, reads)) = objects.get(&o) {
                deps.extend(last.iter().copied());
                if w {
                    deps.extend(reads.iter().copied());
                }
            }
        }
        deps.sort_unstable();
        deps.dedup();
        let mine = pi * threads..(pi + 1) * threads;
        for &j in &deps {
            let q = turns[j].0;
            if q == p || clock[pi * threads + q as usize] >= seq[j] {
                continue;
            }
            // A race: turn j (of q) and this turn could run the other way round.
            if let Some(k) = turns[j].2 {
                add(stack, k, p);
                // The last earlier point where the running thread changed: p may run there
                // without a preemption.
                if let Some(k2) =
                    (0..k).rev().find(|&k2| stack.get(k2).is_some_and(|n| n.threads && n.current != Some(n.chosen)))
                    && stack[k2].enabled.contains(&p)
                {
                    add(stack, k2, p);
                }
            }
        }
        for &j in &deps {
            let theirs = &after[j * threads..(j + 1) * threads];
            for (c, a) in clock[mine.clone()].iter_mut().zip(theirs) {
                *c = (*c).max(*a);
            }
        }
        clock[pi * threads + pi] += 1;
        seq.push(clock[pi * threads + pi]);
        after.extend_from_slice(&clock[mine]);
        for (o, w) in accesses {
            let e = objects.entry(o).or_default();
            if w {
                e.0 = Some(i);
                e.1.clear();
            } else {
                e.1.push(i);
            }
        }
    }
}
