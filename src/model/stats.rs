//! Streaming statistics: counters and latency distributions whose memory
//! does not grow with the number of frames. Percentiles come from an HDR
//! histogram with 3 significant digits, within 0.1% of the exact value.

use std::borrow::Cow;

use hdrhistogram::Histogram;
use serde::{Deserialize, Deserializer, Serialize};

use crate::engine::SimTime;

/// Mean, max and percentiles of a stream of durations.
#[derive(Clone, Debug)]
pub struct LatencyStats {
    histogram: Histogram<u64>,
    sum_ns: u128,
    /// Exact extremes: the histogram only knows them to its precision.
    min_ns: u64,
    max_ns: u64,
}

impl Default for LatencyStats {
    fn default() -> Self {
        LatencyStats {
            histogram: Histogram::new(3).expect("3 significant digits is a valid precision"),
            sum_ns: 0,
            min_ns: u64::MAX,
            max_ns: 0,
        }
    }
}

impl LatencyStats {
    pub fn count(&self) -> u64 {
        self.histogram.len()
    }

    /// Mean in ms, exact; `None` when nothing was recorded.
    pub fn mean_ms(&self) -> Option<f64> {
        (self.count() > 0).then(|| self.sum_ns as f64 / self.count() as f64 / 1e6)
    }

    pub fn max_ms(&self) -> Option<f64> {
        (self.count() > 0).then(|| self.max_ns as f64 / 1e6)
    }

    /// The recorded distribution as `(lower_ms, upper_ms, count)` buckets in
    /// increasing order, adjacent histogram slots merged until a bucket
    /// spans 1% of its value: fine enough to draw, a few hundred rows.
    pub fn buckets(&self) -> Vec<(f64, f64, u64)> {
        let h = &self.histogram;
        let mut out: Vec<(f64, f64, u64)> = Vec::new();
        for v in h.iter_recorded() {
            let at = v.value_iterated_to();
            let (lower, upper) = (h.lowest_equivalent(at), h.highest_equivalent(at));
            let (lower, upper) = (lower as f64 / 1e6, upper as f64 / 1e6);
            match out.last_mut() {
                Some(last) if upper <= last.0 * 1.01 => {
                    last.1 = upper;
                    last.2 += v.count_at_value();
                }
                _ => out.push((lower, upper, v.count_at_value())),
            }
        }
        out
    }

    /// The `q` quantile in ms: the middle of its histogram bucket, so within
    /// half a bucket (0.05%) of the exact order statistic.
    pub fn quantile_ms(&self, q: f64) -> Option<f64> {
        if self.count() == 0 {
            return None;
        }
        let h = &self.histogram;
        let v = h
            .median_equivalent(h.value_at_quantile(q))
            .clamp(self.min_ns, self.max_ns);
        Some(v as f64 / 1e6)
    }
}

/// Sub-buckets per power of two of an HDR histogram of 3 significant
/// digits, as a power of two (2048).
const SUB_BITS: u32 = 11;

/// Durations counted as an HDR histogram of 3 significant digits and 1 ns
/// unit would count them (the same buckets, by the same arithmetic), but
/// without its bookkeeping per value: two durations are recorded per task,
/// and this is about a quarter of the cost of `Histogram::record` plus our
/// exact mean and extremes. The histogram itself is built once, for the
/// report, by [`LatencyCounter::stats`].
///
/// ```
/// use p2c2g::engine::SimTime;
/// use p2c2g::model::stats::LatencyCounter;
/// let mut c = LatencyCounter::default();
/// c.record(SimTime::from_ms(2.0));
/// c.record(SimTime::from_ms(4.0));
/// assert_eq!(c.stats().mean_ms(), Some(3.0));
/// ```
#[derive(Clone, Debug)]
pub struct LatencyCounter {
    counts: Vec<u64>,
    sum_ns: u128,
    min_ns: u64,
    max_ns: u64,
}

impl Default for LatencyCounter {
    fn default() -> Self {
        LatencyCounter {
            counts: Vec::new(),
            sum_ns: 0,
            min_ns: u64::MAX,
            max_ns: 0,
        }
    }
}

