//! The evaluator: runs the closed program of [`super::ir`] on one simulated thread, through
//! the runtime's [`Ctx`] — the GIL's eval-breaker at CPython's sites, every primitive
//! instrumented, every event stamped with the statement's line.

use super::frame::Generator;
use super::ir::{
    Arg, BinOp, CmpOp, CompDef, CompKind, Expr, ExprKind, FPart, FuncDef, Name, Stmt, StmtKind, Target, UnOp,
};
use super::stdlib::{self, NFn, Native};
use super::value::{Attrs, Class, ClassKind, Dict, Func, Inst, InstNative, PyIter, V, cmp, range_len};
use super::{World, exc};
use crate::py::value::{DictIter, ViewKind};
use indexmap::IndexMap;
use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{Signed, ToPrimitive, Zero};
use parking_lot::Mutex;
use smallvec::{SmallVec, smallvec};
use std::sync::Arc;
use threadline_model::event::EventKind;
use threadline_model::model::GilMode;
use threadline_runtime::rt::{Ctx, Unwind};

/// A raised exception travelling up the stack, with the frames it left.
#[derive(Debug, Clone)]
pub struct Exc {
    /// The exception instance.
    pub value: V,
    /// (line, function name) of each frame it left, innermost first.
    pub tb: Vec<(u32, Arc<str>)>,
}

/// Why evaluation stopped early.
#[derive(Debug)]
pub enum Flow {
    /// A Python exception.
    Exc(Box<Exc>),
    /// The run stopped or the thread was killed.
    Halt(Box<Unwind>),
    /// `return`.
    Return(V),
    /// `break`.
    Break,
    /// `continue`.
    Continue,
}

/// Evaluation result.
pub type R<T> = Result<T, Flow>;

impl From<Unwind> for Flow {
    fn from(u: Unwind) -> Self {
        match u {
            Unwind::Raise(e) => Flow::Exc(Box::new(Exc { value: exc::from_pyerror(&e), tb: Vec::new() })),
            other => Flow::Halt(Box::new(other)),
        }
    }
}

/// Raise `ty(msg)`.
pub fn raise<T>(ty: &str, msg: impl Into<String>) -> R<T> {
    Err(Flow::Exc(Box::new(Exc { value: exc::new_exc(ty, msg.into()), tb: Vec::new() })))
}

/// `TypeError(msg)`.
pub fn type_err<T>(msg: impl Into<String>) -> R<T> {
    raise("TypeError", msg)
}

/// A frame: locals (cells where captured), the closure, the class namespace being built.
pub struct Frame<'f> {
    /// Local slots.
    pub locals: SmallVec<[V; 8]>,
    /// Captured cells of enclosing scopes.
    pub closure: &'f [Arc<Mutex<V>>],
    /// The class body namespace, while a class body runs.
    pub class_ns: Option<&'f Mutex<Attrs>>,
    /// The running function (for `super()`).
    pub func: Option<&'f Arc<Func>>,
    /// Current line.
    pub line: u32,
}

/// The interpreter of one simulated thread.
pub struct Interp<'a> {
    /// Runtime context of this thread.
    pub ctx: &'a Ctx,
    /// The run.
    pub w: &'a Arc<World>,
    /// This thread's process globals.
    pub pw: Arc<super::ProcWorld>,
    /// Call depth (RecursionError past the limit).
    pub depth: usize,
    /// Exceptions being handled, with the frames they left (for bare `raise`,
    /// `logging.exception`).
    pub handling: Vec<Exc>,
    /// The lists, dicts and sets whose repr is being made (a container met again inside
    /// itself prints as `[...]`).
    repr_open: Vec<usize>,
    mode: GilMode,
    /// Last value this thread loaded from each tracked global (for the race-free value).
    loaded: Vec<(u32, V)>,
    /// A controlled free-threaded run: every load and store of a shared variable is a
    /// switch point.
    controlled_ft: bool,
    /// A controlled run: stores and calls that may change state are counted, for the
    /// turnstile's spin-loop detection ([`Ctx::spin_point`]).
    controlled: bool,
    /// `x += 1` on a global is split into load, add and store with switch points between
    /// (CPython 3.9, or a controlled run asked to).
    split: bool,
    /// The event loop `asyncio.run` is running on this thread.
    pub aio: Option<Arc<super::asyncio::Loop>>,
}

/// Keyword arguments of a call, in order.
pub type Kwargs = Vec<(Arc<str>, V)>;

/// A call that cannot change the program's state: a Python function (its own statements
/// count), or a built-in that only reads. Anything else counts as a change for the
/// turnstile's spin-loop detection (a conservative list: a change not counted could make a
/// spinning thread wait for ever).
fn pure_callee(f: &V) -> bool {
    use super::ir::Builtin as B;
    match f {
        V::Func(_) => true,
        V::Builtin(b) => matches!(
            b,
            B::Len | B::Isinstance | B::Bool | B::Id | B::Type | B::Hasattr | B::Callable | B::Abs | B::Repr | B::Str
        ),
        _ => false,
    }
}

/// A method that only reads: `q.empty()`, `ev.is_set()`, `lock.locked()`, `t.is_alive()`,
/// `d.get(k)` on a dict… (see [`pure_callee`]).
fn pure_method(o: &V, name: &str) -> bool {
    match name {
        "empty" | "qsize" | "full" | "is_set" | "locked" | "is_alive" | "done" | "running" | "cancelled"
        | "startswith" | "endswith" => true,
        "get" | "keys" | "values" | "items" | "count" | "index" => matches!(o, V::Dict(_) | V::List(_) | V::Tuple(_)),
        _ => false,
    }
}

/// `x op y` on small ints when it stays one (else None: the general path decides).
#[inline]
fn small_int_op(op: BinOp, x: i64, y: i64) -> Option<i64> {
    match op {
        BinOp::Add => x.checked_add(y),
        BinOp::Sub => x.checked_sub(y),
        BinOp::Mul => x.checked_mul(y),
        BinOp::BitAnd => Some(x & y),
        BinOp::BitOr => Some(x | y),
        BinOp::BitXor => Some(x ^ y),
        _ => None,
    }
}

/// Whether a call with `n` positional arguments binds them in order and fills the rest
/// from defaults (no `*args`, `**kwargs` or keyword-only parameters).
fn fast_arity(func: &Func, n: usize) -> bool {
    let p = &func.def.params;
    p.vararg.is_none()
        && p.kwarg.is_none()
        && p.kwonly.is_empty()
        && n <= p.args.len()
        && n + func.defaults.len() >= p.args.len()
}

/// CPython 3.11 refuses to turn an int of more than 4 300 digits into text (the conversion
/// is quadratic): `ValueError`, as there.
pub fn check_int_digits(v: &V) -> R<()> {
    if let V::Big(b) = v {
        let bits = b.bits();
        // 4 300 digits ≈ 14 284.3 bits: only near the edge is the count worth making.
        if bits > 14_290 || (bits > 14_270 && b.magnitude().to_string().len() > 4300) {
            return raise(
                "ValueError",
                "Exceeds the limit (4300 digits) for integer string conversion; use sys.set_int_max_str_digits() to increase the limit",
            );
        }
    }
    Ok(())
}

/// Turn a function's captured locals into cells.
fn cells_in(def: &FuncDef, locals: &mut SmallVec<[V; 8]>) {
    for &c in &def.cells {
        let v = std::mem::take(&mut locals[c as usize]);
        locals[c as usize] = V::Cell(Arc::new(Mutex::new(v)));
    }
}

/// Python's default recursion limit.
pub const RECURSION_LIMIT: usize = 1000;

impl<'a> Interp<'a> {
    /// An interpreter for `ctx`'s thread.
    pub fn new(ctx: &'a Ctx, w: &'a Arc<World>, pw: Arc<super::ProcWorld>) -> Self {
        let controlled_ft = ctx.shared.control().is_some() && ctx.gil_mode() == GilMode::FreeThreaded;
        let split = ctx.gil_mode() == GilMode::Cpython39 || ctx.shared.control().is_some_and(|c| c.split_updates());
        Self {
            ctx,
            w,
            pw,
            depth: 0,
            handling: Vec::new(),
            repr_open: Vec::new(),
            mode: ctx.gil_mode(),
            loaded: Vec::new(),
            controlled_ft,
            controlled: ctx.shared.control().is_some(),
            split,
            aio: None,
        }
    }

    #[inline]
    pub(crate) fn breaker(&self) -> R<()> {
        self.ctx.eval_breaker().map_err(Flow::from)
    }

    /// A call returned: CPython 3.9 and 3.10+ check the eval breaker after every call
    /// (`CALL_FUNCTION`'s `CHECK_EVAL_BREAKER`), built-ins and methods of native objects
    /// included, so another thread may run between `items.append(tmp)` and the next line.
    /// (3.11+ skip it after `len`, `isinstance` and `list.append` once specialised; the
    /// `cpython-3.10+` mode keeps 3.10's check, a superset.)
    #[inline]
    pub(crate) fn after_call(&self, r: R<V>) -> R<V> {
        if r.is_ok() && self.mode != GilMode::FreeThreaded {
            self.breaker()?;
        }
        r
    }

    // ------------------------------------------------------------ statements

    /// `raise v [from cause]` inside a handler: `v.__context__` is the exception being
    /// handled, `v.__cause__` the one named after `from` (`from None` hides the context).
    /// Each chained exception keeps the frames it had left (`__tl_tb__`), for the traceback.
    fn chain(&mut self, v: &V, cause: Option<V>) -> R<()> {
        let V::Inst(i) = v else { return Ok(()) };
        let keep_tb = |x: &Exc| {
            if let V::Inst(xi) = &x.value {
                let tb: Vec<V> =
                    x.tb.iter().map(|(l, n)| V::tuple(vec![V::Int(i64::from(*l)), V::Str(n.clone())])).collect();
                xi.dict.lock().entry(Arc::from("__tl_tb__")).or_insert_with(|| V::list(tb));
            }
        };
        if let Some(h) = self.handling.last().cloned()
            && !h.value.is(v)
        {
            keep_tb(&h);
            i.dict.lock().insert(Arc::from("__context__"), h.value.clone());
        }
        if let Some(c) = cause {
            match &c {
                V::None => {}
                V::Inst(ci) if ci.class.is_sub(&exc::class("BaseException")) => {
                    if let Some(h) = self.handling.iter().find(|h| h.value.is(&c)).cloned() {
                        keep_tb(&h);
                    }
                }
                V::Class(cc) if cc.is_sub(&exc::class("BaseException")) => {
                    let made = self.call(&c, Vec::new(), Vec::new())?;
                    i.dict.lock().insert(Arc::from("__cause__"), made);
                    i.dict.lock().insert(Arc::from("__suppress_context__"), V::Bool(true));
                    return Ok(());
                }
                _ => return type_err("exception causes must derive from BaseException"),
            }
            i.dict.lock().insert(Arc::from("__cause__"), c);
            i.dict.lock().insert(Arc::from("__suppress_context__"), V::Bool(true));
        }
        Ok(())
    }

