//! Links (docs/model.md, "Links"): each direction of a peer's access link
//! is a FIFO server. A message's times on it are known the moment it
//! enters: it starts when the message ahead of it has left, and takes
//! `8 x kB / Mbps`. So a link needs no events of its own; it is the
//! instant it is next free, its busy time and, when peers churn, the
//! messages still on it, which the peer's departure loses.

use std::collections::VecDeque;

use super::luck::{Luck, Purpose};
use super::mechanisms::Mechanisms;
use super::sim::Simulation;
use super::{AttemptKey, Config, Dist, PeerId};
use crate::engine::{stream, SimTime};

/// The streams the links' bandwidths are drawn from, one per peer.
pub const LINK_STREAMS: u32 = 5;

/// One message's stay on a link: its size, when it began to be sent
/// (having waited for the messages ahead of it) and when it had left.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Carried {
    pub kb: f64,
    pub entered: SimTime,
    pub start: SimTime,
    pub end: SimTime,
}

/// One direction of one peer's access link.
#[derive(Clone, Debug)]
pub struct Link {
    /// Megabits per second; infinite: no limit.
    pub mbps: f64,
    /// When the last message to enter will have left.
    free_at: SimTime,
    /// Time spent sending, over the run.
    pub busy: SimTime,
    /// When peers churn: the messages that may still be on it, in order.
    on_it: VecDeque<(Carried, AttemptKey)>,
}

impl Link {
    fn new(mbps: f64) -> Link {
        Link {
            mbps,
            free_at: SimTime::ZERO,
            busy: SimTime::ZERO,
            on_it: VecDeque::new(),
        }
    }

    /// The time `kb` takes to be sent.
    ///
    /// ```
    /// # use p2c2g::model::link::Link;
    /// # use p2c2g::engine::SimTime;
    /// // 42 kB at 20 Mbps: 336 kbit in 16.8 ms.
    /// assert_eq!(Link::transfer(42.0, 20.0), SimTime::from_ms(16.8));
    /// assert_eq!(Link::transfer(42.0, f64::INFINITY), SimTime::ZERO);
    /// ```
    pub fn transfer(kb: f64, mbps: f64) -> SimTime {
        // kB x 8 = kbit; kbit / Mbps = ms.
        SimTime::from_ms(8.0 * kb / mbps)
    }

    /// A message of `kb` enters at `now`, behind those on the link.
    fn enter(&mut self, now: SimTime, kb: f64, key: AttemptKey, track: bool) -> Carried {
        let start = self.free_at.max(now);
        let end = start + Link::transfer(kb, self.mbps);
        self.free_at = end;
        self.busy += end - start;
        let carried = Carried {
            kb,
            entered: now,
            start,
            end,
        };
        if track {
            while self.on_it.front().is_some_and(|(c, _)| c.end <= now) {
                self.on_it.pop_front();
            }
            self.on_it.push_back((carried, key));
        }
        carried
    }

    /// The peer went offline at `now`: the messages still on the link are
    /// lost (their unsent time is not busy time), and the link is free.
    fn drop_all(&mut self, now: SimTime) -> Vec<AttemptKey> {
        let mut lost = Vec::new();
        for (c, key) in self.on_it.drain(..) {
            if c.end > now {
                self.busy = self.busy - (c.end - c.start.max(now));
                lost.push(key);
            }
        }
        self.free_at = now;
        lost
    }
}

/// The messages of one attempt on links, for attempts.csv.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Stays {
    /// The attempt's input on the peer's downlink.
    pub input: Option<Carried>,
    /// Its reply on the peer's uplink (an error reply is 0 kB).
    pub reply: Option<Carried>,
}

/// Every peer's links, and what their messages carry.
#[derive(Clone, Debug)]
pub struct Links {
    /// Sizes of a task's input and of its result, in kB; none: 0.
    input_kb: Option<Dist>,
    output_kb: Option<Dist>,
    /// By peer.
    pub down: Vec<Link>,
    pub up: Vec<Link>,
    /// By attempt slot: the last attempt in that slot's messages.
    stays: Vec<Stays>,
    /// Peers churn: messages on links are kept to be lost.
    track: bool,
}

impl Links {
    /// The links of the peers, in order, of groups `groups` (each peer's
    /// group), if `cfg` gives any size or bandwidth.
    pub fn new(cfg: &Config, groups: impl Iterator<Item = usize>) -> Option<Links> {
        if !cfg.links() {
            return None;
        }
        let (mut down, mut up) = (Vec::new(), Vec::new());
        for (i, g) in groups.enumerate() {
            let group = &cfg.peer_groups[g];
            let mut rng = stream(cfg.seed, LINK_STREAMS, i as u32);
            let mut draw =
                |d: &Option<Dist>| d.as_ref().map_or(f64::INFINITY, |d| d.sample(&mut rng));
            down.push(Link::new(draw(&group.downlink_mbps)));
            up.push(Link::new(draw(&group.uplink_mbps)));
        }
        Some(Links {
            input_kb: cfg.workload.input_kb.clone(),
            output_kb: cfg.workload.output_kb.clone(),
            down,
            up,
            stays: Vec::new(),
            track: cfg.peer_groups.iter().any(|g| g.churn.is_some()),
        })
    }

    /// The size of a task's message, the same for every attempt of it:
    /// drawn from the luck of the task, not of an attempt.
    fn size(&self, task: Luck, input: bool) -> f64 {
        let (dist, purpose) = if input {
            (&self.input_kb, Purpose::InputSize)
        } else {
            (&self.output_kb, Purpose::OutputSize)
        };
        match dist {
            None => 0.0,
            Some(Dist::Constant(kb)) => *kb,
            Some(d) => d.sample(&mut task.draw(purpose)).max(0.0),
        }
    }

