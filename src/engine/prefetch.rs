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
    let start = (r as *const T).cast::<u8>();
    if std::mem::align_of::<T>() >= LINE && std::mem::size_of::<T>() <= LINE {
        // A record aligned to a line and no larger: that line alone.
        prefetch_line(start);
        return;
    }
    for line in lines(start as usize, std::mem::size_of::<T>()) {
        // `*r`'s pointer, moved to the line's start.
        prefetch_line(start.wrapping_sub(start as usize).wrapping_add(line * LINE));
    }
}

const LINE: usize = 64;

/// The numbers of the cache lines that `size` bytes from `start` touch
/// (one, for a value of no size).
#[inline(always)]
fn lines(start: usize, size: usize) -> std::ops::RangeInclusive<usize> {
    start / LINE..=(start + size.max(1) - 1) / LINE
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_is_asked_for_line_by_line() {
        assert_eq!(lines(0, 64), 0..=0);
        assert_eq!(lines(8, 64), 0..=1);
        assert_eq!(lines(48, 112), 0..=2);
        assert_eq!(lines(128, 112), 2..=3);
        assert_eq!(lines(100, 0), 1..=1);
    }
}
