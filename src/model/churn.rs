//! Churn: peers that come and go. A churning peer alternates online
//! sessions and offline gaps, drawn one at a time from its own churn stream
//! (or read from a trace), so that memory does not grow with the run. The
//! alternation starts `preroll_s` before 0 with a fresh session, and the
//! state at 0 is wherever it stands then: computed when the peer is
//! created, not simulated.
//!
//! Times before 0 (a session in progress at the start began earlier) are
//! kept as signed nanoseconds.

use super::attempt::Attempt;
use super::config::{Churn, Leave, PeerGroup, Sessions};
use super::mechanisms::Mechanisms;
use super::record::{AttemptOutcome, PeerChange, PeerRecord, Recorder};
use super::sim::{Event, Simulation};
use super::{AttemptKey, Dist, PeerId};
use crate::engine::{stream, Moment, SimTime, Stream};

/// Signed nanoseconds since the start of the run.
type Ns = i128;

fn ns(t: SimTime) -> Ns {
    Ns::from(t.as_nanos())
}

fn secs_to_ns(s: f64) -> Ns {
    (s * 1e9).round() as Ns
}

/// `t` as an instant of the run: never before 0, saturating far ahead.
fn instant(t: Ns) -> SimTime {
    SimTime::from_nanos(t.clamp(0, Ns::from(u64::MAX)) as u64)
}

/// A churning peer's sessions, as they really are.
#[derive(Clone, Debug)]
pub struct PeerSessions {
    /// Within its group: its row in a trace.
    index_in_group: usize,
    /// The peer's churn stream: session and gap lengths, warm-ups.
    rng: Stream,
    /// Trace: the next interval to begin.
    next_interval: usize,
    /// Sessions begun (the one in progress at 0 included): the number of
    /// the current or last one.
    pub session: u32,
    /// When the current (or last) session began and registered, if it did.
    began: Ns,
    registers: Option<Ns>,
    /// When it ends.
    pub ends: SimTime,
}

/// What a session that begins will do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionPlan {
    pub session: u32,
    /// The peer goes offline then (`None`: not before the end of time).
    pub ends: Option<SimTime>,
    /// The peer registers with the coordinator then, if before it ends.
    pub registers: Option<SimTime>,
}

/// Where a churning peer stands at 0, and what comes next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AtStart {
    /// Online, in this session (which may register later).
    Online(SessionPlan),
    /// Offline; online again then, if ever.
    Offline(Option<SimTime>),
}

impl PeerSessions {
    /// The sessions of peer `index_in_group` of a group that churns, with
    /// its stream, and where it stands at 0.
    pub fn new(index_in_group: usize, cfg: &PeerGroup, rng: Stream) -> (PeerSessions, AtStart) {
        let churn = cfg.churn.as_ref().expect("a churning group");
        let mut p = PeerSessions {
            index_in_group,
            rng,
            next_interval: 0,
            session: 0,
            began: 0,
            registers: None,
            ends: SimTime::ZERO,
        };
        let at_start = match &churn.sessions {
            Sessions::Alternating {
                on_s,
                off_s,
                preroll_s,
            } => {
                let mut t = -secs_to_ns(*preroll_s);
                loop {
                    let on = secs_to_ns(on_s.sample(&mut p.rng));
                    if t + on > 0 {
                        break AtStart::Online(p.begin(churn, t, Some(t + on)));
                    }
                    t += on;
                    let off = secs_to_ns(off_s.sample(&mut p.rng));
                    if t + off > 0 {
                        break AtStart::Offline(Some(instant(t + off)));
                    }
                    t += off;
                }
            }
            Sessions::Trace(peers) => {
                let intervals = peers.get(index_in_group).map_or(&[][..], Vec::as_slice);
                // Intervals over by 0 never were, as far as the run goes.
                let first = intervals.partition_point(|&(_, end)| secs_to_ns(end) <= 0);
                p.next_interval = first;
                match intervals.get(first) {
                    Some(&(start, end)) if secs_to_ns(start) <= 0 => {
                        p.next_interval += 1;
                        AtStart::Online(p.begin(churn, secs_to_ns(start), Some(secs_to_ns(end))))
                    }
                    Some(&(start, _)) => AtStart::Offline(Some(instant(secs_to_ns(start)))),
                    None => AtStart::Offline(None),
                }
            }
        };
        (p, at_start)
    }

