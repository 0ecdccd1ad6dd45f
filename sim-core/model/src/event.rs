//! The event vocabulary: everything a simulated thread does becomes one [`Event`].
//!
//! | field     | meaning                                                          |
//! |-----------|------------------------------------------------------------------|
//! | `seq`     | global sequence number; strictly increasing, a total causal order |
//! | `t_ns`    | nanoseconds since the run started (monotonic, never decreasing)  |
//! | `thread`  | index into the run's thread table                                |
//! | `process` | index into the run's process table                               |
//! | `kind`    | what happened ([`EventKind`]); resources and variables by index  |
//!
//! A primitive records its events while it holds its own state lock, so "A released L"
//! always has a smaller `seq` than "B acquired L".

use crate::pyerror::PyError;
use crate::value::Value;
use serde::{Deserialize, Serialize};

/// Index of a thread in the run's thread table.
pub type ThreadIx = u32;
/// Index of a resource (lock, semaphore, queue…) in the run's resource table.
pub type ResIx = u32;

/// One recorded step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Global sequence number.
    pub seq: u64,
    /// Nanoseconds since the run started.
    pub t_ns: u64,
    /// The thread that caused it.
    pub thread: ThreadIx,
    /// The simulated process of that thread.
    pub process: u32,
    /// The source line of the statement that caused it (0: not from a Python source line).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub line: u32,
    /// What happened.
    pub kind: EventKind,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Why a thread let go of the GIL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GilReason {
    /// A waiter's drop request after the switch interval (FORCE_SWITCHING).
    Forced,
    /// Around I/O or `time.sleep` (Py_BEGIN_ALLOW_THREADS).
    Io,
    /// Around a blocking wait on a primitive.
    Blocking,
    /// The thread ended.
    Exit,
}

/// One edge of a deadlock: `thread` waits for `resource`, which `held_by` holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WaitEdge {
    /// The waiting thread.
    pub thread: ThreadIx,
    /// What it waits for: a resource, or a thread it joins.
    pub waits_for: WaitTarget,
    /// The thread holding that resource, if one does.
    pub held_by: Option<ThreadIx>,
}

/// What a blocked thread waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitTarget {
    /// A resource (lock, semaphore, queue, pipe, event, condition, pool).
    Resource(ResIx),
    /// Another thread to finish (`join`).
    Thread(ThreadIx),
}

/// A new asyncio task's names.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AioTaskNames {
    /// Its name (`Task-2`).
    pub name: String,
    /// Its coroutine (`worker`).
    pub coro: String,
}

/// What an asyncio task awaits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AioWait {
    /// What it awaits, in Python's words (`sleep(0.5)`, `Lock.acquire()`, `Task-3`).
    pub on: String,
    /// When what it awaits is due by itself (a sleep's end), on the events' clock: from
    /// then on the task is ready, whether or not the loop gets to it (loop lag).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until_ns: Option<u64>,
}

// An event is kept for every primitive operation of a run, millions of them: the kinds that
// carry text or values box it, so an event is 64 bytes (it was 104).
const _: () = assert!(std::mem::size_of::<Event>() <= 64);

