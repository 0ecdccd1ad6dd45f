//! Native objects as Python sees them: their attributes, `len`, items, iteration,
//! `isinstance`, and their type names and reprs.

use super::*;

/// `native.name` (methods come back bound).
pub fn native_attr(it: &mut Interp<'_>, obj: &V, n: &Arc<Native>, name: &str) -> R<V> {
    note_native(n);
    match &**n {
        Native::Future(f) if let Some(v) = f.st.lock().attrs.get(name).cloned() => Ok(v),
        Native::Namespace(m) => match m.lock().get(name).cloned() {
            // The manager hands out a copy (it was pickled across): appending to
            // `ns.items` changes the copy, not the namespace.
            Some(V::List(l)) => Ok(V::list(l.lock().clone())),
            Some(V::Dict(d)) => Ok(V::Dict(Arc::new(Mutex::new(d.lock().clone())))),
            Some(V::Set(d)) => Ok(V::Set(Arc::new(Mutex::new(d.lock().clone())))),
            Some(v) => Ok(v),
            None => raise("AttributeError", format!("'Namespace' object has no attribute '{name}'")),
        },
        Native::Module(m) if m.name() == "sys" && name == "argv" => {
            Ok(V::list(vec![V::str(it.w.prog.file.to_string())]))
        }
        Native::Module(m) if let Some(v) = it.w.module_attrs.lock().get(&(m.name(), name.to_string())).cloned() => {
            Ok(v)
        }
        Native::Module(m) => match attr_of(*m, name) {
            Some(v) => Ok(v),
            None if name == "__name__" => Ok(V::str(m.name())),
            None => raise("AttributeError", format!("module '{}' has no attribute '{name}'", m.name())),
        },
        Native::Fn(NFn::Iter(crate::py::itertools::ItFn::Chain)) if name == "from_iterable" => {
            Ok(crate::py::itertools::chain_from_iterable())
        }
        Native::Fn(f) => match name {
            "__name__" | "__qualname__" => Ok(V::str(fn_name(*f))),
            _ => raise("AttributeError", format!("'builtin_function_or_method' object has no attribute '{name}'")),
        },
        Native::Partial(f, args, kw) => match name {
            "func" => Ok(f.clone()),
            "args" => Ok(V::tuple(args.clone())),
            "keywords" => {
                let mut d = crate::py::value::Dict::default();
                for (k, v) in kw {
                    d.set(V::str(k.clone()), v.clone()).or_else(type_err)?;
                }
                Ok(V::Dict(Arc::new(Mutex::new(d))))
            }
            _ => raise("AttributeError", format!("'functools.partial' object has no attribute '{name}'")),
        },
        Native::Barrier(b) => match name {
            "parties" => Ok(V::Int(b.parties as i64)),
            "n_waiting" => Ok(V::Int(b.st.lock().waiting as i64)),
            "broken" => Ok(V::Bool(b.st.lock().broken)),
            _ => Ok(V::Native(Arc::new(Native::Method(obj.clone(), Arc::from(name))))),
        },
        Native::Shared(v, _, _, _) if name == "value" => Ok(v.lock().clone()),
        Native::Sem(s, _) if name == "_value" => Ok(V::Int(s.value())),
        Native::Queue(q, _, _) if name == "maxsize" => Ok(V::Int(q.maxsize() as i64)),
        Native::Queue(q, _, _) if name == "unfinished_tasks" => Ok(V::Int(q.unfinished() as i64)),
        Native::Log(o) if let Some(v) = crate::py::logging::attr(it, o, name) => Ok(v),
        Native::Deque(d) if name == "maxlen" => Ok(d.maxlen.map_or(V::None, |m| V::Int(m as i64))),
        Native::Queue(q, _, _) if name == "queue" => Ok(V::list(q.items())),
        Native::Gen(g) if let Some(v) = crate::py::frame::attr(g, name) => Ok(v),
        Native::Aio(o) if let Some(v) = crate::py::asyncio::attr(o, name) => Ok(v),
        Native::Gen(g) if !matches!(name, "send" | "throw" | "close" | "__next__" | "__iter__" | "__await__") => {
            raise("AttributeError", format!("'{}' object has no attribute '{name}'", g.type_name()))
        }
        Native::Property(p) if matches!(name, "fget" | "fset" | "fdel" | "__doc__") => Ok(match name {
            "fget" => p.fget.clone(),
            "fset" => p.fset.clone(),
            "fdel" => p.fdel.clone(),
            _ => p.doc.clone(),
        }),
        Native::Property(_) if !matches!(name, "getter" | "setter" | "deleter") => {
            raise("AttributeError", format!("'property' object has no attribute '{name}'"))
        }
        Native::BaseMethod(_, m) if name == "__name__" => Ok(V::str(m.to_string())),
        Native::Method(..) | Native::BaseMethod(..) | Native::NotImplemented | Native::Slice(..) => {
            raise("AttributeError", format!("'{}' object has no attribute '{name}'", n.type_name()))
        }
        _ => Ok(V::Native(Arc::new(Native::Method(obj.clone(), Arc::from(name))))),
    }
}

