//! Threadline's front end: the command line and the egui app. The simulation lives in
//! `sim-core`; this crate only starts runs, draws their timelines and handles files.
#![forbid(unsafe_code)]

pub mod app;
pub mod bytecode;
pub mod cli;
pub mod code;
pub mod gui;
pub mod launch;
pub mod layout;
pub mod record;
pub mod session;
pub mod theme;
pub mod timeline_view;
