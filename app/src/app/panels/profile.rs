//! The Profile panel (F6), beside the timeline: where the time went — the headline, then
//! sortable tables by line, resource and thread, the critical path and an icicle view
//! (thread → line → what it waited for). Selecting a row lights up its spans on the
//! timeline and its line in the code panel. With a range selected on the timeline
//! (Shift+drag), the tables are the range's.

use crate::app::{CodeCmd, Command, ThreadlineApp};
use crate::theme::Theme;
use crate::timeline_view::Highlight;
use egui::{Color32, RichText, Sense, Vec2};
use serde::{Deserialize, Serialize};
use sim_core::profile::{Profile, Times, part_words};

/// Which view of the profile is shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProfileTab {
    /// Per source line.
    #[default]
    Lines,
    /// Per resource.
    Resources,
    /// Per thread.
    Threads,
    /// The critical path.
    Path,
    /// Thread → line → what it waited for.
    Icicle,
}

/// The panel's state between frames.
#[derive(Clone, Debug, Default)]
pub struct ProfileUi {
    /// The sort column (0: the name column) and whether it is descending.
    pub sort: (usize, bool),
    /// The frame of the last toggle: egui may run a frame's layout twice with the same
    /// input (a discarded sizing pass), and a click must toggle once.
    toggled_in: Option<u64>,
}

impl ProfileUi {
    /// Whether a toggle may happen in frame `frame` (once per frame).
    fn toggle_once(&mut self, frame: u64) -> bool {
        let first = self.toggled_in != Some(frame);
        self.toggled_in = Some(frame);
        first
    }
}

/// The columns of the time tables.
const TIME_COLS: [&str; 4] = ["running", "GIL wait", "blocked", "I/O, sleep"];

fn time_cols(t: &Times) -> [f64; 4] {
    [t.running_ms, t.gil_wait_ms, t.blocked_ms, t.io_ms]
}

fn fmt_ms(ms: f64) -> String {
    crate::layout::format_duration(ms * 1e6)
}

impl ThreadlineApp {
    pub(in crate::app) fn profile_ui(&mut self, ui: &mut egui::Ui, theme: &Theme, cmds: &mut Vec<Command>) {
        let Some(s) = &self.session else {
            ui.label(RichText::new("Run a scenario: where its time went appears here.").weak());
            return;
        };
        let p = s.profile(self.view.profile_range());
        ui.horizontal_wrapped(|ui| match p.headline() {
            Some(h) => {
                let live = if s.is_live() { " (so far)" } else { "" };
                ui.label(RichText::new(format!("{}{live}", h.words())).strong());
                if h.line != 0 && ui.small_button(format!("Show line {}", h.line)).clicked() {
                    self.view.highlight = Some(Highlight::Line(h.line));
                    cmds.push(Command::Code(CodeCmd::GotoLine(h.line)));
                }
            }
            None => {
                ui.label(RichText::new("No thread has waited yet.").weak());
            }
        });
        ui.horizontal_wrapped(|ui| {
            for (tab, label) in [
                (ProfileTab::Lines, "By line"),
                (ProfileTab::Resources, "By resource"),
                (ProfileTab::Threads, "By thread"),
                (ProfileTab::Path, "Critical path"),
                (ProfileTab::Icicle, "Icicle"),
            ] {
                if ui.selectable_label(self.persisted.profile_tab == tab, label).clicked() {
                    self.persisted.profile_tab = tab;
                    self.profile_view.sort = (0, false);
                }
            }
            ui.separator();
            let mut show_path = self.persisted.show_critical_path;
            if ui
                .checkbox(&mut show_path, "critical path on the timeline")
                .on_hover_text("The chain of spans and wake-ups that bounds the run's wall time: what to make faster")
                .changed()
            {
                self.persisted.show_critical_path = show_path;
            }
            ui.separator();
            match self.view.range {
                Some((a, b)) => {
                    ui.label(format!(
                        "range {} – {}",
                        crate::layout::format_duration(a as f64),
                        crate::layout::format_duration(b as f64)
                    ));
                    if ui.small_button("Whole run").clicked() {
                        self.view.set_range(None);
                    }
                }
                None => {
                    ui.label(RichText::new("whole run (Shift+drag the timeline for a range)").weak());
                }
            }
        });
        ui.separator();
        let mut select: Option<(Highlight, Option<u32>)> = None;
        match self.persisted.profile_tab {
            ProfileTab::Lines => {
                let rows: Vec<(String, [f64; 4], Highlight, Option<u32>)> = p
                    .lines
                    .iter()
                    .map(|l| {
                        let name = if l.line == 0 { "no line".into() } else { format!("line {}", l.line) };
                        (name, time_cols(&l.times), Highlight::Line(l.line), Some(l.line).filter(|l| *l != 0))
                    })
                    .collect();
                select = self.time_table(ui, "line", &rows);
            }
            ProfileTab::Threads => {
                let rows: Vec<(String, [f64; 4], Highlight, Option<u32>)> = p
                    .threads
                    .iter()
                    .enumerate()
                    .map(|(i, t)| (t.name.clone(), time_cols(&t.times), Highlight::Thread(i as u32), None))
                    .collect();
                select = self.time_table(ui, "thread", &rows);
            }
            ProfileTab::Resources => select = self.resource_table(ui, &p),
            ProfileTab::Path => path_ui(ui, &p),
            ProfileTab::Icicle => select = icicle_ui(ui, &p, theme),
        }
        if let Some((h, line)) = select
            && self.profile_view.toggle_once(ui.ctx().cumulative_frame_nr())
        {
            self.view.highlight = if self.view.highlight == Some(h) { None } else { Some(h) };
            if let Some(l) = line {
                cmds.push(Command::Code(CodeCmd::GotoLine(l)));
            }
        }
    }

