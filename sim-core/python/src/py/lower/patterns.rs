//! Lowering `match` (PEP 634): the statement becomes the subject stored in a hidden
//! variable and an `if`/`elif` chain, one test per `case`. A pattern's test is an ordinary
//! condition that binds its names as it goes (`name := …`), with the structural checks —
//! is it a sequence of this length, a mapping with these keys, an instance with these
//! attributes — made by hidden built-ins ([`crate::py::matching`]) that hand back the parts
//! to match further, or `None`. The compile-time errors are CPython's, at the pattern.

use super::*;

/// The names a pattern binds, in order (a repeated one is an error the caller reports).
fn pattern_names(p: &ast::Pattern, out: &mut Vec<(Arc<str>, TextSize)>) {
    use ast::Pattern as P;
    match p {
        P::MatchValue(_) | P::MatchSingleton(_) => {}
        P::MatchSequence(s) => s.patterns.iter().for_each(|p| pattern_names(p, out)),
        P::MatchMapping(m) => {
            m.patterns.iter().for_each(|p| pattern_names(p, out));
            if let Some(r) = &m.rest {
                out.push((Arc::from(r.as_str()), r.range.start()));
            }
        }
        P::MatchClass(c) => {
            c.arguments.patterns.iter().for_each(|p| pattern_names(p, out));
            c.arguments.keywords.iter().for_each(|k| pattern_names(&k.pattern, out));
        }
        P::MatchStar(s) => {
            if let Some(n) = &s.name {
                out.push((Arc::from(n.as_str()), n.range.start()));
            }
        }
        P::MatchAs(a) => {
            if let Some(p) = &a.pattern {
                pattern_names(p, out);
            }
            if let Some(n) = &a.name {
                out.push((Arc::from(n.as_str()), n.range.start()));
            }
        }
        // Every alternative binds the same names (checked when lowered).
        P::MatchOr(o) => {
            if let Some(first) = o.patterns.first() {
                pattern_names(first, out);
            }
        }
    }
}

/// The names bound by the `case` patterns of `m` (for the scope's locals).
pub(crate) fn match_bound_names(m: &ast::StmtMatch, out: &mut Vec<Arc<str>>) {
    for c in &m.cases {
        let mut names = Vec::new();
        pattern_names(&c.pattern, &mut names);
        out.extend(names.into_iter().map(|(n, _)| n));
    }
}

/// CPython's words for an irrefutable pattern before the last case (or alternative): the
/// capture or wildcard that matches anything, and where it is.
fn unreachable_error(p: &ast::Pattern) -> Option<(TextSize, String)> {
    match p {
        ast::Pattern::MatchAs(a) => match (&a.pattern, &a.name) {
            (Some(inner), _) => unreachable_error(inner),
            (None, Some(n)) => {
                Some((p.range().start(), format!("name capture '{}' makes remaining patterns unreachable", n.as_str())))
            }
            (None, None) => Some((p.range().start(), "wildcard makes remaining patterns unreachable".into())),
        },
        ast::Pattern::MatchOr(o) => o.patterns.iter().find_map(unreachable_error),
        _ => None,
    }
}

/// A name bound twice in one pattern (each alternative of an `or` on its own), and where.
fn repeated_name(p: &ast::Pattern) -> Option<(Arc<str>, TextSize)> {
    use ast::Pattern as P;
    let subs: Vec<&ast::Pattern> = match p {
        P::MatchOr(o) => return o.patterns.iter().find_map(repeated_name),
        P::MatchSequence(s) => s.patterns.iter().collect(),
        P::MatchMapping(m) => m.patterns.iter().collect(),
        P::MatchClass(c) => {
            c.arguments.patterns.iter().chain(c.arguments.keywords.iter().map(|k| &k.pattern)).collect()
        }
        P::MatchAs(a) => a.pattern.iter().map(|b| &**b).collect(),
        _ => Vec::new(),
    };
    if let Some(r) = subs.iter().find_map(|s| repeated_name(s)) {
        return Some(r);
    }
    let mut names = Vec::new();
    pattern_names(p, &mut names);
    names
        .iter()
        .enumerate()
        .find(|(k, (n, _))| names[..*k].iter().any(|(o, _)| o == n))
        .map(|(_, (n, at))| (n.clone(), *at))
}

