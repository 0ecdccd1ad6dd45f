//! Thread states in words, in one place: the legend, the timeline's hovers, the code
//! panel's marks, the inspector, the deadlock banner and the Chrome export all say a state
//! the same way. [`label`] names a state alone (`waiting for the GIL`); [`doing`] says what a
//! named thread is doing (`waits for lock2 (held by Thread-1)`, `waits to join Thread-2`,
//! `sleeps 0.1 s`); [`wait`] is the waiting part both use.

use crate::timeline::{TaskState, ThreadState, Timeline};
use threadline_model::event::{ThreadIx, WaitTarget};
use threadline_model::model::ResourceKind;

/// A state on its own, as the legend and the tables name it.
pub fn label(s: ThreadState) -> &'static str {
    match s {
        ThreadState::NotStarted => "not started",
        ThreadState::Running => "running",
        ThreadState::WaitingGil => "waiting for the GIL",
        ThreadState::Blocked(_) => "blocked",
        ThreadState::Io => "in I/O",
        ThreadState::Sleep => "sleeping",
        ThreadState::Finished => "finished",
        ThreadState::Killed => "killed at exit (daemon)",
        ThreadState::Raised => "ended by an exception",
        ThreadState::Stopped => "stopped",
    }
}

fn thread_name(tl: &Timeline, t: ThreadIx) -> String {
    tl.thread_name(t)
}

/// What a blocked thread waits for: `waits for lock1`, `waits to join Thread-2`.
pub fn wait(tl: &Timeline, w: &WaitTarget) -> String {
    match w {
        WaitTarget::Resource(r) if tl.kind_of(*r) == Some(ResourceKind::Barrier) => {
            format!("waits at {}", tl.resource_name(*r))
        }
        WaitTarget::Resource(r) => {
            format!("waits for {}", tl.resource_name(*r))
        }
        WaitTarget::Thread(t) => format!("waits to join {}", thread_name(tl, *t)),
    }
}

/// What `thread` in state `s` is doing, as a phrase after its name; `None` while it runs.
/// With `at` (a time in the run), a wait names who holds what it waits for and a sleep
/// says for how long, as the program wrote it (`time.sleep(0.5)` is `sleeps 0.5 s`).
pub fn doing(tl: &Timeline, thread: ThreadIx, s: ThreadState, at: Option<u64>) -> Option<String> {
    let held = |holders: Vec<ThreadIx>| {
        if holders.is_empty() {
            String::new()
        } else {
            let names: Vec<String> = holders.into_iter().map(|h| thread_name(tl, h)).collect();
            format!(" (held by {})", names.join(", "))
        }
    };
    Some(match s {
        ThreadState::Running => return None,
        ThreadState::WaitingGil => {
            let p = tl.thread_meta.get(thread as usize).map_or(0, |m| m.process as usize);
            let holder = at.and_then(|t| tl.gil_holder_at(p, t)).filter(|h| *h != thread);
            format!("waits for the GIL{}", held(holder.into_iter().collect()))
        }
        ThreadState::Blocked(WaitTarget::Resource(r)) if tl.kind_of(r) == Some(ResourceKind::Barrier) => {
            // `waits at barrier (2 of 3 parties there)`: a barrier has no holder.
            let m = &tl.resource_meta[r as usize];
            match at.and_then(|t| tl.counter_at(r, t)) {
                Some(n) if n > 0 => format!("waits at {} ({n} of {} parties there)", m.name, m.capacity),
                _ => format!("waits at {}", m.name),
            }
        }
        ThreadState::Blocked(w @ WaitTarget::Resource(r)) => {
            format!("{}{}", wait(tl, &w), held(at.map(|t| tl.holders_at(r, t)).unwrap_or_default()))
        }
        ThreadState::Blocked(WaitTarget::Thread(x))
            if at.is_some_and(|t| {
                tl.threads.get(x as usize).is_some_and(|l| l.state_at(t) == ThreadState::NotStarted)
            }) =>
        {
            format!("waits for {} to start", thread_name(tl, x))
        }
        ThreadState::Blocked(w) => wait(tl, &w),
        ThreadState::Sleep | ThreadState::Io => {
            let what = if s == ThreadState::Sleep { "sleeps" } else { "waits for I/O" };
            match at.and_then(|t| tl.threads.get(thread as usize)?.wait_ms_at(t)) {
                Some(ms) => {
                    let secs = ms / 1e3;
                    if secs.fract() == 0.0 { format!("{what} {secs:.1} s") } else { format!("{what} {secs} s") }
                }
                None => what.to_string(),
            }
        }
        other => label(other).to_string(),
    })
}

/// [`doing`], or the state's [`label`] while it runs.
pub fn phrase(tl: &Timeline, thread: ThreadIx, s: ThreadState, at: Option<u64>) -> String {
    doing(tl, thread, s, at).unwrap_or_else(|| label(s).to_string())
}

/// An asyncio task's state on its own.
pub fn task_label(s: TaskState) -> &'static str {
    match s {
        TaskState::Ready => "ready (waiting for the loop)",
        TaskState::Running => "running on the loop",
        TaskState::Suspended => "suspended at an await",
        TaskState::Finished => "finished",
        TaskState::Cancelled => "cancelled",
        TaskState::Raised => "ended by an exception",
    }
}

