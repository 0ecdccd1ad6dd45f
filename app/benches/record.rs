//! The CPython recorder's cost (`cargo bench -p threadline --bench record`): the same file —
//! two threads taking a `threading.Lock` 20 000 times each, then a queue passing 20 000
//! items — run by `python3` alone and under the recorder, side by side, best of three; the
//! difference per primitive call is the overhead the README reports. Skipped without python3.

use indexmap::IndexMap;
use std::time::{Duration, Instant};

const SRC: &str = "import threading, queue\nN = 20000\nlock = threading.Lock()\nq = queue.Queue()\ndef locker():\n    for _ in range(N):\n        with lock:\n            pass\ndef producer():\n    for i in range(N):\n        q.put(i)\ndef consumer():\n    for _ in range(N):\n        q.get()\nts = [threading.Thread(target=f) for f in (locker, locker, producer, consumer)]\nfor t in ts:\n    t.start()\nfor t in ts:\n    t.join()\nprint('done')\n";

/// Primitive calls the program makes: 2 × N lock cycles, N puts, N gets.
const CALLS: f64 = 4.0 * 20_000.0;

fn best(mut f: impl FnMut() -> Duration) -> Duration {
    (0..3).map(|_| f()).min().unwrap_or_default()
}

fn main() {
    let python = threadline::record::default_python();
    if !std::process::Command::new(&python).arg("--version").output().is_ok_and(|o| o.status.success()) {
        println!("record bench skipped: no {}", python.display());
        return;
    }
    let dir = std::env::temp_dir().join(format!("tl-rec-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("loops.py");
    std::fs::write(&file, SRC).unwrap();
    let plain = best(|| {
        let t = Instant::now();
        let out = std::process::Command::new(&python).arg(&file).output().unwrap();
        assert!(out.status.success());
        t.elapsed()
    });
    let mut events = 0;
    let mut overhead_header = 0.0;
    let recorded = best(|| {
        let t = Instant::now();
        let r =
            threadline::record::record("loops.py", SRC, &IndexMap::new(), &python, Duration::from_secs(120), |_| {})
                .unwrap();
        let took = t.elapsed();
        events = r.trace.events.len();
        overhead_header = r.trace.recorded.as_ref().map_or(0.0, |x| x.overhead_ns_per_lock_cycle);
        took
    });
    let per_call = (recorded.as_secs_f64() - plain.as_secs_f64()) / CALLS * 1e6;
    println!(
        "python3 alone {:.3} s, under the recorder {:.3} s ({:.2}×, {events} events): {per_call:.1} µs per primitive call; \
         the recorder's own calibration: {:.1} µs per Lock acquire + release",
        plain.as_secs_f64(),
        recorded.as_secs_f64(),
        recorded.as_secs_f64() / plain.as_secs_f64(),
        overhead_header / 1e3
    );
    let _ = std::fs::remove_dir_all(&dir);
}
