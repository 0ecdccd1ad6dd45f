//! Hostile input and soak: the Python front end, the interpreter and the trace loader never
//! panic, never hang and stay bounded on mutated and hostile files; a panic or a
//! `SystemError` (the interpreter's "simulator bug") counts as a finding; every catalog
//! scenario with random sliders keeps the invariants; a 256-thread run drops no event.

use indexmap::IndexMap;
use sim_core::model::RuntimeSettings;
use sim_core::py::Program;
use sim_core::py::run::PyRun;
use sim_core::rng::Rng;
use sim_core::soak::soak;
use sim_core::summary::Summary;
use sim_core::trace::Trace;
use std::sync::Arc;
use std::time::Duration;

/// Mutate `text`: flip, delete, duplicate or insert bytes and tokens, or truncate.
fn mutate(text: &str, tokens: &[&str], rng: &mut Rng) -> String {
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
                let t = tokens[rng.range(0, tokens.len() as i64 - 1) as usize];
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

const JSON_TOKENS: &[&str] =
    &["{", "}", "[", "]", ",", ":", "\"", "-1", "1e309", "null", "99999999999999999999", "\\u0000"];

const PY_TOKENS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    ",",
    "\"",
    "'''",
    "-1",
    "1e309",
    "None",
    "**",
    "\n    ",
    "\n",
    "lambda: ",
    "99999999999999999999",
    "\0",
    "yield ",
    "async ",
    "import numpy\n",
    "global x\n",
    "nonlocal x\n",
    "del ",
    ".release()",
    ".acquire()",
    "raise ",
    "return ",
    "break\n",
    "self.",
    "*args",
    "**kw",
    "0 / 0",
    "[0] * ",
];

/// Compile `text`, turning a panic into a failure that shows the input.
fn compile(case: &str, text: &str) -> Option<Arc<Program>> {
    match std::panic::catch_unwind(|| sim_core::py::compile("mutant.py", text, &IndexMap::new())) {
        Ok(r) => r.ok().map(Arc::new),
        Err(_) => panic!("{case}: the compiler panicked on:\n{text}"),
    }
}

/// Run a compiled program fast (sleeps scaled down) and stopped after `limit`; checks the
/// invariants and that the interpreter hit no bug of its own.
fn run_bounded(case: &str, prog: Arc<Program>, limit: Duration) -> Summary {
    let settings = RuntimeSettings { time_scale: 0.01, ..RuntimeSettings::default() };
    let trace = PyRun::start(prog, settings, 0, None).finish(Some(limit));
    sim_core::invariants::check(&trace).unwrap_or_else(|e| panic!("{case}: {e}"));
    let s = Summary::of_trace(&trace);
    if let Some(e) = s.errors.iter().find(|e| e.ty == "SystemError") {
        panic!("{case}: simulator bug: {e:?}");
    }
    s
}

#[test]
fn mutated_python_never_panics_and_compiled_mutants_run_bounded() {
    let files: Vec<&str> = sim_core::py_catalog::PY_FILES.iter().map(|(_, t)| *t).collect();
    let mut rng = Rng::new(2026);
    let (mut compiled, mut ran) = (0, 0);
    const CASES: usize = 3_000;
    for case in 0..CASES {
        let text = mutate(files[case % files.len()], PY_TOKENS, &mut rng);
        let Some(prog) = compile(&format!("case {case}"), &text) else { continue };
        compiled += 1;
        // Run a sample of the mutants that still compile, with a wall limit.
        if compiled % 25 == 0 {
            run_bounded(&format!("case {case}:\n{text}\n"), prog, Duration::from_millis(150));
            ran += 1;
        }
    }
    eprintln!("{CASES} mutated Python files: {compiled} still compiled, {ran} of those ran to their end or a stop");
    assert!(compiled > 100 && ran > 3, "compiled {compiled}, ran {ran}");
}

#[test]
fn mutated_traces_never_panic() {
    let text =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/trace-v1.json"))
            .unwrap();
    let mut rng = Rng::new(7);
    let mut accepted = 0;
    for case in 0..3_000 {
        let m = mutate(&text, JSON_TOKENS, &mut rng);
        match std::panic::catch_unwind(|| Trace::from_json(&m)) {
            Ok(Ok(t)) => {
                accepted += 1;
                // A trace the loader accepts must also summarize and build a timeline.
                let _ = sim_core::summary::Summary::of_trace(&t);
                let _ = sim_core::chrome::export(&t);
            }
            Ok(Err(e)) => {
                // A refusal says where: a line and column, the event's index, or which of
                // the header's `format`/`version` is wrong.
                let m = e.to_string();
                let placed =
                    m.contains("line ") || m.starts_with("events[") || m.contains("`format`") || m.contains("version");
                assert!(placed, "case {case}: the message does not say where: {m}");
            }
            Err(_) => panic!("case {case} panicked on:\n{m}"),
        }
    }
    eprintln!("3000 mutated traces: {accepted} still valid");
}

