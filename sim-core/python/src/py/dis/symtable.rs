//! Scopes and what each name is in them, as CPython's `Python/symtable.c` decides: a
//! function's local, a cell its inner functions share, a free variable, a global named by
//! `global` or one merely not bound here.

use ruff_python_ast::{self as ast, visitor::Visitor};
use ruff_text_size::Ranged;
use std::collections::{BTreeSet, HashMap, HashSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Module,
    Class,
    Function,
    Lambda,
    Comprehension,
}

/// What a name is in a scope (CPython's `_PyST_GetScope`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Scope {
    Local,
    Cell,
    Free,
    GlobalExplicit,
    GlobalImplicit,
}

#[derive(Debug)]
pub(super) struct ScopeInfo {
    pub kind: Kind,
    pub params: Vec<String>,
    pub bound: HashSet<String>,
    pub used: HashSet<String>,
    pub globals: HashSet<String>,
    pub nonlocals: HashSet<String>,
    pub children: Vec<usize>,
    pub cells: BTreeSet<String>,
    pub frees: BTreeSet<String>,
    pub generator: bool,
    /// An `async def` with a `yield`: its yields wrap their value (ASYNC_GEN_WRAP).
    pub async_generator: bool,
    is_async: bool,
    /// A class whose methods use `super` or `__class__`.
    pub class_cell: bool,
}

impl ScopeInfo {
    fn new(kind: Kind) -> Self {
        Self {
            kind,
            params: Vec::new(),
            bound: HashSet::new(),
            used: HashSet::new(),
            globals: HashSet::new(),
            nonlocals: HashSet::new(),
            children: Vec::new(),
            cells: BTreeSet::new(),
            frees: BTreeSet::new(),
            generator: false,
            async_generator: false,
            is_async: false,
            class_cell: false,
        }
    }

    pub fn is_function(&self) -> bool {
        matches!(self.kind, Kind::Function | Kind::Lambda | Kind::Comprehension)
    }
}

/// Every scope of a module; `scopes[0]` is the module.
pub(super) struct Table {
    pub scopes: Vec<ScopeInfo>,
    /// A scope by the start offset of the node that makes it.
    by_node: HashMap<u32, usize>,
    /// Names some function declares `global`: the module uses `LOAD_GLOBAL` for them too.
    declared_global: HashSet<String>,
}

impl Table {
    pub fn scope_of(&self, node: impl Ranged) -> usize {
        self.by_node.get(&node.range().start().to_u32()).copied().unwrap_or(0)
    }

    pub fn scope(&self, s: usize, name: &str) -> Scope {
        let info = &self.scopes[s];
        if info.kind == Kind::Module {
            return if self.declared_global.contains(name) { Scope::GlobalExplicit } else { Scope::Local };
        }
        if info.globals.contains(name) {
            Scope::GlobalExplicit
        } else if info.kind == Kind::Class && info.bound.contains(name) && !info.nonlocals.contains(name) {
            // A class body's own names stay its own, whatever its methods use.
            Scope::Local
        } else if info.cells.contains(name) {
            Scope::Cell
        } else if info.frees.contains(name) {
            Scope::Free
        } else if info.bound.contains(name) {
            Scope::Local
        } else {
            Scope::GlobalImplicit
        }
    }
}

pub(super) fn build(body: &[ast::Stmt]) -> Table {
    let mut b = Builder {
        private: None,
        scopes: vec![ScopeInfo::new(Kind::Module)],
        by_node: HashMap::new(),
        cur: 0,
        declared_global: HashSet::new(),
    };
    for s in body {
        b.visit_stmt(s);
    }
    let mut t = Table { scopes: b.scopes, by_node: b.by_node, declared_global: b.declared_global };
    analyze(&mut t, 0, &HashSet::new());
    t
}

