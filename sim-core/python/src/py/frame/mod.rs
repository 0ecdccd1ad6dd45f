//! Frames as data: generator functions, generator expressions and coroutines run as a
//! frame the runtime can suspend and resume — locals, a program counter, a value stack and
//! a block stack (CPython 3.8's `SETUP_FINALLY` design) — instead of a Rust call stack, so
//! a generator costs no OS thread and can be resumed by any thread.
//!
//! The compiler ([`compile`]) turns a body into [`Op`]s. Only the statements a suspension
//! can happen inside are linearized (`if`, `while`, `for`, `with`, `try` around a `yield`);
//! every other statement is one [`Op::Run`] for the tree-walking interpreter, so both
//! execute the same statements the same way. `yield`, `yield from` and `await` reach here
//! only as the whole value of an expression statement or an assignment: the lowering
//! hoists any other into a temporary first.
//!
//! A suspended frame holds the exceptions its `except` blocks are handling; they leave the
//! thread's stack while it is suspended and come back when it resumes, as in CPython.

mod compile;

pub use compile::*;

use super::exc;
use super::interp::{Exc, Flow, Frame, Interp, R, raise, type_err};
use super::ir::{Expr, ExprKind, Handler, Stmt, StmtKind, Target};
use super::stdlib::Native;
use super::value::{Func, V};
use smallvec::SmallVec;
use std::sync::Arc;
use threadline_runtime::footprint::Mutex;

/// What calling the code makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeKind {
    /// `def` with `yield`, or a generator expression.
    Generator,
    /// `async def`.
    Coroutine,
    /// `async def` with `yield`.
    AsyncGenerator,
}

/// A suspendable body.
#[derive(Debug)]
pub struct Code {
    /// The instructions.
    pub ops: Vec<Op>,
    /// Generator or coroutine.
    pub kind: CodeKind,
}

/// One instruction of a suspendable frame.
#[derive(Debug)]
pub enum Op {
    /// A linearized statement starts at this line (a switch point, as every statement is).
    Line(u32),
    /// A statement that cannot suspend, run by the tree walker.
    Run(Stmt),
    /// `yield value`; when resumed, the sent value is assigned to the targets.
    Yield {
        /// What is yielded (None for a bare `yield`).
        value: Option<Expr>,
        /// Where the sent value goes.
        targets: Vec<Target>,
    },
    /// `yield from x` / `await x`: push the iterator (or awaitable) to delegate to.
    GetIter {
        /// The iterable or awaitable.
        value: Expr,
        /// `await` (else `yield from`).
        awaited: bool,
    },
    /// Delegate to the iterator on top of the stack until it returns; its return value is
    /// assigned to the targets.
    Delegate {
        /// Where the return value goes.
        targets: Vec<Target>,
    },
    /// Jump when the test is false.
    JumpIfNot(Expr, usize),
    /// Jump forward.
    Jump(usize),
    /// A loop's back-edge: an eval-breaker point (CPython's `JUMP_BACKWARD`), at the loop's line.
    JumpBack(usize, u32),
    /// Evaluate, take `iter()`, push.
    PushIter(Expr),
    /// The next item of the iterator on top of the stack into the target; at its end pop
    /// it and jump.
    ForIter {
        /// The loop variable(s).
        target: Target,
        /// Where to go at the end.
        exit: usize,
    },
    /// Enter a loop: where `break` and `continue` go.
    SetupLoop {
        /// After the loop (past `else`).
        brk: usize,
        /// The loop's test or `ForIter`.
        cont: usize,
        /// A `for` loop (its iterator is on the stack).
        has_iter: bool,
    },
    /// Enter a `try` with `except` clauses; an exception goes to the handler.
    SetupExcept(usize),
    /// Enter a `try` with `finally`.
    SetupFinally(usize),
    /// Leave the innermost block normally.
    PopBlock,
    /// Does the exception being handled match? Else go to `next`.
    ExceptMatch {
        /// The class(es) to catch (None: everything).
        ty: Option<Expr>,
        /// `as name`.
        name: Option<Target>,
        /// The next clause.
        next: usize,
        /// The clause's line.
        line: u32,
    },
    /// A handler ended normally.
    EndExcept,
    /// No clause matched: the exception goes on.
    Reraise,
    /// Enter a `finally` block on the normal path.
    EnterFinally,
    /// Leave a `finally` block: go on with what entered it (return, break, an exception).
    EndFinally,
    /// `with mgr as target:` — call `__enter__`, push the manager and a block.
    WithEnter {
        /// The context manager expression.
        mgr: Expr,
        /// `as target`.
        target: Option<Target>,
        /// Past the `with` (where a suppressed exception continues).
        end: usize,
        /// `async with`.
        awaited: bool,
    },
    /// Leave a `with` normally: `__exit__(None, None, None)`.
    WithExit(u32),
}

