//! Running [`crate::py::vm::Code`]: a loop over an explicit frame stack. A call from
//! compiled code to a Python function with compiled code pushes a [`VmFrame`] (the caller's
//! locals, program counter and line kept in it) rather than recursing in Rust; its return
//! pops back. Every operation is the tree walker's own `Interp` method, and every statement
//! the compiler left alone runs in the tree walker ([`Ins::Exec`]), with the same frame.

use super::*;
use crate::py::vm::{Code, Ins};

/// A frame on the loop's stack, below the entry frame.
struct VmFrame {
    func: Arc<Func>,
    pc: usize,
    line: u32,
    /// Its locals, its part of the value stack and of the iterators begin here.
    locals: usize,
    base: usize,
    iters: usize,
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

/// The stacks of the frame loop: every frame's locals, values and loop iterators, one
/// after another (kept by the interpreter between runs, so a call allocates nothing).
#[derive(Default)]
pub(crate) struct Stacks {
    locals: Vec<V>,
    values: Vec<V>,
    iters: Vec<LoopIter>,
}

#[inline]
fn pop(values: &mut Vec<V>) -> V {
    values.pop().unwrap_or_default()
}

impl Interp<'_> {
    /// Run `code`, a function's compiled body, in `frame` (its arguments bound; the caller
    /// made the entry checks and counts the depth), and every compiled function it calls on
    /// the same loop.
    pub(crate) fn run_vm(&mut self, frame: &mut Frame<'_>, code: &Code) -> R<V> {
        let mut st = self.vm_stacks.take().unwrap_or_default();
        let r = self.run_vm_on(frame, code, &mut st);
        st.locals.clear();
        st.values.clear();
        st.iters.clear();
        self.vm_stacks = Some(st);
        r
    }

    fn run_vm_on(&mut self, frame: &mut Frame<'_>, code: &Code, st: &mut Stacks) -> R<V> {
        let mut callers: Vec<VmFrame> = Vec::new();
        let mut entry_pc = 0usize;
        loop {
            let step = match callers.last_mut() {
                None => self.vm_frame(frame, code, &mut entry_pc, &mut st.values, &mut st.iters, 0),
                Some(VmFrame { func, pc, line, locals, base, .. }) => {
                    let Some(code) = func.def.vm.as_deref() else {
                        return raise("SystemError", "a frame without code");
                    };
                    let mut f = Frame {
                        locals: &mut st.locals[*locals..],
                        closure: &func.closure,
                        class_ns: None,
                        func: Some(func),
                        line: *line,
                    };
                    let r = self.vm_frame(&mut f, code, pc, &mut st.values, &mut st.iters, *base);
                    *line = f.line;
                    r
                }
            };
            // What the innermost frame asked for; an error unwinds every frame on the loop.
            let err = match step {
                Ok(Step::Call { func, args, keep }) => match self.push_frame(st, func, args, keep) {
                    Ok(f) => {
                        callers.push(f);
                        continue;
                    }
                    // Too deep, or RESUME's check: the exception is the caller's.
                    Err(e) => e,
                },
                Ok(Step::Return(v)) => {
                    let Some(done) = callers.pop() else { return Ok(v) };
                    self.depth -= 1;
                    st.locals.truncate(done.locals);
                    st.values.truncate(done.base);
                    st.iters.truncate(done.iters);
                    // Back in the caller, after its call: its line, and the eval breaker.
                    let line = callers.last().map_or(frame.line, |c| c.line);
                    self.ctx.line.set(line);
                    match self.after_call(Ok(v)) {
                        Ok(v) => {
                            st.values.push(v);
                            continue;
                        }
                        Err(e) => e,
                    }
                }
                Err(e) => e,
            };
            // No compiled frame handles exceptions (`try` runs in the tree walker): the
            // error leaves every frame on the loop, each adding its line to the traceback.
            let mut err = err;
            while let Some(done) = callers.pop() {
                self.depth -= 1;
                if let Flow::Exc(e) = &mut err {
                    e.tb.push((done.line, done.func.def.name.clone()));
                }
            }
            return Err(err);
        }
    }

    /// A called function's frame: its locals (the arguments, the defaults, unbound slots,
    /// cells) on the locals stack, after RESUME's eval-breaker check.
    fn push_frame(&mut self, st: &mut Stacks, func: Arc<Func>, args: usize, keep: usize) -> R<VmFrame> {
        if self.too_deep() {
            return raise("RecursionError", "maximum recursion depth exceeded");
        }
        self.breaker()?;
        let def = &func.def;
        let at = st.locals.len();
        let n = st.values.len().saturating_sub(args);
        st.locals.extend(st.values.drain(args.min(st.values.len())..));
        st.values.truncate(keep);
        let n_args = def.params.args.len();
        let first_default = n_args.saturating_sub(func.defaults.len());
        for i in n..n_args {
            st.locals.push(func.defaults.get(i.wrapping_sub(first_default)).cloned().unwrap_or_default());
        }
        st.locals.resize(at + def.n_locals as usize, V::Unbound);
        cells_in(def, &mut st.locals[at..]);
        self.depth += 1;
        Ok(VmFrame { line: def.line, pc: 0, locals: at, base: st.values.len(), iters: st.iters.len(), func })
    }

