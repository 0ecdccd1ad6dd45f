//! The small Python-expression language of scenario files: `n * 10`, `$permits`,
//! `f"Thread {id}: {i}"`, `items[1:]`, `factorial(x)`.
//!
//! `$name` is a scenario parameter; a bare name is a local of the running thread, else a
//! shared variable. Templates (print text) are f-strings without the `f`.

use crate::pyerror::PyError;
use crate::value::Value;

/// A parsed expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// A literal.
    Lit(Value),
    /// A local or shared variable.
    Name(String),
    /// A scenario parameter (`$threads`).
    Param(String),
    /// `-x`, `not x`.
    Unary(UnOp, Box<Expr>),
    /// `a + b`, `a == b`, `a and b`…
    Bin(BinOp, Box<Expr>, Box<Expr>),
    /// A builtin call: `len(x)`.
    Call(String, Vec<Expr>),
    /// `x[i]`.
    Index(Box<Expr>, Box<Expr>),
    /// `x[lo:hi]`.
    Slice(Box<Expr>, Option<Box<Expr>>, Option<Box<Expr>>),
    /// `[a, b]`.
    List(Vec<Expr>),
    /// `(a, b)`.
    Tuple(Vec<Expr>),
    /// `f"…{x}…"`.
    FStr(Template),
}

/// Unary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    /// `-`
    Neg,
    /// `not`
    Not,
}

/// Binary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `//`
    FloorDiv,
    /// `%`
    Mod,
    /// `**`
    Pow,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `and`
    And,
    /// `or`
    Or,
    /// `in`
    In,
}

/// A print template: literal text and `{expr}` holes (`{{`/`}}` escape braces).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Template {
    /// The pieces in order.
    pub parts: Vec<Part>,
}

/// A piece of a template.
#[derive(Clone, Debug, PartialEq)]
pub enum Part {
    /// Text printed as is.
    Text(String),
    /// An expression printed with `str()`.
    Hole(Expr),
}

/// What an expression can see while it is evaluated.
pub trait Env {
    /// A local or shared variable.
    fn name(&mut self, name: &str) -> Result<Value, PyError>;
    /// A parameter value.
    fn param(&self, name: &str) -> Option<Value>;
    /// Seconds since the run started (`time()`).
    fn now_s(&self) -> f64;
}

// ---------------------------------------------------------------- lexer

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Int(i64),
    Float(f64),
    Str(String),
    FStr(String),
    Ident(String),
    Param(String),
    Op(&'static str),
}

const OPS: [&str; 22] = [
    "**", "//", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "<", ">", "(", ")", "[", "]", ",", ":", "{", "}", "!",
];

fn lex(src: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = src.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '_') {
                i += 1;
            }
            let mut is_float = i + 1 < chars.len() && chars[i] == '.' && chars[i + 1].is_ascii_digit();
            if is_float {
                i += 1;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
            }
            // An exponent: 1e300, 2.5e-3.
            if matches!(chars.get(i), Some('e' | 'E')) {
                let mut j = i + 1;
                if matches!(chars.get(j), Some('+' | '-')) {
                    j += 1;
                }
                if chars.get(j).is_some_and(char::is_ascii_digit) {
                    while j < chars.len() && chars[j].is_ascii_digit() {
                        j += 1;
                    }
                    i = j;
                    is_float = true;
                }
            }
            let text: String = chars[start..i].iter().filter(|c| **c != '_').collect();
            if is_float {
                toks.push(Tok::Float(text.parse().map_err(|_| format!("bad number {text}"))?));
            } else {
                toks.push(Tok::Int(text.parse().map_err(|_| format!("integer {text} is too large"))?));
            }
        } else if c == '\'' || c == '"' || ((c == 'f' || c == 'F') && matches!(chars.get(i + 1), Some('\'' | '"'))) {
            let is_f = c == 'f' || c == 'F';
            if is_f {
                i += 1;
            }
            let quote = chars[i];
            i += 1;
            let mut s = String::new();
            loop {
                match chars.get(i) {
                    None => return Err("unterminated string".into()),
                    Some(&ch) if ch == quote => {
                        i += 1;
                        break;
                    }
                    Some('\\') => {
                        let esc = chars.get(i + 1).ok_or("unterminated string")?;
                        s.push(match esc {
                            'n' => '\n',
                            't' => '\t',
                            other => *other,
                        });
                        i += 2;
                    }
                    Some(&ch) => {
                        s.push(ch);
                        i += 1;
                    }
                }
            }
            toks.push(if is_f { Tok::FStr(s) } else { Tok::Str(s) });
        } else if c.is_alphabetic() || c == '_' || c == '$' {
            let start = i;
            i += 1;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            if let Some(p) = word.strip_prefix('$') {
                if p.is_empty() {
                    return Err("`$` must be followed by a parameter name".into());
                }
                toks.push(Tok::Param(p.to_string()));
            } else {
                toks.push(Tok::Ident(word));
            }
        } else {
            let rest: String = chars[i..chars.len().min(i + 2)].iter().collect();
            let op =
                OPS.iter().find(|op| rest.starts_with(**op)).ok_or_else(|| format!("unexpected character {c:?}"))?;
            toks.push(Tok::Op(op));
            i += op.chars().count();
        }
    }
    Ok(toks)
}

