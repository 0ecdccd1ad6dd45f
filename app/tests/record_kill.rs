//! A recording still running when the app closes is killed with everything it forked
//! (`threadline::record::kill_all`, called when the window's event loop ends). Alone in its
//! test binary: `kill_all` ends every recording of the process. Skipped without python3.

use std::time::{Duration, Instant};
use threadline::record::{default_python, kill_all, record};

#[test]
fn kill_all_ends_a_recording_that_would_run_for_a_minute() {
    if !std::process::Command::new(default_python()).arg("--version").output().is_ok_and(|o| o.status.success()) {
        eprintln!("skipped: no python3");
        return;
    }
    // A deadlock: in CPython it hangs until the recording's limit (60 s here).
    let src = "import threading\na = threading.Lock()\nb = threading.Lock()\na.acquire()\nb.acquire()\n\
               def f():\n    with b:\n        pass\nt = threading.Thread(target=f)\nt.start()\nt.join()\n";
    let t0 = Instant::now();
    let job = std::thread::spawn(move || {
        record("hang.py", src, &Default::default(), &default_python(), Duration::from_secs(60), |_| {})
    });
    std::thread::sleep(Duration::from_millis(1500));
    kill_all();
    let r = job.join().expect("the recording thread ends");
    assert!(t0.elapsed() < Duration::from_secs(20), "killed, not waited out: {:?}", t0.elapsed());
    let rec = r.expect("a trace of what happened until then");
    assert_eq!(rec.exit_code, None, "killed by a signal, no exit status");
}
