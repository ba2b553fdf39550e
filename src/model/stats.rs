//! Streaming statistics: counters and latency distributions whose memory
//! does not grow with the number of frames. Percentiles come from an HDR
//! histogram with 3 significant digits, within 0.1% of the exact value.

use hdrhistogram::Histogram;
use serde::Serialize;

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
    pub fn record(&mut self, latency: SimTime) {
        let ns = latency.as_nanos();
        // `record` grows the histogram as needed (`saturating_record` would
        // clamp instead); it fails only past u64 bucket arithmetic.
        if self.histogram.record(ns).is_err() {
            self.histogram.saturating_record(ns);
        }
        self.sum_ns += u128::from(ns);
        self.min_ns = self.min_ns.min(ns);
        self.max_ns = self.max_ns.max(ns);
    }

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

    /// Adds what `other` recorded to this one.
    pub fn merge(&mut self, other: &LatencyStats) {
        self.histogram
            .add(&other.histogram)
            .expect("histograms of equal precision add up");
        self.sum_ns += other.sum_ns;
        self.min_ns = self.min_ns.min(other.min_ns);
        self.max_ns = self.max_ns.max(other.max_ns);
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

/// The counts of MODEL.md section 5, over counted frames and their tasks.
#[derive(Clone, Debug, Default)]
pub struct Counters {
    pub frames: u64,
    pub frames_on_time: u64,
    pub frames_late: u64,
    pub frames_failed: u64,
    pub tasks: u64,
    pub tasks_completed: u64,
    pub tasks_failed: u64,
    pub attempts: u64,
    pub failovers: u64,
    pub timeouts: u64,
}

/// One row of `summary.csv`; field order is column order.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
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
    pub utilization: f64,
    pub sim_time_s: f64,
    pub events: u64,
    pub renters: u32,
    pub peers: u64,
    pub slots: u64,
    pub task_latency_max_ms: Option<f64>,
    /// The mean of `workload.deadline_ms`, and whether it is a constant.
    pub deadline_mean_ms: f64,
    pub deadline_constant: bool,
    /// The scenario's window of counted frames.
    pub warmup_s: f64,
    pub duration_s: f64,
}

/// One row of `peers.csv`.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PeerReport {
    pub peer: u32,
    pub group: String,
    pub slots: u32,
    pub speed: f64,
    pub latency_ms: f64,
    pub reliability: f64,
    pub attempts: u64,
    pub successes: u64,
    pub failures: u64,
    pub busy_ms: f64,
    pub utilization: f64,
    pub reputation: f64,
}

/// One row of `latency_hist.csv`: a bucket of a latency distribution.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct LatencyBucket {
    /// `frame` (delivered frames) or `task` (completed tasks).
    pub series: &'static str,
    /// For tasks: the group of the peer that completed it.
    pub group: String,
    pub lower_ms: f64,
    pub upper_ms: f64,
    pub count: u64,
}

/// Everything a finished run reports besides its records.
#[derive(Clone, Debug)]
pub struct Report {
    pub summary: Summary,
    pub peers: Vec<PeerReport>,
    /// Frame latencies, then task latencies per peer group.
    pub latency: Vec<LatencyBucket>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_within_a_tenth_of_a_percent() {
        let mut s = LatencyStats::default();
        let mut other = LatencyStats::default();
        for i in 1..=10_000u64 {
            let into = if i % 3 == 0 { &mut other } else { &mut s };
            into.record(SimTime::from_nanos(i * 1_000_003));
        }
        s.merge(&other);
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
        assert_eq!(LatencyStats::default().mean_ms(), None);
    }
}