// ---------------------------------------------------------------- parser

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn eat_op(&mut self, op: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Op(o)) if *o == op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn eat_word(&mut self, w: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Ident(i)) if i == w) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn expect_op(&mut self, op: &str) -> Result<(), String> {
        if self.eat_op(op) { Ok(()) } else { Err(format!("expected `{op}`")) }
    }

    fn expr(&mut self) -> Result<Expr, String> {
        self.or()
    }
    fn or(&mut self) -> Result<Expr, String> {
        let mut lhs = self.and()?;
        while self.eat_word("or") {
            lhs = Expr::Bin(BinOp::Or, Box::new(lhs), Box::new(self.and()?));
        }
        Ok(lhs)
    }
    fn and(&mut self) -> Result<Expr, String> {
        let mut lhs = self.not()?;
        while self.eat_word("and") {
            lhs = Expr::Bin(BinOp::And, Box::new(lhs), Box::new(self.not()?));
        }
        Ok(lhs)
    }
    fn not(&mut self) -> Result<Expr, String> {
        if self.eat_word("not") {
            return Ok(Expr::Unary(UnOp::Not, Box::new(self.not()?)));
        }
        self.cmp()
    }
    fn cmp(&mut self) -> Result<Expr, String> {
        let lhs = self.sum()?;
        let op = match self.peek() {
            Some(Tok::Op("==")) => BinOp::Eq,
            Some(Tok::Op("!=")) => BinOp::Ne,
            Some(Tok::Op("<")) => BinOp::Lt,
            Some(Tok::Op("<=")) => BinOp::Le,
            Some(Tok::Op(">")) => BinOp::Gt,
            Some(Tok::Op(">=")) => BinOp::Ge,
            Some(Tok::Ident(w)) if w == "in" => BinOp::In,
            _ => return Ok(lhs),
        };
        self.pos += 1;
        Ok(Expr::Bin(op, Box::new(lhs), Box::new(self.sum()?)))
    }
    fn sum(&mut self) -> Result<Expr, String> {
        let mut lhs = self.term()?;
        loop {
            let op = if self.eat_op("+") {
                BinOp::Add
            } else if self.eat_op("-") {
                BinOp::Sub
            } else {
                return Ok(lhs);
            };
            lhs = Expr::Bin(op, Box::new(lhs), Box::new(self.term()?));
        }
    }
    fn term(&mut self) -> Result<Expr, String> {
        let mut lhs = self.unary()?;
        loop {
            let op = if self.eat_op("*") {
                BinOp::Mul
            } else if self.eat_op("//") {
                BinOp::FloorDiv
            } else if self.eat_op("/") {
                BinOp::Div
            } else if self.eat_op("%") {
                BinOp::Mod
            } else {
                return Ok(lhs);
            };
            lhs = Expr::Bin(op, Box::new(lhs), Box::new(self.unary()?));
        }
    }
    fn unary(&mut self) -> Result<Expr, String> {
        if self.eat_op("-") {
            return Ok(Expr::Unary(UnOp::Neg, Box::new(self.unary()?)));
        }
        let base = self.postfix()?;
        if self.eat_op("**") {
            return Ok(Expr::Bin(BinOp::Pow, Box::new(base), Box::new(self.unary()?)));
        }
        Ok(base)
    }
    fn postfix(&mut self) -> Result<Expr, String> {
        let mut e = self.atom()?;
        while self.eat_op("[") {
            let lo = if matches!(self.peek(), Some(Tok::Op(":"))) { None } else { Some(Box::new(self.expr()?)) };
            if self.eat_op(":") {
                let hi = if matches!(self.peek(), Some(Tok::Op("]"))) { None } else { Some(Box::new(self.expr()?)) };
                self.expect_op("]")?;
                e = Expr::Slice(Box::new(e), lo, hi);
            } else {
                self.expect_op("]")?;
                e = Expr::Index(Box::new(e), lo.ok_or("empty index")?);
            }
        }
        Ok(e)
    }
    fn seq(&mut self, close: &str) -> Result<(Vec<Expr>, bool), String> {
        let mut items = Vec::new();
        let mut trailing_comma = false;
        while !self.eat_op(close) {
            items.push(self.expr()?);
            trailing_comma = self.eat_op(",");
            if !trailing_comma {
                self.expect_op(close)?;
                break;
            }
        }
        Ok((items, trailing_comma))
    }
    fn atom(&mut self) -> Result<Expr, String> {
        match self.next() {
            Some(Tok::Int(i)) => Ok(Expr::Lit(Value::Int(i))),
            Some(Tok::Float(f)) => Ok(Expr::Lit(Value::Float(f))),
            Some(Tok::Str(s)) => Ok(Expr::Lit(Value::Str(s))),
            Some(Tok::FStr(s)) => Ok(Expr::FStr(parse_template(&s)?)),
            Some(Tok::Param(p)) => Ok(Expr::Param(p)),
            Some(Tok::Ident(w)) => match w.as_str() {
                "True" => Ok(Expr::Lit(Value::Bool(true))),
                "False" => Ok(Expr::Lit(Value::Bool(false))),
                "None" => Ok(Expr::Lit(Value::None)),
                _ if self.eat_op("(") => {
                    let (args, _) = self.seq(")")?;
                    if !BUILTINS.contains(&w.as_str()) {
                        return Err(format!("unknown function `{w}` (known: {})", BUILTINS.join(", ")));
                    }
                    Ok(Expr::Call(w, args))
                }
                _ => Ok(Expr::Name(w)),
            },
            Some(Tok::Op("(")) => {
                let (items, trailing) = self.seq(")")?;
                if items.len() == 1 && !trailing {
                    Ok(items.into_iter().next().unwrap_or(Expr::Lit(Value::None)))
                } else {
                    Ok(Expr::Tuple(items))
                }
            }
            Some(Tok::Op("[")) => Ok(Expr::List(self.seq("]")?.0)),
            Some(t) => Err(format!("unexpected {}", tok_text(&t))),
            None => Err("unexpected end of expression".into()),
        }
    }
}

