//! The code panel: the scenario's Python source as an editor with line numbers and Python
//! colouring; at the cursor every thread's current line is marked in that thread's colour
//! with its name and what it waits for; the line a click on the timeline picked, the error
//! of a failed compile and the value a slider gives a constant are shown at their lines.
//!
//! Where the marks go is a pure function of the timeline ([`marks_at`]), unit-tested; the
//! widget ([`code_editor_ui`]) only paints them beside the rows of the text.

use crate::theme::Theme;
use egui::{Align2, FontId, Pos2, Rect, Sense, Shape, Stroke, Vec2};
use sim_core::timeline::{ThreadState, Timeline};

/// Width of the line-number gutter.
const GUTTER_W: f32 = 44.0;

/// One thread's mark on the code at an instant.
#[derive(Clone, Debug, PartialEq)]
pub struct CodeMark {
    /// The source line (1-based).
    pub line: u32,
    /// The thread.
    pub thread: u32,
    /// Its name.
    pub name: String,
    /// What it is doing there, in words (`waits for lock2 (held by Thread-1)`).
    pub doing: String,
}

/// Every live thread's line at `t_ns`, sorted by line then thread. Threads not started,
/// ended, or with no line yet get no mark.
pub fn marks_at(tl: &Timeline, t_ns: u64) -> Vec<CodeMark> {
    let mut out: Vec<CodeMark> = tl
        .threads
        .iter()
        .enumerate()
        .filter_map(|(i, lane)| {
            let state = lane.state_at(t_ns);
            if state == ThreadState::NotStarted || state.is_end() {
                return None;
            }
            let line = lane.line_at(t_ns)?;
            let thread = i as u32;
            Some(CodeMark {
                line,
                thread,
                name: tl.thread_meta[i].name.clone(),
                doing: sim_core::words::doing(tl, thread, state, Some(t_ns)).unwrap_or_else(|| "running".into()),
            })
        })
        .collect();
    // asyncio tasks waiting at an await (or ready to go on from one), in their loop thread's
    // colour; a running task is where its thread's mark is.
    for (k, lane) in tl.tasks.iter().enumerate() {
        if let (Some(doing), Some(line)) = (sim_core::words::task_doing(tl, k, t_ns), lane.line_at(t_ns)) {
            let name = lane.title();
            out.push(CodeMark { line, thread: lane.thread, name, doing });
        }
    }
    out.sort_by_key(|m| (m.line, m.thread));
    out
}

/// Each uncaught exception of a run at the line that raised it: `(line, "Thread-2:
/// RuntimeError: release unlocked lock")`.
pub fn uncaught_at_lines(tl: &Timeline) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    for (i, lane) in tl.threads.iter().enumerate() {
        for (t, err, caught) in &lane.errors {
            if !caught && let Some(line) = lane.line_at(*t) {
                out.push((line, format!("{}: {err}", tl.thread_meta[i].name)));
            }
        }
    }
    out
}

/// What the panel shows besides the text.
#[derive(Default)]
pub struct Annotations<'a> {
    /// Thread marks at the cursor.
    pub marks: &'a [CodeMark],
    /// The line picked on the timeline (highlighted).
    pub highlight: Option<u32>,
    /// Compile errors and uncaught exceptions, at their lines, in Python's words.
    pub errors: &'a [(u32, String)],
    /// `(line, text)`: the value a slider gives the constant on that line.
    pub notes: &'a [(u32, String)],
    /// Scroll this line into view.
    pub scroll_to: Option<u32>,
    /// The label that names the editor (the file name), for screen readers.
    pub label: Option<egui::Id>,
}

/// What the user did in the panel.
#[derive(Default, Debug)]
pub struct CodeResponse {
    /// The text changed.
    pub changed: bool,
    /// The line under the pointer.
    pub hovered_line: Option<u32>,
    /// A line number clicked (jump the timeline to it).
    pub clicked_line: Option<u32>,
}

