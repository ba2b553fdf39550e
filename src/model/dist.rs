//! Random quantities: a constant or one of the distributions of
//! docs/model.md ("Distributions"), built once from validated parameters
//! and sampled many times.

use rand::{Rng, RngExt};
use rand_distr::weighted::WeightedIndex;
use rand_distr::{Distribution, Exp, Gamma, LogNormal, Normal, Pareto, Uniform, Weibull};

use crate::engine::SimTime;

/// A number that may vary: sampled from a stream each time it is needed.
///
/// ```
/// use p2c2g::model::Dist;
/// use p2c2g::engine::stream;
/// let work = Dist::gamma(6.0, 2.0).unwrap();
/// let mut rng = stream(1, 0, 0);
/// let x = work.sample(&mut rng);
/// assert!(x > 0.0);
/// assert_eq!(work.mean(), 6.0);
/// ```
#[derive(Clone, Debug)]
pub enum Dist {
    Constant(f64),
    Uniform {
        low: f64,
        high: f64,
        sampler: Uniform<f64>,
    },
    Exponential {
        mean: f64,
        sampler: Exp<f64>,
    },
    Normal {
        mean: f64,
        sd: f64,
        /// A time: a negative draw counts as 0 (see [`Dist::at_least_zero`]).
        at_least_zero: bool,
        sampler: Normal<f64>,
    },
    LogNormal {
        mean: f64,
        sd: f64,
        sampler: LogNormal<f64>,
    },
    Gamma {
        mean: f64,
        sd: f64,
        sampler: Gamma<f64>,
    },
    Weibull {
        scale: f64,
        shape: f64,
        sampler: Weibull<f64>,
    },
    Pareto {
        scale: f64,
        shape: f64,
        sampler: Pareto<f64>,
    },
    Choice {
        values: Vec<f64>,
        /// The weights as given, if any.
        weights: Option<Vec<f64>>,
        index: Option<WeightedIndex<f64>>,
        mean: f64,
    },
}

/// Why a distribution's parameters were refused, in words for the user.
pub type DistError = String;

impl Dist {
    pub fn constant(value: f64) -> Dist {
        Dist::Constant(value)
    }

    pub fn uniform(low: f64, high: f64) -> Result<Dist, DistError> {
        finite("low", low)?;
        finite("high", high)?;
        if low > high {
            return Err(format!(
                "`low` ({}) must not exceed `high` ({})",
                num(low),
                num(high)
            ));
        }
        if low == high {
            return Ok(Dist::Constant(low));
        }
        if !(high - low).is_finite() {
            return Err(format!(
                "`high` - `low` ({} - {}) must be a finite number",
                num(high),
                num(low)
            ));
        }
        let sampler = Uniform::new_inclusive(low, high).map_err(|e| e.to_string())?;
        Ok(Dist::Uniform { low, high, sampler })
    }

    pub fn exponential(mean: f64) -> Result<Dist, DistError> {
        positive("mean", mean)?;
        if !(1.0 / mean).is_finite() {
            return Err(format!(
                "`mean` ({}) is too small to be represented",
                num(mean)
            ));
        }
        let sampler = Exp::new(1.0 / mean).map_err(|e| e.to_string())?;
        Ok(Dist::Exponential { mean, sampler })
    }

    pub fn normal(mean: f64, sd: f64) -> Result<Dist, DistError> {
        finite("mean", mean)?;
        non_negative("sd", sd)?;
        let sampler = Normal::new(mean, sd).map_err(|e| e.to_string())?;
        Ok(Dist::Normal {
            mean,
            sd,
            at_least_zero: false,
            sampler,
        })
    }

    /// Lognormal with the given mean and standard deviation of the value
    /// itself (not of its logarithm).
    pub fn lognormal(mean: f64, sd: f64) -> Result<Dist, DistError> {
        positive("mean", mean)?;
        non_negative("sd", sd)?;
        let (mu, sigma) = lognormal_parameters(mean, sd);
        if !mu.is_finite() || !sigma.is_finite() {
            return Err(format!(
                "`sd` ({}) is too large beside `mean` ({}) for a lognormal distribution: \
                 the sd of its logarithm is not a finite number",
                num(sd),
                num(mean)
            ));
        }
        let sampler = LogNormal::new(mu, sigma).map_err(|e| e.to_string())?;
        Ok(Dist::LogNormal { mean, sd, sampler })
    }

