//! Cost and energy (docs/model.md, "Cost and energy"): what the peers are
//! paid, what they draw from the wall, what the renters pay, and what the
//! busy time that produced no accepted result cost, by cause.
//!
//! Everything here is off unless a price, a power or a revenue is given:
//! then the simulation holds no [`Costs`], draws nothing from the cost
//! streams and calls nothing here. When on, each peer's price and power
//! are drawn from a stream of their own, and each attempt is looked at
//! once, when it is retired (or at the end of the run), out of line.

use super::attempt::Attempt;
use super::config::{Billing, Config};
use super::record::AttemptOutcome;
use super::stats::{PeerReport, Summary};
use super::Dist;
use crate::engine::{stream, SimTime};

/// The streams the peers' prices and powers are drawn from, one per peer.
pub const COST_STREAMS: u32 = 6;

const NS_PER_HOUR: f64 = 3.6e12;
/// Watt-nanoseconds in a kilowatt-hour.
const WNS_PER_KWH: f64 = 3.6e6 * 1e9;

/// Why an attempt's busy time produced no accepted result. Each cause is
/// a column of summary.csv (`cost_wasted_<name>`), in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Waste {
    /// Its timeout fired before its reply: it ran on, and a success came
    /// too late (or it was still running when the run ended).
    Timeouts,
    /// Churn: its peer left while it was queued or running, or the
    /// coordinator gave up on it with its peer (a reply lost on the
    /// uplink, a crash or restart noticed first).
    Lost,
    /// Copies: cancelled, or not wanted any more (its task was decided
    /// without it).
    Cancelled,
    /// Its peer failed it: an error reply, or a silent failure.
    Failed,
    /// Votes: a wrong result that was not accepted.
    Wrong,
    /// Still running (or its reply on the way) when the run ended.
    Unfinished,
}

impl Waste {
    pub const ALL: [Waste; 6] = [
        Waste::Timeouts,
        Waste::Lost,
        Waste::Cancelled,
        Waste::Failed,
        Waste::Wrong,
        Waste::Unfinished,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Waste::Timeouts => "timeouts",
            Waste::Lost => "lost",
            Waste::Cancelled => "cancelled",
            Waste::Failed => "failed",
            Waste::Wrong => "wrong",
            Waste::Unfinished => "unfinished",
        }
    }

    /// The cause of an attempt that was not accepted: what happened to it
    /// at its peer first (lost, failed), else why its success was of no
    /// use (too late, given up with its peer, cut by the end of the run).
    pub fn of(a: &Attempt) -> Waste {
        match a.outcome {
            AttemptOutcome::Lost => Waste::Lost,
            AttemptOutcome::Error | AttemptOutcome::Silent => Waste::Failed,
            AttemptOutcome::Cancelled => Waste::Cancelled,
            _ if a.timed_out => Waste::Timeouts,
            // Copies: its task was decided without it.
            _ if a.moot => Waste::Cancelled,
            // Votes: a wrong result not accepted.
            AttemptOutcome::Success if a.wrong => Waste::Wrong,
            // A success the coordinator resolved as a failure without a
            // timeout: it gave up on the peer (churn).
            AttemptOutcome::Success if a.resolved.is_some() => Waste::Lost,
            AttemptOutcome::Success | AttemptOutcome::Unfinished => Waste::Unfinished,
        }
    }
}

/// Each peer's price and power, what `[cost]` says, and the waste so far.
#[derive(Clone, Debug)]
pub struct Costs {
    billing: Billing,
    electricity_per_kwh: f64,
    revenue_per_hour: f64,
    /// By peer: money per slot-hour billed, and watts per slot, idle and
    /// busy.
    pub price: Vec<f64>,
    pub idle_w: Vec<f64>,
    pub busy_w: Vec<f64>,
    /// By cause ([`Waste`] order): busy slot-time that produced no
    /// accepted result, over the whole run, and what it cost.
    pub wasted: [SimTime; Waste::ALL.len()],
    pub wasted_cost: [f64; Waste::ALL.len()],
}

/// A peer's price and power, drawn from its own stream in a fixed order:
/// the price, if its group gives one, then idle and busy power, if it
/// gives them.
fn draw(cfg: &Config, group: usize, peer: usize) -> (f64, f64, f64) {
    let g = &cfg.peer_groups[group];
    let mut rng = stream(cfg.seed, COST_STREAMS, peer as u32);
    let mut draw = |d: &Dist| d.sample(&mut rng).max(0.0);
    let price = g.price_per_hour.as_ref().map_or(0.0, &mut draw);
    let (idle, busy) = g
        .power_w
        .as_ref()
        .map_or((0.0, 0.0), |p| (draw(&p.idle), draw(&p.busy)));
    (price, idle, busy)
}

