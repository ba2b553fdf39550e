//! Counting what happens: every count is kept twice, over all frames (for
//! the time series) and over counted frames only, by coordinator (the
//! summary's are their sum), by one call that cannot forget either.

use super::mechanisms::Mechanisms;
use super::CoordinatorId;

/// The counts of the summary (docs/model.md, "Outputs").
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
    /// Retries dispatched.
    pub failovers: u64,
    /// Attempts whose timeout fired before their reply.
    pub timeouts: u64,
    /// Churn: attempts lost at a peer that left.
    pub attempts_lost: u64,
    /// Churn: peers that came online, and that went offline (counted over
    /// all frames only).
    pub peers_joined: u64,
    pub peers_left: u64,
    /// Links: messages sent on a link, and the time they waited for it.
    pub link_messages: u64,
    pub link_wait: crate::engine::SimTime,
    /// Copies: copies started with new tasks beyond the first, hedges,
    /// attempts stopped at their peer by a cancel, and the busy time of
    /// attempts whose result was not the one accepted.
    pub copies: u64,
    pub hedges: u64,
    pub cancelled: u64,
    pub wasted: crate::engine::SimTime,
    /// Untrusted results: delivered frames with a wrong accepted result,
    /// and of those, the ones on time.
    pub frames_corrupt: u64,
    /// `drop_late`: frames failed at their deadline.
    pub frames_dropped: u64,
    pub frames_on_time_corrupt: u64,
}

impl Counters {
    /// A message waited `wait` for its link.
    #[inline(always)]
    pub fn link_wait(&mut self, wait: crate::engine::SimTime) {
        self.link_messages += 1;
        self.link_wait += wait;
    }
}

/// Where a thing is counted: always in the counts over all frames (the
/// time series); if it belongs to a counted frame, in the summary's, and
/// in its coordinator's when there are several.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Book {
    pub counted: bool,
    pub coordinator: CoordinatorId,
}

/// Counters over all frames, over counted frames, and over each
/// coordinator's counted frames (only when there are several).
///
/// ```
/// use p2c2g::model::tally::{Book, Tally};
/// use p2c2g::model::{CoordinatorId, Full};
/// let mut t = Tally::new(2);
/// let warmup = Book { counted: false, coordinator: CoordinatorId(0) };
/// let second = Book { counted: true, coordinator: CoordinatorId(1) };
/// t.count::<Full>(warmup, |c| c.attempts += 1);
/// t.count::<Full>(second, |c| c.attempts += 1);
/// assert_eq!((t.all.attempts, t.counted.attempts), (2, 1));
/// assert_eq!((t.by_coordinator[0].attempts, t.by_coordinator[1].attempts), (0, 1));
/// ```
#[derive(Clone, Debug, Default)]
pub struct Tally {
    /// Frames created in `[warmup, duration)` and their tasks.
    pub counted: Counters,
    /// Every frame, warmup included.
    pub all: Counters,
    /// Counted frames by coordinator; empty with a single coordinator.
    pub by_coordinator: Vec<Counters>,
}

impl Tally {
    pub fn new(coordinators: u32) -> Tally {
        let by = if coordinators > 1 { coordinators } else { 0 };
        Tally {
            by_coordinator: vec![Counters::default(); by as usize],
            ..Tally::default()
        }
    }

    /// Applies `add` to the counts of all frames, and to the counted ones
    /// (the summary's, and its coordinator's when there are several) if
    /// the thing counted belongs to a counted frame.
    #[inline(always)]
    pub fn count<M: Mechanisms>(&mut self, book: Book, add: impl Fn(&mut Counters)) {
        add(&mut self.all);
        if book.counted {
            add(&mut self.counted);
            // Several coordinators are beyond the core.
            if M::on(!self.by_coordinator.is_empty()) {
                self.count_by(book, add);
            }
        }
    }

    #[inline(never)]
    fn count_by(&mut self, book: Book, add: impl Fn(&mut Counters)) {
        add(&mut self.by_coordinator[book.coordinator.index()]);
    }
}
