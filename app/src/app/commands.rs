//! What the user asks for, grouped by what it acts on: each group is one enum and one
//! handler ([`ThreadlineApp::apply`] hands a command to its group's), so a new command has
//! one obvious home. Panels only return commands; the frame applies them at its end.

use super::*;

/// What the user asked for during a frame.
#[must_use]
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// The run on screen: start it, pause, step, stop, and how it models CPython.
    Run(RunCmd),
    /// A finished run or an opened trace, played back.
    Replay(ReplayCmd),
    /// The run shown below this one, for comparison.
    Compare(CompareCmd),
    /// Traces and scenario files on disk, and the file dialog.
    File(FileCmd),
    /// The program in the code panel: which one, its lines, its text.
    Code(CodeCmd),
    /// Playing the scheduler, and the challenges played that way.
    Game(GameCmd),
    /// Many runs of the program at once: statistics, explore, predictions, CPython.
    Analysis(AnalysisCmd),
}

/// The run on screen: start it, pause, step, stop, and how it models CPython.
#[derive(Clone, Debug, PartialEq)]
pub enum RunCmd {
    /// Start (or restart) the selected scenario.
    Run,
    /// Pause or resume.
    Pause(bool),
    /// While paused: every thread runs one op.
    Step,
    /// Stop the run.
    Stop,
    /// Run the selected scenario under this GIL mode from now on.
    SetGil(GilMode),
}

impl From<RunCmd> for Command {
    fn from(c: RunCmd) -> Self {
        Command::Run(c)
    }
}

/// A finished run or an opened trace, played back.
#[derive(Clone, Debug, PartialEq)]
pub enum ReplayCmd {
    /// Move the replay playhead.
    Seek(f64),
    /// Play or pause the replay.
    Play(bool),
    /// Replay speed.
    Speed(f64),
}

impl From<ReplayCmd> for Command {
    fn from(c: ReplayCmd) -> Self {
        Command::Replay(c)
    }
}

/// The run shown below this one, for comparison.
#[derive(Clone, Debug, PartialEq)]
pub enum CompareCmd {
    /// Keep the finished run on screen to compare the next one with it.
    Pin,
    /// Stop comparing.
    Unpin,
    /// Open a trace file as the run to compare with.
    OpenCompare(PathBuf),
}

impl From<CompareCmd> for Command {
    fn from(c: CompareCmd) -> Self {
        Command::Compare(c)
    }
}

/// Traces and scenario files on disk, and the file dialog.
#[derive(Clone, Debug, PartialEq)]
pub enum FileCmd {
    /// Save the current trace to this path.
    Save(PathBuf),
    /// Open a trace file.
    Open(PathBuf),
    /// Load a scenario file into the picker and select it.
    LoadScenario(PathBuf),
    /// Ask for a file with the system's file dialog (on a background thread), then act on it.
    Pick(PickFor),
}

impl From<FileCmd> for Command {
    fn from(c: FileCmd) -> Self {
        Command::File(c)
    }
}

/// The program in the code panel: which one, its lines, its text.
#[derive(Clone, Debug, PartialEq)]
pub enum CodeCmd {
    /// Pick catalog scenario `i`.
    Select(usize),
    /// Show this line in the code panel (highlighted, scrolled into view).
    GotoLine(u32),
    /// Move the timeline's cursor to the next time a thread is at this line.
    JumpToLine(u32),
    /// A new scenario from the template, in the code panel.
    NewScenario,
    /// Save the code panel's text to its file (or ask where, for a built-in scenario).
    SaveCode,
    /// Save the code panel's text to this path.
    SaveCodeTo(PathBuf),
    /// Throw away the edits: back to the saved text.
    RevertCode,
}

impl From<CodeCmd> for Command {
    fn from(c: CodeCmd) -> Self {
        Command::Code(c)
    }
}

