//! The methods of `list`, `dict` and `set`, method dispatch over built-in values, and
//! their attributes.

use super::*;

pub(crate) fn list_method(
    it: &mut Interp<'_>,
    obj: &V,
    l: &Arc<crate::py::value::ListCell>,
    name: &str,
    pos: Vec<V>,
    mut kw: Kw,
) -> R<V> {
    Ok(match name {
        "append" => {
            nargs("list.append", &pos, 1, 1)?;
            l.lock().push(pos.into_iter().next().unwrap_or_default());
            V::None
        }
        "extend" => {
            let items = it.collect_vec(pos.first().unwrap_or(&V::None))?;
            l.lock().extend(items);
            V::None
        }
        "pop" => {
            let mut g = l.lock();
            if g.is_empty() {
                return raise("IndexError", "pop from empty list");
            }
            let i = match pos.first() {
                Some(v) => index(v)?,
                None => -1,
            };
            match norm_index(i, g.len()) {
                Some(j) => g.remove(j),
                None => return raise("IndexError", "pop index out of range"),
            }
        }
        "insert" => {
            nargs("insert", &pos, 2, 2)?;
            let i = index(&pos[0])?;
            let mut g = l.lock();
            let n = g.len() as i64;
            let j = if i < 0 { (i + n).max(0) } else { i.min(n) };
            g.insert(j as usize, pos[1].clone());
            V::None
        }
        "remove" | "index" | "count" => {
            let Some(x) = pos.first() else {
                return type_err(format!("{name}() takes exactly one argument (0 given)"));
            };
            let items = l.lock().clone();
            // `index(x, start, end)` looks only in items[start:end].
            let (lo, hi) =
                if name == "index" { seq_span(items.len(), pos.get(1), pos.get(2))? } else { (0, items.len()) };
            let mut hits = Vec::new();
            for (i, y) in items.iter().enumerate().take(hi).skip(lo) {
                if it.eq(y, x)? {
                    hits.push(i);
                }
            }
            match name {
                "count" => V::Int(hits.len() as i64),
                "index" => match hits.first() {
                    Some(i) => V::Int(*i as i64),
                    None => return raise("ValueError", format!("{} is not in list", it.repr_of(x)?)),
                },
                _ => match hits.first() {
                    Some(i) => {
                        l.lock().remove(*i);
                        V::None
                    }
                    None => return raise("ValueError", "list.remove(x): x not in list"),
                },
            }
        }
        "sort" => {
            let key = take_kw(&mut kw, "key");
            let reverse = take_kw(&mut kw, "reverse").is_some_and(|v| v.truthy());
            let mut items = l.lock().clone();
            sort_values(it, &mut items, key.as_ref(), reverse)?;
            *l.lock() = items;
            V::None
        }
        "reverse" => {
            l.lock().reverse();
            V::None
        }
        "copy" => V::list(l.lock().clone()),
        "clear" => {
            l.lock().clear();
            V::None
        }
        _ => return raise("AttributeError", format!("'{}' object has no attribute '{name}'", obj.type_name())),
    })
}

/// `d.get(k, default)` (`None` when no default is given).
pub(crate) fn dict_get(d: &Mutex<Dict>, k: &V, default: Option<&V>) -> R<V> {
    Ok(d.lock().get(k).or_else(type_err)?.unwrap_or_else(|| default.cloned().unwrap_or_default()))
}

