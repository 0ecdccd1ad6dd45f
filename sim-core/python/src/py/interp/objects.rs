//! Objects: method lookup and calls, attributes, items, iteration.

use super::*;
use crate::py::value::HKey;

impl Interp<'_> {
    /// A method of `obj` looked up on its class (user classes only), bound.
    pub fn lookup_method(&self, obj: &V, name: &str) -> Option<V> {
        let V::Inst(i) = obj else { return None };
        let m = i.class.lookup(name)?;
        Some(bind(obj, m))
    }

    /// `obj.name(*pos, **kw)`.
    pub fn call_method(&mut self, obj: &V, name: &str, pos: Vec<V>, kw: Vec<(Arc<str>, V)>) -> R<V> {
        match obj {
            V::Inst(i) => {
                // Take the value out before calling: the instance's dict must not stay locked
                // while Python code runs (it may touch the same instance, on any thread).
                let own = i.dict.lock().get(name).cloned();
                if let Some(v) = own {
                    return self.call(&v, pos, kw);
                }
                match i.class.lookup(name) {
                    Some(V::Native(n))
                        if matches!(&*n, Native::StaticMethod(_) | Native::ClassMethod(_) | Native::Property(_)) =>
                    {
                        let m = self.get_attr(obj, name)?;
                        self.call(&m, pos, kw)
                    }
                    Some(m) => {
                        let mut args = Vec::with_capacity(pos.len() + 1);
                        args.push(obj.clone());
                        args.extend(pos);
                        self.call(&m, args, kw)
                    }
                    None => {
                        let m = self.get_attr(obj, name)?;
                        self.call(&m, pos, kw)
                    }
                }
            }
            V::Class(c) => match c.lookup(name) {
                Some(V::Native(n)) if matches!(&*n, Native::ClassMethod(_) | Native::StaticMethod(_)) => {
                    let m = self.get_attr(obj, name)?;
                    self.call(&m, pos, kw)
                }
                Some(m) => self.call(&m, pos, kw),
                None => {
                    let m = self.get_attr(obj, name)?;
                    self.call(&m, pos, kw)
                }
            },
            V::Native(n) => stdlib::native_method(self, obj, n, name, pos, kw),
            _ => crate::py::builtins::method(self, obj, name, pos, kw),
        }
    }

    // ------------------------------------------------------------ attributes

    /// `obj.name`.
    pub fn get_attr(&mut self, obj: &V, name: &str) -> R<V> {
        match obj {
            V::Inst(i) => {
                if i.class.native_kind() != ClassKind::Plain
                    && let Some(v) = stdlib::inst_native_attr(self, i, name)?
                {
                    return Ok(v);
                }
                if let Some(v) = i.dict.lock().get(name) {
                    return Ok(v.clone());
                }
                if let Some(m) = i.class.lookup(name) {
                    // A descriptor: `type(d).__get__(d, obj, type(obj))`.
                    if let Some(get) = descriptor_method(&m, "__get__") {
                        return self.call(&get, vec![m, obj.clone(), V::Class(i.class.clone())], Vec::new());
                    }
                    if let V::Native(n) = &m {
                        match &**n {
                            Native::Property(p) => {
                                let getter = p.part("getter", name, &i.class.name)?.clone();
                                return self.call(&getter, vec![obj.clone()], Vec::new());
                            }
                            Native::StaticMethod(f) => return Ok(f.clone()),
                            Native::ClassMethod(f) => {
                                return Ok(V::Bound(Arc::new((V::Class(i.class.clone()), f.clone()))));
                            }
                            _ => {}
                        }
                    }
                    return Ok(bind(obj, m));
                }
                if name == "__class__" {
                    return Ok(V::Class(i.class.clone()));
                }
                if name == "__dict__" {
                    let mut d = Dict::of_kind(crate::py::value::DictKind::Of(Arc::downgrade(i)));
                    for (k, v) in i.dict.lock().iter() {
                        d.set(V::str(k.clone()), v.clone()).or_else(type_err)?;
                    }
                    return Ok(V::Dict(Arc::new(Mutex::new(d))));
                }
                if let Some(g) = i.class.lookup("__getattr__") {
                    return self.call(&g, vec![obj.clone(), V::str(name)], Vec::new());
                }
                if matches!(name, "__cause__" | "__context__" | "__suppress_context__")
                    && i.class.is_sub(&exc::class("BaseException"))
                {
                    return Ok(if name == "__suppress_context__" { V::Bool(false) } else { V::None });
                }
                raise("AttributeError", format!("'{}' object has no attribute '{name}'", i.class.name))
            }
            V::Class(c) => {
                if let Some(v) = c.lookup(name) {
                    if let Some(get) = descriptor_method(&v, "__get__") {
                        return self.call(&get, vec![v, V::None, obj.clone()], Vec::new());
                    }
                    if let V::Native(n) = &v {
                        match &**n {
                            Native::StaticMethod(f) => return Ok(f.clone()),
                            Native::ClassMethod(f) => return Ok(V::Bound(Arc::new((obj.clone(), f.clone())))),
                            _ => {}
                        }
                    }
                    return Ok(v);
                }
                match name {
                    "__name__" => Ok(V::str(c.name.clone())),
                    "__qualname__" => Ok(V::str(c.name.clone())),
                    "__module__" => Ok(V::str(c.module.clone())),
                    "__doc__" => Ok(V::None),
                    "__mro__" => {
                        Ok(V::tuple(std::iter::once(c.clone()).chain(c.mro.iter().cloned()).map(V::Class).collect()))
                    }
                    "__bases__" => Ok(V::tuple(c.bases.iter().map(|c| V::Class(c.clone())).collect())),
                    // (A copy: CPython's is a read-only mappingproxy.)
                    "__dict__" => {
                        let mut d = Dict::default();
                        for (k, v) in c.dict.read().iter() {
                            d.set(V::str(k.clone()), v.clone()).or_else(type_err)?;
                        }
                        Ok(V::Dict(Arc::new(Mutex::new(d))))
                    }
                    _ => raise("AttributeError", format!("type object '{}' has no attribute '{name}'", c.name)),
                }
            }
            V::Native(n) => stdlib::native_attr(self, obj, n, name),
            V::Func(func) if let Some(v) = func.attrs.lock().get(name).cloned() => Ok(v),
            V::Func(func) => match name {
                "__doc__" => Ok(match func.def.body.first().map(|s| &s.kind) {
                    Some(StmtKind::Expr(e)) => match &*e.kind {
                        ExprKind::Const(v @ V::Str(_)) => v.clone(),
                        _ => V::None,
                    },
                    _ => V::None,
                }),
                "__dict__" => {
                    let mut d = Dict::default();
                    for (k, v) in func.attrs.lock().iter() {
                        d.set(V::str(k.clone()), v.clone()).or_else(type_err)?;
                    }
                    Ok(V::Dict(Arc::new(Mutex::new(d))))
                }
                "__name__" => Ok(V::str(func.def.name.clone())),
                "__qualname__" => Ok(V::str(func.def.qualname.clone())),
                "__module__" => Ok(V::str("__main__")),
                _ => raise("AttributeError", format!("'function' object has no attribute '{name}'")),
            },
            V::Builtin(b) => match name {
                "__name__" | "__qualname__" => Ok(V::str(b.name())),
                // `dict.__init__(self, ...)`, `list.__setitem__(self, i, v)`: the methods a
                // subclass inherits.
                _ if name.starts_with("__")
                    && let Some(m) = crate::py::builtins::subclass::base_class(*b)
                        .and_then(|c| c.dict.read().get(name).cloned()) =>
                {
                    Ok(m)
                }
                _ => Ok(V::Native(Arc::new(Native::Method(obj.clone(), Arc::from(name))))),
            },
            V::Bound(b) => match name {
                "__self__" => Ok(b.0.clone()),
                "__func__" => Ok(b.1.clone()),
                _ => self.get_attr(&b.1, name),
            },
            _ => crate::py::builtins::value_attr(self, obj, name),
        }
    }

    /// `obj.name = v`.
    /// `obj.name` as the program reads it (`name` interned by the compiler): a plain
    /// instance's own attribute found by the name's pointer, else [`Self::get_attr`].
    #[inline]
    pub fn get_attr_named(&mut self, obj: &V, name: &Arc<str>) -> R<V> {
        if let V::Inst(i) = obj
            && let Some(v) = own_attr(i, name)
        {
            return Ok(v);
        }
        self.get_attr(obj, name)
    }

    /// `obj.name = v` as the program writes it: a plain instance of a class that only stores
    /// (see [`plain_setattr`]) stores under the interned name, else [`Self::set_attr`].
    #[inline]
    pub fn set_attr_named(&mut self, obj: &V, name: &Arc<str>, v: V) -> R<()> {
        if let V::Inst(i) = obj
            && i.class.native_kind() == ClassKind::Plain
            && plain_setattr(&i.class)
        {
            set_plain_attr(i, name, v);
            return Ok(());
        }
        self.set_attr(obj, name, v)
    }

    pub fn set_attr(&mut self, obj: &V, name: &str, v: V) -> R<()> {
        match obj {
            V::Inst(i) => {
                if i.class.native_kind() != ClassKind::Plain && stdlib::inst_set_native_attr(self, i, name, &v)? {
                    return Ok(());
                }
                if !plain_setattr(&i.class) {
                    if let Some(s) = i.class.lookup("__setattr__")
                        && matches!(s, V::Func(_))
                    {
                        self.call(&s, vec![obj.clone(), V::str(name), v], Vec::new())?;
                        return Ok(());
                    }
                    if crate::py::namedtuple::is_field(&i.class, name) {
                        return raise("AttributeError", "can't set attribute");
                    }
                    if let Some(e) = crate::py::dataclasses::frozen_error(&i.class, name, false) {
                        return Err(e);
                    }
                    if let Some(e) = crate::py::enums::set_error(&i.class, name) {
                        return Err(e);
                    }
                    if let Some(V::Native(n)) = i.class.lookup(name)
                        && let Native::Property(p) = &*n
                    {
                        let setter = p.part("setter", name, &i.class.name)?.clone();
                        self.call(&setter, vec![obj.clone(), v], Vec::new())?;
                        return Ok(());
                    }
                    // A data descriptor: `type(d).__set__(d, obj, value)`.
                    if let Some(d) = i.class.lookup(name)
                        && let Some(set) = descriptor_method(&d, "__set__")
                    {
                        self.call(&set, vec![d, obj.clone(), v], Vec::new())?;
                        return Ok(());
                    }
                    if let Some(slots) = slots_of(&i.class)
                        && !slots.iter().any(|s| &**s == name)
                    {
                        return raise("AttributeError", format!("'{}' object has no attribute '{name}'", i.class.name));
                    }
                }
                let v = match stdlib::local_store(self, i, name, v)? {
                    None => return Ok(()),
                    Some(v) => v,
                };
                let mut d = i.dict.lock();
                match d.get_mut(name) {
                    Some(slot) => *slot = v,
                    None => {
                        d.insert(Arc::from(name), v);
                    }
                }
                Ok(())
            }
            V::Class(c) => {
                immutable_check(c, name)?;
                c.dict.write().insert(Arc::from(name), v);
                crate::py::value::classes_changed();
                Ok(())
            }
            V::Func(f) => {
                f.attrs.lock().insert(Arc::from(name), v);
                Ok(())
            }
            V::Native(n) => stdlib::set_native_attr(self, n, name, v),
            other => raise(
                "AttributeError",
                format!(
                    "'{}' object has no attribute '{name}' and no __dict__ for setting new attributes",
                    other.type_name()
                ),
            ),
        }
    }

    // ------------------------------------------------------------ items, iteration

    /// A dict or set finds a key by its hash, then `==`. For an instance whose class has
    /// its own `__hash__`, ask it (and `__eq__` of the objects seen before with that hash):
    /// equal objects then stand for one key ([`crate::py::value::Inst::hrep`]). Asked once,
    /// when the instance is made (or first used as a key), not at every lookup as CPython
    /// does: a `__hash__` that prints prints once.
    #[inline]
    pub(crate) fn resolve_hash(&mut self, v: &V) -> R<()> {
        match v {
            V::Inst(i) if i.hrep.load(std::sync::atomic::Ordering::Relaxed) == 0 => self.resolve_hash_slow(v),
            _ => Ok(()),
        }
    }

    /// [`Self::resolve_hash`] for an object just made: a `__hash__` or `__eq__` that raises
    /// is not the constructor's error (CPython would not have called them yet); the object
    /// is asked again when it is used as a key.
    pub(crate) fn resolve_hash_made(&mut self, v: &V) -> R<()> {
        match self.resolve_hash(v) {
            Err(Flow::Exc(_)) => Ok(()),
            other => other,
        }
    }

    fn resolve_hash_slow(&mut self, v: &V) -> R<()> {
        use std::sync::atomic::Ordering::Relaxed;
        let V::Inst(i) = v else { return Ok(()) };
        if !matches!(i.class.lookup("__hash__"), Some(V::Func(_))) {
            return Ok(());
        }
        let Some(m) = self.lookup_method(v, "__hash__") else { return Ok(()) };
        let h = self.call(&m, Vec::new(), Vec::new())?;
        if !matches!(h, V::Int(_) | V::Bool(_) | V::Big(_)) {
            return type_err("__hash__ method should return an integer");
        }
        // Values are told apart within a class: objects of two classes are not compared
        // unless a dict holds both (where CPython would compare them too).
        let key = HKey::Tuple(vec![HKey::Id(Arc::as_ptr(&i.class) as *const u8 as usize), h.hkey().or_else(type_err)?]);
        // One live object of each value seen with this hash (at most 32 compared: a
        // `__hash__` that gives every object the same number is not made quadratic). Python
        // runs between looking and registering: if another thread registered a value
        // meanwhile, compare with it too before making a new one.
        let mut compared: Vec<usize> = Vec::new();
        let id = loop {
            let (seen, ids): (Vec<(usize, Arc<Inst>)>, Vec<usize>) = {
                let mut reps = self.w.hash_reps.lock();
                let bucket = reps.by_hash.entry(key.clone()).or_default();
                bucket.retain_mut(|(_, members)| {
                    members.retain(|m| m.strong_count() > 0);
                    !members.is_empty()
                });
                let seen = bucket
                    .iter()
                    .take(32)
                    .filter(|(id, _)| !compared.contains(id))
                    .filter_map(|(id, ms)| ms.iter().find_map(std::sync::Weak::upgrade).map(|r| (*id, r)))
                    .collect();
                (seen, bucket.iter().map(|(id, _)| *id).collect())
            };
            let mut found = None;
            for (id, r) in seen {
                compared.push(id);
                if self.compare(CmpOp::Eq, v, &V::Inst(r))? {
                    found = Some(id);
                    break;
                }
            }
            if let Some(id) = found {
                break id;
            }
            let mut reps = self.w.hash_reps.lock();
            let bucket = reps.by_hash.entry(key.clone()).or_default();
            if bucket.iter().map(|(id, _)| *id).ne(ids.iter().copied()) && compared.len() < 32 {
                continue;
            }
            let id = reps.next * 2 + 1;
            reps.next += 1;
            reps.by_hash.entry(key.clone()).or_default().push((id, Vec::new()));
            break id;
        };
        let mut reps = self.w.hash_reps.lock();
        if let Some((_, members)) = reps.by_hash.get_mut(&key).and_then(|b| b.iter_mut().find(|(x, _)| *x == id)) {
            members.push(Arc::downgrade(i));
        }
        i.hrep.store(id, Relaxed);
        // Now and then, forget the objects that are gone.
        reps.held += 1;
        if reps.held > 2 * reps.swept_at.max(1024) {
            reps.by_hash.retain(|_, b| {
                b.retain_mut(|(_, ms)| {
                    ms.retain(|m| m.strong_count() > 0);
                    !ms.is_empty()
                });
                !b.is_empty()
            });
            reps.held = reps.by_hash.values().flatten().map(|(_, ms)| ms.len()).sum();
            reps.swept_at = reps.held;
        }
        Ok(())
    }

    /// `obj[i]`.
    pub fn get_item(&mut self, obj: &V, i: &V) -> R<V> {
        self.resolve_hash(i)?;
        if let V::Class(c) = obj
            && crate::py::enums::is_enum(c)
        {
            return crate::py::enums::get_item(self, c, i);
        }
        if let V::Inst(_) = obj {
            return match self.lookup_method(obj, "__getitem__") {
                Some(m) => self.call(&m, vec![i.clone()], Vec::new()),
                None => type_err(format!("'{}' object is not subscriptable", obj.type_name())),
            };
        }
        crate::py::builtins::get_item(self, obj, i)
    }

    /// `obj[i] = v`.
    pub fn set_item(&mut self, obj: &V, i: V, v: V) -> R<()> {
        self.resolve_hash(&i)?;
        if let V::Inst(_) = obj {
            return match self.lookup_method(obj, "__setitem__") {
                Some(m) => self.call(&m, vec![i, v], Vec::new()).map(|_| ()),
                None => type_err(format!("'{}' object does not support item assignment", obj.type_name())),
            };
        }
        crate::py::builtins::set_item(self, obj, i, v)
    }

    /// `iter(v)`.
    pub fn iter(&mut self, v: V) -> R<V> {
        Ok(match v {
            V::Iter(_) => v,
            V::Range(r) => V::Iter(Arc::new(Mutex::new(PyIter::Range(r[0], r[1], r[2])))),
            V::Inst(_) => {
                if let Some(m) = self.lookup_method(&v, "__iter__") {
                    return self.call(&m, Vec::new(), Vec::new());
                }
                // The old sequence protocol: `__getitem__(0)`, `(1)`… until IndexError.
                if let Some(m) = self.lookup_method(&v, "__getitem__") {
                    let i = std::sync::atomic::AtomicI64::new(0);
                    return Ok(crate::py::itertools::lazy("iterator", move |it| {
                        let n = i.load(std::sync::atomic::Ordering::Relaxed);
                        if n < 0 {
                            return Ok(None);
                        }
                        match it.call(&m, vec![V::Int(n)], Vec::new()) {
                            Ok(x) => {
                                i.store(n + 1, std::sync::atomic::Ordering::Relaxed);
                                Ok(Some(x))
                            }
                            Err(Flow::Exc(e))
                                if exc::is_instance_of(&e.value, "IndexError")
                                    || exc::is_instance_of(&e.value, "StopIteration") =>
                            {
                                i.store(-1, std::sync::atomic::Ordering::Relaxed);
                                Ok(None)
                            }
                            Err(e) => Err(e),
                        }
                    }));
                }
                return type_err(format!("'{}' object is not iterable", v.type_name()));
            }
            V::Dict(ref d) => {
                V::Iter(Arc::new(Mutex::new(PyIter::Dict(Box::new(DictIter::new(d, ViewKind::Keys, false))))))
            }
            V::Set(ref d) => {
                V::Iter(Arc::new(Mutex::new(PyIter::Dict(Box::new(DictIter::new(d, ViewKind::Keys, true))))))
            }
            V::Native(ref n) if let Native::DictView(d, k) = &**n => {
                V::Iter(Arc::new(Mutex::new(PyIter::Dict(Box::new(DictIter::new(d, *k, false))))))
            }
            V::Native(ref n) if matches!(**n, Native::Lazy(_)) => v,
            V::Native(ref n) if let Native::Gen(g) = &**n => {
                if !g.is_generator() {
                    return type_err(format!("'{}' object is not iterable", g.type_name()));
                }
                v
            }
            V::Native(ref n) => match stdlib::native_iter(self, n)? {
                Some(items) => V::Iter(Arc::new(Mutex::new(PyIter::Items(items, 0)))),
                None => return type_err(format!("'{}' object is not iterable", v.type_name())),
            },
            other => V::Iter(Arc::new(Mutex::new(PyIter::Items(self.collect_vec(&other)?, 0)))),
        })
    }

    /// `next(it)`, or None at the end.
    pub fn next(&mut self, it: &V) -> R<Option<V>> {
        match it {
            V::Iter(st) => {
                let mut st = st.lock();
                if let PyIter::Completed(c) = &*st {
                    threadline_runtime::footprint::note_global();
                    // Waits for a future: not while holding the iterator's lock.
                    let c = Arc::clone(c);
                    drop(st);
                    return stdlib::as_completed_next(self, &c);
                }
                Ok(match &mut *st {
                    PyIter::Items(items, i) => {
                        let v = items.get(*i).cloned();
                        *i += 1;
                        v
                    }
                    PyIter::Range(a, b, s) => {
                        if (*s > 0 && *a < *b) || (*s < 0 && *a > *b) {
                            let v = *a;
                            *a = a.saturating_add(*s);
                            Some(V::Int(v))
                        } else {
                            None
                        }
                    }
                    PyIter::Completed(_) => None,
                    PyIter::Dict(di) => {
                        // Exhausted: it stays so, whatever happens to the dict after.
                        if di.i == usize::MAX {
                            return Ok(None);
                        }
                        // The size first (a change during the last step raises too); once
                        // raised, it raises again at every step (CPython's sticky state).
                        let d = di.src.lock();
                        if di.broken || d.map.len() != di.len {
                            di.broken = true;
                            let what = if di.set { "Set" } else { "dictionary" };
                            return raise("RuntimeError", format!("{what} changed size during iteration"));
                        }
                        if di.i >= di.keys.len() {
                            di.i = usize::MAX;
                            return Ok(None);
                        }
                        let k = di.keys[di.i].clone();
                        di.i += 1;
                        match di.kind {
                            ViewKind::Keys => Some(k),
                            kind => match k.hkey().ok().and_then(|h| d.map.get(&h).map(|(_, v)| v.clone())) {
                                Some(v) if kind == ViewKind::Values => Some(v),
                                Some(v) => Some(V::tuple(vec![k, v])),
                                None => {
                                    di.broken = true;
                                    return raise("RuntimeError", "dictionary keys changed during iteration");
                                }
                            },
                        }
                    }
                })
            }
            V::Inst(_) => match self.lookup_method(it, "__next__") {
                Some(m) => match self.call(&m, Vec::new(), Vec::new()) {
                    Ok(v) => Ok(Some(v)),
                    Err(Flow::Exc(e)) if exc::is_instance_of(&e.value, "StopIteration") => Ok(None),
                    Err(e) => Err(e),
                },
                None => type_err(format!("'{}' object is not an iterator", it.type_name())),
            },
            V::Native(n) if let Native::Lazy(l) = &**n => l.next(self),
            V::Native(n)
                if let Native::Gen(g) = &**n
                    && g.is_generator() =>
            {
                match g.resume(self, crate::py::frame::Resume::Send(V::None))? {
                    crate::py::frame::Out::Yield(v) => Ok(Some(v)),
                    crate::py::frame::Out::Return(_) => Ok(None),
                }
            }
            other => type_err(format!("'{}' object is not an iterator", other.type_name())),
        }
    }

    /// All items of an iterable.
    pub fn collect_vec(&mut self, v: &V) -> R<Vec<V>> {
        Ok(match v {
            V::List(l) => l.lock().clone(),
            V::Tuple(t) => t.to_vec(),
            V::Str(s) => s.chars().map(|c| V::str(c.to_string())).collect(),
            V::Dict(d) => d.lock().keys(),
            V::Set(d) => d.lock().members(),
            V::Range(r) => {
                let (a, s) = (&r[0], &r[2]);
                let n = range_len(r[0], r[1], r[2]);
                if n > 100_000_000 {
                    return raise("MemoryError", "");
                }
                (0..n).map(|i| V::Int(a + i * s)).collect()
            }
            V::Iter(_) | V::Inst(_) | V::Native(_) => {
                let it = self.iter(v.clone())?;
                let mut out = Vec::new();
                while let Some(x) = self.next(&it)? {
                    out.push(x);
                    // An endless iterator (`itertools.count()`) must not outlive Stop, nor
                    // eat the machine's memory.
                    if out.len() % 1024 == 0 {
                        self.ctx.check()?;
                        if out.len() >= 100_000_000 {
                            return raise("MemoryError", "");
                        }
                    }
                }
                out
            }
            V::Class(c) if crate::py::enums::is_enum(c) => crate::py::enums::members(c),
            other => return type_err(format!("'{}' object is not iterable", other.type_name())),
        })
    }

    // ------------------------------------------------------------ operators
}

