//! The window's panels: the controls on the left, the timeline (and the compared run) in the
//! centre, the output, summary and cursor inspector at the bottom. They only draw and push
//! [`Command`]s.

use super::{Command, EventFilter, PickFor, ThreadlineApp};
use crate::session::Session;
use crate::theme::Theme;
use crate::timeline_view::{legend_ui, timeline_ui};
use egui::RichText;
use sim_core::event::EventKind;
use sim_core::model::GilMode;
use sim_core::model::ResourceKind;
use std::path::PathBuf;

impl ThreadlineApp {
    /// Playing the scheduler: a button per thread that can run at the pending choice point
    /// (with the line it will run), the others with why they cannot; back one step, run to
    /// the end; the schedule so far. When the run has ended, the verdict in words.
    fn scheduler_ui(&mut self, ui: &mut egui::Ui, cmds: &mut Vec<Command>) {
        let Some(s) = &self.session else { return };
        let Some(game) = &s.player else { return };
        let code = s.code.clone();
        let line_text = |l: u32| {
            code.as_deref()
                .and_then(|c| c.lines().nth((l as usize).saturating_sub(1)))
                .map(|t| t.trim().to_string())
                .unwrap_or_default()
        };
        let tl = &s.timeline;
        let name = |t: u32| tl.thread_meta.get(t as usize).map_or(format!("T{t}"), |m| m.name.clone());
        let history = game.handle.history();
        egui::Frame::group(ui.style()).show(ui, |ui| {
            if s.is_live() {
                let pending = game.handle.pending();
                match &pending {
                    Some((step, d)) => {
                        ui.label(RichText::new(format!("You are the scheduler — choice {}", step + 1)).strong());
                        ui.label(RichText::new("Who runs next, until the next switch point?").weak());
                        if let Some(g) = game.handle.guide_choice() {
                            ui.horizontal_wrapped(|ui| {
                                ui.label(format!("The schedule runs {} here.", name(g)));
                                if ui.small_button("Follow it").clicked() {
                                    cmds.push(Command::Choose(g));
                                }
                            });
                        }
                        for (t, line) in &d.enabled {
                            let label = format!("Run {}", name(*t));
                            let b = ui.button(label).on_hover_text(format!("T{t}: runs from line {line}"));
                            if b.clicked() {
                                cmds.push(Command::Choose(*t));
                            }
                            ui.horizontal(|ui| {
                                ui.add_space(12.0);
                                let current = if d.current == Some(*t) { " (running now)" } else { "" };
                                let what = if *line == 0 {
                                    let target = tl.thread_meta.get(*t as usize).and_then(|m| m.target.clone());
                                    match target {
                                        Some(f) => format!("starts {f}(){current}"),
                                        None => format!("about to start{current}"),
                                    }
                                } else {
                                    format!("line {line}: {}{current}", line_text(*line))
                                };
                                ui.add(egui::Label::new(RichText::new(what).monospace()).truncate());
                            });
                        }
                        let now = tl.end_ns;
                        for (i, lane) in tl.threads.iter().enumerate() {
                            let t = i as u32;
                            if d.enabled.iter().any(|(e, _)| *e == t) {
                                continue;
                            }
                            let state = lane.state_at(now);
                            let why = if state.is_end() {
                                "has ended".to_string()
                            } else if state == sim_core::timeline::ThreadState::NotStarted {
                                "not started".to_string()
                            } else {
                                sim_core::words::doing(tl, t, state, Some(now)).unwrap_or_else(|| "is blocked".into())
                            };
                            ui.horizontal(|ui| {
                                ui.add_enabled(false, egui::Button::new(format!("Run {}", name(t))))
                                    .on_disabled_hover_text(format!("{} {why}", name(t)));
                                ui.add(egui::Label::new(RichText::new(why).weak()).truncate());
                            });
                        }
                    }
                    None => {
                        ui.label(RichText::new("Running to the next choice…").weak());
                    }
                }
                ui.horizontal_wrapped(|ui| {
                    if ui
                        .add_enabled(!history.is_empty(), egui::Button::new("Back one step"))
                        .on_hover_text("Re-run with the same choices but the last one, and choose again")
                        .clicked()
                    {
                        cmds.push(Command::StepBack);
                    }
                    if ui
                        .button("Run to the end")
                        .on_hover_text(
                            "Stop choosing: the current thread runs on while it can, then the first runnable one",
                        )
                        .clicked()
                    {
                        cmds.push(Command::AutoRun);
                    }
                });
            } else {
                let summary = s.summary();
                let verdict = if let Some(d) = &summary.deadlock {
                    format!("Game over: {}", d.words)
                } else if let Some(e) = summary.errors.iter().find(|e| !e.caught) {
                    format!("Game over: {} raised {}: {}", e.thread, e.ty, e.message)
                } else {
                    let out = summary.output.iter().rev().find(|l| !l.is_empty()).cloned().unwrap_or_default();
                    let lost: Vec<String> = summary
                        .vars
                        .iter()
                        .filter_map(|(n, v)| {
                            let k = v.lost_updates.filter(|k| *k > 0)?;
                            Some(format!(
                                "{n} lost {k} update{} (race-free value {})",
                                if k == 1 { "" } else { "s" },
                                v.race_free
                            ))
                        })
                        .collect();
                    let lost = if lost.is_empty() { String::new() } else { format!(" {}.", lost.join("; ")) };
                    format!("The program finished after {} choices.{lost} Last line printed: {out}", history.len())
                };
                ui.label(RichText::new(verdict).strong());
                if ui
                    .add_enabled(!history.is_empty(), egui::Button::new("Back one step"))
                    .on_hover_text("Re-run with the same choices but the last one, and choose again")
                    .clicked()
                {
                    cmds.push(Command::StepBack);
                }
            }
            if let Some(sched) = s.trace().and_then(|t| t.schedule.clone()) {
                ui.horizontal_wrapped(|ui| {
                    ui.label(RichText::new(format!("Schedule: {sched}")).monospace());
                    if ui.small_button("Copy").on_hover_text("Replay it: threadline run FILE --schedule '…'").clicked()
                    {
                        ui.ctx().copy_text(sched.clone());
                    }
                });
            } else if !history.is_empty() {
                let so_far: Vec<String> = history.iter().map(|t| format!("T{t}")).collect();
                ui.label(RichText::new(format!("Choices so far: {}", so_far.join(" "))).monospace().weak());
            }
        });
    }

