//! `collections`: `deque` (its `append` and `popleft` atomic, as CPython's C methods are),
//! and the `dict` subclasses `defaultdict`, `Counter` and `OrderedDict`, which are dicts
//! with a [`DictKind`] (a missing key, a repr and a few methods of their own).

use super::exc;
use super::interp::{Flow, Interp, R, raise, type_err};
use super::libobj::{kwarg, no_more};
use super::stdlib::Native;
use super::value::{Dict, DictKind, V};
use std::collections::VecDeque;
use std::sync::Arc;
use threadline_runtime::footprint::Mutex;

type Kw = Vec<(Arc<str>, V)>;

/// The callables `collections` exports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CollFn {
    /// `collections.deque`.
    Deque,
    /// `collections.defaultdict`.
    DefaultDict,
    /// `collections.Counter`.
    Counter,
    /// `collections.OrderedDict`.
    OrderedDict,
}

impl CollFn {
    /// The name Python gives it.
    pub fn name(self) -> &'static str {
        match self {
            CollFn::Deque => "deque",
            CollFn::DefaultDict => "defaultdict",
            CollFn::Counter => "Counter",
            CollFn::OrderedDict => "OrderedDict",
        }
    }

    /// `from collections import name`.
    pub fn of_name(name: &str) -> Option<Self> {
        [CollFn::Deque, CollFn::DefaultDict, CollFn::Counter, CollFn::OrderedDict]
            .into_iter()
            .find(|f| f.name() == name)
    }
}

/// A `collections.deque`.
#[derive(Debug, Default)]
pub struct Deque {
    /// The items, left to right.
    pub items: Mutex<VecDeque<V>>,
    /// `maxlen=`: appending to a full deque drops an item from the other end.
    pub maxlen: Option<usize>,
}

impl Deque {
    fn push(&self, x: V, left: bool) {
        let mut d = self.items.lock();
        if self.maxlen == Some(0) {
            return;
        }
        if self.maxlen.is_some_and(|m| d.len() >= m) {
            if left {
                d.pop_back();
            } else {
                d.pop_front();
            }
        }
        if left {
            d.push_front(x);
        } else {
            d.push_back(x);
        }
    }

    /// A snapshot of the items.
    pub fn items(&self) -> Vec<V> {
        self.items.lock().iter().cloned().collect()
    }
}

fn key_error(k: V) -> Flow {
    Flow::Exc(Box::new(super::interp::Exc { value: exc::instance(exc::class("KeyError"), vec![k]), tb: Vec::new() }))
}

fn dict(kind: DictKind) -> Arc<Mutex<Dict>> {
    Arc::new(Mutex::new(Dict::of_kind(kind)))
}

/// Calls `collections.deque(…)`, `defaultdict(…)`, `Counter(…)`, `OrderedDict(…)`.
pub fn construct(it: &mut Interp<'_>, f: CollFn, mut pos: Vec<V>, mut kw: Kw) -> R<V> {
    match f {
        CollFn::Deque => {
            let maxlen = match kwarg(&mut kw, "maxlen").or_else(|| pos.get(1).cloned()) {
                None | Some(V::None) => None,
                Some(v) => {
                    let n = super::builtins::index(&v).or_else(|_| type_err("an integer is required"))?;
                    if n < 0 {
                        return raise("ValueError", "maxlen must be non-negative");
                    }
                    Some(n as usize)
                }
            };
            let src = kwarg(&mut kw, "iterable").or_else(|| pos.first().cloned());
            no_more("deque", &kw)?;
            if pos.len() > 2 {
                return type_err(format!("deque() takes at most 2 arguments ({} given)", pos.len()));
            }
            let d = Deque { items: Mutex::new(VecDeque::new()), maxlen };
            if let Some(src) = src {
                for x in it.collect_vec(&src)? {
                    d.push(x, false);
                }
            }
            Ok(V::Native(Arc::new(Native::Deque(Arc::new(d)))))
        }
        CollFn::DefaultDict => {
            let factory = if pos.is_empty() { V::None } else { pos.remove(0) };
            let callable = matches!(factory, V::None | V::Func(_) | V::Builtin(_) | V::Bound(_) | V::Class(_))
                || matches!(&factory, V::Native(n) if n.is_callable())
                || it.lookup_method(&factory, "__call__").is_some();
            if !callable {
                return type_err("first argument must be callable or None");
            }
            let d = dict(DictKind::Default(factory));
            fill(it, &d, pos.first(), kw, false)?;
            Ok(V::Dict(d))
        }
        CollFn::Counter => {
            if pos.len() > 1 {
                return type_err(format!("expected at most 1 argument, got {}", pos.len()));
            }
            let d = dict(DictKind::Counter);
            fill(it, &d, pos.first(), kw, true)?;
            Ok(V::Dict(d))
        }
        CollFn::OrderedDict => {
            if pos.len() > 1 {
                return type_err(format!("OrderedDict expected at most 1 argument, got {}", pos.len()));
            }
            let d = dict(DictKind::Ordered);
            fill(it, &d, pos.first(), kw, false)?;
            Ok(V::Dict(d))
        }
    }
}

