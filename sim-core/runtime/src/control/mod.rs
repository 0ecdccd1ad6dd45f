//! Controlled mode: exactly one simulated thread runs between switch points, and a
//! [`Strategy`] says which. The same OS threads, primitives and events as a free run — a
//! scheduler, not a second interpreter.
//!
//! - A *turnstile* holds the turn. A thread runs only while it has it; at a switch point it
//!   hands the turn back and the strategy picks who runs next among the *enabled* threads.
//! - Switch points follow the GIL mode ([`crate::rt::Ctx::eval_breaker`] sites; every
//!   statement and inside `x += 1` under 3.9; every shared load and store when
//!   free-threaded), so the controlled mode offers only interleavings the modelled CPython
//!   could produce.
//! - A thread that cannot get a resource marks itself blocked and passes the turn. Whether
//!   it could go on now is asked of it (a *probe*: it re-checks its own condition under its
//!   primitive's lock, and answers without running) once the condition variable it waits on
//!   has been notified ([`crate::cv::Cv`]: every change that could let it go on notifies it).
//! - Time is virtual: every turn advances the clock by [`STEP_NS`]; when nobody can run, it
//!   jumps to the earliest sleep or timeout. Nobody can run and nobody sleeps: a deadlock,
//!   exact.
//! - A *choice point* is a switch point with two or more enabled threads: only those reach
//!   the strategy, and only those are a schedule's steps.

use crate::cv::Watch;
use crate::footprint::{self, Footprint};
use crate::rt::{Ctx, Shared, Unwind};
use parking_lot::{Condvar, Mutex, MutexGuard};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use threadline_model::event::{EventKind, ResIx, ThreadIx};

mod player;
mod schedule;

pub use player::{Player, PlayerHandle};
pub use schedule::{Prefix, Replay, Schedule, ScheduleStep, Sparse, StepKind};

/// Virtual nanoseconds one turn takes (the time between two switch points): 0.1 ms, so a
/// played game's turns are blocks the timeline can show, and a thread spinning on a flag
/// lets a 100 ms sleep end within a thousand turns.
pub const STEP_NS: u64 = 100_000;

/// What a thread waiting in the turnstile was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grant {
    /// Run until the next switch point.
    Run,
    /// Only say whether you could go on (a blocked thread), then wait again.
    Probe,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Turn {
    /// Nobody (between hand-offs, or the run is over).
    Nobody,
    /// This thread runs.
    Run(ThreadIx),
    /// This blocked thread is asked whether it could go on.
    Probe(ThreadIx),
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Status {
    /// In the thread table, not started.
    New,
    /// At a switch point (or starting): can run.
    Ready,
    /// Has the turn.
    Running,
    /// Waiting for a resource: `ready` as of the probe at `checked` (a `version`), when the
    /// condition variable it waits on (the thread's `watches` entry) had had `seen`
    /// notifications.
    Blocked { deadline: Option<u64>, checked: u64, seen: u64, ready: bool },
    /// Spinning: it came back to the same `while` loop's back-edge with nothing changed since
    /// its last pass (no store, no call that may change anything, no event, by any thread):
    /// another pass would change nothing either, so it can run again only once something
    /// has changed (`mutations` is no longer `version`). The search then never branches on
    /// idle passes of a spin loop.
    Spinning { version: u64 },
    /// Ended.
    Ended,
}

/// One choice point of a controlled run: who could run, who ran.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// The enabled threads with the line each is at, in thread order.
    pub enabled: Vec<(ThreadIx, u32)>,
    /// The thread that had the turn before, if it is among the enabled ones (then running
    /// another one is a preemption).
    pub current: Option<ThreadIx>,
    /// The current thread has run a switch interval's worth of turns while others could run:
    /// CPython would force a switch here, and so does the default.
    pub due: bool,
    /// The thread that was given the turn.
    pub chosen: ThreadIx,
    /// What is chosen: a thread, or (an asyncio loop's ready queue) which callback first.
    pub kind: DecisionKind,
}

