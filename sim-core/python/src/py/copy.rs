//! `copy`: `copy` (a new container holding the same items, an instance with a copy of its
//! `__dict__`) and `deepcopy` (the fork's copy: containers and instances copied all the way
//! down, shared objects kept once — functions, classes, locks and queues are not copied).

use super::interp::{Interp, R, type_err};
use super::stdlib::NFn;
use super::value::{Inst, InstNative, V};
use std::sync::Arc;
use threadline_runtime::footprint::Mutex;

/// `copy.name`.
pub fn module_attr(name: &str) -> Option<V> {
    match name {
        "copy" => Some(super::libobj::native_fn(NFn::Copy(false))),
        "deepcopy" => Some(super::libobj::native_fn(NFn::Copy(true))),
        _ => None,
    }
}

/// `copy.copy(x)` / `copy.deepcopy(x, memo=None)`.
pub fn call(it: &mut Interp<'_>, deep: bool, pos: Vec<V>) -> R<V> {
    let name = if deep { "deepcopy" } else { "copy" };
    if pos.is_empty() || pos.len() > if deep { 2 } else { 1 } {
        return type_err(format!(
            "{name}() takes {} but {} were given",
            if deep { "1 or 2 arguments" } else { "exactly one argument" },
            pos.len()
        ));
    }
    let x = &pos[0];
    // A class's own `__copy__` / `__deepcopy__(memo)` decides.
    let hook = if deep { "__deepcopy__" } else { "__copy__" };
    if let Some(m) = it.lookup_method(x, hook) {
        let args = if deep { vec![V::Dict(Default::default())] } else { Vec::new() };
        return it.call(&m, args, Vec::new());
    }
    if deep {
        return Ok(super::world::deep_copy(x, &mut std::collections::HashMap::new()));
    }
    Ok(shallow(x))
}

/// `copy.copy(x)`.
fn shallow(x: &V) -> V {
    match x {
        V::List(l) => V::list(l.lock().clone()),
        V::Dict(d) => V::Dict(Arc::new(Mutex::new(d.lock().clone()))),
        V::Set(d) => V::Set(Arc::new(Mutex::new(d.lock().set_copy()))),
        V::Inst(i) => {
            let native = match &*i.native.lock() {
                InstNative::Base(b) => InstNative::Base(shallow(b)),
                other => other.clone(),
            };
            V::Inst(Arc::new(Inst {
                class: i.class.clone(),
                dict: Mutex::new(i.dict.lock().clone()),
                native: Mutex::new(native),
                hrep: Default::default(),
            }))
        }
        other => other.clone(),
    }
}
