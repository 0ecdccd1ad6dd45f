//! `itertools` — lazy, as CPython's: `islice`, `chain` (and `chain.from_iterable`),
//! `product`, `permutations`, `combinations`, `combinations_with_replacement`, `groupby`
//! (with lazy `_grouper` sub-iterators), `accumulate`, `zip_longest`, `starmap`, `cycle`,
//! `repeat`, `tee`, `takewhile`, `dropwhile`, `filterfalse`, `compress`, `pairwise` — and the
//! lazy builtins `map`, `zip`, `filter` and `enumerate`, so that an endless `count()`,
//! `cycle()` or `repeat()` works wherever CPython's does.
//!
//! Each iterator is a [`Lazy`]: a type name and a `next` closure over its own state. The
//! state's locks are never held while the closure calls back into the interpreter (a key
//! function, a predicate, another iterator's `next`), so a callback that switches threads
//! cannot deadlock on them.

use super::interp::{Interp, R, raise, type_err};
use super::ir::BinOp;
use super::libobj::{self, Kw};
use super::stdlib::{NFn, Native};
use super::value::V;
use std::collections::VecDeque;
use std::sync::Arc;
use threadline_runtime::footprint::Mutex;

type NextFn = dyn Fn(&mut Interp<'_>) -> R<Option<V>> + Send + Sync;
type ReprFn = dyn Fn() -> String + Send + Sync;

/// A natively implemented lazy iterator: each `next` computes one item.
pub struct Lazy {
    /// The type's name as CPython's messages spell it (`map`, `itertools.islice`).
    pub name: &'static str,
    next: Box<NextFn>,
    repr: Option<Box<ReprFn>>,
}

impl Lazy {
    /// The next item, or None at the end.
    pub fn next(&self, it: &mut Interp<'_>) -> R<Option<V>> {
        (self.next)(it)
    }

    /// `repr()`: CPython's (`<itertools.islice object at 0x…>`, `repeat('a', 2)`).
    pub fn repr(&self, id: usize) -> String {
        match &self.repr {
            Some(r) => r(),
            None => format!("<{} object at {id:#x}>", self.name),
        }
    }
}

/// [`lazy`] with its own repr.
pub fn lazy_with_repr(
    name: &'static str,
    next: impl Fn(&mut Interp<'_>) -> R<Option<V>> + Send + Sync + 'static,
    repr: impl Fn() -> String + Send + Sync + 'static,
) -> V {
    V::Native(Arc::new(Native::Lazy(Lazy { name, next: Box::new(next), repr: Some(Box::new(repr)) })))
}

/// A lazy iterator named `name` whose items `next` computes.
pub fn lazy(name: &'static str, next: impl Fn(&mut Interp<'_>) -> R<Option<V>> + Send + Sync + 'static) -> V {
    V::Native(Arc::new(Native::Lazy(Lazy { name, next: Box::new(next), repr: None })))
}

/// The callables `itertools` exports (besides `count`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItFn {
    Islice,
    Chain,
    ChainFromIterable,
    Product,
    Permutations,
    Combinations,
    CombinationsWithReplacement,
    Groupby,
    Accumulate,
    ZipLongest,
    Starmap,
    Cycle,
    Repeat,
    Tee,
    Takewhile,
    Dropwhile,
    Filterfalse,
    Compress,
    Pairwise,
}

const EXPORTED: [ItFn; 18] = [
    ItFn::Islice,
    ItFn::Chain,
    ItFn::Product,
    ItFn::Permutations,
    ItFn::Combinations,
    ItFn::CombinationsWithReplacement,
    ItFn::Groupby,
    ItFn::Accumulate,
    ItFn::ZipLongest,
    ItFn::Starmap,
    ItFn::Cycle,
    ItFn::Repeat,
    ItFn::Tee,
    ItFn::Takewhile,
    ItFn::Dropwhile,
    ItFn::Filterfalse,
    ItFn::Compress,
    ItFn::Pairwise,
];

