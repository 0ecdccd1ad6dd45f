//! `dataclasses`: `@dataclass` and `@dataclass(init=, repr=, eq=, order=, frozen=,
//! unsafe_hash=)` read the class's annotated fields (its `__annotations__`, in order, after
//! those of dataclass bases) with their defaults or `field(...)`s, and put natively written
//! methods in the class's dict: `__init__` (positional and keyword arguments, defaults, a
//! `default_factory` called per instance, `__post_init__`, CPython's messages), `__repr__`,
//! `__eq__`, the four orderings, `__hash__` and, when frozen, the refusal to assign or delete
//! (`FrozenInstanceError: cannot assign to field 'x'`). Also `field`, `fields`, `asdict`,
//! `astuple`, `replace`, `is_dataclass`, `MISSING` and `FrozenInstanceError`.

use super::exc;
use super::interp::{Flow, Interp, R, raise, type_err};
use super::libobj::{self, Kw, kwarg};
use super::stdlib::{NFn, Native};
use super::value::{Attrs, Class, ClassKind, Dict, HKey, Inst, InstNative, V};
use indexmap::IndexMap;
use std::sync::{Arc, OnceLock};
use threadline_runtime::footprint::Mutex;

/// The callables of `dataclasses` and the methods it puts in a dataclass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DcFn {
    /// `dataclass(cls=None, /, *, init=True, repr=True, eq=True, order=False, …)`.
    Dataclass,
    /// The decorator `dataclass(...)` returns; its first argument is the options tuple.
    Decorate,
    /// `field(*, default=MISSING, default_factory=MISSING, init=True, repr=True, …)`.
    Field,
    /// `fields(class_or_instance)`.
    Fields,
    /// `asdict(obj)`.
    AsDict,
    /// `astuple(obj)`.
    AsTuple,
    /// `replace(obj, /, **changes)`.
    Replace,
    /// `is_dataclass(obj)`.
    IsDataclass,
    /// The generated `__init__`.
    Init,
    /// The generated `__repr__`.
    Repr,
    /// The generated `__eq__`.
    Eq,
    /// The generated `__lt__`.
    Lt,
    /// The generated `__le__`.
    Le,
    /// The generated `__gt__`.
    Gt,
    /// The generated `__ge__`.
    Ge,
    /// The generated `__hash__`.
    Hash,
}

impl DcFn {
    /// The name Python gives it.
    pub fn name(self) -> &'static str {
        match self {
            DcFn::Dataclass => "dataclass",
            DcFn::Decorate => "wrap",
            DcFn::Field => "field",
            DcFn::Fields => "fields",
            DcFn::AsDict => "asdict",
            DcFn::AsTuple => "astuple",
            DcFn::Replace => "replace",
            DcFn::IsDataclass => "is_dataclass",
            DcFn::Init => "__init__",
            DcFn::Repr => "__repr__",
            DcFn::Eq => "__eq__",
            DcFn::Lt => "__lt__",
            DcFn::Le => "__le__",
            DcFn::Gt => "__gt__",
            DcFn::Ge => "__ge__",
            DcFn::Hash => "__hash__",
        }
    }
}

fn dc(f: DcFn) -> V {
    libobj::native_fn(NFn::Dc(f))
}

/// `dataclasses.name`.
pub fn module_attr(name: &str) -> Option<V> {
    Some(match name {
        "dataclass" => dc(DcFn::Dataclass),
        "field" => dc(DcFn::Field),
        "fields" => dc(DcFn::Fields),
        "asdict" => dc(DcFn::AsDict),
        "astuple" => dc(DcFn::AsTuple),
        "replace" => dc(DcFn::Replace),
        "is_dataclass" => dc(DcFn::IsDataclass),
        "MISSING" => missing(),
        "FrozenInstanceError" => V::Class(frozen_error_class()),
        "Field" => V::Class(field_class()),
        _ => return None,
    })
}

fn plain_class(name: &str) -> Arc<Class> {
    exc::build_class(
        Arc::from(name),
        Arc::from("dataclasses"),
        vec![exc::object_class()],
        IndexMap::default(),
        ClassKind::Plain,
    )
}

fn new_inst(class: Arc<Class>, attrs: Attrs) -> V {
    V::Inst(Arc::new(Inst {
        class,
        dict: Mutex::new(attrs),
        native: Mutex::new(InstNative::None),
        hrep: Default::default(),
    }))
}

