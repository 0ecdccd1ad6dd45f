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
use smallvec::{SmallVec, smallvec};
use std::sync::Arc;
use threadline_model::event::EventKind;
use threadline_model::model::GilMode;
use threadline_runtime::footprint::Mutex;
use threadline_runtime::rt::{Ctx, Unwind};

mod calls;
mod exec;
mod expr;
pub(crate) use expr::{func_str, prefix_star_error};
mod objects;
pub(crate) use objects::plain_setattr;
mod ops;
mod vm;

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
    /// `return`: its value waits in [`Interp::ret`] (so a `Flow` is two words, and a
    /// statement's `R<()>` comes back in registers).
    Return,
    /// `break`.
    Break,
    /// `continue`.
    Continue,
}

/// Evaluation result.
pub type R<T> = Result<T, Flow>;

// Every expression and statement returns one of these: a statement's comes back in two
// registers, an expression's in three words (it was four, with the return value in `Flow`).
const _: () = assert!(std::mem::size_of::<Flow>() == 16 && std::mem::size_of::<R<()>>() == 16);
const _: () = assert!(std::mem::size_of::<R<V>>() == 24);

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
    /// Local slots (borrowed: a caller's, a suspended generator's, or the frame loop's
    /// locals stack in `vm`).
    pub locals: &'f mut [V],
    /// Captured cells of enclosing scopes.
    pub closure: &'f [Arc<Mutex<V>>],
    /// The class body namespace, while a class body runs.
    pub class_ns: Option<&'f Mutex<Attrs>>,
    /// The running function (for `super()`).
    pub func: Option<&'f Arc<Func>>,
    /// Current line.
    pub line: u32,
}

/// A call site's method, as [`Interp::mcache`] keeps it.
pub(crate) struct MethodSlot {
    /// The call site (the address of its `obj.m` expression).
    pub site: usize,
    /// The instance's class it was found for.
    pub class: Arc<super::value::Class>,
    /// The class epoch then.
    pub epoch: u64,
    /// The method's name (a site's memory could be another's after an `exec`'s code is gone).
    pub name: Arc<str>,
    /// The function found.
    pub func: Arc<Func>,
    /// Whether the site's arguments fit it without binding ([`fast_arity`]).
    pub fast: bool,
    /// The last instance's `__dict__` seen here without an attribute of the method's name:
    /// its identity and change count then ([`Interp::not_shadowed`]).
    pub seen: (usize, u64),
}

/// Slots in [`Interp::mcache`].
pub(crate) const MCACHE_SLOTS: usize = 64;

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
    /// Each global's value as this thread last read it, with the cell's version then
    /// (0: none): read again without the lock while the version stands.
    gcache: Vec<(u64, V)>,
    /// Methods found at call sites (`obj.m(...)` on a plain instance), direct-mapped by the
    /// site's address: CPython's `LOAD_ATTR` method cache, guarded by the class and the
    /// class epoch (any class namespace changing empties it in effect).
    pub(crate) mcache: Vec<Option<MethodSlot>>,
    /// The value of the `return` a [`Flow::Return`] is carrying up to its function. Code that
    /// runs Python while one is on its way (`finally`, `__exit__`) keeps it aside meanwhile.
    pub(crate) ret: V,
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
    /// This thread's event loop when none runs (`asyncio.get_event_loop`,
    /// `set_event_loop`), for a program that runs it itself.
    pub own_loop: Option<Arc<super::asyncio::Loop>>,
    /// The frame loop's stacks, kept between runs of it (`vm`).
    vm_stacks: Option<Box<vm::Stacks>>,
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
            B::Len
                | B::Isinstance
                | B::Bool
                | B::Id
                | B::Type
                | B::Hasattr
                | B::Callable
                | B::Abs
                | B::Repr
                | B::Str
                | B::Range
        ),
        _ => false,
    }
}

/// Whether iterating `v` may consume something others see: an iterator or generator that
/// outlives the loop, a program's object, anything native — everything but the plain
/// containers, whose iteration makes a fresh iterator. (A loop over one counts as a change
/// for the spin-loop detection even where its variable is a comprehension's own.)
pub(crate) fn consumes_shared(v: &V) -> bool {
    !matches!(
        v,
        V::Str(_)
            | V::List(_)
            | V::Tuple(_)
            | V::Dict(_)
            | V::Set(_)
            | V::Range(_)
            | V::None
            | V::Bool(_)
            | V::Int(_)
            | V::Big(_)
            | V::Float(_)
    )
}

