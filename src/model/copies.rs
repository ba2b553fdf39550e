//! Copies, hedging and cancellation (docs/model.md, "Copies and
//! hedging"): a task may have several attempts out at once, on distinct
//! peers; it completes at its first success, and its other copies are then
//! cancelled (or left to run, their results ignored). The event loop calls
//! in here only when `copies > 1` or `hedge_ms` is given, so a run without
//! them pays one test per attempt.

use super::attempt::Attempt;
use super::config::Cancel;
use super::coordinator::Vote;
use super::luck::Purpose;
use super::mechanisms::Mechanisms;
use super::record::{AttemptOutcome, Recorder};
use super::sim::{Event, Simulation};
use super::{AttemptKey, FrameId, PeerId, RenterId, TaskId};
use crate::engine::{Moment, SimTime};

impl<M: Mechanisms> Simulation<M> {
    /// A new task, its first copy placed: places the others.
    pub(super) fn start_copies(&mut self, task: TaskId) {
        let frame = self.tasks[task.index()].frame;
        let book = self.frames[frame.index()].book;
        let copies = self.cfg.coordinator.copies.max(self.quorum);
        for _ in 1..copies {
            self.tally.count::<M>(book, |c| c.copies += 1);
            self.submit(task);
        }
    }

    /// An attempt of `task` was just sent to `peer`: it is out, and if
    /// hedging, one more copy follows unless a reply comes first.
    pub(super) fn track_copy(&mut self, task: TaskId, key: AttemptKey, peer: PeerId) {
        self.coordinator_of(task).out_mut(task).push((key, peer));
        let more = self.tasks[task.index()].attempts < self.cfg.coordinator.max_attempts;
        if let (Some(hedge), true) = (&self.hedge, more) {
            let luck = self.attempts[key.index()].luck(self.cfg.seed);
            let after = hedge.sample_with(|| luck.draw(Purpose::Hedge));
            self.schedule(self.now() + after, Event::Hedge(key));
        }
    }

    /// No reply came `hedge_ms` after the copy `key`: if it is still the
    /// task's latest copy and out, one more copy goes.
    #[inline(never)]
    pub(super) fn hedge(&mut self, key: AttemptKey) {
        let Some(a) = self.attempt(key) else {
            self.stale += 1;
            return;
        };
        let (task, waiting) = (a.task, a.resolved.is_none() && !a.moot);
        let c = a.book.coordinator;
        let coordinator = self.coordinators.get::<M>(c);
        let latest = waiting && coordinator.out(task).last().map(|&(k, _)| k) == Some(key);
        let t = latest.then(|| &self.tasks[task.index()]);
        match t {
            Some(t)
                if t.attempts as usize + coordinator.waiting_for(task)
                    < self.cfg.coordinator.max_attempts as usize =>
            {
                let book = self.frames[t.frame.index()].book;
                self.tally.count::<M>(book, |c| c.hedges += 1);
                self.submit(task);
            }
            _ => self.stale += 1,
        }
    }

    /// The coordinator hears back from `key` (reply or timeout), before
    /// `resolve` does anything: an attempt whose task was decided without
    /// it only frees its place in the peer's load (and says `false`);
    /// another is no longer out.
    pub(super) fn resolve_copy(&mut self, key: AttemptKey) -> bool {
        let a = &self.attempts[key.index()];
        let (c, now) = (a.book.coordinator, self.now());
        let coordinator = self.coordinators.get_mut::<M>(c);
        if a.moot {
            coordinator.release_unheard::<M>(a.peer, a.work);
            self.levels.in_flight.down(now, &self.series);
            if coordinator.is_central() {
                self.dispatch_queued(c);
            }
            return false;
        }
        let out = coordinator.out_mut(a.task);
        if let Some(i) = out.iter().position(|&(k, _)| k == key) {
            out.remove(i);
        }
        true
    }

    /// `winner`'s success decided `task`: its copies still out are
    /// cancelled (or, with `cancel = "none"`, left to run unwanted), and
    /// copies still waiting at the coordinator are forgotten.
    pub(super) fn settle_copies<R: Recorder>(
        &mut self,
        winner: AttemptKey,
        task: TaskId,
        rec: &mut R,
    ) {
        self.attempts[winner.index()].accepted = true;
        let waiting = self.coordinator_of(task).forget_waiting(task);
        for _ in 0..waiting {
            self.levels
                .waiting_coordinator
                .down(self.now(), &self.series);
        }
        let out = std::mem::take(self.coordinator_of(task).out_mut(task));
        for (key, _) in out {
            self.attempts[key.index()].moot = true;
            if self.cfg.coordinator.cancel == Cancel::First {
                self.cancel(key, rec);
            }
        }
    }

