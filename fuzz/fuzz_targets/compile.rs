//! Python source → parse → compile: an error or a program, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sim_core::fuzzing::compile(data));
