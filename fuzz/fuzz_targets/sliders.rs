//! A scenario's slider comments and `--set NAME=VALUE` overrides: parsed and checked
//! against their ranges with a message, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sim_core::fuzzing::sliders(data));
