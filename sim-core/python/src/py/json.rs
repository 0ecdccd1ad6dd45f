//! `json`, as CPython's `_json` encoder and scanner (Modules/_json.c) write and read it:
//! `dumps`/`dump` with `indent`, `separators`, `sort_keys`, `ensure_ascii` (`\u00e9`,
//! surrogate pairs past the BMP), `allow_nan`, `skipkeys`, `check_circular` and `default`;
//! `loads`/`load` of objects, arrays, strings, numbers, `true`/`false`/`null` and
//! `NaN`/`Infinity`, keeping the text's key order, with `object_hook`, `object_pairs_hook`,
//! `parse_float`, `parse_int` and `parse_constant`; `JSONDecodeError` (a `ValueError`)
//! with CPython's messages, `msg`, `doc`, `pos`, `lineno` and `colno`.

use super::exc;
use super::interp::{Interp, R, RECURSION_LIMIT, raise, type_err};
use super::libobj::{self, Kw};
use super::stdlib::NFn;
use super::value::{Class, Dict, V, float_repr};
use indexmap::IndexMap;
use num_bigint::BigInt;
use std::fmt::Write as _;
use std::sync::{Arc, OnceLock};
use threadline_runtime::footprint::Mutex;

/// The callables `json` exports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonFn {
    /// `dumps(obj, **kw)`.
    Dumps,
    /// `dump(obj, fp, **kw)`.
    Dump,
    /// `loads(s, **kw)`.
    Loads,
    /// `load(fp, **kw)`.
    Load,
    /// `JSONDecodeError.__init__(self, msg, doc, pos)`.
    DecodeErrorInit,
}

impl JsonFn {
    /// The name Python gives it.
    pub fn name(self) -> &'static str {
        match self {
            JsonFn::Dumps => "dumps",
            JsonFn::Dump => "dump",
            JsonFn::Loads => "loads",
            JsonFn::Load => "load",
            JsonFn::DecodeErrorInit => "__init__",
        }
    }
}

/// `json.JSONDecodeError` (`json.decoder.JSONDecodeError`).
pub fn decode_error() -> Arc<Class> {
    static C: OnceLock<Arc<Class>> = OnceLock::new();
    C.get_or_init(|| {
        let mut dict = IndexMap::default();
        dict.insert(Arc::from("__init__"), libobj::native_fn(NFn::Json(JsonFn::DecodeErrorInit)));
        libobj::exc_class("JSONDecodeError", "json.decoder", "ValueError", dict)
    })
    .clone()
}

/// `json.name`.
pub fn module_attr(name: &str) -> Option<V> {
    let f = match name {
        "dumps" => JsonFn::Dumps,
        "dump" => JsonFn::Dump,
        "loads" => JsonFn::Loads,
        "load" => JsonFn::Load,
        "JSONDecodeError" => return Some(V::Class(decode_error())),
        _ => return None,
    };
    Some(libobj::native_fn(NFn::Json(f)))
}

