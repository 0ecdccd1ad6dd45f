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

impl Footprint {
    /// A turn whose reach is unknown (it conflicts with every turn).
    pub fn everything() -> Self {
        Footprint { global: true, touched: Vec::new() }
    }

    /// Whether the two turns may not commute: either is global, or both touch an object
    /// and one of them writes it.
    pub fn conflicts(&self, other: &Footprint) -> bool {
        if self.global || other.global {
            return true;
        }
        let (mut i, mut j) = (0, 0);
        let (a, b) = (&self.touched, &other.touched);
        while i < a.len() && j < b.len() {
            match a[i].0.cmp(&b[j].0) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    if a[i].1 || b[j].1 {
                        return true;
                    }
                    i += 1;
                    j += 1;
                }
            }
        }
        false
    }
}

thread_local! {
    static ON: Cell<bool> = const { Cell::new(false) };
    static NOTES: RefCell<Footprint> = const { RefCell::new(Footprint { global: false, touched: Vec::new() }) };
}

/// Identities of resources (by their index) kept apart from addresses.
const RES_TAG: u64 = 1 << 63;

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

/// The running thread did something whose reach is not known.
#[inline]
pub fn note_global() {
    if gathering() {
        NOTES.with(|n| n.borrow_mut().global = true);
    }
}

/// An event the running thread recorded: a primitive's names its resource; the
/// scheduler's own (the GIL, CPU and I/O spans) touch nothing of the program's; a shared
/// variable's read or write is noted by its cell's lock; anything else (a thread started
/// or joined, output, an exception, a pool's task) is global.
#[inline]
pub fn note_event(kind: &EventKind) {
    if !gathering() {
        return;
    }
    use EventKind::*;
    if let Some(r) = kind.resource() {
        push(RES_TAG | u64::from(r), true);
        return;
    }
    match kind {
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

/// A mutex whose locking is noted on the running thread's footprint: the lock itself is a
/// read of the object it guards, and the first mutable use of the guard a write.
#[derive(Default)]
pub struct Mutex<T: ?Sized>(pl::Mutex<T>);

/// The guard of a [`Mutex`].
pub struct MutexGuard<'a, T: ?Sized> {
    g: pl::MutexGuard<'a, T>,
    id: usize,
    wrote: bool,
}

impl<T> Mutex<T> {
    /// A new mutex holding `v`.
    pub const fn new(v: T) -> Self {
        Self(pl::Mutex::new(v))
    }

    /// The value (no one else can hold it).
    pub fn into_inner(self) -> T {
        self.0.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    #[inline]
    fn id(&self) -> usize {
        std::ptr::from_ref(&self.0).cast::<u8>() as usize
    }

    /// Lock it (a read of what it guards, until the guard is used mutably).
    #[inline]
    pub fn lock(&self) -> MutexGuard<'_, T> {
        let id = self.id();
        note_read(id);
        MutexGuard { g: self.0.lock(), id, wrote: false }
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
        let g = self.0.try_lock()?;
        note_read(id);
        Some(MutexGuard { g, id, wrote: false })
    }

    /// The value, mutably (no one else can hold it).
    pub fn get_mut(&mut self) -> &mut T {
        self.0.get_mut()
    }

    /// Whether someone holds it.
    pub fn is_locked(&self) -> bool {
        self.0.is_locked()
    }
}

impl<T: ?Sized + std::fmt::Debug> std::fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
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
#[derive(Default)]
pub struct RwLock<T: ?Sized>(pl::RwLock<T>);

impl<T> RwLock<T> {
    /// A new lock holding `v`.
    pub const fn new(v: T) -> Self {
        Self(pl::RwLock::new(v))
    }

    /// The value (no one else can hold it).
    pub fn into_inner(self) -> T {
        self.0.into_inner()
    }
}

impl<T: ?Sized> RwLock<T> {
    #[inline]
    fn id(&self) -> usize {
        std::ptr::from_ref(&self.0).cast::<u8>() as usize
    }

    /// Lock it to read.
    #[inline]
    pub fn read(&self) -> pl::RwLockReadGuard<'_, T> {
        note_read(self.id());
        self.0.read()
    }

    /// Lock it to write.
    #[inline]
    pub fn write(&self) -> pl::RwLockWriteGuard<'_, T> {
        note_write(self.id());
        self.0.write()
    }

    /// The value, mutably (no one else can hold it).
    pub fn get_mut(&mut self) -> &mut T {
        self.0.get_mut()
    }
}

impl<T: ?Sized + std::fmt::Debug> std::fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guard_used_mutably_is_a_write_and_turns_of_disjoint_objects_commute() {
        let (a, b) = (Mutex::new(vec![1]), Mutex::new(vec![2]));
        begin(true);
        let _ = a.lock().len();
        b.lock().push(3);
        let one = take();
        assert_eq!(one.touched.len(), 2);
        assert!(one.touched.iter().any(|(_, w)| *w) && one.touched.iter().any(|(_, w)| !*w));
        let _ = a.lock().len();
        let reader = take();
        assert!(!reader.conflicts(&Footprint { global: false, touched: vec![reader.touched[0]] }));
        assert!(one.conflicts(&one));
        // Reading what another turn only read commutes; reading what it wrote does not.
        let _ = b.lock().len();
        let reads_b = take();
        assert!(!reader.conflicts(&reads_b));
        assert!(reads_b.conflicts(&one));
        assert!(Footprint { global: true, touched: vec![] }.conflicts(&reader));
        begin(false);
        a.lock().push(1);
        assert_eq!(take(), Footprint::default());
    }
}
