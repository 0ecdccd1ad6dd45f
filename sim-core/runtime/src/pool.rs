//! OS threads reused across runs: a search runs thousands of short controlled runs, and
//! creating and tearing down an OS thread (with its large stack) for every simulated thread
//! of every run cost more than the runs' turns. A [`Pool`] belongs to one search worker;
//! between runs its threads wait for the next simulated thread to carry, and when the pool
//! is dropped they are told to quit and joined — no thread outlives the search.
//!
//! A search worker's pool is pinned to one core ([`Pool::on_one_core`]), with the worker's own
//! thread: a controlled run hands its one turn from OS thread to OS thread, and a hand-off to
//! a thread asleep on another core costs an inter-processor wake-up and the core's way out of
//! idle — measured here, a run's threads on one core try 2.5× the schedules a second of the
//! same threads left to migrate (6 900 against 2 800 on the notes' deadlock).

use parking_lot::{Condvar, Mutex};
use std::sync::{Arc, Weak};
use std::thread::JoinHandle;

type Job = Box<dyn FnOnce() + Send + 'static>;

enum Msg {
    Run(Job, Arc<Done>),
    Quit,
}

/// A pool thread's mailbox: one message at a time, waited for without spinning. (A
/// channel's receive spins and yields the core before it sleeps, and with a search's
/// threads all on one core each of those yields was a switch of thread.)
#[derive(Default)]
struct Slot {
    msg: Mutex<Option<Msg>>,
    cv: Condvar,
}

impl Slot {
    fn send(&self, msg: Msg) {
        *self.msg.lock() = Some(msg);
        self.cv.notify_one();
    }

    fn recv(&self) -> Msg {
        let mut m = self.msg.lock();
        loop {
            if let Some(msg) = m.take() {
                return msg;
            }
            self.cv.wait(&mut m);
        }
    }
}

/// Threads that carry simulated threads, one run after another.
pub struct Pool {
    inner: Arc<Inner>,
}

struct Inner {
    /// Threads waiting for work: where to send it.
    idle: Mutex<Vec<Arc<Slot>>>,
    /// Every thread: where to tell it to quit, and its handle.
    all: Mutex<Vec<(Arc<Slot>, JoinHandle<()>)>>,
    stack: usize,
    /// The core every thread of the pool runs on (None: wherever the OS puts it).
    core: Option<core_affinity::CoreId>,
}

/// A pooled job's end, as a join handle tells it.
#[derive(Default)]
pub struct Done {
    flag: Mutex<bool>,
    cv: Condvar,
}

impl Done {
    /// Whether the job has ended.
    pub fn is_finished(&self) -> bool {
        *self.flag.lock()
    }

    /// Wait until the job has ended or `deadline` has passed: whether it has ended.
    pub fn wait_until(&self, deadline: std::time::Instant) -> bool {
        let mut f = self.flag.lock();
        while !*f {
            if self.cv.wait_until(&mut f, deadline).timed_out() {
                return *f;
            }
        }
        true
    }

    /// Wait until the job has ended.
    pub fn join(&self) {
        let mut f = self.flag.lock();
        while !*f {
            self.cv.wait(&mut f);
        }
    }
}

impl Pool {
    /// An empty pool whose threads get `stack` bytes of stack.
    pub fn new(stack: usize) -> Arc<Pool> {
        Self::make(stack, None)
    }

    /// A pool whose threads all run on one core, the next in turn of the cores this process
    /// may use (so searches running at once in one process spread over the cores). With
    /// `caller`, the calling thread moves there too for the rest of its life — a search
    /// worker, which starts every run and waits for its end.
    pub fn on_one_core(stack: usize, caller: bool) -> Arc<Pool> {
        // Asked before anything is pinned: a pinned thread sees one core.
        threadline_model::trace::cores();
        let core = next_core();
        if caller && let Some(c) = core {
            // Best effort: where the OS refuses, the thread stays free.
            let _ = core_affinity::set_for_current(c);
        }
        Self::make(stack, core)
    }

    fn make(stack: usize, core: Option<core_affinity::CoreId>) -> Arc<Pool> {
        Arc::new(Pool {
            inner: Arc::new(Inner { idle: Mutex::new(Vec::new()), all: Mutex::new(Vec::new()), stack, core }),
        })
    }

    /// Threads the pool has made so far.
    pub fn threads(&self) -> usize {
        self.inner.all.lock().len()
    }

    /// Run `job` on an idle thread of the pool, or on a new one.
    pub fn spawn(&self, job: impl FnOnce() + Send + 'static) -> std::io::Result<Arc<Done>> {
        let done = Arc::new(Done::default());
        let msg = Msg::Run(Box::new(job), Arc::clone(&done));
        // An idle thread waits on its slot until it is given work or told to quit.
        let idle = self.inner.idle.lock().pop();
        if let Some(slot) = idle {
            slot.send(msg);
            return Ok(done);
        }
        let tx = Arc::new(Slot::default());
        let rx = Arc::clone(&tx);
        let weak = Arc::downgrade(&self.inner);
        let core = self.inner.core;
        let handle =
            std::thread::Builder::new().name("tl:pool".into()).stack_size(self.inner.stack).spawn(move || {
                if let Some(c) = core {
                    let _ = core_affinity::set_for_current(c);
                }
                worker(rx, weak)
            })?;
        tx.send(msg);
        self.inner.all.lock().push((tx, handle));
        Ok(done)
    }
}

