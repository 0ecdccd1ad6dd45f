//! The `threadline` command line: the GUI by default, and headless subcommands that list,
//! validate, run, summarize and export. Exit status: 0 ok, 2 bad input, 1 anything else.

mod challenge;
mod export;
mod failure;
mod profile;
mod record;
pub mod run;
pub mod schedule;
mod soak;

use clap::{Parser, Subcommand};
pub use failure::{Failure, bad_input, exit_code, other, print_summary, say};
use sim_core::model::GilMode;
use sim_core::summary::Summary;
use sim_core::trace::Trace;
use std::path::{Path, PathBuf};

/// Threadline: a visual simulator of Python-style concurrency.
#[derive(Parser, Debug)]
#[command(name = "threadline", version, about)]
pub struct Cli {
    /// Save a PNG of the window once the scenario has finished, then exit.
    #[arg(long, value_name = "PATH", global = true)]
    pub screenshot: Option<PathBuf>,
    /// Scenario to open: an id from `threadline list`, or a scenario file.
    #[arg(long, value_name = "ID")]
    pub scenario: Option<String>,
    /// Start the scenario as soon as the window opens.
    #[arg(long)]
    pub run: bool,
    /// Start the scenario as a scheduler game ("Play the scheduler"). With a schedule (a
    /// file `explore` saved, or its text), the game shows it as a guide at every choice;
    /// with thread numbers (--play 0,1,1), those choices are made first. With
    /// --screenshot, the picture is taken at the next choice.
    #[arg(long, value_name = "SCHEDULE|CHOICES", num_args = 0..=1, default_missing_value = "")]
    pub play: Option<String>,
    /// With --play SCHEDULE: follow the schedule by itself for the first N choices.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub play_to: usize,
    /// With --play: split `x += 1` into load, add and store (switch points between).
    #[arg(long)]
    pub split: bool,
    /// Gather outcome statistics of N free runs as the window opens (with --screenshot, the
    /// picture waits for them).
    #[arg(long, value_name = "N")]
    pub stats: Option<usize>,
    /// Explore the scenario's schedules as the window opens, with this check (may be "")
    /// (with --screenshot, the picture waits for the search).
    #[arg(long, value_name = "CHECK")]
    pub explore: Option<String>,
    /// A challenge: press Show me as the window opens (solve it and play the solution, or
    /// show why no schedule reaches the goal; with --screenshot, the picture waits for it).
    #[arg(long)]
    pub show_me: bool,
    /// Predict, then run, as the window opens: the question and its choices; with ANSWER,
    /// that answer is picked once the choices are known (the first choice if it is not one)
    /// and the runs answer it (with --screenshot, the picture waits for them).
    #[arg(long, value_name = "ANSWER", num_args = 0..=1, default_missing_value = "")]
    pub predict: Option<String>,
    /// Open the Profile tab (where the time went) on this view: line, resource, thread,
    /// path (the critical path) or icicle.
    #[arg(long, value_enum, num_args = 0..=1, default_missing_value = "line", value_name = "VIEW")]
    pub profile: Option<ProfileArg>,
    /// Show the code panel's bytecode view (on LINE: the line's instructions as CPython 3.11
    /// compiles them, where another thread may take over, and where each thread is).
    #[arg(long, value_name = "LINE", num_args = 0..=1, default_missing_value = "0")]
    pub bytecode: Option<u32>,
    /// The window's size in points, WIDTHxHEIGHT (default 1280x800, or as last left).
    #[arg(long, value_name = "WxH", value_parser = parse_size)]
    pub size: Option<(f32, f32)>,
    /// Colour theme (default: as last chosen in the app).
    #[arg(long, value_enum)]
    pub theme: Option<ThemeArg>,
    /// Measure the UI thread's work per frame (logic + drawing) over N frames, print the
    /// median, 99th percentile and worst, then close the window.
    #[arg(long, value_name = "N", global = true)]
    pub frame_stats: Option<u32>,
    /// With `open TRACE`: show W milliseconds of the run around its middle instead of all
    /// of it (the frame-time benchmark's zoomed-in case).
    #[arg(long, value_name = "W", global = true)]
    pub zoom_ms: Option<f64>,
    /// A trace to show below the run, on the same time axis, for comparison.
    #[arg(long, value_name = "TRACE")]
    pub compare: Option<PathBuf>,
    /// Set a slider of that scenario before opening (repeatable): --set threads=8.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,
    /// A Python file to open and run in the app (as `python3 FILE.py` runs it), or a saved
    /// trace (`.json`) to open.
    #[arg(value_name = "FILE")]
    pub file: Option<String>,
    /// What to do (default: open the app).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// `--size 1920x1080`.
fn parse_size(s: &str) -> Result<(f32, f32), String> {
    let (w, h) = s.split_once(['x', 'X']).ok_or_else(|| format!("expected WIDTHxHEIGHT, got {s:?}"))?;
    let num = |v: &str| v.trim().parse::<f32>().ok().filter(|x| (200.0..=10_000.0).contains(x));
    match (num(w), num(h)) {
        (Some(w), Some(h)) => Ok((w, h)),
        _ => Err(format!("{s:?}: width and height must be numbers from 200 to 10000")),
    }
}

impl Cli {
    /// `threadline FILE`: a trace opens as `threadline open FILE`; a Python file as
    /// `threadline --scenario FILE --run`.
    pub fn resolve_file(&mut self) {
        let Some(f) = self.file.take() else { return };
        if self.command.is_none() && sim_core::trace::is_trace_file(Path::new(&f)) {
            self.command = Some(Command::Open { trace: PathBuf::from(f) });
        } else if self.scenario.is_none() {
            self.scenario = Some(f);
            self.run = true;
        }
    }
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Open the app on a saved trace.
    Open {
        /// The trace file.
        trace: PathBuf,
    },
    /// List the scenario catalog: id, then name.
    List,
    /// Print a program's bytecode as CPython 3.11 compiles it, as `python3 -m dis FILE` does.
    Dis {
        /// A catalog id or a Python file.
        scenario: String,
    },
    /// Check a scenario file and say exactly what is wrong.
    Validate {
        /// The scenario file.
        file: PathBuf,
    },
    /// Run a scenario headless.
    Run {
        /// A catalog id or a scenario file.
        scenario: String,
        /// Set a parameter (repeatable): --set threads=8.
        #[arg(long = "set", value_name = "NAME=VALUE")]
        set: Vec<String>,
        /// GIL mode (default: the file's `GIL:` line, else cpython-3.10+).
        #[arg(long, value_enum)]
        gil: Option<GilArg>,
        /// Switch interval in ms.
        #[arg(long)]
        switch_interval_ms: Option<f64>,
        /// Multiply every duration by this.
        #[arg(long)]
        time_scale: Option<f64>,
        /// Write the trace here.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print the JSON summary.
        #[arg(long)]
        json: bool,
        /// Stop the run after this many seconds of wall time.
        #[arg(long, default_value_t = 120.0)]
        max_seconds: f64,
        /// Seed of `random` in a Python scenario.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Run controlled, replaying this schedule exactly (its text, or a file holding it,
        /// as `explore` saves it; "" for the default schedule).
        #[arg(long, value_name = "SCHEDULE")]
        schedule: Option<String>,
        /// With --schedule: `x += 1` split into load, add and store (as `explore --split`).
        #[arg(long)]
        split: bool,
        /// A Python expression over the module's final state that must be true (as
        /// `explore --check`): false is exit status 1. With --schedule, a saved failing
        /// schedule is a one-line regression test.
        #[arg(long, value_name = "EXPR")]
        check: Option<String>,
    },
    /// Search the schedules of a scenario for one that breaks it: an `assert` fails, a thread
    /// raises, it deadlocks, or --check is false at the end. Exit status 1 when one is found.
    Explore {
        /// A catalog id or a scenario file.
        scenario: String,
        /// Set a slider (repeatable): --set THREADS=2.
        #[arg(long = "set", value_name = "NAME=VALUE")]
        set: Vec<String>,
        /// GIL mode (default: the file's `GIL:` line, else cpython-3.10+).
        #[arg(long, value_enum)]
        gil: Option<GilArg>,
        /// A Python expression over the module's final variables that must be true:
        /// --check "counter == THREADS * ITERATIONS".
        #[arg(long, value_name = "EXPR")]
        check: Option<String>,
        /// How schedules are picked.
        #[arg(long, value_enum, default_value_t = StrategyArg::Auto)]
        strategy: StrategyArg,
        /// At most this many schedules.
        #[arg(long, default_value_t = 10_000)]
        budget: usize,
        /// At most this many seconds.
        #[arg(long, default_value_t = 60.0)]
        seconds: f64,
        /// Depth-first: at most this many preemptions per schedule (default 2, or a
        /// challenge's `Par:` when larger). PCT: the bug depth.
        #[arg(long)]
        preemptions: Option<usize>,
        /// Seed of the random strategies.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Where to save the failing schedule (default: SCENARIO.schedule here).
        #[arg(long, value_name = "PATH")]
        out: Option<PathBuf>,
        /// Also save the failing run's trace here.
        #[arg(long, value_name = "PATH")]
        trace: Option<PathBuf>,
        /// Split `x += 1` on shared variables into load, add and store, with switch points
        /// between (as the app's game can): finds what CPython 3.9 or free-threading allow.
        #[arg(long)]
        split: bool,
        /// A schedule still going after this many switch points is taken not to end (the
        /// only limit that decides a run; --seconds only stops the search).
        #[arg(long, value_name = "N", default_value_t = sim_core::explore::DEFAULT_TURNS)]
        max_turns: u64,
        /// Worker threads running schedules at once (default: every core). A search that
        /// runs to its end gives the same result whatever the number.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
        jobs: Option<u16>,
        /// Depth-first without partial-order reduction: try every order of turns that touch
        /// different objects too (slower; the same outcomes).
        #[arg(long)]
        no_reduction: bool,
    },
    /// Run a scenario freely many times and count its outcomes (final values of its
    /// variables and what it printed), jcstress-style.
    Stats {
        /// A catalog id or a scenario file.
        scenario: String,
        /// Set a slider (repeatable).
        #[arg(long = "set", value_name = "NAME=VALUE")]
        set: Vec<String>,
        /// How many runs.
        #[arg(long, default_value_t = 100)]
        runs: usize,
        /// GIL mode (default: the file's `GIL:` line, else cpython-3.10+).
        #[arg(long, value_enum)]
        gil: Option<GilArg>,
        /// Multiply every duration by this.
        #[arg(long)]
        time_scale: Option<f64>,
        /// Runs at once (default: one per two cores — runs side by side take each other's
        /// cores and shift timing-dependent outcomes). Run i is seeded with i whatever this is.
        #[arg(long)]
        jobs: Option<usize>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run a scenario in the real CPython with Threadline's recorder and save the trace.
    Record {
        /// A catalog id or a scenario file.
        scenario: String,
        /// Set a slider (repeatable): --set THREADS=8.
        #[arg(long = "set", value_name = "NAME=VALUE")]
        set: Vec<String>,
        /// The Python to run (default: $THREADLINE_PYTHON, else python3).
        #[arg(long, value_name = "PATH")]
        python: Option<PathBuf>,
        /// Write the trace here.
        #[arg(long)]
        out: PathBuf,
        /// Stop the program after this many seconds (a deadlock in CPython hangs forever).
        #[arg(long, default_value_t = 60.0)]
        max_seconds: f64,
    },
    /// Run every catalog scenario many times with random sliders and GIL modes, checking
    /// each run's invariants (mutual exclusion, semaphore and queue bounds, FIFO order,
    /// causal order, every thread ends).
    Soak {
        /// Runs per scenario.
        #[arg(long, default_value_t = 10)]
        runs: usize,
        /// Random seed (a failing soak replays with the same seed).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Time scale for every run.
        #[arg(long, default_value_t = 0.02)]
        time_scale: f64,
    },
    /// Summarize a trace.
    Summarize {
        /// The trace file.
        trace: PathBuf,
        /// Print the JSON summary.
        #[arg(long)]
        json: bool,
    },
    /// Where the time went: time per thread, per source line and per resource (running,
    /// waiting for the GIL, blocked, in I/O), the critical path and the utilisation, for a
    /// saved trace or a scenario run now.
    Profile {
        /// A trace file (`.json`), a scenario file or a catalog id.
        what: String,
        /// For a scenario: set a parameter (repeatable).
        #[arg(long = "set", value_name = "NAME=VALUE")]
        set: Vec<String>,
        /// For a scenario: GIL mode.
        #[arg(long, value_enum)]
        gil: Option<GilArg>,
        /// Print one JSON object (fields in the rustdoc of `sim_core::profile`).
        #[arg(long)]
        json: bool,
        /// Only one table: line, resource or thread.
        #[arg(long, value_name = "line|resource|thread")]
        by: Option<String>,
        /// Profile only from this time of the run (ms).
        #[arg(long, value_name = "MS")]
        from_ms: Option<f64>,
        /// Profile only up to this time of the run (ms).
        #[arg(long, value_name = "MS")]
        to_ms: Option<f64>,
        /// For a scenario: stop the run after this many seconds of wall time.
        #[arg(long, default_value_t = 120.0)]
        max_seconds: f64,
    },
    /// The campaign's challenges: list them, show one (goal, par, hints, program), or solve
    /// one (search for its goal under a GIL mode, or prove it out of reach).
    Challenge {
        /// What to do.
        #[command(subcommand)]
        what: ChallengeCmd,
    },
    /// Export a trace to another format.
    Export {
        /// The trace file.
        trace: PathBuf,
        /// The format.
        #[arg(long, value_enum, default_value_t = ExportFormat::Chrome)]
        format: ExportFormat,
        /// Output file.
        #[arg(short = 'o', long)]
        out: PathBuf,
    },
}

/// `threadline challenge …`.
#[derive(Subcommand, Debug)]
pub enum ChallengeCmd {
    /// Every challenge: number, title, GIL mode, par and goal.
    List,
    /// One challenge: its goal, par, hints and program.
    Show {
        /// Its number, id or name (`7`, `flags-as-a-lock`).
        name: String,
    },
    /// Search the schedules for the challenge's goal: the schedule that reaches it, or the
    /// proof that none within the bound does (and the GIL modes where one does).
    Solve {
        /// Its number, id or name.
        name: String,
        /// GIL mode (default: the challenge's own).
        #[arg(long, value_enum)]
        gil: Option<GilArg>,
        /// At most this many schedules.
        #[arg(long, default_value_t = 5_000)]
        budget: usize,
        /// At most this long (s).
        #[arg(long, default_value_t = 60.0)]
        seconds: f64,
    },
}

/// `--profile`: which view of the profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ProfileArg {
    /// By source line.
    Line,
    /// By resource.
    Resource,
    /// By thread.
    Thread,
    /// The critical path.
    Path,
    /// Thread → line → what it waited for.
    Icicle,
}

/// `--theme`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ThemeArg {
    /// Light.
    Light,
    /// Dark.
    Dark,
    /// Follow the system.
    System,
}

