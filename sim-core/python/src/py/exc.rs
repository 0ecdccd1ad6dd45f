//! Built-in exception classes (one hierarchy for the whole process), raising them from
//! native code, matching `except` clauses, and `str()` / `repr()` of exceptions.

use super::interp::{Interp, R, raise, type_err};
use super::stdlib::{ExcMethod, NFn, Native};
use super::value::{Attrs, Class, ClassKind, Inst, InstNative, V};
use indexmap::IndexMap;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use threadline_model::pyerror::PyError;
use threadline_runtime::footprint::{Mutex, RwLock};

/// (name, module, base) of every built-in exception, parents first.
const HIERARCHY: &[(&str, &str, &str)] = &[
    ("BaseException", "builtins", ""),
    ("SystemExit", "builtins", "BaseException"),
    ("KeyboardInterrupt", "builtins", "BaseException"),
    ("GeneratorExit", "builtins", "BaseException"),
    ("Exception", "builtins", "BaseException"),
    ("ArithmeticError", "builtins", "Exception"),
    ("ZeroDivisionError", "builtins", "ArithmeticError"),
    ("OverflowError", "builtins", "ArithmeticError"),
    ("FloatingPointError", "builtins", "ArithmeticError"),
    ("LookupError", "builtins", "Exception"),
    ("IndexError", "builtins", "LookupError"),
    ("KeyError", "builtins", "LookupError"),
    ("ValueError", "builtins", "Exception"),
    ("UnicodeError", "builtins", "ValueError"),
    ("UnicodeEncodeError", "builtins", "UnicodeError"),
    ("UnicodeDecodeError", "builtins", "UnicodeError"),
    ("TypeError", "builtins", "Exception"),
    ("RuntimeError", "builtins", "Exception"),
    ("RecursionError", "builtins", "RuntimeError"),
    ("NotImplementedError", "builtins", "RuntimeError"),
    ("NameError", "builtins", "Exception"),
    ("UnboundLocalError", "builtins", "NameError"),
    ("AttributeError", "builtins", "Exception"),
    ("AssertionError", "builtins", "Exception"),
    ("StopIteration", "builtins", "Exception"),
    ("StopAsyncIteration", "builtins", "Exception"),
    ("ExceptionGroup", "builtins", "Exception"),
    ("OSError", "builtins", "Exception"),
    ("TimeoutError", "builtins", "OSError"),
    ("ConnectionError", "builtins", "OSError"),
    ("BrokenPipeError", "builtins", "ConnectionError"),
    ("FileNotFoundError", "builtins", "OSError"),
    ("EOFError", "builtins", "Exception"),
    ("ImportError", "builtins", "Exception"),
    ("ModuleNotFoundError", "builtins", "ImportError"),
    ("SyntaxError", "builtins", "Exception"),
    ("SystemError", "builtins", "Exception"),
    ("MemoryError", "builtins", "Exception"),
    ("BufferError", "builtins", "Exception"),
    ("Empty", "_queue", "Exception"),
    ("Full", "queue", "Exception"),
    ("BrokenBarrierError", "threading", "RuntimeError"),
    ("CancelledError", "concurrent.futures._base", "Exception"),
    ("InvalidStateError", "concurrent.futures._base", "Exception"),
    ("BrokenExecutor", "concurrent.futures._base", "RuntimeError"),
    ("BrokenThreadPool", "concurrent.futures.thread", "BrokenExecutor"),
    ("BrokenProcessPool", "concurrent.futures.process", "BrokenExecutor"),
    ("ProcessError", "multiprocessing", "Exception"),
    ("PickleError", "_pickle", "Exception"),
    ("PicklingError", "_pickle", "PickleError"),
];

struct Registry {
    object: Arc<Class>,
    by_name: HashMap<&'static str, Arc<Class>>,
}

