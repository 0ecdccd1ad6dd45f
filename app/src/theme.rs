//! Every colour the app paints with, for dark and light mode, in one place.
//!
//! One colour, one meaning: thread states have fixed colours (after the Okabe–Ito palette,
//! told apart under protanopia and deuteranopia too); red means an error or a deadlock and
//! nothing else (a blocked thread is purple-pink, not red); a thread's identity (who holds
//! the GIL or a lock, its line in the code panel) is its name, drawn on a colour from a
//! separate set far from every state colour ([`Theme::thread_colour`]). The tests below
//! measure it: perceptual distances (CIELAB ΔE) between every pair that must differ, in both
//! themes and under simulated colour blindness.

use egui::Color32;
use sim_core::timeline::ThreadState;

/// The palette for one visuals mode.
#[derive(Clone, Copy, Debug)]
pub struct Theme {
    /// Running Python code.
    pub running: Color32,
    /// Waiting for the GIL.
    pub waiting_gil: Color32,
    /// Blocked on a primitive or a join.
    pub blocked: Color32,
    /// In I/O or sleep.
    pub io: Color32,
    /// Ended normally.
    pub finished: Color32,
    /// Killed daemon / stopped.
    pub killed: Color32,
    /// Ended by an exception; error markers.
    pub error: Color32,
    /// Lane background.
    pub lane_bg: Color32,
    /// Text and axis.
    pub text: Color32,
    /// Grid lines.
    pub grid: Color32,
    /// The cursor line.
    pub cursor: Color32,
    /// Handoff arrows.
    pub arrow: Color32,
    /// Plot lines.
    pub plot: Color32,
    /// The race-free reference line.
    pub reference: Color32,
    /// The deadlock banner.
    pub deadlock: Color32,
    /// The critical path.
    pub critical: Color32,
    /// An Event's flag while set.
    pub flag: Color32,
}

impl Theme {
    /// The palette for dark or light mode.
    pub fn new(dark: bool) -> Self {
        if dark {
            Self {
                running: Color32::from_rgb(0, 170, 125),
                waiting_gil: Color32::from_rgb(240, 170, 0),
                blocked: Color32::from_rgb(204, 121, 167),
                io: Color32::from_rgb(86, 180, 233),
                finished: Color32::from_gray(70),
                killed: Color32::from_gray(185),
                error: Color32::from_rgb(225, 40, 40),
                lane_bg: Color32::from_gray(32),
                text: Color32::from_gray(220),
                grid: Color32::from_gray(55),
                cursor: Color32::from_rgb(255, 235, 59),
                arrow: Color32::from_rgba_unmultiplied(255, 255, 255, 140),
                plot: Color32::from_rgb(129, 212, 250),
                reference: Color32::from_rgb(255, 213, 79),
                deadlock: Color32::from_rgb(183, 28, 28),
                critical: Color32::from_gray(245),
                flag: Color32::from_rgb(150, 165, 190),
            }
        } else {
            Self {
                running: Color32::from_rgb(0, 158, 115),
                waiting_gil: Color32::from_rgb(235, 160, 0),
                blocked: Color32::from_rgb(170, 90, 160),
                io: Color32::from_rgb(40, 140, 210),
                finished: Color32::from_gray(205),
                killed: Color32::from_gray(80),
                error: Color32::from_rgb(200, 20, 20),
                lane_bg: Color32::from_gray(240),
                text: Color32::from_gray(30),
                grid: Color32::from_gray(215),
                cursor: Color32::from_rgb(0, 0, 160),
                arrow: Color32::from_rgba_unmultiplied(0, 0, 0, 120),
                plot: Color32::from_rgb(2, 119, 189),
                reference: Color32::from_rgb(230, 145, 0),
                deadlock: Color32::from_rgb(198, 40, 40),
                critical: Color32::from_gray(20),
                flag: Color32::from_rgb(120, 135, 165),
            }
        }
    }

    /// The colour of a thread state.
    pub fn state(&self, s: ThreadState) -> Color32 {
        match s {
            ThreadState::Running => self.running,
            ThreadState::WaitingGil => self.waiting_gil,
            ThreadState::Blocked(_) => self.blocked,
            ThreadState::Io | ThreadState::Sleep => self.io,
            ThreadState::Finished | ThreadState::NotStarted => self.finished,
            ThreadState::Killed | ThreadState::Stopped => self.killed,
            ThreadState::Raised => self.error,
        }
    }

    /// An asyncio task's state: running as a thread runs, ready as a thread waiting for
    /// the GIL (it waits for the loop), suspended as a wait in I/O, ends as a thread's.
    pub fn task_state(&self, s: sim_core::timeline::TaskState) -> Color32 {
        use sim_core::timeline::TaskState;
        match s {
            TaskState::Running => self.running,
            TaskState::Ready => self.waiting_gil,
            TaskState::Suspended => self.io,
            TaskState::Finished => self.finished,
            TaskState::Cancelled => self.killed,
            TaskState::Raised => self.error,
        }
    }

    /// A thread's identity colour (GIL and lock holder lanes, its marks in the code panel):
    /// from a set of hues no state uses (indigo, lime, brown, olive, teal, tan), always
    /// drawn with the thread's name where there is room.
    pub fn thread_colour(&self, thread: u32) -> Color32 {
        let (r, g, b) = IDENTITIES[thread as usize % IDENTITIES.len()];
        Color32::from_rgb(r, g, b)
    }
}

