//! Trace files: one run, saved as JSON, loaded back with a precise message for every way a
//! file can be wrong.
//!
//! | field       | type                | meaning                                             |
//! |-------------|---------------------|-----------------------------------------------------|
//! | `format`    | `"threadline-trace"`| identifies the file                                 |
//! | `version`   | integer             | [`TRACE_VERSION`]; older and newer are refused      |
//! | `scenario`  | object              | `id`, `name`, `topic`, `seed`, `description`, `params` (sliders) |
//! | `params`    | object name → value | parameter values used                               |
//! | `runtime`   | object              | `gil`, `switch_interval_ms`, `time_scale`           |
//! | `machine`   | object              | `cores`: logical CPUs of the machine that ran it     |
//! | `threads`   | array               | `name`, `process` (index), `daemon`; index 0 is MainThread |
//! | `processes` | array               | `name`, `pid`; index 0 is MainProcess               |
//! | `resources` | array               | `name`, `kind`, `capacity` (+ `style`, `duplex`)     |
//! | `vars`      | array of strings    | shared variable names                               |
//! | `events`    | array of events     | `seq`, `t_ns`, `thread`, `process`, `kind` ([`crate::event`]) in `seq` order |
//!
//! Saving writes a temporary file beside the target and renames it over the target, so a
//! crash never leaves half a trace where a good one was.

use crate::event::{Event, EventKind, WaitTarget};
use crate::model::{Params, ResourceInfo, ScenarioInfo};
use crate::model::{ProcessMeta, RuntimeSettings, ThreadMeta};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;
use thiserror::Error;

/// The value of `format` in every trace file.
pub const TRACE_FORMAT: &str = "threadline-trace";
/// The trace version this build writes and reads.
pub const TRACE_VERSION: u32 = 1;

/// Facts about the machine that matter to a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    /// Logical CPUs.
    pub cores: usize,
}

impl Machine {
    /// This machine.
    pub fn here() -> Self {
        Self { cores: cores() }
    }
}

/// The cores this process may use, asked once (the answer reads the scheduler's affinity and
/// cgroup files) — and asked before any thread is kept to one core (an explore worker's, see
/// the runtime's `Pool::on_one_core`), so `os.cpu_count()` and the pools' default sizes in a
/// program explored on a pinned thread are the machine's, as in a free run.
pub fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Items per chunk when `n` items are split across the cores ([`on_cores`]).
pub(crate) fn per_core(n: usize) -> usize {
    n.div_ceil(cores().min(n).max(1)).max(1)
}

/// `f` over `items` split into one chunk per core, each on a thread of its own (on this
/// thread when one chunk does): the results in order, `None` where a chunk's thread panicked.
pub(crate) fn on_cores<T: Sync, R: Send>(items: &[T], f: impl Fn(&[T]) -> R + Sync) -> Vec<Option<R>> {
    let per = per_core(items.len());
    if per >= items.len() {
        return vec![Some(f(items))];
    }
    std::thread::scope(|s| {
        let f = &f;
        let handles: Vec<_> = items.chunks(per).map(|c| s.spawn(move || f(c))).collect();
        handles.into_iter().map(|h| h.join().ok()).collect()
    })
}

/// What a recorded trace says about where it came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Recorded {
    /// `python3 --version`'s number (`3.11.7`).
    pub python: String,
    /// Nanoseconds the recorder adds to one `Lock` acquire + release (three events),
    /// measured at the start of the run.
    pub overhead_ns_per_lock_cycle: f64,
    /// What the recording cannot show.
    pub note: String,
    /// Event lines that could not be read (a process killed mid-write).
    #[serde(default)]
    pub unreadable_lines: usize,
    /// How the GIL's handoffs were inferred (CPython 3.12+ with a GIL: `sys.monitoring`),
    /// or None when they could not be (then `note` says why and there are no GIL events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gil_inferred: Option<String>,
    /// What watching the GIL cost each line of the scenario, in ns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gil_line_ns: Option<f64>,
}

