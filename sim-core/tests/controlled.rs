//! Controlled mode, schedules and the search (issue 12): the turnstile runs one thread at
//! a time, a schedule replays exactly, and `explore` finds what the GIL mode allows.

use indexmap::IndexMap;
use sim_core::control::Schedule;
use sim_core::explore::{self, Check, ExploreOptions, RunLimits, StrategyKind};
use sim_core::model::{GilMode, RuntimeSettings};
use sim_core::py::Program;
use sim_core::py::value::V;
use std::sync::Arc;

/// Two threads, each adding 1 to a global twice: the smallest race.
const RACE: &str = "import threading

counter = 0

def work():
    global counter
    for _ in range(2):
        counter += 1

t1 = threading.Thread(target=work)
t2 = threading.Thread(target=work)
t1.start()
t2.start()
t1.join()
t2.join()
print('counter =', counter)
";

fn program(src: &str, overrides: &[(&str, V)]) -> Arc<Program> {
    let ov: IndexMap<String, V> = overrides.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    Arc::new(sim_core::py::compile("test.py", src, &ov).expect("compiles"))
}

fn settings(gil: GilMode) -> RuntimeSettings {
    RuntimeSettings { gil, ..Default::default() }
}

fn dfs(check: Option<&str>, preemptions: usize) -> ExploreOptions {
    ExploreOptions {
        strategy: StrategyKind::Dfs,
        budget: 5_000,
        seconds: 120.0,
        check: check.map(Check::new),
        preemptions,
        ..Default::default()
    }
}

/// `prog` run controlled under the default schedule.
fn default_run(prog: &Arc<Program>, gil: GilMode, limits: RunLimits) -> explore::Controlled {
    explore::run_controlled(prog, &settings(gil), Box::new(sim_core::control::DefaultSchedule), None, limits)
}

fn catalog(id: &str) -> String {
    std::fs::read_to_string(format!("{}/../saved-scenarios/{id}.py", env!("CARGO_MANIFEST_DIR"))).expect("catalog file")
}

#[test]
fn the_default_schedule_runs_the_race_to_its_end_without_losing_an_update() {
    let prog = program(RACE, &[]);
    for gil in GilMode::ALL {
        let run = default_run(&prog, gil, RunLimits::default());
        assert_eq!(run.outcome.output, vec!["counter = 4"], "{gil:?}");
        assert_eq!(run.outcome.failure, None);
        sim_core::invariants::check(&run.trace).expect("invariants");
        // One thread at a time: no two threads are ever between a start and its end of cpu.
        assert!(run.report.turns > 0);
    }
}

#[test]
fn explore_finds_the_lost_update_under_39_and_free_threaded_but_not_under_310() {
    let prog = program(RACE, &[]);
    for gil in [GilMode::Cpython39, GilMode::FreeThreaded] {
        let ex = explore::explore(&prog, &settings(gil), &dfs(Some("counter == 4"), 2), |_| true);
        let found = ex.found.unwrap_or_else(|| panic!("{gil:?}: no lost update in {} schedules", ex.tried));
        assert!(found.what.contains("counter == 4"), "{}", found.what);
        assert!(found.preemptions <= 2, "shrunk to at most two preemptions: {}", found.preemptions);
        assert!(ex.tried <= 200, "{gil:?}: found within a small budget, took {}", ex.tried);
        // The saved schedule replays to the same lost update.
        let again = explore::replay(&prog, &settings(gil), &found.schedule, RunLimits::default()).expect("fits");
        assert_ne!(again.outcome.output, vec!["counter = 4"], "{gil:?}: {}", found.schedule);
        assert_eq!(again.outcome.output, found.run.outcome.output);
    }
    let ex = explore::explore(&prog, &settings(GilMode::Cpython310), &dfs(Some("counter == 4"), 2), |_| true);
    assert!(ex.found.is_none(), "3.10+ never splits `counter += 1`");
    assert!(ex.exhausted, "every schedule within the bound was tried ({} of them)", ex.tried);
    assert!(ex.tried > 1, "there were choices to make");
    assert_eq!(ex.outcomes.len(), 1, "one outcome only: {:?}", ex.outcomes);
}

#[test]
fn explore_finds_the_notes_deadlock_with_two_switches_and_the_schedule_replays_it() {
    let src = catalog("deadlock");
    // No pause between the acquires: only the schedule can make it deadlock.
    let prog = program(&src, &[("HOLD", V::Float(0.0))]);
    let s = settings(GilMode::Cpython310);
    let plain =
        explore::run_controlled(&prog, &s, Box::new(sim_core::control::DefaultSchedule), None, RunLimits::default());
    assert_eq!(plain.outcome.failure, None, "the default schedule runs one thread to its end first");
    let ex = explore::explore(&prog, &s, &dfs(None, 2), |_| true);
    let found = ex.found.expect("a deadlock");
    assert!(found.what.starts_with("Deadlock"), "{}", found.what);
    assert!(found.preemptions <= 2, "{} preemptions: {}", found.preemptions, found.schedule);
    let again = explore::replay(&prog, &s, &found.schedule, RunLimits::default()).expect("fits");
    assert!(again.report.deadlock);
    // The text form reads back as itself.
    let text = found.schedule.to_string();
    assert_eq!(Schedule::parse(&text).expect("parses"), found.schedule);
}

