//! `threadline challenge list | show NAME | solve NAME [--gil MODE]`: the campaign of
//! challenges on the command line (see [`sim_core::challenge`]).

use super::{Failure, bad_input, other, say};
use sim_core::challenge::{self, Verdict};
use sim_core::model::{GilMode, RuntimeSettings};
use sim_core::py_catalog::{self, Entry};
use std::fmt::Write as _;
use std::sync::Arc;

/// The challenge `name` names: its number (`7`), its id (`challenge-07-flags-as-a-lock`),
/// its name without the number (`flags-as-a-lock`) or a file with a `Goal:`.
pub fn find(name: &str) -> Result<Entry, Failure> {
    let all = py_catalog::challenges().map_err(|e| other(anyhow::anyhow!("the challenges do not compile: {e}")))?;
    let n = name.trim();
    let by_number = n.parse::<usize>().ok().map(|k| format!("challenge-{k:02}-"));
    let found = all.iter().find(|e| {
        e.id == n
            || by_number.as_deref().is_some_and(|p| e.id.starts_with(p))
            || e.id.get("challenge-NN-".len()..) == Some(n)
            || e.file.trim_end_matches(".py") == n
    });
    if let Some(e) = found {
        return Ok(e.clone());
    }
    let path = std::path::Path::new(n);
    if path.is_file() {
        let e = crate::app::load_scenario_file(path).map_err(|e| bad_input(anyhow::anyhow!("{e}")))?;
        if e.meta.goal.is_none() {
            return Err(bad_input(anyhow::anyhow!("{n} is not a challenge: its docstring has no `Goal:` line")));
        }
        return Ok(e);
    }
    Err(bad_input(anyhow::anyhow!(
        "no challenge \"{n}\": give its number (1–{}), its id or its name (see `threadline challenge list`)",
        all.len()
    )))
}

fn par_words(e: &Entry) -> String {
    match e.meta.par.as_deref() {
        Some("impossible") => "impossible".into(),
        Some(p) => format!("par {p}"),
        None => "no par".into(),
    }
}

/// `threadline challenge list`.
pub fn list() -> Result<(), Failure> {
    let all = py_catalog::challenges().map_err(|e| other(anyhow::anyhow!("the challenges do not compile: {e}")))?;
    let mut text = String::new();
    for (i, e) in all.iter().enumerate() {
        let gil = e.meta.gil.unwrap_or_default().as_str();
        let title = e.meta.title.split_once(": ").map_or(e.meta.title.as_str(), |(_, t)| t);
        let title = if title.chars().count() > 40 {
            format!("{}…", title.chars().take(39).collect::<String>())
        } else {
            title.to_string()
        };
        let _ = writeln!(text, "{:>2}  {:<40} {:<14} {:<10} goal: {}", i + 1, title, gil, par_words(e), goal(e));
    }
    let _ = say(text.trim_end());
    Ok(())
}

fn goal(e: &Entry) -> &str {
    e.meta.goal.as_deref().unwrap_or("?")
}

/// `threadline challenge show NAME`.
pub fn show(name: &str) -> Result<(), Failure> {
    let e = find(name)?;
    let mut text = format!(
        "{}\n{}\n\ngoal: {} under {} ({})\n",
        e.meta.title,
        e.meta.point,
        goal(&e),
        e.meta.gil.unwrap_or_default().as_str(),
        par_words(&e)
    );
    for (i, h) in e.meta.hints.iter().enumerate() {
        let _ = writeln!(text, "hint {}: {h}", i + 1);
    }
    let _ = write!(
        text,
        "\nplay it:  threadline --scenario {} --play\nsolve it: threadline challenge solve {name}\n\n{}",
        e.id, e.source
    );
    let _ = say(text.trim_end());
    Ok(())
}

/// `threadline challenge solve NAME [--gil MODE]`: search for the goal; print the verdict in
/// words, the schedule and how to replay or play it; for a goal out of reach, the modes
/// where it can be reached.
pub fn solve(name: &str, gil: Option<GilMode>, budget: usize, seconds: f64) -> Result<(), Failure> {
    let e = find(name)?;
    let prog = sim_core::py::compile(&e.file, &e.source, &indexmap::IndexMap::new())
        .map_err(|err| bad_input(anyhow::anyhow!("\n{err}")))?;
    let prog = Arc::new(prog);
    let settings = RuntimeSettings { gil: gil.unwrap_or(prog.meta_gil()), ..RuntimeSettings::default() };
    let _ = say(&format!("challenge: {} — reach `{}` under {}", e.meta.title, goal(&e), settings.gil.as_str()));
    let solved =
        challenge::solve(&prog, &settings, budget, seconds).map_err(|err| bad_input(anyhow::anyhow!("{err}")))?;
    let mut text = solved.words();
    match &solved.verdict {
        Verdict::Reached { schedule, .. } => {
            let _ = write!(
                text,
                "\nschedule: {schedule}\nreplay it:  threadline run {} --gil {} --schedule '{schedule}'\nplay it:    threadline --scenario {} --play '{schedule}'",
                e.id,
                settings.gil.as_str(),
                e.id
            );
        }
        Verdict::OutOfReach => {
            let elsewhere = challenge::reachable_elsewhere(&prog, &settings, settings.gil);
            for (m, p) in &elsewhere {
                let _ = write!(
                    text,
                    "\nUnder {} it can be reached ({} preemption{}): threadline challenge solve {name} --gil {}",
                    m.as_str(),
                    p,
                    if *p == 1 { "" } else { "s" },
                    m.as_str()
                );
            }
            if elsewhere.is_empty() {
                text.push_str("\nNo other GIL mode reaches it either.");
            }
        }
        Verdict::Other { schedule, .. } => {
            let _ = write!(text, "\nschedule: {schedule}");
        }
        Verdict::NotFound => {}
    }
    let _ = say(&text);
    match solved.verdict {
        Verdict::NotFound => Err(bad_input(anyhow::anyhow!("no verdict: give it more --budget or --seconds"))),
        _ => Ok(()),
    }
}
