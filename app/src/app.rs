//! The Threadline window's state and its per-frame logic (events in, files done, replay
//! ticking). The panels it draws live in [`panels`]; they draw and return [`Command`]s,
//! grouped by what they act on and handled in [`commands`], which the frame applies at its
//! end.

mod campaign;
mod commands;
mod compare;
mod editor;
mod jobs;
mod panels;
mod predict;

pub use campaign::{ChallengeProgress, SolvedChallenge};
pub use commands::{AnalysisCmd, CodeCmd, Command, CompareCmd, FileCmd, GameCmd, ReplayCmd, RunCmd};
pub use compare::{Comparison, output_difference, summary_differences};
pub use editor::Editor;
pub use jobs::load_scenario_file;
pub use jobs::{JobKind, Jobs};
use jobs::{compile_for_job, explore_in_background};
pub use panels::ProfileTab;
pub use predict::{PredictScore, Prediction};

use crate::session::Session;
use crate::theme::Theme;
use crate::timeline_view::ViewState;
use crossbeam_channel::{Receiver, Sender};
use serde::{Deserialize, Serialize};
use sim_core::event::EventKind;
use sim_core::model::{GilMode, RuntimeSettings};
use sim_core::py::{CompileError, Meta, Program, Slider};
use sim_core::py_catalog::Entry;
use sim_core::trace::Trace;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

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
    /// Save the code panel's text there.
    Code,
    /// Play the scheduler with that schedule file as the guide.
    Schedule,
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
    /// Unsaved edits per scenario id: kept across launches, so nothing typed is lost.
    pub drafts: BTreeMap<String, String>,
    /// The user's own scenario files, reopened at launch.
    pub user_files: Vec<String>,
    /// Scenarios made with New and never saved: id → text.
    pub untitled: BTreeMap<String, String>,
    /// Playing the scheduler: `x += 1` split into load, add and store.
    pub split_updates: bool,
    /// Outcome statistics: how many runs.
    pub stats_runs: usize,
    /// Explore: the condition the final state must meet (`counter == THREADS * ITERATIONS`).
    pub explore_check: String,
    /// The Profile panel is open (F6).
    pub show_profile: bool,
    /// Which view of the profile it shows.
    pub profile_tab: panels::ProfileTab,
    /// The critical path is drawn on the timeline.
    pub show_critical_path: bool,
    /// The campaign: what was done with each challenge, by id.
    pub challenges: BTreeMap<String, ChallengeProgress>,
    /// Predict, then run: the learner's record.
    pub predictions: PredictScore,
    /// The left panel (picker and controls) is open (Ctrl+B).
    pub show_controls: bool,
    /// The code panel is open (Ctrl+Shift+B).
    pub show_code: bool,
    /// The code panel shows the selected line's bytecode.
    pub show_bytecode: bool,
}

impl Default for Persisted {
    fn default() -> Self {
        Self {
            scenario: "semaphore".into(),
            values: BTreeMap::new(),
            gil: BTreeMap::new(),
            switch_interval_ms: sim_core::model::DEFAULT_SWITCH_INTERVAL_MS,
            time_scale: 1.0,
            recent: Vec::new(),
            drafts: BTreeMap::new(),
            user_files: Vec::new(),
            untitled: BTreeMap::new(),
            split_updates: false,
            stats_runs: 100,
            explore_check: String::new(),
            show_profile: false,
            profile_tab: panels::ProfileTab::default(),
            show_critical_path: true,
            challenges: BTreeMap::new(),
            predictions: PredictScore::default(),
            show_controls: true,
            show_code: true,
            show_bytecode: false,
        }
    }
}

/// A test on an event, for the replay's jump buttons.
type EventFilter = fn(&EventKind) -> bool;

/// The storage key of [`Persisted`].
pub const STORAGE_KEY: &str = "threadline";

