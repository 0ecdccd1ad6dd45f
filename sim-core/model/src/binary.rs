//! The binary trace format (`.tltrace`): a few bytes an event, loaded in a few tens of
//! milliseconds a million, and written while a run goes, so a run that dies keeps what it had
//! written up to its last complete block.
//!
//! ```text
//! file   := MAGIC  version:u32le  frame*
//! frame  := tag:u8  len:u32le  crc32(payload):u32le  payload[len]
//! tag 'H' the head  — zstd(JSON): format, version, scenario, params, runtime, machine,
//!                     source, and the tables as they were when the run began
//! tag 'E' a block   — zstd(columns) of up to BLOCK events (below)
//! tag 'T' the tail  — zstd(JSON): the final tables, recorded, schedule, and the event count
//! ```
//!
//! A block holds its events column by column, each a run of LEB128 varints: sequence numbers
//! and times as differences from the event before (the block's first from 0, so every block
//! reads alone), then threads, processes and lines, then each event's kind as an index into
//! the block's table of distinct kinds (each written once, as the JSON the `.json` trace
//! uses). A lock taken and released a million times is a handful of distinct kinds, so an
//! event is its few varints, and zstd folds the repeats.
//!
//! A file without its tail (the writer died) opens with the events of its complete blocks,
//! its tables grown by the `*New` events they hold, and [`crate::trace::Trace::incomplete`]
//! saying so. A frame whose checksum does not match is damage, and refused.

use crate::event::{Event, EventKind};
use crate::model::{Params, ProcessMeta, ResourceInfo, RuntimeSettings, ScenarioInfo, ThreadMeta};
use crate::packed::{PackedEvents, PackedTrace};
use crate::trace::{EventCheck, Machine, Recorded, SourceFile, Trace, TraceError};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Write;

/// What a binary trace begins with (PNG's trick: a high byte and line endings that text
/// tools would mangle).
pub const MAGIC: [u8; 8] = *b"\x89TLTRC\r\n";
/// The binary format's version this build writes and reads.
pub const BINARY_VERSION: u32 = 1;
/// Events per block.
pub const BLOCK: usize = 8192;
/// zstd's level: 3 is its default, fast to write while a run goes.
const LEVEL: i32 = 3;

const TAG_HEAD: u8 = b'H';
const TAG_EVENTS: u8 = b'E';
const TAG_TAIL: u8 = b'T';

/// Everything of a trace but its events; the head (the tables as the run began) and the tail
/// (as it ended, with the count of events).
#[derive(Serialize, Deserialize)]
struct Head<'a> {
    format: Cow<'a, str>,
    version: u32,
    scenario: Cow<'a, ScenarioInfo>,
    params: Cow<'a, Params>,
    runtime: Cow<'a, RuntimeSettings>,
    machine: Cow<'a, Machine>,
    threads: Cow<'a, [ThreadMeta]>,
    processes: Cow<'a, [ProcessMeta]>,
    resources: Cow<'a, [ResourceInfo]>,
    vars: Cow<'a, [String]>,
    #[serde(default)]
    source: Cow<'a, Option<SourceFile>>,
    #[serde(default)]
    recorded: Cow<'a, Option<Recorded>>,
    #[serde(default)]
    schedule: Cow<'a, Option<String>>,
    /// The tail's count of events (0 in the head).
    #[serde(default)]
    events: u64,
}

impl<'a> Head<'a> {
    fn of(t: &'a Trace, with_source: bool, events: u64) -> Self {
        Self {
            format: Cow::Borrowed(&t.format),
            version: t.version,
            scenario: Cow::Borrowed(&t.scenario),
            params: Cow::Borrowed(&t.params),
            runtime: Cow::Borrowed(&t.runtime),
            machine: Cow::Borrowed(&t.machine),
            threads: Cow::Borrowed(&t.threads),
            processes: Cow::Borrowed(&t.processes),
            resources: Cow::Borrowed(&t.resources),
            vars: Cow::Borrowed(&t.vars),
            source: if with_source { Cow::Borrowed(&t.source) } else { Cow::Owned(None) },
            recorded: Cow::Borrowed(&t.recorded),
            schedule: Cow::Borrowed(&t.schedule),
            events,
        }
    }

    fn into_trace(self, events: Vec<Event>) -> Trace {
        Trace {
            format: self.format.into_owned(),
            version: self.version,
            scenario: self.scenario.into_owned(),
            params: self.params.into_owned(),
            runtime: self.runtime.into_owned(),
            machine: self.machine.into_owned(),
            threads: self.threads.into_owned(),
            processes: self.processes.into_owned(),
            resources: self.resources.into_owned(),
            vars: self.vars.into_owned(),
            events,
            source: self.source.into_owned(),
            recorded: self.recorded.into_owned(),
            schedule: self.schedule.into_owned(),
            incomplete: None,
        }
    }
}

