//! What the coordinator believes of a peer's reliability, updated once per
//! attempt outcome (docs/model.md, "Policies and reputation"), and, with
//! `half_life_s`, drifting back toward its initial value between updates,
//! so that a peer excluded once may earn its way back.

use super::config::ReputationModel;
use crate::engine::SimTime;

/// Forgetting: the weight of what was heard of a peer halves every
/// half-life. Additive and ewma reputations move back toward their initial
/// value (their distance to it halves); beta's counts of successes and
/// failures halve, so its value also returns toward the initial one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Forgetting {
    /// `ln 2 / half-life`, per nanosecond.
    per_ns: f64,
}

impl Forgetting {
    /// Forgetting with a half-life of `seconds` (> 0).
    pub fn half_life_s(seconds: f64) -> Forgetting {
        Forgetting {
            per_ns: std::f64::consts::LN_2 / (seconds * 1e9),
        }
    }

    /// The weight kept of the past after `elapsed`.
    fn kept(self, elapsed: SimTime) -> f64 {
        (-self.per_ns * elapsed.as_nanos() as f64).exp()
    }

    /// The first whole nanosecond after which the weight kept is below
    /// `k` (0 < k <= 1); past the end of the clock, the end.
    fn until(self, k: f64) -> SimTime {
        SimTime::from_nanos(((-k.ln() / self.per_ns).floor() as u64).saturating_add(1))
    }
}

/// How a coordinator turns outcomes into reputations.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rule {
    pub model: ReputationModel,
    /// None: a reputation stays as its last update left it.
    pub forgetting: Option<Forgetting>,
}

impl From<ReputationModel> for Rule {
    fn from(model: ReputationModel) -> Rule {
        Rule {
            model,
            forgetting: None,
        }
    }
}

/// A peer's reputation in [0, 1] and the outcomes it was built from.
///
/// ```
/// use p2c2g::engine::SimTime;
/// use p2c2g::model::{Forgetting, Reputation, ReputationModel, Rule};
/// let additive = ReputationModel::Additive { success: 0.02, failure: 0.05 };
/// let mut r = Reputation::new(0.5);
/// r.update(&additive.into(), false, SimTime::ZERO);
/// assert!((r.value() - 0.45).abs() < 1e-12);
/// // Forgetting with a half-life of 1 s: a second later, half the way back.
/// let rule = Rule { model: additive, forgetting: Some(Forgetting::half_life_s(1.0)) };
/// assert!((r.value_at(SimTime::from_secs(1.0), rule) - 0.475).abs() < 1e-12);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reputation {
    /// As of `updated`.
    value: f64,
    initial: f64,
    /// Beta's counts (fractional once forgetting discounts them).
    successes: f64,
    failures: f64,
    updated: SimTime,
}

impl Reputation {
    pub fn new(initial: f64) -> Self {
        Reputation {
            value: initial,
            initial,
            successes: 0.0,
            failures: 0.0,
            updated: SimTime::ZERO,
        }
    }

    /// The value as the last update left it.
    pub fn value(&self) -> f64 {
        self.value
    }

    /// The value at `now` (not before the last update): the last update's,
    /// unless the rule forgets.
    #[inline(always)]
    pub fn value_at(&self, now: SimTime, rule: Rule) -> f64 {
        match rule.forgetting {
            None => self.value,
            Some(f) => self.with_kept(f.kept(now - self.updated), rule.model),
        }
    }

    /// The value once only `k` of the weight of the past is kept.
    fn with_kept(&self, k: f64, model: ReputationModel) -> f64 {
        match model {
            ReputationModel::Beta => {
                (2.0 * self.initial + self.successes * k)
                    / (2.0 + (self.successes + self.failures) * k)
            }
            _ => self.initial + (self.value - self.initial) * k,
        }
    }