/// What happened.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The thread began running (`Thread.start()` took effect).
    ThreadStarted,
    /// The thread's target returned.
    ThreadFinished,
    /// A daemon thread stopped abruptly because the program exited.
    ThreadKilled,
    /// The run was stopped (by the user, or after a deadlock) while this thread was alive.
    ThreadStopped,
    /// An uncaught exception ended the thread.
    ThreadRaised {
        /// The exception.
        error: Box<PyError>,
    },
    /// `cpu` work began.
    CpuBegin {
        /// Planned milliseconds of one core's work.
        #[serde(with = "crate::value::float_json")]
        ms: f64,
    },
    /// `cpu` work ended.
    CpuEnd,
    /// I/O (or `time.sleep` when `sleep`) began.
    IoBegin {
        /// Planned milliseconds.
        #[serde(with = "crate::value::float_json")]
        ms: f64,
        /// `time.sleep` rather than I/O.
        sleep: bool,
    },
    /// I/O or sleep ended.
    IoEnd,
    /// The thread asked for the GIL.
    GilRequested,
    /// The thread took the GIL.
    GilAcquired,
    /// A waiter timed out after the switch interval and asked the holder to drop the GIL.
    GilDropRequested,
    /// The thread dropped the GIL.
    GilReleased {
        /// Why.
        reason: GilReason,
    },
    /// `acquire()` on a lock, rlock, semaphore or condition was called.
    Requested {
        /// The resource.
        res: ResIx,
        /// `blocking=` as passed.
        blocking: bool,
        /// `timeout=` as passed, in ms.
        #[serde(default, with = "crate::value::float_json_opt")]
        timeout_ms: Option<f64>,
    },
    /// The acquire succeeded.
    Acquired {
        /// The resource.
        res: ResIx,
        /// RLock recursion depth after (1 for a Lock).
        depth: u32,
        /// Semaphore counter after (0 for a lock).
        value: i64,
    },
    /// A release.
    Released {
        /// The resource.
        res: ResIx,
        /// RLock depth after (0 when fully released).
        depth: u32,
        /// Semaphore counter after.
        value: i64,
    },
    /// A non-blocking acquire failed, or a timed acquire timed out.
    AcquireFailed {
        /// The resource.
        res: ResIx,
        /// Whether a timeout expired (else a non-blocking attempt failed).
        timed_out: bool,
    },
    /// `Condition.wait()` began (the lock is released).
    CondWait {
        /// The condition.
        res: ResIx,
        /// `timeout=` in ms.
        #[serde(default, with = "crate::value::float_json_opt")]
        timeout_ms: Option<f64>,
    },
    /// `Condition.notify(n)` / `notify_all()`.
    CondNotify {
        /// The condition.
        res: ResIx,
        /// How many waiters were woken.
        woken: u32,
    },
    /// A `Condition.wait()` returned (before re-taking the lock).
    CondWoken {
        /// The condition.
        res: ResIx,
        /// True if notified, false if it timed out.
        notified: bool,
    },
    /// `Event.set()`.
    EventSet {
        /// The event.
        res: ResIx,
    },
    /// `Event.clear()`.
    EventClear {
        /// The event.
        res: ResIx,
    },
    /// `Event.wait()` had to block.
    EventWait {
        /// The event.
        res: ResIx,
        /// `timeout=` in ms.
        #[serde(default, with = "crate::value::float_json_opt")]
        timeout_ms: Option<f64>,
    },
    /// `Event.wait()` returned.
    EventWoken {
        /// The event.
        res: ResIx,
        /// The flag it returned.
        flag: bool,
    },
    /// An item went onto a queue (or a pool's task queue).
    QueuePut {
        /// The queue.
        res: ResIx,
        /// The item.
        item: Box<Value>,
        /// The length after.
        len: u32,
    },
    /// An item came off a queue.
    QueueGet {
        /// The queue.
        res: ResIx,
        /// The item.
        item: Box<Value>,
        /// The length after.
        len: u32,
    },
    /// A `put` (queue full) or `get` (queue empty) has to wait.
    QueueBlocked {
        /// The queue.
        res: ResIx,
        /// A put (else a get).
        put: bool,
        /// `timeout=` in ms.
        #[serde(default, with = "crate::value::float_json_opt")]
        timeout_ms: Option<f64>,
    },
    /// `task_done()`.
    QueueTaskDone {
        /// The queue.
        res: ResIx,
        /// Unfinished tasks after.
        unfinished: u32,
    },
    /// `Queue.join()` has to wait.
    QueueJoinWait {
        /// The queue.
        res: ResIx,
    },
    /// `conn.send(item)` on end `end`.
    PipeSend {
        /// The pipe.
        res: ResIx,
        /// Which end sent (0 or 1).
        end: u8,
        /// The item.
        item: Box<Value>,
    },
    /// `conn.recv()` has to wait on end `end`.
    PipeWait {
        /// The pipe.
        res: ResIx,
        /// Which end waits.
        end: u8,
    },
    /// `conn.recv()` returned an item on end `end`.
    PipeRecv {
        /// The pipe.
        res: ResIx,
        /// Which end received.
        end: u8,
        /// The item.
        item: Box<Value>,
    },
    /// `conn.close()` on end `end`.
    PipeClose {
        /// The pipe.
        res: ResIx,
        /// Which end.
        end: u8,
    },
    /// `t.start()`: this thread started `target`.
    StartThread {
        /// The started thread.
        target: ThreadIx,
    },
    /// `t.join()` has to wait for `target`.
    JoinWait {
        /// The joined thread.
        target: ThreadIx,
    },
    /// `t.join()` returned.
    Joined {
        /// The joined thread.
        target: ThreadIx,
    },
    /// A shared variable was read (an explicit `load`).
    VarRead {
        /// The variable.
        var: u32,
        /// The value read.
        value: Box<Value>,
    },
    /// A shared variable was written.
    VarWrite {
        /// The variable.
        var: u32,
        /// The value written.
        value: Box<Value>,
        /// The value a race-free run would hold after the same updates.
        race_free: Box<Value>,
    },
    /// A task was submitted to a pool.
    TaskSubmitted {
        /// The pool.
        res: ResIx,
        /// The task's number in this pool.
        task: u32,
        /// The function's name.
        func: Box<str>,
    },
    /// A pool worker began a task.
    TaskStarted {
        /// The pool.
        res: ResIx,
        /// The task.
        task: u32,
    },
    /// A pool worker finished a task.
    TaskFinished {
        /// The pool.
        res: ResIx,
        /// The task.
        task: u32,
        /// Its result.
        result: Box<Value>,
    },
    /// `future.result()` / `AsyncResult.get()` / `map` has to wait for `task`.
    ResultWait {
        /// The pool.
        res: ResIx,
        /// The task.
        task: u32,
    },
    /// A line the Python program printed.
    Print {
        /// The line, without its newline.
        line: String,
        /// Written to stderr (a traceback), not stdout.
        #[serde(default, skip_serializing_if = "is_false")]
        stderr: bool,
    },
    /// A thread was created (`threading.Thread(...)`): the thread table grows by one.
    ThreadNew {
        /// Its index in the thread table.
        index: ThreadIx,
        /// Its entry.
        meta: Box<crate::model::ThreadMeta>,
    },
    /// A process was created (`multiprocessing.Process(...)`): the process table grows by one.
    ProcessNew {
        /// Its index.
        index: u32,
        /// Its entry.
        meta: Box<crate::model::ProcessMeta>,
    },
    /// A lock, semaphore, queue… was created: the resource table grows by one.
    ResourceNew {
        /// Its index.
        index: ResIx,
        /// Its entry.
        info: Box<crate::model::ResourceInfo>,
    },
    /// A process's interpreter exited with this status (`Process.exitcode`; 0, 1 after an
    /// uncaught exception, or `sys.exit`'s code).
    ProcessExit {
        /// The exit status.
        code: i64,
    },
    /// A shared variable was first tracked: the variable table grows by one.
    VarNew {
        /// Its index.
        index: u32,
        /// Its name.
        name: String,
    },
    /// An exception was raised (caught or not).
    Error {
        /// The exception.
        error: Box<PyError>,
    },
    /// The watchdog found a deadlock and stopped the run.
    Deadlock {
        /// The wait-for edges: a cycle, or every live thread blocked forever.
        cycle: Vec<WaitEdge>,
    },
    /// The run reached the most events a run keeps in full: from here on only the threads'
    /// starts and ends, and (for a while) prints and exceptions, are kept.
    EventLimit {
        /// The limit.
        kept: u64,
    },
    /// An asyncio task was created (on the thread whose event loop runs it): the task table
    /// grows by one.
    AioTaskNew {
        /// Its index in the run's task table.
        task: u32,
        /// Its name and coroutine (boxed: an event stays 64 bytes).
        #[serde(flatten)]
        names: Box<AioTaskNames>,
        /// The task whose step created it, if a task's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<u32>,
    },
    /// The task became ready: the loop will step it when its turn in the ready queue comes.
    AioTaskReady {
        /// The task.
        task: u32,
        /// The task whose step made it ready (a `set`, `release`, `put`, its own end…), if a
        /// task's (not a timer's or the loop's).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<u32>,
    },
    /// The loop began a step of the task.
    AioTaskRun {
        /// The task.
        task: u32,
    },
    /// The task's step ended at an `await` of something not done yet.
    AioTaskWait {
        /// The task.
        task: u32,
        /// What it awaits and until when (boxed: an event stays 64 bytes).
        #[serde(flatten)]
        wait: Box<AioWait>,
    },
    /// The task ended.
    AioTaskEnd {
        /// The task.
        task: u32,
        /// `finished`, `cancelled`, or the exception that ended it.
        outcome: String,
    },
}

