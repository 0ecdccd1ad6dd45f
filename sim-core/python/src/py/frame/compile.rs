//! Compiling a body that can suspend (a generator's, a coroutine's) to the frame's
//! instructions: statements that cannot suspend become one `Run` op for the tree walker;
//! loops, `try`, `with` and the suspension points become jumps and blocks.

use super::*;

// ------------------------------------------------------------------ the compiler

/// Whether `e` is a suspension (`yield`, `yield from`, `await`) as a statement's whole value.
pub(crate) fn suspension(e: &Expr) -> bool {
    matches!(&*e.kind, ExprKind::Yield(_) | ExprKind::YieldFrom(_) | ExprKind::Await(_))
}

/// Whether a statement can suspend the frame.
pub(crate) fn suspends(s: &Stmt) -> bool {
    let any = |b: &[Stmt]| b.iter().any(suspends);
    match &s.kind {
        StmtKind::Expr(e) | StmtKind::Assign(_, e) => suspension(e),
        StmtKind::If(_, a, b) | StmtKind::While(_, a, b) | StmtKind::For(_, _, a, b) => any(a) || any(b),
        StmtKind::With(_, b) => any(b),
        StmtKind::Try { body, handlers, orelse, finally } => {
            any(body) || handlers.iter().any(|h| any(&h.body)) || any(orelse) || any(finally)
        }
        _ => false,
    }
}

/// Compile a body to a suspendable frame's code.
pub fn compile(body: &[Stmt], kind: CodeKind) -> Code {
    let mut c = Compiler { ops: Vec::new() };
    c.block(body);
    Code { ops: c.ops, kind }
}

pub(crate) struct Compiler {
    pub(crate) ops: Vec<Op>,
}

impl Compiler {
    pub(crate) fn here(&self) -> usize {
        self.ops.len()
    }

    pub(crate) fn emit(&mut self, op: Op) -> usize {
        self.ops.push(op);
        self.ops.len() - 1
    }

    /// Point the jump at `at` to `to`.
    pub(crate) fn patch(&mut self, at: usize, to: usize) {
        match &mut self.ops[at] {
            Op::JumpIfNot(_, t) | Op::Jump(t) | Op::SetupExcept(t) | Op::SetupFinally(t) => *t = to,
            Op::SetupLoop { brk, .. } => *brk = to,
            Op::ForIter { exit, .. } => *exit = to,
            Op::ExceptMatch { next, .. } => *next = to,
            Op::WithEnter { end, .. } => *end = to,
            _ => {}
        }
    }

    pub(crate) fn block(&mut self, body: &[Stmt]) {
        for s in body {
            self.stmt(s);
        }
    }

    pub(crate) fn stmt(&mut self, s: &Stmt) {
        if !suspends(s) {
            self.emit(Op::Run(s.clone()));
            return;
        }
        self.emit(Op::Line(s.line));
        match &s.kind {
            StmtKind::Expr(e) => self.suspend(e, Vec::new()),
            StmtKind::Assign(targets, e) => self.suspend(e, targets.clone()),
            StmtKind::If(test, then, orelse) => {
                let jump = self.emit(Op::JumpIfNot(test.clone(), 0));
                self.block(then);
                let skip = self.emit(Op::Jump(0));
                let here = self.here();
                self.patch(jump, here);
                self.block(orelse);
                let here = self.here();
                self.patch(skip, here);
            }
            StmtKind::While(test, body, orelse) => {
                let setup = self.emit(Op::SetupLoop { brk: 0, cont: 0, has_iter: false });
                let top = self.here();
                if let Op::SetupLoop { cont, .. } = &mut self.ops[setup] {
                    *cont = top;
                }
                let jump = self.emit(Op::JumpIfNot(test.clone(), 0));
                self.block(body);
                self.emit(Op::JumpBack(top, s.line));
                let here = self.here();
                self.patch(jump, here);
                self.emit(Op::PopBlock);
                self.block(orelse);
                let here = self.here();
                self.patch(setup, here);
            }
            StmtKind::For(target, iter, body, orelse) => {
                let setup = self.emit(Op::SetupLoop { brk: 0, cont: 0, has_iter: true });
                self.emit(Op::PushIter(iter.clone()));
                let top = self.here();
                if let Op::SetupLoop { cont, .. } = &mut self.ops[setup] {
                    *cont = top;
                }
                let next = self.emit(Op::ForIter { target: target.clone(), exit: 0 });
                self.block(body);
                self.emit(Op::JumpBack(top, s.line));
                let here = self.here();
                self.patch(next, here);
                self.emit(Op::PopBlock);
                self.block(orelse);
                let here = self.here();
                self.patch(setup, here);
            }
            StmtKind::With(items, body) => {
                let mut enters = Vec::new();
                for (mgr, target) in items {
                    enters.push(self.emit(Op::WithEnter {
                        mgr: mgr.clone(),
                        target: target.clone(),
                        end: 0,
                        awaited: false,
                    }));
                }
                self.block(body);
                for enter in enters.into_iter().rev() {
                    self.emit(Op::WithExit(s.line));
                    let here = self.here();
                    self.patch(enter, here);
                }
            }
            StmtKind::Try { body, handlers, orelse, finally } => self.try_stmt(body, handlers, orelse, finally),
            _ => {
                self.ops.pop();
                self.emit(Op::Run(s.clone()));
            }
        }
    }

    pub(crate) fn try_stmt(&mut self, body: &[Stmt], handlers: &[Handler], orelse: &[Stmt], finally: &[Stmt]) {
        let fin = (!finally.is_empty()).then(|| self.emit(Op::SetupFinally(0)));
        let exc = (!handlers.is_empty()).then(|| self.emit(Op::SetupExcept(0)));
        self.block(body);
        let mut to_after = Vec::new();
        if let Some(exc) = exc {
            self.emit(Op::PopBlock);
            self.block(orelse);
            to_after.push(self.emit(Op::Jump(0)));
            let here = self.here();
            self.patch(exc, here);
            for h in handlers {
                let m = self.emit(Op::ExceptMatch { ty: h.ty.clone(), name: h.name.clone(), next: 0, line: h.line });
                self.block(&h.body);
                self.emit(Op::EndExcept);
                to_after.push(self.emit(Op::Jump(0)));
                let here = self.here();
                self.patch(m, here);
            }
            self.emit(Op::Reraise);
        } else {
            self.block(orelse);
        }
        let after = self.here();
        for j in to_after {
            self.patch(j, after);
        }
        if let Some(fin) = fin {
            self.emit(Op::PopBlock);
            self.emit(Op::EnterFinally);
            let here = self.here();
            self.patch(fin, here);
            self.block(finally);
            self.emit(Op::EndFinally);
        }
    }

    pub(crate) fn suspend(&mut self, e: &Expr, targets: Vec<Target>) {
        match &*e.kind {
            ExprKind::Yield(v) => {
                self.emit(Op::Yield { value: v.clone(), targets });
            }
            ExprKind::YieldFrom(x) => {
                self.emit(Op::GetIter { value: x.clone(), awaited: false });
                self.emit(Op::Delegate { targets });
            }
            ExprKind::Await(x) => {
                self.emit(Op::GetIter { value: x.clone(), awaited: true });
                self.emit(Op::Delegate { targets });
            }
            _ => {}
        }
    }
}
