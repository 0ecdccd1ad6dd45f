//! How each event changes the timeline: [`Timeline::push`] and what it needs (thread
//! states, wake-up edges, the signals that explain them).

use super::*;

impl Timeline {
    fn set_state(&mut self, thread: ThreadIx, t_ns: u64, s: ThreadState) {
        let Some(lane) = self.threads.get_mut(thread as usize) else { return };
        let old = lane.state();
        if old.is_end() {
            return;
        }
        push_phase(&mut lane.phases, t_ns, s);
        if s.is_end() {
            lane.end = Some(s);
        }
        // The utilisation steps of the thread's process.
        let rw = |x: ThreadState| {
            (
                i64::from(x == ThreadState::Running),
                i64::from(matches!(x, ThreadState::Running | ThreadState::WaitingGil)),
            )
        };
        let ((r1, w1), (r0, w0)) = (rw(s), rw(old));
        let (d_run, d_want) = (r1 - r0, w1 - w0);
        let p = self.thread_meta.get(thread as usize).map_or(0, |m| m.process as usize);
        if (d_run, d_want) != (0, 0)
            && let Some(u) = self.util.get_mut(p)
        {
            let (run, want) = u.last().map_or((0, 0), |x| (x.1, x.2));
            let step = (t_ns, (i64::from(run) + d_run).max(0) as u32, (i64::from(want) + d_want).max(0) as u32);
            match u.last_mut() {
                Some(last) if last.0 == t_ns => *last = step,
                _ => {
                    u.push(step);
                    if let Some(pre) = self.util_prefix.get_mut(p) {
                        note_util_block(u, pre);
                    }
                }
            }
        }
    }

    fn unblock(&mut self, thread: ThreadIx, process: u32, t_ns: u64) {
        if let Some(lane) = self.threads.get(thread as usize)
            && matches!(lane.state(), ThreadState::Blocked(_))
        {
            let s = self.ready(thread, process);
            self.set_state(thread, t_ns, s);
        }
    }

    /// The state of a thread that can go on: running — or, where its process has a GIL
    /// that another thread holds or nobody holds, waiting for it (a lock taken with the GIL
    /// released, a sleep that ended: the thread runs again only once it has the GIL).
    fn ready(&self, thread: ThreadIx, process: u32) -> ThreadState {
        // Past the event limit GIL events are no longer kept: the lane is frozen.
        if self.event_limit.is_some() {
            return ThreadState::Running;
        }
        match self.gils.get(process as usize).and_then(|g| g.phases.last()) {
            Some(p) if p.state != Some(thread) => ThreadState::WaitingGil,
            _ => ThreadState::Running,
        }
    }

    fn res_lane(&mut self, res: ResIx) -> Option<&mut ResourceLane> {
        self.resources.get_mut(res as usize)
    }

    /// What resource `res` is (None for an index the table does not have).
    pub fn kind_of(&self, res: ResIx) -> Option<ResourceKind> {
        self.resource_meta.get(res as usize).map(|r| r.kind)
    }

    fn task_state(&mut self, task: u32, t: u64, state: TaskState, on: Option<String>) {
        let Some(lane) = self.tasks.get_mut(task as usize) else { return };
        // A sleep that ended while the loop was busy: ready from its end (the loop's lag).
        if let Some(due) = lane.due_ns.take()
            && lane.state() == TaskState::Suspended
            && due < t
            && lane.phases.last().is_some_and(|p| p.start_ns < due)
        {
            push_phase(&mut lane.phases, due, TaskState::Ready);
        }
        // The step's line: where it suspended (the loop's thread is there now).
        if state != TaskState::Running
            && let Some(th) = self.threads.get(lane.thread as usize)
            && let Some(l) = th.lines.last()
            && lane.lines.last().map(|x| x.1) != Some(l.1)
            && lane.state() == TaskState::Running
        {
            lane.lines.push((t, l.1));
        }
        push_phase(&mut lane.phases, t, state);
        if let Some(on) = on {
            lane.awaits.push((t, on));
        }
    }

