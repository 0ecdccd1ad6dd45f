//! Starting the window: eframe setup, remembered settings, `threadline open TRACE`, and
//! the `--screenshot` mode that runs a scenario, saves a PNG of the window and exits.

use crate::app::{Persisted, RunCmd, STORAGE_KEY, ThreadlineApp};
use crate::cli::Cli;
use crossbeam_channel::{Receiver, Sender};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Screenshot mode: run, wait until finished, capture, exit.
struct Shot {
    path: PathBuf,
    frames_after_finish: u32,
    requested: bool,
    tx: Sender<Arc<egui::ColorImage>>,
    rx: Receiver<Arc<egui::ColorImage>>,
    started: std::time::Instant,
}

/// `--frame-stats N`: the UI thread's work per frame (logic + ui), for N frames; every
/// 30 s along the way, the last 30 s's frames and the process's resident memory (for
/// long runs: issue 13's never-ending program).
struct FrameStats {
    frames: usize,
    began: Option<std::time::Instant>,
    samples_ms: Vec<f64>,
    opened: std::time::Instant,
    window_from: usize,
    window_began: std::time::Instant,
}

/// This process's resident memory in KiB (Linux's `/proc/self/status`), if known.
fn resident_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// How often `--frame-stats` prints an interim line.
const FRAME_STATS_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

impl FrameStats {
    fn new(frames: u32) -> Self {
        let now = std::time::Instant::now();
        Self {
            frames: frames.max(1) as usize,
            began: None,
            samples_ms: Vec::new(),
            opened: now,
            window_from: 0,
            window_began: now,
        }
    }

    /// "N frames: median X ms, p99 Y ms, worst Z ms".
    fn report(&self) -> String {
        Self::report_of(&self.samples_ms)
    }

    /// Every 30 s: "at 30 s: …frames…; resident memory N MB; run: …".
    fn interim(&mut self, run: &str) -> Option<String> {
        if self.window_began.elapsed() < FRAME_STATS_EVERY {
            return None;
        }
        let window = &self.samples_ms[self.window_from.min(self.samples_ms.len())..];
        let line = format!(
            "at {:.0} s: {}; resident memory {}; {run}",
            self.opened.elapsed().as_secs_f64(),
            Self::report_of(window),
            resident_memory().map_or_else(|| "unknown".to_string(), |kb| format!("{:.0} MB", kb as f64 / 1024.0)),
        );
        self.window_from = self.samples_ms.len();
        self.window_began = std::time::Instant::now();
        Some(line)
    }

