//! Python values as the interpreter holds them: shared between real OS threads (`Arc` and
//! parking_lot locks), with Python's `repr`, `str`, equality, ordering, hashing and
//! arbitrary-precision `int`.

use super::ir::{Builtin, FuncDef};
use super::stdlib::Native;
use indexmap::IndexMap;
use num_bigint::BigInt;
use num_traits::{Signed, ToPrimitive, Zero};
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use threadline_model::value::Value;
use threadline_runtime::footprint::{Mutex, RwLock};

/// A Python value.
// The tag is a whole word (`repr(u64)`): a value made here (`V::Int(x)`) was written as a
// byte and a word, then copied as whole words (or 16 bytes at once) a few instructions
// later, and such a load cannot take its bytes from two stores in flight: it waits for
// them to reach the cache (a store-forwarding stall, ~12 cycles). With the tag a word, both
// halves forward. Measured: a function-call loop 80 → 62 ns, dict get/set 187 → 128 ns.
#[derive(Clone, Debug, Default)]
#[repr(u64)]
pub enum V {
    /// `None`.
    #[default]
    None,
    /// `True` / `False`.
    Bool(bool),
    /// An `int` that fits in 64 bits.
    Int(i64),
    /// An `int` that does not.
    Big(Arc<BigInt>),
    /// A `float`.
    Float(f64),
    /// A `str`.
    Str(Str),
    /// A `list`.
    List(Arc<ListCell>),
    /// A `tuple`.
    Tuple(Tuple),
    /// A `dict`.
    Dict(Arc<Mutex<Dict>>),
    /// A `set`.
    Set(Arc<Mutex<Dict>>),
    /// `range(start, stop, step)`.
    Range(Arc<[i64; 3]>),
    /// An iterator.
    Iter(Arc<Mutex<PyIter>>),
    /// A Python function.
    Func(Arc<Func>),
    /// A builtin function or type.
    Builtin(Builtin),
    /// A method bound to its instance.
    Bound(Arc<(V, V)>),
    /// A class.
    Class(Arc<Class>),
    /// An instance of a class.
    Inst(Arc<Inst>),
    /// Everything implemented natively: modules, locks, queues, threads, pools…
    Native(Arc<Native>),
    /// A closure cell (never seen by programs).
    Cell(Arc<Mutex<V>>),
    /// An unbound local (never seen by programs).
    Unbound,
}

// Every value is copied constantly: keep it two words (so an expression's `R<V>` comes back
// in registers).
const _: () = assert!(std::mem::size_of::<V>() == 16);

/// A `str`'s text behind one pointer (an `Arc<str>` is two, which made every value three
/// words). Hashes, compares and derefs as `str` (`String` hashes and orders as its text).
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Str(Arc<String>);

impl std::ops::Deref for Str {
    type Target = str;
    #[inline]
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Str {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self)
    }
}

impl std::fmt::Debug for Str {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self, f)
    }
}

impl From<&str> for Str {
    fn from(s: &str) -> Self {
        Str(Arc::new(s.to_string()))
    }
}

impl From<String> for Str {
    fn from(s: String) -> Self {
        // The text stays where the `String` put it: one allocation, for the `Arc`.
        Str(Arc::new(s))
    }
}

impl From<Arc<str>> for Str {
    fn from(s: Arc<str>) -> Self {
        Str::from(&*s)
    }
}

impl From<Str> for Arc<str> {
    fn from(s: Str) -> Self {
        Arc::from(&*s)
    }
}

impl Str {
    /// Whether both are the same string object (Python's `is`).
    pub fn ptr_eq(a: &Str, b: &Str) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }
    /// The address of the string object (`id()`): its `Arc`'s, unique while it lives (the
    /// text's own is a shared dangling one for every empty string).
    pub fn as_ptr(&self) -> *const u8 {
        Arc::as_ptr(&self.0).cast()
    }
}

/// A `tuple`'s items behind one pointer (an `Arc<[V]>` is two). Derefs as `[V]`.
#[derive(Clone, Default)]
pub struct Tuple(Arc<Vec<V>>);

/// The last handle on a tuple holding lists or tuples empties it without recursion.
impl Drop for Tuple {
    fn drop(&mut self) {
        if Arc::strong_count(&self.0) == 1
            && self.0.iter().any(nests)
            && let Some(items) = Arc::get_mut(&mut self.0)
        {
            drop_flat(std::mem::take(items));
        }
    }
}

/// A `list`'s items under their lock (derefs as the lock). Dropped without recursion: a list
/// nested a hundred thousand deep (`x = [x]` in a loop) used to overflow the stack of
/// whichever thread let go of it last, and abort the process.
#[derive(Debug, Default)]
pub struct ListCell(Mutex<Vec<V>>);

impl ListCell {
    /// A list of `items`.
    pub fn new(items: Vec<V>) -> Self {
        ListCell(Mutex::new(items))
    }
}

impl std::ops::Deref for ListCell {
    type Target = Mutex<Vec<V>>;
    #[inline]
    fn deref(&self) -> &Mutex<Vec<V>> {
        &self.0
    }
}

impl Drop for ListCell {
    fn drop(&mut self) {
        let items = self.0.get_mut();
        if items.iter().any(nests) {
            drop_flat(std::mem::take(items));
        }
    }
}

/// How deep a repr may nest, and whether it went deeper.
struct Nesting {
    max: usize,
    hit: bool,
}

/// A list, tuple or dict: what can nest without bound.
fn nests(v: &V) -> bool {
    matches!(v, V::List(_) | V::Tuple(_) | V::Dict(_))
}

impl Dict {
    /// An empty dict of this kind.
    pub fn of_kind(kind: DictKind) -> Dict {
        let mut d = Dict::default();
        d.kind = kind;
        d
    }

    /// Its entries, taken (hash key → (key, value)).
    pub fn into_map(mut self) -> IndexMap<HKey, (V, V), rustc_hash::FxBuildHasher> {
        std::mem::take(&mut self.map)
    }
}

/// The last handle on a dict whose values hold lists, tuples or dicts lets go of them
/// without recursion (a JSON-like tree nested deep).
impl Drop for Dict {
    fn drop(&mut self) {
        if self.map.values().any(|(_, v)| nests(v)) {
            drop_flat(self.map.drain(..).map(|(_, (_, v))| v).collect());
        }
    }
}

