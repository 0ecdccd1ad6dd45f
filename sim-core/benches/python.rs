//! Threadline against `python3` on the same files, side by side in one run, timed *inside*
//! the program: each file times its loop with `time.perf_counter()` and prints the
//! nanoseconds per iteration, so neither interpreter's start-up (python3 takes about 90 ms
//! to start here) or compile time is counted. Prints each figure (the fastest pass of the
//! fastest round, the two programs run alternately) and the ratio
//! (Threadline / CPython; 1.0 means as fast as CPython). `cargo bench -p sim-core --bench python
//! [-- loops|gil]` (only the loops, or only the GIL handoff).

use indexmap::IndexMap;
use sim_core::event::EventKind;
use sim_core::model::RuntimeSettings;
use sim_core::py::run::run_source;
use std::process::Command;

const N: u64 = 1_000_000;

/// Passes of the loop inside each program (the fastest is its figure), and rounds of both
/// programs, run alternately (the fastest of each): this machine's speed swings by up to 2×
/// for seconds at a time, and a ratio of figures taken in different swings says nothing.
const PASSES: u32 = 3;
const ROUNDS: u32 = 4;

/// (name, setup at module level, the loop body run N times inside `work()`).
const LOOPS: &[(&str, &str, &str)] = &[
    ("global counter += 1", "counter = 0", "global counter\n    for _ in range(N):\n        counter += 1"),
    ("local arithmetic", "", "t = 0\n    for i in range(N):\n        t = t + i * 2 - 1"),
    ("function call", "def f(x):\n    return x + 1", "t = 0\n    for i in range(N):\n        t = f(t)"),
    (
        "method call",
        "class C:\n    def __init__(self):\n        self.n = 0\n    def inc(self, k):\n        return k + 1\nc = C()",
        "t = 0\n    for i in range(N):\n        t = c.inc(t)",
    ),
    ("attribute read/write", "class C:\n    pass\nc = C()\nc.n = 0", "for i in range(N):\n        c.n = c.n + 1"),
    ("list.append", "", "xs = []\n    for i in range(N):\n        xs.append(i)"),
    ("dict get/set", "", "d = {}\n    for i in range(N):\n        d[i & 1023] = d.get(i & 1023, 0) + 1"),
    ("string formatting", "", "for i in range(N):\n        s = '%d-%s' % (i, 'x')"),
];

/// The GIL handed between two CPU-bound threads: each stamps `time.perf_counter_ns()` in a
/// loop; a gap in a thread's stamps is a time it waited for the GIL, and the handoff's
/// latency is from the other thread's last stamp before the gap to this one's first after it
/// (the drop, the wake-up, the taking). Prints the median, in ns, over about 400 handoffs
/// (5 ms switch interval, 2 s).
const HANDOFF: &str = r#"import threading, time
SECONDS = 2.0
gaps = [[], []]
def work(k):
    out = gaps[k]
    pc = time.perf_counter_ns
    last = pc()
    end = last + int(SECONDS * 1e9)
    while last < end:
        t = pc()
        if t - last > 100_000:
            out.append((last, t))
        last = t
ts = [threading.Thread(target=work, args=(k,)) for k in (0, 1)]
for t in ts:
    t.start()
for t in ts:
    t.join()
lat = []
for k in (0, 1):
    other = sorted(a for a, _ in gaps[1 - k])
    for _, resumed in gaps[k]:
        before = [a for a in other if a < resumed]
        if before:
            lat.append(resumed - before[-1])
lat.sort()
print(len(lat), "handoffs")
print(lat[len(lat) // 2] if lat else "nan")
"#;

fn program(setup: &str, body: &str) -> String {
    format!(
        "import time\nN = {N}\n{setup}\ndef work():\n    {body}\nbest = None\nfor _ in range({PASSES}):\n    t0 = time.perf_counter()\n    work()\n    t1 = time.perf_counter()\n    best = t1 - t0 if best is None else min(best, t1 - t0)\nprint(best * 1e9 / N)\n"
    )
}

fn threadline_ns(src: &str) -> Option<f64> {
    let (trace, code) = run_source("bench.py", src, &IndexMap::new(), RuntimeSettings::default(), None).ok()?;
    if code != 0 {
        return None;
    }
    trace.events.iter().rev().find_map(|e| match &e.kind {
        EventKind::Print { line, stderr: false } => line.trim().parse().ok(),
        _ => None,
    })
}

fn python_ns(src: &str) -> Option<f64> {
    let path = std::env::temp_dir().join(format!("threadline-bench-{}.py", std::process::id()));
    std::fs::write(&path, src).ok()?;
    let out = Command::new("python3").arg(&path).output().ok()?;
    let _ = std::fs::remove_file(&path);
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

fn main() {
    let only = std::env::args().skip(1).find(|a| !a.starts_with('-')).unwrap_or_default();
    if only != "gil" {
        loops();
    }
    if only != "loops" {
        handoff();
    }
}

fn loops() {
    println!(
        "ns per iteration, timed inside the program (N = {N}; best of {PASSES} passes in a program, of {ROUNDS} rounds run alternately)"
    );
    println!("{:<22} {:>11} {:>9} {:>7}", "loop", "threadline", "python3", "ratio");
    for (name, setup, body) in LOOPS {
        let src = program(setup, body);
        let (mut tl, mut py): (Option<f64>, Option<f64>) = (None, None);
        let min = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        for _ in 0..ROUNDS {
            tl = min(tl, threadline_ns(&src));
            py = min(py, python_ns(&src));
        }
        match (tl, py) {
            (Some(t), Some(p)) => println!("{name:<22} {t:>11.1} {p:>9.1} {:>6.2}x", t / p),
            (Some(t), None) => println!("{name:<22} {t:>11.1} {:>9} {:>7}", "no python3", "-"),
            (None, _) => println!("{name:<22} {:>11} (the program failed in Threadline)", "-"),
        }
    }
}

fn handoff() {
    // Median of 3 runs' medians: the handoff's latency swings with the machine's load.
    println!();
    println!("GIL handoff between two CPU-bound threads, median µs per run (3 runs each, the same file)");
    let runs = |f: &dyn Fn() -> Option<f64>| -> Vec<f64> {
        let mut v: Vec<f64> = (0..3).filter_map(|_| f()).map(|ns| ns / 1e3).collect();
        v.sort_by(f64::total_cmp);
        v
    };
    let tl = runs(&|| threadline_ns(HANDOFF));
    let py = runs(&|| python_ns_last(HANDOFF));
    println!("threadline {tl:.1?}  python3 {py:.1?}");
    if let (Some(t), Some(p)) = (tl.get(tl.len() / 2), py.get(py.len() / 2)) {
        println!("median of medians: threadline {t:.1} µs, python3 {p:.1} µs, ratio {:.2}x", t / p);
    }
}

/// The last line python3 prints, as a number.
fn python_ns_last(src: &str) -> Option<f64> {
    let path = std::env::temp_dir().join(format!("threadline-bench-h-{}.py", std::process::id()));
    std::fs::write(&path, src).ok()?;
    let out = Command::new("python3").arg(&path).output().ok()?;
    let _ = std::fs::remove_file(&path);
    String::from_utf8_lossy(&out.stdout).lines().last()?.trim().parse().ok()
}