pub(crate) fn dict_method(it: &mut Interp<'_>, d: &Arc<Mutex<Dict>>, name: &str, pos: Vec<V>, kw: Kw) -> R<V> {
    Ok(match name {
        "get" => {
            let Some(k) = pos.first() else { return type_err("get expected at least 1 argument, got 0") };
            dict_get(d, k, pos.get(1))?
        }
        "keys" => V::Native(Arc::new(Native::DictView(Arc::clone(d), ViewKind::Keys))),
        "values" => V::Native(Arc::new(Native::DictView(Arc::clone(d), ViewKind::Values))),
        "items" => V::Native(Arc::new(Native::DictView(Arc::clone(d), ViewKind::Items))),
        "pop" => {
            let Some(k) = pos.first() else { return type_err("pop expected at least 1 argument, got 0") };
            let h = k.hkey().or_else(type_err)?;
            match d.lock().map.shift_remove(&h) {
                Some((_, v)) => v,
                None => match pos.get(1) {
                    Some(def) => def.clone(),
                    None => {
                        return Err(Flow::Exc(Box::new(crate::py::interp::Exc {
                            value: exc::instance(exc::class("KeyError"), vec![k.clone()]),
                            tb: Vec::new(),
                        })));
                    }
                },
            }
        }
        "setdefault" => {
            let Some(k) = pos.first() else { return type_err("setdefault expected at least 1 argument, got 0") };
            let mut g = d.lock();
            match g.get(k).or_else(type_err)? {
                Some(v) => v,
                None => {
                    let v = pos.get(1).cloned().unwrap_or_default();
                    g.set(k.clone(), v.clone()).or_else(type_err)?;
                    v
                }
            }
        }
        "update" => {
            if let Some(src) = pos.first() {
                let pairs: Vec<(V, V)> = match src {
                    V::Dict(o) => o.lock().map.values().cloned().collect(),
                    other => {
                        let mut v = Vec::new();
                        for p in it.collect_vec(other)? {
                            let kv = it.collect_vec(&p)?;
                            if kv.len() == 2 {
                                v.push((kv[0].clone(), kv[1].clone()));
                            }
                        }
                        v
                    }
                };
                let mut g = d.lock();
                for (k, v) in pairs {
                    g.set(k, v).or_else(type_err)?;
                }
            }
            let mut g = d.lock();
            for (k, v) in kw {
                g.set(V::str(k), v).or_else(type_err)?;
            }
            V::None
        }
        "copy" => V::Dict(Arc::new(Mutex::new(d.lock().clone()))),
        "clear" => {
            d.lock().map.clear();
            V::None
        }
        "popitem" => match d.lock().map.pop() {
            Some((_, (k, v))) => V::tuple(vec![k, v]),
            None => {
                return Err(Flow::Exc(Box::new(crate::py::interp::Exc {
                    value: exc::instance(exc::class("KeyError"), vec![V::str("popitem(): dictionary is empty")]),
                    tb: Vec::new(),
                })));
            }
        },
        _ => return raise("AttributeError", format!("'dict' object has no attribute '{name}'")),
    })
}

pub(crate) fn set_method(it: &mut Interp<'_>, obj: &V, d: &Arc<Mutex<Dict>>, name: &str, pos: Vec<V>) -> R<V> {
    let frozen = matches!(d.lock().kind, crate::py::value::DictKind::Frozen);
    if frozen
        && matches!(
            name,
            "add"
                | "remove"
                | "discard"
                | "pop"
                | "update"
                | "clear"
                | "intersection_update"
                | "difference_update"
                | "symmetric_difference_update"
        )
    {
        return raise("AttributeError", format!("'frozenset' object has no attribute '{name}'"));
    }
    if frozen && name == "copy" {
        return Ok(obj.clone());
    }
    Ok(match name {
        "add" => {
            d.lock().set(pos.first().cloned().unwrap_or_default(), V::None).or_else(type_err)?;
            V::None
        }
        "remove" | "discard" => {
            let k = pos.first().cloned().unwrap_or_default();
            let h = k.hkey().or_else(type_err)?;
            if d.lock().remove_member(&h).is_none() && name == "remove" {
                return Err(Flow::Exc(Box::new(crate::py::interp::Exc {
                    value: exc::instance(exc::class("KeyError"), vec![k]),
                    tb: Vec::new(),
                })));
            }
            V::None
        }
        "pop" => match d.lock().pop_member() {
            Some(k) => k,
            None => {
                return Err(Flow::Exc(Box::new(crate::py::interp::Exc {
                    value: exc::instance(exc::class("KeyError"), vec![V::str("pop from an empty set")]),
                    tb: Vec::new(),
                })));
            }
        },
        "update" => {
            for src in &pos {
                let items = it.collect_vec(src)?;
                // A set or dict is merged (its size known first), anything else added.
                if matches!(src, V::Set(_) | V::Dict(_)) {
                    d.lock().before_merge(items.len());
                }
                let mut g = d.lock();
                for x in items {
                    g.set(x, V::None).or_else(type_err)?;
                }
            }
            V::None
        }
        "union" | "intersection" | "difference" | "symmetric_difference" => {
            let op = match name {
                "union" => BinOp::BitOr,
                "intersection" => BinOp::BitAnd,
                "difference" => BinOp::Sub,
                _ => BinOp::BitXor,
            };
            let mut acc = obj.clone();
            for src in &pos {
                let other = new_set(it.collect_vec(src)?)?;
                acc = seq_binop(it, op, &acc, &other)?.unwrap_or_default();
            }
            if pos.is_empty() { V::Set(Arc::new(Mutex::new(d.lock().clone()))) } else { acc }
        }
        "issubset" | "issuperset" | "isdisjoint" => {
            let other = new_set(it.collect_vec(pos.first().unwrap_or(&V::None))?)?;
            let V::Set(o) = &other else { return Ok(V::Bool(false)) };
            let x = d.lock().clone();
            let y = o.lock().clone();
            V::Bool(match name {
                "issubset" => x.map.keys().all(|k| y.map.contains_key(k)),
                "issuperset" => y.map.keys().all(|k| x.map.contains_key(k)),
                _ => !x.map.keys().any(|k| y.map.contains_key(k)),
            })
        }
        "copy" => V::Set(Arc::new(Mutex::new(d.lock().set_copy()))),
        "clear" => {
            let mut g = d.lock();
            g.map.clear();
            g.table = None;
            V::None
        }
        _ => return raise("AttributeError", format!("'set' object has no attribute '{name}'")),
    })
}

