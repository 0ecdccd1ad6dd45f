//! `operator`: the operators as functions (`add`, `mul`, `lt`, `not_`, `getitem`…, each
//! doing exactly what the operator does, a class's dunder methods included) and the callable
//! objects `itemgetter`, `attrgetter` and `methodcaller`, with CPython's reprs
//! (`operator.itemgetter(1)`) and messages.

use super::interp::{Interp, R, raise, type_err};
use super::ir::{BinOp, Builtin, CmpOp, ExprKind, UnOp};
use super::libobj::{self, Kw};
use super::stdlib::NFn;
use super::value::{Dict, V};
use std::sync::Arc;
use threadline_runtime::footprint::Mutex;

/// The callables `operator` exports, and the calls of the objects it makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpFn {
    Add,
    Sub,
    Mul,
    TrueDiv,
    FloorDiv,
    Mod,
    Pow,
    LShift,
    RShift,
    And,
    Or,
    Xor,
    MatMul,
    Concat,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Is,
    IsNot,
    Contains,
    Neg,
    Pos,
    Abs,
    Invert,
    Not,
    Truth,
    Index,
    GetItem,
    SetItem,
    DelItem,
    CountOf,
    IndexOf,
    ItemGetter,
    AttrGetter,
    MethodCaller,
    /// Calling an `itemgetter` object.
    CallItemGetter,
    /// Calling an `attrgetter` object.
    CallAttrGetter,
    /// Calling a `methodcaller` object.
    CallMethodCaller,
}

const EXPORTED: [OpFn; 38] = [
    OpFn::Add,
    OpFn::Sub,
    OpFn::Mul,
    OpFn::TrueDiv,
    OpFn::FloorDiv,
    OpFn::Mod,
    OpFn::Pow,
    OpFn::LShift,
    OpFn::RShift,
    OpFn::And,
    OpFn::Or,
    OpFn::Xor,
    OpFn::MatMul,
    OpFn::Concat,
    OpFn::Eq,
    OpFn::Ne,
    OpFn::Lt,
    OpFn::Le,
    OpFn::Gt,
    OpFn::Ge,
    OpFn::Is,
    OpFn::IsNot,
    OpFn::Contains,
    OpFn::Neg,
    OpFn::Pos,
    OpFn::Abs,
    OpFn::Invert,
    OpFn::Not,
    OpFn::Truth,
    OpFn::Index,
    OpFn::GetItem,
    OpFn::SetItem,
    OpFn::DelItem,
    OpFn::CountOf,
    OpFn::IndexOf,
    OpFn::ItemGetter,
    OpFn::AttrGetter,
    OpFn::MethodCaller,
];

impl OpFn {
    /// The name Python gives it.
    pub fn name(self) -> &'static str {
        match self {
            OpFn::Add => "add",
            OpFn::Sub => "sub",
            OpFn::Mul => "mul",
            OpFn::TrueDiv => "truediv",
            OpFn::FloorDiv => "floordiv",
            OpFn::Mod => "mod",
            OpFn::Pow => "pow",
            OpFn::LShift => "lshift",
            OpFn::RShift => "rshift",
            OpFn::And => "and_",
            OpFn::Or => "or_",
            OpFn::Xor => "xor",
            OpFn::MatMul => "matmul",
            OpFn::Concat => "concat",
            OpFn::Eq => "eq",
            OpFn::Ne => "ne",
            OpFn::Lt => "lt",
            OpFn::Le => "le",
            OpFn::Gt => "gt",
            OpFn::Ge => "ge",
            OpFn::Is => "is_",
            OpFn::IsNot => "is_not",
            OpFn::Contains => "contains",
            OpFn::Neg => "neg",
            OpFn::Pos => "pos",
            OpFn::Abs => "abs",
            OpFn::Invert => "invert",
            OpFn::Not => "not_",
            OpFn::Truth => "truth",
            OpFn::Index => "index",
            OpFn::GetItem => "getitem",
            OpFn::SetItem => "setitem",
            OpFn::DelItem => "delitem",
            OpFn::CountOf => "countOf",
            OpFn::IndexOf => "indexOf",
            OpFn::ItemGetter | OpFn::CallItemGetter => "itemgetter",
            OpFn::AttrGetter | OpFn::CallAttrGetter => "attrgetter",
            OpFn::MethodCaller | OpFn::CallMethodCaller => "methodcaller",
        }
    }

    fn binop(self) -> Option<BinOp> {
        Some(match self {
            OpFn::Add | OpFn::Concat => BinOp::Add,
            OpFn::Sub => BinOp::Sub,
            OpFn::Mul => BinOp::Mul,
            OpFn::TrueDiv => BinOp::Div,
            OpFn::FloorDiv => BinOp::FloorDiv,
            OpFn::Mod => BinOp::Mod,
            OpFn::Pow => BinOp::Pow,
            OpFn::LShift => BinOp::LShift,
            OpFn::RShift => BinOp::RShift,
            OpFn::And => BinOp::BitAnd,
            OpFn::Or => BinOp::BitOr,
            OpFn::Xor => BinOp::BitXor,
            OpFn::MatMul => BinOp::MatMul,
            _ => return None,
        })
    }

    fn cmpop(self) -> Option<CmpOp> {
        Some(match self {
            OpFn::Eq => CmpOp::Eq,
            OpFn::Ne => CmpOp::NotEq,
            OpFn::Lt => CmpOp::Lt,
            OpFn::Le => CmpOp::LtE,
            OpFn::Gt => CmpOp::Gt,
            OpFn::Ge => CmpOp::GtE,
            OpFn::Is => CmpOp::Is,
            OpFn::IsNot => CmpOp::IsNot,
            _ => return None,
        })
    }
}

