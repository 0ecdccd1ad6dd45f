//! `collections.namedtuple`: a class whose instances keep their fields as attributes and
//! behave as the tuple of them — indexing, unpacking, `len`, `==`, the repr
//! `Point(x=1, y=2)`, `_fields`, `_asdict()`, `_replace()`, `_make()` — with defaults from
//! the right. Its methods are natives in the class's dict, so a subclass adds its own.
//! `threading.excepthook`'s `ExceptHookArgs` is one too.

use super::exc;
use super::interp::{Interp, R, raise, type_err};
use super::stdlib::{NFn, Native};
use super::value::{Attrs, Class, ClassKind, Dict, Inst, InstNative, V};
use indexmap::IndexMap;
use std::sync::Arc;
use threadline_runtime::footprint::Mutex;

type Kw = Vec<(Arc<str>, V)>;

/// The methods every named tuple class has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NtMethod {
    Init,
    GetItem,
    Iter,
    Len,
    Repr,
    Eq,
    Ne,
    Lt,
    AsDict,
    Replace,
    Make,
    Count,
    Index,
}

impl NtMethod {
    const ALL: [NtMethod; 13] = [
        NtMethod::Init,
        NtMethod::GetItem,
        NtMethod::Iter,
        NtMethod::Len,
        NtMethod::Repr,
        NtMethod::Eq,
        NtMethod::Ne,
        NtMethod::Lt,
        NtMethod::AsDict,
        NtMethod::Replace,
        NtMethod::Make,
        NtMethod::Count,
        NtMethod::Index,
    ];

    /// Its name in the class's dict.
    pub fn name(self) -> &'static str {
        match self {
            NtMethod::Init => "__init__",
            NtMethod::GetItem => "__getitem__",
            NtMethod::Iter => "__iter__",
            NtMethod::Len => "__len__",
            NtMethod::Repr => "__repr__",
            NtMethod::Eq => "__eq__",
            NtMethod::Ne => "__ne__",
            NtMethod::Lt => "__lt__",
            NtMethod::AsDict => "_asdict",
            NtMethod::Replace => "_replace",
            NtMethod::Make => "_make",
            NtMethod::Count => "count",
            NtMethod::Index => "index",
        }
    }
}

fn is_identifier(s: &str) -> bool {
    let mut cs = s.chars();
    cs.next().is_some_and(|c| c.is_alphabetic() || c == '_') && cs.all(|c| c.is_alphanumeric() || c == '_')
}

const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
    "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal",
    "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
];

/// A named tuple class `name` with `fields` and `defaults` for the rightmost of them.
pub fn make_class(name: &str, module: &str, fields: &[String], defaults: Vec<V>) -> Arc<Class> {
    let mut dict = IndexMap::default();
    for m in NtMethod::ALL {
        let f = V::Native(Arc::new(Native::Fn(NFn::Nt(m))));
        // `_make` is a classmethod: `Point._make(iterable)`.
        let f = if m == NtMethod::Make { V::Native(Arc::new(Native::ClassMethod(f))) } else { f };
        dict.insert(Arc::from(m.name()), f);
    }
    dict.insert(Arc::from("_fields"), V::tuple(fields.iter().map(|f| V::str(f.clone())).collect()));
    // As CPython's: a class pattern's positional subpatterns match the fields in order.
    dict.insert(Arc::from("__match_args__"), V::tuple(fields.iter().map(|f| V::str(f.clone())).collect()));
    let mut fd = Dict::default();
    let first_default = fields.len().saturating_sub(defaults.len());
    for (f, d) in fields[first_default..].iter().zip(defaults) {
        let _ = fd.set(V::str(f.clone()), d);
    }
    dict.insert(Arc::from("_field_defaults"), V::Dict(Arc::new(Mutex::new(fd))));
    exc::build_class(Arc::from(name), Arc::from(module), vec![exc::object_class()], dict, ClassKind::Plain)
}

