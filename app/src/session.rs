//! One run on screen: live (a [`Run`] streaming events over a channel) or a replay of a
//! trace. Either way the views read one [`Timeline`], fed event by event; a replay feeds it
//! up to its playhead, so there is no second renderer.

use sim_core::control::Schedule;
use sim_core::event::Event;
use sim_core::model::{Params, ScenarioInfo};
use sim_core::model::{ProcessMeta, RuntimeSettings, ThreadMeta};
use sim_core::packed::PackedTrace;
use sim_core::py::run::PyRun;
use sim_core::py::value::V;
use sim_core::py::{Program, Slider};
use sim_core::summary::Summary;
use sim_core::timeline::Timeline;
use sim_core::trace::Trace;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Most events moved from the channel into the timeline per frame, so a flood of events
/// never stalls a frame; the rest wait for the next frame (none is dropped).
pub const EVENTS_PER_FRAME: usize = 200_000;

/// Events read from a live run's recorder at once.
const READ_AT_ONCE: usize = 25_000;

/// Replay state.
#[derive(Clone, Debug, PartialEq)]
pub struct Replay {
    /// Advancing by itself.
    pub playing: bool,
    /// Playback speed (0.1× – 10×).
    pub speed: f64,
    /// The playhead, ns.
    pub playhead_ns: f64,
    /// Events applied to the timeline so far.
    applied: usize,
}

impl Drop for Session {
    fn drop(&mut self) {
        // A game waiting for a click lets its run go at once (the run is then joined).
        if let Some(p) = &self.player {
            p.handle.cancel();
        }
    }
}

/// A person playing the scheduler of a controlled run.
pub struct PlayerGame {
    /// The run's side: the pending choice, the choices so far.
    pub handle: sim_core::control::PlayerHandle,
    /// The program (stepping back re-runs it).
    pub prog: Arc<Program>,
    /// `x += 1` split into load, add and store.
    pub split: bool,
    /// A schedule shown as a guide at every choice (one from `explore`, opened in the game).
    pub guide: Option<Schedule>,
    /// Once the run has ended: the game judged against the program's goal.
    pub played: Option<sim_core::challenge::Played>,
    /// The app has scored it (a challenge's progress, the note).
    pub scored: bool,
    /// "Show me" is playing it: reaching the goal shows how, it does not win the challenge.
    pub shown: bool,
}

/// What a session is: a run going on, or a finished run (or an opened trace) to replay.
pub enum State {
    /// Events arrive over the channel as the threads make them.
    Live {
        /// The run.
        run: PyRun,
        /// Events read from the run's recorder into the timeline so far (read where the
        /// recorder keeps them, packed past its first blocks: no second copy of every event
        /// waits in a channel while the window catches up).
        read: usize,
        /// Held at the threads' next statement.
        paused: bool,
    },
    /// The whole trace is known; the timeline holds it up to the playhead.
    Replay {
        /// The trace, its events packed (about a byte an event).
        trace: Box<PackedTrace>,
        /// Playhead and playback.
        replay: Replay,
        /// Timelines at every `checkpoint_every` events, so a backward seek replays at
        /// most that many events instead of the whole trace.
        checkpoints: Vec<Timeline>,
    },
}

/// A run on screen.
pub struct Session {
    /// The scenario.
    pub scenario: ScenarioInfo,
    /// The Python source it ran (absent in traces from before scenarios were Python).
    pub code: Option<Arc<str>>,
    /// Parameter values.
    pub params: Params,
    /// Runtime settings.
    pub settings: RuntimeSettings,
    /// What the views draw.
    pub timeline: Timeline,
    /// Live or replay.
    pub state: State,
    /// Where it came from, for the title.
    pub source: String,
    /// Set when a person plays the scheduler: the controlled run waits for their choices.
    pub player: Option<PlayerGame>,
    /// The last summary and what it was computed on: the summary panel asks every frame.
    summary_memo: std::cell::RefCell<Option<SummaryMemo>>,
    profile_memo: std::cell::RefCell<Option<ProfileMemo>>,
}

/// The last summary and what it was computed on: (events seen, end), when.
/// A profile, the (events, end, range) it was made for, when, and how long it took.
type ProfileMemo =
    ((usize, u64, Option<(u64, u64)>), std::time::Instant, std::time::Duration, Arc<sim_core::profile::Profile>);

/// The least time between two profiles of a live run.
const PROFILE_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

type SummaryMemo = ((usize, u64), std::time::Instant, Arc<Summary>);

