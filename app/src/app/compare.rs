//! Comparing two runs: their outputs as multisets and their summaries in words.

use super::ThreadlineApp;

/// What two runs' summaries differ in, for the compare view.
#[derive(Clone)]
pub struct Comparison {
    /// The two summaries compared (their identity is the memo's key).
    of: (std::sync::Arc<sim_core::summary::Summary>, std::sync::Arc<sim_core::summary::Summary>),
    /// [`output_difference`].
    pub output: (usize, usize),
    /// [`summary_differences`].
    pub differences: Vec<String>,
}

impl ThreadlineApp {
    /// Compare two summaries, reusing the last comparison while they are the same ones.
    pub fn comparison(
        &self,
        a: &std::sync::Arc<sim_core::summary::Summary>,
        b: &std::sync::Arc<sim_core::summary::Summary>,
    ) -> Comparison {
        let mut memo = self.comparison_memo.borrow_mut();
        if let Some(c) = &*memo
            && std::sync::Arc::ptr_eq(&c.of.0, a)
            && std::sync::Arc::ptr_eq(&c.of.1, b)
        {
            return c.clone();
        }
        let c = Comparison {
            of: (a.clone(), b.clone()),
            output: output_difference(&a.output, &b.output),
            differences: summary_differences(a, b),
        };
        *memo = Some(c.clone());
        c
    }
}

/// Lines of `a` not in `b` and of `b` not in `a`, as multisets (the same lines in another
/// order are no difference: threads interleave differently from run to run).
pub fn output_difference(a: &[String], b: &[String]) -> (usize, usize) {
    let mut count: std::collections::HashMap<&str, i64> = std::collections::HashMap::new();
    for l in a {
        *count.entry(l).or_default() += 1;
    }
    for l in b {
        *count.entry(l).or_default() -= 1;
    }
    let here = count.values().filter(|v| **v > 0).map(|v| *v as usize).sum();
    let there = count.values().filter(|v| **v < 0).map(|v| (-*v) as usize).sum();
    (here, there)
}

/// What differs between two runs' summaries, in words: most holders of each lock or
/// semaphore, lost updates of each shared variable, the deadlock, the threads' count; and
/// the GIL side by side (handoffs and median slice: simulated, or inferred in CPython).
pub fn summary_differences(a: &sim_core::summary::Summary, b: &sim_core::summary::Summary) -> Vec<String> {
    let mut out = Vec::new();
    if a.threads.len() != b.threads.len() {
        out.push(format!("threads: {} here, {} there", a.threads.len(), b.threads.len()));
    }
    for (name, ra) in &a.resources {
        if let Some(rb) = b.resources.get(name)
            && let (Some(x), Some(y)) = (ra.max_holders, rb.max_holders)
            && x != y
        {
            out.push(format!("{name}: at most {x} holder(s) here, {y} there"));
        }
    }
    for (name, va) in &a.vars {
        let here = va.lost_updates.unwrap_or(0);
        let there = b.vars.get(name).and_then(|v| v.lost_updates).unwrap_or(0);
        if b.vars.contains_key(name) && here != there {
            out.push(format!("{name}: {here} lost updates here, {there} there"));
        }
    }
    // The GIL side by side when one run is simulated and the other recorded in CPython 3.12+
    // (its handoffs inferred): how often it changed hands and how long a holder kept it.
    let who = |s: &sim_core::summary::Summary, g: &sim_core::summary::GilSummary| match (&s.recorded_from, g.inferred) {
        (Some(py), true) => format!("{py} inferred"),
        (Some(py), false) => py.clone(),
        (None, _) => "simulated".to_string(),
    };
    for (name, ga) in &a.gil {
        if let Some(gb) = b.gil.get(name)
            && (ga.inferred, &a.recorded_from) != (gb.inferred, &b.recorded_from)
        {
            out.push(format!(
                "GIL of {name} — {}: {} handoffs, median slice {:.1} ms; {}: {} handoffs, median slice {:.1} ms",
                who(a, ga),
                ga.handoffs,
                ga.slice_ms_median,
                who(b, gb),
                gb.handoffs,
                gb.slice_ms_median
            ));
        }
    }
    if a.deadlock.is_some() != b.deadlock.is_some() {
        let (x, y) = if a.deadlock.is_some() { ("a deadlock", "none") } else { ("none", "a deadlock") };
        out.push(format!("deadlock: {x} here, {y} there"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_compare_as_multisets() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(output_difference(&s(&["a", "b", "b"]), &s(&["b", "a", "b"])), (0, 0));
        assert_eq!(output_difference(&s(&["a", "b", "b"]), &s(&["b", "c"])), (2, 1));
    }

    #[test]
    fn summaries_differ_in_holders_lost_updates_and_deadlock() {
        let run = |src: &str| {
            let (t, _) = sim_core::py::run::run_source("d.py", src, &Default::default(), Default::default(), None)
                .expect("compiles");
            sim_core::summary::Summary::of_trace(&t)
        };
        let sem = |n: usize| {
            run(&format!(
                "import threading, time\nsem = threading.Semaphore({n})\ndef w():\n    with sem:\n        time.sleep(0.02)\nts = [threading.Thread(target=w) for _ in range(3)]\nfor t in ts:\n    t.start()\nfor t in ts:\n    t.join()\n"
            ))
        };
        let (one, three) = (sem(1), sem(3));
        assert_eq!(summary_differences(&one, &one), Vec::<String>::new());
        assert_eq!(summary_differences(&one, &three), ["sem: at most 1 holder(s) here, 3 there"]);
        // A run recorded in CPython 3.12: the GIL side by side, simulated and inferred.
        let mut real = one.clone();
        real.recorded_from = Some("CPython 3.12.1".into());
        real.gil.values_mut().for_each(|g| {
            g.inferred = true;
            g.handoffs = 188;
        });
        let d = summary_differences(&one, &real);
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(
            d[0].starts_with("GIL of MainProcess — simulated: ")
                && d[0].contains("; CPython 3.12.1 inferred: 188 handoffs"),
            "{d:?}"
        );
    }
}
