//! The time series: one row per interval `(t - sample_ms, t]`, its levels
//! averaged over time (not snapshots, which alias with periodic arrivals)
//! and its flows counted within it.
//!
//! A level integrates itself as it changes, by anticipation: a rise at
//! `now` adds `end - now` to the area of the interval ending at `end` (as
//! if it lasted to the end), a fall takes that back. That costs an
//! addition per change and nothing per event. No event is scheduled for
//! sampling, so the sampling interval cannot change anything but this
//! file.

use super::record::{Recorder, Sample};
use super::tally::Counters;
use crate::engine::SimTime;

/// A count that the time series averages over time.
#[derive(Clone, Debug, Default)]
pub struct Level {
    value: u64,
    /// Value x nanoseconds over the current interval, as if the value
    /// held to the interval's end.
    area: u128,
}

impl Level {
    #[inline(always)]
    pub fn up(&mut self, now: SimTime, series: &TimeSeries) {
        self.value += 1;
        self.area += u128::from((series.end - now).as_nanos());
    }

    #[inline(always)]
    pub fn down(&mut self, now: SimTime, series: &TimeSeries) {
        self.value -= 1;
        self.area -= u128::from((series.end - now).as_nanos());
    }

    /// The mean over `(start, end]`, the current interval cut at `end`
    /// (its planned end is `planned`); starts the next interval, `every`
    /// long.
    fn close(&mut self, start: SimTime, end: SimTime, planned: SimTime, every: SimTime) -> f64 {
        let beyond = u128::from(self.value) * u128::from((planned - end).as_nanos());
        let mean = (self.area - beyond) as f64 / (end - start).as_nanos() as f64;
        self.area = u128::from(self.value) * u128::from(every.as_nanos());
        mean
    }
}

/// The levels of the system, as [`Sample`] reports them.
#[derive(Clone, Debug, Default)]
pub struct Levels {
    /// Tasks in the central queue or parked at the coordinator.
    pub waiting_coordinator: Level,
    /// Attempts queued at peers.
    pub waiting_peers: Level,
    /// Attempts being processed.
    pub running: Level,
    /// Attempts dispatched and not yet resolved.
    pub in_flight: Level,
    /// Tasks waiting out a backoff.
    pub backoff: Level,
    pub online_peers: Level,
}

/// The wave-2 flows a run's rows count, beside the core ones: those of
/// the mechanisms that are on, as in the summary.
#[derive(Clone, Copy, Debug, Default)]
pub struct Flows {
    /// Peers joining and leaving, attempts lost.
    pub churn: bool,
    /// Copies, hedges, cancels.
    pub copies: bool,
    pub drop_late: bool,
    /// Corrupt frames.
    pub trust: bool,
}

/// The interval being accumulated.
pub struct TimeSeries {
    every: SimTime,
    flows: Flows,
    /// Where the current interval starts and ends.
    start: SimTime,
    end: SimTime,
    /// The running totals when the current interval started.
    totals_at_start: Counters,
}

impl TimeSeries {
    pub fn new(every: SimTime, flows: Flows) -> TimeSeries {
        TimeSeries {
            every,
            flows,
            start: SimTime::ZERO,
            end: every,
            totals_at_start: Counters::default(),
        }
    }

    /// Whether an event at `now` comes after the current interval, which
    /// must then be closed first ([`advance`](TimeSeries::advance)).
    #[inline(always)]
    pub fn due(&self, now: SimTime) -> bool {
        now > self.end
    }

    /// Closes and records the intervals that end before `now`. `totals`
    /// are the running totals over all frames, which have not yet changed
    /// at `now`.
    pub fn advance<R: Recorder>(
        &mut self,
        now: SimTime,
        levels: &mut Levels,
        totals: &Counters,
        rec: &mut R,
    ) {
        while now > self.end {
            self.close(self.end, levels, totals, rec);
        }
    }

    /// Ends the series at `end` (no event comes after it), closing the
    /// last interval there, shorter than the others unless `end` is one of
    /// their boundaries.
    pub fn finish<R: Recorder>(
        &mut self,
        end: SimTime,
        levels: &mut Levels,
        totals: &Counters,
        rec: &mut R,
    ) {
        self.advance(end, levels, totals, rec);
        if end > self.start {
            self.close(end, levels, totals, rec);
        }
    }