/// Draw the editor for `text` with its annotations.
pub fn code_editor_ui(ui: &mut egui::Ui, text: &mut String, ann: &Annotations<'_>, theme: &Theme) -> CodeResponse {
    let mut resp = CodeResponse::default();
    let code_theme = egui_extras::syntax_highlighting::CodeTheme::from_style(ui.style());
    let mut layouter = |ui: &egui::Ui, buf: &dyn egui::TextBuffer, _wrap: f32| {
        let job = egui_extras::syntax_highlighting::highlight(ui.ctx(), ui.style(), &code_theme, buf.as_str(), "py");
        ui.fonts_mut(|f| f.layout_job(job))
    };
    let row_h = ui.text_style_height(&egui::TextStyle::Monospace);
    let lines = text.lines().count().max(1) + 1;
    ui.horizontal_top(|ui| {
        ui.spacing_mut().item_spacing.x = 0.0;
        let (gutter, gutter_resp) =
            ui.allocate_exact_size(Vec2::new(GUTTER_W, lines as f32 * row_h + 8.0), Sense::click());
        // Backgrounds go under the text: reserve a slot before the editor paints.
        let behind = ui.painter().add(Shape::Noop);
        let out = egui::TextEdit::multiline(text)
            .id_salt("code-editor")
            .code_editor()
            .desired_width(f32::INFINITY)
            .desired_rows(lines.min(60))
            .lock_focus(true)
            .layouter(&mut layouter)
            .show(ui);
        resp.changed = out.response.changed();
        if let Some(id) = ann.label {
            let _ = out.response.response.clone().labelled_by(id);
        }
        let galley = &out.galley;
        let origin = out.galley_pos;
        // Row i of the galley is line i + 1: the editor does not wrap.
        let row_rect = |line: u32| -> Option<Rect> {
            let r = galley.rows.get(line.checked_sub(1)? as usize)?;
            Some(r.rect().translate(origin.to_vec2()))
        };
        let painter = ui.painter().clone();
        let full_w = ui.clip_rect().right() - origin.x;
        let band = |r: Rect| Rect::from_min_size(Pos2::new(origin.x - 2.0, r.top()), Vec2::new(full_w, r.height()));
        let mut under = Vec::new();
        if let Some(l) = ann.highlight
            && let Some(r) = row_rect(l)
        {
            under.push(Shape::rect_filled(band(r), 2.0, theme.cursor.gamma_multiply(0.25)));
            if ann.scroll_to == Some(l) {
                ui.scroll_to_rect(r.expand2(Vec2::new(0.0, 3.0 * row_h)), Some(egui::Align::Center));
            }
        }
        if ann.highlight != ann.scroll_to
            && let Some(l) = ann.scroll_to
            && let Some(r) = row_rect(l)
        {
            ui.scroll_to_rect(r.expand2(Vec2::new(0.0, 3.0 * row_h)), Some(egui::Align::Center));
        }
        for (l, _) in ann.errors {
            if let Some(r) = row_rect(*l) {
                under.push(Shape::rect_filled(band(r), 2.0, theme.error.gamma_multiply(0.25)));
            }
        }
        for m in ann.marks {
            if let Some(r) = row_rect(m.line) {
                under.push(Shape::rect_filled(band(r), 0.0, theme.thread_colour(m.thread).gamma_multiply(0.18)));
            }
        }
        painter.set(behind, Shape::Vec(under));

        // Gutter: line numbers, thread arrows, the error sign.
        let font = FontId::monospace(row_h * 0.8);
        let gp = ui.painter_at(gutter.expand2(Vec2::new(0.0, 4.0)));
        for (i, r) in galley.rows.iter().enumerate() {
            let y = origin.y + r.pos.y + r.row.size.y / 2.0;
            if y < ui.clip_rect().top() - row_h || y > ui.clip_rect().bottom() + row_h {
                continue;
            }
            let line = i as u32 + 1;
            let colour = if ann.errors.iter().any(|(l, _)| *l == line) { theme.error } else { theme.text };
            gp.text(
                Pos2::new(gutter.right() - 6.0, y),
                Align2::RIGHT_CENTER,
                line.to_string(),
                font.clone(),
                colour.gamma_multiply(0.6),
            );
        }
        let mut per_line: Vec<(u32, usize)> = Vec::new();
        for m in ann.marks {
            let Some(r) = row_rect(m.line) else { continue };
            let k = match per_line.iter_mut().find(|(l, _)| *l == m.line) {
                Some((_, k)) => {
                    *k += 1;
                    *k - 1
                }
                None => {
                    per_line.push((m.line, 1));
                    0
                }
            };
            // An arrow per thread in the gutter (offset when several share the line) …
            let x = gutter.left() + 2.0 + 5.0 * k.min(3) as f32;
            let cy = r.center().y;
            gp.add(Shape::convex_polygon(
                vec![Pos2::new(x, cy - 5.0), Pos2::new(x + 8.0, cy), Pos2::new(x, cy + 5.0)],
                theme.thread_colour(m.thread),
                Stroke::NONE,
            ));
        }
        // … and, after the line's text, who is there and why; slider values and the error
        // too. Labels that would fall beyond the visible edge are pulled in (over the end of
        // a long line, on a backing), so they are always read.
        let small = FontId::proportional(row_h * 0.78);
        let right_edge = ui.clip_rect().right() - 6.0;
        let backing = ui.visuals().extreme_bg_color.gamma_multiply(0.92);
        let mut labelled: Vec<(u32, Vec<(String, egui::Color32)>)> = Vec::new();
        let mut add =
            |line: u32, text: String, colour: egui::Color32| match labelled.iter_mut().find(|(l, _)| *l == line) {
                Some((_, v)) => v.push((text, colour)),
                None => labelled.push((line, vec![(text, colour)])),
            };
        for m in ann.marks {
            let label = if m.doing == "running" { m.name.clone() } else { format!("{} {}", m.name, m.doing) };
            add(m.line, label, theme.thread_colour(m.thread));
        }
        for (line, note) in ann.notes {
            add(*line, note.clone(), theme.reference);
        }
        for (l, msg) in ann.errors {
            add(*l, msg.clone(), theme.error);
        }
        for (line, labels) in &labelled {
            let Some(r) = row_rect(*line) else { continue };
            let arrow = small.size * 0.5 + 4.0;
            let lay = |t: &str, c: egui::Color32, max_w: f32| {
                let mut job = egui::text::LayoutJob::simple_singleline(t.to_string(), small.clone(), c);
                job.wrap = egui::text::TextWrapping::truncate_at_width(max_w.max(10.0));
                painter.layout_job(job)
            };
            let full: Vec<_> = labels.iter().map(|(t, c)| lay(t, *c, f32::INFINITY)).collect();
            let widths: Vec<f32> = full.iter().map(|g| g.size().x).collect();
            let placed = place_labels(r.right() + 16.0, right_edge, origin.x + 24.0, arrow + 12.0, &widths);
            if let Some(x) = placed.backing {
                let back = Rect::from_min_max(Pos2::new(x - 4.0, r.top()), Pos2::new(right_edge, r.bottom()));
                painter.rect_filled(back, 3.0, backing);
            }
            for ((g, (t, c)), (x, max_w)) in full.into_iter().zip(labels).zip(placed.at) {
                let g = if g.size().x > max_w { lay(t, *c, max_w) } else { g };
                pointer_label(&painter, Pos2::new(x, r.center().y), g, *c);
            }
        }

        // The line under the pointer, and a click on a line number.
        let line_at_y = |y: f32| -> Option<u32> {
            galley
                .rows
                .iter()
                .position(|r| {
                    let top = origin.y + r.pos.y;
                    y >= top && y < top + r.row.size.y
                })
                .map(|i| i as u32 + 1)
        };
        let pointer = ui.input(|i| i.pointer.hover_pos());
        if let Some(p) = pointer
            && (out.response.hovered() || gutter_resp.hovered())
        {
            resp.hovered_line = line_at_y(p.y);
        }
        if gutter_resp.clicked()
            && let Some(p) = gutter_resp.interact_pointer_pos()
        {
            resp.clicked_line = line_at_y(p.y);
        }
        gutter_resp.on_hover_text("Click a line number: the timeline jumps to the next time a thread is there");
    });
    resp
}

