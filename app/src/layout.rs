//! Pure layout maths for the timeline: time ↔ x, zooming around a point, which phases are
//! visible and how sub-pixel phases merge, tick spacing. No painting here; unit-tested with
//! 1 ns = 1 px.

use sim_core::timeline::{Phase, phase_at};

/// The visible time window mapped onto a horizontal pixel range.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimeAxis {
    /// Time at the left edge, ns (may be negative when panned before the start).
    pub start_ns: f64,
    /// Nanoseconds per pixel (> 0).
    pub ns_per_px: f64,
    /// Left edge x.
    pub left_x: f64,
    /// Width in pixels.
    pub width_px: f64,
}

/// The narrowest zoom: 1 ns per pixel.
pub const MIN_NS_PER_PX: f64 = 1.0;
/// The widest zoom: one hour across 1000 px.
pub const MAX_NS_PER_PX: f64 = 3.6e12 / 1000.0;

impl TimeAxis {
    /// An axis showing `0..=end_ns` across `width_px` (with a little room on the right).
    pub fn fit(end_ns: u64, left_x: f64, width_px: f64) -> Self {
        let span = (end_ns.max(1_000_000) as f64) * 1.02;
        Self {
            start_ns: 0.0,
            ns_per_px: (span / width_px.max(1.0)).clamp(MIN_NS_PER_PX, MAX_NS_PER_PX),
            left_x,
            width_px,
        }
    }
    /// x of time `t_ns`.
    pub fn x_from_time(&self, t_ns: f64) -> f64 {
        self.left_x + (t_ns - self.start_ns) / self.ns_per_px
    }
    /// Time at x.
    pub fn time_from_x(&self, x: f64) -> f64 {
        self.start_ns + (x - self.left_x) * self.ns_per_px
    }
    /// Time at the right edge.
    pub fn end_ns(&self) -> f64 {
        self.start_ns + self.width_px * self.ns_per_px
    }
    /// Zoom by `factor` (> 1 zooms in) keeping the time under `x` where it is.
    pub fn zoom_around(&mut self, x: f64, factor: f64) {
        let t = self.time_from_x(x);
        self.ns_per_px = (self.ns_per_px / factor).clamp(MIN_NS_PER_PX, MAX_NS_PER_PX);
        self.start_ns = t - (x - self.left_x) * self.ns_per_px;
    }
    /// Pan by `dx` pixels (drag right shows earlier times).
    pub fn pan_px(&mut self, dx: f64) {
        self.start_ns -= dx * self.ns_per_px;
    }
}

/// A horizontal span to paint: pixels `x0..x1` in `state`; `mixed` when it stands for
/// several phases narrower than a pixel.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Span<S> {
    /// Left x.
    pub x0: f64,
    /// Right x.
    pub x1: f64,
    /// The state painted (the first of merged phases).
    pub state: S,
    /// Stands for several sub-pixel phases.
    pub mixed: bool,
}

/// The spans to paint for `phases` (each lasting until the next, the last until `end_ns`):
/// off-screen phases are skipped (binary search); a run of phases narrower than `min_px`
/// is merged into one span painted in the state that lasted longest in it, as rerun's and
/// puffin's timelines do. A phase of at least `min_px` always gets a span of its own.
pub fn visible_spans<S: Copy + PartialEq>(
    phases: &[Phase<S>],
    end_ns: u64,
    axis: &TimeAxis,
    min_px: f64,
) -> Vec<Span<S>> {
    let mut out: Vec<Span<S>> = Vec::new();
    if phases.is_empty() {
        return out;
    }
    let t0 = axis.start_ns.max(0.0) as u64;
    let first = phase_at(phases, t0).unwrap_or(0);
    let right = axis.x_from_time(axis.end_ns());
    let last = phase_at(phases, axis.end_ns().max(0.0) as u64).unwrap_or(0);
    if (last - first) as f64 > LOD_PHASES_PER_PX * axis.width_px {
        return sampled_spans(phases, end_ns, axis);
    }
    // Width of the state chosen for the open merged span.
    let mut chosen_w = 0.0;
    let mut open = false;
    for i in first..phases.len() {
        let p = &phases[i];
        let end = phases.get(i + 1).map_or(end_ns, |n| n.start_ns) as f64;
        let x0 = axis.x_from_time(p.start_ns as f64).max(axis.left_x);
        let x1 = axis.x_from_time(end).min(right).max(x0);
        if x0 > right {
            break;
        }
        let w = x1 - x0;
        if w >= min_px {
            out.push(Span { x0, x1, state: p.state, mixed: false });
            open = false;
            continue;
        }
        match out.last_mut() {
            Some(last) if open => {
                last.x1 = x1;
                if last.state != p.state {
                    last.mixed = true;
                    if w > chosen_w {
                        last.state = p.state;
                        chosen_w = w;
                    }
                }
                if last.x1 - last.x0 >= min_px {
                    open = false;
                }
            }
            _ => {
                out.push(Span { x0, x1, state: p.state, mixed: false });
                chosen_w = w;
                open = true;
            }
        }
    }
    out
}