    /// A session begins at `began` and ends at `ends`.
    fn begin(&mut self, churn: &Churn, began: Ns, ends: Option<Ns>) -> SessionPlan {
        self.session += 1;
        self.began = began;
        let join = secs_to_ns(churn.join_s.sample(&mut self.rng));
        let registers = began + join;
        let before_end = ends.is_none_or(|e| registers < e);
        self.registers = before_end.then_some(registers);
        self.ends = ends.map_or(SimTime::MAX, instant);
        SessionPlan {
            session: self.session,
            ends: ends.map(instant),
            registers: self.registers.map(instant),
        }
    }

    /// The peer comes online `now` (its next session, from `cfg`).
    pub fn online(&mut self, cfg: &PeerGroup, now: SimTime) -> SessionPlan {
        let churn = cfg.churn.as_ref().expect("a churning group");
        let ends = match &churn.sessions {
            Sessions::Alternating { on_s, .. } => Some(ns(now) + draw_ns(on_s, &mut self.rng)),
            Sessions::Trace(peers) => {
                let (_, end) = peers[self.index_in_group][self.next_interval];
                self.next_interval += 1;
                Some(secs_to_ns(end))
            }
        };
        self.begin(churn, ns(now), ends)
    }

    /// The peer goes offline `now`: when it comes online again, if ever.
    pub fn offline(&mut self, cfg: &PeerGroup, now: SimTime) -> Option<SimTime> {
        let churn = cfg.churn.as_ref().expect("a churning group");
        match &churn.sessions {
            Sessions::Alternating { off_s, .. } => {
                Some(instant(ns(now) + draw_ns(off_s, &mut self.rng)))
            }
            Sessions::Trace(peers) => peers[self.index_in_group]
                .get(self.next_interval)
                .map(|&(start, _)| instant(secs_to_ns(start))),
        }
    }

    /// When the coordinator learns that the peer, which left at `left`,
    /// is gone: `miss_limit` heartbeat periods after the last heartbeat it
    /// received (sent every `heartbeat` from registration, travelling
    /// `latency`). `None` if the peer never registered in that session.
    pub fn crash_noticed(
        &self,
        left: SimTime,
        heartbeat: SimTime,
        miss_limit: u32,
        latency: SimTime,
    ) -> Option<SimTime> {
        let registered = self.registers?;
        let (left, h) = (ns(left), ns(heartbeat).max(1));
        // The last heartbeat sent before leaving: registered + k h < left.
        let k = (left - registered + h - 1) / h - 1;
        let last_sent = registered + k * h;
        Some(instant(last_sent + ns(latency) + Ns::from(miss_limit) * h))
    }

    /// When the current session began (before 0 for one in progress then).
    pub fn began(&self) -> Ns {
        self.began
    }
}

/// When a graceful peer's notice reaches the coordinator: `notice` before
/// it leaves at `ends` (not before the session began), plus its latency.
pub fn notice_arrives(leave: Leave, began: Ns, ends: SimTime, latency: SimTime) -> Option<SimTime> {
    match leave {
        Leave::Crash => None,
        Leave::Graceful { notice_s } => {
            let sent = (ns(ends) - secs_to_ns(notice_s)).max(began);
            Some(instant(sent + ns(latency)))
        }
    }
}

fn draw_ns(d: &Dist, rng: &mut Stream) -> Ns {
    secs_to_ns(d.sample(rng))
}

/// Tells the recorder of a change in a peer's state.
fn note<R: Recorder>(rec: &mut R, peer: PeerId, at: SimTime, change: PeerChange) {
    rec.peer(&PeerRecord { peer, at, change });
}

/// Churn's part of a run.
pub struct Churning {
    /// Each peer's sessions (`None`: a peer that never leaves).
    pub peers: Vec<Option<PeerSessions>>,
    pub heartbeat: SimTime,
    pub miss_limit: u32,
    /// The session each peer registered in, as the coordinator knows it
    /// (0: none, or gone).
    pub registered: Vec<u32>,
    /// The session whose departure each peer has announced (0: none).
    pub leaving: Vec<u32>,
    /// Per peer: since when online, online time in the run and in the
    /// counted window, attempts lost, sessions begun in the run.
    pub online_since: Vec<SimTime>,
    pub online: Vec<SimTime>,
    pub online_counted: Vec<SimTime>,
    pub lost: Vec<u64>,
    pub sessions: Vec<u64>,
}

