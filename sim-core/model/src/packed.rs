//! A trace whose events stay packed in memory, as the binary format's blocks hold them
//! (varint columns, zstd, [`crate::binary`]): about a byte an event where a decoded
//! [`Event`] takes 64. What the app replays: a 10-million-event run is ten megabytes of
//! events, and the timeline drawn from them is the most of what it keeps.
//!
//! Events are read a block (up to [`BLOCK`] events) at a time; the last two blocks decoded
//! are kept, so stepping, playing and seeking near the playhead decode each block once.

use crate::binary::{BLOCK, pack_block, unpack_block};
use crate::event::Event;
use crate::trace::{Trace, TraceError};
use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// One block: where its events sit in the whole, their times, and its packed bytes.
#[derive(Clone, Debug)]
struct Block {
    first: usize,
    n: usize,
    first_t: u64,
    last_t: u64,
    payload: Arc<[u8]>,
}

/// Events in sequence order, packed a block at a time.
#[derive(Default)]
pub struct PackedEvents {
    blocks: Vec<Block>,
    len: usize,
    /// The blocks decoded last: (block index, its events), the most recent first.
    cache: Mutex<Vec<(usize, Arc<[Event]>)>>,
}

impl Clone for PackedEvents {
    fn clone(&self) -> Self {
        Self { blocks: self.blocks.clone(), len: self.len, cache: Mutex::default() }
    }
}

impl std::fmt::Debug for PackedEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PackedEvents({} events in {} blocks, {} bytes)", self.len, self.blocks.len(), self.packed_bytes())
    }
}

impl PackedEvents {
    /// Pack `events` (in sequence order), a block per core at a time.
    pub fn pack(events: &[Event]) -> Self {
        let chunks: Vec<&[Event]> = events.chunks(BLOCK).collect();
        let parts = crate::trace::on_cores(&chunks, |cs| cs.iter().map(|c| pack_block(c)).collect::<Vec<_>>());
        // Packing plain data does not panic; were it to, its blocks would be empty (one per
        // chunk, so the others stay paired with their events).
        let payloads: Vec<Vec<u8>> = parts
            .into_iter()
            .zip(chunks.chunks(crate::trace::per_core(chunks.len())))
            .flat_map(|(p, cs)| p.unwrap_or_else(|| vec![Vec::new(); cs.len()]))
            .collect();
        let mut out = Self::default();
        for (chunk, payload) in chunks.iter().zip(payloads) {
            out.push_packed(chunk, Arc::from(payload));
        }
        out
    }

    /// Add a block: its events (to note their place and times) and its packed bytes.
    pub(crate) fn push_packed(&mut self, events: &[Event], payload: Arc<[u8]>) {
        let (Some(first), Some(last)) = (events.first(), events.last()) else { return };
        self.blocks.push(Block { first: self.len, n: events.len(), first_t: first.t_ns, last_t: last.t_ns, payload });
        self.len += events.len();
    }

    /// Add `other`'s events after these.
    pub fn append(&mut self, other: PackedEvents) {
        for mut b in other.blocks {
            b.first = self.len;
            self.len += b.n;
            self.blocks.push(b);
        }
    }

    /// The blocks holding events of `range`: each block's first event's index and its bytes
    /// (to decode with [`Self::decode`], without this value at hand).
    pub fn payloads_overlapping(&self, range: Range<usize>) -> Vec<(usize, Arc<[u8]>)> {
        let from = self.block_of(range.start);
        self.blocks[from.min(self.blocks.len())..]
            .iter()
            .take_while(|b| b.first < range.end)
            .map(|b| (b.first, Arc::clone(&b.payload)))
            .collect()
    }

    /// A block's events from its bytes (one of [`Self::payloads_overlapping`]).
    pub fn decode(payload: &[u8]) -> Vec<Event> {
        unpack_block(payload).unwrap_or_default()
    }

    /// The blocks, in order: each one's count of events and packed bytes (the binary format's
    /// event frames).
    pub(crate) fn payloads(&self) -> impl Iterator<Item = (usize, &[u8])> {
        self.blocks.iter().map(|b| (b.n, &*b.payload))
    }

    /// How many events.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes the packed blocks take.
    pub fn packed_bytes(&self) -> usize {
        self.blocks.iter().map(|b| b.payload.len()).sum()
    }

