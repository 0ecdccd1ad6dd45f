//! `statistics`, as CPython 3.11's Lib/statistics.py computes it: sums in exact fractions
//! (every float is an exact binary fraction), the result converted back to the data's type —
//! `mean([1, 2, 3])` is the int `2`, `mean([1, 2])` the float `1.5` — and square roots of
//! fractions correctly rounded (`_float_sqrt_of_frac`), so `stdev` prints CPython's digits.
//! `StatisticsError` is a `ValueError`.

use super::interp::{Interp, R, raise, type_err};
use super::ir::{BinOp, Builtin};
use super::libobj::{self, Kw};
use super::stdlib::NFn;
use super::value::{Class, HKey, V};
use indexmap::IndexMap;
use num_bigint::{BigInt, BigUint};
use num_integer::Integer;
use num_traits::{One, Signed, ToPrimitive, Zero};
use std::sync::{Arc, OnceLock};

/// The callables `statistics` exports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatsFn {
    /// `mean(data)`.
    Mean,
    /// `fmean(data, weights=None)`.
    FMean,
    /// `median(data)`.
    Median,
    /// `median_low(data)`.
    MedianLow,
    /// `median_high(data)`.
    MedianHigh,
    /// `mode(data)`.
    Mode,
    /// `multimode(data)`.
    MultiMode,
    /// `stdev(data, xbar=None)`.
    Stdev,
    /// `variance(data, xbar=None)`.
    Variance,
    /// `pstdev(data, mu=None)`.
    PStdev,
    /// `pvariance(data, mu=None)`.
    PVariance,
}

const ALL: [StatsFn; 11] = [
    StatsFn::Mean,
    StatsFn::FMean,
    StatsFn::Median,
    StatsFn::MedianLow,
    StatsFn::MedianHigh,
    StatsFn::Mode,
    StatsFn::MultiMode,
    StatsFn::Stdev,
    StatsFn::Variance,
    StatsFn::PStdev,
    StatsFn::PVariance,
];

impl StatsFn {
    /// The name Python gives it.
    pub fn name(self) -> &'static str {
        match self {
            StatsFn::Mean => "mean",
            StatsFn::FMean => "fmean",
            StatsFn::Median => "median",
            StatsFn::MedianLow => "median_low",
            StatsFn::MedianHigh => "median_high",
            StatsFn::Mode => "mode",
            StatsFn::MultiMode => "multimode",
            StatsFn::Stdev => "stdev",
            StatsFn::Variance => "variance",
            StatsFn::PStdev => "pstdev",
            StatsFn::PVariance => "pvariance",
        }
    }
}

/// `statistics.StatisticsError`.
pub fn statistics_error() -> Arc<Class> {
    static C: OnceLock<Arc<Class>> = OnceLock::new();
    C.get_or_init(|| libobj::exc_class("StatisticsError", "statistics", "ValueError", IndexMap::default())).clone()
}

/// `statistics.name`.
pub fn module_attr(name: &str) -> Option<V> {
    if name == "StatisticsError" {
        return Some(V::Class(statistics_error()));
    }
    ALL.into_iter().find(|f| f.name() == name).map(|f| libobj::native_fn(NFn::Stats(f)))
}

fn error<T>(msg: &str) -> R<T> {
    libobj::raise_in(&statistics_error(), msg)
}

/// An exact rational, `n / d` with `d > 0` and no common factor.
#[derive(Clone, Debug, PartialEq)]
struct Frac {
    n: BigInt,
    d: BigInt,
}

