//! Goal seeking: the smallest value of one key of a scenario whose 95%
//! confidence bound meets a target, "how many home peers keep 99% of
//! frames on time?", answered by bisection with replications.
//!
//! Each probe runs the scenario with the key at one value, `replications`
//! times (replication `k` with seed `seed + k`, at every probe: common
//! random numbers, as in a sweep), and estimates the metric as `points.csv`
//! does ([`crate::output::sweep::stats`]). A probe meets `metric >= x` when
//! every replication gave a value and the interval's lower bound is at
//! least `x` (`<=`: the upper bound at most `x`): a probe that meets the
//! target does so with 95% confidence, not by the luck of a mean.
//!
//! Values are the whole numbers of the range for a whole-number key (every
//! `step`-th), or a grid of the range for a real one. The ends are probed
//! first: the low end meeting the target is the answer; the high end
//! failing it means the target is out of reach in the range. In between,
//! bisection assumes that the target, once met, stays met as the key grows
//! (more peers, a longer timeout...), and keeps a value that fails below a
//! value that meets it, so its answer is a value that meets the target
//! with the value just below it failing, whatever happens elsewhere.

use std::fmt;
use std::str::FromStr;

use rayon::prelude::*;

use crate::model::Simulation;
use crate::output::sweep::{self as files, kind, metric_columns, stats};
use crate::run::stop_requested;
use crate::scenario::{Limits, Scenario, ScenarioError, Source};

/// The comparison a target makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `>=`: judged by the interval's lower bound.
    AtLeast,
    /// `<=`: judged by the interval's upper bound.
    AtMost,
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Op::AtLeast => ">=",
            Op::AtMost => "<=",
        })
    }
}

/// `METRIC >= VALUE` or `METRIC <= VALUE`: a column of summary.csv (or
/// `failovers_per_frame`) and the value it must reach.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub metric: String,
    pub op: Op,
    pub value: f64,
}

impl FromStr for Target {
    type Err = String;
    fn from_str(s: &str) -> Result<Target, String> {
        let expected = || {
            format!(
                "expected METRIC >= VALUE or METRIC <= VALUE, e.g. \"deadline_hit_rate >= 0.99\", \
                 found `{s}`"
            )
        };
        let (metric, op, value) = if let Some((m, v)) = s.split_once(">=") {
            (m, Op::AtLeast, v)
        } else if let Some((m, v)) = s.split_once("<=") {
            (m, Op::AtMost, v)
        } else {
            return Err(expected());
        };
        let metric = metric.trim();
        let value: f64 = value.trim().parse().map_err(|_| expected())?;
        if metric.is_empty() || !value.is_finite() {
            return Err(expected());
        }
        let known = metric_columns();
        if !known.iter().any(|m| m == metric) {
            let nearest = known
                .iter()
                .map(|m| (strsim::jaro_winkler(metric, m), m))
                .filter(|(score, _)| *score > 0.8)
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, m)| format!("; did you mean `{m}`?"))
                .unwrap_or_default();
            return Err(format!(
                "`{metric}` is not a metric{nearest} (metrics are the columns of summary.csv, \
                 and failovers_per_frame)"
            ));
        }
        Ok(Target {
            metric: metric.to_string(),
            op,
            value,
        })
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.metric, self.op, self.value)
    }
}

impl Target {
    /// Whether an estimate over `runs` replications meets the target with
    /// 95% confidence: every replication gave a value, and the bound on
    /// the side that matters is on the right side of the value.
    pub fn met_by(&self, e: &stats::Estimate, runs: usize) -> bool {
        if e.n < runs {
            return false;
        }
        match self.op {
            Op::AtLeast => e.low.is_some_and(|low| low >= self.value),
            Op::AtMost => e.high.is_some_and(|high| high <= self.value),
        }
    }

    /// The bound that decides: "lower" or "upper".
    pub fn bound(&self) -> &'static str {
        match self.op {
            Op::AtLeast => "lower",
            Op::AtMost => "upper",
        }
    }
}

/// `LOW..HIGH`, `LOW < HIGH`, both finite.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Span {
    pub low: f64,
    pub high: f64,
}

impl FromStr for Span {
    type Err = String;
    fn from_str(s: &str) -> Result<Span, String> {
        let expected = || format!("expected LOW..HIGH with LOW < HIGH, e.g. 10..200, found `{s}`");
        let (low, high) = s.split_once("..").ok_or_else(expected)?;
        let (low, high): (f64, f64) = (
            low.trim().parse().map_err(|_| expected())?,
            high.trim().parse().map_err(|_| expected())?,
        );
        if !(low.is_finite() && high.is_finite() && low < high) {
            return Err(expected());
        }
        Ok(Span { low, high })
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.low, self.high)
    }
}