/// Where the labels of one line go.
#[derive(Debug, PartialEq)]
pub struct Placed {
    /// Draw a backing from here to the edge (the labels cover the end of the line).
    pub backing: Option<f32>,
    /// Each label's x and the widest its text may be (narrower: elided); labels that do
    /// not fit at all are left out.
    pub at: Vec<(f32, f32)>,
}

/// Place labels of text widths `widths` (plus `gap` each, for the arrow and spacing) on a
/// line whose text ends at `after_text`: after the text when they fit; elided to the room
/// there is when at least 120 px remain; only when the code reaches the edge, over the end
/// of the line (never left of `min_x`), on a backing.
pub fn place_labels(after_text: f32, right_edge: f32, min_x: f32, gap: f32, widths: &[f32]) -> Placed {
    let total: f32 = widths.iter().map(|w| w + gap).sum();
    let (mut x, backing) = if right_edge - after_text >= total.min(120.0) {
        (after_text, None)
    } else {
        let x = (right_edge - total).max(min_x);
        (x, Some(x))
    };
    let mut at = Vec::new();
    for w in widths {
        let room = right_edge - x - gap;
        if room < 30.0 {
            break;
        }
        let shown = w.min(room);
        at.push((x, shown));
        x += shown + gap;
    }
    Placed { backing, at }
}