fn tok_text(t: &Tok) -> String {
    match t {
        Tok::Int(i) => i.to_string(),
        Tok::Float(f) => f.to_string(),
        Tok::Str(s) | Tok::FStr(s) => format!("{s:?}"),
        Tok::Ident(w) => format!("`{w}`"),
        Tok::Param(p) => format!("`${p}`"),
        Tok::Op(o) => format!("`{o}`"),
    }
}

/// The builtin functions an expression may call.
pub const BUILTINS: [&str; 12] =
    ["len", "str", "int", "float", "range", "factorial", "time", "round", "abs", "min", "max", "sum"];

/// Parse one expression.
pub fn parse(src: &str) -> Result<Expr, String> {
    let mut p = Parser { toks: lex(src)?, pos: 0 };
    let e = p.expr()?;
    if let Some(t) = p.peek() {
        return Err(format!("unexpected {} after the expression", tok_text(t)));
    }
    Ok(e)
}

/// Parse a print template: `"Thread {id}: {i}"`.
pub fn parse_template(src: &str) -> Result<Template, String> {
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut chars = src.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                text.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                text.push('}');
            }
            '{' => {
                let mut inner = String::new();
                let mut depth = 0;
                loop {
                    match chars.next() {
                        None => return Err("unclosed `{` in template".into()),
                        Some('}') if depth == 0 => break,
                        Some(ch) => {
                            match ch {
                                '(' | '[' | '{' => depth += 1,
                                ')' | ']' | '}' => depth -= 1,
                                _ => {}
                            }
                            inner.push(ch);
                        }
                    }
                }
                if !text.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut text)));
                }
                parts.push(Part::Hole(parse(&inner).map_err(|e| format!("in {{{inner}}}: {e}"))?));
            }
            '}' => return Err("single `}` in template (write `}}`)".into()),
            other => text.push(other),
        }
    }
    if !text.is_empty() {
        parts.push(Part::Text(text));
    }
    Ok(Template { parts })
}

