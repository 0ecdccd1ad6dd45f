//! The code panel's text: the scenario it belongs to, what is saved, the last check's
//! error and sliders, the picked and hovered lines. Unsaved drafts are kept by the app.

use sim_core::py::{CompileError, Slider};
use sim_core::py_catalog::Entry;
use std::path::PathBuf;

/// The Python text in the code panel and what is known about it.
#[derive(Clone, Debug)]
pub struct Editor {
    /// The scenario it belongs to (a catalog id, a user file's stem, `untitled-N`).
    pub id: String,
    /// The file name tracebacks show (`semaphore.py`, or the user's path).
    pub file: String,
    /// Where Save writes (None: a built-in or untitled scenario, Save asks where).
    pub path: Option<PathBuf>,
    /// The text.
    pub text: String,
    /// The text as last loaded or saved.
    pub saved: String,
    /// The sliders its constants declare (from the last good check).
    pub sliders: Vec<Slider>,
    /// The error of the last check or run, at its line.
    pub error: Option<CompileError>,
    /// The line picked on the timeline or in a traceback.
    pub highlight: Option<u32>,
    /// Scroll to this line on the next frame.
    pub scroll_to: Option<u32>,
    /// The line under the pointer.
    pub hovered: Option<u32>,
    /// The line the bytecode view shows (the last one clicked).
    pub bytecode_line: Option<u32>,
    /// Bumped on every edit; a check or compile answers for one generation.
    pub generation: u64,
    /// When the text last changed (egui time), for the check's debounce.
    pub(super) edited_at: Option<f64>,
}

impl Editor {
    /// The editor on a scenario's text (its draft, if one was kept).
    pub fn of(entry: &Entry, draft: Option<&String>, path: Option<PathBuf>) -> Self {
        let mut e =
            Self::of_code(entry.id.clone(), entry.file.clone(), entry.source.to_string(), entry.sliders.clone());
        e.path = path;
        if let Some(d) = draft {
            e.text.clone_from(d);
            // A draft is checked on the first frame.
            e.edited_at = Some(0.0);
        }
        e
    }

    /// The editor on a program's text that belongs to no file (a trace's source).
    pub fn of_code(id: String, file: String, text: String, sliders: Vec<Slider>) -> Self {
        Self {
            id,
            file,
            path: None,
            saved: text.clone(),
            text,
            sliders,
            error: None,
            highlight: None,
            scroll_to: None,
            hovered: None,
            bytecode_line: None,
            generation: 0,
            edited_at: None,
        }
    }

    /// Edited since it was loaded or saved.
    pub fn modified(&self) -> bool {
        self.text != self.saved
    }
}
