//! What a run's charts are drawn from: its CSV files, read with the row
//! types that wrote them. `timeseries.csv` and `peers.csv` grow with the
//! run, so they are read a row at a time and thinned as they are read:
//! memory stays bounded whatever their number of rows.

use std::collections::HashSet;
use std::path::Path;

use serde::de::DeserializeOwned;

use super::style::{finite_max, MAX_POINTS};
use super::ChartError;
use crate::model::{CoordinatorReport, LatencyBucket, PeerReport, Summary};
use crate::output::rows::SampleRow;
use crate::output::FileError;

/// Most peers drawn in a scatter; more are sampled evenly by id.
pub const MAX_PEERS: usize = 3000;

/// What the charts are drawn from: the CSV files of one run.
pub struct Run {
    pub summary: Summary,
    pub latency: Vec<LatencyBucket>,
    /// The time series, averaged over at most about `MAX_POINTS` windows.
    pub windows: Vec<Window>,
    pub peers: Peers,
    /// `coordinators.csv`, if the run had several coordinators.
    pub coordinators: Vec<CoordinatorReport>,
}

fn read<T: DeserializeOwned>(dir: &Path, name: &str) -> Result<Vec<T>, ChartError> {
    let file = dir.join(name);
    let rows = csv::Reader::from_path(&file)
        .and_then(|mut r| r.deserialize().collect::<Result<Vec<T>, _>>())
        .map_err(|e| FileError::csv(&file, "read the file", e))?;
    Ok(rows)
}

/// Reads the rows of `dir/name` one at a time, twice: once to count them,
/// then handing each to `each` with its index and the count. Memory does
/// not grow with the number of rows.
fn stream<T: DeserializeOwned>(
    dir: &Path,
    name: &str,
    mut each: impl FnMut(usize, usize, T),
) -> Result<(), ChartError> {
    let file = dir.join(name);
    let failed = |e| FileError::csv(&file, "read the file", e);
    let mut count = 0;
    let mut reader = csv::Reader::from_path(&file).map_err(failed)?;
    let mut record = csv::ByteRecord::new();
    while reader.read_byte_record(&mut record).map_err(failed)? {
        count += 1;
    }
    let mut reader = csv::Reader::from_path(&file).map_err(failed)?;
    for (i, row) in reader.deserialize().enumerate() {
        each(i, count, row.map_err(failed)?);
    }
    Ok(())
}

impl Run {
    pub fn load(dir: &Path) -> Result<Run, ChartError> {
        let summary = read::<Summary>(dir, "summary.csv")?
            .into_iter()
            .next()
            .ok_or_else(|| ChartError::Empty {
                file: dir.join("summary.csv"),
            })?;
        // A bucket without finite bounds has no place on any axis.
        let latency = read::<LatencyBucket>(dir, "latency_hist.csv")?
            .into_iter()
            .filter(|b| b.lower_ms.is_finite() && b.upper_ms.is_finite())
            .collect();
        let mut windows = Windows::new(summary.slots, summary.peers);
        stream(dir, "timeseries.csv", |_, count, row: SampleRow| {
            windows.push(count, &row)
        })?;
        let mut peers = Peers::default();
        stream(dir, "peers.csv", |i, count, row| peers.push(i, count, row))?;
        let coordinators = if dir.join("coordinators.csv").exists() {
            read::<CoordinatorReport>(dir, "coordinators.csv")?
        } else {
            Vec::new()
        };
        Ok(Run {
            summary,
            latency,
            windows: windows.finish(),
            peers,
            coordinators,
        })
    }

    /// Where counting starts and where new frames stop, in seconds.
    pub fn phases(&self) -> (f64, f64) {
        (self.summary.warmup_s, self.summary.duration_s)
    }
}

/// peers.csv as the peers chart needs it: a sample of the peers, and what
/// is known of all of them.
pub struct Peers {
    /// Every `k`-th peer and the last, at most about `MAX_PEERS`.
    pub shown: Vec<PeerReport>,
    /// Of all peers: how many, their groups in order of first appearance,
    /// the lowest finite reliability (at most 1) and the highest finite
    /// utilisation (at least 1%), in percent.
    pub count: usize,
    pub groups: Vec<String>,
    pub lowest_reliability: f64,
    pub top_utilization_pct: f64,
    /// The groups met so far, to find one in constant time.
    known: HashSet<String>,
}

impl Default for Peers {
    fn default() -> Peers {
        Peers {
            shown: Vec::new(),
            count: 0,
            groups: Vec::new(),
            lowest_reliability: 1.0,
            top_utilization_pct: 1.0,
            known: HashSet::new(),
        }
    }
}

