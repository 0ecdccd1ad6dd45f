//! Frames as data for ordinary functions: a function's body compiled to a flat list of
//! instructions ([`Ins`], named after CPython 3.11's where there is one) that
//! `interp::vm` runs in a loop over an explicit frame stack. A call from such a body to a
//! Python function that has code here pushes a frame on that stack instead of recursing in
//! Rust, and its `return` pops it.
//!
//! What is compiled: the control flow (`if`, `while`, `for`, `break`, `continue`,
//! `return`, `try`/`except`/`else`/`finally`, `with`) on a block stack (CPython 3.8's
//! `SETUP_FINALLY` design, as the suspendable frames of `frame` have it), local loads and
//! stores and augmented assignments, constants, names, arithmetic and comparisons, `and`,
//! `or`, conditional expressions, attribute reads, subscripts, tuple and list displays, and
//! calls with positional arguments (of functions and of methods). What is not yet is one
//! instruction that hands it to the tree walker: [`Ins::Eval`] for an expression,
//! [`Ins::Exec`] for a statement (`raise`, `def`, `class`, a global's `+=`…), so both
//! engines run one semantics — every operation either engine performs is the same
//! `Interp` method. Generator functions and coroutines keep their own suspendable frames
//! (`frame`).

use super::ir::{Arg, BinOp, CmpOp, Expr, ExprKind, Name, Stmt, StmtKind, Target, UnOp};
use super::value::V;
use std::sync::Arc;

/// A function body as instructions.
#[derive(Debug)]
pub struct Code {
    /// The instructions.
    pub ops: Vec<Ins>,
}

/// Where `break` and `continue` go from inside an [`Ins::Exec`]'d statement.
#[derive(Clone, Copy, Debug)]
pub struct LoopExits {
    /// Past the loop (and its `else`).
    pub brk: usize,
    /// The loop's back edge.
    pub cont: usize,
    /// A `for` loop: `break` drops its iterator.
    pub has_iter: bool,
    /// No `try` or `with` lies between the statement and its loop: a plain jump (else the
    /// blocks are left one by one, their `finally` and `__exit__` run).
    pub direct: bool,
}

