//! Lowering expressions: names resolved, literals as values, numbers, f-strings,
//! comprehensions.

use super::*;

impl Lowerer<'_> {
    pub(crate) fn mk(&self, at: TextSize, kind: ExprKind) -> Expr {
        Expr { line: self.line(at), kind: Box::new(kind) }
    }

    pub(crate) fn expr(&mut self, e: &ast::Expr) -> R<Expr> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.depth -= 1;
            let (l, c) = self.pos(e.range().start());
            return Err(CompileError::new(
                "RecursionError",
                l,
                c,
                "maximum recursion depth exceeded during compilation".into(),
            ));
        }
        let r = self.expr_inner(e);
        self.depth -= 1;
        r
    }

    pub(crate) fn exprs(&mut self, es: &[ast::Expr]) -> R<Vec<Expr>> {
        es.iter().map(|e| self.expr(e)).collect()
    }

    pub(crate) fn expr_inner(&mut self, e: &ast::Expr) -> R<Expr> {
        use ast::Expr as E;
        let at = e.range().start();
        let kind = match e {
            E::BoolOp(b) => {
                self.no_hoist += 1;
                let vals = self.exprs(&b.values);
                self.no_hoist -= 1;
                let vals = vals?;
                match b.op {
                    ast::BoolOp::And => ExprKind::And(vals),
                    ast::BoolOp::Or => ExprKind::Or(vals),
                }
            }
            E::Named(n) => {
                let v = self.expr(&n.value)?;
                ExprKind::Walrus(self.target(&n.target)?, v)
            }
            E::BinOp(b) => ExprKind::Bin(bin_op(b.op), self.expr(&b.left)?, self.expr(&b.right)?),
            E::UnaryOp(u) => {
                // Fold negative literals so `-5` is a constant (and `-9223372036854775808` fits).
                if u.op == ast::UnaryOp::USub
                    && let E::NumberLiteral(n) = &*u.operand
                {
                    let v = self.number(&n.value, at)?;
                    let neg = match v {
                        V::Int(i) => i.checked_neg().map_or_else(|| V::from_big(-num_bigint::BigInt::from(i)), V::Int),
                        V::Big(b) => V::from_big(-(*b).clone()),
                        V::Float(f) => V::Float(-f),
                        other => other,
                    };
                    return Ok(self.mk(at, ExprKind::Const(neg)));
                }
                let op = match u.op {
                    ast::UnaryOp::Invert => UnOp::Invert,
                    ast::UnaryOp::Not => UnOp::Not,
                    ast::UnaryOp::UAdd => UnOp::Pos,
                    ast::UnaryOp::USub => UnOp::Neg,
                };
                ExprKind::Unary(op, self.expr(&u.operand)?)
            }
            E::Lambda(l) => {
                let params = match &l.parameters {
                    Some(p) => self.params(p)?,
                    None => Params::default(),
                };
                let line = self.line(at);
                ExprKind::Lambda(self.function("<lambda>", params, FuncBody::Expr(&l.body), line, None)?)
            }
            E::If(i) => ExprKind::IfExp(self.expr(&i.test)?, self.expr_fixed(&i.body)?, self.expr_fixed(&i.orelse)?),
            E::Dict(d) => {
                let mut items = Vec::new();
                for it in &d.items {
                    let k = it.key.as_ref().map(|k| self.expr(k)).transpose()?;
                    items.push((k, self.expr(&it.value)?));
                }
                ExprKind::Dict(items)
            }
            E::Set(s) => ExprKind::Set(self.exprs(&s.elts)?),
            E::ListComp(c) => self.comp(&c.generators, e, |me| Ok(CompKind::List(me.expr(&c.elt)?)))?,
            E::SetComp(c) => self.comp(&c.generators, e, |me| Ok(CompKind::Set(me.expr(&c.elt)?)))?,
            E::DictComp(c) => {
                let Some(key) = &c.key else { return Err(self.unsupported(at, "dict unpacking in a comprehension")) };
                self.comp(&c.generators, e, |me| {
                    let k = me.expr(key)?;
                    // Where the key's hoisted awaits end and the value's begin.
                    me.key_hoists = me.hoisted.len();
                    Ok(CompKind::Dict(k, me.expr(&c.value)?))
                })?
            }
            E::Generator(c) => self.comp(&c.generators, e, |me| Ok(CompKind::Gen(me.expr(&c.elt)?)))?,
            E::Yield(_) | E::YieldFrom(_) | E::Await(_) => return self.hoist(e),
            E::Compare(c) => {
                let left = self.expr(&c.left)?;
                let mut rest = Vec::new();
                for (op, r) in c.ops.iter().zip(c.comparators.iter()) {
                    let op = match op {
                        ast::CmpOp::Eq => CmpOp::Eq,
                        ast::CmpOp::NotEq => CmpOp::NotEq,
                        ast::CmpOp::Lt => CmpOp::Lt,
                        ast::CmpOp::LtE => CmpOp::LtE,
                        ast::CmpOp::Gt => CmpOp::Gt,
                        ast::CmpOp::GtE => CmpOp::GtE,
                        ast::CmpOp::Is => CmpOp::Is,
                        ast::CmpOp::IsNot => CmpOp::IsNot,
                        ast::CmpOp::In => CmpOp::In,
                        ast::CmpOp::NotIn => CmpOp::NotIn,
                    };
                    rest.push((op, self.expr(r)?));
                }
                ExprKind::Compare(left, rest)
            }
            E::Call(c) => {
                let func = self.expr(&c.func)?;
                let mut args = Vec::new();
                for a in c.arguments.args.iter() {
                    args.push(match a {
                        E::Starred(s) => Arg::Star(self.expr(&s.value)?),
                        other => Arg::Pos(self.expr(other)?),
                    });
                }
                for k in &c.arguments.keywords {
                    args.push(match &k.arg {
                        Some(n) => Arg::Kw(Arc::from(n.as_str()), self.expr(&k.value)?),
                        None => Arg::StarStar(self.expr(&k.value)?),
                    });
                }
                ExprKind::Call(func, args)
            }
            E::FString(f) => {
                let mut parts = Vec::new();
                for p in f.value.iter() {
                    match p {
                        ast::FStringPart::Literal(l) => parts.push(FPart::Lit(Arc::from(&*l.value))),
                        ast::FStringPart::FString(fs) => self.fparts(&fs.elements, &mut parts)?,
                    }
                }
                ExprKind::FString(parts)
            }
            E::TString(_) => return Err(self.unsupported(at, "a template string")),
            E::StringLiteral(s) => ExprKind::Const(V::str(s.value.to_str())),
            E::BytesLiteral(b) => ExprKind::Const(crate::py::bytes::new(
                b.value.iter().flat_map(|p| p.as_slice().iter().copied()).collect(),
            )),
            E::NumberLiteral(n) => ExprKind::Const(self.number(&n.value, at)?),
            E::BooleanLiteral(b) => ExprKind::Const(V::Bool(b.value)),
            E::NoneLiteral(_) => ExprKind::Const(V::None),
            E::EllipsisLiteral(_) => ExprKind::Const(V::str("Ellipsis")),
            E::Attribute(a) => match self.fold_module_attr(a) {
                Some(v) => ExprKind::Const(v),
                None => {
                    let value = self.expr(&a.value)?;
                    match &*value.kind {
                        ExprKind::Const(m) => match crate::py::stdlib::attr_of_module(m, a.attr.as_str()) {
                            Some(v) => ExprKind::Const(v),
                            None => ExprKind::Attr(value, crate::py::value::intern(a.attr.as_str())),
                        },
                        _ => ExprKind::Attr(value, crate::py::value::intern(&self.mangle(a.attr.as_str()))),
                    }
                }
            },
            E::Subscript(s) => ExprKind::Subscript(self.expr(&s.value)?, self.expr(&s.slice)?),
            E::Starred(s) => ExprKind::Starred(self.expr(&s.value)?),
            E::Name(n) => {
                let name = self.resolve(n.id.as_str());
                ExprKind::Name(name, Arc::from(n.id.as_str()))
            }
            E::List(l) => ExprKind::List(self.exprs(&l.elts)?),
            E::Tuple(t) => ExprKind::Tuple(self.exprs(&t.elts)?),
            E::Slice(s) => ExprKind::Slice(
                s.lower.as_ref().map(|e| self.expr(e)).transpose()?,
                s.upper.as_ref().map(|e| self.expr(e)).transpose()?,
                s.step.as_ref().map(|e| self.expr(e)).transpose()?,
            ),
            E::IpyEscapeCommand(_) => return Err(self.unsupported(at, "an IPython escape")),
        };
        Ok(self.mk(at, kind))
    }

    pub(crate) fn number(&self, n: &ast::Number, at: TextSize) -> R<V> {
        Ok(match n {
            ast::Number::Int(i) => match i.as_i64() {
                Some(v) => V::Int(v),
                None => {
                    let s = i.to_string().replace('_', "");
                    let parsed = if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
                        num_bigint::BigInt::parse_bytes(h.as_bytes(), 16)
                    } else if let Some(b) = s.strip_prefix("0b").or_else(|| s.strip_prefix("0B")) {
                        num_bigint::BigInt::parse_bytes(b.as_bytes(), 2)
                    } else if let Some(o) = s.strip_prefix("0o").or_else(|| s.strip_prefix("0O")) {
                        num_bigint::BigInt::parse_bytes(o.as_bytes(), 8)
                    } else {
                        num_bigint::BigInt::parse_bytes(s.as_bytes(), 10)
                    };
                    match parsed {
                        Some(b) if s.len() <= 4300 => V::from_big(b),
                        _ => {
                            let (l, c) = self.pos(at);
                            return Err(CompileError::new(
                                "ValueError",
                                l,
                                c,
                                "Exceeds the limit (4300 digits) for integer string conversion".into(),
                            ));
                        }
                    }
                }
            },
            ast::Number::Float(f) => V::Float(*f),
            ast::Number::Complex { .. } => return Err(self.unsupported(at, "a complex number")),
        })
    }

    pub(crate) fn fparts(&mut self, els: &ast::InterpolatedStringElements, out: &mut Vec<FPart>) -> R<()> {
        for el in els.iter() {
            match el {
                ast::InterpolatedStringElement::Literal(l) => out.push(FPart::Lit(Arc::from(&*l.value))),
                ast::InterpolatedStringElement::Interpolation(i) => {
                    let expr = self.expr(&i.expression)?;
                    let conv = match i.conversion {
                        ast::ConversionFlag::None => None,
                        ast::ConversionFlag::Str => Some('s'),
                        ast::ConversionFlag::Ascii => Some('a'),
                        ast::ConversionFlag::Repr => Some('r'),
                    };
                    let spec = match &i.format_spec {
                        Some(s) => {
                            let mut sp = Vec::new();
                            self.fparts(&s.elements, &mut sp)?;
                            Some(sp)
                        }
                        None => None,
                    };
                    let debug = i.debug_text.as_ref().map(|d| {
                        let r = i.expression.range();
                        let text = self.src.get(r.start().to_usize()..r.end().to_usize()).unwrap_or_default();
                        Arc::from(format!("{}{}{}", d.leading(), text, d.trailing()).as_str())
                    });
                    let conv = if debug.is_some() && conv.is_none() && spec.is_none() { Some('r') } else { conv };
                    out.push(FPart::Expr { expr, conv, spec, debug });
                }
            }
        }
        Ok(())
    }

    pub(crate) fn comp(
        &mut self,
        gens: &[ast::Comprehension],
        whole: &ast::Expr,
        elt: impl FnOnce(&mut Self) -> R<CompKind>,
    ) -> R<ExprKind> {
        let Some(first) = gens.first() else { return Err(CompileError::syntax(0, 0, "empty comprehension".into())) };
        if let Some(kind) = yield_inside(gens, whole) {
            let (l, c) = self.pos(first.range.start());
            return Err(CompileError::syntax(l, c, format!("'yield' inside {kind}")));
        }
        if gens.iter().any(|g| g.is_async) || gens_await(gens, whole) {
            return self.async_comp(gens, whole, elt);
        }
        // The first iterable is evaluated in the enclosing scope and passed as argument 0.
        let first_iter = self.expr(&first.iter)?;
        self.scopes.push(comp_scope(gens));
        self.no_hoist += 1;
        let r = (|| -> R<(Vec<CompFor>, CompKind)> {
            let mut fors = Vec::new();
            for (i, g) in gens.iter().enumerate() {
                let iter = if i == 0 {
                    Expr { line: first_iter.line, kind: Box::new(ExprKind::Name(Name::Local(0), Arc::from(".0"))) }
                } else {
                    self.expr(&g.iter)?
                };
                let target = self.target(&g.target)?;
                let ifs = self.exprs(&g.ifs)?;
                fors.push(CompFor { target, iter, ifs });
            }
            Ok((fors, elt(self)?))
        })();
        self.no_hoist -= 1;
        let scope = self.scopes.pop().unwrap_or_else(|| Scope::new(ScopeKind::Function));
        let (fors, kind) = r?;
        let frame_code = match &kind {
            CompKind::Gen(elt) => Some(Arc::new(frame::compile(&genexpr_body(&fors, elt), CodeKind::Generator))),
            _ => None,
        };
        let def = CompDef {
            frame_code,
            fors,
            kind,
            n_locals: scope.locals.len() as u32,
            cells: scope.captured.iter().copied().collect(),
            free_from: scope.frees.values().map(|(_, n)| n.clone()).collect(),
            first_async: false,
        };
        Ok(ExprKind::Call(
            Expr { line: first_iter.line, kind: Box::new(ExprKind::Comp(Arc::new(def))) },
            vec![Arg::Pos(first_iter)],
        ))
    }

    /// An async comprehension — one with `async for`, or with `await` anywhere in it (inside
    /// an `async def` only, as CPython 3.11 allows): a coroutine frame of its own that runs
    /// the loops, awaiting where the program awaits, and returns the list, set or dict, which
    /// the enclosing function awaits at once; an async generator expression is an async
    /// generator, not awaited. The loops are spelled out as statements (`async for` as PEP 492
    /// does) so the frame compiler can suspend inside them.
    fn async_comp(
        &mut self,
        gens: &[ast::Comprehension],
        whole: &ast::Expr,
        elt: impl FnOnce(&mut Self) -> R<CompKind>,
    ) -> R<ExprKind> {
        let at = whole.range().start();
        // An async generator expression may be made anywhere (it is not awaited where it is
        // made); the others are awaited at once, so only in an `async def`.
        let is_gen = matches!(whole, ast::Expr::Generator(_));
        if !is_gen && !self.scopes.last().is_some_and(|s| s.is_async) {
            let (l, c) = self.pos(at);
            return Err(CompileError::syntax(
                l,
                c,
                "asynchronous comprehension outside of an asynchronous function".into(),
            ));
        }
        let line = self.line(at);
        let first = &gens[0];
        let first_iter = self.expr(&first.iter)?;
        let mut scope = comp_scope(gens);
        scope.is_async = true;
        self.scopes.push(scope);
        let saved_no_hoist = std::mem::replace(&mut self.no_hoist, 0);
        let saved_hoisted = std::mem::take(&mut self.hoisted);
        let r = self.async_comp_body(gens, &first_iter, line, elt);
        self.hoisted = saved_hoisted;
        self.no_hoist = saved_no_hoist;
        let scope = self.scopes.pop().unwrap_or_else(|| Scope::new(ScopeKind::Function));
        let (fors, kind, body) = r?;
        let code_kind = if matches!(kind, CompKind::Gen(_)) { CodeKind::AsyncGenerator } else { CodeKind::Coroutine };
        let def = CompDef {
            frame_code: Some(Arc::new(frame::compile(&body, code_kind))),
            fors,
            kind,
            n_locals: scope.locals.len() as u32,
            cells: scope.captured.iter().copied().collect(),
            free_from: scope.frees.values().map(|(_, n)| n.clone()).collect(),
            first_async: first.is_async,
        };
        let call = ExprKind::Call(
            Expr { line: first_iter.line, kind: Box::new(ExprKind::Comp(Arc::new(def))) },
            vec![Arg::Pos(first_iter)],
        );
        if code_kind == CodeKind::AsyncGenerator {
            return Ok(call);
        }
        let awaited = ExprKind::Await(Expr { line, kind: Box::new(call) });
        Ok(*self.hoist_kind(at, awaited, "an async comprehension")?.kind)
    }

    /// The loops of an async comprehension as statements, in its own scope (the caller pushed
    /// it): what each condition and the element await is hoisted before them.
    #[allow(clippy::type_complexity)]
    fn async_comp_body(
        &mut self,
        gens: &[ast::Comprehension],
        first_iter: &Expr,
        line: u32,
        elt: impl FnOnce(&mut Self) -> R<CompKind>,
    ) -> R<(Vec<CompFor>, CompKind, Vec<Stmt>)> {
        let mk = |line: u32, kind: ExprKind| Expr { line, kind: Box::new(kind) };
        // Each generator's target, iterable (with what it awaits) and conditions (each with
        // what it awaits).
        let mut levels = Vec::new();
        let mut fors = Vec::new();
        for (i, g) in gens.iter().enumerate() {
            let (pre_iter, iter) = if i == 0 {
                (Vec::new(), mk(first_iter.line, ExprKind::Name(Name::Local(0), Arc::from(".0"))))
            } else {
                let e = self.expr(&g.iter)?;
                (std::mem::take(&mut self.hoisted), e)
            };
            let target = self.target(&g.target)?;
            let mut ifs = Vec::new();
            for c in &g.ifs {
                let e = self.expr(c)?;
                ifs.push((std::mem::take(&mut self.hoisted), e));
            }
            fors.push(CompFor {
                target: target.clone(),
                iter: iter.clone(),
                ifs: ifs.iter().map(|(_, e)| e.clone()).collect(),
            });
            levels.push((g.is_async, pre_iter, iter, target, ifs));
        }
        // The element; a dict's key is evaluated before its value (CPython 3.8+), each
        // with what it awaits, so the key goes to a temporary first.
        let kind = elt(self)?;
        let mut pre_elt = std::mem::take(&mut self.hoisted);
        let dict_key = match &kind {
            CompKind::Dict(k, _) => {
                let (key, key_n) = self.temp("key");
                Some((Target::Name(key.clone(), key_n.clone()), mk(line, ExprKind::Name(key, key_n)), k.clone()))
            }
            _ => None,
        };
        let (result, result_n) = self.temp("result");
        let load_result = mk(line, ExprKind::Name(result.clone(), result_n.clone()));
        let method = |name: &str, args: Vec<Expr>| {
            mk(
                line,
                ExprKind::Call(
                    mk(line, ExprKind::Attr(load_result.clone(), Arc::from(name))),
                    args.into_iter().map(Arg::Pos).collect(),
                ),
            )
        };
        let (init, add) = match &kind {
            CompKind::List(v) => (ExprKind::List(Vec::new()), StmtKind::Expr(method("append", vec![v.clone()]))),
            CompKind::Set(v) => (ExprKind::Set(Vec::new()), StmtKind::Expr(method("add", vec![v.clone()]))),
            CompKind::Dict(..) => (ExprKind::Dict(Vec::new()), StmtKind::Pass),
            CompKind::Gen(v) => (ExprKind::Const(V::None), StmtKind::Expr(mk(line, ExprKind::Yield(Some(v.clone()))))),
        };
        let mut body = Vec::new();
        match (&kind, dict_key) {
            (CompKind::Dict(_, v), Some((key_t, key, k))) => {
                // The key's awaits, the key, then the value's awaits and the store. (The
                // element's hoisted statements are the key's then the value's, in order.)
                let value_pre = pre_elt.split_off(self.key_hoists.min(pre_elt.len()));
                body.extend(pre_elt);
                body.push(Stmt { line, kind: StmtKind::Assign(vec![key_t], k) });
                body.extend(value_pre);
                body.push(Stmt {
                    line,
                    kind: StmtKind::Assign(vec![Target::Subscript(load_result.clone(), key)], v.clone()),
                });
            }
            _ => {
                body.extend(pre_elt);
                body.push(Stmt { line, kind: add });
            }
        }
        for (is_async, pre_iter, iter, target, ifs) in levels.into_iter().rev() {
            for (pre, cond) in ifs.into_iter().rev() {
                let mut b = pre;
                b.push(Stmt { line: cond.line, kind: StmtKind::If(cond, body, Vec::new()) });
                body = b;
            }
            let at = iter.line;
            let lp = if is_async {
                self.async_for(at, iter, target, body, Vec::new())
            } else {
                StmtKind::For(target, iter, body, Vec::new())
            };
            let mut b = pre_iter;
            b.push(Stmt { line: at, kind: lp });
            body = b;
        }
        let mut out = Vec::new();
        if !matches!(kind, CompKind::Gen(_)) {
            out.push(Stmt { line, kind: StmtKind::Assign(vec![Target::Name(result, result_n)], mk(line, init)) });
            out.extend(body);
            out.push(Stmt { line, kind: StmtKind::Return(Some(load_result.clone())) });
        } else {
            out = body;
        }
        Ok((fors, kind, out))
    }
}

