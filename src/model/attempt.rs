//! One attempt at a task on one peer, from dispatch to the moment nothing
//! will refer to it again: the coordinator has its outcome (reply or
//! timeout) and the peer is done with it (processed, no reply on the way).

use super::link::Stays;
use super::luck::Luck;
use super::record::{AttemptOutcome, AttemptRecord};
use super::tally::Book;
use super::{AttemptKey, PeerId, RenterId, TaskId};
use crate::engine::{Moment, SimTime};

pub struct Attempt {
    /// Tells this attempt from a later one in the same slab slot.
    pub serial: u32,
    pub task: TaskId,
    pub peer: PeerId,
    /// 1 for the task's first attempt.
    pub number: u32,
    pub work: SimTime,
    pub renter: RenterId,
    pub frame_index: u64,
    pub task_index: u32,
    /// Where it is counted.
    pub book: Book,
    pub dispatched: SimTime,
    pub reached: Moment,
    pub started: Moment,
    /// When it left its peer: processed there, or lost (outcome `Lost`:
    /// churn, the peer left or was offline when it arrived). One field for
    /// both keeps an attempt small.
    pub left: Moment,
    /// When the coordinator learnt the outcome: reply or timeout.
    pub resolved: Moment,
    pub outcome: AttemptOutcome,
    pub timed_out: bool,
    /// A reply is travelling to the coordinator.
    pub reply_pending: bool,
    /// Its timeout is in the event queue (it was not beyond the horizon).
    pub armed: bool,
    /// Copies: its task was decided without it (its result is not
    /// wanted); the coordinator still counts it until it hears back, unless
    /// it was cancelled.
    pub moot: bool,
    /// Copies: a cancel message reached its peer before it did.
    pub cancel_arrived: bool,
    /// Its success completed the task.
    pub accepted: bool,
    /// Its success returned a wrong result.
    pub wrong: bool,
}

impl Attempt {
    /// The identity its draws are keyed by.
    #[inline(always)]
    pub fn luck(&self, seed: u64) -> Luck {
        Luck::of(
            seed,
            self.renter,
            self.frame_index,
            self.task_index,
            self.number,
        )
    }

    /// Nothing will happen to it any more: the one place that decides it.
    pub fn settled(&self) -> bool {
        self.resolved.is_some() && self.left.is_some() && !self.reply_pending
    }

    pub fn record(&self, churn: bool, links: Option<Stays>, trust: bool) -> AttemptRecord {
        AttemptRecord {
            renter: self.renter.0,
            frame: self.frame_index,
            task: self.task_index,
            attempt: self.number,
            peer: self.peer,
            dispatched: self.dispatched,
            reached: self.reached.get(),
            started: self.started.get(),
            processed: self
                .left
                .get()
                .filter(|_| self.outcome != AttemptOutcome::Lost),
            lost: self
                .left
                .get()
                .filter(|_| self.outcome == AttemptOutcome::Lost),
            churn,
            links,
            vote: trust.then(|| (self.outcome == AttemptOutcome::Success).then_some(!self.wrong)),
            resolved: self.resolved.get(),
            outcome: self.outcome,
            timed_out: self.timed_out,
            counted: self.book.counted,
        }
    }
}

/// One byte per attempt slot, that tells whether an attempt's timeout may
/// still fire without reading the attempt: by the time the timeout comes,
/// the attempt (a hundred bytes) has long left the cache, and nearly always
/// it was answered first. A byte says "surely stale" (the attempt was
/// answered, or another one armed since in its slot), or "maybe live"
/// (then the attempt itself tells: its slot may hold a later attempt whose
/// timeout, past the horizon, was never armed).
#[derive(Default)]
pub(super) struct TimeoutTags(Vec<u8>);

impl TimeoutTags {
    /// A live timeout's byte: from its serial, never 0 (answered). Two
    /// attempts with the same byte only make the check read the attempt.
    fn tag(key: AttemptKey) -> u8 {
        (key.serial % 255) as u8 + 1
    }

    /// The timeout of `key` is in the queue.
    #[inline(always)]
    pub fn arm(&mut self, key: AttemptKey) {
        let i = key.index();
        if i >= self.0.len() {
            self.0.resize(i + 1, 0);
        }
        self.0[i] = Self::tag(key);
    }

    /// The attempt of `key` (armed) was answered.
    #[inline(always)]
    pub fn disarm(&mut self, key: AttemptKey) {
        self.0[key.index()] = 0;
    }

    /// False if the timeout of `key` is surely stale.
    #[inline(always)]
    pub fn may_fire(&self, key: AttemptKey) -> bool {
        self.0.get(key.index()) == Some(&Self::tag(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(slot: u32, serial: u32) -> AttemptKey {
        AttemptKey { slot, serial }
    }

    #[test]
    fn a_timeout_is_stale_once_answered_or_its_slot_reused() {
        let mut tags = TimeoutTags::default();
        assert!(!tags.may_fire(key(3, 7)), "never armed");
        tags.arm(key(3, 7));
        assert!(tags.may_fire(key(3, 7)));
        assert!(!tags.may_fire(key(3, 6)), "an earlier attempt in the slot");
        tags.disarm(key(3, 7));
        assert!(!tags.may_fire(key(3, 7)), "answered");
        tags.arm(key(3, 9));
        assert!(!tags.may_fire(key(3, 7)), "slot reused");
        // Serials 255 apart share a byte: "maybe", and the attempt tells.
        assert!(tags.may_fire(key(3, 9 + 255)));
        // Every serial's byte is a live one.
        assert!((0..=u32::MAX)
            .step_by(9973)
            .all(|s| TimeoutTags::tag(key(0, s)) != 0));
    }
}