/// A background job's result.
enum FileResult {
    Picked(PickFor, PathBuf),
    /// A scenario file read: (path, entry, select it).
    ScenarioLoaded(PathBuf, Box<Entry>, bool),
    /// The code panel's text checked: (generation, sliders or the error).
    Checked(u64, Result<(Meta, Vec<Slider>), CompileError>),
    /// The code panel's text compiled for a run: (generation, program or the error).
    Compiled(u64, Box<Result<Program, CompileError>>),
    CodeSaved(PathBuf, String),
    /// The python3 found (its version), or why none was.
    PythonFound(Result<String, String>),
    /// A run recorded from CPython, as a session to compare with.
    Recorded(Result<Box<Session>, String>),
    /// Outcome statistics of N free runs.
    Stats(Result<Box<OutcomeStats>, String>),
    /// A schedule file read for the game.
    ScheduleRead(Result<sim_core::control::Schedule, String>),
    /// A search of the schedules finished.
    Explored(Result<Box<ExploreResult>, String>),
    /// A challenge solved ("Show me").
    Solved(Result<Box<SolvedChallenge>, String>),
    /// The answers a program can give, for a prediction about scenario `id`.
    PredictChoices(String, Result<Vec<String>, String>),
    /// Free runs' answers to a prediction about scenario `id`.
    PredictTally(String, Result<sim_core::predict::Tally, String>),
    Saved(PathBuf),
    Opened(PathBuf, Box<Session>),
    OpenedCompare(PathBuf, Box<Session>),
    Failed(String),
}

/// Outcome statistics of many free runs of the code panel's program: the bars, and the
/// first run behind each (when kept).
pub struct OutcomeStats {
    /// How many runs.
    pub runs: usize,
    /// The scenario's file name.
    pub file: String,
    /// The GIL mode they ran under.
    pub gil: GilMode,
    /// The bars, most frequent first.
    pub bars: Vec<sim_core::explore::StatBar>,
    /// The kept runs' traces.
    pub traces: Vec<Trace>,
}

/// What a search of the schedules (`explore`, from the app) came to.
pub struct ExploreResult {
    /// Schedules run.
    pub tried: usize,
    /// Every schedule within the bound was run.
    pub exhausted: bool,
    /// Distinct outcomes in words, with how many schedules came to each.
    pub outcomes: Vec<(String, usize)>,
    /// The failure found (in words) and its shrunk schedule.
    pub found: Option<(String, sim_core::control::Schedule)>,
    /// Whether it ran with `x += 1` split.
    pub split: bool,
    /// A challenge's goal it searched for (no check typed).
    pub goal: Option<String>,
    /// Its preemption bound.
    pub preemptions: usize,
}

