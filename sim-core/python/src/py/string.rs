//! `string`: the character-class constants (`ascii_letters`, `digits`, `punctuation`…)
//! and `capwords`.

use super::interp::{R, type_err};
use super::libobj::{self, Kw};
use super::stdlib::NFn;
use super::value::V;

/// `string.name`.
pub fn module_attr(name: &str) -> Option<V> {
    let lower = "abcdefghijklmnopqrstuvwxyz";
    let upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let punct = r##"!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~"##;
    let ws = " \t\n\r\x0b\x0c";
    Some(V::str(match name {
        "ascii_lowercase" => lower.to_string(),
        "ascii_uppercase" => upper.to_string(),
        "ascii_letters" => format!("{lower}{upper}"),
        "digits" => "0123456789".into(),
        "hexdigits" => "0123456789abcdefABCDEF".into(),
        "octdigits" => "01234567".into(),
        "punctuation" => punct.into(),
        "whitespace" => ws.into(),
        "printable" => format!("0123456789{lower}{upper}{punct}{ws}"),
        "capwords" => return Some(libobj::native_fn(NFn::Capwords)),
        _ => return None,
    }))
}

/// `string.capwords(s, sep=None)`.
pub fn capwords(pos: Vec<V>, mut kw: Kw) -> R<V> {
    let s = libobj::arg(&pos, &mut kw, 0, "s");
    let sep = libobj::arg(&pos, &mut kw, 1, "sep").unwrap_or(V::None);
    libobj::no_more("capwords", &kw)?;
    libobj::positional("capwords", &pos, &["s", "sep"], 1)?;
    let Some(V::Str(s)) = s else { return type_err("capwords() argument 's' must be str") };
    let cap = |w: &str| {
        let mut c = w.chars();
        match c.next() {
            Some(f) => f.to_uppercase().chain(c.flat_map(char::to_lowercase)).collect::<String>(),
            None => String::new(),
        }
    };
    Ok(V::str(match &sep {
        V::Str(sep) => s.split(&**sep).map(cap).collect::<Vec<_>>().join(sep),
        _ => s.split_whitespace().map(cap).collect::<Vec<_>>().join(" "),
    }))
}