// ------------------------------------------------------------------ writing

/// Writes a binary trace a block at a time: the head when made, a block each [`BLOCK`]
/// events (flushed to the writer, so a reader — or a crash — sees every complete block), the
/// tail at [`TraceWriter::finish`].
pub struct TraceWriter<W: Write> {
    w: W,
    block: BlockEncoder,
    written: u64,
}

impl<W: Write> TraceWriter<W> {
    /// Start a trace: the magic, the version and the head, from `head`'s everything but its
    /// events (which are not written).
    pub fn new(mut w: W, head: &Trace) -> std::io::Result<Self> {
        w.write_all(&MAGIC)?;
        w.write_all(&BINARY_VERSION.to_le_bytes())?;
        write_json_frame(&mut w, TAG_HEAD, &Head::of(head, true, 0))?;
        Ok(Self { w, block: BlockEncoder::default(), written: 0 })
    }

    /// Add one event (in sequence order); a full block is written at once.
    pub fn push(&mut self, e: &Event) -> std::io::Result<()> {
        self.block.push(e);
        if self.block.len == BLOCK { self.write_block() } else { Ok(()) }
    }

    /// Events written or waiting for their block.
    pub fn events(&self) -> u64 {
        self.written + self.block.len as u64
    }

    /// Write the events waiting for their block now, as a shorter block: a slow run's events
    /// reach the file within a moment, not only every [`BLOCK`].
    pub fn write_block(&mut self) -> std::io::Result<()> {
        if self.block.len == 0 {
            return Ok(());
        }
        let n = self.block.len as u64;
        let raw = std::mem::take(&mut self.block).finish();
        let packed = zstd::bulk::compress(&raw, LEVEL)?;
        write_frame(&mut self.w, TAG_EVENTS, &packed)?;
        self.written += n;
        self.w.flush()
    }

    /// Write a block already packed ([`pack_block`]) of `n` events, after those written.
    fn write_packed_block(&mut self, n: usize, payload: &[u8]) -> std::io::Result<()> {
        self.write_block()?;
        write_frame(&mut self.w, TAG_EVENTS, payload)?;
        self.written += n as u64;
        Ok(())
    }

    /// Write what is left of the events and the tail (`tail`'s tables, recorded and
    /// schedule); returns the writer.
    pub fn finish(mut self, tail: &Trace) -> std::io::Result<W> {
        self.write_block()?;
        write_json_frame(&mut self.w, TAG_TAIL, &Head::of(tail, false, self.written))?;
        self.w.flush()?;
        Ok(self.w)
    }
}

/// A binary trace written while its run goes, to `FILE.PID.part` beside `FILE` (two runs
/// writing the same name at once each have their own), and renamed over `FILE` when the run
/// has ended (so a good trace under that name is never half overwritten): were the process to
/// die, the `.part` opens with the events of its complete blocks.
pub struct StreamedFile {
    part: std::path::PathBuf,
    target: std::path::PathBuf,
    w: TraceWriter<std::io::BufWriter<std::fs::File>>,
}

impl StreamedFile {
    /// The name written to while the run goes.
    pub fn part_of(target: &std::path::Path) -> std::path::PathBuf {
        let mut name = target.file_name().unwrap_or_default().to_os_string();
        name.push(format!(".{}.part", std::process::id()));
        target.with_file_name(name)
    }

    /// Begin `target`'s `.part` with `head` (the run's description and tables so far).
    pub fn create(target: &std::path::Path, head: &Trace) -> Result<Self, TraceError> {
        let part = Self::part_of(target);
        let io = |source| TraceError::Io { path: part.display().to_string(), source };
        let file = std::fs::File::create(&part).map_err(io)?;
        let w = TraceWriter::new(std::io::BufWriter::with_capacity(1 << 16, file), head).map_err(io)?;
        Ok(Self { part: part.clone(), target: target.to_path_buf(), w })
    }

    /// Add the next event.
    pub fn push(&mut self, e: &Event) -> Result<(), TraceError> {
        self.w.push(e).map_err(|source| TraceError::Io { path: self.part.display().to_string(), source })
    }

    /// Write the events so far to the file, in a block of their own.
    pub fn flush(&mut self) -> Result<(), TraceError> {
        self.w.write_block().map_err(|source| TraceError::Io { path: self.part.display().to_string(), source })
    }

