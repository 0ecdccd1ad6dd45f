//! The recorder: stamps events with a sequence number and a time, keeps them, and
//! forwards each to a live consumer. Passed explicitly; there is no global recorder.

use crossbeam_channel::Sender;
use parking_lot::Mutex;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;
use threadline_model::event::{Event, EventKind, ThreadIx};
use threadline_model::packed::PackedEvents;

/// Events reserved up front, so short runs never grow the vector.
const INITIAL_CAPACITY: usize = 4096;

pub use threadline_model::model::MAX_EVENTS;

/// The clock events are stamped with: the CPU's time-stamp counter, scaled to nanoseconds
/// (`quanta`, calibrated once per process against the OS clock, which it falls back to where
/// the counter is not invariant). Reading it costs about 10 ns here against 24 ns for
/// `Instant::now()` (a virtual machine's vDSO `clock_gettime`), and a run records an event
/// for every primitive operation. Measured drift against the OS clock: under 1 µs in 2 s.
fn clock() -> &'static quanta::Clock {
    static CLOCK: std::sync::OnceLock<quanta::Clock> = std::sync::OnceLock::new();
    CLOCK.get_or_init(quanta::Clock::new)
}

/// Collects the events of one run.
pub struct Recorder {
    start: Instant,
    /// The same instant on the cheap clock ([`clock`]).
    start_raw: u64,
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
    events: Events,
}

/// Events kept in blocks of [`BLOCK`] that never move once written: a growing vector copied
/// every event it held each time it doubled (at a million events, 104 MB copied twice over
/// in the middle of the run). Past the first [`UNPACKED_BLOCKS`], the oldest blocks are
/// packed as the binary trace format packs them (about a byte an event instead of 64) by a
/// helper thread, so a ten-million-event run keeps some megabytes, not 640. In order: the
/// packed blocks, the blocks being packed, the full blocks, the block being written.
#[derive(Default)]
struct Events {
    /// The oldest blocks, packed.
    packed: PackedEvents,
    /// Blocks handed to the helper to pack, oldest first: kept until they come back packed,
    /// so a reader never meets a gap.
    packing: VecDeque<Arc<Vec<Event>>>,
    /// Full blocks kept as they are.
    full: VecDeque<Arc<Vec<Event>>>,
    last: Vec<Event>,
    len: usize,
    /// The helper, once a run outgrew its first block.
    supply: Option<Supply>,
}

/// Blocks a run keeps unpacked (4 MB): a run that stays within them never pays for packing.
const UNPACKED_BLOCKS: usize = 8;

/// A helper thread that packs full blocks and keeps two empty blocks ready with their memory
/// already touched.
///
/// A block's first write into each fresh page is a page fault (the kernel maps and zeroes
/// it): one every 64 events, and more than half of an event's cost while a run records
/// (50 ns against 22 ns with warm pages, measured), paid under the recorder's lock while
/// every other thread waits to record. The helper pays it instead, on whichever core is
/// free. It starts only when a run fills its first block (short runs and explored schedules
/// never start it) and ends when the events are taken or the recorder is dropped.
struct Supply {
    ready: crossbeam_channel::Receiver<Vec<Event>>,
    to_pack: Option<crossbeam_channel::Sender<Arc<Vec<Event>>>>,
    packed: crossbeam_channel::Receiver<PackedEvents>,
    /// Blocks packed and given up by the recorder, back to the helper to clear and hand out
    /// again (their pages warm).
    recycle: Option<crossbeam_channel::Sender<Vec<Event>>>,
    helper: Option<std::thread::JoinHandle<()>>,
}

