//! `threadline explore` (search the schedules of a program for one that breaks it) and
//! `threadline stats` (count the outcomes of many free runs).

use super::run::{PySpec, load_program, python_spec};
use super::{Failure, StrategyArg, bad_input, other, say};
use sim_core::explore::{self, Check, ExploreOptions, StrategyKind};
use sim_core::model::{GilMode, RuntimeSettings};
use sim_core::trace::Trace;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The flags of `threadline explore`.
pub struct ExploreArgs<'a> {
    /// The scenario.
    pub scenario: &'a str,
    /// `--set`.
    pub set: &'a [String],
    /// `--gil`.
    pub gil: Option<GilMode>,
    /// `--check`.
    pub check: Option<&'a str>,
    /// `--strategy`.
    pub strategy: StrategyArg,
    /// `--budget`.
    pub budget: usize,
    /// `--seconds`.
    pub seconds: f64,
    /// `--preemptions` (None: 2, or a challenge's par when larger).
    pub preemptions: Option<usize>,
    /// `--seed`.
    pub seed: u64,
    /// `--out`.
    pub out: Option<&'a Path>,
    /// `--trace`.
    pub trace: Option<&'a Path>,
    /// `--split`.
    pub split: bool,
    /// `--max-turns`.
    pub max_turns: u64,
    /// `--jobs` (default: every core).
    pub jobs: usize,
    /// Not `--no-reduction`.
    pub reduction: bool,
}