/// `dict.update(src, **kw)`, or for a Counter, counting: a mapping's values are added, an
/// iterable's items counted one each.
fn fill(it: &mut Interp<'_>, d: &Arc<Mutex<Dict>>, src: Option<&V>, kw: Kw, counting: bool) -> R<()> {
    let mut pairs: Vec<(V, V)> = Vec::new();
    let base = src.and_then(crate::py::builtins::subclass::base_value);
    match base.as_ref().or(src) {
        None | Some(V::None) => {}
        Some(V::Dict(o)) => pairs = o.lock().map.values().cloned().collect(),
        Some(other) if counting => pairs = it.collect_vec(other)?.into_iter().map(|x| (x, V::Int(1))).collect(),
        Some(other) => {
            for (n, p) in it.collect_vec(other)?.into_iter().enumerate() {
                let kv = it.collect_vec(&p)?;
                if kv.len() != 2 {
                    return raise(
                        "ValueError",
                        format!("dictionary update sequence element #{n} has length {}; 2 is required", kv.len()),
                    );
                }
                pairs.push((kv[0].clone(), kv[1].clone()));
            }
        }
    }
    pairs.extend(kw.into_iter().map(|(k, v)| (V::str(k), v)));
    for (k, v) in pairs {
        let v = if counting {
            let old = d.lock().get(&k).or_else(type_err)?.unwrap_or(V::Int(0));
            it.binop(super::ir::BinOp::Add, &old, &v)?
        } else {
            v
        };
        d.lock().set(k, v).or_else(type_err)?;
    }
    Ok(())
}

/// `d[k]` for a key `d` lacks: a defaultdict makes it with its factory (and keeps it), a
/// Counter answers 0; None for a plain dict (a `KeyError`).
pub fn missing(it: &mut Interp<'_>, d: &Arc<Mutex<Dict>>, k: &V) -> R<Option<V>> {
    let kind = d.lock().kind.clone();
    match kind {
        DictKind::Default(f) if !matches!(f, V::None) => {
            let v = it.call(&f, Vec::new(), Vec::new())?;
            let mut g = d.lock();
            // Another thread may have made it meanwhile: the first one made wins, as in
            // CPython where `__missing__` runs under the GIL.
            if let Some(existing) = g.get(k).or_else(type_err)? {
                return Ok(Some(existing));
            }
            g.set(k.clone(), v.clone()).or_else(type_err)?;
            Ok(Some(v))
        }
        DictKind::Counter => Ok(Some(V::Int(0))),
        _ => Ok(None),
    }
}

/// `d.default_factory`.
pub fn dict_attr(d: &Arc<Mutex<Dict>>, name: &str) -> Option<V> {
    match (&d.lock().kind, name) {
        (DictKind::Default(f), "default_factory") => Some(f.clone()),
        _ => None,
    }
}

/// The methods a dict of this kind has beyond a plain dict's.
pub fn extra_methods(kind: &DictKind) -> &'static [&'static str] {
    match kind {
        DictKind::Counter => &["most_common", "elements", "subtract", "total"],
        DictKind::Ordered => &["move_to_end"],
        _ => &[],
    }
}

fn most_common(d: &Dict) -> Vec<(V, V)> {
    let mut pairs: Vec<(V, V)> = d.map.values().cloned().collect();
    pairs.sort_by(|a, b| {
        let (x, y) = (super::builtins::to_f64(&a.1), super::builtins::to_f64(&b.1));
        y.partial_cmp(&x).unwrap_or(std::cmp::Ordering::Equal)
    });
    pairs
}