/// Drop `items` and the lists and tuples only they hold, emptied onto a work list first, so
/// that the depth of nesting never becomes depth of stack (CPython's "trashcan" does this).
fn drop_flat(mut work: Vec<V>) {
    while let Some(v) = work.pop() {
        match v {
            V::List(mut l) => {
                if let Some(cell) = Arc::get_mut(&mut l) {
                    work.append(cell.0.get_mut());
                }
            }
            V::Tuple(mut t) => {
                if let Some(items) = Arc::get_mut(&mut t.0) {
                    work.append(items);
                }
            }
            V::Dict(mut d) => {
                if let Some(d) = Arc::get_mut(&mut d) {
                    work.extend(d.get_mut().map.drain(..).map(|(_, (_, v))| v));
                }
            }
            _ => {}
        }
    }
}

impl std::ops::Deref for Tuple {
    type Target = [V];
    #[inline]
    fn deref(&self) -> &[V] {
        &self.0
    }
}

impl std::fmt::Debug for Tuple {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self, f)
    }
}

impl From<Vec<V>> for Tuple {
    fn from(v: Vec<V>) -> Self {
        Tuple(Arc::new(v))
    }
}

impl Tuple {
    /// Whether both are the same tuple object.
    pub fn ptr_eq(a: &Tuple, b: &Tuple) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }
    /// The address of the tuple object (`id()`): its `Arc`'s (see [`Str::as_ptr`]).
    pub fn as_ptr(&self) -> *const V {
        Arc::as_ptr(&self.0).cast()
    }
}

/// An iterator's state.
#[derive(Debug)]
pub enum PyIter {
    /// Over a snapshot of items.
    Items(Vec<V>, usize),
    /// Over a range.
    Range(i64, i64, i64),
    /// `concurrent.futures.as_completed`: each step waits for the next future to finish.
    Completed(Arc<super::stdlib::AsCompleted>),
    /// Over a dict (or a view of it) or a set, as CPython's: a change of its size while
    /// the loop runs raises `RuntimeError: dictionary changed size during iteration` (`Set
    /// changed size …`) at the next step; values are read at each step.
    Dict(Box<DictIter>),
}

/// The state of an iteration over a dict, one of its views, or a set.
#[derive(Debug)]
pub struct DictIter {
    /// The keys when the loop began.
    pub keys: Vec<V>,
    /// The next one (`usize::MAX` once exhausted).
    pub i: usize,
    /// The dict (or set).
    pub src: Arc<Mutex<Dict>>,
    /// Its size when the loop began.
    pub len: usize,
    /// Keys, values or items.
    pub kind: ViewKind,
    /// A set (the message says `Set`).
    pub set: bool,
    /// It raised: it raises again at every step, as CPython's.
    pub broken: bool,
}

/// Which view of a dict: `d.keys()`, `d.values()`, `d.items()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ViewKind {
    /// `dict_keys`.
    Keys,
    /// `dict_values`.
    Values,
    /// `dict_items`.
    Items,
}

impl ViewKind {
    /// `type(view).__name__`.
    pub fn type_name(self) -> &'static str {
        match self {
            ViewKind::Keys => "dict_keys",
            ViewKind::Values => "dict_values",
            ViewKind::Items => "dict_items",
        }
    }

    /// The view's elements now.
    pub fn snapshot(self, d: &Dict) -> Vec<V> {
        match self {
            ViewKind::Keys => d.keys(),
            ViewKind::Values => d.map.values().map(|(_, v)| v.clone()).collect(),
            ViewKind::Items => d.map.values().map(|(k, v)| V::tuple(vec![k.clone(), v.clone()])).collect(),
        }
    }
}

impl DictIter {
    /// A loop over `src` beginning now.
    pub fn new(src: &Arc<Mutex<Dict>>, kind: ViewKind, set: bool) -> Self {
        let d = src.lock();
        let keys = if set { d.members() } else { d.keys() };
        Self { keys, i: 0, src: Arc::clone(src), len: d.map.len(), kind, set, broken: false }
    }
}

/// A function object.
#[derive(Debug)]
pub struct Func {
    /// The compiled code.
    pub def: Arc<FuncDef>,
    /// Defaults of the positional parameters (aligned to the end).
    pub defaults: Vec<V>,
    /// Defaults of keyword-only parameters.
    pub kwdefaults: Vec<Option<V>>,
    /// Captured cells.
    pub closure: Vec<Arc<Mutex<V>>>,
    /// Attributes a program set on it (`f.calls = 0`, `functools.wraps`' `__name__`).
    pub attrs: Mutex<Attrs>,
}

/// What is special about a class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClassKind {
    /// A plain class.
    Plain,
    /// `object`.
    Object,
    /// A built-in exception class.
    Exception,
    /// `threading.Thread`.
    Thread,
    /// `multiprocessing.Process`.
    Process,
    /// `threading.local`: attributes per thread.
    Local,
    /// A built-in type a program's class derives from (`class Registry(dict)`).
    Base(Builtin),
}

/// A class.
#[derive(Debug)]
pub struct Class {
    /// `__name__`.
    pub name: Arc<str>,
    /// `__module__` (`builtins`, `__main__`, `queue`…).
    pub module: Arc<str>,
    /// Direct bases.
    pub bases: Vec<Arc<Class>>,
    /// The method resolution order after itself (its ancestors, nearest first).
    pub mro: Vec<Arc<Class>>,
    /// Attributes and methods. Whoever writes it calls [`classes_changed`] (cached facts
    /// about classes depend on it).
    pub dict: RwLock<Attrs>,
    /// Native behaviour it inherits.
    pub kind: ClassKind,
    /// The first native kind along itself and its MRO (fixed when the class is made).
    pub native: ClassKind,
    /// [`Class::cached`]: the class epoch it was computed in (upper bits) and the fact.
    pub facts: AtomicU64,
}

/// Bumped whenever any class's namespace changes: facts cached about a class (which look
/// along its MRO) are recomputed after that.
static CLASS_EPOCH: AtomicU64 = AtomicU64::new(1);

/// A class's namespace changed (an attribute set or deleted on a class).
pub fn classes_changed() {
    // Method caches read a class without locking its namespace: a change to a class is
    // seen by every turn (partial-order reduction).
    threadline_runtime::footprint::note_global();
    CLASS_EPOCH.fetch_add(1, Ordering::AcqRel);
}

/// The current class epoch: it changes whenever any class's namespace does.
#[inline]
pub fn class_epoch() -> u64 {
    CLASS_EPOCH.load(Ordering::Acquire)
}

