//! `threadline run FILE.py` and `threadline validate FILE.py`: a Python scenario runs as
//! `python3 FILE.py` would — its output on stdout and stderr as it happens, its exit
//! status — on Threadline's simulated threads.

use super::{Failure, RunOpts, bad_input, other, print_summary};
use indexmap::IndexMap;
use sim_core::binary::StreamedFile;
use sim_core::control::{Replay, Schedule};
use sim_core::event::EventKind;
use sim_core::model::RuntimeSettings;
use sim_core::py::run::PyRun;
use sim_core::py::value::V;
use sim_core::summary::Summary;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Whether `path` is a Python file.
pub fn is_python(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "py")
}

/// What a `run` argument names, if it is Python: a `.py` path, or a catalog id.
pub enum PySpec {
    /// A file to read.
    File(PathBuf),
    /// A built-in scenario: (file name, source).
    Builtin(String, &'static str),
}

/// The Python scenario a `run` argument names: a catalog id, or a file (any file that is
/// not a catalog id is read as Python). A `.json` scenario of Threadline's first format
/// gets a message saying what replaced it.
pub fn python_spec(spec: &str) -> Result<PySpec, Failure> {
    let p = PathBuf::from(spec);
    if !is_python(&p) {
        if let Some(src) = sim_core::py_catalog::py_source(spec) {
            return Ok(PySpec::Builtin(format!("{spec}.py"), src));
        }
        if p.extension().is_some_and(|e| e == "json") {
            return Err(bad_input(anyhow::anyhow!("{}", json_scenario_message(spec))));
        }
        if !p.exists() {
            return Err(bad_input(anyhow::anyhow!(
                "no scenario \"{spec}\": not a catalog id (see `threadline list`) and no such file"
            )));
        }
    }
    Ok(PySpec::File(p))
}

/// What to tell someone who opens a scenario in the retired JSON format.
pub fn json_scenario_message(path: &str) -> String {
    format!(
        "{path}: scenarios are Python files now (`.py`, runnable with python3); the JSON scenario format \
         was retired. The catalog's scenarios are in saved-scenarios/*.py: copy the closest one and edit it"
    )
}

/// Parse `--set NAME=VALUE` as Python numbers.
pub fn parse_py_sets(sets: &[String]) -> Result<IndexMap<String, V>, Failure> {
    let mut out = IndexMap::new();
    for s in sets {
        let (k, v) = s.split_once('=').ok_or_else(|| bad_input(anyhow::anyhow!("--set {s}: expected NAME=VALUE")))?;
        let v = v.trim();
        let val = if let Ok(i) = v.parse::<i64>() {
            V::Int(i)
        } else if let Ok(f) = v.parse::<f64>() {
            if !f.is_finite() {
                return Err(bad_input(anyhow::anyhow!("--set {s}: {v:?} is not a finite number")));
            }
            V::Float(f)
        } else {
            return Err(bad_input(anyhow::anyhow!("--set {s}: {v:?} is not a number")));
        };
        out.insert(k.trim().to_string(), val);
    }
    Ok(out)
}

fn read(path: &Path) -> Result<String, Failure> {
    let bytes = std::fs::read(path).map_err(|e| bad_input(anyhow::anyhow!("{}: {e}", path.display())))?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        bad_input(anyhow::anyhow!("{}: not UTF-8 text (byte {at} is not valid UTF-8)", path.display()))
    })
}

/// `threadline validate FILE.py`.
pub fn validate_py(path: &Path) -> Result<(), Failure> {
    if path.extension().is_some_and(|e| e == "json") {
        return Err(bad_input(anyhow::anyhow!("{}", json_scenario_message(&path.display().to_string()))));
    }
    let src = read(path)?;
    let file = path.display().to_string();
    let prog = sim_core::py::compile(&file, &src, &IndexMap::new()).map_err(|e| bad_input(anyhow::anyhow!("\n{e}")))?;
    let sliders: Vec<String> = prog.sliders.iter().map(|s| format!("{} ({}..{})", s.name, s.min, s.max)).collect();
    let _ = crate::cli::say(&format!(
        "{file}: ok — {} ({}); sliders: {}",
        prog.meta.title,
        prog.meta.topic,
        if sliders.is_empty() { "none".into() } else { sliders.join(", ") }
    ));
    Ok(())
}

