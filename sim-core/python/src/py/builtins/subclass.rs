//! Subclasses of built-in types: `class Registry(dict)`, `class Stack(list)`,
//! `class Celsius(float)`, `class Tag(str)`.
//!
//! The built-in type a class derives from stands in its MRO as a class of its own (named
//! `dict`, module `builtins`, as `Registry.__mro__` shows it), whose namespace holds the
//! type's methods and operators as [`Native::BaseMethod`]s. An instance keeps the built-in
//! value it is ([`InstNative::Base`]) beside its `__dict__`; a base method runs on that value.
//! So everything the interpreter already does for instances — the dunder protocol of
//! `obj[k]`, `len`, `in`, iteration, `repr`, operators, `super().__setitem__` — reaches the
//! built-in behaviour wherever the subclass does not override it, and `dict.__init__(self)`
//! names the same methods.

use super::*;
use crate::py::ir::CmpOp;
use crate::py::value::{Attrs, Class, ClassKind, Inst, InstNative};

/// The built-in types a class may derive from.
pub fn subclassable(b: Builtin) -> bool {
    matches!(
        b,
        Builtin::Dict | Builtin::List | Builtin::Set | Builtin::Int | Builtin::Float | Builtin::Str | Builtin::Tuple
    )
}

/// Whether instances of `b` change in place (their value is made empty by `__new__` and
/// filled by `__init__`), unlike `int`, `float`, `str` and `tuple` (made whole by `__new__`).
fn mutable(b: Builtin) -> bool {
    matches!(b, Builtin::Dict | Builtin::List | Builtin::Set)
}

/// The methods and operators each type's class holds (`dir(dict)` in CPython 3.11, less
/// what `object` has and the class methods and properties).
fn names(b: Builtin) -> &'static [&'static str] {
    match b {
        Builtin::Dict => &[
            "__contains__",
            "__delitem__",
            "__getitem__",
            "__ior__",
            "__iter__",
            "__len__",
            "__or__",
            "__repr__",
            "__reversed__",
            "__ror__",
            "__setitem__",
            "clear",
            "copy",
            "get",
            "items",
            "keys",
            "pop",
            "popitem",
            "setdefault",
            "update",
            "values",
        ],
        Builtin::List => &[
            "__add__",
            "__contains__",
            "__delitem__",
            "__getitem__",
            "__iadd__",
            "__imul__",
            "__iter__",
            "__len__",
            "__mul__",
            "__repr__",
            "__reversed__",
            "__rmul__",
            "__setitem__",
            "append",
            "clear",
            "copy",
            "count",
            "extend",
            "index",
            "insert",
            "pop",
            "remove",
            "reverse",
            "sort",
        ],
        Builtin::Set => &[
            "__and__",
            "__contains__",
            "__iand__",
            "__ior__",
            "__isub__",
            "__iter__",
            "__ixor__",
            "__len__",
            "__or__",
            "__rand__",
            "__repr__",
            "__ror__",
            "__rsub__",
            "__rxor__",
            "__sub__",
            "__xor__",
            "add",
            "clear",
            "copy",
            "difference",
            "difference_update",
            "discard",
            "intersection",
            "intersection_update",
            "isdisjoint",
            "issubset",
            "issuperset",
            "pop",
            "remove",
            "symmetric_difference",
            "symmetric_difference_update",
            "union",
            "update",
        ],
        Builtin::Int => &[
            "__abs__",
            "__add__",
            "__and__",
            "__bool__",
            "__divmod__",
            "__float__",
            "__floordiv__",
            "__index__",
            "__int__",
            "__invert__",
            "__lshift__",
            "__mod__",
            "__mul__",
            "__neg__",
            "__or__",
            "__pos__",
            "__pow__",
            "__radd__",
            "__rand__",
            "__rdivmod__",
            "__repr__",
            "__rfloordiv__",
            "__rlshift__",
            "__rmod__",
            "__rmul__",
            "__ror__",
            "__round__",
            "__rpow__",
            "__rrshift__",
            "__rshift__",
            "__rsub__",
            "__rtruediv__",
            "__rxor__",
            "__sub__",
            "__truediv__",
            "__xor__",
            "bit_count",
            "bit_length",
            "to_bytes",
            "as_integer_ratio",
            "conjugate",
        ],
        Builtin::Float => &[
            "__abs__",
            "__add__",
            "__bool__",
            "__divmod__",
            "__float__",
            "__floordiv__",
            "__int__",
            "__mod__",
            "__mul__",
            "__neg__",
            "__pos__",
            "__pow__",
            "__radd__",
            "__rdivmod__",
            "__repr__",
            "__rfloordiv__",
            "__rmod__",
            "__rmul__",
            "__round__",
            "__rpow__",
            "__rsub__",
            "__rtruediv__",
            "__sub__",
            "__truediv__",
            "as_integer_ratio",
            "conjugate",
            "hex",
            "is_integer",
        ],
        Builtin::Str => &[
            "__add__",
            "__contains__",
            "__getitem__",
            "__iter__",
            "__len__",
            "__mod__",
            "__mul__",
            "__repr__",
            "__rmod__",
            "__rmul__",
            "capitalize",
            "casefold",
            "center",
            "count",
            "encode",
            "endswith",
            "expandtabs",
            "find",
            "format",
            "format_map",
            "index",
            "isalnum",
            "isalpha",
            "isascii",
            "isdecimal",
            "isdigit",
            "isidentifier",
            "islower",
            "isnumeric",
            "isprintable",
            "isspace",
            "istitle",
            "isupper",
            "join",
            "ljust",
            "lower",
            "lstrip",
            "partition",
            "removeprefix",
            "removesuffix",
            "replace",
            "rfind",
            "rindex",
            "rjust",
            "rpartition",
            "rsplit",
            "rstrip",
            "split",
            "splitlines",
            "startswith",
            "strip",
            "swapcase",
            "title",
            "translate",
            "upper",
            "zfill",
        ],
        Builtin::Tuple => &[
            "__add__",
            "__contains__",
            "__getitem__",
            "__iter__",
            "__len__",
            "__mul__",
            "__repr__",
            "__rmul__",
            "count",
            "index",
        ],
        _ => &[],
    }
}