/// A trace's runtime settings, made safe to replay with: a time scale or switch interval that
/// is not a positive number (a hostile or damaged file) becomes the default.
fn sane_settings(mut s: RuntimeSettings) -> RuntimeSettings {
    let d = RuntimeSettings::default();
    if !(s.time_scale.is_finite() && s.time_scale > 0.0) {
        s.time_scale = d.time_scale;
    }
    s.time_scale = s.time_scale.clamp(1e-3, 1e3);
    if !(s.switch_interval_ms.is_finite() && s.switch_interval_ms > 0.0) {
        s.switch_interval_ms = d.switch_interval_ms;
    }
    s
}

/// Events between two replay checkpoints of a trace of `n` events: at most 8 checkpoints,
/// never closer than 50 000 events.
pub fn checkpoint_every(n: usize) -> usize {
    (n / 8).max(50_000)
}

impl Session {
    /// Start a compiled program live, controlled, with a person choosing who runs at each
    /// choice point (after `script`'s choices, played at once: stepping back re-runs them).
    pub fn start_player(
        prog: Arc<Program>,
        settings: RuntimeSettings,
        script: Vec<u32>,
        split: bool,
        guide: Option<(Schedule, usize)>,
        wake: Option<egui::Context>,
    ) -> Self {
        let wake: Option<Box<dyn Fn() + Send>> = wake.map(|c| Box::new(move || c.request_repaint()) as _);
        let (player, handle) = sim_core::control::Player::new(script, wake);
        if let Some((g, follow)) = &guide {
            handle.set_guide(g.clone(), *follow);
        }
        let p2 = Arc::clone(&prog);
        let mut s = Self::start_with(&prog, settings, move |settings| {
            PyRun::start_controlled(p2, settings, None, Box::new(player), split)
        });
        s.source = "you are the scheduler".into();
        s.player = Some(PlayerGame {
            handle,
            prog,
            split,
            guide: guide.map(|g| g.0),
            played: None,
            scored: false,
            shown: false,
        });
        s
    }

    /// Start a compiled program live.
    pub fn start(prog: Program, settings: RuntimeSettings) -> Self {
        let prog = Arc::new(prog);
        let p2 = Arc::clone(&prog);
        Self::start_with(&prog, settings, move |settings| PyRun::start(p2, settings, 0, None))
    }

    fn start_with(
        prog: &Arc<Program>,
        settings: RuntimeSettings,
        start: impl FnOnce(RuntimeSettings) -> PyRun,
    ) -> Self {
        let scenario = sim_core::py::run::scenario_shell(prog);
        let params: Params = prog.values.iter().map(|(k, v)| (k.clone(), v.snapshot())).collect();
        // The tables start with the main thread and process; the rest arrive as events.
        let main = ThreadMeta { name: "MainThread".into(), process: 0, daemon: false, target: None };
        let timeline = Timeline::new(&[main], &[ProcessMeta { name: "MainProcess".into(), pid: 4242 }], &[], &[]);
        let code = Some(Arc::clone(&prog.source));
        let run = start(settings.clone());
        Self {
            scenario,
            code,
            params,
            settings,
            timeline,
            state: State::Live { run, read: 0, paused: false },
            source: "live run".into(),
            player: None,
            summary_memo: std::cell::RefCell::new(None),
            profile_memo: std::cell::RefCell::new(None),
        }
    }

    /// Slider overrides for `sliders` from the values a user set, resolved by
    /// [`sim_core::model::resolve_sliders`] (clamped to each range; a whole-number slider
    /// gets an int).
    pub fn overrides(sliders: &[Slider], values: &BTreeMap<String, f64>) -> indexmap::IndexMap<String, V> {
        let given = values.iter().map(|(k, v)| (k.as_str(), *v));
        let resolved =
            sim_core::model::resolve_sliders(sliders, given, sim_core::model::Fit::Clamp).unwrap_or_default();
        resolved
            .into_iter()
            .filter(|(k, _)| values.contains_key(k))
            .filter_map(|(k, v)| match v {
                sim_core::value::Value::Int(i) => Some((k, V::Int(i))),
                sim_core::value::Value::Float(f) => Some((k, V::Float(f))),
                _ => None,
            })
            .collect()
    }

    /// A session replaying `trace`, showing all of it.
    pub fn from_trace(trace: Trace, source: String) -> Self {
        Self::from_packed(PackedTrace::pack(trace), source)
    }