/// Playing the scheduler, and the challenges played that way.
#[derive(Clone, Debug, PartialEq)]
pub enum GameCmd {
    /// Run the code panel's program controlled, the user choosing who runs at every choice
    /// point ("play the scheduler").
    PlayScheduler,
    /// Playing the scheduler: run this thread at the pending choice point.
    Choose(u32),
    /// Play the scheduler, first making these choices (one thread per choice point).
    PlayScript(Vec<u32>),
    /// Play the scheduler with this schedule as a guide, following it by itself for the
    /// first N choices (0: the game opens at the first choice).
    PlayGuided(sim_core::control::Schedule, usize),
    /// Playing the scheduler: back to the previous choice point (the run is re-run with
    /// the same choices but the last).
    StepBack,
    /// Playing the scheduler: stop choosing; the default schedule runs to the end.
    AutoRun,
    /// A challenge: show its next hint.
    Hint,
    /// A challenge: solve it, then play the solution one choice at a time (or say why no
    /// schedule reaches the goal).
    ShowMe,
}

impl From<GameCmd> for Command {
    fn from(c: GameCmd) -> Self {
        Command::Game(c)
    }
}

/// Many runs of the program at once: statistics, explore, predictions, CPython.
#[derive(Clone, Debug, PartialEq)]
pub enum AnalysisCmd {
    /// Run the code panel's program this many times freely and count its outcomes.
    Stats(usize),
    /// Stop the outcome statistics being gathered.
    StopStats,
    /// Open the run behind an outcome bar (an index into the statistics' traces).
    OpenStatsRun(usize),
    /// Search the code panel's program's schedules for one that breaks it (with the check
    /// expression in the persisted state, if any).
    Explore,
    /// Run the code panel's program in the real CPython with the recorder and show that run
    /// below this one, on the same axis.
    RunInCPython,
    /// Predict, then run: find the answers the program can give, and ask.
    Predict,
    /// The learner's prediction: run the program freely to answer it.
    PredictPick(String),
    /// Put the prediction away.
    PredictClose,
}

impl From<AnalysisCmd> for Command {
    fn from(c: AnalysisCmd) -> Self {
        Command::Analysis(c)
    }
}

impl ThreadlineApp {
    /// Apply one command: its group's handler does it.
    pub fn apply(&mut self, cmd: impl Into<Command>) {
        match cmd.into() {
            Command::Run(c) => self.run_cmd(c),
            Command::Replay(c) => self.replay_cmd(c),
            Command::Compare(c) => self.compare_cmd(c),
            Command::File(c) => self.file_cmd(c),
            Command::Code(c) => self.code_cmd(c),
            Command::Game(c) => self.game_cmd(c),
            Command::Analysis(c) => self.analysis_cmd(c),
        }
    }

    fn run_cmd(&mut self, cmd: RunCmd) {
        match cmd {
            RunCmd::SetGil(m) => {
                if let Some(sc) = self.scenario() {
                    self.persisted.gil.insert(sc.id.clone(), m);
                    self.stale = self.session.is_some();
                }
            }
            RunCmd::Run => {
                self.play_next = false;
                self.play_guide = None;
                // Compile on a job thread (a big file never stalls a frame); the run starts
                // when the program arrives, or the error is shown at its line.
                let gen_ = self.editor.generation;
                let (file, text, overrides) = self.program_inputs();
                // A later Run's compile takes over from one still going.
                self.jobs.replace(JobKind::Compile, gen_, move || {
                    FileResult::Compiled(gen_, Box::new(sim_core::py::compile(&file, &text, &overrides)))
                });
            }
            RunCmd::Pause(p) => {
                if let Some(s) = &mut self.session {
                    s.set_paused(p);
                }
            }
            RunCmd::Step => {
                if let Some(s) = &self.session {
                    s.step();
                }
            }
            RunCmd::Stop => {
                if let Some(s) = &mut self.session {
                    s.stop();
                }
            }
        }
    }

