//! Lowering statements: each statement, `yield`/`await` hoisted to temporaries,
//! `async with` and `async for` spelled out as PEP 492 does.

use super::*;

impl Lowerer<'_> {
    pub(crate) fn stmt(&mut self, s: &ast::Stmt) -> R<Stmt> {
        let line = self.line(s.range().start());
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.depth -= 1;
            let (l, c) = self.pos(s.range().start());
            return Err(CompileError::syntax(l, c, "too many statically nested blocks".into()));
        }
        let outer = std::mem::take(&mut self.hoisted);
        let r = self.stmt_inner(s, line);
        let mut pre = std::mem::replace(&mut self.hoisted, outer);
        self.depth -= 1;
        let kind = r?;
        if pre.is_empty() {
            return Ok(Stmt { line, kind });
        }
        // `print((yield x))`: `tmp = yield x` first, then the statement with `tmp`.
        pre.push(Stmt { line, kind });
        Ok(Stmt {
            line,
            kind: StmtKind::If(Expr { line, kind: Box::new(ExprKind::Const(V::Bool(true))) }, pre, Vec::new()),
        })
    }

    /// Lower a statement's whole value: a suspension stays one (the frame compiler takes
    /// it there); anything else is an ordinary expression.
    pub(crate) fn value(&mut self, e: &ast::Expr) -> R<Expr> {
        match self.suspension(e)? {
            Some(k) => Ok(self.mk(e.range().start(), k)),
            None => self.expr(e),
        }
    }

    /// `yield v`, `yield from x`, `await x`, checked for where they may be.
    pub(crate) fn suspension(&mut self, e: &ast::Expr) -> R<Option<ExprKind>> {
        let at = e.range().start();
        let in_function = self.scopes.last().is_some_and(|s| s.kind == ScopeKind::Function);
        let is_async = self.scopes.last().is_some_and(|s| s.is_async);
        let syntax = |me: &Self, msg: &str| {
            let (l, c) = me.pos(at);
            Err(CompileError::syntax(l, c, msg.into()))
        };
        Ok(Some(match e {
            ast::Expr::Yield(y) => {
                if !in_function {
                    return syntax(self, "'yield' outside function");
                }
                ExprKind::Yield(y.value.as_ref().map(|v| self.expr(v)).transpose()?)
            }
            ast::Expr::YieldFrom(y) => {
                if !in_function {
                    return syntax(self, "'yield' outside function");
                }
                if is_async {
                    return syntax(self, "'yield from' inside async function");
                }
                ExprKind::YieldFrom(self.expr(&y.value)?)
            }
            ast::Expr::Await(a) => {
                if !in_function {
                    return syntax(self, "'await' outside function");
                }
                if !is_async {
                    return syntax(self, "'await' outside async function");
                }
                ExprKind::Await(self.expr(&a.value)?)
            }
            _ => return Ok(None),
        }))
    }

    /// A suspension inside a larger expression: run it first into a temporary.
    pub(crate) fn hoist(&mut self, e: &ast::Expr) -> R<Expr> {
        let at = e.range().start();
        let Some(kind) = self.suspension(e)? else { return self.expr(e) };
        let what = match e {
            ast::Expr::Await(_) => "'await'",
            _ => "'yield'",
        };
        self.hoist_kind(at, kind, what)
    }

    /// A suspension, lowered, run first into a temporary (`what` names it in the refusal).
    pub(crate) fn hoist_kind(&mut self, at: TextSize, kind: ExprKind, what: &str) -> R<Expr> {
        if self.no_hoist > 0 {
            let msg =
                format!("{what} inside a condition, a lambda, a comprehension or a loop's test (give it its own line)");
            return Err(self.unsupported(at, &msg));
        }
        let line = self.line(at);
        let scope = self.scopes.last_mut().expect("a function scope");
        let n = scope.locals.len() as u32;
        let name: Arc<str> = Arc::from(format!(".suspend{n}"));
        scope.locals.insert(name.clone(), n);
        let target = Target::Name(Name::Local(n), name.clone());
        self.hoisted.push(Stmt { line, kind: StmtKind::Assign(vec![target], Expr { line, kind: Box::new(kind) }) });
        Ok(Expr { line, kind: Box::new(ExprKind::Name(Name::Local(n), name)) })
    }

    /// A hidden local of the function being lowered.
    pub(crate) fn temp(&mut self, what: &str) -> (Name, Arc<str>) {
        let scope = self.scopes.last_mut().expect("a function scope");
        let n = scope.locals.len() as u32;
        let name: Arc<str> = Arc::from(format!(".{what}{n}"));
        scope.locals.insert(name.clone(), n);
        (Name::Local(n), name)
    }

    /// `async with m as t: body`, as PEP 492 spells it out: `t = await m.__aenter__()`, the
    /// body in a `try` whose `except BaseException` awaits `m.__aexit__(type, exc, tb)` (and
    /// re-raises unless that is true) and whose `finally` awaits `m.__aexit__(None, None,
    /// None)` when the body did not raise. Each item nests, as in `with`.
    pub(crate) fn async_with(&mut self, line: u32, items: Vec<(Expr, Option<Target>)>, body: Vec<Stmt>) -> StmtKind {
        let mk = |kind: ExprKind| Expr { line, kind: Box::new(kind) };
        let st = |kind: StmtKind| Stmt { line, kind };
        let mut body = body;
        for (mgr_e, target) in items.into_iter().rev() {
            let (mgr, mgr_n) = self.temp("mgr");
            let (exited, exited_n) = self.temp("exited");
            let (err, err_n) = self.temp("exc");
            let (ok, ok_n) = self.temp("suppress");
            let load = |n: &Name, s: &Arc<str>| mk(ExprKind::Name(n.clone(), s.clone()));
            let call = |m: Expr, name: &str, args: Vec<Expr>| {
                mk(ExprKind::Call(mk(ExprKind::Attr(m, Arc::from(name))), args.into_iter().map(Arg::Pos).collect()))
            };
            let none = || mk(ExprKind::Const(V::None));
            let enter = mk(ExprKind::Await(call(load(&mgr, &mgr_n), "__aenter__", Vec::new())));
            let mut out = vec![
                st(StmtKind::Assign(vec![Target::Name(mgr.clone(), mgr_n.clone())], mgr_e)),
                st(StmtKind::Assign(
                    vec![Target::Name(exited.clone(), exited_n.clone())],
                    mk(ExprKind::Const(V::Bool(false))),
                )),
                match target {
                    Some(t) => st(StmtKind::Assign(vec![t], enter)),
                    None => st(StmtKind::Expr(enter)),
                },
            ];
            let exit_exc = call(
                load(&mgr, &mgr_n),
                "__aexit__",
                vec![mk(ExprKind::Attr(load(&err, &err_n), Arc::from("__class__"))), load(&err, &err_n), none()],
            );
            let handler = Handler {
                ty: Some(load(&Name::Global(self.global_slot("BaseException"), None), &Arc::from("BaseException"))),
                name: Some(Target::Name(err.clone(), err_n.clone())),
                body: vec![
                    st(StmtKind::Assign(
                        vec![Target::Name(exited.clone(), exited_n.clone())],
                        mk(ExprKind::Const(V::Bool(true))),
                    )),
                    st(StmtKind::Assign(vec![Target::Name(ok.clone(), ok_n.clone())], mk(ExprKind::Await(exit_exc)))),
                    st(StmtKind::If(
                        mk(ExprKind::Unary(UnOp::Not, load(&ok, &ok_n))),
                        vec![st(StmtKind::Raise(None, None))],
                        Vec::new(),
                    )),
                ],
                line,
            };
            let exit_ok = call(load(&mgr, &mgr_n), "__aexit__", vec![none(), none(), none()]);
            let finally = vec![st(StmtKind::If(
                mk(ExprKind::Unary(UnOp::Not, load(&exited, &exited_n))),
                vec![st(StmtKind::Expr(mk(ExprKind::Await(exit_ok))))],
                Vec::new(),
            ))];
            out.push(st(StmtKind::Try { body, handlers: vec![handler], orelse: Vec::new(), finally }));
            body = out;
        }
        StmtKind::If(mk(ExprKind::Const(V::Bool(true))), body, Vec::new())
    }

    /// `async for t in it: body else: orelse`, spelled out: `__aiter__()` once, then
    /// `t = await it.__anext__()` until `StopAsyncIteration` (which runs `else`).
    pub(crate) fn async_for(
        &mut self,
        line: u32,
        iter: Expr,
        target: Target,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
    ) -> StmtKind {
        let mk = |kind: ExprKind| Expr { line, kind: Box::new(kind) };
        let st = |kind: StmtKind| Stmt { line, kind };
        let (ai, ai_n) = self.temp("aiter");
        let (more, more_n) = self.temp("more");
        let (nx, nx_n) = self.temp("anext");
        let load = |n: &Name, s: &Arc<str>| mk(ExprKind::Name(n.clone(), s.clone()));
        let call = |m: Expr, name: &str| mk(ExprKind::Call(mk(ExprKind::Attr(m, Arc::from(name))), Vec::new()));
        let stop = load(&Name::Global(self.global_slot("StopAsyncIteration"), None), &Arc::from("StopAsyncIteration"));
        let next = st(StmtKind::Try {
            body: vec![st(StmtKind::Assign(
                vec![Target::Name(nx.clone(), nx_n.clone())],
                mk(ExprKind::Await(call(load(&ai, &ai_n), "__anext__"))),
            ))],
            handlers: vec![Handler {
                ty: Some(stop),
                name: None,
                body: vec![
                    st(StmtKind::Assign(
                        vec![Target::Name(more.clone(), more_n.clone())],
                        mk(ExprKind::Const(V::Bool(false))),
                    )),
                    st(StmtKind::Break),
                ],
                line,
            }],
            orelse: Vec::new(),
            finally: Vec::new(),
        });
        let mut loop_body = vec![next, st(StmtKind::Assign(vec![target], load(&nx, &nx_n)))];
        loop_body.extend(body);
        let mut out = vec![
            st(StmtKind::Assign(vec![Target::Name(ai.clone(), ai_n.clone())], call(iter, "__aiter__"))),
            st(StmtKind::Assign(vec![Target::Name(more.clone(), more_n.clone())], mk(ExprKind::Const(V::Bool(true))))),
            st(StmtKind::While(mk(ExprKind::Const(V::Bool(true))), loop_body, Vec::new())),
        ];
        if !orelse.is_empty() {
            out.push(st(StmtKind::If(mk(ExprKind::Unary(UnOp::Not, load(&more, &more_n))), orelse, Vec::new())));
        }
        StmtKind::If(mk(ExprKind::Const(V::Bool(true))), out, Vec::new())
    }

    /// Lower with suspensions refused (they could not be moved before the statement).
    pub(crate) fn expr_fixed(&mut self, e: &ast::Expr) -> R<Expr> {
        self.no_hoist += 1;
        let r = self.expr(e);
        self.no_hoist -= 1;
        r
    }

    pub(crate) fn stmt_inner(&mut self, s: &ast::Stmt, line: u32) -> R<StmtKind> {
        use ast::Stmt as S;
        Ok(match s {
            S::Expr(e) => StmtKind::Expr(self.value(&e.value)?),
            S::Assign(a) => {
                let value = match self.slider_value(a) {
                    Some(v) => Expr { line, kind: Box::new(ExprKind::Const(v)) },
                    None => self.value(&a.value)?,
                };
                let targets = a.targets.iter().map(|t| self.target(t)).collect::<R<_>>()?;
                StmtKind::Assign(targets, value)
            }
            // In a class body, `x: T [= v]` also records `__annotations__['x'] = T`, as
            // CPython does (dataclasses read the fields from it).
            S::AnnAssign(a)
                if self.scopes.last().is_some_and(|s| s.kind == ScopeKind::Class) && a.target.is_name_expr() =>
            {
                let mut stmts = Vec::new();
                if let Some(v) = &a.value {
                    let v = self.expr(v)?;
                    stmts.push(Stmt { line, kind: StmtKind::Assign(vec![self.target(&a.target)?], v) });
                }
                let ann = self.expr(&a.annotation)?;
                let name = a.target.as_name_expr().map(|n| n.id.to_string()).unwrap_or_default();
                let dn = self.resolve("__annotations__");
                let d = Expr { line, kind: Box::new(ExprKind::Name(dn, Arc::from("__annotations__"))) };
                let key = Expr { line, kind: Box::new(ExprKind::Const(V::str(name))) };
                stmts.push(Stmt { line, kind: StmtKind::Assign(vec![Target::Subscript(d, key)], ann) });
                StmtKind::If(Expr { line, kind: Box::new(ExprKind::Const(V::Bool(true))) }, stmts, Vec::new())
            }
            S::AnnAssign(a) => match &a.value {
                Some(v) => {
                    let v = self.expr(v)?;
                    StmtKind::Assign(vec![self.target(&a.target)?], v)
                }
                None => StmtKind::Pass,
            },
            S::AugAssign(a) => {
                let v = self.expr(&a.value)?;
                StmtKind::AugAssign(self.target(&a.target)?, bin_op(a.op), v)
            }
            S::FunctionDef(f) => {
                let kind = match (f.is_async, body_has_yield(&f.body)) {
                    (true, true) => Some(CodeKind::AsyncGenerator),
                    (true, false) => Some(CodeKind::Coroutine),
                    (false, true) => Some(CodeKind::Generator),
                    (false, false) => None,
                };
                let decorators = f.decorator_list.iter().map(|d| self.expr(&d.expression)).collect::<R<Vec<_>>>()?;
                let params = self.params(&f.parameters)?;
                let def = self.function(f.name.as_str(), params, FuncBody::Stmts(&f.body), line, kind)?;
                let target = self.name_target(f.name.as_str());
                StmtKind::Def(target, def, decorators)
            }
            S::ClassDef(c) => {
                if c.type_params.is_some() {
                    return Err(self.unsupported(c.range.start(), "a generic class"));
                }
                let decorators = c.decorator_list.iter().map(|d| self.expr(&d.expression)).collect::<R<Vec<_>>>()?;
                let mut bases = Vec::new();
                if let Some(args) = &c.arguments {
                    if !args.keywords.is_empty() {
                        return Err(self.unsupported(c.range.start(), "a class keyword (metaclass=…)"));
                    }
                    for b in args.args.iter() {
                        bases.push(self.expr(b)?);
                    }
                }
                let mut scope = Scope::new(ScopeKind::Class);
                let mut bound = Vec::new();
                bound_names(&c.body, &mut bound, &mut Vec::new(), &mut Vec::new());
                for n in bound {
                    let k = scope.locals.len() as u32;
                    scope.locals.entry(n).or_insert(k);
                }
                self.scopes.push(scope);
                self.qual.push(Arc::from(c.name.as_str()));
                let mut body = self.block(&c.body);
                // A docstring is the class's `__doc__`.
                if let Ok(b) = &mut body
                    && let Some(Stmt { kind: StmtKind::Expr(e), line: dl }) = b.first()
                    && matches!(&*e.kind, ExprKind::Const(V::Str(_)))
                {
                    let (e, dl) = (e.clone(), *dl);
                    let t = self.name_target("__doc__");
                    b.insert(0, Stmt { line: dl, kind: StmtKind::Assign(vec![t], e) });
                }
                if let Ok(b) = &mut body
                    && has_name_annotation(&c.body)
                {
                    // `__annotations__ = {}` first, as CPython's SETUP_ANNOTATIONS.
                    let t = self.name_target("__annotations__");
                    let empty = Expr { line, kind: Box::new(ExprKind::Dict(Vec::new())) };
                    b.insert(0, Stmt { line, kind: StmtKind::Assign(vec![t], empty) });
                }
                self.qual.pop();
                let scope = self.scopes.pop().expect("the class scope");
                let free_from = scope.frees.values().map(|(_, n)| n.clone()).collect();
                let target = self.name_target(c.name.as_str());
                StmtKind::Class { target, name: Arc::from(c.name.as_str()), bases, body: body?, decorators, free_from }
            }
            S::Return(r) => {
                if self.scopes.last().is_some_and(|s| s.kind != ScopeKind::Function) {
                    let (l, c) = self.pos(r.range.start());
                    return Err(CompileError::syntax(l, c, "'return' outside function".into()));
                }
                if r.value.is_some() && self.scopes.last().is_some_and(|s| s.async_gen) {
                    let (l, c) = self.pos(r.range.start());
                    return Err(CompileError::syntax(l, c, "'return' with value in async generator".into()));
                }
                StmtKind::Return(r.value.as_ref().map(|v| self.expr(v)).transpose()?)
            }
            S::Delete(d) => StmtKind::Delete(d.targets.iter().map(|t| self.target(t)).collect::<R<_>>()?),
            S::For(f) => {
                if f.is_async {
                    if !self.scopes.last().is_some_and(|s| s.is_async) {
                        let (l, c) = self.pos(f.range.start());
                        return Err(CompileError::syntax(l, c, "'async for' outside async function".into()));
                    }
                    let iter = self.expr(&f.iter)?;
                    let target = self.target(&f.target)?;
                    self.loop_depth += 1;
                    let body = self.block(&f.body);
                    self.loop_depth -= 1;
                    let orelse = self.block(&f.orelse)?;
                    return Ok(self.async_for(line, iter, target, body?, orelse));
                }
                let iter = self.expr(&f.iter)?;
                let target = self.target(&f.target)?;
                self.loop_depth += 1;
                let body = self.block(&f.body);
                self.loop_depth -= 1;
                StmtKind::For(target, iter, body?, self.block(&f.orelse)?)
            }
            S::While(w) => {
                let test = self.expr_fixed(&w.test)?;
                self.loop_depth += 1;
                let body = self.block(&w.body);
                self.loop_depth -= 1;
                StmtKind::While(test, body?, self.block(&w.orelse)?)
            }
            S::If(i) => {
                let test = self.expr(&i.test)?;
                let body = self.block(&i.body)?;
                let mut orelse = Vec::new();
                for clause in i.elif_else_clauses.iter().rev() {
                    let b = self.block(&clause.body)?;
                    orelse = match &clause.test {
                        Some(t) => {
                            let l = self.line(clause.range.start());
                            vec![Stmt { line: l, kind: StmtKind::If(self.expr_fixed(t)?, b, orelse) }]
                        }
                        None => b,
                    };
                }
                StmtKind::If(test, body, orelse)
            }
            S::With(w) => {
                if w.is_async {
                    if !self.scopes.last().is_some_and(|s| s.is_async) {
                        let (l, c) = self.pos(w.range.start());
                        return Err(CompileError::syntax(l, c, "'async with' outside async function".into()));
                    }
                    let mut items = Vec::new();
                    for it in &w.items {
                        let e = self.expr(&it.context_expr)?;
                        let t = it.optional_vars.as_ref().map(|v| self.target(v)).transpose()?;
                        items.push((e, t));
                    }
                    let body = self.block(&w.body)?;
                    return Ok(self.async_with(line, items, body));
                }
                let mut items = Vec::new();
                for it in &w.items {
                    let e = self.expr(&it.context_expr)?;
                    let t = it.optional_vars.as_ref().map(|v| self.target(v)).transpose()?;
                    items.push((e, t));
                }
                StmtKind::With(items, self.block(&w.body)?)
            }
            S::Match(m) => self.match_stmt(m, line)?,
            S::Raise(r) => StmtKind::Raise(
                r.exc.as_ref().map(|e| self.expr(e)).transpose()?,
                r.cause.as_ref().map(|e| self.expr(e)).transpose()?,
            ),
            S::Try(t) => {
                if t.is_star {
                    return self.try_star(t, line);
                }
                let body = self.block(&t.body)?;
                let mut handlers = Vec::new();
                for ast::ExceptHandler::ExceptHandler(h) in &t.handlers {
                    let ty = h.type_.as_ref().map(|e| self.expr_fixed(e)).transpose()?;
                    let name = h.name.as_ref().map(|n| self.name_target(n.as_str()));
                    handlers.push(Handler { ty, name, body: self.block(&h.body)?, line: self.line(h.range.start()) });
                }
                StmtKind::Try { body, handlers, orelse: self.block(&t.orelse)?, finally: self.block(&t.finalbody)? }
            }
            S::Assert(a) => StmtKind::Assert(self.expr(&a.test)?, a.msg.as_ref().map(|m| self.expr(m)).transpose()?),
            S::Import(i) => {
                let mut out = Vec::new();
                for a in &i.names {
                    let full = a.name.as_str().to_string();
                    if !known_module(&full) {
                        let (l, c) = self.pos(a.range.start());
                        return Err(CompileError::unsupported(
                            l,
                            c,
                            format!("module '{full}' is not available in Threadline"),
                        ));
                    }
                    let (bind, module) = match &a.asname {
                        Some(n) => (n.as_str().to_string(), full.clone()),
                        None => {
                            let top = full.split('.').next().unwrap_or_default().to_string();
                            (top.clone(), top)
                        }
                    };
                    out.push((module, self.name_target(&bind)));
                }
                StmtKind::Import(out)
            }
            S::ImportFrom(i) => {
                let module = i.module.as_ref().map(|m| m.as_str().to_string()).unwrap_or_default();
                if i.level > 0 || !known_module(&module) {
                    let (l, c) = self.pos(i.range.start());
                    return Err(CompileError::unsupported(
                        l,
                        c,
                        format!("module '{module}' is not available in Threadline"),
                    ));
                }
                let mut out = Vec::new();
                for a in &i.names {
                    if a.name.as_str() == "*" {
                        return Err(self.unsupported(a.range.start(), "from … import *"));
                    }
                    if module == "contextlib" && a.name.as_str() == "asynccontextmanager" {
                        // It decorates an async generator function, which Threadline cannot run.
                        let what = "contextlib.asynccontextmanager (it needs an async generator)";
                        return Err(self.unsupported(a.range.start(), what));
                    }
                    let bind = a.asname.as_ref().unwrap_or(&a.name).as_str().to_string();
                    out.push((a.name.as_str().to_string(), self.name_target(&bind)));
                }
                StmtKind::ImportFrom(module, out)
            }
            S::Global(g) => {
                if self.scopes.len() > 1 {
                    for n in &g.names {
                        self.global_slot(n.as_str());
                    }
                }
                StmtKind::Pass
            }
            S::Nonlocal(g) => {
                // As CPython's symbol table: the name must be bound in an enclosing function.
                let (l, c) = self.pos(g.range.start());
                if self.scopes.len() == 1 {
                    return Err(CompileError::syntax(l, c, "nonlocal declaration not allowed at module level".into()));
                }
                for n in &g.names {
                    let key: Arc<str> = Arc::from(n.as_str());
                    let found = self.scopes[..self.scopes.len() - 1]
                        .iter()
                        .rev()
                        .take_while(|s| s.kind != ScopeKind::Module)
                        .any(|s| {
                            s.kind == ScopeKind::Function && s.locals.contains_key(&key) && !s.globals.contains(&key)
                        });
                    if !found {
                        return Err(CompileError::syntax(l, c, format!("no binding for nonlocal '{n}' found")));
                    }
                }
                StmtKind::Pass
            }
            S::Pass(_) => StmtKind::Pass,
            S::Break(b) => {
                if self.loop_depth == 0 {
                    let (l, c) = self.pos(b.range.start());
                    return Err(CompileError::syntax(l, c, "'break' outside loop".into()));
                }
                StmtKind::Break
            }
            S::Continue(b) => {
                if self.loop_depth == 0 {
                    let (l, c) = self.pos(b.range.start());
                    return Err(CompileError::syntax(l, c, "'continue' not properly in loop".into()));
                }
                StmtKind::Continue
            }
            S::TypeAlias(t) => return Err(self.unsupported(t.range.start(), "type alias")),
            S::IpyEscapeCommand(t) => return Err(self.unsupported(t.range.start(), "an IPython escape")),
        })
    }

    pub(crate) fn name_target(&mut self, name: &str) -> Target {
        let n = self.resolve(name);
        Target::Name(n, Arc::from(name))
    }
}