impl EventKind {
    /// The resource this event is about, if any.
    pub fn resource(&self) -> Option<ResIx> {
        use EventKind::*;
        match self {
            Requested { res, .. }
            | Acquired { res, .. }
            | Released { res, .. }
            | AcquireFailed { res, .. }
            | CondWait { res, .. }
            | CondNotify { res, .. }
            | CondWoken { res, .. }
            | EventSet { res }
            | EventClear { res }
            | EventWait { res, .. }
            | EventWoken { res, .. }
            | QueuePut { res, .. }
            | QueueGet { res, .. }
            | QueueBlocked { res, .. }
            | QueueTaskDone { res, .. }
            | QueueJoinWait { res }
            | PipeSend { res, .. }
            | PipeWait { res, .. }
            | PipeRecv { res, .. }
            | PipeClose { res, .. }
            | TaskSubmitted { res, .. }
            | TaskStarted { res, .. }
            | TaskFinished { res, .. }
            | ResultWait { res, .. } => Some(*res),
            _ => None,
        }
    }

    /// The thread this event refers to besides its own, if any.
    pub fn other_thread(&self) -> Option<ThreadIx> {
        match self {
            EventKind::StartThread { target } | EventKind::JoinWait { target } | EventKind::Joined { target } => {
                Some(*target)
            }
            _ => None,
        }
    }
}
