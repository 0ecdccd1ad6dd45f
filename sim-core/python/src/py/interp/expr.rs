//! Expressions: `eval`, arguments, f-strings, functions and closures made, comprehensions,
//! `super()`.

use super::*;

impl Interp<'_> {
    /// Evaluate an expression. The leaves (an int constant, a local holding a value) are
    /// answered where the caller stands: [`Self::eval_node`]'s frame is large, and its
    /// prologue cost more than the leaf itself.
    #[inline(always)]
    pub fn eval(&mut self, f: &mut Frame<'_>, e: &Expr) -> R<V> {
        match &*e.kind {
            ExprKind::Const(V::Int(i)) => Ok(V::Int(*i)),
            ExprKind::Name(Name::Local(i), _) => match f.locals.get(*i as usize) {
                Some(V::Int(v)) => Ok(V::Int(*v)),
                Some(v) if !matches!(v, V::Cell(_) | V::Unbound) => Ok(v.clone()),
                _ => self.eval_node(f, e),
            },
            _ => self.eval_node(f, e),
        }
    }

    /// Evaluate an expression (any but the leaves [`Self::eval`] answers).
    #[inline(never)]
    fn eval_node(&mut self, f: &mut Frame<'_>, e: &Expr) -> R<V> {
        match &*e.kind {
            ExprKind::Const(v) => Ok(v.dup()),
            ExprKind::Name(n, name) => {
                // A local holding a value, the commonest load, without the call.
                if let Name::Local(i) = n
                    && let Some(v) = f.locals.get(*i as usize)
                    && !matches!(v, V::Cell(_) | V::Unbound)
                {
                    return Ok(v.clone());
                }
                self.load_name(f, n, name)
            }
            ExprKind::Bin(op, a, b) => {
                let a = self.eval(f, a)?;
                let b = self.eval(f, b)?;
                // 3.9 checks the eval breaker after a binary op (its DISPATCH): `a = a + 1`
                // can lose an update between the add and the store.
                if let (V::Int(x), V::Int(y)) = (&a, &b)
                    && let Some(r) = small_int_op(*op, *x, *y)
                {
                    // Returned from here, not joined with the general path: the joined
                    // result was spilled in halves and reloaded whole (a store-forwarding stall).
                    // The operands are ints: nothing to free.
                    a.discard();
                    b.discard();
                    if self.mode == GilMode::Cpython39 {
                        self.breaker()?;
                    }
                    return Ok(V::Int(r));
                }
                let r = self.binop(*op, &a, &b)?;
                if self.mode == GilMode::Cpython39 {
                    self.breaker()?;
                }
                Ok(r)
            }
            ExprKind::Unary(op, a) => {
                let a = self.eval(f, a)?;
                self.unary(*op, &a)
            }
            ExprKind::And(vs) => {
                let mut last = V::Bool(true);
                for v in vs {
                    last = self.eval(f, v)?;
                    if !self.truthy(&last)? {
                        return Ok(last);
                    }
                }
                Ok(last)
            }
            ExprKind::Or(vs) => {
                let mut last = V::Bool(false);
                for v in vs {
                    last = self.eval(f, v)?;
                    if self.truthy(&last)? {
                        return Ok(last);
                    }
                }
                Ok(last)
            }
            ExprKind::Compare(left, rest) => {
                let mut l = self.eval(f, left)?;
                for (op, r) in rest {
                    let r = self.eval(f, r)?;
                    let holds = match (&l, &r) {
                        (V::Int(x), V::Int(y)) if let Some(h) = small_int_cmp(*op, *x, *y) => h,
                        _ => self.compare(*op, &l, &r)?,
                    };
                    if !holds {
                        return Ok(V::Bool(false));
                    }
                    l = r;
                }
                Ok(V::Bool(true))
            }
            ExprKind::IfExp(t, a, b) => {
                let c = self.eval(f, t)?;
                if self.truthy(&c)? { self.eval(f, a) } else { self.eval(f, b) }
            }
            ExprKind::Call(func, args) => {
                if let ExprKind::Attr(obj, name) = &*func.kind {
                    // A local or a global this thread has read: copied from where it is.
                    let o = match self.peek(f, obj) {
                        Some(v) => v.clone(),
                        None => self.eval(f, obj)?,
                    };
                    // Fast path: a plain instance's Python method, positional arguments only
                    // (the method found once per site and class, see `method_at`).
                    if let V::Inst(i) = &o
                        && i.class.kind == ClassKind::Plain
                        && i.class.native_kind() == ClassKind::Plain
                        && let Some(m) = self.plain_method(func as *const Expr as usize, i, name, args)
                    {
                        let r = self.call_method_positional(f, &m, o, args);
                        self.ctx.line.set(f.line);
                        return self.after_call(r);
                    }
                    // Fast path: `xs.append(x)` on a list (the same push `list.append` makes,
                    // without building an argument vector and matching the method's name).
                    if let V::List(l) = &o
                        && &**name == "append"
                        && let [Arg::Pos(e)] = args.as_slice()
                    {
                        let v = self.eval(f, e)?;
                        self.mutated();
                        l.lock().push(v);
                        self.mutated();
                        self.ctx.line.set(f.line);
                        return self.after_call(Ok(V::None));
                    }
                    // And `d.get(k)` / `d.get(k, default)` on a dict (any kind: `get` never
                    // calls a `defaultdict`'s factory).
                    if let V::Dict(d) = &o
                        && &**name == "get"
                        && let [Arg::Pos(k), rest @ ..] = args.as_slice()
                        && let [] | [Arg::Pos(_)] = rest
                    {
                        let k = self.eval(f, k)?;
                        let r = match rest {
                            [Arg::Pos(dflt)] => {
                                let dflt = self.eval(f, dflt)?;
                                crate::py::builtins::methods::dict_get(d, &k, Some(&dflt))?
                            }
                            _ => crate::py::builtins::methods::dict_get(d, &k, None)?,
                        };
                        self.ctx.line.set(f.line);
                        return self.after_call(Ok(r));
                    }
                    let (pos, kw) = match self.args(f, args) {
                        Err(e) if is_star_error(&e) => {
                            let callee = match &o {
                                V::Inst(_) | V::Class(_) => {
                                    self.get_attr(&o, name).map_or_else(|_| o.repr(), |m| func_str(&m))
                                }
                                _ => format!("{}.{name}()", o.type_name()),
                            };
                            return Err(prefix_star_error(e, &callee));
                        }
                        r => r?,
                    };
                    let impure = self.controlled && !pure_method(&o, name);
                    if impure {
                        self.ctx.mutated();
                    }
                    let r = self.call_method(&o, name, pos, kw);
                    // Again when it returns: native code may have run Python (with switch
                    // points) before it changed anything (`xs.extend(f(x) for x in ys)`).
                    if impure {
                        self.ctx.mutated();
                    }
                    self.ctx.line.set(f.line);
                    return self.after_call(r);
                }
                if let ExprKind::Comp(def) = &*func.kind {
                    let (pos, _) = self.args(f, args)?;
                    return self.run_comp(f, def, pos.into_iter().next().unwrap_or_default());
                }
                // Fast path: a Python function named by a local or a global this thread has
                // read (its `Arc` copied, not the value through the general load), called with
                // positional arguments only.
                if let Some(V::Func(callee)) = self.peek(f, func)
                    && fast_arity(callee, args.len())
                    && args.iter().all(|a| matches!(a, Arg::Pos(_)))
                {
                    let callee = callee.clone();
                    let r = self.call_positional(f, &callee, args);
                    self.ctx.line.set(f.line);
                    return self.after_call(r);
                }
                let fv = self.eval(f, func)?;
                if matches!(fv, V::Builtin(crate::py::ir::Builtin::Super)) {
                    if args.is_empty() {
                        return self.super_obj(f);
                    }
                    // `super(C, obj)`: the MRO of obj's class, after C.
                    let (pos, _) = self.args(f, args)?;
                    return match pos.as_slice() {
                        [V::Class(c), obj] => {
                            let ok = match obj {
                                V::Class(k) => k.is_sub(c),
                                V::Inst(i) => i.class.is_sub(c),
                                _ => false,
                            };
                            if !ok {
                                return type_err("super(type, obj): obj must be an instance or subtype of type");
                            }
                            Ok(V::Native(Arc::new(Native::Super(c.clone(), obj.clone()))))
                        }
                        [other, _] => type_err(format!("super() argument 1 must be a type, not {}", other.type_name())),
                        _ => raise("RuntimeError", "super(): only super() and super(type, obj) are supported"),
                    };
                }
                // Fast path: a Python function called with positional arguments only.
                if let V::Func(func) = &fv
                    && fast_arity(func, args.len())
                    && args.iter().all(|a| matches!(a, Arg::Pos(_)))
                {
                    let r = self.call_positional(f, func, args);
                    self.ctx.line.set(f.line);
                    return self.after_call(r);
                }
                let (pos, kw) = self.args(f, args).map_err(|e| prefix_star_error(e, &func_str(&fv)))?;
                self.call_counted(&fv, args, pos, kw, f.line)
            }
            ExprKind::Attr(obj, name) => {
                if let Some(V::Inst(i)) = self.peek(f, obj)
                    && let Some(v) = super::objects::own_attr(i, name)
                {
                    return Ok(v);
                }
                let o = self.eval(f, obj)?;
                self.get_attr_named(&o, name)
            }
            ExprKind::Subscript(obj, idx) => {
                let o = self.eval(f, obj)?;
                let i = self.eval(f, idx)?;
                self.get_item(&o, &i)
            }
            ExprKind::Slice(a, b, c) => {
                let mut part = |x: &Option<Expr>| -> R<V> {
                    match x {
                        Some(e) => self.eval(f, e),
                        None => Ok(V::None),
                    }
                };
                let (a, b, c) = (part(a)?, part(b)?, part(c)?);
                Ok(V::Native(Arc::new(Native::Slice(a, b, c))))
            }
            ExprKind::List(items) => Ok(V::list(self.items(f, items)?)),
            ExprKind::Tuple(items) => Ok(V::tuple(self.items(f, items)?)),
            ExprKind::Set(items) => {
                let vs = self.items(f, items)?;
                let mut d = Dict::default();
                for v in vs {
                    self.resolve_hash(&v)?;
                    d.set(v, V::None).or_else(type_err)?;
                }
                Ok(V::Set(Arc::new(Mutex::new(d))))
            }
            ExprKind::Dict(items) => {
                let mut d = Dict::default();
                for (k, v) in items {
                    match k {
                        Some(k) => {
                            let k = self.eval(f, k)?;
                            let v = self.eval(f, v)?;
                            self.resolve_hash(&k)?;
                            d.set(k, v).or_else(type_err)?;
                        }
                        None => {
                            let other = self.eval(f, v)?;
                            let other = crate::py::builtins::subclass::base_value(&other).unwrap_or(other);
                            let V::Dict(o) = other else { return type_err("'**' argument must be a mapping") };
                            let o = o.lock().clone();
                            for (_, (k, v)) in o.into_map() {
                                d.set(k, v).or_else(type_err)?;
                            }
                        }
                    }
                }
                Ok(V::Dict(Arc::new(Mutex::new(d))))
            }
            ExprKind::Starred(_) => raise("SyntaxError", "can't use starred expression here"),
            ExprKind::FString(parts) => Ok(V::str(self.fstring(f, parts)?)),
            ExprKind::Lambda(def) => self.make_func(f, def),
            ExprKind::Comp(_) => raise("SystemError", "bare comprehension"),
            ExprKind::Yield(_) | ExprKind::YieldFrom(_) | ExprKind::Await(_) => {
                raise("SystemError", "a suspension outside a suspendable frame")
            }
            ExprKind::Walrus(t, v) => {
                let v = self.eval(f, v)?;
                self.assign(f, t, v.clone())?;
                Ok(v)
            }
        }
    }

    pub(crate) fn items(&mut self, f: &mut Frame<'_>, items: &[Expr]) -> R<Vec<V>> {
        let mut out = Vec::with_capacity(items.len());
        for e in items {
            if let ExprKind::Starred(inner) = &*e.kind {
                let v = self.eval(f, inner)?;
                out.extend(self.collect_vec(&v)?);
            } else {
                out.push(self.eval(f, e)?);
            }
        }
        Ok(out)
    }

    /// The items of `*v` in a call: CPython's TypeError when `v` is not iterable, its
    /// callee's name put in front by the caller ([`prefix_star_error`]).
    pub(crate) fn star_items(&mut self, v: &V) -> R<Vec<V>> {
        match self.collect_vec(v) {
            Err(Flow::Exc(e))
                if exc::is_instance_of(&e.value, "TypeError")
                    && exc::args(&e.value).first().is_some_and(
                        |m| matches!(m, V::Str(s) if **s == format!("'{}' object is not iterable", v.type_name())),
                    ) =>
            {
                type_err(format!("{STAR_ERROR}{}", v.type_name()))
            }
            r => r,
        }
    }

    pub(crate) fn args(&mut self, f: &mut Frame<'_>, args: &[Arg]) -> R<(Vec<V>, Kwargs)> {
        let mut pos = Vec::with_capacity(args.len());
        let mut kw = Vec::new();
        for a in args {
            match a {
                Arg::Pos(e) => pos.push(self.eval(f, e)?),
                Arg::Star(e) => {
                    let v = self.eval(f, e)?;
                    pos.extend(self.star_items(&v)?);
                }
                Arg::Kw(k, e) => kw.push((k.clone(), self.eval(f, e)?)),
                Arg::StarStar(e) => {
                    let v = self.eval(f, e)?;
                    let v = crate::py::builtins::subclass::base_value(&v).unwrap_or(v);
                    let V::Dict(d) = v else {
                        return type_err(format!("argument after ** must be a mapping, not {}", v.type_name()));
                    };
                    for (k, v) in d.lock().map.values() {
                        let V::Str(k) = k else { return type_err("keywords must be strings") };
                        kw.push((Arc::<str>::from(k.clone()), v.clone()));
                    }
                }
            }
        }
        Ok((pos, kw))
    }

    pub(crate) fn fstring(&mut self, f: &mut Frame<'_>, parts: &[FPart]) -> R<String> {
        let mut out = String::new();
        for p in parts {
            match p {
                FPart::Lit(s) => out.push_str(s),
                FPart::Expr { expr, conv, spec, debug } => {
                    let v = self.eval(f, expr)?;
                    if let Some(d) = debug {
                        out.push_str(d);
                    }
                    let v = match conv {
                        Some('r') | Some('a') => V::str(self.repr_of(&v)?),
                        Some('s') => V::str(self.str_of(&v)?),
                        _ => v,
                    };
                    let spec = match spec {
                        Some(s) => self.fstring(f, s)?,
                        None => String::new(),
                    };
                    out.push_str(&self.format_value(&v, &spec)?);
                }
            }
        }
        Ok(out)
    }

    /// `format(v, spec)`.
    pub fn format_value(&mut self, v: &V, spec: &str) -> R<String> {
        if let V::Inst(_) = v
            && let Some(m) = self.lookup_method(v, "__format__")
        {
            let r = self.call(&m, vec![V::str(spec)], Vec::new())?;
            return self.str_of(&r);
        }
        if spec.is_empty() {
            return self.str_of(v);
        }
        let s = match v {
            V::Inst(_) | V::Native(_) | V::List(_) | V::Tuple(_) | V::Dict(_) | V::None => V::str(self.str_of(v)?),
            // `bool.__format__` is `int.__format__`: with a spec, a bool formats as its int.
            V::Bool(b) => V::Int(i64::from(*b)),
            _ => v.clone(),
        };
        crate::py::format::format_spec(&s, spec).or_else(|m| raise("ValueError", m))
    }

    pub(crate) fn make_func(&mut self, f: &mut Frame<'_>, def: &Arc<FuncDef>) -> R<V> {
        let mut defaults = Vec::new();
        for p in &def.params.args {
            if let Some(d) = &p.default {
                defaults.push(self.eval(f, d)?);
            }
        }
        let mut kwdefaults = Vec::new();
        for p in &def.params.kwonly {
            kwdefaults.push(match &p.default {
                Some(d) => Some(self.eval(f, d)?),
                None => None,
            });
        }
        let closure = self.closure_of(f, &def.free_from);
        Ok(V::Func(Arc::new(Func { def: def.clone(), defaults, kwdefaults, closure, attrs: Default::default() })))
    }

    pub(crate) fn closure_of(&mut self, f: &mut Frame<'_>, free_from: &[Name]) -> Vec<Arc<Mutex<V>>> {
        free_from
            .iter()
            .map(|n| match n {
                Name::Local(i) => {
                    let slot = &mut f.locals[*i as usize];
                    match slot {
                        V::Cell(c) => c.clone(),
                        other => {
                            // First capture: the slot becomes a cell holding its value.
                            let c = Arc::new(Mutex::new(std::mem::take(other)));
                            *other = V::Cell(c.clone());
                            c
                        }
                    }
                }
                Name::Free(i) => f.closure.get(*i as usize).cloned().unwrap_or_default(),
                _ => Arc::new(Mutex::new(unbound())),
            })
            .collect()
    }

    pub(crate) fn run_comp(&mut self, f: &mut Frame<'_>, def: &Arc<CompDef>, first: V) -> R<V> {
        let closure = self.closure_of(f, &def.free_from);
        if consumes_shared(&first) {
            self.mutated();
        }
        let mut locals: SmallVec<[V; 8]> = smallvec![V::Unbound; def.n_locals as usize];
        // A generator expression takes its first iterable's iterator at once, as CPython's.
        locals[0] = match &def.frame_code {
            None => first,
            Some(_) if def.first_async => self.aiter_of(first)?,
            Some(_) => self.iter(first)?,
        };
        for &c in &def.cells {
            let v = std::mem::take(&mut locals[c as usize]);
            locals[c as usize] = V::Cell(Arc::new(Mutex::new(v)));
        }
        if let Some(code) = &def.frame_code {
            let name: Arc<str> = Arc::from(match def.kind {
                CompKind::List(_) => "<listcomp>",
                CompKind::Set(_) => "<setcomp>",
                CompKind::Dict(..) => "<dictcomp>",
                CompKind::Gen(_) => "<genexpr>",
            });
            let qualname = match f.func {
                Some(func) => Arc::from(format!("{}.<locals>.{name}", func.def.qualname)),
                None => name.clone(),
            };
            return Ok(Generator::make(code.clone(), (name, qualname), locals, closure, None, f.line, None));
        }
        let mut locals = locals;
        let mut cf = Frame { locals: &mut locals, closure: &closure, class_ns: None, func: None, line: f.line };
        let mut out_list = Vec::new();
        let mut out_dict = Dict::default();
        self.comp_level(&mut cf, def, 0, &mut out_list, &mut out_dict)?;
        Ok(match &def.kind {
            CompKind::List(_) => V::list(out_list),
            CompKind::Gen(_) => V::Iter(Arc::new(Mutex::new(PyIter::Items(out_list, 0)))),
            CompKind::Set(_) => {
                let mut d = Dict::default();
                for v in out_list {
                    self.resolve_hash(&v)?;
                    d.set(v, V::None).or_else(type_err)?;
                }
                V::Set(Arc::new(Mutex::new(d)))
            }
            CompKind::Dict(..) => V::Dict(Arc::new(Mutex::new(out_dict))),
        })
    }

    pub(crate) fn comp_level(
        &mut self,
        f: &mut Frame<'_>,
        def: &CompDef,
        level: usize,
        out: &mut Vec<V>,
        d: &mut Dict,
    ) -> R<()> {
        let Some(g) = def.fors.get(level) else {
            match &def.kind {
                CompKind::List(e) | CompKind::Set(e) | CompKind::Gen(e) => out.push(self.eval(f, e)?),
                CompKind::Dict(k, v) => {
                    let k = self.eval(f, k)?;
                    let v = self.eval(f, v)?;
                    self.resolve_hash(&k)?;
                    d.set(k, v).or_else(type_err)?;
                }
            }
            return Ok(());
        };
        let it = self.eval(f, &g.iter)?;
        if level > 0 && consumes_shared(&it) {
            self.mutated();
        }
        let it = self.iter(it)?;
        'items: while let Some(v) = self.next(&it)? {
            self.assign(f, &g.target, v)?;
            for c in &g.ifs {
                let c = self.eval(f, c)?;
                if !self.truthy(&c)? {
                    continue 'items;
                }
            }
            self.comp_level(f, def, level + 1, out, d)?;
            self.breaker()?;
        }
        Ok(())
    }

    pub(crate) fn super_obj(&mut self, f: &Frame<'_>) -> R<V> {
        let Some(func) = f.func else { return raise("RuntimeError", "super(): no arguments") };
        let Some(me) = f.locals.first().cloned() else { return raise("RuntimeError", "super(): no arguments") };
        let me = match me {
            V::Cell(c) => c.lock().clone(),
            v => v,
        };
        let owner = self.w.owner_of(func);
        let Some(owner) = owner else { return raise("RuntimeError", "super(): __class__ cell not found") };
        Ok(V::Native(Arc::new(Native::Super(owner, me))))
    }

    // ------------------------------------------------------------ calls

    /// `aiter(v)` as an `async for` takes it where the loop begins: `__aiter__()`, or
    /// CPython's TypeError.
    pub(crate) fn aiter_of(&mut self, v: V) -> R<V> {
        match self.call_method(&v, "__aiter__", Vec::new(), Vec::new()) {
            Ok(it) => Ok(it),
            Err(Flow::Exc(e)) if exc::is_instance_of(&e.value, "AttributeError") => {
                type_err(format!("'async for' requires an object with __aiter__ method, got {}", v.type_name()))
            }
            Err(other) => Err(other),
        }
    }
}

