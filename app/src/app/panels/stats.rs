//! Outcome statistics: run the program N times freely, a bar per distinct outcome.

use crate::app::{AnalysisCmd, Command, ThreadlineApp};
use crate::theme::Theme;
use egui::RichText;

impl ThreadlineApp {
    /// Outcome statistics: run the program N times freely, then a bar per distinct outcome
    /// (count, share, what it was) with the run behind it one click away.
    pub(super) fn stats_ui(&mut self, ui: &mut egui::Ui, cmds: &mut Vec<Command>) {
        let mut runs = self.persisted.stats_runs;
        ui.horizontal_wrapped(|ui| match self.jobs.stats_done() {
            Some(n) => {
                ui.add(egui::Spinner::new());
                ui.label(format!("{n} runs…"));
                if ui.small_button("Stop").clicked() {
                    cmds.push(Command::Analysis(AnalysisCmd::StopStats));
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
                    cmds.push(Command::Analysis(AnalysisCmd::Stats(runs)));
                }
                ui.add(egui::DragValue::new(&mut runs).range(1..=10_000).suffix(" runs"));
            }
        });
        self.persisted.stats_runs = runs;
        self.predict_ui(ui, cmds);
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
                        count_bar(ui, &theme, b.count, most);
                        ui.label(RichText::new(format!("{:>4} · {:.0}%", b.count, share * 100.0)).monospace());
                        if let Some(t) = b.trace
                            && ui.small_button("Open").on_hover_text("Open this outcome's first run").clicked()
                        {
                            cmds.push(Command::Analysis(AnalysisCmd::OpenStatsRun(t)));
                        }
                    });
                    ui.add(egui::Label::new(RichText::new(&b.label).small()).truncate()).on_hover_text(&b.label);
                }
                if st.bars.len() > 30 {
                    ui.label(RichText::new(format!("…and {} more outcomes", st.bars.len() - 30)).weak());
                }
            });
    }

    /// Predict, then run (for a program whose output varies): the question, the choices, and
    /// once the runs have answered, a bar per answer with the pick marked and the score.
    fn predict_ui(&mut self, ui: &mut egui::Ui, cmds: &mut Vec<Command>) {
        let Some(sc) = self.scenario() else { return };
        let varies = sc.meta.output == sim_core::py::OutputKind::Varies;
        let id = sc.id.clone();
        let p = self.prediction.as_ref().filter(|p| p.id == id);
        if p.is_none() {
            if varies
                && ui
                    .button("Predict, then run")
                    .on_hover_text(
                        "Before it runs: pick what the program will print last, from the answers it can give; \
                         then it runs as many times as the statistics say, and you see how often you were right",
                    )
                    .clicked()
            {
                cmds.push(Command::Analysis(AnalysisCmd::Predict));
            }
            return;
        }
        let Some(p) = p else { return };
        let reveal = p.tally.is_some() && !p.revealed;
        let theme = Theme::new(ui.visuals().dark_mode);
        let framed = egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.label(RichText::new("Predict: what will the program print last?").strong());
            let Some(choices) = &p.choices else {
                ui.horizontal(|ui| {
                    ui.add(egui::Spinner::new());
                    ui.label("Finding the answers it can give…");
                });
                return;
            };
            match &p.tally {
                None if p.running => {
                    ui.label(format!("You said: {}", p.pick.as_deref().unwrap_or("")));
                    ui.horizontal(|ui| {
                        ui.add(egui::Spinner::new());
                        ui.label(format!("Running it {} times…", self.persisted.stats_runs));
                    });
                }
                None => {
                    if choices.len() == 1 {
                        ui.label(RichText::new("Only one answer is possible here — what do you expect?").weak());
                    }
                    for c in choices {
                        if ui.button(RichText::new(c).monospace()).on_hover_text("My prediction").clicked() {
                            cmds.push(Command::Analysis(AnalysisCmd::PredictPick(c.clone())));
                        }
                    }
                }
                Some(t) => {
                    let pick = p.pick.as_deref().unwrap_or("");
                    let share = t.share_of(pick);
                    let n = (share * t.runs as f64).round() as usize;
                    ui.add(
                        egui::Label::new(
                            RichText::new(format!(
                                "You predicted “{pick}”: {n} of {} runs printed it ({:.0} %).",
                                t.runs,
                                share * 100.0
                            ))
                            .strong(),
                        )
                        .wrap(),
                    );
                    let most = t.answers.first().map_or(1, |(_, k)| *k).max(1);
                    for (a, k) in t.answers.iter().take(12) {
                        ui.horizontal(|ui| {
                            count_bar(ui, &theme, *k, most);
                            let mine = if a == pick { "  ← your prediction" } else { "" };
                            ui.add(
                                egui::Label::new(RichText::new(format!("{k:>4} · {a}{mine}")).monospace()).truncate(),
                            );
                        });
                    }
                    let never: Vec<&String> = choices.iter().filter(|c| t.share_of(c) == 0.0).collect();
                    if !never.is_empty() {
                        ui.add(
                            egui::Label::new(
                                RichText::new(format!(
                                    "Possible, but not in these free runs: {} — Explore finds the schedule.",
                                    never.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                                ))
                                .weak(),
                            )
                            .wrap(),
                        );
                    }
                    let sc = &self.persisted.predictions;
                    ui.label(
                        RichText::new(format!(
                            "Your predictions so far: {} made, {} picked what most runs printed.",
                            sc.made, sc.right
                        ))
                        .weak(),
                    );
                }
            }
            if ui.small_button("Close").clicked() {
                cmds.push(Command::Analysis(AnalysisCmd::PredictClose));
            }
        });
        // The answer arrives while the person looks elsewhere: bring it into view, once.
        if reveal {
            framed.response.scroll_to_me(Some(egui::Align::Max));
            if let Some(p) = &mut self.prediction {
                p.revealed = true;
            }
        }
    }
}

/// A small horizontal bar: `count` out of `most`, for the outcome and prediction histograms.
fn count_bar(ui: &mut egui::Ui, theme: &Theme, count: usize, most: usize) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(70.0, 14.0), egui::Sense::hover());
    ui.painter().rect_filled(rect, 2.0, ui.visuals().extreme_bg_color);
    let w = rect.width() * count as f32 / most.max(1) as f32;
    let bar = egui::Rect::from_min_size(rect.min, egui::vec2(w, rect.height()));
    ui.painter().rect_filled(bar, 2.0, theme.plot);
}
