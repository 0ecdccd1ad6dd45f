//! Where the time went: a run's time per thread, per source line and per resource, split
//! into running, waiting for the GIL, blocked and in I/O; the critical path (the chain of
//! running spans and wake-ups that bounds the run's wall time); and the utilisation (how
//! many threads ran, how many wanted to). One JSON object from `threadline profile --json`,
//! the same numbers the app's Profile panel shows.
//!
//! | field           | meaning |
//! |-----------------|---------|
//! | `from_ms`, `to_ms` | the range profiled (the whole run unless a range was selected) |
//! | `threads`       | per thread: `name`, `process`, `running_ms`, `gil_wait_ms`, `blocked_ms`, `io_ms` (I/O and sleep), `by_resource` (blocked ms per resource name; a join is `join Thread-2`, `Thread.start()` waiting for the thread to start `start Thread-2`) |
//! | `lines`         | per source line a thread was at (before its first event with a line, the first line it reached; 0 for a thread that reached none): the same times, summed over threads |
//! | `resources`     | per resource: `name`, `kind`, `blocked_ms` (all waiters), `waits`, `longest_wait_ms`; for what can be held: `hold_ms`, `holds`, `longest_hold_ms` and `by_holder_line` (`line`, `hold_ms`, `holds`, `longest_hold_ms`, by the line that acquired it) |
//! | `critical_path` | `total_ms`, `start_ms`, `end_ms`, and `parts`: `thread`, `line`, `doing` (running, in I/O, sleeping, waiting for the GIL, blocked, waking up — the time between a wake-up's cause and the wake), `holding` (a lock it held), `ms`, `share` (of `total_ms`), largest first |
//! | `utilisation`   | per process: `name`, `cpu_ms` (integral of running threads), `wanted_ms` (integral of threads that wanted to run: running or waiting for the GIL), `max_running`, `max_wanting` |

use crate::timeline::{ThreadLane, ThreadState, Timeline, WakeCause};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use threadline_model::event::{ThreadIx, WaitTarget};

/// Time in each kind of state.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Times {
    /// Running Python code.
    pub running_ms: f64,
    /// Waiting for its process's GIL.
    pub gil_wait_ms: f64,
    /// Blocked on a primitive or a join.
    pub blocked_ms: f64,
    /// In I/O or sleep (the GIL released).
    pub io_ms: f64,
    /// Blocked time per resource name.
    pub by_resource: BTreeMap<String, f64>,
}

impl Times {
    /// Everything but running: what a thread lost at this line.
    pub fn waiting_ms(&self) -> f64 {
        self.gil_wait_ms + self.blocked_ms + self.io_ms
    }
    /// All of it.
    pub fn total_ms(&self) -> f64 {
        self.running_ms + self.waiting_ms()
    }
}

/// One thread's times.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThreadProfile {
    /// Its name.
    pub name: String,
    /// Its process's name.
    pub process: String,
    /// Its times.
    #[serde(flatten)]
    pub times: Times,
}

/// One source line's times, summed over the threads that were at it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LineProfile {
    /// The line (0: a thread before its first line).
    pub line: u32,
    /// Its times.
    #[serde(flatten)]
    pub times: Times,
    /// The same per thread name (for the icicle view: thread → line → what it waited for).
    #[serde(skip)]
    pub by_thread: BTreeMap<ThreadIx, Times>,
}

/// Holding a resource, from one acquiring line.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HoldLine {
    /// The line that acquired it.
    pub line: u32,
    /// Total time held.
    pub hold_ms: f64,
    /// How many times.
    pub holds: u32,
    /// The longest single hold.
    pub longest_hold_ms: f64,
}

/// One resource's waits and holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResourceProfile {
    /// Its name (`join Thread-2` for a join).
    pub name: String,
    /// `lock`, `semaphore`, `queue`, … (`join` for a join).
    pub kind: String,
    /// Time threads spent blocked on it, summed over them.
    pub blocked_ms: f64,
    /// How many waits.
    pub waits: u32,
    /// The longest wait.
    pub longest_wait_ms: f64,
    /// Time it was held (by anyone, summed over holders).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hold_ms: Option<f64>,
    /// How many times it was taken.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holds: Option<u32>,
    /// The longest single hold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub longest_hold_ms: Option<f64>,
    /// The holds by the line that acquired it, longest total first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub by_holder_line: Vec<HoldLine>,
    /// What the waits were for (the resource, or the joined thread).
    #[serde(skip)]
    pub target: Option<WaitTarget>,
}

