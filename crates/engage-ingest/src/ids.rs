//! Respondent ids already accepted, kept as 128-bit fingerprints rather than strings.
//!
//! A `HashSet<String>` of ten million ids took about 850 MB, more than the whole answer table;
//! fingerprints take 16 bytes each. Two ids share a fingerprint with probability about
//! n²/2¹²⁹ (10⁻²⁵ for ten million ids), far below any chance of a hardware error, so a
//! "duplicate" is never a false alarm in practice.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, DefaultHasher, Hash, Hasher};

#[derive(Default)]
pub struct SeenIds {
    fingerprints: HashSet<u128, BuildHasherDefault<TakeLowBits>>,
}

impl SeenIds {
    pub fn contains(&self, id: &str) -> bool {
        self.fingerprints.contains(&fingerprint(id))
    }

    /// Room for `additional` more ids; ignored if the allocation is refused.
    pub fn reserve(&mut self, additional: usize) {
        let _ = self.fingerprints.try_reserve(additional);
    }

    pub fn insert(&mut self, id: &str) {
        self.fingerprints.insert(fingerprint(id));
    }

    pub fn contains_fingerprint(&self, fingerprint: u128) -> bool {
        self.fingerprints.contains(&fingerprint)
    }

    /// Adds a fingerprint; false when it was already there.
    pub fn insert_fingerprint(&mut self, fingerprint: u128) -> bool {
        self.fingerprints.insert(fingerprint)
    }
}

/// Two SipHash-1-3 values (std's fixed-key hasher) over differently prefixed input. Stable
/// across runs (fixed keys), so two waves' ids can be linked by fingerprint.
pub fn fingerprint(id: &str) -> u128 {
    let half = |prefix: u8| {
        let mut hasher = DefaultHasher::new();
        prefix.hash(&mut hasher);
        id.hash(&mut hasher);
        hasher.finish()
    };
    (u128::from(half(0)) << 64) | u128::from(half(1))
}

/// The fingerprint is already a good hash: use its low bits instead of hashing it again.
#[derive(Default)]
struct TakeLowBits(u64);

impl Hasher for TakeLowBits {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u128(&mut self, value: u128) {
        self.0 = value as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_exactly_the_inserted_ids() {
        let mut seen = SeenIds::default();
        for i in 0..10_000 {
            seen.insert(&format!("R{i:06}"));
        }
        assert!(seen.contains("R000000"));
        assert!(seen.contains("R009999"));
        assert!(!seen.contains("R010000"));
        assert!(!seen.contains("r000000"));
        assert!(!seen.contains(""));
    }
}
