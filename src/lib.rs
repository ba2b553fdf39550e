//! p2c2g: a deterministic discrete-event simulator of a Peer-to-Cloud-to-Gamer
//! system.
//!
//! - Time is virtual, an integer count of nanoseconds ([`engine::SimTime`]).
//! - Events at the same instant run in the order they were scheduled.
//! - Every random draw comes from a ChaCha stream seeded from the scenario
//!   seed, one stream per renter, per peer and for the coordinator; so the
//!   same scenario and seed give the same results, byte for byte, anywhere.
//!
//! Layers, each depending only on those above it: [`engine`] (clock, queue,
//! streams), [`model`] (the simulated system), [`scenario`] (files in),
//! [`output`] (files out), [`sweep`] (many runs in parallel). The binary
//! only wires them together.

pub mod bench;
pub mod engine;
pub mod model;
pub mod output;
pub mod progress;
pub mod scenario;
pub mod sweep;
