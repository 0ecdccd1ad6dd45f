//! Code generation as CPython 3.11's `compile.c` does it, statement by statement, into
//! basic blocks ([`super::flow`] cleans them up and lays them out).

use super::super::lower::Lines;
use super::CodeObject;
use super::flow::{self, Arg, Block, Const, Ins};
use super::symtable::{Kind, Scope, Table, mangle};
use ruff_python_ast::{self as ast};
use ruff_text_size::Ranged;

/// More than this many items on the stack and CPython builds in chunks.
const STACK_USE_GUIDELINE: usize = 30;

#[derive(Clone, Copy, PartialEq, Eq)]
enum NameCtx {
    Load,
    Store,
    Del,
}

/// CPython's `fblockinfo`: what `return`, `break` and `continue` must unwind.
#[derive(Clone)]
enum FBlock<'a> {
    While {
        start: usize,
        exit: usize,
    },
    For {
        start: usize,
        exit: usize,
    },
    TryExcept,
    FinallyTry(&'a [ast::Stmt]),
    FinallyEnd,
    /// `with` at a line; `async with` when true.
    With(u32, bool),
    HandlerCleanup(Option<String>),
    ExceptionHandler,
    PopValue,
}

pub(super) struct Unit<'a> {
    pub scope: usize,
    pub kind: Kind,
    pub name: String,
    pub first_line: u32,
    pub blocks: Vec<Block>,
    pub entry: usize,
    cur: usize,
    pub consts: Vec<Const>,
    pub names: Vec<String>,
    pub varnames: Vec<String>,
    pub cellvars: Vec<String>,
    pub freevars: Vec<String>,
    line: Option<u32>,
    fblocks: Vec<FBlock<'a>>,
    pub unsupported: Option<(u32, String)>,
    pub generator: bool,
    /// The enclosing class's name, for private names.
    private: Option<String>,
}

struct Gen<'a, 't> {
    src: &'a str,
    lines: &'a Lines,
    table: &'t Table,
    file: String,
    codes: &'t mut Vec<CodeObject>,
    units: Vec<Unit<'a>>,
    /// Names bound by an import at module level (CPython's `DEF_IMPORT`): `mod.f()` on them
    /// is not compiled as a method call.
    imported: std::collections::HashSet<String>,
    /// `from __future__ import annotations`: annotations are strings (not compiled here yet).
    future_annotations: bool,
}

type R = Result<(), (u32, String)>;

pub(super) fn module(
    body: &[ast::Stmt],
    src: &str,
    lines: &Lines,
    table: &Table,
    file: &str,
    codes: &mut Vec<CodeObject>,
) {
    codes.clear();
    codes.push(CodeObject {
        name: "<module>".into(),
        first_line: 1,
        instrs: Vec::new(),
        exceptions: Vec::new(),
        children: Vec::new(),
        unsupported: None,
    });
    let mut imported = std::collections::HashSet::new();
    for s in body {
        collect_imports(s, &mut imported);
    }
    let mut g =
        Gen { src, lines, table, file: file.to_owned(), codes, units: Vec::new(), imported, future_annotations: false };
    g.enter(0, Kind::Module, "<module>".into(), "<module>".into(), 1);
    let mut r = Ok(());
    let mut rest = body;
    g.future_annotations = body.iter().any(|s| matches!(s, ast::Stmt::ImportFrom(i) if i.module.as_ref().is_some_and(|m| m.as_str() == "__future__") && i.names.iter().any(|a| a.name.as_str() == "annotations")));
    if let Some(first) = body.first()
        && find_ann(body)
    {
        g.set_line(first.range().start());
        g.addop("SETUP_ANNOTATIONS");
    }
    if let Some((doc, tail)) = docstring(body) {
        g.set_line(body[0].range().start());
        g.load_const(Const::Str(doc));
        g.nameop("__doc__", NameCtx::Store);
        rest = tail;
    }
    for s in rest {
        r = g.stmt(s);
        if r.is_err() {
            break;
        }
    }
    let unit = g.finish(r);
    let code = flow::assemble(unit, &g.file);
    g.codes[0] = code;
}

/// Whether a body has an annotated assignment outside its functions and classes.
fn find_ann(body: &[ast::Stmt]) -> bool {
    body.iter().any(|s| match s {
        ast::Stmt::AnnAssign(_) => true,
        ast::Stmt::For(f) => find_ann(&f.body) || find_ann(&f.orelse),
        ast::Stmt::While(w) => find_ann(&w.body) || find_ann(&w.orelse),
        ast::Stmt::If(i) => find_ann(&i.body) || i.elif_else_clauses.iter().any(|c| find_ann(&c.body)),
        ast::Stmt::With(w) => find_ann(&w.body),
        ast::Stmt::Try(t) => {
            find_ann(&t.body)
                || find_ann(&t.orelse)
                || find_ann(&t.finalbody)
                || t.handlers.iter().any(|h| {
                    let ast::ExceptHandler::ExceptHandler(h) = h;
                    find_ann(&h.body)
                })
        }
        ast::Stmt::Match(m) => m.cases.iter().any(|c| find_ann(&c.body)),
        _ => false,
    })
}

fn collect_imports(s: &ast::Stmt, out: &mut std::collections::HashSet<String>) {
    match s {
        ast::Stmt::Import(i) => {
            for a in &i.names {
                out.insert(
                    a.asname
                        .as_ref()
                        .map_or_else(|| a.name.split('.').next().unwrap_or("").to_owned(), |x| x.to_string()),
                );
            }
        }
        ast::Stmt::ImportFrom(i) => {
            for a in &i.names {
                out.insert(a.asname.as_ref().map_or_else(|| a.name.to_string(), |x| x.to_string()));
            }
        }
        ast::Stmt::If(i) => {
            for s in &i.body {
                collect_imports(s, out);
            }
            for c in &i.elif_else_clauses {
                for s in &c.body {
                    collect_imports(s, out);
                }
            }
        }
        ast::Stmt::Try(t) => {
            for s in t.body.iter().chain(t.orelse.iter()).chain(t.finalbody.iter()) {
                collect_imports(s, out);
            }
            for h in &t.handlers {
                let ast::ExceptHandler::ExceptHandler(h) = h;
                for s in &h.body {
                    collect_imports(s, out);
                }
            }
        }
        _ => {}
    }
}

/// The body's docstring, and the statements after it.
fn docstring(body: &[ast::Stmt]) -> Option<(String, &[ast::Stmt])> {
    if let Some(ast::Stmt::Expr(e)) = body.first()
        && let ast::Expr::StringLiteral(s) = &*e.value
    {
        return Some((clean_doc(s.value.to_str()), &body[1..]));
    }
    None
}

/// `inspect.cleandoc`, which CPython 3.11 does not apply to the constant: the docstring is
/// stored as written.
fn clean_doc(s: &str) -> String {
    s.to_owned()
}

fn unsupported<T>(line: u32, what: &str) -> Result<T, (u32, String)> {
    Err((line, what.to_owned()))
}