impl ItFn {
    /// The name Python gives it.
    pub fn name(self) -> &'static str {
        match self {
            ItFn::Islice => "islice",
            ItFn::Chain => "chain",
            ItFn::ChainFromIterable => "from_iterable",
            ItFn::Product => "product",
            ItFn::Permutations => "permutations",
            ItFn::Combinations => "combinations",
            ItFn::CombinationsWithReplacement => "combinations_with_replacement",
            ItFn::Groupby => "groupby",
            ItFn::Accumulate => "accumulate",
            ItFn::ZipLongest => "zip_longest",
            ItFn::Starmap => "starmap",
            ItFn::Cycle => "cycle",
            ItFn::Repeat => "repeat",
            ItFn::Tee => "tee",
            ItFn::Takewhile => "takewhile",
            ItFn::Dropwhile => "dropwhile",
            ItFn::Filterfalse => "filterfalse",
            ItFn::Compress => "compress",
            ItFn::Pairwise => "pairwise",
        }
    }
}

/// `itertools.name` (`count` is the interpreter's own).
pub fn module_attr(name: &str) -> Option<V> {
    EXPORTED.into_iter().find(|f| f.name() == name).map(|f| libobj::native_fn(NFn::Iter(f)))
}

/// `chain.from_iterable`.
pub fn chain_from_iterable() -> V {
    libobj::native_fn(NFn::Iter(ItFn::ChainFromIterable))
}

fn no_kw(name: &str, kw: &Kw) -> R<()> {
    if kw.is_empty() { Ok(()) } else { type_err(format!("{name}() takes no keyword arguments")) }
}

/// `name expected n arguments, got m`, as CPython's C functions word it.
fn exactly(name: &str, pos: &[V], n: usize) -> R<()> {
    if pos.len() == n {
        return Ok(());
    }
    type_err(format!("{name} expected {n} argument{}, got {}", if n == 1 { "" } else { "s" }, pos.len()))
}

/// A required argument, worded as Argument Clinic words its absence.
fn required(fname: &str, pos: &[V], kw: &mut Kw, i: usize, name: &str) -> R<V> {
    match libobj::arg(pos, kw, i, name) {
        Some(v) => Ok(v),
        None => type_err(format!("{fname}() missing required argument '{name}' (pos {})", i + 1)),
    }
}

fn stop_checked(it: &mut Interp<'_>, n: &mut u32) -> R<()> {
    *n += 1;
    if n.is_multiple_of(1024) {
        it.ctx.check()?;
    }
    Ok(())
}

fn call1(it: &mut Interp<'_>, f: &V, x: &V) -> R<V> {
    it.call(f, vec![x.clone()], Vec::new())
}

/// `pred(x)` as a truth value; `None` as the predicate means `x`'s own truth.
fn test(it: &mut Interp<'_>, pred: &V, x: &V) -> R<bool> {
    match pred {
        V::None => it.truthy(x),
        f => {
            let r = call1(it, f, x)?;
            it.truthy(&r)
        }
    }
}

fn sources(it: &mut Interp<'_>, items: &[V]) -> R<Vec<V>> {
    items.iter().map(|v| it.iter(v.clone())).collect()
}

