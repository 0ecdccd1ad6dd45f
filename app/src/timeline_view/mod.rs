//! The timeline widget: a time axis, a GIL lane per process, a lane per thread, a lane per
//! lock, step plots for semaphore counters and queue lengths, value plots for variables,
//! handoff arrows, error markers, the cursor and the deadlock highlight. Drag pans,
//! Ctrl+scroll zooms around the mouse, double-click fits, click sets the cursor.

use crate::layout::{
    LABEL_MARGIN, LabelFit, MIN_NS_PER_PX, Span, TimeAxis, fit_label, format_time, tick_step_ns, visible_spans,
};
use crate::theme::{Theme, text_on};
use egui::{Align2, Color32, FontId, Pos2, Rect, RichText, Sense, Stroke, Vec2};
use sim_core::event::WaitTarget;
use sim_core::model::ResourceKind;
use sim_core::timeline::{TaskState, ThreadState, Timeline};
use sim_core::words;

mod lanes;
use lanes::*;

/// Width of the lane-label column.
pub const LABEL_W: f32 = 170.0;
/// Height of a thread, GIL or lock lane.
pub const LANE_H: f32 = 20.0;
/// Height of a plot lane.
pub const PLOT_H: f32 = 44.0;
/// Most arrows painted in one frame (beyond that they would be noise).
const MAX_ARROWS: usize = 400;

/// What a profile row selected, lit up on the timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Highlight {
    /// Where threads were at this source line.
    Line(u32),
    /// Where threads waited for this resource (or to join this thread).
    Wait(WaitTarget),
    /// This thread's lane.
    Thread(u32),
}

/// Height of the utilisation strip.
pub const UTIL_H: f32 = 26.0;

/// View state kept between frames.
#[derive(Clone, Debug)]
pub struct ViewState {
    /// The visible window (None until the first layout).
    pub axis: Option<TimeAxis>,
    /// Keep fitting the axis to the run as it grows.
    pub follow: bool,
    /// The cursor (a clicked instant), ns.
    pub cursor_ns: Option<f64>,
    /// A click on a thread's lane: (thread, instant), for the code panel to show its line.
    pub picked: Option<(u32, u64)>,
    /// A click on an asyncio task's lane: the line the task was at.
    pub picked_line: Option<u32>,
    /// A source line to light up: where threads were at it.
    pub hover_line: Option<u32>,
    /// What the Profile panel's selected row lights up.
    pub highlight: Option<Highlight>,
    /// A range selected with Shift+drag: (from, to) ns.
    pub range: Option<(u64, u64)>,
    /// Where a Shift+drag began.
    range_anchor: Option<u64>,
    /// The range as of the end of the last Shift+drag (what the profile uses: it is not
    /// recomputed at every frame of a drag).
    settled_range: Option<(u64, u64)>,
    /// The critical path to draw over the lanes (latest span first), when shown.
    pub path: Option<std::sync::Arc<Vec<sim_core::profile::PathSpan>>>,
    /// A window asked for before the first layout knows the plot's width: (start, width) ns.
    pub zoom_request: Option<(f64, f64)>,
}

impl ViewState {
    /// The range the profile covers: the selected one once its Shift+drag has ended.
    pub fn profile_range(&self) -> Option<(u64, u64)> {
        if self.range_anchor.is_some() { self.settled_range } else { self.range }
    }

    /// Select `range` (None: the whole run).
    pub fn set_range(&mut self, range: Option<(u64, u64)>) {
        self.range = range;
        self.settled_range = range;
        self.range_anchor = None;
    }
}

impl Default for ViewState {
    fn default() -> Self {
        Self {
            axis: None,
            follow: true,
            cursor_ns: None,
            picked: None,
            picked_line: None,
            hover_line: None,
            highlight: None,
            range: None,
            range_anchor: None,
            settled_range: None,
            path: None,
            zoom_request: None,
        }
    }
}

/// One row of the timeline.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Row {
    /// The GIL of a process.
    Gil(usize),
    /// A thread.
    Thread(u32),
    /// A lock-like resource's holders.
    Holders(u32),
    /// A counter plot (semaphore value, queue length, pool task queue).
    Counter(u32),
    /// A variable's value plot.
    Var(u32),
    /// A queue's items at the cursor (or now), as boxes.
    Items(u32),
    /// An Event's flag.
    Flag(u32),
    /// An asyncio task.
    Task(u32),
    /// How many threads of a process ran, and how many wanted to.
    Util(usize),
}