/// `dataclasses.MISSING`.
fn missing() -> V {
    static M: OnceLock<V> = OnceLock::new();
    M.get_or_init(|| new_inst(plain_class("_MISSING_TYPE"), IndexMap::default())).clone()
}

fn is_missing(v: &V) -> bool {
    v.is(&missing())
}

/// `dataclasses.FrozenInstanceError`, an `AttributeError`.
pub fn frozen_error_class() -> Arc<Class> {
    static C: OnceLock<Arc<Class>> = OnceLock::new();
    C.get_or_init(|| libobj::exc_class("FrozenInstanceError", "dataclasses", "AttributeError", IndexMap::default()))
        .clone()
}

fn field_class() -> Arc<Class> {
    static C: OnceLock<Arc<Class>> = OnceLock::new();
    C.get_or_init(|| plain_class("Field")).clone()
}

/// The error assigning (or deleting) attribute `name` of an instance of `class` raises
/// when `class` is a frozen dataclass.
pub fn frozen_error(class: &Arc<Class>, name: &str, delete: bool) -> Option<Flow> {
    if !matches!(class.lookup("__dataclass_frozen__"), Some(V::Bool(true))) {
        return None;
    }
    let verb = if delete { "delete" } else { "assign to" };
    libobj::raise_in::<()>(&frozen_error_class(), format!("cannot {verb} field '{name}'")).err()
}

/// One field, as the generated methods use it.
#[derive(Clone)]
struct Fld {
    name: Arc<str>,
    default: V,
    factory: V,
    init: bool,
    repr: bool,
    compare: bool,
}

fn attr(o: &V, name: &str) -> V {
    libobj::own_attr(o, name).unwrap_or_default()
}

fn fld_of(f: &V) -> Fld {
    let name = match attr(f, "name") {
        V::Str(s) => s,
        _ => crate::py::value::Str::from(""),
    };
    Fld {
        name: Arc::<str>::from(name),
        default: attr(f, "default"),
        factory: attr(f, "default_factory"),
        init: attr(f, "init").truthy(),
        repr: attr(f, "repr").truthy(),
        compare: attr(f, "compare").truthy(),
    }
}

/// The Field objects of a dataclass (a class or an instance), in order.
fn field_objs(v: &V) -> Option<Vec<V>> {
    let class = match v {
        V::Class(c) => c.clone(),
        V::Inst(i) => i.class.clone(),
        _ => return None,
    };
    match class.lookup("__dataclass_fields__") {
        Some(V::Dict(d)) => Some(d.lock().map.values().map(|(_, v)| v.clone()).collect()),
        _ => None,
    }
}

fn flds(class: &Arc<Class>) -> Vec<Fld> {
    field_objs(&V::Class(class.clone())).unwrap_or_default().iter().map(fld_of).collect()
}

fn new_field(kw: &mut Kw) -> R<V> {
    let mut a: Attrs = IndexMap::default();
    a.insert(Arc::from("name"), V::None);
    a.insert(Arc::from("type"), V::None);
    let default = kwarg(kw, "default").unwrap_or_else(missing);
    let factory = kwarg(kw, "default_factory").unwrap_or_else(missing);
    if !is_missing(&default) && !is_missing(&factory) {
        return raise("ValueError", "cannot specify both default and default_factory");
    }
    a.insert(Arc::from("default"), default);
    a.insert(Arc::from("default_factory"), factory);
    for (k, d) in [("init", V::Bool(true)), ("repr", V::Bool(true)), ("hash", V::None), ("compare", V::Bool(true))] {
        a.insert(Arc::from(k), kwarg(kw, k).unwrap_or(d));
    }
    a.insert(Arc::from("metadata"), kwarg(kw, "metadata").unwrap_or(V::None));
    a.insert(Arc::from("kw_only"), kwarg(kw, "kw_only").unwrap_or_else(missing));
    libobj::no_more("field", kw)?;
    Ok(new_inst(field_class(), a))
}

fn set_field_attr(f: &V, name: &str, v: V) {
    if let V::Inst(i) = f {
        i.dict.lock().insert(Arc::from(name), v);
    }
}

/// The options of `@dataclass(...)`, in this order.
const OPTIONS: [(&str, bool); 6] =
    [("init", true), ("repr", true), ("eq", true), ("order", false), ("unsafe_hash", false), ("frozen", false)];

