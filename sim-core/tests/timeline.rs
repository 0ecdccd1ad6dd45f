//! The Timeline model against real runs: what it says at any instant agrees with the events.

mod common;
use common::run;
use sim_core::event::{EventKind, WaitTarget};
use sim_core::timeline::{ThreadState, Timeline};
use sim_core::trace::Trace;

fn timeline(t: &Trace) -> Timeline {
    Timeline::from_events(&t.threads, &t.processes, &t.resources, &t.vars, &t.events)
}

#[test]
fn semaphore_holders_and_counter_agree_at_every_change() {
    let (t, _) = run("semaphore", &[("THREADS", 8.0), ("PERMITS", 3.0), ("HOLD", 0.02)], |_| {});
    let tl = timeline(&t);
    let sem = t.resources.iter().position(|r| r.name == "semaphore").unwrap() as u32;
    let mut checked = 0;
    for e in &t.events {
        if let EventKind::Acquired { res, value, .. } | EventKind::Released { res, value, .. } = &e.kind
            && *res == sem
        {
            let holders = tl.holders_at(sem, e.t_ns).len() as i64;
            let counter = tl.counter_at(sem, e.t_ns).unwrap();
            assert!(holders <= 3, "{holders} holders at {}", e.t_ns);
            assert!(counter >= 0);
            // Several changes can share one timestamp: compare at the last event of that instant.
            let last_at_t = t.events.iter().rev().find(|x| x.t_ns == e.t_ns).unwrap();
            if std::ptr::eq(last_at_t, e) {
                assert_eq!(counter, *value);
                assert_eq!(holders + counter, 3, "value + holders = permits at {}", e.t_ns);
                checked += 1;
            }
        }
    }
    assert!(checked >= 8);
    assert_eq!(tl.resources[sem as usize].max_holders, 3);
}

#[test]
fn queue_contents_at_any_instant_replay_fifo() {
    let (t, _) = run("mp-queue-producer-consumer", &[("PAUSE", 0.01), ("QUEUE_SIZE", 0.0)], |_| {});
    let tl = timeline(&t);
    let q = t.resources.iter().position(|r| r.name == "q").unwrap() as u32;
    for e in &t.events {
        if let EventKind::QueueGet { res, item, len } = &e.kind
            && *res == q
        {
            // Just before the get, the item was at the front; just after, `len` remain.
            let before = tl.queue_contents_at(q, e.t_ns.saturating_sub(1));
            if !before.is_empty() {
                assert_eq!(&before[0], &**item);
            }
            let after_all = t.events.iter().rev().find(|x| x.t_ns == e.t_ns).unwrap();
            if std::ptr::eq(after_all, e) {
                assert_eq!(tl.queue_contents_at(q, e.t_ns).len(), *len as usize);
            }
        }
    }
}

#[test]
fn deadlocked_threads_are_blocked_on_each_others_lock_just_before_the_report() {
    let (t, _) = run("deadlock", &[("HOLD", 0.02)], |_| {});
    let tl = timeline(&t);
    let (t_dl, edges) = tl.deadlock.clone().expect("deadlock");
    for e in edges {
        let s = tl.threads[e.thread as usize].state_at(t_dl.saturating_sub(1));
        assert_eq!(s, ThreadState::Blocked(e.waits_for), "{}", t.threads[e.thread as usize].name);
        assert!(matches!(e.waits_for, WaitTarget::Resource(_)));
    }
    assert!(tl.deadlock_words().unwrap().starts_with("Deadlock: "));
}

#[test]
fn gil_holder_follows_acquire_and_release_events() {
    let (t, _) = run("cpu-bound-threads", &[("THREADS", 3.0), ("N", 1_500_000.0)], |_| {});
    let tl = timeline(&t);
    let mut n = 0;
    for (i, e) in t.events.iter().enumerate() {
        if e.kind == EventKind::GilAcquired {
            // At the last event of this instant, the holder is whoever acquired last.
            if t.events.get(i + 1).is_none_or(|x| x.t_ns > e.t_ns) {
                assert_eq!(tl.gil_holder_at(0, e.t_ns), Some(e.thread));
                n += 1;
            }
        }
    }
    assert!(n > 5);
    let g = &tl.gils[0];
    assert!(g.handoffs.iter().all(|h| h.from != h.to && h.acquired_ns >= h.released_ns));
    assert!(g.forced_switches > 0);
}