    /// Add one event (events must come in sequence order).
    pub fn push(&mut self, e: &Event) {
        use EventKind as K;
        let (t, th) = (e.t_ns, e.thread);
        self.end_ns = self.end_ns.max(t);
        self.n_events += 1;
        let before = self.threads.get(th as usize).and_then(|l| l.phases.last().copied());
        self.record_signal(e);
        // `Thread.start()` waits only between its StartThread and GIL release: any other
        // act of the starter means that wait is over (a thread that never started).
        if !matches!(e.kind, EventKind::StartThread { .. } | EventKind::GilReleased { .. })
            && let Some(s) = self.starting.get_mut(th as usize)
        {
            *s = None;
        }
        if e.line != 0
            && let Some(lane) = self.threads.get_mut(th as usize)
            && lane.lines.last().map(|l| l.1) != Some(e.line)
        {
            lane.lines.push((t, e.line));
        }
        let blocked = |r: ResIx| ThreadState::Blocked(WaitTarget::Resource(r));
        match &e.kind {
            K::ThreadNew { index, meta } => {
                if *index as usize == self.threads.len() {
                    self.add_thread((**meta).clone());
                }
            }
            K::ProcessNew { index, meta } => {
                if *index as usize == self.gils.len() {
                    self.add_process((**meta).clone());
                }
            }
            K::ResourceNew { index, info } => {
                if *index as usize == self.resources.len() {
                    self.add_resource((**info).clone(), t);
                }
            }
            K::ProcessExit { code } => {
                if let Some(c) = self.exit_codes.get_mut(e.process as usize) {
                    *c = Some(*code);
                }
            }
            K::VarNew { index, name } => {
                if *index as usize == self.vars.len() {
                    self.add_var(name.clone());
                }
            }
            K::ThreadStarted => {
                let s = self.ready(th, e.process);
                self.set_state(th, t, s);
                // Whoever started it goes on.
                if let Some(by) = self.started_by.get(th as usize).copied().flatten()
                    && self.starting.get(by.thread as usize).copied().flatten() == Some(th)
                {
                    self.starting[by.thread as usize] = None;
                    let process = self.thread_meta.get(by.thread as usize).map_or(e.process, |m| m.process);
                    self.unblock(by.thread, process, t);
                }
            }
            K::CpuBegin { .. } | K::CpuEnd | K::IoEnd => {
                let s = self.ready(th, e.process);
                self.set_state(th, t, s);
            }
            K::ThreadFinished => self.set_state(th, t, ThreadState::Finished),
            K::ThreadKilled => self.set_state(th, t, ThreadState::Killed),
            K::ThreadStopped => self.set_state(th, t, ThreadState::Stopped),
            K::ThreadRaised { error } => {
                if let Some(l) = self.threads.get_mut(th as usize) {
                    l.errors.push((t, (**error).clone(), false));
                }
                self.set_state(th, t, ThreadState::Raised);
            }
            K::Error { error } => {
                if let Some(l) = self.threads.get_mut(th as usize) {
                    l.errors.push((t, (**error).clone(), true));
                }
                self.unblock(th, e.process, t);
            }
            K::IoBegin { sleep, ms } => {
                if let Some(lane) = self.threads.get_mut(th as usize) {
                    lane.waits_ms.push((t, *ms));
                }
                self.set_state(th, t, if *sleep { ThreadState::Sleep } else { ThreadState::Io })
            }
            K::GilRequested => self.set_state(th, t, ThreadState::WaitingGil),
            K::GilAcquired => {
                self.set_state(th, t, ThreadState::Running);
                if let Some(g) = self.gils.get_mut(e.process as usize) {
                    push_phase(&mut g.phases, t, Some(th));
                    if let Some((rt, from, forced)) = g.last_release
                        && from != th
                    {
                        g.handoffs.push(Handoff { released_ns: rt, acquired_ns: t, from, to: th, forced });
                    }
                    g.held_since = Some(t);
                }
            }
            K::GilDropRequested => {
                if let Some(g) = self.gils.get_mut(e.process as usize) {
                    g.drop_requests.push(t);
                }
            }
            K::GilReleased { reason } => {
                if let Some(g) = self.gils.get_mut(e.process as usize) {
                    push_phase(&mut g.phases, t, None);
                    let forced = *reason == GilReason::Forced;
                    g.forced_switches += u32::from(forced);
                    g.last_release = Some((t, th, forced));
                    if let Some(s) = g.held_since.take() {
                        g.slices_ns.push(t - s);
                    }
                }
                if *reason == GilReason::Forced
                    && self.threads.get(th as usize).is_some_and(|l| l.state() == ThreadState::Running)
                {
                    self.set_state(th, t, ThreadState::WaitingGil);
                }
                // `Thread.start()` waits, the GIL released, for the new thread to start.
                if *reason == GilReason::Blocking
                    && self.threads.get(th as usize).is_some_and(|l| l.state() == ThreadState::Running)
                    && let Some(target) = self.starting.get(th as usize).copied().flatten()
                {
                    self.set_state(th, t, ThreadState::Blocked(WaitTarget::Thread(target)));
                }
            }
            K::Requested { res, .. } => {
                self.set_state(th, t, blocked(*res));
                let barrier = self.kind_of(*res) == Some(ResourceKind::Barrier);
                if let Some(l) = self.res_lane(*res) {
                    l.waiters.push(th);
                    if barrier {
                        // One more party waits.
                        let n = l.counter.last().map_or(0, |c| c.1) + 1;
                        l.counter.push((t, n));
                    }
                }
            }
            K::Acquired { res, depth, value } => {
                let s = self.ready(th, e.process);
                self.set_state(th, t, s);
                let kind = self.kind_of(*res);
                let arrow_from = self.last_release.get(*res as usize).copied().flatten();
                if let Some((rt, from)) = arrow_from
                    && from != th
                    && *depth <= 1
                {
                    self.arrows.push(Arrow { from_ns: rt, from, to_ns: t, to: th, res: *res });
                }
                if let Some(l) = self.res_lane(*res) {
                    if let Some(p) = l.waiters.iter().position(|w| *w == th) {
                        l.waiters.remove(p);
                    }
                    if *depth <= 1 && kind != Some(ResourceKind::Barrier) {
                        l.cur.add(th);
                        l.max_holders = l.max_holders.max(l.cur.count);
                        push_phase(&mut l.holders, t, l.cur);
                    }
                    match kind {
                        Some(ResourceKind::Semaphore | ResourceKind::BoundedSemaphore | ResourceKind::Barrier) => {
                            l.counter.push((t, *value))
                        }
                        Some(ResourceKind::Rlock | ResourceKind::Condition) => l.counter.push((t, i64::from(*depth))),
                        _ => {}
                    }
                }
            }
            K::Released { res, depth, value } => {
                let kind = self.kind_of(*res);
                if *depth == 0
                    && let Some(slot) = self.last_release.get_mut(*res as usize)
                {
                    *slot = Some((t, th));
                }
                if let Some(l) = self.res_lane(*res) {
                    if *depth == 0 && kind != Some(ResourceKind::Barrier) {
                        if kind == Some(ResourceKind::Lock) {
                            l.cur = HolderSet::default();
                        } else {
                            l.cur.remove(th);
                        }
                        push_phase(&mut l.holders, t, l.cur);
                    }
                    match kind {
                        Some(ResourceKind::Semaphore | ResourceKind::BoundedSemaphore) => l.counter.push((t, *value)),
                        Some(ResourceKind::Rlock | ResourceKind::Condition) => l.counter.push((t, i64::from(*depth))),
                        _ => {}
                    }
                }
            }
            K::AcquireFailed { res, .. } => {
                let s = self.ready(th, e.process);
                self.set_state(th, t, s);
                let barrier = self.kind_of(*res) == Some(ResourceKind::Barrier);
                if let Some(l) = self.res_lane(*res)
                    && let Some(p) = l.waiters.iter().position(|w| *w == th)
                {
                    l.waiters.remove(p);
                    if barrier {
                        // A broken barrier: this party no longer waits.
                        let n = (l.counter.last().map_or(0, |c| c.1) - 1).max(0);
                        l.counter.push((t, n));
                    }
                }
            }
            K::CondWait { res, .. } | K::EventWait { res, .. } | K::QueueJoinWait { res } | K::PipeWait { res, .. } => {
                self.set_state(th, t, blocked(*res));
            }
            K::ResultWait { res, .. } => self.set_state(th, t, blocked(*res)),
            K::CondWoken { .. } | K::EventWoken { .. } | K::Joined { .. } => self.unblock(th, e.process, t),
            K::QueueBlocked { res, put, .. } => {
                self.set_state(th, t, blocked(*res));
                if let Some(l) = self.res_lane(*res) {
                    if *put {
                        l.blocked_puts += 1;
                    } else {
                        l.blocked_gets += 1;
                    }
                }
            }
            K::QueuePut { res, item, len } => {
                self.unblock(th, e.process, t);
                if let Some(q) = self.pending_puts.get_mut(*res as usize * 2) {
                    q.push_back((t, th));
                }
                if let Some(l) = self.res_lane(*res) {
                    l.counter.push((t, i64::from(*len)));
                    l.max_len = l.max_len.max(*len);
                    l.puts.push(l.traffic.len() as u32);
                    l.traffic.push((t, (**item).clone(), true));
                }
            }
            K::QueueGet { res, item, len } => {
                self.unblock(th, e.process, t);
                if let Some((pt, from)) = self.pending_puts.get_mut(*res as usize * 2).and_then(VecDeque::pop_front)
                    && from != th
                {
                    self.arrows.push(Arrow { from_ns: pt, from, to_ns: t, to: th, res: *res });
                }
                if let Some(l) = self.res_lane(*res) {
                    l.counter.push((t, i64::from(*len)));
                    // FIFO so far: this get must take the oldest item still there.
                    let gets = l.traffic.len() - l.puts.len();
                    if !l.not_fifo && l.puts.get(gets).is_none_or(|p| l.traffic[*p as usize].1 != **item) {
                        l.not_fifo = true;
                    }
                    l.traffic.push((t, (**item).clone(), false));
                }
            }
            K::PipeSend { res, end, item } => {
                // What end `e` sends waits at the other end: slot res*2 + (1 - e).
                if let Some(q) = self.pending_puts.get_mut(*res as usize * 2 + 1 - (*end as usize).min(1)) {
                    q.push_back((t, th));
                }
                if let Some(l) = self.res_lane(*res) {
                    l.puts.push(l.traffic.len() as u32);
                    l.traffic.push((t, (**item).clone(), true));
                }
            }
            K::PipeRecv { res, end, item } => {
                self.unblock(th, e.process, t);
                if let Some((pt, from)) =
                    self.pending_puts.get_mut(*res as usize * 2 + (*end as usize).min(1)).and_then(VecDeque::pop_front)
                    && from != th
                {
                    self.arrows.push(Arrow { from_ns: pt, from, to_ns: t, to: th, res: *res });
                }
                if let Some(l) = self.res_lane(*res) {
                    l.traffic.push((t, (**item).clone(), false));
                }
            }
            K::JoinWait { target } => self.set_state(th, t, ThreadState::Blocked(WaitTarget::Thread(*target))),
            K::VarWrite { var, value, race_free } => {
                if let Some(l) = self.vars.get_mut(*var as usize)
                    && e.process == 0
                {
                    if let (Some(v), Some(r)) = (value.as_f64(), race_free.as_f64()) {
                        l.series.push((t, v, r));
                    }
                    l.last = Some((**value).clone());
                    l.race_free = Some((**race_free).clone());
                }
            }
            K::EventSet { res } | K::EventClear { res } => {
                let set = matches!(e.kind, K::EventSet { .. });
                if let Some(l) = self.res_lane(*res) {
                    if l.flag.is_empty() && set {
                        push_phase(&mut l.flag, 0, false);
                    }
                    push_phase(&mut l.flag, t, set);
                }
            }
            K::Print { line, .. } => self.output.push((t, th, line.clone())),
            K::Deadlock { cycle } => self.deadlock = Some((t, cycle.clone())),
            K::EventLimit { kept } => self.event_limit = Some((t, *kept)),
            K::AioTaskNew { task, names, by } => {
                let (name, coro) = (&names.name, &names.coro);
                if let Some(b) = by {
                    self.task_arrows.push(TaskArrow { from: *b, to: *task, t_ns: t, kind: TaskEdge::Spawn });
                }
                if *task as usize == self.tasks.len() {
                    let mut lane =
                        TaskLane { name: name.clone(), coro: coro.clone(), thread: th, ..TaskLane::default() };
                    push_phase(&mut lane.phases, t, TaskState::Ready);
                    self.tasks.push(lane);
                }
            }
            K::AioTaskReady { task, by } => {
                if let Some(b) = by {
                    self.task_arrows.push(TaskArrow { from: *b, to: *task, t_ns: t, kind: TaskEdge::Wake });
                }
                self.task_state(*task, t, TaskState::Ready, None);
            }
            K::AioTaskRun { task } => {
                self.task_state(*task, t, TaskState::Running, None);
                if e.line != 0
                    && let Some(lane) = self.tasks.get_mut(*task as usize)
                {
                    lane.lines.push((t, e.line));
                }
            }
            K::AioTaskWait { task, wait } => {
                self.task_state(*task, t, TaskState::Suspended, Some(wait.on.clone()));
                if let Some(lane) = self.tasks.get_mut(*task as usize) {
                    lane.due_ns = wait.until_ns;
                }
            }
            K::AioTaskEnd { task, outcome } => {
                let end = match outcome.as_str() {
                    "finished" => TaskState::Finished,
                    "cancelled" => TaskState::Cancelled,
                    _ => TaskState::Raised,
                };
                self.task_state(*task, t, end, None);
                if let Some(lane) = self.tasks.get_mut(*task as usize) {
                    lane.outcome = Some(outcome.clone());
                }
            }
            K::StartThread { target } => {
                if let Some(s) = self.started_by.get_mut(*target as usize) {
                    *s = Some(Signal { t_ns: t, thread: th, line: e.line });
                }
                if let Some(s) = self.starting.get_mut(th as usize) {
                    *s = Some(*target);
                }
            }
            K::CondNotify { .. }
            | K::QueueTaskDone { .. }
            | K::PipeClose { .. }
            | K::VarRead { .. }
            | K::TaskSubmitted { .. }
            | K::TaskStarted { .. }
            | K::TaskFinished { .. } => {}
        }
        if let Some(before) = before {
            self.record_wake(e, before);
        }
    }