    fn replay_cmd(&mut self, cmd: ReplayCmd) {
        match cmd {
            ReplayCmd::Seek(t) => {
                if let Some(s) = &mut self.session {
                    s.seek(t);
                    self.view.cursor_ns = Some(t);
                }
            }
            ReplayCmd::Play(p) => {
                if let Some(s) = &mut self.session {
                    // Playing from the very end starts over.
                    let end = s.end_ns() as f64;
                    if p && s.replay().is_some_and(|r| r.playhead_ns >= end) {
                        s.seek(0.0);
                    }
                    if let Some(r) = s.replay_mut() {
                        r.playing = p;
                    }
                }
            }
            ReplayCmd::Speed(x) => {
                if let Some(r) = self.session.as_mut().and_then(|s| s.replay_mut()) {
                    r.speed = x.clamp(0.1, 10.0);
                }
            }
        }
    }

    fn compare_cmd(&mut self, cmd: CompareCmd) {
        match cmd {
            CompareCmd::Pin => {
                if let Some(s) = &self.session
                    && let Some(t) = s.trace()
                {
                    let label = panels::run_label(s);
                    self.compare = Some(Session::from_packed(t.clone(), format!("pinned: {label}")));
                    self.note = Some("Pinned. Change the sliders or the GIL mode and press Run to compare.".into());
                }
            }
            CompareCmd::Unpin => self.compare = None,
            CompareCmd::OpenCompare(path) => self.load_in_background(path, FileResult::OpenedCompare, "compared: "),
        }
    }

    fn file_cmd(&mut self, cmd: FileCmd) {
        match cmd {
            FileCmd::Save(path) => {
                let Some(trace) = self.session.as_ref().and_then(|s| s.trace().cloned()) else {
                    self.error = Some("Nothing to save yet: run a scenario to the end (or stop it) first.".into());
                    return;
                };
                self.jobs.start(JobKind::File, 0, move || match trace.save(&path) {
                    Ok(()) => FileResult::Saved(path),
                    Err(e) => FileResult::Failed(format!("Could not save the trace to {}: {e}", path.display())),
                });
            }
            FileCmd::Open(path) => self.load_in_background(path, FileResult::Opened, ""),
            FileCmd::LoadScenario(path) => {
                self.jobs.start(JobKind::File, 0, move || match load_scenario_file(&path) {
                    Ok(sc) => FileResult::ScenarioLoaded(path, Box::new(sc), true),
                    Err(e) => FileResult::Failed(e),
                });
            }
            FileCmd::Pick(what) => {
                let tx = self.jobs.sender();
                let python = matches!(what, PickFor::Scenario | PickFor::Code);
                let near = if python {
                    self.editor
                        .path
                        .clone()
                        .unwrap_or_else(|| default_scenario_dir().join(format!("{}.py", self.editor.id)))
                } else {
                    PathBuf::from(&self.trace_path)
                };
                let start_dir = near.parent().map(PathBuf::from);
                let file_name = near.file_name().map(|n| n.to_string_lossy().into_owned());
                if what == PickFor::Code {
                    let _ = std::fs::create_dir_all(default_scenario_dir());
                }
                let ctx = self.egui_ctx.clone();
                let spawned = std::thread::Builder::new().name("tl:file-dialog".into()).spawn(move || {
                    let mut d = if python {
                        rfd::FileDialog::new().add_filter("Python scenario", &["py"])
                    } else if what == PickFor::Schedule {
                        rfd::FileDialog::new().add_filter("Threadline schedule", &["schedule", "txt"])
                    } else {
                        rfd::FileDialog::new()
                            .add_filter("Threadline trace", &[sim_core::trace::COMPACT_EXTENSION, "json"])
                    };
                    if let Some(dir) = start_dir.filter(|d| d.is_dir()) {
                        d = d.set_directory(dir);
                    }
                    let picked = match what {
                        PickFor::Save => d
                            .set_file_name(
                                file_name.unwrap_or_else(|| format!("trace.{}", sim_core::trace::COMPACT_EXTENSION)),
                            )
                            .save_file(),
                        PickFor::Open | PickFor::Compare => d.pick_file(),
                        PickFor::Scenario => d.set_title("Open a scenario file").pick_file(),
                        PickFor::Schedule => d.set_title("Play a schedule (from threadline explore)").pick_file(),
                        PickFor::Code => d
                            .set_title("Save the scenario as")
                            .set_file_name(file_name.unwrap_or_else(|| "scenario.py".into()))
                            .save_file(),
                    };
                    if let Some(c) = ctx {
                        c.request_repaint();
                    }
                    if let Some(p) = picked {
                        let _ = tx.send(FileResult::Picked(what, p));
                    }
                });
                if spawned.is_err() {
                    self.error = Some("Could not open the file dialog; type a path in the trace field instead.".into());
                }
            }
        }
    }