/// One instruction.
#[derive(Debug)]
pub enum Ins {
    /// A statement starts at this line: the thread's current line, and a switch point
    /// under 3.9's model (not a CPython instruction: its line table does this).
    Line(u32),
    /// The statement at this line ended (a coroutine it dropped unawaited is reported).
    LineEnd(u32),
    /// [`Ins::LineEnd`] of one statement and [`Ins::Line`] of the next, in one.
    LineNext {
        /// The statement that ended.
        ended: u32,
        /// The one that starts.
        line: u32,
    },
    /// Push a local; an unbound or captured one through the tree walker's `load_name`.
    LoadFast(u32, Arc<str>),
    /// Push any other name (global, builtin, free variable, captured local).
    LoadName(Box<(Name, Arc<str>)>),
    /// Push a constant.
    LoadConst(V),
    /// Pop into a target (anything but a local, through `assign`).
    Store(Box<Target>),
    /// Pop into a local (a captured one, or in a controlled run, through `assign`).
    StoreFast(u32, Box<Target>),
    /// An expression the tree walker evaluates: its value is pushed.
    Eval(Box<Expr>),
    /// A statement the tree walker runs; `break`/`continue` inside it leave the loop here.
    Exec(Box<(Stmt, Option<LoopExits>)>),
    /// Pop two, push the result.
    BinaryOp(BinOp),
    /// Pop one, push the result of it and a constant (`x + 1`: `LOAD_CONST` and `BINARY_OP`).
    BinaryOpConst(BinOp, V),
    /// Pop one, push the result.
    UnaryOp(UnOp),
    /// Pop two, push the comparison as a bool.
    CompareOp(CmpOp),
    /// Pop; jump when false.
    PopJumpIfFalse(usize),
    /// Jump when the top is false (keeping it), else pop it (`and`).
    JumpIfFalseOrPop(usize),
    /// Jump when the top is true (keeping it), else pop it (`or`).
    JumpIfTrueOrPop(usize),
    /// Jump forward.
    JumpForward(usize),
    /// A loop's back edge: CPython's eval-breaker check (`JUMP_BACKWARD`).
    JumpBackward {
        /// The loop's top.
        to: usize,
        /// The loop's line.
        line: u32,
        /// A `while` loop (a controlled run detects spinning here).
        while_loop: bool,
    },
    /// Pop an iterable onto the frame's iterators (a range stays a counter).
    GetIter,
    /// The next item of the innermost iterator into the target; at its end drop the
    /// iterator and jump.
    ForIter {
        /// The loop variable(s).
        target: Box<Target>,
        /// Where to go at the end.
        exit: usize,
    },
    /// [`Ins::ForIter`] into a local slot (not a captured one).
    ForIterFast {
        /// The loop variable's slot.
        slot: u32,
        /// The loop variable.
        target: Box<Target>,
        /// Where to go at the end.
        exit: usize,
    },
    /// Drop the innermost iterator (`break` out of a `for`).
    PopIter,
    /// `obj.name`: pop the object, push the attribute.
    LoadAttr(Arc<str>),
    /// `obj[i]`: pop two, push the item.
    BinarySubscr,
    /// Pop `n` items, push a tuple.
    BuildTuple(u32),
    /// Pop `n` items, push a list.
    BuildList(u32),
    /// Call with positional arguments: below them on the stack, the callable. `call` is
    /// the call expression (what a controlled run asks of its arguments).
    Call {
        /// How many arguments.
        n: u32,
        /// The call expression.
        call: Box<Expr>,
    },
    /// `obj.name` about to be called (CPython's `LOAD_METHOD`): pop the object, push the
    /// plain instance's Python method found for the call's arguments (or an unbound marker
    /// when there is none: the call looks the attribute up itself), then the object.
    LoadMethod {
        /// The method's name.
        name: Arc<str>,
        /// The call's arguments (for the method cache's arity check).
        args: Box<[Arg]>,
    },
    /// `obj.name(args)` with positional arguments: below them, what [`Ins::LoadMethod`]
    /// pushed.
    CallMethod {
        /// How many arguments.
        n: u32,
        /// The method's name.
        name: Arc<str>,
    },
    /// A change for a controlled run's spin detection (around an augmented assignment).
    Mutated,
    /// Pop and forget.
    PopTop,
    /// Nothing (a loop that needed no block of its own).
    Nop,
    /// Pop two (the old value and the right side), push `old op= right`, as `x += y` makes it.
    InplaceOp(BinOp),
    /// Enter a loop whose `break` or `continue` must leave blocks (`try`, `with`) on the way.
    SetupLoop {
        /// Past the loop.
        brk: usize,
        /// Its back edge.
        cont: usize,
        /// A `for` loop (its iterator is the innermost).
        has_iter: bool,
    },
    /// `break`, leaving the blocks inside the loop.
    Break,
    /// `continue`, leaving the blocks inside the loop.
    Continue,
    /// Enter a `try` with `except` clauses; an exception goes to the handler.
    SetupExcept(usize),
    /// Enter a `try` with `finally`.
    SetupFinally(usize),
    /// Leave the innermost block normally.
    PopBlock,
    /// Does the exception being handled match? Else go to `next`.
    ExceptMatch {
        /// The class(es) to catch (None: everything).
        ty: Option<Box<Expr>>,
        /// `as name`.
        name: Option<Box<Target>>,
        /// The next clause.
        next: usize,
    },
    /// A handler ended normally.
    EndExcept,
    /// No clause matched: the exception goes on.
    Reraise,
    /// Enter a `finally` block on the normal path.
    EnterFinally,
    /// Leave a `finally` block: go on with what entered it (return, break, an exception).
    EndFinally,
    /// `with` (the manager popped): `__enter__`, `as target`, and a block.
    WithEnter {
        /// `as target`.
        target: Option<Box<Target>>,
        /// Past the `with` (where a suppressed exception continues).
        end: usize,
        /// The `with` line.
        line: u32,
    },
    /// Leave a `with` normally: `__exit__(None, None, None)`.
    WithExit(u32),
    /// Return the top.
    ReturnValue,
}