impl Supply {
    fn start() -> Option<Self> {
        let (ready_tx, ready) = crossbeam_channel::bounded::<Vec<Event>>(2);
        let (to_pack, full_rx) = crossbeam_channel::unbounded::<Arc<Vec<Event>>>();
        let (packed_tx, packed) = crossbeam_channel::unbounded::<PackedEvents>();
        let (recycle, recycled) = crossbeam_channel::unbounded::<Vec<Event>>();
        let helper = std::thread::Builder::new()
            .name("threadline-recorder".into())
            .spawn(move || {
                let blank = Event { seq: 0, t_ns: 0, thread: 0, process: 0, line: 0, kind: EventKind::CpuEnd };
                // Empty blocks in hand (recycled ones, warm), waiting for room in `ready`.
                let mut spares: Vec<Vec<Event>> = Vec::new();
                loop {
                    let block = spares.pop().unwrap_or_else(|| {
                        let mut b = Vec::with_capacity(BLOCK);
                        // Writing every slot touches every page; clearing keeps them.
                        b.resize(BLOCK, blank.clone());
                        b.clear();
                        b
                    });
                    // Whichever comes first: a full block to pack, a block to recycle, or room
                    // for this one.
                    let mut sel = crossbeam_channel::Select::new();
                    let pack = sel.recv(&full_rx);
                    let back = sel.recv(&recycled);
                    let give = sel.send(&ready_tx);
                    let op = sel.select();
                    if op.index() == give {
                        if op.send(&ready_tx, block).is_err() {
                            return;
                        }
                        continue;
                    }
                    spares.push(block);
                    if op.index() == back {
                        let Ok(mut old) = op.recv(&recycled) else { return };
                        old.clear();
                        if spares.len() < 4 {
                            spares.push(old);
                        }
                        continue;
                    }
                    debug_assert_eq!(op.index(), pack);
                    let Ok(full) = op.recv(&full_rx) else { return };
                    let packed = PackedEvents::pack(&full);
                    // Let go of it before saying so: the recorder can then take it back whole.
                    drop(full);
                    if packed_tx.send(packed).is_err() {
                        return;
                    }
                }
            })
            .ok()?;
        Some(Self { ready, to_pack: Some(to_pack), packed, recycle: Some(recycle), helper: Some(helper) })
    }
}

impl Drop for Supply {
    fn drop(&mut self) {
        // Its channels gone, the helper returns from whatever it waits on.
        self.to_pack = None;
        self.recycle = None;
        self.ready = crossbeam_channel::never();
        self.packed = crossbeam_channel::never();
        if let Some(h) = self.helper.take() {
            let _ = h.join();
        }
    }
}

/// Events per block (512 KB).
const BLOCK: usize = 8192;

/// A stretch of the events to copy out of the recorder once its lock is let go.
enum Part {
    /// A packed block: its first event's index and its bytes.
    Packed(usize, Arc<[u8]>),
    /// A full block: its first event's index.
    Whole(usize, Arc<Vec<Event>>),
}

impl Events {
    fn with_capacity(n: usize) -> Self {
        Self { last: Vec::with_capacity(n.min(BLOCK)), ..Self::default() }
    }

    #[inline]
    fn len(&self) -> usize {
        self.len
    }

    #[inline]
    fn push(&mut self, e: Event) {
        if self.last.len() == self.last.capacity() && self.last.len() >= BLOCK {
            self.next_block();
        }
        self.last.push(e);
        self.len += 1;
    }

    #[cold]
    fn next_block(&mut self) {
        if self.supply.is_none() {
            self.supply = Supply::start();
        }
        // A block the helper has not made ready in time is made here.
        let next = self.supply.as_ref().and_then(|s| s.ready.try_recv().ok());
        let next = next.unwrap_or_else(|| Vec::with_capacity(BLOCK));
        self.full.push_back(Arc::new(std::mem::replace(&mut self.last, next)));
        self.absorb();
        if self.full.len() > UNPACKED_BLOCKS
            && let Some(tx) = self.supply.as_ref().and_then(|s| s.to_pack.as_ref())
            && let Some(oldest) = self.full.pop_front()
        {
            if tx.send(Arc::clone(&oldest)).is_ok() {
                self.packing.push_back(oldest);
            } else {
                self.full.push_front(oldest);
            }
        }
    }

    /// Take in the blocks the helper has packed (they come back in the order sent).
    fn absorb(&mut self) {
        let Some(s) = &self.supply else { return };
        while let Ok(p) = s.packed.try_recv() {
            self.packed.append(p);
            // Packed, the block goes back to the helper to be emptied and used again, unless
            // a reader still holds it.
            if let Some(b) = self.packing.pop_front()
                && let Ok(block) = Arc::try_unwrap(b)
                && let Some(tx) = &s.recycle
            {
                let _ = tx.send(block);
            }
        }
    }

    /// Wait for the blocks the helper is packing, and let it go: the run is over. Blocks it
    /// did not give back (it cannot fail, but were it to) stay as they are.
    fn settle(&mut self) {
        if let Some(s) = &self.supply {
            while !self.packing.is_empty() {
                let Ok(p) = s.packed.recv() else { break };
                self.packed.append(p);
                self.packing.pop_front();
            }
        }
        self.supply = None;
        while let Some(b) = self.packing.pop_back() {
            self.full.push_front(b);
        }
    }