impl ResourceProfile {
    fn new(name: String, kind: String, target: WaitTarget) -> Self {
        Self {
            name,
            kind,
            blocked_ms: 0.0,
            waits: 0,
            longest_wait_ms: 0.0,
            hold_ms: None,
            holds: None,
            longest_hold_ms: None,
            by_holder_line: Vec::new(),
            target: Some(target),
        }
    }
}

/// One step of the critical path, as a time span on one thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PathSpan {
    /// The thread.
    pub thread: ThreadIx,
    /// From.
    pub from_ns: u64,
    /// To.
    pub to_ns: u64,
    /// What it did: its state, or `None` for the time between a wake-up's cause and the
    /// wake (the woken thread's latency).
    pub state: Option<ThreadState>,
    /// Its line.
    pub line: u32,
}

/// A group of the critical path's spans: one thread doing one thing at one line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PathPart {
    /// Thread name.
    pub thread: String,
    /// The line.
    pub line: u32,
    /// running, in I/O, sleeping, waiting for the GIL, blocked (a wait that timed out, or
    /// for something free at once), waking up (the time between a wake-up's cause and the
    /// woken thread's next step: a GIL or lock handoff's latency).
    pub doing: String,
    /// A lock (or semaphore, condition) it held meanwhile, if any.
    pub holding: Option<String>,
    /// Total time.
    pub ms: f64,
    /// Of the path's total.
    pub share: f64,
}

/// The critical path: the chain of spans and wake-ups that bounds the run's wall time.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CriticalPath {
    /// Its length (`end_ms - start_ms`).
    pub total_ms: f64,
    /// Where it starts.
    pub start_ms: f64,
    /// Where it ends (the end of the thread that ended last).
    pub end_ms: f64,
    /// Grouped, largest first.
    pub parts: Vec<PathPart>,
    /// The spans, latest first (for drawing; shared, as a long run's path is long).
    #[serde(skip)]
    pub spans: std::sync::Arc<Vec<PathSpan>>,
}

/// How many threads of one process ran and wanted to run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Utilisation {
    /// The process.
    pub name: String,
    /// Integral of the running threads: the CPU time.
    pub cpu_ms: f64,
    /// Integral of the threads that wanted to run (running or waiting for the GIL).
    pub wanted_ms: f64,
    /// Most threads running at once.
    pub max_running: u32,
    /// Most threads wanting to run at once.
    pub max_wanting: u32,
    /// Steps: (t_ns, running, wanting) from t_ns until the next step.
    #[serde(skip)]
    pub steps: Vec<(u64, u32, u32)>,
}

/// Where the time went, for a run or a range of it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// Start of the range.
    pub from_ms: f64,
    /// End of the range.
    pub to_ms: f64,
    /// Per thread, in thread order.
    pub threads: Vec<ThreadProfile>,
    /// Per line, in line order.
    pub lines: Vec<LineProfile>,
    /// Per resource, most blocked first.
    pub resources: Vec<ResourceProfile>,
    /// The critical path (of the whole run).
    pub critical_path: CriticalPath,
    /// Per process.
    pub utilisation: Vec<Utilisation>,
}

fn ms(ns: u64) -> f64 {
    (ns as f64 / 1e4).round() / 100.0
}

fn add_ms(slot: &mut f64, ns: u64) {
    *slot += ns as f64 / 1e6;
}