/// Compile a function body; None when it is not worth it (a body whose every statement
/// would be handed to the tree walker anyway).
pub fn compile(body: &[Stmt]) -> Option<Arc<Code>> {
    let mut c = Compiler { ops: Vec::new(), loops: Vec::new(), blocks: 0 };
    c.block(body);
    let native = c.ops.iter().any(|o| !matches!(o, Ins::Exec(_) | Ins::Eval(_) | Ins::Line(_) | Ins::LineEnd(_)));
    c.ops.push(Ins::LoadConst(V::None));
    c.ops.push(Ins::ReturnValue);
    fuse(&mut c.ops);
    native.then(|| Arc::new(Code { ops: c.ops }))
}

struct Loop {
    /// `break` jumps to patch.
    breaks: Vec<usize>,
    /// `continue` jumps to patch (to the back edge).
    conts: Vec<usize>,
    /// Exec'd statements to give the exits.
    execs: Vec<usize>,
    has_iter: bool,
    /// How many blocks were open where the loop starts.
    blocks: usize,
    /// A `break`/`continue` leaves blocks: the loop gets a block of its own.
    needs_block: bool,
    /// Where its `SetupLoop` and `PopBlock` go, if it needs them.
    setup: usize,
    pop: usize,
}

struct Compiler {
    ops: Vec<Ins>,
    loops: Vec<Loop>,
    /// Blocks open here (`try`, `with`, a handler, a `finally` body).
    blocks: usize,
}

impl Compiler {
    fn emit(&mut self, op: Ins) -> usize {
        self.ops.push(op);
        self.ops.len() - 1
    }

    fn here(&self) -> usize {
        self.ops.len()
    }

    fn patch(&mut self, at: usize, to: usize) {
        match &mut self.ops[at] {
            Ins::PopJumpIfFalse(t) | Ins::JumpIfFalseOrPop(t) | Ins::JumpIfTrueOrPop(t) | Ins::JumpForward(t) => {
                *t = to
            }
            Ins::ForIter { exit, .. } => *exit = to,
            Ins::SetupExcept(t) | Ins::SetupFinally(t) => *t = to,
            Ins::ExceptMatch { next, .. } => *next = to,
            Ins::WithEnter { end, .. } => *end = to,
            _ => {}
        }
    }

    fn new_loop(&mut self, has_iter: bool, setup: usize) {
        let blocks = self.blocks;
        self.loops.push(Loop {
            breaks: Vec::new(),
            conts: Vec::new(),
            execs: Vec::new(),
            has_iter,
            blocks,
            needs_block: false,
            setup,
            pop: 0,
        });
    }

    fn block(&mut self, body: &[Stmt]) {
        for s in body {
            self.stmt(s);
        }
    }

