//! Several coordinators and what they know (docs/model.md, "Several
//! coordinators"): under a view of heartbeats, every peer reports its load
//! (attempts queued and running there, from every coordinator) every
//! `heartbeat_ms`, and each coordinator sees a peer's load through its last
//! report (`board`), or through it plus its own dispatches and replies since
//! (`heartbeat`). The reports travel the peer's base latency. With the
//! `own` view, nothing here runs: no heartbeat is simulated.

use rand::RngExt;

use super::config::{HeartbeatPhase, View};
use super::mechanisms::Mechanisms;
use super::sim::{Event, Simulation};
use super::{CoordinatorId, PeerId};
use crate::engine::{stream, SimTime};

/// The stream family of the heartbeats' phases.
pub const VIEW_STREAMS: u32 = 7;

impl<M: Mechanisms> Simulation<M> {
    /// Under a view of heartbeats, schedules each peer's first heartbeat:
    /// at `heartbeat_ms` for all (`sync`), or at a phase drawn uniformly in
    /// `(0, heartbeat_ms]` for each (`random`). Before it, every view says
    /// 0, which is then true.
    pub(super) fn start_heartbeats(&mut self) {
        if self.cfg.coordinator.view == View::Own {
            return;
        }
        let period = self.heartbeat_period();
        let mut rng = stream(self.cfg.seed, VIEW_STREAMS, 0);
        for peer in 0..self.peers.len() as u32 {
            let first = match self.cfg.coordinator.heartbeat_phase {
                HeartbeatPhase::Sync => period,
                HeartbeatPhase::Random => {
                    let u = 1.0 - rng.random::<f64>();
                    SimTime::from_nanos(((period.as_nanos() as f64 * u) as u64).max(1))
                }
            };
            self.schedule(first, Event::HeartbeatSent(PeerId(peer)));
        }
    }

    fn heartbeat_period(&self) -> SimTime {
        SimTime::from_ms(self.cfg.coordinator.heartbeat_ms).max(SimTime::from_nanos(1))
    }

    /// `peer` sends a heartbeat, if it is online: its load now, to every
    /// coordinator, arriving after its base latency. The next follows one
    /// period later.
    #[inline(never)]
    pub(super) fn heartbeat_sent(&mut self, peer: PeerId) {
        let now = self.now();
        let p = &self.peers[peer.index()];
        if p.online {
            let load = p.running + p.waiting.len() as u32;
            if p.latency == SimTime::ZERO {
                self.heartbeat_arrives(peer, load);
            } else {
                let at = now + p.latency;
                self.schedule(at, Event::HeartbeatArrives(peer, load));
            }
        }
        let next = now + self.heartbeat_period();
        self.schedule(next, Event::HeartbeatSent(peer));
    }

    /// A heartbeat of `peer`, reporting `load`, reaches the coordinators:
    /// each updates its view, and one whose view now shows a free slot
    /// there hands it what waits (central queue).
    #[inline(never)]
    pub(super) fn heartbeat_arrives(&mut self, peer: PeerId, load: u32) {
        for c in (0..self.coordinators.len()).map(|c| CoordinatorId(c as u16)) {
            let coordinator = self.coordinators.get_mut::<M>(c);
            if coordinator.heartbeat(peer, load) && coordinator.is_central() {
                self.dispatch_queued(c);
            }
        }
    }
}