    pub fn gamma(mean: f64, sd: f64) -> Result<Dist, DistError> {
        positive("mean", mean)?;
        positive("sd", sd)?;
        let shape = (mean / sd).powi(2);
        let scale = sd * sd / mean;
        if !(shape.is_finite() && shape > 0.0 && scale.is_finite() && scale > 0.0) {
            return Err(format!(
                "`mean` ({}) and `sd` ({}) are too far apart for a gamma distribution: \
                 its shape (mean / sd)^2 = {} and scale sd^2 / mean = {} \
                 must be finite numbers > 0",
                num(mean),
                num(sd),
                num(shape),
                num(scale)
            ));
        }
        let sampler = Gamma::new(shape, scale).map_err(|e| e.to_string())?;
        Ok(Dist::Gamma { mean, sd, sampler })
    }

    pub fn weibull(scale: f64, shape: f64) -> Result<Dist, DistError> {
        positive("scale", scale)?;
        positive("shape", shape)?;
        finite_inverse("shape", shape)?;
        let sampler = Weibull::new(scale, shape).map_err(|e| e.to_string())?;
        Ok(Dist::Weibull {
            scale,
            shape,
            sampler,
        })
    }

    pub fn pareto(scale: f64, shape: f64) -> Result<Dist, DistError> {
        positive("scale", scale)?;
        positive("shape", shape)?;
        finite_inverse("shape", shape)?;
        let sampler = Pareto::new(scale, shape).map_err(|e| e.to_string())?;
        Ok(Dist::Pareto {
            scale,
            shape,
            sampler,
        })
    }

