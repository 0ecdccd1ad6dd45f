//! Threadline's simulation core: real OS threads run Python-style programs through
//! instrumented concurrency primitives under a model of CPython's GIL, and every step they
//! take becomes an [`event::Event`]. No UI lives here.
//!
//! Layers, bottom up: [`value`] and [`expr`] (what programs compute with), [`event`] and
//! [`recorder`] (what a run produces), [`rt`], [`gil`], [`sync`], [`channels`] and
//! [`watchdog`] (the runtime), [`scenario`] and [`interp`] (programs as data),
//! [`timeline`] and [`summary`] (what the views and the CLI read), [`trace`] and
//! [`chrome`] (files).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod catalog;
pub mod channels;
pub mod chrome;
pub mod compile;
pub mod event;
pub mod expr;
pub mod gil;
pub mod interp;
pub mod invariants;
mod pool;
pub mod py;
pub mod py_catalog;
pub mod pyerror;
pub mod recorder;
pub mod rt;
pub mod scenario;
pub mod soak;
pub mod summary;
pub mod sync;
pub mod timeline;
pub mod trace;
pub mod value;
pub mod watchdog;
