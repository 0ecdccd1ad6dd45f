//! Running a scenario in the real CPython with Threadline's recorder: `threadline record`
//! and the app's "Run in CPython too". The recorder (a pure-Python module embedded in the
//! binary) is written to a temporary folder with the scenario, its slider constants set to
//! the chosen values on their own lines (so line numbers do not move), and run by the
//! user's `python3`; its event lines become a trace.

use indexmap::IndexMap;
use sim_core::py::Slider;
use sim_core::py::value::V;
use sim_core::trace::{SourceFile, Trace};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The interpreter to record with: `$THREADLINE_PYTHON`, else `python3` on the PATH.
pub fn default_python() -> PathBuf {
    std::env::var_os("THREADLINE_PYTHON").map_or_else(|| PathBuf::from("python3"), PathBuf::from)
}

/// What a recording produced.
pub struct Recording {
    /// The trace.
    pub trace: Trace,
    /// The program's exit status (None when it was stopped at the time limit).
    pub exit_code: Option<i32>,
    /// What it printed on stderr (tracebacks).
    pub stderr: String,
}

/// `src` with each slider constant set to its override: `THREADS = 6  # slider: …` becomes
/// `THREADS = 8  # slider: …`, on the same line.
pub fn apply_sliders(src: &str, sliders: &[Slider], overrides: &IndexMap<String, V>) -> String {
    let mut lines: Vec<String> = src.split('\n').map(str::to_string).collect();
    for s in sliders {
        let (Some(v), Some(line)) = (overrides.get(&s.name), lines.get_mut(s.line as usize - 1)) else { continue };
        let Some(eq) = line.find('=') else { continue };
        let comment = line.find('#').filter(|c| *c > eq).map_or(String::new(), |c| format!("  {}", &line[c..]));
        *line = format!("{} = {}{comment}", line[..eq].trim_end(), v.repr());
    }
    lines.join("\n")
}

/// Run `src` (named `file`) in `python` with the recorder, echoing its stdout line by line
/// to `echo` as it comes, stopping it after `limit`.
pub fn record(
    file: &str,
    src: &str,
    overrides: &IndexMap<String, V>,
    python: &Path,
    limit: Duration,
    mut echo: impl FnMut(&str),
) -> Result<Recording, String> {
    let prog = sim_core::py::compile(file, src, overrides).map_err(|e| e.to_string())?;
    let info = sim_core::py::run::scenario_shell(&prog);
    let params = prog.values.iter().map(|(k, v)| (k.clone(), v.snapshot())).collect();
    let dir = std::env::temp_dir().join(format!(
        "threadline-record-{}-{}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos())
    ));
    std::fs::create_dir_all(&dir).map_err(|e| format!("could not make {}: {e}", dir.display()))?;
    let result = (|| {
        let recorder = dir.join("threadline_recorder.py");
        let base =
            Path::new(file).file_name().map_or_else(|| "scenario.py".into(), |n| n.to_string_lossy().into_owned());
        let scenario = dir.join(&base);
        let events = dir.join("events.jsonl");
        std::fs::write(&recorder, sim_core::recorded::RECORDER_PY).map_err(|e| e.to_string())?;
        std::fs::write(&scenario, apply_sliders(src, &prog.sliders, overrides)).map_err(|e| e.to_string())?;
        let mut cmd = Command::new(python);
        cmd.arg(&recorder)
            .arg(&events)
            .arg(&scenario)
            .current_dir(&dir)
            .env_remove("PYTHONUNBUFFERED")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // Its own process group, so a stop also ends the processes it forked.
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let mut child = cmd.spawn().map_err(|e| {
            format!(
                "could not run {}: {e}. Install Python 3.9 or later, or point to one with --python PATH \
                 (or THREADLINE_PYTHON)",
                python.display()
            )
        })?;
        let group = i32::try_from(child.id()).ok();
        if let Some(g) = group {
            LIVE_GROUPS.lock().push(g);
        }
        let _forget = ForgetGroup(group);
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut stderr = child.stderr.take().ok_or("no stderr")?;
        let err_reader = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            s
        });
        let (tx, rx) = crossbeam_channel::unbounded::<String>();
        let out_reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let started = Instant::now();
        let mut stopped = false;
        let status = loop {
            for line in rx.try_iter() {
                echo(&line);
            }
            if let Some(st) = child.try_wait().map_err(|e| e.to_string())? {
                break Some(st);
            }
            if started.elapsed() > limit {
                // The whole group: the interpreter and whatever it forked (the group is the
                // child's own, made at spawn, so nothing else is touched).
                if let Ok(pgid) = i32::try_from(child.id()) {
                    let _ =
                        nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pgid), nix::sys::signal::Signal::SIGKILL);
                }
                let _ = child.kill();
                let _ = child.wait();
                stopped = true;
                break None;
            }
            if let Ok(line) = rx.recv_timeout(Duration::from_millis(20)) {
                echo(&line);
            }
        };
        let _ = out_reader.join();
        for line in rx.try_iter() {
            echo(&line);
        }
        let stderr = err_reader.join().unwrap_or_default();
        let jsonl = std::fs::read_to_string(&events).unwrap_or_default();
        let source = SourceFile { file: file.to_string(), text: src.to_string() };
        let trace = sim_core::recorded::to_trace(&jsonl, info, params, source).map_err(|e| {
            let tail: String =
                stderr.lines().rev().take(5).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n");
            format!("{e}\n{tail}")
        })?;
        let exit_code = if stopped { None } else { status.and_then(|s| s.code()) };
        Ok(Recording { trace, exit_code, stderr })
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// The process groups of the recordings running now: the app kills them when it closes, so
/// no `python3` (or what it forked) outlives the window — a deadlocked program would run on.
static LIVE_GROUPS: parking_lot::Mutex<Vec<i32>> = parking_lot::Mutex::new(Vec::new());

/// Takes a recording's group off [`LIVE_GROUPS`] when the recording ends, however it ends.
struct ForgetGroup(Option<i32>);

impl Drop for ForgetGroup {
    fn drop(&mut self) {
        if let Some(g) = self.0 {
            LIVE_GROUPS.lock().retain(|x| *x != g);
        }
    }
}

/// Kill every recording still running (its whole process group). Called when the app exits.
pub fn kill_all() {
    for g in LIVE_GROUPS.lock().drain(..) {
        let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(g), nix::sys::signal::Signal::SIGKILL);
    }
}
