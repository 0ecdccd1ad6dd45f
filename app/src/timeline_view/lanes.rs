//! Painting one lane of each kind: a thread's states, a task, the GIL, a resource's holders,
//! counter, flag or items, a shared variable; and the shapes they share.

use super::*;

/// What a lane painter needs: the lane's rectangle and how to draw in it.
#[derive(Clone, Copy)]
pub(super) struct LaneCx<'a> {
    pub(super) tl: &'a Timeline,
    pub(super) painter: &'a egui::Painter,
    pub(super) axis: &'a TimeAxis,
    pub(super) theme: &'a Theme,
    pub(super) small: &'a FontId,
    /// The lane (the plot area right of the labels).
    pub(super) lane: Rect,
    pub(super) end_ns: u64,
    /// The pointer is over this lane.
    pub(super) over: bool,
    /// The instant under the pointer, when it is over this lane.
    pub(super) hover_t: Option<u64>,
}

/// A thread's states, its errors, and the spans on the code panel's hovered line. Returns the hover text when the pointer is over the lane.
pub(super) fn paint_thread_lane(
    cx: &LaneCx<'_>,
    th: u32,
    hover_line: Option<u32>,
    highlight: Option<Highlight>,
) -> Option<String> {
    let LaneCx { tl, painter, axis, theme, small, end_ns, over, hover_t: t_hover, .. } = *cx;
    let (y, h, plot_left) = (cx.lane.top(), cx.lane.height(), cx.lane.left());
    let mut hover_text: Option<String> = None;
    let l = &tl.threads[th as usize];
    paint_spans(painter, &visible_spans(&l.phases, end_ns, axis, 1.0), y, h, |s| match s {
        ThreadState::NotStarted => None,
        s => Some(theme.state(s)),
    });
    let outline = |spans: &mut dyn Iterator<Item = (u64, u64)>| {
        // Spans closer than two pixels are outlined as one.
        let mut merged: Option<(f32, f32)> = None;
        let draw = |(x0, x1): (f32, f32)| {
            if x1 >= plot_left && x0 <= cx.lane.right() {
                let r = Rect::from_min_max(Pos2::new(x0.max(plot_left), y), Pos2::new(x1.max(x0 + 2.0), y + h));
                painter.rect_stroke(r, 1.0, Stroke::new(2.0, theme.cursor), egui::StrokeKind::Inside);
            }
        };
        for (a, b) in spans {
            if (b as f64) < axis.start_ns || (a as f64) > axis.end_ns() {
                continue;
            }
            let (x0, x1) = (axis.x_from_time(a as f64) as f32, axis.x_from_time(b as f64) as f32);
            merged = match merged {
                Some((m0, m1)) if x0 - m1 < 2.0 => Some((m0, m1.max(x1))),
                Some(m) => {
                    draw(m);
                    Some((x0, x1))
                }
                None => Some((x0, x1)),
            };
        }
        if let Some(m) = merged {
            draw(m);
        }
    };
    // The code panel's hovered line (or the profile's selected one): where this thread was at it.
    let line = hover_line.or(match highlight {
        Some(Highlight::Line(l)) => Some(l),
        _ => None,
    });
    if let Some(line) = line {
        outline(&mut l.spans_on_line(line, end_ns));
    }
    match highlight {
        Some(Highlight::Wait(w)) => {
            // Only the phases in view (a long run has millions).
            let want = ThreadState::Blocked(w);
            let first = l.phases.partition_point(|p| (p.start_ns as f64) < axis.start_ns).saturating_sub(1);
            let last = l.phases.partition_point(|p| (p.start_ns as f64) <= axis.end_ns());
            let ends = |i: usize| l.phases.get(i + 1).map_or(end_ns, |n| n.start_ns);
            outline(
                &mut (first..last.max(first))
                    .filter(|i| l.phases[*i].state == want)
                    .map(|i| (l.phases[i].start_ns, ends(i))),
            );
        }
        Some(Highlight::Thread(t)) if t == th => {
            painter.rect_stroke(cx.lane, 1.0, Stroke::new(2.0, theme.cursor), egui::StrokeKind::Inside);
        }
        _ => {}
    }
    for (t_err, err, caught) in &l.errors {
        let x = axis.x_from_time(*t_err as f64) as f32;
        if x >= plot_left {
            // An error is red; one the program caught is an outline of the same red.
            let tri = vec![Pos2::new(x, y + 1.0), Pos2::new(x - 5.0, y + h - 1.0), Pos2::new(x + 5.0, y + h - 1.0)];
            painter.add(if *caught {
                egui::Shape::closed_line(tri, Stroke::new(1.5, theme.error))
            } else {
                egui::Shape::convex_polygon(tri, theme.error, Stroke::NONE)
            });
            if !caught {
                painter.text(
                    Pos2::new(x + 7.0, y + h / 2.0),
                    Align2::LEFT_CENTER,
                    err.to_string(),
                    small.clone(),
                    theme.error,
                );
            }
        }
    }
    if over && let Some(t) = t_hover {
        let s = l.state_at(t);
        let mut text = format!("{} — {}", thread_name(tl, th), words::phrase(tl, th, s, Some(t)));
        if let Some(w) = tl.wake_at(th, t) {
            text.push_str(&format!("\n{}", words::woken(tl, w)));
        }
        if let Some((_, e, _)) = l.errors.iter().rev().find(|(te, _, _)| *te <= t) {
            text.push_str(&format!("\nraised {e}"));
        }
        hover_text = Some(text);
    }
    hover_text
}

