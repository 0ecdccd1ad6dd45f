//! Threadline against `python3` on the same files, side by side in one run: a loop of
//! `counter += 1` on a global, a function-call loop and a list-append loop. Prints each
//! time and the ratio (Threadline / CPython; 1.0 means as fast as CPython).

use indexmap::IndexMap;
use sim_core::model::RuntimeSettings;
use sim_core::py::run::run_source;
use std::process::Command;
use std::time::{Duration, Instant};

const N: u64 = 2_000_000;

fn programs() -> Vec<(&'static str, String)> {
    vec![
        (
            "counter += 1 (global)",
            format!(
                "counter = 0\ndef work():\n    global counter\n    for _ in range({N}):\n        counter += 1\nwork()\n"
            ),
        ),
        (
            "function calls",
            format!(
                "def f(x):\n    return x + 1\ndef work():\n    t = 0\n    for i in range({N}):\n        t = f(t)\nwork()\n"
            ),
        ),
        (
            "list append",
            format!(
                "def work():\n    xs = []\n    for i in range({N}):\n        xs.append(i)\n    return len(xs)\nwork()\n"
            ),
        ),
    ]
}

fn best_of<F: FnMut() -> Duration>(n: usize, mut f: F) -> Duration {
    (0..n).map(|_| f()).min().unwrap_or_default()
}

fn main() {
    let dir = std::env::temp_dir();
    println!("{:<24} {:>12} {:>12} {:>8}", "loop", "threadline", "python3", "ratio");
    for (name, src) in programs() {
        let tl = best_of(3, || {
            let t = Instant::now();
            let (_, code) =
                run_source("bench.py", &src, &IndexMap::new(), RuntimeSettings::default(), None).expect("compiles");
            assert_eq!(code, 0);
            t.elapsed()
        });
        let path = dir.join("threadline-bench.py");
        std::fs::write(&path, &src).expect("write");
        let py = best_of(3, || {
            let t = Instant::now();
            let ok = Command::new("python3").arg(&path).status().map(|s| s.success()).unwrap_or(false);
            if !ok {
                return Duration::ZERO;
            }
            t.elapsed()
        });
        if py.is_zero() {
            println!("{name:<24} {:>10.1}ms {:>12} {:>8}", tl.as_secs_f64() * 1e3, "no python3", "-");
        } else {
            println!(
                "{name:<24} {:>10.1}ms {:>10.1}ms {:>7.2}x",
                tl.as_secs_f64() * 1e3,
                py.as_secs_f64() * 1e3,
                tl.as_secs_f64() / py.as_secs_f64()
            );
        }
    }
}
