//! The Timeline model: lanes of phases built incrementally from events. The app draws only
//! this (live runs append as events arrive, replays have them all), and the summary reads it.
//! A phase lasts from its `start_ns` until the next phase of its lane begins.

mod apply;
mod lanes;

pub use lanes::*;

use std::collections::VecDeque;
use threadline_model::event::{Event, EventKind, GilReason, ResIx, ThreadIx, WaitEdge, WaitTarget};
use threadline_model::model::ResourceInfo;
use threadline_model::model::ResourceKind;
use threadline_model::model::{ProcessMeta, ThreadMeta};
use threadline_model::value::Value;

/// Why a thread is blocked: the kind of wait it began (decides what can end it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Why {
    Acquire,
    CondWait,
    EventWait,
    QueuePut,
    QueueGet,
    QueueJoin,
    PipeRecv,
    Result,
    Other,
}

/// The latest act of each kind on one resource, for wake-up edges.
#[derive(Clone, Copy, Debug, Default)]
struct ResSignals {
    release: Option<Signal>,
    put: Option<Signal>,
    get: Option<Signal>,
    notify: Option<Signal>,
    set: Option<Signal>,
    done: Option<Signal>,
    send: Option<Signal>,
    finished: Option<Signal>,
}

/// Steps of a utilisation strip between two noted integrals ([`Timeline::util_mean`]).
pub(crate) const UTIL_BLOCK: usize = 64;

/// `from` plus ∫ running and ∫ wanting (thread·ns) over `steps`, from the first step's time to
/// the last's.
pub(crate) fn integrate(from: (u64, u64), steps: &[(u64, u32, u32)]) -> (u64, u64) {
    steps.windows(2).fold(from, |(run, want), w| {
        let dt = w[1].0.saturating_sub(w[0].0);
        (
            run.saturating_add(u64::from(w[0].1).saturating_mul(dt)),
            want.saturating_add(u64::from(w[0].2).saturating_mul(dt)),
        )
    })
}

/// Every lane of a run.
#[derive(Clone, Debug, Default)]
pub struct Timeline {
    /// Thread table.
    pub thread_meta: Vec<ThreadMeta>,
    /// Process table.
    pub process_meta: Vec<ProcessMeta>,
    /// Resource table.
    pub resource_meta: Vec<ResourceInfo>,
    /// Variable names.
    pub var_names: Vec<String>,
    /// One lane per thread.
    pub threads: Vec<ThreadLane>,
    /// One GIL lane per process.
    pub gils: Vec<GilLane>,
    /// One lane per resource.
    pub resources: Vec<ResourceLane>,
    /// One lane per variable (per main-process copy).
    pub vars: Vec<VarLane>,
    /// One lane per asyncio task.
    pub tasks: Vec<TaskLane>,
    /// Between tasks: who created whom, who made whom ready.
    pub task_arrows: Vec<TaskArrow>,
    /// Lock handoffs and queue/pipe deliveries.
    pub arrows: Vec<Arrow>,
    /// Wake-up edges: one per wait (blocked or waiting for the GIL) that another thread's
    /// act ended, or that timed out or was interrupted, in order of their end. A wait for
    /// something that was free at once has none.
    pub wakes: Vec<Wake>,
    /// Per thread: who started it and when (`t.start()`), if recorded.
    pub started_by: Vec<Option<Signal>>,
    /// Per process, the utilisation over time: (t_ns, threads running, threads wanting to
    /// run — running or waiting for the GIL), each step lasting until the next.
    pub util: Vec<Vec<(u64, u32, u32)>>,
    /// Per process, the integrals of `util` at every [`UTIL_BLOCK`]th step (from its first),
    /// so a pixel's average over any span costs a search, not a walk over the steps.
    util_prefix: Vec<Vec<(u64, u64)>>,
    /// Printed lines: (t_ns, thread, line).
    pub output: Vec<(u64, ThreadIx, String)>,
    /// The deadlock, if one was found: (t_ns, edges).
    pub deadlock: Option<(u64, Vec<WaitEdge>)>,
    /// Each process's exit status, once it exited.
    pub exit_codes: Vec<Option<i64>>,
    /// The run was stopped at its event limit: (t_ns, events kept).
    pub event_limit: Option<(u64, u64)>,
    /// Time of the last event.
    pub end_ns: u64,
    /// For a run recorded in CPython 3.12+: how its GIL lanes were inferred (they are not
    /// CPython's own events).
    pub gil_inferred: Option<String>,
    /// Events seen.
    pub n_events: usize,
    last_release: Vec<Option<(u64, ThreadIx)>>,
    pending_puts: Vec<VecDeque<(u64, ThreadIx)>>,
    signals: Vec<ResSignals>,
    gil_released: Vec<Option<Signal>>,
    why: Vec<Why>,
    starting: Vec<Option<ThreadIx>>,
}

