//! The scheduler game: a button per thread at each choice point, back, run to the end, the verdict.

use crate::app::{Command, GameCmd, ThreadlineApp};
use egui::RichText;

impl ThreadlineApp {
    /// Playing the scheduler: a button per thread that can run at the pending choice point
    /// (with the line it will run), the others with why they cannot; back one step, run to
    /// the end; the schedule so far. When the run has ended, the verdict in words.
    pub(super) fn scheduler_ui(&mut self, ui: &mut egui::Ui, cmds: &mut Vec<Command>) {
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
                    Some((step, d)) if matches!(d.kind, sim_core::control::DecisionKind::Handoff { .. }) => {
                        // A lock released while threads wait: does one of them take it now?
                        let sim_core::control::DecisionKind::Handoff { res, releaser, waiters } = &d.kind else {
                            return;
                        };
                        let lock = tl.resource_name(*res);
                        ui.label(RichText::new(format!("You are the scheduler — choice {}", step + 1)).strong());
                        ui.label(
                            RichText::new(format!(
                                "{} released {lock} while {} waited for it. A waiting thread sleeps in acquire() \
                                 without the GIL, so the OS may give it the lock at once: it then holds {lock} \
                                 while {} runs on.",
                                name(*releaser),
                                waiters.iter().map(|t| name(*t)).collect::<Vec<_>>().join(" and "),
                                name(*releaser)
                            ))
                            .weak(),
                        );
                        if let Some(g) = game.handle.guide_choice() {
                            ui.horizontal_wrapped(|ui| {
                                let what = match g {
                                    0 => "leaves it free".to_string(),
                                    k => format!("gives it to {}", name(waiters[(k - 1) as usize])),
                                };
                                ui.label(format!("The schedule {what} here."));
                                if ui.small_button("Follow it").clicked() {
                                    cmds.push(Command::Game(GameCmd::Choose(g)));
                                }
                            });
                        }
                        if ui.button(format!("Leave {lock} free ({} may take it back)", name(*releaser))).clicked() {
                            cmds.push(Command::Game(GameCmd::Choose(0)));
                        }
                        for (k, w) in waiters.iter().enumerate() {
                            if ui.button(format!("Give {lock} to {} now", name(*w))).clicked() {
                                cmds.push(Command::Game(GameCmd::Choose(k as u32 + 1)));
                            }
                        }
                    }
                    Some((step, d)) if matches!(d.kind, sim_core::control::DecisionKind::Ready { .. }) => {
                        // An event loop's ready queue: which callback runs first.
                        let sim_core::control::DecisionKind::Ready { loop_thread, names } = &d.kind else {
                            return;
                        };
                        ui.label(RichText::new(format!("You are the scheduler — choice {}", step + 1)).strong());
                        ui.label(
                            RichText::new(format!(
                                "The event loop on {} has {} callbacks ready: which runs first? (CPython runs \
                                 them in the order they became ready: the first one.)",
                                name(*loop_thread),
                                names.len()
                            ))
                            .weak(),
                        );
                        if let Some(g) = game.handle.guide_choice() {
                            ui.horizontal_wrapped(|ui| {
                                let what = names.get(g as usize).cloned().unwrap_or_default();
                                ui.label(format!("The schedule runs {what} here."));
                                if ui.small_button("Follow it").clicked() {
                                    cmds.push(Command::Game(GameCmd::Choose(g)));
                                }
                            });
                        }
                        for (k, line) in &d.enabled {
                            let what = names.get(*k as usize).cloned().unwrap_or_default();
                            if ui.button(format!("Run {what} first")).clicked() {
                                cmds.push(Command::Game(GameCmd::Choose(*k)));
                            }
                            if *line > 0 {
                                ui.horizontal(|ui| {
                                    ui.add_space(12.0);
                                    let text = format!("line {line}: {}", line_text(*line));
                                    ui.add(egui::Label::new(RichText::new(text).monospace()).truncate());
                                });
                            }
                        }
                    }
                    Some((step, d)) => {
                        ui.label(RichText::new(format!("You are the scheduler — choice {}", step + 1)).strong());
                        ui.label(RichText::new("Who runs next, until the next switch point?").weak());
                        if let Some(g) = game.handle.guide_choice() {
                            ui.horizontal_wrapped(|ui| {
                                ui.label(format!("The schedule runs {} here.", name(g)));
                                if ui.small_button("Follow it").clicked() {
                                    cmds.push(Command::Game(GameCmd::Choose(g)));
                                }
                            });
                        }
                        for (t, line) in &d.enabled {
                            let label = format!("Run {}", name(*t));
                            let b = ui.button(label).on_hover_text(format!("T{t}: runs from line {line}"));
                            if b.clicked() {
                                cmds.push(Command::Game(GameCmd::Choose(*t)));
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
                        cmds.push(Command::Game(GameCmd::StepBack));
                    }
                    if ui
                        .button("Run to the end")
                        .on_hover_text(
                            "Stop choosing: the current thread runs on while it can, then the first runnable one",
                        )
                        .clicked()
                    {
                        cmds.push(Command::Game(GameCmd::AutoRun));
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
                // A challenge: the game judged against its goal, the moment it ended.
                if let Some(p) = game.played.as_ref().filter(|p| p.goal.is_some()) {
                    let text = RichText::new(&p.words).strong();
                    ui.add(
                        egui::Label::new(if p.reached { text.color(ui.visuals().hyperlink_color) } else { text })
                            .wrap(),
                    );
                }
                if ui
                    .add_enabled(!history.is_empty(), egui::Button::new("Back one step"))
                    .on_hover_text("Re-run with the same choices but the last one, and choose again")
                    .clicked()
                {
                    cmds.push(Command::Game(GameCmd::StepBack));
                }
            }
            if let Some(sched) = s.trace().and_then(|t| t.meta.schedule.clone()) {
                ui.horizontal_wrapped(|ui| {
                    ui.label(RichText::new(format!("Schedule: {sched}")).monospace());
                    if ui.small_button("Copy").on_hover_text("Replay it: threadline run FILE --schedule '…'").clicked()
                    {
                        ui.ctx().copy_text(sched.clone());
                    }
                });
            } else if !history.is_empty() {
                let so_far = game.handle.history_words();
                ui.label(RichText::new(format!("Choices so far: {}", so_far.join(" "))).monospace().weak());
            }
        });
    }
}