#[test]
fn lifo_and_priority_queue_contents_are_what_is_left_not_the_last_puts() {
    // Put 3, 1, 2, get one: LIFO takes the 2 (left: 3, 1), priority the 1 (left: 3, 2) — a
    // FIFO reading would say 1, 2 for both.
    for (kind, want) in [("LifoQueue", vec![3, 1]), ("PriorityQueue", vec![3, 2])] {
        let src = format!(
            "import queue, time\nq = queue.{kind}()\nfor n in (3, 1, 2):\n    q.put(n)\nprint(q.get())\ntime.sleep(0.01)\nprint('done')\n"
        );
        let (trace, _) = sim_core::py::run::run_source(
            "q.py",
            &src,
            &Default::default(),
            Default::default(),
            Some(std::time::Duration::from_secs(10)),
        )
        .unwrap();
        let tl = timeline(&trace);
        let q = trace.resources.iter().position(|r| r.name == "q").unwrap() as u32;
        let end = trace.events.last().unwrap().t_ns;
        let got: Vec<i64> = tl
            .queue_contents_at(q, end)
            .iter()
            .map(|v| if let sim_core::value::Value::Int(i) = v { *i } else { -1 })
            .collect();
        assert_eq!(got, want, "{kind}");
    }
}

/// A join in a deadlock is said as every view says it (`sim_core::words`): the banner, the
/// code panel's marks and the Chrome export agree on "waits to join".
#[test]
fn a_join_wait_has_one_wording_everywhere() {
    let src = "import threading\nlock = threading.Lock()\ndef worker():\n    with lock:\n        pass\nwith lock:\n    t = threading.Thread(target=worker)\n    t.start()\n    t.join()\n";
    let prog = std::sync::Arc::new(sim_core::py::compile("join.py", src, &indexmap::IndexMap::new()).unwrap());
    let trace = sim_core::py::run::PyRun::start(prog, Default::default(), 0, None)
        .finish(Some(std::time::Duration::from_secs(30)));
    let tl = Timeline::from_events(&trace.threads, &trace.processes, &trace.resources, &trace.vars, &trace.events);
    let words = tl.deadlock_words().expect("a deadlock");
    assert!(words.contains("MainThread waits to join Thread-1"), "{words}");
    assert!(words.contains("waits for lock, held by MainThread"), "{words}");
    let main_join = ThreadState::Blocked(WaitTarget::Thread(1));
    assert_eq!(sim_core::words::phrase(&tl, 0, main_join, None), "waits to join Thread-1 (worker)");
    let chrome = sim_core::chrome::export(&trace).to_string();
    assert!(chrome.contains("waits to join Thread-1 (worker)"), "the Chrome export says the join otherwise");
}

