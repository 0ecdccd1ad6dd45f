//! `enum`: `Enum`, `IntEnum`, `StrEnum`, `Flag`, `IntFlag`, `auto()` and `@unique`. A class
//! deriving from one of them is finished once after its body ran ([`finish_class`], the
//! metaclass's work): each public, non-function name of the body becomes a singleton member
//! (an instance with `name` and `value`; an equal value makes an alias), in definition
//! order. The class itself then iterates over its members, has a `len`, is called to look a
//! member up by value (`Color(1)`, `ValueError: 5 is not a valid Color`) and subscripted by
//! name (`Color['RED']`). Members print as CPython 3.11 prints them (`<Color.RED: 1>`,
//! `Color.RED`, an `IntEnum`'s `str` is its value), compare by identity (an `IntEnum`'s as
//! ints), and a `Flag`'s combine with `|` and `&`. `Enum('Name', 'A B C')` makes one too.

use super::exc;
use super::interp::{Flow, Interp, R, raise, type_err};
use super::ir::{BinOp, CmpOp};
use super::libobj::{self, Kw};
use super::stdlib::{NFn, Native};
use super::value::{Attrs, Class, ClassKind, Dict, Inst, InstNative, V};
use indexmap::IndexMap;
use std::sync::{Arc, OnceLock};
use threadline_runtime::footprint::Mutex;

/// The callables of `enum` and the methods its base classes carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnFn {
    /// `auto()`.
    Auto,
    /// `@unique`.
    Unique,
    /// A member's `__repr__`.
    Repr,
    /// A member's `__str__`.
    Str,
    /// A member's `__format__`.
    Format,
    /// An int-like member's `__int__` / `__index__`.
    Int,
    /// An int-like member's `__bool__` (and a flag's).
    Bool,
    /// An int-like member's `__hash__`.
    Hash,
    /// An int-like member's `__eq__`.
    Eq,
    /// An int-like member's `__ne__`.
    Ne,
    /// An int-like member's ordering.
    Cmp(CmpOp),
    /// An int-like member's arithmetic; `true` for the reflected one.
    Arith(BinOp, bool),
    /// A flag's `__or__` / `__and__` / `__xor__` (reflected ones too).
    FlagOp(BinOp),
    /// A flag's `__contains__`.
    Contains,
}

impl EnFn {
    /// The name Python gives it.
    pub fn name(self) -> &'static str {
        match self {
            EnFn::Auto => "auto",
            EnFn::Unique => "unique",
            EnFn::Repr => "__repr__",
            EnFn::Str => "__str__",
            EnFn::Format => "__format__",
            EnFn::Int => "__int__",
            EnFn::Bool => "__bool__",
            EnFn::Hash => "__hash__",
            EnFn::Eq => "__eq__",
            EnFn::Ne => "__ne__",
            EnFn::Cmp(_) => "__lt__",
            EnFn::Arith(..) => "__add__",
            EnFn::FlagOp(BinOp::BitAnd) => "__and__",
            EnFn::FlagOp(BinOp::BitXor) => "__xor__",
            EnFn::FlagOp(_) => "__or__",
            EnFn::Contains => "__contains__",
        }
    }
}

fn en(f: EnFn) -> V {
    libobj::native_fn(NFn::En(f))
}

fn base(name: &str, bases: Vec<Arc<Class>>, methods: Vec<(&str, EnFn)>) -> Arc<Class> {
    let dict: Attrs = methods.into_iter().map(|(k, f)| (Arc::from(k), en(f))).collect();
    exc::build_class(Arc::from(name), Arc::from("enum"), bases, dict, ClassKind::Plain)
}

/// `enum.Enum`.
pub fn enum_class() -> Arc<Class> {
    static C: OnceLock<Arc<Class>> = OnceLock::new();
    C.get_or_init(|| {
        base(
            "Enum",
            vec![exc::object_class()],
            vec![("__repr__", EnFn::Repr), ("__str__", EnFn::Str), ("__format__", EnFn::Format)],
        )
    })
    .clone()
}