/// The pieces of a thread's lane within `[from, to)`: (start, end, state, line), split
/// wherever the state or the line changes (line 0: a thread that never reached a line).
pub fn pieces(lane: &ThreadLane, from: u64, to: u64, end_ns: u64, mut f: impl FnMut(u64, u64, ThreadState, u32)) {
    let first = lane.phases.partition_point(|p| p.start_ns <= from).saturating_sub(1);
    for (i, p) in lane.phases.iter().enumerate().skip(first) {
        let b = lane.phases.get(i + 1).map_or(end_ns, |n| n.start_ns).min(to);
        let mut a = p.start_ns.max(from);
        if a >= to {
            break;
        }
        if a >= b {
            continue;
        }
        let mut j = lane.lines.partition_point(|(t, _)| *t <= a);
        // Before its first event with a line, a thread is on its way to the first line it
        // reaches (a CPU-bound thread's first event may come only at its first switch).
        let first = lane.lines.first().map_or(0, |l| l.1);
        loop {
            let line = j.checked_sub(1).map_or(first, |k| lane.lines[k].1);
            let next = lane.lines.get(j).map_or(b, |(t, _)| (*t).min(b));
            if next > a {
                f(a, next, p.state, line);
            }
            if next >= b {
                break;
            }
            a = next;
            j += 1;
        }
    }
}

/// The name a wait's target has in the profile, and its kind.
fn target_name(tl: &Timeline, w: WaitTarget) -> (String, String) {
    match w {
        WaitTarget::Resource(r) => tl
            .resource_meta
            .get(r as usize)
            .map_or_else(|| (format!("#{r}"), "resource".into()), |m| (m.name.clone(), m.kind.as_str().to_string())),
        WaitTarget::Thread(t) => (format!("join {}", tl.thread_name(t)), "join".into()),
    }
}

/// Nanoseconds in each kind of state (running, GIL wait, blocked, I/O), and blocked per
/// wait target (and whether it was `Thread.start()` waiting for the thread to start).
#[derive(Clone, Debug, Default)]
struct Acc {
    ns: [u64; 4],
    by: Vec<((WaitTarget, bool), u64)>,
}

impl Acc {
    fn add(&mut self, w: WaitTarget, start: bool, d: u64) {
        match self.by.iter_mut().find(|(k, _)| *k == (w, start)) {
            Some((_, x)) => *x += d,
            None => self.by.push(((w, start), d)),
        }
    }
    fn merge(&mut self, o: &Acc) {
        for i in 0..4 {
            self.ns[i] += o.ns[i];
        }
        for ((w, s), d) in &o.by {
            self.add(*w, *s, *d);
        }
    }
}

impl Profile {
    /// The profile of the whole run.
    pub fn of(tl: &Timeline) -> Self {
        Self::of_range(tl, 0, tl.end_ns)
    }

