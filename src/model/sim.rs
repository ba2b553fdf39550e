//! One run of the model: the entities, the closed set of events and the one
//! `match` that gives each event its consequences. Handlers are short: what
//! the coordinator knows and decides lives in `coordinator.rs`, a peer as
//! it really is in `peer.rs`, an attempt's life in `attempt.rs`, counting
//! in `tally.rs` and the report in `report.rs`.

use super::attempt::{Attempt, TimeoutTags};
use super::churn::Churning;
use super::config::{Config, FailureMode};
use super::coordinator::{Coordinator, Coordinators, Crossing, Placement};
use super::cost::Costs;
use super::frame::{Frame, Task};
use super::link::Links;
use super::luck::{Luck, Purpose};
use super::mechanisms::{Core, Full, Mechanisms};
use super::peer::{Odds, Peer};
use super::policy::{Load, Standing, Standings};
use super::record::*;
use super::renter::{Arrivals, Renter};
use super::report::{self, Ending, Latencies};
use super::stats::Report;
use super::tally::{Book, Tally};
use super::timeseries::{Flows, Levels, TimeSeries};
use super::{
    AttemptKey, CoordinatorId, Dist, FrameId, InitialReputation, Millis, PeerId, RenterId,
    Reputation, TaskId,
};
use crate::engine::{prefetch, stream, EventQueue, Moment, SimTime, Slots, LOOK_AHEAD};
use std::marker::PhantomData;

/// Stream families: one stream per renter, per peer, and per coordinator.
const RENTER_STREAMS: u32 = 1;
const PEER_STREAMS: u32 = 2;
const COORDINATOR_STREAM: u32 = 3;

/// How many events pass between two progress reports.
const PROGRESS_EVERY: u64 = 1 << 16;

/// How many events ahead `ask_ahead` asks for an event's attempt, then for
/// what the attempt points to, then for the frame: far enough for a miss
/// to be served before the next step reads the line, and within what the
/// queue holds in order after a pop.
const ASK_ATTEMPT: usize = 9;
const ASK_PEER: usize = 5;
const ASK_FRAME: usize = 2;
const _: () =
    assert!(ASK_FRAME < ASK_PEER && ASK_PEER < ASK_ATTEMPT && ASK_ATTEMPT < LOOK_AHEAD - 1);

#[derive(Clone, Copy, Debug)]
pub(super) enum Event {
    /// A renter creates its next frame.
    FrameDue(RenterId),
    /// A task's backoff has passed: it may be placed again.
    TaskReady(TaskId),
    AttemptReachesPeer(AttemptKey),
    AttemptProcessed(AttemptKey),
    ReplyReachesCoordinator(AttemptKey),
    AttemptTimeout(AttemptKey),
    FrameReachesRenter(FrameId),
    /// Churn: a peer comes online, or goes offline.
    PeerOnline(PeerId),
    PeerOffline(PeerId),
    /// Churn: a peer's warm-up in its session is over.
    PeerRegisters(PeerId, u32),
    /// Churn: a graceful peer's notice of departure reaches the
    /// coordinator.
    PeerNotice(PeerId, u32),
    /// Churn: the coordinator learns that a peer (in that session) is gone.
    PeerGone(PeerId, u32),
    /// Hedging: no reply came this long after this copy.
    Hedge(AttemptKey),
    /// Copies: the message cancelling this attempt reaches its peer.
    CancelReachesPeer(AttemptKey),
    /// `drop_late`: the deadline of this renter's frame.
    FrameDeadline(FrameId, RenterId),
    /// Forgetting: a peer's fading reputation, as a coordinator holds
    /// it, crosses `exclude_below` (as foreseen at its update of this
    /// version).
    ReputationCrosses(CoordinatorId, PeerId, u32),
    /// Views of heartbeats: a peer sends its heartbeat.
    HeartbeatSent(PeerId),
    /// Views of heartbeats: a peer's heartbeat, reporting this load,
    /// reaches the coordinators.
    HeartbeatArrives(PeerId, u32),
}

impl Event {
    /// The attempt it is about, if any.
    fn attempt(&self) -> Option<AttemptKey> {
        match *self {
            Event::AttemptReachesPeer(key)
            | Event::AttemptProcessed(key)
            | Event::ReplyReachesCoordinator(key)
            | Event::AttemptTimeout(key)
            | Event::Hedge(key)
            | Event::CancelReachesPeer(key) => Some(key),
            _ => None,
        }
    }
}

// An event is small and `Copy`: the queue moves millions of them.
const _: () = assert!(std::mem::size_of::<Event>() <= 12);

/// The durations drawn per frame, task, attempt or message, ready to draw.
pub(super) struct Draws {
    work: Millis,
    deadline: Millis,
    return_delay: Millis,
    timeout: Millis,
    backoff: Millis,
    /// Latency jitter, by peer group.
    pub(super) jitter: Vec<Millis>,
    /// Slowdown of processing, by peer group; none: 1 for every group.
    slowdown: Option<Vec<Dist>>,
}

impl Draws {
    fn new(cfg: &Config) -> Draws {
        Draws {
            work: Millis::new(&cfg.workload.work_ms),
            deadline: Millis::new(&cfg.workload.deadline_ms),
            return_delay: Millis::new(&cfg.workload.return_ms),
            timeout: Millis::new(&cfg.coordinator.timeout_ms),
            backoff: Millis::new(&cfg.coordinator.backoff_ms),
            jitter: cfg
                .peer_groups
                .iter()
                .map(|g| Millis::new(&g.jitter_ms))
                .collect(),
            slowdown: cfg
                .peer_groups
                .iter()
                .any(|g| !matches!(g.slowdown, Dist::Constant(x) if x == 1.0))
                .then(|| cfg.peer_groups.iter().map(|g| g.slowdown.clone()).collect()),
        }
    }

    /// The slowdown of an attempt on a peer of group `group`.
    fn slowdown(&self, group: usize, luck: impl FnOnce() -> Luck) -> f64 {
        match self.slowdown.as_ref().map(|s| &s[group]) {
            None => 1.0,
            Some(Dist::Constant(x)) => *x,
            Some(d) => d.sample(&mut luck().draw(Purpose::Slowdown)),
        }
    }
}