/// How many threads of process `p` ran (solid) and wanted to run (pale: running or waiting
/// for the GIL), averaged over each pixel's time, on a scale of the process's threads.
pub(super) fn paint_util_lane(cx: &LaneCx<'_>, p: usize) -> Option<String> {
    let LaneCx { tl, painter, axis, theme, end_ns, over, hover_t, .. } = *cx;
    let steps = &tl.util[p];
    let n = tl.thread_meta.iter().filter(|m| m.process as usize == p).count().max(1) as f32;
    let (y0, h) = (cx.lane.bottom(), cx.lane.height() - 2.0);
    let left = cx.lane.left();
    let width = cx.lane.width().floor() as usize;
    for px in 0..width {
        let t0 = axis.start_ns + px as f64 * axis.ns_per_px;
        let t1 = (t0 + axis.ns_per_px).min(end_ns as f64);
        if t0 > end_ns as f64 {
            break;
        }
        if t1 <= t0.max(0.0) {
            continue; // before the run's start (the view panned left of 0)
        }
        // Time-weighted averages over [t0, t1), from the strip's integrals: a search per
        // pixel, however many steps the pixel spans (ten million events zoomed out).
        let (run, want) = tl.util_mean(p, t0.max(0.0), t1, end_ns as f64);
        let (run, want) = (run as f32, want as f32);
        let x = left + px as f32;
        if want > 0.0 {
            let r = Rect::from_min_max(Pos2::new(x, y0 - h * (want / n).min(1.0)), Pos2::new(x + 1.0, y0));
            painter.rect_filled(r, 0.0, theme.waiting_gil.gamma_multiply(0.6));
        }
        if run > 0.0 {
            let r = Rect::from_min_max(Pos2::new(x, y0 - h * (run / n).min(1.0)), Pos2::new(x + 1.0, y0));
            painter.rect_filled(r, 0.0, theme.running);
        }
    }
    if over && let Some(t) = hover_t {
        let i = steps.partition_point(|s| s.0 <= t).checked_sub(1)?;
        let (_, run, want) = steps[i];
        let threads = |n: u32| if n == 1 { "1 thread".to_string() } else { format!("{n} threads") };
        return Some(format!(
            "{} wanted to run (running or waiting for the GIL), {run} ran\nfull height: all {} threads of {}",
            threads(want),
            n as u32,
            tl.process_meta.get(p).map_or("?", |m| m.name.as_str())
        ));
    }
    None
}