// ------------------------------------------------------------------ the running frame

/// Why a frame is leaving blocks (here and in the frame loop, `interp::vm`).
#[derive(Debug)]
pub(crate) enum Why {
    Normal,
    Exc(Box<Exc>),
    Return(V),
    Break,
    Continue,
}

#[derive(Debug)]
enum BlockKind {
    Loop {
        brk: usize,
        cont: usize,
        top_len: usize,
    },
    Except(usize),
    Finally(usize),
    With {
        end: usize,
    },
    /// An `except` clause's body is running (its exception is being handled), with the
    /// name it is bound to (`as e`), forgotten when the clause ends.
    Handler(Option<Target>),
}

#[derive(Debug)]
struct Block {
    kind: BlockKind,
    stack_len: usize,
    /// How many `finally` continuations were pending when it was entered: leaving it
    /// early drops those of `finally` blocks left inside it.
    pending_len: usize,
}

/// The state of a suspended frame.
#[derive(Debug)]
struct State {
    locals: SmallVec<[V; 8]>,
    pc: usize,
    stack: Vec<V>,
    blocks: Vec<Block>,
    pending: Vec<Why>,
    /// Exceptions its handlers are handling, while it is suspended.
    handling: Vec<Exc>,
    /// How many of the thread's handled exceptions are this frame's, while it runs.
    n_handling: usize,
    /// The exception an `except` clause is being matched against.
    cur_exc: Option<Box<Exc>>,
    line: u32,
    /// Suspended at a `Yield` or `Delegate` (the resumed value goes there).
    waiting: bool,
}

/// How a frame is resumed.
pub enum Resume {
    /// `next()` / `send(v)`.
    Send(V),
    /// `throw(e)`.
    Throw(Box<Exc>),
}

/// How a resumed frame stopped.
pub enum Out {
    /// It yielded a value.
    Yield(V),
    /// It returned (a generator's `StopIteration` value).
    Return(V),
}

struct Slot {
    frame: Option<Box<State>>,
    running: bool,
    started: bool,
    /// A coroutine ran to its end (resuming it again is an error, not `StopIteration`).
    finished: bool,
}

/// Coroutines dropped without ever running, for the `coroutine '…' was never awaited`
/// warning: a drop (which has no interpreter at hand) leaves the name here, and the thread
/// whose statement dropped it prints the warning when that statement ends.
#[derive(Default)]
pub struct Unawaited {
    /// Something is waiting to be reported (a cheap check after every statement).
    pub pending: std::sync::atomic::AtomicBool,
    names: Mutex<Vec<Arc<str>>>,
    shown: Mutex<std::collections::HashSet<(Arc<str>, u32)>>,
}

impl Unawaited {
    /// Take the names dropped since, each with whether it is the first at `line` (CPython's
    /// default filter shows a warning once per place).
    pub fn take(&self, line: u32) -> Vec<Arc<str>> {
        self.pending.store(false, std::sync::atomic::Ordering::Release);
        let names = std::mem::take(&mut *self.names.lock());
        let mut shown = self.shown.lock();
        names.into_iter().filter(|n| shown.insert((n.clone(), line))).collect()
    }
}

/// A generator or coroutine object.
pub struct Generator {
    code: Arc<Code>,
    /// `__name__`.
    pub name: Arc<str>,
    /// `__qualname__`.
    pub qualname: Arc<str>,
    closure: Vec<Arc<Mutex<V>>>,
    func: Option<Arc<Func>>,
    slot: Mutex<Slot>,
    /// Where a coroutine reports being dropped unawaited.
    unawaited: Option<Arc<Unawaited>>,
}