/// A run in progress. Build it with [`Simulation::new`], then [`run`] it.
/// `M`: the mechanisms its event loop is compiled for (see
/// [`Mechanisms`]); a run is built for [`Full`], and runs on the loop for
/// [`Core`] if every mechanism beyond the core is off.
///
/// [`run`]: Simulation::run
pub struct Simulation<M: Mechanisms = Full> {
    pub(super) cfg: Config,
    pub(super) queue: EventQueue<Event>,
    pub(super) arrivals: Arrivals,
    pub(super) renters: Vec<Renter>,
    pub(super) draws: Draws,
    pub(super) peers: Vec<Peer>,
    /// What is true of each peer's results, by peer.
    pub(super) odds: Vec<Odds>,
    /// By index: renter `r` is served by coordinator `r mod count`.
    pub(super) coordinators: Coordinators,
    pub(super) frames: Slots<Frame>,
    pub(super) tasks: Slots<Task>,
    pub(super) attempts: Slots<Attempt>,
    pub(super) next_serial: u32,
    pub(super) tally: Tally,
    pub(super) latencies: Latencies,
    pub(super) series: TimeSeries,
    pub(super) levels: Levels,
    /// Renters that will make another frame.
    pub(super) renters_active: u32,
    /// Attempts sent to a peer that have not left it: travelling to it,
    /// queued there or being processed.
    pub(super) at_peers: u64,
    /// The last instant a frame ended or an attempt left a peer: the run
    /// ends there (or at `duration` if that is later).
    pub(super) t_last: SimTime,
    /// Events popped that had become stale (timeouts of attempts already
    /// answered): not counted as events of the run.
    pub(super) stale: u64,
    /// Timeouts pending in the queue whose attempt is already answered.
    pub(super) dead_timeouts: usize,
    /// Which timeouts pending may still fire, by attempt slot.
    timeout_tags: TimeoutTags,
    /// Peers that come and go, if any group churns.
    pub(super) churn: Option<Churning>,
    /// Peers' access links, if messages take time on them.
    pub(super) links: Option<Links>,
    /// A task may have several attempts outstanding (copies, hedging).
    pub(super) redundant: bool,
    /// Hedging: the delay after a copy before one more.
    pub(super) hedge: Option<Millis>,
    /// Results that must agree before one is accepted.
    pub(super) quorum: u32,
    /// Attempts may be cancelled: the work wasted is counted.
    pub(super) counts_waste: bool,
    /// Copies, votes, cancels, wrong results or cost are on: `resolve`
    /// takes its longer way.
    pub(super) tail: bool,
    /// An attempt may leave its peer before it is processed (churn, or
    /// a cancel): `AttemptProcessed` may be stale.
    pub(super) may_have_left: bool,
    /// Peers' prices and powers, if cost is reported.
    pub(super) cost: Option<Costs>,
    mechanisms: PhantomData<M>,
}

/// Dead timeouts are dropped from the queue once they outnumber the other
/// pending events twice over (and this many), so that they never hold
/// more memory than the live events.
const DEAD_TIMEOUTS_SLACK: usize = 4096;

impl Simulation {
    pub fn new(cfg: &Config) -> Simulation {
        let cfg = cfg.clone();
        let redundant = cfg.coordinator.redundant();
        let quorum = cfg.coordinator.quorum;
        let cancels = cfg.coordinator.cancels();
        let tail = cancels || cfg.trust() || cfg.costs();
        let hedge = cfg.coordinator.hedge_ms.as_ref().map(Millis::new);
        let mut peers = Vec::new();
        let mut odds = Vec::new();
        for (g, group) in cfg.peer_groups.iter().enumerate() {
            for _ in 0..group.count {
                let mut rng = stream(cfg.seed, PEER_STREAMS, peers.len() as u32);
                let (peer, its_odds) = Peer::new(g, group, &mut rng);
                peers.push(peer);
                odds.push(its_odds);
            }
        }
        let standings: Standings = peers
            .iter()
            .zip(&odds)
            .map(|(p, o)| {
                let load = Load {
                    slots: p.slots,
                    assigned: 0,
                };
                let standing = Standing {
                    speed: p.speed,
                    latency_ms: p.latency.as_ms(),
                    backlog: SimTime::ZERO,
                    reputation: Reputation::new(match cfg.reputation.initial {
                        InitialReputation::Value(v) => v,
                        InitialReputation::Reliability => o.reliability,
                    }),
                };
                (load, standing)
            })
            .collect();
        let coordinators = Coordinators::new(
            (0..cfg.coordinator.count)
                .map(|c| {
                    Coordinator::new(
                        &cfg.coordinator,
                        &cfg.reputation,
                        standings.clone(),
                        stream(cfg.seed, COORDINATOR_STREAM, c),
                    )
                })
                .collect(),
        );
        let mut queue = EventQueue::new();
        let arrivals = Arrivals::new(cfg.workload.arrival, cfg.workload.fps);
        let churn = cfg.peer_groups.iter().any(|g| g.churn.is_some());
        let flows = Flows {
            churn,
            copies: cfg.coordinator.cancels(),
            drop_late: cfg.coordinator.drop_late,
            trust: cfg.trust(),
        };
        let series = TimeSeries::new(cfg.sample_every, flows);
        let mut levels = Levels::default();
        for _ in &peers {
            levels.online_peers.up(SimTime::ZERO, &series);
        }
        let links = Links::new(&cfg, peers.iter().map(Peer::group));
        let cost = Costs::new(&cfg, peers.iter().map(Peer::group));
        let tally = Tally::new(cfg.coordinator.count);
        let mut renters_active = 0;
        let renters = (0..cfg.workload.renters)
            .map(|r| {
                let (mut renter, first) = arrivals.renter(stream(cfg.seed, RENTER_STREAMS, r));
                renter.coordinator = CoordinatorId((r % cfg.coordinator.count) as u16);
                if first < cfg.duration {
                    queue.schedule(first, Event::FrameDue(RenterId(r)));
                    renters_active += 1;
                }
                renter
            })
            .collect();
        Simulation {
            draws: Draws::new(&cfg),
            latencies: Latencies::new(cfg.peer_groups.len(), cfg.coordinator.count),
            series,
            levels,
            cfg,
            queue,
            arrivals,
            renters,
            peers,
            odds,
            coordinators,
            frames: Slots::new(),
            tasks: Slots::new(),
            attempts: Slots::new(),
            next_serial: 0,
            tally,
            renters_active,
            at_peers: 0,
            t_last: SimTime::ZERO,
            stale: 0,
            dead_timeouts: 0,
            timeout_tags: TimeoutTags::default(),
            churn: None,
            links,
            redundant,
            hedge,
            quorum,
            may_have_left: cancels,
            counts_waste: cancels,
            tail,
            cost,
            mechanisms: PhantomData,
        }
    }