    fn stmt(&mut self, s: &Stmt) {
        self.emit(Ins::Line(s.line));
        match &s.kind {
            StmtKind::Expr(e) => {
                self.expr(e);
                self.emit(Ins::PopTop);
            }
            StmtKind::Assign(targets, value) if targets.len() == 1 => {
                self.expr(value);
                self.emit(Ins::Store(Box::new(targets[0].clone())));
            }
            StmtKind::Return(e) => {
                match e {
                    Some(e) => self.expr(e),
                    None => {
                        self.emit(Ins::LoadConst(V::None));
                    }
                }
                // A return leaves the frame: no statement end (as the tree walker's body).
                self.emit(Ins::ReturnValue);
                return;
            }
            StmtKind::Pass => {}
            StmtKind::If(test, then, orelse) => {
                self.expr(test);
                let jump = self.emit(Ins::PopJumpIfFalse(0));
                self.block(then);
                if orelse.is_empty() {
                    let here = self.here();
                    self.patch(jump, here);
                } else {
                    let skip = self.emit(Ins::JumpForward(0));
                    let here = self.here();
                    self.patch(jump, here);
                    self.block(orelse);
                    let here = self.here();
                    self.patch(skip, here);
                }
            }
            StmtKind::While(test, body, orelse) => {
                let setup = self.emit(Ins::Nop);
                let top = self.here();
                self.expr(test);
                let exit = self.emit(Ins::PopJumpIfFalse(0));
                self.new_loop(false, setup);
                self.block(body);
                self.end_loop(top, exit, s.line, orelse);
            }
            StmtKind::For(target, iter, body, orelse) => {
                self.expr(iter);
                self.emit(Ins::GetIter);
                let setup = self.emit(Ins::Nop);
                let top = self.here();
                let next = self.emit(Ins::ForIter { target: Box::new(target.clone()), exit: 0 });
                self.new_loop(true, setup);
                self.block(body);
                self.end_loop(top, next, s.line, orelse);
            }
            StmtKind::Break | StmtKind::Continue if !self.loops.is_empty() => {
                let brk = matches!(s.kind, StmtKind::Break);
                let blocks = self.blocks;
                let Some(l) = self.loops.last_mut() else { return };
                if l.blocks != blocks {
                    // Leaving `try`/`with` blocks on the way: the loop's own block says where.
                    l.needs_block = true;
                    self.emit(if brk { Ins::Break } else { Ins::Continue });
                    return;
                }
                let has_iter = l.has_iter;
                if brk && has_iter {
                    self.emit(Ins::PopIter);
                }
                let j = self.emit(Ins::JumpForward(0));
                if let Some(l) = self.loops.last_mut() {
                    if brk { l.breaks.push(j) } else { l.conts.push(j) }
                }
                return;
            }
            StmtKind::AugAssign(t @ Target::Name(n, name), op, value) if !matches!(n, Name::Global(..)) => {
                // As the tree walker's `aug_assign`: a change before and after.
                self.emit(Ins::Mutated);
                match n {
                    Name::Local(i) => self.emit(Ins::LoadFast(*i, name.clone())),
                    n => self.emit(Ins::LoadName(Box::new((n.clone(), name.clone())))),
                };
                self.expr(value);
                self.emit(Ins::InplaceOp(*op));
                self.emit(Ins::Store(Box::new(t.clone())));
                self.emit(Ins::Mutated);
            }
            StmtKind::Try { body, handlers, orelse, finally } => self.try_stmt(body, handlers, orelse, finally),
            StmtKind::With(items, body) => {
                let mut enters = Vec::new();
                for (mgr, target) in items {
                    self.expr(mgr);
                    enters.push(self.emit(Ins::WithEnter {
                        target: target.clone().map(Box::new),
                        end: 0,
                        line: s.line,
                    }));
                    self.blocks += 1;
                }
                self.block(body);
                for enter in enters.into_iter().rev() {
                    self.blocks -= 1;
                    self.emit(Ins::WithExit(s.line));
                    let here = self.here();
                    self.patch(enter, here);
                }
            }
            _ => {
                let blocks = self.blocks;
                let exits = self.loops.last().map(|l| LoopExits {
                    brk: 0,
                    cont: 0,
                    has_iter: false,
                    direct: l.blocks == blocks,
                });
                let at = self.emit(Ins::Exec(Box::new((s.clone(), exits))));
                if let Some(l) = self.loops.last_mut() {
                    l.execs.push(at);
                }
            }
        }
        self.emit(Ins::LineEnd(s.line));
    }