impl Class {
    /// A fact about the class that only changes when some class's namespace does (whether
    /// an attribute write needs more than a store), computed at most once per change.
    #[inline(always)]
    pub fn cached(&self, compute: impl FnOnce() -> bool) -> bool {
        let epoch = CLASS_EPOCH.load(Ordering::Acquire);
        let c = self.facts.load(Ordering::Acquire);
        if c >> 1 == epoch {
            return c & 1 == 1;
        }
        self.compute_fact(epoch, compute)
    }

    #[inline(never)]
    fn compute_fact(&self, epoch: u64, compute: impl FnOnce() -> bool) -> bool {
        let fact = compute();
        self.facts.store((epoch << 1) | u64::from(fact), Ordering::Release);
        fact
    }

    /// Look an attribute up along the MRO.
    pub fn lookup(self: &Arc<Self>, name: &str) -> Option<V> {
        if let Some(v) = self.dict.read().get(name) {
            return Some(v.clone());
        }
        for c in &self.mro {
            if let Some(v) = c.dict.read().get(name) {
                return Some(v.clone());
            }
        }
        None
    }

    /// Whether `self` is `other` or a subclass of it.
    pub fn is_sub(&self, other: &Arc<Class>) -> bool {
        std::ptr::eq(self, Arc::as_ptr(other)) || self.mro.iter().any(|c| Arc::ptr_eq(c, other))
    }

    /// The most native kind among its bases.
    #[inline]
    pub fn native_kind(&self) -> ClassKind {
        self.native
    }

    /// The name as a traceback prints it: `ValueError`, `_queue.Empty`, `__main__.MyError`
    /// is printed as `MyError`.
    pub fn display_name(&self) -> String {
        if &*self.module == "builtins" || &*self.module == "__main__" {
            self.name.to_string()
        } else {
            format!("{}.{}", self.module, self.name)
        }
    }
}

/// What an instance of a native class carries.
#[derive(Clone, Debug, Default)]
pub enum InstNative {
    /// Nothing.
    #[default]
    None,
    /// A thread or process.
    Thread(Arc<super::stdlib::ThreadObj>),
    /// A `threading.local` (or a subclass's instance): each thread's attributes.
    Local(Arc<LocalInst>),
    /// An instance of a subclass of a built-in type: the `dict`, `list`, `int`… it is.
    Base(V),
    /// A `bytes` object's bytes.
    Bytes(Arc<Vec<u8>>),
    /// A `hashlib` hash object's running state.
    Hash(Box<super::hashlib::Hasher>),
}

/// A `threading.local`'s state: an attribute dict per thread, and what it was made with —
/// a subclass's `__init__` runs again, with the same arguments, in each thread that first
/// touches it (as CPython's `_threading_local` does).
#[derive(Debug, Default)]
pub struct LocalInst {
    /// Thread → its attributes.
    pub dicts: parking_lot::Mutex<std::collections::HashMap<u32, Attrs>>,
    /// The positional and keyword arguments it was made with.
    pub args: (Vec<V>, Vec<(Arc<str>, V)>),
}

/// An instance.
#[derive(Debug)]
pub struct Inst {
    /// Its class.
    pub class: Arc<Class>,
    /// `__dict__`.
    pub dict: Mutex<Attrs>,
    /// Native state (a thread's).
    pub native: Mutex<InstNative>,
    /// For an instance whose class defines `__hash__`: the identity of the first object
    /// seen with an equal hash that `==` it (itself if none), which stands for it as a dict
    /// key or set member; 0 until the interpreter has asked `__hash__` and `__eq__`
    /// (`Interp::resolve_hash`).
    pub hrep: std::sync::atomic::AtomicUsize,
}

/// Attributes by name: an instance's `__dict__`, a class's namespace, a function's attributes.
/// An attribute name the compiler interned ([`intern`]), to look up in an [`Attrs`]: the key
/// it finds is usually that same `Arc` (a name stored by the program's own `obj.name = …`),
/// so equal names are told by their pointers before their bytes.
#[derive(Clone, Copy)]
pub struct AttrName<'a>(pub &'a Arc<str>);

impl std::hash::Hash for AttrName<'_> {
    #[inline]
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        // As `Arc<str>` hashes: its text.
        (**self.0).hash(h);
    }
}

impl indexmap::Equivalent<Arc<str>> for AttrName<'_> {
    #[inline]
    fn equivalent(&self, key: &Arc<str>) -> bool {
        Arc::ptr_eq(self.0, key) || **self.0 == **key
    }
}

/// The one `Arc` of an attribute name across every program this process compiles (attribute
/// names are few: the interner keeps them for the process's life).
pub fn intern(name: &str) -> Arc<str> {
    static NAMES: std::sync::OnceLock<Mutex<std::collections::HashSet<Arc<str>>>> = std::sync::OnceLock::new();
    let mut names = NAMES.get_or_init(Default::default).lock();
    if let Some(n) = names.get(name) {
        return n.clone();
    }
    let n: Arc<str> = Arc::from(name);
    names.insert(n.clone());
    n
}

/// Hashed with FxHash (the interpreter's hottest lookups; no untrusted-key concern here).
pub type Attrs = IndexMap<Arc<str>, V, rustc_hash::FxBuildHasher>;

/// The most members a set works out CPython's table for when one is removed.
const SET_ORDER_ON_REMOVE: usize = 4096;

/// A dict (and, with unit values, a set): insertion-ordered, keyed by Python equality.
#[derive(Debug, Default, Clone)]
pub struct Dict {
    /// key → (the key as given, value).
    pub map: IndexMap<HKey, (V, V), rustc_hash::FxBuildHasher>,
    /// Which dict this is: a plain one or one of `collections`' subclasses.
    pub kind: DictKind,
    /// A set's CPython hash table as it was when last worked out, for the order its
    /// members come out in ([`super::setorder`]); None: every member was added one by one.
    pub table: Option<Box<super::setorder::Table>>,
}

/// The `collections` subclasses of `dict`, which differ from a dict only in a missing key,
/// their repr and a few methods (`super::collections`).
#[derive(Debug, Default)]
pub enum DictKind {
    /// `dict`.
    #[default]
    Plain,
    /// `collections.defaultdict(default_factory)`: a missing key is made by the factory.
    Default(V),
    /// `collections.Counter`: a missing key counts 0.
    Counter,
    /// `collections.OrderedDict`.
    Ordered,
    /// A set that is a `frozenset`: hashable, never changed.
    Frozen,
    /// An instance's `obj.__dict__`: a dict made when read, whose changes are written back
    /// to the instance's attributes ([`sync_inst_dict`]).
    Of(std::sync::Weak<Inst>),
}

