//! Statements: each `ast::Stmt` into blocks, with the unwinding `return`, `break` and
//! `continue` do through the enclosing loops, `try`s and `with`s.

use super::super::CodeObject;
use super::super::flow::{self, Const};
use super::super::symtable::{Kind, mangle};
use super::fold::{binop_arg, fold};
use super::{FBlock, Gen, NameCtx, R, Unit, docstring, find_ann, unsupported};
use ruff_python_ast::{self as ast};
use ruff_text_size::Ranged;

impl<'a, 't> Gen<'a, 't> {
    // ------------------------------------------------------------ statements

    pub(super) fn stmts(&mut self, body: &'a [ast::Stmt]) -> R {
        for s in body {
            self.stmt(s)?;
        }
        Ok(())
    }

    pub(super) fn stmt(&mut self, s: &'a ast::Stmt) -> R {
        // A decorated def or class is at its keyword's line, not its first decorator's.
        let at = match s {
            ast::Stmt::FunctionDef(f) => f.name.range().start(),
            ast::Stmt::ClassDef(c) => c.name.range().start(),
            _ => s.range().start(),
        };
        self.set_line(at);
        let line = self.line_of(at);
        match s {
            ast::Stmt::FunctionDef(f) => self.function_def(f, s)?,
            ast::Stmt::ClassDef(c) => self.class_def(c, s)?,
            ast::Stmt::Return(r) => self.return_(r, line)?,
            ast::Stmt::Delete(d) => {
                for t in &d.targets {
                    self.target(t, NameCtx::Del)?;
                }
            }
            ast::Stmt::Assign(a) => {
                self.expr(&a.value)?;
                let n = a.targets.len();
                for (i, t) in a.targets.iter().enumerate() {
                    if i + 1 < n {
                        self.addop_i("COPY", 1);
                    }
                    self.target(t, NameCtx::Store)?;
                }
            }
            ast::Stmt::AugAssign(a) => self.aug_assign(a)?,
            ast::Stmt::AnnAssign(a) => {
                if let Some(v) = &a.value {
                    self.expr(v)?;
                    self.target(&a.target, NameCtx::Store)?;
                }
                let stores = matches!(self.u().kind, Kind::Module | Kind::Class);
                match &*a.target {
                    ast::Expr::Name(n) if a.simple && stores => {
                        if self.future_annotations {
                            return unsupported(line, "annotations under 'from __future__ import annotations'");
                        }
                        self.expr(&a.annotation)?;
                        self.u().line = Some(line);
                        self.addop_name("LOAD_NAME", "__annotations__");
                        let m = mangle(self.u().private.as_deref(), n.id.as_str());
                        self.load_const(Const::Str(m));
                        self.addop("STORE_SUBSCR");
                    }
                    ast::Expr::Name(_) => {}
                    ast::Expr::Attribute(at) if a.value.is_none() => {
                        self.expr(&at.value)?;
                        self.addop("POP_TOP");
                    }
                    ast::Expr::Attribute(_) => {}
                    _ => return unsupported(line, "this annotated assignment"),
                }
            }
            ast::Stmt::For(f) => {
                if f.is_async {
                    self.async_for(f)?;
                } else {
                    self.for_(f)?;
                }
            }
            ast::Stmt::While(w) => self.while_(w)?,
            ast::Stmt::If(i) => self.if_(&i.test, &i.body, &i.elif_else_clauses)?,
            ast::Stmt::With(w) => self.with(w, 0, line)?,
            ast::Stmt::Raise(r) => {
                let mut n = 0;
                if let Some(e) = &r.exc {
                    self.expr(e)?;
                    n = 1;
                    if let Some(c) = &r.cause {
                        self.expr(c)?;
                        n = 2;
                    }
                }
                self.addop_i("RAISE_VARARGS", n);
                self.next_block();
            }
            ast::Stmt::Try(t) => {
                if t.is_star {
                    return unsupported(line, "except*");
                }
                if !t.finalbody.is_empty() {
                    self.try_finally(t)?;
                } else {
                    self.try_except(t)?;
                }
            }
            ast::Stmt::Assert(a) => {
                let end = self.new_block();
                self.jump_if(&a.test, end, true)?;
                self.addop("LOAD_ASSERTION_ERROR");
                if let Some(m) = &a.msg {
                    self.expr(m)?;
                    self.addop_i("PRECALL", 0);
                    self.addop_i("CALL", 0);
                }
                self.addop_i("RAISE_VARARGS", 1);
                self.use_next_block(end);
            }
            ast::Stmt::Import(i) => {
                for a in &i.names {
                    self.load_const(Const::Int("0".into()));
                    self.load_const(Const::None);
                    self.addop_name("IMPORT_NAME", a.name.as_str());
                    match &a.asname {
                        Some(asname) => {
                            let parts: Vec<&str> = a.name.split('.').collect();
                            if parts.len() > 1 {
                                for (k, p) in parts[1..].iter().enumerate() {
                                    self.addop_name("IMPORT_FROM", p);
                                    if k + 2 < parts.len() {
                                        self.addop_i("SWAP", 2);
                                        self.addop("POP_TOP");
                                    }
                                }
                                self.nameop(asname.as_str(), NameCtx::Store);
                                self.addop("POP_TOP");
                            } else {
                                self.nameop(asname.as_str(), NameCtx::Store);
                            }
                        }
                        None => {
                            let first = a.name.split('.').next().unwrap_or("").to_owned();
                            self.nameop(&first, NameCtx::Store);
                        }
                    }
                }
            }
            ast::Stmt::ImportFrom(i) => {
                self.load_const(Const::Int(i.level.to_string()));
                let names: Vec<Const> = i.names.iter().map(|a| Const::Str(a.name.to_string())).collect();
                self.load_const(Const::Tuple(names));
                let module = i.module.as_ref().map_or_else(String::new, |m| m.to_string());
                self.addop_name("IMPORT_NAME", &module);
                if i.names.len() == 1 && i.names[0].name.as_str() == "*" {
                    self.addop("IMPORT_STAR");
                } else {
                    for a in &i.names {
                        self.addop_name("IMPORT_FROM", a.name.as_str());
                        let store = a.asname.as_ref().map_or_else(|| a.name.to_string(), |x| x.to_string());
                        self.nameop(&store, NameCtx::Store);
                    }
                    self.addop("POP_TOP");
                }
            }
            ast::Stmt::Global(_) | ast::Stmt::Nonlocal(_) => {}
            ast::Stmt::Expr(e) => {
                if fold(&e.value).is_some() {
                    self.addop("NOP");
                } else {
                    self.expr(&e.value)?;
                    // The POP_TOP is artificial: it takes the line of what came before.
                    self.u().line = None;
                    self.addop("POP_TOP");
                }
            }
            ast::Stmt::Pass(_) => self.addop("NOP"),
            ast::Stmt::Break(_) => {
                // An instruction with the statement's line, whatever the unwinding adds.
                self.addop("NOP");
                let (exit, for_loop) = self.unwind_to_loop(line)?;
                if for_loop {
                    self.addop("POP_TOP");
                }
                self.jump("JUMP", exit);
            }
            ast::Stmt::Continue(_) => {
                self.addop("NOP");
                let start = self.continue_target(line)?;
                self.jump("JUMP", start);
            }
            ast::Stmt::Match(_) => return unsupported(line, "match"),
            ast::Stmt::TypeAlias(_) => return unsupported(line, "a type alias"),
            ast::Stmt::IpyEscapeCommand(_) => return unsupported(line, "an IPython escape"),
        }
        Ok(())
    }