    /// The run has ended with `trace`: write the rest and the tail, and rename the file over
    /// the target. Should the events streamed not be the trace's (they always are, from the
    /// recorder's live channel), or the last writes fail, the `.part` goes and the trace (all
    /// of it in memory) is saved whole instead, atomically.
    pub fn finish(self, trace: &PackedTrace) -> Result<(), TraceError> {
        let Self { part, target, w } = self;
        let done = (|| -> std::io::Result<()> {
            if w.events() != trace.events.len() as u64 {
                return Err(std::io::Error::other("the events streamed are not the run's"));
            }
            let file = w.finish(&trace.meta)?.into_inner().map_err(|e| e.into_error())?;
            file.sync_all()?;
            std::fs::rename(&part, &target)
        })();
        if done.is_err() {
            let _ = std::fs::remove_file(&part);
            return trace.save(&target);
        }
        Ok(())
    }

    /// Give up: remove the `.part` file.
    pub fn abandon(self) {
        let _ = std::fs::remove_file(&self.part);
    }
}

/// Write a whole trace in the binary format.
pub fn write_trace(w: &mut dyn Write, t: &Trace) -> std::io::Result<()> {
    let mut tw = TraceWriter::new(w, t)?;
    for e in &t.events {
        tw.push(e)?;
    }
    tw.finish(t).map(|_| ())
}

fn write_frame(w: &mut impl Write, tag: u8, payload: &[u8]) -> std::io::Result<()> {
    let len = u32::try_from(payload.len()).map_err(|_| std::io::Error::other("a trace block over 4 GB"))?;
    w.write_all(&[tag])?;
    w.write_all(&len.to_le_bytes())?;
    w.write_all(&crc32fast::hash(payload).to_le_bytes())?;
    w.write_all(payload)
}

fn write_json_frame(w: &mut impl Write, tag: u8, head: &Head<'_>) -> std::io::Result<()> {
    let json = serde_json::to_vec(head).map_err(std::io::Error::other)?;
    write_frame(w, tag, &zstd::bulk::compress(&json, LEVEL)?)
}

/// One block's columns while it fills.
#[derive(Default)]
struct BlockEncoder {
    len: usize,
    prev_seq: u64,
    prev_t: u64,
    seq: Vec<u8>,
    t: Vec<u8>,
    thread: Vec<u8>,
    process: Vec<u8>,
    line: Vec<u8>,
    kind: Vec<u8>,
    /// Each distinct kind's JSON, and its index.
    kinds: HashMap<Vec<u8>, u32>,
    /// The kinds met last and their indices, compared before a kind is written as JSON to
    /// look it up (a run repeats a few kinds: a lock's acquire and release, a GIL handoff).
    recent: Vec<(EventKind, u32)>,
    scratch: Vec<u8>,
}

/// Kinds [`BlockEncoder::recent`] remembers.
const RECENT: usize = 8;

/// A kind with no float in it: for these, equal kinds are written the same (`-0.0 == 0.0`, but
/// they are written differently), so the cache may answer for them.
fn plain_kind(k: &EventKind) -> bool {
    use EventKind as K;
    matches!(
        k,
        K::ThreadStarted
            | K::ThreadFinished
            | K::CpuEnd
            | K::IoEnd
            | K::GilRequested
            | K::GilAcquired
            | K::GilDropRequested
            | K::GilReleased { .. }
            | K::Acquired { .. }
            | K::Released { .. }
            | K::AcquireFailed { .. }
            | K::CondNotify { .. }
            | K::Requested { timeout_ms: None, .. }
    )
}

impl BlockEncoder {
    fn push(&mut self, e: &Event) {
        put(&mut self.seq, e.seq.wrapping_sub(self.prev_seq));
        put(&mut self.t, e.t_ns.wrapping_sub(self.prev_t));
        (self.prev_seq, self.prev_t) = (e.seq, e.t_ns);
        put(&mut self.thread, u64::from(e.thread));
        put(&mut self.process, u64::from(e.process));
        put(&mut self.line, u64::from(e.line));
        if let Some(&(_, ix)) = self.recent.iter().find(|(k, _)| *k == e.kind && plain_kind(k)) {
            put(&mut self.kind, u64::from(ix));
            self.len += 1;
            return;
        }
        self.scratch.clear();
        // An event kind is plain data: serializing it to a Vec cannot fail.
        let _ = serde_json::to_writer(&mut self.scratch, &e.kind);
        let next = self.kinds.len() as u32;
        let ix = match self.kinds.get(self.scratch.as_slice()) {
            Some(&ix) => ix,
            None => {
                self.kinds.insert(self.scratch.clone(), next);
                next
            }
        };
        put(&mut self.kind, u64::from(ix));
        if self.recent.len() == RECENT {
            self.recent.remove(0);
        }
        self.recent.push((e.kind.clone(), ix));
        self.len += 1;
    }

