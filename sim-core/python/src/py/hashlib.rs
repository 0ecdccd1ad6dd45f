//! `hashlib`: `md5`, `sha1`, `sha224`, `sha256`, `sha384`, `sha512`, `new(name, data)` and
//! `pbkdf2_hmac` — the CPU-bound work of many threads-against-processes examples. A hash
//! object (`_hashlib.HASH`) keeps its algorithm's running state: `update`, `digest`,
//! `hexdigest`, `copy`, `name`, `digest_size`, `block_size`, as CPython's. The digests are
//! RustCrypto's implementations of the same standards, so they equal CPython's.

use super::exc;
use super::interp::{Interp, R, raise, type_err};
use super::libobj::{self, Kw};
use super::stdlib::NFn;
use super::value::{Attrs, Class, ClassKind, Inst, InstNative, V};
use sha2::Digest as _;
use std::sync::{Arc, OnceLock};
use threadline_model::event::GilReason;
use threadline_runtime::footprint::Mutex;
use threadline_runtime::rt::Ctx;

/// `hashlib`'s functions and the methods of its hash objects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashFn {
    /// `hashlib.new(name, data=b'')`.
    New,
    /// `hashlib.md5(…)`, `sha256(…)`…
    Make(Algo),
    /// `hashlib.pbkdf2_hmac(hash_name, password, salt, iterations, dklen=None)`.
    Pbkdf2Hmac,
    Update,
    Digest,
    HexDigest,
    Copy,
    Repr,
}

/// An algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algo {
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

const ALGOS: [Algo; 6] = [Algo::Md5, Algo::Sha1, Algo::Sha224, Algo::Sha256, Algo::Sha384, Algo::Sha512];

impl Algo {
    fn name(self) -> &'static str {
        match self {
            Algo::Md5 => "md5",
            Algo::Sha1 => "sha1",
            Algo::Sha224 => "sha224",
            Algo::Sha256 => "sha256",
            Algo::Sha384 => "sha384",
            Algo::Sha512 => "sha512",
        }
    }

    fn by_name(name: &str) -> Option<Algo> {
        ALGOS.into_iter().find(|a| a.name() == name.to_ascii_lowercase())
    }

    fn sizes(self) -> (i64, i64) {
        match self {
            Algo::Md5 => (16, 64),
            Algo::Sha1 => (20, 64),
            Algo::Sha224 => (28, 64),
            Algo::Sha256 => (32, 64),
            Algo::Sha384 => (48, 128),
            Algo::Sha512 => (64, 128),
        }
    }

    fn start(self) -> Hasher {
        match self {
            Algo::Md5 => Hasher::Md5(md5::Md5::new()),
            Algo::Sha1 => Hasher::Sha1(sha1::Sha1::new()),
            Algo::Sha224 => Hasher::Sha224(sha2::Sha224::new()),
            Algo::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
            Algo::Sha384 => Hasher::Sha384(sha2::Sha384::new()),
            Algo::Sha512 => Hasher::Sha512(sha2::Sha512::new()),
        }
    }
}

/// A hash object's running state.
#[derive(Clone, Debug)]
pub enum Hasher {
    Md5(md5::Md5),
    Sha1(sha1::Sha1),
    Sha224(sha2::Sha224),
    Sha256(sha2::Sha256),
    Sha384(sha2::Sha384),
    Sha512(sha2::Sha512),
}

impl Hasher {
    fn update(&mut self, b: &[u8]) {
        match self {
            Hasher::Md5(h) => h.update(b),
            Hasher::Sha1(h) => h.update(b),
            Hasher::Sha224(h) => h.update(b),
            Hasher::Sha256(h) => h.update(b),
            Hasher::Sha384(h) => h.update(b),
            Hasher::Sha512(h) => h.update(b),
        }
    }

    /// The digest so far (the state goes on).
    fn digest(&self) -> Vec<u8> {
        match self.clone() {
            Hasher::Md5(h) => h.finalize().to_vec(),
            Hasher::Sha1(h) => h.finalize().to_vec(),
            Hasher::Sha224(h) => h.finalize().to_vec(),
            Hasher::Sha256(h) => h.finalize().to_vec(),
            Hasher::Sha384(h) => h.finalize().to_vec(),
            Hasher::Sha512(h) => h.finalize().to_vec(),
        }
    }