    /// A session replaying a packed trace, showing all of it.
    pub fn from_packed(trace: PackedTrace, source: String) -> Self {
        // Checkpoints are made by the first backward seek (as for a finished live run): made
        // here, eight copies of the timeline at 1/8, 2/8… of the way held 3.5 timelines' worth
        // of memory for a replay that may never be scrubbed back.
        let timeline = Timeline::of_packed(&trace);
        let checkpoints = Vec::new();
        let end = timeline.end_ns as f64;
        let replay = Replay { playing: false, speed: 1.0, playhead_ns: end, applied: trace.events.len() };
        let meta = &trace.meta;
        Self {
            code: meta.source.as_ref().map(|s| Arc::from(s.text.as_str())),
            scenario: meta.scenario.clone(),
            params: meta.params.clone(),
            settings: sane_settings(meta.runtime.clone()),
            timeline,
            state: State::Replay { trace: Box::new(trace), replay, checkpoints },
            source,
            player: None,
            summary_memo: std::cell::RefCell::new(None),
            profile_memo: std::cell::RefCell::new(None),
        }
    }

    /// The trace, once the run ended (or when opened from a file).
    pub fn trace(&self) -> Option<&PackedTrace> {
        match &self.state {
            State::Replay { trace, .. } => Some(trace),
            State::Live { .. } => None,
        }
    }

    /// The replay state, for a finished run or an opened trace.
    pub fn replay(&self) -> Option<&Replay> {
        match &self.state {
            State::Replay { replay, .. } => Some(replay),
            State::Live { .. } => None,
        }
    }

    /// The replay state, to change playback.
    pub fn replay_mut(&mut self) -> Option<&mut Replay> {
        match &mut self.state {
            State::Replay { replay, .. } => Some(replay),
            State::Live { .. } => None,
        }
    }

    /// A live run held at its threads' next statement.
    pub fn paused(&self) -> bool {
        matches!(self.state, State::Live { paused: true, .. })
    }

    /// True while the run is going.
    pub fn is_live(&self) -> bool {
        matches!(self.state, State::Live { .. })
    }

    /// One line for logs: "live, 1234 events" (and the event limit, when reached).
    pub fn status_line(&self) -> String {
        let state = if self.is_live() { "live" } else { "ended" };
        let limit = if self.timeline.event_limit.is_some() { ", past the event limit" } else { "" };
        format!("run {state}, {} events{limit}", self.timeline.n_events)
    }

    /// Move new events into the timeline; once the run ended, become a replay of its trace.
    /// Returns whether anything changed.
    pub fn poll(&mut self) -> bool {
        let State::Live { run, read, .. } = &mut self.state else { return false };
        // Whether the run had ended before this read: then the read reaches its last event.
        let finished = run.is_finished();
        let mut changed = false;
        // A frame's share of events, read a slice at a time (a few MB, not one copy of
        // all 200 k).
        for _ in 0..EVENTS_PER_FRAME / READ_AT_ONCE {
            let events = run.read_events(*read, READ_AT_ONCE);
            *read += events.len();
            changed |= !events.is_empty();
            for e in &events {
                self.timeline.push(e);
            }
            if events.len() < READ_AT_ONCE {
                break;
            }
        }
        if !(finished && *read >= run.events_kept()) {
            return changed;
        }
        // Every thread has ended: joining them is immediate. What is kept of the events is
        // packed, about a byte an event instead of 64.
        let trace = match &mut self.player {
            Some(p) => {
                // The game is judged against the program's goal the moment it ends (a
                // controlled run: some hundreds of events).
                let trace = run.finish_in_place(None);
                let report = run.control_report().unwrap_or_default();
                p.played = Some(sim_core::challenge::judge(&p.prog, &trace, &report, &run.finals()));
                PackedTrace::pack(trace)
            }
            None => run.finish_packed_in_place(None),
        };
        // Anything recorded while the run was being joined.
        let timeline = &mut self.timeline;
        trace.events.for_each_in(*read..trace.events.len(), |_, e| timeline.push(e));
        let replay = Replay {
            playing: false,
            speed: 1.0,
            playhead_ns: self.timeline.end_ns as f64,
            applied: trace.events.len(),
        };

        // Checkpoints are made by the first backward seek.
        self.state = State::Replay { trace: Box::new(trace), replay, checkpoints: Vec::new() };
        true
    }

    /// Stop the live run (it ends within milliseconds; `poll` collects it).
    pub fn stop(&mut self) {
        if let State::Live { run, .. } = &self.state {
            run.set_paused(false);
            run.stop();
        }
    }

