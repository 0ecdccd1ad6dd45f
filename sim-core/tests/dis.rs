//! `threadline dis`: the program as CPython 3.11 compiles it. Each `tests/dis/NAME.py` must
//! disassemble to exactly `NAME.dis`, which `python3 -m dis` (3.11) printed for the same
//! file (code object addresses masked: they vary run to run in CPython too). Where a 3.11
//! `python3` is on the machine, every catalog scenario, external corpus program and library
//! program is compared with it live as well.

use sim_core::py::dis::{Listing, dis};
use std::path::{Path, PathBuf};
use std::process::Command;

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn py_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("the folder exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "py"))
        .collect();
    out.sort();
    out
}

/// Code object addresses, which differ between runs, as one placeholder.
fn mask(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(" at 0x") {
        out.push_str(&rest[..i + 6]);
        rest = &rest[i + 6..];
        let hex = rest.find(|c: char| !c.is_ascii_hexdigit()).unwrap_or(rest.len());
        out.push_str("ADDR");
        rest = &rest[hex..];
    }
    out.push_str(rest);
    out
}

fn listing(path: &Path, name: &str) -> Listing {
    let src = std::fs::read_to_string(path).expect("readable");
    dis(&src, name).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn fixtures_print_what_python_3_11_prints() {
    let files = py_files(&manifest().join("tests/dis"));
    assert!(files.len() >= 10, "the fixtures are there");
    let mut bad = Vec::new();
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let want = std::fs::read_to_string(f.with_extension("dis")).expect("a .dis beside each .py");
        let got = listing(f, &name).render();
        if mask(&got).trim_end() != mask(&want).trim_end() {
            bad.push(format!("{name}:\n{}", first_difference(&mask(&got), &mask(&want))));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n\n"));
}

fn first_difference(got: &str, want: &str) -> String {
    for (i, (g, w)) in got.lines().zip(want.lines()).enumerate() {
        if g != w {
            return format!("line {}: got\n  {g}\nwant\n  {w}", i + 1);
        }
    }
    format!("lengths differ: {} lines against {}", got.lines().count(), want.lines().count())
}

/// Whether `python3` here is CPython 3.11, the version whose bytecode this prints.
fn python_311() -> bool {
    Command::new("python3")
        .arg("-c")
        .arg("import sys; print(sys.version_info[:2] == (3, 11))")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "True")
}

#[test]
fn the_catalog_and_the_corpora_match_python3_where_it_is_3_11() {
    if !python_311() {
        eprintln!("python3 is not CPython 3.11 here: only the stored fixtures are compared");
        return;
    }
    let root = manifest().parent().expect("the workspace");
    let mut files = Vec::new();
    for dir in [root.join("saved-scenarios"), root.join("saved-scenarios/challenges")] {
        files.extend(py_files(&dir));
    }
    files.extend(py_files(&manifest().join("tests/corpus-external")));
    files.extend(py_files(&manifest().join("tests/library")));
    // One python3 for all of them: each listing after a marker line.
    let script = "import dis, sys\nfor p in sys.argv[1:]:\n    print('=====', p)\n    \
                  dis.dis(compile(open(p, encoding='utf-8').read(), p, 'exec'))\n";
    let out = Command::new("python3").arg("-c").arg(script).args(&files).output().expect("python3 runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut wanted = text.split("===== ").skip(1);
    let (mut same, mut refused, mut bad) = (0, Vec::new(), Vec::new());
    for f in &files {
        let chunk = wanted.next().expect("one listing per file");
        let want = chunk.split_once('\n').map_or("", |(_, rest)| rest);
        let got = listing(f, &f.to_string_lossy()).render();
        if got.contains("not shown as bytecode yet") {
            refused.push(f.display().to_string());
        } else if mask(&got).trim_end() == mask(want).trim_end() {
            same += 1;
        } else {
            bad.push(format!("{}:\n{}", f.display(), first_difference(&mask(&got), &mask(want))));
        }
    }
    eprintln!("{same} of {} identical, refused: {refused:?}", files.len());
    assert!(bad.is_empty(), "{} differ from python3 -m dis:\n{}", bad.len(), bad.join("\n\n"));
    assert!(same >= 250, "{same} identical");
    assert!(refused.len() <= 2, "refused: {refused:?}");
}

#[test]
fn a_construct_not_compiled_yet_says_what_and_where() {
    let src = "import asyncio\n\nasync def main():\n    return [x async for x in agen()]\n\nprint('ok')\n";
    let l = dis(src, "t.py").expect("compiles");
    let text = l.render();
    assert!(text.contains("not shown as bytecode yet: an async comprehension at line 4"), "{text}");
    // The rest of the file is still shown.
    assert!(text.contains("LOAD_CONST") && text.contains("(print)"), "{text}");
}

#[test]
fn a_syntax_error_is_reported_at_its_line() {
    let e = dis("x = 1\nif x\n    pass\n", "t.py").expect_err("a syntax error");
    assert_eq!(e.line, 2, "{e}");
}

#[test]
fn a_line_lists_its_instructions_in_order() {
    let root = manifest().parent().expect("the workspace");
    let l = listing(&root.join("saved-scenarios/race-counter.py"), "race-counter.py");
    let src = std::fs::read_to_string(root.join("saved-scenarios/race-counter.py")).unwrap();
    let line = src.lines().position(|l| l.trim_start().starts_with("counter += 1")).unwrap() as u32 + 1;
    let ops: Vec<&str> = l.at_line(line).iter().map(|(_, i)| i.op).collect();
    assert_eq!(ops, ["LOAD_GLOBAL", "LOAD_CONST", "BINARY_OP", "STORE_GLOBAL", "JUMP_BACKWARD"]);
    let code = l.at_line(line)[0].0;
    assert_eq!(l.codes[code].name, "increment");
}
