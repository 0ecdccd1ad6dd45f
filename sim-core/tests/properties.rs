//! Properties, not examples: random Python programs drawn from a small grammar of lock,
//! semaphore, queue, event and sleep operations across threads run on the real runtime,
//! and every run keeps the invariants — mutual exclusion, semaphore and queue bounds, FIFO
//! order, requests before acquisitions, causal order, every thread ends or the deadlock is
//! reported. A failure shrinks to a minimal program (proptest).

use indexmap::IndexMap;
use proptest::prelude::*;
use sim_core::event::EventKind;
use sim_core::model::{GilMode, RuntimeSettings};
use std::time::Duration;

/// One statement a thread runs.
#[derive(Clone, Debug)]
enum Op {
    /// `with lock{i}: <inner>`.
    With(u8, Vec<Op>),
    /// `sem.acquire()` … `sem.release()` around the inner ops.
    Sem(Vec<Op>),
    /// `q.put(n)` (blocks while the queue is full).
    Put(u8),
    /// `q.get(timeout=0.005)`, an empty queue is caught.
    Get,
    /// `ev.set()` / `ev.wait(0.005)`.
    Set,
    Wait,
    /// `time.sleep(0.001)`.
    Sleep,
    /// `counter += 1` under no lock.
    Incr,
}

fn op() -> impl Strategy<Value = Op> {
    let leaf = prop_oneof![
        any::<u8>().prop_map(|n| Op::Put(n % 10)),
        Just(Op::Get),
        Just(Op::Set),
        Just(Op::Wait),
        Just(Op::Sleep),
        Just(Op::Incr),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            (0u8..2, prop::collection::vec(inner.clone(), 0..3)).prop_map(|(i, b)| Op::With(i, b)),
            prop::collection::vec(inner, 0..3).prop_map(Op::Sem),
        ]
    })
}

fn emit(ops: &[Op], depth: usize, out: &mut String) {
    let pad = "    ".repeat(depth);
    if ops.is_empty() {
        out.push_str(&format!("{pad}pass\n"));
    }
    for o in ops {
        match o {
            Op::With(i, body) => {
                out.push_str(&format!("{pad}with lock{i}:\n"));
                emit(body, depth + 1, out);
            }
            Op::Sem(body) => {
                out.push_str(&format!("{pad}sem.acquire()\n{pad}try:\n"));
                emit(body, depth + 1, out);
                out.push_str(&format!("{pad}finally:\n{pad}    sem.release()\n"));
            }
            Op::Put(n) => out.push_str(&format!("{pad}q.put({n})\n")),
            Op::Get => out.push_str(&format!(
                "{pad}try:\n{pad}    q.get(timeout=0.005)\n{pad}except queue.Empty:\n{pad}    pass\n"
            )),
            Op::Set => out.push_str(&format!("{pad}ev.set()\n")),
            Op::Wait => out.push_str(&format!("{pad}ev.wait(0.005)\n")),
            Op::Sleep => out.push_str(&format!("{pad}time.sleep(0.001)\n")),
            Op::Incr => out.push_str(&format!("{pad}counter += 1\n")),
        }
    }
}

fn program(threads: &[Vec<Op>], permits: u8, maxsize: u8) -> String {
    let mut s = format!(
        "import threading, queue, time\nlock0 = threading.Lock()\nlock1 = threading.Lock()\nsem = threading.Semaphore({permits})\nq = queue.Queue(maxsize={maxsize})\nev = threading.Event()\ncounter = 0\n"
    );
    for (i, body) in threads.iter().enumerate() {
        s.push_str(&format!("def t{i}():\n"));
        let mut b = String::new();
        emit(body, 1, &mut b);
        // Every thread function may assign the shared counter.
        s.push_str("    global counter\n");
        s.push_str(&b);
    }
    s.push_str(&format!(
        "ts = [threading.Thread(target=f) for f in ({},)]\n",
        (0..threads.len()).map(|i| format!("t{i}")).collect::<Vec<_>>().join(", ")
    ));
    s.push_str("for t in ts:\n    t.start()\nfor t in ts:\n    t.join()\n");
    s
}