    /// Cancels `key`: the coordinator stops counting it at once, and a
    /// cancel message travels to its peer (latency and jitter).
    fn cancel<R: Recorder>(&mut self, key: AttemptKey, rec: &mut R) {
        let now = self.now();
        self.answered(key);
        let a = &mut self.attempts[key.index()];
        a.resolved = Moment::at(now);
        let (peer, work, c) = (a.peer, a.work, a.book.coordinator);
        self.coordinators
            .get_mut::<M>(c)
            .release_unheard::<M>(peer, work);
        self.levels.in_flight.down(now, &self.series);
        if self.attempts[key.index()].left.is_none() {
            self.cancel_at_peer(key);
        } else {
            // Done at its peer already: nothing to stop.
            self.retire_if_settled(key, rec);
        }
    }

    /// Sends the message that cancels `key` to its peer (base latency and
    /// jitter), if it is still there or on its way.
    pub(super) fn cancel_at_peer(&mut self, key: AttemptKey) {
        let a = &self.attempts[key.index()];
        if a.left.is_some() {
            return;
        }
        let p = &self.peers[a.peer.index()];
        let seed = self.cfg.seed;
        let delay = p.message_delay(
            &self.draws.jitter[p.group()],
            || a.luck(seed),
            Purpose::JitterCancel,
        );
        self.schedule(self.now() + delay, Event::CancelReachesPeer(key));
    }

    /// `drop_late`: the deadline of `renter`'s frame in slot `frame` has
    /// come. If that frame still has tasks unfinished, it fails: copies
    /// waiting to be sent are forgotten, attempts out are cancelled, and
    /// each task ends failed (one waiting out a backoff, when it ends).
    #[inline(never)]
    pub(super) fn frame_deadline<R: Recorder>(
        &mut self,
        frame: FrameId,
        renter: RenterId,
        rec: &mut R,
    ) {
        let now = self.now();
        let same = self.frames.get(frame.index()).is_some_and(|f| {
            f.renter == renter && f.created + f.deadline == now && f.tasks_left > 0
        });
        if !same {
            self.stale += 1;
            return;
        }
        let f = &mut self.frames[frame.index()];
        f.failed = true;
        let book = f.book;
        self.tally.count::<M>(book, |c| c.frames_dropped += 1);
        let tasks: Vec<TaskId> = self
            .tasks
            .iter()
            .filter(|(_, t)| t.frame == frame)
            .map(|(i, _)| TaskId(i as u32))
            .collect();
        for task in tasks {
            let waiting = self.coordinator_of(task).forget_waiting(task);
            for _ in 0..waiting {
                self.levels.waiting_coordinator.down(now, &self.series);
            }
            self.coordinator_of(task).votes_mut(task).clear();
            let out = std::mem::take(self.coordinator_of(task).out_mut(task));
            if out.is_empty() && waiting == 0 {
                // Waiting out a backoff: it ends when that does.
                self.tasks[task.index()].dropped = true;
                continue;
            }
            for (key, _) in out {
                self.attempts[key.index()].moot = true;
                self.cancel(key, rec);
            }
            self.end_task(task, None, rec);
        }
        // The cancels freed slots in its coordinator's view: what waits
        // there may go.
        let c = book.coordinator;
        if self.coordinators.get::<M>(c).is_central() {
            self.dispatch_queued(c);
        }
    }

    /// A cancel message reaches the peer of `key`: a queued attempt leaves
    /// the queue, a running one stops and frees its slot (the time it ran
    /// was busy, and wasted); one still on its way is dropped on arrival.
    #[inline(never)]
    pub(super) fn cancel_reaches_peer<R: Recorder>(&mut self, key: AttemptKey, rec: &mut R) {
        let now = self.now();
        let Some(a) = self.attempt(key).filter(|a| a.left.is_none()) else {
            // Done, or lost, before the cancel came.
            self.stale += 1;
            return;
        };
        if a.reached.is_none() {
            a.cancel_arrived = true;
            return;
        }
        let (peer, started) = (a.peer, a.started.get());
        let p = &mut self.peers[peer.index()];
        match started {
            None => {
                p.waiting.retain(|&k| k != key);
                self.levels.waiting_peers.down(now, &self.series);
            }
            Some(started) => {
                p.add_busy(started, now, self.cfg.counted());
                p.running -= 1;
                self.levels.running.down(now, &self.series);
                if let Some(next) = p.waiting.pop_front() {
                    self.levels.waiting_peers.down(now, &self.series);
                    self.start(next);
                }
            }
        }
        self.stop_cancelled(key);
        self.retire_if_settled(key, rec);
    }

