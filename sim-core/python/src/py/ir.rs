//! The closed program a Python file compiles to: every name resolved to a slot (function
//! locals and cells), a module global or a builtin; every literal a value; every construct
//! outside the supported subset refused before the program runs.

use super::value::V;
use std::sync::Arc;

/// Where a name lives.
#[derive(Clone, Debug)]
pub enum Name {
    /// A function local, by slot.
    Local(u32),
    /// A variable of an enclosing function, by index into the closure.
    Free(u32),
    /// A module global, by index; the builtin to fall back on when the global is unset.
    Global(u32, Option<Builtin>),
    /// A name looked up in the class body being executed, then globals.
    ClassBody(Arc<str>, u32, Option<Builtin>),
}

/// A builtin function or type, resolved at compile time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Builtin {
    Print,
    Range,
    Len,
    Enumerate,
    Zip,
    Sorted,
    Reversed,
    Sum,
    Min,
    Max,
    Abs,
    Round,
    Int,
    Float,
    Str,
    Repr,
    Bool,
    List,
    Tuple,
    Dict,
    Set,
    Isinstance,
    Any,
    All,
    Map,
    Filter,
    Iter,
    Next,
    Type,
    Id,
    Hash,
    Chr,
    Ord,
    Divmod,
    Pow,
    Hasattr,
    Getattr,
    Setattr,
    Delattr,
    Callable,
    Super,
    Object,
    Input,
    Open,
    Format,
    Frozenset,
    Issubclass,
    Exec,
    Eval,
    Globals,
    Locals,
    Vars,
    Dir,
    Bin,
    Hex,
    Oct,
    Property,
    StaticMethod,
    ClassMethod,
    Bytes,
    Ascii,
    /// `match`'s hidden helpers ([`crate::py::matching`]): no name reaches them.
    MatchSeq,
    MatchMap,
    MatchClass,
    MatchBind,
    MatchIsMap,
    /// `except*`'s hidden helpers ([`crate::py::excgroup`]).
    ExcStarSplit,
    ExcStarEnd,
    ExcStarEnter,
    ExcStarLeave,
}

impl Builtin {
    /// The builtin a name refers to, if any.
    pub fn from_name(n: &str) -> Option<Builtin> {
        use Builtin::*;
        Some(match n {
            "print" => Print,
            "bytes" => Bytes,
            "ascii" => Ascii,
            "range" => Range,
            "len" => Len,
            "enumerate" => Enumerate,
            "zip" => Zip,
            "sorted" => Sorted,
            "reversed" => Reversed,
            "sum" => Sum,
            "min" => Min,
            "max" => Max,
            "abs" => Abs,
            "round" => Round,
            "int" => Int,
            "float" => Float,
            "str" => Str,
            "repr" => Repr,
            "bool" => Bool,
            "list" => List,
            "tuple" => Tuple,
            "dict" => Dict,
            "set" => Set,
            "isinstance" => Isinstance,
            "any" => Any,
            "all" => All,
            "map" => Map,
            "filter" => Filter,
            "iter" => Iter,
            "next" => Next,
            "type" => Type,
            "id" => Id,
            "hash" => Hash,
            "chr" => Chr,
            "ord" => Ord,
            "divmod" => Divmod,
            "pow" => Pow,
            "hasattr" => Hasattr,
            "getattr" => Getattr,
            "setattr" => Setattr,
            "delattr" => Delattr,
            "callable" => Callable,
            "super" => Super,
            "object" => Object,
            "input" => Input,
            "open" => Open,
            "format" => Format,
            "frozenset" => Frozenset,
            "issubclass" => Issubclass,
            "exec" => Exec,
            "eval" => Eval,
            "globals" => Globals,
            "locals" => Locals,
            "vars" => Vars,
            "dir" => Dir,
            "bin" => Bin,
            "hex" => Hex,
            "oct" => Oct,
            "property" => Property,
            "staticmethod" => StaticMethod,
            "classmethod" => ClassMethod,
            _ => return None,
        })
    }

    /// Python's name for it.
    pub fn name(self) -> &'static str {
        use Builtin::*;
        match self {
            Print => "print",
            MatchSeq => "<match sequence>",
            MatchMap => "<match mapping>",
            MatchClass => "<match class>",
            MatchBind => "<match bind>",
            MatchIsMap => "<match is mapping>",
            ExcStarSplit => "<except* split>",
            ExcStarEnd => "<except* end>",
            ExcStarEnter => "<except* enter>",
            ExcStarLeave => "<except* leave>",
            Bytes => "bytes",
            Ascii => "ascii",
            Range => "range",
            Len => "len",
            Enumerate => "enumerate",
            Zip => "zip",
            Sorted => "sorted",
            Reversed => "reversed",
            Sum => "sum",
            Min => "min",
            Max => "max",
            Abs => "abs",
            Round => "round",
            Int => "int",
            Float => "float",
            Str => "str",
            Repr => "repr",
            Bool => "bool",
            List => "list",
            Tuple => "tuple",
            Dict => "dict",
            Set => "set",
            Isinstance => "isinstance",
            Any => "any",
            All => "all",
            Map => "map",
            Filter => "filter",
            Iter => "iter",
            Next => "next",
            Type => "type",
            Id => "id",
            Hash => "hash",
            Chr => "chr",
            Ord => "ord",
            Divmod => "divmod",
            Pow => "pow",
            Hasattr => "hasattr",
            Getattr => "getattr",
            Setattr => "setattr",
            Delattr => "delattr",
            Callable => "callable",
            Super => "super",
            Object => "object",
            Input => "input",
            Open => "open",
            Format => "format",
            Frozenset => "frozenset",
            Issubclass => "issubclass",
            Exec => "exec",
            Eval => "eval",
            Globals => "globals",
            Locals => "locals",
            Vars => "vars",
            Dir => "dir",
            Bin => "bin",
            Hex => "hex",
            Oct => "oct",
            Property => "property",
            StaticMethod => "staticmethod",
            ClassMethod => "classmethod",
        }
    }
}

