//! A slab: values in a `Vec`, addressed by slot, the slots of removed
//! values reused last-freed first.
//!
//! The `slab` crate does the same, but gives no way to name a slot's
//! memory without reading it, and asking for that memory ahead of time is
//! what a large run needs (see [`prefetch`](fn@super::prefetch)). Slots are
//! handed out in exactly the order `slab` hands them out.
//!
//! ```
//! use p2c2g::engine::Slots;
//! let mut s = Slots::new();
//! let a = s.insert("a");
//! let b = s.insert("b");
//! assert_eq!(s.remove(a), "a");
//! assert_eq!(s.insert("c"), a); // the freed slot, reused
//! assert_eq!(s[b], "b");
//! ```

use std::ops::{Index, IndexMut};

/// Values by slot, like `slab::Slab`, with slot numbers below 2^32 (the
/// model's keys are `u32`).
pub struct Slots<T> {
    values: Vec<Slot<T>>,
    /// The free slot to fill next: the last freed, or `values.len()`.
    next: u32,
    len: usize,
}

/// A free slot holds the free slot freed before it.
enum Slot<T> {
    Free(u32),
    Held(T),
}

impl<T> Default for Slots<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Slots<T> {
    pub fn new() -> Self {
        Slots {
            values: Vec::new(),
            next: 0,
            len: 0,
        }
    }

    /// Stores `value`, and says in which slot.
    #[inline(always)]
    pub fn insert(&mut self, value: T) -> usize {
        let slot = self.next as usize;
        self.len += 1;
        match self.values.get(slot) {
            None => {
                debug_assert_eq!(slot, self.values.len());
                self.values.push(Slot::Held(value));
                self.next += 1;
            }
            Some(&Slot::Free(next)) => {
                self.next = next;
                self.values[slot] = Slot::Held(value);
            }
            Some(Slot::Held(_)) => unreachable!("the next free slot is held"),
        }
        slot
    }

    /// Takes the value out of `slot`; panics if it holds none.
    #[inline(always)]
    #[track_caller]
    pub fn remove(&mut self, slot: usize) -> T {
        let freed = Slot::Free(self.next);
        match std::mem::replace(&mut self.values[slot], freed) {
            Slot::Held(value) => {
                self.next = slot as u32;
                self.len -= 1;
                value
            }
            Slot::Free(next) => {
                self.values[slot] = Slot::Free(next);
                panic!("slot {slot} holds no value")
            }
        }
    }

    #[inline(always)]
    pub fn get(&self, slot: usize) -> Option<&T> {
        match self.values.get(slot)? {
            Slot::Held(value) => Some(value),
            Slot::Free(_) => None,
        }
    }

    #[inline(always)]
    pub fn get_mut(&mut self, slot: usize) -> Option<&mut T> {
        match self.values.get_mut(slot)? {
            Slot::Held(value) => Some(value),
            Slot::Free(_) => None,
        }
    }

    /// Asks for `slot`'s memory, which is about to be read.
    #[inline(always)]
    pub fn prefetch(&self, slot: usize) {
        if let Some(value) = self.values.get(slot) {
            super::prefetch(value);
        }
    }

    /// The values held, by slot, in slot order.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &T)> {
        self.values
            .iter()
            .enumerate()
            .filter_map(|(slot, value)| match value {
                Slot::Held(value) => Some((slot, value)),
                Slot::Free(_) => None,
            })
    }

    /// Takes every value out, in slot order.
    pub fn drain(&mut self) -> impl Iterator<Item = T> {
        self.next = 0;
        self.len = 0;
        std::mem::take(&mut self.values)
            .into_iter()
            .filter_map(|value| match value {
                Slot::Held(value) => Some(value),
                Slot::Free(_) => None,
            })
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> Index<usize> for Slots<T> {
    type Output = T;

    #[inline(always)]
    #[track_caller]
    fn index(&self, slot: usize) -> &T {
        self.get(slot).expect("slot holds a value")
    }
}

impl<T> IndexMut<usize> for Slots<T> {
    #[inline(always)]
    #[track_caller]
    fn index_mut(&mut self, slot: usize) -> &mut T {
        self.get_mut(slot).expect("slot holds a value")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_slot_is_no_larger_than_a_value_with_room_for_its_tag() {
        #[repr(align(64))]
        struct Line {
            _flag: bool,
            _rest: [u8; 63],
        }
        assert_eq!(std::mem::size_of::<Slot<Line>>(), 64);
    }

    proptest! {
        /// The same slots as the `slab` crate, in any sequence of inserts
        /// and removals.
        #[test]
        fn hands_out_the_slots_slab_hands_out(ops in proptest::collection::vec(any::<(bool, u16)>(), 1..400)) {
            let mut ours = Slots::new();
            let mut theirs = slab::Slab::new();
            let mut held = Vec::new();
            for (n, (remove, pick)) in ops.into_iter().enumerate() {
                if remove && !held.is_empty() {
                    let slot = held.swap_remove(pick as usize % held.len());
                    prop_assert_eq!(ours.remove(slot), theirs.remove(slot));
                } else {
                    let slot = ours.insert(n);
                    prop_assert_eq!(slot, theirs.insert(n));
                    held.push(slot);
                }
                prop_assert_eq!(ours.len(), theirs.len());
            }
            for &slot in &held {
                prop_assert_eq!(ours[slot], theirs[slot]);
            }
            let listed: Vec<_> = theirs.iter().map(|(k, v)| (k, *v)).collect();
            prop_assert_eq!(ours.iter().map(|(k, v)| (k, *v)).collect::<Vec<_>>(), listed);
            let drained: Vec<_> = theirs.drain().collect();
            prop_assert_eq!(ours.drain().collect::<Vec<_>>(), drained);
            prop_assert!(ours.is_empty());
        }
    }
}