    /// Run one frame's instructions from `pc` until it returns or calls compiled code.
    fn vm_frame(
        &mut self,
        f: &mut Frame<'_>,
        code: &Code,
        pc: &mut usize,
        values: &mut Vec<V>,
        iters: &mut Vec<LoopIter>,
        base: usize,
    ) -> R<Step> {
        let ops = &code.ops;
        let saved_pc = pc;
        let mut pc = *saved_pc;
        // The program counter is kept here and handed back whenever the frame stops.
        macro_rules! out {
            ($e:expr) => {{
                *saved_pc = pc;
                return $e;
            }};
        }
        loop {
            let Some(op) = ops.get(pc) else { out!(raise("SystemError", "ran past a function's code")) };
            pc += 1;
            match op {
                Ins::Line(line) => self.stmt_start(f, *line)?,
                Ins::LineEnd(line) => self.stmt_end(*line),
                Ins::LineNext { ended, line } => {
                    self.stmt_end(*ended);
                    self.stmt_start(f, *line)?;
                }
                Ins::LoadFast(i, name) => {
                    let v = match f.locals.get(*i as usize) {
                        Some(V::Int(v)) => V::Int(*v),
                        Some(v) if !matches!(v, V::Cell(_) | V::Unbound) => v.clone(),
                        _ => self.load_name(f, &Name::Local(*i), name)?,
                    };
                    values.push(v);
                }
                Ins::LoadName(x) => {
                    let v = self.load_name(f, &x.0, &x.1)?;
                    values.push(v);
                }
                Ins::LoadConst(v) => values.push(v.clone()),
                Ins::StoreFast(i, t) => {
                    let v = pop(values);
                    match f.locals.get_mut(*i as usize) {
                        Some(slot) if !self.controlled && !matches!(slot, V::Cell(_)) => V::put(slot, v),
                        _ => self.assign(f, t, v)?,
                    }
                }
                Ins::Store(t) => {
                    let v = pop(values);
                    self.assign(f, t, v)?;
                }
                Ins::Eval(e) => {
                    let v = self.eval(f, e)?;
                    values.push(v);
                }
                Ins::Exec(x) => match self.stmt(f, &x.0) {
                    Ok(()) => {}
                    Err(Flow::Return) => out!(Ok(Step::Return(std::mem::take(&mut self.ret)))),
                    Err(Flow::Break) if let Some(x) = &x.1 => {
                        if x.has_iter {
                            iters.pop();
                        }
                        pc = x.brk;
                    }
                    Err(Flow::Continue) if let Some(x) = &x.1 => pc = x.cont,
                    Err(e) => return Err(e),
                },
                Ins::BinaryOp(op) => {
                    let b = pop(values);
                    let a = pop(values);
                    let r = match (&a, &b) {
                        (V::Int(x), V::Int(y)) if let Some(r) = small_int_op(*op, *x, *y) => V::Int(r),
                        _ => self.binop(*op, &a, &b)?,
                    };
                    // 3.9 checks the eval breaker after a binary op (see `eval`).
                    if self.mode == GilMode::Cpython39 {
                        self.breaker()?;
                    }
                    values.push(r);
                }
                Ins::BinaryOpConst(op, b) => {
                    let a = pop(values);
                    let r = match (&a, b) {
                        (V::Int(x), V::Int(y)) if let Some(r) = small_int_op(*op, *x, *y) => V::Int(r),
                        _ => self.binop(*op, &a, b)?,
                    };
                    if self.mode == GilMode::Cpython39 {
                        self.breaker()?;
                    }
                    values.push(r);
                }
                Ins::UnaryOp(op) => {
                    let a = pop(values);
                    let r = self.unary(*op, &a)?;
                    values.push(r);
                }
                Ins::CompareOp(op) => {
                    let r = pop(values);
                    let l = pop(values);
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
                    values.push(V::Bool(holds));
                }
                Ins::PopJumpIfFalse(to) => {
                    let v = pop(values);
                    let t = match v {
                        V::Bool(b) => b,
                        _ => self.truthy(&v)?,
                    };
                    if !t {
                        pc = *to;
                    }
                }
                Ins::JumpIfFalseOrPop(to) | Ins::JumpIfTrueOrPop(to) => {
                    let want = matches!(op, Ins::JumpIfTrueOrPop(_));
                    let top = values.last().cloned().unwrap_or_default();
                    if self.truthy(&top)? == want {
                        pc = *to;
                    } else {
                        values.pop();
                    }
                }
                Ins::JumpForward(to) => pc = *to,
                Ins::JumpBackward { to, line, while_loop } => {
                    f.line = *line;
                    if *while_loop && self.controlled {
                        self.ctx.spin_point(*line).map_err(Flow::from)?;
                    } else {
                        self.breaker()?;
                    }
                    pc = *to;
                }
                Ins::GetIter => {
                    let v = pop(values);
                    let it = match v {
                        V::Range(r) => {
                            let [a, b, s] = *r;
                            LoopIter::Range { next: a, left: range_len(a, b, s), step: s }
                        }
                        v => LoopIter::Obj(self.iter(v)?),
                    };
                    iters.push(it);
                }
                Ins::ForIter { target, exit } => {
                    let item = match iters.last_mut() {
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
                    };
                    match item {
                        None => {
                            iters.pop();
                            pc = *exit;
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
                Ins::ForIterFast { slot, target, exit } => {
                    let item = match iters.last_mut() {
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
                    };
                    match item {
                        None => {
                            iters.pop();
                            pc = *exit;
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
                Ins::PopIter => {
                    iters.pop();
                }
                Ins::LoadAttr(name) => {
                    let o = pop(values);
                    let v = match &o {
                        V::Inst(i) if let Some(v) = super::objects::own_attr(i, name) => v,
                        _ => self.get_attr_named(&o, name)?,
                    };
                    values.push(v);
                }
                Ins::BinarySubscr => {
                    let i = pop(values);
                    let o = pop(values);
                    let v = self.get_item(&o, &i)?;
                    values.push(v);
                }
                Ins::BuildTuple(n) | Ins::BuildList(n) => {
                    let at = values.len().saturating_sub(*n as usize).max(base);
                    let items = values.split_off(at);
                    values.push(if matches!(op, Ins::BuildList(_)) { V::list(items) } else { V::tuple(items) });
                }
                Ins::Call { n, call } => {
                    let at = values.len().saturating_sub(*n as usize + 1).max(base);
                    let fv = std::mem::take(&mut values[at]);
                    // A Python function called with positional arguments that fit it.
                    if let V::Func(func) = &fv
                        && fast_arity(func, *n as usize)
                    {
                        if func.def.vm.is_some() {
                            let V::Func(func) = fv else { unreachable!() };
                            out!(Ok(Step::Call { func, args: at + 1, keep: at }));
                        }
                        let locals = self.positional_locals(func, None, values.drain(at + 1..))?;
                        values.truncate(at);
                        let r = self.run_func(func, locals);
                        self.ctx.line.set(f.line);
                        values.push(self.after_call(r)?);
                        continue;
                    }
                    let pos: Vec<V> = values.drain(at + 1..).collect();
                    values.truncate(at);
                    let args = match &*call.kind {
                        ExprKind::Call(_, args) => args.as_slice(),
                        _ => &[],
                    };
                    let kw = Vec::new();
                    let impure = self.controlled && !pure_callee(&fv) && !pure_consumer(&fv, args, &pos, &kw);
                    if impure {
                        self.ctx.mutated();
                    }
                    let r = self.call(&fv, pos, kw);
                    if impure {
                        self.ctx.mutated();
                    }
                    self.ctx.line.set(f.line);
                    values.push(self.after_call(r)?);
                }
                Ins::CallMethod { n, name, args } => {
                    let at = values.len().saturating_sub(*n as usize + 1).max(base);
                    let o = std::mem::take(&mut values[at]);
                    // A plain instance's Python method (found once per site and class).
                    if let V::Inst(i) = &o
                        && i.class.kind == ClassKind::Plain
                        && i.class.native_kind() == ClassKind::Plain
                        && let Some(m) = self.method_at(op as *const Ins as usize, &i.class, name, args)
                        && !i.dict.lock().contains_key(&crate::py::value::AttrName(name))
                    {
                        if m.def.vm.is_some() {
                            values[at] = o;
                            out!(Ok(Step::Call { func: m, args: at, keep: at }));
                        }
                        let locals = self.positional_locals(&m, Some(o.clone()), values.drain(at + 1..))?;
                        values.truncate(at);
                        let r = self.run_func(&m, locals);
                        self.ctx.line.set(f.line);
                        values.push(self.after_call(r)?);
                        continue;
                    }
                    // `xs.append(x)` on a list, and `d.get(k[, default])` on a dict, from the stack.
                    let r = match (&o, &**name, *n) {
                        (V::List(l), "append", 1) => {
                            let x = pop(values);
                            values.truncate(at);
                            self.mutated();
                            l.lock().push(x);
                            self.mutated();
                            Ok(V::None)
                        }
                        (V::Dict(d), "get", 1 | 2) => {
                            let r = crate::py::builtins::methods::dict_get(d, &values[at + 1], values.get(at + 2));
                            values.truncate(at);
                            r
                        }
                        _ => {
                            let pos: Vec<V> = values.drain(at + 1..).collect();
                            values.truncate(at);
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
                    values.push(self.after_call(r)?);
                }
                Ins::PopTop => {
                    values.pop();
                }
                Ins::ReturnValue => out!(Ok(Step::Return(pop(values)))),
            }
        }
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
        let p = &func.def.params;
        let mut locals: SmallVec<[V; 8]> = SmallVec::with_capacity(func.def.n_locals as usize);
        locals.extend(first);
        locals.extend(args);
        let n = locals.len();
        let first_default = p.args.len() - func.defaults.len();
        for i in n..p.args.len() {
            locals.push(func.defaults[i - first_default].clone());
        }
        locals.resize(func.def.n_locals as usize, V::Unbound);
        Ok(locals)
    }
}