    fn report_of(samples: &[f64]) -> String {
        let mut v = samples.to_vec();
        v.sort_by(f64::total_cmp);
        let at = |q: f64| v.get(((v.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or(0.0);
        format!(
            "frame work (logic + ui) over {} frames: median {:.2} ms, p99 {:.2} ms, worst {:.2} ms",
            v.len(),
            at(0.5),
            at(0.99),
            v.last().copied().unwrap_or(0.0)
        )
    }
}

/// The eframe app: the Threadline app plus screenshot mode.
struct Host {
    app: ThreadlineApp,
    shot: Option<Shot>,
    stats: Option<FrameStats>,
    exit: Arc<std::sync::atomic::AtomicU8>,
}

/// Longest a screenshot run may take before it is stopped and pictured as it is.
const SHOT_TIMEOUT_S: u64 = 60;

impl eframe::App for Host {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        if let Some(st) = &mut self.stats {
            st.began = Some(std::time::Instant::now());
            ctx.request_repaint();
        }
        self.app.logic(ctx);
        let Some(shot) = &mut self.shot else { return };
        // A scheduler game is pictured when it waits for a choice.
        let finished = self
            .app
            .session
            .as_ref()
            .is_some_and(|s| !s.is_live() || s.player.as_ref().is_some_and(|p| p.handle.pending().is_some()))
            && !self.app.starting()
            && !self.app.jobs.busy()
            && !self.app.showing_me()
            && self.app.prediction.as_ref().is_none_or(|p| {
                p.choices.is_some() && !p.running && (self.app.predict_auto.is_none() || p.tally.is_some())
            });
        if !finished && shot.started.elapsed().as_secs() > SHOT_TIMEOUT_S {
            self.app.apply(RunCmd::Stop);
        }
        if finished && !shot.requested {
            shot.frames_after_finish += 1;
            if shot.frames_after_finish > 5 {
                let tx = shot.tx.clone();
                ctx.request_screenshot(move |img| {
                    let _ = tx.send(img);
                });
                shot.requested = true;
            }
        }
        if let Ok(img) = shot.rx.try_recv() {
            let code = match write_png(&shot.path, &img) {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("threadline: could not write {}: {e:#}", shot.path.display());
                    1
                }
            };
            self.exit.store(code, std::sync::atomic::Ordering::Release);
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
        ctx.request_repaint();
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.app.ui(ui);
        if let Some(st) = &mut self.stats
            && let Some(b) = st.began.take()
        {
            st.samples_ms.push(b.elapsed().as_secs_f64() * 1e3);
            let run = self.app.session.as_ref().map_or_else(|| "no run".to_string(), |s| s.status_line());
            if let Some(line) = st.interim(&run) {
                println!("{line}");
            }
            if st.samples_ms.len() == st.frames {
                println!("{}", st.report());
                ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
            }
        }
    }

    /// Remembered state (unsaved code included) is written every 2 s, not eframe's 30 s:
    /// a crash loses at most the last two seconds of typing.
    fn auto_save_interval(&self) -> std::time::Duration {
        std::time::Duration::from_secs(2)
    }

    /// A screenshot run leaves the user's remembered window (panel sizes, zoom) alone.
    fn persist_egui_memory(&self) -> bool {
        self.shot.is_none()
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        if self.shot.is_none() {
            eframe::set_value(storage, STORAGE_KEY, &self.app.persisted);
        }
    }
}

fn write_png(path: &std::path::Path, img: &egui::ColorImage) -> anyhow::Result<()> {
    let [w, h] = img.size;
    let mut bytes = Vec::with_capacity(w * h * 4);
    for p in &img.pixels {
        bytes.extend_from_slice(&p.to_srgba_unmultiplied());
    }
    sim_core::trace::save_atomically(path, |out| {
        let mut enc = png::Encoder::new(out, w as u32, h as u32);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().map_err(std::io::Error::other)?;
        writer.write_image_data(&bytes).map_err(std::io::Error::other)?;
        writer.finish().map_err(std::io::Error::other)
    })?;
    Ok(())
}

/// Open the window; returns the process exit status.
pub fn run_app(cli: &Cli) -> ExitCode {
    let launch = match crate::launch::Launch::from_cli(cli) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("threadline: {e}");
            return ExitCode::from(2);
        }
    };
    let exit = Arc::new(std::sync::atomic::AtomicU8::new(0));
    let exit2 = Arc::clone(&exit);
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_inner_size(launch.size.map_or([1280.0, 800.0], |(w, h)| [w, h]))
            .with_title("Threadline")
            .with_drag_and_drop(true),
        // A picture, or a size asked for, is not the window as the user last left it.
        persist_window: launch.screenshot.is_none() && launch.size.is_none(),
        // A picture shows the app as a new user first sees it: no remembered state is read or
        // written (its own empty folder).
        persistence_path: launch
            .screenshot
            .as_ref()
            .map(|_| std::env::temp_dir().join(format!("threadline-screenshot-{}", std::process::id()))),
        ..Default::default()
    };
    let result = eframe::run_native(
        "Threadline",
        options,
        Box::new(move |cc| {
            if let Some((w, h)) = launch.size {
                // The remembered window size would win over the builder's: ask for it now.
                cc.egui_ctx.send_viewport_cmd(egui::ViewportCommand::InnerSize(egui::vec2(w, h)));
            }
            if let Some(t) = launch.theme {
                cc.egui_ctx.set_theme(t);
            }
            if launch.screenshot.is_some() {
                // The virtual display's pointer rests mid-window: no hover text in the picture.
                cc.egui_ctx.all_styles_mut(|s| s.interaction.tooltip_delay = f32::INFINITY);
            }
            let persisted: Persisted = if launch.screenshot.is_some() {
                Persisted::default()
            } else {
                cc.storage.and_then(|s| eframe::get_value(s, STORAGE_KEY)).unwrap_or_default()
            };
            let screenshot = launch.screenshot.clone();
            let stats = launch.frame_stats.map(FrameStats::new);
            let app = launch.app(persisted);
            let shot = screenshot.map(|path| {
                let (tx, rx) = crossbeam_channel::unbounded();
                Shot { path, frames_after_finish: 0, requested: false, tx, rx, started: std::time::Instant::now() }
            });
            Ok(Box::new(Host { app, shot, stats, exit: exit2 }))
        }),
    );
    // A "Run in CPython too" still going when the window closed: its python3 goes too.
    crate::record::kill_all();
    match result {
        Ok(()) => ExitCode::from(exit.load(std::sync::atomic::Ordering::Acquire)),
        Err(e) => {
            eprintln!("threadline: could not open the window: {e}");
            ExitCode::FAILURE
        }
    }
}