fn registry() -> &'static Registry {
    static R: OnceLock<Registry> = OnceLock::new();
    R.get_or_init(|| {
        let object = Arc::new(Class {
            name: Arc::from("object"),
            module: Arc::from("builtins"),
            bases: Vec::new(),
            mro: Vec::new(),
            dict: RwLock::new(IndexMap::default()),
            kind: ClassKind::Object,
            native: ClassKind::Plain,
            facts: Default::default(),
        });
        let mut by_name: HashMap<&'static str, Arc<Class>> = HashMap::new();
        for (name, module, base) in HIERARCHY {
            let base = if base.is_empty() { object.clone() } else { by_name[base].clone() };
            let mut dict = IndexMap::default();
            if *name == "BaseException" {
                for m in [ExcMethod::Init, ExcMethod::WithTraceback, ExcMethod::AddNote] {
                    dict.insert(Arc::from(m.name()), V::Native(Arc::new(Native::Fn(NFn::ExcMethod(m)))));
                }
            }
            if *name == "ExceptionGroup" {
                for m in [ExcMethod::Split, ExcMethod::Subgroup, ExcMethod::Derive] {
                    dict.insert(Arc::from(m.name()), V::Native(Arc::new(Native::Fn(NFn::ExcMethod(m)))));
                }
            }
            let c = build_class(Arc::from(*name), Arc::from(*module), vec![base], dict, ClassKind::Exception);
            by_name.insert(name, c);
        }
        Registry { object, by_name }
    })
}

/// Build a class. Its MRO (ancestors, itself excluded) is the bases' MROs merged
/// depth-first, each class keeping its last place, as C3 gives for single inheritance.
pub fn build_class(
    name: Arc<str>,
    module: Arc<str>,
    bases: Vec<Arc<Class>>,
    dict: Attrs,
    kind: ClassKind,
) -> Arc<Class> {
    let mut mro: Vec<Arc<Class>> = Vec::new();
    for b in &bases {
        for c in std::iter::once(b).chain(b.mro.iter()) {
            if let Some(p) = mro.iter().position(|x| Arc::ptr_eq(x, c)) {
                mro.remove(p);
            }
            mro.push(c.clone());
        }
    }
    let native = std::iter::once(kind)
        .chain(mro.iter().map(|c| c.kind))
        .find(|k| *k != ClassKind::Plain && *k != ClassKind::Object)
        .unwrap_or(ClassKind::Plain);
    Arc::new(Class { name, module, bases, mro, dict: RwLock::new(dict), kind, native, facts: Default::default() })
}

/// `object`.
pub fn object_class() -> Arc<Class> {
    registry().object.clone()
}

/// A built-in exception class by name (`ValueError`, `Empty`…); `Exception` if unknown.
pub fn class(name: &str) -> Arc<Class> {
    let short = name.rsplit('.').next().unwrap_or(name);
    let r = registry();
    r.by_name.get(short).cloned().unwrap_or_else(|| r.by_name["Exception"].clone())
}

/// Whether `name` is a built-in exception class.
pub fn is_builtin_exc(name: &str) -> bool {
    registry().by_name.contains_key(name)
}

/// A new exception instance `ty(msg)` (no args when `msg` is empty).
pub fn new_exc(ty: &str, msg: String) -> V {
    let args = if msg.is_empty() { Vec::new() } else { vec![V::str(msg)] };
    instance(class(ty), args)
}

/// An instance of exception class `c` with `args`.
pub fn instance(c: Arc<Class>, args: Vec<V>) -> V {
    let inst = Inst {
        class: c,
        dict: Mutex::new(IndexMap::default()),
        native: Mutex::new(InstNative::None),
        hrep: Default::default(),
    };
    set_stop_value(&inst, &args);
    inst.dict.lock().insert(Arc::from("args"), V::tuple(args));
    V::Inst(Arc::new(inst))
}

/// `StopIteration(v).value` is `v` (None without arguments), as CPython's `__init__` sets it.
pub fn set_stop_value(inst: &Inst, args: &[V]) {
    if inst.class.is_sub(&class("StopIteration")) {
        inst.dict.lock().insert(Arc::from("value"), args.first().cloned().unwrap_or_default());
    }
}