/// CPython's `analyze_block`: returns the names free in `s` that an enclosing scope must
/// provide.
fn analyze(t: &mut Table, s: usize, bound_above: &HashSet<String>) -> HashSet<String> {
    let kind = t.scopes[s].kind;
    let mut frees: HashSet<String> = HashSet::new();
    if kind != Kind::Module {
        let info = &t.scopes[s];
        let names: Vec<String> =
            info.used.iter().chain(info.bound.iter()).chain(info.nonlocals.iter()).cloned().collect();
        for n in names {
            let info = &t.scopes[s];
            if info.globals.contains(&n) {
                continue;
            }
            if info.nonlocals.contains(&n) || (!info.bound.contains(&n) && bound_above.contains(&n)) {
                frees.insert(n);
            }
        }
    }
    let mut below: HashSet<String> = bound_above.clone();
    match kind {
        Kind::Module => {}
        Kind::Class => {
            below.insert("__class__".into());
        }
        _ => {
            let info = &t.scopes[s];
            for n in &info.bound {
                if !info.globals.contains(n) && !info.nonlocals.contains(n) {
                    below.insert(n.clone());
                }
            }
            for n in &info.globals {
                below.remove(n);
            }
        }
    }
    let children = t.scopes[s].children.clone();
    let mut child_frees: HashSet<String> = HashSet::new();
    for c in children {
        child_frees.extend(analyze(t, c, &below));
    }
    let info = &mut t.scopes[s];
    for n in child_frees {
        match kind {
            Kind::Class if n == "__class__" => info.class_cell = true,
            Kind::Module => {}
            _ if info.is_function()
                && info.bound.contains(&n)
                && !info.globals.contains(&n)
                && !info.nonlocals.contains(&n) =>
            {
                info.cells.insert(n);
            }
            _ => {
                frees.insert(n);
            }
        }
    }
    if kind == Kind::Class && info.class_cell {
        info.cells.insert("__class__".into());
    }
    info.frees = frees.iter().cloned().collect();
    frees
}

/// CPython's `_Py_Mangle`: `__name` inside class `C` is `_C__name`.
pub(super) fn mangle(private: Option<&str>, name: &str) -> String {
    let Some(class) = private else { return name.to_owned() };
    if !name.starts_with("__") || name.ends_with("__") || name.contains('.') {
        return name.to_owned();
    }
    let stripped = class.trim_start_matches('_');
    if stripped.is_empty() {
        return name.to_owned();
    }
    format!("_{stripped}{name}")
}

struct Builder {
    /// The enclosing class's name, for mangling private names.
    private: Option<String>,
    scopes: Vec<ScopeInfo>,
    by_node: HashMap<u32, usize>,
    cur: usize,
    declared_global: HashSet<String>,
}

impl Builder {
    fn bind(&mut self, n: &str) {
        let n = mangle(self.private.as_deref(), n);
        self.scopes[self.cur].bound.insert(n);
    }

    fn use_name(&mut self, n: &str) {
        let n = mangle(self.private.as_deref(), n);
        self.scopes[self.cur].used.insert(n);
    }

    fn enter(&mut self, kind: Kind, at: u32) -> usize {
        let id = self.scopes.len();
        self.scopes.push(ScopeInfo::new(kind));
        self.scopes[self.cur].children.push(id);
        self.by_node.insert(at, id);
        let outer = self.cur;
        self.cur = id;
        outer
    }

    fn params(&mut self, p: &ast::Parameters) {
        // CPython lists *args and **kwargs after the keyword-only ones.
        let mut order: Vec<String> = p
            .posonlyargs
            .iter()
            .chain(p.args.iter())
            .chain(p.kwonlyargs.iter())
            .map(|a| a.parameter.name.to_string())
            .collect();
        if let Some(v) = &p.vararg {
            order.push(v.name.to_string());
        }
        if let Some(k) = &p.kwarg {
            order.push(k.name.to_string());
        }
        for n in &order {
            self.bind(n);
        }
        self.scopes[self.cur].params = order.iter().map(|n| mangle(self.private.as_deref(), n)).collect();
    }

    fn comprehension(&mut self, at: u32, gens: &[ast::Comprehension], elts: &[&ast::Expr]) {
        // The first iterable is evaluated outside.
        if let Some(g) = gens.first() {
            self.visit_expr(&g.iter);
        }
        let outer = self.enter(Kind::Comprehension, at);
        self.scopes[self.cur].params = vec![".0".into()];
        self.bind(".0");
        for (i, g) in gens.iter().enumerate() {
            if i > 0 {
                self.visit_expr(&g.iter);
            }
            self.visit_expr(&g.target);
            for c in &g.ifs {
                self.visit_expr(c);
            }
        }
        for e in elts {
            self.visit_expr(e);
        }
        self.cur = outer;
    }
}

