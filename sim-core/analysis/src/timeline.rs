//! The Timeline model: lanes of phases built incrementally from events. The app draws only
//! this (live runs append as events arrive, replays have them all), and the summary reads it.
//! A phase lasts from its `start_ns` until the next phase of its lane begins.

use std::collections::VecDeque;
use threadline_model::event::{Event, EventKind, GilReason, ResIx, ThreadIx, WaitEdge, WaitTarget};
use threadline_model::model::ResourceInfo;
use threadline_model::model::ResourceKind;
use threadline_model::model::{ProcessMeta, ThreadMeta};
use threadline_model::pyerror::PyError;
use threadline_model::value::Value;

/// What a thread is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ThreadState {
    /// Not started yet.
    NotStarted,
    /// Running Python code (holding the GIL, where there is one).
    Running,
    /// Runnable, waiting for its process's GIL.
    WaitingGil,
    /// Blocked on a resource or a thread.
    Blocked(WaitTarget),
    /// In I/O (GIL released).
    Io,
    /// In `time.sleep` (GIL released).
    Sleep,
    /// Returned normally.
    Finished,
    /// A daemon thread killed at exit.
    Killed,
    /// Ended by an uncaught exception.
    Raised,
    /// Stopped by the user or after a deadlock.
    Stopped,
}

impl ThreadState {
    /// Whether the thread has ended.
    pub fn is_end(self) -> bool {
        matches!(self, Self::Finished | Self::Killed | Self::Raised | Self::Stopped)
    }
}

/// A span of one state.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Phase<S> {
    /// When it began.
    pub start_ns: u64,
    /// The state.
    pub state: S,
}

/// Append `state` at `t_ns`, merging with the last phase when nothing changes and replacing
/// a phase that would last zero time.
fn push_phase<S: PartialEq + Copy>(phases: &mut Vec<Phase<S>>, t_ns: u64, state: S) {
    if let Some(last) = phases.last_mut() {
        if last.state == state {
            return;
        }
        if last.start_ns == t_ns {
            last.state = state;
            let n = phases.len();
            if n >= 2 && phases[n - 2].state == state {
                phases.pop();
            }
            return;
        }
    }
    phases.push(Phase { start_ns: t_ns, state });
}

/// Index of the phase in force at `t_ns` (binary search).
pub fn phase_at<S>(phases: &[Phase<S>], t_ns: u64) -> Option<usize> {
    let i = phases.partition_point(|p| p.start_ns <= t_ns);
    i.checked_sub(1)
}

/// The most queue items [`Timeline::queue_contents_at`] returns.
pub const QUEUE_ITEMS_SHOWN: usize = 64;

/// The longest traffic history replayed for a LIFO or priority queue's contents at an
/// instant (beyond it, the FIFO estimate is shown).
pub const QUEUE_REPLAY_MAX: usize = 100_000;

/// One thread's lane.
#[derive(Clone, Debug, Default)]
pub struct ThreadLane {
    /// State phases.
    pub phases: Vec<Phase<ThreadState>>,
    /// Exceptions raised on this thread: (t_ns, error, caught).
    pub errors: Vec<(u64, PyError, bool)>,
    /// Final state.
    pub end: Option<ThreadState>,
    /// The source line the thread is at: (t_ns, line) each time it changes, from the
    /// `line` of the thread's events.
    pub lines: Vec<(u64, u32)>,
    /// Each sleep or I/O wait it began: (t_ns, ms asked for).
    pub waits_ms: Vec<(u64, f64)>,
}

impl ThreadLane {
    /// The source line the thread was at, at `t_ns` (None before its first event with a line).
    pub fn line_at(&self, t_ns: u64) -> Option<u32> {
        let i = self.lines.partition_point(|(t, _)| *t <= t_ns);
        i.checked_sub(1).map(|i| self.lines[i].1)
    }

    /// The time spans during which the thread was at `line`: `(from, to)`, `to` being the
    /// next change (or `end_ns` for the last one).
    pub fn spans_on_line(&self, line: u32, end_ns: u64) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.lines.iter().enumerate().filter(move |(_, (_, l))| *l == line).map(move |(i, (t, _))| {
            let to = self.lines.get(i + 1).map_or(end_ns, |n| n.0);
            (*t, to.max(*t))
        })
    }

    /// How long the sleep or I/O wait going on at `t_ns` was asked to last, in ms.
    pub fn wait_ms_at(&self, t_ns: u64) -> Option<f64> {
        let i = self.waits_ms.partition_point(|(t, _)| *t <= t_ns);
        i.checked_sub(1).map(|i| self.waits_ms[i].1)
    }

    /// The first time after `after_ns` at which the thread arrives at `line`.
    pub fn next_on_line(&self, line: u32, after_ns: u64) -> Option<u64> {
        let i = self.lines.partition_point(|(t, _)| *t <= after_ns);
        self.lines[i..].iter().find(|(_, l)| *l == line).map(|(t, _)| *t)
    }
    /// The state now (after the last event).
    pub fn state(&self) -> ThreadState {
        self.phases.last().map_or(ThreadState::NotStarted, |p| p.state)
    }
    /// The state at `t_ns`.
    pub fn state_at(&self, t_ns: u64) -> ThreadState {
        phase_at(&self.phases, t_ns).map_or(ThreadState::NotStarted, |i| self.phases[i].state)
    }
}

