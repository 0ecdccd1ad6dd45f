//! String formatting (`%`, `str.format`) and the methods of `str`.

use super::*;

pub(crate) fn percent_format(it: &mut Interp<'_>, fmt: &str, args: &V) -> R<String> {
    let args_v = args;
    // `'%(name)s' % mapping`: each conversion names its value.
    let mapping = match args {
        V::Dict(d) if fmt.contains("%(") => Some(Arc::clone(d)),
        _ => None,
    };
    let single;
    let args: &[V] = match args {
        V::Tuple(t) => t,
        other => {
            single = [other.clone()];
            &single
        }
    };
    // Walked by bytes: every byte the syntax looks at (`%`, `(`, `)`, flags, the conversion)
    // is ASCII, so each slice taken here ends on a character boundary.
    let b = fmt.as_bytes();
    let mut out = String::with_capacity(fmt.len() + 16);
    let mut ai = 0;
    let mut i = 0;
    while i < b.len() {
        let next = b[i..].iter().position(|&c| c == b'%').map_or(b.len(), |p| i + p);
        out.push_str(&fmt[i..next]);
        if next == b.len() {
            break;
        }
        i = next + 1;
        let mut keyed = None;
        if b.get(i) == Some(&b'(') {
            let Some(m) = &mapping else { return type_err("format requires a mapping") };
            let Some(close) = b[i..].iter().position(|&c| c == b')') else {
                return raise("ValueError", "incomplete format key");
            };
            let key = &fmt[i + 1..i + close];
            let v = m.lock().get(&V::str(key)).or_else(type_err)?;
            match v {
                Some(v) => keyed = Some(v),
                None => {
                    return Err(Flow::Exc(Box::new(crate::py::interp::Exc {
                        value: exc::instance(exc::class("KeyError"), vec![V::str(key)]),
                        tb: Vec::new(),
                    })));
                }
            }
            i += close + 1;
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_alphabetic() && b[i] != b'%' {
            i += 1;
        }
        let Some(&conv) = b.get(i) else { return raise("ValueError", "incomplete format") };
        let conv = conv as char;
        i += 1;
        if conv == '%' {
            out.push('%');
            continue;
        }
        let flags = &fmt[start..i - 1];
        let arg = match keyed {
            Some(v) => v,
            None => {
                let Some(arg) = args.get(ai).cloned() else {
                    return type_err("not enough arguments for format string");
                };
                ai += 1;
                arg
            }
        };
        // No flags, the common case: a str or an int as it is.
        if flags.is_empty() {
            match (conv, &arg) {
                ('s', V::Str(t)) => {
                    out.push_str(t);
                    continue;
                }
                ('s' | 'd' | 'i', V::Int(n)) => {
                    use std::fmt::Write as _;
                    let _ = write!(out, "{n}");
                    continue;
                }
                _ => {}
            }
        }
        // printf flags: `-` left-justifies; strings are right-justified otherwise.
        let spec = if flags.contains('-') { flags.replace('-', "<") } else { flags.to_string() };
        let str_spec = if flags.contains('-') || flags.is_empty() { spec.clone() } else { format!(">{spec}") };
        let s = match conv {
            's' => {
                let s = V::str(it.str_of(&arg)?);
                it.format_value(&s, &str_spec)?
            }
            'r' => {
                let s = V::str(it.repr_of(&arg)?);
                it.format_value(&s, &str_spec)?
            }
            'c' => {
                let c = match &arg {
                    V::Str(t) if t.chars().count() == 1 => t.to_string(),
                    V::Int(_) | V::Bool(_) => {
                        match arg.as_int().and_then(|n| u32::try_from(n).ok()).and_then(char::from_u32) {
                            Some(c) => c.to_string(),
                            None => return raise("OverflowError", "%c arg not in range(0x110000)"),
                        }
                    }
                    _ => return type_err("%c requires int or char"),
                };
                it.format_value(&V::str(c), &str_spec)?
            }
            'd' | 'i' => {
                let v = match &arg {
                    V::Float(f) => float_to_int(f.trunc()),
                    other => other.clone(),
                };
                if !(v.is_int() || matches!(v, V::Bool(_) | V::Inst(_))) {
                    return type_err(format!("%{conv} format: a real number is required, not {}", arg.type_name()));
                }
                it.format_value(&v, &format!("{spec}d"))?
            }
            'x' | 'X' | 'o' if !(arg.is_int() || matches!(arg, V::Bool(_) | V::Inst(_))) => {
                return type_err(format!("%{conv} format: an integer is required, not {}", arg.type_name()));
            }
            'f' | 'F' | 'e' | 'E' | 'g' | 'G'
                if !(arg.is_int() || matches!(arg, V::Bool(_) | V::Float(_) | V::Inst(_))) =>
            {
                return type_err(format!("must be real number, not {}", arg.type_name()));
            }
            c => it.format_value(&arg, &format!("{spec}{c}"))?,
        };
        out.push_str(&s);
    }
    // A mapping (anything but a tuple or a str that can be indexed) is never "not all
    // converted": `'100%%' % {}` and `'abc' % []` are CPython's `'100%'` and `'abc'`.
    if ai < args.len() && mapping.is_none() && !matches!(args_v, V::Dict(_) | V::List(_)) {
        return type_err("not all arguments converted during string formatting");
    }
    Ok(out)
}

// ---------------------------------------------------------------- methods

/// `str.format(*args, **kwargs)`.
pub fn str_format(it: &mut Interp<'_>, fmt: &str, pos: &[V], kw: &Kw) -> R<String> {
    format_fields(it, fmt, pos, kw, &mut 0, &mut None)
}

/// [`str_format`] with its field numbering (the next automatic index, and whether fields are
/// numbered by hand) shared with the nested specs: `'{:{}}'.format('ab', 5)` is `'ab   '`.
fn format_fields(
    it: &mut Interp<'_>,
    fmt: &str,
    pos: &[V],
    kw: &Kw,
    auto: &mut usize,
    manual: &mut Option<bool>,
) -> R<String> {
    // Walked by bytes: the braces are ASCII, so every slice taken ends on a character boundary.
    let cs = fmt.as_bytes();
    let mut out = String::with_capacity(fmt.len() + 16);
    let mut i = 0;
    while i < cs.len() {
        match cs[i] {
            b'{' if cs.get(i + 1) == Some(&b'{') => {
                out.push('{');
                i += 2;
            }
            b'}' if cs.get(i + 1) == Some(&b'}') => {
                out.push('}');
                i += 2;
            }
            b'{' => {
                let mut depth = 1;
                let mut j = i + 1;
                while j < cs.len() && depth > 0 {
                    match cs[j] {
                        b'{' => depth += 1,
                        b'}' => depth -= 1,
                        _ => {}
                    }
                    j += 1;
                }
                if depth > 0 {
                    if i + 1 == cs.len() {
                        return raise("ValueError", "Single '{' encountered in format string");
                    }
                    return raise("ValueError", "expected '}' before end of string");
                }
                let field = &fmt[i + 1..j - 1];
                let (head, spec) = match field.split_once(':') {
                    Some((h, s)) => (h, s.to_string()),
                    None => (field, String::new()),
                };
                let (head, conv) = match head.split_once('!') {
                    Some((h, c)) => (h, c.chars().next()),
                    None => (head, None),
                };
                // The field's name, then its accessors: `.attr` and `[key]` in any number and
                // order (`{0[1][0]}`, `{a.b[0]}`); a key all digits is an int, else a str.
                let split = head.find(['.', '[']).unwrap_or(head.len());
                let (first, accessors) = head.split_at(split);
                let numbered = first.parse::<usize>().is_ok();
                if (first.is_empty() && *manual == Some(true)) || (numbered && *manual == Some(false)) {
                    return raise(
                        "ValueError",
                        if numbered {
                            "cannot switch from automatic field numbering to manual field specification"
                        } else {
                            "cannot switch from manual field specification to automatic field numbering"
                        },
                    );
                }
                if first.is_empty() {
                    *manual = Some(false);
                } else if numbered {
                    *manual = Some(true);
                }
                let base = if first.is_empty() {
                    let v = pos.get(*auto).cloned();
                    *auto += 1;
                    match v {
                        Some(v) => v,
                        None => {
                            return raise(
                                "IndexError",
                                format!("Replacement index {} out of range for positional args tuple", *auto - 1),
                            );
                        }
                    }
                } else if let Ok(n) = first.parse::<usize>() {
                    match pos.get(n) {
                        Some(v) => v.clone(),
                        None => {
                            return raise(
                                "IndexError",
                                format!("Replacement index {n} out of range for positional args tuple"),
                            );
                        }
                    }
                } else {
                    match kw.iter().find(|(k, _)| &**k == first) {
                        Some((_, v)) => v.clone(),
                        None => {
                            return Err(Flow::Exc(Box::new(crate::py::interp::Exc {
                                value: exc::instance(exc::class("KeyError"), vec![V::str(first)]),
                                tb: Vec::new(),
                            })));
                        }
                    }
                };
                let mut v = base;
                let mut rest = accessors;
                while !rest.is_empty() {
                    if let Some(r) = rest.strip_prefix('.') {
                        let end = r.find(['.', '[']).unwrap_or(r.len());
                        if end == 0 {
                            return raise("ValueError", "Empty attribute in format string");
                        }
                        v = it.get_attr(&v, &r[..end])?;
                        rest = &r[end..];
                    } else if let Some(r) = rest.strip_prefix('[') {
                        let Some(close) = r.find(']') else {
                            return raise("ValueError", "Missing ']' in format string");
                        };
                        let key = &r[..close];
                        let key = if !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit()) {
                            key.parse::<i64>().map(V::Int).unwrap_or_else(|_| V::str(key))
                        } else {
                            V::str(key)
                        };
                        v = it.get_item(&v, &key)?;
                        rest = &r[close + 1..];
                        if !rest.is_empty() && !rest.starts_with(['.', '[']) {
                            return raise("ValueError", "Only '.' or '[' may follow ']' in format field specifier");
                        }
                    } else {
                        return raise("ValueError", "Only '.' or '[' may follow ']' in format field specifier");
                    }
                }
                let v = match conv {
                    Some('r') => V::str(it.repr_of(&v)?),
                    Some('s') => V::str(it.str_of(&v)?),
                    _ => v,
                };
                let spec = if spec.contains('{') { format_fields(it, &spec, pos, kw, auto, manual)? } else { spec };
                out.push_str(&it.format_value(&v, &spec)?);
                i = j;
            }
            b'}' => return raise("ValueError", "Single '}' encountered in format string"),
            _ => {
                let next = cs[i..].iter().position(|&c| c == b'{' || c == b'}').map_or(cs.len(), |p| i + p);
                out.push_str(&fmt[i..next]);
                i = next;
            }
        }
    }
    Ok(out)
}