    /// A sortable table of times: the name column, then running, GIL wait, blocked, I/O.
    /// Returns the row clicked.
    fn time_table(
        &mut self,
        ui: &mut egui::Ui,
        what: &str,
        rows: &[(String, [f64; 4], Highlight, Option<u32>)],
    ) -> Option<(Highlight, Option<u32>)> {
        let mut order: Vec<usize> = (0..rows.len()).collect();
        let (col, desc) = self.profile_view.sort;
        if col == 0 {
            // Default: most waiting first.
            order.sort_by(|a, b| {
                let w = |r: &[f64; 4]| r[1] + r[2] + r[3];
                w(&rows[*b].1).total_cmp(&w(&rows[*a].1))
            });
            if desc {
                order.reverse();
            }
        } else {
            order.sort_by(|a, b| rows[*a].1[col - 1].total_cmp(&rows[*b].1[col - 1]));
            if desc {
                order.reverse();
            }
        }
        let mut clicked = None;
        let highlight = self.view.highlight;
        egui::ScrollArea::both().id_salt("profile-table").auto_shrink([false, false]).show(ui, |ui| {
            egui::Grid::new(format!("profile-{what}")).striped(true).num_columns(5).show(ui, |ui| {
                let head = format!("{what} (most waiting first)");
                for (i, h) in std::iter::once(head.as_str()).chain(TIME_COLS).enumerate() {
                    let arrow = if self.profile_view.sort.0 == i && i > 0 {
                        if self.profile_view.sort.1 { " ▼" } else { " ▲" }
                    } else {
                        ""
                    };
                    if ui
                        .add(egui::Button::new(RichText::new(format!("{h}{arrow}")).strong()).frame(false))
                        .on_hover_text("Sort by this column")
                        .clicked()
                        && self.profile_view.toggle_once(ui.ctx().cumulative_frame_nr())
                    {
                        self.profile_view.sort =
                            if self.profile_view.sort.0 == i { (i, !self.profile_view.sort.1) } else { (i, i > 0) };
                    }
                }
                ui.end_row();
                for &k in &order {
                    let (name, cols, h, line) = &rows[k];
                    let on = highlight == Some(*h);
                    if ui
                        .selectable_label(on, name)
                        .on_hover_text("Light up on the timeline (and show the line)")
                        .clicked()
                    {
                        clicked = Some((*h, *line));
                    }
                    for v in cols {
                        ui.label(if *v > 0.0 { fmt_ms(*v) } else { "—".into() });
                    }
                    ui.end_row();
                }
            });
        });
        clicked
    }