impl<'a> Visitor<'a> for Builder {
    fn visit_stmt(&mut self, s: &'a ast::Stmt) {
        match s {
            ast::Stmt::FunctionDef(f) => {
                for d in &f.decorator_list {
                    self.visit_expr(&d.expression);
                }
                let p = &f.parameters;
                self.defaults(p);
                for a in p.iter() {
                    if let Some(ann) = a.annotation() {
                        self.visit_expr(ann);
                    }
                }
                if let Some(r) = &f.returns {
                    self.visit_expr(r);
                }
                self.bind(f.name.as_str());
                let outer = self.enter(Kind::Function, s.range().start().to_u32());
                // A coroutine starts as a generator does (RETURN_GENERATOR).
                self.scopes[self.cur].generator |= f.is_async;
                self.scopes[self.cur].is_async = f.is_async;
                self.params(p);
                for st in &f.body {
                    self.visit_stmt(st);
                }
                self.cur = outer;
            }
            ast::Stmt::ClassDef(c) => {
                for d in &c.decorator_list {
                    self.visit_expr(&d.expression);
                }
                if let Some(a) = &c.arguments {
                    self.visit_arguments(a);
                }
                self.bind(c.name.as_str());
                let outer = self.enter(Kind::Class, s.range().start().to_u32());
                let private = self.private.replace(c.name.to_string());
                for st in &c.body {
                    self.visit_stmt(st);
                }
                self.private = private;
                self.cur = outer;
            }
            ast::Stmt::Global(g) => {
                for n in &g.names {
                    let n = mangle(self.private.as_deref(), n.as_str());
                    self.scopes[self.cur].globals.insert(n.clone());
                    self.declared_global.insert(n);
                }
            }
            ast::Stmt::Nonlocal(g) => {
                for n in &g.names {
                    let n = mangle(self.private.as_deref(), n.as_str());
                    self.scopes[self.cur].nonlocals.insert(n);
                }
            }
            ast::Stmt::Import(i) => {
                for a in &i.names {
                    let n = a
                        .asname
                        .as_ref()
                        .map_or_else(|| a.name.split('.').next().unwrap_or("").to_owned(), |x| x.to_string());
                    self.bind(&n);
                }
            }
            ast::Stmt::ImportFrom(i) => {
                for a in &i.names {
                    let n = a.asname.as_ref().map_or_else(|| a.name.to_string(), |x| x.to_string());
                    if n != "*" {
                        self.bind(&n);
                    }
                }
            }
            ast::Stmt::Try(t) => {
                for h in &t.handlers {
                    let ast::ExceptHandler::ExceptHandler(h) = h;
                    if let Some(n) = &h.name {
                        self.bind(n.as_str());
                    }
                }
                ast::visitor::walk_stmt(self, s);
            }
            _ => ast::visitor::walk_stmt(self, s),
        }
    }

    fn visit_expr(&mut self, e: &'a ast::Expr) {
        let at = e.range().start().to_u32();
        match e {
            ast::Expr::Name(n) => {
                if n.ctx == ast::ExprContext::Load {
                    self.use_name(n.id.as_str());
                    if n.id.as_str() == "super" && self.scopes[self.cur].kind == Kind::Function {
                        self.scopes[self.cur].used.insert("__class__".into());
                    }
                } else {
                    self.bind(n.id.as_str());
                }
            }
            ast::Expr::Named(n) => {
                self.visit_expr(&n.value);
                // A walrus in a comprehension binds in the enclosing function.
                let mut s = self.cur;
                while self.scopes[s].kind == Kind::Comprehension {
                    s = self.parent_of(s);
                }
                if let ast::Expr::Name(t) = &*n.target {
                    self.scopes[s].bound.insert(t.id.to_string());
                    if s != self.cur {
                        self.scopes[self.cur].nonlocals.insert(t.id.to_string());
                    }
                }
            }
            ast::Expr::Lambda(l) => {
                if let Some(p) = &l.parameters {
                    self.defaults(p);
                }
                let outer = self.enter(Kind::Lambda, at);
                if let Some(p) = &l.parameters {
                    self.params(p);
                }
                self.visit_expr(&l.body);
                self.cur = outer;
            }
            ast::Expr::ListComp(c) => self.comprehension(at, &c.generators, &[&c.elt]),
            ast::Expr::SetComp(c) => self.comprehension(at, &c.generators, &[&c.elt]),
            ast::Expr::Generator(c) => {
                self.comprehension(at, &c.generators, &[&c.elt]);
                if let Some(&id) = self.by_node.get(&at) {
                    self.scopes[id].generator = true;
                }
            }
            ast::Expr::DictComp(c) => {
                let mut elts: Vec<&ast::Expr> = c.key.iter().map(|k| &**k).collect();
                elts.push(&c.value);
                self.comprehension(at, &c.generators, &elts);
            }
            ast::Expr::Yield(_) | ast::Expr::YieldFrom(_) => {
                let sc = &mut self.scopes[self.cur];
                sc.generator = true;
                sc.async_generator |= sc.is_async;
                ast::visitor::walk_expr(self, e);
            }
            _ => ast::visitor::walk_expr(self, e),
        }
    }
}

impl Builder {
    /// Default values are evaluated in the enclosing scope.
    fn defaults(&mut self, p: &ast::Parameters) {
        for d in
            p.posonlyargs.iter().chain(p.args.iter()).chain(p.kwonlyargs.iter()).filter_map(|a| a.default.as_deref())
        {
            self.visit_expr(d);
        }
    }

    fn parent_of(&self, s: usize) -> usize {
        self.scopes.iter().position(|x| x.children.contains(&s)).unwrap_or(0)
    }
}