pub(crate) fn str_method(it: &mut Interp<'_>, s: &crate::py::value::Str, name: &str, pos: Vec<V>, kw: Kw) -> R<V> {
    let arg_str = |i: usize| -> Option<String> {
        match pos.get(i) {
            Some(V::Str(x)) => Some(x.to_string()),
            _ => None,
        }
    };
    Ok(match name {
        "format" => V::str(str_format(it, s, &pos, &kw)?),
        "translate" => {
            let Some(table) = pos.first() else { return type_err("translate() takes exactly one argument (0 given)") };
            let mut out = String::with_capacity(s.len());
            for c in s.chars() {
                match it.get_item(table, &V::Int(i64::from(u32::from(c)))) {
                    Ok(V::None) => {}
                    Ok(V::Str(t)) => out.push_str(&t),
                    Ok(v) if let Some(n) = v.as_int() => match u32::try_from(n).ok().and_then(char::from_u32) {
                        Some(m) => out.push(m),
                        None => return raise("ValueError", "character mapping must be in range(0x110000)"),
                    },
                    Ok(_) => return type_err("character mapping must return integer, None or str"),
                    Err(Flow::Exc(e)) if exc::is_instance_of(&e.value, "LookupError") => out.push(c),
                    Err(e) => return Err(e),
                }
            }
            V::str(out)
        }
        "format_map" => {
            let Some(V::Dict(d)) = pos.first() else {
                return type_err("format_map() argument must be a mapping");
            };
            let pairs: Vec<(V, V)> = d.lock().map.values().cloned().collect();
            let mut named = Vec::with_capacity(pairs.len());
            for (k, v) in pairs {
                if let V::Str(k) = k {
                    named.push((Arc::from(&*k), v));
                }
            }
            V::str(str_format(it, s, &[], &named)?)
        }
        "istitle" => {
            // Upper-case letters only after uncased characters, lower-case only after cased.
            let (mut cased, mut prev_cased) = (false, false);
            for c in s.chars() {
                if c.is_uppercase() {
                    if prev_cased {
                        return Ok(V::Bool(false));
                    }
                    (prev_cased, cased) = (true, true);
                } else if c.is_lowercase() {
                    if !prev_cased {
                        return Ok(V::Bool(false));
                    }
                    (prev_cased, cased) = (true, true);
                } else {
                    prev_cased = false;
                }
            }
            V::Bool(cased)
        }
        "isidentifier" => {
            let mut cs = s.chars();
            V::Bool(
                cs.next().is_some_and(|c| c == '_' || c.is_alphabetic()) && cs.all(|c| c == '_' || c.is_alphanumeric()),
            )
        }
        "isprintable" => V::Bool(s.chars().all(|c| c == ' ' || !(c.is_control() || c.is_whitespace()))),
        "expandtabs" => {
            let size = match pos.first().or_else(|| kw.iter().find(|(k, _)| &**k == "tabsize").map(|(_, v)| v)) {
                Some(v) => index(v)?,
                None => 8,
            };
            V::str(crate::py::textwrap::expandtabs(s, size))
        }
        "join" => {
            let Some(src) = pos.first() else { return type_err("str.join() takes exactly one argument (0 given)") };
            let items = it.collect_vec(src)?;
            let mut parts = Vec::with_capacity(items.len());
            for (i, x) in items.iter().enumerate() {
                match x {
                    V::Str(p) => parts.push(p.to_string()),
                    other => {
                        return type_err(format!(
                            "sequence item {i}: expected str instance, {} found",
                            other.type_name()
                        ));
                    }
                }
            }
            V::str(parts.join(s))
        }
        "upper" => V::str(s.to_uppercase()),
        "lower" => V::str(s.to_lowercase()),
        "strip" | "lstrip" | "rstrip" => {
            let chars: Option<Vec<char>> = arg_str(0).map(|c| c.chars().collect());
            let pred = |c: char| match &chars {
                Some(cs) => cs.contains(&c),
                None => c.is_whitespace(),
            };
            V::str(match name {
                "strip" => s.trim_matches(pred),
                "lstrip" => s.trim_start_matches(pred),
                _ => s.trim_end_matches(pred),
            })
        }
        "split" | "rsplit" => {
            let kwv = |k: &str| kw.iter().find(|(n, _)| &**n == k).map(|(_, v)| v.clone());
            let sep = arg_str(0).or_else(|| match kwv("sep") {
                Some(V::Str(x)) => Some(x.to_string()),
                _ => None,
            });
            let maxsplit = match pos.get(1).cloned().or_else(|| kwv("maxsplit")) {
                Some(v) => index(&v)?,
                None => -1,
            };
            let parts: Vec<String> = match sep {
                Some(sep) if sep.is_empty() => return raise("ValueError", "empty separator"),
                Some(sep) => {
                    if maxsplit < 0 {
                        s.split(sep.as_str()).map(String::from).collect()
                    } else if name == "split" {
                        s.splitn(maxsplit as usize + 1, sep.as_str()).map(String::from).collect()
                    } else {
                        let mut v: Vec<String> =
                            s.rsplitn(maxsplit as usize + 1, sep.as_str()).map(String::from).collect();
                        v.reverse();
                        v
                    }
                }
                None if maxsplit < 0 => s.split_whitespace().map(String::from).collect(),
                None => split_whitespace_n(s, maxsplit as usize, name == "rsplit"),
            };
            V::list(parts.into_iter().map(V::str).collect())
        }
        "splitlines" => {
            let keep =
                pos.first().cloned().or_else(|| kw.iter().find(|(k, _)| &**k == "keepends").map(|(_, v)| v.clone()));
            V::list(splitlines(s, keep.is_some_and(|v| v.truthy())).into_iter().map(V::str).collect())
        }
        "partition" | "rpartition" => {
            let Some(sep) = arg_str(0) else {
                return type_err(format!("must be str, not {}", pos.first().map_or("NoneType".into(), V::type_name)));
            };
            if sep.is_empty() {
                return raise("ValueError", "empty separator");
            }
            let found = if name == "partition" { s.find(sep.as_str()) } else { s.rfind(sep.as_str()) };
            let parts = match found {
                Some(b) => [&s[..b], sep.as_str(), &s[b + sep.len()..]],
                None if name == "partition" => [&**s, "", ""],
                None => ["", "", &**s],
            };
            V::tuple(parts.iter().map(|p| V::str(*p)).collect())
        }
        "removeprefix" => V::str(
            arg_str(0).and_then(|p| s.strip_prefix(p.as_str()).map(String::from)).unwrap_or_else(|| s.to_string()),
        ),
        "removesuffix" => V::str(
            arg_str(0).and_then(|p| s.strip_suffix(p.as_str()).map(String::from)).unwrap_or_else(|| s.to_string()),
        ),
        "casefold" => V::str(s.to_lowercase().replace('ß', "ss")),
        "swapcase" => V::str(
            s.chars()
                .flat_map(|c| {
                    if c.is_uppercase() { c.to_lowercase().collect::<Vec<_>>() } else { c.to_uppercase().collect() }
                })
                .collect::<String>(),
        ),
        "isascii" => V::Bool(s.is_ascii()),
        "startswith" | "endswith" => {
            // Tested on s[start:end], as a slice of characters.
            let (lo, hi) = char_span(s, pos.get(1), pos.get(2))?;
            let Some(part) = lo.and_then(|lo| s.get(lo..hi)) else { return Ok(V::Bool(false)) };
            let test = |p: &str| if name == "startswith" { part.starts_with(p) } else { part.ends_with(p) };
            match pos.first() {
                Some(V::Str(p)) => V::Bool(test(p)),
                Some(V::Tuple(ps)) => V::Bool(ps.iter().any(|p| matches!(p, V::Str(p) if test(p)))),
                _ => return type_err(format!("{name} first arg must be str or a tuple of str")),
            }
        }
        "replace" => {
            let (Some(a), Some(b)) = (arg_str(0), arg_str(1)) else {
                return type_err("replace() argument must be str");
            };
            match pos.get(2).and_then(V::as_int) {
                Some(n) if n >= 0 => V::str(s.replacen(&a, &b, n as usize)),
                _ => V::str(s.replace(&a, &b)),
            }
        }
        "find" | "index" | "rfind" | "rindex" | "count" => {
            let Some(sub) = arg_str(0) else { return type_err(format!("{name}() argument must be str")) };
            // Searched in s[start:end]; a position counts from the start of s.
            let (lo, hi) = char_span(s, pos.get(1), pos.get(2))?;
            let part = lo.and_then(|lo| s.get(lo..hi).map(|p| (lo, p)));
            if name == "count" {
                return Ok(V::Int(match part {
                    None => 0,
                    Some((_, p)) if sub.is_empty() => p.chars().count() as i64 + 1,
                    Some((_, p)) => p.matches(sub.as_str()).count() as i64,
                }));
            }
            let found = part.and_then(|(lo, p)| {
                let at = if name.starts_with('r') { p.rfind(sub.as_str()) } else { p.find(sub.as_str()) };
                at.map(|b| lo + b)
            });
            match found {
                Some(b) => V::Int(s[..b].chars().count() as i64),
                None if name.ends_with("index") => return raise("ValueError", "substring not found"),
                None => V::Int(-1),
            }
        }
        "ljust" | "rjust" | "center" | "zfill" => {
            let w = pos.first().map(index).transpose()?.unwrap_or(0).max(0) as usize;
            let fill = arg_str(1).and_then(|f| f.chars().next()).unwrap_or(if name == "zfill" { '0' } else { ' ' });
            let n = s.chars().count();
            if w <= n {
                return Ok(V::Str(s.clone()));
            }
            let pad = |k: usize| std::iter::repeat_n(fill, k).collect::<String>();
            V::str(match name {
                "ljust" => format!("{s}{}", pad(w - n)),
                "rjust" => format!("{}{s}", pad(w - n)),
                "zfill" => {
                    let (sign, rest) = if s.starts_with(['-', '+']) { s.split_at(1) } else { ("", &**s) };
                    format!("{sign}{}{rest}", pad(w - n))
                }
                _ => {
                    // CPython: left = marg / 2 + (marg & width & 1).
                    let marg = w - n;
                    let left = marg / 2 + (marg & w & 1);
                    format!("{}{s}{}", pad(left), pad(w - n - left))
                }
            })
        }
        "isdigit" | "isnumeric" | "isdecimal" => V::Bool(!s.is_empty() && s.chars().all(|c| c.is_ascii_digit())),
        "isalpha" => V::Bool(!s.is_empty() && s.chars().all(char::is_alphabetic)),
        "isalnum" => V::Bool(!s.is_empty() && s.chars().all(char::is_alphanumeric)),
        "isspace" => V::Bool(!s.is_empty() && s.chars().all(char::is_whitespace)),
        "isupper" => V::Bool(s.chars().any(char::is_alphabetic) && !s.chars().any(char::is_lowercase)),
        "islower" => V::Bool(s.chars().any(char::is_alphabetic) && !s.chars().any(char::is_uppercase)),
        "title" | "capitalize" => {
            let mut out = String::new();
            let mut prev_alpha = false;
            for (i, c) in s.chars().enumerate() {
                let up = if name == "title" { !prev_alpha } else { i == 0 };
                if up {
                    out.extend(c.to_uppercase());
                } else {
                    out.extend(c.to_lowercase());
                }
                prev_alpha = c.is_alphabetic();
            }
            V::str(out)
        }
        // Not the string itself, which would print as if it were bytes: said as missing.
        "encode" => return crate::py::bytes::encode(s, &pos, &kw),
        _ => return raise("AttributeError", format!("'str' object has no attribute '{name}'")),
    })
}

