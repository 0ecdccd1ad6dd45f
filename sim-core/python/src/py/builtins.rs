//! Builtin functions (`print`, `len`, `sorted`…) and the methods of built-in types
//! (`str`, `list`, `dict`, `set`, `tuple`, `int`, `float`), with CPython's messages.

use super::exc;
use super::format::round_float;
use super::interp::{Flow, Interp, R, raise, type_err};
use super::ir::{BinOp, Builtin};
use super::stdlib::Native;
use super::value::{Dict, PyIter, V, cmp, range_len};
use crate::py::value::ViewKind;
use num_bigint::BigInt;
use num_traits::{Signed, ToPrimitive};
use parking_lot::Mutex;
use std::sync::Arc;

type Kw = Vec<(Arc<str>, V)>;

fn take_kw(kw: &mut Kw, name: &str) -> Option<V> {
    let i = kw.iter().position(|(k, _)| &**k == name)?;
    Some(kw.remove(i).1)
}

fn no_kw(fname: &str, kw: &Kw) -> R<()> {
    match kw.first() {
        Some((k, _)) => type_err(format!("{fname}() got an unexpected keyword argument '{k}'")),
        None => Ok(()),
    }
}

fn nargs(fname: &str, pos: &[V], min: usize, max: usize) -> R<()> {
    if pos.len() < min || pos.len() > max {
        if min == max {
            return type_err(format!(
                "{fname}() takes exactly {} argument{} ({} given)",
                min,
                if min == 1 { "" } else { "s" },
                pos.len()
            ));
        }
        if pos.len() < min {
            return type_err(format!(
                "{fname} expected at least {min} argument{}, got {}",
                if min == 1 { "" } else { "s" },
                pos.len()
            ));
        }
        return type_err(format!(
            "{fname} expected at most {max} argument{}, got {}",
            if max == 1 { "" } else { "s" },
            pos.len()
        ));
    }
    Ok(())
}

/// An index argument.
pub fn index(v: &V) -> R<i64> {
    match v {
        V::Int(i) => Ok(*i),
        V::Bool(b) => Ok(*b as i64),
        V::Big(_) => raise("OverflowError", "Python int too large to convert to C ssize_t"),
        V::Inst(_) if super::enums::is_int_member(v) => index(&super::enums::int_value(v)),
        other => type_err(format!("'{}' object cannot be interpreted as an integer", other.type_name())),
    }
}

fn new_set(items: Vec<V>) -> R<V> {
    let mut d = Dict::default();
    for v in items {
        d.set(v, V::None).or_else(type_err)?;
    }
    Ok(V::Set(Arc::new(Mutex::new(d))))
}

fn sort_values(it: &mut Interp<'_>, items: &mut [V], key: Option<&V>, reverse: bool) -> R<()> {
    let keys: Vec<V> = match key {
        Some(k) if !matches!(k, V::None) => {
            items.iter().map(|x| it.call(k, vec![x.clone()], Vec::new())).collect::<R<_>>()?
        }
        _ => items.to_vec(),
    };
    // A stable sort; `reverse` keeps equal items in their order, as CPython does (reverse,
    // sort stably, reverse back).
    let mut pairs: Vec<(V, V)> = keys.into_iter().zip(items.iter().cloned()).collect();
    if reverse {
        pairs.reverse();
    }
    let mut sorted = super::libobj::sort_stable(it, pairs, |p| &p.0)?;
    if reverse {
        sorted.reverse();
    }
    for (slot, (_, v)) in items.iter_mut().zip(sorted) {
        *slot = v;
    }
    Ok(())
}

fn min_max(it: &mut Interp<'_>, name: &str, pos: Vec<V>, mut kw: Kw, want_max: bool) -> R<V> {
    let key = take_kw(&mut kw, "key");
    let default = take_kw(&mut kw, "default");
    no_kw(name, &kw)?;
    let items = if pos.len() == 1 { it.collect_vec(&pos[0])? } else { pos };
    if items.is_empty() {
        return match default {
            Some(d) => Ok(d),
            None => raise("ValueError", format!("{name}() arg is an empty sequence")),
        };
    }
    let mut best = items[0].clone();
    let mut best_key = match &key {
        Some(k) => it.call(k, vec![best.clone()], Vec::new())?,
        None => best.clone(),
    };
    for x in items.into_iter().skip(1) {
        let k = match &key {
            Some(k) => it.call(k, vec![x.clone()], Vec::new())?,
            None => x.clone(),
        };
        let better = if want_max {
            it.compare(super::ir::CmpOp::Gt, &k, &best_key)?
        } else {
            it.compare(super::ir::CmpOp::Lt, &k, &best_key)?
        };
        if better {
            best = x;
            best_key = k;
        }
    }
    Ok(best)
}

/// Parse `int(str)`.
fn int_from_str(s: &str, base: u32) -> Option<V> {
    let t = s.trim().replace('_', "");
    let (neg, digits) = match t.strip_prefix('-') {
        Some(r) => (true, r.to_string()),
        None => (false, t.strip_prefix('+').unwrap_or(&t).to_string()),
    };
    let (base, digits) = if base == 16 || base == 0 {
        match digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
            Some(d) => (16, d.to_string()),
            None => (if base == 0 { 10 } else { base }, digits),
        }
    } else {
        (base, digits)
    };
    if digits.is_empty() || digits.len() > 4300 {
        return None;
    }
    let b = BigInt::parse_bytes(digits.as_bytes(), base)?;
    Some(V::from_big(if neg { -b } else { b }))
}