/// What an asyncio task is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TaskState {
    /// In the loop's ready queue: it will run when the loop gets to it (loop lag).
    Ready,
    /// The loop is running a step of it.
    Running,
    /// Suspended at an `await` of something not done yet.
    Suspended,
    /// Its coroutine returned.
    Finished,
    /// Cancelled.
    Cancelled,
    /// Ended by an exception.
    Raised,
}

impl TaskState {
    /// Whether the task has ended.
    pub fn is_end(self) -> bool {
        matches!(self, Self::Finished | Self::Cancelled | Self::Raised)
    }
}

/// What an arrow between two tasks' lanes says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskEdge {
    /// `create_task` (or `gather`, `TaskGroup.create_task`) in the first task's step.
    Spawn,
    /// The first task's step made the second ready: it set what the second awaited (an
    /// Event, a lock released, an item put, its own end).
    Wake,
}

/// An arrow between two asyncio tasks' lanes, at one instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskArrow {
    /// From this task.
    pub from: u32,
    /// To this one.
    pub to: u32,
    /// When.
    pub t_ns: u64,
    /// Spawn or wake.
    pub kind: TaskEdge,
}

/// One asyncio task's lane.
#[derive(Clone, Debug, Default)]
pub struct TaskLane {
    /// `Task-2`.
    pub name: String,
    /// Its coroutine's name.
    pub coro: String,
    /// The thread whose event loop runs it.
    pub thread: ThreadIx,
    /// State phases.
    pub phases: Vec<Phase<TaskState>>,
    /// What it awaited each time it suspended: (t_ns, in Python's words).
    pub awaits: Vec<(u64, String)>,
    /// Its line when a step began or ended: (t_ns, line).
    pub lines: Vec<(u64, u32)>,
    /// How it ended (`finished`, `cancelled`, the exception).
    pub outcome: Option<String>,
    /// When the sleep it is suspended in ends (events' clock).
    pub due_ns: Option<u64>,
}

impl TaskLane {
    /// The state now.
    pub fn state(&self) -> TaskState {
        self.phases.last().map_or(TaskState::Ready, |p| p.state)
    }
    /// The state at `t_ns` (None before it was created).
    pub fn state_at(&self, t_ns: u64) -> Option<TaskState> {
        phase_at(&self.phases, t_ns).map(|i| self.phases[i].state)
    }
    /// What it was awaiting at `t_ns`, if suspended then.
    pub fn awaiting_at(&self, t_ns: u64) -> Option<&str> {
        if self.state_at(t_ns) != Some(TaskState::Suspended) {
            return None;
        }
        let i = self.awaits.partition_point(|(t, _)| *t <= t_ns);
        i.checked_sub(1).map(|i| self.awaits[i].1.as_str())
    }
    /// Its line at `t_ns`.
    pub fn line_at(&self, t_ns: u64) -> Option<u32> {
        let i = self.lines.partition_point(|(t, _)| *t <= t_ns);
        i.checked_sub(1).map(|i| self.lines[i].1)
    }
}

/// A GIL handoff from one thread to another.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Handoff {
    /// When the old holder released it.
    pub released_ns: u64,
    /// When the new holder took it.
    pub acquired_ns: u64,
    /// The old holder.
    pub from: ThreadIx,
    /// The new holder.
    pub to: ThreadIx,
    /// The release was forced by a drop request.
    pub forced: bool,
}

/// One process's GIL lane.
#[derive(Clone, Debug, Default)]
pub struct GilLane {
    /// Holder phases (None = free).
    pub phases: Vec<Phase<Option<ThreadIx>>>,
    /// Handoffs between different threads.
    pub handoffs: Vec<Handoff>,
    /// When waiters set the drop request.
    pub drop_requests: Vec<u64>,
    /// How many releases were forced.
    pub forced_switches: u32,
    /// How long each holding lasted, in ns.
    pub slices_ns: Vec<u64>,
    last_release: Option<(u64, ThreadIx, bool)>,
    held_since: Option<u64>,
}