    /// Runs to the end and reports.
    pub fn run<R: Recorder>(self, recorder: &mut R) -> Report {
        self.run_while(recorder, |_| true)
    }

    /// Runs to the end, calling `go_on` with the virtual time now and then
    /// (every 65,536 events): when it says `false`, the run stops there
    /// (at the horizon, as it were) and reports what it has.
    pub fn run_while<R: Recorder>(
        self,
        recorder: &mut R,
        go_on: impl FnMut(SimTime) -> bool,
    ) -> Report {
        if self.core_only() {
            self.narrow().run_loop(recorder, go_on)
        } else {
            self.run_loop(recorder, go_on)
        }
    }

    /// [`run`](Self::run) on the loop compiled for [`Full`] even when
    /// every mechanism is off: the same results, a little slower (tests
    /// check that the two loops agree).
    pub fn run_full<R: Recorder>(self, recorder: &mut R) -> Report {
        self.run_loop(recorder, |_| true)
    }

    /// Whether every mechanism beyond the core is off, so that the run
    /// takes the loop compiled for [`Core`]. It must test every switch
    /// that the loop reads through [`Mechanisms::on`].
    pub fn core_only(&self) -> bool {
        let c = &self.cfg.coordinator;
        let first = self.coordinators.get::<Full>(CoordinatorId(0));
        !(self.redundant
            || self.quorum > 1
            || self.tail
            || self.counts_waste
            || self.may_have_left
            || self.cost.is_some()
            || self.links.is_some()
            || self.cfg.peer_groups.iter().any(|g| g.churn.is_some())
            || c.drop_late
            || c.cancel_on_timeout
            || self.coordinators.len() > 1
            || !first.core_only())
    }

    /// The same run, on the loop for [`Core`]: every field moved over.
    /// The fields are listed once, and the pattern has no `..`, so the
    /// compiler says if one is missing.
    fn narrow(self) -> Simulation<Core> {
        macro_rules! moved {
            ($($field:ident),*) => {{
                let Simulation { $($field,)* mechanisms: _ } = self;
                Simulation { $($field,)* mechanisms: PhantomData }
            }};
        }
        moved!(
            cfg,
            queue,
            arrivals,
            renters,
            draws,
            peers,
            odds,
            coordinators,
            frames,
            tasks,
            attempts,
            next_serial,
            tally,
            latencies,
            series,
            levels,
            renters_active,
            at_peers,
            t_last,
            stale,
            dead_timeouts,
            timeout_tags,
            churn,
            links,
            redundant,
            hedge,
            quorum,
            counts_waste,
            tail,
            may_have_left,
            cost
        )
    }
}

impl<M: Mechanisms> Simulation<M> {
    /// The event loop.
    fn run_loop<R: Recorder>(
        mut self,
        recorder: &mut R,
        mut go_on: impl FnMut(SimTime) -> bool,
    ) -> Report {
        self.start_churn(recorder);
        self.start_heartbeats();
        let horizon = self.cfg.horizon();
        let mut drained = false;
        #[cfg(feature = "event-timing")]
        let mut timing = super::timing::EventTiming::start();
        while let Some(event) = self.queue.pop_until(horizon) {
            #[cfg(feature = "event-timing")]
            timing.popped();
            if self.queue.crowded_and_moved_on() {
                self.ask_ahead();
            }
            let now = self.now();
            if self.series.due(now) {
                self.series
                    .advance(now, &mut self.levels, &self.tally.all, recorder);
            }
            #[cfg(feature = "event-timing")]
            timing.handling(&event);
            self.handle(event, recorder);
            #[cfg(feature = "event-timing")]
            timing.handled();
            if self.queue.popped().is_multiple_of(PROGRESS_EVERY) && !go_on(now) {
                break;
            }
            if self.drained() {
                drained = true;
                break;
            }
        }
        #[cfg(feature = "event-timing")]
        eprint!("{}", timing.table());
        // Drained, the run ends with its last frame or attempt (stale
        // events left in the queue cannot move it); else at the horizon.
        let end = if drained {
            self.cfg.duration.max(self.t_last)
        } else {
            horizon
        };
        self.finish(end, recorder)
    }