impl Costs {
    /// The costs of the peers, in order, of groups `groups` (each peer's
    /// group), if `cfg` gives a price, a power or a revenue.
    pub fn new(cfg: &Config, groups: impl Iterator<Item = usize>) -> Option<Costs> {
        if !cfg.costs() {
            return None;
        }
        let (mut price, mut idle_w, mut busy_w) = (Vec::new(), Vec::new(), Vec::new());
        for (i, g) in groups.enumerate() {
            let (p, idle, busy) = draw(cfg, g, i);
            price.push(p);
            idle_w.push(idle);
            busy_w.push(busy);
        }
        Some(Costs {
            billing: cfg.cost.billing,
            electricity_per_kwh: cfg.cost.electricity_per_kwh,
            revenue_per_hour: cfg.cost.revenue_per_hour.unwrap_or(0.0),
            price,
            idle_w,
            busy_w,
            wasted: [SimTime::ZERO; Waste::ALL.len()],
            wasted_cost: [0.0; Waste::ALL.len()],
        })
    }

    /// What an hour of busy slot-time costs on peer `i`: its price and the
    /// electricity of its busy power.
    fn busy_rate(&self, i: usize) -> f64 {
        self.price[i] + self.electricity_per_kwh * self.busy_w[i] / 1e3
    }

    /// Attempt `a` is done with: unless its result was accepted, its busy
    /// time (until `end` if it was still running at the end) is waste.
    pub fn retired(&mut self, a: &Attempt, end: Option<SimTime>) {
        let busy = match (a.started.get(), a.left.get().or(end)) {
            (Some(started), Some(left)) if !a.accepted => left - started,
            _ => return,
        };
        if busy == SimTime::ZERO {
            return;
        }
        let cause = Waste::of(a) as usize;
        self.wasted[cause] += busy;
        self.wasted_cost[cause] +=
            busy.as_nanos() as f64 / NS_PER_HOUR * self.busy_rate(a.peer.index());
    }

    /// Peer `i`'s energy in kWh and its cost: `slots` slots, `busy` busy
    /// slot-time and `online` time online over the whole run.
    pub fn peer(&self, i: usize, slots: u32, busy: SimTime, online: SimTime) -> (f64, f64) {
        let slot_ns = u128::from(slots) * u128::from(online.as_nanos());
        let busy_ns = u128::from(busy.as_nanos());
        let idle_ns = slot_ns.saturating_sub(busy_ns);
        let energy_kwh =
            (self.idle_w[i] * idle_ns as f64 + self.busy_w[i] * busy_ns as f64) / WNS_PER_KWH;
        let billed_ns = match self.billing {
            Billing::Busy => busy_ns,
            Billing::Online => slot_ns,
        };
        let cost =
            self.price[i] * billed_ns as f64 / NS_PER_HOUR + self.electricity_per_kwh * energy_kwh;
        (energy_kwh, cost)
    }

    /// Fills the cost columns of the summary and of the peers' rows, whose
    /// `busy_ms` and online time (`online(i)`) are the whole run's.
    /// `on_time` counts the frames of the whole run delivered on time.
    pub fn report(
        &self,
        cfg: &Config,
        summary: &mut Summary,
        peers: &mut [PeerReport],
        busy: impl Fn(usize) -> SimTime,
        online: impl Fn(usize) -> SimTime,
        on_time: u64,
    ) {
        let (mut total, mut energy) = (0.0, 0.0);
        for (i, row) in peers.iter_mut().enumerate() {
            let (kwh, cost) = self.peer(i, row.slots, busy(i), online(i));
            row.cost = Some(cost);
            row.energy_kwh = Some(kwh);
            total += cost;
            energy += kwh;
        }
        let [timeouts, lost, cancelled, failed, wrong, unfinished] = self.wasted_cost;
        let revenue =
            self.revenue_per_hour * f64::from(cfg.workload.renters) * cfg.duration.as_secs()
                / 3600.0;
        *summary = Summary {
            cost_total: Some(total),
            cost_per_frame_on_time: Some((on_time > 0).then(|| total / on_time as f64)),
            cost_wasted: Some(self.wasted_cost.iter().sum()),
            cost_wasted_timeouts: Some(timeouts),
            cost_wasted_lost: Some(lost),
            cost_wasted_cancelled: Some(cancelled),
            cost_wasted_failed: Some(failed),
            cost_wasted_wrong: Some(wrong),
            cost_wasted_unfinished: Some(unfinished),
            energy_kwh: Some(energy),
            revenue: Some(revenue),
            margin: Some(revenue - total),
            ..std::mem::take(summary)
        };
    }
}

/// The cost columns of a summary, every number zero: part of the shape of
/// a sweep's rows when `cfg` reports costs.
pub fn shape(summary: Summary) -> Summary {
    Summary {
        cost_total: Some(0.0),
        cost_per_frame_on_time: Some(Some(0.0)),
        cost_wasted: Some(0.0),
        cost_wasted_timeouts: Some(0.0),
        cost_wasted_lost: Some(0.0),
        cost_wasted_cancelled: Some(0.0),
        cost_wasted_failed: Some(0.0),
        cost_wasted_wrong: Some(0.0),
        cost_wasted_unfinished: Some(0.0),
        energy_kwh: Some(0.0),
        revenue: Some(0.0),
        margin: Some(0.0),
        ..summary
    }
}
