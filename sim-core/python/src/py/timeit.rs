//! `timeit`: `default_timer`, which is `time.perf_counter` (the run's virtual clock).

use super::stdlib::NFn;
use super::value::V;

/// `timeit.name`.
pub fn module_attr(name: &str) -> Option<V> {
    match name {
        "default_timer" => Some(super::libobj::native_fn(NFn::PerfCounter)),
        _ => None,
    }
}
