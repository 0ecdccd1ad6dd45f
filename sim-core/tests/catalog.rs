//! Every catalog scenario shows its teaching claim in the model — who held what, how many
//! at once, which thread raised, what overlapped — run fast through the time scale (output
//! against `python3` is `py_catalog.rs`'s job); every `.py` in saved-scenarios/ is in the
//! catalog and no scenario of the retired JSON format is left.

mod common;
use common::run;
use sim_core::summary::{Summary, ThreadSummary};

const SCALE: f64 = 0.05;

fn go(id: &str, sets: &[(&str, f64)]) -> Summary {
    run(id, sets, |s| s.time_scale = SCALE).1
}

/// The thread named `name`, or `name (target)` as Python names a thread with a target.
fn thread<'a>(s: &'a Summary, name: &str) -> &'a ThreadSummary {
    s.threads
        .iter()
        .find(|t| t.name == name || t.name.split(' ').next() == Some(name))
        .unwrap_or_else(|| panic!("no thread {name} in {:?}", s.threads.iter().map(|t| &t.name).collect::<Vec<_>>()))
}

/// Scenarios whose claim is what they print (checked against `python3` by py_catalog.rs).
const OUTPUT_IS_THE_CLAIM: &[&str] = &[
    "condition-wait-for",
    "executor-vs-threading",
    "futures-result-order",
    "gil-order-dependence",
    "lock-counter",
    "pipe-hello",
    "pipe-sentinel",
    "pool-map-apply-starmap",
    "pool-partial-map",
    "print-numbers",
    "process-isolation",
    "process-pool-executor",
    "rlock-recursion",
    "thread-pool-executor",
];

