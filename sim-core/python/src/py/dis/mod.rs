//! The program as CPython 3.11 compiles it: `threadline dis FILE.py` prints what
//! `python3 -m dis FILE.py` prints, and the code panel shows a line's instructions.
//!
//! The compiler here follows CPython 3.11's `Python/compile.c`: the same code objects
//! (module, functions, lambdas, classes, comprehensions), the same instructions in the same
//! order with the same arguments (constant, name and local tables filled as CPython fills
//! them), the inline caches counted into the offsets, the same control-flow clean-up (jump
//! threading, constant conditions, dead code, exit blocks copied for line numbers, `NOP`s
//! kept only where a line has nothing else) and the same exception table. A construct it does
//! not compile yet makes its code object say so at its line instead of showing guesses.
//!
//! Threadline does not *execute* this bytecode: its interpreter walks the program's tree, and
//! its switch points are CPython's eval-breaker checks placed where these instructions are
//! (`JUMP_BACKWARD`, `RESUME`, after `CALL`; every instruction under 3.9).

mod codegen;
mod flow;
mod symtable;

use super::CompileError;
use std::fmt::Write as _;

/// One instruction as `dis` lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instr {
    /// Byte offset in the code object (inline caches counted).
    pub offset: u32,
    /// CPython 3.11's name for it (`LOAD_GLOBAL`).
    pub op: &'static str,
    /// Its argument, for instructions that take one.
    pub arg: Option<u32>,
    /// The argument in words (`NULL + range`, `to 42`, `+=`).
    pub argrepr: String,
    /// The source line, if the instruction has one.
    pub line: Option<u32>,
    /// Whether a jump lands here (`>>`).
    pub jump_target: bool,
}

/// One entry of a code object's exception table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExcEntry {
    /// First offset covered.
    pub start: u32,
    /// Last offset covered (inclusive, as `dis` prints it).
    pub end: u32,
    /// The handler's offset.
    pub target: u32,
    /// Stack depth at the handler.
    pub depth: u32,
    /// Whether the handler gets the offset of the instruction that raised.
    pub lasti: bool,
}

/// One code object.
#[derive(Clone, Debug)]
pub struct CodeObject {
    /// `<module>`, a function's name, `<lambda>`, `<listcomp>`, a class's name.
    pub name: String,
    /// Its first line.
    pub first_line: u32,
    /// The instructions.
    pub instrs: Vec<Instr>,
    /// The exception table.
    pub exceptions: Vec<ExcEntry>,
    /// Constants that are code objects: indices into [`Listing::codes`], in constant order.
    pub children: Vec<usize>,
    /// What could not be compiled, and where: the object then has no instructions.
    pub unsupported: Option<(u32, String)>,
}

/// A whole file: the module's code object first, then the others in `dis`'s order.
#[derive(Clone, Debug)]
pub struct Listing {
    /// The file name, as `dis` prints it in a code object's repr.
    pub file: String,
    /// Every code object; `codes[0]` is the module.
    pub codes: Vec<CodeObject>,
}

/// Compile `src` as CPython 3.11 would, or the syntax error.
pub fn dis(src: &str, file: &str) -> Result<Listing, CompileError> {
    let parsed = super::lower::parse(src)?;
    let lines = super::lower::Lines::new(src);
    let table = symtable::build(parsed.body());
    let mut codes = Vec::new();
    codegen::module(parsed.body(), src, &lines, &table, &mut codes);
    let mut listing = Listing { file: file.to_owned(), codes };
    // A code object constant shows that object's repr.
    let reprs: Vec<String> = (0..listing.codes.len()).map(|i| listing.code_repr(i)).collect();
    for c in &mut listing.codes {
        for x in &mut c.instrs {
            if let Some(i) = x.argrepr.strip_prefix('\u{1}').and_then(|n| n.parse::<usize>().ok()) {
                x.argrepr = reprs.get(i).cloned().unwrap_or_default();
            }
        }
    }
    Ok(listing)
}

impl Listing {
    /// A code object's repr as `dis` prints it (the address is made up, as addresses vary).
    pub fn code_repr(&self, i: usize) -> String {
        let c = &self.codes[i];
        format!(
            "<code object {} at 0x{:012x}, file \"{}\", line {}>",
            c.name,
            0x7f00_0000_0000u64 + (i as u64) * 0x100,
            self.file,
            c.first_line
        )
    }

    /// The listing `python3 -m dis FILE` prints (CPython 3.11's format).
    pub fn render(&self) -> String {
        let mut out = String::new();
        self.render_code(0, &mut out);
        out
    }

    fn render_code(&self, i: usize, out: &mut String) {
        let c = &self.codes[i];
        if let Some((line, what)) = &c.unsupported {
            let _ = writeln!(out, "  (not shown as bytecode yet: {what} at line {line})");
        }
        let max_line = c.instrs.iter().filter_map(|x| x.line).max().unwrap_or(0);
        let lw = if c.instrs.iter().any(|x| x.line.is_some()) {
            if max_line >= 1000 { max_line.to_string().len() } else { 3 }
        } else {
            0
        };
        let max_off = c.instrs.last().map_or(0, |x| x.offset);
        let ow = if max_off >= 10000 { max_off.to_string().len() } else { 4 };
        let mut last = None;
        for x in &c.instrs {
            let starts = match x.line {
                Some(l) if Some(l) != last => {
                    last = Some(l);
                    Some(l)
                }
                _ => None,
            };
            if starts.is_some() && x.offset > 0 {
                out.push('\n');
            }
            let mut f: Vec<String> = Vec::new();
            if lw > 0 {
                f.push(match starts {
                    Some(l) => format!("{l:>lw$}"),
                    None => " ".repeat(lw),
                });
            }
            f.push("   ".into());
            f.push(if x.jump_target { ">>".into() } else { "  ".into() });
            f.push(format!("{:>ow$}", x.offset));
            f.push(format!("{:<20}", x.op));
            if let Some(a) = x.arg {
                f.push(format!("{a:>5}"));
                if !x.argrepr.is_empty() {
                    f.push(format!("({})", x.argrepr));
                }
            }
            let _ = writeln!(out, "{}", f.join(" ").trim_end());
        }
        if !c.exceptions.is_empty() {
            out.push_str("ExceptionTable:\n");
            for e in &c.exceptions {
                let _ = writeln!(
                    out,
                    "  {} to {} -> {} [{}]{}",
                    e.start,
                    e.end,
                    e.target,
                    e.depth,
                    if e.lasti { " lasti" } else { "" }
                );
            }
        }
        for &k in &c.children {
            let _ = write!(out, "\nDisassembly of {}:\n", self.code_repr(k));
            self.render_code(k, out);
        }
    }

    /// The instructions of source line `line`, each with the code object it belongs to,
    /// in the order `dis` lists them.
    pub fn at_line(&self, line: u32) -> Vec<(usize, &Instr)> {
        let mut out = Vec::new();
        self.walk(0, &mut |k, c| {
            for x in &c.instrs {
                if x.line == Some(line) {
                    out.push((k, x));
                }
            }
        });
        out
    }

    fn walk<'a>(&'a self, i: usize, f: &mut impl FnMut(usize, &'a CodeObject)) {
        let c = &self.codes[i];
        f(i, c);
        for &k in &c.children {
            self.walk(k, f);
        }
    }
}