    fn code_cmd(&mut self, cmd: CodeCmd) {
        match cmd {
            CodeCmd::Select(i) => {
                if i < self.catalog.len() && i != self.selected {
                    self.keep_draft();
                    self.selected = i;
                    let e = &self.catalog[i];
                    self.persisted.scenario = e.id.clone();
                    self.trace_path = default_trace_path(&e.id);
                    let path = self.persisted.user_files.iter().find(|p| **p == e.file).map(PathBuf::from);
                    self.editor = Editor::of(e, self.persisted.drafts.get(&e.id), path);
                    self.stale = false;
                    self.reveal_topic = true;
                }
            }
            CodeCmd::GotoLine(l) => {
                self.editor.highlight = Some(l);
                self.editor.scroll_to = Some(l);
            }
            CodeCmd::JumpToLine(l) => {
                self.editor.bytecode_line = Some(l);
                let Some(s) = &self.session else { return };
                let now = self.view.cursor_ns.map_or(0, |t| t as u64);
                let next = |after: u64| s.timeline.threads.iter().filter_map(|lane| lane.next_on_line(l, after)).min();
                // The next time after the cursor, or from the start again.
                if let Some(t) = next(now).or_else(|| next(0).filter(|_| now > 0)) {
                    self.editor.highlight = Some(l);
                    if s.replay().is_some() {
                        self.apply(ReplayCmd::Seek(t as f64));
                    } else {
                        self.view.cursor_ns = Some(t as f64);
                    }
                } else {
                    self.note = Some(format!("No thread reached line {l} in this run."));
                }
            }
            CodeCmd::NewScenario => {
                self.keep_draft();
                let n = (1..).find(|n| !self.catalog.iter().any(|e| e.id == format!("untitled-{n}"))).unwrap_or(1);
                let id = format!("untitled-{n}");
                match Entry::new(&id, &format!("{id}.py"), crate::code::TEMPLATE) {
                    Ok(e) => {
                        self.persisted.untitled.insert(id, crate::code::TEMPLATE.to_string());
                        self.add_scenario(e);
                        self.note =
                            Some("A new scenario from the template: edit it, press Run, and Save it (Ctrl+S).".into());
                    }
                    Err(e) => self.error = Some(e.to_string()),
                }
            }
            CodeCmd::SaveCode => match self.editor.path.clone() {
                Some(p) => self.apply(CodeCmd::SaveCodeTo(p)),
                None => self.apply(FileCmd::Pick(PickFor::Code)),
            },
            CodeCmd::SaveCodeTo(path) => {
                let text = self.editor.text.clone();
                self.jobs.start(JobKind::File, 0, move || {
                    let r = sim_core::trace::save_atomically(&path, |w| w.write_all(text.as_bytes()));
                    match r {
                        Ok(()) => FileResult::CodeSaved(path, text),
                        Err(e) => FileResult::Failed(format!("Could not save {}: {e}", path.display())),
                    }
                });
            }
            CodeCmd::RevertCode => {
                self.editor.text = self.editor.saved.clone();
                self.persisted.drafts.remove(&self.editor.id);
                self.editor_changed();
            }
        }
    }