/// `operator.name`.
pub fn module_attr(name: &str) -> Option<V> {
    let name = if name == "inv" { "invert" } else { name };
    EXPORTED.into_iter().find(|f| f.name() == name).map(|f| libobj::native_fn(NFn::Operator(f)))
}

fn nargs(f: OpFn, pos: &[V], kw: &Kw, n: usize) -> R<()> {
    if !kw.is_empty() {
        return type_err(format!("_operator.{}() takes no keyword arguments", f.name()));
    }
    if pos.len() != n {
        if n == 1 {
            return type_err(format!("_operator.{}() takes exactly one argument ({} given)", f.name(), pos.len()));
        }
        return type_err(format!("{} expected {n} arguments, got {}", f.name(), pos.len()));
    }
    Ok(())
}

fn is_sequence(v: &V) -> bool {
    matches!(v, V::Str(_) | V::List(_) | V::Tuple(_) | V::Range(..) | V::Inst(_))
}

fn reprs(it: &mut Interp<'_>, items: &[V]) -> R<Vec<String>> {
    items.iter().map(|x| it.repr_of(x)).collect()
}

fn object(it: &mut Interp<'_>, kind: OpFn, call: OpFn, state: Vec<V>, args: &[V], kw: &Kw) -> R<V> {
    let mut parts = reprs(it, args)?;
    for (k, v) in kw {
        parts.push(format!("{k}={}", it.repr_of(v)?));
    }
    let repr = format!("operator.{}({})", kind.name(), parts.join(", "));
    let call = libobj::bound(NFn::Operator(call), state);
    Ok(libobj::object(it, kind.name(), "operator", vec![("__call__", call)], Some(repr), Vec::new()))
}

/// One argument: the object an `itemgetter`/`attrgetter`/`methodcaller` is applied to.
fn applied_to(f: OpFn, rest: &[V], kw: &Kw) -> R<V> {
    if !kw.is_empty() {
        return type_err(format!("{}() takes no keyword arguments", f.name()));
    }
    match rest {
        [x] => Ok(x.clone()),
        _ => type_err(format!("{} expected 1 argument, got {}", f.name(), rest.len())),
    }
}

