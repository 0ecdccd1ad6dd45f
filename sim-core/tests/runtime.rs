//! The GIL model, stopping, deadlock detection and event-order invariants, on real threads.
//! Time bounds are generous: the machine is shared and noisy; figures live in the benches.

mod common;
use common::{run, scenario};
use sim_core::compile::compile;
use sim_core::event::{EventKind, WaitTarget};
use sim_core::interp::Run;
use sim_core::rt::GilMode;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Timing-sensitive tests take this so they do not compete with each other for the 2 cores.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

#[test]
fn two_cpu_threads_with_a_gil_take_as_long_as_one_and_hand_off_every_interval() {
    let _serial = serial();
    let sc = scenario("cpu-bound-threads");
    let (_, single) = run(&scenario("cpu-bound-single"), &[("work_ms", 300)], |_| {});
    let (_, two) = run(&sc, &[("threads", 2), ("work_ms", 300)], |_| {});
    let single_ms = single.wall_ms;
    // One GIL: no speed-up from a second thread.
    assert!(two.wall_ms > 0.8 * single_ms, "two threads {} ms vs one {} ms", two.wall_ms, single_ms);
    let g = &two.gil["MainProcess"];
    assert!(g.forced_switches >= 10, "forced switches: {}", g.forced_switches);
    assert!(g.handoffs >= 10);
    // Holders keep it about one switch interval before a waiter's drop request lands.
    assert!((3.0..=30.0).contains(&g.slice_ms_median), "median slice {} ms", g.slice_ms_median);
    assert!(g.drop_requests >= g.forced_switches as usize);
}

#[test]
fn free_threaded_cpu_threads_run_in_parallel() {
    let _serial = serial();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores < 2 {
        eprintln!("skipped: needs 2 cores");
        return;
    }
    // The machine is shared: a moment of load on the other core hides any speed-up, so the
    // claim must hold in one of three tries.
    let mut seen = Vec::new();
    for _ in 0..3 {
        let (_, gil) = run(&scenario("cpu-bound-threads"), &[("threads", 2), ("work_ms", 400)], |_| {});
        let (_, free) = run(&scenario("cpu-bound-free-threaded"), &[("threads", 2), ("work_ms", 400)], |_| {});
        let (_, procs) = run(&scenario("cpu-bound-processes"), &[("threads", 2), ("work_ms", 400)], |_| {});
        assert!(free.gil.is_empty());
        if free.wall_ms < 0.85 * gil.wall_ms && procs.wall_ms < 0.85 * gil.wall_ms {
            return;
        }
        seen.push((gil.wall_ms, free.wall_ms, procs.wall_ms));
    }
    panic!("no parallel speed-up in three tries (GIL, free-threaded, processes ms): {seen:?}");
}

#[test]
fn convoy_effect_io_thread_waits_about_one_interval_per_io_call() {
    let _serial = serial();
    let (_, s) = run(&scenario("gil-convoy"), &[("io_ops", 30), ("cpu_ms", 2000)], |_| {});
    let io = s.threads.iter().find(|t| t.name == "io").unwrap();
    let per_call = io.gil_wait_ms / 30.0;
    assert!(per_call > 2.5, "the I/O thread waited only {per_call:.2} ms per call for the GIL");
    let cpu = s.threads.iter().find(|t| t.name == "cpu").unwrap();
    assert!(cpu.gil_wait_ms < io.gil_wait_ms, "the CPU thread barely waits");
}

#[test]
fn deadlock_is_found_named_and_every_thread_joined() {
    let (trace, s) = run(&scenario("deadlock"), &[("hold_ms", 50)], |_| {});
    let d = s.deadlock.expect("deadlock reported");
    let mut threads = d.threads.clone();
    threads.sort();
    assert_eq!(threads, vec!["Thread-1", "Thread-2"]);
    let mut res = d.resources.clone();
    res.sort();
    assert_eq!(res, vec!["lock1", "lock2"]);
    assert!(d.words.contains("Thread-1 waits for lock2, held by Thread-2"), "{}", d.words);
    assert!(
        s.threads.iter().all(|t| t.outcome != "finished" || t.name == "MainThread" || !t.name.starts_with("Thread"))
    );
    // Every thread that started has an end event (checked by the invariants in `run`).
    assert!(trace.events.iter().any(|e| matches!(e.kind, EventKind::Deadlock { .. })));
    let (_, fixed) = run(&scenario("deadlock-fixed"), &[("hold_ms", 50)], |_| {});
    assert!(fixed.deadlock.is_none());
    assert!(fixed.threads.iter().all(|t| t.outcome == "finished"));
}

