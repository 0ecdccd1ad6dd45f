//! The run summary: one JSON object, the same from `threadline run --json` and
//! `threadline summarize --json`, and a short human rendering of it.
//!
//! | field      | meaning |
//! |------------|---------|
//! | `scenario` | scenario id |
//! | `params`   | parameter values |
//! | `runtime`  | `gil`, `switch_interval_ms`, `time_scale` |
//! | `wall_ms`  | time of the last event |
//! | `processes`| `name`, `pid`, `exitcode` (0, 1 after an uncaught exception, `sys.exit`'s code; null if it never exited) |
//! | `threads`  | `name`, `process`, `outcome` (finished, killed, raised, stopped), `error`, `cpu_ms`, `gil_wait_ms`, `blocked_ms`, `io_ms` |
//! | `gil`      | per process name: `handoffs`, `forced_switches`, `drop_requests`, `slice_ms_median`, and `inferred: true` for a run recorded in CPython 3.12+ (handoffs inferred from `sys.monitoring`) |
//! | `resources`| per name: `kind` and `max_holders`, `max_len`, `blocked_puts`, `blocked_gets`, `capacity` as fits |
//! | `vars`     | per name: `final`, `race_free`, `lost_updates` |
//! | `deadlock` | null, or `threads`, `resources` and the `cycle` edges, and `words` |
//! | `errors`   | `thread`, `type`, `message`, `caught` |
//! | `output`   | printed lines, in order |
//! | `events`   | how many events |

use crate::timeline::{ThreadState, Timeline};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use threadline_model::event::WaitTarget;
use threadline_model::model::{Params, ResourceKind};
use threadline_model::pyerror::PyError;
use threadline_model::trace::Trace;
use threadline_model::value::Value;

/// The summary of one run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Scenario id.
    pub scenario: String,
    /// Parameter values.
    pub params: Params,
    /// Runtime settings.
    pub runtime: threadline_model::model::RuntimeSettings,
    /// Wall time in ms.
    pub wall_ms: f64,
    /// Per process: name, pid and exit status (`null` while it had not exited).
    #[serde(default)]
    pub processes: Vec<ProcessSummary>,
    /// Per thread.
    pub threads: Vec<ThreadSummary>,
    /// Per process name.
    pub gil: BTreeMap<String, GilSummary>,
    /// Per resource name.
    pub resources: BTreeMap<String, ResourceSummary>,
    /// Per variable name.
    pub vars: BTreeMap<String, VarSummary>,
    /// The deadlock, if any.
    pub deadlock: Option<DeadlockSummary>,
    /// Exceptions raised.
    pub errors: Vec<ErrorSummary>,
    /// asyncio tasks, in the order they were created.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tasks: Vec<TaskSummary>,
    /// Printed lines.
    pub output: Vec<String>,
    /// Event count.
    pub events: usize,
    /// For a run recorded from the real CPython: its version (`3.11.7`); absent for a
    /// simulated run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_from: Option<String>,
    /// The run passed the most events a run keeps in full: the limit (from there on only
    /// starts, ends, prints and exceptions were kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_limit: Option<u64>,
}

/// One simulated process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProcessSummary {
    /// `multiprocessing.current_process().name`.
    pub name: String,
    /// Its simulated pid.
    pub pid: u32,
    /// `Process.exitcode`: 0, 1 after an uncaught exception, `sys.exit`'s code; None if it
    /// never exited (stopped, or a trace of a JSON scenario).
    pub exitcode: Option<i64>,
}

/// One thread.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThreadSummary {
    /// Its name.
    pub name: String,
    /// Its process's name.
    pub process: String,
    /// finished | killed | raised | stopped | not_started.
    pub outcome: String,
    /// The uncaught exception, for `raised`.
    pub error: Option<PyError>,
    /// Running time.
    pub cpu_ms: f64,
    /// Time waiting for the GIL.
    pub gil_wait_ms: f64,
    /// Time blocked on primitives and joins.
    pub blocked_ms: f64,
    /// Time in I/O and sleep.
    pub io_ms: f64,
}

/// One process's GIL.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GilSummary {
    /// Handoffs between different threads.
    pub handoffs: usize,
    /// Forced releases.
    pub forced_switches: u32,
    /// Drop requests set by waiters.
    pub drop_requests: usize,
    /// Median time one thread held the GIL, in ms.
    pub slice_ms_median: f64,
    /// Inferred, not simulated: a run recorded in CPython 3.12+ (see the trace's
    /// `recorded.gil_inferred`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub inferred: bool,
}