/// What a choice point chooses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum DecisionKind {
    /// Which thread runs until its next switch point.
    #[default]
    Thread,
    /// Which of the callbacks ready in an event loop (on thread `loop_thread`) runs first:
    /// `enabled` holds their positions in the ready queue (0 is the front, CPython's FIFO
    /// order and the default), `names` what each one runs (`Task-2 (withdraw)`).
    Ready {
        /// The loop's thread.
        loop_thread: ThreadIx,
        /// What each ready callback runs, by position.
        names: Vec<String>,
    },
    /// A lock was released while threads waited for it: does one of them take it now
    /// (`enabled` position k ≥ 1: `waiters[k - 1]`), or does it stay free (0, the default)?
    /// In CPython a thread blocked in `acquire` waits with the GIL released, so the OS may
    /// hand it the lock at once — it then holds the lock while it waits for the GIL, and the
    /// releaser cannot take it back.
    Handoff {
        /// The lock.
        res: ResIx,
        /// The thread that released it.
        releaser: ThreadIx,
        /// The waiting threads, in thread order.
        waiters: Vec<ThreadIx>,
    },
}

impl Decision {
    /// The thread the default policy runs here ([`default_choice`]).
    pub fn default_choice(&self) -> ThreadIx {
        default_choice(&self.enabled, self.current, self.due)
    }

    /// Whether running `chosen` here preempts the current thread: another thread, where
    /// the default would have kept the current one.
    pub fn is_preemption(&self) -> bool {
        self.current.is_some_and(|c| c != self.chosen) && self.chosen != self.default_choice()
    }

    /// The line `t` is at here (0 if not enabled).
    pub fn line_of(&self, t: ThreadIx) -> u32 {
        self.enabled.iter().find(|(e, _)| *e == t).map_or(0, |(_, l)| *l)
    }
}

/// The default policy: the current thread while it can run — until it has run a switch
/// interval's worth of turns while another could run (`due`), when the next runnable
/// thread after it takes over, as CPython's forced switch does (so a thread spinning on a
/// flag lets the setter run) — else the first runnable one.
pub fn default_choice(enabled: &[(ThreadIx, u32)], current: Option<ThreadIx>, due: bool) -> ThreadIx {
    match current {
        Some(c) if enabled.iter().any(|(t, _)| *t == c) => {
            if due {
                // Round robin: the next enabled thread after the current one.
                enabled
                    .iter()
                    .map(|(t, _)| *t)
                    .find(|t| *t > c)
                    .or_else(|| enabled.first().map(|(t, _)| *t))
                    .unwrap_or(c)
            } else {
                c
            }
        }
        _ => enabled.first().map_or(0, |(t, _)| *t),
    }
}

/// Virtual turns in a switch interval: how long the default lets one thread run while
/// another could (5 ms / 0.1 ms = 50 by default).
pub fn turns_per_interval(switch_interval_ms: f64) -> u32 {
    let n = (switch_interval_ms * 1e6 / STEP_NS as f64).round();
    if n.is_finite() { n.clamp(1.0, 1e6) as u32 } else { 50 }
}

/// What a strategy answers at a choice point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Choice {
    /// Run this (enabled) thread.
    Run(ThreadIx),
    /// The schedule does not fit this run (say where and why); the run is stopped.
    Diverged(String),
    /// Stop the run (the user closed the game).
    Stop,
}

/// Who runs at each choice point.
pub trait Strategy: Send {
    /// Choose at choice point `step` (counted from 0), where `point.enabled` has two or more
    /// threads (`point.chosen` is not set yet). May block (the app's player waits for a
    /// click); `stopped` turns true when the run is stopped meanwhile.
    fn choose(&mut self, step: usize, point: &Decision, stopped: &dyn Fn() -> bool) -> Choice;

    /// Thread `t` ended a turn that touched `fp` (only with reduction on,
    /// [`Control::set_footprints`]): every turn, choice point or not, in order.
    fn observe(&mut self, _t: ThreadIx, _fp: &Footprint) {}
}

/// The default schedule ([`default_choice`]) at every choice point.
pub struct DefaultSchedule;

impl Strategy for DefaultSchedule {
    fn choose(&mut self, _step: usize, point: &Decision, _stopped: &dyn Fn() -> bool) -> Choice {
        Choice::Run(point.default_choice())
    }
}

