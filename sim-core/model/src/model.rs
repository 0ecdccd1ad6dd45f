//! The run's vocabulary, in one place: what a scenario says about itself (title, topic,
//! sliders), the kinds of resources a program creates and how the views see them. The
//! thread and process tables ([`ThreadMeta`], [`ProcessMeta`]), the GIL mode and the
//! settings ([`GilMode`], [`RuntimeSettings`]) live here too, below the runtime that uses
//! them, so the runtime, the timeline, traces and summaries all speak the same words.

use crate::value::Value;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The most events one run keeps in full. The recorder packs them as it goes and the app
/// keeps them packed (about a byte an event), so what a run's events cost the app is mostly
/// the timeline drawn from them (≈ 55 bytes an event). Past it the run goes on, keeping only
/// the threads' starts and ends and, up to a twentieth more, prints and exceptions; an
/// `EventKind::EventLimit` marks the moment.
pub const MAX_EVENTS: usize = 10_000_000;

/// Which interpreter the run models.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum GilMode {
    /// CPython 3.10 and later: the eval breaker is checked only at loop back-edges and
    /// calls, so a plain `counter += 1` is never split between its load and its store.
    #[default]
    #[serde(rename = "cpython-3.10+")]
    Cpython310,
    /// CPython 3.9: a switch may fall between any two bytecodes, load and store included.
    #[serde(rename = "cpython-3.9")]
    Cpython39,
    /// No GIL (CPython 3.13t): threads run Python code in parallel.
    #[serde(rename = "free-threaded")]
    FreeThreaded,
}

impl GilMode {
    /// Every mode, in the order the app lists them.
    pub const ALL: [GilMode; 3] = [GilMode::Cpython310, GilMode::Cpython39, GilMode::FreeThreaded];

    /// The name used in files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            GilMode::Cpython310 => "cpython-3.10+",
            GilMode::Cpython39 => "cpython-3.9",
            GilMode::FreeThreaded => "free-threaded",
        }
    }

    /// Parse a name as written in files and on the command line.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// `sys.getswitchinterval()` by default: 5 ms.
pub const DEFAULT_SWITCH_INTERVAL_MS: f64 = 5.0;

/// How a run behaves, whatever the scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuntimeSettings {
    /// The interpreter model.
    pub gil: GilMode,
    /// The GIL switch interval in ms (a waiter's timeout, not the holder's time slice).
    pub switch_interval_ms: f64,
    /// Every `cpu`, `io`, `sleep` and timeout duration is multiplied by this.
    pub time_scale: f64,
    /// The most events the run keeps before it is stopped ([`MAX_EVENTS`]).
    #[serde(default = "max_events_default", skip_serializing_if = "is_max_events_default")]
    pub max_events: usize,
}

fn max_events_default() -> usize {
    MAX_EVENTS
}

fn is_max_events_default(n: &usize) -> bool {
    *n == MAX_EVENTS
}

impl Default for RuntimeSettings {
    fn default() -> Self {
        Self {
            gil: GilMode::default(),
            switch_interval_ms: DEFAULT_SWITCH_INTERVAL_MS,
            time_scale: 1.0,
            max_events: MAX_EVENTS,
        }
    }
}

/// What a thread is, for lanes and summaries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThreadMeta {
    /// `threading.current_thread().name` (or the process name for a process's main thread).
    pub name: String,
    /// Index of its simulated process.
    pub process: u32,
    /// `daemon=True`.
    pub daemon: bool,
    /// The target function's name, as Python shows it: `Thread-2 (print_numbers)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

/// A simulated process: its own GIL and its own copy of every variable.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProcessMeta {
    /// `multiprocessing.current_process().name`.
    pub name: String,
    /// The simulated `os.getpid()`.
    pub pid: u32,
}

/// What a trace says about the scenario it ran: taken from the Python file's docstring and
/// slider constants.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScenarioInfo {
    /// Short id used on the command line (`semaphore`): the file name without `.py`.
    pub id: String,
    /// Title (the docstring's first line).
    pub name: String,
    /// Group in the picker (`The GIL`, `Locks`, …).
    pub topic: String,
    /// The section of the notes it comes from.
    pub seed: String,
    /// The teaching point.
    pub description: String,
    /// Sliders, in order.
    pub params: Vec<Slider>,
}

