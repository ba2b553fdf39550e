//! The event loop, compiled twice. The mechanisms of MODEL.md sections
//! 9-14 (churn, links, copies, hedging, cancels, dropping late frames,
//! wrong results and votes, several coordinators and their views, cost;
//! and forgetting in reputation) are off by default, yet each would cost
//! the core a test of its switch at every step of every task: 8% to 10%
//! more instructions on benchmarks (a) and (b), about 6% more wall time.
//! A run with every one of them off takes the loop compiled for [`Core`],
//! where each such test is `false` at compile time and vanishes; any other
//! run takes the loop compiled for [`Full`]. A key of copies given even
//! at its default (`copies = 1`, `cancel = "first"`) counts as on: the
//! summary then reports what copies cost. Both loops give the same
//! results for a run that either may take (the golden files and a
//! property test check it).
//!
//! ```
//! use p2c2g::model::{Core, Full, Mechanisms};
//!
//! assert!(Full::on(true));
//! assert!(!Full::on(false));
//! assert!(!Core::on(false));
//! ```

/// Which mechanisms a compiled event loop may meet.
pub trait Mechanisms {
    /// Whether any mechanism beyond the core may be on: `false` makes
    /// every test of one a constant.
    const ANY: bool;

    /// A mechanism's switch as this loop reads it: always off in the
    /// core. A switch on in the core is a run that should have taken the
    /// full loop (`Simulation::core_only` forgot it): debug builds say so.
    #[inline(always)]
    fn on(switch: bool) -> bool {
        debug_assert!(Self::ANY || !switch, "a mechanism is on in the core loop");
        Self::ANY && switch
    }
}

/// Every mechanism beyond the core is off.
pub enum Core {}

impl Mechanisms for Core {
    const ANY: bool = false;
}

/// Any mechanism may be on.
pub enum Full {}

impl Mechanisms for Full {
    const ANY: bool = true;
}
