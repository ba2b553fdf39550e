//! A home peer as it really is: its own slots, speed, latency, reliability
//! and FIFO queue. The coordinator sees it only through messages.

use std::collections::VecDeque;

use rand_distr::{Bernoulli, Distribution};

use super::config::{FailureMode, PeerGroup};
use super::luck::{Luck, Purpose};
use super::{AttemptKey, Dist, Millis, MAX_SLOTS};
use crate::engine::{SimTime, Stream};

pub struct Peer {
    pub group: usize,
    pub slots: u32,
    pub speed: f64,
    /// Processing takes exactly the work: speed 1 and never slowed down.
    pub takes_work: bool,
    /// Probability that a success returns a wrong result.
    pub wrong: f64,
    /// One-way base latency, before jitter.
    pub latency: SimTime,
    pub reliability: f64,
    /// `reliability` as a ready sampler: drawn once per attempt.
    pub success: Bernoulli,
    pub failure: FailureMode,
    /// Attempts being processed, at most `slots`.
    pub running: u32,
    /// Attempts that arrived while every slot was busy.
    pub waiting: VecDeque<AttemptKey>,
    /// Churn: whether it is online now.
    pub online: bool,
    /// Slot-time spent processing, over the whole run.
    pub busy: SimTime,
    /// Of which inside the counted window.
    pub busy_counted: SimTime,
}

impl Peer {
    /// Draws the peer's properties from its group, in a fixed order, from
    /// the peer's own stream.
    pub fn new(group_index: usize, group: &PeerGroup, rng: &mut Stream) -> Peer {
        let slots = group
            .slots
            .sample(rng)
            .round()
            .clamp(1.0, f64::from(MAX_SLOTS)) as u32;
        let speed = group.speed.sample(rng).max(1e-9);
        let latency = SimTime::from_ms(group.latency_ms.sample(rng));
        let reliability = group.reliability.sample(rng).clamp(0.0, 1.0);
        // Last, and only if given: no other draw of the peer moves.
        let wrong = group
            .wrong
            .as_ref()
            .map_or(0.0, |d| d.sample(rng).clamp(0.0, 1.0));
        Peer {
            group: group_index,
            slots,
            speed,
            wrong,
            takes_work: speed == 1.0 && matches!(group.slowdown, Dist::Constant(x) if x == 1.0),
            latency,
            reliability,
            success: Bernoulli::new(reliability).expect("clamped to [0, 1]"),
            failure: group.failure,
            running: 0,
            waiting: VecDeque::new(),
            online: true,
            busy: SimTime::ZERO,
            busy_counted: SimTime::ZERO,
        }
    }

    /// Whether an attempt succeeds, drawn from the attempt's luck (not
    /// drawn at all by a peer that never fails).
    #[inline(always)]
    pub fn succeeds(&self, luck: impl FnOnce() -> Luck) -> bool {
        self.reliability >= 1.0 || self.success.sample(&mut luck().draw(Purpose::Outcome))
    }

    /// Whether a success of this peer returned a wrong result (drawn only
    /// by a peer that can be wrong).
    pub fn is_wrong(&self, luck: impl FnOnce() -> Luck) -> bool {
        use rand::RngExt;
        self.wrong > 0.0 && luck().draw(Purpose::Wrong).random::<f64>() < self.wrong
    }

    /// Latency plus a fresh jitter sample: one message, one direction.
    #[inline(always)]
    pub fn message_delay(
        &self,
        jitter: &Millis,
        luck: impl FnOnce() -> Luck,
        purpose: Purpose,
    ) -> SimTime {
        self.latency + jitter.sample_with(|| luck().draw(purpose))
    }

    /// A slot was busy from `start` to `end`; `window` is the counted one.
    #[inline(always)]
    pub fn add_busy(&mut self, start: SimTime, end: SimTime, window: (SimTime, SimTime)) {
        self.busy += end - start;
        let (from, to) = (start.max(window.0), end.min(window.1));
        if from < to {
            self.busy_counted += to - from;
        }
    }

    /// How long `work` (at speed 1) takes here, `slowdown` times slower.
    pub fn processing_time(&self, work: SimTime, slowdown: f64) -> SimTime {
        if self.speed == 1.0 && slowdown == 1.0 {
            work
        } else {
            SimTime::from_nanos((work.as_nanos() as f64 / self.speed * slowdown).round() as u64)
        }
    }
}
