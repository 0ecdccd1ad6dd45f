//! The Threadline window's state, its commands and its per-frame logic (events in, files
//! done, replay ticking). The panels it draws live in [`panels`]; they only draw and return
//! [`Command`]s, which the frame applies at its end.

mod panels;

use crate::session::Session;
use crate::theme::Theme;
use crate::timeline_view::ViewState;
use crossbeam_channel::{Receiver, Sender};
use serde::{Deserialize, Serialize};
use sim_core::event::EventKind;
use sim_core::py_catalog::Entry;
use sim_core::rt::{GilMode, RuntimeSettings};
use sim_core::trace::Trace;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// What the user asked for during a frame.
#[must_use]
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Pick catalog scenario `i`.
    Select(usize),
    /// Start (or restart) the selected scenario.
    Run,
    /// Pause or resume.
    Pause(bool),
    /// While paused: every thread runs one op.
    Step,
    /// Stop the run.
    Stop,
    /// Save the current trace to this path.
    Save(PathBuf),
    /// Open a trace file.
    Open(PathBuf),
    /// Move the replay playhead.
    Seek(f64),
    /// Play or pause the replay.
    Play(bool),
    /// Replay speed.
    Speed(f64),
    /// Keep the finished run on screen to compare the next one with it.
    Pin,
    /// Open a trace file as the run to compare with.
    OpenCompare(PathBuf),
    /// Stop comparing.
    Unpin,
    /// Load a scenario file into the picker and select it.
    LoadScenario(PathBuf),
    /// Ask for a file with the system's file dialog (on a background thread), then act on it.
    Pick(PickFor),
}

/// What a picked file is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PickFor {
    /// Save the trace there.
    Save,
    /// Open it.
    Open,
    /// Open it as the comparison.
    Compare,
    /// Load it as a scenario file.
    Scenario,
}

/// What is remembered between launches.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Persisted {
    /// The selected scenario's id.
    pub scenario: String,
    /// Slider values per scenario id.
    pub values: BTreeMap<String, BTreeMap<String, f64>>,
    /// GIL mode override per scenario id.
    pub gil: BTreeMap<String, GilMode>,
    /// Switch interval.
    pub switch_interval_ms: f64,
    /// Time scale.
    pub time_scale: f64,
    /// Recently saved or opened traces.
    pub recent: Vec<String>,
}

impl Default for Persisted {
    fn default() -> Self {
        Self {
            scenario: "semaphore".into(),
            values: BTreeMap::new(),
            gil: BTreeMap::new(),
            switch_interval_ms: sim_core::rt::DEFAULT_SWITCH_INTERVAL_MS,
            time_scale: 1.0,
            recent: Vec::new(),
        }
    }
}

/// A test on an event, for the replay's jump buttons.
type EventFilter = fn(&EventKind) -> bool;

/// The storage key of [`Persisted`].
pub const STORAGE_KEY: &str = "threadline";

/// A background file job's result.
enum FileResult {
    Picked(PickFor, PathBuf),
    ScenarioLoaded(PathBuf, Box<Entry>),
    Saved(PathBuf),
    Opened(PathBuf, Box<Session>),
    OpenedCompare(PathBuf, Box<Session>),
    Failed(String),
}

/// The whole app.
pub struct ThreadlineApp {
    /// Remembered settings.
    pub persisted: Persisted,
    /// The catalog: the built-in Python scenarios, then the user's files.
    pub catalog: Vec<Entry>,
    /// Index of the selected scenario.
    pub selected: usize,
    /// The run on screen.
    pub session: Option<Session>,
    /// A pinned run shown below it on the same time axis, to compare.
    pub compare: Option<Session>,
    /// Timeline view state.
    pub view: ViewState,
    /// The last error, shown until dismissed.
    pub error: Option<String>,
    /// A note (saved, opened…).
    pub note: Option<String>,
    /// The trace path field.
    pub trace_path: String,
    /// Params changed since the run started: offer a restart.
    pub stale: bool,
    /// Open the selected scenario's topic in the picker on the next frame.
    reveal_topic: bool,
    files_tx: Sender<FileResult>,
    files_rx: Receiver<FileResult>,
}

