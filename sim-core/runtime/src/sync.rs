//! `threading.Lock`, `RLock`, `Semaphore`, `BoundedSemaphore`, `Condition` and `Event`,
//! with Python's semantics and messages, built on parking_lot `Mutex` + `Condvar` so that
//! owners and waiters are visible. Every event is recorded under the primitive's state lock.

use crate::cv::Cv;
use crate::rt::{Ctx, Unwind, Waitable};
use parking_lot::Mutex;
use std::collections::VecDeque;
use std::time::Instant;
use threadline_model::event::{EventKind, ResIx, ThreadIx, WaitTarget};
use threadline_model::pyerror::PyError;

fn deadline(ctx: &Ctx, timeout_ms: Option<f64>) -> Option<Instant> {
    timeout_ms.map(|ms| ctx.now() + ctx.scaled(ms))
}

/// The acquire/release interface shared by Lock, RLock, Semaphore and Condition
/// (what a `with` statement needs).
pub trait Acquire: Send + Sync {
    /// `acquire(blocking, timeout)`; `Ok(false)` when it did not get it.
    fn acquire(&self, ctx: &Ctx, blocking: bool, timeout_ms: Option<f64>) -> Result<bool, Unwind>;
    /// `release()`.
    fn release(&self, ctx: &Ctx) -> Result<(), Unwind>;
}

// ------------------------------------------------------------------ Lock

/// `threading.Lock`: any thread may release it, as in Python.
pub struct Lock {
    id: ResIx,
    st: Mutex<LockState>,
    cv: Cv,
}

#[derive(Default)]
struct LockState {
    owner: Option<ThreadIx>,
    /// A controlled run handed the lock to this waiter at release: it owns it, and its
    /// `acquire` completes when it next runs.
    granted: Option<ThreadIx>,
}

impl Lock {
    /// An unlocked lock for resource `id`.
    pub fn new(id: ResIx) -> Self {
        Self { id, st: Mutex::new(LockState::default()), cv: Cv::new() }
    }

    /// `lock.locked()`.
    pub fn locked(&self) -> bool {
        self.st.lock().owner.is_some()
    }
}

fn check_acquire_args(blocking: bool, timeout_ms: Option<f64>) -> Result<(), Unwind> {
    if !blocking && timeout_ms.is_some() {
        return Err(PyError::timeout_non_blocking().into());
    }
    if timeout_ms.is_some_and(|t| t < 0.0) {
        return Err(PyError::negative_timeout().into());
    }
    Ok(())
}

/// The acquire protocol shared by Lock, RLock and Semaphore: record the request, take it
/// at once if `free`, fail at once if non-blocking, else wait without the GIL (until the
/// deadline or Stop) and take it. `take` updates the state and records `acquired`.
fn acquire_with<S>(
    ctx: &Ctx,
    res: ResIx,
    blocking: bool,
    timeout_ms: Option<f64>,
    (st, cv): (&Mutex<S>, &Cv),
    free: impl Fn(&S) -> bool,
    take: impl Fn(&mut S),
) -> Result<bool, Unwind> {
    // Free-threaded, another thread may run just before the lock is tested (there is no
    // GIL to keep this thread going): in a controlled run, a switch point.
    ctx.shared_access()?;
    {
        let mut s = st.lock();
        ctx.record(EventKind::Requested { res, blocking, timeout_ms });
        if free(&s) {
            take(&mut s);
            return Ok(true);
        }
        if !blocking {
            ctx.record(EventKind::AcquireFailed { res, timed_out: false });
            return Ok(false);
        }
    }
    let dl = deadline(ctx, timeout_ms);
    ctx.blocking(WaitTarget::Resource(res), dl.is_some(), || {
        let mut s = st.lock();
        let got = ctx.wait_until(cv, &mut s, dl, |s| free(s))?;
        if got {
            take(&mut s);
        } else {
            ctx.record(EventKind::AcquireFailed { res, timed_out: true });
        }
        Ok(got)
    })
}

impl Acquire for Lock {
    fn acquire(&self, ctx: &Ctx, blocking: bool, timeout_ms: Option<f64>) -> Result<bool, Unwind> {
        check_acquire_args(blocking, timeout_ms)?;
        let res = self.id;
        acquire_with(
            ctx,
            res,
            blocking,
            timeout_ms,
            (&self.st, &self.cv),
            |s| s.owner.is_none() || s.granted == Some(ctx.tid),
            |s| {
                s.granted = None;
                s.owner = Some(ctx.tid);
                ctx.record(EventKind::Acquired { res, depth: 1, value: 0 });
            },
        )
    }

