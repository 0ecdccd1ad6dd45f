//! Trace files: round trip, every class of bad file, the version fixture, atomic save, and
//! Chrome Trace Event Format export validity.

mod common;
use common::run;
use sim_core::summary::Summary;
use sim_core::trace::{TRACE_VERSION, Trace, TraceError};
use std::collections::BTreeMap;

fn sample() -> Trace {
    run("semaphore", &[("THREADS", 5.0), ("PERMITS", 2.0), ("HOLD", 0.02)], |_| {}).0
}

#[test]
fn round_trip_keeps_events_and_summary() {
    let t = sample();
    let dir = std::env::temp_dir().join(format!("tl-rt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("run.json");
    t.save(&path).unwrap();
    let back = Trace::load(&path).unwrap();
    assert_eq!(back.events, t.events);
    assert_eq!(Summary::of_trace(&back), Summary::of_trace(&t));
    // No temporary file is left beside it.
    let names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 1, "{names:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_version_1_fixture_loads() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/trace-v1.json");
    let t = Trace::load(&path).expect("fixture loads");
    assert_eq!(t.version, 1);
    let s = Summary::of_trace(&t);
    assert_eq!(s.resources["semaphore"].max_holders, Some(2));
    sim_core::invariants::check(&t).unwrap();
}

fn load_err(text: &str) -> TraceError {
    Trace::from_json(text).expect_err("must be refused")
}

#[test]
fn every_bad_file_class_gets_its_message() {
    let good = sample().to_json();
    assert!(matches!(load_err("hello"), TraceError::NotJson { line: 1, .. }));
    assert!(matches!(load_err(&good[..good.len() / 2]), TraceError::Truncated { .. }));
    let e = load_err(&good.replacen("threadline-trace", "something-else", 1));
    assert_eq!(e.to_string(), "not a Threadline trace: `format` is \"something-else\", expected \"threadline-trace\"");
    let newer = good.replacen(&format!("\"version\":{TRACE_VERSION}"), "\"version\":99", 1);
    let e = load_err(&newer).to_string();
    assert!(e.contains("version 99") && e.contains("reads version 1") && e.contains("newer"), "{e}");
    let older = good.replacen(&format!("\"version\":{TRACE_VERSION}"), "\"version\":0", 1);
    assert!(load_err(&older).to_string().contains("version 0"));
    let e = load_err(&good.replacen("\"thread_started\"", "\"thread_teleported\"", 1)).to_string();
    assert!(e.starts_with("events[") && e.contains("thread_teleported"), "{e}");

    let mut t = sample();
    t.events.swap(3, 4);
    assert!(load_err(&t.to_json()).to_string().contains("out of order"));
    let mut t = sample();
    t.events[5].thread = 999;
    assert_eq!(
        load_err(&t.to_json()).to_string(),
        format!("events[5]: unknown thread 999 (the trace has {})", t.threads.len())
    );
    let mut t = sample();
    let i = t.events.iter().position(|e| e.kind.resource().is_some()).unwrap();
    if let sim_core::event::EventKind::Requested { res, .. } = &mut t.events[i].kind {
        *res = 77;
    }
    assert!(load_err(&t.to_json()).to_string().contains("unknown resource 77"));
}

#[test]
fn a_failed_save_leaves_the_old_file_intact() {
    let dir = std::env::temp_dir().join(format!("tl-save-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("keep.json");
    sample().save(&path).unwrap();
    let before = std::fs::read(&path).unwrap();
    let r = sim_core::trace::save_atomically(&path, |w| {
        w.write_all(b"{\"half\":")?;
        Err(std::io::Error::other("disk on fire"))
    });
    assert!(r.is_err());
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "the temporary file is removed");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn chrome_export_is_valid_trace_event_format() {
    let t = run("mp-queue-producer-consumer", &[("PAUSE", 0.02)], |_| {}).0;
    let doc = sim_core::chrome::export(&t);
    let text = serde_json::to_string(&doc).unwrap();
    let back: serde_json::Value = serde_json::from_str(&text).unwrap();
    let evs = back["traceEvents"].as_array().unwrap();
    assert!(evs.iter().any(|e| e["ph"] == "M" && e["name"] == "thread_name"));
    assert!(evs.iter().any(|e| e["ph"] == "M" && e["name"] == "process_name"));
    // Sorted by time; counters numeric; flows paired.
    let ts: Vec<f64> = evs.iter().map(|e| e["ts"].as_f64().unwrap()).collect();
    assert!(ts.windows(2).all(|w| w[0] <= w[1]));
    let counters: Vec<_> = evs.iter().filter(|e| e["ph"] == "C").collect();
    assert!(!counters.is_empty());
    assert!(counters.iter().all(|c| c["args"]["value"].is_number()));
    let mut flows: BTreeMap<u64, (u32, u32)> = BTreeMap::new();
    for e in evs {
        match e["ph"].as_str() {
            Some("s") => flows.entry(e["id"].as_u64().unwrap()).or_default().0 += 1,
            Some("f") => flows.entry(e["id"].as_u64().unwrap()).or_default().1 += 1,
            _ => {}
        }
    }
    assert!(!flows.is_empty(), "queue deliveries become flow arrows");
    assert!(flows.values().all(|&(s, f)| s == 1 && f == 1));
    // Slices on one thread never overlap (so they nest).
    let mut by_thread: BTreeMap<(i64, i64), Vec<(f64, f64)>> = BTreeMap::new();
    for e in evs.iter().filter(|e| e["ph"] == "X") {
        let k = (e["pid"].as_i64().unwrap(), e["tid"].as_i64().unwrap());
        let s = e["ts"].as_f64().unwrap();
        by_thread.entry(k).or_default().push((s, s + e["dur"].as_f64().unwrap()));
    }
    for spans in by_thread.values() {
        for w in spans.windows(2) {
            assert!(w[1].0 >= w[0].1 - 1e-6, "overlapping slices {w:?}");
        }
    }
}

#[test]
fn a_trace_whose_slider_range_makes_no_sense_is_refused_with_its_name() {
    let mut t = sample();
    let p = t.scenario.params.first_mut().expect("the semaphore scenario has sliders");
    let name = p.name.clone();
    (p.min, p.max) = (10.0, 1.0);
    let e = load_err(&t.to_json()).to_string();
    assert!(e.contains(&format!("the slider {name} has the range 10..1")), "{e}");
    // And clamping with such a range is the default, not a panic.
    let p = &t.scenario.params[0];
    assert_eq!(p.clamp(5.0), p.default);
}

/// The recorder's lines carry a format version: this reader's own and older (no `format`)
/// are read, a newer one is refused with both versions named.
#[test]
fn recorded_lines_are_checked_for_their_format_version() {
    use sim_core::recorded::{RECORDER_FORMAT, to_trace};
    use sim_core::trace::SourceFile;
    let lines = |header: &str| {
        format!(
            "{header}\n{{\"t\":1000,\"p\":7,\"th\":\"7:1\",\"line\":1,\"k\":\"thread_started\"}}\n\
             {{\"t\":2000,\"p\":7,\"th\":\"7:1\",\"line\":2,\"k\":\"print\",\"text\":\"hi\",\"stderr\":false}}\n\
             {{\"t\":3000,\"p\":7,\"th\":\"7:1\",\"line\":2,\"k\":\"thread_finished\"}}\n"
        )
    };
    let source = || SourceFile { file: "x.py".into(), text: "print('hi')\n".into() };
    let head = |extra: &str| {
        format!("{{\"t\":1,\"p\":7,\"th\":\"7:1\",\"line\":0,\"k\":\"header\",\"python\":\"3.11.7\"{extra}}}")
    };
    for header in [head(&format!(",\"format\":{RECORDER_FORMAT}")), head("")] {
        let t = to_trace(&lines(&header), Default::default(), Default::default(), source()).expect("read");
        assert!(
            t.events.iter().any(|e| matches!(&e.kind, sim_core::event::EventKind::Print { line, .. } if line == "hi"))
        );
        assert_eq!(t.recorded.as_ref().map(|r| r.python.as_str()), Some("3.11.7"));
    }
    let newer = head(&format!(",\"format\":{}", RECORDER_FORMAT + 1));
    let err = to_trace(&lines(&newer), Default::default(), Default::default(), source()).unwrap_err();
    assert!(err.contains(&format!("line format {}", RECORDER_FORMAT + 1)) && err.contains("reads format 1"), "{err}");
}

#[test]
fn a_compact_trace_keeps_everything_in_a_fraction_of_the_size_and_says_when_it_is_damaged() {
    let dir = std::env::temp_dir().join(format!("tl-compact-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (id, sets) in [
        ("semaphore", vec![("THREADS", 5.0), ("PERMITS", 2.0), ("HOLD", 0.02)]),
        ("race-counter", vec![("ITERATIONS", 20_000.0)]),
        ("condition-producer-consumer", vec![]),
        ("cpu-bound-threads", vec![]),
        // asyncio's task events (their names and waits boxed and flattened into the event).
        ("asyncio-race", vec![]),
    ] {
        let t = run(id, &sets, |s| s.time_scale = 0.05).0;
        if id == "asyncio-race" {
            assert!(t.events.iter().any(|e| matches!(e.kind, sim_core::event::EventKind::AioTaskWait { .. })));
        }
        let (json, compact) = (dir.join(format!("{id}.json")), dir.join(format!("{id}.tltrace")));
        t.save(&json).unwrap();
        t.save(&compact).unwrap();
        // Bit for bit the same trace back: events, tables, source, schedule.
        let back = Trace::load(&compact).unwrap();
        assert_eq!(back.to_json(), t.to_json(), "{id}");
        assert_eq!(back.events, t.events, "{id}");
        assert_eq!(Trace::load(&json).unwrap().events, t.events, "{id}");
        let (jl, cl) = (std::fs::metadata(&json).unwrap().len(), std::fs::metadata(&compact).unwrap().len());
        eprintln!(
            "{id}: {} events, {jl} bytes as JSON, {cl} compressed ({:.1} and {:.1} bytes an event)",
            t.events.len(),
            jl as f64 / t.events.len() as f64,
            cl as f64 / t.events.len() as f64
        );
        // (The head — the source, the sliders — is most of a small trace's file.)
        assert!(cl * 3 < jl || t.events.len() < 1000, "{id}: {cl} bytes compressed against {jl} as JSON");
        // Cut short (a run killed while writing leaves this): what its complete blocks hold,
        // and a sentence saying so; cut inside its head, a sentence and no trace.
        let bytes = std::fs::read(&compact).unwrap();
        let half = Trace::from_bytes(&bytes[..bytes.len() / 2]);
        match half {
            Ok(h) => {
                assert!(h.incomplete.as_deref().is_some_and(|s| s.contains("cut short")), "{id}: {:?}", h.incomplete);
                assert!(h.events.len() < t.events.len() && t.events.starts_with(&h.events), "{id}");
            }
            Err(e) => assert!(e.to_string().contains("cut short"), "{id}: {e}"),
        }
        let head_only = Trace::from_bytes(&bytes[..20]).unwrap_err().to_string();
        assert!(head_only.contains("cut short"), "{id}: {head_only}");
        // Damaged: a sentence, never a panic.
        let mut bad = bytes.clone();
        for b in bad.iter_mut().skip(40).step_by(97) {
            *b ^= 0x5a;
        }
        let damaged = Trace::from_bytes(&bad).unwrap_err().to_string();
        assert!(damaged.contains("damaged"), "{id}: {damaged}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Two threads taking a lock `n` times each: about 6 events an iteration.
fn lock_trace(n: u32) -> Trace {
    let src = format!(
        "import threading\nlock = threading.Lock()\ntotal = 0\ndef w():\n    global total\n    for _ in range({n}):\n        with lock:\n            total += 1\nts = [threading.Thread(target=w) for _ in range(2)]\nfor t in ts:\n    t.start()\nfor t in ts:\n    t.join()\nprint(total)\n"
    );
    sim_core::py::run::run_source("locks.py", &src, &Default::default(), Default::default(), None).expect("compiles").0
}

#[test]
fn a_binary_trace_is_a_few_bytes_an_event() {
    let t = lock_trace(20_000);
    assert!(t.events.len() > 100_000, "{}", t.events.len());
    let mut bytes = Vec::new();
    sim_core::binary::write_trace(&mut bytes, &t).unwrap();
    let per = bytes.len() as f64 / t.events.len() as f64;
    eprintln!("{} events, {} bytes, {per:.2} bytes an event", t.events.len(), bytes.len());
    assert!(per <= 10.0, "{per:.2} bytes an event");
    let back = Trace::from_bytes(&bytes).unwrap();
    assert_eq!(back, t);
}

#[test]
fn a_trace_whose_writer_died_opens_up_to_its_last_complete_block() {
    let t = lock_trace(5_000);
    let block = sim_core::binary::BLOCK;
    assert!(t.events.len() > 2 * block);
    // Written as `run --out` writes while the run goes, and never finished: the head, then
    // blocks, then the process dies in the middle of the third.
    let mut head = t.clone();
    head.events.clear();
    head.threads.truncate(1);
    head.resources.clear();
    head.vars.clear();
    let mut w = sim_core::binary::TraceWriter::new(Vec::new(), &head).unwrap();
    for e in &t.events[..2 * block + 100] {
        w.push(e).unwrap();
    }
    let mut full = Vec::new();
    sim_core::binary::write_trace(&mut full, &t).unwrap();
    // What the writer had flushed, plus the first bytes of the next block.
    let mut bytes = full.clone();
    let mut dead = Vec::new();
    {
        let mut w2 = sim_core::binary::TraceWriter::new(&mut dead, &head).unwrap();
        for e in &t.events[..2 * block] {
            w2.push(e).unwrap();
        }
    }
    bytes.truncate(dead.len() + 50);
    bytes[..dead.len()].copy_from_slice(&dead);
    let back = Trace::from_bytes(&bytes).unwrap();
    assert_eq!(back.events, t.events[..2 * block]);
    let note = back.incomplete.as_deref().unwrap_or_default();
    assert!(note.contains("cut short") && note.contains(&format!("{}", 2 * block)), "{note}");
    // Its tables grew from the events it kept: both workers, the lock, `total`.
    assert_eq!(back.threads, t.threads);
    assert_eq!(back.resources, t.resources);
    assert_eq!(back.vars, t.vars);
    assert_eq!(w.events(), (2 * block + 100) as u64);
}

#[test]
fn a_trace_saved_by_an_earlier_build_as_gzipped_json_still_opens() {
    let t = sample();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, t.to_json().as_bytes()).unwrap();
    let bytes = gz.finish().unwrap();
    assert_eq!(Trace::from_bytes(&bytes).unwrap(), t);
}

#[test]
fn every_catalog_run_round_trips_through_the_binary_format_bit_for_bit() {
    let mut events = 0;
    for e in sim_core::py_catalog::entries().expect("the catalog compiles") {
        let t = run(&e.id, &[], |s| s.time_scale = 0.05).0;
        let mut bytes = Vec::new();
        sim_core::binary::write_trace(&mut bytes, &t).unwrap();
        let back = Trace::from_bytes(&bytes).unwrap_or_else(|err| panic!("{}: {err}", e.id));
        // Events, tables, source, settings: the whole trace, as its JSON says it.
        assert_eq!(back, t, "{}", e.id);
        assert_eq!(back.to_json(), t.to_json(), "{}", e.id);
        events += t.events.len();
    }
    // And a controlled run's schedule: explore's deadlock.
    let prog = std::sync::Arc::new(
        sim_core::py::compile("deadlock.py", sim_core::py_catalog::py_source("deadlock").unwrap(), &Default::default())
            .unwrap(),
    );
    let ex = sim_core::explore::explore(&prog, &Default::default(), &Default::default(), |_| true);
    let t = ex.found.expect("explore finds the deadlock").run.trace;
    assert!(t.schedule.is_some());
    let mut bytes = Vec::new();
    sim_core::binary::write_trace(&mut bytes, &t).unwrap();
    assert_eq!(Trace::from_bytes(&bytes).unwrap(), t);
    assert!(events > 1000, "{events}");
}
