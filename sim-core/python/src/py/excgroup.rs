//! Exception groups (PEP 654): `ExceptionGroup.split`, `subgroup` and `derive`, and the
//! hidden built-ins a lowered `try … except*` calls ([`crate::py::lower`]): one splits what
//! is left of the exception by a clause's type, one works out at the end what is raised
//! (CPython's `_PyExc_PrepReraiseStar`): nothing when every part was handled, the
//! unhandled and re-raised parts in the original group's shape, and a new group when a
//! handler raised something new.

use super::exc;
use super::interp::{Exc, Flow, Interp, R, type_err};
use super::value::V;
use std::sync::Arc;

/// Whether `v` is an exception group.
pub(crate) fn is_group(v: &V) -> bool {
    exc::is_instance_of(v, "ExceptionGroup")
}

/// A group's members.
pub(crate) fn members(v: &V) -> Vec<V> {
    parts(v).1
}

/// A group's message and members.
fn parts(v: &V) -> (V, Vec<V>) {
    let V::Inst(i) = v else { return (V::str(""), Vec::new()) };
    let d = i.dict.lock();
    let msg = d.get("message").cloned().unwrap_or_else(|| V::str(""));
    let items = match d.get("exceptions") {
        Some(V::Tuple(t)) => t.to_vec(),
        _ => Vec::new(),
    };
    (msg, items)
}

/// `ExceptionGroup(msg, items)`, its `args` a list or (for a bare exception wrapped by
/// `except*`) a tuple, as CPython prints them.
fn make(msg: V, items: Vec<V>, tuple_args: bool) -> V {
    let list = if tuple_args { V::tuple(items.clone()) } else { V::list(items.clone()) };
    let g = exc::instance(exc::class("ExceptionGroup"), vec![msg.clone(), list]);
    if let V::Inst(i) = &g {
        let mut d = i.dict.lock();
        d.insert(Arc::from("message"), msg);
        d.insert(Arc::from("exceptions"), V::tuple(items));
    }
    g
}

/// `eg.derive(items)`: a group with `eg`'s message.
fn derive(eg: &V, items: Vec<V>) -> V {
    make(parts(eg).0, items, false)
}

/// What a split is by: an exception type (or a tuple of them) or a predicate.
enum Cond<'a> {
    Type(&'a V),
    Pred(&'a V),
}

impl Cond<'_> {
    fn holds(&self, it: &mut Interp<'_>, e: &V) -> R<bool> {
        match self {
            Cond::Type(t) => Ok(exc::matches(e, t)),
            Cond::Pred(f) => {
                let r = it.call(f, vec![e.clone()], Vec::new())?;
                it.truthy(&r)
            }
        }
    }
}

fn cond(c: &V) -> R<Cond<'_>> {
    match c {
        V::Class(_) | V::Tuple(_) => Ok(Cond::Type(c)),
        V::Func(_) | V::Native(_) | V::Builtin(_) | V::Bound(_) => Ok(Cond::Pred(c)),
        _ => type_err("expected a function, exception type or tuple of exception types"),
    }
}

/// `eg.split(cond)`: the part that matches and the rest, each in `eg`'s shape (None when
/// empty).
fn split(it: &mut Interp<'_>, eg: &V, c: &Cond<'_>) -> R<(Option<V>, Option<V>)> {
    if c.holds(it, eg)? {
        return Ok((Some(eg.clone()), None));
    }
    let (mut hit, mut miss) = (Vec::new(), Vec::new());
    for e in parts(eg).1 {
        if is_group(&e) {
            let (m, r) = split(it, &e, c)?;
            hit.extend(m);
            miss.extend(r);
        } else if c.holds(it, &e)? {
            hit.push(e);
        } else {
            miss.push(e);
        }
    }
    let side = |items: Vec<V>| (!items.is_empty()).then(|| derive(eg, items));
    Ok((side(hit), side(miss)))
}

/// `ExceptionGroup.split`, `subgroup` and `derive` (`me` first in `pos`).
pub(crate) fn method(it: &mut Interp<'_>, name: &str, pos: &[V]) -> R<V> {
    let [me, arg] = pos else {
        return type_err(format!("{name}() takes exactly one argument ({} given)", pos.len().saturating_sub(1)));
    };
    match name {
        "derive" => Ok(derive(me, it.collect_vec(arg)?)),
        _ => {
            let c = cond(arg)?;
            let (m, r) = split(it, me, &c)?;
            Ok(if name == "subgroup" {
                m.unwrap_or_default()
            } else {
                V::tuple(vec![m.unwrap_or_default(), r.unwrap_or_default()])
            })
        }
    }
}