    /// The profile of `[from_ns, to_ns)` (the critical path and the utilisation's maxima are
    /// the whole run's; its integrals the range's).
    pub fn of_range(tl: &Timeline, from_ns: u64, to_ns: u64) -> Self {
        let to_ns = to_ns.min(tl.end_ns).max(from_ns);
        // Integer nanoseconds per (line, thread), keyed by wait target: names are made once
        // at the end (a long run has millions of pieces).
        let mut acc: HashMap<(u32, ThreadIx), Acc> = HashMap::new();
        let mut wait_acc: HashMap<(WaitTarget, bool), (u32, u64, u64)> = HashMap::new();
        let starting = |w: WaitTarget, t: u64| match w {
            WaitTarget::Thread(x) => {
                tl.threads.get(x as usize).is_some_and(|l| l.state_at(t) == ThreadState::NotStarted)
            }
            WaitTarget::Resource(_) => false,
        };
        for (i, lane) in tl.threads.iter().enumerate() {
            let th = i as ThreadIx;
            let mut cur: Option<(u32, Acc)> = None;
            pieces(lane, from_ns, to_ns, tl.end_ns, |a, b, s, line| {
                if cur.as_ref().is_none_or(|c| c.0 != line) {
                    if let Some((l, x)) = cur.take() {
                        acc.entry((l, th)).or_default().merge(&x);
                    }
                    cur = Some((line, Acc::default()));
                }
                let Some((_, x)) = cur.as_mut() else { return };
                let d = b - a;
                match s {
                    ThreadState::Running => x.ns[0] += d,
                    ThreadState::WaitingGil => x.ns[1] += d,
                    ThreadState::Blocked(w) => {
                        x.ns[2] += d;
                        x.add(w, starting(w, a), d);
                    }
                    ThreadState::Io | ThreadState::Sleep => x.ns[3] += d,
                    _ => {}
                }
            });
            if let Some((l, x)) = cur.take() {
                acc.entry((l, th)).or_default().merge(&x);
            }
            // Waits, counted per blocked phase (not per line piece).
            for (k, p) in lane.phases.iter().enumerate() {
                let ThreadState::Blocked(w) = p.state else { continue };
                let end = lane.phases.get(k + 1).map_or(tl.end_ns, |n| n.start_ns).min(to_ns);
                let start = p.start_ns.max(from_ns);
                if start >= end {
                    continue;
                }
                let e = wait_acc.entry((w, starting(w, start))).or_default();
                e.0 += 1;
                e.1 += end - start;
                e.2 = e.2.max(end - start);
            }
        }
        let name_of = |(w, start): (WaitTarget, bool)| -> (String, String) {
            let (name, kind) = target_name(tl, w);
            if start { (name.replacen("join ", "start ", 1), "start".into()) } else { (name, kind) }
        };
        let times_of = |x: &Acc| {
            let mut t = Times {
                running_ms: ms(x.ns[0]),
                gil_wait_ms: ms(x.ns[1]),
                blocked_ms: ms(x.ns[2]),
                io_ms: ms(x.ns[3]),
                by_resource: BTreeMap::new(),
            };
            for (k, ns) in &x.by {
                *t.by_resource.entry(name_of(*k).0).or_default() += ms(*ns);
            }
            t
        };
        let mut per_thread: Vec<Acc> = vec![Acc::default(); tl.threads.len()];
        let mut per_line: BTreeMap<u32, Acc> = BTreeMap::new();
        let mut by_thread: BTreeMap<u32, BTreeMap<ThreadIx, Times>> = BTreeMap::new();
        for ((line, th), x) in &acc {
            per_thread[*th as usize].merge(x);
            per_line.entry(*line).or_default().merge(x);
            by_thread.entry(*line).or_default().insert(*th, times_of(x));
        }
        let threads: Vec<ThreadProfile> = tl
            .thread_meta
            .iter()
            .zip(&per_thread)
            .map(|(meta, x)| ThreadProfile {
                name: meta.name.clone(),
                process: tl.process_meta.get(meta.process as usize).map_or_else(String::new, |p| p.name.clone()),
                times: times_of(x),
            })
            .collect();
        let lines: BTreeMap<u32, LineProfile> = per_line
            .iter()
            .map(|(line, x)| {
                let by_thread = by_thread.remove(line).unwrap_or_default();
                (*line, LineProfile { line: *line, times: times_of(x), by_thread })
            })
            .collect();
        let mut waits: BTreeMap<String, ResourceProfile> = BTreeMap::new();
        for (key, (n, total, longest)) in &wait_acc {
            let (name, kind) = name_of(*key);
            let r = waits.entry(name.clone()).or_insert_with(|| ResourceProfile::new(name, kind, key.0));
            r.waits += n;
            r.blocked_ms += *total as f64 / 1e6;
            r.longest_wait_ms = r.longest_wait_ms.max(*longest as f64 / 1e6);
        }
        // Holds, from each resource's holder phases.
        for (r, (meta, lane)) in tl.resource_meta.iter().zip(&tl.resources).enumerate() {
            if !meta.kind.is_acquirable() {
                continue;
            }
            let (name, kind) = target_name(tl, WaitTarget::Resource(r as u32));
            let entry = waits
                .entry(name.clone())
                .or_insert_with(|| ResourceProfile::new(name, kind, WaitTarget::Resource(r as u32)));
            let mut by_line: BTreeMap<u32, HoldLine> = BTreeMap::new();
            let mut since: Vec<(ThreadIx, u64)> = Vec::new();
            let close = |th: ThreadIx, a: u64, b: u64, by_line: &mut BTreeMap<u32, HoldLine>| {
                if b <= from_ns || a >= to_ns {
                    return;
                }
                // The line that took it (before the range, if the hold began before it).
                let line = tl.threads.get(th as usize).and_then(|l| l.line_at(a)).unwrap_or(0);
                let (a, b) = (a.max(from_ns), b.min(to_ns));
                let h = by_line.entry(line).or_insert_with(|| HoldLine { line, ..HoldLine::default() });
                h.holds += 1;
                add_ms(&mut h.hold_ms, b.saturating_sub(a));
                h.longest_hold_ms = h.longest_hold_ms.max(b.saturating_sub(a) as f64 / 1e6);
            };
            for p in &lane.holders {
                let now = p.state.threads();
                since.retain(|(th, a)| {
                    let keep = now.contains(th);
                    if !keep {
                        close(*th, *a, p.start_ns, &mut by_line);
                    }
                    keep
                });
                for th in now {
                    if !since.iter().any(|(x, _)| x == th) {
                        since.push((*th, p.start_ns));
                    }
                }
            }
            for (th, a) in since {
                close(th, a, tl.end_ns, &mut by_line);
            }
            let mut hl: Vec<HoldLine> = by_line.into_values().collect();
            let total: f64 = hl.iter().map(|h| h.hold_ms).sum();
            entry.hold_ms = Some((total * 100.0).round() / 100.0);
            entry.holds = Some(hl.iter().map(|h| h.holds).sum());
            entry.longest_hold_ms = Some(hl.iter().map(|h| h.longest_hold_ms).fold(0.0, f64::max));
            hl.sort_by(|a, b| b.hold_ms.total_cmp(&a.hold_ms));
            for h in &mut hl {
                h.hold_ms = (h.hold_ms * 100.0).round() / 100.0;
                h.longest_hold_ms = (h.longest_hold_ms * 100.0).round() / 100.0;
            }
            entry.by_holder_line = hl;
        }
        let mut resources: Vec<ResourceProfile> = waits.into_values().collect();
        for r in &mut resources {
            r.blocked_ms = (r.blocked_ms * 100.0).round() / 100.0;
            r.longest_wait_ms = (r.longest_wait_ms * 100.0).round() / 100.0;
            if let Some(l) = r.longest_hold_ms.as_mut() {
                *l = (*l * 100.0).round() / 100.0;
            }
        }
        resources.sort_by(|a, b| {
            b.blocked_ms.total_cmp(&a.blocked_ms).then(b.hold_ms.unwrap_or(0.0).total_cmp(&a.hold_ms.unwrap_or(0.0)))
        });
        let lines: Vec<LineProfile> = lines.into_values().collect();
        Profile {
            from_ms: ms(from_ns),
            to_ms: ms(to_ns),
            threads,
            lines,
            resources,
            critical_path: critical_path(tl),
            utilisation: utilisation(tl, from_ns, to_ns),
        }
    }

