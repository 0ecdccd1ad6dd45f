//! The Threadline window: the scenario picker and controls on the left, the timeline in
//! the centre, the printed output, the summary and the cursor inspector at the bottom.
//! UI functions only draw and return [`Command`]s; the frame applies them at its end.

use crate::session::Session;
use crate::theme::Theme;
use crate::timeline_view::{ViewState, describe_state, legend_ui, timeline_ui};
use crossbeam_channel::{Receiver, Sender};
use egui::RichText;
use serde::{Deserialize, Serialize};
use sim_core::event::EventKind;
use sim_core::rt::{GilMode, RuntimeSettings};
use sim_core::scenario::{ResourceKind, Scenario};
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
    pub params: BTreeMap<String, BTreeMap<String, i64>>,
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
            scenario: "semaphore-pool".into(),
            params: BTreeMap::new(),
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
    ScenarioLoaded(PathBuf, Box<Scenario>),
    Saved(PathBuf),
    Opened(PathBuf, Box<Trace>),
    OpenedCompare(PathBuf, Box<Trace>),
    Failed(String),
}

/// The whole app.
pub struct ThreadlineApp {
    /// Remembered settings.
    pub persisted: Persisted,
    /// The catalog.
    pub catalog: Vec<Scenario>,
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
        let catalog = sim_core::catalog::catalog().unwrap_or_default();
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
    pub fn scenario(&self) -> Option<&Scenario> {
        self.catalog.get(self.selected)
    }

    /// Slider values for the selected scenario (defaults filled in, clamped to range).
    pub fn params(&self) -> BTreeMap<String, i64> {
        let Some(sc) = self.scenario() else { return BTreeMap::new() };
        let saved = self.persisted.params.get(&sc.id);
        sc.params
            .iter()
            .map(|p| {
                (p.name.clone(), saved.and_then(|s| s.get(&p.name)).copied().unwrap_or(p.default).clamp(p.min, p.max))
            })
            .collect()
    }

    /// Runtime settings for the selected scenario.
    pub fn settings(&self) -> RuntimeSettings {
        let Some(sc) = self.scenario() else { return RuntimeSettings::default() };
        RuntimeSettings {
            gil: self.persisted.gil.get(&sc.id).copied().unwrap_or(sc.runtime.gil),
            switch_interval_ms: self.persisted.switch_interval_ms.clamp(0.1, 100.0),
            time_scale: self.persisted.time_scale.clamp(0.05, 10.0) * sc.runtime.time_scale,
        }
    }

