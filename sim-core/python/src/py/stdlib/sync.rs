//! The synchronisation objects' Python side beyond the runtime's primitives: `Barrier`,
//! queue methods and `PriorityQueue` ordering, shared `Value`/`Array` C types.

use super::*;

/// A `threading.Barrier`.
#[derive(Debug)]
pub struct BarrierObj {
    pub(crate) res: ResIx,
    pub(crate) parties: usize,
    pub(crate) action: V,
    /// `Barrier(…, timeout=)`: the default timeout of `wait()`, in ms.
    pub(crate) timeout_ms: Option<f64>,
    pub(crate) st: parking_lot::Mutex<BarrierState>,
    pub(crate) cv: threadline_runtime::cv::Cv,
}

#[derive(Debug, Default)]
pub(crate) struct BarrierState {
    pub(crate) waiting: usize,
    pub(crate) generation: u64,
    pub(crate) broken: bool,
}

impl threadline_runtime::rt::Waitable for BarrierObj {
    fn wake_all(&self) {
        let _g = self.st.lock();
        self.cv.notify_all();
    }
    fn resource(&self) -> Option<ResIx> {
        Some(self.res)
    }
}

pub(crate) fn barrier_wait(it: &mut Interp<'_>, b: &Arc<BarrierObj>, timeout: Option<f64>) -> R<V> {
    let ctx = it.ctx;
    let broken = || -> R<V> {
        Err(Flow::Exc(Box::new(crate::py::interp::Exc {
            value: exc::instance(exc::class("BrokenBarrierError"), Vec::new()),
            tb: Vec::new(),
        })))
    };
    let (gen_, index) = {
        let mut st = b.st.lock();
        if st.broken {
            return broken();
        }
        let index = st.waiting;
        st.waiting += 1;
        ctx.record(EventKind::Requested { res: b.res, blocking: true, timeout_ms: timeout });
        if st.waiting == b.parties {
            if !matches!(b.action, V::None) {
                drop(st);
                let r = it.call(&b.action.clone(), Vec::new(), Vec::new());
                st = b.st.lock();
                if let Err(e) = r {
                    st.broken = true;
                    st.waiting = 0;
                    b.cv.notify_all();
                    ctx.changed();
                    return Err(e);
                }
            }
            st.waiting = 0;
            st.generation += 1;
            b.cv.notify_all();
            // The barrier trips: no party waits any more; this thread lets the others go.
            ctx.record(EventKind::Acquired { res: b.res, depth: 0, value: 0 });
            ctx.record(EventKind::Released { res: b.res, depth: 0, value: 0 });
            return Ok(V::Int(index as i64));
        }
        (st.generation, index)
    };
    let deadline = timeout.map(|ms| ctx.now() + ctx.scaled(ms));
    let ok = ctx.blocking(WaitTarget::Resource(b.res), deadline.is_some(), || {
        let mut st = b.st.lock();
        ctx.wait_until(&b.cv, &mut st, deadline, |s| s.generation != gen_ || s.broken)
    })?;
    let mut st = b.st.lock();
    if !ok || (st.broken && st.generation == gen_) {
        st.broken = true;
        b.cv.notify_all();
        ctx.record(EventKind::AcquireFailed { res: b.res, timed_out: !ok });
        return broken();
    }
    // Through: the value is how many parties of the barrier's current round wait now.
    ctx.record(EventKind::Acquired { res: b.res, depth: 0, value: st.waiting as i64 });
    Ok(V::Int(index as i64))
}

/// The C type a `multiprocessing.Value`/`Array` typecode names (`'i'` → `c_int`), as
/// `multiprocessing.sharedctypes` maps it; `TypeError` for another typecode.
pub(crate) fn c_type(code: Option<V>) -> R<&'static str> {
    let code = match code {
        None => return type_err("Value() missing required argument 'typecode_or_type' (pos 1)"),
        Some(V::Str(s)) => s,
        Some(other) => return type_err(format!("typecode must be a str, not {}", other.type_name())),
    };
    Ok(match &*code {
        "b" => "c_byte",
        "B" => "c_ubyte",
        "h" => "c_short",
        "H" => "c_ushort",
        "i" => "c_int",
        "I" => "c_uint",
        "l" => "c_long",
        "L" => "c_ulong",
        "q" => "c_longlong",
        "Q" => "c_ulonglong",
        "f" => "c_float",
        "d" => "c_double",
        "c" => "c_char",
        "u" => "c_wchar",
        // CPython looks the code up and, not finding it, takes it for a ctypes type.
        _ => return type_err("this type has no size"),
    })
}