fn options(kw: &mut Kw) -> R<Vec<V>> {
    let mut out = Vec::new();
    for (k, d) in OPTIONS {
        out.push(kwarg(kw, k).unwrap_or(V::Bool(d)));
    }
    for k in ["match_args", "kw_only", "slots", "weakref_slot"] {
        kwarg(kw, k);
    }
    libobj::no_more("dataclass", kw)?;
    Ok(out)
}

/// Whether an annotation is `typing.ClassVar[...]` (or the string of one): not a field.
fn is_classvar(ty: &V) -> bool {
    let text = match ty {
        V::Str(s) => s.to_string(),
        V::Inst(_) => match libobj::own_attr(ty, "_repr") {
            Some(V::Str(s)) => s.to_string(),
            _ => return false,
        },
        _ => return false,
    };
    text.starts_with("ClassVar") || text.starts_with("typing.ClassVar")
}

/// Turns `class` into a dataclass with the options `opts` (see [`OPTIONS`]).
fn process(it: &mut Interp<'_>, class: &Arc<Class>, opts: &[V]) -> R<()> {
    let opt = |i: usize| opts.get(i).is_some_and(V::truthy);
    let (init, repr, eq, order, unsafe_hash, frozen) = (opt(0), opt(1), opt(2), opt(3), opt(4), opt(5));
    let mut fields: Attrs = IndexMap::default();
    // Fields of dataclass bases, farthest first.
    let mut any_frozen_base = None;
    for base in class.mro.iter().rev() {
        if let Some(V::Dict(d)) = base.dict.read().get("__dataclass_fields__") {
            for (_, (k, v)) in d.lock().map.iter() {
                if let V::Str(k) = k {
                    fields.insert(Arc::<str>::from(k.clone()), v.clone());
                }
            }
            any_frozen_base = Some(matches!(base.dict.read().get("__dataclass_frozen__"), Some(V::Bool(true))));
        }
    }
    if let Some(base_frozen) = any_frozen_base {
        if base_frozen && !frozen {
            return type_err("cannot inherit non-frozen dataclass from a frozen one");
        }
        if !base_frozen && frozen {
            return type_err("cannot inherit frozen dataclass from a non-frozen one");
        }
    }
    let anns = class.dict.read().get("__annotations__").cloned();
    let anns: Vec<(V, V)> = match anns {
        Some(V::Dict(d)) => d.lock().map.values().cloned().collect(),
        _ => Vec::new(),
    };
    for (name, ty) in anns {
        let V::Str(name) = name else { continue };
        if is_classvar(&ty) {
            continue;
        }
        let own = class.dict.read().get(&*name).cloned();
        let f = match own {
            Some(v @ V::Inst(_)) if matches!(&v, V::Inst(i) if Arc::ptr_eq(&i.class, &field_class())) => v,
            other => {
                let mut kw: Kw = Vec::new();
                if let Some(d) = other {
                    kw.push((Arc::from("default"), d));
                }
                new_field(&mut kw)?
            }
        };
        set_field_attr(&f, "name", V::Str(name.clone()));
        set_field_attr(&f, "type", ty);
        let default = attr(&f, "default");
        if matches!(default, V::List(_) | V::Dict(_) | V::Set(_)) {
            let t = it.repr_of(&super::builtins::type_of(&default))?;
            return raise(
                "ValueError",
                format!("mutable default {t} for field {name} is not allowed: use default_factory"),
            );
        }
        // The class attribute is the default, or nothing.
        {
            super::value::classes_changed();
            let mut d = class.dict.write();
            if is_missing(&default) {
                if matches!(d.get(&*name), Some(V::Inst(_))) {
                    d.shift_remove(&*name);
                }
            } else {
                d.insert(Arc::<str>::from(name.clone()), default);
            }
        }
        fields.insert(Arc::<str>::from(name), f);
    }
    let list: Vec<Fld> = fields.values().map(fld_of).collect();
    if init {
        let mut seen_default = false;
        for f in list.iter().filter(|f| f.init) {
            let has_default = !is_missing(&f.default) || !is_missing(&f.factory);
            if has_default {
                seen_default = true;
            } else if seen_default {
                return type_err(format!("non-default argument '{}' follows default argument", f.name));
            }
        }
    }
    let mut fd = Dict::default();
    for (k, v) in &fields {
        fd.set(V::str(k.clone()), v.clone()).or_else(type_err)?;
    }
    super::value::classes_changed();
    let mut d = class.dict.write();
    d.insert(Arc::from("__dataclass_fields__"), V::Dict(Arc::new(Mutex::new(fd))));
    d.insert(Arc::from("__dataclass_frozen__"), V::Bool(frozen));
    d.insert(
        Arc::from("__match_args__"),
        V::tuple(list.iter().filter(|f| f.init).map(|f| V::str(f.name.clone())).collect()),
    );
    let put = |d: &mut Attrs, name: &str, f: DcFn| {
        if !d.contains_key(name) {
            d.insert(Arc::from(name), dc(f));
        }
    };
    if init {
        put(&mut d, "__init__", DcFn::Init);
    }
    if repr {
        put(&mut d, "__repr__", DcFn::Repr);
    }
    if eq {
        put(&mut d, "__eq__", DcFn::Eq);
    }
    if order {
        for (n, f) in [("__lt__", DcFn::Lt), ("__le__", DcFn::Le), ("__gt__", DcFn::Gt), ("__ge__", DcFn::Ge)] {
            if d.contains_key(n) {
                drop(d);
                return type_err(format!(
                    "Cannot overwrite attribute {n} in class {}. Consider using functools.total_ordering",
                    class.name
                ));
            }
            put(&mut d, n, f);
        }
    }
    let has_own_hash = d.contains_key("__hash__");
    if unsafe_hash || (eq && frozen) {
        if !has_own_hash || unsafe_hash {
            d.insert(Arc::from("__hash__"), dc(DcFn::Hash));
        }
    } else if eq && !has_own_hash {
        d.insert(Arc::from("__hash__"), V::None);
    }
    Ok(())
}