impl Expr {
    /// Every `$param` this expression mentions.
    pub fn params(&self, out: &mut Vec<String>) {
        match self {
            Expr::Param(p) => out.push(p.clone()),
            Expr::Lit(_) | Expr::Name(_) => {}
            Expr::Unary(_, e) => e.params(out),
            Expr::Bin(_, a, b) | Expr::Index(a, b) => {
                a.params(out);
                b.params(out);
            }
            Expr::Slice(a, lo, hi) => {
                a.params(out);
                for e in [lo, hi].into_iter().flatten() {
                    e.params(out);
                }
            }
            Expr::Call(_, items) | Expr::List(items) | Expr::Tuple(items) => {
                items.iter().for_each(|e| e.params(out));
            }
            Expr::FStr(t) => t.params(out),
        }
    }
}

impl Template {
    /// Every `$param` the template mentions.
    pub fn params(&self, out: &mut Vec<String>) {
        for p in &self.parts {
            if let Part::Hole(e) = p {
                e.params(out);
            }
        }
    }

    /// Render with `str()` of each hole.
    pub fn render(&self, env: &mut dyn Env) -> Result<String, PyError> {
        let mut s = String::new();
        for p in &self.parts {
            match p {
                Part::Text(t) => s.push_str(t),
                Part::Hole(e) => s.push_str(&eval(e, env)?.to_string()),
            }
        }
        Ok(s)
    }
}

// ---------------------------------------------------------------- evaluation

fn num_err(op: &str, a: &Value, b: &Value) -> PyError {
    PyError::type_error(format!("unsupported operand type(s) for {op}: '{}' and '{}'", a.type_name(), b.type_name()))
}

