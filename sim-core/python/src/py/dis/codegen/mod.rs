//! Code generation as CPython 3.11's `compile.c` does it, statement by statement, into
//! basic blocks ([`super::flow`] cleans them up and lays them out).

use super::super::lower::Lines;
use super::CodeObject;
use super::flow::{self, Arg, Block, Const, Ins};
use super::symtable::{Kind, Scope, Table, mangle};
use ruff_python_ast::{self as ast};
use ruff_text_size::Ranged;

mod exprs;
mod fold;
mod stmts;

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
    codes: &'t mut Vec<CodeObject>,
    units: Vec<Unit<'a>>,
    /// Names bound by an import at module level (CPython's `DEF_IMPORT`): `mod.f()` on them
    /// is not compiled as a method call.
    imported: std::collections::HashSet<String>,
    /// `from __future__ import annotations`: annotations are strings (not compiled here yet).
    future_annotations: bool,
}

type R = Result<(), (u32, String)>;

pub(super) fn module(body: &[ast::Stmt], src: &str, lines: &Lines, table: &Table, codes: &mut Vec<CodeObject>) {
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
    let mut g = Gen { src, lines, table, codes, units: Vec::new(), imported, future_annotations: false };
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
    let code = flow::assemble(unit);
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
        ast::Stmt::For(f) => {
            for s in f.body.iter().chain(f.orelse.iter()) {
                collect_imports(s, out);
            }
        }
        ast::Stmt::While(w) => {
            for s in w.body.iter().chain(w.orelse.iter()) {
                collect_imports(s, out);
            }
        }
        ast::Stmt::With(w) => {
            for s in &w.body {
                collect_imports(s, out);
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
        // Stored as written: 3.11 does not apply `inspect.cleandoc` to the constant.
        return Some((s.value.to_str().to_owned(), &body[1..]));
    }
    None
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
            self.load_const(Const::None);
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
}
