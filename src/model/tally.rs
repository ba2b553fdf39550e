//! Counting what happens: every count is kept twice, over all frames (for
//! the time series) and over counted frames only (for the summary), by one
//! call that cannot forget either.

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

/// Counters over all frames and over counted frames.
///
/// ```
/// use p2c2g::model::tally::Tally;
/// let mut t = Tally::default();
/// t.count(false, |c| c.attempts += 1);
/// t.count(true, |c| c.attempts += 1);
/// assert_eq!((t.all.attempts, t.counted.attempts), (2, 1));
/// ```
#[derive(Clone, Debug, Default)]
pub struct Tally {
    /// Frames created in `[warmup, duration)` and their tasks.
    pub counted: Counters,
    /// Every frame, warmup included.
    pub all: Counters,
}

impl Tally {
    /// Applies `add` to the counts of all frames, and to the counted ones
    /// if the thing counted belongs to a counted frame.
    #[inline(always)]
    pub fn count(&mut self, counted: bool, add: impl Fn(&mut Counters)) {
        add(&mut self.all);
        if counted {
            add(&mut self.counted);
        }
    }
}
