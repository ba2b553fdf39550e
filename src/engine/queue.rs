//! The future event list, ordered by `(time, sequence)`, so that events at
//! the same instant come out in the order they were scheduled. Since that
//! order is total, any correct structure pops the same sequence; this one is
//! chosen for speed.
//!
//! It is a calendar queue (R. Brown, CACM 1988) in the form of a timing
//! wheel: time is cut into buckets of `2^shift` ns, and the `N` buckets after
//! the current one sit on a wheel, so that scheduling an event is a push on
//! a list and popping is a scan to the next non-empty bucket. Only the
//! current bucket (one or two events, usually; a few buckets, a dozen or
//! two events, when many are pending: see below) is sorted, and events beyond
//! the wheel wait in an overflow heap until the wheel reaches them. Every
//! so often the bucket width is set to about twice the mean gap between the
//! wheel's events popped lately, and the wheel to about twice the number
//! pending on it (the lane's aside, see below),
//! which keeps buckets holding one or two events whatever the time scale of
//! the model. On workload (a) with nothing but the queueing model
//! (`examples/bare_mmc.rs`) it costs about a third less than a binary heap.
//!
//! With hundreds of thousands of events pending (100,000 peers), the nodes
//! of a bucket were written long before it is reached and have left the
//! cache: each turn of the wheel then asks for the nodes of the buckets a
//! few turns ahead ([`prefetch`](fn@super::prefetch)). And the wheel turns
//! ahead of the clock, so that the next dozen events wait sorted in one
//! short array: the caller reads them there ([`EventQueue::upcoming`]) and
//! asks for what they will read, at a steady distance of a few events.
//!
//! Events that come in the order they are scheduled (timeouts after a
//! constant delay: most of a large run's pending events) skip the wheel:
//! [`EventQueue::schedule_in_order`] keeps them in a plain FIFO lane, and a
//! pop takes the earlier of the lane's first and the wheel's next.
//!
//! Cancellation is left to the caller: an event that has become stale is
//! recognised and skipped when it is popped, which keeps the queue plain;
//! when stale events pile up, the caller drops them all at once with
//! [`EventQueue::retain`], so that they hold no memory.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

use super::SimTime;

#[derive(Clone, Copy)]
struct Entry<E> {
    time: SimTime,
    seq: u64,
    event: E,
}

/// A wheel bucket is a list threaded through one pool of nodes: the wheel
/// itself is an array of list heads, 4 bytes per bucket, and memory grows
/// with the events pending, not with the buckets they ever visited.
///
/// The entry's fields are laid out flat beside the link, so that with a
/// 12-byte event a node is 32 bytes (an `Entry` inside would be padded to
/// 32, and the node to 40), and aligned to 32: two to a cache line, none
/// straddling two.
#[derive(Clone, Copy)]
#[repr(align(32))]
struct Node<E> {
    time: SimTime,
    seq: u64,
    event: E,
    next: u32,
}

impl<E: Copy> Node<E> {
    fn new(entry: Entry<E>, next: u32) -> Self {
        Node {
            time: entry.time,
            seq: entry.seq,
            event: entry.event,
            next,
        }
    }

    fn entry(&self) -> Entry<E> {
        Entry {
            time: self.time,
            seq: self.seq,
            event: self.event,
        }
    }
}

/// The end of a list.
const NIL: u32 = u32::MAX;

/// The nodes of the list from `head`, by index. A node is read only when
/// the one after it is asked for, so that the last one taken can still be
/// merely asked for (prefetched).
fn list<E>(nodes: &[Node<E>], head: u32) -> impl Iterator<Item = u32> + '_ {
    let mut last = NIL;
    std::iter::from_fn(move || {
        let i = if last == NIL {
            head
        } else {
            nodes[last as usize].next
        };
        if i == NIL {
            return None;
        }
        last = i;
        Some(i)
    })
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