impl Drop for Generator {
    fn drop(&mut self) {
        let slot = self.slot.get_mut();
        if let Some(u) = &self.unawaited
            && !slot.started
            && !slot.finished
        {
            u.names.lock().push(self.qualname.clone());
            u.pending.store(true, std::sync::atomic::Ordering::Release);
        }
    }
}

impl std::fmt::Debug for Generator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<{} {}>", self.type_name(), self.qualname)
    }
}

impl Generator {
    /// The line it is suspended at (0 before it starts or while it runs).
    pub fn suspended_line(&self) -> u32 {
        self.slot.try_lock().and_then(|s| s.frame.as_ref().map(|f| f.line)).unwrap_or(0)
    }

    /// A generator over `code` with its arguments bound into `locals`, as a Python value.
    pub fn make(
        code: Arc<Code>,
        (name, qualname): (Arc<str>, Arc<str>),
        locals: SmallVec<[V; 8]>,
        closure: Vec<Arc<Mutex<V>>>,
        func: Option<Arc<Func>>,
        line: u32,
        unawaited: Option<Arc<Unawaited>>,
    ) -> V {
        let state = State {
            locals,
            pc: 0,
            stack: Vec::new(),
            blocks: Vec::new(),
            pending: Vec::new(),
            handling: Vec::new(),
            n_handling: 0,
            cur_exc: None,
            line,
            waiting: false,
        };
        let slot = Slot { frame: Some(Box::new(state)), running: false, started: false, finished: false };
        V::Native(Arc::new(Native::Gen(Arc::new(Generator {
            code,
            name,
            qualname,
            closure,
            func,
            slot: Mutex::new(slot),
            unawaited,
        }))))
    }