/// The rows to show, in order, with their heights.
pub fn rows(tl: &Timeline) -> Vec<(Row, f32)> {
    let mut out = Vec::new();
    for (p, u) in tl.util.iter().enumerate() {
        if !u.is_empty() {
            out.push((Row::Util(p), UTIL_H));
        }
    }
    for (p, g) in tl.gils.iter().enumerate() {
        if !g.phases.is_empty() {
            out.push((Row::Gil(p), LANE_H));
        }
    }
    for t in 0..tl.threads.len() {
        out.push((Row::Thread(t as u32), LANE_H));
        // The asyncio tasks this thread's event loop runs, under it.
        for (k, task) in tl.tasks.iter().enumerate() {
            if task.thread == t as u32 {
                out.push((Row::Task(k as u32), LANE_H));
            }
        }
    }
    for (r, meta) in tl.resource_meta.iter().enumerate() {
        let r = r as u32;
        match meta.kind {
            ResourceKind::Lock | ResourceKind::Rlock | ResourceKind::Condition => out.push((Row::Holders(r), LANE_H)),
            ResourceKind::Semaphore | ResourceKind::BoundedSemaphore => {
                out.push((Row::Holders(r), LANE_H));
                out.push((Row::Counter(r), PLOT_H));
            }
            ResourceKind::Queue => {
                out.push((Row::Counter(r), PLOT_H));
                out.push((Row::Items(r), LANE_H));
            }
            ResourceKind::Pool | ResourceKind::Barrier => out.push((Row::Counter(r), PLOT_H)),
            ResourceKind::Event => out.push((Row::Flag(r), LANE_H)),
            ResourceKind::Pipe => {}
        }
    }
    for v in 0..tl.vars.len() {
        if !tl.vars[v].series.is_empty() {
            out.push((Row::Var(v as u32), PLOT_H));
        }
    }
    out
}

fn row_label(tl: &Timeline, row: Row) -> String {
    match row {
        Row::Gil(p) => format!(
            "GIL{} · {}",
            if tl.gil_inferred.is_some() { " (inferred)" } else { "" },
            tl.process_meta.get(p).map_or("?", |m| m.name.as_str())
        ),
        Row::Util(p) => format!("ran / wanted to · {}", tl.process_meta.get(p).map_or("?", |m| m.name.as_str())),
        Row::Thread(t) => {
            let m = &tl.thread_meta[t as usize];
            format!("{}{}", m.name, if m.daemon { " (daemon)" } else { "" })
        }
        Row::Holders(r) => {
            let m = &tl.resource_meta[r as usize];
            format!("{} · {}", m.name, m.kind.python_name().trim_start_matches("threading."))
        }
        Row::Counter(r) => {
            let m = &tl.resource_meta[r as usize];
            match m.kind {
                ResourceKind::Queue => format!("{} length", m.name),
                ResourceKind::Pool => format!("{} task queue", m.name),
                ResourceKind::Barrier => format!("{} · Barrier of {}: waiting", m.name, m.capacity),
                _ => format!("{} counter", m.name),
            }
        }
        Row::Var(v) => format!("{} (race-free dashed)", tl.var_names[v as usize]),
        Row::Items(r) => format!("{} items", tl.resource_meta[r as usize].name),
        Row::Flag(r) => format!("{} · Event", tl.resource_meta[r as usize].name),
        Row::Task(k) => tl.tasks[k as usize].title(),
    }
}

fn thread_name(tl: &Timeline, t: u32) -> &str {
    tl.thread_meta.get(t as usize).map_or("?", |m| m.name.as_str())
}

fn res_name(tl: &Timeline, r: u32) -> &str {
    tl.resource_meta.get(r as usize).map_or("?", |m| m.name.as_str())
}

