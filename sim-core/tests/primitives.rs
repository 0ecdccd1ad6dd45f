//! Each primitive's Python semantics and Python's exact messages, including the cases that
//! must not raise.

mod common;
use common::{Body, run_threads};
use sim_core::channels::{Pipe, Queue};
use sim_core::event::EventKind;
use sim_core::model::{GilMode, RuntimeSettings};
use sim_core::pyerror::PyError;
use sim_core::rt::Unwind;
use sim_core::sync::{Acquire, Condition, Event, Lock, RLock, Semaphore};
use sim_core::value::Value;
use std::sync::{Arc, Mutex};

fn free() -> RuntimeSettings {
    RuntimeSettings { gil: GilMode::FreeThreaded, ..RuntimeSettings::default() }
}

fn raised(r: Result<impl std::fmt::Debug, Unwind>) -> String {
    match r {
        Err(Unwind::Raise(e)) => e.to_string(),
        other => panic!("expected an exception, got {other:?}"),
    }
}

/// Run one body on one thread and return what it stored.
fn one<T: Send + 'static>(f: impl FnOnce(&sim_core::rt::Ctx) -> T + Send + 'static) -> T {
    let out = Arc::new(Mutex::new(None));
    let o = Arc::clone(&out);
    let body: Body = Box::new(move |ctx| {
        *o.lock().unwrap() = Some(f(ctx));
        Ok(())
    });
    run_threads(RuntimeSettings::default(), vec![(0, body)]);
    out.lock().unwrap().take().expect("body ran")
}

#[test]
fn lock_messages_and_non_raising_cases() {
    one(|ctx| {
        let l = Lock::new(0);
        assert_eq!(raised(l.release(ctx)), "RuntimeError: release unlocked lock");
        assert_eq!(
            raised(l.acquire(ctx, false, Some(1.0))),
            "ValueError: can't specify a timeout for a non-blocking call"
        );
        assert!(l.acquire(ctx, true, None).unwrap());
        // Held: a non-blocking attempt and a timed attempt fail without raising.
        assert!(!l.acquire(ctx, false, None).unwrap());
        assert!(!l.acquire(ctx, true, Some(5.0)).unwrap());
        l.release(ctx).unwrap();
        assert!(!l.locked());
    });
}

#[test]
fn lock_may_be_released_by_another_thread() {
    let lock = Arc::new(Lock::new(0));
    let (a, b) = (Arc::clone(&lock), Arc::clone(&lock));
    let t1: Body = Box::new(move |ctx| {
        a.acquire(ctx, true, None)?;
        Ok(())
    });
    let t2: Body = Box::new(move |ctx| b.release(ctx));
    let (_, events) = run_threads(free(), vec![(0, t1), (50, t2)]);
    assert!(!lock.locked());
    assert!(events.iter().any(|e| e.thread == 2 && matches!(e.kind, EventKind::Released { .. })));
}

#[test]
fn rlock_depth_and_messages() {
    one(|ctx| {
        let r = RLock::new(0);
        assert_eq!(raised(r.release(ctx)), "RuntimeError: cannot release un-acquired lock");
        for _ in 0..3 {
            assert!(r.acquire(ctx, true, None).unwrap());
        }
        assert_eq!(r.state().1, 3);
        for _ in 0..3 {
            r.release(ctx).unwrap();
        }
        assert_eq!(r.state(), (None, 0));
        assert_eq!(raised(r.release(ctx)), "RuntimeError: cannot release un-acquired lock");
    });
}

#[test]
fn rlock_release_by_non_owner_raises() {
    let r = Arc::new(RLock::new(0));
    let (a, b) = (Arc::clone(&r), Arc::clone(&r));
    let seen = Arc::new(Mutex::new(String::new()));
    let s = Arc::clone(&seen);
    let t1: Body = Box::new(move |ctx| {
        a.acquire(ctx, true, None)?;
        ctx.sleep(100.0, true)?;
        a.release(ctx)
    });
    let t2: Body = Box::new(move |ctx| {
        *s.lock().unwrap() = raised(b.release(ctx));
        Ok(())
    });
    run_threads(free(), vec![(0, t1), (30, t2)]);
    assert_eq!(*seen.lock().unwrap(), "RuntimeError: cannot release un-acquired lock");
}

#[test]
fn semaphores() {
    assert_eq!(Semaphore::new(0, -1, false).err(), Some(PyError::semaphore_negative()));
    assert_eq!(PyError::semaphore_negative().to_string(), "ValueError: semaphore initial value must be >= 0");
    one(|ctx| {
        let plain = Semaphore::new(0, 1, false).unwrap();
        plain.acquire(ctx, true, None).unwrap();
        plain.release(ctx).unwrap();
        plain.release(ctx).unwrap(); // allowed: the counter just goes above its start
        assert_eq!(plain.value(), 2);
        let bounded = Semaphore::new(1, 1, true).unwrap();
        bounded.acquire(ctx, true, None).unwrap();
        bounded.release(ctx).unwrap();
        assert_eq!(raised(bounded.release(ctx)), "ValueError: Semaphore released too many times");
        let zero = Semaphore::new(2, 0, false).unwrap();
        assert!(!zero.acquire(ctx, false, None).unwrap());
        assert!(!zero.acquire(ctx, true, Some(5.0)).unwrap());
    });
}