/// `native.name = v`.
pub fn set_native_attr(it: &mut Interp<'_>, n: &Arc<Native>, name: &str, v: V) -> R<()> {
    threadline_runtime::footprint::note_global();
    match (&**n, name) {
        (Native::Shared(cell, _, _, _), "value") => {
            *cell.lock() = v;
            Ok(())
        }
        (Native::Log(o), _) if crate::py::logging::set_attr(o, name, &v)? => Ok(()),
        (Native::Future(f), _) => {
            f.st.lock().attrs.insert(Arc::from(name), v);
            Ok(())
        }
        (Native::Namespace(m), _) => {
            m.lock().insert(Arc::from(name), v);
            Ok(())
        }
        (Native::Module(m), _) if is_assignable(m.name(), name) => {
            it.w.module_attrs.lock().insert((m.name(), name.to_string()), v);
            Ok(())
        }
        _ => raise("AttributeError", format!("'{}' object attribute '{name}' is read-only", n.type_name())),
    }
}

pub(crate) fn fn_name(f: NFn) -> String {
    match f {
        NFn::Coll(c) => c.name().into(),
        NFn::Log(l) => crate::py::logging::fn_name(l).into(),
        NFn::Nt(m) => m.name().into(),
        NFn::ExceptHook => "excepthook".into(),
        NFn::Heapq(h) => h.name().into(),
        NFn::Math(m) => m.name().into(),
        NFn::Bisect(b) => b.name().into(),
        NFn::Stats(s) => s.name().into(),
        NFn::Json(j) => j.name().into(),
        NFn::Operator(o) => o.name().into(),
        NFn::Ft(x) => x.name().into(),
        NFn::Iter(x) => x.name().into(),
        NFn::Ctx(x) => x.name().into(),
        NFn::Aio(x) => x.name().into(),
        NFn::Pp(x) => x.name().into(),
        NFn::Tb(x) => x.name().into(),
        NFn::Dt(x) => x.name().into(),
        NFn::Typing(x) => x.name().into(),
        NFn::Text(x) => x.name().into(),
        NFn::Uuid(x) => x.name().into(),
        NFn::Hash(x) => x.name().into(),
        NFn::Dc(x) => x.name().into(),
        NFn::En(x) => x.name().into(),
        // Classes keep their names; these functions are spelled without underscores.
        NFn::RLock
        | NFn::Semaphore
        | NFn::BoundedSemaphore
        | NFn::Condition
        | NFn::Event
        | NFn::Barrier
        | NFn::Timer
        | NFn::ThreadPoolExecutor
        | NFn::ProcessPoolExecutor
        | NFn::Pool
        | NFn::Manager
        | NFn::Value
        | NFn::Array
        | NFn::Pipe => format!("{f:?}"),
        NFn::Lock => "allocate_lock".into(),
        NFn::NamedTuple => "namedtuple".into(),
        NFn::GetPid => "getpid".into(),
        NFn::GetPPid => "getppid".into(),
        NFn::SetSwitchInterval => "setswitchinterval".into(),
        NFn::GetSwitchInterval => "getswitchinterval".into(),
        NFn::GetRecursionLimit => "getrecursionlimit".into(),
        NFn::GetRefCount => "getrefcount".into(),
        NFn::SetRecursionLimit => "setrecursionlimit".into(),
        NFn::CurrentThreadOld => "currentThread".into(),
        NFn::ActiveCountOld => "activeCount".into(),
        f => {
            // The variant's name in Python's spelling: `PerfCounter` → `perf_counter`;
            // math's and random's functions without their module (`MathSqrt` → `sqrt`).
            let mut s = String::new();
            for (i, c) in format!("{f:?}").chars().enumerate() {
                if c.is_ascii_uppercase() && i > 0 {
                    s.push('_');
                }
                s.push(c.to_ascii_lowercase());
            }
            match s.strip_prefix("math_").or_else(|| s.strip_prefix("random_")) {
                Some(rest) => rest.to_string(),
                None => s,
            }
        }
    }
}