/// A resource's lane.
#[derive(Clone, Debug, Default)]
pub struct ResourceLane {
    /// Holder phases (locks, semaphores, conditions): who holds it.
    pub holders: Vec<Phase<HolderSet>>,
    /// Counter series: semaphore value, queue length, RLock depth.
    pub counter: Vec<(u64, i64)>,
    /// Threads waiting now.
    pub waiters: Vec<ThreadIx>,
    /// Queue and pipe traffic, for contents at any instant: (t_ns, item, put?).
    pub traffic: Vec<(u64, Value, bool)>,
    /// Indices into `traffic` of the puts, so the contents at an instant are found without
    /// replaying the history.
    pub puts: Vec<u32>,
    /// A get took another item than the oldest (a `LifoQueue`, a `PriorityQueue`): the
    /// contents are then found by replaying the traffic.
    pub not_fifo: bool,
    /// Most simultaneous holders seen.
    pub max_holders: u32,
    /// Longest queue seen.
    pub max_len: u32,
    /// Puts that had to wait.
    pub blocked_puts: u32,
    /// Gets that had to wait.
    pub blocked_gets: u32,
    /// An Event's flag over time.
    pub flag: Vec<Phase<bool>>,
    cur: HolderSet,
}

/// Up to a few holders, small and `Copy` (a semaphore's holders beyond 8 are counted only).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HolderSet {
    /// How many hold it.
    pub count: u32,
    /// The first holders (up to 8).
    pub first: [ThreadIx; 8],
}

impl HolderSet {
    /// The listed holders.
    pub fn threads(&self) -> &[ThreadIx] {
        &self.first[..(self.count as usize).min(8)]
    }
    fn add(&mut self, t: ThreadIx) {
        if (self.count as usize) < 8 {
            self.first[self.count as usize] = t;
        }
        self.count += 1;
    }
    fn remove(&mut self, t: ThreadIx) {
        let n = (self.count as usize).min(8);
        if let Some(pos) = self.first[..n].iter().position(|x| *x == t) {
            self.first.copy_within(pos + 1..n, pos);
            self.count -= 1;
        } else if self.count > 0 {
            if n > 0 && self.count as usize <= 8 {
                self.first.copy_within(1..n, 0);
            }
            self.count -= 1;
        }
    }
}

/// A shared variable's lane.
#[derive(Clone, Debug, Default)]
pub struct VarLane {
    /// (t_ns, value, race-free value) for numeric values.
    pub series: Vec<(u64, f64, f64)>,
    /// The last value written (None if never written).
    pub last: Option<Value>,
    /// The race-free value after the same updates.
    pub race_free: Option<Value>,
}

/// An arrow between two lanes: something one thread did that another thread received.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Arrow {
    /// Source time.
    pub from_ns: u64,
    /// Source thread.
    pub from: ThreadIx,
    /// Destination time.
    pub to_ns: u64,
    /// Destination thread.
    pub to: ThreadIx,
    /// The resource it went through.
    pub res: ResIx,
}

/// Every lane of a run.
#[derive(Clone, Debug, Default)]
pub struct Timeline {
    /// Thread table.
    pub thread_meta: Vec<ThreadMeta>,
    /// Process table.
    pub process_meta: Vec<ProcessMeta>,
    /// Resource table.
    pub resource_meta: Vec<ResourceInfo>,
    /// Variable names.
    pub var_names: Vec<String>,
    /// One lane per thread.
    pub threads: Vec<ThreadLane>,
    /// One GIL lane per process.
    pub gils: Vec<GilLane>,
    /// One lane per resource.
    pub resources: Vec<ResourceLane>,
    /// One lane per variable (per main-process copy).
    pub vars: Vec<VarLane>,
    /// One lane per asyncio task.
    pub tasks: Vec<TaskLane>,
    /// Between tasks: who created whom, who made whom ready.
    pub task_arrows: Vec<TaskArrow>,
    /// Lock handoffs and queue/pipe deliveries.
    pub arrows: Vec<Arrow>,
    /// Printed lines: (t_ns, thread, line).
    pub output: Vec<(u64, ThreadIx, String)>,
    /// The deadlock, if one was found: (t_ns, edges).
    pub deadlock: Option<(u64, Vec<WaitEdge>)>,
    /// Each process's exit status, once it exited.
    pub exit_codes: Vec<Option<i64>>,
    /// The run was stopped at its event limit: (t_ns, events kept).
    pub event_limit: Option<(u64, u64)>,
    /// Time of the last event.
    pub end_ns: u64,
    /// Events seen.
    pub n_events: usize,
    last_release: Vec<Option<(u64, ThreadIx)>>,
    pending_puts: Vec<VecDeque<(u64, ThreadIx)>>,
}

impl Timeline {
    /// An empty timeline for these tables.
    pub fn new(threads: &[ThreadMeta], processes: &[ProcessMeta], resources: &[ResourceInfo], vars: &[String]) -> Self {
        let mut tl = Self::default();
        threads.iter().for_each(|m| tl.add_thread(m.clone()));
        processes.iter().for_each(|m| tl.add_process(m.clone()));
        resources.iter().for_each(|r| tl.add_resource(r.clone(), 0));
        vars.iter().for_each(|v| tl.add_var(v.clone()));
        tl
    }

    /// A new thread lane (the table grows while a program runs).
    pub fn add_thread(&mut self, meta: ThreadMeta) {
        self.thread_meta.push(meta);
        self.threads.push(ThreadLane::default());
    }