/// Calls `itertools.f(*pos, **kw)`.
pub fn call(it: &mut Interp<'_>, f: ItFn, pos: Vec<V>, mut kw: Kw) -> R<V> {
    match f {
        ItFn::Islice => islice(it, pos, &kw),
        ItFn::Chain => {
            no_kw("chain", &kw)?;
            Ok(chain(V::tuple(pos)))
        }
        ItFn::ChainFromIterable => {
            no_kw("from_iterable", &kw)?;
            let [src] = pos.as_slice() else {
                return type_err(format!("chain.from_iterable() takes exactly one argument ({} given)", pos.len()));
            };
            let src = it.iter(src.clone())?;
            Ok(chain(src))
        }
        ItFn::Product => {
            let repeat = match libobj::kwarg(&mut kw, "repeat") {
                Some(v) => super::builtins::index(&v)?,
                None => 1,
            };
            libobj::no_more("product", &kw)?;
            if repeat < 0 {
                return raise("ValueError", "repeat argument cannot be negative");
            }
            let mut pools = Vec::new();
            for p in &pos {
                pools.push(it.collect_vec(p)?);
            }
            let pools: Vec<Vec<V>> = (0..repeat).flat_map(|_| pools.clone()).collect();
            Ok(product(pools))
        }
        ItFn::Permutations | ItFn::Combinations | ItFn::CombinationsWithReplacement => {
            let fname = f.name();
            let src = required(fname, &pos, &mut kw, 0, "iterable")?;
            let r = if f == ItFn::Permutations {
                libobj::arg(&pos, &mut kw, 1, "r").unwrap_or(V::None)
            } else {
                required(fname, &pos, &mut kw, 1, "r")?
            };
            libobj::no_more(fname, &kw)?;
            if pos.len() > 2 {
                return type_err(format!("{fname}() takes at most 2 arguments ({} given)", pos.len()));
            }
            let pool = it.collect_vec(&src)?;
            let r = match r {
                V::None => pool.len() as i64,
                v => super::builtins::index(&v)?,
            };
            if r < 0 {
                return raise("ValueError", "r must be non-negative");
            }
            Ok(combinatoric(f, pool, r as usize))
        }
        ItFn::Groupby => {
            let src = required("groupby", &pos, &mut kw, 0, "iterable")?;
            let key = libobj::arg(&pos, &mut kw, 1, "key").unwrap_or(V::None);
            libobj::no_more("groupby", &kw)?;
            let src = it.iter(src)?;
            Ok(groupby(src, key))
        }
        ItFn::Accumulate => {
            let src = required("accumulate", &pos, &mut kw, 0, "iterable")?;
            let func = libobj::arg(&pos, &mut kw, 1, "func").unwrap_or(V::None);
            let initial = libobj::kwarg(&mut kw, "initial").unwrap_or(V::None);
            libobj::no_more("accumulate", &kw)?;
            let src = it.iter(src)?;
            Ok(accumulate(src, func, initial))
        }
        ItFn::ZipLongest => {
            let fill = libobj::kwarg(&mut kw, "fillvalue").unwrap_or(V::None);
            if !kw.is_empty() {
                return type_err("zip_longest() got an unexpected keyword argument");
            }
            let srcs = sources(it, &pos)?;
            Ok(zip_longest(srcs, fill))
        }
        ItFn::Starmap => {
            no_kw("starmap", &kw)?;
            exactly("starmap", &pos, 2)?;
            let (func, src) = (pos[0].clone(), it.iter(pos[1].clone())?);
            Ok(lazy("itertools.starmap", move |it| {
                let Some(args) = it.next(&src)? else { return Ok(None) };
                let args = it.collect_vec(&args)?;
                it.call(&func, args, Vec::new()).map(Some)
            }))
        }
        ItFn::Cycle => {
            no_kw("cycle", &kw)?;
            exactly("cycle", &pos, 1)?;
            let src = it.iter(pos[0].clone())?;
            Ok(cycle(src))
        }
        ItFn::Repeat => {
            let obj = required("repeat", &pos, &mut kw, 0, "object")?;
            let times = libobj::arg(&pos, &mut kw, 1, "times");
            libobj::no_more("repeat", &kw)?;
            if pos.len() > 2 {
                return type_err(format!("repeat() takes at most 2 arguments ({} given)", pos.len()));
            }
            let times = times.map(|t| super::builtins::index(&t).map(|n| n.max(0))).transpose()?;
            Ok(repeat(obj, times))
        }
        ItFn::Tee => {
            no_kw("tee", &kw)?;
            if pos.is_empty() || pos.len() > 2 {
                return type_err(format!("tee expected at most 2 arguments, got {}", pos.len()));
            }
            let n = pos.get(1).map(super::builtins::index).transpose()?.unwrap_or(2);
            if n < 0 {
                return raise("ValueError", "n must be >= 0");
            }
            let src = it.iter(pos[0].clone())?;
            Ok(V::tuple(tee(src, n as usize)))
        }
        ItFn::Takewhile | ItFn::Dropwhile | ItFn::Filterfalse => {
            let fname = f.name();
            no_kw(fname, &kw)?;
            exactly(fname, &pos, 2)?;
            let (pred, src) = (pos[0].clone(), it.iter(pos[1].clone())?);
            Ok(match f {
                ItFn::Takewhile => takewhile(pred, src),
                ItFn::Dropwhile => dropwhile(pred, src),
                _ => filter(pred, src, false, "itertools.filterfalse"),
            })
        }
        ItFn::Compress => {
            let data = required("compress", &pos, &mut kw, 0, "data")?;
            let sel = required("compress", &pos, &mut kw, 1, "selectors")?;
            libobj::no_more("compress", &kw)?;
            let (data, sel) = (it.iter(data)?, it.iter(sel)?);
            Ok(lazy("itertools.compress", move |it| {
                let mut n = 0;
                loop {
                    let Some(x) = it.next(&data)? else { return Ok(None) };
                    let Some(s) = it.next(&sel)? else { return Ok(None) };
                    if it.truthy(&s)? {
                        return Ok(Some(x));
                    }
                    stop_checked(it, &mut n)?;
                }
            }))
        }
        ItFn::Pairwise => {
            no_kw("pairwise", &kw)?;
            exactly("pairwise", &pos, 1)?;
            let src = it.iter(pos[0].clone())?;
            let old: Mutex<Option<V>> = Mutex::new(None);
            Ok(lazy("itertools.pairwise", move |it| {
                let prev = old.lock().take();
                let prev = match prev {
                    Some(p) => p,
                    None => match it.next(&src)? {
                        Some(p) => p,
                        None => return Ok(None),
                    },
                };
                let Some(new) = it.next(&src)? else { return Ok(None) };
                *old.lock() = Some(new.clone());
                Ok(Some(V::tuple(vec![prev, new])))
            }))
        }
    }
}

