//! A check expression (`explore --check "counter == 4"`, a challenge's goal) evaluated on a
//! run's final module variables: compiled once, then evaluated directly on the values —
//! one expression in one frame on the caller's thread, with no thread started, no source
//! written and nothing compiled per run.

use super::interp::{Flow, Frame, Interp};
use super::value::{Class, ClassKind, Inst, InstNative, V};
use super::{Program, World};
use indexmap::IndexMap;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;
use threadline_model::model::{GilMode, ProcessMeta, RuntimeSettings, ThreadMeta};
use threadline_runtime::footprint::Mutex as TMutex;
use threadline_runtime::recorder::Recorder;
use threadline_runtime::rt::Shared;

/// The global the compiled check stores its value in.
const RESULT: &str = "__tl_check__";

/// How long one evaluation may take (a check like `sum(range(10**12))` is stopped).
const EVAL_LIMIT: std::time::Duration = std::time::Duration::from_secs(10);

/// A compiled check expression.
#[derive(Debug)]
pub struct CheckExpr {
    prog: Arc<Program>,
    result_slot: usize,
    watch: Watch,
}

/// Stops evaluations that run past [`EVAL_LIMIT`]: one thread per compiled check, started
/// the first time an evaluation needs watching and joined when the check is dropped.
#[derive(Default)]
struct Watch {
    state: Arc<(Mutex<WatchState>, parking_lot::Condvar)>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

#[derive(Default)]
struct WatchState {
    /// Evaluations under way: (id, deadline, their runtime to stop).
    active: Vec<(u64, std::time::Instant, Arc<Shared>)>,
    next: u64,
    quit: bool,
}

impl std::fmt::Debug for Watch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Watch")
    }
}

impl Watch {
    /// Watch `shared` until the returned id is [`Self::done`].
    fn start(&self, shared: &Arc<Shared>) -> u64 {
        let (m, cv) = &*self.state;
        let id = {
            let mut st = m.lock();
            st.next += 1;
            let id = st.next;
            st.active.push((id, std::time::Instant::now() + EVAL_LIMIT, Arc::clone(shared)));
            id
        };
        cv.notify_all();
        self.ensure_thread();
        id
    }

    /// Start the watching thread if it is not running. Done when the check is compiled, on
    /// the compiling thread: a thread inherits where its maker may run, and an explore worker
    /// (which would otherwise start it at the first evaluation) is kept to one core.
    fn ensure_thread(&self) {
        let mut t = self.thread.lock();
        if t.is_none() {
            let state = Arc::clone(&self.state);
            *t = std::thread::Builder::new().name("tl:check-watch".into()).spawn(move || watch(&state)).ok();
        }
    }

    fn done(&self, id: u64) {
        let (m, cv) = &*self.state;
        m.lock().active.retain(|(i, _, _)| *i != id);
        cv.notify_all();
    }
}

