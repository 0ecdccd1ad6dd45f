//! What `functools` has beyond `partial` and `reduce` (which `stdlib` implements):
//! `update_wrapper` and `wraps`, `lru_cache` (with `maxsize`, `typed`, bare `@lru_cache`)
//! and `cache`, whose wrappers memoize by arguments with CPython's LRU order and counters and
//! answer `cache_info()` (`CacheInfo(hits=3, misses=5, maxsize=128, currsize=5)`),
//! `cache_clear()` and `cache_parameters()`; and `cmp_to_key`.
//!
//! Threadline's functions (`def`) carry no attributes, so `wraps`/`update_wrapper` copy
//! `__module__`, `__name__`, `__qualname__`, `__doc__` and set `__wrapped__` only where the
//! wrapper can hold them (an `lru_cache` wrapper, an instance); a plain function wrapper is
//! returned unchanged.

use super::interp::{Interp, R, type_err};
use super::ir::{CmpOp, ExprKind, StmtKind};
use super::libobj::{self, Kw};
use super::stdlib::{NFn, Native};
use super::value::{Dict, V, seq_items};
use std::sync::Arc;
use threadline_runtime::footprint::Mutex;

/// The callables of `functools` implemented here, and the methods of the objects they make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FtFn {
    /// `update_wrapper(wrapper, wrapped, assigned=…, updated=…)`.
    UpdateWrapper,
    /// `wraps(wrapped, assigned=…, updated=…)`.
    Wraps,
    /// `lru_cache(maxsize=128, typed=False)` or `@lru_cache`.
    LruCache,
    /// `cache(user_function)`.
    Cache,
    /// `cmp_to_key(mycmp)`.
    CmpToKey,
    /// The decorator `lru_cache(maxsize)` returns.
    LruDecorate,
    /// Calling an `lru_cache` wrapper.
    LruCall,
    /// `wrapper.cache_info()`.
    CacheInfo,
    /// `wrapper.cache_clear()`.
    CacheClear,
    /// `wrapper.cache_parameters()`.
    CacheParameters,
    /// `iter()` of a `CacheInfo`.
    TupleIter,
    /// `info[i]`.
    TupleGetItem,
    /// `len(info)`.
    TupleLen,
    /// `info == other`.
    TupleEq,
    /// Calling a `cmp_to_key` result.
    KeyMake,
    /// `K(a) < K(b)` and the other comparisons.
    KeyCmp(KeyOp),
    /// `total_ordering(cls)`.
    TotalOrdering,
    /// A comparison `total_ordering` derived: (the class's own one, this one).
    Total(KeyOp, KeyOp),
}

/// A comparison of `cmp_to_key` keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyOp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
}

impl FtFn {
    /// The name Python gives it.
    pub fn name(self) -> &'static str {
        match self {
            FtFn::UpdateWrapper => "update_wrapper",
            FtFn::Wraps => "wraps",
            FtFn::LruCache => "lru_cache",
            FtFn::Cache => "cache",
            FtFn::CmpToKey => "cmp_to_key",
            FtFn::LruDecorate => "decorating_function",
            FtFn::LruCall => "_lru_cache_wrapper",
            FtFn::CacheInfo => "cache_info",
            FtFn::CacheClear => "cache_clear",
            FtFn::CacheParameters => "cache_parameters",
            FtFn::TupleIter => "__iter__",
            FtFn::TupleGetItem => "__getitem__",
            FtFn::TupleLen => "__len__",
            FtFn::TupleEq => "__eq__",
            FtFn::KeyMake => "KeyWrapper",
            FtFn::KeyCmp(KeyOp::Lt) => "__lt__",
            FtFn::KeyCmp(KeyOp::Le) => "__le__",
            FtFn::KeyCmp(KeyOp::Gt) => "__gt__",
            FtFn::KeyCmp(KeyOp::Ge) => "__ge__",
            FtFn::KeyCmp(KeyOp::Eq) => "__eq__",
            FtFn::TotalOrdering => "total_ordering",
            FtFn::Total(_, op) => op.dunder(),
        }
    }
}