/// A copy of an instance's `__dict__` (`d.copy()`, a dict copied at a fork) is a plain dict:
/// only the one read from the instance writes back.
impl Clone for DictKind {
    fn clone(&self) -> Self {
        match self {
            DictKind::Plain | DictKind::Of(_) => DictKind::Plain,
            DictKind::Default(f) => DictKind::Default(f.clone()),
            DictKind::Counter => DictKind::Counter,
            DictKind::Ordered => DictKind::Ordered,
            DictKind::Frozen => DictKind::Frozen,
        }
    }
}

/// After a change to a dict that is an instance's `__dict__`, the instance's attributes
/// become its string-keyed items (`obj.__dict__[name] = v` in a descriptor's `__set__`,
/// `self.__dict__.update(kw)` in an `__init__`).
pub fn sync_inst_dict(d: &Dict) {
    if let DictKind::Of(w) = &d.kind
        && let Some(i) = w.upgrade()
    {
        let attrs: Attrs = d
            .map
            .values()
            .filter_map(|(k, v)| if let V::Str(s) = k { Some((Arc::from(&**s), v.clone())) } else { None })
            .collect();
        *i.dict.lock() = attrs;
    }
}

impl DictKind {
    /// `type(d).__name__`.
    pub fn type_name(&self) -> &'static str {
        match self {
            DictKind::Plain => "dict",
            DictKind::Default(_) => "defaultdict",
            DictKind::Counter => "Counter",
            DictKind::Ordered => "OrderedDict",
            DictKind::Frozen => "frozenset",
            DictKind::Of(_) => "dict",
        }
    }

    /// The repr of a dict of this kind from its pairs' reprs, in the dict's order (a
    /// `Counter` lists them most common first, as CPython does).
    pub fn repr(&self, mut pairs: Vec<(String, String)>, counts: Option<Vec<f64>>, factory: &str) -> String {
        let braces = |p: &[(String, String)]| {
            format!("{{{}}}", p.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(", "))
        };
        match self {
            DictKind::Plain | DictKind::Frozen | DictKind::Of(_) => braces(&pairs),
            DictKind::Default(_) => format!("defaultdict({factory}, {})", braces(&pairs)),
            DictKind::Counter => {
                if pairs.is_empty() {
                    return "Counter()".into();
                }
                if let Some(c) = counts {
                    let mut ix: Vec<usize> = (0..pairs.len()).collect();
                    // Stable: equal counts keep insertion order, as `most_common()` does.
                    ix.sort_by(|a, b| c[*b].partial_cmp(&c[*a]).unwrap_or(std::cmp::Ordering::Equal));
                    pairs = ix.into_iter().map(|i| pairs[i].clone()).collect();
                }
                format!("Counter({})", braces(&pairs))
            }
            DictKind::Ordered => {
                if pairs.is_empty() {
                    return "OrderedDict()".into();
                }
                let items = pairs.iter().map(|(k, v)| format!("({k}, {v})")).collect::<Vec<_>>().join(", ");
                format!("OrderedDict([{items}])")
            }
        }
    }
}

/// Each value of a Counter as a number, for sorting its repr (None if one is not a number).
pub fn counts_of(d: &Dict) -> Option<Vec<f64>> {
    d.map.values().map(|(_, v)| super::builtins::to_f64(v)).collect()
}

/// A hashable key: equal Python values give equal keys (`1 == 1.0 == True`).
#[derive(Clone, Debug, Eq)]
pub enum HKey {
    /// `None`.
    None,
    /// An int (or bool, or integral float).
    Int(i64),
    /// A big int.
    Big(String),
    /// A non-integral float, by bits.
    Float(u64),
    /// A str.
    Str(Str),
    /// A tuple.
    Tuple(Vec<HKey>),
    /// An object hashed by identity.
    Id(usize),
    /// A frozenset's members (equal whatever their order).
    Frozen(Vec<HKey>),
}

// By hand, not derived: an int key (the commonest) hashes as one word and compares
// without a call; the other variants are told apart by a leading byte.
impl std::hash::Hash for HKey {
    #[inline]
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        match self {
            HKey::Int(i) => h.write_i64(*i),
            HKey::None => h.write_u8(0),
            HKey::Big(s) => {
                h.write_u8(1);
                s.hash(h);
            }
            HKey::Float(b) => {
                h.write_u8(2);
                h.write_u64(*b);
            }
            HKey::Str(s) => s.hash(h),
            HKey::Tuple(t) => {
                h.write_u8(4);
                t.hash(h);
            }
            HKey::Id(u) => {
                h.write_u8(5);
                h.write_usize(*u);
            }
            HKey::Frozen(ks) => {
                // Order-free: the members' own hashes summed.
                h.write_u8(6);
                let mut sum = 0u64;
                for k in ks {
                    let mut one = rustc_hash::FxHasher::default();
                    k.hash(&mut one);
                    sum = sum.wrapping_add(std::hash::Hasher::finish(&one));
                }
                h.write_u64(sum);
            }
        }
    }
}

impl PartialEq for HKey {
    #[inline]
    fn eq(&self, o: &Self) -> bool {
        match (self, o) {
            (HKey::Int(a), HKey::Int(b)) => a == b,
            (HKey::Int(_), _) | (_, HKey::Int(_)) => false,
            _ => self.eq_other(o),
        }
    }
}

impl HKey {
    fn eq_other(&self, o: &Self) -> bool {
        match (self, o) {
            (HKey::None, HKey::None) => true,
            (HKey::Big(a), HKey::Big(b)) => a == b,
            (HKey::Float(a), HKey::Float(b)) => a == b,
            (HKey::Str(a), HKey::Str(b)) => a == b,
            (HKey::Tuple(a), HKey::Tuple(b)) => a == b,
            (HKey::Id(a), HKey::Id(b)) => a == b,
            (HKey::Frozen(a), HKey::Frozen(b)) => a.len() == b.len() && a.iter().all(|k| b.contains(k)),
            _ => false,
        }
    }
}

impl Dict {
    /// Get by key.
    pub fn get(&self, k: &V) -> Result<Option<V>, String> {
        Ok(self.map.get(&k.hkey()?).map(|(_, v)| v.clone()))
    }
    /// Insert.
    pub fn set(&mut self, k: V, v: V) -> Result<(), String> {
        let h = k.hkey()?;
        match self.map.get_mut(&h) {
            Some(slot) => slot.1 = v,
            None => {
                self.map.insert(h, (k, v));
            }
        }
        Ok(())
    }
    /// The keys.
    pub fn keys(&self) -> Vec<V> {
        self.map.values().map(|(k, _)| k.clone()).collect()
    }