    /// Open a trace directly (for `threadline open` and tests).
    pub fn open_trace(&mut self, trace: Trace, source: String) {
        if let Some(i) = self.catalog.iter().position(|s| s.id == trace.scenario.id) {
            self.selected = i;
        }
        self.session = Some(Session::from_trace(trace, source));
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
            Command::Open(path) => self.load_in_background(path, FileResult::Opened),
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
                    let label = run_label(s);
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
            Command::OpenCompare(path) => self.load_in_background(path, FileResult::OpenedCompare),
            Command::Speed(x) => {
                if let Some(r) = self.session.as_mut().and_then(|s| s.replay.as_mut()) {
                    r.speed = x.clamp(0.1, 10.0);
                }
            }
        }
    }

    /// Put a scenario in the picker (replacing one with the same id) and select it.
    pub fn add_scenario(&mut self, sc: Scenario) {
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

    /// Load a trace on a file thread; `done` wraps the result for [`Self::logic`].
    fn load_in_background(&self, path: PathBuf, done: fn(PathBuf, Box<Trace>) -> FileResult) {
        spawn_file_job(
            move || match Trace::load(&path) {
                Ok(t) => done(path, Box::new(t)),
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
                FileResult::Opened(p, t) => {
                    self.note = Some(format!("Opened {}", p.display()));
                    self.remember_recent(&p);
                    self.open_trace(*t, p.display().to_string());
                }
                FileResult::OpenedCompare(p, t) => {
                    self.note = Some(format!("Comparing with {}", p.display()));
                    self.remember_recent(&p);
                    self.compare = Some(Session::from_trace(*t, format!("compared: {}", p.display())));
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

    fn controls_ui(&mut self, ui: &mut egui::Ui, cmds: &mut Vec<Command>) {
        ui.horizontal(|ui| {
            ui.heading("Threadline");
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let mut pref = ui.ctx().options(|o| o.theme_preference);
                egui::ComboBox::from_label("Theme")
                    .selected_text(match pref {
                        egui::ThemePreference::Dark => "Dark",
                        egui::ThemePreference::Light => "Light",
                        egui::ThemePreference::System => "System theme",
                    })
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut pref, egui::ThemePreference::System, "System theme");
                        ui.selectable_value(&mut pref, egui::ThemePreference::Dark, "Dark");
                        ui.selectable_value(&mut pref, egui::ThemePreference::Light, "Light");
                    });
                if pref != ui.ctx().options(|o| o.theme_preference) {
                    ui.ctx().set_theme(pref);
                }
            });
        });
        ui.label(RichText::new("Python concurrency, on real threads").weak());
        ui.separator();
        let mut topics: Vec<&str> = Vec::new();
        for s in &self.catalog {
            if !topics.contains(&s.topic.as_str()) {
                topics.push(&s.topic);
            }
        }
        for topic in topics {
            let selected_here = self.scenario().is_some_and(|s| s.topic == topic);
            let force_open = (self.reveal_topic && selected_here).then_some(true);
            egui::CollapsingHeader::new(topic).default_open(selected_here).open(force_open).show(ui, |ui| {
                for (i, s) in self.catalog.iter().enumerate().filter(|(_, s)| s.topic == topic) {
                    if ui.selectable_label(i == self.selected, &s.name).clicked() {
                        cmds.push(Command::Select(i));
                    }
                }
            });
        }
        self.reveal_topic = false;
        if ui
            .small_button("Open scenario file…")
            .on_hover_text("Load a scenario you wrote (see saved-scenarios/README.md)")
            .clicked()
        {
            cmds.push(Command::Pick(PickFor::Scenario));
        }
        ui.separator();
        let Some(sc) = self.scenario().cloned() else {
            ui.label("The scenario catalog could not be loaded.");
            return;
        };
        ui.label(RichText::new(&sc.name).strong());
        ui.label(&sc.description);
        if !sc.seed.is_empty() {
            ui.label(RichText::new(format!("From the notes: {}", sc.seed)).italics().weak());
        }
        ui.separator();
        let mut params = self.params();
        let before = params.clone();
        for p in &sc.params {
            if let Some(v) = params.get_mut(&p.name) {
                let mut s = egui::Slider::new(v, p.min..=p.max).text(&p.label);
                if !p.unit.is_empty() {
                    s = s.suffix(format!(" {}", p.unit));
                }
                if p.max - p.min > 2000 {
                    s = s.logarithmic(true);
                }
                ui.add(s);
            }
        }
        let mut gil = self.settings().gil;
        egui::ComboBox::from_label("GIL mode").selected_text(gil.as_str()).show_ui(ui, |ui| {
            for m in GilMode::ALL {
                ui.selectable_value(&mut gil, m, m.as_str());
            }
        });
        let mut sw = self.persisted.switch_interval_ms;
        ui.add(egui::Slider::new(&mut sw, 0.5..=50.0).logarithmic(true).text("switch interval").suffix(" ms"));
        let mut ts = self.persisted.time_scale;
        ui.add(egui::Slider::new(&mut ts, 0.05..=10.0).logarithmic(true).text("time scale").suffix("×"));
        let changed = params != before
            || gil != self.settings().gil
            || sw != self.persisted.switch_interval_ms
            || ts != self.persisted.time_scale;
        if changed {
            self.persisted.params.insert(sc.id.clone(), params);
            self.persisted.gil.insert(sc.id.clone(), gil);
            self.persisted.switch_interval_ms = sw;
            self.persisted.time_scale = ts;
            self.stale = self.session.is_some();
        }
        ui.add_space(6.0);
        let live = self.session.as_ref().is_some_and(Session::is_live);
        let paused = self.session.as_ref().is_some_and(|s| s.paused);
        ui.horizontal(|ui| {
            let run_label = if self.session.is_some() { "Restart" } else { "Run" };
            if ui.button(run_label).clicked() {
                cmds.push(Command::Run);
            }
            if ui.add_enabled(live, egui::Button::new(if paused { "Resume" } else { "Pause" })).clicked() {
                cmds.push(Command::Pause(!paused));
            }
            if ui.add_enabled(live, egui::Button::new("Stop")).clicked() {
                cmds.push(Command::Stop);
            }
        });
        if self.stale {
            ui.horizontal(|ui| {
                ui.label(RichText::new("Settings changed since this run started.").weak());
                if ui.small_button("Restart with them").clicked() {
                    cmds.push(Command::Run);
                }
            });
        }
        ui.separator();
        let label = ui.label(RichText::new("Trace file").strong());
        ui.text_edit_singleline(&mut self.trace_path).labelled_by(label.id);
        ui.horizontal(|ui| {
            let can_save = self.session.as_ref().is_some_and(|s| s.trace.is_some());
            if ui
                .add_enabled(can_save, egui::Button::new("Save (Ctrl+S)"))
                .on_hover_text("Save to the path above")
                .clicked()
            {
                cmds.push(Command::Save(PathBuf::from(self.trace_path.clone())));
            }
            if ui.add_enabled(can_save, egui::Button::new("Save as…")).clicked() {
                cmds.push(Command::Pick(PickFor::Save));
            }
            if ui.button("Open path").on_hover_text("Open the trace at the path above").clicked() {
                cmds.push(Command::Open(PathBuf::from(self.trace_path.clone())));
            }
            if ui.button("Open… (Ctrl+O)").clicked() {
                cmds.push(Command::Pick(PickFor::Open));
            }
        });
        ui.horizontal(|ui| {
            let can_pin = self.session.as_ref().is_some_and(|s| s.trace.is_some());
            if ui
                .add_enabled(can_pin, egui::Button::new("Pin for comparison"))
                .on_hover_text("Keep this run on screen; the next run is drawn above it on the same time axis")
                .clicked()
            {
                cmds.push(Command::Pin);
            }
            if ui.button("Compare with trace…").clicked() {
                cmds.push(Command::Pick(PickFor::Compare));
            }
            if self.compare.is_some() && ui.button("Stop comparing").clicked() {
                cmds.push(Command::Unpin);
            }
        });
        ui.label(RichText::new("…or drop a trace file on the window.").weak());
        if !self.persisted.recent.is_empty() {
            ui.collapsing("Recent traces", |ui| {
                for r in self.persisted.recent.clone() {
                    if ui.small_button(&r).clicked() {
                        self.trace_path = r.clone();
                        cmds.push(Command::Open(PathBuf::from(r)));
                    }
                }
            });
        }
    }

    fn centre_ui(&mut self, ui: &mut egui::Ui, theme: &Theme, cmds: &mut Vec<Command>) {
        if let Some(e) = self.error.clone() {
            ui.horizontal(|ui| {
                ui.label(RichText::new(format!("Error: {e}")).color(theme.error));
                if ui.small_button("Dismiss").clicked() {
                    self.error = None;
                }
            });
        }
        if let Some(n) = self.note.clone() {
            ui.horizontal(|ui| {
                ui.label(RichText::new(n).weak());
                if ui.small_button("Dismiss").clicked() {
                    self.note = None;
                }
            });
        }
        let Some(s) = &self.session else {
            ui.centered_and_justified(|ui| {
                ui.label(RichText::new("Pick a scenario on the left, set its sliders, and press Run.").size(18.0));
            });
            return;
        };
        if let Some(words) = s.timeline.deadlock_words() {
            egui::Frame::new().fill(theme.deadlock).inner_margin(6.0).show(ui, |ui| {
                ui.label(
                    RichText::new(format!("{words} Threadline stopped the run.")).color(egui::Color32::WHITE).strong(),
                );
            });
        }
        ui.horizontal(|ui| {
            let status = if s.is_live() { if s.paused { "paused" } else { "running…" } } else { "finished" };
            ui.label(RichText::new(format!("{} — {} — {}", s.scenario.name, s.source, status)).strong());
            if ui.small_button("Fit").on_hover_text("Show the whole run (or double-click the timeline)").clicked() {
                self.view.follow = true;
            }
        });
        legend_ui(ui, theme);
        if let Some(r) = s.replay.clone() {
            let end = s.trace.as_ref().and_then(|t| t.events.last()).map_or(0, |e| e.t_ns) as f64;
            ui.horizontal(|ui| {
                if ui.button(if r.playing { "Pause replay" } else { "Replay" }).clicked() {
                    cmds.push(Command::Play(!r.playing));
                }
                let mut t = r.playhead_ns;
                let w = (ui.available_width() - 260.0).max(100.0);
                ui.spacing_mut().slider_width = w;
                if ui.add(egui::Slider::new(&mut t, 0.0..=end.max(1.0)).show_value(false)).changed() {
                    cmds.push(Command::Seek(t));
                }
                ui.label(crate::layout::format_duration(r.playhead_ns));
                let mut speed = r.speed;
                egui::ComboBox::from_label("speed").selected_text(format!("{speed}×")).width(60.0).show_ui(ui, |ui| {
                    for x in [0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0] {
                        ui.selectable_value(&mut speed, x, format!("{x}×"));
                    }
                });
                if speed != r.speed {
                    cmds.push(Command::Speed(speed));
                }
            });
            ui.horizontal(|ui| {
                ui.label(RichText::new("Jump to next:").weak());
                let now = r.playhead_ns;
                let jumps: [(&str, EventFilter); 4] = [
                    ("GIL handoff", |k| matches!(k, EventKind::GilAcquired)),
                    ("lock handoff", |k| matches!(k, EventKind::Acquired { .. })),
                    ("error", |k| matches!(k, EventKind::Error { .. } | EventKind::ThreadRaised { .. })),
                    ("deadlock", |k| matches!(k, EventKind::Deadlock { .. })),
                ];
                for (label, pred) in jumps {
                    if ui.small_button(label).clicked() {
                        let at = if now >= end { -1.0 } else { now };
                        if let Some(t) = s.event_times(|e| pred(&e.kind)).into_iter().find(|t| *t as f64 > at) {
                            cmds.push(Command::Seek(t as f64));
                        }
                    }
                }
                ui.label(RichText::new("(Left / Right arrow keys: one event back / forward)").weak());
            });
        }
        ui.separator();
        let live = s.is_live();
        let fit_end = s.timeline.end_ns.max(self.compare.as_ref().map_or(0, |c| c.timeline.end_ns));
        egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| {
            let compare = self.compare.as_ref();
            timeline_ui(ui, &s.timeline, &mut self.view, theme, live, fit_end, compare.is_none());
            if let Some(c) = compare {
                ui.separator();
                ui.label(RichText::new(format!("Compared with {}", run_label(c))).strong());
                timeline_ui(ui, &c.timeline, &mut self.view, theme, false, fit_end, true);
            }
        });
    }

    fn bottom_ui(&mut self, ui: &mut egui::Ui, theme: &Theme) {
        let Some(s) = &self.session else {
            ui.label(RichText::new("The printed output and the run summary appear here.").weak());
            return;
        };
        let tl = &s.timeline;
        ui.columns(2, |cols| {
            cols[0].label(RichText::new("Output").strong());
            egui::ScrollArea::both().id_salt("out").stick_to_bottom(true).auto_shrink([false, false]).show(
                &mut cols[0],
                |ui| {
                    for (_, th, line) in &tl.output {
                        let raised = line.starts_with("Exception in thread")
                            || tl.threads[*th as usize].errors.iter().any(|e| !e.2 && line == &e.1.to_string());
                        let text = RichText::new(line).monospace();
                        ui.add(
                            egui::Label::new(if raised { text.color(theme.error) } else { text })
                                .wrap_mode(egui::TextWrapMode::Extend),
                        );
                    }
                },
            );
            let compare = self.compare.as_ref();
            egui::ScrollArea::vertical().id_salt("side").auto_shrink([false, false]).show(&mut cols[1], |ui| {
                ui.label(RichText::new("Summary").strong());
                match compare {
                    None => summary_ui(ui, tl, "summary"),
                    Some(c) => {
                        ui.columns(2, |sc| {
                            sc[0].label(RichText::new(run_label(s)).weak());
                            summary_ui(&mut sc[0], tl, "summary");
                            sc[1].label(RichText::new(run_label(c)).weak());
                            summary_ui(&mut sc[1], &c.timeline, "summary-compare");
                        });
                    }
                }
                ui.separator();
                ui.label(RichText::new("At the cursor").strong());
                match self.view.cursor_ns {
                    None => {
                        ui.label(
                            RichText::new("Click the timeline to see every thread and resource at that instant.")
                                .weak(),
                        );
                    }
                    Some(t) => cursor_ui(ui, tl, t as u64),
                }
            });
        });
    }
}