fn islice(it: &mut Interp<'_>, pos: Vec<V>, kw: &Kw) -> R<V> {
    no_kw("islice", kw)?;
    if pos.len() < 2 {
        return type_err(format!("islice expected at least 2 arguments, got {}", pos.len()));
    }
    if pos.len() > 4 {
        return type_err(format!("islice expected at most 4 arguments, got {}", pos.len()));
    }
    const STOP: &str = "Stop argument for islice() must be None or an integer: 0 <= x <= sys.maxsize.";
    const INDICES: &str = "Indices for islice() must be None or an integer: 0 <= x <= sys.maxsize.";
    // CPython: a stop that is not an int (or is -1) has its own message; other negatives
    // are bad indices.
    let stop_of = |v: &V| -> R<Option<i64>> {
        match v {
            V::None => Ok(None),
            V::Int(i) if *i >= 0 => Ok(Some(*i)),
            V::Bool(b) => Ok(Some(*b as i64)),
            V::Int(i) if *i < -1 => raise("ValueError", INDICES),
            _ => raise("ValueError", STOP),
        }
    };
    let (start, stop, step) = if pos.len() == 2 {
        (0, stop_of(&pos[1])?, 1)
    } else {
        let start = match &pos[1] {
            V::None => 0,
            V::Int(i) if *i >= 0 => *i,
            V::Bool(b) => *b as i64,
            _ => return raise("ValueError", INDICES),
        };
        let stop = stop_of(&pos[2])?;
        let step = match pos.get(3) {
            None | Some(V::None) => 1,
            Some(V::Int(s)) if *s >= 1 => *s,
            Some(_) => return raise("ValueError", "Step for islice() must be a positive integer or None."),
        };
        (start, stop, step)
    };
    let src = it.iter(pos[0].clone())?;
    // (items consumed, index of the next one to yield); None once exhausted.
    let st: Mutex<Option<(i64, i64)>> = Mutex::new(Some((0, start)));
    Ok(lazy("itertools.islice", move |it| {
        let mut n = 0;
        loop {
            let Some((cnt, next)) = *st.lock() else { return Ok(None) };
            if cnt >= next {
                break;
            }
            if it.next(&src)?.is_none() {
                *st.lock() = None;
                return Ok(None);
            }
            if let Some(s) = st.lock().as_mut() {
                s.0 += 1;
            }
            stop_checked(it, &mut n)?;
        }
        if let Some(stop) = stop
            && st.lock().is_some_and(|(cnt, _)| cnt >= stop)
        {
            *st.lock() = None;
            return Ok(None);
        }
        let Some(item) = it.next(&src)? else {
            *st.lock() = None;
            return Ok(None);
        };
        if let Some((cnt, next)) = st.lock().as_mut() {
            *cnt += 1;
            *next = next.saturating_add(step);
            if let Some(stop) = stop
                && *next > stop
            {
                *next = stop;
            }
        }
        Ok(Some(item))
    }))
}