impl Frac {
    fn new(n: BigInt, d: BigInt) -> Self {
        let (n, d) = if d.is_negative() { (-n, -d) } else { (n, d) };
        let g = n.gcd(&d);
        if g.is_zero() || g.is_one() { Frac { n, d } } else { Frac { n: n / &g, d: d / &g } }
    }
    fn int(n: BigInt) -> Self {
        Frac { n, d: BigInt::one() }
    }
    fn zero() -> Self {
        Frac::int(BigInt::zero())
    }
    fn add(&self, o: &Frac) -> Frac {
        Frac::new(&self.n * &o.d + &o.n * &self.d, &self.d * &o.d)
    }
    fn mul(&self, o: &Frac) -> Frac {
        Frac::new(&self.n * &o.n, &self.d * &o.d)
    }
    fn sub(&self, o: &Frac) -> Frac {
        Frac::new(&self.n * &o.d - &o.n * &self.d, &self.d * &o.d)
    }
    fn div_int(&self, k: i64) -> Frac {
        Frac::new(self.n.clone(), &self.d * BigInt::from(k))
    }
    /// The float exactly (None for inf and nan).
    fn from_f64(f: f64) -> Option<Frac> {
        if !f.is_finite() {
            return None;
        }
        let bits = f.to_bits();
        let neg = bits >> 63 == 1;
        let exp = ((bits >> 52) & 0x7ff) as i64;
        let frac = bits & ((1u64 << 52) - 1);
        let (m, e) = if exp == 0 { (frac, -1074) } else { (frac | (1u64 << 52), exp - 1075) };
        let m = if neg { -BigInt::from(m) } else { BigInt::from(m) };
        Some(if e >= 0 { Frac::int(m << e as usize) } else { Frac::new(m, BigInt::one() << (-e) as usize) })
    }
    fn to_f64(&self) -> f64 {
        ratio_to_f64(&self.n, &self.d)
    }
}

fn pow2(e: i64) -> f64 {
    f64::from_bits(((e + 1023) as u64) << 52)
}

/// `m * 2**e` for an integral `m` below 2**54 whose result is representable (or overflows).
fn ldexp(mut m: f64, mut e: i64) -> f64 {
    if e > 1023 {
        m *= pow2(1023);
        e -= 1023;
        if e > 1023 {
            return m * f64::INFINITY;
        }
    }
    if e < -1022 {
        m *= pow2(-1022);
        e += 1022;
    }
    m * pow2(e.max(-1022))
}

/// `n / d` (with `d > 0`) as the nearest float, ties to even: Python's `int / int`.
fn ratio_to_f64(n: &BigInt, d: &BigInt) -> f64 {
    if n.is_zero() {
        return 0.0;
    }
    let (a, b) = (n.magnitude().clone(), d.magnitude().clone());
    let s = 55 - (a.bits() as i64 - b.bits() as i64);
    let (num, den) = if s >= 0 { (a << s as usize, b) } else { (a, b << (-s) as usize) };
    let (q, r) = num.div_rem(&den);
    let sticky = !r.is_zero();
    let qb = q.bits() as i64;
    let lead = qb - 1 - s;
    if lead > 1023 {
        return if n.is_negative() { f64::NEG_INFINITY } else { f64::INFINITY };
    }
    let keep = if lead < -1022 { 53 - (-1022 - lead) } else { 53 };
    let drop = qb - keep;
    let m: BigUint = &q >> drop as usize;
    let rem = &q - (&m << drop as usize);
    let half = BigUint::one() << (drop - 1) as usize;
    let up = rem > half || (rem == half && (sticky || m.is_odd()));
    let m = if up { m + 1u32 } else { m };
    let x = ldexp(m.to_f64().unwrap_or(0.0), drop - s);
    if n.is_negative() { -x } else { x }
}

/// `_float_sqrt_of_frac`: the square root of `n / m` as a float, correctly rounded.
fn float_sqrt_of_frac(n: &BigInt, m: &BigInt) -> f64 {
    let rto = |n: &BigInt, m: &BigInt| -> BigInt {
        let a = (n / m).sqrt();
        let exact = &a * &a * m == *n;
        if exact { a } else { a | BigInt::one() }
    };
    let q = (n.bits() as i64 - m.bits() as i64 - 109).div_euclid(2);
    let (num, den) = if q >= 0 {
        (rto(n, &(m << (2 * q) as usize)) << q as usize, BigInt::one())
    } else {
        (rto(&(n << (-2 * q) as usize), m), BigInt::one() << (-q) as usize)
    };
    ratio_to_f64(&num, &den)
}