    /// The block's bytes: counts, the kinds' table, then each column with its length.
    fn finish(self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.seq.len() * 8 + 64);
        put(&mut out, self.len as u64);
        let mut table: Vec<(&Vec<u8>, u32)> = self.kinds.iter().map(|(k, &i)| (k, i)).collect();
        table.sort_unstable_by_key(|&(_, i)| i);
        put(&mut out, table.len() as u64);
        for (json, _) in table {
            put(&mut out, json.len() as u64);
            out.extend_from_slice(json);
        }
        for col in [&self.seq, &self.t, &self.thread, &self.process, &self.line, &self.kind] {
            put(&mut out, col.len() as u64);
            out.extend_from_slice(col);
        }
        out
    }
}

/// LEB128.
#[inline]
fn put(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

// ------------------------------------------------------------------ reading

struct Reader<'b> {
    b: &'b [u8],
    at: usize,
}

impl<'b> Reader<'b> {
    #[inline]
    fn varint(&mut self) -> Option<u64> {
        let mut v = 0u64;
        let mut shift = 0;
        loop {
            let byte = *self.b.get(self.at)?;
            self.at += 1;
            if shift > 63 {
                return None;
            }
            v |= u64::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                return Some(v);
            }
            shift += 7;
        }
    }

    fn bytes(&mut self, n: usize) -> Option<&'b [u8]> {
        let end = self.at.checked_add(n)?;
        let s = self.b.get(self.at..end)?;
        self.at = end;
        Some(s)
    }

    fn clone_reader(&self) -> Reader<'b> {
        Reader { b: self.b, at: self.at }
    }

    fn column(&mut self) -> Option<Reader<'b>> {
        let n = usize::try_from(self.varint()?).ok()?;
        Some(Reader { b: self.bytes(n)?, at: 0 })
    }
}

fn damaged(detail: String) -> TraceError {
    TraceError::Compressed { what: "is damaged", detail }
}

/// True when `bytes` begin as a binary trace.
pub fn is_binary(bytes: &[u8]) -> bool {
    bytes.starts_with(&MAGIC)
}

/// A binary trace's frames: its head, its blocks of events (each with its byte offset), its
/// tail when it has one, and whether the file stops inside a frame.
struct Frames<'b> {
    head: Head<'static>,
    blocks: Vec<(usize, &'b [u8])>,
    tail: Option<Head<'static>>,
    cut: bool,
}

/// Read a binary trace (the caller checked [`is_binary`]).
pub fn read_trace(bytes: &[u8]) -> Result<Trace, TraceError> {
    let Frames { head, blocks, tail, cut } = frames(bytes)?;
    let events = decode_blocks(&blocks)?;
    if let Some(tail) = &tail {
        check_count(tail.events, events.len())?;
    }
    let mut trace = trace_of(head, tail);
    if trace.incomplete.is_some() {
        grow_tables(&mut trace, &events);
        trace.incomplete = Some(incomplete(cut, events.len()));
    }
    let trace = Trace { events, ..trace };
    trace.check()?;
    Ok(trace)
}

/// The trace a file describes, without its events: the tail's tables (and the head's source)
/// or, with no tail, the head's, marked incomplete (its words are set once the events are
/// counted).
fn trace_of(head: Head<'static>, tail: Option<Head<'static>>) -> Trace {
    match tail {
        Some(tail) => {
            let source = head.source.into_owned();
            Trace { source, ..tail.into_trace(Vec::new()) }
        }
        None => Trace { incomplete: Some(String::new()), ..head.into_trace(Vec::new()) },
    }
}

/// A tail's count of events against the blocks'.
fn check_count(said: u64, n: usize) -> Result<(), TraceError> {
    if said != n as u64 {
        return Err(damaged(format!("its blocks hold {n} events and its end says {said}")));
    }
    Ok(())
}

/// What a trace without its tail says it holds.
fn incomplete(cut: bool, n: usize) -> String {
    format!(
        "the file was cut short{}: it holds the first {n} events, up to its last complete block",
        if cut { " in the middle of a block" } else { "" },
    )
}