    fn resource_table(&mut self, ui: &mut egui::Ui, p: &Profile) -> Option<(Highlight, Option<u32>)> {
        let mut clicked = None;
        let highlight = self.view.highlight;
        egui::ScrollArea::both().id_salt("profile-res").auto_shrink([false, false]).show(ui, |ui| {
            if p.resources.is_empty() {
                ui.label(RichText::new("No thread waited for a lock, a queue, an event or a join.").weak());
            }
            egui::Grid::new("profile-resources").striped(true).num_columns(5).show(ui, |ui| {
                for h in ["resource (most blocked first)", "blocked", "waits", "longest wait", "held"] {
                    ui.label(RichText::new(h).strong());
                }
                ui.end_row();
                for r in &p.resources {
                    let h = r.target.map(Highlight::Wait);
                    let on = h.is_some() && highlight == h;
                    let label = format!("{} · {}", r.name, r.kind);
                    if ui
                        .selectable_label(on, label)
                        .on_hover_text("Light up the waits for it on the timeline")
                        .clicked()
                        && let Some(h) = h
                    {
                        clicked = Some((h, None));
                    }
                    ui.label(fmt_ms(r.blocked_ms));
                    ui.label(r.waits.to_string());
                    ui.label(fmt_ms(r.longest_wait_ms));
                    ui.label(match (r.hold_ms, r.holds) {
                        (Some(ms), Some(n)) => format!("{} in {n}", fmt_ms(ms)),
                        _ => "—".into(),
                    });
                    ui.end_row();
                    for hl in r.by_holder_line.iter().take(3) {
                        let text = format!(
                            "   held from line {}: {} in {}, longest {}",
                            hl.line,
                            fmt_ms(hl.hold_ms),
                            hl.holds,
                            fmt_ms(hl.longest_hold_ms)
                        );
                        if ui
                            .selectable_label(highlight == Some(Highlight::Line(hl.line)), RichText::new(text).weak())
                            .clicked()
                        {
                            clicked = Some((Highlight::Line(hl.line), Some(hl.line)));
                        }
                        ui.end_row();
                    }
                }
            });
        });
        clicked
    }
}

fn path_ui(ui: &mut egui::Ui, p: &Profile) {
    let cp = &p.critical_path;
    ui.add(
        egui::Label::new(format!(
            "The critical path is {} long ({} to {}): the chain of running spans and wake-ups that bounds the \
             run's wall time. Making anything off it faster does not end the run sooner.",
            fmt_ms(cp.total_ms),
            fmt_ms(cp.start_ms),
            fmt_ms(cp.end_ms)
        ))
        .wrap(),
    );
    egui::ScrollArea::vertical().id_salt("profile-path").auto_shrink([false, false]).show(ui, |ui| {
        for part in cp.parts.iter().take(40) {
            ui.horizontal(|ui| {
                let (r, _) = ui.allocate_exact_size(Vec2::new(60.0, 12.0), Sense::hover());
                ui.painter().rect_filled(r, 2.0, ui.visuals().faint_bg_color);
                let mut bar = r;
                bar.set_width(60.0 * part.share as f32);
                ui.painter().rect_filled(bar, 2.0, ui.visuals().selection.bg_fill);
                ui.label(format!("{:.1} %", part.share * 100.0));
                ui.add(egui::Label::new(part_words(part)).wrap());
            });
        }
    });
}

