//! The coordinator's side: what it knows of each peer, the tasks waiting
//! for a peer (its central queue and its parked retries), its own stream,
//! and the choice of a peer for a task under the policy and the rules of
//! failover and exclusion. The event loop asks it where a task goes; it
//! never reaches into it.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use super::config::{CoordinatorConfig, Discipline, QueueMode, ReputationConfig, View};
use super::frame::Task;
use super::mechanisms::Mechanisms;
use super::policy::{Selector, Standings};
use super::reputation::Rule;
use super::tally::Book;
use super::{AttemptKey, CoordinatorId, PeerId, TaskId};
use crate::engine::{prefetch, SimTime, Slots, Stream};

/// The outcome of looking for a peer for one task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pick {
    Peer(PeerId),
    /// No eligible peer can take a task now.
    NoSlot,
    /// Only peers that already failed this task are free, while others
    /// that have not may free up: this task waits, others may go.
    Blocked,
}

/// Tasks waiting at the coordinator for a free slot.
enum TaskQueue {
    Fifo(VecDeque<TaskId>),
    /// By frame deadline, then arrival order.
    Edf(BinaryHeap<Reverse<(SimTime, u64, TaskId)>>, u64),
}

impl TaskQueue {
    fn new(discipline: Discipline) -> Self {
        match discipline {
            Discipline::Fifo => TaskQueue::Fifo(VecDeque::new()),
            Discipline::Edf => TaskQueue::Edf(BinaryHeap::new(), 0),
        }
    }

    #[inline]
    fn push(&mut self, task: TaskId, deadline: SimTime) {
        match self {
            TaskQueue::Fifo(q) => q.push_back(task),
            TaskQueue::Edf(h, seq) => {
                h.push(Reverse((deadline, *seq, task)));
                *seq += 1;
            }
        }
    }

    #[inline]
    fn peek(&self) -> Option<TaskId> {
        match self {
            TaskQueue::Fifo(q) => q.front().copied(),
            TaskQueue::Edf(h, _) => h.peek().map(|Reverse((_, _, t))| *t),
        }
    }

    #[inline]
    fn pop(&mut self) -> Option<TaskId> {
        match self {
            TaskQueue::Fifo(q) => q.pop_front(),
            TaskQueue::Edf(h, _) => h.pop().map(|Reverse((_, _, t))| t),
        }
    }

    fn len(&self) -> usize {
        match self {
            TaskQueue::Fifo(q) => q.len(),
            TaskQueue::Edf(h, _) => h.len(),
        }
    }
}

/// A coordinator heard back from more attempts on a peer than it sent
/// there: a bug, never an input's fault.
const NEGATIVE_LOAD: &str = "a coordinator's own load of a peer went below zero";

/// What became of a foreseen crossing of `exclude_below` by a fading
/// reputation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Crossing {
    /// The peer was heard of since: another forecast stands.
    Stale,
    /// Its exclusion changed.
    Crossed,
    /// Rounding put the crossing a hair later: look again then.
    NotYet(SimTime),
}

/// Where a task submitted to the coordinator went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// To this peer, now.
    Peer(PeerId),
    /// Into the central queue, behind others: the caller hands waiting
    /// tasks to free slots next.
    Queued,
    /// Set aside: only peers that failed it could take it now.
    Parked,
}

/// What the coordinator heard of a peer's attempts: a late reply counts as
/// a failure, as it did when the timeout fired.
#[derive(Clone, Copy, Debug, Default)]
pub struct Heard {
    pub attempts: u64,
    pub successes: u64,
    pub failures: u64,
}