/// A comprehension's own scope: `.0` (its first iterable, passed in) and the names its `for`s
/// bind.
fn comp_scope(gens: &[ast::Comprehension]) -> Scope {
    let mut scope = Scope::new(ScopeKind::Function);
    scope.locals.insert(Arc::from(".0"), 0);
    let mut bound = Vec::new();
    for g in gens {
        names_in_target(&g.target, &mut bound);
    }
    for n in bound {
        let k = scope.locals.len() as u32;
        scope.locals.entry(n).or_insert(k);
    }
    scope
}

/// The expressions evaluated in a comprehension's own scope — its element (a dict's key and
/// value), its conditions and every iterable but the first (which the enclosing scope
/// evaluates) — with the kind's name as CPython's messages say it.
fn comp_own_exprs<'a>(gens: &'a [ast::Comprehension], whole: &'a ast::Expr) -> (Vec<&'a ast::Expr>, &'static str) {
    let (mut out, kind): (Vec<&ast::Expr>, _) = match whole {
        ast::Expr::ListComp(c) => (vec![&c.elt], "list comprehension"),
        ast::Expr::SetComp(c) => (vec![&c.elt], "set comprehension"),
        ast::Expr::Generator(c) => (vec![&c.elt], "generator expression"),
        ast::Expr::DictComp(c) => (c.key.iter().map(|k| &**k).chain([&*c.value]).collect(), "dict comprehension"),
        _ => (Vec::new(), "comprehension"),
    };
    for (i, g) in gens.iter().enumerate() {
        if i > 0 {
            out.push(&g.iter);
        }
        out.extend(g.ifs.iter());
    }
    (out, kind)
}

