//! Predict, then run: for a program whose output varies, the learner picks what it will
//! print last before it runs (the choices computed on a job thread from what a search and a
//! few free runs reached), then many free runs answer and the pick is scored.

use super::*;
use sim_core::predict::{self, Tally};

/// A prediction in progress or answered.
pub struct Prediction {
    /// The scenario it is about.
    pub id: String,
    /// The answers to choose from (None while they are being found).
    pub choices: Option<Vec<String>>,
    /// The learner's pick.
    pub pick: Option<String>,
    /// The runs' answer (None until they are done).
    pub tally: Option<Tally>,
    /// The runs are going.
    pub running: bool,
    /// The answer has been scrolled into view (once, when it arrived).
    pub revealed: bool,
}

/// The learner's record of predictions, kept between launches.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PredictScore {
    /// Predictions answered.
    pub made: usize,
    /// Of those, how many picked what most runs printed.
    pub right: usize,
}

impl ThreadlineApp {
    /// Start a prediction for the code panel's program: find the answers it can give.
    pub(super) fn predict(&mut self) {
        let Some(sc) = self.scenario() else { return };
        let id = sc.id.clone();
        let settings = self.settings();
        let (file, text, overrides) = self.program_inputs();
        self.prediction = Some(Prediction {
            id: id.clone(),
            choices: None,
            pick: None,
            tally: None,
            running: false,
            revealed: false,
        });
        self.jobs.replace(JobKind::Predict, 0, move || {
            let r = compile_for_job(&file, &text, &overrides).map(|prog| predict::choices(&prog, &settings, 300, 5));
            FileResult::PredictChoices(id, r)
        });
    }

    /// The learner picked: run the program freely (as many runs as outcome statistics) to answer.
    pub(super) fn predict_pick(&mut self, pick: String) {
        let runs = self.persisted.stats_runs.clamp(1, 10_000);
        let settings = self.settings();
        let (file, text, overrides) = self.program_inputs();
        let Some(p) = &mut self.prediction else { return };
        if p.running || p.tally.is_some() {
            return;
        }
        p.pick = Some(pick);
        p.running = true;
        let id = p.id.clone();
        self.jobs.replace(JobKind::Predict, 0, move || {
            let r =
                compile_for_job(&file, &text, &overrides).map(|prog| predict::tally(&prog, &settings, runs, |_| true));
            FileResult::PredictTally(id, r)
        });
    }

    /// A job of the prediction finished.
    pub(super) fn prediction_result(&mut self, r: FileResult) {
        self.jobs.finished(JobKind::Predict, 0);
        let Some(p) = &mut self.prediction else { return };
        match r {
            FileResult::PredictChoices(id, r) if id == p.id => match r {
                Ok(c) => {
                    let auto =
                        self.predict_auto.as_ref().and_then(|a| c.iter().find(|x| *x == a).or(c.first())).cloned();
                    p.choices = Some(c);
                    if let Some(a) = auto {
                        self.predict_pick(a);
                    }
                }
                Err(e) => {
                    self.prediction = None;
                    self.error = Some(e);
                }
            },
            FileResult::PredictTally(id, r) if id == p.id => {
                p.running = false;
                match r {
                    Ok(t) => {
                        let most = t.answers.first().map(|(a, _)| a.clone());
                        self.persisted.predictions.made += 1;
                        if most.is_some() && most == p.pick {
                            self.persisted.predictions.right += 1;
                        }
                        p.tally = Some(t);
                    }
                    Err(e) => self.error = Some(e),
                }
            }
            _ => {}
        }
    }
}
