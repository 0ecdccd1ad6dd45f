//! Python's format-spec mini-language (`f"{x:>8.2f}"`, `format(n, ",")`) for int, float
//! and str.

use super::value::{V, float_repr};
use num_bigint::BigInt;

struct Spec {
    fill: char,
    align: Option<char>,
    sign: char,
    alt: bool,
    zero: bool,
    width: usize,
    group: Option<char>,
    precision: Option<usize>,
    ty: Option<char>,
}

fn parse(spec: &str) -> Result<Spec, String> {
    let cs: Vec<char> = spec.chars().collect();
    let mut i = 0;
    let mut s = Spec {
        fill: ' ',
        align: None,
        sign: '-',
        alt: false,
        zero: false,
        width: 0,
        group: None,
        precision: None,
        ty: None,
    };
    let is_align = |c: char| matches!(c, '<' | '>' | '^' | '=');
    let mut explicit_fill = false;
    if cs.len() >= 2 && is_align(cs[1]) {
        explicit_fill = true;
        s.fill = cs[0];
        s.align = Some(cs[1]);
        i = 2;
    } else if !cs.is_empty() && is_align(cs[0]) {
        s.align = Some(cs[0]);
        i = 1;
    }
    if i < cs.len() && matches!(cs[i], '+' | '-' | ' ') {
        s.sign = cs[i];
        i += 1;
    }
    if i < cs.len() && cs[i] == 'z' {
        i += 1;
    }
    if i < cs.len() && cs[i] == '#' {
        s.alt = true;
        i += 1;
    }
    if i < cs.len() && cs[i] == '0' {
        s.zero = true;
        i += 1;
    }
    let start = i;
    while i < cs.len() && cs[i].is_ascii_digit() {
        i += 1;
    }
    if i > start {
        s.width =
            cs[start..i].iter().collect::<String>().parse().map_err(|_| "Too many decimal digits in format string")?;
        if s.width > 100_000 {
            return Err("Too many decimal digits in format string".into());
        }
    }
    if i < cs.len() && matches!(cs[i], ',' | '_') {
        s.group = Some(cs[i]);
        i += 1;
    }
    if i < cs.len() && cs[i] == '.' {
        i += 1;
        let start = i;
        while i < cs.len() && cs[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return Err("Format specifier missing precision".into());
        }
        let p: usize =
            cs[start..i].iter().collect::<String>().parse().map_err(|_| "Too many decimal digits in format string")?;
        if p > 10_000 {
            return Err("precision too big".into());
        }
        s.precision = Some(p);
    }
    if i < cs.len() {
        s.ty = Some(cs[i]);
        i += 1;
    }
    if i < cs.len() {
        return Err("Invalid format specifier".into());
    }
    // `0`: zero fill unless a fill was given; numbers then pad after the sign.
    if s.zero && !explicit_fill {
        s.fill = '0';
    }
    Ok(s)
}

fn group_digits(digits: &str, sep: char, every: usize) -> String {
    let (int, frac) = match digits.find('.') {
        Some(p) => (&digits[..p], &digits[p..]),
        None => (digits, ""),
    };
    let mut out = String::new();
    let n = int.len();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (n - i) % every == 0 {
            out.push(sep);
        }
        out.push(c);
    }
    out + frac
}

fn pad(body: &str, sign: &str, s: &Spec, default_align: char) -> String {
    let len = body.chars().count() + sign.chars().count();
    if len >= s.width {
        return format!("{sign}{body}");
    }
    let n = s.width - len;
    let fill = |k: usize| std::iter::repeat_n(s.fill, k).collect::<String>();
    match s.align.unwrap_or(default_align) {
        '<' => format!("{sign}{body}{}", fill(n)),
        '^' => format!("{}{sign}{body}{}", fill(n / 2), fill(n - n / 2)),
        '=' => format!("{sign}{}{body}", fill(n)),
        _ => format!("{}{sign}{body}", fill(n)),
    }
}

fn fixed(f: f64, prec: usize) -> String {
    format!("{:.*}", prec, f)
}

fn sci(f: f64, prec: usize, upper: bool) -> String {
    let s = format!("{:.*e}", prec, f);
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = e.parse().unwrap_or(0);
    let r = format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    if upper { r.to_uppercase() } else { r }
}

fn general(f: f64, prec: usize, alt: bool) -> String {
    let p = prec.max(1);
    if f == 0.0 {
        return if alt { format!("{:.*}", p - 1, 0.0) } else { "0".into() };
    }
    let exp = f.abs().log10().floor() as i32;
    // Round first: the exponent after rounding decides.
    let s = format!("{:.*e}", p - 1, f);
    let exp_r: i32 = s.split_once('e').and_then(|(_, e)| e.parse().ok()).unwrap_or(exp);
    let mut out = if exp_r >= -4 && exp_r < p as i32 {
        format!("{:.*}", (p as i32 - 1 - exp_r).max(0) as usize, f)
    } else {
        sci(f, p - 1, false)
    };
    if !alt {
        if let Some(epos) = out.find('e') {
            let (m, e) = out.split_at(epos);
            let m = if m.contains('.') { m.trim_end_matches('0').trim_end_matches('.') } else { m };
            out = format!("{m}{e}");
        } else if out.contains('.') {
            out = out.trim_end_matches('0').trim_end_matches('.').to_string();
        }
    }
    out
}

