//! Fingerprints of inputs and results: SHA-256, as `sha256sum` prints it,
//! so that a user can check one by hand.

use sha2::{Digest, Sha256};

/// The SHA-256 of `bytes`, in lowercase hexadecimal.
///
/// ```
/// assert_eq!(
///     p2c2g::digest::sha256_hex(b"abc"),
///     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/// );
/// ```
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