    fn algo(&self) -> Algo {
        match self {
            Hasher::Md5(_) => Algo::Md5,
            Hasher::Sha1(_) => Algo::Sha1,
            Hasher::Sha224(_) => Algo::Sha224,
            Hasher::Sha256(_) => Algo::Sha256,
            Hasher::Sha384(_) => Algo::Sha384,
            Hasher::Sha512(_) => Algo::Sha512,
        }
    }
}

impl HashFn {
    /// The name Python gives it.
    pub fn name(self) -> &'static str {
        match self {
            HashFn::New => "new",
            HashFn::Make(a) => a.name(),
            HashFn::Pbkdf2Hmac => "pbkdf2_hmac",
            HashFn::Update => "update",
            HashFn::Digest => "digest",
            HashFn::HexDigest => "hexdigest",
            HashFn::Copy => "copy",
            HashFn::Repr => "__repr__",
        }
    }
}

fn hash_class() -> Arc<Class> {
    static C: OnceLock<Arc<Class>> = OnceLock::new();
    C.get_or_init(|| {
        let mut dict = Attrs::default();
        for m in [HashFn::Update, HashFn::Digest, HashFn::HexDigest, HashFn::Copy, HashFn::Repr] {
            dict.insert(Arc::from(m.name()), libobj::native_fn(NFn::Hash(m)));
        }
        exc::build_class(Arc::from("HASH"), Arc::from("_hashlib"), vec![exc::object_class()], dict, ClassKind::Plain)
    })
    .clone()
}

/// `hashlib.name`.
pub fn module_attr(name: &str) -> Option<V> {
    match name {
        "new" => Some(libobj::native_fn(NFn::Hash(HashFn::New))),
        "pbkdf2_hmac" => Some(libobj::native_fn(NFn::Hash(HashFn::Pbkdf2Hmac))),
        n => Algo::by_name(n).filter(|a| a.name() == n).map(|a| libobj::native_fn(NFn::Hash(HashFn::Make(a)))),
    }
}

fn make(h: Hasher) -> V {
    let a = h.algo();
    let (size, block) = a.sizes();
    let mut own = Attrs::default();
    own.insert(Arc::from("name"), V::str(a.name()));
    own.insert(Arc::from("digest_size"), V::Int(size));
    own.insert(Arc::from("block_size"), V::Int(block));
    V::Inst(Arc::new(Inst {
        class: hash_class(),
        dict: Mutex::new(own),
        native: Mutex::new(InstNative::Hash(Box::new(h))),
        hrep: Default::default(),
    }))
}

/// The bytes a hash takes, with CPython's TypeErrors for anything else.
fn data(v: &V) -> R<Arc<Vec<u8>>> {
    match super::bytes::of(v) {
        Some(b) => Ok(b),
        None if matches!(v, V::Str(_)) => type_err("Strings must be encoded before hashing"),
        None => type_err("object supporting the buffer API required"),
    }
}

/// The state of hash object `me`.
fn state(me: &V) -> R<Hasher> {
    if let V::Inst(i) = me
        && let InstNative::Hash(h) = &*i.native.lock()
    {
        return Ok((**h).clone());
    }
    type_err("descriptor requires a '_hashlib.HASH' object")
}

/// The optional data argument of a constructor (positional, or `data=` / `string=`).
fn initial(fname: &str, mut pos: Vec<V>, kw: Kw, skip: usize) -> R<Option<V>> {
    let mut given: Option<V> = None;
    for (k, v) in kw {
        match &*k {
            "data" | "string" => given = Some(v),
            "usedforsecurity" => {}
            _ => return type_err(format!("{fname}() got an unexpected keyword argument '{k}'")),
        }
    }
    if pos.len() > skip + 1 {
        return type_err(format!(
            "openssl_{fname}() takes at most {} positional argument{} ({} given)",
            skip + 1,
            if skip == 0 { "" } else { "s" },
            pos.len()
        ));
    }
    Ok(if pos.len() > skip { pos.pop() } else { given })
}