/// A small left-pointing triangle at `at` and the laid-out `text` after it, in `colour`.
fn pointer_label(painter: &egui::Painter, at: Pos2, text: std::sync::Arc<egui::Galley>, colour: egui::Color32) {
    let h = text.size().y * 0.3;
    let w = text.size().y * 0.5;
    painter.add(Shape::convex_polygon(
        vec![Pos2::new(at.x, at.y), Pos2::new(at.x + w, at.y - h), Pos2::new(at.x + w, at.y + h)],
        colour,
        Stroke::NONE,
    ));
    let pos = Pos2::new(at.x + w + 4.0, at.y - text.size().y / 2.0);
    painter.galley(pos, text, colour);
}

/// `File "x.py", line 12, in worker` → 12: a traceback line's line number.
pub fn traceback_line(text: &str) -> Option<u32> {
    let rest = text.trim_start().strip_prefix("File \"")?;
    let (_, after) = rest.split_once("\", line ")?;
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The start of a new scenario.
pub const TEMPLATE: &str = r#""""My scenario

One sentence on what this program shows.

Topic: My scenarios
Output: varies
"""
import threading
import time

THREADS = 3  # slider: 1..16 Threads
HOLD = 0.1  # slider: 0..2 Time holding the lock (s)

lock = threading.Lock()


def worker(n):
    with lock:
        print(f"thread {n} has the lock")
        time.sleep(HOLD)


threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("done")
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use sim_core::event::{Event, EventKind};
    use sim_core::model::{ProcessMeta, ResourceInfo, ResourceKind, ThreadMeta};

    fn meta(name: &str) -> ThreadMeta {
        ThreadMeta { name: name.into(), process: 0, daemon: false, target: None }
    }

    /// Two threads, one lock: Thread-1 holds it at line 7, Thread-2 waits at line 6.
    fn contended() -> Timeline {
        let lock =
            ResourceInfo { name: "lock2".into(), kind: ResourceKind::Lock, capacity: 1, style: None, duplex: None };
        let mut tl = Timeline::new(
            &[meta("MainThread"), meta("Thread-1"), meta("Thread-2")],
            &[ProcessMeta { name: "MainProcess".into(), pid: 1 }],
            &[lock],
            &[],
        );
        let evs = [
            (1, 10, 12, EventKind::ThreadStarted),
            (1, 11, 6, EventKind::GilAcquired),
            (1, 12, 6, EventKind::Requested { res: 0, blocking: true, timeout_ms: None }),
            (1, 13, 6, EventKind::Acquired { res: 0, depth: 1, value: 0 }),
            (1, 14, 7, EventKind::IoBegin { ms: 100.0, sleep: true }),
            (2, 20, 12, EventKind::ThreadStarted),
            (2, 21, 6, EventKind::GilAcquired),
            (2, 22, 6, EventKind::Requested { res: 0, blocking: true, timeout_ms: None }),
        ];
        for (seq, (th, t, line, kind)) in evs.into_iter().enumerate() {
            tl.push(&Event { seq: seq as u64, t_ns: t, thread: th, process: 0, line, kind });
        }
        tl
    }

    #[test]
    fn each_live_thread_is_marked_at_its_line_with_what_it_waits_for() {
        let tl = contended();
        let marks = marks_at(&tl, 30);
        let got: Vec<(u32, &str, &str)> = marks.iter().map(|m| (m.line, m.name.as_str(), m.doing.as_str())).collect();
        assert_eq!(got, vec![(6, "Thread-2", "waits for lock2 (held by Thread-1)"), (7, "Thread-1", "sleeps 0.1 s")]);
        // Before Thread-2 started only Thread-1 is marked; the main thread has no line.
        let early = marks_at(&tl, 13);
        assert_eq!(early.iter().map(|m| (m.line, m.thread)).collect::<Vec<_>>(), vec![(6, 1)]);
        assert_eq!(early[0].doing, "running");
    }

    /// An asyncio task suspended at an await is marked at that line with what it awaits;
    /// once the loop runs it again, only the thread's mark shows where.
    #[test]
    fn suspended_asyncio_tasks_are_marked_at_their_await() {
        let mut tl =
            Timeline::new(&[meta("MainThread")], &[ProcessMeta { name: "MainProcess".into(), pid: 1 }], &[], &[]);
        let evs = [
            (10, 5, EventKind::ThreadStarted),
            (
                11,
                9,
                EventKind::AioTaskNew {
                    task: 0,
                    names: Box::new(sim_core::event::AioTaskNames { name: "Task-2".into(), coro: "fetch".into() }),
                    by: None,
                },
            ),
            (12, 4, EventKind::AioTaskRun { task: 0 }),
            (
                13,
                4,
                EventKind::AioTaskWait {
                    task: 0,
                    wait: Box::new(sim_core::event::AioWait { on: "sleep(0.5)".into(), until_ns: None }),
                },
            ),
            (20, 9, EventKind::AioTaskReady { task: 0, by: None }),
            (30, 4, EventKind::AioTaskRun { task: 0 }),
        ];
        for (seq, (t, line, kind)) in evs.into_iter().enumerate() {
            tl.push(&Event { seq: seq as u64, t_ns: t, thread: 0, process: 0, line, kind });
        }
        let task_marks = |t: u64| -> Vec<(u32, String, String)> {
            marks_at(&tl, t).into_iter().filter(|m| m.name != "MainThread").map(|m| (m.line, m.name, m.doing)).collect()
        };
        assert_eq!(task_marks(15), vec![(4, "Task-2 (fetch)".to_string(), "awaits sleep(0.5)".to_string())]);
        assert_eq!(
            task_marks(25),
            vec![(4, "Task-2 (fetch)".to_string(), "ready, waiting for the event loop".to_string())]
        );
        assert!(task_marks(35).is_empty(), "running: its thread's mark shows the line");
    }

    #[test]
    fn labels_go_after_the_text_elided_to_the_room_or_over_the_line_end() {
        // Room for both after the text.
        assert_eq!(
            place_labels(100.0, 600.0, 30.0, 20.0, &[150.0, 100.0]),
            Placed { backing: None, at: vec![(100.0, 150.0), (270.0, 100.0)] }
        );
        // 200 px after the text: the first fits, the second is elided to what is left.
        let p = place_labels(400.0, 600.0, 30.0, 20.0, &[100.0, 300.0]);
        assert_eq!(p, Placed { backing: None, at: vec![(400.0, 100.0), (520.0, 60.0)] });
        // The code reaches the edge: the labels cover its end, on a backing.
        let p = place_labels(590.0, 600.0, 30.0, 20.0, &[100.0]);
        assert_eq!(p, Placed { backing: Some(480.0), at: vec![(480.0, 100.0)] });
        // Never left of the gutter: a label wider than the panel is elided.
        let p = place_labels(590.0, 600.0, 30.0, 20.0, &[1000.0]);
        assert_eq!(p, Placed { backing: Some(30.0), at: vec![(30.0, 550.0)] });
    }

    #[test]
    fn traceback_lines_give_their_line_number() {
        assert_eq!(traceback_line("  File \"semaphore.py\", line 12, in worker"), Some(12));
        assert_eq!(traceback_line("File \"a b.py\", line 3"), Some(3));
        assert_eq!(traceback_line("RuntimeError: release unlocked lock"), None);
        assert_eq!(traceback_line("  File \"x.py\", line , in f"), None);
    }

    #[test]
    fn the_template_is_a_scenario_that_compiles() {
        let e = sim_core::py_catalog::Entry::new("untitled", "untitled.py", TEMPLATE).expect("compiles");
        assert_eq!(e.meta.topic, "My scenarios");
        assert_eq!(e.sliders.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["THREADS", "HOLD"]);
    }
}