    /// Pause or resume the live run.
    pub fn set_paused(&mut self, paused: bool) {
        if let State::Live { run, paused: p, .. } = &mut self.state {
            run.set_paused(paused);
            *p = paused;
        }
    }

    /// Running time of all threads so far, in ns; recomputed only when the timeline changed.
    pub fn cpu_total_ns(&self) -> u64 {
        (self.summary().threads.iter().map(|t| t.cpu_ms).sum::<f64>() * 1e6).round() as u64
    }

    /// sim-core's [`Summary`] of what the timeline holds (the one `threadline run --json`
    /// prints), recomputed when events arrive — at most every 200 ms while the run is live.
    pub fn summary(&self) -> Arc<Summary> {
        let key = (self.timeline.n_events, self.timeline.end_ns);
        if let Some((k, at, s)) = &*self.summary_memo.borrow()
            && (*k == key || (self.is_live() && at.elapsed() < std::time::Duration::from_millis(200)))
        {
            return Arc::clone(s);
        }
        let mut s = Summary::of_timeline(&self.scenario.id, &self.params, &self.settings, &self.timeline);
        if let Some(r) = self.trace().and_then(|t| t.meta.recorded.as_ref()) {
            s.mark_recorded(r);
        }
        let s = Arc::new(s);
        *self.summary_memo.borrow_mut() = Some((key, std::time::Instant::now(), Arc::clone(&s)));
        s
    }

    /// Where the time went, for the whole run or `range` (ns) of it: recomputed when the run
    /// grows (while it runs or a replay plays, at most five times a second, and spending at
    /// most a tenth of the time on it) or the range changes.
    pub fn profile(&self, range: Option<(u64, u64)>) -> Arc<sim_core::profile::Profile> {
        let key = (self.timeline.n_events, self.timeline.end_ns, range);
        if let Some((k, at, took, p)) = &*self.profile_memo.borrow()
            && (*k == key
                || (k.2 == range
                    && (self.is_live() || self.replay().is_some_and(|r| r.playing))
                    && at.elapsed() < (*took * 10).max(PROFILE_EVERY)))
        {
            return Arc::clone(p);
        }
        let (from, to) = range.unwrap_or((0, self.timeline.end_ns));
        let started = std::time::Instant::now();
        let p = Arc::new(sim_core::profile::Profile::of_range(&self.timeline, from, to));
        *self.profile_memo.borrow_mut() = Some((key, std::time::Instant::now(), started.elapsed(), Arc::clone(&p)));
        p
    }

    /// While paused, let every thread of the live run take one more statement.
    pub fn step(&self) {
        if let State::Live { run, paused: true, .. } = &self.state {
            run.step();
        }
    }

    /// Move the replay playhead to `t_ns`. Forward, the timeline is fed the events between;
    /// backward, it restarts from the last checkpoint before the target, so a seek replays
    /// at most [`checkpoint_every`] events however long the trace.
    pub fn seek(&mut self, t_ns: f64) {
        let State::Replay { trace, replay, checkpoints } = &mut self.state else { return };
        let end = trace.events.last_t().unwrap_or(0) as f64;
        let t = t_ns.clamp(0.0, end);
        let target = trace.events.count_until(t);
        let every = checkpoint_every(trace.events.len());
        if target < replay.applied {
            let k = (target / every).min(checkpoints.len().saturating_sub(1));
            match checkpoints.get(k) {
                Some(c) => {
                    self.timeline = c.clone();
                    replay.applied = k * every;
                }
                None => {
                    self.timeline = Timeline::for_trace(&trace.meta);
                    replay.applied = 0;
                    checkpoints.push(self.timeline.clone());
                }
            }
        }
        let timeline = &mut self.timeline;
        trace.events.for_each_in(replay.applied..target, |i, e| {
            // Checkpoints not made yet (a finished live run) are made on the way.
            if i > 0 && i % every == 0 && checkpoints.len() == i / every {
                checkpoints.push(timeline.clone());
            }
            timeline.push(e);
        });
        replay.applied = target;
        replay.playhead_ns = t;
        // Lanes end at the playhead, not at the last event applied.
        self.timeline.end_ns = t as u64;
    }

    /// Advance a playing replay by `dt_s` of wall time.
    pub fn tick(&mut self, dt_s: f64) -> bool {
        let Some(r) = self.replay() else { return false };
        if !r.playing {
            return false;
        }
        let end = self.end_ns() as f64;
        let next = r.playhead_ns + dt_s * 1e9 * r.speed * self.settings.time_scale;
        self.seek(next);
        if next >= end
            && let Some(r) = self.replay_mut()
        {
            r.playing = false;
        }
        true
    }