/// `except* T`: what is left of the exception (`rest`, None once all of it was handled)
/// split by `T`: `[match, rest]`. A bare exception that matches is wrapped in a group.
pub(crate) fn star_split(it: &mut Interp<'_>, rest: &V, t: &V) -> R<V> {
    if let V::Class(c) = t
        && c.is_sub(&exc::class("ExceptionGroup"))
    {
        return type_err("catching ExceptionGroup with except* is not allowed. Use except instead.");
    }
    if let V::Tuple(ts) = t
        && ts.iter().any(|t| matches!(t, V::Class(c) if c.is_sub(&exc::class("ExceptionGroup"))))
    {
        return type_err("catching ExceptionGroup with except* is not allowed. Use except instead.");
    }
    if !matches!(t, V::Class(_) | V::Tuple(_)) {
        return type_err("catching classes that do not inherit from BaseException is not allowed");
    }
    let none = || V::list(vec![V::None, V::None]);
    if matches!(rest, V::None) {
        return Ok(none());
    }
    if !is_group(rest) {
        return Ok(if exc::matches(rest, t) {
            V::list(vec![make(V::str(""), vec![rest.clone()], true), V::None])
        } else {
            V::list(vec![V::None, rest.clone()])
        });
    }
    let (m, r) = split(it, rest, &Cond::Type(t))?;
    Ok(V::list(vec![m.unwrap_or_default(), r.unwrap_or_default()]))
}

/// The leaf exceptions of `v`.
fn leaves(v: &V, out: &mut Vec<V>) {
    if is_group(v) {
        for e in parts(v).1 {
            leaves(&e, out);
        }
    } else {
        out.push(v.clone());
    }
}

/// The end of a `try … except*`: `orig` the exception, `rest` what no clause matched,
/// `matched` the parts handed to handlers, `raised` what handlers raised. Raises what
/// CPython raises, or returns None.
pub(crate) fn star_end(it: &mut Interp<'_>, orig: &V, rest: &V, matched: &V, raised: &V) -> R<V> {
    let matched = it.collect_vec(matched)?;
    let raised = it.collect_vec(raised)?;
    // A handler's bare `raise` (or `raise eg`) re-raises its part: it stays in the shape it
    // had; anything else is new.
    let (again, new): (Vec<V>, Vec<V>) = raised.into_iter().partition(|r| matched.iter().any(|m| m.is(r)));
    let mut keep_leaves = Vec::new();
    if !matches!(rest, V::None) {
        leaves(rest, &mut keep_leaves);
    }
    for r in &again {
        leaves(r, &mut keep_leaves);
    }
    let mut all = Vec::new();
    leaves(orig, &mut all);
    let keep = if keep_leaves.is_empty() {
        None
    } else if all.iter().all(|e| keep_leaves.iter().any(|k| k.is(e))) {
        // Nothing of it handled: the exception itself goes on.
        Some(orig.clone())
    } else if is_group(orig) {
        let pred = |e: &V| keep_leaves.iter().any(|k| k.is(e));
        shaped(orig, &pred)
    } else {
        Some(orig.clone())
    };
    let mut out = new;
    let result = match (out.is_empty(), keep) {
        (true, None) => return Ok(V::None),
        (true, Some(k)) => k,
        (false, k) => {
            out.extend(k);
            if out.len() == 1 { out.pop().unwrap_or_default() } else { make(V::str(""), out, false) }
        }
    };
    Err(Flow::Exc(Box::new(Exc { value: result, tb: Vec::new() })))
}

/// The part of group `g` whose leaves `keep` holds, in `g`'s shape.
fn shaped(g: &V, keep: &dyn Fn(&V) -> bool) -> Option<V> {
    let mut items = Vec::new();
    for e in parts(g).1 {
        if is_group(&e) {
            items.extend(shaped(&e, keep));
        } else if keep(&e) {
            items.push(e);
        }
    }
    (!items.is_empty()).then(|| derive(g, items))
}
