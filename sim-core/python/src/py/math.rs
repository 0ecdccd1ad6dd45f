//! More of `math` (Modules/mathmodule.c): trigonometry, logarithms in bases 2 and 10,
//! integer functions (`isqrt`, `comb`, `perm`, `lcm`, `trunc`), norms (`hypot`, `dist`),
//! angle conversions and the float tests, with CPython's errors. (`sqrt`, `floor`, `ceil`,
//! `log`, `exp`, `factorial`, `gcd`, `isclose`, `fsum` and `prod` are `stdlib`'s.)

use super::builtins::to_f64;
use super::interp::{Interp, R, raise, type_err};
use super::libobj::{self, Kw};
use super::stdlib::NFn;
use super::value::V;
use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{Signed, ToPrimitive, Zero};

/// The callables this file gives `math`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MathFn {
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Atan2,
    Sinh,
    Cosh,
    Tanh,
    Log2,
    Log10,
    Log1p,
    Expm1,
    Fabs,
    Copysign,
    Fmod,
    Pow,
    Degrees,
    Radians,
    Hypot,
    Dist,
    Isinf,
    Isnan,
    Isfinite,
    Trunc,
    Isqrt,
    Comb,
    Perm,
    Lcm,
}

const ALL: [MathFn; 30] = [
    MathFn::Sin,
    MathFn::Cos,
    MathFn::Tan,
    MathFn::Asin,
    MathFn::Acos,
    MathFn::Atan,
    MathFn::Atan2,
    MathFn::Sinh,
    MathFn::Cosh,
    MathFn::Tanh,
    MathFn::Log2,
    MathFn::Log10,
    MathFn::Log1p,
    MathFn::Expm1,
    MathFn::Fabs,
    MathFn::Copysign,
    MathFn::Fmod,
    MathFn::Pow,
    MathFn::Degrees,
    MathFn::Radians,
    MathFn::Hypot,
    MathFn::Dist,
    MathFn::Isinf,
    MathFn::Isnan,
    MathFn::Isfinite,
    MathFn::Trunc,
    MathFn::Isqrt,
    MathFn::Comb,
    MathFn::Perm,
    MathFn::Lcm,
];

impl MathFn {
    /// The name Python gives it.
    pub fn name(self) -> &'static str {
        match self {
            MathFn::Sin => "sin",
            MathFn::Cos => "cos",
            MathFn::Tan => "tan",
            MathFn::Asin => "asin",
            MathFn::Acos => "acos",
            MathFn::Atan => "atan",
            MathFn::Atan2 => "atan2",
            MathFn::Sinh => "sinh",
            MathFn::Cosh => "cosh",
            MathFn::Tanh => "tanh",
            MathFn::Log2 => "log2",
            MathFn::Log10 => "log10",
            MathFn::Log1p => "log1p",
            MathFn::Expm1 => "expm1",
            MathFn::Fabs => "fabs",
            MathFn::Copysign => "copysign",
            MathFn::Fmod => "fmod",
            MathFn::Pow => "pow",
            MathFn::Degrees => "degrees",
            MathFn::Radians => "radians",
            MathFn::Hypot => "hypot",
            MathFn::Dist => "dist",
            MathFn::Isinf => "isinf",
            MathFn::Isnan => "isnan",
            MathFn::Isfinite => "isfinite",
            MathFn::Trunc => "trunc",
            MathFn::Isqrt => "isqrt",
            MathFn::Comb => "comb",
            MathFn::Perm => "perm",
            MathFn::Lcm => "lcm",
        }
    }
}

/// `math.name`, for the names this file gives.
pub fn module_attr(name: &str) -> Option<V> {
    match name {
        "tau" => return Some(V::Float(std::f64::consts::TAU)),
        "nan" => return Some(V::Float(f64::NAN)),
        _ => {}
    }
    ALL.into_iter().find(|f| f.name() == name).map(|f| libobj::native_fn(NFn::Math(f)))
}

fn real(v: Option<&V>) -> R<f64> {
    match v {
        Some(v) => match to_f64(v) {
            Some(x) => Ok(x),
            None => type_err(format!("must be real number, not {}", v.type_name())),
        },
        None => type_err("math function missing an argument"),
    }
}

