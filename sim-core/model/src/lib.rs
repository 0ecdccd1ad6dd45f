//! Threadline's vocabulary, the bottom layer: the values events carry ([`value`]), Python
//! errors ([`pyerror`]), what a scenario and its resources are ([`model`]: the GIL mode, the
//! settings, thread and process tables, sliders), the events a run produces ([`event`]) and
//! the trace file that holds them ([`trace`]).
//!
//! May import: no other Threadline crate.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod binary;
pub mod event;
pub mod model;
pub mod packed;
pub mod pyerror;
pub mod trace;
pub mod value;
