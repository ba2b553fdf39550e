//! The whole program, as a user meets it: scenario files in, numbers and
//! CSV files out. One test binary; one module per theme.

mod analysis;
mod charts;
mod churn;
mod cli;
mod common;
mod compare;
mod copies;
mod cost;
mod forgetting;
mod fuzz;
mod golden;
mod invariants;
mod links;
mod mechanisms;
mod meter;
mod provenance;
mod report;
mod resolved;
mod rules;
mod seek;
mod sweeps;
mod textbook;
mod views;

#[global_allocator]
static METER: meter::Meter = meter::Meter;