/// The identity colours, far (ΔE ≥ 25) from every state colour in both themes.
const IDENTITIES: [(u8, u8, u8); 6] =
    [(70, 100, 235), (190, 215, 70), (160, 100, 50), (150, 145, 60), (0, 150, 160), (205, 170, 120)];

/// Black or white, whichever reads better on `bg` (names written on identity colours).
pub fn text_on(bg: Color32) -> Color32 {
    let l = 0.2126 * lin(bg.r()) + 0.7152 * lin(bg.g()) + 0.0722 * lin(bg.b());
    if l > 0.22 { Color32::BLACK } else { Color32::WHITE }
}

fn lin(c: u8) -> f32 {
    let c = f32::from(c) / 255.0;
    if c <= 0.04045 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lab(c: Color32) -> [f32; 3] {
        let (r, g, b) = (lin(c.r()), lin(c.g()), lin(c.b()));
        let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
        let y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
        let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
        let f = |t: f32| if t > 0.008856 { t.cbrt() } else { 7.787 * t + 16.0 / 116.0 };
        [116.0 * f(y) - 16.0, 500.0 * (f(x) - f(y)), 200.0 * (f(y) - f(z))]
    }

    /// CIE76 ΔE: about 2.3 is just noticeable; 20+ reads as a different colour.
    fn de(a: Color32, b: Color32) -> f32 {
        let (a, b) = (lab(a), lab(b));
        ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
    }

    /// Protanopia / deuteranopia as Viénot, Brettel and Mollon (1999) simulate them.
    fn simulate(c: Color32, m: [[f32; 3]; 3]) -> Color32 {
        let v = [lin(c.r()), lin(c.g()), lin(c.b())];
        let back = |row: [f32; 3]| {
            let x = (row[0] * v[0] + row[1] * v[1] + row[2] * v[2]).clamp(0.0, 1.0);
            let s = if x <= 0.003_130_8 { 12.92 * x } else { 1.055 * x.powf(1.0 / 2.4) - 0.055 };
            (s * 255.0).round() as u8
        };
        Color32::from_rgb(back(m[0]), back(m[1]), back(m[2]))
    }
    const PROTAN: [[f32; 3]; 3] =
        [[0.152_286, 1.052_583, -0.204_868], [0.114_503, 0.786_281, 0.099_216], [-0.003_882, -0.048_116, 1.051_998]];
    const DEUTAN: [[f32; 3]; 3] =
        [[0.367_322, 0.860_646, -0.227_968], [0.280_085, 0.672_501, 0.047_413], [-0.011_820, 0.042_940, 0.968_881]];

    fn states(t: &Theme) -> Vec<(&'static str, Color32)> {
        vec![
            ("running", t.running),
            ("waiting for the GIL", t.waiting_gil),
            ("blocked", t.blocked),
            ("I/O", t.io),
            ("finished", t.finished),
            ("killed", t.killed),
            ("error", t.error),
        ]
    }

    #[test]
    fn no_identity_colour_is_near_a_state_colour_and_states_differ_even_for_colour_blind_eyes() {
        for dark in [true, false] {
            let t = Theme::new(dark);
            let st = states(&t);
            for i in 0..IDENTITIES.len() as u32 {
                for (name, c) in &st {
                    let d = de(t.thread_colour(i), *c);
                    assert!(d >= 25.0, "identity {i} is {d:.1} from {name} (dark: {dark})");
                }
            }
            for (k, (a, ca)) in st.iter().enumerate() {
                for (b, cb) in &st[k + 1..] {
                    assert!(de(*ca, *cb) >= 20.0, "{a} and {b} too close (dark: {dark})");
                    for (how, m) in [("protanopia", PROTAN), ("deuteranopia", DEUTAN)] {
                        let d = de(simulate(*ca, m), simulate(*cb, m));
                        assert!(d >= 14.0, "{a} and {b} are {d:.1} apart under {how} (dark: {dark})");
                    }
                }
            }
            // Red means an error or a deadlock: nothing else is near the error colour.
            for (name, c) in st.iter().filter(|(n, _)| *n != "error") {
                assert!(de(*c, t.error) >= 30.0, "{name} looks like an error (dark: {dark})");
            }
            for c in [t.critical, t.cursor, t.plot, t.reference] {
                assert!(de(c, t.error) >= 30.0, "{c:?} looks like an error (dark: {dark})");
            }
        }
    }

    #[test]
    fn names_on_identity_colours_are_readable() {
        for i in 0..IDENTITIES.len() as u32 {
            let bg = Theme::new(true).thread_colour(i);
            let fg = text_on(bg);
            let lum = |c: Color32| 0.2126 * lin(c.r()) + 0.7152 * lin(c.g()) + 0.0722 * lin(c.b());
            let (hi, lo) = if lum(bg) > lum(fg) { (lum(bg), lum(fg)) } else { (lum(fg), lum(bg)) };
            let contrast = (hi + 0.05) / (lo + 0.05);
            assert!(contrast >= 4.5, "identity {i}: contrast {contrast:.1}");
        }
    }
}