    fn release(&self, ctx: &Ctx) -> Result<(), Unwind> {
        let mut st = self.st.lock();
        if st.owner.is_none() {
            return Err(PyError::release_unlocked().into());
        }
        st.owner = None;
        ctx.record(EventKind::Released { res: self.id, depth: 0, value: 0 });
        // Controlled: a waiter may take the lock at once, as the OS may give it to a thread
        // blocked in `acquire` (with the GIL released) before the releaser runs on.
        if let Some(c) = ctx.shared.control() {
            let waiters = ctx.shared.waiters_on(WaitTarget::Resource(self.id));
            if !waiters.is_empty() {
                drop(st);
                if let Some(w) = c.choose_handoff(ctx, self.id, &waiters)? {
                    let mut st = self.st.lock();
                    if st.owner.is_none() {
                        st.owner = Some(w);
                        st.granted = Some(w);
                    }
                }
                self.cv.notify_one();
                return Ok(());
            }
        }
        self.cv.notify_one();
        Ok(())
    }
}

impl Waitable for Lock {
    fn wake_all(&self) {
        let _st = self.st.lock();
        self.cv.notify_all();
    }
    fn resource(&self) -> Option<ResIx> {
        Some(self.id)
    }
    fn holders(&self) -> Vec<ThreadIx> {
        self.st.lock().owner.into_iter().collect()
    }
}

// ------------------------------------------------------------------ RLock

/// `threading.RLock`: an owner and a recursion depth.
pub struct RLock {
    id: ResIx,
    st: Mutex<RLockState>,
    cv: Cv,
    /// A release may hand it to a waiter (a controlled run's choice): not for a Condition's
    /// own lock, whose resource its `wait`ers wait on too (for a notify, not the lock).
    handoff: bool,
}

#[derive(Default)]
struct RLockState {
    owner: Option<ThreadIx>,
    depth: u32,
    /// A controlled run handed the lock to this waiter at its last release: it owns it (at
    /// depth 0), and its `acquire` completes when it next runs.
    granted: Option<ThreadIx>,
}

impl RLock {
    /// An unowned RLock for resource `id`.
    pub fn new(id: ResIx) -> Self {
        Self { id, st: Mutex::new(RLockState::default()), cv: Cv::new(), handoff: true }
    }

    /// A Condition's own lock (recorded as the condition): never handed over at release.
    pub fn for_condition(id: ResIx) -> Self {
        Self { handoff: false, ..Self::new(id) }
    }

    /// The owner and depth now.
    pub fn state(&self) -> (Option<ThreadIx>, u32) {
        let st = self.st.lock();
        (st.owner, st.depth)
    }

    /// Release every level at once (for `Condition.wait`); returns the depth it had.
    fn release_all(&self, ctx: &Ctx, record_as: ResIx) -> Result<u32, Unwind> {
        let mut st = self.st.lock();
        if st.owner != Some(ctx.tid) {
            return Err(PyError::wait_unacquired().into());
        }
        let depth = st.depth;
        st.owner = None;
        st.depth = 0;
        ctx.record(EventKind::Released { res: record_as, depth: 0, value: 0 });
        self.cv.notify_one();
        Ok(depth)
    }

    /// Take it back at `depth` (after `Condition.wait`), waiting as long as it takes.
    fn reacquire(&self, ctx: &Ctx, depth: u32, record_as: ResIx) -> Result<(), Unwind> {
        let mut st = self.st.lock();
        ctx.record(EventKind::Requested { res: record_as, blocking: true, timeout_ms: None });
        ctx.wait_until(&self.cv, &mut st, None, |s| s.owner.is_none() || s.granted == Some(ctx.tid))?;
        st.granted = None;
        st.owner = Some(ctx.tid);
        st.depth = depth;
        ctx.record(EventKind::Acquired { res: record_as, depth, value: 0 });
        Ok(())
    }

