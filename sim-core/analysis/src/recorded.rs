//! Runs recorded from the real CPython: [`RECORDER_PY`] (a pure-Python module shipped in the
//! binary) writes one JSON object per event while `python3` runs a scenario; [`to_trace`]
//! turns those lines into a Threadline [`Trace`], so everything that works on traces —
//! replay, summary, export, compare — works on a real run.
//!
//! What CPython cannot tell is not invented. It reports no GIL handoffs: on 3.12 and later
//! with a GIL the recorder infers them from `sys.monitoring` (a change of the thread running
//! the scenario's lines is a handoff) and the trace says so ([`Recorded::gil_inferred`]);
//! on older versions and free-threaded builds there are no GIL events, and a recorded
//! thread's lane shows "running or waiting for the GIL" as one state.
//!
//! # The line format, version [`RECORDER_FORMAT`]
//!
//! One JSON object per line. Every line has `t` (`time.perf_counter_ns()`), `p` (the pid),
//! `th` (the thread's key: `pid:ident`), `line` (the scenario's line that made the call, 0
//! outside it) and `k`, the kind; the other fields depend on `k`:
//!
//! | `k` | fields | becomes |
//! |---|---|---|
//! | `header` | `format` (this version; absent means 1), `python`, `implementation`, `overhead_ns` (a Lock acquire + release), `gil` (what cannot be seen), `gil_inferred` (how handoffs were inferred, or null), `gil_line_ns` (what watching costs a line) | [`Recorded`] |
//! | `gil_switch` | `prev` (the thread key that ran the previous line, or null) | `GilReleased` (forced) for the previous holder, `GilAcquired` |
//! | `process_new` / `process_started` / `process_exit` | `pid`, `name` / `name` / `code` | the process table, `ProcessExit` |
//! | `thread_new` | `key`, `name`, `daemon`, `target` | the thread table |
//! | `start_thread`, `join_wait`, `joined` | `target` (a thread key) | `StartThread`, `JoinWait`, `Joined` |
//! | `thread_started`, `thread_finished` | — | `ThreadStart`, `ThreadEnd` |
//! | `thread_raised` | `ty`, `msg` | `ThreadRaised` |
//! | `res_new` | `rid`, `kind` (`lock`, `rlock`, `semaphore`, `bounded_semaphore`, `event`, `condition`, `pipe`, `queue`), `name`, `capacity` | the resource table |
//! | `requested`, `acquired`, `acquire_failed`, `released` | `rid`, `blocking`, `timeout_ms` / `depth`, `value` / `timed_out` / `depth`, `value` | `Request`, `Acquired`, `AcquireFailed`, `Released` |
//! | `cond_wait`, `cond_woken`, `cond_notify` | `rid`, `timeout_ms` / `notified` / `woken` | `CondWait`, `CondWoken`, `CondNotify` |
//! | `event_set`, `event_clear`, `event_wait`, `event_woken` | `rid` (`timeout_ms`, `flag`) | the Event's flag and waits |
//! | `queue_put`, `queue_get` | `rid`, `item` | `QueuePut`, `QueueGet` |
//! | `pipe_send`, `pipe_recv`, `pipe_wait` | `rid`, `end`, `item` | the pipe's traffic |
//! | `sleep_begin`, `sleep_end` | `ms` / — | `IoBegin { sleep }`, `IoEnd` |
//! | `print` | `text`, `stderr` | `Print` |
//! | `aio_new` | `task` (a key), `name`, `coro`, `by` (the creating task's key) | `AioTaskNew` |
//! | `aio_run`, `aio_wait`, `aio_end` | `task` / `on` (what it awaits) / `outcome` | `AioTaskRun`, `AioTaskWait`, `AioTaskEnd` (when a task became ready is not seen) |
//! | `error` | `ty`, `msg` | `Error` |
//!
//! A header whose `format` is newer than this reader's is refused with both versions named;
//! lines that do not parse (a process killed mid-write) are counted in
//! [`Recorded::unreadable_lines`], and a kind this reader does not know is skipped.