/// Above this many visible phases per pixel, lanes are sampled once per pixel instead.
const LOD_PHASES_PER_PX: f64 = 4.0;

/// Level of detail for dense lanes: one binary search per pixel column (O(width · log n)
/// instead of O(n)); a column that covers several phases is `mixed`.
fn sampled_spans<S: Copy + PartialEq>(phases: &[Phase<S>], end_ns: u64, axis: &TimeAxis) -> Vec<Span<S>> {
    let mut out: Vec<Span<S>> = Vec::new();
    let x_start = axis.x_from_time(0.0).max(axis.left_x).floor();
    let x_end = axis.x_from_time(end_ns as f64).min(axis.left_x + axis.width_px).ceil();
    let mut x = x_start;
    while x < x_end {
        let t_a = axis.time_from_x(x).max(0.0) as u64;
        let t_b = (axis.time_from_x(x + 1.0).max(0.0) as u64).min(end_ns);
        if let (Some(a), Some(b)) = (phase_at(phases, t_a), phase_at(phases, t_b.saturating_sub(1).max(t_a))) {
            let state = phases[a].state;
            let mixed = b > a;
            match out.last_mut() {
                Some(l) if l.state == state && l.mixed == mixed && (l.x1 - x).abs() < 1e-9 => l.x1 = x + 1.0,
                _ => out.push(Span { x0: x, x1: x + 1.0, state, mixed }),
            }
        }
        x += 1.0;
    }
    out
}

/// A tick step (ns) giving ticks at least `min_px` apart: 1, 2 or 5 × a power of ten.
pub fn tick_step_ns(ns_per_px: f64, min_px: f64) -> f64 {
    let raw = ns_per_px * min_px;
    let pow = 10f64.powf(raw.log10().floor());
    for m in [1.0, 2.0, 5.0, 10.0] {
        if m * pow >= raw {
            return m * pow;
        }
    }
    10.0 * pow
}

