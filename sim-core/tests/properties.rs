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
    #![proptest_config(cases(128))]

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

/// One statement of a spin-loop program.
#[derive(Clone, Debug)]
enum SpinOp {
    /// `flags[i] = True`.
    Raise(u8),
    /// `flags[i] = False`.
    Lower(u8),
    /// `while not flags[i]: pass` — may spin for ever.
    Await(u8),
    /// `while flags[i]: pass`.
    AwaitLow(u8),
    /// `counter += 1`.
    Incr,
    /// `while not any(flags[j] for j in range(2) if j == i): pass` — a generator expression
    /// in the condition, its own variable stored each pass.
    AwaitAny(u8),
    /// `while sum([1 for f in flags if f]) < 1: pass` — a list comprehension.
    AwaitSum,
}

fn spin_op() -> impl Strategy<Value = SpinOp> {
    prop_oneof![
        (0u8..2).prop_map(SpinOp::Raise),
        (0u8..2).prop_map(SpinOp::Lower),
        (0u8..2).prop_map(SpinOp::Await),
        (0u8..2).prop_map(SpinOp::AwaitLow),
        Just(SpinOp::Incr),
        (0u8..2).prop_map(SpinOp::AwaitAny),
        Just(SpinOp::AwaitSum),
    ]
}

/// Proptest's settings: `default` programs in `cargo test`, PROPTEST_CASES=N for a longer
/// hunt.
fn cases(default: u32) -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// The end of a generated program: threads running `t0`…`t{n-1}` started and joined, then
/// `print(what)`.
fn start_and_join(n: usize, daemon: bool, what: &str) -> String {
    let targets = (0..n).map(|i| format!("t{i}")).collect::<Vec<_>>().join(", ");
    let daemon = if daemon { ", daemon=True" } else { "" };
    format!(
        "ts = [threading.Thread(target=f{daemon}) for f in ({targets},)]\nfor t in ts:\n    t.start()\nfor t in ts:\n    t.join()\nprint({what})\n"
    )
}

fn spin_program(threads: &[Vec<SpinOp>]) -> String {
    let mut s = String::from("import threading\nflags = [False, False]\ncounter = 0\n");
    for (i, body) in threads.iter().enumerate() {
        s.push_str(&format!("def t{i}():\n    global counter\n"));
        if body.is_empty() {
            s.push_str("    pass\n");
        }
        for o in body {
            s.push_str(&match o {
                SpinOp::Raise(k) => format!("    flags[{k}] = True\n"),
                SpinOp::Lower(k) => format!("    flags[{k}] = False\n"),
                SpinOp::Await(k) => format!("    while not flags[{k}]:\n        pass\n"),
                SpinOp::AwaitLow(k) => format!("    while flags[{k}]:\n        pass\n"),
                SpinOp::Incr => "    counter += 1\n".to_string(),
                SpinOp::AwaitAny(k) => {
                    format!("    while not any(flags[j] for j in range(2) if j == {k}):\n        pass\n")
                }
                SpinOp::AwaitSum => "    while sum([1 for f in flags if f]) < 1:\n        pass\n".to_string(),
            });
        }
    }
    s.push_str(&start_and_join(threads.len(), true, "counter, flags"));
    s
}

proptest! {
    #![proptest_config(cases(12))]

    /// Spin-loop reduction loses no outcome: the same programs searched exhaustively (within
    /// two preemptions) with and without it; what the unreduced search prints, the reduced
    /// one prints too.
    #[test]
    fn spin_loop_reduction_reaches_the_same_outcomes(
        threads in prop::collection::vec(prop::collection::vec(spin_op(), 1..4), 2..3),
        gil in prop_oneof![Just(GilMode::Cpython310), Just(GilMode::Cpython39)],
    ) {
        use sim_core::explore::{self, ExploreOptions, RunLimits, StrategyKind};
        let src = spin_program(&threads);
        let prog = std::sync::Arc::new(sim_core::py::compile("spin.py", &src, &IndexMap::new()).expect("compiles"));
        // A short switch interval keeps the unreduced search small: the fairness rule switches
        // a spinner out after two turns.
        let settings = RuntimeSettings { gil, switch_interval_ms: 0.2, ..RuntimeSettings::default() };
        let outcomes = |spin_reduction: bool| {
            let opts = ExploreOptions {
                strategy: StrategyKind::Dfs,
                budget: 4_000,
                seconds: 120.0,
                preemptions: 2,
                limits: RunLimits { turns: 400, spin_reduction, ..RunLimits::default() },
                ..ExploreOptions::default()
            };
            let ex = explore::explore(&prog, &settings, &opts, |_| true);
            let mut set: Vec<Vec<String>> = ex.outcomes.iter().map(|(o, _)| o.output.clone()).collect();
            set.sort();
            set.dedup();
            // Comparable only when every schedule within the bound was run: the search stops
            // at its first failure (a schedule that never ends, a deadlock).
            (set, ex.exhausted && ex.found.is_none(), ex.tried)
        };
        let (with, done_with, _) = outcomes(true);
        let (without, done_without, _) = outcomes(false);
        prop_assume!(done_with && done_without);
        // Every outcome the unreduced search reaches, the reduced one reaches too. (Not the
        // converse within a preemption bound: leaving a spinning thread costs no preemption,
        // so the reduced search may reach further with the same bound.)
        for o in &without {
            prop_assert!(with.contains(o), "{}\nlost by the reduction: {:?}\nwith: {:?}", src, o, with);
        }
    }
}

