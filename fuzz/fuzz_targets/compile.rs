//! Python source → parse → compile: an error or a program, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(src) = std::str::from_utf8(data) {
        let _ = sim_core::py::compile("fuzz.py", src, &indexmap::IndexMap::new());
    }
});