const ARITH: [(BinOp, &str, &str); 11] = [
    (BinOp::Add, "__add__", "__radd__"),
    (BinOp::Sub, "__sub__", "__rsub__"),
    (BinOp::Mul, "__mul__", "__rmul__"),
    (BinOp::Div, "__truediv__", "__rtruediv__"),
    (BinOp::FloorDiv, "__floordiv__", "__rfloordiv__"),
    (BinOp::Mod, "__mod__", "__rmod__"),
    (BinOp::Pow, "__pow__", "__rpow__"),
    (BinOp::LShift, "__lshift__", "__rlshift__"),
    (BinOp::RShift, "__rshift__", "__rrshift__"),
    (BinOp::BitAnd, "__and__", "__rand__"),
    (BinOp::BitXor, "__xor__", "__rxor__"),
];

fn int_methods() -> Vec<(&'static str, EnFn)> {
    let mut m = vec![
        ("__int__", EnFn::Int),
        ("__index__", EnFn::Int),
        ("__bool__", EnFn::Bool),
        ("__hash__", EnFn::Hash),
        ("__eq__", EnFn::Eq),
        ("__ne__", EnFn::Ne),
        ("__lt__", EnFn::Cmp(CmpOp::Lt)),
        ("__le__", EnFn::Cmp(CmpOp::LtE)),
        ("__gt__", EnFn::Cmp(CmpOp::Gt)),
        ("__ge__", EnFn::Cmp(CmpOp::GtE)),
        ("__or__", EnFn::Arith(BinOp::BitOr, false)),
        ("__ror__", EnFn::Arith(BinOp::BitOr, true)),
    ];
    for (op, l, r) in ARITH {
        m.push((l, EnFn::Arith(op, false)));
        m.push((r, EnFn::Arith(op, true)));
    }
    m
}

fn flag_methods() -> Vec<(&'static str, EnFn)> {
    vec![
        ("__or__", EnFn::FlagOp(BinOp::BitOr)),
        ("__ror__", EnFn::FlagOp(BinOp::BitOr)),
        ("__and__", EnFn::FlagOp(BinOp::BitAnd)),
        ("__rand__", EnFn::FlagOp(BinOp::BitAnd)),
        ("__xor__", EnFn::FlagOp(BinOp::BitXor)),
        ("__rxor__", EnFn::FlagOp(BinOp::BitXor)),
        ("__contains__", EnFn::Contains),
        ("__bool__", EnFn::Bool),
    ]
}

/// `enum.IntEnum`.
pub fn int_enum_class() -> Arc<Class> {
    static C: OnceLock<Arc<Class>> = OnceLock::new();
    C.get_or_init(|| base("IntEnum", vec![enum_class()], int_methods())).clone()
}

/// `enum.StrEnum`.
pub fn str_enum_class() -> Arc<Class> {
    static C: OnceLock<Arc<Class>> = OnceLock::new();
    C.get_or_init(|| base("StrEnum", vec![enum_class()], Vec::new())).clone()
}

/// `enum.Flag`.
pub fn flag_class() -> Arc<Class> {
    static C: OnceLock<Arc<Class>> = OnceLock::new();
    C.get_or_init(|| base("Flag", vec![enum_class()], flag_methods())).clone()
}

/// `enum.IntFlag`.
pub fn int_flag_class() -> Arc<Class> {
    static C: OnceLock<Arc<Class>> = OnceLock::new();
    C.get_or_init(|| {
        let mut m = int_methods();
        m.retain(|(n, _)| !matches!(*n, "__or__" | "__ror__" | "__and__" | "__rand__" | "__xor__" | "__rxor__"));
        base("IntFlag", vec![flag_class()], m)
    })
    .clone()
}

fn auto_class() -> Arc<Class> {
    static C: OnceLock<Arc<Class>> = OnceLock::new();
    C.get_or_init(|| {
        exc::build_class(
            Arc::from("auto"),
            Arc::from("enum"),
            vec![exc::object_class()],
            IndexMap::default(),
            ClassKind::Plain,
        )
    })
    .clone()
}

