//! What one turn of a controlled run touched — its *footprint* — for partial-order
//! reduction: two turns of different threads that touch different objects (or only read
//! the same ones) commute, so a search need not try both orders.
//!
//! The footprint is gathered where the program's state lives, not where it is used: every
//! object a Python program can share (a list, a dict, a set, an instance's or a class's
//! attributes, a module global's cell, a closure cell, a generator's frame…) sits behind a
//! [`Mutex`] or [`RwLock`] of this module, which notes the object on the running thread's
//! footprint when it is locked — a read, or a write once the guard is used mutably. So a new
//! operation on a container is seen without anyone remembering to say so. What changes
//! state elsewhere says so itself: a primitive's events name their resource
//! ([`note_event`]), and whatever cannot name what it touches (time, a thread's start, output,
//! a call into a pool) makes the turn *global*: dependent on every other turn.
//!
//! The notes go to a thread-local buffer, on only while the thread runs a controlled turn
//! with reduction on ([`begin`]); everywhere else a lock costs one thread-local load more.

use parking_lot as pl;
use std::cell::{Cell, RefCell};
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};
use threadline_model::event::EventKind;

/// What one turn touched: objects read and written (by identity, valid within one run), or
/// anything at all (`global`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Footprint {
    /// The turn did something whose reach is not known: it depends on every turn.
    pub global: bool,
    /// Objects touched, sorted by identity, each once: (identity, written).
    pub touched: Vec<(u64, bool)>,
}

thread_local! {
    static ON: Cell<bool> = const { Cell::new(false) };
    static NOTES: RefCell<Footprint> = const { RefCell::new(Footprint { global: false, touched: Vec::new() }) };
}

/// Identities of resources (by their index) kept apart from addresses.
const RES_TAG: u64 = 1 << 63;
/// Identities of threads (by their index): what `start`, `join`, `is_alive` and a
/// thread's own start and end touch.
const THREAD_TAG: u64 = 1 << 62;
/// The program's output (every line printed).
const OUTPUT: u64 = (1 << 62) - 1;
/// The turnstile's count of changes, which re-enables a thread spinning on a `while` loop
/// ([`crate::control::Control::spin_point`]): any change counts, so every change depends on
/// a spinning thread's pass — but changes commute with one another. Noted the other way
/// round to say so: a change *reads* it, a pass of a `while` loop *writes* it.
const CHANGES: u64 = (1 << 62) - 2;

/// A change a spinning thread may be waiting for (a store, a call that may change
/// something, an event).
#[inline]
pub fn note_change() {
    if gathering() {
        push(CHANGES, false);
    }
}

/// A pass of a `while` loop's back-edge: whether the thread spins depends on every change
/// since its last pass.
#[inline]
pub fn note_loop_pass() {
    if gathering() {
        push(CHANGES, true);
    }
}

/// Start gathering this thread's footprint afresh (`on`), or stop gathering.
pub fn begin(on: bool) {
    ON.with(|o| o.set(on));
    NOTES.with(|n| {
        let mut n = n.borrow_mut();
        n.global = false;
        n.touched.clear();
    });
}

/// Whether this thread gathers its footprint now.
#[inline]
pub fn gathering() -> bool {
    ON.with(Cell::get)
}

/// This thread's footprint since [`begin`], sorted, each object once (written if any
/// access wrote it); gathering goes on afresh.
pub fn take() -> Footprint {
    NOTES.with(|n| {
        let mut n = n.borrow_mut();
        let mut fp = std::mem::take(&mut *n);
        fp.touched.sort_unstable();
        // Sorted by (identity, written): a write sorts after a read of the same object.
        fp.touched.dedup_by(|later, earlier| {
            if later.0 == earlier.0 {
                earlier.1 |= later.1;
                true
            } else {
                false
            }
        });
        fp
    })
}

#[cold]
fn push(id: u64, write: bool) {
    NOTES.with(|n| {
        let mut n = n.borrow_mut();
        // A turn that touches the same object over and over (a loop inside one turn) keeps
        // one note per run of accesses.
        if n.touched.last() != Some(&(id, write)) {
            n.touched.push((id, write));
        }
    });
}

