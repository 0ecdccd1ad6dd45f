//! `typing`: the names annotations use (`List`, `Dict`, `Optional`, `Callable`, `Any`,
//! `TypeVar`, `Generic`…). They do nothing at run time but can be subscripted and printed
//! as CPython prints them (`typing.Dict[str, typing.List[int]]`, `~T`); `Generic[T]` and
//! `Protocol` are `object` as a base class; `cast(t, v)` is `v`; `TYPE_CHECKING` is False.

use super::exc;
use super::interp::{Interp, R, type_err};
use super::libobj::{self, Kw};
use super::stdlib::NFn;
use super::value::{Attrs, Class, ClassKind, Inst, InstNative, V};
use indexmap::IndexMap;
use std::sync::{Arc, OnceLock};
use threadline_runtime::footprint::Mutex;

/// `typing`'s callables and the methods of its objects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypingFn {
    /// `typing.TypeVar(name, *constraints, bound=…)`.
    TypeVar,
    /// `typing.cast(typ, val)`.
    Cast,
    /// `form[args]`.
    Subscript,
    /// `repr(form)`.
    Repr,
}

impl TypingFn {
    /// The name Python gives it.
    pub fn name(self) -> &'static str {
        match self {
            TypingFn::TypeVar => "TypeVar",
            TypingFn::Cast => "cast",
            TypingFn::Subscript => "__getitem__",
            TypingFn::Repr => "__repr__",
        }
    }
}

/// The forms `typing` exports, printed `typing.Name`.
const FORMS: [&str; 38] = [
    "Any",
    "Optional",
    "Union",
    "List",
    "Dict",
    "Tuple",
    "Set",
    "FrozenSet",
    "Callable",
    "Iterable",
    "Iterator",
    "Sequence",
    "Mapping",
    "MutableMapping",
    "MutableSequence",
    "MutableSet",
    "AbstractSet",
    "Collection",
    "Container",
    "Hashable",
    "Sized",
    "Reversible",
    "Generator",
    "Awaitable",
    "Coroutine",
    "Type",
    "Deque",
    "DefaultDict",
    "OrderedDict",
    "Counter",
    "ChainMap",
    "Literal",
    "Final",
    "ClassVar",
    "NoReturn",
    "Annotated",
    "Generic",
    "TypeAlias",
];

fn form_class() -> Arc<Class> {
    static C: OnceLock<Arc<Class>> = OnceLock::new();
    C.get_or_init(|| {
        let mut dict = IndexMap::default();
        for m in [TypingFn::Subscript, TypingFn::Repr] {
            dict.insert(Arc::from(m.name()), libobj::native_fn(NFn::Typing(m)));
        }
        exc::build_class(
            Arc::from("_SpecialForm"),
            Arc::from("typing"),
            vec![exc::object_class()],
            dict,
            ClassKind::Plain,
        )
    })
    .clone()
}

fn form(name: &str, repr: String) -> V {
    let mut own: Attrs = IndexMap::default();
    own.insert(Arc::from("_name"), V::str(name));
    own.insert(Arc::from("_repr"), V::str(repr));
    V::Inst(Arc::new(Inst {
        class: form_class(),
        dict: Mutex::new(own),
        native: Mutex::new(InstNative::None),
        hrep: Default::default(),
    }))
}

/// `typing.name`.
pub fn module_attr(name: &str) -> Option<V> {
    match name {
        "TYPE_CHECKING" => Some(V::Bool(false)),
        "TypeVar" => Some(libobj::native_fn(NFn::Typing(TypingFn::TypeVar))),
        "cast" => Some(libobj::native_fn(NFn::Typing(TypingFn::Cast))),
        "Protocol" => Some(V::Class(exc::object_class())),
        "NamedTuple" => Some(V::Class(named_tuple_base())),
        n if FORMS.contains(&n) => Some(form(n, format!("typing.{n}"))),
        _ => None,
    }
}