/// A slider: a module-level constant with a `# slider: LO..HI Label` comment.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Slider {
    /// The constant's name (`THREADS`).
    pub name: String,
    /// The label (`Threads`).
    pub label: String,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// The value in the file.
    pub default: f64,
    /// A float slider (the file writes a float).
    pub float: bool,
    /// The line of the constant.
    pub line: u32,
}

impl Slider {
    /// Whether the range makes sense: finite bounds, `min <= max`, a finite default (which
    /// may lie outside the range: a file's constant need not fit its own slider comment).
    pub fn is_sane(&self) -> bool {
        self.min.is_finite() && self.max.is_finite() && self.default.is_finite() && self.min <= self.max
    }

    /// `v` brought into the range, never a panic: a value that is not a number, or a range
    /// that makes no sense (a hostile trace's), gives the default.
    pub fn clamp(&self, v: f64) -> f64 {
        if !self.is_sane() {
            return if self.default.is_finite() { self.default } else { 0.0 };
        }
        if v.is_nan() { self.default } else { v.clamp(self.min, self.max) }
    }

    /// `v` as the program holds it: an `int` for a whole-number slider (rounded), a `float`
    /// otherwise. The one place a slider's number becomes a Python value.
    pub fn value(&self, v: f64) -> Value {
        if self.float { Value::Float(v) } else { Value::Int(v.round() as i64) }
    }
}

/// How [`resolve_sliders`] treats a value outside its slider's range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fit {
    /// Refuse it, and a name that is not a slider (what the user typed: `--set`).
    Exact,
    /// Bring it into the range, and ignore names that are not sliders (values remembered
    /// from an earlier version of the file, a trace's parameters).
    Clamp,
}

/// A slider value that cannot be used: what and where (the slider's line, or 1).
#[derive(Clone, Debug, PartialEq)]
pub struct SliderError {
    /// The line of the slider's constant (1 for a name that is not a slider).
    pub line: u32,
    /// In words: `THREADS = 99 is outside its slider range 1..8`.
    pub message: String,
}

/// Every slider's value for a run: the given ones (by name; not a finite number: the
/// default) fitted to their ranges as `fit` says, the file's defaults for the rest, each as
/// the program holds it ([`Slider::value`]). The app, the CLI and traces all resolve
/// sliders here, once.
pub fn resolve_sliders<'a>(
    sliders: &[Slider],
    given: impl IntoIterator<Item = (&'a str, f64)>,
    fit: Fit,
) -> Result<Params, SliderError> {
    let mut out = Params::new();
    for (name, v) in given {
        let Some(s) = sliders.iter().find(|s| s.name == name) else {
            if fit == Fit::Clamp {
                continue;
            }
            let names: Vec<&str> = sliders.iter().map(|s| s.name.as_str()).collect();
            return Err(SliderError {
                line: 1,
                message: format!(
                    "{name} is not a slider of this file (its sliders: {})",
                    if names.is_empty() { "none".to_string() } else { names.join(", ") }
                ),
            });
        };
        let v = match fit {
            Fit::Clamp => s.clamp(if v.is_finite() { v } else { s.default }),
            Fit::Exact if v >= s.min && v <= s.max => v,
            Fit::Exact => {
                let shown =
                    if !s.float && v.fract() == 0.0 && v.is_finite() { format!("{v:.0}") } else { format!("{v}") };
                return Err(SliderError {
                    line: s.line,
                    message: format!("{name} = {shown} is outside its slider range {}..{}", s.min, s.max),
                });
            }
        };
        out.insert(name.to_string(), s.value(v));
    }
    for s in sliders {
        if !out.contains_key(&s.name) {
            // The file's own value, as written (it may lie outside its slider's range).
            out.insert(s.name.clone(), s.value(s.default));
        }
    }
    Ok(out)
}

/// Slider values by name, as run.
pub type Params = BTreeMap<String, Value>;

/// The kinds of resources.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    /// `threading.Lock` / `multiprocessing.Lock`.
    Lock,
    /// `threading.RLock`.
    Rlock,
    /// `threading.Semaphore`.
    Semaphore,
    /// `threading.BoundedSemaphore`.
    BoundedSemaphore,
    /// `threading.Condition`.
    Condition,
    /// `threading.Event`.
    Event,
    /// `threading.Barrier`: `capacity` parties; its counter is how many wait.
    Barrier,
    /// `queue.Queue` / `multiprocessing.Queue`.
    Queue,
    /// `multiprocessing.Pipe`.
    Pipe,
    /// `multiprocessing.Pool`, `ThreadPoolExecutor`, `ProcessPoolExecutor`.
    Pool,
}