    /// With many events pending, what the next ones read has left the
    /// cache. At each event off the wheel this asks for it in three steps,
    /// each reading what the step before asked for, a few events earlier:
    /// the attempt of the event [`ASK_ATTEMPT`] places ahead; the peer,
    /// task and standings of the one [`ASK_PEER`] ahead; the frame of the
    /// one [`ASK_FRAME`] ahead.
    ///
    /// A stale event whose slot holds a later attempt asks for that one's
    /// memory: harmless, as any slot's peer, task and frame are valid.
    #[inline(never)]
    fn ask_ahead(&self) {
        if let Some(event) = self.queue.upcoming(ASK_ATTEMPT) {
            if let Some(key) = event.attempt() {
                self.attempts.prefetch(key.index());
            }
        }
        if let Some(event) = self.queue.upcoming(ASK_PEER) {
            let attempt = event.attempt().and_then(|k| self.attempts.get(k.index()));
            match (*event, attempt) {
                (Event::FrameDue(r), _) => prefetch(&self.renters[r.index()]),
                (Event::AttemptReachesPeer(_) | Event::AttemptProcessed(_), Some(a)) => {
                    prefetch(&self.peers[a.peer.index()]);
                }
                (Event::ReplyReachesCoordinator(_), Some(a)) => {
                    prefetch(&self.peers[a.peer.index()]);
                    self.tasks.prefetch(a.task.index());
                    self.coordinators
                        .get::<M>(a.book.coordinator)
                        .prefetch(a.peer);
                }
                _ => {}
            }
        }
        if let Some(event) = self.queue.upcoming(ASK_FRAME) {
            match *event {
                Event::ReplyReachesCoordinator(key) => {
                    let task = self.attempts.get(key.index()).map(|a| a.task);
                    if let Some(t) = task.and_then(|t| self.tasks.get(t.index())) {
                        self.frames.prefetch(t.frame.index());
                    }
                }
                Event::FrameReachesRenter(frame) => self.frames.prefetch(frame.index()),
                _ => {}
            }
        }
    }

    #[inline(always)]
    fn handle<R: Recorder>(&mut self, event: Event, rec: &mut R) {
        match event {
            Event::FrameDue(renter) => self.make_frame(renter),
            Event::TaskReady(task) => {
                self.levels.backoff.down(self.now(), &self.series);
                if self.tasks[task.index()].dropped {
                    self.end_task(task, None, rec);
                } else {
                    self.submit(task);
                }
            }
            Event::AttemptReachesPeer(key) => {
                if M::on(self.churn.is_some()) && !self.still_at_peer(key) {
                    // Lost on the peer's link when it went offline.
                    self.stale += 1;
                } else if !self.reach_peer(key) {
                    // Lost: its timeout may have fired while it travelled.
                    self.retire_if_settled(key, rec);
                }
            }
            Event::AttemptProcessed(key) => self.processed(key, rec),
            Event::ReplyReachesCoordinator(key) => {
                if M::on(self.churn.is_some()) && !self.reply_awaited(key) {
                    // Lost on the peer's uplink when it went offline.
                    self.stale += 1;
                } else {
                    self.reply(key, rec);
                }
            }
            Event::AttemptTimeout(key) => self.timeout(key, rec),
            Event::FrameReachesRenter(frame) => {
                let f = self.frames.remove(frame.index());
                self.end_frame(f, Some(self.now()), rec);
            }
            Event::PeerOnline(peer) => self.peer_online(peer, rec),
            Event::PeerOffline(peer) => self.peer_offline(peer, rec),
            Event::PeerRegisters(peer, session) => self.peer_registers(peer, session, rec),
            Event::PeerNotice(peer, session) => self.peer_notice(peer, session, rec),
            Event::PeerGone(peer, session) => self.peer_gone(peer, session, rec),
            Event::Hedge(key) => self.hedge(key),
            Event::CancelReachesPeer(key) => self.cancel_reaches_peer(key, rec),
            Event::FrameDeadline(frame, renter) => self.frame_deadline(frame, renter, rec),
            Event::ReputationCrosses(c, peer, version) => self.reputation_crosses(c, peer, version),
            Event::HeartbeatSent(peer) => self.heartbeat_sent(peer),
            Event::HeartbeatArrives(peer, load) => self.heartbeat_arrives(peer, load),
        }
    }

    /// No frame will be made, none is in progress and no peer holds an
    /// attempt: whatever is left in the queue (timeouts that can no longer
    /// matter, late replies) cannot change the results.
    fn drained(&self) -> bool {
        self.renters_active == 0 && self.frames.is_empty() && self.at_peers == 0
    }

    pub(super) fn now(&self) -> SimTime {
        self.queue.now()
    }

    /// Schedules `event` at `at`, unless that is after the horizon: it
    /// could never happen, and would only hold memory.
    #[inline(always)]
    pub(super) fn schedule(&mut self, at: SimTime, event: Event) {
        if at <= self.cfg.horizon() {
            self.queue.schedule(at, event);
        }
    }

    /// A renter makes its next frame and splits it into tasks.
    fn make_frame(&mut self, r: RenterId) {
        let now = self.now();
        let renter = &mut self.renters[r.index()];
        let deadline = self.draws.deadline.sample(&mut renter.rng);
        let return_delay = self.draws.return_delay.sample(&mut renter.rng);
        let index = renter.frames_made;
        renter.frames_made += 1;
        let next = self.arrivals.next(renter, index, now);
        if next < self.cfg.duration {
            self.queue.schedule(next, Event::FrameDue(r));
        } else {
            self.renters_active -= 1;
        }
        let book = Book {
            counted: now >= self.cfg.warmup,
            coordinator: renter.coordinator,
        };
        let tasks = self.cfg.workload.tasks_per_frame;
        let frame = FrameId(self.frames.insert(Frame {
            renter: r,
            index,
            created: now,
            deadline,
            return_delay,
            tasks_left: tasks,
            failed: false,
            corrupt: false,
            book,
        }) as u32);
        self.tally.count::<M>(book, |c| {
            c.frames += 1;
            c.tasks += u64::from(tasks);
        });
        if M::on(self.cfg.coordinator.drop_late) {
            self.schedule(now + deadline, Event::FrameDeadline(frame, r));
        }
        for index in 0..tasks {
            let work = self.draws.work.sample(&mut self.renters[r.index()].rng);
            let task = TaskId(self.tasks.insert(Task {
                frame,
                coordinator: book.coordinator,
                index,
                work,
                created: now,
                due: now + deadline,
                attempts: 0,
                dropped: false,
                failed_peers: Vec::new(),
            }) as u32);
            self.submit_to(book.coordinator, task);
            if M::on(self.redundant) {
                self.start_copies(task);
            }
        }
    }

    /// Hands a new or retried task to the coordinator, and dispatches it if
    /// the coordinator places it on a peer.
    pub(super) fn submit(&mut self, task: TaskId) {
        self.submit_to(self.tasks[task.index()].coordinator, task);
    }

