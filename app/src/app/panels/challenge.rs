//! A challenge's card in the left panel: the goal against par, the progress, Play, the next
//! hint, Show me, and what a search proved (with the GIL modes where the goal is reachable).

use crate::app::{Command, GameCmd, JobKind, RunCmd, ThreadlineApp};
use egui::RichText;
use sim_core::challenge::Verdict;
use sim_core::py_catalog::Entry;

impl ThreadlineApp {
    /// The card of the selected challenge (nothing for a scenario without a `Goal:`).
    pub(super) fn challenge_ui(&mut self, ui: &mut egui::Ui, sc: &Entry, cmds: &mut Vec<Command>) {
        let Some(goal) = &sc.meta.goal else { return };
        let gil = self.settings().gil;
        let par = match sc.meta.par.as_deref() {
            Some("impossible") => {
                format!(" · under {}: can it be done at all?", sc.meta.gil.unwrap_or_default().as_str())
            }
            Some(p) => format!(" · par: {p} preemption{}", if p == "1" { "" } else { "s" }),
            None => String::new(),
        };
        ui.label(RichText::new(format!("Goal: {goal}{par}")).strong());
        let progress = self.persisted.challenges.get(&sc.id).cloned().unwrap_or_default();
        if progress.won.is_empty() {
            ui.label(
                RichText::new(format!(
                    "Not won yet. Play the scheduler (under {}) and choose who runs until the goal holds.",
                    gil.as_str()
                ))
                .weak(),
            );
        } else {
            let won: Vec<String> = progress
                .won
                .iter()
                .map(|(m, p)| format!("{m} with {p} preemption{}", if *p == 1 { "" } else { "s" }))
                .collect();
            ui.label(RichText::new(format!("Won under {}", won.join(", "))).color(ui.visuals().hyperlink_color));
        }
        ui.horizontal_wrapped(|ui| {
            if ui.button("Play").on_hover_text("Play the scheduler on this challenge").clicked() {
                cmds.push(Command::Game(GameCmd::PlayScheduler));
            }
            let n = sc.meta.hints.len();
            let shown = progress.hints.min(n);
            if ui
                .add_enabled(shown < n, egui::Button::new(format!("Hint ({shown} of {n})")))
                .on_hover_text("Show the next hint")
                .clicked()
            {
                cmds.push(Command::Game(GameCmd::Hint));
            }
            if self.jobs.is_running(JobKind::Solve) {
                ui.add(egui::Spinner::new());
                ui.label("Solving…");
            } else if ui
                .button("Show me")
                .on_hover_text(format!(
                    "Search the schedules under {} for one that reaches the goal and play it one choice at a time \
                     — or prove that none does",
                    gil.as_str()
                ))
                .clicked()
            {
                cmds.push(Command::Game(GameCmd::ShowMe));
            }
        });
        for (i, h) in sc.meta.hints.iter().take(progress.hints).enumerate() {
            ui.add(egui::Label::new(RichText::new(format!("Hint {}: {h}", i + 1)).italics()).wrap());
        }
        let Some(x) = self.solved.as_ref().filter(|x| x.id == sc.id) else { return };
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.add(egui::Label::new(x.solved.words()).wrap());
            if matches!(x.solved.verdict, Verdict::OutOfReach) {
                ui.horizontal_wrapped(|ui| {
                    for (m, p) in &x.elsewhere {
                        if ui
                            .button(format!("Try it under {}", m.as_str()))
                            .on_hover_text(format!(
                                "There a schedule reaches it with {p} preemption{}",
                                if *p == 1 { "" } else { "s" }
                            ))
                            .clicked()
                        {
                            cmds.push(Command::Run(RunCmd::SetGil(*m)));
                        }
                    }
                });
            }
        });
    }
}
