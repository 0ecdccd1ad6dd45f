//! From basic blocks to a code object, as CPython 3.11's `assemble()`: the prefix
//! instructions, the control-flow clean-up (`optimize_cfg`), exit blocks copied so each
//! has a line, line numbers propagated, stack depths, the exception table, jumps made
//! forward or backward, and offsets with the inline caches.

use super::codegen::Unit;
use super::{CodeObject, ExcEntry, Instr};

mod cfg;

use cfg::Cfg;

/// An instruction's argument before assembly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Arg {
    None,
    N(u32),
    Const(u32),
    Name(u32),
    /// `LOAD_GLOBAL`'s: the name's index shifted left, bit 0 for a `NULL` pushed first.
    Global(u32),
    Local(u32),
    Cell(u32),
    Free(u32),
}

impl Arg {
    fn raw(self) -> u32 {
        match self {
            Arg::None => 0,
            Arg::N(n) | Arg::Const(n) | Arg::Name(n) | Arg::Global(n) | Arg::Local(n) | Arg::Cell(n) | Arg::Free(n) => {
                n
            }
        }
    }
}

#[derive(Clone, Debug)]
pub(super) struct Ins {
    pub op: &'static str,
    pub arg: Arg,
    pub target: Option<usize>,
    pub line: Option<u32>,
}

#[derive(Clone, Debug, Default)]
pub(super) struct Block {
    pub instrs: Vec<Ins>,
    pub next: Option<usize>,
    pub alloc: usize,
    preds: u32,
    visited: bool,
    except_stack: Vec<usize>,
    start_depth: Option<i32>,
    preserve_lasti: bool,
    offset: u32,
    handlers: Vec<Option<usize>>,
}

impl Block {
    pub fn new(alloc: usize) -> Self {
        Self { alloc, ..Self::default() }
    }
}

/// A constant, compared as CPython's constant keys are (`1`, `1.0` and `True` differ).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Const {
    None,
    Ellipsis,
    Bool(bool),
    Int(String),
    Float(u64),
    Str(String),
    Bytes(Vec<u8>),
    Tuple(Vec<Const>),
    /// In CPython's iteration order.
    FrozenSet(Vec<Const>),
    Code(usize),
}

/// A frozenset of int constants in the order CPython's hash table iterates it
/// (`Objects/setobject.c`: linear probes, then perturbation; resized to four times the
/// used count when two thirds full). `None` for other items, whose order depends on the
/// string hash seed.
pub(super) fn frozenset(items: Vec<Const>) -> Option<Const> {
    use crate::py::value::V;
    fn value(c: &Const) -> Option<V> {
        Some(match c {
            Const::Bool(b) => V::Bool(*b),
            Const::Int(s) => match s.parse::<i64>() {
                Ok(n) => V::Int(n),
                Err(_) => V::from_big(s.parse().ok()?),
            },
            Const::Float(b) => V::Float(f64::from_bits(*b)),
            Const::Tuple(t) => V::tuple(t.iter().map(value).collect::<Option<_>>()?),
            _ => return None,
        })
    }
    // Members as the frozenset made from the constants' tuple holds them: equal ones once
    // (the first kept), each placed by its hash as `Objects/setobject.c` places it.
    let mut kept: Vec<(Const, V)> = Vec::new();
    for c in items {
        let v = value(&c)?;
        let k = v.hkey().ok()?;
        if kept.iter().any(|(_, w)| w.hkey().ok().as_ref() == Some(&k)) {
            continue;
        }
        kept.push((c, v));
    }
    let hashes: Vec<i64> = kept.iter().map(|(_, v)| crate::py::setorder::hash(v)).collect::<Option<_>>()?;
    let (order, _) = crate::py::setorder::Table::default().order(&hashes);
    Some(Const::FrozenSet(order.into_iter().map(|i| kept[i].0.clone()).collect()))
}

impl Const {
    pub fn truthy(&self) -> bool {
        match self {
            Const::None => false,
            Const::Ellipsis | Const::Code(_) => true,
            Const::Bool(b) => *b,
            Const::Int(s) => s != "0",
            Const::Float(b) => f64::from_bits(*b) != 0.0,
            Const::Str(s) => !s.is_empty(),
            Const::Bytes(b) => !b.is_empty(),
            Const::Tuple(t) | Const::FrozenSet(t) => !t.is_empty(),
        }
    }