/// `--gil`: the interpreter a run models.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum GilArg {
    /// CPython 3.10 and later: switches at loop back-edges and function entry.
    #[value(name = "cpython-3.10+")]
    Cpython310,
    /// CPython 3.9: switches between any two bytecodes.
    #[value(name = "cpython-3.9")]
    Cpython39,
    /// No GIL (3.13t): threads really run in parallel.
    #[value(name = "free-threaded")]
    FreeThreaded,
}

impl From<GilArg> for GilMode {
    fn from(g: GilArg) -> Self {
        match g {
            GilArg::Cpython310 => GilMode::Cpython310,
            GilArg::Cpython39 => GilMode::Cpython39,
            GilArg::FreeThreaded => GilMode::FreeThreaded,
        }
    }
}

/// `explore --strategy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum StrategyArg {
    /// Uniformly random choices.
    Random,
    /// Probabilistic concurrency testing: random priorities, a few priority changes.
    Pct,
    /// Depth-first over every schedule within the preemption bound (exhaustive).
    Dfs,
    /// Depth-first with half the budget, then (no failure, not every schedule run) random
    /// and PCT schedules in turn.
    Auto,
}

/// `export --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// Trace Event Format, for Perfetto and chrome://tracing.
    Chrome,
    /// The trace as JSON (`format`, `version`, tables, `events`; the README's table): for
    /// other tools, from a binary `.tltrace`.
    Json,
}

