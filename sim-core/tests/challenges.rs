//! The campaign's challenges (`saved-scenarios/challenges/`): each is a Python file that runs
//! unchanged under python3, says its goal, par and hints in its docstring, and `explore`
//! reaches its goal within its par — or proves it out of reach where the challenge says
//! `Par: impossible` (a lesson about that GIL mode).

use indexmap::IndexMap;
use sim_core::explore::{self, ExploreOptions, StrategyKind};
use sim_core::model::RuntimeSettings;
use std::sync::Arc;

fn challenges() -> Vec<(String, String)> {
    let dir = format!("{}/../saved-scenarios/challenges", env!("CARGO_MANIFEST_DIR"));
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("the challenges folder")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "py"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap()))
        .collect();
    out.sort();
    out
}

#[test]
fn there_are_twenty_challenges_each_with_a_goal_a_par_and_hints() {
    let all = challenges();
    assert!(all.len() >= 20, "{} challenges", all.len());
    let mut modes = std::collections::BTreeSet::new();
    for (name, src) in &all {
        let prog = sim_core::py::compile(name, src, &IndexMap::new()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let m = &prog.meta;
        assert_eq!(m.topic, "Challenges", "{name}");
        assert!(m.goal.is_some() && m.par.is_some() && !m.hints.is_empty(), "{name}: goal, par and a hint");
        modes.insert(prog.meta_gil().as_str());
    }
    assert_eq!(modes.len(), 3, "every GIL mode has challenges: {modes:?}");
}

#[test]
fn explore_reaches_every_goal_within_its_par_or_proves_it_out_of_reach() {
    let mut wrong = Vec::new();
    for (name, src) in challenges() {
        let prog = Arc::new(sim_core::py::compile(&name, &src, &IndexMap::new()).expect("compiles"));
        let goal = prog.meta.goal.clone().unwrap();
        let par = prog.meta.par.clone().unwrap();
        let bound = par.parse::<usize>().ok();
        let opts = ExploreOptions {
            strategy: StrategyKind::Auto,
            budget: 1000,
            seconds: 600.0,
            check: explore::goal_check(&goal),
            preemptions: bound.map_or(2, |p| p.max(2)),
            ..Default::default()
        };
        let settings = RuntimeSettings { gil: prog.meta_gil(), ..Default::default() };
        let ex = explore::explore(&prog, &settings, &opts, |_| true);
        match (bound, ex.found) {
            (Some(p), Some(f)) => {
                if f.preemptions > p {
                    wrong.push(format!("{name}: reached with {} preemptions, par {p}", f.preemptions));
                }
                if goal == "deadlock" && !f.what.contains("Deadlock") {
                    wrong.push(format!("{name}: {}", f.what));
                }
            }
            (Some(_), None) => wrong.push(format!("{name}: `{goal}` not reached in {} schedules", ex.tried)),
            (None, Some(f)) => wrong.push(format!("{name}: said impossible, reached: {}", f.schedule)),
            (None, None) if !ex.exhausted => wrong.push(format!("{name}: said impossible, not proved")),
            (None, None) => {}
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn every_challenge_runs_unchanged_under_python3() {
    let Ok(v) = std::process::Command::new("python3").arg("--version").output() else { return };
    if !v.status.success() {
        return;
    }
    let dir = format!("{}/../saved-scenarios/challenges", env!("CARGO_MANIFEST_DIR"));
    for (name, src) in challenges() {
        let out = std::process::Command::new("timeout")
            .args(["20", "python3", &format!("{dir}/{name}")])
            .output()
            .expect("runs");
        // A deadlock challenge may, rarely, deadlock in CPython too: that is its goal
        // reached by chance (`timeout` exits 124), not a broken file.
        let deadlock_goal = src.lines().any(|l| l.trim() == "Goal: deadlock");
        let hung = out.status.code() == Some(124);
        assert!(out.status.success() || (deadlock_goal && hung), "{name}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn every_challenge_file_is_in_the_picker_list() {
    let mut on_disk: Vec<String> = challenges().into_iter().map(|(n, _)| n).collect();
    on_disk.sort();
    let mut embedded: Vec<String> = sim_core::py_catalog::CHALLENGE_FILES
        .iter()
        .map(|(id, _)| format!("{}.py", id.trim_start_matches("challenge-")))
        .collect();
    embedded.sort();
    assert_eq!(on_disk, embedded);
    let entries = sim_core::py_catalog::challenges().expect("they compile");
    assert!(entries.iter().all(|e| e.meta.topic == "Challenges"));
    assert!(sim_core::py_catalog::py_source("challenge-01-lost-update").is_some());
}

#[test]
fn predict_offers_every_answer_the_program_can_give_and_tallies_free_runs() {
    let src = std::fs::read_to_string(format!(
        "{}/../saved-scenarios/challenges/01-lost-update.py",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let prog = Arc::new(sim_core::py::compile("01-lost-update.py", &src, &IndexMap::new()).unwrap());
    // Under 3.9 a switch can fall inside `counter += 1`: the search reaches both answers
    // (free runs rarely lose the update), so both are offered.
    let settings = RuntimeSettings { gil: sim_core::model::GilMode::Cpython39, ..Default::default() };
    let choices = sim_core::predict::choices(&prog, &settings, 200, 5);
    assert!(choices.contains(&"counter = 1".to_string()), "{choices:?}");
    assert!(choices.contains(&"counter = 2".to_string()), "{choices:?}");
    // Under 3.10+ no schedule loses it: one answer.
    let settings = RuntimeSettings::default();
    assert_eq!(sim_core::predict::choices(&prog, &settings, 200, 5), vec!["counter = 2".to_string()]);
    let t = sim_core::predict::tally(&prog, &settings, 12, |_| true);
    assert_eq!(t.runs, 12);
    assert_eq!(t.answers.iter().map(|(_, n)| n).sum::<usize>(), 12);
    assert_eq!(t.share_of("counter = 2"), 1.0, "{t:?}");
    assert_eq!(t.share_of("counter = 1"), 0.0);
}
