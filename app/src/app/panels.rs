//! The window's panels, one file each: the controls on the left ([`controls`], with a [`challenge`]'s card, the
//! scheduler [`game`], outcome [`stats`] and [`explore`]), the [`code`] panel, the timeline in
//! the [`centre`], where the time went in the [`profile`] beside it, and the output, summary and cursor inspector at the [`bottom`]. They
//! draw and push [`Command`](super::Command)s; the app applies them.

mod bottom;
mod bytecode;
mod centre;
mod challenge;
mod code;
mod controls;
mod explore;
mod game;
mod profile;
mod stats;

pub(in crate::app) use bottom::run_label;
pub use profile::{ProfileTab, ProfileUi};