    /// Remember the acts that can end another thread's wait, and why a thread begins one.
    fn record_signal(&mut self, e: &Event) {
        use EventKind as K;
        let sig = Signal { t_ns: e.t_ns, thread: e.thread, line: e.line };
        let why = match &e.kind {
            K::Requested { .. } => Some(Why::Acquire),
            K::CondWait { .. } => Some(Why::CondWait),
            K::EventWait { .. } => Some(Why::EventWait),
            K::QueueBlocked { put: true, .. } => Some(Why::QueuePut),
            K::QueueBlocked { put: false, .. } => Some(Why::QueueGet),
            K::QueueJoinWait { .. } => Some(Why::QueueJoin),
            K::PipeWait { .. } => Some(Why::PipeRecv),
            K::ResultWait { .. } => Some(Why::Result),
            K::JoinWait { .. } => Some(Why::Other),
            _ => None,
        };
        if let (Some(why), Some(slot)) = (why, self.why.get_mut(e.thread as usize)) {
            *slot = why;
        }
        if let K::GilReleased { .. } = e.kind
            && let Some(g) = self.gil_released.get_mut(e.process as usize)
        {
            *g = Some(sig);
        }
        let Some(res) = e.kind.resource() else { return };
        let Some(s) = self.signals.get_mut(res as usize) else { return };
        match &e.kind {
            K::Released { depth: 0, .. } => s.release = Some(sig),
            K::QueuePut { .. } => s.put = Some(sig),
            K::QueueGet { .. } => s.get = Some(sig),
            K::CondNotify { woken, .. } if *woken > 0 => s.notify = Some(sig),
            K::EventSet { .. } => s.set = Some(sig),
            K::QueueTaskDone { unfinished: 0, .. } => s.done = Some(sig),
            K::PipeSend { .. } => s.send = Some(sig),
            K::TaskFinished { .. } => s.finished = Some(sig),
            _ => {}
        }
    }