fn chain(sources: V) -> V {
    // The iterable of iterables, and the one being drained.
    let cur: Mutex<Option<V>> = Mutex::new(None);
    let outer = match &sources {
        V::Tuple(t) => super::libobj::iter_of(t.to_vec()),
        _ => sources,
    };
    lazy("itertools.chain", move |it| {
        loop {
            let c = cur.lock().clone();
            match c {
                Some(c) => {
                    if let Some(v) = it.next(&c)? {
                        return Ok(Some(v));
                    }
                    *cur.lock() = None;
                }
                None => {
                    let Some(next) = it.next(&outer)? else { return Ok(None) };
                    let next = it.iter(next)?;
                    *cur.lock() = Some(next);
                }
            }
            it.ctx.check()?;
        }
    })
}

/// Index bookkeeping of the combinatoric iterators.
struct Comb {
    started: bool,
    done: bool,
    idx: Vec<usize>,
    cycles: Vec<usize>,
}

fn product(pools: Vec<Vec<V>>) -> V {
    let k = pools.len();
    let st = Mutex::new(Comb { started: false, done: false, idx: vec![0; k], cycles: Vec::new() });
    lazy("itertools.product", move |_| {
        let mut s = st.lock();
        if s.done {
            return Ok(None);
        }
        if !s.started {
            s.started = true;
            if pools.iter().any(Vec::is_empty) {
                s.done = true;
                return Ok(None);
            }
        } else {
            let mut i = k;
            loop {
                if i == 0 {
                    s.done = true;
                    return Ok(None);
                }
                i -= 1;
                s.idx[i] += 1;
                if s.idx[i] < pools[i].len() {
                    break;
                }
                s.idx[i] = 0;
            }
        }
        Ok(Some(V::tuple(s.idx.iter().enumerate().map(|(i, &j)| pools[i][j].clone()).collect())))
    })
}

fn combinatoric(f: ItFn, pool: Vec<V>, r: usize) -> V {
    let n = pool.len();
    let (idx, cycles) = match f {
        ItFn::Permutations => ((0..n).collect(), (n.saturating_sub(r) + 1..=n).rev().collect()),
        ItFn::Combinations => ((0..r).collect(), Vec::new()),
        _ => (vec![0; r], Vec::new()),
    };
    let empty = match f {
        ItFn::CombinationsWithReplacement => n == 0 && r > 0,
        _ => r > n,
    };
    let st = Mutex::new(Comb { started: false, done: empty, idx, cycles });
    let name = match f {
        ItFn::Permutations => "itertools.permutations",
        ItFn::Combinations => "itertools.combinations",
        _ => "itertools.combinations_with_replacement",
    };
    lazy(name, move |_| {
        let mut g = st.lock();
        let s = &mut *g;
        if s.done {
            return Ok(None);
        }
        if !s.started {
            s.started = true;
        } else if !advance(f, s, n, r) {
            s.done = true;
            return Ok(None);
        }
        Ok(Some(V::tuple(s.idx[..r].iter().map(|&i| pool[i].clone()).collect())))
    })
}

/// The next index tuple, as the recipes in itertools' documentation; false at the end.
fn advance(f: ItFn, s: &mut Comb, n: usize, r: usize) -> bool {
    match f {
        ItFn::Combinations => {
            let Some(i) = (0..r).rev().find(|&i| s.idx[i] != i + n - r) else { return false };
            s.idx[i] += 1;
            for j in i + 1..r {
                s.idx[j] = s.idx[j - 1] + 1;
            }
            true
        }
        ItFn::CombinationsWithReplacement => {
            let Some(i) = (0..r).rev().find(|&i| s.idx[i] != n - 1) else { return false };
            let v = s.idx[i] + 1;
            for j in i..r {
                s.idx[j] = v;
            }
            true
        }
        _ => {
            if n == 0 {
                return false;
            }
            for i in (0..r).rev() {
                s.cycles[i] -= 1;
                if s.cycles[i] == 0 {
                    let x = s.idx.remove(i);
                    s.idx.push(x);
                    s.cycles[i] = n - i;
                } else {
                    let j = s.cycles[i];
                    s.idx.swap(i, n - j);
                    return true;
                }
            }
            false
        }
    }
}

/// `groupby`'s state, shared with its groups.
struct Gb {
    src: V,
    key: V,
    tgtkey: Option<V>,
    currkey: Option<V>,
    currvalue: Option<V>,
    /// Which group is current: an older group yields nothing more.
    group_no: u64,
}