    /// `submit` to `task`'s coordinator, `c`.
    #[inline(always)]
    fn submit_to(&mut self, c: CoordinatorId, task: TaskId) {
        let now = self.now();
        match self
            .coordinators
            .get_mut::<M>(c)
            .place::<M>(task, &self.tasks, now)
        {
            Placement::Peer(peer) => self.dispatch(task, peer),
            Placement::Queued => {
                self.levels.waiting_coordinator.up(self.now(), &self.series);
                self.dispatch_waiting(c);
            }
            Placement::Parked => self.levels.waiting_coordinator.up(self.now(), &self.series),
        }
    }

    /// Coordinator `c` hands the tasks waiting for it to free slots.
    #[inline(always)]
    pub(super) fn dispatch_queued(&mut self, c: CoordinatorId) {
        // Mostly nothing waits: decide that without a call.
        if self.coordinators.get::<M>(c).queued() > 0 {
            self.dispatch_waiting(c);
        }
    }

    /// Every coordinator hands the tasks waiting for it to free slots (a
    /// peer came, or the views changed).
    pub(super) fn dispatch_queued_everywhere(&mut self) {
        for c in 0..self.coordinators.len() {
            self.dispatch_queued(CoordinatorId(c as u16));
        }
    }

    pub(super) fn dispatch_waiting(&mut self, c: CoordinatorId) {
        let (mut parked_at, now) = (0, self.now());
        while let Some((task, peer)) =
            self.coordinators
                .get_mut::<M>(c)
                .next_waiting::<M>(&self.tasks, &mut parked_at, now)
        {
            self.levels
                .waiting_coordinator
                .down(self.now(), &self.series);
            self.dispatch(task, peer);
        }
    }

    /// Sends an attempt of `task` to `peer` and arms its timeout.
    #[inline(always)]
    fn dispatch(&mut self, task: TaskId, peer: PeerId) {
        // Read below for its latency: the miss overlaps what comes first.
        prefetch(&self.peers[peer.index()]);
        let now = self.now();
        let t = &mut self.tasks[task.index()];
        t.attempts += 1;
        // A copy sent while another is out (copies, hedges) is no retry.
        let c = t.coordinator;
        let retry = t.attempts > 1
            && !(M::on(self.redundant) && self.coordinators.get::<M>(c).has_out(task));
        let f = &self.frames[t.frame.index()];
        self.tally.count::<M>(f.book, |c| {
            c.attempts += 1;
            c.failovers += u64::from(retry);
        });
        let seed = self.cfg.seed;
        let luck = || Luck::of(seed, f.renter, f.index, t.index, t.attempts);
        let fires = now
            + self
                .draws
                .timeout
                .sample_with(|| luck().draw(Purpose::Timeout));
        // A timeout after the end of the run can never fire: not scheduling
        // it keeps the queue (and memory) from growing with the run.
        let armed = fires <= self.cfg.horizon();
        let serial = self.next_serial;
        self.next_serial = self.next_serial.wrapping_add(1);
        let slot = self.attempts.insert(Attempt {
            serial,
            task,
            peer,
            number: t.attempts,
            work: t.work,
            renter: f.renter,
            frame_index: f.index,
            task_index: t.index,
            book: f.book,
            dispatched: now,
            reached: Moment::NONE,
            started: Moment::NONE,
            left: Moment::NONE,
            resolved: Moment::NONE,
            outcome: AttemptOutcome::Unfinished,
            timed_out: false,
            reply_pending: false,
            armed,
            moot: false,
            cancel_arrived: false,
            accepted: false,
            wrong: false,
        });
        let key = AttemptKey {
            slot: slot as u32,
            serial,
        };
        self.coordinators.get_mut::<M>(c).assign::<M>(peer, t.work);
        self.levels.in_flight.up(now, &self.series);
        self.at_peers += 1;
        if armed {
            // The delay is usually the same for every attempt: the timeouts
            // come in the order they are armed.
            self.queue
                .schedule_in_order(fires, Event::AttemptTimeout(key));
            self.timeout_tags.arm(key);
        }
        let p = &self.peers[peer.index()];
        let mut delay = p.message_delay(&self.draws.jitter[p.group()], luck, Purpose::JitterToPeer);
        if M::on(self.redundant) {
            self.track_copy(task, key, peer);
        }
        if M::on(self.links.is_some()) {
            match self.input_on_link(key) {
                Some(on_link) => delay += on_link,
                None => return,
            }
        }
        if delay == SimTime::ZERO {
            // Lost or not, it is not settled: its outcome is not known yet.
            self.reach_peer(key);
        } else {
            self.schedule(now + delay, Event::AttemptReachesPeer(key));
        }
    }

    /// The coordinator that places `task` (live).
    #[inline(always)]
    pub(super) fn coordinator_of(&mut self, task: TaskId) -> &mut Coordinator {
        let c = self.tasks[task.index()].coordinator;
        self.coordinators.get_mut::<M>(c)
    }

    /// The live attempt behind `key`, if the key is not stale.
    pub(super) fn attempt(&mut self, key: AttemptKey) -> Option<&mut Attempt> {
        self.attempts
            .get_mut(key.index())
            .filter(|a| a.serial == key.serial)
    }

    /// An attempt reaches its peer: it takes a free slot or waits in the
    /// peer's queue; or it is lost, and this says `false`, if the peer is
    /// offline (churn).
    #[inline(always)]
    fn reach_peer(&mut self, key: AttemptKey) -> bool {
        let now = self.now();
        let a = &mut self.attempts[key.index()];
        a.reached = Moment::at(now);
        if a.cancel_arrived {
            // Copies: its cancel overtook it.
            self.stop_cancelled(key);
            return false;
        }
        let p = &mut self.peers[a.peer.index()];
        if !p.online {
            // Churn: it left (or has not come back) before the attempt came.
            self.lose(key);
            return false;
        }
        if p.running < p.slots {
            let done = begin_processing(a, p, now, &self.draws, self.cfg.seed);
            self.levels.running.up(now, &self.series);
            self.schedule(done, Event::AttemptProcessed(key));
        } else {
            p.waiting.push_back(key);
            self.levels.waiting_peers.up(now, &self.series);
        }
        true
    }