/// What to seek.
#[derive(Clone, Debug)]
pub struct SeekOptions {
    /// A key path, as `--set` takes it.
    pub key: String,
    pub span: Span,
    pub target: Target,
    /// At least 2 (a bound needs a spread).
    pub replications: u32,
    /// The base seed (replication `k` uses `seed + k`); the scenario's if
    /// none.
    pub seed: Option<u64>,
    /// Between neighbouring values: 1 for a whole-number key, a
    /// twentieth of the range for a real one, if none.
    pub step: Option<f64>,
    /// Threads; 0 for all cores.
    pub jobs: usize,
    pub limits: Limits,
}

/// Most values a range may be cut into (2^53: beyond, steps of a whole
/// number are no longer exact).
pub const MAX_VALUES: usize = 1 << 53;

/// Why a seek could not be done.
#[derive(Debug, thiserror::Error)]
pub enum SeekError {
    /// The scenario, or the key at one of the range's values, is not valid.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// What was asked for cannot be sought (a metric the scenario does not
    /// measure, a step that does not fit, too few replications).
    #[error("{0}")]
    Input(String),
    #[error("cannot start the threads of the runs")]
    Threads(#[source] rayon::ThreadPoolBuildError),
    /// Stopped by a signal.
    #[error("interrupted after {probes} probes; nothing was written")]
    Interrupted { probes: usize },
}

impl SeekError {
    /// Whether the error is the input's (exit code 2), not a failure.
    pub fn is_bad_input(&self) -> bool {
        matches!(self, SeekError::Scenario(_) | SeekError::Input(_))
    }
}

/// One probe: the key at one value, its replications' estimate.
#[derive(Clone, Debug)]
pub struct Probe {
    /// The value as set (`47`, `0.35`).
    pub value: String,
    pub estimate: stats::Estimate,
    pub runs: usize,
    pub meets: bool,
}

/// What the seek found.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Every probe, in the order run.
    pub probes: Vec<Probe>,
    /// The values the range was cut into.
    pub values: Values,
    /// Whether the key takes whole numbers.
    pub whole: bool,
    /// The smallest value that meets the target (its probe), if any.
    pub answer: Option<usize>,
    /// The probe of the value just below the answer, which fails (none
    /// when the answer is the range's low end).
    pub below: Option<usize>,
    /// The seeds of the replications: `first..first + replications`.
    pub first_seed: u64,
}

/// A value of a real key as it is written: 12 significant digits at most,
/// so that a grid step does not show as 0.30000000000000004.
fn real_text(x: f64) -> String {
    let rounded: f64 = format!("{x:.11e}").parse().unwrap_or(x);
    let text = format!("{rounded}");
    if text.contains('.') || text.contains('e') {
        text
    } else {
        format!("{text}.0")
    }
}

/// Whether `key` takes whole numbers: a whole end of the range is
/// accepted where one half above it is refused (`slots = 2.5`, `count =
/// 10.5`). When neither whole end is accepted, the values are written as
/// whole numbers if a half is refused too, so that the message of the end
/// that is refused is about that end, not about a decimal point.
fn takes_whole(source: &Source, key: &str, span: Span, limits: &Limits) -> bool {
    let whole = |x: f64| x.fract() == 0.0 && x.abs() <= 1e15;
    let valid = |text: String| {
        let mut s = source.clone();
        s.set(&format!("{key}={text}")).is_ok() && s.validate_with(limits).is_ok()
    };
    if !whole(span.low) || !whole(span.high) {
        // A key of whole numbers with an end that is not: say so of the
        // range (`Values::new`), not of a decimal point in a value.
        let base = span.low.floor();
        return whole(base) && valid(format!("{}", base as i64)) && !valid(real_text(base + 0.5));
    }
    let accepted = [span.low, span.high]
        .into_iter()
        .find(|&x| valid(format!("{}", x as i64)));
    let x = accepted.unwrap_or(span.low);
    !valid(real_text(x + 0.5))
}

/// The values of a range: every `step`-th whole number from `low`, or a
/// grid of real ones, with `high` always last; held as a rule, not a list,
/// so that a range of a billion counts costs nothing but its probes.
#[derive(Clone, Copy, Debug)]
pub struct Values {
    low: f64,
    high: f64,
    step: f64,
    /// How many, `high` included.
    pub count: usize,
    whole: bool,
}

