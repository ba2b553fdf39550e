//! A renter's work in progress: frames, and the tasks they are split into.

use super::tally::Book;
use super::{CoordinatorId, FrameId, PeerId, RenterId};
use crate::engine::SimTime;

/// Aligned to a cache line: one line, not two, each time a task ends.
#[repr(align(64))]
pub struct Frame {
    pub renter: RenterId,
    /// The renter's frame number, from 0.
    pub index: u64,
    pub created: SimTime,
    /// Relative to `created`.
    pub deadline: SimTime,
    /// Coordinator to renter, once the frame is assembled.
    pub return_delay: SimTime,
    pub tasks_left: u32,
    /// Some task failed for good.
    pub failed: bool,
    /// Some task's accepted result was wrong.
    pub corrupt: bool,
    /// Where it is counted: created in `[warmup, duration)`, it is part
    /// of the statistics, its coordinator's included.
    pub book: Book,
}

/// 64 bytes, aligned: one cache line.
#[repr(align(64))]
pub struct Task {
    pub frame: FrameId,
    /// The coordinator that places it (its renter's).
    pub coordinator: CoordinatorId,
    /// The task's number within its frame.
    pub index: u32,
    /// Processing time on a peer of speed 1.
    pub work: SimTime,
    pub created: SimTime,
    /// Its frame's deadline, as an instant: the key of an EDF queue.
    pub due: SimTime,
    /// Attempts dispatched so far.
    pub attempts: u32,
    /// `drop_late`: its frame was dropped while it waited out a backoff;
    /// it fails when the backoff ends.
    pub dropped: bool,
    /// Peers whose attempt at it failed, in order.
    pub failed_peers: Vec<PeerId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_and_a_frame_are_one_cache_line_each() {
        assert_eq!(std::mem::size_of::<Task>(), 64);
        assert_eq!(std::mem::size_of::<Frame>(), 64);
    }
}
