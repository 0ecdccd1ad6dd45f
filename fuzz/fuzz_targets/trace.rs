//! Trace bytes → load → check → summarize → export: a message, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sim_core::fuzzing::trace(data));