    /// A new process and its GIL lane.
    pub fn add_process(&mut self, meta: ProcessMeta) {
        self.process_meta.push(meta);
        self.gils.push(GilLane::default());
        self.exit_codes.push(None);
    }

    /// A new resource lane, created at `t_ns`.
    pub fn add_resource(&mut self, info: ResourceInfo, t_ns: u64) {
        let mut lane = ResourceLane::default();
        if matches!(info.kind, ResourceKind::Semaphore | ResourceKind::BoundedSemaphore) {
            lane.counter.push((t_ns, info.capacity));
        }
        if info.kind == ResourceKind::Queue {
            lane.counter.push((t_ns, 0));
        }
        self.resource_meta.push(info);
        self.resources.push(lane);
        self.last_release.push(None);
        self.pending_puts.push(VecDeque::new());
        self.pending_puts.push(VecDeque::new());
    }

    /// A new variable lane.
    pub fn add_var(&mut self, name: String) {
        self.var_names.push(name);
        self.vars.push(VarLane::default());
    }

    /// Build from a whole list of events.
    pub fn from_events(
        threads: &[ThreadMeta],
        processes: &[ProcessMeta],
        resources: &[ResourceInfo],
        vars: &[String],
        events: &[Event],
    ) -> Self {
        let mut t = Self::new(threads, processes, resources, vars);
        for e in events {
            t.push(e);
        }
        t
    }

    fn set_state(&mut self, thread: ThreadIx, t_ns: u64, s: ThreadState) {
        if let Some(lane) = self.threads.get_mut(thread as usize) {
            if lane.state().is_end() {
                return;
            }
            push_phase(&mut lane.phases, t_ns, s);
            if s.is_end() {
                lane.end = Some(s);
            }
        }
    }

    fn unblock(&mut self, thread: ThreadIx, t_ns: u64) {
        if let Some(lane) = self.threads.get(thread as usize)
            && matches!(lane.state(), ThreadState::Blocked(_))
        {
            self.set_state(thread, t_ns, ThreadState::Running);
        }
    }

    fn res_lane(&mut self, res: ResIx) -> Option<&mut ResourceLane> {
        self.resources.get_mut(res as usize)
    }

    fn task_state(&mut self, task: u32, t: u64, state: TaskState, on: Option<String>) {
        let Some(lane) = self.tasks.get_mut(task as usize) else { return };
        // A sleep that ended while the loop was busy: ready from its end (the loop's lag).
        if let Some(due) = lane.due_ns.take()
            && lane.state() == TaskState::Suspended
            && due < t
            && lane.phases.last().is_some_and(|p| p.start_ns < due)
        {
            push_phase(&mut lane.phases, due, TaskState::Ready);
        }
        // The step's line: where it suspended (the loop's thread is there now).
        if state != TaskState::Running
            && let Some(th) = self.threads.get(lane.thread as usize)
            && let Some(l) = th.lines.last()
            && lane.lines.last().map(|x| x.1) != Some(l.1)
            && lane.state() == TaskState::Running
        {
            lane.lines.push((t, l.1));
        }
        push_phase(&mut lane.phases, t, state);
        if let Some(on) = on {
            lane.awaits.push((t, on));
        }
    }

    /// The steps of asyncio task `task` that ran at least `min_ns` without an await (asyncio's
    /// debug-mode `slow_callback_duration` is 100 ms): (start, end, the loop thread's line
    /// at the end of the step — where it spent the time).
    pub fn slow_steps(&self, task: usize, min_ns: u64) -> Vec<(u64, u64, Option<u32>)> {
        let Some(l) = self.tasks.get(task) else { return Vec::new() };
        l.phases
            .windows(2)
            .filter(|w| w[0].state == TaskState::Running && w[1].start_ns - w[0].start_ns >= min_ns)
            .map(|w| {
                let (a, b) = (w[0].start_ns, w[1].start_ns);
                let line = self.threads.get(l.thread as usize).and_then(|th| th.line_at(b.saturating_sub(1)));
                (a, b, line)
            })
            .collect()
    }

