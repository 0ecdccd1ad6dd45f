//! `contextlib`: `suppress(*exceptions)`, `nullcontext(enter_result=None)` and `ExitStack`
//! (`enter_context`, `callback`, `push`, `pop_all`, `close`), as classes of module
//! `contextlib` whose native methods receive the instance, with their state in its
//! `__dict__` as CPython keeps it; and `contextmanager`, whose `_GeneratorContextManager`
//! resumes the decorated generator (a [`super::frame`] generator) in `__enter__` and
//! `__exit__` exactly as CPython's does.

use super::exc;
use super::interp::{Flow, Interp, R, type_err};
use super::ir::Builtin;
use super::libobj::{self, Kw};
use super::stdlib::NFn;
use super::value::{Class, ClassKind, V};
use indexmap::IndexMap;
use std::sync::{Arc, OnceLock};

/// The methods of `contextlib`'s classes (each receives the instance first).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CtxFn {
    SuppressInit,
    SuppressExit,
    NullInit,
    NullEnter,
    StackInit,
    StackEnter,
    StackExit,
    EnterContext,
    Callback,
    Push,
    PopAll,
    Close,
    /// `__exit__` of `nullcontext` (never suppresses).
    NoExit,
    /// `contextmanager(func)`.
    ContextManager,
    /// Calling what `contextmanager` returned: the generator function's manager.
    GcmCall,
    GcmEnter,
    GcmExit,
}

impl CtxFn {
    /// The name Python gives it.
    pub fn name(self) -> &'static str {
        match self {
            CtxFn::SuppressInit | CtxFn::NullInit | CtxFn::StackInit => "__init__",
            CtxFn::SuppressExit | CtxFn::StackExit | CtxFn::NoExit | CtxFn::GcmExit => "__exit__",
            CtxFn::NullEnter | CtxFn::StackEnter | CtxFn::GcmEnter => "__enter__",
            CtxFn::ContextManager => "contextmanager",
            CtxFn::GcmCall => "helper",
            CtxFn::EnterContext => "enter_context",
            CtxFn::Callback => "callback",
            CtxFn::Push => "push",
            CtxFn::PopAll => "pop_all",
            CtxFn::Close => "close",
        }
    }
}

fn class(name: &str, methods: &[CtxFn]) -> Arc<Class> {
    let mut dict = IndexMap::default();
    for &m in methods {
        dict.insert(Arc::from(m.name()), libobj::native_fn(NFn::Ctx(m)));
    }
    exc::build_class(Arc::from(name), Arc::from("contextlib"), vec![exc::object_class()], dict, ClassKind::Plain)
}

fn suppress_class() -> Arc<Class> {
    static C: OnceLock<Arc<Class>> = OnceLock::new();
    C.get_or_init(|| class("suppress", &[CtxFn::SuppressInit, CtxFn::NullEnter, CtxFn::SuppressExit])).clone()
}

fn null_class() -> Arc<Class> {
    static C: OnceLock<Arc<Class>> = OnceLock::new();
    C.get_or_init(|| class("nullcontext", &[CtxFn::NullInit, CtxFn::NullEnter, CtxFn::NoExit])).clone()
}

fn stack_class() -> Arc<Class> {
    static C: OnceLock<Arc<Class>> = OnceLock::new();
    C.get_or_init(|| {
        class(
            "ExitStack",
            &[
                CtxFn::StackInit,
                CtxFn::StackEnter,
                CtxFn::StackExit,
                CtxFn::EnterContext,
                CtxFn::Callback,
                CtxFn::Push,
                CtxFn::PopAll,
                CtxFn::Close,
            ],
        )
    })
    .clone()
}

fn gcm_class() -> Arc<Class> {
    static C: OnceLock<Arc<Class>> = OnceLock::new();
    C.get_or_init(|| class("_GeneratorContextManager", &[CtxFn::GcmEnter, CtxFn::GcmExit])).clone()
}

/// `contextlib.name`.
pub fn module_attr(name: &str) -> Option<V> {
    if name == "contextmanager" {
        return Some(libobj::native_fn(NFn::Ctx(CtxFn::ContextManager)));
    }
    Some(V::Class(match name {
        "suppress" => suppress_class(),
        "nullcontext" => null_class(),
        "ExitStack" => stack_class(),
        "AbstractContextManager" => exc::object_class(),
        _ => return None,
    }))
}

fn set(obj: &V, name: &str, v: V) {
    if let V::Inst(i) = obj {
        i.dict.lock().insert(Arc::from(name), v);
    }
}

/// The instance's list of exit callbacks: `(is_callback, fn, args, kwargs)` tuples.
fn callbacks(obj: &V) -> R<Arc<crate::py::value::ListCell>> {
    match libobj::own_attr(obj, "_exit_callbacks") {
        Some(V::List(l)) => Ok(l),
        _ => type_err("ExitStack object is not initialised"),
    }
}

