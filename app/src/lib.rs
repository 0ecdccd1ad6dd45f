//! Threadline's front end: the command line and the egui app. The simulation lives in
//! `sim-core`; this crate only starts runs, draws their timelines and handles files.
#![forbid(unsafe_code)]

pub mod cli;
pub mod gui;
