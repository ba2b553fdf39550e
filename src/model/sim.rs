//! One run of the model: the entities, the closed set of events and the one
//! `match` that gives each event its consequences.

use rand::RngExt;
use rand_distr::{Distribution, Exp};
use slab::Slab;

use super::config::{Arrival, Config, FailureMode};
use super::coordinator::{Coordinator, Pick};
use super::peer::Peer;
use super::policy::Standing;
use super::record::*;
use super::stats::{Counters, LatencyBucket, LatencyCounter, PeerReport, Report, Summary};
use super::{InitialReputation, Millis, PeerId, RenterId, Reputation};
use crate::engine::{stream, EventQueue, SimTime, Stream};

/// Stream families: one stream per renter, per peer, and the coordinator's.
const RENTER_STREAMS: u32 = 1;
const PEER_STREAMS: u32 = 2;
const COORDINATOR_STREAM: u32 = 3;

/// How many events pass between two progress reports.
const PROGRESS_EVERY: u64 = 1 << 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TaskId(u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FrameId(u32);

/// An attempt's slot and serial: the serial tells a stale event (for an
/// attempt whose slot was reused) from a live one. It wraps at 2^32, which
/// would need four billion attempts within one timeout to collide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttemptKey {
    slot: u32,
    serial: u32,
}

#[derive(Clone, Copy, Debug)]
enum Event {
    /// A renter creates its next frame.
    FrameDue(RenterId),
    /// A task's backoff has passed: it may be placed again.
    TaskReady(TaskId),
    AttemptReachesPeer(AttemptKey),
    AttemptProcessed(AttemptKey),
    ReplyReachesCoordinator(AttemptKey),
    AttemptTimeout(AttemptKey),
    FrameReachesRenter(FrameId),
    Sample,
}

struct Renter {
    rng: Stream,
    frames_made: u64,
    /// Periodic arrivals: time of frame 0, in ns.
    phase_ns: f64,
}

/// The durations drawn per frame, task, attempt or message, ready to draw.
struct Draws {
    work: Millis,
    deadline: Millis,
    return_delay: Millis,
    timeout: Millis,
    backoff: Millis,
    /// Latency jitter, by peer group.
    jitter: Vec<Millis>,
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
        }
    }
}

/// Gaps between Poisson arrivals, in seconds.
fn poisson_gaps(fps: f64) -> Exp<f64> {
    Exp::new(fps).expect("fps is validated positive")
}

struct Frame {
    renter: RenterId,
    index: u64,
    created: SimTime,
    deadline: SimTime,
    return_delay: SimTime,
    tasks_left: u32,
    failed: bool,
    counted: bool,
}

struct Task {
    frame: FrameId,
    index: u32,
    work: SimTime,
    created: SimTime,
    attempts: u32,
    failed_peers: Vec<PeerId>,
}

struct Attempt {
    serial: u32,
    task: TaskId,
    peer: PeerId,
    number: u32,
    work: SimTime,
    renter: RenterId,
    frame_index: u64,
    task_index: u32,
    counted: bool,
    dispatched: SimTime,
    reached: Option<SimTime>,
    started: Option<SimTime>,
    processed: Option<SimTime>,
    resolved: Option<SimTime>,
    outcome: AttemptOutcome,
    timed_out: bool,
    reply_pending: bool,
}

/// A run in progress. Build it with [`Simulation::new`], then [`run`] it.
///
/// [`run`]: Simulation::run
pub struct Simulation {
    cfg: Config,
    queue: EventQueue<Event>,
    renters: Vec<Renter>,
    /// Poisson arrivals: the distribution of the gaps, built once.
    gaps: Exp<f64>,
    draws: Draws,
    peers: Vec<Peer>,
    /// Each peer's own stream, by peer.
    peer_streams: Vec<Stream>,
    coordinator: Coordinator,
    frames: Slab<Frame>,
    tasks: Slab<Task>,
    attempts: Slab<Attempt>,
    next_serial: u32,
    counters: Counters,
    frame_latency: LatencyCounter,
    /// Task latency by the group of the peer that completed the task (all
    /// groups together at the end).
    task_latency_by_group: Vec<LatencyCounter>,
    /// Time-series state, over all frames.
    waiting_at_peers: u64,
    running: u64,
    frames_delivered: u64,
    frames_on_time: u64,
    all_attempts: u64,
    all_failovers: u64,
    all_timeouts: u64,
    last_sample: Option<SimTime>,
}

