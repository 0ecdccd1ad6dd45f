//! Lowering `try … except*` (PEP 654) to a plain `try`: one `except BaseException` whose
//! body hands what is left of the exception to each clause in turn (split by its type, by
//! a hidden built-in), runs the clause's body on the part that matched (collecting what it
//! raises), and at the end raises what CPython raises ([`crate::py::excgroup::star_end`]).

use super::*;

/// Where a body would leave an `except*` block with `break`, `continue` or `return` (not
/// counting a nested function, class, or a loop's own `break`/`continue`; a `return`
/// outside any function is that error instead, reported where it is lowered).
fn leaves_block(body: &[ast::Stmt], in_loop: bool, in_func: bool) -> Option<TextSize> {
    for s in body {
        let found = match s {
            ast::Stmt::Return(r) if in_func => Some(r.range.start()),
            ast::Stmt::Break(b) if !in_loop => Some(b.range.start()),
            ast::Stmt::Continue(c) if !in_loop => Some(c.range.start()),
            ast::Stmt::For(f) => {
                leaves_block(&f.body, true, in_func).or_else(|| leaves_block(&f.orelse, in_loop, in_func))
            }
            ast::Stmt::While(w) => {
                leaves_block(&w.body, true, in_func).or_else(|| leaves_block(&w.orelse, in_loop, in_func))
            }
            ast::Stmt::If(i) => leaves_block(&i.body, in_loop, in_func)
                .or_else(|| i.elif_else_clauses.iter().find_map(|c| leaves_block(&c.body, in_loop, in_func))),
            ast::Stmt::With(w) => leaves_block(&w.body, in_loop, in_func),
            ast::Stmt::Try(t) => leaves_block(&t.body, in_loop, in_func)
                .or_else(|| {
                    t.handlers
                        .iter()
                        .find_map(|ast::ExceptHandler::ExceptHandler(h)| leaves_block(&h.body, in_loop, in_func))
                })
                .or_else(|| leaves_block(&t.orelse, in_loop, in_func))
                .or_else(|| leaves_block(&t.finalbody, in_loop, in_func)),
            ast::Stmt::Match(m) => m.cases.iter().find_map(|c| leaves_block(&c.body, in_loop, in_func)),
            _ => None,
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

impl Lowerer<'_> {
    pub(crate) fn try_star(&mut self, t: &ast::StmtTry, line: u32) -> R<StmtKind> {
        let in_func = self.scopes.last().is_some_and(|s| s.kind == ScopeKind::Function);
        for ast::ExceptHandler::ExceptHandler(h) in &t.handlers {
            if let Some(at) = leaves_block(&h.body, false, in_func) {
                let (l, c) = self.pos(at);
                return Err(CompileError::syntax(
                    l,
                    c,
                    "'break', 'continue' and 'return' cannot appear in an except* block".into(),
                ));
            }
        }
        let body = self.block(&t.body)?;
        let at = t.range.start();
        let (exc, exc_n) = self.hidden_temp();
        let (rest, rest_n) = self.hidden_temp();
        let (matched, matched_n) = self.hidden_temp();
        let (raised, raised_n) = self.hidden_temp();
        let load = |me: &Self, n: &Name, s: &Arc<str>| me.mk(at, ExprKind::Name(n.clone(), s.clone()));
        let store = |n: &Name, s: &Arc<str>| Target::Name(n.clone(), s.clone());
        let st = |line: u32, kind: StmtKind| Stmt { line, kind };
        let base = Name::Global(self.global_slot("BaseException"), None);
        let base_n: Arc<str> = Arc::from("BaseException");
        let hidden = |me: &Self, b: Builtin, args: Vec<Expr>| {
            let f = me.mk(at, ExprKind::Const(V::Builtin(b)));
            me.mk(at, ExprKind::Call(f, args.into_iter().map(Arg::Pos).collect()))
        };
        let append = |me: &Self, list: Expr, x: Expr| {
            let m = me.mk(at, ExprKind::Attr(list, Arc::from("append")));
            me.mk(at, ExprKind::Call(m, vec![Arg::Pos(x)]))
        };
        let mut out = vec![
            st(line, StmtKind::Assign(vec![store(&rest, &rest_n)], load(self, &exc, &exc_n))),
            st(line, StmtKind::Assign(vec![store(&matched, &matched_n)], self.mk(at, ExprKind::List(Vec::new())))),
            st(line, StmtKind::Assign(vec![store(&raised, &raised_n)], self.mk(at, ExprKind::List(Vec::new())))),
        ];
        for ast::ExceptHandler::ExceptHandler(h) in &t.handlers {
            let hl = self.line(h.range.start());
            let Some(ty) = &h.type_ else {
                let (l, c) = self.pos(h.range.start());
                return Err(CompileError::syntax(l, c, "expected one or more exception types".into()));
            };
            let ty = self.expr_fixed(ty)?;
            let (m, m_n) = self.hidden_temp();
            let split = hidden(self, Builtin::ExcStarSplit, vec![load(self, &rest, &rest_n), ty]);
            out.push(st(hl, StmtKind::Assign(vec![store(&m, &m_n)], split)));
            let item = |me: &Self, i: i64| {
                let ix = me.mk(at, ExprKind::Const(V::Int(i)));
                me.mk(at, ExprKind::Subscript(load(me, &m, &m_n), ix))
            };
            let none = self.mk(at, ExprKind::Const(V::None));
            let test = self.mk(at, ExprKind::Compare(item(self, 0), vec![(CmpOp::IsNot, none)]));
            let mut inner = Vec::new();
            let mut after = vec![st(hl, StmtKind::Expr(hidden(self, Builtin::ExcStarLeave, Vec::new())))];
            if let Some(n) = &h.name {
                inner.push(st(hl, StmtKind::Assign(vec![self.name_target(n.as_str())], item(self, 0))));
                // As after `except … as n`: the name is gone once the clause is done (quietly,
                // if the clause deleted it itself).
                let quiet = Handler {
                    ty: Some(load(self, &base, &base_n)),
                    name: None,
                    body: vec![st(hl, StmtKind::Pass)],
                    line: hl,
                };
                after.push(st(
                    hl,
                    StmtKind::Try {
                        body: vec![st(hl, StmtKind::Delete(vec![self.name_target(n.as_str())]))],
                        handlers: vec![quiet],
                        orelse: Vec::new(),
                        finally: Vec::new(),
                    },
                ));
            }
            inner.extend(self.block(&h.body)?);
            let (x, x_n) = self.hidden_temp();
            let collect = Handler {
                ty: Some(load(self, &base, &base_n)),
                name: Some(store(&x, &x_n)),
                body: vec![st(hl, StmtKind::Expr(append(self, load(self, &raised, &raised_n), load(self, &x, &x_n))))],
                line: hl,
            };
            let enter = hidden(self, Builtin::ExcStarEnter, vec![item(self, 0)]);
            let then = vec![
                st(hl, StmtKind::Assign(vec![store(&rest, &rest_n)], item(self, 1))),
                st(hl, StmtKind::Expr(append(self, load(self, &matched, &matched_n), item(self, 0)))),
                st(hl, StmtKind::Expr(enter)),
                st(hl, StmtKind::Try { body: inner, handlers: vec![collect], orelse: Vec::new(), finally: after }),
            ];
            out.push(st(hl, StmtKind::If(test, then, Vec::new())));
        }
        let end = hidden(
            self,
            Builtin::ExcStarEnd,
            vec![
                load(self, &exc, &exc_n),
                load(self, &rest, &rest_n),
                load(self, &matched, &matched_n),
                load(self, &raised, &raised_n),
            ],
        );
        out.push(st(line, StmtKind::Expr(end)));
        let handler =
            Handler { ty: Some(load(self, &base, &base_n)), name: Some(store(&exc, &exc_n)), body: out, line };
        Ok(StmtKind::Try {
            body,
            handlers: vec![handler],
            orelse: self.block(&t.orelse)?,
            finally: self.block(&t.finalbody)?,
        })
    }
}