/// Items to iterate over a native (a Manager list, a counter…).
pub fn native_iter(_it: &mut Interp<'_>, n: &Arc<Native>) -> R<Option<Vec<V>>> {
    Ok(match &**n {
        Native::Deque(d) => Some(d.items()),
        Native::Shared(v, _, _, _) => match &*v.lock() {
            V::List(l) => Some(l.lock().clone()),
            _ => None,
        },
        _ => None,
    })
}

/// `len()` of a native.
pub fn native_len(n: &Arc<Native>) -> Option<i64> {
    match &**n {
        Native::Deque(d) => Some(d.items.lock().len() as i64),
        Native::DictView(d, _) => Some(d.lock().map.len() as i64),
        Native::Shared(v, _, _, _) => match &*v.lock() {
            V::List(l) => Some(l.lock().len() as i64),
            _ => None,
        },
        _ => None,
    }
}

/// `native[i]`.
pub fn native_get_item(it: &mut Interp<'_>, n: &Arc<Native>, i: &V) -> R<V> {
    match &**n {
        Native::Deque(d) => crate::py::collections::deque_get(d, i),
        Native::Shared(v, _, _, _) => {
            let inner = v.lock().clone();
            it.get_item(&inner, i)
        }
        _ => type_err(format!("'{}' object is not subscriptable", n.type_name())),
    }
}

/// `native[i] = v`.
pub fn native_set_item(it: &mut Interp<'_>, n: &Arc<Native>, i: V, v: V) -> R<()> {
    match &**n {
        Native::Deque(d) => crate::py::collections::deque_set(d, &i, v),
        Native::Shared(cell, _, _, _) => {
            let inner = cell.lock().clone();
            it.set_item(&inner, i, v)
        }
        _ => type_err(format!("'{}' object does not support item assignment", n.type_name())),
    }
}

/// `isinstance(v, native)`, for `isinstance(x, threading.Thread)`-like checks on factories.
pub fn native_isinstance(v: &V, n: &Arc<Native>) -> bool {
    use crate::py::collections::CollFn;
    use crate::py::value::DictKind;
    if let (V::Dict(d), Native::Fn(NFn::Coll(c))) = (v, &**n) {
        return matches!(
            (&d.lock().kind, c),
            (DictKind::Default(_), CollFn::DefaultDict)
                | (DictKind::Counter, CollFn::Counter)
                | (DictKind::Ordered, CollFn::OrderedDict)
        );
    }
    let V::Native(x) = v else { return false };
    matches!(
        (&**x, &**n),
        (Native::Lock(..), Native::Fn(NFn::Lock))
            | (Native::RLock(..), Native::Fn(NFn::RLock))
            | (Native::Sem(..), Native::Fn(NFn::Semaphore | NFn::BoundedSemaphore))
            | (Native::Event(..), Native::Fn(NFn::Event))
            | (Native::Cond(..), Native::Fn(NFn::Condition))
            | (Native::Queue(..), Native::Fn(NFn::Queue(_)))
            | (Native::Deque(_), Native::Fn(NFn::Coll(crate::py::collections::CollFn::Deque)))
    )
}

