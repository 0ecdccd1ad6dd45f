//! asyncio's `Lock`, `Event`, `Condition`, `Semaphore`, `BoundedSemaphore`, queues and
//! `Barrier`: waiters as futures, woken in CPython's order.

use super::*;

// ------------------------------------------------------------------ primitives

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PrimKind {
    Lock,
    Event,
    Semaphore { bounded: Option<i64> },
    Queue { maxsize: i64 },
    Barrier { parties: i64 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PrimOp {
    Acquire,
    Wait,
    Get,
    Put,
    Join,
}

pub(crate) struct PrimState {
    /// Lock: locked (0/1); Semaphore: its value; Event: set (0/1).
    pub(crate) value: i64,
    pub(crate) waiters: VecDeque<V>,
    /// Queue: items, putters' futures, unfinished tasks, join waiters.
    pub(crate) items: VecDeque<V>,
    pub(crate) putters: VecDeque<V>,
    pub(crate) unfinished: i64,
    pub(crate) joiners: VecDeque<V>,
    /// A barrier's waiters and the arrival index each will return.
    pub(crate) arrivals: Vec<(V, i64)>,
}

/// `asyncio.Lock`, `Event`, `Semaphore`/`BoundedSemaphore` or `Queue`.
pub struct Prim {
    pub(crate) kind: PrimKind,
    pub(crate) st: Mutex<PrimState>,
    /// A queue's order: FIFO, LIFO, or a heap by the items' `<` (as `heapq`).
    pub(crate) order: QOrder,
}

/// The order a queue hands its items out in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum QOrder {
    Fifo,
    Lifo,
    Priority,
}

/// heapq's `heappush`: append, then sift the new item up by `<`.
pub(crate) fn heap_push(it: &mut Interp<'_>, heap: &mut Vec<V>, item: V) -> R<()> {
    heap.push(item);
    let last = heap.len() - 1;
    sift_down(it, heap, 0, last)
}

/// heapq's `heappop`.
pub(crate) fn heap_pop(it: &mut Interp<'_>, heap: &mut Vec<V>) -> R<Option<V>> {
    let Some(last) = heap.pop() else { return Ok(None) };
    if heap.is_empty() {
        return Ok(Some(last));
    }
    let top = std::mem::replace(&mut heap[0], last);
    // _siftup: move the smaller child up until a leaf, then sift the item down into place.
    let end = heap.len();
    let mut pos = 0;
    let mut child = 1;
    while child < end {
        let right = child + 1;
        if right < end && !it.compare(crate::py::ir::CmpOp::Lt, &heap[child], &heap[right])? {
            child = right;
        }
        heap.swap(pos, child);
        pos = child;
        child = 2 * pos + 1;
    }
    sift_down(it, heap, 0, pos)?;
    Ok(Some(top))
}

/// heapq's `_siftdown`.
pub(crate) fn sift_down(it: &mut Interp<'_>, heap: &mut [V], start: usize, mut pos: usize) -> R<()> {
    while pos > start {
        let parent = (pos - 1) >> 1;
        if it.compare(crate::py::ir::CmpOp::Lt, &heap[pos], &heap[parent])? {
            heap.swap(pos, parent);
            pos = parent;
        } else {
            break;
        }
    }
    Ok(())
}

impl Prim {
    /// Take the next item by the queue's order. A priority queue's comparisons run with its
    /// items out of the state (a `__lt__` that touches the queue sees it empty, not a lock).
    pub(crate) fn take_item(
        &self,
        it: &mut Interp<'_>,
        st: &mut threadline_runtime::footprint::MutexGuard<'_, PrimState>,
    ) -> R<Option<V>> {
        match self.order {
            QOrder::Fifo => Ok(st.items.pop_front()),
            QOrder::Lifo => Ok(st.items.pop_back()),
            QOrder::Priority => {
                let mut heap: Vec<V> = std::mem::take(&mut st.items).into();
                let r = threadline_runtime::footprint::MutexGuard::unlocked(st, || heap_pop(it, &mut heap));
                st.items = heap.into();
                r
            }
        }
    }

    /// Add an item by the queue's order.
    pub(crate) fn add_item(
        &self,
        it: &mut Interp<'_>,
        st: &mut threadline_runtime::footprint::MutexGuard<'_, PrimState>,
        item: V,
    ) -> R<()> {
        if self.order != QOrder::Priority {
            st.items.push_back(item);
            return Ok(());
        }
        let mut heap: Vec<V> = std::mem::take(&mut st.items).into();
        let r = threadline_runtime::footprint::MutexGuard::unlocked(st, || heap_push(it, &mut heap, item));
        st.items = heap.into();
        r
    }
}

pub(crate) enum Attempt {
    Done(V),
    Wait(V),
}

pub(crate) fn fut_done(v: &V) -> bool {
    as_fut(v).is_some_and(|f| f.done())
}

pub(crate) fn fut_cancelled(v: &V) -> bool {
    as_fut(v).is_some_and(|f| f.st.lock().state == State::Cancelled)
}

/// Wake the first waiter still waiting, leaving it in the queue (a lock's `_wake_up_first`).
pub(crate) fn wake_first_queued(waiters: &VecDeque<V>) {
    if let Some(w) = waiters.iter().find(|w| !fut_done(w))
        && let Some(f) = as_fut(w)
    {
        let _ = f.set_result(w, V::Bool(true));
    }
}

/// Wake the first waiter still waiting: its future's result is set.
pub(crate) fn wake_first(waiters: &mut VecDeque<V>, value: V) -> Option<V> {
    while let Some(w) = waiters.pop_front() {
        if !fut_done(&w) {
            if let Some(f) = as_fut(&w) {
                let _ = f.set_result(&w, value);
            }
            return Some(w);
        }
    }
    None
}

impl Prim {
    pub(crate) fn new(kind: PrimKind, value: i64) -> Arc<Prim> {
        Self::new_queue(kind, value, QOrder::Fifo)
    }

    pub(crate) fn new_queue(kind: PrimKind, value: i64, order: QOrder) -> Arc<Prim> {
        Arc::new(Prim {
            kind,
            order,
            st: Mutex::new(PrimState {
                value,
                waiters: VecDeque::new(),
                items: VecDeque::new(),
                putters: VecDeque::new(),
                unfinished: 0,
                joiners: VecDeque::new(),
                arrivals: Vec::new(),
            }),
        })
    }

    /// Try the operation; if it must wait, a future to wait on (after which it is tried again).
    pub(crate) fn attempt(&self, it: &mut Interp<'_>, op: PrimOp, waited: Option<&V>, item: V) -> R<Attempt> {
        let lp = loop_of(it)?;
        let mut st = self.st.lock();
        match (self.kind, op) {
            (PrimKind::Lock, _) => {
                if let Some(w) = waited {
                    // Woken by release(): the lock was handed to us.
                    st.waiters.retain(|x| !x.is(w));
                    st.value = 1;
                    return Ok(Attempt::Done(V::Bool(true)));
                }
                if st.value == 0 && st.waiters.iter().all(fut_cancelled) {
                    st.value = 1;
                    return Ok(Attempt::Done(V::Bool(true)));
                }
            }
            (PrimKind::Event, _) => {
                // Woken by set(): done, even if the event was cleared since (as CPython's).
                if let Some(w) = waited {
                    st.waiters.retain(|x| !x.is(w));
                    return Ok(Attempt::Done(V::Bool(true)));
                }
                if st.value != 0 {
                    return Ok(Attempt::Done(V::Bool(true)));
                }
            }
            (PrimKind::Semaphore { .. }, _) => {
                if let Some(w) = waited {
                    st.waiters.retain(|x| !x.is(w));
                    // release() counted us in already.
                    while st.value > 0 && wake_first(&mut st.waiters, V::Bool(true)).is_some() {
                        st.value -= 1;
                    }
                    return Ok(Attempt::Done(V::Bool(true)));
                }
                let locked = st.value == 0 || st.waiters.iter().any(|w| !fut_cancelled(w));
                if !locked {
                    st.value -= 1;
                    return Ok(Attempt::Done(V::Bool(true)));
                }
            }
            (PrimKind::Barrier { parties }, _) => {
                if let Some(w) = waited {
                    let i = st.arrivals.iter().position(|(f, _)| f.is(w));
                    let index = i.map_or(0, |i| st.arrivals.remove(i).1);
                    return Ok(Attempt::Done(V::Int(index)));
                }
                let index = st.value;
                st.value += 1;
                if st.value >= parties {
                    // The last to arrive releases everyone; the barrier fills again.
                    st.value = 0;
                    let ws: Vec<V> = st.waiters.drain(..).collect();
                    for w in ws {
                        if let Some(f) = as_fut(&w)
                            && !f.done()
                        {
                            let _ = f.set_result(&w, V::None);
                        }
                    }
                    return Ok(Attempt::Done(V::Int(index)));
                }
                let f = fut_value(new_fut(&lp, None, "Barrier.wait()".into()));
                st.waiters.push_back(f.clone());
                st.arrivals.push((f.clone(), index));
                return Ok(Attempt::Wait(f));
            }
            (PrimKind::Queue { .. }, PrimOp::Get) => {
                if let Some(w) = waited {
                    st.waiters.retain(|x| !x.is(w));
                }
                if let Some(item) = self.take_item(it, &mut st)? {
                    wake_first(&mut st.putters, V::None);
                    return Ok(Attempt::Done(item));
                }
            }
            (PrimKind::Queue { maxsize }, PrimOp::Put) => {
                if let Some(w) = waited {
                    st.putters.retain(|x| !x.is(w));
                }
                if maxsize <= 0 || (st.items.len() as i64) < maxsize {
                    self.add_item(it, &mut st, item)?;
                    st.unfinished += 1;
                    wake_first(&mut st.waiters, V::None);
                    return Ok(Attempt::Done(V::None));
                }
                let f = fut_value(new_fut(&lp, None, "Queue.put()".into()));
                st.putters.push_back(f.clone());
                return Ok(Attempt::Wait(f));
            }
            (PrimKind::Queue { .. }, _) => {
                if st.unfinished == 0 {
                    return Ok(Attempt::Done(V::None));
                }
                let f = fut_value(new_fut(&lp, None, "Queue.join()".into()));
                st.joiners.push_back(f.clone());
                return Ok(Attempt::Wait(f));
            }
        }
        let label = match self.kind {
            PrimKind::Lock => "Lock.acquire()",
            PrimKind::Event => "Event.wait()",
            PrimKind::Semaphore { .. } => "Semaphore.acquire()",
            PrimKind::Queue { .. } => "Queue.get()",
            PrimKind::Barrier { .. } => "Barrier.wait()",
        };
        let f = fut_value(new_fut(&lp, None, label.into()));
        st.waiters.push_back(f.clone());
        Ok(Attempt::Wait(f))
    }

    /// A waiter was cancelled: take it out (and pass a lock or a semaphore's count on).
    pub(crate) fn forget(&self, _op: PrimOp, fut: &V) {
        let mut st = self.st.lock();
        st.waiters.retain(|x| !x.is(fut));
        st.putters.retain(|x| !x.is(fut));
        let granted = fut_done(fut) && !fut_cancelled(fut);
        if let Some(i) = st.arrivals.iter().position(|(f, _)| f.is(fut)) {
            // A waiter cancelled before the barrier filled takes its arrival back.
            st.arrivals.remove(i);
            if !granted {
                st.value -= 1;
            }
        }
        match self.kind {
            PrimKind::Lock if granted => {
                wake_first_queued(&st.waiters);
            }
            PrimKind::Semaphore { .. } if granted => {
                st.value += 1;
                while st.value > 0 && wake_first(&mut st.waiters, V::Bool(true)).is_some() {
                    st.value -= 1;
                }
            }
            // A woken getter or putter cancelled before it ran: the wake-up goes to the next.
            PrimKind::Queue { maxsize } if granted => {
                if !st.items.is_empty() {
                    wake_first(&mut st.waiters, V::None);
                }
                if maxsize <= 0 || (st.items.len() as i64) < maxsize {
                    wake_first(&mut st.putters, V::None);
                }
            }
            _ => {}
        }
    }
}

pub(crate) fn prim_method(it: &mut Interp<'_>, p: &Arc<Prim>, name: &str, pos: Vec<V>, mut kw: Kw) -> R<V> {
    let wait =
        |op: PrimOp, n: &'static str| awaitable(n, AwaitState::Prim { prim: p.clone(), op, fut: None, item: V::None });
    match (p.kind, name) {
        (PrimKind::Lock, "acquire") => Ok(wait(PrimOp::Acquire, "acquire")),
        (PrimKind::Lock, "release") => {
            let mut st = p.st.lock();
            if st.value == 0 {
                return raise("RuntimeError", "Lock is not acquired.");
            }
            // Unlocked now; the first waiter is woken and takes it when it runs (until then
            // it stays queued, so nobody else can take the lock first), as CPython 3.11's.
            st.value = 0;
            wake_first_queued(&st.waiters);
            Ok(V::None)
        }
        (PrimKind::Lock, "locked") => Ok(V::Bool(p.st.lock().value != 0)),
        (PrimKind::Lock | PrimKind::Semaphore { .. }, "__aenter__") => Ok(wait(PrimOp::Acquire, "acquire")),
        (PrimKind::Lock | PrimKind::Semaphore { .. }, "__aexit__") => {
            prim_method(it, p, "release", Vec::new(), Vec::new())?;
            Ok(awaitable("__aexit__", AwaitState::Ready(V::None)))
        }
        (PrimKind::Event, "wait") => Ok(wait(PrimOp::Wait, "wait")),
        (PrimKind::Event, "set") => {
            let mut st = p.st.lock();
            if st.value == 0 {
                st.value = 1;
                let ws: Vec<V> = st.waiters.drain(..).collect();
                drop(st);
                for w in ws {
                    if let Some(f) = as_fut(&w)
                        && !f.done()
                    {
                        f.set_result(&w, V::Bool(true))?;
                    }
                }
            }
            Ok(V::None)
        }
        (PrimKind::Event, "clear") => {
            p.st.lock().value = 0;
            Ok(V::None)
        }
        (PrimKind::Event, "is_set") => Ok(V::Bool(p.st.lock().value != 0)),
        (PrimKind::Semaphore { .. }, "acquire") => Ok(wait(PrimOp::Acquire, "acquire")),
        (PrimKind::Semaphore { bounded }, "release") => {
            let mut st = p.st.lock();
            if let Some(b) = bounded
                && st.value >= b
            {
                return raise("ValueError", "BoundedSemaphore released too many times");
            }
            st.value += 1;
            if st.value > 0 && wake_first(&mut st.waiters, V::Bool(true)).is_some() {
                st.value -= 1;
            }
            Ok(V::None)
        }
        (PrimKind::Semaphore { .. }, "locked") => {
            let st = p.st.lock();
            Ok(V::Bool(st.value == 0 || st.waiters.iter().any(|w| !fut_cancelled(w))))
        }
        (PrimKind::Barrier { .. }, "wait") => Ok(wait(PrimOp::Wait, "wait")),
        (PrimKind::Barrier { .. }, "abort" | "reset") => {
            raise("NotImplementedError", format!("asyncio.Barrier.{name}() is not supported yet"))
        }
        (PrimKind::Queue { .. }, "get") => Ok(wait(PrimOp::Get, "get")),
        (PrimKind::Queue { .. }, "put") => {
            let item = libobj::arg(&pos, &mut kw, 0, "item").unwrap_or_default();
            Ok(awaitable("put", AwaitState::Prim { prim: p.clone(), op: PrimOp::Put, fut: None, item }))
        }
        (PrimKind::Queue { .. }, "join") => Ok(wait(PrimOp::Join, "join")),
        (PrimKind::Queue { .. }, "get_nowait") => {
            let mut st = p.st.lock();
            match p.take_item(it, &mut st)? {
                Some(v) => {
                    wake_first(&mut st.putters, V::None);
                    Ok(v)
                }
                None => {
                    drop(st);
                    libobj::raise_in(&queue_empty_class(), "")
                }
            }
        }
        (PrimKind::Queue { maxsize }, "put_nowait") => {
            let item = libobj::arg(&pos, &mut kw, 0, "item").unwrap_or_default();
            let mut st = p.st.lock();
            if maxsize > 0 && st.items.len() as i64 >= maxsize {
                drop(st);
                return libobj::raise_in(&queue_full_class(), "");
            }
            p.add_item(it, &mut st, item)?;
            st.unfinished += 1;
            wake_first(&mut st.waiters, V::None);
            Ok(V::None)
        }
        (PrimKind::Queue { .. }, "task_done") => {
            let mut st = p.st.lock();
            if st.unfinished <= 0 {
                return raise("ValueError", "task_done() called too many times");
            }
            st.unfinished -= 1;
            if st.unfinished == 0 {
                let js: Vec<V> = st.joiners.drain(..).collect();
                drop(st);
                for j in js {
                    if let Some(f) = as_fut(&j)
                        && !f.done()
                    {
                        f.set_result(&j, V::None)?;
                    }
                }
            }
            Ok(V::None)
        }
        (PrimKind::Queue { .. }, "qsize") => Ok(V::Int(p.st.lock().items.len() as i64)),
        (PrimKind::Queue { .. }, "empty") => Ok(V::Bool(p.st.lock().items.is_empty())),
        (PrimKind::Queue { maxsize }, "full") => Ok(V::Bool(maxsize > 0 && p.st.lock().items.len() as i64 >= maxsize)),
        (PrimKind::Queue { maxsize }, "maxsize") => Ok(V::Int(maxsize)),
        _ => raise("AttributeError", format!("'{}' object has no attribute '{name}'", prim_type(p))),
    }
}

pub(crate) fn prim_type(p: &Prim) -> &'static str {
    match p.kind {
        PrimKind::Lock => "Lock",
        PrimKind::Event => "Event",
        PrimKind::Semaphore { bounded: None } => "Semaphore",
        PrimKind::Semaphore { bounded: Some(_) } => "BoundedSemaphore",
        PrimKind::Barrier { .. } => "Barrier",
        PrimKind::Queue { .. } => match p.order {
            QOrder::Fifo => "Queue",
            QOrder::Lifo => "LifoQueue",
            QOrder::Priority => "PriorityQueue",
        },
    }
}

pub(crate) fn prim(p: Arc<Prim>) -> V {
    V::Native(Arc::new(Native::Aio(Obj::Prim(p))))
}