/// Stream family of the peers' churn streams.
pub const CHURN_STREAMS: u32 = 4;

impl<M: Mechanisms> Simulation<M> {
    /// Sets up churn, if any group churns: where each peer stands at 0,
    /// and the events that follow.
    pub(super) fn start_churn<R: Recorder>(&mut self, rec: &mut R) {
        if self.cfg.peer_groups.iter().all(|g| g.churn.is_none()) {
            return;
        }
        let n = self.peers.len();
        self.may_have_left = true;
        self.churn = Some(Churning {
            peers: vec![None; n],
            heartbeat: SimTime::from_ms(self.cfg.coordinator.heartbeat_ms),
            miss_limit: self.cfg.coordinator.miss_limit,
            registered: vec![1; n],
            leaving: vec![0; n],
            online_since: vec![SimTime::ZERO; n],
            online: vec![SimTime::ZERO; n],
            online_counted: vec![SimTime::ZERO; n],
            lost: vec![0; n],
            sessions: vec![1; n],
        });
        let mut first = 0;
        for group in self.cfg.peer_groups.clone().iter() {
            let count = group.count as usize;
            if group.churn.is_some() {
                for i in 0..count {
                    let peer = PeerId((first + i) as u32);
                    let rng = stream(self.cfg.seed, CHURN_STREAMS, peer.0);
                    let (sessions, at_start) = PeerSessions::new(i, group, rng);
                    let c = self.churn.as_mut().expect("just set");
                    c.peers[peer.index()] = Some(sessions);
                    c.registered[peer.index()] = 0;
                    c.sessions[peer.index()] = 0;
                    self.set_present(peer, false);
                    self.peers[peer.index()].online = false;
                    self.levels.online_peers.down(SimTime::ZERO, &self.series);
                    match at_start {
                        AtStart::Online(plan) => self.begin_session(peer, plan, rec),
                        AtStart::Offline(Some(at)) => self.schedule(at, Event::PeerOnline(peer)),
                        AtStart::Offline(None) => {}
                    }
                }
            }
            first += count;
        }
    }

    /// A session begins now (or began before 0): the peer is online.
    fn begin_session<R: Recorder>(&mut self, peer: PeerId, plan: SessionPlan, rec: &mut R) {
        let now = self.now();
        let c = self.churn.as_mut().expect("churn is on");
        let i = peer.index();
        c.online_since[i] = now;
        c.sessions[i] += 1;
        self.peers[i].online = true;
        note(rec, peer, now, PeerChange::Online);
        self.levels.online_peers.up(now, &self.series);
        let group = &self.cfg.peer_groups[self.peers[i].group()];
        let leave = group.churn.as_ref().expect("a churning group").leave;
        let began = c.peers[i].as_ref().expect("a churning peer").began();
        if let Some(ends) = plan.ends {
            self.schedule(ends, Event::PeerOffline(peer));
            let latency = self.peers[i].latency;
            if let Some(at) = notice_arrives(leave, began, ends, latency) {
                self.schedule(at, Event::PeerNotice(peer, plan.session));
            }
        }
        match plan.registers {
            Some(at) if at <= now => self.register(peer, plan.session, rec),
            Some(at) => self.schedule(at, Event::PeerRegisters(peer, plan.session)),
            None => {}
        }
    }

    /// A peer comes online.
    pub(super) fn peer_online<R: Recorder>(&mut self, peer: PeerId, rec: &mut R) {
        let now = self.now();
        let group = &self.cfg.peer_groups[self.peers[peer.index()].group()];
        let c = self.churn.as_mut().expect("churn is on");
        let plan = c.peers[peer.index()]
            .as_mut()
            .expect("a churning peer")
            .online(group, now);
        self.tally.all.peers_joined += 1;
        self.begin_session(peer, plan, rec);
    }

    /// A peer's warm-up is over: the coordinator may pick it.
    pub(super) fn peer_registers<R: Recorder>(&mut self, peer: PeerId, session: u32, rec: &mut R) {
        let current = self
            .churn
            .as_ref()
            .and_then(|c| c.peers[peer.index()].as_ref());
        if current.is_none_or(|p| p.session != session) || !self.peers[peer.index()].online {
            // That session is over.
            self.stale += 1;
            return;
        }
        self.register(peer, session, rec);
    }