/// `collections.namedtuple(typename, field_names, *, rename=False, defaults=None, module=None)`.
pub fn namedtuple(it: &mut Interp<'_>, pos: Vec<V>, mut kw: Kw) -> R<V> {
    let mut take = |name: &str, i: usize| -> Option<V> {
        match kw.iter().position(|(k, _)| &**k == name) {
            Some(j) => Some(kw.remove(j).1),
            None => pos.get(i).cloned(),
        }
    };
    let Some(V::Str(typename)) = take("typename", 0) else {
        return type_err("namedtuple() missing required argument 'typename' (pos 1)");
    };
    let Some(names) = take("field_names", 1) else {
        return type_err("namedtuple() missing required argument 'field_names' (pos 2)");
    };
    let rename = take("rename", usize::MAX).is_some_and(|v| v.truthy());
    let defaults = match take("defaults", usize::MAX) {
        None | Some(V::None) => Vec::new(),
        Some(d) => it.collect_vec(&d)?,
    };
    let module = match take("module", usize::MAX) {
        Some(V::Str(m)) => m.to_string(),
        _ => "__main__".to_string(),
    };
    if let Some((k, _)) = kw.first() {
        return type_err(format!("namedtuple() got an unexpected keyword argument '{k}'"));
    }
    let mut fields: Vec<String> = match &names {
        V::Str(s) => s.replace(',', " ").split_whitespace().map(str::to_string).collect(),
        other => {
            let mut out = Vec::new();
            for v in it.collect_vec(other)? {
                out.push(it.str_of(&v)?);
            }
            out
        }
    };
    let mut seen = std::collections::HashSet::new();
    for (i, f) in fields.iter_mut().enumerate() {
        let bad = !is_identifier(f) || KEYWORDS.contains(&f.as_str()) || f.starts_with('_') || seen.contains(f);
        if rename && bad {
            *f = format!("_{i}");
        }
        seen.insert(f.clone());
    }
    for name in std::iter::once(&typename.to_string()).chain(fields.iter()) {
        if !is_identifier(name) {
            return raise("ValueError", format!("Type names and field names must be valid identifiers: '{name}'"));
        }
        if KEYWORDS.contains(&name.as_str()) {
            return raise("ValueError", format!("Type names and field names cannot be a keyword: '{name}'"));
        }
    }
    let mut seen = std::collections::HashSet::new();
    for f in &fields {
        if f.starts_with('_') && !rename {
            return raise("ValueError", format!("Field names cannot start with an underscore: '{f}'"));
        }
        if !seen.insert(f) {
            return raise("ValueError", format!("Encountered duplicate field name: '{f}'"));
        }
    }
    if defaults.len() > fields.len() {
        return type_err("Got more default values than field names");
    }
    Ok(V::Class(make_class(&typename, &module, &fields, defaults)))
}

/// Whether `name` is a field of the named tuple class `class` (fields cannot be assigned).
pub fn is_field(class: &Arc<Class>, name: &str) -> bool {
    matches!(class.lookup("_fields"), Some(V::Tuple(t)) if t.iter().any(|f| matches!(f, V::Str(s) if &**s == name)))
}

/// A new instance of the named tuple class `class` with these values (no checks).
pub fn instance(class: &Arc<Class>, values: Vec<V>) -> V {
    let fields = field_names(class);
    let dict: Attrs = fields.into_iter().map(Arc::from).zip(values).collect();
    V::Inst(Arc::new(Inst {
        class: Arc::clone(class),
        dict: Mutex::new(dict),
        native: Mutex::new(InstNative::None),
        hrep: Default::default(),
    }))
}

