//! `queue.Queue` / `multiprocessing.Queue` and `multiprocessing.Pipe`, with Python's
//! blocking, timeouts and exceptions (`queue.Full`, `queue.Empty`, `EOFError`).

use crate::cv::Cv;
use crate::rt::{Ctx, Unwind, Waitable};
use parking_lot::{Mutex, MutexGuard};
use std::collections::VecDeque;
use threadline_model::event::{EventKind, ResIx, WaitTarget};
use threadline_model::pyerror::PyError;
use threadline_model::value::Value;

fn check_timeout(block: bool, timeout_ms: Option<f64>) -> Result<Option<f64>, Unwind> {
    if timeout_ms.is_some_and(|t| t < 0.0) {
        return Err(PyError::new("ValueError", "'timeout' must be a non-negative number").into());
    }
    // Python ignores the timeout of a non-blocking call.
    Ok(if block { timeout_ms } else { None })
}

// ------------------------------------------------------------------ Queue

/// What a queue or pipe can carry: anything that can be shown in an event.
pub trait QueueItem: Clone + Send + Sync + 'static {
    /// The item as events record it.
    fn snapshot(&self) -> Value;
    /// Whether `self` comes out of a `PriorityQueue` before `other`.
    fn before(&self, _other: &Self) -> bool {
        false
    }
}

impl QueueItem for Value {
    fn snapshot(&self) -> Value {
        self.clone()
    }
}

/// Which item `get` takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum QueueOrder {
    /// `queue.Queue`: first in, first out.
    #[default]
    Fifo,
    /// `queue.LifoQueue`: last in, first out.
    Lifo,
    /// `queue.PriorityQueue`: the smallest first.
    Priority,
}

/// A queue with an optional `maxsize` (0 means unbounded).
pub struct Queue<T: QueueItem = Value> {
    id: ResIx,
    maxsize: usize,
    order: QueueOrder,
    st: Mutex<QueueState<T>>,
    cv: Cv,
}

struct QueueState<T> {
    items: VecDeque<T>,
    unfinished: u32,
    /// A `PriorityQueue`'s heap is being reordered outside the lock (a user's `__lt__`
    /// runs Python, which may block or touch this queue): other puts and gets wait, as they
    /// wait for the queue's `mutex` in CPython.
    busy: bool,
}

/// How a `PriorityQueue` compares two items: `a < b` (a user's `__lt__` may run here).
pub type Less<'a, T> = &'a mut dyn FnMut(&T, &T) -> bool;

/// Add an item: at the back, or into the heap as `heapq.heappush` does.
fn push_item<T>(items: &mut VecDeque<T>, order: QueueOrder, item: T, less: Less<'_, T>) {
    items.push_back(item);
    if order == QueueOrder::Priority {
        let last = items.len() - 1;
        sift_down(items, 0, last, less);
    }
}

/// The next item out: the front, the back, or the heap's smallest as `heapq.heappop`.
fn take_item<T>(items: &mut VecDeque<T>, order: QueueOrder, less: Less<'_, T>) -> Option<T> {
    match order {
        QueueOrder::Fifo => items.pop_front(),
        QueueOrder::Lifo => items.pop_back(),
        QueueOrder::Priority => {
            // `heapq.heappop`: the last item goes to the root and sifts up.
            let last = items.pop_back()?;
            if items.is_empty() {
                return Some(last);
            }
            let top = std::mem::replace(&mut items[0], last);
            sift_up(items, 0, less);
            Some(top)
        }
    }
}

/// `heapq._siftdown`: move the item at `pos` towards `start` while it is smaller than its parent.
fn sift_down<T>(heap: &mut VecDeque<T>, start: usize, mut pos: usize, less: Less<'_, T>) {
    while pos > start {
        let parent = (pos - 1) >> 1;
        if less(&heap[pos], &heap[parent]) {
            heap.swap(pos, parent);
            pos = parent;
        } else {
            break;
        }
    }
}

/// `heapq._siftup`: move the smaller child up until a leaf, then sift down from there
/// (CPython's order of comparisons, so ties come out as they do in CPython).
fn sift_up<T>(heap: &mut VecDeque<T>, mut pos: usize, less: Less<'_, T>) {
    let (end, start) = (heap.len(), pos);
    let mut child = 2 * pos + 1;
    while child < end {
        let right = child + 1;
        if right < end && !less(&heap[child], &heap[right]) {
            child = right;
        }
        heap.swap(pos, child);
        pos = child;
        child = 2 * pos + 1;
    }
    sift_down(heap, start, pos, less);
}

