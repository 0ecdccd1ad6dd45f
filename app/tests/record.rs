//! Recording real CPython runs: every catalog scenario (shortened with its sliders) records
//! cleanly, prints what python3 prints without the recorder, and keeps the invariants;
//! a thread that raises, a deadlock stopped by the time limit and multiprocessing record
//! too. Skipped where there is no python3.

use indexmap::IndexMap;
use sim_core::event::EventKind;
use sim_core::py::OutputKind;
use sim_core::py::value::V;
use std::time::Duration;
use threadline::record::{apply_sliders, default_python, record};

fn have_python() -> bool {
    std::process::Command::new(default_python()).arg("--version").output().is_ok_and(|o| o.status.success())
}

/// Slider values that make a scenario quick: short sleeps, small loops. Durations are
/// scaled by the same factor (a fifth), not clamped to one value: a scenario whose output
/// depends on two durations' order (a timeout against a production pace) keeps it.
fn quick(e: &sim_core::py_catalog::Entry) -> IndexMap<String, V> {
    e.sliders
        .iter()
        .map(|s| {
            let v = if s.float {
                V::Float(s.min.max((s.default * 0.2 * 1e6).round() / 1e6))
            } else if s.default > 2000.0 {
                V::Int(s.min.max(2000.0) as i64)
            } else {
                V::Int(s.default as i64)
            };
            (s.name.clone(), v)
        })
        .collect()
}

