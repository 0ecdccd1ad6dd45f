//! The lanes a timeline is made of: per thread, task, GIL, resource and variable, each a
//! list of phases; and the arrows and wake-up edges between them.

use threadline_model::event::{ResIx, ThreadIx, WaitTarget};
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
pub(super) fn push_phase<S: PartialEq + Copy>(phases: &mut Vec<Phase<S>>, t_ns: u64, state: S) {
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
    pub(super) last_release: Option<(u64, ThreadIx, bool)>,
    pub(super) held_since: Option<u64>,
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
    pub(super) cur: HolderSet,
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
    pub(super) fn add(&mut self, t: ThreadIx) {
        if (self.count as usize) < 8 {
            self.first[self.count as usize] = t;
        }
        self.count += 1;
    }
    pub(super) fn remove(&mut self, t: ThreadIx) {
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