    fn repr(&self, code_repr: &dyn Fn(usize) -> String) -> String {
        match self {
            Const::None => "None".into(),
            Const::Ellipsis => "Ellipsis".into(),
            Const::Bool(b) => if *b { "True" } else { "False" }.into(),
            Const::Int(s) => s.clone(),
            Const::Float(b) => crate::py::value::float_repr(f64::from_bits(*b)),
            Const::Str(s) => crate::py::value::str_repr(s),
            Const::Bytes(b) => crate::py::bytes::repr(b),
            Const::Tuple(t) => {
                let items: Vec<String> = t.iter().map(|c| c.repr(code_repr)).collect();
                if items.len() == 1 { format!("({},)", items[0]) } else { format!("({})", items.join(", ")) }
            }
            Const::FrozenSet(t) if t.is_empty() => "frozenset()".into(),
            Const::FrozenSet(t) => {
                format!("frozenset({{{}}})", t.iter().map(|c| c.repr(code_repr)).collect::<Vec<_>>().join(", "))
            }
            Const::Code(i) => code_repr(*i),
        }
    }
}

/// Inline cache entries after an instruction (3.11's `_PyOpcode_Caches`).
fn caches(op: &str) -> u32 {
    match op {
        "BINARY_SUBSCR" | "LOAD_ATTR" | "STORE_ATTR" | "CALL" => 4,
        "STORE_SUBSCR" | "UNPACK_SEQUENCE" | "BINARY_OP" | "PRECALL" => 1,
        "COMPARE_OP" => 2,
        "LOAD_GLOBAL" => 5,
        "LOAD_METHOD" => 10,
        _ => 0,
    }
}

/// Instructions below `HAVE_ARGUMENT`, which `dis` lists without one.
fn has_arg(op: &str) -> bool {
    !matches!(
        op,
        "POP_TOP"
            | "PUSH_NULL"
            | "NOP"
            | "UNARY_POSITIVE"
            | "UNARY_NEGATIVE"
            | "UNARY_NOT"
            | "UNARY_INVERT"
            | "BINARY_SUBSCR"
            | "STORE_SUBSCR"
            | "DELETE_SUBSCR"
            | "GET_LEN"
            | "GET_ITER"
            | "GET_YIELD_FROM_ITER"
            | "PRINT_EXPR"
            | "LOAD_BUILD_CLASS"
            | "LOAD_ASSERTION_ERROR"
            | "RETURN_GENERATOR"
            | "LIST_TO_TUPLE"
            | "RETURN_VALUE"
            | "IMPORT_STAR"
            | "SETUP_ANNOTATIONS"
            | "YIELD_VALUE"
            | "ASYNC_GEN_WRAP"
            | "GET_AITER"
            | "GET_ANEXT"
            | "PREP_RERAISE_STAR"
            | "POP_EXCEPT"
            | "PUSH_EXC_INFO"
            | "CHECK_EXC_MATCH"
            | "CHECK_EG_MATCH"
            | "WITH_EXCEPT_START"
            | "BEFORE_WITH"
            | "BEFORE_ASYNC_WITH"
            | "END_ASYNC_FOR"
            | "CACHE"
            | "POP_BLOCK"
    )
}

fn is_jump(op: &str) -> bool {
    matches!(
        op,
        "JUMP"
            | "JUMP_NO_INTERRUPT"
            | "JUMP_FORWARD"
            | "JUMP_BACKWARD"
            | "POP_JUMP_IF_FALSE"
            | "POP_JUMP_IF_TRUE"
            | "POP_JUMP_IF_NONE"
            | "POP_JUMP_IF_NOT_NONE"
            | "JUMP_IF_FALSE_OR_POP"
            | "JUMP_IF_TRUE_OR_POP"
            | "FOR_ITER"
            | "SEND"
            | "JUMP_BACKWARD_NO_INTERRUPT"
            | "POP_JUMP_FORWARD_IF_FALSE"
            | "POP_JUMP_BACKWARD_IF_FALSE"
            | "POP_JUMP_FORWARD_IF_TRUE"
            | "POP_JUMP_BACKWARD_IF_TRUE"
            | "POP_JUMP_FORWARD_IF_NONE"
            | "POP_JUMP_BACKWARD_IF_NONE"
            | "POP_JUMP_FORWARD_IF_NOT_NONE"
            | "POP_JUMP_BACKWARD_IF_NOT_NONE"
    )
}

fn is_uncond_jump(op: &str) -> bool {
    matches!(op, "JUMP" | "JUMP_NO_INTERRUPT" | "JUMP_FORWARD" | "JUMP_BACKWARD" | "JUMP_BACKWARD_NO_INTERRUPT")
}

fn is_block_push(op: &str) -> bool {
    matches!(op, "SETUP_FINALLY" | "SETUP_CLEANUP" | "SETUP_WITH")
}