impl Queue<Value> {
    /// `Queue(maxsize)` for resource `id`.
    pub fn new(id: ResIx, maxsize: usize) -> Self {
        Self::with_order(id, maxsize, QueueOrder::Fifo)
    }
}

impl<T: QueueItem> Queue<T> {
    /// A queue for resource `id` taking items in `order`.
    pub fn with_order(id: ResIx, maxsize: usize, order: QueueOrder) -> Self {
        Self {
            id,
            maxsize,
            order,
            st: Mutex::new(QueueState { items: VecDeque::new(), unfinished: 0, busy: false }),
            cv: Cv::new(),
        }
    }

    /// `Queue.unfinished_tasks`: items put and not yet marked done by `task_done()`.
    pub fn unfinished(&self) -> u32 {
        self.st.lock().unfinished
    }

    /// The items now, first out first.
    pub fn items(&self) -> Vec<T> {
        self.st.lock().items.iter().cloned().collect()
    }

    /// `maxsize`.
    pub fn maxsize(&self) -> usize {
        self.maxsize
    }

    /// `q.qsize()`.
    pub fn qsize(&self) -> usize {
        self.st.lock().items.len()
    }

    fn full(&self, st: &QueueState<T>) -> bool {
        self.maxsize > 0 && st.items.len() >= self.maxsize
    }

    /// The queue's state once no reordering is going on (waiting for it, as for CPython's
    /// queue `mutex`, with the GIL released).
    fn lock_settled(&self, ctx: &Ctx) -> Result<MutexGuard<'_, QueueState<T>>, Unwind> {
        loop {
            let st = self.st.lock();
            if !st.busy {
                return Ok(st);
            }
            drop(st);
            ctx.blocking(WaitTarget::Resource(self.id), false, || {
                let mut st = self.st.lock();
                ctx.wait_until(&self.cv, &mut st, None, |s| !s.busy)?;
                Ok(())
            })?;
        }
    }

    /// Change the items with `f`: under the lock for a FIFO or LIFO queue; for a
    /// `PriorityQueue`, whose comparisons run Python, on a copy outside the lock while the
    /// queue is marked busy (so `__lt__` may block, or even call this queue, without
    /// holding a Rust lock nothing can release), then put back.
    fn reorder<'g, R>(
        &'g self,
        mut st: MutexGuard<'g, QueueState<T>>,
        f: impl FnOnce(&mut VecDeque<T>) -> R,
    ) -> (MutexGuard<'g, QueueState<T>>, R) {
        if self.order != QueueOrder::Priority {
            let r = f(&mut st.items);
            return (st, r);
        }
        st.busy = true;
        let mut items = st.items.clone();
        drop(st);
        let r = f(&mut items);
        let mut st = self.st.lock();
        st.items = items;
        st.busy = false;
        self.cv.notify_all();
        (st, r)
    }

    /// `q.put(item, block, timeout)`; raises `queue.Full`.
    pub fn put(&self, ctx: &Ctx, item: T, block: bool, timeout_ms: Option<f64>) -> Result<(), Unwind> {
        self.put_by(ctx, item, block, timeout_ms, &mut |a: &T, b: &T| a.before(b))
    }

    /// `put`, comparing items of a `PriorityQueue` with `less`.
    pub fn put_by(
        &self,
        ctx: &Ctx,
        item: T,
        block: bool,
        timeout_ms: Option<f64>,
        less: Less<'_, T>,
    ) -> Result<(), Unwind> {
        let timeout_ms = check_timeout(block, timeout_ms)?;
        let res = self.id;
        let order = self.order;
        let mut push = |st: MutexGuard<'_, QueueState<T>>, item: T| {
            let shown = item.snapshot();
            let (mut st, ()) = self.reorder(st, |items| push_item(items, order, item, less));
            st.unfinished += 1;
            ctx.record(EventKind::QueuePut { res, item: Box::from(shown), len: st.items.len() as u32 });
            self.cv.notify_all();
        };
        {
            let st = self.lock_settled(ctx)?;
            if !self.full(&st) {
                push(st, item);
                return Ok(());
            }
            if !block {
                return Err(PyError::queue_full().into());
            }
            ctx.record(EventKind::QueueBlocked { res, put: true, timeout_ms });
        }
        let dl = timeout_ms.map(|ms| ctx.now() + ctx.scaled(ms));
        ctx.blocking(WaitTarget::Resource(res), dl.is_some(), || {
            let mut st = self.st.lock();
            if ctx.wait_until(&self.cv, &mut st, dl, |s| !s.busy && !self.full(s))? {
                push(st, item);
                Ok(())
            } else {
                Err(PyError::queue_full().into())
            }
        })
    }

    /// `q.get(block, timeout)`; raises `queue.Empty`.
    pub fn get(&self, ctx: &Ctx, block: bool, timeout_ms: Option<f64>) -> Result<T, Unwind> {
        self.get_by(ctx, block, timeout_ms, &mut |a: &T, b: &T| a.before(b))
    }

    /// `get`, comparing items of a `PriorityQueue` with `less`.
    pub fn get_by(&self, ctx: &Ctx, block: bool, timeout_ms: Option<f64>, less: Less<'_, T>) -> Result<T, Unwind> {
        let timeout_ms = check_timeout(block, timeout_ms)?;
        let res = self.id;
        let order = self.order;
        let mut pop = |st: MutexGuard<'_, QueueState<T>>| -> Result<T, Unwind> {
            let (st, item) = self.reorder(st, |items| take_item(items, order, less));
            let item = item.ok_or_else(PyError::queue_empty)?;
            ctx.record(EventKind::QueueGet { res, item: Box::from(item.snapshot()), len: st.items.len() as u32 });
            self.cv.notify_all();
            Ok(item)
        };
        {
            let st = self.lock_settled(ctx)?;
            if !st.items.is_empty() {
                return pop(st);
            }
            if !block {
                return Err(PyError::queue_empty().into());
            }
            ctx.record(EventKind::QueueBlocked { res, put: false, timeout_ms });
        }
        let dl = timeout_ms.map(|ms| ctx.now() + ctx.scaled(ms));
        ctx.blocking(WaitTarget::Resource(res), dl.is_some(), || {
            let mut st = self.st.lock();
            if ctx.wait_until(&self.cv, &mut st, dl, |s| !s.busy && !s.items.is_empty())? {
                pop(st)
            } else {
                Err(PyError::queue_empty().into())
            }
        })
    }

    /// `q.task_done()`.
    pub fn task_done(&self, ctx: &Ctx) -> Result<(), Unwind> {
        let mut st = self.st.lock();
        if st.unfinished == 0 {
            return Err(PyError::task_done_too_many().into());
        }
        st.unfinished -= 1;
        ctx.record(EventKind::QueueTaskDone { res: self.id, unfinished: st.unfinished });
        self.cv.notify_all();
        Ok(())
    }

    /// `q.join()`: wait until every item put has been marked done.
    pub fn join(&self, ctx: &Ctx) -> Result<(), Unwind> {
        {
            let st = self.st.lock();
            if st.unfinished == 0 {
                return Ok(());
            }
            ctx.record(EventKind::QueueJoinWait { res: self.id });
        }
        ctx.blocking(WaitTarget::Resource(self.id), false, || {
            let mut st = self.st.lock();
            ctx.wait_until(&self.cv, &mut st, None, |s| s.unfinished == 0)?;
            Ok(())
        })
    }
}

