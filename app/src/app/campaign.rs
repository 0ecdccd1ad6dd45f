//! The campaign of challenges: progress kept between launches, a game scored against its
//! goal the moment it ends, hints one at a time, and "Show me" — the challenge solved on a
//! job thread and the game playing the schedule one choice at a time (or, for a goal out of
//! reach, the proof in words and the GIL modes where it can be reached).

use super::*;
use sim_core::challenge::{self, Solved};

/// Seconds between two choices when the game plays a solution by itself.
pub const SHOW_ME_STEP_S: f64 = 0.6;

/// What a learner has done with one challenge.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChallengeProgress {
    /// GIL mode (`cpython-3.9`…) → the fewest preemptions the learner won it with there.
    pub won: BTreeMap<String, usize>,
    /// Hints shown so far.
    pub hints: usize,
}

/// A challenge solved from the app: which, the verdict, and where else it can be reached.
pub struct SolvedChallenge {
    /// The challenge's id.
    pub id: String,
    /// The search's verdict.
    pub solved: Solved,
    /// For a goal out of reach: the GIL modes where it can be reached (preemptions needed).
    pub elsewhere: Vec<(GilMode, usize)>,
}

impl ThreadlineApp {
    /// The challenges won (under any GIL mode) and how many there are.
    pub fn campaign_progress(&self) -> (usize, usize) {
        let all = self.catalog.iter().filter(|e| e.meta.goal.is_some() && e.id.starts_with("challenge-"));
        let (mut won, mut n) = (0, 0);
        for e in all {
            n += 1;
            if self.persisted.challenges.get(&e.id).is_some_and(|p| !p.won.is_empty()) {
                won += 1;
            }
        }
        (won, n)
    }

    /// A game that just ended: a challenge's win goes into the progress (the fewest
    /// preemptions per GIL mode); the verdict becomes the note.
    pub(super) fn score_game(&mut self) {
        let Some(s) = &mut self.session else { return };
        let gil = s.settings.gil;
        let id = s.scenario.id.clone();
        let Some(p) = &mut s.player else { return };
        if p.scored {
            return;
        }
        let Some(played) = &p.played else { return };
        p.scored = true;
        if played.goal.is_none() {
            return;
        }
        if played.reached && p.shown {
            self.note = Some(format!("{} That is one way — now win it yourself: press Play.", played.words));
            return;
        }
        if played.reached {
            let progress = self.persisted.challenges.entry(id).or_default();
            let best = progress.won.entry(gil.as_str().to_string()).or_insert(played.preemptions);
            *best = (*best).min(played.preemptions);
        }
        self.note = Some(played.words.clone());
    }

    /// "Show me" is playing a solution (the game goes on by itself).
    pub fn showing_me(&self) -> bool {
        self.show_me_at.is_some()
    }

    /// "Show me": solve the selected challenge under the chosen GIL mode on a job thread.
    pub(super) fn show_me(&mut self) {
        let Some(sc) = self.scenario() else { return };
        if sc.meta.goal.is_none() || self.jobs.is_running(JobKind::Solve) {
            return;
        }
        let id = sc.id.clone();
        let settings = self.settings();
        let (file, text, overrides) = self.program_inputs();
        self.solved = None;
        self.jobs.start(JobKind::Solve, 0, move || {
            let solve = || -> Result<Box<SolvedChallenge>, String> {
                let prog = compile_for_job(&file, &text, &overrides)?;
                let solved = challenge::solve(&prog, &settings, 5_000, 30.0)?;
                let elsewhere = match solved.verdict {
                    challenge::Verdict::OutOfReach => challenge::reachable_elsewhere(&prog, &settings, settings.gil),
                    _ => Vec::new(),
                };
                Ok(Box::new(SolvedChallenge { id, solved, elsewhere }))
            };
            FileResult::Solved(solve())
        });
    }

    /// A solution arrived: a reachable goal is played by itself, one choice at a time.
    pub(super) fn solved(&mut self, r: Result<Box<SolvedChallenge>, String>) {
        self.jobs.finished(JobKind::Solve, 0);
        match r {
            Ok(x) => {
                if let Some(sched) = x.solved.schedule().cloned() {
                    self.apply(GameCmd::PlayGuided(sched, 0));
                    self.show_me_at = Some(0.0);
                    self.show_me_game = true;
                }
                self.note = Some(x.solved.words());
                self.solved = Some(x);
            }
            Err(e) => self.error = Some(e),
        }
    }

    /// While "Show me" plays: at each choice point, after a pause, make the guide's choice.
    /// A choice the person makes, or the game's end, stops it.
    pub(super) fn show_me_tick(&mut self, now: f64) {
        let Some(at) = self.show_me_at else { return };
        let Some(s) = &self.session else { return };
        let Some(p) = &s.player else { return };
        if !s.is_live() {
            self.show_me_at = None;
            return;
        }
        let Some(ctx) = &self.egui_ctx else { return };
        if p.handle.pending().is_none() {
            ctx.request_repaint_after(std::time::Duration::from_millis(50));
            return;
        }
        if at == 0.0 {
            self.show_me_at = Some(now + SHOW_ME_STEP_S);
        } else if now >= at {
            match p.handle.guide_choice() {
                Some(t) => {
                    p.handle.choose(t);
                    self.show_me_at = Some(0.0);
                }
                None => self.show_me_at = None,
            }
        }
        ctx.request_repaint_after(std::time::Duration::from_secs_f64(SHOW_ME_STEP_S / 4.0));
    }
}
