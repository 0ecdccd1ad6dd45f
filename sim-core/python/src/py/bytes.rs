//! `bytes`: an immutable sequence of bytes — `b'...'` literals, `str.encode`, `decode`,
//! indexing to ints, slicing, concatenation, comparison, hashing, `hex()`, and what a
//! `multiprocessing` pipe's `send_bytes`/`recv_bytes` carry.
//!
//! A bytes object is an instance of a native class named `bytes` holding its bytes
//! ([`InstNative::Bytes`]); its methods are that class's, so the interpreter's dunder
//! protocol gives it `len`, `[]`, `in`, iteration, `==`, `<`, `+`, `*` and `repr`.
//! Not yet: `bytearray`, `memoryview`, `%`-formatting of bytes, `struct`.

use super::exc;
use super::interp::{Exc, Flow, Interp, R, raise, type_err};
use super::libobj::{Kw, native_fn};
use super::stdlib::{NFn, Native};
use super::value::{Attrs, Class, ClassKind, HKey, Inst, InstNative, V};
use std::sync::{Arc, OnceLock};
use threadline_runtime::footprint::Mutex;

/// The methods of `bytes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BytesFn {
    Len,
    GetItem,
    Iter,
    Contains,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Hash,
    Repr,
    Add,
    Mul,
    Decode,
    Hex,
    StartsWith,
    EndsWith,
    Upper,
    Lower,
    Strip,
    Split,
    Find,
    Count,
    Replace,
    Join,
}

const METHODS: [(&str, BytesFn); 26] = [
    ("__len__", BytesFn::Len),
    ("__getitem__", BytesFn::GetItem),
    ("__iter__", BytesFn::Iter),
    ("__contains__", BytesFn::Contains),
    ("__eq__", BytesFn::Eq),
    ("__ne__", BytesFn::Ne),
    ("__lt__", BytesFn::Lt),
    ("__le__", BytesFn::Le),
    ("__gt__", BytesFn::Gt),
    ("__ge__", BytesFn::Ge),
    ("__hash__", BytesFn::Hash),
    ("__repr__", BytesFn::Repr),
    ("__add__", BytesFn::Add),
    ("__mul__", BytesFn::Mul),
    ("decode", BytesFn::Decode),
    ("hex", BytesFn::Hex),
    ("startswith", BytesFn::StartsWith),
    ("endswith", BytesFn::EndsWith),
    ("upper", BytesFn::Upper),
    ("lower", BytesFn::Lower),
    ("strip", BytesFn::Strip),
    ("split", BytesFn::Split),
    ("find", BytesFn::Find),
    ("count", BytesFn::Count),
    ("replace", BytesFn::Replace),
    ("join", BytesFn::Join),
];

/// The class `bytes`.
pub fn bytes_class() -> Arc<Class> {
    static C: OnceLock<Arc<Class>> = OnceLock::new();
    C.get_or_init(|| {
        let mut dict = Attrs::default();
        for (name, f) in METHODS {
            dict.insert(Arc::from(name), native_fn(NFn::Bytes(f)));
        }
        dict.insert(Arc::from("__rmul__"), native_fn(NFn::Bytes(BytesFn::Mul)));
        exc::build_class(Arc::from("bytes"), Arc::from("builtins"), vec![exc::object_class()], dict, ClassKind::Plain)
    })
    .clone()
}

/// `bytes.fromhex(s)`: pairs of hex digits, spaces between pairs allowed.
pub fn fromhex(arg: Option<&V>) -> R<V> {
    let Some(V::Str(s)) = arg else {
        return type_err(format!(
            "fromhex() argument must be str, not {}",
            arg.map_or("NoneType".into(), |v| v.type_name())
        ));
    };
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let mut out = Vec::new();
    let mut k = 0;
    while k < chars.len() {
        if chars[k].1.is_ascii_whitespace() {
            k += 1;
            continue;
        }
        let hi = chars[k].1.to_digit(16);
        let lo = chars.get(k + 1).and_then(|c| c.1.to_digit(16));
        let (Some(h), Some(l)) = (hi, lo) else {
            let at = if hi.is_none() { k } else { k + 1 };
            return raise("ValueError", format!("non-hexadecimal number found in fromhex() arg at position {at}"));
        };
        out.push((h * 16 + l) as u8);
        k += 2;
    }
    Ok(new(out))
}