impl Values {
    fn new(span: Span, whole: bool, step: Option<f64>) -> Result<Values, SeekError> {
        let step = step.unwrap_or(if whole {
            1.0
        } else {
            (span.high - span.low) / 20.0
        });
        if !(step.is_finite() && step > 0.0) || (whole && step.fract() != 0.0) {
            return Err(SeekError::Input(format!(
                "--step {step}: expected a number above 0{}",
                if whole {
                    ", whole, as the key takes whole numbers"
                } else {
                    ""
                }
            )));
        }
        if whole && (span.low.fract() != 0.0 || span.high.fract() != 0.0) {
            return Err(SeekError::Input(format!(
                "--range {span}: the key takes whole numbers, so its ends must be whole"
            )));
        }
        // Steps from low to below high (a last step shorter than the
        // others, or one that only rounding makes, ends at high).
        let steps = ((span.high - span.low) / step * (1.0 - 1e-12)).floor();
        if steps > MAX_VALUES as f64 {
            return Err(SeekError::Input(format!(
                "--range {span} in steps of {step} is more than {MAX_VALUES} values"
            )));
        }
        Ok(Values {
            low: span.low,
            high: span.high,
            step,
            count: steps as usize + 2,
            whole,
        })
    }

    /// Value `i`, as it is set.
    pub fn text(&self, i: usize) -> String {
        let x = if i + 1 >= self.count {
            self.high
        } else {
            self.low + i as f64 * self.step
        };
        if self.whole {
            format!("{}", x as i64)
        } else {
            real_text(x)
        }
    }
}

/// The scenario with `key` at `value`, checked.
fn at(source: &Source, key: &str, value: &str, limits: &Limits) -> Result<Scenario, SeekError> {
    let mut s = source.clone();
    s.set(&format!("{key}={value}"))?;
    Ok(s.validate_with(limits)?)
}