/// A method of a Counter or OrderedDict that a plain dict lacks or does differently; None
/// when the dict's own method applies.
pub fn dict_method(it: &mut Interp<'_>, d: &Arc<Mutex<Dict>>, name: &str, pos: &[V], kw: &mut Kw) -> R<Option<V>> {
    let kind = d.lock().kind.clone();
    Ok(Some(match (kind, name) {
        (DictKind::Counter, "most_common") => {
            let n = match kwarg(kw, "n").or_else(|| pos.first().cloned()) {
                None | Some(V::None) => None,
                Some(v) => Some(super::builtins::index(&v)?.max(0) as usize),
            };
            let mut pairs = most_common(&d.lock());
            if let Some(n) = n {
                pairs.truncate(n);
            }
            V::list(pairs.into_iter().map(|(k, v)| V::tuple(vec![k, v])).collect())
        }
        (DictKind::Counter, "elements") => {
            let mut out = Vec::new();
            for (k, v) in d.lock().map.values() {
                let n = super::builtins::index(v).unwrap_or(0).clamp(0, 100_000_000);
                out.extend(std::iter::repeat_n(k.clone(), n as usize));
            }
            it.iter(V::list(out))?
        }
        (DictKind::Counter, "total") => {
            let vals: Vec<V> = d.lock().map.values().map(|(_, v)| v.clone()).collect();
            let mut t = V::Int(0);
            for v in vals {
                t = it.binop(super::ir::BinOp::Add, &t, &v)?;
            }
            t
        }
        (DictKind::Counter, "update" | "subtract") => {
            let src = pos.first().cloned();
            let sub = name == "subtract";
            let mut pairs: Vec<(V, V)> = match &src {
                None | Some(V::None) => Vec::new(),
                Some(V::Dict(o)) => o.lock().map.values().cloned().collect(),
                Some(other) => it.collect_vec(other)?.into_iter().map(|x| (x, V::Int(1))).collect(),
            };
            pairs.extend(std::mem::take(kw).into_iter().map(|(k, v)| (V::str(k), v)));
            for (k, v) in pairs {
                let old = d.lock().get(&k).or_else(type_err)?.unwrap_or(V::Int(0));
                let op = if sub { super::ir::BinOp::Sub } else { super::ir::BinOp::Add };
                let new = it.binop(op, &old, &v)?;
                d.lock().set(k, new).or_else(type_err)?;
            }
            V::None
        }
        (DictKind::Ordered, "move_to_end") => {
            let Some(k) = pos.first().cloned() else {
                return type_err("move_to_end() missing required argument 'key' (pos 1)");
            };
            let last = kwarg(kw, "last").or_else(|| pos.get(1).cloned()).is_none_or(|v| v.truthy());
            let h = k.hkey().or_else(type_err)?;
            let mut g = d.lock();
            let Some(ix) = g.map.get_index_of(&h) else { return Err(key_error(k)) };
            let to = if last { g.map.len() - 1 } else { 0 };
            g.map.move_index(ix, to);
            V::None
        }
        (DictKind::Ordered, "popitem") => {
            let last = kwarg(kw, "last").or_else(|| pos.first().cloned()).is_none_or(|v| v.truthy());
            let mut g = d.lock();
            let popped = if last { g.map.pop() } else { g.map.shift_remove_index(0) };
            match popped {
                Some((_, (k, v))) => V::tuple(vec![k, v]),
                None => return Err(key_error(V::str("dictionary is empty"))),
            }
        }
        _ => return Ok(None),
    }))
}

/// `a + b`, `a - b` on Counters: the result keeps only positive counts.
pub fn counter_binop(it: &mut Interp<'_>, op: super::ir::BinOp, a: &V, b: &V) -> R<Option<V>> {
    use super::ir::BinOp;
    let (V::Dict(x), V::Dict(y)) = (a, b) else { return Ok(None) };
    if !matches!(x.lock().kind, DictKind::Counter) || !matches!(y.lock().kind, DictKind::Counter) {
        return Ok(None);
    }
    if !matches!(op, BinOp::Add | BinOp::Sub) {
        return Ok(None);
    }
    let xs: Vec<(V, V)> = x.lock().map.values().cloned().collect();
    let ys: Vec<(V, V)> = y.lock().map.values().cloned().collect();
    let out = dict(DictKind::Counter);
    let mut sums: Vec<(V, V)> = Vec::new();
    for (k, v) in &xs {
        let other = y.lock().get(k).or_else(type_err)?.unwrap_or(V::Int(0));
        sums.push((k.clone(), it.binop(op, v, &other)?));
    }
    if op == BinOp::Add {
        for (k, v) in ys {
            if x.lock().get(&k).or_else(type_err)?.is_none() {
                sums.push((k, v));
            }
        }
    }
    for (k, v) in sums {
        if super::builtins::to_f64(&v).is_some_and(|n| n > 0.0) {
            out.lock().set(k, v).or_else(type_err)?;
        }
    }
    Ok(Some(V::Dict(out)))
}