/// One recorded run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trace {
    /// Always [`TRACE_FORMAT`].
    pub format: String,
    /// Always [`TRACE_VERSION`] when written by this build.
    pub version: u32,
    /// The scenario as run: title, topic, teaching point, sliders. (Traces written
    /// before scenarios were Python carry the whole JSON scenario here; the extra fields
    /// are ignored.)
    pub scenario: ScenarioInfo,
    /// Parameter values.
    pub params: Params,
    /// Runtime settings.
    pub runtime: RuntimeSettings,
    /// The machine.
    pub machine: Machine,
    /// Thread table.
    pub threads: Vec<ThreadMeta>,
    /// Process table.
    pub processes: Vec<ProcessMeta>,
    /// Resource table.
    pub resources: Vec<ResourceInfo>,
    /// Shared variable names.
    pub vars: Vec<String>,
    /// The events, in sequence order.
    pub events: Vec<Event>,
    /// The Python source the run executed (absent in traces written before scenarios were Python).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceFile>,
    /// Set when the run was recorded from the real CPython, not simulated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded: Option<Recorded>,
    /// Set when the run was controlled: its schedule (text form, `control::Schedule`),
    /// which replays it exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    /// Set by the loader when the file was cut short (a binary trace whose writer died): what
    /// it holds. Never written by a run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incomplete: Option<String>,
}

/// A scenario's source text, carried by its traces so a replay can show the code.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceFile {
    /// The file name as it was run.
    pub file: String,
    /// Its text.
    pub text: String,
}