impl Timeline {
    /// An empty timeline for these tables.
    pub fn new(threads: &[ThreadMeta], processes: &[ProcessMeta], resources: &[ResourceInfo], vars: &[String]) -> Self {
        let mut tl = Self::default();
        threads.iter().for_each(|m| tl.add_thread(m.clone()));
        processes.iter().for_each(|m| tl.add_process(m.clone()));
        resources.iter().for_each(|r| tl.add_resource(r.clone(), 0));
        vars.iter().for_each(|v| tl.add_var(v.clone()));
        tl
    }

    /// A new thread lane (the table grows while a program runs).
    pub fn add_thread(&mut self, meta: ThreadMeta) {
        self.thread_meta.push(meta);
        self.threads.push(ThreadLane::default());
        self.started_by.push(None);
        self.starting.push(None);
        self.why.push(Why::Other);
    }

    /// A new process and its GIL lane.
    pub fn add_process(&mut self, meta: ProcessMeta) {
        self.process_meta.push(meta);
        self.gils.push(GilLane::default());
        self.gil_released.push(None);
        self.util.push(Vec::new());
        self.util_prefix.push(Vec::new());
        self.exit_codes.push(None);
    }

    /// A new resource lane, created at `t_ns`.
    pub fn add_resource(&mut self, info: ResourceInfo, t_ns: u64) {
        let mut lane = ResourceLane::default();
        if matches!(info.kind, ResourceKind::Semaphore | ResourceKind::BoundedSemaphore) {
            lane.counter.push((t_ns, info.capacity));
        }
        if info.kind == ResourceKind::Queue {
            lane.counter.push((t_ns, 0));
        }
        self.resource_meta.push(info);
        self.resources.push(lane);
        self.last_release.push(None);
        self.pending_puts.push(VecDeque::new());
        self.pending_puts.push(VecDeque::new());
        self.signals.push(ResSignals::default());
    }

    /// A new variable lane.
    pub fn add_var(&mut self, name: String) {
        self.var_names.push(name);
        self.vars.push(VarLane::default());
    }

    /// The line asyncio task `task` is at, at `t_ns`: while it runs, where its loop's thread
    /// is; otherwise where its last step ended (where it suspended).
    pub fn task_line_at(&self, task: usize, t_ns: u64) -> Option<u32> {
        let lane = self.tasks.get(task)?;
        match lane.state_at(t_ns) {
            Some(TaskState::Running) => self.threads.get(lane.thread as usize)?.line_at(t_ns),
            _ => lane.line_at(t_ns),
        }
    }

    /// Thread `t`'s name (`#t` for an index the table does not have).
    pub fn thread_name(&self, t: ThreadIx) -> String {
        self.thread_meta.get(t as usize).map_or_else(|| format!("#{t}"), |m| m.name.clone())
    }

    /// Resource `r`'s name (`#r` for an index the table does not have).
    pub fn resource_name(&self, r: ResIx) -> String {
        self.resource_meta.get(r as usize).map_or_else(|| format!("#{r}"), |m| m.name.clone())
    }

    /// An empty timeline for a trace's tables (events are then pushed one by one).
    pub fn for_trace(trace: &threadline_model::trace::Trace) -> Self {
        let mut tl = Self::new(&trace.threads, &trace.processes, &trace.resources, &trace.vars);
        tl.gil_inferred = trace.recorded.as_ref().and_then(|r| r.gil_inferred.clone());
        tl
    }

