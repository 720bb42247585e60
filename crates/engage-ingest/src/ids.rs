//! Respondent ids already accepted, kept as 128-bit fingerprints rather than strings.
//!
//! A `HashSet<String>` of ten million ids took about 850 MB, more than the whole answer table;
//! fingerprints take 16 bytes each, and the table keeps them anyway (`respondent_ids`, which
//! links waves). The set of ids seen holds only row numbers into that column, beside 32 bits
//! of the fingerprint (8 bytes a slot, at most three quarters full: about 110 MB at ten
//! million). Two ids share a fingerprint with probability about n²/2¹²⁹ (10⁻²⁵ for ten
//! million ids), far below any chance of a hardware error, so a "duplicate" is never a false
//! alarm in practice.

use std::num::NonZeroU128;

/// A respondent id's fingerprint. Never zero, so that `Option<Fingerprint>` takes 16 bytes
/// per row instead of 32 (160 MB at ten million rows).
pub type Fingerprint = NonZeroU128;

/// The rows of a table's id column whose ids have been accepted, found by fingerprint: open
/// addressing with linear probing over slots of (32 fingerprint bits, row + 1), 0 for empty.
/// The fingerprint bits in the slot spare reading the id column (a cache miss) for all but
/// true duplicates; a set of millions misses the cache on every lookup, so [`SeenIds::warm`]
/// loads the slots of a run of ids together before they are inserted one by one.
#[derive(Default)]
pub struct SeenIds {
    slots: Vec<u64>,
    len: usize,
}

/// The slot index comes from the fingerprint's low bits, the tag from bits 64..96: both
/// uniform, and independent of each other.
fn home(id: Fingerprint, mask: usize) -> usize {
    id.get() as usize & mask
}

fn tag(id: Fingerprint) -> u64 {
    (id.get() >> 64) as u32 as u64
}

impl SeenIds {
    /// Room for `additional` more ids; ignored if the allocation is refused.
    pub fn reserve(&mut self, additional: usize, ids: &[Option<Fingerprint>]) {
        let _ = self.grow_for(self.len.saturating_add(additional), ids);
    }

    /// Whether a recorded row of `ids` has `id`.
    pub fn contains(&self, ids: &[Option<Fingerprint>], id: Fingerprint) -> bool {
        if self.slots.is_empty() {
            return false;
        }
        let mask = self.slots.len() - 1;
        let mut at = home(id, mask);
        loop {
            match self.slots[at] {
                0 => return false,
                slot if slot >> 32 == tag(id) && ids[(slot as u32 - 1) as usize] == Some(id) => {
                    return true
                }
                _ => at = (at + 1) & mask,
            }
        }
    }

    /// Records row `row` of `ids` (already pushed, with an id); false, recording nothing, when
    /// an earlier recorded row has the same id.
    ///
    /// # Panics
    /// Beyond 2³² − 1 rows with ids: a table that size (over 300 GB) cannot be held in memory.
    pub fn insert(&mut self, ids: &[Option<Fingerprint>], row: usize) -> bool {
        let id = ids[row].expect("a recorded row has an id");
        let entry = u32::try_from(row + 1).expect("at most 2^32 - 1 respondents with ids");
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow_for(self.len + 1, ids)
                .expect("memory for the set of respondent ids");
        }
        let mask = self.slots.len() - 1;
        let mut at = home(id, mask);
        loop {
            match self.slots[at] {
                0 => {
                    self.slots[at] = tag(id) << 32 | u64::from(entry);
                    self.len += 1;
                    return true;
                }
                slot if slot >> 32 == tag(id) && ids[(slot as u32 - 1) as usize] == Some(id) => {
                    return false
                }
                _ => at = (at + 1) & mask,
            }
        }
    }

    /// Loads the home slots of `ids` into the cache, all at once: the loads do not depend on
    /// each other, so their misses overlap, and the lookups that follow find them there.
    pub fn warm(&self, ids: &[Option<Fingerprint>]) {
        if self.slots.is_empty() {
            return;
        }
        let mask = self.slots.len() - 1;
        let mut any = 0;
        for id in ids.iter().flatten() {
            any |= self.slots[home(*id, mask)];
        }
        std::hint::black_box(any);
    }

    /// Slots for `len` ids at most three quarters full, moving the recorded rows over.
    fn grow_for(
        &mut self,
        len: usize,
        ids: &[Option<Fingerprint>],
    ) -> Result<(), std::collections::TryReserveError> {
        let wanted = len
            .saturating_mul(4)
            .div_ceil(3)
            .max(16)
            .checked_next_power_of_two()
            .unwrap_or(usize::MAX);
        if wanted <= self.slots.len() {
            return Ok(());
        }
        let mut slots = Vec::new();
        slots.try_reserve_exact(wanted)?;
        slots.resize(wanted, 0);
        let mask = wanted - 1;
        for &slot in self.slots.iter().filter(|&&s| s != 0) {
            let id = ids[(slot as u32 - 1) as usize].expect("a recorded row has an id");
            let mut at = home(id, mask);
            while slots[at] != 0 {
                at = (at + 1) & mask;
            }
            slots[at] = slot;
        }
        self.slots = slots;
        Ok(())
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

    #[test]
    fn ids_sharing_a_slot_and_a_tag_stay_apart() {
        // Same low bits (the home slot) and bits 64..96 (the tag), different top bits: three
        // distinct ids probe the same slots and must all be recorded, each found again.
        let id = |top: u128| NonZeroU128::new(top << 96 | 7 << 64 | 5).unwrap();
        let ids: Vec<Option<Fingerprint>> = (1..=3).map(|t| Some(id(t))).collect();
        let mut seen = SeenIds::default();
        for row in 0..3 {
            assert!(seen.insert(&ids, row));
        }
        for t in 1..=3 {
            assert!(seen.contains(&ids, id(t)));
        }
        assert!(!seen.contains(&ids, id(4)));
        let mut again = ids.clone();
        again.push(Some(id(2)));
        assert!(!seen.insert(&again, 3));
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_a_hash_set(
            picks in proptest::collection::vec((0u32..400, proptest::bool::ANY), 0..3000),
            reserve in 0usize..2000,
        ) {
            // Ids drawn from 400 values, so many repeat; some rows only ask (as a rejected
            // row does). The set starts empty or reserved, so growth is exercised too.
            let mut seen = SeenIds::default();
            let mut column: Vec<Option<Fingerprint>> = Vec::new();
            seen.reserve(reserve, &column);
            let mut reference = std::collections::HashSet::new();
            for (value, only_ask) in picks {
                let id = fingerprint(&format!("id{value}"));
                if only_ask {
                    proptest::prop_assert_eq!(seen.contains(&column, id), reference.contains(&id));
                    continue;
                }
                column.push(Some(id));
                let new = seen.insert(&column, column.len() - 1);
                proptest::prop_assert_eq!(new, reference.insert(id));
                if !new {
                    column.pop();
                }
            }
            seen.warm(&column);
        }
    }
}
