//! Scheduling policies: given the peers that may take a task, pick one.
//! Each policy is a small rule over what the coordinator knows of a peer
//! (its [`Standing`]); ties are broken at random from the coordinator's
//! stream so that no peer is favoured by its position in the list.

use rand::{Rng, RngExt};

use super::config::{Policy, ScoreWeights};
use super::reputation::Rule;
use super::{PeerId, Reputation};
use crate::engine::SimTime;

/// What the coordinator knows of a peer, beside its load: its advertised
/// properties and what it has heard. 64 bytes, one cache line.
#[derive(Clone, Debug)]
#[repr(align(64))]
pub struct Standing {
    pub speed: f64,
    pub latency_ms: f64,
    /// The work (at speed 1) of this coordinator's own attempts there not
    /// heard back from, whatever the view; kept only under
    /// `earliest_finish`, the one policy that reads it (else zero).
    pub backlog: SimTime,
    pub reputation: Reputation,
}

/// A peer's load as the coordinator sees it, apart from the rest of its
/// standing: power_of_d reads two at random for every task, and 8 bytes a
/// peer (800 kB for 100,000) mostly stay in cache where 64 would not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Load {
    pub slots: u32,
    /// Under `own`, the attempts the coordinator dispatched whose reply
    /// has not arrived and whose timeout has not fired; under `heartbeat`
    /// and `board`, what the peer's reports say (views.rs).
    pub assigned: u32,
}

impl Load {
    fn ratio(&self) -> f64 {
        f64::from(self.assigned) / f64::from(self.slots)
    }
}

/// What a coordinator knows of every peer, indexed by peer: two arrays.
#[derive(Clone, Debug, Default)]
pub struct Standings {
    pub loads: Vec<Load>,
    pub rest: Vec<Standing>,
}

impl Standings {
    pub fn len(&self) -> usize {
        self.loads.len()
    }

    pub fn is_empty(&self) -> bool {
        self.loads.is_empty()
    }
}

impl FromIterator<(Load, Standing)> for Standings {
    fn from_iter<I: IntoIterator<Item = (Load, Standing)>>(iter: I) -> Self {
        let (loads, rest) = iter.into_iter().unzip();
        Standings { loads, rest }
    }
}

/// A policy with the little state it keeps between choices.
#[derive(Clone, Debug)]
pub struct Selector {
    policy: Policy,
    d: usize,
    weights: ScoreWeights,
    /// How reputations are read (they may fade between updates).
    rule: Rule,
    /// round_robin: the next peer id to consider.
    cursor: u32,
    /// power_of_d: the sampled positions, reused between choices.
    sample: Vec<usize>,
}

impl Selector {
    pub fn new(policy: Policy, d: u32, weights: ScoreWeights, rule: Rule) -> Self {
        Selector {
            policy,
            d: d.max(1) as usize,
            weights,
            rule,
            cursor: 0,
            sample: Vec::new(),
        }
    }

    /// Picks one of `candidates` (non-empty, in increasing id order) for a
    /// task of `work` at speed 1, at `now`.
    #[inline(always)]
    pub fn choose<R: Rng + ?Sized>(
        &mut self,
        standings: &Standings,
        candidates: &[PeerId],
        work: SimTime,
        now: SimTime,
        rng: &mut R,
    ) -> PeerId {
        self.choose_except(standings, candidates, &[], work, now, rng)
    }

    /// Whether the policy reads the peers' backlogs (else they need not be
    /// kept).
    #[inline(always)]
    pub fn reads_backlog(&self) -> bool {
        self.policy == Policy::EarliestFinish
    }

    /// Whether the policy ignores the order of its candidates, and so can
    /// draw from any set of them, skipping `except` by rejection.
    pub fn order_free(&self) -> bool {
        matches!(self.policy, Policy::Random | Policy::PowerOfD)
    }

