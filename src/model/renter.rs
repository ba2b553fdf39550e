//! A renter (a gamer): when its frames are made, from its own stream.

use rand::RngExt;
use rand_distr::{Distribution, Exp};

use super::config::Arrival;
use super::CoordinatorId;
use crate::engine::{SimTime, Stream};

pub struct Renter {
    /// Draws the renter's frames: arrival gaps, deadlines, return delays
    /// and the work of each task.
    pub rng: Stream,
    pub frames_made: u64,
    /// Periodic arrivals: time of frame 0, in ns.
    phase_ns: f64,
    /// The coordinator that serves it.
    pub coordinator: CoordinatorId,
}

/// How a renter's frames arrive: periodically from a random phase, or as a
/// Poisson process.
pub struct Arrivals {
    arrival: Arrival,
    fps: f64,
    /// Poisson arrivals: the gaps in seconds, built once.
    gaps: Exp<f64>,
}

impl Arrivals {
    pub fn new(arrival: Arrival, fps: f64) -> Arrivals {
        Arrivals {
            arrival,
            fps,
            gaps: Exp::new(fps).expect("fps is validated positive"),
        }
    }

    /// A renter drawing from `rng`, and when its first frame is due.
    pub fn renter(&self, mut rng: Stream) -> (Renter, SimTime) {
        let (phase_ns, first) = match self.arrival {
            Arrival::Periodic => {
                let phase = rng.random::<f64>() * (1e9 / self.fps);
                (phase, SimTime::from_nanos(phase as u64))
            }
            Arrival::Poisson => (0.0, SimTime::from_secs(self.gaps.sample(&mut rng))),
        };
        let renter = Renter {
            rng,
            frames_made: 0,
            phase_ns,
            coordinator: CoordinatorId::default(),
        };
        (renter, first)
    }

    /// When the frame after frame `index`, made `now`, is due.
    #[inline(always)]
    pub fn next(&self, renter: &mut Renter, index: u64, now: SimTime) -> SimTime {
        match self.arrival {
            Arrival::Periodic => {
                SimTime::from_nanos((renter.phase_ns + (index + 1) as f64 * 1e9 / self.fps) as u64)
            }
            Arrival::Poisson => now + SimTime::from_secs(self.gaps.sample(&mut renter.rng)),
        }
    }
}
