//! `match`'s structural checks (PEP 634), the hidden built-ins a lowered `case` calls
//! ([`crate::py::lower`]): each takes the value being matched and answers with the parts
//! to match further, or `None` when it does not fit. Messages are CPython 3.11's.

use super::builtins::isinstance;
use super::interp::{Interp, R, raise, type_err};
use super::ir::Builtin;
use super::value::{Class, Dict, V};
use std::sync::Arc;
use threadline_runtime::footprint::Mutex;

/// Call one of the hidden built-ins.
pub(crate) fn call(it: &mut Interp<'_>, b: Builtin, pos: Vec<V>) -> R<V> {
    let arg = |i: usize| pos.get(i).cloned().unwrap_or_default();
    let int = |i: usize| match pos.get(i) {
        Some(V::Int(n)) => *n,
        _ => -1,
    };
    match b {
        Builtin::MatchBind => Ok(V::Bool(true)),
        Builtin::MatchSeq => sequence(it, &arg(0), int(1), int(2)),
        Builtin::MatchMap => mapping(it, &arg(0), &arg(1), matches!(pos.get(2), Some(V::Bool(true)))),
        // A mapping with at least as many items as the pattern has keys (CPython looks at the
        // length before it evaluates the keys).
        Builtin::MatchIsMap => Ok(V::Bool(as_dict(&arg(0)).is_some_and(|d| d.lock().map.len() as i64 >= int(1)))),
        Builtin::MatchClass => class(it, &arg(0), &arg(1), int(2), &arg(3)),
        _ => raise("SystemError", "not a match helper"),
    }
}

/// Whether `v` is a sequence a sequence pattern matches: a list, tuple, range or deque (or
/// a subclass's instance), never a str, bytes or bytearray.
fn is_sequence(v: &V) -> bool {
    match v {
        V::List(_) | V::Tuple(_) | V::Range(_) => true,
        V::Inst(_) => super::builtins::subclass::base_value(v).is_some_and(|b| is_sequence(&b)),
        other => other.type_name() == "deque",
    }
}

/// `[p0, …, *rest, …]` with `n` patterns, the starred one at `star` (-1: none): the items,
/// the starred part as a list at its place; None when `v` is no sequence of a fitting length.
fn sequence(it: &mut Interp<'_>, v: &V, n: i64, star: i64) -> R<V> {
    // A named tuple is a tuple.
    let items = match super::namedtuple::tuple_values(v) {
        Some(items) => items,
        None if is_sequence(v) => it.collect_vec(v)?,
        None => return Ok(V::None),
    };
    let n = n.max(0) as usize;
    if star < 0 {
        return Ok(if items.len() == n { V::list(items) } else { V::None });
    }
    let fixed = n.saturating_sub(1);
    if items.len() < fixed {
        return Ok(V::None);
    }
    let k = star as usize;
    let after = fixed - k.min(fixed);
    let mut out: Vec<V> = items[..k].to_vec();
    out.push(V::list(items[k..items.len() - after].to_vec()));
    out.extend_from_slice(&items[items.len() - after..]);
    Ok(V::list(out))
}

/// `{k0: p0, …, **rest}`: the values of `keys` (a tuple), then a dict of the other items
/// when `rest`; None when `v` is no mapping or lacks a key.
/// The dict `v` is (a dict, one of `collections`' or a subclass's instance).
fn as_dict(v: &V) -> Option<Arc<Mutex<Dict>>> {
    let base = super::builtins::subclass::base_value(v);
    match base.as_ref().unwrap_or(v) {
        V::Dict(d) => Some(d.clone()),
        _ => None,
    }
}

fn mapping(it: &mut Interp<'_>, v: &V, keys: &V, rest: bool) -> R<V> {
    let Some(d) = as_dict(v) else { return Ok(V::None) };
    let keys = it.collect_vec(keys)?;
    for (i, k) in keys.iter().enumerate() {
        if keys[..i].iter().any(|o| o.hkey().ok() == k.hkey().ok()) {
            return raise("ValueError", format!("mapping pattern checks duplicate key ({})", k.repr()));
        }
    }
    let mut out = Vec::with_capacity(keys.len() + 1);
    let g = d.lock();
    for k in &keys {
        // As CPython's `get`: a defaultdict's factory is not called.
        match g.get(k) {
            Ok(Some(x)) => out.push(x),
            Ok(None) => return Ok(V::None),
            Err(msg) => return type_err(msg),
        }
    }
    if rest {
        let mut others = Dict::default();
        for (k, x) in g.map.values() {
            if !keys.iter().any(|m| m.hkey().ok() == k.hkey().ok()) {
                others.set(k.clone(), x.clone()).or_else(type_err)?;
            }
        }
        out.push(V::Dict(Arc::new(Mutex::new(others))));
    }
    Ok(V::list(out))
}