    /// The time of the last event.
    pub fn last_t(&self) -> Option<u64> {
        self.blocks.last().map(|b| b.last_t)
    }

    /// Block `k`'s events, decoded (or from the cache).
    fn block(&self, k: usize) -> Arc<[Event]> {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = cache.iter().position(|(b, _)| *b == k) {
            let hit = cache.remove(i);
            let events = Arc::clone(&hit.1);
            cache.insert(0, hit);
            return events;
        }
        // Blocks are packed by this build or checked when their file was read: one that does
        // not decode is a bug, and reads as no events rather than a crash.
        let events: Arc<[Event]> = self.blocks.get(k).map(|b| Self::decode(&b.payload)).unwrap_or_default().into();
        cache.insert(0, (k, Arc::clone(&events)));
        cache.truncate(2);
        events
    }

    /// The block holding event `i`.
    fn block_of(&self, i: usize) -> usize {
        self.blocks.partition_point(|b| b.first + b.n <= i)
    }

    /// Event `i`.
    pub fn get(&self, i: usize) -> Option<Event> {
        let k = self.block_of(i);
        let b = self.blocks.get(k)?;
        self.block(k).get(i - b.first).cloned()
    }

    /// How many events happened at or before `t_ns` (events are in time order).
    pub fn count_until(&self, t_ns: f64) -> usize {
        let k = self.blocks.partition_point(|b| (b.last_t as f64) <= t_ns);
        let Some(b) = self.blocks.get(k) else { return self.len };
        if (b.first_t as f64) > t_ns {
            return b.first;
        }
        b.first + self.block(k).partition_point(|e| (e.t_ns as f64) <= t_ns)
    }

    /// Call `f` with each event of `range` and its index, in order.
    pub fn for_each_in(&self, range: Range<usize>, mut f: impl FnMut(usize, &Event)) {
        let end = range.end.min(self.len);
        let mut i = range.start;
        while i < end {
            let k = self.block_of(i);
            let Some(b) = self.blocks.get(k) else { return };
            let events = self.block(k);
            let stop = end.min(b.first + b.n);
            for (j, e) in events.iter().enumerate().take(stop - b.first).skip(i - b.first) {
                f(b.first + j, e);
            }
            i = stop;
        }
    }

    /// Call `f` with every event, in order.
    pub fn for_each(&self, f: impl FnMut(usize, &Event)) {
        self.for_each_in(0..self.len, f);
    }

    /// The time of the first event after `t_ns` that `pred` accepts.
    pub fn next_time_after(&self, t_ns: f64, pred: impl Fn(&Event) -> bool) -> Option<u64> {
        let from = self.blocks.partition_point(|b| (b.last_t as f64) <= t_ns);
        (from..self.blocks.len())
            .find_map(|k| self.block(k).iter().find(|e| e.t_ns as f64 > t_ns && pred(e)).map(|e| e.t_ns))
    }

    /// The time of the last event before `t_ns`.
    pub fn prev_time_before(&self, t_ns: f64) -> Option<u64> {
        let upto = self.blocks.partition_point(|b| (b.first_t as f64) < t_ns);
        (0..upto).rev().find_map(|k| self.block(k).iter().rev().find(|e| (e.t_ns as f64) < t_ns).map(|e| e.t_ns))
    }

    /// Every event, decoded into one vector.
    pub fn unpack(&self) -> Vec<Event> {
        let mut out = Vec::with_capacity(self.len);
        self.for_each(|_, e| out.push(e.clone()));
        out
    }
}

/// A trace kept with its events packed: [`Trace`]'s description and tables in `meta` (whose
/// own `events` stay empty), the events in `events`.
#[derive(Clone, Debug)]
pub struct PackedTrace {
    /// Everything of the trace but its events.
    pub meta: Trace,
    /// The events.
    pub events: PackedEvents,
}

impl PackedTrace {
    /// Pack a trace's events.
    pub fn pack(mut trace: Trace) -> Self {
        let events = PackedEvents::pack(&trace.events);
        trace.events = Vec::new();
        Self { meta: trace, events }
    }

