//! `queue.Queue` / `multiprocessing.Queue` and `multiprocessing.Pipe`, with Python's
//! blocking, timeouts and exceptions (`queue.Full`, `queue.Empty`, `EOFError`).

use crate::event::{EventKind, ResIx, WaitTarget};
use crate::pyerror::PyError;
use crate::rt::{Ctx, Unwind, Waitable};
use crate::value::Value;
use parking_lot::{Condvar, Mutex};
use std::collections::VecDeque;
use std::time::Instant;

fn check_timeout(block: bool, timeout_ms: Option<f64>) -> Result<Option<f64>, Unwind> {
    if timeout_ms.is_some_and(|t| t < 0.0) {
        return Err(PyError::new("ValueError", "'timeout' must be a non-negative number").into());
    }
    // Python ignores the timeout of a non-blocking call.
    Ok(if block { timeout_ms } else { None })
}

// ------------------------------------------------------------------ Queue

/// A FIFO queue with an optional `maxsize` (0 means unbounded).
pub struct Queue {
    id: ResIx,
    maxsize: usize,
    st: Mutex<QueueState>,
    cv: Condvar,
}

#[derive(Default)]
struct QueueState {
    items: VecDeque<Value>,
    unfinished: u32,
}

impl Queue {
    /// `Queue(maxsize)` for resource `id`.
    pub fn new(id: ResIx, maxsize: usize) -> Self {
        Self { id, maxsize, st: Mutex::new(QueueState::default()), cv: Condvar::new() }
    }

    /// `q.qsize()`.
    pub fn qsize(&self) -> usize {
        self.st.lock().items.len()
    }

    fn full(&self, st: &QueueState) -> bool {
        self.maxsize > 0 && st.items.len() >= self.maxsize
    }

    /// `q.put(item, block, timeout)`; raises `queue.Full`.
    pub fn put(&self, ctx: &Ctx, item: Value, block: bool, timeout_ms: Option<f64>) -> Result<(), Unwind> {
        let timeout_ms = check_timeout(block, timeout_ms)?;
        let res = self.id;
        let push = |st: &mut QueueState, item: Value| {
            st.items.push_back(item.clone());
            st.unfinished += 1;
            ctx.record(EventKind::QueuePut { res, item, len: st.items.len() as u32 });
            self.cv.notify_all();
        };
        {
            let mut st = self.st.lock();
            if !self.full(&st) {
                push(&mut st, item);
                return Ok(());
            }
            if !block {
                return Err(PyError::queue_full().into());
            }
            ctx.record(EventKind::QueueBlocked { res, put: true, timeout_ms });
        }
        let dl = timeout_ms.map(|ms| Instant::now() + ctx.scaled(ms));
        ctx.blocking(WaitTarget::Resource(res), dl.is_some(), || {
            let mut st = self.st.lock();
            if ctx.wait_until(&self.cv, &mut st, dl, |s| !self.full(s))? {
                push(&mut st, item);
                Ok(())
            } else {
                Err(PyError::queue_full().into())
            }
        })
    }