/// One asyncio task.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskSummary {
    /// `Task-2`.
    pub name: String,
    /// Its coroutine.
    pub coro: String,
    /// `finished`, `cancelled`, the exception that ended it; None if it never ended.
    pub outcome: Option<String>,
    /// Time running a step, in ms.
    pub running_ms: f64,
    /// Time ready but waiting for the loop (the loop's lag), in ms.
    pub ready_ms: f64,
    /// Time suspended at an await, in ms.
    pub suspended_ms: f64,
}

/// One resource.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResourceSummary {
    /// lock, rlock, semaphore, bounded_semaphore, condition, event, queue, pipe, pool (the
    /// JSON has these names).
    pub kind: ResourceKind,
    /// Semaphore value, queue maxsize, pool workers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacity: Option<i64>,
    /// Most simultaneous holders.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_holders: Option<u32>,
    /// Longest queue.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_len: Option<u32>,
    /// Puts that waited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked_puts: Option<u32>,
    /// Gets that waited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked_gets: Option<u32>,
    /// Counter at the end (semaphores).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub final_value: Option<i64>,
}

/// One variable (the main process's copy).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VarSummary {
    /// Its final value.
    #[serde(rename = "final")]
    pub final_value: Value,
    /// What a race-free run would hold.
    pub race_free: Value,
    /// race_free − final, for numbers.
    pub lost_updates: Option<i64>,
}

/// A deadlock.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeadlockSummary {
    /// Threads in it.
    pub threads: Vec<String>,
    /// Resources they wait for.
    pub resources: Vec<String>,
    /// Edges: thread, waits_for, held_by.
    pub cycle: Vec<BTreeMap<String, Option<String>>>,
    /// In words.
    pub words: String,
}

/// One exception.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorSummary {
    /// Thread name.
    pub thread: String,
    /// Exception type.
    #[serde(rename = "type")]
    pub ty: String,
    /// Message.
    pub message: String,
    /// Caught by a `try` (else it ended the thread).
    pub caught: bool,
}

fn ms(ns: u64) -> f64 {
    (ns as f64 / 1e4).round() / 100.0
}

impl Summary {
    /// Summarize a trace.
    pub fn of_trace(trace: &Trace) -> Self {
        let tl = Timeline::of_trace(trace);
        Self::of(trace, &tl)
    }

    /// Summarize a trace whose timeline is already built.
    pub fn of(trace: &Trace, tl: &Timeline) -> Self {
        let mut s = Self::of_timeline(&trace.scenario.id, &trace.params, &trace.runtime, tl);
        if let Some(r) = &trace.recorded {
            s.mark_recorded(r);
        }
        s
    }

    /// Say that the run was recorded in the real CPython (and that its GIL, if any, was
    /// inferred).
    pub fn mark_recorded(&mut self, r: &threadline_model::trace::Recorded) {
        self.recorded_from = Some(format!("CPython {}", r.python));
        if r.gil_inferred.is_some() {
            self.gil.values_mut().for_each(|g| g.inferred = true);
        }
    }

