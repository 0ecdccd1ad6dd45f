//! The built-in scenario catalog: every file of `saved-scenarios/`, embedded in the binary
//! so the app works from any folder.

use crate::scenario::{Scenario, ScenarioError, parse_scenario};

/// (file name, text) of every built-in scenario, in picker order.
pub const FILES: &[(&str, &str)] = &[
    ("gil-order-dependence.json", include_str!("../../saved-scenarios/gil-order-dependence.json")),
    ("cpu-bound-single.json", include_str!("../../saved-scenarios/cpu-bound-single.json")),
    ("cpu-bound-threads.json", include_str!("../../saved-scenarios/cpu-bound-threads.json")),
    ("cpu-bound-free-threaded.json", include_str!("../../saved-scenarios/cpu-bound-free-threaded.json")),
    ("cpu-bound-processes.json", include_str!("../../saved-scenarios/cpu-bound-processes.json")),
    ("io-bound-threads.json", include_str!("../../saved-scenarios/io-bound-threads.json")),
    ("gil-convoy.json", include_str!("../../saved-scenarios/gil-convoy.json")),
    ("print-numbers.json", include_str!("../../saved-scenarios/print-numbers.json")),
    ("lock-counter.json", include_str!("../../saved-scenarios/lock-counter.json")),
    ("lock-nonblocking-pitfall.json", include_str!("../../saved-scenarios/lock-nonblocking-pitfall.json")),
    ("lock-nonblocking-fixed.json", include_str!("../../saved-scenarios/lock-nonblocking-fixed.json")),
    ("rlock-recursion.json", include_str!("../../saved-scenarios/rlock-recursion.json")),
    ("deadlock.json", include_str!("../../saved-scenarios/deadlock.json")),
    ("deadlock-fixed.json", include_str!("../../saved-scenarios/deadlock-fixed.json")),
    ("daemon-threads.json", include_str!("../../saved-scenarios/daemon-threads.json")),
    ("semaphore-pool.json", include_str!("../../saved-scenarios/semaphore-pool.json")),
    ("bounded-semaphore.json", include_str!("../../saved-scenarios/bounded-semaphore.json")),
    ("race-counter.json", include_str!("../../saved-scenarios/race-counter.json")),
    ("race-counter-call.json", include_str!("../../saved-scenarios/race-counter-call.json")),
    ("race-counter-lock.json", include_str!("../../saved-scenarios/race-counter-lock.json")),
    ("condition-producer-consumer.json", include_str!("../../saved-scenarios/condition-producer-consumer.json")),
    ("processes-parallel.json", include_str!("../../saved-scenarios/processes-parallel.json")),
    ("process-isolation.json", include_str!("../../saved-scenarios/process-isolation.json")),
    ("pipe-hello.json", include_str!("../../saved-scenarios/pipe-hello.json")),
    ("pipe-sentinel.json", include_str!("../../saved-scenarios/pipe-sentinel.json")),
    ("mp-queue-producer-consumer.json", include_str!("../../saved-scenarios/mp-queue-producer-consumer.json")),
    ("queue-put-timeout.json", include_str!("../../saved-scenarios/queue-put-timeout.json")),
    ("queue-get-timeout.json", include_str!("../../saved-scenarios/queue-get-timeout.json")),
    ("mp-lock.json", include_str!("../../saved-scenarios/mp-lock.json")),
    ("mp-semaphore.json", include_str!("../../saved-scenarios/mp-semaphore.json")),
    ("pool-map-apply-starmap.json", include_str!("../../saved-scenarios/pool-map-apply-starmap.json")),
    ("pool-apply-async.json", include_str!("../../saved-scenarios/pool-apply-async.json")),
    ("pool-starmap-helper.json", include_str!("../../saved-scenarios/pool-starmap-helper.json")),
    ("pool-partial-map.json", include_str!("../../saved-scenarios/pool-partial-map.json")),
    ("thread-pool-executor.json", include_str!("../../saved-scenarios/thread-pool-executor.json")),
    ("process-pool-executor.json", include_str!("../../saved-scenarios/process-pool-executor.json")),
    ("futures-result-order.json", include_str!("../../saved-scenarios/futures-result-order.json")),
    ("executor-vs-threading.json", include_str!("../../saved-scenarios/executor-vs-threading.json")),
    ("executors-cpu-compare.json", include_str!("../../saved-scenarios/executors-cpu-compare.json")),
];

/// Every built-in scenario, parsed.
pub fn catalog() -> Result<Vec<Scenario>, ScenarioError> {
    FILES.iter().map(|(file, text)| parse_scenario(text).map_err(|e| ScenarioError::at(*file, e.to_string()))).collect()
}

/// The built-in scenario with this id.
pub fn find(id: &str) -> Option<Scenario> {
    catalog().ok()?.into_iter().find(|s| s.id == id)
}
