//! Independent random streams. Every entity (each renter, each peer, the
//! coordinator) draws from its own ChaCha stream derived from the scenario
//! seed, so that changing one part of a scenario leaves the draws of the
//! others untouched (common random numbers across the points of a sweep).
//! Draws that belong to one event rather than one entity are keyed by it
//! instead ([`Keyed`](super::Keyed)).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The generator every stream uses.
pub type Stream = ChaCha8Rng;

/// The stream numbered `(family, index)` of `seed`. Families keep the
/// streams of different kinds of entity apart.
///
/// ```
/// use p2c2g::engine::stream;
/// use rand::RngExt;
/// let a: u64 = stream(7, 1, 0).random();
/// let b: u64 = stream(7, 1, 1).random();
/// assert_ne!(a, b);
/// assert_eq!(a, stream(7, 1, 0).random::<u64>());
/// ```
pub fn stream(seed: u64, family: u32, index: u32) -> Stream {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream((u64::from(family) << 32) | u64::from(index));
    rng
}
