//! Virtual time: an integer count of nanoseconds, so that ordering and sums
//! are exact and runs are reproducible on any machine.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// An instant or a span of virtual time, in nanoseconds.
///
/// ```
/// use p2c2g::engine::SimTime;
/// let t = SimTime::from_ms(1.5);
/// assert_eq!(t.as_nanos(), 1_500_000);
/// assert_eq!((t + SimTime::from_ms(0.5)).as_ms(), 2.0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(u64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    pub const MAX: SimTime = SimTime(u64::MAX);

    pub const fn from_nanos(ns: u64) -> Self {
        SimTime(ns)
    }

    /// Rounds to the nearest nanosecond; negative and NaN become zero,
    /// values too large for the clock saturate.
    pub fn from_ms(ms: f64) -> Self {
        SimTime::from_nanos_f64(ms * 1e6)
    }

    pub fn from_secs(s: f64) -> Self {
        SimTime::from_nanos_f64(s * 1e9)
    }

    fn from_nanos_f64(ns: f64) -> Self {
        // Rounds half up; `as` saturates and maps NaN and negatives to 0,
        // the clamp we want. (`f64::round` would be a library call on the
        // baseline x86-64 target, and this runs several times per task.)
        SimTime((ns + 0.5) as u64)
    }

    pub const fn as_nanos(self) -> u64 {
        self.0
    }

    pub fn as_ms(self) -> f64 {
        self.0 as f64 / 1e6
    }

    pub fn as_secs(self) -> f64 {
        self.0 as f64 / 1e9
    }
}

/// An instant that may not have come yet: an `Option<SimTime>` in eight
/// bytes rather than sixteen (the clock never reads `SimTime::MAX`, which
/// stands for none), so that the records of things in progress stay small.
///
/// ```
/// use p2c2g::engine::{Moment, SimTime};
/// let mut started = Moment::NONE;
/// assert_eq!(started.get(), None);
/// started = Moment::at(SimTime::from_ms(2.0));
/// assert_eq!(started.get(), Some(SimTime::from_ms(2.0)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Moment(u64);

impl Moment {
    pub const NONE: Moment = Moment(u64::MAX);

    /// `t`, which must not be `SimTime::MAX`.
    #[inline(always)]
    pub fn at(t: SimTime) -> Moment {
        debug_assert!(t != SimTime::MAX);
        Moment(t.0)
    }

    #[inline(always)]
    pub fn get(self) -> Option<SimTime> {
        (self.0 != u64::MAX).then_some(SimTime(self.0))
    }

    #[inline(always)]
    pub fn is_some(self) -> bool {
        self.0 != u64::MAX
    }

    #[inline(always)]
    pub fn is_none(self) -> bool {
        self.0 == u64::MAX
    }
}

impl Add for SimTime {
    type Output = SimTime;
    fn add(self, rhs: SimTime) -> SimTime {
        SimTime(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign for SimTime {
    fn add_assign(&mut self, rhs: SimTime) {
        *self = *self + rhs;
    }
}

impl Sub for SimTime {
    type Output = SimTime;
    fn sub(self, rhs: SimTime) -> SimTime {
        SimTime(self.0 - rhs.0)
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ms", self.as_ms())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_round_and_clamp() {
        assert_eq!(SimTime::from_ms(0.0000004).as_nanos(), 0);
        assert_eq!(SimTime::from_ms(0.0000006).as_nanos(), 1);
        assert_eq!(SimTime::from_ms(-3.0), SimTime::ZERO);
        assert_eq!(SimTime::from_ms(f64::NAN), SimTime::ZERO);
        assert_eq!(SimTime::from_secs(2.0).as_ms(), 2000.0);
        assert_eq!(SimTime::from_ms(f64::INFINITY), SimTime::MAX);
    }
}