/// A method call on a built-in value.
pub fn method(it: &mut Interp<'_>, obj: &V, name: &str, pos: Vec<V>, kw: Kw) -> R<V> {
    // `[1, 2].__len__()`, `(5).__add__(3)`: the type's own dunder.
    if name.starts_with("__")
        && !known_method(obj, name)
        && let Some(b) = type_of_builtin(obj)
        && super::subclass::base_class(b).is_some_and(|c| matches!(c.dict.read().get(name), Some(V::Native(_))))
    {
        let mut args = Vec::with_capacity(pos.len() + 1);
        args.push(obj.clone());
        args.extend(pos);
        return super::subclass::call(it, b, name, args, kw);
    }
    // A key or member given to a dict's or set's method: hashed by its own __hash__.
    if matches!(obj, V::Dict(_) | V::Set(_)) {
        for p in &pos {
            it.resolve_hash(p)?;
        }
    }
    match obj {
        V::Str(s) => str_method(it, s, name, pos, kw),
        V::List(l) => list_method(it, obj, l, name, pos, kw),
        // `get` is the same for every kind of dict: straight there.
        V::Dict(d) if name == "get" => dict_method(it, d, name, pos, kw),
        V::Dict(d) => {
            let mut kw = kw;
            let r = match crate::py::collections::dict_method(it, d, name, &pos, &mut kw)? {
                Some(v) => Ok(v),
                None => dict_method(it, d, name, pos, kw),
            };
            // An instance's __dict__ changed by a method (`update`, `setdefault`, `pop`…).
            if matches!(d.lock().kind, crate::py::value::DictKind::Of(_)) {
                crate::py::value::sync_inst_dict(&d.lock());
            }
            r
        }
        V::Set(d) => set_method(it, obj, d, name, pos),
        V::Tuple(t) => match name {
            "index" | "count" => {
                let Some(x) = pos.first() else {
                    return type_err(format!("{name}() takes exactly one argument (0 given)"));
                };
                let (lo, hi) = if name == "index" { seq_span(t.len(), pos.get(1), pos.get(2))? } else { (0, t.len()) };
                let mut hits = Vec::new();
                for (i, y) in t.iter().enumerate().take(hi).skip(lo) {
                    if it.eq(y, x)? {
                        hits.push(i);
                    }
                }
                if name == "count" {
                    Ok(V::Int(hits.len() as i64))
                } else {
                    match hits.first() {
                        Some(i) => Ok(V::Int(*i as i64)),
                        None => raise("ValueError", "tuple.index(x): x not in tuple"),
                    }
                }
            }
            _ => raise("AttributeError", format!("'tuple' object has no attribute '{name}'")),
        },
        V::Float(f) => match name {
            "is_integer" => Ok(V::Bool(f.fract() == 0.0)),
            "__round__" => call_builtin(it, Builtin::Round, std::iter::once(obj.clone()).chain(pos).collect(), kw),
            _ => raise("AttributeError", format!("'float' object has no attribute '{name}'")),
        },
        V::Int(_) | V::Big(_) | V::Bool(_) => match name {
            "bit_length" => Ok(V::Int(obj.to_big().map_or(0, |b| b.bits() as i64))),
            "to_bytes" | "from_bytes" => {
                raise("NotImplementedError", format!("int.{name}() is not available in Threadline"))
            }
            _ => raise("AttributeError", format!("'int' object has no attribute '{name}'")),
        },
        V::Iter(_) if name == "__next__" => match it.next(obj)? {
            Some(v) => Ok(v),
            None => raise("StopIteration", ""),
        },
        V::Iter(_) if name == "__iter__" => Ok(obj.clone()),
        V::Builtin(b) => {
            // `str.upper(s)`, `dict.fromkeys(...)`: an unbound method of a built-in type.
            if *b == Builtin::Dict && name == "fromkeys" {
                let keys = it.collect_vec(pos.first().unwrap_or(&V::None))?;
                let v = pos.get(1).cloned().unwrap_or_default();
                let mut d = Dict::default();
                for k in keys {
                    d.set(k, v.clone()).or_else(type_err)?;
                }
                return Ok(V::Dict(Arc::new(Mutex::new(d))));
            }
            if *b == Builtin::Bytes && name == "fromhex" {
                return crate::py::bytes::fromhex(pos.first());
            }
            let mut pos = pos;
            if pos.is_empty() {
                return type_err(format!("unbound method {}.{name}() needs an argument", b.name()));
            }
            if *b == Builtin::Str && name == "maketrans" {
                return super::maketrans(it, pos);
            }
            // `object.__setattr__(self, k, v)` in a class whose own `__setattr__` refuses,
            // `object.__new__(cls)` in a `__new__`: object's own behaviour.
            if *b == Builtin::Object
                && let Some(r) = object_method(it, name, &pos)?
            {
                return Ok(r);
            }
            // `list.__init__(self, items)` in a subclass: the built-in's own method, not the
            // instance's (which may be the subclass's override calling this).
            if matches!(pos[0], V::Inst(_))
                && super::subclass::base_class(*b).is_some_and(|c| c.dict.read().contains_key(name))
            {
                return super::subclass::call(it, *b, name, pos, kw);
            }
            let me = pos.remove(0);
            method(it, &me, name, pos, kw)
        }
        other => {
            let m = it.get_attr(other, name)?;
            it.call(&m, pos, kw)
        }
    }
}