proptest! {
    // 128 programs in `cargo test`; PROPTEST_CASES=N for a longer hunt.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(128),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_programs_keep_the_invariants(
        threads in prop::collection::vec(prop::collection::vec(op(), 1..5), 1..5),
        permits in 1u8..3,
        maxsize in 0u8..3,
        gil in prop_oneof![Just(GilMode::Cpython310), Just(GilMode::Cpython39), Just(GilMode::FreeThreaded)],
    ) {
        let src = program(&threads, permits, maxsize);
        let settings = RuntimeSettings { gil, ..RuntimeSettings::default() };
        let (trace, _) = sim_core::py::run::run_source("prop.py", &src, &IndexMap::new(), settings, Some(Duration::from_secs(20)))
            .map_err(|e| TestCaseError::fail(format!("does not compile: {e}\n{src}")))?;
        if let Err(e) = sim_core::invariants::check(&trace) {
            return Err(TestCaseError::fail(format!("{e}\n--- program ---\n{src}")));
        }
        // Every thread ended: it finished, or a deadlock was found and the run stopped.
        let deadlock = trace.events.iter().any(|e| matches!(e.kind, EventKind::Deadlock { .. }));
        let s = sim_core::summary::Summary::of_trace(&trace);
        for t in &s.threads {
            prop_assert!(
                t.outcome == "finished" || (deadlock && t.outcome == "stopped"),
                "{} ended as {} (deadlock: {deadlock})\n{src}", t.name, t.outcome
            );
        }
        prop_assert!(s.errors.iter().all(|e| e.ty != "SystemError"), "{:?}\n{src}", s.errors);
    }

    /// The controlled scheduler: the same programs under random schedules keep the same
    /// invariants, end (or report a deadlock — exactly: with every live thread blocked),
    /// and a run's schedule replayed gives the very same events.
    #[test]
    fn controlled_runs_keep_the_invariants_and_replay_exactly(
        threads in prop::collection::vec(prop::collection::vec(op(), 1..4), 1..4),
        permits in 1u8..3,
        maxsize in 0u8..3,
        gil in prop_oneof![Just(GilMode::Cpython310), Just(GilMode::Cpython39), Just(GilMode::FreeThreaded)],
        seed in any::<u64>(),
    ) {
        use sim_core::control::Schedule;
        use sim_core::explore::{self, RunLimits};
        let src = program(&threads, permits, maxsize);
        let prog = std::sync::Arc::new(
            sim_core::py::compile("prop.py", &src, &IndexMap::new())
                .map_err(|e| TestCaseError::fail(format!("does not compile: {e}\n{src}")))?,
        );
        let settings = RuntimeSettings { gil, ..RuntimeSettings::default() };
        let limits = RunLimits { turns: 200_000, ..RunLimits::default() };
        let run = explore::run_controlled(&prog, &settings, Box::new(explore::Random(sim_core::rng::Rng::new(seed))), None, limits);
        if let Err(e) = sim_core::invariants::check(&run.trace) {
            return Err(TestCaseError::fail(format!("{e}\n--- program ---\n{src}")));
        }
        prop_assert!(!run.report.turn_limit, "these programs end\n{src}");
        let s = sim_core::summary::Summary::of_trace(&run.trace);
        for t in &s.threads {
            prop_assert!(
                t.outcome == "finished" || (run.report.deadlock && t.outcome == "stopped"),
                "{} ended as {} (deadlock: {})\n{src}", t.name, t.outcome, run.report.deadlock
            );
        }
        prop_assert!(s.errors.iter().all(|e| e.ty != "SystemError"), "{:?}\n{src}", s.errors);
        let sched = Schedule::of_decisions(&run.report.decisions);
        let again = explore::replay(&prog, &settings, &sched, limits)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{sched}\n{src}")))?;
        let key = |t: &sim_core::trace::Trace| {
            t.events.iter().map(|e| (e.t_ns, e.thread, format!("{:?}", e.kind))).collect::<Vec<_>>()
        };
        prop_assert_eq!(key(&again.trace), key(&run.trace), "replay differs\n{}\n{}", sched, src);
    }
}
