//! `datetime`: `datetime` (`now`, `today`, `utcnow`, `fromtimestamp`, `timestamp`,
//! `strftime`, `isoformat`, arithmetic with `timedelta`, comparisons), `date` (`today`,
//! `isoformat`, `strftime`) and `timedelta` (normalised to days, seconds and microseconds as
//! CPython's, `total_seconds`, arithmetic, comparisons), with CPython's `str` and `repr`.
//!
//! Each value is an instance of a class of module `datetime` whose attributes (`year`, …,
//! `microsecond`; `days`, `seconds`, `microseconds`) are in its `__dict__`, with the instant
//! kept as microseconds. Local time is UTC: a scenario sees the clock, not the user's zone.

use super::exc;
use super::interp::{Interp, R, raise, type_err};
use super::libobj::{self, Kw};
use super::stdlib::{NFn, Native};
use super::value::{Attrs, Class, ClassKind, Inst, InstNative, V};
use std::sync::{Arc, OnceLock};
use threadline_runtime::footprint::Mutex;

/// The methods of `datetime`'s classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DtFn {
    DtInit,
    DtNow,
    DtUtcNow,
    DtFromTimestamp,
    DtTimestamp,
    DtDate,
    DateInit,
    DateToday,
    Strftime,
    /// `f"{d:%Y-%m-%d}"`: strftime with the spec (str() when empty).
    Format,
    Isoformat,
    Str,
    Repr,
    Add,
    Sub,
    RSub,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Hash,
    TdInit,
    TotalSeconds,
    Mul,
    TrueDiv,
    Neg,
    Abs,
}