/// `v.name` for built-in values (methods come back bound).
pub fn value_attr(_it: &mut Interp<'_>, obj: &V, name: &str) -> R<V> {
    match (obj, name) {
        (V::Range(r), "start") => Ok(V::Int(r[0])),
        (V::Range(r), "stop") => Ok(V::Int(r[1])),
        (V::Range(r), "step") => Ok(V::Int(r[2])),
        (V::Float(f), "real") => Ok(V::Float(*f)),
        (V::Float(_), "imag") => Ok(V::Float(0.0)),
        (v, "real" | "numerator") if v.is_int() => Ok(v.clone()),
        (v, "denominator") if v.is_int() => Ok(V::Int(1)),
        (v, "imag") if v.is_int() => Ok(V::Int(0)),
        (V::Dict(d), _) if let Some(v) = crate::py::collections::dict_attr(d, name) => Ok(v),
        (V::Str(_) | V::List(_) | V::Dict(_) | V::Set(_) | V::Tuple(_) | V::Float(_) | V::Int(_) | V::Big(_), _) => {
            if known_method(obj, name) {
                Ok(V::Native(Arc::new(Native::Method(obj.clone(), Arc::from(name)))))
            } else if name.starts_with("__")
                && let Some(m) = type_of_builtin(obj)
                    .and_then(super::subclass::base_class)
                    .and_then(|c| c.dict.read().get(name).cloned())
                    .filter(|m| matches!(m, V::Native(_)))
            {
                // `[1, 2].__len__()`, `(5).__add__(3)`: the type's own method, bound.
                Ok(crate::py::interp::bind(obj, m))
            } else {
                raise("AttributeError", format!("'{}' object has no attribute '{name}'", obj.type_name()))
            }
        }
        (V::Iter(_), "__next__") => Ok(V::Native(Arc::new(Native::Method(obj.clone(), Arc::from(name))))),
        _ => raise("AttributeError", format!("'{}' object has no attribute '{name}'", obj.type_name())),
    }
}

