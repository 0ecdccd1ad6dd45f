//! `traceback`: `format_exc`, `print_exc`, `format_exception`, `print_exception` — the
//! traceback of the exception being handled (or given), worded as the interpreter prints an
//! uncaught one — and `sys.exc_info()`.

use super::interp::{Exc, Interp, R};
use super::libobj::{self, Kw};
use super::stdlib::NFn;
use super::value::V;

/// The callables of `traceback`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TbFn {
    FormatExc,
    PrintExc,
    FormatException,
    PrintException,
}

impl TbFn {
    /// The name Python gives it.
    pub fn name(self) -> &'static str {
        match self {
            TbFn::FormatExc => "format_exc",
            TbFn::PrintExc => "print_exc",
            TbFn::FormatException => "format_exception",
            TbFn::PrintException => "print_exception",
        }
    }
}

/// `traceback.name`.
pub fn module_attr(name: &str) -> Option<V> {
    let f = match name {
        "format_exc" => TbFn::FormatExc,
        "print_exc" => TbFn::PrintExc,
        "format_exception" => TbFn::FormatException,
        "print_exception" => TbFn::PrintException,
        _ => return None,
    };
    Some(libobj::native_fn(NFn::Tb(f)))
}

/// The exception being handled, with the frames it left.
fn handled(it: &Interp<'_>) -> Option<Exc> {
    it.handling.last().cloned()
}

/// The exception `e` (an instance): the one being handled if it is that, else with the
/// frames it kept when it was chained (none otherwise).
fn given(it: &Interp<'_>, e: &V) -> Exc {
    if let Some(h) = it.handling.iter().rev().find(|h| h.value.is(e)) {
        return h.clone();
    }
    Exc { value: e.clone(), tb: Vec::new() }
}

/// Calls a `traceback` function.
pub fn call(it: &mut Interp<'_>, f: TbFn, pos: Vec<V>, mut kw: Kw) -> R<V> {
    let _ = libobj::kwarg(&mut kw, "limit");
    let _ = libobj::kwarg(&mut kw, "file");
    let _ = libobj::kwarg(&mut kw, "chain");
    let exc = match f {
        TbFn::FormatExc | TbFn::PrintExc => handled(it),
        TbFn::FormatException | TbFn::PrintException => {
            // (exc) or the old (type, value, tb).
            let e = if pos.len() >= 2 { pos[1].clone() } else { pos.first().cloned().unwrap_or_default() };
            match e {
                V::None => None,
                e => Some(given(it, &e)),
            }
        }
    };
    libobj::no_more(f.name(), &kw)?;
    let lines = match exc {
        Some(e) => super::traceback_lines(it, &e, None, false),
        None => vec!["NoneType: None".to_string()],
    };
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    match f {
        TbFn::FormatExc => Ok(V::str(text)),
        TbFn::FormatException => Ok(V::list(lines.into_iter().map(|l| V::str(format!("{l}\n"))).collect())),
        TbFn::PrintExc | TbFn::PrintException => {
            it.w.write_out(it.ctx, &text, true);
            Ok(V::None)
        }
    }
}

/// `sys.exc_info()`: (type, value, traceback) of the exception being handled; the
/// traceback object is `None` here.
pub fn exc_info(it: &Interp<'_>) -> V {
    match it.handling.last() {
        Some(e) => {
            let ty = match &e.value {
                V::Inst(i) => V::Class(i.class.clone()),
                _ => V::None,
            };
            V::tuple(vec![ty, e.value.clone(), V::None])
        }
        None => V::tuple(vec![V::None, V::None, V::None]),
    }
}