/// How a controlled run ended, beyond its events.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ControlReport {
    /// Every choice point, in order.
    pub decisions: Vec<Decision>,
    /// Set when the strategy said the schedule does not fit.
    pub diverged: Option<String>,
    /// Turns given (switch points passed), choice points or not.
    pub turns: u64,
    /// True when nobody could run and nobody slept: the deadlock event was recorded.
    pub deadlock: bool,
    /// True when the run was stopped at its turn limit.
    pub turn_limit: bool,
    /// With [`Self::turn_limit`]: stopped before it, because every thread that had not ended
    /// spun in a `while` loop (or waited) for a change no thread could make any more.
    pub livelock: bool,
    /// Times a thread came back to a `while` loop's back-edge with nothing changed and was
    /// parked until something changed: idle passes the search did not branch on.
    pub spin_waits: u64,
    /// Times a blocked thread was asked whether it could go on (each a hand-off of the turn
    /// to its OS thread and back).
    pub probes: u64,
    /// True when the run was stopped from outside (Stop, or a wall-time limit), not by the
    /// turnstile: what it came to says nothing about the program.
    pub stopped_from_outside: bool,
}

struct State {
    turn: Turn,
    status: Vec<Status>,
    lines: Vec<u32>,
    version: u64,
    last: Option<ThreadIx>,
    /// Choice points in a row the last thread has been given the turn while others could run.
    streak: u32,
    stopped: bool,
    /// After a deadlock: the threads unwind one at a time, in thread order, each with the
    /// turn, so even the stop is the same in every replay.
    unwinding: bool,
    report: ControlReport,
    /// Give the turn back to this thread when the thread it was handed to ends
    /// (interpreter shutdown running each killed daemon to its end).
    return_to: Vec<(ThreadIx, ThreadIx)>,
    /// Per thread: the `while` back-edge it last passed (line) and the mutation count then.
    spin: Vec<Option<(u32, u64)>>,
    /// Per thread that has blocked: the condition variable it waits on.
    watches: Vec<Option<Watch>>,
}

/// A blocked thread's answer is asked again after this many turns even with no event since
/// (a safety net for a change that announced itself with no event).
const REPROBE_TURNS: u64 = 64;

/// Threads that wait for the turn on a condition variable of their own (a thread beyond
/// waits on the shared one).
const OWN_CVS: usize = 512;

/// The turnstile of one controlled run.
pub struct Control {
    st: Mutex<State>,
    /// The hand-off waits here for a probed thread's answer.
    cv: Condvar,
    /// Each thread waits for its turn on its own: giving the turn wakes one thread, and
    /// none when the thread that gives it keeps it.
    cvs: Box<[Condvar]>,
    strategy: Mutex<Box<dyn Strategy>>,
    clock: Arc<AtomicU64>,
    turn_limit: AtomicU64,
    split_updates: std::sync::atomic::AtomicBool,
    /// Everything that may change the program's state counts here: stores, calls that are
    /// not known to be pure, events ([`Control::mutated`]).
    mutations: AtomicU64,
    spin_reduction: std::sync::atomic::AtomicBool,
    /// Each turn's footprint is gathered and shown to the strategy ([`Strategy::observe`]).
    footprints: std::sync::atomic::AtomicBool,
}

/// What the hand-off found when nobody could run.
enum Stuck {
    /// Everyone ended.
    Done,
    /// Nobody can run, nobody sleeps.
    Deadlock,
}