/// Calls `json.f(*pos, **kw)`.
pub fn call(it: &mut Interp<'_>, f: JsonFn, pos: Vec<V>, mut kw: Kw) -> R<V> {
    match f {
        JsonFn::Dumps | JsonFn::Dump => {
            let names: &[&str] = if f == JsonFn::Dump { &["obj", "fp"] } else { &["obj"] };
            let mut pos = pos;
            for (i, n) in names.iter().enumerate() {
                if let Some(v) = libobj::kwarg(&mut kw, n) {
                    if pos.len() > i {
                        return type_err(format!("{}() got multiple values for argument '{n}'", f.name()));
                    }
                    pos.push(v);
                }
            }
            libobj::positional(f.name(), &pos, names, names.len())?;
            let text = dumps(it, &pos[0], kw)?;
            if f == JsonFn::Dump {
                it.call_method(&pos[1], "write", vec![V::str(text)], Vec::new())?;
                return Ok(V::None);
            }
            Ok(V::str(text))
        }
        JsonFn::Loads | JsonFn::Load => {
            let first = if f == JsonFn::Load { "fp" } else { "s" };
            let mut pos = pos;
            if let Some(v) = libobj::kwarg(&mut kw, first) {
                pos.insert(0, v);
            }
            libobj::positional(f.name(), &pos, &[first], 1)?;
            let text = if f == JsonFn::Load {
                it.call_method(&pos[0], "read", Vec::new(), Vec::new())?
            } else {
                pos[0].clone()
            };
            let V::Str(s) = text else {
                return type_err(format!("the JSON object must be str, bytes or bytearray, not {}", text.type_name()));
            };
            loads(it, &Arc::from(&*s), kw)
        }
        JsonFn::DecodeErrorInit => {
            libobj::no_more("__init__", &kw)?;
            if pos.len() != 4 {
                let given = pos.len().saturating_sub(1);
                return type_err(format!(
                    "JSONDecodeError.__init__() {}",
                    match given {
                        0 => "missing 3 required positional arguments: 'msg', 'doc', and 'pos'".to_string(),
                        1 => "missing 2 required positional arguments: 'doc' and 'pos'".to_string(),
                        2 => "missing 1 required positional argument: 'pos'".to_string(),
                        n => format!("takes 4 positional arguments but {} were given", n + 1),
                    }
                ));
            }
            let (msg, doc) = (it.str_of(&pos[1])?, pos[2].clone());
            let at = super::builtins::index(&pos[3])?;
            fill_error(&pos[0], &msg, doc, at);
            Ok(V::None)
        }
    }
}

/// Sets what `JSONDecodeError.__init__` sets on `e`.
fn fill_error(e: &V, msg: &str, doc: V, pos: i64) {
    let V::Inst(i) = e else { return };
    let before: Vec<char> = match &doc {
        V::Str(s) => s.chars().take(pos.max(0) as usize).collect(),
        _ => Vec::new(),
    };
    let lineno = before.iter().filter(|c| **c == '\n').count() as i64 + 1;
    let colno = match before.iter().rposition(|c| *c == '\n') {
        Some(nl) => pos - nl as i64,
        None => pos + 1,
    };
    let full = format!("{msg}: line {lineno} column {colno} (char {pos})");
    let mut d = i.dict.lock();
    d.insert(Arc::from("args"), V::tuple(vec![V::str(full)]));
    d.insert(Arc::from("msg"), V::str(msg));
    d.insert(Arc::from("doc"), doc);
    d.insert(Arc::from("pos"), V::Int(pos));
    d.insert(Arc::from("lineno"), V::Int(lineno));
    d.insert(Arc::from("colno"), V::Int(colno));
}

// ------------------------------------------------------------------ encoding

struct Enc<'a, 'b> {
    it: &'a mut Interp<'b>,
    indent: Option<String>,
    item_sep: String,
    key_sep: String,
    sort_keys: bool,
    skipkeys: bool,
    ensure_ascii: bool,
    allow_nan: bool,
    check_circular: bool,
    default: Option<V>,
    /// The containers being written (`check_circular`).
    markers: Vec<usize>,
    out: String,
}

