//! The left panel: the scenario picker, sliders, GIL mode, run controls, and the game, stats and explore sections.

use crate::app::{
    AnalysisCmd, CodeCmd, Command, CompareCmd, FileCmd, GameCmd, JobKind, PickFor, RunCmd, ThreadlineApp,
};
use crate::session::Session;
use egui::RichText;
use sim_core::model::GilMode;
use std::path::PathBuf;

impl ThreadlineApp {
    pub(in crate::app) fn controls_ui(&mut self, ui: &mut egui::Ui, cmds: &mut Vec<Command>) {
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
                let (won, n) = self.campaign_progress();
                let title = if topic == "Challenges" && n > 0 {
                    format!("{topic} — {won} of {n} won")
                } else {
                    topic.to_string()
                };
                let header = egui::CollapsingHeader::new(title)
                    .id_salt(("topic", topic))
                    .default_open(selected_here)
                    .open(force_open);
                header.show(ui, |ui| {
                    for (i, s) in self.catalog.iter().enumerate().filter(|(_, s)| s.meta.topic == topic) {
                        let won = self.persisted.challenges.get(&s.id).is_some_and(|p| !p.won.is_empty());
                        let title = if won { format!("{} — won", s.meta.title) } else { s.meta.title.clone() };
                        // One line each, cut to the panel's width (the hover has it all).
                        let r = ui
                            .add(egui::Button::selectable(i == self.selected, title).truncate())
                            .on_hover_text(format!("{}\n{}", s.meta.title, s.meta.point));
                        if i == self.selected && !s.meta.point.is_empty() {
                            // The teaching point, in one sentence, under the selected title.
                            let first = s.meta.point.split_inclusive(". ").next().unwrap_or(&s.meta.point);
                            ui.label(RichText::new(first.trim()).small().weak());
                        }
                        if reveal && i == self.selected {
                            r.scroll_to_me(Some(egui::Align::Center));
                        }
                        if r.clicked() {
                            cmds.push(Command::Code(CodeCmd::Select(i)));
                        }
                    }
                });
            }
        });
        self.reveal_topic = false;
        ui.horizontal_wrapped(|ui| {
            if ui.small_button("New scenario").on_hover_text("A short template to edit (Ctrl+N)").clicked() {
                cmds.push(Command::Code(CodeCmd::NewScenario));
            }
            if ui
                .small_button("Open scenario file…")
                .on_hover_text("Load a Python file you wrote (see saved-scenarios/README.md)")
                .clicked()
            {
                cmds.push(Command::File(FileCmd::Pick(PickFor::Scenario)));
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
        self.challenge_ui(ui, &sc, cmds);
        ui.separator();
        let mut params = self.params();
        let before = params.clone();
        let sliders = self.editor.sliders.clone();
        if sliders.is_empty() && sc.meta.goal.is_none() {
            ui.label(RichText::new("No sliders: mark a constant with `# slider: LO..HI Label`.").weak());
        }
        for p in &sliders {
            if let Some(v) = params.get_mut(&p.name) {
                // The label after the slider is cut to the panel's width: a long one must not
                // widen the panel (the hover has it all).
                let hover = format!("{}: {} in {} (line {})", p.label, p.name, self.editor.file, p.line);
                ui.horizontal(|ui| {
                    let mut s = egui::Slider::new(&mut *v, p.min..=p.max);
                    if !p.float {
                        s = s.integer();
                    }
                    if p.min > 0.0 && p.max / p.min > 200.0 {
                        s = s.logarithmic(true);
                    }
                    let r = ui.add(s).on_hover_text(&hover);
                    // Screen readers (and the tests) know the slider by its label.
                    let value = *v;
                    r.widget_info(|| egui::WidgetInfo::slider(true, value, &p.label));
                    ui.add(egui::Label::new(&p.label).truncate()).on_hover_text(&hover);
                });
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
                cmds.push(Command::Run(RunCmd::Run));
            }
            if ui.add_enabled(live, egui::Button::new(if paused { "Resume" } else { "Pause" })).clicked() {
                cmds.push(Command::Run(RunCmd::Pause(!paused)));
            }
            if ui
                .add_enabled(live && paused, egui::Button::new("Step"))
                .on_hover_text("While paused: every thread runs one more statement")
                .clicked()
            {
                cmds.push(Command::Run(RunCmd::Step));
            }
            if ui.add_enabled(live, egui::Button::new("Stop")).clicked() {
                cmds.push(Command::Run(RunCmd::Stop));
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
                cmds.push(Command::Game(GameCmd::PlayScheduler));
            }
            if ui
                .small_button("Play a schedule…")
                .on_hover_text("Open a schedule `threadline explore` saved, and step through it as the scheduler")
                .clicked()
            {
                cmds.push(Command::File(FileCmd::Pick(PickFor::Schedule)));
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
                    cmds.push(Command::Run(RunCmd::Run));
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
                cmds.push(Command::File(FileCmd::Save(PathBuf::from(self.trace_path.clone()))));
            }
            if ui.add_enabled(can_save, egui::Button::new("Save as…")).clicked() {
                cmds.push(Command::File(FileCmd::Pick(PickFor::Save)));
            }
            if ui.button("Open path").on_hover_text("Open the trace at the path above").clicked() {
                cmds.push(Command::File(FileCmd::Open(PathBuf::from(self.trace_path.clone()))));
            }
            if ui.button("Open… (Ctrl+O)").clicked() {
                cmds.push(Command::File(FileCmd::Pick(PickFor::Open)));
            }
        });
        ui.horizontal_wrapped(|ui| {
            let can_pin = self.session.as_ref().is_some_and(|s| s.trace().is_some());
            if ui
                .add_enabled(can_pin, egui::Button::new("Pin for comparison"))
                .on_hover_text("Keep this run on screen; the next run is drawn above it on the same time axis")
                .clicked()
            {
                cmds.push(Command::Compare(CompareCmd::Pin));
            }
            if ui.button("Compare with trace…").clicked() {
                cmds.push(Command::File(FileCmd::Pick(PickFor::Compare)));
            }
            let finished = self.session.as_ref().is_some_and(|s| !s.is_live());
            match &self.python {
                Some(Ok(v)) => {
                    let label = if self.jobs.is_running(JobKind::Record) {
                        "Running in CPython…".to_string()
                    } else {
                        "Run in CPython too".to_string()
                    };
                    if ui
                        .add_enabled(finished && !self.jobs.is_running(JobKind::Record), egui::Button::new(label))
                        .on_hover_text(format!(
                            "Run this program in the real Python {v} with Threadline's recorder, with the same \
                             slider values, and draw that run below this one (CPython does not report its GIL)"
                        ))
                        .clicked()
                    {
                        cmds.push(Command::Analysis(AnalysisCmd::RunInCPython));
                    }
                }
                Some(Err(why)) => {
                    ui.add_enabled(false, egui::Button::new("Run in CPython too")).on_disabled_hover_text(why);
                }
                None => {}
            }
            if self.compare.is_some() && ui.button("Stop comparing").clicked() {
                cmds.push(Command::Compare(CompareCmd::Unpin));
            }
        });
        ui.label(RichText::new("…or drop a trace file on the window.").weak());
        if !self.persisted.recent.is_empty() {
            ui.collapsing("Recent traces", |ui| {
                for r in self.persisted.recent.clone() {
                    if ui.small_button(&r).clicked() {
                        self.trace_path = r.clone();
                        cmds.push(Command::File(FileCmd::Open(PathBuf::from(r))));
                    }
                }
            });
        }
    }
}