    /// A copy of this set as CPython's `set_merge` into a new set makes it: its members in
    /// its table's order, in the copy's own table.
    pub fn set_copy(&mut self) -> Dict {
        let hashes = self.materialize();
        let mut out = self.clone();
        out.table = hashes.map(|h| Box::new(self.table.as_deref().cloned().unwrap_or_default().copied(&h)));
        out
    }

    /// `extra` members of a set or dict are about to be merged in (CPython's `set_merge`
    /// may resize first).
    pub fn before_merge(&mut self, extra: usize) {
        if let Some(hashes) = self.materialize()
            && let Some(t) = self.table.as_deref_mut()
        {
            t.before_merge(&hashes, extra);
        }
    }

    /// Remove a set's member; its slot stays taken, as CPython's dummy does. (A set of more
    /// than [`SET_ORDER_ON_REMOVE`] members forgets its table instead: working it out at
    /// every removal would make emptying a large set quadratic.)
    pub fn remove_member(&mut self, k: &HKey) -> Option<(V, V)> {
        if self.map.len() > SET_ORDER_ON_REMOVE {
            // In constant time: the last member takes the removed one's place.
            self.table = None;
            return self.map.swap_remove(k);
        }
        self.materialize();
        let i = self.map.get_index_of(k)?;
        let (_, e) = self.map.shift_remove_index(i)?;
        if let Some(t) = self.table.as_deref_mut()
            && i < t.slots.len()
        {
            let s = t.slots.remove(i);
            t.dummies.push(s);
        }
        Some(e)
    }

    /// Remove the member `set.pop()` takes: the first in CPython's order.
    pub fn pop_member(&mut self) -> Option<V> {
        if self.map.len() <= SET_ORDER_ON_REMOVE {
            self.materialize();
        }
        let k = self.map.get_index(0).map(|(h, _)| h.clone())?;
        self.remove_member(&k).map(|(k, _)| k)
    }

    /// A set's members in the order CPython's hash table iterates them
    /// ([`super::setorder`]).
    pub fn members(&self) -> Vec<V> {
        match self.hashes() {
            Some(h) => {
                let (order, _) = self.table.as_deref().cloned().unwrap_or_default().order(&h);
                order.into_iter().map(|i| self.map[i].0.clone()).collect()
            }
            None => self.keys(),
        }
    }

    /// Every member's hash as CPython computes it, if each is fixed (numbers and tuples of
    /// them; a string's is salted per process in CPython, so any order is one it could give).
    fn hashes(&self) -> Option<Vec<i64>> {
        self.map.values().map(|(k, _)| super::setorder::hash(k)).collect()
    }

    /// Keep the members in the order CPython's table holds them, with each one's slot (before
    /// the table is copied, merged into, or loses a member). Returns their hashes.
    fn materialize(&mut self) -> Option<Vec<i64>> {
        let hashes = self.hashes()?;
        let (order, mut table) = self.table.as_deref().cloned().unwrap_or_default().order(&hashes);
        table.slots = order.iter().map(|&i| table.slots[i]).collect();
        if !order.iter().enumerate().all(|(i, &j)| i == j) {
            let mut entries: Vec<Option<(HKey, (V, V))>> =
                std::mem::take(&mut self.map).into_iter().map(Some).collect();
            self.map = order.iter().filter_map(|&i| entries[i].take()).collect();
        }
        let hashes = order.iter().map(|&i| hashes[i]).collect();
        self.table = Some(Box::new(table));
        Some(hashes)
    }
}

fn ptr<T: ?Sized>(a: &Arc<T>) -> usize {
    Arc::as_ptr(a) as *const u8 as usize
}