impl LatencyCounter {
    #[inline(always)]
    pub fn record(&mut self, latency: SimTime) {
        let ns = latency.as_nanos();
        let at = hdr_index(ns);
        if at >= self.counts.len() {
            self.counts.resize(at + 1, 0);
        }
        self.counts[at] += 1;
        self.sum_ns += u128::from(ns);
        self.min_ns = self.min_ns.min(ns);
        self.max_ns = self.max_ns.max(ns);
    }

    /// Adds what `other` counted to this one.
    pub fn merge(&mut self, other: &LatencyCounter) {
        if other.counts.len() > self.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            *mine += theirs;
        }
        self.sum_ns += other.sum_ns;
        self.min_ns = self.min_ns.min(other.min_ns);
        self.max_ns = self.max_ns.max(other.max_ns);
    }

    /// The distribution counted so far, as an HDR histogram.
    pub fn stats(&self) -> LatencyStats {
        let mut stats = LatencyStats {
            sum_ns: self.sum_ns,
            min_ns: self.min_ns,
            max_ns: self.max_ns,
            ..LatencyStats::default()
        };
        for (at, &count) in self.counts.iter().enumerate() {
            if count > 0 {
                let ns = hdr_lowest(at);
                // `record_n` grows the histogram as needed; it fails only
                // past u64 bucket arithmetic, and then the value is clamped.
                if stats.histogram.record_n(ns, count).is_err() {
                    stats.histogram.saturating_record_n(ns, count);
                }
            }
        }
        stats
    }
}

/// The index of the bucket of `ns` in an HDR histogram of `SUB_BITS`
/// (bucket `b` holds `2^(SUB_BITS - 1)` sub-buckets of width `2^b`).
fn hdr_index(ns: u64) -> usize {
    let bucket = 64 - SUB_BITS - (ns | ((1 << SUB_BITS) - 1)).leading_zeros();
    ((bucket as usize) << (SUB_BITS - 1)) + (ns >> bucket) as usize
}

/// The lowest value of the bucket at `index`.
fn hdr_lowest(index: usize) -> u64 {
    let half = 1 << (SUB_BITS - 1);
    if index < 2 * half {
        index as u64
    } else {
        let bucket = index / half - 1;
        ((index - bucket * half) as u64) << bucket
    }
}

/// Reads a plain number of a row: an empty field, where the output layer
/// writes a number that is not finite, reads as NaN.
pub fn nan_if_empty<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// Reads an optional column whose value may be empty: present, it is
/// `Some`, empty or not (an empty field is `Some(None)`); absent, the
/// field's default, `None`.
pub fn some_if_present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<f64>>, D::Error> {
    Ok(Some(Option::<f64>::deserialize(d)?))
}