    /// Outcome statistics: run the program N times freely, then a bar per distinct outcome
    /// (count, share, what it was) with the run behind it one click away.
    fn stats_ui(&mut self, ui: &mut egui::Ui, cmds: &mut Vec<Command>) {
        let mut runs = self.persisted.stats_runs;
        ui.horizontal_wrapped(|ui| match &self.stats_running {
            Some((done, _)) => {
                let n = done.load(std::sync::atomic::Ordering::Acquire);
                ui.add(egui::Spinner::new());
                ui.label(format!("{n} runs…"));
                if ui.small_button("Stop").clicked() {
                    cmds.push(Command::StopStats);
                }
            }
            None => {
                if ui
                    .button("Outcome statistics")
                    .on_hover_text(
                        "Run the program this many times freely (the OS and the GIL choose) and count \
                             its distinct outcomes: the final values that differ, and what it printed",
                    )
                    .clicked()
                {
                    cmds.push(Command::Stats(runs));
                }
                ui.add(egui::DragValue::new(&mut runs).range(1..=10_000).suffix(" runs"));
            }
        });
        self.persisted.stats_runs = runs;
        let Some(st) = &self.stats else { return };
        let theme = Theme::new(ui.visuals().dark_mode);
        egui::CollapsingHeader::new(format!("Outcomes of {} runs of {} ({})", st.runs, st.file, st.gil.as_str()))
            .id_salt("stats-bars")
            .default_open(true)
            .show(ui, |ui| {
                let most = st.bars.first().map_or(1, |b| b.count).max(1);
                for b in st.bars.iter().take(30) {
                    ui.horizontal(|ui| {
                        let share = b.count as f32 / st.runs.max(1) as f32;
                        let (rect, _) = ui.allocate_exact_size(egui::vec2(70.0, 14.0), egui::Sense::hover());
                        ui.painter().rect_filled(rect, 2.0, ui.visuals().extreme_bg_color);
                        let w = rect.width() * b.count as f32 / most as f32;
                        let bar = egui::Rect::from_min_size(rect.min, egui::vec2(w, rect.height()));
                        ui.painter().rect_filled(bar, 2.0, theme.plot);
                        ui.label(RichText::new(format!("{:>4} · {:.0}%", b.count, share * 100.0)).monospace());
                        if let Some(t) = b.trace
                            && ui.small_button("Open").on_hover_text("Open this outcome's first run").clicked()
                        {
                            cmds.push(Command::OpenStatsRun(t));
                        }
                    });
                    ui.add(egui::Label::new(RichText::new(&b.label).small()).truncate()).on_hover_text(&b.label);
                }
                if st.bars.len() > 30 {
                    ui.label(RichText::new(format!("…and {} more outcomes", st.bars.len() - 30)).weak());
                }
            });
    }