    /// The events from `from` up to `to` (exclusive): the blocks that hold them, to copy out
    /// after the lock, and the part of the block being written, copied now.
    fn parts(&mut self, from: usize, to: usize) -> (Vec<Part>, Vec<Event>) {
        self.absorb();
        let to = to.min(self.len);
        let mut parts: Vec<Part> =
            self.packed.payloads_overlapping(from..to).into_iter().map(|(at, p)| Part::Packed(at, p)).collect();
        let mut at = self.packed.len();
        for b in self.packing.iter().chain(&self.full) {
            if at < to && at + b.len() > from {
                parts.push(Part::Whole(at, Arc::clone(b)));
            }
            at += b.len();
        }
        let tail = if to > at && to > from { self.last[from.saturating_sub(at)..to - at].to_vec() } else { Vec::new() };
        (parts, tail)
    }

    /// Every event, packed, leaving none.
    fn take_packed(&mut self) -> PackedEvents {
        self.settle();
        let mut out = std::mem::take(&mut self.packed);
        let mut rest: Vec<Event> = Vec::with_capacity(self.len - out.len());
        for b in std::mem::take(&mut self.full) {
            rest.extend_from_slice(&b);
        }
        rest.append(&mut self.last);
        out.append(PackedEvents::pack(&rest));
        self.len = 0;
        out
    }

    /// Every event, in one vector, leaving none.
    fn take(&mut self) -> Vec<Event> {
        // The run is over: its helper ends here, not when the recorder is dropped.
        self.settle();
        let packed = std::mem::take(&mut self.packed);
        let blocks = std::mem::take(&mut self.full);
        let last = std::mem::take(&mut self.last);
        self.len = 0;
        if blocks.is_empty() && packed.is_empty() {
            return last;
        }
        let mut out = Vec::with_capacity(packed.len() + blocks.iter().map(|b| b.len()).sum::<usize>() + last.len());
        packed.for_each(|_, e| out.push(e.clone()));
        for b in blocks {
            out.extend_from_slice(&b);
        }
        out.extend(last);
        out
    }
}