/// The next core in turn of those this process may run on; None if unknown.
fn next_core() -> Option<core_affinity::CoreId> {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let cores = core_affinity::get_core_ids().filter(|c| !c.is_empty())?;
    let k = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    // Counted from a place of this process's own (its id), so two processes searching at
    // once — each counting from zero — do not both start on the first core.
    let k = k.wrapping_add(std::process::id() as usize);
    cores.get(k % cores.len()).copied()
}

/// A pool thread's life: run each job its slot is given, telling the pool it is idle (by
/// its slot) after each, until told to quit or the pool is gone.
fn worker(slot: Arc<Slot>, pool: Weak<Inner>) {
    while let Msg::Run(job, done) = slot.recv() {
        // The job (a simulated thread's main) catches its own panics; this one is the
        // pool's: a thread that failed must still be seen to end.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
        // Idle again before the job is seen to end: the next run finds this thread free.
        let alive = match pool.upgrade() {
            Some(inner) => {
                inner.idle.lock().push(Arc::clone(&slot));
                true
            }
            None => false,
        };
        *done.flag.lock() = true;
        done.cv.notify_all();
        if !alive {
            return;
        }
    }
}

impl Drop for Pool {
    /// Every thread is told to quit; the idle ones (all of them, when every run was joined)
    /// are joined. One still carrying a simulated thread that never ended (the runtime's
    /// backstop already said so) quits when it is done and is not waited for.
    fn drop(&mut self) {
        let all: Vec<_> = std::mem::take(&mut *self.inner.all.lock());
        let idle: Vec<_> = std::mem::take(&mut *self.inner.idle.lock());
        for (tx, h) in all {
            tx.send(Msg::Quit);
            if idle.iter().any(|i| Arc::ptr_eq(i, &tx)) {
                let _ = h.join();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn threads_are_reused_and_joined_when_the_pool_goes() {
        let pool = Pool::new(1 << 20);
        let ran = Arc::new(AtomicUsize::new(0));
        for _ in 0..20 {
            let r = Arc::clone(&ran);
            let done = pool.spawn(move || {
                r.fetch_add(1, Ordering::SeqCst);
            });
            done.expect("spawned").join();
        }
        assert_eq!(ran.load(Ordering::SeqCst), 20);
        assert_eq!(pool.threads(), 1, "one job at a time needs one thread");
        // Two at once need two.
        let (go, wait) = crossbeam_channel::bounded::<()>(0);
        let a = pool.spawn(move || {
            let _ = wait.recv();
        });
        let b = pool.spawn(move || {
            let _ = go.send(());
        });
        a.expect("a").join();
        b.expect("b").join();
        assert_eq!(pool.threads(), 2);
        // A panicking job still ends.
        pool.spawn(|| panic!("a job's own panic")).expect("spawned").join();
        drop(pool);
    }

    #[test]
    fn a_pinned_pool_runs_every_thread_on_one_core() {
        let Some(all) = core_affinity::get_core_ids() else { return };
        let pool = Pool::on_one_core(1 << 20, false);
        let (tx, rx) = crossbeam_channel::unbounded();
        // Three at once: three OS threads of the pool.
        let (go, wait) = crossbeam_channel::bounded::<()>(0);
        let wait2 = wait.clone();
        let mut done = Vec::new();
        for w in [Some(wait), Some(wait2), None] {
            let tx = tx.clone();
            let go = go.clone();
            done.push(
                pool.spawn(move || {
                    // Where this thread may run, as the OS says.
                    let _ = tx.send(core_affinity::get_core_ids().unwrap_or_default());
                    match w {
                        Some(w) => {
                            let _ = w.recv();
                        }
                        None => {
                            let _ = go.send(());
                            let _ = go.send(());
                        }
                    }
                })
                .expect("spawned"),
            );
        }
        for d in done {
            d.join();
        }
        assert_eq!(pool.threads(), 3);
        let seen: Vec<Vec<core_affinity::CoreId>> = rx.try_iter().collect();
        assert_eq!(seen.len(), 3);
        for s in &seen {
            assert_eq!(s.len(), 1, "each pool thread may run on exactly one core, not {s:?} of {all:?}");
            assert_eq!(s, &seen[0], "every pool thread on the same core");
        }
        // The caller was not moved.
        assert_eq!(core_affinity::get_core_ids().unwrap_or_default().len(), all.len());
        // A program on a pinned thread still sees the machine's cores (`os.cpu_count()`).
        let (tx, rx) = crossbeam_channel::bounded(1);
        pool.spawn(move || {
            let _ = tx.send(threadline_model::trace::cores());
        })
        .expect("spawned")
        .join();
        assert_eq!(rx.recv().ok(), Some(all.len()));
    }
}
