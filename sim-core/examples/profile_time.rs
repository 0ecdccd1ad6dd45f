//! Time the profile's parts on a saved trace: `cargo run --release -p sim-core --example
//! profile_time TRACE.json`.
fn main() {
    let path = std::env::args().nth(1).expect("a trace");
    let trace = sim_core::trace::Trace::load(std::path::Path::new(&path)).expect("loads");
    let t = std::time::Instant::now();
    let tl = sim_core::timeline::Timeline::of_trace(&trace);
    println!("timeline: {:?} ({} events)", t.elapsed(), trace.events.len());
    let t = std::time::Instant::now();
    let cp = sim_core::profile::critical_path(&tl);
    println!("critical path: {:?} ({} spans)", t.elapsed(), cp.spans.len());
    let t = std::time::Instant::now();
    let u = sim_core::profile::utilisation(&tl, 0, tl.end_ns);
    println!("utilisation: {:?} ({} steps)", t.elapsed(), u[0].steps.len());
    let t = std::time::Instant::now();
    let p = sim_core::profile::Profile::of(&tl);
    println!("whole profile: {:?} ({} lines)", t.elapsed(), p.lines.len());
    // A few wake-up edges in words, the longest waits first.
    let mut wakes: Vec<_> = tl.wakes.iter().collect();
    wakes.sort_by_key(|w| std::cmp::Reverse(w.t_ns - w.from_ns));
    for w in wakes.iter().take(3) {
        println!("{}: {}", tl.thread_meta[w.thread as usize].name, sim_core::words::woken(&tl, w));
    }
}