/// A duration or instant in the unit that fits its size: `4.001 s`, `12.35 ms`, `350 µs`.
pub fn format_duration(ns: f64) -> String {
    let a = ns.abs();
    if a >= 1e9 {
        format!("{:.3} s", ns / 1e9)
    } else if a >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if a >= 1e3 {
        format!("{:.1} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

/// A time label that fits its scale: `1.5 s`, `12 ms`, `350 µs`.
pub fn format_time(t_ns: f64, step_ns: f64) -> String {
    let (div, unit) = if step_ns >= 1e9 {
        (1e9, "s")
    } else if step_ns >= 1e6 {
        (1e6, "ms")
    } else if step_ns >= 1e3 {
        (1e3, "µs")
    } else {
        (1.0, "ns")
    };
    let v = t_ns / div;
    let decimals = if (step_ns / div) >= 1.0 {
        0
    } else if (step_ns / div) >= 0.1 {
        1
    } else {
        2
    };
    format!("{v:.decimals$} {unit}")
}

/// Space left free at each end of a span when a label is written in it.
pub const LABEL_MARGIN: f32 = 3.0;

/// How a label goes in a span: the first candidate that fits whole (by index), or the last
/// elided to the room, or nothing (not even "x…" fits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LabelFit {
    /// Candidate `i` fits whole.
    Whole(usize),
    /// The last candidate, cut with "…".
    Elided,
    /// No label.
    None,
}

/// The narrowest room worth an elided label.
pub const MIN_LABEL_ROOM: f32 = 14.0;

/// Choose how to label a span `span_px` wide, given the candidates' widths (longest and
/// most telling first: "3 holders: A, B, C", then "3 holders"). A label never leaves its
/// span, so labels of neighbouring spans never overlap.
pub fn fit_label(span_px: f32, widths: &[f32]) -> LabelFit {
    let room = span_px - 2.0 * LABEL_MARGIN;
    if let Some(i) = widths.iter().position(|w| *w <= room) {
        LabelFit::Whole(i)
    } else if room >= MIN_LABEL_ROOM && !widths.is_empty() {
        LabelFit::Elided
    } else {
        LabelFit::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn axis() -> TimeAxis {
        TimeAxis { start_ns: 0.0, ns_per_px: 1.0, left_x: 0.0, width_px: 100.0 }
    }

    fn ph(v: &[(u64, u8)]) -> Vec<Phase<u8>> {
        v.iter().map(|&(start_ns, state)| Phase { start_ns, state }).collect()
    }

    #[test]
    fn time_and_x_are_inverse_and_zoom_keeps_the_point() {
        let mut a = axis();
        assert_eq!(a.x_from_time(40.0), 40.0);
        a.zoom_around(40.0, 2.0);
        assert_eq!(a.ns_per_px, 0.5f64.max(MIN_NS_PER_PX));
        let mut b = TimeAxis { ns_per_px: 10.0, ..axis() };
        b.zoom_around(30.0, 2.0);
        assert!((b.time_from_x(30.0) - 300.0).abs() < 1e-9);
        assert_eq!(b.ns_per_px, 5.0);
        b.pan_px(10.0);
        assert!((b.time_from_x(40.0) - 300.0).abs() < 1e-9);
    }

    #[test]
    fn spans_skip_offscreen_and_clip() {
        let p = ph(&[(0, 1), (50, 2), (150, 3), (300, 4)]);
        let a = TimeAxis { start_ns: 60.0, ..axis() };
        let s = visible_spans(&p, 400, &a, 1.0);
        assert_eq!(s.len(), 2, "{s:?}");
        assert_eq!((s[0].x0, s[0].x1, s[0].state), (0.0, 90.0, 2));
        assert_eq!((s[1].x0, s[1].x1, s[1].state), (90.0, 100.0, 3));
    }

    #[test]
    fn sub_pixel_phases_merge_into_one_mixed_span() {
        let mut v = vec![(0, 1)];
        for k in 0..100 {
            v.push((10 + k * 10, (k % 2) as u8 + 2));
        }
        let p = ph(&v);
        let a = TimeAxis { ns_per_px: 100.0, ..axis() };
        let s = visible_spans(&p, 1010, &a, 1.0);
        assert!(s.len() <= 12, "1000 ns over 10 px: at most about one span per pixel, got {}", s.len());
        assert!(s.iter().any(|x| x.mixed));
        assert!(s.windows(2).all(|w| w[0].x1 <= w[1].x0 + 1e-9));
    }

    #[test]
    fn dense_lanes_are_sampled_per_pixel() {
        let v: Vec<(u64, u8)> = (0..10_000).map(|k| (k * 10, (k % 3) as u8)).collect();
        let p = ph(&v);
        let a = TimeAxis { ns_per_px: 1000.0, ..axis() };
        let s = visible_spans(&p, 100_000, &a, 1.0);
        assert!(s.len() <= 100, "{}", s.len());
        assert!(s.iter().all(|x| x.mixed));
        assert!(s.windows(2).all(|w| w[0].x1 <= w[1].x0 + 1e-9));
    }

    #[test]
    fn a_sliver_never_swallows_a_wide_phase() {
        let p = ph(&[(0, 1), (1, 2), (2, 3), (60, 4)]);
        let a = TimeAxis { ns_per_px: 10.0, ..axis() };
        let s = visible_spans(&p, 100, &a, 1.0);
        assert_eq!(s.iter().map(|x| x.state).collect::<Vec<_>>(), vec![1, 3, 4], "{s:?}");
        assert!(s[1].x1 - s[1].x0 > 5.0);
    }

    #[test]
    fn ticks_and_labels() {
        assert_eq!(format_duration(4_001_076_000.0), "4.001 s");
        assert_eq!(format_duration(12_345_000.0), "12.35 ms");
        assert_eq!(tick_step_ns(1000.0, 80.0), 100_000.0);
        assert_eq!(tick_step_ns(1e6, 80.0), 1e8);
        assert_eq!(format_time(1.5e9, 5e8), "1500 ms");
        assert_eq!(format_time(2e9, 1e9), "2 s");
        assert_eq!(format_time(12e6, 1e6), "12 ms");
    }

    #[test]
    fn labels_stay_inside_their_spans_so_neighbours_never_overlap() {
        assert_eq!(fit_label(200.0, &[150.0, 50.0]), LabelFit::Whole(0));
        assert_eq!(fit_label(100.0, &[150.0, 50.0]), LabelFit::Whole(1));
        assert_eq!(fit_label(40.0, &[150.0, 50.0]), LabelFit::Elided);
        assert_eq!(fit_label(10.0, &[150.0, 50.0]), LabelFit::None);
        // Spans side by side, each labelled: every label's extent lies inside its span.
        let mut x = 0.0;
        let mut placed: Vec<(f32, f32)> = Vec::new();
        for (k, w) in [5.0_f32, 30.0, 80.0, 12.0, 300.0, 45.0].into_iter().enumerate() {
            let widths = [60.0 + k as f32 * 10.0, 40.0];
            let ext = match fit_label(w, &widths) {
                LabelFit::Whole(i) => Some(widths[i]),
                LabelFit::Elided => Some(w - 2.0 * LABEL_MARGIN),
                LabelFit::None => None,
            };
            if let Some(e) = ext {
                let (a, b) = (x + LABEL_MARGIN, x + LABEL_MARGIN + e);
                assert!(b <= x + w - LABEL_MARGIN + 1e-3, "label leaves its span");
                assert!(placed.iter().all(|(pa, pb)| b <= *pa || a >= *pb), "labels overlap");
                placed.push((a, b));
            }
            x += w;
        }
    }
}