fn push_entry(obj: &V, is_cb: bool, f: V, args: Vec<V>, kw: Kw) -> R<()> {
    let mut d = super::value::Dict::default();
    for (k, v) in kw {
        d.set(V::str(k), v).or_else(type_err)?;
    }
    let entry = V::tuple(vec![
        V::Bool(is_cb),
        f,
        V::tuple(args),
        V::Dict(Arc::new(threadline_runtime::footprint::Mutex::new(d))),
    ]);
    callbacks(obj)?.lock().push(entry);
    Ok(())
}

/// `obj.__exit__`, or a `TypeError` as CPython words it for a non-context-manager.
fn exit_of(it: &mut Interp<'_>, cm: &V) -> R<V> {
    match cm {
        V::Inst(i) => match (it.lookup_method(cm, "__enter__"), it.lookup_method(cm, "__exit__")) {
            (Some(_), Some(x)) => Ok(x),
            _ => type_err(format!(
                "'{}.{}' object does not support the context manager protocol",
                i.class.module, i.class.name
            )),
        },
        V::Native(_) => it.get_attr(cm, "__exit__"),
        other => {
            type_err(format!("'builtins.{}' object does not support the context manager protocol", other.type_name()))
        }
    }
}

fn self_and(f: CtxFn, pos: Vec<V>) -> R<(V, Vec<V>)> {
    let mut pos = pos.into_iter();
    match pos.next() {
        Some(s) => Ok((s, pos.collect())),
        None => type_err(format!("{}() missing 1 required positional argument: 'self'", f.name())),
    }
}

/// Calls a method of `contextlib`'s classes.
pub fn call(it: &mut Interp<'_>, f: CtxFn, pos: Vec<V>, mut kw: Kw) -> R<V> {
    if f == CtxFn::ContextManager {
        libobj::no_more("contextmanager", &kw)?;
        libobj::positional("contextmanager", &pos, &["func"], 1)?;
        let helper = libobj::native_fn(NFn::Ctx(CtxFn::GcmCall));
        return Ok(V::Native(Arc::new(super::stdlib::Native::Partial(helper, pos, Vec::new()))));
    }
    let (me, pos) = self_and(f, pos)?;
    match f {
        CtxFn::ContextManager => Ok(V::None),
        CtxFn::GcmCall => {
            // `me` is the generator function.
            let gen_obj = it.call(&me, pos, kw)?;
            let cm = exc::instance(gcm_class(), Vec::new());
            if let V::Inst(i) = &cm {
                let mut d = i.dict.lock();
                d.shift_remove("args");
                d.insert(Arc::from("gen"), gen_obj);
                d.insert(Arc::from("func"), me);
            }
            Ok(cm)
        }
        CtxFn::GcmEnter => {
            let g = libobj::own_attr(&me, "gen").unwrap_or_default();
            match it.call_method(&g, "__next__", Vec::new(), Vec::new()) {
                Err(e) if libobj::is_exc(&e, "StopIteration") => {
                    super::interp::raise("RuntimeError", "generator didn't yield")
                }
                other => other,
            }
        }
        CtxFn::GcmExit => gcm_exit(it, &me, pos),
        CtxFn::SuppressInit => {
            libobj::no_more("suppress", &kw)?;
            set(&me, "_exceptions", V::tuple(pos));
            Ok(V::None)
        }
        CtxFn::SuppressExit => {
            let ty = pos.first().cloned().unwrap_or(V::None);
            if matches!(ty, V::None) {
                return Ok(V::Bool(false));
            }
            let excs = libobj::own_attr(&me, "_exceptions").unwrap_or_else(|| V::tuple(Vec::new()));
            super::builtins::call_builtin(it, Builtin::Issubclass, vec![ty, excs], Vec::new())
        }
        CtxFn::NullInit => {
            let v = libobj::arg(&pos, &mut kw, 0, "enter_result").unwrap_or(V::None);
            libobj::no_more("nullcontext.__init__", &kw)?;
            libobj::positional("nullcontext.__init__", &pos, &["enter_result"], 0)?;
            set(&me, "enter_result", v);
            Ok(V::None)
        }
        CtxFn::NullEnter => Ok(libobj::own_attr(&me, "enter_result").unwrap_or(V::None)),
        CtxFn::NoExit => Ok(V::None),
        CtxFn::StackInit => {
            libobj::no_more("ExitStack.__init__", &kw)?;
            libobj::positional("ExitStack.__init__", &pos, &[], 0)?;
            set(&me, "_exit_callbacks", V::list(Vec::new()));
            Ok(V::None)
        }
        CtxFn::StackEnter => Ok(me),
        CtxFn::EnterContext => {
            libobj::no_more("enter_context", &kw)?;
            libobj::positional("enter_context", &pos, &["cm"], 1)?;
            let cm = pos[0].clone();
            let exit = exit_of(it, &cm)?;
            let result = it.call_method(&cm, "__enter__", Vec::new(), Vec::new())?;
            push_entry(&me, false, exit, Vec::new(), Vec::new())?;
            Ok(result)
        }
        CtxFn::Callback => {
            let Some((cb, args)) = pos.split_first() else {
                return type_err("descriptor 'callback' of 'ExitStack' object needs an argument");
            };
            push_entry(&me, true, cb.clone(), args.to_vec(), kw)?;
            Ok(cb.clone())
        }
        CtxFn::Push => {
            libobj::no_more("push", &kw)?;
            libobj::positional("push", &pos, &["exit"], 1)?;
            let exit = pos[0].clone();
            let method = match &exit {
                V::Inst(_) => it.lookup_method(&exit, "__exit__"),
                _ => None,
            };
            push_entry(&me, false, method.unwrap_or_else(|| exit.clone()), Vec::new(), Vec::new())?;
            Ok(exit)
        }
        CtxFn::PopAll => {
            libobj::no_more("pop_all", &kw)?;
            libobj::positional("pop_all", &pos, &[], 0)?;
            let taken = std::mem::take(&mut *callbacks(&me)?.lock());
            let new = it.call(&V::Class(stack_class()), Vec::new(), Vec::new())?;
            *callbacks(&new)?.lock() = taken;
            Ok(new)
        }
        CtxFn::Close => {
            libobj::no_more("close", &kw)?;
            libobj::positional("close", &pos, &[], 0)?;
            unwind(it, &me, vec![V::None, V::None, V::None]).map(|_| V::None)
        }
        CtxFn::StackExit => {
            libobj::positional("__exit__", &pos, &["exc_type", "exc_value", "traceback"], 3)?;
            unwind(it, &me, pos)
        }
    }
}

