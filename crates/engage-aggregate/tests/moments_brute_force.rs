//! Every co-moment and composite sum of the pass against a brute-force reference written
//! here from the documented definitions (scaled integer scores, pairwise and listwise
//! deletion), row by row in `i128`. The pass holds a block's score values and sums of products
//! in the narrowest exact types (`Plan::width`): `i16` values with `i32` sums when a block's
//! sums of squares fit `i32`, `i64` when they fit `i64`, `i128` otherwise. Three surveys, with
//! a 4-, a 7- and a 19-item dimension, take the three widths, so each is held to the same
//! reference. Of the two multi-select questions, the 3-option one is counted by pick set and
//! the 18-option one pick by pick, with rows of up to 18 picks (more than the tallies count
//! without a loop), so both ways are held to it too.

use std::path::Path;

use engage_aggregate::{
    aggregate_chunked, composite_scale, pair_index, upper_index, Listwise, PairSums,
    ScoreVariables, Sums,
};
use engage_ingest::{MultiColumn, ResponseTable, SegmentColumn, SegmentLevel};
use engage_model::{KpiMeasure, Survey};
use proptest::prelude::*;

fn definition(long: usize) -> String {
    let mut s = String::from(
        r#"
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
id = "short"
ja = "s"
en = "s"
[[dimensions]]
id = "long"
ja = "l"
en = "l"
[[items]]
id = "a"
column = "A"
ja = "a"
en = "a"
dimension = "short"
[[items]]
id = "b"
column = "B"
ja = "b"
en = "b"
dimension = "short"
reverse = true
[[items]]
id = "c"
column = "C"
ja = "c"
en = "c"
dimension = "short"
[[items]]
id = "kpi"
column = "K"
ja = "k"
en = "k"
"#,
    );
    for i in 0..long {
        s += &format!(
            "[[items]]\nid = \"l{i}\"\ncolumn = \"L{i}\"\nja = \"l\"\nen = \"l\"\ndimension = \"long\"\n{}",
            if i % 3 == 1 { "reverse = true\n" } else { "" }
        );
    }
    s += r#"
[[kpis]]
id = "k_mean"
ja = "k"
en = "k"
kind = "mean"
item = "kpi"
[[kpis]]
id = "k_share"
ja = "k"
en = "k"
kind = "share"
item = "c"
points = [4, 5]
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
  { id = "z", ja = "z", en = "z", column = "Z" },
]
[[multi_select]]
id = "wide"
ja = "w"
en = "w"
storage = "columns"
options = [
"#;
    for o in 0..WIDE_OPTIONS {
        s += &format!("  {{ id = \"w{o}\", ja = \"w\", en = \"w\", column = \"W{o}\" }},\n");
    }
    s += "]\n";
    s
}

/// Options of the second question: more than the pass counts by pick set (16).
const WIDE_OPTIONS: usize = 18;

#[derive(Debug, Clone)]
struct Row {
    codes: Vec<u8>,
    segment: u32,
    picks: u64,
    answered: bool,
    /// The second question's picks and whether it was answered.
    wide: u64,
    wide_answered: bool,
}

impl Row {
    /// Question `q`'s picks, if answered.
    fn picked(&self, q: usize) -> Option<u64> {
        match q {
            0 => self.answered.then_some(self.picks),
            _ => self.wide_answered.then_some(self.wide),
        }
    }
}

fn table(rows: &[Row], items: usize) -> ResponseTable {
    ResponseTable {
        n_rows: rows.len(),
        items: (0..items)
            .map(|i| rows.iter().map(|r| r.codes[i]).collect())
            .collect(),
        segments: vec![SegmentColumn {
            codes: rows.iter().map(|r| r.segment).collect(),
            levels: (0..3)
                .map(|i| SegmentLevel {
                    key: if i == 0 { String::new() } else { i.to_string() },
                    value: if i == 0 { String::new() } else { i.to_string() },
                    parent: None,
                    across: None,
                })
                .collect(),
        }],
        multi: (0..2)
            .map(|q| MultiColumn {
                picks: rows.iter().map(|r| r.picked(q).unwrap_or(0)).collect(),
                answered: rows.iter().map(|r| r.picked(q).is_some()).collect(),
            })
            .collect(),
        respondent_ids: Vec::new(),
        comments: Vec::new(),
    }
}