    fn register<R: Recorder>(&mut self, peer: PeerId, session: u32, rec: &mut R) {
        let c = self.churn.as_mut().expect("churn is on");
        let i = peer.index();
        let restarted = c.registered[i] != 0;
        c.registered[i] = session;
        let leaving = c.leaving[i] == session;
        if restarted {
            // A restart the coordinator had not noticed: whatever it sent
            // before is lost to it.
            self.fail_unresolved_on(peer, rec);
        }
        if !leaving {
            self.set_present(peer, true);
            note(rec, peer, self.now(), PeerChange::Registered);
        }
        self.dispatch_queued_everywhere();
    }

    /// Whether the coordinators may pick `peer` at all: all know the
    /// same of its comings and goings.
    fn set_present(&mut self, peer: PeerId, present: bool) {
        for c in self.coordinators.iter_mut() {
            c.set_present(peer, present);
        }
    }

    /// A graceful peer's notice reaches the coordinator: no new attempts.
    pub(super) fn peer_notice<R: Recorder>(&mut self, peer: PeerId, session: u32, rec: &mut R) {
        let c = self.churn.as_mut().expect("churn is on");
        c.leaving[peer.index()] = session;
        if c.registered[peer.index()] == session {
            self.set_present(peer, false);
            note(rec, peer, self.now(), PeerChange::Leaving);
        }
    }

    /// A peer goes offline: what it holds is lost.
    pub(super) fn peer_offline<R: Recorder>(&mut self, peer: PeerId, rec: &mut R) {
        let now = self.now();
        let i = peer.index();
        self.peers[i].online = false;
        note(rec, peer, now, PeerChange::Offline);
        self.levels.online_peers.down(now, &self.series);
        self.tally.all.peers_left += 1;
        let (from, to) = self.cfg.counted();
        let c = self.churn.as_mut().expect("churn is on");
        let since = c.online_since[i];
        c.online[i] += now - since;
        let (a, b) = (since.max(from), now.min(to));
        if a < b {
            c.online_counted[i] += b - a;
        }
        self.lose_attempts_at(peer, rec);
        let group = &self.cfg.peer_groups[self.peers[i].group()];
        let leave = group.churn.as_ref().expect("a churning group").leave;
        let latency = self.peers[i].latency;
        let c = self.churn.as_mut().expect("churn is on");
        let sessions = c.peers[i].as_mut().expect("a churning peer");
        let session = sessions.session;
        // When the coordinator learns of it: a goodbye, or heartbeats that
        // stop coming (if it knew of the peer in this session at all).
        let gone = match leave {
            Leave::Graceful { .. } => Some(now + latency),
            Leave::Crash => sessions.crash_noticed(now, c.heartbeat, c.miss_limit, latency),
        };
        let back = sessions.offline(group, now);
        if let Some(at) = gone {
            self.schedule(at, Event::PeerGone(peer, session));
        }
        if let Some(at) = back {
            self.schedule(at, Event::PeerOnline(peer));
        }
    }

    /// The coordinator learns that a peer is gone.
    pub(super) fn peer_gone<R: Recorder>(&mut self, peer: PeerId, session: u32, rec: &mut R) {
        let c = self.churn.as_mut().expect("churn is on");
        if c.registered[peer.index()] != session {
            // It has registered again since, or never had in that session.
            self.stale += 1;
            return;
        }
        c.registered[peer.index()] = 0;
        self.set_present(peer, false);
        note(rec, peer, self.now(), PeerChange::Gone);
        self.fail_unresolved_on(peer, rec);
    }

