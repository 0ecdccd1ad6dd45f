//! Threadline's simulation core: real OS threads run Python-style programs through
//! instrumented concurrency primitives under a model of CPython's GIL, and every step they
//! take becomes an [`event::Event`]. No UI lives here.
//!
//! Layers, bottom up: [`model`] (the run's vocabulary) and [`value`] (what events carry),
//! [`event`] and [`recorder`] (what a run produces), [`rt`], [`gil`], [`sync`],
//! [`channels`] and [`watchdog`] (the runtime), [`py`] (Python scenarios: parse, lower,
//! run) and [`py_catalog`] (the scenarios that ship), [`timeline`] and [`summary`] (what
//! the views and the CLI read), [`trace`] and [`chrome`] (files).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod channels;
pub mod chrome;
pub mod control;
pub mod event;
pub mod explore;
pub mod fuzzing;
pub mod gil;
pub mod invariants;
pub mod model;
pub mod py;
pub mod py_catalog;
pub mod pyerror;
pub mod recorded;
pub mod recorder;
pub mod rng;
pub mod rt;
pub mod soak;
pub mod summary;
pub mod sync;
pub mod timeline;
pub mod trace;
pub mod value;
pub mod watchdog;