/// The built-in types whose one positional subpattern matches the object itself.
fn self_matching(b: Builtin) -> bool {
    matches!(
        b,
        Builtin::Bool
            | Builtin::Bytes
            | Builtin::Dict
            | Builtin::Float
            | Builtin::Frozenset
            | Builtin::Int
            | Builtin::List
            | Builtin::Set
            | Builtin::Str
            | Builtin::Tuple
    )
}

/// Whether `cls(x)` matches the object itself: a [`self_matching`] type, or a subclass of
/// one that does not say otherwise with `__match_args__`.
fn matches_self(cls: &V) -> bool {
    match cls {
        V::Builtin(b) => self_matching(*b),
        V::Class(c) => {
            c.lookup("__match_args__").is_none()
                && std::iter::once(c)
                    .chain(c.mro.iter())
                    .any(|k| &*k.module == "builtins" && Builtin::from_name(&k.name).is_some_and(self_matching))
        }
        _ => false,
    }
}

fn class_name(cls: &V) -> String {
    match cls {
        V::Class(c) => c.name.to_string(),
        V::Builtin(b) => b.name().to_string(),
        other => other.type_name().to_string(),
    }
}

/// `Cls(p0, …, name=p, …)` with `n_pos` positional subpatterns and the keyword ones named in
/// `kws`: the attributes to match (the positional ones named by `__match_args__`); None when
/// `v` is no instance of `cls` or lacks one of them.
fn class(it: &mut Interp<'_>, v: &V, cls: &V, n_pos: i64, kws: &V) -> R<V> {
    let is_type = match cls {
        V::Class(_) => true,
        V::Builtin(b) => self_matching(*b) || matches!(b, Builtin::Range | Builtin::Object | Builtin::Type),
        _ => false,
    };
    if !is_type {
        return type_err("called match pattern must be a type");
    }
    if !isinstance(v, cls, false)? {
        return Ok(V::None);
    }
    let n_pos = n_pos.max(0) as usize;
    let mut names: Vec<Arc<str>> = Vec::new();
    let mut out: Vec<V> = Vec::new();
    let name = class_name(cls);
    if n_pos > 0 {
        if matches_self(cls) {
            if n_pos > 1 {
                return type_err(format!("{name}() accepts 1 positional sub-pattern ({n_pos} given)"));
            }
            out.push(v.clone());
        } else {
            let args = match cls {
                V::Class(c) => match_args(c),
                _ => None,
            };
            let args = match args {
                None => Vec::new(),
                Some(V::Tuple(t)) => t.to_vec(),
                Some(other) => {
                    return type_err(format!("{name}.__match_args__ must be a tuple (got {})", other.type_name()));
                }
            };
            if n_pos > args.len() {
                let s = if args.len() == 1 { "" } else { "s" };
                return type_err(format!("{name}() accepts {} positional sub-pattern{s} ({n_pos} given)", args.len()));
            }
            for a in &args[..n_pos] {
                match a {
                    V::Str(s) => names.push(Arc::from(&**s)),
                    other => {
                        return type_err(format!(
                            "__match_args__ elements must be strings (got {})",
                            other.type_name()
                        ));
                    }
                }
            }
        }
    }
    for k in it.collect_vec(kws)? {
        if let V::Str(s) = k {
            names.push(Arc::from(&*s));
        }
    }
    for (i, n) in names.iter().enumerate() {
        if names[..i].contains(n) {
            return type_err(format!("{name}() got multiple sub-patterns for attribute '{n}'"));
        }
    }
    for n in &names {
        match it.get_attr(v, n) {
            Ok(x) => out.push(x),
            Err(super::interp::Flow::Exc(e)) if super::exc::is_instance_of(&e.value, "AttributeError") => {
                return Ok(V::None);
            }
            Err(e) => return Err(e),
        }
    }
    Ok(V::list(out))
}

/// A class's `__match_args__`, along its MRO.
fn match_args(c: &Arc<Class>) -> Option<V> {
    c.lookup("__match_args__")
}