#[test]
fn the_lock_protected_counter_is_proved_within_its_bound() {
    let src = RACE
        .replace("counter = 0\n", "counter = 0\nlock = threading.Lock()\n")
        .replace("        counter += 1", "        with lock:\n            counter += 1");
    let prog = program(&src, &[]);
    for gil in GilMode::ALL {
        let ex = explore::explore(&prog, &settings(gil), &dfs(Some("counter == 4"), 2), |_| true);
        assert!(ex.found.is_none(), "{gil:?}: {:?}", ex.found.map(|f| f.what));
        assert!(ex.exhausted, "{gil:?}: all {} schedules within the bound", ex.tried);
    }
}

/// The race under 3.9, and the schedule `explore` finds that loses an update.
fn lost_update_schedule() -> (Arc<Program>, RuntimeSettings, Schedule) {
    let prog = program(RACE, &[]);
    let s = settings(GilMode::Cpython39);
    let ex = explore::explore(&prog, &s, &dfs(Some("counter == 4"), 2), |_| true);
    (prog, s, ex.found.expect("a lost update").schedule)
}

#[test]
fn a_schedule_replayed_100_times_gives_identical_events() {
    let (prog, s, sched) = lost_update_schedule();
    let key = |t: &sim_core::trace::Trace| {
        t.events.iter().map(|e| (e.t_ns, e.thread, e.line, format!("{:?}", e.kind))).collect::<Vec<_>>()
    };
    let first = key(&explore::replay(&prog, &s, &sched, RunLimits::default()).expect("fits").trace);
    for i in 0..100 {
        let again = explore::replay(&prog, &s, &sched, RunLimits::default()).expect("fits");
        assert_eq!(key(&again.trace), first, "replay {i} differs");
    }
}

#[test]
fn a_schedule_for_an_edited_program_fails_at_the_step_where_it_diverged() {
    let (_, s, sched) = lost_update_schedule();
    // A blank line added at the top moves every line down by one.
    let edited = program(&format!("\n{RACE}"), &[]);
    let err = explore::replay(&edited, &s, &sched, RunLimits::default()).err().expect("diverges");
    let first = sched.steps[0].step;
    assert!(err.contains(&format!("step {first}")), "{err}");
    assert!(err.contains("line"), "{err}");
    // And a garbled schedule is a message, not a panic.
    assert!(Schedule::parse("3:X1@2").unwrap_err().contains("token 1"));
    assert!(Schedule::parse("5:T1 3:T0").unwrap_err().contains("increase"));
}

#[test]
fn a_program_that_never_ends_stops_at_the_turn_limit() {
    let prog = program("import threading\nx = 0\nwhile True:\n    x += 1\n", &[]);
    let limits = RunLimits { turns: 5_000, ..Default::default() };
    let run = default_run(&prog, GilMode::Cpython310, limits);
    assert!(run.report.turn_limit);
    assert!(run.outcome.failure.as_deref().is_some_and(|f| f.starts_with("turn limit")));
}

#[test]
fn stats_counts_the_notes_first_example_in_both_orders() {
    // n = 5; T1: n + 20, T2: n * 10 — with no head start, the order is the OS's.
    let src = catalog("gil-order-dependence");
    let prog = program(&src, &[("DELAY", V::Float(0.001))]);
    let bars =
        explore::stats(&prog, &settings(GilMode::Cpython310), 6, 2, std::time::Duration::from_secs(20), |_| true);
    let total: usize = bars.iter().map(|b| b.count).sum();
    assert_eq!(total, 6);
    for b in &bars {
        assert!(b.label.contains("n = 250") || b.label.contains("n = 70"), "{}", b.label);
    }
}

#[test]
fn stats_on_two_jobs_gives_the_bars_and_traces_one_job_gives() {
    // Run i is seeded with i: an unseeded `random` makes the outcome a function of the run.
    let src = "import random\nx = random.randint(1, 4)\nprint('drew', x)\n";
    let prog = program(src, &[]);
    let go = |jobs| {
        explore::stats_with_traces(
            &prog,
            &settings(GilMode::Cpython310),
            40,
            jobs,
            std::time::Duration::from_secs(20),
            |_| true,
        )
    };
    let (one, t1) = go(1);
    let (two, t2) = go(2);
    assert_eq!(one, two);
    assert!(one.len() >= 3, "{one:?}");
    assert_eq!(one.iter().map(|b| b.count).sum::<usize>(), 40);
    let printed = |ts: &[sim_core::trace::Trace]| -> Vec<String> {
        ts.iter()
            .map(|t| {
                t.events
                    .iter()
                    .find_map(|e| match &e.kind {
                        sim_core::event::EventKind::Print { line, .. } => Some(line.clone()),
                        _ => None,
                    })
                    .unwrap_or_default()
            })
            .collect()
    };
    assert_eq!(printed(&t1), printed(&t2));
    // Each bar's trace is its first run's.
    for b in &one {
        let t = &t1[b.trace.expect("a trace per outcome")];
        assert!(
            b.label.contains(&printed(std::slice::from_ref(t))[0]),
            "{} / {:?}",
            b.label,
            printed(std::slice::from_ref(t))
        );
    }
}

