//! The run's vocabulary, in one place: what a scenario says about itself (title, topic,
//! sliders), the kinds of resources a program creates and how the views see them. The
//! thread and process tables ([`ThreadMeta`], [`ProcessMeta`]) and the GIL mode and
//! settings ([`GilMode`], [`RuntimeSettings`]) live beside the runtime that owns them and
//! are re-exported here, so the runtime, the timeline, traces and summaries all speak the
//! same words.

pub use crate::rt::{GilMode, ProcessMeta, RuntimeSettings, ThreadMeta};
use crate::value::Value;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