/// "T0 MainThread, T1 Thread-1 (work), …": what the schedule's thread numbers mean.
pub fn legend(trace: &Trace) -> String {
    trace
        .threads
        .iter()
        .enumerate()
        .map(|(i, t)| match &t.target {
            Some(f) => format!("T{i} {} ({f})", t.name),
            None => format!("T{i} {}", t.name),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn scenario_stem(spec: &PySpec) -> String {
    match spec {
        PySpec::File(p) => p.file_stem().map_or("scenario".into(), |s| s.to_string_lossy().into_owned()),
        PySpec::Builtin(name, _) => name.trim_end_matches(".py").to_string(),
    }
}

/// `threadline explore`.
pub fn explore_cmd(a: &ExploreArgs<'_>) -> Result<(), Failure> {
    if !(a.seconds > 0.0 && a.seconds.is_finite()) {
        return Err(bad_input(anyhow::anyhow!("--seconds must be a positive number")));
    }
    if a.budget == 0 {
        return Err(bad_input(anyhow::anyhow!("--budget must be at least 1")));
    }
    let spec = python_spec(a.scenario)?;
    let (file, prog) = load_program(&spec, a.set)?;
    let settings = RuntimeSettings { gil: a.gil.unwrap_or(prog.meta_gil()), ..RuntimeSettings::default() };
    let prog = Arc::new(prog);
    // A challenge's `Goal:` is what to search for when no --check is given.
    let goal = prog.meta.goal.clone().filter(|_| a.check.is_none());
    let check = match (&goal, a.check) {
        (_, Some(c)) => Some(Check::new(c)),
        (Some(g), None) => explore::goal_check(g),
        (None, None) => None,
    };
    if let Some(g) = &goal {
        let par = prog.meta.par.as_deref().unwrap_or("?");
        let _ = say(&format!("challenge: reach `{g}` (par: {par})"));
    }
    // A challenge whose par is above the default bound is searched up to its par.
    let par_bound = prog.meta.par.as_deref().and_then(|p| p.trim().parse::<usize>().ok());
    let preemptions = a.preemptions.unwrap_or_else(|| par_bound.map_or(2, |p| p.max(2)));
    // A check that cannot be evaluated is bad input, said before the search starts.
    if let Some(c) = &check {
        c.validate(&prog, &settings, explore::RunLimits { split: a.split, ..Default::default() })
            .map_err(|e| bad_input(anyhow::anyhow!("{e}")))?;
    }
    let strategy = match a.strategy {
        StrategyArg::Random => StrategyKind::Random,
        StrategyArg::Pct => StrategyKind::Pct,
        StrategyArg::Dfs => StrategyKind::Dfs,
        StrategyArg::Auto => StrategyKind::Auto,
    };
    let opts = ExploreOptions {
        strategy,
        budget: a.budget,
        seconds: a.seconds,
        check,
        preemptions,
        seed: a.seed,
        limits: explore::RunLimits { split: a.split, turns: a.max_turns, reduction: a.reduction, ..Default::default() },
        jobs: a.jobs,
    };
    let how = match strategy {
        StrategyKind::Dfs => format!("depth-first, at most {} preemptions", preemptions),
        StrategyKind::Auto | StrategyKind::Sampled => format!(
            "depth-first, at most {} preemptions (then random and PCT schedules, depth {}, seed {}, if that is not enough)",
            preemptions,
            preemptions + 1,
            a.seed
        ),
        StrategyKind::Pct => format!("PCT, depth {}, seed {}", preemptions + 1, a.seed),
        StrategyKind::Random => format!("random, seed {}", a.seed),
    };
    let reduced = if a.reduction && matches!(strategy, StrategyKind::Dfs | StrategyKind::Auto) {
        ", with partial-order reduction"
    } else {
        ""
    };
    let _ = say(&format!("explore: {file} under {}, {how}{reduced}", settings.gil.as_str()));
    let ex = explore::explore(&prog, &settings, &opts, |n| {
        if n.is_multiple_of(500) {
            eprintln!("explore: {n} schedules…");
        }
        true
    });
    let secs = ex.elapsed.as_secs_f64().max(1e-9);
    let mut text = format!(
        "tried {} schedules in {:.2} s ({:.0} schedules/s, {:.0} turns/s; {} job{})\noutcomes:\n",
        ex.tried,
        secs,
        ex.tried as f64 / secs,
        ex.turns as f64 / secs,
        a.jobs,
        if a.jobs == 1 { "" } else { "s" }
    );
    if ex.spin_waits > 0 {
        let _ = writeln!(
            text,
            "spin loops: {} idle passes (a thread back at a while loop with nothing changed) waited instead of branching",
            ex.spin_waits
        );
    }
    if ex.reduction.skipped > 0 {
        let _ = writeln!(
            text,
            "partial-order reduction: {} choices within the bound not tried (no later turn of that thread races with the one run there: every order below was covered)",
            ex.reduction.skipped
        );
    }
    if let Some(n) = ex.fell_back_after {
        let _ = writeln!(
            text,
            "depth-first ran {n} schedules without finding a failure or running them all; random and PCT schedules ran the rest"
        );
    }
    for (o, n) in &ex.outcomes {
        let _ = writeln!(text, "  {n:>6}  {}", ellipsize(&o.words(), 160));
    }
    let _ = say(text.trim_end());
    let Some(found) = ex.found else {
        if ex.out_of_time {
            return Err(bad_input(anyhow::anyhow!(
                "stopped at --seconds {} with no verdict: {} schedules tried, none failed, not all of them run \
                 (give it more --seconds or a smaller --preemptions)",
                a.seconds,
                ex.tried
            )));
        }
        let verdict = match (&goal, ex.exhausted) {
            (Some(g), true) => {
                let expected = if prog.meta.par.as_deref() == Some("impossible") {
                    format!(" — as the challenge says: under {} no schedule gets there", settings.gil.as_str())
                } else {
                    String::new()
                };
                format!(
                    "the goal `{g}` is out of reach: every schedule with at most {preemptions} preemptions was tried{expected}"
                )
            }
            (Some(g), false) => format!("the goal `{g}` was not reached within the budget"),
            (None, true) => format!(
                "no failing schedule: every schedule with at most {preemptions} preemptions was tried (proved within that bound)"
            ),
            (None, false) => "no failing schedule found within the budget".to_string(),
        };
        let _ = say(&verdict);
        return Ok(());
    };
    if let Some(g) = &goal {
        let _ = say(&format!("goal reached: `{g}`, by the schedule below"));
    }
    let legend = legend(&found.run.trace);
    let out: PathBuf =
        a.out.map_or_else(|| PathBuf::from(format!("{}.schedule", scenario_stem(&spec))), Path::to_path_buf);
    let sets = if a.set.is_empty() { String::new() } else { format!(" --set {}", a.set.join(" --set ")) };
    let gil = format!(" --gil {}", settings.gil.as_str());
    let play_split = if a.split { " --split" } else { "" };
    // The replay checks the same condition: the saved schedule is a regression test.
    let check_arg = a.check.filter(|c| !c.is_empty()).map_or(String::new(), |c| format!(" --check {}", shell_quote(c)));
    let body = format!(
        "# Threadline schedule for {file} ({}{sets})\n# {}\n# {legend}\n{}\n",
        settings.gil.as_str(),
        found.what,
        found.schedule
    );
    sim_core::trace::save_atomically(&out, |w| std::io::Write::write_all(w, body.as_bytes()))
        .map_err(|e| other(anyhow::anyhow!("could not write {}: {e}", out.display())))?;
    if let Some(t) = a.trace {
        found.run.trace.save(t).map_err(|e| other(anyhow::anyhow!("could not write {}: {e}", t.display())))?;
    }
    let _ = say(&format!(
        "found: {}\n  at schedule {}, shrunk to {} preemption{} and {} choice points\nschedule: {}\n  {legend}\nsaved to {}; replay it with:\n  threadline run {}{sets}{gil}{play_split} --schedule {}{check_arg}\nor step through it in the app:\n  threadline --scenario {}{sets}{play_split} --play {}",
        found.what,
        found.found_at,
        found.preemptions,
        if found.preemptions == 1 { "" } else { "s" },
        found.steps,
        found.schedule,
        out.display(),
        a.scenario,
        out.display(),
        a.scenario,
        out.display()
    ));
    Err(Failure { code: 1, error: anyhow::anyhow!(""), quiet: true })
}

fn ellipsize(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { format!("{}…", s.chars().take(n).collect::<String>()) }
}

/// `threadline stats`.
pub fn stats_cmd(
    scenario: &str,
    set: &[String],
    runs: usize,
    gil: Option<GilMode>,
    time_scale: Option<f64>,
    jobs: Option<usize>,
    json: bool,
) -> Result<(), Failure> {
    if runs == 0 || runs > 100_000 {
        return Err(bad_input(anyhow::anyhow!("--runs must be in 1..=100000")));
    }
    let spec = python_spec(scenario)?;
    let (file, prog) = load_program(&spec, set)?;
    let mut settings = RuntimeSettings { gil: gil.unwrap_or(prog.meta_gil()), ..RuntimeSettings::default() };
    if let Some(s) = time_scale {
        if !(s > 0.0 && s <= 1000.0) {
            return Err(bad_input(anyhow::anyhow!("--time-scale must be in (0, 1000]")));
        }
        settings.time_scale = s;
    }
    let prog = Arc::new(prog);
    let started = std::time::Instant::now();
    let jobs = match jobs {
        Some(j) if !(1..=256).contains(&j) => return Err(bad_input(anyhow::anyhow!("--jobs must be in 1..=256"))),
        Some(j) => j,
        None => explore::stats_jobs(),
    };
    let bars = explore::stats(&prog, &settings, runs, jobs, std::time::Duration::from_secs(60), |n| {
        if n.is_multiple_of(100) {
            eprintln!("stats: {n} runs…");
        }
        true
    });
    if json {
        let doc: Vec<serde_json::Value> = bars
            .iter()
            .map(|b| serde_json::json!({"outcome": b.label, "count": b.count, "first_run": b.first_run}))
            .collect();
        let _ = say(&serde_json::to_string_pretty(&doc).unwrap_or_default());
        return Ok(());
    }
    let _ = say(&format!(
        "stats: {file}, {runs} runs under {} in {:.1} s ({jobs} at once)",
        settings.gil.as_str(),
        started.elapsed().as_secs_f64()
    ));
    let most = bars.first().map_or(1, |b| b.count).max(1);
    for b in &bars {
        let width = (b.count * 30).div_ceil(most);
        let _ = say(&format!(
            "  {:>6}  {:>5.1}%  {:<30}  {}",
            b.count,
            100.0 * b.count as f64 / runs as f64,
            "#".repeat(width),
            ellipsize(&b.label, 120)
        ));
    }
    Ok(())
}

/// `s` quoted for a POSIX shell: as is when it is safe, else in single quotes.
fn shell_quote(s: &str) -> String {
    if s.chars().all(|c| c.is_ascii_alphanumeric() || "_-.=/:,+".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}