    /// `generator`, `coroutine` or `async_generator`.
    pub fn type_name(&self) -> &'static str {
        match self.code.kind {
            CodeKind::Generator => "generator",
            CodeKind::Coroutine => "coroutine",
            CodeKind::AsyncGenerator => "async_generator",
        }
    }

    /// The line of its `def` (None for a generator expression).
    pub fn def_line(&self) -> Option<u32> {
        self.func.as_ref().map(|f| f.def.line)
    }

    /// Whether it is a plain generator (an iterator).
    pub fn is_generator(&self) -> bool {
        self.code.kind == CodeKind::Generator
    }

    /// Whether it is an async generator.
    pub fn is_async_gen(&self) -> bool {
        self.code.kind == CodeKind::AsyncGenerator
    }

    /// Whether it is a coroutine.
    pub fn is_coroutine(&self) -> bool {
        self.code.kind == CodeKind::Coroutine
    }

    /// `gi_running`.
    pub fn running(&self) -> bool {
        self.slot.lock().running
    }

    /// Resume it: run to its next `yield` or its end.
    pub fn resume(&self, it: &mut Interp<'_>, how: Resume) -> R<Out> {
        let mut state = {
            let mut slot = self.slot.lock();
            if slot.running {
                return raise("ValueError", format!("{} already executing", self.type_name()));
            }
            let started = slot.started;
            let Some(state) = slot.frame.take() else {
                if self.is_coroutine() && slot.finished {
                    return raise("RuntimeError", "cannot reuse already awaited coroutine");
                }
                return match how {
                    Resume::Send(_) => Ok(Out::Return(V::None)),
                    Resume::Throw(e) => Err(Flow::Exc(e)),
                };
            };
            if !started
                && let Resume::Send(v) = &how
                && !matches!(v, V::None)
            {
                slot.frame = Some(state);
                return type_err(format!("can't send non-None value to a just-started {}", self.type_name()));
            }
            slot.running = true;
            slot.started = true;
            state
        };
        if it.too_deep() {
            let mut slot = self.slot.lock();
            slot.running = false;
            slot.frame = Some(state);
            return raise("RecursionError", "maximum recursion depth exceeded");
        }
        it.depth += 1;
        let r = it.with_stack(|it| self.run(it, &mut state, how));
        it.depth -= 1;
        let mut slot = self.slot.lock();
        slot.running = false;
        match r {
            Ok(Out::Yield(v)) => {
                slot.frame = Some(state);
                Ok(Out::Yield(v))
            }
            Ok(out) => {
                slot.finished = true;
                Ok(out)
            }
            Err(Flow::Exc(mut e)) => {
                slot.finished = true;
                drop(slot);
                e.tb.push((state.line, self.name.clone()));
                // PEP 479: a StopIteration leaving a generator's frame is a RuntimeError.
                let stop = if self.is_async_gen() { "StopAsyncIteration" } else { "StopIteration" };
                if exc::is_instance_of(&e.value, stop) {
                    let msg = format!("{} raised {stop}", self.type_name());
                    let err = exc::new_exc("RuntimeError", msg);
                    if let V::Inst(i) = &err {
                        let mut d = i.dict.lock();
                        d.insert(Arc::from("__cause__"), e.value.clone());
                        d.insert(Arc::from("__context__"), e.value.clone());
                    }
                    return Err(Flow::Exc(Box::new(Exc { value: err, tb: e.tb })));
                }
                Err(Flow::Exc(e))
            }
            Err(other) => {
                slot.finished = true;
                Err(other)
            }
        }
    }

    /// Run the frame with its locals in a tree-walker [`Frame`] and the exceptions it is
    /// handling back on the thread's stack.
    fn run(&self, it: &mut Interp<'_>, st: &mut State, how: Resume) -> R<Out> {
        let mut locals = std::mem::take(&mut st.locals);
        let mut f = Frame {
            locals: &mut locals,
            closure: &self.closure,
            class_ns: None,
            func: self.func.as_ref(),
            line: st.line,
        };
        it.handling.append(&mut st.handling);
        let r = self.exec(it, st, &mut f, how);
        st.line = f.line;
        st.locals = locals;
        let at = it.handling.len().saturating_sub(st.n_handling);
        st.handling = it.handling.split_off(at);
        r
    }

    fn exec(&self, it: &mut Interp<'_>, st: &mut State, f: &mut Frame<'_>, how: Resume) -> R<Out> {
        let ops = &self.code.ops;
        let mut why: Option<Why> = None;
        if st.waiting {
            st.waiting = false;
            match &ops[st.pc] {
                Op::Yield { targets, .. } => match how {
                    Resume::Send(v) => match assign_all(it, f, targets, v) {
                        Ok(()) => st.pc += 1,
                        Err(e) => why = Some(why_of(it, e)?),
                    },
                    Resume::Throw(e) => why = Some(Why::Exc(e)),
                },
                Op::Delegate { targets } => {
                    let sub = st.stack.last().cloned().unwrap_or_default();
                    // close(): the sub-iterator is closed first, then GeneratorExit is raised
                    // here (PEP 380), not thrown into it.
                    let how = match how {
                        Resume::Throw(e) if exc::is_instance_of(&e.value, "GeneratorExit") => {
                            st.stack.pop();
                            why = Some(match close_sub(it, &sub) {
                                Ok(()) => Why::Exc(e),
                                Err(err) => why_of(it, err)?,
                            });
                            None
                        }
                        other => Some(other),
                    };
                    let Some(how) = how else { return self.run_ops(it, st, f, why) };
                    match delegate(it, &sub, how) {
                        Ok(Out::Yield(v)) => {
                            st.waiting = true;
                            return Ok(Out::Yield(v));
                        }
                        Ok(Out::Return(v)) => {
                            st.stack.pop();
                            match assign_all(it, f, targets, v) {
                                Ok(()) => st.pc += 1,
                                Err(e) => why = Some(why_of(it, e)?),
                            }
                        }
                        Err(e) => why = Some(why_of(it, e)?),
                    }
                }
                _ => return raise("SystemError", "a frame resumed at no suspension point"),
            }
        } else if let Resume::Throw(e) = how {
            why = Some(Why::Exc(e));
        }
        self.run_ops(it, st, f, why)
    }

    /// Execute instructions from `st.pc` (first leaving blocks for `why`, if any) until the
    /// frame suspends or ends.
    fn run_ops(&self, it: &mut Interp<'_>, st: &mut State, f: &mut Frame<'_>, mut why: Option<Why>) -> R<Out> {
        let ops = &self.code.ops;
        loop {
            if let Some(w) = why.take()
                && let Some(done) = self.unwind(it, st, f, w)?
            {
                return Ok(done);
            }
            let Some(op) = ops.get(st.pc) else { return Ok(Out::Return(V::None)) };
            match self.step(it, st, f, op) {
                Ok(Some(out)) => return Ok(out),
                Ok(None) => {}
                Err(e) => why = Some(why_of(it, e)?),
            }
        }
    }

    /// Execute one instruction; `Some` when the frame suspends.
    fn step(&self, it: &mut Interp<'_>, st: &mut State, f: &mut Frame<'_>, op: &Op) -> R<Option<Out>> {
        match op {
            Op::Line(line) => {
                it.stmt_start(f, *line)?;
                st.pc += 1;
            }
            Op::Run(s) => {
                st.pc += 1;
                it.stmt_start(f, s.line)?;
                it.stmt(f, s)?;
                it.stmt_end(s.line);
            }
            Op::Yield { value, .. } => {
                let v = match value {
                    Some(e) => it.eval(f, e)?,
                    None => V::None,
                };
                st.waiting = true;
                // An async generator's own values are told apart from the futures its
                // awaits pass up to the loop, as CPython's `_PyAsyncGenWrappedValue`.
                let v = if self.code.kind == CodeKind::AsyncGenerator { super::asyncio::wrap_value(v) } else { v };
                return Ok(Some(Out::Yield(v)));
            }
            Op::GetIter { value, awaited } => {
                let v = it.eval(f, value)?;
                let sub = if *awaited { awaitable(it, v)? } else { it.iter(v)? };
                st.stack.push(sub);
                st.pc += 1;
            }
            Op::Delegate { targets } => {
                let sub = st.stack.last().cloned().unwrap_or_default();
                match delegate(it, &sub, Resume::Send(V::None))? {
                    Out::Yield(v) => {
                        st.waiting = true;
                        return Ok(Some(Out::Yield(v)));
                    }
                    Out::Return(v) => {
                        st.stack.pop();
                        st.pc += 1;
                        assign_all(it, f, targets, v)?;
                    }
                }
            }
            Op::JumpIfNot(test, to) => {
                let c = it.eval(f, test)?;
                st.pc = if it.truthy(&c)? { st.pc + 1 } else { *to };
            }
            Op::Jump(to) => st.pc = *to,
            Op::JumpBack(to, line) => {
                f.line = *line;
                st.pc = *to;
                it.breaker()?;
            }
            Op::PushIter(e) => {
                let v = it.eval(f, e)?;
                // (A generator expression's first iterable, `.0`, was judged where it was
                // made: it arrives here as the iterator of whatever it was.)
                let first = matches!(&*e.kind, ExprKind::Name(_, n) if &**n == ".0");
                if !first && super::interp::consumes_shared(&v) {
                    it.mutated();
                }
                let iter = it.iter(v)?;
                st.stack.push(iter);
                st.pc += 1;
            }
            Op::ForIter { target, exit } => {
                let iter = st.stack.last().cloned().unwrap_or_default();
                match it.next(&iter)? {
                    Some(v) => {
                        st.pc += 1;
                        it.assign(f, target, v)?;
                    }
                    None => {
                        st.stack.pop();
                        st.pc = *exit;
                    }
                }
            }
            Op::SetupLoop { brk, cont, has_iter } => {
                let len = st.stack.len();
                let kind = BlockKind::Loop { brk: *brk, cont: *cont, top_len: len + usize::from(*has_iter) };
                st.blocks.push(Block { kind, stack_len: len, pending_len: st.pending.len() });
                st.pc += 1;
            }
            Op::SetupExcept(h) => {
                st.blocks.push(Block {
                    kind: BlockKind::Except(*h),
                    stack_len: st.stack.len(),
                    pending_len: st.pending.len(),
                });
                st.pc += 1;
            }
            Op::SetupFinally(h) => {
                st.blocks.push(Block {
                    kind: BlockKind::Finally(*h),
                    stack_len: st.stack.len(),
                    pending_len: st.pending.len(),
                });
                st.pc += 1;
            }
            Op::PopBlock => {
                st.blocks.pop();
                st.pc += 1;
            }
            Op::ExceptMatch { ty, name, next, line } => {
                f.line = *line;
                let Some(e) = st.cur_exc.take() else { return raise("SystemError", "no exception to match") };
                let matched = match ty {
                    None => true,
                    Some(t) => match it.eval(f, t) {
                        Ok(t) => exc::matches(&e.value, &t),
                        Err(err) => {
                            st.cur_exc = Some(e);
                            return Err(err);
                        }
                    },
                };
                if !matched {
                    st.cur_exc = Some(e);
                    st.pc = *next;
                    return Ok(None);
                }
                st.pc += 1;
                it.record_handled(&e.value);
                let mut tb = e.tb.clone();
                tb.push((f.line, self.name.clone()));
                it.handling.push(Exc { value: e.value.clone(), tb });
                st.n_handling += 1;
                st.blocks.push(Block {
                    kind: BlockKind::Handler(name.clone()),
                    stack_len: st.stack.len(),
                    pending_len: st.pending.len(),
                });
                if let Some(n) = name {
                    it.assign(f, n, e.value.clone())?;
                }
            }
            Op::EndExcept => {
                if let Some(Block { kind: BlockKind::Handler(Some(n)), .. }) = st.blocks.pop() {
                    it.forget_handler_name(f, &n);
                }
                it.handling.pop();
                st.n_handling = st.n_handling.saturating_sub(1);
                st.pc += 1;
            }
            Op::Reraise => match st.cur_exc.take() {
                Some(e) => return Err(Flow::Exc(e)),
                None => return raise("SystemError", "no exception to reraise"),
            },
            Op::EnterFinally => {
                st.pending.push(Why::Normal);
                st.pc += 1;
            }
            Op::EndFinally => match st.pending.pop() {
                None | Some(Why::Normal) => st.pc += 1,
                Some(Why::Exc(e)) => return Err(Flow::Exc(e)),
                Some(Why::Return(v)) => {
                    it.ret = v;
                    return Err(Flow::Return);
                }
                Some(Why::Break) => return Err(Flow::Break),
                Some(Why::Continue) => return Err(Flow::Continue),
            },
            Op::WithEnter { mgr, target, end, awaited: _ } => {
                let m = it.eval(f, mgr)?;
                let entered = it.enter(&m)?;
                st.blocks.push(Block {
                    kind: BlockKind::With { end: *end },
                    stack_len: st.stack.len(),
                    pending_len: st.pending.len(),
                });
                st.stack.push(m);
                st.pc += 1;
                if let Some(t) = target {
                    it.assign(f, t, entered)?;
                }
            }
            Op::WithExit(line) => {
                f.line = *line;
                st.blocks.pop();
                let m = st.stack.pop().unwrap_or_default();
                st.pc += 1;
                // As in a plain frame: the `__exit__` CALL checks the eval breaker (3.10+).
                let r = it.call_method(&m, "__exit__", vec![V::None, V::None, V::None], Vec::new());
                it.after_call(r)?;
            }
        }
        Ok(None)
    }

    /// Leave blocks for `w` until one takes over (the frame goes on: None) or none is left
    /// (the frame ends: its result).
    fn unwind(&self, it: &mut Interp<'_>, st: &mut State, f: &mut Frame<'_>, mut w: Why) -> R<Option<Out>> {
        loop {
            let Some(b) = st.blocks.pop() else {
                st.pending.clear();
                return match w {
                    Why::Normal => Ok(Some(Out::Return(V::None))),
                    Why::Return(v) => Ok(Some(Out::Return(v))),
                    Why::Exc(e) => Err(Flow::Exc(e)),
                    Why::Break | Why::Continue => raise("SyntaxError", "'break' outside loop"),
                };
            };
            st.pending.truncate(b.pending_len);
            match b.kind {
                BlockKind::Loop { brk, cont, top_len } => match w {
                    Why::Break => {
                        st.stack.truncate(b.stack_len);
                        st.pc = brk;
                        return Ok(None);
                    }
                    Why::Continue => {
                        st.stack.truncate(top_len);
                        st.blocks.push(b);
                        st.pc = cont;
                        return Ok(None);
                    }
                    other => {
                        st.stack.truncate(b.stack_len);
                        w = other;
                    }
                },
                BlockKind::Except(h) => {
                    st.stack.truncate(b.stack_len);
                    if let Why::Exc(e) = w {
                        st.cur_exc = Some(e);
                        st.pc = h;
                        return Ok(None);
                    }
                }
                BlockKind::Finally(h) => {
                    st.stack.truncate(b.stack_len);
                    st.pending.push(w);
                    st.pc = h;
                    return Ok(None);
                }
                BlockKind::With { end } => {
                    let mgr = st.stack.get(b.stack_len).cloned().unwrap_or_default();
                    st.stack.truncate(b.stack_len);
                    let args = match &w {
                        Why::Exc(e) => {
                            let ty = match &e.value {
                                V::Inst(i) => V::Class(i.class.clone()),
                                _ => V::None,
                            };
                            vec![ty, e.value.clone(), V::None]
                        }
                        _ => vec![V::None, V::None, V::None],
                    };
                    match it.call_method(&mgr, "__exit__", args, Vec::new()) {
                        Ok(r) => {
                            if matches!(w, Why::Exc(_)) && it.truthy(&r)? {
                                st.pc = end;
                                return Ok(None);
                            }
                        }
                        Err(Flow::Exc(e)) => w = Why::Exc(e),
                        Err(other) => return Err(other),
                    }
                }
                BlockKind::Handler(name) => {
                    if let Why::Exc(e) = &w {
                        it.chain_implicit(e)?;
                    }
                    if let Some(n) = name {
                        it.forget_handler_name(f, &n);
                    }
                    it.handling.pop();
                    st.n_handling = st.n_handling.saturating_sub(1);
                }
            }
        }
    }
}