pub struct Coordinator {
    /// What it knows of each peer that a policy reads, by peer.
    pub standings: Standings,
    /// The outcomes it heard, by peer.
    pub heard: Vec<Heard>,
    /// Its own stream: the policy's draws and ties.
    rng: Stream,
    queue: TaskQueue,
    /// Retries that only failed peers could take when their turn came.
    parked: VecDeque<TaskId>,
    mode: QueueMode,
    selector: Selector,
    rule: Rule,
    exclude_below: f64,
    /// Whether each peer's reputation is under `exclude_below`, and how
    /// many are.
    is_excluded: Vec<bool>,
    excluded: usize,
    /// Forgetting with exclusion: by peer, its reputation updates so far
    /// (a crossing foreseen before the last one is stale).
    updates: Vec<u32>,
    /// Whether each peer may be picked at all: registered and not leaving
    /// (churn); and how many may not.
    present: Vec<bool>,
    absent: usize,
    /// Sum over peers of free slots as the coordinator sees them (central
    /// queue only), to skip the search when there is none.
    free_slots: u64,
    candidates: Vec<PeerId>,
    /// Every peer, in order: the candidates when none is filtered out.
    all_peers: Vec<PeerId>,
    /// Peers with `assigned < slots`, in no particular order, and where
    /// each stands in it (`u32::MAX`: absent): random and power_of_d pick
    /// from it in O(d) with a central queue.
    free: Vec<PeerId>,
    free_at: Vec<u32>,
    /// Sample size of power_of_d.
    d: usize,
    /// Copies and hedging: a task may have several attempts out; then
    /// `out` holds, by task slot, those it has not heard back from.
    redundant: bool,
    out: Vec<Vec<(AttemptKey, PeerId)>>,
    /// Quorum: the votes each task has had, by task slot.
    votes: Vec<Vec<Vote>>,
    /// What it knows of a peer's load, and under a view of heartbeats, by
    /// peer: the load it last reported, this coordinator's dispatches
    /// less its replies since, and its attempts out there (empty under
    /// `own`, where `standings` has them).
    view: View,
    reported: Vec<u32>,
    since: Vec<i32>,
    own: Vec<u32>,
}

/// Quorum: a success heard, for the answer it gave.
#[derive(Clone, Copy, Debug)]
pub struct Vote {
    pub peer: PeerId,
    pub wrong: bool,
    /// Its time in a slot, wasted if its answer is not accepted.
    pub busy: SimTime,
    pub book: Book,
    /// Its attempt's number within the task.
    pub number: u32,
}

/// The coordinators, by index: the first kept in place, the others (if
/// any) beside it, so that a run with one coordinator reaches it without
/// going through a vector on every step of every task.
pub struct Coordinators {
    first: Coordinator,
    more: Vec<Coordinator>,
}

impl Coordinators {
    /// `all` must hold one coordinator at least.
    pub fn new(mut all: Vec<Coordinator>) -> Coordinators {
        let more = all.split_off(1);
        let first = all.pop().expect("one coordinator at least");
        Coordinators { first, more }
    }

    /// Coordinator `c`, as the loop for `M` finds it: the core has one.
    #[inline(always)]
    pub fn get<M: Mechanisms>(&self, c: CoordinatorId) -> &Coordinator {
        match c.index() {
            i if M::on(i > 0) => &self.more[i - 1],
            _ => &self.first,
        }
    }

    /// The same, to change.
    #[inline(always)]
    pub fn get_mut<M: Mechanisms>(&mut self, c: CoordinatorId) -> &mut Coordinator {
        match c.index() {
            i if M::on(i > 0) => &mut self.more[i - 1],
            _ => &mut self.first,
        }
    }