    /// The headline: the biggest single way the threads lost time — waiting for the GIL,
    /// in I/O or sleep, or blocked on one resource (joins left out: a join waits for the
    /// others' work, it does not lose any) — at one line, as a share of all the threads'
    /// time (joins left out too).
    pub fn headline(&self) -> Option<Headline> {
        let joins = |t: &Times| {
            t.by_resource
                .iter()
                .filter(|(k, _)| k.starts_with("join ") || k.starts_with("start "))
                .map(|(_, v)| v)
                .sum::<f64>()
        };
        let total: f64 = self.threads.iter().map(|t| t.times.total_ms() - joins(&t.times)).sum();
        let mut best: Option<Headline> = None;
        for l in &self.lines {
            let t = &l.times;
            let mut cands =
                vec![("waiting for the GIL".to_string(), t.gil_wait_ms), ("in I/O or sleep".to_string(), t.io_ms)];
            cands.extend(
                t.by_resource
                    .iter()
                    .filter(|(k, _)| !k.starts_with("join ") && !k.starts_with("start "))
                    .map(|(k, v)| (format!("blocked on {k}"), *v)),
            );
            for (what, ms) in cands {
                if ms > 0.0 && best.as_ref().is_none_or(|b| ms > b.ms) {
                    best = Some(Headline { line: l.line, what, ms, share: if total > 0.0 { ms / total } else { 0.0 } });
                }
            }
        }
        best
    }