/// Whether a comprehension awaits anywhere in it (its element, conditions, later iterables,
/// nested comprehensions — not inside a lambda): then it is an async comprehension.
fn gens_await(gens: &[ast::Comprehension], whole: &ast::Expr) -> bool {
    use ruff_python_ast::visitor::{Visitor, walk_expr};
    struct A(bool);
    impl<'a> Visitor<'a> for A {
        fn visit_expr(&mut self, e: &'a ast::Expr) {
            match e {
                ast::Expr::Await(_) => self.0 = true,
                // A nested async list, set or dict comprehension is awaited here: this one is
                // async too. A nested generator expression is only made here (not awaited),
                // and a lambda is a function of its own.
                ast::Expr::ListComp(ast::ExprListComp { generators, .. })
                | ast::Expr::SetComp(ast::ExprSetComp { generators, .. })
                | ast::Expr::DictComp(ast::ExprDictComp { generators, .. })
                    if generators.iter().any(|g| g.is_async) =>
                {
                    self.0 = true
                }
                ast::Expr::Lambda(_) => {}
                ast::Expr::Generator(g) => self.visit_expr(&g.generators[0].iter),
                other => walk_expr(self, other),
            }
        }
    }
    let mut a = A(false);
    for e in comp_own_exprs(gens, whole).0 {
        a.visit_expr(e);
    }
    a.0
}

/// Whether a `yield` sits in a comprehension's own scope (its element, conditions or later
/// iterables, not inside a lambda or a nested comprehension's own): CPython's SyntaxError
/// names the kind.
fn yield_inside(gens: &[ast::Comprehension], whole: &ast::Expr) -> Option<&'static str> {
    use ruff_python_ast::visitor::Visitor;
    let mut y = super::YieldFinder(false);
    let (exprs, kind) = comp_own_exprs(gens, whole);
    for e in exprs {
        y.visit_expr(e);
    }
    y.0.then_some(kind)
}
