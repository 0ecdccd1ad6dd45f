//! Every colour the app paints with, for dark and light mode, in one place.

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
}

impl Theme {
    /// The palette for dark or light mode.
    pub fn new(dark: bool) -> Self {
        if dark {
            Self {
                running: Color32::from_rgb(76, 175, 80),
                waiting_gil: Color32::from_rgb(255, 183, 77),
                blocked: Color32::from_rgb(229, 115, 115),
                io: Color32::from_rgb(100, 181, 246),
                finished: Color32::from_gray(70),
                killed: Color32::from_rgb(149, 117, 205),
                error: Color32::from_rgb(255, 82, 82),
                lane_bg: Color32::from_gray(32),
                text: Color32::from_gray(220),
                grid: Color32::from_gray(55),
                cursor: Color32::from_rgb(255, 235, 59),
                arrow: Color32::from_rgba_unmultiplied(255, 255, 255, 140),
                plot: Color32::from_rgb(129, 212, 250),
                reference: Color32::from_rgb(255, 213, 79),
                deadlock: Color32::from_rgb(183, 28, 28),
                critical: Color32::from_rgb(240, 98, 146),
            }
        } else {
            Self {
                running: Color32::from_rgb(56, 142, 60),
                waiting_gil: Color32::from_rgb(245, 124, 0),
                blocked: Color32::from_rgb(211, 47, 47),
                io: Color32::from_rgb(30, 136, 229),
                finished: Color32::from_gray(200),
                killed: Color32::from_rgb(126, 87, 194),
                error: Color32::from_rgb(213, 0, 0),
                lane_bg: Color32::from_gray(240),
                text: Color32::from_gray(30),
                grid: Color32::from_gray(215),
                cursor: Color32::from_rgb(230, 81, 0),
                arrow: Color32::from_rgba_unmultiplied(0, 0, 0, 120),
                plot: Color32::from_rgb(2, 119, 189),
                reference: Color32::from_rgb(230, 145, 0),
                deadlock: Color32::from_rgb(198, 40, 40),
                critical: Color32::from_rgb(194, 24, 91),
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

    /// A distinct colour per thread (GIL and lock owner lanes).
    pub fn thread_colour(&self, thread: u32) -> Color32 {
        const HUES: [(u8, u8, u8); 10] = [
            (66, 165, 245),
            (239, 83, 80),
            (102, 187, 106),
            (255, 167, 38),
            (171, 71, 188),
            (38, 198, 218),
            (212, 225, 87),
            (141, 110, 99),
            (236, 64, 122),
            (120, 144, 156),
        ];
        let (r, g, b) = HUES[thread as usize % HUES.len()];
        Color32::from_rgb(r, g, b)
    }
}