impl Recorder {
    /// A recorder that keeps every event and, when `live` is given, sends each one there too
    /// (in sequence order).
    pub fn new(live: Option<Sender<Event>>) -> Self {
        Self {
            start: Instant::now(),
            start_raw: clock().raw(),
            enabled: true,
            max_events: MAX_EVENTS,
            full: std::sync::atomic::AtomicBool::new(false),
            inner: Mutex::new(Inner { next_seq: 0, last_t_ns: 0, events: Events::with_capacity(INITIAL_CAPACITY) }),
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
            start_raw: clock().raw(),
            enabled: false,
            max_events: 0,
            full: std::sync::atomic::AtomicBool::new(false),
            inner: Mutex::new(Inner { next_seq: 0, last_t_ns: 0, events: Events::default() }),
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
        clock().delta_as_nanos(self.start_raw, clock().raw())
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

    /// Take every event recorded so far.
    pub fn take_events(&self) -> Vec<Event> {
        self.inner.lock().events.take()
    }

    /// Events kept so far (fewer than [`Self::len`] once the run passed its limit).
    pub fn kept(&self) -> usize {
        self.inner.lock().events.len()
    }

    /// The kept events from index `from` on, at most `max`, in order: what a live view reads
    /// as a run goes, instead of a copy of every event sent to it. The recorder's lock is held
    /// only to find the blocks (and copy the few of the block being written); decoding and
    /// copying happen after.
    pub fn read(&self, from: usize, max: usize) -> Vec<Event> {
        let to = from.saturating_add(max);
        let (parts, tail) = self.inner.lock().events.parts(from, to);
        let mut out = Vec::new();
        let mut keep = |at: usize, e: &Event| {
            if (from..to).contains(&at) {
                out.push(e.clone());
            }
        };
        for part in parts {
            match part {
                Part::Packed(first, payload) => {
                    for (i, e) in PackedEvents::decode(&payload).iter().enumerate() {
                        keep(first + i, e);
                    }
                }
                Part::Whole(first, block) => {
                    for (i, e) in block.iter().enumerate() {
                        keep(first + i, e);
                    }
                }
            }
        }
        out.extend(tail);
        out
    }

    /// Take every event recorded so far, packed (about a byte an event).
    pub fn take_packed(&self) -> PackedEvents {
        self.inner.lock().events.take_packed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn events_kept_in_blocks_and_packed_read_back_in_order() {
        let ms = |es: &[Event]| -> Vec<f64> {
            es.iter().map(|e| if let EventKind::CpuBegin { ms } = e.kind { ms } else { -1.0 }).collect()
        };
        // Within the unpacked blocks, and well past them (the oldest packed by the helper).
        for n in [2 * BLOCK + 17, (UNPACKED_BLOCKS + 5) * BLOCK + 3] {
            let rec = Recorder::new(None);
            for i in 0..n {
                rec.record(0, 0, EventKind::CpuBegin { ms: (i % 1000) as f64 });
            }
            assert_eq!(rec.kept(), n);
            for (from, max) in [(0, 10), (BLOCK - 3, 7), (0, n), (n / 2, BLOCK * 3), (n - 5, 100), (n, 10), (n + 9, 1)]
            {
                let got = rec.read(from, max);
                let want: Vec<f64> = (from..(from + max).min(n)).map(|i| (i % 1000) as f64).collect();
                assert_eq!(ms(&got), want, "read({from}, {max})");
            }
            let all = rec.take_events();
            assert_eq!(all.len(), n);
            assert_eq!(ms(&all), (0..n).map(|i| (i % 1000) as f64).collect::<Vec<_>>());
            assert!(all.iter().enumerate().all(|(i, e)| e.seq == i as u64));
            assert!(all.windows(2).all(|w| w[0].t_ns <= w[1].t_ns));
            assert!(rec.take_events().is_empty(), "taken: none left");
            // Recording goes on after a take.
            rec.record(0, 0, EventKind::CpuEnd);
            assert_eq!(rec.take_events().len(), 1);
            // The same events, taken packed.
            for i in 0..n {
                rec.record(0, 0, EventKind::CpuBegin { ms: (i % 1000) as f64 });
            }
            let packed = rec.take_packed();
            assert_eq!(packed.len(), n);
            let again = packed.unpack();
            assert_eq!(ms(&again), ms(&all));
            assert!(again.windows(2).all(|w| w[1].seq == w[0].seq + 1));
        }
    }

    /// A live view reads the events as a run records them, from whichever stage they are in
    /// (packed, being packed, whole, being written): in order, none missed, none twice.
    #[test]
    fn a_reader_following_a_run_sees_every_event_once_in_order() {
        let rec = Arc::new(Recorder::new(None));
        let n = (UNPACKED_BLOCKS + 8) * BLOCK + 77;
        let writer = {
            let rec = Arc::clone(&rec);
            std::thread::spawn(move || {
                for i in 0..n {
                    rec.record(0, 0, EventKind::CpuBegin { ms: (i % 997) as f64 });
                }
            })
        };
        let mut seen = 0usize;
        let mut reads = 0;
        while seen < n {
            for e in rec.read(seen, 5_000) {
                assert_eq!(e.seq, seen as u64, "event {seen}");
                assert_eq!(e.kind, EventKind::CpuBegin { ms: (seen % 997) as f64 });
                seen += 1;
            }
            reads += 1;
            assert!(reads < 10_000_000, "the reader stopped getting events at {seen}");
        }
        writer.join().unwrap();
        assert!(rec.read(n, 10).is_empty());
        assert_eq!(rec.take_packed().len(), n);
    }

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
    fn the_block_supply_hands_out_empty_blocks_and_its_helper_ends() {
        let mut supply = Supply::start().expect("a helper thread");
        for _ in 0..3 {
            let b = supply.ready.recv().expect("a block");
            assert!(b.is_empty() && b.capacity() >= BLOCK);
        }
        let helper = supply.helper.take().expect("the helper");
        drop(supply);
        // Its receiver gone, the helper returns from its `send`.
        let t = std::time::Instant::now();
        while !helper.is_finished() {
            assert!(t.elapsed() < std::time::Duration::from_secs(10), "the helper outlived its supply");
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        // A run's events taken end its helper too.
        let mut events = Events::with_capacity(16);
        for _ in 0..BLOCK + 1 {
            events.push(Event { seq: 0, t_ns: 0, thread: 0, process: 0, line: 0, kind: EventKind::CpuEnd });
        }
        assert!(events.supply.is_some(), "a second block starts the helper");
        assert_eq!(events.take().len(), BLOCK + 1);
        assert!(events.supply.is_none(), "taking the events ends it");
    }

    #[test]
    fn disabled_recorder_keeps_nothing() {
        let rec = Recorder::disabled();
        rec.record(0, 0, EventKind::CpuEnd);
        assert!(rec.is_empty());
    }
}
