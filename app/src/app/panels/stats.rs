//! Outcome statistics: run the program N times freely, a bar per distinct outcome.

use crate::app::{Command, ThreadlineApp};
use crate::theme::Theme;
use egui::RichText;

impl ThreadlineApp {
    /// Outcome statistics: run the program N times freely, then a bar per distinct outcome
    /// (count, share, what it was) with the run behind it one click away.
    pub(super) fn stats_ui(&mut self, ui: &mut egui::Ui, cmds: &mut Vec<Command>) {
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
}