/// The numeric type a result converts back to (`_coerce` of the data's types).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ty {
    Int,
    Float,
}

/// A data point as `_exact_ratio` reads it: a fraction, or a float that is inf or nan.
enum Exact {
    Frac(Frac),
    Special(f64),
}

fn exact(v: &V) -> R<(Exact, Ty)> {
    Ok(match v {
        V::Bool(b) => (Exact::Frac(Frac::int(BigInt::from(*b as i64))), Ty::Int),
        V::Int(i) => (Exact::Frac(Frac::int(BigInt::from(*i))), Ty::Int),
        V::Big(b) => (Exact::Frac(Frac::int((**b).clone())), Ty::Int),
        V::Float(f) => (Frac::from_f64(*f).map_or(Exact::Special(*f), Exact::Frac), Ty::Float),
        other => {
            return type_err(format!("can't convert type '{}' to numerator/denominator", other.type_name()));
        }
    })
}

/// `_sum`: the type, the exact total (or the float sum of the infinities and nans) and the
/// count.
fn sum(data: &[V]) -> R<(Ty, Result<Frac, f64>, usize)> {
    let mut ty = Ty::Int;
    let mut total = Frac::zero();
    let mut special: Option<f64> = None;
    for v in data {
        let (x, t) = exact(v)?;
        if t == Ty::Float {
            ty = Ty::Float;
        }
        match x {
            Exact::Frac(f) => total = total.add(&f),
            Exact::Special(f) => special = Some(special.unwrap_or(0.0) + f),
        }
    }
    Ok((ty, special.map_or(Ok(total), Err), data.len()))
}

/// `_convert`: an int when the type is int and the value whole, else a float.
fn convert(x: &Frac, ty: Ty) -> V {
    if ty == Ty::Int && x.d.is_one() { V::from_big(x.n.clone()) } else { V::Float(x.to_f64()) }
}

/// `_ss`: the type, the exact sum of squared deviations (or a float inf/nan) and the count.
fn ss(it: &mut Interp<'_>, data: &[V], c: Option<&V>) -> R<(Ty, Result<Frac, f64>, usize)> {
    if let Some(c) = c {
        let mut sq = Vec::with_capacity(data.len());
        for x in data {
            let d = it.binop(BinOp::Sub, x, c)?;
            sq.push(it.binop(BinOp::Mul, &d, &d)?);
        }
        return sum(&sq);
    }
    let mut ty = Ty::Int;
    let (mut sx, mut sxx) = (Frac::zero(), Frac::zero());
    let mut special: Option<f64> = None;
    for v in data {
        let (x, t) = exact(v)?;
        if t == Ty::Float {
            ty = Ty::Float;
        }
        match x {
            Exact::Frac(f) => {
                sxx = sxx.add(&f.mul(&f));
                sx = sx.add(&f);
            }
            Exact::Special(f) => special = Some(special.unwrap_or(0.0) + f),
        }
    }
    let n = data.len();
    if n == 0 {
        return Ok((ty, Ok(Frac::zero()), 0));
    }
    if let Some(s) = special {
        return Ok((ty, Err(s), n));
    }
    // (n * sxx - sx * sx) / n: exact in fractions.
    let ssd = sxx.mul(&Frac::int(BigInt::from(n))).sub(&sx.mul(&sx)).div_int(n as i64);
    Ok((ty, Ok(ssd), n))
}

fn sorted(it: &mut Interp<'_>, data: &V) -> R<Vec<V>> {
    match super::builtins::call_builtin(it, Builtin::Sorted, vec![data.clone()], Vec::new())? {
        V::List(l) => Ok(l.lock().clone()),
        other => it.collect_vec(&other),
    }
}

