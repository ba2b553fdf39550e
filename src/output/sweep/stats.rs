//! Estimates over the replications of a sweep's point: the mean, a 95%
//! confidence interval that respects what the metric can be, and how many
//! replications gave a value.
//!
//! Every interval here inverts the test behind Student's t-interval,
//! `|mean - mu| <= t(n-1) * sqrt(V(mu) / n)`, with the variance `V(mu)`
//! allowed to depend on `mu` as it must for the kind of quantity (a
//! quasi-likelihood score interval):
//!
//! - a share in [0, 1]: `V(mu) = phi * mu * (1 - mu)`, phi estimated from
//!   the replications as `s^2 / (m * (1 - m))`. This is Wilson's interval
//!   with an effective number of trials `n * m * (1 - m) / s^2` (at least
//!   `n - 1`) and `t(n-1)` for `z`. It never leaves [0, 1], is lopsided
//!   towards 0.5 near a bound, and is the t-interval when the interval is
//!   narrow compared with the distance to the bound.
//! - a non-negative quantity (a latency, a count): `V(mu) = phi * mu`. With
//!   `k` the t-interval's half-width over the mean, the interval is
//!   `[m / f, m * f]` with `f = (k / 2 + sqrt(1 + k^2 / 4))^2`: above 0
//!   whenever the mean is, lopsided upwards like the skewed quantities it
//!   describes, and the t-interval when `k` is small.
//! - anything else: the t-interval.
//!
//! Clamping the t-interval at the bound instead keeps the numbers in range
//! but not the coverage: it only cuts off the side that was already wrong,
//! and keeps the side that was too short. The unit tests measure coverage.

use statrs::distribution::{ContinuousCDF, StudentsT};

/// What values a metric can take, which decides the shape of its interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// In [0, 1]: an on-time rate, a utilisation, an availability.
    Share,
    /// Never below 0: a latency, a count, a time.
    NonNegative,
    /// Any sign: a difference of two quantities.
    Signed,
    /// A difference of two shares, in [-1, 1].
    ShareDifference,
}

/// The mean of a metric over the replications that gave a value, its 95%
/// confidence interval (none with fewer than two values), and how many
/// values there were.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub n: usize,
    pub mean: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom.
pub fn t_975(df: u64) -> f64 {
    StudentsT::new(0.0, 1.0, df as f64)
        .expect("df >= 1")
        .inverse_cdf(0.975)
}