fn dumps(it: &mut Interp<'_>, obj: &V, mut kw: Kw) -> R<String> {
    let flag = |kw: &mut Kw, name: &str, dflt: bool| libobj::kwarg(kw, name).map_or(dflt, |v| v.truthy());
    let skipkeys = flag(&mut kw, "skipkeys", false);
    let ensure_ascii = flag(&mut kw, "ensure_ascii", true);
    let check_circular = flag(&mut kw, "check_circular", true);
    let allow_nan = flag(&mut kw, "allow_nan", true);
    let sort_keys = flag(&mut kw, "sort_keys", false);
    if let Some(cls) = libobj::kwarg(&mut kw, "cls")
        && !matches!(cls, V::None)
    {
        return raise("NotImplementedError", "json: cls= (a JSONEncoder subclass) is not supported in Threadline");
    }
    let indent = match libobj::kwarg(&mut kw, "indent") {
        None | Some(V::None) => None,
        Some(V::Str(s)) => Some(s.to_string()),
        Some(v) => Some(" ".repeat(super::builtins::index(&v)?.max(0) as usize)),
    };
    let (item_sep, key_sep) = match libobj::kwarg(&mut kw, "separators") {
        None | Some(V::None) => (if indent.is_some() { "," } else { ", " }.to_string(), ": ".to_string()),
        Some(v) => {
            let parts = it.collect_vec(&v)?;
            match parts.as_slice() {
                [V::Str(a), V::Str(b)] => (a.to_string(), b.to_string()),
                [_, _] => return type_err("make_encoder() argument 6 must be str, not int"),
                p if p.len() < 2 => {
                    return raise("ValueError", format!("not enough values to unpack (expected 2, got {})", p.len()));
                }
                _ => return raise("ValueError", "too many values to unpack (expected 2)"),
            }
        }
    };
    let default = libobj::kwarg(&mut kw, "default").filter(|d| !matches!(d, V::None));
    if let Some((k, _)) = kw.first() {
        return type_err(format!("JSONEncoder.__init__() got an unexpected keyword argument '{k}'"));
    }
    let mut e = Enc {
        it,
        indent,
        item_sep,
        key_sep,
        sort_keys,
        skipkeys,
        ensure_ascii,
        allow_nan,
        check_circular,
        default,
        markers: Vec::new(),
        out: String::new(),
    };
    e.encode(obj, 0)?;
    Ok(e.out)
}