/// Each distinct value with its count, in first-seen order (`Counter(data)`).
fn counts(data: Vec<V>) -> R<Vec<(V, usize)>> {
    let mut seen: IndexMap<HKey, (V, usize)> = IndexMap::default();
    for v in data {
        let h = v.hkey().or_else(type_err)?;
        seen.entry(h).or_insert((v, 0)).1 += 1;
    }
    Ok(seen.into_values().collect())
}

/// `math.fsum`: the correctly rounded sum of the values as floats.
pub(crate) fn fsum(values: &[V]) -> R<f64> {
    let mut total = Frac::zero();
    let mut special: Option<f64> = None;
    let (mut pinf, mut ninf) = (false, false);
    for v in values {
        let f = match v {
            V::Bool(_) | V::Int(_) | V::Float(_) => v.as_f64().unwrap_or(0.0),
            V::Big(_) => match super::builtins::to_f64(v) {
                Some(f) if f.is_finite() => f,
                _ => return raise("OverflowError", "int too large to convert to float"),
            },
            other => return type_err(format!("must be real number, not {}", other.type_name())),
        };
        match Frac::from_f64(f) {
            Some(x) => total = total.add(&x),
            None => {
                pinf |= f == f64::INFINITY;
                ninf |= f == f64::NEG_INFINITY;
                special = Some(special.unwrap_or(0.0) + f);
            }
        }
    }
    if pinf && ninf {
        return raise("ValueError", "-inf + inf in fsum");
    }
    Ok(special.unwrap_or_else(|| total.to_f64()))
}

fn one_data(name: &str, pos: &[V], kw: &mut Kw, second: Option<&str>) -> R<(V, Option<V>)> {
    let multiple = |a: &str| type_err(format!("{name}() got multiple values for argument '{a}'"));
    let mut all = pos.to_vec();
    if let Some(d) = libobj::kwarg(kw, "data") {
        if !all.is_empty() {
            return multiple("data");
        }
        all.push(d);
    }
    let mut names = vec!["data"];
    if let Some(s) = second {
        names.push(s);
        if let Some(o) = libobj::kwarg(kw, s) {
            if all.len() > 1 {
                return multiple(s);
            }
            if all.len() == 1 {
                all.push(o);
            }
        }
    }
    libobj::no_more(name, kw)?;
    libobj::positional(name, &all, &names, 1)?;
    let second = all.get(1).cloned().filter(|v| !matches!(v, V::None));
    Ok((all.swap_remove(0), second))
}

