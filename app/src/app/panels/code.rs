//! The code panel: the program, the editor, each thread's line marked.

use crate::app::{CodeCmd, Command, FileCmd, PickFor, ThreadlineApp};
use crate::theme::Theme;
use egui::RichText;

impl ThreadlineApp {
    pub(in crate::app) fn code_ui(&mut self, ui: &mut egui::Ui, theme: &Theme, cmds: &mut Vec<Command>) {
        let modified = self.editor.modified();
        let mut label = None;
        // The buttons keep their place on the right; the file's name takes what is left and
        // is cut to it (the hover has it whole).
        let row = egui::vec2(ui.available_width(), ui.spacing().interact_size.y);
        ui.allocate_ui_with_layout(row, egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui.add_enabled(modified, egui::Button::new("Revert").small()).clicked() {
                cmds.push(Command::Code(CodeCmd::RevertCode));
            }
            ui.toggle_value(&mut self.persisted.show_bytecode, "Bytecode").on_hover_text(
                "Show the clicked line as CPython 3.11 bytecode (what python3 -m dis prints), where another \
                 thread may take over, and where each thread on the line is",
            );
            if ui.small_button("Save as…").clicked() {
                cmds.push(Command::File(FileCmd::Pick(PickFor::Code)));
            }
            if ui.small_button("Save").on_hover_text("Save the Python file (Ctrl+S)").clicked() {
                cmds.push(Command::Code(CodeCmd::SaveCode));
            }
            if modified {
                ui.label(RichText::new("(edited)").color(theme.reference))
                    .on_hover_text("Kept across launches until you save or revert");
            }
            ui.with_layout(egui::Layout::left_to_right(egui::Align::Center), |ui| {
                let name =
                    self.editor.path.as_ref().map_or_else(|| self.editor.file.clone(), |p| p.display().to_string());
                let r =
                    ui.add(egui::Label::new(RichText::new(&name).strong().monospace()).truncate()).on_hover_text(&name);
                label = Some(r.id);
            });
        });
        let session = self.session.as_ref();
        let same_code = session.and_then(|s| s.code.as_deref()).is_some_and(|c| c == self.editor.text);
        // At the cursor; without one, now (live) or the end — for a deadlock, the moment it
        // was found, when every thread of the cycle still waits at its line.
        let t = session.map(|s| match (self.view.cursor_ns, &s.timeline.deadlock) {
            (Some(c), _) => c as u64,
            (None, Some((at, _))) => *at,
            (None, None) => s.timeline.end_ns,
        });
        let mut marks = match (session, t) {
            (Some(s), Some(t)) if same_code => crate::code::marks_at(&s.timeline, t),
            _ => Vec::new(),
        };
        // Playing the scheduler: the threads that can run are at the lines the turnstile
        // knows (a thread may have passed statements without an event since).
        if let Some(s) = session
            && let Some((_, d)) = s.player.as_ref().and_then(|p| p.handle.pending())
            && same_code
            && self.view.cursor_ns.is_none()
            // An event loop's ready-queue choice is about tasks, not threads: the game lists them.
            && matches!(d.kind, sim_core::control::DecisionKind::Thread)
        {
            let names = &s.timeline.thread_meta;
            marks.retain(|m| !d.enabled.iter().any(|(t, _)| *t == m.thread));
            for (t, line) in &d.enabled {
                if *line > 0 {
                    marks.push(crate::code::CodeMark {
                        line: *line,
                        thread: *t,
                        name: names.get(*t as usize).map_or(format!("T{t}"), |m| m.name.clone()),
                        doing: "can run next".into(),
                    });
                }
            }
            marks.sort_by_key(|m| (m.line, m.thread));
        }
        match session {
            None => {
                ui.label(RichText::new("Press Run (F5) to start this program; edit it first if you like.").weak());
            }
            Some(_) if !same_code => {
                ui.label(
                    RichText::new("The code changed since this run: Run (F5) to see the new version.")
                        .color(theme.reference),
                );
            }
            Some(s) => {
                let when = t.map_or(String::new(), |t| crate::layout::format_duration(t as f64));
                let which = if self.view.cursor_ns.is_some() {
                    "at the cursor"
                } else if s.timeline.deadlock.is_some() {
                    "when the deadlock was found"
                } else if s.is_live() {
                    "now"
                } else {
                    "at the end"
                };
                ui.label(
                    RichText::new(format!("Each thread's line {which} ({when}) is marked in the thread's colour."))
                        .weak(),
                );
            }
        }
        if let Some(e) = &self.editor.error {
            let msg = format!("{} at line {}: {}", e.ty, e.line, e.message);
            let r = ui
                .add(egui::Label::new(RichText::new(msg).color(theme.error)).sense(egui::Sense::click()))
                .on_hover_text("Show the line");
            if r.clicked() {
                cmds.push(Command::Code(CodeCmd::GotoLine(e.line)));
            }
        }
        if self.starting() {
            ui.label(RichText::new("Compiling…").weak());
        }
        // What a slider gives a constant, at its line (the text keeps the file's value).
        let params = self.params();
        let notes: Vec<(u32, String)> = self
            .editor
            .sliders
            .iter()
            .filter_map(|sl| {
                let v = *params.get(&sl.name)?;
                (v != sl.default).then(|| {
                    let shown = if sl.float { format!("{v}") } else { format!("{}", v.round() as i64) };
                    (sl.line, format!("slider: {} = {shown}", sl.name))
                })
            })
            .collect();
        // The compile error, and each uncaught exception of the run at the line that raised it.
        let mut errors: Vec<(u32, String)> =
            self.editor.error.iter().map(|e| (e.line, format!("{}: {}", e.ty, e.message))).collect();
        if let Some(s) = session
            && same_code
        {
            errors.extend(crate::code::uncaught_at_lines(&s.timeline));
        }
        let ann = crate::code::Annotations {
            marks: &marks,
            highlight: self.editor.highlight,
            errors: &errors,
            notes: &notes,
            scroll_to: self.editor.scroll_to.take(),
            label,
        };
        if self.persisted.show_bytecode {
            egui::Panel::bottom("bytecode-pane")
                .resizable(true)
                .default_size(220.0)
                .size_range(80.0..=600.0)
                .show(ui, |ui| self.bytecode_ui(ui, theme, &marks, t, same_code));
        }
        let r = egui::ScrollArea::both()
            .id_salt("code-scroll")
            .auto_shrink([false, false])
            .show(ui, |ui| crate::code::code_editor_ui(ui, &mut self.editor.text, &ann, theme))
            .inner;
        if r.changed {
            self.editor_changed();
        }
        self.editor.hovered = r.hovered_line;
        if let Some(l) = r.clicked_line {
            cmds.push(Command::Code(CodeCmd::JumpToLine(l)));
        }
    }
}
