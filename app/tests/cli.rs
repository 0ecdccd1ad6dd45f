//! The real `threadline` binary, headless: list, validate, run with overrides, summarize,
//! export, and exit status 2 with a clear message for bad input.

use std::process::Command;

fn tl(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_threadline")).args(args).output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("tl-cli-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

#[test]
fn list_shows_the_catalog_id_first() {
    let (code, out, _) = tl(&["list"]);
    assert_eq!(code, 0);
    let first_words: Vec<&str> = out.lines().filter_map(|l| l.split_whitespace().next()).collect();
    assert!(first_words.contains(&"semaphore") && first_words.contains(&"deadlock"));
    assert!(out.lines().count() >= 35);
}

#[test]
fn run_json_summary_has_the_documented_shape_and_round_trips_through_a_trace() {
    let trace = tmp("sem.json");
    let (code, out, err) = tl(&[
        "run",
        "semaphore",
        "--set",
        "THREADS=8",
        "--set",
        "PERMITS=2",
        "--set",
        "HOLD=0.1",
        "--time-scale",
        "0.2",
        "--json",
        "--out",
        trace.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    for key in [
        "scenario",
        "params",
        "runtime",
        "wall_ms",
        "threads",
        "gil",
        "resources",
        "vars",
        "deadlock",
        "errors",
        "output",
        "events",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["params"]["PERMITS"], 2);
    assert_eq!(v["resources"]["semaphore"]["kind"], "semaphore");
    assert_eq!(v["resources"]["semaphore"]["max_holders"], 2);
    assert_eq!(v["runtime"]["gil"], "cpython-3.10+");
    assert!(v["threads"].as_array().unwrap().iter().all(|t| t["outcome"] == "finished"));
    let (code, out2, _) = tl(&["summarize", trace.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&out2).unwrap(), v, "summarize gives the same summary");
    let chrome = tmp("sem.chrome.json");
    let (code, _, err) = tl(&["export", trace.to_str().unwrap(), "--format", "chrome", "-o", chrome.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&chrome).unwrap()).unwrap();
    assert!(doc["traceEvents"].as_array().unwrap().len() > 50);
}

#[test]
fn gil_mode_override_changes_the_race() {
    // A free run on a loaded machine can let one thread finish before the other gets a core
    // (measured: 1 run in 8 with both cores busy): some of three runs lose updates.
    let lost: Vec<i64> = (0..3)
        .map(|_| {
            let (code, out, _) =
                tl(&["run", "race-counter", "--gil", "cpython-3.9", "--switch-interval-ms", "1", "--json"]);
            assert_eq!(code, 0);
            let v: serde_json::Value = serde_json::from_str(&out).unwrap();
            assert_eq!(v["runtime"]["gil"], "cpython-3.9");
            v["vars"]["counter"]["lost_updates"].as_i64().unwrap()
        })
        .collect();
    assert!(lost.iter().any(|&n| n > 0), "no lost update in three runs: {lost:?}");
}

#[test]
fn bad_input_exits_2_with_the_place() {
    let (code, _, err) = tl(&["run", "semaphore", "--set", "PERMITS=0"]);
    assert_eq!(code, 2);
    assert!(err.contains("PERMITS = 0 is outside its slider range 1..16"), "{err}");
    let (code, _, err) = tl(&["run", "no-such-thing"]);
    assert_eq!(code, 2);
    assert!(err.contains("no scenario \"no-such-thing\""), "{err}");
    let (code, _, err) = tl(&["run", "race-counter", "--gil", "jython"]);
    assert_eq!(code, 2);
    assert!(err.contains("possible values: cpython-3.10+, cpython-3.9, free-threaded"), "{err}");
    let bad = tmp("bad_scenario.py");
    std::fs::write(&bad, "import threading\n\ndef worker(:\n    pass\n").unwrap();
    let (code, _, err) = tl(&["validate", bad.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("bad_scenario.py\", line 3") && err.contains("SyntaxError"), "{err}");
    let (code, _, err) = tl(&["run", bad.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    let good = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../saved-scenarios/deadlock.py");
    let (code, out, _) = tl(&["validate", good.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(out.contains("ok"));
    let junk = tmp("junk.json");
    std::fs::write(&junk, "not json").unwrap();
    // A scenario in the retired JSON format: say what replaced it, for run and validate.
    for cmd in ["run", "validate"] {
        let (code, _, err) = tl(&[cmd, junk.to_str().unwrap()]);
        assert_eq!(code, 2, "{cmd}");
        assert!(err.contains("scenarios are Python files now") && err.contains("junk.json"), "{cmd}: {err}");
    }
    let (code, _, err) = tl(&["summarize", junk.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("not a JSON file"), "{err}");
}

#[test]
fn deadlock_run_reports_the_cycle() {
    let (code, out, err) = tl(&["run", "deadlock", "--json"]);
    // Python would hang here; Threadline stops the run, names the cycle and exits 1.
    assert_eq!(code, 1);
    assert!(err.contains("waits for lock2, held by Thread-2 (thread2)"), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let mut locks: Vec<String> =
        v["deadlock"]["resources"].as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_string()).collect();
    locks.sort();
    assert_eq!(locks, ["lock1", "lock2"]);
}

#[test]
fn kill_9_during_a_save_leaves_the_previous_trace_intact() {
    let path = tmp("keep.json");
    let p = path.to_str().unwrap();
    let (code, _, err) = tl(&["run", "rlock-recursion", "--out", p]);
    assert_eq!(code, 0, "{err}");
    let mut killed = 0;
    for i in 0..12u64 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_threadline"))
            .args(["run", "race-counter", "--set", "ITERATIONS=1000000", "--set", "THREADS=8", "--out", p])
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(40 + i * 110));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            killed += 1;
        }
        let _ = child.wait();
        // Whatever moment the kill hit, the file is a whole trace: the old one or the new one.
        let t = sim_core::trace::Trace::load(&path).unwrap_or_else(|e| panic!("attempt {i}: {e}"));
        assert!(t.scenario.id == "rlock-recursion" || t.scenario.id == "race-counter");
    }
    // How many runs a kill catches mid-way depends on the machine's speed and load; a few suffice.
    assert!(killed >= 3, "only {killed} of 12 attempts were killed mid-run or mid-save");
}

#[test]
fn the_app_refuses_bad_sliders_before_opening_a_window() {
    let (code, _, err) = tl(&["--scenario", "semaphore", "--set", "PERMITS=99"]);
    assert_eq!(code, 2);
    assert!(err.contains("PERMITS = 99 is outside its slider range 1..16"), "{err}");
    let (code, _, err) = tl(&["--scenario", "no-such-scenario"]);
    assert_eq!(code, 2);
    assert!(err.contains("no scenario \"no-such-scenario\""), "{err}");
    let (code, _, err) = tl(&["open", "/definitely/not/here.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("No such file"), "{err}");
}

#[test]
fn a_closed_stdout_is_a_clean_exit_not_a_panic() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let forever = tmp("forever.py");
    std::fs::write(&forever, "n = 0\nwhile True:\n    n += 1\n    print('line', n)\n").unwrap();
    for args in [vec!["list"], vec!["run", forever.to_str().unwrap()]] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_threadline"))
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Read one line, then close the pipe, as `| head -1` does.
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
        assert!(!first.is_empty());
        let t0 = std::time::Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            assert!(t0.elapsed() < std::time::Duration::from_secs(30), "{args:?} kept running after its reader left");
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        let mut err = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(status.success(), "{args:?}: {status:?} {err}");
    }
}

#[test]
fn explore_prints_a_minimal_deadlocking_schedule_that_run_schedule_replays() {
    let sched = tmp("deadlock.schedule");
    let trace = tmp("deadlock-found.json");
    let (code, out, err) = tl(&[
        "explore",
        "deadlock",
        "--set",
        "HOLD=0",
        "--out",
        sched.to_str().unwrap(),
        "--trace",
        trace.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "a failing schedule found is exit status 1: {out}{err}");
    assert!(out.contains("found: Deadlock"), "{out}");
    assert!(out.contains("T1 Thread-1 (thread1)"), "the legend names the threads: {out}");
    let text = std::fs::read_to_string(&sched).unwrap();
    assert!(text.lines().any(|l| l.starts_with("# T0 MainThread")), "{text}");
    // The saved trace carries the schedule.
    let t = sim_core::trace::Trace::load(&trace).unwrap();
    assert!(t.schedule.is_some());
    let (code, _, err) = tl(&["run", "deadlock", "--set", "HOLD=0", "--schedule", sched.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("Deadlock: Thread-1 (thread1) waits for lock2"), "{err}");
    // Without the schedule (the default one) the same program does not deadlock.
    let (code, out, err) = tl(&["run", "deadlock", "--set", "HOLD=0", "--schedule", ""]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out, "Thread 1\nThread 2\n");
}

#[test]
fn explore_proves_the_310_counter_and_a_bad_schedule_or_check_is_a_message() {
    let (code, out, err) =
        tl(&["explore", "race-counter", "--set", "ITERATIONS=2", "--check", "counter == THREADS * ITERATIONS"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("proved within that bound"), "{out}");
    let (code, _, err) = tl(&["explore", "race-counter", "--check", "lock.locked()"]);
    assert_eq!(code, 2);
    assert!(err.contains("NameError: name 'lock' is not defined"), "{err}");
    let (code, _, err) = tl(&["run", "deadlock", "--schedule", "3:Tx"]);
    assert_eq!(code, 2);
    assert!(err.contains("token 1 `3:Tx`"), "{err}");
    let (code, _, err) = tl(&["run", "deadlock", "--set", "HOLD=0", "--schedule", "0:T5"]);
    assert_eq!(code, 2);
    assert!(err.contains("diverged at step 0"), "{err}");
}

#[test]
fn stats_prints_a_histogram_of_outcomes() {
    let (code, out, err) = tl(&["stats", "gil-order-dependence", "--runs", "5", "--json"]);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let bars = doc.as_array().unwrap();
    let total: u64 = bars.iter().map(|b| b["count"].as_u64().unwrap()).sum();
    assert_eq!(total, 5);
    assert!(bars.iter().all(|b| b["outcome"].as_str().unwrap().contains("Final n = 250")), "{out}");
    let (code, _, err) = tl(&["stats", "gil-order-dependence", "--runs", "0"]);
    assert_eq!(code, 2);
    assert!(err.contains("--runs"), "{err}");
}

#[test]
fn a_huge_max_seconds_is_refused_not_a_panic() {
    for cmd in ["run", "record"] {
        let (code, _, err) = tl(&[cmd, "deadlock", "--max-seconds", "1e20", "--out", tmp("x.json").to_str().unwrap()]);
        assert_eq!(code, 2, "{cmd}: {err}");
        assert!(err.contains("--max-seconds must be a positive number, at most"), "{cmd}: {err}");
    }
}

#[test]
fn profile_of_a_run_and_of_its_trace_agree_and_bad_flags_say_what() {
    let trace = tmp("profile-lock.json");
    let (code, _, err) = tl(&["run", "lock-counter", "--set", "ITERATIONS=2000", "--out", trace.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = tl(&["profile", trace.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let lines = v["lines"].as_array().unwrap();
    let with = lines.iter().find(|l| l["line"] == 21).expect("line 21, `with lock:`, is profiled");
    for k in ["running_ms", "gil_wait_ms", "blocked_ms", "io_ms", "by_resource"] {
        assert!(with.get(k).is_some(), "{k}");
    }
    let lock = v["resources"].as_array().unwrap().iter().find(|r| r["name"] == "lock").unwrap();
    assert_eq!(lock["holds"], 4000, "two threads took the lock 2000 times each");
    assert!(v["critical_path"]["total_ms"].as_f64().unwrap() > 0.0);
    // The human form leads with the headline, and --by picks one table.
    let (code, out, _) = tl(&["profile", trace.to_str().unwrap(), "--by", "resource"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("The threads spent "), "{out}");
    assert!(out.contains("-- by resource") && !out.contains("-- by line"), "{out}");
    // A scenario runs first; a bad --by or range is a message and exit status 2.
    let (code, out, _) = tl(&["profile", "io-bound-threads", "--set", "IO_TIME=0.05", "--by", "thread"]);
    assert_eq!(code, 0);
    assert!(out.contains("in I/O or sleep"), "{out}");
    let (code, _, err) = tl(&["profile", trace.to_str().unwrap(), "--by", "lines"]);
    assert_eq!(code, 2);
    assert!(err.contains("--by lines: expected line, resource or thread"), "{err}");
    let (code, _, err) = tl(&["profile", trace.to_str().unwrap(), "--from-ms", "5", "--to-ms", "1"]);
    assert_eq!(code, 2);
    assert!(err.contains("--to-ms is before --from-ms"), "{err}");
}

#[test]
fn a_saved_schedule_with_check_is_a_regression_test_and_the_clock_gives_no_verdict() {
    let sched = tmp("race39.schedule");
    let check = "counter == THREADS * ITERATIONS";
    let (code, out, err) = tl(&[
        "explore",
        "race-counter",
        "--set",
        "ITERATIONS=2",
        "--gil",
        "cpython-3.9",
        "--check",
        check,
        "--out",
        sched.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{out}{err}");
    // The replay command it prints carries the check.
    assert!(out.contains(&format!("--check '{check}'")), "{out}");
    let replay = |check: &str| {
        tl(&[
            "run",
            "race-counter",
            "--set",
            "ITERATIONS=2",
            "--gil",
            "cpython-3.9",
            "--schedule",
            sched.to_str().unwrap(),
            "--check",
            check,
        ])
    };
    let (code, _, err) = replay(check);
    assert_eq!(code, 1, "the schedule loses an update: {err}");
    assert!(err.contains(&format!("check: `{check}` is False")), "{err}");
    let (code, _, err) = replay("counter < THREADS * ITERATIONS");
    assert_eq!(code, 0, "{err}");
    // A search cut short by --seconds has no verdict: exit status 2, said so.
    let (code, _, err) =
        tl(&["explore", "race-counter", "--set", "ITERATIONS=50", "--gil", "cpython-3.9", "--seconds", "0.3"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("stopped at --seconds 0.3 with no verdict"), "{err}");
}

#[test]
fn challenge_list_show_and_solve() {
    let (code, out, err) = tl(&["challenge", "list"]);
    assert_eq!(code, 0, "{err}");
    let rows: Vec<&str> = out.lines().collect();
    assert!(rows.len() >= 20, "{out}");
    assert!(rows[0].contains("counter < 2") && rows[2].contains("impossible"), "{out}");

    let (code, out, _) = tl(&["challenge", "show", "flags-as-a-lock"]);
    assert_eq!(code, 0);
    assert!(out.contains("goal: most == 2 under cpython-3.9 (par 6)") && out.contains("hint 1:"), "{out}");
    assert!(out.contains("flags = [False, False]"), "the program is shown: {out}");

    // The first challenge is won with one preemption, and the schedule replays to the goal.
    let (code, out, err) = tl(&["challenge", "solve", "1"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Goal `counter < 2` reached under cpython-3.9 with 1 preemption"), "{out}");
    let sched = out.lines().find_map(|l| l.strip_prefix("schedule: ")).expect("a schedule").to_string();
    let (code, out, err) = tl(&[
        "run",
        "challenge-01-lost-update",
        "--gil",
        "cpython-3.9",
        "--schedule",
        &sched,
        "--check",
        "counter < 2",
    ]);
    assert_eq!(code, 0, "the replay reaches the goal: {out}{err}");

    // Challenge 3 cannot be won under 3.10+: the proof in words, and where it can be won.
    let (code, out, _) = tl(&["challenge", "solve", "3"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("Out of reach under cpython-3.10+: every schedule with at most 2 preemptions was tried"),
        "{out}"
    );
    assert!(out.contains("Under cpython-3.9 it can be reached (1 preemption)"), "{out}");
    assert!(out.contains("Why: CPython 3.10+ lets another thread run only at a loop's back-edge"), "{out}");
    // ...and under 3.9 it can.
    let (code, out, _) = tl(&["challenge", "solve", "3", "--gil", "cpython-3.9"]);
    assert_eq!(code, 0);
    assert!(out.contains("reached under cpython-3.9") && out.contains("the challenge says it cannot be done"), "{out}");

    // The flags challenge (par 6 under 3.9) cannot be won under 3.10+: proved within the
    // default bound, where its own par would be out of the search's reach.
    let (code, out, _) = tl(&["challenge", "solve", "flags-as-a-lock", "--gil", "cpython-3.10+"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Out of reach under cpython-3.10+: every schedule with at most 2 preemptions"), "{out}");

    let (code, _, err) = tl(&["challenge", "solve", "99"]);
    assert_eq!(code, 2);
    assert!(err.contains("no challenge \"99\""), "{err}");
}

#[test]
fn a_file_given_alone_is_what_the_app_opens() {
    use clap::Parser as _;
    // `threadline FILE.py` opens and runs it; `threadline TRACE.json` opens the trace.
    let mut cli = threadline::cli::Cli::parse_from(["threadline", "my_threads.py"]);
    cli.resolve_file();
    assert_eq!(cli.scenario.as_deref(), Some("my_threads.py"));
    assert!(cli.run && cli.command.is_none());
    let mut cli = threadline::cli::Cli::parse_from(["threadline", "run1.json"]);
    cli.resolve_file();
    assert!(matches!(&cli.command, Some(threadline::cli::Command::Open { trace }) if trace.ends_with("run1.json")));
    // Subcommands still win over the file argument.
    let mut cli = threadline::cli::Cli::parse_from(["threadline", "list"]);
    cli.resolve_file();
    assert!(matches!(cli.command, Some(threadline::cli::Command::List)));
    // A file that is not there is refused before any window opens.
    let (code, _, err) = tl(&["/definitely/not/here.py"]);
    assert_eq!(code, 2);
    assert!(err.contains("no scenario \"/definitely/not/here.py\""), "{err}");
}

#[test]
fn a_run_killed_while_writing_its_trace_leaves_a_part_that_opens_up_to_its_last_block() {
    // A slow program: one event every few milliseconds, for seconds.
    let src = tmp("slow.py");
    std::fs::write(
        &src,
        "import threading, time\nlock = threading.Lock()\ndef w():\n    for i in range(2000):\n        with lock:\n            time.sleep(0.002)\nts = [threading.Thread(target=w) for _ in range(2)]\nfor t in ts:\n    t.start()\nfor t in ts:\n    t.join()\n",
    )
    .unwrap();
    let out = tmp("slow.tltrace");
    let mut child = Command::new(env!("CARGO_BIN_EXE_threadline"))
        .args(["run", src.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // `FILE.PID.part`: the writing process's own.
    let part = tmp(&format!("slow.tltrace.{}.part", child.id()));
    // Written while the run goes: events reach the file within a second, before the end.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut seen = 0;
    while std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(300));
        if let Ok(t) = sim_core::trace::Trace::load(&part)
            && t.events.len() > 50
        {
            seen = t.events.len();
            break;
        }
    }
    assert!(child.try_wait().unwrap().is_none(), "the run ended before it could be killed");
    child.kill().unwrap();
    let _ = child.wait();
    assert!(seen > 50, "no events reached {} while the run went", part.display());
    assert!(!out.exists(), "the target is written only when the run ends");
    let t = sim_core::trace::Trace::load(&part).unwrap();
    assert!(t.events.len() >= seen);
    assert!(t.incomplete.as_deref().is_some_and(|s| s.contains("cut short")), "{:?}", t.incomplete);
    assert_eq!(t.threads.len(), 3, "both workers' rows, from the events kept");
    let (code, _, err) = tl(&["summarize", part.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("cut short"), "{err}");
}

#[test]
fn a_finished_run_writes_a_binary_trace_that_exports_to_json() {
    let out = tmp("done.tltrace");
    let (code, _, err) = tl(&["run", "deadlock", "--out", out.to_str().unwrap()]);
    assert!(code == 0 || code == 1, "{err}");
    let left: Vec<_> = std::fs::read_dir(out.parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.starts_with("done.tltrace.") && n.ends_with(".part"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    let bytes = std::fs::read(&out).unwrap();
    assert!(sim_core::binary::is_binary(&bytes));
    let t = sim_core::trace::Trace::from_bytes(&bytes).unwrap();
    assert!(t.incomplete.is_none());
    let json = tmp("done-export.json");
    let (code, _, err) = tl(&["export", out.to_str().unwrap(), "--format", "json", "-o", json.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&json).unwrap();
    assert!(text.starts_with("{\"format\":\"threadline-trace\""));
    assert_eq!(sim_core::trace::Trace::from_json(&text).unwrap(), t);
}