/// `any(...)`, `all(...)`, `sum`, `min`, `max`, `sorted`, `list`, `tuple`, `set` over what only
/// they see — a generator expression or comprehension made for this call, or a value that is
/// not an iterator (a list, a tuple, a dict, a range…) — change nothing anyone else sees
/// (see [`pure_callee`]): what the generator expression itself calls counts where it is
/// called. An iterator that outlives the call (a generator bound to a name, a program's
/// object, anything native) is consumed by it: a change.
fn pure_consumer(f: &V, args: &[Arg], pos: &[V], kw: &Kwargs) -> bool {
    use super::ir::Builtin as B;
    let V::Builtin(b) = f else { return false };
    matches!(b, B::Any | B::All | B::Sum | B::Min | B::Max | B::Sorted | B::List | B::Tuple | B::Set)
        && kw.is_empty()
        && args.len() == pos.len()
        && args.iter().zip(pos).all(|(a, v)| match a {
            Arg::Pos(e) => {
                matches!(&*e.kind, ExprKind::Call(func, _) if matches!(&*func.kind, ExprKind::Comp(_)))
                    || !consumes_shared(v)
            }
            _ => false,
        })
}

/// A method that only reads: `q.empty()`, `ev.is_set()`, `lock.locked()`, `t.is_alive()`,
/// `d.get(k)` on a dict… (see [`pure_callee`]).
fn pure_method(o: &V, name: &str) -> bool {
    // Decided by the object's type as well as the name: a program's own class with a method
    // called `empty` may change anything.
    match o {
        V::Native(_) => {
            matches!(name, "empty" | "qsize" | "full" | "is_set" | "locked" | "done" | "running" | "cancelled")
        }
        V::Inst(i) => {
            name == "is_alive"
                && matches!(i.class.native_kind(), ClassKind::Thread | ClassKind::Process)
                // …unless the program's own subclass defines it.
                && !std::iter::once(&i.class)
                    .chain(i.class.mro.iter())
                    .any(|c| &*c.module == "__main__" && c.dict.read().contains_key("is_alive"))
        }
        V::Str(_) => matches!(name, "startswith" | "endswith" | "count" | "index" | "find"),
        V::Dict(_) | V::List(_) | V::Tuple(_) => {
            matches!(name, "get" | "keys" | "values" | "items" | "count" | "index")
        }
        _ => false,
    }
}

/// The positional arguments' defaults a call with fewer arguments takes, then unbound slots
/// for the other locals (the caller checked [`fast_arity`]).
#[inline]
fn defaults_and_slots(func: &Func, locals: &mut SmallVec<[V; 8]>) {
    let n_args = func.def.params.args.len();
    let first_default = n_args.saturating_sub(func.defaults.len());
    for i in locals.len()..n_args {
        locals.push(func.defaults.get(i.wrapping_sub(first_default)).cloned().unwrap_or_default());
    }
    // Pushed one by one: `resize` drops its template value (a call out of line).
    for _ in locals.len()..func.def.n_locals as usize {
        locals.push(V::Unbound);
    }
}

/// `x op y` compared on small ints (None for `is`, `in` and the like: the general path).
#[inline(always)]
fn small_int_cmp(op: CmpOp, x: i64, y: i64) -> Option<bool> {
    Some(match op {
        CmpOp::Lt => x < y,
        CmpOp::LtE => x <= y,
        CmpOp::Gt => x > y,
        CmpOp::GtE => x >= y,
        CmpOp::Eq => x == y,
        CmpOp::NotEq => x != y,
        _ => return None,
    })
}

/// `x op y` on small ints when it stays one (else None: the general path decides).
#[inline(always)]
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
#[inline(always)]
fn cells_in(def: &FuncDef, locals: &mut [V]) {
    if def.cells.is_empty() {
        return;
    }
    cells_in_slow(def, locals);
}

#[inline(never)]
fn cells_in_slow(def: &FuncDef, locals: &mut [V]) {
    for &c in &def.cells {
        let v = std::mem::take(&mut locals[c as usize]);
        locals[c as usize] = V::Cell(Arc::new(Mutex::new(v)));
    }
}

/// Python's default recursion limit.
pub const RECURSION_LIMIT: usize = 1000;