    /// Add one event (events must come in sequence order).
    pub fn push(&mut self, e: &Event) {
        use EventKind as K;
        let (t, th) = (e.t_ns, e.thread);
        self.end_ns = self.end_ns.max(t);
        self.n_events += 1;
        if e.line != 0
            && let Some(lane) = self.threads.get_mut(th as usize)
            && lane.lines.last().map(|l| l.1) != Some(e.line)
        {
            lane.lines.push((t, e.line));
        }
        let blocked = |r: ResIx| ThreadState::Blocked(WaitTarget::Resource(r));
        match &e.kind {
            K::ThreadNew { index, meta } => {
                if *index as usize == self.threads.len() {
                    self.add_thread(meta.clone());
                }
            }
            K::ProcessNew { index, meta } => {
                if *index as usize == self.gils.len() {
                    self.add_process(meta.clone());
                }
            }
            K::ResourceNew { index, info } => {
                if *index as usize == self.resources.len() {
                    self.add_resource(info.clone(), t);
                }
            }
            K::ProcessExit { code } => {
                if let Some(c) = self.exit_codes.get_mut(e.process as usize) {
                    *c = Some(*code);
                }
            }
            K::VarNew { index, name } => {
                if *index as usize == self.vars.len() {
                    self.add_var(name.clone());
                }
            }
            K::ThreadStarted | K::CpuBegin { .. } | K::CpuEnd | K::IoEnd => self.set_state(th, t, ThreadState::Running),
            K::ThreadFinished => self.set_state(th, t, ThreadState::Finished),
            K::ThreadKilled => self.set_state(th, t, ThreadState::Killed),
            K::ThreadStopped => self.set_state(th, t, ThreadState::Stopped),
            K::ThreadRaised { error } => {
                if let Some(l) = self.threads.get_mut(th as usize) {
                    l.errors.push((t, error.clone(), false));
                }
                self.set_state(th, t, ThreadState::Raised);
            }
            K::Error { error } => {
                if let Some(l) = self.threads.get_mut(th as usize) {
                    l.errors.push((t, error.clone(), true));
                }
                self.unblock(th, t);
            }
            K::IoBegin { sleep, ms } => {
                if let Some(lane) = self.threads.get_mut(th as usize) {
                    lane.waits_ms.push((t, *ms));
                }
                self.set_state(th, t, if *sleep { ThreadState::Sleep } else { ThreadState::Io })
            }
            K::GilRequested => self.set_state(th, t, ThreadState::WaitingGil),
            K::GilAcquired => {
                self.set_state(th, t, ThreadState::Running);
                if let Some(g) = self.gils.get_mut(e.process as usize) {
                    push_phase(&mut g.phases, t, Some(th));
                    if let Some((rt, from, forced)) = g.last_release
                        && from != th
                    {
                        g.handoffs.push(Handoff { released_ns: rt, acquired_ns: t, from, to: th, forced });
                    }
                    g.held_since = Some(t);
                }
            }
            K::GilDropRequested => {
                if let Some(g) = self.gils.get_mut(e.process as usize) {
                    g.drop_requests.push(t);
                }
            }
            K::GilReleased { reason } => {
                if let Some(g) = self.gils.get_mut(e.process as usize) {
                    push_phase(&mut g.phases, t, None);
                    let forced = *reason == GilReason::Forced;
                    g.forced_switches += u32::from(forced);
                    g.last_release = Some((t, th, forced));
                    if let Some(s) = g.held_since.take() {
                        g.slices_ns.push(t - s);
                    }
                }
                if *reason == GilReason::Forced {
                    self.set_state(th, t, ThreadState::WaitingGil);
                }
            }
            K::Requested { res, .. } => {
                self.set_state(th, t, blocked(*res));
                if let Some(l) = self.res_lane(*res) {
                    l.waiters.push(th);
                }
            }
            K::Acquired { res, depth, value } => {
                self.set_state(th, t, ThreadState::Running);
                let kind = self.resource_meta.get(*res as usize).map(|r| r.kind);
                let arrow_from = self.last_release.get(*res as usize).copied().flatten();
                if let Some((rt, from)) = arrow_from
                    && from != th
                    && *depth <= 1
                {
                    self.arrows.push(Arrow { from_ns: rt, from, to_ns: t, to: th, res: *res });
                }
                if let Some(l) = self.res_lane(*res) {
                    if let Some(p) = l.waiters.iter().position(|w| *w == th) {
                        l.waiters.remove(p);
                    }
                    if *depth <= 1 {
                        l.cur.add(th);
                        l.max_holders = l.max_holders.max(l.cur.count);
                        push_phase(&mut l.holders, t, l.cur);
                    }
                    match kind {
                        Some(ResourceKind::Semaphore | ResourceKind::BoundedSemaphore) => l.counter.push((t, *value)),
                        Some(ResourceKind::Rlock | ResourceKind::Condition) => l.counter.push((t, i64::from(*depth))),
                        _ => {}
                    }
                }
            }
            K::Released { res, depth, value } => {
                let kind = self.resource_meta.get(*res as usize).map(|r| r.kind);
                if *depth == 0
                    && let Some(slot) = self.last_release.get_mut(*res as usize)
                {
                    *slot = Some((t, th));
                }
                if let Some(l) = self.res_lane(*res) {
                    if *depth == 0 {
                        if kind == Some(ResourceKind::Lock) {
                            l.cur = HolderSet::default();
                        } else {
                            l.cur.remove(th);
                        }
                        push_phase(&mut l.holders, t, l.cur);
                    }
                    match kind {
                        Some(ResourceKind::Semaphore | ResourceKind::BoundedSemaphore) => l.counter.push((t, *value)),
                        Some(ResourceKind::Rlock | ResourceKind::Condition) => l.counter.push((t, i64::from(*depth))),
                        _ => {}
                    }
                }
            }
            K::AcquireFailed { res, .. } => {
                self.set_state(th, t, ThreadState::Running);
                if let Some(l) = self.res_lane(*res)
                    && let Some(p) = l.waiters.iter().position(|w| *w == th)
                {
                    l.waiters.remove(p);
                }
            }
            K::CondWait { res, .. } | K::EventWait { res, .. } | K::QueueJoinWait { res } | K::PipeWait { res, .. } => {
                self.set_state(th, t, blocked(*res));
            }
            K::ResultWait { res, .. } => self.set_state(th, t, blocked(*res)),
            K::CondWoken { .. } | K::EventWoken { .. } | K::Joined { .. } => self.unblock(th, t),
            K::QueueBlocked { res, put, .. } => {
                self.set_state(th, t, blocked(*res));
                if let Some(l) = self.res_lane(*res) {
                    if *put {
                        l.blocked_puts += 1;
                    } else {
                        l.blocked_gets += 1;
                    }
                }
            }
            K::QueuePut { res, item, len } => {
                self.unblock(th, t);
                if let Some(q) = self.pending_puts.get_mut(*res as usize * 2) {
                    q.push_back((t, th));
                }
                if let Some(l) = self.res_lane(*res) {
                    l.counter.push((t, i64::from(*len)));
                    l.max_len = l.max_len.max(*len);
                    l.puts.push(l.traffic.len() as u32);
                    l.traffic.push((t, item.clone(), true));
                }
            }
            K::QueueGet { res, item, len } => {
                self.unblock(th, t);
                if let Some((pt, from)) = self.pending_puts.get_mut(*res as usize * 2).and_then(VecDeque::pop_front)
                    && from != th
                {
                    self.arrows.push(Arrow { from_ns: pt, from, to_ns: t, to: th, res: *res });
                }
                if let Some(l) = self.res_lane(*res) {
                    l.counter.push((t, i64::from(*len)));
                    // FIFO so far: this get must take the oldest item still there.
                    let gets = l.traffic.len() - l.puts.len();
                    if !l.not_fifo && l.puts.get(gets).is_none_or(|p| l.traffic[*p as usize].1 != *item) {
                        l.not_fifo = true;
                    }
                    l.traffic.push((t, item.clone(), false));
                }
            }
            K::PipeSend { res, end, item } => {
                // What end `e` sends waits at the other end: slot res*2 + (1 - e).
                if let Some(q) = self.pending_puts.get_mut(*res as usize * 2 + 1 - (*end as usize).min(1)) {
                    q.push_back((t, th));
                }
                if let Some(l) = self.res_lane(*res) {
                    l.puts.push(l.traffic.len() as u32);
                    l.traffic.push((t, item.clone(), true));
                }
            }
            K::PipeRecv { res, end, item } => {
                self.unblock(th, t);
                if let Some((pt, from)) =
                    self.pending_puts.get_mut(*res as usize * 2 + (*end as usize).min(1)).and_then(VecDeque::pop_front)
                    && from != th
                {
                    self.arrows.push(Arrow { from_ns: pt, from, to_ns: t, to: th, res: *res });
                }
                if let Some(l) = self.res_lane(*res) {
                    l.traffic.push((t, item.clone(), false));
                }
            }
            K::JoinWait { target } => self.set_state(th, t, ThreadState::Blocked(WaitTarget::Thread(*target))),
            K::VarWrite { var, value, race_free } => {
                if let Some(l) = self.vars.get_mut(*var as usize)
                    && e.process == 0
                {
                    if let (Some(v), Some(r)) = (value.as_f64(), race_free.as_f64()) {
                        l.series.push((t, v, r));
                    }
                    l.last = Some(value.clone());
                    l.race_free = Some(race_free.clone());
                }
            }
            K::EventSet { res } | K::EventClear { res } => {
                let set = matches!(e.kind, K::EventSet { .. });
                if let Some(l) = self.res_lane(*res) {
                    if l.flag.is_empty() && set {
                        push_phase(&mut l.flag, 0, false);
                    }
                    push_phase(&mut l.flag, t, set);
                }
            }
            K::Print { line, .. } => self.output.push((t, th, line.clone())),
            K::Deadlock { cycle } => self.deadlock = Some((t, cycle.clone())),
            K::EventLimit { kept } => self.event_limit = Some((t, *kept)),
            K::AioTaskNew { task, name, coro, by } => {
                if let Some(b) = by {
                    self.task_arrows.push(TaskArrow { from: *b, to: *task, t_ns: t, kind: TaskEdge::Spawn });
                }
                if *task as usize == self.tasks.len() {
                    let mut lane =
                        TaskLane { name: name.clone(), coro: coro.clone(), thread: th, ..TaskLane::default() };
                    push_phase(&mut lane.phases, t, TaskState::Ready);
                    self.tasks.push(lane);
                }
            }
            K::AioTaskReady { task, by } => {
                if let Some(b) = by {
                    self.task_arrows.push(TaskArrow { from: *b, to: *task, t_ns: t, kind: TaskEdge::Wake });
                }
                self.task_state(*task, t, TaskState::Ready, None);
            }
            K::AioTaskRun { task } => {
                self.task_state(*task, t, TaskState::Running, None);
                if e.line != 0
                    && let Some(lane) = self.tasks.get_mut(*task as usize)
                {
                    lane.lines.push((t, e.line));
                }
            }
            K::AioTaskWait { task, on, until_ns } => {
                self.task_state(*task, t, TaskState::Suspended, Some(on.clone()));
                if let Some(lane) = self.tasks.get_mut(*task as usize) {
                    lane.due_ns = *until_ns;
                }
            }
            K::AioTaskEnd { task, outcome } => {
                let end = match outcome.as_str() {
                    "finished" => TaskState::Finished,
                    "cancelled" => TaskState::Cancelled,
                    _ => TaskState::Raised,
                };
                self.task_state(*task, t, end, None);
                if let Some(lane) = self.tasks.get_mut(*task as usize) {
                    lane.outcome = Some(outcome.clone());
                }
            }
            K::CondNotify { .. }
            | K::QueueTaskDone { .. }
            | K::PipeClose { .. }
            | K::StartThread { .. }
            | K::VarRead { .. }
            | K::TaskSubmitted { .. }
            | K::TaskStarted { .. }
            | K::TaskFinished { .. } => {}
        }
    }

