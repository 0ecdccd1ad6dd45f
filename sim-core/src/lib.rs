//! Threadline's simulation core, the one crate the app depends on: real OS threads run
//! Python programs through instrumented concurrency primitives under a model of CPython's
//! GIL, and every step they take becomes an [`event::Event`]. No UI lives here.
//!
//! It is a facade over four crates, each of which may import only those below it (Cargo
//! refuses a cycle); `ARCHITECTURE.md` at the top of the repository draws the data's path.
//! - `threadline-model` — the vocabulary: [`value`], [`pyerror`], [`model`], [`event`],
//!   [`trace`], [`binary`], [`packed`];
//! - `threadline-runtime` — [`rt`], [`sync`], [`channels`], [`watchdog`], [`recorder`],
//!   [`control`] (the GIL is the runtime's own, private);
//! - `threadline-python` — [`py`] (parse, compile, interpret: public are its front door,
//!   [`py::run`], [`py::value`] and [`py::check`]) and [`py_catalog`];
//! - `threadline-analysis` — [`timeline`], [`summary`], [`invariants`], [`chrome`],
//!   [`recorded`], [`explore`], [`rng`], [`soak`], [`fuzzing`], and [`words`] (thread states
//!   in words, one wording each).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use threadline_analysis::{
    challenge, chrome, explore, fuzzing, invariants, predict, profile, recorded, rng, soak, summary, timeline, words,
};
pub use threadline_model::{binary, event, model, packed, pyerror, trace, value};
pub use threadline_python::{py, py_catalog};
pub use threadline_runtime::{channels, control, recorder, rt, sync, watchdog};