#[test]
fn a_thread_spinning_on_a_flag_lets_the_setter_run_under_the_default_schedule() {
    // The default keeps the running thread only for a switch interval's worth of turns while
    // another could run, as CPython's forced switch does: the spinner does not starve the
    // thread that sets its flag (and the time it prints is the same in every replay).
    let src = "import threading, time\ndone = False\ndef setter():\n    global done\n    time.sleep(0.01)\n    done = True\nt = threading.Thread(target=setter)\nt.start()\nn = 0\nwhile not done:\n    n += 1\nt.join()\nprint('done', time.time() > 0)\n";
    let prog = program(src, &[]);
    for gil in GilMode::ALL {
        let limits = RunLimits { turns: 100_000, ..Default::default() };
        let run = default_run(&prog, gil, limits);
        assert!(!run.report.turn_limit, "{gil:?}: the spinner starved the setter");
        assert_eq!(run.outcome.output, vec!["done True"], "{gil:?}");
    }
}

#[test]
fn a_daemon_process_ends_in_a_controlled_run() {
    let src = "import multiprocessing\ndef f():\n    print('child')\nif __name__ == '__main__':\n    p = multiprocessing.Process(target=f, daemon=True)\n    p.start()\n    p.join()\n    print('exit', p.exitcode)\n";
    let prog = program(src, &[]);
    let limits = RunLimits { wall: std::time::Duration::from_secs(20), ..Default::default() };
    let run = default_run(&prog, GilMode::Cpython310, limits);
    assert!(!run.report.stopped_from_outside, "the run hung until the wall limit");
    assert_eq!(run.outcome.output, vec!["child", "exit 0"]);
    assert_eq!(run.outcome.failure, None);
}

#[test]
fn a_schedule_with_choices_the_run_never_reaches_is_refused() {
    let prog = program(RACE, &[]);
    let sched = Schedule::parse("500:T1").unwrap();
    let err = explore::replay(&prog, &settings(GilMode::Cpython39), &sched, RunLimits::default()).err().unwrap();
    assert!(err.contains("step 500"), "{err}");
}

#[test]
fn a_never_ending_program_gets_the_same_verdict_on_a_loaded_machine() {
    let prog = program(
        "import threading\nflag = False\ndef spin():\n    while not flag:\n        pass\nt = threading.Thread(target=spin)\nt.start()\nt.join()\n",
        &[],
    );
    let opts = ExploreOptions { limits: RunLimits { turns: 20_000, ..Default::default() }, ..dfs(None, 2) };
    let verdict = || {
        let ex = explore::explore(&prog, &settings(GilMode::Cpython310), &opts, |_| true);
        let f = ex.found.expect("a failure");
        (f.what, f.steps, ex.tried)
    };
    let quiet = verdict();
    // Two busy threads beside it: the run is slower, the verdict the same.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let spinners: Vec<_> = (0..2)
        .map(|_| {
            let stop = std::sync::Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut x = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
                }
            })
        })
        .collect();
    let loaded = verdict();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    spinners.into_iter().for_each(|s| s.join().unwrap());
    // The spinner is found spinning at its second pass with nothing changed: the program
    // never ends, said long before the turn limit.
    assert!(quiet.0.starts_with("never ends: after "), "{}", quiet.0);
    assert!(quiet.0.contains("spins in a `while` loop"), "{}", quiet.0);
    assert_eq!(quiet, loaded);
}

#[test]
fn an_exception_that_leads_to_a_deadlock_is_reported_first() {
    // Thread-1 raises inside `acquire` without releasing; the main thread then waits for
    // the lock forever. The failure is the exception, the deadlock after it.
    let prog = program(
        "import threading\nlock = threading.Lock()\ndef work():\n    lock.acquire()\n    raise ValueError('boom')\nt = threading.Thread(target=work)\nt.start()\nt.join()\nlock.acquire()\n",
        &[],
    );
    let run = default_run(&prog, GilMode::Cpython310, RunLimits::default());
    let what = run.outcome.failure.expect("a failure");
    assert!(what.starts_with("ValueError: boom (in Thread-1 (work)); then Deadlock"), "{what}");
}

#[test]
fn a_check_sees_attributes_and_containers_of_module_objects() {
    let prog = program(
        "class Account:\n    def __init__(self):\n        self.balance = 100\n        self.log = [1, 2]\n    def total(self):\n        return self.balance\naccount = Account()\nitems = [account]\n",
        &[],
    );
    let run = default_run(&prog, GilMode::Cpython310, RunLimits::default());
    let finals = &run.finals;
    let ok = |expr: &str| Check::new(expr).eval(finals);
    assert_eq!(ok("account.balance == 100 and len(account.log) == 2"), Ok(true));
    assert_eq!(ok("items[0].balance > 100"), Ok(false));
    assert!(ok("account.missing").unwrap_err().contains("AttributeError"));
    // Bad checks say what is wrong, in Python's words, and never run as statements.
    assert!(ok("account ==").unwrap_err().contains("SyntaxError"), "{:?}", ok("account =="));
    assert!(ok("1) ; (2").unwrap_err().contains("one expression"));
    assert!(ok("nosuch > 0").unwrap_err().contains("NameError: name 'nosuch' is not defined"));
    // The check sees the objects' attributes, not the program's code (which belongs to the
    // run's world): a method call is an AttributeError, never a crash.
    let e = ok("account.total() == 100").unwrap_err();
    assert!(e.contains("AttributeError") && e.contains("total"), "{e}");
    // The same check object evaluates many runs (compiled once).
    let c = Check::new("account.balance == 100");
    for _ in 0..3 {
        assert_eq!(c.eval(finals), Ok(true));
    }
}

