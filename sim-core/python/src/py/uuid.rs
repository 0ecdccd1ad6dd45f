//! `uuid.uuid4()`: a random `UUID` drawn from the run's `random` generator (so a run with
//! the same seed repeats it), with CPython's `str()` form, `repr`, `.hex`, `.int` and
//! `.version`.

use super::exc;
use super::interp::{R, type_err};
use super::libobj::{self, Kw};
use super::stdlib::NFn;
use super::value::{Attrs, Class, ClassKind, Inst, InstNative, V};
use indexmap::IndexMap;
use num_bigint::BigInt;
use std::sync::{Arc, OnceLock};
use threadline_runtime::footprint::Mutex;

/// `uuid`'s callable and the methods of its `UUID` objects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UuidFn {
    /// `uuid.uuid4()`.
    Uuid4,
    /// `str(u)`.
    Str,
    /// `repr(u)`.
    Repr,
}

impl UuidFn {
    /// The name Python gives it.
    pub fn name(self) -> &'static str {
        match self {
            UuidFn::Uuid4 => "uuid4",
            UuidFn::Str => "__str__",
            UuidFn::Repr => "__repr__",
        }
    }
}

fn uuid_class() -> Arc<Class> {
    static C: OnceLock<Arc<Class>> = OnceLock::new();
    C.get_or_init(|| {
        let mut dict = IndexMap::default();
        for m in [UuidFn::Str, UuidFn::Repr] {
            dict.insert(Arc::from(m.name()), libobj::native_fn(NFn::Uuid(m)));
        }
        exc::build_class(Arc::from("UUID"), Arc::from("uuid"), vec![exc::object_class()], dict, ClassKind::Plain)
    })
    .clone()
}

/// `uuid.name`.
pub fn module_attr(name: &str) -> Option<V> {
    match name {
        "uuid4" => Some(libobj::native_fn(NFn::Uuid(UuidFn::Uuid4))),
        "UUID" => Some(V::Class(uuid_class())),
        _ => None,
    }
}

fn dashed(hex: &str) -> String {
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

/// Calls `uuid.uuid4()` or a method of a `UUID`.
pub fn call(it: &mut super::interp::Interp<'_>, f: UuidFn, pos: Vec<V>, kw: Kw) -> R<V> {
    libobj::no_more(f.name(), &kw)?;
    match f {
        UuidFn::Uuid4 => {
            libobj::positional("uuid4", &pos, &[], 0)?;
            let bits = it.w.rng().getrandbits(128);
            let (_, bytes) = bits.to_bytes_be();
            let mut b = [0u8; 16];
            b[16 - bytes.len().min(16)..].copy_from_slice(&bytes[bytes.len().saturating_sub(16)..]);
            b[6] = (b[6] & 0x0f) | 0x40;
            b[8] = (b[8] & 0x3f) | 0x80;
            let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
            let mut own: Attrs = IndexMap::default();
            own.insert(Arc::from("int"), V::from_big(BigInt::from_bytes_be(num_bigint::Sign::Plus, &b)));
            own.insert(Arc::from("hex"), V::str(hex));
            own.insert(Arc::from("version"), V::Int(4));
            Ok(V::Inst(Arc::new(Inst {
                class: uuid_class(),
                dict: Mutex::new(own),
                native: Mutex::new(InstNative::None),
                hrep: Default::default(),
            })))
        }
        UuidFn::Str | UuidFn::Repr => {
            let hex = pos.first().and_then(|me| libobj::own_attr(me, "hex"));
            let Some(V::Str(hex)) = hex else { return type_err("UUID object has no hex") };
            let s = dashed(&hex);
            Ok(V::str(if f == UuidFn::Str { s } else { format!("UUID('{s}')") }))
        }
    }
}