/// Turn a statement's early exit into the reason blocks are left (a halt ends the frame).
fn why_of(it: &mut Interp<'_>, e: Flow) -> R<Why> {
    Ok(match e {
        Flow::Exc(e) => Why::Exc(e),
        Flow::Return => Why::Return(std::mem::take(&mut it.ret)),
        Flow::Break => Why::Break,
        Flow::Continue => Why::Continue,
        Flow::Halt(h) => return Err(Flow::Halt(h)),
    })
}

fn assign_all(it: &mut Interp<'_>, f: &mut Frame<'_>, targets: &[Target], v: V) -> R<()> {
    for t in targets {
        it.assign(f, t, v.clone())?;
    }
    Ok(())
}

/// What `await v` delegates to: a coroutine itself, an asyncio future's iterator, or what
/// `__await__` returns.
fn awaitable(it: &mut Interp<'_>, v: V) -> R<V> {
    if let Some(a) = super::asyncio::await_iter(&v) {
        return Ok(a);
    }
    if let V::Native(n) = &v
        && let Native::Gen(g) = &**n
        && g.is_coroutine()
    {
        return Ok(v);
    }
    match it.lookup_method(&v, "__await__") {
        Some(m) => it.call(&m, Vec::new(), Vec::new()),
        None => type_err(format!("object {} can't be used in 'await' expression", v.type_name())),
    }
}