/// Calls `statistics.f(*pos, **kw)`.
pub fn call(it: &mut Interp<'_>, f: StatsFn, pos: Vec<V>, mut kw: Kw) -> R<V> {
    let name = f.name();
    let second = match f {
        StatsFn::FMean => Some("weights"),
        StatsFn::Stdev | StatsFn::Variance => Some("xbar"),
        StatsFn::PStdev | StatsFn::PVariance => Some("mu"),
        _ => None,
    };
    let (data, extra) = one_data(name, &pos, &mut kw, second)?;
    match f {
        StatsFn::Mean => {
            let items = it.collect_vec(&data)?;
            let (ty, total, n) = sum(&items)?;
            if n < 1 {
                return error("mean requires at least one data point");
            }
            Ok(match total {
                Ok(t) => convert(&t.div_int(n as i64), ty),
                Err(s) => V::Float(s / n as f64),
            })
        }
        StatsFn::FMean => {
            let items = it.collect_vec(&data)?;
            let Some(weights) = extra else {
                let total = fsum(&items)?;
                if items.is_empty() {
                    return error("fmean requires at least one data point");
                }
                return Ok(V::Float(total / items.len() as f64));
            };
            let weights = it.collect_vec(&weights)?;
            let mut products = Vec::with_capacity(items.len());
            for (x, w) in items.iter().zip(&weights) {
                products.push(it.binop(BinOp::Mul, x, w)?);
            }
            let num = fsum(&products)?;
            if items.len() != weights.len() {
                return error("data and weights must be the same length");
            }
            let den = fsum(&weights)?;
            if den == 0.0 {
                return error("sum of weights must be non-zero");
            }
            Ok(V::Float(num / den))
        }
        StatsFn::Median | StatsFn::MedianLow | StatsFn::MedianHigh => {
            let items = sorted(it, &data)?;
            let n = items.len();
            if n == 0 {
                return error("no median for empty data");
            }
            if n % 2 == 1 || f == StatsFn::MedianHigh {
                return Ok(items[n / 2].clone());
            }
            if f == StatsFn::MedianLow {
                return Ok(items[n / 2 - 1].clone());
            }
            let s = it.binop(BinOp::Add, &items[n / 2 - 1], &items[n / 2])?;
            it.binop(BinOp::Div, &s, &V::Int(2))
        }
        StatsFn::Mode | StatsFn::MultiMode => {
            let items = it.collect_vec(&data)?;
            let c = counts(items)?;
            let most = c.iter().map(|(_, n)| *n).max().unwrap_or(0);
            let mut modes = c.into_iter().filter(|(_, n)| *n == most).map(|(v, _)| v);
            if f == StatsFn::MultiMode {
                return Ok(V::list(modes.collect()));
            }
            match modes.next() {
                Some(v) => Ok(v),
                None => error("no mode for empty data"),
            }
        }
        StatsFn::Stdev | StatsFn::Variance | StatsFn::PStdev | StatsFn::PVariance => {
            let items = it.collect_vec(&data)?;
            let (ty, ssd, n) = ss(it, &items, extra.as_ref())?;
            let sample = matches!(f, StatsFn::Stdev | StatsFn::Variance);
            if sample && n < 2 {
                return error(&format!("{name} requires at least two data points"));
            }
            if n < 1 {
                return error(&format!("{name} requires at least one data point"));
            }
            let dof = if sample { n - 1 } else { n } as i64;
            let root = matches!(f, StatsFn::Stdev | StatsFn::PStdev);
            match ssd {
                Ok(ssd) => {
                    let m = ssd.div_int(dof);
                    Ok(if root { V::Float(float_sqrt_of_frac(&m.n, &m.d)) } else { convert(&m, ty) })
                }
                // CPython divides the float and then asks it for `.numerator`.
                Err(_) if root => raise("AttributeError", "'float' object has no attribute 'numerator'"),
                Err(s) => Ok(V::Float(s / dof as f64)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_round_to_nearest_even() {
        let r = |n: i64, d: i64| ratio_to_f64(&BigInt::from(n), &BigInt::from(d));
        assert_eq!(r(1, 3), 1.0 / 3.0);
        assert_eq!(r(-2, 3), -2.0 / 3.0);
        assert_eq!(r(9, 2), 4.5);
        assert_eq!(r(32, 7), 32.0 / 7.0);
        assert_eq!(r((1 << 53) + 1, 1), 9007199254740992.0);
        assert_eq!(r((1 << 53) + 3, 1), 9007199254740996.0);
        let tiny = Frac::from_f64(5e-324).unwrap();
        assert_eq!(tiny.to_f64(), 5e-324);
        let third = Frac::new(BigInt::one(), BigInt::one() << 1074usize).div_int(3);
        assert_eq!(third.to_f64(), 0.0);
        for f in [0.1, 1e300, 2.2250738585072014e-308, 1e-310, 123.456, -7.25] {
            assert_eq!(Frac::from_f64(f).unwrap().to_f64(), f);
        }
    }

    #[test]
    fn square_roots_are_cpythons() {
        let s = |n: i64, d: i64| float_sqrt_of_frac(&BigInt::from(n), &BigInt::from(d));
        assert_eq!(s(32, 7), 2.138089935299395);
        assert_eq!(s(4, 1), 2.0);
        assert_eq!(s(0, 1), 0.0);
        assert_eq!(s(2, 1), std::f64::consts::SQRT_2);
    }
}
