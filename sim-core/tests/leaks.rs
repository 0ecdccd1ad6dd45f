//! No run leaves state behind: the `run` fuzz target's LeakSanitizer finding (a forked
//! process's module state kept alive by a reference cycle through its own `Process`
//! object) as a test `cargo test` runs. Alone in its binary, so no other test's runs are
//! alive while it counts.

#[test]
fn a_finished_run_with_processes_leaves_no_process_state_alive() {
    let src = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fuzz/regressions/run/forked-process-state-cycle.py"
    ))
    .unwrap();
    let before = sim_core::py::live_process_states();
    for _ in 0..3 {
        let (trace, code) = sim_core::py::run::run_source(
            "leak.py",
            &src,
            &Default::default(),
            Default::default(),
            Some(std::time::Duration::from_secs(30)),
        )
        .expect("compiles");
        assert_eq!(code, 0);
        assert!(trace.processes.len() >= 2, "the program forked a process");
    }
    assert_eq!(sim_core::py::live_process_states(), before, "every process's module state was freed");
}