    /// If event `e` ended a wait of its thread (whose phase before it was `before`), add
    /// the wake-up edge: what ended it, and who.
    fn record_wake(&mut self, e: &Event, before: Phase<ThreadState>) {
        use EventKind as K;
        let th = e.thread;
        let Some(lane) = self.threads.get(th as usize) else { return };
        let now = lane.state();
        let waiting = matches!(before.state, ThreadState::Blocked(_) | ThreadState::WaitingGil);
        if !waiting || now == before.state || lane.phases.last().is_none_or(|p| p.start_ns != e.t_ns) {
            return;
        }
        let since = |s: Option<Signal>| s.filter(|s| s.t_ns >= before.start_ns && s.thread != th);
        let (cause, by) = match before.state {
            ThreadState::WaitingGil => {
                let by = since(self.gil_released.get(e.process as usize).copied().flatten());
                (WakeCause::Gil, by)
            }
            ThreadState::Blocked(WaitTarget::Thread(x)) => {
                let end = self.threads.get(x as usize).and_then(|l| {
                    let p = l.phases.last().filter(|p| p.state.is_end())?;
                    Some(Signal { t_ns: p.start_ns, thread: x, line: l.lines.last().map_or(0, |l| l.1) })
                });
                (WakeCause::ThreadEnd(x), end)
            }
            ThreadState::Blocked(WaitTarget::Resource(r)) => {
                let s = self.signals.get(r as usize).copied().unwrap_or_default();
                let why = self.why.get(th as usize).copied().unwrap_or(Why::Other);
                match why {
                    Why::Acquire => (WakeCause::Release(r), since(s.release)),
                    Why::CondWait => (WakeCause::Notify(r), since(s.notify)),
                    Why::EventWait => (WakeCause::Set(r), since(s.set)),
                    Why::QueuePut => (WakeCause::Get(r), since(s.get)),
                    Why::QueueGet => (WakeCause::Put(r), since(s.put)),
                    Why::QueueJoin => (WakeCause::TaskDone(r), since(s.done)),
                    Why::PipeRecv => (WakeCause::Send(r), since(s.send)),
                    Why::Result => (WakeCause::Finished(r), since(s.finished)),
                    Why::Other => return,
                }
            }
            _ => return,
        };
        let timed_out = match &e.kind {
            // A non-blocking attempt that failed never waited: no edge (a spin loop of them
            // would fill the memory).
            K::AcquireFailed { timed_out: false, .. } => return,
            K::AcquireFailed { .. } => true,
            K::CondWoken { notified, .. } => !notified,
            K::EventWoken { flag, .. } => !flag,
            _ => false,
        };
        let (cause, by) = if timed_out {
            (WakeCause::Timeout, None)
        } else if matches!(e.kind, K::Error { .. } | K::ThreadStopped | K::ThreadKilled | K::ThreadRaised { .. }) {
            (WakeCause::Interrupted, None)
        } else if by.is_some() {
            (cause, by)
        } else {
            // Free at once: no other thread's act ended it, so no edge (the uncontended
            // acquires of a busy lock would otherwise double the timeline's memory).
            return;
        };
        self.wakes.push(Wake { thread: th, from_ns: before.start_ns, t_ns: e.t_ns, cause, by });
    }
}

/// After a step was added to `u`: when it begins a block of [`UTIL_BLOCK`] steps, the
/// integrals (thread·ns) of running and wanting from the first step to it. Only the last step
/// is ever changed in place, and a block's integral ends at its first step's time, so what is
/// noted never goes stale.
fn note_util_block(u: &[(u64, u32, u32)], pre: &mut Vec<(u64, u64)>) {
    let i = u.len() - 1;
    if !i.is_multiple_of(UTIL_BLOCK) {
        return;
    }
    let Some(&last) = pre.last() else {
        pre.push((0, 0));
        return;
    };
    pre.push(integrate(last, &u[i - UTIL_BLOCK..=i]));
}