/// Draw the timeline, with hover text for the lane under the pointer.
/// `fit_end_ns` is the end the axis fits to (the longer run when two are compared on one
/// axis); `fill` takes the rest of the height.
pub fn timeline_ui(
    ui: &mut egui::Ui,
    tl: &Timeline,
    view: &mut ViewState,
    theme: &Theme,
    live: bool,
    fit_end_ns: u64,
    fill: bool,
) {
    let rows = rows(tl);
    let height: f32 = 22.0 + rows.iter().map(|r| r.1 + 2.0).sum::<f32>();
    let width = ui.available_width();
    let height = if fill { height.max(ui.available_height()) } else { height };
    let (rect, response) = ui.allocate_exact_size(Vec2::new(width, height), Sense::click_and_drag());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Canvas, true, "Timeline"));
    if !ui.is_rect_visible(rect) {
        return;
    }
    let plot_left = rect.left() + LABEL_W;
    let plot_w = (rect.width() - LABEL_W - 8.0).max(50.0) as f64;
    let end_ns = tl.end_ns;
    let fitted = TimeAxis::fit(end_ns.max(fit_end_ns), plot_left as f64, plot_w);
    let mut axis = match (view.axis, view.zoom_request.take()) {
        (_, Some((start_ns, width_ns))) => {
            TimeAxis { start_ns, ns_per_px: (width_ns / plot_w).max(MIN_NS_PER_PX), ..fitted }
        }
        (Some(a), None) if !view.follow => TimeAxis { left_x: plot_left as f64, width_px: plot_w, ..a },
        _ => fitted,
    };

    // Interaction.
    let hover = response.hover_pos();
    let shift = ui.input(|i| i.modifiers.shift);
    if response.drag_started()
        && shift
        && let Some(p) = response.interact_pointer_pos()
    {
        view.range_anchor = Some(axis.time_from_x(p.x as f64).max(0.0) as u64);
    }
    if response.dragged() {
        match (view.range_anchor, response.interact_pointer_pos()) {
            // Shift+drag selects a range (the Profile panel profiles it).
            (Some(a), Some(p)) => {
                let b = axis.time_from_x(p.x as f64).max(0.0) as u64;
                view.range = Some((a.min(b), a.max(b)));
            }
            _ => {
                axis.pan_px(response.drag_delta().x as f64);
                view.follow = false;
            }
        }
    }
    if response.drag_stopped() && view.range_anchor.take().is_some() {
        view.settled_range = view.range;
    }
    let zoom = ui.input(|i| i.zoom_delta());
    if let Some(p) = hover
        && zoom != 1.0
    {
        axis.zoom_around(p.x as f64, zoom as f64);
        view.follow = false;
    }
    if response.double_clicked() {
        axis = fitted;
        view.follow = true;
    } else if response.clicked()
        && let Some(p) = response.interact_pointer_pos()
        && p.x >= plot_left
    {
        view.cursor_ns = Some(axis.time_from_x(p.x as f64).max(0.0));
    }
    view.axis = Some(axis);

    let painter = ui.painter_at(rect);
    let font = FontId::proportional(12.0);
    let small = FontId::proportional(10.5);

    // Axis and grid.
    let step = tick_step_ns(axis.ns_per_px, 90.0);
    let first_tick = (axis.start_ns.max(0.0) / step).ceil() * step;
    let mut t = first_tick;
    while t <= axis.end_ns() {
        let x = axis.x_from_time(t) as f32;
        painter
            .line_segment([Pos2::new(x, rect.top() + 16.0), Pos2::new(x, rect.bottom())], Stroke::new(1.0, theme.grid));
        painter.text(
            Pos2::new(x + 2.0, rect.top() + 2.0),
            Align2::LEFT_TOP,
            format_time(t, step),
            small.clone(),
            theme.text,
        );
        t += step;
    }

    // Lanes.
    let mut y = rect.top() + 22.0;
    let mut thread_y = vec![0.0f32; tl.threads.len()];
    let mut task_y = vec![None::<f32>; tl.tasks.len()];
    let mut hover_text: Option<String> = None;
    let t_hover = hover.filter(|p| p.x >= plot_left).map(|p| axis.time_from_x(p.x as f64).max(0.0) as u64);
    for &(row, h) in &rows {
        let lane = Rect::from_min_size(Pos2::new(plot_left, y), Vec2::new(plot_w as f32, h));
        painter.rect_filled(lane, 0.0, theme.lane_bg);
        let label_rect = Rect::from_min_size(Pos2::new(rect.left(), y), Vec2::new(LABEL_W - 6.0, h));
        ui.painter_at(label_rect).text(
            Pos2::new(label_rect.right(), y + h / 2.0),
            Align2::RIGHT_CENTER,
            row_label(tl, row),
            font.clone(),
            theme.text,
        );
        let over = hover.is_some_and(|p| p.y >= y && p.y < y + h);
        let cx = LaneCx {
            tl,
            painter: &painter,
            axis: &axis,
            theme,
            small: &small,
            lane,
            end_ns,
            over,
            hover_t: if over { t_hover } else { None },
        };
        if let Row::Task(k) = row {
            task_y[k as usize] = Some(y + h / 2.0);
            // A click on a task's bar: the code panel shows the line it was at.
            if over
                && response.clicked()
                && let Some(t) = t_hover
            {
                view.picked_line = tl.task_line_at(k as usize, t);
            }
        }
        if let Row::Thread(th) = row {
            thread_y[th as usize] = y + h / 2.0;
            if over
                && response.clicked()
                && let Some(t) = t_hover
            {
                view.picked = Some((th, t));
            }
        }
        let text = match row {
            Row::Thread(th) => paint_thread_lane(&cx, th, view.hover_line, view.highlight),
            Row::Util(p) => paint_util_lane(&cx, p),
            Row::Gil(p) => paint_gil_lane(&cx, p),
            Row::Holders(r) => paint_holders_lane(&cx, r),
            Row::Counter(r) => paint_counter_lane(&cx, r),
            Row::Flag(r) => paint_flag_lane(&cx, r),
            Row::Items(r) => paint_items_lane(&cx, r, view.cursor_ns.map_or(end_ns, |c| c as u64), step),
            Row::Var(v) => paint_var_lane(&cx, v),
            Row::Task(k) => paint_task_lane(&cx, k),
        };
        if text.is_some() {
            hover_text = text;
        }
        y += h + 2.0;
    }

    // Arrows: lock handoffs and queue/pipe deliveries, then GIL handoffs when zoomed in.
    let (t0, t1) = (axis.start_ns, axis.end_ns());
    let visible = |a: u64, b: u64| (b as f64) >= t0 && (a as f64) <= t1;
    let arrow = |from: (u32, u64), to: (u32, u64), colour: Color32| {
        let p0 = Pos2::new(axis.x_from_time(from.1 as f64) as f32, thread_y[from.0 as usize]);
        let p1 = Pos2::new(axis.x_from_time(to.1 as f64) as f32, thread_y[to.0 as usize]);
        painter.arrow(p0, p1 - p0, Stroke::new(1.0, colour));
    };
    for a in tl.arrows.iter().filter(|a| visible(a.from_ns, a.to_ns)).take(MAX_ARROWS) {
        arrow((a.from, a.from_ns), (a.to, a.to_ns), theme.arrow);
    }
    // Between asyncio tasks: who created whom (dim), who made whom ready (bright).
    for a in tl.task_arrows.iter().filter(|a| visible(a.t_ns, a.t_ns)).take(MAX_ARROWS) {
        let (Some(Some(y0)), Some(Some(y1))) = (task_y.get(a.from as usize), task_y.get(a.to as usize)) else {
            continue;
        };
        let x = axis.x_from_time(a.t_ns as f64) as f32;
        if x < plot_left {
            continue;
        }
        let colour = match a.kind {
            sim_core::timeline::TaskEdge::Spawn => theme.text.gamma_multiply(0.5),
            sim_core::timeline::TaskEdge::Wake => theme.arrow,
        };
        let (p0, p1) = (Pos2::new(x, *y0), Pos2::new(x, *y1));
        painter.arrow(p0, p1 - p0, Stroke::new(1.0, colour));
    }
    // Only handoffs where the next holder was already waiting (not a GIL that lay free).
    const HANDOFF_GAP_NS: u64 = 1_000_000;
    let gil_handoffs: Vec<_> = tl
        .gils
        .iter()
        .flat_map(|g| g.handoffs.iter())
        .filter(|h| {
            (h.forced || h.acquired_ns - h.released_ns < HANDOFF_GAP_NS) && visible(h.released_ns, h.acquired_ns)
        })
        .collect();
    if gil_handoffs.len() <= 80 {
        for h in gil_handoffs {
            arrow((h.from, h.released_ns), (h.to, h.acquired_ns), theme.arrow);
        }
    }

    // The critical path: a bar along the bottom of the lane of the thread on it, and a
    // line where it passes from one thread to another.
    if let Some(path) = &view.path {
        paint_path(&painter, path, &thread_y, &axis, theme, plot_left);
    }
    // The selected range.
    if let Some((a, b)) = view.range {
        let x0 = (axis.x_from_time(a as f64) as f32).max(plot_left);
        let x1 = (axis.x_from_time(b as f64) as f32).min(rect.right());
        if x1 > x0 {
            let band = Rect::from_min_max(Pos2::new(x0, rect.top() + 16.0), Pos2::new(x1, y));
            painter.rect_filled(band, 0.0, theme.cursor.gamma_multiply(0.12));
            painter.rect_stroke(band, 0.0, Stroke::new(1.0, theme.cursor), egui::StrokeKind::Inside);
        }
    }

    // Deadlock: highlight the cycle's lanes.
    if let Some((t_dl, edges)) = &tl.deadlock {
        let x = axis.x_from_time(*t_dl as f64) as f32;
        for e in edges {
            let ty = thread_y[e.thread as usize];
            painter.rect_stroke(
                Rect::from_min_max(
                    Pos2::new(plot_left, ty - LANE_H / 2.0),
                    Pos2::new(x.max(plot_left), ty + LANE_H / 2.0),
                ),
                2.0,
                Stroke::new(2.0, theme.deadlock),
                egui::StrokeKind::Inside,
            );
        }
        painter.line_segment([Pos2::new(x, rect.top()), Pos2::new(x, y)], Stroke::new(2.0, theme.deadlock));
    }

    // Cursor.
    if let Some(c) = view.cursor_ns {
        let x = axis.x_from_time(c) as f32;
        if x >= plot_left {
            painter.line_segment([Pos2::new(x, rect.top()), Pos2::new(x, y)], Stroke::new(1.5, theme.cursor));
            painter.text(
                Pos2::new(x + 3.0, rect.top() + 2.0),
                Align2::LEFT_TOP,
                format_time(c, step / 10.0),
                small,
                theme.cursor,
            );
        }
    }
    if live && view.follow {
        ui.ctx().request_repaint();
    }
    if let Some(text) = hover_text {
        response.on_hover_text_at_pointer(text);
    }
}

