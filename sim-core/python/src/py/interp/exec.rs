//! Statements: a block, each statement, loops, `with`, names, globals, assignment,
//! `del`, augmented assignment (split into load and store where the GIL mode says).

use super::objects::{plain_setattr, set_plain_attr};
use super::*;

impl Interp<'_> {
    /// Run a block.
    pub fn block(&mut self, f: &mut Frame<'_>, body: &[Stmt]) -> R<()> {
        for s in body {
            self.stmt_start(f, s.line)?;
            self.stmt(f, s)?;
            self.stmt_end(s.line);
        }
        Ok(())
    }

    /// A function's body: [`Self::block`], with a `return` at its top level giving its value
    /// straight back (not as a [`Flow::Return`] through every caller's `?`).
    #[inline]
    pub(crate) fn body(&mut self, f: &mut Frame<'_>, body: &[Stmt]) -> R<V> {
        for s in body {
            self.stmt_start(f, s.line)?;
            if let StmtKind::Return(e) = &s.kind {
                return match e {
                    Some(e) => self.eval(f, e),
                    None => Ok(V::None),
                };
            }
            self.stmt(f, s)?;
            self.stmt_end(s.line);
        }
        Ok(V::None)
    }

    /// A statement at `line` ended: a coroutine it dropped unawaited is reported, as
    /// CPython's `RuntimeWarning` (once per place).
    #[inline]
    pub(crate) fn stmt_end(&mut self, line: u32) {
        if self.w.unawaited.pending.load(std::sync::atomic::Ordering::Relaxed) {
            self.warn_unawaited(line);
        }
    }

    #[cold]
    pub(crate) fn warn_unawaited(&mut self, line: u32) {
        let src = self.w.prog.line(line).unwrap_or("").to_string();
        for name in self.w.unawaited.take(line) {
            let text = format!(
                "{}:{line}: RuntimeWarning: coroutine '{name}' was never awaited\n  {src}\nRuntimeWarning: Enable tracemalloc to get the object allocation traceback\n",
                self.w.prog.file
            );
            self.w.write_out(self.ctx, &text, true);
        }
    }

    /// A statement starts at `line`: the thread's current line, and a switch point (every
    /// statement under 3.9's model; a pause point otherwise).
    #[inline]
    pub(crate) fn stmt_start(&mut self, f: &mut Frame<'_>, line: u32) -> R<()> {
        f.line = line;
        self.ctx.line.set(line);
        if self.mode == GilMode::Cpython39 { self.breaker() } else { self.ctx.pause_point().map_err(Flow::from) }
    }

    /// `except E as e:` ends with `e = None; del e`: the name is gone after the handler, as
    /// in CPython (a closure's cell is emptied, not cut).
    pub(crate) fn forget_handler_name(&mut self, f: &mut Frame<'_>, n: &Target) {
        match n {
            Target::Name(Name::Local(i), _) if let Some(V::Cell(c)) = f.locals.get(*i as usize) => {
                *c.lock() = unbound();
            }
            _ => {
                let _ = self.delete(f, n);
            }
        }
    }

    /// An error Python itself raised in a handler (`1 / 0`, a name not defined) gets the
    /// handled exception as its context, as a `raise` there does.
    pub(crate) fn chain_implicit(&mut self, e: &Exc) -> R<()> {
        if let V::Inst(xi) = &e.value
            && self.handling.last().is_some_and(|h| !h.value.is(&e.value))
            && !xi.dict.lock().contains_key("__context__")
        {
            let v = e.value.clone();
            self.chain(&v, None)?;
        }
        Ok(())
    }

    /// An `except` clause caught `v`: the run's record shows the error.
    pub(crate) fn record_handled(&mut self, v: &V) {
        self.ctx.record(EventKind::Error { error: Box::from(exc::to_pyerror(v)) });
    }

    /// Run one statement.
    pub(crate) fn stmt(&mut self, f: &mut Frame<'_>, s: &Stmt) -> R<()> {
        // The common statements here, the rest out of line: a small stack frame for the
        // statements every loop runs.
        match &s.kind {
            StmtKind::Expr(e) => {
                self.eval(f, e)?;
                Ok(())
            }
            StmtKind::Assign(targets, value) => {
                let v = self.eval(f, value)?;
                if let [t] = targets.as_slice() {
                    // A local, the commonest store, here (nothing to count when uncontrolled):
                    // an int written as its parts, not copied whole (the copy waited on the
                    // two stores that made it).
                    if !self.controlled
                        && let Target::Name(Name::Local(i), _) = t
                        && let Some(slot) = f.locals.get_mut(*i as usize)
                        && !matches!(slot, V::Cell(_))
                    {
                        V::put(slot, v);
                        return Ok(());
                    }
                    // `obj.name = v` on a plain instance (a local or a global read before),
                    // counted as `assign` counts a store.
                    if let Target::Attr(obj, name) = t
                        && let Some(V::Inst(i)) = self.peek(f, obj)
                        && i.class.native_kind() == ClassKind::Plain
                        && plain_setattr(&i.class)
                    {
                        self.mutated();
                        set_plain_attr(i, name, v);
                        self.mutated();
                        return Ok(());
                    }
                    return self.assign(f, t, v);
                }
                for t in targets {
                    self.assign(f, t, v.clone())?;
                }
                Ok(())
            }
            StmtKind::AugAssign(t, op, value) => self.aug_assign(f, t, *op, value),
            StmtKind::Return(e) => {
                let v = match e {
                    Some(e) => self.eval(f, e)?,
                    None => V::None,
                };
                std::mem::replace(&mut self.ret, v).discard();
                Err(Flow::Return)
            }
            _ => self.stmt_other(f, s),
        }
    }

    #[inline(never)]
    pub(crate) fn stmt_other(&mut self, f: &mut Frame<'_>, s: &Stmt) -> R<()> {
        match &s.kind {
            StmtKind::Expr(_) | StmtKind::Assign(..) | StmtKind::AugAssign(..) | StmtKind::Return(_) => {
                return self.stmt(f, s);
            }
            StmtKind::Def(t, def, decorators) => {
                let decs = decorators.iter().map(|d| self.eval(f, d)).collect::<R<Vec<_>>>()?;
                let mut func = self.make_func(f, def)?;
                for d in decs.into_iter().rev() {
                    func = self.call(&d, vec![func], Vec::new())?;
                }
                self.assign(f, t, func)?;
            }
            StmtKind::Class { target, name, bases, body, decorators, free_from } => {
                let decs = decorators.iter().map(|d| self.eval(f, d)).collect::<R<Vec<_>>>()?;
                let bases = bases.iter().map(|b| self.eval(f, b)).collect::<R<Vec<_>>>()?;
                let ns = Mutex::new(IndexMap::default());
                let closure = self.closure_of(f, free_from);
                {
                    let mut cf =
                        Frame { locals: &mut [], closure: &closure, class_ns: Some(&ns), func: None, line: s.line };
                    self.block(&mut cf, body)?;
                }
                let mut cls = V::Class(self.make_class(name, &bases, ns.into_inner())?);
                for d in decs.into_iter().rev() {
                    cls = self.call(&d, vec![cls], Vec::new())?;
                }
                self.assign(f, target, cls)?;
            }
            StmtKind::If(test, then, orelse) => {
                let c = self.eval(f, test)?;
                if self.truthy(&c)? {
                    self.block(f, then)?;
                } else {
                    self.block(f, orelse)?;
                }
            }
            StmtKind::While(test, body, orelse) => loop {
                let c = self.eval(f, test)?;
                if !self.truthy(&c)? {
                    self.block(f, orelse)?;
                    break;
                }
                if self.loop_body(f, body, s.line, true)? {
                    break;
                }
            },
            StmtKind::For(target, iter, body, orelse) => {
                let it = self.eval(f, iter)?;
                let mut broke = false;
                if let V::Range(r) = it {
                    let [a, b, st] = *r;
                    let n = range_len(a, b, st);
                    let mut i = a;
                    let local = match target {
                        Target::Name(Name::Local(slot), _) => Some(*slot as usize),
                        _ => None,
                    };
                    for _ in 0..n {
                        match local {
                            Some(slot) if !matches!(f.locals[slot], V::Cell(_)) => {
                                self.mutated();
                                V::put(&mut f.locals[slot], V::Int(i));
                            }
                            _ => self.assign(f, target, V::Int(i))?,
                        }
                        if self.loop_body(f, body, s.line, false)? {
                            broke = true;
                            break;
                        }
                        i = i.wrapping_add(st);
                    }
                } else {
                    let iter = self.iter(it)?;
                    while let Some(v) = self.next(&iter)? {
                        self.assign(f, target, v)?;
                        if self.loop_body(f, body, s.line, false)? {
                            broke = true;
                            break;
                        }
                    }
                }
                if !broke {
                    self.block(f, orelse)?;
                }
            }
            StmtKind::Break => return Err(Flow::Break),
            StmtKind::Continue => return Err(Flow::Continue),
            StmtKind::Pass => {}
            StmtKind::With(items, body) => self.with(f, items, body, s.line)?,
            StmtKind::Try { body, handlers, orelse, finally } => {
                let mut out = self.block(f, body);
                if out.is_ok() {
                    out = self.block(f, orelse);
                } else if let Err(Flow::Exc(e)) = out {
                    out = Err(Flow::Exc(e));
                    let Err(Flow::Exc(ex)) = &out else { unreachable!() };
                    let value = ex.value.clone();
                    // An error evaluating a clause's class replaces the exception, and the
                    // `finally` block still runs.
                    let mut replaced = None;
                    for h in handlers {
                        let matches = match &h.ty {
                            None => true,
                            Some(t) => match self.eval(f, t) {
                                Ok(t) => exc::matches(&value, &t),
                                Err(e) => {
                                    replaced = Some(e);
                                    break;
                                }
                            },
                        };
                        if matches {
                            if let Some(n) = &h.name {
                                self.assign(f, n, value.clone())?;
                            }
                            self.record_handled(&value);
                            // The traceback as `logging.exception` prints it: the frames
                            // below, then this frame at the line that raised.
                            let mut tb = ex.tb.clone();
                            let here = f.func.map_or_else(|| Arc::from("<module>"), |x| x.def.name.clone());
                            tb.push((f.line, here));
                            self.handling.push(Exc { value: value.clone(), tb });
                            let r = self.block(f, &h.body);
                            // An error Python itself raised in the handler (`1 / 0`, a name not
                            // defined) has the handled one as its context too, as a `raise` has.
                            if let Err(Flow::Exc(x)) = &r {
                                self.chain_implicit(x)?;
                            }
                            self.handling.pop();
                            if let Some(n) = &h.name {
                                self.forget_handler_name(f, n);
                            }
                            out = r;
                            break;
                        }
                    }
                    if let Some(e) = replaced {
                        out = Err(e);
                    }
                }
                if matches!(out, Err(Flow::Halt(_))) {
                    return out;
                }
                if !finally.is_empty() {
                    // A `return` on its way out waits while the `finally` block runs (which
                    // may call functions that return); one of its own replaces it.
                    let returning = matches!(out, Err(Flow::Return)).then(|| std::mem::take(&mut self.ret));
                    // An exception passing through keeps the line it was raised at in this
                    // frame's traceback entry, not the `finally` block's last line.
                    let raised_at = f.line;
                    self.block(f, finally)?;
                    if let Some(v) = returning {
                        self.ret = v;
                    }
                    if matches!(out, Err(Flow::Exc(_))) {
                        f.line = raised_at;
                        self.ctx.line.set(raised_at);
                    }
                }
                out?;
            }
            StmtKind::Raise(e, cause) => {
                let v = match e {
                    None => match self.handling.last() {
                        Some(e) => e.value.clone(),
                        None => return raise("RuntimeError", "No active exception to reraise"),
                    },
                    Some(e) => {
                        let v = self.eval(f, e)?;
                        match &v {
                            V::Class(c) if c.is_sub(&exc::class("BaseException")) => {
                                self.call(&v, Vec::new(), Vec::new())?
                            }
                            V::Inst(i) if i.class.is_sub(&exc::class("BaseException")) => v,
                            _ => return type_err("exceptions must derive from BaseException"),
                        }
                    }
                };
                if e.is_some() {
                    let cause = cause.as_ref().map(|c| self.eval(f, c)).transpose()?;
                    self.chain(&v, cause)?;
                }
                return Err(Flow::Exc(Box::new(Exc { value: v, tb: Vec::new() })));
            }
            StmtKind::Assert(test, msg) => {
                let c = self.eval(f, test)?;
                if !self.truthy(&c)? {
                    let m = match msg {
                        Some(m) => {
                            let m = self.eval(f, m)?;
                            self.str_of(&m)?
                        }
                        None => String::new(),
                    };
                    return raise("AssertionError", m);
                }
            }
            StmtKind::Delete(targets) => {
                self.mutated();
                for t in targets {
                    let r = self.delete(f, t);
                    self.mutated();
                    r?;
                }
            }
            StmtKind::Import(mods) => {
                for (m, t) in mods {
                    let v = stdlib::module(m)
                        .ok_or(())
                        .or_else(|_| raise("ModuleNotFoundError", format!("No module named '{m}'")))?;
                    self.assign(f, t, v)?;
                }
            }
            StmtKind::ImportFrom(m, names) => {
                for (n, t) in names {
                    let Some(v) = stdlib::module_attr(m, n) else {
                        return raise("ImportError", format!("cannot import name '{n}' from '{m}'"));
                    };
                    self.assign(f, t, v)?;
                }
            }
        }
        Ok(())
    }

    /// One pass of a loop body, then the back-edge (an eval-breaker point, as in CPython).
    /// Returns whether the loop was left with `break`.
    /// `while_loop`: a `while` loop's back-edge, where a controlled run detects spinning.
    pub(crate) fn loop_body(&mut self, f: &mut Frame<'_>, body: &[Stmt], line: u32, while_loop: bool) -> R<bool> {
        match self.block(f, body) {
            Ok(()) | Err(Flow::Continue) => {}
            Err(Flow::Break) => return Ok(true),
            Err(e) => return Err(e),
        }
        f.line = line;
        if while_loop && self.controlled {
            self.ctx.spin_point(line).map_err(Flow::from)?;
        } else {
            self.breaker()?;
        }
        Ok(false)
    }

    /// A store or a call that may change the program's state, in a controlled run.
    #[inline(always)]
    pub(crate) fn mutated(&self) {
        if self.controlled {
            self.ctx.mutated();
        }
    }

    /// `mgr.__enter__()` as a `with` statement calls it: CPython's TypeError for an object
    /// that is no context manager (`with lock.acquire():` enters a bool).
    pub(crate) fn enter(&mut self, mgr: &V) -> R<V> {
        let no = |missed: &str| {
            type_err(format!("'{}' object does not support the context manager protocol{missed}", mgr.type_name()))
        };
        match mgr {
            V::Inst(i) if i.class.native_kind() == ClassKind::Plain => {
                if self.lookup_method(mgr, "__enter__").is_none() {
                    return no("");
                }
                if self.lookup_method(mgr, "__exit__").is_none() {
                    return no(" (missed __exit__ method)");
                }
            }
            V::Inst(_) | V::Native(_) => {}
            _ => return no(""),
        }
        match self.call_method(mgr, "__enter__", Vec::new(), Vec::new()) {
            // A native object without `__enter__` says so as an AttributeError.
            Err(Flow::Exc(e))
                if matches!(mgr, V::Native(_))
                    && exc::is_instance_of(&e.value, "AttributeError")
                    && exc::args(&e.value).first().is_some_and(|m| m.repr().ends_with("'__enter__'\"")) =>
            {
                no("")
            }
            r => r,
        }
    }

    pub(crate) fn with(
        &mut self,
        f: &mut Frame<'_>,
        items: &[(Expr, Option<Target>)],
        body: &[Stmt],
        line: u32,
    ) -> R<()> {
        let Some(((e, t), rest)) = items.split_first() else { return self.block(f, body) };
        let mgr = self.eval(f, e)?;
        let entered = self.enter(&mgr)?;
        if let Some(t) = t {
            self.assign(f, t, entered)?;
        }
        let out = self.with(f, rest, body, line);
        let raised_at = f.line;
        f.line = line;
        self.ctx.line.set(line);
        match out {
            Err(Flow::Halt(h)) => Err(Flow::Halt(h)),
            Err(Flow::Exc(ex)) => {
                let ty = match &ex.value {
                    V::Inst(i) => V::Class(i.class.clone()),
                    _ => V::None,
                };
                let suppress = self.call_method(&mgr, "__exit__", vec![ty, ex.value.clone(), V::None], Vec::new())?;
                if self.truthy(&suppress)? {
                    return Ok(());
                }
                // Re-raised: the traceback names the line in the block that raised.
                f.line = raised_at;
                self.ctx.line.set(raised_at);
                Err(Flow::Exc(ex))
            }
            other => {
                // Leaving the block calls `__exit__` with CALL_FUNCTION (3.10) / CALL (3.11+),
                // which checks the eval breaker: another thread may run right after, while an
                // outer `with` still holds its lock. (The exception path's WITH_EXCEPT_START
                // does not check.)
                let returning = matches!(other, Err(Flow::Return)).then(|| std::mem::take(&mut self.ret));
                let r = self.call_method(&mgr, "__exit__", vec![V::None, V::None, V::None], Vec::new());
                self.after_call(r)?;
                if let Some(v) = returning {
                    self.ret = v;
                }
                other
            }
        }
    }

    // ------------------------------------------------------------ names

    pub(crate) fn load_name(&mut self, f: &Frame<'_>, n: &Name, name: &Arc<str>) -> R<V> {
        match n {
            Name::Local(i) => match f.locals.get(*i as usize) {
                Some(V::Cell(c)) => {
                    let v = c.lock().clone();
                    if matches!(v, V::Cell(_)) {
                        return raise(
                            "UnboundLocalError",
                            format!("cannot access local variable '{name}' where it is not associated with a value"),
                        );
                    }
                    Ok(v)
                }
                None => raise("SystemError", format!("no local slot for '{name}'")),
                Some(v) if is_unbound(v) => raise(
                    "UnboundLocalError",
                    format!("cannot access local variable '{name}' where it is not associated with a value"),
                ),
                Some(v) => Ok(v.clone()),
            },
            Name::Free(i) => match f.closure.get(*i as usize) {
                Some(c) => {
                    let v = c.lock().clone();
                    if is_unbound(&v) {
                        return raise(
                            "NameError",
                            format!(
                                "cannot access free variable '{name}' where it is not associated with a value in enclosing scope"
                            ),
                        );
                    }
                    Ok(v)
                }
                None => raise("NameError", format!("name '{name}' is not defined")),
            },
            Name::Global(slot, builtin) => self.load_global(*slot, name, *builtin),
            Name::ClassBody(key, slot, builtin) => {
                if let Some(ns) = f.class_ns
                    && let Some(v) = ns.lock().get(key)
                {
                    return Ok(v.clone());
                }
                self.load_global(*slot, name, *builtin)
            }
        }
    }

    /// The value a plain name holds, borrowed, when [`Self::eval`] would give it without a
    /// side effect: a local holding a value, or a global this thread read last and nobody
    /// has stored since (as [`Self::load_global`]'s fast path). `obj.attr` reads and writes
    /// through it without counting a reference to `obj` up and down.
    #[inline]
    pub(crate) fn peek<'a>(&'a self, f: &'a Frame<'_>, e: &Expr) -> Option<&'a V> {
        match &*e.kind {
            ExprKind::Name(Name::Local(i), _) => {
                f.locals.get(*i as usize).filter(|v| !matches!(v, V::Cell(_) | V::Unbound))
            }
            ExprKind::Name(Name::Global(slot, _), _) => self.cached_global(*slot),
            _ => None,
        }
    }

    /// The value of global `slot` this thread read last, while nobody has stored it since
    /// (its cell's version unchanged; a tracked variable is always read afresh).
    #[inline]
    fn cached_global(&self, slot: u32) -> Option<&V> {
        let cell = &self.pw.globals[slot as usize];
        if cell.tracked {
            return None;
        }
        let (v0, v) = self.gcache.get(slot as usize)?;
        // Read without its lock: noted as its lock would be (partial-order reduction).
        cell.note_read();
        (*v0 == cell.version()).then_some(v)
    }

    pub(crate) fn load_global(&mut self, slot: u32, name: &str, builtin: Option<crate::py::ir::Builtin>) -> R<V> {
        let cell = &self.pw.globals[slot as usize];
        if self.controlled_ft && cell.tracked {
            self.ctx.shared_access().map_err(Flow::from)?;
        }
        if let Some(v) = self.cached_global(slot) {
            return Ok(v.clone());
        }
        self.load_global_slow(slot, name, builtin)
    }

    /// [`Self::load_global`] for an augmented assignment of a shared variable: the same read
    /// (and switch point free-threaded), not noted as this thread's last read.
    fn load_global_for_update(&mut self, slot: u32, name: &str, builtin: Option<crate::py::ir::Builtin>) -> R<V> {
        let cell = &self.pw.globals[slot as usize];
        if !cell.tracked {
            return self.load_global(slot, name, builtin);
        }
        if self.controlled_ft {
            self.ctx.shared_access().map_err(Flow::from)?;
        }
        let v = cell.lock_read().value.clone();
        match v {
            Some(v) => Ok(v),
            None => self.load_builtin(name, builtin),
        }
    }

    #[inline(never)]
    fn load_global_slow(&mut self, slot: u32, name: &str, builtin: Option<crate::py::ir::Builtin>) -> R<V> {
        let cell = &self.pw.globals[slot as usize];
        let g = cell.lock_read();
        let version = cell.version();
        let Some(v) = g.value.clone() else {
            drop(g);
            return self.load_builtin(name, builtin);
        };
        drop(g);
        if cell.tracked {
            match self.loaded.iter_mut().find(|(s, _)| *s == slot) {
                Some(e) => e.1 = v.clone(),
                None => self.loaded.push((slot, v.clone())),
            }
        } else if !matches!(&v, V::Native(n) if matches!(&**n, Native::Gen(_)))
            && let Some(e) = self.gcache.get_mut(slot as usize)
        {
            // (Not a generator or coroutine: its end — `finally` blocks, the "never awaited"
            // warning — comes when the program drops it, not when this thread next reads.)
            *e = (version, v.clone());
        }
        Ok(v)
    }

    /// A name no module global holds: a built-in, or `NameError`.
    #[cold]
    fn load_builtin(&self, name: &str, builtin: Option<crate::py::ir::Builtin>) -> R<V> {
        match builtin {
            Some(b) => Ok(V::Builtin(b)),
            None if exc::is_builtin_exc(name) => Ok(V::Class(exc::class(name))),
            None => match name {
                "NotImplemented" => Ok(V::Native(Arc::new(Native::NotImplemented))),
                "Ellipsis" => Ok(V::str("Ellipsis")),
                _ => raise("NameError", format!("name '{name}' is not defined")),
            },
        }
    }

    pub(crate) fn store_global(&mut self, slot: u32, v: V, aug: Option<(BinOp, &V)>) -> R<()> {
        if self.controlled_ft && self.pw.globals[slot as usize].tracked {
            self.ctx.shared_access().map_err(Flow::from)?;
        }
        // What this thread kept of the old value goes now (the version has moved anyway).
        if let Some(e) = self.gcache.get_mut(slot as usize) {
            *e = (0, V::None);
        }
        let cell = &self.pw.globals[slot as usize];
        let mut g = cell.lock();
        if g.tracked {
            // The race-free value: what this write would give had nothing interleaved.
            let rf = match (aug, g.race_free.take()) {
                (Some((op, rhs)), Some(old)) => match (op, &old, rhs) {
                    (BinOp::Add, V::Int(a), V::Int(b)) => V::Int(a.wrapping_add(*b)),
                    (BinOp::Sub, V::Int(a), V::Int(b)) => V::Int(a.wrapping_sub(*b)),
                    _ => v.clone(),
                },
                (None, Some(old)) => match (self.loaded.iter().find(|(s, _)| *s == slot).map(|e| &e.1), &old, &v) {
                    (Some(V::Int(l)), V::Int(o), V::Int(n)) => V::Int(o.wrapping_add(n.wrapping_sub(*l))),
                    _ => v.clone(),
                },
                (_, None) => v.clone(),
            };
            g.race_free = Some(rf.clone());
            g.value = Some(v.clone());
            g.writes = g.writes.wrapping_add(1);
            // Read the clock every 32nd write only: recording must not slow the loop.
            let due = g.var.is_none()
                || (g.writes.is_multiple_of(32) && {
                    let now = self.ctx.shared.rec.now_ns();
                    now.saturating_sub(g.last_rec_ns) >= crate::py::VAR_SAMPLE_NS
                });
            if due {
                g.last_rec_ns = self.ctx.shared.rec.now_ns();
                let var = self.w.var_index(self.ctx, self.pw.index, slot, &mut g);
                self.ctx.record(EventKind::VarWrite {
                    var,
                    value: Box::from(v.snapshot()),
                    race_free: Box::from(rf.snapshot()),
                });
            }
        } else {
            g.value = Some(v);
        }
        Ok(())
    }

    /// Assign to a target.
    pub fn assign(&mut self, f: &mut Frame<'_>, t: &Target, v: V) -> R<()> {
        // A comprehension's or generator expression's own variable (a local of a frame that
        // is no function's) is seen by nobody else: `while any(flag[j] for j in others)`
        // re-reads the same flags each pass, and its `j` changes nothing.
        // (Not a cell: a closure made in the comprehension may read it later.)
        if f.func.is_none()
            && f.class_ns.is_none()
            && let Target::Name(Name::Local(i), _) = t
            && !matches!(f.locals.get(*i as usize), Some(V::Cell(_)))
        {
            return self.assign_inner(f, t, v);
        }
        // Counted before and after: a switch point may fall between (a call in the target's
        // object or index, a free-threaded store), and a spinning thread must not read the
        // old value, park again, and miss the store.
        self.mutated();
        let r = self.assign_inner(f, t, v);
        self.mutated();
        r
    }

    pub(crate) fn assign_inner(&mut self, f: &mut Frame<'_>, t: &Target, v: V) -> R<()> {
        match t {
            Target::Name(n, name) => match n {
                Name::Local(i) => {
                    let slot = &mut f.locals[*i as usize];
                    if let V::Cell(c) = slot {
                        *c.lock() = v;
                    } else {
                        V::put(slot, v);
                    }
                    Ok(())
                }
                Name::Free(i) => {
                    if let Some(c) = f.closure.get(*i as usize) {
                        *c.lock() = v;
                    }
                    Ok(())
                }
                Name::Global(slot, _) => self.store_global(*slot, v, None),
                Name::ClassBody(key, ..) => {
                    if let Some(ns) = f.class_ns {
                        ns.lock().insert(key.clone(), v);
                        Ok(())
                    } else {
                        raise("SystemError", format!("no class namespace for '{name}'"))
                    }
                }
            },
            Target::Attr(obj, name) => {
                if let Some(V::Inst(i)) = self.peek(f, obj)
                    && i.class.native_kind() == ClassKind::Plain
                    && plain_setattr(&i.class)
                {
                    set_plain_attr(i, name, v);
                    return Ok(());
                }
                let o = self.eval(f, obj)?;
                self.set_attr_named(&o, name, v)
            }
            Target::Subscript(obj, idx) => {
                let o = self.eval(f, obj)?;
                let i = self.eval(f, idx)?;
                self.set_item(&o, i, v)
            }
            Target::Unpack(ts, star) => {
                let items = self.collect_vec(&v)?;
                match star {
                    None => {
                        if items.len() != ts.len() {
                            return if items.len() > ts.len() {
                                raise("ValueError", format!("too many values to unpack (expected {})", ts.len()))
                            } else {
                                raise(
                                    "ValueError",
                                    format!("not enough values to unpack (expected {}, got {})", ts.len(), items.len()),
                                )
                            };
                        }
                        for (t, v) in ts.iter().zip(items) {
                            self.assign(f, t, v)?;
                        }
                    }
                    Some(s) => {
                        let after = ts.len() - s - 1;
                        if items.len() < ts.len() - 1 {
                            return raise(
                                "ValueError",
                                format!(
                                    "not enough values to unpack (expected at least {}, got {})",
                                    ts.len() - 1,
                                    items.len()
                                ),
                            );
                        }
                        let mid_end = items.len() - after;
                        for (i, t) in ts.iter().enumerate() {
                            if i < *s {
                                self.assign(f, t, items[i].clone())?;
                            } else if i == *s {
                                let Target::Starred(inner) = t else { continue };
                                self.assign(f, inner, V::list(items[*s..mid_end].to_vec()))?;
                            } else {
                                self.assign(f, t, items[mid_end + (i - s - 1)].clone())?;
                            }
                        }
                    }
                }
                Ok(())
            }
            Target::Starred(inner) => self.assign(f, inner, v),
        }
    }

    pub(crate) fn delete(&mut self, f: &mut Frame<'_>, t: &Target) -> R<()> {
        match t {
            Target::Name(Name::Local(i), _) => {
                f.locals[*i as usize] = unbound();
                Ok(())
            }
            Target::Name(Name::Global(slot, _), name) => {
                if let Some(e) = self.gcache.get_mut(*slot as usize) {
                    *e = (0, V::None);
                }
                let mut g = self.pw.globals[*slot as usize].lock();
                if g.value.take().is_none() {
                    return raise("NameError", format!("name '{name}' is not defined"));
                }
                Ok(())
            }
            Target::Name(Name::ClassBody(k, ..), _) => {
                if let Some(ns) = f.class_ns {
                    ns.lock().shift_remove(k);
                }
                Ok(())
            }
            Target::Subscript(obj, idx) => {
                let o = self.eval(f, obj)?;
                let i = self.eval(f, idx)?;
                crate::py::builtins::del_item(self, &o, &i)
            }
            Target::Attr(obj, name) => {
                let o = self.eval(f, obj)?;
                self.del_attr(&o, name)
            }
            Target::Unpack(ts, _) => {
                for t in ts {
                    self.delete(f, t)?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// `del o.name` (and `delattr(o, name)`): a property's deleter, a descriptor's
    /// `__delete__`, the instance's own attribute, a `threading.local`'s, a class's.
    pub(crate) fn del_attr(&mut self, o: &V, name: &str) -> R<()> {
        if let V::Inst(i) = &o
            && let Some(e) = crate::py::dataclasses::frozen_error(&i.class, name, true)
        {
            return Err(e);
        }
        if let V::Inst(i) = &o
            && let Some(V::Native(n)) = i.class.lookup(name)
            && let Native::Property(p) = &*n
        {
            let deleter = p.part("deleter", name, &i.class.name)?.clone();
            self.call(&deleter, vec![o.clone()], Vec::new())?;
            return Ok(());
        }
        // A data descriptor: `type(d).__delete__(d, obj)`; one with `__set__` alone
        // cannot be deleted through an instance.
        if let V::Inst(i) = &o
            && let Some(d) = i.class.lookup(name)
        {
            if let Some(del) = super::objects::descriptor_method(&d, "__delete__") {
                self.call(&del, vec![d, o.clone()], Vec::new())?;
                return Ok(());
            }
            if super::objects::descriptor_method(&d, "__set__").is_some() {
                return raise("AttributeError", "__delete__");
            }
        }
        if let V::Inst(i) = &o
            && i.dict.lock().shift_remove(name).is_some()
        {
            return Ok(());
        }
        // A threading.local's attribute is this thread's.
        if let V::Inst(i) = &o
            && crate::py::stdlib::local_remove(self, i, name)?
        {
            return Ok(());
        }
        if let V::Class(c) = &o {
            super::objects::immutable_check(c, name)?;
            if crate::py::enums::is_enum(c)
                && let Some(V::Inst(m)) = c.dict.read().get(name)
                && Arc::ptr_eq(&m.class, c)
            {
                return raise("AttributeError", format!("'{}' cannot delete member '{name}'.", c.name));
            }
            let gone = c.dict.write().shift_remove(name).is_some();
            if gone {
                crate::py::value::classes_changed();
                return Ok(());
            }
            return raise("AttributeError", format!("type object '{}' has no attribute '{name}'", c.name));
        }
        raise("AttributeError", format!("'{}' object has no attribute '{name}'", o.type_name()))
    }

    pub(crate) fn aug_assign(&mut self, f: &mut Frame<'_>, t: &Target, op: BinOp, value: &Expr) -> R<()> {
        // Before and after, as `assign`: `x += f()` may switch between its load and store.
        self.mutated();
        let r = self.aug_assign_inner(f, t, op, value);
        self.mutated();
        r
    }

    pub(crate) fn aug_assign_inner(&mut self, f: &mut Frame<'_>, t: &Target, op: BinOp, value: &Expr) -> R<()> {
        match t {
            Target::Name(Name::Global(slot, builtin), name) => {
                // LOAD_GLOBAL … BINARY_OP … STORE_GLOBAL: a switch can fall between them only
                // where the GIL mode has an eval-breaker check (3.9), or when the right side calls.
                // (Read without noting it as this thread's last read of a shared variable:
                // the store below settles the race-free value itself.)
                let old = self.load_global_for_update(*slot, name, *builtin)?;
                if let Some(e) = self.loaded.iter().position(|(s, _)| s == slot) {
                    self.loaded.swap_remove(e);
                }
                if self.split {
                    threadline_runtime::rt::spin(threadline_runtime::rt::BYTECODE_WINDOW_ITERS / 4);
                    self.breaker()?;
                }
                let rhs = self.eval(f, value)?;
                let new = self.inplace(op, &old, &rhs)?;
                if self.split {
                    self.breaker()?;
                }
                self.store_global(*slot, new, Some((op, &rhs)))
            }
            Target::Name(n, name) => {
                let old = self.load_name(f, n, name)?;
                let rhs = self.eval(f, value)?;
                let new = self.inplace(op, &old, &rhs)?;
                self.assign(f, t, new)
            }
            Target::Attr(obj, name) => {
                let o = self.eval(f, obj)?;
                let old = self.get_attr(&o, name)?;
                self.between_load_and_store()?;
                let rhs = self.eval(f, value)?;
                let new = self.inplace(op, &old, &rhs)?;
                self.set_attr(&o, name, new)
            }
            Target::Subscript(obj, idx) => {
                let o = self.eval(f, obj)?;
                let i = self.eval(f, idx)?;
                let old = self.get_item(&o, &i)?;
                self.between_load_and_store()?;
                let rhs = self.eval(f, value)?;
                let new = self.inplace(op, &old, &rhs)?;
                self.set_item(&o, i, new)
            }
            _ => raise("SyntaxError", "illegal expression for augmented assignment"),
        }
    }

    /// Between the load and the store of `obj.attr += v` / `d[k] += v`: a switch point
    /// under 3.9 (any two bytecodes), free-threaded (another thread runs meanwhile; the
    /// object's own operations are atomic, the read-modify-write is not) and with `--split`.
    pub(crate) fn between_load_and_store(&self) -> R<()> {
        if self.mode == GilMode::Cpython39 || self.split {
            self.breaker()
        } else if self.controlled_ft {
            self.ctx.shared_access().map_err(Flow::from)
        } else {
            Ok(())
        }
    }

    pub(crate) fn inplace(&mut self, op: BinOp, a: &V, b: &V) -> R<V> {
        if let (V::Int(x), V::Int(y)) = (a, b)
            && let Some(r) = small_int_op(op, *x, *y)
        {
            return Ok(V::Int(r));
        }
        // Lists extend in place (`xs += [1]`).
        if op == BinOp::Add
            && let V::List(l) = a
        {
            let items = self.collect_vec(b)?;
            l.lock().extend(items);
            return Ok(a.clone());
        }
        if let V::Inst(_) = a {
            let name = inplace_dunder(op);
            if let Some(m) = self.lookup_method(a, name) {
                return self.call(&m, vec![b.clone()], Vec::new());
            }
        }
        self.binop(op, a, b)
    }

    // ------------------------------------------------------------ expressions
}