/// What the task `task` is doing at `t_ns`: `Task-2 (fetch) awaits sleep(0.5) at line 12`.
pub fn task_phrase(tl: &Timeline, task: usize, t_ns: u64) -> String {
    let Some(lane) = tl.tasks.get(task) else { return String::new() };
    let who = lane.title();
    let at = lane.line_at(t_ns).map(|l| format!(" at line {l}")).unwrap_or_default();
    match lane.state_at(t_ns) {
        None => format!("{who} not created yet"),
        Some(TaskState::Suspended) => match lane.awaiting_at(t_ns) {
            Some(on) => format!("{who} awaits {on}{at}"),
            None => format!("{who} is suspended{at}"),
        },
        Some(TaskState::Ready) => format!("{who} is ready, waiting for the event loop to run it"),
        Some(TaskState::Running) => {
            let thread = tl.thread_meta.get(lane.thread as usize).map_or("?", |m| m.name.as_str());
            format!("{who} runs on {thread}'s event loop")
        }
        Some(TaskState::Raised) => {
            format!("{who} ended by {}", lane.outcome.as_deref().unwrap_or("an exception"))
        }
        Some(s) => format!("{who} {}", task_label(s)),
    }
}

/// A slow asyncio step in words: `slow step: 503 ms without an await, at line 26`.
pub fn slow_step(ns: u64, line: Option<u32>) -> String {
    let ms = ns as f64 / 1e6;
    match line {
        Some(line) => format!("slow step: {ms:.0} ms without an await, at line {line}"),
        None => format!("slow step: {ms:.0} ms without an await"),
    }
}

/// What a live asyncio task is doing at `t_ns`, for a mark at its line: `awaits
/// sleep(0.1)`, `ready, waiting for the event loop`; None while it runs (its thread's mark
/// says where) or once it has ended.
pub fn task_doing(tl: &Timeline, task: usize, t_ns: u64) -> Option<String> {
    let lane = tl.tasks.get(task)?;
    match lane.state_at(t_ns)? {
        TaskState::Suspended => Some(match lane.awaiting_at(t_ns) {
            Some(on) => format!("awaits {on}"),
            None => "suspended".into(),
        }),
        TaskState::Ready => Some("ready, waiting for the event loop".into()),
        _ => None,
    }
}

/// A wake-up edge in words: `woken by Thread-3's release of lock at line 18 after 4.2 ms`,
/// `woken by Thread-1 dropping the GIL at line 9 after 5.0 ms`, `timed out after 100.0 ms`.
pub fn woken(tl: &Timeline, w: &crate::timeline::Wake) -> String {
    use crate::timeline::WakeCause as C;
    let after = format!("after {:.1} ms", (w.t_ns - w.from_ns) as f64 / 1e6);
    let res = |r: u32| tl.resource_name(r);
    let act = match w.cause {
        C::Timeout => return format!("timed out {after}"),
        C::Interrupted => return format!("ended by an exception {after}"),
        C::Gil => "dropping the GIL".to_string(),
        C::Release(r) => format!("'s release of {}", res(r)),
        C::Put(r) => format!("'s put on {}", res(r)),
        C::Get(r) => format!("'s get from {}", res(r)),
        C::Notify(r) => format!("'s notify on {}", res(r)),
        C::Set(r) => format!("'s set of {}", res(r)),
        C::TaskDone(r) => format!("'s last task_done on {}", res(r)),
        C::Send(r) => format!("'s send on {}", res(r)),
        C::Finished(r) => format!("finishing a task of {}", res(r)),
        C::ThreadEnd(_) => "'s end".to_string(),
    };
    let Some(by) = w.by else { return after };
    let who = thread_name(tl, by.thread);
    let sep = if act.starts_with('\'') { "" } else { " " };
    let at = if by.line == 0 { String::new() } else { format!(" at line {}", by.line) };
    format!("woken by {who}{sep}{act}{at} {after}")
}

/// One sentence on an asyncio task at `t_ns`, for the inspector: how long it has been in its
/// state, and for a ready task what holds the loop — `Task-2 (fetch) has waited 3.1 ms in
/// the ready queue; the loop is running Task-1 (crunch) at line 14, which has not awaited
/// for 48.0 ms`.
pub fn task_sentence(tl: &Timeline, task: usize, t_ns: u64) -> String {
    let Some(lane) = tl.tasks.get(task) else { return String::new() };
    let since = |l: &crate::timeline::TaskLane| {
        crate::timeline::phase_at(&l.phases, t_ns).map_or(t_ns, |i| l.phases[i].start_ns)
    };
    let ms = |ns: u64| format!("{:.1} ms", ns as f64 / 1e6);
    let at_line = |k: usize| tl.task_line_at(k, t_ns).map(|n| format!(" at line {n}")).unwrap_or_default();
    let held = t_ns.saturating_sub(since(lane));
    match lane.state_at(t_ns) {
        Some(TaskState::Ready) => {
            // Whatever the loop runs meanwhile: another task's step, or plain code.
            let running = (0..tl.tasks.len()).find(|k| {
                tl.tasks[*k].thread == lane.thread && tl.tasks[*k].state_at(t_ns) == Some(TaskState::Running)
            });
            let loop_is = running.map_or(String::new(), |k| {
                let o = &tl.tasks[k];
                format!(
                    "; the loop is running {}{}, which has not awaited for {}",
                    o.title(),
                    at_line(k),
                    ms(t_ns.saturating_sub(since(o)))
                )
            });
            format!("{} has waited {} in the ready queue{loop_is}", lane.title(), ms(held))
        }
        Some(TaskState::Running) => {
            format!("{} is running{}, {} without an await", lane.title(), at_line(task), ms(held))
        }
        Some(TaskState::Suspended) => format!("{}, for {}", task_phrase(tl, task, t_ns), ms(held)),
        _ => task_phrase(tl, task, t_ns),
    }
}
