//! The window's flags validated once, before a window opens (ripgrep's `HiArgs` habit):
//! every file named is read, every value parsed and checked against what it names, so a
//! mistake is one clear message and exit status 2, and the window starts from a plain
//! struct. [`Launch::app`] then builds the app those flags ask for.

use crate::app::{AnalysisCmd, Command, GameCmd, Persisted, ProfileTab, RunCmd, ThreadlineApp};
use crate::cli::Cli;
use sim_core::packed::PackedTrace;
use sim_core::py_catalog::Entry;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What the window starts with.
#[derive(Default)]
pub struct Launch {
    /// `threadline open TRACE` / `threadline TRACE.json`: the trace and where it came from.
    pub trace: Option<(PackedTrace, String)>,
    /// `--compare TRACE`.
    pub compare: Option<(PackedTrace, String)>,
    /// `--scenario`: the catalog id or file as given.
    pub scenario: Option<String>,
    /// `--scenario FILE`: the file, read and compiled.
    pub scenario_file: Option<Entry>,
    /// `--set`: slider values, each a slider of the scenario, within its range.
    pub sets: BTreeMap<String, f64>,
    /// `--theme`.
    pub theme: Option<egui::ThemePreference>,
    /// `--screenshot PATH`.
    pub screenshot: Option<PathBuf>,
    /// `--frame-stats N`.
    pub frame_stats: Option<u32>,
    /// `--run`.
    pub run: bool,
    /// `--play`: the game's first command (thread numbers, or a schedule as a guide).
    pub play: Option<Command>,
    /// `--split`.
    pub split: bool,
    /// `--profile VIEW`.
    pub profile: Option<ProfileTab>,
    /// `--stats N`.
    pub stats: Option<usize>,
    /// `--explore CHECK`.
    pub explore: Option<String>,
    /// `--predict [ANSWER]`.
    pub predict: Option<String>,
    /// `--show-me`.
    pub show_me: bool,
    /// `--size WxH`.
    pub size: Option<(f32, f32)>,
    /// `--bytecode [LINE]`.
    pub bytecode: Option<u32>,
    /// `--zoom-ms W`.
    pub zoom_ms: Option<f64>,
}

impl Launch {
    /// Validate the flags: Err is the message to print (exit status 2).
    pub fn from_cli(cli: &Cli) -> Result<Launch, String> {
        // Kept packed from the file on: a trace's events are a byte each, not 64.
        let load = |path: &Path| PackedTrace::load(path).map(|t| (t, path.display().to_string()));
        let trace = match &cli.command {
            Some(crate::cli::Command::Open { trace }) => {
                Some(load(trace).map_err(|e| format!("{}: {e}", trace.display()))?)
            }
            _ => None,
        };
        let compare = match &cli.compare {
            Some(path) => Some(load(path).map_err(|e| format!("{}: {e}", path.display()))?),
            None => None,
        };
        // --scenario is a catalog id or a scenario file.
        let scenario_file = match &cli.scenario {
            Some(id) if sim_core::py_catalog::py_source(id).is_none() => {
                let path = Path::new(id);
                if !path.exists() {
                    return Err(format!(
                        "no scenario \"{id}\": not a catalog id (see `threadline list`) and no such file"
                    ));
                }
                Some(crate::app::load_scenario_file(path)?)
            }
            _ => None,
        };
        let py_sets = crate::cli::run::parse_py_sets(&cli.set).map_err(|f| format!("{:#}", f.error))?;
        // --set names a slider of the scenario opened, within its range.
        let mut sets = BTreeMap::new();
        if !py_sets.is_empty() {
            let target = scenario_file.clone().or_else(|| {
                let id = cli.scenario.as_deref()?;
                let src = sim_core::py_catalog::py_source(id)?;
                Entry::new(id, &format!("{id}.py"), src).ok()
            });
            let sc = target.ok_or("--set needs --scenario")?;
            sim_core::py::compile(&sc.file, &sc.source, &py_sets).map_err(|e| format!("{}: {}", sc.file, e.message))?;
            sets = py_sets.iter().filter_map(|(k, v)| Some((k.clone(), v.as_f64()?))).collect();
        }
        let play = match cli.play.as_deref() {
            None => None,
            Some(arg) => {
                let choices: Result<Vec<u32>, _> =
                    arg.split(',').map(str::trim).filter(|s| !s.is_empty()).map(|s| s.parse::<u32>()).collect();
                Some(match choices {
                    Ok(c) => Command::Game(GameCmd::PlayScript(c)),
                    // Not thread numbers: a schedule (a file, or its text).
                    Err(_) => Command::Game(GameCmd::PlayGuided(
                        crate::cli::run::read_schedule(arg).map_err(|f| format!("--play: {:#}", f.error))?,
                        cli.play_to,
                    )),
                })
            }
        };
        let theme = cli.theme.map(|t| match t {
            crate::cli::ThemeArg::Light => egui::ThemePreference::Light,
            crate::cli::ThemeArg::Dark => egui::ThemePreference::Dark,
            crate::cli::ThemeArg::System => egui::ThemePreference::System,
        });
        let profile = cli.profile.map(|p| {
            use crate::cli::ProfileArg as A;
            match p {
                A::Line => ProfileTab::Lines,
                A::Resource => ProfileTab::Resources,
                A::Thread => ProfileTab::Threads,
                A::Path => ProfileTab::Path,
                A::Icicle => ProfileTab::Icicle,
            }
        });
        Ok(Launch {
            trace,
            compare,
            scenario: cli.scenario.clone(),
            scenario_file,
            sets,
            theme,
            screenshot: cli.screenshot.clone(),
            frame_stats: cli.frame_stats,
            run: cli.run,
            play,
            split: cli.split,
            profile,
            stats: cli.stats,
            explore: cli.explore.clone(),
            predict: cli.predict.clone(),
            show_me: cli.show_me,
            size: cli.size,
            bytecode: cli.bytecode,
            zoom_ms: cli.zoom_ms.filter(|w| w.is_finite() && *w > 0.0),
        })
    }

