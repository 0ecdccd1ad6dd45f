//! The code panel's bytecode view: the clicked line as CPython 3.11 compiles it, the
//! instructions where the eval breaker lets another thread in, and where each thread on
//! the line is (see [`crate::bytecode`]).

use crate::app::ThreadlineApp;
use crate::bytecode::{Where, position, switch_point};
use crate::code::CodeMark;
use crate::theme::Theme;
use egui::{Color32, RichText};
use sim_core::model::GilMode;
use sim_core::py::dis::Instr;
use sim_core::timeline::ThreadState;

impl ThreadlineApp {
    /// The bytecode of the clicked line (or the first thread's, or the first line with code).
    pub(in crate::app) fn bytecode_ui(
        &mut self,
        ui: &mut egui::Ui,
        theme: &Theme,
        marks: &[CodeMark],
        t: Option<u64>,
        same_code: bool,
    ) {
        let generation = self.editor.generation;
        if self.bytecode.as_ref().is_none_or(|(g, _)| *g != generation) {
            let listing = sim_core::py::dis::dis(&self.editor.text, &self.editor.file)
                .map_err(|e| format!("{} at line {}, column {}: {}", e.ty, e.line, e.col, e.message));
            self.bytecode = Some((generation, listing));
        }
        let Some((_, listing)) = &self.bytecode else { return };
        let listing = match listing {
            Ok(l) => l,
            Err(e) => {
                ui.label(RichText::new(format!("No bytecode: {e}")).color(theme.error));
                return;
            }
        };
        let line = self
            .editor
            .bytecode_line
            .or(self.editor.highlight)
            .or_else(|| marks.first().map(|m| m.line))
            .filter(|l| *l > 0 && !listing.at_line(*l).is_empty())
            .or_else(|| (1..=self.editor.text.lines().count() as u32).find(|l| !listing.at_line(*l).is_empty()));
        let Some(line) = line else {
            ui.label(RichText::new("This program has no bytecode to show.").weak());
            return;
        };
        let mode = self.session.as_ref().map_or(GilMode::Cpython310, |s| s.settings.gil);
        let src = self.editor.text.lines().nth(line as usize - 1).unwrap_or("").trim();
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(format!("Line {line}")).strong());
            ui.label(RichText::new(src).monospace());
        });
        let switch_words = match mode {
            GilMode::Cpython39 => "Under 3.9 another thread may take the GIL between any two instructions.",
            GilMode::FreeThreaded => "Free-threaded: no GIL, other threads run at the same time, between any two.",
            _ => "The margin marks where 3.10+ checks the eval breaker: another thread may take the GIL there.",
        };
        ui.label(
            RichText::new(format!(
                "As CPython 3.11 compiles it (python3 -m dis; click a line to pick it). {switch_words}"
            ))
            .weak()
            .small(),
        );
        let by_code = listing.at_line(line);
        // Each thread on this line, placed among the line's instructions.
        let session = self.session.as_ref().filter(|_| same_code);
        let mut placed: Vec<(u32, String, Where, String)> = Vec::new();
        let instrs: Vec<&Instr> = by_code.iter().map(|(_, i)| *i).collect();
        if let (Some(s), Some(t)) = (session, t) {
            // Playing the scheduler: the threads that can run next wait at a switch point.
            let pending: Vec<u32> = s
                .player
                .as_ref()
                .and_then(|p| p.handle.pending())
                .filter(|(_, d)| matches!(d.kind, sim_core::control::DecisionKind::Thread))
                .map(|(_, d)| d.enabled.iter().map(|(t, _)| *t).collect())
                .unwrap_or_default();
            for m in marks.iter().filter(|m| m.line == line) {
                let Some(lane) = s.timeline.threads.get(m.thread as usize) else { continue };
                let k = lane.phases.partition_point(|p| p.start_ns <= t);
                let mut state = k.checked_sub(1).map_or(ThreadState::NotStarted, |i| lane.phases[i].state);
                let mut before = k.checked_sub(2).map(|i| lane.phases[i].state);
                if pending.contains(&m.thread) && self.view.cursor_ns.is_none() {
                    before = Some(state);
                    state = ThreadState::WaitingGil;
                }
                let kind = match state {
                    ThreadState::Blocked(sim_core::event::WaitTarget::Resource(r)) => s.timeline.kind_of(r),
                    ThreadState::WaitingGil => match before {
                        Some(ThreadState::Blocked(sim_core::event::WaitTarget::Resource(r))) => s.timeline.kind_of(r),
                        _ => None,
                    },
                    _ => None,
                };
                placed.push((m.thread, m.name.clone(), position(&instrs, state, before, kind, mode), m.doing.clone()));
            }
        }
        let running: Vec<&(u32, String, Where, String)> = placed.iter().filter(|p| p.2 == Where::Running).collect();
        if !running.is_empty() {
            ui.horizontal_wrapped(|ui| {
                for (th, name, _, doing) in running {
                    chip(ui, theme.thread_colour(*th), name).on_hover_text(format!("{name}: {doing} on this line"));
                }
                ui.label(RichText::new("on this line (no single instruction: it is running)").weak().small());
            });
        }
        egui::ScrollArea::both().id_salt("bytecode-scroll").auto_shrink([false, false]).show(ui, |ui| {
            let mut last_code = usize::MAX;
            for (i, (code, x)) in by_code.iter().enumerate() {
                if *code != last_code {
                    last_code = *code;
                    let c = &listing.codes[*code];
                    let what = if *code == 0 {
                        "the module".to_string()
                    } else {
                        format!("{} (line {})", c.name, c.first_line)
                    };
                    ui.label(RichText::new(format!("in {what}")).small().color(theme.reference));
                }
                ui.horizontal(|ui| {
                    ui.spacing_mut().item_spacing.x = 6.0;
                    let sw = switch_point(x, mode) && mode != GilMode::Cpython39;
                    ui.add_sized(
                        [14.0, 14.0],
                        egui::Label::new(
                            RichText::new(if sw { "↔" } else { " " }).monospace().color(theme.waiting_gil),
                        ),
                    )
                    .on_hover_text(if sw {
                        "The eval breaker is checked here: another thread may take the GIL"
                    } else {
                        ""
                    });
                    ui.label(RichText::new(format!("{:>4}", x.offset)).monospace().weak());
                    for (th, name, w, doing) in &placed {
                        let (here, sure) = match w {
                            Where::At(k) => (*k == i, true),
                            Where::OneOf(ks) => (ks.contains(&i), false),
                            Where::Running => (false, false),
                        };
                        if here {
                            let hover = if sure {
                                format!("{name}: {doing}, at this instruction")
                            } else {
                                format!("{name}: {doing}, at one of the marked instructions")
                            };
                            let c = theme.thread_colour(*th);
                            chip(ui, if sure { c } else { c.gamma_multiply(0.5) }, name).on_hover_text(hover);
                        }
                    }
                    let mut text = x.op.to_string();
                    if let Some(a) = x.arg {
                        text.push_str(&format!(" {a}"));
                        if !x.argrepr.is_empty() {
                            text.push_str(&format!(" ({})", x.argrepr));
                        }
                    }
                    ui.label(RichText::new(text).monospace());
                });
            }
        });
    }
}

/// A thread's name on its colour.
fn chip(ui: &mut egui::Ui, colour: Color32, name: &str) -> egui::Response {
    let text = RichText::new(format!(" {name} ")).small().color(crate::theme::text_on(colour)).background_color(colour);
    ui.label(text)
}
