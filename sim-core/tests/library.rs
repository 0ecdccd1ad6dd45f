//! The library people import, program by program: each `tests/library/NAME.py` runs in
//! Threadline and must print exactly `NAME.out` on stdout and `NAME.err` on stderr — files
//! made by `python3` (3.11) from the same program, with the folder's path left out of
//! tracebacks. Where `python3` is present the stored files are checked against it too, so
//! an expectation cannot drift from CPython.

use indexmap::IndexMap;
use sim_core::event::EventKind;
use sim_core::model::RuntimeSettings;
use sim_core::py::run::run_source;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

fn programs() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/library");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/library exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "py"))
        .collect();
    out.sort();
    out
}

fn threadline(path: &Path) -> (String, String) {
    let src = std::fs::read_to_string(path).expect("readable");
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let (trace, _) =
        run_source(&name, &src, &IndexMap::new(), RuntimeSettings::default(), Some(Duration::from_secs(60)))
            .unwrap_or_else(|e| panic!("{name} does not compile:\n{e}"));
    printed(&trace)
}

/// The program run with every body on the frame loop (`sim_core::py::vm`).
fn on_frame_loop(path: &Path) -> (String, String) {
    let src = std::fs::read_to_string(path).expect("readable");
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let prog = sim_core::py::compile_with(&name, &src, &IndexMap::new(), true)
        .unwrap_or_else(|e| panic!("{name} does not compile:\n{e}"));
    let run = sim_core::py::run::PyRun::start(std::sync::Arc::new(prog), RuntimeSettings::default(), 0, None);
    printed(&run.finish(Some(Duration::from_secs(60))))
}

fn printed(trace: &sim_core::trace::Trace) -> (String, String) {
    let (mut out, mut err) = (String::new(), String::new());
    for e in &trace.events {
        if let EventKind::Print { line, stderr } = &e.kind {
            let s = if *stderr { &mut err } else { &mut out };
            s.push_str(line);
            s.push('\n');
        }
    }
    (out, err)
}

fn python3(path: &Path) -> Option<(String, String)> {
    let dir = path.parent()?;
    let out = Command::new("python3").arg(path.file_name()?).current_dir(dir).output().ok()?;
    // CPython prints the script's absolute path in tracebacks; the stored files do not.
    let prefix = format!("{}/", dir.canonicalize().ok()?.display());
    let clean = |b: &[u8]| String::from_utf8_lossy(b).replace(&prefix, "");
    Some((clean(&out.stdout), clean(&out.stderr)))
}

#[test]
fn library_programs_print_what_python_prints() {
    let have_python = Command::new("python3").arg("--version").output().is_ok_and(|o| o.status.success());
    let mut failures = Vec::new();
    let progs = programs();
    assert!(progs.len() >= 7, "the library programs are missing");
    for p in &progs {
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        let want_out = std::fs::read_to_string(p.with_extension("out")).expect(".out file");
        let want_err = std::fs::read_to_string(p.with_extension("err")).expect(".err file");
        let (out, err) = threadline(p);
        if out != want_out {
            failures.push(format!("{name}: stdout\n--- got\n{out}--- expected\n{want_out}"));
        }
        if err != want_err {
            failures.push(format!("{name}: stderr\n--- got\n{err}--- expected\n{want_err}"));
        }
        // A program about process start-up races in CPython too (a loaded machine can let a
        // child print before its parent terminates it): python3 gets three tries.
        if have_python {
            let mut last = None;
            for _ in 0..3 {
                match python3(p) {
                    Some((py_out, py_err)) if py_out == want_out && py_err == want_err => {
                        last = None;
                        break;
                    }
                    other => last = other,
                }
            }
            if let Some((py_out, py_err)) = last {
                failures.push(format!("{name}: the stored files differ from python3, which prints\n{py_out}{py_err}"));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {} programs differ:\n{}", failures.len(), progs.len(), failures.join("\n"));
}

/// The same programs with every body on the frame loop print the same stored files.
#[test]
fn library_programs_print_the_same_on_the_frame_loop() {
    let mut failures = Vec::new();
    let progs = programs();
    for p in &progs {
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        let want_out = std::fs::read_to_string(p.with_extension("out")).expect(".out file");
        let want_err = std::fs::read_to_string(p.with_extension("err")).expect(".err file");
        let (out, err) = on_frame_loop(p);
        if out != want_out || err != want_err {
            failures.push(format!("{name}:\n--- got\n{out}{err}--- expected\n{want_out}{want_err}"));
        }
    }
    assert!(failures.is_empty(), "{} of {} programs differ:\n{}", failures.len(), progs.len(), failures.join("\n"));
}