    /// The first (at most [`QUEUE_ITEMS_SHOWN`]) items in queue `res` at `t_ns`, oldest
    /// first. Where items leave in the order they came (`Queue`, `multiprocessing` queues),
    /// the items present are the last `len` puts: two binary searches, whatever the length
    /// of the history. Where a get took another item (`LifoQueue`, `PriorityQueue`), the
    /// traffic up to `t_ns` is replayed (at most [`QUEUE_REPLAY_MAX`] entries).
    pub fn queue_contents_at(&self, res: ResIx, t_ns: u64) -> Vec<Value> {
        let Some(l) = self.resources.get(res as usize) else { return Vec::new() };
        let i = l.traffic.partition_point(|(t, _, _)| *t <= t_ns);
        if l.not_fifo {
            // A LIFO or priority queue: replay (bounded — past that, the FIFO estimate).
            if i <= QUEUE_REPLAY_MAX {
                let mut items: Vec<&Value> = Vec::new();
                for (_, v, put) in &l.traffic[..i] {
                    if *put {
                        items.push(v);
                    } else if let Some(k) = items.iter().rposition(|x| *x == v) {
                        items.remove(k);
                    }
                }
                return items.into_iter().take(QUEUE_ITEMS_SHOWN).cloned().collect();
            }
        }
        let puts = l.puts.partition_point(|p| (*p as usize) < i);
        let gets = i - puts;
        let len = puts.saturating_sub(gets);
        l.puts[puts - len..puts].iter().take(QUEUE_ITEMS_SHOWN).map(|p| l.traffic[*p as usize].1.clone()).collect()
    }

