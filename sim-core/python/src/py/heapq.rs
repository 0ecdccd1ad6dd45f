//! `heapq`, as CPython's `_heapq` (Modules/_heapqmodule.c) does it: `heappush`, `heappop`,
//! `heapify`, `heappushpop` and `heapreplace` sift the list in place with the same steps
//! (so the list reads the same after each call), comparing items with `<` as the program
//! defines it (a class's `__lt__` included); `nlargest`, `nsmallest` and `merge` as
//! Lib/heapq.py defines their results.

use super::interp::{Interp, R, raise, type_err};
use super::ir::{Builtin, CmpOp};
use super::libobj::{self, Kw};
use super::stdlib::NFn;
use super::value::V;
use std::sync::Arc;

/// The callables `heapq` exports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeapqFn {
    /// `heappush(heap, item)`.
    HeapPush,
    /// `heappop(heap)`.
    HeapPop,
    /// `heapify(x)`.
    Heapify,
    /// `heappushpop(heap, item)`.
    HeapPushPop,
    /// `heapreplace(heap, item)`.
    HeapReplace,
    /// `nlargest(n, iterable, key=None)`.
    NLargest,
    /// `nsmallest(n, iterable, key=None)`.
    NSmallest,
    /// `merge(*iterables, key=None, reverse=False)`.
    Merge,
}

const ALL: [HeapqFn; 8] = [
    HeapqFn::HeapPush,
    HeapqFn::HeapPop,
    HeapqFn::Heapify,
    HeapqFn::HeapPushPop,
    HeapqFn::HeapReplace,
    HeapqFn::NLargest,
    HeapqFn::NSmallest,
    HeapqFn::Merge,
];

impl HeapqFn {
    /// The name Python gives it.
    pub fn name(self) -> &'static str {
        match self {
            HeapqFn::HeapPush => "heappush",
            HeapqFn::HeapPop => "heappop",
            HeapqFn::Heapify => "heapify",
            HeapqFn::HeapPushPop => "heappushpop",
            HeapqFn::HeapReplace => "heapreplace",
            HeapqFn::NLargest => "nlargest",
            HeapqFn::NSmallest => "nsmallest",
            HeapqFn::Merge => "merge",
        }
    }
}

/// `heapq.name`.
pub fn module_attr(name: &str) -> Option<V> {
    ALL.into_iter().find(|f| f.name() == name).map(|f| libobj::native_fn(NFn::Heapq(f)))
}

type List = Arc<crate::py::value::ListCell>;

fn changed<T>() -> R<T> {
    raise("RuntimeError", "list changed size during iteration")
}

fn out_of_range<T>() -> R<T> {
    raise("IndexError", "index out of range")
}

/// `_siftdown`: move the item at `pos` up towards `start` while it is less than its parent.
fn sift_down(it: &mut Interp<'_>, heap: &List, start: usize, mut pos: usize) -> R<()> {
    let size = heap.lock().len();
    if pos >= size {
        return out_of_range();
    }
    while pos > start {
        let parentpos = (pos - 1) >> 1;
        let (newitem, parent) = {
            let h = heap.lock();
            (h[pos].clone(), h[parentpos].clone())
        };
        // The comparison may run the program's `__lt__`: no lock held meanwhile.
        let less = it.compare(CmpOp::Lt, &newitem, &parent)?;
        let mut h = heap.lock();
        if h.len() != size {
            return changed();
        }
        if !less {
            break;
        }
        h.swap(parentpos, pos);
        pos = parentpos;
    }
    Ok(())
}

/// `_siftup`: move the smaller child up until a leaf, then sift the item there down.
fn sift_up(it: &mut Interp<'_>, heap: &List, mut pos: usize) -> R<()> {
    let end = heap.lock().len();
    let start = pos;
    if pos >= end {
        return out_of_range();
    }
    let limit = end >> 1;
    while pos < limit {
        let mut child = 2 * pos + 1;
        if child + 1 < end {
            let (a, b) = {
                let h = heap.lock();
                (h[child].clone(), h[child + 1].clone())
            };
            if !it.compare(CmpOp::Lt, &a, &b)? {
                child += 1;
            }
        }
        let mut h = heap.lock();
        if h.len() != end {
            return changed();
        }
        h.swap(child, pos);
        pos = child;
    }
    sift_down(it, heap, start, pos)
}

fn two_args(name: &str, pos: &[V], kw: &Kw) -> R<(List, V)> {
    if !kw.is_empty() {
        return type_err(format!("_heapq.{name}() takes no keyword arguments"));
    }
    if pos.len() != 2 {
        return type_err(format!("{name} expected 2 arguments, got {}", pos.len()));
    }
    match &pos[0] {
        V::List(l) => Ok((l.clone(), pos[1].clone())),
        other => type_err(format!("{name}() argument 1 must be list, not {}", other.type_name())),
    }
}

fn one_arg(name: &str, pos: &[V], kw: &Kw) -> R<List> {
    if !kw.is_empty() {
        return type_err(format!("_heapq.{name}() takes no keyword arguments"));
    }
    if pos.len() != 1 {
        return type_err(format!("_heapq.{name}() takes exactly one argument ({} given)", pos.len()));
    }
    match &pos[0] {
        V::List(l) => Ok(l.clone()),
        other => type_err(format!("{name}() argument must be list, not {}", other.type_name())),
    }
}