use serde::Deserialize;
use serde_json::{Map, Value as J};
use std::collections::HashMap;
use threadline_model::event::{Event, EventKind, GilReason, ThreadIx};
use threadline_model::model::{Params, ResourceInfo, ResourceKind, ScenarioInfo};
use threadline_model::model::{ProcessMeta, RuntimeSettings, ThreadMeta};
use threadline_model::pyerror::PyError;
use threadline_model::trace::{Machine, Recorded, SourceFile, TRACE_FORMAT, TRACE_VERSION, Trace};
use threadline_model::value::Value;

/// The recorder, run as `python3 recorder.py EVENTS.jsonl SCENARIO.py`.
pub const RECORDER_PY: &str = include_str!("recorder.py");

/// The version of the line format [`RECORDER_PY`] writes and [`to_trace`] reads (the
/// header's `format`).
pub const RECORDER_FORMAT: i64 = 1;

#[derive(Deserialize)]
struct Raw {
    t: u64,
    p: u32,
    th: String,
    #[serde(default)]
    line: u32,
    k: String,
    #[serde(flatten)]
    f: Map<String, J>,
}

impl Raw {
    fn s(&self, k: &str) -> Option<&str> {
        self.f.get(k).and_then(J::as_str)
    }
    fn b(&self, k: &str) -> bool {
        self.f.get(k).and_then(J::as_bool).unwrap_or(false)
    }
    fn n(&self, k: &str) -> Option<f64> {
        self.f.get(k).and_then(J::as_f64)
    }
    fn i(&self, k: &str) -> i64 {
        self.f.get(k).and_then(J::as_i64).unwrap_or(0)
    }
}

fn kind_of(s: &str) -> Option<ResourceKind> {
    Some(match s {
        "lock" => ResourceKind::Lock,
        "rlock" => ResourceKind::Rlock,
        "semaphore" => ResourceKind::Semaphore,
        "bounded_semaphore" => ResourceKind::BoundedSemaphore,
        "event" => ResourceKind::Event,
        "condition" => ResourceKind::Condition,
        "barrier" => ResourceKind::Barrier,
        "pipe" => ResourceKind::Pipe,
        "queue" => ResourceKind::Queue,
        _ => return None,
    })
}

