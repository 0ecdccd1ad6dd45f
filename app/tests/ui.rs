//! The app driven as a person would, with egui_kittest (no display needed): pick a scenario,
//! move the sliders, press Run, step frames until it finishes, read the summary; open a
//! trace, replay and step it.

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use std::time::{Duration, Instant};
use threadline::app::{AnalysisCmd, CodeCmd, FileCmd, GameCmd, Persisted, ReplayCmd, RunCmd, ThreadlineApp};

fn harness(app: ThreadlineApp) -> Harness<'static, ThreadlineApp> {
    Harness::builder().with_size(egui::vec2(1280.0, 800.0)).build_ui_state(
        |ui, app: &mut ThreadlineApp| {
            app.logic(ui.ctx());
            app.ui(ui);
        },
        app,
    )
}

/// Step frames until `done` holds (a background file job, a load…), failing after 10 s.
fn step_until(h: &mut Harness<'static, ThreadlineApp>, what: &str, done: impl Fn(&ThreadlineApp) -> bool) {
    let t0 = Instant::now();
    while !done(h.state()) {
        h.step();
        assert!(t0.elapsed() < Duration::from_secs(10), "{what} did not happen");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn wait_until_finished(h: &mut Harness<'static, ThreadlineApp>) {
    let t0 = Instant::now();
    loop {
        h.step();
        let done = !h.state().starting() && h.state().session.as_ref().is_some_and(|s| !s.is_live());
        if done {
            h.run_steps(2);
            return;
        }
        assert!(t0.elapsed() < Duration::from_secs(60), "the run did not finish");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn semaphore_with_8_threads_and_2_permits_never_has_more_than_2_inside() {
    let persisted = Persisted { time_scale: 0.05, ..Persisted::default() };
    let mut h = harness(ThreadlineApp::new(persisted));
    h.run_steps(2);
    // Pick the semaphore scenario in the picker.
    h.get_by_label("Semaphores").click();
    h.run_steps(2);
    h.get_by_label("Semaphore guarding a shared resource").click();
    h.run_steps(2);
    assert_eq!(h.state().scenario().unwrap().id, "semaphore");
    // Move the sliders.
    h.get_by_role_and_label(Role::Slider, "Threads").set_value_accesskit(8.0);
    h.run_steps(2);
    h.get_by_role_and_label(Role::Slider, "Semaphore size").set_value_accesskit(2.0);
    h.run_steps(2);
    let params = h.state().params();
    assert_eq!(params["THREADS"], 8.0);
    assert_eq!(params["PERMITS"], 2.0);
    h.get_by_label("Run").click();
    h.run_steps(1);
    wait_until_finished(&mut h);
    let app = h.state();
    let s = app.session.as_ref().unwrap();
    // The summary panel shows sim-core's Summary: the same as the CLI's for this trace.
    assert_eq!(*s.summary(), sim_core::summary::Summary::of_trace(&s.trace().unwrap().unpack()));
    let tl = &s.timeline;
    let sem = tl.resource_meta.iter().position(|r| r.name == "semaphore").unwrap();
    assert_eq!(tl.resources[sem].max_holders, 2, "at most 2 threads inside");
    assert_eq!(tl.threads.len(), 9, "MainThread and 8 workers");
    assert!(
        tl.threads
            .iter()
            .skip(1)
            .filter(|l| l.phases.iter().any(|p| matches!(p.state, sim_core::timeline::ThreadState::Blocked(_))))
            .count()
            >= 6,
        "the others queued"
    );
    assert_eq!(tl.output.last().unwrap().2, "All threads completed.");
    // The summary panel says it too.
    h.get_by_label("max 2 holders of 2");
}

#[test]
fn the_deadlock_is_named_in_a_banner() {
    let persisted = Persisted { scenario: "deadlock".into(), ..Persisted::default() };
    let mut h = harness(ThreadlineApp::new(persisted));
    h.run_steps(1);
    h.get_by_label("Run").click();
    wait_until_finished(&mut h);
    h.get_by_label_contains("Thread-1 (thread1) waits for lock2, held by Thread-2 (thread2)");
}

#[test]
fn open_a_trace_replay_and_step() {
    let dir = std::env::temp_dir().join(format!("tl-ui-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("t.json");
    // Record a run and save it through the app.
    let persisted = Persisted { scenario: "pipe-sentinel".into(), ..Persisted::default() };
    let mut h = harness(ThreadlineApp::new(persisted));
    h.run_steps(1);
    h.get_by_label("Run").click();
    wait_until_finished(&mut h);
    h.state_mut().apply(FileCmd::Save(path.clone()));
    step_until(&mut h, "the save", |a| path.exists() && a.note.is_some());
    let full_output = h.state().session.as_ref().unwrap().timeline.output.len();
    let full_cpu = h.state().session.as_ref().unwrap().cpu_total_ns();
    assert!(full_cpu > 0);

    // A fresh app opens it.
    let mut h = harness(ThreadlineApp::new(Persisted { scenario: trace_path_hint(), ..Persisted::default() }));
    h.state_mut().apply(FileCmd::Open(path.clone()));
    step_until(&mut h, "the open", |a| a.session.is_some());
    h.run_steps(2);
    assert_eq!(h.state().session.as_ref().unwrap().timeline.output.len(), full_output);
    // The replay shows the code it carries.
    assert_eq!(h.state().editor.id, "pipe-sentinel");
    assert_eq!(h.state().editor.text, sim_core::py_catalog::py_source("pipe-sentinel").unwrap());
    h.get_by_label_contains("is marked in the thread's colour");
    // Scrub to the start: nothing printed yet; step forward event by event.
    h.state_mut().apply(ReplayCmd::Seek(0.0));
    h.run_steps(1);
    let printed_at_start = h.state().session.as_ref().unwrap().timeline.output.len();
    assert!(printed_at_start < full_output);
    assert!(h.state().session.as_ref().unwrap().cpu_total_ns() < full_cpu, "the CPU total follows the playhead");
    for _ in 0..200 {
        h.key_press(egui::Key::ArrowRight);
        h.run_steps(1);
    }
    let s = h.state().session.as_ref().unwrap();
    assert_eq!(s.timeline.output.len(), full_output, "stepping through every event shows every line again");
    // Replay from the end starts over and plays.
    h.state_mut().apply(ReplayCmd::Seek(f64::MAX));
    h.state_mut().apply(ReplayCmd::Play(true));
    let r = h.state().session.as_ref().unwrap().replay().cloned().unwrap();
    assert!(r.playing && r.playhead_ns == 0.0, "{r:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_opened_trace_sets_the_sliders_and_gil_mode_it_was_run_with() {
    let dir = std::env::temp_dir().join(format!("tl-ui-params-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("t.json");
    // A run with 3 threads and 1 permit under 3.9, saved.
    let mut persisted = Persisted { scenario: "semaphore".into(), ..Persisted::default() };
    persisted.values.insert(
        "semaphore".into(),
        [("THREADS".to_string(), 3.0), ("PERMITS".to_string(), 1.0), ("HOLD".to_string(), 0.01)].into_iter().collect(),
    );
    persisted.gil.insert("semaphore".into(), sim_core::model::GilMode::Cpython39);
    let mut h = harness(ThreadlineApp::new(persisted));
    h.run_steps(1);
    h.get_by_label("Run").click();
    wait_until_finished(&mut h);
    h.state_mut().apply(FileCmd::Save(path.clone()));
    step_until(&mut h, "the save", |a| path.exists() && a.note.is_some());
    // A fresh app, its own remembered values the defaults, opens it: the sliders and the
    // GIL mode say what the trace ran with.
    let mut h = harness(ThreadlineApp::new(Persisted { scenario: "semaphore".into(), ..Persisted::default() }));
    h.run_steps(1);
    assert_ne!(h.state().params().get("THREADS"), Some(&3.0));
    h.state_mut().apply(FileCmd::Open(path.clone()));
    step_until(&mut h, "the open", |a| a.session.as_ref().is_some_and(|s| s.trace().is_some()));
    h.run_steps(1);
    let params = h.state().params();
    assert_eq!((params.get("THREADS"), params.get("PERMITS")), (Some(&3.0), Some(&1.0)), "{params:?}");
    assert_eq!(h.state().settings().gil, sim_core::model::GilMode::Cpython39);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_cut_short_trace_opens_with_what_it_kept_and_says_so() {
    let dir = std::env::temp_dir().join(format!("tl-ui-cut-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // A run's trace as a writer killed midway leaves it: the head and its first block only.
    let src = "import threading\nlock = threading.Lock()\ndef w():\n    for _ in range(3000):\n        with lock:\n            pass\nts = [threading.Thread(target=w) for _ in range(2)]\nfor t in ts:\n    t.start()\nfor t in ts:\n    t.join()\n";
    let (full, _) =
        sim_core::py::run::run_source("cut.py", src, &Default::default(), Default::default(), None).unwrap();
    let block = sim_core::binary::BLOCK;
    assert!(full.events.len() > block);
    let path = dir.join("cut.tltrace.part");
    // Never finished: the head and the block written, no tail.
    let mut bytes = Vec::new();
    {
        let mut w2 = sim_core::binary::TraceWriter::new(&mut bytes, &full).unwrap();
        for e in &full.events[..block] {
            w2.push(e).unwrap();
        }
    }
    std::fs::write(&path, &bytes).unwrap();
    let mut h = harness(ThreadlineApp::new(Persisted { scenario: "rlock-recursion".into(), ..Persisted::default() }));
    h.run_steps(1);
    h.state_mut().apply(FileCmd::Open(path.clone()));
    step_until(&mut h, "the open", |a| a.session.as_ref().is_some_and(|s| s.trace().is_some()));
    h.run_steps(2);
    assert_eq!(h.state().session.as_ref().unwrap().trace().unwrap().events.len(), block);
    let note = h.state().note.clone().unwrap_or_default();
    assert!(note.contains("cut short"), "{note}");
    assert!(h.query_by_label_contains("Incomplete trace").is_some(), "the banner says the trace is incomplete");
    // Its program is not in the catalog: it joins the picker, selected (the picker showed
    // the scenario selected before, beside another program's trace).
    let app = h.state();
    assert_eq!(app.scenario().map(|s| s.id.as_str()), Some("cut"));
    assert_eq!(app.editor.text, src);
    std::fs::remove_dir_all(&dir).unwrap();
}

fn trace_path_hint() -> String {
    "pipe-sentinel".into()
}

#[test]
fn a_broken_trace_shows_a_message_and_keeps_the_session() {
    let dir = std::env::temp_dir().join(format!("tl-ui-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{\"format\": \"threadline-trace\", \"version\": 1, \"events\": [").unwrap();
    let mut h = harness(ThreadlineApp::new(Persisted { scenario: "rlock-recursion".into(), ..Persisted::default() }));
    h.run_steps(1);
    h.get_by_label("Run").click();
    wait_until_finished(&mut h);
    h.state_mut().apply(FileCmd::Open(bad.clone()));
    step_until(&mut h, "an error message", |a| a.error.is_some());
    let err = h.state().error.clone().unwrap();
    assert!(err.contains("truncated"), "{err}");
    assert_eq!(h.state().session.as_ref().unwrap().scenario.id, "rlock-recursion", "the run on screen is kept");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn pin_a_run_and_compare_it_with_another_gil_mode_on_one_axis() {
    let persisted = Persisted { scenario: "cpu-bound-threads".into(), time_scale: 0.2, ..Persisted::default() };
    let mut h = harness(ThreadlineApp::new(persisted));
    h.run_steps(1);
    h.get_by_label("Run").click();
    wait_until_finished(&mut h);
    h.get_by_label("Pin for comparison").click_accesskit();
    h.run_steps(2);
    assert!(h.state().compare.is_some());
    h.state_mut().persisted.gil.insert("cpu-bound-threads".into(), sim_core::model::GilMode::FreeThreaded);
    h.get_by_label("Restart").click();
    wait_until_finished(&mut h);
    let app = h.state();
    let (now, pinned) = (app.session.as_ref().unwrap(), app.compare.as_ref().unwrap());
    assert_eq!(now.settings.gil, sim_core::model::GilMode::FreeThreaded);
    assert_eq!(pinned.settings.gil, sim_core::model::GilMode::Cpython310);
    assert!(pinned.timeline.gils[0].handoffs.len() > 3, "the pinned run keeps its GIL lane");
    assert!(now.timeline.gils[0].phases.is_empty(), "free-threaded has no GIL");
    h.get_by_label_contains("Compared with cpu-bound-threads");
}

#[test]
fn a_scenario_file_loads_into_the_picker_and_a_broken_one_says_where() {
    let dir = std::env::temp_dir().join(format!("tl-ui-sc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("mine.py");
    std::fs::write(
        &good,
        "\"\"\"Mine\n\nTwo threads say hi.\n\"\"\"\nimport threading\n\ndef hi():\n    print('hi from', threading.current_thread().name)\n\nts = [threading.Thread(target=hi, name=f'w{i}') for i in range(2)]\nfor t in ts:\n    t.start()\n",
    )
    .unwrap();
    let bad = dir.join("bad.py");
    std::fs::write(&bad, "import threading\n\nwith threading.Lock() as l\n    pass\n").unwrap();
    let mut h = harness(ThreadlineApp::new(Persisted::default()));
    h.run_steps(1);
    h.state_mut().apply(FileCmd::LoadScenario(bad));
    step_until(&mut h, "an error message", |a| a.error.is_some());
    let err = h.state().error.clone().unwrap();
    assert!(err.contains("bad.py\", line 3") && err.contains("SyntaxError: expected ':'"), "{err}");
    h.state_mut().apply(FileCmd::LoadScenario(good));
    step_until(&mut h, "loading the scenario", |a| a.scenario().is_some_and(|s| s.id == "mine"));
    assert_eq!(h.state().scenario().unwrap().meta.topic, "My scenarios");
    h.run_steps(2);
    h.get_by_label("Run").click();
    wait_until_finished(&mut h);
    let out: Vec<String> = h.state().session.as_ref().unwrap().timeline.output.iter().map(|o| o.2.clone()).collect();
    assert_eq!(out.len(), 2);
    assert!(out.contains(&"hi from w0".to_string()));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn pause_holds_every_thread_at_an_op_boundary_and_stop_ends_the_run() {
    let mut persisted = Persisted { scenario: "daemon-threads".into(), time_scale: 0.05, ..Persisted::default() };
    // The daemon thread prints every 0.1 s (5 ms at this time scale).
    persisted.values.insert("daemon-threads".into(), [("PAUSE".into(), 0.1)].into());
    let mut h = harness(ThreadlineApp::new(persisted));
    h.run_steps(1);
    h.get_by_label("Run").click();
    for _ in 0..5 {
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    h.get_by_label("Pause").click();
    h.step();
    assert!(h.state().session.as_ref().unwrap().paused());
    // Ops already running (the non-daemon thread's sleep) finish, then every thread
    // holds at its next op boundary: the event count settles although the daemon thread
    // would print every 50 ms.
    let count = |h: &mut Harness<'static, ThreadlineApp>| {
        h.step();
        h.state().session.as_ref().unwrap().timeline.n_events
    };
    let t0 = Instant::now();
    let mut n1 = count(&mut h);
    loop {
        std::thread::sleep(Duration::from_millis(200));
        let n = count(&mut h);
        if n == n1 {
            break;
        }
        n1 = n;
        assert!(t0.elapsed() < Duration::from_secs(5), "events kept coming while paused");
    }
    std::thread::sleep(Duration::from_millis(300));
    let n2 = count(&mut h);
    assert_eq!(n1, n2, "no thread moves while paused");
    // Step: every paused thread runs one op, then holds again.
    h.get_by_label("Step").click();
    h.step();
    std::thread::sleep(Duration::from_millis(150));
    let n3 = count(&mut h);
    assert!(n3 > n2, "a step moved the threads on");
    std::thread::sleep(Duration::from_millis(250));
    assert_eq!(count(&mut h), n3, "and they hold again");
    let n2 = n3;
    h.get_by_label("Resume").click();
    h.step();
    std::thread::sleep(Duration::from_millis(100));
    h.step();
    assert!(h.state().session.as_ref().unwrap().timeline.n_events > n2, "resumed");
    h.get_by_label("Stop").click();
    wait_until_finished(&mut h);
}

#[test]
fn clicking_the_timeline_sets_the_cursor_and_the_inspector_describes_that_instant() {
    let persisted = Persisted { scenario: "deadlock".into(), ..Persisted::default() };
    let mut h = harness(ThreadlineApp::new(persisted));
    h.run_steps(1);
    h.get_by_label("Run").click();
    wait_until_finished(&mut h);
    assert!(h.state().view.cursor_ns.is_none());
    h.get_by_label("Timeline").click();
    h.run_steps(2);
    assert!(h.state().view.cursor_ns.is_some(), "a click sets the cursor");
    h.get_by_label_contains("lock1: held by Thread-1");
}

/// Click the primary button at `pos`.
fn click_at(h: &mut Harness<'static, ThreadlineApp>, pos: egui::Pos2) {
    h.hover_at(pos);
    h.step();
    for pressed in [true, false] {
        h.event(egui::Event::PointerButton {
            pos,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::NONE,
        });
    }
    h.step();
}

#[test]
fn click_a_blocked_bar_and_the_code_panel_shows_the_line_that_blocked() {
    let persisted = Persisted { scenario: "deadlock".into(), ..Persisted::default() };
    let mut h = harness(ThreadlineApp::new(persisted));
    h.run_steps(2);
    // The program is on screen before anything runs, and so is what to do.
    assert!(h.state().editor.text.contains("with lock2:"));
    h.get_by_label("deadlock.py");
    h.get_by_label_contains("Press Run (F5) to start this program");
    h.key_press(egui::Key::F5);
    wait_until_finished(&mut h);
    // Both threads of the cycle are marked at the line where each waits.
    let marks = {
        let app = h.state();
        let s = app.session.as_ref().unwrap();
        threadline::code::marks_at(&s.timeline, s.timeline.deadlock.as_ref().unwrap().0)
    };
    let line_of = |h: &Harness<'static, ThreadlineApp>, n: u32| {
        h.state().editor.text.lines().nth(n as usize - 1).unwrap_or_default().trim().to_string()
    };
    let waits: Vec<(String, String)> = marks
        .iter()
        .filter(|m| m.name.starts_with("Thread-"))
        .map(|m| (line_of(&h, m.line), m.doing.clone()))
        .collect();
    assert_eq!(
        waits,
        [
            ("with lock2:".to_string(), "waits for lock2 (held by Thread-2 (thread2))".to_string()),
            ("with lock1:".to_string(), "waits for lock1 (held by Thread-1 (thread1))".to_string())
        ]
    );
    h.get_by_label_contains("when the deadlock was found");
    // Click Thread-1's lane near the end, where it is blocked (rows below a 22 px axis).
    let r = h.get_by_label("Timeline").rect();
    let y = {
        let tl = &h.state().session.as_ref().unwrap().timeline;
        let rows = threadline::timeline_view::rows(tl);
        let k = rows.iter().position(|(row, _)| *row == threadline::timeline_view::Row::Thread(1)).unwrap();
        r.top() + 22.0 + rows[..k].iter().map(|(_, h)| h + 2.0).sum::<f32>() + 10.0
    };
    click_at(&mut h, egui::pos2(r.right() - 30.0, y));
    h.run_steps(2);
    let line = h.state().editor.highlight.expect("the click picked a line");
    assert_eq!(line_of(&h, line), "with lock2:");
    // A line number jumps the cursor to the next time a thread is at that line.
    let first_with = h.state().editor.text.lines().position(|l| l.trim() == "with lock1:").unwrap() as u32 + 1;
    h.state_mut().apply(CodeCmd::JumpToLine(first_with));
    h.run_steps(1);
    let t = h.state().view.cursor_ns.expect("the cursor moved") as u64;
    let s = h.state().session.as_ref().unwrap();
    assert!(s.timeline.threads.iter().any(|l| l.line_at(t) == Some(first_with)));
}

#[test]
fn a_new_scenario_shows_its_syntax_error_at_its_line_then_runs_is_saved_and_reopens() {
    let mut h = harness(ThreadlineApp::new(Persisted { time_scale: 0.05, ..Persisted::default() }));
    h.run_steps(1);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::N);
    h.run_steps(2);
    assert!(h.state().editor.id.starts_with("untitled-"));
    assert_eq!(h.state().editor.text, threadline::code::TEMPLATE);
    assert_eq!(h.state().scenario().unwrap().meta.topic, "My scenarios");
    // Replace the text with a broken program, as a person types it.
    let editor = h.get_by_role(Role::MultilineTextInput);
    editor.focus();
    h.run_steps(1);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_role(Role::MultilineTextInput).type_text("import threading\n\ndef f(:\n    pass\n");
    h.run_steps(1);
    step_until(&mut h, "the check to find the error", |a| a.editor.error.is_some());
    let e = h.state().editor.error.clone().unwrap();
    assert_eq!((e.ty, e.line), ("SyntaxError", 3), "{e}");
    h.run_steps(1);
    h.get_by_label_contains("SyntaxError at line 3:");
    // Run it anyway: the run refuses with the line, and nothing starts.
    h.get_by_label("Run").click();
    step_until(&mut h, "the refusal", |a| a.error.is_some());
    assert!(h.state().error.as_ref().unwrap().contains("line 3"));
    assert!(h.state().session.is_none());
    // Fix it and run.
    let fixed = "import threading\n\nNAMES = 2  # slider: 1..4 Threads\n\ndef f():\n    print('hi from', threading.current_thread().name)\n\nfor i in range(NAMES):\n    t = threading.Thread(target=f, name=f'w{i}')\n    t.start()\n    t.join()\n";
    h.get_by_role(Role::MultilineTextInput).focus();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_role(Role::MultilineTextInput).type_text(fixed);
    h.run_steps(1);
    assert_eq!(h.state().editor.text, fixed);
    step_until(&mut h, "the check to pass", |a| a.editor.error.is_none() && !a.editor.sliders.is_empty());
    // The file's slider constant is a slider now.
    h.get_by_role_and_label(Role::Slider, "Threads");
    h.get_by_label("Run").click();
    wait_until_finished(&mut h);
    let out: Vec<String> = h.state().session.as_ref().unwrap().timeline.output.iter().map(|o| o.2.clone()).collect();
    assert_eq!(out, ["hi from w0", "hi from w1"]);
    // Unsaved, the text is a draft that a restart keeps.
    let id = h.state().editor.id.clone();
    assert_eq!(h.state().persisted.untitled.get(&id).map(String::as_str), Some(fixed));
    // Save it, then start a new app from what was persisted: the file is in the picker
    // under its topic and opens with its text.
    let dir = std::env::temp_dir().join(format!("tl-ui-save-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("hello.py");
    h.state_mut().apply(CodeCmd::SaveCodeTo(path.clone()));
    step_until(&mut h, "the save", |a| a.editor.path.as_deref() == Some(path.as_path()));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), fixed);
    assert!(!h.state().editor.modified());
    let persisted = h.state().persisted.clone();
    assert!(persisted.untitled.is_empty() && persisted.drafts.is_empty());
    let mut h2 = harness(ThreadlineApp::new(persisted));
    step_until(&mut h2, "the saved file to come back", |a| a.editor.id == "hello");
    assert_eq!(h2.state().editor.text, fixed);
    assert_eq!(h2.state().scenario().unwrap().meta.topic, "My scenarios");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unsaved_edits_survive_a_restart_and_revert_brings_the_file_back() {
    let mut h = harness(ThreadlineApp::new(Persisted { scenario: "deadlock".into(), ..Persisted::default() }));
    h.run_steps(1);
    h.get_by_role(Role::MultilineTextInput).focus();
    h.run_steps(1);
    h.get_by_role(Role::MultilineTextInput).type_text("# my note\n");
    h.run_steps(1);
    assert!(h.state().editor.modified());
    let persisted = h.state().persisted.clone();
    let draft = persisted.drafts.get("deadlock").expect("the draft is persisted").clone();
    assert!(draft.contains("# my note"));
    let mut h2 = harness(ThreadlineApp::new(persisted));
    h2.run_steps(1);
    assert_eq!(h2.state().editor.text, draft);
    h2.get_by_label("(edited)");
    h2.get_by_label("Revert").click();
    h2.run_steps(1);
    assert!(!h2.state().editor.text.contains("# my note"));
    assert!(h2.state().persisted.drafts.is_empty());
}

#[test]
fn an_uncaught_exception_is_shown_at_the_line_that_raised_it() {
    let persisted = Persisted { scenario: "lock-nonblocking-pitfall".into(), time_scale: 0.05, ..Persisted::default() };
    let mut h = harness(ThreadlineApp::new(persisted));
    h.run_steps(1);
    h.get_by_label("Run").click();
    wait_until_finished(&mut h);
    let app = h.state();
    let errors = threadline::code::uncaught_at_lines(&app.session.as_ref().unwrap().timeline);
    assert_eq!(errors.len(), 1, "{errors:?}");
    let (line, msg) = &errors[0];
    assert!(msg.starts_with("Thread-2") && msg.ends_with("RuntimeError: release unlocked lock"), "{msg}");
    let text = app.editor.text.lines().nth(*line as usize - 1).unwrap().trim().to_string();
    assert_eq!(text, "lock.release()");
    // The traceback's lines in the output are links to their line.
    let tb_line =
        app.session.as_ref().unwrap().timeline.output.iter().find_map(|o| threadline::code::traceback_line(&o.2));
    assert!(tb_line.is_some(), "a traceback line in the output");
}

#[test]
fn run_in_cpython_too_draws_the_real_run_below_the_simulated_one() {
    let persisted = Persisted { scenario: "semaphore".into(), time_scale: 0.05, ..Persisted::default() };
    let mut app = ThreadlineApp::new(persisted);
    app.persisted.values.insert("semaphore".into(), [("HOLD".into(), 0.05)].into());
    let mut h = harness(app);
    step_until(&mut h, "the python3 lookup", |a| a.python.is_some());
    if let Some(Err(why)) = &h.state().python {
        // No python3 here: the button says so.
        assert!(why.contains("THREADLINE_PYTHON"), "{why}");
        return;
    }
    h.run_steps(1);
    h.get_by_label("Run").click();
    wait_until_finished(&mut h);
    h.get_by_label("Run in CPython too").click_accesskit();
    h.run_steps(1);
    assert!(h.state().jobs.is_running(threadline::app::JobKind::Record), "the click started a recording");
    let t0 = Instant::now();
    while h.state().compare.is_none() {
        assert!(h.state().error.is_none(), "{:?}", h.state().error);
        assert!(t0.elapsed() < Duration::from_secs(60), "the recording did not arrive");
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    h.run_steps(2);
    let app = h.state();
    let real = app.compare.as_ref().unwrap();
    let t = real.trace().unwrap();
    assert!(t.meta.recorded.is_some(), "marked as recorded from CPython");
    assert!(real.source.starts_with("CPython 3."), "{}", real.source);
    // The same program, the same sliders: the same six threads and the same lines printed.
    assert_eq!(t.meta.threads.len(), 7);
    assert_eq!(t.meta.resources.iter().find(|r| r.name == "semaphore").map(|r| r.capacity), Some(3));
    h.get_by_label_contains("Output: the same 19 lines in both runs.");
}

/// Step frames until the scheduler game waits for a choice (Some(step)) or the run ends (None).
fn next_choice(h: &mut Harness<'static, ThreadlineApp>) -> Option<usize> {
    let t0 = Instant::now();
    loop {
        h.step();
        let app = h.state();
        if let Some(s) = &app.session
            && !app.starting()
        {
            if let Some((step, _)) = s.player.as_ref().and_then(|p| p.handle.pending()) {
                h.run_steps(1);
                return Some(step);
            }
            if !s.is_live() {
                h.run_steps(2);
                return None;
            }
        }
        assert!(t0.elapsed() < Duration::from_secs(30), "no choice point and no end");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn play_the_scheduler_into_the_deadlock_by_clicking_thread_buttons_then_step_back_out_of_it() {
    // The schedule to play: the one `explore` finds for the notes' deadlock with no pause.
    let src = sim_core::py_catalog::py_source("deadlock").expect("catalog");
    let ov = [("HOLD".to_string(), sim_core::py::value::V::Float(0.0))].into_iter().collect();
    let prog = std::sync::Arc::new(sim_core::py::compile("deadlock.py", src, &ov).unwrap());
    let settings = sim_core::model::RuntimeSettings::default();
    let ex = sim_core::explore::explore(&prog, &settings, &Default::default(), |_| true);
    let plan: Vec<u32> =
        ex.found.expect("explore finds the deadlock").run.report.decisions.iter().map(|d| d.chosen).collect();

    let values = [("deadlock".to_string(), [("HOLD".to_string(), 0.0)].into_iter().collect())].into_iter().collect();
    let persisted = Persisted { scenario: "deadlock".into(), values, ..Persisted::default() };
    let mut h = harness(ThreadlineApp::new(persisted));
    h.run_steps(2);
    h.get_by_label("Play the scheduler").click_accesskit();
    let mut clicked = 0;
    while let Some(step) = next_choice(&mut h) {
        let t = plan[step];
        let name = h.state().session.as_ref().unwrap().timeline.thread_meta[t as usize].name.clone();
        h.get_by_label(&format!("Run {name}")).click_accesskit();
        clicked += 1;
        assert!(clicked <= plan.len(), "more choices than the plan has");
    }
    assert_eq!(clicked, plan.len(), "every choice was a click");
    h.get_by_label_contains("Game over: Deadlock: Thread-1 (thread1) waits for lock2");
    let sched = h.state().session.as_ref().unwrap().trace().unwrap().meta.schedule.clone().expect("a schedule");
    h.get_by_label_contains(&format!("Schedule: {sched}"));

    // Back one step: the same choices but the last, then the other thread there.
    h.get_by_label("Back one step").click_accesskit();
    let step = next_choice(&mut h).expect("the last choice point again");
    assert_eq!(step, plan.len() - 1);
    let last = plan[step];
    let (_, d) = h.state().session.as_ref().unwrap().player.as_ref().unwrap().handle.pending().unwrap();
    let other = d.enabled.iter().map(|(t, _)| *t).find(|t| *t != last).expect("another thread could run");
    let name = h.state().session.as_ref().unwrap().timeline.thread_meta[other as usize].name.clone();
    h.get_by_label(&format!("Run {name}")).click_accesskit();
    // Then let the default schedule finish it.
    if next_choice(&mut h).is_some() {
        h.get_by_label("Run to the end").click_accesskit();
        while next_choice(&mut h).is_some() {}
    }
    let s = h.state().session.as_ref().unwrap();
    assert!(!s.is_live(), "the branched game ended");
    let history = s.player.as_ref().unwrap().handle.history();
    assert_eq!(&history[..step], &plan[..step], "the same choices up to the branch");
    assert_eq!(history[step], other, "then the branch");
}

#[test]
fn outcome_statistics_show_a_bar_per_outcome_and_open_the_run_behind_one() {
    let persisted = Persisted { scenario: "gil-order-dependence".into(), stats_runs: 6, ..Persisted::default() };
    let mut h = harness(ThreadlineApp::new(persisted));
    h.run_steps(2);
    h.get_by_label("Outcome statistics").click_accesskit();
    step_until(&mut h, "the statistics", |a| a.stats.is_some());
    h.run_steps(2);
    let st = h.state().stats.as_ref().unwrap();
    assert_eq!(st.runs, 6);
    assert_eq!(st.bars.iter().map(|b| b.count).sum::<usize>(), 6);
    assert!(st.bars.iter().all(|b| b.label.contains("Final n = 250")), "{:?}", st.bars);
    h.get_by_label_contains("Outcomes of 6 runs of gil-order-dependence.py");
    h.get_all_by_label("Open").next().expect("an Open button per kept run").click_accesskit();
    h.run_steps(3);
    let s = h.state().session.as_ref().expect("the run behind the bar is open");
    assert!(s.source.contains("outcome statistics"), "{}", s.source);
    assert!(s.summary().output.iter().any(|l| l == "Final n = 250"));
}

#[test]
fn explore_from_the_app_finds_the_lost_update_and_the_game_follows_its_schedule() {
    let values = [(
        "race-counter".to_string(),
        [("ITERATIONS".to_string(), 2.0), ("THREADS".to_string(), 2.0)].into_iter().collect(),
    )]
    .into_iter()
    .collect();
    let persisted = Persisted {
        scenario: "race-counter".into(),
        values,
        split_updates: true,
        explore_check: "counter == THREADS * ITERATIONS".into(),
        ..Persisted::default()
    };
    let mut h = harness(ThreadlineApp::new(persisted));
    h.run_steps(2);
    h.get_by_label("Explore").click_accesskit();
    step_until(&mut h, "the search", |a| a.explored.is_some());
    h.run_steps(2);
    assert!(h.get_all_by_label_contains("Found after").count() >= 1, "the verdict, in the panel and the note");
    assert!(h.get_all_by_label_contains("is False").count() >= 1);
    h.get_by_label("Play it").click_accesskit();
    // Follow the schedule to the end, one click per choice.
    let mut clicks = 0;
    while next_choice(&mut h).is_some() {
        h.get_by_label("Follow it").click_accesskit();
        clicks += 1;
        assert!(clicks < 500, "the game does not end");
    }
    let s = h.state().session.as_ref().unwrap();
    let lost = s.summary().vars.get("counter").and_then(|v| v.lost_updates).unwrap_or(0);
    assert!(lost > 0, "following the found schedule loses an update");
    h.get_by_label_contains("counter lost");
}

/// Step frames until a scroll's animation is over (a second of frames).
fn settle(h: &mut Harness<'static, ThreadlineApp>) {
    h.run_steps(60);
}

#[test]
fn the_profile_says_where_the_time_went_and_a_row_lights_up_its_spans_and_line() {
    let mut values = std::collections::BTreeMap::new();
    values.insert("lock-counter".to_string(), std::collections::BTreeMap::from([("ITERATIONS".to_string(), 3000.0)]));
    let persisted = Persisted { scenario: "lock-counter".into(), values, ..Persisted::default() };
    let mut h = harness(ThreadlineApp::new(persisted));
    h.run_steps(1);
    h.key_press(egui::Key::F5);
    wait_until_finished(&mut h);
    h.key_press(egui::Key::F6);
    h.run_steps(2);
    assert!(h.state().persisted.show_profile, "F6 opens the profile");
    // The headline says where the threads lost the most time.
    h.get_by_label_contains("The threads spent");
    // A line's row: its spans light up on the timeline and the code panel shows it.
    let with_line = h.state().editor.text.lines().position(|l| l.trim().starts_with("with lock:")).unwrap() as u32 + 1;
    // Scrolled into view first, as a person would (the table may be taller than its panel).
    h.get_by_label(&format!("line {with_line}")).scroll_to_me();
    settle(&mut h);
    h.get_by_label(&format!("line {with_line}")).click();
    h.run_steps(2);
    assert_eq!(h.state().view.highlight, Some(threadline::timeline_view::Highlight::Line(with_line)));
    assert_eq!(h.state().editor.highlight, Some(with_line));
    // A resource's row lights up the waits for it.
    h.get_by_label("By resource").click();
    h.run_steps(2);
    h.get_by_label("lock · lock").scroll_to_me();
    settle(&mut h);
    h.get_by_label("lock · lock").click();
    h.run_steps(2);
    let lock =
        h.state().session.as_ref().unwrap().timeline.resource_meta.iter().position(|r| r.name == "lock").unwrap();
    assert_eq!(
        h.state().view.highlight,
        Some(threadline::timeline_view::Highlight::Wait(sim_core::event::WaitTarget::Resource(lock as u32)))
    );
    // The critical path is drawn, and it ends where the run ends.
    let path = h.state().view.path.clone().expect("the critical path is shown");
    let end = h.state().session.as_ref().unwrap().timeline.end_ns;
    assert!(path.first().is_some_and(|s| s.to_ns <= end && s.to_ns + 5_000_000 >= end));
    // Clicking the row again clears it.
    h.get_by_label("lock · lock").scroll_to_me();
    settle(&mut h);
    h.get_by_label("lock · lock").click();
    h.run_steps(2);
    assert_eq!(h.state().view.highlight, None);
}

#[test]
fn a_click_on_a_task_bar_shows_its_line_and_the_inspector_says_what_holds_the_loop() {
    let mut values = std::collections::BTreeMap::new();
    values.insert(
        "asyncio-blocking-call".to_string(),
        std::collections::BTreeMap::from([("BLOCKING_MS".to_string(), 300.0), ("TICKS".to_string(), 4.0)]),
    );
    let persisted = Persisted { scenario: "asyncio-blocking-call".into(), values, ..Persisted::default() };
    let mut h = harness(ThreadlineApp::new(persisted));
    h.run_steps(1);
    h.key_press(egui::Key::F5);
    wait_until_finished(&mut h);
    // The blocker's slow step: the ticker is ready meanwhile, the loop held.
    let (blocker, ticker, slow) = {
        let tl = &h.state().session.as_ref().unwrap().timeline;
        let blocker = tl.tasks.iter().position(|t| t.coro == "blocker").unwrap();
        let ticker = tl.tasks.iter().position(|t| t.coro == "ticker").unwrap();
        let slow = tl.slow_steps(blocker, 100_000_000)[0];
        (blocker, ticker, slow)
    };
    let mid = (slow.0 + slow.1) / 2;
    h.state_mut().view.cursor_ns = Some(mid as f64);
    h.run_steps(2);
    let said = sim_core::words::task_sentence(&h.state().session.as_ref().unwrap().timeline, ticker, mid);
    assert!(said.starts_with("Task-2 (ticker) has waited"), "{said}");
    h.get_by_label_contains("(ticker) has waited");
    h.get_by_label_contains("the loop is running Task-3 (blocker) at line 26, which has not awaited for");
    // Click the blocker's bar in the middle of its slow step: the code panel shows line 27.
    let r = h.get_by_label("Timeline").rect();
    let (y, x) = {
        let app = h.state();
        let tl = &app.session.as_ref().unwrap().timeline;
        let rows = threadline::timeline_view::rows(tl);
        let k = rows.iter().position(|(row, _)| *row == threadline::timeline_view::Row::Task(blocker as u32)).unwrap();
        let y = r.top() + 22.0 + rows[..k].iter().map(|(_, h)| h + 2.0).sum::<f32>() + 10.0;
        let axis = app.view.axis.unwrap();
        (y, axis.x_from_time(mid as f64) as f32)
    };
    click_at(&mut h, egui::pos2(x, y));
    h.run_steps(2);
    let line = h.state().editor.highlight.expect("the click picked a line");
    let text = h.state().editor.text.lines().nth(line as usize - 1).unwrap().trim().to_string();
    assert!(text.starts_with("time.sleep(BLOCKING_MS / 1000)"), "line {line}: {text}");
}

#[test]
fn a_challenge_from_the_picker_shows_its_goal_and_explore_reaches_it() {
    let mut h = harness(ThreadlineApp::new(Persisted::default()));
    h.run_steps(2);
    h.get_by_label("Challenges — 0 of 20 won").scroll_to_me();
    settle(&mut h);
    h.get_by_label("Challenges — 0 of 20 won").click();
    settle(&mut h);
    h.get_by_label("Challenge 1: lose an update").scroll_to_me();
    settle(&mut h);
    h.get_by_label("Challenge 1: lose an update").click();
    h.run_steps(2);
    assert_eq!(h.state().scenario().unwrap().id, "challenge-01-lost-update");
    h.get_by_label_contains("Goal: counter < 2");
    h.get_by_label("Hint (0 of 2)").click();
    h.run_steps(2);
    h.get_by_label_contains("Hint 1: `counter += 1` is three steps");
    assert_eq!(h.state().persisted.challenges["challenge-01-lost-update"].hints, 1, "hints shown are remembered");
    h.state_mut().apply(AnalysisCmd::Explore);
    step_until(&mut h, "the search", |app| app.explored.is_some());
    let verdict = h.state().explored.as_ref().unwrap().verdict();
    assert!(verdict.starts_with("Goal reached after"), "{verdict}");
}

/// Select a challenge by id (as the picker does).
fn select_challenge(h: &mut Harness<'static, ThreadlineApp>, id: &str) {
    let i = h.state().catalog.iter().position(|e| e.id == id).expect("the challenge is in the picker");
    h.state_mut().apply(CodeCmd::Select(i));
    h.run_steps(2);
}

#[test]
fn a_challenge_won_by_clicking_is_scored_against_par_and_remembered() {
    let mut h = harness(ThreadlineApp::new(Persisted::default()));
    h.run_steps(2);
    select_challenge(&mut h, "challenge-01-lost-update");
    // The solution explore finds, played by clicking "Follow it" at every choice.
    let e = h.state().scenario().unwrap().clone();
    let prog = std::sync::Arc::new(sim_core::py::compile(&e.file, &e.source, &Default::default()).unwrap());
    let settings = sim_core::model::RuntimeSettings { gil: prog.meta_gil(), ..Default::default() };
    let solved = sim_core::challenge::solve(&prog, &settings, 500, 30.0).unwrap();
    let sched = solved.schedule().expect("challenge 1 can be won").clone();
    h.state_mut().apply(GameCmd::PlayGuided(sched, 0));
    let t0 = Instant::now();
    loop {
        h.step();
        std::thread::sleep(Duration::from_millis(5));
        let s = h.state();
        if s.session.as_ref().is_some_and(|s| !s.is_live() && s.player.as_ref().is_some_and(|p| p.played.is_some())) {
            break;
        }
        let pending = s.session.as_ref().and_then(|s| s.player.as_ref()).and_then(|p| p.handle.pending());
        if pending.is_some() && h.query_by_label("Follow it").is_some() {
            h.get_by_label("Follow it").click();
        }
        assert!(t0.elapsed() < Duration::from_secs(30), "the game did not end");
    }
    h.run_steps(3);
    assert!(h.get_all_by_label_contains("Goal reached: `counter < 2` with 1 preemption — par is 1").count() >= 1);
    let won = &h.state().persisted.challenges["challenge-01-lost-update"].won;
    assert_eq!(won.get("cpython-3.9"), Some(&1), "{won:?}");
    h.get_by_label("Challenges — 1 of 20 won");
    h.get_by_label_contains("Won under cpython-3.9 with 1 preemption");
    // Kept between launches: the persisted state round-trips through its storage format.
    let text = serde_json::to_string(&h.state().persisted).unwrap();
    let back: Persisted = serde_json::from_str(&text).unwrap();
    assert_eq!(back.challenges, h.state().persisted.challenges);
}

#[test]
fn a_game_that_misses_the_goal_says_so_and_wins_nothing() {
    let mut h = harness(ThreadlineApp::new(Persisted::default()));
    h.run_steps(2);
    select_challenge(&mut h, "challenge-01-lost-update");
    h.state_mut().apply(GameCmd::PlayScheduler);
    h.run_steps(2);
    // "Run to the end": the default schedule, no preemption: both updates land.
    step_until(&mut h, "the first choice", |app| {
        app.session.as_ref().and_then(|s| s.player.as_ref()).is_some_and(|p| p.handle.pending().is_some())
    });
    h.state_mut().apply(GameCmd::AutoRun);
    step_until(&mut h, "the game's end", |app| {
        app.session.as_ref().and_then(|s| s.player.as_ref()).is_some_and(|p| p.played.is_some())
    });
    h.run_steps(3);
    assert!(h.get_all_by_label_contains("Not this time: `counter < 2` was not reached (counter = 2)").count() >= 1);
    assert!(h.state().persisted.challenges.get("challenge-01-lost-update").is_none_or(|p| p.won.is_empty()));
}

#[test]
fn show_me_proves_an_impossible_challenge_and_offers_the_mode_where_it_can_be_won() {
    let mut h = harness(ThreadlineApp::new(Persisted::default()));
    h.run_steps(2);
    select_challenge(&mut h, "challenge-03-impossible-under-310");
    h.get_by_label("Show me").click();
    h.run_steps(1);
    step_until(&mut h, "the solution", |app| app.solved.is_some());
    h.run_steps(2);
    // In the challenge's card (and the note).
    assert!(
        h.get_all_by_label_contains("Out of reach under cpython-3.10+: every schedule with at most 2 preemptions")
            .count()
            >= 1
    );
    h.get_by_label("Try it under cpython-3.9").click();
    h.run_steps(2);
    assert_eq!(h.state().settings().gil, sim_core::model::GilMode::Cpython39);
    // Under 3.9, Show me finds a schedule and plays it by itself.
    h.get_by_label("Show me").click();
    h.run_steps(1);
    step_until(&mut h, "the second solution", |app| app.solved.as_ref().is_some_and(|x| x.solved.schedule().is_some()));
    step_until(&mut h, "the game to start", |app| app.session.as_ref().is_some_and(|s| s.player.is_some()));
    // ...one choice at a time, by itself, to the goal: shown, not won.
    let t0 = Instant::now();
    while h.state().session.as_ref().and_then(|s| s.player.as_ref()).is_none_or(|p| p.played.is_none()) {
        h.step();
        std::thread::sleep(Duration::from_millis(20));
        assert!(t0.elapsed() < Duration::from_secs(30), "Show me did not play the game to its end");
    }
    let played = h.state().session.as_ref().unwrap().player.as_ref().unwrap().played.clone().unwrap();
    assert!(played.reached, "{played:?}");
    h.run_steps(2);
    assert!(h.state().persisted.challenges.get("challenge-03-impossible-under-310").is_none_or(|p| p.won.is_empty()));
    assert!(h.state().note.as_deref().is_some_and(|n| n.contains("now win it yourself")), "{:?}", h.state().note);
}

#[test]
fn predict_then_run_asks_before_it_runs_and_scores_the_pick() {
    let persisted = Persisted { stats_runs: 10, ..Persisted::default() };
    let mut h = harness(ThreadlineApp::new(persisted));
    h.run_steps(2);
    select_challenge(&mut h, "challenge-01-lost-update");
    h.get_by_label("Predict, then run").scroll_to_me();
    settle(&mut h);
    h.get_by_label("Predict, then run").click();
    h.run_steps(1);
    step_until(&mut h, "the choices", |app| app.prediction.as_ref().is_some_and(|p| p.choices.is_some()));
    h.run_steps(2);
    h.get_by_label("Predict: what will the program print last?");
    // Both answers are offered (under 3.9 a switch can fall inside `counter += 1`).
    h.get_by_label("counter = 1");
    h.get_by_label("counter = 2").click();
    h.run_steps(1);
    step_until(&mut h, "the runs", |app| app.prediction.as_ref().is_some_and(|p| p.tally.is_some()));
    h.run_steps(2);
    let t = h.state().prediction.as_ref().unwrap().tally.clone().unwrap();
    assert_eq!(t.runs, 10);
    h.get_by_label_contains("You predicted “counter = 2”:");
    h.get_by_label_contains("Your predictions so far: 1 made");
    assert_eq!(h.state().persisted.predictions.made, 1);
    let most = t.answers[0].0.clone();
    assert_eq!(h.state().persisted.predictions.right, usize::from(most == "counter = 2"));
}

#[test]
fn at_1280_by_800_the_timeline_gets_half_the_width_and_the_side_panels_close() {
    let persisted = Persisted { scenario: "semaphore".into(), ..Persisted::default() };
    let mut h = harness(ThreadlineApp::new(persisted));
    h.state_mut().apply(RunCmd::Run);
    wait_until_finished(&mut h);
    settle(&mut h);
    let w = h.state().centre_width;
    assert!(w >= 640.0, "the timeline's panel is {w} px of 1280");
    // Ctrl+B closes the left panel, Ctrl+Shift+B the code panel: the timeline takes the room.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::B);
    settle(&mut h);
    assert!(!h.state().persisted.show_controls);
    let w2 = h.state().centre_width;
    assert!(w2 >= w + 200.0, "{w} → {w2}");
    h.get_by_label("Code").click();
    settle(&mut h);
    assert!(!h.state().persisted.show_code);
    assert!(h.state().centre_width >= 1100.0, "{}", h.state().centre_width);
    h.key_press_modifiers(egui::Modifiers::COMMAND | egui::Modifiers::SHIFT, egui::Key::B);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::B);
    settle(&mut h);
    assert!(h.state().persisted.show_code && h.state().persisted.show_controls);
}

#[test]
fn the_bytecode_view_shows_a_line_as_cpython_compiles_it_with_each_blocked_thread_in_its_call() {
    let persisted = Persisted { scenario: "deadlock".into(), ..Persisted::default() };
    let mut h = harness(ThreadlineApp::new(persisted));
    h.run_steps(2);
    h.get_by_label("Bytecode").click();
    h.run_steps(2);
    assert!(h.state().persisted.show_bytecode, "the toggle is remembered with the other settings");
    // Before any run: the first line with code (the docstring's store) is shown.
    h.get_by_label_contains("STORE_NAME");
    h.key_press(egui::Key::F5);
    wait_until_finished(&mut h);
    // Pick the inner `with lock2:` of thread1, where Thread-1 waits in the deadlock.
    let line = h.state().editor.text.lines().position(|l| l.trim() == "with lock2:").unwrap() as u32 + 1;
    h.state_mut().apply(CodeCmd::JumpToLine(line));
    h.state_mut().view.cursor_ns = None;
    h.run_steps(3);
    h.get_by_label_contains(&format!("Line {line}"));
    h.get_by_label_contains("LOAD_GLOBAL");
    h.get_by_label("BEFORE_WITH");
    // Thread-1 is placed at BEFORE_WITH (the with statement's __enter__ takes the lock):
    // its chip is on the same row, just before the instruction.
    let chip = h.get_by_label_contains("Thread-1 (thread1)").rect();
    let ins = h.get_by_label("BEFORE_WITH").rect();
    assert!((chip.center().y - ins.center().y).abs() < 4.0, "chip {chip:?} beside {ins:?}");
}
