//! The code panel's bytecode view: a line as CPython 3.11 compiles it, where the eval
//! breaker lets another thread in, and where each thread on the line is.
//!
//! Threadline's interpreter walks the program's tree, so a thread's position inside a line
//! is known from what it is doing, not from a program counter: a thread blocked in a lock,
//! a queue, a join or a sleep is inside a `CALL` (the one whose method matches, when the
//! line has several); a thread switched out while holding nothing waits at one of the
//! instructions where the eval breaker is checked; a running thread is somewhere on the
//! line. [`position`] says which, and whether it is sure. Pure, unit-tested; the panel
//! only draws it.

use sim_core::event::WaitTarget;
use sim_core::model::{GilMode, ResourceKind};
use sim_core::py::dis::Instr;
use sim_core::timeline::ThreadState;

/// Where a thread is among a line's instructions (indices into them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Where {
    /// At this instruction.
    At(usize),
    /// At one of these.
    OneOf(Vec<usize>),
    /// Running the line: no single instruction.
    Running,
}

/// Whether the eval breaker is checked at `ins` under `mode`: the points where another
/// thread may take the GIL before the next instruction runs.
pub fn switch_point(ins: &Instr, mode: GilMode) -> bool {
    match mode {
        // 3.9 checks at (nearly) every instruction; free-threaded has no GIL to hand over.
        GilMode::Cpython39 => true,
        GilMode::FreeThreaded => false,
        _ => {
            ins.op == "CALL"
                || ins.op == "CALL_FUNCTION_EX"
                || (ins.op == "RESUME" && ins.arg == Some(0))
                || ins.op == "JUMP_BACKWARD"
                || ins.op.starts_with("POP_JUMP_BACKWARD")
        }
    }
}

/// The function each call on a line calls, by name when the code says it (`acquire` for
/// `lock.acquire()`, `sleep` for `time.sleep(…)`, `__enter__` for a `with`), indexed like
/// `instrs`; `None` for instructions that are not calls.
pub fn callees(instrs: &[&Instr]) -> Vec<Option<String>> {
    let mut stack: Vec<String> = Vec::new();
    let mut out = vec![None; instrs.len()];
    // Right after PUSH_NULL the next load is the callee; while `chain`, each LOAD_ATTR after
    // it names the callee instead (`threading.Thread`, `time.sleep`).
    let (mut after_null, mut chain) = (false, false);
    for (i, x) in instrs.iter().enumerate() {
        let was_chain = chain;
        chain = false;
        match x.op {
            "PUSH_NULL" => {
                stack.push(String::new());
                after_null = true;
                continue;
            }
            "LOAD_NAME" | "LOAD_GLOBAL" | "LOAD_FAST" | "LOAD_DEREF" if after_null => {
                if let Some(top) = stack.last_mut() {
                    *top = x.argrepr.clone();
                }
                chain = true;
            }
            "LOAD_ATTR" if was_chain => {
                if let Some(top) = stack.last_mut() {
                    *top = x.argrepr.clone();
                }
                chain = true;
            }
            "LOAD_GLOBAL" if x.argrepr.starts_with("NULL + ") => {
                stack.push(x.argrepr.trim_start_matches("NULL + ").to_owned());
                chain = true;
            }
            "LOAD_METHOD" => stack.push(x.argrepr.clone()),
            "BEFORE_WITH" | "BEFORE_ASYNC_WITH" => out[i] = Some("__enter__".into()),
            "CALL" | "CALL_FUNCTION_EX" => out[i] = Some(stack.pop().unwrap_or_default()),
            _ => {}
        }
        after_null = false;
    }
    out
}