    /// The timeline of a whole trace.
    pub fn of_trace(trace: &threadline_model::trace::Trace) -> Self {
        let mut tl = Self::for_trace(trace);
        for e in &trace.events {
            tl.push(e);
        }
        tl
    }

    /// Process `p`'s mean threads running and wanting to run over `[t0, t1)` (ns; the last
    /// step lasts until `end`): what the utilisation strip draws per pixel.
    pub fn util_mean(&self, p: usize, t0: f64, t1: f64, end: f64) -> (f64, f64) {
        let d = t1 - t0;
        if d <= 0.0 {
            return (0.0, 0.0);
        }
        let (a, b) = (self.util_integral(p, t0, end), self.util_integral(p, t1, end));
        // Whole parts subtract exactly, so a nanosecond's pixel far into a long run is exact.
        let run = (b.0 as f64 - a.0 as f64) + (b.2 - a.2);
        let want = (b.1 as f64 - a.1 as f64) + (b.3 - a.3);
        (run / d, want / d)
    }

    /// ∫ running, ∫ wanting (thread·ns) from the first step to `t`: whole parts up to the
    /// step at or before `t`, then that step's part up to `t`.
    fn util_integral(&self, p: usize, t: f64, end: f64) -> (u64, u64, f64, f64) {
        let (Some(u), Some(pre)) = (self.util.get(p), self.util_prefix.get(p)) else { return (0, 0, 0.0, 0.0) };
        let j = u.partition_point(|s| (s.0 as f64) <= t);
        let Some(j) = j.checked_sub(1) else { return (0, 0, 0.0, 0.0) };
        let b = (j / UTIL_BLOCK).min(pre.len().saturating_sub(1));
        let (run, want) = integrate(pre.get(b).copied().unwrap_or_default(), &u[b * UTIL_BLOCK..=j]);
        let part = (t.min(end) - u[j].0 as f64).max(0.0);
        (run, want, f64::from(u[j].1) * part, f64::from(u[j].2) * part)
    }

    /// The timeline of a whole packed trace.
    pub fn of_packed(trace: &threadline_model::packed::PackedTrace) -> Self {
        let mut tl = Self::for_trace(&trace.meta);
        trace.events.for_each(|_, e| tl.push(e));
        tl
    }

    /// Build from a whole list of events.
    pub fn from_events(
        threads: &[ThreadMeta],
        processes: &[ProcessMeta],
        resources: &[ResourceInfo],
        vars: &[String],
        events: &[Event],
    ) -> Self {
        let mut t = Self::new(threads, processes, resources, vars);
        for e in events {
            t.push(e);
        }
        t
    }

    /// The steps of asyncio task `task` that ran at least `min_ns` without an await (asyncio's
    /// debug-mode `slow_callback_duration` is 100 ms): (start, end, the loop thread's line
    /// at the end of the step — where it spent the time).
    pub fn slow_steps(&self, task: usize, min_ns: u64) -> Vec<(u64, u64, Option<u32>)> {
        let Some(l) = self.tasks.get(task) else { return Vec::new() };
        l.phases
            .windows(2)
            .filter(|w| w[0].state == TaskState::Running && w[1].start_ns - w[0].start_ns >= min_ns)
            .map(|w| {
                let (a, b) = (w[0].start_ns, w[1].start_ns);
                let line = self.threads.get(l.thread as usize).and_then(|th| th.line_at(b.saturating_sub(1)));
                (a, b, line)
            })
            .collect()
    }

    /// The wake-up edge that ended the wait of `thread` going on at `t_ns` (the wait's
    /// span contains `t_ns`), if that wait ended.
    pub fn wake_at(&self, thread: ThreadIx, t_ns: u64) -> Option<&Wake> {
        // Wakes are in order of their end; the first ending at or after t_ns for this thread.
        let i = self.wakes.partition_point(|w| w.t_ns < t_ns);
        self.wakes[i..].iter().find(|w| w.thread == thread).filter(|w| w.from_ns <= t_ns)
    }