/// Call a builtin.
pub fn call_builtin(it: &mut Interp<'_>, b: Builtin, pos: Vec<V>, mut kw: Kw) -> R<V> {
    use Builtin as B;
    let name = b.name();
    match b {
        B::Print => {
            let sep = match take_kw(&mut kw, "sep") {
                None | Some(V::None) => " ".to_string(),
                Some(V::Str(s)) => s.to_string(),
                Some(o) => return type_err(format!("sep must be None or a string, not {}", o.type_name())),
            };
            let end = match take_kw(&mut kw, "end") {
                None | Some(V::None) => "\n".to_string(),
                Some(V::Str(s)) => s.to_string(),
                Some(o) => return type_err(format!("end must be None or a string, not {}", o.type_name())),
            };
            let _ = take_kw(&mut kw, "flush");
            let file = take_kw(&mut kw, "file");
            no_kw(name, &kw)?;
            let mut text = String::new();
            for (i, v) in pos.iter().enumerate() {
                if i > 0 {
                    text.push_str(&sep);
                }
                text.push_str(&it.str_of(v)?);
            }
            text.push_str(&end);
            let stderr = matches!(&file, Some(V::Native(n)) if matches!(**n, Native::Stderr));
            it.w.write_out(it.ctx, &text, stderr);
            Ok(V::None)
        }
        B::Range => {
            no_kw(name, &kw)?;
            let ints = pos.iter().map(index).collect::<R<Vec<_>>>()?;
            let (a, b, s) = match ints.as_slice() {
                [b] => (0, *b, 1),
                [a, b] => (*a, *b, 1),
                [a, b, s] => (*a, *b, *s),
                [] => return type_err("range expected at least 1 argument, got 0"),
                _ => return type_err(format!("range expected at most 3 arguments, got {}", ints.len())),
            };
            if s == 0 {
                return raise("ValueError", "range() arg 3 must not be zero");
            }
            Ok(V::Range(Arc::new([a, b, s])))
        }
        B::Len => {
            nargs(name, &pos, 1, 1)?;
            let n = match &pos[0] {
                V::Str(s) => s.chars().count() as i64,
                V::List(l) => l.lock().len() as i64,
                V::Tuple(t) => t.len() as i64,
                V::Dict(d) | V::Set(d) => d.lock().map.len() as i64,
                V::Range(r) => range_len(r[0], r[1], r[2]),
                V::Class(c) if super::enums::is_enum(c) => super::enums::members(c).len() as i64,
                v @ V::Inst(_) => match it.lookup_method(v, "__len__") {
                    Some(m) => return it.call(&m, Vec::new(), Vec::new()),
                    None => return type_err(format!("object of type '{}' has no len()", v.type_name())),
                },
                V::Native(n) => match super::stdlib::native_len(n) {
                    Some(n) => n,
                    None => return type_err(format!("object of type '{}' has no len()", pos[0].type_name())),
                },
                other => return type_err(format!("object of type '{}' has no len()", other.type_name())),
            };
            Ok(V::Int(n))
        }
        B::Enumerate => {
            let start = match take_kw(&mut kw, "start") {
                Some(v) => index(&v)?,
                None => pos.get(1).map(index).transpose()?.unwrap_or(0),
            };
            let Some(src) = pos.first() else { return type_err("enumerate() missing required argument 'iterable'") };
            super::itertools::builtin_enumerate(it, src, start)
        }
        B::Zip => {
            let strict = take_kw(&mut kw, "strict").is_some_and(|v| v.truthy());
            super::itertools::builtin_zip(it, &pos, strict)
        }
        B::Sorted => {
            nargs(name, &pos, 1, 1)?;
            let key = take_kw(&mut kw, "key");
            let reverse = take_kw(&mut kw, "reverse").is_some_and(|v| v.truthy());
            no_kw(name, &kw)?;
            let mut items = it.collect_vec(&pos[0])?;
            sort_values(it, &mut items, key.as_ref(), reverse)?;
            Ok(V::list(items))
        }
        B::Reversed => {
            nargs(name, &pos, 1, 1)?;
            if let V::Native(n) = &pos[0]
                && let Native::Lazy(l) = &**n
            {
                return type_err(format!("'{}' object is not reversible", l.name));
            }
            let mut items = it.collect_vec(&pos[0])?;
            items.reverse();
            Ok(V::Iter(Arc::new(Mutex::new(PyIter::Items(items, 0)))))
        }
        B::Sum => {
            let start = take_kw(&mut kw, "start").or_else(|| pos.get(1).cloned()).unwrap_or(V::Int(0));
            let Some(src) = pos.first() else {
                return type_err("sum() takes at least 1 positional argument (0 given)");
            };
            if let V::Range(r) = src
                && let V::Int(st) = start
            {
                let (a, s) = (&r[0], &r[2]);
                let n = range_len(r[0], r[1], r[2]) as i128;
                let total = n * (*a as i128) + (*s as i128) * n * (n - 1) / 2 + st as i128;
                return Ok(match i64::try_from(total) {
                    Ok(v) => V::Int(v),
                    Err(_) => V::from_big(BigInt::from(total)),
                });
            }
            if let V::Str(_) = start {
                return type_err("sum() can't sum strings [use ''.join(seq) instead]");
            }
            let items = it.collect_vec(src)?;
            let mut acc = start;
            for x in items {
                acc = it.binop(BinOp::Add, &acc, &x)?;
            }
            Ok(acc)
        }
        B::Min => min_max(it, name, pos, kw, false),
        B::Max => min_max(it, name, pos, kw, true),
        B::Abs => {
            nargs(name, &pos, 1, 1)?;
            Ok(match &pos[0] {
                V::Int(i) => i.checked_abs().map_or_else(|| V::from_big(BigInt::from(*i).abs()), V::Int),
                V::Bool(b) => V::Int(*b as i64),
                V::Big(b) => V::from_big(b.abs()),
                V::Float(f) => V::Float(f.abs()),
                v @ V::Inst(_) => match it.lookup_method(v, "__abs__") {
                    Some(m) => return it.call(&m, Vec::new(), Vec::new()),
                    None => return type_err(format!("bad operand type for abs(): '{}'", v.type_name())),
                },
                other => return type_err(format!("bad operand type for abs(): '{}'", other.type_name())),
            })
        }
        B::Round => {
            let nd = take_kw(&mut kw, "ndigits").or_else(|| pos.get(1).cloned());
            let Some(x) = pos.first() else { return type_err("round() missing required argument 'number' (pos 1)") };
            match (x, nd) {
                (V::Float(f), None | Some(V::None)) => {
                    if !f.is_finite() {
                        return if f.is_nan() {
                            raise("ValueError", "cannot convert float NaN to integer")
                        } else {
                            raise("OverflowError", "cannot convert float infinity to integer")
                        };
                    }
                    let r = f.round();
                    let r = if (f - f.trunc()).abs() == 0.5 { 2.0 * (f / 2.0).round() } else { r };
                    Ok(float_to_int(r))
                }
                (V::Float(f), Some(n)) => Ok(V::Float(round_float(*f, index(&n)?))),
                (v, None | Some(V::None)) if v.is_int() => Ok(match v {
                    V::Bool(b) => V::Int(*b as i64),
                    other => other.clone(),
                }),
                (v, Some(n)) if v.is_int() => {
                    let n = index(&n)?;
                    if n >= 0 {
                        return Ok(v.clone());
                    }
                    let big = v.to_big().unwrap_or_default();
                    let p = num_traits::pow::Pow::pow(&BigInt::from(10), (-n).min(5000) as u64);
                    let q = num_integer::Integer::div_floor(&big, &p);
                    let r = &big - &q * &p;
                    let twice = &r * 2;
                    let q = if twice > p || (twice == p && num_integer::Integer::is_odd(&q)) { q + 1 } else { q };
                    Ok(V::from_big(q * p))
                }
                (v, _) => type_err(format!("type {} doesn't define __round__ method", v.type_name())),
            }
        }
        B::Int => {
            let base = take_kw(&mut kw, "base").or_else(|| pos.get(1).cloned());
            no_kw(name, &kw)?;
            let Some(x) = pos.first() else { return Ok(V::Int(0)) };
            match (x, base) {
                (V::Str(s), b) => {
                    let base = b.map(|b| index(&b)).transpose()?.unwrap_or(10);
                    match int_from_str(s, base as u32) {
                        Some(v) => Ok(v),
                        None => {
                            raise("ValueError", format!("invalid literal for int() with base {base}: {}", x.repr()))
                        }
                    }
                }
                (V::Float(f), None) => {
                    if f.is_nan() {
                        return raise("ValueError", "cannot convert float NaN to integer");
                    }
                    if f.is_infinite() {
                        return raise("OverflowError", "cannot convert float infinity to integer");
                    }
                    Ok(float_to_int(f.trunc()))
                }
                (V::Bool(b), None) => Ok(V::Int(*b as i64)),
                (v, None) if v.is_int() => Ok(v.clone()),
                (v @ V::Inst(_), None) => match it.lookup_method(v, "__int__") {
                    Some(m) => it.call(&m, Vec::new(), Vec::new()),
                    None => type_err(format!(
                        "int() argument must be a string, a bytes-like object or a real number, not '{}'",
                        v.type_name()
                    )),
                },
                (v, _) => type_err(format!(
                    "int() argument must be a string, a bytes-like object or a real number, not '{}'",
                    v.type_name()
                )),
            }
        }
        B::Float => {
            let Some(x) = pos.first() else { return Ok(V::Float(0.0)) };
            match x {
                V::Str(s) => {
                    let t = s.trim().to_lowercase().replace('_', "");
                    let v = match t.as_str() {
                        "inf" | "+inf" | "infinity" => Some(f64::INFINITY),
                        "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
                        "nan" | "+nan" | "-nan" => Some(f64::NAN),
                        _ => t.parse::<f64>().ok(),
                    };
                    match v {
                        Some(f) => Ok(V::Float(f)),
                        None => raise("ValueError", format!("could not convert string to float: {}", x.repr())),
                    }
                }
                V::Float(_) => Ok(x.clone()),
                v if v.is_int() => match v.as_f64() {
                    Some(f) if f.is_finite() => Ok(V::Float(f)),
                    _ => raise("OverflowError", "int too large to convert to float"),
                },
                other => {
                    type_err(format!("float() argument must be a string or a real number, not '{}'", other.type_name()))
                }
            }
        }
        B::Str => match pos.first() {
            None => Ok(V::str("")),
            Some(v) => Ok(V::str(it.str_of(v)?)),
        },
        B::Repr => {
            nargs(name, &pos, 1, 1)?;
            Ok(V::str(it.repr_of(&pos[0])?))
        }
        B::Bool => match pos.first() {
            None => Ok(V::Bool(false)),
            Some(v) => Ok(V::Bool(it.truthy(v)?)),
        },
        B::List => match pos.first() {
            None => Ok(V::list(Vec::new())),
            Some(v) => Ok(V::list(it.collect_vec(v)?)),
        },
        B::Tuple => match pos.first() {
            None => Ok(V::tuple(Vec::new())),
            Some(V::Tuple(t)) => Ok(V::Tuple(t.clone())),
            Some(v) => Ok(V::tuple(it.collect_vec(v)?)),
        },
        B::Set | B::Frozenset => match pos.first() {
            None => new_set(Vec::new()),
            Some(v) => {
                let items = it.collect_vec(v)?;
                new_set(items)
            }
        },
        B::Dict => {
            let mut d = Dict::default();
            if let Some(src) = pos.first() {
                match src {
                    V::Dict(o) => d.map = o.lock().map.clone(),
                    other => {
                        for pair in it.collect_vec(other)? {
                            let kv = it.collect_vec(&pair)?;
                            if kv.len() != 2 {
                                return raise(
                                    "ValueError",
                                    format!(
                                        "dictionary update sequence element #0 has length {}; 2 is required",
                                        kv.len()
                                    ),
                                );
                            }
                            d.set(kv[0].clone(), kv[1].clone()).or_else(type_err)?;
                        }
                    }
                }
            }
            for (k, v) in kw {
                d.set(V::Str(k), v).or_else(type_err)?;
            }
            Ok(V::Dict(Arc::new(Mutex::new(d))))
        }
        B::Isinstance | B::Issubclass => {
            nargs(name, &pos, 2, 2)?;
            Ok(V::Bool(isinstance(&pos[0], &pos[1], b == B::Issubclass)?))
        }
        B::Any | B::All => {
            nargs(name, &pos, 1, 1)?;
            let items = it.collect_vec(&pos[0])?;
            for x in items {
                let t = it.truthy(&x)?;
                if b == B::Any && t {
                    return Ok(V::Bool(true));
                }
                if b == B::All && !t {
                    return Ok(V::Bool(false));
                }
            }
            Ok(V::Bool(b == B::All))
        }
        B::Map => {
            if pos.len() < 2 {
                return type_err("map() must have at least two arguments.");
            }
            super::itertools::builtin_map(it, &pos)
        }
        B::Filter => super::itertools::builtin_filter(it, &pos, &kw),
        B::Iter => {
            nargs(name, &pos, 1, 1)?;
            it.iter(pos[0].clone())
        }
        B::Next => {
            nargs(name, &pos, 1, 2)?;
            if let V::Native(n) = &pos[0]
                && let Native::Gen(g) = &**n
                && g.is_generator()
            {
                // A generator's return value travels in its StopIteration.
                return match g.resume(it, super::frame::Resume::Send(V::None))? {
                    super::frame::Out::Yield(v) => Ok(v),
                    super::frame::Out::Return(_) if pos.len() == 2 => Ok(pos[1].clone()),
                    super::frame::Out::Return(v) => super::frame::stop_iteration(v),
                };
            }
            match it.next(&pos[0])? {
                Some(v) => Ok(v),
                None => match pos.get(1) {
                    Some(d) => Ok(d.clone()),
                    None => raise("StopIteration", ""),
                },
            }
        }
        B::Type if pos.len() == 3 => {
            // type(name, bases, dict): a class made as a `class` statement makes it.
            let (V::Str(cname), V::Tuple(bases), V::Dict(ns)) = (&pos[0], &pos[1], &pos[2]) else {
                return type_err("type.__new__() argument 1 must be str, argument 2 a tuple, argument 3 a dict");
            };
            let mut attrs = super::value::Attrs::default();
            for (k, v) in ns.lock().map.values() {
                let V::Str(k) = k else { return type_err("type.__new__(): attribute names must be strings") };
                attrs.insert(k.clone(), v.clone());
            }
            Ok(V::Class(it.make_class(cname, bases, attrs)?))
        }
        B::Type => {
            nargs(name, &pos, 1, 1)?;
            Ok(type_of(&pos[0]))
        }
        B::Id => {
            nargs(name, &pos, 1, 1)?;
            Ok(V::Int(pos[0].id() as i64 & i64::MAX))
        }
        B::Hash => {
            nargs(name, &pos, 1, 1)?;
            // A class's `__hash__` (None: unhashable), as dataclasses set it.
            if let V::Inst(i) = &pos[0] {
                match i.class.lookup("__hash__") {
                    Some(V::None) => return type_err(format!("unhashable type: '{}'", i.class.name)),
                    Some(h @ (V::Func(_) | V::Native(_))) => {
                        return it.call(&super::interp::bind(&pos[0], h), Vec::new(), Vec::new());
                    }
                    _ => {}
                }
            }
            let k = pos[0].hkey().or_else(type_err)?;
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            k.hash(&mut h);
            Ok(match &pos[0] {
                V::Int(i) => V::Int(*i),
                _ => V::Int((h.finish() >> 1) as i64),
            })
        }
        B::Chr => {
            nargs(name, &pos, 1, 1)?;
            let i = index(&pos[0])?;
            match u32::try_from(i).ok().and_then(char::from_u32) {
                Some(c) => Ok(V::str(c.to_string())),
                None => raise("ValueError", "chr() arg not in range(0x110000)"),
            }
        }
        B::Ord => {
            nargs(name, &pos, 1, 1)?;
            match &pos[0] {
                V::Str(s) if s.chars().count() == 1 => Ok(V::Int(s.chars().next().map_or(0, |c| c as i64))),
                V::Str(s) => {
                    type_err(format!("ord() expected a character, but string of length {} found", s.chars().count()))
                }
                other => type_err(format!("ord() expected string of length 1, but {} found", other.type_name())),
            }
        }
        B::Divmod => {
            nargs(name, &pos, 2, 2)?;
            let q = it.binop(BinOp::FloorDiv, &pos[0], &pos[1])?;
            let r = it.binop(BinOp::Mod, &pos[0], &pos[1])?;
            Ok(V::tuple(vec![q, r]))
        }
        B::Pow => {
            nargs(name, &pos, 2, 3)?;
            let p = it.binop(BinOp::Pow, &pos[0], &pos[1])?;
            match pos.get(2) {
                Some(m) => it.binop(BinOp::Mod, &p, m),
                None => Ok(p),
            }
        }
        B::Hasattr => {
            nargs(name, &pos, 2, 2)?;
            let V::Str(n) = &pos[1] else { return type_err("hasattr(): attribute name must be string") };
            match it.get_attr(&pos[0], n) {
                Ok(_) => Ok(V::Bool(true)),
                Err(Flow::Exc(e)) if exc::is_instance_of(&e.value, "AttributeError") => Ok(V::Bool(false)),
                Err(e) => Err(e),
            }
        }
        B::Getattr => {
            nargs(name, &pos, 2, 3)?;
            let V::Str(n) = &pos[1] else { return type_err("getattr(): attribute name must be string") };
            match it.get_attr(&pos[0], n) {
                Ok(v) => Ok(v),
                Err(Flow::Exc(e)) if pos.len() == 3 && exc::is_instance_of(&e.value, "AttributeError") => {
                    Ok(pos[2].clone())
                }
                Err(e) => Err(e),
            }
        }
        B::Setattr => {
            nargs(name, &pos, 3, 3)?;
            let V::Str(n) = &pos[1] else { return type_err("setattr(): attribute name must be string") };
            it.set_attr(&pos[0], n, pos[2].clone())?;
            Ok(V::None)
        }
        B::Callable => {
            nargs(name, &pos, 1, 1)?;
            Ok(V::Bool(
                matches!(pos[0], V::Func(_) | V::Builtin(_) | V::Bound(_) | V::Class(_))
                    || matches!(&pos[0], V::Native(n) if n.is_callable())
                    || it.lookup_method(&pos[0], "__call__").is_some(),
            ))
        }
        B::Object => Ok(V::Inst(Arc::new(super::value::Inst {
            class: exc::object_class(),
            dict: Mutex::new(indexmap::IndexMap::default()),
            native: Mutex::new(super::value::InstNative::None),
        }))),
        B::Format => {
            nargs(name, &pos, 1, 2)?;
            let spec = match pos.get(1) {
                Some(V::Str(s)) => s.to_string(),
                _ => String::new(),
            };
            Ok(V::str(it.format_value(&pos[0], &spec)?))
        }
        B::Bin | B::Hex | B::Oct => {
            nargs(name, &pos, 1, 1)?;
            let Some(big) = pos[0].to_big() else {
                return type_err(format!("'{}' object cannot be interpreted as an integer", pos[0].type_name()));
            };
            let (radix, prefix) = match b {
                B::Bin => (2, "0b"),
                B::Hex => (16, "0x"),
                _ => (8, "0o"),
            };
            let s = big.abs().to_str_radix(radix);
            Ok(V::str(if big.is_negative() { format!("-{prefix}{s}") } else { format!("{prefix}{s}") }))
        }
        B::Property | B::StaticMethod | B::ClassMethod => {
            nargs(name, &pos, 1, 1)?;
            let f = pos.into_iter().next().unwrap_or_default();
            Ok(V::Native(Arc::new(match b {
                B::Property => Native::Property(f),
                B::StaticMethod => Native::StaticMethod(f),
                _ => Native::ClassMethod(f),
            })))
        }
        B::Super => raise("RuntimeError", "super(): no arguments"),
        B::Input | B::Open | B::Exec | B::Eval | B::Globals | B::Locals | B::Vars | B::Dir => {
            raise("NotImplementedError", format!("{name}() is not available in Threadline"))
        }
    }
}

