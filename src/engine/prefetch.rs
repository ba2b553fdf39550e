//! A hint to the processor to bring memory into cache before it is read.
//!
//! With 100,000 peers and hundreds of thousands of events pending, most of
//! a large run's time is spent waiting for memory that was written long
//! ago: an event's node in the queue, its attempt, its peer. Knowing a few
//! events ahead what they will read lets those loads overlap. Only x86_64
//! gets the hint; elsewhere it does nothing (results are the same).

/// Asks for the cache line holding `*r`; a hint that never faults and
/// changes no result.
#[inline(always)]
pub fn prefetch<T>(r: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `_mm_prefetch` only hints; it reads nothing architecturally
    // and cannot fault, and SSE is part of every x86_64 target.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>((r as *const T).cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = r;
}
