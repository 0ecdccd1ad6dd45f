//! Python source → compile → a short run (50 ms of wall time, 20 000 events): a panic, an
//! abort or a `SystemError` (the interpreter's "simulator bug") is a finding.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sim_core::fuzzing::run(data));
