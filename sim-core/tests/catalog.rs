//! Every catalog scenario runs (fast, through its time scale) and shows its teaching claim;
//! every file in saved-scenarios/ is in the catalog; every class of scenario error is named.

mod common;
use common::run;
use sim_core::catalog;
use sim_core::compile::compile;
use sim_core::scenario::{ScenarioError, parse_scenario};
use sim_core::summary::Summary;
use std::collections::BTreeMap;

const SCALE: f64 = 0.05;

fn lines(s: &Summary) -> Vec<&str> {
    s.output.iter().map(String::as_str).collect()
}
fn has(s: &Summary, line: &str) -> bool {
    s.output.iter().any(|l| l == line)
}
fn thread<'a>(s: &'a Summary, name: &str) -> &'a sim_core::summary::ThreadSummary {
    s.threads.iter().find(|t| t.name == name).unwrap_or_else(|| panic!("no thread {name}"))
}

#[test]
fn every_scenario_shows_its_claim() {
    let all = catalog::catalog().expect("the catalog parses");
    let mut checked = Vec::new();
    for sc in &all {
        let go = |sets: &[(&str, i64)]| run(sc, sets, |s| s.time_scale = SCALE).1;
        let s = go(&[]);
        let id = sc.id.as_str();
        match id {
            "gil-order-dependence" => {
                assert_eq!(s.output.last().unwrap(), "Final n = 250");
                assert_eq!(go(&[("t2_first", 1)]).output.last().unwrap(), "Final n = 70");
            }
            "cpu-bound-single" => assert!(s.output[0].starts_with("Time taken in single thread =  ")),
            "cpu-bound-threads" | "cpu-bound-free-threaded" => {
                assert!(s.output[0].starts_with("Time taken in multi-thread =  "))
            }
            "cpu-bound-processes" => {
                assert!(s.output[0].starts_with("Time taken with processes"));
                assert!(s.gil.len() >= 2, "one GIL per process");
            }
            "io-bound-threads" => {
                let serial_ms = 4.0 * 3.0 * 200.0 * SCALE;
                assert!(s.wall_ms < 0.7 * serial_ms, "I/O overlaps: {} ms vs {serial_ms} ms serial", s.wall_ms);
            }
            "gil-convoy" => assert!(s.output[0].starts_with("io thread: 40 I/O calls took")),
            "print-numbers" | "lock-nonblocking-pitfall" => {
                assert_eq!(&lines(&s)[..4], ["Thread 1: 0", "Thread 1: 1", "Thread 1: 2", "Thread 1: 3"]);
                for t in ["Thread 1", "Thread 2"] {
                    let mine: Vec<&str> = s.output.iter().filter(|l| l.starts_with(t)).map(String::as_str).collect();
                    let want: Vec<String> = (0..10).map(|i| format!("{t}: {i}")).collect();
                    assert_eq!(mine, want, "{t} prints 0..9 in order");
                }
                if id == "lock-nonblocking-pitfall" {
                    assert_eq!(
                        &lines(&s)[20..],
                        ["Exception in thread Thread-2 (print_numbers):", "RuntimeError: release unlocked lock"]
                    );
                    let t2 = thread(&s, "Thread-2");
                    assert_eq!(t2.outcome, "raised");
                    assert_eq!(t2.error.as_ref().unwrap().to_string(), "RuntimeError: release unlocked lock");
                    assert_eq!(thread(&s, "Thread-1").outcome, "finished");
                }
            }
            "lock-nonblocking-fixed" => {
                assert!(has(&s, "Failed to acquire lock"));
                assert_eq!(s.output.len(), 11);
                assert!(s.errors.is_empty());
            }
            "lock-counter" => {
                assert_eq!(s.output, vec!["Final counter value: 40000"]);
                assert_eq!(s.resources["lock"].max_holders, Some(1));
            }
            "rlock-recursion" => {
                assert_eq!(
                    lines(&s),
                    [
                        "Lock acquired for n=3",
                        "Lock acquired for n=2",
                        "Lock acquired for n=1",
                        "Releasing lock for n=0",
                        "Releasing lock for n=1",
                        "Releasing lock for n=2",
                        "Releasing lock for n=3"
                    ]
                );
            }
            "deadlock" => assert!(s.deadlock.is_some()),
            "deadlock-fixed" => assert_eq!(lines(&s), ["Thread 1", "Thread 2"]),
            "daemon-threads" => {
                assert_eq!(thread(&s, "Thread-1").outcome, "killed");
                assert_eq!(thread(&s, "Thread-2").outcome, "finished");
                assert_eq!(s.output.last().unwrap(), "Main program finished.");
                assert!(s.output.iter().filter(|l| *l == "Daemon thread running...").count() >= 4);
            }
            "semaphore-pool" => {
                assert_eq!(s.resources["semaphore"].max_holders, Some(3));
                assert_eq!(s.output.last().unwrap(), "All threads completed.");
                let s2 = go(&[("threads", 8), ("permits", 2), ("hold_ms", 200)]);
                assert_eq!(s2.resources["semaphore"].max_holders, Some(2));
                assert!(
                    s2.threads.iter().filter(|t| t.blocked_ms > 0.0 && t.name != "MainThread").count() >= 5,
                    "waiters queue"
                );
            }
            "bounded-semaphore" => {
                let b = thread(&s, "uses-BoundedSemaphore");
                assert_eq!(b.error.as_ref().unwrap().to_string(), "ValueError: Semaphore released too many times");
                assert_eq!(thread(&s, "uses-Semaphore").outcome, "finished");
                assert_eq!(s.resources["plain"].final_value, Some(3));
            }
            "race-counter" => assert_eq!(s.vars["counter"].lost_updates, Some(0), "3.10+ keeps counter += 1 whole"),
            "race-counter-call" => assert!(s.vars["counter"].final_value.as_i64().unwrap() <= 200_000),
            "race-counter-lock" => assert_eq!(s.output, vec!["Final counter value: 200000"]),
            "condition-producer-consumer" => {
                let consumed: Vec<&String> = s.output.iter().filter(|l| l.contains("consumed")).collect();
                assert_eq!(consumed.len(), 6);
                assert!(s.deadlock.is_none());
            }
            "processes-parallel" => {
                assert_eq!(s.output.len(), 11);
                assert!(s.wall_ms < 1.6 * 2000.0 * SCALE, "both processes sleep at once: {} ms", s.wall_ms);
                assert!(s.output[10].starts_with("It takes 2."));
            }
            "process-isolation" => assert_eq!(lines(&s), ["Data inside func:  [0, 1, 2, 3]", "Data in main [0]"]),
            "pipe-hello" => assert_eq!(lines(&s), ["Received: Hello from child process!"]),
            "pipe-sentinel" => assert_eq!(
                lines(&s),
                [
                    "Worker received: Task 1",
                    "Worker received: Task 2",
                    "Worker received: Task 3",
                    "Worker received the sentinel value, terminating.",
                    "Main process finished."
                ]
            ),
            "mp-queue-producer-consumer" => {
                let consumed: Vec<&String> = s.output.iter().filter(|l| l.starts_with("Consumed")).collect();
                assert_eq!(
                    consumed,
                    (0..5).map(|i| format!("Consumed: {i}")).collect::<Vec<_>>().iter().collect::<Vec<_>>()
                );
            }
            "queue-put-timeout" => {
                assert_eq!(
                    lines(&s),
                    [
                        "Produced: 0",
                        "Produced: 1",
                        "Queue full! Could not produce 2",
                        "Queue full! Could not produce 3",
                        "Queue full! Could not produce 4"
                    ]
                );
                assert_eq!(s.errors.iter().filter(|e| e.ty == "queue.Full" && e.caught).count(), 3);
                assert_eq!(s.resources["q"].max_len, Some(2));
            }
            "queue-get-timeout" => {
                assert_eq!(lines(&s), ["Consumed: 1", "Consumed: 2", "Queue empty! Exiting..."]);
                assert!(s.errors.iter().any(|e| e.ty == "queue.Empty"));
            }
            "mp-lock" => assert_eq!(s.resources["lock"].max_holders, Some(1)),
            "mp-semaphore" => assert_eq!(s.resources["sem"].max_holders, Some(2)),
            "pool-map-apply-starmap" => assert_eq!(
                lines(&s),
                [
                    "Results using map: [1, 4, 9, 16, 25]",
                    "Result using apply_async: 100",
                    "Results using starmap: [2, 12, 30]"
                ]
            ),
            "pool-apply-async" => {
                assert_eq!(&lines(&s)[..2], ["A", "B"]);
                assert!(s.output[2].starts_with("Time: 2."), "both ran at once: {}", s.output[2]);
            }
            "pool-starmap-helper" => {
                assert_eq!(&lines(&s)[..4], ["a result: 4", "b result: 2", "a result: 3", "b result: 5"]);
                assert!(s.output[4].starts_with("Time: 2."));
            }
            "pool-partial-map" => assert_eq!(s.output[0], "['A', ('A', 'B')]"),
            "thread-pool-executor" => assert_eq!(lines(&s), ["[1, 4, 9, 16, 25]"]),
            "process-pool-executor" => assert_eq!(lines(&s), ["[120, 3628800, 1307674368000]"]),
            "futures-result-order" => assert_eq!(lines(&s), ["Slept for 2 seconds", "Slept for 3 seconds"]),
            "executor-vs-threading" => {
                let mut l = s.output.clone();
                l.sort();
                let mut want: Vec<String> =
                    (0..5).flat_map(|i| [format!("Processing {i}"), format!("Processing {i}")]).collect();
                want.sort();
                assert_eq!(l, want);
            }
            "executors-cpu-compare" => {
                assert!(s.output[0].starts_with("ThreadPoolExecutor:"));
                assert!(s.output[1].starts_with("ProcessPoolExecutor:"));
            }
            other => panic!("scenario {other} has no claim in this test: add one"),
        }
        checked.push(id.to_string());
    }
    assert_eq!(checked.len(), all.len());
}