/// `threadline dis`: the program's bytecode as `python3 -m dis` prints it (CPython 3.11).
pub fn dis(spec: &str) -> Result<(), Failure> {
    let (file, src) = match python_spec(spec)? {
        PySpec::File(path) => (path.display().to_string(), read(&path)?),
        PySpec::Builtin(name, src) => (name, src.to_string()),
    };
    let listing = sim_core::py::dis::dis(&src, &file).map_err(|mut e| {
        e.file.clone_from(&file);
        bad_input(anyhow::anyhow!("\n{e}"))
    })?;
    let _ = crate::cli::say(listing.render().trim_end_matches('\n'));
    Ok(())
}

/// Read and compile the scenario `spec` names with its `--set` overrides: (file name, program).
pub fn load_program(spec: &PySpec, set: &[String]) -> Result<(String, sim_core::py::Program), Failure> {
    let (file, src) = match spec {
        PySpec::File(path) => (path.display().to_string(), read(path)?),
        PySpec::Builtin(name, src) => (name.clone(), src.to_string()),
    };
    let overrides = parse_py_sets(set)?;
    let prog = sim_core::py::compile(&file, &src, &overrides).map_err(|e| bad_input(anyhow::anyhow!("\n{e}")))?;
    Ok((file, prog))
}

/// A `--schedule` argument: a file holding a schedule (as `explore` saves it), or the
/// schedule's text itself.
pub fn read_schedule(arg: &str) -> Result<Schedule, Failure> {
    let path = Path::new(arg);
    let (text, from) = if !arg.is_empty() && path.is_file() {
        (read(path)?, format!("{}: ", path.display()))
    } else if path.is_dir() {
        return Err(bad_input(anyhow::anyhow!("{arg}: a directory, not a schedule file")));
    } else if arg.ends_with(".schedule") || (arg.contains('/') && !arg.contains(':')) {
        // Meant as a file, but there is none.
        return Err(bad_input(anyhow::anyhow!("{arg}: no such schedule file")));
    } else {
        (arg.to_string(), String::new())
    };
    Schedule::parse(&text).map_err(|e| bad_input(anyhow::anyhow!("{from}{e}")))
}

