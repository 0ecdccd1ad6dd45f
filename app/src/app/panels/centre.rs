//! The centre: the timeline (and the compared run), the legend, the replay bar.

use super::run_label;
use crate::app::{CodeCmd, Command, EventFilter, ReplayCmd, RunCmd, ThreadlineApp};
use crate::theme::Theme;
use crate::timeline_view::{legend_ui, timeline_ui};
use egui::RichText;
use sim_core::event::EventKind;

impl ThreadlineApp {
    pub(in crate::app) fn centre_ui(&mut self, ui: &mut egui::Ui, theme: &Theme, cmds: &mut Vec<Command>) {
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
                    cmds.push(Command::Run(RunCmd::Run));
                }
            });
            return;
        };
        if let Some((_, kept)) = s.timeline.event_limit {
            // A warning, not an error: outlined in the theme's warning colour (red is for
            // errors and deadlocks).
            let warn = ui.visuals().warn_fg_color;
            egui::Frame::new().stroke(egui::Stroke::new(1.5, warn)).inner_margin(6.0).show(ui, |ui| {
                ui.label(
                    RichText::new(format!(
                        "The run made more than {kept} events, the most a run keeps in full (a program that \
                         never ends would fill the memory): from that moment only thread starts and ends, \
                         prints and exceptions are kept, and the lanes stop there."
                    ))
                    .strong(),
                );
            });
        }
        let cut_short = s.trace().and_then(|t| t.meta.incomplete.as_deref());
        if let Some(why) = cut_short {
            // A trace whose writer died (`run --out` killed midway): what it holds is true,
            // but the run goes on past its end.
            let warn = ui.visuals().warn_fg_color;
            egui::Frame::new().stroke(egui::Stroke::new(1.5, warn)).inner_margin(6.0).show(ui, |ui| {
                ui.label(
                    RichText::new(format!(
                        "Incomplete trace — {why}. The run that wrote it ended before the trace did, so \
                         threads still running at its end show as stopped."
                    ))
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
            let status = match (s.is_live(), s.paused(), cut_short) {
                (true, true, _) => "paused",
                (true, false, _) => "running…",
                (false, _, Some(_)) => "cut short",
                (false, _, None) => "finished",
            };
            ui.label(RichText::new(format!("{} — {} — {}", s.scenario.name, s.source, status)).strong());
            ui.toggle_value(&mut self.persisted.show_controls, "Controls")
                .on_hover_text("Show or hide the picker and controls on the left (Ctrl+B)");
            ui.toggle_value(&mut self.persisted.show_code, "Code")
                .on_hover_text("Show or hide the code panel (Ctrl+Shift+B)");
            if ui.small_button("Fit").on_hover_text("Show the whole run (or double-click the timeline)").clicked() {
                self.view.follow = true;
            }
            let profile = if self.persisted.show_profile { "Summary (F6)" } else { "Profile (F6)" };
            if ui
                .small_button(profile)
                .on_hover_text("Below: where the time went — per line, per lock, per thread, and the critical path")
                .clicked()
            {
                self.persisted.show_profile = !self.persisted.show_profile;
            }
        });
        legend_ui(ui, theme, !s.timeline.tasks.is_empty());
        if let Some(r) = s.replay().cloned() {
            let end = s.end_ns() as f64;
            ui.horizontal_wrapped(|ui| {
                if ui.button(if r.playing { "Pause replay" } else { "Replay" }).clicked() {
                    cmds.push(Command::Replay(ReplayCmd::Play(!r.playing)));
                }
                let mut t = r.playhead_ns;
                let w = (ui.available_width() - 230.0).max(60.0);
                ui.spacing_mut().slider_width = w;
                if ui.add(egui::Slider::new(&mut t, 0.0..=end.max(1.0)).show_value(false)).changed() {
                    cmds.push(Command::Replay(ReplayCmd::Seek(t)));
                }
                ui.label(crate::layout::format_duration(r.playhead_ns));
                let mut speed = r.speed;
                egui::ComboBox::from_label("speed").selected_text(format!("{speed}×")).width(60.0).show_ui(ui, |ui| {
                    for x in [0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0] {
                        ui.selectable_value(&mut speed, x, format!("{x}×"));
                    }
                });
                if speed != r.speed {
                    cmds.push(Command::Replay(ReplayCmd::Speed(speed)));
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
                        if let Some(t) = s.next_event_after(at, |e| pred(&e.kind)) {
                            cmds.push(Command::Replay(ReplayCmd::Seek(t as f64)));
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
                cmds.push(Command::Code(CodeCmd::GotoLine(line)));
            }
            if let Some(line) = self.view.picked_line.take() {
                cmds.push(Command::Code(CodeCmd::GotoLine(line)));
            }
            if let Some(c) = compare {
                ui.separator();
                ui.label(RichText::new(format!("Compared with {}", run_label(c))).strong());
                timeline_ui(ui, &c.timeline, &mut self.view, theme, false, fit_end, true);
                self.view.picked = None;
            }
        });
    }
}