fn first(pos: &[V]) -> V {
    pos.first().cloned().unwrap_or_default()
}

fn quoted_list(names: &[String]) -> String {
    let q: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
    match q.len() {
        1 => q[0].clone(),
        2 => format!("{} and {}", q[0], q[1]),
        n => format!("{}, and {}", q[..n - 1].join(", "), q[n - 1]),
    }
}

fn init(it: &mut Interp<'_>, me: &V, pos: Vec<V>, kw: Kw) -> R<V> {
    let V::Inst(inst) = me else { return type_err("__init__() needs a dataclass instance") };
    let class = inst.class.clone();
    let all = flds(&class);
    let params: Vec<&Fld> = all.iter().filter(|f| f.init).collect();
    let qual = format!("{}.__init__", class.name);
    if pos.len() > params.len() {
        let required = params.iter().filter(|f| is_missing(&f.default) && is_missing(&f.factory)).count();
        let (min, max) = (required + 1, params.len() + 1);
        let takes = if min == max {
            format!("{max} positional argument{}", if max == 1 { "" } else { "s" })
        } else {
            format!("from {min} to {max} positional arguments")
        };
        let n = pos.len() + 1;
        return type_err(format!("{qual}() takes {takes} but {n} {} given", if n == 1 { "was" } else { "were" }));
    }
    let mut vals: Vec<Option<V>> = vec![None; params.len()];
    for (i, v) in pos.into_iter().enumerate() {
        vals[i] = Some(v);
    }
    for (k, v) in kw {
        let Some(i) = params.iter().position(|f| f.name == k) else {
            return type_err(format!("{qual}() got an unexpected keyword argument '{k}'"));
        };
        if vals[i].is_some() {
            return type_err(format!("{qual}() got multiple values for argument '{k}'"));
        }
        vals[i] = Some(v);
    }
    let missing_names: Vec<String> = params
        .iter()
        .zip(&vals)
        .filter(|(f, v)| v.is_none() && is_missing(&f.default) && is_missing(&f.factory))
        .map(|(f, _)| f.name.to_string())
        .collect();
    if !missing_names.is_empty() {
        let n = missing_names.len();
        return type_err(format!(
            "{qual}() missing {n} required positional argument{}: {}",
            if n == 1 { "" } else { "s" },
            quoted_list(&missing_names)
        ));
    }
    let mut given = params.iter().map(|f| f.name.clone()).zip(vals);
    for f in &all {
        let v = if f.init { given.next().and_then(|(_, v)| v) } else { None };
        let v = match v {
            Some(v) => v,
            None if !is_missing(&f.factory) => it.call(&f.factory, Vec::new(), Vec::new())?,
            None if !is_missing(&f.default) => f.default.clone(),
            None => continue,
        };
        inst.dict.lock().insert(f.name.clone(), v);
    }
    if class.lookup("__post_init__").is_some() {
        it.call_method(me, "__post_init__", Vec::new(), Vec::new())?;
    }
    Ok(V::None)
}