impl ResourceKind {
    /// The name used in the JSON summary.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Lock => "lock",
            ResourceKind::Rlock => "rlock",
            ResourceKind::Semaphore => "semaphore",
            ResourceKind::BoundedSemaphore => "bounded_semaphore",
            ResourceKind::Condition => "condition",
            ResourceKind::Event => "event",
            ResourceKind::Barrier => "barrier",
            ResourceKind::Queue => "queue",
            ResourceKind::Pipe => "pipe",
            ResourceKind::Pool => "pool",
        }
    }
    /// Python's name for it.
    pub fn python_name(self) -> &'static str {
        match self {
            ResourceKind::Lock => "threading.Lock",
            ResourceKind::Rlock => "threading.RLock",
            ResourceKind::Semaphore => "threading.Semaphore",
            ResourceKind::BoundedSemaphore => "threading.BoundedSemaphore",
            ResourceKind::Condition => "threading.Condition",
            ResourceKind::Event => "threading.Event",
            ResourceKind::Barrier => "threading.Barrier",
            ResourceKind::Queue => "queue.Queue",
            ResourceKind::Pipe => "multiprocessing.Pipe",
            ResourceKind::Pool => "Pool",
        }
    }
    /// Acquired with `with` / `acquire` / `release`.
    pub fn is_acquirable(self) -> bool {
        matches!(self, Self::Lock | Self::Rlock | Self::Semaphore | Self::BoundedSemaphore | Self::Condition)
    }
}

/// Which pool API a pool resource models.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum PoolStyle {
    /// `multiprocessing.Pool`: worker processes `ForkPoolWorker-N`.
    #[default]
    #[serde(rename = "multiprocessing.Pool")]
    MpPool,
    /// `concurrent.futures.ThreadPoolExecutor`: threads in this process.
    #[serde(rename = "ThreadPoolExecutor")]
    ThreadPool,
    /// `concurrent.futures.ProcessPoolExecutor`: worker processes.
    #[serde(rename = "ProcessPoolExecutor")]
    ProcessPool,
}

/// A resource as the views and summaries see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResourceInfo {
    /// Its name.
    pub name: String,
    /// What it is.
    pub kind: ResourceKind,
    /// Semaphore initial value, queue maxsize (0 = unbounded), pool workers.
    pub capacity: i64,
    /// Pool API, for pools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<PoolStyle>,
    /// Pipe duplex flag, for pipes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplex: Option<bool>,
}

#[cfg(test)]
mod slider_tests {
    use super::*;

    fn slider(name: &str, min: f64, max: f64, default: f64, float: bool) -> Slider {
        Slider { name: name.into(), label: name.into(), min, max, default, float, line: 3 }
    }

    #[test]
    fn sliders_resolve_once_exactly_or_clamped() {
        let s = [slider("THREADS", 1.0, 8.0, 4.0, false), slider("DELAY", 0.0, 1.0, 0.5, true)];
        // Defaults filled in, whole-number sliders as ints (rounded).
        let r = resolve_sliders(&s, [("THREADS", 2.6)], Fit::Exact).unwrap();
        assert_eq!(r["THREADS"], Value::Int(3));
        assert_eq!(r["DELAY"], Value::Float(0.5));
        // Exact: out of range and unknown names are refused, saying where.
        let e = resolve_sliders(&s, [("THREADS", 99.0)], Fit::Exact).unwrap_err();
        assert_eq!((e.line, e.message.as_str()), (3, "THREADS = 99 is outside its slider range 1..8"));
        let e = resolve_sliders(&s, [("NOPE", 1.0)], Fit::Exact).unwrap_err();
        assert!(e.message.contains("NOPE is not a slider of this file (its sliders: THREADS, DELAY)"), "{e:?}");
        assert!(resolve_sliders(&s, [("THREADS", f64::NAN)], Fit::Exact).is_err());
        // Clamp: brought into range, a non-number gives the default, unknown names ignored.
        let r = resolve_sliders(&s, [("THREADS", 99.0), ("DELAY", f64::INFINITY), ("NOPE", 1.0)], Fit::Clamp).unwrap();
        assert_eq!((r["THREADS"].clone(), r["DELAY"].clone(), r.len()), (Value::Int(8), Value::Float(0.5), 2));
    }
}