/// Binary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    FloorDiv,
    Mod,
    Pow,
    LShift,
    RShift,
    BitOr,
    BitXor,
    BitAnd,
    MatMul,
}

impl BinOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::FloorDiv => "//",
            BinOp::Mod => "%",
            BinOp::Pow => "** or pow()",
            BinOp::LShift => "<<",
            BinOp::RShift => ">>",
            BinOp::BitOr => "|",
            BinOp::BitXor => "^",
            BinOp::BitAnd => "&",
            BinOp::MatMul => "@",
        }
    }
}

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    NotEq,
    Lt,
    LtE,
    Gt,
    GtE,
    Is,
    IsNot,
    In,
    NotIn,
}

/// Unary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    Not,
    Neg,
    Pos,
    Invert,
}

/// One argument of a call.
#[derive(Clone, Debug)]
pub enum Arg {
    /// `f(x)`
    Pos(Expr),
    /// `f(*xs)`
    Star(Expr),
    /// `f(k=x)`
    Kw(Arc<str>, Expr),
    /// `f(**kw)`
    StarStar(Expr),
}

/// One part of an f-string.
#[derive(Clone, Debug)]
pub enum FPart {
    /// Literal text.
    Lit(Arc<str>),
    /// `{expr!conv:spec}`.
    Expr {
        /// The expression.
        expr: Expr,
        /// `!r`, `!s`, `!a`.
        conv: Option<char>,
        /// The format spec (itself an f-string).
        spec: Option<Vec<FPart>>,
        /// `{x=}`: the text before the value.
        debug: Option<Arc<str>>,
    },
}

/// One `for … in … if …` of a comprehension.
#[derive(Clone, Debug)]
pub struct CompFor {
    /// The target.
    pub target: Target,
    /// The iterable.
    pub iter: Expr,
    /// The conditions.
    pub ifs: Vec<Expr>,
}

/// What a comprehension builds.
#[derive(Clone, Debug)]
pub enum CompKind {
    /// `[x for …]`
    List(Expr),
    /// `{x for …}`
    Set(Expr),
    /// `{k: v for …}`
    Dict(Expr, Expr),
    /// `(x for …)`: a generator, as lazy as CPython's.
    Gen(Expr),
}

/// An expression, with the line it is on.
#[derive(Clone, Debug)]
pub struct Expr {
    /// The line (1-based).
    pub line: u32,
    /// What it is.
    pub kind: Box<ExprKind>,
}

/// Expression kinds.
#[derive(Clone, Debug)]
pub enum ExprKind {
    Const(V),
    Name(Name, Arc<str>),
    Bin(BinOp, Expr, Expr),
    Unary(UnOp, Expr),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Compare(Expr, Vec<(CmpOp, Expr)>),
    IfExp(Expr, Expr, Expr),
    Call(Expr, Vec<Arg>),
    Attr(Expr, Arc<str>),
    Subscript(Expr, Expr),
    Slice(Option<Expr>, Option<Expr>, Option<Expr>),
    List(Vec<Expr>),
    Tuple(Vec<Expr>),
    Set(Vec<Expr>),
    Dict(Vec<(Option<Expr>, Expr)>),
    Starred(Expr),
    FString(Vec<FPart>),
    Lambda(Arc<FuncDef>),
    Comp(Arc<CompDef>),
    Walrus(Target, Expr),
    /// `yield v`: only ever the whole value of an expression statement or an assignment
    /// (the compiler hoists any other into one), run by [`super::frame`].
    Yield(Option<Expr>),
    /// `yield from it`, in the same places as `Yield`.
    YieldFrom(Expr),
    /// `await x`, in the same places as `Yield`.
    Await(Expr),
}

/// A comprehension: its own scope, run as a function with one argument (the first iterable).
#[derive(Clone, Debug)]
pub struct CompDef {
    /// The generators.
    pub fors: Vec<CompFor>,
    /// What it builds.
    pub kind: CompKind,
    /// Locals of the comprehension scope.
    pub n_locals: u32,
    /// Which locals are cells.
    pub cells: Vec<u32>,
    /// Where the closure's variables come from in the enclosing scope.
    pub free_from: Vec<Name>,
    /// A generator expression's code as a suspendable frame (and an async comprehension's:
    /// a coroutine that builds the result, or an async generator).
    pub frame_code: Option<Arc<super::frame::Code>>,
    /// The first `for` is `async for`: its iterable is passed as it is, not through `iter()`.
    pub first_async: bool,
}