fn arith(op: BinOp, a: Value, b: Value) -> Result<Value, PyError> {
    use Value::{Float, Int, List, Str};
    let sym = match op {
        BinOp::Add => "+",
        BinOp::Sub => "-",
        BinOp::Mul => "*",
        BinOp::Div => "/",
        BinOp::FloorDiv => "//",
        BinOp::Mod => "%",
        _ => "**",
    };
    match (op, &a, &b) {
        (BinOp::Add, Str(x), Str(y)) => return Ok(Str(format!("{x}{y}"))),
        (BinOp::Add, List(x), List(y)) => return Ok(List(x.iter().chain(y).cloned().collect())),
        (BinOp::Mul, Str(x), Int(n)) | (BinOp::Mul, Int(n), Str(x)) => {
            if (x.len() as i64).saturating_mul((*n).max(0)) > MAX_RANGE {
                return Err(PyError::new("MemoryError", "string too large for this simulator"));
            }
            return Ok(Str(x.repeat((*n).max(0) as usize)));
        }
        (BinOp::Mul, List(x), Int(n)) | (BinOp::Mul, Int(n), List(x)) => {
            if (x.len() as i64).saturating_mul((*n).max(0)) > MAX_RANGE {
                return Err(PyError::new("MemoryError", "list too large for this simulator"));
            }
            return Ok(List(x.iter().cloned().cycle().take(x.len() * (*n).max(0) as usize).collect()));
        }
        _ => {}
    }
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        let overflow = || PyError::new("OverflowError", "integer result too large for this simulator (64-bit)");
        let zero = || PyError::new("ZeroDivisionError", "integer division or modulo by zero");
        return Ok(match op {
            BinOp::Add => Int(x.checked_add(y).ok_or_else(overflow)?),
            BinOp::Sub => Int(x.checked_sub(y).ok_or_else(overflow)?),
            BinOp::Mul => Int(x.checked_mul(y).ok_or_else(overflow)?),
            BinOp::Div if y == 0 => return Err(PyError::new("ZeroDivisionError", "division by zero")),
            BinOp::Div => Float(x as f64 / y as f64),
            BinOp::FloorDiv if y == 0 => return Err(zero()),
            // In i128, so i64::MIN // -1 is an OverflowError, not a panic.
            BinOp::FloorDiv => Int(i64::try_from(
                (x as i128).div_euclid(y as i128) - i128::from((x as i128).rem_euclid(y as i128) != 0 && y < 0),
            )
            .map_err(|_| overflow())?),
            BinOp::Mod if y == 0 => return Err(zero()),
            // Python's sign follows the divisor.
            BinOp::Mod => {
                Int(i64::try_from(((x as i128 % y as i128) + y as i128) % y as i128).map_err(|_| overflow())?)
            }
            _ => {
                if y < 0 {
                    Float((x as f64).powf(y as f64))
                } else {
                    Int(x.checked_pow(u32::try_from(y).map_err(|_| overflow())?).ok_or_else(overflow)?)
                }
            }
        });
    }
    let (Some(x), Some(y)) = (a.as_f64(), b.as_f64()) else { return Err(num_err(sym, &a, &b)) };
    Ok(Float(match op {
        BinOp::Add => x + y,
        BinOp::Sub => x - y,
        BinOp::Mul => x * y,
        BinOp::Div | BinOp::FloorDiv | BinOp::Mod if y == 0.0 => {
            return Err(PyError::new("ZeroDivisionError", "float division by zero"));
        }
        BinOp::Div => x / y,
        BinOp::FloorDiv => (x / y).floor(),
        BinOp::Mod => x.rem_euclid(y),
        _ => x.powf(y),
    }))
}

fn compare(op: BinOp, a: &Value, b: &Value) -> Result<bool, PyError> {
    let ord = match (a, b) {
        (Value::Str(x), Value::Str(y)) => x.cmp(y),
        _ => match (a.as_f64(), b.as_f64()) {
            (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal),
            _ => {
                return Err(PyError::type_error(format!(
                    "'<' not supported between instances of '{}' and '{}'",
                    a.type_name(),
                    b.type_name()
                )));
            }
        },
    };
    Ok(match op {
        BinOp::Lt => ord.is_lt(),
        BinOp::Le => ord.is_le(),
        BinOp::Gt => ord.is_gt(),
        _ => ord.is_ge(),
    })
}

fn values_eq(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) if !matches!((a, b), (Value::Str(_), _) | (_, Value::Str(_))) => x == y,
        _ => a == b,
    }
}

fn seq_items(v: &Value) -> Result<Vec<Value>, PyError> {
    match v {
        Value::List(l) => Ok(l.clone()),
        Value::Tuple(t) => Ok(t.tuple.clone()),
        Value::Str(s) => Ok(s.chars().map(|c| Value::Str(c.to_string())).collect()),
        other => Err(PyError::type_error(format!("'{}' object is not iterable", other.type_name()))),
    }
}