fn int_arg(v: Option<&V>) -> R<BigInt> {
    match v.and_then(V::to_big) {
        Some(b) if !matches!(v, Some(V::Float(_))) => Ok(b),
        _ => type_err(format!(
            "'{}' object cannot be interpreted as an integer",
            v.map_or("NoneType".into(), V::type_name)
        )),
    }
}

fn domain<T>() -> R<T> {
    raise("ValueError", "math domain error")
}

/// A float result, with CPython's errors: NaN from a number is a domain error, infinity
/// from a finite number a range error.
fn checked(x: &[f64], r: f64) -> R<V> {
    if r.is_nan() && !x.iter().any(|v| v.is_nan()) {
        return domain();
    }
    if r.is_infinite() && x.iter().all(|v| v.is_finite()) {
        return raise("OverflowError", "math range error");
    }
    Ok(V::Float(r))
}

/// The Euclidean norm of `xs`, scaled by the largest so squares neither overflow nor
/// underflow (CPython's `vector_norm` does the same, more carefully).
fn norm(xs: &[f64]) -> f64 {
    if xs.iter().any(|x| x.is_infinite()) {
        return f64::INFINITY;
    }
    if xs.iter().any(|x| x.is_nan()) {
        return f64::NAN;
    }
    let max = xs.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    if max == 0.0 {
        return 0.0;
    }
    if xs.len() <= 2 {
        return xs.iter().fold(0.0f64, |acc, x| acc.hypot(*x));
    }
    // Squares summed as they are while they can neither overflow nor underflow; scaled by
    // the largest otherwise.
    if (1e-140..1e140).contains(&max) {
        return xs.iter().map(|x| x * x).sum::<f64>().sqrt();
    }
    max * xs.iter().map(|x| (x / max) * (x / max)).sum::<f64>().sqrt()
}