/// One statement of a random program for partial-order reduction: shared and private
/// reads and writes, containers, an instance's attribute, locks.
#[derive(Clone, Debug)]
enum PorOp {
    /// `counter += 1` (every thread's).
    Incr,
    /// `a = b + 1` / `b = a + 1`: a read of one global, a write of another.
    Copy(bool),
    /// `items.append(n)`.
    Append(u8),
    /// `box.v = box.v * 2 + n`.
    Attr(u8),
    /// `d[k] = d.get(k, 0) + 1`.
    Item(u8),
    /// `x = n` on the thread's own local (touches nothing shared).
    Local(u8),
    /// `if len(items) > n: a = n`.
    Peek(u8),
    /// `with locks[k]:` around the next statements.
    With(u8, Vec<PorOp>),
    /// `print(n)`: the output's order.
    Print(u8),
    /// `ev.set()`.
    Set,
    /// `if ev.is_set(): b = n`.
    IfSet(u8),
    /// `with sem:` (a semaphore of 1) around the next statements.
    Sem(Vec<PorOp>),
    /// `time.sleep(0)`.
    Sleep,
    /// `q.put(n)` on an unbounded queue.
    Put(u8),
    /// `if not q.empty(): a = q.get()`.
    Get,
}

fn por_leaf() -> impl Strategy<Value = PorOp> {
    prop_oneof![
        Just(PorOp::Incr),
        any::<bool>().prop_map(PorOp::Copy),
        (0u8..3).prop_map(PorOp::Append),
        (0u8..3).prop_map(PorOp::Attr),
        (0u8..2).prop_map(PorOp::Item),
        (0u8..3).prop_map(PorOp::Local),
        (0u8..2).prop_map(PorOp::Peek),
        (0u8..3).prop_map(PorOp::Print),
        Just(PorOp::Set),
        (0u8..3).prop_map(PorOp::IfSet),
        Just(PorOp::Sleep),
        (0u8..3).prop_map(PorOp::Put),
        Just(PorOp::Get),
    ]
}

fn por_op() -> impl Strategy<Value = PorOp> {
    prop_oneof![
        3 => por_leaf(),
        1 => ((0u8..2), prop::collection::vec(por_leaf(), 1..3)).prop_map(|(k, b)| PorOp::With(k, b)),
        1 => prop::collection::vec(por_leaf(), 1..3).prop_map(PorOp::Sem),
    ]
}