    /// Explore from the app: a check to meet, a button, what the search came to, and the
    /// failing schedule one click from being played step by step.
    fn explore_ui(&mut self, ui: &mut egui::Ui, cmds: &mut Vec<Command>) {
        ui.horizontal_wrapped(|ui| {
            if self.exploring {
                ui.add(egui::Spinner::new());
                ui.label("Exploring schedules…");
            } else if ui
                .button("Explore")
                .on_hover_text(
                    "Run the program under many schedules (every one with at most two preemptions, up to \
                     2 000) looking for one where an assert fails, a thread raises, it deadlocks or the \
                     check is false",
                )
                .clicked()
            {
                cmds.push(Command::Explore);
            }
            let label = ui.label("check:");
            ui.add(
                egui::TextEdit::singleline(&mut self.persisted.explore_check)
                    .hint_text("counter == THREADS * ITERATIONS")
                    .desired_width(170.0),
            )
            .labelled_by(label.id);
        });
        let Some(x) = &self.explored else { return };
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.add(egui::Label::new(RichText::new(x.verdict()).strong()).wrap());
            for (words, n) in x.outcomes.iter().take(8) {
                ui.add(egui::Label::new(RichText::new(format!("{n:>5} × {words}")).small()).truncate())
                    .on_hover_text(words);
            }
            if let Some((_, sched)) = &x.found {
                ui.horizontal_wrapped(|ui| {
                    ui.label(RichText::new(format!("Schedule: {sched}")).monospace());
                    if ui
                        .button("Play it")
                        .on_hover_text("Step through this schedule as the scheduler, from its first choice")
                        .clicked()
                    {
                        if x.split != self.persisted.split_updates {
                            self.persisted.split_updates = x.split;
                        }
                        cmds.push(Command::PlayGuided(sched.clone(), 0));
                    }
                    if ui.small_button("Copy").clicked() {
                        ui.ctx().copy_text(sched.to_string());
                    }
                });
            }
        });
    }

    pub(super) fn controls_ui(&mut self, ui: &mut egui::Ui, cmds: &mut Vec<Command>) {
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
        // The scheduler game, when one is on, comes first: it is what the person is doing.
        if self.session.as_ref().is_some_and(|s| s.player.is_some()) {
            self.scheduler_ui(ui, cmds);
            ui.separator();
        }
        let mut topics: Vec<&str> = Vec::new();
        for s in &self.catalog {
            if !topics.contains(&s.meta.topic.as_str()) {
                topics.push(&s.meta.topic);
            }
        }
        // The picker scrolls on its own, so the controls below stay in view however many
        // topics are open.
        let reveal = self.reveal_topic;
        egui::ScrollArea::vertical().id_salt("picker").max_height(ui.available_height() * 0.4).show(ui, |ui| {
            for topic in topics {
                let selected_here = self.scenario().is_some_and(|s| s.meta.topic == topic);
                let force_open = (reveal && selected_here).then_some(true);
                let header = egui::CollapsingHeader::new(topic).default_open(selected_here).open(force_open);
                header.show(ui, |ui| {
                    for (i, s) in self.catalog.iter().enumerate().filter(|(_, s)| s.meta.topic == topic) {
                        let r = ui.selectable_label(i == self.selected, &s.meta.title).on_hover_text(&s.meta.point);
                        if i == self.selected && !s.meta.point.is_empty() {
                            // The teaching point, in one sentence, under the selected title.
                            let first = s.meta.point.split_inclusive(". ").next().unwrap_or(&s.meta.point);
                            ui.label(RichText::new(first.trim()).small().weak());
                        }
                        if reveal && i == self.selected {
                            r.scroll_to_me(Some(egui::Align::Center));
                        }
                        if r.clicked() {
                            cmds.push(Command::Select(i));
                        }
                    }
                });
            }
        });
        self.reveal_topic = false;
        ui.horizontal_wrapped(|ui| {
            if ui.small_button("New scenario").on_hover_text("A short template to edit (Ctrl+N)").clicked() {
                cmds.push(Command::NewScenario);
            }
            if ui
                .small_button("Open scenario file…")
                .on_hover_text("Load a Python file you wrote (see saved-scenarios/README.md)")
                .clicked()
            {
                cmds.push(Command::Pick(PickFor::Scenario));
            }
        });
        ui.separator();
        let Some(sc) = self.scenario().cloned() else {
            ui.label("The scenario catalog could not be loaded.");
            return;
        };
        ui.label(RichText::new(&sc.meta.title).strong());
        ui.label(&sc.meta.point);
        if !sc.meta.notes.is_empty() {
            ui.label(RichText::new(format!("From the notes: {}", sc.meta.notes)).italics().weak());
        }
        ui.separator();
        let mut params = self.params();
        let before = params.clone();
        let sliders = self.editor.sliders.clone();
        if sliders.is_empty() {
            ui.label(RichText::new("No sliders: mark a constant with `# slider: LO..HI Label`.").weak());
        }
        for p in &sliders {
            if let Some(v) = params.get_mut(&p.name) {
                let mut s = egui::Slider::new(v, p.min..=p.max).text(&p.label);
                if !p.float {
                    s = s.integer();
                }
                if p.min > 0.0 && p.max / p.min > 200.0 {
                    s = s.logarithmic(true);
                }
                ui.add(s).on_hover_text(format!("{} in {} (line {})", p.name, self.editor.file, p.line));
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
            self.persisted.values.insert(self.editor.id.clone(), params);
            self.persisted.gil.insert(sc.id.clone(), gil);
            self.persisted.switch_interval_ms = sw;
            self.persisted.time_scale = ts;
            self.stale = self.session.is_some();
        }
        ui.add_space(6.0);
        let live = self.session.as_ref().is_some_and(Session::is_live);
        let paused = self.session.as_ref().is_some_and(|s| s.paused());
        ui.horizontal_wrapped(|ui| {
            let run_label = if self.session.is_some() { "Restart" } else { "Run" };
            if ui.button(run_label).on_hover_text("Run the program in the code panel (F5 or Ctrl+Enter)").clicked() {
                cmds.push(Command::Run);
            }
            if ui.add_enabled(live, egui::Button::new(if paused { "Resume" } else { "Pause" })).clicked() {
                cmds.push(Command::Pause(!paused));
            }
            if ui
                .add_enabled(live && paused, egui::Button::new("Step"))
                .on_hover_text("While paused: every thread runs one more statement")
                .clicked()
            {
                cmds.push(Command::Step);
            }
            if ui.add_enabled(live, egui::Button::new("Stop")).clicked() {
                cmds.push(Command::Stop);
            }
        });
        ui.horizontal_wrapped(|ui| {
            if ui
                .button("Play the scheduler")
                .on_hover_text(
                    "Run the program one thread at a time: at every point where the GIL mode lets another \
                     thread run, you choose which one (The Deadlock Empire's game, on this program)",
                )
                .clicked()
            {
                cmds.push(Command::PlayScheduler);
            }
            if ui
                .small_button("Play a schedule…")
                .on_hover_text("Open a schedule `threadline explore` saved, and step through it as the scheduler")
                .clicked()
            {
                cmds.push(Command::Pick(PickFor::Schedule));
            }
            ui.checkbox(&mut self.persisted.split_updates, "split x += 1").on_hover_text(
                "Playing the scheduler: a switch may fall between the load, the add and the store of \
                 `x += 1` on a shared variable, as under CPython 3.9 or free-threading",
            );
        });
        self.stats_ui(ui, cmds);
        self.explore_ui(ui, cmds);
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
        ui.horizontal_wrapped(|ui| {
            let can_save = self.session.as_ref().is_some_and(|s| s.trace().is_some());
            if ui
                .add_enabled(can_save, egui::Button::new("Save trace"))
                .on_hover_text("Save the run to the path above (Ctrl+Shift+S)")
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
        ui.horizontal_wrapped(|ui| {
            let can_pin = self.session.as_ref().is_some_and(|s| s.trace().is_some());
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
            let finished = self.session.as_ref().is_some_and(|s| !s.is_live());
            match &self.python {
                Some(Ok(v)) => {
                    let label = if self.recording {
                        "Running in CPython…".to_string()
                    } else {
                        "Run in CPython too".to_string()
                    };
                    if ui
                        .add_enabled(finished && !self.recording, egui::Button::new(label))
                        .on_hover_text(format!(
                            "Run this program in the real Python {v} with Threadline's recorder, with the same \
                             slider values, and draw that run below this one (CPython does not report its GIL)"
                        ))
                        .clicked()
                    {
                        cmds.push(Command::RunInCPython);
                    }
                }
                Some(Err(why)) => {
                    ui.add_enabled(false, egui::Button::new("Run in CPython too")).on_disabled_hover_text(why);
                }
                None => {}
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

    pub(super) fn code_ui(&mut self, ui: &mut egui::Ui, theme: &Theme, cmds: &mut Vec<Command>) {
        let modified = self.editor.modified();
        let mut label = None;
        ui.horizontal(|ui| {
            let name = self.editor.path.as_ref().map_or_else(|| self.editor.file.clone(), |p| p.display().to_string());
            label = Some(ui.label(RichText::new(name).strong().monospace()).id);
            if modified {
                ui.label(RichText::new("(edited)").color(theme.reference))
                    .on_hover_text("Kept across launches until you save or revert");
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.add_enabled(modified, egui::Button::new("Revert").small()).clicked() {
                    cmds.push(Command::RevertCode);
                }
                if ui.small_button("Save as…").clicked() {
                    cmds.push(Command::Pick(PickFor::Code));
                }
                if ui.small_button("Save").on_hover_text("Save the Python file (Ctrl+S)").clicked() {
                    cmds.push(Command::SaveCode);
                }
            });
        });
        let session = self.session.as_ref();
        let same_code = session.and_then(|s| s.code.as_deref()).is_some_and(|c| c == self.editor.text);
        // At the cursor; without one, now (live) or the end — for a deadlock, the moment it
        // was found, when every thread of the cycle still waits at its line.
        let t = session.map(|s| match (self.view.cursor_ns, &s.timeline.deadlock) {
            (Some(c), _) => c as u64,
            (None, Some((at, _))) => *at,
            (None, None) => s.timeline.end_ns,
        });
        let mut marks = match (session, t) {
            (Some(s), Some(t)) if same_code => crate::code::marks_at(&s.timeline, t),
            _ => Vec::new(),
        };
        // Playing the scheduler: the threads that can run are at the lines the turnstile
        // knows (a thread may have passed statements without an event since).
        if let Some(s) = session
            && let Some((_, d)) = s.player.as_ref().and_then(|p| p.handle.pending())
            && same_code
            && self.view.cursor_ns.is_none()
        {
            let names = &s.timeline.thread_meta;
            marks.retain(|m| !d.enabled.iter().any(|(t, _)| *t == m.thread));
            for (t, line) in &d.enabled {
                if *line > 0 {
                    marks.push(crate::code::CodeMark {
                        line: *line,
                        thread: *t,
                        name: names.get(*t as usize).map_or(format!("T{t}"), |m| m.name.clone()),
                        doing: "can run next".into(),
                    });
                }
            }
            marks.sort_by_key(|m| (m.line, m.thread));
        }
        match session {
            None => {
                ui.label(RichText::new("Press Run (F5) to start this program; edit it first if you like.").weak());
            }
            Some(_) if !same_code => {
                ui.label(
                    RichText::new("The code changed since this run: Run (F5) to see the new version.")
                        .color(theme.reference),
                );
            }
            Some(s) => {
                let when = t.map_or(String::new(), |t| crate::layout::format_duration(t as f64));
                let which = if self.view.cursor_ns.is_some() {
                    "at the cursor"
                } else if s.timeline.deadlock.is_some() {
                    "when the deadlock was found"
                } else if s.is_live() {
                    "now"
                } else {
                    "at the end"
                };
                ui.label(
                    RichText::new(format!("Each thread's line {which} ({when}) is marked in the thread's colour."))
                        .weak(),
                );
            }
        }
        if let Some(e) = &self.editor.error {
            let msg = format!("{} at line {}: {}", e.ty, e.line, e.message);
            let r = ui
                .add(egui::Label::new(RichText::new(msg).color(theme.error)).sense(egui::Sense::click()))
                .on_hover_text("Show the line");
            if r.clicked() {
                cmds.push(Command::GotoLine(e.line));
            }
        }
        if self.compiling.is_some() {
            ui.label(RichText::new("Compiling…").weak());
        }
        // What a slider gives a constant, at its line (the text keeps the file's value).
        let params = self.params();
        let notes: Vec<(u32, String)> = self
            .editor
            .sliders
            .iter()
            .filter_map(|sl| {
                let v = *params.get(&sl.name)?;
                (v != sl.default).then(|| {
                    let shown = if sl.float { format!("{v}") } else { format!("{}", v.round() as i64) };
                    (sl.line, format!("slider: {} = {shown}", sl.name))
                })
            })
            .collect();
        // The compile error, and each uncaught exception of the run at the line that raised it.
        let mut errors: Vec<(u32, String)> =
            self.editor.error.iter().map(|e| (e.line, format!("{}: {}", e.ty, e.message))).collect();
        if let Some(s) = session
            && same_code
        {
            errors.extend(crate::code::uncaught_at_lines(&s.timeline));
        }
        let ann = crate::code::Annotations {
            marks: &marks,
            highlight: self.editor.highlight,
            errors: &errors,
            notes: &notes,
            scroll_to: self.editor.scroll_to.take(),
            label,
        };
        let r = egui::ScrollArea::both()
            .id_salt("code-scroll")
            .auto_shrink([false, false])
            .show(ui, |ui| crate::code::code_editor_ui(ui, &mut self.editor.text, &ann, theme))
            .inner;
        if r.changed {
            self.editor_changed();
        }
        self.editor.hovered = r.hovered_line;
        if let Some(l) = r.clicked_line {
            cmds.push(Command::JumpToLine(l));
        }
    }

    pub(super) fn centre_ui(&mut self, ui: &mut egui::Ui, theme: &Theme, cmds: &mut Vec<Command>) {
        // Long messages wrap: they must not widen the panel past the window.
        if let Some(e) = self.error.clone() {
            ui.horizontal_wrapped(|ui| {
                ui.add(egui::Label::new(RichText::new(format!("Error: {e}")).color(theme.error)).wrap());
                if ui.small_button("Dismiss").clicked() {
                    self.error = None;
                }
            });
        }
        if let Some(n) = self.note.clone() {
            ui.horizontal_wrapped(|ui| {
                ui.add(egui::Label::new(RichText::new(n).weak()).wrap());
                if ui.small_button("Dismiss").clicked() {
                    self.note = None;
                }
            });
        }
        let Some(s) = &self.session else {
            ui.add_space(40.0);
            ui.vertical_centered(|ui| {
                let title = self.scenario().map_or(String::new(), |e| format!("Ready: {}", e.meta.title));
                ui.label(RichText::new(title).size(20.0).strong());
                ui.add_space(8.0);
                ui.label(
                    RichText::new("Press Run (F5): every thread of the program gets a lane here, in time.").size(16.0),
                );
                ui.label(RichText::new("Then click a bar: the code panel shows the line that made it.").size(16.0));
                ui.add_space(12.0);
                if ui.add(egui::Button::new(RichText::new("Run it").size(18.0))).clicked() {
                    cmds.push(Command::Run);
                }
            });
            return;
        };
        if let Some((_, kept)) = s.timeline.event_limit {
            egui::Frame::new().fill(theme.deadlock).inner_margin(6.0).show(ui, |ui| {
                ui.label(
                    RichText::new(format!(
                        "The run made more than {kept} events, the most a run keeps in full (a program that \
                         never ends would fill the memory): from that moment only thread starts and ends, \
                         prints and exceptions are kept, and the lanes stop there."
                    ))
                    .color(egui::Color32::WHITE)
                    .strong(),
                );
            });
        }
        if let Some(words) = s.timeline.deadlock_words() {
            egui::Frame::new().fill(theme.deadlock).inner_margin(6.0).show(ui, |ui| {
                ui.label(
                    RichText::new(format!("{words} Threadline stopped the run.")).color(egui::Color32::WHITE).strong(),
                );
            });
        }
        ui.horizontal_wrapped(|ui| {
            let status = if s.is_live() { if s.paused() { "paused" } else { "running…" } } else { "finished" };
            ui.label(RichText::new(format!("{} — {} — {}", s.scenario.name, s.source, status)).strong());
            if ui.small_button("Fit").on_hover_text("Show the whole run (or double-click the timeline)").clicked() {
                self.view.follow = true;
            }
        });
        legend_ui(ui, theme);
        if let Some(r) = s.replay().cloned() {
            let end = s.trace().and_then(|t| t.events.last()).map_or(0, |e| e.t_ns) as f64;
            ui.horizontal_wrapped(|ui| {
                if ui.button(if r.playing { "Pause replay" } else { "Replay" }).clicked() {
                    cmds.push(Command::Play(!r.playing));
                }
                let mut t = r.playhead_ns;
                let w = (ui.available_width() - 230.0).max(60.0);
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
            ui.horizontal_wrapped(|ui| {
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
            self.view.hover_line = self.editor.hovered;
            timeline_ui(ui, &s.timeline, &mut self.view, theme, live, fit_end, compare.is_none());
            // A click on a thread's bar: show the line that thread was at.
            if let Some((th, t)) = self.view.picked.take()
                && let Some(line) = s.timeline.threads.get(th as usize).and_then(|l| l.line_at(t))
            {
                cmds.push(Command::GotoLine(line));
            }
            if let Some(c) = compare {
                ui.separator();
                ui.label(RichText::new(format!("Compared with {}", run_label(c))).strong());
                timeline_ui(ui, &c.timeline, &mut self.view, theme, false, fit_end, true);
                self.view.picked = None;
            }
        });
    }

    pub(super) fn bottom_ui(&mut self, ui: &mut egui::Ui, theme: &Theme, cmds: &mut Vec<Command>) {
        let Some(s) = &self.session else {
            ui.label(RichText::new("The printed output and the run summary appear here.").weak());
            return;
        };
        let tl = &s.timeline;
        ui.columns(2, |cols| {
            cols[0].label(RichText::new("Output").strong());
            // Only the rows on screen are laid out: a run may print millions of lines.
            let row_h = cols[0].text_style_height(&egui::TextStyle::Monospace);
            egui::ScrollArea::both().id_salt("out").stick_to_bottom(true).auto_shrink([false, false]).show_rows(
                &mut cols[0],
                row_h,
                tl.output.len(),
                |ui, rows| {
                    for (_, th, line) in &tl.output[rows] {
                        let raised = line.starts_with("Exception in thread")
                            || tl.threads[*th as usize].errors.iter().any(|e| !e.2 && line == &e.1.to_string());
                        let text = RichText::new(line).monospace();
                        match crate::code::traceback_line(line) {
                            // A traceback's `File "x.py", line N`: click to see the line.
                            Some(n) => {
                                let r = ui
                                    .add(
                                        egui::Label::new(text.color(theme.error).underline())
                                            .wrap_mode(egui::TextWrapMode::Extend)
                                            .sense(egui::Sense::click()),
                                    )
                                    .on_hover_text(format!("Show line {n} in the code panel"));
                                if r.clicked() {
                                    cmds.push(Command::GotoLine(n));
                                }
                            }
                            None => {
                                ui.add(
                                    egui::Label::new(if raised { text.color(theme.error) } else { text })
                                        .wrap_mode(egui::TextWrapMode::Extend),
                                );
                            }
                        }
                    }
                },
            );
            let compare = self.compare.as_ref();
            egui::ScrollArea::both().id_salt("side").auto_shrink([false, false]).show(&mut cols[1], |ui| {
                ui.label(RichText::new("Summary").strong());
                match compare {
                    None => summary_ui(ui, s, "summary"),
                    Some(c) => {
                        let (sa, sb) = (s.summary(), c.summary());
                        let cmp = self.comparison(&sa, &sb);
                        let (only_here, only_there) = cmp.output;
                        if only_here == 0 && only_there == 0 {
                            ui.label(format!("Output: the same {} lines in both runs.", sa.output.len()));
                        } else {
                            ui.label(
                                RichText::new(format!(
                                    "Output differs: {only_here} line(s) only in this run, {only_there} only in the other."
                                ))
                                .color(theme.reference),
                            );
                        }
                        for d in &cmp.differences {
                            ui.label(RichText::new(d).color(theme.reference));
                        }
                        ui.columns(2, |sc| {
                            sc[0].label(RichText::new(run_label(s)).weak());
                            summary_ui(&mut sc[0], s, "summary");
                            sc[1].label(RichText::new(run_label(c)).weak());
                            summary_ui(&mut sc[1], c, "summary-compare");
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
                    Some(t) => cursor_ui(ui, tl, t as u64, s.settings.switch_interval_ms),
                }
            });
        });
    }
}

/// A short description of a run: scenario, sliders, GIL mode.
pub(super) fn run_label(s: &Session) -> String {
    let params: Vec<String> = s.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let how = match s.trace().and_then(|t| t.recorded.as_ref()) {
        Some(r) => format!("recorded in CPython {} (no GIL events)", r.python),
        None => s.settings.gil.as_str().to_string(),
    };
    format!("{} [{}] {how}", s.scenario.id, params.join(" "))
}

/// The run's [`sim_core::summary::Summary`], the same one `threadline run --json` prints.
fn summary_ui(ui: &mut egui::Ui, session: &Session, id: &str) {
    let sm = session.summary();
    let ms = |x: f64| crate::layout::format_duration(x * 1e6);
    egui::Grid::new(id).num_columns(2).striped(true).show(ui, |ui| {
        let row = |ui: &mut egui::Ui, k: &str, v: String| {
            ui.label(k);
            // Side by side with a compared run, a long value is cut (the whole on hover).
            ui.add(egui::Label::new(v).truncate());
            ui.end_row();
        };
        row(ui, "wall time", ms(sm.wall_ms));
        row(ui, "CPU time (all threads)", ms(sm.threads.iter().map(|t| t.cpu_ms).sum()));
        for (p, g) in &sm.gil {
            row(
                ui,
                &format!("GIL · {p}"),
                format!(
                    "{} handoffs, {} forced, median slice {}",
                    g.handoffs,
                    g.forced_switches,
                    ms(g.slice_ms_median)
                ),
            );
        }
        for (name, r) in &sm.resources {
            let mut parts = Vec::new();
            if let Some(h) = r.max_holders {
                parts.push(match r.capacity {
                    Some(c) if r.kind.contains("semaphore") => format!("max {h} holders of {c}"),
                    _ => format!("max {h} holder(s)"),
                });
            }
            if let (Some(l), Some(p), Some(g)) = (r.max_len, r.blocked_puts, r.blocked_gets) {
                parts.push(format!("max length {l}, {p} blocked puts, {g} blocked gets"));
            }
            if parts.is_empty() {
                continue;
            }
            row(ui, name, parts.join(", "));
            if let (Some(v), Some(c)) = (r.final_value, r.capacity)
                && v != c
            {
                row(ui, &format!("{name} counter at the end"), format!("{v} (it started at {c})"));
            }
        }
        for (name, v) in &sm.vars {
            let lost = match v.lost_updates {
                Some(n) if n != 0 => format!(" — {n} lost updates"),
                _ => String::new(),
            };
            row(ui, name, format!("{} (race-free {}){lost}", v.final_value.repr(), v.race_free.repr()));
        }
        for p in sm.processes.iter().skip(1) {
            if let Some(c) = p.exitcode {
                row(ui, &p.name, format!("exit code {c}"));
            }
        }
        row(ui, "deadlock", sm.deadlock.as_ref().map_or("none".into(), |d| format!("yes: {}", d.threads.join(", "))));
        let uncaught: Vec<String> =
            sm.errors.iter().filter(|e| !e.caught).map(|e| format!("{}: {}", e.thread, e.ty)).collect();
        if !uncaught.is_empty() {
            row(ui, "uncaught", uncaught.join(", "));
        }
        row(ui, "events", sm.events.to_string());
    });
    egui::CollapsingHeader::new("Threads").id_salt((id, "threads-header")).show(ui, |ui| {
        egui::Grid::new((id, "threads")).num_columns(6).striped(true).show(ui, |ui| {
            for h in ["thread", "outcome", "running", "GIL wait", "blocked", "I/O + sleep"] {
                ui.label(RichText::new(h).strong());
            }
            ui.end_row();
            for t in &sm.threads {
                ui.label(&t.name);
                ui.label(&t.outcome);
                ui.label(ms(t.cpu_ms));
                ui.label(ms(t.gil_wait_ms));
                ui.label(ms(t.blocked_ms));
                ui.label(ms(t.io_ms));
                ui.end_row();
            }
        });
    });
}

fn cursor_ui(ui: &mut egui::Ui, tl: &sim_core::timeline::Timeline, t: u64, interval_ms: f64) {
    ui.label(format!("t = {}", crate::layout::format_duration(t as f64)));
    for (p, _) in tl.gils.iter().enumerate().filter(|(_, g)| !g.phases.is_empty()) {
        let h = tl.gil_holder_at(p, t).map_or("free".to_string(), |h| tl.thread_meta[h as usize].name.clone());
        ui.label(format!("GIL · {}: {h}", tl.process_meta[p].name));
    }
    for (i, l) in tl.threads.iter().enumerate() {
        let s = l.state_at(t);
        if s != sim_core::timeline::ThreadState::NotStarted {
            ui.label(thread_sentence(tl, i as u32, t, interval_ms));
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
                let len = tl.counter_at(r, t).unwrap_or(items.len() as i64);
                if len > items.len() as i64 {
                    format!("[{}, …] ({len} items)", items.join(", "))
                } else {
                    format!("[{}]", items.join(", "))
                }
            }
            _ => continue,
        };
        ui.label(format!("{}: {text}", m.name));
    }
}

/// One sentence on what a thread is doing at `t`: where, and for a waiting thread how long it
/// has waited and for whom ("Thread-2 has waited 4.1 ms for the GIL, held by Thread-1; it
/// will ask Thread-1 to drop it at 5 ms").
pub fn thread_sentence(tl: &sim_core::timeline::Timeline, th: u32, t: u64, interval_ms: f64) -> String {
    use sim_core::timeline::ThreadState as S;
    let lane = &tl.threads[th as usize];
    let name = &tl.thread_meta[th as usize].name;
    let state = lane.state_at(t);
    let at = lane.line_at(t).map_or(String::new(), |l| format!(" (line {l})"));
    let since = sim_core::timeline::phase_at(&lane.phases, t).map_or(t, |i| lane.phases[i].start_ns);
    let waited = crate::layout::format_duration(t.saturating_sub(since) as f64);
    match state {
        S::WaitingGil => {
            let p = tl.thread_meta[th as usize].process as usize;
            match tl.gil_holder_at(p, t).filter(|h| *h != th) {
                Some(h) => {
                    let holder = &tl.thread_meta[h as usize].name;
                    let waited_ms = t.saturating_sub(since) as f64 / 1e6;
                    let ask = if waited_ms < interval_ms {
                        format!("it will ask {holder} to drop it at {interval_ms} ms")
                    } else {
                        format!("it has asked {holder} to drop it (after {interval_ms} ms)")
                    };
                    format!("{name} has waited {waited} for the GIL, held by {holder}; {ask}{at}.")
                }
                None => format!("{name} has waited {waited} for the GIL{at}."),
            }
        }
        S::Blocked(_) | S::Sleep | S::Io => {
            let doing = sim_core::words::doing(tl, th, state, Some(t)).unwrap_or_default();
            format!("{name} {doing}, for {waited} so far{at}.")
        }
        S::Running => format!("{name} runs{at}."),
        other => format!("{name}: {}{at}.", sim_core::words::label(other)),
    }
}
