//! The luck of an attempt: every draw that belongs to one attempt (its
//! outcome, the jitter of its messages, its timeout) or to the retry after
//! it (the backoff) comes from a counter-based generator keyed by the
//! attempt's identity, `(seed, purpose, renter, frame, task, attempt
//! number)`. The same attempt of the same task therefore has the same luck
//! whichever peer or policy it meets, and comparisons between sweep points
//! are paired draw for draw.

use super::{RenterId, MAX_ATTEMPTS, MAX_RENTERS};
use crate::engine::Keyed;

/// What a keyed draw decides: each purpose has numbers of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Success or failure, against the peer's reliability.
    Outcome = 0,
    /// Jitter of the message that takes the attempt to its peer.
    JitterToPeer = 1,
    /// Jitter of the reply.
    JitterToCoordinator = 2,
    Timeout = 3,
    /// The backoff before the retry that follows this attempt's failure.
    Backoff = 4,
    /// Links: the size of the task's input, and of its result (drawn from
    /// the task's luck: every attempt sends the same).
    InputSize = 5,
    OutputSize = 6,
    /// The slowdown of this attempt's processing.
    Slowdown = 7,
    /// Hedging: the delay after this attempt before one more copy.
    Hedge = 8,
    /// Copies: the jitter of the message that cancels this attempt.
    JitterCancel = 9,
    /// Untrusted results: whether a success returned a wrong result.
    Wrong = 10,
}

// The identity is packed into the generator's 128-bit counter, below the
// limits that scenarios are held to: the first word holds the attempt
// number (12 bits), the purpose (4 bits) and the generator's own block
// number (16 bits); then the task, the frame's low 32 bits, and the renter
// (20 bits) beside the frame's next 12 bits (frames below 2^44).
const _: () = assert!(MAX_ATTEMPTS < 1 << 12);
const _: () = assert!(MAX_RENTERS < 1 << 20);

/// Whose luck it is: one attempt of one task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Luck {
    seed: u64,
    words: [u32; 4],
}

impl Luck {
    /// Attempt `attempt` (from 1) of task `task` of frame `frame` of `renter`.
    #[inline(always)]
    pub fn of(seed: u64, renter: RenterId, frame: u64, task: u32, attempt: u32) -> Luck {
        debug_assert!(attempt < 1 << 12 && renter.0 < 1 << 20 && frame < 1 << 44);
        Luck {
            seed,
            words: [
                attempt << 20,
                task,
                frame as u32,
                (renter.0 << 12) | ((frame >> 32) as u32 & 0xfff),
            ],
        }
    }

    /// The luck of task `task` as a whole, which all its attempts share:
    /// attempt number 0, which no attempt has.
    #[inline(always)]
    pub fn of_task(seed: u64, renter: RenterId, frame: u64, task: u32) -> Luck {
        Luck::of(seed, renter, frame, task, 0)
    }

    /// The numbers drawn for `purpose`.
    #[inline(always)]
    pub fn draw(&self, purpose: Purpose) -> Keyed {
        let mut words = self.words;
        words[0] |= (purpose as u32) << 16;
        Keyed::new(self.seed, words)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn every_part_of_the_identity_and_the_purpose_changes_the_numbers() {
        let first = |l: Luck, p| l.draw(p).random::<u64>();
        let base = Luck::of(1, RenterId(3), 5, 7, 2);
        let x = first(base, Purpose::Outcome);
        assert_eq!(
            x,
            first(Luck::of(1, RenterId(3), 5, 7, 2), Purpose::Outcome)
        );
        let others = [
            first(Luck::of(2, RenterId(3), 5, 7, 2), Purpose::Outcome),
            first(Luck::of(1, RenterId(4), 5, 7, 2), Purpose::Outcome),
            first(
                Luck::of(1, RenterId(3), 5 + (1 << 32), 7, 2),
                Purpose::Outcome,
            ),
            first(Luck::of(1, RenterId(3), 6, 7, 2), Purpose::Outcome),
            first(Luck::of(1, RenterId(3), 5, 8, 2), Purpose::Outcome),
            first(Luck::of(1, RenterId(3), 5, 7, 3), Purpose::Outcome),
            first(base, Purpose::JitterToPeer),
            first(base, Purpose::JitterToCoordinator),
            first(base, Purpose::Timeout),
            first(base, Purpose::Backoff),
            first(base, Purpose::InputSize),
            first(base, Purpose::OutputSize),
            first(base, Purpose::Slowdown),
            first(Luck::of_task(1, RenterId(3), 5, 7), Purpose::Outcome),
        ];
        for (i, o) in others.iter().enumerate() {
            assert_ne!(*o, x, "variation {i}");
        }
    }
}
