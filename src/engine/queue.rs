//! The future event list: a binary heap keyed by `(time, sequence)`, so
//! events at the same instant come out in the order they were scheduled.
//! Cancellation is left to the caller: an event that has become stale is
//! recognised and skipped when it is popped, which keeps the heap plain.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::SimTime;

struct Entry<E> {
    time: SimTime,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        (self.time, self.seq) == (other.time, other.seq)
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed, so that the max-heap yields the earliest entry.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

/// A clock plus the events still to come.
///
/// ```
/// use p2c2g::engine::{EventQueue, SimTime};
/// let mut q = EventQueue::new();
/// q.schedule_in(SimTime::from_ms(2.0), "late");
/// q.schedule_in(SimTime::from_ms(1.0), "first");
/// q.schedule_in(SimTime::from_ms(1.0), "second");
/// assert_eq!(q.pop(), Some((SimTime::from_ms(1.0), "first")));
/// assert_eq!(q.pop(), Some((SimTime::from_ms(1.0), "second")));
/// assert_eq!(q.now(), SimTime::from_ms(1.0));
/// ```
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
    now: SimTime,
    popped: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            next_seq: 0,
            now: SimTime::ZERO,
            popped: 0,
        }
    }

    /// The time of the event popped last.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Events popped so far.
    pub fn popped(&self) -> u64 {
        self.popped
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Schedules `event` at `time`, which must not be in the past.
    pub fn schedule(&mut self, time: SimTime, event: E) {
        debug_assert!(time >= self.now, "event scheduled in the past");
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry { time, seq, event });
    }

    pub fn schedule_in(&mut self, delay: SimTime, event: E) {
        self.schedule(self.now + delay, event);
    }

    /// The time of the next event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|e| e.time)
    }

    /// Removes the next event and advances the clock to its time.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let entry = self.heap.pop()?;
        self.now = entry.time;
        self.popped += 1;
        Some((entry.time, entry.event))
    }

    /// Moves the clock forward without an event (the end of a run).
    pub fn advance_to(&mut self, time: SimTime) {
        self.now = self.now.max(time);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Time never runs backwards, and ties come out in scheduling order,
        /// even when scheduling is interleaved with popping.
        #[test]
        fn pops_in_time_then_fifo_order(ops in proptest::collection::vec((0u64..50, any::<bool>()), 1..300)) {
            let mut q = EventQueue::new();
            let mut popped = Vec::new();
            for (id, (delay, pop)) in ops.into_iter().enumerate() {
                q.schedule_in(SimTime::from_nanos(delay), id);
                if pop {
                    popped.push(q.pop().unwrap());
                }
            }
            while let Some(entry) = q.pop() {
                popped.push(entry);
            }
            for pair in popped.windows(2) {
                let ((t0, id0), (t1, id1)) = (pair[0], pair[1]);
                prop_assert!(t1 > t0 || (t1 == t0 && id1 > id0), "{:?} then {:?}", pair[0], pair[1]);
            }
        }
    }
}