/// From a runtime error (`RuntimeError: release unlocked lock`).
pub fn from_pyerror(e: &PyError) -> V {
    new_exc(&e.ty, e.message.clone())
}

/// The exception's `args`.
pub fn args(v: &V) -> Vec<V> {
    match v {
        V::Inst(i) => match i.dict.lock().get("args") {
            Some(V::Tuple(t)) => t.to_vec(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// `ExceptionGroup(message, exceptions)`: its `message` and `exceptions` (a tuple), with
/// CPython's checks.
pub fn init_group(it: &mut Interp<'_>, i: &Inst, pos: &[V]) -> R<()> {
    let [msg, excs] = pos else {
        return type_err(format!("BaseExceptionGroup.__new__() takes exactly 2 arguments ({} given)", pos.len()));
    };
    if !matches!(msg, V::Str(_)) {
        return type_err("argument 1 must be str, not ".to_string() + &msg.type_name());
    }
    let items = it.collect_vec(excs)?;
    if items.is_empty() {
        return raise("ValueError", "second argument (exceptions) must be a non-empty sequence");
    }
    if items.iter().any(|e| !is_instance_of(e, "BaseException")) {
        return raise("ValueError", "Item 0 of second argument (exceptions) is not an exception");
    }
    let mut d = i.dict.lock();
    d.insert(Arc::from("message"), msg.clone());
    d.insert(Arc::from("exceptions"), V::tuple(items));
    Ok(())
}

/// `str(e)`.
pub fn exc_str(it: &mut Interp<'_>, v: &V) -> String {
    // An exception group: its message and how many it holds.
    if is_instance_of(v, "ExceptionGroup")
        && let V::Inst(i) = v
        && let (Some(V::Str(m)), Some(V::Tuple(t))) = {
            let d = i.dict.lock();
            (d.get("message").cloned(), d.get("exceptions").cloned())
        }
    {
        let n = t.len();
        return format!("{} ({n} sub-exception{})", &m[..], if n == 1 { "" } else { "s" });
    }
    let a = args(v);
    let is_key = is_instance_of(v, "KeyError");
    match a.as_slice() {
        [] => String::new(),
        [one] if is_key => it.repr_of(one).unwrap_or_default(),
        [one] => it.str_of(one).unwrap_or_default(),
        many => it.repr_of(&V::tuple(many.to_vec())).unwrap_or_default(),
    }
}

/// `repr(e)`.
pub fn exc_repr(it: &mut Interp<'_>, v: &V) -> String {
    let name = match v {
        V::Inst(i) => i.class.name.to_string(),
        _ => String::new(),
    };
    let a = args(v);
    let parts: Vec<String> = a.iter().map(|x| it.repr_of(x).unwrap_or_default()).collect();
    format!("{name}({})", parts.join(", "))
}

/// As a runtime error, for events: `ValueError` + `str(e)`.
pub fn to_pyerror(v: &V) -> PyError {
    match v {
        V::Inst(i) => {
            let a = args(v);
            let msg = match a.as_slice() {
                [] => String::new(),
                [V::Str(s)] => s.to_string(),
                [one] => one.repr(),
                many => V::tuple(many.to_vec()).repr(),
            };
            PyError::new(i.class.display_name(), msg)
        }
        other => PyError::new("TypeError", other.repr()),
    }
}

/// Whether an `except T` clause catches `v`.
pub fn matches(v: &V, t: &V) -> bool {
    let V::Inst(i) = v else { return false };
    match t {
        V::Class(c) => i.class.is_sub(c),
        V::Tuple(ts) => ts.iter().any(|t| matches(v, t)),
        _ => false,
    }
}

/// Whether `v` is an instance of the built-in exception `name`.
pub fn is_instance_of(v: &V, name: &str) -> bool {
    match v {
        V::Inst(i) => i.class.is_sub(&class(name)),
        _ => false,
    }
}