impl Peers {
    /// Takes in peer `i` of `count`.
    fn push(&mut self, i: usize, count: usize, p: PeerReport) {
        self.count += 1;
        if self.known.insert(p.group.clone()) {
            self.groups.push(p.group.clone());
        }
        if p.reliability.is_finite() {
            self.lowest_reliability = self.lowest_reliability.min(p.reliability);
        }
        self.top_utilization_pct = finite_max([p.utilization * 100.0], self.top_utilization_pct);
        let k = count.div_ceil(MAX_PEERS).max(1);
        if i.is_multiple_of(k) || i + 1 == count {
            self.shown.push(p);
        }
    }
}

/// How far past the slowest latency a deadline may be and still be on
/// the latency axis: further (the textbook scenarios' 1e6 ms, which means
/// "no deadline") it would squeeze every latency into the left of the
/// chart.
const DEADLINE_REACH: f64 = 10.0;

/// The latency axis: every bucket and the deadline (if finite and not far
/// past them), with a margin; `0 < lo < hi`, both finite.
pub fn latency_range(run: &Run) -> (f64, f64) {
    let lo = run
        .latency
        .iter()
        .map(|r| r.lower_ms)
        .fold(f64::INFINITY, f64::min);
    let hi = run.latency.iter().map(|r| r.upper_ms).fold(0.0, f64::max);
    let deadline = run.summary.deadline_mean_ms;
    let near = deadline.is_finite() && deadline > 0.0;
    if !lo.is_finite() && near {
        // Nothing delivered: the deadline alone, two decades below it.
        return (deadline / 100.0, (deadline * 1.25).min(f64::MAX));
    }
    // A deadline below every latency (all frames late) is on the axis too.
    let (lo, hi) = if near && deadline <= hi * DEADLINE_REACH {
        (lo.min(deadline), hi.max(deadline))
    } else {
        (lo, hi)
    };
    if lo.is_finite() && hi > 0.0 {
        let (lo, hi) = ((lo * 0.8).max(0.01), (hi * 1.25).min(f64::MAX));
        if hi > lo {
            return (lo, hi);
        }
        return (lo, (lo * 10.0).min(f64::MAX));
    }
    (0.1, 1000.0)
}

/// Samples averaged over windows of equal length, at most `MAX_POINTS`:
/// `(t_s, queued, busy share, on-time rate, attempts/s, failovers/s, timeouts/s)`.
pub struct Window {
    pub t_s: f64,
    pub queued: f64,
    pub busy: f64,
    /// Peers online, as a share of all peers.
    pub online: f64,
    pub on_time: Option<f64>,
    /// Frames delivered in the window.
    pub delivered: u64,
    pub attempts_per_s: f64,
    pub failovers_per_s: f64,
    pub timeouts_per_s: f64,
}

/// Windows being made from rows of timeseries.csv, `k` rows each (the
/// last may have fewer), so that there are at most `MAX_POINTS`. Each row
/// weighs as much as its interval is long.
struct Windows {
    slots: f64,
    peers: f64,
    done: Vec<Window>,
    /// The window being filled: where it starts, how many rows it has,
    /// where its last row ends, and its sums.
    from_ms: f64,
    rows: usize,
    at_ms: f64,
    queued: f64,
    busy: f64,
    online: f64,
    delivered: u64,
    on_time: u64,
    attempts: u64,
    failovers: u64,
    timeouts: u64,
}

impl Windows {
    fn new(slots: u64, peers: u64) -> Windows {
        Windows {
            slots: slots.max(1) as f64,
            peers: peers.max(1) as f64,
            done: Vec::new(),
            from_ms: 0.0,
            rows: 0,
            at_ms: 0.0,
            queued: 0.0,
            busy: 0.0,
            online: 0.0,
            delivered: 0,
            on_time: 0,
            attempts: 0,
            failovers: 0,
            timeouts: 0,
        }
    }

    /// Adds a row of a file of `count` rows.
    fn push(&mut self, count: usize, r: &SampleRow) {
        let k = count.div_ceil(MAX_POINTS).max(1);
        self.queued += (r.waiting_coordinator + r.waiting_peers) * (r.t_ms - self.at_ms);
        self.busy += r.running * (r.t_ms - self.at_ms);
        self.online += r.online_peers * (r.t_ms - self.at_ms);
        self.at_ms = r.t_ms;
        self.delivered += r.frames_delivered;
        self.on_time += r.frames_on_time;
        self.attempts += r.attempts;
        self.failovers += r.failovers;
        self.timeouts += r.timeouts;
        self.rows += 1;
        if self.rows >= k {
            self.close();
        }
    }

