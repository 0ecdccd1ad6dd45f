//! `bisect`, as CPython's `_bisect` (Modules/_bisectmodule.c) does it: `bisect_left`,
//! `bisect_right` (alias `bisect`), `insort_left`, `insort_right` (alias `insort`) with
//! `lo`, `hi` and `key=`, on any sequence, comparing with `<` as the program defines it.

use super::interp::{Interp, R, raise, type_err};
use super::ir::CmpOp;
use super::libobj::{self, Kw};
use super::stdlib::NFn;
use super::value::V;

/// The callables `bisect` exports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BisectFn {
    /// `bisect_left(a, x, lo=0, hi=len(a), *, key=None)`.
    BisectLeft,
    /// `bisect_right(a, x, lo=0, hi=len(a), *, key=None)`, also `bisect`.
    BisectRight,
    /// `insort_left(a, x, lo=0, hi=len(a), *, key=None)`.
    InsortLeft,
    /// `insort_right(a, x, lo=0, hi=len(a), *, key=None)`, also `insort`.
    InsortRight,
}

impl BisectFn {
    /// The name Python gives it.
    pub fn name(self) -> &'static str {
        match self {
            BisectFn::BisectLeft => "bisect_left",
            BisectFn::BisectRight => "bisect_right",
            BisectFn::InsortLeft => "insort_left",
            BisectFn::InsortRight => "insort_right",
        }
    }
}

/// `bisect.name`.
pub fn module_attr(name: &str) -> Option<V> {
    let f = match name {
        "bisect_left" => BisectFn::BisectLeft,
        "bisect_right" | "bisect" => BisectFn::BisectRight,
        "insort_left" => BisectFn::InsortLeft,
        "insort_right" | "insort" => BisectFn::InsortRight,
        _ => return None,
    };
    Some(libobj::native_fn(NFn::Bisect(f)))
}

/// Where `x` goes in `a[lo:hi]`: before equal items (`left`) or after them.
fn bisect(it: &mut Interp<'_>, a: &V, x: &V, mut lo: i64, hi: Option<i64>, key: Option<&V>, left: bool) -> R<i64> {
    if lo < 0 {
        return raise("ValueError", "lo must be non-negative");
    }
    let mut hi = match hi {
        None | Some(-1) => libobj::len_of(it, a)?,
        Some(h) => h,
    };
    while lo < hi {
        let mid = ((lo as u64 + hi as u64) / 2) as i64;
        let mut item = it.get_item(a, &V::Int(mid))?;
        if let Some(k) = key {
            item = it.call(k, vec![item], Vec::new())?;
        }
        if left {
            if it.compare(CmpOp::Lt, &item, x)? {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        } else if it.compare(CmpOp::Lt, x, &item)? {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    Ok(lo)
}

/// Calls `bisect.f(*pos, **kw)`.
pub fn call(it: &mut Interp<'_>, f: BisectFn, pos: Vec<V>, mut kw: Kw) -> R<V> {
    let name = f.name();
    if pos.len() > 4 {
        return type_err(format!("{name}() takes at most 4 positional arguments ({} given)", pos.len()));
    }
    let a = libobj::arg(&pos, &mut kw, 0, "a");
    let x = libobj::arg(&pos, &mut kw, 1, "x");
    let lo = libobj::arg(&pos, &mut kw, 2, "lo");
    let hi = libobj::arg(&pos, &mut kw, 3, "hi");
    let key = libobj::kwarg(&mut kw, "key").filter(|k| !matches!(k, V::None));
    if let Some((k, _)) = kw.first() {
        return type_err(format!("'{k}' is an invalid keyword argument for {name}()"));
    }
    let Some(a) = a else { return type_err(format!("{name}() missing required argument 'a' (pos 1)")) };
    let Some(x) = x else { return type_err(format!("{name}() missing required argument 'x' (pos 2)")) };
    let lo = match lo {
        Some(v) => super::builtins::index(&v)?,
        None => 0,
    };
    let hi = match hi {
        None | Some(V::None) => None,
        Some(v) => Some(super::builtins::index(&v)?),
    };
    let left = matches!(f, BisectFn::BisectLeft | BisectFn::InsortLeft);
    match f {
        BisectFn::BisectLeft | BisectFn::BisectRight => Ok(V::Int(bisect(it, &a, &x, lo, hi, key.as_ref(), left)?)),
        BisectFn::InsortLeft | BisectFn::InsortRight => {
            let kx = match &key {
                Some(k) => it.call(k, vec![x.clone()], Vec::new())?,
                None => x.clone(),
            };
            let at = bisect(it, &a, &kx, lo, hi, key.as_ref(), left)?;
            match &a {
                V::List(l) => {
                    let mut g = l.lock();
                    let at = (at.max(0) as usize).min(g.len());
                    g.insert(at, x);
                }
                other => {
                    it.call_method(other, "insert", vec![V::Int(at), x], Vec::new())?;
                }
            }
            Ok(V::None)
        }
    }
}