fn values(me: &V, fs: &[Fld], pick: impl Fn(&Fld) -> bool) -> Vec<V> {
    fs.iter().filter(|f| pick(f)).map(|f| attr(me, &f.name)).collect()
}

fn not_implemented() -> V {
    V::Native(Arc::new(Native::NotImplemented))
}

fn same_class(a: &V, b: &V) -> bool {
    matches!((a, b), (V::Inst(x), V::Inst(y)) if Arc::ptr_eq(&x.class, &y.class))
}

/// Deep conversion for `asdict` / `astuple`.
fn convert(v: &V, as_dict: bool) -> R<V> {
    if let Some(fs) = field_objs(v).filter(|_| matches!(v, V::Inst(_))) {
        let fs: Vec<Fld> = fs.iter().map(fld_of).collect();
        if as_dict {
            let mut d = Dict::default();
            for f in &fs {
                let x = convert(&attr(v, &f.name), true)?;
                d.set(V::str(f.name.clone()), x).or_else(type_err)?;
            }
            return Ok(V::Dict(Arc::new(Mutex::new(d))));
        }
        let mut out = Vec::new();
        for f in &fs {
            out.push(convert(&attr(v, &f.name), false)?);
        }
        return Ok(V::tuple(out));
    }
    Ok(match v {
        V::List(l) => {
            let items = l.lock().clone();
            V::list(items.iter().map(|x| convert(x, as_dict)).collect::<R<_>>()?)
        }
        V::Tuple(t) => V::tuple(t.iter().map(|x| convert(x, as_dict)).collect::<R<_>>()?),
        V::Dict(d) => {
            let src = d.lock().clone();
            let mut out = Dict::of_kind(src.kind.clone());
            for (k, x) in src.map.values() {
                let k = convert(k, as_dict)?;
                let x = convert(x, as_dict)?;
                out.set(k, x).or_else(type_err)?;
            }
            V::Dict(Arc::new(Mutex::new(out)))
        }
        other => other.clone(),
    })
}