/// Load a trace file for a command: a message naming the file when it cannot be read, and a
/// note on stderr when it was cut short (a run that died while writing it).
pub fn load_trace(path: &Path) -> Result<Trace, Failure> {
    let t = Trace::load(path).map_err(|e| bad_input(anyhow::anyhow!("{}: {e}", path.display())))?;
    if let Some(why) = &t.incomplete {
        eprintln!("note: {}: {why}", path.display());
    }
    Ok(t)
}

/// Run the command line; `None` means "open the GUI".
pub fn run_cli(cli: &Cli) -> Option<Result<(), Failure>> {
    let cmd = cli.command.as_ref()?;
    if !matches!(cmd, Command::Open { .. }) && (cli.screenshot.is_some() || cli.frame_stats.is_some()) {
        return Some(Err(bad_input(anyhow::anyhow!(
            "--screenshot and --frame-stats are about the window: use them with `threadline` or `threadline open TRACE`"
        ))));
    }
    Some(match cmd {
        Command::Open { .. } => return None,
        Command::List => match sim_core::py_catalog::entries() {
            Ok(all) => {
                for s in all {
                    if say(&format!("{:<30} {}", s.id, s.meta.title)).is_err() {
                        break;
                    }
                }
                Ok(())
            }
            Err(e) => Err(other(anyhow::anyhow!("{e}"))),
        },
        Command::Validate { file } => run::validate_py(file),
        Command::Dis { scenario } => run::dis(scenario),
        Command::Run {
            scenario,
            set,
            gil,
            switch_interval_ms,
            time_scale,
            out,
            json,
            max_seconds,
            seed,
            schedule,
            split,
            check,
        } => {
            let opts = RunOpts {
                check: check.as_deref(),
                gil: gil.map(GilMode::from),
                switch_interval_ms: *switch_interval_ms,
                time_scale: *time_scale,
                out: out.as_deref(),
                json: *json,
                max_seconds: *max_seconds,
                seed: *seed,
                schedule: schedule.as_deref(),
                split: *split,
            };
            run::python_spec(scenario).and_then(|spec| run::run_py(&spec, set, &opts))
        }
        Command::Record { scenario, set, python, out, max_seconds } => record::record_cmd(
            scenario,
            set,
            python.clone().unwrap_or_else(crate::record::default_python),
            out,
            *max_seconds,
        ),
        Command::Explore {
            scenario,
            set,
            gil,
            check,
            strategy,
            budget,
            seconds,
            preemptions,
            seed,
            out,
            trace,
            split,
            max_turns,
            jobs,
            no_reduction,
        } => schedule::explore_cmd(&schedule::ExploreArgs {
            reduction: !*no_reduction,
            jobs: jobs.map_or_else(sim_core::explore::all_cores, usize::from),
            split: *split,
            max_turns: *max_turns,
            scenario,
            set,
            gil: gil.map(GilMode::from),
            check: check.as_deref(),
            strategy: *strategy,
            budget: *budget,
            seconds: *seconds,
            preemptions: *preemptions,
            seed: *seed,
            out: out.as_deref(),
            trace: trace.as_deref(),
        }),
        Command::Stats { scenario, set, runs, gil, time_scale, jobs, json } => {
            schedule::stats_cmd(scenario, set, *runs, gil.map(GilMode::from), *time_scale, *jobs, *json)
        }
        Command::Summarize { trace, json } => load_trace(trace).map(|t| print_summary(&Summary::of_trace(&t), *json)),
        Command::Export { trace, format, out } => export::export(trace, *format, out),
        Command::Profile { what, set, gil, json, by, from_ms, to_ms, max_seconds } => {
            profile::profile_cmd(&profile::ProfileArgs {
                what,
                set,
                gil: gil.map(GilMode::from),
                json: *json,
                by: by.as_deref(),
                range_ms: (*from_ms, *to_ms),
                max_seconds: *max_seconds,
            })
        }
        Command::Challenge { what } => match what {
            ChallengeCmd::List => challenge::list(),
            ChallengeCmd::Show { name } => challenge::show(name),
            ChallengeCmd::Solve { name, gil, budget, seconds } => {
                challenge::solve(name, gil.map(GilMode::from), *budget, *seconds)
            }
        },
        Command::Soak { runs, seed, time_scale } => soak::soak_cmd(*runs, *seed, *time_scale),
    })
}

