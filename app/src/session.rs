//! One run on screen: live (a [`Run`] streaming events over a channel) or a replay of a
//! trace. Either way the views read one [`Timeline`], fed event by event; a replay feeds it
//! up to its playhead, so there is no second renderer.

use crossbeam_channel::Receiver;
use sim_core::event::Event;
use sim_core::model::{Params, ScenarioInfo};
use sim_core::py::run::PyRun;
use sim_core::py::value::V;
use sim_core::py::{Program, Slider};
use sim_core::rt::{ProcessMeta, RuntimeSettings, ThreadMeta};
use sim_core::summary::Summary;
use sim_core::timeline::Timeline;
use sim_core::trace::Trace;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Most events moved from the channel into the timeline per frame, so a flood of events
/// never stalls a frame; the rest wait for the next frame (none is dropped).
pub const EVENTS_PER_FRAME: usize = 200_000;

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
    /// The live run, until it ends.
    run: Option<PyRun>,
    rx: Option<Receiver<Event>>,
    /// The trace, once the run ended (or when opened from a file).
    pub trace: Option<Trace>,
    /// Paused (live).
    pub paused: bool,
    /// Replay state (a finished run or an opened trace).
    pub replay: Option<Replay>,
    /// Where it came from, for the title.
    pub source: String,
    /// Total running time of all threads, memoised for the timeline it was computed on
    /// (events seen, end): the summary panel asks every frame.
    summary_memo: std::cell::RefCell<Option<SummaryMemo>>,
}

/// The last summary and what it was computed on: (events seen, end), when.
type SummaryMemo = ((usize, u64), std::time::Instant, Arc<Summary>);

impl Session {
    /// Start a compiled program live.
    pub fn start(prog: Program, settings: RuntimeSettings) -> Self {
        let scenario = sim_core::py::run::scenario_shell(&prog);
        let params: Params = prog.values.iter().map(|(k, v)| (k.clone(), v.snapshot())).collect();
        // The tables start with the main thread and process; the rest arrive as events.
        let main = ThreadMeta { name: "MainThread".into(), process: 0, daemon: false, target: None };
        let timeline = Timeline::new(&[main], &[ProcessMeta { name: "MainProcess".into(), pid: 4242 }], &[], &[]);
        let (tx, rx) = crossbeam_channel::unbounded();
        let code = Some(Arc::clone(&prog.source));
        let run = PyRun::start(Arc::new(prog), settings.clone(), 0, Some(tx));
        Self {
            scenario,
            code,
            params,
            settings,
            timeline,
            run: Some(run),
            rx: Some(rx),
            trace: None,
            paused: false,
            replay: None,
            source: "live run".into(),
            summary_memo: std::cell::RefCell::new(None),
        }
    }

    /// Slider overrides for `sliders` from the values a user set (clamped to each range; a
    /// whole-number slider gets an int).
    pub fn overrides(sliders: &[Slider], values: &BTreeMap<String, f64>) -> indexmap::IndexMap<String, V> {
        let mut overrides = indexmap::IndexMap::new();
        for s in sliders {
            if let Some(v) = values.get(&s.name) {
                let v = v.clamp(s.min, s.max);
                overrides.insert(s.name.clone(), if s.float { V::Float(v) } else { V::Int(v.round() as i64) });
            }
        }
        overrides
    }

    /// A session replaying `trace`, showing all of it.
    pub fn from_trace(trace: Trace, source: String) -> Self {
        let timeline =
            Timeline::from_events(&trace.threads, &trace.processes, &trace.resources, &trace.vars, &trace.events);
        let end = timeline.end_ns as f64;
        Self {
            code: trace.source.as_ref().map(|s| Arc::from(s.text.as_str())),
            scenario: trace.scenario.clone(),
            params: trace.params.clone(),
            settings: trace.runtime.clone(),
            timeline,
            run: None,
            rx: None,
            replay: Some(Replay { playing: false, speed: 1.0, playhead_ns: end, applied: trace.events.len() }),
            trace: Some(trace),
            paused: false,
            source,
            summary_memo: std::cell::RefCell::new(None),
        }
    }