    pub(super) fn function_def(&mut self, f: &'a ast::StmtFunctionDef, s: &'a ast::Stmt) -> R {
        let line = self.line_of(f.name.range().start());
        for d in &f.decorator_list {
            self.set_line(d.range().start());
            self.expr(&d.expression)?;
        }
        self.u().line = Some(line);
        let mut flags = self.defaults(&f.parameters)?;
        if self.annotations(&f.parameters, f.returns.as_deref(), line)? {
            flags |= 4;
        }
        let scope = self.table.scope_of(s);
        let first_line = f.decorator_list.first().map_or(line, |d| self.line_of(d.range().start()));
        let qualname = self.qualname(f.name.as_str());
        self.enter(scope, Kind::Function, f.name.to_string(), qualname, first_line);
        let mut body: &'a [ast::Stmt] = &f.body;
        match docstring(body) {
            Some((doc, rest)) => {
                self.add_const(Const::Str(doc));
                body = rest;
            }
            None => {
                self.add_const(Const::None);
            }
        }
        let r = self.stmts(body);
        let unit = self.finish(r);
        self.make_closure(unit, flags);
        self.apply_decorators(&f.decorator_list);
        self.u().line = Some(line);
        self.nameop(f.name.as_str(), NameCtx::Store);
        Ok(())
    }

    pub(super) fn qualname(&self, name: &str) -> String {
        let mut parts = Vec::new();
        for u in self.units.iter().skip(1) {
            parts.push(u.name.clone());
            if matches!(u.kind, Kind::Function | Kind::Lambda) {
                parts.push("<locals>".into());
            }
        }
        parts.push(name.to_owned());
        parts.join(".")
    }