/// `repr(float)`, as Python writes it: shortest round trip, `1e+16` past 16 digits.
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0".into() } else { "0.0".into() };
    }
    let sci = format!("{f:e}");
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let neg = mant.starts_with('-');
    let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if (-4..16).contains(&exp) {
        if exp < 0 {
            out.push_str("0.");
            for _ in 0..(-exp - 1) {
                out.push('0');
            }
            out.push_str(&digits);
        } else {
            let int_len = exp as usize + 1;
            if digits.len() <= int_len {
                out.push_str(&digits);
                for _ in digits.len()..int_len {
                    out.push('0');
                }
                out.push_str(".0");
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(out, "e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    }
    out
}

/// `str.isprintable` for one character, for the characters examples meet: C1 controls,
/// the no-break and other Unicode spaces, line and paragraph separators, zero-width and
/// other format characters, surrogates and private use are not printable.
pub fn printable(c: char) -> bool {
    let n = c as u32;
    !(n < 0x20
        || (0x7f..=0xa0).contains(&n)
        || n == 0xad
        || n == 0x1680
        || (0x2000..=0x200f).contains(&n)
        || (0x2028..=0x202f).contains(&n)
        || (0x205f..=0x2064).contains(&n)
        || (0x2066..=0x206f).contains(&n)
        || n == 0x3000
        || n == 0xfeff
        || (0xe000..=0xf8ff).contains(&n)
        || (0xfff9..=0xfffb).contains(&n)
        || (0xf0000..).contains(&n))
}

/// `repr(str)`: Python's quoting rules.
pub fn str_repr(s: &str) -> String {
    let q = if s.contains('\'') && !s.contains('"') { '"' } else { '\'' };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(q);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == q => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            // Not printable in Python's sense (controls, format characters, separators
            // other than the space): escaped as `repr` does.
            c if !printable(c) => {
                let n = c as u32;
                let _ = if n < 0x100 {
                    write!(out, "\\x{n:02x}")
                } else if n < 0x10000 {
                    write!(out, "\\u{n:04x}")
                } else {
                    write!(out, "\\U{n:08x}")
                };
            }
            c => out.push(c),
        }
    }
    out.push(q);
    out
}

impl V {
    /// Store `v` in `slot`, an int by its parts: over an int only the number is written (no
    /// tag, no drop of the old value), and the new value is read as two words rather than
    /// copied whole (a 16-byte load of a value its caller has just written in two stores
    /// waits for them: a store-forwarding stall).
    #[inline(always)]
    pub fn put(slot: &mut V, v: V) {
        match v {
            V::Int(x) => match slot {
                V::Int(old) => *old = x,
                _ => *slot = V::Int(x),
            },
            v => std::mem::replace(slot, v).discard(),
        }
    }

    /// A copy of the value: a number, a bool or `None` without the call (`clone` is out of
    /// line).
    #[inline(always)]
    pub fn dup(&self) -> V {
        match self {
            V::Int(i) => V::Int(*i),
            V::Bool(b) => V::Bool(*b),
            V::None => V::None,
            other => other.clone(),
        }
    }

    /// Drop a value, without the call when it holds nothing to free (a number, a bool,
    /// `None`: `drop_in_place` for a value is out of line, and most values dropped in a loop
    /// are numbers).
    #[inline(always)]
    pub fn discard(self) {
        match self {
            V::None | V::Bool(_) | V::Int(_) | V::Float(_) | V::Unbound => std::mem::forget(self),
            other => drop(other),
        }
    }

    /// A str value.
    pub fn str(s: impl Into<Str>) -> V {
        V::Str(s.into())
    }
    /// A new list.
    pub fn list(items: Vec<V>) -> V {
        V::List(Arc::new(ListCell::new(items)))
    }
    /// A tuple.
    pub fn tuple(items: Vec<V>) -> V {
        V::Tuple(items.into())
    }
    /// An int from a big int, small when it fits.
    pub fn from_big(b: BigInt) -> V {
        match b.to_i64() {
            Some(i) => V::Int(i),
            None => V::Big(Arc::new(b)),
        }
    }
    /// The big int of an int value.
    pub fn to_big(&self) -> Option<BigInt> {
        match self {
            V::Int(i) => Some(BigInt::from(*i)),
            V::Bool(b) => Some(BigInt::from(*b as i64)),
            V::Big(b) => Some((**b).clone()),
            _ => None,
        }
    }

    /// `type(x).__name__`.
    pub fn type_name(&self) -> String {
        match self {
            V::None => "NoneType".into(),
            V::Bool(_) => "bool".into(),
            V::Int(_) | V::Big(_) => "int".into(),
            V::Float(_) => "float".into(),
            V::Str(_) => "str".into(),
            V::List(_) => "list".into(),
            V::Tuple(_) => "tuple".into(),
            V::Dict(d) => d.try_lock().map_or("dict", |d| d.kind.type_name()).into(),
            V::Set(d) => d
                .try_lock()
                .map_or("set", |d| if matches!(d.kind, DictKind::Frozen) { "frozenset" } else { "set" })
                .into(),
            V::Range(..) => "range".into(),
            V::Iter(_) => "iterator".into(),
            V::Func(_) => "function".into(),
            V::Builtin(b) if b.name().chars().next().is_some_and(char::is_lowercase) && is_type(*b) => "type".into(),
            V::Builtin(_) => "builtin_function_or_method".into(),
            V::Bound(_) => "method".into(),
            V::Class(_) => "type".into(),
            V::Inst(i) => i.class.name.to_string(),
            V::Native(n) => n.type_name().into(),
            V::Cell(_) => "cell".into(),
            V::Unbound => "unbound".into(),
        }
    }

    /// Python truthiness (without `__bool__`/`__len__` of user classes).
    pub fn truthy(&self) -> bool {
        match self {
            V::None => false,
            V::Bool(b) => *b,
            V::Int(i) => *i != 0,
            V::Big(b) => !b.is_zero(),
            V::Float(f) => *f != 0.0,
            V::Str(s) => !s.is_empty(),
            V::List(l) => !l.lock().is_empty(),
            V::Tuple(t) => !t.is_empty(),
            V::Dict(d) | V::Set(d) => !d.lock().map.is_empty(),
            V::Range(r) => range_len(r[0], r[1], r[2]) > 0,
            _ => true,
        }
    }

    /// The hash key, or the TypeError message for unhashable values.
    pub fn hkey(&self) -> Result<HKey, String> {
        Ok(match self {
            V::None => HKey::None,
            V::Bool(b) => HKey::Int(*b as i64),
            V::Int(i) => HKey::Int(*i),
            V::Big(b) => HKey::Big(b.to_string()),
            V::Float(f) => {
                if f.fract() == 0.0 && f.abs() < 9.2e18 {
                    HKey::Int(*f as i64)
                } else {
                    HKey::Float(f.to_bits())
                }
            }
            V::Str(s) => HKey::Str(s.clone()),
            V::Tuple(t) => HKey::Tuple(t.iter().map(V::hkey).collect::<Result<_, _>>()?),
            // A frozenset hashes by its members, whatever their order.
            V::Set(d) if matches!(d.lock().kind, DictKind::Frozen) => {
                HKey::Frozen(d.lock().map.keys().cloned().collect())
            }
            V::List(_) | V::Dict(_) | V::Set(_) => {
                return Err(format!("unhashable type: '{}'", self.type_name()));
            }
            // Dataclasses' and int enums' hashes by value; `__hash__ = None` is unhashable.
            // A class with its own `__hash__` and `__eq__`: the equal object that stands for it.
            V::Inst(i) if i.hrep.load(std::sync::atomic::Ordering::Relaxed) != 0 => {
                HKey::Id(i.hrep.load(std::sync::atomic::Ordering::Relaxed))
            }
            V::Inst(_) if let Some(b) = super::bytes::of(self) => super::bytes::hkey(&b),
            // A subclass of `int`, `str`… hashes (and finds keys) as its value.
            V::Inst(i) if let Some(b) = super::builtins::subclass::base_of(i) => return b.hkey(),
            V::Inst(i) => match super::dataclasses::inst_hkey(self, i) {
                Some(k) => return k,
                None => match super::namedtuple::tuple_values(self) {
                    // A named tuple hashes as the tuple of its values (and equals it).
                    Some(vals) => HKey::Tuple(vals.iter().map(V::hkey).collect::<Result<_, _>>()?),
                    None => HKey::Id(self.id()),
                },
            },
            other => HKey::Id(other.id()),
        })
    }

    /// `id(x)`: identity for objects, a stable number otherwise.
    pub fn id(&self) -> usize {
        match self {
            V::List(a) => ptr(a),
            V::Tuple(a) => a.as_ptr() as usize,
            V::Dict(a) | V::Set(a) => ptr(a),
            V::Iter(a) => ptr(a),
            V::Func(a) => ptr(a),
            V::Bound(a) => ptr(a),
            V::Class(a) => ptr(a),
            V::Inst(a) => ptr(a),
            V::Native(a) => a.identity().unwrap_or_else(|| ptr(a)),
            V::Cell(a) => ptr(a),
            V::Str(s) => s.as_ptr() as usize,
            V::Big(b) => ptr(b),
            V::Int(i) => *i as usize,
            V::Float(f) => f.to_bits() as usize,
            V::Bool(b) => *b as usize + 1,
            V::None => 0,
            V::Range(r) => (r[0] ^ r[1].rotate_left(21) ^ r[2].rotate_left(42)) as usize,
            V::Builtin(b) => *b as usize + 1000,
            V::Unbound => 1,
        }
    }

    /// `x is y`.
    pub fn is(&self, other: &V) -> bool {
        match (self, other) {
            (V::None, V::None) => true,
            (V::Bool(a), V::Bool(b)) => a == b,
            (V::Int(a), V::Int(b)) => a == b,
            (V::Builtin(a), V::Builtin(b)) => a == b,
            (V::Float(_), V::Float(_)) | (V::Range(..), V::Range(..)) => false,
            (a, b) if std::mem::discriminant(a) == std::mem::discriminant(b) => a.id() == b.id(),
            _ => false,
        }
    }

    /// `repr(x)` for values that need no interpreter (no user `__repr__`); containers nested
    /// past 200 levels print `...` there.
    pub fn repr(&self) -> String {
        let mut s = String::new();
        self.write_repr(&mut s, 0, &mut Vec::new(), &mut Nesting { max: 200, hit: false });
        s
    }

    /// `repr(x)` as a program asks for it: None when containers nest more than `max` levels
    /// (CPython counts each level against the recursion limit and raises `RecursionError`).
    pub fn repr_within(&self, max: usize) -> Option<String> {
        let mut s = String::new();
        let mut n = Nesting { max, hit: false };
        self.write_repr(&mut s, 0, &mut Vec::new(), &mut n);
        (!n.hit).then_some(s)
    }

    /// `open` holds the lists, dicts and sets being printed (CPython's `Py_ReprEnter`): one
    /// met again inside itself prints as `[...]`. A repr past 16 MB (shared parts nested
    /// deep) ends in `...` instead of growing without bound.
    fn write_repr(&self, out: &mut String, depth: usize, open: &mut Vec<usize>, nest: &mut Nesting) {
        if depth > nest.max || out.len() > 1 << 24 {
            nest.hit |= depth > nest.max;
            out.push_str("...");
            return;
        }
        match self {
            V::None => out.push_str("None"),
            V::Bool(true) => out.push_str("True"),
            V::Bool(false) => out.push_str("False"),
            V::Int(i) => {
                let _ = write!(out, "{i}");
            }
            V::Big(b) => {
                let _ = write!(out, "{b}");
            }
            V::Float(f) => out.push_str(&float_repr(*f)),
            V::Str(s) => out.push_str(&str_repr(s)),
            V::List(l) => {
                let id = self.id();
                let Some(items) = l.try_lock().map(|g| g.clone()).filter(|_| !open.contains(&id)) else {
                    out.push_str("[...]");
                    return;
                };
                open.push(id);
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    v.write_repr(out, depth + 1, open, nest);
                }
                open.pop();
                out.push(']');
            }
            V::Tuple(t) => {
                out.push('(');
                for (i, v) in t.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    v.write_repr(out, depth + 1, open, nest);
                }
                if t.len() == 1 {
                    out.push(',');
                }
                out.push(')');
            }
            V::Dict(d) => {
                let id = self.id();
                let Some(d) = d.try_lock().map(|g| g.clone()).filter(|_| !open.contains(&id)) else {
                    out.push_str("{...}");
                    return;
                };
                open.push(id);
                let pairs = d
                    .map
                    .values()
                    .map(|(k, v)| {
                        let (mut ks, mut vs) = (String::new(), String::new());
                        k.write_repr(&mut ks, depth + 1, open, nest);
                        v.write_repr(&mut vs, depth + 1, open, nest);
                        (ks, vs)
                    })
                    .collect();
                let factory = match &d.kind {
                    DictKind::Default(f) => f.repr(),
                    _ => String::new(),
                };
                open.pop();
                out.push_str(&d.kind.repr(pairs, counts_of(&d), &factory));
            }
            V::Set(d) => {
                let (keys, frozen) = {
                    let g = d.lock();
                    (g.members(), matches!(g.kind, DictKind::Frozen))
                };
                if keys.is_empty() {
                    out.push_str(if frozen { "frozenset()" } else { "set()" });
                    return;
                }
                if frozen {
                    out.push_str("frozenset(");
                }
                out.push('{');
                for (i, k) in keys.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    k.write_repr(out, depth + 1, open, nest);
                }
                out.push('}');
                if frozen {
                    out.push(')');
                }
            }
            V::Range(r) => {
                let (a, b, s) = (&r[0], &r[1], &r[2]);
                if *s == 1 {
                    let _ = write!(out, "range({a}, {b})");
                } else {
                    let _ = write!(out, "range({a}, {b}, {s})");
                }
            }
            V::Iter(_) => {
                let _ = write!(out, "<iterator object at {:#x}>", self.id());
            }
            V::Func(f) => {
                let _ = write!(out, "<function {} at {:#x}>", f.def.qualname, self.id());
            }
            V::Builtin(b) if is_type(*b) => {
                let _ = write!(out, "<class '{}'>", b.name());
            }
            V::Builtin(b) => {
                let _ = write!(out, "<built-in function {}>", b.name());
            }
            V::Bound(b) => {
                let name = match &b.1 {
                    V::Func(f) => f.def.qualname.to_string(),
                    other => other.repr(),
                };
                let _ = write!(out, "<bound method {name} of {}>", b.0.repr());
            }
            V::Class(c) => {
                if &*c.module == "builtins" {
                    let _ = write!(out, "<class '{}'>", c.name);
                } else {
                    let _ = write!(out, "<class '{}.{}'>", c.module, c.name);
                }
            }
            V::Inst(_) if let Some(b) = super::bytes::of(self) => out.push_str(&super::bytes::repr(&b)),
            V::Inst(i) => {
                let _ = write!(out, "<{}.{} object at {:#x}>", i.class.module, i.class.name, self.id());
            }
            V::Native(n) => out.push_str(&n.repr(self.id())),
            V::Cell(_) => out.push_str("<cell>"),
            V::Unbound => out.push_str("<unbound>"),
        }
    }

    /// `str(x)` for values that need no interpreter.
    pub fn to_str(&self) -> String {
        match self {
            V::Str(s) => s.to_string(),
            other => other.repr(),
        }
    }

    /// The value as an event records it (queue items, variable values).
    pub fn snapshot(&self) -> Value {
        match self {
            V::None => Value::None,
            V::Bool(b) => Value::Bool(*b),
            V::Int(i) => Value::Int(*i),
            V::Float(f) => Value::Float(*f),
            V::Str(s) => Value::Str(s.to_string()),
            V::Tuple(t) if t.len() <= 16 => Value::tuple(t.iter().map(V::snapshot).collect()),
            V::List(l) => match l.try_lock() {
                Some(items) if items.len() <= 16 => Value::List(items.iter().map(V::snapshot).collect()),
                _ => Value::Str(self.repr()),
            },
            other => Value::Str(other.repr()),
        }
    }

    /// An index or count as i64, if it is an int.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            V::Int(i) => Some(*i),
            V::Bool(b) => Some(*b as i64),
            _ => None,
        }
    }

    /// As a float, if it is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            V::Int(i) => Some(*i as f64),
            V::Bool(b) => Some(*b as i64 as f64),
            V::Float(f) => Some(*f),
            V::Big(b) => b.to_f64(),
            _ => None,
        }
    }

    /// Whether it is an int (or bool).
    pub fn is_int(&self) -> bool {
        matches!(self, V::Int(_) | V::Big(_) | V::Bool(_))
    }
}

