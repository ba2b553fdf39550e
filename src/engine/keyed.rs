//! Randomness keyed by what it decides. A counter-based generator
//! (Philox4x32-10, Salmon, Moraes, Dror and Shaw, "Parallel random numbers:
//! as easy as 1, 2, 3", SC 2011) turns a seed and a 128-bit counter into
//! random words by a pure function: the numbers of one key do not depend
//! on what was drawn before, or by whom. The model puts the identity of
//! the thing drawn for (an attempt of a task, say) into the counter, so
//! the same thing has the same luck whatever else changes.

use std::convert::Infallible;

use rand::rand_core::block::{BlockRng, Generator};
use rand::TryRng;

const M0: u32 = 0xD251_1F53;
const M1: u32 = 0xCD9E_8D57;
const W0: u32 = 0x9E37_79B9;
const W1: u32 = 0xBB67_AE85;

/// Philox4x32 with 10 rounds: one block of four words.
pub fn philox4x32_10(mut ctr: [u32; 4], mut key: [u32; 2]) -> [u32; 4] {
    for round in 0..10 {
        if round > 0 {
            key[0] = key[0].wrapping_add(W0);
            key[1] = key[1].wrapping_add(W1);
        }
        let p0 = u64::from(M0) * u64::from(ctr[0]);
        let p1 = u64::from(M1) * u64::from(ctr[2]);
        ctr = [
            (p1 >> 32) as u32 ^ ctr[1] ^ key[0],
            p1 as u32,
            (p0 >> 32) as u32 ^ ctr[3] ^ key[1],
            p0 as u32,
        ];
    }
    ctr
}

/// Bits of the counter's first word that number the blocks of one key.
const BLOCK_BITS: u32 = 16;

/// The block generator behind [`Keyed`].
#[derive(Clone, Debug)]
pub struct Blocks {
    key: [u32; 2],
    ctr: [u32; 4],
}

impl Generator for Blocks {
    type Output = [u32; 4];

    #[inline]
    fn generate(&mut self, output: &mut [u32; 4]) {
        *output = philox4x32_10(self.ctr, self.key);
        // The next block of the same key; after 2^16 blocks (a quarter of a
        // million words) the numbers repeat rather than meet another key's.
        let block = (self.ctr[0].wrapping_add(1)) & ((1 << BLOCK_BITS) - 1);
        self.ctr[0] = (self.ctr[0] & !((1 << BLOCK_BITS) - 1)) | block;
    }
}

/// The random numbers of one key, in order.
///
/// The key is the seed and four words whose first word's low 16 bits are
/// zero (they number the blocks drawn). Building one costs nothing until
/// its first number is drawn.
///
/// ```
/// use p2c2g::engine::Keyed;
/// use rand::RngExt;
/// let a: f64 = Keyed::new(7, [1 << 16, 2, 3, 4]).random();
/// let b: f64 = Keyed::new(7, [1 << 16, 2, 3, 4]).random();
/// let c: f64 = Keyed::new(7, [2 << 16, 2, 3, 4]).random();
/// assert_eq!(a, b);
/// assert_ne!(a, c);
/// ```
#[derive(Clone, Debug)]
pub struct Keyed(BlockRng<Blocks>);

impl Keyed {
    #[inline(always)]
    pub fn new(seed: u64, words: [u32; 4]) -> Keyed {
        debug_assert_eq!(
            words[0] & ((1 << BLOCK_BITS) - 1),
            0,
            "block bits are not free"
        );
        Keyed(BlockRng::new(Blocks {
            key: [seed as u32, (seed >> 32) as u32],
            ctr: words,
        }))
    }
}

impl TryRng for Keyed {
    type Error = Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(self.0.next_word())
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(self.0.next_u64_from_u32())
    }

    #[inline]
    fn try_fill_bytes(&mut self, bytes: &mut [u8]) -> Result<(), Infallible> {
        self.0.fill_bytes(bytes);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, RngExt};

    /// The known answers of Random123's kat_vectors for philox4x32 10.
    #[test]
    fn philox_gives_the_published_known_answers() {
        assert_eq!(
            philox4x32_10([0; 4], [0; 2]),
            [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]
        );
        assert_eq!(
            philox4x32_10([u32::MAX; 4], [u32::MAX; 2]),
            [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]
        );
        assert_eq!(
            philox4x32_10(
                [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
                [0xa4093822, 0x299f31d0]
            ),
            [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]
        );
    }

    #[test]
    fn a_key_draws_its_blocks_in_order() {
        let mut rng = Keyed::new(5, [3 << 16, 1, 2, 3]);
        let words: Vec<u32> = (0..8).map(|_| rng.next_u32()).collect();
        let key = [5, 0];
        let first = philox4x32_10([3 << 16, 1, 2, 3], key);
        let second = philox4x32_10([(3 << 16) | 1, 1, 2, 3], key);
        assert_eq!(words[..4], first);
        assert_eq!(words[4..], second);
    }

    /// Uniforms from many keys are uniform: the mean and the share below
    /// 0.1 of 100,000 of them, each the first number of its own key.
    #[test]
    fn the_first_numbers_of_many_keys_are_uniform() {
        let n = 100_000u32;
        let xs: Vec<f64> = (0..n)
            .map(|i| Keyed::new(1, [0, i, 0, 0]).random::<f64>())
            .collect();
        let mean = xs.iter().sum::<f64>() / f64::from(n);
        // sd of the mean: sqrt(1/12 / n) = 0.00091; allow 5 sd.
        assert!((mean - 0.5).abs() < 0.0046, "{mean}");
        let low = xs.iter().filter(|&&x| x < 0.1).count() as f64 / f64::from(n);
        // Binomial(n, 0.1): sd 0.00095; allow 5 sd.
        assert!((low - 0.1).abs() < 0.0048, "{low}");
    }
}
