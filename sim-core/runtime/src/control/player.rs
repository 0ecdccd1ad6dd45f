//! Playing the scheduler: a person chooses at every choice point ([`Player`]), through a
//! handle the UI holds ([`PlayerHandle`]).

use super::*;

/// A person choosing: the app's "play the scheduler". At each choice point the run waits
/// until [`PlayerHandle::choose`] (or `auto`) answers; a script of choices is played first
/// (stepping back re-runs the same choices but the last).
pub struct Player {
    h: PlayerHandle,
}

/// The app's side of a [`Player`].
#[derive(Clone, Default)]
pub struct PlayerHandle {
    inner: Arc<(Mutex<PlayerState>, Condvar)>,
}

#[derive(Default)]
struct PlayerState {
    script: std::collections::VecDeque<ThreadIx>,
    guide: Option<Schedule>,
    follow_until: usize,
    pending: Option<(usize, Decision)>,
    answer: Option<Choice>,
    history: Vec<ThreadIx>,
    /// Each choice as a schedule writes it: `T1` a thread, `K2` a ready callback, `H1` a
    /// lock handed over.
    written: Vec<String>,
    auto: bool,
    cancelled: bool,
    wake: Option<Box<dyn Fn() + Send>>,
}

impl Player {
    /// A player that first plays `script` (one thread per choice point), then waits for
    /// the person; `wake` is called when a choice is awaited (to repaint the window).
    pub fn new(script: Vec<ThreadIx>, wake: Option<Box<dyn Fn() + Send>>) -> (Self, PlayerHandle) {
        let h = PlayerHandle::default();
        {
            let mut st = h.inner.0.lock();
            st.script = script.into();
            st.wake = wake;
        }
        (Self { h: h.clone() }, h)
    }
}

impl Strategy for Player {
    fn choose(&mut self, step: usize, point: &Decision, stopped: &dyn Fn() -> bool) -> Choice {
        let (m, cv) = &*self.h.inner;
        let mut st = m.lock();
        let mut scripted = st.script.pop_front().filter(|t| point.enabled.iter().any(|(e, _)| e == t));
        if scripted.is_none() && step < st.follow_until {
            scripted = st.guide.as_ref().and_then(|g| g.choice_at(step, point));
        }
        let choice = match scripted {
            Some(t) => Choice::Run(t),
            None if st.auto => Choice::Run(point.default_choice()),
            None => {
                st.pending = Some((step, point.clone()));
                if let Some(w) = &st.wake {
                    w();
                }
                loop {
                    if let Some(a) = st.answer.take() {
                        break a;
                    }
                    if st.auto {
                        break Choice::Run(point.default_choice());
                    }
                    if st.cancelled || stopped() {
                        break Choice::Stop;
                    }
                    cv.wait_for(&mut st, std::time::Duration::from_millis(50));
                }
            }
        };
        st.pending = None;
        if let Choice::Run(t) = choice {
            st.history.push(t);
            st.written.push(format!("{}{t}", super::schedule::StepKind::of(&point.kind).letter()));
        }
        choice
    }
}

impl PlayerHandle {
    /// Show `guide` at every choice (what it would run there), and follow it by itself for
    /// the first `follow` choices. Set before the run starts.
    pub fn set_guide(&self, guide: Schedule, follow: usize) {
        let mut st = self.inner.0.lock();
        st.guide = Some(guide);
        st.follow_until = follow;
    }

    /// What the guide schedule runs at the pending choice point.
    pub fn guide_choice(&self) -> Option<ThreadIx> {
        let st = self.inner.0.lock();
        let (step, point) = st.pending.as_ref()?;
        st.guide.as_ref()?.choice_at(*step, point)
    }

    /// The choice point waiting for the person: (step, who can run).
    pub fn pending(&self) -> Option<(usize, Decision)> {
        self.inner.0.lock().pending.clone()
    }

    /// Run thread `t` at the pending choice point.
    pub fn choose(&self, t: ThreadIx) {
        let mut st = self.inner.0.lock();
        if st.pending.as_ref().is_some_and(|(_, d)| d.enabled.iter().any(|(e, _)| *e == t)) {
            st.answer = Some(Choice::Run(t));
            self.inner.1.notify_all();
        }
    }

    /// The game is over (its window or session went away): a pending choice returns at once
    /// and the run stops.
    pub fn cancel(&self) {
        let mut st = self.inner.0.lock();
        st.cancelled = true;
        self.inner.1.notify_all();
    }

    /// Stop asking: the default schedule from here to the end.
    pub fn auto(&self) {
        let mut st = self.inner.0.lock();
        st.auto = true;
        self.inner.1.notify_all();
    }

    /// The choices made so far, one per choice point.
    pub fn history(&self) -> Vec<ThreadIx> {
        self.inner.0.lock().history.clone()
    }

    /// The choices made so far as a schedule writes each (`T1 K2 H1`): which thread ran,
    /// which ready callback, which waiter was handed the lock.
    pub fn history_words(&self) -> Vec<String> {
        self.inner.0.lock().written.clone()
    }
}
