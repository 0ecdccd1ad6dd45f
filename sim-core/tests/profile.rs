//! The profile, wake-up edges, critical path and utilisation against programs whose answer
//! is known by construction.

use indexmap::IndexMap;
use sim_core::model::RuntimeSettings;
use sim_core::profile::{Profile, critical_path, utilisation};
use sim_core::py::run::PyRun;
use sim_core::timeline::{ThreadState, Timeline, WakeCause};
use sim_core::trace::Trace;
use std::sync::Arc;
use std::time::Duration;

fn run_src(src: &str) -> (Trace, Timeline) {
    let prog = Arc::new(sim_core::py::compile("test.py", src, &IndexMap::new()).expect("compiles"));
    let trace = PyRun::start(prog, RuntimeSettings::default(), 0, None).finish(Some(Duration::from_secs(60)));
    let tl = Timeline::from_events(&trace.threads, &trace.processes, &trace.resources, &trace.vars, &trace.events);
    (trace, tl)
}

/// A takes the lock at line 11 and holds it 80 ms; B, let go by A's `set()` at line 13,
/// waits for the lock at line 7 about 60 ms, woken by A's release, then holds it 60 ms.
const CONTENDED: &str = r#"import threading, time
lock = threading.Lock()
started = threading.Event()

def worker():
    started.wait()
    with lock:
        time.sleep(0.06)

def first():
    with lock:
        time.sleep(0.02)
        started.set()
        time.sleep(0.06)

a = threading.Thread(target=first, name="A")
b = threading.Thread(target=worker, name="B")
a.start(); b.start()
a.join(); b.join()
"#;

#[test]
fn a_contended_lock_is_blocked_and_held_where_the_program_says() {
    let (_, tl) = run_src(CONTENDED);
    let p = Profile::of(&tl);
    let b = p.threads.iter().find(|t| t.name == "B").unwrap();
    let on_lock = b.times.by_resource.get("lock").copied().unwrap_or(0.0);
    assert!((40.0..200.0).contains(&on_lock), "B blocked on lock {on_lock} ms, about 60 expected");
    let line7 = p.lines.iter().find(|l| l.line == 7).unwrap();
    assert!(line7.times.by_resource.get("lock").copied().unwrap_or(0.0) >= 40.0, "the wait is at line 7: {line7:?}");
    let lock = p.resources.iter().find(|r| r.name == "lock").unwrap();
    assert_eq!(lock.holds, Some(2));
    let held = lock.hold_ms.unwrap();
    assert!((130.0..500.0).contains(&held), "held {held} ms, about 140 expected");
    let lines: Vec<u32> = lock.by_holder_line.iter().map(|h| h.line).collect();
    assert_eq!(lines, vec![11, 7], "held longest from line 11, then from 7");
    assert!(lock.longest_hold_ms.unwrap() >= 50.0);
    // B's long wait was ended by A's release.
    let b_ix = tl.thread_meta.iter().position(|m| m.name == "B").unwrap() as u32;
    let a_ix = tl.thread_meta.iter().position(|m| m.name == "A").unwrap() as u32;
    let long: Vec<_> = tl.wakes.iter().filter(|w| w.thread == b_ix && w.t_ns - w.from_ns > 30_000_000).collect();
    assert!(
        long.iter().any(|w| matches!(w.cause, WakeCause::Release(_)) && w.by.is_some_and(|s| s.thread == a_ix)),
        "B woken by A's release: {long:?}"
    );
    let words = sim_core::words::woken(&tl, long.iter().find(|w| matches!(w.cause, WakeCause::Release(_))).unwrap());
    assert!(words.starts_with("woken by A's release of lock at line 1"), "{words}");
    // The first wait of B was on the event, woken by A's set at line 13.
    assert!(tl.wakes.iter().any(|w| w.thread == b_ix
        && matches!(w.cause, WakeCause::Set(_))
        && w.by.is_some_and(|s| s.thread == a_ix && s.line == 13)));
}

#[test]
fn every_ended_wait_has_at_most_one_wake_and_each_wake_a_wait() {
    let (_, tl) = run_src(CONTENDED);
    for w in &tl.wakes {
        let lane = &tl.threads[w.thread as usize];
        let i = lane.phases.iter().position(|p| p.start_ns == w.from_ns).expect("a wake starts where a phase starts");
        assert!(matches!(lane.phases[i].state, ThreadState::Blocked(_) | ThreadState::WaitingGil), "{w:?}");
        assert_eq!(lane.phases.get(i + 1).map(|p| p.start_ns), Some(w.t_ns), "the wake ends its wait: {w:?}");
        if let Some(by) = w.by {
            assert!(by.t_ns >= w.from_ns && by.t_ns <= w.t_ns, "the cause lies within the wait: {w:?}");
            assert_ne!(by.thread, w.thread);
        }
    }
    for (th, lane) in tl.threads.iter().enumerate() {
        for (i, p) in lane.phases.iter().enumerate() {
            let n = tl.wakes.iter().filter(|w| w.thread as usize == th && w.from_ns == p.start_ns).count();
            assert!(n <= 1, "{n} wakes for one wait");
            // A wait longer than 20 ms (here, always another thread's doing) has its edge.
            if matches!(p.state, ThreadState::Blocked(_))
                && let Some(next) = lane.phases.get(i + 1)
                && next.start_ns - p.start_ns > 20_000_000
            {
                assert_eq!(n, 1, "a long wait of {} without a wake-up edge", tl.thread_meta[th].name);
            }
        }
    }
}