/// Whether writing an attribute of an instance of `class` only stores it: no `__setattr__`,
/// no named-tuple fields, not a frozen dataclass, not an enum. Most classes; cached per class
/// (a write does not walk the MRO for `__setattr__` and friends).
/// A plain instance's own attribute `name` (its `__dict__`, by the interned name), before
/// anything its class defines — the read `obj.name` makes first.
#[inline]
pub(crate) fn own_attr(i: &Inst, name: &Arc<str>) -> Option<V> {
    if i.class.native_kind() != ClassKind::Plain {
        return None;
    }
    i.dict.lock().get(&crate::py::value::AttrName(name)).map(V::dup)
}

/// Store `name` in a plain instance's `__dict__` (its class only stores: [`plain_setattr`]).
#[inline]
pub(crate) fn set_plain_attr(i: &Inst, name: &Arc<str>, v: V) {
    let mut d = i.dict.lock();
    match d.get_mut(&crate::py::value::AttrName(name)) {
        Some(slot) => V::put(slot, v),
        None => {
            d.insert(name.clone(), v);
        }
    }
}

/// The attribute names instances of `class` may hold when every class along its MRO
/// declares `__slots__` (without `__dict__`); None when instances have a `__dict__`.
pub(crate) fn slots_of(class: &Arc<Class>) -> Option<Vec<Arc<str>>> {
    let mut names = Vec::new();
    for c in std::iter::once(class).chain(class.mro.iter()) {
        if &*c.module == "builtins" {
            continue;
        }
        let slots = c.dict.read().get("__slots__").cloned()?;
        let items = match &slots {
            V::Str(s) => vec![V::Str(s.clone())],
            V::Tuple(t) => t.to_vec(),
            V::List(l) => l.lock().clone(),
            _ => return None,
        };
        for it in items {
            if let V::Str(s) = it {
                if &*s == "__dict__" {
                    return None;
                }
                // A private slot name is mangled with its class's name, as the methods'
                // `self.__x` is.
                names.push(crate::py::ir::mangled(&c.name, &s));
            }
        }
    }
    Some(names)
}