/// The critical path over the lanes: latest span first in `path`.
pub(super) fn paint_path(
    painter: &egui::Painter,
    path: &[sim_core::profile::PathSpan],
    thread_y: &[f32],
    axis: &TimeAxis,
    theme: &Theme,
    plot_left: f32,
) {
    let colour = theme.critical;
    let (t0, t1) = (axis.start_ns, axis.end_ns());
    // Spans are latest first: skip those after the window, stop at those before it.
    let start = path.partition_point(|s| (s.from_ns as f64) > t1);
    let mut prev: Option<(u32, f32)> = None; // (thread, x) of the later span's start
    let mut run: Option<(u32, f32, f32)> = None; // merged (thread, x0, x1)
    let flush = |r: (u32, f32, f32)| {
        let Some(y) = thread_y.get(r.0 as usize) else { return };
        let yy = y + LANE_H / 2.0 - 2.0;
        painter.line_segment(
            [Pos2::new(r.1.max(plot_left), yy), Pos2::new(r.2.max(r.1 + 1.0), yy)],
            Stroke::new(3.0, colour),
        );
    };
    for s in &path[start..] {
        if (s.to_ns as f64) < t0 {
            break;
        }
        let (x0, x1) = (axis.x_from_time(s.from_ns as f64) as f32, axis.x_from_time(s.to_ns as f64) as f32);
        if let Some((th, x)) = prev
            && th != s.thread
            && let (Some(ya), Some(yb)) = (thread_y.get(th as usize), thread_y.get(s.thread as usize))
            && x >= plot_left
        {
            painter.line_segment(
                [Pos2::new(x, ya + LANE_H / 2.0 - 2.0), Pos2::new(x, yb + LANE_H / 2.0 - 2.0)],
                Stroke::new(1.5, colour),
            );
        }
        prev = Some((s.thread, x0));
        run = match run {
            Some((th, a, b)) if th == s.thread && a - x1 < 1.0 => Some((th, x0.min(a), b)),
            Some(r) => {
                flush(r);
                Some((s.thread, x0, x1))
            }
            None => Some((s.thread, x0, x1)),
        };
    }
    if let Some(r) = run {
        flush(r);
    }
}

/// An asyncio task: ready (waiting for the loop), running a step, suspended at an await
/// (what it awaits written where there is room), and how it ended.
pub(super) fn paint_task_lane(cx: &LaneCx<'_>, k: u32) -> Option<String> {
    let LaneCx { tl, painter, axis, theme, small, end_ns, over, hover_t: t_hover, .. } = *cx;
    let (y, h, plot_left) = (cx.lane.top(), cx.lane.height(), cx.lane.left());
    let l = &tl.tasks[k as usize];
    paint_spans(painter, &visible_spans(&l.phases, end_ns, axis, 1.0), y, h, |s| Some(theme.task_state(s)));
    // Name what it awaits over each suspension wide enough to read.
    for (t, on) in &l.awaits {
        let next = l.phases.iter().find(|p| p.start_ns > *t).map_or(end_ns, |p| p.start_ns);
        let x0 = (axis.x_from_time(*t as f64) as f32).max(plot_left);
        let x1 = axis.x_from_time(next as f64) as f32;
        if x1 > plot_left {
            label_in_span(painter, x0, x1, y + h / 2.0, &[&format!("await {on}"), "await"], small, theme.text);
        }
    }
    // Slow steps (asyncio debug mode's `slow_callback_duration`, 100 ms): the loop ran this
    // task that long without an await, and every other task waited. Outlined in red, with
    // the line it spent the time on.
    let mut slow_at: Option<String> = None;
    for (a, b, line) in tl.slow_steps(k as usize, SLOW_STEP_NS) {
        let what = words::slow_step(b - a, line);
        let x0 = (axis.x_from_time(a as f64) as f32).max(plot_left);
        let x1 = axis.x_from_time(b as f64) as f32;
        if x1 > plot_left {
            let r = Rect::from_min_max(Pos2::new(x0, y), Pos2::new(x1.max(x0 + 2.0), y + h));
            painter.rect_stroke(r, 1.0, Stroke::new(2.0, theme.error), egui::StrokeKind::Inside);
            label_in_span(painter, x0, x1, y + h / 2.0, &[&what], small, theme.text);
        }
        if t_hover.is_some_and(|t| t >= a && t < b) {
            slow_at = Some(what);
        }
    }
    if over && let Some(t) = t_hover {
        let mut text = words::task_phrase(tl, k as usize, t);
        if let Some(s) = slow_at {
            text.push_str(&format!("\n{s}; every other task waited"));
        }
        return Some(text);
    }
    None
}