    /// Like [`choose`](Selector::choose), leaving out the peers in `except`.
    /// Only an order-free policy may be given a non-empty `except`, and then
    /// at least `d` candidates must be outside it: they are found by
    /// drawing again, which is cheap while `except` is a small part of
    /// `candidates` (the coordinator makes sure it is).
    #[inline(always)]
    pub fn choose_except<R: Rng + ?Sized>(
        &mut self,
        standings: &Standings,
        candidates: &[PeerId],
        except: &[PeerId],
        work: SimTime,
        now: SimTime,
        rng: &mut R,
    ) -> PeerId {
        debug_assert!(except.is_empty() || self.order_free());
        debug_assert!(!candidates.is_empty());
        let of = |p: PeerId| &standings.rest[p.index()];
        let load = |p: PeerId| standings.loads[p.index()].ratio();
        let reputation = |s: &Standing| s.reputation.value_at(now, self.rule);
        match self.policy {
            Policy::Random => loop {
                let peer = candidates[rng.random_range(0..candidates.len())];
                if !except.contains(&peer) {
                    return peer;
                }
            },
            Policy::RoundRobin => {
                let at = candidates.partition_point(|p| p.0 < self.cursor);
                let chosen = candidates.get(at).copied().unwrap_or(candidates[0]);
                self.cursor = chosen.0 + 1;
                chosen
            }
            Policy::LeastLoaded => lowest(candidates.iter().copied(), load, rng),
            Policy::PowerOfD => {
                if self.d >= candidates.len() {
                    let all = candidates.iter().copied().filter(|p| !except.contains(p));
                    return lowest(all, load, rng);
                }
                if self.d == 2 && except.is_empty() {
                    // The usual case, drawn exactly as below but without
                    // the bookkeeping of a sample of any size.
                    let i = rng.random_range(0..candidates.len());
                    let j = loop {
                        let j = rng.random_range(0..candidates.len());
                        if j != i {
                            break j;
                        }
                    };
                    return lowest([candidates[i], candidates[j]].into_iter(), load, rng);
                }
                self.sample.clear();
                while self.sample.len() < self.d {
                    let i = rng.random_range(0..candidates.len());
                    if !self.sample.contains(&i) && !except.contains(&candidates[i]) {
                        self.sample.push(i);
                    }
                }
                lowest(self.sample.iter().map(|&i| candidates[i]), load, rng)
            }
            Policy::LowestLatency => lowest(candidates.iter().copied(), |p| of(p).latency_ms, rng),
            Policy::HighestReputation => {
                lowest(candidates.iter().copied(), |p| -reputation(of(p)), rng)
            }
            Policy::Score => lowest(
                candidates.iter().copied(),
                |p| {
                    let (s, w) = (of(p), &self.weights);
                    s.latency_ms * w.latency
                        + f64::from(standings.loads[p.index()].assigned) * w.load
                        + (1.0 - reputation(s)) * w.reputation
                },
                rng,
            ),
            Policy::EarliestFinish => {
                // Converted here, the only policy that needs it.
                let work_ms = work.as_ms();
                lowest(
                    candidates.iter().copied(),
                    |p| estimated_finish_ms(of(p), standings.loads[p.index()], work_ms),
                    rng,
                )
            }
        }
    }
}

/// Round trip, the backlog the coordinator has sent the peer shared over
/// its slots, then this task's processing.
pub fn estimated_finish_ms(s: &Standing, load: Load, work_ms: f64) -> f64 {
    2.0 * s.latency_ms + s.backlog.as_ms() / (f64::from(load.slots) * s.speed) + work_ms / s.speed
}