    /// After a loop's body: its back edge to `top`, the end `exit` (the test's jump or
    /// `FOR_ITER`) jumps to, the `else` block, and the exits.
    fn end_loop(&mut self, top: usize, exit: usize, line: u32, orelse: &[Stmt]) {
        let Some(mut l) = self.loops.pop() else { return };
        let back = self.emit(Ins::JumpBackward { to: top, line, while_loop: !l.has_iter });
        let here = self.here();
        self.patch(exit, here);
        l.pop = self.emit(Ins::Nop);
        self.block(orelse);
        self.close_loop(l, back);
    }

    /// A loop's exits: `break` past its `else` (here), `continue` to its back edge.
    fn close_loop(&mut self, l: Loop, back: usize) {
        let end = self.here();
        let needs_block = l.needs_block
            || l.execs.iter().any(|&e| matches!(&self.ops[e], Ins::Exec(x) if x.1.as_ref().is_some_and(|x| !x.direct)));
        for &b in &l.breaks {
            if needs_block {
                // The loop has a block: every `break` leaves through it (a plain jump would
                // skip its `PopBlock`), the iterator dropped by the unwinding.
                self.ops[b] = Ins::Break;
                if l.has_iter {
                    self.ops[b - 1] = Ins::Nop;
                }
            } else {
                self.patch(b, end);
            }
        }
        for c in l.conts {
            self.patch(c, back);
        }
        for &e in &l.execs {
            if let Ins::Exec(x) = &mut self.ops[e] {
                // (An Exec'd statement's own blocks are the tree walker's; what counts is
                // whether it sits inside a `try`/`with` of this frame's, within the loop, and
                // whether the loop has a block to leave through.)
                let direct = !needs_block && x.1.as_ref().is_none_or(|x| x.direct);
                x.1 = Some(LoopExits { brk: end, cont: back, has_iter: l.has_iter, direct });
            }
        }
        if needs_block {
            self.ops[l.setup] = Ins::SetupLoop { brk: end, cont: back, has_iter: l.has_iter };
            self.ops[l.pop] = Ins::PopBlock;
        }
    }

    fn try_stmt(&mut self, body: &[Stmt], handlers: &[super::ir::Handler], orelse: &[Stmt], finally: &[Stmt]) {
        let fin = (!finally.is_empty()).then(|| self.emit(Ins::SetupFinally(0)));
        self.blocks += usize::from(fin.is_some());
        let exc = (!handlers.is_empty()).then(|| self.emit(Ins::SetupExcept(0)));
        self.blocks += usize::from(exc.is_some());
        self.block(body);
        let mut to_after = Vec::new();
        if let Some(exc) = exc {
            self.blocks -= 1;
            self.emit(Ins::PopBlock);
            self.block(orelse);
            to_after.push(self.emit(Ins::JumpForward(0)));
            let here = self.here();
            self.patch(exc, here);
            for h in handlers {
                let m = self.emit(Ins::ExceptMatch {
                    ty: h.ty.clone().map(Box::new),
                    name: h.name.clone().map(Box::new),
                    next: 0,
                });
                self.blocks += 1;
                self.block(&h.body);
                self.blocks -= 1;
                self.emit(Ins::EndExcept);
                to_after.push(self.emit(Ins::JumpForward(0)));
                let here = self.here();
                self.patch(m, here);
            }
            self.emit(Ins::Reraise);
        } else {
            self.block(orelse);
        }
        let after = self.here();
        for j in to_after {
            self.patch(j, after);
        }
        if let Some(fin) = fin {
            self.blocks -= 1;
            self.emit(Ins::PopBlock);
            self.emit(Ins::EnterFinally);
            let here = self.here();
            self.patch(fin, here);
            // (No block is open in a `finally` body, but a `break` there must drop the
            // pending exit: it leaves through the loop's block.)
            self.blocks += 1;
            self.block(finally);
            self.blocks -= 1;
            self.emit(Ins::EndFinally);
        }
    }