/// A step this long is slow (asyncio's debug-mode `slow_callback_duration`).
pub(super) const SLOW_STEP_NS: u64 = 100_000_000;

/// A GIL: who holds it, named where there is room. Returns the hover text when the pointer is over the lane.
pub(super) fn paint_gil_lane(cx: &LaneCx<'_>, p: usize) -> Option<String> {
    let LaneCx { tl, painter, axis, theme, small, end_ns, over, hover_t: t_hover, .. } = *cx;
    let (y, h) = (cx.lane.top(), cx.lane.height());
    let mut hover_text: Option<String> = None;
    let g = &tl.gils[p];
    let spans = visible_spans(&g.phases, end_ns, axis, 1.0);
    paint_spans(painter, &spans, y, h, |s| s.map(|t| theme.thread_colour(t)));
    for s in &spans {
        if let Some(t) = s.state
            && !s.mixed
        {
            let ink = text_on(theme.thread_colour(t));
            label_in_span(painter, s.x0 as f32, s.x1 as f32, y + h / 2.0, &[thread_name(tl, t)], small, ink);
        }
    }
    if over && let Some(t) = t_hover {
        let holder = tl.gil_holder_at(p, t).map_or("free".to_string(), |h| format!("held by {}", thread_name(tl, h)));
        hover_text = Some(match &tl.gil_inferred {
            Some(how) => format!(
                "GIL of {} (real CPython) — {holder}\n{} handoffs so far\n{how}",
                tl.process_meta[p].name,
                g.handoffs.len()
            ),
            None => format!(
                "GIL of {} — {holder}\n{} handoffs, {} forced switches so far",
                tl.process_meta[p].name,
                g.handoffs.len(),
                g.forced_switches
            ),
        });
    }
    hover_text
}

/// A lock-like resource's holders. Returns the hover text when the pointer is over the lane.
pub(super) fn paint_holders_lane(cx: &LaneCx<'_>, r: u32) -> Option<String> {
    let LaneCx { tl, painter, axis, theme, small, end_ns, over, hover_t: t_hover, .. } = *cx;
    let (y, h) = (cx.lane.top(), cx.lane.height());
    let mut hover_text: Option<String> = None;
    let l = &tl.resources[r as usize];
    let spans = visible_spans(&l.holders, end_ns, axis, 1.0);
    paint_spans(painter, &spans, y, h, |s| s.threads().first().map(|t| theme.thread_colour(*t)));
    for s in &spans {
        if !s.mixed && s.state.count > 0 {
            let names: Vec<&str> = s.state.threads().iter().map(|t| thread_name(tl, *t)).collect();
            let first = s.state.threads().first().map_or(theme.text, |t| text_on(theme.thread_colour(*t)));
            // Several holders: all their names if they fit, else how many (the hover names them).
            let (all, count) = if s.state.count > 1 {
                (format!("{} holders: {}", s.state.count, names.join(", ")), format!("{} holders", s.state.count))
            } else {
                (names.join(", "), names.join(", "))
            };
            label_in_span(painter, s.x0 as f32, s.x1 as f32, y + h / 2.0, &[&all, &count], small, first);
        }
    }
    if over && let Some(t) = t_hover {
        let holders: Vec<&str> = tl.holders_at(r, t).iter().map(|t| thread_name(tl, *t)).collect();
        hover_text = Some(format!(
            "{} — {}",
            res_name(tl, r),
            if holders.is_empty() { "free".to_string() } else { format!("held by {}", holders.join(", ")) }
        ));
    }
    hover_text
}