/// The running thread read the object at `addr`.
#[inline]
pub fn note_read(addr: usize) {
    if gathering() {
        push(addr as u64, false);
    }
}

/// The running thread wrote the object at `addr`.
#[inline]
pub fn note_write(addr: usize) {
    if gathering() {
        push(addr as u64, true);
    }
}

/// The running thread used resource `res` (a lock, a queue…): a write, as every use of a
/// primitive may change it or depend on who came first.
#[inline]
pub fn note_resource(res: u32) {
    if gathering() {
        push(RES_TAG | u64::from(res), true);
    }
}

/// The running thread used thread `t` (started it, joined it, asked whether it is alive,
/// read its name), or is `t` starting or ending.
#[inline]
pub fn note_thread(t: u32) {
    if gathering() {
        push(THREAD_TAG | u64::from(t), true);
    }
}

/// The running thread did something whose reach is not known.
#[inline]
pub fn note_global() {
    if gathering() {
        NOTES.with(|n| n.borrow_mut().global = true);
    }
}

/// An event thread `tid` recorded: a primitive's names its resource; a thread's start,
/// end, start by another and join name the thread; a printed line the output; the
/// scheduler's own (the GIL, CPU and I/O spans) touch nothing of the program's; a shared
/// variable's read or write is noted by its cell's lock; anything else (an exception, a
/// new thread or process, a pool's task) is global.
#[inline]
pub fn note_event(kind: &EventKind, tid: u32) {
    if !gathering() {
        return;
    }
    use EventKind::*;
    if let Some(r) = kind.resource() {
        push(RES_TAG | u64::from(r), true);
        return;
    }
    match kind {
        ThreadStarted | ThreadFinished | ThreadStopped | ThreadKilled => push(THREAD_TAG | u64::from(tid), true),
        StartThread { target } | JoinWait { target } | Joined { target } => {
            push(THREAD_TAG | u64::from(*target), true);
        }
        Print { .. } => push(OUTPUT, true),
        GilRequested
        | GilAcquired
        | GilDropRequested
        | GilReleased { .. }
        | CpuBegin { .. }
        | CpuEnd
        | VarRead { .. }
        | VarWrite { .. }
        | VarNew { .. }
        | ResourceNew { .. } => {}
        _ => note_global(),
    }
}

/// A fresh identity for a noting lock: unique for the process's life (an address would be
/// reused once its object is freed, and a search's pruning would then depend on what the
/// allocator did before it — no longer the same for the same seed). Each OS thread takes a
/// range once and counts within it.
fn fresh_id() -> usize {
    static RANGES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);
    thread_local! {
        static NEXT: Cell<usize> = const { Cell::new(0) };
    }
    NEXT.with(|n| {
        let mut v = n.get();
        if v == 0 {
            v = RANGES.fetch_add(1, std::sync::atomic::Ordering::Relaxed) << 36;
        }
        n.set(v + 1);
        v
    })
}

/// A mutex whose locking is noted on the running thread's footprint: the lock itself is a
/// read of the object it guards, and the first mutable use of the guard a write.
pub struct Mutex<T: ?Sized> {
    id: usize,
    /// How many times it was changed: bumped when a guard that was used mutably is dropped
    /// (still holding the lock), so a version read under the lock names what the lock saw.
    writes: AtomicU64,
    m: pl::Mutex<T>,
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

/// The guard of a [`Mutex`].
pub struct MutexGuard<'a, T: ?Sized> {
    g: pl::MutexGuard<'a, T>,
    id: usize,
    wrote: bool,
    writes: &'a AtomicU64,
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        if self.wrote {
            // Under the lock (the inner guard is dropped after this): no other writer.
            self.writes.store(self.writes.load(Ordering::Relaxed).wrapping_add(1), Ordering::Release);
        }
    }
}

impl<T> Mutex<T> {
    /// A new mutex holding `v`.
    pub fn new(v: T) -> Self {
        Self { id: fresh_id(), writes: AtomicU64::new(0), m: pl::Mutex::new(v) }
    }

