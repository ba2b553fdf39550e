//! What the coordinator believes of a peer's reliability, updated once per
//! attempt outcome (docs/model.md, "Policies and reputation").

use super::config::ReputationModel;

/// A peer's reputation in [0, 1] and the outcomes it was built from.
///
/// ```
/// use p2c2g::model::{Reputation, ReputationModel};
/// let mut r = Reputation::new(0.5);
/// r.update(ReputationModel::Additive { success: 0.02, failure: 0.05 }, false);
/// assert!((r.value() - 0.45).abs() < 1e-12);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reputation {
    value: f64,
    initial: f64,
    successes: u64,
    failures: u64,
}

impl Reputation {
    pub fn new(initial: f64) -> Self {
        Reputation {
            value: initial,
            initial,
            successes: 0,
            failures: 0,
        }
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn update(&mut self, model: ReputationModel, success: bool) {
        if success {
            self.successes += 1;
        } else {
            self.failures += 1;
        }
        self.value = match model {
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
                let (s, f) = (self.successes as f64, self.failures as f64);
                (2.0 * self.initial + s) / (2.0 + s + f)
            }
        };
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
        r.update(m, true);
        assert_eq!(r.value(), 1.0);
        for _ in 0..3 {
            r.update(m, false);
        }
        assert_eq!(r.value(), 0.0);
    }

    #[test]
    fn ewma_moves_a_fraction_toward_the_outcome() {
        let m = ReputationModel::Ewma { alpha: 0.1 };
        let mut r = Reputation::new(0.5);
        r.update(m, true);
        assert!((r.value() - 0.55).abs() < 1e-12);
        r.update(m, false);
        assert!((r.value() - 0.495).abs() < 1e-12);
    }

    #[test]
    fn beta_is_the_posterior_mean_with_two_prior_observations() {
        let mut r = Reputation::new(0.5);
        assert_eq!(r.value(), 0.5);
        r.update(ReputationModel::Beta, true);
        r.update(ReputationModel::Beta, true);
        r.update(ReputationModel::Beta, false);
        // (2 * 0.5 + 2) / (2 + 2 + 1)
        assert!((r.value() - 0.6).abs() < 1e-12);
    }
}
