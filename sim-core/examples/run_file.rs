//! Run one Python file headless and print what it printed — the smallest entry point for
//! profiling the interpreter: `cargo build --release -p sim-core --example run_file`, then
//! `perf record -g target/release/examples/run_file FILE.py`.

use indexmap::IndexMap;
use sim_core::event::EventKind;
use sim_core::model::RuntimeSettings;
use sim_core::py::run::run_source;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: run_file FILE.py");
        std::process::exit(2);
    };
    let src = match std::fs::read_to_string(&path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(2);
        }
    };
    match run_source(&path, &src, &IndexMap::new(), RuntimeSettings::default(), None) {
        Ok((trace, code)) => {
            for e in &trace.events {
                if let EventKind::Print { line, stderr } = &e.kind {
                    if *stderr {
                        eprintln!("{line}");
                    } else {
                        println!("{line}");
                    }
                }
            }
            std::process::exit(i32::try_from(code).unwrap_or(1));
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
