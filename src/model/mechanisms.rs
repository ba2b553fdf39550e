//! The event loop, compiled twice. The mechanisms of MODEL.md sections
//! 9-17 (churn, links, copies and votes, wrong results, cost, forgetting,
//! views, several coordinators) are off by default, yet each would cost
//! the core a test of its switch at every step of every task: about 5%
//! of benchmarks (a) and (b). A run with every one of them off takes the
//! loop compiled for [`Core`], where each such test is `false` at compile
//! time and vanishes; any other run takes the loop compiled for [`Full`].
//! Both give the same results for a run that either may take (the golden
//! files and a test check it).
//!
//! ```
//! use p2c2g::model::{Core, Full, Mechanisms};
//!
//! /// A switch as the loop for `M` reads it.
//! fn on<M: Mechanisms>(switch: bool) -> bool {
//!     M::ANY && switch
//! }
//! assert!(!on::<Core>(true));
//! assert!(on::<Full>(true));
//! ```

/// Which mechanisms a compiled event loop may meet.
pub trait Mechanisms: 'static {
    /// Whether any mechanism beyond the core may be on: `false` makes
    /// every test of one a constant.
    const ANY: bool;
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