/// Read a binary trace keeping its events packed as the file holds them ([`PackedTrace`]):
/// each block is decoded once, to check it, and only its compressed bytes are kept.
pub fn read_packed(bytes: &[u8]) -> Result<PackedTrace, TraceError> {
    let Frames { head, blocks, tail, cut } = frames(bytes)?;
    let said = tail.as_ref().map(|t| t.events);
    let mut meta = trace_of(head, tail);
    let decode = |at: usize, payload: &[u8], budget: &std::sync::atomic::AtomicU64| {
        let mut out = Vec::new();
        decode_frame(at, payload, &mut out, budget).map(|()| out)
    };
    if meta.incomplete.is_some() {
        // A file without its tail: its tables grow with the `*New` events of the blocks it
        // kept, before the events are checked against them (a first pass, with its own
        // budget: each block is decoded twice).
        let first = std::sync::atomic::AtomicU64::new(0);
        for &(at, p) in &blocks {
            grow_tables(&mut meta, &decode(at, p, &first)?);
        }
    }
    meta.check_tables()?;
    let budget = std::sync::atomic::AtomicU64::new(0);
    let mut check = EventCheck::default();
    let mut events = PackedEvents::default();
    for &(at, p) in &blocks {
        let block = decode(at, p, &budget)?;
        block.iter().try_for_each(|e| check.next(&meta, e))?;
        events.push_packed(&block, std::sync::Arc::from(p));
    }
    match said {
        Some(said) => check_count(said, events.len())?,
        None => meta.incomplete = Some(incomplete(cut, events.len())),
    }
    Ok(PackedTrace { meta, events })
}

/// The events of `events`, as one block's frame payload: zstd of the block's columns.
pub(crate) fn pack_block(events: &[Event]) -> Vec<u8> {
    let mut block = BlockEncoder::default();
    events.iter().for_each(|e| block.push(e));
    // Compressing bytes in memory fails only where memory does.
    zstd::bulk::compress(&block.finish(), LEVEL).unwrap_or_default()
}

/// A block's events from its frame payload (one [`pack_block`] made, or a file's that was
/// checked when it was read).
pub(crate) fn unpack_block(payload: &[u8]) -> Result<Vec<Event>, TraceError> {
    let mut out = Vec::new();
    decode_frame(0, payload, &mut out, &std::sync::atomic::AtomicU64::new(0))?;
    Ok(out)
}

/// Write a packed trace in the binary format: its blocks as they are, without decoding them.
pub(crate) fn write_packed(w: &mut dyn Write, t: &PackedTrace) -> std::io::Result<()> {
    let mut tw = TraceWriter::new(w, &t.meta)?;
    for (n, payload) in t.events.payloads() {
        tw.write_packed_block(n, payload)?;
    }
    tw.finish(&t.meta).map(|_| ())
}

fn frames(bytes: &[u8]) -> Result<Frames<'_>, TraceError> {
    let version_bytes = bytes.get(8..12).ok_or(TraceError::Compressed {
        what: "is cut short (was it still being written?)",
        detail: "it ends inside its first 12 bytes".into(),
    })?;
    let version = u32::from_le_bytes(version_bytes.try_into().unwrap_or_default());
    if version != BINARY_VERSION {
        let hint = if version > BINARY_VERSION {
            ": it was written by a newer Threadline; update to open it"
        } else {
            ": re-run its scenario to make a current trace"
        };
        return Err(TraceError::Version { found: u64::from(version), hint });
    }
    // The frames, up to the end or to a frame the file stops inside of (a writer that died).
    let mut at = 12;
    let mut frames = Vec::new();
    let mut cut = false;
    while at < bytes.len() {
        let Some(h) = bytes.get(at..at + 9) else {
            cut = true;
            break;
        };
        let len = u32::from_le_bytes([h[1], h[2], h[3], h[4]]) as usize;
        let crc = u32::from_le_bytes([h[5], h[6], h[7], h[8]]);
        let Some(payload) = bytes.get(at + 9..at + 9 + len) else {
            cut = true;
            break;
        };
        if crc32fast::hash(payload) != crc {
            return Err(damaged(format!("the block at byte {at} does not match its checksum")));
        }
        frames.push((h[0], at, payload));
        at += 9 + len;
    }
    let mut frames = frames.into_iter();
    let head = match frames.next() {
        Some((TAG_HEAD, at, p)) => json_frame(p, at)?,
        Some((tag, at, _)) => {
            return Err(damaged(format!("it begins with a frame of kind {tag} at byte {at}, not its head")));
        }
        None => {
            return Err(TraceError::Compressed {
                what: "is cut short (was it still being written?)",
                detail: "it ends before the run's description".into(),
            });
        }
    };
    let mut blocks = Vec::new();
    let mut tail = None;
    for (tag, at, p) in frames {
        match tag {
            TAG_EVENTS if tail.is_none() => blocks.push((at, p)),
            TAG_TAIL if tail.is_none() => tail = Some(json_frame(p, at)?),
            _ => return Err(damaged(format!("an unexpected frame of kind {tag} at byte {at}"))),
        }
    }
    if head.format != crate::trace::TRACE_FORMAT || head.version != crate::trace::TRACE_VERSION {
        let found = u64::from(head.version);
        let hint = if found > u64::from(crate::trace::TRACE_VERSION) {
            ": it was written by a newer Threadline; update to open it"
        } else {
            ": re-run its scenario to make a current trace"
        };
        return Err(TraceError::Version { found, hint });
    }
    Ok(Frames { head, blocks, tail, cut })
}