/// An assignment target.
#[derive(Clone, Debug)]
pub enum Target {
    /// A name.
    Name(Name, Arc<str>),
    /// `obj.attr`
    Attr(Expr, Arc<str>),
    /// `obj[index]`
    Subscript(Expr, Expr),
    /// `a, b` / `[a, b]`, with the index of a starred target.
    Unpack(Vec<Target>, Option<usize>),
    /// `*rest` inside an unpacking.
    Starred(Box<Target>),
}

/// A function parameter.
#[derive(Clone, Debug)]
pub struct Param {
    /// Its name.
    pub name: Arc<str>,
    /// Its default (evaluated when `def` runs).
    pub default: Option<Expr>,
}

/// A function's parameters.
#[derive(Clone, Debug, Default)]
pub struct Params {
    /// Positional (and positional-only) parameters.
    pub args: Vec<Param>,
    /// `*args`.
    pub vararg: Option<Arc<str>>,
    /// Keyword-only parameters.
    pub kwonly: Vec<Param>,
    /// `**kwargs`.
    pub kwarg: Option<Arc<str>>,
}

/// A compiled function (or lambda).
#[derive(Clone, Debug)]
pub struct FuncDef {
    /// Its name (`<lambda>` for lambdas).
    pub name: Arc<str>,
    /// Its qualified name, as tracebacks and reprs show it.
    pub qualname: Arc<str>,
    /// Parameters; their slots are 0.. in order (args, vararg, kwonly, kwarg).
    pub params: Params,
    /// Locals (parameters first).
    pub n_locals: u32,
    /// Locals that inner functions capture (their slots hold cells).
    pub cells: Vec<u32>,
    /// Where each captured variable comes from in the defining scope.
    pub free_from: Vec<Name>,
    /// The body.
    pub body: Vec<Stmt>,
    /// `def` line.
    pub line: u32,
    /// Names of the locals (for messages).
    pub local_names: Vec<Arc<str>>,
    /// A generator function's (or coroutine's) body as a suspendable frame: calling the
    /// function makes a generator over this code instead of running `body`.
    pub frame_code: Option<Arc<super::frame::Code>>,
    /// An ordinary function's body as instructions for the frame loop (`vm`).
    pub vm: Option<Arc<super::vm::Code>>,
}

/// An `except` clause.
#[derive(Clone, Debug)]
pub struct Handler {
    /// The class(es) to catch; None catches everything.
    pub ty: Option<Expr>,
    /// `as name`.
    pub name: Option<Target>,
    /// The body.
    pub body: Vec<Stmt>,
    /// Its line.
    pub line: u32,
}

/// A statement, with its line.
#[derive(Clone, Debug)]
pub struct Stmt {
    /// The line (1-based).
    pub line: u32,
    /// What it is.
    pub kind: StmtKind,
}

/// Statement kinds.
#[derive(Clone, Debug)]
pub enum StmtKind {
    Expr(Expr),
    Assign(Vec<Target>, Expr),
    AugAssign(Target, BinOp, Expr),
    Def(Target, Arc<FuncDef>, Vec<Expr>),
    Class {
        target: Target,
        name: Arc<str>,
        bases: Vec<Expr>,
        body: Vec<Stmt>,
        decorators: Vec<Expr>,
        /// Where each free variable of the class body comes from (a local or free variable
        /// of the function around it), as a function's.
        free_from: Vec<Name>,
    },
    Return(Option<Expr>),
    If(Expr, Vec<Stmt>, Vec<Stmt>),
    While(Expr, Vec<Stmt>, Vec<Stmt>),
    For(Target, Expr, Vec<Stmt>, Vec<Stmt>),
    Break,
    Continue,
    Pass,
    With(Vec<(Expr, Option<Target>)>, Vec<Stmt>),
    Try {
        body: Vec<Stmt>,
        handlers: Vec<Handler>,
        orelse: Vec<Stmt>,
        finally: Vec<Stmt>,
    },
    Raise(Option<Expr>, Option<Expr>),
    Assert(Expr, Option<Expr>),
    Delete(Vec<Target>),
    Import(Vec<(String, Target)>),
    ImportFrom(String, Vec<(String, Target)>),
}

/// A private name as CPython's compiler writes it inside class `class` (`_Py_Mangle`):
/// `__spam` is `_C__spam`, the class's leading underscores dropped; a dunder name, a dotted
/// one, or a class named only with underscores leaves it as it is. The compiler mangles
/// names and attributes with it, a class's `__slots__` its slot names.
pub fn mangled(class: &str, name: &str) -> Arc<str> {
    let owner = class.trim_start_matches('_');
    if !name.starts_with("__") || name.ends_with("__") || name.contains('.') || owner.is_empty() {
        return Arc::from(name);
    }
    Arc::from(format!("_{owner}{name}"))
}
