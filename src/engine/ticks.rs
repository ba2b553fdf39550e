//! A cheap clock for profiling by hand (the `event-timing` feature): the
//! processor's time-stamp counter where there is one. The virtual machines
//! this was tuned on expose no performance counters to `perf`, so where a
//! run's time goes is measured by reading this clock around each event.

/// A reading: ticks of the time-stamp counter on x86_64 (a constant rate
/// on current processors, whatever the clock speed), nanoseconds since the
/// first reading elsewhere.
#[inline(always)]
pub fn ticks() -> u64 {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `rdtsc` only reads a counter; it is part of every x86_64.
    unsafe {
        std::arch::x86_64::_rdtsc()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        use std::sync::OnceLock;
        use std::time::Instant;
        static START: OnceLock<Instant> = OnceLock::new();
        START.get_or_init(Instant::now).elapsed().as_nanos() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_does_not_run_backwards() {
        let a = ticks();
        let b = ticks();
        assert!(b >= a);
    }
}