fn is_exit(op: &str) -> bool {
    matches!(op, "RETURN_VALUE" | "RAISE_VARARGS" | "RERAISE")
}

/// Whether nothing may follow the instruction in its block.
pub(super) fn ends_block(op: &str) -> bool {
    is_jump(op) || is_exit(op)
}

/// 3.11's `stack_effect`.
fn effect(ins: &Ins, jump: bool) -> i32 {
    let n = ins.arg.raw() as i32;
    match ins.op {
        "NOP" | "RESUME" | "POP_BLOCK" | "MAKE_CELL" | "COPY_FREE_VARS" | "SWAP" | "UNARY_POSITIVE"
        | "UNARY_NEGATIVE" | "UNARY_NOT" | "UNARY_INVERT" | "GET_ITER" | "LOAD_ATTR" | "CHECK_EXC_MATCH"
        | "KW_NAMES" | "DELETE_FAST" | "DELETE_NAME" | "DELETE_GLOBAL" | "DELETE_DEREF" | "YIELD_VALUE" | "JUMP"
        | "JUMP_NO_INTERRUPT" | "JUMP_FORWARD" | "JUMP_BACKWARD" => 0,
        "POP_TOP"
        | "STORE_FAST"
        | "STORE_NAME"
        | "STORE_GLOBAL"
        | "STORE_DEREF"
        | "BINARY_OP"
        | "BINARY_SUBSCR"
        | "COMPARE_OP"
        | "IS_OP"
        | "CONTAINS_OP"
        | "RETURN_VALUE"
        | "IMPORT_NAME"
        | "IMPORT_STAR"
        | "POP_EXCEPT"
        | "RERAISE"
        | "LIST_APPEND"
        | "SET_ADD"
        | "LIST_EXTEND"
        | "SET_UPDATE"
        | "DICT_UPDATE"
        | "DELETE_ATTR"
        | "POP_JUMP_IF_FALSE"
        | "POP_JUMP_IF_TRUE"
        | "POP_JUMP_IF_NONE"
        | "POP_JUMP_IF_NOT_NONE" => -1,
        "RETURN_GENERATOR"
        | "PUSH_NULL"
        | "LOAD_CONST"
        | "LOAD_NAME"
        | "LOAD_FAST"
        | "LOAD_DEREF"
        | "LOAD_CLASSDEREF"
        | "LOAD_CLOSURE"
        | "LOAD_METHOD"
        | "IMPORT_FROM"
        | "LOAD_BUILD_CLASS"
        | "BEFORE_WITH"
        | "PUSH_EXC_INFO"
        | "WITH_EXCEPT_START"
        | "COPY"
        | "LOAD_ASSERTION_ERROR" => 1,
        "LOAD_GLOBAL" => 1 + (n & 1),
        "STORE_ATTR" | "DELETE_SUBSCR" | "MAP_ADD" | "END_ASYNC_FOR" => -2,
        "GET_AWAITABLE" | "GET_YIELD_FROM_ITER" | "GET_AITER" | "LIST_TO_TUPLE" | "SETUP_ANNOTATIONS" => 0,
        "GET_ANEXT" | "BEFORE_ASYNC_WITH" => 1,
        "SEND" => -i32::from(jump),
        "CALL_FUNCTION_EX" => -2 - (n & 1),
        "DICT_MERGE" => -1,
        "STORE_SUBSCR" => -3,
        "PRECALL" => -n,
        "CALL" => -1,
        "BUILD_TUPLE" | "BUILD_LIST" | "BUILD_SET" | "BUILD_STRING" | "BUILD_SLICE" => 1 - n,
        "BUILD_MAP" => 1 - 2 * n,
        "BUILD_CONST_KEY_MAP" => -n,
        "FORMAT_VALUE" => -i32::from(n & 4 != 0),
        "UNPACK_SEQUENCE" => n - 1,
        "MAKE_FUNCTION" => -((n & 0xf).count_ones() as i32),
        "RAISE_VARARGS" => -n,
        "FOR_ITER" => {
            if jump {
                -1
            } else {
                1
            }
        }
        "JUMP_IF_FALSE_OR_POP" | "JUMP_IF_TRUE_OR_POP" => {
            if jump {
                0
            } else {
                -1
            }
        }
        "SETUP_FINALLY" => i32::from(jump),
        "SETUP_CLEANUP" => 2 * i32::from(jump),
        "SETUP_WITH" => i32::from(jump),
        _ => 0,
    }
}

fn is_backward(op: &str) -> bool {
    op.contains("BACKWARD")
}

fn ext_args(arg: u32) -> u32 {
    if arg > 0xff_ffff {
        3
    } else if arg > 0xffff {
        2
    } else if arg > 0xff {
        1
    } else {
        0
    }
}