/// Calls a `hashlib` function or a hash object's method.
pub fn call(it: &mut Interp<'_>, f: HashFn, pos: Vec<V>, kw: Kw) -> R<V> {
    match f {
        HashFn::Make(a) => {
            let mut h = a.start();
            if let Some(d) = initial(a.name(), pos, kw, 0)? {
                feed(it, &mut h, &data(&d)?)?;
            }
            Ok(make(h))
        }
        HashFn::New => {
            let Some(V::Str(name)) = pos.first().cloned() else {
                return type_err("new() missing required argument 'name' (pos 1)");
            };
            let Some(a) = Algo::by_name(&name) else {
                return raise("ValueError", format!("unsupported hash type {name}"));
            };
            let mut h = a.start();
            if let Some(d) = initial("new", pos, kw, 1)? {
                feed(it, &mut h, &data(&d)?)?;
            }
            Ok(make(h))
        }
        HashFn::Pbkdf2Hmac => pbkdf2(it, pos, kw),
        HashFn::Update => {
            libobj::no_more("update", &kw)?;
            if pos.len() != 2 {
                return type_err(format!(
                    "HASH.update() takes exactly one argument ({} given)",
                    pos.len().saturating_sub(1)
                ));
            }
            let b = data(&pos[1])?;
            // The state is updated outside the object's lock (the GIL may be let go
            // meanwhile), then stored back.
            let mut h = state(&pos[0])?;
            feed(it, &mut h, &b)?;
            if let V::Inst(i) = &pos[0] {
                *i.native.lock() = InstNative::Hash(Box::new(h));
            }
            Ok(V::None)
        }
        HashFn::Digest | HashFn::HexDigest | HashFn::Copy | HashFn::Repr => {
            libobj::no_more(f.name(), &kw)?;
            libobj::positional(f.name(), &pos, &["self"], 1)?;
            let h = state(&pos[0])?;
            Ok(match f {
                HashFn::Digest => super::bytes::new(h.digest()),
                HashFn::HexDigest => V::str(hex(&h.digest())),
                HashFn::Copy => make(h),
                _ => {
                    let at = match &pos[0] {
                        V::Inst(i) => Arc::as_ptr(i) as usize,
                        _ => 0,
                    };
                    V::str(format!("<{} _hashlib.HASH object @ {at:#x}>", h.algo().name()))
                }
            })
        }
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// `pbkdf2_hmac(hash_name, password, salt, iterations, dklen=None)`.
fn pbkdf2(it: &Interp<'_>, mut pos: Vec<V>, kw: Kw) -> R<V> {
    let names = ["hash_name", "password", "salt", "iterations", "dklen"];
    for (k, v) in kw {
        match names.iter().position(|n| **n == *k) {
            Some(i) => {
                while pos.len() < i {
                    pos.push(V::Unbound);
                }
                if pos.len() == i {
                    pos.push(v);
                } else if matches!(pos[i], V::Unbound) {
                    pos[i] = v;
                } else {
                    return type_err(format!(
                        "argument for pbkdf2_hmac() given by name ('{k}') and position ({})",
                        i + 1
                    ));
                }
            }
            None => return type_err(format!("pbkdf2_hmac() got an unexpected keyword argument '{k}'")),
        }
    }
    libobj::positional("pbkdf2_hmac", &pos, &names, 4)?;
    let V::Str(name) = &pos[0] else {
        return type_err(format!("pbkdf2_hmac() argument 'hash_name' must be str, not {}", pos[0].type_name()));
    };
    // OpenSSL's words, as CPython's build passes them on.
    let Some(a) = Algo::by_name(name) else { return raise("ValueError", "[digital envelope routines] unsupported") };
    let bytes_like = |v: &V| match super::bytes::of(v) {
        Some(b) => Ok(b),
        None => type_err(format!("a bytes-like object is required, not '{}'", v.type_name())),
    };
    let (password, salt) = (bytes_like(&pos[1])?, bytes_like(&pos[2])?);
    let V::Int(rounds) = pos[3] else {
        return type_err(format!("'{}' object cannot be interpreted as an integer", pos[3].type_name()));
    };
    if rounds < 1 {
        return raise("ValueError", "iteration value must be greater than 0.");
    }
    let len = match pos.get(4) {
        None | Some(V::None) | Some(V::Unbound) => a.sizes().0,
        Some(V::Int(n)) if *n >= 1 => *n,
        Some(V::Int(_)) => return raise("ValueError", "key length must be greater than 0."),
        Some(other) => return type_err(format!("'{}' object cannot be interpreted as an integer", other.type_name())),
    };
    let len = usize::try_from(len).unwrap_or(usize::MAX);
    if len > 1 << 20 {
        return raise("OverflowError", "key length is too great.");
    }
    let ctx = it.ctx;
    let out = without_gil(it, || match a {
        Algo::Md5 => pbkdf2_with::<md5::Md5>(ctx, &password, &salt, rounds, len),
        Algo::Sha1 => pbkdf2_with::<sha1::Sha1>(ctx, &password, &salt, rounds, len),
        Algo::Sha224 => pbkdf2_with::<sha2::Sha224>(ctx, &password, &salt, rounds, len),
        Algo::Sha256 => pbkdf2_with::<sha2::Sha256>(ctx, &password, &salt, rounds, len),
        Algo::Sha384 => pbkdf2_with::<sha2::Sha384>(ctx, &password, &salt, rounds, len),
        Algo::Sha512 => pbkdf2_with::<sha2::Sha512>(ctx, &password, &salt, rounds, len),
    })??;
    Ok(super::bytes::new(out))
}

/// PBKDF2 (RFC 8018) with HMAC over `D`, looking at Stop every few thousand rounds (a
/// program may ask for billions).
fn pbkdf2_with<D>(ctx: &Ctx, password: &[u8], salt: &[u8], rounds: i64, len: usize) -> R<Vec<u8>>
where
    D: sha2::Digest + sha2::digest::block_api::BlockSizeUser + Clone,
{
    use hmac::{KeyInit, Mac, SimpleHmac};
    let Ok(keyed) = <SimpleHmac<D> as KeyInit>::new_from_slice(password) else {
        return raise("ValueError", "invalid key");
    };
    let mut out = Vec::with_capacity(len);
    let mut block: u32 = 1;
    while out.len() < len {
        let mut m = keyed.clone();
        m.update(salt);
        m.update(&block.to_be_bytes());
        let mut u = m.finalize().into_bytes().to_vec();
        let mut t = u.clone();
        for round in 1..rounds {
            if round % 4096 == 0 {
                ctx.check().map_err(super::interp::Flow::from)?;
            }
            let mut m = keyed.clone();
            m.update(&u);
            u = m.finalize().into_bytes().to_vec();
            t.iter_mut().zip(&u).for_each(|(a, b)| *a ^= b);
        }
        let take = (len - out.len()).min(t.len());
        out.extend_from_slice(&t[..take]);
        block = block.wrapping_add(1);
    }
    Ok(out)
}

/// Run `work` with the GIL released, as CPython's hashing of more than 2 KB and
/// `pbkdf2_hmac` do (`Py_BEGIN_ALLOW_THREADS`): another thread runs Python meanwhile. In a
/// controlled run the schedule decides who runs, so the work runs in place.
fn without_gil<T>(it: &Interp<'_>, work: impl FnOnce() -> T) -> R<T> {
    let ctx = it.ctx;
    if ctx.shared.control().is_some() || !ctx.holds_gil() {
        return Ok(work());
    }
    ctx.drop_gil(GilReason::Io);
    let r = work();
    ctx.take_gil().map_err(super::interp::Flow::from)?;
    Ok(r)
}

/// Bytes from which hashing lets the GIL go (CPython's `HASHLIB_GIL_MINSIZE` is 2048).
const GIL_MINSIZE: usize = 2048;

/// Feed `b` to `h`, without the GIL for a large buffer.
fn feed(it: &Interp<'_>, h: &mut Hasher, b: &[u8]) -> R<()> {
    if b.len() >= GIL_MINSIZE {
        without_gil(it, || h.update(b))
    } else {
        h.update(b);
        Ok(())
    }
}