/// What is wrong with a trace file.
#[derive(Debug, Error)]
pub enum TraceError {
    /// The file could not be read or written (callers name the file).
    #[error("{source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// Not JSON.
    #[error("not a JSON file: {message} at line {line}, column {column}")]
    NotJson {
        /// What the parser said.
        message: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// The file ends in the middle.
    #[error("the file is truncated: it ends at line {line}, column {column} in the middle of the JSON")]
    Truncated {
        /// Last line.
        line: usize,
        /// Last column.
        column: usize,
    },
    /// JSON, but not a Threadline trace.
    #[error("not a Threadline trace: `format` is {found}, expected \"{TRACE_FORMAT}\"")]
    WrongFormat {
        /// What `format` held.
        found: String,
    },
    /// A trace of another version.
    #[error("this trace is version {found}; this build of Threadline reads version {TRACE_VERSION}{hint}")]
    Version {
        /// The file's version.
        found: u64,
        /// A hint on what to do.
        hint: &'static str,
    },
    /// A field of the wrong shape (an unknown event kind, a missing field…).
    #[error("{path}: {message} (line {line}, column {column})")]
    Shape {
        /// Where (`events[12].kind`).
        path: String,
        /// What.
        message: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// A compressed trace that cannot be read to its end.
    #[error("the compressed trace {what} ({detail})")]
    Compressed {
        /// What is wrong, in words: "is cut short (was it still being written?)".
        what: &'static str,
        /// What the decompressor said.
        detail: String,
    },
    /// Well-formed, but inconsistent.
    #[error("events[{index}]: {message}")]
    Inconsistent {
        /// The event's index.
        index: usize,
        /// What.
        message: String,
    },
}

/// What a gzip stream begins with.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// The file extension of a compressed trace (any name not ending in `.json` is one).
pub const COMPACT_EXTENSION: &str = "tltrace";

#[derive(Deserialize)]
struct Header {
    format: Option<serde_json::Value>,
    version: Option<serde_json::Value>,
}

impl Trace {
    /// Serialize to JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parse and check trace text.
    pub fn from_json(text: &str) -> Result<Self, TraceError> {
        // Fast path: plain serde. Only a bad file pays for a second, path-tracking parse.
        if let Ok(trace) = serde_json::from_str::<Trace>(text) {
            check_header(Some(&serde_json::Value::String(trace.format.clone())), Some(&trace.version.into()))?;
            trace.check()?;
            return Ok(trace);
        }
        let de = &mut serde_json::Deserializer::from_str(text);
        let parsed: Result<Trace, _> = serde_path_to_error::deserialize(de);
        let trace = match parsed {
            Ok(t) => t,
            Err(e) => {
                let inner = e.inner();
                let (line, column) = (inner.line(), inner.column());
                match inner.classify() {
                    serde_json::error::Category::Eof => return Err(TraceError::Truncated { line, column }),
                    serde_json::error::Category::Syntax => {
                        let message = inner.to_string();
                        let message = message.split(" at line ").next().unwrap_or(&message).to_string();
                        return Err(TraceError::NotJson { message, line, column });
                    }
                    _ => {}
                }
                // Well-formed JSON: a wrong format or version explains more than the first bad field.
                if let Ok(h) = serde_json::from_str::<Header>(text) {
                    check_header(h.format.as_ref(), h.version.as_ref())?;
                }
                let path = e.path().to_string();
                let message = e.into_inner().to_string();
                let message = message.split(" at line ").next().unwrap_or(&message).to_string();
                return Err(TraceError::Shape { path, message, line, column });
            }
        };
        check_header(Some(&serde_json::Value::String(trace.format.clone())), Some(&trace.version.into()))?;
        trace.check()?;
        Ok(trace)
    }

    /// Check the events against the tables: order, thread and resource references.
    pub fn check(&self) -> Result<(), TraceError> {
        self.check_tables()?;
        let mut each = EventCheck::default();
        self.events.iter().try_for_each(|e| each.next(self, e))
    }

    /// [`Self::check`]'s part that reads no events: the sliders and the thread table.
    pub(crate) fn check_tables(&self) -> Result<(), TraceError> {
        if let Some(p) = self.scenario.params.iter().find(|p| !p.is_sane()) {
            return Err(TraceError::Inconsistent {
                index: 0,
                message: format!(
                    "the slider {} has the range {}..{} with default {}: a range must be finite with min <= max, and the default a number",
                    p.name, p.min, p.max, p.default
                ),
            });
        }
        for (i, t) in self.threads.iter().enumerate() {
            if t.process as usize >= self.processes.len() {
                return Err(TraceError::Inconsistent {
                    index: 0,
                    message: format!(
                        "threads[{i}] is in process {} but there are {} processes",
                        t.process,
                        self.processes.len()
                    ),
                });
            }
        }
        Ok(())
    }

    /// Load a trace file.
    pub fn load(path: &Path) -> Result<Self, TraceError> {
        let bytes =
            std::fs::read(path).map_err(|source| TraceError::Io { path: path.display().to_string(), source })?;
        Self::from_bytes(&bytes)
    }

    /// A trace from a file's bytes: the binary format ([`crate::binary`], which [`Self::save`]
    /// writes for any name not ending in `.json`), JSON, or JSON compressed with gzip (what
    /// earlier builds saved as `.tltrace`), told apart by their first bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TraceError> {
        if crate::binary::is_binary(bytes) {
            return crate::binary::read_trace(bytes);
        }
        if bytes.starts_with(&GZIP_MAGIC) {
            let mut text = String::new();
            let read = std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(bytes), &mut text);
            if let Err(e) = read {
                let what = match e.kind() {
                    std::io::ErrorKind::UnexpectedEof => "is cut short (was it still being written?)",
                    std::io::ErrorKind::InvalidData if e.to_string().contains("utf-8") => "does not hold text",
                    _ => "is damaged",
                };
                return Err(TraceError::Compressed { what, detail: e.to_string() });
            }
            return Self::from_json(&text);
        }
        let text = std::str::from_utf8(bytes).map_err(|e| TraceError::NotJson {
            message: format!("not UTF-8 text (byte {} is not valid UTF-8)", e.valid_up_to()),
            line: 1,
            column: 1,
        })?;
        Self::from_json(text)
    }

    /// Save atomically: write a temporary file beside `path`, then rename it over `path`. A
    /// name ending in `.json` gets plain JSON (to read or process with other tools); any
    /// other (`run.tltrace`) the binary format ([`crate::binary`]), a few bytes an event.
    pub fn save(&self, path: &Path) -> Result<(), TraceError> {
        if is_json_name(path) {
            return save_atomically(path, |w| serde_json::to_writer(w, self).map_err(std::io::Error::other));
        }
        save_atomically(path, |w| crate::binary::write_trace(w, self))
    }
}

/// [`Trace::check`]'s test of each event in turn, against the trace's tables: a trace whose
/// events are read a block at a time ([`crate::packed`]) is checked as it is read.
#[derive(Default)]
pub(crate) struct EventCheck {
    i: usize,
    prev: Option<(u64, u64)>,
}