/// The built-in type of a plain value that has one.
fn type_of_builtin(v: &V) -> Option<Builtin> {
    Some(match v {
        V::Dict(_) => Builtin::Dict,
        V::List(_) => Builtin::List,
        V::Set(_) => Builtin::Set,
        V::Int(_) | V::Big(_) => Builtin::Int,
        V::Float(_) => Builtin::Float,
        V::Str(_) => Builtin::Str,
        V::Tuple(_) => Builtin::Tuple,
        _ => return None,
    })
}

pub(crate) fn known_method(obj: &V, name: &str) -> bool {
    if let V::Dict(d) = obj
        && crate::py::collections::extra_methods(&d.lock().kind).contains(&name)
    {
        return true;
    }
    let names: &[&str] = match obj {
        V::Str(_) => &[
            "format",
            "format_map",
            "translate",
            "istitle",
            "isidentifier",
            "isprintable",
            "expandtabs",
            "join",
            "upper",
            "lower",
            "strip",
            "lstrip",
            "rstrip",
            "split",
            "rsplit",
            "splitlines",
            "startswith",
            "endswith",
            "replace",
            "find",
            "index",
            "rfind",
            "count",
            "rindex",
            "partition",
            "rpartition",
            "removeprefix",
            "removesuffix",
            "casefold",
            "swapcase",
            "isascii",
            "ljust",
            "rjust",
            "center",
            "zfill",
            "isdigit",
            "isnumeric",
            "isdecimal",
            "isalpha",
            "isalnum",
            "isspace",
            "isupper",
            "islower",
            "title",
            "capitalize",
            "encode",
        ],
        V::List(_) => {
            &["append", "extend", "pop", "insert", "remove", "index", "count", "sort", "reverse", "copy", "clear"]
        }
        V::Dict(_) => &["get", "keys", "values", "items", "pop", "setdefault", "update", "copy", "clear", "popitem"],
        V::Set(_) => &[
            "add",
            "remove",
            "discard",
            "pop",
            "update",
            "union",
            "intersection",
            "difference",
            "symmetric_difference",
            "issubset",
            "issuperset",
            "isdisjoint",
            "copy",
            "clear",
        ],
        V::Tuple(_) => &["index", "count"],
        V::Float(_) => &["is_integer"],
        V::Int(_) | V::Big(_) => &["bit_length"],
        _ => &[],
    };
    names.contains(&name)
}

/// `items[start:end]`'s index range for `list.index` / `tuple.index` (negative from the
/// end, clamped).
fn seq_span(n: usize, start: Option<&V>, end: Option<&V>) -> R<(usize, usize)> {
    let n = n as i64;
    let bound = |v: Option<&V>, dflt: i64| -> R<i64> {
        Ok(match v {
            None | Some(V::None) => dflt,
            Some(v) => {
                let i = index(v)?;
                if i < 0 { (i + n).max(0) } else { i.min(n) }
            }
        })
    };
    Ok((bound(start, 0)? as usize, bound(end, n)? as usize))
}

/// `object.name(*pos)` where object's own method differs from the instance's.
fn object_method(it: &mut Interp<'_>, name: &str, pos: &[V]) -> R<Option<V>> {
    Ok(Some(match (name, pos) {
        ("__setattr__", [V::Inst(i), V::Str(k), v]) => {
            i.dict.lock().insert(Arc::from(&**k), v.clone());
            V::None
        }
        ("__delattr__", [V::Inst(i), V::Str(k)]) => {
            if i.dict.lock().shift_remove(&**k).is_none() {
                return raise("AttributeError", format!("'{}' object has no attribute '{k}'", i.class.name));
            }
            V::None
        }
        ("__getattribute__", [obj, V::Str(k)]) => it.get_attr(obj, k)?,
        ("__new__", [V::Class(c), ..]) => it.bare_instance(c),
        ("__init__", [_, ..]) => V::None,
        _ => return Ok(None),
    }))
}