/// Reads one item and its key; false at the end.
fn gb_step(it: &mut Interp<'_>, gb: &Mutex<Gb>) -> R<bool> {
    let (src, key) = {
        let g = gb.lock();
        (g.src.clone(), g.key.clone())
    };
    let Some(v) = it.next(&src)? else { return Ok(false) };
    let k = match &key {
        V::None => v.clone(),
        f => call1(it, f, &v)?,
    };
    let mut g = gb.lock();
    g.currvalue = Some(v);
    g.currkey = Some(k);
    Ok(true)
}

fn groupby(src: V, key: V) -> V {
    let gb = Arc::new(Mutex::new(Gb { src, key, tgtkey: None, currkey: None, currvalue: None, group_no: 0 }));
    lazy("itertools.groupby", move |it| {
        let group_no = {
            let mut g = gb.lock();
            g.group_no += 1;
            g.group_no
        };
        let mut n = 0;
        loop {
            let (cur, tgt) = {
                let g = gb.lock();
                (g.currkey.clone(), g.tgtkey.clone())
            };
            match (cur, tgt) {
                (None, _) => {}
                (Some(_), None) => break,
                (Some(c), Some(t)) => {
                    if !it.eq(&t, &c)? {
                        break;
                    }
                }
            }
            if !gb_step(it, &gb)? {
                return Ok(None);
            }
            stop_checked(it, &mut n)?;
        }
        let k = {
            let mut g = gb.lock();
            g.tgtkey = g.currkey.clone();
            g.currkey.clone().unwrap_or_default()
        };
        let gb2 = gb.clone();
        let k2 = k.clone();
        let group = lazy("itertools._grouper", move |it| {
            let (stale, empty) = {
                let g = gb2.lock();
                (g.group_no != group_no, g.currvalue.is_none())
            };
            if stale || (empty && !gb_step(it, &gb2)?) {
                return Ok(None);
            }
            let Some(cur) = gb2.lock().currkey.clone() else { return Ok(None) };
            if !it.eq(&k2, &cur)? {
                return Ok(None);
            }
            Ok(gb2.lock().currvalue.take())
        });
        Ok(Some(V::tuple(vec![k, group])))
    })
}

fn accumulate(src: V, func: V, initial: V) -> V {
    // (running total, the initial value still to yield)
    let st: Mutex<(Option<V>, Option<V>)> =
        Mutex::new((None, if matches!(initial, V::None) { None } else { Some(initial) }));
    lazy("itertools.accumulate", move |it| {
        let (total, init) = {
            let mut s = st.lock();
            (s.0.clone(), s.1.take())
        };
        if let Some(i) = init {
            st.lock().0 = Some(i.clone());
            return Ok(Some(i));
        }
        let Some(x) = it.next(&src)? else { return Ok(None) };
        let new = match (total, &func) {
            (None, _) => x,
            (Some(t), V::None) => it.binop(BinOp::Add, &t, &x)?,
            (Some(t), f) => it.call(f, vec![t, x], Vec::new())?,
        };
        st.lock().0 = Some(new.clone());
        Ok(Some(new))
    })
}

fn zip_longest(srcs: Vec<V>, fill: V) -> V {
    let active = srcs.len();
    let st: Mutex<(Vec<Option<V>>, usize)> = Mutex::new((srcs.into_iter().map(Some).collect(), active));
    lazy("itertools.zip_longest", move |it| {
        let its = {
            let s = st.lock();
            if s.1 == 0 {
                return Ok(None);
            }
            s.0.clone()
        };
        let mut out = Vec::with_capacity(its.len());
        for (i, src) in its.iter().enumerate() {
            let Some(src) = src else {
                out.push(fill.clone());
                continue;
            };
            match it.next(src)? {
                Some(v) => out.push(v),
                None => {
                    let mut s = st.lock();
                    s.1 = s.1.saturating_sub(1);
                    if s.1 == 0 {
                        return Ok(None);
                    }
                    s.0[i] = None;
                    out.push(fill.clone());
                }
            }
        }
        Ok(Some(V::tuple(out)))
    })
}

