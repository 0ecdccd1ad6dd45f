//! The front end: the one module that knows `ruff_python_parser` (whose API is unstable).
//! Parses a file, reports syntax errors as Python does, resolves every name and lowers the
//! AST to [`super::ir`], refusing what Threadline does not run with its line.

use super::frame::{self, CodeKind};
use super::ir::{
    Arg, BinOp, Builtin, CmpOp, CompDef, CompFor, CompKind, Expr, ExprKind, FPart, FuncDef, Handler, Name, Param,
    Params, Stmt, StmtKind, Target, UnOp,
};
use super::value::V;
use super::{CompileError, known_module};
use indexmap::{IndexMap, IndexSet};
use ruff_python_ast as ast;
use ruff_text_size::{Ranged, TextSize};
use std::sync::Arc;

mod exprs;
mod patterns;
mod stmts;
mod trystar;

/// Deepest expression or statement nesting accepted (CPython's parser gives up near here too).
const MAX_DEPTH: usize = 400;

/// Where each line starts, for offset → (line, column).
pub struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    /// Index `src`.
    pub fn new(src: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(src.match_indices('\n').map(|(i, _)| i + 1));
        Self { starts }
    }
    /// The text of 1-based line `n`, without its newline.
    pub fn text<'s>(&self, src: &'s str, n: u32) -> &'s str {
        let Some(&start) = self.starts.get((n as usize).wrapping_sub(1)) else { return "" };
        let end = self.starts.get(n as usize).copied().unwrap_or(src.len());
        src.get(start..end).unwrap_or_default().trim_end_matches(['\n', '\r'])
    }

    /// 1-based line and column of a byte offset.
    pub fn at(&self, src: &str, off: usize) -> (u32, u32) {
        let line = self.starts.partition_point(|&s| s <= off).max(1);
        let start = self.starts[line - 1];
        let col = src.get(start..off.min(src.len())).map_or(0, |s| s.chars().count()) + 1;
        (line as u32, col as u32)
    }
}

/// The parsed module, before lowering.
pub struct Parsed {
    body: Vec<ast::Stmt>,
}

impl Parsed {
    /// The module's statements.
    pub(crate) fn body(&self) -> &[ast::Stmt] {
        &self.body
    }
}

