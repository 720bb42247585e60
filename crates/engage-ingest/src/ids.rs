//! Respondent ids already accepted, kept as 128-bit fingerprints rather than strings.
//!
//! A `HashSet<String>` of ten million ids took about 850 MB, more than the whole answer table;
//! fingerprints take 16 bytes each, and the table keeps them anyway (`respondent_ids`, which
//! links waves). The set of ids seen holds only row numbers into that column (4 bytes each, about
//! 85 MB at ten million instead of 285 MB for copies). Two ids share a fingerprint with
//! probability about n²/2¹²⁹ (10⁻²⁵ for ten million ids), far below any chance of a hardware
//! error, so a "duplicate" is never a false alarm in practice.

use std::num::NonZeroU128;

use hashbrown::hash_table::{Entry, HashTable};

/// A respondent id's fingerprint. Never zero, so that `Option<Fingerprint>` takes 16 bytes
/// per row instead of 32 (160 MB at ten million rows).
pub type Fingerprint = NonZeroU128;

/// The rows of a table's id column whose ids have been accepted, found by fingerprint.
#[derive(Default)]
pub struct SeenIds {
    rows: HashTable<u32>,
}

/// The fingerprint is already a good hash: its low bits serve as the table's hash.
fn hash(id: Fingerprint) -> u64 {
    id.get() as u64
}

fn hash_of_row(ids: &[Option<Fingerprint>], row: u32) -> u64 {
    ids[row as usize].map_or(0, hash)
}

impl SeenIds {
    /// Room for `additional` more ids; ignored if the allocation is refused.
    pub fn reserve(&mut self, additional: usize, ids: &[Option<Fingerprint>]) {
        let _ = self.rows.try_reserve(additional, |&r| hash_of_row(ids, r));
    }

    /// Whether a recorded row of `ids` has `id`.
    pub fn contains(&self, ids: &[Option<Fingerprint>], id: Fingerprint) -> bool {
        self.rows
            .find(hash(id), |&r| ids[r as usize] == Some(id))
            .is_some()
    }

    /// Records row `row` of `ids` (already pushed, with an id); false, recording nothing, when
    /// an earlier recorded row has the same id.
    ///
    /// # Panics
    /// Beyond 2³² rows with ids: a table that size (over 300 GB) cannot be held in memory.
    pub fn insert(&mut self, ids: &[Option<Fingerprint>], row: usize) -> bool {
        let id = ids[row].expect("a recorded row has an id");
        let at = u32::try_from(row).expect("at most 2^32 respondents with ids");
        let same = |&r: &u32| r != at && ids[r as usize] == Some(id);
        match self.rows.entry(hash(id), same, |&r| hash_of_row(ids, r)) {
            Entry::Occupied(_) => false,
            Entry::Vacant(slot) => {
                slot.insert(at);
                true
            }
        }
    }
}

/// XXH3's 128-bit hash of the id's bytes. Stable across runs and machines (no random seed),
/// so two waves' ids can be linked by fingerprint. The one id whose hash is zero (if any)
/// shares its fingerprint with those hashing to 1: a chance of 2⁻¹²⁸, far below the
/// collisions above.
pub fn fingerprint(id: &str) -> Fingerprint {
    let value = xxhash_rust::xxh3::xxh3_128(id.as_bytes());
    NonZeroU128::new(value).unwrap_or(NonZeroU128::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_exactly_the_inserted_ids() {
        let mut seen = SeenIds::default();
        let mut ids = Vec::new();
        for i in 0..10_000 {
            ids.push(Some(fingerprint(&format!("R{i:06}"))));
            assert!(seen.insert(&ids, i));
        }
        // A second row with an id already recorded is refused and not recorded.
        ids.push(Some(fingerprint("R000123")));
        assert!(!seen.insert(&ids, 10_000));
        ids.pop();
        let has = |id: &str| seen.contains(&ids, fingerprint(id));
        assert!(has("R000000"));
        assert!(has("R009999"));
        assert!(!has("R010000"));
        assert!(!has("r000000"));
        assert!(!has(""));
    }
}
