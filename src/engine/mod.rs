//! The event engine: a virtual clock, a time-ordered event queue and seeded
//! random streams. It knows nothing of gaming; the model builds on it.

pub mod keyed;
pub mod prefetch;
pub mod queue;
pub mod rng;
pub mod slots;
pub mod ticks;
pub mod time;

pub use keyed::Keyed;
pub use prefetch::prefetch;
pub use queue::{EventQueue, LOOK_AHEAD};
pub use rng::{stream, Stream};
pub use slots::Slots;
pub use time::{Moment, SimTime};
