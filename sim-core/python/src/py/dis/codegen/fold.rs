//! The AST optimizer's part: constants folded, `%`-formatting turned into f-string parts,
//! and the small tables the code generator looks operators up in.

use super::super::flow::Const;
use ruff_python_ast::{self as ast};

pub(super) enum Percent {
    Lit(String),
    Arg { index: usize, conv: u32, spec: Option<String> },
}

/// CPython 3.11's `optimize_format`: `'%s and %r' % (a, b)` as f-string parts, when every
/// conversion is `%s`, `%r` or `%a` (with at most `-`, a width and a precision) and there
/// is one per item.
pub(super) fn percent_format(fmt: &str, n: usize) -> Option<Vec<Percent>> {
    let chars: Vec<char> = fmt.chars().collect();
    let mut pos = 0;
    let mut out = Vec::new();
    let literal = |pos: &mut usize, out: &mut Vec<Percent>| {
        let mut lit = String::new();
        while *pos < chars.len() {
            if chars[*pos] != '%' {
                lit.push(chars[*pos]);
                *pos += 1;
            } else if *pos + 1 < chars.len() && chars[*pos + 1] == '%' {
                lit.push('%');
                *pos += 2;
            } else {
                break;
            }
        }
        if !lit.is_empty() {
            out.push(Percent::Lit(lit));
        }
    };
    for index in 0..n {
        literal(&mut pos, &mut out);
        // At a '%': flags, width, precision, conversion.
        pos += 1;
        let mut ljust = false;
        loop {
            let c = *chars.get(pos)?;
            match c {
                '-' => ljust = true,
                '+' | ' ' | '#' | '0' => return None,
                _ => break,
            }
            pos += 1;
        }
        let mut width: Option<u32> = None;
        while let Some(d) = chars.get(pos).and_then(|c| c.to_digit(10)) {
            width = Some(width.unwrap_or(0).checked_mul(10)?.checked_add(d)?);
            pos += 1;
        }
        let mut prec: Option<u32> = None;
        if chars.get(pos) == Some(&'.') {
            pos += 1;
            prec = Some(0);
            while let Some(d) = chars.get(pos).and_then(|c| c.to_digit(10)) {
                prec = Some(prec.unwrap_or(0).checked_mul(10)?.checked_add(d)?);
                pos += 1;
            }
        }
        let conv = match *chars.get(pos)? {
            's' => 1,
            'r' => 2,
            'a' => 3,
            _ => return None,
        };
        pos += 1;
        let mut spec = String::new();
        if !ljust && width.is_some_and(|w| w > 0) {
            spec.push('>');
        }
        if let Some(w) = width {
            spec.push_str(&w.to_string());
        }
        if let Some(p) = prec {
            spec.push_str(&format!(".{p}"));
        }
        out.push(Percent::Arg { index, conv, spec: (!spec.is_empty()).then_some(spec) });
    }
    literal(&mut pos, &mut out);
    (pos >= chars.len()).then_some(out)
}

pub(super) enum FPart<'a> {
    Lit(String),
    Value(&'a ast::InterpolatedElement),
}

pub(super) fn push_lit(parts: &mut Vec<FPart<'_>>, s: &str) {
    if s.is_empty() {
        return;
    }
    if let Some(FPart::Lit(prev)) = parts.last_mut() {
        prev.push_str(s);
    } else {
        parts.push(FPart::Lit(s.to_owned()));
    }
}

/// `a in b`, `a not in b`, `a is b`, `a is not b`: what `not` flips instead of negating.
pub(super) fn negated_compare(e: &ast::Expr) -> bool {
    matches!(e, ast::Expr::Compare(c) if c.ops.len() == 1 && matches!(c.ops[0], ast::CmpOp::In | ast::CmpOp::NotIn | ast::CmpOp::Is | ast::CmpOp::IsNot))
}

pub(super) fn binop_arg(op: ast::Operator) -> u32 {
    use ast::Operator as O;
    match op {
        O::Add => 0,
        O::BitAnd => 1,
        O::FloorDiv => 2,
        O::LShift => 3,
        O::MatMult => 4,
        O::Mult => 5,
        O::Mod => 6,
        O::BitOr => 7,
        O::Pow => 8,
        O::RShift => 9,
        O::Sub => 10,
        O::Div => 11,
        O::BitXor => 12,
    }
}