#[test]
fn shrinking_reaches_a_local_minimum_even_from_a_random_find() {
    // Random schedules preempt all the time; the shrunk one keeps only what the failure
    // needs, and no single choice of it can be dropped.
    let prog = program(&catalog("race-counter"), &[("ITERATIONS", V::Int(3))]);
    let s = settings(GilMode::Cpython39);
    let opts = ExploreOptions {
        strategy: StrategyKind::Random,
        seed: 7,
        check: Some(Check::new("counter == THREADS * ITERATIONS")),
        ..dfs(None, 2)
    };
    let ex = explore::explore(&prog, &s, &opts, |_| true);
    let found = ex.found.expect("random finds the lost update");
    assert!(found.preemptions <= 2, "shrunk to {} preemptions: {}", found.preemptions, found.schedule);
    let kind = found.run.outcome.kind().cloned();
    let steps: Vec<(usize, u32)> = found.schedule.steps.iter().map(|st| (st.step, st.thread)).collect();
    for j in 0..steps.len() {
        let fewer: Vec<(usize, u32)> = steps.iter().enumerate().filter(|(k, _)| *k != j).map(|(_, c)| *c).collect();
        let run = explore::run_controlled(
            &prog,
            &s,
            Box::new(sim_core::control::Sparse(fewer)),
            opts.check.as_ref(),
            RunLimits::default(),
        );
        assert_ne!(run.outcome.kind(), kind.as_ref(), "choice {j} of {} could be dropped", found.schedule);
    }
}

const PETERSON3: &str = "import threading\nN = 3\nflag = [False] * N\nturn = 0\nin_critical = 0\nmost = 0\n\
def worker(i):\n    global turn, in_critical, most\n    flag[i] = True\n    turn = i\n    while turn == i and any(flag[j] for j in range(N) if j != i):\n        pass\n    in_critical += 1\n    most = max(most, in_critical)\n    in_critical -= 1\n    flag[i] = False\n\
ts = [threading.Thread(target=worker, args=(i,)) for i in range(N)]\nfor t in ts:\n    t.start()\nfor t in ts:\n    t.join()\n";

#[test]
fn auto_falls_back_to_sampling_and_finds_three_way_peterson_broken() {
    // Peterson's lock naively extended to three threads lets two in at once, but only
    // after about four preemptions: beyond depth-first's bound of 2, found by sampling.
    let prog = program(PETERSON3, &[]);
    let opts = ExploreOptions {
        strategy: StrategyKind::Auto,
        budget: 200,
        check: Some(Check::new("most == 1")),
        ..dfs(None, 2)
    };
    let ex = explore::explore(&prog, &settings(GilMode::Cpython310), &opts, |_| true);
    assert_eq!(ex.fell_back_after, Some(100), "depth-first ran half the budget, then sampling");
    let found = ex.found.expect("two threads inside at once");
    assert!(found.what.contains("most == 1"), "{}", found.what);
    // Deterministic for a seed: the same search finds the same schedule.
    let again = explore::explore(&prog, &settings(GilMode::Cpython310), &opts, |_| true);
    assert_eq!(again.found.map(|f| f.schedule.to_string()), Some(found.schedule.to_string()));
}

#[test]
fn a_spin_on_a_generator_expression_waits_instead_of_branching() {
    // `while turn == i and any(flag[j] for j in range(N) if j != i)`: the generator
    // expression's own `j` is stored on every pass, and `any` consumes an iterator — but one
    // made for that call, seen by nobody else. Neither is a change another thread could see,
    // so a thread back at the loop with nothing else changed waits (it used to branch on
    // every pass: depth-first within 2 preemptions did not finish in 100 000 schedules, and
    // only random sampling found the bug). Now depth-first finds it within 2.
    let prog = program(PETERSON3, &[]);
    let ex = explore::explore(&prog, &settings(GilMode::Cpython310), &dfs(Some("most == 1"), 2), |_| true);
    assert!(ex.spin_waits > 0, "the spin was reduced");
    let found = ex.found.expect("two threads inside at once, within 2 preemptions");
    assert!(found.what.contains("most == 1"), "{}", found.what);
    assert!(ex.tried < 5_000, "found at schedule {}", ex.tried);
    // A generator bound to a name outlives the call that consumes it: that is a change, and
    // such a loop is not reduced (here it ends once the generator is used up).
    let prog = program(
        "import threading\nflags = [True] * 4\ng = (f for f in flags)\ndef spin():\n    while any(g):\n        pass\nt = threading.Thread(target=spin)\nt.start()\nt.join()\nprint('done')\n",
        &[],
    );
    let ex = explore::explore(&prog, &settings(GilMode::Cpython310), &dfs(None, 2), |_| true);
    assert!(ex.found.is_none(), "{:?}", ex.found.map(|f| f.what));
    assert_eq!(ex.spin_waits, 0, "a shared generator's consumption counts as a change");
    assert!(ex.outcomes.iter().all(|(o, _)| o.output == ["done"]), "{:?}", ex.outcomes);
    // Nor is a fresh generator expression over an iterator that outlives it: each pass uses
    // one item up (CPython ends after four passes).
    let prog = program(
        "import threading\ndef worker():\n    src = iter([0, 0, 0])\n    while not all(x for x in src):\n        pass\n    print('done')\nt = threading.Thread(target=worker)\nt.start()\nt.join()\n",
        &[],
    );
    let ex = explore::explore(&prog, &settings(GilMode::Cpython310), &dfs(None, 2), |_| true);
    assert!(ex.found.is_none(), "{:?}", ex.found.map(|f| f.what));
    assert!(ex.outcomes.iter().all(|(o, _)| o.output == ["done"]), "{:?}", ex.outcomes);
}

