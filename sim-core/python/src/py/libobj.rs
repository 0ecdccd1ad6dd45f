//! What the natively written library modules (`heapq`, `bisect`, `statistics`, `json`,
//! `operator`, `functools`) share: objects with a class of their own (callable through a
//! `__call__` that carries its state, a fixed `repr`, attributes in their `__dict__`), a
//! module's own exception classes, and reading arguments.

use super::exc;
use super::interp::{Exc, Flow, Frame, Interp, R, type_err};
use super::ir::{Expr, ExprKind, FuncDef, Param, Params, Stmt, StmtKind};
use super::stdlib::{NFn, Native};
use super::value::{Attrs, Class, ClassKind, Func, Inst, InstNative, V};
use indexmap::IndexMap;
use std::sync::Arc;
use threadline_runtime::footprint::Mutex;

/// Keyword arguments, in order.
pub type Kw = Vec<(Arc<str>, V)>;

/// A native function as a value.
pub fn native_fn(f: NFn) -> V {
    V::Native(Arc::new(Native::Fn(f)))
}

/// `f` with `args` bound in front (a `functools.partial`): how an object's methods carry
/// its state.
pub fn bound(f: NFn, args: Vec<V>) -> V {
    V::Native(Arc::new(Native::Partial(native_fn(f), args, Vec::new())))
}

/// Takes keyword argument `name` out of `kw`.
pub fn kwarg(kw: &mut Kw, name: &str) -> Option<V> {
    let i = kw.iter().position(|(k, _)| &**k == name)?;
    Some(kw.remove(i).1)
}

/// Positional-or-keyword argument `i` named `name`.
pub fn arg(pos: &[V], kw: &mut Kw, i: usize, name: &str) -> Option<V> {
    kwarg(kw, name).or_else(|| pos.get(i).cloned())
}

/// `TypeError` for the first keyword argument left over.
pub fn no_more(fname: &str, kw: &Kw) -> R<()> {
    match kw.first() {
        Some((k, _)) => type_err(format!("{fname}() got an unexpected keyword argument '{k}'")),
        None => Ok(()),
    }
}

/// `TypeError` unless there are between `min` and `max` positional arguments, worded as
/// CPython's functions defined in Python word it (`f() missing 1 required positional
/// argument: 'x'`, `f() takes 2 positional arguments but 3 were given`).
pub fn positional(fname: &str, pos: &[V], names: &[&str], min: usize) -> R<()> {
    let max = names.len();
    if pos.len() < min {
        let missing: Vec<String> = names[pos.len()..min].iter().map(|n| format!("'{n}'")).collect();
        let list = match missing.len() {
            1 => missing[0].clone(),
            2 => format!("{} and {}", missing[0], missing[1]),
            _ => format!("{}, and {}", missing[..missing.len() - 1].join(", "), missing[missing.len() - 1]),
        };
        return type_err(format!(
            "{fname}() missing {} required positional argument{}: {list}",
            missing.len(),
            if missing.len() == 1 { "" } else { "s" }
        ));
    }
    if pos.len() > max {
        let takes = if min == max {
            format!("{max} positional argument{}", if max == 1 { "" } else { "s" })
        } else {
            format!("from {min} to {max} positional arguments")
        };
        return type_err(format!(
            "{fname}() takes {takes} but {} {} given",
            pos.len(),
            if pos.len() == 1 { "was" } else { "were" }
        ));
    }
    Ok(())
}

/// A new exception class `module.name` deriving from the built-in `base`, with `dict`.
pub fn exc_class(name: &str, module: &str, base: &str, dict: Attrs) -> Arc<Class> {
    exc::build_class(Arc::from(name), Arc::from(module), vec![exc::class(base)], dict, ClassKind::Exception)
}

/// The exception `value`, raised.
pub fn raise_value(value: V) -> Flow {
    Flow::Exc(Box::new(Exc { value, tb: Vec::new() }))
}

/// Raise `class(msg)`.
pub fn raise_in<T>(class: &Arc<Class>, msg: impl Into<String>) -> R<T> {
    Err(raise_value(exc::instance(class.clone(), vec![V::str(msg.into())])))
}

/// Whether `e` is a Python exception of the built-in class `name`.
pub fn is_exc(e: &Flow, name: &str) -> bool {
    matches!(e, Flow::Exc(x) if exc::is_instance_of(&x.value, name))
}