#[test]
fn every_saved_scenario_file_is_in_the_catalog() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../saved-scenarios");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    on_disk.sort();
    let mut embedded: Vec<String> = catalog::FILES.iter().map(|(f, _)| f.to_string()).collect();
    embedded.sort();
    assert_eq!(on_disk, embedded);
    let ids: std::collections::BTreeSet<_> = catalog::catalog().unwrap().into_iter().map(|s| s.id).collect();
    assert_eq!(ids.len(), catalog::FILES.len(), "ids are unique");
}

fn err_of(text: &str) -> String {
    match parse_scenario(text) {
        Err(e) => e.to_string(),
        Ok(sc) => {
            let params = match sc.resolve_params(&BTreeMap::new()) {
                Ok(p) => p,
                Err(e) => return e.to_string(),
            };
            compile(&sc, &params, sc.runtime.settings())
                .err()
                .map(|e| e.to_string())
                .unwrap_or_else(|| "no error".into())
        }
    }
}

const BASE: &str = r#"{"id":"t","name":"t","topic":"t","description":"d",
  "params":[{"name":"threads","label":"Threads","min":1,"max":4,"default":2}],
  "resources":[{"name":"L1","kind":"lock"}], "vars":[{"name":"x","init":"0"}],
  "threads":[{"name":"A","program":[{"op":"sleep","ms":1}]},{"name":"B","count":"$threads","program":[PROG]}]}"#;