/// `threadline run FILE.py` (or a catalog id).
pub fn run_py(spec: &PySpec, set: &[String], opts: &RunOpts<'_>) -> Result<(), Failure> {
    let (_, prog) = load_program(spec, set)?;
    let settings = opts.settings(RuntimeSettings { gil: prog.meta_gil(), ..RuntimeSettings::default() })?;
    let schedule = opts.schedule.map(read_schedule).transpose()?;
    let (tx, rx) = crossbeam_channel::unbounded();
    let check = opts.check.map(sim_core::explore::Check::new);
    let prog = Arc::new(prog);
    let run = match &schedule {
        Some(s) => {
            let run = PyRun::start_controlled(
                Arc::clone(&prog),
                settings,
                Some(tx),
                Box::new(Replay::new(s.clone())),
                opts.split,
            );
            // The same turn limit as explore's: a turn-limit schedule replays to the limit.
            if let Some(c) = run.control() {
                c.set_turn_limit(sim_core::explore::DEFAULT_TURNS);
            }
            run
        }
        None => PyRun::start(Arc::clone(&prog), settings, opts.seed, Some(tx)),
    };
    let started = Instant::now();
    let limit = Duration::from_secs_f64(opts.max_seconds);
    // A binary trace is written while the run goes (`FILE.part`, renamed at the end): a run
    // that dies keeps what it had written. A JSON one is written when the run ends.
    let mut stream = match opts.out.filter(|p| !sim_core::trace::is_json_name(p)) {
        Some(out) => Some(
            StreamedFile::create(out, &run.head())
                .map_err(|e| other(anyhow::anyhow!("could not write {}: {e}", out.display())))?,
        ),
        None => None,
    };
    let mut stdout = std::io::stdout().lock();
    let closed_flag = std::cell::Cell::new(false);
    let show = |e: &sim_core::event::Event, stdout: &mut std::io::StdoutLock<'_>, stream: &mut Option<StreamedFile>| {
        if let Some(s) = stream
            && s.push(e).is_err()
        {
            // The disk is full or gone: the trace is saved whole at the end, or says why not.
            if let Some(s) = stream.take() {
                s.abandon();
            }
        }
        let closed = closed_flag.get();
        if opts.json {
            return;
        }
        if let EventKind::Print { line, stderr } = &e.kind {
            if *stderr {
                eprintln!("{line}");
            } else if !closed && writeln!(stdout, "{line}").and_then(|_| stdout.flush()).is_err() {
                // `threadline run x.py | head`: the reader went away. Python would die of a
                // BrokenPipeError at its next print; the run is stopped and the exit is clean.
                closed_flag.set(true);
            }
        }
    };
    let mut flushed = Instant::now();
    while !run.is_finished() {
        if started.elapsed() > limit || closed_flag.get() {
            run.stop();
        }
        // What a slow run recorded reaches the file twice a second.
        if flushed.elapsed() > Duration::from_millis(500) {
            flushed = Instant::now();
            if let Some(s) = &mut stream {
                let _ = s.flush();
            }
        }
        if let Ok(e) = rx.recv_timeout(Duration::from_millis(20)) {
            show(&e, &mut stdout, &mut stream);
        }
        for e in rx.try_iter() {
            show(&e, &mut stdout, &mut stream);
        }
    }
    let code = run.exit_code();
    // Kept packed: a ten-million-event run is some megabytes of events, not 640.
    let (trace, report, finals) = run.finish_keep_packed(None);
    for e in rx.try_iter() {
        show(&e, &mut stdout, &mut stream);
    }
    drop(stdout);
    if let Some(out) = opts.out {
        let saved = match stream {
            Some(s) => s.finish(&trace),
            None => trace.save(out),
        };
        saved.map_err(|e| other(anyhow::anyhow!("could not write {}: {e}", out.display())))?;
    }
    if let (Some(s), Some(r)) = (&schedule, &report) {
        if let Some(d) = &r.diverged {
            return Err(bad_input(anyhow::anyhow!("{d}")));
        }
        if let Some(end) = s.end
            && end != r.decisions.len()
        {
            return Err(bad_input(anyhow::anyhow!(
                "the schedule diverged: it was made for a run of {end} choice points; this one had {} \
                 (was the program edited, or run with other --set values or another --gil?)",
                r.decisions.len()
            )));
        }
    }
    let summary = Summary::of(&trace.meta, &sim_core::timeline::Timeline::of_packed(&trace));
    if opts.json {
        print_summary(&summary, true);
    }
    if let Some(n) = summary.event_limit {
        eprintln!(
            "threadline: the run made more than {n} events, the most a trace keeps in full; after that only \
             thread starts and ends, prints and exceptions were kept"
        );
    }
    if let Some(d) = &summary.deadlock {
        return Err(Failure { code: 1, error: anyhow::anyhow!("{} (the run was stopped)", d.words), quiet: false });
    }
    if report.as_ref().is_some_and(|r| r.turn_limit) {
        return Err(Failure {
            code: 1,
            error: anyhow::anyhow!(
                "turn limit: stopped after {} turns (does the program end?)",
                sim_core::explore::DEFAULT_TURNS
            ),
            quiet: false,
        });
    }
    if let Some(c) = &check {
        match c.eval(&finals) {
            Ok(true) => {}
            Ok(false) => {
                return Err(Failure { code: 1, error: anyhow::anyhow!("check: `{}` is False", c.expr), quiet: false });
            }
            Err(e) => return Err(bad_input(anyhow::anyhow!("check error: {e}"))),
        }
    }
    if closed_flag.get() {
        return Ok(());
    }
    if started.elapsed() > limit
        && trace.events.next_time_after(-1.0, |e| matches!(e.kind, EventKind::ThreadStopped)).is_some()
    {
        return Err(Failure {
            code: 1,
            error: anyhow::anyhow!("stopped after --max-seconds {}", opts.max_seconds),
            quiet: false,
        });
    }
    match code {
        0 => Ok(()),
        c => {
            Err(Failure { code: u8::try_from(c.rem_euclid(256)).unwrap_or(1), error: anyhow::anyhow!(""), quiet: true })
        }
    }
}