    /// The value (no one else can hold it).
    pub fn into_inner(self) -> T {
        self.m.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    #[inline]
    fn id(&self) -> usize {
        self.id
    }

    /// Lock it (a read of what it guards, until the guard is used mutably).
    #[inline]
    pub fn lock(&self) -> MutexGuard<'_, T> {
        let id = self.id();
        note_read(id);
        MutexGuard { g: self.m.lock(), id, wrote: false, writes: &self.writes }
    }

    /// Note a read of what it guards, for a read made without the lock (a cached value
    /// whose version says it is still current).
    #[inline]
    pub fn note_read(&self) {
        note_read(self.id());
    }

    /// Lock it if nobody holds it.
    #[inline]
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        let id = self.id();
        let g = self.m.try_lock()?;
        note_read(id);
        Some(MutexGuard { g, id, wrote: false, writes: &self.writes })
    }

    /// The value, mutably (no one else can hold it).
    pub fn get_mut(&mut self) -> &mut T {
        *self.writes.get_mut() = self.writes.get_mut().wrapping_add(1);
        self.m.get_mut()
    }

    /// Its identity: unique in the process, never reused.
    #[inline]
    pub fn identity(&self) -> usize {
        self.id
    }

    /// How many times it has been changed. Read while holding its guard, the count of the
    /// state the guard sees; read without it, a later count means a change since.
    #[inline]
    pub fn writes(&self) -> u64 {
        self.writes.load(Ordering::Acquire)
    }
}

impl<T: ?Sized + std::fmt::Debug> std::fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.m.fmt(f)
    }
}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// Run `f` with the mutex unlocked, and lock it again.
    pub fn unlocked<U>(s: &mut Self, f: impl FnOnce() -> U) -> U {
        pl::MutexGuard::unlocked(&mut s.g, f)
    }
}

impl<T: ?Sized + std::fmt::Display> std::fmt::Display for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

impl<T: ?Sized + std::fmt::Debug> std::fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        &self.g
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        if !self.wrote {
            self.wrote = true;
            note_write(self.id);
        }
        &mut self.g
    }
}

/// A readers-writer lock whose locking is noted on the running thread's footprint
/// (`read` a read, `write` a write).
pub struct RwLock<T: ?Sized> {
    id: usize,
    m: pl::RwLock<T>,
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T> RwLock<T> {
    /// A new lock holding `v`.
    pub fn new(v: T) -> Self {
        Self { id: fresh_id(), m: pl::RwLock::new(v) }
    }

    /// The value (no one else can hold it).
    pub fn into_inner(self) -> T {
        self.m.into_inner()
    }
}

impl<T: ?Sized> RwLock<T> {
    #[inline]
    fn id(&self) -> usize {
        self.id
    }

    /// Lock it to read.
    #[inline]
    pub fn read(&self) -> pl::RwLockReadGuard<'_, T> {
        note_read(self.id());
        self.m.read()
    }

    /// Lock it to write.
    #[inline]
    pub fn write(&self) -> pl::RwLockWriteGuard<'_, T> {
        note_write(self.id());
        self.m.write()
    }

    /// The value, mutably (no one else can hold it).
    pub fn get_mut(&mut self) -> &mut T {
        self.m.get_mut()
    }
}

impl<T: ?Sized + std::fmt::Debug> std::fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.m.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_notes_a_read_and_a_guard_used_mutably_a_write_only_while_gathering() {
        let (a, b) = (Mutex::new(vec![1]), Mutex::new(vec![2]));
        begin(true);
        let _ = a.lock().len();
        b.lock().push(3);
        let _ = b.lock().len();
        let fp = take();
        // One note per object, sorted; b's write wins over its later read.
        assert_eq!(fp.touched, vec![(a.id() as u64, false), (b.id() as u64, true)]);
        assert!(!fp.global);
        assert_ne!(a.id(), b.id(), "each lock has an identity of its own");
        note_global();
        assert!(take().global);
        begin(false);
        a.lock().push(1);
        assert_eq!(take(), Footprint::default());
    }
}