    fn game_cmd(&mut self, cmd: GameCmd) {
        match cmd {
            GameCmd::PlayScheduler => self.apply(GameCmd::PlayScript(Vec::new())),
            GameCmd::PlayScript(script) => {
                self.apply(RunCmd::Run);
                self.play_next = true;
                self.play_script = script;
            }
            GameCmd::PlayGuided(guide, follow) => {
                self.apply(RunCmd::Run);
                self.play_next = true;
                self.play_guide = Some((guide, follow));
            }
            GameCmd::Hint => {
                if let Some(sc) = self.scenario() {
                    let n = sc.meta.hints.len();
                    let p = self.persisted.challenges.entry(sc.id.clone()).or_default();
                    p.hints = (p.hints + 1).min(n);
                }
            }
            GameCmd::ShowMe => self.show_me(),
            GameCmd::Choose(t) => {
                // A choice of the person's own ends "Show me".
                self.show_me_at = None;
                if let Some(p) = self.session.as_ref().and_then(|s| s.player.as_ref()) {
                    p.handle.choose(t);
                }
            }
            GameCmd::AutoRun => {
                if let Some(p) = self.session.as_ref().and_then(|s| s.player.as_ref()) {
                    p.handle.auto();
                }
            }
            GameCmd::StepBack => {
                let Some(s) = &self.session else { return };
                let Some(p) = &s.player else { return };
                let mut script = p.handle.history();
                if script.pop().is_none() {
                    self.note = Some("This is the first choice: there is no step before it.".into());
                    return;
                }
                let (prog, split, guide) = (Arc::clone(&p.prog), p.split, p.guide.clone().map(|g| (g, 0)));
                let settings = s.settings.clone();
                // Dropping the old session stops and joins its threads.
                self.session = None;
                self.session = Some(Session::start_player(prog, settings, script, split, guide, self.egui_ctx.clone()));
            }
        }
    }

    fn analysis_cmd(&mut self, cmd: AnalysisCmd) {
        match cmd {
            AnalysisCmd::Predict => self.predict(),
            AnalysisCmd::PredictPick(a) => self.predict_pick(a),
            AnalysisCmd::PredictClose => self.prediction = None,
            AnalysisCmd::Stats(runs) => {
                let runs = runs.clamp(1, 10_000);
                let (file, text, overrides) = self.program_inputs();
                let settings = self.settings();
                let ctx = self.egui_ctx.clone();
                self.jobs.start_stats(move |done, stop| {
                    let prog = match compile_for_job(&file, &text, &overrides) {
                        Ok(p) => p,
                        Err(e) => return FileResult::Stats(Err(e)),
                    };
                    let limit = std::time::Duration::from_secs(30);
                    let (bars, traces) = sim_core::explore::stats_with_traces(
                        &prog,
                        &settings,
                        runs,
                        sim_core::explore::stats_jobs(),
                        limit,
                        |n| {
                            done.store(n, std::sync::atomic::Ordering::Release);
                            if let Some(c) = &ctx {
                                c.request_repaint();
                            }
                            !stop.load(std::sync::atomic::Ordering::Acquire)
                        },
                    );
                    let runs = bars.iter().map(|b| b.count).sum();
                    FileResult::Stats(Ok(Box::new(OutcomeStats { runs, file, gil: settings.gil, bars, traces })))
                });
            }
            AnalysisCmd::Explore => {
                let (file, text, overrides) = self.program_inputs();
                let settings = self.settings();
                let check = self.persisted.explore_check.trim().to_string();
                let split = self.persisted.split_updates;
                self.jobs.start(JobKind::Explore, 0, move || {
                    FileResult::Explored(explore_in_background(&file, &text, &overrides, &settings, &check, split))
                });
            }
            AnalysisCmd::StopStats => {
                self.jobs.stop_stats();
            }
            AnalysisCmd::OpenStatsRun(i) => {
                if let Some(t) = self.stats.as_ref().and_then(|s| s.traces.get(i)).cloned() {
                    self.open_trace(t, format!("outcome statistics, run behind bar {}", i + 1));
                }
            }
            AnalysisCmd::RunInCPython => {
                let (file, text, overrides) = self.program_inputs();
                self.jobs.start(JobKind::Record, 0, move || {
                    let python = crate::record::default_python();
                    let limit = std::time::Duration::from_secs(60);
                    FileResult::Recorded(crate::record::record(&file, &text, &overrides, &python, limit, |_| {}).map(
                        |r| {
                            let py = r.trace.recorded.as_ref().map_or("?".to_string(), |x| x.python.clone());
                            Box::new(Session::from_trace(r.trace, format!("CPython {py}")))
                        },
                    ))
                });
            }
        }
    }
}