    /// Records the interval `(start, end]` and starts the next one.
    fn close<R: Recorder>(
        &mut self,
        end: SimTime,
        levels: &mut Levels,
        totals: &Counters,
        rec: &mut R,
    ) {
        let length = end - self.start;
        let (start, planned, every) = (self.start, self.end, self.every);
        let mean = |level: &mut Level| level.close(start, end, planned, every);
        let before = &self.totals_at_start;
        let delivered = |c: &Counters| c.frames_on_time + c.frames_late;
        let flow =
            |on: bool, count: fn(&Counters) -> u64| on.then(|| count(totals) - count(before));
        let f = self.flows;
        rec.sample(&Sample {
            t: end,
            length,
            waiting_coordinator: mean(&mut levels.waiting_coordinator),
            waiting_peers: mean(&mut levels.waiting_peers),
            running: mean(&mut levels.running),
            in_flight: mean(&mut levels.in_flight),
            backoff: mean(&mut levels.backoff),
            online_peers: mean(&mut levels.online_peers),
            frames_created: totals.frames - before.frames,
            frames_delivered: delivered(totals) - delivered(before),
            frames_on_time: totals.frames_on_time - before.frames_on_time,
            attempts: totals.attempts - before.attempts,
            failovers: totals.failovers - before.failovers,
            timeouts: totals.timeouts - before.timeouts,
            peers_joined: flow(f.churn, |c| c.peers_joined),
            peers_left: flow(f.churn, |c| c.peers_left),
            attempts_lost: flow(f.churn, |c| c.attempts_lost),
            copies: flow(f.copies, |c| c.copies),
            hedges: flow(f.copies, |c| c.hedges),
            cancelled: flow(f.copies, |c| c.cancelled),
            frames_dropped: flow(f.drop_late, |c| c.frames_dropped),
            frames_corrupt: flow(f.trust, |c| c.frames_corrupt),
        });
        self.totals_at_start = totals.clone();
        self.start = end;
        self.end = end + self.every;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Rows(Vec<Sample>);
    impl Recorder for Rows {
        fn sample(&mut self, s: &Sample) {
            self.0.push(s.clone());
        }
    }

    fn ms(x: u64) -> SimTime {
        SimTime::from_nanos(x * 1_000_000)
    }

    /// Moves the series and the levels to `now` (as the event loop does),
    /// then changes `running` by `delta`.
    fn at(
        now: SimTime,
        delta: i32,
        series: &mut TimeSeries,
        levels: &mut Levels,
        totals: &Counters,
        rows: &mut Rows,
    ) {
        if series.due(now) {
            series.advance(now, levels, totals, rows);
        }
        for _ in 0..delta.abs() {
            if delta > 0 {
                levels.running.up(now, series);
            } else {
                levels.running.down(now, series);
            }
        }
    }

    /// A level that is 1 from 5 to 15 ms and 3 from 15 to 25 ms, sampled
    /// every 10 ms up to an end at 27 ms.
    #[test]
    fn levels_are_time_averages_and_the_last_row_is_shorter() {
        let mut series = TimeSeries::new(ms(10), Flows::default());
        let mut levels = Levels::default();
        let mut rows = Rows::default();
        let mut totals = Counters::default();
        at(ms(5), 1, &mut series, &mut levels, &totals, &mut rows);
        totals.attempts += 1;
        at(ms(15), 2, &mut series, &mut levels, &totals, &mut rows);
        totals.attempts += 2;
        at(ms(25), -3, &mut series, &mut levels, &totals, &mut rows);
        series.finish(ms(27), &mut levels, &totals, &mut rows);
        let got: Vec<(SimTime, SimTime, f64, u64)> = rows
            .0
            .iter()
            .map(|r| (r.t, r.length, r.running, r.attempts))
            .collect();
        assert_eq!(
            got,
            vec![
                (ms(10), ms(10), 0.5, 1),
                (ms(20), ms(10), 2.0, 2),
                (ms(27), ms(7), 3.0 * 5.0 / 7.0, 0),
            ]
        );
    }

    #[test]
    fn an_end_on_a_boundary_closes_a_full_row() {
        let mut series = TimeSeries::new(ms(10), Flows::default());
        let mut levels = Levels::default();
        levels.running.up(SimTime::ZERO, &series);
        levels.running.up(SimTime::ZERO, &series);
        let mut rows = Rows::default();
        series.finish(ms(20), &mut levels, &Counters::default(), &mut rows);
        assert_eq!(rows.0.len(), 2);
        assert!(rows
            .0
            .iter()
            .all(|r| r.length == ms(10) && r.running == 2.0));
    }
}
