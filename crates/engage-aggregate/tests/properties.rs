//! Properties of the aggregation pass: any split of the rows, merged in any order, in parallel
//! or not, gives identical partials; group counts add up to the whole.

use std::path::Path;

use engage_aggregate::{aggregate_chunked, aggregate_rows, aggregate_sequential, Partials};
use engage_ingest::{MultiColumn, ResponseTable, SegmentColumn, SegmentLevel};
use engage_model::Survey;
use proptest::prelude::*;

const DEFINITION: &str = r#"
[survey]
id = "t"
ja = "t"
en = "t"
[wave]
year = 2023
label = "R5"
[data]
file = "x.csv"
[[dimensions]]
id = "d"
ja = "d"
en = "d"
[[items]]
id = "a"
column = "A"
ja = "a"
en = "a"
dimension = "d"
[[items]]
id = "b"
column = "B"
ja = "b"
en = "b"
dimension = "d"
reverse = true
[[items]]
id = "c"
column = "C"
ja = "c"
en = "c"
dimension = "d"
[[segments]]
id = "s"
column = "S"
ja = "s"
en = "s"
[[multi_select]]
id = "m"
ja = "m"
en = "m"
storage = "columns"
options = [
  { id = "x", ja = "x", en = "x", column = "X" },
  { id = "y", ja = "y", en = "y", column = "Y" },
]
"#;

fn survey() -> Survey {
    Survey::from_toml(DEFINITION, Path::new("t.toml")).unwrap()
}

/// Rows of (answers to a, b, c as codes 0..=5 or 255, segment level 0..=3, picks, answered).
fn table(rows: &[([u8; 3], u32, u64, bool)]) -> ResponseTable {
    let mut t = ResponseTable {
        n_rows: rows.len(),
        items: vec![Vec::new(); 3],
        segments: vec![SegmentColumn {
            codes: Vec::new(),
            levels: (0..4)
                .map(|i| SegmentLevel {
                    key: i.to_string(),
                    value: i.to_string(),
                    parent: None,
                })
                .collect(),
        }],
        multi: vec![MultiColumn::default()],
    };
    for (answers, seg, picks, answered) in rows {
        for (i, a) in answers.iter().enumerate() {
            t.items[i].push(*a);
        }
        t.segments[0].codes.push(*seg);
        t.multi[0].picks.push(if *answered { *picks } else { 0 });
        t.multi[0].answered.push(*answered);
    }
    t
}

fn code() -> impl Strategy<Value = u8> {
    prop_oneof![8 => 1u8..=5, 1 => Just(0u8), 1 => Just(255u8)]
}

fn rows() -> impl Strategy<Value = Vec<([u8; 3], u32, u64, bool)>> {
    prop::collection::vec(
        ([code(), code(), code()], 0u32..4, 0u64..4, any::<bool>()),
        0..300,
    )
}

proptest! {
    #[test]
    fn parallel_equals_sequential(rows in rows(), chunk in 1usize..64) {
        let s = survey();
        let t = table(&rows);
        prop_assert_eq!(aggregate_chunked(&s, &t, chunk), aggregate_sequential(&s, &t));
    }

    #[test]
    fn any_split_merged_in_any_order_is_identical(rows in rows(), cuts in prop::collection::vec(0usize..300, 0..6), reverse in any::<bool>()) {
        let s = survey();
        let t = table(&rows);
        let whole = aggregate_sequential(&s, &t);
        let mut bounds: Vec<usize> = cuts.into_iter().map(|c| c.min(t.n_rows)).collect();
        bounds.extend([0, t.n_rows]);
        bounds.sort_unstable();
        let mut parts: Vec<Partials> = bounds.windows(2).map(|w| aggregate_rows(&s, &t, w[0]..w[1])).collect();
        if reverse {
            parts.reverse();
        }
        let mut merged = parts.pop().unwrap();
        for p in parts.iter().rev() {
            merged.merge(p);
        }
        prop_assert_eq!(merged, whole);
    }

    #[test]
    fn groups_add_up_to_the_whole(rows in rows()) {
        let s = survey();
        let p = aggregate_sequential(&s, &table(&rows));
        let overall = p.overall();
        prop_assert_eq!(overall.respondents, rows.len() as u64);
        let groups = &p.cuts[1].groups;
        prop_assert_eq!(groups.iter().map(|g| g.respondents).sum::<u64>(), overall.respondents);
        for i in 0..3 {
            for code in 0..overall.items[i].by_code.len() {
                let sum: u64 = groups.iter().map(|g| g.items[i].by_code[code]).sum();
                prop_assert_eq!(sum, overall.items[i].by_code[code]);
            }
        }
        let n: u64 = groups.iter().map(|g| g.composites[0].n).sum();
        prop_assert_eq!(n, overall.composites[0].n);
    }
}

#[test]
fn composite_sums_by_hand() {
    // Row 1: a=5, b=1 (reverse -> 5), c=missing: 2 of 3 answered, score 5 -> scaled 5*6=30.
    // Row 2: a=2, b=n/a, c=missing: 1 answered < ceil(3/2)=2, no score.
    // Row 3: a=1, b=4 (-> 2), c=3: score 2 -> scaled 12. Scale = lcm(1,2,3) = 6.
    let s = survey();
    let t = table(&[
        ([5, 1, 0], 1, 0, true),
        ([2, 255, 0], 1, 1, true),
        ([1, 4, 3], 2, 3, false),
    ]);
    let p = aggregate_sequential(&s, &t);
    let c = p.overall().composites[0];
    assert_eq!((c.n, c.sum, c.sum_sq), (2, 42, 30 * 30 + 12 * 12));
    // Item b: one 1, one n/a, one 4; n/a sits in the last slot.
    assert_eq!(p.overall().items[1].by_code, vec![0, 1, 0, 0, 1, 0, 1]);
    // Multi-select: two answered; picks {} and {x}; the unanswered row's picks do not count.
    assert_eq!(p.overall().multi[0].base, 2);
    assert_eq!(p.overall().multi[0].options, vec![1, 0]);
}
