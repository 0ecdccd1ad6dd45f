//! The fuzz targets' checks (`sim_core::fuzzing`, the same code `fuzz/` runs under
//! libFuzzer) over the regression corpus: every finding of the coverage-guided fuzzer,
//! kept in `fuzz/regressions/<target>/`, and the hostile files of `tests/corpus/`. A
//! panic here is a finding come back.

use std::path::{Path, PathBuf};

fn files(dirs: &[&str], ext: Option<&str>) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for d in dirs {
        for e in std::fs::read_dir(root.join(d)).unwrap_or_else(|e| panic!("{d}: {e}")) {
            let p = e.unwrap().path();
            if p.is_file() && ext.is_none_or(|x| p.extension().is_some_and(|e| e == x)) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn each(target: &str, paths: Vec<PathBuf>, check: fn(&[u8])) {
    assert!(!paths.is_empty(), "{target}: no regression files");
    for p in paths {
        let data = std::fs::read(&p).unwrap();
        if std::panic::catch_unwind(|| check(&data)).is_err() {
            panic!("{target}: {} is a finding again", p.display());
        }
    }
}

#[test]
fn compile_regressions() {
    each("compile", files(&["../fuzz/regressions/compile", "tests/corpus"], Some("py")), sim_core::fuzzing::compile);
}

#[test]
fn run_regressions() {
    each("run", files(&["../fuzz/regressions/run"], None), sim_core::fuzzing::run);
}

#[test]
fn trace_regressions() {
    each("trace", files(&["../fuzz/regressions/trace", "tests/corpus"], Some("json")), sim_core::fuzzing::trace);
}

#[test]
fn sliders_regressions() {
    each(
        "sliders",
        files(&["../fuzz/regressions/sliders", "../fuzz/corpus/sliders"], None),
        sim_core::fuzzing::sliders,
    );
}