#[test]
fn sampling_never_starves_a_thread_into_a_false_turn_limit() {
    // A thread spins until another sets a flag: a strategy free to keep the spinner
    // running forever would call it a program that never ends; the forced switch every
    // switch interval (CPython's, and every strategy's here) lets the setter run.
    let prog = program(
        "import threading\nflag = False\ndef spin():\n    while not flag:\n        pass\ndef setter():\n    global flag\n    flag = True\na = threading.Thread(target=spin)\nb = threading.Thread(target=setter)\na.start(); b.start()\na.join(); b.join()\n",
        &[],
    );
    for strategy in [StrategyKind::Pct, StrategyKind::Random] {
        let opts = ExploreOptions { strategy, budget: 60, ..dfs(None, 2) };
        let ex = explore::explore(&prog, &settings(GilMode::Cpython310), &opts, |_| true);
        assert!(ex.found.is_none(), "{strategy:?}: {:?}", ex.found.map(|f| f.what));
    }
}

/// Two tasks that each log, yield, and log again: CPython's FIFO ready queue gives
/// a, b, a, b; another order of the ready batch gives another log.
const AIO_ORDER: &str = "import asyncio

log = []

async def worker(name):
    log.append(name)
    await asyncio.sleep(0)
    log.append(name)

async def main():
    await asyncio.gather(worker('a'), worker('b'))
    print(log)

asyncio.run(main())
";

#[test]
fn an_event_loops_ready_batch_is_a_choice_point_fifo_by_default() {
    let prog = program(AIO_ORDER, &[]);
    // The default schedule is CPython's order.
    let run = default_run(&prog, GilMode::Cpython310, RunLimits::default());
    assert_eq!(run.outcome.output, ["['a', 'b', 'a', 'b']"]);
    let ready: Vec<_> = run
        .report
        .decisions
        .iter()
        .filter(|d| matches!(&d.kind, sim_core::control::DecisionKind::Ready { names, .. } if names[0].starts_with("Task-2 (worker)")))
        .collect();
    assert!(!ready.is_empty(), "the two tasks' steps are a choice: {:?}", run.report.decisions);
    // The search finds the other orders, and the schedule it prints replays one.
    let ex =
        explore::explore(&prog, &settings(GilMode::Cpython310), &dfs(Some("log == ['a', 'b', 'a', 'b']"), 2), |_| true);
    let f = ex.found.expect("another order of the ready tasks");
    let text = f.schedule.to_string();
    assert!(text.contains(":K1"), "{text}");
    let back = Schedule::parse(&text).unwrap();
    assert_eq!(back, f.schedule);
    let replay = explore::run_controlled(
        &prog,
        &settings(GilMode::Cpython310),
        Box::new(sim_core::control::Replay::new(back)),
        None,
        RunLimits::default(),
    );
    assert_eq!(replay.outcome.output, f.run.outcome.output);
    assert_ne!(replay.outcome.output, ["['a', 'b', 'a', 'b']"]);
}

#[test]
fn explore_finds_the_race_across_an_await_and_proves_the_asyncio_lock_version() {
    let src = catalog("asyncio-race");
    let unlocked = program(&src, &[("USE_LOCK", V::Int(0))]);
    let ex = explore::explore(&unlocked, &settings(GilMode::Cpython310), &dfs(Some("balance >= 0"), 2), |_| true);
    assert!(ex.found.is_some(), "the await race");
    let locked = program(&src, &[("USE_LOCK", V::Int(1))]);
    let ex = explore::explore(&locked, &settings(GilMode::Cpython310), &dfs(Some("balance >= 0"), 2), |_| true);
    assert!(ex.found.is_none(), "{:?}", ex.found.map(|f| f.what));
    assert!(ex.exhausted, "proved within the bound");
    assert!(ex.tried > 1, "the ready orders were searched, not just FIFO: {} schedules", ex.tried);
}