#[test]
fn condition_messages_and_notify_order() {
    one(|ctx| {
        let c = Condition::new(0);
        assert_eq!(raised(c.wait(ctx, None)), "RuntimeError: cannot wait on un-acquired lock");
        assert_eq!(raised(c.notify(ctx, Some(1))), "RuntimeError: cannot notify on un-acquired lock");
        c.acquire(ctx, true, None).unwrap();
        assert!(!c.wait(ctx, Some(5.0)).unwrap(), "a timed-out wait returns False");
        assert_eq!(c.notify(ctx, Some(1)).unwrap(), 0, "notify with no waiters wakes nobody and does not raise");
        c.release(ctx).unwrap();
    });
    // notify(1) wakes the oldest waiter first.
    let c = Arc::new(Condition::new(0));
    let order = Arc::new(Mutex::new(Vec::new()));
    let waiter = |name: &'static str| -> Body {
        let (c, order) = (Arc::clone(&c), Arc::clone(&order));
        Box::new(move |ctx| {
            c.acquire(ctx, true, None)?;
            c.wait(ctx, Some(3000.0))?;
            order.lock().unwrap().push(name);
            c.release(ctx)
        })
    };
    let c2 = Arc::clone(&c);
    let notifier: Body = Box::new(move |ctx| {
        for _ in 0..2 {
            c2.acquire(ctx, true, None)?;
            c2.notify(ctx, Some(1))?;
            c2.release(ctx)?;
            ctx.sleep(50.0, true)?;
        }
        Ok(())
    });
    run_threads(free(), vec![(0, waiter("first")), (40, waiter("second")), (120, notifier)]);
    assert_eq!(*order.lock().unwrap(), vec!["first", "second"]);
}

#[test]
fn event_wait_and_set() {
    let ev = Arc::new(Event::new(0));
    let (a, b) = (Arc::clone(&ev), Arc::clone(&ev));
    let got = Arc::new(Mutex::new(Vec::new()));
    let g = Arc::clone(&got);
    let waiter: Body = Box::new(move |ctx| {
        g.lock().unwrap().push(a.wait(ctx, Some(5.0))?);
        g.lock().unwrap().push(a.wait(ctx, None)?);
        Ok(())
    });
    let setter: Body = Box::new(move |ctx| {
        b.set(ctx);
        Ok(())
    });
    run_threads(free(), vec![(0, waiter), (80, setter)]);
    assert_eq!(*got.lock().unwrap(), vec![false, true]);
}

#[test]
fn queue_semantics() {
    one(|ctx| {
        let q = Queue::new(0, 2);
        q.put(ctx, Value::Int(1), true, None).unwrap();
        q.put(ctx, Value::Int(2), true, None).unwrap();
        assert_eq!(raised(q.put(ctx, Value::Int(3), false, None)), "queue.Full");
        assert_eq!(raised(q.put(ctx, Value::Int(3), true, Some(5.0))), "queue.Full");
        assert_eq!(q.get(ctx, true, None).unwrap(), Value::Int(1), "FIFO");
        assert_eq!(q.get(ctx, false, None).unwrap(), Value::Int(2));
        assert_eq!(raised(q.get(ctx, false, None)), "queue.Empty");
        assert_eq!(raised(q.get(ctx, true, Some(5.0))), "queue.Empty");
        q.task_done(ctx).unwrap();
        q.task_done(ctx).unwrap();
        assert_eq!(raised(q.task_done(ctx)), "ValueError: task_done() called too many times");
        q.join(ctx).unwrap(); // nothing unfinished: returns at once
    });
}

#[test]
fn pipe_semantics() {
    one(|ctx| {
        let p = Pipe::new(0, true);
        p.send(ctx, 1, Value::Str("hi".into())).unwrap();
        p.send(ctx, 0, Value::Int(7)).unwrap();
        assert_eq!(p.recv(ctx, 0).unwrap(), Value::Str("hi".into()));
        assert_eq!(p.recv(ctx, 1).unwrap(), Value::Int(7));
        p.close(ctx, 1).unwrap();
        assert_eq!(raised(p.recv(ctx, 0)), "EOFError");
        assert_eq!(raised(p.send(ctx, 1, Value::None)), "OSError: handle is closed");
        let one_way = Pipe::new(1, false);
        assert_eq!(raised(one_way.send(ctx, 0, Value::None)), "OSError: connection is read-only");
    });
}

#[test]
fn an_exception_ends_only_its_thread() {
    let t1: Body = Box::new(|ctx| Lock::new(0).release(ctx));
    let t2: Body = Box::new(|ctx| ctx.sleep(50.0, true));
    let (_, events) = run_threads(RuntimeSettings::default(), vec![(0, t1), (0, t2)]);
    assert!(events.iter().any(|e| e.thread == 1
        && matches!(&e.kind, EventKind::ThreadRaised { error } if error.to_string() == "RuntimeError: release unlocked lock")));
    assert!(events.iter().any(|e| e.thread == 2 && e.kind == EventKind::ThreadFinished));
    assert!(
        events.iter().any(|e| matches!(&e.kind, EventKind::Print { line, .. } if line == "Exception in thread T1:"))
    );
}

#[test]
fn a_panic_inside_a_scenario_thread_is_reported_on_its_lane() {
    let t1: Body = Box::new(|_ctx| panic!("boom"));
    let t2: Body = Box::new(|ctx| ctx.sleep(20.0, true));
    let (_, events) = run_threads(RuntimeSettings::default(), vec![(0, t1), (0, t2)]);
    assert!(events.iter().any(|e| e.thread == 1
        && matches!(&e.kind, EventKind::ThreadRaised { error } if error.ty == "SystemError" && error.message.contains("boom"))));
    assert!(events.iter().any(|e| e.thread == 2 && e.kind == EventKind::ThreadFinished), "the other thread goes on");
}