/// Parse `src`, or the first syntax error in Python's words.
pub fn parse(src: &str) -> Result<Parsed, CompileError> {
    let lines = Lines::new(src);
    // CPython's tokenizer refuses more than 200 nested brackets. Checked on the tokens
    // before parsing: the parser and the tree it builds recurse once per level, and a
    // 16 MB file of `[` would overflow even the compiler thread's stack (a fuzz finding).
    let mut lexer = ruff_python_parser::lexer::lex(src, ruff_python_parser::Mode::Module);
    let mut depth = 0usize;
    loop {
        use ruff_python_ast::token::TokenKind as K;
        match lexer.next_token() {
            K::EndOfFile => break,
            K::Lpar | K::Lsqb | K::Lbrace => {
                depth += 1;
                if depth > 200 {
                    let (line, col) = lines.at(src, deep_bracket_offset(src));
                    return Err(CompileError::syntax(line, col, "too many nested parentheses".into()));
                }
            }
            K::Rpar | K::Rsqb | K::Rbrace => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    let parsed = ruff_python_parser::parse_unchecked_source(src, ast::PySourceType::Python);
    if let Some(e) = parsed.errors().first() {
        let (line, col) = lines.at(src, e.location.start().to_usize());
        let mut err = CompileError::syntax(line, col, python_message(&e.error));
        err.others = parsed
            .errors()
            .iter()
            .skip(1)
            .map(|e| {
                let (l, c) = lines.at(src, e.location.start().to_usize());
                (l, c, python_message(&e.error))
            })
            .collect();
        return Err(err);
    }
    Ok(Parsed { body: parsed.into_syntax().body.into_iter().collect() })
}

/// Where the 201st unclosed bracket is, for the message (brackets inside strings and
/// comments are skipped as a quick scan can: quotes and `#` on one line).
fn deep_bracket_offset(src: &str) -> usize {
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut comment = false;
    for (i, b) in src.bytes().enumerate() {
        match (quote, comment, b) {
            (_, true, b'\n') => comment = false,
            (_, true, _) => {}
            (Some(q), _, c) if c == q => quote = None,
            (Some(_), _, _) => {}
            (None, _, b'#') => comment = true,
            (None, _, b'\'' | b'"') => quote = Some(b),
            (None, _, b'(' | b'[' | b'{') => {
                depth += 1;
                if depth > 200 {
                    return i;
                }
            }
            (None, _, b')' | b']' | b'}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    0
}

/// Ruff's wording turned into CPython's where they differ.
fn python_message(e: &ruff_python_parser::ParseErrorType) -> String {
    use ruff_python_parser::ParseErrorType as P;
    let raw = e.to_string();
    match e {
        P::ExpectedToken { expected, .. } => {
            let t = expected.to_string();
            let t = t.trim_matches(|c| c == '\'' || c == '`');
            format!("expected '{t}'")
        }
        _ => {
            let mut s = raw;
            if let Some(rest) = s.strip_prefix("Expected ") {
                s = format!("expected {rest}");
            }
            if let Some((a, _)) = s.split_once(", found") {
                s = a.to_string();
            }
            let mut c = s.chars();
            match c.next() {
                Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
                None => "invalid syntax".into(),
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum ScopeKind {
    Module,
    Function,
    Class,
}

struct Scope {
    kind: ScopeKind,
    locals: IndexMap<Arc<str>, u32>,
    globals: IndexSet<Arc<str>>,
    nonlocals: IndexSet<Arc<str>>,
    frees: IndexMap<Arc<str>, (u32, Name)>,
    captured: IndexSet<u32>,
    /// An `async def` (`await` is allowed).
    is_async: bool,
    /// An async generator (`return` takes no value).
    async_gen: bool,
}

impl Scope {
    fn new(kind: ScopeKind) -> Self {
        Self {
            kind,
            locals: IndexMap::default(),
            globals: IndexSet::new(),
            nonlocals: IndexSet::new(),
            frees: IndexMap::default(),
            captured: IndexSet::new(),
            is_async: false,
            async_gen: false,
        }
    }
}

/// Lowers one module.
pub struct Lowerer<'a> {
    src: &'a str,
    lines: Lines,
    scopes: Vec<Scope>,
    /// Module globals by name → slot.
    pub globals: IndexMap<Arc<str>, u32>,
    /// Globals that functions declare `global` and assign: the shared variables.
    pub tracked: IndexSet<u32>,
    /// Compile function bodies for the frame loop (`vm`); off, every body is tree-walked.
    pub frame_loop: bool,
    /// Slider overrides by constant name.
    overrides: &'a IndexMap<String, V>,
    qual: Vec<Arc<str>>,
    depth: usize,
    loop_depth: usize,
    /// Module names whose attributes are folded at compile time: a global bound only by
    /// top-level `import` statements of one module → (module, where the first import ends).
    modules: std::collections::HashMap<Arc<str>, (String, TextSize)>,
    /// Suspensions (`yield`, `await`) taken out of the statement being lowered into
    /// temporaries, to run just before it.
    hoisted: Vec<Stmt>,
    /// Inside an expression a suspension cannot be taken out of (a condition, a lambda…).
    no_hoist: u32,
    /// In a dict comprehension's element: how many of `hoisted` belong to its key.
    key_hoists: usize,
    /// The `case` being lowered: each name its pattern captures, with the hidden variable
    /// that holds it until the whole pattern has matched.
    match_binds: Vec<(Arc<str>, Name, Arc<str>)>,
}

type R<T> = Result<T, CompileError>;

fn names_in_target(e: &ast::Expr, out: &mut Vec<Arc<str>>) {
    match e {
        ast::Expr::Name(n) => out.push(Arc::from(n.id.as_str())),
        ast::Expr::Tuple(t) => t.elts.iter().for_each(|e| names_in_target(e, out)),
        ast::Expr::List(t) => t.elts.iter().for_each(|e| names_in_target(e, out)),
        ast::Expr::Starred(s) => names_in_target(&s.value, out),
        _ => {}
    }
}

/// Names a function body binds (not descending into nested scopes), and its declarations.
fn bound_names(
    body: &[ast::Stmt],
    out: &mut Vec<Arc<str>>,
    globals: &mut Vec<Arc<str>>,
    nonlocals: &mut Vec<Arc<str>>,
) {
    for s in body {
        match s {
            ast::Stmt::FunctionDef(f) => out.push(Arc::from(f.name.as_str())),
            ast::Stmt::ClassDef(c) => out.push(Arc::from(c.name.as_str())),
            ast::Stmt::Assign(a) => a.targets.iter().for_each(|t| names_in_target(t, out)),
            ast::Stmt::AugAssign(a) => names_in_target(&a.target, out),
            ast::Stmt::AnnAssign(a) => names_in_target(&a.target, out),
            ast::Stmt::For(f) => {
                names_in_target(&f.target, out);
                bound_names(&f.body, out, globals, nonlocals);
                bound_names(&f.orelse, out, globals, nonlocals);
            }
            ast::Stmt::While(w) => {
                bound_names(&w.body, out, globals, nonlocals);
                bound_names(&w.orelse, out, globals, nonlocals);
            }
            ast::Stmt::If(i) => {
                bound_names(&i.body, out, globals, nonlocals);
                for c in &i.elif_else_clauses {
                    bound_names(&c.body, out, globals, nonlocals);
                }
            }
            ast::Stmt::With(w) => {
                for it in &w.items {
                    if let Some(v) = &it.optional_vars {
                        names_in_target(v, out);
                    }
                }
                bound_names(&w.body, out, globals, nonlocals);
            }
            ast::Stmt::Try(t) => {
                bound_names(&t.body, out, globals, nonlocals);
                for ast::ExceptHandler::ExceptHandler(h) in &t.handlers {
                    if let Some(n) = &h.name {
                        out.push(Arc::from(n.as_str()));
                    }
                    bound_names(&h.body, out, globals, nonlocals);
                }
                bound_names(&t.orelse, out, globals, nonlocals);
                bound_names(&t.finalbody, out, globals, nonlocals);
            }
            ast::Stmt::Import(i) => {
                for a in &i.names {
                    let n = a.asname.as_ref().map_or_else(
                        || a.name.as_str().split('.').next().unwrap_or_default().to_string(),
                        |n| n.as_str().to_string(),
                    );
                    out.push(Arc::from(n.as_str()));
                }
            }
            ast::Stmt::ImportFrom(i) => {
                for a in &i.names {
                    out.push(Arc::from(a.asname.as_ref().unwrap_or(&a.name).as_str()));
                }
            }
            ast::Stmt::Delete(d) => d.targets.iter().for_each(|t| names_in_target(t, out)),
            ast::Stmt::Match(m) => {
                patterns::match_bound_names(m, out);
                for c in &m.cases {
                    bound_names(&c.body, out, globals, nonlocals);
                }
            }
            ast::Stmt::Global(g) => globals.extend(g.names.iter().map(|n| Arc::from(n.as_str()))),
            ast::Stmt::Nonlocal(g) => nonlocals.extend(g.names.iter().map(|n| Arc::from(n.as_str()))),
            _ => {}
        }
    }
}

/// Globals bound only by top-level `import` statements of one module (`import threading`,
/// `import multiprocessing as mp`), never assigned, deleted, rebound by another statement or
/// declared `global` in a function: (module, the end of the first such import).
fn foldable_modules(body: &[ast::Stmt]) -> std::collections::HashMap<Arc<str>, (String, TextSize)> {
    let mut imports: std::collections::HashMap<Arc<str>, (String, TextSize, usize)> = Default::default();
    let mut clash: Vec<Arc<str>> = Vec::new();
    for s in body {
        if let ast::Stmt::Import(i) = s {
            for a in &i.names {
                let full = a.name.as_str();
                let (bind, module) = match &a.asname {
                    Some(n) => (n.as_str(), full),
                    None => {
                        let top = full.split('.').next().unwrap_or_default();
                        (top, top)
                    }
                };
                let e = imports.entry(Arc::from(bind)).or_insert((module.to_string(), i.range.end(), 0));
                if e.0 != module {
                    clash.push(Arc::from(bind));
                }
                e.2 += 1;
            }
        }
    }
    // Every binding at module level (imports included, nested blocks too).
    let (mut bound, mut globals, mut nonlocals) = (Vec::new(), Vec::new(), Vec::new());
    bound_names(body, &mut bound, &mut globals, &mut nonlocals);
    declared_global(body, &mut globals);
    imports
        .into_iter()
        .filter(|(name, (_, _, n))| {
            !clash.contains(name) && !globals.contains(name) && bound.iter().filter(|b| *b == name).count() == *n
        })
        .map(|(name, (module, end, _))| (name, (module, end)))
        .collect()
}

/// Every name declared `global` in any function or class, at any depth.
fn declared_global(body: &[ast::Stmt], out: &mut Vec<Arc<str>>) {
    for s in body {
        match s {
            ast::Stmt::Global(g) => out.extend(g.names.iter().map(|n| Arc::from(n.as_str()))),
            ast::Stmt::FunctionDef(f) => declared_global(&f.body, out),
            ast::Stmt::ClassDef(c) => declared_global(&c.body, out),
            ast::Stmt::For(f) => {
                declared_global(&f.body, out);
                declared_global(&f.orelse, out);
            }
            ast::Stmt::While(w) => {
                declared_global(&w.body, out);
                declared_global(&w.orelse, out);
            }
            ast::Stmt::If(i) => {
                declared_global(&i.body, out);
                for c in &i.elif_else_clauses {
                    declared_global(&c.body, out);
                }
            }
            ast::Stmt::With(w) => declared_global(&w.body, out),
            ast::Stmt::Try(t) => {
                declared_global(&t.body, out);
                for ast::ExceptHandler::ExceptHandler(h) in &t.handlers {
                    declared_global(&h.body, out);
                }
                declared_global(&t.orelse, out);
                declared_global(&t.finalbody, out);
            }
            _ => {}
        }
    }
}

fn bin_op(op: ast::Operator) -> BinOp {
    use ast::Operator as O;
    match op {
        O::Add => BinOp::Add,
        O::Sub => BinOp::Sub,
        O::Mult => BinOp::Mul,
        O::MatMult => BinOp::MatMul,
        O::Div => BinOp::Div,
        O::Mod => BinOp::Mod,
        O::Pow => BinOp::Pow,
        O::LShift => BinOp::LShift,
        O::RShift => BinOp::RShift,
        O::BitOr => BinOp::BitOr,
        O::BitXor => BinOp::BitXor,
        O::BitAnd => BinOp::BitAnd,
        O::FloorDiv => BinOp::FloorDiv,
    }
}

impl<'a> Lowerer<'a> {
    /// A lowerer for `src`, with slider overrides.
    pub fn new(src: &'a str, overrides: &'a IndexMap<String, V>) -> Self {
        Self {
            src,
            lines: Lines::new(src),
            scopes: vec![Scope::new(ScopeKind::Module)],
            globals: IndexMap::default(),
            tracked: IndexSet::new(),
            frame_loop: true,
            overrides,
            qual: Vec::new(),
            depth: 0,
            loop_depth: 0,
            modules: std::collections::HashMap::new(),
            hoisted: Vec::new(),
            no_hoist: 0,
            key_hoists: 0,
            match_binds: Vec::new(),
        }
    }

    fn line(&self, at: TextSize) -> u32 {
        self.lines.at(self.src, at.to_usize()).0
    }

    fn pos(&self, at: TextSize) -> (u32, u32) {
        self.lines.at(self.src, at.to_usize())
    }

    fn unsupported(&self, at: TextSize, what: &str) -> CompileError {
        let (l, c) = self.pos(at);
        CompileError::unsupported(l, c, format!("{what} is not supported yet"))
    }

    fn global_slot(&mut self, name: &str) -> u32 {
        let n = self.globals.len() as u32;
        *self.globals.entry(Arc::from(name)).or_insert(n)
    }

    /// Lower the module body.
    pub fn module(&mut self, parsed: Parsed) -> R<Vec<Stmt>> {
        self.modules = foldable_modules(&parsed.body);
        self.block(&parsed.body)
    }

    /// `module.attr` as a constant, when `module` is a global that only `import` binds, the
    /// use comes after that import in the text (so the import has run), and the attribute
    /// exists: `threading.Lock` is then resolved here, not looked up by name at run time.
    fn fold_module_attr(&mut self, a: &ast::ExprAttribute) -> Option<V> {
        let ast::Expr::Name(n) = &*a.value else { return None };
        let (module, after) = self.modules.get(n.id.as_str())?;
        if a.range.start() < *after {
            return None;
        }
        let module = module.clone();
        if !matches!(self.resolve(n.id.as_str()), Name::Global(..)) {
            return None;
        }
        // A program may assign it (`threading.excepthook = hook`): read it when it runs.
        if super::stdlib::is_assignable(&module, a.attr.as_str()) {
            return None;
        }
        super::stdlib::module_attr(&module, a.attr.as_str())
    }

    fn resolve_free(&mut self, scope: usize, name: &Arc<str>) -> Option<Name> {
        // Find `name` in the function scopes enclosing `scope` — once: a name already free
        // here keeps its index (a second entry would point past the closure's end).
        if let Some((i, _)) = self.scopes[scope].frees.get(name) {
            return Some(Name::Free(*i));
        }
        if scope == 0 {
            return None;
        }
        let parent = scope - 1;
        match self.scopes[parent].kind {
            ScopeKind::Module => return None,
            // A class body's own names are not visible to what it encloses, but a name from
            // the function around it reaches its methods through it, as CPython passes the
            // cell through the class body's closure: a free variable of the class too.
            ScopeKind::Class => {
                let src = match self.scopes[parent].frees.get(name) {
                    Some((i, _)) => Name::Free(*i),
                    None => self.resolve_free(parent, name)?,
                };
                let s = &mut self.scopes[scope];
                let i = s.frees.len() as u32;
                s.frees.insert(name.clone(), (i, src));
                return Some(Name::Free(i));
            }
            ScopeKind::Function => {}
        }
        let src = {
            let p = &self.scopes[parent];
            if p.globals.contains(name) {
                return None;
            }
            if let Some(&slot) = p.locals.get(name)
                && !p.nonlocals.contains(name)
            {
                Some(Name::Local(slot))
            } else {
                p.frees.get(name).map(|(i, _)| Name::Free(*i))
            }
        };
        let src = match src {
            Some(Name::Local(slot)) => {
                self.scopes[parent].captured.insert(slot);
                Name::Local(slot)
            }
            Some(other) => other,
            // Further out: the recursive call makes it a free variable of `parent` too (a
            // second insert here would point the parent's entry at itself).
            None => self.resolve_free(parent, name)?,
        };
        let s = &mut self.scopes[scope];
        let i = s.frees.len() as u32;
        s.frees.insert(name.clone(), (i, src));
        Some(Name::Free(i))
    }

    fn resolve(&mut self, name: &str) -> Name {
        let key: Arc<str> = Arc::from(name);
        let top = self.scopes.len() - 1;
        let builtin = Builtin::from_name(name);
        let kind = self.scopes[top].kind;
        match kind {
            ScopeKind::Module => Name::Global(self.global_slot(name), builtin),
            ScopeKind::Class => {
                let g = self.global_slot(name);
                if self.scopes[top].locals.contains_key(&key) {
                    // A private name bound in the class body is stored mangled, as methods
                    // reach it (`self.__helper()` looks up `_C__helper`).
                    Name::ClassBody(self.mangle(&key), g, builtin)
                } else if let Some(f) = self.resolve_free(top, &key) {
                    f
                } else {
                    Name::ClassBody(key, g, builtin)
                }
            }
            ScopeKind::Function => {
                let s = &self.scopes[top];
                if s.globals.contains(&key) {
                    return Name::Global(self.global_slot(name), builtin);
                }
                if !s.nonlocals.contains(&key)
                    && let Some(&slot) = s.locals.get(&key)
                {
                    return Name::Local(slot);
                }
                if let Some((i, _)) = s.frees.get(&key) {
                    return Name::Free(*i);
                }
                if let Some(f) = self.resolve_free(top, &key) {
                    return f;
                }
                Name::Global(self.global_slot(name), builtin)
            }
        }
    }

    fn block(&mut self, body: &[ast::Stmt]) -> R<Vec<Stmt>> {
        body.iter().map(|s| self.stmt(s)).collect()
    }

    fn target(&mut self, e: &ast::Expr) -> R<Target> {
        Ok(match e {
            ast::Expr::Name(n) => {
                let name = self.resolve(n.id.as_str());
                if let Name::Global(slot, _) = name
                    && self.scopes.last().is_some_and(|s| s.kind == ScopeKind::Function)
                {
                    self.tracked.insert(slot);
                }
                Target::Name(name, Arc::from(n.id.as_str()))
            }
            ast::Expr::Attribute(a) => {
                Target::Attr(self.expr(&a.value)?, crate::py::value::intern(&self.mangle(a.attr.as_str())))
            }
            ast::Expr::Subscript(s) => Target::Subscript(self.expr(&s.value)?, self.expr(&s.slice)?),
            ast::Expr::Tuple(t) => self.unpack(&t.elts)?,
            ast::Expr::List(t) => self.unpack(&t.elts)?,
            ast::Expr::Starred(s) => Target::Starred(Box::new(self.target(&s.value)?)),
            other => {
                let (l, c) = self.pos(other.range().start());
                return Err(CompileError::syntax(l, c, "cannot assign to expression".into()));
            }
        })
    }

    fn unpack(&mut self, elts: &[ast::Expr]) -> R<Target> {
        let star = elts.iter().position(|e| matches!(e, ast::Expr::Starred(_)));
        Ok(Target::Unpack(elts.iter().map(|e| self.target(e)).collect::<R<_>>()?, star))
    }

    fn params(&mut self, p: &ast::Parameters) -> R<Params> {
        let mut out = Params::default();
        for a in p.posonlyargs.iter().chain(p.args.iter()) {
            out.args.push(Param {
                name: Arc::from(a.parameter.name.as_str()),
                default: a.default.as_ref().map(|d| self.expr(d)).transpose()?,
            });
        }
        out.vararg = p.vararg.as_ref().map(|v| Arc::from(v.name.as_str()));
        for a in &p.kwonlyargs {
            out.kwonly.push(Param {
                name: Arc::from(a.parameter.name.as_str()),
                default: a.default.as_ref().map(|d| self.expr(d)).transpose()?,
            });
        }
        out.kwarg = p.kwarg.as_ref().map(|v| Arc::from(v.name.as_str()));
        Ok(out)
    }

    /// Compile a function body in a new scope.
    fn function(
        &mut self,
        name: &str,
        params: Params,
        body: FuncBody<'_>,
        line: u32,
        kind: Option<CodeKind>,
    ) -> R<Arc<FuncDef>> {
        let mut scope = Scope::new(ScopeKind::Function);
        scope.is_async = matches!(kind, Some(CodeKind::Coroutine | CodeKind::AsyncGenerator));
        scope.async_gen = kind == Some(CodeKind::AsyncGenerator);
        let mut names: Vec<Arc<str>> = Vec::new();
        names.extend(params.args.iter().map(|p| p.name.clone()));
        names.extend(params.vararg.iter().cloned());
        names.extend(params.kwonly.iter().map(|p| p.name.clone()));
        names.extend(params.kwarg.iter().cloned());
        let mut bound = Vec::new();
        let (mut gl, mut nl) = (Vec::new(), Vec::new());
        match &body {
            FuncBody::Stmts(b) => bound_names(b, &mut bound, &mut gl, &mut nl),
            FuncBody::Expr(_) => {}
        }
        for n in names.iter().chain(bound.iter()) {
            if gl.contains(n) || nl.contains(n) {
                continue;
            }
            let k = scope.locals.len() as u32;
            scope.locals.entry(n.clone()).or_insert(k);
        }
        scope.globals.extend(gl);
        scope.nonlocals.extend(nl.iter().cloned());
        self.scopes.push(scope);
        self.qual.push(Arc::from(name));
        let saved_loop = std::mem::replace(&mut self.loop_depth, 0);
        let saved_no_hoist = std::mem::replace(&mut self.no_hoist, 0);
        let body = match body {
            FuncBody::Stmts(b) => self.block(b),
            FuncBody::Expr(e) => {
                self.no_hoist = 1;
                self.expr(e).map(|e| vec![Stmt { line: e.line, kind: StmtKind::Return(Some(e)) }])
            }
        };
        self.no_hoist = saved_no_hoist;
        self.loop_depth = saved_loop;
        let qualname = self.qualname();
        self.qual.pop();
        let scope = self.scopes.pop().unwrap_or_else(|| Scope::new(ScopeKind::Function));
        let body = body?;
        // A nonlocal that no enclosing function binds is a SyntaxError in Python.
        for n in &nl {
            if !scope.frees.contains_key(n) {
                return Err(CompileError::syntax(line, 1, format!("no binding for nonlocal '{n}' found")));
            }
        }
        let mut local_names = vec![Arc::<str>::from(""); scope.locals.len()];
        for (n, &i) in &scope.locals {
            local_names[i as usize] = n.clone();
        }
        Ok(Arc::new(FuncDef {
            name: Arc::from(name),
            qualname,
            params,
            n_locals: scope.locals.len() as u32,
            cells: scope.captured.iter().copied().collect(),
            free_from: scope.frees.values().map(|(_, n)| n.clone()).collect(),
            frame_code: kind.map(|k| Arc::new(frame::compile(&body, k))),
            vm: if kind.is_none() && self.frame_loop { crate::py::vm::compile(&body) } else { None },
            body,
            line,
            local_names,
        }))
    }

    /// `__spam` as CPython's compiler writes it inside a class `C` (`_C__spam`: private
    /// names, `_Py_Mangle`): the innermost class around the code, its leading underscores
    /// dropped; a dunder name, or a class named only with underscores, is left as it is.
    pub(crate) fn mangle(&self, name: &str) -> Arc<str> {
        // qual[i] names scopes[i + 1].
        let class = (1..self.scopes.len())
            .rev()
            .find(|&j| self.scopes[j].kind == ScopeKind::Class)
            .and_then(|j| self.qual.get(j - 1));
        match class {
            Some(c) => crate::py::ir::mangled(c, name),
            None => Arc::from(name),
        }
    }

    fn qualname(&self) -> Arc<str> {
        let mut s = String::new();
        for (i, q) in self.qual.iter().enumerate() {
            if i > 0 {
                s.push('.');
            }
            s.push_str(q);
            if i + 1 < self.qual.len() && self.scopes.get(i + 1).is_some_and(|sc| sc.kind == ScopeKind::Function) {
                s.push_str(".<locals>");
            }
        }
        Arc::from(s)
    }

    fn slider_value(&self, s: &ast::StmtAssign) -> Option<V> {
        if self.scopes.len() != 1 || s.targets.len() != 1 {
            return None;
        }
        let ast::Expr::Name(n) = &s.targets[0] else { return None };
        self.overrides.get(n.id.as_str()).cloned()
    }
}

/// A generator expression as the generator function it is: its `for`s and `if`s nested
/// around `yield elt`.
fn genexpr_body(fors: &[CompFor], elt: &Expr) -> Vec<Stmt> {
    let line = elt.line;
    let yield_elt = Expr { line, kind: Box::new(ExprKind::Yield(Some(elt.clone()))) };
    let mut body = vec![Stmt { line, kind: StmtKind::Expr(yield_elt) }];
    for g in fors.iter().rev() {
        for cond in g.ifs.iter().rev() {
            body = vec![Stmt { line: cond.line, kind: StmtKind::If(cond.clone(), body, Vec::new()) }];
        }
        body =
            vec![Stmt { line: g.iter.line, kind: StmtKind::For(g.target.clone(), g.iter.clone(), body, Vec::new()) }];
    }
    body
}

enum FuncBody<'b> {
    Stmts(&'b [ast::Stmt]),
    Expr(&'b ast::Expr),
}

/// Whether a class body annotates a name anywhere outside nested functions and classes
/// (it then gets an `__annotations__` dict).
fn has_name_annotation(body: &[ast::Stmt]) -> bool {
    body.iter().any(|s| match s {
        ast::Stmt::AnnAssign(a) => a.target.is_name_expr(),
        ast::Stmt::If(i) => {
            has_name_annotation(&i.body) || i.elif_else_clauses.iter().any(|c| has_name_annotation(&c.body))
        }
        ast::Stmt::For(f) => has_name_annotation(&f.body) || has_name_annotation(&f.orelse),
        ast::Stmt::While(w) => has_name_annotation(&w.body) || has_name_annotation(&w.orelse),
        ast::Stmt::With(w) => has_name_annotation(&w.body),
        ast::Stmt::Try(t) => {
            has_name_annotation(&t.body)
                || has_name_annotation(&t.orelse)
                || has_name_annotation(&t.finalbody)
                || t.handlers.iter().any(|h| match h {
                    ast::ExceptHandler::ExceptHandler(h) => has_name_annotation(&h.body),
                })
        }
        _ => false,
    })
}

fn body_has_yield(body: &[ast::Stmt]) -> bool {
    use ruff_python_ast::visitor::Visitor;
    let mut y = YieldFinder(false);
    for s in body {
        y.visit_stmt(s);
    }
    y.0
}

/// Finds a `yield` (or `yield from`) in the scope it walks: not inside a nested `def`, class
/// or lambda, and of a comprehension (a scope of its own, whose `yield` is a SyntaxError of
/// its own) only the first iterable, which is evaluated in the enclosing scope.
pub(super) struct YieldFinder(pub bool);

impl<'a> ruff_python_ast::visitor::Visitor<'a> for YieldFinder {
    fn visit_stmt(&mut self, s: &'a ast::Stmt) {
        match s {
            ast::Stmt::FunctionDef(_) | ast::Stmt::ClassDef(_) => {}
            other => ruff_python_ast::visitor::walk_stmt(self, other),
        }
    }
    fn visit_expr(&mut self, e: &'a ast::Expr) {
        match e {
            ast::Expr::Yield(_) | ast::Expr::YieldFrom(_) => self.0 = true,
            ast::Expr::Lambda(_) => {}
            ast::Expr::ListComp(ast::ExprListComp { generators, .. })
            | ast::Expr::SetComp(ast::ExprSetComp { generators, .. })
            | ast::Expr::DictComp(ast::ExprDictComp { generators, .. })
            | ast::Expr::Generator(ast::ExprGenerator { generators, .. }) => {
                if let Some(g) = generators.first() {
                    self.visit_expr(&g.iter);
                }
            }
            other => ruff_python_ast::visitor::walk_expr(self, other),
        }
    }
}

/// The module docstring, if the file starts with one.
pub fn docstring(parsed: &Parsed) -> Option<String> {
    match parsed.body.first() {
        Some(ast::Stmt::Expr(e)) => match &*e.value {
            ast::Expr::StringLiteral(s) => Some(s.value.to_str().to_string()),
            _ => None,
        },
        _ => None,
    }
}

/// Module-level `NAME = number  # slider: LO..HI Label` lines: (name, line, value text).
pub fn slider_lines(parsed: &Parsed, src: &str) -> Vec<(String, u32, V, String)> {
    let lines = Lines::new(src);
    let mut out = Vec::new();
    for s in &parsed.body {
        let ast::Stmt::Assign(a) = s else { continue };
        let [ast::Expr::Name(n)] = a.targets.as_slice() else { continue };
        let v = match &*a.value {
            ast::Expr::NumberLiteral(n) => match &n.value {
                ast::Number::Int(i) => i.as_i64().map(V::Int),
                ast::Number::Float(f) => Some(V::Float(*f)),
                _ => None,
            },
            ast::Expr::UnaryOp(u) if u.op == ast::UnaryOp::USub => match &*u.operand {
                ast::Expr::NumberLiteral(n) => match &n.value {
                    ast::Number::Int(i) => i.as_i64().map(|i| V::Int(-i)),
                    ast::Number::Float(f) => Some(V::Float(-*f)),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        };
        let Some(v) = v else { continue };
        let (line, _) = lines.at(src, a.range.start().to_usize());
        let text = lines.text(src, line);
        if let Some((_, comment)) = text.split_once('#') {
            out.push((n.id.as_str().to_string(), line, v, comment.trim().to_string()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value expression of the assignment on `line` of `src`.
    fn assigned(src: &str, line: u32) -> ExprKind {
        let ov = IndexMap::default();
        let mut l = Lowerer::new(src, &ov);
        let body = l.module(parse(src).expect("parses")).expect("lowers");
        body.into_iter()
            .find_map(|s| match s.kind {
                StmtKind::Assign(_, e) if s.line == line => Some(*e.kind),
                _ => None,
            })
            .expect("an assignment on that line")
    }

    #[test]
    fn module_attributes_fold_only_when_the_module_name_is_never_rebound() {
        let folded = |src: &str, line: u32| matches!(assigned(src, line), ExprKind::Const(_));
        assert!(folded("import threading\nx = threading.Lock\n", 2));
        assert!(folded("import multiprocessing as mp\nx = mp.Queue\n", 2));
        assert!(folded("import concurrent.futures\nx = concurrent.futures.wait\n", 2));
        // Rebound, assigned through `global`, used before the import, or unknown: looked up
        // at run time, as CPython does.
        assert!(!folded("import threading\nx = threading.Lock\nthreading = None\n", 2));
        assert!(!folded("import threading\nx = threading.Lock\ndef f():\n    global threading\n", 2));
        assert!(!folded("x = 1\nimport threading\nif x:\n    import queue as threading\ny = threading.Lock\n", 5));
        assert!(!folded("import threading\nx = threading.NoSuchThing\n", 2));
        assert!(!folded("x = threading.Lock\nimport threading\n", 1), "NameError before the import, as in Python");
    }
}