/// A short description of a run: scenario, sliders, GIL mode.
fn run_label(s: &Session) -> String {
    let params: Vec<String> = s.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{} [{}] {}", s.scenario.id, params.join(" "), s.settings.gil.as_str())
}

fn summary_ui(ui: &mut egui::Ui, tl: &sim_core::timeline::Timeline, id: &str) {
    egui::Grid::new(id).num_columns(2).striped(true).show(ui, |ui| {
        ui.label("wall time");
        ui.label(crate::layout::format_duration(tl.end_ns as f64));
        ui.end_row();
        let cpu: u64 = (0..tl.threads.len() as u32)
            .map(|t| tl.time_in(t, |s| s == sim_core::timeline::ThreadState::Running))
            .sum();
        ui.label("CPU time (all threads)");
        ui.label(crate::layout::format_duration(cpu as f64));
        ui.end_row();
        for (p, g) in tl.gils.iter().enumerate().filter(|(_, g)| !g.phases.is_empty()) {
            ui.label(format!("GIL · {}", tl.process_meta[p].name));
            ui.label(format!("{} handoffs, {} forced switches", g.handoffs.len(), g.forced_switches));
            ui.end_row();
        }
        for (r, l) in tl.resources.iter().enumerate() {
            let m = &tl.resource_meta[r];
            let text = match m.kind {
                ResourceKind::Semaphore | ResourceKind::BoundedSemaphore => {
                    format!("max {} holders of {}", l.max_holders, m.capacity)
                }
                ResourceKind::Lock | ResourceKind::Rlock | ResourceKind::Condition => {
                    format!("max {} holder(s)", l.max_holders)
                }
                ResourceKind::Queue => format!(
                    "max length {}, {} blocked puts, {} blocked gets",
                    l.max_len, l.blocked_puts, l.blocked_gets
                ),
                _ => continue,
            };
            ui.label(&m.name);
            ui.label(text);
            ui.end_row();
        }
        for (v, l) in tl.vars.iter().enumerate() {
            if let (Some(last), Some(rf)) = (&l.last, &l.race_free) {
                ui.label(&tl.var_names[v]);
                let lost = match (rf.as_i64(), last.as_i64()) {
                    (Some(a), Some(b)) if a != b => format!(" — {} lost updates", a - b),
                    _ => String::new(),
                };
                ui.label(format!("{} (race-free {}){lost}", last.repr(), rf.repr()));
                ui.end_row();
            }
        }
        ui.label("deadlock");
        ui.label(if tl.deadlock.is_some() { "yes" } else { "none" });
        ui.end_row();
        ui.label("events");
        ui.label(tl.n_events.to_string());
        ui.end_row();
    });
}