/// One step of `yield from sub` (or `await sub`): send or throw into it.
pub fn delegate(it: &mut Interp<'_>, sub: &V, how: Resume) -> R<Out> {
    if let V::Native(n) = sub
        && let Native::Gen(g) = &**n
    {
        return g.resume(it, how);
    }
    if super::asyncio::is_awaitable(sub) {
        return match super::asyncio::await_step(it, sub, how) {
            Some(r) => r,
            None => raise("SystemError", "a future awaited directly"),
        };
    }
    let r = match how {
        Resume::Send(V::None) => match it.next(sub)? {
            Some(v) => return Ok(Out::Yield(v)),
            None => return Ok(Out::Return(V::None)),
        },
        Resume::Send(v) => it.call_method(sub, "send", vec![v], Vec::new()),
        Resume::Throw(e) => {
            if it.lookup_method(sub, "throw").is_none() {
                return Err(Flow::Exc(e));
            }
            it.call_method(sub, "throw", vec![e.value.clone()], Vec::new())
        }
    };
    match r {
        Ok(v) => Ok(Out::Yield(v)),
        Err(Flow::Exc(e)) if exc::is_instance_of(&e.value, "StopIteration") => Ok(Out::Return(stop_value(&e.value))),
        Err(e) => Err(e),
    }
}