fn python_alone(src: &str, name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("tl-rec-plain-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, src).unwrap();
    let out = std::process::Command::new(default_python())
        .arg(&path)
        .env_remove("PYTHONUNBUFFERED")
        .current_dir(&dir)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn same(kind: OutputKind, a: &str, b: &str) -> bool {
    let sorted = |s: &str| {
        let mut v: Vec<&str> = s.lines().collect();
        v.sort_unstable();
        v.join("\n")
    };
    match kind {
        OutputKind::Ordered => a == b,
        OutputKind::Unordered => sorted(a) == sorted(b),
        OutputKind::Varies => a.lines().count() == b.lines().count(),
        OutputKind::Deadlock => true,
    }
}

#[test]
fn every_catalog_scenario_records_cleanly_and_prints_what_python_prints() {
    if !have_python() {
        eprintln!("skipped: no python3");
        return;
    }
    let mut failures = Vec::new();
    for e in sim_core::py_catalog::entries().unwrap() {
        let sets = quick(&e);
        let deadlock = e.meta.output == OutputKind::Deadlock;
        let limit = Duration::from_secs(if deadlock { 3 } else { 60 });
        let rec = match record(&e.file, &e.source, &sets, &default_python(), limit, |_| {}) {
            Ok(r) => r,
            Err(err) => {
                failures.push(format!("{}: {err}", e.id));
                continue;
            }
        };
        let t = &rec.trace;
        if let Err(err) = sim_core::invariants::check(t) {
            failures.push(format!("{}: invariant broken: {err}", e.id));
        }
        assert_eq!(t.threads[0].name, "MainThread", "{}", e.id);
        assert!(t.recorded.is_some());
        let printed: String = t
            .events
            .iter()
            .filter_map(|ev| match &ev.kind {
                EventKind::Print { line, stderr: false } => Some(format!("{line}\n")),
                _ => None,
            })
            .collect();
        if deadlock {
            assert_eq!(rec.exit_code, None, "{}: python3 hangs on the deadlock and is stopped", e.id);
            assert!(t.events.iter().any(|ev| ev.kind == EventKind::ThreadStopped), "{}", e.id);
            continue;
        }
        let modified = apply_sliders(&e.source, &e.sliders, &sets);
        let plain = python_alone(&modified, &e.file);
        if !same(e.meta.output, &printed, &plain) {
            failures.push(format!("{}: recorded output\n{printed}differs from python3's\n{plain}", e.id));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_raising_thread_and_multiprocessing_are_recorded() {
    if !have_python() {
        eprintln!("skipped: no python3");
        return;
    }
    let src = sim_core::py_catalog::py_source("lock-nonblocking-pitfall").unwrap();
    let mut sets = IndexMap::new();
    sets.insert("PAUSE".to_string(), V::Float(0.05));
    sets.insert("START_GAP".to_string(), V::Float(0.1));
    let rec = record("pitfall.py", src, &sets, &default_python(), Duration::from_secs(60), |_| {}).unwrap();
    let raised: Vec<String> = rec
        .trace
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ThreadRaised { error } => {
                Some(format!("{}: {error}", rec.trace.threads[e.thread as usize].name))
            }
            _ => None,
        })
        .collect();
    assert_eq!(raised, ["Thread-2 (print_numbers): RuntimeError: release unlocked lock"]);
    assert!(rec.stderr.contains("RuntimeError: release unlocked lock"), "{}", rec.stderr);
    assert!(
        !rec.stderr.contains("threadline_recorder"),
        "the recorder's frames are not in the traceback:\n{}",
        rec.stderr
    );
    // A lock's name comes from the line that made it; the Requested events carry their lines.
    assert_eq!(rec.trace.resources[0].name, "lock");

    let src = sim_core::py_catalog::py_source("mp-queue-producer-consumer").unwrap();
    let mut sets = IndexMap::new();
    sets.insert("PAUSE".to_string(), V::Float(0.01));
    let rec = record("mp.py", src, &sets, &default_python(), Duration::from_secs(60), |_| {}).unwrap();
    assert!(rec.trace.processes.len() >= 3, "{:?}", rec.trace.processes);
    let child_prints =
        rec.trace.events.iter().filter(|e| e.process > 0 && matches!(e.kind, EventKind::Print { .. })).count();
    assert_eq!(child_prints, 10, "the producer's and the consumer's prints come from their processes");
    let exits: Vec<i64> = rec
        .trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::ProcessExit { code } => Some(code),
            _ => None,
        })
        .collect();
    assert_eq!(exits, [0, 0, 0]);
}

#[test]
fn slider_values_replace_the_constants_on_their_own_lines() {
    let src =
        "\"\"\"T\"\"\"\nTHREADS = 6  # slider: 1..32 Threads\nHOLD = 2.0  # slider: 0.01..5 Hold (s)\nprint(THREADS)\n";
    let e = sim_core::py_catalog::Entry::new("t", "t.py", src).unwrap();
    let mut sets = IndexMap::new();
    sets.insert("THREADS".to_string(), V::Int(8));
    sets.insert("HOLD".to_string(), V::Float(0.5));
    assert_eq!(
        apply_sliders(src, &e.sliders, &sets),
        "\"\"\"T\"\"\"\nTHREADS = 8  # slider: 1..32 Threads\nHOLD = 0.5  # slider: 0.01..5 Hold (s)\nprint(THREADS)\n"
    );
}

/// A CPython 3.12+ with a GIL (THREADLINE_PYTHON312, else pyenv's 3.12.1), if this machine
/// has one.
fn python312() -> Option<std::path::PathBuf> {
    let candidates = [
        std::env::var_os("THREADLINE_PYTHON312").map(std::path::PathBuf::from),
        std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".pyenv/versions/3.12.1/bin/python3")),
    ];
    candidates.into_iter().flatten().find(|p| {
        std::process::Command::new(p)
            .args(["-c", "import sys; assert sys.version_info >= (3, 12)"])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

const TWO_CPU_THREADS: &str = "import threading\n\
def work():\n    s = 0\n    for i in range(600000):\n        s += i\n\
ts = [threading.Thread(target=work) for _ in range(2)]\n\
for t in ts: t.start()\n\
for t in ts: t.join()\n";

#[test]
fn cpython_312_gil_handoffs_are_inferred_near_one_per_switch_interval() {
    let Some(py) = python312() else {
        eprintln!("skipped: no CPython 3.12 on this machine");
        return;
    };
    let rec = record("two.py", TWO_CPU_THREADS, &IndexMap::new(), &py, Duration::from_secs(60), |_| {}).unwrap();
    let r = rec.trace.recorded.as_ref().unwrap();
    assert!(r.gil_inferred.as_deref().is_some_and(|m| m.contains("sys.monitoring")), "{r:?}");
    let tl = sim_core::timeline::Timeline::of_trace(&rec.trace);
    assert_eq!(tl.gil_inferred, r.gil_inferred);
    let g = &tl.gils[0];
    // Both workers held it, in turns.
    let workers: Vec<u32> = (1..tl.threads.len() as u32).collect();
    for w in &workers {
        assert!(g.phases.iter().any(|p| p.state == Some(*w)), "thread {w} never held the inferred GIL");
    }
    // While both want it, it changes hands about every switch interval (5 ms): count the
    // handoffs between the two workers over the time both were running.
    let both: Vec<_> = g.handoffs.iter().filter(|h| workers.contains(&h.from) && workers.contains(&h.to)).collect();
    assert!(both.len() >= 4, "{} handoffs between the workers", both.len());
    let span_s = (both.last().unwrap().acquired_ns - both[0].acquired_ns) as f64 / 1e9;
    let per_s = (both.len() - 1) as f64 / span_s;
    assert!((60.0..600.0).contains(&per_s), "{per_s:.0} handoffs a second, about 200 (1 / 5 ms) expected");
    // Under one GIL, one thread runs at a time; the summary says the GIL was inferred.
    assert!(tl.util[0].iter().all(|s| s.1 <= 1), "two threads ran at once under an inferred GIL");
    let sm = sim_core::summary::Summary::of_trace(&rec.trace);
    assert!(sm.gil["MainProcess"].inferred);
    assert!(sm.human().contains("(inferred)"));
}

#[test]
fn before_312_there_is_no_gil_lane_and_the_trace_says_why() {
    if !have_python() {
        return;
    }
    let version = std::process::Command::new(default_python())
        .args(["-c", "import sys; print(sys.version_info >= (3, 12))"])
        .output()
        .unwrap();
    if String::from_utf8_lossy(&version.stdout).trim() == "True" {
        eprintln!("skipped: the default python3 is 3.12 or later");
        return;
    }
    let rec = record("two.py", TWO_CPU_THREADS, &IndexMap::new(), &default_python(), Duration::from_secs(60), |_| {})
        .unwrap();
    let r = rec.trace.recorded.as_ref().unwrap();
    assert_eq!(r.gil_inferred, None);
    assert!(r.note.contains("no sys.monitoring"), "{}", r.note);
    assert!(!rec.trace.events.iter().any(|e| matches!(e.kind, EventKind::GilAcquired | EventKind::GilReleased { .. })));
}

#[test]
fn asyncio_tasks_are_recorded_step_by_step() {
    if !have_python() {
        return;
    }
    let e = sim_core::py_catalog::entries().unwrap().into_iter().find(|e| e.id == "asyncio-io-bound").unwrap();
    let rec = record(&e.file, &e.source, &quick(&e), &default_python(), Duration::from_secs(60), |_| {}).unwrap();
    assert_eq!(rec.exit_code, Some(0), "{}", rec.stderr);
    let tl = sim_core::timeline::Timeline::of_trace(&rec.trace);
    let names: Vec<(&str, &str)> = tl.tasks.iter().map(|t| (t.name.as_str(), t.coro.as_str())).collect();
    assert_eq!(names[0], ("Task-1", "main"));
    assert!(names[1..].iter().all(|(_, c)| *c == "fetch") && names.len() == 1 + 4, "{names:?}");
    // Every task ran, suspended at its sleep (or main at the gather), and finished.
    for (k, t) in tl.tasks.iter().enumerate() {
        assert_eq!(t.outcome.as_deref(), Some("finished"), "{}", t.name);
        let awaited: Vec<&str> = t.awaits.iter().map(|a| a.1.as_str()).collect();
        let io = quick(&e)["IO_TIME"].repr();
        let want = if k == 0 { "gather()".to_string() } else { format!("sleep({io})") };
        assert!(awaited.contains(&want.as_str()), "{} awaited {awaited:?}", t.name);
        assert!(t.phases.iter().any(|p| p.state == sim_core::timeline::TaskState::Running));
    }
    // main created the four fetch tasks (spawn arrows).
    let spawned =
        tl.task_arrows.iter().filter(|a| a.from == 0 && a.kind == sim_core::timeline::TaskEdge::Spawn).count();
    assert_eq!(spawned, 4);
}