/// Largest `range()` or `factorial()` an expression may build: keeps a hostile file bounded.
const MAX_RANGE: i64 = 1_000_000;

fn call(name: &str, args: Vec<Value>, env: &mut dyn Env) -> Result<Value, PyError> {
    let arg = |i: usize| args.get(i).cloned().unwrap_or_default();
    let int_arg = |i: usize| {
        arg(i).as_i64().ok_or_else(|| {
            PyError::type_error(format!("{name}() argument must be an int, not '{}'", arg(i).type_name()))
        })
    };
    Ok(match name {
        "len" => Value::Int(seq_items(&arg(0))?.len() as i64),
        "str" => Value::Str(arg(0).to_string()),
        "int" => match arg(0) {
            Value::Float(f) => Value::Int(f.trunc() as i64),
            Value::Str(s) => Value::Int(s.trim().parse().map_err(|_| {
                PyError::new(
                    "ValueError",
                    format!("invalid literal for int() with base 10: {}", Value::Str(s.clone()).repr()),
                )
            })?),
            other => Value::Int(int_arg(0).map_err(|_| {
                PyError::type_error(format!("int() argument must be a string or a number, not '{}'", other.type_name()))
            })?),
        },
        "float" => {
            Value::Float(arg(0).as_f64().ok_or_else(|| PyError::type_error("float() argument must be a number"))?)
        }
        "range" => {
            let (lo, hi) = if args.len() >= 2 { (int_arg(0)?, int_arg(1)?) } else { (0, int_arg(0)?) };
            if hi.saturating_sub(lo) > MAX_RANGE {
                return Err(PyError::new("MemoryError", format!("range of more than {MAX_RANGE} items")));
            }
            Value::List((lo..hi).map(Value::Int).collect())
        }
        "factorial" => {
            let n = int_arg(0)?;
            if n < 0 {
                return Err(PyError::new("ValueError", "factorial() not defined for negative values"));
            }
            let mut acc: i64 = 1;
            for k in 2..=n {
                acc = acc.checked_mul(k).ok_or_else(|| {
                    PyError::new("OverflowError", "factorial result too large for this simulator (64-bit)")
                })?;
            }
            Value::Int(acc)
        }
        "time" => Value::Float(env.now_s()),
        "round" => {
            let x = arg(0).as_f64().ok_or_else(|| PyError::type_error("round() needs a number"))?;
            match args.get(1) {
                None => Value::Int(x.round() as i64),
                Some(d) => {
                    let p = 10f64.powi(d.as_i64().unwrap_or(0) as i32);
                    Value::Float((x * p).round() / p)
                }
            }
        }
        "abs" => match arg(0) {
            Value::Int(i) => Value::Int(i.abs()),
            v => Value::Float(v.as_f64().ok_or_else(|| PyError::type_error("bad operand type for abs()"))?.abs()),
        },
        "min" | "max" | "sum" => {
            let items = if args.len() == 1 { seq_items(&arg(0))? } else { args.clone() };
            if name == "sum" {
                let mut acc = Value::Int(0);
                for v in items {
                    acc = arith(BinOp::Add, acc, v)?;
                }
                acc
            } else {
                let mut best: Option<Value> = None;
                for v in items {
                    best = Some(match best {
                        None => v,
                        Some(b) => {
                            let better = compare(if name == "min" { BinOp::Lt } else { BinOp::Gt }, &v, &b)?;
                            if better { v } else { b }
                        }
                    });
                }
                best.ok_or_else(|| PyError::new("ValueError", format!("{name}() arg is an empty sequence")))?
            }
        }
        other => return Err(PyError::name_error(other)),
    })
}

fn index_of(len: usize, i: i64) -> Option<usize> {
    let idx = if i < 0 { len as i64 + i } else { i };
    (0..len as i64).contains(&idx).then_some(idx as usize)
}