    /// An outcome heard at `now` (not before the last update).
    #[inline(always)]
    pub fn update(&mut self, rule: &Rule, success: bool, now: SimTime) {
        if let Some(f) = rule.forgetting {
            self.fade(f, rule.model, now);
        }
        if success {
            self.successes += 1.0;
        } else {
            self.failures += 1.0;
        }
        self.value = match rule.model {
            ReputationModel::Additive {
                success: up,
                failure: down,
            } => {
                let delta = if success { up } else { -down };
                (self.value + delta).clamp(0.0, 1.0)
            }
            ReputationModel::Ewma { alpha } => {
                let outcome = if success { 1.0 } else { 0.0 };
                self.value + alpha * (outcome - self.value)
            }
            ReputationModel::Beta => {
                (2.0 * self.initial + self.successes) / (2.0 + self.successes + self.failures)
            }
        };
    }

    /// Forgetting, before an update at `now`: the value and the counts
    /// fade to what they are then.
    #[inline(never)]
    fn fade(&mut self, f: Forgetting, model: ReputationModel, now: SimTime) {
        let k = f.kept(now - self.updated);
        self.value = self.with_kept(k, model);
        self.successes *= k;
        self.failures *= k;
        self.updated = now;
    }

    /// Forgetting: the first instant after the last update at which the
    /// value falls on the other side of `threshold` (under it, or no
    /// longer under it), if it ever does before another update. The value
    /// moves monotonically toward the initial one, so it crosses at most
    /// once, and only if the two lie on either side.
    pub fn crossing(&self, rule: Rule, threshold: f64) -> Option<SimTime> {
        let f = rule.forgetting?;
        if (self.value < threshold) == (self.initial < threshold) {
            return None;
        }
        // The weight kept at which the value equals the threshold.
        let k = match rule.model {
            ReputationModel::Beta => {
                let n = self.successes + self.failures;
                2.0 * (threshold - self.initial) / (self.successes - threshold * n)
            }
            _ => (threshold - self.initial) / (self.value - self.initial),
        };
        // k = 1: the value sits on the threshold and leaves it at once.
        (k > 0.0 && k <= 1.0).then(|| self.updated + f.until(k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn additive_clamps_to_unit_interval() {
        let m = ReputationModel::Additive {
            success: 0.3,
            failure: 0.4,
        };
        let mut r = Reputation::new(0.9);
        r.update(&m.into(), true, SimTime::ZERO);
        assert_eq!(r.value(), 1.0);
        for _ in 0..3 {
            r.update(&m.into(), false, SimTime::ZERO);
        }
        assert_eq!(r.value(), 0.0);
    }

    #[test]
    fn ewma_moves_a_fraction_toward_the_outcome() {
        let m = ReputationModel::Ewma { alpha: 0.1 };
        let mut r = Reputation::new(0.5);
        r.update(&m.into(), true, SimTime::ZERO);
        assert!((r.value() - 0.55).abs() < 1e-12);
        r.update(&m.into(), false, SimTime::ZERO);
        assert!((r.value() - 0.495).abs() < 1e-12);
    }

    #[test]
    fn beta_is_the_posterior_mean_with_two_prior_observations() {
        let mut r = Reputation::new(0.5);
        assert_eq!(r.value(), 0.5);
        r.update(&ReputationModel::Beta.into(), true, SimTime::ZERO);
        r.update(&ReputationModel::Beta.into(), true, SimTime::ZERO);
        r.update(&ReputationModel::Beta.into(), false, SimTime::ZERO);
        // (2 * 0.5 + 2) / (2 + 2 + 1)
        assert!((r.value() - 0.6).abs() < 1e-12);
    }

    fn forgetting(model: ReputationModel, half_life_s: f64) -> Rule {
        Rule {
            model,
            forgetting: Some(Forgetting::half_life_s(half_life_s)),
        }
    }

    #[test]
    fn forgetting_halves_the_distance_to_the_initial_value_every_half_life() {
        let rule = forgetting(ReputationModel::Ewma { alpha: 0.5 }, 2.0);
        let mut r = Reputation::new(0.5);
        r.update(&rule, false, SimTime::from_secs(1.0));
        assert!((r.value() - 0.25).abs() < 1e-12);
        for (after_s, expected) in [(0.0, 0.25), (2.0, 0.375), (4.0, 0.4375)] {
            let v = r.value_at(SimTime::from_secs(1.0 + after_s), rule);
            assert!((v - expected).abs() < 1e-12, "{after_s} s: {v}");
        }
        // The next update starts from the decayed value: 0.375 + 0.5 * (1 - 0.375).
        r.update(&rule, true, SimTime::from_secs(3.0));
        assert!((r.value() - 0.6875).abs() < 1e-12);
    }

    #[test]
    fn forgetting_halves_betas_counts() {
        let rule = forgetting(ReputationModel::Beta, 1.0);
        let mut r = Reputation::new(0.5);
        for _ in 0..4 {
            r.update(&rule, false, SimTime::ZERO);
        }
        // (1 + 0) / (2 + 4), then (1 + 0) / (2 + 2) a half-life later.
        assert!((r.value() - 1.0 / 6.0).abs() < 1e-12);
        assert!((r.value_at(SimTime::from_secs(1.0), rule) - 0.25).abs() < 1e-12);
        r.update(&rule, true, SimTime::from_secs(1.0));
        // Counts 1 success and 2 failures: (1 + 1) / (2 + 3).
        assert!((r.value() - 0.4).abs() < 1e-12);
    }

    #[test]
    fn the_crossing_is_the_first_nanosecond_on_the_other_side() {
        for model in [
            ReputationModel::Additive {
                success: 0.1,
                failure: 0.25,
            },
            ReputationModel::Ewma { alpha: 0.5 },
            ReputationModel::Beta,
        ] {
            let rule = forgetting(model, 0.001);
            let mut r = Reputation::new(0.6);
            r.update(&rule, false, SimTime::from_ms(3.0));
            r.update(&rule, false, SimTime::from_ms(3.0));
            let threshold = 0.5;
            assert!(r.value() < threshold, "{model:?}");
            let at = r.crossing(rule, threshold).expect("it recovers");
            let before = SimTime::from_nanos(at.as_nanos() - 1);
            assert!(r.value_at(before, rule) < threshold, "{model:?}");
            assert!(r.value_at(at, rule) >= threshold, "{model:?}");
            // Without forgetting, or with the initial value on the same
            // side, it never crosses.
            assert_eq!(r.crossing(model.into(), threshold), None);
            assert_eq!(r.crossing(rule, 0.7), None);
        }
        // Downward: a peer above the threshold whose initial value is below.
        let rule = forgetting(ReputationModel::Ewma { alpha: 0.5 }, 1.0);
        let mut r = Reputation::new(0.2);
        r.update(&rule, true, SimTime::ZERO);
        let at = r.crossing(rule, 0.5).expect("it sinks");
        assert!(r.value_at(SimTime::from_nanos(at.as_nanos() - 1), rule) >= 0.5);
        assert!(r.value_at(at, rule) < 0.5);
        // 0.2 + 0.4 k = 0.5 at k = 3/4: log2(4/3) seconds.
        assert!((at.as_secs() - (4.0f64 / 3.0).log2()).abs() < 1e-8);
        // On the threshold, with the initial value below it: under it a
        // nanosecond later.
        let mut r = Reputation::new(0.25);
        r.update(&rule, true, SimTime::ZERO);
        assert_eq!(r.value(), 0.625);
        let at = r.crossing(rule, 0.625).expect("it sinks at once");
        assert_eq!(at, SimTime::from_nanos(1));
        assert!(r.value_at(at, rule) < 0.625);
    }

    #[test]
    fn a_half_life_beyond_the_clock_foresees_the_end_of_time() {
        // 1e10 s: the weight kept falls to 0.01 only after 2e18 s, past
        // the clock's end; the forecast saturates instead of wrapping.
        let rule = forgetting(ReputationModel::Ewma { alpha: 0.99 }, 1e10);
        let mut r = Reputation::new(0.5);
        r.update(&rule, false, SimTime::ZERO);
        assert_eq!(r.crossing(rule, 0.495), Some(SimTime::MAX));
    }
}