impl DtFn {
    /// The name Python gives it.
    pub fn name(self) -> &'static str {
        use DtFn::*;
        match self {
            DtInit | DateInit | TdInit => "__init__",
            DtNow => "now",
            DtUtcNow => "utcnow",
            DtFromTimestamp => "fromtimestamp",
            DtTimestamp => "timestamp",
            DtDate => "date",
            DateToday => "today",
            Strftime => "strftime",
            Format => "__format__",
            Isoformat => "isoformat",
            Str => "__str__",
            Repr => "__repr__",
            Add => "__add__",
            Sub => "__sub__",
            RSub => "__rsub__",
            Lt => "__lt__",
            Le => "__le__",
            Gt => "__gt__",
            Ge => "__ge__",
            Eq => "__eq__",
            Hash => "__hash__",
            TotalSeconds => "total_seconds",
            Mul => "__mul__",
            TrueDiv => "__truediv__",
            Neg => "__neg__",
            Abs => "__abs__",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    DateTime,
    Date,
    Delta,
}

fn class_of(kind: Kind) -> Arc<Class> {
    static DT: OnceLock<Arc<Class>> = OnceLock::new();
    static D: OnceLock<Arc<Class>> = OnceLock::new();
    static TD: OnceLock<Arc<Class>> = OnceLock::new();
    use DtFn::*;
    let make = |name: &str, methods: &[DtFn], classmethods: &[DtFn]| {
        let mut dict = Attrs::default();
        for &m in methods {
            dict.insert(Arc::from(m.name()), libobj::native_fn(NFn::Dt(m)));
        }
        for &m in classmethods {
            dict.insert(Arc::from(m.name()), V::Native(Arc::new(Native::ClassMethod(libobj::native_fn(NFn::Dt(m))))));
        }
        if name == "datetime" {
            dict.insert(
                Arc::from("today"),
                V::Native(Arc::new(Native::ClassMethod(libobj::native_fn(NFn::Dt(DtNow))))),
            );
        }
        exc::build_class(Arc::from(name), Arc::from("datetime"), vec![exc::object_class()], dict, ClassKind::Plain)
    };
    let cmp = [Lt, Le, Gt, Ge, Eq, Hash, Str, Repr, Add, Sub];
    match kind {
        Kind::DateTime => DT
            .get_or_init(|| {
                let mut m = vec![DtInit, DtTimestamp, DtDate, Strftime, Format, Isoformat, RSub];
                m.extend(cmp);
                make("datetime", &m, &[DtNow, DtUtcNow, DtFromTimestamp])
            })
            .clone(),
        Kind::Date => D
            .get_or_init(|| {
                let mut m = vec![DateInit, Strftime, Format, Isoformat];
                m.extend(cmp);
                make("date", &m, &[DateToday])
            })
            .clone(),
        Kind::Delta => TD
            .get_or_init(|| {
                let mut m = vec![TdInit, TotalSeconds, Mul, TrueDiv, Neg, Abs];
                m.extend(cmp);
                make("timedelta", &m, &[])
            })
            .clone(),
    }
}

/// `datetime.name`.
pub fn module_attr(name: &str) -> Option<V> {
    Some(match name {
        "datetime" => V::Class(class_of(Kind::DateTime)),
        "date" => V::Class(class_of(Kind::Date)),
        "timedelta" => V::Class(class_of(Kind::Delta)),
        "MINYEAR" => V::Int(1),
        "MAXYEAR" => V::Int(9999),
        _ => return None,
    })
}

// ------------------------------------------------------------------ the calendar

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of days since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

const US_PER_DAY: i64 = 86_400_000_000;

// ------------------------------------------------------------------ values

fn us_of(v: &V) -> Option<i64> {
    libobj::own_attr(v, "_us").and_then(|x| x.as_int())
}

fn kind_of(v: &V) -> Option<Kind> {
    let V::Inst(i) = v else { return None };
    [Kind::DateTime, Kind::Date, Kind::Delta].into_iter().find(|k| Arc::ptr_eq(&i.class, &class_of(*k)))
}

fn new_inst(kind: Kind) -> V {
    V::Inst(Arc::new(Inst {
        class: class_of(kind),
        dict: Mutex::new(Attrs::default()),
        native: Mutex::new(InstNative::None),
        hrep: Default::default(),
    }))
}

fn set_fields(v: &V, kind: Kind, us: i64) {
    let V::Inst(i) = v else { return };
    let mut d = i.dict.lock();
    d.insert(Arc::from("_us"), V::Int(us));
    match kind {
        Kind::Delta => {
            let days = us.div_euclid(US_PER_DAY);
            let rest = us.rem_euclid(US_PER_DAY);
            d.insert(Arc::from("days"), V::Int(days));
            d.insert(Arc::from("seconds"), V::Int(rest / 1_000_000));
            d.insert(Arc::from("microseconds"), V::Int(rest % 1_000_000));
        }
        Kind::DateTime | Kind::Date => {
            let (y, m, dd) = civil_from_days(us.div_euclid(US_PER_DAY));
            let rest = us.rem_euclid(US_PER_DAY);
            d.insert(Arc::from("year"), V::Int(y));
            d.insert(Arc::from("month"), V::Int(m));
            d.insert(Arc::from("day"), V::Int(dd));
            if kind == Kind::DateTime {
                d.insert(Arc::from("hour"), V::Int(rest / 3_600_000_000));
                d.insert(Arc::from("minute"), V::Int(rest / 60_000_000 % 60));
                d.insert(Arc::from("second"), V::Int(rest / 1_000_000 % 60));
                d.insert(Arc::from("microsecond"), V::Int(rest % 1_000_000));
            }
        }
    }
}

fn make(kind: Kind, us: i64) -> V {
    let v = new_inst(kind);
    set_fields(&v, kind, us);
    v
}

fn field(v: &V, name: &str) -> i64 {
    libobj::own_attr(v, name).and_then(|x| x.as_int()).unwrap_or(0)
}

fn now_us(it: &Interp<'_>) -> i64 {
    ((it.w.wall_start + it.w.elapsed_s(it.ctx)) * 1e6) as i64
}

fn int_arg(pos: &[V], kw: &mut Kw, i: usize, name: &str, default: Option<i64>) -> R<i64> {
    match libobj::arg(pos, kw, i, name) {
        Some(v) => match v.as_int() {
            Some(n) => Ok(n),
            None => type_err(format!("'{}' object cannot be interpreted as an integer", v.type_name())),
        },
        None => match default {
            Some(d) => Ok(d),
            None => type_err(format!("function missing required argument '{name}' (pos {})", i + 1)),
        },
    }
}

fn num(v: &V) -> Option<f64> {
    v.as_f64()
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/// `strftime` with CPython's (C library's) directives.
fn strftime(v: &V, fmt: &str) -> String {
    let (y, m, d) = (field(v, "year"), field(v, "month"), field(v, "day"));
    let (hh, mm, ss, us) = (field(v, "hour"), field(v, "minute"), field(v, "second"), field(v, "microsecond"));
    format_calendar(fmt, (y, m, d), (hh, mm, ss), Some(us))
}

/// `strftime` of a civil date and time of day: the one formatter of `datetime`'s and
/// `time.strftime`'s directives. `us`: the microseconds `%f` shows — None for
/// `time.strftime`, which has none (`%f` stays as written, as C's strftime leaves it)
/// and whose zone is UTC (`%z` `+0000`, `%Z` `UTC`).
pub(crate) fn format_calendar(
    fmt: &str,
    (y, m, d): (i64, i64, i64),
    (hh, mm, ss): (i64, i64, i64),
    us: Option<i64>,
) -> String {
    let days = days_from_civil(y, m, d);
    let weekday = (days + 3).rem_euclid(7) as usize; // 1970-01-01 was a Thursday
    let yday = days - days_from_civil(y, 1, 1) + 1;
    let month = MONTHS[(m - 1).clamp(0, 11) as usize];
    let day = DAYS[weekday];
    let mut out = String::new();
    let mut cs = fmt.chars();
    while let Some(c) = cs.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match cs.next() {
            Some('Y') => out.push_str(&format!("{y:04}")),
            Some('y') => out.push_str(&format!("{:02}", y % 100)),
            Some('m') => out.push_str(&format!("{m:02}")),
            Some('d') => out.push_str(&format!("{d:02}")),
            Some('e') => out.push_str(&format!("{d:2}")),
            Some('H') => out.push_str(&format!("{hh:02}")),
            Some('I') => out.push_str(&format!("{:02}", if hh % 12 == 0 { 12 } else { hh % 12 })),
            Some('p') => out.push_str(if hh < 12 { "AM" } else { "PM" }),
            Some('M') => out.push_str(&format!("{mm:02}")),
            Some('S') => out.push_str(&format!("{ss:02}")),
            Some('f') if us.is_some() => out.push_str(&format!("{:06}", us.unwrap_or(0))),
            Some('j') => out.push_str(&format!("{yday:03}")),
            Some('b') => out.push_str(&month[..3]),
            Some('B') => out.push_str(month),
            Some('a') => out.push_str(&day[..3]),
            Some('A') => out.push_str(day),
            Some('w') => out.push_str(&((weekday + 1) % 7).to_string()),
            Some('c') => out.push_str(&format!("{} {} {d:2} {hh:02}:{mm:02}:{ss:02} {y}", &day[..3], &month[..3])),
            Some('x') => out.push_str(&format!("{m:02}/{d:02}/{:02}", y % 100)),
            Some('X') => out.push_str(&format!("{hh:02}:{mm:02}:{ss:02}")),
            // A naive datetime has no zone; `time.strftime` is in UTC here (local time).
            Some('z') if us.is_none() => out.push_str("+0000"),
            Some('Z') if us.is_none() => out.push_str("UTC"),
            Some('z') | Some('Z') => {}
            Some('%') => out.push('%'),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

/// The civil date and time of day (UTC) of a Unix time in whole seconds.
pub(crate) fn civil_of_unix(secs: i64) -> ((i64, i64, i64), (i64, i64, i64)) {
    let tod = secs.rem_euclid(86_400);
    (civil_from_days(secs.div_euclid(86_400)), (tod / 3600, tod / 60 % 60, tod % 60))
}

fn iso(v: &V, kind: Kind, sep: &str) -> String {
    let (y, m, d) = (field(v, "year"), field(v, "month"), field(v, "day"));
    if kind == Kind::Date {
        return format!("{y:04}-{m:02}-{d:02}");
    }
    let (hh, mm, ss, us) = (field(v, "hour"), field(v, "minute"), field(v, "second"), field(v, "microsecond"));
    let frac = if us != 0 { format!(".{us:06}") } else { String::new() };
    format!("{y:04}-{m:02}-{d:02}{sep}{hh:02}:{mm:02}:{ss:02}{frac}")
}

fn delta_str(v: &V) -> String {
    let (days, secs, us) = (field(v, "days"), field(v, "seconds"), field(v, "microseconds"));
    let mut out = String::new();
    if days != 0 {
        out.push_str(&format!("{days} day{}, ", if days.abs() == 1 { "" } else { "s" }));
    }
    out.push_str(&format!("{}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60));
    if us != 0 {
        out.push_str(&format!(".{us:06}"));
    }
    out
}

fn delta_repr(v: &V) -> String {
    let (days, secs, us) = (field(v, "days"), field(v, "seconds"), field(v, "microseconds"));
    let mut parts = Vec::new();
    if days != 0 {
        parts.push(format!("days={days}"));
    }
    if secs != 0 {
        parts.push(format!("seconds={secs}"));
    }
    if us != 0 {
        parts.push(format!("microseconds={us}"));
    }
    if parts.is_empty() {
        return "datetime.timedelta(0)".into();
    }
    format!("datetime.timedelta({})", parts.join(", "))
}

fn not_implemented() -> V {
    V::Native(Arc::new(Native::NotImplemented))
}

/// Calls a method of `datetime`'s classes.
pub fn call(it: &mut Interp<'_>, f: DtFn, pos: Vec<V>, mut kw: Kw) -> R<V> {
    use DtFn::*;
    let mut pos = pos.into_iter();
    let me = pos.next().unwrap_or_default();
    let pos: Vec<V> = pos.collect();
    match f {
        DtNow | DtUtcNow => Ok(make(Kind::DateTime, now_us(it))),
        DateToday => Ok(make(Kind::Date, now_us(it).div_euclid(US_PER_DAY) * US_PER_DAY)),
        DtFromTimestamp => {
            let ts = pos.first().and_then(num).ok_or(()).or_else(|_| type_err("an integer or float is required"))?;
            Ok(make(Kind::DateTime, (ts * 1e6).round() as i64))
        }
        DtInit => {
            let y = int_arg(&pos, &mut kw, 0, "year", None)?;
            let m = int_arg(&pos, &mut kw, 1, "month", None)?;
            let d = int_arg(&pos, &mut kw, 2, "day", None)?;
            let hh = int_arg(&pos, &mut kw, 3, "hour", Some(0))?;
            let mm = int_arg(&pos, &mut kw, 4, "minute", Some(0))?;
            let ss = int_arg(&pos, &mut kw, 5, "second", Some(0))?;
            let us = int_arg(&pos, &mut kw, 6, "microsecond", Some(0))?;
            libobj::no_more("datetime", &kw)?;
            check_date(y, m, d)?;
            for (v, hi, what) in
                [(hh, 23, "hour"), (mm, 59, "minute"), (ss, 59, "second"), (us, 999_999, "microsecond")]
            {
                if !(0..=hi).contains(&v) {
                    return raise("ValueError", format!("{what} must be in 0..{hi}"));
                }
            }
            let total = days_from_civil(y, m, d) * US_PER_DAY + ((hh * 60 + mm) * 60 + ss) * 1_000_000 + us;
            set_fields(&me, Kind::DateTime, total);
            Ok(V::None)
        }
        DateInit => {
            let y = int_arg(&pos, &mut kw, 0, "year", None)?;
            let m = int_arg(&pos, &mut kw, 1, "month", None)?;
            let d = int_arg(&pos, &mut kw, 2, "day", None)?;
            libobj::no_more("date", &kw)?;
            check_date(y, m, d)?;
            set_fields(&me, Kind::Date, days_from_civil(y, m, d) * US_PER_DAY);
            Ok(V::None)
        }
        TdInit => {
            let mut total = 0f64;
            let names = [
                ("days", 86_400e6),
                ("seconds", 1e6),
                ("microseconds", 1.0),
                ("milliseconds", 1e3),
                ("minutes", 60e6),
                ("hours", 3_600e6),
                ("weeks", 604_800e6),
            ];
            for (i, (name, scale)) in names.iter().enumerate() {
                if let Some(v) = libobj::arg(&pos, &mut kw, i, name) {
                    let Some(x) = num(&v) else {
                        return type_err(format!("unsupported type for timedelta {name} component: {}", v.type_name()));
                    };
                    total += x * scale;
                }
            }
            libobj::no_more("timedelta", &kw)?;
            set_fields(&me, Kind::Delta, total.round() as i64);
            Ok(V::None)
        }
        DtTimestamp => Ok(V::Float(us_of(&me).unwrap_or(0) as f64 / 1e6)),
        DtDate => Ok(make(Kind::Date, us_of(&me).unwrap_or(0).div_euclid(US_PER_DAY) * US_PER_DAY)),
        TotalSeconds => Ok(V::Float(us_of(&me).unwrap_or(0) as f64 / 1e6)),
        Strftime => {
            let fmt = pos.first().cloned().unwrap_or_default();
            let V::Str(fmt) = fmt else { return type_err("strftime() argument 1 must be str") };
            Ok(V::str(strftime(&me, &fmt)))
        }
        Format => match pos.first() {
            Some(V::Str(spec)) if !spec.is_empty() => Ok(V::str(strftime(&me, spec))),
            Some(V::Str(_)) | None => call(it, Str, vec![me.clone()], Vec::new()),
            Some(other) => type_err(format!("format() argument 2 must be str, not {}", other.type_name())),
        },
        Isoformat => {
            let sep = match libobj::arg(&pos, &mut kw, 0, "sep") {
                Some(V::Str(s)) => s.to_string(),
                _ => "T".into(),
            };
            Ok(V::str(iso(&me, kind_of(&me).unwrap_or(Kind::DateTime), &sep)))
        }
        Str => Ok(V::str(match kind_of(&me) {
            Some(Kind::Delta) => delta_str(&me),
            Some(k) => iso(&me, k, " "),
            None => String::new(),
        })),
        Repr => Ok(V::str(match kind_of(&me) {
            Some(Kind::Delta) => delta_repr(&me),
            Some(Kind::Date) => {
                format!("datetime.date({}, {}, {})", field(&me, "year"), field(&me, "month"), field(&me, "day"))
            }
            _ => {
                let mut parts: Vec<i64> =
                    ["year", "month", "day", "hour", "minute"].iter().map(|n| field(&me, n)).collect();
                let (s, us) = (field(&me, "second"), field(&me, "microsecond"));
                if s != 0 || us != 0 {
                    parts.push(s);
                }
                if us != 0 {
                    parts.push(us);
                }
                let parts: Vec<String> = parts.iter().map(i64::to_string).collect();
                format!("datetime.datetime({})", parts.join(", "))
            }
        })),
        Hash => Ok(V::Int(us_of(&me).unwrap_or(0))),
        Lt | Le | Gt | Ge | Eq => {
            let other = pos.first().cloned().unwrap_or_default();
            if kind_of(&other) != kind_of(&me) {
                return Ok(if f == Eq { V::Bool(false) } else { not_implemented() });
            }
            let (a, b) = (us_of(&me).unwrap_or(0), us_of(&other).unwrap_or(0));
            Ok(V::Bool(match f {
                Lt => a < b,
                Le => a <= b,
                Gt => a > b,
                Ge => a >= b,
                _ => a == b,
            }))
        }
        Add | Sub | RSub => {
            let other = pos.first().cloned().unwrap_or_default();
            let (mk, ok) = (kind_of(&me), kind_of(&other));
            let (a, b) = (us_of(&me).unwrap_or(0), us_of(&other).unwrap_or(0));
            Ok(match (f, mk, ok) {
                (Add, Some(k), Some(Kind::Delta)) => make(k, a + b),
                (Sub, Some(Kind::Delta), Some(Kind::Delta)) => make(Kind::Delta, a - b),
                (Sub, Some(k @ (Kind::DateTime | Kind::Date)), Some(Kind::Delta)) => make(k, a - b),
                (Sub, Some(k), Some(o)) if k == o => make(Kind::Delta, a - b),
                _ => not_implemented(),
            })
        }
        Mul | TrueDiv => {
            let other = pos.first().cloned().unwrap_or_default();
            let a = us_of(&me).unwrap_or(0) as f64;
            if f == TrueDiv && kind_of(&other) == Some(Kind::Delta) {
                let b = us_of(&other).unwrap_or(0) as f64;
                if b == 0.0 {
                    return raise("ZeroDivisionError", "division by zero");
                }
                return Ok(V::Float(a / b));
            }
            let Some(x) = num(&other) else { return Ok(not_implemented()) };
            if f == TrueDiv && x == 0.0 {
                return raise("ZeroDivisionError", "division by zero");
            }
            Ok(make(Kind::Delta, (if f == Mul { a * x } else { a / x }).round() as i64))
        }
        Neg => Ok(make(Kind::Delta, -us_of(&me).unwrap_or(0))),
        Abs => Ok(make(Kind::Delta, us_of(&me).unwrap_or(0).abs())),
    }
}

fn check_date(y: i64, m: i64, d: i64) -> R<()> {
    if !(1..=9999).contains(&y) {
        return raise("ValueError", format!("year {y} is out of range"));
    }
    if !(1..=12).contains(&m) {
        return raise("ValueError", "month must be in 1..12");
    }
    if d < 1 || d > days_in_month(y, m) {
        return raise("ValueError", "day is out of range for month");
    }
    Ok(())
}