/// A Python function `def name(self): return value` — a method whose result never changes
/// (an object's `repr`), real enough for the interpreter's `repr()` to call; its one
/// statement is on `line` (where the object was made).
pub fn const_method(name: &str, qualname: &str, value: V, line: u32) -> V {
    let ret = Expr { line, kind: Box::new(ExprKind::Const(value)) };
    let def = FuncDef {
        name: Arc::from(name),
        qualname: Arc::from(qualname),
        params: Params { args: vec![Param { name: Arc::from("self"), default: None }], ..Params::default() },
        n_locals: 1,
        cells: Vec::new(),
        free_from: Vec::new(),
        body: vec![Stmt { line, kind: StmtKind::Return(Some(ret)) }],
        line,
        local_names: vec![Arc::from("self")],
        frame_code: None,
        vm: None,
    };
    V::Func(Arc::new(Func {
        def: Arc::new(def),
        defaults: Vec::new(),
        kwdefaults: Vec::new(),
        closure: Vec::new(),
        attrs: Default::default(),
    }))
}

/// An object of a class of its own named `module.name`: `methods` go in the class (each a
/// [`bound`] native, which receives the arguments the call gets — not the object — so its
/// state is what was bound), `repr` becomes `__repr__`, `attrs` its `__dict__`.
pub fn object(
    it: &Interp<'_>,
    name: &str,
    module: &str,
    methods: Vec<(&str, V)>,
    repr: Option<String>,
    attrs: Vec<(&str, V)>,
) -> V {
    let mut dict: Attrs = IndexMap::default();
    for (k, v) in methods {
        dict.insert(Arc::from(k), v);
    }
    if let Some(r) = repr {
        dict.insert(
            Arc::from("__repr__"),
            const_method("__repr__", &format!("{name}.__repr__"), V::str(r), it.ctx.line.get()),
        );
    }
    let class = exc::build_class(Arc::from(name), Arc::from(module), vec![exc::object_class()], dict, ClassKind::Plain);
    let own: Attrs = attrs.into_iter().map(|(k, v)| (Arc::from(k), v)).collect();
    V::Inst(Arc::new(Inst {
        class,
        dict: Mutex::new(own),
        native: Mutex::new(InstNative::None),
        hrep: Default::default(),
    }))
}

/// An attribute of `obj`'s own `__dict__` (an object made by [`object`]).
pub fn own_attr(obj: &V, name: &str) -> Option<V> {
    match obj {
        V::Inst(i) => i.dict.lock().get(name).cloned(),
        _ => None,
    }
}

/// Evaluates `expr` as the interpreter would at the current line (unary operators and the
/// like that have no public entry point).
pub fn eval(it: &mut Interp<'_>, kind: ExprKind) -> R<V> {
    let line = it.ctx.line.get();
    let mut frame = Frame { locals: &mut [], closure: &[], class_ns: None, func: None, line };
    it.eval(&mut frame, &Expr { line, kind: Box::new(kind) })
}

/// A constant expression.
pub fn konst(v: V) -> Expr {
    Expr { line: 0, kind: Box::new(ExprKind::Const(v)) }
}

/// `len(v)`.
pub fn len_of(it: &mut Interp<'_>, v: &V) -> R<i64> {
    let n = super::builtins::call_builtin(it, super::ir::Builtin::Len, vec![v.clone()], Vec::new())?;
    super::builtins::index(&n)
}

/// An iterator over `items`.
pub fn iter_of(items: Vec<V>) -> V {
    V::Iter(Arc::new(Mutex::new(super::value::PyIter::Items(items, 0))))
}

/// `items` sorted by `key(item)` with the program's `<`, stably (as `sorted()`); the first
/// failed comparison is the error.
pub fn sort_stable<T: Clone>(it: &mut Interp<'_>, items: Vec<T>, key: impl Fn(&T) -> &V) -> R<Vec<T>> {
    let mut idx: Vec<usize> = (0..items.len()).collect();
    let mut err: Option<Flow> = None;
    idx.sort_by(|&a, &b| {
        if err.is_some() {
            return std::cmp::Ordering::Equal;
        }
        let (x, y) = (key(&items[a]), key(&items[b]));
        match it.compare(super::ir::CmpOp::Lt, x, y) {
            Ok(true) => std::cmp::Ordering::Less,
            Ok(false) => match it.compare(super::ir::CmpOp::Lt, y, x) {
                Ok(true) => std::cmp::Ordering::Greater,
                Ok(false) => std::cmp::Ordering::Equal,
                Err(e) => {
                    err = Some(e);
                    std::cmp::Ordering::Equal
                }
            },
            Err(e) => {
                err = Some(e);
                std::cmp::Ordering::Equal
            }
        }
    });
    if let Some(e) = err {
        return Err(e);
    }
    Ok(idx.into_iter().map(|i| items[i].clone()).collect())
}