/// A JSON string literal of `s`.
fn quote(s: &str, ensure_ascii: bool, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (ensure_ascii && !(' '..='~').contains(&c)) => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{u:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

impl Enc<'_, '_> {
    fn float(&self, f: f64) -> R<String> {
        if f.is_finite() {
            return Ok(float_repr(f));
        }
        if !self.allow_nan {
            return raise("ValueError", "Out of range float values are not JSON compliant");
        }
        Ok(if f.is_nan() {
            "NaN"
        } else if f > 0.0 {
            "Infinity"
        } else {
            "-Infinity"
        }
        .into())
    }

    fn enter(&mut self, id: usize, level: usize, what: &str) -> R<()> {
        if level + self.it.depth >= RECURSION_LIMIT {
            return raise("RecursionError", format!("maximum recursion depth exceeded while encoding a JSON {what}"));
        }
        if self.check_circular {
            if self.markers.contains(&id) {
                return raise("ValueError", "Circular reference detected");
            }
            self.markers.push(id);
        }
        Ok(())
    }

    fn leave(&mut self) {
        if self.check_circular {
            self.markers.pop();
        }
    }

    fn newline(&mut self, level: usize) {
        if let Some(ind) = &self.indent {
            self.out.push('\n');
            for _ in 0..level {
                self.out.push_str(ind);
            }
        }
    }

    fn encode(&mut self, v: &V, level: usize) -> R<()> {
        // A subclass of `dict`, `list`, `str`… encodes as the value it is.
        if let Some(b) = crate::py::builtins::subclass::base_value(v) {
            return self.encode(&b, level);
        }
        match v {
            V::Str(s) => quote(s, self.ensure_ascii, &mut self.out),
            V::None => self.out.push_str("null"),
            V::Bool(true) => self.out.push_str("true"),
            V::Bool(false) => self.out.push_str("false"),
            V::Int(_) | V::Big(_) => self.out.push_str(&v.repr()),
            V::Float(f) => {
                let s = self.float(*f)?;
                self.out.push_str(&s);
            }
            V::List(_) | V::Tuple(_) => {
                let items = match v {
                    V::List(l) => l.lock().clone(),
                    _ => super::value::seq_items(v),
                };
                if items.is_empty() {
                    self.out.push_str("[]");
                    return Ok(());
                }
                self.enter(v.id(), level, "array")?;
                self.out.push('[');
                self.newline(level + 1);
                for (i, x) in items.iter().enumerate() {
                    if i > 0 {
                        let sep = self.item_sep.clone();
                        self.out.push_str(&sep);
                        self.newline(level + 1);
                    }
                    self.encode(x, level + 1)?;
                }
                self.newline(level);
                self.out.push(']');
                self.leave();
            }
            V::Dict(d) => {
                let mut pairs: Vec<(V, V)> = d.lock().map.values().cloned().collect();
                if pairs.is_empty() {
                    self.out.push_str("{}");
                    return Ok(());
                }
                self.enter(v.id(), level, "object")?;
                if self.sort_keys {
                    pairs = libobj::sort_stable(self.it, pairs, |p| &p.0)?;
                }
                self.out.push('{');
                self.newline(level + 1);
                let mut first = true;
                for (k, x) in pairs {
                    let key = match &k {
                        V::Str(s) => s.to_string(),
                        V::Float(f) => self.float(*f)?,
                        V::Bool(true) => "true".into(),
                        V::Bool(false) => "false".into(),
                        V::None => "null".into(),
                        V::Int(_) | V::Big(_) => k.repr(),
                        _ if self.skipkeys => continue,
                        other => {
                            return type_err(format!(
                                "keys must be str, int, float, bool or None, not {}",
                                other.type_name()
                            ));
                        }
                    };
                    if !first {
                        let sep = self.item_sep.clone();
                        self.out.push_str(&sep);
                        self.newline(level + 1);
                    }
                    first = false;
                    quote(&key, self.ensure_ascii, &mut self.out);
                    let sep = self.key_sep.clone();
                    self.out.push_str(&sep);
                    self.encode(&x, level + 1)?;
                }
                self.newline(level);
                self.out.push('}');
                self.leave();
            }
            other => {
                let Some(default) = self.default.clone() else {
                    return type_err(format!("Object of type {} is not JSON serializable", other.type_name()));
                };
                self.enter(other.id(), level, "object")?;
                let o = self.it.call(&default, vec![other.clone()], Vec::new())?;
                self.encode(&o, level)?;
                self.leave();
            }
        }
        Ok(())
    }
}

// ------------------------------------------------------------------ decoding

struct Dec<'a, 'b> {
    it: &'a mut Interp<'b>,
    doc: Arc<str>,
    s: Vec<char>,
    object_hook: Option<V>,
    object_pairs_hook: Option<V>,
    parse_float: Option<V>,
    parse_int: Option<V>,
    parse_constant: Option<V>,
    strict: bool,
}

fn loads(it: &mut Interp<'_>, text: &Arc<str>, mut kw: Kw) -> R<V> {
    let hook = |kw: &mut Kw, name: &str| libobj::kwarg(kw, name).filter(|h| !matches!(h, V::None));
    if hook(&mut kw, "cls").is_some() {
        return raise("NotImplementedError", "json: cls= (a JSONDecoder subclass) is not supported in Threadline");
    }
    let object_hook = hook(&mut kw, "object_hook");
    let object_pairs_hook = hook(&mut kw, "object_pairs_hook");
    let parse_float = hook(&mut kw, "parse_float");
    let parse_int = hook(&mut kw, "parse_int");
    let parse_constant = hook(&mut kw, "parse_constant");
    let strict = libobj::kwarg(&mut kw, "strict").is_none_or(|v| v.truthy());
    if let Some((k, _)) = kw.first() {
        return type_err(format!("JSONDecoder.__init__() got an unexpected keyword argument '{k}'"));
    }
    let mut d = Dec {
        it,
        doc: text.clone(),
        s: text.chars().collect(),
        object_hook,
        object_pairs_hook,
        parse_float,
        parse_int,
        parse_constant,
        strict,
    };
    if d.s.first() == Some(&'\u{feff}') {
        return d.error("Unexpected UTF-8 BOM (decode using utf-8-sig)", 0);
    }
    let start = d.ws(0);
    let (v, end) = d.scan(start, 0)?;
    let end = d.ws(end);
    if end != d.s.len() {
        return d.error("Extra data", end);
    }
    Ok(v)
}

impl Dec<'_, '_> {
    fn error<T>(&self, msg: &str, pos: usize) -> R<T> {
        let e = exc::instance(decode_error(), Vec::new());
        fill_error(&e, msg, V::str(self.doc.clone()), pos as i64);
        Err(libobj::raise_value(e))
    }

    fn at(&self, i: usize) -> Option<char> {
        self.s.get(i).copied()
    }

    fn ws(&self, mut i: usize) -> usize {
        while matches!(self.at(i), Some(' ' | '\t' | '\n' | '\r')) {
            i += 1;
        }
        i
    }

    fn word(&self, i: usize, w: &str) -> bool {
        w.chars().enumerate().all(|(k, c)| self.at(i + k) == Some(c))
    }

    fn constant(&mut self, name: &str, value: f64) -> R<V> {
        match self.parse_constant.clone() {
            Some(h) => self.it.call(&h, vec![V::str(name)], Vec::new()),
            None => Ok(V::Float(value)),
        }
    }

    /// `scan_once`: the value at `i` and the index after it.
    fn scan(&mut self, i: usize, depth: usize) -> R<(V, usize)> {
        let Some(c) = self.at(i) else { return self.error("Expecting value", i) };
        match c {
            '"' => self.string(i + 1),
            '{' | '[' => {
                if depth + self.it.depth >= RECURSION_LIMIT {
                    let what = if c == '{' { "object" } else { "array" };
                    return raise(
                        "RecursionError",
                        format!("maximum recursion depth exceeded while decoding a JSON {what} from a unicode string"),
                    );
                }
                if c == '{' { self.object(i + 1, depth + 1) } else { self.array(i + 1, depth + 1) }
            }
            'n' if self.word(i, "null") => Ok((V::None, i + 4)),
            't' if self.word(i, "true") => Ok((V::Bool(true), i + 4)),
            'f' if self.word(i, "false") => Ok((V::Bool(false), i + 5)),
            'N' if self.word(i, "NaN") => Ok((self.constant("NaN", f64::NAN)?, i + 3)),
            'I' if self.word(i, "Infinity") => Ok((self.constant("Infinity", f64::INFINITY)?, i + 8)),
            '-' if self.word(i, "-Infinity") => Ok((self.constant("-Infinity", f64::NEG_INFINITY)?, i + 9)),
            _ => self.number(i),
        }
    }

    fn digits(&self, mut i: usize) -> usize {
        while matches!(self.at(i), Some('0'..='9')) {
            i += 1;
        }
        i
    }

    fn number(&mut self, start: usize) -> R<(V, usize)> {
        let mut i = start;
        if self.at(i) == Some('-') {
            i += 1;
        }
        match self.at(i) {
            Some('1'..='9') => i = self.digits(i + 1),
            Some('0') => i += 1,
            _ => return self.error("Expecting value", start),
        }
        let mut is_float = false;
        if self.at(i) == Some('.') && matches!(self.at(i + 1), Some('0'..='9')) {
            is_float = true;
            i = self.digits(i + 2);
        }
        if matches!(self.at(i), Some('e' | 'E')) {
            let mut j = i + 1;
            if matches!(self.at(j), Some('-' | '+')) {
                j += 1;
            }
            let k = self.digits(j);
            if k > j {
                is_float = true;
                i = k;
            }
        }
        let text: String = self.s[start..i].iter().collect();
        let v = if is_float {
            match self.parse_float.clone() {
                Some(h) => self.it.call(&h, vec![V::str(text)], Vec::new())?,
                None => V::Float(text.parse::<f64>().unwrap_or(f64::NAN)),
            }
        } else {
            match self.parse_int.clone() {
                Some(h) => self.it.call(&h, vec![V::str(text)], Vec::new())?,
                None => match text.parse::<i64>() {
                    Ok(n) => V::Int(n),
                    Err(_) => V::from_big(text.parse::<BigInt>().unwrap_or_default()),
                },
            }
        };
        Ok((v, i))
    }

    fn hex4(&self, from: usize, err_at: usize) -> R<u32> {
        let mut c = 0u32;
        for k in from..from + 4 {
            match self.at(k).and_then(|d| d.to_digit(16)) {
                Some(d) => c = (c << 4) | d,
                None => return self.error("Invalid \\uXXXX escape", err_at),
            }
        }
        Ok(c)
    }

    /// `scanstring`: the string whose body starts at `end` (after the quote).
    fn string(&mut self, mut end: usize) -> R<(V, usize)> {
        let begin = end - 1;
        let len = self.s.len();
        let mut out = String::new();
        loop {
            let mut next = end;
            let mut c = None;
            while next < len {
                let d = self.s[next];
                if d == '"' || d == '\\' {
                    c = Some(d);
                    break;
                }
                if (d as u32) <= 0x1f && self.strict {
                    return self.error("Invalid control character at", next);
                }
                next += 1;
            }
            let Some(c) = c else { return self.error("Unterminated string starting at", begin) };
            out.extend(&self.s[end..next]);
            next += 1;
            if c == '"' {
                end = next;
                break;
            }
            if next == len {
                return self.error("Unterminated string starting at", begin);
            }
            let esc = self.s[next];
            if esc != 'u' {
                end = next + 1;
                out.push(match esc {
                    '"' => '"',
                    '\\' => '\\',
                    '/' => '/',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    _ => return self.error("Invalid \\escape", end - 2),
                });
                continue;
            }
            next += 1;
            end = next + 4;
            if end >= len {
                return self.error("Invalid \\uXXXX escape", next - 1);
            }
            let mut code = self.hex4(next, end - 5)?;
            if (0xd800..0xdc00).contains(&code)
                && end + 6 < len
                && self.at(end) == Some('\\')
                && self.at(end + 1) == Some('u')
            {
                let low = self.hex4(end + 2, end + 1)?;
                if (0xdc00..0xe000).contains(&low) {
                    code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
                    end += 6;
                }
            }
            // A lone surrogate cannot be held in a Rust string: it becomes U+FFFD.
            out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
        }
        Ok((V::str(out), end))
    }

    fn object(&mut self, mut i: usize, depth: usize) -> R<(V, usize)> {
        let mut pairs: Vec<(V, V)> = Vec::new();
        i = self.ws(i);
        if self.at(i) != Some('}') {
            loop {
                if self.at(i) != Some('"') {
                    return self.error("Expecting property name enclosed in double quotes", i);
                }
                let (key, after) = self.string(i + 1)?;
                i = self.ws(after);
                if self.at(i) != Some(':') {
                    return self.error("Expecting ':' delimiter", i);
                }
                i = self.ws(i + 1);
                let (val, after) = self.scan(i, depth)?;
                pairs.push((key, val));
                i = self.ws(after);
                if self.at(i) == Some('}') {
                    break;
                }
                if self.at(i) != Some(',') {
                    return self.error("Expecting ',' delimiter", i);
                }
                i = self.ws(i + 1);
            }
        }
        let end = i + 1;
        if let Some(h) = self.object_pairs_hook.clone() {
            let list = V::list(pairs.into_iter().map(|(k, v)| V::tuple(vec![k, v])).collect());
            return Ok((self.it.call(&h, vec![list], Vec::new())?, end));
        }
        let mut d = Dict::default();
        for (k, v) in pairs {
            d.set(k, v).or_else(type_err)?;
        }
        let d = V::Dict(Arc::new(Mutex::new(d)));
        if let Some(h) = self.object_hook.clone() {
            return Ok((self.it.call(&h, vec![d], Vec::new())?, end));
        }
        Ok((d, end))
    }

    fn array(&mut self, mut i: usize, depth: usize) -> R<(V, usize)> {
        let mut items = Vec::new();
        i = self.ws(i);
        if self.at(i) != Some(']') {
            loop {
                let (v, after) = self.scan(i, depth)?;
                items.push(v);
                i = self.ws(after);
                if self.at(i) == Some(']') {
                    break;
                }
                if self.at(i) != Some(',') {
                    return self.error("Expecting ',' delimiter", i);
                }
                i = self.ws(i + 1);
            }
        }
        Ok((V::list(items), i + 1))
    }
}