/// One row of `summary.csv`; field order is column order. Written by the
/// output layer and read back by the charts.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    pub scenario: String,
    pub seed: u64,
    pub frames: u64,
    pub frames_on_time: u64,
    pub frames_late: u64,
    pub frames_failed: u64,
    pub deadline_hit_rate: Option<f64>,
    pub frame_latency_mean_ms: Option<f64>,
    pub frame_latency_p50_ms: Option<f64>,
    pub frame_latency_p95_ms: Option<f64>,
    pub frame_latency_p99_ms: Option<f64>,
    pub frame_latency_max_ms: Option<f64>,
    pub tasks: u64,
    pub tasks_completed: u64,
    pub tasks_failed: u64,
    pub task_latency_mean_ms: Option<f64>,
    pub task_latency_p50_ms: Option<f64>,
    pub task_latency_p95_ms: Option<f64>,
    pub task_latency_p99_ms: Option<f64>,
    pub attempts: u64,
    pub failovers: u64,
    pub timeouts: u64,
    #[serde(deserialize_with = "nan_if_empty")]
    pub utilization: f64,
    #[serde(deserialize_with = "nan_if_empty")]
    pub sim_time_s: f64,
    pub events: u64,
    pub renters: u32,
    pub peers: u64,
    pub slots: u64,
    pub task_latency_max_ms: Option<f64>,
    /// The mean of `workload.deadline_ms`, and whether it is a constant.
    #[serde(deserialize_with = "nan_if_empty")]
    pub deadline_mean_ms: f64,
    pub deadline_constant: bool,
    /// The scenario's window of counted frames.
    #[serde(deserialize_with = "nan_if_empty")]
    pub warmup_s: f64,
    #[serde(deserialize_with = "nan_if_empty")]
    pub duration_s: f64,
    /// Churn (only when some group churns): attempts lost at peers that
    /// left, online peer-time over all peer-time, sessions begun (the one
    /// at 0 included; a peer that never leaves has one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts_lost: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer_availability: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sessions: Option<u64>,
    /// Links (only when sizes or bandwidths are given): the mean time a
    /// message (an input or a reply of a counted frame) waited for its
    /// link; empty with no message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_wait_ms_mean: Option<Option<f64>>,
    /// Copies and hedging (only when a task may have several attempts
    /// out): copies started with new tasks beyond the first, hedges,
    /// attempts stopped at their peer by a cancel, and the busy time of
    /// attempts whose result was not the one accepted (counted frames).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copies: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hedges: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wasted_ms: Option<f64>,
    /// `drop_late` only: frames failed at their deadline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frames_dropped: Option<u64>,
    /// Untrusted results (only when results may be wrong or are voted
    /// on): delivered frames with a wrong accepted result, and the share
    /// of frames on time and not corrupt (empty with no frame).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frames_corrupt: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub good_rate: Option<Option<f64>>,
    /// Cost (only when a price, a power or a revenue is given), over the
    /// whole run: what the peers were paid and their electricity; per
    /// frame delivered on time (empty with none); the part spent on busy
    /// time that produced no accepted result, and that split by cause;
    /// the energy drawn; what the renters paid; revenue minus cost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_total: Option<f64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "some_if_present"
    )]
    pub cost_per_frame_on_time: Option<Option<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_wasted: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_wasted_timeouts: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_wasted_lost: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_wasted_cancelled: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_wasted_failed: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_wasted_wrong: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_wasted_unfinished: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub energy_kwh: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revenue: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub margin: Option<f64>,
}

/// One row of `peers.csv`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PeerReport {
    pub peer: u32,
    pub group: String,
    pub slots: u32,
    #[serde(deserialize_with = "nan_if_empty")]
    pub speed: f64,
    #[serde(deserialize_with = "nan_if_empty")]
    pub latency_ms: f64,
    #[serde(deserialize_with = "nan_if_empty")]
    pub reliability: f64,
    pub attempts: u64,
    pub successes: u64,
    pub failures: u64,
    #[serde(deserialize_with = "nan_if_empty")]
    pub busy_ms: f64,
    #[serde(deserialize_with = "nan_if_empty")]
    pub utilization: f64,
    #[serde(deserialize_with = "nan_if_empty")]
    pub reputation: f64,
    /// Churn (only when some group churns): time online in the run,
    /// sessions begun, attempts lost.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub online_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sessions: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lost: Option<u64>,
    /// Links (only when sizes or bandwidths are given): each direction's
    /// bandwidth (empty: no limit) and time spent sending, over the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub downlink_mbps: Option<Option<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uplink_mbps: Option<Option<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uplink_busy_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub downlink_busy_ms: Option<f64>,
    /// Cost (only when a price, a power or a revenue is given), over the
    /// whole run: what the peer was paid plus its electricity, and the
    /// energy it drew.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub energy_kwh: Option<f64>,
}

/// One row of `coordinators.csv` (several coordinators only): the
/// summary's counters over the counted frames of one coordinator's
/// renters.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CoordinatorReport {
    pub coordinator: u32,
    /// Renters it serves (renter `r` by coordinator `r mod count`).
    pub renters: u32,
    pub frames: u64,
    pub frames_on_time: u64,
    pub frames_late: u64,
    pub frames_failed: u64,
    pub deadline_hit_rate: Option<f64>,
    pub frame_latency_mean_ms: Option<f64>,
    pub frame_latency_p50_ms: Option<f64>,
    pub frame_latency_p95_ms: Option<f64>,
    pub frame_latency_p99_ms: Option<f64>,
    pub frame_latency_max_ms: Option<f64>,
    pub tasks: u64,
    pub tasks_completed: u64,
    pub tasks_failed: u64,
    pub attempts: u64,
    pub failovers: u64,
    pub timeouts: u64,
    /// The wave-2 counters of the summary, where those are on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts_lost: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copies: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hedges: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frames_corrupt: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub good_rate: Option<Option<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wasted_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frames_dropped: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_wait_ms_mean: Option<Option<f64>>,
}