/// A step plot: a semaphore's value, a queue's length, a pool's task queue. Returns the hover text when the pointer is over the lane.
pub(super) fn paint_counter_lane(cx: &LaneCx<'_>, r: u32) -> Option<String> {
    let LaneCx { tl, painter, axis, theme, small, end_ns, over, hover_t: t_hover, .. } = *cx;
    let (y, h, plot_left) = (cx.lane.top(), cx.lane.height(), cx.lane.left());
    let mut hover_text: Option<String> = None;
    let l = &tl.resources[r as usize];
    let meta = &tl.resource_meta[r as usize];
    let max = l.counter.iter().map(|c| c.1).max().unwrap_or(0).max(meta.capacity).max(1) as f32;
    let base = y + h - 3.0;
    let pts = step_points(&l.counter, end_ns, axis, |v| base - (v as f32 / max) * (h - 8.0));
    // A light fill under the steps, one quad per step, so levels read at a glance.
    let fill = theme.plot.gamma_multiply(0.25);
    for w in pts.windows(2).filter(|w| w[1].x > w[0].x) {
        painter.rect_filled(
            Rect::from_min_max(Pos2::new(w[0].x, w[0].y.min(base)), Pos2::new(w[1].x, base)),
            0.0,
            fill,
        );
    }
    painter.add(egui::Shape::line(pts, Stroke::new(1.5, theme.plot)));
    painter.text(
        Pos2::new(plot_left + 2.0, y + 1.0),
        Align2::LEFT_TOP,
        format!("max {max}"),
        small.clone(),
        theme.text,
    );
    if over && let Some(t) = t_hover {
        let v = tl.counter_at(r, t).unwrap_or(0);
        let mut text = format!("{} — {v}", row_label(tl, Row::Counter(r)));
        if meta.kind == ResourceKind::Queue {
            let items: Vec<String> = tl.queue_contents_at(r, t).iter().map(|i| i.repr()).collect();
            text.push_str(&format!("\nitems: [{}]", items.join(", ")));
        }
        hover_text = Some(text);
    }
    hover_text
}

/// An Event's flag. Returns the hover text when the pointer is over the lane.
pub(super) fn paint_flag_lane(cx: &LaneCx<'_>, r: u32) -> Option<String> {
    let LaneCx { tl, painter, axis, theme, small, end_ns, over, hover_t: t_hover, .. } = *cx;
    let (y, h) = (cx.lane.top(), cx.lane.height());
    let mut hover_text: Option<String> = None;
    let l = &tl.resources[r as usize];
    let spans = visible_spans(&l.flag, end_ns, axis, 1.0);
    paint_spans(painter, &spans, y, h, |set| set.then_some(theme.flag));
    for s in spans.iter().filter(|s| s.state && !s.mixed) {
        label_in_span(painter, s.x0 as f32, s.x1 as f32, y + h / 2.0, &["set"], small, text_on(theme.flag));
    }
    if over && let Some(t) = t_hover {
        let set = sim_core::timeline::phase_at(&l.flag, t).is_some_and(|i| l.flag[i].state);
        let waiters: Vec<&str> = tl.waiters_at(r, t).iter().map(|t| thread_name(tl, *t)).collect();
        let mut text = format!("{} — {}", res_name(tl, r), if set { "set" } else { "clear" });
        if !waiters.is_empty() {
            text.push_str(&format!("\nwaiting: {}", waiters.join(", ")));
        }
        hover_text = Some(text);
    }
    hover_text
}