/// `typing.NamedTuple`: a base that makes the class statement build a named tuple from its
/// annotations (see `Interp::make_class`), or called as `NamedTuple('P', [('x', int)])`.
pub fn named_tuple_base() -> std::sync::Arc<super::value::Class> {
    static C: std::sync::OnceLock<std::sync::Arc<super::value::Class>> = std::sync::OnceLock::new();
    C.get_or_init(|| {
        exc::build_class(
            std::sync::Arc::from("NamedTuple"),
            std::sync::Arc::from("typing"),
            vec![exc::object_class()],
            Default::default(),
            super::value::ClassKind::Plain,
        )
    })
    .clone()
}

/// Whether `c` is `typing.NamedTuple`.
pub fn is_named_tuple_base(c: &std::sync::Arc<super::value::Class>) -> bool {
    std::sync::Arc::ptr_eq(c, &named_tuple_base())
}

/// How `typing` prints a type among a form's arguments.
fn type_repr(it: &mut Interp<'_>, v: &V) -> R<String> {
    Ok(match v {
        V::Builtin(b) if super::value::is_type(*b) => b.name().to_string(),
        V::Class(c) if &*c.module == "builtins" => c.name.to_string(),
        V::Class(c) => format!("{}.{}", c.module, c.name),
        V::None => "None".into(),
        V::Str(s) if &**s == "Ellipsis" => "...".into(),
        V::List(l) => {
            let items = l.lock().clone();
            let parts = items.iter().map(|x| type_repr(it, x)).collect::<R<Vec<_>>>()?;
            format!("[{}]", parts.join(", "))
        }
        other => it.repr_of(other)?,
    })
}

/// Calls a `typing` callable or method.
pub fn call(it: &mut Interp<'_>, f: TypingFn, pos: Vec<V>, mut kw: Kw) -> R<V> {
    match f {
        TypingFn::Cast => {
            let val = libobj::arg(&pos, &mut kw, 1, "val");
            let typ = libobj::arg(&pos, &mut kw, 0, "typ");
            libobj::no_more("cast", &kw)?;
            match (typ, val) {
                (Some(_), Some(v)) if pos.len() <= 2 => Ok(v),
                _ => libobj::positional("cast", &pos, &["typ", "val"], 2).map(|_| V::None),
            }
        }
        TypingFn::TypeVar => {
            let _ = (libobj::kwarg(&mut kw, "bound"), libobj::kwarg(&mut kw, "covariant"));
            let _ = libobj::kwarg(&mut kw, "contravariant");
            libobj::no_more("TypeVar", &kw)?;
            let Some(V::Str(name)) = pos.first() else {
                return type_err("TypeVar() argument 'name' must be str");
            };
            let t = form(name, format!("~{name}"));
            if let V::Inst(i) = &t {
                i.dict.lock().insert(Arc::from("__name__"), V::Str(name.clone()));
            }
            Ok(t)
        }
        TypingFn::Repr => {
            let me = pos.first().cloned().unwrap_or_default();
            Ok(libobj::own_attr(&me, "_repr").unwrap_or_else(|| V::str("typing")))
        }
        TypingFn::Subscript => {
            let [me, key] = pos.as_slice() else { return type_err("__getitem__ expected 1 argument") };
            let name = libobj::own_attr(me, "_name").map(|n| n.to_str().to_string()).unwrap_or_default();
            let repr = libobj::own_attr(me, "_repr").map(|n| n.to_str().to_string()).unwrap_or_default();
            if name == "Generic" {
                return Ok(V::Class(exc::object_class()));
            }
            let args = match key {
                V::Tuple(t) => t.to_vec(),
                k => vec![k.clone()],
            };
            let parts = args.iter().map(|a| type_repr(it, a)).collect::<R<Vec<_>>>()?;
            Ok(form(&name, format!("{repr}[{}]", parts.join(", "))))
        }
    }
}
