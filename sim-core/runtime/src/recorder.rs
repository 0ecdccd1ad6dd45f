//! The recorder: stamps events with a sequence number and a time, keeps them, and
//! forwards each to a live consumer. Passed explicitly; there is no global recorder.

use crossbeam_channel::Sender;
use parking_lot::Mutex;
use std::time::Instant;
use threadline_model::event::{Event, EventKind, ThreadIx};

/// Events reserved up front, so short runs never grow the vector.
const INITIAL_CAPACITY: usize = 4096;

pub use threadline_model::model::MAX_EVENTS;

/// Collects the events of one run.
pub struct Recorder {
    start: Instant,
    enabled: bool,
    max_events: usize,
    /// The limit was reached (its marker event is recorded once).
    full: std::sync::atomic::AtomicBool,
    inner: Mutex<Inner>,
    live: Option<Sender<Event>>,
    /// A controlled run's virtual clock (ns), instead of the wall clock.
    clock: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
}

struct Inner {
    next_seq: u64,
    last_t_ns: u64,
    events: Vec<Event>,
}

impl Recorder {
    /// A recorder that keeps every event and, when `live` is given, sends each one there too
    /// (in sequence order).
    pub fn new(live: Option<Sender<Event>>) -> Self {
        Self {
            start: Instant::now(),
            enabled: true,
            max_events: MAX_EVENTS,
            full: std::sync::atomic::AtomicBool::new(false),
            inner: Mutex::new(Inner { next_seq: 0, last_t_ns: 0, events: Vec::with_capacity(INITIAL_CAPACITY) }),
            live,
            clock: None,
        }
    }

    /// The same, keeping at most `max` events (for tests of the limit).
    pub fn with_limit(live: Option<Sender<Event>>, max: usize) -> Self {
        Self { max_events: max, ..Self::new(live) }
    }

    /// Stamp events with this virtual clock (ns) instead of the wall clock: a controlled run.
    pub fn with_virtual_clock(self, clock: std::sync::Arc<std::sync::atomic::AtomicU64>) -> Self {
        Self { clock: Some(clock), ..self }
    }

    /// A recorder that records nothing (for measuring the primitives' own cost).
    pub fn disabled() -> Self {
        Self {
            start: Instant::now(),
            enabled: false,
            max_events: 0,
            full: std::sync::atomic::AtomicBool::new(false),
            inner: Mutex::new(Inner { next_seq: 0, last_t_ns: 0, events: Vec::new() }),
            live: None,
            clock: None,
        }
    }

    /// When the run started.
    pub fn start(&self) -> Instant {
        self.start
    }

    /// Nanoseconds since the run started.
    pub fn now_ns(&self) -> u64 {
        if let Some(c) = &self.clock {
            return c.load(std::sync::atomic::Ordering::Acquire);
        }
        u64::try_from(self.start.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// Record one event; returns its sequence number. Call it while holding the state lock
    /// of the primitive the event is about, so the order is causal.
    #[inline]
    pub fn record(&self, thread: ThreadIx, process: u32, kind: EventKind) -> u64 {
        self.record_at(thread, process, 0, kind)
    }

    /// [`Recorder::record`], stamped with the source line that caused it (0: none).
    #[inline]
    pub fn record_at(&self, thread: ThreadIx, process: u32, line: u32, kind: EventKind) -> u64 {
        if !self.enabled {
            return 0;
        }
        self.record_enabled(thread, process, line, kind)
    }

    fn record_enabled(&self, thread: ThreadIx, process: u32, line: u32, kind: EventKind) -> u64 {
        let mut inner = self.inner.lock();
        if inner.events.len() >= self.max_events {
            // Past the limit the program goes on, but only what a reader needs is kept: the
            // threads' and processes' starts and ends (so the trace stays whole), and the
            // prints and exceptions up to a twentieth more. The rest is dropped, and the
            // trace says from when.
            if !self.full.swap(true, std::sync::atomic::Ordering::Relaxed) {
                self.push(&mut inner, thread, process, 0, EventKind::EventLimit { kept: self.max_events as u64 });
            }
            let lifecycle = matches!(
                kind,
                EventKind::ThreadNew { .. }
                    | EventKind::ProcessNew { .. }
                    | EventKind::ResourceNew { .. }
                    | EventKind::VarNew { .. }
                    | EventKind::ThreadStarted
                    | EventKind::ThreadStopped
                    | EventKind::ThreadKilled
                    | EventKind::ThreadFinished
                    | EventKind::ThreadRaised { .. }
                    | EventKind::ProcessExit { .. }
                    | EventKind::Deadlock { .. }
            );
            let said = matches!(kind, EventKind::Print { .. } | EventKind::Error { .. });
            let room = inner.events.len() < self.max_events + (self.max_events / 20).max(100);
            if !(lifecycle || said && room) {
                return inner.next_seq;
            }
        }
        self.push(&mut inner, thread, process, line, kind)
    }

    fn push(&self, inner: &mut Inner, thread: ThreadIx, process: u32, line: u32, kind: EventKind) -> u64 {
        let t_ns = self.now_ns().max(inner.last_t_ns);
        inner.last_t_ns = t_ns;
        let seq = inner.next_seq;
        inner.next_seq += 1;
        let event = Event { seq, t_ns, thread, process, line, kind };
        if let Some(tx) = &self.live {
            // A consumer that went away is not an error for the run.
            let _ = tx.send(event.clone());
        }
        inner.events.push(event);
        seq
    }

    /// How many events so far (also the next sequence number).
    pub fn len(&self) -> u64 {
        self.inner.lock().next_seq
    }

    /// True before the first event.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A copy of the events from index `from` on.
    pub fn events_since(&self, from: usize) -> Vec<Event> {
        let inner = self.inner.lock();
        inner.events.get(from..).map(<[Event]>::to_vec).unwrap_or_default()
    }

    /// Take every event recorded so far.
    pub fn take_events(&self) -> Vec<Event> {
        std::mem::take(&mut self.inner.lock().events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn sequence_and_time_never_go_back_across_threads() {
        let (tx, rx) = crossbeam_channel::unbounded();
        let rec = Arc::new(Recorder::new(Some(tx)));
        let handles: Vec<_> = (0..4)
            .map(|t| {
                let rec = Arc::clone(&rec);
                std::thread::spawn(move || {
                    for _ in 0..1000 {
                        rec.record(t, 0, EventKind::CpuEnd);
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let events = rec.take_events();
        assert_eq!(events.len(), 4000);
        for w in events.windows(2) {
            assert_eq!(w[1].seq, w[0].seq + 1);
            assert!(w[1].t_ns >= w[0].t_ns);
        }
        let live: Vec<Event> = rx.try_iter().collect();
        assert_eq!(live, events, "the live stream sees the same events in the same order");
    }

    #[test]
    fn disabled_recorder_keeps_nothing() {
        let rec = Recorder::disabled();
        rec.record(0, 0, EventKind::CpuEnd);
        assert!(rec.is_empty());
    }
}