    /// Sends the input of attempt `key` of a task with luck `task` to
    /// `peer` at `now`.
    pub fn send_input(
        &mut self,
        key: AttemptKey,
        peer: PeerId,
        task: Luck,
        now: SimTime,
    ) -> Carried {
        let kb = self.size(task, true);
        let c = self.down[peer.index()].enter(now, kb, key, self.track);
        *self.stays_of(key) = Stays {
            input: Some(c),
            reply: None,
        };
        c
    }

    /// Sends the reply of attempt `key` from `peer` at `now`: the task's
    /// result on success, 0 kB for an error.
    pub fn send_reply(
        &mut self,
        key: AttemptKey,
        peer: PeerId,
        task: Luck,
        success: bool,
        now: SimTime,
    ) -> Carried {
        let kb = if success { self.size(task, false) } else { 0.0 };
        let c = self.up[peer.index()].enter(now, kb, key, self.track);
        self.stays_of(key).reply = Some(c);
        c
    }

    fn stays_of(&mut self, key: AttemptKey) -> &mut Stays {
        let i = key.index();
        if i >= self.stays.len() {
            self.stays.resize(i + 1, Stays::default());
        }
        &mut self.stays[i]
    }

    /// The messages of the attempt now in `slot`.
    pub fn stays(&self, key: AttemptKey) -> Stays {
        self.stays.get(key.index()).copied().unwrap_or_default()
    }

    /// The attempt in `key`'s slot sent nothing (its peer's link was down).
    pub fn sent_nothing(&mut self, key: AttemptKey) {
        *self.stays_of(key) = Stays::default();
    }

    /// `peer` went offline at `now`: what was on its links is lost, and
    /// its stay there ends now. Returns the attempts whose input, and
    /// those whose reply, was lost.
    pub fn drop_on(&mut self, peer: PeerId, now: SimTime) -> (Vec<AttemptKey>, Vec<AttemptKey>) {
        let inputs = self.down[peer.index()].drop_all(now);
        let replies = self.up[peer.index()].drop_all(now);
        let cut = |c: &mut Option<Carried>| {
            if let Some(c) = c {
                c.start = c.start.min(now);
                c.end = now;
            }
        };
        for key in &inputs {
            cut(&mut self.stays_of(*key).input);
        }
        for key in &replies {
            cut(&mut self.stays_of(*key).reply);
        }
        (inputs, replies)
    }
}

/// The simulation's side of links: out of line, so that a run without
/// links pays one test per message and no more.
impl<M: Mechanisms> Simulation<M> {
    /// The input of attempt `key`, just dispatched, enters its peer's
    /// downlink: how much later than without links it arrives, or `None`
    /// if the peer is offline, whose link loses what is sent on it (the
    /// attempt is then lost, at once).
    #[inline(never)]
    pub(super) fn input_on_link(&mut self, key: AttemptKey) -> Option<SimTime> {
        let now = self.now();
        let a = &self.attempts[key.index()];
        let links = self.links.as_mut().expect("links");
        if !self.peers[a.peer.index()].online {
            links.sent_nothing(key);
            self.lose(key);
            return None;
        }
        let task = Luck::of_task(self.cfg.seed, a.renter, a.frame_index, a.task_index);
        let sent = links.send_input(key, a.peer, task, now);
        self.tally
            .count::<M>(a.book, |c| c.link_wait(sent.start - sent.entered));
        Some(sent.end - now)
    }

    /// The reply of attempt `key`, just processed, enters its peer's
    /// uplink: how much later than without links it arrives.
    #[inline(never)]
    pub(super) fn reply_on_link(&mut self, key: AttemptKey, success: bool) -> SimTime {
        let now = self.now();
        let a = &self.attempts[key.index()];
        let links = self.links.as_mut().expect("links");
        let task = Luck::of_task(self.cfg.seed, a.renter, a.frame_index, a.task_index);
        let sent = links.send_reply(key, a.peer, task, success, now);
        self.tally
            .count::<M>(a.book, |c| c.link_wait(sent.start - sent.entered));
        sent.end - now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(slot: u32) -> AttemptKey {
        AttemptKey { slot, serial: slot }
    }

    #[test]
    fn messages_wait_their_turn_and_leave_in_order() {
        let mut l = Link::new(8.0); // 1 kB per ms
        let ms = SimTime::from_ms;
        let a = l.enter(ms(0.0), 10.0, key(0), true);
        let b = l.enter(ms(4.0), 5.0, key(1), true);
        let c = l.enter(ms(30.0), 0.0, key(2), true);
        assert_eq!((a.start, a.end), (ms(0.0), ms(10.0)));
        assert_eq!((b.start, b.end), (ms(10.0), ms(15.0)));
        assert_eq!((c.start, c.end), (ms(30.0), ms(30.0)));
        assert_eq!(l.busy, ms(15.0));
    }

    #[test]
    fn a_departure_loses_what_is_on_the_link_and_frees_it() {
        let mut l = Link::new(8.0);
        let ms = SimTime::from_ms;
        l.enter(ms(0.0), 10.0, key(0), true);
        l.enter(ms(1.0), 10.0, key(1), true);
        l.enter(ms(2.0), 10.0, key(2), true);
        // At 15 ms: the first has left, the second is half sent, the third
        // waits.
        assert_eq!(l.drop_all(ms(15.0)), vec![key(1), key(2)]);
        assert_eq!(l.busy, ms(15.0));
        let d = l.enter(ms(16.0), 1.0, key(3), true);
        assert_eq!((d.start, d.end), (ms(16.0), ms(17.0)));
    }
}