impl<T: QueueItem> Waitable for Queue<T> {
    fn wake_all(&self) {
        let _st = self.st.lock();
        self.cv.notify_all();
    }
    fn resource(&self) -> Option<ResIx> {
        Some(self.id)
    }
}

// ------------------------------------------------------------------ Pipe

/// `multiprocessing.Pipe(duplex)`: two connection ends, 0 and 1. One-way pipes receive on
/// end 0 and send on end 1, as `r, w = Pipe(duplex=False)`.
pub struct Pipe<T: QueueItem = Value> {
    id: ResIx,
    duplex: bool,
    st: Mutex<PipeState<T>>,
    cv: Cv,
}

struct PipeState<T> {
    /// `inbox[e]`: items waiting to be received on end `e`.
    inbox: [VecDeque<T>; 2],
    /// `open[e]`: the processes holding end `e` open. A forked child inherits every end its
    /// parent holds (file descriptors are copied at `fork`); `close()` closes the calling
    /// process's copy, and an end is closed — its peer reads EOF, writes to it break — when
    /// no process holds it any more, as with a pipe's descriptors.
    open: [Vec<u32>; 2],
}

impl<T> PipeState<T> {
    fn closed(&self, e: usize) -> bool {
        self.open[e].is_empty()
    }
}

impl Pipe<Value> {
    /// A pipe for resource `id`, made in process 0.
    pub fn new(id: ResIx, duplex: bool) -> Self {
        Self::new_generic(id, duplex, 0)
    }
}

