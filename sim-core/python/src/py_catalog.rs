//! The built-in catalog of Python scenarios: every `.py` file of `saved-scenarios/`,
//! embedded in the binary so the app and `threadline run ID` work from any folder.

use crate::py::{CompileError, Meta, Slider};

/// (id, source) of every built-in scenario, in picker order.
pub const PY_FILES: &[(&str, &str)] = &[
    ("gil-order-dependence", include_str!("../../../saved-scenarios/gil-order-dependence.py")),
    ("cpu-bound-single", include_str!("../../../saved-scenarios/cpu-bound-single.py")),
    ("cpu-bound-threads", include_str!("../../../saved-scenarios/cpu-bound-threads.py")),
    ("cpu-bound-free-threaded", include_str!("../../../saved-scenarios/cpu-bound-free-threaded.py")),
    ("cpu-bound-processes", include_str!("../../../saved-scenarios/cpu-bound-processes.py")),
    ("io-bound-threads", include_str!("../../../saved-scenarios/io-bound-threads.py")),
    ("asyncio-io-bound", include_str!("../../../saved-scenarios/asyncio-io-bound.py")),
    ("asyncio-blocking-call", include_str!("../../../saved-scenarios/asyncio-blocking-call.py")),
    ("asyncio-vs-threads", include_str!("../../../saved-scenarios/asyncio-vs-threads.py")),
    ("asyncio-race", include_str!("../../../saved-scenarios/asyncio-race.py")),
    ("asyncio-producer-consumer", include_str!("../../../saved-scenarios/asyncio-producer-consumer.py")),
    ("asyncio-cpu-to-thread", include_str!("../../../saved-scenarios/asyncio-cpu-to-thread.py")),
    ("gil-convoy", include_str!("../../../saved-scenarios/gil-convoy.py")),
    ("print-numbers", include_str!("../../../saved-scenarios/print-numbers.py")),
    ("lock-counter", include_str!("../../../saved-scenarios/lock-counter.py")),
    ("lock-nonblocking-pitfall", include_str!("../../../saved-scenarios/lock-nonblocking-pitfall.py")),
    ("lock-nonblocking-fixed", include_str!("../../../saved-scenarios/lock-nonblocking-fixed.py")),
    ("rlock-recursion", include_str!("../../../saved-scenarios/rlock-recursion.py")),
    ("deadlock", include_str!("../../../saved-scenarios/deadlock.py")),
    ("deadlock-fixed", include_str!("../../../saved-scenarios/deadlock-fixed.py")),
    ("daemon-threads", include_str!("../../../saved-scenarios/daemon-threads.py")),
    ("semaphore", include_str!("../../../saved-scenarios/semaphore.py")),
    ("bounded-semaphore", include_str!("../../../saved-scenarios/bounded-semaphore.py")),
    ("race-counter", include_str!("../../../saved-scenarios/race-counter.py")),
    ("race-counter-call", include_str!("../../../saved-scenarios/race-counter-call.py")),
    ("race-39-vs-310", include_str!("../../../saved-scenarios/race-39-vs-310.py")),
    ("race-counter-lock", include_str!("../../../saved-scenarios/race-counter-lock.py")),
    ("condition-producer-consumer", include_str!("../../../saved-scenarios/condition-producer-consumer.py")),
    ("condition-wait-for", include_str!("../../../saved-scenarios/condition-wait-for.py")),
    ("barrier", include_str!("../../../saved-scenarios/barrier.py")),
    ("processes-parallel", include_str!("../../../saved-scenarios/processes-parallel.py")),
    ("process-isolation", include_str!("../../../saved-scenarios/process-isolation.py")),
    ("pipe-hello", include_str!("../../../saved-scenarios/pipe-hello.py")),
    ("pipe-sentinel", include_str!("../../../saved-scenarios/pipe-sentinel.py")),
    ("mp-queue-producer-consumer", include_str!("../../../saved-scenarios/mp-queue-producer-consumer.py")),
    ("queue-put-timeout", include_str!("../../../saved-scenarios/queue-put-timeout.py")),
    ("queue-get-timeout", include_str!("../../../saved-scenarios/queue-get-timeout.py")),
    ("mp-lock", include_str!("../../../saved-scenarios/mp-lock.py")),
    ("mp-semaphore", include_str!("../../../saved-scenarios/mp-semaphore.py")),
    ("pool-map-apply-starmap", include_str!("../../../saved-scenarios/pool-map-apply-starmap.py")),
    ("pool-apply-async", include_str!("../../../saved-scenarios/pool-apply-async.py")),
    ("pool-starmap-helper", include_str!("../../../saved-scenarios/pool-starmap-helper.py")),
    ("pool-partial-map", include_str!("../../../saved-scenarios/pool-partial-map.py")),
    ("thread-pool-executor", include_str!("../../../saved-scenarios/thread-pool-executor.py")),
    ("process-pool-executor", include_str!("../../../saved-scenarios/process-pool-executor.py")),
    ("futures-result-order", include_str!("../../../saved-scenarios/futures-result-order.py")),
    ("executor-vs-threading", include_str!("../../../saved-scenarios/executor-vs-threading.py")),
    ("executors-cpu-compare", include_str!("../../../saved-scenarios/executors-cpu-compare.py")),
];

/// A scenario as the picker shows it: its id, file name, source, docstring facts and sliders.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The id (`semaphore`).
    pub id: String,
    /// The file name (`semaphore.py`, or the path of a user's file).
    pub file: String,
    /// The source.
    pub source: std::sync::Arc<str>,
    /// Docstring facts.
    pub meta: Meta,
    /// Sliders.
    pub sliders: Vec<Slider>,
}

impl Entry {
    /// Describe a Python file (compiling it once to read its sliders).
    pub fn new(id: &str, file: &str, source: &str) -> Result<Self, CompileError> {
        let (meta, sliders) = crate::py::describe(file, source)?;
        Ok(Entry { id: id.to_string(), file: file.to_string(), source: source.into(), meta, sliders })
    }
}

/// Every built-in Python scenario, described.
pub fn entries() -> Result<Vec<Entry>, CompileError> {
    PY_FILES.iter().map(|(id, src)| Entry::new(id, &format!("{id}.py"), src)).collect()
}

/// The source of the built-in Python scenario `id`.
pub fn py_source(id: &str) -> Option<&'static str> {
    PY_FILES.iter().find(|(i, _)| *i == id).map(|(_, s)| *s)
}