/// CPython's AST optimizer: the constant an expression folds to, if it does.
pub(super) fn fold(e: &ast::Expr) -> Option<Const> {
    use num_bigint::BigInt;
    match e {
        ast::Expr::StringLiteral(s) => Some(Const::Str(s.value.to_str().to_owned())),
        ast::Expr::BytesLiteral(b) => {
            Some(Const::Bytes(b.value.iter().flat_map(|p| p.as_slice().iter().copied()).collect()))
        }
        ast::Expr::NumberLiteral(n) => match &n.value {
            ast::Number::Int(i) => {
                let s = i.to_string().replace('_', "");
                let v = if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
                    BigInt::parse_bytes(h.as_bytes(), 16)
                } else if let Some(b) = s.strip_prefix("0b").or_else(|| s.strip_prefix("0B")) {
                    BigInt::parse_bytes(b.as_bytes(), 2)
                } else if let Some(o) = s.strip_prefix("0o").or_else(|| s.strip_prefix("0O")) {
                    BigInt::parse_bytes(o.as_bytes(), 8)
                } else {
                    BigInt::parse_bytes(s.as_bytes(), 10)
                }?;
                Some(Const::Int(v.to_string()))
            }
            ast::Number::Float(f) => Some(Const::Float(f.to_bits())),
            ast::Number::Complex { .. } => None,
        },
        ast::Expr::BooleanLiteral(b) => Some(Const::Bool(b.value)),
        ast::Expr::NoneLiteral(_) => Some(Const::None),
        ast::Expr::EllipsisLiteral(_) => Some(Const::Ellipsis),
        ast::Expr::Tuple(t) if t.ctx == ast::ExprContext::Load => {
            let items: Option<Vec<Const>> = t.elts.iter().map(fold).collect();
            items.map(Const::Tuple)
        }
        ast::Expr::UnaryOp(u) => {
            let v = fold(&u.operand)?;
            match (u.op, v) {
                (ast::UnaryOp::USub, Const::Int(s)) => {
                    let n: BigInt = s.parse().ok()?;
                    Some(Const::Int((-n).to_string()))
                }
                (ast::UnaryOp::USub, Const::Float(b)) => Some(Const::Float((-f64::from_bits(b)).to_bits())),
                (ast::UnaryOp::UAdd, c @ (Const::Int(_) | Const::Float(_))) => Some(c),
                (ast::UnaryOp::Invert, Const::Int(s)) => {
                    let n: BigInt = s.parse().ok()?;
                    Some(Const::Int((-n - BigInt::from(1)).to_string()))
                }
                (ast::UnaryOp::Not, c) => Some(Const::Bool(!c.truthy())),
                _ => None,
            }
        }
        ast::Expr::BinOp(b) => {
            let l = fold(&b.left)?;
            let r = fold(&b.right)?;
            fold_binop(b.op, &l, &r)
        }
        _ => None,
    }
}

fn fold_binop(op: ast::Operator, l: &Const, r: &Const) -> Option<Const> {
    use ast::Operator as O;
    use num_bigint::BigInt;
    use num_integer::Integer;
    match (l, r) {
        (Const::Int(a), Const::Int(b)) => {
            let a: BigInt = a.parse().ok()?;
            let b: BigInt = b.parse().ok()?;
            let v = match op {
                O::Add => a + b,
                O::Sub => a - b,
                O::Mult => {
                    if a.bits() + b.bits() > 128 {
                        return None;
                    }
                    a * b
                }
                O::FloorDiv if b != BigInt::from(0) => a.div_floor(&b),
                O::Mod if b != BigInt::from(0) => a.mod_floor(&b),
                O::Pow => {
                    let e: u32 = u32::try_from(&b).ok()?;
                    if a.bits() * u64::from(e) > 128 {
                        return None;
                    }
                    a.pow(e)
                }
                O::Div if b != BigInt::from(0) => {
                    let x: f64 = a.to_string().parse().ok()?;
                    let y: f64 = b.to_string().parse().ok()?;
                    return Some(Const::Float((x / y).to_bits()));
                }
                O::BitAnd => a & b,
                O::BitOr => a | b,
                O::BitXor => a ^ b,
                O::LShift => {
                    let s: u32 = u32::try_from(&b).ok()?;
                    if a.bits() + u64::from(s) > 128 {
                        return None;
                    }
                    a << s
                }
                O::RShift => {
                    let s: u32 = u32::try_from(&b).ok()?;
                    a >> s
                }
                _ => return None,
            };
            Some(Const::Int(v.to_string()))
        }
        (Const::Int(_) | Const::Float(_), Const::Int(_) | Const::Float(_)) => {
            let f = |c: &Const| -> Option<f64> {
                match c {
                    Const::Int(s) => s.parse().ok(),
                    Const::Float(b) => Some(f64::from_bits(*b)),
                    _ => None,
                }
            };
            let (x, y) = (f(l)?, f(r)?);
            let v = match op {
                O::Add => x + y,
                O::Sub => x - y,
                O::Mult => x * y,
                O::Div if y != 0.0 => x / y,
                _ => return None,
            };
            Some(Const::Float(v.to_bits()))
        }
        (Const::Str(a), Const::Str(b)) if op == O::Add && a.chars().count() + b.chars().count() <= 4096 => {
            Some(Const::Str(format!("{a}{b}")))
        }
        (Const::Str(a), Const::Int(n)) | (Const::Int(n), Const::Str(a)) if op == O::Mult => {
            // (A negative count is not folded, as CPython's safe_multiply does not.)
            let n: usize = n.parse().ok()?;
            let len = a.chars().count();
            if len.checked_mul(n)? > 4096 {
                return None;
            }
            Some(Const::Str(a.repeat(n)))
        }
        (Const::Bytes(a), Const::Bytes(b)) if op == O::Add && a.len() + b.len() <= 4096 => {
            Some(Const::Bytes([a.as_slice(), b.as_slice()].concat()))
        }
        (Const::Bytes(a), Const::Int(n)) | (Const::Int(n), Const::Bytes(a)) if op == O::Mult => {
            let n: usize = n.parse().ok()?;
            if a.len().checked_mul(n)? > 4096 {
                return None;
            }
            Some(Const::Bytes(a.repeat(n)))
        }
        _ => None,
    }
}