    fn expr(&mut self, e: &Expr) {
        match &*e.kind {
            ExprKind::Const(v) => {
                self.emit(Ins::LoadConst(v.clone()));
            }
            ExprKind::Name(Name::Local(i), name) => {
                self.emit(Ins::LoadFast(*i, name.clone()));
            }
            ExprKind::Name(n, name) => {
                self.emit(Ins::LoadName(Box::new((n.clone(), name.clone()))));
            }
            ExprKind::Bin(op, a, b) => {
                self.expr(a);
                self.expr(b);
                self.emit(Ins::BinaryOp(*op));
            }
            ExprKind::Unary(op, a) => {
                self.expr(a);
                self.emit(Ins::UnaryOp(*op));
            }
            ExprKind::And(vs) | ExprKind::Or(vs) if !vs.is_empty() => {
                let and = matches!(&*e.kind, ExprKind::And(_));
                let mut jumps = Vec::new();
                for (i, v) in vs.iter().enumerate() {
                    self.expr(v);
                    if i + 1 < vs.len() {
                        jumps.push(self.emit(if and { Ins::JumpIfFalseOrPop(0) } else { Ins::JumpIfTrueOrPop(0) }));
                    }
                }
                let end = self.here();
                for j in jumps {
                    self.patch(j, end);
                }
            }
            ExprKind::Compare(left, rest) if rest.len() == 1 => {
                self.expr(left);
                self.expr(&rest[0].1);
                self.emit(Ins::CompareOp(rest[0].0));
            }
            ExprKind::IfExp(t, a, b) => {
                self.expr(t);
                let jump = self.emit(Ins::PopJumpIfFalse(0));
                self.expr(a);
                let skip = self.emit(Ins::JumpForward(0));
                let here = self.here();
                self.patch(jump, here);
                self.expr(b);
                let here = self.here();
                self.patch(skip, here);
            }
            ExprKind::Attr(obj, name) => {
                self.expr(obj);
                self.emit(Ins::LoadAttr(name.clone()));
            }
            ExprKind::Subscript(obj, idx) => {
                self.expr(obj);
                self.expr(idx);
                self.emit(Ins::BinarySubscr);
            }
            ExprKind::Tuple(items) if !items.iter().any(starred) => {
                self.exprs(items);
                self.emit(Ins::BuildTuple(items.len() as u32));
            }
            ExprKind::List(items) if !items.iter().any(starred) => {
                self.exprs(items);
                self.emit(Ins::BuildList(items.len() as u32));
            }
            ExprKind::Call(func, args) if args.iter().all(|a| matches!(a, Arg::Pos(_))) => match &*func.kind {
                ExprKind::Attr(obj, name) => {
                    self.expr(obj);
                    self.emit(Ins::LoadMethod { name: name.clone(), args: args.clone().into() });
                    self.args(args);
                    self.emit(Ins::CallMethod { n: args.len() as u32, name: name.clone() });
                }
                ExprKind::Comp(_) | ExprKind::Name(Name::Global(_, Some(super::ir::Builtin::Super)), _) => {
                    self.emit(Ins::Eval(Box::new(e.clone())));
                }
                _ => {
                    self.expr(func);
                    self.args(args);
                    self.emit(Ins::Call { n: args.len() as u32, call: Box::new(e.clone()) });
                }
            },
            _ => {
                self.emit(Ins::Eval(Box::new(e.clone())));
            }
        }
    }

    fn exprs(&mut self, items: &[Expr]) {
        for x in items {
            self.expr(x);
        }
    }

    fn args(&mut self, args: &[Arg]) {
        for a in args {
            if let Arg::Pos(x) = a {
                self.expr(x);
            }
        }
    }
}

/// Where an instruction may jump.
fn target_of(op: &Ins) -> Option<usize> {
    match op {
        Ins::PopJumpIfFalse(t) | Ins::JumpIfFalseOrPop(t) | Ins::JumpIfTrueOrPop(t) | Ins::JumpForward(t) => Some(*t),
        Ins::ForIter { exit, .. } | Ins::ForIterFast { exit, .. } => Some(*exit),
        Ins::JumpBackward { to, .. } => Some(*to),
        Ins::SetupExcept(t) | Ins::SetupFinally(t) => Some(*t),
        Ins::ExceptMatch { next, .. } => Some(*next),
        Ins::WithEnter { end, .. } => Some(*end),
        Ins::SetupLoop { brk, .. } => Some(*brk),
        _ => None,
    }
}