/// Close a `yield from` sub-iterator: a generator's `close()`, or the iterator's own
/// `close` method if it has one.
fn close_sub(it: &mut Interp<'_>, sub: &V) -> R<()> {
    if let V::Native(n) = sub
        && let Native::Gen(g) = &**n
    {
        return close(it, g).map(|_| ());
    }
    if it.lookup_method(sub, "close").is_some() {
        it.call_method(sub, "close", Vec::new(), Vec::new())?;
    }
    Ok(())
}

/// `StopIteration.value`.
pub fn stop_value(e: &V) -> V {
    match e {
        V::Inst(i) => i.dict.lock().get("value").cloned().unwrap_or_default(),
        _ => V::None,
    }
}

/// `StopIteration(v)` raised.
pub fn stop_iteration<T>(v: V) -> R<T> {
    let args = if matches!(v, V::None) { Vec::new() } else { vec![v] };
    Err(Flow::Exc(Box::new(Exc { value: exc::instance(exc::class("StopIteration"), args), tb: Vec::new() })))
}

/// The exception `throw(typ[, val])` (or `athrow`) raises inside the generator.
pub(crate) fn thrown(it: &mut Interp<'_>, pos: Vec<V>) -> R<Box<Exc>> {
    let mut pos = pos.into_iter();
    let Some(t) = pos.next() else { return type_err("throw expected at least 1 argument, got 0") };
    let value = match &t {
        V::Class(c) if c.is_sub(&exc::class("BaseException")) => match pos.next() {
            Some(v @ V::Inst(_)) if exc::matches(&v, &t) => v,
            Some(V::None) | None => it.call(&t, Vec::new(), Vec::new())?,
            Some(v) => it.call(&t, vec![v], Vec::new())?,
        },
        V::Inst(i) if i.class.is_sub(&exc::class("BaseException")) => t,
        _ => {
            return type_err(
                "exceptions must be classes or instances deriving from BaseException, not ".to_string()
                    + &t.type_name(),
            );
        }
    };
    Ok(Box::new(Exc { value, tb: Vec::new() }))
}