/// `_GeneratorContextManager.__exit__`, as CPython's: resume the generator after its
/// `yield` (normally, or by throwing the exception in); it must then end.
fn gcm_exit(it: &mut Interp<'_>, me: &V, pos: Vec<V>) -> R<V> {
    let g = libobj::own_attr(me, "gen").unwrap_or_default();
    let mut pos = pos.into_iter();
    let ty = pos.next().unwrap_or_default();
    let value = pos.next().unwrap_or_default();
    if matches!(ty, V::None) {
        return match it.call_method(&g, "__next__", Vec::new(), Vec::new()) {
            Ok(_) => super::interp::raise("RuntimeError", "generator didn't stop"),
            Err(e) if libobj::is_exc(&e, "StopIteration") => Ok(V::Bool(false)),
            Err(e) => Err(e),
        };
    }
    let value = if matches!(value, V::None) { it.call(&ty, Vec::new(), Vec::new())? } else { value };
    match it.call_method(&g, "throw", vec![value.clone()], Vec::new()) {
        Ok(_) => super::interp::raise("RuntimeError", "generator didn't stop after throw()"),
        // Suppressed: the generator caught it and ended (unless what ended it is `value`).
        Err(Flow::Exc(e)) if exc::is_instance_of(&e.value, "StopIteration") => Ok(V::Bool(!e.value.is(&value))),
        Err(Flow::Exc(e)) => {
            let cause = match &e.value {
                V::Inst(i) => i.dict.lock().get("__cause__").cloned(),
                _ => None,
            };
            if e.value.is(&value)
                || (exc::is_instance_of(&value, "StopIteration") && cause.is_some_and(|c| c.is(&value)))
            {
                Ok(V::Bool(false))
            } else {
                Err(Flow::Exc(e))
            }
        }
        Err(other) => Err(other),
    }
}

/// Runs the callbacks, last pushed first, each seeing the exception the ones before it left
/// (none once one returned true, a new one if it raised); the last exception raised is
/// raised, else whether the exception received was suppressed.
fn unwind(it: &mut Interp<'_>, me: &V, mut details: Vec<V>) -> R<V> {
    let received = !matches!(details.first(), Some(V::None) | None);
    let list = callbacks(me)?;
    let (mut suppressed, mut pending): (bool, Option<Flow>) = (false, None);
    loop {
        let Some(entry) = list.lock().pop() else { break };
        let parts = super::value::seq_items(&entry);
        let [is_cb, func, args, kwargs] = parts.as_slice() else { continue };
        let out = if is_cb.truthy() {
            let kw: Kw = match kwargs {
                V::Dict(d) => d
                    .lock()
                    .map
                    .values()
                    .filter_map(|(k, v)| match k {
                        V::Str(s) => Some((Arc::from(&**s), v.clone())),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            it.call(func, super::value::seq_items(args), kw).map(|_| V::None)
        } else {
            it.call(func, details.clone(), Vec::new())
        };
        match out {
            Ok(r) => {
                if it.truthy(&r)? {
                    suppressed = true;
                    pending = None;
                    details = vec![V::None, V::None, V::None];
                }
            }
            Err(Flow::Exc(e)) => {
                let ty = match &e.value {
                    V::Inst(i) => V::Class(i.class.clone()),
                    _ => V::None,
                };
                details = vec![ty, e.value.clone(), V::None];
                pending = Some(Flow::Exc(e));
            }
            Err(other) => return Err(other),
        }
    }
    match pending {
        Some(e) => Err(e),
        None => Ok(V::Bool(received && suppressed)),
    }
}