/// Evaluate an expression.
pub fn eval(e: &Expr, env: &mut dyn Env) -> Result<Value, PyError> {
    Ok(match e {
        Expr::Lit(v) => v.clone(),
        Expr::Name(n) => env.name(n)?,
        Expr::Param(p) => env.param(p).ok_or_else(|| PyError::name_error(&format!("${p}")))?,
        Expr::Unary(UnOp::Not, x) => Value::Bool(!eval(x, env)?.truthy()),
        Expr::Unary(UnOp::Neg, x) => arith(BinOp::Sub, Value::Int(0), eval(x, env)?)?,
        Expr::Bin(BinOp::And, a, b) => {
            let x = eval(a, env)?;
            if x.truthy() { eval(b, env)? } else { x }
        }
        Expr::Bin(BinOp::Or, a, b) => {
            let x = eval(a, env)?;
            if x.truthy() { x } else { eval(b, env)? }
        }
        Expr::Bin(op, a, b) => {
            let (x, y) = (eval(a, env)?, eval(b, env)?);
            match op {
                BinOp::Eq => Value::Bool(values_eq(&x, &y)),
                BinOp::Ne => Value::Bool(!values_eq(&x, &y)),
                BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => Value::Bool(compare(*op, &x, &y)?),
                BinOp::In => Value::Bool(seq_items(&y)?.iter().any(|v| values_eq(v, &x))),
                _ => arith(*op, x, y)?,
            }
        }
        Expr::Call(name, args) => {
            let vals = args.iter().map(|a| eval(a, env)).collect::<Result<Vec<_>, _>>()?;
            call(name, vals, env)?
        }
        Expr::Index(x, i) => {
            let items = seq_items(&eval(x, env)?)?;
            let i = eval(i, env)?.as_i64().ok_or_else(|| PyError::type_error("indices must be integers"))?;
            index_of(items.len(), i)
                .map(|k| items[k].clone())
                .ok_or_else(|| PyError::new("IndexError", "list index out of range"))?
        }
        Expr::Slice(x, lo, hi) => {
            let v = eval(x, env)?;
            let items = seq_items(&v)?;
            let len = items.len() as i64;
            let mut bound = |b: &Option<Box<Expr>>, default: i64| -> Result<usize, PyError> {
                let Some(b) = b else { return Ok(default as usize) };
                let i = eval(b, env)?.as_i64().ok_or_else(|| PyError::type_error("slice indices must be integers"))?;
                Ok((if i < 0 { len + i } else { i }).clamp(0, len) as usize)
            };
            let (l, h) = (bound(lo, 0)?, bound(hi, len)?);
            let part = if l < h { items[l..h].to_vec() } else { Vec::new() };
            match v {
                Value::Str(_) => Value::Str(part.iter().map(|c| c.to_string()).collect()),
                Value::Tuple(_) => Value::tuple(part),
                _ => Value::List(part),
            }
        }
        Expr::List(items) => Value::List(items.iter().map(|x| eval(x, env)).collect::<Result<_, _>>()?),
        Expr::Tuple(items) => Value::tuple(items.iter().map(|x| eval(x, env)).collect::<Result<_, _>>()?),
        Expr::FStr(t) => Value::Str(t.render(env)?),
    })
}

/// An environment with only parameters (for sizes and counts fixed before a run).
pub struct ParamEnv<'a> {
    /// Parameter values by name.
    pub params: &'a std::collections::BTreeMap<String, Value>,
    /// Locals visible too (thread index `id`…).
    pub locals: &'a [(&'a str, Value)],
}