impl ExploreResult {
    /// What the search came to, in one sentence.
    pub fn verdict(&self) -> String {
        let k = self.preemptions;
        match (&self.found, &self.goal) {
            (Some(_), Some(g)) => format!("Goal reached after {} schedules: {g}", self.tried),
            (Some((what, _)), None) => format!("Found after {} schedules: {what}", self.tried),
            (None, Some(g)) if self.exhausted => {
                format!(
                    "The goal {g} is out of reach: all {} schedules with at most {k} preemptions were tried",
                    self.tried
                )
            }
            (None, Some(g)) => format!("The goal {g} was not reached in {} schedules", self.tried),
            (None, None) if self.exhausted => {
                format!("No failing schedule: all {} with at most {k} preemptions were tried", self.tried)
            }
            (None, None) => format!("No failing schedule in {} tried (not all of them)", self.tried),
        }
    }
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
    /// The code panel.
    pub editor: Editor,
    /// The run being compiled is to be played (controlled, the user choosing).
    play_next: bool,
    /// Choices to make at once when it starts.
    play_script: Vec<u32>,
    /// A schedule to guide the game, and how many choices to follow it by itself.
    play_guide: Option<(sim_core::control::Schedule, usize)>,
    /// The window's context, once known (background jobs ask it to repaint).
    egui_ctx: Option<egui::Context>,
    /// The python3 "Run in CPython too" uses: its version, or why there is none (None
    /// while it is being looked for).
    pub python: Option<Result<String, String>>,
    /// The last outcome statistics.
    pub stats: Option<Box<OutcomeStats>>,
    /// The last search's result.
    pub explored: Option<Box<ExploreResult>>,
    /// Predict, then run: the prediction on screen.
    pub prediction: Option<Prediction>,
    /// `--predict ANSWER`: pick this answer as soon as the choices are known.
    pub predict_auto: Option<String>,
    /// The last challenge solved.
    pub solved: Option<Box<SolvedChallenge>>,
    /// "Show me" is playing a solution: when to make the next choice (0: at the next
    /// choice point, after a pause).
    show_me_at: Option<f64>,
    /// The next game is "Show me" playing a solution.
    show_me_game: bool,
    /// The Profile panel's sort order.
    pub profile_view: panels::ProfileUi,
    /// The width the timeline's panel had in the last frame (for the layout's tests).
    pub centre_width: f32,
    /// The last comparison of two runs' summaries, kept while neither summary changes
    /// (comparing millions of output lines every frame would cost a frame).
    comparison_memo: std::cell::RefCell<Option<Comparison>>,
    /// The code panel's text as CPython 3.11 bytecode, for the editor generation it was made
    /// from (or why it could not be).
    pub bytecode: Option<(u64, Result<sim_core::py::dis::Listing, String>)>,
    /// Every background job: compiling, checking, recording, explore, statistics, solving,
    /// predictions, files.
    pub jobs: Jobs,
}

