//! A scenario's slider comments and `--set NAME=VALUE` overrides: parsed and checked
//! against their ranges with a message, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sim_core::py::value::V;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // The first line is a slider comment, the rest `NAME=VALUE` overrides.
    let mut lines = text.lines();
    let comment = lines.next().unwrap_or_default();
    let src = format!("X = 5  # slider: {comment}\nY = 0.5  # slider: 0..1 Y\nprint(X, Y)\n");
    let mut sets = indexmap::IndexMap::new();
    for l in lines.take(4) {
        if let Some((k, v)) = l.split_once('=') {
            let v = v.trim();
            let val = match (v.parse::<i64>(), v.parse::<f64>()) {
                (Ok(i), _) => V::Int(i),
                (_, Ok(f)) => V::Float(f),
                _ => continue,
            };
            sets.insert(k.trim().to_string(), val);
        }
    }
    let _ = sim_core::py::compile("sliders.py", &src, &sets);
});