impl Env for ParamEnv<'_> {
    fn name(&mut self, name: &str) -> Result<Value, PyError> {
        self.locals.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone()).ok_or_else(|| PyError::name_error(name))
    }
    fn param(&self, name: &str) -> Option<Value> {
        self.params.get(name).cloned()
    }
    fn now_s(&self) -> f64 {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn ev(src: &str) -> Value {
        let mut params = BTreeMap::new();
        params.insert("threads".to_string(), Value::Int(4));
        let locals = [("n", Value::Int(5)), ("items", Value::List(vec![Value::Int(1), Value::Int(2)]))];
        let mut env = ParamEnv { params: &params, locals: &locals };
        eval(&parse(src).unwrap(), &mut env).unwrap()
    }

    #[test]
    fn arithmetic_follows_python() {
        assert_eq!(ev("n + 20"), Value::Int(25));
        assert_eq!(ev("n * 10"), Value::Int(50));
        assert_eq!(ev("-7 // 2"), Value::Int(-4));
        assert_eq!(ev("-7 % 3"), Value::Int(2));
        assert_eq!(ev("7 / 2"), Value::Float(3.5));
        assert_eq!(ev("2 ** 10"), Value::Int(1024));
        assert_eq!(ev("$threads * 2 + 1"), Value::Int(9));
        assert_eq!(ev("factorial(15)"), Value::Int(1_307_674_368_000));
        assert_eq!(ev("1e3 + 2.5e-1"), Value::Float(1000.25));
    }

    #[test]
    fn sequences_and_strings() {
        assert_eq!(ev("items + [3]").to_string(), "[1, 2, 3]");
        assert_eq!(ev("items[1:]").to_string(), "[2]");
        assert_eq!(ev("items[-1]"), Value::Int(2));
        assert_eq!(ev("('A', 'B')").to_string(), "('A', 'B')");
        assert_eq!(ev("f'Slept for {n} seconds'"), Value::Str("Slept for 5 seconds".into()));
        assert_eq!(ev("'STOP' == 'STOP' and not 0"), Value::Bool(true));
        assert_eq!(ev("len(range(3))"), Value::Int(3));
        assert_eq!(ev("2 in items"), Value::Bool(true));
    }

    #[test]
    fn templates_render_holes_and_escapes() {
        let t = parse_template("n={n} {{literal}} {n * 2}").unwrap();
        let params = BTreeMap::new();
        let locals = [("n", Value::Int(3))];
        let mut env = ParamEnv { params: &params, locals: &locals };
        assert_eq!(t.render(&mut env).unwrap(), "n=3 {literal} 6");
    }

    #[test]
    fn errors_are_python_errors_not_panics() {
        assert!(parse("1 +").is_err());
        assert!(parse("foo(1)").unwrap_err().contains("unknown function"));
        assert!(parse_template("{unclosed").is_err());
        assert!(parse("99999999999999999999").is_err());
        let params = BTreeMap::new();
        let mut env = ParamEnv { params: &params, locals: &[] };
        let err = eval(&parse("x + 1").unwrap(), &mut env).unwrap_err();
        assert_eq!(err.to_string(), "NameError: name 'x' is not defined");
        let err = eval(&parse("1 // 0").unwrap(), &mut env).unwrap_err();
        assert_eq!(err.ty, "ZeroDivisionError");
        let err = eval(&parse("range(10000000000)").unwrap(), &mut env).unwrap_err();
        assert_eq!(err.ty, "MemoryError");
        // Hostile numbers give Python errors, never an arithmetic overflow panic.
        for (src, ty) in [
            ("range(-9223372036854775807, 9223372036854775807)", "MemoryError"),
            ("'x' * 9223372036854775807", "MemoryError"),
            ("[1, 2] * 9223372036854775807", "MemoryError"),
            ("(-9223372036854775807 - 1) // -1", "OverflowError"),
            ("9223372036854775807 * 2", "OverflowError"),
        ] {
            assert_eq!(eval(&parse(src).unwrap(), &mut env).unwrap_err().ty, ty, "{src}");
        }
        assert_eq!(eval(&parse("(-9223372036854775807 - 1) % -1").unwrap(), &mut env).unwrap(), Value::Int(0));
        assert_eq!(eval(&parse("7 // -2").unwrap(), &mut env).unwrap(), Value::Int(-4));
        assert_eq!(eval(&parse("7 % -2").unwrap(), &mut env).unwrap(), Value::Int(-1));
    }
}