/// The reference: per row, flipped codes and scaled score variables, as the partials define
/// them (composite score = sum of flipped codes × LCM(1..=k) / answered, when at least
/// `min_answered` items are answered; share KPI = 1 when the flipped code is a chosen one).
fn reference_values(survey: &Survey, codes: &[u8]) -> (Vec<Option<i128>>, Vec<Option<i128>>) {
    let points = survey.points();
    let flipped: Vec<Option<i128>> = survey
        .definition
        .items
        .iter()
        .zip(codes)
        .map(|(item, &code)| match code {
            0 | 255 => None,
            c if item.reverse => Some(i128::from(points + 1 - c)),
            c => Some(i128::from(c)),
        })
        .collect();
    let mut values: Vec<Option<i128>> = survey
        .composites
        .iter()
        .map(|c| {
            let answered: Vec<i128> = c.items.iter().filter_map(|&i| flipped[i]).collect();
            let n = answered.len();
            (n > 0 && n >= c.min_answered)
                .then(|| answered.iter().sum::<i128>() * composite_scale(c.items.len()) / n as i128)
        })
        .collect();
    for m in &survey.kpi_measures {
        if let KpiMeasure::Share { item, codes } = m {
            values.push(flipped[*item].map(|x| i128::from(codes.contains(&(x as u8)))));
        }
    }
    (flipped, values)
}

fn pair_of(rows: &[(i128, i128)]) -> PairSums {
    let mut p = PairSums::default();
    for &(a, b) in rows {
        p.n += 1;
        p.sum_a += a;
        p.sum_b += b;
        p.sum_aa += a * a;
        p.sum_bb += b * b;
        p.sum_ab += a * b;
    }
    p
}

fn listwise_of(rows: &[Vec<i128>], k: usize) -> Listwise {
    let mut l = Listwise::new(k);
    for row in rows {
        l.n += 1;
        for i in 0..k {
            l.sum[i] += row[i];
            for j in i..k {
                l.cross[upper_index(i, j, k)] += row[i] * row[j];
            }
        }
    }
    l
}

fn sums_of(values: impl Iterator<Item = i128>) -> Sums {
    let mut s = Sums::default();
    for x in values {
        s.n += 1;
        s.sum += x;
        s.sum_sq += x * x;
    }
    s
}

fn check(long: usize, rows: &[Row], chunk: usize) -> Result<(), TestCaseError> {
    let survey = Survey::from_toml(&definition(long), Path::new("t.toml")).unwrap();
    let items = survey.definition.items.len();
    let t = table(rows, items);
    let p = aggregate_chunked(&survey, &t, chunk);
    let per_row: Vec<_> = rows
        .iter()
        .map(|r| reference_values(&survey, &r.codes))
        .collect();
    let variables = ScoreVariables::of(&survey);
    let v = variables.len();

    // Composite sums in every group, and the whole organisation.
    for (g, group) in p.cuts[1].groups.iter().enumerate() {
        for (c, sums) in group.composites.iter().enumerate() {
            let by_hand = sums_of(
                rows.iter()
                    .zip(&per_row)
                    .filter(|(r, _)| r.segment as usize == g)
                    .filter_map(|(_, (_, values))| values[c]),
            );
            prop_assert_eq!(
                (sums.n, sums.sum, sums.sum_sq),
                (by_hand.n, by_hand.sum, by_hand.sum_sq)
            );
        }
    }
    let overall = p.overall();
    for (c, sums) in overall.composites.iter().enumerate() {
        let by_hand = sums_of(per_row.iter().filter_map(|(_, values)| values[c]));
        prop_assert_eq!(
            (sums.n, sums.sum, sums.sum_sq),
            (by_hand.n, by_hand.sum, by_hand.sum_sq)
        );
    }

    // Score pairs: pairwise deletion.
    for a in 0..v {
        for b in a + 1..v {
            let both: Vec<(i128, i128)> = per_row
                .iter()
                .filter_map(|(_, x)| Some((x[a]?, x[b]?)))
                .collect();
            prop_assert_eq!(
                &overall.score_pairs[pair_index(a, b, v)],
                &pair_of(&both),
                "pair {} {}",
                a,
                b
            );
        }
    }

    // Drivers: listwise over every dimension score and the KPI.
    for (k, drivers) in overall.drivers.iter().enumerate() {
        let kpi = variables.kpi_variable[k];
        let complete: Vec<Vec<i128>> = per_row
            .iter()
            .filter_map(|(_, x)| {
                (0..variables.dimensions)
                    .chain([kpi])
                    .map(|i| x[i])
                    .collect::<Option<Vec<i128>>>()
            })
            .collect();
        prop_assert_eq!(drivers, &listwise_of(&complete, variables.dimensions + 1));
    }

    // Item co-moments per dimension: listwise and pairwise.
    for (d, moments) in overall.dimension_items.iter().enumerate() {
        let dim_items = &survey.composites[d].items;
        let k = dim_items.len();
        let complete: Vec<Vec<i128>> = per_row
            .iter()
            .filter_map(|(f, _)| dim_items.iter().map(|&i| f[i]).collect())
            .collect();
        prop_assert_eq!(&moments.listwise, &listwise_of(&complete, k));
        for a in 0..k {
            for b in a + 1..k {
                let both: Vec<(i128, i128)> = per_row
                    .iter()
                    .filter_map(|(f, _)| Some((f[dim_items[a]]?, f[dim_items[b]]?)))
                    .collect();
                prop_assert_eq!(&moments.pairs[pair_index(a, b, k)], &pair_of(&both));
            }
        }
    }

    // Multi-select: base and option counts per group; for the whole organisation co-picks,
    // and KPI sums of those who answered and who picked.
    for (q, options) in [(0, 3), (1, WIDE_OPTIONS)] {
        let picks_of = |r: &Row, o: usize| r.picked(q).is_some_and(|p| p >> o & 1 == 1);
        for (g, group) in p.cuts[1].groups.iter().enumerate() {
            let members: Vec<&Row> = rows.iter().filter(|r| r.segment as usize == g).collect();
            let counts = &group.multi[q];
            let base = members.iter().filter(|r| r.picked(q).is_some()).count();
            prop_assert_eq!(counts.base, base as u64);
            for o in 0..options {
                let picked = members.iter().filter(|r| picks_of(r, o)).count();
                prop_assert_eq!(
                    counts.options[o],
                    picked as u64,
                    "question {} option {}",
                    q,
                    o
                );
            }
        }
        let m = &overall.multi[q].moments;
        let answered: Vec<(&Row, &Vec<Option<i128>>)> = rows
            .iter()
            .zip(&per_row)
            .filter(|(r, _)| r.picked(q).is_some())
            .map(|(r, (_, x))| (r, x))
            .collect();
        for o in 0..options {
            for o2 in o..options {
                let both = answered
                    .iter()
                    .filter(|(r, _)| picks_of(r, o) && picks_of(r, o2))
                    .count();
                prop_assert_eq!(m.co_picked[upper_index(o, o2, options)], both as u64);
            }
        }
        for (k, &kpi) in variables.kpi_variable.iter().enumerate() {
            let by_hand = sums_of(answered.iter().filter_map(|(_, x)| x[kpi]));
            prop_assert_eq!(&m.kpi_answered[k], &by_hand);
            for o in 0..options {
                let by_hand = sums_of(
                    answered
                        .iter()
                        .filter(|(r, _)| picks_of(r, o))
                        .filter_map(|(_, x)| x[kpi]),
                );
                prop_assert_eq!(
                    &m.kpi_picked[o * variables.kpi_variable.len() + k],
                    &by_hand
                );
            }
        }
    }
    Ok(())
}