    /// Everything a departing peer holds (queued or running) is lost, and
    /// so is what is on its links: inputs coming to it, replies leaving it.
    fn lose_attempts_at<R: Recorder>(&mut self, peer: PeerId, rec: &mut R) {
        let now = self.now();
        if let Some(links) = self.links.as_mut() {
            let (inputs, replies) = links.drop_on(peer, now);
            for key in inputs {
                self.lose(key);
                self.retire_if_settled(key, rec);
            }
            for key in replies {
                self.attempts[key.index()].reply_pending = false;
                self.retire_if_settled(key, rec);
            }
        }
        let window = self.cfg.counted();
        let queued: Vec<AttemptKey> = self.peers[peer.index()].waiting.take_all();
        for key in queued {
            self.levels.waiting_peers.down(now, &self.series);
            self.lose(key);
            self.retire_if_settled(key, rec);
        }
        let running = self.attempts_on(peer, |a| a.started.is_some() && a.left.is_none());
        for key in running {
            let started = self.attempts[key.index()].started.get().expect("running");
            self.peers[peer.index()].add_busy(started, now, window);
            self.peers[peer.index()].running -= 1;
            self.levels.running.down(now, &self.series);
            self.lose(key);
            self.retire_if_settled(key, rec);
        }
    }

    /// Whether the reply of `key` is still to come: not lost on the
    /// peer's uplink when the peer left.
    pub(super) fn reply_awaited(&self, key: AttemptKey) -> bool {
        self.attempts
            .get(key.index())
            .is_some_and(|a| a.serial == key.serial && a.reply_pending)
    }

    /// Whether `key` is still at its peer: not lost when the peer left,
    /// nor gone from the books since.
    pub(super) fn still_at_peer(&self, key: AttemptKey) -> bool {
        self.attempts
            .get(key.index())
            .is_some_and(|a| a.serial == key.serial && a.left.is_none())
    }

    /// An attempt is lost at its peer (which left, or was offline when it
    /// arrived): it leaves the peer now, and no reply will come. The caller
    /// retires it if that settles it.
    pub(super) fn lose(&mut self, key: AttemptKey) {
        let now = self.now();
        let a = &mut self.attempts[key.index()];
        a.outcome = AttemptOutcome::Lost;
        a.left = Moment::at(now);
        self.at_peers -= 1;
        self.t_last = now;
        let (peer, book) = (a.peer, a.book);
        self.tally.count::<M>(book, |c| c.attempts_lost += 1);
        if let Some(c) = self.churn.as_mut() {
            c.lost[peer.index()] += 1;
        }
    }

    /// The coordinator gives up on every attempt on `peer` it has not
    /// heard back from: each fails (reputation counts it), unless its
    /// timeout fired first.
    fn fail_unresolved_on<R: Recorder>(&mut self, peer: PeerId, rec: &mut R) {
        let now = self.now();
        for key in self.attempts_on(peer, |a| a.resolved.is_none()) {
            self.attempts[key.index()].resolved = Moment::at(now);
            self.answered(key);
            self.resolve(key, false, rec);
            self.retire_if_settled(key, rec);
        }
    }

    /// The attempts on `peer` that `which` picks, in the order they were
    /// sent. (A scan of every attempt in progress: churn events are rare
    /// beside attempts.)
    fn attempts_on(&self, peer: PeerId, which: impl Fn(&Attempt) -> bool) -> Vec<AttemptKey> {
        let mut found: Vec<(SimTime, u32, AttemptKey)> = self
            .attempts
            .iter()
            .filter(|(_, a)| a.peer == peer && which(a))
            .map(|(slot, a)| {
                let key = AttemptKey {
                    slot: slot as u32,
                    serial: a.serial,
                };
                (a.dispatched, a.serial, key)
            })
            .collect();
        found.sort_by_key(|&(at, serial, _)| (at, serial));
        found.into_iter().map(|(_, _, key)| key).collect()
    }

