//! The GIL of one simulated process, after CPython's `Python/ceval_gil.c`.
//!
//! - `take`: while the GIL is held, wait on its condition with a timeout of the switch
//!   interval; if the wait timed out and no switch happened meanwhile (`switch_number`
//!   unchanged), set the drop request. A switch restarts the waiter's timer.
//! - The holder polls the drop request at eval-breaker points ([`crate::rt::Ctx::eval_breaker`]).
//! - `drop`: mark it free and signal one waiter. After a *forced* drop the old holder waits,
//!   as FORCE_SWITCHING does, until another thread has taken the GIL, so it cannot grab it
//!   straight back. A voluntary drop (I/O, blocking) does not wait.
//! - Around a forced switch, and only then, the two threads watch for each other for a few
//!   microseconds before they sleep ([`HANDOFF_SPIN`]): the waiter that asked for the drop
//!   (the holder drops at its next eval-breaker check, microseconds away), and the old
//!   holder waiting for it to take the GIL. CPython sleeps on its condition variables at
//!   once, and each wake-up through the kernel costs this kind of machine tens of
//!   microseconds; the model's timing is CPython's (who holds the GIL when, for how long),
//!   and the handoff itself no slower than CPython's.

use crate::rt::{Ctx, Unwind, Waitable};
use parking_lot::{Condvar, Mutex};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use threadline_model::event::{EventKind, GilReason, ThreadIx};

/// One process's GIL.
pub struct Gil {
    st: Mutex<GilState>,
    cond: Condvar,
    switch_cond: Condvar,
    drop_request: AtomicBool,
    interval: Duration,
    /// Counts drops and takes: what a thread watching for the other one looks at.
    moves: AtomicU64,
}

/// How long a thread at a forced switch watches for the other before it sleeps.
const HANDOFF_SPIN: Duration = Duration::from_micros(50);

/// Threads watching at a GIL handoff right now, in every process of every run: at most one
/// per core, so that watching never keeps a thread with work off a core for long.
static WATCHING: AtomicUsize = AtomicUsize::new(0);

/// Watch `moves` for a change from `seen`, for up to [`HANDOFF_SPIN`], with the GIL's state
/// unlocked; true when it changed. Never on a single core (the other thread needs it).
fn watch(st: &mut parking_lot::MutexGuard<'_, GilState>, moves: &AtomicU64, seen: u64) -> bool {
    let n = threadline_model::trace::cores();
    if n < 2 || WATCHING.fetch_update(Ordering::AcqRel, Ordering::Acquire, |w| (w < n).then_some(w + 1)).is_err() {
        return false;
    }
    let changed = parking_lot::MutexGuard::unlocked(st, || {
        let t0 = Instant::now();
        loop {
            for _ in 0..32 {
                if moves.load(Ordering::Acquire) != seen {
                    return true;
                }
                std::hint::spin_loop();
            }
            if t0.elapsed() >= HANDOFF_SPIN {
                return false;
            }
        }
    });
    WATCHING.fetch_sub(1, Ordering::AcqRel);
    changed
}

struct GilState {
    locked: bool,
    last_holder: Option<ThreadIx>,
    switch_number: u64,
    waiters: u32,
}

impl Gil {
    /// A free GIL with this switch interval.
    pub fn new(interval: Duration) -> Self {
        Self {
            st: Mutex::new(GilState { locked: false, last_holder: None, switch_number: 0, waiters: 0 }),
            cond: Condvar::new(),
            switch_cond: Condvar::new(),
            drop_request: AtomicBool::new(false),
            interval,
            moves: AtomicU64::new(0),
        }
    }

    /// Whether a waiter has asked the holder to drop the GIL.
    #[inline]
    pub fn drop_requested(&self) -> bool {
        self.drop_request.load(Ordering::Acquire)
    }

    /// Take the GIL for `ctx`'s thread.
    pub fn take(&self, ctx: &Ctx) -> Result<(), Unwind> {
        let mut st = self.st.lock();
        ctx.record(EventKind::GilRequested);
        st.waiters += 1;
        // Whether this thread asked for the drop it now waits for (then it watches).
        let mut asked = false;
        while st.locked {
            if let Err(e) = ctx.check() {
                st.waiters -= 1;
                return Err(e);
            }
            if asked {
                asked = false;
                let seen = self.moves.load(Ordering::Acquire);
                if watch(&mut st, &self.moves, seen) || !st.locked {
                    continue;
                }
            }
            let saved_switch = st.switch_number;
            let timed_out = self.cond.wait_for(&mut st, self.interval).timed_out();
            if timed_out && st.locked && st.switch_number == saved_switch && !self.drop_requested() {
                self.drop_request.store(true, Ordering::Release);
                ctx.record(EventKind::GilDropRequested);
                asked = true;
            }
        }
        st.waiters -= 1;
        st.locked = true;
        st.last_holder = Some(ctx.tid);
        st.switch_number += 1;
        self.moves.fetch_add(1, Ordering::Release);
        // As take_gil does: a new holder clears any pending drop request.
        self.drop_request.store(false, Ordering::Release);
        ctx.record(EventKind::GilAcquired);
        self.switch_cond.notify_all();
        Ok(())
    }

    /// Drop the GIL held by `ctx`'s thread.
    pub fn release(&self, ctx: &Ctx, reason: GilReason) {
        let mut st = self.st.lock();
        st.locked = false;
        let seen = self.moves.fetch_add(1, Ordering::AcqRel) + 1;
        ctx.record(EventKind::GilReleased { reason });
        self.cond.notify_one();
        if reason == GilReason::Forced {
            // FORCE_SWITCHING: not switched yet => wait (bounded, and never for nobody).
            let mut watched = false;
            while st.last_holder == Some(ctx.tid) && st.waiters > 0 && ctx.check().is_ok() {
                self.drop_request.store(false, Ordering::Release);
                if !watched {
                    // Whatever the watch saw, look again under the lock before sleeping.
                    watched = true;
                    watch(&mut st, &self.moves, seen);
                    continue;
                }
                self.switch_cond.wait_for(&mut st, self.interval);
            }
        }
    }
}

impl Waitable for Gil {
    fn wake_all(&self) {
        let _st = self.st.lock();
        self.cond.notify_all();
        self.switch_cond.notify_all();
    }
}
