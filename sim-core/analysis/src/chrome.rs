//! Export to the Chrome Trace Event Format (JSON object form), which Perfetto and
//! chrome://tracing open: `M` metadata names processes and threads, `X` complete slices show
//! thread states and lock holding (nested per thread), `C` counters show semaphores, queue
//! lengths and variables, `s`/`f` flow events draw handoffs. `ts` and `dur` are µs since
//! the trace started; events are sorted by time.

use crate::timeline::{ThreadState, Timeline};
use serde_json::{Value as J, json};
use threadline_model::model::ResourceKind;
use threadline_model::trace::Trace;

fn us(ns: u64) -> f64 {
    ns as f64 / 1000.0
}

/// The Trace Event Format document for `trace`.
pub fn export(trace: &Trace) -> J {
    let tl = Timeline::of_trace(trace);
    let mut ev: Vec<J> = Vec::new();
    let pid = |p: u32| i64::from(trace.processes.get(p as usize).map_or(0, |m| m.pid));
    for p in &trace.processes {
        ev.push(json!({"ph": "M", "name": "process_name", "pid": p.pid, "tid": 0, "ts": 0, "args": {"name": p.name}}));
    }
    for (i, t) in trace.threads.iter().enumerate() {
        ev.push(json!({"ph": "M", "name": "thread_name", "pid": pid(t.process), "tid": i, "ts": 0, "args": {"name": t.name}}));
    }
    // Thread state slices: consecutive, never overlapping, so they nest trivially.
    for (i, lane) in tl.threads.iter().enumerate() {
        let p = pid(trace.threads[i].process);
        for (k, ph) in lane.phases.iter().enumerate() {
            if ph.state.is_end() || ph.state == ThreadState::NotStarted {
                continue;
            }
            let end = lane.phases.get(k + 1).map_or(tl.end_ns, |n| n.start_ns);
            ev.push(json!({"ph": "X", "name": crate::words::phrase(&tl, i as u32, ph.state, None), "cat": "state", "pid": p, "tid": i,
                "ts": us(ph.start_ns), "dur": us(end.saturating_sub(ph.start_ns))}));
        }
    }
    // asyncio tasks: a track each, under their loop thread's process, after the threads.
    let n_threads = trace.threads.len();
    for (k, lane) in tl.tasks.iter().enumerate() {
        let tid = n_threads + k;
        let p = pid(trace.threads.get(lane.thread as usize).map_or(0, |t| t.process));
        let name = lane.title();
        ev.push(json!({"ph": "M", "name": "thread_name", "pid": p, "tid": tid, "ts": 0, "args": {"name": name}}));
        for (i, ph) in lane.phases.iter().enumerate() {
            if ph.state.is_end() {
                continue;
            }
            let end = lane.phases.get(i + 1).map_or(tl.end_ns, |n| n.start_ns);
            let said = crate::words::task_doing(&tl, k, ph.start_ns)
                .unwrap_or_else(|| crate::words::task_label(ph.state).to_string());
            ev.push(json!({"ph": "X", "name": said, "cat": "asyncio", "pid": p, "tid": tid,
                "ts": us(ph.start_ns), "dur": us(end.saturating_sub(ph.start_ns))}));
        }
    }
    // Counters.
    for (r, lane) in tl.resources.iter().enumerate() {
        let meta = &trace.resources[r];
        let name = match meta.kind {
            ResourceKind::Semaphore | ResourceKind::BoundedSemaphore => format!("{} value", meta.name),
            ResourceKind::Queue => format!("{} length", meta.name),
            ResourceKind::Barrier => format!("{} waiting", meta.name),
            _ => format!("{} depth", meta.name),
        };
        for (t, v) in &lane.counter {
            ev.push(json!({"ph": "C", "name": name, "pid": pid(0), "tid": 0, "ts": us(*t), "args": {"value": v}}));
        }
    }
    for (v, lane) in tl.vars.iter().enumerate() {
        for (t, val, race_free) in &lane.series {
            ev.push(json!({"ph": "C", "name": trace.vars[v], "pid": pid(0), "tid": 0, "ts": us(*t), "args": {"value": val, "race_free": race_free}}));
        }
    }
    // Flows: lock handoffs and queue/pipe deliveries, then GIL handoffs.
    let mut flow_id = 0u64;
    let mut flow = |ev: &mut Vec<J>, name: &str, from: (u32, u64), to: (u32, u64)| {
        flow_id += 1;
        let (fp, tp) = (pid(trace.threads[from.0 as usize].process), pid(trace.threads[to.0 as usize].process));
        ev.push(json!({"ph": "s", "name": name, "cat": "handoff", "id": flow_id, "pid": fp, "tid": from.0, "ts": us(from.1)}));
        ev.push(json!({"ph": "f", "bp": "e", "name": name, "cat": "handoff", "id": flow_id, "pid": tp, "tid": to.0, "ts": us(to.1)}));
    };
    for a in &tl.arrows {
        let name = trace.resources.get(a.res as usize).map_or("handoff".to_string(), |r| r.name.clone());
        flow(&mut ev, &name, (a.from, a.from_ns), (a.to, a.to_ns));
    }
    for g in &tl.gils {
        for h in &g.handoffs {
            flow(&mut ev, "GIL", (h.from, h.released_ns), (h.to, h.acquired_ns));
        }
    }
    for (t, th, line) in &tl.output {
        ev.push(json!({"ph": "i", "s": "t", "name": line, "cat": "print", "pid": pid(trace.threads[*th as usize].process), "tid": th, "ts": us(*t)}));
    }
    ev.sort_by(|a, b| {
        let ta = a["ts"].as_f64().unwrap_or(0.0);
        let tb = b["ts"].as_f64().unwrap_or(0.0);
        ta.total_cmp(&tb)
    });
    json!({"traceEvents": ev, "displayTimeUnit": "ms", "otherData": {"scenario": trace.scenario.id, "generator": "threadline"}})
}