    fn close(&mut self) {
        let dt_ms = self.at_ms - self.from_ms;
        let per_s = |n: u64| {
            if dt_ms > 0.0 {
                n as f64 * 1000.0 / dt_ms
            } else {
                0.0
            }
        };
        let mean = |area: f64| if dt_ms > 0.0 { area / dt_ms } else { 0.0 };
        self.done.push(Window {
            t_s: self.at_ms / 1000.0,
            queued: mean(self.queued),
            busy: mean(self.busy) / self.slots,
            online: mean(self.online) / self.peers,
            on_time: (self.delivered > 0).then(|| self.on_time as f64 / self.delivered as f64),
            delivered: self.delivered,
            attempts_per_s: per_s(self.attempts),
            failovers_per_s: per_s(self.failovers),
            timeouts_per_s: per_s(self.timeouts),
        });
        *self = Windows {
            slots: self.slots,
            peers: self.peers,
            done: std::mem::take(&mut self.done),
            from_ms: self.at_ms,
            at_ms: self.at_ms,
            ..Windows::new(0, 0)
        };
    }

    fn finish(mut self) -> Vec<Window> {
        if self.rows > 0 {
            self.close();
        }
        self.done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(t_ms: f64) -> SampleRow {
        SampleRow {
            t_ms,
            waiting_coordinator: 0.5,
            waiting_peers: 1.0,
            running: 3.0,
            in_flight: 0.0,
            backoff: 0.0,
            online_peers: 4.0,
            frames_created: 1,
            frames_delivered: 2,
            frames_on_time: 1,
            attempts: 3,
            failovers: 1,
            timeouts: 0,
            peers_joined: None,
            peers_left: None,
            attempts_lost: None,
            copies: None,
            hedges: None,
            cancelled: None,
            frames_dropped: None,
            frames_corrupt: None,
        }
    }

    #[test]
    fn a_long_time_series_is_averaged_into_a_bounded_number_of_windows() {
        let count = 100_003;
        let mut windows = Windows::new(4, 4);
        for i in 0..count {
            windows.push(count, &row((i + 1) as f64 * 10.0));
        }
        let w = windows.finish();
        // 67 rows a window; the last has the 17 rows left.
        assert_eq!(w.len(), count.div_ceil(67));
        assert!(w.len() <= MAX_POINTS);
        assert_eq!(w[0].t_s, 0.67);
        assert_eq!(w.last().unwrap().t_s, count as f64 / 100.0);
        for w in &w {
            assert!((w.queued - 1.5).abs() < 1e-9);
            assert!((w.busy - 0.75).abs() < 1e-9);
            assert_eq!(w.on_time, Some(0.5));
            assert!((w.attempts_per_s - 300.0).abs() < 1e-6);
            assert!((w.failovers_per_s - 100.0).abs() < 1e-6);
            assert_eq!(w.timeouts_per_s, 0.0);
        }
    }

    #[test]
    fn peers_are_sampled_evenly_keeping_the_last_and_counted_whole() {
        let count = 7_000;
        let mut peers = Peers::default();
        for i in 0..count {
            let p = PeerReport {
                peer: i as u32,
                group: format!("g{}", i % 3),
                slots: 1,
                speed: 1.0,
                latency_ms: 1.0,
                reliability: 1.0 - i as f64 / 1e5,
                attempts: 0,
                successes: 0,
                failures: 0,
                busy_ms: 0.0,
                utilization: i as f64 / 1e4,
                reputation: 0.5,
                online_s: None,
                sessions: None,
                lost: None,
                downlink_mbps: None,
                uplink_mbps: None,
                uplink_busy_ms: None,
                downlink_busy_ms: None,
                cost: None,
                energy_kwh: None,
            };
            peers.push(i, count, p);
        }
        assert_eq!(peers.count, count);
        assert_eq!(peers.groups, ["g0", "g1", "g2"]);
        let ids: Vec<u32> = peers.shown.iter().map(|p| p.peer).collect();
        assert_eq!(ids.len(), 2_334);
        assert_eq!(ids[..3], [0, 3, 6]);
        assert_eq!(ids.last(), Some(&6_999));
        assert_eq!(peers.lowest_reliability, 1.0 - 6_999.0 / 1e5);
        assert_eq!(peers.top_utilization_pct, 69.99);
    }
}