/// One row of `latency_hist.csv`: a bucket of a latency distribution.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct LatencyBucket {
    /// `frame` (delivered frames) or `task` (completed tasks).
    pub series: Cow<'static, str>,
    /// For tasks: the group of the peer that completed it.
    pub group: String,
    #[serde(deserialize_with = "nan_if_empty")]
    pub lower_ms: f64,
    #[serde(deserialize_with = "nan_if_empty")]
    pub upper_ms: f64,
    pub count: u64,
}

/// Everything a finished run reports besides its records.
#[derive(Clone, Debug)]
pub struct Report {
    pub summary: Summary,
    pub peers: Vec<PeerReport>,
    /// By coordinator, when there are several; else empty.
    pub coordinators: Vec<CoordinatorReport>,
    /// Frame latencies, then task latencies per peer group.
    pub latency: Vec<LatencyBucket>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counting and then building the histogram gives exactly the
    /// histogram that recording every value gives, at every time scale.
    #[test]
    fn a_counter_builds_the_histogram_that_recording_builds() {
        use rand::RngExt;
        let mut rng = crate::engine::stream(7, 0, 0);
        let mut counter = LatencyCounter::default();
        let mut other = LatencyCounter::default();
        // The reference: every value recorded into the histogram itself.
        let mut direct = LatencyStats::default();
        for i in 0..200_000 {
            // Log-uniform from 1 ns to about 2^62 ns, plus the edges.
            let ns = match i {
                0 => 0,
                1 => u64::MAX,
                _ => (rng.random::<f64>() * 62.0).exp2() as u64,
            };
            let into = if i % 2 == 0 { &mut counter } else { &mut other };
            into.record(SimTime::from_nanos(ns));
            if direct.histogram.record(ns).is_err() {
                direct.histogram.saturating_record(ns);
            }
            direct.sum_ns += u128::from(ns);
            direct.min_ns = direct.min_ns.min(ns);
            direct.max_ns = direct.max_ns.max(ns);
        }
        counter.merge(&other);
        let built = counter.stats();
        let recorded = |s: &LatencyStats| -> Vec<(u64, u64)> {
            s.histogram
                .iter_recorded()
                .map(|v| (v.value_iterated_to(), v.count_at_value()))
                .collect()
        };
        assert_eq!(recorded(&built), recorded(&direct));
        assert_eq!(built.count(), 200_000);
        assert_eq!(built.buckets(), direct.buckets());
        for q in [0.0, 0.1, 0.5, 0.9, 0.99, 0.999, 1.0] {
            assert_eq!(built.quantile_ms(q), direct.quantile_ms(q));
        }
        assert_eq!(built.mean_ms(), direct.mean_ms());
        assert_eq!(built.max_ms(), direct.max_ms());
    }

    #[test]
    fn quantiles_are_within_a_tenth_of_a_percent() {
        let mut counter = LatencyCounter::default();
        let mut other = LatencyCounter::default();
        for i in 1..=10_000u64 {
            let into = if i % 3 == 0 { &mut other } else { &mut counter };
            into.record(SimTime::from_nanos(i * 1_000_003));
        }
        counter.merge(&other);
        let s = counter.stats();
        let buckets = s.buckets();
        assert_eq!(buckets.iter().map(|b| b.2).sum::<u64>(), 10_000);
        assert!(
            buckets.iter().all(|b| b.1 <= b.0 * 1.0101 || b.2 == 1),
            "buckets span at most 1%"
        );
        assert!(buckets.len() < 1_000, "{} buckets", buckets.len());
        for (q, exact) in [(0.5, 5000.0), (0.95, 9500.0), (0.99, 9900.0)] {
            let exact_ms = exact * 1.000_003;
            let got = s.quantile_ms(q).unwrap();
            assert!(
                (got - exact_ms).abs() / exact_ms < 1e-3,
                "q{q}: {got} vs {exact_ms}"
            );
        }
        assert_eq!(s.max_ms(), Some(10_000.0 * 1.000_003));
        assert!((s.mean_ms().unwrap() - 5000.5 * 1.000_003).abs() < 1e-9);
        assert_eq!(LatencyCounter::default().stats().mean_ms(), None);
    }
}
