//! Builtin functions (`print`, `len`, `sorted`…) and the methods of built-in types
//! (`str`, `list`, `dict`, `set`, `tuple`, `int`, `float`), with CPython's messages.

mod items;
pub(crate) mod methods;
mod strings;
pub(crate) mod subclass;

pub use items::*;
pub use methods::*;
pub use strings::*;

use super::exc;
use super::format::round_float;
use super::interp::{Flow, Interp, R, raise, type_err};
use super::ir::{BinOp, Builtin};
use super::stdlib::Native;
use super::value::{Dict, HKey, PyIter, V, cmp, range_len};
use crate::py::value::ViewKind;
use num_bigint::BigInt;
use num_traits::{One, Signed, ToPrimitive, Zero};
use std::sync::Arc;
use threadline_runtime::footprint::Mutex;

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
    // A prefix names the base (base 0) or may stand before digits of its own base.
    let prefixed = |d: &str| -> Option<(u32, String)> {
        let low = d.get(..2)?.to_ascii_lowercase();
        let b = match low.as_str() {
            "0x" => 16,
            "0o" => 8,
            "0b" => 2,
            _ => return None,
        };
        Some((b, d[2..].trim_start_matches('_').to_string()))
    };
    let (base, digits) = match prefixed(&digits) {
        Some((b, d)) if base == 0 || base == b => (b, d),
        _ if base == 0 => {
            // Base 0 reads a literal: no leading zeros in a non-zero decimal.
            if digits.len() > 1 && digits.starts_with('0') && digits.bytes().any(|c| c != b'0') {
                return None;
            }
            (10, digits)
        }
        _ => (base, digits),
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
    // Numbers' and strings' built-ins take a subclass's instance as its value (those that
    // ask the object — `str`, `repr`, `format`, `len`, `hash` — go through its methods).
    let pos = if matches!(
        b,
        B::Round | B::Abs | B::Int | B::Float | B::Divmod | B::Pow | B::Chr | B::Hex | B::Bin | B::Oct | B::Range
    ) {
        subclass::plain_args(pos)
    } else {
        pos
    };
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
                    if base != 0 && !(2..=36).contains(&base) {
                        return raise("ValueError", "int() base must be >= 2 and <= 36, or 0");
                    }
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
        B::Set | B::Frozenset => {
            let s = match pos.first() {
                None => new_set(Vec::new())?,
                // A set's copy, laid out as CPython's `set_merge` lays it out.
                Some(V::Set(src)) => {
                    let mut c = src.lock().set_copy();
                    c.kind = crate::py::value::DictKind::Plain;
                    V::Set(Arc::new(Mutex::new(c)))
                }
                Some(v) => {
                    let items = it.collect_vec(v)?;
                    for x in &items {
                        it.resolve_hash(x)?;
                    }
                    new_set(items)?
                }
            };
            if b == B::Frozenset
                && let V::Set(d) = &s
            {
                d.lock().kind = crate::py::value::DictKind::Frozen;
            }
            Ok(s)
        }
        B::Dict => {
            let mut d = Dict::default();
            if let Some(src) = pos.first() {
                let src = &subclass::base_value(src).unwrap_or_else(|| src.clone());
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
                d.set(V::str(k), v).or_else(type_err)?;
            }
            Ok(V::Dict(Arc::new(Mutex::new(d))))
        }
        B::MatchSeq | B::MatchMap | B::MatchClass | B::MatchBind | B::MatchIsMap => {
            crate::py::matching::call(it, b, pos)
        }
        B::ExcStarSplit => {
            let [rest, t] = pos.as_slice() else { return type_err("except* split takes 2 arguments") };
            crate::py::excgroup::star_split(it, rest, t)
        }
        // An `except*` body handles the part that matched (a bare `raise` re-raises it).
        B::ExcStarEnter => {
            let value = pos.into_iter().next().unwrap_or_default();
            it.handling.push(crate::py::interp::Exc { value, tb: Vec::new() });
            Ok(V::None)
        }
        B::ExcStarLeave => {
            it.handling.pop();
            Ok(V::None)
        }
        B::ExcStarEnd => {
            let [orig, rest, matched, raised] = pos.as_slice() else {
                return type_err("except* end takes 4 arguments");
            };
            crate::py::excgroup::star_end(it, orig, rest, matched, raised)
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
        B::Iter if pos.len() == 2 => {
            // `iter(q.get, None)`: call until the sentinel comes (compared with `==`).
            let [f, sentinel] = <[V; 2]>::try_from(pos).unwrap_or_default();
            if !matches!(it.call(&V::Builtin(B::Callable), vec![f.clone()], Vec::new())?, V::Bool(true)) {
                return type_err("iter(v, w): v must be callable");
            }
            let done = std::sync::atomic::AtomicBool::new(false);
            Ok(super::itertools::lazy("callable_iterator", move |it| {
                if done.load(std::sync::atomic::Ordering::Relaxed) {
                    return Ok(None);
                }
                let v = it.call(&f, Vec::new(), Vec::new())?;
                if it.eq(&v, &sentinel)? {
                    done.store(true, std::sync::atomic::Ordering::Relaxed);
                    return Ok(None);
                }
                Ok(Some(v))
            }))
        }
        B::Iter => {
            nargs(name, &pos, 1, 2)?;
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
                attrs.insert(Arc::<str>::from(k.clone()), v.clone());
            }
            Ok(V::Class(it.make_class(&Arc::from(&**cname), bases, attrs)?))
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
            // CPython's hash of an int (and of a bool or an integral float, equal to it): the
            // value modulo 2**61 - 1, keeping its sign; -1 is -2 (it means an error).
            let int_hash = |b: BigInt| {
                let p = BigInt::from((1u64 << 61) - 1);
                let x = (b.abs() % &p).to_i64().unwrap_or(0);
                let x = if b.is_negative() { -x } else { x };
                V::Int(if x == -1 { -2 } else { x })
            };
            Ok(match (&pos[0], k) {
                (V::Big(b), _) => int_hash((**b).clone()),
                (_, HKey::Int(i)) => int_hash(BigInt::from(i)),
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
            let Some(m) = pos.get(2).filter(|m| !matches!(m, V::None)) else {
                return it.binop(BinOp::Pow, &pos[0], &pos[1]);
            };
            // Modular exponentiation, by squaring (never the whole power): a negative
            // exponent takes the inverse first, as 3.8+.
            let (Some(b), Some(e), Some(m)) = (
                pos[0].to_big().filter(|_| pos[0].is_int()),
                pos[1].to_big().filter(|_| pos[1].is_int()),
                m.to_big().filter(|_| m.is_int()),
            ) else {
                return type_err("pow() 3rd argument not allowed unless all arguments are integers");
            };
            if m.is_zero() {
                return raise("ValueError", "pow() 3rd argument cannot be 0");
            }
            let am = m.abs();
            let mut base = num_integer::Integer::mod_floor(&b, &am);
            let mut e = e;
            if e.is_negative() {
                let g = num_integer::Integer::extended_gcd(&base, &am);
                if !g.gcd.is_one() {
                    return raise("ValueError", "base is not invertible for the given modulus");
                }
                base = num_integer::Integer::mod_floor(&g.x, &am);
                e = -e;
            }
            let r = base.modpow(&e, &am);
            // The sign follows the modulus, as `%` does.
            let r = if m.is_negative() && !r.is_zero() { r - am } else { r };
            Ok(V::from_big(r))
        }
        B::Hasattr => {
            nargs(name, &pos, 2, 2)?;
            let n = attr_name(&pos[1])?;
            match it.get_attr(&pos[0], n) {
                Ok(_) => Ok(V::Bool(true)),
                Err(Flow::Exc(e)) if exc::is_instance_of(&e.value, "AttributeError") => Ok(V::Bool(false)),
                Err(e) => Err(e),
            }
        }
        B::Getattr => {
            nargs(name, &pos, 2, 3)?;
            let n = attr_name(&pos[1])?;
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
            let n = attr_name(&pos[1])?;
            it.set_attr(&pos[0], n, pos[2].clone())?;
            Ok(V::None)
        }
        B::Delattr => {
            nargs(name, &pos, 2, 2)?;
            let n = attr_name(&pos[1])?;
            it.del_attr(&pos[0], n)?;
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
        B::Bytes => crate::py::bytes::construct(it, pos, kw),
        B::Ascii => {
            // `repr()` with every character past ASCII escaped.
            nargs(name, &pos, 1, 1)?;
            let r = it.repr_of(&pos[0])?;
            let mut out = String::with_capacity(r.len());
            for c in r.chars() {
                match u32::from(c) {
                    0..0x80 => out.push(c),
                    n @ 0x80..0x100 => out.push_str(&format!("\\x{n:02x}")),
                    n @ 0x100..0x10000 => out.push_str(&format!("\\u{n:04x}")),
                    n => out.push_str(&format!("\\U{n:08x}")),
                }
            }
            Ok(V::str(out))
        }
        B::Object => Ok(V::Inst(Arc::new(super::value::Inst {
            class: exc::object_class(),
            dict: Mutex::new(indexmap::IndexMap::default()),
            native: Mutex::new(super::value::InstNative::None),
            hrep: Default::default(),
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
        B::Property => {
            if pos.len() > 4 {
                return type_err(format!("property() takes at most 4 arguments ({} given)", pos.len()));
            }
            let mut parts = [V::None, V::None, V::None, V::None];
            for (slot, v) in parts.iter_mut().zip(pos) {
                *slot = v;
            }
            for (k, v) in kw.drain(..) {
                match ["fget", "fset", "fdel", "doc"].iter().position(|n| **n == *k) {
                    Some(i) => parts[i] = v,
                    None => return type_err(format!("property() got an unexpected keyword argument '{k}'")),
                }
            }
            let [fget, fset, fdel, doc] = parts;
            // `__doc__` from the getter's docstring when none is given, as CPython.
            let doc = match (&doc, &fget) {
                (V::None, V::Func(_)) => it.get_attr(&fget, "__doc__")?,
                _ => doc,
            };
            Ok(V::Native(Arc::new(Native::Property(Box::new(super::stdlib::Prop { fget, fset, fdel, doc })))))
        }
        B::StaticMethod | B::ClassMethod => {
            nargs(name, &pos, 1, 1)?;
            let f = pos.into_iter().next().unwrap_or_default();
            Ok(V::Native(Arc::new(match b {
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
        V::Inst(_) if crate::py::bytes::of(v).is_some() => V::Builtin(Builtin::Bytes),
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
        V::Set(d) if matches!(d.lock().kind, crate::py::value::DictKind::Frozen) => V::Builtin(Builtin::Frozenset),
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

pub(crate) fn isinstance(v: &V, t: &V, sub: bool) -> R<bool> {
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
                return Ok(matches!(v, V::Builtin(x) if x == b || (*x == Builtin::Bool && *b == Builtin::Int))
                    || subclass::is_subclass(v, *b));
            }
            if subclass::is_instance(v, *b) {
                return Ok(true);
            }
            Ok(match b {
                Builtin::Int => v.is_int() || super::enums::is_int_member(v),
                Builtin::Bool => matches!(v, V::Bool(_)),
                Builtin::Float => matches!(v, V::Float(_)),
                Builtin::Str => matches!(v, V::Str(_)),
                Builtin::List => matches!(v, V::List(_)),
                Builtin::Tuple => matches!(v, V::Tuple(_)),
                Builtin::Dict => matches!(v, V::Dict(_)),
                Builtin::Set | Builtin::Frozenset => match v {
                    V::Set(d) => {
                        matches!(d.lock().kind, crate::py::value::DictKind::Frozen) == (*b == Builtin::Frozenset)
                    }
                    _ => false,
                },
                Builtin::Range => matches!(v, V::Range(..)),
                Builtin::Bytes => crate::py::bytes::of(v).is_some(),
                Builtin::Object => true,
                Builtin::Type => matches!(v, V::Class(_) | V::Builtin(_)),
                _ => return type_err("isinstance() arg 2 must be a type, a tuple of types, or a union"),
            })
        }
        V::Native(n) => Ok(super::stdlib::native_isinstance(v, n)),
        _ => type_err("isinstance() arg 2 must be a type, a tuple of types, or a union"),
    }
}

/// Ordering helper for natives (PriorityQueue).
pub fn less(a: &V, b: &V) -> bool {
    cmp(a, b) == Some(std::cmp::Ordering::Less)
}

/// A float from a number value (for natives): seconds → ms and the like.
pub fn to_f64(v: &V) -> Option<f64> {
    v.as_f64().or_else(|| v.to_big().and_then(|b| b.to_f64()))
}

/// The attribute name `getattr`/`setattr`/`hasattr`/`delattr` were given, or their TypeError.
fn attr_name(v: &V) -> R<&str> {
    match v {
        V::Str(n) => Ok(n),
        other => type_err(format!("attribute name must be string, not '{}'", other.type_name())),
    }
}
