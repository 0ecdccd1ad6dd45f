//! `pprint`: `pprint`, `pformat` and `pp`, as CPython's `PrettyPrinter` lays data out —
//! the repr when it fits in `width` (80), else one item per line, dict keys sorted
//! (`sort_dicts=True`), nested containers indented under their opening bracket. Strings too
//! long for a line are kept whole (CPython would split them into adjacent literals).

use super::interp::{Interp, R, type_err};
use super::libobj::{self, Kw};
use super::stdlib::NFn;
use super::value::V;

/// The callables of `pprint`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PpFn {
    Pprint,
    Pformat,
    Pp,
}

impl PpFn {
    /// The name Python gives it.
    pub fn name(self) -> &'static str {
        match self {
            PpFn::Pprint => "pprint",
            PpFn::Pformat => "pformat",
            PpFn::Pp => "pp",
        }
    }
}

/// `pprint.name`.
pub fn module_attr(name: &str) -> Option<V> {
    let f = match name {
        "pprint" => PpFn::Pprint,
        "pformat" => PpFn::Pformat,
        "pp" => PpFn::Pp,
        _ => return None,
    };
    Some(libobj::native_fn(NFn::Pp(f)))
}

struct Printer {
    width: usize,
    sort_dicts: bool,
}

/// Calls a `pprint` function.
pub fn call(it: &mut Interp<'_>, f: PpFn, pos: Vec<V>, mut kw: Kw) -> R<V> {
    let obj = libobj::arg(&pos, &mut kw, 0, "object").unwrap_or_default();
    let width = match libobj::kwarg(&mut kw, "width") {
        Some(w) => match w.as_int() {
            Some(w) if w > 0 => w as usize,
            _ => return super::interp::raise("ValueError", "width must be != 0"),
        },
        None => 80,
    };
    let sort_dicts = match libobj::kwarg(&mut kw, "sort_dicts") {
        Some(v) => v.truthy(),
        None => f != PpFn::Pp,
    };
    let _ = libobj::kwarg(&mut kw, "indent");
    let _ = libobj::kwarg(&mut kw, "depth");
    let _ = libobj::kwarg(&mut kw, "compact");
    let _ = libobj::kwarg(&mut kw, "stream");
    libobj::no_more(f.name(), &kw)?;
    if pos.len() > 1 {
        return type_err(format!("{}() takes 1 positional argument but {} were given", f.name(), pos.len()));
    }
    let p = Printer { width, sort_dicts };
    let mut out = String::new();
    p.format(it, &obj, &mut out, 0, 0)?;
    if f == PpFn::Pformat {
        return Ok(V::str(out));
    }
    out.push('\n');
    it.w.write_out(it.ctx, &out, false);
    Ok(V::None)
}

impl Printer {
    /// The one-line repr, dicts sorted as `pprint` shows them.
    fn repr(&self, it: &mut Interp<'_>, v: &V) -> R<String> {
        match v {
            V::Dict(d) if self.sort_dicts => {
                let items = self.sorted_items(it, v)?;
                let _ = d;
                let mut parts = Vec::new();
                for (k, val) in items {
                    parts.push(format!("{}: {}", self.repr(it, &k)?, self.repr(it, &val)?));
                }
                Ok(format!("{{{}}}", parts.join(", ")))
            }
            V::List(l) => {
                let items = l.lock().clone();
                let parts = items.iter().map(|x| self.repr(it, x)).collect::<R<Vec<_>>>()?;
                Ok(format!("[{}]", parts.join(", ")))
            }
            V::Tuple(t) => {
                let parts = t.iter().map(|x| self.repr(it, x)).collect::<R<Vec<_>>>()?;
                Ok(if parts.len() == 1 { format!("({},)", parts[0]) } else { format!("({})", parts.join(", ")) })
            }
            other => it.repr_of(other),
        }
    }

    fn sorted_items(&self, it: &mut Interp<'_>, v: &V) -> R<Vec<(V, V)>> {
        let V::Dict(d) = v else { return Ok(Vec::new()) };
        let mut items: Vec<(V, V)> = d.lock().map.values().cloned().collect();
        if self.sort_dicts {
            // CPython sorts by `_safe_key`: keys of mixed types fall back to their type name.
            let mut keyed: Vec<(V, (V, V))> = items.into_iter().map(|kv| (kv.0.clone(), kv)).collect();
            let mut err = None;
            keyed.sort_by(|a, b| {
                if err.is_some() {
                    return std::cmp::Ordering::Equal;
                }
                match it.compare(super::ir::CmpOp::Lt, &a.0, &b.0) {
                    Ok(true) => std::cmp::Ordering::Less,
                    Ok(false) => match it.compare(super::ir::CmpOp::Lt, &b.0, &a.0) {
                        Ok(true) => std::cmp::Ordering::Greater,
                        Ok(false) => std::cmp::Ordering::Equal,
                        Err(_) => a.0.type_name().cmp(&b.0.type_name()),
                    },
                    Err(e) => {
                        if !super::libobj::is_exc(&e, "TypeError") {
                            err = Some(e);
                        }
                        a.0.type_name().cmp(&b.0.type_name())
                    }
                }
            });
            if let Some(e) = err {
                return Err(e);
            }
            items = keyed.into_iter().map(|(_, kv)| kv).collect();
        }
        Ok(items)
    }

    /// CPython's `_format`: the repr if it fits, else the container laid out.
    fn format(&self, it: &mut Interp<'_>, v: &V, out: &mut String, indent: usize, allowance: usize) -> R<()> {
        let rep = self.repr(it, v)?;
        let max = self.width.saturating_sub(indent).saturating_sub(allowance);
        if rep.chars().count() <= max {
            out.push_str(&rep);
            return Ok(());
        }
        match v {
            V::Dict(_) => {
                out.push('{');
                let items = self.sorted_items(it, v)?;
                let indent = indent + 1;
                let n = items.len();
                for (i, (k, val)) in items.into_iter().enumerate() {
                    let last = i + 1 == n;
                    let krep = self.repr(it, &k)?;
                    out.push_str(&krep);
                    out.push_str(": ");
                    let w = krep.chars().count();
                    self.format(it, &val, out, indent + w + 2, if last { allowance + 1 } else { 1 })?;
                    if !last {
                        out.push_str(",\n");
                        out.push_str(&" ".repeat(indent));
                    }
                }
                out.push('}');
            }
            V::List(l) => {
                let items = l.lock().clone();
                out.push('[');
                self.items(it, &items, out, indent, allowance + 1)?;
                out.push(']');
            }
            V::Tuple(t) => {
                out.push('(');
                let end = if t.len() == 1 { ",)" } else { ")" };
                self.items(it, t, out, indent, allowance + end.len())?;
                out.push_str(end);
            }
            _ => out.push_str(&rep),
        }
        Ok(())
    }

    /// CPython's `_format_items` without `compact`: one item per line.
    fn items(&self, it: &mut Interp<'_>, items: &[V], out: &mut String, indent: usize, allowance: usize) -> R<()> {
        let indent = indent + 1;
        let n = items.len();
        for (i, x) in items.iter().enumerate() {
            if i > 0 {
                out.push_str(",\n");
                out.push_str(&" ".repeat(indent));
            }
            let last = i + 1 == n;
            self.format(it, x, out, indent, if last { allowance } else { 1 })?;
        }
        Ok(())
    }
}