    /// A success of `key` under a quorum: a vote for its answer (right or
    /// wrong). The coordinator frees its place in the peer's load; what it
    /// tells of the peer waits for the decision. When one answer has
    /// `quorum` votes it is accepted: the agreeing voters count as
    /// successes, the others as failures, and the task completes (corrupt
    /// if the answer is wrong). Else, one more copy if the quorum is out
    /// of reach.
    pub(super) fn vote<R: Recorder>(&mut self, key: AttemptKey, rec: &mut R) {
        let now = self.now();
        let a = &self.attempts[key.index()];
        let (task, peer, wrong, work, book) = (a.task, a.peer, a.wrong, a.work, a.book);
        let number = a.number;
        let (a_renter, a_frame, a_task) = (a.renter.0, a.frame_index, a.task_index);
        let busy = wasted(a, None);
        // Its waste, if any, is counted once the task is decided.
        self.attempts[key.index()].accepted = true;
        let c = book.coordinator;
        self.coordinators
            .get_mut::<M>(c)
            .release_unheard::<M>(peer, work);
        self.levels.in_flight.down(now, &self.series);
        self.coordinators
            .get_mut::<M>(c)
            .votes_mut(task)
            .push(Vote {
                peer,
                wrong,
                busy,
                book,
                number,
            });
        let votes = self.coordinators.get_mut::<M>(c).votes_mut(task);
        let agreeing = votes.iter().filter(|v| v.wrong == wrong).count() as u32;
        if agreeing >= self.quorum {
            let votes = std::mem::take(votes);
            let (renter, frame, task_index) = (a_renter, a_frame, a_task);
            for v in &votes {
                let agrees = v.wrong == wrong;
                self.hear_of(
                    c,
                    v.peer,
                    agrees,
                    (renter, frame, task_index, v.number),
                    rec,
                );
                if !agrees {
                    self.tally.count::<M>(v.book, |c| c.wasted += v.busy);
                }
            }
            self.settle_copies(key, task, rec);
            if wrong {
                let frame = self.tasks[task.index()].frame;
                self.frames[frame.index()].corrupt = true;
            }
            let group = self.peers[peer.index()].group();
            self.end_task(task, Some(group), rec);
        } else {
            self.top_up(task, rec);
        }
        if self.coordinators.get::<M>(c).is_central() {
            self.dispatch_queued(c);
        }
    }

    /// Under a quorum: if the copies out or waiting can no longer bring
    /// either answer to `quorum` votes, one more copy goes now (while
    /// attempts remain); with none out and none left to send, the task
    /// fails.
    pub(super) fn top_up<R: Recorder>(&mut self, task: TaskId, rec: &mut R) {
        let votes = self.coordinator_of(task).votes_mut(task);
        let wrong = votes.iter().filter(|v| v.wrong).count() as u32;
        let most = wrong.max(votes.len() as u32 - wrong);
        let out = self.coordinator_of(task).out_mut(task).len() as u32;
        let waiting = self.coordinator_of(task).waiting_for(task) as u32;
        if most + out + waiting >= self.quorum {
            return;
        }
        let t = &self.tasks[task.index()];
        if t.attempts + waiting < self.cfg.coordinator.max_attempts {
            let book = self.frames[t.frame.index()].book;
            self.tally.count::<M>(book, |c| c.copies += 1);
            self.submit(task);
        } else if out + waiting == 0 {
            let votes = std::mem::take(self.coordinator_of(task).votes_mut(task));
            for v in votes {
                self.tally.count::<M>(v.book, |c| c.wasted += v.busy);
            }
            self.end_task(task, None, rec);
        }
    }

    /// `key` leaves its peer, cancelled.
    pub(super) fn stop_cancelled(&mut self, key: AttemptKey) {
        let now = self.now();
        let a = &mut self.attempts[key.index()];
        a.outcome = AttemptOutcome::Cancelled;
        a.left = Moment::at(now);
        let book = a.book;
        self.at_peers -= 1;
        self.t_last = now;
        self.tally.count::<M>(book, |c| c.cancelled += 1);
    }
}

/// The busy time of `a` that did not produce the accepted result: all of
/// its time in a slot, unless it is the one accepted; `end` stands in for
/// when it left if it is still running at the end of the run.
pub fn wasted(a: &Attempt, end: Option<SimTime>) -> SimTime {
    match (a.started.get(), a.left.get().or(end)) {
        (Some(started), Some(left)) if !a.accepted => left - started,
        _ => SimTime::ZERO,
    }
}