    fn acquire_as(&self, ctx: &Ctx, blocking: bool, timeout_ms: Option<f64>, res: ResIx) -> Result<bool, Unwind> {
        check_acquire_args(blocking, timeout_ms)?;
        let me = Some(ctx.tid);
        // Free, or already ours (re-entry): either way it is taken at once.
        let free = |s: &RLockState| s.owner.is_none() || s.owner == me;
        acquire_with(ctx, res, blocking, timeout_ms, (&self.st, &self.cv), free, |s| {
            // (Handed over at a release, it is ours at depth 0.)
            s.depth = if s.owner == me { s.depth + 1 } else { 1 };
            s.owner = me;
            s.granted = None;
            ctx.record(EventKind::Acquired { res, depth: s.depth, value: 0 });
        })
    }

    fn release_as(&self, ctx: &Ctx, res: ResIx) -> Result<(), Unwind> {
        let mut st = self.st.lock();
        if st.owner != Some(ctx.tid) {
            return Err(PyError::release_unacquired().into());
        }
        st.depth -= 1;
        if st.depth > 0 {
            ctx.record(EventKind::Released { res, depth: st.depth, value: 0 });
            return Ok(());
        }
        st.owner = None;
        ctx.record(EventKind::Released { res, depth: 0, value: 0 });
        // Controlled: a waiter may take the lock at once, as for a Lock ([`Lock`]'s release).
        if let Some(c) = ctx.shared.control().filter(|_| self.handoff) {
            let waiters = ctx.shared.waiters_on(WaitTarget::Resource(res));
            if !waiters.is_empty() {
                drop(st);
                if let Some(w) = c.choose_handoff(ctx, res, &waiters)? {
                    let mut st = self.st.lock();
                    if st.owner.is_none() {
                        st.owner = Some(w);
                        st.depth = 0;
                        st.granted = Some(w);
                    }
                }
                self.cv.notify_one();
                return Ok(());
            }
        }
        self.cv.notify_one();
        Ok(())
    }
}

impl Acquire for RLock {
    fn acquire(&self, ctx: &Ctx, blocking: bool, timeout_ms: Option<f64>) -> Result<bool, Unwind> {
        self.acquire_as(ctx, blocking, timeout_ms, self.id)
    }
    fn release(&self, ctx: &Ctx) -> Result<(), Unwind> {
        self.release_as(ctx, self.id)
    }
}

impl Waitable for RLock {
    fn wake_all(&self) {
        let _st = self.st.lock();
        self.cv.notify_all();
    }
    fn resource(&self) -> Option<ResIx> {
        Some(self.id)
    }
    fn holders(&self) -> Vec<ThreadIx> {
        self.st.lock().owner.into_iter().collect()
    }
}

// ------------------------------------------------------------------ Semaphore

/// `threading.Semaphore` and `threading.BoundedSemaphore`.
pub struct Semaphore {
    id: ResIx,
    bound: Option<i64>,
    st: Mutex<SemState>,
    cv: Cv,
}

struct SemState {
    value: i64,
    holders: Vec<ThreadIx>,
}

impl Semaphore {
    /// `Semaphore(value)`, or `BoundedSemaphore(value)` when `bounded`.
    pub fn new(id: ResIx, value: i64, bounded: bool) -> Result<Self, PyError> {
        if value < 0 {
            return Err(PyError::semaphore_negative());
        }
        Ok(Self {
            id,
            bound: bounded.then_some(value),
            st: Mutex::new(SemState { value, holders: Vec::new() }),
            cv: Cv::new(),
        })
    }

    /// The counter now.
    pub fn value(&self) -> i64 {
        self.st.lock().value
    }
}

impl Acquire for Semaphore {
    fn acquire(&self, ctx: &Ctx, blocking: bool, timeout_ms: Option<f64>) -> Result<bool, Unwind> {
        if !blocking && timeout_ms.is_some() {
            return Err(PyError::new("ValueError", "can't specify timeout for non-blocking acquire").into());
        }
        let res = self.id;
        acquire_with(
            ctx,
            res,
            blocking,
            timeout_ms,
            (&self.st, &self.cv),
            |s| s.value > 0,
            |s| {
                s.value -= 1;
                s.holders.push(ctx.tid);
                ctx.record(EventKind::Acquired { res, depth: 1, value: s.value });
            },
        )
    }