/// The legend: every state colour with its words (the asyncio task states only when the run
/// has tasks), and how holders and exceptions are drawn.
pub fn legend_ui(ui: &mut egui::Ui, theme: &Theme, tasks: bool) {
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing.x = 4.0;
        let swatch = |ui: &mut egui::Ui, c: Color32| {
            let (r, _) = ui.allocate_exact_size(Vec2::new(11.0, 11.0), Sense::hover());
            ui.painter().rect_filled(r, 2.0, c);
        };
        for s in [
            ThreadState::Running,
            ThreadState::WaitingGil,
            ThreadState::Blocked(WaitTarget::Resource(0)),
            ThreadState::Io,
            ThreadState::Finished,
            ThreadState::Killed,
            ThreadState::Raised,
        ] {
            swatch(ui, theme.state(s));
            ui.label(match s {
                ThreadState::Io => "I/O or sleep",
                ThreadState::Killed => "killed or stopped",
                other => words::label(other),
            });
            ui.add_space(4.0);
        }
        let (r, _) = ui.allocate_exact_size(Vec2::new(11.0, 11.0), Sense::hover());
        let tri = vec![Pos2::new(r.center().x, r.top()), r.left_bottom(), r.right_bottom()];
        ui.painter().add(egui::Shape::convex_polygon(tri, theme.error, Stroke::NONE));
        ui.label("exception (outline: caught)").on_hover_text("Red means an error or a deadlock, nothing else");
        ui.label(RichText::new("· GIL and lock lanes: the holder's name on its own colour · arrows: handoffs").weak());
        if tasks {
            ui.label("· asyncio tasks:");
            for s in [TaskState::Ready, TaskState::Running, TaskState::Suspended] {
                swatch(ui, theme.task_state(s));
                ui.label(words::task_label(s));
                ui.add_space(4.0);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim_core::model::{ProcessMeta, ResourceInfo, ThreadMeta};

    fn res(name: &str, kind: ResourceKind) -> ResourceInfo {
        ResourceInfo { name: name.into(), kind, capacity: 2, style: None, duplex: None }
    }

    #[test]
    fn rows_are_gils_then_threads_then_each_resource_s_lanes() {
        let t = |n: &str| ThreadMeta { name: n.into(), process: 0, daemon: false, target: None };
        let tl = Timeline::new(
            &[t("MainThread"), t("Thread-1")],
            &[ProcessMeta { name: "MainProcess".into(), pid: 1 }],
            &[
                res("lock", ResourceKind::Lock),
                res("sem", ResourceKind::Semaphore),
                res("q", ResourceKind::Queue),
                res("ev", ResourceKind::Event),
                res("pipe", ResourceKind::Pipe),
            ],
            &[],
        );
        let got: Vec<Row> = rows(&tl).into_iter().map(|r| r.0).collect();
        // No GIL lane until the GIL has phases; a pipe has no lane of its own.
        assert_eq!(
            got,
            [
                Row::Thread(0),
                Row::Thread(1),
                Row::Holders(0),
                Row::Holders(1),
                Row::Counter(1),
                Row::Counter(2),
                Row::Items(2),
                Row::Flag(3)
            ]
        );
        let h: f32 = rows(&tl).iter().map(|r| r.1).sum();
        assert_eq!(h, 6.0 * LANE_H + 2.0 * PLOT_H);
    }
}