/// The longest `--max-seconds` (about 11 days): longer does not fit a `Duration` everywhere.
pub const MAX_SECONDS: f64 = 1e6;

/// The flags of `threadline run`.
pub struct RunOpts<'a> {
    /// `--gil`.
    pub gil: Option<GilMode>,
    /// `--switch-interval-ms`.
    pub switch_interval_ms: Option<f64>,
    /// `--time-scale`.
    pub time_scale: Option<f64>,
    /// `--out`.
    pub out: Option<&'a Path>,
    /// `--json`.
    pub json: bool,
    /// `--max-seconds`.
    pub max_seconds: f64,
    /// `--seed`.
    pub seed: u64,
    /// `--schedule`: run controlled, replaying it.
    pub schedule: Option<&'a str>,
    /// `--split`.
    pub split: bool,
    /// `--check`.
    pub check: Option<&'a str>,
}

impl RunOpts<'_> {
    /// Apply the flags to a scenario's default settings.
    pub fn settings(
        &self,
        mut settings: sim_core::model::RuntimeSettings,
    ) -> Result<sim_core::model::RuntimeSettings, Failure> {
        if let Some(g) = self.gil {
            settings.gil = g;
        }
        if let Some(s) = self.switch_interval_ms {
            if !(s > 0.0 && s <= 10_000.0) {
                return Err(bad_input(anyhow::anyhow!("--switch-interval-ms must be in (0, 10000]")));
            }
            settings.switch_interval_ms = s;
        }
        if let Some(s) = self.time_scale {
            if !(s > 0.0 && s <= 1000.0) {
                return Err(bad_input(anyhow::anyhow!("--time-scale must be in (0, 1000]")));
            }
            settings.time_scale = s;
        }
        if !(self.max_seconds > 0.0 && self.max_seconds <= MAX_SECONDS) {
            return Err(bad_input(anyhow::anyhow!("--max-seconds must be a positive number, at most {MAX_SECONDS}")));
        }
        Ok(settings)
    }
}