impl ThreadlineApp {
    /// A new app with these remembered settings.
    pub fn new(persisted: Persisted) -> Self {
        let mut catalog = sim_core::py_catalog::entries().unwrap_or_default();
        catalog.extend(sim_core::py_catalog::challenges().unwrap_or_default());
        // Untitled scenarios come back with their text.
        for (id, text) in &persisted.untitled {
            if let Ok(e) = Entry::new(id, &format!("{id}.py"), text) {
                catalog.push(e);
            }
        }
        let selected = catalog.iter().position(|s| s.id == persisted.scenario).unwrap_or(0);
        let mut jobs = Jobs::new();
        let trace_path = default_trace_path(catalog.get(selected).map_or("run", |s| s.id.as_str()));
        let editor = match catalog.get(selected) {
            Some(e) => Editor::of(e, persisted.drafts.get(&e.id), None),
            None => {
                let e = Entry::new("untitled", "untitled.py", crate::code::TEMPLATE).expect("the template compiles");
                Editor::of(&e, None, None)
            }
        };
        // Which python3 "Run in CPython too" would use.
        jobs.start(JobKind::File, 0, || {
            let py = crate::record::default_python();
            FileResult::PythonFound(match std::process::Command::new(&py).arg("--version").output() {
                Ok(o) if o.status.success() => {
                    Ok(String::from_utf8_lossy(&o.stdout).trim().trim_start_matches("Python ").to_string())
                }
                _ => Err(format!(
                    "No {} found: install Python 3.9 or later, or set THREADLINE_PYTHON to one",
                    py.display()
                )),
            })
        });
        // The user's own files are read on a file thread and join the picker when ready.
        for path in persisted.user_files.clone() {
            let path = PathBuf::from(path);
            jobs.start(JobKind::File, 0, move || match load_scenario_file(&path) {
                Ok(sc) => FileResult::ScenarioLoaded(path, Box::new(sc), false),
                Err(e) => FileResult::Failed(e),
            });
        }
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
            editor,
            play_next: false,
            play_script: Vec::new(),
            play_guide: None,
            egui_ctx: None,
            python: None,
            stats: None,
            explored: None,
            prediction: None,
            predict_auto: None,
            solved: None,
            show_me_at: None,
            show_me_game: false,
            profile_view: panels::ProfileUi::default(),
            centre_width: 0.0,
            comparison_memo: std::cell::RefCell::new(None),
            bytecode: None,
            jobs,
        }
    }

    /// What compiling the code panel's program takes, for a job thread: the file name, the
    /// text and the sliders' values as overrides.
    fn program_inputs(&self) -> (String, String, indexmap::IndexMap<String, sim_core::py::value::V>) {
        (self.editor.file.clone(), self.editor.text.clone(), Session::overrides(&self.editor.sliders, &self.params()))
    }

    /// A run was asked for and its program is still compiling.
    pub fn starting(&self) -> bool {
        self.jobs.is_running(JobKind::Compile)
    }

    /// The selected scenario.
    pub fn scenario(&self) -> Option<&Entry> {
        self.catalog.get(self.selected)
    }

    /// Slider values for the code panel's program (defaults filled in, clamped to range).
    pub fn params(&self) -> BTreeMap<String, f64> {
        let saved = self.persisted.values.get(&self.editor.id);
        self.editor
            .sliders
            .iter()
            .map(|p| {
                let v = saved.and_then(|s| s.get(&p.name)).copied().filter(|v| v.is_finite()).unwrap_or(p.default);
                (p.name.clone(), p.clamp(v))
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
            ..RuntimeSettings::default()
        }
    }

    /// Open a trace directly (for `threadline open` and tests).
    pub fn open_trace(&mut self, trace: Trace, source: String) {
        self.show_session(Session::from_trace(trace, source));
    }

    /// Open a trace whose events are packed (`threadline open`).
    pub fn open_packed(&mut self, trace: sim_core::packed::PackedTrace, source: String) {
        self.show_session(Session::from_packed(trace, source));
    }

    /// Show `width_ns` of the run around its middle (`--zoom-ms`): the timeline's axis is
    /// set at its first layout, keeping this width.
    pub fn zoom_to_middle(&mut self, width_ns: f64) {
        let end = self.session.as_ref().map_or(0.0, |s| s.timeline.end_ns as f64);
        let width = width_ns.clamp(1.0, end.max(1.0));
        self.view.follow = false;
        self.view.zoom_request = Some(((end - width) / 2.0, width));
    }

    /// Put a replay session on screen, selecting its scenario in the picker.
    fn show_session(&mut self, session: Session) {
        if let Some(i) = self.catalog.iter().position(|s| s.id == session.scenario.id) {
            self.apply(CodeCmd::Select(i));
        } else if let Some(code) = &session.code {
            // A program the catalog does not have (a user's file, a program the CLI ran):
            // it joins the picker from the source the trace carries, selected, so the picker,
            // the title and the sliders speak of it and not of what was selected before.
            let file = session
                .trace()
                .and_then(|t| t.meta.source.as_ref())
                .map_or_else(|| format!("{}.py", session.scenario.id), |s| s.file.clone());
            if let Ok(e) = Entry::new(&session.scenario.id, &file, code) {
                self.keep_draft();
                let i = self.add_entry(e);
                self.apply(CodeCmd::Select(i));
            }
        }
        // The code panel shows the source the trace carries, when it is not what is there.
        if let Some(code) = &session.code
            && **code != *self.editor.text
        {
            self.keep_draft();
            let file = session
                .trace()
                .and_then(|t| t.meta.source.as_ref())
                .map_or_else(|| format!("{}.py", session.scenario.id), |s| s.file.clone());
            self.editor = Editor::of_code(
                format!("{} (from the trace)", session.scenario.id),
                file,
                code.to_string(),
                session.scenario.params.clone(),
            );
        }
        // The sliders and the GIL mode show what the trace was run with, so Run runs it again.
        if !session.params.is_empty() {
            let id = self.editor.id.clone();
            let known: Vec<String> = self.editor.sliders.iter().map(|p| p.name.clone()).collect();
            let values = self.persisted.values.entry(id.clone()).or_default();
            for (k, v) in &session.params {
                if let Some(v) = v.as_f64().filter(|v| v.is_finite())
                    && known.contains(k)
                {
                    values.insert(k.clone(), v);
                }
            }
            self.persisted.gil.insert(id, session.settings.gil);
        }
        self.session = Some(session);
        self.view = ViewState::default();
    }

    /// Remember the editor's unsaved text as its scenario's draft (or forget the draft when
    /// the text is the saved one).
    fn keep_draft(&mut self) {
        let e = &self.editor;
        if e.modified() {
            self.persisted.drafts.insert(e.id.clone(), e.text.clone());
        } else {
            self.persisted.drafts.remove(&e.id);
        }
        if let Some(t) = self.persisted.untitled.get_mut(&e.id) {
            t.clone_from(&e.text);
        }
    }

    /// The text changed: a new generation, its draft kept, a check due.
    pub(crate) fn editor_changed(&mut self) {
        self.editor.generation += 1;
        self.editor.edited_at = Some(self.egui_ctx.as_ref().map_or(0.0, |c| c.input(|i| i.time)));
        self.keep_draft();
    }

    /// Put a scenario in the picker (replacing one with the same id); returns its index.
    fn add_entry(&mut self, sc: Entry) -> usize {
        match self.catalog.iter().position(|s| s.id == sc.id) {
            Some(i) => {
                self.catalog[i] = sc;
                i
            }
            None => {
                self.catalog.push(sc);
                self.catalog.len() - 1
            }
        }
    }

    /// Put a scenario in the picker (replacing one with the same id) and select it.
    pub fn add_scenario(&mut self, sc: Entry) {
        self.keep_draft();
        let i = self.add_entry(sc);
        // Selecting it again loads its new text into the editor.
        self.selected = usize::MAX;
        self.apply(CodeCmd::Select(i));
        self.reveal_topic = true;
    }

    /// Load a trace and build its timeline on a file thread (a big trace never stalls a
    /// frame); `done` wraps the result for [`Self::logic`].
    fn load_in_background(
        &mut self,
        path: PathBuf,
        done: fn(PathBuf, Box<Session>) -> FileResult,
        label: &'static str,
    ) {
        self.jobs.start(JobKind::File, 0, move || match sim_core::packed::PackedTrace::load(&path) {
            Ok(t) => {
                let session = Session::from_packed(t, format!("{label}{}", path.display()));
                done(path, Box::new(session))
            }
            Err(e) => FileResult::Failed(format!("Could not open {}: {e}", path.display())),
        });
    }

    fn remember_recent(&mut self, path: &std::path::Path) {
        let p = path.display().to_string();
        self.persisted.recent.retain(|r| r != &p);
        self.persisted.recent.insert(0, p);
        self.persisted.recent.truncate(8);
    }

    /// Work done every frame outside drawing: events in, files done, replay ticking.
    pub fn logic(&mut self, ctx: &egui::Context) {
        if self.egui_ctx.is_none() {
            self.egui_ctx = Some(ctx.clone());
        }
        self.jobs.set_ctx(ctx);
        // Check the edited text 300 ms after the last keystroke, on a job thread.
        let now = ctx.input(|i| i.time);
        if let Some(at) = self.editor.edited_at {
            if now - at >= 0.3 && !self.jobs.is_running(JobKind::Check) {
                self.editor.edited_at = None;
                let gen_ = self.editor.generation;
                let (file, text) = (self.editor.file.clone(), self.editor.text.clone());
                self.jobs.start(JobKind::Check, gen_, move || {
                    let r = sim_core::py::compile(&file, &text, &Default::default()).map(|p| (p.meta, p.sliders));
                    FileResult::Checked(gen_, r)
                });
            } else {
                ctx.request_repaint_after(std::time::Duration::from_millis(100));
            }
        }
        while let Some(r) = self.jobs.next_result() {
            match r {
                FileResult::Picked(PickFor::Schedule, p) => {
                    self.jobs.start(JobKind::File, 0, move || {
                        let read = std::fs::read_to_string(&p)
                            .map_err(|e| e.to_string())
                            .and_then(|t| sim_core::control::Schedule::parse(&t));
                        FileResult::ScheduleRead(read.map_err(|e| format!("{}: {e}", p.display())))
                    });
                }
                FileResult::ScheduleRead(r) => match r {
                    Ok(s) => self.apply(GameCmd::PlayGuided(s, 0)),
                    Err(e) => self.error = Some(e),
                },
                FileResult::Picked(what, p) => {
                    self.trace_path = p.display().to_string();
                    self.apply(match what {
                        PickFor::Schedule => return,
                        PickFor::Save => Command::File(FileCmd::Save(p)),
                        PickFor::Open => Command::File(FileCmd::Open(p)),
                        PickFor::Compare => Command::Compare(CompareCmd::OpenCompare(p)),
                        PickFor::Scenario => Command::File(FileCmd::LoadScenario(p)),
                        PickFor::Code => Command::Code(CodeCmd::SaveCodeTo(p)),
                    });
                }
                FileResult::ScenarioLoaded(p, sc, select) => {
                    let shown = p.display().to_string();
                    if !self.persisted.user_files.contains(&shown) {
                        self.persisted.user_files.push(shown);
                    }
                    // At launch the user's files join the picker without taking the selection
                    // (unless one was the selected scenario when the app closed).
                    if select || self.persisted.scenario == sc.id {
                        if select {
                            self.note = Some(format!("Loaded scenario {} from {}", sc.id, p.display()));
                        }
                        self.add_scenario(*sc);
                    } else {
                        self.add_entry(*sc);
                    }
                }
                FileResult::Checked(gen_, r) => {
                    self.jobs.finished(JobKind::Check, gen_);
                    if gen_ == self.editor.generation {
                        match r {
                            Ok((_, sliders)) => {
                                self.editor.sliders = sliders;
                                self.editor.error = None;
                            }
                            Err(e) => self.editor.error = Some(e),
                        }
                    }
                }
                FileResult::Compiled(gen_, r) => {
                    self.jobs.finished(JobKind::Compile, gen_);
                    match *r {
                        Ok(prog) => {
                            if gen_ == self.editor.generation {
                                self.editor.sliders = prog.sliders.clone();
                                self.editor.error = None;
                            }
                            // Dropping the old session stops and joins its threads.
                            self.session = None;
                            self.session = Some(if std::mem::take(&mut self.play_next) {
                                Session::start_player(
                                    Arc::new(prog),
                                    self.settings(),
                                    std::mem::take(&mut self.play_script),
                                    self.persisted.split_updates,
                                    self.play_guide.take(),
                                    self.egui_ctx.clone(),
                                )
                            } else {
                                Session::start(prog, self.settings())
                            });
                            if let Some(p) = self.session.as_mut().and_then(|s| s.player.as_mut()) {
                                p.shown = std::mem::take(&mut self.show_me_game);
                            }
                            self.view = ViewState::default();
                            self.error = None;
                            self.stale = false;
                        }
                        Err(e) => {
                            self.error = Some(format!("{} at line {}: {}", e.ty, e.line, e.message));
                            self.editor.highlight = None;
                            self.editor.scroll_to = Some(e.line);
                            self.editor.error = Some(e);
                        }
                    }
                }
                FileResult::PythonFound(r) => self.python = Some(r),
                FileResult::Solved(r) => self.solved(r),
                r @ (FileResult::PredictChoices(..) | FileResult::PredictTally(..)) => self.prediction_result(r),
                FileResult::Explored(r) => {
                    self.jobs.finished(JobKind::Explore, 0);
                    match r {
                        Ok(x) => {
                            let play = if x.found.is_some() { " Press Play it (left) to step through it." } else { "" };
                            self.note = Some(format!("Explore: {}.{play}", x.verdict()));
                            self.explored = Some(x);
                        }
                        Err(e) => self.error = Some(e),
                    }
                }
                FileResult::Stats(r) => {
                    self.jobs.finished(JobKind::Stats, 0);
                    match r {
                        Ok(s) => self.stats = Some(s),
                        Err(e) => self.error = Some(format!("Could not gather outcome statistics: {e}")),
                    }
                }
                FileResult::Recorded(r) => {
                    self.jobs.finished(JobKind::Record, 0);
                    match r {
                        Ok(s) => {
                            self.note = Some(format!(
                                "Recorded in {}: drawn below the simulated run, on the same time axis.",
                                s.source
                            ));
                            self.compare = Some(*s);
                        }
                        Err(e) => self.error = Some(format!("Could not record the run in CPython: {e}")),
                    }
                }
                FileResult::CodeSaved(p, text) => {
                    self.note = Some(format!("Saved {}", p.display()));
                    let old_id = self.editor.id.clone();
                    let typed_since = self.editor.text != text;
                    self.editor.saved.clone_from(&text);
                    self.persisted.drafts.remove(&old_id);
                    self.persisted.untitled.remove(&old_id);
                    let shown = p.display().to_string();
                    if !self.persisted.user_files.contains(&shown) {
                        self.persisted.user_files.push(shown.clone());
                    }
                    let id = p.file_stem().map_or_else(|| shown.clone(), |s| s.to_string_lossy().into_owned());
                    match Entry::new(&id, &shown, &text) {
                        Ok(e) => {
                            // An untitled scenario becomes the saved file.
                            if old_id != id {
                                self.catalog.retain(|c| c.id != old_id || !old_id.starts_with("untitled-"));
                            }
                            let keep = self.editor.text.clone();
                            self.add_scenario(e);
                            self.persisted.untitled.remove(&old_id);
                            self.editor.path = Some(p);
                            // Edits typed while the save ran stay in the editor.
                            if typed_since {
                                self.editor.text = keep;
                                self.editor_changed();
                            }
                        }
                        Err(e) => {
                            self.editor.saved = text;
                            self.editor.path = Some(p);
                            self.editor.error = Some(e);
                        }
                    }
                }
                FileResult::Saved(p) => {
                    self.note = Some(format!("Saved {}", p.display()));
                    self.remember_recent(&p);
                }
                FileResult::Opened(p, session) => {
                    // A trace whose writer died opens with what it kept, and says so.
                    self.note = Some(match session.trace().and_then(|t| t.meta.incomplete.as_deref()) {
                        Some(why) => format!("Opened {}: {why}", p.display()),
                        None => format!("Opened {}", p.display()),
                    });
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
                self.view.cursor_ns = s.replay().map(|r| r.playhead_ns);
                ctx.request_repaint();
            }
            if live {
                ctx.request_repaint_after(std::time::Duration::from_millis(16));
            }
        }
        self.score_game();
        self.show_me_tick(now);
        // Drag and drop a trace onto the window.
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw.dropped_files.iter().map(|f| f.path().to_path_buf()).filter(|p| !p.as_os_str().is_empty()).collect()
        });
        if let Some(p) = dropped.into_iter().next() {
            self.apply(FileCmd::Open(p));
        }
        if ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::F6)) {
            self.persisted.show_profile = !self.persisted.show_profile;
        }
        let (toggle_code, toggle_controls) = ctx.input_mut(|i| {
            (
                i.consume_key(egui::Modifiers::COMMAND | egui::Modifiers::SHIFT, egui::Key::B),
                i.consume_key(egui::Modifiers::COMMAND, egui::Key::B),
            )
        });
        if toggle_controls {
            self.persisted.show_controls = !self.persisted.show_controls;
        }
        if toggle_code {
            self.persisted.show_code = !self.persisted.show_code;
        }
        let (save_trace, save_code, open, run, new) = ctx.input_mut(|i| {
            let shift = egui::Modifiers::COMMAND | egui::Modifiers::SHIFT;
            (
                i.consume_key(shift, egui::Key::S),
                i.consume_key(egui::Modifiers::COMMAND, egui::Key::S),
                i.consume_key(egui::Modifiers::COMMAND, egui::Key::O),
                i.consume_key(egui::Modifiers::NONE, egui::Key::F5)
                    || i.consume_key(egui::Modifiers::COMMAND, egui::Key::Enter),
                i.consume_key(egui::Modifiers::COMMAND, egui::Key::N),
            )
        });
        if save_trace {
            self.apply(FileCmd::Save(PathBuf::from(self.trace_path.clone())));
        }
        if save_code {
            self.apply(CodeCmd::SaveCode);
        }
        if open {
            self.apply(FileCmd::Pick(PickFor::Open));
        }
        if run {
            self.apply(RunCmd::Run);
        }
        if new {
            self.apply(CodeCmd::NewScenario);
        }
        if let Some(s) = &self.session
            && s.replay().is_some()
        {
            let (left, right) =
                ctx.input(|i| (i.key_pressed(egui::Key::ArrowLeft), i.key_pressed(egui::Key::ArrowRight)));
            if left || right {
                let now = self.view.cursor_ns.unwrap_or(s.timeline.end_ns as f64);
                let target = if right { s.next_event_after(now, |_| true) } else { s.prev_event_before(now) };
                if let Some(t) = target {
                    self.apply(ReplayCmd::Seek(t as f64));
                }
            }
        }
    }

    /// Draw the whole window.
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        let theme = Theme::new(ui.visuals().dark_mode);
        let mut cmds = Vec::new();
        // Bounded widths: a long label must not squeeze the timeline off the window.
        // The window's width when the panels are laid out: the code panel's default is a share
        // of it, so at 1280 px the timeline gets more than half.
        let full = ui.available_width();
        // Bounded widths: a long label must not squeeze the timeline off the window. Both side
        // panels can be dragged narrower or closed (Ctrl+B, Ctrl+Shift+B); egui remembers sizes.
        let mut show_controls = self.persisted.show_controls;
        egui::Panel::left("controls").resizable(true).default_size(270.0).size_range(220.0..=420.0).show_collapsible(
            ui,
            &mut show_controls,
            |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| self.controls_ui(ui, &mut cmds));
            },
        );
        self.persisted.show_controls = show_controls;
        egui::Panel::bottom("output")
            .resizable(true)
            .default_size(260.0)
            .show(ui, |ui| self.bottom_ui(ui, &theme, &mut cmds));
        let mut show_code = self.persisted.show_code;
        egui::Panel::left("code")
            .resizable(true)
            .default_size((full * 0.25).clamp(300.0, 560.0))
            .size_range(200.0..=900.0)
            .show_collapsible(ui, &mut show_code, |ui| self.code_ui(ui, &theme, &mut cmds));
        self.persisted.show_code = show_code;
        // The critical path drawn on the timeline comes from the profile.
        self.view.path = match &self.session {
            Some(s) if self.persisted.show_profile && self.persisted.show_critical_path => {
                let p = s.profile(self.view.profile_range());
                Some(std::sync::Arc::clone(&p.critical_path.spans))
            }
            _ => None,
        };
        egui::CentralPanel::default().show(ui, |ui| {
            self.centre_width = ui.available_width();
            self.centre_ui(ui, &theme, &mut cmds);
        });
        for c in cmds {
            self.apply(c);
        }
    }
}

/// Where the user's scenarios are saved by default.
pub fn default_scenario_dir() -> PathBuf {
    std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(".")).join("threadline-scenarios")
}

/// Where a trace of `id` is saved by default.
pub fn default_trace_path(id: &str) -> String {
    let dir =
        std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(".")).join("threadline-traces");
    dir.join(format!("{id}.{}", sim_core::trace::COMPACT_EXTENSION)).display().to_string()
}