/// The class standing for built-in type `b` in a subclass's MRO (None for a type that
/// cannot be subclassed here).
pub fn base_class(b: Builtin) -> Option<Arc<Class>> {
    type Made = parking_lot::Mutex<Vec<(Builtin, Arc<Class>)>>;
    static CLASSES: std::sync::OnceLock<Made> = std::sync::OnceLock::new();
    if !subclassable(b) {
        return None;
    }
    let mut all = CLASSES.get_or_init(Default::default).lock();
    if let Some((_, c)) = all.iter().find(|(x, _)| *x == b) {
        return Some(c.clone());
    }
    let method = |name: &str| V::Native(Arc::new(Native::BaseMethod(b, Arc::from(name))));
    let mut dict: Attrs = Attrs::default();
    // As CPython's types hold them: `__init__` only a container's own (the others are made
    // whole by `__new__`), `__str__` only `str`'s (the others print their repr, so a
    // subclass's `__repr__` shows in `print`), `__format__` only numbers' and strings'.
    let own: &[&str] = match b {
        Builtin::Dict | Builtin::List | Builtin::Set => &["__init__"],
        Builtin::Str => &["__str__", "__format__"],
        Builtin::Int | Builtin::Float => &["__format__"],
        _ => &[],
    };
    for name in
        ["__new__", "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__"].iter().chain(own).chain(names(b))
    {
        dict.insert(Arc::from(*name), method(name));
    }
    // Mutable containers are unhashable; a number or string hashes as its value.
    dict.insert(Arc::from("__hash__"), if mutable(b) { V::None } else { method("__hash__") });
    let c = exc::build_class(
        Arc::from(b.name()),
        Arc::from("builtins"),
        vec![exc::object_class()],
        dict,
        ClassKind::Base(b),
    );
    all.push((b, c.clone()));
    Some(c)
}

/// The built-in value a subclass's instance is, if `v` is one.
pub fn base_value(v: &V) -> Option<V> {
    match v {
        V::Inst(i) => base_of(i),
        _ => None,
    }
}

/// [`base_value`] of an instance.
pub fn base_of(i: &Inst) -> Option<V> {
    match &*i.native.lock() {
        InstNative::Base(x) => Some(x.clone()),
        _ => None,
    }
}

/// `isinstance(v, b)` through a subclass of `b`.
pub fn is_instance(v: &V, b: Builtin) -> bool {
    match v {
        V::Inst(i) => base_class(b).is_some_and(|c| i.class.is_sub(&c)),
        _ => false,
    }
}

/// `issubclass(c, b)` for a class deriving from `b`.
pub fn is_subclass(v: &V, b: Builtin) -> bool {
    match v {
        V::Class(k) => base_class(b).is_some_and(|c| k.is_sub(&c)),
        _ => false,
    }
}

/// Arguments as a built-in function takes them: an instance of a subclass of `int`,
/// `float`, `str` or `tuple` as the value it is (`round(Celsius(21.5))`, `math.sqrt(n)`).
pub fn plain_args(mut pos: Vec<V>) -> Vec<V> {
    for a in &mut pos {
        if let V::Inst(i) = a
            && let ClassKind::Base(b) = i.class.native_kind()
            && !mutable(b)
            && let Some(v) = base_of(i)
        {
            *a = v;
        }
    }
    pos
}