fn watch(state: &(Mutex<WatchState>, parking_lot::Condvar)) {
    let (m, cv) = state;
    let mut st = m.lock();
    while !st.quit {
        let now = std::time::Instant::now();
        for (_, deadline, shared) in &st.active {
            if *deadline <= now {
                shared.request_stop();
            }
        }
        match st.active.iter().map(|(_, d, _)| *d).filter(|d| *d > now).min() {
            Some(d) => {
                cv.wait_until(&mut st, d);
            }
            None => cv.wait(&mut st),
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let (m, cv) = &*self.state;
        m.lock().quit = true;
        cv.notify_all();
        if let Some(t) = self.thread.lock().take() {
            let _ = t.join();
        }
    }
}

impl CheckExpr {
    /// Compile `expr`; the error says what is wrong with it, and where, in Python's words.
    pub fn compile(expr: &str) -> Result<Self, String> {
        if expr.trim().is_empty() {
            return Err("the check is empty: write a Python expression, for example `counter == 4`".into());
        }
        if expr.contains(['\n', '\r']) {
            return Err("the check is one expression on one line".into());
        }
        // Parenthesised, so `a ==` cannot run into the next line and a trailing comment
        // cannot hide the closing bracket.
        let src = format!("{RESULT} = (\n{expr}\n)\n");
        let prog = super::compile("<check>", &src, &IndexMap::new()).map_err(|e| {
            let col = if e.line == 2 { format!(", column {}", e.col) } else { String::new() };
            format!("{}: {}{col}", e.ty, e.message)
        })?;
        if prog.body.len() != 1 {
            return Err("the check is one expression, not statements".into());
        }
        let result_slot = prog
            .globals
            .iter()
            .position(|g| &**g == RESULT)
            .ok_or_else(|| "the check could not be compiled (a Threadline bug)".to_string())?;
        let watch = Watch::default();
        watch.ensure_thread();
        Ok(CheckExpr { prog: Arc::new(prog), result_slot, watch })
    }

    /// The names the expression reads.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.prog.globals.iter().map(|g| &**g).filter(|g| *g != RESULT && !g.starts_with("__"))
    }

    /// Evaluate over `values` (a run's final module variables): Ok(truthy) or the Python
    /// error it raised, as `NameError: name 'x' is not defined`.
    pub fn eval(&self, values: &[(String, V)]) -> Result<bool, String> {
        let world = World::new_at(Arc::clone(&self.prog), 0, 1.7e9);
        let settings = RuntimeSettings { gil: GilMode::FreeThreaded, ..RuntimeSettings::default() };
        let main = ThreadMeta { name: "MainThread".into(), process: 0, daemon: false, target: None };
        let process = ProcessMeta { name: "MainProcess".into(), pid: world.pid_of(0) };
        let shared = Shared::new(settings, vec![main], vec![process], Recorder::with_limit(None, 10_000));
        *world.shared_ref.lock() = Some(Arc::downgrade(&shared));
        let pw = world.proc(0);
        let mut classes = HashMap::new();
        for (name, v) in values {
            if let Some(slot) = self.prog.globals.iter().position(|g| **g == **name) {
                pw.globals[slot].lock().value = Some(detach(v, &mut classes, 0));
            }
        }
        let ctx = shared.ctx(0);
        let watched = self.watch.start(&shared);
        let mut it = Interp::new(&ctx, &world, Arc::clone(&pw));
        // The caller's thread may have a small stack: a check nests few calls.
        it.depth = super::interp::RECURSION_LIMIT - 64;
        let mut frame = Frame { locals: &mut [], closure: &[], class_ns: None, func: None, line: 1 };
        let r = match it.block(&mut frame, &self.prog.body) {
            Ok(()) => {
                let v = pw.globals[self.result_slot].lock().value.clone().unwrap_or(V::None);
                it.truthy(&v).map_err(|f| flow_words(&mut it, f))
            }
            Err(f) => Err(flow_words(&mut it, f)),
        };
        drop(it);
        self.watch.done(watched);
        shared.request_stop();
        r
    }
}

/// `v` for the check's own world: an object becomes a plain object of a class of the same
/// name holding the same attributes (so `account.balance` reads as in the run), with none of
/// its class's methods — the program's code belongs to the program's world, whose globals the
/// check does not have. Containers are copied with their items detached.
fn detach(v: &V, classes: &mut HashMap<std::sync::Arc<str>, std::sync::Arc<Class>>, depth: usize) -> V {
    if depth > 64 {
        return V::None;
    }
    match v {
        V::Inst(i) => {
            let class = classes
                .entry(i.class.name.clone())
                .or_insert_with(|| {
                    super::exc::build_class(
                        i.class.name.clone(),
                        std::sync::Arc::from("__main__"),
                        vec![super::exc::object_class()],
                        Default::default(),
                        ClassKind::Plain,
                    )
                })
                .clone();
            let attrs = i.dict.lock().clone();
            let dict = attrs.into_iter().map(|(k, x)| (k, detach(&x, classes, depth + 1))).collect();
            V::Inst(std::sync::Arc::new(Inst {
                class,
                dict: TMutex::new(dict),
                native: TMutex::new(InstNative::None),
                hrep: Default::default(),
            }))
        }
        V::List(l) => {
            let items: Vec<V> = l.lock().iter().map(|x| detach(x, classes, depth + 1)).collect();
            V::list(items)
        }
        V::Tuple(t) => V::tuple(t.iter().map(|x| detach(x, classes, depth + 1)).collect()),
        V::Dict(d) => {
            let mut copy = d.lock().clone();
            for (_, (_, x)) in copy.map.iter_mut() {
                *x = detach(x, classes, depth + 1);
            }
            V::Dict(std::sync::Arc::new(TMutex::new(copy)))
        }
        other => other.clone(),
    }
}

fn flow_words(it: &mut Interp<'_>, f: Flow) -> String {
    match f {
        Flow::Exc(e) => {
            let err = super::exc_error(it, &e.value);
            if err.message.is_empty() { err.ty } else { format!("{}: {}", err.ty, err.message) }
        }
        Flow::Halt(_) => format!("it took longer than {} s, and was stopped", EVAL_LIMIT.as_secs()),
        _ => "the check did not give a value".into(),
    }
}