/// Seeks the smallest value of `opts.key` in its range whose 95% bound
/// meets the target, in `source` (a scenario with its overrides). Each
/// probe is handed to `on_probe` as soon as it is done.
pub fn seek(
    source: &Source,
    opts: &SeekOptions,
    mut on_probe: impl FnMut(&Probe),
) -> Result<Outcome, SeekError> {
    if opts.replications < 2 {
        return Err(SeekError::Input(format!(
            "--replications {}: a confidence bound needs at least 2 replications",
            opts.replications
        )));
    }
    let whole = takes_whole(source, &opts.key, opts.span, &opts.limits);
    let values = Values::new(opts.span, whole, opts.step)?;
    let last = values.count - 1;
    // Both ends are valid values of the key (the message names it).
    let low = at(source, &opts.key, &values.text(0), &opts.limits)?;
    at(source, &opts.key, &values.text(last), &opts.limits)?;
    let shape = crate::model::summary_shape(&low.config);
    let header = files::runs_header(&[], &shape);
    let column = header
        .iter()
        .position(|h| *h == opts.target.metric)
        .ok_or_else(|| {
            SeekError::Input(format!(
                "{}: this scenario does not measure `{}` (a mechanism's columns are written \
                 only where it is on)",
                source.path.display(),
                opts.target.metric
            ))
        })?;
    let first_seed = opts.seed.unwrap_or(low.config.seed);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs)
        .build()
        .map_err(SeekError::Threads)?;
    let mut probes: Vec<Probe> = Vec::new();
    // Which value each probe was of, to find a probe of a value.
    let mut probed: std::collections::BTreeMap<usize, usize> = Default::default();
    let mut probe = |i: usize, probes: &mut Vec<Probe>| -> Result<bool, SeekError> {
        if let Some(&p) = probed.get(&i) {
            return Ok(probes[p].meets);
        }
        let value = values.text(i);
        let scenario = at(source, &opts.key, &value, &opts.limits)?;
        let runs = opts.replications as usize;
        let results: Vec<Option<Option<f64>>> = pool.install(|| {
            (0..opts.replications)
                .into_par_iter()
                .map(|k| {
                    let mut cfg = scenario.config.clone();
                    cfg.seed = first_seed.wrapping_add(u64::from(k));
                    let report = Simulation::new(&cfg).run_while(&mut (), |_| !stop_requested());
                    if stop_requested() {
                        return None;
                    }
                    let row = files::run_row(0, k, cfg.seed, &[], &report.summary);
                    let fields = files::fields(&row);
                    Some(
                        fields
                            .get(column)
                            .and_then(|f| f.parse::<f64>().ok())
                            .filter(|x| x.is_finite()),
                    )
                })
                .collect()
        });
        if stop_requested() || results.iter().any(Option::is_none) {
            return Err(SeekError::Interrupted {
                probes: probes.len(),
            });
        }
        let xs: Vec<f64> = results.into_iter().flatten().flatten().collect();
        let estimate = stats::estimate(&xs, kind(&opts.target.metric));
        let meets = opts.target.met_by(&estimate, runs);
        let p = Probe {
            value,
            estimate,
            runs,
            meets,
        };
        on_probe(&p);
        probes.push(p);
        probed.insert(i, probes.len() - 1);
        Ok(meets)
    };
    let (answer, below) = if probe(0, &mut probes)? {
        (Some(0), None)
    } else if !probe(last, &mut probes)? {
        (None, None)
    } else {
        // A value that fails below one that meets; halve the gap.
        let (mut fails, mut meets) = (0, last);
        while meets - fails > 1 {
            let mid = fails + (meets - fails) / 2;
            if probe(mid, &mut probes)? {
                meets = mid;
            } else {
                fails = mid;
            }
        }
        (Some(meets), Some(fails))
    };
    Ok(Outcome {
        answer: answer.and_then(|i| probed.get(&i).copied()),
        below: below.and_then(|i| probed.get(&i).copied()),
        probes,
        values,
        whole,
        first_seed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_read_both_ways_and_refuse_what_is_not_one() {
        let t: Target = "deadline_hit_rate >= 0.99".parse().unwrap();
        assert_eq!(t.op, Op::AtLeast);
        assert_eq!((t.metric.as_str(), t.value), ("deadline_hit_rate", 0.99));
        let t: Target = "frame_latency_p99_ms<=120".parse().unwrap();
        assert_eq!((t.op, t.value), (Op::AtMost, 120.0));
        let e = "deadline_hit_rat >= 0.99".parse::<Target>().unwrap_err();
        assert!(e.contains("did you mean `deadline_hit_rate`"), "{e}");
        for bad in [
            "deadline_hit_rate > 0.99",
            "deadline_hit_rate >= x",
            ">= 1",
            "a >= inf",
        ] {
            assert!(bad.parse::<Target>().is_err(), "{bad}");
        }
    }

    #[test]
    fn ranges_are_low_below_high() {
        assert_eq!(
            "10..200".parse::<Span>(),
            Ok(Span {
                low: 10.0,
                high: 200.0
            })
        );
        for bad in ["200..10", "5..5", "10", "a..b", "1..inf", "..3"] {
            assert!(bad.parse::<Span>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_range_is_cut_into_values_with_the_high_end_last() {
        let span = |low, high| Span { low, high };
        let all = |v: Values| (0..v.count).map(|i| v.text(i)).collect::<Vec<_>>();
        let v = |low, high, whole, step| Values::new(span(low, high), whole, step);
        assert_eq!(
            all(v(3.0, 7.0, true, None).unwrap()),
            ["3", "4", "5", "6", "7"]
        );
        assert_eq!(
            all(v(3.0, 8.0, true, Some(2.0)).unwrap()),
            ["3", "5", "7", "8"]
        );
        assert_eq!(
            all(v(0.1, 0.3, false, Some(0.1)).unwrap()),
            ["0.1", "0.2", "0.3"]
        );
        assert_eq!(v(0.0, 1.0, false, None).unwrap().count, 21);
        let many = v(1.0, 1e12, true, None).unwrap();
        assert_eq!(many.count, 1_000_000_000_000);
        assert_eq!(many.text(many.count - 1), "1000000000000");
        assert!(v(3.0, 7.0, true, Some(1.5)).is_err());
        assert!(v(3.5, 7.0, true, None).is_err());
        assert!(v(0.0, 1e300, false, Some(1e-300)).is_err());
    }

    #[test]
    fn a_target_is_met_by_its_bound_and_every_replication() {
        let t: Target = "deadline_hit_rate >= 0.9".parse().unwrap();
        let e = |n, low, high| stats::Estimate {
            n,
            mean: Some(0.95),
            low: Some(low),
            high: Some(high),
        };
        assert!(t.met_by(&e(5, 0.91, 0.97), 5));
        assert!(
            !t.met_by(&e(5, 0.89, 0.99), 5),
            "the mean alone is not enough"
        );
        assert!(
            !t.met_by(&e(4, 0.91, 0.97), 5),
            "a replication gave no value"
        );
        let t: Target = "frame_latency_p99_ms <= 100".parse().unwrap();
        assert!(t.met_by(&e(5, 80.0, 99.0), 5));
        assert!(!t.met_by(&e(5, 80.0, 101.0), 5));
    }
}