    /// `q.get(block, timeout)`; raises `queue.Empty`.
    pub fn get(&self, ctx: &Ctx, block: bool, timeout_ms: Option<f64>) -> Result<Value, Unwind> {
        let timeout_ms = check_timeout(block, timeout_ms)?;
        let res = self.id;
        let pop = |st: &mut QueueState| {
            let item = st.items.pop_front().unwrap_or_default();
            ctx.record(EventKind::QueueGet { res, item: item.clone(), len: st.items.len() as u32 });
            self.cv.notify_all();
            item
        };
        {
            let mut st = self.st.lock();
            if !st.items.is_empty() {
                return Ok(pop(&mut st));
            }
            if !block {
                return Err(PyError::queue_empty().into());
            }
            ctx.record(EventKind::QueueBlocked { res, put: false, timeout_ms });
        }
        let dl = timeout_ms.map(|ms| Instant::now() + ctx.scaled(ms));
        ctx.blocking(WaitTarget::Resource(res), dl.is_some(), || {
            let mut st = self.st.lock();
            if ctx.wait_until(&self.cv, &mut st, dl, |s| !s.items.is_empty())? {
                Ok(pop(&mut st))
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

impl Waitable for Queue {
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
pub struct Pipe {
    id: ResIx,
    duplex: bool,
    st: Mutex<PipeState>,
    cv: Condvar,
}

#[derive(Default)]
struct PipeState {
    /// `inbox[e]`: items waiting to be received on end `e`.
    inbox: [VecDeque<Value>; 2],
    closed: [bool; 2],
}

impl Pipe {
    /// A pipe for resource `id`.
    pub fn new(id: ResIx, duplex: bool) -> Self {
        Self { id, duplex, st: Mutex::new(PipeState::default()), cv: Condvar::new() }
    }

    fn check_end(&self, end: u8) -> Result<usize, Unwind> {
        if end > 1 {
            return Err(PyError::new("ValueError", format!("a pipe has ends 0 and 1, not {end}")).into());
        }
        Ok(end as usize)
    }

    /// `conn.send(item)` on `end`.
    pub fn send(&self, ctx: &Ctx, end: u8, item: Value) -> Result<(), Unwind> {
        let e = self.check_end(end)?;
        if !self.duplex && e == 0 {
            return Err(PyError::new("OSError", "connection is read-only").into());
        }
        let mut st = self.st.lock();
        if st.closed[e] {
            return Err(PyError::handle_closed().into());
        }
        if st.closed[1 - e] {
            return Err(PyError::new("BrokenPipeError", "[Errno 32] Broken pipe").into());
        }
        st.inbox[1 - e].push_back(item.clone());
        ctx.record(EventKind::PipeSend { res: self.id, end, item });
        self.cv.notify_all();
        Ok(())
    }

    /// `conn.recv()` on `end`: blocks until an item arrives; `EOFError` once the other end
    /// is closed and nothing is left.
    pub fn recv(&self, ctx: &Ctx, end: u8) -> Result<Value, Unwind> {
        let e = self.check_end(end)?;
        if !self.duplex && e == 1 {
            return Err(PyError::new("OSError", "connection is write-only").into());
        }
        let res = self.id;
        let take = |st: &mut PipeState| -> Result<Value, Unwind> {
            match st.inbox[e].pop_front() {
                Some(item) => {
                    ctx.record(EventKind::PipeRecv { res, end, item: item.clone() });
                    Ok(item)
                }
                None => Err(PyError::eof().into()),
            }
        };
        {
            let st = self.st.lock();
            if st.closed[e] {
                return Err(PyError::handle_closed().into());
            }
            if !st.inbox[e].is_empty() || st.closed[1 - e] {
                let mut st = st;
                return take(&mut st);
            }
            ctx.record(EventKind::PipeWait { res, end });
        }
        ctx.blocking(WaitTarget::Resource(res), false, || {
            let mut st = self.st.lock();
            ctx.wait_until(&self.cv, &mut st, None, |s| !s.inbox[e].is_empty() || s.closed[1 - e])?;
            take(&mut st)
        })
    }

    /// `conn.close()` on `end`.
    pub fn close(&self, ctx: &Ctx, end: u8) -> Result<(), Unwind> {
        let e = self.check_end(end)?;
        let mut st = self.st.lock();
        if !st.closed[e] {
            st.closed[e] = true;
            ctx.record(EventKind::PipeClose { res: self.id, end });
            self.cv.notify_all();
        }
        Ok(())
    }
}

impl Waitable for Pipe {
    fn wake_all(&self) {
        let _st = self.st.lock();
        self.cv.notify_all();
    }
    fn resource(&self) -> Option<ResIx> {
        Some(self.id)
    }
}
