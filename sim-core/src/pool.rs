//! Pools of workers — `multiprocessing.Pool`, `ThreadPoolExecutor`, `ProcessPoolExecutor` —
//! as the interpreter runs them: a task queue (its traffic shows on the pool's lane), worker
//! threads that run functions, and results that `map`, `result()` and `get()` wait for.

use crate::channels::Queue;
use crate::event::{EventKind, ResIx, ThreadIx, WaitTarget};
use crate::pyerror::PyError;
use crate::rt::{Ctx, Unwind, Waitable};
use crate::value::Value;
use parking_lot::{Condvar, Mutex};
use std::collections::BTreeMap;

/// A pool of workers (`multiprocessing.Pool`, `ThreadPoolExecutor`, `ProcessPoolExecutor`).
pub(crate) struct Pool {
    pub(crate) id: ResIx,
    pub(crate) tasks: Queue,
    pub(crate) workers: Vec<ThreadIx>,
    pub(crate) st: Mutex<PoolState>,
    pub(crate) cv: Condvar,
}

#[derive(Default)]
pub(crate) struct PoolState {
    next_task: u32,
    results: BTreeMap<u32, Result<Value, PyError>>,
    shut_down: bool,
}

/// A future is a tuple tagged with this string, the pool and the task number.
pub(crate) const FUTURE_TAG: &str = "<Future>";

impl Pool {
    pub(crate) fn submit(&self, ctx: &Ctx, func: usize, func_name: &str, args: Vec<Value>) -> Result<u32, Unwind> {
        let task = {
            let mut st = self.st.lock();
            if st.shut_down {
                return Err(PyError::new("RuntimeError", "cannot schedule new futures after shutdown").into());
            }
            let t = st.next_task;
            st.next_task += 1;
            ctx.record(EventKind::TaskSubmitted { res: self.id, task: t, func: func_name.to_string() });
            t
        };
        let item = Value::tuple(vec![Value::Int(i64::from(task)), Value::Int(func as i64), Value::tuple(args)]);
        self.tasks.put(ctx, item, true, None)?;
        Ok(task)
    }

    pub(crate) fn finish(&self, ctx: &Ctx, task: u32, result: Result<Value, PyError>) {
        let mut st = self.st.lock();
        let shown = match &result {
            Ok(v) => v.clone(),
            Err(e) => Value::Str(e.to_string()),
        };
        ctx.record(EventKind::TaskFinished { res: self.id, task, result: shown });
        st.results.insert(task, result);
        self.cv.notify_all();
    }

    pub(crate) fn result(&self, ctx: &Ctx, task: u32) -> Result<Value, Unwind> {
        let ready = |st: &PoolState| st.results.get(&task).cloned();
        {
            let st = self.st.lock();
            if let Some(r) = ready(&st) {
                return r.map_err(Unwind::Raise);
            }
            ctx.record(EventKind::ResultWait { res: self.id, task });
        }
        ctx.blocking(WaitTarget::Resource(self.id), false, || {
            let mut st = self.st.lock();
            ctx.wait_until(&self.cv, &mut st, None, |s| s.results.contains_key(&task))?;
            ready(&st).unwrap_or_else(|| Err(PyError::new("SystemError", "lost result"))).map_err(Unwind::Raise)
        })
    }

    pub(crate) fn shutdown(&self, ctx: &Ctx) -> Result<(), Unwind> {
        {
            let mut st = self.st.lock();
            if st.shut_down {
                return Ok(());
            }
            st.shut_down = true;
        }
        for _ in &self.workers {
            self.tasks.put(ctx, Value::None, true, None)?;
        }
        for &w in &self.workers {
            ctx.join_thread(w, None)?;
        }
        Ok(())
    }
}

impl Waitable for Pool {
    fn wake_all(&self) {
        self.tasks.wake_all();
        let _st = self.st.lock();
        self.cv.notify_all();
    }
    fn resource(&self) -> Option<ResIx> {
        Some(self.id)
    }
}