    /// Run a block.
    pub fn block(&mut self, f: &mut Frame<'_>, body: &[Stmt]) -> R<()> {
        for s in body {
            self.stmt_start(f, s.line)?;
            self.stmt(f, s)?;
            self.stmt_end(s.line);
        }
        Ok(())
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
    fn warn_unawaited(&mut self, line: u32) {
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

    /// An `except` clause caught `v`: the run's record shows the error.
    pub(crate) fn record_handled(&mut self, v: &V) {
        self.ctx.record(EventKind::Error { error: exc::to_pyerror(v) });
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
                Err(Flow::Return(v))
            }
            _ => self.stmt_other(f, s),
        }
    }

    #[inline(never)]
    fn stmt_other(&mut self, f: &mut Frame<'_>, s: &Stmt) -> R<()> {
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
            StmtKind::Class { target, name, bases, body, decorators } => {
                let decs = decorators.iter().map(|d| self.eval(f, d)).collect::<R<Vec<_>>>()?;
                let bases = bases.iter().map(|b| self.eval(f, b)).collect::<R<Vec<_>>>()?;
                let ns = Mutex::new(IndexMap::default());
                {
                    let mut cf = Frame {
                        locals: SmallVec::new(),
                        closure: f.closure,
                        class_ns: Some(&ns),
                        func: None,
                        line: s.line,
                    };
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
                                f.locals[slot] = V::Int(i);
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
                    for h in handlers {
                        let matches = match &h.ty {
                            None => true,
                            Some(t) => {
                                let t = self.eval(f, t)?;
                                exc::matches(&value, &t)
                            }
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
                            self.handling.pop();
                            out = r;
                            break;
                        }
                    }
                }
                if matches!(out, Err(Flow::Halt(_))) {
                    return out;
                }
                if !finally.is_empty() {
                    self.block(f, finally)?;
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
    fn loop_body(&mut self, f: &mut Frame<'_>, body: &[Stmt], line: u32, while_loop: bool) -> R<bool> {
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
    #[inline]
    pub(crate) fn mutated(&self) {
        if self.controlled {
            self.ctx.mutated();
        }
    }

    fn with(&mut self, f: &mut Frame<'_>, items: &[(Expr, Option<Target>)], body: &[Stmt], line: u32) -> R<()> {
        let Some(((e, t), rest)) = items.split_first() else { return self.block(f, body) };
        let mgr = self.eval(f, e)?;
        let entered = self.call_method(&mgr, "__enter__", Vec::new(), Vec::new())?;
        if let Some(t) = t {
            self.assign(f, t, entered)?;
        }
        let out = self.with(f, rest, body, line);
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
                if self.truthy(&suppress)? { Ok(()) } else { Err(Flow::Exc(ex)) }
            }
            other => {
                // Leaving the block calls `__exit__` with CALL_FUNCTION (3.10) / CALL (3.11+),
                // which checks the eval breaker: another thread may run right after, while an
                // outer `with` still holds its lock. (The exception path's WITH_EXCEPT_START
                // does not check.)
                let r = self.call_method(&mgr, "__exit__", vec![V::None, V::None, V::None], Vec::new());
                self.after_call(r)?;
                other
            }
        }
    }

    // ------------------------------------------------------------ names

    fn load_name(&mut self, f: &Frame<'_>, n: &Name, name: &Arc<str>) -> R<V> {
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

    fn load_global(&mut self, slot: u32, name: &str, builtin: Option<super::ir::Builtin>) -> R<V> {
        if self.controlled_ft && self.pw.globals[slot as usize].lock().tracked {
            self.ctx.shared_access().map_err(Flow::from)?;
        }
        let cell = &self.pw.globals[slot as usize];
        let g = cell.lock();
        match &g.value {
            Some(v) => {
                let v = v.clone();
                let tracked = g.tracked;
                drop(g);
                if tracked {
                    match self.loaded.iter_mut().find(|(s, _)| *s == slot) {
                        Some(e) => e.1 = v.clone(),
                        None => self.loaded.push((slot, v.clone())),
                    }
                }
                Ok(v)
            }
            None => match builtin {
                Some(b) => Ok(V::Builtin(b)),
                None if exc::is_builtin_exc(name) => Ok(V::Class(exc::class(name))),
                None => match name {
                    "NotImplemented" => Ok(V::Native(Arc::new(Native::NotImplemented))),
                    "Ellipsis" => Ok(V::str("Ellipsis")),
                    _ => raise("NameError", format!("name '{name}' is not defined")),
                },
            },
        }
    }

    fn store_global(&mut self, slot: u32, v: V, aug: Option<(BinOp, &V)>) -> R<()> {
        if self.controlled_ft && self.pw.globals[slot as usize].lock().tracked {
            self.ctx.shared_access().map_err(Flow::from)?;
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
                    now.saturating_sub(g.last_rec_ns) >= super::VAR_SAMPLE_NS
                });
            if due {
                g.last_rec_ns = self.ctx.shared.rec.now_ns();
                let var = self.w.var_index(self.ctx, self.pw.index, slot, &mut g);
                self.ctx.record(EventKind::VarWrite { var, value: v.snapshot(), race_free: rf.snapshot() });
            }
        } else {
            g.value = Some(v);
        }
        Ok(())
    }

    /// Assign to a target.
    pub fn assign(&mut self, f: &mut Frame<'_>, t: &Target, v: V) -> R<()> {
        // Counted before and after: a switch point may fall between (a call in the target's
        // object or index, a free-threaded store), and a spinning thread must not read the
        // old value, park again, and miss the store.
        self.mutated();
        let r = self.assign_inner(f, t, v);
        self.mutated();
        r
    }

    fn assign_inner(&mut self, f: &mut Frame<'_>, t: &Target, v: V) -> R<()> {
        match t {
            Target::Name(n, name) => match n {
                Name::Local(i) => {
                    let slot = &mut f.locals[*i as usize];
                    if let V::Cell(c) = slot {
                        *c.lock() = v;
                    } else {
                        *slot = v;
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
                let o = self.eval(f, obj)?;
                self.set_attr(&o, name, v)
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

    fn delete(&mut self, f: &mut Frame<'_>, t: &Target) -> R<()> {
        match t {
            Target::Name(Name::Local(i), _) => {
                f.locals[*i as usize] = unbound();
                Ok(())
            }
            Target::Name(Name::Global(slot, _), name) => {
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
                super::builtins::del_item(self, &o, &i)
            }
            Target::Attr(obj, name) => {
                let o = self.eval(f, obj)?;
                if let V::Inst(i) = &o
                    && let Some(e) = super::dataclasses::frozen_error(&i.class, name, true)
                {
                    return Err(e);
                }
                if let V::Inst(i) = &o
                    && i.dict.lock().shift_remove(&**name).is_some()
                {
                    return Ok(());
                }
                raise("AttributeError", format!("'{}' object has no attribute '{name}'", o.type_name()))
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

    fn aug_assign(&mut self, f: &mut Frame<'_>, t: &Target, op: BinOp, value: &Expr) -> R<()> {
        // Before and after, as `assign`: `x += f()` may switch between its load and store.
        self.mutated();
        let r = self.aug_assign_inner(f, t, op, value);
        self.mutated();
        r
    }

    fn aug_assign_inner(&mut self, f: &mut Frame<'_>, t: &Target, op: BinOp, value: &Expr) -> R<()> {
        match t {
            Target::Name(Name::Global(slot, builtin), name) => {
                // LOAD_GLOBAL … BINARY_OP … STORE_GLOBAL: a switch can fall between them only
                // where the GIL mode has an eval-breaker check (3.9), or when the right side calls.
                let old = self.load_global(*slot, name, *builtin)?;
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
    fn between_load_and_store(&self) -> R<()> {
        if self.mode == GilMode::Cpython39 || self.split {
            self.breaker()
        } else if self.controlled_ft {
            self.ctx.shared_access().map_err(Flow::from)
        } else {
            Ok(())
        }
    }

    fn inplace(&mut self, op: BinOp, a: &V, b: &V) -> R<V> {
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

    /// Evaluate an expression.
    pub fn eval(&mut self, f: &mut Frame<'_>, e: &Expr) -> R<V> {
        match &*e.kind {
            ExprKind::Const(v) => Ok(v.clone()),
            ExprKind::Name(n, name) => self.load_name(f, n, name),
            ExprKind::Bin(op, a, b) => {
                let a = self.eval(f, a)?;
                let b = self.eval(f, b)?;
                let r = if let (V::Int(x), V::Int(y)) = (&a, &b)
                    && let Some(r) = small_int_op(*op, *x, *y)
                {
                    V::Int(r)
                } else {
                    self.binop(*op, &a, &b)?
                };
                // 3.9 checks the eval breaker after a binary op (its DISPATCH): `a = a + 1`
                // can lose an update between the add and the store.
                if self.mode == GilMode::Cpython39 {
                    self.breaker()?;
                }
                Ok(r)
            }
            ExprKind::Unary(op, a) => {
                let a = self.eval(f, a)?;
                self.unary(*op, &a)
            }
            ExprKind::And(vs) => {
                let mut last = V::Bool(true);
                for v in vs {
                    last = self.eval(f, v)?;
                    if !self.truthy(&last)? {
                        return Ok(last);
                    }
                }
                Ok(last)
            }
            ExprKind::Or(vs) => {
                let mut last = V::Bool(false);
                for v in vs {
                    last = self.eval(f, v)?;
                    if self.truthy(&last)? {
                        return Ok(last);
                    }
                }
                Ok(last)
            }
            ExprKind::Compare(left, rest) => {
                let mut l = self.eval(f, left)?;
                for (op, r) in rest {
                    let r = self.eval(f, r)?;
                    let holds = match (&l, &r) {
                        (V::Int(x), V::Int(y)) => match op {
                            CmpOp::Lt => x < y,
                            CmpOp::LtE => x <= y,
                            CmpOp::Gt => x > y,
                            CmpOp::GtE => x >= y,
                            CmpOp::Eq => x == y,
                            CmpOp::NotEq => x != y,
                            _ => self.compare(*op, &l, &r)?,
                        },
                        _ => self.compare(*op, &l, &r)?,
                    };
                    if !holds {
                        return Ok(V::Bool(false));
                    }
                    l = r;
                }
                Ok(V::Bool(true))
            }
            ExprKind::IfExp(t, a, b) => {
                let c = self.eval(f, t)?;
                if self.truthy(&c)? { self.eval(f, a) } else { self.eval(f, b) }
            }
            ExprKind::Call(func, args) => {
                if let ExprKind::Attr(obj, name) = &*func.kind {
                    let o = self.eval(f, obj)?;
                    // Fast path: a plain instance's Python method, positional arguments only.
                    if let V::Inst(i) = &o
                        && i.class.kind == ClassKind::Plain
                        && args.iter().all(|a| matches!(a, Arg::Pos(_)))
                        && let Some(V::Func(m)) = i.class.lookup(name)
                        && fast_arity(&m, args.len() + 1)
                        && !i.dict.lock().contains_key(&**name)
                        && i.class.native_kind() == ClassKind::Plain
                    {
                        let r = self.call_positional(f, &m, Some(o.clone()), args);
                        self.ctx.line.set(f.line);
                        return self.after_call(r);
                    }
                    let (pos, kw) = self.args(f, args)?;
                    let impure = self.controlled && !pure_method(&o, name);
                    if impure {
                        self.ctx.mutated();
                    }
                    let r = self.call_method(&o, name, pos, kw);
                    // Again when it returns: native code may have run Python (with switch
                    // points) before it changed anything (`xs.extend(f(x) for x in ys)`).
                    if impure {
                        self.ctx.mutated();
                    }
                    self.ctx.line.set(f.line);
                    return self.after_call(r);
                }
                if let ExprKind::Comp(def) = &*func.kind {
                    let (pos, _) = self.args(f, args)?;
                    return self.run_comp(f, def, pos.into_iter().next().unwrap_or_default());
                }
                let fv = self.eval(f, func)?;
                if matches!(fv, V::Builtin(super::ir::Builtin::Super)) {
                    return self.super_obj(f);
                }
                // Fast path: a Python function called with positional arguments only.
                if let V::Func(func) = &fv
                    && fast_arity(func, args.len())
                    && args.iter().all(|a| matches!(a, Arg::Pos(_)))
                {
                    let r = self.call_positional(f, func, None, args);
                    self.ctx.line.set(f.line);
                    return self.after_call(r);
                }
                let (pos, kw) = self.args(f, args)?;
                let impure = self.controlled && !pure_callee(&fv);
                if impure {
                    self.ctx.mutated();
                }
                let r = self.call(&fv, pos, kw);
                if impure {
                    self.ctx.mutated();
                }
                self.ctx.line.set(f.line);
                self.after_call(r)
            }
            ExprKind::Attr(obj, name) => {
                let o = self.eval(f, obj)?;
                self.get_attr(&o, name)
            }
            ExprKind::Subscript(obj, idx) => {
                let o = self.eval(f, obj)?;
                let i = self.eval(f, idx)?;
                self.get_item(&o, &i)
            }
            ExprKind::Slice(a, b, c) => {
                let mut part = |x: &Option<Expr>| -> R<V> {
                    match x {
                        Some(e) => self.eval(f, e),
                        None => Ok(V::None),
                    }
                };
                let (a, b, c) = (part(a)?, part(b)?, part(c)?);
                Ok(V::Native(Arc::new(Native::Slice(a, b, c))))
            }
            ExprKind::List(items) => Ok(V::list(self.items(f, items)?)),
            ExprKind::Tuple(items) => Ok(V::tuple(self.items(f, items)?)),
            ExprKind::Set(items) => {
                let vs = self.items(f, items)?;
                let mut d = Dict::default();
                for v in vs {
                    d.set(v, V::None).or_else(type_err)?;
                }
                Ok(V::Set(Arc::new(Mutex::new(d))))
            }
            ExprKind::Dict(items) => {
                let mut d = Dict::default();
                for (k, v) in items {
                    match k {
                        Some(k) => {
                            let k = self.eval(f, k)?;
                            let v = self.eval(f, v)?;
                            d.set(k, v).or_else(type_err)?;
                        }
                        None => {
                            let other = self.eval(f, v)?;
                            let V::Dict(o) = other else { return type_err("'**' argument must be a mapping") };
                            let o = o.lock().clone();
                            for (_, (k, v)) in o.map {
                                d.set(k, v).or_else(type_err)?;
                            }
                        }
                    }
                }
                Ok(V::Dict(Arc::new(Mutex::new(d))))
            }
            ExprKind::Starred(_) => raise("SyntaxError", "can't use starred expression here"),
            ExprKind::FString(parts) => Ok(V::str(self.fstring(f, parts)?)),
            ExprKind::Lambda(def) => self.make_func(f, def),
            ExprKind::Comp(_) => raise("SystemError", "bare comprehension"),
            ExprKind::Yield(_) | ExprKind::YieldFrom(_) | ExprKind::Await(_) => {
                raise("SystemError", "a suspension outside a suspendable frame")
            }
            ExprKind::Walrus(t, v) => {
                let v = self.eval(f, v)?;
                self.assign(f, t, v.clone())?;
                Ok(v)
            }
        }
    }

    fn items(&mut self, f: &mut Frame<'_>, items: &[Expr]) -> R<Vec<V>> {
        let mut out = Vec::with_capacity(items.len());
        for e in items {
            if let ExprKind::Starred(inner) = &*e.kind {
                let v = self.eval(f, inner)?;
                out.extend(self.collect_vec(&v)?);
            } else {
                out.push(self.eval(f, e)?);
            }
        }
        Ok(out)
    }

    fn args(&mut self, f: &mut Frame<'_>, args: &[Arg]) -> R<(Vec<V>, Kwargs)> {
        let mut pos = Vec::with_capacity(args.len());
        let mut kw = Vec::new();
        for a in args {
            match a {
                Arg::Pos(e) => pos.push(self.eval(f, e)?),
                Arg::Star(e) => {
                    let v = self.eval(f, e)?;
                    pos.extend(self.collect_vec(&v)?);
                }
                Arg::Kw(k, e) => kw.push((k.clone(), self.eval(f, e)?)),
                Arg::StarStar(e) => {
                    let v = self.eval(f, e)?;
                    let V::Dict(d) = v else {
                        return type_err(format!("argument after ** must be a mapping, not {}", v.type_name()));
                    };
                    for (k, v) in d.lock().map.values() {
                        let V::Str(k) = k else { return type_err("keywords must be strings") };
                        kw.push((k.clone(), v.clone()));
                    }
                }
            }
        }
        Ok((pos, kw))
    }

    fn fstring(&mut self, f: &mut Frame<'_>, parts: &[FPart]) -> R<String> {
        let mut out = String::new();
        for p in parts {
            match p {
                FPart::Lit(s) => out.push_str(s),
                FPart::Expr { expr, conv, spec, debug } => {
                    let v = self.eval(f, expr)?;
                    if let Some(d) = debug {
                        out.push_str(d);
                    }
                    let v = match conv {
                        Some('r') | Some('a') => V::str(self.repr_of(&v)?),
                        Some('s') => V::str(self.str_of(&v)?),
                        _ => v,
                    };
                    let spec = match spec {
                        Some(s) => self.fstring(f, s)?,
                        None => String::new(),
                    };
                    out.push_str(&self.format_value(&v, &spec)?);
                }
            }
        }
        Ok(out)
    }

    /// `format(v, spec)`.
    pub fn format_value(&mut self, v: &V, spec: &str) -> R<String> {
        if let V::Inst(_) = v
            && let Some(m) = self.lookup_method(v, "__format__")
        {
            let r = self.call(&m, vec![V::str(spec)], Vec::new())?;
            return self.str_of(&r);
        }
        if spec.is_empty() {
            return self.str_of(v);
        }
        let s = match v {
            V::Inst(_) | V::Native(_) | V::List(_) | V::Tuple(_) | V::Dict(_) | V::None | V::Bool(_)
                if !matches!(v, V::Bool(_)) || spec.chars().last().is_some_and(|c| !c.is_ascii_alphabetic()) =>
            {
                V::str(self.str_of(v)?)
            }
            _ => v.clone(),
        };
        super::format::format_spec(&s, spec).or_else(|m| raise("ValueError", m))
    }

    fn make_func(&mut self, f: &mut Frame<'_>, def: &Arc<FuncDef>) -> R<V> {
        let mut defaults = Vec::new();
        for p in &def.params.args {
            if let Some(d) = &p.default {
                defaults.push(self.eval(f, d)?);
            }
        }
        let mut kwdefaults = Vec::new();
        for p in &def.params.kwonly {
            kwdefaults.push(match &p.default {
                Some(d) => Some(self.eval(f, d)?),
                None => None,
            });
        }
        let closure = self.closure_of(f, &def.free_from);
        Ok(V::Func(Arc::new(Func { def: def.clone(), defaults, kwdefaults, closure, attrs: Default::default() })))
    }

    fn closure_of(&mut self, f: &mut Frame<'_>, free_from: &[Name]) -> Vec<Arc<Mutex<V>>> {
        free_from
            .iter()
            .map(|n| match n {
                Name::Local(i) => {
                    let slot = &mut f.locals[*i as usize];
                    match slot {
                        V::Cell(c) => c.clone(),
                        other => {
                            // First capture: the slot becomes a cell holding its value.
                            let c = Arc::new(Mutex::new(std::mem::take(other)));
                            *other = V::Cell(c.clone());
                            c
                        }
                    }
                }
                Name::Free(i) => f.closure.get(*i as usize).cloned().unwrap_or_default(),
                _ => Arc::new(Mutex::new(unbound())),
            })
            .collect()
    }

    fn run_comp(&mut self, f: &mut Frame<'_>, def: &Arc<CompDef>, first: V) -> R<V> {
        let closure = self.closure_of(f, &def.free_from);
        let mut locals: SmallVec<[V; 8]> = smallvec![V::Unbound; def.n_locals as usize];
        // A generator expression takes its first iterable's iterator at once, as CPython's.
        locals[0] = if def.frame_code.is_some() { self.iter(first)? } else { first };
        for &c in &def.cells {
            let v = std::mem::take(&mut locals[c as usize]);
            locals[c as usize] = V::Cell(Arc::new(Mutex::new(v)));
        }
        if let Some(code) = &def.frame_code {
            let name: Arc<str> = Arc::from("<genexpr>");
            let qualname = match f.func {
                Some(func) => Arc::from(format!("{}.<locals>.<genexpr>", func.def.qualname)),
                None => name.clone(),
            };
            return Ok(Generator::make(code.clone(), (name, qualname), locals, closure, None, f.line, None));
        }
        let mut cf = Frame { locals, closure: &closure, class_ns: None, func: None, line: f.line };
        let mut out_list = Vec::new();
        let mut out_dict = Dict::default();
        self.comp_level(&mut cf, def, 0, &mut out_list, &mut out_dict)?;
        Ok(match &def.kind {
            CompKind::List(_) => V::list(out_list),
            CompKind::Gen(_) => V::Iter(Arc::new(Mutex::new(PyIter::Items(out_list, 0)))),
            CompKind::Set(_) => {
                let mut d = Dict::default();
                for v in out_list {
                    d.set(v, V::None).or_else(type_err)?;
                }
                V::Set(Arc::new(Mutex::new(d)))
            }
            CompKind::Dict(..) => V::Dict(Arc::new(Mutex::new(out_dict))),
        })
    }

    fn comp_level(&mut self, f: &mut Frame<'_>, def: &CompDef, level: usize, out: &mut Vec<V>, d: &mut Dict) -> R<()> {
        let Some(g) = def.fors.get(level) else {
            match &def.kind {
                CompKind::List(e) | CompKind::Set(e) | CompKind::Gen(e) => out.push(self.eval(f, e)?),
                CompKind::Dict(k, v) => {
                    let k = self.eval(f, k)?;
                    let v = self.eval(f, v)?;
                    d.set(k, v).or_else(type_err)?;
                }
            }
            return Ok(());
        };
        let it = self.eval(f, &g.iter)?;
        let it = self.iter(it)?;
        'items: while let Some(v) = self.next(&it)? {
            self.assign(f, &g.target, v)?;
            for c in &g.ifs {
                let c = self.eval(f, c)?;
                if !self.truthy(&c)? {
                    continue 'items;
                }
            }
            self.comp_level(f, def, level + 1, out, d)?;
            self.breaker()?;
        }
        Ok(())
    }

    fn super_obj(&mut self, f: &Frame<'_>) -> R<V> {
        let Some(func) = f.func else { return raise("RuntimeError", "super(): no arguments") };
        let Some(me) = f.locals.first().cloned() else { return raise("RuntimeError", "super(): no arguments") };
        let me = match me {
            V::Cell(c) => c.lock().clone(),
            v => v,
        };
        let owner = self.w.owner_of(func);
        let Some(owner) = owner else { return raise("RuntimeError", "super(): __class__ cell not found") };
        Ok(V::Native(Arc::new(Native::Super(owner, me))))
    }

    // ------------------------------------------------------------ calls

    /// Call a callable.
    pub fn call(&mut self, fv: &V, pos: Vec<V>, kw: Vec<(Arc<str>, V)>) -> R<V> {
        match fv {
            V::Func(func) => self.call_func(func, pos, kw),
            V::Bound(b) => {
                let mut args = Vec::with_capacity(pos.len() + 1);
                args.push(b.0.clone());
                args.extend(pos);
                self.call(&b.1, args, kw)
            }
            V::Builtin(b) => super::builtins::call_builtin(self, *b, pos, kw),
            V::Class(c) => self.instantiate(c, pos, kw),
            V::Native(n) => stdlib::call_native(self, n, pos, kw),
            V::Inst(_) => match self.lookup_method(fv, "__call__") {
                Some(m) => self.call(&m, pos, kw),
                None => type_err(format!("'{}' object is not callable", fv.type_name())),
            },
            other => type_err(format!("'{}' object is not callable", other.type_name())),
        }
    }

    /// Call a Python function.
    pub fn call_func(&mut self, func: &Arc<Func>, pos: Vec<V>, kw: Vec<(Arc<str>, V)>) -> R<V> {
        let def = &func.def;
        if self.depth >= RECURSION_LIMIT {
            return raise("RecursionError", "maximum recursion depth exceeded");
        }
        let mut locals: SmallVec<[V; 8]> = smallvec![V::Unbound; def.n_locals as usize];
        self.bind_args(func, &mut locals, pos, kw)?;
        self.run_func(func, locals)
    }

    /// Call `func` with `first` (a method's instance) and positional `args` evaluated
    /// straight into its locals (the caller checked [`fast_arity`]).
    fn call_positional(&mut self, f: &mut Frame<'_>, func: &Arc<Func>, first: Option<V>, args: &[Arg]) -> R<V> {
        if self.depth >= RECURSION_LIMIT {
            return raise("RecursionError", "maximum recursion depth exceeded");
        }
        let p = &func.def.params;
        let mut frame = Frame {
            locals: SmallVec::new(),
            closure: &func.closure,
            class_ns: None,
            func: Some(func),
            line: func.def.line,
        };
        let locals = &mut frame.locals;
        locals.reserve(func.def.n_locals as usize);
        locals.extend(first);
        for a in args {
            if let Arg::Pos(e) = a {
                let v = self.eval(f, e)?;
                locals.push(v);
            }
        }
        let n = locals.len();
        let first_default = p.args.len() - func.defaults.len();
        for i in n..p.args.len() {
            locals.push(func.defaults[i - first_default].clone());
        }
        locals.resize(func.def.n_locals as usize, V::Unbound);
        self.run_frame(func, &mut frame)
    }

    /// Run a function whose arguments are bound.
    fn run_func(&mut self, func: &Arc<Func>, locals: SmallVec<[V; 8]>) -> R<V> {
        let mut frame = Frame { locals, closure: &func.closure, class_ns: None, func: Some(func), line: func.def.line };
        self.run_frame(func, &mut frame)
    }

    /// Run a function in `frame`, whose locals hold the bound arguments (built in place by
    /// the caller: a frame's locals are a few hundred bytes, not worth moving per call).
    fn run_frame(&mut self, func: &Arc<Func>, frame: &mut Frame<'_>) -> R<V> {
        let def = &func.def;
        cells_in(def, &mut frame.locals);
        if let Some(code) = &def.frame_code {
            // A generator function or coroutine: calling it makes the suspended frame.
            return Ok(Generator::make(
                code.clone(),
                (def.name.clone(), def.qualname.clone()),
                std::mem::take(&mut frame.locals),
                func.closure.clone(),
                Some(func.clone()),
                def.line,
                (code.kind == super::frame::CodeKind::Coroutine).then(|| self.w.unawaited.clone()),
            ));
        }
        self.breaker()?;
        self.depth += 1;
        let r = self.block(frame, &def.body);
        self.depth -= 1;
        match r {
            Ok(()) => Ok(V::None),
            Err(Flow::Return(v)) => Ok(v),
            Err(Flow::Exc(mut e)) => {
                e.tb.push((frame.line, def.name.clone()));
                Err(Flow::Exc(e))
            }
            Err(other) => Err(other),
        }
    }

    fn bind_args(&mut self, func: &Func, locals: &mut [V], pos: Vec<V>, kw: Vec<(Arc<str>, V)>) -> R<()> {
        let def = &func.def;
        let p = &def.params;
        let n = p.args.len();
        let npos = pos.len();
        let mut extra = Vec::new();
        for (i, v) in pos.into_iter().enumerate() {
            if i < n {
                locals[i] = v;
            } else {
                extra.push(v);
            }
        }
        let mut slot = n;
        if p.vararg.is_some() {
            locals[slot] = V::tuple(extra);
            slot += 1;
        } else if !extra.is_empty() {
            let need = p.args.iter().filter(|a| a.default.is_none()).count();
            let takes = if need == n {
                format!("{n} positional argument{}", if n == 1 { "" } else { "s" })
            } else {
                format!("from {need} to {n} positional arguments")
            };
            return type_err(format!(
                "{}() takes {takes} but {npos} {} given",
                def.name,
                if npos == 1 { "was" } else { "were" }
            ));
        }
        let kw_start = slot;
        slot += p.kwonly.len();
        let kwarg_slot = p.kwarg.as_ref().map(|_| slot);
        let mut kwargs = Dict::default();
        for (k, v) in kw {
            if let Some(i) = p.args.iter().position(|a| a.name == k) {
                if !is_unbound(&locals[i]) {
                    return type_err(format!("{}() got multiple values for argument '{k}'", def.name));
                }
                locals[i] = v;
            } else if let Some(i) = p.kwonly.iter().position(|a| a.name == k) {
                locals[kw_start + i] = v;
            } else if kwarg_slot.is_some() {
                kwargs.set(V::Str(k), v).or_else(type_err)?;
            } else {
                return type_err(format!("{}() got an unexpected keyword argument '{k}'", def.name));
            }
        }
        let first_default = n - func.defaults.len();
        let mut missing = Vec::new();
        for (i, slot) in locals.iter_mut().enumerate().take(n) {
            if is_unbound(slot) {
                if i >= first_default {
                    *slot = func.defaults[i - first_default].clone();
                } else {
                    missing.push(format!("'{}'", p.args[i].name));
                }
            }
        }
        if !missing.is_empty() {
            let list = match missing.len() {
                1 => missing[0].clone(),
                2 => format!("{} and {}", missing[0], missing[1]),
                _ => format!("{}, and {}", missing[..missing.len() - 1].join(", "), missing[missing.len() - 1]),
            };
            return type_err(format!(
                "{}() missing {} required positional argument{}: {list}",
                def.name,
                missing.len(),
                if missing.len() == 1 { "" } else { "s" }
            ));
        }
        for (i, d) in func.kwdefaults.iter().enumerate() {
            if is_unbound(&locals[kw_start + i]) {
                match d {
                    Some(d) => locals[kw_start + i] = d.clone(),
                    None => {
                        return type_err(format!(
                            "{}() missing 1 required keyword-only argument: '{}'",
                            def.name, p.kwonly[i].name
                        ));
                    }
                }
            }
        }
        if let Some(s) = kwarg_slot {
            locals[s] = V::Dict(Arc::new(Mutex::new(kwargs)));
        }
        Ok(())
    }

    pub(crate) fn make_class(&mut self, name: &Arc<str>, bases: &[V], ns: Attrs) -> R<Arc<Class>> {
        if bases.iter().any(|b| matches!(b, V::Class(c) if super::typing::is_named_tuple_base(c))) {
            return self.typed_named_tuple(name, ns);
        }
        let mut bs = Vec::new();
        for b in bases {
            match b {
                V::Class(c) => bs.push(c.clone()),
                V::Builtin(super::ir::Builtin::Object) => bs.push(exc::object_class()),
                other => return type_err(format!("cannot subclass '{}' (not supported)", other.repr())),
            }
        }
        if bs.is_empty() {
            bs.push(exc::object_class());
        }
        let cls = exc::build_class(name.clone(), Arc::from("__main__"), bs, ns, ClassKind::Plain);
        for v in cls.dict.read().values() {
            if let V::Func(func) = v {
                self.w.set_owner(func, &cls);
            }
        }
        if super::enums::is_enum(&cls) {
            super::enums::finish_class(self, &cls)?;
        }
        Ok(cls)
    }

    /// `class P(NamedTuple): x: int; y: int = 0` — a named tuple whose fields are the
    /// annotated names in order, whose defaults are their values, with the body's methods.
    fn typed_named_tuple(&mut self, name: &Arc<str>, mut ns: Attrs) -> R<Arc<Class>> {
        let fields: Vec<String> = match ns.shift_remove("__annotations__") {
            Some(V::Dict(d)) => d
                .lock()
                .keys()
                .iter()
                .map(|k| match k {
                    V::Str(s) => s.to_string(),
                    other => other.repr(),
                })
                .collect(),
            _ => Vec::new(),
        };
        let mut defaults = Vec::new();
        for f in &fields {
            match ns.shift_remove(f.as_str()) {
                Some(v) => defaults.push(v),
                None if !defaults.is_empty() => {
                    let prev = &fields[fields.iter().position(|x| x == f).unwrap_or(1).saturating_sub(1)];
                    return type_err(format!("Non-default namedtuple field {f} cannot follow default field {prev}"));
                }
                None => {}
            }
        }
        let cls = super::namedtuple::make_class(name, "__main__", &fields, defaults);
        {
            let mut d = cls.dict.write();
            for (k, v) in ns {
                if let V::Func(func) = &v {
                    self.w.set_owner(func, &cls);
                }
                d.insert(k, v);
            }
        }
        super::value::classes_changed();
        Ok(cls)
    }

    fn instantiate(&mut self, c: &Arc<Class>, pos: Vec<V>, kw: Vec<(Arc<str>, V)>) -> R<V> {
        if super::typing::is_named_tuple_base(c) {
            // NamedTuple('Point', [('x', int), ('y', int)])
            let (Some(V::Str(n)), Some(spec)) = (pos.first(), pos.get(1)) else {
                return type_err("NamedTuple() takes a type name and a list of (name, type) pairs");
            };
            let mut fields = Vec::new();
            for pair in self.collect_vec(spec)? {
                match super::value::seq_items(&pair).first() {
                    Some(V::Str(f)) => fields.push(f.to_string()),
                    _ => return type_err("NamedTuple('Name', [(f0, t0), (f1, t1), ...])"),
                }
            }
            let _ = kw;
            return Ok(V::Class(super::namedtuple::make_class(n, "__main__", &fields, Vec::new())));
        }
        if super::enums::is_enum(c) {
            return super::enums::call_class(self, c, pos, kw);
        }
        let inst = V::Inst(Arc::new(Inst {
            class: c.clone(),
            dict: Mutex::new(IndexMap::default()),
            native: Mutex::new(InstNative::None),
        }));
        if c.is_sub(&exc::class("BaseException"))
            && let V::Inst(i) = &inst
        {
            // BaseException.__new__ sets args, whatever __init__ does.
            i.dict.lock().insert(Arc::from("args"), V::tuple(pos.clone()));
            exc::set_stop_value(i, &pos);
        }
        match c.lookup("__init__") {
            Some(init) => {
                let mut args = Vec::with_capacity(pos.len() + 1);
                args.push(inst.clone());
                args.extend(pos);
                let r = self.call(&init, args, kw)?;
                if !matches!(r, V::None) {
                    return type_err(format!("__init__() should return None, not '{}'", r.type_name()));
                }
            }
            None => {
                if !pos.is_empty() || !kw.is_empty() {
                    return type_err(format!("{}() takes no arguments", c.name));
                }
            }
        }
        Ok(inst)
    }

    /// A method of `obj` looked up on its class (user classes only), bound.
    pub fn lookup_method(&self, obj: &V, name: &str) -> Option<V> {
        let V::Inst(i) = obj else { return None };
        let m = i.class.lookup(name)?;
        Some(bind(obj, m))
    }

    /// `obj.name(*pos, **kw)`.
    pub fn call_method(&mut self, obj: &V, name: &str, pos: Vec<V>, kw: Vec<(Arc<str>, V)>) -> R<V> {
        match obj {
            V::Inst(i) => {
                // Take the value out before calling: the instance's dict must not stay locked
                // while Python code runs (it may touch the same instance, on any thread).
                let own = i.dict.lock().get(name).cloned();
                if let Some(v) = own {
                    return self.call(&v, pos, kw);
                }
                match i.class.lookup(name) {
                    Some(V::Native(n))
                        if matches!(&*n, Native::StaticMethod(_) | Native::ClassMethod(_) | Native::Property(_)) =>
                    {
                        let m = self.get_attr(obj, name)?;
                        self.call(&m, pos, kw)
                    }
                    Some(m) => {
                        let mut args = Vec::with_capacity(pos.len() + 1);
                        args.push(obj.clone());
                        args.extend(pos);
                        self.call(&m, args, kw)
                    }
                    None => {
                        let m = self.get_attr(obj, name)?;
                        self.call(&m, pos, kw)
                    }
                }
            }
            V::Class(c) => match c.lookup(name) {
                Some(V::Native(n)) if matches!(&*n, Native::ClassMethod(_) | Native::StaticMethod(_)) => {
                    let m = self.get_attr(obj, name)?;
                    self.call(&m, pos, kw)
                }
                Some(m) => self.call(&m, pos, kw),
                None => {
                    let m = self.get_attr(obj, name)?;
                    self.call(&m, pos, kw)
                }
            },
            V::Native(n) => stdlib::native_method(self, obj, n, name, pos, kw),
            _ => super::builtins::method(self, obj, name, pos, kw),
        }
    }

    // ------------------------------------------------------------ attributes

    /// `obj.name`.
    pub fn get_attr(&mut self, obj: &V, name: &str) -> R<V> {
        match obj {
            V::Inst(i) => {
                if i.class.native_kind() != ClassKind::Plain
                    && let Some(v) = stdlib::inst_native_attr(self, i, name)?
                {
                    return Ok(v);
                }
                if let Some(v) = i.dict.lock().get(name) {
                    return Ok(v.clone());
                }
                if let Some(m) = i.class.lookup(name) {
                    if let V::Native(n) = &m {
                        match &**n {
                            Native::Property(getter) => return self.call(getter, vec![obj.clone()], Vec::new()),
                            Native::StaticMethod(f) => return Ok(f.clone()),
                            Native::ClassMethod(f) => {
                                return Ok(V::Bound(Arc::new((V::Class(i.class.clone()), f.clone()))));
                            }
                            _ => {}
                        }
                    }
                    return Ok(bind(obj, m));
                }
                if name == "__class__" {
                    return Ok(V::Class(i.class.clone()));
                }
                if name == "__dict__" {
                    let mut d = Dict::default();
                    for (k, v) in i.dict.lock().iter() {
                        d.set(V::Str(k.clone()), v.clone()).or_else(type_err)?;
                    }
                    return Ok(V::Dict(Arc::new(Mutex::new(d))));
                }
                if let Some(g) = i.class.lookup("__getattr__") {
                    return self.call(&g, vec![obj.clone(), V::str(name)], Vec::new());
                }
                if matches!(name, "__cause__" | "__context__" | "__suppress_context__")
                    && i.class.is_sub(&exc::class("BaseException"))
                {
                    return Ok(if name == "__suppress_context__" { V::Bool(false) } else { V::None });
                }
                raise("AttributeError", format!("'{}' object has no attribute '{name}'", i.class.name))
            }
            V::Class(c) => {
                if let Some(v) = c.lookup(name) {
                    if let V::Native(n) = &v {
                        match &**n {
                            Native::StaticMethod(f) => return Ok(f.clone()),
                            Native::ClassMethod(f) => return Ok(V::Bound(Arc::new((obj.clone(), f.clone())))),
                            _ => {}
                        }
                    }
                    return Ok(v);
                }
                match name {
                    "__name__" => Ok(V::Str(c.name.clone())),
                    "__qualname__" => Ok(V::Str(c.name.clone())),
                    "__module__" => Ok(V::Str(c.module.clone())),
                    "__doc__" => Ok(V::None),
                    "__mro__" => {
                        Ok(V::tuple(std::iter::once(c.clone()).chain(c.mro.iter().cloned()).map(V::Class).collect()))
                    }
                    "__bases__" => Ok(V::tuple(c.bases.iter().map(|c| V::Class(c.clone())).collect())),
                    _ => raise("AttributeError", format!("type object '{}' has no attribute '{name}'", c.name)),
                }
            }
            V::Native(n) => stdlib::native_attr(self, obj, n, name),
            V::Func(func) if let Some(v) = func.attrs.lock().get(name).cloned() => Ok(v),
            V::Func(func) => match name {
                "__doc__" => Ok(match func.def.body.first().map(|s| &s.kind) {
                    Some(StmtKind::Expr(e)) => match &*e.kind {
                        ExprKind::Const(v @ V::Str(_)) => v.clone(),
                        _ => V::None,
                    },
                    _ => V::None,
                }),
                "__dict__" => {
                    let mut d = Dict::default();
                    for (k, v) in func.attrs.lock().iter() {
                        d.set(V::Str(k.clone()), v.clone()).or_else(type_err)?;
                    }
                    Ok(V::Dict(Arc::new(Mutex::new(d))))
                }
                "__name__" => Ok(V::Str(func.def.name.clone())),
                "__qualname__" => Ok(V::Str(func.def.qualname.clone())),
                "__module__" => Ok(V::str("__main__")),
                _ => raise("AttributeError", format!("'function' object has no attribute '{name}'")),
            },
            V::Builtin(b) => match name {
                "__name__" | "__qualname__" => Ok(V::str(b.name())),
                _ => Ok(V::Native(Arc::new(Native::Method(obj.clone(), Arc::from(name))))),
            },
            V::Bound(b) => match name {
                "__self__" => Ok(b.0.clone()),
                "__func__" => Ok(b.1.clone()),
                _ => self.get_attr(&b.1, name),
            },
            _ => super::builtins::value_attr(self, obj, name),
        }
    }

    /// `obj.name = v`.
    pub fn set_attr(&mut self, obj: &V, name: &str, v: V) -> R<()> {
        match obj {
            V::Inst(i) => {
                if i.class.native_kind() != ClassKind::Plain && stdlib::inst_set_native_attr(self, i, name, &v)? {
                    return Ok(());
                }
                // Most classes store the value and nothing else: that fact is cached per
                // class, so a write does not walk the MRO for `__setattr__` and friends.
                let plain = i.class.cached(|| {
                    !matches!(i.class.lookup("__setattr__"), Some(V::Func(_)))
                        && i.class.lookup("_fields").is_none()
                        && i.class.lookup("__dataclass_frozen__").is_none()
                        && !super::enums::is_enum(&i.class)
                });
                if !plain {
                    if let Some(s) = i.class.lookup("__setattr__")
                        && matches!(s, V::Func(_))
                    {
                        self.call(&s, vec![obj.clone(), V::str(name), v], Vec::new())?;
                        return Ok(());
                    }
                    if super::namedtuple::is_field(&i.class, name) {
                        return raise("AttributeError", "can't set attribute");
                    }
                    if let Some(e) = super::dataclasses::frozen_error(&i.class, name, false) {
                        return Err(e);
                    }
                    if let Some(e) = super::enums::set_error(&i.class, name) {
                        return Err(e);
                    }
                }
                let mut d = i.dict.lock();
                match d.get_mut(name) {
                    Some(slot) => *slot = v,
                    None => {
                        d.insert(Arc::from(name), v);
                    }
                }
                Ok(())
            }
            V::Class(c) => {
                c.dict.write().insert(Arc::from(name), v);
                super::value::classes_changed();
                Ok(())
            }
            V::Func(f) => {
                f.attrs.lock().insert(Arc::from(name), v);
                Ok(())
            }
            V::Native(n) => stdlib::set_native_attr(self, n, name, v),
            other => raise(
                "AttributeError",
                format!(
                    "'{}' object has no attribute '{name}' and no __dict__ for setting new attributes",
                    other.type_name()
                ),
            ),
        }
    }

    // ------------------------------------------------------------ items, iteration

    /// `obj[i]`.
    pub fn get_item(&mut self, obj: &V, i: &V) -> R<V> {
        if let V::Class(c) = obj
            && super::enums::is_enum(c)
        {
            return super::enums::get_item(self, c, i);
        }
        if let V::Inst(_) = obj {
            return match self.lookup_method(obj, "__getitem__") {
                Some(m) => self.call(&m, vec![i.clone()], Vec::new()),
                None => type_err(format!("'{}' object is not subscriptable", obj.type_name())),
            };
        }
        super::builtins::get_item(self, obj, i)
    }

    /// `obj[i] = v`.
    pub fn set_item(&mut self, obj: &V, i: V, v: V) -> R<()> {
        if let V::Inst(_) = obj {
            return match self.lookup_method(obj, "__setitem__") {
                Some(m) => self.call(&m, vec![i, v], Vec::new()).map(|_| ()),
                None => type_err(format!("'{}' object does not support item assignment", obj.type_name())),
            };
        }
        super::builtins::set_item(self, obj, i, v)
    }

    /// `iter(v)`.
    pub fn iter(&mut self, v: V) -> R<V> {
        Ok(match v {
            V::Iter(_) => v,
            V::Range(r) => V::Iter(Arc::new(Mutex::new(PyIter::Range(r[0], r[1], r[2])))),
            V::Inst(_) => {
                if let Some(m) = self.lookup_method(&v, "__iter__") {
                    return self.call(&m, Vec::new(), Vec::new());
                }
                return type_err(format!("'{}' object is not iterable", v.type_name()));
            }
            V::Dict(ref d) => {
                V::Iter(Arc::new(Mutex::new(PyIter::Dict(Box::new(DictIter::new(d, ViewKind::Keys, false))))))
            }
            V::Set(ref d) => {
                V::Iter(Arc::new(Mutex::new(PyIter::Dict(Box::new(DictIter::new(d, ViewKind::Keys, true))))))
            }
            V::Native(ref n) if let Native::DictView(d, k) = &**n => {
                V::Iter(Arc::new(Mutex::new(PyIter::Dict(Box::new(DictIter::new(d, *k, false))))))
            }
            V::Native(ref n) if matches!(**n, Native::Lazy(_)) => v,
            V::Native(ref n) if let Native::Gen(g) = &**n => {
                if !g.is_generator() {
                    return type_err(format!("'{}' object is not iterable", g.type_name()));
                }
                v
            }
            V::Native(ref n) => match stdlib::native_iter(self, n)? {
                Some(items) => V::Iter(Arc::new(Mutex::new(PyIter::Items(items, 0)))),
                None => return type_err(format!("'{}' object is not iterable", v.type_name())),
            },
            other => V::Iter(Arc::new(Mutex::new(PyIter::Items(self.collect_vec(&other)?, 0)))),
        })
    }

    /// `next(it)`, or None at the end.
    pub fn next(&mut self, it: &V) -> R<Option<V>> {
        match it {
            V::Iter(st) => {
                let mut st = st.lock();
                if let PyIter::Completed(c) = &*st {
                    // Waits for a future: not while holding the iterator's lock.
                    let c = Arc::clone(c);
                    drop(st);
                    return stdlib::as_completed_next(self, &c);
                }
                Ok(match &mut *st {
                    PyIter::Items(items, i) => {
                        let v = items.get(*i).cloned();
                        *i += 1;
                        v
                    }
                    PyIter::Range(a, b, s) => {
                        if (*s > 0 && *a < *b) || (*s < 0 && *a > *b) {
                            let v = *a;
                            *a = a.saturating_add(*s);
                            Some(V::Int(v))
                        } else {
                            None
                        }
                    }
                    PyIter::Completed(_) => None,
                    PyIter::Dict(di) => {
                        // Exhausted: it stays so, whatever happens to the dict after.
                        if di.i == usize::MAX {
                            return Ok(None);
                        }
                        // The size first (a change during the last step raises too); once
                        // raised, it raises again at every step (CPython's sticky state).
                        let d = di.src.lock();
                        if di.broken || d.map.len() != di.len {
                            di.broken = true;
                            let what = if di.set { "Set" } else { "dictionary" };
                            return raise("RuntimeError", format!("{what} changed size during iteration"));
                        }
                        if di.i >= di.keys.len() {
                            di.i = usize::MAX;
                            return Ok(None);
                        }
                        let k = di.keys[di.i].clone();
                        di.i += 1;
                        match di.kind {
                            ViewKind::Keys => Some(k),
                            kind => match k.hkey().ok().and_then(|h| d.map.get(&h).map(|(_, v)| v.clone())) {
                                Some(v) if kind == ViewKind::Values => Some(v),
                                Some(v) => Some(V::tuple(vec![k, v])),
                                None => {
                                    di.broken = true;
                                    return raise("RuntimeError", "dictionary keys changed during iteration");
                                }
                            },
                        }
                    }
                })
            }
            V::Inst(_) => match self.lookup_method(it, "__next__") {
                Some(m) => match self.call(&m, Vec::new(), Vec::new()) {
                    Ok(v) => Ok(Some(v)),
                    Err(Flow::Exc(e)) if exc::is_instance_of(&e.value, "StopIteration") => Ok(None),
                    Err(e) => Err(e),
                },
                None => type_err(format!("'{}' object is not an iterator", it.type_name())),
            },
            V::Native(n) if let Native::Lazy(l) = &**n => l.next(self),
            V::Native(n)
                if let Native::Gen(g) = &**n
                    && g.is_generator() =>
            {
                match g.resume(self, super::frame::Resume::Send(V::None))? {
                    super::frame::Out::Yield(v) => Ok(Some(v)),
                    super::frame::Out::Return(_) => Ok(None),
                }
            }
            other => type_err(format!("'{}' object is not an iterator", other.type_name())),
        }
    }

    /// All items of an iterable.
    pub fn collect_vec(&mut self, v: &V) -> R<Vec<V>> {
        Ok(match v {
            V::List(l) => l.lock().clone(),
            V::Tuple(t) => t.to_vec(),
            V::Str(s) => s.chars().map(|c| V::str(c.to_string())).collect(),
            V::Dict(d) | V::Set(d) => d.lock().keys(),
            V::Range(r) => {
                let (a, s) = (&r[0], &r[2]);
                let n = range_len(r[0], r[1], r[2]);
                if n > 100_000_000 {
                    return raise("MemoryError", "");
                }
                (0..n).map(|i| V::Int(a + i * s)).collect()
            }
            V::Iter(_) | V::Inst(_) | V::Native(_) => {
                let it = self.iter(v.clone())?;
                let mut out = Vec::new();
                while let Some(x) = self.next(&it)? {
                    out.push(x);
                    // An endless iterator (`itertools.count()`) must not outlive Stop, nor
                    // eat the machine's memory.
                    if out.len() % 1024 == 0 {
                        self.ctx.check()?;
                        if out.len() >= 100_000_000 {
                            return raise("MemoryError", "");
                        }
                    }
                }
                out
            }
            V::Class(c) if super::enums::is_enum(c) => super::enums::members(c),
            other => return type_err(format!("'{}' object is not iterable", other.type_name())),
        })
    }

    // ------------------------------------------------------------ operators

    /// Truthiness, with `__bool__` / `__len__`.
    pub fn truthy(&mut self, v: &V) -> R<bool> {
        match v {
            V::Bool(b) => Ok(*b),
            V::Inst(_) => {
                if let Some(m) = self.lookup_method(v, "__bool__") {
                    let r = self.call(&m, Vec::new(), Vec::new())?;
                    return Ok(r.truthy());
                }
                if let Some(m) = self.lookup_method(v, "__len__") {
                    let r = self.call(&m, Vec::new(), Vec::new())?;
                    return Ok(r.truthy());
                }
                Ok(true)
            }
            V::Native(n) => Ok(stdlib::native_len(n).is_none_or(|n| n > 0)),
            other => Ok(other.truthy()),
        }
    }

    fn unary(&mut self, op: UnOp, a: &V) -> R<V> {
        Ok(match (op, a) {
            (UnOp::Not, v) => V::Bool(!self.truthy(v)?),
            (UnOp::Neg, V::Int(i)) => i.checked_neg().map_or_else(|| V::from_big(-BigInt::from(*i)), V::Int),
            (UnOp::Neg, V::Bool(b)) => V::Int(-(*b as i64)),
            (UnOp::Neg, V::Big(b)) => V::from_big(-(**b).clone()),
            (UnOp::Neg, V::Float(f)) => V::Float(-f),
            (UnOp::Pos, V::Int(_) | V::Big(_) | V::Float(_)) => a.clone(),
            (UnOp::Pos, V::Bool(b)) => V::Int(*b as i64),
            (UnOp::Invert, V::Int(i)) => V::Int(!i),
            (UnOp::Invert, V::Bool(b)) => V::Int(!(*b as i64)),
            (UnOp::Invert, V::Big(b)) => V::from_big(-(**b).clone() - 1),
            (op, v) => {
                let (dunder, sym) = match op {
                    UnOp::Neg => ("__neg__", "-"),
                    UnOp::Pos => ("__pos__", "+"),
                    _ => ("__invert__", "~"),
                };
                if let Some(m) = self.lookup_method(v, dunder) {
                    return self.call(&m, Vec::new(), Vec::new());
                }
                return type_err(format!("bad operand type for unary {sym}: '{}'", v.type_name()));
            }
        })
    }

    /// `a op b`.
    pub fn binop(&mut self, op: BinOp, a: &V, b: &V) -> R<V> {
        if let Some(v) = num_binop(op, a, b)? {
            return Ok(v);
        }
        // `d.keys() - other`, `d.items() & other`: set operations on a set of the view.
        if matches!(op, BinOp::Sub | BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor)
            && (view_as_set(a).is_some() || view_as_set(b).is_some())
        {
            let (x, y) = (view_as_set(a).unwrap_or_else(|| a.clone()), view_as_set(b).unwrap_or_else(|| b.clone()));
            let x = if matches!(x, V::Set(_)) {
                x
            } else {
                self.call(&V::Builtin(super::ir::Builtin::Set), vec![x], Vec::new())?
            };
            let y = if matches!(y, V::Set(_)) {
                y
            } else {
                self.call(&V::Builtin(super::ir::Builtin::Set), vec![y], Vec::new())?
            };
            return self.binop(op, &x, &y);
        }
        if let Some(v) = super::builtins::seq_binop(self, op, a, b)? {
            return Ok(v);
        }
        let (l, r) = dunders(op);
        if let V::Inst(_) = a
            && let Some(m) = self.lookup_method(a, l)
        {
            let v = self.call(&m, vec![b.clone()], Vec::new())?;
            if !is_not_implemented(&v) {
                return Ok(v);
            }
        }
        if let V::Inst(_) = b
            && let Some(m) = self.lookup_method(b, r)
        {
            let v = self.call(&m, vec![a.clone()], Vec::new())?;
            if !is_not_implemented(&v) {
                return Ok(v);
            }
        }
        type_err(format!(
            "unsupported operand type(s) for {}: '{}' and '{}'",
            op.symbol(),
            a.type_name(),
            b.type_name()
        ))
    }

    /// `a op b` for comparisons.
    pub fn compare(&mut self, op: CmpOp, a: &V, b: &V) -> R<bool> {
        use std::cmp::Ordering::*;
        match op {
            CmpOp::Is => return Ok(a.is(b)),
            CmpOp::IsNot => return Ok(!a.is(b)),
            CmpOp::In => return self.contains(b, a),
            CmpOp::Eq | CmpOp::NotEq if view_as_set(a).is_some() || view_as_set(b).is_some() => {
                let (x, y) = (view_as_set(a).unwrap_or_else(|| a.clone()), view_as_set(b).unwrap_or_else(|| b.clone()));
                let eq = matches!((&x, &y), (V::Set(_), V::Set(_))) && super::value::eq(&x, &y);
                return Ok(eq == (op == CmpOp::Eq));
            }
            CmpOp::NotIn => return Ok(!self.contains(b, a)?),
            CmpOp::Eq => return self.eq(a, b),
            CmpOp::NotEq => return Ok(!self.eq(a, b)?),
            _ => {}
        }
        if let (V::Int(x), V::Int(y)) = (a, b) {
            return Ok(match op {
                CmpOp::Lt => x < y,
                CmpOp::LtE => x <= y,
                CmpOp::Gt => x > y,
                _ => x >= y,
            });
        }
        if let V::Inst(_) = a {
            let name = match op {
                CmpOp::Lt => "__lt__",
                CmpOp::LtE => "__le__",
                CmpOp::Gt => "__gt__",
                _ => "__ge__",
            };
            if let Some(m) = self.lookup_method(a, name) {
                let r = self.call(&m, vec![b.clone()], Vec::new())?;
                return self.truthy(&r);
            }
        }
        if let V::Inst(_) = b {
            // The reflected comparison: `a < b` is `b > a`.
            let name = match op {
                CmpOp::Lt => "__gt__",
                CmpOp::LtE => "__ge__",
                CmpOp::Gt => "__lt__",
                _ => "__le__",
            };
            if let Some(m) = self.lookup_method(b, name) {
                let r = self.call(&m, vec![a.clone()], Vec::new())?;
                if !is_not_implemented(&r) {
                    return self.truthy(&r);
                }
            }
        }
        match cmp(a, b) {
            Some(o) => Ok(match op {
                CmpOp::Lt => o == Less,
                CmpOp::LtE => o != Greater,
                CmpOp::Gt => o == Greater,
                _ => o != Less,
            }),
            None => {
                if let (V::Float(x), _) | (_, V::Float(x)) = (a, b)
                    && x.is_nan()
                {
                    return Ok(false);
                }
                let sym = match op {
                    CmpOp::Lt => "<",
                    CmpOp::LtE => "<=",
                    CmpOp::Gt => ">",
                    _ => ">=",
                };
                type_err(format!(
                    "'{sym}' not supported between instances of '{}' and '{}'",
                    a.type_name(),
                    b.type_name()
                ))
            }
        }
    }

    /// `a == b`, with `__eq__`.
    pub fn eq(&mut self, a: &V, b: &V) -> R<bool> {
        if let V::Inst(_) = a
            && let Some(m) = self.lookup_method(a, "__eq__")
        {
            let r = self.call(&m, vec![b.clone()], Vec::new())?;
            if !is_not_implemented(&r) {
                return self.truthy(&r);
            }
        }
        if !matches!(a, V::Inst(_))
            && let V::Inst(_) = b
            && let Some(m) = self.lookup_method(b, "__eq__")
        {
            // The reflected `b.__eq__(a)`.
            let r = self.call(&m, vec![a.clone()], Vec::new())?;
            if !is_not_implemented(&r) {
                return self.truthy(&r);
            }
        }
        match super::value::eq_checked(a, b) {
            Some(r) => Ok(r),
            None => raise("RecursionError", "maximum recursion depth exceeded in comparison"),
        }
    }

    /// `x in container`.
    pub fn contains(&mut self, container: &V, x: &V) -> R<bool> {
        match container {
            V::Str(s) => match x {
                V::Str(n) => Ok(s.contains(&**n)),
                other => type_err(format!("'in <string>' requires string as left operand, not {}", other.type_name())),
            },
            V::Dict(d) | V::Set(d) => {
                let k = x.hkey().or_else(type_err)?;
                Ok(d.lock().map.contains_key(&k))
            }
            V::Native(n) if let Native::DictView(d, kind) = &**n => match kind {
                ViewKind::Keys => {
                    let k = x.hkey().or_else(type_err)?;
                    Ok(d.lock().map.contains_key(&k))
                }
                ViewKind::Items => {
                    let V::Tuple(t) = x else { return Ok(false) };
                    if t.len() != 2 {
                        return Ok(false);
                    }
                    let Ok(k) = t[0].hkey() else { return Ok(false) };
                    let v = d.lock().map.get(&k).map(|(_, v)| v.clone());
                    match v {
                        Some(v) => self.compare(CmpOp::Eq, &v, &t[1]),
                        None => Ok(false),
                    }
                }
                ViewKind::Values => {
                    let vals = ViewKind::Values.snapshot(&d.lock());
                    for v in &vals {
                        if self.compare(CmpOp::Eq, v, x)? {
                            return Ok(true);
                        }
                    }
                    Ok(false)
                }
            },
            V::Range(r) => Ok(match x.as_int() {
                Some(i) => {
                    let (a, b, s) = (&r[0], &r[1], &r[2]);
                    let n = range_len(r[0], r[1], r[2]);
                    n > 0 && (i - a) % s == 0 && ((*s > 0 && i >= *a && i < *b) || (*s < 0 && i <= *a && i > *b))
                }
                None => false,
            }),
            V::Inst(_) => match self.lookup_method(container, "__contains__") {
                Some(m) => {
                    let r = self.call(&m, vec![x.clone()], Vec::new())?;
                    self.truthy(&r)
                }
                None => {
                    let items = self.collect_vec(container)?;
                    for i in items {
                        if self.eq(&i, x)? {
                            return Ok(true);
                        }
                    }
                    Ok(false)
                }
            },
            _ => {
                let items = self.collect_vec(container)?;
                for i in items {
                    if i.is(x) || self.eq(&i, x)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
        }
    }

    /// `str(v)`.
    pub fn str_of(&mut self, v: &V) -> R<String> {
        check_int_digits(v)?;
        match v {
            V::Str(s) => Ok(s.to_string()),
            V::Inst(i) => {
                if i.class.lookup("__str__").is_some_and(|m| matches!(m, V::Func(_) | V::Native(_)))
                    && let Some(m) = self.lookup_method(v, "__str__")
                {
                    let r = self.call(&m, Vec::new(), Vec::new())?;
                    return self.str_of(&r);
                }
                if i.class.is_sub(&exc::class("BaseException")) {
                    return Ok(exc::exc_str(self, v));
                }
                self.repr_of(v)
            }
            _ => self.repr_of(v),
        }
    }

    /// `repr(v)`.
    pub fn repr_of(&mut self, v: &V) -> R<String> {
        check_int_digits(v)?;
        match v {
            V::Inst(i) => {
                if let Some(m) = i.class.lookup("__repr__")
                    && matches!(&m, V::Func(_) | V::Native(_))
                {
                    let r = self.call(&bind(v, m), Vec::new(), Vec::new())?;
                    return self.str_of(&r);
                }
                if i.class.is_sub(&exc::class("BaseException")) {
                    return Ok(exc::exc_repr(self, v));
                }
                Ok(stdlib::inst_repr(self, i, v.id()))
            }
            V::Class(c) if super::enums::is_enum(c) => Ok(format!("<enum '{}'>", c.name)),
            V::Native(n) if let Native::DictView(d, k) = &**n => {
                let snapshot = k.snapshot(&d.lock());
                let key = Arc::as_ptr(d) as *const u8 as usize;
                if !stdlib::view_repr_enter(key) {
                    return Ok("...".into());
                }
                let r = self.repr_of(&V::list(snapshot));
                stdlib::view_repr_leave(key);
                Ok(format!("{}({})", k.type_name(), r?))
            }
            // Containers that hold instances anywhere inside: each element through repr_of
            // (user __repr__, exception reprs); plain data keeps the fast path.
            V::List(_) | V::Tuple(_) | V::Dict(_) | V::Set(_) if holds_instances(v, 0) => {
                if self.depth >= RECURSION_LIMIT {
                    return raise(
                        "RecursionError",
                        "maximum recursion depth exceeded while getting the repr of an object",
                    );
                }
                let id = v.id();
                if matches!(v, V::List(_) | V::Dict(_) | V::Set(_)) {
                    if self.repr_open.contains(&id) {
                        return Ok(if matches!(v, V::List(_)) { "[...]" } else { "{...}" }.into());
                    }
                    self.repr_open.push(id);
                }
                self.depth += 1;
                let r = self.container_repr(v);
                self.depth -= 1;
                if matches!(v, V::List(_) | V::Dict(_) | V::Set(_)) {
                    self.repr_open.pop();
                }
                r
            }
            _ => Ok(v.repr()),
        }
    }
}

fn holds_instances(v: &V, depth: usize) -> bool {
    let mut budget = 100_000usize;
    holds_instances_in(v, depth, &mut budget)
}

/// Whether an instance sits anywhere inside `v`, looking at no more than `budget` values
/// (a structure of shared parts nested deep is not walked exponentially).
fn holds_instances_in(v: &V, depth: usize, budget: &mut usize) -> bool {
    if depth > 50 || *budget == 0 {
        return false;
    }
    *budget -= 1;
    match v {
        V::Inst(_) => true,
        V::List(l) => l.try_lock().is_some_and(|items| items.iter().any(|x| holds_instances_in(x, depth + 1, budget))),
        V::Tuple(t) => t.iter().any(|x| holds_instances_in(x, depth + 1, budget)),
        V::Dict(d) | V::Set(d) => d.try_lock().is_some_and(|d| {
            d.map
                .values()
                .any(|(k, x)| holds_instances_in(k, depth + 1, budget) || holds_instances_in(x, depth + 1, budget))
        }),
        _ => false,
    }
}

impl Interp<'_> {
    fn container_repr(&mut self, v: &V) -> R<String> {
        Ok(match v {
            V::List(l) => {
                let items = l.lock().clone();
                let parts = items.iter().map(|x| self.repr_of(x)).collect::<R<Vec<_>>>()?;
                format!("[{}]", parts.join(", "))
            }
            V::Tuple(t) => {
                let parts = t.iter().map(|x| self.repr_of(x)).collect::<R<Vec<_>>>()?;
                if parts.len() == 1 { format!("({},)", parts[0]) } else { format!("({})", parts.join(", ")) }
            }
            V::Dict(d) => {
                let d = d.lock().clone();
                let mut parts = Vec::with_capacity(d.map.len());
                for (k, x) in d.map.values() {
                    parts.push((self.repr_of(k)?, self.repr_of(x)?));
                }
                let factory = match &d.kind {
                    super::value::DictKind::Default(f) => self.repr_of(f)?,
                    _ => String::new(),
                };
                d.kind.repr(parts, super::value::counts_of(&d), &factory)
            }
            V::Set(d) => {
                let keys = d.lock().keys();
                let parts = keys.iter().map(|x| self.repr_of(x)).collect::<R<Vec<_>>>()?;
                format!("{{{}}}", parts.join(", "))
            }
            other => other.repr(),
        })
    }
}

/// A method bound to `obj` (functions bind; everything else is returned as is).
pub fn bind(obj: &V, m: V) -> V {
    match &m {
        V::Func(_) => V::Bound(Arc::new((obj.clone(), m))),
        V::Native(n)
            if matches!(
                &**n,
                Native::Fn(
                    NFn::ThreadMethod(_)
                        | NFn::ExcMethod(_)
                        | NFn::Nt(_)
                        | NFn::Dc(_)
                        | NFn::Ctx(_)
                        | NFn::Typing(_)
                        | NFn::Uuid(_)
                        | NFn::En(_)
                        | NFn::Ft(super::functools::FtFn::Total(..))
                        | NFn::Dt(_)
                )
            ) =>
        {
            V::Bound(Arc::new((obj.clone(), m)))
        }
        _ => m,
    }
}

/// The marker of an unbound local.
pub fn unbound() -> V {
    V::Unbound
}

/// Whether `v` is the unbound marker.
pub fn is_unbound(v: &V) -> bool {
    matches!(v, V::Unbound)
}

fn is_not_implemented(v: &V) -> bool {
    matches!(v, V::Native(n) if matches!(**n, Native::NotImplemented))
}

fn dunders(op: BinOp) -> (&'static str, &'static str) {
    match op {
        BinOp::Add => ("__add__", "__radd__"),
        BinOp::Sub => ("__sub__", "__rsub__"),
        BinOp::Mul => ("__mul__", "__rmul__"),
        BinOp::Div => ("__truediv__", "__rtruediv__"),
        BinOp::FloorDiv => ("__floordiv__", "__rfloordiv__"),
        BinOp::Mod => ("__mod__", "__rmod__"),
        BinOp::Pow => ("__pow__", "__rpow__"),
        BinOp::LShift => ("__lshift__", "__rlshift__"),
        BinOp::RShift => ("__rshift__", "__rrshift__"),
        BinOp::BitOr => ("__or__", "__ror__"),
        BinOp::BitXor => ("__xor__", "__rxor__"),
        BinOp::BitAnd => ("__and__", "__rand__"),
        BinOp::MatMul => ("__matmul__", "__rmatmul__"),
    }
}

fn inplace_dunder(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "__iadd__",
        BinOp::Sub => "__isub__",
        BinOp::Mul => "__imul__",
        _ => "__ior__",
    }
}

/// Largest result of `**` or `<<` computed (in bits), so a hostile `2 ** 10**12` is refused.
const MAX_INT_BITS: u64 = 1 << 24;

/// Numeric binary operators; None if the operands are not both numbers.
pub fn num_binop(op: BinOp, a: &V, b: &V) -> R<Option<V>> {
    let (ai, bi) = (a.is_int(), b.is_int());
    if ai && bi {
        if let (Some(x), Some(y)) = (a.as_int(), b.as_int()) {
            let fast = match op {
                BinOp::Add => x.checked_add(y),
                BinOp::Sub => x.checked_sub(y),
                BinOp::Mul => x.checked_mul(y),
                BinOp::BitAnd => Some(x & y),
                BinOp::BitOr => Some(x | y),
                BinOp::BitXor => Some(x ^ y),
                BinOp::FloorDiv | BinOp::Mod if y == 0 => {
                    return raise(
                        "ZeroDivisionError",
                        if op == BinOp::Mod { "integer modulo by zero" } else { "integer division or modulo by zero" },
                    );
                }
                BinOp::FloorDiv => x.checked_div_euclid(y).map(|_| Integer::div_floor(&x, &y)),
                BinOp::Mod => x.checked_rem_euclid(y).map(|_| Integer::mod_floor(&x, &y)),
                _ => None,
            };
            if let Some(v) = fast {
                return Ok(Some(V::Int(v)));
            }
        }
        let (Some(x), Some(y)) = (a.to_big(), b.to_big()) else { return Ok(None) };
        return Ok(Some(match op {
            BinOp::Add => V::from_big(x + y),
            BinOp::Sub => V::from_big(x - y),
            BinOp::Mul => {
                if x.bits() + y.bits() > MAX_INT_BITS {
                    return raise("MemoryError", "");
                }
                V::from_big(x * y)
            }
            BinOp::BitAnd => V::from_big(x & y),
            BinOp::BitOr => V::from_big(x | y),
            BinOp::BitXor => V::from_big(x ^ y),
            BinOp::FloorDiv | BinOp::Mod => {
                if y.is_zero() {
                    return raise(
                        "ZeroDivisionError",
                        if op == BinOp::Mod { "integer modulo by zero" } else { "integer division or modulo by zero" },
                    );
                }
                if op == BinOp::FloorDiv { V::from_big(x.div_floor(&y)) } else { V::from_big(x.mod_floor(&y)) }
            }
            BinOp::Div => {
                if y.is_zero() {
                    return raise("ZeroDivisionError", "division by zero");
                }
                match (x.to_f64(), y.to_f64()) {
                    (Some(p), Some(q)) if p.is_finite() && q.is_finite() => V::Float(p / q),
                    _ => return raise("OverflowError", "integer division result too large for a float"),
                }
            }
            BinOp::Pow => {
                if y.is_negative() {
                    let (p, q) = (x.to_f64().unwrap_or(f64::INFINITY), y.to_f64().unwrap_or(f64::NEG_INFINITY));
                    if p == 0.0 {
                        return raise("ZeroDivisionError", "0.0 cannot be raised to a negative power");
                    }
                    V::Float(p.powf(q))
                } else {
                    let e = y.to_u64().unwrap_or(u64::MAX);
                    if x.bits().saturating_mul(e) > MAX_INT_BITS && x.abs() > BigInt::from(1) {
                        return raise("MemoryError", "");
                    }
                    V::from_big(num_traits::pow::Pow::pow(&x, e))
                }
            }
            BinOp::LShift | BinOp::RShift => {
                if y.is_negative() {
                    return raise("ValueError", "negative shift count");
                }
                let n = y.to_u64().unwrap_or(u64::MAX);
                if op == BinOp::LShift {
                    if x.is_zero() {
                        V::Int(0)
                    } else if n.saturating_add(x.bits()) > MAX_INT_BITS {
                        return raise("MemoryError", "");
                    } else {
                        V::from_big(x << n)
                    }
                } else if n > x.bits() {
                    V::Int(if x.is_negative() { -1 } else { 0 })
                } else {
                    V::from_big(x >> n)
                }
            }
            BinOp::MatMul => return Ok(None),
        }));
    }
    let numeric = |v: &V| v.is_int() || matches!(v, V::Float(_));
    if !(numeric(a) && numeric(b)) {
        return Ok(None);
    }
    let Some(x) = a.as_f64() else { return raise("OverflowError", "int too large to convert to float") };
    let Some(y) = b.as_f64() else { return raise("OverflowError", "int too large to convert to float") };
    Ok(Some(V::Float(match op {
        BinOp::Add => x + y,
        BinOp::Sub => x - y,
        BinOp::Mul => x * y,
        BinOp::Div => {
            if y == 0.0 {
                return raise("ZeroDivisionError", "float division by zero");
            }
            x / y
        }
        BinOp::FloorDiv => {
            if y == 0.0 {
                return raise("ZeroDivisionError", "float floor division by zero");
            }
            (x / y).floor()
        }
        BinOp::Mod => {
            if y == 0.0 {
                return raise("ZeroDivisionError", "float modulo");
            }
            let r = x % y;
            if r != 0.0 && (r < 0.0) != (y < 0.0) { r + y } else { r }
        }
        BinOp::Pow => {
            if x == 0.0 && y < 0.0 {
                return raise("ZeroDivisionError", "0.0 cannot be raised to a negative power");
            }
            let r = x.powf(y);
            if r.is_infinite() && x.is_finite() && y.is_finite() {
                return raise("OverflowError", "(34, 'Numerical result out of range')");
            }
            r
        }
        _ => return Ok(None),
    })))
}

/// A keys or items view as a set (they are set-like in CPython); None for anything else.
fn view_as_set(v: &V) -> Option<V> {
    let V::Native(n) = v else { return None };
    let Native::DictView(d, k) = &**n else { return None };
    if *k == ViewKind::Values {
        return None;
    }
    let mut set = Dict::default();
    for x in k.snapshot(&d.lock()) {
        let h = x.hkey().ok()?;
        set.map.insert(h, (x, V::None));
    }
    Some(V::Set(Arc::new(Mutex::new(set))))
}