/// A queue's items at the cursor (or at the end), front first, as boxes. Returns the hover text when the pointer is over the lane.
pub(super) fn paint_items_lane(cx: &LaneCx<'_>, r: u32, at: u64, step: f64) -> Option<String> {
    let LaneCx { tl, painter, theme, small, over, .. } = *cx;
    let (y, h, plot_left) = (cx.lane.top(), cx.lane.height(), cx.lane.left());
    let mut hover_text: Option<String> = None;
    // The queue's contents at the cursor (or at the end), front first, as boxes.
    let items = tl.queue_contents_at(r, at);
    let mut x = plot_left + 4.0;
    for item in &items {
        let text = item.repr();
        let galley = painter.layout_no_wrap(text, small.clone(), theme.text);
        let w = galley.size().x + 10.0;
        if x + w > cx.lane.right() - 30.0 {
            painter.text(Pos2::new(x, y + h / 2.0), Align2::LEFT_CENTER, "…", small.clone(), theme.text);
            break;
        }
        let b = Rect::from_min_size(Pos2::new(x, y + 2.0), Vec2::new(w, h - 4.0));
        painter.rect_stroke(b, 3.0, Stroke::new(1.0, theme.plot), egui::StrokeKind::Inside);
        painter.galley(Pos2::new(x + 5.0, y + (h - galley.size().y) / 2.0), galley, theme.text);
        x += w + 4.0;
    }
    if items.is_empty() {
        painter.text(Pos2::new(x, y + h / 2.0), Align2::LEFT_CENTER, "empty", small.clone(), theme.finished);
    }
    if over {
        hover_text = Some(format!(
            "{} at {}: {} item(s), front first",
            res_name(tl, r),
            format_time(at as f64, step / 10.0),
            items.len()
        ));
    }
    hover_text
}

/// A shared variable against its race-free value. Nothing to hover.
pub(super) fn paint_var_lane(cx: &LaneCx<'_>, v: u32) -> Option<String> {
    let LaneCx { tl, painter, axis, theme, small, end_ns, .. } = *cx;
    let (y, h, plot_left) = (cx.lane.top(), cx.lane.height(), cx.lane.left());
    let l = &tl.vars[v as usize];
    // Only finite values set the scale (a program may write inf or nan; a trace may hold
    // ±1e308, whose span overflows): anything else is drawn on the baseline.
    let finite = || l.series.iter().flat_map(|s| [s.1, s.2]).filter(|v| v.is_finite());
    let lo = finite().fold(0.0, f64::min).max(-f64::MAX / 4.0);
    let hi = finite().fold(lo + 1.0, f64::max).min(f64::MAX / 4.0);
    let to_y = |val: f64| {
        let f = (val - lo) / (hi - lo);
        let f = if f.is_finite() { f.clamp(0.0, 1.0) } else { 0.0 };
        y + h - 3.0 - f as f32 * (h - 8.0)
    };
    let pts = series_points(&l.series, end_ns, axis, |s| to_y(s.1));
    let refs = series_points(&l.series, end_ns, axis, |s| to_y(s.2));
    painter.add(egui::Shape::dashed_line(&refs, Stroke::new(1.0, theme.reference), 4.0, 3.0));
    painter.add(egui::Shape::line(pts, Stroke::new(1.5, theme.plot)));
    if let (Some(last), Some(rf)) = (&l.last, &l.race_free) {
        painter.text(
            Pos2::new(plot_left + 2.0, y + 1.0),
            Align2::LEFT_TOP,
            format!("now {} · race-free {}", last.repr(), rf.repr()),
            small.clone(),
            theme.text,
        );
    }
    None
}

