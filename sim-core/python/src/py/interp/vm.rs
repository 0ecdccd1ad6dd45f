//! Running [`crate::py::vm::Code`]: one loop over an explicit frame stack. A call from
//! compiled code to a Python function with compiled code pushes a [`VmFrame`] (its program
//! counter, line, and where its part of the shared locals, value, iterator and block stacks
//! begins) rather than recursing in Rust; its return pops back. Every operation is the tree walker's own `Interp` method, and every statement
//! the compiler left alone runs in the tree walker ([`Ins::Exec`]), with the same frame.

use super::*;
use crate::py::frame::Why;
use crate::py::vm::{Code, Ins};

/// A frame on the loop's stack (the entry frame has no function of its own here: the
/// caller's `Frame` says what it is).
struct VmFrame {
    func: Option<Arc<Func>>,
    pc: usize,
    line: u32,
    /// Where its locals, values, loop iterators, blocks and pending exits begin.
    at: Bases,
}

/// Where a frame's part of each of the loop's stacks begins.
#[derive(Clone, Copy, Default)]
struct Bases {
    locals: usize,
    values: usize,
    iters: usize,
    blocks: usize,
    pending: usize,
}

/// A `for` loop's iterator: a range as a counter, anything else as the iterator object.
pub(crate) enum LoopIter {
    Range { next: i64, left: i64, step: i64 },
    Obj(V),
}

/// Why a frame's instructions stopped.
enum Step {
    /// It returned a value.
    Return(V),
    /// It calls `func`, a Python function with compiled code, whose arguments (fitting it,
    /// a method's instance first) are the values from `args` up; the stack is then cut
    /// back to `keep`.
    Call { func: Arc<Func>, args: usize, keep: usize },
}

/// What one instruction asks of the loop.
enum Ctl {
    Next,
    Out(Step),
}

/// A block of a frame: where an exit out of it goes, and the stacks' heights at its start.
struct Block {
    kind: BlockKind,
    values: usize,
    iters: usize,
    pending: usize,
}

enum BlockKind {
    /// A loop whose `break`/`continue` leave blocks.
    Loop { brk: usize, cont: usize, has_iter: bool },
    /// `try` with `except`: the first clause's `ExceptMatch`.
    Except(usize),
    /// `try` with `finally`: the `finally` body.
    Finally(usize),
    /// Inside `with`: the manager, where a suppressed exception continues, the line.
    With { mgr: V, end: usize, line: u32 },
    /// Inside an `except` clause (the exception is being handled), its `as` name.
    Handler(Option<Box<Target>>),
}

/// The stacks of the frame loop: every frame's locals, then the rest, one frame's after
/// another (kept by the interpreter between runs, so a call allocates nothing).
#[derive(Default)]
pub(crate) struct Stacks {
    locals: Vec<V>,
    rest: Rest,
}

#[derive(Default)]
struct Rest {
    values: Vec<V>,
    iters: Vec<LoopIter>,
    blocks: Vec<Block>,
    /// Exits waiting for a `finally` body to end, with the line they left from.
    pending: Vec<(Why, u32)>,
}

impl Rest {
    #[inline]
    fn truncate(&mut self, at: &Bases) {
        self.values.truncate(at.values);
        self.iters.truncate(at.iters);
        self.blocks.truncate(at.blocks);
        self.pending.truncate(at.pending);
    }

    fn bases(&self, locals: usize) -> Bases {
        Bases {
            locals,
            values: self.values.len(),
            iters: self.iters.len(),
            blocks: self.blocks.len(),
            pending: self.pending.len(),
        }
    }
}

/// A running frame's registers: its program counter, its stacks, and the exception an
/// `except` clause is matching.
struct Regs<'s> {
    pc: usize,
    values: &'s mut Vec<V>,
    iters: &'s mut Vec<LoopIter>,
    blocks: &'s mut Vec<Block>,
    pending: &'s mut Vec<(Why, u32)>,
    cur_exc: Option<Box<Exc>>,
    /// Where this frame's values and blocks begin.
    base: usize,
    block_base: usize,
}