/// `format(v, spec)` for int, bool, float and str.
pub fn format_spec(v: &V, spec: &str) -> Result<String, String> {
    if let V::Int(n) = v
        && (spec.is_empty() || spec == "d")
    {
        return Ok(n.to_string());
    }
    let s = parse(spec)?;
    match v {
        V::Str(text) => {
            if let Some(t) = s.ty
                && t != 's'
            {
                return Err(format!("Unknown format code '{t}' for object of type 'str'"));
            }
            if s.sign != '-' {
                return Err("Sign not allowed in string format specifier".into());
            }
            if s.align == Some('=') {
                return Err("'=' alignment not allowed in string format specifier".into());
            }
            let body: String = match s.precision {
                Some(p) => text.chars().take(p).collect(),
                None => text.to_string(),
            };
            Ok(pad(&body, "", &s, '<'))
        }
        V::Int(_) | V::Big(_) | V::Bool(_) => {
            let big: BigInt = v.to_big().unwrap_or_default();
            match s.ty {
                Some('e' | 'E' | 'f' | 'F' | 'g' | 'G' | '%') => {
                    let f = v.as_f64().ok_or("int too large to convert to float")?;
                    format_float(f, &s)
                }
                Some('c') => {
                    let c = big.try_into().ok().and_then(char::from_u32).ok_or("%c arg not in range(0x110000)")?;
                    Ok(pad(&c.to_string(), "", &s, '<'))
                }
                Some(t) if !matches!(t, 'd' | 'n' | 'b' | 'o' | 'x' | 'X') => {
                    Err(format!("Unknown format code '{t}' for object of type 'int'"))
                }
                _ => {
                    if s.precision.is_some() {
                        return Err("Precision not allowed in integer format specifier".into());
                    }
                    let neg = big < BigInt::from(0);
                    let mag = if neg { -big } else { big };
                    let (digits, prefix) = match s.ty {
                        Some('b') => (mag.to_str_radix(2), "0b"),
                        Some('o') => (mag.to_str_radix(8), "0o"),
                        Some('x') => (mag.to_str_radix(16), "0x"),
                        Some('X') => (mag.to_str_radix(16).to_uppercase(), "0X"),
                        _ => (mag.to_string(), ""),
                    };
                    let digits = match s.group {
                        Some(g) => {
                            group_digits(&digits, g, if s.ty.is_some_and(|t| t != 'd' && t != 'n') { 4 } else { 3 })
                        }
                        None => digits,
                    };
                    let sign = match (neg, s.sign) {
                        (true, _) => "-",
                        (false, '+') => "+",
                        (false, ' ') => " ",
                        _ => "",
                    };
                    let sign = if s.alt { format!("{sign}{prefix}") } else { sign.to_string() };
                    Ok(pad(&digits, &sign, &s, if s.zero { '=' } else { '>' }))
                }
            }
        }
        V::Float(f) => format_float(*f, &s),
        other => {
            if spec.is_empty() {
                Ok(other.to_str())
            } else {
                Err(format!("unsupported format string passed to {}.__format__", other.type_name()))
            }
        }
    }
}

fn format_float(f: f64, s: &Spec) -> Result<String, String> {
    let neg = f.is_sign_negative();
    let a = f.abs();
    let body = if a.is_nan() {
        "nan".to_string()
    } else if a.is_infinite() {
        "inf".to_string()
    } else {
        match s.ty {
            Some('f' | 'F') => fixed(a, s.precision.unwrap_or(6)),
            Some('e') => sci(a, s.precision.unwrap_or(6), false),
            Some('E') => sci(a, s.precision.unwrap_or(6), true),
            Some('g' | 'G') => general(a, s.precision.unwrap_or(6), s.alt),
            Some('%') => format!("{}%", fixed(a * 100.0, s.precision.unwrap_or(6))),
            Some('n') => general(a, s.precision.unwrap_or(6), s.alt),
            None => match s.precision {
                Some(p) => {
                    let g = general(a, p, s.alt);
                    if g.contains(['.', 'e', 'n', 'i']) { g } else { format!("{g}.0") }
                }
                None => float_repr(a),
            },
            Some(t) => return Err(format!("Unknown format code '{t}' for object of type 'float'")),
        }
    };
    let body = match s.group {
        Some(g) if !body.contains('e') => group_digits(&body, g, 3),
        _ => body,
    };
    let sign = match (neg && !a.is_nan(), s.sign) {
        (true, _) => "-",
        (false, '+') => "+",
        (false, ' ') => " ",
        _ => "",
    };
    Ok(pad(&body, sign, s, if s.zero { '=' } else { '>' }))
}

/// `round(f, n)`: Python rounds half to even on the exact binary value.
pub fn round_float(f: f64, n: i64) -> f64 {
    if !f.is_finite() {
        return f;
    }
    if n > 300 {
        return f;
    }
    if n < -308 {
        return 0.0 * f.signum();
    }
    // Use the exact decimal expansion via formatting, which rounds half to even correctly.
    if n >= 0 {
        let s = format!("{:.*}", n as usize, f);
        s.parse().unwrap_or(f)
    } else {
        let p = 10f64.powi((-n) as i32);
        let q = f / p;
        let r = q.round();
        let r = if (q - q.trunc()).abs() == 0.5 { 2.0 * (q / 2.0).round() } else { r };
        r * p
    }
}