impl KeyOp {
    /// The method that implements it.
    pub fn dunder(self) -> &'static str {
        match self {
            KeyOp::Lt => "__lt__",
            KeyOp::Le => "__le__",
            KeyOp::Gt => "__gt__",
            KeyOp::Ge => "__ge__",
            KeyOp::Eq => "__eq__",
        }
    }
}

const ASSIGNED: [&str; 4] = ["__module__", "__name__", "__qualname__", "__doc__"];

fn strs(names: &[&str]) -> V {
    V::tuple(names.iter().map(|n| V::str(*n)).collect())
}

/// `functools.name`, for the names implemented here.
pub fn module_attr(name: &str) -> Option<V> {
    let f = match name {
        "update_wrapper" => FtFn::UpdateWrapper,
        "wraps" => FtFn::Wraps,
        "lru_cache" => FtFn::LruCache,
        "cache" => FtFn::Cache,
        "cmp_to_key" => FtFn::CmpToKey,
        "total_ordering" => FtFn::TotalOrdering,
        "WRAPPER_ASSIGNMENTS" => return Some(strs(&ASSIGNED)),
        "WRAPPER_UPDATES" => return Some(strs(&["__dict__"])),
        _ => return None,
    };
    Some(ft(f))
}

fn ft(f: FtFn) -> V {
    libobj::native_fn(NFn::Ft(f))
}

fn bound(f: FtFn, args: Vec<V>) -> V {
    libobj::bound(NFn::Ft(f), args)
}

/// The docstring of a function: its body's first statement when that is a string.
fn docstring(f: &super::value::Func) -> V {
    match f.def.body.first().map(|s| &s.kind) {
        Some(StmtKind::Expr(e)) => match &*e.kind {
            ExprKind::Const(v @ V::Str(_)) => v.clone(),
            _ => V::None,
        },
        _ => V::None,
    }
}

/// `getattr(obj, name)`, None where it has no such attribute.
fn try_attr(it: &mut Interp<'_>, obj: &V, name: &str) -> R<Option<V>> {
    if let (V::Func(f), "__doc__") = (obj, name) {
        return Ok(Some(docstring(f)));
    }
    match it.get_attr(obj, name) {
        Ok(v) => Ok(Some(v)),
        Err(e) if libobj::is_exc(&e, "AttributeError") => Ok(None),
        Err(e) => Err(e),
    }
}

/// `setattr(obj, name, v)`, skipped where Threadline's object cannot hold attributes (a
/// function, a native).
fn try_set(it: &mut Interp<'_>, obj: &V, name: &str, v: V) -> R<()> {
    match it.set_attr(obj, name, v) {
        Err(e) if matches!(obj, V::Func(_) | V::Native(_)) && libobj::is_exc(&e, "AttributeError") => Ok(()),
        r => r,
    }
}

/// `functools.update_wrapper`.
fn update_wrapper(it: &mut Interp<'_>, wrapper: &V, wrapped: &V, assigned: &[V], updated: &[V]) -> R<V> {
    for a in assigned {
        let name = a.to_str();
        if let Some(v) = try_attr(it, wrapped, &name)? {
            try_set(it, wrapper, &name, v)?;
        }
    }
    for u in updated {
        if u.to_str() != "__dict__" {
            continue;
        }
        if let (V::Inst(w), V::Inst(from)) = (wrapper, wrapped) {
            let items: Vec<(Arc<str>, V)> = from.dict.lock().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            w.dict.lock().extend(items);
        }
    }
    try_set(it, wrapper, "__wrapped__", wrapped.clone())?;
    Ok(wrapper.clone())
}

fn is_callable(it: &Interp<'_>, v: &V) -> bool {
    matches!(v, V::Func(_) | V::Builtin(_) | V::Bound(_) | V::Class(_))
        || matches!(v, V::Native(n) if n.is_callable())
        || it.lookup_method(v, "__call__").is_some()
}

// The state of an `lru_cache` wrapper, a list: the function, the cache (a dict from key to
// result, least recently used first), hits, misses, maxsize (None: unbounded), typed.
const FUNC: usize = 0;
const CACHE: usize = 1;
const HITS: usize = 2;
const MISSES: usize = 3;
const MAXSIZE: usize = 4;
const TYPED: usize = 5;

