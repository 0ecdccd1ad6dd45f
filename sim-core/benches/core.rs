//! Benchmarks of the simulation core (a plain harness: `cargo bench -p sim-core`).
//! Prints medians; the README records the figures measured on the project machine.
//!
//! - recording one event
//! - an uncontended instrumented `Lock` acquire+release against a bare parking_lot Mutex
//! - GIL handoff latency: a thread drops the GIL, the waiting thread runs
//! - trace save and load at 1 M events

use sim_core::event::{EventKind, GilReason};
use sim_core::model::{GilMode, ProcessMeta, RuntimeSettings, ThreadMeta};
use sim_core::recorder::Recorder;
use sim_core::rt::Shared;
use sim_core::sync::{Acquire, Lock};
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Median ns per call of `f`, over `rounds` batches of `batch` calls.
fn per_call(rounds: usize, batch: usize, mut f: impl FnMut()) -> f64 {
    let mut samples = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let t = Instant::now();
        for _ in 0..batch {
            f();
        }
        samples.push(t.elapsed().as_nanos() as f64 / batch as f64);
    }
    median(samples)
}

fn shared(n: usize, rec: Recorder) -> Arc<Shared> {
    let threads =
        (0..n).map(|i| ThreadMeta { name: format!("T{i}"), process: 0, daemon: false, target: None }).collect();
    Shared::new(RuntimeSettings::default(), threads, vec![ProcessMeta { name: "MainProcess".into(), pid: 1 }], rec)
}

fn bench_record() {
    let rec = Recorder::new(None);
    let ns = per_call(200, 5_000, || {
        black_box(rec.record(0, 0, EventKind::CpuEnd));
    });
    println!("record one event (kept in memory):            median {ns:7.1} ns");
    let rec = Recorder::new(None);
    let mut k = 0u32;
    let ns = per_call(200, 5_000, || {
        black_box(rec.record(0, 0, EventKind::CpuEnd));
        k += 1;
        if k.is_multiple_of(4096) {
            black_box(rec.take_events());
        }
    });
    println!("record one event (vector kept small):         median {ns:7.1} ns");
    let (tx, rx) = crossbeam_channel::unbounded();
    let rec = Recorder::new(Some(tx));
    let ns = per_call(200, 5_000, || {
        black_box(rec.record(0, 0, EventKind::CpuEnd));
    });
    drop(rx);
    println!("record one event (+ live channel):            median {ns:7.1} ns");
}

fn bench_lock() {
    let m = parking_lot::Mutex::new(0u64);
    let bare = per_call(200, 20_000, || {
        *black_box(&m).lock() += 1;
    });
    let s = shared(1, Recorder::disabled());
    let ctx = s.ctx(0);
    let lock = Lock::new(0);
    let off = per_call(200, 20_000, || {
        lock.acquire(&ctx, true, None).unwrap();
        lock.release(&ctx).unwrap();
    });
    let s2 = shared(1, Recorder::new(None));
    let ctx2 = s2.ctx(0);
    let on = per_call(50, 20_000, || {
        lock.acquire(&ctx2, true, None).unwrap();
        lock.release(&ctx2).unwrap();
    });
    println!("bare parking_lot Mutex lock+unlock:           median {bare:7.1} ns");
    println!("threading.Lock acquire+release, recording off: median {off:7.1} ns ({:.2}x bare)", off / bare);
    println!("threading.Lock acquire+release, recording on:  median {on:7.1} ns ({:.2}x bare; 3 events)", on / bare);
}