/// asyncio tasks get lanes under their loop's thread: a task whose sleep ended while another
/// task blocked the loop is *ready* (waiting for the loop) from the sleep's end until the
/// blocking step returns; what each task awaits is named; the ends are as CPython's.
#[test]
fn asyncio_tasks_have_lanes_that_show_loop_lag() {
    use sim_core::timeline::TaskState;
    let src = "import asyncio, time\n\nasync def ticker():\n    await asyncio.sleep(0.05)\n    return 1\n\nasync def blocker():\n    time.sleep(0.3)\n\nasync def doomed():\n    await asyncio.sleep(10)\n\nasync def main():\n    t = asyncio.create_task(doomed())\n    await asyncio.sleep(0)\n    t.cancel()\n    await asyncio.gather(ticker(), blocker(), return_exceptions=True)\n\nasyncio.run(main())\n";
    let prog = std::sync::Arc::new(sim_core::py::compile("lag.py", src, &indexmap::IndexMap::new()).unwrap());
    let trace = sim_core::py::run::PyRun::start(prog, Default::default(), 0, None)
        .finish(Some(std::time::Duration::from_secs(30)));
    let tl = timeline(&trace);
    let names: Vec<(&str, &str)> = tl.tasks.iter().map(|l| (l.name.as_str(), l.coro.as_str())).collect();
    assert_eq!(names, vec![("Task-1", "main"), ("Task-2", "doomed"), ("Task-3", "ticker"), ("Task-4", "blocker")]);
    assert!(tl.tasks.iter().all(|l| l.thread == 0), "the main thread's loop runs them all");
    let ends: Vec<Option<&str>> = tl.tasks.iter().map(|l| l.outcome.as_deref()).collect();
    assert_eq!(ends, vec![Some("finished"), Some("cancelled"), Some("finished"), Some("finished")]);
    let (ticker, blocker) = (&tl.tasks[2], &tl.tasks[3]);
    // The blocker's one long step.
    let run = blocker.phases.iter().position(|p| p.state == TaskState::Running).expect("it ran");
    let (b0, b1) = (blocker.phases[run].start_ns, blocker.phases[run + 1].start_ns);
    assert!(b1 - b0 >= 250_000_000, "the blocking step lasts the 0.3 s sleep: {} ns", b1 - b0);
    // The ticker: ready from its sleep's end (inside the blocking step) until the step returns.
    let ready: Vec<(u64, u64)> = ticker
        .phases
        .windows(2)
        .filter(|w| w[0].state == TaskState::Ready)
        .map(|w| (w[0].start_ns, w[1].start_ns))
        .collect();
    assert!(
        ready.iter().any(|(a, b)| *a > b0 && *a < b1 && *b >= b1 && b - a >= 150_000_000),
        "no loop lag in {ready:?} (blocking step {b0}..{b1})"
    );
    assert!(ticker.awaits.iter().any(|(_, on)| on == "sleep(0.05)"), "{:?}", ticker.awaits);
    assert!(tl.tasks[0].awaits.iter().any(|(_, on)| on == "gather of 2"), "{:?}", tl.tasks[0].awaits);
    // Arrows: main created the three others; its `cancel()` made doomed ready.
    use sim_core::timeline::TaskEdge;
    let spawned: Vec<(u32, u32)> =
        tl.task_arrows.iter().filter(|a| a.kind == TaskEdge::Spawn).map(|a| (a.from, a.to)).collect();
    assert_eq!(spawned, vec![(0, 1), (0, 2), (0, 3)]);
    assert!(
        tl.task_arrows.iter().any(|a| a.kind == TaskEdge::Wake && a.from == 0 && a.to == 1),
        "the cancel wakes doomed: {:?}",
        tl.task_arrows
    );
    // The blocking step is slow, and spent its time on `time.sleep(0.3)` (line 8).
    let slow = tl.slow_steps(3, 100_000_000);
    assert_eq!(slow.len(), 1, "{slow:?}");
    assert_eq!(slow[0].2, Some(8));
    assert!(sim_core::words::slow_step(slow[0].1 - slow[0].0, slow[0].2).ends_with("without an await, at line 8"));
    assert!(tl.slow_steps(2, 100_000_000).is_empty(), "the ticker never held the loop");
    // The Chrome export has a track per task, saying what each awaited.
    let chrome = sim_core::chrome::export(&trace).to_string();
    assert!(
        chrome.contains("Task-3 (ticker)") && chrome.contains("awaits sleep(0.05)"),
        "tasks missing from the export"
    );
    let mid = (b0 + b1) / 2;
    let said = sim_core::words::task_phrase(&tl, 2, mid);
    assert_eq!(said, "Task-3 (ticker) is ready, waiting for the event loop to run it");
}

/// Two asyncio tasks taking two asyncio locks in opposite orders: CPython's loop would wait
/// in `select` forever; Threadline's loop waits where the watchdog sees it, so the run is
/// reported as a deadlock, and the words name what each task awaits, at which line.
#[test]
fn an_asyncio_deadlock_is_found_and_said_task_by_task() {
    let src = "import asyncio\n\nasync def first(a, b):\n    async with a:\n        await asyncio.sleep(0.01)\n        async with b:\n            print('first got both')\n\nasync def second(a, b):\n    async with b:\n        await asyncio.sleep(0.01)\n        async with a:\n            print('second got both')\n\nasync def main():\n    a, b = asyncio.Lock(), asyncio.Lock()\n    await asyncio.gather(first(a, b), second(a, b))\n\nasyncio.run(main())\n";
    let prog = std::sync::Arc::new(sim_core::py::compile("adl.py", src, &indexmap::IndexMap::new()).unwrap());
    let t0 = std::time::Instant::now();
    let trace = sim_core::py::run::PyRun::start(prog, Default::default(), 0, None)
        .finish(Some(std::time::Duration::from_secs(60)));
    assert!(t0.elapsed() < std::time::Duration::from_secs(30), "found well before the time limit");
    let tl = timeline(&trace);
    let words = tl.deadlock_words().expect("a deadlock");
    assert!(words.contains("Task-2 (first) awaits Lock.acquire() at line 6"), "{words}");
    assert!(words.contains("Task-3 (second) awaits Lock.acquire() at line 12"), "{words}");
}
