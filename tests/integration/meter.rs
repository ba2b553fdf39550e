//! What a thread holds in memory at its peak: a counting global allocator
//! for the test binary, so that a test can bound what a run costs.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// The system allocator, counting the bytes each thread holds.
pub struct Meter;

thread_local! {
    /// Bytes allocated minus bytes freed by this thread (memory freed by
    /// another thread than the one that took it can make it negative).
    static HELD: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
    /// What it held when the measurement started.
    static BASE: Cell<isize> = const { Cell::new(0) };
}

fn held(change: isize) {
    // `try_with`: never fail inside the allocator, even while the thread's
    // locals are being torn down.
    let _ = HELD.try_with(|h| {
        let now = h.get() + change;
        h.set(now);
        let _ = PEAK.try_with(|p| p.set(p.get().max(now)));
    });
}

// SAFETY: every call is passed on to the system allocator unchanged; the
// counting touches only `Cell`s of the calling thread and never allocates.
unsafe impl GlobalAlloc for Meter {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            held(layout.size() as isize);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            held(layout.size() as isize);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        held(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            held(new_size as isize - layout.size() as isize);
        }
        p
    }
}

/// Starts a measurement on this thread: [`peak_bytes`] counts from here.
pub fn start() {
    let now = HELD.with(Cell::get);
    PEAK.with(|p| p.set(now));
    BASE.with(|b| b.set(now));
}

/// The most this thread has held at once since [`start`], beyond what it
/// held then.
pub fn peak_bytes() -> usize {
    (PEAK.with(Cell::get) - BASE.with(Cell::get)).max(0) as usize
}

#[test]
fn the_meter_sees_a_big_allocation_and_its_release() {
    start();
    let v = vec![1u8; 10 << 20];
    drop(v);
    let small = vec![0u64; 16];
    let peak = peak_bytes();
    assert!((10 << 20..11 << 20).contains(&peak), "{peak}");
    drop(small);
}