/// The peer with the lowest key; ties broken uniformly at random
/// (reservoir sampling, one draw per tie).
fn lowest<R: Rng + ?Sized>(
    peers: impl Iterator<Item = PeerId>,
    key: impl Fn(PeerId) -> f64,
    rng: &mut R,
) -> PeerId {
    let mut best: Option<(f64, PeerId)> = None;
    let mut ties = 0u32;
    for p in peers {
        let k = key(p);
        match best {
            Some((bk, _)) if k > bk => {}
            Some((bk, _)) if k == bk => {
                ties += 1;
                if rng.random_range(0..ties) == 0 {
                    best = Some((k, p));
                }
            }
            _ => {
                best = Some((k, p));
                ties = 1;
            }
        }
    }
    best.expect("at least one candidate").1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::stream;

    fn standing(slots: u32, assigned: u32, latency_ms: f64, rep: f64) -> (Load, Standing) {
        let load = Load { slots, assigned };
        let standing = Standing {
            speed: 1.0,
            latency_ms,
            backlog: SimTime::from_ms(8.0 * f64::from(assigned)),
            reputation: Reputation::new(rep),
        };
        (load, standing)
    }

    fn all<const N: usize>(peers: [(Load, Standing); N]) -> Standings {
        peers.into_iter().collect()
    }

    fn same(n: usize, peer: (Load, Standing)) -> Standings {
        vec![peer; n].into_iter().collect()
    }

    fn ids(n: u32) -> Vec<PeerId> {
        (0..n).map(PeerId).collect()
    }

    const RULE: Rule = Rule {
        model: crate::model::ReputationModel::Beta,
        forgetting: None,
    };

    const W: ScoreWeights = ScoreWeights {
        latency: 1.0,
        load: 15.0,
        reputation: 50.0,
    };

    #[test]
    fn least_loaded_uses_load_per_slot() {
        let peers = all([
            standing(1, 1, 0.0, 0.5),
            standing(4, 2, 0.0, 0.5),
            standing(2, 2, 0.0, 0.5),
        ]);
        let mut s = Selector::new(Policy::LeastLoaded, 2, W, RULE);
        let mut rng = stream(1, 0, 0);
        assert_eq!(
            s.choose(
                &peers,
                &ids(3),
                SimTime::from_ms(1.0),
                SimTime::ZERO,
                &mut rng
            ),
            PeerId(1)
        );
    }

    #[test]
    fn ties_are_broken_evenly() {
        let peers = same(4, standing(1, 0, 10.0, 0.5));
        let mut s = Selector::new(Policy::LowestLatency, 2, W, RULE);
        let mut rng = stream(1, 0, 0);
        let mut counts = [0u32; 4];
        for _ in 0..4000 {
            counts[s
                .choose(
                    &peers,
                    &ids(4),
                    SimTime::from_ms(1.0),
                    SimTime::ZERO,
                    &mut rng,
                )
                .index()] += 1;
        }
        // Each count is Binomial(4000, 1/4): sd 27; allow 5 sd.
        assert!(
            counts.iter().all(|&c| (c as i32 - 1000).abs() < 137),
            "{counts:?}"
        );
    }

    #[test]
    fn round_robin_cycles_and_skips_missing_candidates() {
        let peers = same(4, standing(1, 0, 0.0, 0.5));
        let mut s = Selector::new(Policy::RoundRobin, 2, W, RULE);
        let mut rng = stream(1, 0, 0);
        let picks: Vec<u32> = (0..5)
            .map(|_| {
                s.choose(
                    &peers,
                    &[PeerId(0), PeerId(2), PeerId(3)],
                    SimTime::from_ms(1.0),
                    SimTime::ZERO,
                    &mut rng,
                )
                .0
            })
            .collect();
        assert_eq!(picks, vec![0, 2, 3, 0, 2]);
    }

    #[test]
    fn score_follows_the_original_rule() {
        // near but busy and distrusted, against far, idle and trusted
        let peers = all([standing(2, 1, 10.0, 0.2), standing(2, 0, 40.0, 0.9)]);
        let mut s = Selector::new(Policy::Score, 2, W, RULE);
        let mut rng = stream(1, 0, 0);
        // 10 + 15 + 40 = 65 vs 40 + 0 + 5 = 45
        assert_eq!(
            s.choose(
                &peers,
                &ids(2),
                SimTime::from_ms(1.0),
                SimTime::ZERO,
                &mut rng
            ),
            PeerId(1)
        );
    }

    #[test]
    fn power_of_d_samples_distinct_peers() {
        // Only peer 3 is idle; with d = n every peer is looked at.
        let mut peers = same(4, standing(1, 1, 0.0, 0.5));
        peers.loads[3].assigned = 0;
        let mut s = Selector::new(Policy::PowerOfD, 4, W, RULE);
        let mut rng = stream(1, 0, 0);
        assert_eq!(
            s.choose(
                &peers,
                &ids(4),
                SimTime::from_ms(1.0),
                SimTime::ZERO,
                &mut rng
            ),
            PeerId(3)
        );
        // With d = 2 of 4, the idle peer is in the sample with p = 1/2.
        let mut s = Selector::new(Policy::PowerOfD, 2, W, RULE);
        let hits = (0..4000)
            .filter(|_| {
                s.choose(
                    &peers,
                    &ids(4),
                    SimTime::from_ms(1.0),
                    SimTime::ZERO,
                    &mut rng,
                ) == PeerId(3)
            })
            .count();
        // Binomial(4000, 1/2): sd 32; allow 5 sd.
        assert!((hits as i32 - 2000).abs() < 160, "{hits}");
    }

    #[test]
    fn excepted_peers_are_never_drawn() {
        let peers = same(6, standing(1, 0, 0.0, 0.5));
        let except = [PeerId(1), PeerId(4)];
        let mut rng = stream(1, 0, 0);
        for policy in [Policy::Random, Policy::PowerOfD] {
            let mut s = Selector::new(policy, 2, W, RULE);
            let mut seen = [0u32; 6];
            for _ in 0..3000 {
                seen[s
                    .choose_except(
                        &peers,
                        &ids(6),
                        &except,
                        SimTime::from_ms(1.0),
                        SimTime::ZERO,
                        &mut rng,
                    )
                    .index()] += 1;
            }
            assert_eq!((seen[1], seen[4]), (0, 0), "{policy:?}");
            // the four others share the draws: Binomial(3000, 1/4), sd 24
            for i in [0, 2, 3, 5] {
                assert!((seen[i] as i32 - 750).abs() < 120, "{policy:?}: {seen:?}");
            }
        }
    }

    #[test]
    fn earliest_finish_weighs_backlog_and_speed() {
        // Two attempts of 8 ms ahead, on two slots at speed 4.
        let mut fast_busy = standing(2, 2, 5.0, 0.5);
        fast_busy.1.speed = 4.0;
        let slow_idle = standing(1, 0, 5.0, 0.5);
        // 10 + 16 / (2 * 4) + 8 / 4 = 14 vs 10 + 0 + 8 = 18
        assert_eq!(estimated_finish_ms(&fast_busy.1, fast_busy.0, 8.0), 14.0);
        let mut slow_busy = standing(1, 1, 5.0, 0.5);
        slow_busy.1.backlog = SimTime::from_ms(3.0);
        // 10 + 3 + 8
        assert_eq!(estimated_finish_ms(&slow_busy.1, slow_busy.0, 8.0), 21.0);
        let mut s = Selector::new(Policy::EarliestFinish, 2, W, RULE);
        let mut rng = stream(1, 0, 0);
        assert_eq!(
            s.choose(
                &all([fast_busy, slow_idle]),
                &ids(2),
                SimTime::from_ms(8.0),
                SimTime::ZERO,
                &mut rng
            ),
            PeerId(0)
        );
    }
}