fn cycle(src: V) -> V {
    // (items saved on the first pass, position in them, whether the first pass is over)
    let st: Mutex<(Vec<V>, usize, bool)> = Mutex::new((Vec::new(), 0, false));
    lazy("itertools.cycle", move |it| {
        if !st.lock().2 {
            match it.next(&src)? {
                Some(v) => {
                    st.lock().0.push(v.clone());
                    return Ok(Some(v));
                }
                None => st.lock().2 = true,
            }
        }
        let mut s = st.lock();
        if s.0.is_empty() {
            return Ok(None);
        }
        let v = s.0[s.1 % s.0.len()].clone();
        s.1 = (s.1 + 1) % s.0.len();
        Ok(Some(v))
    })
}

fn repeat(obj: V, times: Option<i64>) -> V {
    let left = Arc::new(Mutex::new(times));
    let (l2, o2) = (left.clone(), obj.clone());
    let next = move |_: &mut Interp<'_>| -> R<Option<V>> {
        let mut l = left.lock();
        match &mut *l {
            None => Ok(Some(obj.clone())),
            Some(0) => Ok(None),
            Some(n) => {
                *n -= 1;
                Ok(Some(obj.clone()))
            }
        }
    };
    let repr = move || match *l2.lock() {
        Some(n) => format!("repeat({}, {n})", o2.repr()),
        None => format!("repeat({})", o2.repr()),
    };
    V::Native(Arc::new(Native::Lazy(Lazy {
        name: "itertools.repeat",
        next: Box::new(next),
        repr: Some(Box::new(repr)),
    })))
}

/// What the iterators `tee` makes share: the items some have read and others not yet.
struct Tee {
    src: V,
    buf: VecDeque<V>,
    /// The index of `buf[0]` in the source.
    base: usize,
    /// Each iterator's next index.
    pos: Vec<usize>,
}

fn tee(src: V, n: usize) -> Vec<V> {
    let shared = Arc::new(Mutex::new(Tee { src, buf: VecDeque::new(), base: 0, pos: vec![0; n] }));
    (0..n)
        .map(|i| {
            let sh = shared.clone();
            lazy("itertools._tee", move |it| {
                let src = {
                    let s = sh.lock();
                    if s.pos[i] >= s.base + s.buf.len() { Some(s.src.clone()) } else { None }
                };
                if let Some(src) = src {
                    let Some(v) = it.next(&src)? else { return Ok(None) };
                    sh.lock().buf.push_back(v);
                }
                let mut s = sh.lock();
                let Some(v) = s.buf.get(s.pos[i] - s.base).cloned() else { return Ok(None) };
                s.pos[i] += 1;
                let low = s.pos.iter().copied().min().unwrap_or(0);
                while s.base < low && !s.buf.is_empty() {
                    s.buf.pop_front();
                    s.base += 1;
                }
                Ok(Some(v))
            })
        })
        .collect()
}

fn takewhile(pred: V, src: V) -> V {
    let stopped = Mutex::new(false);
    lazy("itertools.takewhile", move |it| {
        if *stopped.lock() {
            return Ok(None);
        }
        let Some(x) = it.next(&src)? else { return Ok(None) };
        if test(it, &pred, &x)? {
            return Ok(Some(x));
        }
        *stopped.lock() = true;
        Ok(None)
    })
}

fn dropwhile(pred: V, src: V) -> V {
    let dropping = Mutex::new(true);
    lazy("itertools.dropwhile", move |it| {
        let mut n = 0;
        loop {
            let Some(x) = it.next(&src)? else { return Ok(None) };
            if !*dropping.lock() || !test(it, &pred, &x)? {
                *dropping.lock() = false;
                return Ok(Some(x));
            }
            stop_checked(it, &mut n)?;
        }
    })
}

/// `filter(pred, src)` (`keep` true) or `filterfalse(pred, src)` (`keep` false).
fn filter(pred: V, src: V, keep: bool, name: &'static str) -> V {
    lazy(name, move |it| {
        let mut n = 0;
        loop {
            let Some(x) = it.next(&src)? else { return Ok(None) };
            if test(it, &pred, &x)? == keep {
                return Ok(Some(x));
            }
            stop_checked(it, &mut n)?;
        }
    })
}