impl ThreadlineApp {
    /// A new app with these remembered settings.
    pub fn new(persisted: Persisted) -> Self {
        let catalog = sim_core::py_catalog::entries().unwrap_or_default();
        let selected = catalog.iter().position(|s| s.id == persisted.scenario).unwrap_or(0);
        let (files_tx, files_rx) = crossbeam_channel::unbounded();
        let trace_path = default_trace_path(catalog.get(selected).map_or("run", |s| s.id.as_str()));
        Self {
            persisted,
            catalog,
            selected,
            session: None,
            compare: None,
            view: ViewState::default(),
            error: None,
            note: None,
            trace_path,
            stale: false,
            reveal_topic: true,
            files_tx,
            files_rx,
        }
    }

    /// The selected scenario.
    pub fn scenario(&self) -> Option<&Entry> {
        self.catalog.get(self.selected)
    }

    /// Slider values for the selected scenario (defaults filled in, clamped to range).
    pub fn params(&self) -> BTreeMap<String, f64> {
        let Some(sc) = self.scenario() else { return BTreeMap::new() };
        let saved = self.persisted.values.get(&sc.id);
        sc.sliders
            .iter()
            .map(|p| {
                let v = saved.and_then(|s| s.get(&p.name)).copied().filter(|v| v.is_finite()).unwrap_or(p.default);
                (p.name.clone(), v.clamp(p.min, p.max))
            })
            .collect()
    }

    /// Runtime settings for the selected scenario.
    pub fn settings(&self) -> RuntimeSettings {
        let Some(sc) = self.scenario() else { return RuntimeSettings::default() };
        RuntimeSettings {
            gil: self.persisted.gil.get(&sc.id).copied().unwrap_or(sc.meta.gil.unwrap_or_default()),
            switch_interval_ms: self.persisted.switch_interval_ms.clamp(0.1, 100.0),
            time_scale: self.persisted.time_scale.clamp(0.05, 10.0),
        }
    }

    /// Open a trace directly (for `threadline open` and tests).
    pub fn open_trace(&mut self, trace: Trace, source: String) {
        self.show_session(Session::from_trace(trace, source));
    }

    /// Put a replay session on screen, selecting its scenario in the picker.
    fn show_session(&mut self, session: Session) {
        if let Some(i) = self.catalog.iter().position(|s| s.id == session.scenario.id) {
            self.selected = i;
        }
        self.session = Some(session);
        self.view = ViewState::default();
    }