/// Pop the top value; an int or bool is read as its parts (a 16-byte load of a value just
/// written in two stores would wait for them: a store-forwarding stall).
#[inline(always)]
fn pop(values: &mut Vec<V>) -> V {
    match values.last() {
        Some(V::Int(x)) => {
            let x = *x;
            values.pop();
            V::Int(x)
        }
        Some(V::Bool(b)) => {
            let b = *b;
            values.pop();
            V::Bool(b)
        }
        _ => values.pop().unwrap_or_default(),
    }
}

/// Push an int, written as its parts into the stack's slot.
#[inline(always)]
fn push_int(values: &mut Vec<V>, x: i64) {
    values.push(V::None);
    if let Some(slot) = values.last_mut() {
        *slot = V::Int(x);
    }
}

/// Push a value, an int or bool by its parts.
#[inline(always)]
fn push(values: &mut Vec<V>, v: V) {
    match v {
        V::Int(x) => push_int(values, x),
        V::Bool(b) => {
            values.push(V::None);
            if let Some(slot) = values.last_mut() {
                *slot = V::Bool(b);
            }
        }
        v => values.push(v),
    }
}

/// The top two values as small ints, if they are.
#[inline(always)]
fn top_ints(values: &[V]) -> Option<(i64, i64)> {
    match values {
        [.., V::Int(a), V::Int(b)] => Some((*a, *b)),
        _ => None,
    }
}