/// `enum.name`.
pub fn module_attr(name: &str) -> Option<V> {
    Some(match name {
        "Enum" => V::Class(enum_class()),
        "IntEnum" => V::Class(int_enum_class()),
        "StrEnum" => V::Class(str_enum_class()),
        "Flag" => V::Class(flag_class()),
        "IntFlag" => V::Class(int_flag_class()),
        "auto" => en(EnFn::Auto),
        "unique" => en(EnFn::Unique),
        _ => return None,
    })
}

/// Whether `c` is an enum class (`Enum` or a subclass).
pub fn is_enum(c: &Arc<Class>) -> bool {
    c.is_sub(&enum_class())
}

fn is_int_like(c: &Arc<Class>) -> bool {
    c.is_sub(&int_enum_class()) || c.is_sub(&int_flag_class())
}

fn is_flag(c: &Arc<Class>) -> bool {
    c.is_sub(&flag_class())
}

/// Whether `v` is a member of an `IntEnum` / `IntFlag` (an `int` to `isinstance`).
pub fn is_int_member(v: &V) -> bool {
    matches!(v, V::Inst(i) if is_int_like(&i.class))
}

/// The value of an `IntEnum` / `IntFlag` member (as `__index__` gives it).
pub fn int_value(v: &V) -> V {
    own(v, "_value_")
}

/// `repr` of an enum class: `<enum 'Color'>`.
fn class_repr(c: &Class) -> String {
    format!("<enum '{}'>", c.name)
}

fn own(o: &V, name: &str) -> V {
    libobj::own_attr(o, name).unwrap_or_default()
}

fn value_of(v: &V) -> V {
    match v {
        V::Inst(i) if is_enum(&i.class) => own(v, "_value_"),
        other => other.clone(),
    }
}

fn dict_of(c: &Arc<Class>, name: &str) -> Option<Arc<Mutex<Dict>>> {
    match c.dict.read().get(name) {
        Some(V::Dict(d)) => Some(d.clone()),
        _ => None,
    }
}

/// The members of enum class `c` in definition order, aliases left out.
pub fn members(c: &Arc<Class>) -> Vec<V> {
    let names = match c.dict.read().get("_member_names_") {
        Some(V::List(l)) => l.lock().clone(),
        _ => return Vec::new(),
    };
    let Some(map) = dict_of(c, "_member_map_") else { return Vec::new() };
    let map = map.lock();
    names.iter().filter_map(|n| map.get(n).ok().flatten()).collect()
}

fn new_member(c: &Arc<Class>, name: Option<&str>, value: V) -> V {
    let mut d: Attrs = IndexMap::default();
    let n = name.map_or(V::None, V::str);
    d.insert(Arc::from("_name_"), n.clone());
    d.insert(Arc::from("_value_"), value.clone());
    d.insert(Arc::from("name"), n);
    d.insert(Arc::from("value"), value);
    V::Inst(Arc::new(Inst {
        class: c.clone(),
        dict: Mutex::new(d),
        native: Mutex::new(InstNative::None),
        hrep: Default::default(),
    }))
}

fn is_member_value(v: &V) -> bool {
    match v {
        V::Func(_) | V::Class(_) => false,
        V::Native(n) => !matches!(&**n, Native::StaticMethod(_) | Native::ClassMethod(_) | Native::Property(_)),
        _ => true,
    }
}

fn is_auto(v: &V) -> bool {
    matches!(v, V::Inst(i) if Arc::ptr_eq(&i.class, &auto_class()))
}