    pub fn choice(values: Vec<f64>, weights: Option<Vec<f64>>) -> Result<Dist, DistError> {
        if values.is_empty() {
            return Err("`values` must list at least one value".into());
        }
        if let Some(bad) = values.iter().find(|v| !v.is_finite()) {
            return Err(format!(
                "values must be finite numbers, found {}",
                num(*bad)
            ));
        }
        let mean = match &weights {
            None => values.iter().sum::<f64>() / values.len() as f64,
            Some(w) => {
                if w.len() != values.len() {
                    return Err(format!(
                        "`weights` has {} entries but `values` has {}",
                        w.len(),
                        values.len()
                    ));
                }
                if let Some(bad) = w.iter().find(|w| w.is_nan() || **w < 0.0) {
                    return Err(format!("weights must be >= 0, found {}", num(*bad)));
                }
                let total: f64 = w.iter().sum();
                if total <= 0.0 {
                    return Err("at least one weight must be positive".into());
                }
                if !total.is_finite() {
                    return Err("the weights must add up to a finite number".into());
                }
                values.iter().zip(w).map(|(v, w)| v * w).sum::<f64>() / total
            }
        };
        let index = weights
            .clone()
            .map(|w| WeightedIndex::new(w).map_err(|e| e.to_string()))
            .transpose()?;
        Ok(Dist::Choice {
            values,
            weights,
            index,
            mean,
        })
    }

    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Dist::Constant(v) => *v,
            Dist::Uniform { sampler, .. } => sampler.sample(rng),
            Dist::Exponential { sampler, .. } => sampler.sample(rng),
            Dist::Normal {
                sampler,
                at_least_zero,
                ..
            } => {
                let x = sampler.sample(rng);
                if *at_least_zero {
                    x.max(0.0)
                } else {
                    x
                }
            }
            Dist::LogNormal { sampler, .. } => sampler.sample(rng),
            Dist::Gamma { sampler, .. } => sampler.sample(rng),
            Dist::Weibull { sampler, .. } => sampler.sample(rng),
            Dist::Pareto { sampler, .. } => sampler.sample(rng),
            Dist::Choice { values, index, .. } => match index {
                Some(w) => values[w.sample(rng)],
                None => values[rng.random_range(0..values.len())],
            },
        }
    }

    /// The expected value of a draw (infinite for a Pareto with shape <= 1;
    /// for a normal that is [at least zero](Dist::at_least_zero), the mean
    /// of the draws after clamping).
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Constant(v) => *v,
            Dist::Uniform { low, high, .. } => {
                let sum = low + high;
                if sum.is_finite() {
                    sum / 2.0
                } else {
                    low / 2.0 + high / 2.0
                }
            }
            Dist::Normal {
                mean,
                sd,
                at_least_zero: true,
                ..
            } => clamped_normal_mean(*mean, *sd),
            Dist::Exponential { mean, .. }
            | Dist::Normal { mean, .. }
            | Dist::LogNormal { mean, .. }
            | Dist::Gamma { mean, .. }
            | Dist::Choice { mean, .. } => *mean,
            Dist::Weibull { scale, shape, .. } => scale * gamma_fn(1.0 + 1.0 / shape),
            Dist::Pareto { scale, shape, .. } => {
                if *shape <= 1.0 {
                    f64::INFINITY
                } else {
                    shape * scale / (shape - 1.0)
                }
            }
        }
    }

    /// The smallest and largest value a draw can take.
    pub fn range(&self) -> (f64, f64) {
        match self {
            Dist::Constant(v) => (*v, *v),
            Dist::Uniform { low, high, .. } => (*low, *high),
            Dist::Normal {
                at_least_zero: true,
                ..
            } => (0.0, f64::INFINITY),
            Dist::Normal { .. } => (f64::NEG_INFINITY, f64::INFINITY),
            Dist::Exponential { .. }
            | Dist::LogNormal { .. }
            | Dist::Gamma { .. }
            | Dist::Weibull { .. } => (0.0, f64::INFINITY),
            Dist::Pareto { scale, .. } => (*scale, f64::INFINITY),
            Dist::Choice { values, .. } => values
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                    (lo.min(*v), hi.max(*v))
                }),
        }
    }

    /// The range draws fall in but with a chance under 2^-53 (about
    /// 1.1e-16) on each side: what a sampler fed with 53-bit uniform
    /// numbers gives in practice. Exact for the bounded distributions; a
    /// bound from the tails' closed forms, or a Chernoff bound for the
    /// gamma, otherwise. Infinite when even that is not a number.
    ///
    /// ```
    /// use p2c2g::model::Dist;
    /// let (low, high) = Dist::exponential(10.0).unwrap().practical_range();
    /// assert!(low < 1e-14 && (367.0..368.0).contains(&high));
    /// ```
    pub fn practical_range(&self) -> (f64, f64) {
        match self {
            Dist::Constant(_) | Dist::Uniform { .. } | Dist::Choice { .. } => self.range(),
            Dist::Exponential { mean, .. } => (mean * TAIL_P, mean * TAIL_LN),
            Dist::Normal {
                mean,
                sd,
                at_least_zero,
                ..
            } => {
                let (low, high) = (mean - TAIL_Z * sd, mean + TAIL_Z * sd);
                if *at_least_zero {
                    (low.max(0.0), high.max(0.0))
                } else {
                    (low, high)
                }
            }
            Dist::LogNormal { mean, sd, .. } => {
                let (mu, sigma) = lognormal_parameters(*mean, *sd);
                ((mu - TAIL_Z * sigma).exp(), (mu + TAIL_Z * sigma).exp())
            }
            Dist::Gamma { mean, sd, .. } => {
                let per_shape = TAIL_LN / (mean / sd).powi(2);
                (
                    mean * chernoff_root(per_shape, false),
                    mean * chernoff_root(per_shape, true),
                )
            }
            Dist::Weibull { scale, shape, .. } => (
                scale * TAIL_P.powf(1.0 / shape),
                scale * TAIL_LN.powf(1.0 / shape),
            ),
            Dist::Pareto { scale, shape, .. } => (*scale, scale * TAIL_P.powf(-1.0 / shape)),
        }
    }

    /// For a time: a normal whose negative draws count as 0 (its draws,
    /// [`mean`](Dist::mean) and ranges say so); other distributions are
    /// unchanged. The simulation converts every time this way already,
    /// so the draws it uses are the same.
    pub fn at_least_zero(self) -> Dist {
        match self {
            Dist::Normal {
                mean, sd, sampler, ..
            } => Dist::Normal {
                mean,
                sd,
                at_least_zero: true,
                sampler,
            },
            other => other,
        }
    }

    pub fn is_constant(&self) -> bool {
        matches!(self, Dist::Constant(_))
    }
}

/// 2^-53: the chance below which [`Dist::practical_range`] leaves draws out.
const TAIL_P: f64 = 1.0 / 9_007_199_254_740_992.0;
/// -ln(2^-53).
const TAIL_LN: f64 = 36.736_800_569_677_1;
/// A normal's draws lie beyond this many sds with a chance under 2^-53.
const TAIL_Z: f64 = 8.3;

/// The mean and sd of a lognormal's logarithm.
fn lognormal_parameters(mean: f64, sd: f64) -> (f64, f64) {
    let sigma2 = (sd / mean).powi(2).ln_1p();
    (mean.ln() - sigma2 / 2.0, sigma2.sqrt())
}