    /// The app these flags ask for, over what was remembered (`persisted`): the scenario
    /// selected with its slider values, the trace or comparison open, the job started.
    pub fn app(self, mut persisted: Persisted) -> ThreadlineApp {
        if let Some(id) = &self.scenario {
            persisted.scenario = self.scenario_file.as_ref().map_or_else(|| id.clone(), |sc| sc.id.clone());
        }
        if !self.sets.is_empty() {
            persisted.values.entry(persisted.scenario.clone()).or_default().extend(self.sets);
        }
        if let Some(tab) = self.profile {
            persisted.show_profile = true;
            persisted.profile_tab = tab;
        }
        if self.bytecode.is_some() {
            persisted.show_bytecode = true;
            persisted.show_code = true;
        }
        let mut app = ThreadlineApp::new(persisted);
        if let Some(sc) = self.scenario_file {
            app.add_scenario(sc);
        }
        if let Some((t, src)) = self.trace {
            app.open_packed(t, src);
        }
        if let Some((t, src)) = self.compare {
            app.compare = Some(crate::session::Session::from_packed(t, format!("compared: {src}")));
        }
        if let Some(ms) = self.zoom_ms {
            app.zoom_to_middle(ms * 1e6);
        }
        if self.split {
            app.persisted.split_updates = true;
        }
        if let Some(line) = self.bytecode.filter(|l| *l > 0) {
            app.editor.bytecode_line = Some(line);
        }
        if let Some(n) = self.stats {
            app.apply(AnalysisCmd::Stats(n));
        }
        if let Some(check) = self.explore {
            app.persisted.explore_check = check;
            app.apply(AnalysisCmd::Explore);
        }
        if let Some(answer) = self.predict {
            app.predict_auto = (!answer.is_empty()).then_some(answer);
            app.apply(AnalysisCmd::Predict);
        }
        if self.show_me {
            app.apply(GameCmd::ShowMe);
        }
        if let Some(cmd) = self.play {
            app.apply(cmd);
        } else if self.run && app.session.is_none() {
            app.apply(RunCmd::Run);
        }
        // A picture is of a run.
        if self.screenshot.is_some() && app.session.is_none() && !app.starting() {
            app.apply(RunCmd::Run);
        }
        app
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn launch(args: &[&str]) -> Result<Launch, String> {
        let mut cli = Cli::try_parse_from(std::iter::once("threadline").chain(args.iter().copied())).expect("parses");
        cli.resolve_file();
        Launch::from_cli(&cli)
    }

    #[test]
    fn flags_are_checked_before_a_window_opens() {
        let e = launch(&["--scenario", "no-such-scenario"]).err().expect("refused");
        assert!(e.contains("no scenario \"no-such-scenario\""), "{e}");
        let e = launch(&["--set", "THREADS=2"]).err().expect("refused");
        assert_eq!(e, "--set needs --scenario");
        let e = launch(&["--scenario", "race-counter", "--set", "THREADS=999"]).err().expect("refused");
        assert!(e.contains("outside its slider range"), "{e}");
        let e = launch(&["--scenario", "race-counter", "--set", "NOPE=1"]).err().expect("refused");
        assert!(e.contains("NOPE is not a slider"), "{e}");
        let e = launch(&["open", "/no/such/trace.json"]).err().expect("refused");
        assert!(e.starts_with("/no/such/trace.json"), "{e}");
        let e = launch(&["--scenario", "race-counter", "--play", "T1 X9"]).err().expect("refused");
        assert!(e.starts_with("--play:"), "{e}");
    }

    #[test]
    fn valid_flags_become_the_app_they_ask_for() {
        let l = launch(&["--scenario", "race-counter", "--set", "THREADS=3", "--play", "1,2", "--profile"]).unwrap();
        assert_eq!(l.sets.get("THREADS"), Some(&3.0));
        assert!(matches!(l.play, Some(Command::Game(GameCmd::PlayScript(ref c))) if c == &[1, 2]));
        let app = l.app(Persisted::default());
        assert_eq!(app.persisted.scenario, "race-counter");
        assert_eq!(app.persisted.values["race-counter"]["THREADS"], 3.0);
        assert!(app.persisted.show_profile);
        assert!(app.session.is_some() || app.starting(), "--play starts the game");
    }
}