fn float_to_int(f: f64) -> V {
    if f.abs() < 9.0e18 {
        V::Int(f as i64)
    } else {
        // Exact conversion of a large float.
        let bits = f.to_bits();
        let exp = ((bits >> 52) & 0x7ff) as i64 - 1075;
        let mant = (bits & ((1 << 52) - 1)) | (1 << 52);
        let mut b = BigInt::from(mant);
        b = if exp >= 0 { b << exp as usize } else { b >> (-exp) as usize };
        V::from_big(if f < 0.0 { -b } else { b })
    }
}

/// `type(v)`.
pub fn type_of(v: &V) -> V {
    match v {
        V::Inst(i) => V::Class(i.class.clone()),
        V::Bool(_) => V::Builtin(Builtin::Bool),
        V::Int(_) | V::Big(_) => V::Builtin(Builtin::Int),
        V::Float(_) => V::Builtin(Builtin::Float),
        V::Str(_) => V::Builtin(Builtin::Str),
        V::List(_) => V::Builtin(Builtin::List),
        V::Tuple(_) => V::Builtin(Builtin::Tuple),
        V::Dict(d) => match d.lock().kind.type_name() {
            "dict" => V::Builtin(Builtin::Dict),
            name => V::Class(type_class(name, "collections")),
        },
        V::Set(_) => V::Builtin(Builtin::Set),
        V::Range(..) => V::Builtin(Builtin::Range),
        V::Class(_) => V::Builtin(Builtin::Type),
        // Natives, functions, None: a class of that name, one per name, so that
        // `type(x).__name__` and `type(x) is type(y)` work as in CPython.
        other => V::Class(type_class(&other.type_name(), "builtins")),
    }
}