/// Write a label in the span `x0..x1` of a lane (vertically centred at `y`): the first of
/// `texts` that fits whole, else the last cut with "…", else nothing ([`fit_label`]).
pub(super) fn label_in_span(
    painter: &egui::Painter,
    x0: f32,
    x1: f32,
    y: f32,
    texts: &[&str],
    font: &FontId,
    colour: Color32,
) {
    let galleys: Vec<_> =
        texts.iter().map(|t| painter.layout_no_wrap((*t).to_string(), font.clone(), colour)).collect();
    let widths: Vec<f32> = galleys.iter().map(|g| g.size().x).collect();
    let galley = match fit_label(x1 - x0, &widths) {
        LabelFit::Whole(i) => galleys[i].clone(),
        LabelFit::Elided => {
            let mut job = egui::text::LayoutJob::single_section(
                texts.last().copied().unwrap_or_default().to_string(),
                egui::TextFormat::simple(font.clone(), colour),
            );
            job.wrap = egui::text::TextWrapping {
                max_width: x1 - x0 - 2.0 * LABEL_MARGIN,
                max_rows: 1,
                break_anywhere: true,
                overflow_character: Some('…'),
            };
            painter.layout_job(job)
        }
        LabelFit::None => return,
    };
    let pos = Pos2::new(x0 + LABEL_MARGIN, y - galley.size().y / 2.0);
    painter.galley(pos, galley, colour);
}

pub(super) fn paint_spans<S: Copy>(
    painter: &egui::Painter,
    spans: &[Span<S>],
    y: f32,
    h: f32,
    colour: impl Fn(S) -> Option<Color32>,
) {
    for s in spans {
        if let Some(c) = colour(s.state) {
            let x1 = (s.x1 as f32).max(s.x0 as f32 + 1.0);
            let c = if s.mixed { c.gamma_multiply(0.75) } else { c };
            painter.rect_filled(
                Rect::from_min_max(Pos2::new(s.x0 as f32, y + 2.0), Pos2::new(x1, y + h - 2.0)),
                0.0,
                c,
            );
        }
    }
}

/// Points of a step plot of `series` in the visible window, at most about two per pixel.
pub(super) fn step_points(series: &[(u64, i64)], end_ns: u64, axis: &TimeAxis, to_y: impl Fn(i64) -> f32) -> Vec<Pos2> {
    let mut pts: Vec<Pos2> = Vec::new();
    let first = series.partition_point(|(t, _)| (*t as f64) < axis.start_ns).saturating_sub(1);
    let right = axis.left_x + axis.width_px;
    let mut last_x = f64::NEG_INFINITY;
    for (t, v) in &series[first..] {
        let x = axis.x_from_time(*t as f64).max(axis.left_x);
        if x > right {
            break;
        }
        let yv = to_y(*v);
        if x - last_x < 0.5 && pts.len() >= 2 {
            // Same pixel: keep the latest value.
            if let Some(p) = pts.last_mut() {
                p.y = yv;
            }
            continue;
        }
        if let Some(prev) = pts.last().copied() {
            pts.push(Pos2::new(x as f32, prev.y));
        }
        pts.push(Pos2::new(x as f32, yv));
        last_x = x;
    }
    if let Some(prev) = pts.last().copied() {
        pts.push(Pos2::new(axis.x_from_time(end_ns as f64).min(right) as f32, prev.y));
    }
    pts
}

pub(super) fn series_points(
    series: &[(u64, f64, f64)],
    end_ns: u64,
    axis: &TimeAxis,
    to_y: impl Fn(&(u64, f64, f64)) -> f32,
) -> Vec<Pos2> {
    let first = series.partition_point(|s| (s.0 as f64) < axis.start_ns).saturating_sub(1);
    let right = axis.left_x + axis.width_px;
    let mut pts: Vec<Pos2> = Vec::new();
    let mut last_x = f64::NEG_INFINITY;
    for s in &series[first..] {
        let x = axis.x_from_time(s.0 as f64).max(axis.left_x);
        if x > right {
            break;
        }
        if x - last_x < 1.0 && !pts.is_empty() {
            if let Some(p) = pts.last_mut() {
                p.y = to_y(s);
            }
            continue;
        }
        pts.push(Pos2::new(x as f32, to_y(s)));
        last_x = x;
    }
    if let Some(prev) = pts.last().copied() {
        pts.push(Pos2::new(axis.x_from_time(end_ns as f64).min(right) as f32, prev.y));
    }
    pts
}