/// Begin printing the view of the dict at `key`: false if it is being printed already.
pub fn view_repr_enter(key: usize) -> bool {
    VIEWS_OPEN.with(|o| {
        let mut o = o.borrow_mut();
        if o.contains(&key) {
            return false;
        }
        o.push(key);
        true
    })
}

/// Done printing the view of the dict at `key`.
pub fn view_repr_leave(key: usize) {
    VIEWS_OPEN.with(|o| o.borrow_mut().retain(|x| *x != key));
}

pub(crate) fn addr<T: ?Sized>(a: &Arc<T>) -> usize {
    Arc::as_ptr(a) as *const u8 as usize
}

impl Native {
    /// The object's identity when the same Python object can be reached through several
    /// wrappers (a future handed out by `submit` and again by `as_completed`): `id()`, `is`
    /// and hashing use it, so a future works as a dict key.
    pub fn identity(&self) -> Option<usize> {
        Some(match self {
            Native::Future(f) => addr(f),
            Native::Executor(e) => addr(e),
            Native::Queue(q, _, _) => addr(q),
            Native::Lock(l, _) => addr(l),
            Native::RLock(l, _) => addr(l),
            Native::Sem(s, _) => addr(s),
            Native::Cond(c, _) => addr(c),
            Native::Event(e, _) => addr(e),
            Native::Barrier(b) => addr(b),
            Native::Deque(d) => addr(d),
            // A module function is one object however often it is looked up
            // (`threading.excepthook is threading.__excepthook__`).
            Native::Fn(f) => {
                use std::hash::{Hash, Hasher};
                let mut h = std::collections::hash_map::DefaultHasher::new();
                format!("{f:?}").hash(&mut h);
                0x7f10_0000_0000 | (h.finish() as usize & 0xffff_fff0)
            }
            Native::Log(crate::py::logging::LogObj::Logger(l)) => addr(l),
            Native::Log(crate::py::logging::LogObj::Handler(h)) => addr(h),
            Native::Log(crate::py::logging::LogObj::Formatter(f)) => addr(f),
            Native::Conn(c, end) => addr(c) + *end as usize,
            // An event loop is one object however often it is asked for.
            Native::Aio(crate::py::asyncio::Obj::Loop(l)) => addr(l),
            _ => return None,
        })
    }

