//! Threadline's analysis: what the views and the CLI read from a run — the [`timeline`] of
//! states, the [`summary`], the [`profile`] (where the time went), the [`invariants`] every run keeps, the Chrome trace export
//! ([`chrome`]), real CPython runs turned into traces ([`recorded`]), the search for a
//! breaking schedule and outcome statistics ([`explore`], seeded by [`rng`]), soak runs
//! ([`soak`]), the fuzz targets' checks ([`fuzzing`]) and the campaign's [`challenge`]s
//! (whether a run reached a goal; a challenge solved, or proved out of reach, in words), and
//! [`predict`] (the answers a program can give, for predict-then-run).
//!
//! May import: `threadline-model`, `threadline-runtime`, `threadline-python`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod challenge;
pub mod chrome;
pub mod explore;
pub mod fuzzing;
pub mod invariants;
pub mod predict;
pub mod profile;
pub mod recorded;
pub mod rng;
pub mod soak;
pub mod summary;
pub mod timeline;
pub mod words;