impl Interp<'_> {
    /// Run `code`, a function's compiled body, in `frame` (its arguments bound; the caller
    /// made the entry checks and counts the depth), and every compiled function it calls on
    /// the same loop.
    pub(crate) fn run_vm(&mut self, frame: &mut Frame<'_>, code: &Arc<Code>) -> R<V> {
        let mut st = self.vm_stacks.take().unwrap_or_default();
        let r = self.run_vm_on(frame, code, &mut st);
        st.locals.clear();
        st.rest.truncate(&Bases::default());
        self.vm_stacks = Some(st);
        r
    }

    /// [`Self::run_vm`] for a function's body (on a fresh stack segment when the Rust stack
    /// runs short, as the tree walker's bodies), kept out of line: the tree walker's call path
    /// stays as small as it was without the frame loop.
    #[inline(never)]
    pub(crate) fn run_vm_stacked(&mut self, frame: &mut Frame<'_>, code: &Arc<Code>) -> R<V> {
        self.with_stack(|it| it.run_vm(frame, code))
    }

    fn run_vm_on(&mut self, frame: &mut Frame<'_>, code: &Arc<Code>, st: &mut Stacks) -> R<V> {
        let Stacks { locals, rest } = st;
        // The entry frame's locals join the locals stack, where every frame's are.
        locals.extend(frame.locals.iter_mut().map(std::mem::take));
        let mut callers: Vec<VmFrame> = Vec::new();
        let mut cur = VmFrame { func: None, pc: 0, line: frame.line, at: rest.bases(0) };
        // An error the running frame is to handle (raised in a frame it called, or by the
        // checks around its call).
        let mut incoming: Option<Flow> = None;
        loop {
            // The running frame, as the tree walker's helpers see it, and its registers.
            let mut f = Frame {
                locals: &mut locals[cur.at.locals..],
                closure: match &cur.func {
                    Some(func) => &func.closure,
                    None => frame.closure,
                },
                class_ns: if cur.func.is_some() { None } else { frame.class_ns },
                func: match &cur.func {
                    Some(func) => Some(func),
                    None => frame.func,
                },
                line: cur.line,
            };
            let ops = match &cur.func {
                Some(func) => match &func.def.vm {
                    Some(c) => &c.ops,
                    None => return raise("SystemError", "a frame without code"),
                },
                None => &code.ops,
            };
            let mut rg = Regs {
                pc: cur.pc,
                values: &mut rest.values,
                iters: &mut rest.iters,
                blocks: &mut rest.blocks,
                pending: &mut rest.pending,
                cur_exc: None,
                base: cur.at.values,
                block_base: cur.at.blocks,
            };
            let mut why = incoming.take();
            let step = loop {
                if let Some(e) = why.take() {
                    match self.vm_unwind(&mut f, &mut rg, e) {
                        Ok(None) => {}
                        Ok(Some(v)) => break Ok(Step::Return(v)),
                        Err(e) => break Err(e),
                    }
                }
                let Some(op) = ops.get(rg.pc) else { break raise("SystemError", "ran past a function's code") };
                rg.pc += 1;
                match self.vm_op(&mut f, op, &mut rg) {
                    Ok(Ctl::Next) => {}
                    Ok(Ctl::Out(s)) => break Ok(s),
                    Err(e) => why = Some(e),
                }
            };
            let (pc, line) = (rg.pc, f.line);
            cur.pc = pc;
            cur.line = line;
            match step {
                Ok(Step::Call { func, args, keep }) => match self.push_frame(locals, rest, func, args, keep) {
                    Ok(callee) => callers.push(std::mem::replace(&mut cur, callee)),
                    // Too deep, or RESUME's check: the exception is the caller's.
                    Err(e) => incoming = Some(e),
                },
                Ok(Step::Return(v)) => {
                    if self.back_to_caller(&mut cur, &mut callers, locals, rest).is_none() {
                        frame.line = cur.line;
                        return Ok(v);
                    }
                    // After the call, the eval breaker.
                    match self.after_call(Ok(v)) {
                        Ok(v) => rest.values.push(v),
                        Err(e) => incoming = Some(e),
                    }
                }
                // The frame did not handle it: it leaves, adding its line to the traceback,
                // and its caller gets it.
                Err(mut e) => {
                    let Some(done) = self.back_to_caller(&mut cur, &mut callers, locals, rest) else {
                        frame.line = cur.line;
                        return Err(e);
                    };
                    if let Flow::Exc(x) = &mut e
                        && let Some(func) = &done.func
                    {
                        x.tb.push((done.line, func.def.name.clone()));
                    }
                    incoming = Some(e);
                }
            }
        }
    }

    /// The running frame `cur` ends and its caller runs again, at its line: the ended frame
    /// leaves the loop's stacks and is handed back (None when `cur` is the entry frame).
    #[inline]
    fn back_to_caller(
        &mut self,
        cur: &mut VmFrame,
        callers: &mut Vec<VmFrame>,
        locals: &mut Vec<V>,
        rest: &mut Rest,
    ) -> Option<VmFrame> {
        let done = std::mem::replace(cur, callers.pop()?);
        self.depth -= 1;
        locals.truncate(done.at.locals);
        rest.truncate(&done.at);
        self.ctx.line.set(cur.line);
        Some(done)
    }

    /// A called function's frame: its locals (the arguments, the defaults, unbound slots,
    /// cells) on the locals stack, after RESUME's eval-breaker check.
    fn push_frame(
        &mut self,
        locals: &mut Vec<V>,
        rest: &mut Rest,
        func: Arc<Func>,
        args: usize,
        keep: usize,
    ) -> R<VmFrame> {
        if self.too_deep() {
            return raise("RecursionError", "maximum recursion depth exceeded");
        }
        self.breaker()?;
        let def = &func.def;
        let at = locals.len();
        let values = &mut rest.values;
        let n = values.len().saturating_sub(args);
        locals.extend(values.drain(args.min(values.len())..));
        values.truncate(keep);
        let n_args = def.params.args.len();
        let first_default = n_args.saturating_sub(func.defaults.len());
        for i in n..n_args {
            locals.push(func.defaults.get(i.wrapping_sub(first_default)).cloned().unwrap_or_default());
        }
        locals.resize(at + def.n_locals as usize, V::Unbound);
        cells_in(def, &mut locals[at..]);
        self.depth += 1;
        Ok(VmFrame { line: def.line, pc: 0, at: rest.bases(at), func: Some(func) })
    }

    /// Leave the frame's blocks for `e` until one takes over (None: go on at `r.pc`) or none
    /// is left: the frame returns (Some) or the error leaves it.
    fn vm_unwind(&mut self, f: &mut Frame<'_>, r: &mut Regs<'_>, e: Flow) -> R<Option<V>> {
        let mut w = match e {
            Flow::Exc(e) => Why::Exc(e),
            Flow::Return => Why::Return(std::mem::take(&mut self.ret)),
            Flow::Break => Why::Break,
            Flow::Continue => Why::Continue,
            halt @ Flow::Halt(_) => return Err(halt),
        };
        loop {
            if r.blocks.len() <= r.block_base {
                return match w {
                    Why::Normal => Ok(Some(V::None)),
                    Why::Return(v) => Ok(Some(v)),
                    Why::Exc(e) => Err(Flow::Exc(e)),
                    Why::Break | Why::Continue => raise("SystemError", "'break' outside a loop's block"),
                };
            }
            let Some(b) = r.blocks.pop() else { continue };
            r.values.truncate(b.values);
            r.iters.truncate(b.iters);
            r.pending.truncate(b.pending);
            match b.kind {
                BlockKind::Loop { brk, cont, has_iter } => match w {
                    Why::Break => {
                        if has_iter {
                            r.iters.pop();
                        }
                        r.pc = brk;
                        return Ok(None);
                    }
                    Why::Continue => {
                        r.pc = cont;
                        r.blocks.push(Block { kind: BlockKind::Loop { brk, cont, has_iter }, ..b });
                        return Ok(None);
                    }
                    other => w = other,
                },
                BlockKind::Except(h) => {
                    if let Why::Exc(e) = w {
                        r.cur_exc = Some(e);
                        r.pc = h;
                        return Ok(None);
                    }
                }
                BlockKind::Finally(h) => {
                    r.pending.push((w, f.line));
                    r.pc = h;
                    return Ok(None);
                }
                BlockKind::With { mgr, end, line } => {
                    // As the tree walker's `with`: `__exit__` at the `with` line; an exception
                    // it does not suppress goes on from the line that raised it.
                    let raised_at = f.line;
                    f.line = line;
                    self.ctx.line.set(line);
                    match w {
                        Why::Exc(ex) => {
                            let ty = match &ex.value {
                                V::Inst(i) => V::Class(i.class.clone()),
                                _ => V::None,
                            };
                            let suppress = match self.call_method(
                                &mgr,
                                "__exit__",
                                vec![ty, ex.value.clone(), V::None],
                                Vec::new(),
                            ) {
                                Ok(v) => v,
                                Err(Flow::Exc(e2)) => {
                                    w = Why::Exc(e2);
                                    continue;
                                }
                                Err(other) => return Err(other),
                            };
                            match self.truthy(&suppress) {
                                Ok(true) => {
                                    r.pc = end;
                                    return Ok(None);
                                }
                                Ok(false) => {
                                    f.line = raised_at;
                                    self.ctx.line.set(raised_at);
                                    w = Why::Exc(ex);
                                }
                                Err(Flow::Exc(e2)) => w = Why::Exc(e2),
                                Err(other) => return Err(other),
                            }
                        }
                        other => {
                            let x = self.call_method(&mgr, "__exit__", vec![V::None, V::None, V::None], Vec::new());
                            match self.after_call(x) {
                                Ok(_) => w = other,
                                Err(Flow::Exc(e2)) => w = Why::Exc(e2),
                                Err(halt) => return Err(halt),
                            }
                        }
                    }
                }
                BlockKind::Handler(name) => {
                    if let Why::Exc(e) = &w
                        && let Err(e2) = self.chain_implicit(e)
                    {
                        return Err(e2);
                    }
                    self.handling.pop();
                    if let Some(n) = name {
                        self.forget_handler_name(f, &n);
                    }
                }
            }
        }
    }

    /// Push a block starting here.
    #[inline]
    fn push_block(r: &mut Regs<'_>, kind: BlockKind) {
        let b = Block { kind, values: r.values.len(), iters: r.iters.len(), pending: r.pending.len() };
        r.blocks.push(b);
    }

    /// Execute one instruction.
    #[inline(always)]
    fn vm_op(&mut self, f: &mut Frame<'_>, op: &Ins, rg: &mut Regs<'_>) -> R<Ctl> {
        match op {
            Ins::Line(line) => self.stmt_start(f, *line)?,
            Ins::LineEnd(line) => self.stmt_end(*line),
            Ins::LineNext { ended, line } => {
                self.stmt_end(*ended);
                self.stmt_start(f, *line)?;
            }
            Ins::LoadFast(i, name) => match f.locals.get(*i as usize) {
                Some(V::Int(v)) => push_int(rg.values, *v),
                Some(v) if !matches!(v, V::Cell(_) | V::Unbound) => rg.values.push(v.clone()),
                _ => {
                    let v = self.load_name(f, &Name::Local(*i), name)?;
                    rg.values.push(v);
                }
            },
            Ins::LoadName(x) => {
                let v = self.load_name(f, &x.0, &x.1)?;
                rg.values.push(v);
            }
            Ins::LoadConst(v) => match v {
                V::Int(x) => push_int(rg.values, *x),
                v => rg.values.push(v.clone()),
            },
            Ins::StoreFast(i, t) => {
                let v = pop(rg.values);
                match f.locals.get_mut(*i as usize) {
                    Some(slot) if !self.controlled && !matches!(slot, V::Cell(_)) => V::put(slot, v),
                    _ => self.assign(f, t, v)?,
                }
            }
            Ins::Store(t) => {
                let v = pop(rg.values);
                self.assign(f, t, v)?;
            }
            Ins::BinaryOp(op) => {
                // Two small ints: the result replaces them where they are.
                if let Some((x, y)) = top_ints(rg.values)
                    && let Some(r) = small_int_op(*op, x, y)
                {
                    rg.values.pop();
                    if let Some(V::Int(slot)) = rg.values.last_mut() {
                        *slot = r;
                    }
                    if self.mode == GilMode::Cpython39 {
                        self.breaker()?;
                    }
                    return Ok(Ctl::Next);
                }
                let b = pop(rg.values);
                let a = pop(rg.values);
                let r = match (&a, &b) {
                    (V::Int(x), V::Int(y)) if let Some(r) = small_int_op(*op, *x, *y) => V::Int(r),
                    _ => self.binop(*op, &a, &b)?,
                };
                // 3.9 checks the eval breaker after a binary op (see `eval`).
                if self.mode == GilMode::Cpython39 {
                    self.breaker()?;
                }
                push(rg.values, r);
            }
            Ins::BinaryOpConst(op, b) => {
                if let (Some(V::Int(x)), V::Int(y)) = (rg.values.last_mut(), b)
                    && let Some(r) = small_int_op(*op, *x, *y)
                {
                    *x = r;
                    if self.mode == GilMode::Cpython39 {
                        self.breaker()?;
                    }
                    return Ok(Ctl::Next);
                }
                let a = pop(rg.values);
                let r = match (&a, b) {
                    (V::Int(x), V::Int(y)) if let Some(r) = small_int_op(*op, *x, *y) => V::Int(r),
                    _ => self.binop(*op, &a, b)?,
                };
                if self.mode == GilMode::Cpython39 {
                    self.breaker()?;
                }
                push(rg.values, r);
            }
            Ins::CompareOp(op) => {
                if let Some((x, y)) = top_ints(rg.values)
                    && let Some(holds) = small_int_cmp(*op, x, y)
                {
                    rg.values.pop();
                    if let Some(slot) = rg.values.last_mut() {
                        *slot = V::Bool(holds);
                    }
                    return Ok(Ctl::Next);
                }
                let r = pop(rg.values);
                let l = pop(rg.values);
                let holds = self.compare(*op, &l, &r)?;
                push(rg.values, V::Bool(holds));
            }
            Ins::PopJumpIfFalse(to) => {
                let v = pop(rg.values);
                let t = match v {
                    V::Bool(b) => b,
                    _ => self.truthy(&v)?,
                };
                if !t {
                    rg.pc = *to;
                }
            }
            Ins::JumpForward(to) => rg.pc = *to,
            Ins::JumpBackward { to, line, while_loop } => {
                f.line = *line;
                if *while_loop && self.controlled {
                    self.ctx.spin_point(*line).map_err(Flow::from)?;
                } else {
                    self.breaker()?;
                }
                rg.pc = *to;
            }
            Ins::GetIter => {
                let v = pop(rg.values);
                let it = match v {
                    V::Range(r) => {
                        let [a, b, s] = *r;
                        LoopIter::Range { next: a, left: range_len(a, b, s), step: s }
                    }
                    v => LoopIter::Obj(self.iter(v)?),
                };
                rg.iters.push(it);
            }
            Ins::ForIterFast { slot, target, exit } => {
                let item = self.loop_next(rg.iters)?;
                match item {
                    None => {
                        rg.iters.pop();
                        rg.pc = *exit;
                    }
                    Some(v) => match f.locals.get_mut(*slot as usize) {
                        Some(s) if !matches!(s, V::Cell(_)) => {
                            self.mutated();
                            V::put(s, v);
                        }
                        _ => self.assign(f, target, v)?,
                    },
                }
            }
            Ins::LoadAttr(name) => {
                let o = pop(rg.values);
                let v = match &o {
                    V::Inst(i) if let Some(v) = super::objects::own_attr(i, name) => v,
                    _ => self.get_attr_named(&o, name)?,
                };
                rg.values.push(v);
            }
            Ins::Call { n, call } => {
                let at = rg.values.len().saturating_sub(*n as usize + 1).max(rg.base);
                let fv = std::mem::take(&mut rg.values[at]);
                // A Python function called with positional arguments that fit it.
                if let V::Func(func) = &fv
                    && fast_arity(func, *n as usize)
                {
                    if func.def.vm.is_some() {
                        let V::Func(func) = fv else { unreachable!() };
                        return Ok(Ctl::Out(Step::Call { func, args: at + 1, keep: at }));
                    }
                    let locals = self.positional_locals(func, None, rg.values.drain(at + 1..))?;
                    rg.values.truncate(at);
                    let r = self.run_func(func, locals);
                    self.ctx.line.set(f.line);
                    rg.values.push(self.after_call(r)?);
                    return Ok(Ctl::Next);
                }
                let pos: Vec<V> = rg.values.drain(at + 1..).collect();
                rg.values.truncate(at);
                let args = match &*call.kind {
                    ExprKind::Call(_, args) => args.as_slice(),
                    _ => &[],
                };
                let v = self.call_counted(&fv, args, pos, Vec::new(), f.line)?;
                rg.values.push(v);
            }
            Ins::LoadMethod { name, args } => {
                let o = pop(rg.values);
                // A plain instance's Python method (found once per site and class), looked up
                // before the arguments are evaluated, as CPython's LOAD_METHOD does.
                let m = match &o {
                    V::Inst(i)
                        if i.class.kind == ClassKind::Plain
                            && i.class.native_kind() == ClassKind::Plain
                            && let Some(m) = self.plain_method(op as *const Ins as usize, i, name, args) =>
                    {
                        V::Func(m)
                    }
                    _ => V::Unbound,
                };
                rg.values.push(m);
                rg.values.push(o);
            }
            Ins::CallMethod { n, name } => {
                let at = rg.values.len().saturating_sub(*n as usize + 2).max(rg.base);
                if let V::Func(m) = std::mem::take(&mut rg.values[at]) {
                    // The method found before: the instance and the arguments are its locals.
                    if m.def.vm.is_some() {
                        return Ok(Ctl::Out(Step::Call { func: m, args: at + 1, keep: at }));
                    }
                    let locals = self.positional_locals(&m, None, rg.values.drain(at + 1..))?;
                    rg.values.truncate(at);
                    let r = self.run_func(&m, locals);
                    self.ctx.line.set(f.line);
                    rg.values.push(self.after_call(r)?);
                    return Ok(Ctl::Next);
                }
                let at = at + 1;
                let o = std::mem::take(&mut rg.values[at]);
                // `xs.append(x)` on a list, and `d.get(k[, default])` on a dict, from the stack.
                let r = match (&o, &**name, *n) {
                    (V::List(l), "append", 1) => {
                        let x = pop(rg.values);
                        rg.values.truncate(at - 1);
                        self.mutated();
                        l.lock().push(x);
                        self.mutated();
                        Ok(V::None)
                    }
                    (V::Dict(d), "get", 1 | 2) => {
                        let r = crate::py::builtins::methods::dict_get(d, &rg.values[at + 1], rg.values.get(at + 2));
                        rg.values.truncate(at - 1);
                        r
                    }
                    _ => {
                        let pos: Vec<V> = rg.values.drain(at + 1..).collect();
                        rg.values.truncate(at - 1);
                        let impure = self.controlled && !pure_method(&o, name);
                        if impure {
                            self.ctx.mutated();
                        }
                        let r = self.call_method(&o, name, pos, Vec::new());
                        if impure {
                            self.ctx.mutated();
                        }
                        r
                    }
                };
                self.ctx.line.set(f.line);
                rg.values.push(self.after_call(r)?);
            }
            Ins::PopTop => {
                rg.values.pop();
            }
            Ins::Mutated => self.mutated(),
            Ins::ReturnValue => {
                let v = pop(rg.values);
                if rg.blocks.len() > rg.block_base {
                    // Leaving blocks first (`finally`, `__exit__`).
                    self.ret = v;
                    return Err(Flow::Return);
                }
                return Ok(Ctl::Out(Step::Return(v)));
            }
            Ins::InplaceOp(op) => {
                let b = pop(rg.values);
                let a = pop(rg.values);
                let v = self.inplace(*op, &a, &b)?;
                rg.values.push(v);
            }
            _ => return self.vm_cold(f, op, rg),
        }
        Ok(Ctl::Next)
    }

    /// Execute one of the rarer instructions (out of the hot loop).
    #[inline(never)]
    fn vm_cold(&mut self, f: &mut Frame<'_>, op: &Ins, rg: &mut Regs<'_>) -> R<Ctl> {
        match op {
            Ins::Eval(e) => {
                let v = self.eval(f, e)?;
                rg.values.push(v);
            }
            Ins::Exec(x) => match self.stmt(f, &x.0) {
                Ok(()) => {}
                Err(Flow::Break)
                    if let Some(x) = &x.1
                        && x.direct =>
                {
                    if x.has_iter {
                        rg.iters.pop();
                    }
                    rg.pc = x.brk;
                }
                Err(Flow::Continue)
                    if let Some(x) = &x.1
                        && x.direct =>
                {
                    rg.pc = x.cont
                }
                Err(e) => return Err(e),
            },
            Ins::UnaryOp(op) => {
                let a = pop(rg.values);
                let r = self.unary(*op, &a)?;
                rg.values.push(r);
            }
            Ins::JumpIfFalseOrPop(to) | Ins::JumpIfTrueOrPop(to) => {
                let want = matches!(op, Ins::JumpIfTrueOrPop(_));
                let top = rg.values.last().cloned().unwrap_or_default();
                if self.truthy(&top)? == want {
                    rg.pc = *to;
                } else {
                    rg.values.pop();
                }
            }
            Ins::ForIter { target, exit } => {
                let item = self.loop_next(rg.iters)?;
                match item {
                    None => {
                        rg.iters.pop();
                        rg.pc = *exit;
                    }
                    Some(v) => match &**target {
                        Target::Name(Name::Local(slot), _)
                            if f.locals.get(*slot as usize).is_some_and(|s| !matches!(s, V::Cell(_))) =>
                        {
                            self.mutated();
                            V::put(&mut f.locals[*slot as usize], v);
                        }
                        _ => self.assign(f, target, v)?,
                    },
                }
            }
            Ins::PopIter => {
                rg.iters.pop();
            }
            Ins::BinarySubscr => {
                let i = pop(rg.values);
                let o = pop(rg.values);
                let v = self.get_item(&o, &i)?;
                rg.values.push(v);
            }
            Ins::BuildTuple(n) | Ins::BuildList(n) => {
                let at = rg.values.len().saturating_sub(*n as usize).max(rg.base);
                let items = rg.values.split_off(at);
                rg.values.push(if matches!(op, Ins::BuildList(_)) { V::list(items) } else { V::tuple(items) });
            }
            Ins::Nop => {}
            Ins::SetupLoop { brk, cont, has_iter } => {
                Self::push_block(rg, BlockKind::Loop { brk: *brk, cont: *cont, has_iter: *has_iter });
            }
            Ins::Break => return Err(Flow::Break),
            Ins::Continue => return Err(Flow::Continue),
            Ins::SetupExcept(h) => Self::push_block(rg, BlockKind::Except(*h)),
            Ins::SetupFinally(h) => Self::push_block(rg, BlockKind::Finally(*h)),
            Ins::PopBlock => {
                rg.blocks.pop();
            }
            Ins::ExceptMatch { ty, name, next } => {
                let Some(e) = rg.cur_exc.take() else { return raise("SystemError", "no exception to match") };
                let matched = match ty {
                    None => true,
                    Some(t) => match self.eval(f, t) {
                        Ok(t) => exc::matches(&e.value, &t),
                        Err(err) => return Err(err),
                    },
                };
                if !matched {
                    rg.cur_exc = Some(e);
                    rg.pc = *next;
                    return Ok(Ctl::Next);
                }
                // As the tree walker's `except`: the name bound, the error recorded, and
                // the exception handled with this frame's line in its traceback.
                if let Some(n) = name {
                    self.assign(f, n, e.value.clone())?;
                }
                self.record_handled(&e.value);
                let mut tb = e.tb.clone();
                let here = f.func.map_or_else(|| Arc::from("<module>"), |x| x.def.name.clone());
                tb.push((f.line, here));
                self.handling.push(Exc { value: e.value.clone(), tb });
                Self::push_block(rg, BlockKind::Handler(name.clone()));
            }
            Ins::EndExcept => {
                if let Some(Block { kind: BlockKind::Handler(name), .. }) = rg.blocks.pop() {
                    self.handling.pop();
                    if let Some(n) = name {
                        self.forget_handler_name(f, &n);
                    }
                }
            }
            Ins::Reraise => match rg.cur_exc.take() {
                Some(e) => return Err(Flow::Exc(e)),
                None => return raise("SystemError", "no exception to reraise"),
            },
            Ins::EnterFinally => rg.pending.push((Why::Normal, f.line)),
            Ins::EndFinally => match rg.pending.pop() {
                None | Some((Why::Normal, _)) => {}
                Some((Why::Exc(e), raised_at)) => {
                    // It goes on from the line that raised it, not the `finally` body's last.
                    f.line = raised_at;
                    self.ctx.line.set(raised_at);
                    return Err(Flow::Exc(e));
                }
                Some((Why::Return(v), _)) => {
                    self.ret = v;
                    return Err(Flow::Return);
                }
                Some((Why::Break, _)) => return Err(Flow::Break),
                Some((Why::Continue, _)) => return Err(Flow::Continue),
            },
            Ins::WithEnter { target, end, line } => {
                let mgr = pop(rg.values);
                let entered = self.enter(&mgr)?;
                if let Some(t) = target {
                    self.assign(f, t, entered)?;
                }
                Self::push_block(rg, BlockKind::With { mgr, end: *end, line: *line });
            }
            Ins::WithExit(line) => {
                let Some(Block { kind: BlockKind::With { mgr, .. }, .. }) = rg.blocks.pop() else {
                    return raise("SystemError", "no with block to leave");
                };
                f.line = *line;
                self.ctx.line.set(*line);
                let x = self.call_method(&mgr, "__exit__", vec![V::None, V::None, V::None], Vec::new());
                self.after_call(x)?;
            }
            _ => return raise("SystemError", "an instruction out of place"),
        }
        Ok(Ctl::Next)
    }

    /// The next item of the innermost loop's iterator (None at its end).
    #[inline(always)]
    fn loop_next(&mut self, iters: &mut [LoopIter]) -> R<Option<V>> {
        Ok(match iters.last_mut() {
            Some(LoopIter::Range { next, left, step }) => {
                if *left <= 0 {
                    None
                } else {
                    let i = *next;
                    *left -= 1;
                    *next = next.wrapping_add(*step);
                    Some(V::Int(i))
                }
            }
            Some(LoopIter::Obj(it)) => {
                let it = it.clone();
                self.next(&it)?
            }
            None => return raise("SystemError", "no iterator for a for loop"),
        })
    }

    /// A function's locals for a call with positional arguments that fit it
    /// ([`fast_arity`]): the instance first for a method, the arguments, the defaults.
    fn positional_locals(
        &mut self,
        func: &Arc<Func>,
        first: Option<V>,
        args: impl Iterator<Item = V>,
    ) -> R<SmallVec<[V; 8]>> {
        if self.too_deep() {
            return raise("RecursionError", "maximum recursion depth exceeded");
        }
        let mut locals: SmallVec<[V; 8]> = SmallVec::new();
        locals.reserve(func.def.n_locals as usize);
        locals.extend(first);
        locals.extend(args);
        defaults_and_slots(func, &mut locals);
        Ok(locals)
    }
}