/// The most a frame may unpack to (a block of 8 192 events with long printed lines is a few
/// MB): past it, the frame is damage (or a decompression bomb), not a reason to fill memory.
const MAX_UNPACKED: u64 = 1 << 30;

/// A frame's payload, unpacked.
fn unpack(payload: &[u8], at: usize) -> Result<Vec<u8>, TraceError> {
    use std::io::Read;
    let mut out = Vec::new();
    let dec = zstd::stream::read::Decoder::new(payload).map_err(|e| damaged(format!("the frame at byte {at}: {e}")))?;
    dec.take(MAX_UNPACKED + 1).read_to_end(&mut out).map_err(|e| damaged(format!("the frame at byte {at}: {e}")))?;
    if out.len() as u64 > MAX_UNPACKED {
        return Err(damaged(format!("the frame at byte {at} unpacks to more than {MAX_UNPACKED} bytes")));
    }
    Ok(out)
}

fn json_frame(payload: &[u8], at: usize) -> Result<Head<'static>, TraceError> {
    let json = unpack(payload, at)?;
    serde_json::from_slice(&json).map_err(|e| damaged(format!("the frame at byte {at}: {e}")))
}

/// Decode the blocks, on as many threads as there are cores (each block reads alone).
fn decode_blocks(blocks: &[(usize, &[u8])]) -> Result<Vec<Event>, TraceError> {
    let budget = std::sync::atomic::AtomicU64::new(0);
    let parts = crate::trace::on_cores(blocks, |c| decode_some(c, &budget))
        .into_iter()
        .map(|p| p.unwrap_or_else(|| Err(damaged("a block could not be decoded".into()))));
    let mut events = Vec::new();
    for p in parts {
        let p = p?;
        if events.is_empty() {
            events = p;
        } else {
            events.extend(p);
        }
    }
    Ok(events)
}

/// The most bytes of event kinds (as their JSON) a trace may hold in all, counting each
/// event's copy: a real run's 2 000 000 events take some tens of MB. A few KB of zstd can
/// unpack to a block whose every event repeats a megabyte-long kind; past this, the file is
/// refused instead of filling the memory.
const MAX_KIND_BYTES: u64 = 1 << 30;

fn decode_some(blocks: &[(usize, &[u8])], budget: &std::sync::atomic::AtomicU64) -> Result<Vec<Event>, TraceError> {
    let mut out = Vec::new();
    for &(at, payload) in blocks {
        decode_frame(at, payload, &mut out, budget)?;
    }
    Ok(out)
}

/// The events of the block frame at byte `at` (its `payload`), added to `out`.
fn decode_frame(
    at: usize,
    payload: &[u8],
    out: &mut Vec<Event>,
    budget: &std::sync::atomic::AtomicU64,
) -> Result<(), TraceError> {
    let raw = unpack(payload, at)?;
    decode_block(&raw, out, budget).ok_or_else(|| damaged(format!("the block at byte {at} does not decode")))?
}

fn decode_block(
    raw: &[u8],
    out: &mut Vec<Event>,
    budget: &std::sync::atomic::AtomicU64,
) -> Option<Result<(), TraceError>> {
    let mut r = Reader { b: raw, at: 0 };
    // Every event takes at least a byte of each column, every kind a byte: a count past the
    // block's size is damage, not a reason to reserve memory for it.
    // A writer puts at most BLOCK events in a block.
    let n = usize::try_from(r.varint()?).ok().filter(|&n| n <= raw.len() && n <= BLOCK)?;
    let n_kinds = usize::try_from(r.varint()?).ok().filter(|&n| n <= raw.len())?;
    let mut kinds: Vec<EventKind> = Vec::with_capacity(n_kinds.min(n));
    let mut sizes: Vec<u64> = Vec::with_capacity(n_kinds.min(n));
    for _ in 0..n_kinds {
        let len = usize::try_from(r.varint()?).ok()?;
        match serde_json::from_slice(r.bytes(len)?) {
            Ok(k) => {
                kinds.push(k);
                sizes.push(len as u64);
            }
            Err(e) => return Some(Err(damaged(format!("an event kind in a block: {e}")))),
        }
    }
    let (mut seq, mut t, mut thread, mut process, mut line, mut kind) =
        (r.column()?, r.column()?, r.column()?, r.column()?, r.column()?, r.column()?);
    // What the events' copies of their kinds will take, before making them.
    let mut weigh = kind.clone_reader();
    let mut weight = 0u64;
    for _ in 0..n {
        weight += sizes.get(usize::try_from(weigh.varint()?).ok()?)?;
    }
    if budget.fetch_add(weight, std::sync::atomic::Ordering::Relaxed).saturating_add(weight) > MAX_KIND_BYTES {
        return Some(Err(damaged(format!(
            "its events would take more than {} MB of memory (a real run's take a few tens)",
            MAX_KIND_BYTES >> 20
        ))));
    }
    out.reserve(n);
    let (mut s, mut tn) = (0u64, 0u64);
    for _ in 0..n {
        s = s.wrapping_add(seq.varint()?);
        tn = tn.wrapping_add(t.varint()?);
        let k = kinds.get(usize::try_from(kind.varint()?).ok()?)?.clone();
        out.push(Event {
            seq: s,
            t_ns: tn,
            thread: u32::try_from(thread.varint()?).ok()?,
            process: u32::try_from(process.varint()?).ok()?,
            line: u32::try_from(line.varint()?).ok()?,
            kind: k,
        });
    }
    Some(Ok(()))
}