    /// `type(x).__name__`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Native::NotImplemented => "NotImplementedType",
            Native::Stderr | Native::Stdout => "TextIOWrapper",
            Native::DictView(_, k) => k.type_name(),
            Native::Module(_) => "module",
            Native::Fn(_) => "builtin_function_or_method",
            Native::Method(..) => "builtin_function_or_method",
            Native::BaseMethod(..) => "method_descriptor",
            Native::Slice(..) => "slice",
            Native::Super(..) => "super",
            Native::Property(_) => "property",
            Native::StaticMethod(_) => "staticmethod",
            Native::ClassMethod(_) => "classmethod",
            Native::Lock(..) => "lock",
            Native::RLock(..) => "RLock",
            Native::Sem(..) => "Semaphore",
            Native::Cond(..) => "Condition",
            Native::Event(..) => "Event",
            Native::Queue(_, _, k) => queue_type_name(*k),
            Native::Barrier(_) => "Barrier",
            Native::Partial(..) => "functools.partial",
            Native::Executor(e) => match e.style {
                PoolStyle::ThreadPool => "ThreadPoolExecutor",
                PoolStyle::ProcessPool => "ProcessPoolExecutor",
                PoolStyle::MpPool => "Pool",
            },
            Native::Future(_) => "Future",
            Native::Conn(..) => "Connection",
            Native::Shared(cell, ..) if matches!(&*cell.lock(), V::List(_)) => "SynchronizedArray",
            Native::Shared(..) => "Synchronized",
            Native::Lazy(l) => l.name,
            Native::Deque(_) => "deque",
            Native::Log(o) => o.type_name(),
            Native::Namespace(_) => "Namespace",
            Native::Gen(g) => g.type_name(),
            Native::Aio(o) => o.type_name(),
        }
    }

    /// Whether calling it makes sense.
    pub fn is_callable(&self) -> bool {
        matches!(self, Native::Fn(_) | Native::Method(..) | Native::BaseMethod(..) | Native::Partial(..))
    }

    /// `repr()`.
    pub fn repr(&self, id: usize) -> String {
        match self {
            Native::Module(m) => format!("<module '{}'>", m.name()),
            Native::Fn(f) => format!("<built-in function {}>", fn_name(*f)),
            Native::Lock(l, _) => {
                format!("<{} _thread.lock object at {id:#x}>", if l.locked() { "locked" } else { "unlocked" })
            }
            Native::RLock(l, _) => {
                let (owner, depth) = l.state();
                format!(
                    "<{} _thread.RLock object owner={} count={depth} at {id:#x}>",
                    if owner.is_some() { "locked" } else { "unlocked" },
                    owner.map_or(0, thread_ident)
                )
            }
            Native::Sem(s, _) => format!("<threading.Semaphore at {id:#x}: value={}>", s.value()),
            Native::Event(e, _) => {
                format!("<threading.Event at {id:#x}: {}>", if e.is_set() { "set" } else { "unset" })
            }
            Native::Queue(_, _, k) => format!("<queue.{} object at {id:#x}>", queue_type_name(*k)),
            Native::Future(f) => {
                let st = f.st.lock();
                match &st.done {
                    None if st.running => format!("<Future at {id:#x} state=running>"),
                    None => format!("<Future at {id:#x} state=pending>"),
                    Some(Ok(v)) => format!("<Future at {id:#x} state=finished returned {}>", v.type_name()),
                    Some(Err(_)) => format!("<Future at {id:#x} state=finished raised>"),
                }
            }
            Native::Slice(a, b, c) => format!("slice({}, {}, {})", a.repr(), b.repr(), c.repr()),
            Native::Shared(cell, _, _, ctype) => match &*cell.lock() {
                V::List(l) => format!(
                    "<SynchronizedArray wrapper for <multiprocessing.sharedctypes.{ctype}_Array_{} object at {id:#x}>>",
                    l.lock().len()
                ),
                v => format!("<Synchronized wrapper for {ctype}({})>", v.repr()),
            },
            Native::NotImplemented => "NotImplemented".into(),
            Native::Log(o) => o.repr(id),
            Native::Namespace(m) => {
                let parts: Vec<String> = m.lock().iter().map(|(k, v)| format!("{k}={}", v.repr())).collect();
                format!("Namespace({})", parts.join(", "))
            }
            Native::Lazy(l) => l.repr(id),
            Native::Gen(g) => format!("<{} object {} at {id:#x}>", g.type_name(), g.qualname),
            Native::Aio(o) => o.repr(id),
            Native::Deque(d) => {
                let items: Vec<String> = d.items().iter().map(V::repr).collect();
                crate::py::collections::deque_repr(d, &items)
            }
            Native::DictView(d, k) => {
                // Snapshot, then print with the dict unlocked; a view met again inside its
                // own repr prints `...` (as CPython's Py_ReprEnter).
                let snapshot = k.snapshot(&d.lock());
                let key = addr(d);
                if !view_repr_enter(key) {
                    return "...".into();
                }
                let inner = V::list(snapshot).repr();
                view_repr_leave(key);
                format!("{}({inner})", k.type_name())
            }
            other => format!("<{} object at {id:#x}>", other.type_name()),
        }
    }
}
