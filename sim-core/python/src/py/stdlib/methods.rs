//! Methods of the native objects (`lock.acquire()`, `q.put(x)`, `ex.submit(f)`…).

use super::*;

/// A method call on a native object.
pub fn native_method(it: &mut Interp<'_>, obj: &V, n: &Arc<Native>, name: &str, pos: Vec<V>, mut kw: Kw) -> R<V> {
    let ctx = it.ctx;
    note_native(n);
    if let Some(a) = acquirable(n) {
        match name {
            "acquire" | "__enter__" => {
                let blocking = arg(&pos, &mut kw, 0, "blocking").is_none_or(|v| v.truthy());
                let t = timeout_ms(arg(&pos, &mut kw, 1, "timeout"))?;
                no_more("acquire", &kw)?;
                // Python's `timeout=-1` means "wait forever".
                let t = t.filter(|ms| *ms != -1000.0);
                if t.is_some_and(|ms| ms < 0.0) && !matches!(&**n, Native::Lock(..) | Native::RLock(..)) {
                    return raise("ValueError", "timeout value must be a non-negative number");
                }
                if let Native::Sem(..) = &**n
                    && !blocking
                    && t.is_some()
                {
                    return raise("ValueError", "can't specify timeout for non-blocking acquire");
                }
                let ok = a.acquire(ctx, blocking, t)?;
                return Ok(V::Bool(ok));
            }
            "release" | "__exit__" => {
                if let Native::Sem(..) = &**n
                    && name == "release"
                    && let Some(k) = arg(&pos, &mut kw, 0, "n")
                {
                    // CPython: `n must be one or more`; then n releases, as many notifies.
                    let count = crate::py::builtins::index(&k)?;
                    if count < 1 {
                        return raise("ValueError", "n must be one or more");
                    }
                    for i in 0..count {
                        if i % 1024 == 1023 {
                            ctx.check()?;
                        }
                        a.release(ctx)?;
                    }
                    return Ok(V::None);
                }
                a.release(ctx)?;
                return Ok(if name == "__exit__" { V::Bool(false) } else { V::None });
            }
            _ => {}
        }
    }
    match (&**n, name) {
        (Native::Lock(l, _), "locked") => Ok(V::Bool(l.locked())),
        (Native::Cond(c, _), "wait") => {
            let t = timeout_ms(arg(&pos, &mut kw, 0, "timeout"))?;
            Ok(V::Bool(c.wait(ctx, t)?))
        }
        (Native::Cond(c, _), "wait_for") => {
            let pred = arg(&pos, &mut kw, 0, "predicate").unwrap_or_default();
            let t = timeout_ms(arg(&pos, &mut kw, 1, "timeout"))?;
            let deadline = t.map(|ms| ctx.now() + ctx.scaled(ms));
            loop {
                let r = it.call(&pred, Vec::new(), Vec::new())?;
                if it.truthy(&r)? {
                    return Ok(r);
                }
                let left = match deadline {
                    Some(d) => {
                        let now = ctx.now();
                        if now >= d {
                            return Ok(r);
                        }
                        Some((d - now).as_secs_f64() * 1e3 / ctx.shared.settings.time_scale.max(1e-9))
                    }
                    None => None,
                };
                c.wait(ctx, left)?;
            }
        }
        (Native::Cond(c, _), "notify") => {
            let k = arg(&pos, &mut kw, 0, "n").map(|v| crate::py::builtins::index(&v)).transpose()?.unwrap_or(1);
            c.notify(ctx, Some(k.clamp(0, i64::from(u32::MAX)) as u32))?;
            Ok(V::None)
        }
        (Native::Cond(c, _), "notify_all" | "notifyAll") => {
            if name == "notifyAll" {
                deprecated(it, "notifyAll() is deprecated, use notify_all() instead");
            }
            c.notify(ctx, None)?;
            Ok(V::None)
        }
        (Native::Event(e, _), "set") => {
            e.set(ctx);
            Ok(V::None)
        }
        (Native::Event(e, _), "clear") => {
            e.clear(ctx);
            Ok(V::None)
        }
        (Native::Event(e, _), "is_set" | "isSet") => {
            if name == "isSet" {
                deprecated(it, "isSet() is deprecated, use is_set() instead");
            }
            Ok(V::Bool(e.is_set()))
        }
        (Native::Event(e, _), "wait") => {
            let t = timeout_ms(arg(&pos, &mut kw, 0, "timeout"))?;
            Ok(V::Bool(e.wait(ctx, t.map(|m| m.max(0.0)))?))
        }
        (Native::Barrier(b), "wait") => {
            // `wait(timeout=None)` falls back to the barrier's own timeout.
            let t = timeout_ms(arg(&pos, &mut kw, 0, "timeout"))?.or(b.timeout_ms);
            barrier_wait(it, b, t)
        }
        (Native::Barrier(b), "abort") => {
            let mut st = b.st.lock();
            st.broken = true;
            b.cv.notify_all();
            it.ctx.changed();
            Ok(V::None)
        }
        (Native::Barrier(b), "reset") => {
            let mut st = b.st.lock();
            st.broken = st.waiting > 0;
            st.generation += 1;
            st.waiting = 0;
            b.cv.notify_all();
            it.ctx.changed();
            Ok(V::None)
        }
        (Native::Queue(q, _, kind), _) => queue_method(it, q, *kind, name, pos, kw),
        (Native::Deque(d), _) => crate::py::collections::deque_method(it, d, name, pos, kw),
        (Native::Log(o), _) => crate::py::logging::method(it, o, name, pos, kw),
        (Native::Conn(p, end), "send") => {
            // What is sent is pickled: the receiver gets a copy.
            let item =
                crate::py::world::deep_copy(&pos.into_iter().next().unwrap_or_default(), &mut Default::default());
            p.send(ctx, *end, item)?;
            Ok(V::None)
        }
        (Native::Conn(p, end), "recv" | "recv_bytes") => Ok(p.recv(ctx, *end)?),
        (Native::Conn(p, end), "send_bytes") => {
            let item = pos.into_iter().next().unwrap_or_default();
            if crate::py::bytes::of(&item).is_none() {
                return type_err(format!("a bytes-like object is required, not '{}'", item.type_name()));
            }
            p.send(ctx, *end, item)?;
            Ok(V::None)
        }
        (Native::Conn(p, end), "close") => {
            p.close(ctx, *end)?;
            Ok(V::None)
        }
        (Native::Conn(p, end), "poll") => Ok(V::Bool(p.poll(*end))),
        (Native::Shared(_, l, _, _), "get_lock") => {
            let res = match &**n {
                Native::Shared(_, _, r, _) => *r,
                _ => 0,
            };
            Ok(V::Native(Arc::new(Native::RLock(l.clone(), res))))
        }
        (Native::Executor(ex), "submit") => {
            let mut pos = pos;
            if pos.is_empty() {
                return type_err("submit expected at least 1 argument, got 0");
            }
            let func = pos.remove(0);
            let f = submit(it, ex, func, pos, kw)?;
            Ok(V::Native(Arc::new(Native::Future(f))))
        }
        (Native::Executor(ex), "apply_async" | "apply") => {
            let func = arg(&pos, &mut kw, 0, "func").unwrap_or_default();
            let args = match arg(&pos, &mut kw, 1, "args") {
                Some(a) => it.collect_vec(&a)?,
                None => Vec::new(),
            };
            let kwds = arg(&pos, &mut kw, 2, "kwds").map_or_else(Vec::new, |d| kwargs_of(&d));
            let ok = arg(&pos, &mut kw, 3, "callback").unwrap_or(V::None);
            let err = arg(&pos, &mut kw, 4, "error_callback").unwrap_or(V::None);
            no_more(name, &kw)?;
            let f = submit(it, ex, func, args, kwds)?;
            if name == "apply" {
                return future_result(it, &f, None, false);
            }
            if !matches!(ok, V::None) || !matches!(err, V::None) {
                let done = {
                    let mut st = f.st.lock();
                    if st.done.is_none() {
                        st.result_callbacks.push((ok.clone(), err.clone()));
                    }
                    st.done.clone()
                };
                match done {
                    Some(Ok(v)) if !matches!(ok, V::None) => {
                        it.call(&ok, vec![v], Vec::new())?;
                    }
                    Some(Err(e)) if !matches!(err, V::None) => {
                        it.call(&err, vec![e], Vec::new())?;
                    }
                    _ => {}
                }
            }
            Ok(V::Native(Arc::new(Native::Future(f))))
        }
        (Native::Executor(ex), "map" | "starmap" | "imap" | "map_async" | "starmap_async" | "imap_unordered") => {
            let timeout = timeout_ms(kwarg(&mut kw, "timeout"))?;
            let _ = kwarg(&mut kw, "chunksize");
            let mut pos = pos;
            if pos.len() < 2 {
                return type_err(format!("{name}() missing required argument"));
            }
            let func = pos.remove(0);
            let star = name.starts_with("starmap");
            let futs = map_items(it, ex, func, &pos, star)?;
            if name.ends_with("_async") {
                let _ = timeout;
                let callback = kwarg(&mut kw, "callback").unwrap_or_default();
                let error_callback = kwarg(&mut kw, "error_callback").unwrap_or_default();
                let agg = Arc::new(FutureObj {
                    res: ex.res,
                    task: u32::MAX,
                    st: parking_lot::Mutex::new(FutState {
                        result_callbacks: vec![(callback, error_callback)],
                        ..FutState::default()
                    }),
                    cv: threadline_runtime::cv::Cv::new(),
                });
                ctx.shared.register(agg.clone());
                let batch =
                    Arc::new(Batch { agg: Arc::clone(&agg), parts: futs.clone(), st: Mutex::new((None, false)) });
                for f in &futs {
                    let mut st = f.st.lock();
                    if st.done.is_none() {
                        st.batches.push(Arc::clone(&batch));
                    }
                }
                // Parts that finished before they were linked (or an empty map).
                batch.part_done(it, None)?;
                return Ok(V::Native(Arc::new(Native::Future(agg))));
            }
            if name == "map" && ex.style != PoolStyle::MpPool {
                // Executor.map submits every call now and is a generator of their results
                // in order, each waited for when it is asked for (timeout counted from the
                // call), as CPython's.
                let deadline = timeout.map(|ms| it.ctx.now() + it.ctx.scaled(ms));
                let left = Mutex::new(std::collections::VecDeque::from(futs));
                static NEXT_ADDR: std::sync::atomic::AtomicUsize =
                    std::sync::atomic::AtomicUsize::new(0x7f30_0000_0000);
                let addr = NEXT_ADDR.fetch_add(0x40, std::sync::atomic::Ordering::Relaxed);
                return Ok(crate::py::itertools::lazy_with_repr(
                    "generator",
                    move |it| {
                        let Some(f) = left.lock().pop_front() else { return Ok(None) };
                        let scale = it.ctx.shared.settings.time_scale.max(1e-9);
                        let ms =
                            deadline.map(|d| d.saturating_duration_since(it.ctx.now()).as_secs_f64() * 1e3 / scale);
                        future_result(it, &f, ms, false).map(Some)
                    },
                    move || format!("<generator object Executor.map.<locals>.result_iterator at {addr:#x}>"),
                ));
            }
            let mut results = Vec::with_capacity(futs.len());
            for f in &futs {
                results.push(future_result(it, f, timeout, false)?);
            }
            Ok(if ex.style == PoolStyle::MpPool && !name.starts_with("imap") {
                V::list(results)
            } else {
                V::Iter(Arc::new(Mutex::new(crate::py::value::PyIter::Items(results, 0))))
            })
        }
        (Native::Executor(ex), "shutdown") => {
            let wait = arg(&pos, &mut kw, 0, "wait").is_none_or(|v| v.truthy());
            // `cancel_futures=True`: every future not yet started is cancelled first.
            if arg(&pos, &mut kw, 1, "cancel_futures").is_some_and(|v| v.truthy()) {
                for f in ex.pending(it) {
                    let fv = V::Native(Arc::new(Native::Future(f)));
                    it.call_method(&fv, "cancel", Vec::new(), Vec::new())?;
                }
            }
            shutdown(it, ex, wait)?;
            Ok(V::None)
        }
        (Native::Executor(ex), "close") => {
            ex.st.lock().closed = true;
            Ok(V::None)
        }
        (Native::Executor(ex), "join") => {
            {
                let st = ex.st.lock();
                if !st.closed && !st.shutdown {
                    return raise("ValueError", "Pool is still running");
                }
            }
            shutdown(it, ex, true)?;
            Ok(V::None)
        }
        (Native::Executor(ex), "terminate") => {
            shutdown(it, ex, true)?;
            Ok(V::None)
        }
        (Native::Executor(_), "__enter__") => Ok(obj.clone()),
        (Native::Executor(ex), "__exit__") => {
            shutdown(it, ex, true)?;
            Ok(V::Bool(false))
        }
        (Native::Future(f), "result" | "get") => {
            let t = timeout_ms(arg(&pos, &mut kw, 0, "timeout"))?;
            future_result(it, f, t, false)
        }
        (Native::Future(f), "exception") => {
            if f.st.lock().cancelled {
                return raise("CancelledError", "");
            }
            let t = timeout_ms(arg(&pos, &mut kw, 0, "timeout"))?;
            future_result(it, f, t, true)
        }
        (Native::Future(f), "done" | "ready") => Ok(V::Bool(f.st.lock().done.is_some())),
        (Native::Future(f), "successful") => Ok(V::Bool(matches!(f.st.lock().done, Some(Ok(_))))),
        (Native::Future(f), "cancel") => {
            // As CPython's: a running or finished future cannot be cancelled; a pending one is,
            // its callbacks run now and the task never starts.
            let callbacks = {
                let mut st = f.st.lock();
                if st.cancelled {
                    return Ok(V::Bool(true));
                }
                if st.running || st.done.is_some() {
                    return Ok(V::Bool(false));
                }
                st.cancelled = true;
                st.done = Some(Err(exc::instance(exc::class("CancelledError"), Vec::new())));
                f.cv.notify_all();
                it.ctx.changed();
                std::mem::take(&mut st.callbacks)
            };
            for cb in callbacks {
                call_done_callback(it, &cb, obj);
            }
            Ok(V::Bool(true))
        }
        (Native::Future(f), "cancelled") => Ok(V::Bool(f.st.lock().cancelled)),
        (Native::Future(f), "running") => {
            let st = f.st.lock();
            Ok(V::Bool(st.running && st.done.is_none()))
        }
        (Native::Future(f), "wait") => {
            let t = timeout_ms(arg(&pos, &mut kw, 0, "timeout"))?;
            let _ = future_result(it, f, t, true);
            Ok(V::None)
        }
        (Native::Future(f), "add_done_callback") => {
            let cb = pos.into_iter().next().unwrap_or_default();
            let done = {
                let mut st = f.st.lock();
                if st.done.is_none() {
                    st.callbacks.push(cb.clone());
                    false
                } else {
                    true
                }
            };
            if done {
                call_done_callback(it, &cb, obj);
            }
            Ok(V::None)
        }
        (Native::Module(Mod::Multiprocessing), "list") => {
            let items = match pos.first() {
                Some(v) => it.collect_vec(v)?,
                None => Vec::new(),
            };
            let l = V::list(items);
            it.w.managed.lock().push(l.clone());
            Ok(l)
        }
        (Native::Module(Mod::Multiprocessing), "Namespace") => {
            let mut attrs = IndexMap::default();
            for (k, v) in kw {
                attrs.insert(k, v);
            }
            Ok(V::Native(Arc::new(Native::Namespace(Mutex::new(attrs)))))
        }
        (Native::Module(Mod::Multiprocessing), "dict") => {
            let d = crate::py::builtins::call_builtin(it, crate::py::ir::Builtin::Dict, pos, kw)?;
            it.w.managed.lock().push(d.clone());
            Ok(d)
        }
        (Native::Module(Mod::Multiprocessing), "Value" | "Array" | "Queue" | "Lock" | "Event" | "Semaphore") => {
            let f = attr_of(Mod::Multiprocessing, name).unwrap_or_default();
            it.call(&f, pos, kw)
        }
        (Native::Module(Mod::Multiprocessing), "__enter__") => Ok(obj.clone()),
        (Native::Module(Mod::Multiprocessing), "__exit__" | "shutdown") => Ok(V::Bool(false)),
        // `@x.setter` and its kin: a copy of the property with that part replaced.
        (Native::Property(p), "getter" | "setter" | "deleter") => {
            let [f] = <[V; 1]>::try_from(pos)
                .or_else(|p| type_err(format!("{name}() takes exactly one argument ({} given)", p.len())))?;
            let mut p = (**p).clone();
            match name {
                "getter" => p.fget = f,
                "setter" => p.fset = f,
                _ => p.fdel = f,
            }
            Ok(V::Native(Arc::new(Native::Property(Box::new(p)))))
        }
        (Native::Module(_), _) | (Native::Fn(_), _) | (Native::Partial(..), _) | (Native::Method(..), _) => {
            let m = native_attr(it, obj, n, name)?;
            it.call(&m, pos, kw)
        }
        (Native::Stderr | Native::Stdout, "write") => {
            let s = it.str_of(pos.first().unwrap_or(&V::None))?;
            it.w.write_out(ctx, &s, matches!(&**n, Native::Stderr));
            Ok(V::Int(s.chars().count() as i64))
        }
        (Native::Stderr | Native::Stdout, "flush") => Ok(V::None),
        (Native::Super(owner, me), _) => {
            let cls = match me {
                V::Inst(i) => i.class.clone(),
                V::Class(c) => c.clone(),
                _ => return type_err("super(type, obj): obj must be an instance or subtype of type"),
            };
            let mro: Vec<Arc<Class>> = std::iter::once(cls.clone()).chain(cls.mro.iter().cloned()).collect();
            let start = mro.iter().position(|c| Arc::ptr_eq(c, owner)).map_or(mro.len(), |p| p + 1);
            for c in &mro[start..] {
                let found = c.dict.read().get(name).cloned();
                if let Some(m) = found {
                    // `__new__` is static: the class is passed by the caller.
                    if name == "__new__" {
                        return it.call(&m, pos, kw);
                    }
                    // Bound as its kind binds: a classmethod to the class, a staticmethod to
                    // nothing, anything else to the object.
                    let (m, first) = match &m {
                        V::Native(n) if let Native::ClassMethod(f) = &**n => (f.clone(), Some(V::Class(cls.clone()))),
                        V::Native(n) if let Native::StaticMethod(f) = &**n => (f.clone(), None),
                        _ => (m, Some(me.clone())),
                    };
                    let mut args: Vec<V> = first.into_iter().collect();
                    args.extend(pos);
                    return it.call(&m, args, kw);
                }
            }
            if name == "__init__" || name == "__init_subclass__" {
                return Ok(V::None);
            }
            // object.__new__(cls): a bare instance of the class given.
            if name == "__new__" {
                if pos.len() > 1 || !kw.is_empty() {
                    return type_err("object.__new__() takes exactly one argument (the type to instantiate)");
                }
                return match pos.first() {
                    Some(V::Class(c)) => Ok(it.bare_instance(c)),
                    Some(other) => {
                        type_err(format!("object.__new__(X): X is not a type object ({})", other.type_name()))
                    }
                    None => type_err("object.__new__(): not enough arguments"),
                };
            }
            raise("AttributeError", format!("'super' object has no attribute '{name}'"))
        }
        (Native::Lazy(l), "__next__") => match l.next(it)? {
            Some(v) => Ok(v),
            None => raise("StopIteration", ""),
        },
        (Native::Lazy(_), "__iter__") => Ok(obj.clone()),
        (Native::Aio(o), _) => crate::py::asyncio::method(it, obj, o, name, pos, kw),
        (Native::Gen(g), _) => match crate::py::frame::method(it, obj, g, name, pos) {
            Some(r) => r,
            None => raise("AttributeError", format!("'{}' object has no attribute '{name}'", g.type_name())),
        },
        _ => raise("AttributeError", format!("'{}' object has no attribute '{name}'", n.type_name())),
    }
}