fn with_prog(p: &str) -> String {
    BASE.replace("PROG", p)
}

#[test]
fn validation_errors_name_the_place() {
    assert_eq!(err_of(&with_prog(r#"{"op":"sleep","ms":1}"#)), "no error");
    assert_eq!(
        err_of(&with_prog(r#"{"op":"sleep","ms":1},{"op":"with","res":"L2","body":[]}"#)),
        "threads[1].program[1]: unknown resource \"L2\""
    );
    // JSON syntax: line and column.
    let e = err_of("{\n  \"id\": \"x\",\n  oops\n}");
    assert!(e.contains("line 3"), "{e}");
    // Unknown fields and unknown ops are rejected where they are.
    let e = err_of(&with_prog(r#"{"op":"sleep","ms":1,"colour":"red"}"#));
    assert!(e.starts_with("threads[1].program[0]") && e.contains("colour"), "{e}");
    let e = err_of(&with_prog(r#"{"op":"teleport"}"#));
    assert!(e.contains("threads[1].program[0]") && e.contains("teleport"), "{e}");
    // Wrong kind of resource.
    assert_eq!(
        err_of(&with_prog(r#"{"op":"put","queue":"L1","item":"1"}"#)),
        "threads[1].program[0]: \"L1\" is a threading.Lock, not a queue"
    );
    // Bad expressions and unknown parameters.
    let e = err_of(&with_prog(r#"{"op":"cpu","ms":"$nope * 2"}"#));
    assert_eq!(e, "threads[1].program[0].ms: unknown parameter \"$nope\"");
    let e = err_of(&with_prog(r#"{"op":"print","text":"{1 +}"}"#));
    assert!(e.starts_with("threads[1].program[0].text: bad template"), "{e}");
    assert_eq!(
        err_of(&with_prog(r#"{"op":"incr","var":"y"}"#)),
        "threads[1].program[0]: unknown variable \"y\" (declare it under \"vars\")"
    );
    // Hostile sizes are refused, not attempted.
    let e = err_of(
        &BASE.replace("\"count\":\"$threads\"", "\"count\":1000000000").replace("PROG", r#"{"op":"sleep","ms":1}"#),
    );
    assert!(e.starts_with("threads[1].count: 1000000000 is outside 0..=512"), "{e}");
}

#[test]
fn parameter_values_outside_their_range_are_refused_with_the_range() {
    let sc = catalog::find("semaphore-pool").unwrap();
    let e = sc.resolve_params(&BTreeMap::from([("permits".to_string(), 0)])).unwrap_err();
    assert_eq!(e, ScenarioError::at("params.permits", "permits = 0 is outside its range 1..=16"));
    let e = sc.resolve_params(&BTreeMap::from([("colour".to_string(), 1)])).unwrap_err();
    assert!(e.to_string().contains("no parameter `colour`"), "{e}");
}
