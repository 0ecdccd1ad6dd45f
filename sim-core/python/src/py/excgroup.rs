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

/// A part split off `eg`: derived, with `eg`'s cause, context, notes and traceback, as
/// CPython's `split` copies them.
fn derive_part(eg: &V, items: Vec<V>) -> V {
    let g = derive(eg, items);
    if let (V::Inst(from), V::Inst(to)) = (eg, &g) {
        let src = from.dict.lock();
        let mut dst = to.dict.lock();
        for k in ["__cause__", "__context__", "__suppress_context__", "__notes__", "__tl_tb__"] {
            if let Some(v) = src.get(k) {
                dst.insert(Arc::from(k), v.clone());
            }
        }
    }
    g
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
    let side = |items: Vec<V>| (!items.is_empty()).then(|| derive_part(eg, items));
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
    let base = exc::class("BaseException");
    let is_exc = |t: &V| matches!(t, V::Class(c) if c.is_sub(&base));
    let ok = match t {
        V::Tuple(ts) => ts.iter().all(is_exc),
        t => is_exc(t),
    };
    if !ok {
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
    if !is_group(orig) {
        // A bare exception was wrapped: one clause at most ran, and what it raised (the
        // wrapping group again, for a bare `raise`) goes on as it is.
        return match raised.into_iter().next() {
            Some(r) => raise_out(r),
            None if matches!(rest, V::None) => Ok(V::None),
            None => raise_out(orig.clone()),
        };
    }
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
    // What goes on of the original, in its shape (a copy even when none of it was handled,
    // as CPython's).
    let keep = if keep_leaves.is_empty() {
        None
    } else {
        let pred = |e: &V| keep_leaves.iter().any(|k| k.is(e));
        shaped(orig, &pred)
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
    raise_out(result)
}

/// Raise what leaves an `except*` block: not chained to the exception the block handled (a
/// group made here gets no context; one a handler raised keeps the one it has).
fn raise_out(v: V) -> R<V> {
    if let V::Inst(i) = &v {
        let mut d = i.dict.lock();
        if !d.contains_key("__context__") {
            d.insert(Arc::from("__context__"), V::None);
            d.insert(Arc::from("__suppress_context__"), V::Bool(true));
        }
    }
    Err(Flow::Exc(Box::new(Exc { value: v, tb: Vec::new() })))
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
    (!items.is_empty()).then(|| derive_part(g, items))
}