/// Turn the recorder's event lines into a trace of the scenario (`info`, `params`, `source`).
/// Lines that do not parse (the last line of a process killed while writing) are counted,
/// not fatal; a file with no header is an error.
pub fn to_trace(jsonl: &str, info: ScenarioInfo, params: Params, source: SourceFile) -> Result<Trace, String> {
    let mut raws = Vec::new();
    let mut unreadable = 0;
    for line in jsonl.lines().filter(|l| !l.trim().is_empty()) {
        match serde_json::from_str::<Raw>(line) {
            Ok(r) => raws.push(r),
            Err(_) => unreadable += 1,
        }
    }
    let header =
        raws.iter().find(|r| r.k == "header").ok_or("the recorder wrote no header: python3 did not start it")?;
    let format = header.f.get("format").and_then(J::as_i64).unwrap_or(1);
    if format > RECORDER_FORMAT {
        return Err(format!(
            "the events were written by a newer recorder (line format {format}); this Threadline reads format {RECORDER_FORMAT}"
        ));
    }
    let recorded = Recorded {
        python: header.s("python").unwrap_or("?").to_string(),
        overhead_ns_per_lock_cycle: header.n("overhead_ns").unwrap_or(0.0),
        note: header.s("gil").unwrap_or("CPython does not report GIL handoffs").to_string(),
        unreadable_lines: unreadable,
        gil_inferred: header.s("gil_inferred").map(str::to_string),
        gil_line_ns: header.n("gil_line_ns").filter(|_| header.s("gil_inferred").is_some()),
    };
    let inferred = recorded.gil_inferred.is_some();
    let (main_pid, header_t) = (header.p, header.t);
    raws.sort_by_key(|r| r.t);
    let t0 = raws.iter().find(|r| r.k != "header").map_or(header_t, |r| r.t);

    // Tables: processes by pid, threads by key, resources by id, in order of appearance.
    let mut procs: Vec<ProcessMeta> = vec![ProcessMeta { name: "MainProcess".into(), pid: main_pid }];
    let mut proc_ix: HashMap<u32, u32> = HashMap::from([(main_pid, 0)]);
    let mut proc_names: HashMap<u32, String> = HashMap::new();
    for r in &raws {
        if let ("process_new" | "process_started", Some(name)) = (r.k.as_str(), r.s("name")) {
            let pid = if r.k == "process_new" { r.i("pid") as u32 } else { r.p };
            proc_names.insert(pid, name.to_string());
        }
    }
    let mut threads: Vec<ThreadMeta> = Vec::new();
    let mut thread_ix: HashMap<String, ThreadIx> = HashMap::new();
    let mut thread_new: HashMap<String, (String, bool, Option<String>)> = HashMap::new();
    for r in &raws {
        if r.k == "thread_new"
            && let Some(key) = r.s("key")
        {
            let name = r.s("name").unwrap_or("Thread").to_string();
            thread_new.insert(key.to_string(), (name, r.b("daemon"), r.s("target").map(str::to_string)));
        }
    }
    let mut resources: Vec<ResourceInfo> = Vec::new();
    let mut res_ix: HashMap<String, u32> = HashMap::new();
    let mut events = Vec::with_capacity(raws.len());
    let mut ended: HashMap<ThreadIx, bool> = HashMap::new();
    // A process's exit is its last word: what its interpreter's exit handlers do afterwards
    // (joining a queue's feeder thread) is not the program's.
    let mut exited: std::collections::HashSet<u32> = std::collections::HashSet::new();
    let mut last_t = 0;
    // The inferred GIL holder of each process.
    let mut holder: HashMap<u32, ThreadIx> = HashMap::new();
    // asyncio tasks by the recorder's key, numbered in order of creation.
    let mut tasks: HashMap<String, u32> = HashMap::new();
    for r in &raws {
        if r.k == "header" {
            continue;
        }
        let t = r.t.saturating_sub(t0);
        last_t = last_t.max(t);
        let p = *proc_ix.entry(r.p).or_insert_with(|| {
            let name = proc_names.get(&r.p).cloned().unwrap_or_else(|| format!("Process-{}", r.p));
            procs.push(ProcessMeta { name, pid: r.p });
            procs.len() as u32 - 1
        });
        let mut thread_of = |key: &str, threads: &mut Vec<ThreadMeta>| -> ThreadIx {
            *thread_ix.entry(key.to_string()).or_insert_with(|| {
                let (name, daemon, target) = match thread_new.get(key) {
                    Some((n, d, tg)) => (n.clone(), *d, tg.clone()),
                    None if p == 0 => ("MainThread".to_string(), false, None),
                    None => (procs[p as usize].name.clone(), false, None),
                };
                // The process of a thread is its key's pid.
                let pid: u32 = key.split(':').next().and_then(|x| x.parse().ok()).unwrap_or(r.p);
                let process = proc_ix.get(&pid).copied().unwrap_or(p);
                threads.push(ThreadMeta { name, process, daemon, target });
                threads.len() as ThreadIx - 1
            })
        };
        let th = thread_of(&r.th, &mut threads);
        if exited.contains(&p) || ended.contains_key(&th) && r.k != "process_exit" {
            continue;
        }
        let res = |rid: Option<&str>| rid.and_then(|k| res_ix.get(k).copied());
        use EventKind as K;
        let kind = match r.k.as_str() {
            "res_new" => {
                if let (Some(rid), Some(kind)) = (r.s("rid"), r.s("kind").and_then(kind_of)) {
                    res_ix.insert(rid.to_string(), resources.len() as u32);
                    resources.push(ResourceInfo {
                        name: r.s("name").unwrap_or("?").to_string(),
                        kind,
                        capacity: r.i("capacity"),
                        style: None,
                        duplex: (kind == ResourceKind::Pipe).then(|| r.b("duplex")),
                    });
                }
                None
            }
            "thread_started" => Some(K::ThreadStarted),
            "thread_finished" => {
                ended.insert(th, true);
                Some(K::ThreadFinished)
            }
            "thread_raised" => {
                ended.insert(th, true);
                let error = PyError::new(r.s("ty").unwrap_or("Exception"), r.s("msg").unwrap_or(""));
                Some(K::ThreadRaised { error: Box::from(error) })
            }
            "start_thread" | "join_wait" | "joined" => r.s("target").map(|k| {
                let target = thread_of(k, &mut threads);
                match r.k.as_str() {
                    "start_thread" => K::StartThread { target },
                    "join_wait" => K::JoinWait { target },
                    _ => K::Joined { target },
                }
            }),
            "requested" => res(r.s("rid")).map(|res| K::Requested {
                res,
                blocking: r.b("blocking"),
                timeout_ms: r.n("timeout_ms"),
            }),
            "acquired" => {
                res(r.s("rid")).map(|res| K::Acquired { res, depth: r.i("depth") as u32, value: r.i("value") })
            }
            "released" => {
                res(r.s("rid")).map(|res| K::Released { res, depth: r.i("depth") as u32, value: r.i("value") })
            }
            "acquire_failed" => res(r.s("rid")).map(|res| K::AcquireFailed { res, timed_out: r.b("timed_out") }),
            "error" => Some(K::Error {
                error: Box::from(PyError::new(r.s("ty").unwrap_or("Exception"), r.s("msg").unwrap_or(""))),
            }),
            "cond_wait" => res(r.s("rid")).map(|res| K::CondWait { res, timeout_ms: r.n("timeout_ms") }),
            "cond_woken" => res(r.s("rid")).map(|res| K::CondWoken { res, notified: r.b("notified") }),
            "cond_notify" => res(r.s("rid")).map(|res| K::CondNotify { res, woken: r.i("woken") as u32 }),
            "event_set" => res(r.s("rid")).map(|res| K::EventSet { res }),
            "event_clear" => res(r.s("rid")).map(|res| K::EventClear { res }),
            "event_wait" => res(r.s("rid")).map(|res| K::EventWait { res, timeout_ms: r.n("timeout_ms") }),
            "event_woken" => res(r.s("rid")).map(|res| K::EventWoken { res, flag: r.b("flag") }),
            "queue_put" | "queue_get" => res(r.s("rid")).map(|res| {
                let item = Value::Str(r.s("item").unwrap_or("").to_string());
                let len = r.i("len") as u32;
                if r.k == "queue_put" {
                    K::QueuePut { res, item: Box::from(item), len }
                } else {
                    K::QueueGet { res, item: Box::from(item), len }
                }
            }),
            "pipe_send" | "pipe_recv" | "pipe_wait" => res(r.s("rid")).map(|res| {
                let end = r.i("end") as u8;
                let item = Value::Str(r.s("item").unwrap_or("").to_string());
                match r.k.as_str() {
                    "pipe_send" => K::PipeSend { res, end, item: Box::from(item) },
                    "pipe_recv" => K::PipeRecv { res, end, item: Box::from(item) },
                    _ => K::PipeWait { res, end },
                }
            }),
            "aio_new" => r.s("task").map(|key| {
                let task = tasks.len() as u32;
                tasks.insert(key.to_string(), task);
                let by = r.s("by").and_then(|b| tasks.get(b).copied());
                K::AioTaskNew {
                    task,
                    names: Box::new(threadline_model::event::AioTaskNames {
                        name: r.s("name").unwrap_or("Task").to_string(),
                        coro: r.s("coro").unwrap_or("").to_string(),
                    }),
                    by,
                }
            }),
            "aio_run" | "aio_wait" | "aio_end" => {
                r.s("task").and_then(|k| tasks.get(k).copied()).map(|task| match r.k.as_str() {
                    "aio_run" => K::AioTaskRun { task },
                    "aio_wait" => K::AioTaskWait {
                        task,
                        wait: Box::new(threadline_model::event::AioWait {
                            on: r.s("on").unwrap_or("?").to_string(),
                            until_ns: None,
                        }),
                    },
                    _ => K::AioTaskEnd { task, outcome: r.s("outcome").unwrap_or("finished").to_string() },
                })
            }
            "sleep_begin" => Some(K::IoBegin { ms: r.n("ms").unwrap_or(0.0), sleep: true }),
            "sleep_end" => Some(K::IoEnd),
            "print" => Some(K::Print { line: r.s("text").unwrap_or("").to_string(), stderr: r.b("stderr") }),
            "process_exit" => {
                // The daemon threads of that process end with it.
                for (i, m) in threads.iter().enumerate() {
                    let i = i as ThreadIx;
                    if m.process == p && m.daemon && !ended.contains_key(&i) {
                        ended.insert(i, true);
                        events.push(Event { seq: 0, t_ns: t, thread: i, process: p, line: 0, kind: K::ThreadKilled });
                    }
                }
                exited.insert(p);
                Some(K::ProcessExit { code: r.i("code") })
            }
            _ => None,
        };
        let process = threads[th as usize].process;
        let ev = |kind| Event { seq: 0, t_ns: t, thread: th, process, line: r.line, kind };
        if inferred && r.k == "gil_switch" {
            // A change of the thread running the scenario's lines: the GIL changed hands.
            if let Some(prev) = holder.insert(process, th)
                && prev != th
            {
                let line = 0;
                events.push(Event { line, thread: prev, ..ev(K::GilReleased { reason: GilReason::Forced }) });
            }
            events.push(ev(K::GilAcquired));
            continue;
        }
        let gives_up = matches!(
            r.k.as_str(),
            "sleep_begin"
                | "join_wait"
                | "event_wait"
                | "cond_wait"
                | "pipe_wait"
                | "thread_finished"
                | "thread_raised"
        );
        if let Some(kind) = kind {
            events.push(ev(kind));
        }
        if inferred && gives_up && holder.get(&process) == Some(&th) {
            holder.remove(&process);
            let reason = match r.k.as_str() {
                "sleep_begin" => GilReason::Io,
                "thread_finished" | "thread_raised" => GilReason::Exit,
                _ => GilReason::Blocking,
            };
            events.push(ev(K::GilReleased { reason }));
        }
    }
    // Threads still going when the recording ended (a run stopped by its time limit).
    for i in 0..threads.len() as ThreadIx {
        let started = events.iter().any(|e| e.thread == i && e.kind == EventKind::ThreadStarted);
        if started && !ended.contains_key(&i) {
            let process = threads[i as usize].process;
            events.push(Event { seq: 0, t_ns: last_t, thread: i, process, line: 0, kind: EventKind::ThreadStopped });
        }
    }
    for (i, e) in events.iter_mut().enumerate() {
        e.seq = i as u64;
    }
    let trace = Trace {
        format: TRACE_FORMAT.into(),
        version: TRACE_VERSION,
        scenario: info,
        params,
        runtime: RuntimeSettings::default(),
        machine: Machine::here(),
        threads,
        processes: procs,
        resources,
        vars: Vec::new(),
        events,
        source: Some(source),
        recorded: Some(recorded),
        schedule: None,
        incomplete: None,
    };
    trace.check().map_err(|e| format!("the recording is inconsistent: {e}"))?;
    Ok(trace)
}