    /// A human rendering: the threads, the lines and the resources as tables (`by` picks
    /// one: `thread`, `line`, `resource`; None for all), then the critical path.
    pub fn human(&self, by: Option<&str>) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let _ = writeln!(s, "profile of {:.1}–{:.1} ms", self.from_ms, self.to_ms);
        let head = "running ms  gil-wait ms  blocked ms    io ms";
        let row = |t: &Times| {
            format!("{:>10.1}  {:>11.1}  {:>10.1} {:>8.1}", t.running_ms, t.gil_wait_ms, t.blocked_ms, t.io_ms)
        };
        let most = |t: &Times| {
            t.by_resource
                .iter()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .filter(|(_, v)| **v > 0.0)
                .map(|(k, v)| format!("  (most on {k}: {v:.1} ms)"))
                .unwrap_or_default()
        };
        if by.is_none_or(|b| b == "thread") {
            let _ = writeln!(s, "\n-- by thread --\n{:<24} {head}", "thread");
            for t in &self.threads {
                let _ = writeln!(s, "{:<24} {}{}", t.name, row(&t.times), most(&t.times));
            }
        }
        if by.is_none_or(|b| b == "line") {
            let _ = writeln!(s, "\n-- by line (most waiting first) --\n{:<8} {head}", "line");
            let mut lines: Vec<&LineProfile> = self.lines.iter().collect();
            lines.sort_by(|a, b| b.times.waiting_ms().total_cmp(&a.times.waiting_ms()));
            for l in lines {
                let name = if l.line == 0 { "none".to_string() } else { l.line.to_string() };
                let _ = writeln!(s, "{:<8} {}{}", name, row(&l.times), most(&l.times));
            }
        }
        if by.is_none_or(|b| b == "resource") {
            let _ = writeln!(s, "\n-- by resource (most blocked first) --");
            let _ = writeln!(
                s,
                "{:<24} {:<10} {:>10} {:>6} {:>13} {:>9} {:>6} {:>13}",
                "resource", "kind", "blocked ms", "waits", "longest wait", "held ms", "holds", "longest hold"
            );
            for r in &self.resources {
                let opt = |x: Option<f64>| x.map_or_else(|| "—".to_string(), |v| format!("{v:.1}"));
                let _ = writeln!(
                    s,
                    "{:<24} {:<10} {:>10.1} {:>6} {:>13.1} {:>9} {:>6} {:>13}",
                    r.name,
                    r.kind,
                    r.blocked_ms,
                    r.waits,
                    r.longest_wait_ms,
                    opt(r.hold_ms),
                    r.holds.map_or_else(|| "—".to_string(), |h| h.to_string()),
                    opt(r.longest_hold_ms)
                );
                for h in r.by_holder_line.iter().take(3) {
                    let _ = writeln!(
                        s,
                        "    held from line {}: {:.1} ms in {} holds, longest {:.1} ms",
                        h.line, h.hold_ms, h.holds, h.longest_hold_ms
                    );
                }
            }
        }
        let cp = &self.critical_path;
        if by.is_none() && cp.total_ms > 0.0 {
            let _ =
                writeln!(s, "\n-- critical path: {:.1} ms ({:.1}–{:.1} ms) --", cp.total_ms, cp.start_ms, cp.end_ms);
            for p in cp.parts.iter().take(8) {
                let _ = writeln!(s, "{:>5.1} %  {}", p.share * 100.0, part_words(p));
            }
        }
        s
    }
}

/// The biggest way the threads lost time, at one line.
#[derive(Clone, Debug, PartialEq)]
pub struct Headline {
    /// The line.
    pub line: u32,
    /// `waiting for the GIL`, `in I/O or sleep`, `blocked on lock`.
    pub what: String,
    /// How long, summed over the threads.
    pub ms: f64,
    /// Of all the threads' time.
    pub share: f64,
}

impl Headline {
    /// `The threads spent 87 % of their time waiting for the GIL at line 9 (2301.5 ms).`
    pub fn words(&self) -> String {
        let at =
            if self.line == 0 { " before their first line".to_string() } else { format!(" at line {}", self.line) };
        format!("The threads spent {:.0} % of their time {}{at} ({:.1} ms).", self.share * 100.0, self.what, self.ms)
    }
}

