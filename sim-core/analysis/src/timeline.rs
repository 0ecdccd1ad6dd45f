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
    /// `Task-2 (fetch)`: its name and coroutine, as every view says a task.
    pub fn title(&self) -> String {
        if self.coro.is_empty() { self.name.clone() } else { format!("{} ({})", self.name, self.coro) }
    }

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

/// Who did something, when, at which line: the far end of a wake-up edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signal {
    /// When.
    pub t_ns: u64,
    /// Which thread.
    pub thread: ThreadIx,
    /// At which source line (0 if unknown).
    pub line: u32,
}

/// Why a wait ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WakeCause {
    /// The GIL was released by another thread (or was free).
    Gil,
    /// A lock, semaphore or condition was released.
    Release(ResIx),
    /// An item was put on a queue a getter waited on.
    Put(ResIx),
    /// An item was taken off a full queue a putter waited on.
    Get(ResIx),
    /// A condition was notified.
    Notify(ResIx),
    /// An event was set.
    Set(ResIx),
    /// `task_done()` finished the last unfinished task of a joined queue.
    TaskDone(ResIx),
    /// Something was sent down a pipe.
    Send(ResIx),
    /// A pool or executor finished the task a result was waited for.
    Finished(ResIx),
    /// The joined thread ended.
    ThreadEnd(ThreadIx),
    /// The wait's timeout expired (or a non-blocking attempt gave up).
    Timeout,
    /// An exception ended the wait.
    Interrupted,
}

/// A wake-up edge: the end of one wait of one thread, linked to what ended it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wake {
    /// The thread that waited.
    pub thread: ThreadIx,
    /// When its wait began.
    pub from_ns: u64,
    /// When its wait ended.
    pub t_ns: u64,
    /// Why it ended.
    pub cause: WakeCause,
    /// The other thread's act that ended it (None for [`WakeCause::Timeout`] and
    /// [`WakeCause::Interrupted`]).
    pub by: Option<Signal>,
}

/// Why a thread is blocked: the kind of wait it began (decides what can end it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Why {
    Acquire,
    CondWait,
    EventWait,
    QueuePut,
    QueueGet,
    QueueJoin,
    PipeRecv,
    Result,
    Other,
}