/// The class standing for a type the interpreter implements natively (`lock`, `Queue`,
/// `NoneType`, `function`…): made once per name.
fn type_class(name: &str, module: &str) -> Arc<super::value::Class> {
    static TYPES: std::sync::OnceLock<Mutex<std::collections::HashMap<String, Arc<super::value::Class>>>> =
        std::sync::OnceLock::new();
    let mut m = TYPES.get_or_init(Default::default).lock();
    m.entry(format!("{module}.{name}"))
        .or_insert_with(|| {
            exc::build_class(
                Arc::from(name),
                Arc::from(module),
                vec![exc::object_class()],
                indexmap::IndexMap::default(),
                super::value::ClassKind::Plain,
            )
        })
        .clone()
}

fn isinstance(v: &V, t: &V, sub: bool) -> R<bool> {
    match t {
        V::Tuple(ts) => {
            for t in ts.iter() {
                if isinstance(v, t, sub)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        V::Class(c) => Ok(match v {
            V::Inst(i) if !sub => i.class.is_sub(c),
            V::Class(k) if sub => k.is_sub(c),
            _ => c.kind == super::value::ClassKind::Object,
        }),
        V::Builtin(b) => {
            if sub {
                return Ok(matches!(v, V::Builtin(x) if x == b || (*x == Builtin::Bool && *b == Builtin::Int)));
            }
            Ok(match b {
                Builtin::Int => v.is_int() || super::enums::is_int_member(v),
                Builtin::Bool => matches!(v, V::Bool(_)),
                Builtin::Float => matches!(v, V::Float(_)),
                Builtin::Str => matches!(v, V::Str(_)),
                Builtin::List => matches!(v, V::List(_)),
                Builtin::Tuple => matches!(v, V::Tuple(_)),
                Builtin::Dict => matches!(v, V::Dict(_)),
                Builtin::Set | Builtin::Frozenset => matches!(v, V::Set(_)),
                Builtin::Range => matches!(v, V::Range(..)),
                Builtin::Object => true,
                Builtin::Type => matches!(v, V::Class(_) | V::Builtin(_)),
                _ => return type_err("isinstance() arg 2 must be a type, a tuple of types, or a union"),
            })
        }
        V::Native(n) => Ok(super::stdlib::native_isinstance(v, n)),
        _ => type_err("isinstance() arg 2 must be a type, a tuple of types, or a union"),
    }
}

// ---------------------------------------------------------------- items

fn norm_index(i: i64, len: usize) -> Option<usize> {
    let j = if i < 0 { i + len as i64 } else { i };
    (j >= 0 && (j as usize) < len).then_some(j as usize)
}

/// Resolve a slice to (start, stop, step) for a sequence of `len`.
pub fn slice_indices(a: &V, b: &V, c: &V, len: usize) -> R<(i64, i64, i64)> {
    let step = match c {
        V::None => 1,
        v => index(v)?,
    };
    if step == 0 {
        return raise("ValueError", "slice step cannot be zero");
    }
    let len = len as i64;
    let clamp = |v: &V, default: i64| -> R<i64> {
        Ok(match v {
            V::None => default,
            v => {
                let mut i = index(v)?;
                if i < 0 {
                    i += len;
                    if i < 0 {
                        i = if step < 0 { -1 } else { 0 };
                    }
                } else if i >= len {
                    i = if step < 0 { len - 1 } else { len };
                }
                i
            }
        })
    };
    let start = clamp(a, if step < 0 { len - 1 } else { 0 })?;
    let stop = clamp(b, if step < 0 { -1 } else { len })?;
    Ok((start, stop, step))
}

fn slice_pick<T: Clone>(items: &[T], a: &V, b: &V, c: &V) -> R<Vec<T>> {
    let (start, stop, step) = slice_indices(a, b, c, items.len())?;
    let mut out = Vec::new();
    let mut i = start;
    while (step > 0 && i < stop) || (step < 0 && i > stop) {
        if let Some(x) = items.get(i as usize) {
            out.push(x.clone());
        }
        i += step;
    }
    Ok(out)
}

/// `obj[i]` for built-in values.
pub fn get_item(it: &mut Interp<'_>, obj: &V, i: &V) -> R<V> {
    if let V::Native(n) = i
        && let Native::Slice(a, b, c) = &**n
    {
        return Ok(match obj {
            V::List(l) => V::list(slice_pick(&l.lock(), a, b, c)?),
            V::Tuple(t) => V::tuple(slice_pick(t, a, b, c)?),
            V::Str(s) => {
                let cs: Vec<char> = s.chars().collect();
                V::str(slice_pick(&cs, a, b, c)?.into_iter().collect::<String>())
            }
            V::Range(..) => V::list(slice_pick(&it.collect_vec(obj)?, a, b, c)?),
            // A `multiprocessing.Array`'s slice is a list.
            V::Native(n) if matches!(&**n, Native::Shared(..)) => return super::stdlib::native_get_item(it, n, i),
            other => return type_err(format!("'{}' object is not subscriptable", other.type_name())),
        });
    }
    match obj {
        V::List(l) => {
            let ix = index(i)
                .or_else(|_| type_err(format!("list indices must be integers or slices, not {}", i.type_name())))?;
            let l = l.lock();
            match norm_index(ix, l.len()) {
                Some(j) => Ok(l[j].clone()),
                None => raise("IndexError", "list index out of range"),
            }
        }
        V::Tuple(t) => {
            let ix = index(i)
                .or_else(|_| type_err(format!("tuple indices must be integers or slices, not {}", i.type_name())))?;
            match norm_index(ix, t.len()) {
                Some(j) => Ok(t[j].clone()),
                None => raise("IndexError", "tuple index out of range"),
            }
        }
        V::Str(s) => {
            let ix =
                index(i).or_else(|_| type_err(format!("string indices must be integers, not '{}'", i.type_name())))?;
            let n = s.chars().count();
            match norm_index(ix, n) {
                Some(j) => Ok(V::str(s.chars().nth(j).map(String::from).unwrap_or_default())),
                None => raise("IndexError", "string index out of range"),
            }
        }
        V::Dict(d) => {
            let r = d.lock().get(i).or_else(type_err)?;
            let r = match r {
                Some(v) => Some(v),
                None => super::collections::missing(it, d, i)?,
            };
            match r {
                Some(v) => Ok(v),
                None => Err(Flow::Exc(Box::new(super::interp::Exc {
                    value: exc::instance(exc::class("KeyError"), vec![i.clone()]),
                    tb: Vec::new(),
                }))),
            }
        }
        V::Range(r) => {
            let (a, s) = (&r[0], &r[2]);
            let ix = index(i)?;
            let n = range_len(r[0], r[1], r[2]);
            let j = if ix < 0 { ix + n } else { ix };
            if j < 0 || j >= n {
                return raise("IndexError", "range object index out of range");
            }
            Ok(V::Int(a + j * s))
        }
        V::Native(n) => super::stdlib::native_get_item(it, n, i),
        other => type_err(format!("'{}' object is not subscriptable", other.type_name())),
    }
}

/// `obj[i] = v` for built-in values.
pub fn set_item(it: &mut Interp<'_>, obj: &V, i: V, v: V) -> R<()> {
    match obj {
        V::List(l) => {
            if let V::Native(n) = &i
                && let Native::Slice(a, b, c) = &**n
            {
                let new = it.collect_vec(&v)?;
                let mut l = l.lock();
                let (start, stop, step) = slice_indices(a, b, c, l.len())?;
                if step != 1 {
                    return raise("ValueError", "extended slice assignment is not supported");
                }
                let stop = stop.max(start);
                l.splice(start as usize..stop as usize, new);
                return Ok(());
            }
            let ix = index(&i)
                .or_else(|_| type_err(format!("list indices must be integers or slices, not {}", i.type_name())))?;
            let mut l = l.lock();
            match norm_index(ix, l.len()) {
                Some(j) => {
                    l[j] = v;
                    Ok(())
                }
                None => raise("IndexError", "list assignment index out of range"),
            }
        }
        V::Dict(d) => d.lock().set(i, v).or_else(type_err),
        V::Native(n) => super::stdlib::native_set_item(it, n, i, v),
        other => type_err(format!("'{}' object does not support item assignment", other.type_name())),
    }
}

/// `del obj[i]`.
pub fn del_item(_it: &mut Interp<'_>, obj: &V, i: &V) -> R<()> {
    match obj {
        V::List(l) => {
            if let V::Native(n) = i
                && let Native::Slice(a, b, c) = &**n
            {
                let mut l = l.lock();
                let (start, stop, step) = slice_indices(a, b, c, l.len())?;
                if step == 1 && stop > start {
                    l.drain(start as usize..stop as usize);
                }
                return Ok(());
            }
            let ix = index(i)?;
            let mut l = l.lock();
            match norm_index(ix, l.len()) {
                Some(j) => {
                    l.remove(j);
                    Ok(())
                }
                None => raise("IndexError", "list assignment index out of range"),
            }
        }
        V::Dict(d) => {
            let k = i.hkey().or_else(type_err)?;
            if d.lock().map.shift_remove(&k).is_none() {
                return Err(Flow::Exc(Box::new(super::interp::Exc {
                    value: exc::instance(exc::class("KeyError"), vec![i.clone()]),
                    tb: Vec::new(),
                })));
            }
            Ok(())
        }
        other => type_err(format!("'{}' object doesn't support item deletion", other.type_name())),
    }
}

/// `+` and `*` on sequences, `%` on strings, `|`/`&`/`-` on sets.
pub fn seq_binop(it: &mut Interp<'_>, op: BinOp, a: &V, b: &V) -> R<Option<V>> {
    if let Some(v) = super::collections::counter_binop(it, op, a, b)? {
        return Ok(Some(v));
    }
    let rep = |n: &V| -> Option<i64> { n.as_int() };
    Ok(Some(match (op, a, b) {
        (BinOp::Add, V::Str(x), V::Str(y)) => {
            let mut s = String::with_capacity(x.len() + y.len());
            s.push_str(x);
            s.push_str(y);
            V::str(s)
        }
        (BinOp::Add, V::List(x), V::List(y)) => {
            let mut v = x.lock().clone();
            v.extend(y.lock().iter().cloned());
            V::list(v)
        }
        (BinOp::Add, V::Tuple(x), V::Tuple(y)) => V::tuple(x.iter().chain(y.iter()).cloned().collect()),
        (BinOp::Mul, V::Str(s), n) | (BinOp::Mul, n, V::Str(s)) if rep(n).is_some() => {
            let k = rep(n).unwrap_or(0).max(0) as usize;
            if s.len().saturating_mul(k) > 1 << 28 {
                return raise("MemoryError", "");
            }
            V::str(s.repeat(k))
        }
        (BinOp::Mul, V::List(l), n) | (BinOp::Mul, n, V::List(l)) if rep(n).is_some() => {
            let k = rep(n).unwrap_or(0).max(0) as usize;
            let items = l.lock().clone();
            if items.len().saturating_mul(k) > 1 << 26 {
                return raise("MemoryError", "");
            }
            let mut out = Vec::with_capacity(items.len() * k);
            for _ in 0..k {
                out.extend(items.iter().cloned());
            }
            V::list(out)
        }
        (BinOp::Mul, V::Tuple(t), n) | (BinOp::Mul, n, V::Tuple(t)) if rep(n).is_some() => {
            let k = rep(n).unwrap_or(0).max(0) as usize;
            if t.len().saturating_mul(k) > 1 << 26 {
                return raise("MemoryError", "");
            }
            let mut out = Vec::with_capacity(t.len() * k);
            for _ in 0..k {
                out.extend(t.iter().cloned());
            }
            V::tuple(out)
        }
        (BinOp::Mod, V::Str(fmt), args) => V::str(percent_format(it, fmt, args)?),
        (BinOp::BitOr | BinOp::BitAnd | BinOp::Sub | BinOp::BitXor, V::Set(x), V::Set(y)) => {
            let (x, y) = (x.lock().clone(), y.lock().clone());
            let mut out = Dict::default();
            match op {
                BinOp::BitOr => {
                    out = x;
                    for (k, e) in y.map {
                        out.map.entry(k).or_insert(e);
                    }
                }
                BinOp::BitAnd => {
                    for (k, e) in x.map {
                        if y.map.contains_key(&k) {
                            out.map.insert(k, e);
                        }
                    }
                }
                BinOp::Sub => {
                    for (k, e) in x.map {
                        if !y.map.contains_key(&k) {
                            out.map.insert(k, e);
                        }
                    }
                }
                _ => {
                    for (k, e) in x.map.clone() {
                        if !y.map.contains_key(&k) {
                            out.map.insert(k, e);
                        }
                    }
                    for (k, e) in y.map {
                        if !x.map.contains_key(&k) {
                            out.map.insert(k, e);
                        }
                    }
                }
            }
            V::Set(Arc::new(Mutex::new(out)))
        }
        (BinOp::BitOr, V::Dict(x), V::Dict(y)) => {
            let mut out = x.lock().clone();
            for (_, (k, v)) in y.lock().map.clone() {
                out.set(k, v).or_else(type_err)?;
            }
            V::Dict(Arc::new(Mutex::new(out)))
        }
        _ => return Ok(None),
    }))
}

fn percent_format(it: &mut Interp<'_>, fmt: &str, args: &V) -> R<String> {
    // `'%(name)s' % mapping`: each conversion names its value.
    let mapping = match args {
        V::Dict(d) if fmt.contains("%(") => Some(Arc::clone(d)),
        _ => None,
    };
    let args: Vec<V> = match args {
        V::Tuple(t) => t.to_vec(),
        other => vec![other.clone()],
    };
    let mut out = String::new();
    let mut ai = 0;
    let cs: Vec<char> = fmt.chars().collect();
    let mut i = 0;
    while i < cs.len() {
        if cs[i] != '%' {
            out.push(cs[i]);
            i += 1;
            continue;
        }
        i += 1;
        let mut keyed = None;
        if cs.get(i) == Some(&'(') {
            let Some(close) = cs[i..].iter().position(|c| *c == ')') else {
                return raise("ValueError", "incomplete format key");
            };
            let key: String = cs[i + 1..i + close].iter().collect();
            let Some(m) = &mapping else { return type_err("format requires a mapping") };
            let v = m.lock().get(&V::str(key.clone())).or_else(type_err)?;
            match v {
                Some(v) => keyed = Some(v),
                None => {
                    return Err(Flow::Exc(Box::new(super::interp::Exc {
                        value: exc::instance(exc::class("KeyError"), vec![V::str(key)]),
                        tb: Vec::new(),
                    })));
                }
            }
            i += close + 1;
        }
        let start = i;
        while i < cs.len() && !cs[i].is_ascii_alphabetic() && cs[i] != '%' {
            i += 1;
        }
        let Some(&conv) = cs.get(i) else { return raise("ValueError", "incomplete format") };
        i += 1;
        if conv == '%' {
            out.push('%');
            continue;
        }
        let flags: String = cs[start..i - 1].iter().collect();
        let arg = match keyed {
            Some(v) => v,
            None => {
                let Some(arg) = args.get(ai).cloned() else {
                    return type_err("not enough arguments for format string");
                };
                ai += 1;
                arg
            }
        };
        // No flags, the common case: a str or an int as it is.
        if flags.is_empty() {
            match (conv, &arg) {
                ('s', V::Str(t)) => {
                    out.push_str(t);
                    continue;
                }
                ('s' | 'd' | 'i', V::Int(n)) => {
                    use std::fmt::Write as _;
                    let _ = write!(out, "{n}");
                    continue;
                }
                _ => {}
            }
        }
        // printf flags: `-` left-justifies; strings are right-justified otherwise.
        let spec = if flags.contains('-') { flags.replace('-', "<") } else { flags.clone() };
        let str_spec = if flags.contains('-') || flags.is_empty() { spec.clone() } else { format!(">{spec}") };
        let s = match conv {
            's' => {
                let s = V::str(it.str_of(&arg)?);
                it.format_value(&s, &str_spec)?
            }
            'r' => {
                let s = V::str(it.repr_of(&arg)?);
                it.format_value(&s, &str_spec)?
            }
            'd' | 'i' => {
                let v = match &arg {
                    V::Float(f) => float_to_int(f.trunc()),
                    other => other.clone(),
                };
                it.format_value(&v, &format!("{spec}d"))?
            }
            c => it.format_value(&arg, &format!("{spec}{c}"))?,
        };
        out.push_str(&s);
    }
    if ai < args.len() && mapping.is_none() {
        return type_err("not all arguments converted during string formatting");
    }
    Ok(out)
}

// ---------------------------------------------------------------- methods

/// `str.format(*args, **kwargs)`.
pub fn str_format(it: &mut Interp<'_>, fmt: &str, pos: &[V], kw: &Kw) -> R<String> {
    let cs: Vec<char> = fmt.chars().collect();
    let mut out = String::new();
    let mut auto = 0;
    let mut manual: Option<bool> = None;
    let mut i = 0;
    while i < cs.len() {
        match cs[i] {
            '{' if cs.get(i + 1) == Some(&'{') => {
                out.push('{');
                i += 2;
            }
            '}' if cs.get(i + 1) == Some(&'}') => {
                out.push('}');
                i += 2;
            }
            '{' => {
                let mut depth = 1;
                let mut j = i + 1;
                while j < cs.len() && depth > 0 {
                    match cs[j] {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        _ => {}
                    }
                    j += 1;
                }
                if depth > 0 {
                    return raise("ValueError", "expected '}' before end of string");
                }
                let field: String = cs[i + 1..j - 1].iter().collect();
                let (head, spec) = match field.split_once(':') {
                    Some((h, s)) => (h.to_string(), s.to_string()),
                    None => (field.clone(), String::new()),
                };
                let (head, conv) = match head.split_once('!') {
                    Some((h, c)) => (h.to_string(), c.chars().next()),
                    None => (head, None),
                };
                let mut parts = head.split('.');
                let first = parts.next().unwrap_or_default();
                let numbered = first.parse::<usize>().is_ok();
                if (first.is_empty() && manual == Some(true)) || (numbered && manual == Some(false)) {
                    return raise(
                        "ValueError",
                        if numbered {
                            "cannot switch from automatic field numbering to manual field specification"
                        } else {
                            "cannot switch from manual field specification to automatic field numbering"
                        },
                    );
                }
                if first.is_empty() {
                    manual = Some(false);
                } else if numbered {
                    manual = Some(true);
                }
                let mut v = if first.is_empty() {
                    let v = pos.get(auto).cloned();
                    auto += 1;
                    match v {
                        Some(v) => v,
                        None => {
                            return raise(
                                "IndexError",
                                format!("Replacement index {} out of range for positional args tuple", auto - 1),
                            );
                        }
                    }
                } else if let Ok(n) = first.parse::<usize>() {
                    match pos.get(n) {
                        Some(v) => v.clone(),
                        None => {
                            return raise(
                                "IndexError",
                                format!("Replacement index {n} out of range for positional args tuple"),
                            );
                        }
                    }
                } else {
                    let (name, sub) = match first.split_once('[') {
                        Some((n, s)) => (n, Some(s.trim_end_matches(']'))),
                        None => (first, None),
                    };
                    let base = match kw.iter().find(|(k, _)| &**k == name) {
                        Some((_, v)) => v.clone(),
                        None => {
                            return Err(Flow::Exc(Box::new(super::interp::Exc {
                                value: exc::instance(exc::class("KeyError"), vec![V::str(name)]),
                                tb: Vec::new(),
                            })));
                        }
                    };
                    match sub {
                        Some(s) => {
                            let key = s.parse::<i64>().map(V::Int).unwrap_or_else(|_| V::str(s));
                            it.get_item(&base, &key)?
                        }
                        None => base,
                    }
                };
                for attr in parts {
                    v = it.get_attr(&v, attr)?;
                }
                let v = match conv {
                    Some('r') => V::str(it.repr_of(&v)?),
                    Some('s') => V::str(it.str_of(&v)?),
                    _ => v,
                };
                let spec = if spec.contains('{') { str_format(it, &spec, pos, kw)? } else { spec };
                out.push_str(&it.format_value(&v, &spec)?);
                i = j;
            }
            '}' => return raise("ValueError", "Single '}' encountered in format string"),
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(out)
}

fn str_method(it: &mut Interp<'_>, s: &Arc<str>, name: &str, pos: Vec<V>, kw: Kw) -> R<V> {
    let arg_str = |i: usize| -> Option<String> {
        match pos.get(i) {
            Some(V::Str(x)) => Some(x.to_string()),
            _ => None,
        }
    };
    Ok(match name {
        "format" => V::str(str_format(it, s, &pos, &kw)?),
        "join" => {
            let Some(src) = pos.first() else { return type_err("str.join() takes exactly one argument (0 given)") };
            let items = it.collect_vec(src)?;
            let mut parts = Vec::with_capacity(items.len());
            for (i, x) in items.iter().enumerate() {
                match x {
                    V::Str(p) => parts.push(p.to_string()),
                    other => {
                        return type_err(format!(
                            "sequence item {i}: expected str instance, {} found",
                            other.type_name()
                        ));
                    }
                }
            }
            V::str(parts.join(s))
        }
        "upper" => V::str(s.to_uppercase()),
        "lower" => V::str(s.to_lowercase()),
        "strip" | "lstrip" | "rstrip" => {
            let chars: Option<Vec<char>> = arg_str(0).map(|c| c.chars().collect());
            let pred = |c: char| match &chars {
                Some(cs) => cs.contains(&c),
                None => c.is_whitespace(),
            };
            V::str(match name {
                "strip" => s.trim_matches(pred),
                "lstrip" => s.trim_start_matches(pred),
                _ => s.trim_end_matches(pred),
            })
        }
        "split" | "rsplit" => {
            let sep = arg_str(0).or_else(|| {
                kw.iter().find(|(k, _)| &**k == "sep").and_then(|(_, v)| match v {
                    V::Str(x) => Some(x.to_string()),
                    _ => None,
                })
            });
            let maxsplit = pos.get(1).and_then(V::as_int).unwrap_or(-1);
            let parts: Vec<String> = match sep {
                Some(sep) if sep.is_empty() => return raise("ValueError", "empty separator"),
                Some(sep) => {
                    if maxsplit < 0 {
                        s.split(sep.as_str()).map(String::from).collect()
                    } else if name == "split" {
                        s.splitn(maxsplit as usize + 1, sep.as_str()).map(String::from).collect()
                    } else {
                        let mut v: Vec<String> =
                            s.rsplitn(maxsplit as usize + 1, sep.as_str()).map(String::from).collect();
                        v.reverse();
                        v
                    }
                }
                None => s.split_whitespace().map(String::from).collect(),
            };
            V::list(parts.into_iter().map(V::str).collect())
        }
        "splitlines" => V::list(s.lines().map(V::str).collect()),
        "startswith" | "endswith" => {
            let test = |p: &str| if name == "startswith" { s.starts_with(p) } else { s.ends_with(p) };
            match pos.first() {
                Some(V::Str(p)) => V::Bool(test(p)),
                Some(V::Tuple(ps)) => V::Bool(ps.iter().any(|p| matches!(p, V::Str(p) if test(p)))),
                _ => return type_err(format!("{name} first arg must be str or a tuple of str")),
            }
        }
        "replace" => {
            let (Some(a), Some(b)) = (arg_str(0), arg_str(1)) else {
                return type_err("replace() argument must be str");
            };
            match pos.get(2).and_then(V::as_int) {
                Some(n) if n >= 0 => V::str(s.replacen(&a, &b, n as usize)),
                _ => V::str(s.replace(&a, &b)),
            }
        }
        "find" | "index" | "rfind" | "count" => {
            let Some(sub) = arg_str(0) else { return type_err(format!("{name}() argument must be str")) };
            if name == "count" {
                return Ok(V::Int(if sub.is_empty() {
                    s.chars().count() as i64 + 1
                } else {
                    s.matches(sub.as_str()).count() as i64
                }));
            }
            let found = if name == "rfind" { s.rfind(sub.as_str()) } else { s.find(sub.as_str()) };
            match found {
                Some(b) => V::Int(s[..b].chars().count() as i64),
                None if name == "index" => return raise("ValueError", "substring not found"),
                None => V::Int(-1),
            }
        }
        "ljust" | "rjust" | "center" | "zfill" => {
            let w = pos.first().map(index).transpose()?.unwrap_or(0).max(0) as usize;
            let fill = arg_str(1).and_then(|f| f.chars().next()).unwrap_or(if name == "zfill" { '0' } else { ' ' });
            let n = s.chars().count();
            if w <= n {
                return Ok(V::Str(s.clone()));
            }
            let pad = |k: usize| std::iter::repeat_n(fill, k).collect::<String>();
            V::str(match name {
                "ljust" => format!("{s}{}", pad(w - n)),
                "rjust" => format!("{}{s}", pad(w - n)),
                "zfill" => {
                    let (sign, rest) = if s.starts_with(['-', '+']) { s.split_at(1) } else { ("", &**s) };
                    format!("{sign}{}{rest}", pad(w - n))
                }
                _ => {
                    // CPython: left = marg / 2 + (marg & width & 1).
                    let marg = w - n;
                    let left = marg / 2 + (marg & w & 1);
                    format!("{}{s}{}", pad(left), pad(w - n - left))
                }
            })
        }
        "isdigit" | "isnumeric" | "isdecimal" => V::Bool(!s.is_empty() && s.chars().all(|c| c.is_ascii_digit())),
        "isalpha" => V::Bool(!s.is_empty() && s.chars().all(char::is_alphabetic)),
        "isalnum" => V::Bool(!s.is_empty() && s.chars().all(char::is_alphanumeric)),
        "isspace" => V::Bool(!s.is_empty() && s.chars().all(char::is_whitespace)),
        "isupper" => V::Bool(s.chars().any(char::is_alphabetic) && !s.chars().any(char::is_lowercase)),
        "islower" => V::Bool(s.chars().any(char::is_alphabetic) && !s.chars().any(char::is_uppercase)),
        "title" | "capitalize" => {
            let mut out = String::new();
            let mut prev_alpha = false;
            for (i, c) in s.chars().enumerate() {
                let up = if name == "title" { !prev_alpha } else { i == 0 };
                if up {
                    out.extend(c.to_uppercase());
                } else {
                    out.extend(c.to_lowercase());
                }
                prev_alpha = c.is_alphabetic();
            }
            V::str(out)
        }
        "encode" => V::Str(s.clone()),
        _ => return raise("AttributeError", format!("'str' object has no attribute '{name}'")),
    })
}

fn list_method(it: &mut Interp<'_>, obj: &V, l: &Arc<Mutex<Vec<V>>>, name: &str, pos: Vec<V>, mut kw: Kw) -> R<V> {
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
            let mut hits = Vec::new();
            for (i, y) in items.iter().enumerate() {
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

fn dict_method(it: &mut Interp<'_>, d: &Arc<Mutex<Dict>>, name: &str, pos: Vec<V>, kw: Kw) -> R<V> {
    Ok(match name {
        "get" => {
            let Some(k) = pos.first() else { return type_err("get expected at least 1 argument, got 0") };
            d.lock().get(k).or_else(type_err)?.unwrap_or_else(|| pos.get(1).cloned().unwrap_or_default())
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
                        return Err(Flow::Exc(Box::new(super::interp::Exc {
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
                g.set(V::Str(k), v).or_else(type_err)?;
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
                return Err(Flow::Exc(Box::new(super::interp::Exc {
                    value: exc::instance(exc::class("KeyError"), vec![V::str("popitem(): dictionary is empty")]),
                    tb: Vec::new(),
                })));
            }
        },
        _ => return raise("AttributeError", format!("'dict' object has no attribute '{name}'")),
    })
}

fn set_method(it: &mut Interp<'_>, obj: &V, d: &Arc<Mutex<Dict>>, name: &str, pos: Vec<V>) -> R<V> {
    Ok(match name {
        "add" => {
            d.lock().set(pos.first().cloned().unwrap_or_default(), V::None).or_else(type_err)?;
            V::None
        }
        "remove" | "discard" => {
            let k = pos.first().cloned().unwrap_or_default();
            let h = k.hkey().or_else(type_err)?;
            if d.lock().map.shift_remove(&h).is_none() && name == "remove" {
                return Err(Flow::Exc(Box::new(super::interp::Exc {
                    value: exc::instance(exc::class("KeyError"), vec![k]),
                    tb: Vec::new(),
                })));
            }
            V::None
        }
        "pop" => match d.lock().map.shift_remove_index(0) {
            Some((_, (k, _))) => k,
            None => {
                return Err(Flow::Exc(Box::new(super::interp::Exc {
                    value: exc::instance(exc::class("KeyError"), vec![V::str("pop from an empty set")]),
                    tb: Vec::new(),
                })));
            }
        },
        "update" => {
            for src in &pos {
                let items = it.collect_vec(src)?;
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
            let (x, y) = (d.lock().clone(), o.lock().clone());
            V::Bool(match name {
                "issubset" => x.map.keys().all(|k| y.map.contains_key(k)),
                "issuperset" => y.map.keys().all(|k| x.map.contains_key(k)),
                _ => !x.map.keys().any(|k| y.map.contains_key(k)),
            })
        }
        "copy" => V::Set(Arc::new(Mutex::new(d.lock().clone()))),
        "clear" => {
            d.lock().map.clear();
            V::None
        }
        _ => return raise("AttributeError", format!("'set' object has no attribute '{name}'")),
    })
}

/// A method call on a built-in value.
pub fn method(it: &mut Interp<'_>, obj: &V, name: &str, pos: Vec<V>, kw: Kw) -> R<V> {
    match obj {
        V::Str(s) => str_method(it, s, name, pos, kw),
        V::List(l) => list_method(it, obj, l, name, pos, kw),
        V::Dict(d) => {
            let mut kw = kw;
            match super::collections::dict_method(it, d, name, &pos, &mut kw)? {
                Some(v) => Ok(v),
                None => dict_method(it, d, name, pos, kw),
            }
        }
        V::Set(d) => set_method(it, obj, d, name, pos),
        V::Tuple(t) => match name {
            "index" | "count" => {
                let Some(x) = pos.first() else {
                    return type_err(format!("{name}() takes exactly one argument (0 given)"));
                };
                let mut hits = Vec::new();
                for (i, y) in t.iter().enumerate() {
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
            let mut pos = pos;
            if pos.is_empty() {
                return type_err(format!("unbound method {}.{name}() needs an argument", b.name()));
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
        (V::Dict(d), _) if let Some(v) = super::collections::dict_attr(d, name) => Ok(v),
        (V::Str(_) | V::List(_) | V::Dict(_) | V::Set(_) | V::Tuple(_) | V::Float(_) | V::Int(_) | V::Big(_), _) => {
            if known_method(obj, name) {
                Ok(V::Native(Arc::new(Native::Method(obj.clone(), Arc::from(name)))))
            } else {
                raise("AttributeError", format!("'{}' object has no attribute '{name}'", obj.type_name()))
            }
        }
        (V::Iter(_), "__next__") => Ok(V::Native(Arc::new(Native::Method(obj.clone(), Arc::from(name))))),
        _ => raise("AttributeError", format!("'{}' object has no attribute '{name}'", obj.type_name())),
    }
}

fn known_method(obj: &V, name: &str) -> bool {
    if let V::Dict(d) = obj
        && super::collections::extra_methods(&d.lock().kind).contains(&name)
    {
        return true;
    }
    let names: &[&str] = match obj {
        V::Str(_) => &[
            "format",
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

/// Ordering helper for natives (PriorityQueue).
pub fn less(a: &V, b: &V) -> bool {
    cmp(a, b) == Some(std::cmp::Ordering::Less)
}

/// A float from a number value (for natives): seconds → ms and the like.
pub fn to_f64(v: &V) -> Option<f64> {
    v.as_f64().or_else(|| v.to_big().and_then(|b| b.to_f64()))
}