#[test]
fn stop_ends_a_deadlocked_pair_promptly() {
    let sc = scenario("deadlock");
    let params = sc.resolve_params(&BTreeMap::from([("hold_ms".to_string(), 10)])).unwrap();
    let plan = compile(&sc, &params, sc.runtime.settings()).unwrap();
    let run = Run::start(plan, None).unwrap();
    // Stop as soon as both threads are blocked on each other's lock (before the watchdog's second look).
    let t0 = Instant::now();
    while run.shared().waits().iter().filter(|w| matches!(w.map(|w| w.target), Some(WaitTarget::Resource(_)))).count()
        < 2
    {
        assert!(t0.elapsed() < Duration::from_secs(10), "threads never blocked");
        std::thread::sleep(Duration::from_millis(1));
    }
    let stop_at = Instant::now();
    run.stop();
    let trace = run.finish(None);
    let took = stop_at.elapsed();
    assert!(took < Duration::from_secs(2), "stop took {took:?}");
    sim_core::invariants::check(&trace).unwrap();
    let stopped = trace.events.iter().filter(|e| e.kind == EventKind::ThreadStopped).count();
    assert!(stopped >= 2, "both deadlocked threads report stopped");
}

#[test]
fn dropping_a_run_stops_and_joins_it() {
    let sc = scenario("daemon-threads");
    let params = sc.resolve_params(&BTreeMap::new()).unwrap();
    let plan = compile(&sc, &params, sc.runtime.settings()).unwrap();
    let run = Run::start(plan, None).unwrap();
    let shared = std::sync::Arc::clone(run.shared());
    std::thread::sleep(Duration::from_millis(30));
    drop(run);
    assert!(shared.life().iter().all(|l| *l != sim_core::rt::Life::Alive));
}

#[test]
fn sequence_numbers_and_times_are_ordered_and_live_stream_matches() {
    let sc = scenario("semaphore-pool");
    let params = sc.resolve_params(&BTreeMap::from([("hold_ms".to_string(), 20), ("threads".to_string(), 8)])).unwrap();
    let plan = compile(&sc, &params, sc.runtime.settings()).unwrap();
    let (tx, rx) = crossbeam_channel::unbounded();
    let trace = Run::start(plan, Some(tx)).unwrap().finish(None);
    let live: Vec<_> = rx.try_iter().collect();
    assert_eq!(live, trace.events);
    for w in trace.events.windows(2) {
        assert!(w[1].seq > w[0].seq && w[1].t_ns >= w[0].t_ns);
    }
    sim_core::invariants::check(&trace).unwrap();
}

#[test]
fn gil_modes_decide_the_race() {
    let _serial = serial();
    let sc = scenario("race-counter");
    // A short switch interval gives many switches, so the 3.9 window is hit for sure.
    let sets = [("threads", 2), ("iterations", 200_000)];
    let (_, exact) = run(&sc, &sets, |s| s.switch_interval_ms = 1.0);
    assert_eq!(exact.vars["counter"].lost_updates, Some(0), "3.10+: counter += 1 is never split");
    let (_, old) = run(&sc, &sets, |s| {
        s.gil = GilMode::Cpython39;
        s.switch_interval_ms = 1.0;
    });
    assert!(old.vars["counter"].lost_updates.unwrap() > 0, "3.9 loses updates");
    let (_, call) = run(&scenario("race-counter-call"), &sets, |s| s.switch_interval_ms = 1.0);
    assert!(call.vars["counter"].lost_updates.unwrap() > 0, "a call between load and store loses updates on 3.10+");
    if std::thread::available_parallelism().map_or(1, |n| n.get()) >= 2 {
        let (_, free) = run(&sc, &sets, |s| s.gil = GilMode::FreeThreaded);
        assert!(free.vars["counter"].lost_updates.unwrap() > 0, "free-threaded races for real");
    }
    for gil in GilMode::ALL {
        let (_, locked) = run(&scenario("race-counter-lock"), &[("threads", 2), ("iterations", 20_000)], |s| {
            s.gil = gil;
            s.switch_interval_ms = 1.0;
        });
        assert_eq!(locked.vars["counter"].lost_updates, Some(0), "{gil:?}: the Lock version is exact");
        assert_eq!(locked.vars["counter"].final_value, sim_core::value::Value::Int(40_000));
    }
}

#[test]
fn cpu_work_is_calibrated_to_about_one_core() {
    let _serial = serial();
    let (_, s) = run(&scenario("cpu-bound-single"), &[("work_ms", 200)], |_| {});
    let t1 = s.threads.iter().find(|t| t.name == "T1").unwrap();
    // Generous bounds: the machine is shared (a CI run once measured 514 ms while the VM was
    // busy); the point is "about 200 ms", not 20 or 2000.
    assert!((100.0..=1000.0).contains(&t1.cpu_ms), "cpu 200 ms took {} ms of running time", t1.cpu_ms);
}