impl EventCheck {
    /// Check the next event.
    pub(crate) fn next(&mut self, t: &Trace, e: &Event) -> Result<(), TraceError> {
        let (i, n_threads, n_res) = (self.i, t.threads.len() as u32, t.resources.len() as u32);
        let bad = |index, message: String| Err(TraceError::Inconsistent { index, message });
        if let Some((seq, t_ns)) = self.prev {
            if e.seq <= seq {
                return bad(i, format!("out of order: seq {} after seq {seq}", e.seq));
            }
            if e.t_ns < t_ns {
                return bad(i, format!("out of order: t_ns {} after t_ns {t_ns}", e.t_ns));
            }
        }
        if e.thread >= n_threads {
            return bad(i, format!("unknown thread {} (the trace has {n_threads})", e.thread));
        }
        if e.process as usize >= t.processes.len() {
            return bad(i, format!("unknown process {} (the trace has {})", e.process, t.processes.len()));
        }
        if let Some(r) = e.kind.resource()
            && r >= n_res
        {
            return bad(i, format!("unknown resource {r} (the trace has {n_res})"));
        }
        if let Some(t) = e.kind.other_thread()
            && t >= n_threads
        {
            return bad(i, format!("unknown thread {t} (the trace has {n_threads})"));
        }
        match &e.kind {
            EventKind::VarRead { var, .. } | EventKind::VarWrite { var, .. } if *var as usize >= t.vars.len() => {
                return bad(i, format!("unknown variable {var} (the trace has {})", t.vars.len()));
            }
            EventKind::Deadlock { cycle } => {
                for edge in cycle {
                    let ok = edge.thread < n_threads
                        && edge.held_by.is_none_or(|h| h < n_threads)
                        && match edge.waits_for {
                            WaitTarget::Resource(r) => r < n_res,
                            WaitTarget::Thread(t) => t < n_threads,
                        };
                    if !ok {
                        return bad(i, "the deadlock cycle names an unknown thread or resource".into());
                    }
                }
            }
            _ => {}
        }
        self.prev = Some((e.seq, e.t_ns));
        self.i += 1;
        Ok(())
    }
}

/// Whether `path` is a trace rather than a Python file: named `.json`, `.tltrace` or
/// `.tltrace.part` (what a run that died while writing leaves), or beginning as a binary or
/// gzipped trace does, whatever its name.
pub fn is_trace_file(path: &Path) -> bool {
    let name = path.to_string_lossy();
    if name.ends_with(".json") || name.ends_with(&format!(".{COMPACT_EXTENSION}")) || name.ends_with(".part") {
        return true;
    }
    let mut head = [0u8; 8];
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok_and(|()| crate::binary::is_binary(&head) || head.starts_with(&GZIP_MAGIC))
}

/// True when `path` names a JSON trace (`.json`); any other name is a binary one.
pub fn is_json_name(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

fn check_header(format: Option<&serde_json::Value>, version: Option<&serde_json::Value>) -> Result<(), TraceError> {
    match format {
        Some(serde_json::Value::String(s)) if s == TRACE_FORMAT => {}
        Some(other) => return Err(TraceError::WrongFormat { found: other.to_string() }),
        None => return Err(TraceError::WrongFormat { found: "missing".into() }),
    }
    match version.and_then(serde_json::Value::as_u64) {
        Some(v) if v == u64::from(TRACE_VERSION) => Ok(()),
        Some(v) if v > u64::from(TRACE_VERSION) => {
            Err(TraceError::Version { found: v, hint: ": it was written by a newer Threadline; update to open it" })
        }
        Some(v) => Err(TraceError::Version { found: v, hint: ": re-run its scenario to make a current trace" }),
        None => Err(TraceError::Shape {
            path: "version".into(),
            message: "missing or not an integer".into(),
            line: 1,
            column: 1,
        }),
    }
}

/// Write `path` through a temporary file and a rename, so readers never see half a file
/// and a crash mid-write leaves the old file intact.
pub fn save_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), TraceError> {
    let io = |source| TraceError::Io { path: path.display().to_string(), source };
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "trace".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let file = std::fs::File::create(&tmp)?;
        let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
        write(&mut w)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)
}
