//! A home peer as it really is: its own slots, speed, latency, reliability
//! and FIFO queue. The coordinator sees it only through messages.

use std::collections::VecDeque;

use rand_distr::{Bernoulli, Distribution};

use super::config::{FailureMode, PeerGroup};
use super::luck::{Luck, Purpose};
use super::{AttemptKey, Dist, Millis, MAX_SLOTS};
use crate::engine::{SimTime, Stream};

/// What the events of every attempt read and write, in one cache line: a
/// large run touches a peer three times per attempt, long after the last,
/// so each line more is a wait more. What only reports and votes read is
/// in [`Odds`].
#[repr(align(64))]
pub struct Peer {
    /// One-way base latency, before jitter.
    pub latency: SimTime,
    pub speed: f64,
    /// The peer's reliability as a ready sampler: drawn once per attempt.
    pub success: Bernoulli,
    /// Slot-time spent processing, over the whole run.
    pub busy: SimTime,
    /// Of which inside the counted window.
    pub busy_counted: SimTime,
    /// Attempts that arrived while every slot was busy.
    pub waiting: Waiting,
    group: u32,
    pub slots: u32,
    /// Attempts being processed, at most `slots`.
    pub running: u32,
    /// Processing takes exactly the work: speed 1 and never slowed down.
    pub takes_work: bool,
    /// Reliability 1: the outcome is not drawn.
    never_fails: bool,
    pub failure: FailureMode,
    /// Churn: whether it is online now.
    pub online: bool,
}

/// What is true of a peer's results, and only the simulator knows.
pub struct Odds {
    pub reliability: f64,
    /// Probability that a success returns a wrong result.
    pub wrong: f64,
}

impl Odds {
    /// Whether a success of this peer returned a wrong result (drawn only
    /// by a peer that can be wrong).
    pub fn is_wrong(&self, luck: impl FnOnce() -> Luck) -> bool {
        use rand::RngExt;
        self.wrong > 0.0 && luck().draw(Purpose::Wrong).random::<f64>() < self.wrong
    }
}

/// A peer's FIFO queue, allocated the first time an attempt waits there:
/// 8 bytes in the peer while it is not needed.
#[derive(Default)]
#[allow(clippy::box_collection)] // boxed: 8 bytes in the peer, not 32
pub struct Waiting(Option<Box<VecDeque<AttemptKey>>>);

impl Waiting {
    pub fn push_back(&mut self, key: AttemptKey) {
        self.0.get_or_insert_default().push_back(key);
    }

    #[inline(always)]
    pub fn pop_front(&mut self) -> Option<AttemptKey> {
        self.0.as_mut()?.pop_front()
    }

    pub fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |q| q.len())
    }

    pub fn retain(&mut self, keep: impl FnMut(&AttemptKey) -> bool) {
        if let Some(q) = self.0.as_mut() {
            q.retain(keep);
        }
    }

    /// Empties the queue, saying what it held, first first.
    pub fn take_all(&mut self) -> Vec<AttemptKey> {
        self.0
            .as_mut()
            .map_or(Vec::new(), |q| q.drain(..).collect())
    }
}

impl Peer {
    /// Draws the peer's properties from its group, in a fixed order, from
    /// the peer's own stream.
    pub fn new(group_index: usize, group: &PeerGroup, rng: &mut Stream) -> (Peer, Odds) {
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
        let peer = Peer {
            group: u32::try_from(group_index).expect("fewer than 2^32 groups"),
            slots,
            speed,
            takes_work: speed == 1.0 && matches!(group.slowdown, Dist::Constant(x) if x == 1.0),
            latency,
            success: Bernoulli::new(reliability).expect("clamped to [0, 1]"),
            never_fails: reliability >= 1.0,
            failure: group.failure,
            running: 0,
            waiting: Waiting::default(),
            online: true,
            busy: SimTime::ZERO,
            busy_counted: SimTime::ZERO,
        };
        (peer, Odds { reliability, wrong })
    }

    /// Its group, by index.
    #[inline(always)]
    pub fn group(&self) -> usize {
        self.group as usize
    }

    /// Whether an attempt succeeds, drawn from the attempt's luck (not
    /// drawn at all by a peer that never fails).
    #[inline(always)]
    pub fn succeeds(&self, luck: impl FnOnce() -> Luck) -> bool {
        self.never_fails || self.success.sample(&mut luck().draw(Purpose::Outcome))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_peer_is_one_cache_line() {
        assert_eq!(std::mem::size_of::<Peer>(), 64);
        assert_eq!(std::mem::align_of::<Peer>(), 64);
    }

    #[test]
    fn a_queue_is_fifo_and_allocated_when_first_used() {
        let key = |slot| AttemptKey { slot, serial: 0 };
        let mut q = Waiting::default();
        assert!(q.0.is_none() && q.pop_front().is_none() && q.len() == 0);
        for slot in 0..4 {
            q.push_back(key(slot));
        }
        q.retain(|k| k.slot != 1);
        assert_eq!(q.pop_front(), Some(key(0)));
        assert_eq!(q.len(), 2);
        assert_eq!(q.take_all(), [key(2), key(3)]);
        assert_eq!(q.len(), 0);
    }
}