/// The metaclass's step after the body of `class Name(SomeEnum):` ran: members out of the
/// class's own names.
pub fn finish_class(it: &mut Interp<'_>, c: &Arc<Class>) -> R<()> {
    for b in &c.bases {
        if is_enum(b) && !members(b).is_empty() {
            return type_err(format!("{} cannot extend {}", class_repr(c), class_repr(b)));
        }
    }
    let entries: Vec<(Arc<str>, V)> = c
        .dict
        .read()
        .iter()
        .filter(|(k, v)| !k.starts_with('_') && is_member_value(v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let flag = is_flag(c);
    let str_like = c.is_sub(&str_enum_class());
    let mut names = Vec::new();
    let mut map = Dict::default();
    let mut by_value = Dict::default();
    let mut last: Option<V> = None;
    let init = c.lookup("__init__").filter(|f| matches!(f, V::Func(_)));
    for (name, v) in entries {
        let value = if is_auto(&v) {
            if str_like {
                V::str(name.to_lowercase())
            } else if flag {
                match last.as_ref().and_then(V::as_int) {
                    Some(l) if l > 0 => V::Int(1i64 << (64 - l.leading_zeros())),
                    _ => V::Int(1),
                }
            } else {
                match &last {
                    None => V::Int(1),
                    Some(l) => it.binop(BinOp::Add, l, &V::Int(1))?,
                }
            }
        } else {
            v
        };
        last = Some(value.clone());
        let key = value.hkey().ok();
        let existing = match &key {
            Some(_) => by_value.get(&value).ok().flatten(),
            None => None,
        };
        let member = match existing {
            Some(m) => m,
            None => {
                let m = new_member(c, Some(&name), value.clone());
                if let Some(f) = &init {
                    let mut args = vec![m.clone()];
                    match &value {
                        V::Tuple(t) => args.extend(t.iter().cloned()),
                        other => args.push(other.clone()),
                    }
                    it.call(f, args, Vec::new())?;
                }
                if key.is_some() {
                    by_value.set(value.clone(), m.clone()).or_else(type_err)?;
                }
                let canonical = !flag || value.as_int().is_some_and(|i| i > 0 && i & (i - 1) == 0);
                if canonical {
                    names.push(V::str(name.clone()));
                }
                m
            }
        };
        map.set(V::str(name.clone()), member.clone()).or_else(type_err)?;
        c.dict.write().insert(name, member);
        super::value::classes_changed();
    }
    let map = V::Dict(Arc::new(Mutex::new(map)));
    super::value::classes_changed();
    let mut d = c.dict.write();
    d.insert(Arc::from("_member_names_"), V::list(names));
    d.insert(Arc::from("_member_map_"), map.clone());
    d.insert(Arc::from("__members__"), map);
    d.insert(Arc::from("_value2member_map_"), V::Dict(Arc::new(Mutex::new(by_value))));
    Ok(())
}

/// The error assigning attribute `name` of an instance of `class` raises when it is an
/// enum member's `name` or `value`.
pub fn set_error(class: &Arc<Class>, name: &str) -> Option<Flow> {
    // The name first: this runs on every attribute write, and most are neither.
    if !((name == "name" || name == "value") && is_enum(class)) {
        return None;
    }
    raise::<()>("AttributeError", format!("<enum 'Enum'> cannot set attribute '{name}'")).err()
}

fn flag_member(c: &Arc<Class>, value: i64) -> V {
    let Some(by_value) = dict_of(c, "_value2member_map_") else { return new_member(c, None, V::Int(value)) };
    if let Some(m) = by_value.lock().get(&V::Int(value)).ok().flatten() {
        return m;
    }
    let mut parts: Vec<(i64, String)> = Vec::new();
    for m in members(c) {
        if let Some(v) = own(&m, "_value_").as_int()
            && v & value == v
            && v != 0
            && let V::Str(n) = own(&m, "_name_")
        {
            parts.push((v, n.to_string()));
        }
    }
    let name = (!parts.is_empty()).then(|| parts.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join("|"));
    let m = new_member(c, name.as_deref(), V::Int(value));
    let _ = by_value.lock().set(V::Int(value), m.clone());
    m
}

/// `Color(value)`: the member with that value; `Enum('Name', 'A B')` makes a new enum.
pub fn call_class(it: &mut Interp<'_>, c: &Arc<Class>, pos: Vec<V>, mut kw: Kw) -> R<V> {
    if members(c).is_empty() && (pos.len() >= 2 || !kw.is_empty()) {
        return functional(it, c, pos, kw);
    }
    let Some(value) = libobj::arg(&pos, &mut kw, 0, "value") else {
        return type_err(format!("{}.__call__() missing 1 required positional argument: 'value'", "EnumType"));
    };
    if let V::Inst(i) = &value
        && Arc::ptr_eq(&i.class, c)
    {
        return Ok(value);
    }
    if let Some(by_value) = dict_of(c, "_value2member_map_")
        && let Ok(Some(m)) = by_value.lock().get(&value)
    {
        return Ok(m);
    }
    if is_flag(c)
        && let Some(v) = value.as_int()
    {
        let all = members(c).iter().filter_map(|m| own(m, "_value_").as_int()).fold(0, |a, b| a | b);
        if v >= 0 && v & !all == 0 {
            return Ok(flag_member(c, v));
        }
    }
    let r = it.repr_of(&value)?;
    raise("ValueError", format!("{r} is not a valid {}", c.name))
}

fn functional(it: &mut Interp<'_>, c: &Arc<Class>, pos: Vec<V>, mut kw: Kw) -> R<V> {
    let Some(V::Str(name)) = libobj::arg(&pos, &mut kw, 0, "value") else {
        return type_err("Enum() functional API needs a class name");
    };
    let names = libobj::arg(&pos, &mut kw, 1, "names").unwrap_or(V::None);
    let start = libobj::kwarg(&mut kw, "start").and_then(|v| v.as_int()).unwrap_or(1);
    let mut ns: Attrs = IndexMap::default();
    let flag = is_flag(c);
    let nth = |i: usize| if flag { V::Int(1i64 << i) } else { V::Int(start + i as i64) };
    match &names {
        V::Str(s) => {
            for (i, n) in s.replace(',', " ").split_whitespace().enumerate() {
                ns.insert(Arc::from(n), nth(i));
            }
        }
        V::Dict(d) => {
            for (k, v) in d.lock().map.values() {
                ns.insert(Arc::from(it.str_of(k)?), v.clone());
            }
        }
        other => {
            for (i, item) in it.collect_vec(other)?.into_iter().enumerate() {
                match item {
                    V::Str(n) => {
                        ns.insert(Arc::<str>::from(n), nth(i));
                    }
                    pair => {
                        let kv = it.collect_vec(&pair)?;
                        let (Some(k), Some(v)) = (kv.first(), kv.get(1)) else {
                            return type_err("Enum() names must be strings or (name, value) pairs");
                        };
                        ns.insert(Arc::from(it.str_of(k)?), v.clone());
                    }
                }
            }
        }
    }
    let cls = exc::build_class(Arc::<str>::from(name), Arc::from("__main__"), vec![c.clone()], ns, ClassKind::Plain);
    finish_class(it, &cls)?;
    Ok(V::Class(cls))
}

/// `Color['RED']`.
pub fn get_item(it: &mut Interp<'_>, c: &Arc<Class>, key: &V) -> R<V> {
    if let Some(map) = dict_of(c, "_member_map_")
        && let Ok(Some(m)) = map.lock().get(key)
    {
        return Ok(m);
    }
    let _ = it;
    Err(libobj::raise_value(exc::instance(exc::class("KeyError"), vec![key.clone()])))
}

fn first(pos: &[V]) -> V {
    pos.first().cloned().unwrap_or_default()
}

fn not_implemented() -> V {
    V::Native(Arc::new(Native::NotImplemented))
}

fn member_str(it: &mut Interp<'_>, me: &V) -> R<String> {
    let V::Inst(i) = me else { return Ok(String::new()) };
    let c = &i.class;
    if is_int_like(c) || c.is_sub(&str_enum_class()) {
        return it.str_of(&own(me, "_value_"));
    }
    Ok(match own(me, "_name_") {
        V::Str(n) => format!("{}.{n}", c.name),
        _ => format!("{}({})", c.name, it.repr_of(&own(me, "_value_"))?),
    })
}

/// Calls an `enum` function or a member method (`pos[0]` is the member).
pub fn call(it: &mut Interp<'_>, f: EnFn, pos: Vec<V>, kw: Kw) -> R<V> {
    let _ = kw;
    let me = first(&pos);
    let other = pos.get(1).cloned().unwrap_or_default();
    match f {
        EnFn::Auto => Ok(V::Inst(Arc::new(Inst {
            class: auto_class(),
            dict: Mutex::new(IndexMap::default()),
            native: Mutex::new(InstNative::None),
            hrep: Default::default(),
        }))),
        EnFn::Unique => {
            let V::Class(c) = &me else { return type_err("unique() takes an enum class") };
            let mut dups = Vec::new();
            if let Some(map) = dict_of(c, "_member_map_") {
                for (k, m) in map.lock().map.values() {
                    if let (V::Str(k), V::Str(n)) = (k, own(m, "_name_"))
                        && *k != n
                    {
                        dups.push(format!("{k} -> {n}"));
                    }
                }
            }
            if !dups.is_empty() {
                return raise(
                    "ValueError",
                    format!("duplicate values found in {}: {}", class_repr(c), dups.join(", ")),
                );
            }
            Ok(me)
        }
        EnFn::Repr => {
            let V::Inst(i) = &me else { return type_err("__repr__ needs a member") };
            let v = it.repr_of(&own(&me, "_value_"))?;
            Ok(V::str(match own(&me, "_name_") {
                V::Str(n) => format!("<{}.{n}: {v}>", i.class.name),
                _ => format!("<{}: {v}>", i.class.name),
            }))
        }
        EnFn::Str => Ok(V::str(member_str(it, &me)?)),
        EnFn::Format => {
            let spec = match &other {
                V::Str(s) => s.to_string(),
                _ => String::new(),
            };
            let V::Inst(i) = &me else { return type_err("__format__ needs a member") };
            // A `__str__` of the class's own is what `format()` shows (3.11).
            let target = if matches!(i.class.lookup("__str__"), Some(V::Func(_))) {
                V::str(it.str_of(&me)?)
            } else if is_int_like(&i.class) || i.class.is_sub(&str_enum_class()) {
                own(&me, "_value_")
            } else {
                V::str(member_str(it, &me)?)
            };
            Ok(V::str(it.format_value(&target, &spec)?))
        }
        EnFn::Int => Ok(own(&me, "_value_")),
        EnFn::Bool => Ok(V::Bool(it.truthy(&own(&me, "_value_"))?)),
        EnFn::Hash => {
            super::builtins::call_builtin(it, super::ir::Builtin::Hash, vec![own(&me, "_value_")], Vec::new())
        }
        EnFn::Eq | EnFn::Ne => {
            let b = value_of(&other);
            if !(b.is_int() || matches!(b, V::Float(_))) {
                return Ok(not_implemented());
            }
            let same = it.eq(&own(&me, "_value_"), &b)?;
            Ok(V::Bool(same == (f == EnFn::Eq)))
        }
        EnFn::Cmp(op) => {
            let b = value_of(&other);
            Ok(V::Bool(it.compare(op, &own(&me, "_value_"), &b)?))
        }
        EnFn::Arith(op, reflected) => {
            let (a, b) = (own(&me, "_value_"), value_of(&other));
            if reflected { it.binop(op, &b, &a) } else { it.binop(op, &a, &b) }
        }
        EnFn::FlagOp(op) => {
            let V::Inst(i) = &me else { return Ok(not_implemented()) };
            let b = match &other {
                V::Inst(j) if Arc::ptr_eq(&i.class, &j.class) => own(&other, "_value_").as_int(),
                // An `IntFlag` combines with ints too.
                V::Int(b) if is_int_like(&i.class) => Some(*b),
                _ => None,
            };
            let (Some(a), Some(b)) = (own(&me, "_value_").as_int(), b) else {
                return Ok(not_implemented());
            };
            let v = match op {
                BinOp::BitAnd => a & b,
                BinOp::BitXor => a ^ b,
                _ => a | b,
            };
            Ok(flag_member(&i.class, v))
        }
        EnFn::Contains => {
            let (V::Inst(i), V::Inst(j)) = (&me, &other) else {
                return type_err(format!(
                    "unsupported operand type(s) for 'in': '{}' and '{}'",
                    other.type_name(),
                    me.type_name()
                ));
            };
            if !Arc::ptr_eq(&i.class, &j.class) {
                return type_err(format!(
                    "unsupported operand type(s) for 'in': '{}' and '{}'",
                    other.type_name(),
                    me.type_name()
                ));
            }
            let (Some(a), Some(b)) = (own(&me, "_value_").as_int(), own(&other, "_value_").as_int()) else {
                return Ok(V::Bool(false));
            };
            Ok(V::Bool(a & b == b))
        }
    }
}