/// Fewer, larger instructions for the commonest sequences (CPython 3.11's specialising
/// would do it at run time): a statement's end and the next's start, a store to a local, an
/// operation with a constant, a loop into a local. Instructions that are jumped to are
/// kept as they are.
fn fuse(ops: &mut Vec<Ins>) {
    let mut targeted = vec![false; ops.len() + 1];
    for op in ops.iter() {
        if let Some(t) = target_of(op) {
            targeted[t] = true;
        }
        if let Ins::Exec(x) = op
            && let (_, Some(x)) = &**x
        {
            targeted[x.brk] = true;
            targeted[x.cont] = true;
        }
        if let Ins::SetupLoop { cont, .. } = op {
            targeted[*cont] = true;
        }
    }
    let old = std::mem::take(ops);
    // new index of each old instruction
    let mut at = vec![0usize; old.len() + 1];
    let mut out: Vec<Ins> = Vec::with_capacity(old.len());
    let mut it = old.into_iter().enumerate().peekable();
    while let Some((i, op)) = it.next() {
        at[i] = out.len();
        if matches!(op, Ins::Nop) {
            continue;
        }
        let next_free = it.peek().is_some_and(|(j, _)| !targeted[*j]);
        let op = match op {
            Ins::LineEnd(ended) if next_free && matches!(it.peek(), Some((_, Ins::Line(_)))) => {
                let Some((j, Ins::Line(line))) = it.next() else { unreachable!() };
                at[j] = out.len();
                Ins::LineNext { ended, line }
            }
            Ins::LoadConst(v)
                if next_free
                    && matches!(v, V::Int(_) | V::Float(_))
                    && matches!(it.peek(), Some((_, Ins::BinaryOp(_)))) =>
            {
                let Some((j, Ins::BinaryOp(op))) = it.next() else { unreachable!() };
                at[j] = out.len();
                Ins::BinaryOpConst(op, v)
            }
            Ins::Store(t) => match *t {
                Target::Name(Name::Local(i), _) => Ins::StoreFast(i, t),
                _ => Ins::Store(t),
            },
            Ins::ForIter { target, exit } => match *target {
                Target::Name(Name::Local(slot), _) => Ins::ForIterFast { slot, target, exit },
                _ => Ins::ForIter { target, exit },
            },
            op => op,
        };
        out.push(op);
    }
    let end = at.len() - 1;
    at[end] = out.len();
    for op in out.iter_mut() {
        match op {
            Ins::PopJumpIfFalse(t) | Ins::JumpIfFalseOrPop(t) | Ins::JumpIfTrueOrPop(t) | Ins::JumpForward(t) => {
                *t = at[*t]
            }
            Ins::ForIter { exit, .. } | Ins::ForIterFast { exit, .. } => *exit = at[*exit],
            Ins::JumpBackward { to, .. } => *to = at[*to],
            Ins::SetupExcept(t) | Ins::SetupFinally(t) => *t = at[*t],
            Ins::ExceptMatch { next, .. } => *next = at[*next],
            Ins::WithEnter { end, .. } => *end = at[*end],
            Ins::SetupLoop { brk, cont, .. } => {
                *brk = at[*brk];
                *cont = at[*cont];
            }
            Ins::Exec(x) => {
                if let Some(x) = &mut x.1 {
                    x.brk = at[x.brk];
                    x.cont = at[x.cont];
                }
            }
            _ => {}
        }
    }
    *ops = out;
}

fn starred(e: &Expr) -> bool {
    matches!(&*e.kind, ExprKind::Starred(_))
}