    pub(super) fn start(&mut self, key: AttemptKey) {
        let now = self.now();
        let a = &mut self.attempts[key.index()];
        let p = &mut self.peers[a.peer.index()];
        let done = begin_processing(a, p, now, &self.draws, self.cfg.seed);
        self.levels.running.up(now, &self.series);
        self.schedule(done, Event::AttemptProcessed(key));
    }

    /// The peer finished processing: it frees the slot, takes the next
    /// attempt from its queue and replies (unless it fails silently).
    fn processed<R: Recorder>(&mut self, key: AttemptKey, rec: &mut R) {
        let now = self.now();
        if M::on(self.may_have_left) && !self.still_at_peer(key) {
            // Lost when its peer left, or cancelled, before it was done.
            self.stale += 1;
            return;
        }
        let a = &mut self.attempts[key.index()];
        a.left = Moment::at(now);
        let p = &mut self.peers[a.peer.index()];
        p.running -= 1;
        self.levels.running.down(now, &self.series);
        self.at_peers -= 1;
        self.t_last = now;
        p.add_busy(
            a.started.get().expect("processed after start"),
            now,
            self.cfg.counted(),
        );
        let seed = self.cfg.seed;
        let success = p.succeeds(|| a.luck(seed));
        if M::on(self.tail) && success {
            a.wrong = self.odds[a.peer.index()].is_wrong(|| a.luck(seed));
        }
        a.outcome = match (success, p.failure) {
            (true, _) => AttemptOutcome::Success,
            (false, FailureMode::Error) => AttemptOutcome::Error,
            (false, FailureMode::Silent) => AttemptOutcome::Silent,
        };
        let mut reply_delay = (a.outcome != AttemptOutcome::Silent).then(|| {
            p.message_delay(
                &self.draws.jitter[p.group()],
                || a.luck(seed),
                Purpose::JitterToCoordinator,
            )
        });
        a.reply_pending = reply_delay.is_some();
        // The peer takes its next attempt before its reply can bring it more.
        if let Some(next) = p.waiting.pop_front() {
            self.levels.waiting_peers.down(now, &self.series);
            self.start(next);
        }
        if let (true, Some(delay)) = (M::on(self.links.is_some()), reply_delay.as_mut()) {
            *delay += self.reply_on_link(key, success);
        }
        match reply_delay {
            Some(SimTime::ZERO) => self.reply(key, rec),
            Some(delay) => self.schedule(now + delay, Event::ReplyReachesCoordinator(key)),
            None => self.retire_if_settled(key, rec),
        }
    }

    /// A reply reaches the coordinator; a late one (after the timeout) is
    /// ignored.
    #[inline(always)]
    fn reply<R: Recorder>(&mut self, key: AttemptKey, rec: &mut R) {
        let now = self.now();
        let a = &mut self.attempts[key.index()];
        a.reply_pending = false;
        if a.resolved.is_none() {
            a.resolved = Moment::at(now);
            let success = a.outcome == AttemptOutcome::Success;
            self.answered(key);
            self.resolve(key, success, rec);
        }
        self.retire_if_settled(key, rec);
    }

    /// The coordinator has the answer for `key` (not by its timeout): its
    /// timeout, if still queued, can no longer matter.
    #[inline(always)]
    pub(super) fn answered(&mut self, key: AttemptKey) {
        if self.attempts[key.index()].armed {
            self.timeout_tags.disarm(key);
            self.timeout_is_dead();
        }
    }

    /// Once dead timeouts outnumber the live events, they go.
    #[inline(never)]
    fn timeout_is_dead(&mut self) {
        self.dead_timeouts += 1;
        let others = self.queue.len() - self.dead_timeouts;
        if self.dead_timeouts > 2 * others + DEAD_TIMEOUTS_SLACK {
            self.drop_dead_timeouts();
        }
    }

    /// Removes from the queue the timeouts of attempts already answered.
    #[cold]
    fn drop_dead_timeouts(&mut self) {
        let attempts = &self.attempts;
        self.queue.retain(|e| match *e {
            Event::AttemptTimeout(key) => attempts
                .get(key.index())
                .is_some_and(|a| a.serial == key.serial && a.resolved.is_none()),
            _ => true,
        });
        self.dead_timeouts = 0;
    }

    fn timeout<R: Recorder>(&mut self, key: AttemptKey, rec: &mut R) {
        let now = self.now();
        let live = self.timeout_tags.may_fire(key)
            && self.attempt(key).is_some_and(|a| a.resolved.is_none());
        if !live {
            // Its attempt was answered first.
            self.stale += 1;
            self.dead_timeouts -= 1;
            return;
        }
        let a = &mut self.attempts[key.index()];
        a.resolved = Moment::at(now);
        a.timed_out = true;
        let book = a.book;
        self.tally.count::<M>(book, |c| c.timeouts += 1);
        if M::on(self.cfg.coordinator.cancel_on_timeout) {
            self.cancel_at_peer(key);
        }
        self.resolve(key, false, rec);
        self.retire_if_settled(key, rec);
    }

