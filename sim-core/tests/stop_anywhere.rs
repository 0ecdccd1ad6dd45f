//! Stop ends a run wherever its threads are: in a pure-Python loop, a native loop over an
//! endless iterator, or blocked in any primitive the library offers. Each program here never
//! ends by itself (checked: it is still running when Stop comes); every one must be joined
//! soon after Stop. The bound is generous for a loaded 2-core machine; the figure the README
//! gives (within 100 ms) is measured by `cargo test --test stop_anywhere -- --nocapture`.

use indexmap::IndexMap;
use sim_core::model::RuntimeSettings;
use sim_core::py::run::PyRun;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A thread that keeps the run alive without being deadlocked, so the watchdog does not end
/// a lone blocked main thread by itself.
const SLEEPER: &str =
    "import threading, time\nthreading.Thread(target=time.sleep, args=(100000,), daemon=True).start()\n";

const PROGRAMS: &[(&str, &str)] = &[
    ("a pure-Python loop", "while True:\n    pass"),
    ("a function-call loop", "def f():\n    return 1\nwhile True:\n    f()"),
    ("list() of an endless iterator", "import itertools\nlist(itertools.count())"),
    ("sorted() of an endless iterator", "import itertools\nsorted(itertools.count())"),
    ("a filter that never yields", "import itertools\nnext(filter(None, itertools.repeat(0)))"),
    (
        "a dropwhile that never stops dropping",
        "import itertools\nnext(itertools.dropwhile(lambda x: True, itertools.cycle('ab')))",
    ),
    ("time.sleep", "import time\ntime.sleep(100000)"),
    ("a generator that never ends", "def g():\n    while True:\n        yield 1\nfor _ in g():\n    pass"),
    (
        "asyncio tasks yielding to each other forever",
        "import asyncio\nasync def spin():\n    while True:\n        await asyncio.sleep(0)\nasync def main():\n    await asyncio.gather(spin(), spin())\nasyncio.run(main())",
    ),
    (
        "an asyncio loop idle on an Event nobody sets",
        "import asyncio\nasync def main():\n    await asyncio.Event().wait()\nasyncio.run(main())",
    ),
    ("an asyncio loop waiting for a long sleep", "import asyncio\nasyncio.run(asyncio.sleep(100000))"),
    ("Event.wait", "threading.Event().wait()"),
    ("Queue.get", "import queue\nqueue.Queue().get()"),
    ("Barrier.wait", "threading.Barrier(2).wait()"),
    (
        "Lock.acquire of a lock another thread holds",
        "l = threading.Lock()\ndef hold():\n    with l:\n        time.sleep(100000)\nthreading.Thread(target=hold).start()\ntime.sleep(0.01)\nl.acquire()",
    ),
    ("Condition.wait", "c = threading.Condition()\nwith c:\n    c.wait()"),
    ("Semaphore(0).acquire", "threading.Semaphore(0).acquire()"),
    ("Thread.join", "t = threading.Thread(target=time.sleep, args=(100000,))\nt.start()\nt.join()"),
    (
        "concurrent.futures.wait",
        "from concurrent.futures import ThreadPoolExecutor, wait\nex = ThreadPoolExecutor(1)\nwait([ex.submit(time.sleep, 100000)])",
    ),
    (
        "as_completed",
        "from concurrent.futures import ThreadPoolExecutor, as_completed\nex = ThreadPoolExecutor(1)\nfor f in as_completed([ex.submit(time.sleep, 100000)]):\n    pass",
    ),
    (
        "Future.result",
        "from concurrent.futures import ThreadPoolExecutor\nex = ThreadPoolExecutor(1)\nex.submit(time.sleep, 100000).result()",
    ),
    (
        "Pool.map",
        "from multiprocessing import Pool\nif __name__ == '__main__':\n    with Pool(2) as p:\n        p.map(time.sleep, [100000, 100000])",
    ),
    (
        "AsyncResult.get",
        "from multiprocessing import Pool\nif __name__ == '__main__':\n    with Pool(2) as p:\n        p.map_async(time.sleep, [100000]).get()",
    ),
    (
        "two threads fighting for the GIL, main joining",
        "def spin():\n    while True:\n        pass\nts = [threading.Thread(target=spin) for _ in range(2)]\nfor t in ts:\n    t.start()\nfor t in ts:\n    t.join()",
    ),
    (
        "multiprocessing.Queue.get in a child process",
        "import multiprocessing as mp\ndef child(q):\n    q.get()\nif __name__ == '__main__':\n    q = mp.Queue()\n    p = mp.Process(target=child, args=(q,))\n    p.start()\n    p.join()",
    ),
];

#[test]
fn stop_ends_every_kind_of_endless_run() {
    let mut slow = Vec::new();
    let mut worst = Duration::ZERO;
    for (what, body) in PROGRAMS {
        let src = format!("{SLEEPER}{body}\n");
        let prog = Arc::new(
            sim_core::py::compile("case.py", &src, &IndexMap::new()).unwrap_or_else(|e| panic!("{what}: {e}")),
        );
        let run = PyRun::start(prog, RuntimeSettings::default(), 0, None);
        std::thread::sleep(Duration::from_millis(200));
        assert!(!run.is_finished(), "{what}: the program ended by itself, so Stop was not tested");
        let t = Instant::now();
        run.stop();
        let _trace = run.finish(None);
        let took = t.elapsed();
        eprintln!("{what}: stopped and joined in {took:?}");
        worst = worst.max(took);
        if took > Duration::from_secs(2) {
            slow.push(format!("{what}: {took:?}"));
        }
    }
    eprintln!("worst stop: {worst:?}");
    assert!(slow.is_empty(), "runs that Stop did not end promptly:\n{}", slow.join("\n"));
}