/// Whether any class along `class`'s MRO holds a property.
/// Whether a class has a property or a data descriptor (an object whose class defines
/// `__set__`): an attribute write may then run code.
fn has_property(class: &Arc<Class>) -> bool {
    std::iter::once(class).chain(class.mro.iter()).any(|c| {
        c.dict.read().values().any(|v| match v {
            V::Native(n) => matches!(&**n, Native::Property(_)),
            V::Inst(d) => matches!(d.class.lookup("__set__"), Some(V::Func(_))),
            _ => false,
        })
    })
}

/// A descriptor's method: `__get__` or `__set__` of the object's class, if it is Python's.
pub(crate) fn descriptor_method(v: &V, name: &str) -> Option<V> {
    match v {
        V::Inst(d) => d.class.lookup(name).filter(|m| matches!(m, V::Func(_))),
        _ => None,
    }
}

#[inline]
pub(crate) fn plain_setattr(class: &Arc<Class>) -> bool {
    class.cached(|| {
        !matches!(class.lookup("__setattr__"), Some(V::Func(_)))
            && !has_property(class)
            && slots_of(class).is_none()
            && class.lookup("_fields").is_none()
            && class.lookup("__dataclass_frozen__").is_none()
            && !crate::py::enums::is_enum(class)
    })
}

/// A built-in type (`BaseException`, `int`…) is immutable, as in CPython: its namespace is
/// also shared by every run in the process, so a change would outlive the program.
pub(crate) fn immutable_check(c: &Class, name: &str) -> R<()> {
    if &*c.module == "builtins" {
        return type_err(format!("cannot set '{name}' attribute of immutable type '{}'", c.name));
    }
    Ok(())
}