impl<T: QueueItem> Pipe<T> {
    /// A pipe for resource `id` carrying `T`, made in `process` (which holds both ends).
    pub fn new_generic(id: ResIx, duplex: bool, process: u32) -> Self {
        Self {
            id,
            duplex,
            st: Mutex::new(PipeState {
                inbox: [VecDeque::new(), VecDeque::new()],
                open: [vec![process], vec![process]],
            }),
            cv: Cv::new(),
        }
    }

    /// `fork()`: `child` gets a copy of every end `parent` holds open.
    pub fn inherit(&self, parent: u32, child: u32) {
        let mut st = self.st.lock();
        for holders in &mut st.open {
            if holders.contains(&parent) && !holders.contains(&child) {
                holders.push(child);
            }
        }
    }

    /// Process `process` exited: its copies of both ends close.
    pub fn close_all_of(&self, ctx: &Ctx, process: u32) {
        for end in 0..2u8 {
            self.close_in(ctx, end, process);
        }
    }

    fn close_in(&self, ctx: &Ctx, end: u8, process: u32) {
        let e = end as usize;
        let mut st = self.st.lock();
        let Some(at) = st.open[e].iter().position(|&p| p == process) else { return };
        st.open[e].swap_remove(at);
        if st.closed(e) {
            ctx.record(EventKind::PipeClose { res: self.id, end });
            self.cv.notify_all();
        }
    }

    /// `conn.poll()`: whether an item is waiting on `end`.
    pub fn poll(&self, end: u8) -> bool {
        self.st.lock().inbox.get(end as usize).is_some_and(|q| !q.is_empty())
    }

    fn check_end(&self, end: u8) -> Result<usize, Unwind> {
        if end > 1 {
            return Err(PyError::new("ValueError", format!("a pipe has ends 0 and 1, not {end}")).into());
        }
        Ok(end as usize)
    }

    /// `conn.send(item)` on `end`.
    pub fn send(&self, ctx: &Ctx, end: u8, item: T) -> Result<(), Unwind> {
        let e = self.check_end(end)?;
        if !self.duplex && e == 0 {
            return Err(PyError::new("OSError", "connection is read-only").into());
        }
        let mut st = self.st.lock();
        if !st.open[e].contains(&ctx.process) {
            return Err(PyError::handle_closed().into());
        }
        if st.closed(1 - e) {
            return Err(PyError::new("BrokenPipeError", "[Errno 32] Broken pipe").into());
        }
        let shown = item.snapshot();
        st.inbox[1 - e].push_back(item);
        ctx.record(EventKind::PipeSend { res: self.id, end, item: Box::from(shown) });
        self.cv.notify_all();
        Ok(())
    }

    /// `conn.recv()` on `end`: blocks until an item arrives; `EOFError` once the other end
    /// is closed and nothing is left.
    pub fn recv(&self, ctx: &Ctx, end: u8) -> Result<T, Unwind> {
        let e = self.check_end(end)?;
        if !self.duplex && e == 1 {
            return Err(PyError::new("OSError", "connection is write-only").into());
        }
        let res = self.id;
        let take = |st: &mut PipeState<T>| -> Result<T, Unwind> {
            match st.inbox[e].pop_front() {
                Some(item) => {
                    ctx.record(EventKind::PipeRecv { res, end, item: Box::from(item.snapshot()) });
                    Ok(item)
                }
                None => Err(PyError::eof().into()),
            }
        };
        {
            let st = self.st.lock();
            if !st.open[e].contains(&ctx.process) {
                return Err(PyError::handle_closed().into());
            }
            if !st.inbox[e].is_empty() || st.closed(1 - e) {
                let mut st = st;
                return take(&mut st);
            }
            ctx.record(EventKind::PipeWait { res, end });
        }
        ctx.blocking(WaitTarget::Resource(res), false, || {
            let mut st = self.st.lock();
            ctx.wait_until(&self.cv, &mut st, None, |s| !s.inbox[e].is_empty() || s.closed(1 - e))?;
            take(&mut st)
        })
    }

    /// `conn.close()` on `end`: the calling process's copy.
    pub fn close(&self, ctx: &Ctx, end: u8) -> Result<(), Unwind> {
        self.check_end(end)?;
        self.close_in(ctx, end, ctx.process);
        Ok(())
    }
}

impl<T: QueueItem> Waitable for Pipe<T> {
    fn wake_all(&self) {
        let _st = self.st.lock();
        self.cv.notify_all();
    }
    fn resource(&self) -> Option<ResIx> {
        Some(self.id)
    }
}