/// A CPU-bound thread beside one that sleeps 100 ms in 10 steps.
const CPU_AND_IO: &str = r#"import threading, time
def cpu():
    s = 0
    for i in range(1500000):
        s += i
def io():
    for _ in range(10):
        time.sleep(0.01)
a = threading.Thread(target=cpu, name="cpu")
b = threading.Thread(target=io, name="io")
a.start(); b.start()
a.join(); b.join()
"#;

#[test]
fn a_cpu_thread_runs_and_an_io_thread_sleeps() {
    let (_, tl) = run_src(CPU_AND_IO);
    let p = Profile::of(&tl);
    let cpu = p.threads.iter().find(|t| t.name == "cpu").unwrap();
    let io = p.threads.iter().find(|t| t.name == "io").unwrap();
    assert!(cpu.times.running_ms > 10.0 && cpu.times.io_ms == 0.0, "{cpu:?}");
    assert!((95.0..400.0).contains(&io.times.io_ms), "the io thread slept about 100 ms: {io:?}");
    assert!(io.times.running_ms < io.times.io_ms);
    let line7 = p.lines.iter().find(|l| l.line == 8).unwrap();
    assert!(line7.times.io_ms >= 95.0, "the sleeps are at line 8: {line7:?}");
    // The utilisation's integral is the CPU time, and one GIL lets at most one thread run.
    let u = &utilisation(&tl, 0, tl.end_ns)[0];
    let cpu_total: f64 = p.threads.iter().map(|t| t.times.running_ms).sum();
    assert!((u.cpu_ms - cpu_total).abs() < 0.05 * cpu_total + 0.1, "integral {} against {cpu_total}", u.cpu_ms);
    assert_eq!(u.max_running, 1, "under a GIL one thread runs at a time");
    assert!(u.max_wanting >= 2, "but two wanted to");
    assert!(u.wanted_ms >= u.cpu_ms);
}

#[test]
fn free_threaded_runs_threads_at_once() {
    let src = format!("# GIL: free-threaded\n{CPU_AND_IO}").replace("time.sleep(0.01)", "sum(range(20000))");
    let prog = Arc::new(sim_core::py::compile("test.py", &src, &IndexMap::new()).expect("compiles"));
    let settings = RuntimeSettings { gil: sim_core::model::GilMode::FreeThreaded, ..RuntimeSettings::default() };
    let trace = PyRun::start(prog, settings, 0, None).finish(Some(Duration::from_secs(60)));
    let tl = Timeline::from_events(&trace.threads, &trace.processes, &trace.resources, &trace.vars, &trace.events);
    let u = &utilisation(&tl, 0, tl.end_ns)[0];
    assert!(u.max_running >= 2, "without a GIL both threads ran at once: {u:?}");
}

/// A producer faster than its consumer, through a queue of 2.
const PRODUCER_CONSUMER: &str = r#"import threading, queue, time
q = queue.Queue(maxsize=2)
def producer():
    for i in range(10):
        q.put(i)
    q.put(None)
def consumer():
    while True:
        item = q.get()
        if item is None:
            break
        time.sleep(0.01)
p = threading.Thread(target=producer, name="producer")
c = threading.Thread(target=consumer, name="consumer")
p.start(); c.start()
p.join(); c.join()
"#;

#[test]
fn a_fast_producer_waits_on_the_full_queue_at_its_put() {
    let (_, tl) = run_src(PRODUCER_CONSUMER);
    let p = Profile::of(&tl);
    let prod = p.threads.iter().find(|t| t.name == "producer").unwrap();
    let on_q = prod.times.by_resource.get("q").copied().unwrap_or(0.0);
    assert!(on_q >= 50.0, "the producer waited for room most of the ~100 ms: {prod:?}");
    let line5 = p.lines.iter().find(|l| l.line == 5).unwrap();
    assert!(line5.times.by_resource.get("q").copied().unwrap_or(0.0) >= 50.0);
    let q = p.resources.iter().find(|r| r.name == "q").unwrap();
    assert!(q.waits >= 5, "{q:?}");
    let prod_ix = tl.thread_meta.iter().position(|m| m.name == "producer").unwrap() as u32;
    let cons_ix = tl.thread_meta.iter().position(|m| m.name == "consumer").unwrap() as u32;
    assert!(tl.wakes.iter().any(|w| w.thread == prod_ix
        && matches!(w.cause, WakeCause::Get(_))
        && w.by.is_some_and(|s| s.thread == cons_ix && s.line == 9)));
}

