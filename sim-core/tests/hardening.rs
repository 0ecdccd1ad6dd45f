//! Hostile input and soak: the scenario parser and the trace loader never panic, never hang
//! and stay bounded on mutated and hostile files; every catalog scenario with random
//! parameters keeps the invariants; a 256-thread run drops no event.

mod common;
use sim_core::compile::compile;
use sim_core::interp::Run;
use sim_core::scenario::parse_scenario;
use sim_core::soak::{Rng, soak};
use sim_core::trace::Trace;
use std::collections::BTreeMap;
use std::time::Duration;

/// Mutate `text`: flip, delete, duplicate or insert bytes and JSON-ish tokens, or truncate.
fn mutate(text: &str, rng: &mut Rng) -> String {
    const TOKENS: [&str; 14] = [
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"",
        "-1",
        "1e309",
        "null",
        "\"$x\"",
        "99999999999999999999",
        "\"op\"",
        "\\u0000",
    ];
    let mut b: Vec<u8> = text.as_bytes().to_vec();
    for _ in 0..rng.range(1, 4) {
        if b.is_empty() {
            break;
        }
        let i = rng.range(0, b.len() as i64 - 1) as usize;
        match rng.range(0, 5) {
            0 => b[i] = rng.range(32, 126) as u8,
            1 => {
                let j = (i + rng.range(1, 40) as usize).min(b.len());
                b.drain(i..j);
            }
            2 => {
                let t = TOKENS[rng.range(0, TOKENS.len() as i64 - 1) as usize];
                b.splice(i..i, t.bytes());
            }
            3 => b.truncate(i),
            _ => {
                let j = (i + rng.range(1, 200) as usize).min(b.len());
                let chunk = b[i..j].to_vec();
                b.splice(j..j, chunk);
            }
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

fn try_scenario(text: &str) -> Option<sim_core::compile::Plan> {
    let sc = parse_scenario(text).ok()?;
    let params = sc.resolve_params(&BTreeMap::new()).ok()?;
    compile(&sc, &params, sc.runtime.settings()).ok()
}

#[test]
fn mutated_scenarios_never_panic_and_compiled_mutants_run_bounded() {
    let files: Vec<&str> = sim_core::catalog::FILES.iter().map(|(_, t)| *t).collect();
    let mut rng = Rng::new(2026);
    let (mut compiled, mut ran) = (0, 0);
    const CASES: usize = 20_000;
    for case in 0..CASES {
        let text = mutate(files[case % files.len()], &mut rng);
        let r = std::panic::catch_unwind(|| try_scenario(&text));
        let Ok(plan) = r else { panic!("case {case} panicked on:\n{text}") };
        if let Some(mut plan) = plan {
            compiled += 1;
            // Run a sample of the mutants that still compile, fast and with a wall limit.
            if compiled % 40 == 0 {
                plan.settings.time_scale = 0.01;
                let trace = Run::start(plan, None).expect("starts").finish(Some(Duration::from_millis(300)));
                sim_core::invariants::check(&trace).unwrap_or_else(|e| panic!("case {case}: {e}"));
                ran += 1;
            }
        }
    }
    eprintln!("{CASES} mutated scenarios: {compiled} still compiled, {ran} of those run to their end or a 300 ms stop");
    assert!(compiled > 100 && ran > 3);
}

#[test]
fn mutated_traces_never_panic() {
    let text =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/trace-v1.json"))
            .unwrap();
    let mut rng = Rng::new(7);
    let mut accepted = 0;
    for case in 0..3_000 {
        let m = mutate(&text, &mut rng);
        match std::panic::catch_unwind(|| Trace::from_json(&m)) {
            Ok(Ok(t)) => {
                accepted += 1;
                // A trace the loader accepts must also summarize and build a timeline.
                let _ = sim_core::summary::Summary::of_trace(&t);
                let _ = sim_core::chrome::export(&t);
            }
            Ok(Err(e)) => assert!(!e.to_string().is_empty()),
            Err(_) => panic!("case {case} panicked on:\n{m}"),
        }
    }
    eprintln!("3000 mutated traces: {accepted} still valid");
}

#[test]
fn hostile_corpus_gets_errors_not_panics() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let t0 = std::time::Instant::now();
        let trace = std::panic::catch_unwind(|| Trace::from_json(&text).is_ok())
            .unwrap_or_else(|_| panic!("{name}: trace loader panicked"));
        assert!(!trace, "{name} is not a valid trace");
        let plan = std::panic::catch_unwind(|| try_scenario(&text))
            .unwrap_or_else(|_| panic!("{name}: scenario parser panicked"));
        if let Some(mut plan) = plan {
            // The ones that compile (a 10^18 repeat, a recursion bomb) must stop when told.
            plan.settings.time_scale = 0.01;
            let trace = Run::start(plan, None).unwrap().finish(Some(Duration::from_millis(200)));
            sim_core::invariants::check(&trace).unwrap();
            if name.contains("recursion") {
                let s = sim_core::summary::Summary::of_trace(&trace);
                assert_eq!(s.threads[0].error.as_ref().unwrap().ty, "RecursionError");
            }
        }
        assert!(t0.elapsed() < Duration::from_secs(20), "{name} took {:?}", t0.elapsed());
        n += 1;
    }
    assert!(n >= 10);
}

#[test]
fn short_soak_every_scenario_random_params_keeps_the_invariants() {
    let r = soak(1, 99, 0.02, |_| {});
    assert!(r.violations.is_empty(), "{:#?}", r.violations);
    assert!(r.runs >= sim_core::py_catalog::PY_FILES.len());
}

#[test]
fn a_256_thread_run_drops_no_event() {
    let text = r#"{"id":"many","name":"many","topic":"t","description":"d",
      "resources":[{"name":"sem","kind":"semaphore","value":4},{"name":"q","kind":"queue","maxsize":8}],
      "vars":[{"name":"n","init":"0"}],
      "threads":[{"name":"W{id}","count":256,"program":[
         {"op":"with","res":"sem","body":[{"op":"incr","var":"n"},{"op":"put","queue":"q","item":"id"},{"op":"get","queue":"q","as":"x"}]},
         {"op":"repeat","count":20,"body":[{"op":"incr","var":"n"}]}]}]}"#;
    let sc = parse_scenario(text).unwrap();
    let plan = compile(&sc, &BTreeMap::new(), sc.runtime.settings()).unwrap();
    let (tx, rx) = crossbeam_channel::unbounded();
    let trace = Run::start(plan, Some(tx)).unwrap().finish(Some(Duration::from_secs(60)));
    let live = rx.try_iter().count();
    assert_eq!(live, trace.events.len(), "every event reached the live consumer");
    sim_core::invariants::check(&trace).unwrap();
    let s = sim_core::summary::Summary::of_trace(&trace);
    assert_eq!(s.events, trace.events.len());
    assert_eq!(s.threads.len(), 257);
    assert!(s.threads.iter().all(|t| t.outcome == "finished"));
    let holders = s.resources["sem"].max_holders.unwrap();
    assert!((1..=4).contains(&holders), "{holders}");
}

#[test]
fn absurd_durations_are_long_waits_not_panics() {
    let text = r#"{"id":"long","name":"long","topic":"t","description":"d",
      "resources":[{"name":"L","kind":"lock"},{"name":"q","kind":"queue"}],
      "threads":[
        {"name":"sleeper","program":[{"op":"sleep","ms":1e300}]},
        {"name":"holder","program":[{"op":"acquire","res":"L"},{"op":"cpu","ms":1e300}]},
        {"name":"waiter","start_delay_ms":5,"program":[{"op":"acquire","res":"L","timeout_ms":1e300}]},
        {"name":"getter","program":[{"op":"get","queue":"q","as":"x","timeout_ms":1e300}]}]}"#;
    let sc = parse_scenario(text).unwrap();
    let plan = compile(&sc, &BTreeMap::new(), sc.runtime.settings()).unwrap();
    let trace = Run::start(plan, None).unwrap().finish(Some(Duration::from_millis(200)));
    sim_core::invariants::check(&trace).unwrap();
    let s = sim_core::summary::Summary::of_trace(&trace);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert!(
        s.threads.iter().all(|t| t.outcome == "stopped"),
        "{:?}",
        s.threads.iter().map(|t| &t.outcome).collect::<Vec<_>>()
    );
}