/// Calls one of this file's `math` functions.
pub fn call(it: &mut Interp<'_>, f: MathFn, pos: Vec<V>, kw: Kw) -> R<V> {
    libobj::no_more(f.name(), &kw)?;
    let a = pos.first();
    let b = pos.get(1);
    Ok(match f {
        MathFn::Sin | MathFn::Cos | MathFn::Tan | MathFn::Asin | MathFn::Acos | MathFn::Atan => {
            let x = real(a)?;
            if x.is_infinite() && matches!(f, MathFn::Sin | MathFn::Cos | MathFn::Tan) {
                return domain();
            }
            let r = match f {
                MathFn::Sin => x.sin(),
                MathFn::Cos => x.cos(),
                MathFn::Tan => x.tan(),
                MathFn::Asin => x.asin(),
                MathFn::Acos => x.acos(),
                _ => x.atan(),
            };
            checked(&[x], r)?
        }
        MathFn::Sinh | MathFn::Cosh | MathFn::Tanh | MathFn::Expm1 => {
            let x = real(a)?;
            let r = match f {
                MathFn::Sinh => x.sinh(),
                MathFn::Cosh => x.cosh(),
                MathFn::Tanh => x.tanh(),
                _ => x.exp_m1(),
            };
            checked(&[x], r)?
        }
        MathFn::Atan2 => V::Float(real(a)?.atan2(real(b)?)),
        MathFn::Log2 | MathFn::Log10 => {
            let func = |x: f64| if f == MathFn::Log2 { x.log2() } else { x.log10() };
            // An int too big for a float is taken apart as frexp does, as CPython's
            // `loghelper`: log(m) + log(2) * e.
            if let Some(V::Big(n)) = a
                && !n.to_f64().is_some_and(f64::is_finite)
            {
                if !n.is_positive() {
                    return domain();
                }
                let shift = n.bits().saturating_sub(53);
                let top = (&**n >> shift).to_f64().unwrap_or(f64::NAN);
                let m = top / 2f64.powi(53);
                return Ok(V::Float(func(m) + func(2.0) * (shift + 53) as f64));
            }
            let x = real(a)?;
            if x <= 0.0 {
                return domain();
            }
            V::Float(func(x))
        }
        MathFn::Log1p => {
            let x = real(a)?;
            if x <= -1.0 {
                return domain();
            }
            V::Float(x.ln_1p())
        }
        MathFn::Fabs => V::Float(real(a)?.abs()),
        MathFn::Copysign => V::Float(real(a)?.copysign(real(b)?)),
        MathFn::Fmod => {
            let (x, y) = (real(a)?, real(b)?);
            if y == 0.0 || x.is_infinite() {
                return domain();
            }
            V::Float(x % y)
        }
        MathFn::Pow => {
            let (x, y) = (real(a)?, real(b)?);
            if x == 0.0 && y < 0.0 {
                return domain();
            }
            checked(&[x, y], x.powf(y))?
        }
        // As CPython: multiplied by a constant computed once, not divided.
        MathFn::Degrees => V::Float(real(a)? * (180.0 / std::f64::consts::PI)),
        MathFn::Radians => V::Float(real(a)? * (std::f64::consts::PI / 180.0)),
        MathFn::Hypot => {
            let xs = pos.iter().map(|v| real(Some(v))).collect::<R<Vec<_>>>()?;
            V::Float(norm(&xs))
        }
        MathFn::Dist => {
            let (Some(p), Some(q)) = (a, b) else { return type_err("dist expected 2 arguments") };
            let p = it.collect_vec(p)?;
            let q = it.collect_vec(q)?;
            if p.len() != q.len() {
                return raise("ValueError", "both points must have the same number of dimensions");
            }
            let d = p.iter().zip(&q).map(|(x, y)| Ok(real(Some(x))? - real(Some(y))?)).collect::<R<Vec<_>>>()?;
            V::Float(norm(&d))
        }
        MathFn::Isinf => V::Bool(real(a)?.is_infinite()),
        MathFn::Isnan => V::Bool(real(a)?.is_nan()),
        MathFn::Isfinite => V::Bool(real(a)?.is_finite()),
        MathFn::Trunc => match a {
            Some(V::Float(x)) => {
                if x.is_nan() {
                    return raise("ValueError", "cannot convert float NaN to integer");
                }
                if x.is_infinite() {
                    return raise("OverflowError", "cannot convert float infinity to integer");
                }
                let t = x.trunc();
                match t.to_i64() {
                    Some(i) if t.abs() < 9.2e18 => V::Int(i),
                    _ => V::from_big(<BigInt as num_traits::FromPrimitive>::from_f64(t).unwrap_or_default()),
                }
            }
            Some(v) if v.is_int() => v.clone(),
            Some(v) => return type_err(format!("type {} doesn't define __trunc__ method", v.type_name())),
            None => return type_err("trunc() takes exactly one argument (0 given)"),
        },
        MathFn::Isqrt => {
            let n = int_arg(a)?;
            if n.is_negative() {
                return raise("ValueError", "isqrt() argument must be nonnegative");
            }
            V::from_big(n.sqrt())
        }
        MathFn::Comb | MathFn::Perm => {
            let n = int_arg(a)?;
            let k = match b {
                None | Some(V::None) if f == MathFn::Perm => n.clone(),
                _ => int_arg(b)?,
            };
            if n.is_negative() {
                return raise("ValueError", "n must be a non-negative integer");
            }
            if k.is_negative() {
                return raise("ValueError", "k must be a non-negative integer");
            }
            if k > n {
                return Ok(V::Int(0));
            }
            let k = k.to_u64().unwrap_or(u64::MAX);
            // perm: n (n-1) … (n-k+1); comb: that over k!, kept exact step by step (with the
            // smaller of k and n - k).
            let k = if f == MathFn::Comb { k.min((&n - BigInt::from(k)).to_u64().unwrap_or(k)) } else { k };
            if k > 100_000 {
                return raise("OverflowError", "Threadline computes comb() and perm() for k up to 100000");
            }
            let mut acc = BigInt::from(1);
            for i in 0..k {
                acc *= &n - BigInt::from(i);
                if f == MathFn::Comb {
                    acc /= BigInt::from(i + 1);
                }
            }
            V::from_big(acc)
        }
        MathFn::Lcm => {
            let mut acc = BigInt::from(1);
            for v in &pos {
                let x = int_arg(Some(v))?;
                if x.is_zero() {
                    return Ok(V::Int(0));
                }
                acc = acc.lcm(&x);
            }
            V::from_big(acc.abs())
        }
    })
}