/// The icicle: a row of threads (width: their time), under each its lines, under each line
/// what the thread did there. Returns the (line) box clicked.
fn icicle_ui(ui: &mut egui::Ui, p: &Profile, theme: &Theme) -> Option<(Highlight, Option<u32>)> {
    let width = ui.available_width().max(100.0);
    let row_h = 22.0;
    let (rect, response) = ui.allocate_exact_size(Vec2::new(width, row_h * 3.0 + 4.0), Sense::click());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Canvas, true, "Icicle"));
    let painter = ui.painter_at(rect);
    let total: f64 = p.threads.iter().map(|t| t.times.total_ms()).sum();
    if total <= 0.0 {
        return None;
    }
    let font = egui::FontId::proportional(11.0);
    let mut hover: Option<String> = None;
    let mut clicked = None;
    let pointer = response.hover_pos();
    let mut boxed =
        |x0: f32, w: f32, row: usize, fill: Color32, text: &str, tip: String, sel: Option<(Highlight, Option<u32>)>| {
            if w < 0.5 {
                return;
            }
            let r = egui::Rect::from_min_size(
                egui::pos2(x0, rect.top() + row as f32 * (row_h + 2.0)),
                Vec2::new(w - 1.0, row_h),
            );
            painter.rect_filled(r, 2.0, fill);
            if w > 7.0 * text.len() as f32 * 0.8 {
                painter.text(
                    r.left_center() + Vec2::new(3.0, 0.0),
                    egui::Align2::LEFT_CENTER,
                    text,
                    font.clone(),
                    Color32::BLACK,
                );
            }
            if pointer.is_some_and(|p| r.contains(p)) {
                hover = Some(tip);
                if response.clicked() {
                    clicked = sel;
                }
            }
        };
    let mut x = rect.left();
    for (i, t) in p.threads.iter().enumerate() {
        let tw = (t.times.total_ms() / total) as f32 * width;
        boxed(
            x,
            tw,
            0,
            theme.thread_colour(i as u32).gamma_multiply(0.8),
            &t.name,
            format!("{}: {} in all", t.name, fmt_ms(t.times.total_ms())),
            Some((Highlight::Thread(i as u32), None)),
        );
        let mut lx = x;
        for l in &p.lines {
            let Some(lt) = l.by_thread.get(&(i as u32)) else { continue };
            let lw = (lt.total_ms() / total) as f32 * width;
            let name = if l.line == 0 { "no line".to_string() } else { format!("line {}", l.line) };
            boxed(
                lx,
                lw,
                1,
                theme.lane_bg.gamma_multiply(1.0),
                &name,
                format!("{}, {name}: {} in all", t.name, fmt_ms(lt.total_ms())),
                Some((Highlight::Line(l.line), Some(l.line).filter(|l| *l != 0))),
            );
            let mut kx = lx;
            let mut kinds: Vec<(String, f64, Color32, Option<Highlight>)> = vec![
                ("running".into(), lt.running_ms, theme.running, None),
                ("waiting for the GIL".into(), lt.gil_wait_ms, theme.waiting_gil, None),
                ("in I/O or sleep".into(), lt.io_ms, theme.io, None),
            ];
            for (res, ms) in &lt.by_resource {
                let target = p.resources.iter().find(|r| &r.name == res).and_then(|r| r.target);
                kinds.push((format!("blocked on {res}"), *ms, theme.blocked, target.map(Highlight::Wait)));
            }
            for (what, ms, colour, h) in kinds {
                let kw = (ms / total) as f32 * width;
                boxed(
                    kx,
                    kw,
                    2,
                    colour,
                    &what,
                    format!("{}, {name}: {what} {}", t.name, fmt_ms(ms)),
                    Some((h.unwrap_or(Highlight::Line(l.line)), Some(l.line).filter(|l| *l != 0))),
                );
                kx += kw;
            }
            lx += lw;
        }
        x += tw;
    }
    if let Some(h) = hover {
        response.on_hover_text_at_pointer(h);
    }
    clicked
}
