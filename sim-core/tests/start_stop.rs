//! Start/stop cycles leave no thread behind, deadlocked runs included, and Stop returns
//! promptly. Alone in its test binary so the OS thread count is this test's own.

mod common;
use std::time::{Duration, Instant};

fn os_threads() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|l| l.strip_prefix("Threads:")).and_then(|v| v.trim().parse().ok())
}

fn cycles(n: usize) -> Vec<Duration> {
    let ids = [
        "deadlock",
        "semaphore",
        "daemon-threads",
        "cpu-bound-threads",
        "mp-queue-producer-consumer",
        "pool-apply-async",
    ];
    let mut stops = Vec::new();
    for i in 0..n {
        let run = common::start(ids[i % ids.len()], &[], |_| {}, None);
        std::thread::sleep(Duration::from_millis((i % 7) as u64 * 3));
        let t = Instant::now();
        run.stop();
        let trace = run.finish(None);
        stops.push(t.elapsed());
        sim_core::invariants::check(&trace).unwrap();
    }
    stops
}

fn check(n: usize) {
    // Warm up once so lazily created runtime threads (none expected) are counted before.
    cycles(2);
    let before = os_threads();
    let mut stops = cycles(n);
    let after = os_threads();
    if let (Some(b), Some(a)) = (before, after) {
        assert_eq!(a, b, "OS threads before {b}, after {n} start/stop cycles {a}");
    }
    stops.sort();
    let median = stops[stops.len() / 2];
    let worst = *stops.last().unwrap();
    eprintln!("{n} start/stop cycles: stop→joined median {median:?}, worst {worst:?}");
    assert!(worst < Duration::from_secs(2), "a stop took {worst:?}");
}

#[test]
fn start_stop_cycles_leave_no_thread_behind() {
    check(150);
}

/// The long version: `cargo test -p sim-core --test start_stop -- --ignored`.
#[test]
#[ignore]
fn thousand_start_stop_cycles() {
    check(1000);
}