/// Calls `operator.f(*pos, **kw)`.
pub fn call(it: &mut Interp<'_>, f: OpFn, pos: Vec<V>, kw: Kw) -> R<V> {
    if let Some(op) = f.binop() {
        nargs(f, &pos, &kw, 2)?;
        if f == OpFn::Concat && !is_sequence(&pos[0]) {
            return type_err(format!("'{}' object can't be concatenated", pos[0].type_name()));
        }
        return it.binop(op, &pos[0], &pos[1]);
    }
    if let Some(op) = f.cmpop() {
        nargs(f, &pos, &kw, 2)?;
        return Ok(V::Bool(it.compare(op, &pos[0], &pos[1])?));
    }
    match f {
        OpFn::Contains => {
            nargs(f, &pos, &kw, 2)?;
            Ok(V::Bool(it.contains(&pos[0], &pos[1])?))
        }
        OpFn::Neg | OpFn::Pos | OpFn::Invert => {
            nargs(f, &pos, &kw, 1)?;
            let op = match f {
                OpFn::Neg => UnOp::Neg,
                OpFn::Pos => UnOp::Pos,
                _ => UnOp::Invert,
            };
            libobj::eval(it, ExprKind::Unary(op, libobj::konst(pos[0].clone())))
        }
        OpFn::Abs => {
            nargs(f, &pos, &kw, 1)?;
            super::builtins::call_builtin(it, Builtin::Abs, pos, Vec::new())
        }
        OpFn::Not | OpFn::Truth => {
            nargs(f, &pos, &kw, 1)?;
            let t = it.truthy(&pos[0])?;
            Ok(V::Bool(if f == OpFn::Not { !t } else { t }))
        }
        OpFn::Index => {
            nargs(f, &pos, &kw, 1)?;
            match &pos[0] {
                V::Big(_) => Ok(pos[0].clone()),
                V::Inst(_) if it.lookup_method(&pos[0], "__index__").is_some() => {
                    it.call_method(&pos[0], "__index__", Vec::new(), Vec::new())
                }
                other => Ok(V::Int(super::builtins::index(other)?)),
            }
        }
        OpFn::GetItem => {
            nargs(f, &pos, &kw, 2)?;
            it.get_item(&pos[0], &pos[1])
        }
        OpFn::SetItem => {
            nargs(f, &pos, &kw, 3)?;
            it.set_item(&pos[0], pos[1].clone(), pos[2].clone())?;
            Ok(V::None)
        }
        OpFn::DelItem => {
            nargs(f, &pos, &kw, 2)?;
            if let V::Inst(_) = &pos[0] {
                return match it.lookup_method(&pos[0], "__delitem__") {
                    Some(m) => it.call(&m, vec![pos[1].clone()], Vec::new()).map(|_| V::None),
                    None => type_err(format!("'{}' object doesn't support item deletion", pos[0].type_name())),
                };
            }
            super::builtins::del_item(it, &pos[0], &pos[1])?;
            Ok(V::None)
        }
        OpFn::CountOf | OpFn::IndexOf => {
            nargs(f, &pos, &kw, 2)?;
            let items = it.collect_vec(&pos[0])?;
            let mut n = 0;
            for (i, x) in items.iter().enumerate() {
                if x.is(&pos[1]) || it.eq(x, &pos[1])? {
                    if f == OpFn::IndexOf {
                        return Ok(V::Int(i as i64));
                    }
                    n += 1;
                }
            }
            if f == OpFn::IndexOf {
                return raise("ValueError", "sequence.index(x): x not in sequence");
            }
            Ok(V::Int(n))
        }
        OpFn::ItemGetter => {
            if !kw.is_empty() {
                return type_err("itemgetter() takes no keyword arguments");
            }
            if pos.is_empty() {
                return type_err("itemgetter expected 1 argument, got 0");
            }
            object(it, f, OpFn::CallItemGetter, vec![V::tuple(pos.clone())], &pos, &kw)
        }
        OpFn::AttrGetter => {
            if !kw.is_empty() {
                return type_err("attrgetter() takes no keyword arguments");
            }
            if pos.is_empty() {
                return type_err("attrgetter expected 1 argument, got 0");
            }
            if pos.iter().any(|a| !matches!(a, V::Str(_))) {
                return type_err("attribute name must be a string");
            }
            object(it, f, OpFn::CallAttrGetter, vec![V::tuple(pos.clone())], &pos, &kw)
        }
        OpFn::MethodCaller => {
            let Some(name) = pos.first() else {
                return type_err("methodcaller needs at least one argument, the method name");
            };
            if !matches!(name, V::Str(_)) {
                return type_err("method name must be a string");
            }
            let mut d = Dict::default();
            for (k, v) in &kw {
                d.set(V::str(k.clone()), v.clone()).or_else(type_err)?;
            }
            let state = vec![name.clone(), V::tuple(pos[1..].to_vec()), V::Dict(Arc::new(Mutex::new(d)))];
            object(it, f, OpFn::CallMethodCaller, state, &pos, &kw)
        }
        OpFn::CallItemGetter => {
            let (items, rest) = pos.split_first().map_or((V::None, &[][..]), |(a, r)| (a.clone(), r));
            let obj = applied_to(f, rest, &kw)?;
            let keys = super::value::seq_items(&items);
            if let [k] = keys.as_slice() {
                return it.get_item(&obj, k);
            }
            let vals = keys.iter().map(|k| it.get_item(&obj, k)).collect::<R<Vec<V>>>()?;
            Ok(V::tuple(vals))
        }
        OpFn::CallAttrGetter => {
            let (names, rest) = pos.split_first().map_or((V::None, &[][..]), |(a, r)| (a.clone(), r));
            let obj = applied_to(f, rest, &kw)?;
            let names = super::value::seq_items(&names);
            let mut vals = Vec::with_capacity(names.len());
            for n in &names {
                let mut v = obj.clone();
                for part in n.to_str().split('.') {
                    v = it.get_attr(&v, part)?;
                }
                vals.push(v);
            }
            if vals.len() == 1 {
                return Ok(vals.swap_remove(0));
            }
            Ok(V::tuple(vals))
        }
        OpFn::CallMethodCaller => {
            let [name, args, kwargs, rest @ ..] = pos.as_slice() else {
                return type_err("methodcaller expected 1 argument, got 0");
            };
            let obj = applied_to(f, rest, &kw)?;
            let ckw: Kw = match kwargs {
                V::Dict(d) => d
                    .lock()
                    .map
                    .values()
                    .filter_map(|(k, v)| match k {
                        V::Str(s) => Some((Arc::from(&**s), v.clone())),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            it.call_method(&obj, &name.to_str(), super::value::seq_items(args), ckw)
        }
        _ => type_err(format!("operator.{}: not callable this way", f.name())),
    }
}