/// Calls a `dataclasses` function or a generated method (`pos[0]` is the instance).
pub fn call(it: &mut Interp<'_>, f: DcFn, pos: Vec<V>, mut kw: Kw) -> R<V> {
    match f {
        DcFn::Dataclass => {
            let opts = options(&mut kw)?;
            match pos.first() {
                None | Some(V::None) => Ok(libobj::bound(NFn::Dc(DcFn::Decorate), vec![V::tuple(opts)])),
                Some(V::Class(c)) => {
                    process(it, c, &opts)?;
                    Ok(V::Class(c.clone()))
                }
                Some(other) => type_err(format!("'{}' object is not a class", other.type_name())),
            }
        }
        DcFn::Decorate => {
            let opts = libobj::arg(&pos, &mut kw, 0, "opts").map(|o| super::value::seq_items(&o)).unwrap_or_default();
            match pos.get(1) {
                Some(V::Class(c)) => {
                    process(it, c, &opts)?;
                    Ok(V::Class(c.clone()))
                }
                _ => type_err("dataclass() should be called on a class"),
            }
        }
        DcFn::Field => {
            if !pos.is_empty() {
                return type_err(format!("field() takes 0 positional arguments but {} were given", pos.len()));
            }
            new_field(&mut kw)
        }
        DcFn::Fields => match field_objs(&first(&pos)) {
            Some(fs) => Ok(V::tuple(fs)),
            None => type_err("must be called with a dataclass type or instance"),
        },
        DcFn::AsDict | DcFn::AsTuple => {
            let v = first(&pos);
            if !matches!(v, V::Inst(_)) || field_objs(&v).is_none() {
                let which = if f == DcFn::AsDict { "asdict" } else { "astuple" };
                return type_err(format!("{which}() should be called on dataclass instances"));
            }
            convert(&v, f == DcFn::AsDict)
        }
        DcFn::Replace => {
            let v = first(&pos);
            let (Some(fs), V::Inst(i)) = (field_objs(&v), &v) else {
                return type_err("replace() should be called on dataclass instances");
            };
            let class = i.class.clone();
            let mut args: Kw = Vec::new();
            for f in fs.iter().map(fld_of) {
                if !f.init {
                    if kw.iter().any(|(k, _)| *k == f.name) {
                        return raise(
                            "ValueError",
                            format!(
                                "field {} is declared with init=False, it cannot be specified with replace()",
                                f.name
                            ),
                        );
                    }
                    continue;
                }
                let val = match kw.iter().position(|(k, _)| *k == f.name) {
                    Some(j) => kw.remove(j).1,
                    None => attr(&v, &f.name),
                };
                args.push((f.name.clone(), val));
            }
            args.extend(kw);
            it.call(&V::Class(class), Vec::new(), args)
        }
        DcFn::IsDataclass => Ok(V::Bool(field_objs(&first(&pos)).is_some())),
        DcFn::Init => {
            let mut pos = pos;
            if pos.is_empty() {
                return type_err("__init__() needs an instance");
            }
            let me = pos.remove(0);
            init(it, &me, pos, kw)
        }
        DcFn::Repr => {
            let me = first(&pos);
            let V::Inst(i) = &me else { return type_err("__repr__() needs an instance") };
            let fs = flds(&i.class);
            let mut parts = Vec::new();
            for f in fs.iter().filter(|f| f.repr) {
                let v = attr(&me, &f.name);
                parts.push(format!("{}={}", f.name, it.repr_of(&v)?));
            }
            Ok(V::str(format!("{}({})", i.class.name, parts.join(", "))))
        }
        DcFn::Eq | DcFn::Lt | DcFn::Le | DcFn::Gt | DcFn::Ge => {
            let (me, other) = (first(&pos), pos.get(1).cloned().unwrap_or_default());
            if !same_class(&me, &other) {
                if f == DcFn::Eq {
                    return Ok(not_implemented());
                }
                let sym = match f {
                    DcFn::Lt => "<",
                    DcFn::Le => "<=",
                    DcFn::Gt => ">",
                    _ => ">=",
                };
                return type_err(format!(
                    "'{sym}' not supported between instances of '{}' and '{}'",
                    me.type_name(),
                    other.type_name()
                ));
            }
            let V::Inst(i) = &me else { return Ok(not_implemented()) };
            let fs = flds(&i.class);
            let a = V::tuple(values(&me, &fs, |f| f.compare));
            let b = V::tuple(values(&other, &fs, |f| f.compare));
            let op = match f {
                DcFn::Eq => super::ir::CmpOp::Eq,
                DcFn::Lt => super::ir::CmpOp::Lt,
                DcFn::Le => super::ir::CmpOp::LtE,
                DcFn::Gt => super::ir::CmpOp::Gt,
                _ => super::ir::CmpOp::GtE,
            };
            Ok(V::Bool(it.compare(op, &a, &b)?))
        }
        DcFn::Hash => {
            let me = first(&pos);
            let V::Inst(i) = &me else { return type_err("__hash__() needs an instance") };
            let fs = flds(&i.class);
            let t = V::tuple(values(&me, &fs, |f| f.compare));
            super::builtins::call_builtin(it, super::ir::Builtin::Hash, vec![t], Vec::new())
        }
    }
}

/// The dict key of an instance whose class hashes it by value: a dataclass with a generated
/// `__hash__` (its class and compared fields), an `IntEnum` member (its value), or the
/// `unhashable type` message when the class sets `__hash__` to None. None: by identity.
pub fn inst_hkey(v: &V, i: &Inst) -> Option<Result<HKey, String>> {
    match i.class.lookup("__hash__") {
        Some(V::None) => Some(Err(format!("unhashable type: '{}'", i.class.name))),
        Some(V::Native(n)) if matches!(&*n, Native::Fn(NFn::Dc(DcFn::Hash))) => {
            let mut key = vec![HKey::Id(Arc::as_ptr(&i.class) as *const u8 as usize)];
            for f in flds(&i.class).iter().filter(|f| f.compare) {
                match attr(v, &f.name).hkey() {
                    Ok(k) => key.push(k),
                    Err(e) => return Some(Err(e)),
                }
            }
            Some(Ok(HKey::Tuple(key)))
        }
        _ if super::enums::is_int_member(v) => Some(super::enums::int_value(v).hkey()),
        _ => None,
    }
}