/// Whether the builtin is a type (`int`, `list`…) rather than a function.
pub fn is_type(b: Builtin) -> bool {
    use Builtin::*;
    matches!(
        b,
        Int | Float
            | Str
            | Bool
            | List
            | Tuple
            | Dict
            | Set
            | Range
            | Enumerate
            | Zip
            | Reversed
            | Map
            | Filter
            | Type
            | Bytes
            | Object
            | Super
            | Frozenset
    )
}

/// The number of items in `range(a, b, s)`.
pub fn range_len(a: i64, b: i64, s: i64) -> i64 {
    let (a, b, s) = (a as i128, b as i128, s as i128);
    let n = if s > 0 && a < b {
        (b - a + s - 1) / s
    } else if s < 0 && a > b {
        (a - b - s - 1) / (-s)
    } else {
        0
    };
    n.clamp(0, i64::MAX as i128) as i64
}

/// `==` for values that need no interpreter.
pub fn eq(a: &V, b: &V) -> bool {
    eq_checked(a, b).unwrap_or(false)
}

/// The deepest two containers are compared (CPython's recursion limit): past it,
/// [`eq_checked`] says so instead of overflowing the thread's stack.
const EQ_DEPTH: usize = 1000;

/// `a == b`, or None when the comparison nests deeper than the recursion limit (two lists
/// that contain themselves): the interpreter raises `RecursionError` then.
pub fn eq_checked(a: &V, b: &V) -> Option<bool> {
    eq_at(a, b, 0).ok()
}

