//! A condition variable that counts its notifications ([`Cv`]), so that a controlled run
//! asks a blocked thread whether it could go on only when something notified what it waits
//! on, not after every event of the run.

use parking_lot::{Condvar, MutexGuard, WaitTimeoutResult};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// A `parking_lot` condition variable and a count of the notifications it was given.
///
/// Every change that can make a waiter's condition true notifies the variable it waits on
/// (a free run would otherwise never wake the waiter); the count makes that visible to the
/// turnstile ([`crate::control`]): a blocked thread whose variable has not been notified
/// since it last said it could not go on still cannot.
#[derive(Debug, Default)]
pub struct Cv {
    cv: Condvar,
    notified: Arc<AtomicU64>,
}

/// What a wait watches: its variable's notification count, readable after the wait.
#[derive(Clone, Debug)]
pub struct Watch(Arc<AtomicU64>);

impl Watch {
    /// Notifications so far.
    pub fn count(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }
}

impl Cv {
    /// A variable nobody has notified.
    pub fn new() -> Self {
        Self::default()
    }

    /// Wake every waiter (counted).
    pub fn notify_all(&self) -> usize {
        self.count();
        self.cv.notify_all()
    }

    /// Wake one waiter (counted).
    pub fn notify_one(&self) -> bool {
        self.count();
        self.cv.notify_one()
    }

    /// One notification more. A load and a store, not a read-modify-write (a lock's
    /// release pays this on every call, controlled or not): two notifications racing may
    /// count as one, and the count still moves past what any waiter read before either —
    /// all a watcher asks is whether it moved.
    #[inline]
    fn count(&self) {
        let n = self.notified.load(Ordering::Relaxed);
        self.notified.store(n.wrapping_add(1), Ordering::Release);
    }

    /// Wait for a notification (`guard` is unlocked meanwhile).
    pub fn wait<T>(&self, guard: &mut MutexGuard<'_, T>) {
        self.cv.wait(guard);
    }

    /// Wait for a notification or `deadline`.
    pub fn wait_until<T>(&self, guard: &mut MutexGuard<'_, T>, deadline: Instant) -> WaitTimeoutResult {
        self.cv.wait_until(guard, deadline)
    }

    /// The count a wait on this variable watches.
    pub fn watch(&self) -> Watch {
        Watch(Arc::clone(&self.notified))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_notification_is_counted() {
        let cv = Cv::new();
        let w = cv.watch();
        assert_eq!(w.count(), 0);
        cv.notify_all();
        cv.notify_one();
        assert_eq!(w.count(), 2);
        assert_eq!(cv.watch().count(), 2, "every watch reads the same count");
    }
}