/// The byte span of `s[start:end]` (character indices, negative from the end, clamped as a
/// slice's): `None` for the start when it lies past the end (a search there finds nothing,
/// not even the empty string).
fn char_span(s: &str, start: Option<&V>, end: Option<&V>) -> R<(Option<usize>, usize)> {
    let n = s.chars().count() as i64;
    let bound = |v: Option<&V>, dflt: i64| -> R<i64> {
        match v {
            None | Some(V::None) => Ok(dflt),
            Some(v) => {
                let i = index(v)?;
                Ok(if i < 0 { (i + n).max(0) } else { i.min(n + 1) })
            }
        }
    };
    let (a, b) = (bound(start, 0)?, bound(end, n)?.min(n));
    let byte = |i: i64| s.char_indices().nth(i as usize).map_or(s.len(), |(b, _)| b);
    // Past the end, or an end before the start: nothing there, not even the empty string.
    if a > n || a > b {
        return Ok((None, 0));
    }
    Ok((Some(byte(a)), byte(b)))
}

/// `s.split(None, n)` / `s.rsplit(None, n)`: at most n splits at runs of whitespace; the
/// rest kept whole (its inner whitespace too), the outer whitespace dropped.
fn split_whitespace_n(s: &str, n: usize, from_right: bool) -> Vec<String> {
    let mut out = Vec::new();
    if from_right {
        let mut rest = s.trim_end();
        while out.len() < n && !rest.is_empty() {
            match rest.rfind(char::is_whitespace) {
                Some(i) => {
                    let w = rest[i..].chars().next().map_or(1, char::len_utf8);
                    out.push(rest[i + w..].to_string());
                    rest = rest[..i].trim_end();
                }
                None => break,
            }
        }
        if !rest.is_empty() {
            out.push(rest.to_string());
        }
        out.reverse();
    } else {
        let mut rest = s.trim_start();
        while out.len() < n && !rest.is_empty() {
            match rest.find(char::is_whitespace) {
                Some(i) => {
                    out.push(rest[..i].to_string());
                    rest = rest[i..].trim_start();
                }
                None => break,
            }
        }
        if !rest.is_empty() {
            out.push(rest.to_string());
        }
    }
    out
}