fn rows(items: usize) -> impl Strategy<Value = Vec<Row>> {
    let code = prop_oneof![8 => 1u8..=5, 1 => Just(0u8), 1 => Just(255u8)];
    prop::collection::vec(
        (
            prop::collection::vec(code, items),
            0u32..3,
            0u64..8,
            any::<bool>(),
            // Mostly a few picks, some rows many.
            prop_oneof![
                3 => prop::collection::vec(0..WIDE_OPTIONS, 0..4),
                1 => prop::collection::vec(0..WIDE_OPTIONS, 0..=WIDE_OPTIONS),
            ],
            any::<bool>(),
        ),
        0..1500,
    )
    .prop_map(|rows| {
        rows.into_iter()
            .map(
                |(codes, segment, picks, answered, wide, wide_answered)| Row {
                    codes,
                    segment,
                    picks,
                    answered,
                    wide: wide.iter().fold(0, |bits, &o| bits | 1 << o),
                    wide_answered,
                },
            )
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn short_dimensions_match_brute_force(rows in rows(4 + 4), chunk in 1usize..2000) {
        // Scores reach 5 × LCM(1..=4) = 60: block sums of squares fit i32.
        let largest = 5 * composite_scale(4);
        prop_assert!(largest * largest * 1024 <= i128::from(i32::MAX));
        check(4, &rows, chunk)?;
    }

    #[test]
    fn a_seven_item_dimension_matches_brute_force(rows in rows(4 + 7), chunk in 1usize..2000) {
        // Scores reach 5 × LCM(1..=7) = 2,100: block sums of squares over 1,024 rows exceed
        // i32 but fit i64.
        let largest = 5 * composite_scale(7);
        prop_assert!(largest * largest * 1024 > i128::from(i32::MAX));
        prop_assert!(largest * largest * 1024 <= i128::from(i64::MAX));
        check(7, &rows, chunk)?;
    }

    #[test]
    fn a_nineteen_item_dimension_matches_brute_force(rows in rows(4 + 19), chunk in 1usize..2000) {
        // Scores reach 5 × LCM(1..=19); block sums of their squares over 1,024 rows
        // exceed i64, so the pass sums in i128 (its documented rule, checked here).
        let largest = 5 * composite_scale(19);
        prop_assert!(largest * largest * 1024 > i128::from(i64::MAX));
        check(19, &rows, chunk)?;
    }
}