fn bench_gil_handoff() {
    const N: usize = 3000;
    let s = Shared::new(
        RuntimeSettings { gil: GilMode::Cpython310, ..RuntimeSettings::default() },
        (0..2).map(|i| ThreadMeta { name: format!("T{i}"), process: 0, daemon: false, target: None }).collect(),
        vec![ProcessMeta { name: "MainProcess".into(), pid: 1 }],
        Recorder::new(None),
    );
    let released_at = Arc::new(AtomicU64::new(0));
    let turn = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let lat = Arc::new(parking_lot::Mutex::new(Vec::with_capacity(N * 2)));
    let done = Arc::new(AtomicBool::new(false));
    let mut handles = Vec::new();
    for me in 0..2u64 {
        let (s, released_at, turn, lat, done) =
            (Arc::clone(&s), Arc::clone(&released_at), Arc::clone(&turn), Arc::clone(&lat), Arc::clone(&done));
        handles.push(std::thread::spawn(move || {
            let ctx = s.ctx(me as u32);
            for i in 0..N {
                // Wait for my turn to take the GIL (the other thread holds it or is about to drop it).
                while turn.load(Ordering::Acquire) % 2 != me && !done.load(Ordering::Acquire) {
                    std::hint::spin_loop();
                }
                ctx.take_gil().unwrap();
                let now = start.elapsed().as_nanos() as u64;
                let r = released_at.load(Ordering::Acquire);
                if i > 0 || me == 1 {
                    lat.lock().push((now.saturating_sub(r)) as f64);
                }
                // Let the other thread start waiting, then drop.
                turn.fetch_add(1, Ordering::AcqRel);
                std::thread::sleep(Duration::from_micros(50));
                released_at.store(start.elapsed().as_nanos() as u64, Ordering::Release);
                ctx.drop_gil(GilReason::Io);
            }
            done.store(true, Ordering::Release);
        }));
    }
    for h in handles {
        let _ = h.join();
    }
    let v = lat.lock().clone();
    println!(
        "GIL handoff (drop -> waiting thread runs):    median {:7.1} µs over {} handoffs",
        median(v) / 1000.0,
        N * 2 - 1
    );
}

fn bench_trace_io() {
    // A real run of about a million events: two threads taking a lock, with the GIL's handoffs.
    let src = "import threading\nlock = threading.Lock()\ntotal = 0\ndef w():\n    global total\n    for _ in range(167000):\n        with lock:\n            total += 1\nts = [threading.Thread(target=w) for _ in range(2)]\nfor t in ts:\n    t.start()\nfor t in ts:\n    t.join()\n";
    let (trace, _) =
        sim_core::py::run::run_source("locks.py", src, &Default::default(), Default::default(), None).unwrap();
    let n = trace.events.len();
    println!("trace files, a real run of {n} events (two threads taking a Lock), median of 5:");
    for ext in ["json", "tltrace"] {
        let path = std::env::temp_dir().join(format!("tl-bench-{}.{ext}", std::process::id()));
        let mut saves = Vec::new();
        let mut loads = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            trace.save(&path).unwrap();
            saves.push(t.elapsed().as_secs_f64());
            let t = Instant::now();
            let back = sim_core::trace::Trace::load(&path).unwrap();
            loads.push(t.elapsed().as_secs_f64());
            assert_eq!(back.events.len(), n);
        }
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let _ = std::fs::remove_file(&path);
        let per_m = 1e6 / n as f64;
        println!(
            "  .{ext:<8} {:>9} bytes ({:6.2} bytes an event)  save {:6.3} s  load + check {:6.3} s ({:.3} s per million)",
            size,
            size as f64 / n as f64,
            median(saves),
            median(loads.clone()),
            median(loads) * per_m
        );
    }
}

fn main() {
    // `cargo test --benches` passes `--bench`-less flags; run everything either way.
    println!("threadline sim-core benches ({} cores)", std::thread::available_parallelism().map_or(1, |n| n.get()));
    // `cargo bench --bench core -- trace` runs only the sections whose names hold `trace`.
    let only: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let sections: [(&str, fn()); 4] =
        [("record", bench_record), ("lock", bench_lock), ("gil", bench_gil_handoff), ("trace", bench_trace_io)];
    for (name, f) in sections {
        if only.is_empty() || only.iter().any(|o| name.contains(o.as_str())) {
            f();
        }
    }
}
