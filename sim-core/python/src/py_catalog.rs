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

/// (id, source) of the challenges (`saved-scenarios/challenges/`), in campaign order:
/// puzzles with a `Goal:`, a `Par:` and hints, shown in the app's picker under
/// "Challenges" (not part of [`entries`], which the catalog's tests run in full).
pub const CHALLENGE_FILES: &[(&str, &str)] = &[
    ("challenge-01-lost-update", include_str!("../../../saved-scenarios/challenges/01-lost-update.py")),
    ("challenge-02-plain-assignment", include_str!("../../../saved-scenarios/challenges/02-plain-assignment.py")),
    (
        "challenge-03-impossible-under-310",
        include_str!("../../../saved-scenarios/challenges/03-impossible-under-310.py"),
    ),
    ("challenge-04-a-call-in-between", include_str!("../../../saved-scenarios/challenges/04-a-call-in-between.py")),
    ("challenge-05-no-gil-attribute", include_str!("../../../saved-scenarios/challenges/05-no-gil-attribute.py")),
    (
        "challenge-06-same-code-with-a-gil",
        include_str!("../../../saved-scenarios/challenges/06-same-code-with-a-gil.py"),
    ),
    ("challenge-07-flags-as-a-lock", include_str!("../../../saved-scenarios/challenges/07-flags-as-a-lock.py")),
    ("challenge-08-stale-check", include_str!("../../../saved-scenarios/challenges/08-stale-check.py")),
    (
        "challenge-09-invariant-under-two-locks",
        include_str!("../../../saved-scenarios/challenges/09-invariant-under-two-locks.py"),
    ),
    ("challenge-10-lock-order", include_str!("../../../saved-scenarios/challenges/10-lock-order.py")),
    ("challenge-11-leaked-acquire", include_str!("../../../saved-scenarios/challenges/11-leaked-acquire.py")),
    ("challenge-12-event-as-a-lock", include_str!("../../../saved-scenarios/challenges/12-event-as-a-lock.py")),
    ("challenge-13-countdown", include_str!("../../../saved-scenarios/challenges/13-countdown.py")),
    ("challenge-14-barrier-parties", include_str!("../../../saved-scenarios/challenges/14-barrier-parties.py")),
    ("challenge-15-extra-release", include_str!("../../../saved-scenarios/challenges/15-extra-release.py")),
    ("challenge-16-signal-before-put", include_str!("../../../saved-scenarios/challenges/16-signal-before-put.py")),
    ("challenge-17-if-not-while", include_str!("../../../saved-scenarios/challenges/17-if-not-while.py")),
    (
        "challenge-18-check-outside-the-lock",
        include_str!("../../../saved-scenarios/challenges/18-check-outside-the-lock.py"),
    ),
    ("challenge-19-dining-philosophers", include_str!("../../../saved-scenarios/challenges/19-dining-philosophers.py")),
    (
        "challenge-20-read-before-the-write",
        include_str!("../../../saved-scenarios/challenges/20-read-before-the-write.py"),
    ),
];

/// The challenges as picker entries.
pub fn challenges() -> Result<Vec<Entry>, CompileError> {
    entries_of(CHALLENGE_FILES)
}

fn entries_of(files: &[(&str, &str)]) -> Result<Vec<Entry>, CompileError> {
    files.iter().map(|(id, src)| Entry::new(id, &format!("{id}.py"), src)).collect()
}

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
    entries_of(PY_FILES)
}

/// The source of the built-in Python scenario `id`.
pub fn py_source(id: &str) -> Option<&'static str> {
    PY_FILES.iter().chain(CHALLENGE_FILES).find(|(i, _)| *i == id).map(|(_, s)| *s)
}