impl<'a, 't> Gen<'a, 't> {
    fn u(&mut self) -> &mut Unit<'a> {
        self.units.last_mut().expect("a unit")
    }

    fn line_of(&self, at: ruff_text_size::TextSize) -> u32 {
        self.lines.at(self.src, at.to_usize()).0
    }

    fn set_line(&mut self, at: ruff_text_size::TextSize) {
        let l = self.line_of(at);
        self.u().line = Some(l);
    }

    fn enter(&mut self, scope: usize, kind: Kind, name: String, _qualname: String, first_line: u32) {
        let info = &self.table.scopes[scope];
        let private =
            if kind == Kind::Class { Some(name.clone()) } else { self.units.last().and_then(|u| u.private.clone()) };
        let varnames = info.params.clone();
        let cellvars: Vec<String> = info.cells.iter().cloned().collect();
        let freevars: Vec<String> = info.frees.iter().cloned().collect();
        let mut u = Unit {
            scope,
            kind,
            name,
            first_line,
            blocks: vec![Block::default()],
            entry: 0,
            cur: 0,
            consts: Vec::new(),
            names: Vec::new(),
            varnames,
            cellvars,
            freevars,
            line: if kind == Kind::Module { None } else { Some(first_line) },
            fblocks: Vec::new(),
            unsupported: None,
            generator: info.generator,
            private,
        };
        u.blocks[0].alloc = 0;
        self.units.push(u);
        self.addop_i("RESUME", 0);
        if kind == Kind::Module {
            // The module's RESUME is at line 0.
            let u = self.u();
            let b = u.cur;
            if let Some(i) = u.blocks[b].instrs.last_mut() {
                i.line = Some(0);
            }
            u.line = None;
        }
    }

    /// End the unit: the implicit `return None` where the code falls off its end.
    fn finish(&mut self, r: R) -> Unit<'a> {
        let mut u = self.units.pop().expect("a unit");
        if let Err((line, what)) = r {
            u.unsupported = Some((line, what));
            return u;
        }
        let ends_in_return = u.blocks[u.cur].instrs.last().is_some_and(|i| i.op == "RETURN_VALUE");
        if !ends_in_return {
            u.line = None;
            self.units.push(u);
            if !matches!(self.units.last().map(|u| u.kind), Some(Kind::Comprehension) if false) {
                self.load_const(Const::None);
            }
            self.addop("RETURN_VALUE");
            u = self.units.pop().expect("a unit");
        }
        u
    }

    // ------------------------------------------------------------ emitting

    fn new_block(&mut self) -> usize {
        let u = self.u();
        let alloc = u.blocks.len();
        u.blocks.push(Block::new(alloc));
        alloc
    }

    fn use_next_block(&mut self, b: usize) {
        let u = self.u();
        let cur = u.cur;
        u.blocks[cur].next = Some(b);
        u.cur = b;
    }

    fn next_block(&mut self) {
        let b = self.new_block();
        self.use_next_block(b);
    }

    fn emit(&mut self, op: &'static str, arg: Arg, target: Option<usize>) {
        // A jump or an exit ends its block.
        let u = self.u();
        let ends = u.blocks[u.cur].instrs.last().is_some_and(|i| flow::ends_block(i.op));
        if ends {
            self.next_block();
        }
        let u = self.u();
        let line = u.line;
        let cur = u.cur;
        u.blocks[cur].instrs.push(Ins { op, arg, target, line });
    }

    fn addop(&mut self, op: &'static str) {
        self.emit(op, Arg::None, None);
    }

    fn addop_i(&mut self, op: &'static str, n: u32) {
        self.emit(op, Arg::N(n), None);
    }

    fn addop_noline(&mut self, op: &'static str) {
        let l = self.u().line.take();
        self.addop(op);
        self.u().line = l;
    }

    fn jump(&mut self, op: &'static str, target: usize) {
        self.emit(op, Arg::None, Some(target));
    }

    fn jump_noline(&mut self, op: &'static str, target: usize) {
        let l = self.u().line.take();
        self.jump(op, target);
        self.u().line = l;
    }

    fn add_const(&mut self, c: Const) -> u32 {
        let u = self.u();
        if let Some(i) = u.consts.iter().position(|x| *x == c) {
            return i as u32;
        }
        u.consts.push(c);
        (u.consts.len() - 1) as u32
    }

    fn load_const(&mut self, c: Const) {
        let i = self.add_const(c);
        self.emit("LOAD_CONST", Arg::Const(i), None);
    }

    fn add_name(&mut self, n: &str) -> u32 {
        let u = self.u();
        let n = &mangle(u.private.as_deref(), n);
        if let Some(i) = u.names.iter().position(|x| x == n) {
            return i as u32;
        }
        u.names.push(n.to_owned());
        (u.names.len() - 1) as u32
    }

    fn addop_name(&mut self, op: &'static str, n: &str) {
        let i = self.add_name(n);
        self.emit(op, Arg::Name(i), None);
    }

    fn nameop(&mut self, name: &str, ctx: NameCtx) {
        let mangled = mangle(self.u().private.as_deref(), name);
        let name = mangled.as_str();
        let scope = self.u().scope;
        let info = &self.table.scopes[scope];
        let func = info.is_function();
        let class = info.kind == Kind::Class;
        let sc = self.table.scope(scope, name);
        enum T {
            Fast,
            Global,
            Name,
            Deref,
        }
        let t = match sc {
            Scope::Free | Scope::Cell => T::Deref,
            Scope::Local if func => T::Fast,
            Scope::Local => T::Name,
            Scope::GlobalImplicit if func => T::Global,
            Scope::GlobalImplicit => T::Name,
            Scope::GlobalExplicit => T::Global,
        };
        match t {
            T::Fast => {
                let u = self.u();
                let i = match u.varnames.iter().position(|x| x == name) {
                    Some(i) => i,
                    None => {
                        u.varnames.push(name.to_owned());
                        u.varnames.len() - 1
                    }
                } as u32;
                let op = match ctx {
                    NameCtx::Load => "LOAD_FAST",
                    NameCtx::Store => "STORE_FAST",
                    NameCtx::Del => "DELETE_FAST",
                };
                self.emit(op, Arg::Local(i), None);
            }
            T::Global => {
                let i = self.add_name(name);
                match ctx {
                    NameCtx::Load => self.emit("LOAD_GLOBAL", Arg::Global(i << 1), None),
                    NameCtx::Store => self.emit("STORE_GLOBAL", Arg::Name(i), None),
                    NameCtx::Del => self.emit("DELETE_GLOBAL", Arg::Name(i), None),
                }
            }
            T::Name => {
                let op = match ctx {
                    NameCtx::Load => "LOAD_NAME",
                    NameCtx::Store => "STORE_NAME",
                    NameCtx::Del => "DELETE_NAME",
                };
                self.addop_name(op, name);
            }
            T::Deref => {
                let arg = self.deref_arg(name);
                let op = match ctx {
                    NameCtx::Load if class => "LOAD_CLASSDEREF",
                    NameCtx::Load => "LOAD_DEREF",
                    NameCtx::Store => "STORE_DEREF",
                    NameCtx::Del => "DELETE_DEREF",
                };
                self.emit(op, arg, None);
            }
        }
    }

    fn deref_arg(&mut self, name: &str) -> Arg {
        let u = self.u();
        if let Some(i) = u.cellvars.iter().position(|x| x == name) {
            Arg::Cell(i as u32)
        } else {
            let i = u.freevars.iter().position(|x| x == name).unwrap_or(0);
            Arg::Free(i as u32)
        }
    }

    // ------------------------------------------------------------ statements

    fn stmts(&mut self, body: &'a [ast::Stmt]) -> R {
        for s in body {
            self.stmt(s)?;
        }
        Ok(())
    }

    fn stmt(&mut self, s: &'a ast::Stmt) -> R {
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
                let (exit, for_loop) = self.unwind_to_loop(line)?;
                if for_loop {
                    self.addop("POP_TOP");
                }
                self.jump("JUMP", exit);
            }
            ast::Stmt::Continue(_) => {
                let start = self.continue_target(line)?;
                self.jump("JUMP", start);
            }
            ast::Stmt::Match(_) => return unsupported(line, "match"),
            ast::Stmt::TypeAlias(_) => return unsupported(line, "a type alias"),
            ast::Stmt::IpyEscapeCommand(_) => return unsupported(line, "an IPython escape"),
        }
        Ok(())
    }

    fn function_def(&mut self, f: &'a ast::StmtFunctionDef, s: &'a ast::Stmt) -> R {
        let line = self.line_of(f.name.range().start());
        for d in &f.decorator_list {
            self.set_line(d.range().start());
            self.expr(&d.expression)?;
        }
        self.u().line = Some(line);
        let mut flags = self.defaults(&f.parameters, line)?;
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

    fn qualname(&self, name: &str) -> String {
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

    fn apply_decorators(&mut self, decs: &'a [ast::Decorator]) {
        for d in decs.iter().rev() {
            self.set_line(d.range().start());
            self.addop_i("PRECALL", 0);
            self.addop_i("CALL", 0);
        }
    }

    /// A function's annotations as a tuple of name, value pairs (CPython's order: positional,
    /// positional-only, `*args`, keyword-only, `**kwargs`, `return`); whether any were pushed.
    fn annotations(
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
    fn defaults(&mut self, p: &'a ast::Parameters, line: u32) -> Result<u32, (u32, String)> {
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
        let _ = line;
        Ok(flags)
    }

    /// Push the closure and the code object, then `MAKE_FUNCTION`.
    fn make_closure(&mut self, unit: Unit<'a>, mut flags: u32) {
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
        let code = flow::assemble(unit, &self.file);
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

    fn class_def(&mut self, c: &'a ast::StmtClassDef, s: &'a ast::Stmt) -> R {
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

    fn return_(&mut self, r: &'a ast::StmtReturn, line: u32) -> R {
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

    fn unwind_one(&mut self, fb: &FBlock<'a>, preserve: bool) -> R {
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

    fn unwind_all(&mut self, preserve: bool) -> R {
        let saved = self.u().fblocks.clone();
        while let Some(fb) = self.u().fblocks.pop() {
            self.unwind_one(&fb, preserve)?;
        }
        self.u().fblocks = saved;
        Ok(())
    }

    /// Unwind to the innermost loop: its exit, and whether it is a `for` (whose iterator
    /// must be popped).
    fn unwind_to_loop(&mut self, line: u32) -> Result<(usize, bool), (u32, String)> {
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

    fn continue_target(&mut self, line: u32) -> Result<usize, (u32, String)> {
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

    fn call_exit_with_nones(&mut self) {
        self.load_const(Const::None);
        self.load_const(Const::None);
        self.load_const(Const::None);
        self.addop_i("PRECALL", 2);
        self.addop_i("CALL", 2);
    }

    fn aug_assign(&mut self, a: &'a ast::StmtAugAssign) -> R {
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

    fn target(&mut self, t: &'a ast::Expr, ctx: NameCtx) -> R {
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

    fn if_(&mut self, test: &'a ast::Expr, body: &'a [ast::Stmt], clauses: &'a [ast::ElifElseClause]) -> R {
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

    fn while_(&mut self, w: &'a ast::StmtWhile) -> R {
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

    fn for_(&mut self, f: &'a ast::StmtFor) -> R {
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
    fn iterable(&mut self, e: &'a ast::Expr) -> R {
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
                    "a set of constants other than ints (CPython's order depends on PYTHONHASHSEED)",
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
    fn comparator(&mut self, e: &'a ast::Expr, op: ast::CmpOp) -> R {
        if matches!(op, ast::CmpOp::In | ast::CmpOp::NotIn) { self.iterable(e) } else { self.expr(e) }
    }

    fn with(&mut self, w: &'a ast::StmtWith, pos: usize, line: u32) -> R {
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
    fn yield_from(&mut self, is_await: bool) {
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

    fn async_for(&mut self, f: &'a ast::StmtFor) -> R {
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

    fn pop_except_and_reraise(&mut self) {
        self.addop_i("COPY", 3);
        self.addop("POP_EXCEPT");
        self.addop_i("RERAISE", 1);
    }

    fn try_except(&mut self, t: &'a ast::StmtTry) -> R {
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

    fn try_finally(&mut self, t: &'a ast::StmtTry) -> R {
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

    // ------------------------------------------------------------ conditions

    /// CPython's `compiler_jump_if`: jump to `next` if `e`'s truth is `cond`.
    fn jump_if(&mut self, e: &'a ast::Expr, next: usize, cond: bool) -> R {
        let saved = self.u().line;
        self.set_line(e.range().start());
        match e {
            // (`not a in b` is `a not in b` to CPython's AST optimizer: compiled as a compare.)
            ast::Expr::UnaryOp(u) if u.op == ast::UnaryOp::Not && fold(e).is_none() && !negated_compare(&u.operand) => {
                self.jump_if(&u.operand, next, !cond)?;
            }
            ast::Expr::BoolOp(b) => {
                let or = b.op == ast::BoolOp::Or;
                let next2 = if or != cond { self.new_block() } else { next };
                let n = b.values.len() - 1;
                for v in &b.values[..n] {
                    self.jump_if(v, next2, or)?;
                }
                self.jump_if(&b.values[n], next, cond)?;
                if next2 != next {
                    self.use_next_block(next2);
                }
            }
            ast::Expr::If(i) => {
                let end = self.new_block();
                let next2 = self.new_block();
                self.jump_if(&i.test, next2, false)?;
                self.jump_if(&i.body, next, cond)?;
                self.jump_noline("JUMP", end);
                self.use_next_block(next2);
                self.jump_if(&i.orelse, next, cond)?;
                self.use_next_block(end);
            }
            ast::Expr::Compare(c) if c.ops.len() > 1 => {
                let cleanup = self.new_block();
                self.expr(&c.left)?;
                let n = c.ops.len() - 1;
                for i in 0..n {
                    self.expr(&c.comparators[i])?;
                    self.set_line(e.range().start());
                    self.addop_i("SWAP", 2);
                    self.addop_i("COPY", 2);
                    self.compare_op(c.ops[i]);
                    self.jump("POP_JUMP_IF_FALSE", cleanup);
                }
                self.comparator(&c.comparators[n], c.ops[n])?;
                self.set_line(e.range().start());
                self.compare_op(c.ops[n]);
                self.jump(if cond { "POP_JUMP_IF_TRUE" } else { "POP_JUMP_IF_FALSE" }, next);
                let end = self.new_block();
                self.jump_noline("JUMP", end);
                self.use_next_block(cleanup);
                self.addop("POP_TOP");
                if !cond {
                    self.jump_noline("JUMP", next);
                }
                self.use_next_block(end);
            }
            _ => {
                self.expr(e)?;
                self.set_line(e.range().start());
                self.jump(if cond { "POP_JUMP_IF_TRUE" } else { "POP_JUMP_IF_FALSE" }, next);
            }
        }
        self.u().line = saved;
        Ok(())
    }

    fn compare_op(&mut self, op: ast::CmpOp) {
        use ast::CmpOp as C;
        match op {
            C::Is => self.addop_i("IS_OP", 0),
            C::IsNot => self.addop_i("IS_OP", 1),
            C::In => self.addop_i("CONTAINS_OP", 0),
            C::NotIn => self.addop_i("CONTAINS_OP", 1),
            C::Lt => self.addop_i("COMPARE_OP", 0),
            C::LtE => self.addop_i("COMPARE_OP", 1),
            C::Eq => self.addop_i("COMPARE_OP", 2),
            C::NotEq => self.addop_i("COMPARE_OP", 3),
            C::Gt => self.addop_i("COMPARE_OP", 4),
            C::GtE => self.addop_i("COMPARE_OP", 5),
        }
    }

    // ------------------------------------------------------------ expressions

    fn expr(&mut self, e: &'a ast::Expr) -> R {
        let saved = self.u().line;
        self.set_line(e.range().start());
        let r = self.expr_inner(e);
        self.u().line = saved;
        r
    }

    fn expr_inner(&mut self, e: &'a ast::Expr) -> R {
        let line = self.line_of(e.range().start());
        if let Some(c) = fold(e) {
            self.load_const(c);
            return Ok(());
        }
        match e {
            ast::Expr::BoolOp(b) => {
                let end = self.new_block();
                let op = if b.op == ast::BoolOp::And { "JUMP_IF_FALSE_OR_POP" } else { "JUMP_IF_TRUE_OR_POP" };
                let n = b.values.len() - 1;
                for v in &b.values[..n] {
                    self.expr(v)?;
                    self.jump(op, end);
                    self.next_block();
                }
                self.expr(&b.values[n])?;
                self.use_next_block(end);
            }
            ast::Expr::Named(n) => {
                self.expr(&n.value)?;
                self.addop_i("COPY", 1);
                self.target(&n.target, NameCtx::Store)?;
            }
            ast::Expr::BinOp(b)
                if b.op == ast::Operator::Mod
                    && let (Some(Const::Str(fmt)), ast::Expr::Tuple(t)) = (fold(&b.left), &*b.right)
                    && fold(&b.right).is_none()
                    && !t.elts.iter().any(|x| matches!(x, ast::Expr::Starred(_)))
                    && let Some(parts) = percent_format(&fmt, t.elts.len()) =>
            {
                // CPython's AST optimizer turns `'%s' % (x,)` into an f-string.
                // The made-up constants have no line; each FORMAT_VALUE is at its item's.
                let n = parts.len();
                let whole = self.u().line;
                for p in parts {
                    match p {
                        Percent::Lit(l) => {
                            self.u().line = None;
                            self.load_const(Const::Str(l));
                        }
                        Percent::Arg { index, conv, spec } => {
                            let item = &t.elts[index];
                            self.expr(item)?;
                            let at = self.line_of(item.range().start());
                            let mut arg = conv;
                            if let Some(sp) = spec {
                                self.u().line = None;
                                self.load_const(Const::Str(sp));
                                arg |= 4;
                            }
                            self.u().line = Some(at);
                            self.addop_i("FORMAT_VALUE", arg);
                        }
                    }
                }
                self.u().line = whole;
                if n != 1 {
                    self.addop_i("BUILD_STRING", n as u32);
                }
            }
            ast::Expr::BinOp(b) => {
                self.expr(&b.left)?;
                self.expr(&b.right)?;
                self.addop_i("BINARY_OP", binop_arg(b.op));
            }
            ast::Expr::UnaryOp(u) => {
                // `not a in b` is `a not in b`, `not a is b` is `a is not b`.
                if u.op == ast::UnaryOp::Not
                    && negated_compare(&u.operand)
                    && let ast::Expr::Compare(c) = &*u.operand
                {
                    let flipped = match c.ops[0] {
                        ast::CmpOp::In => ast::CmpOp::NotIn,
                        ast::CmpOp::NotIn => ast::CmpOp::In,
                        ast::CmpOp::Is => ast::CmpOp::IsNot,
                        _ => ast::CmpOp::Is,
                    };
                    self.expr(&c.left)?;
                    self.comparator(&c.comparators[0], flipped)?;
                    self.compare_op(flipped);
                    return Ok(());
                }
                self.expr(&u.operand)?;
                self.addop(match u.op {
                    ast::UnaryOp::Invert => "UNARY_INVERT",
                    ast::UnaryOp::Not => "UNARY_NOT",
                    ast::UnaryOp::UAdd => "UNARY_POSITIVE",
                    ast::UnaryOp::USub => "UNARY_NEGATIVE",
                });
            }
            ast::Expr::Lambda(l) => {
                let flags = match &l.parameters {
                    Some(p) => self.defaults(p, line)?,
                    None => 0,
                };
                let scope = self.table.scope_of(e);
                let qualname = self.qualname("<lambda>");
                self.enter(scope, Kind::Lambda, "<lambda>".into(), qualname, line);
                self.add_const(Const::None);
                let r = self.expr(&l.body);
                if r.is_ok() {
                    self.addop("RETURN_VALUE");
                }
                let unit = self.finish(r);
                self.make_closure(unit, flags);
            }
            ast::Expr::If(i) => {
                let end = self.new_block();
                let next = self.new_block();
                self.jump_if(&i.test, next, false)?;
                self.expr(&i.body)?;
                self.jump_noline("JUMP", end);
                self.use_next_block(next);
                self.expr(&i.orelse)?;
                self.use_next_block(end);
            }
            ast::Expr::Dict(d) => {
                if d.items.iter().any(|i| i.key.is_none()) {
                    return unsupported(line, "'**' in a dict display");
                }
                let items: Vec<(&'a ast::Expr, &'a ast::Expr)> =
                    d.items.iter().map(|i| (i.key.as_ref().expect("a key"), &i.value)).collect();
                let mut have_dict = false;
                let mut begin = 0;
                let mut elements = 0;
                for i in 0..items.len() {
                    if elements * 2 > STACK_USE_GUIDELINE {
                        self.subdict(&items[begin..i])?;
                        if have_dict {
                            self.addop_i("DICT_UPDATE", 1);
                        }
                        have_dict = true;
                        elements = 0;
                        begin = i;
                    }
                    elements += 1;
                }
                if elements > 0 {
                    self.subdict(&items[begin..])?;
                    if have_dict {
                        self.addop_i("DICT_UPDATE", 1);
                    }
                    have_dict = true;
                }
                if !have_dict {
                    self.addop_i("BUILD_MAP", 0);
                }
            }
            ast::Expr::Set(s) => self.starunpack(&s.elts, "BUILD_SET", "SET_UPDATE", false, line)?,
            ast::Expr::List(l) => self.starunpack(&l.elts, "BUILD_LIST", "LIST_EXTEND", false, line)?,
            ast::Expr::Tuple(t) => self.starunpack(&t.elts, "BUILD_LIST", "LIST_EXTEND", true, line)?,
            ast::Expr::ListComp(c) => {
                self.comprehension(e, "<listcomp>", &c.generators, &[&c.elt], Some(("BUILD_LIST", "LIST_APPEND")))?
            }
            ast::Expr::SetComp(c) => {
                self.comprehension(e, "<setcomp>", &c.generators, &[&c.elt], Some(("BUILD_SET", "SET_ADD")))?
            }
            ast::Expr::DictComp(c) => {
                let Some(key) = &c.key else { return unsupported(line, "'**' in a dict comprehension") };
                self.comprehension(e, "<dictcomp>", &c.generators, &[key, &c.value], Some(("BUILD_MAP", "MAP_ADD")))?;
            }
            ast::Expr::Generator(c) => self.comprehension(e, "<genexpr>", &c.generators, &[&c.elt], None)?,
            ast::Expr::Await(a) => {
                self.expr(&a.value)?;
                self.addop_i("GET_AWAITABLE", 0);
                self.load_const(Const::None);
                self.yield_from(true);
            }
            ast::Expr::Yield(y) => {
                match &y.value {
                    Some(v) => self.expr(v)?,
                    None => self.load_const(Const::None),
                }
                if self.table.scopes[self.u().scope].async_generator {
                    self.addop("ASYNC_GEN_WRAP");
                }
                self.addop("YIELD_VALUE");
                self.addop_i("RESUME", 1);
            }
            ast::Expr::YieldFrom(y) => {
                self.expr(&y.value)?;
                self.addop("GET_YIELD_FROM_ITER");
                self.load_const(Const::None);
                self.yield_from(false);
            }
            ast::Expr::Compare(c) => {
                self.expr(&c.left)?;
                let n = c.ops.len() - 1;
                if n == 0 {
                    self.comparator(&c.comparators[0], c.ops[0])?;
                    self.compare_op(c.ops[0]);
                } else {
                    let cleanup = self.new_block();
                    for i in 0..n {
                        self.expr(&c.comparators[i])?;
                        self.addop_i("SWAP", 2);
                        self.addop_i("COPY", 2);
                        self.compare_op(c.ops[i]);
                        self.jump("JUMP_IF_FALSE_OR_POP", cleanup);
                        self.next_block();
                    }
                    self.comparator(&c.comparators[n], c.ops[n])?;
                    self.compare_op(c.ops[n]);
                    let end = self.new_block();
                    self.jump_noline("JUMP", end);
                    self.use_next_block(cleanup);
                    self.addop_i("SWAP", 2);
                    self.addop("POP_TOP");
                    self.use_next_block(end);
                }
            }
            ast::Expr::Call(c) => self.call(c, e)?,
            ast::Expr::FString(f) => {
                let mut parts: Vec<FPart<'a>> = Vec::new();
                for p in f.value.iter() {
                    match p {
                        ast::FStringPart::Literal(l) => push_lit(&mut parts, &l.value),
                        ast::FStringPart::FString(fs) => {
                            for el in fs.elements.iter() {
                                match el {
                                    ast::InterpolatedStringElement::Literal(l) => push_lit(&mut parts, &l.value),
                                    ast::InterpolatedStringElement::Interpolation(i) => {
                                        if i.debug_text.is_some() {
                                            return unsupported(line, "f-string '=' specifier");
                                        }
                                        parts.push(FPart::Value(i));
                                    }
                                }
                            }
                        }
                    }
                }
                self.fparts(&parts, line)?;
            }
            ast::Expr::StringLiteral(_)
            | ast::Expr::BytesLiteral(_)
            | ast::Expr::NumberLiteral(_)
            | ast::Expr::BooleanLiteral(_)
            | ast::Expr::NoneLiteral(_)
            | ast::Expr::EllipsisLiteral(_) => {
                return unsupported(line, "this constant");
            }
            ast::Expr::Attribute(a) => {
                self.expr(&a.value)?;
                self.set_line(e.range().start());
                self.addop_name("LOAD_ATTR", a.attr.as_str());
            }
            ast::Expr::Subscript(s) => {
                self.expr(&s.value)?;
                self.slice_or_index(&s.slice)?;
                self.set_line(e.range().start());
                self.addop("BINARY_SUBSCR");
            }
            ast::Expr::Starred(_) => return unsupported(line, "a starred expression here"),
            ast::Expr::Name(n) => self.nameop(n.id.as_str(), NameCtx::Load),
            ast::Expr::Slice(_) => return unsupported(line, "a slice here"),
            ast::Expr::TString(_) => return unsupported(line, "a template string"),
            ast::Expr::IpyEscapeCommand(_) => return unsupported(line, "an IPython escape"),
        }
        Ok(())
    }

    fn fparts(&mut self, parts: &[FPart<'a>], line: u32) -> R {
        if parts.len() > STACK_USE_GUIDELINE {
            return unsupported(line, "a very long f-string");
        }
        for p in parts {
            match p {
                FPart::Lit(s) => self.load_const(Const::Str(s.clone())),
                FPart::Value(i) => {
                    self.expr(&i.expression)?;
                    let mut arg = match i.conversion {
                        ast::ConversionFlag::None => 0,
                        ast::ConversionFlag::Str => 1,
                        ast::ConversionFlag::Repr => 2,
                        ast::ConversionFlag::Ascii => 3,
                    };
                    if let Some(spec) = &i.format_spec {
                        let mut sp: Vec<FPart<'a>> = Vec::new();
                        for el in spec.elements.iter() {
                            match el {
                                ast::InterpolatedStringElement::Literal(l) => push_lit(&mut sp, &l.value),
                                ast::InterpolatedStringElement::Interpolation(i) => sp.push(FPart::Value(i)),
                            }
                        }
                        if sp.is_empty() {
                            sp.push(FPart::Lit(String::new()));
                        }
                        self.fparts(&sp, line)?;
                        arg |= 4;
                    }
                    self.addop_i("FORMAT_VALUE", arg);
                }
            }
        }
        if parts.len() != 1 {
            self.addop_i("BUILD_STRING", parts.len() as u32);
        }
        Ok(())
    }

    fn subdict(&mut self, items: &[(&'a ast::Expr, &'a ast::Expr)]) -> R {
        let n = items.len();
        let keys: Option<Vec<Const>> = items.iter().map(|(k, _)| fold(k)).collect();
        match keys {
            Some(keys) if n > 1 => {
                for (_, v) in items {
                    self.expr(v)?;
                }
                self.load_const(Const::Tuple(keys));
                self.addop_i("BUILD_CONST_KEY_MAP", n as u32);
            }
            _ => {
                for (k, v) in items {
                    self.expr(k)?;
                    self.expr(v)?;
                }
                self.addop_i("BUILD_MAP", n as u32);
            }
        }
        Ok(())
    }

    fn starunpack(
        &mut self,
        elts: &'a [ast::Expr],
        build: &'static str,
        extend: &'static str,
        tuple: bool,
        line: u32,
    ) -> R {
        let add = if build == "BUILD_SET" { "SET_ADD" } else { "LIST_APPEND" };
        self.starunpack_helper(elts, 0, build, add, extend, tuple, line)
    }

    /// CPython's `starunpack_helper`: a display (or a call's positional arguments) with
    /// `pushed` items already on the stack.
    #[allow(clippy::too_many_arguments)]
    fn starunpack_helper(
        &mut self,
        elts: &'a [ast::Expr],
        pushed: u32,
        build: &'static str,
        add: &'static str,
        extend: &'static str,
        tuple: bool,
        line: u32,
    ) -> R {
        let n = elts.len();
        if n > 2
            && let Some(items) = elts.iter().map(fold).collect::<Option<Vec<_>>>()
        {
            if tuple && pushed == 0 {
                self.load_const(Const::Tuple(items));
            } else {
                let folded = if build == "BUILD_SET" {
                    match flow::frozenset(items) {
                        Some(f) => f,
                        None => {
                            return unsupported(
                                line,
                                "a set of constants other than ints (CPython's order depends on PYTHONHASHSEED)",
                            );
                        }
                    }
                } else {
                    Const::Tuple(items)
                };
                self.addop_i(build, pushed);
                self.load_const(folded);
                self.addop_i(extend, 1);
                if tuple {
                    self.addop("LIST_TO_TUPLE");
                }
            }
            return Ok(());
        }
        let big = n + pushed as usize > STACK_USE_GUIDELINE;
        let seen_star = elts.iter().any(|e| matches!(e, ast::Expr::Starred(_)));
        if !seen_star && !big {
            for e in elts {
                self.expr(e)?;
            }
            self.addop_i(if tuple { "BUILD_TUPLE" } else { build }, n as u32 + pushed);
            return Ok(());
        }
        let mut built = false;
        if big {
            self.addop_i(build, pushed);
            built = true;
        }
        for (i, e) in elts.iter().enumerate() {
            if let ast::Expr::Starred(st) = e {
                if !built {
                    self.addop_i(build, i as u32 + pushed);
                    built = true;
                }
                self.expr(&st.value)?;
                self.addop_i(extend, 1);
            } else {
                self.expr(e)?;
                if built {
                    self.addop_i(add, 1);
                }
            }
        }
        if tuple {
            self.addop("LIST_TO_TUPLE");
        }
        Ok(())
    }

    fn slice_or_index(&mut self, s: &'a ast::Expr) -> R {
        if let ast::Expr::Slice(sl) = s {
            let mut n = 2;
            match &sl.lower {
                Some(x) => self.expr(x)?,
                None => self.load_const(Const::None),
            }
            match &sl.upper {
                Some(x) => self.expr(x)?,
                None => self.load_const(Const::None),
            }
            if let Some(x) = &sl.step {
                self.expr(x)?;
                n = 3;
            }
            self.addop_i("BUILD_SLICE", n);
            return Ok(());
        }
        self.expr(s)
    }

    fn call(&mut self, c: &'a ast::ExprCall, e: &'a ast::Expr) -> R {
        let line = self.line_of(e.range().start());
        let args: Vec<&'a ast::Expr> = c.arguments.args.iter().collect();
        let kws: Vec<&'a ast::Keyword> = c.arguments.keywords.iter().collect();
        // maybe_optimize_method_call
        if let ast::Expr::Attribute(a) = &*c.func
            && a.ctx == ast::ExprContext::Load
            && !args.iter().any(|x| matches!(x, ast::Expr::Starred(_)))
            && !kws.iter().any(|k| k.arg.is_none())
            && args.len() + kws.len() + usize::from(!kws.is_empty()) < STACK_USE_GUIDELINE
            && !matches!(&*a.value, ast::Expr::Name(n) if self.imported.contains(n.id.as_str()) )
        {
            self.expr(&a.value)?;
            // LOAD_METHOD through CALL are at the attribute's last line.
            let attr_line = self.line_of(a.range().end());
            self.u().line = Some(attr_line);
            self.addop_name("LOAD_METHOD", a.attr.as_str());
            for x in &args {
                self.expr(x)?;
            }
            for k in &kws {
                self.expr(&k.value)?;
            }
            if !kws.is_empty() {
                let names = kws.iter().map(|k| Const::Str(k.arg.as_ref().expect("named").to_string())).collect();
                let i = self.add_const(Const::Tuple(names));
                self.addop_i("KW_NAMES", i);
            }
            let n = (args.len() + kws.len()) as u32;
            self.addop_i("PRECALL", n);
            self.addop_i("CALL", n);
            return Ok(());
        }
        self.set_line(c.func.range().start());
        self.addop("PUSH_NULL");
        self.set_line(e.range().start());
        self.expr(&c.func)?;
        self.call_helper(0, &c.arguments.args, &c.arguments.keywords, line)
    }

    fn call_helper(&mut self, pushed: u32, args: &'a [ast::Expr], kws: &'a [ast::Keyword], line: u32) -> R {
        if args.iter().any(|x| matches!(x, ast::Expr::Starred(_)))
            || kws.iter().any(|k| k.arg.is_none())
            || args.len() + kws.len() + pushed as usize > STACK_USE_GUIDELINE
        {
            return self.call_ex(pushed, args, kws, line);
        }
        for x in args {
            self.expr(x)?;
        }
        for k in kws {
            self.expr(&k.value)?;
        }
        self.u().line = Some(line);
        if !kws.is_empty() {
            let names = kws.iter().map(|k| Const::Str(k.arg.as_ref().expect("named").to_string())).collect();
            let i = self.add_const(Const::Tuple(names));
            self.addop_i("KW_NAMES", i);
        }
        let n = pushed + (args.len() + kws.len()) as u32;
        self.addop_i("PRECALL", n);
        self.addop_i("CALL", n);
        Ok(())
    }

    /// The call with `*args` or `**kwargs`: a tuple and a dict, then CALL_FUNCTION_EX.
    fn call_ex(&mut self, pushed: u32, args: &'a [ast::Expr], kws: &'a [ast::Keyword], line: u32) -> R {
        if pushed == 0
            && args.len() == 1
            && let ast::Expr::Starred(st) = &args[0]
        {
            self.expr(&st.value)?;
        } else {
            self.starunpack_helper(args, pushed, "BUILD_LIST", "LIST_APPEND", "LIST_EXTEND", true, line)?;
        }
        if !kws.is_empty() {
            let mut have_dict = false;
            let mut seen = 0;
            for (i, k) in kws.iter().enumerate() {
                if k.arg.is_none() {
                    if seen > 0 {
                        self.subkwargs(&kws[i - seen..i])?;
                        if have_dict {
                            self.addop_i("DICT_MERGE", 1);
                        }
                        have_dict = true;
                        seen = 0;
                    }
                    if !have_dict {
                        self.addop_i("BUILD_MAP", 0);
                        have_dict = true;
                    }
                    self.expr(&k.value)?;
                    self.addop_i("DICT_MERGE", 1);
                } else {
                    seen += 1;
                }
            }
            if seen > 0 {
                self.subkwargs(&kws[kws.len() - seen..])?;
                if have_dict {
                    self.addop_i("DICT_MERGE", 1);
                }
            }
        }
        self.u().line = Some(line);
        self.addop_i("CALL_FUNCTION_EX", u32::from(!kws.is_empty()));
        Ok(())
    }

    fn subkwargs(&mut self, kws: &'a [ast::Keyword]) -> R {
        let n = kws.len();
        let big = n * 2 > STACK_USE_GUIDELINE;
        if n > 1 && !big {
            for k in kws {
                self.expr(&k.value)?;
            }
            self.load_const(Const::Tuple(
                kws.iter().map(|k| Const::Str(k.arg.as_ref().map_or_else(String::new, |a| a.to_string()))).collect(),
            ));
            self.addop_i("BUILD_CONST_KEY_MAP", n as u32);
            return Ok(());
        }
        if big {
            self.addop_i("BUILD_MAP", 0);
        }
        for k in kws {
            self.load_const(Const::Str(k.arg.as_ref().map_or_else(String::new, |a| a.to_string())));
            self.expr(&k.value)?;
            if big {
                self.addop_i("MAP_ADD", 1);
            }
        }
        if !big {
            self.addop_i("BUILD_MAP", n as u32);
        }
        Ok(())
    }

    fn comprehension(
        &mut self,
        e: &'a ast::Expr,
        name: &str,
        gens: &'a [ast::Comprehension],
        elts: &[&'a ast::Expr],
        kind: Option<(&'static str, &'static str)>,
    ) -> R {
        let line = self.line_of(e.range().start());
        if gens.iter().any(|g| g.is_async) {
            return unsupported(line, "an async comprehension");
        }
        let scope = self.table.scope_of(e);
        let qualname = self.qualname(name);
        self.enter(scope, Kind::Comprehension, name.to_owned(), qualname, line);
        if let Some((build, _)) = kind {
            self.addop_i(build, 0);
        }
        let r = self.comp_generator(gens, 0, 0, elts, kind);
        if r.is_ok() && kind.is_some() {
            self.addop("RETURN_VALUE");
        }
        let unit = self.finish(r);
        self.make_closure(unit, 0);
        self.iterable(&gens[0].iter)?;
        self.u().line = Some(line);
        self.addop("GET_ITER");
        self.addop_i("PRECALL", 0);
        self.addop_i("CALL", 0);
        Ok(())
    }

    fn comp_generator(
        &mut self,
        gens: &'a [ast::Comprehension],
        index: usize,
        mut depth: u32,
        elts: &[&'a ast::Expr],
        kind: Option<(&'static str, &'static str)>,
    ) -> R {
        let g = &gens[index];
        let mut start = Some(self.new_block());
        let if_cleanup = self.new_block();
        let anchor = self.new_block();
        if index == 0 {
            self.emit("LOAD_FAST", Arg::Local(0), None);
        } else if let ast::Expr::List(ast::ExprList { elts: one, .. })
        | ast::Expr::Tuple(ast::ExprTuple { elts: one, .. }) = &g.iter
            && one.len() == 1
            && !matches!(one[0], ast::Expr::Starred(_))
            && fold(&g.iter).is_none()
        {
            self.expr(&one[0])?;
            start = None;
        } else {
            self.iterable(&g.iter)?;
            self.addop("GET_ITER");
        }
        if let Some(s) = start {
            depth += 1;
            self.use_next_block(s);
            self.jump("FOR_ITER", anchor);
        }
        self.next_block();
        self.target(&g.target, NameCtx::Store)?;
        for c in &g.ifs {
            self.jump_if(c, if_cleanup, false)?;
            self.next_block();
        }
        if index + 1 < gens.len() {
            self.comp_generator(gens, index + 1, depth, elts, kind)?;
        } else {
            match kind {
                None => {
                    self.expr(elts[0])?;
                    self.addop("YIELD_VALUE");
                    self.addop_i("RESUME", 1);
                    self.addop("POP_TOP");
                }
                Some((_, add)) => {
                    for x in elts {
                        self.expr(x)?;
                    }
                    self.addop_i(add, depth + 1);
                }
            }
        }
        self.use_next_block(if_cleanup);
        if let Some(s) = start {
            self.jump("JUMP", s);
            self.use_next_block(anchor);
        }
        Ok(())
    }
}

enum Percent {
    Lit(String),
    Arg { index: usize, conv: u32, spec: Option<String> },
}

/// CPython 3.11's `optimize_format`: `'%s and %r' % (a, b)` as f-string parts, when every
/// conversion is `%s`, `%r` or `%a` (with at most `-`, a width and a precision) and there
/// is one per item.
fn percent_format(fmt: &str, n: usize) -> Option<Vec<Percent>> {
    let chars: Vec<char> = fmt.chars().collect();
    let mut pos = 0;
    let mut out = Vec::new();
    let literal = |pos: &mut usize, out: &mut Vec<Percent>| {
        let mut lit = String::new();
        while *pos < chars.len() {
            if chars[*pos] != '%' {
                lit.push(chars[*pos]);
                *pos += 1;
            } else if *pos + 1 < chars.len() && chars[*pos + 1] == '%' {
                lit.push('%');
                *pos += 2;
            } else {
                break;
            }
        }
        if !lit.is_empty() {
            out.push(Percent::Lit(lit));
        }
    };
    for index in 0..n {
        literal(&mut pos, &mut out);
        // At a '%': flags, width, precision, conversion.
        pos += 1;
        let mut ljust = false;
        loop {
            let c = *chars.get(pos)?;
            match c {
                '-' => ljust = true,
                '+' | ' ' | '#' | '0' => return None,
                _ => break,
            }
            pos += 1;
        }
        let mut width: Option<u32> = None;
        while let Some(d) = chars.get(pos).and_then(|c| c.to_digit(10)) {
            width = Some(width.unwrap_or(0).checked_mul(10)?.checked_add(d)?);
            pos += 1;
        }
        let mut prec: Option<u32> = None;
        if chars.get(pos) == Some(&'.') {
            pos += 1;
            prec = Some(0);
            while let Some(d) = chars.get(pos).and_then(|c| c.to_digit(10)) {
                prec = Some(prec.unwrap_or(0).checked_mul(10)?.checked_add(d)?);
                pos += 1;
            }
        }
        let conv = match *chars.get(pos)? {
            's' => 1,
            'r' => 2,
            'a' => 3,
            _ => return None,
        };
        pos += 1;
        let mut spec = String::new();
        if !ljust && width.is_some_and(|w| w > 0) {
            spec.push('>');
        }
        if let Some(w) = width {
            spec.push_str(&w.to_string());
        }
        if let Some(p) = prec {
            spec.push_str(&format!(".{p}"));
        }
        out.push(Percent::Arg { index, conv, spec: (!spec.is_empty()).then_some(spec) });
    }
    literal(&mut pos, &mut out);
    (pos >= chars.len()).then_some(out)
}

enum FPart<'a> {
    Lit(String),
    Value(&'a ast::InterpolatedElement),
}

fn push_lit(parts: &mut Vec<FPart<'_>>, s: &str) {
    if s.is_empty() {
        return;
    }
    if let Some(FPart::Lit(prev)) = parts.last_mut() {
        prev.push_str(s);
    } else {
        parts.push(FPart::Lit(s.to_owned()));
    }
}

/// `a in b`, `a not in b`, `a is b`, `a is not b`: what `not` flips instead of negating.
fn negated_compare(e: &ast::Expr) -> bool {
    matches!(e, ast::Expr::Compare(c) if c.ops.len() == 1 && matches!(c.ops[0], ast::CmpOp::In | ast::CmpOp::NotIn | ast::CmpOp::Is | ast::CmpOp::IsNot))
}

fn binop_arg(op: ast::Operator) -> u32 {
    use ast::Operator as O;
    match op {
        O::Add => 0,
        O::BitAnd => 1,
        O::FloorDiv => 2,
        O::LShift => 3,
        O::MatMult => 4,
        O::Mult => 5,
        O::Mod => 6,
        O::BitOr => 7,
        O::Pow => 8,
        O::RShift => 9,
        O::Sub => 10,
        O::Div => 11,
        O::BitXor => 12,
    }
}

/// CPython's AST optimizer: the constant an expression folds to, if it does.
pub(super) fn fold(e: &ast::Expr) -> Option<Const> {
    use num_bigint::BigInt;
    match e {
        ast::Expr::StringLiteral(s) => Some(Const::Str(s.value.to_str().to_owned())),
        ast::Expr::BytesLiteral(b) => {
            Some(Const::Bytes(b.value.iter().flat_map(|p| p.as_slice().iter().copied()).collect()))
        }
        ast::Expr::NumberLiteral(n) => match &n.value {
            ast::Number::Int(i) => {
                let s = i.to_string().replace('_', "");
                let v = if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
                    BigInt::parse_bytes(h.as_bytes(), 16)
                } else if let Some(b) = s.strip_prefix("0b").or_else(|| s.strip_prefix("0B")) {
                    BigInt::parse_bytes(b.as_bytes(), 2)
                } else if let Some(o) = s.strip_prefix("0o").or_else(|| s.strip_prefix("0O")) {
                    BigInt::parse_bytes(o.as_bytes(), 8)
                } else {
                    BigInt::parse_bytes(s.as_bytes(), 10)
                }?;
                Some(Const::Int(v.to_string()))
            }
            ast::Number::Float(f) => Some(Const::Float(f.to_bits())),
            ast::Number::Complex { .. } => None,
        },
        ast::Expr::BooleanLiteral(b) => Some(Const::Bool(b.value)),
        ast::Expr::NoneLiteral(_) => Some(Const::None),
        ast::Expr::EllipsisLiteral(_) => Some(Const::Ellipsis),
        ast::Expr::Tuple(t) if t.ctx == ast::ExprContext::Load => {
            let items: Option<Vec<Const>> = t.elts.iter().map(fold).collect();
            items.map(Const::Tuple)
        }
        ast::Expr::UnaryOp(u) => {
            let v = fold(&u.operand)?;
            match (u.op, v) {
                (ast::UnaryOp::USub, Const::Int(s)) => {
                    let n: BigInt = s.parse().ok()?;
                    Some(Const::Int((-n).to_string()))
                }
                (ast::UnaryOp::USub, Const::Float(b)) => Some(Const::Float((-f64::from_bits(b)).to_bits())),
                (ast::UnaryOp::UAdd, c @ (Const::Int(_) | Const::Float(_))) => Some(c),
                (ast::UnaryOp::Invert, Const::Int(s)) => {
                    let n: BigInt = s.parse().ok()?;
                    Some(Const::Int((-n - BigInt::from(1)).to_string()))
                }
                (ast::UnaryOp::Not, c) => Some(Const::Bool(!c.truthy())),
                _ => None,
            }
        }
        ast::Expr::BinOp(b) => {
            let l = fold(&b.left)?;
            let r = fold(&b.right)?;
            fold_binop(b.op, &l, &r)
        }
        _ => None,
    }
}

fn fold_binop(op: ast::Operator, l: &Const, r: &Const) -> Option<Const> {
    use ast::Operator as O;
    use num_bigint::BigInt;
    use num_integer::Integer;
    match (l, r) {
        (Const::Int(a), Const::Int(b)) => {
            let a: BigInt = a.parse().ok()?;
            let b: BigInt = b.parse().ok()?;
            let v = match op {
                O::Add => a + b,
                O::Sub => a - b,
                O::Mult => {
                    if a.bits() + b.bits() > 128 {
                        return None;
                    }
                    a * b
                }
                O::FloorDiv if b != BigInt::from(0) => a.div_floor(&b),
                O::Mod if b != BigInt::from(0) => a.mod_floor(&b),
                O::Pow => {
                    let e: u32 = u32::try_from(&b).ok()?;
                    if a.bits() * u64::from(e) > 128 {
                        return None;
                    }
                    a.pow(e)
                }
                O::Div if b != BigInt::from(0) => {
                    let x: f64 = a.to_string().parse().ok()?;
                    let y: f64 = b.to_string().parse().ok()?;
                    return Some(Const::Float((x / y).to_bits()));
                }
                O::BitAnd => a & b,
                O::BitOr => a | b,
                O::BitXor => a ^ b,
                O::LShift => {
                    let s: u32 = u32::try_from(&b).ok()?;
                    if a.bits() + u64::from(s) > 128 {
                        return None;
                    }
                    a << s
                }
                O::RShift => {
                    let s: u32 = u32::try_from(&b).ok()?;
                    a >> s
                }
                _ => return None,
            };
            Some(Const::Int(v.to_string()))
        }
        (Const::Int(_) | Const::Float(_), Const::Int(_) | Const::Float(_)) => {
            let f = |c: &Const| -> Option<f64> {
                match c {
                    Const::Int(s) => s.parse().ok(),
                    Const::Float(b) => Some(f64::from_bits(*b)),
                    _ => None,
                }
            };
            let (x, y) = (f(l)?, f(r)?);
            let v = match op {
                O::Add => x + y,
                O::Sub => x - y,
                O::Mult => x * y,
                O::Div if y != 0.0 => x / y,
                _ => return None,
            };
            Some(Const::Float(v.to_bits()))
        }
        (Const::Str(a), Const::Str(b)) if op == O::Add && a.chars().count() + b.chars().count() <= 4096 => {
            Some(Const::Str(format!("{a}{b}")))
        }
        (Const::Str(a), Const::Int(n)) | (Const::Int(n), Const::Str(a)) if op == O::Mult => {
            let n: i64 = n.parse().ok()?;
            let n = n.max(0) as usize;
            let len = a.chars().count();
            if len.checked_mul(n)? > 4096 {
                return None;
            }
            Some(Const::Str(a.repeat(n)))
        }
        _ => None,
    }
}
