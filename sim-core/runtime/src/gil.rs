//! The GIL of one simulated process, after CPython's `Python/ceval_gil.c`.
//!
//! - `take`: while the GIL is held, wait on its condition with a timeout of the switch
//!   interval; if the wait timed out and no switch happened meanwhile (`switch_number`
//!   unchanged), set the drop request. A switch restarts the waiter's timer.
//! - The holder polls the drop request at eval-breaker points ([`crate::rt::Ctx::eval_breaker`]).
//! - `drop`: mark it free and signal one waiter. After a *forced* drop the old holder waits,
//!   as FORCE_SWITCHING does, until another thread has taken the GIL, so it cannot grab it
//!   straight back. A voluntary drop (I/O, blocking) does not wait.

use crate::rt::{Ctx, Unwind, Waitable};
use parking_lot::{Condvar, Mutex};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use threadline_model::event::{EventKind, GilReason, ThreadIx};

/// One process's GIL.
pub struct Gil {
    st: Mutex<GilState>,
    cond: Condvar,
    switch_cond: Condvar,
    drop_request: AtomicBool,
    interval: Duration,
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
        while st.locked {
            if let Err(e) = ctx.check() {
                st.waiters -= 1;
                return Err(e);
            }
            let saved_switch = st.switch_number;
            let timed_out = self.cond.wait_for(&mut st, self.interval).timed_out();
            if timed_out && st.locked && st.switch_number == saved_switch && !self.drop_requested() {
                self.drop_request.store(true, Ordering::Release);
                ctx.record(EventKind::GilDropRequested);
            }
        }
        st.waiters -= 1;
        st.locked = true;
        st.last_holder = Some(ctx.tid);
        st.switch_number += 1;
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
        ctx.record(EventKind::GilReleased { reason });
        self.cond.notify_one();
        if reason == GilReason::Forced {
            // FORCE_SWITCHING: not switched yet => wait (bounded, and never for nobody).
            while st.last_holder == Some(ctx.tid) && st.waiters > 0 && ctx.check().is_ok() {
                self.drop_request.store(false, Ordering::Release);
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