/// The builtin `map(f, *iterables)`.
pub fn builtin_map(it: &mut Interp<'_>, pos: &[V]) -> R<V> {
    if pos.len() < 2 {
        return type_err("map() must have at least two arguments.");
    }
    let f = pos[0].clone();
    let srcs = sources(it, &pos[1..])?;
    Ok(lazy("map", move |it| {
        let mut args = Vec::with_capacity(srcs.len());
        for s in &srcs {
            match it.next(s)? {
                Some(v) => args.push(v),
                None => return Ok(None),
            }
        }
        it.call(&f, args, Vec::new()).map(Some)
    }))
}

/// The builtin `filter(pred, iterable)`.
pub fn builtin_filter(it: &mut Interp<'_>, pos: &[V], kw: &Kw) -> R<V> {
    if !kw.is_empty() {
        return type_err("filter() takes no keyword arguments");
    }
    exactly("filter", pos, 2)?;
    let src = it.iter(pos[1].clone())?;
    Ok(filter(pos[0].clone(), src, true, "filter"))
}

/// `itertools.count(start=0, step=1)`: `next` adds under the lock when both are `int`s,
/// so threads sharing one counter each get a different number, as under CPython's GIL.
pub fn count(pos: Vec<V>, mut kw: Kw) -> R<V> {
    let start = libobj::arg(&pos, &mut kw, 0, "start").unwrap_or(V::Int(0));
    let step = libobj::arg(&pos, &mut kw, 1, "step").unwrap_or(V::Int(1));
    libobj::no_more("count", &kw)?;
    if pos.len() > 2 {
        return type_err(format!("count() takes at most 2 arguments ({} given)", pos.len()));
    }
    let number = |v: &V| matches!(v, V::Int(_) | V::Big(_) | V::Float(_) | V::Bool(_));
    if !number(&start) || !number(&step) {
        return type_err("a number is required");
    }
    let cur = Arc::new(Mutex::new(start));
    let (c2, s2) = (cur.clone(), step.clone());
    let next = move |it: &mut Interp<'_>| -> R<Option<V>> {
        let v = {
            let mut c = cur.lock();
            if let (V::Int(a), V::Int(b)) = (&*c, &step)
                && let Some(n) = a.checked_add(*b)
            {
                return Ok(Some(std::mem::replace(&mut *c, V::Int(n))));
            }
            c.clone()
        };
        let n = it.binop(BinOp::Add, &v, &step)?;
        *cur.lock() = n;
        Ok(Some(v))
    };
    let repr = move || match &s2 {
        V::Int(1) => format!("count({})", c2.lock().repr()),
        s => format!("count({}, {})", c2.lock().repr(), s.repr()),
    };
    Ok(V::Native(Arc::new(Native::Lazy(Lazy {
        name: "itertools.count",
        next: Box::new(next),
        repr: Some(Box::new(repr)),
    }))))
}

/// The builtin `enumerate(iterable, start)`.
pub fn builtin_enumerate(it: &mut Interp<'_>, src: &V, start: i64) -> R<V> {
    let src = it.iter(src.clone())?;
    let n = Mutex::new(start);
    Ok(lazy("enumerate", move |it| {
        let Some(x) = it.next(&src)? else { return Ok(None) };
        let mut n = n.lock();
        let i = *n;
        *n += 1;
        Ok(Some(V::tuple(vec![V::Int(i), x])))
    }))
}

/// The builtin `zip(*iterables, strict=False)`.
pub fn builtin_zip(it: &mut Interp<'_>, pos: &[V], strict: bool) -> R<V> {
    let srcs = sources(it, pos)?;
    Ok(lazy("zip", move |it| {
        if srcs.is_empty() {
            return Ok(None);
        }
        let mut out = Vec::with_capacity(srcs.len());
        for (i, s) in srcs.iter().enumerate() {
            match it.next(s)? {
                Some(v) => out.push(v),
                None if !strict => return Ok(None),
                None if i > 0 => {
                    let which = if i == 1 { "argument 1".to_string() } else { format!("arguments 1-{i}") };
                    return raise("ValueError", format!("zip() argument {} is shorter than {which}", i + 1));
                }
                None => {
                    for (j, s) in srcs.iter().enumerate().skip(1) {
                        if it.next(s)?.is_some() {
                            let which = if j == 1 { "argument 1".to_string() } else { format!("arguments 1-{j}") };
                            return raise("ValueError", format!("zip() argument {} is longer than {which}", j + 1));
                        }
                    }
                    return Ok(None);
                }
            }
        }
        Ok(Some(V::tuple(out)))
    }))
}