/// `s.splitlines(keepends)`: at every line boundary CPython knows (`\n`, `\r\n`, `\r`,
/// `\v`, `\f`, `\x1c`–`\x1e`, `\x85`, `\u2028`, `\u2029`).
fn splitlines(s: &str, keep: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut it = s.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        if matches!(c, '\n' | '\r' | '\x0b' | '\x0c' | '\x1c' | '\x1d' | '\x1e' | '\u{85}' | '\u{2028}' | '\u{2029}') {
            let mut end = i + c.len_utf8();
            if c == '\r' && it.peek().is_some_and(|(_, d)| *d == '\n') {
                it.next();
                end += 1;
            }
            out.push(if keep { s[start..end].to_string() } else { s[start..i].to_string() });
            start = end;
        }
    }
    if start < s.len() {
        out.push(s[start..].to_string());
    }
    out
}

/// `str.maketrans(x[, y[, z]])`: the table `str.translate` takes — ordinals to ordinals,
/// strings or None.
pub fn maketrans(_it: &mut Interp<'_>, pos: Vec<V>) -> R<V> {
    let mut d = Dict::default();
    let ord = |c: char| V::Int(i64::from(u32::from(c)));
    match pos.as_slice() {
        [V::Dict(m)] => {
            let pairs: Vec<(V, V)> = m.lock().map.values().cloned().collect();
            for (k, v) in pairs {
                let k = match &k {
                    V::Str(s) if s.chars().count() == 1 => ord(s.chars().next().unwrap_or_default()),
                    V::Str(_) => return raise("ValueError", "string keys in translate table must be of length 1"),
                    k if k.is_int() => k.clone(),
                    _ => return type_err("keys in translate table must be strings or integers"),
                };
                d.set(k, v).or_else(type_err)?;
            }
        }
        [V::Str(x), V::Str(y), rest @ ..] => {
            if x.chars().count() != y.chars().count() {
                return raise("ValueError", "the first two maketrans arguments must have equal length");
            }
            for (a, b) in x.chars().zip(y.chars()) {
                d.set(ord(a), ord(b)).or_else(type_err)?;
            }
            match rest {
                [] => {}
                [V::Str(z)] => {
                    for c in z.chars() {
                        d.set(ord(c), V::None).or_else(type_err)?;
                    }
                }
                _ => return type_err("maketrans() argument 3 must be str"),
            }
        }
        [_] => return type_err("if you give only one argument to maketrans it must be a dict"),
        _ => return type_err("maketrans() argument 2 must be str"),
    }
    Ok(V::Dict(Arc::new(Mutex::new(d))))
}