    /// The holders of `res` at `t_ns`.
    pub fn holders_at(&self, res: ResIx, t_ns: u64) -> Vec<ThreadIx> {
        self.resources
            .get(res as usize)
            .and_then(|l| phase_at(&l.holders, t_ns).map(|i| l.holders[i].state.threads().to_vec()))
            .unwrap_or_default()
    }

    /// The threads blocked on resource `res` at `t_ns`, in thread order.
    pub fn waiters_at(&self, res: ResIx, t_ns: u64) -> Vec<ThreadIx> {
        let target = ThreadState::Blocked(WaitTarget::Resource(res));
        (0..self.threads.len()).filter(|&t| self.threads[t].state_at(t_ns) == target).map(|t| t as ThreadIx).collect()
    }

    /// The GIL holder of `process` at `t_ns`.
    pub fn gil_holder_at(&self, process: usize, t_ns: u64) -> Option<ThreadIx> {
        let g = self.gils.get(process)?;
        phase_at(&g.phases, t_ns).and_then(|i| g.phases[i].state)
    }

    /// The counter of `res` at `t_ns`.
    pub fn counter_at(&self, res: ResIx, t_ns: u64) -> Option<i64> {
        let c = &self.resources.get(res as usize)?.counter;
        let i = c.partition_point(|(t, _)| *t <= t_ns);
        i.checked_sub(1).map(|i| c[i].1)
    }

    /// Total ns thread `th` spent in states matching `pred`, up to the end.
    pub fn time_in(&self, th: ThreadIx, pred: impl Fn(ThreadState) -> bool) -> u64 {
        let Some(lane) = self.threads.get(th as usize) else { return 0 };
        let mut total = 0;
        for (i, p) in lane.phases.iter().enumerate() {
            let end = lane.phases.get(i + 1).map_or(self.end_ns, |n| n.start_ns);
            if pred(p.state) {
                total = end.saturating_sub(p.start_ns).saturating_add(total);
            }
        }
        total
    }