/// An operand as the built-in operators take it: a subclass's instance as its value.
fn operand(v: &V) -> V {
    base_value(v).unwrap_or_else(|| v.clone())
}

/// Call `b.name(self, *args, **kw)`.
pub fn call(it: &mut Interp<'_>, b: Builtin, name: &str, pos: Vec<V>, kw: Kw) -> R<V> {
    let mut args = pos.into_iter();
    let Some(this) = args.next() else {
        return type_err(format!("descriptor '{name}' of '{}' object needs an argument", b.name()));
    };
    let rest: Vec<V> = args.collect();
    if name == "__new__" {
        return new(it, b, &this, rest, kw);
    }
    // `dict.__getitem__(plain_dict, k)` works on a plain value too.
    let value = operand(&this);
    let arg = |i: usize| rest.get(i).cloned().unwrap_or_default();
    let one = |what: &str| -> R<()> {
        if rest.len() == 1 { Ok(()) } else { type_err(format!("expected 1 argument, got {} ({what})", rest.len())) }
    };
    match name {
        "__init__" => init(it, b, &value, rest, kw).map(|()| V::None),
        "__getitem__" => {
            one(name)?;
            let key = arg(0);
            match it.get_item(&value, &key) {
                // A dict subclass's `__missing__` answers for a key it lacks.
                Err(Flow::Exc(e))
                    if matches!(value, V::Dict(_))
                        && exc::is_instance_of(&e.value, "KeyError")
                        && let V::Inst(i) = &this
                        && let Some(m) = i.class.lookup("__missing__") =>
                {
                    let m = crate::py::interp::bind(&this, m);
                    it.call(&m, vec![key], Vec::new())
                }
                other => other,
            }
        }
        "__setitem__" => {
            let [k, v] = <[V; 2]>::try_from(rest).map_err(|_| ()).or_else(|()| type_err("expected 2 arguments"))?;
            it.set_item(&value, k, v).map(|()| V::None)
        }
        "__delitem__" => {
            one(name)?;
            del_item(it, &value, &arg(0)).map(|()| V::None)
        }
        "__len__" => it.call(&V::Builtin(Builtin::Len), vec![value], Vec::new()),
        "__iter__" => it.iter(value),
        "__reversed__" => it.call(&V::Builtin(Builtin::Reversed), vec![value], Vec::new()),
        "__contains__" => {
            one(name)?;
            it.contains(&value, &arg(0)).map(V::Bool)
        }
        "__repr__" => it.repr_of(&value).map(V::str),
        "__str__" => it.str_of(&value).map(V::str),
        "__format__" => {
            let spec = match rest.first() {
                Some(V::Str(s)) => s.to_string(),
                _ => String::new(),
            };
            it.format_value(&value, &spec).map(V::str)
        }
        "__hash__" => it.call(&V::Builtin(Builtin::Hash), vec![value], Vec::new()),
        "__bool__" => it.truthy(&value).map(V::Bool),
        "__eq__" | "__ne__" | "__lt__" | "__le__" | "__gt__" | "__ge__" => {
            one(name)?;
            let op = match name {
                "__eq__" => CmpOp::Eq,
                "__ne__" => CmpOp::NotEq,
                "__lt__" => CmpOp::Lt,
                "__le__" => CmpOp::LtE,
                "__gt__" => CmpOp::Gt,
                _ => CmpOp::GtE,
            };
            it.compare(op, &value, &operand(&arg(0))).map(V::Bool)
        }
        "__neg__" => it.unary(crate::py::ir::UnOp::Neg, &value),
        "__pos__" => it.unary(crate::py::ir::UnOp::Pos, &value),
        "__invert__" => it.unary(crate::py::ir::UnOp::Invert, &value),
        "__abs__" => it.call(&V::Builtin(Builtin::Abs), vec![value], Vec::new()),
        "__int__" | "__index__" => it.call(&V::Builtin(Builtin::Int), vec![value], Vec::new()),
        "__float__" => it.call(&V::Builtin(Builtin::Float), vec![value], Vec::new()),
        "__round__" => {
            let mut a = vec![value];
            a.extend(rest);
            it.call(&V::Builtin(Builtin::Round), a, Vec::new())
        }
        "__divmod__" => it.call(&V::Builtin(Builtin::Divmod), vec![value, operand(&arg(0))], Vec::new()),
        "__rdivmod__" => it.call(&V::Builtin(Builtin::Divmod), vec![operand(&arg(0)), value], Vec::new()),
        // In place: the value changes and the instance itself is the result.
        "__iadd__" | "__imul__" | "__ior__" | "__iand__" | "__isub__" | "__ixor__" => {
            one(name)?;
            let op = binop_of(&name.replace("__i", "__")).unwrap_or(BinOp::Add);
            let other = operand(&arg(0));
            match (&value, op) {
                (V::List(_), BinOp::Add) => {
                    it.call_method(&value, "extend", vec![other], Vec::new())?;
                }
                (V::Dict(_), BinOp::BitOr) => {
                    it.call_method(&value, "update", vec![other], Vec::new())?;
                }
                _ => {
                    let r = it.binop(op, &value, &other)?;
                    replace(it, &value, r)?;
                }
            }
            Ok(this)
        }
        _ if let Some(op) = binop_of(name) => it.binop(op, &value, &operand(&arg(0))),
        _ if let Some(op) = name.strip_prefix("__r").and_then(|n| binop_of(&format!("__{n}"))) => {
            it.binop(op, &operand(&arg(0)), &value)
        }
        _ => {
            let m = it.get_attr(&value, name)?;
            it.call(&m, rest, kw)
        }
    }
}