    /// The first (at most [`QUEUE_ITEMS_SHOWN`]) items in queue `res` at `t_ns`, oldest
    /// first. Where items leave in the order they came (`Queue`, `multiprocessing` queues),
    /// the items present are the last `len` puts: two binary searches, whatever the length
    /// of the history. Where a get took another item (`LifoQueue`, `PriorityQueue`), the
    /// traffic up to `t_ns` is replayed (at most [`QUEUE_REPLAY_MAX`] entries).
    pub fn queue_contents_at(&self, res: ResIx, t_ns: u64) -> Vec<Value> {
        let Some(l) = self.resources.get(res as usize) else { return Vec::new() };
        let i = l.traffic.partition_point(|(t, _, _)| *t <= t_ns);
        if l.not_fifo {
            // A LIFO or priority queue: replay (bounded — past that, the FIFO estimate).
            if i <= QUEUE_REPLAY_MAX {
                let mut items: Vec<&Value> = Vec::new();
                for (_, v, put) in &l.traffic[..i] {
                    if *put {
                        items.push(v);
                    } else if let Some(k) = items.iter().rposition(|x| *x == v) {
                        items.remove(k);
                    }
                }
                return items.into_iter().take(QUEUE_ITEMS_SHOWN).cloned().collect();
            }
        }
        let puts = l.puts.partition_point(|p| (*p as usize) < i);
        let gets = i - puts;
        let len = puts.saturating_sub(gets);
        l.puts[puts - len..puts].iter().take(QUEUE_ITEMS_SHOWN).map(|p| l.traffic[*p as usize].1.clone()).collect()
    }

    /// The holders of `res` at `t_ns`.
    pub fn holders_at(&self, res: ResIx, t_ns: u64) -> Vec<ThreadIx> {
        self.resources
            .get(res as usize)
            .and_then(|l| phase_at(&l.holders, t_ns).map(|i| l.holders[i].state.threads().to_vec()))
            .unwrap_or_default()
    }

    /// The threads blocked on resource `res` at `t_ns`, in thread order.
    pub fn waiters_at(&self, res: ResIx, t_ns: u64) -> Vec<ThreadIx> {
        let target = ThreadState::Blocked(WaitTarget::Resource(res));
        (0..self.threads.len()).filter(|&t| self.threads[t].state_at(t_ns) == target).map(|t| t as ThreadIx).collect()
    }

    /// The GIL holder of `process` at `t_ns`.
    pub fn gil_holder_at(&self, process: usize, t_ns: u64) -> Option<ThreadIx> {
        let g = self.gils.get(process)?;
        phase_at(&g.phases, t_ns).and_then(|i| g.phases[i].state)
    }

    /// The counter of `res` at `t_ns`.
    pub fn counter_at(&self, res: ResIx, t_ns: u64) -> Option<i64> {
        let c = &self.resources.get(res as usize)?.counter;
        let i = c.partition_point(|(t, _)| *t <= t_ns);
        i.checked_sub(1).map(|i| c[i].1)
    }

    /// Total ns thread `th` spent in states matching `pred`, up to the end.
    pub fn time_in(&self, th: ThreadIx, pred: impl Fn(ThreadState) -> bool) -> u64 {
        let Some(lane) = self.threads.get(th as usize) else { return 0 };
        let mut total = 0;
        for (i, p) in lane.phases.iter().enumerate() {
            let end = lane.phases.get(i + 1).map_or(self.end_ns, |n| n.start_ns);
            if pred(p.state) {
                total = end.saturating_sub(p.start_ns).saturating_add(total);
            }
        }
        total
    }

    /// Suspended asyncio tasks that await each other in a ring (each awaits the next task,
    /// the last the first), at the end of the run: their indices, in order.
    pub fn await_cycle(&self) -> Option<Vec<usize>> {
        let t = self.end_ns;
        let next = |k: usize| -> Option<usize> {
            let on = self.tasks[k].awaiting_at(t)?;
            self.tasks.iter().position(|o| o.name == on && o.state_at(t) == Some(TaskState::Suspended))
        };
        for start in 0..self.tasks.len() {
            let mut path = vec![start];
            let mut k = start;
            while let Some(n) = next(k) {
                if let Some(i) = path.iter().position(|x| *x == n) {
                    return Some(path[i..].to_vec());
                }
                if path.len() > self.tasks.len() {
                    break;
                }
                path.push(n);
                k = n;
            }
        }
        None
    }

