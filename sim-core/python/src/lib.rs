//! Threadline's Python: a scenario file is parsed, compiled to a closed program and run on
//! the runtime's primitives ([`py`]); [`py_catalog`] holds the scenarios that ship.
//!
//! May import: `threadline-model`, `threadline-runtime`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod py;
pub mod py_catalog;