    pub fn len(&self) -> usize {
        1 + self.more.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Coordinator> {
        std::iter::once(&self.first).chain(&self.more)
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Coordinator> {
        std::iter::once(&mut self.first).chain(&mut self.more)
    }
}

impl Coordinator {
    pub fn new(
        cfg: &CoordinatorConfig,
        reputation: &ReputationConfig,
        standings: Standings,
        rng: Stream,
    ) -> Self {
        let is_excluded: Vec<bool> = standings
            .rest
            .iter()
            .map(|s| s.reputation.value() < reputation.exclude_below)
            .collect();
        let excluded = is_excluded.iter().filter(|&&x| x).count();
        let rule = reputation.rule();
        let viewed = if cfg.view == View::Own {
            Vec::new()
        } else {
            vec![0; standings.len()]
        };
        let free_slots = standings.loads.iter().map(|l| u64::from(l.slots)).sum();
        let standings_len = standings.len();
        Coordinator {
            heard: vec![Heard::default(); standings_len],
            standings,
            rng,
            queue: TaskQueue::new(cfg.discipline),
            parked: VecDeque::new(),
            mode: cfg.queue,
            selector: Selector::new(cfg.policy, cfg.d, cfg.score, rule),
            rule,
            exclude_below: reputation.exclude_below,
            is_excluded,
            excluded,
            updates: if rule.forgetting.is_some() && reputation.exclude_below > 0.0 {
                vec![0; standings_len]
            } else {
                Vec::new()
            },
            present: vec![true; standings_len],
            absent: 0,
            free_slots,
            candidates: Vec::new(),
            all_peers: (0..standings_len).map(|i| PeerId(i as u32)).collect(),
            free: (0..standings_len).map(|i| PeerId(i as u32)).collect(),
            free_at: (0..standings_len as u32).collect(),
            d: cfg.d.max(1) as usize,
            redundant: cfg.redundant(),
            out: Vec::new(),
            votes: Vec::new(),
            view: cfg.view,
            reported: viewed.clone(),
            since: vec![0; viewed.len()],
            own: viewed,
        }
    }

    /// Places a new or retried task: on a peer at once if one can take it
    /// and nothing waits ahead of it (per_peer queues: always), else in the
    /// central queue, or parked when only peers that failed it are free.
    #[inline(always)]
    pub fn place<M: Mechanisms>(
        &mut self,
        task: TaskId,
        tasks: &Slots<Task>,
        now: SimTime,
    ) -> Placement {
        if self.is_central() {
            if self.queued() == 0 {
                match self.pick_for::<M>(task, tasks, now) {
                    Pick::Peer(peer) => return Placement::Peer(peer),
                    Pick::Blocked => {
                        self.parked.push_back(task);
                        return Placement::Parked;
                    }
                    Pick::NoSlot => {}
                }
            }
            self.queue.push(task, tasks[task.index()].due);
            Placement::Queued
        } else {
            match self.pick_for::<M>(task, tasks, now) {
                Pick::Peer(peer) => Placement::Peer(peer),
                // No peer may be picked at all (churn: none registered):
                // it waits, in order, until one registers.
                Pick::NoSlot | Pick::Blocked => {
                    self.queue.push(task, tasks[task.index()].due);
                    Placement::Queued
                }
            }
        }
    }

    /// The next waiting task that a free slot can take now, and the peer:
    /// parked retries first, then the central queue in its order. Call it
    /// until it says `None`, with `parked_at` starting at 0 (it is where
    /// the walk through the parked retries stands).
    #[inline]
    pub fn next_waiting<M: Mechanisms>(
        &mut self,
        tasks: &Slots<Task>,
        parked_at: &mut usize,
        now: SimTime,
    ) -> Option<(TaskId, PeerId)> {
        while *parked_at < self.parked.len() {
            let task = self.parked[*parked_at];
            match self.pick_for::<M>(task, tasks, now) {
                Pick::Peer(peer) => {
                    self.parked.remove(*parked_at);
                    return Some((task, peer));
                }
                Pick::NoSlot => return None,
                Pick::Blocked => *parked_at += 1,
            }
        }
        while let Some(task) = self.queue.peek() {
            match self.pick_for::<M>(task, tasks, now) {
                Pick::Peer(peer) => {
                    self.queue.pop();
                    return Some((task, peer));
                }
                Pick::NoSlot => return None,
                Pick::Blocked => {
                    self.queue.pop();
                    self.parked.push_back(task);
                    *parked_at += 1;
                }
            }
        }
        None
    }

    #[inline(always)]
    fn pick_for<M: Mechanisms>(&mut self, task: TaskId, tasks: &Slots<Task>, now: SimTime) -> Pick {
        let t = &tasks[task.index()];
        if M::on(self.redundant) && self.has_out(task) {
            self.pick_copy(task, t, now)
        } else {
            self.pick(&t.failed_peers, t.work, now)
        }
    }

    /// Chooses a peer for one more copy of `t`: as for a retry, and never
    /// a peer that holds one of its copies.
    #[inline(never)]
    fn pick_copy(&mut self, task: TaskId, t: &Task, now: SimTime) -> Pick {
        let central = self.mode == QueueMode::Central;
        if central && self.free_slots == 0 {
            return Pick::NoSlot;
        }
        let out = std::mem::take(&mut self.out[task.index()]);
        let holds = |p: PeerId| out.iter().any(|&(_, q)| q == p);
        let pick = self.pick_by_scan_except(&t.failed_peers, holds, t.work, now, central);
        self.out[task.index()] = out;
        pick
    }

    /// Whether it is as the core has it: a view of its own, no
    /// forgetting, no copies.
    pub fn core_only(&self) -> bool {
        self.view == View::Own && self.rule.forgetting.is_none() && !self.redundant
    }

    /// Copies: whether `task` has an attempt out (sent, not heard back).
    pub fn has_out(&self, task: TaskId) -> bool {
        self.out.get(task.index()).is_some_and(|o| !o.is_empty())
    }

    /// Copies: the attempts of `task` that are out, and their peers, in
    /// the order sent.
    pub fn out(&self, task: TaskId) -> &[(AttemptKey, PeerId)] {
        self.out.get(task.index()).map_or(&[], |o| o.as_slice())
    }

    /// The same, to change.
    pub fn out_mut(&mut self, task: TaskId) -> &mut Vec<(AttemptKey, PeerId)> {
        let i = task.index();
        if i >= self.out.len() {
            self.out.resize_with(i + 1, Vec::new);
        }
        &mut self.out[i]
    }

    /// Chooses a peer for a task that already failed on `failed`.
    ///
    /// Eligible: not excluded (unless all are); with a central queue, with
    /// a free slot. A peer that failed the task is chosen only when every
    /// peer that is not excluded has failed it. `now`: when reputations
    /// are read (they may fade).
    #[inline(always)]
    pub fn pick(&mut self, failed: &[PeerId], work: SimTime, now: SimTime) -> Pick {
        let central = self.mode == QueueMode::Central;
        if central && self.free_slots == 0 {
            return Pick::NoSlot;
        }
        if self.absent == 0 && (self.excluded == 0 || self.excluded == self.standings.len()) {
            // Nothing but a full slot or a past failure filters a peer out:
            // skip building the list, so that random and power_of_d cost
            // O(d), not O(peers).
            let set = if central { &self.free } else { &self.all_peers };
            let any_order = !central || self.selector.order_free();
            if failed.is_empty() && any_order {
                let choice = self
                    .selector
                    .choose(&self.standings, set, work, now, &mut self.rng);
                return Pick::Peer(choice);
            }
            if self.selector.order_free() && set.len() >= 2 * (failed.len() + self.d) {
                let choice = self.selector.choose_except(
                    &self.standings,
                    set,
                    failed,
                    work,
                    now,
                    &mut self.rng,
                );
                return Pick::Peer(choice);
            }
        }
        self.pick_by_scan(failed, work, now, central)
    }

    /// `pick` the long way: a pass over every peer, to list the candidates.
    /// Out of line, so that the common way stays small.
    #[inline(never)]
    fn pick_by_scan(
        &mut self,
        failed: &[PeerId],
        work: SimTime,
        now: SimTime,
        central: bool,
    ) -> Pick {
        self.pick_by_scan_except(failed, |_| false, work, now, central)
    }

    /// `pick_by_scan` among the peers that `held` does not rule out.
    #[inline(always)]
    fn pick_by_scan_except(
        &mut self,
        failed: &[PeerId],
        held: impl Fn(PeerId) -> bool,
        work: SimTime,
        now: SimTime,
        central: bool,
    ) -> Pick {
        let all_excluded = if self.absent == 0 {
            self.excluded == self.standings.len()
        } else {
            // Only the peers present count.
            !self
                .is_excluded
                .iter()
                .zip(&self.present)
                .any(|(&out, &here)| here && !out)
        };
        self.candidates.clear();
        let mut untried_exists = false;
        let mut free_but_failed = false;
        for (i, s) in self.standings.loads.iter().enumerate() {
            if !self.present[i] || (!all_excluded && self.is_excluded[i]) {
                continue;
            }
            let peer = PeerId(i as u32);
            if held(peer) {
                // Holds a copy: never a second one, whoever else is free.
                free_but_failed |= !central || s.assigned < s.slots;
                continue;
            }
            let has_failed = failed.contains(&peer);
            untried_exists |= !has_failed;
            if central && s.assigned >= s.slots {
                continue;
            }
            if has_failed {
                free_but_failed = true;
            } else {
                self.candidates.push(peer);
            }
        }
        if self.candidates.is_empty() {
            if untried_exists {
                return if free_but_failed {
                    Pick::Blocked
                } else {
                    Pick::NoSlot
                };
            }
            // Every eligible peer failed this task: any of them may retry it.
            for (i, s) in self.standings.loads.iter().enumerate() {
                let excluded = !all_excluded && self.is_excluded[i];
                let ok = !held(PeerId(i as u32));
                if ok && self.present[i] && !excluded && (!central || s.assigned < s.slots) {
                    self.candidates.push(PeerId(i as u32));
                }
            }
            if self.candidates.is_empty() {
                // Only peers holding a copy are free (copies): others may go.
                return if free_but_failed {
                    Pick::Blocked
                } else {
                    Pick::NoSlot
                };
            }
        }
        Pick::Peer(self.selector.choose(
            &self.standings,
            &self.candidates,
            work,
            now,
            &mut self.rng,
        ))
    }

    /// An attempt of `work` (at speed 1) was dispatched to `peer`.
    #[inline(always)]
    pub fn assign<M: Mechanisms>(&mut self, peer: PeerId, work: SimTime) {
        if M::on(self.view != View::Own) {
            return self.assign_viewed(peer, work);
        }
        let s = &mut self.standings.loads[peer.index()];
        if s.assigned < s.slots {
            self.free_slots -= 1;
        }
        s.assigned += 1;
        let full = s.assigned == s.slots;
        self.add_backlog(peer.index(), work);
        if full {
            self.remove_free(peer);
        }
    }

    /// Peer `i`'s backlog, kept only for a policy that reads it: elsewhere
    /// the write would cost a cache miss per dispatch.
    #[inline(always)]
    fn add_backlog(&mut self, i: usize, work: SimTime) {
        if self.selector.reads_backlog() {
            self.standings.rest[i].backlog += work;
        }
    }

    #[inline(always)]
    fn take_backlog(&mut self, i: usize, work: SimTime) {
        if self.selector.reads_backlog() {
            let backlog = &mut self.standings.rest[i].backlog;
            *backlog = *backlog - work;
        }
    }

    fn add_free(&mut self, peer: PeerId) {
        self.free_at[peer.index()] = self.free.len() as u32;
        self.free.push(peer);
    }

    /// Swaps `peer` out of the free set.
    fn remove_free(&mut self, peer: PeerId) {
        let at = self.free_at[peer.index()] as usize;
        let last = *self.free.last().expect("the peer is in the set");
        self.free.swap_remove(at);
        if last != peer {
            self.free_at[last.index()] = at as u32;
        }
        self.free_at[peer.index()] = u32::MAX;
    }

    /// Whether the coordinator may pick `peer` at all: churn makes a peer
    /// absent until it registers, and again once it is leaving or gone.
    pub fn set_present(&mut self, peer: PeerId, present: bool) {
        let i = peer.index();
        if self.present[i] == present {
            return;
        }
        self.present[i] = present;
        let s = &self.standings.loads[i];
        let free = s.slots.saturating_sub(s.assigned);
        if present {
            self.absent -= 1;
            self.free_slots += u64::from(free);
            if free > 0 {
                self.add_free(peer);
            }
        } else {
            self.absent += 1;
            self.free_slots -= u64::from(free);
            if free > 0 {
                self.remove_free(peer);
            }
        }
    }

    /// Asks for what hearing from `peer` reads (see
    /// [`prefetch`](crate::engine::prefetch)).
    #[inline(always)]
    pub fn prefetch(&self, peer: PeerId) {
        if let Some(s) = self.standings.rest.get(peer.index()) {
            prefetch(s);
        }
        if let Some(l) = self.standings.loads.get(peer.index()) {
            prefetch(l);
        }
        if let Some(h) = self.heard.get(peer.index()) {
            prefetch(h);
        }
    }

    /// An attempt of `work` on `peer` is no longer counted in its load:
    /// answered, timed out or cancelled. What it tells of the peer, if
    /// anything, is for `hear`.
    #[inline(always)]
    pub fn release_unheard<M: Mechanisms>(&mut self, peer: PeerId, work: SimTime) {
        if M::on(self.view != View::Own) {
            return self.release_viewed(peer, work);
        }
        self.take_backlog(peer.index(), work);
        let s = &mut self.standings.loads[peer.index()];
        s.assigned = s.assigned.checked_sub(1).expect(NEGATIVE_LOAD);
        // Only churn makes a peer absent.
        if !M::on(self.absent > 0) || self.present[peer.index()] {
            if s.assigned < s.slots {
                self.free_slots += 1;
            }
            if s.assigned + 1 == s.slots {
                self.add_free(peer);
            }
        }
    }

    /// `assign` under a view of heartbeats: its own count goes up; the
    /// load it sees, only if the view adds its own dispatches.
    #[inline(never)]
    fn assign_viewed(&mut self, peer: PeerId, work: SimTime) {
        let i = peer.index();
        self.own[i] += 1;
        self.add_backlog(i, work);
        if self.view == View::Heartbeat {
            self.since[i] += 1;
            self.set_load(i, self.viewed_load(i));
        }
    }

    /// `release_unheard` under a view of heartbeats.
    #[inline(never)]
    fn release_viewed(&mut self, peer: PeerId, work: SimTime) {
        let i = peer.index();
        self.own[i] = self.own[i].checked_sub(1).expect(NEGATIVE_LOAD);
        self.take_backlog(i, work);
        if self.view == View::Heartbeat {
            self.since[i] -= 1;
            self.set_load(i, self.viewed_load(i));
        }
    }

    /// A heartbeat of `peer` arrives, reporting `load` attempts queued and
    /// running there. Says whether the peer now looks as if it had a free
    /// slot where it did not (so waiting tasks may go).
    pub fn heartbeat(&mut self, peer: PeerId, load: u32) -> bool {
        let i = peer.index();
        self.reported[i] = load;
        self.since[i] = 0;
        let s = &self.standings.loads[i];
        let was_full = s.assigned >= s.slots;
        self.set_load(i, self.viewed_load(i));
        let s = &self.standings.loads[i];
        was_full && s.assigned < s.slots
    }

    /// The load of peer `i` as the view has it: the last report, plus (for
    /// `heartbeat`) its own dispatches since, less its replies since, and
    /// never less than its own attempts out there. The report leaves out
    /// what was on its way to the peer when it was made, and what was
    /// dispatched while it travelled; without that floor, every report
    /// would make the peer look emptier, the more so the more often it
    /// came (a heartbeat every millisecond did worse than one every 200).
    fn viewed_load(&self, i: usize) -> u32 {
        match self.view {
            View::Heartbeat => (i64::from(self.reported[i]) + i64::from(self.since[i]))
                .max(i64::from(self.own[i])) as u32,
            _ => self.reported[i],
        }
    }

    /// Sets the load the coordinator sees on peer `i`, keeping the free
    /// slots (and the set of peers with one) in step.
    fn set_load(&mut self, i: usize, load: u32) {
        let s = &mut self.standings.loads[i];
        let (was, slots) = (s.assigned, s.slots);
        s.assigned = load;
        if !self.present[i] {
            return;
        }
        let (free_was, free_now) = (slots.saturating_sub(was), slots.saturating_sub(load));
        self.free_slots = self.free_slots + u64::from(free_now) - u64::from(free_was);
        match (free_was > 0, free_now > 0) {
            (false, true) => self.add_free(PeerId(i as u32)),
            (true, false) => self.remove_free(PeerId(i as u32)),
            _ => {}
        }
    }

    /// Quorum: the votes `task` has had.
    pub fn votes_mut(&mut self, task: TaskId) -> &mut Vec<Vote> {
        let i = task.index();
        if i >= self.votes.len() {
            self.votes.resize_with(i + 1, Vec::new);
        }
        &mut self.votes[i]
    }

    /// What an outcome heard at `now` tells of its peer (every outcome the
    /// coordinator hears ends here; under a quorum, a vote once its task
    /// is decided: a success if it agreed with the accepted answer). With
    /// forgetting and exclusion, says when the peer's exclusion will
    /// change by forgetting alone, if it will, and the forecast's version.
    #[inline(always)]
    pub fn hear<M: Mechanisms>(
        &mut self,
        peer: PeerId,
        success: bool,
        now: SimTime,
    ) -> Option<(SimTime, u32)> {
        let i = peer.index();
        let heard = &mut self.heard[i];
        heard.attempts += 1;
        if success {
            heard.successes += 1;
        } else {
            heard.failures += 1;
        }
        // The core forgets nothing.
        let rule = match M::on(self.rule.forgetting.is_some()) {
            true => self.rule,
            false => Rule {
                forgetting: None,
                ..self.rule
            },
        };
        let r = &mut self.standings.rest[i].reputation;
        r.update(&rule, success, now);
        if self.exclude_below > 0.0 {
            let excluded = r.value() < self.exclude_below;
            self.set_excluded(i, excluded);
        }
        if rule.forgetting.is_some() {
            self.foresee(i)
        } else {
            None
        }
    }

    #[inline(always)]
    fn set_excluded(&mut self, i: usize, excluded: bool) {
        let was = std::mem::replace(&mut self.is_excluded[i], excluded);
        self.excluded = self.excluded + usize::from(excluded) - usize::from(was);
    }

    /// Forgetting, after an update of peer `i`: when its exclusion will
    /// change by fading alone (only if something is excluded at all).
    #[inline(never)]
    fn foresee(&mut self, i: usize) -> Option<(SimTime, u32)> {
        if self.updates.is_empty() {
            return None;
        }
        self.updates[i] = self.updates[i].wrapping_add(1);
        let r = &self.standings.rest[i].reputation;
        r.crossing(self.rule, self.exclude_below)
            .map(|at| (at, self.updates[i]))
    }

    /// Forgetting: the instant that `hear` foresaw (as `version`) for
    /// `peer` has come; its exclusion now follows its faded reputation.
    pub fn reconsider(&mut self, peer: PeerId, version: u32, now: SimTime) -> Crossing {
        let i = peer.index();
        if self.updates[i] != version {
            return Crossing::Stale;
        }
        let faded = self.standings.rest[i].reputation.value_at(now, self.rule);
        let excluded = faded < self.exclude_below;
        if excluded == self.is_excluded[i] {
            return Crossing::NotYet(now + SimTime::from_nanos(1));
        }
        self.set_excluded(i, excluded);
        Crossing::Crossed
    }

    /// Copies: how many copies of `task` wait at the coordinator, not yet
    /// sent. (A scan: only when a copy fails, or a hedge is due.)
    pub fn waiting_for(&self, task: TaskId) -> usize {
        let queued = match &self.queue {
            TaskQueue::Fifo(q) => q.iter().filter(|&&t| t == task).count(),
            TaskQueue::Edf(h, _) => h.iter().filter(|Reverse((_, _, t))| *t == task).count(),
        };
        queued + self.parked.iter().filter(|&&t| t == task).count()
    }

    /// Copies: forgets every copy of `task` still waiting at the
    /// coordinator (its task was decided); returns how many.
    pub fn forget_waiting(&mut self, task: TaskId) -> usize {
        let before = self.queue.len() + self.parked.len();
        self.parked.retain(|&t| t != task);
        match &mut self.queue {
            TaskQueue::Fifo(q) => q.retain(|&t| t != task),
            TaskQueue::Edf(h, _) => h.retain(|Reverse((_, _, t))| *t != task),
        }
        before - self.queue.len() - self.parked.len()
    }

    /// How it updates and reads reputations.
    pub fn rule(&self) -> Rule {
        self.rule
    }

    pub fn is_central(&self) -> bool {
        self.mode == QueueMode::Central
    }

    /// Tasks waiting at the coordinator.
    pub fn queued(&self) -> usize {
        self.queue.len() + self.parked.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::stream;
    use crate::model::config::{Policy, ReputationModel, ScoreWeights};
    use crate::model::policy::{Load, Standing};
    use crate::model::{Dist, Full, InitialReputation, Reputation};
    use proptest::prelude::*;

    /// What `pick` must answer, by a plain scan over every peer.
    #[derive(Debug)]
    enum Expected {
        /// One of these peers.
        OneOf(Vec<PeerId>),
        NoSlot,
        Blocked,
    }

    fn naive(
        standings: &Standings,
        present: &[bool],
        failed: &[PeerId],
        exclude_below: f64,
        central: bool,
    ) -> Expected {
        let all_excluded = standings
            .rest
            .iter()
            .zip(present)
            .all(|(s, &here)| !here || s.reputation.value() < exclude_below);
        let peers = (0..standings.len() as u32).map(PeerId);
        let allowed: Vec<PeerId> = peers
            .filter(|p| present[p.index()])
            .filter(|p| {
                all_excluded || standings.rest[p.index()].reputation.value() >= exclude_below
            })
            .collect();
        let free = |p: &PeerId| {
            !central || standings.loads[p.index()].assigned < standings.loads[p.index()].slots
        };
        let untried: Vec<PeerId> = allowed
            .iter()
            .copied()
            .filter(|p| !failed.contains(p))
            .collect();
        let free_untried: Vec<PeerId> = untried.iter().copied().filter(free).collect();
        let free_allowed: Vec<PeerId> = allowed.iter().copied().filter(free).collect();
        if !free_untried.is_empty() {
            Expected::OneOf(free_untried)
        } else if !untried.is_empty() {
            if free_allowed.is_empty() {
                Expected::NoSlot
            } else {
                Expected::Blocked
            }
        } else if free_allowed.is_empty() {
            Expected::NoSlot
        } else {
            Expected::OneOf(free_allowed)
        }
    }

    /// A change the coordinator hears of between two choices.
    #[derive(Clone, Debug)]
    enum Op {
        Assign(usize),
        Release(usize, bool),
        Present(usize, bool),
        /// Views: a heartbeat reports this load.
        Heartbeat(usize, u32),
    }

    fn config(policy: Policy, d: u32, queue: QueueMode) -> CoordinatorConfig {
        CoordinatorConfig {
            policy,
            d,
            queue,
            discipline: Discipline::Fifo,
            max_attempts: 3,
            timeout_ms: Dist::constant(100.0),
            backoff_ms: Dist::constant(0.0),
            score: ScoreWeights {
                latency: 1.0,
                load: 15.0,
                reputation: 50.0,
            },
            heartbeat_ms: 1000.0,
            miss_limit: 3,
            copies: 1,
            hedge_ms: None,
            cancel: super::super::config::Cancel::First,
            quorum: 1,
            cancel_on_timeout: false,
            drop_late: false,
            tail_keys: false,
            quorum_given: false,
            count: 1,
            view: View::Own,
            heartbeat_phase: super::super::config::HeartbeatPhase::Random,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn pick_agrees_with_a_scan_over_every_peer(
            peers in proptest::collection::vec((1u32..4, 0.0f64..1.0, 0.0f64..30.0), 1..12),
            ops in proptest::collection::vec((0usize..12, 0u8..8), 0..40),
            view in 0usize..3,
            failed in proptest::collection::vec(0usize..12, 0..8),
            exclude_below in prop_oneof![Just(0.0), 0.0f64..1.0],
            policy in 0usize..Policy::ALL.len(),
            central in any::<bool>(),
            d in 1u32..4,
            seed in any::<u64>(),
        ) {
            let n = peers.len();
            let standings: Standings = peers
                .iter()
                .map(|&(slots, rep, latency_ms)| {
                    let load = Load { slots, assigned: 0 };
                    let standing = Standing {
                        speed: 1.0,
                        latency_ms,
                        backlog: SimTime::ZERO,
                        reputation: Reputation::new(rep),
                    };
                    (load, standing)
                })
                .collect();
            let queue = if central { QueueMode::Central } else { QueueMode::PerPeer };
            let reputation = ReputationConfig {
                model: ReputationModel::Additive { success: 0.1, failure: 0.2 },
                initial: InitialReputation::Value(0.5),
                exclude_below,
                half_life_s: None,
            };
            let mut cfg = config(Policy::ALL[policy].1, d.min(n as u32), queue);
            cfg.view = [View::Own, View::Heartbeat, View::Board][view];
            let mut c = Coordinator::new(&cfg, &reputation, standings, stream(seed, 0, 0));
            for (peer, op) in ops {
                let peer = peer % n;
                let op = match op {
                    0 | 1 => Op::Release(peer, op == 1),
                    2 | 3 => Op::Assign(peer),
                    4 | 5 => Op::Present(peer, op == 5),
                    _ => Op::Heartbeat(peer, (seed % 4) as u32 + u32::from(op == 7)),
                };
                match op {
                    Op::Present(p, here) => c.set_present(PeerId(p as u32), here),
                    Op::Heartbeat(p, load) => {
                        if cfg.view != View::Own {
                            c.heartbeat(PeerId(p as u32), load);
                        }
                    }
                    Op::Assign(p) => {
                        let s = &c.standings.loads[p];
                        if c.present[p] && (!central || s.assigned < s.slots) {
                            c.assign::<Full>(PeerId(p as u32), SimTime::from_ms(5.0));
                        }
                    }
                    Op::Release(p, success) => {
                        let out = if cfg.view == View::Own { c.standings.loads[p].assigned } else { c.own[p] };
                        if out > 0 {
                            c.release_unheard::<Full>(PeerId(p as u32), SimTime::from_ms(5.0));
                            c.hear::<Full>(PeerId(p as u32), success, SimTime::ZERO);
                        }
                    }
                }
            }
            for (i, (s, l)) in c.standings.rest.iter().zip(&c.standings.loads).enumerate() {
                // Every attempt here is of 5 ms: the backlog (kept for
                // earliest_finish alone) is what is in flight; and a view's
                // load is what it says.
                let out = if cfg.view == View::Own { l.assigned } else { c.own[i] };
                let in_flight = if c.selector.reads_backlog() { 5.0 * f64::from(out) } else { 0.0 };
                prop_assert_eq!(s.backlog, SimTime::from_ms(in_flight));
                let seen = match cfg.view {
                    View::Own => out,
                    View::Heartbeat => (i64::from(c.reported[i]) + i64::from(c.since[i]))
                        .max(i64::from(c.own[i])) as u32,
                    View::Board => c.reported[i],
                };
                prop_assert_eq!(l.assigned, seen);
            }
            let mut failed: Vec<PeerId> = failed.iter().map(|&p| PeerId((p % n) as u32)).collect();
            failed.sort();
            failed.dedup();
            let expected = naive(&c.standings, &c.present, &failed, exclude_below, central);
            // The free set holds exactly the present peers with a free slot.
            let mut free = c.free.clone();
            free.sort();
            let expect_free: Vec<PeerId> = (0..n)
                .filter(|&i| c.present[i] && c.standings.loads[i].assigned < c.standings.loads[i].slots)
                .map(|i| PeerId(i as u32))
                .collect();
            prop_assert_eq!(free, expect_free);
            let free_slots: u64 = (0..n)
                .filter(|&i| c.present[i])
                .map(|i| u64::from(c.standings.loads[i].slots.saturating_sub(c.standings.loads[i].assigned)))
                .sum();
            prop_assert_eq!(c.free_slots, free_slots);
            let got = c.pick(&failed, SimTime::from_ms(5.0), SimTime::ZERO);
            match (&expected, got) {
                (Expected::OneOf(ok), Pick::Peer(p)) => prop_assert!(ok.contains(&p), "{p:?} not in {ok:?}"),
                (Expected::NoSlot, Pick::NoSlot) | (Expected::Blocked, Pick::Blocked) => {}
                _ => prop_assert!(false, "expected {expected:?}, got {got:?}"),
            }
        }
    }
}