    /// Apply one command.
    pub fn apply(&mut self, cmd: Command) {
        match cmd {
            Command::Select(i) => {
                if i < self.catalog.len() && i != self.selected {
                    self.selected = i;
                    self.persisted.scenario = self.catalog[i].id.clone();
                    self.trace_path = default_trace_path(&self.catalog[i].id);
                    self.stale = false;
                    self.reveal_topic = true;
                }
            }
            Command::Run => {
                let Some(sc) = self.scenario().cloned() else { return };
                // Dropping the old session stops and joins its threads.
                self.session = None;
                match Session::start(&sc, &self.params(), self.settings()) {
                    Ok(s) => {
                        self.session = Some(s);
                        self.view = ViewState::default();
                        self.error = None;
                        self.stale = false;
                    }
                    Err(e) => self.error = Some(e),
                }
            }
            Command::Pause(p) => {
                if let Some(s) = &mut self.session {
                    s.set_paused(p);
                }
            }
            Command::Step => {
                if let Some(s) = &self.session {
                    s.step();
                }
            }
            Command::Stop => {
                if let Some(s) = &mut self.session {
                    s.stop();
                }
            }
            Command::Save(path) => {
                let Some(trace) = self.session.as_ref().and_then(|s| s.trace.clone()) else {
                    self.error = Some("Nothing to save yet: run a scenario to the end (or stop it) first.".into());
                    return;
                };
                let tx = self.files_tx.clone();
                spawn_file_job(
                    move || match trace.save(&path) {
                        Ok(()) => FileResult::Saved(path),
                        Err(e) => FileResult::Failed(format!("Could not save the trace to {}: {e}", path.display())),
                    },
                    tx,
                );
            }
            Command::Open(path) => self.load_in_background(path, FileResult::Opened, ""),
            Command::Seek(t) => {
                if let Some(s) = &mut self.session {
                    s.seek(t);
                    self.view.cursor_ns = Some(t);
                }
            }
            Command::Play(p) => {
                if let Some(s) = &mut self.session {
                    // Playing from the very end starts over.
                    let end = s.trace.as_ref().and_then(|t| t.events.last()).map_or(0.0, |e| e.t_ns as f64);
                    if p && s.replay.as_ref().is_some_and(|r| r.playhead_ns >= end) {
                        s.seek(0.0);
                    }
                    if let Some(r) = &mut s.replay {
                        r.playing = p;
                    }
                }
            }
            Command::Pin => {
                if let Some(s) = &self.session
                    && let Some(t) = &s.trace
                {
                    let label = panels::run_label(s);
                    self.compare = Some(Session::from_trace(t.clone(), format!("pinned: {label}")));
                    self.note = Some("Pinned. Change the sliders or the GIL mode and press Run to compare.".into());
                }
            }
            Command::Unpin => self.compare = None,
            Command::LoadScenario(path) => {
                spawn_file_job(
                    move || match load_scenario_file(&path) {
                        Ok(sc) => FileResult::ScenarioLoaded(path, Box::new(sc)),
                        Err(e) => FileResult::Failed(e),
                    },
                    self.files_tx.clone(),
                );
            }
            Command::Pick(what) => {
                let tx = self.files_tx.clone();
                let start_dir = PathBuf::from(&self.trace_path).parent().map(PathBuf::from);
                let file_name = PathBuf::from(&self.trace_path).file_name().map(|n| n.to_string_lossy().into_owned());
                let spawned = std::thread::Builder::new().name("tl:file-dialog".into()).spawn(move || {
                    let mut d = rfd::FileDialog::new().add_filter("Threadline trace", &["json"]);
                    if let Some(dir) = start_dir.filter(|d| d.is_dir()) {
                        d = d.set_directory(dir);
                    }
                    let picked = match what {
                        PickFor::Save => d.set_file_name(file_name.unwrap_or_else(|| "trace.json".into())).save_file(),
                        PickFor::Open | PickFor::Compare => d.pick_file(),
                        PickFor::Scenario => d.set_title("Open a scenario file").pick_file(),
                    };
                    if let Some(p) = picked {
                        let _ = tx.send(FileResult::Picked(what, p));
                    }
                });
                if spawned.is_err() {
                    self.error = Some("Could not open the file dialog; type a path in the trace field instead.".into());
                }
            }
            Command::OpenCompare(path) => self.load_in_background(path, FileResult::OpenedCompare, "compared: "),
            Command::Speed(x) => {
                if let Some(r) = self.session.as_mut().and_then(|s| s.replay.as_mut()) {
                    r.speed = x.clamp(0.1, 10.0);
                }
            }
        }
    }

    /// Put a scenario in the picker (replacing one with the same id) and select it.
    pub fn add_scenario(&mut self, sc: Entry) {
        let i = match self.catalog.iter().position(|s| s.id == sc.id) {
            Some(i) => {
                self.catalog[i] = sc;
                i
            }
            None => {
                self.catalog.push(sc);
                self.catalog.len() - 1
            }
        };
        self.apply(Command::Select(i));
        self.reveal_topic = true;
    }

    /// Load a trace and build its timeline on a file thread (a big trace never stalls a
    /// frame); `done` wraps the result for [`Self::logic`].
    fn load_in_background(&self, path: PathBuf, done: fn(PathBuf, Box<Session>) -> FileResult, label: &'static str) {
        spawn_file_job(
            move || match Trace::load(&path) {
                Ok(t) => {
                    let session = Session::from_trace(t, format!("{label}{}", path.display()));
                    done(path, Box::new(session))
                }
                Err(e) => FileResult::Failed(format!("Could not open {}: {e}", path.display())),
            },
            self.files_tx.clone(),
        );
    }

    fn remember_recent(&mut self, path: &std::path::Path) {
        let p = path.display().to_string();
        self.persisted.recent.retain(|r| r != &p);
        self.persisted.recent.insert(0, p);
        self.persisted.recent.truncate(8);
    }