/// Calls `heapq.f(*pos, **kw)`.
pub fn call(it: &mut Interp<'_>, f: HeapqFn, pos: Vec<V>, mut kw: Kw) -> R<V> {
    match f {
        HeapqFn::HeapPush => {
            let (heap, item) = two_args("heappush", &pos, &kw)?;
            let last = {
                let mut h = heap.lock();
                h.push(item);
                h.len() - 1
            };
            sift_down(it, &heap, 0, last)?;
            Ok(V::None)
        }
        HeapqFn::HeapPop => {
            let heap = one_arg("heappop", &pos, &kw)?;
            let returned = {
                let mut h = heap.lock();
                let Some(last) = h.pop() else { return out_of_range() };
                if h.is_empty() {
                    return Ok(last);
                }
                std::mem::replace(&mut h[0], last)
            };
            sift_up(it, &heap, 0)?;
            Ok(returned)
        }
        HeapqFn::HeapReplace => {
            let (heap, item) = two_args("heapreplace", &pos, &kw)?;
            let returned = {
                let mut h = heap.lock();
                if h.is_empty() {
                    return out_of_range();
                }
                std::mem::replace(&mut h[0], item)
            };
            sift_up(it, &heap, 0)?;
            Ok(returned)
        }
        HeapqFn::HeapPushPop => {
            let (heap, item) = two_args("heappushpop", &pos, &kw)?;
            let Some(top) = heap.lock().first().cloned() else { return Ok(item) };
            if !it.compare(CmpOp::Lt, &top, &item)? {
                return Ok(item);
            }
            let returned = {
                let mut h = heap.lock();
                if h.is_empty() {
                    return out_of_range();
                }
                std::mem::replace(&mut h[0], item)
            };
            sift_up(it, &heap, 0)?;
            Ok(returned)
        }
        HeapqFn::Heapify => {
            let heap = one_arg("heapify", &pos, &kw)?;
            let n = heap.lock().len();
            for i in (0..n / 2).rev() {
                sift_up(it, &heap, i)?;
            }
            Ok(V::None)
        }
        HeapqFn::NLargest | HeapqFn::NSmallest => {
            let name = f.name();
            let key = libobj::kwarg(&mut kw, "key");
            libobj::no_more(name, &kw)?;
            libobj::positional(name, &pos, &["n", "iterable", "key"], 2)?;
            let key = key.or_else(|| pos.get(2).cloned()).filter(|k| !matches!(k, V::None));
            let n = super::builtins::index(&pos[0])?;
            let items = it.collect_vec(&pos[1])?;
            if n <= 0 {
                return Ok(V::list(Vec::new()));
            }
            // Lib/heapq.py: "Equivalent to: sorted(iterable, key=key, reverse=True)[:n]".
            let mut skw: Kw = Vec::new();
            if let Some(k) = key {
                skw.push((Arc::from("key"), k));
            }
            if f == HeapqFn::NLargest {
                skw.push((Arc::from("reverse"), V::Bool(true)));
            }
            let sorted = super::builtins::call_builtin(it, Builtin::Sorted, vec![V::list(items)], skw)?;
            let mut out = match sorted {
                V::List(l) => l.lock().clone(),
                other => it.collect_vec(&other)?,
            };
            out.truncate(usize::try_from(n).unwrap_or(usize::MAX));
            Ok(V::list(out))
        }
        HeapqFn::Merge => {
            let key = libobj::kwarg(&mut kw, "key").filter(|k| !matches!(k, V::None));
            let reverse = match libobj::kwarg(&mut kw, "reverse") {
                Some(v) => it.truthy(&v)?,
                None => false,
            };
            libobj::no_more("merge", &kw)?;
            let mut runs: Vec<(Vec<V>, usize)> = Vec::new();
            for p in &pos {
                let items = it.collect_vec(p)?;
                let keys = match &key {
                    Some(k) => items.iter().map(|x| it.call(k, vec![x.clone()], Vec::new())).collect::<R<Vec<V>>>()?,
                    None => items.clone(),
                };
                runs.push((items.into_iter().zip(keys).flat_map(|(a, b)| [a, b]).collect(), 0));
            }
            // Each step takes the smallest head (the largest with reverse=True); on a tie the
            // earlier iterable's, as the heap entries' order numbers decide in heapq.merge.
            let mut out = Vec::new();
            loop {
                let mut best: Option<usize> = None;
                for r in 0..runs.len() {
                    let (items, at) = &runs[r];
                    if *at >= items.len() {
                        continue;
                    }
                    let better = match best {
                        None => true,
                        Some(b) => {
                            let (bi, bat) = &runs[b];
                            let (mine, theirs) = (items[at + 1].clone(), bi[bat + 1].clone());
                            if reverse {
                                it.compare(CmpOp::Lt, &theirs, &mine)?
                            } else {
                                it.compare(CmpOp::Lt, &mine, &theirs)?
                            }
                        }
                    };
                    if better {
                        best = Some(r);
                    }
                }
                let Some(b) = best else { break };
                let (items, at) = &mut runs[b];
                out.push(items[*at].clone());
                *at += 2;
            }
            Ok(libobj::iter_of(out))
        }
    }
}