    /// The coordinator learns an attempt's outcome: it updates what it
    /// knows of the peer, then completes, retries or fails the task.
    pub(super) fn resolve<R: Recorder>(&mut self, key: AttemptKey, success: bool, rec: &mut R) {
        if M::on(self.tail) && self.resolve_aside(key, success, rec) {
            return;
        }
        let now = self.now();
        let a = &self.attempts[key.index()];
        let (task, peer, c) = (a.task, a.peer, a.book.coordinator);
        let attempt = (a.renter.0, a.frame_index, a.task_index, a.number);
        let coordinator = self.coordinators.get_mut::<M>(c);
        coordinator.release_unheard::<M>(peer, a.work);
        let crossing = coordinator.hear::<M>(peer, success, now);
        self.after_hearing(c, peer, success, crossing, attempt, rec);
        self.levels.in_flight.down(now, &self.series);
        if success {
            if M::on(self.tail) {
                self.accept(key, task, rec);
            }
            let group = self.peers[peer.index()].group();
            self.end_task(task, Some(group), rec);
        } else {
            let t = &mut self.tasks[task.index()];
            t.failed_peers.push(peer);
            if M::on(self.quorum > 1) {
                // Votes: one more copy if the quorum is now out of reach.
                self.top_up(task, rec);
            } else if M::on(self.redundant) && {
                let coordinator = self.coordinators.get::<M>(c);
                coordinator.has_out(task) || coordinator.waiting_for(task) > 0
            } {
                // Copies: another copy is still out, or waits to be sent;
                // the task waits for it.
            } else if t.attempts < self.cfg.coordinator.max_attempts {
                // An event even without backoff: the slot this failure
                // freed goes first to the tasks already waiting.
                let luck = self.attempts[key.index()].luck(self.cfg.seed);
                let backoff = self
                    .draws
                    .backoff
                    .sample_with(|| luck.draw(Purpose::Backoff));
                self.levels.backoff.up(self.now(), &self.series);
                self.schedule(self.now() + backoff, Event::TaskReady(task));
            } else {
                self.end_task(task, None, rec);
            }
        }
        if self.coordinators.get::<M>(c).is_central() {
            self.dispatch_queued(c);
        }
    }

    /// Coordinator `c` counts an outcome in the reputation of `peer`: of
    /// the attempt `(renter, frame, task, attempt)`, which may be gone.
    pub(super) fn hear_of<R: Recorder>(
        &mut self,
        c: CoordinatorId,
        peer: PeerId,
        success: bool,
        attempt: (u32, u64, u32, u32),
        rec: &mut R,
    ) {
        let now = self.now();
        let crossing = self
            .coordinators
            .get_mut::<M>(c)
            .hear::<M>(peer, success, now);
        self.after_hearing(c, peer, success, crossing, attempt, rec);
    }

    /// What follows a reputation update by coordinator `c`: the crossing
    /// it foresees is scheduled, and the recorder told.
    #[inline(always)]
    fn after_hearing<R: Recorder>(
        &mut self,
        c: CoordinatorId,
        peer: PeerId,
        success: bool,
        crossing: Option<(SimTime, u32)>,
        (renter, frame, task, attempt): (u32, u64, u32, u32),
        rec: &mut R,
    ) {
        let now = self.now();
        if let Some((at, version)) = crossing {
            self.schedule(at, Event::ReputationCrosses(c, peer, version));
        }
        rec.heard(&HeardRecord {
            at: now,
            coordinator: c,
            peer,
            renter,
            frame,
            task,
            attempt,
            success,
        });
    }

    /// Forgetting: a peer's reputation has faded across `exclude_below`,
    /// as foreseen at its update `version`: it is excluded, or may be
    /// picked again (and then takes what waits for a slot).
    #[inline(never)]
    fn reputation_crosses(&mut self, c: CoordinatorId, peer: PeerId, version: u32) {
        let now = self.now();
        match self
            .coordinators
            .get_mut::<M>(c)
            .reconsider(peer, version, now)
        {
            Crossing::Stale => self.stale += 1,
            Crossing::NotYet(again) => {
                self.stale += 1;
                self.schedule(again, Event::ReputationCrosses(c, peer, version));
            }
            Crossing::Crossed => self.dispatch_queued(c),
        }
    }

    /// `resolve` when copies, votes, cancels, wrong results or cost are
    /// on: an attempt whose task was decided without it, or a vote, is
    /// dealt with here (and this says `true`).
    #[inline(never)]
    fn resolve_aside<R: Recorder>(&mut self, key: AttemptKey, success: bool, rec: &mut R) -> bool {
        if self.redundant && !self.resolve_copy(key) {
            return true;
        }
        if success && self.quorum > 1 {
            self.vote(key, rec);
            return true;
        }
        false
    }

    /// `key`'s success completes `task` (copies, votes, cancels, wrong
    /// results or cost on): it is the accepted result; the other copies
    /// are not wanted; a wrong result makes its frame corrupt.
    #[inline(never)]
    fn accept<R: Recorder>(&mut self, key: AttemptKey, task: TaskId, rec: &mut R) {
        self.attempts[key.index()].accepted = true;
        if self.redundant {
            self.settle_copies(key, task, rec);
        }
        if self.attempts[key.index()].wrong {
            let frame = self.tasks[task.index()].frame;
            self.frames[frame.index()].corrupt = true;
        }
    }

    /// A task ends: completed on a peer of group `completed_by`, or failed.
    #[inline(always)]
    pub(super) fn end_task<R: Recorder>(
        &mut self,
        task: TaskId,
        completed_by: Option<usize>,
        rec: &mut R,
    ) {
        let now = self.now();
        let t = self.tasks.remove(task.index());
        let f = &mut self.frames[t.frame.index()];
        let completed = completed_by.is_some();
        self.tally.count::<M>(f.book, |c| {
            c.tasks_completed += u64::from(completed);
            c.tasks_failed += u64::from(!completed);
        });
        if let (Some(group), true) = (completed_by, f.book.counted) {
            self.latencies.task_by_group[group].record(now - t.created);
        }
        if rec.keeps_tasks() {
            rec.task(&task_record(&t, f, now, completed));
        }
        f.failed |= !completed;
        f.tasks_left -= 1;
        if f.tasks_left == 0 {
            if f.failed {
                let f = self.frames.remove(t.frame.index());
                self.end_frame(f, None, rec);
            } else if f.return_delay == SimTime::ZERO {
                let f = self.frames.remove(t.frame.index());
                self.end_frame(f, Some(now), rec);
            } else {
                let at = now + f.return_delay;
                self.schedule(at, Event::FrameReachesRenter(t.frame));
            }
        }
    }