    /// Summarize a run from its timeline (a live run's so far, or a replay's up to its
    /// playhead): the one summary the CLI prints and the app shows.
    pub fn of_timeline(
        scenario: &str,
        params: &Params,
        runtime: &threadline_model::model::RuntimeSettings,
        tl: &Timeline,
    ) -> Self {
        let tname = |t: u32| tl.thread_name(t);
        let threads = tl
            .thread_meta
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let th = i as u32;
                let lane = &tl.threads[i];
                let outcome = match lane.end {
                    Some(ThreadState::Finished) => "finished",
                    Some(ThreadState::Killed) => "killed",
                    Some(ThreadState::Raised) => "raised",
                    Some(_) => "stopped",
                    None if lane.phases.is_empty() => "not_started",
                    None => "stopped",
                };
                ThreadSummary {
                    name: m.name.clone(),
                    process: tl.process_meta.get(m.process as usize).map_or_else(String::new, |p| p.name.clone()),
                    outcome: outcome.into(),
                    error: lane.errors.iter().find(|e| !e.2).map(|e| e.1.clone()),
                    cpu_ms: ms(tl.time_in(th, |s| s == ThreadState::Running)),
                    gil_wait_ms: ms(tl.time_in(th, |s| s == ThreadState::WaitingGil)),
                    blocked_ms: ms(tl.time_in(th, |s| matches!(s, ThreadState::Blocked(_)))),
                    io_ms: ms(tl.time_in(th, |s| matches!(s, ThreadState::Io | ThreadState::Sleep))),
                }
            })
            .collect();
        let gil = if runtime.gil == threadline_model::model::GilMode::FreeThreaded {
            BTreeMap::new()
        } else {
            tl.process_meta
                .iter()
                .zip(&tl.gils)
                .filter(|(_, g)| !g.phases.is_empty())
                .map(|(p, g)| {
                    let mut s = g.slices_ns.clone();
                    s.sort_unstable();
                    let median = s.get(s.len() / 2).copied().unwrap_or(0);
                    (
                        p.name.clone(),
                        GilSummary {
                            handoffs: g.handoffs.len(),
                            forced_switches: g.forced_switches,
                            drop_requests: g.drop_requests.len(),
                            slice_ms_median: ms(median),
                            inferred: false,
                        },
                    )
                })
                .collect()
        };
        let resources = tl
            .resource_meta
            .iter()
            .zip(&tl.resources)
            .map(|(r, l)| {
                use ResourceKind as K;
                let holdable = r.kind.is_acquirable();
                let sem = matches!(r.kind, K::Semaphore | K::BoundedSemaphore);
                let queue = r.kind == K::Queue;
                (
                    r.name.clone(),
                    ResourceSummary {
                        kind: r.kind,
                        capacity: (sem || queue || matches!(r.kind, K::Pool | K::Barrier)).then_some(r.capacity),
                        max_holders: holdable.then_some(l.max_holders),
                        max_len: queue.then_some(l.max_len),
                        blocked_puts: queue.then_some(l.blocked_puts),
                        blocked_gets: queue.then_some(l.blocked_gets),
                        final_value: if sem { l.counter.last().map(|c| c.1) } else { None },
                    },
                )
            })
            .collect();
        let vars = tl
            .var_names
            .iter()
            .zip(&tl.vars)
            .map(|(name, l)| {
                let init = Value::default();
                let final_value = l.last.clone().unwrap_or_else(|| init.clone());
                let race_free = l.race_free.clone().unwrap_or(init);
                let lost = match (race_free.as_i64(), final_value.as_i64()) {
                    (Some(r), Some(f)) => r.checked_sub(f),
                    _ => None,
                };
                (name.clone(), VarSummary { final_value, race_free, lost_updates: lost })
            })
            .collect();
        let deadlock = tl.deadlock.as_ref().map(|(_, edges)| {
            let rname = |w: &WaitTarget| match w {
                WaitTarget::Resource(r) => {
                    tl.resource_meta.get(*r as usize).map_or_else(|| format!("#{r}"), |m| m.name.clone())
                }
                WaitTarget::Thread(t) => tname(*t),
            };
            DeadlockSummary {
                threads: edges.iter().map(|e| tname(e.thread)).collect(),
                resources: edges.iter().map(|e| rname(&e.waits_for)).collect(),
                cycle: edges
                    .iter()
                    .map(|e| {
                        BTreeMap::from([
                            ("thread".to_string(), Some(tname(e.thread))),
                            ("waits_for".to_string(), Some(rname(&e.waits_for))),
                            ("held_by".to_string(), e.held_by.map(tname)),
                        ])
                    })
                    .collect(),
                words: tl.deadlock_words().unwrap_or_default(),
            }
        });
        let mut errors: Vec<(u64, ErrorSummary)> = tl
            .threads
            .iter()
            .enumerate()
            .flat_map(|(i, l)| {
                let thread = tname(i as u32);
                l.errors.iter().map(move |(t, e, caught)| {
                    (
                        *t,
                        ErrorSummary {
                            thread: thread.clone(),
                            ty: e.ty.clone(),
                            message: e.message.clone(),
                            caught: *caught,
                        },
                    )
                })
            })
            .collect();
        errors.sort_by_key(|e| e.0);
        let errors = errors.into_iter().map(|(_, e)| e).collect();
        Summary {
            scenario: scenario.to_string(),
            params: params.clone(),
            runtime: runtime.clone(),
            wall_ms: ms(tl.end_ns),
            processes: tl
                .process_meta
                .iter()
                .enumerate()
                .map(|(i, p)| ProcessSummary {
                    name: p.name.clone(),
                    pid: p.pid,
                    exitcode: tl.exit_codes.get(i).copied().flatten(),
                })
                .collect(),
            threads,
            gil,
            resources,
            vars,
            deadlock,
            errors,
            tasks: tl
                .tasks
                .iter()
                .map(|l| {
                    let mut t = [0u64; 3];
                    for (i, p) in l.phases.iter().enumerate() {
                        let end = l.phases.get(i + 1).map_or(tl.end_ns, |n| n.start_ns);
                        let d = end.saturating_sub(p.start_ns);
                        match p.state {
                            crate::timeline::TaskState::Running => t[0] += d,
                            crate::timeline::TaskState::Ready => t[1] += d,
                            crate::timeline::TaskState::Suspended => t[2] += d,
                            _ => {}
                        }
                    }
                    TaskSummary {
                        name: l.name.clone(),
                        coro: l.coro.clone(),
                        outcome: l.outcome.clone(),
                        running_ms: ms(t[0]),
                        ready_ms: ms(t[1]),
                        suspended_ms: ms(t[2]),
                    }
                })
                .collect(),
            output: tl.output.iter().map(|o| o.2.clone()).collect(),
            events: tl.n_events,
            recorded_from: None,
            event_limit: tl.event_limit.map(|(_, n)| n),
        }
    }

    /// A short human rendering.
    pub fn human(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let params: Vec<String> = self.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let how = match &self.recorded_from {
            Some(py) if self.gil.values().any(|g| g.inferred) => {
                format!("recorded from {py} (GIL handoffs inferred from sys.monitoring)")
            }
            Some(py) => format!("recorded from {py} (no GIL events: CPython does not report them)"),
            None => format!(
                "gil={} switch={}ms scale={}",
                self.runtime.gil.as_str(),
                self.runtime.switch_interval_ms,
                self.runtime.time_scale
            ),
        };
        if let Some(n) = self.event_limit {
            let _ = writeln!(s, "past {n} events only thread starts and ends, prints and exceptions were kept");
        }
        let _ = writeln!(
            s,
            "{} [{}] {how}  wall {:.1} ms, {} events",
            self.scenario,
            params.join(" "),
            self.wall_ms,
            self.events
        );
        if !self.output.is_empty() {
            let _ = writeln!(s, "-- output --");
            for l in &self.output {
                let _ = writeln!(s, "{l}");
            }
        }
        let _ = writeln!(s, "-- threads --");
        for t in &self.threads {
            let err = t.error.as_ref().map(|e| format!("  {e}")).unwrap_or_default();
            let _ = writeln!(
                s,
                "{:<24} {:<9} cpu {:>8.1} ms  gil-wait {:>8.1} ms  blocked {:>8.1} ms  io {:>8.1} ms{err}",
                t.name, t.outcome, t.cpu_ms, t.gil_wait_ms, t.blocked_ms, t.io_ms
            );
        }
        if !self.tasks.is_empty() {
            let _ = writeln!(s, "-- asyncio tasks --");
            for t in &self.tasks {
                let name = format!("{} ({})", t.name, t.coro);
                let _ = writeln!(
                    s,
                    "{:<24} {:<9} running {:>8.1} ms  ready (loop lag) {:>8.1} ms  suspended {:>8.1} ms",
                    name,
                    t.outcome.as_deref().unwrap_or("running"),
                    t.running_ms,
                    t.ready_ms,
                    t.suspended_ms
                );
            }
        }
        for (p, g) in &self.gil {
            if g.inferred {
                let _ = writeln!(
                    s,
                    "GIL of {p} (inferred): {} handoffs, median slice {:.2} ms",
                    g.handoffs, g.slice_ms_median
                );
            } else {
                let _ = writeln!(
                    s,
                    "GIL of {p}: {} handoffs, {} forced switches, {} drop requests, median slice {:.2} ms",
                    g.handoffs, g.forced_switches, g.drop_requests, g.slice_ms_median
                );
            }
        }
        for (name, r) in &self.resources {
            let mut bits = vec![r.kind.as_str().to_string()];
            if let Some(h) = r.max_holders {
                bits.push(format!("max holders {h}"));
            }
            if let Some(l) = r.max_len {
                bits.push(format!("max length {l}"));
            }
            let _ = writeln!(s, "{name}: {}", bits.join(", "));
        }
        for (name, v) in &self.vars {
            let lost = v.lost_updates.filter(|l| *l != 0).map(|l| format!(" ({l} lost updates)")).unwrap_or_default();
            let _ = writeln!(s, "{name} = {} (race-free: {}){lost}", v.final_value.repr(), v.race_free.repr());
        }
        if let Some(d) = &self.deadlock {
            let _ = writeln!(s, "{}", d.words);
        }
        s
    }
}