    /// Describe a deadlock in words: "Thread-1 holds lock1 and waits for lock2, held by Thread-2, …".
    pub fn deadlock_words(&self) -> Option<String> {
        let (_, edges) = self.deadlock.as_ref()?;
        let tname = |t: ThreadIx| self.thread_name(t);
        let parts: Vec<String> = edges
            .iter()
            .map(|e| {
                let waits = crate::words::wait(self, &e.waits_for);
                match e.held_by {
                    Some(h) => format!("{} {waits}, held by {}", tname(e.thread), tname(h)),
                    None => format!("{} {waits} forever", tname(e.thread)),
                }
            })
            .collect();
        let mut out = format!("Deadlock: {}.", parts.join("; "));
        // An event loop that can never be woken: say what each of its tasks awaits.
        let waiting: Vec<String> = self
            .tasks
            .iter()
            .enumerate()
            .filter(|(_, l)| l.state() == TaskState::Suspended)
            .map(|(k, _)| crate::words::task_phrase(self, k, self.end_ns))
            .collect();
        if !waiting.is_empty() {
            out.push_str(&format!(" Every asyncio task waits on something nobody will do: {}.", waiting.join("; ")));
        }
        if let Some(cycle) = self.await_cycle() {
            let who = |k: usize| self.tasks[k].title();
            let mut words = who(cycle[0]);
            for k in &cycle[1..] {
                words.push_str(&format!(" awaits {}, which", who(*k)));
            }
            words.push_str(&format!(" awaits {}", who(cycle[0])));
            out.push_str(&format!(" That is an await cycle: {words}."));
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_merge_and_zero_length_phases_are_replaced() {
        let mut p = Vec::new();
        push_phase(&mut p, 0, 1);
        push_phase(&mut p, 5, 1);
        push_phase(&mut p, 10, 2);
        push_phase(&mut p, 10, 3);
        push_phase(&mut p, 20, 3);
        push_phase(&mut p, 30, 1);
        assert_eq!(p.iter().map(|x| (x.start_ns, x.state)).collect::<Vec<_>>(), vec![(0, 1), (10, 3), (30, 1)]);
        assert_eq!(phase_at(&p, 9), Some(0));
        assert_eq!(phase_at(&p, 10), Some(1));
        assert_eq!(phase_at(&p, 1000), Some(2));
        // A zero-length detour back to the previous state disappears entirely.
        let mut q = Vec::new();
        push_phase(&mut q, 0, 1);
        push_phase(&mut q, 7, 2);
        push_phase(&mut q, 7, 1);
        assert_eq!(q.len(), 1);
    }

    /// The utilisation strip's mean over a span, from its integrals, against a walk over
    /// every step (what the strip drew before it had integrals).
    #[test]
    fn util_means_from_integrals_match_a_walk_over_the_steps() {
        let threads: Vec<ThreadMeta> =
            (0..3).map(|i| ThreadMeta { name: format!("T{i}"), process: 0, daemon: false, target: None }).collect();
        let mut tl = Timeline::new(&threads, &[ProcessMeta { name: "MainProcess".into(), pid: 1 }], &[], &[]);
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let (mut t, mut seq) = (0u64, 0u64);
        for th in 0..3 {
            tl.push(&Event { seq, t_ns: t, thread: th, process: 0, line: 0, kind: EventKind::ThreadStarted });
            seq += 1;
        }
        for _ in 0..5_000 {
            t += next() % 1_000;
            let kind = match next() % 4 {
                0 => EventKind::GilRequested,
                1 => EventKind::GilAcquired,
                2 => EventKind::IoBegin { ms: 1.0, sleep: false },
                _ => EventKind::IoEnd,
            };
            tl.push(&Event { seq, t_ns: t, thread: (next() % 3) as u32, process: 0, line: 0, kind });
            seq += 1;
        }
        let steps = &tl.util[0];
        assert!(steps.len() > 10 * UTIL_BLOCK, "{} steps", steps.len());
        let end = t as f64 + 500.0;
        let walk = |t0: f64, t1: f64| {
            let (mut run, mut want) = (0.0, 0.0);
            for (j, s) in steps.iter().enumerate() {
                let a = (s.0 as f64).max(t0);
                let b = steps.get(j + 1).map_or(end, |n| n.0 as f64).min(t1);
                if b > a {
                    run += f64::from(s.1) * (b - a);
                    want += f64::from(s.2) * (b - a);
                }
            }
            (run / (t1 - t0), want / (t1 - t0))
        };
        for _ in 0..2_000 {
            let t0 = (next() % (end as u64 + 100)) as f64 + (next() % 100) as f64 / 100.0;
            let t1 = t0 + 1.0 + (next() % 50_000) as f64;
            let (a, b) = (tl.util_mean(0, t0, t1, end), walk(t0, t1));
            assert!((a.0 - b.0).abs() < 1e-6 && (a.1 - b.1).abs() < 1e-6, "[{t0}, {t1}): {a:?} vs {b:?}");
        }
    }

    #[test]
    fn holder_set_adds_and_removes() {
        let mut h = HolderSet::default();
        h.add(3);
        h.add(5);
        h.add(7);
        h.remove(5);
        assert_eq!(h.threads(), &[3, 7]);
        h.remove(9); // a release by a non-holder frees one slot, as a semaphore does
        assert_eq!(h.count, 1);
    }

    #[test]
    fn a_thread_line_is_the_line_of_its_latest_event() {
        let main = ThreadMeta { name: "MainThread".into(), process: 0, daemon: false, target: None };
        let mut tl = Timeline::new(&[main], &[ProcessMeta { name: "MainProcess".into(), pid: 1 }], &[], &[]);
        for (seq, (t, line)) in [(10, 3), (20, 3), (30, 0), (40, 5), (50, 3)].into_iter().enumerate() {
            tl.push(&Event { seq: seq as u64, t_ns: t, thread: 0, process: 0, line, kind: EventKind::GilAcquired });
        }
        let lane = &tl.threads[0];
        assert_eq!(lane.lines, vec![(10, 3), (40, 5), (50, 3)], "repeats and line 0 add nothing");
        assert_eq!(
            (lane.line_at(5), lane.line_at(10), lane.line_at(45), lane.line_at(99)),
            (None, Some(3), Some(5), Some(3))
        );
        assert_eq!(lane.spans_on_line(3, 60).collect::<Vec<_>>(), vec![(10, 40), (50, 60)]);
        assert_eq!(
            (lane.next_on_line(3, 10), lane.next_on_line(5, 0), lane.next_on_line(5, 40)),
            (Some(50), Some(40), None)
        );
    }

    #[test]
    fn queue_contents_from_the_put_index_match_replaying_the_history() {
        let mut l = ResourceLane::default();
        // A deterministic mix of puts and gets (never more gets than items).
        let (mut len, mut x) = (0u32, 12345u64);
        for t in 0..5000u64 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            if len == 0 || (x >> 33) % 3 != 0 {
                l.puts.push(l.traffic.len() as u32);
                l.traffic.push((t, Value::Int(t as i64), true));
                len += 1;
            } else {
                l.traffic.push((t, Value::Int(0), false));
                len -= 1;
            }
        }
        let tl = Timeline { resources: vec![l.clone()], ..Timeline::default() };
        for t in [0, 1, 17, 999, 2500, 4999, 10_000] {
            let mut naive = VecDeque::new();
            for (tt, item, put) in &l.traffic {
                if *tt > t {
                    break;
                }
                if *put {
                    naive.push_back(item.clone());
                } else {
                    naive.pop_front();
                }
            }
            let want: Vec<Value> = naive.into_iter().take(QUEUE_ITEMS_SHOWN).collect();
            assert_eq!(tl.queue_contents_at(0, t), want, "at {t}");
        }
    }
}