/// A trace without its tail: its tables grown by the `*New` events of the blocks it kept, as
/// a live run's timeline grows them.
fn grow_tables(t: &mut Trace, events: &[Event]) {
    for e in events {
        match &e.kind {
            EventKind::ThreadNew { index, meta } if *index as usize == t.threads.len() => {
                t.threads.push((**meta).clone());
            }
            EventKind::ProcessNew { index, meta } if *index as usize == t.processes.len() => {
                t.processes.push((**meta).clone());
            }
            EventKind::ResourceNew { index, info } if *index as usize == t.resources.len() => {
                t.resources.push((**info).clone());
            }
            EventKind::VarNew { index, name } if *index as usize == t.vars.len() => t.vars.push(name.clone()),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> Trace {
        Trace::from_json(include_str!("../../tests/fixtures/trace-v1.json")).unwrap()
    }

    /// A tiny deterministic generator (xorshift).
    fn rng(seed: &mut u64) -> u64 {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed
    }

    #[test]
    fn a_whole_trace_round_trips() {
        let t = fixture();
        let mut b = Vec::new();
        write_trace(&mut b, &t).unwrap();
        assert_eq!(read_trace(&b).unwrap(), t);
    }

    /// Damage past the checksums: each block's bytes changed and framed again with a good
    /// checksum, so the decoder itself meets them. A message or a trace, never a panic.
    #[test]
    fn blocks_damaged_behind_good_checksums_are_refused_not_a_panic() {
        let t = fixture();
        let mut b = Vec::new();
        write_trace(&mut b, &t).unwrap();
        let mut seed = 0x9e37_79b9_7f4a_7c15;
        let (mut refused, mut read) = (0, 0);
        for case in 0..2_000 {
            // The frames, re-made with one of them changed.
            let mut out = b[..12].to_vec();
            let mut at = 12;
            let pick = rng(&mut seed) % 3;
            let mut i = 0;
            while at + 9 <= b.len() {
                let len = u32::from_le_bytes(b[at + 1..at + 5].try_into().unwrap()) as usize;
                let payload = &b[at + 9..at + 9 + len];
                let mut raw = zstd::decode_all(payload).unwrap();
                if i == pick && !raw.is_empty() {
                    for _ in 0..1 + rng(&mut seed) % 4 {
                        if raw.is_empty() {
                            break;
                        }
                        let k = (rng(&mut seed) as usize) % raw.len();
                        match rng(&mut seed) % 3 {
                            0 => raw[k] ^= 1 << (rng(&mut seed) % 8),
                            1 => raw[k] = rng(&mut seed) as u8,
                            _ => raw.truncate(k),
                        }
                    }
                }
                write_frame(&mut out, b[at], &zstd::bulk::compress(&raw, 1).unwrap()).unwrap();
                at += 9 + len;
                i += 1;
            }
            match std::panic::catch_unwind(|| read_trace(&out)) {
                Ok(Ok(_)) => read += 1,
                Ok(Err(e)) => {
                    assert!(!e.to_string().is_empty());
                    refused += 1;
                }
                Err(_) => panic!("case {case} panicked"),
            }
        }
        assert!(refused > 500, "{refused} refused, {read} read");
    }

    /// The same file read whole and read packed: the same trace, or the same refusal.
    fn same_either_way(bytes: &[u8]) {
        match (read_trace(bytes), read_packed(bytes)) {
            (Ok(whole), Ok(packed)) => assert_eq!(packed.unpack(), whole),
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
            (a, b) => panic!("read whole: {:?}; read packed: {:?}", a.map(|_| ()), b.map(|_| ())),
        }
    }

    #[test]
    fn a_trace_read_packed_is_the_trace_read_whole_and_saves_back_the_same() {
        let mut t = fixture();
        // Several blocks.
        let one = t.events.clone();
        let step = one.last().map_or(0, |e| e.t_ns + 1);
        for round in 1..(2 * BLOCK / one.len() + 2) as u64 {
            t.events.extend(one.iter().map(|e| Event {
                seq: e.seq + round * one.len() as u64,
                t_ns: e.t_ns + round * step,
                ..e.clone()
            }));
        }
        let mut b = Vec::new();
        write_trace(&mut b, &t).unwrap();
        same_either_way(&b);
        let packed = read_packed(&b).unwrap();
        assert_eq!(packed.events.len(), t.events.len());
        let mut again = Vec::new();
        write_packed(&mut again, &packed).unwrap();
        assert_eq!(read_trace(&again).unwrap(), t, "written from its packed blocks");
        assert_eq!(crate::packed::PackedTrace::pack(t.clone()).unpack(), t);
        // Cut anywhere: the same prefix, or the same message.
        for cut in (0..b.len()).step_by(97) {
            same_either_way(&b[..cut]);
        }
    }

    #[test]
    fn any_cut_and_any_flipped_byte_is_a_message_or_a_prefix() {
        let t = fixture();
        let mut b = Vec::new();
        write_trace(&mut b, &t).unwrap();
        for cut in 0..b.len() {
            same_either_way(&b[..cut]);
            match read_trace(&b[..cut]) {
                Ok(p) => assert!(t.events.starts_with(&p.events) && p.incomplete.is_some()),
                Err(e) => {
                    assert!(e.to_string().contains("cut short") || e.to_string().contains("version"), "{cut}: {e}")
                }
            }
        }
        for k in 12..b.len() {
            let mut bad = b.clone();
            bad[k] ^= 0x20;
            same_either_way(&bad);
            if let Ok(back) = read_trace(&bad) {
                // Only a flip that the frames' lengths absorb could read: never a changed event.
                assert!(t.events.starts_with(&back.events), "byte {k}");
            }
        }
    }

    /// A head taken from a real trace, then `frames` after it.
    fn file_with(frames: &[(u8, Vec<u8>)]) -> Vec<u8> {
        let mut b = Vec::new();
        let t = fixture();
        TraceWriter::new(&mut b, &t).unwrap();
        for (tag, payload) in frames {
            write_frame(&mut b, *tag, payload).unwrap();
        }
        b
    }

    #[test]
    fn a_small_file_that_would_unpack_to_gigabytes_is_refused() {
        // One block: 8 192 events of one 200 KB kind — 1.6 GB of copies from a few KB of zstd.
        let mut raw = Vec::new();
        put(&mut raw, BLOCK as u64);
        put(&mut raw, 1);
        let kind = serde_json::to_vec(&EventKind::Print { line: "x".repeat(200_000), stderr: false }).unwrap();
        put(&mut raw, kind.len() as u64);
        raw.extend_from_slice(&kind);
        for _ in 0..6 {
            put(&mut raw, BLOCK as u64);
            raw.extend(std::iter::repeat_n(0u8, BLOCK));
        }
        let packed = zstd::bulk::compress(&raw, 3).unwrap();
        assert!(packed.len() < 4096, "{}", packed.len());
        let err = read_trace(&file_with(&[(TAG_EVENTS, packed)])).unwrap_err().to_string();
        assert!(err.contains("more than"), "{err}");
        // And a file of many empty frames reserves nothing for them: a message, at once.
        let frames: Vec<(u8, Vec<u8>)> = (0..50_000).map(|_| (TAG_EVENTS, Vec::new())).collect();
        let err = read_trace(&file_with(&frames)).unwrap_err().to_string();
        assert!(err.contains("damaged"), "{err}");
    }

    #[test]
    fn a_trace_of_a_newer_event_model_says_update_not_damaged() {
        let mut t = fixture();
        t.version = crate::trace::TRACE_VERSION + 1;
        let mut b = Vec::new();
        write_trace(&mut b, &t).unwrap();
        let err = read_trace(&b).unwrap_err().to_string();
        assert!(err.contains("newer Threadline"), "{err}");
    }

    #[test]
    fn varints_round_trip_at_every_width() {
        let vals = [0u64, 1, 127, 128, 300, 16_383, 16_384, u64::from(u32::MAX), u64::MAX];
        let mut b = Vec::new();
        for v in vals {
            put(&mut b, v);
        }
        let mut r = Reader { b: &b, at: 0 };
        for v in vals {
            assert_eq!(r.varint(), Some(v));
        }
        assert_eq!(r.varint(), None);
    }
}