    /// The time of the trace's last event (0 while live).
    pub fn end_ns(&self) -> u64 {
        self.trace().and_then(|t| t.events.last_t()).unwrap_or(0)
    }

    /// The time of the first event after `t_ns` that `pred` accepts, for jumps.
    pub fn next_event_after(&self, t_ns: f64, pred: impl Fn(&Event) -> bool) -> Option<u64> {
        self.trace().and_then(|t| t.events.next_time_after(t_ns, pred))
    }

    /// The time of the last event before `t_ns`, for stepping back.
    pub fn prev_event_before(&self, t_ns: f64) -> Option<u64> {
        self.trace().and_then(|t| t.events.prev_time_before(t_ns))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A trace of about 120 000 events: two threads taking a Lock.
    fn long_trace() -> Trace {
        let src = "import threading\nlock = threading.Lock()\ndef w():\n    for _ in range(20000):\n        with lock:\n            pass\nts = [threading.Thread(target=w) for _ in range(2)]\nfor t in ts:\n    t.start()\nfor t in ts:\n    t.join()\n";
        let (trace, _) =
            sim_core::py::run::run_source("long.py", src, &Default::default(), RuntimeSettings::default(), None)
                .expect("compiles");
        trace
    }

    fn shape(tl: &Timeline) -> Vec<usize> {
        let mut v = vec![tl.n_events, tl.output.len(), tl.arrows.len()];
        v.extend(tl.threads.iter().map(|l| l.phases.len() + l.lines.len()));
        v.extend(tl.resources.iter().map(|l| l.holders.len()));
        v
    }

    #[test]
    fn a_backward_seek_starts_from_a_checkpoint_and_gives_the_same_timeline() {
        let trace = long_trace();
        let n = trace.events.len();
        assert!(n > 2 * checkpoint_every(n), "{n} events");
        let mut s = Session::from_trace(trace.clone(), "test".into());
        let State::Replay { checkpoints, .. } = &s.state else { panic!("a replay") };
        assert!(checkpoints.is_empty(), "made by the first backward seek, not before");
        for frac in [0.9, 0.3, 0.7, 0.05, 1.0] {
            let t = trace.events[((n - 1) as f64 * frac) as usize].t_ns;
            s.seek(t as f64);
            let upto = trace.events.partition_point(|e| e.t_ns <= t);
            let fresh = Timeline::from_events(
                &trace.threads,
                &trace.processes,
                &trace.resources,
                &trace.vars,
                &trace.events[..upto],
            );
            assert_eq!(shape(&s.timeline), shape(&fresh), "seek to {frac}");
        }
        // The first backward seek made the checkpoints it passed; the later seeks used them.
        let State::Replay { checkpoints, .. } = &s.state else { panic!("a replay") };
        assert!(checkpoints.len() >= (n * 9 / 10) / checkpoint_every(n), "{} checkpoints", checkpoints.len());
    }

    /// A live session reads the run's events where the recorder keeps them (packed past its
    /// first blocks, being packed, whole, being written) and, once the run ends, holds the
    /// same timeline as a replay of the trace it keeps.
    #[test]
    fn a_live_run_read_from_the_recorder_draws_every_event_once() {
        // About 360 000 events: past the recorder's unpacked blocks, so some are read packed.
        let src = "import threading\nlock = threading.Lock()\ndef w():\n    for _ in range(60000):\n        with lock:\n            pass\nts = [threading.Thread(target=w) for _ in range(2)]\nfor t in ts:\n    t.start()\nfor t in ts:\n    t.join()\nprint('done')\n";
        let prog = sim_core::py::compile("live.py", src, &Default::default()).expect("compiles");
        let mut s = Session::start(prog, RuntimeSettings::default());
        let began = std::time::Instant::now();
        while s.is_live() {
            s.poll();
            assert!(began.elapsed() < std::time::Duration::from_secs(120), "the run did not end");
        }
        let trace = s.trace().expect("a replay once ended");
        assert!(trace.events.len() > 300_000, "{} events", trace.events.len());
        assert_eq!(s.timeline.n_events, trace.events.len(), "every event drawn once");
        assert_eq!(shape(&s.timeline), shape(&Timeline::of_packed(trace)));
        assert_eq!(s.timeline.output.len(), 1);
    }
}
