//! Trace bytes → load → check → summarize → export: a message, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(t) = sim_core::trace::Trace::from_json(&text) {
        let s = sim_core::summary::Summary::of_trace(&t);
        let _ = s.human();
        let _ = sim_core::chrome::export(&t);
        let _ = sim_core::invariants::check(&t);
    }
});
