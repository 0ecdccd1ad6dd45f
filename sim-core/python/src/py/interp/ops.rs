//! Operators: truth, unary and binary operators with Python's dunder protocol,
//! comparisons, equality, `in`, `str()` and `repr()`.

use super::*;

impl Interp<'_> {
    /// Truthiness, with `__bool__` / `__len__`.
    pub fn truthy(&mut self, v: &V) -> R<bool> {
        match v {
            V::Bool(b) => Ok(*b),
            V::Inst(_) => {
                if let Some(m) = self.lookup_method(v, "__bool__") {
                    let r = self.call(&m, Vec::new(), Vec::new())?;
                    return Ok(r.truthy());
                }
                if let Some(m) = self.lookup_method(v, "__len__") {
                    let r = self.call(&m, Vec::new(), Vec::new())?;
                    return Ok(r.truthy());
                }
                Ok(true)
            }
            V::Native(n) => Ok(stdlib::native_len(n).is_none_or(|n| n > 0)),
            other => Ok(other.truthy()),
        }
    }

    pub(crate) fn unary(&mut self, op: UnOp, a: &V) -> R<V> {
        Ok(match (op, a) {
            (UnOp::Not, v) => V::Bool(!self.truthy(v)?),
            (UnOp::Neg, V::Int(i)) => i.checked_neg().map_or_else(|| V::from_big(-BigInt::from(*i)), V::Int),
            (UnOp::Neg, V::Bool(b)) => V::Int(-(*b as i64)),
            (UnOp::Neg, V::Big(b)) => V::from_big(-(**b).clone()),
            (UnOp::Neg, V::Float(f)) => V::Float(-f),
            (UnOp::Pos, V::Int(_) | V::Big(_) | V::Float(_)) => a.clone(),
            (UnOp::Pos, V::Bool(b)) => V::Int(*b as i64),
            (UnOp::Invert, V::Int(i)) => V::Int(!i),
            (UnOp::Invert, V::Bool(b)) => V::Int(!(*b as i64)),
            (UnOp::Invert, V::Big(b)) => V::from_big(-(**b).clone() - 1),
            (op, v) => {
                let (dunder, sym) = match op {
                    UnOp::Neg => ("__neg__", "-"),
                    UnOp::Pos => ("__pos__", "+"),
                    _ => ("__invert__", "~"),
                };
                if let Some(m) = self.lookup_method(v, dunder) {
                    return self.call(&m, Vec::new(), Vec::new());
                }
                return type_err(format!("bad operand type for unary {sym}: '{}'", v.type_name()));
            }
        })
    }

    /// `a op b`.
    pub fn binop(&mut self, op: BinOp, a: &V, b: &V) -> R<V> {
        if let Some(v) = num_binop(op, a, b)? {
            return Ok(v);
        }
        // `d.keys() - other`, `d.items() & other`: set operations on a set of the view.
        if matches!(op, BinOp::Sub | BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor)
            && (view_as_set(a).is_some() || view_as_set(b).is_some())
        {
            let (x, y) = (view_as_set(a).unwrap_or_else(|| a.clone()), view_as_set(b).unwrap_or_else(|| b.clone()));
            let x = if matches!(x, V::Set(_)) {
                x
            } else {
                self.call(&V::Builtin(crate::py::ir::Builtin::Set), vec![x], Vec::new())?
            };
            let y = if matches!(y, V::Set(_)) {
                y
            } else {
                self.call(&V::Builtin(crate::py::ir::Builtin::Set), vec![y], Vec::new())?
            };
            return self.binop(op, &x, &y);
        }
        if let Some(v) = crate::py::builtins::seq_binop(self, op, a, b)? {
            return Ok(v);
        }
        let (l, r) = dunders(op);
        if let V::Inst(_) = a
            && let Some(m) = self.lookup_method(a, l)
        {
            let v = self.call(&m, vec![b.clone()], Vec::new())?;
            if !is_not_implemented(&v) {
                return Ok(v);
            }
        }
        if let V::Inst(_) = b
            && let Some(m) = self.lookup_method(b, r)
        {
            let v = self.call(&m, vec![a.clone()], Vec::new())?;
            if !is_not_implemented(&v) {
                return Ok(v);
            }
        }
        // A sequence's own words, as CPython's `str`, `list` and `tuple` say them.
        match (op, a) {
            (BinOp::Add, V::Str(_) | V::List(_) | V::Tuple(_)) => {
                return type_err(format!(
                    "can only concatenate {} (not \"{}\") to {}",
                    a.type_name(),
                    b.type_name(),
                    a.type_name()
                ));
            }
            (BinOp::Mul, _) if is_seq(a) || is_seq(b) => {
                let other = if is_seq(a) { b } else { a };
                if !matches!(other, V::Inst(_)) {
                    return type_err(format!("can't multiply sequence by non-int of type '{}'", other.type_name()));
                }
            }
            _ => {}
        }
        type_err(format!(
            "unsupported operand type(s) for {}: '{}' and '{}'",
            op.symbol(),
            a.type_name(),
            b.type_name()
        ))
    }

    /// `a op b` for comparisons.
    pub fn compare(&mut self, op: CmpOp, a: &V, b: &V) -> R<bool> {
        use std::cmp::Ordering::*;
        match op {
            CmpOp::Is => return Ok(a.is(b)),
            CmpOp::IsNot => return Ok(!a.is(b)),
            CmpOp::In => return self.contains(b, a),
            CmpOp::Eq | CmpOp::NotEq if view_as_set(a).is_some() || view_as_set(b).is_some() => {
                let (x, y) = (view_as_set(a).unwrap_or_else(|| a.clone()), view_as_set(b).unwrap_or_else(|| b.clone()));
                let eq = matches!((&x, &y), (V::Set(_), V::Set(_))) && crate::py::value::eq(&x, &y);
                return Ok(eq == (op == CmpOp::Eq));
            }
            CmpOp::NotIn => return Ok(!self.contains(b, a)?),
            CmpOp::Eq => return self.eq(a, b),
            CmpOp::NotEq => return Ok(!self.eq(a, b)?),
            _ => {}
        }
        if let (V::Int(x), V::Int(y)) = (a, b) {
            return Ok(match op {
                CmpOp::Lt => x < y,
                CmpOp::LtE => x <= y,
                CmpOp::Gt => x > y,
                _ => x >= y,
            });
        }
        if let V::Inst(_) = a {
            let name = match op {
                CmpOp::Lt => "__lt__",
                CmpOp::LtE => "__le__",
                CmpOp::Gt => "__gt__",
                _ => "__ge__",
            };
            if let Some(m) = self.lookup_method(a, name) {
                let r = self.call(&m, vec![b.clone()], Vec::new())?;
                return self.truthy(&r);
            }
        }
        if let V::Inst(_) = b {
            // The reflected comparison: `a < b` is `b > a`.
            let name = match op {
                CmpOp::Lt => "__gt__",
                CmpOp::LtE => "__ge__",
                CmpOp::Gt => "__lt__",
                _ => "__le__",
            };
            if let Some(m) = self.lookup_method(b, name) {
                let r = self.call(&m, vec![a.clone()], Vec::new())?;
                if !is_not_implemented(&r) {
                    return self.truthy(&r);
                }
            }
        }
        match cmp(a, b) {
            Some(o) => Ok(match op {
                CmpOp::Lt => o == Less,
                CmpOp::LtE => o != Greater,
                CmpOp::Gt => o == Greater,
                _ => o != Less,
            }),
            None => {
                if let (V::Float(x), _) | (_, V::Float(x)) = (a, b)
                    && x.is_nan()
                {
                    return Ok(false);
                }
                // Sets are ordered by inclusion: neither within the other, every test is false.
                if matches!((a, b), (V::Set(_), V::Set(_))) {
                    return Ok(false);
                }
                let sym = match op {
                    CmpOp::Lt => "<",
                    CmpOp::LtE => "<=",
                    CmpOp::Gt => ">",
                    _ => ">=",
                };
                type_err(format!(
                    "'{sym}' not supported between instances of '{}' and '{}'",
                    a.type_name(),
                    b.type_name()
                ))
            }
        }
    }

    /// `a == b`, with `__eq__`.
    pub fn eq(&mut self, a: &V, b: &V) -> R<bool> {
        if let V::Inst(_) = a
            && let Some(m) = self.lookup_method(a, "__eq__")
        {
            let r = self.call(&m, vec![b.clone()], Vec::new())?;
            if !is_not_implemented(&r) {
                return self.truthy(&r);
            }
        }
        if !matches!(a, V::Inst(_))
            && let V::Inst(_) = b
            && let Some(m) = self.lookup_method(b, "__eq__")
        {
            // The reflected `b.__eq__(a)`.
            let r = self.call(&m, vec![a.clone()], Vec::new())?;
            if !is_not_implemented(&r) {
                return self.truthy(&r);
            }
        }
        match crate::py::value::eq_checked(a, b) {
            Some(r) => Ok(r),
            None => raise("RecursionError", "maximum recursion depth exceeded in comparison"),
        }
    }

    /// `x in container`.
    pub fn contains(&mut self, container: &V, x: &V) -> R<bool> {
        self.resolve_hash(x)?;
        match container {
            V::Str(s) => match x {
                V::Str(n) => Ok(s.contains(&**n)),
                other => type_err(format!("'in <string>' requires string as left operand, not {}", other.type_name())),
            },
            V::Dict(d) | V::Set(d) => {
                let k = x.hkey().or_else(type_err)?;
                Ok(d.lock().map.contains_key(&k))
            }
            V::Native(n) if let Native::DictView(d, kind) = &**n => match kind {
                ViewKind::Keys => {
                    let k = x.hkey().or_else(type_err)?;
                    Ok(d.lock().map.contains_key(&k))
                }
                ViewKind::Items => {
                    let V::Tuple(t) = x else { return Ok(false) };
                    if t.len() != 2 {
                        return Ok(false);
                    }
                    let Ok(k) = t[0].hkey() else { return Ok(false) };
                    let v = d.lock().map.get(&k).map(|(_, v)| v.clone());
                    match v {
                        Some(v) => self.compare(CmpOp::Eq, &v, &t[1]),
                        None => Ok(false),
                    }
                }
                ViewKind::Values => {
                    let vals = ViewKind::Values.snapshot(&d.lock());
                    for v in &vals {
                        if self.compare(CmpOp::Eq, v, x)? {
                            return Ok(true);
                        }
                    }
                    Ok(false)
                }
            },
            V::Range(r) => Ok(match x.as_int() {
                Some(i) => {
                    let (a, b, s) = (&r[0], &r[1], &r[2]);
                    let n = range_len(r[0], r[1], r[2]);
                    n > 0 && (i - a) % s == 0 && ((*s > 0 && i >= *a && i < *b) || (*s < 0 && i <= *a && i > *b))
                }
                None => false,
            }),
            V::Inst(_) if let Some(m) = self.lookup_method(container, "__contains__") => {
                let r = self.call(&m, vec![x.clone()], Vec::new())?;
                self.truthy(&r)
            }
            // An iterator (or anything iterated): taken one item at a time and left where the
            // match was (`2 in gen` leaves the rest to be read; `x in count()` ends).
            V::Iter(_) | V::Inst(_) | V::Native(_) => {
                let iter = self.iter(container.clone())?;
                while let Some(i) = self.next(&iter)? {
                    if i.is(x) || self.eq(&i, x)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            _ => {
                let items = self.collect_vec(container)?;
                for i in items {
                    if i.is(x) || self.eq(&i, x)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
        }
    }

    /// `str(v)`.
    pub fn str_of(&mut self, v: &V) -> R<String> {
        check_int_digits(v)?;
        match v {
            V::Str(s) => Ok(s.to_string()),
            V::Inst(i) => {
                if i.class.lookup("__str__").is_some_and(|m| matches!(m, V::Func(_) | V::Native(_)))
                    && let Some(m) = self.lookup_method(v, "__str__")
                {
                    let r = self.call(&m, Vec::new(), Vec::new())?;
                    return self.str_of(&r);
                }
                if i.class.is_sub(&exc::class("BaseException")) {
                    return Ok(exc::exc_str(self, v));
                }
                self.repr_of(v)
            }
            _ => self.repr_of(v),
        }
    }

    /// `repr(v)`.
    pub fn repr_of(&mut self, v: &V) -> R<String> {
        check_int_digits(v)?;
        match v {
            V::Inst(i) => {
                if let Some(m) = i.class.lookup("__repr__")
                    && matches!(&m, V::Func(_) | V::Native(_))
                {
                    let r = self.call(&bind(v, m), Vec::new(), Vec::new())?;
                    return self.str_of(&r);
                }
                if i.class.is_sub(&exc::class("BaseException")) {
                    return Ok(exc::exc_repr(self, v));
                }
                Ok(stdlib::inst_repr(self, i, v.id()))
            }
            V::Class(c) if crate::py::enums::is_enum(c) => Ok(format!("<enum '{}'>", c.name)),
            V::Native(n) if let Native::DictView(d, k) = &**n => {
                let snapshot = k.snapshot(&d.lock());
                let key = Arc::as_ptr(d) as *const u8 as usize;
                if !stdlib::view_repr_enter(key) {
                    return Ok("...".into());
                }
                let r = self.repr_of(&V::list(snapshot));
                stdlib::view_repr_leave(key);
                Ok(format!("{}({})", k.type_name(), r?))
            }
            // Containers that hold instances anywhere inside: each element through repr_of
            // (user __repr__, exception reprs); plain data keeps the fast path.
            V::List(_) | V::Tuple(_) | V::Dict(_) | V::Set(_) if holds_instances(v, 0) => {
                if self.too_deep_natively() {
                    return repr_too_deep();
                }
                let id = v.id();
                if matches!(v, V::List(_) | V::Dict(_) | V::Set(_)) {
                    if self.repr_open.contains(&id) {
                        return Ok(if matches!(v, V::List(_)) { "[...]" } else { "{...}" }.into());
                    }
                    self.repr_open.push(id);
                }
                self.depth += 1;
                let r = self.container_repr(v);
                self.depth -= 1;
                if matches!(v, V::List(_) | V::Dict(_) | V::Set(_)) {
                    self.repr_open.pop();
                }
                r
            }
            // Each level of nesting counts against the recursion limit, as CPython's
            // `Py_EnterRecursiveCall` in a container's repr does (3.9–3.11 at module level:
            // `repr()` of 997 lists nested in one another, and not 998, under the default
            // limit of 1000).
            V::List(_) | V::Tuple(_) | V::Dict(_) | V::Set(_) => {
                let limit = self.w.recursion_limit.load(std::sync::atomic::Ordering::Relaxed);
                v.repr_within(limit.saturating_sub(self.depth + 3)).map_or_else(repr_too_deep, Ok)
            }
            _ => Ok(v.repr()),
        }
    }
}

/// CPython's error for a repr nested past the recursion limit.
fn repr_too_deep() -> R<String> {
    raise("RecursionError", "maximum recursion depth exceeded while getting the repr of an object")
}

/// A built-in sequence (`str`, `list`, `tuple`), for CPython's words about `+` and `*`.
fn is_seq(v: &V) -> bool {
    matches!(v, V::Str(_) | V::List(_) | V::Tuple(_))
}