fn deque_index(d: &VecDeque<V>, i: &V) -> R<usize> {
    let ix = super::builtins::index(i)
        .or_else(|_| type_err(format!("sequence index must be integer, not '{}'", i.type_name())))?;
    let n = d.len() as i64;
    let j = if ix < 0 { ix + n } else { ix };
    if j < 0 || j >= n {
        return raise("IndexError", "deque index out of range");
    }
    Ok(j as usize)
}

/// `d[i]`.
pub fn deque_get(d: &Deque, i: &V) -> R<V> {
    let g = d.items.lock();
    let j = deque_index(&g, i)?;
    Ok(g[j].clone())
}

/// `d[i] = v`.
pub fn deque_set(d: &Deque, i: &V, v: V) -> R<()> {
    let mut g = d.items.lock();
    let j = deque_index(&g, i)?;
    g[j] = v;
    Ok(())
}

/// `repr(d)`, given the items' reprs.
pub fn deque_repr(d: &Deque, items: &[String]) -> String {
    match d.maxlen {
        Some(m) => format!("deque([{}], maxlen={m})", items.join(", ")),
        None => format!("deque([{}])", items.join(", ")),
    }
}

/// A method of a deque.
pub fn deque_method(it: &mut Interp<'_>, d: &Arc<Deque>, name: &str, pos: Vec<V>, kw: Kw) -> R<V> {
    no_more(name, &kw)?;
    let one = |pos: &[V]| -> R<V> {
        match pos {
            [x] => Ok(x.clone()),
            _ => type_err(format!("deque.{name}() takes exactly one argument ({} given)", pos.len())),
        }
    };
    Ok(match name {
        "append" | "appendleft" => {
            d.push(one(&pos)?, name == "appendleft");
            V::None
        }
        "extend" | "extendleft" => {
            let items = it.collect_vec(&one(&pos)?)?;
            for x in items {
                d.push(x, name == "extendleft");
            }
            V::None
        }
        "pop" | "popleft" => {
            if !pos.is_empty() {
                return type_err(format!("deque.{name}() takes no arguments ({} given)", pos.len()));
            }
            let mut g = d.items.lock();
            let x = if name == "pop" { g.pop_back() } else { g.pop_front() };
            match x {
                Some(x) => x,
                None => return raise("IndexError", "pop from an empty deque"),
            }
        }
        "rotate" => {
            let n = match pos.first() {
                Some(v) => super::builtins::index(v)?,
                None => 1,
            };
            let mut g = d.items.lock();
            let len = g.len() as i64;
            if len > 0 {
                let k = n.rem_euclid(len) as usize;
                g.rotate_right(k);
            }
            V::None
        }
        "clear" => {
            d.items.lock().clear();
            V::None
        }
        "copy" | "__copy__" => {
            let c = Deque { items: Mutex::new(d.items.lock().clone()), maxlen: d.maxlen };
            V::Native(Arc::new(Native::Deque(Arc::new(c))))
        }
        "reverse" => {
            d.items.lock().make_contiguous().reverse();
            V::None
        }
        "count" => {
            let x = one(&pos)?;
            let mut n = 0;
            for y in d.items() {
                if it.eq(&y, &x)? {
                    n += 1;
                }
            }
            V::Int(n)
        }
        "index" => {
            let Some(x) = pos.first() else { return type_err("index expected at least 1 argument, got 0") };
            for (i, y) in d.items().iter().enumerate() {
                if it.eq(y, x)? {
                    return Ok(V::Int(i as i64));
                }
            }
            return raise("ValueError", format!("{} is not in deque", it.repr_of(x)?));
        }
        "remove" => {
            let x = one(&pos)?;
            for (i, y) in d.items().iter().enumerate() {
                if it.eq(y, &x)? {
                    d.items.lock().remove(i);
                    return Ok(V::None);
                }
            }
            return raise("ValueError", format!("{} is not in deque", it.repr_of(&x)?));
        }
        "insert" => {
            let [i, x] = &pos[..] else {
                return type_err(format!("insert expected 2 arguments, got {}", pos.len()));
            };
            let mut g = d.items.lock();
            if d.maxlen.is_some_and(|m| g.len() >= m) {
                return raise("IndexError", "deque already at its maximum size");
            }
            let n = g.len() as i64;
            let ix = super::builtins::index(i)?;
            let j = if ix < 0 { (ix + n).max(0) } else { ix.min(n) };
            g.insert(j as usize, x.clone());
            V::None
        }
        _ => return raise("AttributeError", format!("'collections.deque' object has no attribute '{name}'")),
    })
}
