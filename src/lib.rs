//! p2c2g: a deterministic discrete-event simulator of a Peer-to-Cloud-to-Gamer
//! system.
//!
//! - Time is virtual, an integer count of nanoseconds ([`engine::SimTime`]).
//! - Events at the same instant run in the order they were scheduled.
//! - Every random draw is seeded from the scenario seed: a ChaCha stream per
//!   renter (its frames and work), per peer (its properties) and for the
//!   coordinator (its policy's choices), and a counter-based generator
//!   ([`engine::Keyed`]) keyed by each attempt's identity for the attempt's
//!   own draws (outcome, jitter, timeout, backoff). So the same scenario
//!   and seed give the same results, byte for byte, anywhere, and the same
//!   attempt has the same luck whatever the policy or the peers.
//!
//! Layers, each depending only on those above it: [`engine`] (clock, queue,
//! streams), [`model`] (the simulated system), [`scenario`] (files in),
//! [`output`] (files out), [`sweep`] (many runs in parallel), [`seek`] (runs
//! that bisect a key towards a target). The binary
//! only wires them together.

pub mod bench;
pub mod digest;
pub mod engine;
pub mod model;
pub mod output;
pub mod progress;
pub mod run;
pub mod scenario;
pub mod seek;
pub mod sweep;
