//! The bottom: the output, the run summary and the inspector at the cursor.

use crate::app::{CodeCmd, Command, ThreadlineApp};
use crate::session::Session;
use crate::theme::Theme;
use egui::RichText;
use sim_core::model::ResourceKind;

impl ThreadlineApp {
    pub(in crate::app) fn bottom_ui(&mut self, ui: &mut egui::Ui, theme: &Theme, cmds: &mut Vec<Command>) {
        if self.session.is_none() {
            ui.label(RichText::new("The printed output and the run summary appear here.").weak());
            return;
        }
        // The output on the left; on the right the summary, or the profile (wider).
        let (w, h) = (ui.available_width(), ui.available_height());
        let profile = self.persisted.show_profile;
        let left_w = (w * if profile { 0.3 } else { 0.5 }).floor() - 8.0;
        ui.horizontal_top(|ui| {
            ui.allocate_ui_with_layout(egui::vec2(left_w, h), egui::Layout::top_down(egui::Align::Min), |ui| {
                ui.set_min_size(egui::vec2(left_w, h));
                self.output_ui(ui, theme, cmds);
            });
            ui.separator();
            let rest = ui.available_width();
            ui.allocate_ui_with_layout(egui::vec2(rest, h), egui::Layout::top_down(egui::Align::Min), |ui| {
                ui.set_min_size(egui::vec2(rest, h));
                ui.horizontal(|ui| {
                    if ui.selectable_label(!profile, RichText::new("Summary").strong()).clicked() {
                        self.persisted.show_profile = false;
                    }
                    if ui
                        .selectable_label(profile, RichText::new("Profile (F6)").strong())
                        .on_hover_text("Where the time went: per line, per lock, per thread, and the critical path")
                        .clicked()
                    {
                        self.persisted.show_profile = true;
                    }
                });
                if profile {
                    self.profile_ui(ui, theme, cmds);
                } else {
                    self.summary_side_ui(ui, theme);
                }
            });
        });
    }

    /// The printed output.
    fn output_ui(&self, ui: &mut egui::Ui, theme: &Theme, cmds: &mut Vec<Command>) {
        let Some(s) = &self.session else { return };
        let tl = &s.timeline;
        ui.label(RichText::new("Output").strong());
        // Only the rows on screen are laid out: a run may print millions of lines.
        let row_h = ui.text_style_height(&egui::TextStyle::Monospace);
        egui::ScrollArea::both().id_salt("out").stick_to_bottom(true).auto_shrink([false, false]).show_rows(
            ui,
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
                                cmds.push(Command::Code(CodeCmd::GotoLine(n)));
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
    }

    /// The run summary (or two, side by side, when comparing) and the inspector at the cursor.
    fn summary_side_ui(&self, ui: &mut egui::Ui, theme: &Theme) {
        let Some(s) = &self.session else { return };
        let tl = &s.timeline;
        let compare = self.compare.as_ref();
        egui::ScrollArea::both().id_salt("side").auto_shrink([false, false]).show(ui, |ui| {
            match compare {
                None => summary_ui(ui, s, "summary"),
                Some(c) => {
                    let (sa, sb) = (s.summary(), c.summary());
                    let cmp = self.comparison(&sa, &sb);
                    let (only_here, only_there) = cmp.output;
                    if only_here == 0 && only_there == 0 {
                        let n = sa.output.len();
                        ui.label(format!("Output: the same {n} line{} in both runs.", if n == 1 { "" } else { "s" }));
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
                        sc[0].add(egui::Label::new(RichText::new(run_label(s)).weak()).truncate());
                        summary_ui(&mut sc[0], s, "summary");
                        sc[1].add(egui::Label::new(RichText::new(run_label(c)).weak()).truncate());
                        summary_ui(&mut sc[1], c, "summary-compare");
                    });
                }
            }
            ui.separator();
            ui.label(RichText::new("At the cursor").strong());
            match self.view.cursor_ns {
                None => {
                    ui.label(
                        RichText::new("Click the timeline to see every thread and resource at that instant.").weak(),
                    );
                }
                Some(t) => cursor_ui(ui, tl, t as u64, s.settings.switch_interval_ms),
            }
        });
    }
}

/// A short description of a run: scenario, sliders, GIL mode.
pub(in crate::app) fn run_label(s: &Session) -> String {
    let params: Vec<String> = s.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let how = match s.trace().and_then(|t| t.meta.recorded.as_ref()) {
        Some(r) if r.gil_inferred.is_some() => format!("recorded in CPython {} (GIL inferred)", r.python),
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
                    Some(c) if matches!(r.kind, ResourceKind::Semaphore | ResourceKind::BoundedSemaphore) => {
                        format!("max {h} holders of {c}")
                    }
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
    for k in 0..tl.tasks.len() {
        if tl.tasks[k].state_at(t).is_some() {
            ui.label(sim_core::words::task_sentence(tl, k, t));
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
            ResourceKind::Barrier => {
                let w = tl.waiters_at(r, t);
                let n = tl.counter_at(r, t).unwrap_or(0);
                if w.is_empty() || n == 0 {
                    format!("0 of {} parties waiting", m.capacity)
                } else {
                    format!("{n} of {} parties waiting: {}", m.capacity, names(w))
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