    /// Describe a deadlock in words: "Thread-1 holds lock1 and waits for lock2, held by Thread-2, …".
    pub fn deadlock_words(&self) -> Option<String> {
        let (_, edges) = self.deadlock.as_ref()?;
        let tname = |t: ThreadIx| self.thread_meta.get(t as usize).map_or_else(|| format!("#{t}"), |m| m.name.clone());
        let parts: Vec<String> = edges
            .iter()
            .map(|e| {
                let waits = crate::words::wait(self, &e.waits_for);
                match e.held_by {
                    Some(h) => format!("{} {waits}, held by {}", tname(e.thread), tname(h)),
                    None => format!("{} {waits} forever", tname(e.thread)),
                }
            })
            .collect();
        let mut out = format!("Deadlock: {}.", parts.join("; "));
        // An event loop that can never be woken: say what each of its tasks awaits.
        let waiting: Vec<String> = self
            .tasks
            .iter()
            .enumerate()
            .filter(|(_, l)| l.state() == TaskState::Suspended)
            .map(|(k, _)| crate::words::task_phrase(self, k, self.end_ns))
            .collect();
        if !waiting.is_empty() {
            out.push_str(&format!(" Every asyncio task waits on something nobody will do: {}.", waiting.join("; ")));
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_merge_and_zero_length_phases_are_replaced() {
        let mut p = Vec::new();
        push_phase(&mut p, 0, 1);
        push_phase(&mut p, 5, 1);
        push_phase(&mut p, 10, 2);
        push_phase(&mut p, 10, 3);
        push_phase(&mut p, 20, 3);
        push_phase(&mut p, 30, 1);
        assert_eq!(p.iter().map(|x| (x.start_ns, x.state)).collect::<Vec<_>>(), vec![(0, 1), (10, 3), (30, 1)]);
        assert_eq!(phase_at(&p, 9), Some(0));
        assert_eq!(phase_at(&p, 10), Some(1));
        assert_eq!(phase_at(&p, 1000), Some(2));
        // A zero-length detour back to the previous state disappears entirely.
        let mut q = Vec::new();
        push_phase(&mut q, 0, 1);
        push_phase(&mut q, 7, 2);
        push_phase(&mut q, 7, 1);
        assert_eq!(q.len(), 1);
    }

    #[test]
    fn holder_set_adds_and_removes() {
        let mut h = HolderSet::default();
        h.add(3);
        h.add(5);
        h.add(7);
        h.remove(5);
        assert_eq!(h.threads(), &[3, 7]);
        h.remove(9); // a release by a non-holder frees one slot, as a semaphore does
        assert_eq!(h.count, 1);
    }

    #[test]
    fn a_thread_line_is_the_line_of_its_latest_event() {
        let main = ThreadMeta { name: "MainThread".into(), process: 0, daemon: false, target: None };
        let mut tl = Timeline::new(&[main], &[ProcessMeta { name: "MainProcess".into(), pid: 1 }], &[], &[]);
        for (seq, (t, line)) in [(10, 3), (20, 3), (30, 0), (40, 5), (50, 3)].into_iter().enumerate() {
            tl.push(&Event { seq: seq as u64, t_ns: t, thread: 0, process: 0, line, kind: EventKind::GilAcquired });
        }
        let lane = &tl.threads[0];
        assert_eq!(lane.lines, vec![(10, 3), (40, 5), (50, 3)], "repeats and line 0 add nothing");
        assert_eq!(
            (lane.line_at(5), lane.line_at(10), lane.line_at(45), lane.line_at(99)),
            (None, Some(3), Some(5), Some(3))
        );
        assert_eq!(lane.spans_on_line(3, 60).collect::<Vec<_>>(), vec![(10, 40), (50, 60)]);
        assert_eq!(
            (lane.next_on_line(3, 10), lane.next_on_line(5, 0), lane.next_on_line(5, 40)),
            (Some(50), Some(40), None)
        );
    }

    #[test]
    fn queue_contents_from_the_put_index_match_replaying_the_history() {
        let mut l = ResourceLane::default();
        // A deterministic mix of puts and gets (never more gets than items).
        let (mut len, mut x) = (0u32, 12345u64);
        for t in 0..5000u64 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            if len == 0 || (x >> 33) % 3 != 0 {
                l.puts.push(l.traffic.len() as u32);
                l.traffic.push((t, Value::Int(t as i64), true));
                len += 1;
            } else {
                l.traffic.push((t, Value::Int(0), false));
                len -= 1;
            }
        }
        let tl = Timeline { resources: vec![l.clone()], ..Timeline::default() };
        for t in [0, 1, 17, 999, 2500, 4999, 10_000] {
            let mut naive = VecDeque::new();
            for (tt, item, put) in &l.traffic {
                if *tt > t {
                    break;
                }
                if *put {
                    naive.push_back(item.clone());
                } else {
                    naive.pop_front();
                }
            }
            let want: Vec<Value> = naive.into_iter().take(QUEUE_ITEMS_SHOWN).collect();
            assert_eq!(tl.queue_contents_at(0, t), want, "at {t}");
        }
    }
}