    /// Closes the online time of the peers still online at `end`.
    pub(super) fn close_churn(&mut self, end: SimTime) {
        let (from, to) = self.cfg.counted();
        let Some(c) = self.churn.as_mut() else { return };
        for (i, p) in self.peers.iter().enumerate() {
            if c.peers[i].is_some() && p.online {
                let since = c.online_since[i];
                c.online[i] += end - since;
                let (a, b) = (since.max(from), end.min(to));
                if a < b {
                    c.online_counted[i] += b - a;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::stream;
    use crate::model::config::FailureMode;

    fn group(sessions: Sessions, join_s: f64) -> PeerGroup {
        PeerGroup {
            name: "g".into(),
            count: 1,
            slots: Dist::constant(1.0),
            speed: Dist::constant(1.0),
            latency_ms: Dist::constant(0.0),
            jitter_ms: Dist::constant(0.0),
            reliability: Dist::constant(1.0),
            failure: FailureMode::Error,
            churn: Some(Churn {
                sessions,
                join_s: Dist::constant(join_s),
                leave: Leave::Crash,
            }),
            downlink_mbps: None,
            uplink_mbps: None,
            slowdown: Dist::constant(1.0),
            wrong: None,
            price_per_hour: None,
            power_w: None,
        }
    }

    fn s(x: f64) -> SimTime {
        SimTime::from_secs(x)
    }

    #[test]
    fn a_trace_is_followed_as_written() {
        let g = group(
            Sessions::Trace(vec![
                vec![(-5.0, 2.0), (4.0, 6.0)],
                vec![(3.0, 4.0)],
                vec![],
            ]),
            1.0,
        );
        let (mut p, at) = PeerSessions::new(0, &g, stream(1, 9, 0));
        // Began at -5, registered at -4 (so at 0), ends at 2.
        assert_eq!(
            at,
            AtStart::Online(SessionPlan {
                session: 1,
                ends: Some(s(2.0)),
                registers: Some(SimTime::ZERO),
            })
        );
        assert_eq!(p.offline(&g, s(2.0)), Some(s(4.0)));
        assert_eq!(
            p.online(&g, s(4.0)),
            SessionPlan {
                session: 2,
                ends: Some(s(6.0)),
                registers: Some(s(5.0)),
            }
        );
        assert_eq!(p.offline(&g, s(6.0)), None);
        let (_, at) = PeerSessions::new(1, &g, stream(1, 9, 1));
        assert_eq!(at, AtStart::Offline(Some(s(3.0))));
        let (mut p, at) = PeerSessions::new(2, &g, stream(1, 9, 2));
        assert_eq!(at, AtStart::Offline(None));
        // A session shorter than its warm-up never registers.
        let g = group(Sessions::Trace(vec![vec![(1.0, 1.5)]]), 1.0);
        let (mut q, _) = PeerSessions::new(0, &g, stream(1, 9, 0));
        assert_eq!(q.online(&g, s(1.0)).registers, None);
        let _ = &mut p;
    }

    #[test]
    fn a_crash_is_noticed_from_the_last_heartbeat() {
        let g = group(Sessions::Trace(vec![vec![(0.0, 10.0)]]), 0.5);
        let (p, _) = PeerSessions::new(0, &g, stream(1, 9, 0));
        let (h, l) = (SimTime::from_ms(1000.0), SimTime::from_ms(20.0));
        // Registered at 0.5 s; heartbeats at 0.5, 1.5, ..., 9.5; the one at
        // 9.5 arrives at 9.52; gone three periods later.
        assert_eq!(
            p.crash_noticed(s(10.0), h, 3, l),
            Some(SimTime::from_ms(12_520.0))
        );
        // Leaving exactly at a heartbeat instant: that one is not sent.
        assert_eq!(
            p.crash_noticed(s(9.5), h, 3, l),
            Some(SimTime::from_ms(11_520.0))
        );
    }

    /// With constant sessions and gaps, the stationary start lands on a
    /// boundary of the cycle: a fresh session at 0.
    #[test]
    fn constant_sessions_start_fresh_at_zero() {
        let g = group(
            Sessions::Alternating {
                on_s: Dist::constant(100.0),
                off_s: Dist::constant(50.0),
                preroll_s: 1500.0,
            },
            0.0,
        );
        let (_, at) = PeerSessions::new(0, &g, stream(1, 9, 0));
        assert_eq!(
            at,
            AtStart::Online(SessionPlan {
                session: 1,
                ends: Some(s(100.0)),
                registers: Some(SimTime::ZERO),
            })
        );
    }

    #[test]
    fn a_notice_is_sent_ahead_but_not_before_the_session() {
        let leave = Leave::Graceful { notice_s: 2.0 };
        let l = SimTime::from_ms(10.0);
        assert_eq!(
            notice_arrives(leave, 0, s(10.0), l),
            Some(SimTime::from_ms(8_010.0))
        );
        assert_eq!(
            notice_arrives(leave, secs_to_ns(9.0), s(10.0), l),
            Some(SimTime::from_ms(9_010.0))
        );
        assert_eq!(notice_arrives(Leave::Crash, 0, s(10.0), l), None);
    }
}