    pub(super) fn apply_decorators(&mut self, decs: &'a [ast::Decorator]) {
        for d in decs.iter().rev() {
            self.set_line(d.range().start());
            self.addop_i("PRECALL", 0);
            self.addop_i("CALL", 0);
        }
    }

    /// A function's annotations as a tuple of name, value pairs (CPython's order: positional,
    /// positional-only, `*args`, keyword-only, `**kwargs`, `return`); whether any were pushed.
    pub(super) fn annotations(
        &mut self,
        p: &'a ast::Parameters,
        returns: Option<&'a ast::Expr>,
        line: u32,
    ) -> Result<bool, (u32, String)> {
        if self.future_annotations && (p.iter().any(|a| a.annotation().is_some()) || returns.is_some()) {
            return unsupported(line, "annotations under 'from __future__ import annotations'");
        }
        let mut pairs: Vec<(&str, &'a ast::Expr)> = Vec::new();
        for a in p.args.iter().chain(p.posonlyargs.iter()) {
            if let Some(ann) = a.parameter.annotation.as_deref() {
                pairs.push((a.parameter.name.as_str(), ann));
            }
        }
        if let Some(v) = &p.vararg
            && let Some(ann) = v.annotation.as_deref()
        {
            pairs.push((v.name.as_str(), ann));
        }
        for a in &p.kwonlyargs {
            if let Some(ann) = a.parameter.annotation.as_deref() {
                pairs.push((a.parameter.name.as_str(), ann));
            }
        }
        if let Some(k) = &p.kwarg
            && let Some(ann) = k.annotation.as_deref()
        {
            pairs.push((k.name.as_str(), ann));
        }
        if let Some(r) = returns {
            pairs.push(("return", r));
        }
        if pairs.is_empty() {
            return Ok(false);
        }
        for (name, ann) in &pairs {
            if matches!(ann, ast::Expr::Starred(_)) {
                return unsupported(line, "a starred annotation");
            }
            let m = mangle(self.u().private.as_deref(), name);
            self.load_const(Const::Str(m));
            self.expr(ann)?;
        }
        self.u().line = Some(line);
        self.addop_i("BUILD_TUPLE", 2 * pairs.len() as u32);
        Ok(true)
    }

    /// Positional and keyword-only defaults: the flags for `MAKE_FUNCTION`.
    pub(super) fn defaults(&mut self, p: &'a ast::Parameters) -> Result<u32, (u32, String)> {
        let mut flags = 0;
        let pos: Vec<&ast::Expr> =
            p.posonlyargs.iter().chain(p.args.iter()).filter_map(|a| a.default.as_deref()).collect();
        if !pos.is_empty() {
            for d in &pos {
                self.expr(d)?;
            }
            self.addop_i("BUILD_TUPLE", pos.len() as u32);
            flags |= 1;
        }
        let kw: Vec<(&str, &ast::Expr)> =
            p.kwonlyargs.iter().filter_map(|a| a.default.as_deref().map(|d| (a.parameter.name.as_str(), d))).collect();
        if !kw.is_empty() {
            for (_, d) in &kw {
                self.expr(d)?;
            }
            self.load_const(Const::Tuple(kw.iter().map(|(n, _)| Const::Str((*n).to_owned())).collect()));
            self.addop_i("BUILD_CONST_KEY_MAP", kw.len() as u32);
            flags |= 2;
        }
        Ok(flags)
    }

    /// Push the closure and the code object, then `MAKE_FUNCTION`.
    pub(super) fn make_closure(&mut self, unit: Unit<'a>, mut flags: u32) {
        let frees = unit.freevars.clone();
        let idx = self.codes.len();
        self.codes.push(CodeObject {
            name: String::new(),
            first_line: 0,
            instrs: Vec::new(),
            exceptions: Vec::new(),
            children: Vec::new(),
            unsupported: None,
        });
        let code = flow::assemble(unit);
        self.codes[idx] = code;
        if !frees.is_empty() {
            for n in &frees {
                let arg = self.deref_arg(n);
                self.emit("LOAD_CLOSURE", arg, None);
            }
            self.addop_i("BUILD_TUPLE", frees.len() as u32);
            flags |= 8;
        }
        self.load_const(Const::Code(idx));
        self.addop_i("MAKE_FUNCTION", flags);
    }

    pub(super) fn class_def(&mut self, c: &'a ast::StmtClassDef, s: &'a ast::Stmt) -> R {
        let line = self.line_of(c.name.range().start());
        for d in &c.decorator_list {
            self.set_line(d.range().start());
            self.expr(&d.expression)?;
        }
        self.u().line = Some(line);
        let first_line = c.decorator_list.first().map_or(line, |d| self.line_of(d.range().start()));
        let scope = self.table.scope_of(s);
        let qualname = self.qualname(c.name.as_str());
        self.enter(scope, Kind::Class, c.name.to_string(), qualname.clone(), first_line);
        self.nameop("__name__", NameCtx::Load);
        self.nameop("__module__", NameCtx::Store);
        self.load_const(Const::Str(qualname));
        self.nameop("__qualname__", NameCtx::Store);
        let mut body: &'a [ast::Stmt] = &c.body;
        let mut r = Ok(());
        if find_ann(body) {
            self.addop("SETUP_ANNOTATIONS");
        }
        if let Some((doc, rest)) = docstring(body) {
            self.set_line(body[0].range().start());
            self.load_const(Const::Str(doc));
            self.nameop("__doc__", NameCtx::Store);
            body = rest;
        }
        if r.is_ok() {
            r = self.stmts(body);
        }
        if r.is_ok() {
            self.u().line = None;
            if self.table.scopes[scope].class_cell {
                let arg = self.deref_arg("__class__");
                self.emit("LOAD_CLOSURE", arg, None);
                self.addop_i("COPY", 1);
                self.nameop("__classcell__", NameCtx::Store);
            } else {
                self.load_const(Const::None);
            }
            self.addop("RETURN_VALUE");
        }
        let unit = self.finish(r);
        self.u().line = Some(line);
        self.addop("PUSH_NULL");
        self.addop("LOAD_BUILD_CLASS");
        self.make_closure(unit, 0);
        self.load_const(Const::Str(c.name.to_string()));
        let (args, kws): (&'a [ast::Expr], &'a [ast::Keyword]) = match &c.arguments {
            Some(a) => (&a.args, &a.keywords),
            None => (&[], &[]),
        };
        self.call_helper(2, args, kws, line)?;
        self.apply_decorators(&c.decorator_list);
        self.u().line = Some(line);
        self.nameop(c.name.as_str(), NameCtx::Store);
        Ok(())
    }

    pub(super) fn return_(&mut self, r: &'a ast::StmtReturn, line: u32) -> R {
        if !self.table.scopes[self.u().scope].is_function() {
            return unsupported(line, "'return' outside function");
        }
        let value = r.value.as_deref();
        let folded = value.and_then(fold);
        let preserve = value.is_some() && folded.is_none();
        if preserve {
            self.expr(value.expect("a value"))?;
        } else if let Some(v) = value {
            self.set_line(v.range().start());
            self.addop("NOP");
        }
        let vline = value.map(|v| self.line_of(v.range().start()));
        if vline != Some(line) {
            self.u().line = Some(line);
            self.addop("NOP");
        }
        self.unwind_all(preserve)?;
        match folded {
            Some(c) => self.load_const(c),
            None if value.is_none() => self.load_const(Const::None),
            None => {}
        }
        self.addop("RETURN_VALUE");
        self.next_block();
        Ok(())
    }

    pub(super) fn unwind_one(&mut self, fb: &FBlock<'a>, preserve: bool) -> R {
        match fb {
            FBlock::While { .. } | FBlock::ExceptionHandler => {}
            FBlock::For { .. } => {
                if preserve {
                    self.addop_i("SWAP", 2);
                }
                self.addop("POP_TOP");
            }
            FBlock::TryExcept => self.addop("POP_BLOCK"),
            FBlock::FinallyTry(body) => {
                self.addop("POP_BLOCK");
                if preserve {
                    self.u().fblocks.push(FBlock::PopValue);
                }
                self.stmts(body)?;
                if preserve {
                    self.u().fblocks.pop();
                }
                // The finally block appears to run after the statement that unwinds.
                self.u().line = None;
            }
            FBlock::FinallyEnd => {
                if preserve {
                    self.addop_i("SWAP", 2);
                }
                self.addop("POP_TOP");
                if preserve {
                    self.addop_i("SWAP", 2);
                }
                self.addop("POP_BLOCK");
                self.addop("POP_EXCEPT");
            }
            FBlock::With(wline, is_async) => {
                self.u().line = Some(*wline);
                self.addop("POP_BLOCK");
                if preserve {
                    self.addop_i("SWAP", 2);
                }
                self.call_exit_with_nones();
                if *is_async {
                    self.addop_i("GET_AWAITABLE", 2);
                    self.load_const(Const::None);
                    self.yield_from(true);
                }
                self.addop("POP_TOP");
                // The exit appears to run after the statement that unwinds.
                self.u().line = None;
            }
            FBlock::HandlerCleanup(name) => {
                if name.is_some() {
                    self.addop("POP_BLOCK");
                }
                if preserve {
                    self.addop_i("SWAP", 2);
                }
                self.addop("POP_BLOCK");
                self.addop("POP_EXCEPT");
                if let Some(n) = name {
                    self.load_const(Const::None);
                    self.nameop(n, NameCtx::Store);
                    self.nameop(n, NameCtx::Del);
                }
            }
            FBlock::PopValue => {
                if preserve {
                    self.addop_i("SWAP", 2);
                }
                self.addop("POP_TOP");
            }
        }
        Ok(())
    }

    pub(super) fn unwind_all(&mut self, preserve: bool) -> R {
        let saved = self.u().fblocks.clone();
        while let Some(fb) = self.u().fblocks.pop() {
            self.unwind_one(&fb, preserve)?;
        }
        self.u().fblocks = saved;
        Ok(())
    }

    /// Unwind to the innermost loop: its exit, and whether it is a `for` (whose iterator
    /// must be popped).
    pub(super) fn unwind_to_loop(&mut self, line: u32) -> Result<(usize, bool), (u32, String)> {
        let saved = self.u().fblocks.clone();
        let mut found = None;
        while let Some(fb) = self.u().fblocks.pop() {
            match fb {
                FBlock::While { exit, .. } => {
                    found = Some((exit, false));
                    break;
                }
                FBlock::For { exit, .. } => {
                    found = Some((exit, true));
                    break;
                }
                other => self.unwind_one(&other, false)?,
            }
        }
        self.u().fblocks = saved;
        found.ok_or((line, "'break' outside loop".into()))
    }

    pub(super) fn continue_target(&mut self, line: u32) -> Result<usize, (u32, String)> {
        let saved = self.u().fblocks.clone();
        let mut found = None;
        while let Some(fb) = self.u().fblocks.pop() {
            match fb {
                FBlock::While { start, .. } | FBlock::For { start, .. } => {
                    found = Some(start);
                    break;
                }
                other => self.unwind_one(&other, false)?,
            }
        }
        self.u().fblocks = saved;
        found.ok_or((line, "'continue' not properly in loop".into()))
    }

    pub(super) fn call_exit_with_nones(&mut self) {
        self.load_const(Const::None);
        self.load_const(Const::None);
        self.load_const(Const::None);
        self.addop_i("PRECALL", 2);
        self.addop_i("CALL", 2);
    }

    pub(super) fn aug_assign(&mut self, a: &'a ast::StmtAugAssign) -> R {
        let op = binop_arg(a.op) + 13;
        match &*a.target {
            ast::Expr::Name(n) => {
                self.nameop(n.id.as_str(), NameCtx::Load);
                self.expr(&a.value)?;
                self.set_line(a.range().start());
                self.addop_i("BINARY_OP", op);
                self.nameop(n.id.as_str(), NameCtx::Store);
            }
            ast::Expr::Attribute(at) => {
                self.expr(&at.value)?;
                self.addop_i("COPY", 1);
                self.addop_name("LOAD_ATTR", at.attr.as_str());
                self.expr(&a.value)?;
                self.set_line(a.range().start());
                self.addop_i("BINARY_OP", op);
                self.addop_i("SWAP", 2);
                self.addop_name("STORE_ATTR", at.attr.as_str());
            }
            ast::Expr::Subscript(sub) => {
                self.expr(&sub.value)?;
                self.slice_or_index(&sub.slice)?;
                self.addop_i("COPY", 2);
                self.addop_i("COPY", 2);
                self.addop("BINARY_SUBSCR");
                self.expr(&a.value)?;
                self.set_line(a.range().start());
                self.addop_i("BINARY_OP", op);
                self.addop_i("SWAP", 3);
                self.addop_i("SWAP", 2);
                self.addop("STORE_SUBSCR");
            }
            _ => return unsupported(self.line_of(a.range().start()), "this augmented assignment"),
        }
        Ok(())
    }

    pub(super) fn target(&mut self, t: &'a ast::Expr, ctx: NameCtx) -> R {
        let line = self.line_of(t.range().start());
        let saved = self.u().line;
        self.u().line = Some(line);
        match t {
            ast::Expr::Name(n) => self.nameop(n.id.as_str(), ctx),
            ast::Expr::Attribute(a) => {
                self.expr(&a.value)?;
                self.u().line = Some(line);
                self.addop_name(if ctx == NameCtx::Store { "STORE_ATTR" } else { "DELETE_ATTR" }, a.attr.as_str());
            }
            ast::Expr::Subscript(s) => {
                self.expr(&s.value)?;
                self.slice_or_index(&s.slice)?;
                self.u().line = Some(line);
                self.addop(if ctx == NameCtx::Store { "STORE_SUBSCR" } else { "DELETE_SUBSCR" });
            }
            ast::Expr::Tuple(ast::ExprTuple { elts, .. }) | ast::Expr::List(ast::ExprList { elts, .. }) => {
                if ctx == NameCtx::Del {
                    for e in elts {
                        self.target(e, ctx)?;
                    }
                } else {
                    if elts.iter().any(|e| matches!(e, ast::Expr::Starred(_))) {
                        return unsupported(line, "starred assignment");
                    }
                    self.addop_i("UNPACK_SEQUENCE", elts.len() as u32);
                    for e in elts {
                        self.target(e, ctx)?;
                    }
                }
            }
            _ => return unsupported(line, "this assignment target"),
        }
        self.u().line = saved;
        Ok(())
    }

    pub(super) fn if_(&mut self, test: &'a ast::Expr, body: &'a [ast::Stmt], clauses: &'a [ast::ElifElseClause]) -> R {
        let end = self.new_block();
        let next = if clauses.is_empty() { end } else { self.new_block() };
        self.jump_if(test, next, false)?;
        self.stmts(body)?;
        if let Some((first, rest)) = clauses.split_first() {
            self.jump_noline("JUMP", end);
            self.use_next_block(next);
            match &first.test {
                Some(t) => {
                    self.set_line(first.range().start());
                    // elif: CPython's AST nests it as an If in orelse; its line is the elif's.
                    self.set_line(t.range().start());
                    let l = self.line_of(first.range().start());
                    self.u().line = Some(l);
                    self.if_(t, &first.body, rest)?;
                }
                None => self.stmts(&first.body)?,
            }
        }
        self.use_next_block(end);
        Ok(())
    }

    pub(super) fn while_(&mut self, w: &'a ast::StmtWhile) -> R {
        let line = self.line_of(w.range().start());
        let lp = self.new_block();
        let body = self.new_block();
        let anchor = self.new_block();
        let end = self.new_block();
        self.use_next_block(lp);
        self.u().fblocks.push(FBlock::While { start: lp, exit: end });
        self.jump_if(&w.test, anchor, false)?;
        self.use_next_block(body);
        self.stmts(&w.body)?;
        self.u().line = Some(line);
        self.jump_if(&w.test, body, true)?;
        self.u().fblocks.pop();
        self.use_next_block(anchor);
        self.stmts(&w.orelse)?;
        self.use_next_block(end);
        Ok(())
    }

    pub(super) fn for_(&mut self, f: &'a ast::StmtFor) -> R {
        let line = self.line_of(f.range().start());
        let start = self.new_block();
        let body = self.new_block();
        let cleanup = self.new_block();
        let end = self.new_block();
        self.u().fblocks.push(FBlock::For { start, exit: end });
        self.iterable(&f.iter)?;
        self.u().line = Some(line);
        self.addop("GET_ITER");
        self.use_next_block(start);
        self.jump("FOR_ITER", cleanup);
        self.use_next_block(body);
        self.target(&f.target, NameCtx::Store)?;
        self.stmts(&f.body)?;
        self.jump_noline("JUMP", start);
        self.use_next_block(cleanup);
        self.u().fblocks.pop();
        self.stmts(&f.orelse)?;
        self.use_next_block(end);
        Ok(())
    }

    /// An iterable: a list or set display of constants becomes a tuple constant (CPython's
    /// AST optimizer, `fold_iter`).
    pub(super) fn iterable(&mut self, e: &'a ast::Expr) -> R {
        if let ast::Expr::List(l) = e
            && !l.elts.iter().any(|x| matches!(x, ast::Expr::Starred(_)))
        {
            let saved = self.u().line;
            self.set_line(e.range().start());
            match l.elts.iter().map(fold).collect::<Option<Vec<_>>>() {
                Some(items) => self.load_const(Const::Tuple(items)),
                None => self.starunpack(&l.elts, "BUILD_LIST", "LIST_EXTEND", true, self.line_of(e.range().start()))?,
            }
            self.u().line = saved;
            return Ok(());
        }
        // A set display of constants is a frozenset constant (CPython's fold_iter).
        if let ast::Expr::Set(st) = e
            && let Some(items) = st.elts.iter().map(fold).collect::<Option<Vec<_>>>()
        {
            let line = self.line_of(e.range().start());
            let Some(set) = flow::frozenset(items) else {
                return unsupported(
                    line,
                    "a set of constants whose order in CPython depends on PYTHONHASHSEED (strings, None)",
                );
            };
            let saved = self.u().line;
            self.u().line = Some(line);
            self.load_const(set);
            self.u().line = saved;
            return Ok(());
        }
        self.expr(e)
    }

    /// A comparator: the right side of `in` / `not in` is an iterable (a list display
    /// becomes a tuple).
    pub(super) fn comparator(&mut self, e: &'a ast::Expr, op: ast::CmpOp) -> R {
        if matches!(op, ast::CmpOp::In | ast::CmpOp::NotIn) { self.iterable(e) } else { self.expr(e) }
    }

    pub(super) fn with(&mut self, w: &'a ast::StmtWith, pos: usize, line: u32) -> R {
        let item = &w.items[pos];
        let block = self.new_block();
        let final_ = self.new_block();
        let exit = self.new_block();
        let cleanup = self.new_block();
        let is_async = w.is_async;
        self.expr(&item.context_expr)?;
        self.u().line = Some(line);
        if is_async {
            self.addop("BEFORE_ASYNC_WITH");
            self.addop_i("GET_AWAITABLE", 1);
            self.load_const(Const::None);
            self.yield_from(true);
        } else {
            self.addop("BEFORE_WITH");
        }
        self.jump("SETUP_WITH", final_);
        self.use_next_block(block);
        self.u().fblocks.push(FBlock::With(line, is_async));
        match &item.optional_vars {
            Some(v) => self.target(v, NameCtx::Store)?,
            None => self.addop("POP_TOP"),
        }
        if pos + 1 == w.items.len() {
            self.stmts(&w.body)?;
        } else {
            self.with(w, pos + 1, line)?;
        }
        self.u().fblocks.pop();
        // 3.11 marks the end of a with body as artificial, but not an async with's.
        if is_async {
            self.addop("POP_BLOCK");
        } else {
            self.addop_noline("POP_BLOCK");
        }
        self.u().line = Some(line);
        self.call_exit_with_nones();
        if is_async {
            self.addop_i("GET_AWAITABLE", 2);
            self.load_const(Const::None);
            self.yield_from(true);
        }
        self.addop("POP_TOP");
        self.jump("JUMP", exit);
        self.use_next_block(final_);
        self.jump("SETUP_CLEANUP", cleanup);
        self.addop("PUSH_EXC_INFO");
        self.addop("WITH_EXCEPT_START");
        if is_async {
            self.addop_i("GET_AWAITABLE", 2);
            self.load_const(Const::None);
            self.yield_from(true);
        }
        // compiler_with_except_finish: what follows a with statement has no line.
        self.u().line = None;
        // compiler_with_except_finish
        let exit2 = self.new_block();
        self.jump("POP_JUMP_IF_TRUE", exit2);
        self.addop_i("RERAISE", 2);
        self.use_next_block(cleanup);
        self.pop_except_and_reraise();
        self.use_next_block(exit2);
        self.addop("POP_TOP");
        self.addop("POP_BLOCK");
        self.addop("POP_EXCEPT");
        self.addop("POP_TOP");
        self.addop("POP_TOP");
        self.use_next_block(exit);
        Ok(())
    }

    /// `SEND` / `YIELD_VALUE` / `RESUME` round a value until the sub-iterator or awaitable
    /// is done (CPython's `compiler_add_yield_from`).
    pub(super) fn yield_from(&mut self, is_await: bool) {
        let start = self.new_block();
        let resume = self.new_block();
        let exit = self.new_block();
        self.use_next_block(start);
        self.jump("SEND", exit);
        self.use_next_block(resume);
        self.addop("YIELD_VALUE");
        self.addop_i("RESUME", if is_await { 3 } else { 2 });
        self.jump("JUMP_NO_INTERRUPT", start);
        self.use_next_block(exit);
    }

    pub(super) fn async_for(&mut self, f: &'a ast::StmtFor) -> R {
        let start = self.new_block();
        let except = self.new_block();
        let end = self.new_block();
        self.expr(&f.iter)?;
        self.addop("GET_AITER");
        self.use_next_block(start);
        self.u().fblocks.push(FBlock::For { start, exit: end });
        self.jump("SETUP_FINALLY", except);
        self.addop("GET_ANEXT");
        self.load_const(Const::None);
        self.yield_from(true);
        self.addop("POP_BLOCK");
        self.target(&f.target, NameCtx::Store)?;
        self.stmts(&f.body)?;
        self.jump_noline("JUMP", start);
        self.u().fblocks.pop();
        self.use_next_block(except);
        self.set_line(f.iter.range().start());
        self.addop("END_ASYNC_FOR");
        self.stmts(&f.orelse)?;
        self.use_next_block(end);
        Ok(())
    }

    pub(super) fn pop_except_and_reraise(&mut self) {
        self.addop_i("COPY", 3);
        self.addop("POP_EXCEPT");
        self.addop_i("RERAISE", 1);
    }

    pub(super) fn try_except(&mut self, t: &'a ast::StmtTry) -> R {
        let body = self.new_block();
        let mut except = self.new_block();
        let end = self.new_block();
        let cleanup = self.new_block();
        self.jump("SETUP_FINALLY", except);
        self.use_next_block(body);
        self.u().fblocks.push(FBlock::TryExcept);
        self.stmts(&t.body)?;
        self.u().fblocks.pop();
        self.addop_noline("POP_BLOCK");
        self.stmts(&t.orelse)?;
        self.jump_noline("JUMP", end);
        self.use_next_block(except);
        self.u().line = None;
        self.jump("SETUP_CLEANUP", cleanup);
        self.addop("PUSH_EXC_INFO");
        self.u().fblocks.push(FBlock::ExceptionHandler);
        let n = t.handlers.len();
        for (i, h) in t.handlers.iter().enumerate() {
            let ast::ExceptHandler::ExceptHandler(h) = h;
            let hline = self.line_of(h.range().start());
            self.u().line = Some(hline);
            if h.type_.is_none() && i + 1 < n {
                return unsupported(hline, "default 'except:' must be last");
            }
            except = self.new_block();
            if let Some(ty) = &h.type_ {
                self.expr(ty)?;
                self.u().line = Some(hline);
                self.addop("CHECK_EXC_MATCH");
                self.jump("POP_JUMP_IF_FALSE", except);
            }
            match &h.name {
                Some(name) => {
                    let name = name.to_string();
                    let cleanup_end = self.new_block();
                    let cleanup_body = self.new_block();
                    self.nameop(&name, NameCtx::Store);
                    self.jump("SETUP_CLEANUP", cleanup_end);
                    self.use_next_block(cleanup_body);
                    self.u().fblocks.push(FBlock::HandlerCleanup(Some(name.clone())));
                    self.stmts(&h.body)?;
                    self.u().fblocks.pop();
                    self.u().line = None;
                    self.addop("POP_BLOCK");
                    self.addop("POP_BLOCK");
                    self.addop("POP_EXCEPT");
                    self.load_const(Const::None);
                    self.nameop(&name, NameCtx::Store);
                    self.nameop(&name, NameCtx::Del);
                    self.jump("JUMP", end);
                    self.use_next_block(cleanup_end);
                    self.u().line = None;
                    self.load_const(Const::None);
                    self.nameop(&name, NameCtx::Store);
                    self.nameop(&name, NameCtx::Del);
                    self.addop_i("RERAISE", 1);
                }
                None => {
                    let cleanup_body = self.new_block();
                    self.addop("POP_TOP");
                    self.use_next_block(cleanup_body);
                    self.u().fblocks.push(FBlock::HandlerCleanup(None));
                    self.stmts(&h.body)?;
                    self.u().fblocks.pop();
                    self.u().line = None;
                    self.addop("POP_BLOCK");
                    self.addop("POP_EXCEPT");
                    self.jump("JUMP", end);
                }
            }
            self.use_next_block(except);
        }
        self.u().line = None;
        self.u().fblocks.pop();
        self.addop_i("RERAISE", 0);
        self.use_next_block(cleanup);
        self.pop_except_and_reraise();
        self.use_next_block(end);
        Ok(())
    }

    pub(super) fn try_finally(&mut self, t: &'a ast::StmtTry) -> R {
        let body = self.new_block();
        let end = self.new_block();
        let exit = self.new_block();
        let cleanup = self.new_block();
        self.jump("SETUP_FINALLY", end);
        self.use_next_block(body);
        self.u().fblocks.push(FBlock::FinallyTry(&t.finalbody));
        if !t.handlers.is_empty() {
            self.try_except(t)?;
        } else {
            self.stmts(&t.body)?;
        }
        self.addop_noline("POP_BLOCK");
        self.u().fblocks.pop();
        self.stmts(&t.finalbody)?;
        self.jump_noline("JUMP", exit);
        self.use_next_block(end);
        self.u().line = None;
        self.jump("SETUP_CLEANUP", cleanup);
        self.addop("PUSH_EXC_INFO");
        self.u().fblocks.push(FBlock::FinallyEnd);
        self.stmts(&t.finalbody)?;
        self.u().fblocks.pop();
        self.addop_i("RERAISE", 0);
        self.use_next_block(cleanup);
        self.pop_except_and_reraise();
        self.use_next_block(exit);
        Ok(())
    }
}