/// The wrapper `lru_cache(maxsize, typed)(func)` returns.
fn lru_wrapper(it: &mut Interp<'_>, func: V, maxsize: V, typed: V) -> R<V> {
    let cache = V::Dict(Arc::new(Mutex::new(Dict::default())));
    let state = V::list(vec![func.clone(), cache, V::Int(0), V::Int(0), maxsize, typed]);
    let obj = libobj::object(
        it,
        "_lru_cache_wrapper",
        "functools",
        vec![("__call__", bound(FtFn::LruCall, vec![state.clone()]))],
        None,
        vec![
            ("cache_info", bound(FtFn::CacheInfo, vec![state.clone()])),
            ("cache_clear", bound(FtFn::CacheClear, vec![state.clone()])),
            ("cache_parameters", bound(FtFn::CacheParameters, vec![state])),
        ],
    );
    let assigned: Vec<V> = ASSIGNED.iter().map(|a| V::str(*a)).collect();
    update_wrapper(it, &obj, &func, &assigned, &[V::str("__dict__")])
}

type State = Arc<crate::py::value::ListCell>;

fn state_of(v: &V) -> R<(State, Vec<V>)> {
    match v {
        V::List(l) => {
            let items = l.lock().clone();
            if items.len() == 6 {
                return Ok((l.clone(), items));
            }
            type_err("bad lru_cache state")
        }
        _ => type_err("bad lru_cache state"),
    }
}

fn bump(state: &State, slot: usize) {
    let mut s = state.lock();
    let n = s[slot].as_int().unwrap_or(0);
    s[slot] = V::Int(n + 1);
}

/// `_make_key`: the arguments, then a marker and the keyword arguments, then (typed) the
/// types of all of them.
fn make_key(args: &[V], kw: &Kw, typed: bool) -> V {
    // CPython keys a lone int or str argument by itself, not by a 1-tuple: `f(1)` and
    // `f(1.0)` are two entries.
    if let ([one @ (V::Int(_) | V::Big(_) | V::Str(_))], true, false) = (args, kw.is_empty(), typed) {
        return one.clone();
    }
    let mut key: Vec<V> = args.to_vec();
    if !kw.is_empty() {
        key.push(V::str("\u{0}functools._kwd_mark"));
        for (k, v) in kw {
            key.push(V::str(k.clone()));
            key.push(v.clone());
        }
    }
    if typed {
        key.extend(args.iter().map(super::builtins::type_of));
        key.extend(kw.iter().map(|(_, v)| super::builtins::type_of(v)));
    }
    V::tuple(key)
}

fn lru_call(it: &mut Interp<'_>, state: &V, args: Vec<V>, kw: Kw) -> R<V> {
    let (st, s) = state_of(state)?;
    let V::Dict(cache) = &s[CACHE] else { return type_err("bad lru_cache state") };
    let maxsize = s[MAXSIZE].as_int().map(|m| m.max(0) as usize);
    if maxsize == Some(0) {
        bump(&st, MISSES);
        return it.call(&s[FUNC], args, kw);
    }
    let key = make_key(&args, &kw, s[TYPED].truthy());
    let h = key.hkey().or_else(type_err)?;
    {
        let mut c = cache.lock();
        if let Some(ix) = c.map.get_index_of(&h) {
            let v = c.map[ix].1.clone();
            if maxsize.is_some() {
                let last = c.map.len() - 1;
                c.map.move_index(ix, last);
            }
            drop(c);
            bump(&st, HITS);
            return Ok(v);
        }
    }
    bump(&st, MISSES);
    let result = it.call(&s[FUNC], args, kw)?;
    let mut c = cache.lock();
    match maxsize {
        None => {
            c.map.insert(h, (key, result.clone()));
        }
        // A recursive call may have added the key meanwhile: then it stays as it is.
        Some(m) if !c.map.contains_key(&h) => {
            if c.map.len() >= m {
                c.map.shift_remove_index(0);
            }
            c.map.insert(h, (key, result.clone()));
        }
        Some(_) => {}
    }
    Ok(result)
}