/// Whether a pattern matches anything (a capture or the wildcard, or an `or` of one).
fn irrefutable(p: &ast::Pattern) -> bool {
    match p {
        ast::Pattern::MatchAs(a) => a.pattern.as_deref().is_none_or(irrefutable),
        ast::Pattern::MatchOr(o) => o.patterns.iter().any(irrefutable),
        _ => false,
    }
}

impl Lowerer<'_> {
    /// A hidden variable (for `match`, `except*`): a local in a function, else a global no program
    /// can name.
    pub(crate) fn hidden_temp(&mut self) -> (Name, Arc<str>) {
        if self.scopes.last().is_some_and(|s| s.kind == ScopeKind::Function) {
            return self.temp("match");
        }
        let name: Arc<str> = Arc::from(format!(".match{}", self.globals.len()));
        (Name::Global(self.global_slot(&name), None), name)
    }

    fn syntax_at(&self, at: TextSize, msg: impl Into<String>) -> CompileError {
        let (l, c) = self.pos(at);
        CompileError::syntax(l, c, msg.into())
    }

    /// `match subject: case …` as `tmp = subject; if test1: … elif test2: …`.
    pub(crate) fn match_stmt(&mut self, m: &ast::StmtMatch, line: u32) -> R<StmtKind> {
        // CPython's compile-time checks first.
        for (i, c) in m.cases.iter().enumerate() {
            if let Some((n, at)) = repeated_name(&c.pattern) {
                return Err(self.syntax_at(at, format!("multiple assignments to name '{n}' in pattern")));
            }
            if i + 1 < m.cases.len()
                && c.guard.is_none()
                && irrefutable(&c.pattern)
                && let Some((at, msg)) = unreachable_error(&c.pattern)
            {
                return Err(self.syntax_at(at, msg));
            }
        }
        let at = m.range.start();
        let subject = self.expr(&m.subject)?;
        let (tmp, tmp_n) = self.hidden_temp();
        let mut chain: Vec<Stmt> = Vec::new();
        for c in m.cases.iter().rev() {
            let cat = c.range.start();
            let subj = self.mk(cat, ExprKind::Name(tmp.clone(), tmp_n.clone()));
            self.match_binds.clear();
            let test = self.pattern(&c.pattern, subj)?;
            // The names bound once it matched, then the guard (which may read them).
            let mut all = vec![test];
            all.extend(self.bind_captures(cat));
            if let Some(g) = &c.guard {
                all.push(self.expr_fixed(g)?);
            }
            let test = if all.len() == 1 { all.pop().expect("the test") } else { self.mk(cat, ExprKind::And(all)) };
            let body = self.block(&c.body)?;
            chain = vec![Stmt { line: self.line(cat), kind: StmtKind::If(test, body, chain) }];
        }
        let mut out = vec![Stmt { line, kind: StmtKind::Assign(vec![Target::Name(tmp, tmp_n)], subject) }];
        out.extend(chain);
        Ok(StmtKind::If(self.mk(at, ExprKind::Const(V::Bool(true))), out, Vec::new()))
    }

    /// A hidden built-in called with `args`.
    fn match_call(&self, at: TextSize, b: Builtin, args: Vec<Expr>) -> Expr {
        let f = self.mk(at, ExprKind::Const(V::Builtin(b)));
        self.mk(at, ExprKind::Call(f, args.into_iter().map(Arg::Pos).collect()))
    }

    /// `(tmp := parts) is not None`, and the temp to take the parts from.
    fn parts(&mut self, at: TextSize, parts: Expr) -> (Expr, Expr) {
        let (t, t_n) = self.hidden_temp();
        let bind = self.mk(at, ExprKind::Walrus(Target::Name(t.clone(), t_n.clone()), parts));
        let none = self.mk(at, ExprKind::Const(V::None));
        let test = self.mk(at, ExprKind::Compare(bind, vec![(CmpOp::IsNot, none)]));
        (test, self.mk(at, ExprKind::Name(t, t_n)))
    }

    /// Item `i` of the parts in `t`.
    fn part(&self, at: TextSize, t: &Expr, i: usize) -> Expr {
        let ix = self.mk(at, ExprKind::Const(V::Int(i as i64)));
        self.mk(at, ExprKind::Subscript(t.clone(), ix))
    }

    /// `name` captures `subj`, always true: held in a hidden variable (the same one in each
    /// alternative of an `or`) until the whole pattern has matched, as CPython binds a
    /// pattern's names only then.
    fn capture(&mut self, at: TextSize, name: &str, subj: Expr) -> Expr {
        let (t, t_n) = match self.match_binds.iter().find(|(n, ..)| &**n == name) {
            Some((_, t, t_n)) => (t.clone(), t_n.clone()),
            None => {
                let (t, t_n) = self.hidden_temp();
                self.match_binds.push((Arc::from(name), t.clone(), t_n.clone()));
                (t, t_n)
            }
        };
        let bind = self.mk(at, ExprKind::Walrus(Target::Name(t, t_n), subj));
        self.match_call(at, Builtin::MatchBind, vec![bind])
    }

    /// The names the case's pattern captured, bound from their hidden variables.
    fn bind_captures(&mut self, at: TextSize) -> Vec<Expr> {
        let binds = std::mem::take(&mut self.match_binds);
        binds
            .into_iter()
            .map(|(name, t, t_n)| {
                let target = self.name_target(&name);
                let held = self.mk(at, ExprKind::Name(t, t_n));
                let bind = self.mk(at, ExprKind::Walrus(target, held));
                self.match_call(at, Builtin::MatchBind, vec![bind])
            })
            .collect()
    }

    fn int(&self, at: TextSize, n: i64) -> Expr {
        self.mk(at, ExprKind::Const(V::Int(n)))
    }

    /// The subpatterns `ps` matched against the parts in `t` (the first at `first`),
    /// after `test`: all of them, in order.
    fn and_parts(&mut self, at: TextSize, mut tests: Vec<Expr>, t: &Expr, ps: &[&ast::Pattern]) -> R<Expr> {
        for (i, p) in ps.iter().enumerate() {
            if matches!(p, ast::Pattern::MatchAs(ast::PatternMatchAs { pattern: None, name: None, .. })) {
                continue;
            }
            let item = self.part(at, t, i);
            tests.push(self.pattern(p, item)?);
        }
        Ok(if tests.len() == 1 { tests.pop().expect("one test") } else { self.mk(at, ExprKind::And(tests)) })
    }

    /// A pattern's test on `subj`.
    fn pattern(&mut self, p: &ast::Pattern, subj: Expr) -> R<Expr> {
        use ast::Pattern as P;
        let at = p.range().start();
        Ok(match p {
            P::MatchValue(v) => {
                let v = self.expr_fixed(&v.value)?;
                self.mk(at, ExprKind::Compare(subj, vec![(CmpOp::Eq, v)]))
            }
            P::MatchSingleton(s) => {
                let v = match s.value {
                    ast::Singleton::None => V::None,
                    ast::Singleton::True => V::Bool(true),
                    ast::Singleton::False => V::Bool(false),
                };
                let v = self.mk(at, ExprKind::Const(v));
                self.mk(at, ExprKind::Compare(subj, vec![(CmpOp::Is, v)]))
            }
            P::MatchAs(a) => match (&a.pattern, &a.name) {
                (None, None) => self.mk(at, ExprKind::Const(V::Bool(true))),
                (None, Some(n)) => self.capture(at, n.as_str(), subj),
                (Some(inner), name) => {
                    let test = self.pattern(inner, subj.clone())?;
                    match name {
                        Some(n) => {
                            let bind = self.capture(at, n.as_str(), subj);
                            self.mk(at, ExprKind::And(vec![test, bind]))
                        }
                        None => test,
                    }
                }
            },
            P::MatchOr(o) => {
                let mut first: Option<Vec<Arc<str>>> = None;
                let mut alts = Vec::new();
                for (i, alt) in o.patterns.iter().enumerate() {
                    if i + 1 < o.patterns.len()
                        && irrefutable(alt)
                        && let Some((aat, msg)) = unreachable_error(alt)
                    {
                        return Err(self.syntax_at(aat, msg));
                    }
                    let mut names = Vec::new();
                    pattern_names(alt, &mut names);
                    let mut names: Vec<Arc<str>> = names.into_iter().map(|(n, _)| n).collect();
                    names.sort();
                    match &first {
                        None => first = Some(names),
                        Some(f) if *f != names => {
                            return Err(
                                self.syntax_at(alt.range().start(), "alternative patterns bind different names")
                            );
                        }
                        Some(_) => {}
                    }
                    alts.push(self.pattern(alt, subj.clone())?);
                }
                self.mk(at, ExprKind::Or(alts))
            }
            P::MatchSequence(s) => {
                let stars: Vec<usize> = s
                    .patterns
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| matches!(p, P::MatchStar(_)))
                    .map(|(i, _)| i)
                    .collect();
                if stars.len() > 1 {
                    return Err(self.syntax_at(at, "multiple starred names in sequence pattern"));
                }
                let star = stars.first().map_or(-1, |&i| i as i64);
                let call = self.match_call(
                    at,
                    Builtin::MatchSeq,
                    vec![subj, self.int(at, s.patterns.len() as i64), self.int(at, star)],
                );
                let (test, t) = self.parts(at, call);
                let subs: Vec<&ast::Pattern> = s.patterns.iter().collect();
                self.and_parts(at, vec![test], &t, &subs)?
            }
            P::MatchStar(s) => match &s.name {
                Some(n) => self.capture(at, n.as_str(), subj),
                None => self.mk(at, ExprKind::Const(V::Bool(true))),
            },
            P::MatchMapping(m) => {
                let keys = m.keys.iter().map(|k| self.expr_fixed(k)).collect::<R<Vec<_>>>()?;
                // Literal keys twice (equal values: `1` and `1.0`): CPython's compile-time error.
                let mut seen: Vec<crate::py::value::HKey> = Vec::new();
                for k in &keys {
                    let ExprKind::Const(v) = &*k.kind else { continue };
                    let Ok(h) = v.hkey() else { continue };
                    if seen.contains(&h) {
                        return Err(self.syntax_at(at, format!("mapping pattern checks duplicate key ({})", v.repr())));
                    }
                    seen.push(h);
                }
                let keys = self.mk(at, ExprKind::Tuple(keys));
                let rest = self.mk(at, ExprKind::Const(V::Bool(m.rest.is_some())));
                // The keys are evaluated only once the subject is known to be a mapping.
                let n_keys = self.int(at, m.keys.len() as i64);
                let is_map = self.match_call(at, Builtin::MatchIsMap, vec![subj.clone(), n_keys]);
                let call = self.match_call(at, Builtin::MatchMap, vec![subj, keys, rest]);
                let (test, t) = self.parts(at, call);
                let subs: Vec<&ast::Pattern> = m.patterns.iter().collect();
                let mut e = self.and_parts(at, vec![is_map, test], &t, &subs)?;
                if let Some(r) = &m.rest {
                    let item = self.part(at, &t, m.patterns.len());
                    let bind = self.capture(at, r.as_str(), item);
                    e = self.mk(at, ExprKind::And(vec![e, bind]));
                }
                e
            }
            P::MatchClass(c) => {
                for (k, kw) in c.arguments.keywords.iter().enumerate() {
                    if c.arguments.keywords[..k].iter().any(|o| o.attr.as_str() == kw.attr.as_str()) {
                        return Err(self.syntax_at(
                            kw.attr.range.start(),
                            format!("attribute name repeated in class pattern: {}", kw.attr.as_str()),
                        ));
                    }
                }
                let cls = self.expr_fixed(&c.cls)?;
                let n_pos = c.arguments.patterns.len() as i64;
                let kws: Vec<Expr> = c
                    .arguments
                    .keywords
                    .iter()
                    .map(|k| self.mk(at, ExprKind::Const(V::str(k.attr.as_str()))))
                    .collect();
                let kws = self.mk(at, ExprKind::Tuple(kws));
                let call = self.match_call(at, Builtin::MatchClass, vec![subj, cls, self.int(at, n_pos), kws]);
                let (test, t) = self.parts(at, call);
                let subs: Vec<&ast::Pattern> =
                    c.arguments.patterns.iter().chain(c.arguments.keywords.iter().map(|k| &k.pattern)).collect();
                self.and_parts(at, vec![test], &t, &subs)?
            }
        })
    }
}