#[test]
fn hostile_corpus_gets_errors_not_panics() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let (mut traces, mut programs) = (0, 0);
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let t0 = std::time::Instant::now();
        if name.ends_with(".json") {
            let ok = std::panic::catch_unwind(|| Trace::from_json(&text).is_ok())
                .unwrap_or_else(|_| panic!("{name}: trace loader panicked"));
            assert!(!ok, "{name} is not a valid trace");
            traces += 1;
        } else {
            // The ones that compile (a billion threads, a recursion bomb) must stop when told.
            if let Some(prog) = compile(&name, &text) {
                let s = run_bounded(&name, prog, Duration::from_millis(300));
                if name.contains("recursion") {
                    assert!(s.errors.iter().any(|e| e.ty == "RecursionError"), "{name}: {:?}", s.errors);
                }
                if name.contains("bomb") || name.contains("power") {
                    assert!(
                        s.errors.iter().any(|e| e.ty == "MemoryError" || e.ty == "RecursionError"),
                        "{name}: {:?}",
                        s.errors
                    );
                }
            }
            programs += 1;
        }
        assert!(t0.elapsed() < Duration::from_secs(20), "{name} took {:?}", t0.elapsed());
    }
    assert!(traces >= 10 && programs >= 15, "{traces} traces, {programs} programs");
}

#[test]
fn short_soak_every_scenario_random_params_keeps_the_invariants() {
    let r = soak(1, 99, 0.02, |_| {});
    assert!(r.violations.is_empty(), "{:#?}", r.violations);
    assert!(r.runs >= sim_core::py_catalog::PY_FILES.len());
}

#[test]
fn a_256_thread_run_drops_no_event() {
    let src = "import threading, queue
sem = threading.Semaphore(4)
q = queue.Queue(maxsize=8)
n = 0
def work(i):
    global n
    with sem:
        n += 1
        q.put(i)
        q.get()
    for _ in range(20):
        n += 1
ts = [threading.Thread(target=work, args=(i,)) for i in range(256)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(n)
";
    let prog = Arc::new(sim_core::py::compile("many.py", src, &IndexMap::new()).unwrap());
    let (tx, rx) = crossbeam_channel::unbounded();
    let trace = PyRun::start(prog, RuntimeSettings::default(), 0, Some(tx)).finish(Some(Duration::from_secs(60)));
    let live = rx.try_iter().count();
    assert_eq!(live, trace.events.len(), "every event reached the live consumer");
    sim_core::invariants::check(&trace).unwrap();
    let s = Summary::of_trace(&trace);
    assert_eq!(s.events, trace.events.len());
    assert_eq!(s.threads.len(), 257);
    assert!(s.threads.iter().all(|t| t.outcome == "finished"));
    assert_eq!(s.output, vec![(256 * 21).to_string()]);
    let holders = s.resources["sem"].max_holders.unwrap();
    assert!((1..=4).contains(&holders), "{holders}");
}

#[test]
fn absurd_durations_are_long_waits_not_panics() {
    let src = "import threading, queue, time
L = threading.Lock()
q = queue.Queue()
def sleeper():
    time.sleep(1e300)
def holder():
    L.acquire()
    time.sleep(1e300)
def waiter():
    time.sleep(0.005)
    L.acquire(timeout=1e300)
def getter():
    q.get(timeout=1e300)
for f in (sleeper, holder, waiter, getter):
    threading.Thread(target=f).start()
";
    let prog = Arc::new(sim_core::py::compile("long.py", src, &IndexMap::new()).unwrap());
    let trace = PyRun::start(prog, RuntimeSettings::default(), 0, None).finish(Some(Duration::from_millis(300)));
    sim_core::invariants::check(&trace).unwrap();
    let s = Summary::of_trace(&trace);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    let outcomes: Vec<&str> = s.threads.iter().skip(1).map(|t| t.outcome.as_str()).collect();
    assert_eq!(outcomes, ["stopped"; 4], "{outcomes:?}");
}

#[test]
fn past_its_event_limit_a_run_keeps_going_with_bounded_memory_and_says_so() {
    // A main loop printing forever beside a thread ticking forever and an unbounded queue
    // filling, with a 5 000-event limit: the run goes on until its wall limit, but what it
    // keeps stays bounded, and the trace says from when.
    let src = "import threading, queue, time\nq = queue.Queue()\ndef tick():\n    while True:\n        time.sleep(0.0001)\n        q.put(1)\nthreading.Thread(target=tick).start()\nn = 0\nwhile True:\n    n += 1\n    print(n)\n";
    let prog = Arc::new(sim_core::py::compile("forever.py", src, &IndexMap::new()).unwrap());
    let settings = RuntimeSettings { max_events: 5_000, ..RuntimeSettings::default() };
    let trace = PyRun::start(prog, settings, 0, None).finish(Some(Duration::from_millis(1500)));
    sim_core::invariants::check(&trace).unwrap();
    let marker = sim_core::event::EventKind::EventLimit { kept: 5_000 };
    assert_eq!(trace.events.iter().filter(|e| e.kind == marker).count(), 1, "the trace says where it was cut");
    // In full up to the limit; then its marker, a twentieth more of prints, and each thread's end.
    assert!(trace.events.len() <= 5_000 + 1 + 250 + 2 * trace.threads.len(), "{} events", trace.events.len());
    let s = Summary::of_trace(&trace);
    assert_eq!(s.event_limit, Some(5_000));
    assert!(s.output.len() > 250, "prints go on being kept for a while: {}", s.output.len());
    assert!(s.threads.iter().all(|t| t.outcome == "stopped"), "stopped by the wall limit: {:?}", s.threads);
    assert!(s.human().contains("only thread starts and ends, prints and exceptions were kept"));
}