impl Simulation {
    pub fn new(cfg: &Config) -> Simulation {
        let cfg = cfg.clone();
        let mut peers = Vec::new();
        let mut peer_streams = Vec::new();
        for (g, group) in cfg.peer_groups.iter().enumerate() {
            for _ in 0..group.count {
                let mut rng = stream(cfg.seed, PEER_STREAMS, peers.len() as u32);
                peers.push(Peer::new(g, group, &mut rng));
                peer_streams.push(rng);
            }
        }
        let standings = peers
            .iter()
            .map(|p| Standing {
                slots: p.slots,
                speed: p.speed,
                latency_ms: p.latency.as_ms(),
                assigned: 0,
                reputation: Reputation::new(match cfg.reputation.initial {
                    InitialReputation::Value(v) => v,
                    InitialReputation::Reliability => p.reliability,
                }),
            })
            .collect();
        let coordinator = Coordinator::new(
            &cfg.coordinator,
            &cfg.reputation,
            standings,
            stream(cfg.seed, COORDINATOR_STREAM, 0),
        );
        let task_latency_by_group = vec![LatencyCounter::default(); cfg.peer_groups.len()];
        let mut queue = EventQueue::new();
        let period_ns = 1e9 / cfg.workload.fps;
        let gaps = poisson_gaps(cfg.workload.fps);
        let renters = (0..cfg.workload.renters)
            .map(|r| {
                let mut rng = stream(cfg.seed, RENTER_STREAMS, r);
                let (phase_ns, first) = match cfg.workload.arrival {
                    Arrival::Periodic => {
                        let phase = rng.random::<f64>() * period_ns;
                        (phase, SimTime::from_nanos(phase as u64))
                    }
                    Arrival::Poisson => (0.0, SimTime::from_secs(gaps.sample(&mut rng))),
                };
                if first < cfg.duration {
                    queue.schedule(first, Event::FrameDue(RenterId(r)));
                }
                Renter {
                    rng,
                    frames_made: 0,
                    phase_ns,
                }
            })
            .collect();
        queue.schedule(SimTime::ZERO, Event::Sample);
        let draws = Draws::new(&cfg);
        Simulation {
            cfg,
            queue,
            renters,
            gaps,
            draws,
            peers,
            peer_streams,
            coordinator,
            frames: Slab::new(),
            tasks: Slab::new(),
            attempts: Slab::new(),
            next_serial: 0,
            counters: Counters::default(),
            frame_latency: LatencyCounter::default(),
            task_latency_by_group,
            waiting_at_peers: 0,
            running: 0,
            frames_delivered: 0,
            frames_on_time: 0,
            all_attempts: 0,
            all_failovers: 0,
            all_timeouts: 0,
            last_sample: None,
        }
    }

    /// Runs to the end and reports.
    pub fn run<R: Recorder>(self, recorder: &mut R) -> Report {
        self.run_with_progress(recorder, |_| {})
    }

    /// Runs to the end, calling `progress` with the virtual time now and
    /// then (every 65,536 events).
    pub fn run_with_progress<R: Recorder>(
        mut self,
        recorder: &mut R,
        mut progress: impl FnMut(SimTime),
    ) -> Report {
        let horizon = self.cfg.horizon();
        while let Some(event) = self.queue.pop_until(horizon) {
            self.handle(event, recorder);
            if self.queue.popped() % PROGRESS_EVERY == 0 {
                progress(self.queue.now());
            }
            if self.drained() {
                break;
            }
        }
        self.finish(recorder)
    }