/// Fewest pops between two re-tunings of the wheel; a re-tuning moves
/// every event pending on the wheel, so it also waits for as many pops as
/// are pending (the lane's included).
const TUNE_EVERY: u64 = 4096;
const MIN_BUCKETS: usize = 256;
/// Longest the sorted current bucket grows by insertion (see `early`).
const CURRENT_LIMIT: usize = 256;
const MAX_BUCKETS: usize = 1 << 20;
/// Pending events beyond which their nodes no longer stay in cache (32
/// bytes each: 1 MiB), and are asked for ahead of time.
const ASK_AHEAD_FROM: usize = 1 << 15;
/// With that many pending, how many events `current` holds ahead of the
/// clock: enough for the caller to ask, a few events ahead, for what they
/// will read (see [`EventQueue::upcoming`]).
pub const LOOK_AHEAD: usize = 12;

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
    next_seq: u64,
    now: SimTime,
    popped: u64,
    /// Bucket width: `2^shift` ns.
    shift: u32,
    /// The current bucket, by absolute number (`time >> shift`): the
    /// clock's, or a few buckets ahead of it when crowded.
    cur: u64,
    /// Events of buckets up to `cur`: the next events, sorted latest
    /// first, so that the next one is at the end.
    current: Vec<Entry<E>>,
    /// Events of buckets up to `cur` scheduled while `current` was long:
    /// inserting them there would move it whole each time (a burst of
    /// thousands of events in one bucket made that quadratic).
    early: BinaryHeap<Entry<E>>,
    /// How long `current` may be before new events go to `early`.
    current_limit: usize,
    /// Events of buckets `cur + 1 .. cur + wheel.len()`: the head of
    /// bucket `b`'s list at `b % wheel.len()`, unordered.
    wheel: Vec<u32>,
    on_wheel: usize,
    nodes: Vec<Node<E>>,
    /// The list of unused nodes.
    free: u32,
    /// Later events.
    overflow: BinaryHeap<Entry<E>>,
    /// Events scheduled with [`EventQueue::schedule_in_order`], each no
    /// earlier than the one before: already in order, so kept off the wheel.
    lane: VecDeque<Entry<E>>,
    /// Events popped from the wheel (not the lane), for its tuning.
    wheel_popped: u64,
    tune_every: u64,
    /// Wheel pops (`wheel_popped`) and clock when the wheel was last tuned.
    tuned_at: (u64, SimTime),
    /// Pops after which to tune it again.
    tune_at: u64,
    /// So many are pending on the wheel that the nodes are asked for ahead.
    crowded: bool,
    /// How many events `current` holds before `settle` looks further: 1,
    /// or [`LOOK_AHEAD`] when crowded. Kept, not derived from `crowded` at
    /// each pop: that cost 8 M instructions a million tasks on (a).
    keep: usize,
    /// A pop from the lane since [`EventQueue::crowded_and_moved_on`] was
    /// last asked.
    popped_lane: bool,
    /// How many that is (tests lower it, to walk that path).
    ask_ahead_from: usize,
}

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy> EventQueue<E> {
    pub fn new() -> Self {
        Self::tuned_every(TUNE_EVERY)
    }

    fn tuned_every(pops: u64) -> Self {
        EventQueue {
            next_seq: 0,
            now: SimTime::ZERO,
            popped: 0,
            // 1 ms buckets until the first tuning.
            shift: 20,
            cur: 0,
            current: Vec::new(),
            early: BinaryHeap::new(),
            current_limit: CURRENT_LIMIT,
            wheel: vec![NIL; MIN_BUCKETS],
            on_wheel: 0,
            nodes: Vec::new(),
            free: NIL,
            overflow: BinaryHeap::new(),
            lane: VecDeque::new(),
            wheel_popped: 0,
            tune_every: pops,
            tuned_at: (0, SimTime::ZERO),
            tune_at: pops,
            crowded: false,
            keep: 1,
            popped_lane: false,
            ask_ahead_from: ASK_AHEAD_FROM,
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
        self.wheel_len() + self.lane.len()
    }

    /// Pending events, less the lane's.
    fn wheel_len(&self) -> usize {
        self.current.len() + self.early.len() + self.on_wheel + self.overflow.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Schedules `event` at `time`, which must not be in the past.
    pub fn schedule(&mut self, time: SimTime, event: E) {
        debug_assert!(time >= self.now, "event scheduled in the past");
        let seq = self.next_seq;
        self.next_seq += 1;
        self.place(Entry { time, seq, event });
    }

    pub fn schedule_in(&mut self, delay: SimTime, event: E) {
        self.schedule(self.now + delay, event);
    }

    /// Schedules `event` at `time` like [`EventQueue::schedule`], for an
    /// event that usually comes no earlier than the one scheduled this way
    /// before it (a timeout after a constant delay, say): such an event
    /// waits in a plain FIFO lane, which costs less than the wheel and
    /// leaves its memory alone. One that would come earlier goes to the
    /// wheel, so the order popped is the same either way.
    ///
    /// ```
    /// use p2c2g::engine::{EventQueue, SimTime};
    /// let mut q = EventQueue::new();
    /// q.schedule_in_order(SimTime::from_ms(5.0), "timeout");
    /// q.schedule_in_order(SimTime::from_ms(1.0), "out of order");
    /// q.schedule(SimTime::from_ms(2.0), "reply");
    /// assert_eq!(q.pop(), Some((SimTime::from_ms(1.0), "out of order")));
    /// assert_eq!(q.pop(), Some((SimTime::from_ms(2.0), "reply")));
    /// assert_eq!(q.pop(), Some((SimTime::from_ms(5.0), "timeout")));
    /// ```
    #[inline(always)]
    pub fn schedule_in_order(&mut self, time: SimTime, event: E) {
        debug_assert!(time >= self.now, "event scheduled in the past");
        let seq = self.next_seq;
        self.next_seq += 1;
        let entry = Entry { time, seq, event };
        if self.lane.back().is_none_or(|last| last.time <= time) {
            self.lane.push_back(entry);
        } else {
            self.place(entry);
        }
    }

    /// The time of the next event, if any.
    pub fn peek_time(&mut self) -> Option<SimTime> {
        self.settle();
        [self.current.last(), self.early.peek(), self.lane.front()]
            .into_iter()
            .flatten()
            .map(|x| x.time)
            .min()
    }

    /// Removes the next event and advances the clock to its time.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.pop_until(SimTime::MAX).map(|event| (self.now, event))
    }

    /// Removes the next event if it comes no later than `horizon`, and
    /// advances the clock to its time; if a later one is left, moves the
    /// clock to `horizon`.
    #[inline(always)]
    pub fn pop_until(&mut self, horizon: SimTime) -> Option<E> {
        self.settle();
        let entry = if self.lane_first() {
            self.pop_lane(horizon)?
        } else {
            let entry = if self.early.is_empty() {
                if self.current.last()?.time > horizon {
                    self.advance_to(horizon);
                    return None;
                }
                self.current.pop().expect("not empty")
            } else {
                self.pop_from_both(horizon)?
            };
            self.wheel_popped += 1;
            entry
        };
        self.now = entry.time;
        self.popped += 1;
        if self.popped >= self.tune_at {
            self.tune();
        }
        Some(entry.event)
    }

    /// The lane's first event, if no later than `horizon`. Out of line:
    /// most runs leave the lane empty, and the loop stays small.
    #[inline(never)]
    fn pop_lane(&mut self, horizon: SimTime) -> Option<Entry<E>> {
        if self.lane.front().expect("lane first").time > horizon {
            self.advance_to(horizon);
            return None;
        }
        self.popped_lane = true;
        self.lane.pop_front()
    }

    /// Whether the lane holds the next event.
    #[inline(always)]
    fn lane_first(&self) -> bool {
        // `Entry`'s order is reversed: the greater is the earlier.
        self.lane.front().is_some_and(|l| {
            self.current.last().is_none_or(|c| l > c) && self.early.peek().is_none_or(|e| l > e)
        })
    }

    /// The next event of `current` and `early`, if no later than `horizon`.
    #[cold]
    fn pop_from_both(&mut self, horizon: SimTime) -> Option<Entry<E>> {
        let from_early = match (self.current.last(), self.early.peek()) {
            // `Entry`'s order is reversed: the greater is the earlier.
            (Some(c), Some(e)) => e > c,
            (None, _) => true,
            (_, None) => false,
        };
        let next = if from_early {
            self.early.peek()
        } else {
            self.current.last()
        };
        if next?.time > horizon {
            self.advance_to(horizon);
            return None;
        }
        if from_early {
            self.early.pop()
        } else {
            self.current.pop()
        }
    }

    /// Drops the pending events that `keep` refuses (stale ones, say), so
    /// that they hold no memory; the others keep their order. Costs a pass
    /// over every pending event.
    pub fn retain(&mut self, mut keep: impl FnMut(&E) -> bool) {
        self.current.retain(|e| keep(&e.event));
        let mut early = std::mem::take(&mut self.early).into_vec();
        early.retain(|e| keep(&e.event));
        self.early = BinaryHeap::from(early);
        let mut kept = Vec::new();
        for head in &mut self.wheel {
            for i in list(&self.nodes, std::mem::replace(head, NIL)) {
                let node = &self.nodes[i as usize];
                if keep(&node.event) {
                    kept.push(node.entry());
                }
            }
        }
        // A fresh pool, as large as what is kept: the memory of the dropped
        // events goes back.
        self.nodes = Vec::with_capacity(kept.len());
        self.free = NIL;
        self.on_wheel = 0;
        for entry in kept {
            self.place(entry);
        }
        let mut overflow = std::mem::take(&mut self.overflow).into_vec();
        overflow.retain(|e| keep(&e.event));
        self.overflow = BinaryHeap::from(overflow);
        self.lane.retain(|e| keep(&e.event));
        self.lane.shrink_to_fit();
    }

    /// Moves the clock forward without an event (the end of a run).
    pub fn advance_to(&mut self, time: SimTime) {
        self.now = self.now.max(time);
    }

    fn bucket(&self, time: SimTime) -> u64 {
        time.as_nanos() >> self.shift
    }

    /// The first bucket past the wheel.
    fn wheel_end(&self) -> u64 {
        self.cur.saturating_add(self.wheel.len() as u64)
    }

    #[inline(always)]
    fn place(&mut self, entry: Entry<E>) {
        let b = self.bucket(entry.time);
        if b <= self.cur {
            if self.current.len() < self.current_limit {
                // Usually at or near the end: a new event tends to be the latest.
                let at = self.current.partition_point(|e| *e < entry);
                self.current.insert(at, entry);
            } else {
                self.early.push(entry);
            }
        } else if b < self.wheel_end() {
            let slot = (b as usize) & (self.wheel.len() - 1);
            let node = Node::new(entry, self.wheel[slot]);
            self.wheel[slot] = if self.free == NIL {
                self.nodes.push(node);
                (self.nodes.len() - 1) as u32
            } else {
                let i = self.free;
                self.free = self.nodes[i as usize].next;
                self.nodes[i as usize] = node;
                i
            };
            self.on_wheel += 1;
        } else {
            self.overflow.push(entry);
        }
    }

    /// Makes `current` hold the next event, if there is one: turns the
    /// wheel to the next non-empty bucket, or jumps to the overflow's first.
    /// With many pending, it holds the next [`LOOK_AHEAD`] or so.
    #[inline(always)]
    fn settle(&mut self) {
        if self.current.len() < self.keep {
            self.refill();
        }
    }

    /// `settle`'s slower part: the next bucket, or the overflow's first,
    /// when nothing is left; and more ahead when crowded.
    #[inline(always)]
    fn refill(&mut self) {
        if self.current.is_empty() && self.early.is_empty() {
            if self.on_wheel > 0 {
                self.take_next_bucket();
                self.current.sort_unstable();
            } else if let Some(first) = self.overflow.peek() {
                self.cur = self.bucket(first.time);
                self.bring_in_overflow();
            }
        }
        if self.crowded && self.on_wheel > 0 {
            self.pull_ahead();
        }
    }

    /// Turns the wheel to its next non-empty bucket (there is one), whose
    /// events go to the end of `current`, unsorted, for the caller to sort:
    /// all of them later than those already there.
    #[inline(always)]
    fn take_next_bucket(&mut self) {
        let mask = self.wheel.len() - 1;
        loop {
            self.cur += 1;
            if self.wheel[(self.cur as usize) & mask] != NIL {
                break;
            }
        }
        // The bucket's events join `current`, their nodes free.
        let slot = (self.cur as usize) & mask;
        let mut i = std::mem::replace(&mut self.wheel[slot], NIL);
        while i != NIL {
            let node = &mut self.nodes[i as usize];
            self.current.push(node.entry());
            self.on_wheel -= 1;
            let next = std::mem::replace(&mut node.next, self.free);
            self.free = i;
            i = next;
        }
        if self.crowded {
            self.ask_ahead();
        }
        // The overflow's events it brings go to the wheel, not to `current`:
        // they lie past the wheel's end as it was, beyond this bucket.
        self.bring_in_overflow();
    }

    /// The wheel moved on: brings in the overflow events it now covers.
    #[inline(always)]
    fn bring_in_overflow(&mut self) {
        let end = self.wheel_end();
        while let Some(first) = self.overflow.peek() {
            if self.bucket(first.time) >= end {
                break;
            }
            let entry = self.overflow.pop().expect("peeked");
            self.place(entry);
        }
    }

    /// With many pending, turns the wheel past buckets not yet due, so that
    /// `current` holds [`LOOK_AHEAD`] events or more, in order, which the
    /// caller reads ahead ([`EventQueue::upcoming`]); fewer only when the
    /// wheel runs short (the overflow is not read ahead). When it has fewer,
    /// it takes whole buckets until it holds twice as many, so that the
    /// earlier ones move aside for the later once every dozen events, not
    /// at each.
    #[inline(never)]
    fn pull_ahead(&mut self) {
        let earlier = self.current.len();
        if earlier >= LOOK_AHEAD {
            return;
        }
        // Twice as many, so that this runs once every dozen events or so.
        while self.current.len() < 2 * LOOK_AHEAD && self.on_wheel > 0 {
            let bucket = self.current.len();
            self.take_next_bucket();
            // Earliest first, bucket after bucket.
            self.current[bucket..].sort_unstable_by(|a, b| b.cmp(a));
        }
        // Reversed, latest first; and before the earlier ones.
        self.current[earlier..].reverse();
        let later = self.current.len() - earlier;
        self.current.rotate_right(later);
    }

    /// With many pending, the `k`-th of the events to come off the wheel (0:
    /// the next; those of the lane and of the `early` heap aside), known for
    /// `k` below `LOOK_AHEAD - 1` after a pop unless the wheel runs short: a
    /// hint of what is coming, to ask for what it will read. Few pending,
    /// few are known.
    #[inline(always)]
    pub fn upcoming(&self, k: usize) -> Option<&E> {
        let i = self.current.len().checked_sub(k + 1)?;
        Some(&self.current[i].event)
    }

    /// Whether so many events are pending that what they read has left
    /// the cache, and the last pop moved the events
    /// [`upcoming`](EventQueue::upcoming) on (a pop from the lane leaves
    /// them be). To be asked after every pop: it tells whether one of the
    /// pops since the last time was the lane's.
    #[inline(always)]
    pub fn crowded_and_moved_on(&mut self) -> bool {
        self.crowded && !std::mem::take(&mut self.popped_lane)
    }

    fn set_crowded(&mut self, crowded: bool) {
        self.crowded = crowded;
        self.keep = if crowded { LOOK_AHEAD } else { 1 };
    }

    /// The first node of the bucket `buckets` ahead (less than the wheel).
    fn head_ahead(&self, buckets: usize) -> u32 {
        let mask = self.wheel.len() - 1;
        self.wheel[(self.cur as usize).wrapping_add(buckets) & mask]
    }

    /// A bucket's nodes were written long ago, and with many pending they
    /// have left the cache: asks for those of the buckets a little ahead,
    /// so that they are in cache when reached. A list is walked one link
    /// further a step nearer, so that its earlier nodes were usually asked
    /// for at earlier turns (not when the wheel skips empty buckets).
    #[inline(always)]
    fn ask_ahead(&self) {
        // The bucket 18 ahead: its first node; 15 ahead: its second...
        for (links, distance) in [18usize, 15, 12, 9, 6].into_iter().enumerate() {
            if let Some(i) = list(&self.nodes, self.head_ahead(distance)).nth(links) {
                super::prefetch(&self.nodes[i as usize]);
            }
        }
    }

    /// Sets the bucket width to about twice the mean gap between the events
    /// popped off the wheel since the last tuning, and the wheel to about
    /// twice the number of events pending on it, then puts every event
    /// where it now belongs.
    fn tune(&mut self) {
        let (pops, since) = self.tuned_at;
        let wheel_pops = self.wheel_popped - pops;
        let gap_ns = (self.now - since).as_nanos() / wheel_pops.max(1);
        self.tuned_at = (self.wheel_popped, self.now);
        self.tune_at = self.popped + self.tune_every.max(self.len() as u64);
        self.set_crowded(self.wheel_len() >= self.ask_ahead_from);
        // Nothing popped off the wheel (all from the lane): no gap to go by.
        let shift = if wheel_pops == 0 {
            self.shift
        } else {
            64 - gap_ns.saturating_mul(2).leading_zeros()
        };
        let buckets = (2 * self.wheel_len())
            .next_power_of_two()
            .clamp(MIN_BUCKETS, MAX_BUCKETS);
        let resize = buckets > 2 * self.wheel.len() || 4 * buckets < self.wheel.len();
        if shift == self.shift && !resize {
            return;
        }
        let mut pending = std::mem::take(&mut self.current);
        pending.extend(std::mem::take(&mut self.early).into_vec());
        for &head in &self.wheel {
            pending.extend(list(&self.nodes, head).map(|i| self.nodes[i as usize].entry()));
        }
        self.nodes.clear();
        self.free = NIL;
        let size = if resize { buckets } else { self.wheel.len() };
        self.wheel.clear();
        self.wheel.resize(size, NIL);
        self.on_wheel = 0;
        self.shift = shift;
        self.cur = self.bucket(self.now);
        for entry in pending {
            self.place(entry);
        }
        let overflow = std::mem::take(&mut self.overflow);
        for entry in overflow.into_vec() {
            self.place(entry);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::cmp::Reverse;

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

        /// The wheel pops exactly what a plain binary heap on `(time,
        /// sequence)` pops, across time scales from nanoseconds to hours,
        /// with re-tuning every few pops and peeks between them, pops up to
        /// a horizon, and some events through the lane: at a constant delay
        /// (as timeouts), or at any (most of those then go to the wheel).
        /// Crowded (the queue then reads ahead) comes and goes with the
        /// number pending, and what it tells of the events to come is
        /// what comes.
        #[test]
        fn pops_what_a_binary_heap_pops(
            ops in proptest::collection::vec((0u32..5, 0u64..1000, 0u8..4, 0u8..4), 1..2000),
            tune_every in 1u64..64,
            drop_every in 0usize..50,
            lane_delay in 0u64..5_000_000,
            limit in 0usize..9,
            crowded_from in 0usize..300,
        ) {
            let mut q = EventQueue::tuned_every(tune_every);
            // A short current bucket, so that the early heap is used too;
            // or the usual limit, that a crowded `current` stays under.
            q.current_limit = if limit == 8 { CURRENT_LIMIT } else { 1 + limit };
            // Crowded from a few pending on (it changes the queue's layout:
            // `current` then holds buckets ahead of the clock), or never.
            q.ask_ahead_from = if crowded_from < 250 { crowded_from } else { ASK_AHEAD_FROM };
            let mut reference = BinaryHeap::new();
            let mut now = 0;
            for (seq, (scale, delay, pops, how)) in ops.into_iter().enumerate() {
                if drop_every > 0 && seq % drop_every == drop_every - 1 {
                    // Drop a third of what is pending, by sequence number.
                    q.retain(|s| s % 3 != seq % 3);
                    reference.retain(|Reverse((_, s))| s % 3 != seq % 3);
                }
                // Delays of 0..1000 ns, us, ms, s, or far beyond the wheel.
                let mut delay = delay * [1, 1_000, 1_000_000, 1_000_000_000, 1 << 40][scale as usize];
                match how {
                    0 => {
                        delay = lane_delay;
                        q.schedule_in_order(SimTime::from_nanos(now + delay), seq);
                    }
                    1 => q.schedule_in_order(SimTime::from_nanos(now + delay), seq),
                    _ => q.schedule(SimTime::from_nanos(now + delay), seq),
                }
                reference.push(Reverse((now + delay, seq)));
                for pop in 0..pops {
                    if (seq + usize::from(pop)) % 7 == 0 {
                        // Up to a horizon: the next event if it comes by
                        // then, else none and the clock at the horizon.
                        let horizon = now + delay / 2;
                        let expected = reference
                            .peek()
                            .filter(|Reverse((t, _))| *t <= horizon)
                            .map(|Reverse((_, s))| *s);
                        prop_assert_eq!(q.pop_until(SimTime::from_nanos(horizon)), expected);
                        match expected {
                            Some(_) => {
                                let Reverse((t, _)) = reference.pop().expect("peeked");
                                now = t;
                            }
                            // The clock moves to the horizon only if an
                            // event is left after it.
                            None if !reference.is_empty() => now = now.max(horizon),
                            None => {}
                        }
                        prop_assert_eq!(q.now(), SimTime::from_nanos(now));
                        continue;
                    }
                    let expected = reference.pop().map(|Reverse((t, s))| (SimTime::from_nanos(t), s));
                    prop_assert_eq!(q.peek_time(), expected.map(|e| e.0));
                    prop_assert_eq!(q.pop(), expected);
                    if let Some((t, _)) = expected {
                        now = t.as_nanos();
                    }
                    if q.crowded && q.early.is_empty() && q.lane.is_empty() {
                        // What it tells of the events to come is what comes.
                        let mut next = reference.clone().into_sorted_vec();
                        next.reverse();
                        for k in 0..q.current.len() {
                            prop_assert_eq!(q.upcoming(k), next.get(k).map(|Reverse((_, s))| s));
                        }
                    }
                }
                prop_assert_eq!(q.len(), reference.len());
            }
            while let Some(Reverse((t, s))) = reference.pop() {
                prop_assert_eq!(q.pop(), Some((SimTime::from_nanos(t), s)));
            }
            prop_assert_eq!(q.pop(), None);
        }
    }

    #[test]
    fn a_node_of_a_12_byte_event_is_half_a_cache_line() {
        assert_eq!(std::mem::size_of::<Node<[u32; 3]>>(), 32);
        assert_eq!(std::mem::align_of::<Node<[u32; 3]>>(), 32);
    }

    #[test]
    fn upcoming_lists_the_next_events_in_order_when_crowded() {
        // 1 ms buckets until the first tuning: 3 events a bucket.
        let mut q = EventQueue::new();
        for ms in 0..30 {
            for k in 0..3 {
                q.schedule(
                    SimTime::from_ms(1.5 + f64::from(ms) + f64::from(2 - k) * 0.1),
                    (ms, k),
                );
            }
        }
        assert_eq!(q.pop().map(|(_, e)| e), Some((0, 2)));
        assert_eq!(q.upcoming(0), Some(&(0, 1)), "the current bucket only");
        assert_eq!(q.upcoming(2), None);
        q.set_crowded(true);
        assert_eq!(q.pop().map(|(_, e)| e), Some((0, 1)));
        let ahead: Vec<_> = (0..LOOK_AHEAD)
            .map_while(|k| q.upcoming(k).copied())
            .collect();
        assert!(ahead.len() >= LOOK_AHEAD - 1, "{ahead:?}");
        // An event scheduled among them takes its place in order.
        q.schedule(SimTime::from_ms(2.55), (99, 0));
        let ahead: Vec<_> = (0..LOOK_AHEAD)
            .map_while(|k| q.upcoming(k).copied())
            .collect();
        assert_eq!(ahead[..5], [(0, 0), (1, 2), (99, 0), (1, 1), (1, 0)]);
        for expected in ahead {
            assert_eq!(q.pop().map(|(_, e)| e), Some(expected));
        }
    }

    #[test]
    fn a_peek_past_a_gap_does_not_lose_events_scheduled_before_it() {
        let mut q = EventQueue::new();
        q.schedule(SimTime::from_ms(500.0), 'b');
        // The wheel turns to the far event...
        assert_eq!(q.peek_time(), Some(SimTime::from_ms(500.0)));
        // ...but an earlier one may still come.
        q.schedule(SimTime::from_ms(1.0), 'a');
        assert_eq!(q.pop(), Some((SimTime::from_ms(1.0), 'a')));
        assert_eq!(q.pop(), Some((SimTime::from_ms(500.0), 'b')));
    }
}
