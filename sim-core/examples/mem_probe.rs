//! Where a replayed trace's memory goes, as the app keeps it: the events packed, then the
//! timeline built from them, each step's resident memory and the sizes of the biggest lanes.
//!
//! `cargo run --release -p sim-core --example mem_probe -- TRACE`
use sim_core::packed::PackedTrace;
use sim_core::timeline::Timeline;

/// Resident and peak resident memory (Linux's `/proc/self/status`), in MB.
fn memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    };
    format!("resident {:.1} MB, peak {:.1} MB", kb("VmRSS:"), kb("VmHWM:"))
}

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: mem_probe TRACE");
        std::process::exit(2);
    };
    println!("start: {}", memory());
    let t = match PackedTrace::load(std::path::Path::new(&path)) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    let n = t.events.len();
    println!("{n} events loaded packed ({} bytes): {}", t.events.packed_bytes(), memory());
    let tl = Timeline::of_packed(&t);
    println!("timeline built: {}", memory());
    let phases: usize = tl.threads.iter().map(|l| l.phases.len()).sum();
    let util: usize = tl.util.iter().map(Vec::len).sum();
    let holders: usize = tl.resources.iter().map(|r| r.holders.len()).sum();
    let per = |k: usize| k as f64 / n.max(1) as f64;
    println!(
        "per event: {:.2} thread phases, {:.2} utilisation steps, {:.2} holder phases",
        per(phases),
        per(util),
        per(holders)
    );
}