/// The estimate of a metric of kind `kind` from the values `xs` (one per
/// replication that gave one).
pub fn estimate(xs: &[f64], kind: Kind) -> Estimate {
    let n = xs.len();
    let none = Estimate {
        n,
        mean: None,
        low: None,
        high: None,
    };
    if n == 0 {
        return none;
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    if !mean.is_finite() {
        return none;
    }
    if n < 2 {
        return Estimate {
            mean: Some(mean),
            ..none
        };
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let t = t_975(n as u64 - 1);
    let within = |lo: f64, hi: f64| xs.iter().all(|x| (lo..=hi).contains(x));
    let (low, high) = match kind {
        Kind::Share if within(0.0, 1.0) => share(mean, var, n, t),
        Kind::ShareDifference if within(-1.0, 1.0) => {
            // (d + 1) / 2 is a share; its interval, mapped back.
            let (lo, hi) = share((mean + 1.0) / 2.0, var / 4.0, n, t);
            (2.0 * lo - 1.0, 2.0 * hi - 1.0)
        }
        Kind::NonNegative if within(0.0, f64::INFINITY) => non_negative(mean, var, n, t),
        _ => {
            let half = t * (var / n as f64).sqrt();
            (mean - half, mean + half)
        }
    };
    let finite = |x: f64| x.is_finite().then_some(x);
    Estimate {
        n,
        mean: Some(mean),
        low: finite(low),
        high: finite(high),
    }
}

/// The difference of the means of `b` and `a` (independent replications:
/// not paired by seed), `b - a`, with Welch's 95% interval: Student's t
/// with the Welch-Satterthwaite degrees of freedom over the two variances.
/// `n` is the fewer of the two counts; no interval without two values on
/// each side.
pub fn welch(a: &[f64], b: &[f64]) -> Estimate {
    let (na, nb) = (a.len(), b.len());
    let none = Estimate {
        n: na.min(nb),
        mean: None,
        low: None,
        high: None,
    };
    if na == 0 || nb == 0 {
        return none;
    }
    let mean = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len() as f64;
    let (ma, mb) = (mean(a), mean(b));
    let d = mb - ma;
    if !d.is_finite() {
        return none;
    }
    if na < 2 || nb < 2 {
        return Estimate {
            mean: Some(d),
            ..none
        };
    }
    let var = |xs: &[f64], m: f64| {
        xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (xs.len() - 1) as f64
    };
    let (va, vb) = (var(a, ma) / na as f64, var(b, mb) / nb as f64);
    let se2 = va + vb;
    if se2 <= 0.0 {
        return Estimate {
            mean: Some(d),
            low: Some(d),
            high: Some(d),
            ..none
        };
    }
    let df = se2 * se2 / (va * va / (na - 1) as f64 + vb * vb / (nb - 1) as f64);
    let t = StudentsT::new(0.0, 1.0, df.max(1.0))
        .expect("df >= 1")
        .inverse_cdf(0.975);
    let half = t * se2.sqrt();
    let finite = |x: f64| x.is_finite().then_some(x);
    Estimate {
        mean: Some(d),
        low: finite(d - half),
        high: finite(d + half),
        ..none
    }
}

/// The quasi-binomial score interval of the mean `m` of `n` values in
/// [0, 1] whose variance is `var`: Wilson's, with `n * m * (1 - m) / var`
/// trials and `t` for `z`.
fn share(m: f64, var: f64, n: usize, t: f64) -> (f64, f64) {
    let q = m * (1.0 - m);
    if var <= 0.0 || q <= 0.0 {
        // Every replication gave the same value: no spread to measure.
        return (m, m);
    }
    let n_eff = n as f64 * q / var;
    let a = t * t / n_eff;
    let centre = (m + a / 2.0) / (1.0 + a);
    let half = t / (1.0 + a) * (q / n_eff + a / (4.0 * n_eff)).sqrt();
    ((centre - half).clamp(0.0, m), (centre + half).clamp(m, 1.0))
}

/// The quasi-Poisson score interval of the mean `m` of `n` non-negative
/// values whose variance is `var`: `[m / f, m * f]`.
fn non_negative(m: f64, var: f64, n: usize, t: f64) -> (f64, f64) {
    if var <= 0.0 || m <= 0.0 {
        return (m, m);
    }
    let k = t * (var / n as f64).sqrt() / m;
    let f = (k / 2.0 + (1.0 + k * k / 4.0).sqrt()).powi(2);
    ((m / f).min(m), (m * f).max(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn welch_is_the_t_interval_of_two_independent_means() {
        // Equal sizes and variances: df = 2 (n - 1) = 4, t = 2.776.
        let a = [1.0, 2.0, 3.0];
        let b = [3.0, 4.0, 5.0];
        let e = welch(&a, &b);
        assert_eq!(e.mean, Some(2.0));
        let half = 2.776_445 * (1.0f64 / 3.0 + 1.0 / 3.0).sqrt();
        assert!((e.high.unwrap() - 2.0 - half).abs() < 1e-5, "{e:?}");
        assert!((2.0 - e.low.unwrap() - half).abs() < 1e-5, "{e:?}");
        assert_eq!(e.n, 3);
        assert_eq!(welch(&[1.0], &[2.0, 3.0]).low, None);
        assert_eq!(welch(&[1.0, 1.0], &[2.0, 2.0]).low, Some(1.0));
        assert_eq!(welch(&[], &[2.0]).mean, None);
    }
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Beta, Distribution, Exp, LogNormal};

    #[test]
    fn student_t_quantiles_match_the_tables() {
        for (df, t) in [
            (1, 12.706),
            (2, 4.303),
            (9, 2.262),
            (29, 2.045),
            (1000, 1.962),
        ] {
            assert!((t_975(df) - t).abs() < 1e-3, "df {df}: {}", t_975(df));
        }
    }

    #[test]
    fn a_signed_quantity_gets_the_t_interval() {
        let e = estimate(&[1.0, 2.0, 3.0, 4.0], Kind::Signed);
        // sd = 1.2910, se = 0.6455, t(3) = 3.1824: half-width 2.0542
        assert_eq!((e.n, e.mean), (4, Some(2.5)));
        assert!((e.low.unwrap() - 0.4458).abs() < 1e-3, "{e:?}");
        assert!((e.high.unwrap() - 4.5542).abs() < 1e-3, "{e:?}");
        let one = estimate(&[5.0], Kind::Signed);
        assert_eq!(
            (one.n, one.mean, one.low, one.high),
            (1, Some(5.0), None, None)
        );
        let none = estimate(&[], Kind::Share);
        assert_eq!((none.n, none.mean), (0, None));
    }

    #[test]
    fn a_share_stays_inside_zero_one_where_the_t_interval_leaves_it() {
        // Three replications of a pool that sometimes collapses: the
        // t-interval runs from -0.33 to 1.64.
        let xs = [0.21, 0.99, 0.998];
        let t = estimate(&xs, Kind::Signed);
        assert!(t.low.unwrap() < 0.0 && t.high.unwrap() > 1.0, "{t:?}");
        let e = estimate(&xs, Kind::Share);
        let (lo, hi) = (e.low.unwrap(), e.high.unwrap());
        assert!(0.0 <= lo && lo < e.mean.unwrap() && e.mean.unwrap() < hi && hi <= 1.0);
        // Lopsided: more room below the mean than above, near 1.
        assert!(e.mean.unwrap() - lo > hi - e.mean.unwrap(), "{e:?}");
        // All on the bound: no spread, a point.
        let all = estimate(&[1.0, 1.0, 1.0], Kind::Share);
        assert_eq!((all.low, all.high), (Some(1.0), Some(1.0)));
        // Narrow and far from the bounds: the t-interval.
        let xs = [0.50, 0.51, 0.49, 0.505, 0.495];
        let (s, t) = (estimate(&xs, Kind::Share), estimate(&xs, Kind::Signed));
        assert!(
            (s.low.unwrap() - t.low.unwrap()).abs() < 1e-4,
            "{s:?} {t:?}"
        );
    }

    #[test]
    fn a_non_negative_quantity_never_gets_a_negative_bound() {
        // p99s of five replications, two of them in a bad tail.
        let xs = [120.0, 130.0, 900.0, 125.0, 1500.0];
        let t = estimate(&xs, Kind::Signed);
        assert!(t.low.unwrap() < 0.0, "{t:?}");
        let e = estimate(&xs, Kind::NonNegative);
        let (lo, m, hi) = (e.low.unwrap(), e.mean.unwrap(), e.high.unwrap());
        assert!(0.0 < lo && lo < m && m < hi, "{e:?}");
        // Geometrically symmetric about the mean.
        assert!((lo * hi - m * m).abs() < 1e-6 * m * m);
        // A tight one is the t-interval.
        let xs = [100.0, 101.0, 99.0, 100.5, 99.5];
        let (s, t) = (
            estimate(&xs, Kind::NonNegative),
            estimate(&xs, Kind::Signed),
        );
        assert!(
            (s.low.unwrap() - t.low.unwrap()).abs() < 0.01,
            "{s:?} {t:?}"
        );
        // Values that break the kind's promise get the t-interval, not
        // an interval built on a false premise.
        let odd = estimate(&[-1.0, 2.0], Kind::NonNegative);
        assert_eq!(odd.low, estimate(&[-1.0, 2.0], Kind::Signed).low);
    }

    #[test]
    fn a_difference_of_shares_stays_inside_minus_one_one() {
        let xs = [-0.99, -0.2, -0.98];
        let t = estimate(&xs, Kind::Signed);
        assert!(t.low.unwrap() < -1.0, "{t:?}");
        let e = estimate(&xs, Kind::ShareDifference);
        assert!(-1.0 <= e.low.unwrap() && e.high.unwrap() <= 1.0, "{e:?}");
    }

    /// Share of `trials` samples of `n` draws whose interval holds `mu`.
    fn coverage(
        n: usize,
        kind: Kind,
        mu: f64,
        mut draw: impl FnMut(&mut ChaCha8Rng) -> f64,
        clamp: Option<(f64, f64)>,
    ) -> f64 {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let trials = 4000;
        let mut hit = 0;
        for _ in 0..trials {
            let xs: Vec<f64> = (0..n).map(|_| draw(&mut rng)).collect();
            let e = estimate(&xs, kind);
            let (mut lo, mut hi) = (e.low.unwrap(), e.high.unwrap());
            if let Some((a, b)) = clamp {
                (lo, hi) = (lo.max(a), hi.min(b));
            }
            hit += usize::from(lo <= mu && mu <= hi);
        }
        hit as f64 / trials as f64
    }

    /// The reason for these intervals: where the t-interval (clamped or
    /// not) covers the mean less often than it says, these come closer
    /// to 95%, and where it is right, they are too.
    #[test]
    fn the_intervals_cover_the_mean_about_as_often_as_they_say() {
        // Shares near 1 over five replications.
        let beta = Beta::new(50.0, 0.5).unwrap();
        let mu = 50.0 / 50.5;
        let share = coverage(5, Kind::Share, mu, |r| beta.sample(r), None);
        let clamped = coverage(5, Kind::Signed, mu, |r| beta.sample(r), Some((0.0, 1.0)));
        assert!(share > 0.89 && clamped < 0.86, "{share} {clamped}");
        // And in the middle, where every method is right.
        let mid = Beta::new(2.0, 2.0).unwrap();
        let share = coverage(5, Kind::Share, 0.5, |r| mid.sample(r), None);
        assert!((0.93..0.97).contains(&share), "{share}");
        // Skewed non-negative quantities over three replications.
        let exp = Exp::new(1.0).unwrap();
        let nn = coverage(3, Kind::NonNegative, 1.0, |r| exp.sample(r), None);
        let t = coverage(3, Kind::Signed, 1.0, |r| exp.sample(r), None);
        assert!(nn > 0.92 && t < 0.90, "{nn} {t}");
        let logn = LogNormal::new(0.0, 0.3).unwrap();
        let mu = (0.045f64).exp();
        let nn = coverage(5, Kind::NonNegative, mu, |r| logn.sample(r), None);
        assert!((0.93..0.97).contains(&nn), "{nn}");
    }
}