    /// A frame ends: delivered at `delivered`, or failed.
    #[inline(always)]
    fn end_frame<R: Recorder>(&mut self, f: Frame, delivered: Option<SimTime>, rec: &mut R) {
        self.t_last = self.now();
        let status = match delivered {
            None => FrameStatus::Failed,
            Some(at) if at - f.created <= f.deadline => FrameStatus::OnTime,
            Some(_) => FrameStatus::Late,
        };
        self.tally.count::<M>(f.book, |c| match status {
            FrameStatus::OnTime => c.frames_on_time += 1,
            FrameStatus::Late => c.frames_late += 1,
            FrameStatus::Failed => c.frames_failed += 1,
        });
        if M::on(f.corrupt) && delivered.is_some() {
            let on_time = status == FrameStatus::OnTime;
            self.tally.count::<M>(f.book, |c| {
                c.frames_corrupt += 1;
                c.frames_on_time_corrupt += u64::from(on_time);
            });
        }
        if let (Some(at), true) = (delivered, f.book.counted) {
            self.latencies.frame.record(at - f.created);
            if M::on(!self.latencies.frame_by_coordinator.is_empty()) {
                self.latencies
                    .record_by_coordinator(f.book.coordinator, at - f.created);
            }
        }
        if !rec.keeps_frames() {
            return;
        }
        rec.frame(&FrameRecord {
            renter: f.renter.0,
            frame: f.index,
            created: f.created,
            delivered,
            deadline: f.deadline,
            status,
            counted: f.book.counted,
            corrupt: self.cfg.trust().then_some(f.corrupt),
        });
    }

    /// Forgets an attempt that nothing will refer to again, if that is so.
    #[inline(never)]
    pub(super) fn retire_if_settled<R: Recorder>(&mut self, key: AttemptKey, rec: &mut R) {
        if self.attempts[key.index()].settled() {
            if M::on(self.counts_waste || self.cost.is_some()) || rec.keeps_attempts() {
                self.retired(key, rec);
            } else {
                self.attempts.remove(key.index());
            }
        }
    }

    /// Attempt `key` is retired: its waste and cost are counted, and the
    /// recorder gets its record, if they want it.
    #[inline(never)]
    fn retired<R: Recorder>(&mut self, key: AttemptKey, rec: &mut R) {
        let a = self.attempts.remove(key.index());
        if self.counts_waste {
            self.tally
                .count::<M>(a.book, |c| c.wasted += super::copies::wasted(&a, None));
        }
        if let Some(cost) = self.cost.as_mut() {
            cost.retired(&a, None);
        }
        if rec.keeps_attempts() {
            self.record_attempt(key, &a, rec);
        }
    }

    /// Hands the recorder the record of attempt `a` (behind `key`).
    #[inline(never)]
    fn record_attempt<R: Recorder>(&self, key: AttemptKey, a: &Attempt, rec: &mut R) {
        let links = self.links.as_ref().map(|l| l.stays(key));
        rec.attempt(&a.record(self.churn.is_some(), links, self.cfg.trust()));
    }

    /// Closes the books at `end`: whatever is unfinished has failed.
    fn finish<R: Recorder>(mut self, end: SimTime, rec: &mut R) -> Report {
        self.close_churn(end);
        self.series
            .finish(end, &mut self.levels, &self.tally.all, rec);
        self.queue.advance_to(end);
        let counted = self.cfg.counted();
        for (slot, a) in self.attempts.iter() {
            if let (Some(started), None) = (a.started.get(), a.left.get()) {
                self.peers[a.peer.index()].add_busy(started, end, counted);
            }
            if self.counts_waste {
                self.tally
                    .count::<M>(a.book, |c| c.wasted += super::copies::wasted(a, Some(end)));
            }
            if let Some(cost) = self.cost.as_mut() {
                cost.retired(a, Some(end));
            }
            if rec.keeps_attempts() {
                let key = AttemptKey {
                    slot: slot as u32,
                    serial: a.serial,
                };
                self.record_attempt(key, a, rec);
            }
        }
        for t in self.tasks.drain() {
            let f = &mut self.frames[t.frame.index()];
            f.failed = true;
            self.tally.count::<M>(f.book, |c| c.tasks_failed += 1);
            if rec.keeps_tasks() {
                rec.task(&task_record(&t, f, end, false));
            }
        }
        let frames: Vec<Frame> = self.frames.drain().collect();
        for f in frames {
            self.end_frame(f, None, rec);
        }
        report::build(&Ending {
            cfg: &self.cfg,
            end,
            events: self.queue.popped() - self.stale,
            peers: &self.peers,
            odds: &self.odds,
            coordinators: &self.coordinators,
            counted: &self.tally.counted,
            by_coordinator: &self.tally.by_coordinator,
            latencies: &self.latencies,
            churn: self.churn.as_ref(),
            links: self.links.as_ref(),
            cost: self.cost.as_ref(),
            on_time: self.tally.all.frames_on_time,
        })
    }
}

/// Peer `p` takes attempt `a` into a free slot at `now`; returns when it
/// will have processed it.
#[inline(always)]
fn begin_processing(
    a: &mut Attempt,
    p: &mut Peer,
    now: SimTime,
    draws: &Draws,
    seed: u64,
) -> SimTime {
    a.started = Moment::at(now);
    p.running += 1;
    now + if p.takes_work {
        a.work
    } else {
        processing_time(a, p, draws, seed)
    }
}

/// How long `a` takes on `p`, whose speed or slowdown is not 1; out of
/// line, so that the common case stays small.
#[inline(never)]
fn processing_time(a: &Attempt, p: &Peer, draws: &Draws, seed: u64) -> SimTime {
    p.processing_time(a.work, draws.slowdown(p.group(), || a.luck(seed)))
}

fn task_record(t: &Task, f: &Frame, ended: SimTime, completed: bool) -> TaskRecord {
    TaskRecord {
        renter: f.renter.0,
        frame: f.index,
        task: t.index,
        created: t.created,
        ended,
        completed,
        attempts: t.attempts,
        counted: f.book.counted,
    }
}
