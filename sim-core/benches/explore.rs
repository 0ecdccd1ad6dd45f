//! Controlled mode's speed (issue 12): turn handoffs per second (one thread at a time, a
//! switch point per loop iteration, the turnstile choosing between two runnable threads),
//! and schedules explored per second on the race and the deadlock examples.
//! `cargo bench -p sim-core --bench explore [-- WORD]`: only the rows whose name holds WORD
//! (`turns`, `race`, `deadlock`).

use indexmap::IndexMap;
use sim_core::explore::{self, ExploreOptions, RunLimits, StrategyKind};
use sim_core::model::{GilMode, RuntimeSettings};
use sim_core::py::value::V;
use std::sync::Arc;
use std::time::Instant;

const RACE: &str = "import threading\ncounter = 0\ndef work():\n    global counter\n    for _ in range(2):\n        counter += 1\nt1 = threading.Thread(target=work)\nt2 = threading.Thread(target=work)\nt1.start()\nt2.start()\nt1.join()\nt2.join()\nprint('counter =', counter)\n";

fn main() {
    let only = std::env::args().skip(1).find(|a| !a.starts_with('-')).unwrap_or_default();
    let wanted = |name: &str| name.contains(only.as_str());
    // Turn handoffs: two threads spinning 50 000 iterations each; random choices, so the
    // turn moves between OS threads about half the time.
    let spin = "import threading\ndef work():\n    n = 0\n    for _ in range(50000):\n        n += 1\nts = [threading.Thread(target=work) for _ in range(2)]\nfor t in ts:\n    t.start()\nfor t in ts:\n    t.join()\n";
    let prog = Arc::new(sim_core::py::compile("spin.py", spin, &IndexMap::new()).unwrap());
    for (what, strategy) in [
        (
            "default (the turn stays with the running thread)",
            Box::new(sim_core::control::DefaultSchedule) as Box<dyn sim_core::control::Strategy>,
        ),
        ("random (the turn moves between OS threads)", Box::new(explore::Random(sim_core::rng::Rng::new(7)))),
    ] {
        if !wanted("turns") {
            break;
        }
        let t0 = Instant::now();
        let run = explore::run_controlled(&prog, &RuntimeSettings::default(), strategy, None, RunLimits::default());
        let s = t0.elapsed().as_secs_f64();
        let switches = run
            .report
            .decisions
            .iter()
            .zip(run.report.decisions.iter().skip(1))
            .filter(|(a, b)| a.chosen != b.chosen)
            .count();
        println!(
            "turns, {what}: {} turns ({} choice points, {} switches of thread) in {:.3} s = {:.0} turns/s",
            run.report.turns,
            run.report.decisions.len(),
            switches,
            s,
            run.report.turns as f64 / s
        );
    }
    // Free run of the same program, for the ratio.
    if wanted("turns") {
        let t0 = Instant::now();
        let _ =
            sim_core::py::run::run_source("spin.py", spin, &IndexMap::new(), RuntimeSettings::default(), None).unwrap();
        println!("the same program run freely: {:.3} s", t0.elapsed().as_secs_f64());
    }

    // Schedules per second.
    let race = Arc::new(sim_core::py::compile("race.py", RACE, &IndexMap::new()).unwrap());
    let deadlock_src = sim_core::py_catalog::py_source("deadlock").unwrap();
    let ov: IndexMap<String, V> = [("HOLD".to_string(), V::Float(0.0))].into_iter().collect();
    let deadlock = Arc::new(sim_core::py::compile("deadlock.py", deadlock_src, &ov).unwrap());
    for (name, prog, gil) in [
        ("race (2 threads × 2 `counter += 1`), 3.10+", &race, GilMode::Cpython310),
        ("race, 3.9", &race, GilMode::Cpython39),
        ("deadlock (HOLD = 0), 3.10+", &deadlock, GilMode::Cpython310),
    ] {
        if !wanted(name) {
            continue;
        }
        for (strategy, jobs) in [
            (StrategyKind::Dfs, 1),
            (StrategyKind::Random, 1),
            (StrategyKind::Dfs, explore::all_cores()),
            (StrategyKind::Random, explore::all_cores()),
        ] {
            // A budget, not a search for the bug: keep going after failures by exploring
            // with no check and counting all schedules of a bounded DFS, or 300 random ones.
            let opts =
                ExploreOptions { strategy, budget: 300, seconds: 60.0, preemptions: 2, jobs, ..Default::default() };
            let settings = RuntimeSettings { gil, ..Default::default() };
            // The same search 20 times over (one search takes a few hundredths of a second:
            // too short to time alone on this noisy machine).
            let (mut tried, mut turns, mut s) = (0, 0, 0.0);
            let mut ex = explore::explore(prog, &settings, &opts, |_| true);
            let cpu0 = cpu_seconds();
            for _ in 0..20 {
                ex = explore::explore(prog, &settings, &opts, |_| true);
                tried += ex.tried;
                turns += ex.turns;
                s += ex.elapsed.as_secs_f64();
            }
            let busy =
                cpu_seconds().zip(cpu0).map_or(String::new(), |(b, a)| format!(", {:.2} cores busy", (b - a) / s));
            println!(
                "schedules, {name}, {strategy:?}, {jobs} job(s): 20 × {} schedules in {:.2} s = {:.0} schedules/s ({:.0} turns/s{busy}){}",
                ex.tried,
                s,
                tried as f64 / s,
                turns as f64 / s,
                match (&ex.found, ex.exhausted) {
                    (Some(f), _) =>
                        format!("; found at schedule {}: {}", f.found_at, f.what.chars().take(60).collect::<String>()),
                    (None, true) => "; exhausted the bound".into(),
                    (None, false) => String::new(),
                }
            );
        }
    }
}

/// CPU time this process has used so far (user + system, from `/proc/self/stat`), if known.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command's closing parenthesis; utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}