#[test]
fn a_spin_loop_that_changes_nothing_is_not_searched_pass_by_pass() {
    // The flags puzzle under 3.10+ with its own par of 6 preemptions: without spin-loop
    // detection every idle pass of `while flags[other]: pass` was a choice point and depth
    // first could not finish (3 preemptions already took 8 655 schedules); now a pass that
    // changes nothing makes the thread wait for a change, and the proof is small.
    let src = std::fs::read_to_string(format!(
        "{}/../saved-scenarios/challenges/07-flags-as-a-lock.py",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let prog = program(&src, &[]);
    let opts = ExploreOptions { budget: 20_000, ..dfs(Some("not (most == 2)"), 6) };
    let ex = explore::explore(&prog, &settings(GilMode::Cpython310), &opts, |_| true);
    assert!(ex.found.is_none(), "{:?}", ex.found.map(|f| f.what));
    assert!(ex.exhausted, "proved within 6 preemptions ({} schedules)", ex.tried);
    assert!(ex.tried < 10_000, "{} schedules", ex.tried);
    // (Under 3.9 it is still won: tests/challenges.rs reaches every goal within its par.)
}

#[test]
fn loops_that_change_something_are_not_taken_for_spinning() {
    // Each pass changes state: a pop, a local counter, the clock, a queue read. None may be
    // parked as spinning, or the run would be reported as never ending.
    let programs = [
        "items = [1, 2, 3]\nwhile items:\n    items.pop()\nprint('empty')\n",
        "i = 0\nwhile i < 50:\n    i = i + 1\nprint(i)\n",
        "import time\nt0 = time.time()\nwhile time.time() < t0 + 0.005:\n    pass\nprint('waited')\n",
        "import threading, queue\nq = queue.Queue()\ndef put():\n    q.put(1)\nthreading.Thread(target=put).start()\nwhile q.empty():\n    pass\nprint(q.get())\n",
        "import threading\ndone = False\ndef set_it():\n    global done\n    done = True\nthreading.Thread(target=set_it).start()\nwhile not done:\n    pass\nprint('set')\n",
        // A switch point between a store's count and the store itself (the call in `+=`'s
        // right side): the spinner must not read the old value, park, and miss the store.
        "import threading\ncount = 0\nseen = False\ndef one():\n    return 1\ndef worker():\n    global count\n    count += one()\n    while not seen:\n        pass\nt = threading.Thread(target=worker)\nt.start()\nwhile count == 0:\n    pass\nseen = True\nt.join()\nprint(count)\n",
        // Native code that runs Python (switch points) before it changes the list.
        "import threading\nitems = []\ndef f(x):\n    return x\ndef worker():\n    items.extend(f(x) for x in range(3))\nt = threading.Thread(target=worker)\nt.start()\nwhile len(items) < 3:\n    pass\nt.join()\nprint(items)\n",
    ];
    for src in programs {
        let prog = program(src, &[]);
        for gil in GilMode::ALL {
            let run = default_run(&prog, gil, RunLimits::default());
            assert_eq!(run.outcome.failure, None, "{gil:?}: {src}");
            assert_eq!(run.outcome.output.len(), 1, "{gil:?}: {src}");
        }
        // And no schedule of them is reported as never ending.
        let ex = explore::explore(&prog, &settings(GilMode::Cpython310), &dfs(None, 2), |_| true);
        assert!(ex.found.is_none(), "{src}: {:?}", ex.found.map(|f| f.what));
    }
}

#[test]
fn a_released_lock_may_go_to_its_waiter_at_once_as_the_os_may_give_it() {
    // The worker waits in `acquire` (the GIL released). When the main thread releases, the
    // OS may hand the lock to the worker at once: it owns it before it runs again, and the
    // main thread, still holding the GIL, sees `lock.locked()` true. Without that handoff no
    // schedule shows it: the worker takes and leaves the lock with no switch point between.
    let src = "import threading, time\nlock = threading.Lock()\nseen = []\ndef worker():\n    with lock:\n        pass\nlock.acquire()\nt = threading.Thread(target=worker)\nt.start()\ntime.sleep(0.01)\nlock.release()\nseen.append(lock.locked())\nt.join()\nprint(seen)\n";
    let prog = program(src, &[]);
    let run = default_run(&prog, GilMode::Cpython310, RunLimits::default());
    assert_eq!(run.outcome.output, ["[False]"], "the default leaves the lock free");
    let handoffs = run
        .report
        .decisions
        .iter()
        .filter(|d| matches!(d.kind, sim_core::control::DecisionKind::Handoff { .. }))
        .count();
    assert_eq!(handoffs, 1, "the release with a waiter is a choice");
    let ex = explore::explore(&prog, &settings(GilMode::Cpython310), &dfs(Some("seen == [False]"), 2), |_| true);
    let f = ex.found.expect("the handoff");
    assert_eq!(f.run.outcome.output, ["[True]"]);
    let text = f.schedule.to_string();
    assert!(text.contains(":H1"), "{text}");
    let back =
        explore::replay(&prog, &settings(GilMode::Cpython310), &Schedule::parse(&text).unwrap(), RunLimits::default())
            .unwrap();
    assert_eq!(back.outcome.output, ["[True]"]);
}

#[test]
fn dining_philosophers_with_nested_with_can_deadlock_under_3_10() {
    // Leaving an inner `with` calls `__exit__`, after which CPython 3.10+ checks the eval
    // breaker: a philosopher can be switched out holding its left fork. Real 3.10 and 3.12
    // deadlock on this program (rarely); explore must find it, not prove it safe.
    let src = "import threading\nN = 3\nforks = [threading.Lock() for _ in range(N)]\nmeals = 0\ndef philosopher(i):\n    global meals\n    left, right = forks[i], forks[(i + 1) % N]\n    for _ in range(2):\n        with left:\n            with right:\n                meals += 1\nts = [threading.Thread(target=philosopher, args=(i,)) for i in range(N)]\nfor t in ts:\n    t.start()\nfor t in ts:\n    t.join()\nprint('meals:', meals)\n";
    let prog = program(src, &[]);
    let ex = explore::explore(&prog, &settings(GilMode::Cpython310), &dfs(None, 2), |_| true);
    let f = ex.found.expect("a deadlock");
    assert!(f.what.starts_with("Deadlock"), "{}", f.what);
    assert!(f.preemptions <= 2);
}

#[test]
fn a_deadlock_beside_a_spinning_thread_is_reported_as_the_deadlock() {
    // Two threads take two locks in opposite orders while a third spins on a flag nobody
    // sets: the run never ends, and what to say is the cycle, not only "never ends".
    let src = "import threading, time\na = threading.Lock()\nb = threading.Lock()\nflag = False\ndef one():\n    with a:\n        time.sleep(0.01)\n        with b:\n            pass\ndef two():\n    with b:\n        time.sleep(0.01)\n        with a:\n            pass\ndef spin():\n    while not flag:\n        pass\nts = [threading.Thread(target=f, daemon=True) for f in (one, two, spin)]\nfor t in ts:\n    t.start()\nfor t in ts:\n    t.join()\n";
    let prog = program(src, &[]);
    let run = default_run(&prog, GilMode::Cpython310, RunLimits::default());
    let what = run.outcome.failure.expect("it never ends");
    assert!(what.starts_with("Deadlock"), "{what}");
    assert!(!run.report.livelock);
}

/// What a search came to, in words two searches can be compared by: schedules tried,
/// outcomes with their counts, whether it was exhaustive, the failure found (what, where,
/// its schedule), turns.
fn verdict(ex: &explore::Exploration) -> String {
    let outcomes: Vec<String> = ex.outcomes.iter().map(|(o, n)| format!("{n} × {}", o.words())).collect();
    let found = ex.found.as_ref().map(|f| format!("{} at {}: {}", f.what, f.found_at, f.schedule));
    format!("{} tried; {outcomes:?}; exhausted {}; found {found:?}; {} turns", ex.tried, ex.exhausted, ex.turns)
}

#[test]
fn parallel_explore_gives_the_one_job_result_and_its_schedule_replays_alone() {
    let race = program(RACE, &[]);
    let philosophers = program(&catalog("deadlock"), &[]);
    let cases: Vec<(&str, Arc<Program>, GilMode, ExploreOptions)> = vec![
        // Proved: every schedule within the bound, the same ones counted.
        ("race proved under 3.10+", Arc::clone(&race), GilMode::Cpython310, dfs(Some("counter == 4"), 2)),
        // Found: the same failure first, at the same place in the order.
        ("race found under 3.9", Arc::clone(&race), GilMode::Cpython39, dfs(Some("counter == 4"), 2)),
        ("the notes' deadlock", Arc::clone(&philosophers), GilMode::Cpython310, dfs(None, 2)),
        // Cut by the budget: the same first 40 schedules.
        ("budget of 40", Arc::clone(&race), GilMode::Cpython39, ExploreOptions { budget: 40, ..dfs(None, 3) }),
        // Sampled: schedule i from the i-th seed, the first failure by number.
        (
            "random, seed 7",
            Arc::clone(&race),
            GilMode::Cpython39,
            ExploreOptions { strategy: StrategyKind::Random, seed: 7, ..dfs(Some("counter == 4"), 2) },
        ),
        (
            "PCT, 100 schedules",
            Arc::clone(&race),
            GilMode::Cpython310,
            ExploreOptions { strategy: StrategyKind::Pct, seed: 3, budget: 100, ..dfs(Some("counter == 4"), 2) },
        ),
    ];
    for (what, prog, gil, opts) in cases {
        let one = explore::explore(&prog, &settings(gil), &ExploreOptions { jobs: 1, ..opts.clone() }, |_| true);
        for jobs in [2, 3] {
            let many = explore::explore(&prog, &settings(gil), &ExploreOptions { jobs, ..opts.clone() }, |_| true);
            assert_eq!(verdict(&one), verdict(&many), "{what}: 1 job and {jobs} jobs differ");
            if let Some(f) = &many.found {
                // Found by several jobs, replayed by one: the same failure.
                let again = explore::run_controlled(
                    &prog,
                    &settings(gil),
                    Box::new(sim_core::control::Replay::new(f.schedule.clone())),
                    opts.check.as_ref(),
                    RunLimits::default(),
                );
                assert_eq!(again.outcome.kind(), f.run.outcome.kind(), "{what}: the replay fails the same way");
            }
        }
        match what {
            "race proved under 3.10+" => assert!(one.exhausted && one.found.is_none()),
            "budget of 40" => assert!(one.tried == 40 && !one.exhausted),
            "PCT, 100 schedules" => assert_eq!(one.tried, 100),
            _ => assert!(one.found.is_some(), "{what}: found"),
        }
    }
}

#[test]
fn a_waiter_woken_without_an_event_still_runs() {
    // `Barrier.abort()` breaks the barrier for its waiter; the main thread then spins on a
    // flag that only the waiter sets. A blocked thread is asked again after events — and
    // abort is announced as a change too — so the waiter runs and the program ends.
    let prog = program(
        "import threading, time\nb = threading.Barrier(2)\ndone = False\ndef w():\n    global done\n    try:\n        b.wait()\n    except threading.BrokenBarrierError:\n        pass\n    done = True\nt = threading.Thread(target=w)\nt.start()\ntime.sleep(0.01)\nb.abort()\nn = 0\nwhile not done:\n    n += 1\nt.join()\nprint('ended')\n",
        &[],
    );
    let run = default_run(&prog, GilMode::Cpython310, RunLimits::default());
    assert_eq!(run.outcome.failure, None, "{:?}", run.outcome);
    assert_eq!(run.outcome.output, vec!["ended".to_string()]);
    let ex = explore::explore(&prog, &settings(GilMode::Cpython310), &dfs(None, 1), |_| true);
    assert!(ex.found.is_none() && ex.exhausted, "{:?}", ex.found.map(|f| f.what));
}

#[test]
fn a_joining_thread_is_asked_again_only_when_the_thread_it_joins_changes() {
    // The worker records three events a pass (request, acquire, release) for 40 passes; the
    // main thread waits in `join` the whole time. It waits on the thread table's condition
    // variable, which only a thread's start or end notifies: asking it after each of the
    // worker's events (a switch of OS thread there and back, every time) would learn
    // nothing. It is asked when the worker ends — and the program still ends as it should.
    let prog = program(
        "import threading\nlock = threading.Lock()\nn = 0\ndef work():\n    global n\n    for _ in range(40):\n        with lock:\n            n += 1\nt = threading.Thread(target=work)\nt.start()\nt.join()\nprint(n)\n",
        &[],
    );
    let run = default_run(&prog, GilMode::Cpython310, RunLimits::default());
    assert_eq!(run.outcome.failure, None, "{:?}", run.outcome);
    assert_eq!(run.outcome.output, vec!["40".to_string()]);
    assert!(run.report.turns >= 40, "a turn per pass at least: {}", run.report.turns);
    assert!(run.report.probes <= 4, "the joining thread was asked {} times", run.report.probes);
}

#[test]
fn a_search_with_no_budget_runs_nothing_and_a_huge_budget_allocates_nothing_up_front() {
    let prog = program(RACE, &[]);
    let none =
        explore::explore(&prog, &settings(GilMode::Cpython310), &ExploreOptions { budget: 0, ..dfs(None, 2) }, |_| {
            true
        });
    assert_eq!((none.tried, none.exhausted, none.found.is_some()), (0, false, false));
    // Random with a budget no machine could hold seeds for, stopped by its clock.
    let opts = ExploreOptions {
        strategy: StrategyKind::Random,
        budget: usize::MAX / 4,
        seconds: 0.5,
        ..dfs(Some("counter >= 0"), 2)
    };
    let ex = explore::explore(&prog, &settings(GilMode::Cpython310), &opts, |_| true);
    assert!(ex.tried > 0 && ex.out_of_time, "{} tried", ex.tried);
}

#[test]
fn a_played_games_choices_are_written_with_their_kinds() {
    // Played by a person (here: the player's script), a ready-batch choice is written `K`,
    // a thread choice `T`, as a schedule writes them.
    let prog = program(AIO_ORDER, &[]);
    let (player, handle) = sim_core::control::Player::new(Vec::new(), None);
    handle.auto();
    let run =
        explore::run_controlled(&prog, &settings(GilMode::Cpython310), Box::new(player), None, RunLimits::default());
    let words = handle.history_words();
    assert_eq!(words.len(), run.report.decisions.len());
    for (w, d) in words.iter().zip(&run.report.decisions) {
        let letter = match d.kind {
            sim_core::control::DecisionKind::Thread => 'T',
            sim_core::control::DecisionKind::Ready { .. } => 'K',
            sim_core::control::DecisionKind::Handoff { .. } => 'H',
        };
        assert_eq!(*w, format!("{letter}{}", d.chosen));
    }
    assert!(words.iter().any(|w| w.starts_with('K')), "{words:?}");
}

#[test]
fn a_released_rlock_may_go_to_its_waiter_at_once_but_a_conditions_lock_is_not_handed_to_its_waiters() {
    // As for a Lock: the worker waits in `acquire`; at the main thread's last release the
    // RLock may be handed to it, so the main thread's non-blocking re-acquire fails.
    let src = "import threading, time\nr = threading.RLock()\nseen = []\ndef worker():\n    with r:\n        pass\nr.acquire()\nr.acquire()\nt = threading.Thread(target=worker)\nt.start()\ntime.sleep(0.01)\nr.release()\nr.release()\ngot = r.acquire(blocking=False)\nseen.append(got)\nif got:\n    r.release()\nt.join()\nprint(seen)\n";
    let prog = program(src, &[]);
    let run = default_run(&prog, GilMode::Cpython310, RunLimits::default());
    assert_eq!(run.outcome.output, ["[True]"], "the default leaves it free");
    let ex = explore::explore(&prog, &settings(GilMode::Cpython310), &dfs(Some("seen == [True]"), 2), |_| true);
    let f = ex.found.expect("the handoff");
    assert_eq!(f.run.outcome.output, ["[False]"]);
    assert!(f.schedule.to_string().contains(":H1"), "{}", f.schedule);
    // A Condition's waiters wait on its resource for a notify: releasing its lock never
    // hands the lock to them (that would be a deadlock no CPython run has).
    let cond = "import threading, time\nc = threading.Condition()\nready = False\ndef waiter():\n    with c:\n        while not ready:\n            c.wait()\nt = threading.Thread(target=waiter)\nt.start()\ntime.sleep(0.01)\nwith c:\n    pass\nwith c:\n    ready = True\n    c.notify()\nt.join()\nprint('ok')\n";
    let prog = program(cond, &[]);
    let ex = explore::explore(&prog, &settings(GilMode::Cpython310), &dfs(None, 2), |_| true);
    assert!(ex.found.is_none() && ex.exhausted, "{:?}", ex.found.map(|f| f.what));
}

#[test]
fn a_check_that_runs_too_long_is_stopped_with_a_sentence() {
    // The check runs on the search's own thread: one that would take hours is stopped after
    // its 10 s, never holding the search.
    let prog = program(RACE, &[]);
    let run = default_run(&prog, GilMode::Cpython310, RunLimits::default());
    let started = std::time::Instant::now();
    let e = Check::new("all(x >= 0 for x in range(10**12))").eval(&run.finals).unwrap_err();
    assert!(e.contains("took longer than 10 s"), "{e}");
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
}
