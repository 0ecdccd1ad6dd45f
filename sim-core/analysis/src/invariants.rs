//! Invariants every run must satisfy, checked on its recorded events. Tests and the soak
//! run call [`check`]; a violation names the event.

use std::collections::{BTreeMap, VecDeque};
use threadline_model::event::EventKind;
use threadline_model::model::ResourceKind;
use threadline_model::trace::Trace;

/// Check a finished run's trace: total order, causal lock and semaphore use, queue bounds
/// and FIFO order, requests before acquisitions, and every started thread ending.
pub fn check(trace: &Trace) -> Result<(), String> {
    trace.check().map_err(|e| e.to_string())?;
    let n_res = trace.resources.len();
    let mut holders: Vec<BTreeMap<u32, u32>> = vec![BTreeMap::new(); n_res];
    let mut requested: BTreeMap<(u32, u32), u32> = BTreeMap::new();
    let mut queues: Vec<VecDeque<threadline_model::value::Value>> = vec![VecDeque::new(); n_res];
    let mut started = vec![false; trace.threads.len()];
    let mut ended = vec![false; trace.threads.len()];
    for (i, e) in trace.events.iter().enumerate() {
        let at = |m: String| format!("events[{i}] (seq {}): {m}", e.seq);
        match &e.kind {
            EventKind::ThreadStarted => started[e.thread as usize] = true,
            EventKind::ThreadFinished
            | EventKind::ThreadKilled
            | EventKind::ThreadStopped
            | EventKind::ThreadRaised { .. } => {
                if ended[e.thread as usize] {
                    return Err(at("a thread ended twice".into()));
                }
                ended[e.thread as usize] = true;
            }
            EventKind::Requested { res, .. } => *requested.entry((e.thread, *res)).or_default() += 1,
            EventKind::Acquired { res, depth, value } => {
                let r = *res as usize;
                if *value < 0 {
                    return Err(at(format!("{} counter went to {value}", trace.resources[r].name)));
                }
                match requested.get_mut(&(e.thread, *res)) {
                    Some(n) if *n > 0 => *n -= 1,
                    _ => return Err(at("acquired without a request".into())),
                }
                if trace.resources[r].kind == ResourceKind::Barrier {
                    // Nobody holds a barrier; fewer than all its parties wait in it.
                    if *value >= trace.resources[r].capacity.max(1) {
                        return Err(at(format!("{} has {value} parties waiting", trace.resources[r].name)));
                    }
                    continue;
                }
                if *depth <= 1 {
                    *holders[r].entry(e.thread).or_default() += 1;
                }
                let total: u32 = holders[r].values().sum();
                let meta = &trace.resources[r];
                let limit = match meta.kind {
                    ResourceKind::Semaphore | ResourceKind::BoundedSemaphore => u32::MAX,
                    _ => 1,
                };
                if total > limit {
                    return Err(at(format!("{} has {total} holders", meta.name)));
                }
                if matches!(meta.kind, ResourceKind::BoundedSemaphore) && total as i64 > meta.capacity {
                    return Err(at(format!("{} has {total} holders but a value of {}", meta.name, meta.capacity)));
                }
            }
            EventKind::AcquireFailed { res, .. } => match requested.get_mut(&(e.thread, *res)) {
                Some(n) if *n > 0 => *n -= 1,
                _ => return Err(at("a failed acquire without a request".into())),
            },
            EventKind::Released { res, depth, .. }
                if *depth == 0
                    && trace.resources.get(*res as usize).is_some_and(|m| m.kind != ResourceKind::Barrier) =>
            {
                let h = &mut holders[*res as usize];
                let key = if h.contains_key(&e.thread) { Some(e.thread) } else { h.keys().next().copied() };
                if let Some(k) = key {
                    let n = h.entry(k).or_default();
                    *n -= 1;
                    if *n == 0 {
                        h.remove(&k);
                    }
                }
            }
            EventKind::QueuePut { res, item, len } => {
                let r = *res as usize;
                let q = &mut queues[r];
                q.push_back((**item).clone());
                let meta = &trace.resources[r];
                if q.len() != *len as usize {
                    return Err(at(format!("{} reports length {len} but holds {}", meta.name, q.len())));
                }
                if meta.kind == ResourceKind::Queue && meta.capacity > 0 && q.len() as i64 > meta.capacity {
                    return Err(at(format!(
                        "{} holds {} items, more than maxsize {}",
                        meta.name,
                        q.len(),
                        meta.capacity
                    )));
                }
            }
            EventKind::QueueGet { res, item, len } => {
                let q = &mut queues[*res as usize];
                match q.pop_front() {
                    Some(front) if front == **item => {}
                    other => return Err(at(format!("queue gave {item:?} but FIFO order says {other:?}"))),
                }
                if q.len() != *len as usize {
                    return Err(at("queue length mismatch after get".into()));
                }
            }
            _ => {}
        }
    }
    for (t, (s, e)) in started.iter().zip(&ended).enumerate() {
        if *s && !*e {
            return Err(format!("thread {} started but never ended", trace.threads[t].name));
        }
    }
    Ok(())
}