#[test]
fn every_scenario_shows_its_claim() {
    let all = sim_core::py_catalog::entries().expect("the catalog compiles");
    let mut checked = 0;
    for e in &all {
        let id = e.id.as_str();
        if OUTPUT_IS_THE_CLAIM.contains(&id) {
            checked += 1;
            continue;
        }
        match id {
            "barrier" => {
                let (trace, s) = run(id, &[], |s| s.time_scale = SCALE);
                assert!(s.deadlock.is_none());
                assert!(s.threads.iter().filter(|t| t.name.starts_with("Thread-")).all(|t| t.outcome == "finished"));
                // A barrier is drawn as itself: how many parties are there, up to all of
                // them for the instant the last arrives, then none: it tripped.
                let b = &s.resources["barrier"];
                assert_eq!((b.kind, b.capacity), (sim_core::model::ResourceKind::Barrier, Some(3)));
                let tl = sim_core::timeline::Timeline::of_trace(&trace);
                let counts: Vec<i64> = tl.resources[0].counter.iter().map(|c| c.1).collect();
                assert_eq!(counts.iter().max(), Some(&3), "{counts:?}");
                assert_eq!(&counts[..4], &[1, 2, 3, 0], "two wait, then the last trips it: {counts:?}");
                // While two wait, a waiting thread's words say so.
                let two = tl.resources[0].counter.iter().find(|c| c.1 == 2).expect("two waiting").0;
                let said: Vec<String> = (0..tl.threads.len() as u32)
                    .filter_map(|t| sim_core::words::doing(&tl, t, tl.threads[t as usize].state_at(two), Some(two)))
                    .collect();
                assert!(said.iter().any(|w| w == "waits at barrier (2 of 3 parties there)"), "{said:?}");
            }
            "bounded-semaphore" => {
                let s = go(id, &[]);
                let b = thread(&s, "uses-BoundedSemaphore");
                assert_eq!(b.outcome, "finished", "the ValueError is caught");
                assert!(s.errors.iter().any(|e| e.ty == "ValueError" && e.caught), "{:?}", s.errors);
                assert_eq!(
                    s.resources["plain"].final_value,
                    Some(3),
                    "the plain semaphore's counter ends above PERMITS"
                );
                assert_eq!(s.resources["bounded"].final_value, Some(2));
            }
            "condition-producer-consumer" => {
                let s = go(id, &[("ITEMS", 6.0)]);
                assert!(s.deadlock.is_none());
                assert!(s.threads.iter().all(|t| t.outcome == "finished"), "{:?}", s.threads);
            }
            "cpu-bound-single" | "cpu-bound-threads" => {
                let s = go(id, &[("N", 300_000.0)]);
                assert_eq!(s.gil.len(), 1, "one process, one GIL");
            }
            "cpu-bound-free-threaded" => assert!(go(id, &[("N", 300_000.0)]).gil.is_empty(), "no GIL"),
            "cpu-bound-processes" | "executors-cpu-compare" => {
                let sets: &[(&str, f64)] =
                    if id == "cpu-bound-processes" { &[("N", 300_000.0)] } else { &[("WORK", 100_000.0)] };
                let s = go(id, sets);
                assert!(s.gil.len() >= 3, "one GIL per process: {:?}", s.gil.keys());
            }
            "daemon-threads" => {
                let s = go(id, &[]);
                assert_eq!(thread(&s, "Thread-1").outcome, "killed", "the daemon is stopped at exit");
                assert_eq!(thread(&s, "Thread-2").outcome, "finished");
                assert_eq!(s.output.last().unwrap(), "Main program finished.");
            }
            "deadlock" => {
                // Real time (HOLD = 50 ms): on a loaded machine a scaled-down pause can end
                // before the second thread has started, and then there is no deadlock.
                let s = run(id, &[], |_| {}).1;
                let d = s.deadlock.expect("the cycle is found");
                assert_eq!(d.resources.len(), 2);
            }
            "deadlock-fixed" => assert!(go(id, &[]).deadlock.is_none()),
            "gil-convoy" => {
                let s = go(id, &[("IO_OPS", 10.0), ("WORK", 2_000_000.0)]);
                assert_eq!(s.threads.iter().filter(|t| t.name == "io").count(), 2);
            }
            "asyncio-io-bound" => {
                let s = go(id, &[]);
                let serial_ms = 4.0 * 3.0 * 200.0 * SCALE;
                assert!(s.wall_ms < 0.7 * serial_ms, "waits overlap: {} ms vs {serial_ms} ms serial", s.wall_ms);
                assert_eq!(s.threads.len(), 1, "one thread runs every task");
            }
            "asyncio-blocking-call" => {
                let s = go(id, &[]);
                // A tick due while the 500 ms blocking call runs comes out late by most of it.
                let late = |i: usize| -> f64 {
                    let l = s.output.iter().find(|l| l.starts_with(&format!("tick {i} ("))).expect("the tick");
                    l.split('(').nth(1).and_then(|x| x.split(' ').next()).and_then(|x| x.parse().ok()).expect("ms")
                };
                assert!(late(2) >= 300.0, "tick 2 only {} ms late", late(2));
                // In the summary: the ticker waited for the loop (ready) about as long as the
                // blocker ran its blocking step.
                let (ticker, blocker) = (&s.tasks[1], &s.tasks[2]);
                assert_eq!((ticker.coro.as_str(), blocker.coro.as_str()), ("ticker", "blocker"));
                assert!(ticker.ready_ms >= 0.5 * blocker.running_ms, "{:?}", s.tasks);
                let blocked = s.output.iter().position(|l| l == "blocking call starts").expect("starts");
                let ended = s.output.iter().position(|l| l == "blocking call ends").expect("ends");
                assert_eq!(ended, blocked + 1, "no tick while the loop is blocked: {:?}", s.output);
            }
            "asyncio-vs-threads" => {
                let s = go(id, &[]);
                let secs = |what: &str| -> f64 {
                    let l = s.output.iter().find(|l| l.starts_with(what)).expect("the line");
                    l.split_whitespace().nth(1).and_then(|x| x.parse().ok()).expect("seconds")
                };
                let (seq, thr, aio) = (secs("sequential:"), secs("threads:"), secs("asyncio:"));
                assert!(thr < 0.5 * seq && aio < 0.5 * seq, "both overlap the waits: {seq} {thr} {aio}");
            }
            "asyncio-race" => {
                assert_eq!(go(id, &[]).output, vec!["balance: -80"], "every task passes the check first");
                assert_eq!(go(id, &[("USE_LOCK", 1.0)]).output, vec!["balance: 40"], "the lock makes it one step");
            }
            "asyncio-producer-consumer" => {
                let s = go(id, &[]);
                assert_eq!(s.output.iter().filter(|l| l.contains(" consumed ")).count(), 6);
                assert_eq!(s.output.last().map(String::as_str), Some("all items processed"));
                // A full queue suspends the producer: its last put waits for a consumer.
                let pos = |l: &str| s.output.iter().position(|x| x == l);
                let first_consumed = s.output.iter().position(|l| l.contains(" consumed ")).expect("consumed");
                assert!(pos("produced 5").expect("produced") > first_consumed, "{:?}", s.output);
            }
            "asyncio-cpu-to-thread" => {
                let s = go(id, &[]);
                assert_eq!(s.threads.len(), 2, "the loop's thread and the pool's worker");
                let g = s.gil.values().next().expect("a GIL");
                assert!(g.handoffs >= 2, "the worker and the loop pass the GIL: {} handoffs", g.handoffs);
            }
            "io-bound-threads" => {
                let s = go(id, &[]);
                let serial_ms = 4.0 * 3.0 * 200.0 * SCALE;
                assert!(s.wall_ms < 0.7 * serial_ms, "I/O overlaps: {} ms vs {serial_ms} ms serial", s.wall_ms);
            }
            "lock-nonblocking-fixed" => {
                let s = go(id, &[]);
                assert!(s.threads.iter().all(|t| t.outcome == "finished"));
                assert!(s.errors.iter().all(|e| e.caught));
            }
            "lock-nonblocking-pitfall" => {
                let s = go(id, &[]);
                let t2 = thread(&s, "Thread-2");
                assert_eq!(t2.outcome, "raised");
                assert_eq!(t2.error.as_ref().unwrap().to_string(), "RuntimeError: release unlocked lock");
                assert_eq!(thread(&s, "Thread-1").outcome, "finished");
            }
            "mp-lock" => assert_eq!(go(id, &[("PROCESSES", 3.0)]).resources["lock"].max_holders, Some(1)),
            "mp-semaphore" => assert_eq!(go(id, &[]).resources["sem"].max_holders, Some(2)),
            "mp-queue-producer-consumer" => {
                let s = go(id, &[]);
                let consumed: Vec<&String> = s.output.iter().filter(|l| l.starts_with("Consumed")).collect();
                assert_eq!(consumed.len(), 5);
                assert!(s.resources.values().any(|r| r.kind == sim_core::model::ResourceKind::Queue));
            }
            "pool-apply-async" | "pool-starmap-helper" | "processes-parallel" => {
                let s = go(id, &[]);
                // Tasks of TASK_TIME (2 s) each, side by side: far less than one after another.
                let one_task_ms = 2000.0 * SCALE;
                assert!(s.wall_ms < 1.7 * one_task_ms, "ran at once: {} ms", s.wall_ms);
            }
            "queue-put-timeout" => {
                let s = go(id, &[]);
                assert_eq!(s.errors.iter().filter(|e| e.ty == "queue.Full" && e.caught).count(), 3, "{:?}", s.errors);
                assert_eq!(s.resources["q"].max_len, Some(2));
            }
            "queue-get-timeout" => {
                let s = go(id, &[]);
                assert!(s.errors.iter().any(|e| e.ty == "_queue.Empty" && e.caught), "{:?}", s.errors);
            }
            "race-counter" => {
                let s = go(id, &[("ITERATIONS", 50_000.0)]);
                assert_eq!(s.vars["counter"].lost_updates, Some(0), "3.10+ keeps counter += 1 whole");
            }
            "race-counter-call" | "race-counter-lock" | "race-39-vs-310" => {
                let s = go(id, &[("ITERATIONS", 50_000.0)]);
                assert_eq!(s.vars["counter"].race_free, sim_core::value::Value::Int(100_000));
                if id == "race-counter-lock" {
                    assert_eq!(s.vars["counter"].lost_updates, Some(0));
                }
            }
            "semaphore" => {
                let s = go(id, &[]);
                assert_eq!(s.resources["semaphore"].max_holders, Some(3));
                let s2 = go(id, &[("THREADS", 8.0), ("PERMITS", 2.0)]);
                assert_eq!(s2.resources["semaphore"].max_holders, Some(2));
                assert!(
                    s2.threads.iter().filter(|t| t.blocked_ms > 0.0 && t.name != "MainThread").count() >= 5,
                    "waiters queue"
                );
            }
            other => panic!("scenario {other} has no claim in this test: add one"),
        }
        checked += 1;
    }
    assert_eq!(checked, all.len());
}

#[test]
fn every_saved_scenario_file_is_in_the_catalog() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../saved-scenarios");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".py") || n.ends_with(".json"))
        .collect();
    on_disk.sort();
    let mut embedded: Vec<String> = sim_core::py_catalog::PY_FILES.iter().map(|(id, _)| format!("{id}.py")).collect();
    embedded.sort();
    assert_eq!(on_disk, embedded, "every scenario is a .py file in the catalog");
    let ids: std::collections::BTreeSet<_> =
        sim_core::py_catalog::entries().unwrap().into_iter().map(|e| e.id).collect();
    assert_eq!(ids.len(), embedded.len(), "ids are unique");
}