/// The latest act of each kind on one resource, for wake-up edges.
#[derive(Clone, Copy, Debug, Default)]
struct ResSignals {
    release: Option<Signal>,
    put: Option<Signal>,
    get: Option<Signal>,
    notify: Option<Signal>,
    set: Option<Signal>,
    done: Option<Signal>,
    send: Option<Signal>,
    finished: Option<Signal>,
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
    /// Wake-up edges: one per wait (blocked or waiting for the GIL) that another thread's
    /// act ended, or that timed out or was interrupted, in order of their end. A wait for
    /// something that was free at once has none.
    pub wakes: Vec<Wake>,
    /// Per thread: who started it and when (`t.start()`), if recorded.
    pub started_by: Vec<Option<Signal>>,
    /// Per process, the utilisation over time: (t_ns, threads running, threads wanting to
    /// run — running or waiting for the GIL), each step lasting until the next.
    pub util: Vec<Vec<(u64, u32, u32)>>,
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
    /// For a run recorded in CPython 3.12+: how its GIL lanes were inferred (they are not
    /// CPython's own events).
    pub gil_inferred: Option<String>,
    /// Events seen.
    pub n_events: usize,
    last_release: Vec<Option<(u64, ThreadIx)>>,
    pending_puts: Vec<VecDeque<(u64, ThreadIx)>>,
    signals: Vec<ResSignals>,
    gil_released: Vec<Option<Signal>>,
    why: Vec<Why>,
    starting: Vec<Option<ThreadIx>>,
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
        self.started_by.push(None);
        self.starting.push(None);
        self.why.push(Why::Other);
    }

    /// A new process and its GIL lane.
    pub fn add_process(&mut self, meta: ProcessMeta) {
        self.process_meta.push(meta);
        self.gils.push(GilLane::default());
        self.gil_released.push(None);
        self.util.push(Vec::new());
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
        self.signals.push(ResSignals::default());
    }

    /// A new variable lane.
    pub fn add_var(&mut self, name: String) {
        self.var_names.push(name);
        self.vars.push(VarLane::default());
    }

    /// The line asyncio task `task` is at, at `t_ns`: while it runs, where its loop's thread
    /// is; otherwise where its last step ended (where it suspended).
    pub fn task_line_at(&self, task: usize, t_ns: u64) -> Option<u32> {
        let lane = self.tasks.get(task)?;
        match lane.state_at(t_ns) {
            Some(TaskState::Running) => self.threads.get(lane.thread as usize)?.line_at(t_ns),
            _ => lane.line_at(t_ns),
        }
    }

    /// Thread `t`'s name (`#t` for an index the table does not have).
    pub fn thread_name(&self, t: ThreadIx) -> String {
        self.thread_meta.get(t as usize).map_or_else(|| format!("#{t}"), |m| m.name.clone())
    }

    /// Resource `r`'s name (`#r` for an index the table does not have).
    pub fn resource_name(&self, r: ResIx) -> String {
        self.resource_meta.get(r as usize).map_or_else(|| format!("#{r}"), |m| m.name.clone())
    }

    /// An empty timeline for a trace's tables (events are then pushed one by one).
    pub fn for_trace(trace: &threadline_model::trace::Trace) -> Self {
        let mut tl = Self::new(&trace.threads, &trace.processes, &trace.resources, &trace.vars);
        tl.gil_inferred = trace.recorded.as_ref().and_then(|r| r.gil_inferred.clone());
        tl
    }

    /// The timeline of a whole trace.
    pub fn of_trace(trace: &threadline_model::trace::Trace) -> Self {
        let mut tl = Self::for_trace(trace);
        for e in &trace.events {
            tl.push(e);
        }
        tl
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
        let Some(lane) = self.threads.get_mut(thread as usize) else { return };
        let old = lane.state();
        if old.is_end() {
            return;
        }
        push_phase(&mut lane.phases, t_ns, s);
        if s.is_end() {
            lane.end = Some(s);
        }
        // The utilisation steps of the thread's process.
        let rw = |x: ThreadState| {
            (
                i64::from(x == ThreadState::Running),
                i64::from(matches!(x, ThreadState::Running | ThreadState::WaitingGil)),
            )
        };
        let ((r1, w1), (r0, w0)) = (rw(s), rw(old));
        let (d_run, d_want) = (r1 - r0, w1 - w0);
        let p = self.thread_meta.get(thread as usize).map_or(0, |m| m.process as usize);
        if (d_run, d_want) != (0, 0)
            && let Some(u) = self.util.get_mut(p)
        {
            let (run, want) = u.last().map_or((0, 0), |x| (x.1, x.2));
            let step = (t_ns, (i64::from(run) + d_run).max(0) as u32, (i64::from(want) + d_want).max(0) as u32);
            match u.last_mut() {
                Some(last) if last.0 == t_ns => *last = step,
                _ => u.push(step),
            }
        }
    }

    fn unblock(&mut self, thread: ThreadIx, process: u32, t_ns: u64) {
        if let Some(lane) = self.threads.get(thread as usize)
            && matches!(lane.state(), ThreadState::Blocked(_))
        {
            let s = self.ready(thread, process);
            self.set_state(thread, t_ns, s);
        }
    }

    /// The state of a thread that can go on: running — or, where its process has a GIL
    /// that another thread holds or nobody holds, waiting for it (a lock taken with the GIL
    /// released, a sleep that ended: the thread runs again only once it has the GIL).
    fn ready(&self, thread: ThreadIx, process: u32) -> ThreadState {
        // Past the event limit GIL events are no longer kept: the lane is frozen.
        if self.event_limit.is_some() {
            return ThreadState::Running;
        }
        match self.gils.get(process as usize).and_then(|g| g.phases.last()) {
            Some(p) if p.state != Some(thread) => ThreadState::WaitingGil,
            _ => ThreadState::Running,
        }
    }

    fn res_lane(&mut self, res: ResIx) -> Option<&mut ResourceLane> {
        self.resources.get_mut(res as usize)
    }

    fn kind_of(&self, res: ResIx) -> Option<ResourceKind> {
        self.resource_meta.get(res as usize).map(|r| r.kind)
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
        let before = self.threads.get(th as usize).and_then(|l| l.phases.last().copied());
        self.record_signal(e);
        // `Thread.start()` waits only between its StartThread and GIL release: any other
        // act of the starter means that wait is over (a thread that never started).
        if !matches!(e.kind, EventKind::StartThread { .. } | EventKind::GilReleased { .. })
            && let Some(s) = self.starting.get_mut(th as usize)
        {
            *s = None;
        }
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
            K::ThreadStarted => {
                let s = self.ready(th, e.process);
                self.set_state(th, t, s);
                // Whoever started it goes on.
                if let Some(by) = self.started_by.get(th as usize).copied().flatten()
                    && self.starting.get(by.thread as usize).copied().flatten() == Some(th)
                {
                    self.starting[by.thread as usize] = None;
                    let process = self.thread_meta.get(by.thread as usize).map_or(e.process, |m| m.process);
                    self.unblock(by.thread, process, t);
                }
            }
            K::CpuBegin { .. } | K::CpuEnd | K::IoEnd => {
                let s = self.ready(th, e.process);
                self.set_state(th, t, s);
            }
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
                self.unblock(th, e.process, t);
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
                if *reason == GilReason::Forced
                    && self.threads.get(th as usize).is_some_and(|l| l.state() == ThreadState::Running)
                {
                    self.set_state(th, t, ThreadState::WaitingGil);
                }
                // `Thread.start()` waits, the GIL released, for the new thread to start.
                if *reason == GilReason::Blocking
                    && self.threads.get(th as usize).is_some_and(|l| l.state() == ThreadState::Running)
                    && let Some(target) = self.starting.get(th as usize).copied().flatten()
                {
                    self.set_state(th, t, ThreadState::Blocked(WaitTarget::Thread(target)));
                }
            }
            K::Requested { res, .. } => {
                self.set_state(th, t, blocked(*res));
                let barrier = self.kind_of(*res) == Some(ResourceKind::Barrier);
                if let Some(l) = self.res_lane(*res) {
                    l.waiters.push(th);
                    if barrier {
                        // One more party waits.
                        let n = l.counter.last().map_or(0, |c| c.1) + 1;
                        l.counter.push((t, n));
                    }
                }
            }
            K::Acquired { res, depth, value } => {
                let s = self.ready(th, e.process);
                self.set_state(th, t, s);
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
                    if *depth <= 1 && kind != Some(ResourceKind::Barrier) {
                        l.cur.add(th);
                        l.max_holders = l.max_holders.max(l.cur.count);
                        push_phase(&mut l.holders, t, l.cur);
                    }
                    match kind {
                        Some(ResourceKind::Semaphore | ResourceKind::BoundedSemaphore | ResourceKind::Barrier) => {
                            l.counter.push((t, *value))
                        }
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
                    if *depth == 0 && kind != Some(ResourceKind::Barrier) {
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
                let s = self.ready(th, e.process);
                self.set_state(th, t, s);
                let barrier = self.kind_of(*res) == Some(ResourceKind::Barrier);
                if let Some(l) = self.res_lane(*res)
                    && let Some(p) = l.waiters.iter().position(|w| *w == th)
                {
                    l.waiters.remove(p);
                    if barrier {
                        // A broken barrier: this party no longer waits.
                        let n = (l.counter.last().map_or(0, |c| c.1) - 1).max(0);
                        l.counter.push((t, n));
                    }
                }
            }
            K::CondWait { res, .. } | K::EventWait { res, .. } | K::QueueJoinWait { res } | K::PipeWait { res, .. } => {
                self.set_state(th, t, blocked(*res));
            }
            K::ResultWait { res, .. } => self.set_state(th, t, blocked(*res)),
            K::CondWoken { .. } | K::EventWoken { .. } | K::Joined { .. } => self.unblock(th, e.process, t),
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
                self.unblock(th, e.process, t);
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
                self.unblock(th, e.process, t);
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
                self.unblock(th, e.process, t);
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
            K::StartThread { target } => {
                if let Some(s) = self.started_by.get_mut(*target as usize) {
                    *s = Some(Signal { t_ns: t, thread: th, line: e.line });
                }
                if let Some(s) = self.starting.get_mut(th as usize) {
                    *s = Some(*target);
                }
            }
            K::CondNotify { .. }
            | K::QueueTaskDone { .. }
            | K::PipeClose { .. }
            | K::VarRead { .. }
            | K::TaskSubmitted { .. }
            | K::TaskStarted { .. }
            | K::TaskFinished { .. } => {}
        }
        if let Some(before) = before {
            self.record_wake(e, before);
        }
    }

    /// Remember the acts that can end another thread's wait, and why a thread begins one.
    fn record_signal(&mut self, e: &Event) {
        use EventKind as K;
        let sig = Signal { t_ns: e.t_ns, thread: e.thread, line: e.line };
        let why = match &e.kind {
            K::Requested { .. } => Some(Why::Acquire),
            K::CondWait { .. } => Some(Why::CondWait),
            K::EventWait { .. } => Some(Why::EventWait),
            K::QueueBlocked { put: true, .. } => Some(Why::QueuePut),
            K::QueueBlocked { put: false, .. } => Some(Why::QueueGet),
            K::QueueJoinWait { .. } => Some(Why::QueueJoin),
            K::PipeWait { .. } => Some(Why::PipeRecv),
            K::ResultWait { .. } => Some(Why::Result),
            K::JoinWait { .. } => Some(Why::Other),
            _ => None,
        };
        if let (Some(why), Some(slot)) = (why, self.why.get_mut(e.thread as usize)) {
            *slot = why;
        }
        if let K::GilReleased { .. } = e.kind
            && let Some(g) = self.gil_released.get_mut(e.process as usize)
        {
            *g = Some(sig);
        }
        let Some(res) = e.kind.resource() else { return };
        let Some(s) = self.signals.get_mut(res as usize) else { return };
        match &e.kind {
            K::Released { depth: 0, .. } => s.release = Some(sig),
            K::QueuePut { .. } => s.put = Some(sig),
            K::QueueGet { .. } => s.get = Some(sig),
            K::CondNotify { woken, .. } if *woken > 0 => s.notify = Some(sig),
            K::EventSet { .. } => s.set = Some(sig),
            K::QueueTaskDone { unfinished: 0, .. } => s.done = Some(sig),
            K::PipeSend { .. } => s.send = Some(sig),
            K::TaskFinished { .. } => s.finished = Some(sig),
            _ => {}
        }
    }

    /// If event `e` ended a wait of its thread (whose phase before it was `before`), add
    /// the wake-up edge: what ended it, and who.
    fn record_wake(&mut self, e: &Event, before: Phase<ThreadState>) {
        use EventKind as K;
        let th = e.thread;
        let Some(lane) = self.threads.get(th as usize) else { return };
        let now = lane.state();
        let waiting = matches!(before.state, ThreadState::Blocked(_) | ThreadState::WaitingGil);
        if !waiting || now == before.state || lane.phases.last().is_none_or(|p| p.start_ns != e.t_ns) {
            return;
        }
        let since = |s: Option<Signal>| s.filter(|s| s.t_ns >= before.start_ns && s.thread != th);
        let (cause, by) = match before.state {
            ThreadState::WaitingGil => {
                let by = since(self.gil_released.get(e.process as usize).copied().flatten());
                (WakeCause::Gil, by)
            }
            ThreadState::Blocked(WaitTarget::Thread(x)) => {
                let end = self.threads.get(x as usize).and_then(|l| {
                    let p = l.phases.last().filter(|p| p.state.is_end())?;
                    Some(Signal { t_ns: p.start_ns, thread: x, line: l.lines.last().map_or(0, |l| l.1) })
                });
                (WakeCause::ThreadEnd(x), end)
            }
            ThreadState::Blocked(WaitTarget::Resource(r)) => {
                let s = self.signals.get(r as usize).copied().unwrap_or_default();
                let why = self.why.get(th as usize).copied().unwrap_or(Why::Other);
                match why {
                    Why::Acquire => (WakeCause::Release(r), since(s.release)),
                    Why::CondWait => (WakeCause::Notify(r), since(s.notify)),
                    Why::EventWait => (WakeCause::Set(r), since(s.set)),
                    Why::QueuePut => (WakeCause::Get(r), since(s.get)),
                    Why::QueueGet => (WakeCause::Put(r), since(s.put)),
                    Why::QueueJoin => (WakeCause::TaskDone(r), since(s.done)),
                    Why::PipeRecv => (WakeCause::Send(r), since(s.send)),
                    Why::Result => (WakeCause::Finished(r), since(s.finished)),
                    Why::Other => return,
                }
            }
            _ => return,
        };
        let timed_out = match &e.kind {
            // A non-blocking attempt that failed never waited: no edge (a spin loop of them
            // would fill the memory).
            K::AcquireFailed { timed_out: false, .. } => return,
            K::AcquireFailed { .. } => true,
            K::CondWoken { notified, .. } => !notified,
            K::EventWoken { flag, .. } => !flag,
            _ => false,
        };
        let (cause, by) = if timed_out {
            (WakeCause::Timeout, None)
        } else if matches!(e.kind, K::Error { .. } | K::ThreadStopped | K::ThreadKilled | K::ThreadRaised { .. }) {
            (WakeCause::Interrupted, None)
        } else if by.is_some() {
            (cause, by)
        } else {
            // Free at once: no other thread's act ended it, so no edge (the uncontended
            // acquires of a busy lock would otherwise double the timeline's memory).
            return;
        };
        self.wakes.push(Wake { thread: th, from_ns: before.start_ns, t_ns: e.t_ns, cause, by });
    }

    /// The wake-up edge that ended the wait of `thread` going on at `t_ns` (the wait's
    /// span contains `t_ns`), if that wait ended.
    pub fn wake_at(&self, thread: ThreadIx, t_ns: u64) -> Option<&Wake> {
        // Wakes are in order of their end; the first ending at or after t_ns for this thread.
        let i = self.wakes.partition_point(|w| w.t_ns < t_ns);
        self.wakes[i..].iter().find(|w| w.thread == thread).filter(|w| w.from_ns <= t_ns)
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

    /// Suspended asyncio tasks that await each other in a ring (each awaits the next task,
    /// the last the first), at the end of the run: their indices, in order.
    pub fn await_cycle(&self) -> Option<Vec<usize>> {
        let t = self.end_ns;
        let next = |k: usize| -> Option<usize> {
            let on = self.tasks[k].awaiting_at(t)?;
            self.tasks.iter().position(|o| o.name == on && o.state_at(t) == Some(TaskState::Suspended))
        };
        for start in 0..self.tasks.len() {
            let mut path = vec![start];
            let mut k = start;
            while let Some(n) = next(k) {
                if let Some(i) = path.iter().position(|x| *x == n) {
                    return Some(path[i..].to_vec());
                }
                if path.len() > self.tasks.len() {
                    break;
                }
                path.push(n);
                k = n;
            }
        }
        None
    }

    /// Describe a deadlock in words: "Thread-1 holds lock1 and waits for lock2, held by Thread-2, …".
    pub fn deadlock_words(&self) -> Option<String> {
        let (_, edges) = self.deadlock.as_ref()?;
        let tname = |t: ThreadIx| self.thread_name(t);
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
        if let Some(cycle) = self.await_cycle() {
            let who = |k: usize| self.tasks[k].title();
            let mut words = who(cycle[0]);
            for k in &cycle[1..] {
                words.push_str(&format!(" awaits {}, which", who(*k)));
            }
            words.push_str(&format!(" awaits {}", who(cycle[0])));
            out.push_str(&format!(" That is an await cycle: {words}."));
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
