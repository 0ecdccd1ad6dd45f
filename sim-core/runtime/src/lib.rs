//! Threadline's runtime: simulated threads on real OS threads ([`rt`]), the GIL of each
//! simulated process after `Python/ceval_gil.c` (`gil`, private: the runtime takes and drops it), the primitives with Python's
//! semantics ([`sync`]: locks, semaphores, conditions, events; [`channels`]: queues and
//! pipes), the deadlock watchdog ([`watchdog`]), the event recorder ([`recorder`]) and
//! controlled runs with their schedules ([`control`]).
//!
//! May import: `threadline-model`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod channels;
pub mod control;
pub mod cv;
pub mod footprint;
mod gil;
pub mod pool;
pub mod recorder;
pub mod rt;
pub mod sync;
pub mod watchdog;