#[test]
fn the_headline_of_two_cpu_bound_threads_is_the_gil_at_their_loop() {
    let src = "import threading\ndef f():\n    s = 0\n    for i in range(3000000):\n        s += i\nts = [threading.Thread(target=f) for _ in range(2)]\nfor t in ts: t.start()\nfor t in ts: t.join()\n";
    let (_, tl) = run_src(src);
    let h = Profile::of(&tl).headline().unwrap();
    assert_eq!(h.what, "waiting for the GIL", "{}", h.words());
    assert!(h.line == 4 || h.line == 5, "{}", h.words());
    assert!((0.3..0.7).contains(&h.share), "two threads each wait about half the time: {}", h.words());
}

#[test]
fn the_critical_path_tiles_the_run_and_follows_the_wake_ups() {
    for src in [CONTENDED, CPU_AND_IO, PRODUCER_CONSUMER] {
        let (_, tl) = run_src(src);
        let cp = critical_path(&tl);
        assert!(!cp.spans.is_empty());
        // Latest first, each span ends where the previous (later) one began.
        for w in cp.spans.windows(2) {
            assert_eq!(w[1].to_ns, w[0].from_ns, "the path has no gap: {:?}", w);
            assert!(w[0].from_ns <= w[0].to_ns);
        }
        let first = cp.spans.last().unwrap().from_ns;
        let last = cp.spans[0].to_ns;
        assert_eq!(last, tl.threads.iter().filter_map(|l| l.phases.last()).map(|p| p.start_ns).max().unwrap());
        // It starts at the main thread's start: its length is the run's wall time.
        let main_start = tl.threads[0].phases[0].start_ns;
        assert_eq!(first, main_start, "the path starts where the run starts");
        let shares: f64 = cp.parts.iter().map(|p| p.share).sum();
        assert!((shares - 1.0).abs() < 0.01, "shares sum to 1: {shares}");
    }
    // Through the contended lock, the path runs through A's hold of it then B's.
    let (_, tl) = run_src(CONTENDED);
    let cp = critical_path(&tl);
    let holding: f64 = cp.parts.iter().filter(|p| p.holding.as_deref() == Some("lock")).map(|p| p.share).sum();
    assert!(holding > 0.6, "most of the path is someone holding the lock: {:?}", cp.parts);
    assert!(cp.parts.iter().any(|p| p.thread == "A" && p.holding.is_some()));
    assert!(cp.parts.iter().any(|p| p.thread == "B" && p.holding.is_some()));
}

#[test]
fn a_range_profile_sums_to_less_and_json_has_the_documented_fields() {
    let (_, tl) = run_src(CPU_AND_IO);
    let whole = Profile::of(&tl);
    let half = Profile::of_range(&tl, 0, tl.end_ns / 2);
    let sum = |p: &Profile| p.threads.iter().map(|t| t.times.total_ms()).sum::<f64>();
    assert!(sum(&half) < sum(&whole) * 0.75 && sum(&half) > 0.0);
    let v = serde_json::to_value(&whole).unwrap();
    for k in ["lines", "resources", "threads", "critical_path", "utilisation"] {
        assert!(v.get(k).is_some(), "{k}");
    }
    let l = &v["lines"][0];
    for k in ["line", "running_ms", "gil_wait_ms", "blocked_ms", "io_ms", "by_resource"] {
        assert!(l.get(k).is_some(), "lines[].{k}");
    }
}

#[test]
fn a_hold_that_began_before_the_range_keeps_the_line_that_took_it() {
    let (_, tl) = run_src(CONTENDED);
    // A takes the lock at line 11 and holds it 80 ms, sleeping at lines 12 and 14: a range
    // from the middle of that hold still credits it to line 11.
    let a = tl.thread_meta.iter().position(|m| m.name == "A").unwrap();
    let took = tl.threads[a].next_on_line(11, 0).unwrap();
    let p = Profile::of_range(&tl, took + 30_000_000, tl.end_ns);
    let lock = p.resources.iter().find(|r| r.name == "lock").unwrap();
    let lines: Vec<u32> = lock.by_holder_line.iter().map(|h| h.line).collect();
    assert!(lines.contains(&11) && !lines.contains(&12) && !lines.contains(&14), "{lines:?}");
}