    fn release(&self, ctx: &Ctx) -> Result<(), Unwind> {
        let mut st = self.st.lock();
        if let Some(bound) = self.bound
            && st.value >= bound
        {
            return Err(PyError::semaphore_overrelease().into());
        }
        st.value += 1;
        if let Some(pos) = st.holders.iter().position(|t| *t == ctx.tid) {
            st.holders.remove(pos);
        } else if !st.holders.is_empty() {
            st.holders.remove(0);
        }
        ctx.record(EventKind::Released { res: self.id, depth: 0, value: st.value });
        self.cv.notify_one();
        Ok(())
    }
}

impl Waitable for Semaphore {
    fn wake_all(&self) {
        let _st = self.st.lock();
        self.cv.notify_all();
    }
    fn resource(&self) -> Option<ResIx> {
        Some(self.id)
    }
    fn holders(&self) -> Vec<ThreadIx> {
        self.st.lock().holders.clone()
    }
}

// ------------------------------------------------------------------ Condition

/// The lock under a Condition.
pub enum CondLock {
    /// Its own RLock (`Condition()`, Python's default).
    Own(RLock),
    /// A `threading.Lock` passed in (`Condition(lock)`), with that lock's own events.
    Lock(std::sync::Arc<Lock>),
    /// A `threading.RLock` passed in, and its resource index.
    RLock(std::sync::Arc<RLock>, ResIx),
}

/// `threading.Condition()` over its own RLock, or `Condition(lock)` over the lock given.
pub struct Condition {
    id: ResIx,
    lock: CondLock,
    st: Mutex<CondState>,
    cv: Cv,
}

#[derive(Default)]
struct CondState {
    next_ticket: u64,
    waiting: VecDeque<u64>,
    notified: Vec<u64>,
}

impl Condition {
    /// A condition for resource `id`.
    pub fn new(id: ResIx) -> Self {
        Self::with_lock(id, CondLock::Own(RLock::for_condition(id)))
    }

    /// A condition for resource `id` over `lock`.
    pub fn with_lock(id: ResIx, lock: CondLock) -> Self {
        Self { id, lock, st: Mutex::new(CondState::default()), cv: Cv::new() }
    }

    /// Whether the calling thread may wait or notify (Python's `_is_owned`: for a plain
    /// Lock, whether it is locked at all).
    fn owned(&self, ctx: &Ctx) -> bool {
        match &self.lock {
            CondLock::Own(l) => l.state().0 == Some(ctx.tid),
            CondLock::RLock(l, _) => l.state().0 == Some(ctx.tid),
            CondLock::Lock(l) => l.locked(),
        }
    }

    fn release_all(&self, ctx: &Ctx) -> Result<u32, Unwind> {
        match &self.lock {
            CondLock::Own(l) => l.release_all(ctx, self.id),
            CondLock::RLock(l, r) => l.release_all(ctx, *r),
            CondLock::Lock(l) => l.release(ctx).map(|_| 1),
        }
    }

    fn reacquire(&self, ctx: &Ctx, depth: u32) -> Result<(), Unwind> {
        match &self.lock {
            CondLock::Own(l) => l.reacquire(ctx, depth, self.id),
            CondLock::RLock(l, r) => l.reacquire(ctx, depth, *r),
            CondLock::Lock(l) => l.acquire(ctx, true, None).map(|_| ()),
        }
    }

    /// `cond.wait(timeout)`: returns false if it timed out.
    pub fn wait(&self, ctx: &Ctx, timeout_ms: Option<f64>) -> Result<bool, Unwind> {
        let res = self.id;
        let ticket = {
            let mut st = self.st.lock();
            if !self.owned(ctx) {
                return Err(PyError::wait_unacquired().into());
            }
            let t = st.next_ticket;
            st.next_ticket += 1;
            st.waiting.push_back(t);
            ctx.record(EventKind::CondWait { res, timeout_ms });
            t
        };
        let depth = self.release_all(ctx)?;
        let dl = deadline(ctx, timeout_ms);
        let woke = ctx.blocking(WaitTarget::Resource(res), dl.is_some(), || {
            let mut st = self.st.lock();
            let r = ctx.wait_until(&self.cv, &mut st, dl, |s| s.notified.contains(&ticket));
            st.notified.retain(|t| *t != ticket);
            st.waiting.retain(|t| *t != ticket);
            let notified = r?;
            ctx.record(EventKind::CondWoken { res, notified });
            // Re-take the lock before returning, as Python does (still without the GIL).
            drop(st);
            self.reacquire(ctx, depth)?;
            Ok(notified)
        })?;
        Ok(woke)
    }

