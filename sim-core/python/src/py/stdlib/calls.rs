//! Calling the library's module functions and classes (`threading.Lock()`,
//! `time.sleep(1)`, `queue.Queue(2)`…): one arm per [`NFn`].

use super::*;

pub(crate) fn call_fn(it: &mut Interp<'_>, f: NFn, pos: Vec<V>, mut kw: Kw) -> R<V> {
    use NFn as F;
    let ctx = it.ctx;
    let pos = crate::py::builtins::subclass::plain_args(pos);
    match f {
        F::Copy(deep) => crate::py::copy::call(it, deep, pos),
        F::AbstractMethod => crate::py::abc::abstractmethod(pos),
        F::Bytes(b) => crate::py::bytes::call(it, b, pos, kw),
        F::Namespace(f) => crate::py::abc::namespace_call(it, f, pos, kw),
        F::Lock => {
            let res = new_resource(it, binding_name(it, "lock"), ResourceKind::Lock, 0);
            let l = Arc::new(Lock::new(res));
            ctx.shared.register(l.clone());
            Ok(V::Native(Arc::new(Native::Lock(l, res))))
        }
        F::RLock => {
            let res = new_resource(it, binding_name(it, "rlock"), ResourceKind::Rlock, 0);
            let l = Arc::new(RLock::new(res));
            ctx.shared.register(l.clone());
            Ok(V::Native(Arc::new(Native::RLock(l, res))))
        }
        F::Semaphore | F::BoundedSemaphore => {
            let v = arg(&pos, &mut kw, 0, "value").unwrap_or(V::Int(1));
            no_more(if f == F::Semaphore { "Semaphore" } else { "BoundedSemaphore" }, &kw)?;
            let v = crate::py::builtins::index(&v)?;
            if v < 0 {
                return raise("ValueError", "semaphore initial value must be >= 0");
            }
            let bounded = f == F::BoundedSemaphore;
            let kind = if bounded { ResourceKind::BoundedSemaphore } else { ResourceKind::Semaphore };
            let res = new_resource(it, binding_name(it, "semaphore"), kind, v);
            let s = Arc::new(Semaphore::new(res, v, bounded).map_err(|e| Flow::from(Unwind::Raise(e)))?);
            ctx.shared.register(s.clone());
            Ok(V::Native(Arc::new(Native::Sem(s, res))))
        }
        F::Condition => {
            let given = arg(&pos, &mut kw, 0, "lock");
            let res = new_resource(it, binding_name(it, "condition"), ResourceKind::Condition, 0);
            let lock = match given.as_ref() {
                Some(V::Native(n)) => match &**n {
                    Native::Lock(l, _) => CondLock::Lock(l.clone()),
                    Native::RLock(l, r) => CondLock::RLock(l.clone(), *r),
                    _ => return type_err("Condition(lock): lock must be a threading.Lock or RLock"),
                },
                None | Some(V::None) => CondLock::Own(RLock::for_condition(res)),
                Some(_) => return type_err("Condition(lock): lock must be a threading.Lock or RLock"),
            };
            let c = Arc::new(Condition::with_lock(res, lock));
            ctx.shared.register(c.clone());
            Ok(V::Native(Arc::new(Native::Cond(c, res))))
        }
        F::Event => {
            let res = new_resource(it, binding_name(it, "event"), ResourceKind::Event, 0);
            let e = Arc::new(PyEvent::new(res));
            ctx.shared.register(e.clone());
            Ok(V::Native(Arc::new(Native::Event(e, res))))
        }
        F::Barrier => {
            let parties = arg(&pos, &mut kw, 0, "parties")
                .ok_or(())
                .or_else(|_| type_err("Barrier() missing required argument 'parties'"))?;
            let parties = crate::py::builtins::index(&parties)?;
            if parties < 1 {
                return raise("ValueError", "parties must be >= 1");
            }
            let res = new_resource(it, binding_name(it, "barrier"), ResourceKind::Barrier, parties);
            let action = arg(&pos, &mut kw, 1, "action").unwrap_or(V::None);
            let timeout = timeout_ms(arg(&pos, &mut kw, 2, "timeout"))?;
            let b = Arc::new(BarrierObj {
                res,
                parties: parties as usize,
                action,
                timeout_ms: timeout,
                st: parking_lot::Mutex::new(BarrierState::default()),
                cv: threadline_runtime::cv::Cv::new(),
            });
            ctx.shared.register(b.clone());
            Ok(V::Native(Arc::new(Native::Barrier(b))))
        }
        F::Queue(kind) => {
            let maxsize = match kind {
                QKind::Simple => 0,
                _ => arg(&pos, &mut kw, 0, "maxsize").map(|v| crate::py::builtins::index(&v)).transpose()?.unwrap_or(0),
            };
            let order = match kind {
                QKind::Lifo => QueueOrder::Lifo,
                QKind::Priority => QueueOrder::Priority,
                _ => QueueOrder::Fifo,
            };
            let res = new_resource(it, binding_name(it, "queue"), ResourceKind::Queue, maxsize.max(0));
            let q = Arc::new(Queue::with_order(res, maxsize.clamp(0, 1 << 40) as usize, order));
            ctx.shared.register(q.clone());
            Ok(V::Native(Arc::new(Native::Queue(q, res, kind))))
        }
        F::Ctime | F::Strftime => {
            // UTC: a scenario's clock starts at the run's wall time (see time.time()).
            let now = it.w.wall_start + it.w.elapsed_s(ctx);
            let (fmt, t) = if f == F::Ctime {
                ("%c".to_string(), pos.first().and_then(V::as_f64).unwrap_or(now))
            } else {
                match pos.first() {
                    Some(V::Str(s)) => (s.to_string(), now),
                    _ => return type_err("strftime() argument 1 must be str"),
                }
            };
            if f == F::Strftime && pos.len() > 1 {
                return raise("NotImplementedError", "time.strftime with a time tuple is not supported yet");
            }
            Ok(V::str(crate::py::logging::strftime(t, &fmt)))
        }
        F::CurrentThreadOld => {
            deprecated(it, "currentThread() is deprecated, use current_thread() instead");
            Ok(current_thread_obj(it))
        }
        F::ActiveCountOld => {
            deprecated(it, "activeCount() is deprecated, use active_count() instead");
            call_fn(it, F::ActiveCount, pos, kw)
        }
        F::CurrentThread => Ok(current_thread_obj(it)),
        F::MainThread => Ok(it.w.thread_object(0)),
        F::GetIdent => Ok(V::Int(thread_ident(ctx.tid))),
        F::ActiveCount => {
            Ok(V::Int(ctx.shared.life().iter().filter(|l| **l == threadline_runtime::rt::Life::Alive).count() as i64))
        }
        F::Enumerate => {
            let life = ctx.shared.life();
            Ok(V::list(
                (0..life.len())
                    .filter(|&t| life[t] == threadline_runtime::rt::Life::Alive)
                    .map(|t| it.w.thread_object(t as ThreadIx))
                    .collect(),
            ))
        }
        F::Timer => {
            let interval = arg(&pos, &mut kw, 0, "interval").unwrap_or(V::Int(0));
            let function = arg(&pos, &mut kw, 1, "function").unwrap_or_default();
            let args = arg(&pos, &mut kw, 2, "args").unwrap_or_else(|| V::tuple(Vec::new()));
            let kwargs = arg(&pos, &mut kw, 3, "kwargs").unwrap_or(V::None);
            let secs = seconds(&interval, "")?;
            let res = new_resource(it, "timer".into(), ResourceKind::Event, 0);
            let cancel = Arc::new(PyEvent::new(res));
            ctx.shared.register(cancel.clone());
            let inst = new_inst(timer_class());
            init_thread(it, &inst, function, args, kwargs, None, None, Some((secs, cancel)))?;
            Ok(inst)
        }
        F::Sleep => {
            let Some(s) = pos.first() else { return type_err("time.sleep() takes exactly one argument (0 given)") };
            let s = seconds(s, "")?;
            if s < 0.0 {
                return raise("ValueError", "sleep length must be non-negative");
            }
            ctx.sleep(s * 1e3, true)?;
            Ok(V::None)
        }
        F::Time => Ok(V::Float(it.w.wall_start + it.w.elapsed_s(ctx))),
        F::PerfCounter | F::Monotonic => Ok(V::Float(it.w.elapsed_s(ctx) + 1000.0)),
        F::TimeNs => Ok(V::Int((it.w.elapsed_s(ctx) * 1e9) as i64)),
        F::SetSwitchInterval => {
            // The run's switch interval is fixed when it starts (the GIL model reads it once).
            Ok(V::None)
        }
        F::GetSwitchInterval => Ok(V::Float(ctx.shared.settings.switch_interval_ms / 1e3)),
        F::Exit => {
            let code = pos.into_iter().next().unwrap_or(V::None);
            Err(Flow::Exc(Box::new(crate::py::interp::Exc {
                value: exc::instance(
                    exc::class("SystemExit"),
                    if matches!(code, V::None) { Vec::new() } else { vec![code] },
                ),
                tb: Vec::new(),
            })))
        }
        F::GetPid => Ok(V::Int(i64::from(it.w.pid_of(ctx.process)))),
        F::GetPPid => Ok(V::Int(i64::from(if ctx.process == 0 { it.w.base_pid - 1 } else { it.w.base_pid }))),
        F::CpuCount => Ok(V::Int(threadline_model::trace::cores() as i64)),
        F::RandomRandom => Ok(V::Float(it.w.random())),
        F::RandomUniform => {
            let (a, b) =
                (pos.first().and_then(V::as_f64).unwrap_or(0.0), pos.get(1).and_then(V::as_f64).unwrap_or(1.0));
            Ok(V::Float(it.w.rng().uniform(a, b)))
        }
        F::RandomRandint | F::RandomRandrange => {
            let fname = if f == F::RandomRandint { "randint" } else { "randrange" };
            let mut ints = Vec::with_capacity(3);
            for (i, name) in ["start", "stop", "step"].into_iter().enumerate() {
                let v = arg(&pos, &mut kw, i, if f == F::RandomRandint { ["a", "b", "-"][i] } else { name });
                ints.push(match v {
                    None | Some(V::None) => None,
                    Some(v) => Some(v.to_big().ok_or(()).or_else(|_| {
                        type_err(format!("'{}' object cannot be interpreted as an integer", v.type_name()))
                    })?),
                });
            }
            no_more(fname, &kw)?;
            let r = match (f, &ints[..]) {
                (F::RandomRandint, [Some(a), Some(b), None]) => it.w.rng().randint(a, b),
                (F::RandomRandint, [_, None, _]) => {
                    return type_err("Random.randint() missing 1 required positional argument: 'b'");
                }
                (F::RandomRandrange, [Some(a), b, s]) => it.w.rng().randrange(a, b.as_ref(), s.as_ref()),
                _ => return type_err(format!("{fname}() missing 1 required positional argument")),
            };
            match r {
                Ok(n) => Ok(V::from_big(n)),
                Err(m) if m == crate::py::mt::RANDRANGE_MISSING_STOP => type_err(m),
                Err(m) => raise("ValueError", m),
            }
        }
        F::RandomGetrandbits => {
            let k = arg(&pos, &mut kw, 0, "k").map(|v| crate::py::builtins::index(&v)).transpose()?;
            let Some(k) = k else { return type_err("getrandbits() takes exactly one argument (0 given)") };
            if k < 0 {
                return raise("ValueError", "number of bits must be non-negative");
            }
            if k > 1 << 24 {
                return raise("MemoryError", "");
            }
            Ok(V::from_big(it.w.rng().getrandbits(k as u32)))
        }
        // As Lib/random.py: `population[floor(random() * n)]` each time, or with weights a
        // bisection of their running sums at `random() * total`.
        F::RandomChoices => {
            let items = it.collect_vec(pos.first().unwrap_or(&V::None))?;
            let weights = arg(&pos, &mut kw, 1, "weights").filter(|v| !matches!(v, V::None));
            let cum = kwarg(&mut kw, "cum_weights").filter(|v| !matches!(v, V::None));
            let k = kwarg(&mut kw, "k").map(|v| crate::py::builtins::index(&v)).transpose()?.unwrap_or(1).max(0);
            let n = items.len();
            let cum: Option<Vec<f64>> = match (weights, cum) {
                (Some(_), Some(_)) => return type_err("Cannot specify both weights and cumulative weights"),
                (None, None) => None,
                (Some(w), None) => {
                    let mut acc = 0.0;
                    let mut out = Vec::new();
                    for v in it.collect_vec(&w)? {
                        acc += crate::py::builtins::to_f64(&v).ok_or(()).or_else(|_| {
                            type_err(format!("unsupported operand type(s) for +: 'float' and '{}'", v.type_name()))
                        })?;
                        out.push(acc);
                    }
                    Some(out)
                }
                (None, Some(c)) => Some(
                    it.collect_vec(&c)?.iter().map(|v| crate::py::builtins::to_f64(v).unwrap_or(f64::NAN)).collect(),
                ),
            };
            if k > 100_000_000 {
                return raise("MemoryError", "");
            }
            let mut out = Vec::new();
            match cum {
                None => {
                    for _ in 0..k {
                        let r = it.w.random();
                        let i = (r * n as f64).floor() as usize;
                        match items.get(i) {
                            Some(v) => out.push(v.clone()),
                            None => return raise("IndexError", "list index out of range"),
                        }
                    }
                }
                Some(cum) => {
                    if cum.len() != n {
                        return raise("ValueError", "The number of weights does not match the population");
                    }
                    let total = cum.last().copied().unwrap_or(0.0);
                    if total <= 0.0 {
                        return raise("ValueError", "Total of weights must be greater than zero");
                    }
                    if !total.is_finite() {
                        return raise("ValueError", "Total of weights must be finite");
                    }
                    for _ in 0..k {
                        let x = it.w.random() * total;
                        // bisect_right(cum, x, 0, n - 1)
                        let i = cum[..n - 1].partition_point(|c| *c <= x);
                        out.push(items[i].clone());
                    }
                }
            }
            Ok(V::list(out))
        }
        F::RandomGauss => {
            let mu = arg(&pos, &mut kw, 0, "mu").and_then(|v| crate::py::builtins::to_f64(&v)).unwrap_or(0.0);
            let sigma = arg(&pos, &mut kw, 1, "sigma").and_then(|v| crate::py::builtins::to_f64(&v)).unwrap_or(1.0);
            let mut rng = it.w.rng();
            let z = match rng.gauss_next.take() {
                Some(z) => z,
                None => {
                    let x2pi = rng.random() * std::f64::consts::TAU;
                    let g2rad = (-2.0 * (1.0 - rng.random()).ln()).sqrt();
                    rng.gauss_next = Some(x2pi.sin() * g2rad);
                    x2pi.cos() * g2rad
                }
            };
            Ok(V::Float(mu + z * sigma))
        }
        F::RandomChoice => {
            let items = it.collect_vec(pos.first().unwrap_or(&V::None))?;
            if items.is_empty() {
                return raise("IndexError", crate::py::mt::CHOICE_EMPTY);
            }
            let i = it.w.rng().choice_index(items.len());
            Ok(items[i].clone())
        }
        F::RandomSample => {
            let items = it.collect_vec(pos.first().unwrap_or(&V::None))?;
            let k = arg(&pos, &mut kw, 1, "k").map(|v| crate::py::builtins::index(&v)).transpose()?;
            let Some(k) = k else { return type_err("sample() missing 1 required positional argument: 'k'") };
            if k < 0 {
                return raise("ValueError", crate::py::mt::SAMPLE_TOO_LARGE);
            }
            let picked = it.w.rng().sample_indices(items.len(), k as usize);
            match picked {
                Ok(ix) => Ok(V::list(ix.into_iter().map(|i| items[i].clone()).collect())),
                Err(m) => raise("ValueError", m),
            }
        }
        F::RandomShuffle => {
            match pos.first() {
                Some(V::List(l)) => it.w.rng().shuffle(&mut l.lock()),
                Some(other) => {
                    return type_err(format!("'{}' object does not support item assignment", other.type_name()));
                }
                None => return type_err("Random.shuffle() missing 1 required positional argument: 'x'"),
            }
            Ok(V::None)
        }
        F::RandomSeed => {
            let fresh = match arg(&pos, &mut kw, 0, "a") {
                None | Some(V::None) => None,
                Some(V::Str(s)) => Some(crate::py::mt::Mt::from_seed_str(&s)),
                Some(V::Float(x)) if x.fract() == 0.0 && x.is_finite() => {
                    Some(crate::py::mt::Mt::from_seed_int(&num_bigint::BigInt::from(x as i64)))
                }
                Some(v) => match v.to_big() {
                    Some(n) => Some(crate::py::mt::Mt::from_seed_int(&n)),
                    None => {
                        return type_err(
                            "The only supported seed types are: None,\nint, float, str, bytes, and bytearray.",
                        );
                    }
                },
            };
            match fresh {
                Some(m) => *it.w.rng() = m,
                None => it.w.reseed_random(),
            }
            Ok(V::None)
        }
        F::MathSqrt | F::MathExp | F::MathFloor | F::MathCeil | F::MathLog => {
            let Some(x) = pos.first() else { return type_err("math function takes exactly one argument (0 given)") };
            if matches!(f, F::MathFloor | F::MathCeil) && x.is_int() {
                return Ok(x.clone());
            }
            let Some(v) = crate::py::builtins::to_f64(x) else {
                return type_err(format!("must be real number, not {}", x.type_name()));
            };
            Ok(match f {
                F::MathSqrt => {
                    if v < 0.0 {
                        return raise("ValueError", "math domain error");
                    }
                    V::Float(v.sqrt())
                }
                F::MathExp => V::Float(v.exp()),
                F::MathLog => {
                    if v <= 0.0 {
                        return raise("ValueError", "math domain error");
                    }
                    match pos.get(1).and_then(crate::py::builtins::to_f64) {
                        Some(b) => V::Float(v.ln() / b.ln()),
                        None => V::Float(v.ln()),
                    }
                }
                F::MathFloor => V::Int(v.floor() as i64),
                _ => V::Int(v.ceil() as i64),
            })
        }
        F::MathFactorial => {
            let n = crate::py::builtins::index(pos.first().unwrap_or(&V::None))?;
            if n < 0 {
                return raise("ValueError", "factorial() not defined for negative values");
            }
            if n > 20_000 {
                return raise("OverflowError", "factorial() argument should not exceed 20000 in Threadline");
            }
            let mut acc = num_bigint::BigInt::from(1);
            for i in 2..=n {
                acc *= i;
            }
            Ok(V::from_big(acc))
        }
        F::MathGcd => {
            let mut g = num_bigint::BigInt::from(0);
            for v in &pos {
                let b = v
                    .to_big()
                    .ok_or(())
                    .or_else(|_| type_err(format!("'{}' object cannot be interpreted as an integer", v.type_name())))?;
                g = num_integer::Integer::gcd(&g, &b);
            }
            Ok(V::from_big(g))
        }
        F::MathIsclose => {
            let a = pos.first().and_then(crate::py::builtins::to_f64).unwrap_or(0.0);
            let b = pos.get(1).and_then(crate::py::builtins::to_f64).unwrap_or(0.0);
            let rel = kwarg(&mut kw, "rel_tol").and_then(|v| v.as_f64()).unwrap_or(1e-9);
            let abs = kwarg(&mut kw, "abs_tol").and_then(|v| v.as_f64()).unwrap_or(0.0);
            Ok(V::Bool(a == b || (a - b).abs() <= (rel * a.abs().max(b.abs())).max(abs)))
        }
        F::MathFsum => {
            // Correctly rounded, as CPython's (`fsum([0.1] * 10)` is 1.0).
            let items = it.collect_vec(pos.first().unwrap_or(&V::None))?;
            Ok(V::Float(crate::py::statistics::fsum(&items)?))
        }
        F::MathProd => {
            let items = it.collect_vec(pos.first().unwrap_or(&V::None))?;
            let mut acc = V::Int(1);
            for x in items {
                acc = it.binop(crate::py::ir::BinOp::Mul, &acc, &x)?;
            }
            Ok(acc)
        }
        F::Partial => {
            let mut pos = pos;
            if pos.is_empty() {
                return type_err("type 'partial' takes at least one argument");
            }
            let func = pos.remove(0);
            Ok(V::Native(Arc::new(Native::Partial(func, pos, kw))))
        }
        F::Reduce => {
            let func = pos.first().cloned().unwrap_or_default();
            let items = it.collect_vec(pos.get(1).unwrap_or(&V::None))?;
            let mut iter = items.into_iter();
            let mut acc = match pos.get(2).cloned().or_else(|| iter.next()) {
                Some(v) => v,
                None => return type_err("reduce() of empty iterable with no initial value"),
            };
            for x in iter {
                acc = it.call(&func, vec![acc, x], Vec::new())?;
            }
            Ok(acc)
        }
        F::Coll(c) => crate::py::collections::construct(it, c, pos, kw),
        F::Log(l) => crate::py::logging::call(it, l, pos, kw),
        F::NamedTuple => crate::py::namedtuple::namedtuple(it, pos, kw),
        F::ExceptHook => {
            // threading.__excepthook__(args): what CPython prints for a thread's exception.
            let Some(args) = pos.first() else {
                return type_err("excepthook() missing 1 required positional argument: 'args'");
            };
            let value = it.get_item(args, &V::Int(1))?;
            if exc::is_instance_of(&value, "SystemExit") {
                return Ok(V::None);
            }
            let thread = it.get_item(args, &V::Int(3))?;
            let name = match thread {
                V::None => thread_name_of(it, &current_thread_obj(it))?,
                t => thread_name_of(it, &t)?,
            };
            let e = crate::py::interp::Exc { value, tb: Vec::new() };
            let lines = crate::py::traceback_lines(it, &e, Some(format!("Exception in thread {name}:")), false);
            let mut text = lines.join("\n");
            text.push('\n');
            it.w.write_out(ctx, &text, true);
            Ok(V::None)
        }
        F::Nt(m) => crate::py::namedtuple::call(it, m, pos, kw),
        F::Heapq(h) => crate::py::heapq::call(it, h, pos, kw),
        F::Math(m) => crate::py::math::call(it, m, pos, kw),
        F::Bisect(b) => crate::py::bisect::call(it, b, pos, kw),
        F::Stats(s) => crate::py::statistics::call(it, s, pos, kw),
        F::Json(j) => crate::py::json::call(it, j, pos, kw),
        F::Operator(o) => crate::py::operator::call(it, o, pos, kw),
        F::Ft(x) => crate::py::functools::call(it, x, pos, kw),
        F::Iter(x) => crate::py::itertools::call(it, x, pos, kw),
        F::Ctx(x) => crate::py::contextlib::call(it, x, pos, kw),
        F::Aio(x) => crate::py::asyncio::call(it, x, pos, kw),
        F::Pp(x) => crate::py::pprint::call(it, x, pos, kw),
        F::Tb(x) => crate::py::traceback::call(it, x, pos, kw),
        F::Dt(x) => crate::py::datetime::call(it, x, pos, kw),
        F::GetRecursionLimit => Ok(V::Int(it.w.recursion_limit.load(std::sync::atomic::Ordering::Relaxed) as i64)),
        // Objects here are shared by reference too, but the interpreter's own copies (a
        // global's cached value, a shared variable's race-free twin) count as references where
        // CPython has none: a number would be off by one or two, so none is given.
        F::GetRefCount => raise(
            "NotImplementedError",
            "sys.getrefcount() is not available in Threadline: its objects are not counted as CPython counts them",
        ),
        F::SetRecursionLimit => {
            let n = pos.first().and_then(V::as_int);
            match n {
                // As CPython 3.11: not below the depth the caller is at now.
                Some(n) if n >= 1 && (n as usize) <= it.depth + 1 => raise(
                    "RecursionError",
                    format!(
                        "cannot set the recursion limit to {n} at the recursion depth {}: the limit is too low",
                        it.depth + 1
                    ),
                ),
                Some(n) if n >= 1 => {
                    it.w.recursion_limit
                        .store(n.min(i64::from(u32::MAX)) as usize, std::sync::atomic::Ordering::Relaxed);
                    Ok(V::None)
                }
                Some(_) => raise("ValueError", "recursion limit must be greater or equal than 1"),
                None => type_err("'setrecursionlimit' requires an integer"),
            }
        }
        F::ExcInfo => Ok(crate::py::traceback::exc_info(it)),
        F::Typing(x) => crate::py::typing::call(it, x, pos, kw),
        F::Text(x) => crate::py::textwrap::call(it, x, pos, kw),
        F::Uuid(x) => crate::py::uuid::call(it, x, pos, kw),
        F::Hash(x) => crate::py::hashlib::call(it, x, pos, kw),
        F::Capwords => crate::py::string::capwords(pos, kw),
        F::Dc(x) => crate::py::dataclasses::call(it, x, pos, kw),
        F::En(x) => crate::py::enums::call(it, x, pos, kw),
        F::Count => crate::py::itertools::count(pos, kw),
        F::ThreadPoolExecutor | F::ProcessPoolExecutor | F::Pool => {
            let mw =
                if f == F::Pool { arg(&pos, &mut kw, 0, "processes") } else { arg(&pos, &mut kw, 0, "max_workers") };
            let prefix = kwarg(&mut kw, "thread_name_prefix");
            // Pool(processes, initializer, initargs); the executors take two arguments first.
            let at = if f == F::Pool { 1 } else { 2 };
            let initializer = arg(&pos, &mut kw, at, "initializer");
            let initargs = arg(&pos, &mut kw, at + 1, "initargs");
            let init = match initializer {
                None | Some(V::None) => None,
                Some(f) => Some((
                    f,
                    match initargs {
                        None | Some(V::None) => Vec::new(),
                        Some(a) => it.collect_vec(&a)?,
                    },
                )),
            };
            let cores = threadline_model::trace::cores() as i64;
            let max_workers = match mw {
                None | Some(V::None) => {
                    if f == F::ThreadPoolExecutor {
                        (cores + 4).min(32)
                    } else {
                        cores
                    }
                }
                Some(v) => crate::py::builtins::index(&v)?,
            };
            if max_workers <= 0 {
                return raise(
                    "ValueError",
                    if f == F::Pool {
                        "Number of processes must be at least 1"
                    } else {
                        "max_workers must be greater than 0"
                    },
                );
            }
            if max_workers > 256 {
                return raise("ValueError", format!("Threadline runs pools of up to 256 workers, not {max_workers}"));
            }
            let style = match f {
                F::ThreadPoolExecutor => PoolStyle::ThreadPool,
                F::ProcessPoolExecutor => PoolStyle::ProcessPool,
                _ => PoolStyle::MpPool,
            };
            let prefix = match (style, prefix) {
                (PoolStyle::ThreadPool, Some(V::Str(p))) => p.to_string(),
                (PoolStyle::ThreadPool, _) => format!("ThreadPoolExecutor-{}", it.w.next_executor_number()),
                (PoolStyle::ProcessPool, _) => "ForkProcess".to_string(),
                _ => "ForkPoolWorker".to_string(),
            };
            let name = binding_name(it, if f == F::Pool { "pool" } else { "executor" });
            let res = it.w.add_resource(
                ctx,
                ResourceInfo {
                    name,
                    kind: ResourceKind::Pool,
                    capacity: max_workers,
                    style: Some(style),
                    duplex: None,
                },
            );
            let queue = Arc::new(Queue::with_order(res, 0, QueueOrder::Fifo));
            ctx.shared.register(queue.clone());
            let ex = Arc::new(ExecutorObj {
                res,
                process: ctx.process,
                max_workers: max_workers as usize,
                prefix,
                queue,
                st: Mutex::new(ExecState::default()),
                style,
                init,
            });
            it.w.executors.lock().push(ex.clone());
            if style == PoolStyle::MpPool {
                // multiprocessing.Pool starts all its workers at once.
                for _ in 0..ex.max_workers {
                    spawn_worker(it, &ex)?;
                }
            }
            Ok(V::Native(Arc::new(Native::Executor(ex))))
        }
        F::AsCompleted => {
            // A lazy iterator: each `next` waits for the next future to finish, so the loop
            // body runs as each one completes (CPython's as_completed is a generator).
            let futs = it.collect_vec(pos.first().unwrap_or(&V::None))?;
            let timeout = timeout_ms(arg(&pos, &mut kw, 1, "timeout"))?;
            let deadline = timeout.map(|ms| ctx.now() + ctx.scaled(ms));
            let mut pending: Vec<Arc<FutureObj>> = Vec::new();
            for f in &futs {
                match f {
                    V::Native(n) => match &**n {
                        Native::Future(fo) => {
                            if !pending.iter().any(|p| Arc::ptr_eq(p, fo)) {
                                pending.push(fo.clone());
                            }
                        }
                        _ => return type_err(format!("'{}' object is not a Future", f.type_name())),
                    },
                    _ => return type_err(format!("'{}' object is not a Future", f.type_name())),
                }
            }
            let total = pending.len();
            let state = AsCompleted { pending: Mutex::new(pending), deadline, total };
            Ok(V::Iter(Arc::new(Mutex::new(crate::py::value::PyIter::Completed(Arc::new(state))))))
        }
        F::Wait => {
            // concurrent.futures.wait(fs, timeout=None, return_when=ALL_COMPLETED): never
            // raises a task's exception; returns (done, not_done).
            let futs = it.collect_vec(pos.first().unwrap_or(&V::None))?;
            let timeout = timeout_ms(arg(&pos, &mut kw, 1, "timeout"))?;
            let when = match arg(&pos, &mut kw, 2, "return_when") {
                Some(V::Str(w)) => w.to_string(),
                _ => "ALL_COMPLETED".to_string(),
            };
            let deadline = timeout.map(|ms| ctx.now() + ctx.scaled(ms));
            let fobjs: Vec<Option<Arc<FutureObj>>> = futs
                .iter()
                .map(|f| match f {
                    V::Native(n) => match &**n {
                        Native::Future(fo) => Some(fo.clone()),
                        _ => None,
                    },
                    _ => None,
                })
                .collect();
            // CPython reaches for each one's `_condition`: a non-future fails at once.
            if let Some((bad, _)) = futs.iter().zip(&fobjs).find(|(_, f)| f.is_none()) {
                return raise("AttributeError", format!("'{}' object has no attribute '_condition'", bad.type_name()));
            }
            loop {
                ctx.check()?;
                let states: Vec<Option<bool>> = fobjs
                    .iter()
                    .map(|f| f.as_ref().and_then(|f| f.st.lock().done.as_ref().map(|r| r.is_err())))
                    .collect();
                let n_done = states.iter().filter(|s| s.is_some()).count();
                let satisfied = n_done == states.len()
                    || (when == "FIRST_COMPLETED" && n_done > 0)
                    || (when == "FIRST_EXCEPTION" && states.contains(&Some(true)));
                if satisfied || deadline.is_some_and(|d| ctx.now() >= d) {
                    let (mut done, mut not_done) = (Vec::new(), Vec::new());
                    for (f, st) in futs.iter().zip(&states) {
                        if st.is_some() { done.push(f.clone()) } else { not_done.push(f.clone()) }
                    }
                    let set = crate::py::ir::Builtin::Set;
                    let done = crate::py::builtins::call_builtin(it, set, vec![V::list(done)], Vec::new())?;
                    let not_done = crate::py::builtins::call_builtin(it, set, vec![V::list(not_done)], Vec::new())?;
                    static C: OnceLock<Arc<Class>> = OnceLock::new();
                    let class = C.get_or_init(|| {
                        let fields = ["done", "not_done"].map(String::from);
                        crate::py::namedtuple::make_class(
                            "DoneAndNotDoneFutures",
                            "concurrent.futures._base",
                            &fields,
                            Vec::new(),
                        )
                    });
                    return Ok(crate::py::namedtuple::instance(class, vec![done, not_done]));
                }
                let Some(f) = fobjs.iter().zip(&states).find_map(|(f, s)| if s.is_none() { f.clone() } else { None })
                else {
                    continue;
                };
                let step = ctx.now() + std::time::Duration::from_millis(2);
                let until = deadline.map_or(step, |d| d.min(step));
                ctx.blocking(WaitTarget::Resource(f.res), true, || {
                    let mut st = f.st.lock();
                    ctx.wait_until(&f.cv, &mut st, Some(until), |s| s.done.is_some())
                })?;
            }
        }
        F::CurrentProcess => Ok(it.w.process_object(ctx.process)),
        F::GetLogger => crate::py::logging::mp_logger(it, None),
        F::LogToStderr => {
            let level = arg(&pos, &mut kw, 0, "level");
            crate::py::logging::mp_logger(it, Some(level.unwrap_or(V::None)))
        }
        F::Pipe => {
            let duplex = arg(&pos, &mut kw, 0, "duplex").is_none_or(|v| v.truthy());
            let name = binding_name(it, "pipe");
            let res = it.w.add_resource(
                ctx,
                ResourceInfo { name, kind: ResourceKind::Pipe, capacity: 0, style: None, duplex: Some(duplex) },
            );
            let p = Arc::new(threadline_runtime::channels::Pipe::new_generic(res, duplex, ctx.process));
            ctx.shared.register(p.clone());
            it.w.pipes.lock().push(Arc::downgrade(&p));
            Ok(V::tuple(vec![V::Native(Arc::new(Native::Conn(p.clone(), 0))), V::Native(Arc::new(Native::Conn(p, 1)))]))
        }
        F::Value => {
            let ctype = c_type(arg(&pos, &mut kw, 0, "typecode_or_type"))?;
            let init = arg(&pos, &mut kw, 1, "value").unwrap_or(if ctype == "c_double" || ctype == "c_float" {
                V::Float(0.0)
            } else {
                V::Int(0)
            });
            let res = new_resource(it, binding_name(it, "value"), ResourceKind::Rlock, 0);
            let l = Arc::new(RLock::new(res));
            ctx.shared.register(l.clone());
            Ok(V::Native(Arc::new(Native::Shared(Arc::new(Mutex::new(init)), l, res, ctype))))
        }
        F::Array => {
            let ctype = c_type(arg(&pos, &mut kw, 0, "typecode_or_type"))?;
            let init = arg(&pos, &mut kw, 1, "size_or_initializer").unwrap_or(V::Int(0));
            let items = match &init {
                V::Int(n) => vec![V::Int(0); (*n).clamp(0, 1 << 20) as usize],
                other => it.collect_vec(other)?,
            };
            let res = new_resource(it, binding_name(it, "array"), ResourceKind::Rlock, 0);
            let l = Arc::new(RLock::new(res));
            ctx.shared.register(l.clone());
            Ok(V::Native(Arc::new(Native::Shared(Arc::new(Mutex::new(V::list(items))), l, res, ctype))))
        }
        F::Manager => Ok(V::Native(Arc::new(Native::Module(Mod::Multiprocessing)))),
        F::ThreadMethod(m) => thread_method(it, m, pos, kw),
        F::ExcMethod(m) => {
            let Some(me) = pos.first().cloned() else { return type_err("descriptor needs an argument") };
            match m {
                ExcMethod::Init => {
                    if let V::Inst(i) = &me {
                        i.dict.lock().insert(Arc::from("args"), V::tuple(pos[1..].to_vec()));
                    }
                    Ok(V::None)
                }
                ExcMethod::WithTraceback => Ok(me),
                ExcMethod::AddNote => {
                    let note = match pos.get(1) {
                        Some(n @ V::Str(_)) => n.clone(),
                        Some(other) => return type_err(format!("note must be a str, not '{}'", other.type_name())),
                        None => return type_err("BaseException.add_note() takes exactly one argument (0 given)"),
                    };
                    if let V::Inst(i) = &me {
                        let mut d = i.dict.lock();
                        match d.get("__notes__") {
                            Some(V::List(l)) => l.lock().push(note),
                            _ => {
                                d.insert(Arc::from("__notes__"), V::list(vec![note]));
                            }
                        }
                    }
                    Ok(V::None)
                }
                ExcMethod::Split | ExcMethod::Subgroup | ExcMethod::Derive => {
                    crate::py::excgroup::method(it, m.name(), &pos)
                }
            }
        }
    }
}
