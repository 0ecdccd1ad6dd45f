//! The control-flow graph's passes, as CPython 3.11's `assemble()` runs them: jumps
//! threaded and constant conditions folded (`optimize_cfg`), dead blocks dropped, exit
//! blocks copied so each has a line, line numbers propagated, stack depths, exception
//! handlers labelled, and jumps made forward or backward.

use super::{Arg, Block, Const, Ins, effect, is_block_push, is_exit, is_jump, is_uncond_jump};

pub(super) struct Cfg<'u> {
    pub(super) b: &'u mut Vec<Block>,
    pub(super) entry: usize,
}

impl Cfg<'_> {
    pub(super) fn order(&self) -> Vec<usize> {
        let mut out = Vec::new();
        let mut b = Some(self.entry);
        while let Some(i) = b {
            out.push(i);
            b = self.b[i].next;
        }
        out
    }

    /// The first non-empty block at or after `t`.
    fn skip_empty(&self, mut t: usize) -> usize {
        while self.b[t].instrs.is_empty() {
            match self.b[t].next {
                Some(n) => t = n,
                None => break,
            }
        }
        t
    }

    fn nofallthrough(&self, i: usize) -> bool {
        self.b[i].instrs.last().is_some_and(|x| is_uncond_jump(x.op) || is_exit(x.op))
    }

    fn is_exit_block(&self, i: usize) -> bool {
        self.b[i].instrs.iter().any(|x| is_exit(x.op))
    }

    pub(super) fn retarget_empty(&mut self) {
        for i in self.order() {
            for k in 0..self.b[i].instrs.len() {
                if let Some(t) = self.b[i].instrs[k].target {
                    let t2 = self.skip_empty(t);
                    self.b[i].instrs[k].target = Some(t2);
                }
            }
        }
    }

    fn first_op(&self, t: usize) -> Option<&Ins> {
        self.b[t].instrs.first()
    }

    fn optimize_block(&mut self, bi: usize, consts: &mut Vec<Const>) {
        let mut i = 0;
        while i < self.b[bi].instrs.len() {
            let nextop = self.b[bi].instrs.get(i + 1).map(|x| x.op);
            let inst = self.b[bi].instrs[i].clone();
            let target = inst.target.map(|t| self.skip_empty(t));
            if let Some(t) = target {
                self.b[bi].instrs[i].target = Some(t);
            }
            let tgt = target.and_then(|t| self.first_op(t).cloned());
            let same_line = |t: &Ins| t.line == inst.line;
            match inst.op {
                "LOAD_CONST" => {
                    let c = match inst.arg {
                        Arg::Const(k) => consts[k as usize].clone(),
                        _ => Const::None,
                    };
                    match nextop {
                        Some(j @ ("POP_JUMP_IF_FALSE" | "POP_JUMP_IF_TRUE")) => {
                            self.b[bi].instrs[i].op = "NOP";
                            let jump_if_true = j == "POP_JUMP_IF_TRUE";
                            self.b[bi].instrs[i + 1].op = if c.truthy() == jump_if_true { "JUMP" } else { "NOP" };
                        }
                        Some(j @ ("JUMP_IF_FALSE_OR_POP" | "JUMP_IF_TRUE_OR_POP")) => {
                            let jump_if_true = j == "JUMP_IF_TRUE_OR_POP";
                            if c.truthy() == jump_if_true {
                                self.b[bi].instrs[i + 1].op = "JUMP";
                            } else {
                                self.b[bi].instrs[i].op = "NOP";
                                self.b[bi].instrs[i + 1].op = "NOP";
                            }
                        }
                        Some("IS_OP") => {
                            let jump_op = self.b[bi].instrs.get(i + 2).map(|x| x.op);
                            if c == Const::None && matches!(jump_op, Some("POP_JUMP_IF_FALSE" | "POP_JUMP_IF_TRUE")) {
                                let nextarg = self.b[bi].instrs[i + 1].arg.raw() != 0;
                                self.b[bi].instrs[i].op = "NOP";
                                self.b[bi].instrs[i + 1].op = "NOP";
                                let jf = jump_op == Some("POP_JUMP_IF_FALSE");
                                self.b[bi].instrs[i + 2].op =
                                    if nextarg ^ jf { "POP_JUMP_IF_NOT_NONE" } else { "POP_JUMP_IF_NONE" };
                            }
                        }
                        _ => {}
                    }
                }
                "BUILD_TUPLE" => {
                    let n = inst.arg.raw() as usize;
                    if nextop == Some("UNPACK_SEQUENCE") && self.b[bi].instrs[i + 1].arg.raw() as usize == n {
                        match n {
                            1 => {
                                self.b[bi].instrs[i].op = "NOP";
                                self.b[bi].instrs[i + 1].op = "NOP";
                                i += 1;
                                continue;
                            }
                            2 | 3 => {
                                self.b[bi].instrs[i].op = "NOP";
                                self.b[bi].instrs[i + 1].op = "SWAP";
                                i += 1;
                                continue;
                            }
                            _ => {}
                        }
                    }
                    if i >= n {
                        let items: Option<Vec<Const>> = (i - n..i)
                            .map(|k| {
                                let x = &self.b[bi].instrs[k];
                                match (x.op, x.arg) {
                                    ("LOAD_CONST", Arg::Const(c)) => Some(consts[c as usize].clone()),
                                    _ => None,
                                }
                            })
                            .collect();
                        if let Some(items) = items {
                            let t = Const::Tuple(items);
                            let idx = match consts.iter().position(|x| *x == t) {
                                Some(p) => p,
                                None => {
                                    consts.push(t);
                                    consts.len() - 1
                                }
                            };
                            for k in i - n..i {
                                self.b[bi].instrs[k].op = "NOP";
                            }
                            self.b[bi].instrs[i].op = "LOAD_CONST";
                            self.b[bi].instrs[i].arg = Arg::Const(idx as u32);
                        }
                    }
                }
                "JUMP_IF_FALSE_OR_POP" | "JUMP_IF_TRUE_OR_POP" => {
                    let f = inst.op == "JUMP_IF_FALSE_OR_POP";
                    let (same_pop, same_or, opp_pop, opp_or) = if f {
                        ("POP_JUMP_IF_FALSE", "JUMP_IF_FALSE_OR_POP", "POP_JUMP_IF_TRUE", "JUMP_IF_TRUE_OR_POP")
                    } else {
                        ("POP_JUMP_IF_TRUE", "JUMP_IF_TRUE_OR_POP", "POP_JUMP_IF_FALSE", "JUMP_IF_FALSE_OR_POP")
                    };
                    if let Some(t) = &tgt {
                        if t.op == same_pop {
                            if self.thread(bi, i, t, same_pop) {
                                continue;
                            }
                        } else if t.op == "JUMP" || t.op == same_or {
                            if self.thread(bi, i, t, same_or) {
                                continue;
                            }
                        } else if (t.op == opp_or || t.op == opp_pop) && same_line(t) {
                            let tb = target.expect("a target");
                            if let Some(n) = self.b[tb].next {
                                self.b[bi].instrs[i].op = same_pop;
                                self.b[bi].instrs[i].target = Some(n);
                                continue;
                            }
                        }
                    }
                }
                "POP_JUMP_IF_NOT_NONE" | "POP_JUMP_IF_NONE" | "POP_JUMP_IF_FALSE" | "POP_JUMP_IF_TRUE" | "JUMP" => {
                    if let Some(t) = &tgt
                        && t.op == "JUMP"
                        && self.thread(bi, i, t, inst.op)
                    {
                        continue;
                    }
                }
                "SWAP" => {
                    if inst.arg.raw() == 1 {
                        self.b[bi].instrs[i].op = "NOP";
                    } else {
                        self.apply_static_swaps(bi, i);
                    }
                }
                "PUSH_NULL" if nextop == Some("LOAD_GLOBAL") && self.b[bi].instrs[i + 1].arg.raw() & 1 == 0 => {
                    self.b[bi].instrs[i].op = "NOP";
                    if let Arg::Global(g) = self.b[bi].instrs[i + 1].arg {
                        self.b[bi].instrs[i + 1].arg = Arg::Global(g | 1);
                    }
                }
                _ => {}
            }
            i += 1;
        }
    }

    /// `jump_thread`: jump straight to where the jump at the target goes (same line only).
    fn thread(&mut self, bi: usize, i: usize, t: &Ins, op: &'static str) -> bool {
        let inst = &self.b[bi].instrs[i];
        if inst.line == t.line && inst.target != t.target {
            let x = &mut self.b[bi].instrs[i];
            x.target = t.target;
            x.op = op;
            return true;
        }
        false
    }

    fn apply_static_swaps(&mut self, bi: usize, mut i: usize) {
        let swappable = |op: &str| op == "STORE_FAST" || op == "POP_TOP";
        loop {
            let ins = &self.b[bi].instrs[i];
            if ins.op != "SWAP" {
                if ins.op == "NOP" || swappable(ins.op) {
                    if i == 0 {
                        return;
                    }
                    i -= 1;
                    continue;
                }
                return;
            }
            let next = |me: &Self, from: usize, line: Option<Option<u32>>| -> Option<usize> {
                let mut k = from + 1;
                while k < me.b[bi].instrs.len() {
                    let x = &me.b[bi].instrs[k];
                    if let Some(l) = line
                        && x.line != l
                    {
                        return None;
                    }
                    if x.op == "NOP" {
                        k += 1;
                        continue;
                    }
                    return if swappable(x.op) { Some(k) } else { None };
                }
                None
            };
            let Some(j) = next(self, i, None) else { return };
            let line = self.b[bi].instrs[j].line;
            let mut k = j;
            for _ in 1..self.b[bi].instrs[i].arg.raw() {
                match next(self, k, Some(line)) {
                    Some(x) => k = x,
                    None => return,
                }
            }
            self.b[bi].instrs[i].op = "NOP";
            self.b[bi].instrs.swap(j, k);
            if i == 0 {
                return;
            }
            i -= 1;
        }
    }

    /// CPython's `clean_basic_block`: NOPs removed where the line they carry is not needed.
    fn clean_block(&mut self, bi: usize) {
        let keep = self.clean_indices(bi);
        let old = std::mem::take(&mut self.b[bi].instrs);
        self.b[bi].instrs = keep
            .into_iter()
            .map(|(k, line)| {
                let mut x = old[k].clone();
                x.line = line;
                x
            })
            .collect();
    }

    /// `extend_block`: a jump to a short exit block becomes a copy of that block.
    fn extend_block(&mut self, bi: usize) {
        let Some(last) = self.b[bi].instrs.last() else { return };
        if !matches!(last.op, "JUMP" | "JUMP_FORWARD" | "JUMP_BACKWARD") {
            return;
        }
        let Some(t) = last.target else { return };
        let t = self.skip_empty(t);
        // Only blocks without a line number (an implicit `return None`) are copied.
        if self.is_exit_block(t) && self.b[t].instrs.len() <= 4 && self.b[t].instrs.iter().all(|x| x.line.is_none()) {
            let copy = self.b[t].instrs.clone();
            let n = self.b[bi].instrs.len();
            self.b[bi].instrs[n - 1].op = "NOP";
            self.b[bi].instrs[n - 1].target = None;
            self.b[bi].instrs.extend(copy);
        }
    }

    pub(super) fn mark_reachable(&mut self) {
        for b in self.b.iter_mut() {
            b.preds = 0;
            b.visited = false;
        }
        let mut stack = vec![self.entry];
        self.b[self.entry].preds = 1;
        self.b[self.entry].visited = true;
        while let Some(b) = stack.pop() {
            let mut succ = Vec::new();
            if !self.nofallthrough(b)
                && let Some(n) = self.b[b].next
            {
                succ.push(n);
            }
            for x in &self.b[b].instrs {
                if (is_jump(x.op) || is_block_push(x.op))
                    && let Some(t) = x.target
                {
                    succ.push(t);
                }
            }
            for s in succ {
                if !self.b[s].visited {
                    self.b[s].visited = true;
                    stack.push(s);
                }
                self.b[s].preds += 1;
            }
        }
    }

    fn eliminate_empty(&mut self) {
        self.retarget_empty();
        for i in self.order() {
            let mut n = self.b[i].next;
            while let Some(x) = n {
                if self.b[x].instrs.is_empty() && self.b[x].next.is_some() {
                    n = self.b[x].next;
                } else {
                    break;
                }
            }
            self.b[i].next = n;
        }
    }

    pub(super) fn extend_blocks(&mut self) {
        let mut all: Vec<usize> = self.order();
        all.sort_by_key(|&b| std::cmp::Reverse(self.b[b].alloc));
        for bi in all {
            self.extend_block(bi);
        }
    }

    pub(super) fn optimize(&mut self, consts: &mut Vec<Const>) {
        for bi in self.order() {
            self.optimize_block(bi, consts);
            self.clean_block(bi);
        }
        self.extend_blocks();
        self.mark_reachable();
        for bi in self.order() {
            if self.b[bi].preds == 0 {
                self.b[bi].instrs.clear();
            }
        }
        self.eliminate_empty();
        for bi in self.order() {
            self.clean_block(bi);
        }
        for bi in self.order() {
            let next = self.b[bi].next.map(|n| self.skip_empty(n));
            if let Some(last) = self.b[bi].instrs.last_mut()
                && matches!(last.op, "JUMP" | "JUMP_NO_INTERRUPT")
                && last.target == next
            {
                last.op = "NOP";
                last.target = None;
            }
        }
        self.eliminate_empty();
        self.mark_reachable();
    }

    fn is_exit_without_line(&self, b: usize) -> bool {
        self.is_exit_block(b) && self.b[b].instrs.iter().all(|x| x.line.is_none())
    }

    pub(super) fn duplicate_exits(&mut self) {
        let mut all: Vec<usize> = self.order();
        all.sort_by_key(|&b| std::cmp::Reverse(self.b[b].alloc));
        for bi in all {
            let Some(last) = self.b[bi].instrs.last().cloned() else { continue };
            if !is_jump(last.op) {
                continue;
            }
            let Some(t) = last.target else { continue };
            if self.is_exit_without_line(t) && self.b[t].preds > 1 {
                let mut copy = Block { instrs: self.b[t].instrs.clone(), alloc: self.b.len(), ..Block::default() };
                copy.instrs[0].line = last.line;
                copy.preds = 1;
                copy.next = self.b[t].next;
                let new = self.b.len();
                self.b.push(copy);
                self.b[t].next = Some(new);
                self.b[t].preds -= 1;
                let n = self.b[bi].instrs.len();
                self.b[bi].instrs[n - 1].target = Some(new);
            }
        }
        for bi in self.order() {
            if !self.nofallthrough(bi)
                && let Some(n) = self.b[bi].next
                && !self.b[bi].instrs.is_empty()
                && self.is_exit_without_line(n)
            {
                let l = self.b[bi].instrs.last().and_then(|x| x.line);
                self.b[n].instrs[0].line = l;
            }
        }
    }

    pub(super) fn propagate_lines(&mut self) {
        for bi in self.order() {
            if self.b[bi].instrs.is_empty() {
                continue;
            }
            let mut prev = None;
            for x in self.b[bi].instrs.iter_mut() {
                if x.line.is_none() {
                    x.line = prev;
                } else {
                    prev = x.line;
                }
            }
            if !self.nofallthrough(bi)
                && let Some(n) = self.b[bi].next
                && self.b[n].preds == 1
                && let Some(f) = self.b[n].instrs.first_mut()
                && f.line.is_none()
            {
                f.line = prev;
            }
            let last = self.b[bi].instrs.last().cloned();
            if let Some(last) = last
                && is_jump(last.op)
                && let Some(t) = last.target
                && self.b[t].preds == 1
                && let Some(f) = self.b[t].instrs.first_mut()
                && f.line.is_none()
            {
                f.line = prev;
            }
        }
    }

    pub(super) fn guarantee_exit_lines(&mut self, first_line: u32) {
        let mut line = first_line;
        for bi in self.order() {
            let Some(last) = self.b[bi].instrs.last() else { continue };
            match last.line {
                None => {
                    if last.op == "RETURN_VALUE" {
                        for x in self.b[bi].instrs.iter_mut() {
                            x.line = Some(line);
                        }
                    }
                }
                Some(l) => line = l,
            }
        }
    }

    /// Each block's stack depth at its start (a generator's `RETURN_GENERATOR` pushes the
    /// item its `POP_TOP` takes, so its body starts at 0 too).
    pub(super) fn stack_depths(&mut self) {
        for b in self.b.iter_mut() {
            b.start_depth = None;
        }
        self.b[self.entry].start_depth = Some(0);
        let mut stack = vec![self.entry];
        while let Some(bi) = stack.pop() {
            let mut d = self.b[bi].start_depth.unwrap_or(0);
            let mut falls = true;
            let instrs = self.b[bi].instrs.clone();
            for x in &instrs {
                if (is_jump(x.op) || is_block_push(x.op))
                    && let Some(t) = x.target
                    && self.b[t].start_depth.is_none()
                {
                    self.b[t].start_depth = Some(d + effect(x, true));
                    stack.push(t);
                }
                d += effect(x, false);
                if is_uncond_jump(x.op) || is_exit(x.op) {
                    falls = false;
                    break;
                }
            }
            if falls
                && let Some(n) = self.b[bi].next
                && self.b[n].start_depth.is_none()
            {
                self.b[n].start_depth = Some(d);
                stack.push(n);
            }
        }
    }

    pub(super) fn label_exceptions(&mut self) {
        for b in self.b.iter_mut() {
            b.visited = false;
            b.except_stack.clear();
            b.handlers.clear();
        }
        let mut todo = vec![self.entry];
        self.b[self.entry].visited = true;
        while let Some(bi) = todo.pop() {
            let mut st = self.b[bi].except_stack.clone();
            let instrs = self.b[bi].instrs.clone();
            let mut handlers = Vec::with_capacity(instrs.len());
            for x in &instrs {
                if is_block_push(x.op) {
                    let t = x.target.expect("a handler");
                    if !self.b[t].visited {
                        self.b[t].except_stack = st.clone();
                        self.b[t].visited = true;
                        todo.push(t);
                    }
                    if x.op != "SETUP_FINALLY" {
                        self.b[t].preserve_lasti = true;
                    }
                    st.push(t);
                    handlers.push(None);
                } else if x.op == "POP_BLOCK" {
                    st.pop();
                    handlers.push(None);
                } else {
                    handlers.push(st.last().copied());
                    if is_jump(x.op)
                        && let Some(t) = x.target
                        && !self.b[t].visited
                    {
                        self.b[t].except_stack = st.clone();
                        self.b[t].visited = true;
                        todo.push(t);
                    }
                }
            }
            self.b[bi].handlers = handlers;
            if !self.nofallthrough(bi)
                && let Some(n) = self.b[bi].next
                && !self.b[n].visited
            {
                self.b[n].except_stack = st;
                self.b[n].visited = true;
                todo.push(n);
            }
        }
        // SETUP_* and POP_BLOCK become NOPs (then removed where legal).
        for bi in self.order() {
            for x in self.b[bi].instrs.iter_mut() {
                if is_block_push(x.op) || x.op == "POP_BLOCK" {
                    x.op = "NOP";
                    x.target = None;
                }
            }
        }
    }

    /// `clean_basic_block` keeping each instruction's handler alongside it.
    pub(super) fn clean_with_handlers(&mut self) {
        for bi in self.order() {
            let mut hs = std::mem::take(&mut self.b[bi].handlers);
            hs.resize(self.b[bi].instrs.len(), None);
            let keep = self.clean_indices(bi);
            let old = std::mem::take(&mut self.b[bi].instrs);
            let mut out = Vec::with_capacity(keep.len());
            let mut outh = Vec::with_capacity(keep.len());
            for (k, line) in keep {
                let mut x = old[k].clone();
                x.line = line;
                out.push(x);
                outh.push(hs[k]);
            }
            self.b[bi].instrs = out;
            self.b[bi].handlers = outh;
        }
    }

    /// Which instructions `clean_basic_block` keeps, with their (possibly inherited) lines.
    fn clean_indices(&self, bi: usize) -> Vec<(usize, Option<u32>)> {
        let next_first_line = {
            let mut n = self.b[bi].next;
            while let Some(x) = n {
                if !self.b[x].instrs.is_empty() {
                    break;
                }
                n = self.b[x].next;
            }
            n.map(|x| self.b[x].instrs[0].line)
        };
        let mut lines: Vec<Option<u32>> = self.b[bi].instrs.iter().map(|x| x.line).collect();
        let len = lines.len();
        let mut keep = Vec::new();
        let mut prev_line = None;
        for k in 0..len {
            let line = lines[k];
            if self.b[bi].instrs[k].op == "NOP" {
                if line.is_none() || prev_line == line {
                    continue;
                }
                if k + 1 < len {
                    if lines[k + 1].is_none() || lines[k + 1] == line {
                        lines[k + 1] = line;
                        continue;
                    }
                } else if next_first_line == Some(line) {
                    continue;
                }
            }
            prev_line = line;
            keep.push((k, line));
        }
        keep
    }

    pub(super) fn normalize_jumps(&mut self) {
        for b in self.b.iter_mut() {
            b.visited = false;
        }
        for bi in self.order() {
            self.b[bi].visited = true;
            let Some(last) = self.b[bi].instrs.last() else { continue };
            if !is_jump(last.op) {
                continue;
            }
            let t = last.target.expect("a target");
            let fwd = !self.b[t].visited;
            let op = match last.op {
                "JUMP" => {
                    if fwd {
                        "JUMP_FORWARD"
                    } else {
                        "JUMP_BACKWARD"
                    }
                }
                "JUMP_NO_INTERRUPT" => {
                    if fwd {
                        "JUMP_FORWARD"
                    } else {
                        "JUMP_BACKWARD_NO_INTERRUPT"
                    }
                }
                "POP_JUMP_IF_FALSE" => {
                    if fwd {
                        "POP_JUMP_FORWARD_IF_FALSE"
                    } else {
                        "POP_JUMP_BACKWARD_IF_FALSE"
                    }
                }
                "POP_JUMP_IF_TRUE" => {
                    if fwd {
                        "POP_JUMP_FORWARD_IF_TRUE"
                    } else {
                        "POP_JUMP_BACKWARD_IF_TRUE"
                    }
                }
                "POP_JUMP_IF_NONE" => {
                    if fwd {
                        "POP_JUMP_FORWARD_IF_NONE"
                    } else {
                        "POP_JUMP_BACKWARD_IF_NONE"
                    }
                }
                "POP_JUMP_IF_NOT_NONE" => {
                    if fwd {
                        "POP_JUMP_FORWARD_IF_NOT_NONE"
                    } else {
                        "POP_JUMP_BACKWARD_IF_NOT_NONE"
                    }
                }
                other => other,
            };
            let n = self.b[bi].instrs.len();
            self.b[bi].instrs[n - 1].op = op;
        }
    }
}