/// A bytes object.
pub fn new(b: Vec<u8>) -> V {
    V::Inst(Arc::new(Inst {
        class: bytes_class(),
        dict: Mutex::new(Attrs::default()),
        native: Mutex::new(InstNative::Bytes(Arc::new(b))),
        hrep: Default::default(),
    }))
}

/// The bytes `v` holds, if it is a bytes object.
pub fn of(v: &V) -> Option<Arc<Vec<u8>>> {
    match v {
        V::Inst(i) => match &*i.native.lock() {
            InstNative::Bytes(b) => Some(b.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// Its dict key: equal bytes are one key, and never equal to a str.
pub fn hkey(b: &[u8]) -> HKey {
    HKey::Tuple(vec![
        HKey::Str(super::value::Str::from("\u{0}bytes")),
        HKey::Str(super::value::Str::from(b.iter().map(|&c| c as char).collect::<String>())),
    ])
}

/// `repr(b)`, as CPython writes it.
pub fn repr(b: &[u8]) -> String {
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') { '"' } else { '\'' };
    let mut out = format!("b{quote}");
    for &c in b {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            c if c as char == quote => {
                out.push('\\');
                out.push(quote);
            }
            0x20..=0x7e => out.push(c as char),
            _ => out.push_str(&format!("\\x{c:02x}")),
        }
    }
    out.push(quote);
    out
}

fn encoding(v: Option<&V>) -> R<String> {
    match v {
        None => Ok("utf-8".into()),
        Some(V::Str(s)) => Ok(s.to_lowercase().replace('_', "-")),
        Some(other) => type_err(format!("encode() argument 'encoding' must be str, not {}", other.type_name())),
    }
}

/// `s.encode(encoding='utf-8', errors='strict')`.
pub fn encode(s: &str, pos: &[V], kw: &Kw) -> R<V> {
    let enc = encoding(pos.first().or_else(|| kw.iter().find(|(k, _)| &**k == "encoding").map(|(_, v)| v)))?;
    let errors = match pos.get(1).or_else(|| kw.iter().find(|(k, _)| &**k == "errors").map(|(_, v)| v)) {
        Some(V::Str(e)) => e.to_string(),
        _ => "strict".into(),
    };
    let limit = match enc.as_str() {
        "utf-8" | "utf8" => return Ok(new(s.as_bytes().to_vec())),
        "ascii" | "us-ascii" => 0x80,
        "latin-1" | "latin1" | "iso-8859-1" => 0x100,
        other => return raise("LookupError", format!("unknown encoding: {other}")),
    };
    let mut out = Vec::with_capacity(s.len());
    for (i, ch) in s.chars().enumerate() {
        let c = ch as u32;
        if c < limit {
            out.push(c as u8);
            continue;
        }
        match errors.as_str() {
            "ignore" => {}
            "replace" => out.push(b'?'),
            _ => {
                let codec = if limit == 0x80 { "ascii" } else { "latin-1" };
                return raise(
                    "UnicodeEncodeError",
                    format!(
                        "'{codec}' codec can't encode character '\\x{c:02x}' in position {i}: ordinal not in range({limit})"
                    ),
                );
            }
        }
    }
    Ok(new(out))
}

/// `bytes(...)`.
pub fn construct(it: &mut Interp<'_>, pos: Vec<V>, kw: Kw) -> R<V> {
    match pos.first() {
        None => Ok(new(Vec::new())),
        Some(V::Str(s)) => {
            if pos.len() < 2 && !kw.iter().any(|(k, _)| &**k == "encoding") {
                return type_err("string argument without an encoding");
            }
            encode(s, &pos[1..], &kw)
        }
        Some(V::Int(n)) => {
            if *n < 0 {
                return raise("ValueError", "negative count");
            }
            Ok(new(vec![0; (*n).min(1 << 30) as usize]))
        }
        Some(v) if of(v).is_some() => Ok(v.clone()),
        Some(v) => {
            let items = it.collect_vec(v)?;
            let mut out = Vec::with_capacity(items.len());
            for x in items {
                match x.as_int() {
                    Some(n @ 0..=255) => out.push(n as u8),
                    Some(_) => return raise("ValueError", "bytes must be in range(0, 256)"),
                    None => {
                        return type_err(format!("'{}' object cannot be interpreted as an integer", x.type_name()));
                    }
                }
            }
            Ok(new(out))
        }
    }
}

/// The bytes of an argument, or CPython's `TypeError` naming what was given instead
/// (`what`: `{}` stands for the type's name).
fn other_bytes(v: Option<&V>, what: &str) -> R<Arc<Vec<u8>>> {
    match v.and_then(of) {
        Some(b) => Ok(b),
        None => type_err(what.replace("{}", &v.map_or_else(|| "NoneType".into(), V::type_name))),
    }
}

/// The usual message.
const BYTES_LIKE: &str = "a bytes-like object is required, not '{}'";

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A `bytes` method.
pub fn call(it: &mut Interp<'_>, f: BytesFn, pos: Vec<V>, kw: Kw) -> R<V> {
    let Some(me) = pos.first().and_then(of) else {
        return type_err("descriptor requires a 'bytes' object");
    };
    let arg = pos.get(1);
    use BytesFn as B;
    Ok(match f {
        B::Len => V::Int(me.len() as i64),
        B::GetItem => match arg {
            Some(V::Native(n)) if let Native::Slice(a, b, c) = &**n => {
                let (start, stop, step) = super::builtins::slice_indices(a, b, c, me.len())?;
                let mut out = Vec::new();
                let mut i = start;
                while (step > 0 && i < stop) || (step < 0 && i > stop) {
                    out.push(me[i as usize]);
                    i += step;
                }
                new(out)
            }
            Some(i) => {
                let ix = super::builtins::index(i)?;
                match super::builtins::norm_index(ix, me.len()) {
                    Some(j) => V::Int(i64::from(me[j])),
                    None => return raise("IndexError", "index out of range"),
                }
            }
            None => return type_err("expected 1 argument"),
        },
        B::Iter => it.iter(V::list(me.iter().map(|&c| V::Int(i64::from(c))).collect()))?,
        B::Contains => match arg {
            Some(x) if let Some(n) = x.as_int() => V::Bool((0..256).contains(&n) && me.contains(&(n as u8))),
            x => V::Bool(find(&me, &other_bytes(x, BYTES_LIKE)?).is_some()),
        },
        B::Eq | B::Ne | B::Lt | B::Le | B::Gt | B::Ge => {
            let Some(o) = arg.and_then(of) else {
                return Ok(match f {
                    B::Eq => V::Bool(false),
                    B::Ne => V::Bool(true),
                    _ => V::Native(Arc::new(Native::NotImplemented)),
                });
            };
            V::Bool(match f {
                B::Eq => me == o,
                B::Ne => me != o,
                B::Lt => me < o,
                B::Le => me <= o,
                B::Gt => me > o,
                _ => me >= o,
            })
        }
        B::Hash => V::Int(
            (me.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &c| (h ^ u64::from(c)).wrapping_mul(0x100_0000_01b3)) >> 2)
                as i64,
        ),
        B::Repr => V::str(repr(&me)),
        B::Add => {
            let o = other_bytes(arg, "can't concat {} to bytes")?;
            let mut out = (*me).clone();
            out.extend_from_slice(&o);
            new(out)
        }
        B::Mul => {
            let n = arg.and_then(V::as_int).ok_or(()).or_else(|()| type_err("can't multiply sequence by non-int"))?;
            new(me.repeat(n.clamp(0, 1 << 24) as usize))
        }
        B::Decode => {
            let enc = encoding(arg.or_else(|| kw.iter().find(|(k, _)| &**k == "encoding").map(|(_, v)| v)))?;
            let errors = match pos.get(2).or_else(|| kw.iter().find(|(k, _)| &**k == "errors").map(|(_, v)| v)) {
                Some(V::Str(e)) => e.to_string(),
                _ => "strict".into(),
            };
            match enc.as_str() {
                "utf-8" | "utf8" => match std::str::from_utf8(&me) {
                    Ok(s) => V::str(s),
                    Err(_) if errors == "replace" => V::str(String::from_utf8_lossy(&me).into_owned()),
                    Err(e) => {
                        let at = e.valid_up_to();
                        return raise(
                            "UnicodeDecodeError",
                            format!(
                                "'utf-8' codec can't decode byte 0x{:02x} in position {at}: invalid start byte",
                                me[at]
                            ),
                        );
                    }
                },
                "ascii" | "us-ascii" => {
                    if let Some(at) = me.iter().position(|&c| c >= 0x80)
                        && errors == "strict"
                    {
                        return raise(
                            "UnicodeDecodeError",
                            format!(
                                "'ascii' codec can't decode byte 0x{:02x} in position {at}: ordinal not in range(128)",
                                me[at]
                            ),
                        );
                    }
                    V::str(me.iter().map(|&c| if c < 0x80 { c as char } else { '\u{fffd}' }).collect::<String>())
                }
                "latin-1" | "latin1" | "iso-8859-1" => V::str(me.iter().map(|&c| c as char).collect::<String>()),
                other => return raise("LookupError", format!("unknown encoding: {other}")),
            }
        }
        B::Hex => V::str(me.iter().map(|c| format!("{c:02x}")).collect::<String>()),
        B::StartsWith | B::EndsWith => {
            let o = if f == B::StartsWith {
                other_bytes(arg, "startswith first arg must be bytes or a tuple of bytes, not {}")?
            } else {
                other_bytes(arg, "endswith first arg must be bytes or a tuple of bytes, not {}")?
            };
            V::Bool(if f == B::StartsWith { me.starts_with(&o) } else { me.ends_with(&o) })
        }
        B::Upper => new(me.to_ascii_uppercase()),
        B::Lower => new(me.to_ascii_lowercase()),
        B::Strip => {
            let s = me.iter().position(|c| !c.is_ascii_whitespace()).unwrap_or(me.len());
            let e = me.iter().rposition(|c| !c.is_ascii_whitespace()).map_or(s, |e| e + 1);
            new(me[s..e.max(s)].to_vec())
        }
        B::Split => match arg {
            None | Some(V::None) => {
                V::list(me.split(u8::is_ascii_whitespace).filter(|p| !p.is_empty()).map(|p| new(p.to_vec())).collect())
            }
            sep => {
                let sep = other_bytes(sep, BYTES_LIKE)?;
                if sep.is_empty() {
                    return raise("ValueError", "empty separator");
                }
                let mut parts = Vec::new();
                let mut rest: &[u8] = &me;
                while let Some(p) = find(rest, &sep) {
                    parts.push(new(rest[..p].to_vec()));
                    rest = &rest[p + sep.len()..];
                }
                parts.push(new(rest.to_vec()));
                V::list(parts)
            }
        },
        B::Find => V::Int(
            find(&me, &other_bytes(arg, "argument should be integer or bytes-like object, not '{}'")?)
                .map_or(-1, |p| p as i64),
        ),
        B::Count => {
            let n = other_bytes(arg, BYTES_LIKE)?;
            if n.is_empty() {
                V::Int(me.len() as i64 + 1)
            } else {
                let (mut c, mut rest): (i64, &[u8]) = (0, &me);
                while let Some(p) = find(rest, &n) {
                    c += 1;
                    rest = &rest[p + n.len()..];
                }
                V::Int(c)
            }
        }
        B::Replace => {
            let old = other_bytes(arg, BYTES_LIKE)?;
            let new_b = other_bytes(pos.get(2), BYTES_LIKE)?;
            if old.is_empty() {
                return Ok(new((*me).clone()));
            }
            let mut out = Vec::new();
            let mut rest: &[u8] = &me;
            while let Some(p) = find(rest, &old) {
                out.extend_from_slice(&rest[..p]);
                out.extend_from_slice(&new_b);
                rest = &rest[p + old.len()..];
            }
            out.extend_from_slice(rest);
            new(out)
        }
        B::Join => {
            let items = it.collect_vec(arg.unwrap_or(&V::None))?;
            let mut out = Vec::new();
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(&me);
                }
                match of(x) {
                    Some(b) => out.extend_from_slice(&b),
                    None => {
                        return Err(Flow::Exc(Box::new(Exc {
                            value: exc::new_exc(
                                "TypeError",
                                format!("sequence item {i}: expected a bytes-like object, {} found", x.type_name()),
                            ),
                            tb: Vec::new(),
                        })));
                    }
                }
            }
            new(out)
        }
    })
}