    /// Load a trace file. A binary one keeps its blocks as the file holds them (each decoded
    /// once, to check it); JSON is read whole, then packed.
    pub fn load(path: &Path) -> Result<Self, TraceError> {
        let bytes =
            std::fs::read(path).map_err(|source| TraceError::Io { path: path.display().to_string(), source })?;
        if crate::binary::is_binary(&bytes) {
            return crate::binary::read_packed(&bytes);
        }
        Trace::from_bytes(&bytes).map(Self::pack)
    }

    /// The whole trace, its events decoded.
    pub fn unpack(&self) -> Trace {
        Trace { events: self.events.unpack(), ..self.meta.clone() }
    }

    /// Save atomically, as [`Trace::save`] does: a binary file is written from the packed
    /// blocks as they are; `.json` decodes them.
    pub fn save(&self, path: &Path) -> Result<(), TraceError> {
        if crate::trace::is_json_name(path) {
            return self.unpack().save(path);
        }
        crate::trace::save_atomically(path, |w| crate::binary::write_packed(w, self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::EventKind;

    fn events(n: usize) -> Vec<Event> {
        (0..n)
            .map(|i| Event {
                seq: i as u64,
                t_ns: (i as u64 / 3) * 10,
                thread: (i % 2) as u32,
                process: 0,
                line: (i % 7) as u32,
                kind: if i % 5 == 0 { EventKind::GilAcquired } else { EventKind::CpuBegin { ms: (i % 4) as f64 } },
            })
            .collect()
    }

    #[test]
    fn packed_events_read_back_as_they_were() {
        let n = 2 * BLOCK + 123;
        let es = events(n);
        let p = PackedEvents::pack(&es);
        assert_eq!(p.len(), n);
        assert_eq!(p.unpack(), es);
        assert!(p.packed_bytes() < n, "about a byte an event or less: {} bytes", p.packed_bytes());
        for i in [0, 1, BLOCK - 1, BLOCK, BLOCK + 1, n - 1] {
            assert_eq!(p.get(i).as_ref(), Some(&es[i]), "event {i}");
        }
        assert_eq!(p.get(n), None);
        assert_eq!(p.last_t(), es.last().map(|e| e.t_ns));
        let mut seen = Vec::new();
        p.for_each_in(BLOCK - 2..BLOCK + 3, |i, e| seen.push((i, e.seq)));
        assert_eq!(seen, (BLOCK - 2..BLOCK + 3).map(|i| (i, i as u64)).collect::<Vec<_>>());
        for t in [-1.0, 0.0, 5.0, 10.0, 27_300.0, 27_305.0, 1e12] {
            assert_eq!(p.count_until(t), es.partition_point(|e| (e.t_ns as f64) <= t), "until {t}");
            let next = es.iter().find(|e| e.t_ns as f64 > t && e.kind == EventKind::GilAcquired).map(|e| e.t_ns);
            assert_eq!(p.next_time_after(t, |e| e.kind == EventKind::GilAcquired), next, "next after {t}");
            let prev = es.iter().rev().find(|e| (e.t_ns as f64) < t).map(|e| e.t_ns);
            assert_eq!(p.prev_time_before(t), prev, "before {t}");
        }
        assert!(PackedEvents::pack(&[]).is_empty());
    }

    /// Floats keep their sign and their infinities through packing (JSON has neither an
    /// infinity nor, for a cache comparing with `==`, a `-0.0` apart from `0.0`).
    #[test]
    fn packed_floats_keep_their_bits() {
        let fs = [0.0, -0.0, f64::INFINITY, 0.0, -0.0, f64::NEG_INFINITY, 2.5];
        let es: Vec<Event> = (0..200)
            .map(|i| Event {
                seq: i as u64,
                t_ns: i as u64,
                thread: 0,
                process: 0,
                line: 0,
                kind: EventKind::CpuBegin { ms: fs[i % fs.len()] },
            })
            .collect();
        let back = PackedEvents::pack(&es).unpack();
        assert_eq!(back.len(), es.len());
        for (a, b) in es.iter().zip(&back) {
            let (EventKind::CpuBegin { ms: x }, EventKind::CpuBegin { ms: y }) = (&a.kind, &b.kind) else {
                panic!("a kind changed")
            };
            assert_eq!(x.to_bits(), y.to_bits(), "event {}", a.seq);
        }
    }
}
