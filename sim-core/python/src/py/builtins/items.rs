//! Indexing, slicing and item assignment of built-in values, and operators on sequences
//! (`+`, `*`, `%` on strings).

use super::*;

// ---------------------------------------------------------------- items

pub(crate) fn norm_index(i: i64, len: usize) -> Option<usize> {
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

pub(crate) fn slice_pick<T: Clone>(items: &[T], a: &V, b: &V, c: &V) -> R<Vec<T>> {
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
            V::Native(n) if matches!(&**n, Native::Shared(..)) => return crate::py::stdlib::native_get_item(it, n, i),
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
                None => crate::py::collections::missing(it, d, i)?,
            };
            match r {
                Some(v) => Ok(v),
                None => Err(Flow::Exc(Box::new(crate::py::interp::Exc {
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
        V::Native(n) => crate::py::stdlib::native_get_item(it, n, i),
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
                    // An extended slice: one new item for each item it picks.
                    let picked = extended_indices(start, stop, step);
                    if picked.len() != new.len() {
                        return raise(
                            "ValueError",
                            format!(
                                "attempt to assign sequence of size {} to extended slice of size {}",
                                new.len(),
                                picked.len()
                            ),
                        );
                    }
                    for (j, x) in picked.into_iter().zip(new) {
                        l[j] = x;
                    }
                    return Ok(());
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
        V::Dict(d) => {
            let mut g = d.lock();
            g.set(i, v).or_else(type_err)?;
            crate::py::value::sync_inst_dict(&g);
            Ok(())
        }
        V::Native(n) => crate::py::stdlib::native_set_item(it, n, i, v),
        other => type_err(format!("'{}' object does not support item assignment", other.type_name())),
    }
}

/// `del obj[i]`.
pub fn del_item(it: &mut Interp<'_>, obj: &V, i: &V) -> R<()> {
    match obj {
        V::List(l) => {
            if let V::Native(n) = i
                && let Native::Slice(a, b, c) = &**n
            {
                let mut l = l.lock();
                let (start, stop, step) = slice_indices(a, b, c, l.len())?;
                if step == 1 {
                    if stop > start {
                        l.drain(start as usize..stop as usize);
                    }
                    return Ok(());
                }
                // An extended slice: every step-th item, the rest kept in order (one pass).
                let picked: std::collections::HashSet<usize> =
                    extended_indices(start, stop, step).into_iter().collect();
                let mut k = 0;
                l.retain(|_| {
                    k += 1;
                    !picked.contains(&(k - 1))
                });
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
            let mut g = d.lock();
            if g.map.shift_remove(&k).is_none() {
                return Err(Flow::Exc(Box::new(crate::py::interp::Exc {
                    value: exc::instance(exc::class("KeyError"), vec![i.clone()]),
                    tb: Vec::new(),
                })));
            }
            crate::py::value::sync_inst_dict(&g);
            Ok(())
        }
        V::Inst(_) if let Some(m) = it.lookup_method(obj, "__delitem__") => {
            it.call(&m, vec![i.clone()], Vec::new()).map(|_| ())
        }
        other => type_err(format!("'{}' object doesn't support item deletion", other.type_name())),
    }
}

/// `+` and `*` on sequences, `%` on strings, `|`/`&`/`-` on sets.
pub fn seq_binop(it: &mut Interp<'_>, op: BinOp, a: &V, b: &V) -> R<Option<V>> {
    if let Some(v) = crate::py::collections::counter_binop(it, op, a, b)? {
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
            // One at a time: `a | a` locks the same set twice. Each operand in the order
            // CPython's table holds it, and each result made as `Objects/setobject.c` makes
            // it, so it comes out in CPython's order too (`crate::py::setorder`).
            let x = x.lock().set_copy();
            let y = y.lock().set_copy();
            let (xlen, ylen) = (x.map.len(), y.map.len());
            // The result is of the left operand's type (set or frozenset).
            let mut out = Dict::of_kind(x.kind.clone());
            match op {
                // A copy of the left, the right merged in.
                BinOp::BitOr => {
                    out = x;
                    out.before_merge(ylen);
                    for (k, e) in y.into_map() {
                        out.map.entry(k).or_insert(e);
                    }
                }
                // The smaller one's members that the other has, added one by one.
                BinOp::BitAnd => {
                    let (small, big) = if ylen > xlen { (x, y) } else { (y, x) };
                    for (k, e) in small.into_map() {
                        if big.map.contains_key(&k) {
                            out.map.insert(k, e);
                        }
                    }
                }
                // A copy of the left less the right's members when the right is much
                // smaller, else the left's members the right lacks, added one by one.
                BinOp::Sub if xlen >> 2 > ylen => {
                    out = x;
                    for k in y.map.keys() {
                        out.remove_member(k);
                    }
                }
                BinOp::Sub => {
                    for (k, e) in x.into_map() {
                        if !y.map.contains_key(&k) {
                            out.map.insert(k, e);
                        }
                    }
                }
                // A copy of the right; each of the left's members removed if there, else added.
                _ => {
                    let mut r = y;
                    for (k, e) in x.map.clone() {
                        if r.remove_member(&k).is_none() {
                            r.map.insert(k, e);
                        }
                    }
                    r.kind = x.kind.clone();
                    out = r;
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

/// The indices an extended slice (`step` not 1) picks, in its order.
fn extended_indices(start: i64, stop: i64, step: i64) -> Vec<usize> {
    let mut out = Vec::new();
    let mut i = start;
    while (step > 0 && i < stop) || (step < 0 && i > stop) {
        out.push(i as usize);
        // A step past the end ends it (`L[1::sys.maxsize]`), never wrapping around.
        match i.checked_add(step) {
            Some(n) => i = n,
            None => break,
        }
    }
    out
}