/// Every [`GROW_EVERY`] levels of Python calls, a call runs its body with at least this much
/// stack left: when less is, the body runs on a fresh segment of [`STACK_SEGMENT`] bytes
/// (`stacker`), so calls nest as deep as `sys.setrecursionlimit` allows, not as deep as the
/// thread's stack (64 MB held about 12 000 calls, where CPython 3.11, whose Python calls take
/// no C stack, goes on). A level takes a few KB: the levels between two looks fit many times.
const RED_ZONE: usize = 1 << 20;

/// How many levels of calls apart the stack is looked at (a look costs a few nanoseconds;
/// a call loop at a shallow depth never pays it).
const GROW_EVERY: usize = 8;

/// A fresh stack segment for calls nested past the thread's own stack (about 4 000 calls).
const STACK_SEGMENT: usize = 16 << 20;

/// However high a program sets the recursion limit, calls nest at most this deep (a few KB
/// of stack each: well under a gigabyte), where CPython would go on until memory ran out.
pub const MAX_DEPTH: usize = 200_000;

impl<'a> Interp<'a> {
    /// An interpreter for `ctx`'s thread.
    pub fn new(ctx: &'a Ctx, w: &'a Arc<World>, pw: Arc<super::ProcWorld>) -> Self {
        let n_globals = pw.globals.len();
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
            gcache: vec![(0, V::None); n_globals],
            mcache: Vec::new(),
            ret: V::None,
            controlled_ft,
            controlled: ctx.shared.control().is_some(),
            split,
            aio: None,
            own_loop: None,
            vm_stacks: None,
        }
    }

    /// A Python call here would nest too deep: past `sys.getrecursionlimit()` (or
    /// [`MAX_DEPTH`]). The stack is [`Self::with_stack`]'s business.
    #[inline]
    pub(crate) fn too_deep(&self) -> bool {
        self.depth >= self.w.recursion_limit.load(std::sync::atomic::Ordering::Relaxed).min(MAX_DEPTH)
    }

    /// [`Self::too_deep`], for what recurses natively without a call (a repr of nested
    /// instances): also when the stack left is short.
    pub(crate) fn too_deep_natively(&self) -> bool {
        self.too_deep() || stacker::remaining_stack().is_some_and(|left| left < RED_ZONE / 2)
    }

    /// Run `f` (a function's body at [`Self::depth`]), every [`GROW_EVERY`] levels with at
    /// least [`RED_ZONE`] of stack — on a fresh segment if the thread's stack is that close
    /// to its end.
    #[inline]
    pub(crate) fn with_stack<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        if self.depth.is_multiple_of(GROW_EVERY) {
            stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || f(self))
        } else {
            f(self)
        }
    }

    /// The eval breaker: nothing to do is told by a few loads here (inlined at every
    /// check); anything else out of line.
    #[inline(always)]
    pub(crate) fn breaker(&self) -> R<()> {
        if self.ctx.calm() {
            return Ok(());
        }
        self.breaker_slow()
    }

    #[inline(never)]
    fn breaker_slow(&self) -> R<()> {
        self.ctx.eval_breaker().map_err(Flow::from)
    }

    /// A call returned: CPython 3.9 and 3.10+ check the eval breaker after every call
    /// (`CALL_FUNCTION`'s `CHECK_EVAL_BREAKER`), built-ins and methods of native objects
    /// included, so another thread may run between `items.append(tmp)` and the next line.
    /// (3.11+ skip it after `len`, `isinstance` and `list.append` once specialised; the
    /// `cpython-3.10+` mode keeps 3.10's check, a superset.)
    #[inline(always)]
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
    pub(crate) fn chain(&mut self, v: &V, cause: Option<V>) -> R<()> {
        let V::Inst(i) = v else { return Ok(()) };
        let keep_tb = |x: &Exc| {
            if let V::Inst(xi) = &x.value {
                let tb: Vec<V> =
                    x.tb.iter().map(|(l, n)| V::tuple(vec![V::Int(i64::from(*l)), V::str(n.clone())])).collect();
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
                        | NFn::Namespace(_)
                        | NFn::Bytes(_)
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
        // A built-in type's method, inherited (`__new__` is a static method).
        V::Native(n) if matches!(&**n, Native::BaseMethod(_, name) if &**name != "__new__") => {
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
