//! The deadlock watchdog: reads the wait-for graph (who waits for what, who holds what) and
//! stops the run when a cycle of untimed waits, or a state where every live thread waits
//! forever, stays the same across two looks.

use crate::rt::{Life, Shared, WaitInfo};
use parking_lot::{Condvar, Mutex};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use threadline_model::event::{EventKind, ResIx, ThreadIx, WaitEdge, WaitTarget};

/// How often the watchdog looks. Two identical looks in a row make a deadlock.
pub const WATCHDOG_PERIOD: Duration = Duration::from_millis(15);

/// A deadlock found in one look, with what identifies it across looks.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// The wait-for edges to report.
    pub edges: Vec<WaitEdge>,
    /// (thread, since_seq) of every thread involved: the same key means the same waits.
    pub key: Vec<(ThreadIx, u64)>,
    /// True for a cycle; false when every live thread just waits forever.
    pub cycle: bool,
}

/// Look for a deadlock in one snapshot of the wait-for graph.
pub fn find_deadlock(life: &[Life], waits: &[Option<WaitInfo>], holders: &[(ResIx, Vec<ThreadIx>)]) -> Option<Finding> {
    let holders: BTreeMap<ResIx, &Vec<ThreadIx>> = holders.iter().map(|(r, h)| (*r, h)).collect();
    let stuck = |t: usize| -> Option<WaitInfo> {
        (life.get(t) == Some(&Life::Alive)).then(|| waits.get(t).copied().flatten()).flatten().filter(|w| !w.timed)
    };
    let held_by = |w: &WaitInfo| -> Vec<ThreadIx> {
        match w.target {
            WaitTarget::Resource(r) => holders.get(&r).map(|h| h.to_vec()).unwrap_or_default(),
            WaitTarget::Thread(t) => (life.get(t as usize) == Some(&Life::Alive)).then_some(t).into_iter().collect(),
        }
    };
    let edge = |t: usize, w: &WaitInfo, to: Option<ThreadIx>| WaitEdge {
        thread: t as ThreadIx,
        waits_for: w.target,
        held_by: to,
    };

    // A cycle: follow stuck threads to the stuck threads that hold what they wait for.
    for start in 0..life.len() {
        let mut path: Vec<usize> = Vec::new();
        let mut cur = start;
        while let Some(w) = stuck(cur) {
            if let Some(pos) = path.iter().position(|p| *p == cur) {
                let cyc = &path[pos..];
                let mut edges = Vec::new();
                let mut key = Vec::new();
                for (i, &t) in cyc.iter().enumerate() {
                    let wt = stuck(t)?;
                    let next = cyc[(i + 1) % cyc.len()] as ThreadIx;
                    edges.push(edge(t, &wt, Some(next)));
                    key.push((t as ThreadIx, wt.since_seq));
                }
                return Some(Finding { edges, key, cycle: true });
            }
            path.push(cur);
            match held_by(&w).into_iter().find(|h| stuck(*h as usize).is_some()) {
                Some(next) => cur = next as usize,
                None => break,
            }
        }
    }

    // Every live thread waits with no timeout: nothing can ever wake any of them.
    let alive: Vec<usize> = (0..life.len()).filter(|&t| life[t] == Life::Alive).collect();
    if !alive.is_empty() && alive.iter().all(|&t| stuck(t).is_some()) {
        let mut edges = Vec::new();
        let mut key = Vec::new();
        for &t in &alive {
            let w = stuck(t)?;
            edges.push(edge(t, &w, held_by(&w).first().copied()));
            key.push((t as ThreadIx, w.since_seq));
        }
        return Some(Finding { edges, key, cycle: false });
    }
    None
}

/// Handle to the watchdog thread; dropping it does not stop it, [`Watchdog::finish`] does.
pub struct Watchdog {
    done: Arc<(Mutex<bool>, Condvar)>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl Watchdog {
    /// Start watching `shared`.
    pub fn start(shared: Arc<Shared>) -> Self {
        let done = Arc::new((Mutex::new(false), Condvar::new()));
        let d2 = Arc::clone(&done);
        let handle = std::thread::Builder::new().name("tl:watchdog".into()).spawn(move || watch(&shared, &d2)).ok();
        Self { done, handle }
    }

    /// Stop watching and join the watchdog thread.
    pub fn finish(mut self) {
        {
            let mut d = self.done.0.lock();
            *d = true;
            self.done.1.notify_all();
        }
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

fn watch(shared: &Shared, done: &(Mutex<bool>, Condvar)) {
    let mut prev: Option<(Finding, u64)> = None;
    loop {
        {
            let mut d = done.0.lock();
            if *d {
                return;
            }
            done.1.wait_for(&mut d, WATCHDOG_PERIOD);
            if *d {
                return;
            }
        }
        if shared.is_stopped() || shared.is_paused() {
            prev = None;
            continue;
        }
        let seq = shared.rec.len();
        let found = find_deadlock(&shared.life(), &shared.waits(), &shared.holders());
        match (found, prev.take()) {
            (Some(f), Some((p, pseq))) if f.key == p.key && (f.cycle || seq == pseq) => {
                let first = f.edges.first().map_or(0, |e| e.thread);
                let process = shared.thread_meta(first).map_or(0, |t| t.process);
                shared.rec.record(first, process, EventKind::Deadlock { cycle: f.edges });
                shared.request_stop();
                return;
            }
            (Some(f), _) => prev = Some((f, seq)),
            (None, _) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait(r: ResIx, since: u64) -> Option<WaitInfo> {
        Some(WaitInfo { target: WaitTarget::Resource(r), timed: false, since_seq: since })
    }

    #[test]
    fn finds_the_two_lock_cycle() {
        let life = [Life::Alive, Life::Alive, Life::Alive];
        // main (0) joins thread 1; 1 holds L0 and waits L1; 2 holds L1 and waits L0.
        let waits =
            [Some(WaitInfo { target: WaitTarget::Thread(1), timed: false, since_seq: 1 }), wait(1, 5), wait(0, 6)];
        let holders = [(0, vec![1]), (1, vec![2])];
        let f = find_deadlock(&life, &waits, &holders).expect("a deadlock");
        assert!(f.cycle);
        let mut pairs: Vec<_> = f.edges.iter().map(|e| (e.thread, e.waits_for, e.held_by)).collect();
        pairs.sort_by_key(|p| p.0);
        assert_eq!(pairs, vec![(1, WaitTarget::Resource(1), Some(2)), (2, WaitTarget::Resource(0), Some(1))]);
    }

    #[test]
    fn a_timed_wait_is_not_a_deadlock() {
        let life = [Life::Alive, Life::Alive];
        let waits = [Some(WaitInfo { target: WaitTarget::Resource(1), timed: true, since_seq: 1 }), wait(0, 2)];
        assert_eq!(find_deadlock(&life, &waits, &[(0, vec![0]), (1, vec![1])]), None);
    }

    #[test]
    fn everyone_waiting_forever_is_a_deadlock() {
        let life = [Life::Alive, Life::Ended, Life::Alive];
        let waits = [Some(WaitInfo { target: WaitTarget::Thread(2), timed: false, since_seq: 1 }), None, wait(3, 4)];
        let f = find_deadlock(&life, &waits, &[]).expect("stuck");
        assert!(!f.cycle);
        assert_eq!(f.edges.len(), 2);
    }

    #[test]
    fn a_running_thread_means_no_deadlock() {
        let life = [Life::Alive, Life::Alive];
        let waits = [wait(0, 1), None];
        assert_eq!(find_deadlock(&life, &waits, &[(0, vec![1])]), None);
    }
}
