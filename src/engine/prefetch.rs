//! A hint to the processor to bring memory into cache before it is read.
//!
//! With 100,000 peers and hundreds of thousands of events pending, most of
//! a large run's time is spent waiting for memory that was written long
//! ago: an event's node in the queue, its attempt, its peer. Knowing a few
//! events ahead what they will read lets those loads overlap. Only x86_64
//! gets the hint; elsewhere it does nothing (results are the same).

/// Asks for the cache lines holding `*r` (all of them: a record of a
/// hundred bytes spans two or three); a hint that never faults and
/// changes no result.
#[inline(always)]
pub fn prefetch<T>(r: &T) {
    const LINE: usize = 64;
    let start = (r as *const T).cast::<u8>();
    let first = start as usize & !(LINE - 1);
    let last = (start as usize + std::mem::size_of::<T>().max(1) - 1) & !(LINE - 1);
    // The same line-aligned addresses, kept as pointers into `*r`'s lines.
    let mut at = start.wrapping_sub(start as usize - first);
    for _ in 0..=(last - first) / LINE {
        prefetch_line(at);
        at = at.wrapping_add(LINE);
    }
}

#[inline(always)]
fn prefetch_line(at: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `_mm_prefetch` only hints; it reads nothing architecturally
    // and cannot fault, whatever the address, and SSE is part of every
    // x86_64 target.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(at.cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = at;
}