/// The methods a thread blocked on `target` is in.
fn blocking_methods(
    target: Option<WaitTarget>,
    kind: Option<ResourceKind>,
    state: ThreadState,
) -> &'static [&'static str] {
    match (state, target, kind) {
        (ThreadState::Sleep, ..) => &["sleep"],
        (_, Some(WaitTarget::Thread(_)), _) => &["join", "result", "get", "map", "wait"],
        (
            _,
            _,
            Some(ResourceKind::Lock | ResourceKind::Rlock | ResourceKind::Semaphore | ResourceKind::BoundedSemaphore),
        ) => &["acquire", "__enter__"],
        (_, _, Some(ResourceKind::Condition)) => &["wait", "wait_for", "acquire", "__enter__"],
        (_, _, Some(ResourceKind::Event | ResourceKind::Barrier)) => &["wait"],
        (_, _, Some(ResourceKind::Queue)) => &["get", "put", "join"],
        (_, _, Some(ResourceKind::Pipe)) => &["recv", "send", "poll"],
        (_, _, Some(ResourceKind::Pool)) => &["result", "get", "map", "join", "shutdown", "submit"],
        _ => &[],
    }
}

/// Where a thread in `state` is among `instrs` (one line's instructions, in order).
/// `before` is its state just before this one (a thread that waits for the GIL after a
/// sleep or a lock is still returning from that call). `kind` is the resource a blocked
/// thread waits for.
pub fn position(
    instrs: &[&Instr],
    state: ThreadState,
    before: Option<ThreadState>,
    kind: Option<ResourceKind>,
    mode: GilMode,
) -> Where {
    let calls: Vec<usize> = instrs
        .iter()
        .enumerate()
        .filter(|(_, x)| matches!(x.op, "CALL" | "CALL_FUNCTION_EX" | "BEFORE_WITH" | "BEFORE_ASYNC_WITH"))
        .map(|(i, _)| i)
        .collect();
    let pick = |set: Vec<usize>| match set.len() {
        0 => Where::Running,
        1 => Where::At(set[0]),
        _ => Where::OneOf(set),
    };
    let in_call = |target: Option<WaitTarget>, st: ThreadState| {
        let names = blocking_methods(target, kind, st);
        let who = callees(instrs);
        let matching: Vec<usize> =
            calls.iter().copied().filter(|&i| who[i].as_deref().is_some_and(|n| names.contains(&n))).collect();
        pick(if matching.is_empty() { calls.clone() } else { matching })
    };
    match state {
        ThreadState::Blocked(w) => in_call(Some(w), state),
        ThreadState::Sleep | ThreadState::Io => in_call(None, state),
        ThreadState::WaitingGil => match before {
            // Back from a call that let the GIL go: still returning from it.
            Some(b @ (ThreadState::Blocked(_) | ThreadState::Sleep | ThreadState::Io)) => {
                in_call(if let ThreadState::Blocked(w) = b { Some(w) } else { None }, b)
            }
            _ => {
                if mode == GilMode::Cpython39 {
                    return Where::Running;
                }
                // Switched out at the eval breaker: before the instruction after a CALL,
                // or at a backward jump or a function's RESUME.
                let mut at: Vec<usize> = Vec::new();
                for (i, x) in instrs.iter().enumerate() {
                    if switch_point(x, mode) {
                        let next = if matches!(x.op, "CALL" | "CALL_FUNCTION_EX") { i + 1 } else { i };
                        at.push(next.min(instrs.len() - 1));
                    }
                }
                at.dedup();
                pick(at)
            }
        },
        _ => Where::Running,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim_core::py::dis::dis;

    fn line_of(src: &str, needle: &str) -> u32 {
        src.lines().position(|l| l.contains(needle)).expect("the line") as u32 + 1
    }

    const SRC: &str = "import threading, time\nlock = threading.Lock()\ncounter = 0\n\ndef work(q):\n    global counter\n    for _ in range(3):\n        counter += 1\n    with lock:\n        pass\n    print(q.get(), lock.acquire())\n    time.sleep(0.1)\n";

    fn instrs(line: u32) -> Vec<Instr> {
        let l = dis(SRC, "t.py").unwrap();
        l.at_line(line).into_iter().map(|(_, i)| i.clone()).collect()
    }

    #[test]
    fn a_preempted_increment_waits_at_the_loops_back_edge() {
        let xs = instrs(line_of(SRC, "counter += 1"));
        let refs: Vec<&Instr> = xs.iter().collect();
        let w = position(&refs, ThreadState::WaitingGil, Some(ThreadState::Running), None, GilMode::Cpython310);
        let Where::At(i) = w else { panic!("{w:?}") };
        assert_eq!(refs[i].op, "JUMP_BACKWARD");
        // Under 3.9 any instruction could be next: no single one is claimed.
        assert_eq!(position(&refs, ThreadState::WaitingGil, None, None, GilMode::Cpython39), Where::Running);
        // Only the back edge is a 3.10+ switch point on that line.
        let points: Vec<&str> = refs.iter().filter(|x| switch_point(x, GilMode::Cpython310)).map(|x| x.op).collect();
        assert_eq!(points, ["JUMP_BACKWARD"]);
    }

    #[test]
    fn a_thread_blocked_on_a_lock_is_in_the_call_that_takes_it() {
        let xs = instrs(line_of(SRC, "print(q.get()"));
        let refs: Vec<&Instr> = xs.iter().collect();
        let who = callees(&refs);
        let names: Vec<&str> = who.iter().flatten().map(String::as_str).collect();
        assert_eq!(names, ["get", "acquire", "print"]);
        let w = position(
            &refs,
            ThreadState::Blocked(WaitTarget::Resource(0)),
            None,
            Some(ResourceKind::Lock),
            GilMode::Cpython310,
        );
        let Where::At(i) = w else { panic!("{w:?}") };
        assert_eq!(who[i].as_deref(), Some("acquire"));
        let w = position(
            &refs,
            ThreadState::Blocked(WaitTarget::Resource(1)),
            None,
            Some(ResourceKind::Queue),
            GilMode::Cpython310,
        );
        let Where::At(i) = w else { panic!("{w:?}") };
        assert_eq!(who[i].as_deref(), Some("get"));
        // Returning from the lock, waiting for the GIL: still in the acquire call.
        let w = position(
            &refs,
            ThreadState::WaitingGil,
            Some(ThreadState::Blocked(WaitTarget::Resource(0))),
            Some(ResourceKind::Lock),
            GilMode::Cpython310,
        );
        assert!(matches!(w, Where::At(i) if who[i].as_deref() == Some("acquire")), "{w:?}");
    }

    #[test]
    fn a_calls_callee_is_its_function_not_its_argument() {
        let src = "import time\nf = print\nx = 1\nf(x)\ndef g():\n    time.sleep(x)\n";
        let l = dis(src, "t.py").unwrap();
        for (line, want) in [(4, "f"), (6, "sleep")] {
            let xs: Vec<Instr> = l.at_line(line).into_iter().map(|(_, i)| i.clone()).collect();
            let refs: Vec<&Instr> = xs.iter().collect();
            let names: Vec<String> = callees(&refs).into_iter().flatten().collect();
            assert_eq!(names, [want], "line {line}");
        }
    }

    #[test]
    fn with_lock_waits_in_before_with_and_sleep_in_its_call() {
        let xs = instrs(line_of(SRC, "with lock:"));
        let refs: Vec<&Instr> = xs.iter().collect();
        let w = position(
            &refs,
            ThreadState::Blocked(WaitTarget::Resource(0)),
            None,
            Some(ResourceKind::Lock),
            GilMode::Cpython310,
        );
        let Where::At(i) = w else { panic!("{w:?}") };
        assert_eq!(refs[i].op, "BEFORE_WITH");
        let xs = instrs(line_of(SRC, "time.sleep"));
        let refs: Vec<&Instr> = xs.iter().collect();
        let w = position(&refs, ThreadState::Sleep, None, None, GilMode::Cpython310);
        let Where::At(i) = w else { panic!("{w:?}") };
        assert_eq!(refs[i].op, "CALL");
        assert_eq!(position(&refs, ThreadState::Running, None, None, GilMode::Cpython310), Where::Running);
    }
}