    /// `cond.notify(n)`; `n = None` is `notify_all()`. Wakes the oldest waiters first.
    pub fn notify(&self, ctx: &Ctx, n: Option<u32>) -> Result<u32, Unwind> {
        let mut st = self.st.lock();
        if !self.owned(ctx) {
            return Err(PyError::notify_unacquired().into());
        }
        let k = n.map_or(st.waiting.len(), |n| (n as usize).min(st.waiting.len()));
        let woken: Vec<u64> = st.waiting.drain(..k).collect();
        st.notified.extend(&woken);
        ctx.record(EventKind::CondNotify { res: self.id, woken: k as u32 });
        self.cv.notify_all();
        Ok(k as u32)
    }
}

impl Acquire for Condition {
    fn acquire(&self, ctx: &Ctx, blocking: bool, timeout_ms: Option<f64>) -> Result<bool, Unwind> {
        match &self.lock {
            CondLock::Own(l) => l.acquire_as(ctx, blocking, timeout_ms, self.id),
            CondLock::RLock(l, r) => l.acquire_as(ctx, blocking, timeout_ms, *r),
            CondLock::Lock(l) => l.acquire(ctx, blocking, timeout_ms),
        }
    }
    fn release(&self, ctx: &Ctx) -> Result<(), Unwind> {
        match &self.lock {
            CondLock::Own(l) => l.release_as(ctx, self.id),
            CondLock::RLock(l, r) => l.release_as(ctx, *r),
            CondLock::Lock(l) => l.release(ctx),
        }
    }
}

impl Waitable for Condition {
    fn wake_all(&self) {
        if let CondLock::Own(l) = &self.lock {
            l.wake_all();
        }
        let _st = self.st.lock();
        self.cv.notify_all();
    }
    fn resource(&self) -> Option<ResIx> {
        Some(self.id)
    }
    fn holders(&self) -> Vec<ThreadIx> {
        match &self.lock {
            CondLock::Own(l) => l.holders(),
            CondLock::RLock(l, _) => l.holders(),
            CondLock::Lock(l) => l.holders(),
        }
    }
}

// ------------------------------------------------------------------ Event

/// `threading.Event`.
pub struct Event {
    id: ResIx,
    flag: Mutex<bool>,
    cv: Cv,
}

impl Event {
    /// A cleared event for resource `id`.
    pub fn new(id: ResIx) -> Self {
        Self { id, flag: Mutex::new(false), cv: Cv::new() }
    }

    /// `event.set()`.
    pub fn set(&self, ctx: &Ctx) {
        let mut f = self.flag.lock();
        *f = true;
        ctx.record(EventKind::EventSet { res: self.id });
        self.cv.notify_all();
    }

    /// `event.clear()`.
    pub fn clear(&self, ctx: &Ctx) {
        let mut f = self.flag.lock();
        *f = false;
        ctx.record(EventKind::EventClear { res: self.id });
    }

    /// `event.is_set()`.
    pub fn is_set(&self) -> bool {
        *self.flag.lock()
    }

    /// `event.wait(timeout)`: the flag on return.
    pub fn wait(&self, ctx: &Ctx, timeout_ms: Option<f64>) -> Result<bool, Unwind> {
        let res = self.id;
        {
            let f = self.flag.lock();
            if *f {
                ctx.record(EventKind::EventWoken { res, flag: true });
                return Ok(true);
            }
            ctx.record(EventKind::EventWait { res, timeout_ms });
        }
        let dl = deadline(ctx, timeout_ms);
        ctx.blocking(WaitTarget::Resource(res), dl.is_some(), || {
            let mut f = self.flag.lock();
            let flag = ctx.wait_until(&self.cv, &mut f, dl, |f| *f)?;
            ctx.record(EventKind::EventWoken { res, flag });
            Ok(flag)
        })
    }
}

impl Waitable for Event {
    fn wake_all(&self) {
        let _f = self.flag.lock();
        self.cv.notify_all();
    }
    fn resource(&self) -> Option<ResIx> {
        Some(self.id)
    }
}
