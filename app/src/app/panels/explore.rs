//! Explore from the app: a check, the search on a job thread, the outcomes, Play it.

use crate::app::{AnalysisCmd, Command, GameCmd, JobKind, ThreadlineApp};
use egui::RichText;

impl ThreadlineApp {
    /// Explore from the app: a check to meet, a button, what the search came to, and the
    /// failing schedule one click from being played step by step.
    pub(super) fn explore_ui(&mut self, ui: &mut egui::Ui, cmds: &mut Vec<Command>) {
        ui.horizontal_wrapped(|ui| {
            if self.jobs.is_running(JobKind::Explore) {
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
                cmds.push(Command::Analysis(AnalysisCmd::Explore));
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
                        cmds.push(Command::Game(GameCmd::PlayGuided(sched.clone(), 0)));
                    }
                    if ui.small_button("Copy").clicked() {
                        ui.ctx().copy_text(sched.to_string());
                    }
                });
            }
        });
    }
}