    fn handle<R: Recorder>(&mut self, event: Event, rec: &mut R) {
        match event {
            Event::FrameDue(renter) => self.make_frame(renter),
            Event::TaskReady(task) => self.submit(task),
            Event::AttemptReachesPeer(key) => self.reach_peer(key),
            Event::AttemptProcessed(key) => self.processed(key, rec),
            Event::ReplyReachesCoordinator(key) => self.reply(key, rec),
            Event::AttemptTimeout(key) => self.timeout(key, rec),
            Event::FrameReachesRenter(frame) => {
                let f = self.frames.remove(frame.0 as usize);
                self.end_frame(f, Some(self.queue.now()), rec);
            }
            Event::Sample => self.sample(rec),
        }
    }

    /// No frame will be made and none is in progress: whatever is left in
    /// the queue (stale timeouts, samples) cannot change the results.
    fn drained(&self) -> bool {
        self.now() >= self.cfg.duration && self.frames.is_empty() && self.attempts.is_empty()
    }

    fn now(&self) -> SimTime {
        self.queue.now()
    }

    fn make_frame(&mut self, r: RenterId) {
        let now = self.now();
        let workload = &self.cfg.workload;
        let renter = &mut self.renters[r.0 as usize];
        let deadline = self.draws.deadline.sample(&mut renter.rng);
        let return_delay = self.draws.return_delay.sample(&mut renter.rng);
        let index = renter.frames_made;
        renter.frames_made += 1;
        let next = match workload.arrival {
            Arrival::Periodic => SimTime::from_nanos(
                (renter.phase_ns + (index + 1) as f64 * 1e9 / workload.fps) as u64,
            ),
            Arrival::Poisson => now + SimTime::from_secs(self.gaps.sample(&mut renter.rng)),
        };
        if next < self.cfg.duration {
            self.queue.schedule(next, Event::FrameDue(r));
        }
        let counted = now >= self.cfg.warmup;
        let tasks = workload.tasks_per_frame;
        let frame = FrameId(self.frames.insert(Frame {
            renter: r,
            index,
            created: now,
            deadline,
            return_delay,
            tasks_left: tasks,
            failed: false,
            counted,
        }) as u32);
        if counted {
            self.counters.frames += 1;
            self.counters.tasks += u64::from(tasks);
        }
        for index in 0..tasks {
            let rng = &mut self.renters[r.0 as usize].rng;
            let work = self.draws.work.sample(rng);
            let task = TaskId(self.tasks.insert(Task {
                frame,
                index,
                work,
                created: now,
                attempts: 0,
                failed_peers: Vec::new(),
            }) as u32);
            self.submit(task);
        }
    }

    /// Places a new or retried task: on a peer at once with per-peer
    /// queues, else through the central queue.
    fn submit(&mut self, task: TaskId) {
        if self.coordinator.is_central() {
            if self.coordinator.queued() == 0 {
                // Nothing waits ahead of it: place it now, or queue it.
                match self.pick_for(task) {
                    Pick::Peer(peer) => return self.dispatch(task, peer),
                    Pick::Blocked => return self.coordinator.parked.push(task),
                    Pick::NoSlot => {}
                }
            }
            let t = &self.tasks[task.0 as usize];
            let f = &self.frames[t.frame.0 as usize];
            self.coordinator.queue.push(task, f.created + f.deadline);
            self.dispatch_queued();
        } else {
            let t = &self.tasks[task.0 as usize];
            match self.coordinator.pick(&t.failed_peers, t.work) {
                Pick::Peer(peer) => self.dispatch(task, peer),
                // Not reached: with per-peer queues some peer is always eligible.
                Pick::NoSlot | Pick::Blocked => self.coordinator.parked.push(task),
            }
        }
    }

    /// Central queue: hands waiting tasks to free slots, parked retries
    /// first, until no eligible slot is left.
    #[inline(always)]
    fn dispatch_queued(&mut self) {
        // Mostly nothing waits: decide that without a call.
        if self.coordinator.queued() > 0 {
            self.dispatch_waiting();
        }
    }