/// The start of the TypeError of a non-iterable `*` argument, before its callee is named.
const STAR_ERROR: &str = "argument after * must be an iterable, not ";

/// Whether `e` is [`Interp::star_items`]'s TypeError, not yet given its callee.
fn is_star_error(e: &Flow) -> bool {
    matches!(e, Flow::Exc(x) if exc::args(&x.value).first().is_some_and(|m| matches!(m, V::Str(s) if s.starts_with(STAR_ERROR))))
}

/// [`Interp::star_items`]'s TypeError with its callee in front, as CPython's
/// `__main__.f() argument after * must be an iterable, not int` (any other error as it is).
pub(crate) fn prefix_star_error(e: Flow, callee: &str) -> Flow {
    if !is_star_error(&e) {
        return e;
    }
    let Flow::Exc(x) = &e else { return e };
    let Some(V::Str(msg)) = exc::args(&x.value).first().cloned() else { return e };
    match type_err::<()>(format!("{callee} {}", &*msg)) {
        Err(f) => f,
        Ok(()) => e,
    }
}

/// A callable as CPython names it in such messages (`_PyObject_FunctionStr`): its module
/// and qualified name, the module left out for built-ins.
pub(crate) fn func_str(v: &V) -> String {
    match v {
        V::Func(f) => format!("__main__.{}()", f.def.qualname),
        V::Bound(b) => func_str(&b.1),
        V::Class(c) if &*c.module == "builtins" => format!("{}()", c.name),
        V::Class(c) => format!("{}.{}()", c.module, c.name),
        V::Builtin(b) => format!("{}()", b.name()),
        other => other.repr(),
    }
}