fn cursor_ui(ui: &mut egui::Ui, tl: &sim_core::timeline::Timeline, t: u64) {
    ui.label(format!("t = {}", crate::layout::format_duration(t as f64)));
    for (p, _) in tl.gils.iter().enumerate().filter(|(_, g)| !g.phases.is_empty()) {
        let h = tl.gil_holder_at(p, t).map_or("free".to_string(), |h| tl.thread_meta[h as usize].name.clone());
        ui.label(format!("GIL · {}: {h}", tl.process_meta[p].name));
    }
    for (i, l) in tl.threads.iter().enumerate() {
        let s = l.state_at(t);
        if s != sim_core::timeline::ThreadState::NotStarted {
            ui.label(format!("{}: {}", tl.thread_meta[i].name, describe_state(tl, s)));
        }
    }
    for (r, m) in tl.resource_meta.iter().enumerate() {
        let r = r as u32;
        let names =
            |v: Vec<u32>| v.iter().map(|t| tl.thread_meta[*t as usize].name.clone()).collect::<Vec<_>>().join(", ");
        let text = match m.kind {
            ResourceKind::Lock | ResourceKind::Rlock | ResourceKind::Condition => {
                let h = tl.holders_at(r, t);
                let w = tl.waiters_at(r, t);
                let held = if h.is_empty() { "free".to_string() } else { format!("held by {}", names(h)) };
                if w.is_empty() { held } else { format!("{held} · waiting: {}", names(w)) }
            }
            ResourceKind::Semaphore | ResourceKind::BoundedSemaphore => {
                let w = tl.waiters_at(r, t);
                let waiting = if w.is_empty() { String::new() } else { format!(" · waiting: {}", names(w)) };
                format!(
                    "value {} · holders: {}{waiting}",
                    tl.counter_at(r, t).unwrap_or(m.capacity),
                    names(tl.holders_at(r, t))
                )
            }
            ResourceKind::Queue => {
                let items: Vec<String> = tl.queue_contents_at(r, t).iter().map(|v| v.repr()).collect();
                format!("[{}]", items.join(", "))
            }
            _ => continue,
        };
        ui.label(format!("{}: {text}", m.name));
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

/// Read, parse and check a scenario file; the error names the file and the place in it.
pub fn load_scenario_file(path: &std::path::Path) -> Result<Scenario, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("Could not read {}: {e}", path.display()))?;
    let sc = sim_core::scenario::parse_scenario(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let params = sc.resolve_params(&BTreeMap::new()).map_err(|e| format!("{}: {e}", path.display()))?;
    sim_core::compile::compile(&sc, &params, sc.runtime.settings()).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(sc)
}

/// Where a trace of `id` is saved by default.
pub fn default_trace_path(id: &str) -> String {
    let dir =
        std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(".")).join("threadline-traces");
    dir.join(format!("{id}.json")).display().to_string()
}