/// The methods of generators and coroutines: `__next__`, `send`, `throw`, `close`, `__iter__`.
pub fn method(it: &mut Interp<'_>, obj: &V, g: &Arc<Generator>, name: &str, pos: Vec<V>) -> Option<R<V>> {
    let finish = |r: R<Out>| match r? {
        Out::Yield(v) => Ok(v),
        Out::Return(v) => stop_iteration(v),
    };
    if g.is_async_gen() {
        return super::asyncio::agen_method(it, obj, name, pos);
    }
    Some(match name {
        "__next__" if g.is_generator() => finish(g.resume(it, Resume::Send(V::None))),
        "send" => finish(g.resume(it, Resume::Send(pos.into_iter().next().unwrap_or_default()))),
        "throw" => match thrown(it, pos) {
            Ok(e) => finish(g.resume(it, Resume::Throw(e))),
            Err(e) => Err(e),
        },
        "close" => close(it, g),
        "__iter__" if g.is_generator() => Ok(obj.clone()),
        "__await__" if g.is_coroutine() => Ok(obj.clone()),
        _ => return None,
    })
}

/// `close()`: `GeneratorExit` at the suspension point; the generator must not yield again.
pub fn close(it: &mut Interp<'_>, g: &Arc<Generator>) -> R<V> {
    {
        let mut slot = g.slot.lock();
        if slot.running {
            return raise("ValueError", format!("{} already executing", g.type_name()));
        }
        if !slot.started || slot.frame.is_none() {
            slot.frame = None;
            slot.finished = true;
            return Ok(V::None);
        }
    }
    let e = Box::new(Exc { value: exc::new_exc("GeneratorExit", String::new()), tb: Vec::new() });
    match g.resume(it, Resume::Throw(e)) {
        Ok(Out::Yield(_)) => raise("RuntimeError", format!("{} ignored GeneratorExit", g.type_name())),
        Ok(Out::Return(_)) => Ok(V::None),
        Err(Flow::Exc(e))
            if exc::is_instance_of(&e.value, "GeneratorExit") || exc::is_instance_of(&e.value, "StopIteration") =>
        {
            Ok(V::None)
        }
        Err(e) => Err(e),
    }
}

/// The attributes of generators and coroutines.
pub fn attr(g: &Generator, name: &str) -> Option<V> {
    let prefix = match g.code.kind {
        CodeKind::Generator => "gi_",
        CodeKind::Coroutine => "cr_",
        CodeKind::AsyncGenerator => "ag_",
    };
    Some(match name {
        "__name__" => V::str(g.name.clone()),
        "__qualname__" => V::str(g.qualname.clone()),
        n if n.strip_prefix(prefix) == Some("running") => V::Bool(g.running()),
        _ => return None,
    })
}