fn field_names(class: &Arc<Class>) -> Vec<String> {
    match class.lookup("_fields") {
        Some(V::Tuple(t)) => t
            .iter()
            .filter_map(|v| match v {
                V::Str(s) => Some(s.to_string()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The values of a named tuple instance, in field order.
fn values(me: &V) -> Vec<V> {
    let V::Inst(i) = me else { return Vec::new() };
    let d = i.dict.lock();
    field_names(&i.class).iter().map(|f| d.get(f.as_str()).cloned().unwrap_or_default()).collect()
}

/// A named tuple instance's values (None for anything else): it hashes and compares as the
/// plain tuple of them, as CPython's.
pub fn tuple_values(v: &V) -> Option<Vec<V>> {
    match v {
        V::Inst(i) if i.class.lookup("_fields").is_some() => Some(values(v)),
        _ => None,
    }
}

/// A value as a sequence to compare with (another named tuple, or a tuple).
fn as_items(v: &V) -> Option<Vec<V>> {
    match v {
        V::Tuple(t) => Some(t.to_vec()),
        V::Inst(i) if i.class.lookup("_fields").is_some() => Some(values(v)),
        _ => None,
    }
}

/// Calls a named tuple method; `pos[0]` is the instance (or the class for `_make`).
pub fn call(it: &mut Interp<'_>, m: NtMethod, mut pos: Vec<V>, mut kw: Kw) -> R<V> {
    if pos.is_empty() {
        return type_err(format!("descriptor '{}' needs an argument", m.name()));
    }
    let me = pos.remove(0);
    let V::Inst(inst) = &me else {
        if let (NtMethod::Make, V::Class(c)) = (m, &me) {
            let items = it.collect_vec(pos.first().unwrap_or(&V::None))?;
            let n = field_names(c).len();
            if items.len() != n {
                return type_err(format!("Expected {n} arguments, got {}", items.len()));
            }
            return Ok(instance(c, items));
        }
        return type_err(format!("descriptor '{}' requires a named tuple", m.name()));
    };
    let class = Arc::clone(&inst.class);
    let fields = field_names(&class);
    match m {
        NtMethod::Init => {
            let defaults = match class.lookup("_field_defaults") {
                Some(V::Dict(d)) => d.lock().clone(),
                _ => Dict::default(),
            };
            if pos.len() > fields.len() {
                return type_err(format!(
                    "{}.__new__() takes {} positional arguments but {} were given",
                    class.name,
                    fields.len() + 1,
                    pos.len() + 1
                ));
            }
            let mut vals: Vec<Option<V>> = fields.iter().map(|_| None).collect();
            for (i, v) in pos.into_iter().enumerate() {
                vals[i] = Some(v);
            }
            for (k, v) in kw.drain(..) {
                let Some(i) = fields.iter().position(|f| **f == *k) else {
                    return type_err(format!("{}.__new__() got an unexpected keyword argument '{k}'", class.name));
                };
                if vals[i].is_some() {
                    return type_err(format!("{}.__new__() got multiple values for argument '{k}'", class.name));
                }
                vals[i] = Some(v);
            }
            let mut missing = Vec::new();
            let mut d = inst.dict.lock();
            for (f, v) in fields.iter().zip(vals) {
                let v = match v {
                    Some(v) => v,
                    None => match defaults.get(&V::str(f.clone())).ok().flatten() {
                        Some(v) => v,
                        None => {
                            missing.push(format!("'{f}'"));
                            continue;
                        }
                    },
                };
                d.insert(Arc::from(f.as_str()), v);
            }
            if !missing.is_empty() {
                let n = missing.len();
                let list = match n {
                    1 => missing[0].clone(),
                    _ => format!("{} and {}", missing[..n - 1].join(", "), missing[n - 1]),
                };
                let s = if n == 1 { "" } else { "s" };
                return type_err(format!(
                    "{}.__new__() missing {n} required positional argument{s}: {list}",
                    class.name
                ));
            }
            Ok(V::None)
        }
        NtMethod::GetItem => {
            let Some(i) = pos.first() else { return type_err("__getitem__ expected 1 argument") };
            it.get_item(&V::tuple(values(&me)), i)
        }
        NtMethod::Iter => it.iter(V::tuple(values(&me))),
        NtMethod::Len => Ok(V::Int(fields.len() as i64)),
        NtMethod::Repr => {
            let mut parts = Vec::new();
            for (f, v) in fields.iter().zip(values(&me)) {
                parts.push(format!("{f}={}", it.repr_of(&v)?));
            }
            Ok(V::str(format!("{}({})", class.name, parts.join(", "))))
        }
        NtMethod::Eq | NtMethod::Ne => {
            let Some(other) = pos.first().and_then(as_items) else {
                return Ok(V::Native(Arc::new(Native::NotImplemented)));
            };
            let mine = values(&me);
            let mut same = mine.len() == other.len();
            if same {
                for (a, b) in mine.iter().zip(&other) {
                    if !it.eq(a, b)? {
                        same = false;
                        break;
                    }
                }
            }
            Ok(V::Bool(same == (m == NtMethod::Eq)))
        }
        NtMethod::Lt => {
            let Some(other) = pos.first().and_then(as_items) else {
                return Ok(V::Native(Arc::new(Native::NotImplemented)));
            };
            Ok(V::Bool(it.compare(super::ir::CmpOp::Lt, &V::tuple(values(&me)), &V::tuple(other))?))
        }
        NtMethod::AsDict => {
            let mut d = Dict::default();
            for (f, v) in fields.iter().zip(values(&me)) {
                d.set(V::str(f.clone()), v).or_else(type_err)?;
            }
            Ok(V::Dict(Arc::new(Mutex::new(d))))
        }
        NtMethod::Replace => {
            let mut vals = values(&me);
            for (k, v) in kw.drain(..) {
                let Some(i) = fields.iter().position(|f| **f == *k) else {
                    return raise("ValueError", format!("Got unexpected field names: ['{k}']"));
                };
                vals[i] = v;
            }
            Ok(instance(&class, vals))
        }
        NtMethod::Make => type_err("_make() is called on the class"),
        NtMethod::Count | NtMethod::Index => {
            let Some(x) = pos.first() else { return type_err(format!("{}() takes exactly one argument", m.name())) };
            let vals = values(&me);
            let mut n = 0;
            for (i, v) in vals.iter().enumerate() {
                if it.eq(v, x)? {
                    if m == NtMethod::Index {
                        return Ok(V::Int(i as i64));
                    }
                    n += 1;
                }
            }
            if m == NtMethod::Index {
                return raise("ValueError", "tuple.index(x): x not in tuple");
            }
            Ok(V::Int(n))
        }
    }
}
