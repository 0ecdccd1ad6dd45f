//! Calls: functions, bound methods, argument binding, frames, classes made and
//! instantiated.

use super::*;

impl Interp<'_> {
    /// Call a callable.
    pub fn call(&mut self, fv: &V, pos: Vec<V>, kw: Vec<(Arc<str>, V)>) -> R<V> {
        match fv {
            V::Func(func) => self.call_func(func, pos, kw),
            V::Bound(b) => {
                let mut args = Vec::with_capacity(pos.len() + 1);
                args.push(b.0.clone());
                args.extend(pos);
                self.call(&b.1, args, kw)
            }
            V::Builtin(b) => crate::py::builtins::call_builtin(self, *b, pos, kw),
            V::Class(c) => self.instantiate(c, pos, kw),
            V::Native(n) => stdlib::call_native(self, n, pos, kw),
            V::Inst(_) => match self.lookup_method(fv, "__call__") {
                Some(m) => self.call(&m, pos, kw),
                None => type_err(format!("'{}' object is not callable", fv.type_name())),
            },
            other => type_err(format!("'{}' object is not callable", other.type_name())),
        }
    }

    /// Call a Python function.
    pub fn call_func(&mut self, func: &Arc<Func>, pos: Vec<V>, kw: Vec<(Arc<str>, V)>) -> R<V> {
        let def = &func.def;
        if self.too_deep() {
            return raise("RecursionError", "maximum recursion depth exceeded");
        }
        let mut locals: SmallVec<[V; 8]> = smallvec![V::Unbound; def.n_locals as usize];
        self.bind_args(func, &mut locals, pos, kw)?;
        self.run_func(func, locals)
    }

    /// Call `func` with positional `args` evaluated straight into its locals (the caller
    /// checked [`fast_arity`]).
    pub(crate) fn call_positional(&mut self, f: &mut Frame<'_>, func: &Arc<Func>, args: &[Arg]) -> R<V> {
        self.call_positional_with(f, func, None, args)
    }

    /// [`Self::call_positional`] of a method, its instance first (a copy of the call made
    /// for it: the instance is pushed without an `Option` to look at).
    pub(crate) fn call_method_positional(&mut self, f: &mut Frame<'_>, func: &Arc<Func>, obj: V, args: &[Arg]) -> R<V> {
        self.call_positional_with(f, func, Some(obj), args)
    }

    #[inline(always)]
    fn call_positional_with(&mut self, f: &mut Frame<'_>, func: &Arc<Func>, first: Option<V>, args: &[Arg]) -> R<V> {
        if self.too_deep() {
            return raise("RecursionError", "maximum recursion depth exceeded");
        }
        // Made empty in place and then reserved: `with_capacity` returns the few hundred bytes
        // by value, and they were copied (a `memmove` per call).
        let mut locals: SmallVec<[V; 8]> = SmallVec::new();
        locals.reserve(func.def.n_locals as usize);
        if let Some(v) = first {
            locals.push(v);
        }
        for a in args {
            if let Arg::Pos(e) = a {
                let v = self.eval(f, e)?;
                locals.push(v);
            }
        }
        defaults_and_slots(func, &mut locals);
        // The frame made here, over the locals where they are (not moved into `run_func`:
        // a frame's locals are a few hundred bytes).
        let mut frame = Frame {
            locals: &mut locals,
            closure: &func.closure,
            class_ns: None,
            func: Some(func),
            line: func.def.line,
        };
        let r = self.run_frame(func, &mut frame);
        // The locals freed here, numbers without a call each.
        while let Some(v) = locals.pop() {
            v.discard();
        }
        r
    }

    /// Call `fv` with evaluated arguments as a call expression does: in a controlled run a
    /// callee that may change state counts as a change before and after (`args` are the
    /// call's own, for [`pure_consumer`]), then the caller's line again and the eval
    /// breaker after the call.
    pub(crate) fn call_counted(&mut self, fv: &V, args: &[Arg], pos: Vec<V>, kw: Kwargs, line: u32) -> R<V> {
        let impure = self.controlled && !pure_callee(fv) && !pure_consumer(fv, args, &pos, &kw);
        if impure {
            self.ctx.mutated();
        }
        let r = self.call(fv, pos, kw);
        if impure {
            self.ctx.mutated();
        }
        self.ctx.line.set(line);
        self.after_call(r)
    }

    /// The Python method `i.name` is at call site `site` (a plain instance's class's function,
    /// not shadowed by an attribute of its own), when the site's arguments fit it: the
    /// site's cache answers in one look while the class epoch, the class and the instance's
    /// dict stand ([`Self::method_at`], [`Self::not_shadowed`]).
    #[inline]
    pub(crate) fn plain_method(
        &mut self,
        site: usize,
        i: &crate::py::value::Inst,
        name: &Arc<str>,
        args: &[Arg],
    ) -> Option<Arc<Func>> {
        let ix = (site >> 4) % super::MCACHE_SLOTS;
        if let Some(Some(c)) = self.mcache.get(ix)
            && c.site == site
            && c.fast
            && c.epoch == crate::py::value::class_epoch()
            && Arc::ptr_eq(&c.class, &i.class)
            && Arc::ptr_eq(&c.name, name)
            && c.seen == (i.dict.identity(), i.dict.writes())
        {
            // Read without its lock: noted as its lock would be (partial-order reduction).
            i.dict.note_read();
            return Some(c.func.clone());
        }
        self.plain_method_slow(site, i, name, args)
    }

    #[inline(never)]
    fn plain_method_slow(
        &mut self,
        site: usize,
        i: &crate::py::value::Inst,
        name: &Arc<str>,
        args: &[Arg],
    ) -> Option<Arc<Func>> {
        let m = self.method_at(site, &i.class, name, args)?;
        self.not_shadowed(site, i, name).then_some(m)
    }

    /// The Python function `class` gives `name` at call site `site`, when the site's
    /// arguments (positional only) fit it without binding; found along the MRO once and kept
    /// in [`Interp::mcache`] while the class epoch stands.
    #[inline]
    pub(crate) fn method_at(
        &mut self,
        site: usize,
        class: &Arc<crate::py::value::Class>,
        name: &Arc<str>,
        args: &[Arg],
    ) -> Option<Arc<Func>> {
        let epoch = crate::py::value::class_epoch();
        let ix = (site >> 4) % super::MCACHE_SLOTS;
        if let Some(Some(c)) = self.mcache.get(ix)
            && c.site == site
            && c.epoch == epoch
            && Arc::ptr_eq(&c.class, class)
            && (Arc::ptr_eq(&c.name, name) || c.name == *name)
        {
            return c.fast.then(|| c.func.clone());
        }
        let Some(V::Func(m)) = class.lookup(name) else { return None };
        let fast = args.iter().all(|a| matches!(a, Arg::Pos(_))) && fast_arity(&m, args.len() + 1);
        if self.mcache.is_empty() {
            self.mcache.resize_with(super::MCACHE_SLOTS, || None);
        }
        self.mcache[ix] = Some(super::MethodSlot {
            site,
            class: class.clone(),
            epoch,
            name: name.clone(),
            func: m.clone(),
            fast,
            seen: (0, 0),
        });
        fast.then_some(m)
    }

    /// Whether instance `i`'s own attributes hold none named `name`, so that the method
    /// [`Self::method_at`] found at `site` is what `i.name` gives. The last such answer at
    /// the site is kept with the dict's identity and change count: while neither has changed,
    /// the dict is not locked and searched again (CPython's check of the instance's keys
    /// version).
    #[inline]
    pub(crate) fn not_shadowed(&mut self, site: usize, i: &crate::py::value::Inst, name: &Arc<str>) -> bool {
        let ix = (site >> 4) % super::MCACHE_SLOTS;
        let id = i.dict.identity();
        if let Some(Some(c)) = self.mcache.get(ix)
            && c.site == site
            && c.seen == (id, i.dict.writes())
        {
            // Read without its lock: noted as its lock would be (partial-order reduction).
            i.dict.note_read();
            return true;
        }
        let g = i.dict.lock();
        // Read under the lock: the count of the state searched.
        let writes = i.dict.writes();
        let shadowed = g.contains_key(&crate::py::value::AttrName(name));
        drop(g);
        if !shadowed
            && let Some(Some(c)) = self.mcache.get_mut(ix)
            && c.site == site
        {
            c.seen = (id, writes);
        }
        !shadowed
    }

    /// Run a function whose arguments are bound.
    pub(crate) fn run_func(&mut self, func: &Arc<Func>, mut locals: SmallVec<[V; 8]>) -> R<V> {
        let mut frame = Frame {
            locals: &mut locals,
            closure: &func.closure,
            class_ns: None,
            func: Some(func),
            line: func.def.line,
        };
        self.run_frame(func, &mut frame)
    }

    /// Run a function in `frame`, whose locals hold the bound arguments (built in place by
    /// the caller: a frame's locals are a few hundred bytes, not worth moving per call).
    pub(crate) fn run_frame(&mut self, func: &Arc<Func>, frame: &mut Frame<'_>) -> R<V> {
        let def = &func.def;
        cells_in(def, frame.locals);
        if let Some(code) = &def.frame_code {
            // A generator function or coroutine: calling it makes the suspended frame.
            return Ok(Generator::make(
                code.clone(),
                (def.name.clone(), def.qualname.clone()),
                frame.locals.iter_mut().map(std::mem::take).collect(),
                func.closure.clone(),
                Some(func.clone()),
                def.line,
                (code.kind == crate::py::frame::CodeKind::Coroutine).then(|| self.w.unawaited.clone()),
            ));
        }
        self.breaker()?;
        self.depth += 1;
        let r = match &def.vm {
            Some(code) => self.run_vm_stacked(frame, code),
            None => self.with_stack(|it| it.body(frame, &def.body)),
        };
        self.depth -= 1;
        match r {
            Ok(v) => Ok(v),
            Err(Flow::Return) => Ok(std::mem::take(&mut self.ret)),
            Err(Flow::Exc(mut e)) => {
                e.tb.push((frame.line, def.name.clone()));
                Err(Flow::Exc(e))
            }
            Err(other) => Err(other),
        }
    }

    pub(crate) fn bind_args(&mut self, func: &Func, locals: &mut [V], pos: Vec<V>, kw: Vec<(Arc<str>, V)>) -> R<()> {
        let def = &func.def;
        let p = &def.params;
        let n = p.args.len();
        let npos = pos.len();
        let mut extra = Vec::new();
        for (i, v) in pos.into_iter().enumerate() {
            if i < n {
                locals[i] = v;
            } else {
                extra.push(v);
            }
        }
        let mut slot = n;
        if p.vararg.is_some() {
            locals[slot] = V::tuple(extra);
            slot += 1;
        } else if !extra.is_empty() {
            let need = p.args.iter().filter(|a| a.default.is_none()).count();
            let takes = if need == n {
                format!("{n} positional argument{}", if n == 1 { "" } else { "s" })
            } else {
                format!("from {need} to {n} positional arguments")
            };
            return type_err(format!(
                "{}() takes {takes} but {npos} {} given",
                def.name,
                if npos == 1 { "was" } else { "were" }
            ));
        }
        let kw_start = slot;
        slot += p.kwonly.len();
        let kwarg_slot = p.kwarg.as_ref().map(|_| slot);
        let mut kwargs = Dict::default();
        for (k, v) in kw {
            if let Some(i) = p.args.iter().position(|a| a.name == k) {
                if !is_unbound(&locals[i]) {
                    return type_err(format!("{}() got multiple values for argument '{k}'", def.name));
                }
                locals[i] = v;
            } else if let Some(i) = p.kwonly.iter().position(|a| a.name == k) {
                locals[kw_start + i] = v;
            } else if kwarg_slot.is_some() {
                kwargs.set(V::str(k), v).or_else(type_err)?;
            } else {
                return type_err(format!("{}() got an unexpected keyword argument '{k}'", def.name));
            }
        }
        let first_default = n - func.defaults.len();
        let mut missing = Vec::new();
        for (i, slot) in locals.iter_mut().enumerate().take(n) {
            if is_unbound(slot) {
                if i >= first_default {
                    *slot = func.defaults[i - first_default].clone();
                } else {
                    missing.push(format!("'{}'", p.args[i].name));
                }
            }
        }
        if !missing.is_empty() {
            let list = match missing.len() {
                1 => missing[0].clone(),
                2 => format!("{} and {}", missing[0], missing[1]),
                _ => format!("{}, and {}", missing[..missing.len() - 1].join(", "), missing[missing.len() - 1]),
            };
            return type_err(format!(
                "{}() missing {} required positional argument{}: {list}",
                def.name,
                missing.len(),
                if missing.len() == 1 { "" } else { "s" }
            ));
        }
        for (i, d) in func.kwdefaults.iter().enumerate() {
            if is_unbound(&locals[kw_start + i]) {
                match d {
                    Some(d) => locals[kw_start + i] = d.clone(),
                    None => {
                        return type_err(format!(
                            "{}() missing 1 required keyword-only argument: '{}'",
                            def.name, p.kwonly[i].name
                        ));
                    }
                }
            }
        }
        if let Some(s) = kwarg_slot {
            locals[s] = V::Dict(Arc::new(Mutex::new(kwargs)));
        }
        Ok(())
    }

    pub(crate) fn make_class(&mut self, name: &Arc<str>, bases: &[V], ns: Attrs) -> R<Arc<Class>> {
        if bases.iter().any(|b| matches!(b, V::Class(c) if crate::py::typing::is_named_tuple_base(c))) {
            return self.typed_named_tuple(name, ns);
        }
        let mut bs = Vec::new();
        for b in bases {
            match b {
                V::Class(c) => bs.push(c.clone()),
                V::Builtin(crate::py::ir::Builtin::Object) => bs.push(exc::object_class()),
                V::Builtin(b) if let Some(c) = crate::py::builtins::subclass::base_class(*b) => bs.push(c),
                V::Builtin(b @ (crate::py::ir::Builtin::Bool | crate::py::ir::Builtin::Range)) => {
                    return type_err(format!("type '{}' is not an acceptable base type", b.name()));
                }
                // A built-in type CPython lets a program subclass that is not here yet, said
                // as such — not a TypeError a program could catch as its own.
                V::Builtin(b) => {
                    return raise(
                        "NotImplementedError",
                        format!("subclassing the built-in type '{}' is not supported yet", b.name()),
                    );
                }
                other => return type_err(format!("cannot subclass '{}' (not supported)", other.repr())),
            }
        }
        if bs.is_empty() {
            bs.push(exc::object_class());
        }
        // A class that defines `__eq__` and not `__hash__` is unhashable, as CPython's
        // type creation makes it (`__hash__ = None`).
        let mut ns = ns;
        if ns.contains_key("__eq__") && !ns.contains_key("__hash__") {
            ns.insert(Arc::from("__hash__"), V::None);
        }
        let cls = exc::build_class(name.clone(), Arc::from("__main__"), bs, ns, ClassKind::Plain);
        for v in cls.dict.read().values() {
            if let V::Func(func) = v {
                self.w.set_owner(func, &cls);
            }
        }
        if crate::py::enums::is_enum(&cls) {
            crate::py::enums::finish_class(self, &cls)?;
        }
        // Each descriptor in the body is told its owner and name (`__set_name__`).
        let named: Vec<(Arc<str>, V)> = cls.dict.read().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        for (k, v) in named {
            if let V::Inst(d) = &v
                && let Some(f @ V::Func(_)) = d.class.lookup("__set_name__")
            {
                self.call(&f, vec![v.clone(), V::Class(cls.clone()), V::str(k)], Vec::new())?;
            }
        }
        // A base's `__init_subclass__` (an implicit classmethod) hears of the new class.
        if let Some(hook) = cls.mro.iter().find_map(|c| c.dict.read().get("__init_subclass__").cloned()) {
            let f = match &hook {
                V::Native(n) if let crate::py::stdlib::Native::ClassMethod(f) = &**n => f.clone(),
                other => other.clone(),
            };
            self.call(&f, vec![V::Class(cls.clone())], Vec::new())?;
        }
        Ok(cls)
    }

    /// `__init__(obj, *pos, **kw)`, which must return None.
    fn call_init(&mut self, init: &V, obj: &V, pos: Vec<V>, kw: Vec<(Arc<str>, V)>) -> R<()> {
        let mut args = Vec::with_capacity(pos.len() + 1);
        args.push(obj.clone());
        args.extend(pos);
        let r = self.call(init, args, kw)?;
        if !matches!(r, V::None) {
            return type_err(format!("__init__() should return None, not '{}'", r.type_name()));
        }
        Ok(())
    }

    /// An instance of `c` with nothing set: what `object.__new__(c)` makes.
    pub(crate) fn bare_instance(&self, c: &Arc<Class>) -> V {
        V::Inst(Arc::new(Inst {
            class: c.clone(),
            dict: Mutex::new(IndexMap::default()),
            native: Mutex::new(InstNative::None),
            hrep: Default::default(),
        }))
    }

    /// `class P(NamedTuple): x: int; y: int = 0` — a named tuple whose fields are the
    /// annotated names in order, whose defaults are their values, with the body's methods.
    pub(crate) fn typed_named_tuple(&mut self, name: &Arc<str>, mut ns: Attrs) -> R<Arc<Class>> {
        let fields: Vec<String> = match ns.shift_remove("__annotations__") {
            Some(V::Dict(d)) => d
                .lock()
                .keys()
                .iter()
                .map(|k| match k {
                    V::Str(s) => s.to_string(),
                    other => other.repr(),
                })
                .collect(),
            _ => Vec::new(),
        };
        let mut defaults = Vec::new();
        for f in &fields {
            match ns.shift_remove(f.as_str()) {
                Some(v) => defaults.push(v),
                None if !defaults.is_empty() => {
                    let prev = &fields[fields.iter().position(|x| x == f).unwrap_or(1).saturating_sub(1)];
                    return type_err(format!("Non-default namedtuple field {f} cannot follow default field {prev}"));
                }
                None => {}
            }
        }
        let cls = crate::py::namedtuple::make_class(name, "__main__", &fields, defaults);
        {
            let mut d = cls.dict.write();
            for (k, v) in ns {
                if let V::Func(func) = &v {
                    self.w.set_owner(func, &cls);
                }
                d.insert(k, v);
            }
        }
        crate::py::value::classes_changed();
        Ok(cls)
    }

    pub(crate) fn instantiate(&mut self, c: &Arc<Class>, pos: Vec<V>, kw: Vec<(Arc<str>, V)>) -> R<V> {
        if crate::py::typing::is_named_tuple_base(c) {
            // NamedTuple('Point', [('x', int), ('y', int)])
            let (Some(V::Str(n)), Some(spec)) = (pos.first(), pos.get(1)) else {
                return type_err("NamedTuple() takes a type name and a list of (name, type) pairs");
            };
            let mut fields = Vec::new();
            for pair in self.collect_vec(spec)? {
                match crate::py::value::seq_items(&pair).first() {
                    Some(V::Str(f)) => fields.push(f.to_string()),
                    _ => return type_err("NamedTuple('Name', [(f0, t0), (f1, t1), ...])"),
                }
            }
            let _ = kw;
            return Ok(V::Class(crate::py::namedtuple::make_class(n, "__main__", &fields, Vec::new())));
        }
        if crate::py::enums::is_enum(c) {
            return crate::py::enums::call_class(self, c, pos, kw);
        }
        crate::py::abc::check_instantiable(c)?;
        // A class's own `__new__` (an implicit staticmethod) makes the object; `__init__`
        // runs on it only if it is an instance of the class (a singleton's second call
        // returns the first object, initialised again, as in CPython).
        if let Some(new) = c.lookup("__new__") {
            let f = match &new {
                V::Native(n) if let crate::py::stdlib::Native::StaticMethod(f) = &**n => f.clone(),
                other => other.clone(),
            };
            let mut args = Vec::with_capacity(pos.len() + 1);
            args.push(V::Class(c.clone()));
            args.extend(pos.iter().cloned());
            let obj = self.call(&f, args, kw.clone())?;
            if let V::Inst(i) = &obj
                && i.class.is_sub(c)
                && let Some(init) = c.lookup("__init__")
            {
                self.call_init(&init, &obj, pos, kw)?;
            }
            self.resolve_hash_made(&obj)?;
            return Ok(obj);
        }
        // A threading.local keeps its attributes per thread, and its arguments for the
        // __init__ each other thread runs at its first touch.
        let native = if c.native_kind() == ClassKind::Local {
            if !matches!(c.lookup("__init__"), Some(V::Func(_))) && (!pos.is_empty() || !kw.is_empty()) {
                return type_err("Initialization arguments are not supported");
            }
            let l = crate::py::value::LocalInst { dicts: Default::default(), args: (pos.clone(), kw.clone()) };
            l.dicts.lock().insert(self.ctx.tid, Default::default());
            InstNative::Local(Arc::new(l))
        } else {
            InstNative::None
        };
        let inst = V::Inst(Arc::new(Inst {
            class: c.clone(),
            dict: Mutex::new(IndexMap::default()),
            native: Mutex::new(native),
            hrep: Default::default(),
        }));
        if c.is_sub(&exc::class("BaseException"))
            && let V::Inst(i) = &inst
        {
            // BaseException.__new__ sets args, whatever __init__ does.
            i.dict.lock().insert(Arc::from("args"), V::tuple(pos.clone()));
            exc::set_stop_value(i, &pos);
            if c.is_sub(&exc::class("ExceptionGroup")) {
                exc::init_group(self, i, &pos)?;
            }
        }
        match c.lookup("__init__") {
            Some(init) => self.call_init(&init, &inst, pos, kw)?,
            None => {
                if !pos.is_empty() || !kw.is_empty() {
                    return type_err(format!("{}() takes no arguments", c.name));
                }
            }
        }
        self.resolve_hash_made(&inst)?;
        Ok(inst)
    }
}
