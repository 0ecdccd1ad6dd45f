//! Timeline benchmarks (a plain harness: `cargo bench -p threadline`): laying out one frame
//! of a 1 M-event timeline zoomed out, and feeding events into the Timeline model as a live
//! run does. Prints medians; the README records the figures.

use sim_core::event::{Event, EventKind, GilReason};
use sim_core::model::ResourceInfo;
use sim_core::model::ResourceKind;
use sim_core::model::{ProcessMeta, ThreadMeta};
use sim_core::timeline::Timeline;
use std::hint::black_box;
use std::time::Instant;
use threadline::layout::{TimeAxis, visible_spans};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// 1 M events of 8 threads taking turns on the GIL and a lock.
fn events(n: u64) -> Vec<Event> {
    let kinds = [
        EventKind::GilRequested,
        EventKind::GilAcquired,
        EventKind::Requested { res: 0, blocking: true, timeout_ms: None },
        EventKind::Acquired { res: 0, depth: 1, value: 0 },
        EventKind::CpuBegin { ms: 1.0 },
        EventKind::CpuEnd,
        EventKind::Released { res: 0, depth: 0, value: 0 },
        EventKind::GilReleased { reason: GilReason::Forced },
    ];
    (0..n)
        .map(|i| Event {
            seq: i,
            t_ns: i * 700,
            thread: (i / 8 % 8) as u32,
            process: 0,
            line: 0,
            kind: kinds[(i % 8) as usize].clone(),
        })
        .collect()
}

fn main() {
    let threads: Vec<ThreadMeta> =
        (0..8).map(|i| ThreadMeta { name: format!("T{i}"), process: 0, daemon: false, target: None }).collect();
    let procs = vec![ProcessMeta { name: "MainProcess".into(), pid: 1 }];
    let res =
        vec![ResourceInfo { name: "lock".into(), kind: ResourceKind::Lock, capacity: 0, style: None, duplex: None }];
    let evs = events(1_000_000);

    // Feeding the model, as a live run does.
    let mut feeds = Vec::new();
    let mut tl = Timeline::new(&threads, &procs, &res, &[]);
    for _ in 0..3 {
        tl = Timeline::new(&threads, &procs, &res, &[]);
        let t = Instant::now();
        for e in &evs {
            tl.push(e);
        }
        feeds.push(t.elapsed().as_secs_f64() * 1e9 / evs.len() as f64);
    }
    let per_event = median(feeds);
    println!("Timeline::push:                               median {per_event:6.1} ns/event");
    println!("  => 200 k events/s cost {:.2} ms of model updates per 60 Hz frame", per_event * 200_000.0 / 60.0 / 1e6);

    // One frame's layout of every lane, zoomed out to the whole run over 1100 px.
    let axis = TimeAxis::fit(tl.end_ns, 170.0, 1100.0);
    let mut frames = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        let mut n = 0;
        for lane in &tl.threads {
            n += black_box(visible_spans(&lane.phases, tl.end_ns, &axis, 1.0)).len();
        }
        for g in &tl.gils {
            n += black_box(visible_spans(&g.phases, tl.end_ns, &axis, 1.0)).len();
        }
        for r in &tl.resources {
            n += black_box(visible_spans(&r.holders, tl.end_ns, &axis, 1.0)).len();
        }
        black_box(n);
        frames.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let phases: usize = tl.threads.iter().map(|l| l.phases.len()).sum::<usize>()
        + tl.gils.iter().map(|g| g.phases.len()).sum::<usize>();
    println!("layout of one frame, 1 M events zoomed out:   median {:6.2} ms ({phases} phases)", median(frames));
    // Zoomed in to 1 ms in the middle: binary search skips the rest.
    let mid = TimeAxis { start_ns: tl.end_ns as f64 / 2.0, ns_per_px: 1e6 / 1100.0, left_x: 170.0, width_px: 1100.0 };
    let mut zoomed = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        for lane in &tl.threads {
            black_box(visible_spans(&lane.phases, tl.end_ns, &mid, 1.0));
        }
        zoomed.push(t.elapsed().as_secs_f64() * 1e6);
    }
    println!("layout of one frame, zoomed in to 1 ms:       median {:6.1} µs", median(zoomed));
}