/// The operator a dunder stands for (`__add__` → `+`).
fn binop_of(name: &str) -> Option<BinOp> {
    Some(match name {
        "__add__" => BinOp::Add,
        "__sub__" => BinOp::Sub,
        "__mul__" => BinOp::Mul,
        "__truediv__" => BinOp::Div,
        "__floordiv__" => BinOp::FloorDiv,
        "__mod__" => BinOp::Mod,
        "__pow__" => BinOp::Pow,
        "__lshift__" => BinOp::LShift,
        "__rshift__" => BinOp::RShift,
        "__or__" => BinOp::BitOr,
        "__xor__" => BinOp::BitXor,
        "__and__" => BinOp::BitAnd,
        _ => return None,
    })
}

/// A mutable value's contents replaced by `new`'s (an in-place operator's result).
fn replace(it: &mut Interp<'_>, value: &V, new: V) -> R<()> {
    match (value, &new) {
        (V::List(l), _) => {
            let items = it.collect_vec(&new)?;
            *l.lock() = items;
        }
        (V::Set(d), V::Set(n)) => {
            let n = n.lock().clone();
            *d.lock() = n;
        }
        _ => return type_err(format!("unsupported in-place operation on '{}'", value.type_name())),
    }
    Ok(())
}

/// `b.__new__(cls, *args, **kw)`: an instance of `cls` holding a new `b` — empty for a
/// container (its `__init__` fills it), made from the arguments for a number or a string.
fn new(it: &mut Interp<'_>, b: Builtin, cls: &V, args: Vec<V>, kw: Kw) -> R<V> {
    let V::Class(c) = cls else {
        return type_err(format!("{}.__new__(X): X is not a type object ({})", b.name(), cls.type_name()));
    };
    let Some(base) = base_class(b) else {
        return type_err(format!("{}.__new__ is not supported", b.name()));
    };
    if !c.is_sub(&base) {
        return type_err(format!("{}.__new__({}): {} is not a subtype of {}", b.name(), c.name, c.name, b.name()));
    }
    let value =
        if mutable(b) { it.call(&V::Builtin(b), Vec::new(), Vec::new())? } else { it.call(&V::Builtin(b), args, kw)? };
    Ok(V::Inst(Arc::new(Inst {
        class: c.clone(),
        dict: Mutex::new(Attrs::default()),
        native: Mutex::new(InstNative::Base(value)),
        hrep: Default::default(),
    })))
}

/// `b.__init__(self, *args, **kw)`: a container takes its contents from the arguments, as
/// `dict(...)`, `list(...)` and `set(...)` do; the others were made whole by `__new__`.
fn init(it: &mut Interp<'_>, b: Builtin, value: &V, args: Vec<V>, kw: Kw) -> R<()> {
    if !mutable(b) {
        return Ok(());
    }
    if args.len() > 1 {
        return type_err(format!("{} expected at most 1 argument, got {}", b.name(), args.len()));
    }
    match value {
        V::Dict(_) if !args.is_empty() || !kw.is_empty() => {
            it.call_method(value, "update", args, kw)?;
        }
        V::List(l) => {
            if !kw.is_empty() {
                return type_err("list() takes no keyword arguments");
            }
            let items = match args.first() {
                Some(src) => it.collect_vec(src)?,
                None => Vec::new(),
            };
            *l.lock() = items;
        }
        V::Set(d) => {
            if !kw.is_empty() {
                return type_err("set() takes no keyword arguments");
            }
            *d.lock() = crate::py::value::Dict::default();
            if let Some(src) = args.first() {
                it.call_method(value, "update", vec![src.clone()], Vec::new())?;
            }
        }
        _ => {}
    }
    Ok(())
}