/// `E[max(X, 0)]` for `X` normal.
fn clamped_normal_mean(mean: f64, sd: f64) -> f64 {
    if sd == 0.0 {
        return mean.max(0.0);
    }
    let z = mean / sd;
    let cdf = 0.5 * statrs::function::erf::erfc(-z / std::f64::consts::SQRT_2);
    let pdf = (-z * z / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
    (mean * cdf + sd * pdf).max(0.0)
}

/// The `u` (in units of the mean) where the Chernoff bound of a gamma's
/// tail, `exp(-shape (u - 1 - ln u))`, falls to 2^-53: `per_shape` is
/// `-ln(2^-53) / shape`; the upper tail's root is above 1, the lower's
/// below.
fn chernoff_root(per_shape: f64, upper: bool) -> f64 {
    if !per_shape.is_finite() {
        return if upper { f64::INFINITY } else { 0.0 };
    }
    let g = |u: f64| u - 1.0 - u.ln();
    if upper {
        // g(2 + 2c) >= c for every c >= 0.
        let (mut lo, mut hi) = (1.0, 2.0 + 2.0 * per_shape);
        for _ in 0..200 {
            let mid = lo + (hi - lo) / 2.0;
            if g(mid) < per_shape {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        hi
    } else {
        // In logarithms: w = ln u < 0, g = e^w - 1 - w, and g >= c at
        // w = -(2 + c).
        let (mut lo, mut hi) = (-(2.0 + per_shape), 0.0f64);
        for _ in 0..200 {
            let mid = lo + (hi - lo) / 2.0;
            if mid.exp() - 1.0 - mid < per_shape {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        lo.exp()
    }
}

/// A duration given in milliseconds, drawn as [`SimTime`]. Most durations
/// are constants drawn for every task (deadline, timeout, latency jitter),
/// so a constant is converted once rather than at each draw; a constant
/// never touches the stream, exactly as with [`Dist::sample`].
///
/// ```
/// use p2c2g::model::{Dist, Millis};
/// use p2c2g::engine::{stream, SimTime};
/// let timeout = Millis::new(&Dist::constant(2.5));
/// assert_eq!(timeout.sample(&mut stream(1, 0, 0)), SimTime::from_nanos(2_500_000));
/// ```
#[derive(Clone, Debug)]
pub struct Millis {
    shortcut: Shortcut,
    dist: Dist,
}

/// The draws taken without going through [`Dist::sample`]'s dispatch.
#[derive(Clone, Copy, Debug)]
enum Shortcut {
    Fixed(SimTime),
    /// The usual work of queueing models, drawn for every task.
    Exponential(Exp<f64>),
    None,
}

impl Millis {
    pub fn new(dist: &Dist) -> Millis {
        let shortcut = match dist {
            Dist::Constant(ms) => Shortcut::Fixed(SimTime::from_ms(*ms)),
            Dist::Exponential { sampler, .. } => Shortcut::Exponential(*sampler),
            _ => Shortcut::None,
        };
        Millis {
            shortcut,
            dist: dist.clone(),
        }
    }

    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> SimTime {
        match self.shortcut {
            Shortcut::Fixed(t) => t,
            Shortcut::Exponential(sampler) => SimTime::from_ms(sampler.sample(rng)),
            Shortcut::None => SimTime::from_ms(self.dist.sample(rng)),
        }
    }

    /// Like [`sample`](Millis::sample), with a generator made only when a
    /// draw is needed: a constant costs nothing.
    #[inline(always)]
    pub fn sample_with<R: Rng>(&self, rng: impl FnOnce() -> R) -> SimTime {
        match self.shortcut {
            Shortcut::Fixed(t) => t,
            _ => self.sample(&mut rng()),
        }
    }
}

/// A number for a message: as written for everyday magnitudes, in
/// scientific notation when it would take dozens of digits.
pub fn num(x: f64) -> String {
    if x == 0.0 || !x.is_finite() || (1e-6..1e16).contains(&x.abs()) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

fn finite(name: &str, v: f64) -> Result<(), DistError> {
    if v.is_finite() {
        Ok(())
    } else {
        Err(format!(
            "`{name}` must be a finite number, found {}",
            num(v)
        ))
    }
}

/// A shape whose inverse, the exponent of the draws, is finite.
fn finite_inverse(name: &str, v: f64) -> Result<(), DistError> {
    if (1.0 / v).is_finite() {
        Ok(())
    } else {
        Err(format!(
            "`{name}` ({}) is too small to be represented",
            num(v)
        ))
    }
}

fn positive(name: &str, v: f64) -> Result<(), DistError> {
    finite(name, v)?;
    if v > 0.0 {
        Ok(())
    } else {
        Err(format!("`{name}` must be > 0, found {}", num(v)))
    }
}

fn non_negative(name: &str, v: f64) -> Result<(), DistError> {
    finite(name, v)?;
    if v >= 0.0 {
        Ok(())
    } else {
        Err(format!("`{name}` must be >= 0, found {}", num(v)))
    }
}

/// Lanczos approximation of the gamma function, for the Weibull mean.
fn gamma_fn(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        std::f64::consts::PI / ((std::f64::consts::PI * x).sin() * gamma_fn(1.0 - x))
    } else {
        let x = x - 1.0;
        let t = x + 7.5;
        let sum = G[1..]
            .iter()
            .enumerate()
            .fold(G[0], |acc, (i, g)| acc + g / (x + i as f64 + 1.0));
        (2.0 * std::f64::consts::PI).sqrt() * t.powf(x + 0.5) * (-t).exp() * sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::stream;

    fn sample_mean_sd(d: &Dist, n: usize) -> (f64, f64) {
        let mut rng = stream(42, 9, 0);
        let xs: Vec<f64> = (0..n).map(|_| d.sample(&mut rng)).collect();
        let m = xs.iter().sum::<f64>() / n as f64;
        let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64;
        (m, v.sqrt())
    }

    /// Mean and sd as parameterised; the tolerance is 5 standard errors of
    /// the sample mean (sd / sqrt(n)) and 5% on the sample sd.
    #[test]
    fn moment_parameterised_distributions_match_their_moments() {
        let n = 200_000;
        for d in [
            Dist::gamma(8.0, 2.0).unwrap(),
            Dist::lognormal(8.0, 2.0).unwrap(),
            Dist::normal(8.0, 2.0).unwrap(),
        ] {
            let (m, sd) = sample_mean_sd(&d, n);
            assert!(
                (m - 8.0).abs() < 5.0 * 2.0 / (n as f64).sqrt(),
                "{d:?}: mean {m}"
            );
            assert!((sd - 2.0).abs() < 0.1, "{d:?}: sd {sd}");
        }
        let (m, _) = sample_mean_sd(&Dist::exponential(10.0).unwrap(), n);
        assert!((m - 10.0).abs() < 5.0 * 10.0 / (n as f64).sqrt());
    }

    #[test]
    fn weibull_and_pareto_means() {
        let w = Dist::weibull(3.0, 2.0).unwrap();
        assert!((w.mean() - 3.0 * 0.886_226_925_452_758).abs() < 1e-9);
        let (m, sd) = sample_mean_sd(&w, 200_000);
        assert!((m - w.mean()).abs() < 5.0 * sd / (200_000f64).sqrt());
        let p = Dist::pareto(1.0, 2.5).unwrap();
        assert!((p.mean() - 2.5 / 1.5).abs() < 1e-12);
        assert_eq!(Dist::pareto(1.0, 1.0).unwrap().mean(), f64::INFINITY);
    }

    #[test]
    fn choice_respects_weights() {
        let d = Dist::choice(vec![1.0, 2.0, 3.0], Some(vec![1.0, 1.0, 2.0])).unwrap();
        assert_eq!(d.mean(), 2.25);
        assert_eq!(d.range(), (1.0, 3.0));
        let mut rng = stream(1, 9, 1);
        let threes = (0..40_000).filter(|_| d.sample(&mut rng) == 3.0).count();
        // p = 0.5, sd of the count = 100; allow 5 sd.
        assert!((threes as i64 - 20_000).abs() < 500, "{threes}");
    }

    #[test]
    fn bad_parameters_are_refused() {
        assert!(Dist::uniform(2.0, 1.0).is_err());
        assert!(Dist::choice(vec![], None).is_err());
        assert!(Dist::choice(vec![1.0], Some(vec![0.0])).is_err());
        assert!(Dist::choice(vec![1.0, 2.0], Some(vec![1.0])).is_err());
        assert!(Dist::gamma(-1.0, 1.0).is_err());
        assert!(Dist::exponential(0.0).is_err());
        assert!(Dist::weibull(1.0, 0.0).is_err());
        assert!(matches!(Dist::uniform(3.0, 3.0), Ok(Dist::Constant(_))));
    }
}