fn por_program(threads: &[Vec<PorOp>]) -> String {
    fn emit(s: &mut String, o: &PorOp, indent: usize) {
        let pad = " ".repeat(indent);
        match o {
            PorOp::Incr => s.push_str(&format!("{pad}counter += 1\n")),
            PorOp::Copy(true) => s.push_str(&format!("{pad}a = b + 1\n")),
            PorOp::Copy(false) => s.push_str(&format!("{pad}b = a + 1\n")),
            PorOp::Append(n) => s.push_str(&format!("{pad}items.append({n})\n")),
            PorOp::Attr(n) => s.push_str(&format!("{pad}box.v = box.v * 2 + {n}\n")),
            PorOp::Item(k) => s.push_str(&format!("{pad}d[{k}] = d.get({k}, 0) + 1\n")),
            PorOp::Local(n) => s.push_str(&format!("{pad}x = {n}\n{pad}x += 1\n")),
            PorOp::Peek(n) => s.push_str(&format!("{pad}if len(items) > {n}:\n{pad}    a = {n}\n")),
            PorOp::With(k, body) => {
                s.push_str(&format!("{pad}with locks[{k}]:\n"));
                for o in body {
                    emit(s, o, indent + 4);
                }
            }
            PorOp::Print(n) => s.push_str(&format!("{pad}print({n})\n")),
            PorOp::Set => s.push_str(&format!("{pad}ev.set()\n")),
            PorOp::IfSet(n) => s.push_str(&format!("{pad}if ev.is_set():\n{pad}    b = {n}\n")),
            PorOp::Sem(body) => {
                s.push_str(&format!("{pad}with sem:\n"));
                for o in body {
                    emit(s, o, indent + 4);
                }
            }
            PorOp::Sleep => s.push_str(&format!("{pad}time.sleep(0)\n")),
            PorOp::Put(n) => s.push_str(&format!("{pad}q.put({n})\n")),
            PorOp::Get => s.push_str(&format!("{pad}if not q.empty():\n{pad}    a = q.get()\n")),
        }
    }
    let mut s = String::from(
        "import threading, time, queue\nclass Box:\n    pass\nbox = Box()\nbox.v = 0\nlocks = [threading.Lock(), threading.Lock()]\nsem = threading.Semaphore(1)\nev = threading.Event()\nq = queue.Queue()\ncounter = 0\na = 0\nb = 0\nitems = []\nd = {}\n",
    );
    for (i, body) in threads.iter().enumerate() {
        s.push_str(&format!("def t{i}():\n    global counter, a, b\n"));
        for o in body {
            emit(&mut s, o, 4);
        }
    }
    s.push_str(&start_and_join(threads.len(), false, "counter, a, b, items, box.v, sorted(d.items()), q.qsize()"));
    s
}

proptest! {
    #![proptest_config(cases(12))]

    /// Partial-order reduction loses no outcome: random programs of shared and private
    /// reads and writes, containers, attributes, locks, a semaphore, an event, a queue,
    /// sleeps and prints, searched exhaustively within two preemptions with and without it,
    /// reach the same outputs and final values (and a deadlock either both or neither) — and
    /// the reduced search runs no more schedules, on one worker or two alike.
    #[test]
    fn partial_order_reduction_reaches_the_same_outcomes(
        threads in prop::collection::vec(prop::collection::vec(por_op(), 1..4), 2..4),
        gil in prop_oneof![Just(GilMode::Cpython310), Just(GilMode::Cpython39), Just(GilMode::FreeThreaded)],
    ) {
        use sim_core::explore::{self, ExploreOptions, RunLimits, StrategyKind};
        let src = por_program(&threads);
        let prog = std::sync::Arc::new(sim_core::py::compile("por.py", &src, &IndexMap::new()).expect("compiles"));
        let settings = RuntimeSettings { gil, ..RuntimeSettings::default() };
        let search = |reduction: bool, jobs: usize| {
            let opts = ExploreOptions {
                strategy: StrategyKind::Dfs,
                budget: 20_000,
                seconds: 300.0,
                preemptions: 2,
                jobs,
                limits: RunLimits { turns: 2_000, reduction, ..RunLimits::default() },
                ..ExploreOptions::default()
            };
            explore::explore(&prog, &settings, &opts, |_| true)
        };
        let (with, without) = (search(true, 1), search(false, 1));
        prop_assert_eq!(with.found.is_some(), without.found.is_some(), "{}", src);
        // Two workers share the reduced search and come to the same result.
        let two = search(true, 2);
        prop_assert_eq!(two.tried, with.tried, "{}", src);
        prop_assert_eq!(&two.outcomes, &with.outcomes, "{}", src);
        if without.found.is_none() {
            prop_assume!(with.exhausted && without.exhausted);
            // What it printed and the module's final values (a dict's insertion order too).
            let outputs = |ex: &explore::Exploration| {
                let mut v: Vec<_> = ex.outcomes.iter().map(|(o, _)| (o.output.clone(), o.finals.clone())).collect();
                v.sort();
                v.dedup();
                v
            };
            prop_assert_eq!(outputs(&with), outputs(&without), "{}", src);
            prop_assert!(with.tried <= without.tried, "{}: {} > {}", src, with.tried, without.tried);
        }
    }
}