fn eq_at(a: &V, b: &V, depth: usize) -> Result<bool, ()> {
    if depth > EQ_DEPTH {
        return Err(());
    }
    let eq = |a: &V, b: &V| eq_at(a, b, depth + 1);
    let all = |x: &[V], y: &[V]| -> Result<bool, ()> {
        if x.len() != y.len() {
            return Ok(false);
        }
        for (a, b) in x.iter().zip(y) {
            // Identity first, as PyObject_RichCompareBool does.
            if !(a.is(b) || eq(a, b)?) {
                return Ok(false);
            }
        }
        Ok(true)
    };
    Ok(match (a, b) {
        (V::None, V::None) => true,
        (V::Str(x), V::Str(y)) => x == y,
        (V::Int(x), V::Int(y)) => x == y,
        (V::Float(x), V::Float(y)) => x == y,
        (V::List(x), V::List(y)) => {
            if Arc::ptr_eq(x, y) {
                return Ok(true);
            }
            // One at a time: `a == a` locks the same set twice.
            let x = x.lock().clone();
            let y = y.lock().clone();
            all(&x, &y)?
        }
        (V::Tuple(x), V::Tuple(y)) => Tuple::ptr_eq(x, y) || all(x, y)?,
        (V::Dict(x), V::Dict(y)) => {
            if Arc::ptr_eq(x, y) {
                return Ok(true);
            }
            // One at a time: `a == a` locks the same set twice.
            let x = x.lock().clone();
            let y = y.lock().clone();
            if x.map.len() != y.map.len() {
                return Ok(false);
            }
            for (k, (_, v)) in &x.map {
                match y.map.get(k) {
                    Some((_, w)) if v.is(w) || eq(v, w)? => {}
                    _ => return Ok(false),
                }
            }
            true
        }
        (V::Set(x), V::Set(y)) => {
            // One at a time: `a == a` locks the same set twice.
            let x = x.lock().clone();
            let y = y.lock().clone();
            x.map.len() == y.map.len() && x.map.keys().all(|k| y.map.contains_key(k))
        }
        (V::Range(r1), V::Range(r2)) => r1 == r2,
        (x, y) if x.is_int() || matches!(x, V::Float(_)) => {
            if !(y.is_int() || matches!(y, V::Float(_))) {
                return Ok(false);
            }
            match (x.to_big(), y.to_big()) {
                (Some(p), Some(q)) => p == q,
                _ => x.as_f64() == y.as_f64(),
            }
        }
        (x, y) => x.is(y),
    })
}

/// Ordering for `<` and friends: `None` when the types cannot be ordered.
pub fn cmp(a: &V, b: &V) -> Option<std::cmp::Ordering> {
    use std::cmp::Ordering;
    match (a, b) {
        (V::Int(x), V::Int(y)) => Some(x.cmp(y)),
        (V::Str(x), V::Str(y)) => Some(x.cmp(y)),
        (x, y) if (x.is_int() || matches!(x, V::Float(_))) && (y.is_int() || matches!(y, V::Float(_))) => {
            match (x.to_big(), y.to_big()) {
                (Some(p), Some(q)) => Some(p.cmp(&q)),
                _ => x.as_f64()?.partial_cmp(&y.as_f64()?),
            }
        }
        (V::List(_), V::List(_)) | (V::Tuple(_), V::Tuple(_)) => {
            let (xs, ys) = (seq_items(a), seq_items(b));
            for (p, q) in xs.iter().zip(&ys) {
                if !eq(p, q) {
                    return cmp(p, q);
                }
            }
            Some(xs.len().cmp(&ys.len()))
        }
        (V::Set(x), V::Set(y)) => {
            // One at a time: `a == a` locks the same set twice.
            let x = x.lock().clone();
            let y = y.lock().clone();
            let sub = x.map.keys().all(|k| y.map.contains_key(k));
            let sup = y.map.keys().all(|k| x.map.contains_key(k));
            Some(match (sub, sup) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Less,
                (false, true) => Ordering::Greater,
                _ => return None,
            })
        }
        _ => None,
    }
}

/// The items of a list or tuple.
pub fn seq_items(v: &V) -> Vec<V> {
    match v {
        V::List(l) => l.lock().clone(),
        V::Tuple(t) => t.to_vec(),
        _ => Vec::new(),
    }
}