impl Control {
    /// A turnstile with this strategy; `clock` is the run's virtual time in ns (the recorder
    /// stamps events with it).
    pub fn new(strategy: Box<dyn Strategy>, clock: Arc<AtomicU64>) -> Self {
        Self {
            st: Mutex::new(State {
                turn: Turn::Nobody,
                status: Vec::new(),
                lines: Vec::new(),
                version: 0,
                last: None,
                streak: 0,
                stopped: false,
                unwinding: false,
                report: ControlReport::default(),
                return_to: Vec::new(),
                spin: Vec::new(),
                watches: Vec::new(),
            }),
            cv: Condvar::new(),
            cvs: (0..OWN_CVS).map(|_| Condvar::new()).collect(),
            strategy: Mutex::new(strategy),
            clock,
            turn_limit: AtomicU64::new(u64::MAX),
            split_updates: std::sync::atomic::AtomicBool::new(false),
            mutations: AtomicU64::new(0),
            spin_reduction: std::sync::atomic::AtomicBool::new(true),
            footprints: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Whether idle passes of `while` loops make a thread wait ([`Self::spin_point`]; on by
    /// default). Set before the run starts.
    pub fn set_spin_reduction(&self, on: bool) {
        self.spin_reduction.store(on, Ordering::Release);
    }

    /// Gather what each turn touches and show it to the strategy ([`Strategy::observe`]),
    /// for partial-order reduction (off by default). Set before the run starts.
    pub fn set_footprints(&self, on: bool) {
        self.footprints.store(on, Ordering::Release);
    }

    /// Something that may change the program's state happened (a store, a call not known to
    /// be pure, an event): a thread spinning on a `while` loop may now see something new.
    #[inline]
    pub fn mutated(&self) {
        footprint::note_change();
        self.mutations.fetch_add(1, Ordering::AcqRel);
    }

    /// A `while` loop's back-edge (a switch point): if the thread passed this same back-edge
    /// last time with nothing changed since, it is spinning — it waits, runnable again only
    /// once something changes (CHESS's and Coyote's treatment of spin loops: a pass that
    /// changes nothing is not a new state, so the search need not branch on it).
    pub fn spin_point(&self, ctx: &Ctx, loop_line: u32) -> Result<(), Unwind> {
        let mut st = self.st.lock();
        if st.stopped || st.unwinding {
            return Err(Unwind::Stopped);
        }
        let i = Self::slot(&mut st, ctx.tid);
        footprint::note_loop_pass();
        let now = self.mutations.load(Ordering::Acquire);
        let spinning = st.spin[i] == Some((loop_line, now)) && self.spin_reduction.load(Ordering::Acquire);
        st.spin[i] = Some((loop_line, now));
        if spinning {
            st.report.spin_waits += 1;
        }
        st.status[i] = if spinning { Status::Spinning { version: now } } else { Status::Ready };
        st.lines[i] = ctx.line.get();
        self.hand_off(&mut st, &ctx.shared);
        match self.wait_turn(&mut st, ctx)? {
            Grant::Run => Ok(()),
            Grant::Probe => Err(Unwind::Stopped),
        }
    }

    /// Stop the run after this many turns (a program that never ends).
    pub fn set_turn_limit(&self, turns: u64) {
        self.turn_limit.store(turns, Ordering::Release);
    }

    /// Split `x += 1` on a shared variable into its load, add and store, with a switch point
    /// between each (as CPython 3.9 and free-threading can), whatever the GIL mode: for a
    /// person to interleave them by hand. Set before the run starts.
    pub fn set_split_updates(&self, on: bool) {
        self.split_updates.store(on, Ordering::Release);
    }

    /// Whether `x += 1` is split ([`Self::set_split_updates`]).
    pub fn split_updates(&self) -> bool {
        self.split_updates.load(Ordering::Acquire)
    }

    /// Virtual now, in ns.
    pub fn now_ns(&self) -> u64 {
        self.clock.load(Ordering::Acquire)
    }

    /// What the run's choices were (complete once the run has ended).
    pub fn report(&self) -> ControlReport {
        self.st.lock().report.clone()
    }

    /// Where thread `t` waits for its turn.
    fn cv_of(&self, t: ThreadIx) -> &Condvar {
        self.cvs.get(t as usize).unwrap_or(&self.cv)
    }

    /// Wake the thread the turn was just given to (to run, or to be asked).
    fn wake_turn(&self, st: &State) {
        if let Turn::Run(t) | Turn::Probe(t) = st.turn {
            self.cv_of(t).notify_all();
        }
    }

    /// Wake every thread in the turnstile (a stop, the run's end).
    fn wake_everyone(&self) {
        self.cv.notify_all();
        for cv in &self.cvs {
            cv.notify_all();
        }
    }

    fn slot(st: &mut State, tid: ThreadIx) -> usize {
        let i = tid as usize;
        if st.status.len() <= i {
            st.status.resize(i + 1, Status::New);
            st.lines.resize(i + 1, 0);
            st.spin.resize(i + 1, None);
            st.watches.resize(i + 1, None);
        }
        i
    }

    /// Thread `tid` was started (by the thread that has the turn, or the run itself for the
    /// main thread, which gets the first turn).
    pub fn started(&self, tid: ThreadIx) {
        let mut st = self.st.lock();
        let i = Self::slot(&mut st, tid);
        st.status[i] = Status::Ready;
        if st.turn == Turn::Nobody && st.last.is_none() && !st.stopped {
            st.turn = Turn::Run(tid);
            st.status[i] = Status::Running;
            st.last = Some(tid);
        }
    }

    /// A new thread's first wait: until it is given the turn.
    pub fn first_turn(&self, ctx: &Ctx) -> Result<(), Unwind> {
        let mut st = self.st.lock();
        match self.wait_turn(&mut st, ctx)? {
            Grant::Run => Ok(()),
            // A thread not yet started is never probed.
            Grant::Probe => Err(Unwind::Stopped),
        }
    }

    /// A switch point: hand the turn over (the strategy may give it straight back).
    pub fn switch_point(&self, ctx: &Ctx) -> Result<(), Unwind> {
        let mut st = self.st.lock();
        if st.stopped || st.unwinding {
            return Err(Unwind::Stopped);
        }
        let i = Self::slot(&mut st, ctx.tid);
        st.status[i] = Status::Ready;
        st.lines[i] = ctx.line.get();
        self.hand_off(&mut st, &ctx.shared);
        match self.wait_turn(&mut st, ctx)? {
            Grant::Run => Ok(()),
            Grant::Probe => Err(Unwind::Stopped),
        }
    }

    /// An event loop on `ctx`'s thread has several callbacks ready (`options`: what each runs
    /// and the line it resumes at, in ready-queue order): which runs first? A choice point of
    /// its own (the thread keeps the turn): the front of the queue, CPython's FIFO order, is
    /// the default; another is a deviation counted as a preemption, as Trio randomises a
    /// ready batch to shake out order dependence.
    pub fn choose_ready(&self, ctx: &Ctx, options: &[(String, u32)]) -> Result<usize, Unwind> {
        if options.len() < 2 {
            return Ok(0);
        }
        let lines: Vec<u32> = options.iter().map(|(_, l)| *l).collect();
        let names = options.iter().map(|(n, _)| n.clone()).collect();
        self.choose_other(ctx, &lines, DecisionKind::Ready { loop_thread: ctx.tid, names })
    }

    /// `ctx`'s thread released lock `res` while `waiters` (thread, line) wait for it: which
    /// of them, if any, takes it at once ([`DecisionKind::Handoff`]). None (the lock stays
    /// free, the releaser runs on) is the default.
    pub fn choose_handoff(&self, ctx: &Ctx, res: ResIx, waiters: &[ThreadIx]) -> Result<Option<ThreadIx>, Unwind> {
        if waiters.is_empty() {
            return Ok(None);
        }
        let mut lines = vec![ctx.line.get()];
        {
            let st = self.st.lock();
            lines.extend(waiters.iter().map(|t| st.lines.get(*t as usize).copied().unwrap_or(0)));
        }
        let kind = DecisionKind::Handoff { res, releaser: ctx.tid, waiters: waiters.to_vec() };
        let k = self.choose_other(ctx, &lines, kind)?;
        Ok(k.checked_sub(1).and_then(|i| waiters.get(i)).copied())
    }

    /// A choice point that is not about which thread runs (the running thread keeps the
    /// turn): option 0 is the default, another a deviation counted as a preemption.
    fn choose_other(&self, ctx: &Ctx, lines: &[u32], kind: DecisionKind) -> Result<usize, Unwind> {
        let mut st = self.st.lock();
        if st.stopped || st.unwinding {
            return Err(Unwind::Stopped);
        }
        let enabled = lines.iter().enumerate().map(|(i, l)| (i as ThreadIx, *l)).collect();
        let mut point = Decision { enabled, current: Some(0), due: false, chosen: 0, kind };
        let step = st.report.decisions.len();
        let choice = MutexGuard::unlocked(&mut st, || {
            let stopped = || self.st.lock().stopped;
            self.strategy.lock().choose(step, &point, &stopped)
        });
        let why = match choice {
            Choice::Run(k) if (k as usize) < lines.len() => {
                point.chosen = k;
                st.report.decisions.push(point);
                return Ok(k as usize);
            }
            Choice::Run(k) => Some(format!("step {step}: there is no option #{k} there")),
            Choice::Diverged(why) => Some(why),
            Choice::Stop => None,
        };
        if let Some(w) = why {
            st.report.diverged = Some(w);
        }
        self.unwind_all(&mut st, &ctx.shared);
        self.wait_turn(&mut st, ctx).and(Err(Unwind::Stopped))
    }

    /// The running thread cannot go on before `deadline` (virtual ns) unless someone else
    /// acts: pass the turn and wait to be given it (to run, or to be asked). `heard`: the
    /// condition variable it waits on and its notifications when it looked (it is asked
    /// again only once that variable is notified, its deadline comes, or as a safety net).
    pub fn block(&self, ctx: &Ctx, deadline: Option<u64>, heard: (Watch, u64)) -> Result<Grant, Unwind> {
        let mut st = self.st.lock();
        if st.stopped || st.unwinding {
            return Err(Unwind::Stopped);
        }
        let i = Self::slot(&mut st, ctx.tid);
        let version = st.version;
        let (watch, seen) = heard;
        st.watches[i] = Some(watch);
        st.status[i] = Status::Blocked { deadline, checked: version, seen, ready: false };
        st.lines[i] = ctx.line.get();
        self.hand_off(&mut st, &ctx.shared);
        self.wait_turn(&mut st, ctx)
    }

    /// A probed thread's answer: it could go on now (`ready`), or not before `deadline`
    /// (`heard` as for [`Self::block`]).
    pub fn answer(&self, ctx: &Ctx, ready: bool, deadline: Option<u64>, heard: (Watch, u64)) -> Result<Grant, Unwind> {
        let mut st = self.st.lock();
        let i = Self::slot(&mut st, ctx.tid);
        let version = st.version;
        let (watch, seen) = heard;
        st.watches[i] = Some(watch);
        st.status[i] = Status::Blocked { deadline, checked: version, seen, ready };
        if st.turn == Turn::Probe(ctx.tid) {
            st.turn = Turn::Nobody;
        }
        self.cv.notify_all();
        self.wait_turn(&mut st, ctx)
    }

    /// Thread `tid` ended: hand the turn on. Called last on its OS thread.
    pub fn ended(&self, shared: &Shared, tid: ThreadIx) {
        self.ended_inner(shared, tid);
        footprint::begin(false);
    }

    fn ended_inner(&self, shared: &Shared, tid: ThreadIx) {
        let mut st = self.st.lock();
        let i = Self::slot(&mut st, tid);
        st.status[i] = Status::Ended;
        if st.stopped || st.turn != Turn::Run(tid) {
            return;
        }
        if st.unwinding {
            self.next_to_unwind(&mut st);
            return;
        }
        if let Some(pos) = st.return_to.iter().position(|(to, _)| *to == tid) {
            let (_, back) = st.return_to.remove(pos);
            if back == tid || matches!(st.status.get(back as usize), Some(Status::Ended) | None) {
                self.hand_off(&mut st, shared);
                return;
            }
            let b = Self::slot(&mut st, back);
            st.status[b] = Status::Running;
            st.turn = Turn::Run(back);
            self.wake_turn(&st);
            return;
        }
        self.hand_off(&mut st, shared);
    }

    /// Interpreter shutdown killed daemon `tid`: let it unwind now, with the turn, and come
    /// back to the caller (which has the turn) when it has ended.
    pub fn run_to_end(&self, ctx: &Ctx, tid: ThreadIx) -> Result<(), Unwind> {
        let mut st = self.st.lock();
        if st.stopped || st.unwinding {
            return Err(Unwind::Stopped);
        }
        let i = Self::slot(&mut st, tid);
        if tid == ctx.tid || matches!(st.status[i], Status::Ended | Status::New) {
            return Ok(());
        }
        let me = Self::slot(&mut st, ctx.tid);
        st.status[me] = Status::Ready;
        st.return_to.push((tid, ctx.tid));
        st.status[i] = Status::Running;
        st.turn = Turn::Run(tid);
        st.version += 1;
        self.wake_turn(&st);
        match self.wait_turn(&mut st, ctx)? {
            Grant::Run => Ok(()),
            Grant::Probe => Err(Unwind::Stopped),
        }
    }

    /// Stop: every thread waiting for its turn returns `Stopped`; turns are over.
    pub fn stop(&self) {
        let mut st = self.st.lock();
        if !st.stopped && !st.unwinding {
            st.report.stopped_from_outside = true;
        }
        st.stopped = true;
        st.turn = Turn::Nobody;
        self.wake_everyone();
    }

    /// The turnstile stops the run itself (a deadlock, the turn limit, a schedule that does
    /// not fit): every thread is parked in the turnstile, and they unwind one at a time, in
    /// thread order, each with the turn — so even the stop replays identically.
    fn unwind_all(&self, st: &mut MutexGuard<'_, State>, shared: &Shared) {
        if st.stopped {
            self.wake_everyone();
            return;
        }
        st.unwinding = true;
        shared.mark_stopped();
        self.next_to_unwind(st);
    }

    /// Give the turn to the first thread still to unwind (none: the run is over).
    fn next_to_unwind(&self, st: &mut MutexGuard<'_, State>) {
        let next = st.status.iter().position(|s| !matches!(s, Status::Ended | Status::New));
        st.turn = next.map_or(Turn::Nobody, |t| Turn::Run(t as ThreadIx));
        self.wake_turn(st);
        self.cv.notify_all();
    }

    fn wait_turn(&self, st: &mut MutexGuard<'_, State>, ctx: &Ctx) -> Result<Grant, Unwind> {
        loop {
            if st.stopped || (st.unwinding && st.turn == Turn::Run(ctx.tid)) {
                return Err(Unwind::Stopped);
            }
            match st.turn {
                Turn::Run(t) if t == ctx.tid => {
                    footprint::begin(self.footprints.load(Ordering::Relaxed));
                    return Ok(Grant::Run);
                }
                Turn::Probe(t) if t == ctx.tid => return Ok(Grant::Probe),
                _ => self.cv_of(ctx.tid).wait(st),
            }
        }
    }

    /// Probe each thread whose status `stale` says needs asking; false when the run was
    /// stopped meanwhile. (A probe changes only the probed thread's own status: the table is
    /// walked in place.)
    fn probe(&self, st: &mut MutexGuard<'_, State>, stale: impl Fn(Status, Option<&Watch>) -> bool) -> bool {
        for i in 0..st.status.len() {
            if !stale(st.status[i], st.watches[i].as_ref()) {
                continue;
            }
            let t = i as ThreadIx;
            st.report.probes += 1;
            st.turn = Turn::Probe(t);
            self.wake_turn(st);
            while st.turn == Turn::Probe(t) && !st.stopped {
                self.cv.wait(st);
            }
            if st.stopped {
                self.wake_everyone();
                return false;
            }
        }
        true
    }

    /// The threads that can run now, with their lines.
    fn enabled(&self, st: &State) -> Vec<(ThreadIx, u32)> {
        let now = self.now_ns();
        (0..st.status.len())
            .filter(|&t| match st.status[t] {
                Status::Ready => true,
                Status::Blocked { ready, deadline, .. } => ready || deadline.is_some_and(|d| d <= now),
                Status::Spinning { version } => self.mutations.load(Ordering::Acquire) != version,
                _ => false,
            })
            .map(|t| (t as ThreadIx, st.lines[t]))
            .collect()
    }

    /// Give the turn to the next thread (the caller has just given it up). Runs on the
    /// caller's OS thread; probes blocked threads, asks the strategy at a choice point,
    /// advances virtual time, reports a deadlock.
    fn hand_off(&self, st: &mut MutexGuard<'_, State>, shared: &Shared) {
        if let Turn::Run(giver) = st.turn
            && self.footprints.load(Ordering::Relaxed)
            && !st.unwinding
        {
            let fp = footprint::take();
            self.strategy.lock().observe(giver, &fp);
        }
        st.turn = Turn::Nobody;
        loop {
            if st.stopped {
                self.wake_everyone();
                return;
            }
            if st.report.turns >= self.turn_limit.load(Ordering::Acquire) {
                st.report.turn_limit = true;
                self.unwind_all(st, shared);
                return;
            }
            // Ask every blocked thread whose condition variable was notified since its answer:
            // every change that can make a waiter's condition true notifies it (a free run
            // would never wake the waiter otherwise), so an answer given since is still true.
            // As a safety net, an answer older than `REPROBE_TURNS` turns is asked again
            // anyway; and should nobody be able to run, every answer older than the last turn
            // is, before time jumps or a deadlock is called.
            let version = st.version;
            let stale = |s: Status, w: Option<&Watch>| {
                matches!(s, Status::Blocked { seen, checked, .. }
                    if w.is_none_or(|w| w.count() != seen) || version.saturating_sub(checked) >= REPROBE_TURNS)
            };
            if !self.probe(st, stale) {
                return;
            }
            let mut enabled = self.enabled(st);
            if enabled.is_empty() {
                let version = st.version;
                if !self.probe(st, |s, _| matches!(s, Status::Blocked { checked, .. } if checked != version)) {
                    return;
                }
                enabled = self.enabled(st);
            }
            let now = self.now_ns();
            if enabled.is_empty() {
                // Nobody can run now: jump to the earliest deadline, if any.
                let next = st
                    .status
                    .iter()
                    .filter_map(|s| match s {
                        Status::Blocked { deadline: Some(d), .. } => Some(*d),
                        _ => None,
                    })
                    .min();
                if let Some(d) = next {
                    self.clock.store(d.max(now), Ordering::Release);
                    // Timed-out waits are enabled by their deadline, not by a probe.
                    continue;
                }
                // Threads spin on `while` loops and nothing can change what they read: the
                // program never ends (CPython would spin forever).
                // (Unless some of the waiting threads form a wait-for cycle: that deadlock is
                // what to report, with its cycle named.)
                let spinning = st.status.iter().any(|s| matches!(s, Status::Spinning { .. }));
                let cycle = spinning
                    && crate::watchdog::find_deadlock(&shared.life(), &shared.waits(), &shared.holders())
                        .is_some_and(|f| f.cycle);
                if spinning && !cycle {
                    st.report.turn_limit = true;
                    st.report.livelock = true;
                    self.unwind_all(st, shared);
                    return;
                }
                let stuck = if st.status.iter().any(|s| matches!(s, Status::Blocked { .. })) {
                    Stuck::Deadlock
                } else {
                    Stuck::Done
                };
                if let Stuck::Deadlock = stuck {
                    st.report.deadlock = true;
                    // Everyone waits in the turnstile with their primitives unlocked: the
                    // wait-for graph is still, and reading it here is exact.
                    let edges = crate::watchdog::find_deadlock(&shared.life(), &shared.waits(), &shared.holders())
                        .map(|f| f.edges)
                        .unwrap_or_default();
                    let first = edges.first().map_or(0, |e| e.thread);
                    let process = shared.thread_meta(first).map_or(0, |t| t.process);
                    shared.rec.record(first, process, EventKind::Deadlock { cycle: edges });
                    // The threads are stopped a turn later: at the deadlock's instant they
                    // still wait at their lines (the code panel marks them there). They
                    // unwind one at a time, in thread order.
                    self.clock.fetch_add(STEP_NS, Ordering::AcqRel);
                    self.unwind_all(st, shared);
                    return;
                }
                self.wake_everyone();
                return;
            }
            let mut current = st.last.filter(|c| enabled.iter().any(|(t, _)| t == c));
            let due = current.is_some() && st.streak >= turns_per_interval(shared.settings.switch_interval_ms);
            // Fairness, for every strategy: a thread that has run a switch interval's worth
            // of turns while others could run is switched out, as CPython's forced switch
            // does (and free-threaded, the others run anyway). Without it a search could
            // starve a thread and report a spin loop as a program that never ends.
            if due && enabled.len() > 1 {
                enabled.retain(|(t, _)| Some(*t) != current);
                current = None;
            }
            let mut point = Decision { enabled, current, due, chosen: 0, kind: DecisionKind::Thread };
            let chosen = if point.enabled.len() == 1 {
                point.enabled[0].0
            } else {
                let step = st.report.decisions.len();
                // The strategy may block (a person choosing): not under the turnstile's lock.
                let choice = MutexGuard::unlocked(st, || {
                    let stopped = || self.st.lock().stopped;
                    self.strategy.lock().choose(step, &point, &stopped)
                });
                match choice {
                    Choice::Run(t) if point.enabled.iter().any(|(e, _)| *e == t) => t,
                    Choice::Run(t) => {
                        st.report.diverged = Some(format!("step {step}: thread #{t} cannot run there"));
                        self.unwind_all(st, shared);
                        return;
                    }
                    Choice::Diverged(why) => {
                        st.report.diverged = Some(why);
                        self.unwind_all(st, shared);
                        return;
                    }
                    Choice::Stop => {
                        self.unwind_all(st, shared);
                        return;
                    }
                }
            };
            if point.enabled.len() > 1 {
                st.streak = if point.current == Some(chosen) { st.streak + 1 } else { 0 };
                point.chosen = chosen;
                st.report.decisions.push(point);
            } else {
                st.streak = 0;
            }
            let c = chosen as usize;
            st.status[c] = Status::Running;
            st.turn = Turn::Run(chosen);
            st.last = Some(chosen);
            st.version += 1;
            st.report.turns += 1;
            self.clock.fetch_add(STEP_NS, Ordering::AcqRel);
            self.wake_turn(st);
            return;
        }
    }
}