pub(super) fn assemble(mut u: Unit<'_>) -> CodeObject {
    let mut code = CodeObject {
        name: u.name.clone(),
        first_line: u.first_line,
        instrs: Vec::new(),
        exceptions: Vec::new(),
        children: Vec::new(),
        unsupported: u.unsupported.clone(),
    };
    let children: Vec<usize> =
        u.consts.iter().filter_map(|c| if let Const::Code(i) = c { Some(*i) } else { None }).collect();
    code.children = children;
    if u.unsupported.is_some() {
        return code;
    }
    // The prefix: COPY_FREE_VARS, MAKE_CELL for each cell, RETURN_GENERATOR and POP_TOP.
    let mut prefix = Vec::new();
    if !u.freevars.is_empty() {
        prefix.push(Ins { op: "COPY_FREE_VARS", arg: Arg::N(u.freevars.len() as u32), target: None, line: None });
    }
    for i in 0..u.cellvars.len() {
        prefix.push(Ins { op: "MAKE_CELL", arg: Arg::Cell(i as u32), target: None, line: None });
    }
    if u.generator {
        prefix.push(Ins { op: "RETURN_GENERATOR", arg: Arg::None, target: None, line: Some(u.first_line) });
        prefix.push(Ins { op: "POP_TOP", arg: Arg::None, target: None, line: None });
    }
    let entry = u.entry;
    u.blocks[entry].instrs.splice(0..0, prefix);
    let first_line = u.first_line;
    let mut consts = std::mem::take(&mut u.consts);
    let mut cfg = Cfg { b: &mut u.blocks, entry };
    cfg.retarget_empty();
    // assemble() extends blocks once before optimize_cfg does it again.
    cfg.extend_blocks();
    cfg.optimize(&mut consts);
    cfg.duplicate_exits();
    cfg.mark_reachable();
    cfg.propagate_lines();
    cfg.guarantee_exit_lines(first_line);
    cfg.stack_depths();
    cfg.label_exceptions();
    cfg.clean_with_handlers();
    cfg.normalize_jumps();
    // Local-plus indices: varnames, then cells that are not arguments, then free variables.
    let nvar = u.varnames.len() as u32;
    let cell_index: Vec<u32> = {
        let mut extra = 0;
        u.cellvars
            .iter()
            .map(|c| match u.varnames.iter().position(|v| v == c) {
                Some(p) => p as u32,
                None => {
                    extra += 1;
                    nvar + extra - 1
                }
            })
            .collect()
    };
    let ncells_extra = u.cellvars.iter().filter(|c| !u.varnames.contains(c)).count() as u32;
    let localsplus = |a: Arg| -> u32 {
        match a {
            Arg::Cell(i) => cell_index[i as usize],
            Arg::Free(i) => nvar + ncells_extra + i,
            other => other.raw(),
        }
    };
    let order = cfg.order();
    // Offsets, growing EXTENDED_ARGs until they settle.
    let mut ext: Vec<Vec<u32>> = order.iter().map(|&b| vec![0; cfg.b[b].instrs.len()]).collect();
    let mut jump_args: Vec<Vec<u32>> = order.iter().map(|&b| vec![0; cfg.b[b].instrs.len()]).collect();
    loop {
        let mut off = 0u32;
        for (k, &b) in order.iter().enumerate() {
            cfg.b[b].offset = off;
            for (j, x) in cfg.b[b].instrs.iter().enumerate() {
                off += 1 + ext[k][j] + caches(x.op);
            }
        }
        let mut changed = false;
        for (k, &b) in order.iter().enumerate() {
            let mut off = cfg.b[b].offset;
            for j in 0..cfg.b[b].instrs.len() {
                let x = &cfg.b[b].instrs[j];
                let size = 1 + ext[k][j] + caches(x.op);
                let arg = match x.target {
                    Some(t) if is_jump(x.op) => {
                        let to = cfg.b[t].offset;
                        if is_backward(x.op) { (off + size).saturating_sub(to) } else { to.saturating_sub(off + size) }
                    }
                    _ => localsplus(x.arg),
                };
                jump_args[k][j] = arg;
                let e = ext_args(arg);
                if e != ext[k][j] {
                    ext[k][j] = e;
                    changed = true;
                }
                off += size;
            }
        }
        if !changed {
            break;
        }
    }
    let targets: std::collections::HashSet<u32> = order
        .iter()
        .flat_map(|&b| cfg.b[b].instrs.iter().filter_map(|x| if is_jump(x.op) { x.target } else { None }))
        .map(|t| cfg.b[t].offset)
        .collect();
    let mut handler_offsets = std::collections::HashSet::new();
    // Exception table.
    let mut entries: Vec<ExcEntry> = Vec::new();
    let mut cur: Option<usize> = None;
    let mut start = 0u32;
    let mut off = 0u32;
    for (k, &b) in order.iter().enumerate() {
        for (j, x) in cfg.b[b].instrs.iter().enumerate() {
            let h = cfg.b[b].handlers.get(j).copied().flatten();
            if h != cur {
                if let Some(hb) = cur {
                    entries.push(exc_entry(&cfg, hb, start, off));
                }
                start = off;
                cur = h;
            }
            off += 2 * (1 + ext[k][j] + caches(x.op));
        }
    }
    if let Some(hb) = cur {
        entries.push(exc_entry(&cfg, hb, start, off));
    }
    for e in &entries {
        handler_offsets.insert(e.target);
    }
    code.exceptions = entries;
    // The listing.
    let mut local_names: Vec<String> = u.varnames.clone();
    for c in &u.cellvars {
        if !u.varnames.contains(c) {
            local_names.push(c.clone());
        }
    }
    local_names.extend(u.freevars.iter().cloned());
    for (k, &b) in order.iter().enumerate() {
        let mut off = cfg.b[b].offset * 2;
        for (j, x) in cfg.b[b].instrs.iter().enumerate() {
            let arg = jump_args[k][j];
            for e in (1..=ext[k][j]).rev() {
                code.instrs.push(Instr {
                    offset: off,
                    op: "EXTENDED_ARG",
                    arg: Some((arg >> (8 * e)) & 0xff),
                    argrepr: String::new(),
                    line: x.line,
                    jump_target: targets.contains(&(off / 2)) || handler_offsets.contains(&off),
                });
                off += 2;
            }
            let argrepr = match x.arg {
                _ if is_jump(x.op) => {
                    let to = cfg.b[x.target.expect("a target")].offset * 2;
                    format!("to {to}")
                }
                Arg::Const(i) => consts.get(i as usize).map_or(String::new(), |c| c.repr(&|i| format!("\u{1}{i}"))),
                Arg::Name(i) => u.names.get(i as usize).cloned().unwrap_or_default(),
                Arg::Global(g) => {
                    let n = u.names.get((g >> 1) as usize).cloned().unwrap_or_default();
                    if g & 1 == 1 { format!("NULL + {n}") } else { n }
                }
                Arg::Local(_) | Arg::Cell(_) | Arg::Free(_) => {
                    local_names.get(arg as usize).cloned().unwrap_or_default()
                }
                Arg::N(n) => match x.op {
                    "COMPARE_OP" => {
                        ["<", "<=", "==", "!=", ">", ">="].get(n as usize).copied().unwrap_or("").to_owned()
                    }
                    "BINARY_OP" => BINARY_OPS.get(n as usize).copied().unwrap_or("").to_owned(),
                    "FORMAT_VALUE" => {
                        let conv = ["", "str", "repr", "ascii"][(n & 3) as usize];
                        [conv, if n & 4 != 0 { "with format" } else { "" }]
                            .iter()
                            .filter(|s| !s.is_empty())
                            .copied()
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                    "MAKE_FUNCTION" => ["defaults", "kwdefaults", "annotations", "closure"]
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| n & (1 << i) != 0)
                        .map(|(_, s)| *s)
                        .collect::<Vec<_>>()
                        .join(", "),
                    _ => String::new(),
                },
                Arg::None => String::new(),
            };
            code.instrs.push(Instr {
                offset: off,
                op: x.op,
                arg: if has_arg(x.op) { Some(arg) } else { None },
                argrepr,
                line: x.line,
                jump_target: ext[k][j] == 0 && (targets.contains(&(off / 2)) || handler_offsets.contains(&off)),
            });
            off += 2 * (1 + caches(x.op));
        }
    }
    code
}

fn exc_entry(cfg: &Cfg<'_>, hb: usize, start: u32, end: u32) -> ExcEntry {
    let b = &cfg.b[hb];
    let mut depth = b.start_depth.unwrap_or(1) - 1;
    if b.preserve_lasti {
        depth -= 1;
    }
    ExcEntry { start, end: end - 2, target: b.offset * 2, depth: depth.max(0) as u32, lasti: b.preserve_lasti }
}

const BINARY_OPS: [&str; 26] = [
    "+", "&", "//", "<<", "@", "*", "%", "|", "**", ">>", "-", "/", "^", "+=", "&=", "//=", "<<=", "@=", "*=", "%=",
    "|=", "**=", ">>=", "-=", "/=", "^=",
];