    /// True while the run is going.
    pub fn is_live(&self) -> bool {
        self.run.is_some()
    }

    /// Move new events into the timeline; finish the run once it ended. Returns whether
    /// anything changed.
    pub fn poll(&mut self) -> bool {
        let mut changed = false;
        if let Some(rx) = &self.rx {
            for e in rx.try_iter().take(EVENTS_PER_FRAME) {
                self.timeline.push(&e);
                changed = true;
            }
        }
        let ended =
            self.run.as_ref().is_some_and(PyRun::is_finished) && self.rx.as_ref().is_some_and(|rx| rx.is_empty());
        if ended && let Some(run) = self.run.take() {
            // Every thread has ended: joining them is immediate.
            let trace = run.finish(None);
            for e in self.rx.take().into_iter().flat_map(|rx| rx.try_iter().collect::<Vec<_>>()) {
                self.timeline.push(&e);
            }
            self.replay = Some(Replay {
                playing: false,
                speed: 1.0,
                playhead_ns: self.timeline.end_ns as f64,
                applied: trace.events.len(),
            });
            self.trace = Some(trace);
            changed = true;
        }
        changed
    }

    /// Stop the live run (it ends within milliseconds; `poll` collects it).
    pub fn stop(&mut self) {
        if let Some(run) = &self.run {
            run.set_paused(false);
            run.stop();
        }
    }

    /// Pause or resume the live run.
    pub fn set_paused(&mut self, paused: bool) {
        if let Some(run) = &self.run {
            run.set_paused(paused);
            self.paused = paused;
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
        let s = Arc::new(Summary::of_timeline(&self.scenario.id, &self.params, &self.settings, &self.timeline));
        *self.summary_memo.borrow_mut() = Some((key, std::time::Instant::now(), Arc::clone(&s)));
        s
    }

    /// While paused, let every thread of the live run take one more op.
    pub fn step(&self) {
        if let Some(run) = &self.run
            && self.paused
        {
            run.step();
        }
    }

    /// Move the replay playhead to `t_ns`, feeding or rebuilding the timeline.
    pub fn seek(&mut self, t_ns: f64) {
        let (Some(trace), Some(replay)) = (&self.trace, &mut self.replay) else { return };
        let end = trace.events.last().map_or(0, |e| e.t_ns) as f64;
        let t = t_ns.clamp(0.0, end);
        let target = trace.events.partition_point(|e| (e.t_ns as f64) <= t);
        if target < replay.applied {
            self.timeline = Timeline::new(&trace.threads, &trace.processes, &trace.resources, &trace.vars);
            replay.applied = 0;
        }
        for e in &trace.events[replay.applied..target] {
            self.timeline.push(e);
        }
        replay.applied = target;
        replay.playhead_ns = t;
        // Lanes end at the playhead, not at the last event applied.
        self.timeline.end_ns = t as u64;
    }

    /// Advance a playing replay by `dt_s` of wall time.
    pub fn tick(&mut self, dt_s: f64) -> bool {
        let Some(r) = &self.replay else { return false };
        if !r.playing {
            return false;
        }
        let end = self.trace.as_ref().and_then(|t| t.events.last()).map_or(0, |e| e.t_ns) as f64;
        let next = r.playhead_ns + dt_s * 1e9 * r.speed * self.settings.time_scale;
        self.seek(next);
        if next >= end
            && let Some(r) = &mut self.replay
        {
            r.playing = false;
        }
        true
    }

    /// Times of events matching `pred`, for jumps.
    pub fn event_times(&self, pred: impl Fn(&Event) -> bool) -> Vec<u64> {
        self.trace.as_ref().map(|t| t.events.iter().filter(|e| pred(e)).map(|e| e.t_ns).collect()).unwrap_or_default()
    }
}