/// A named tuple's look: `name(field=value, …)` as its repr, its fields as attributes,
/// iterable, indexable, sized and equal to the same tuple.
fn named_tuple(it: &mut Interp<'_>, name: &str, fields: &[&str], values: Vec<V>) -> R<V> {
    let mut parts = Vec::with_capacity(fields.len());
    for (f, v) in fields.iter().zip(&values) {
        parts.push(format!("{f}={}", it.repr_of(v)?));
    }
    let t = V::tuple(values.clone());
    let mut attrs: Vec<(&str, V)> = fields.iter().copied().zip(values).collect();
    attrs.push(("_fields", strs(fields)));
    Ok(libobj::object(
        it,
        name,
        "functools",
        vec![
            ("__iter__", bound(FtFn::TupleIter, vec![t.clone()])),
            ("__getitem__", bound(FtFn::TupleGetItem, vec![t.clone()])),
            ("__len__", bound(FtFn::TupleLen, vec![t.clone()])),
            ("__eq__", bound(FtFn::TupleEq, vec![t])),
        ],
        Some(format!("{name}({})", parts.join(", "))),
        attrs,
    ))
}

fn first(pos: &[V]) -> V {
    pos.first().cloned().unwrap_or_default()
}

/// Calls `functools.f(*pos, **kw)` (or a method of an object made here).
pub fn call(it: &mut Interp<'_>, f: FtFn, pos: Vec<V>, mut kw: Kw) -> R<V> {
    match f {
        FtFn::TotalOrdering => {
            libobj::no_more("total_ordering", &kw)?;
            libobj::positional("total_ordering", &pos, &["cls"], 1)?;
            let V::Class(c) = &pos[0] else {
                return super::interp::raise("ValueError", "must define at least one ordering operation: < > <= >=");
            };
            // CPython's choice of root: the greatest name among those the class defines.
            let order = [KeyOp::Lt, KeyOp::Le, KeyOp::Gt, KeyOp::Ge];
            let object = super::exc::object_class();
            let own = |name: &str| {
                std::iter::once(c)
                    .chain(c.mro.iter())
                    .any(|k| !Arc::ptr_eq(k, &object) && k.dict.read().contains_key(name))
            };
            let defined: Vec<KeyOp> = order.into_iter().filter(|op| own(op.dunder())).collect();
            let Some(&root) = defined.first() else {
                return super::interp::raise("ValueError", "must define at least one ordering operation: < > <= >=");
            };
            {
                let mut d = c.dict.write();
                for op in order {
                    if !defined.contains(&op) {
                        d.insert(Arc::from(op.dunder()), ft(FtFn::Total(root, op)));
                    }
                }
            }
            super::value::classes_changed();
            Ok(pos[0].clone())
        }
        FtFn::Total(root, op) => {
            let [me, other] = <[V; 2]>::try_from(pos).map_err(|_| {
                super::interp::Flow::Exc(Box::new(super::interp::Exc {
                    value: super::exc::new_exc("TypeError", format!("{}() takes exactly one argument", op.dunder())),
                    tb: Vec::new(),
                }))
            })?;
            let r = it.call_method(&me, root.dunder(), vec![other.clone()], Vec::new())?;
            if matches!(&r, V::Native(n) if matches!(**n, Native::NotImplemented)) {
                return Ok(r);
            }
            let holds = it.truthy(&r)?;
            // functools' _gt_from_lt and friends, by (root, derived).
            use KeyOp::*;
            let v = match (root, op) {
                (Lt, Gt) | (Gt, Lt) => !holds && !it.eq(&me, &other)?,
                (Lt, Le) | (Gt, Ge) => holds || it.eq(&me, &other)?,
                (Lt, Ge) | (Gt, Le) | (Le, Gt) | (Ge, Lt) => !holds,
                (Le, Ge) | (Ge, Le) => !holds || it.eq(&me, &other)?,
                (Le, Lt) | (Ge, Gt) => holds && !it.eq(&me, &other)?,
                _ => holds,
            };
            Ok(V::Bool(v))
        }
        FtFn::UpdateWrapper => {
            let mut all = pos;
            for (i, n) in ["wrapper", "wrapped", "assigned", "updated"].into_iter().enumerate() {
                if let Some(v) = libobj::kwarg(&mut kw, n) {
                    if all.len() > i {
                        return type_err(format!("update_wrapper() got multiple values for argument '{n}'"));
                    }
                    if all.len() < i {
                        return type_err(format!("update_wrapper() missing required argument before '{n}'"));
                    }
                    all.push(v);
                }
            }
            libobj::no_more("update_wrapper", &kw)?;
            libobj::positional("update_wrapper", &all, &["wrapper", "wrapped", "assigned", "updated"], 2)?;
            let assigned = match all.get(2) {
                Some(a) => it.collect_vec(a)?,
                None => ASSIGNED.iter().map(|a| V::str(*a)).collect(),
            };
            let updated = match all.get(3) {
                Some(u) => it.collect_vec(u)?,
                None => vec![V::str("__dict__")],
            };
            update_wrapper(it, &all[0], &all[1], &assigned, &updated)
        }
        FtFn::Wraps => {
            let mut all = pos;
            for (i, n) in ["wrapped", "assigned", "updated"].into_iter().enumerate() {
                if let Some(v) = libobj::kwarg(&mut kw, n) {
                    if all.len() != i {
                        return type_err(format!("wraps() got multiple values for argument '{n}'"));
                    }
                    all.push(v);
                }
            }
            libobj::no_more("wraps", &kw)?;
            libobj::positional("wraps", &all, &["wrapped", "assigned", "updated"], 1)?;
            let mut pkw: Kw = vec![(Arc::from("wrapped"), all[0].clone())];
            pkw.push((Arc::from("assigned"), all.get(1).cloned().unwrap_or_else(|| strs(&ASSIGNED))));
            pkw.push((Arc::from("updated"), all.get(2).cloned().unwrap_or_else(|| strs(&["__dict__"]))));
            Ok(V::Native(Arc::new(Native::Partial(ft(FtFn::UpdateWrapper), Vec::new(), pkw))))
        }
        FtFn::LruCache => {
            let maxsize = libobj::arg(&pos, &mut kw, 0, "maxsize").unwrap_or(V::Int(128));
            let typed = libobj::arg(&pos, &mut kw, 1, "typed").unwrap_or(V::Bool(false));
            libobj::no_more("lru_cache", &kw)?;
            libobj::positional("lru_cache", &pos, &["maxsize", "typed"], 0)?;
            let maxsize = match maxsize {
                V::Int(_) | V::Bool(_) => V::Int(maxsize.as_int().unwrap_or(0).max(0)),
                V::Big(b) => V::from_big((*b).clone().max(num_bigint::BigInt::from(0))),
                V::None => V::None,
                f if is_callable(it, &f) && matches!(typed, V::Bool(_)) => {
                    return lru_wrapper(it, f, V::Int(128), typed);
                }
                _ => return type_err("Expected first argument to be an integer, a callable, or None"),
            };
            Ok(bound(FtFn::LruDecorate, vec![maxsize, typed]))
        }
        FtFn::Cache => {
            libobj::no_more("cache", &kw)?;
            if pos.len() != 1 {
                return type_err(format!("cache() takes 1 positional argument but {} were given", pos.len()));
            }
            lru_wrapper(it, first(&pos), V::None, V::Bool(false))
        }
        FtFn::LruDecorate => {
            libobj::no_more("decorating_function", &kw)?;
            if pos.len() != 3 {
                return type_err(format!(
                    "decorating_function() takes 1 positional argument but {} were given",
                    pos.len().saturating_sub(2)
                ));
            }
            let mut p = pos.into_iter();
            let (maxsize, typed, func) =
                (p.next().unwrap_or_default(), p.next().unwrap_or_default(), p.next().unwrap_or_default());
            lru_wrapper(it, func, maxsize, typed)
        }
        FtFn::LruCall => {
            let mut pos = pos;
            let state = if pos.is_empty() { V::None } else { pos.remove(0) };
            lru_call(it, &state, pos, kw)
        }
        FtFn::CacheInfo | FtFn::CacheClear | FtFn::CacheParameters => {
            if pos.len() != 1 || !kw.is_empty() {
                return type_err(format!("{}() takes no arguments ({} given)", f.name(), pos.len().saturating_sub(1)));
            }
            let (st, s) = state_of(&pos[0])?;
            let V::Dict(cache) = &s[CACHE] else { return type_err("bad lru_cache state") };
            match f {
                FtFn::CacheInfo => {
                    let size = V::Int(cache.lock().map.len() as i64);
                    let values = vec![s[HITS].clone(), s[MISSES].clone(), s[MAXSIZE].clone(), size];
                    named_tuple(it, "CacheInfo", &["hits", "misses", "maxsize", "currsize"], values)
                }
                FtFn::CacheClear => {
                    cache.lock().map.clear();
                    let mut g = st.lock();
                    g[HITS] = V::Int(0);
                    g[MISSES] = V::Int(0);
                    Ok(V::None)
                }
                _ => {
                    let mut d = Dict::default();
                    d.set(V::str("maxsize"), s[MAXSIZE].clone()).or_else(type_err)?;
                    d.set(V::str("typed"), s[TYPED].clone()).or_else(type_err)?;
                    Ok(V::Dict(Arc::new(Mutex::new(d))))
                }
            }
        }
        FtFn::TupleIter => Ok(libobj::iter_of(seq_items(&first(&pos)))),
        FtFn::TupleLen => Ok(V::Int(seq_items(&first(&pos)).len() as i64)),
        FtFn::TupleGetItem => {
            let i = pos.get(1).cloned().unwrap_or_default();
            it.get_item(&first(&pos), &i)
        }
        FtFn::TupleEq => {
            let other = pos.get(1).cloned().unwrap_or_default();
            let other = match &other {
                V::Inst(_) if libobj::own_attr(&other, "_fields").is_some() => V::tuple(it.collect_vec(&other)?),
                _ => other,
            };
            Ok(V::Bool(it.eq(&first(&pos), &other)?))
        }
        FtFn::CmpToKey => {
            let mycmp = libobj::arg(&pos, &mut kw, 0, "mycmp");
            libobj::no_more("cmp_to_key", &kw)?;
            let Some(mycmp) = mycmp else {
                return type_err("cmp_to_key() missing required argument 'mycmp' (pos 1)");
            };
            let call = bound(FtFn::KeyMake, vec![mycmp]);
            Ok(libobj::object(it, "KeyWrapper", "functools", vec![("__call__", call)], None, Vec::new()))
        }
        FtFn::KeyMake => {
            libobj::no_more("K", &kw)?;
            let [mycmp, obj] = pos.as_slice() else {
                return type_err(format!("K() takes exactly 1 argument ({} given)", pos.len().saturating_sub(1)));
            };
            let methods = [KeyOp::Lt, KeyOp::Le, KeyOp::Gt, KeyOp::Ge, KeyOp::Eq]
                .into_iter()
                .map(|op| (FtFn::KeyCmp(op).name(), bound(FtFn::KeyCmp(op), vec![mycmp.clone(), obj.clone()])))
                .collect();
            Ok(libobj::object(it, "KeyWrapper", "functools", methods, None, vec![("obj", obj.clone())]))
        }
        FtFn::KeyCmp(op) => {
            let [mycmp, a, other] = pos.as_slice() else { return type_err("bad comparison") };
            let Some(b) = libobj::own_attr(other, "obj") else {
                return type_err("other argument must be K instance");
            };
            let r = it.call(mycmp, vec![a.clone(), b], Vec::new())?;
            let op = match op {
                KeyOp::Lt => CmpOp::Lt,
                KeyOp::Le => CmpOp::LtE,
                KeyOp::Gt => CmpOp::Gt,
                KeyOp::Ge => CmpOp::GtE,
                KeyOp::Eq => CmpOp::Eq,
            };
            Ok(V::Bool(it.compare(op, &r, &V::Int(0))?))
        }
    }
}