    fn dispatch_waiting(&mut self) {
        let mut i = 0;
        while i < self.coordinator.parked.len() {
            let task = self.coordinator.parked[i];
            match self.pick_for(task) {
                Pick::Peer(peer) => {
                    self.coordinator.parked.remove(i);
                    self.dispatch(task, peer);
                }
                Pick::NoSlot => return,
                Pick::Blocked => i += 1,
            }
        }
        while let Some(task) = self.coordinator.queue.peek() {
            match self.pick_for(task) {
                Pick::Peer(peer) => {
                    self.coordinator.queue.pop();
                    self.dispatch(task, peer);
                }
                Pick::NoSlot => return,
                Pick::Blocked => {
                    self.coordinator.queue.pop();
                    self.coordinator.parked.push(task);
                }
            }
        }
    }

    fn pick_for(&mut self, task: TaskId) -> Pick {
        let t = &self.tasks[task.0 as usize];
        self.coordinator.pick(&t.failed_peers, t.work)
    }

    /// Sends an attempt of `task` to `peer` and arms its timeout.
    #[inline(always)]
    fn dispatch(&mut self, task: TaskId, peer: PeerId) {
        let now = self.now();
        let t = &mut self.tasks[task.0 as usize];
        t.attempts += 1;
        self.all_attempts += 1;
        self.all_failovers += u64::from(t.attempts > 1);
        let f = &self.frames[t.frame.0 as usize];
        if f.counted {
            self.counters.attempts += 1;
            if t.attempts > 1 {
                self.counters.failovers += 1;
            }
        }
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
            counted: f.counted,
            dispatched: now,
            reached: None,
            started: None,
            processed: None,
            resolved: None,
            outcome: AttemptOutcome::Unfinished,
            timed_out: false,
            reply_pending: false,
        });
        let key = AttemptKey {
            slot: slot as u32,
            serial,
        };
        self.coordinator.assign(peer);
        let fires = now + self.draws.timeout.sample(&mut self.coordinator.rng);
        // A timeout after the end of the run can never fire: not scheduling
        // it keeps the queue (and memory) from growing with the run.
        if fires <= self.cfg.horizon() {
            self.queue.schedule(fires, Event::AttemptTimeout(key));
        }
        let p = &mut self.peers[peer.index()];
        let delay = p.message_delay(
            &self.draws.jitter[p.group],
            &mut self.peer_streams[peer.index()],
        );
        if delay == SimTime::ZERO {
            self.reach_peer(key);
        } else {
            self.queue
                .schedule(now + delay, Event::AttemptReachesPeer(key));
        }
    }

    /// The live attempt behind `key`, if the key is not stale.
    fn attempt(&mut self, key: AttemptKey) -> Option<&mut Attempt> {
        self.attempts
            .get_mut(key.slot as usize)
            .filter(|a| a.serial == key.serial)
    }

    #[inline(always)]
    fn reach_peer(&mut self, key: AttemptKey) {
        let now = self.now();
        let a = &mut self.attempts[key.slot as usize];
        a.reached = Some(now);
        let p = &mut self.peers[a.peer.index()];
        if p.running < p.slots {
            let done = begin_processing(a, p, now);
            self.running += 1;
            self.queue.schedule(done, Event::AttemptProcessed(key));
        } else {
            p.waiting.push_back(key);
            self.waiting_at_peers += 1;
        }
    }

    fn start(&mut self, key: AttemptKey) {
        let now = self.now();
        let a = &mut self.attempts[key.slot as usize];
        let done = begin_processing(a, &mut self.peers[a.peer.index()], now);
        self.running += 1;
        self.queue.schedule(done, Event::AttemptProcessed(key));
    }

    /// The peer finished processing: it frees the slot, takes the next
    /// attempt from its queue and replies (unless it fails silently).
    fn processed<R: Recorder>(&mut self, key: AttemptKey, rec: &mut R) {
        let now = self.now();
        let a = &mut self.attempts[key.slot as usize];
        a.processed = Some(now);
        let p = &mut self.peers[a.peer.index()];
        p.running -= 1;
        self.running -= 1;
        p.busy += now - a.started.expect("processed after start");
        let rng = &mut self.peer_streams[a.peer.index()];
        let success = p.succeeds(rng);
        a.outcome = match (success, p.failure) {
            (true, _) => AttemptOutcome::Success,
            (false, FailureMode::Error) => AttemptOutcome::Error,
            (false, FailureMode::Silent) => AttemptOutcome::Silent,
        };
        let reply_delay = (a.outcome != AttemptOutcome::Silent)
            .then(|| p.message_delay(&self.draws.jitter[p.group], rng));
        a.reply_pending = reply_delay.is_some();
        let settled = a.resolved.is_some() && !a.reply_pending;
        // The peer takes its next attempt before its reply can bring it more.
        if let Some(next) = p.waiting.pop_front() {
            self.waiting_at_peers -= 1;
            self.start(next);
        }
        match reply_delay {
            Some(SimTime::ZERO) => self.reply(key, rec),
            Some(delay) => self
                .queue
                .schedule(now + delay, Event::ReplyReachesCoordinator(key)),
            None if settled => self.retire(key, rec),
            None => {}
        }
    }

    fn reply<R: Recorder>(&mut self, key: AttemptKey, rec: &mut R) {
        let now = self.now();
        let a = &mut self.attempts[key.slot as usize];
        a.reply_pending = false;
        if a.resolved.is_some() {
            // Late: the timeout already counted it as failed.
            self.retire(key, rec);
            return;
        }
        a.resolved = Some(now);
        let success = a.outcome == AttemptOutcome::Success;
        self.resolve(key, success, rec);
        self.retire(key, rec);
    }

    fn timeout<R: Recorder>(&mut self, key: AttemptKey, rec: &mut R) {
        let now = self.now();
        let Some(a) = self.attempt(key) else { return };
        if a.resolved.is_some() {
            return;
        }
        a.resolved = Some(now);
        a.timed_out = true;
        let (counted, settled) = (a.counted, a.processed.is_some() && !a.reply_pending);
        self.all_timeouts += 1;
        if counted {
            self.counters.timeouts += 1;
        }
        self.resolve(key, false, rec);
        if settled {
            self.retire(key, rec);
        }
    }

    /// The coordinator learns an attempt's outcome: it updates what it
    /// knows of the peer, then completes, retries or fails the task.
    fn resolve<R: Recorder>(&mut self, key: AttemptKey, success: bool, rec: &mut R) {
        let a = &self.attempts[key.slot as usize];
        let (task, peer) = (a.task, a.peer);
        self.coordinator.release(peer, success);
        let p = &mut self.peers[peer.index()];
        p.attempts += 1;
        if success {
            p.successes += 1;
            let group = p.group;
            self.end_task(task, Some(group), rec);
        } else {
            p.failures += 1;
            let t = &mut self.tasks[task.0 as usize];
            t.failed_peers.push(peer);
            if t.attempts < self.cfg.coordinator.max_attempts {
                let backoff = self.draws.backoff.sample(&mut self.coordinator.rng);
                if backoff == SimTime::ZERO {
                    self.submit(task);
                } else {
                    self.queue
                        .schedule(self.now() + backoff, Event::TaskReady(task));
                }
            } else {
                self.end_task(task, None, rec);
            }
        }
        if self.coordinator.is_central() {
            self.dispatch_queued();
        }
    }

    /// A task ends: completed on a peer of group `completed_by`, or failed.
    #[inline(always)]
    fn end_task<R: Recorder>(&mut self, task: TaskId, completed_by: Option<usize>, rec: &mut R) {
        let now = self.now();
        let t = self.tasks.remove(task.0 as usize);
        let f = &mut self.frames[t.frame.0 as usize];
        let completed = completed_by.is_some();
        if f.counted {
            if let Some(group) = completed_by {
                self.counters.tasks_completed += 1;
                self.task_latency_by_group[group].record(now - t.created);
            } else {
                self.counters.tasks_failed += 1;
            }
        }
        if rec.keeps_tasks() {
            rec.task(&task_record(&t, f, now, completed));
        }
        f.failed |= !completed;
        f.tasks_left -= 1;
        if f.tasks_left == 0 {
            if f.failed {
                let f = self.frames.remove(t.frame.0 as usize);
                self.end_frame(f, None, rec);
            } else if f.return_delay == SimTime::ZERO {
                let f = self.frames.remove(t.frame.0 as usize);
                self.end_frame(f, Some(now), rec);
            } else {
                let at = now + f.return_delay;
                self.queue.schedule(at, Event::FrameReachesRenter(t.frame));
            }
        }
    }

    #[inline(always)]
    fn end_frame<R: Recorder>(&mut self, f: Frame, delivered: Option<SimTime>, rec: &mut R) {
        let status = match delivered {
            None => FrameStatus::Failed,
            Some(at) if at - f.created <= f.deadline => FrameStatus::OnTime,
            Some(_) => FrameStatus::Late,
        };
        if delivered.is_some() {
            self.frames_delivered += 1;
            self.frames_on_time += u64::from(status == FrameStatus::OnTime);
        }
        if f.counted {
            match status {
                FrameStatus::OnTime => self.counters.frames_on_time += 1,
                FrameStatus::Late => self.counters.frames_late += 1,
                FrameStatus::Failed => self.counters.frames_failed += 1,
            }
            if let Some(at) = delivered {
                self.frame_latency.record(at - f.created);
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
            counted: f.counted,
        });
    }

    /// Forgets an attempt that nothing will refer to again.
    fn retire<R: Recorder>(&mut self, key: AttemptKey, rec: &mut R) {
        let a = self.attempts.remove(key.slot as usize);
        if rec.keeps_attempts() {
            rec.attempt(&attempt_record(&a));
        }
    }

    fn sample<R: Recorder>(&mut self, rec: &mut R) {
        self.record_sample(rec);
        let next = self.now() + self.cfg.sample_every;
        if !self.drained() && next <= self.cfg.horizon() {
            self.queue.schedule(next, Event::Sample);
        }
    }

    fn record_sample<R: Recorder>(&mut self, rec: &mut R) {
        let now = self.now();
        self.last_sample = Some(now);
        rec.sample(&Sample {
            t: now,
            queued: self.coordinator.queued() as u64 + self.waiting_at_peers,
            in_flight: self.coordinator.in_flight,
            busy_slots: self.running,
            online_peers: self.peers.len() as u64,
            frames_delivered: self.frames_delivered,
            frames_on_time: self.frames_on_time,
            attempts: self.all_attempts,
            failovers: self.all_failovers,
            timeouts: self.all_timeouts,
        });
    }

    /// Closes the books: whatever is unfinished at the end has failed.
    fn finish<R: Recorder>(mut self, rec: &mut R) -> Report {
        let now = self.now();
        for (_, a) in &self.attempts {
            if let (Some(started), None) = (a.started, a.processed) {
                self.peers[a.peer.index()].busy += now - started;
            }
            if rec.keeps_attempts() {
                rec.attempt(&attempt_record(a));
            }
        }
        for t in self.tasks.drain() {
            let f = &mut self.frames[t.frame.0 as usize];
            f.failed = true;
            if f.counted {
                self.counters.tasks_failed += 1;
            }
            if rec.keeps_tasks() {
                rec.task(&task_record(&t, f, now, false));
            }
        }
        let frames: Vec<Frame> = self.frames.drain().collect();
        for f in frames {
            self.end_frame(f, None, rec);
        }
        // The time series closes with the state at the end of the run.
        if self.last_sample != Some(now) {
            self.record_sample(rec);
        }
        self.report()
    }

    fn report(&self) -> Report {
        let sim_ns = self.now().as_nanos() as f64;
        let slots: u64 = self.peers.iter().map(|p| u64::from(p.slots)).sum();
        let busy_ns: u64 = self.peers.iter().map(|p| p.busy.as_nanos()).sum();
        let share = |busy: f64, slots: f64| {
            if sim_ns > 0.0 {
                busy / (slots * sim_ns)
            } else {
                0.0
            }
        };
        let c = &self.counters;
        let mut tl = LatencyCounter::default();
        for group in &self.task_latency_by_group {
            tl.merge(group);
        }
        let tl = tl.stats();
        let fl = self.frame_latency.stats();
        let summary = Summary {
            scenario: self.cfg.name.clone(),
            seed: self.cfg.seed,
            frames: c.frames,
            frames_on_time: c.frames_on_time,
            frames_late: c.frames_late,
            frames_failed: c.frames_failed,
            deadline_hit_rate: (c.frames > 0).then(|| c.frames_on_time as f64 / c.frames as f64),
            frame_latency_mean_ms: fl.mean_ms(),
            frame_latency_p50_ms: fl.quantile_ms(0.50),
            frame_latency_p95_ms: fl.quantile_ms(0.95),
            frame_latency_p99_ms: fl.quantile_ms(0.99),
            frame_latency_max_ms: fl.max_ms(),
            tasks: c.tasks,
            tasks_completed: c.tasks_completed,
            tasks_failed: c.tasks_failed,
            task_latency_mean_ms: tl.mean_ms(),
            task_latency_p50_ms: tl.quantile_ms(0.50),
            task_latency_p95_ms: tl.quantile_ms(0.95),
            task_latency_p99_ms: tl.quantile_ms(0.99),
            attempts: c.attempts,
            failovers: c.failovers,
            timeouts: c.timeouts,
            utilization: share(busy_ns as f64, slots as f64),
            sim_time_s: self.now().as_secs(),
            events: self.queue.popped(),
            renters: self.cfg.workload.renters,
            peers: self.peers.len() as u64,
            slots,
            task_latency_max_ms: tl.max_ms(),
            deadline_mean_ms: self.cfg.workload.deadline_ms.mean(),
            deadline_constant: self.cfg.workload.deadline_ms.is_constant(),
            warmup_s: self.cfg.warmup.as_secs(),
            duration_s: self.cfg.duration.as_secs(),
        };
        let peers = self
            .peers
            .iter()
            .zip(&self.coordinator.standings)
            .enumerate()
            .map(|(i, (p, s))| PeerReport {
                peer: i as u32,
                group: self.cfg.peer_groups[p.group].name.clone(),
                slots: p.slots,
                speed: p.speed,
                latency_ms: p.latency.as_ms(),
                reliability: p.reliability,
                attempts: p.attempts,
                successes: p.successes,
                failures: p.failures,
                busy_ms: p.busy.as_ms(),
                utilization: share(p.busy.as_nanos() as f64, f64::from(p.slots)),
                reputation: s.reputation.value(),
            })
            .collect();
        let bucket = |series, group: &str, (lower_ms, upper_ms, count)| LatencyBucket {
            series,
            group: group.to_string(),
            lower_ms,
            upper_ms,
            count,
        };
        let mut latency: Vec<LatencyBucket> = fl
            .buckets()
            .into_iter()
            .map(|b| bucket("frame", "", b))
            .collect();
        for (counter, group) in self.task_latency_by_group.iter().zip(&self.cfg.peer_groups) {
            latency.extend(
                counter
                    .stats()
                    .buckets()
                    .into_iter()
                    .map(|b| bucket("task", &group.name, b)),
            );
        }
        Report {
            summary,
            peers,
            latency,
        }
    }
}

/// Peer `p` takes attempt `a` into a free slot at `now`; returns when it
/// will have processed it.
fn begin_processing(a: &mut Attempt, p: &mut Peer, now: SimTime) -> SimTime {
    a.started = Some(now);
    p.running += 1;
    now + p.processing_time(a.work)
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
        counted: f.counted,
    }
}

fn attempt_record(a: &Attempt) -> AttemptRecord {
    AttemptRecord {
        renter: a.renter.0,
        frame: a.frame_index,
        task: a.task_index,
        attempt: a.number,
        peer: a.peer,
        dispatched: a.dispatched,
        reached: a.reached,
        started: a.started,
        processed: a.processed,
        resolved: a.resolved,
        outcome: a.outcome,
        timed_out: a.timed_out,
        counted: a.counted,
    }
}
