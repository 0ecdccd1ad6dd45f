//! Every catalog scenario runs in Threadline and under the machine's `python3` (skipped
//! where there is none), and they print the same: line for line where the file declares
//! `Output: ordered`, the same lines in any order for `unordered`, as many lines for
//! `varies`; a `deadlock` file is stopped with its cycle named.

use indexmap::IndexMap;
use sim_core::event::EventKind;
use sim_core::model::RuntimeSettings;
use sim_core::py::OutputKind;
use sim_core::py::run::run_source;
use sim_core::py_catalog::entries;
use std::process::{Command, Stdio};
use std::time::Duration;

fn threadline(file: &str, src: &str, gil: Option<sim_core::model::GilMode>) -> (String, bool, i64) {
    let settings = RuntimeSettings { gil: gil.unwrap_or_default(), ..RuntimeSettings::default() };
    let (trace, code) =
        run_source(file, src, &IndexMap::new(), settings, Some(Duration::from_secs(60))).expect("catalog compiles");
    let mut out = String::new();
    let mut deadlock = false;
    for e in &trace.events {
        match &e.kind {
            EventKind::Print { line, stderr: false } => {
                out.push_str(line);
                out.push('\n');
            }
            EventKind::Deadlock { .. } => deadlock = true,
            _ => {}
        }
    }
    (out, deadlock, code)
}

fn python(path: &std::path::Path) -> Option<std::process::Child> {
    Command::new("python3")
        .arg(path)
        .env_remove("PYTHONUNBUFFERED")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()
}

fn same(kind: OutputKind, a: &str, b: &str) -> bool {
    match kind {
        OutputKind::Ordered => a == b,
        OutputKind::Unordered => {
            let (mut x, mut y): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
            x.sort_unstable();
            y.sort_unstable();
            x == y
        }
        OutputKind::Varies => a.lines().count() == b.lines().count(),
        OutputKind::Deadlock => true,
    }
}

#[test]
fn every_catalog_file_prints_what_python3_prints() {
    let all = entries().expect("the catalog compiles");
    assert!(all.len() >= 40, "the catalog has {} files", all.len());
    let have_python = Command::new("python3").arg("--version").output().is_ok_and(|o| o.status.success());
    let dir = std::env::temp_dir().join(format!("tl-catalog-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut failures = Vec::new();
    for e in &all {
        let kind = e.meta.output;
        if kind == OutputKind::Deadlock {
            let (_, deadlock, _) = threadline(&e.file, &e.source, e.meta.gil);
            if !deadlock {
                failures.push(format!("{}: no deadlock detected", e.id));
            }
            continue;
        }
        let path = dir.join(&e.file);
        std::fs::write(&path, &*e.source).expect("write");
        // Both at once (python3 in a child process), then, on a mismatch, once more one
        // after the other: a timing-sensitive file must not fail because the machine was busy.
        let mut ok = false;
        let mut last = String::new();
        for attempt in 0..2 {
            let child = if have_python && attempt == 0 { python(&path) } else { None };
            let (tl, _, code) = threadline(&e.file, &e.source, e.meta.gil);
            let py = match child {
                Some(c) => c.wait_with_output().ok().map(|o| String::from_utf8_lossy(&o.stdout).into_owned()),
                None if have_python => python(&path)
                    .and_then(|c| c.wait_with_output().ok())
                    .map(|o| String::from_utf8_lossy(&o.stdout).into_owned()),
                None => None,
            };
            if code != 0 {
                last = format!("exit status {code}");
                continue;
            }
            match py {
                Some(py) if !same(kind, &tl, &py) => last = format!("threadline printed\n{tl}python3 printed\n{py}"),
                _ => {
                    ok = true;
                    break;
                }
            }
        }
        if !ok {
            failures.push(format!("{} ({kind:?}): {last}", e.id));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{} of {} differ:\n{}", failures.len(), all.len(), failures.join("\n"));
}