/// `a < b` as Python evaluates it; the first error is kept in `failed` (and `false` returned).
pub(crate) fn py_less(it: &mut Interp<'_>, a: &V, b: &V, failed: &mut Option<Flow>) -> bool {
    if failed.is_some() {
        return false;
    }
    match it.compare(crate::py::ir::CmpOp::Lt, a, b) {
        Ok(x) => x,
        Err(e) => {
            *failed = Some(e);
            false
        }
    }
}

pub(crate) fn queue_method(
    it: &mut Interp<'_>,
    q: &Arc<Queue<V>>,
    kind: QKind,
    name: &str,
    pos: Vec<V>,
    mut kw: Kw,
) -> R<V> {
    let ctx = it.ctx;
    match name {
        "put" | "put_nowait" => {
            let item = arg(&pos, &mut kw, 0, "item").unwrap_or_default();
            // A multiprocessing queue carries a pickled copy: the getter's object is its own.
            let item = if matches!(kind, QKind::Mp | QKind::JoinableMp) {
                crate::py::world::deep_copy(&item, &mut Default::default())
            } else {
                item
            };
            let (block, t) = if name == "put_nowait" {
                (false, None)
            } else {
                (
                    arg(&pos, &mut kw, 1, "block").is_none_or(|v| v.truthy()),
                    timeout_ms(arg(&pos, &mut kw, 2, "timeout"))?,
                )
            };
            if kind == QKind::Priority {
                // heapq's comparisons, with the items' own `<` (a user's `__lt__` included).
                let mut failed = None;
                q.put_by(ctx, item, block, t, &mut |a: &V, b: &V| py_less(it, a, b, &mut failed))?;
                if let Some(e) = failed {
                    return Err(e);
                }
            } else {
                q.put(ctx, item, block, t)?;
            }
            Ok(V::None)
        }
        "get" | "get_nowait" => {
            let (block, t) = if name == "get_nowait" {
                (false, None)
            } else {
                (
                    arg(&pos, &mut kw, 0, "block").is_none_or(|v| v.truthy()),
                    timeout_ms(arg(&pos, &mut kw, 1, "timeout"))?,
                )
            };
            if kind == QKind::Priority {
                let mut failed = None;
                let v = q.get_by(ctx, block, t, &mut |a: &V, b: &V| py_less(it, a, b, &mut failed))?;
                if let Some(e) = failed {
                    return Err(e);
                }
                return Ok(v);
            }
            Ok(q.get(ctx, block, t)?)
        }
        "qsize" => Ok(V::Int(q.qsize() as i64)),
        "empty" => Ok(V::Bool(q.qsize() == 0)),
        "full" => Ok(V::Bool(q.maxsize() > 0 && q.qsize() >= q.maxsize())),
        "task_done" if kind != QKind::Simple && kind != QKind::Mp => {
            q.task_done(ctx)?;
            Ok(V::None)
        }
        "join" if kind != QKind::Simple && kind != QKind::Mp => {
            q.join(ctx)?;
            Ok(V::None)
        }
        "close" | "join_thread" | "cancel_join_thread" if matches!(kind, QKind::Mp | QKind::JoinableMp) => Ok(V::None),
        _ => raise("AttributeError", format!("'{}' object has no attribute '{name}'", queue_type_name(kind))),
    }
}

pub(crate) fn queue_type_name(k: QKind) -> &'static str {
    match k {
        QKind::Fifo => "Queue",
        QKind::Lifo => "LifoQueue",
        QKind::Priority => "PriorityQueue",
        QKind::Simple => "SimpleQueue",
        QKind::Mp => "Queue",
        QKind::JoinableMp => "JoinableQueue",
    }
}
