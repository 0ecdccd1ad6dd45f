//! `abc` (`ABC`, `abstractmethod`) and `types.SimpleNamespace`: the small object-model
//! helpers class-based examples import.
//!
//! A class deriving from `ABC` cannot be instantiated while any method it has is still
//! abstract: `TypeError: Can't instantiate abstract class Shape with abstract methods area,
//! perimeter` (CPython 3.11's words).

use super::exc;
use super::interp::{Interp, R, type_err};
use super::libobj::{Kw, native_fn};
use super::stdlib::{NFn, Native};
use super::value::{Attrs, Class, ClassKind, V};
use std::sync::{Arc, OnceLock};

/// `abc.ABC`.
pub fn abc_class() -> Arc<Class> {
    static C: OnceLock<Arc<Class>> = OnceLock::new();
    C.get_or_init(|| {
        exc::build_class(
            Arc::from("ABC"),
            Arc::from("abc"),
            vec![exc::object_class()],
            Attrs::default(),
            ClassKind::Plain,
        )
    })
    .clone()
}

/// `types.SimpleNamespace`.
pub fn namespace_class() -> Arc<Class> {
    static C: OnceLock<Arc<Class>> = OnceLock::new();
    C.get_or_init(|| {
        let dict: Attrs = [
            (Arc::from("__init__"), native_fn(NFn::Namespace(NsFn::Init))),
            (Arc::from("__repr__"), native_fn(NFn::Namespace(NsFn::Repr))),
            (Arc::from("__eq__"), native_fn(NFn::Namespace(NsFn::Eq))),
            (Arc::from("__hash__"), V::None),
        ]
        .into_iter()
        .collect();
        exc::build_class(
            Arc::from("SimpleNamespace"),
            Arc::from("types"),
            vec![exc::object_class()],
            dict,
            ClassKind::Plain,
        )
    })
    .clone()
}

/// `SimpleNamespace`'s methods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NsFn {
    /// `__init__(self, **kw)`.
    Init,
    /// `namespace(a=1, b=2)`.
    Repr,
    /// Equal when of the same type with equal attributes.
    Eq,
}

/// `abc.name`.
pub fn abc_attr(name: &str) -> Option<V> {
    match name {
        "ABC" => Some(V::Class(abc_class())),
        "abstractmethod" => Some(native_fn(NFn::AbstractMethod)),
        _ => None,
    }
}

/// `types.name`.
pub fn types_attr(name: &str) -> Option<V> {
    match name {
        "SimpleNamespace" => Some(V::Class(namespace_class())),
        _ => None,
    }
}

/// `@abstractmethod`: the function, marked.
pub fn abstractmethod(pos: Vec<V>) -> R<V> {
    let Some(f) = pos.into_iter().next() else {
        return type_err("abstractmethod() takes exactly one argument (0 given)");
    };
    let target = match &f {
        V::Native(n) => match &**n {
            Native::StaticMethod(g) | Native::ClassMethod(g) => g.clone(),
            _ => f.clone(),
        },
        _ => f.clone(),
    };
    if let V::Func(func) = &target {
        func.attrs.lock().insert(Arc::from("__isabstractmethod__"), V::Bool(true));
    }
    Ok(f)
}

fn is_abstract(v: &V) -> bool {
    match v {
        V::Func(f) => f.attrs.lock().get("__isabstractmethod__").is_some_and(V::truthy),
        V::Native(n) => match &**n {
            Native::StaticMethod(g) | Native::ClassMethod(g) => is_abstract(g),
            Native::Property(p) => is_abstract(&p.fget),
            _ => false,
        },
        _ => false,
    }
}

/// The TypeError instantiating `c` raises, if it derives from `ABC` and has methods still
/// abstract.
pub fn check_instantiable(c: &Arc<Class>) -> R<()> {
    if !c.mro.iter().any(|b| Arc::ptr_eq(b, &abc_class())) {
        return Ok(());
    }
    let mut names: Vec<Arc<str>> = Vec::new();
    for k in std::iter::once(c).chain(c.mro.iter()) {
        for name in k.dict.read().keys() {
            if !names.contains(name) && c.lookup(name).is_some_and(|v| is_abstract(&v)) {
                names.push(name.clone());
            }
        }
    }
    if names.is_empty() {
        return Ok(());
    }
    names.sort();
    let list: Vec<&str> = names.iter().map(|n| &**n).collect();
    type_err(format!(
        "Can't instantiate abstract class {} with abstract method{} {}",
        c.name,
        if names.len() == 1 { "" } else { "s" },
        list.join(", ")
    ))
}

/// A `SimpleNamespace` method.
pub fn namespace_call(it: &mut Interp<'_>, f: NsFn, pos: Vec<V>, kw: Kw) -> R<V> {
    let Some(V::Inst(me)) = pos.first() else {
        return type_err("descriptor requires a 'types.SimpleNamespace' object");
    };
    match f {
        NsFn::Init => {
            if pos.len() > 1 {
                return type_err("no positional arguments expected");
            }
            let mut d = me.dict.lock();
            for (k, v) in kw {
                d.insert(k, v);
            }
            Ok(V::None)
        }
        NsFn::Repr => {
            let attrs: Vec<(Arc<str>, V)> = me.dict.lock().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            let mut parts = Vec::with_capacity(attrs.len());
            for (k, v) in attrs {
                parts.push(format!("{k}={}", it.repr_of(&v)?));
            }
            let name = if Arc::ptr_eq(&me.class, &namespace_class()) { "namespace" } else { &*me.class.name };
            Ok(V::str(format!("{name}({})", parts.join(", "))))
        }
        NsFn::Eq => {
            let Some(V::Inst(other)) = pos.get(1) else { return Ok(V::Bool(false)) };
            if !other.class.is_sub(&namespace_class()) {
                return Ok(V::Bool(false));
            }
            let a: Vec<(Arc<str>, V)> = me.dict.lock().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            let b: Vec<(Arc<str>, V)> = other.dict.lock().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            if a.len() != b.len() {
                return Ok(V::Bool(false));
            }
            for (k, v) in &a {
                let Some((_, w)) = b.iter().find(|(n, _)| n == k) else { return Ok(V::Bool(false)) };
                if !it.eq(v, w)? {
                    return Ok(V::Bool(false));
                }
            }
            Ok(V::Bool(true))
        }
    }
}