    /// Work done every frame outside drawing: events in, files done, replay ticking.
    pub fn logic(&mut self, ctx: &egui::Context) {
        while let Ok(r) = self.files_rx.try_recv() {
            match r {
                FileResult::Picked(what, p) => {
                    self.trace_path = p.display().to_string();
                    self.apply(match what {
                        PickFor::Save => Command::Save(p),
                        PickFor::Open => Command::Open(p),
                        PickFor::Compare => Command::OpenCompare(p),
                        PickFor::Scenario => Command::LoadScenario(p),
                    });
                }
                FileResult::ScenarioLoaded(p, sc) => {
                    self.note = Some(format!("Loaded scenario {} from {}", sc.id, p.display()));
                    self.add_scenario(*sc);
                }
                FileResult::Saved(p) => {
                    self.note = Some(format!("Saved {}", p.display()));
                    self.remember_recent(&p);
                }
                FileResult::Opened(p, session) => {
                    self.note = Some(format!("Opened {}", p.display()));
                    self.remember_recent(&p);
                    self.show_session(*session);
                }
                FileResult::OpenedCompare(p, session) => {
                    self.note = Some(format!("Comparing with {}", p.display()));
                    self.remember_recent(&p);
                    self.compare = Some(*session);
                }
                FileResult::Failed(e) => self.error = Some(e),
            }
        }
        let dt = ctx.input(|i| i.stable_dt).min(0.1) as f64;
        if let Some(s) = &mut self.session {
            let live = s.is_live();
            s.poll();
            if s.tick(dt) {
                self.view.cursor_ns = s.replay.as_ref().map(|r| r.playhead_ns);
                ctx.request_repaint();
            }
            if live {
                ctx.request_repaint_after(std::time::Duration::from_millis(16));
            }
        }
        // Drag and drop a trace onto the window.
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw.dropped_files.iter().map(|f| f.path().to_path_buf()).filter(|p| !p.as_os_str().is_empty()).collect()
        });
        if let Some(p) = dropped.into_iter().next() {
            self.apply(Command::Open(p));
        }
        let (save, open) = ctx.input_mut(|i| {
            (
                i.consume_key(egui::Modifiers::COMMAND, egui::Key::S),
                i.consume_key(egui::Modifiers::COMMAND, egui::Key::O),
            )
        });
        if save {
            self.apply(Command::Save(PathBuf::from(self.trace_path.clone())));
        }
        if open {
            self.apply(Command::Pick(PickFor::Open));
        }
        if let Some(s) = &self.session
            && s.replay.is_some()
        {
            let (left, right) =
                ctx.input(|i| (i.key_pressed(egui::Key::ArrowLeft), i.key_pressed(egui::Key::ArrowRight)));
            if left || right {
                let now = self.view.cursor_ns.unwrap_or(s.timeline.end_ns as f64);
                let times = s.event_times(|_| true);
                let target = if right {
                    times.iter().find(|t| **t as f64 > now).copied()
                } else {
                    times.iter().rev().find(|t| (**t as f64) < now).copied()
                };
                if let Some(t) = target {
                    self.apply(Command::Seek(t as f64));
                }
            }
        }
    }

    /// Draw the whole window.
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        let theme = Theme::new(ui.visuals().dark_mode);
        let mut cmds = Vec::new();
        egui::Panel::left("controls").resizable(true).default_size(330.0).show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| self.controls_ui(ui, &mut cmds));
        });
        egui::Panel::bottom("output").resizable(true).default_size(230.0).show(ui, |ui| self.bottom_ui(ui, &theme));
        egui::CentralPanel::default().show(ui, |ui| self.centre_ui(ui, &theme, &mut cmds));
        for c in cmds {
            self.apply(c);
        }
    }
}

fn spawn_file_job(job: impl FnOnce() -> FileResult + Send + 'static, tx: Sender<FileResult>) {
    let spawned = std::thread::Builder::new().name("tl:file".into()).spawn(move || {
        let _ = tx.send(job());
    });
    if let Err(e) = spawned {
        eprintln!("threadline: could not start a file thread: {e}");
    }
}

/// Read and compile a Python scenario file; the error names the file and the place in it.
pub fn load_scenario_file(path: &std::path::Path) -> Result<Entry, String> {
    if path.extension().is_some_and(|e| e == "json") {
        return Err(crate::pyfile::json_scenario_message(&path.display().to_string()));
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("Could not read {}: {e}", path.display()))?;
    let file = path.display().to_string();
    let id = path.file_stem().map_or_else(|| file.clone(), |s| s.to_string_lossy().into_owned());
    Entry::new(&id, &file, &text).map_err(|e| e.to_string())
}

/// Where a trace of `id` is saved by default.
pub fn default_trace_path(id: &str) -> String {
    let dir =
        std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(".")).join("threadline-traces");
    dir.join(format!("{id}.json")).display().to_string()
}