/// A critical-path part in words: `Thread-2 running line 18 holding lock (12.3 ms)`.
pub fn part_words(p: &PathPart) -> String {
    let at = if p.line == 0 { String::new() } else { format!(" at line {}", p.line) };
    let holding = p.holding.as_ref().map(|h| format!(" holding {h}")).unwrap_or_default();
    format!("{} {}{at}{holding} ({:.1} ms)", p.thread, p.doing, p.ms)
}

fn doing_word(s: Option<ThreadState>) -> &'static str {
    match s {
        None => "waking up",
        Some(ThreadState::Running) => "running",
        Some(ThreadState::WaitingGil) => "waiting for the GIL",
        Some(ThreadState::Blocked(_)) => "blocked",
        Some(ThreadState::Io) => "in I/O",
        Some(ThreadState::Sleep) => "sleeping",
        Some(_) => "ending",
    }
}

/// The end of a thread: when its end phase began, or the run's end.
fn thread_end(tl: &Timeline, th: usize) -> u64 {
    tl.threads[th].phases.last().filter(|p| p.state.is_end()).map_or(tl.end_ns, |p| p.start_ns)
}

/// The critical path of the run: from the end of the thread that ended last, walk back
/// through its spans; at a wait that another thread's act ended, jump to that act (the
/// time between is the woken thread's latency); at a thread's start, jump to the
/// `start()` that started it.
pub fn critical_path(tl: &Timeline) -> CriticalPath {
    let Some(last) =
        (0..tl.threads.len()).filter(|i| !tl.threads[*i].phases.is_empty()).max_by_key(|i| thread_end(tl, *i))
    else {
        return CriticalPath::default();
    };
    let end = thread_end(tl, last);
    let (mut cur, mut t) = (last, end);
    let mut spans: Vec<PathSpan> = Vec::new();
    let guard = tl.threads.iter().map(|l| l.phases.len()).sum::<usize>() + tl.wakes.len() + 16;
    // The walk only goes back in time: cursors (per thread into its phases and lines, one
    // into the wakes) only move down, so the walk is linear in what it passes.
    let mut pcur: Vec<usize> = tl.threads.iter().map(|l| l.phases.len()).collect();
    let mut lcur: Vec<usize> = tl.threads.iter().map(|l| l.lines.len()).collect();
    let mut wcur = tl.wakes.len();
    for _ in 0..guard {
        let Some(lane) = tl.threads.get(cur) else { break };
        let pc = &mut pcur[cur];
        while *pc > 0 && lane.phases[*pc - 1].start_ns >= t {
            *pc -= 1;
        }
        let Some(i) = pc.checked_sub(1) else {
            // Before this thread's start: go to whoever started it.
            match tl.started_by.get(cur).copied().flatten() {
                Some(s) if s.t_ns <= t && (s.thread as usize) != cur => {
                    if t > s.t_ns {
                        spans.push(PathSpan {
                            thread: cur as ThreadIx,
                            from_ns: s.t_ns,
                            to_ns: t,
                            state: None,
                            line: 0,
                        });
                    }
                    (cur, t) = (s.thread as usize, s.t_ns);
                    continue;
                }
                _ => break,
            }
        };
        let p = lane.phases[i];
        let waited = matches!(p.state, ThreadState::Blocked(_) | ThreadState::WaitingGil);
        let phase_end = lane.phases.get(i + 1).map_or(tl.end_ns, |n| n.start_ns);
        while wcur > 0 && tl.wakes[wcur - 1].t_ns > t {
            wcur -= 1;
        }
        let wake = if waited && phase_end == t {
            tl.wakes[..wcur]
                .iter()
                .rev()
                .take_while(|w| w.t_ns == t)
                .find(|w| w.thread as usize == cur && w.from_ns == p.start_ns)
                .and_then(|w| w.by.filter(|_| !matches!(w.cause, WakeCause::Timeout | WakeCause::Interrupted)))
        } else {
            None
        };
        // The lines in force over [from, t), latest first (the cursor moves down to `from`).
        let lines = &lane.lines;
        let first_line = lines.first().map_or(0, |l| l.1);
        let mut split = |from: u64, t: u64, state: Option<ThreadState>, spans: &mut Vec<PathSpan>| {
            let lc = &mut lcur[cur];
            while *lc > 0 && lines[*lc - 1].0 >= t {
                *lc -= 1;
            }
            let mut hi = t;
            loop {
                let (lt, line) = lc.checked_sub(1).map_or((0, first_line), |k| lines[k]);
                let lo = lt.max(from);
                if hi > lo {
                    spans.push(PathSpan { thread: cur as ThreadIx, from_ns: lo, to_ns: hi, state, line });
                }
                if lo <= from || *lc == 0 {
                    break;
                }
                hi = lo;
                *lc -= 1;
            }
        };
        if let Some(by) = wake
            && by.t_ns <= t
            && by.t_ns >= p.start_ns
        {
            // The woken thread's latency, at the line it waited at.
            split(by.t_ns, t, None, &mut spans);
            (cur, t) = (by.thread as usize, by.t_ns);
            continue;
        }
        // The span itself is on the path, split by line.
        split(p.start_ns, t, Some(p.state), &mut spans);
        t = p.start_ns;
        if t == 0 {
            break;
        }
    }
    let start = spans.last().map_or(end, |s| s.from_ns);
    let total = end - start;
    // Group: thread, line, what it did, what it held (names made once per group).
    let holdable: Vec<usize> =
        tl.resource_meta.iter().enumerate().filter(|(_, m)| m.kind.is_acquirable()).map(|(r, _)| r).collect();
    let mut groups: HashMap<(ThreadIx, u32, &'static str, Option<usize>), u64> = HashMap::new();
    let mut hcur: Vec<usize> = holdable.iter().map(|r| tl.resources[*r].holders.len()).collect();
    for s in &spans {
        let holding = holdable.iter().zip(hcur.iter_mut()).find_map(|(r, hc)| {
            let h = &tl.resources[*r].holders;
            while *hc > 0 && h[*hc - 1].start_ns > s.from_ns {
                *hc -= 1;
            }
            hc.checked_sub(1).filter(|i| h[*i].state.threads().contains(&s.thread)).map(|_| *r)
        });
        *groups.entry((s.thread, s.line, doing_word(s.state), holding)).or_default() += s.to_ns - s.from_ns;
    }
    let mut parts: Vec<PathPart> = groups
        .into_iter()
        .map(|((th, line, doing, holding), ns)| PathPart {
            thread: tl.thread_name(th),
            line,
            doing: doing.to_string(),
            holding: holding.map(|r| tl.resource_meta[r].name.clone()),
            ms: ms(ns),
            share: if total == 0 { 0.0 } else { ((ns as f64 / total as f64) * 1e4).round() / 1e4 },
        })
        .collect();
    parts.sort_by(|a, b| b.ms.total_cmp(&a.ms).then_with(|| a.thread.cmp(&b.thread)).then(a.line.cmp(&b.line)));
    CriticalPath { total_ms: ms(total), start_ms: ms(start), end_ms: ms(end), parts, spans: std::sync::Arc::new(spans) }
}

/// Per process: how many threads ran and wanted to run over time (the timeline's
/// [`Timeline::util`] steps), and the integrals over `[from, to)`.
pub fn utilisation(tl: &Timeline, from_ns: u64, to_ns: u64) -> Vec<Utilisation> {
    tl.process_meta
        .iter()
        .zip(&tl.util)
        .map(|(meta, steps)| {
            let mut u = Utilisation { name: meta.name.clone(), steps: steps.clone(), ..Utilisation::default() };
            let (mut cpu, mut wanted) = (0u64, 0u64);
            for (i, &(t, run, want)) in steps.iter().enumerate() {
                let next = steps.get(i + 1).map_or(tl.end_ns, |s| s.0);
                let (a, b) = (t.max(from_ns), next.min(to_ns));
                if b > a {
                    cpu += (b - a) * u64::from(run);
                    wanted += (b - a) * u64::from(want);
                }
                u.max_running = u.max_running.max(run);
                u.max_wanting = u.max_wanting.max(want);
            }
            u.cpu_ms = ms(cpu);
            u.wanted_ms = ms(wanted);
            u
        })
        .collect()
}
