//! Properties of the aggregation pass: any split of the rows, merged in any order, in parallel
//! or not, gives identical partials; group counts add up to the whole.

use std::path::Path;

use engage_aggregate::{
    aggregate, aggregate_chunked, aggregate_rows, aggregate_sequential, cell_moments,
    cells_from_partials, driver_rows, driver_rows_of_kpis, merge_shards, read_partials,
    write_partials, DriverRequest, Listwise, PairSums, Partials, Sums,
};
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
[[kpis]]
id = "k_mean"
ja = "k"
en = "k"
kind = "mean"
item = "a"
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
            // Level 0 is the missing value, as ingest makes it.
            levels: (0..4)
                .map(|i| SegmentLevel {
                    key: if i == 0 { String::new() } else { i.to_string() },
                    value: if i == 0 { String::new() } else { i.to_string() },
                    parent: None,
                    across: None,
                })
                .collect(),
        }],
        multi: vec![MultiColumn::default()],
        respondent_ids: Vec::new(),
        comments: Vec::new(),
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

/// A table whose segment dictionary holds only the values seen, in first-seen order when
/// `first_seen` (as a shard read on its own might), else sorted (as ingest finishes it).
fn table_as_read(rows: &[([u8; 3], u32, u64, bool)], first_seen: bool) -> ResponseTable {
    let mut t = table(rows);
    let mut seen: Vec<u32> = Vec::new();
    for &(_, s, _, _) in rows {
        if s != 0 && !seen.contains(&s) {
            seen.push(s);
        }
    }
    if !first_seen {
        seen.sort_unstable();
    }
    let old = t.segments[0].levels.clone();
    let mut levels = vec![old[0].clone()];
    levels.extend(seen.iter().map(|&s| old[s as usize].clone()));
    for c in t.segments[0].codes.iter_mut() {
        if *c != 0 {
            *c = 1 + seen.iter().position(|s| s == c).unwrap() as u32;
        }
    }
    t.segments[0].levels = levels;
    t
}

proptest! {
    #[test]
    fn shards_with_their_own_dictionaries_merge_to_the_whole(
        rows in rows(),
        cuts in prop::collection::vec(0usize..300, 0..4),
        through_files in any::<bool>(),
    ) {
        let s = survey();
        let whole = aggregate_sequential(&s, &table_as_read(&rows, false));
        let mut bounds: Vec<usize> = cuts.into_iter().map(|c| c.min(rows.len())).collect();
        bounds.extend([0, rows.len()]);
        bounds.sort_unstable();
        let dir = tempfile::tempdir().unwrap();
        let mut shards = Vec::new();
        for (n, w) in bounds.windows(2).enumerate() {
            let part = aggregate_sequential(&s, &table_as_read(&rows[w[0]..w[1]], true));
            if through_files {
                let path = dir.path().join(format!("shard{n}.arrow"));
                write_partials(&path, &s, &part, &[], &Default::default()).unwrap();
                shards.push(read_partials(&path, &s).unwrap().partials);
            } else {
                shards.push(part);
            }
        }
        prop_assert_eq!(merge_shards(&s, &shards), whole);
    }

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

#[test]
fn answer_counts_beyond_u16_by_hand() {
    // The pass counts answers in u16 counters and flushes them into u64 before they could
    // overflow: 200,000 rows in one split must still count every answer. Every row answers a
    // with 3 and sits in group 1 (one counter reaches 200,000); row r answers b with
    // r % 5 + 1 (each code 40,000 times); c is missing.
    let s = survey();
    let rows: Vec<([u8; 3], u32, u64, bool)> = (0..200_000u32)
        .map(|r| ([3, (r % 5 + 1) as u8, 0], 1, 0, false))
        .collect();
    let p = aggregate_sequential(&s, &table(&rows));
    for items in [&p.overall().items, &p.cuts[1].groups[1].items] {
        assert_eq!(items[0].by_code, vec![0, 0, 0, 200_000, 0, 0, 0]);
        assert_eq!(
            items[1].by_code,
            vec![0, 40_000, 40_000, 40_000, 40_000, 40_000, 0]
        );
        assert_eq!(items[2].by_code, vec![200_000, 0, 0, 0, 0, 0, 0]);
    }
}

fn pair(n: u64, a: i128, b: i128, aa: i128, bb: i128, ab: i128) -> PairSums {
    PairSums {
        n,
        sum_a: a,
        sum_b: b,
        sum_aa: aa,
        sum_bb: bb,
        sum_ab: ab,
    }
}

#[test]
fn co_moments_by_hand() {
    // The rows of `composite_sums_by_hand`, flipped: (a, b, c) = (5, 5, -), (2, -, -), (1, 2, 3).
    // Score variables: 0 the dimension (scaled by 6), 1 the mean KPI of item a (its own
    // one-item composite, scale 1), 2 the share KPI "c in 4..5" as 0/1.
    // Per row: (30, 5, -), (-, 2, -), (12, 1, 0).
    let s = survey();
    let t = table(&[
        ([5, 1, 0], 1, 0, true),
        ([2, 255, 0], 1, 1, true),
        ([1, 4, 3], 2, 3, false),
    ]);
    let p = aggregate_sequential(&s, &t);
    let g = p.overall();

    let d = &g.dimension_items[0];
    // Only row 3 answers all three items.
    assert_eq!(d.listwise.n, 1);
    assert_eq!(d.listwise.sum, vec![1, 2, 3]);
    assert_eq!(d.listwise.cross, vec![1, 2, 3, 4, 6, 9]);
    // Pairs (a,b) on rows 1 and 3; (a,c) and (b,c) on row 3.
    assert_eq!(d.pairs[0], pair(2, 6, 7, 26, 29, 27));
    assert_eq!(d.pairs[1], pair(1, 1, 3, 1, 9, 3));
    assert_eq!(d.pairs[2], pair(1, 2, 3, 4, 9, 6));

    assert_eq!(g.score_pairs[0], pair(2, 42, 6, 1044, 26, 162));
    assert_eq!(g.score_pairs[1], pair(1, 12, 0, 144, 0, 0));
    assert_eq!(g.score_pairs[2], pair(1, 1, 0, 1, 0, 0));

    // Drivers: (dimension, KPI) on rows where both exist.
    let mut k0 = Listwise::new(2);
    k0.n = 2;
    k0.sum = vec![42, 6];
    k0.cross = vec![1044, 162, 26];
    assert_eq!(g.drivers[0], k0);
    let mut k1 = Listwise::new(2);
    k1.n = 1;
    k1.sum = vec![12, 0];
    k1.cross = vec![144, 0, 0];
    assert_eq!(g.drivers[1], k1);

    // Multi-select: rows 1 and 2 answered, only row 2 picked (x).
    let m = &g.multi[0].moments;
    assert_eq!(m.co_picked, vec![1, 0, 0]);
    let sums = |n, sum, sum_sq| Sums { n, sum, sum_sq };
    assert_eq!(m.kpi_answered, vec![sums(2, 7, 29), sums(0, 0, 0)]);
    assert_eq!(
        m.kpi_picked,
        vec![sums(1, 2, 4), sums(0, 0, 0), sums(0, 0, 0), sums(0, 0, 0)]
    );
}

/// A survey with a nested segment and a cross, whose parent segments and whole organisation
/// the pass sums from finer cuts instead of counting rows: every group of every cut must
/// still hold exactly the rows whose code it has, counted here by brute force.
const NESTED: &str = r#"
[survey]
id = "t"
ja = "t"
en = "t"
[wave]
year = 2023
label = "R5"
[data]
file = "x.csv"
[[items]]
id = "a"
column = "A"
ja = "a"
en = "a"
[[items]]
id = "b"
column = "B"
ja = "b"
en = "b"
[[segments]]
id = "bureau"
column = "Bureau"
ja = "局区"
en = "Bureau"
[[segments]]
id = "section"
column = "Section"
ja = "所属"
en = "Section"
parent = "bureau"
[[segments]]
id = "age"
column = "Age"
ja = "年齢"
en = "Age"
[[crosses]]
segments = ["bureau", "age"]
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

proptest! {
    #[test]
    fn summed_cuts_hold_exactly_their_rows(
        rows in prop::collection::vec(
            (0usize..3, 0usize..3, 0usize..3, 0u8..=6, 0u8..=6, 0u8..4),
            1..120,
        ),
        chunk in 1usize..50,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let definition = dir.path().join("survey.toml");
        std::fs::write(&definition, NESTED).unwrap();
        let survey = Survey::load(&definition).unwrap();
        fn cell(v: usize, words: [&'static str; 3]) -> &'static str {
            words[v]
        }
        let mut csv = String::from("Bureau,Section,Age,A,B,X,Y\n");
        for &(b, s, a, x, y, picks) in &rows {
            let answer = |v: u8| if v == 0 { String::new() } else if v == 6 { "99".into() } else { v.to_string() };
            csv += &format!(
                "{},{},{},{},{},{},{}\n",
                cell(b, ["", "東区", "西区"]),
                cell(s, ["", "総務課", "企画課"]),
                cell(a, ["", "20代", "30代"]),
                answer(x),
                answer(y),
                picks & 1,
                picks >> 1,
            );
        }
        let data = dir.path().join("x.csv");
        std::fs::write(&data, csv).unwrap();
        let ingested = engage_ingest::read_responses(&survey, &[data]).unwrap();
        let table = &ingested.table;
        let p = aggregate_chunked(&survey, table, chunk);
        prop_assert_eq!(p.cuts.len(), 1 + table.segments.len());
        for cut in &p.cuts {
            for (g, group) in cut.groups.iter().enumerate() {
                let members: Vec<usize> = (0..table.n_rows)
                    .filter(|&r| cut.segment.is_none_or(|s| table.segments[s].codes[r] as usize == g))
                    .collect();
                prop_assert_eq!(group.respondents, members.len() as u64);
                for (i, counts) in group.items.iter().enumerate() {
                    for (slot, &count) in counts.by_code.iter().enumerate() {
                        let by_hand = members
                            .iter()
                            .filter(|&&r| {
                                let code = table.items[i][r];
                                let code_slot = if code == 255 { counts.by_code.len() - 1 } else { code as usize };
                                code_slot == slot
                            })
                            .count();
                        prop_assert_eq!(count, by_hand as u64);
                    }
                }
                let multi = &table.multi[0];
                let answered: Vec<usize> = members.iter().copied().filter(|&r| multi.answered[r]).collect();
                prop_assert_eq!(group.multi[0].base, answered.len() as u64);
                for o in 0..2 {
                    let picked = answered.iter().filter(|&&r| multi.picks[r] >> o & 1 == 1).count();
                    prop_assert_eq!(group.multi[0].options[o], picked as u64);
                }
            }
        }
    }
}

proptest! {
    /// Raking on one segment, or on the two of a cross in either order, needs no pass: the
    /// cells from the partials' groups equal the pass's `cell_moments` (tested row by row
    /// below) exactly, for rows read from a file with blanks, not-applicable answers (99) and
    /// missing segment values, so the cells with one segment missing are there too.
    #[test]
    fn cells_of_a_segment_or_a_cross_come_from_the_partials_exactly(
        rows in prop::collection::vec(
            (0u8..=6, 0u8..=6, 0u8..=6, 0usize..4, 0usize..3),
            1..150,
        ),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let definition = dir.path().join("survey.toml");
        let text = DEFINITION.replace(
            "[[multi_select]]",
            "[[segments]]\nid = \"s2\"\ncolumn = \"S2\"\nja = \"s2\"\nen = \"s2\"\n[[crosses]]\nsegments = [\"s\", \"s2\"]\n[[multi_select]]",
        );
        std::fs::write(&definition, text).unwrap();
        let survey = Survey::load(&definition).unwrap();
        let mut csv = String::from("A,B,C,S,S2,X,Y\n");
        for &(a, b, c, s, s2) in &rows {
            let answer = |v: u8| if v == 0 { String::new() } else if v == 6 { "99".into() } else { v.to_string() };
            csv += &format!(
                "{},{},{},{},{},0,1\n",
                answer(a),
                answer(b),
                answer(c),
                ["", "p", "q", "r"][s],
                ["", "u", "v"][s2],
            );
        }
        let data = dir.path().join("x.csv");
        std::fs::write(&data, csv).unwrap();
        let ingested = engage_ingest::read_responses(&survey, &[data]).unwrap();
        let table = &ingested.table;
        let partials = aggregate(&survey, table);
        for rake in [vec![0], vec![1], vec![0, 1], vec![1, 0]] {
            let from_rows = cell_moments(&survey, table, &rake).unwrap();
            prop_assert_eq!(cells_from_partials(&survey, &partials, &rake), Some(from_rows));
        }
        // Three segments are no cut's groups.
        prop_assert_eq!(cells_from_partials(&survey, &partials, &[0, 1, 0]), None);
    }
}

proptest! {
    /// Raking's cells: every combination of the groups of two segments that has respondents,
    /// each with every variable's count, sum and sum of squares, against the values worked
    /// out row by row here from the definition above (b reverse-keyed; the dimension needs 2
    /// of its 3 items and is their mean, scaled by 6; the mean KPI is item a; the share KPI
    /// is c in {4, 5}).
    #[test]
    fn cells_hold_each_combination_s_moments_worked_row_by_row(rows in rows()) {
        let definition = DEFINITION.replace(
            "[[multi_select]]",
            "[[segments]]\nid = \"s2\"\ncolumn = \"S2\"\nja = \"s2\"\nen = \"s2\"\n[[multi_select]]",
        );
        let survey = Survey::from_toml(&definition, Path::new("t.toml")).unwrap();
        let mut t = table(&rows);
        // The second segment, with levels 0..=2 (0 missing), from the picks.
        let mut second = t.segments[0].clone();
        second.levels.truncate(3);
        second.codes = rows.iter().map(|r| (r.2 % 3) as u32).collect();
        t.segments.push(second);
        let cells = cell_moments(&survey, &t, &[0, 1]).unwrap();
        prop_assert_eq!(cells.respondents.iter().sum::<u64>(), rows.len() as u64);
        prop_assert!(cells.levels.windows(2).all(|w| w[0] < w[1]));
        let answer = |code: u8| (1..=5).contains(&code).then_some(f64::from(code));
        for (c, levels) in cells.levels.iter().enumerate() {
            let members: Vec<_> = rows
                .iter()
                .filter(|r| r.1 == levels[0] && (r.2 % 3) as u32 == levels[1])
                .collect();
            prop_assert!(!members.is_empty());
            prop_assert_eq!(cells.respondents[c], members.len() as u64);
            let check = |m: &engage_aggregate::ScaledMoments, scale: f64, values: Vec<f64>| {
                let n = values.len() as u64;
                let sum: f64 = values.iter().sum();
                let squares: f64 = values.iter().map(|x| x * x).sum();
                assert_eq!(m.n, n);
                assert!((m.sum as f64 / scale - sum).abs() < 1e-9, "sum");
                assert!((m.squares as f64 / (scale * scale) - squares).abs() < 1e-9, "squares");
                let mean = if n > 0 { sum / n as f64 } else { 0.0 };
                let about: f64 = values.iter().map(|x| (x - mean).powi(2)).sum();
                let exact = m.n_times_squares_about_mean() as f64 / (n.max(1) as f64 * scale * scale);
                assert!((exact - about).abs() < 1e-9, "squares about the mean");
            };
            let flipped = |r: &([u8; 3], u32, u64, bool), i: usize| {
                answer(r.0[i]).map(|x| if i == 1 { 6.0 - x } else { x })
            };
            for i in 0..3 {
                check(cells.item(c, i), 1.0, members.iter().filter_map(|r| flipped(r, i)).collect());
            }
            let dimension: Vec<f64> = members
                .iter()
                .filter_map(|r| {
                    let answered: Vec<f64> = (0..3).filter_map(|i| flipped(r, i)).collect();
                    (answered.len() >= 2).then(|| answered.iter().sum::<f64>() / answered.len() as f64)
                })
                .collect();
            prop_assert_eq!(cells.dimension_scale(0), 6.0);
            check(cells.dimension(c, 0), 6.0, dimension);
            check(cells.kpi(c, 0), cells.kpi_scale(0), members.iter().filter_map(|r| answer(r.0[0])).collect());
            let share: Vec<f64> = members
                .iter()
                .filter_map(|r| answer(r.0[2]).map(|x| f64::from(u8::from(x >= 4.0))))
                .collect();
            prop_assert_eq!(cells.kpi_scale(1), 1.0);
            check(cells.kpi(c, 1), 1.0, share);
        }
    }
}

/// 150,000 rows (more than two tasks of 65,536) from a seeded LCG: of every `spread` draws one
/// is no answer (0), one not applicable (255), the rest answers 1..=5; with `segments`, a
/// segment level 0..=3 a row.
fn pseudo_random_rows(seed: u64, spread: u32, segments: bool) -> Vec<([u8; 3], u32, u64, bool)> {
    let mut state = seed;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as u32
    };
    (0..150_000)
        .map(|_| {
            let code = |x: u32| match x % spread {
                0 => 0,
                1 => 255,
                x => (x % 5 + 1) as u8,
            };
            let answers = [code(next()), code(next()), code(next())];
            let segment = if segments { next() % 4 } else { 0 };
            (answers, segment, 0, false)
        })
        .collect()
}

/// The bootstrap's rows, built in parallel tasks of 65,536 rows and moved together, are the
/// respondents with a dimension score and the KPI, in table order, worked out row by row here
/// (the dimension: 2 of 3 items answered, sum × 6 / answered; the mean KPI: item a).
#[test]
fn driver_rows_across_tasks_are_the_complete_respondents_in_order() {
    let rows = pseudo_random_rows(7, 10, true);
    let t = table(&rows);
    let got = driver_rows(&survey(), &t, 0, &[1, 0]);
    let answer = |code: u8| (1..=5).contains(&code).then_some(i32::from(code));
    let expected: Vec<i32> = rows
        .iter()
        .filter_map(|r| {
            let flipped: Vec<i32> = (0..3)
                .filter_map(|i| answer(r.0[i]).map(|x| if i == 1 { 6 - x } else { x }))
                .collect();
            let kpi = answer(r.0[0])?;
            (flipped.len() >= 2)
                .then(|| [kpi, flipped.iter().sum::<i32>() * 6 / flipped.len() as i32])
        })
        .flatten()
        .collect();
    assert!(expected.len() > 100_000);
    assert_eq!(got.scales, vec![1.0, 6.0]);
    // Answer scores take few values, so the rows come as byte codes into each column's
    // possible values: the KPI's 1..=5, the dimension's sums 2..=15 times 6 / answered.
    let engage_aggregate::DriverValues::Coded { levels, .. } = &got.values else {
        panic!("a three-item dimension's rows must be byte codes");
    };
    assert_eq!(levels[0], vec![1, 2, 3, 4, 5]);
    let mut dimension: Vec<i64> = (2..=3)
        .flat_map(|answered| (answered..=5 * answered).map(move |sum| sum * 6 / answered))
        .collect();
    dimension.sort_unstable();
    dimension.dedup();
    assert_eq!(levels[1], dimension);
    let expected: Vec<i64> = expected.into_iter().map(i64::from).collect();
    assert_eq!(got.scaled_integers(), Some(expected));
}

/// Both KPIs' rows asked at once (one derivation of the scores for the two) are each what
/// the rows give worked out by hand: the mean KPI (item a) with the dimension, and the share
/// KPI (item c answered 4 or 5 → 1, else 0) alone, each over its own complete respondents;
/// rows across three tasks of 65,536, and the KPIs asked in the opposite order to theirs.
#[test]
fn driver_rows_of_two_kpis_at_once_are_each_kpis_own_rows() {
    let rows = pseudo_random_rows(11, 8, false);
    let t = table(&rows);
    let requests = [
        DriverRequest {
            kpi: 1,
            columns: vec![1],
        },
        DriverRequest {
            kpi: 0,
            columns: vec![0, 1],
        },
    ];
    let got = driver_rows_of_kpis(&survey(), &t, &requests);
    let answer = |code: u8| (1..=5).contains(&code).then_some(i64::from(code));
    let dimension = |r: &[u8; 3]| {
        let flipped: Vec<i64> = (0..3)
            .filter_map(|i| answer(r[i]).map(|x| if i == 1 { 6 - x } else { x }))
            .collect();
        (flipped.len() >= 2).then(|| flipped.iter().sum::<i64>() * 6 / flipped.len() as i64)
    };
    let share: Vec<i64> = rows
        .iter()
        .filter_map(|r| {
            dimension(&r.0)?;
            answer(r.0[2]).map(|c| i64::from(c >= 4))
        })
        .collect();
    let mean: Vec<i64> = rows
        .iter()
        .filter_map(|r| Some([dimension(&r.0)?, answer(r.0[0])?]))
        .flatten()
        .collect();
    assert!(share.len() > 80_000 && mean.len() > 2 * 80_000);
    assert_ne!(share.len() * 2, mean.len());
    assert_eq!(got.len(), 2);
    assert_eq!((got[0].width, got[0].scales.clone()), (1, vec![1.0]));
    assert_eq!((got[1].width, got[1].scales.clone()), (2, vec![6.0, 1.0]));
    assert_eq!(got[0].scaled_integers(), Some(share));
    assert_eq!(got[1].scaled_integers(), Some(mean));
    // Both as byte codes: neither fell back to building its rows alone.
    for rows in &got {
        assert!(matches!(
            rows.values,
            engage_aggregate::DriverValues::Coded { .. }
        ));
    }
}

/// A survey of one dimension of `items` items (half of them needed for a score) and a mean
/// KPI of its first item, with rows of codes 0..=5 (0: no answer) in a fixed pattern.
fn one_dimension(items: u32) -> (Survey, ResponseTable, Vec<Vec<u8>>) {
    let mut definition = String::from(
        "[survey]\nid = \"t\"\nja = \"t\"\nen = \"t\"\n[wave]\nyear = 2023\nlabel = \"R5\"\n[data]\nfile = \"x.csv\"\n[[dimensions]]\nid = \"d\"\nja = \"d\"\nen = \"d\"\n",
    );
    for i in 0..items {
        definition += &format!(
            "[[items]]\nid = \"i{i}\"\ncolumn = \"I{i}\"\nja = \"i\"\nen = \"i\"\ndimension = \"d\"\n"
        );
    }
    definition += "[[kpis]]\nid = \"k\"\nja = \"k\"\nen = \"k\"\nkind = \"mean\"\nitem = \"i0\"\n";
    let survey = Survey::from_toml(&definition, Path::new("t.toml")).unwrap();
    let rows: Vec<Vec<u8>> = (0..3_000u32)
        .map(|r| (0..items).map(|i| ((r * 7 + i * 3) % 6) as u8).collect())
        .collect();
    let table = ResponseTable {
        n_rows: rows.len(),
        items: (0..items as usize)
            .map(|i| rows.iter().map(|r| r[i]).collect())
            .collect(),
        segments: Vec::new(),
        multi: Vec::new(),
        respondent_ids: Vec::new(),
        comments: Vec::new(),
    };
    (survey, table, rows)
}

/// A row's dimension score worked out here: the mean of the answered items, when at least
/// half of them are answered.
fn score_by_hand(row: &[u8]) -> Option<f64> {
    let answered: Vec<f64> = row
        .iter()
        .filter(|&&x| x != 0)
        .map(|&x| f64::from(x))
        .collect();
    (answered.len() >= row.len() / 2).then(|| answered.iter().sum::<f64>() / answered.len() as f64)
}

/// Each row's (dimension score, KPI) with both present: the score by hand and the first item.
fn scores_by_hand(rows: &[Vec<u8>]) -> Vec<f64> {
    rows.iter()
        .filter(|r| r[0] != 0)
        .filter_map(|r| score_by_hand(r).map(|score| [score, f64::from(r[0])]))
        .flatten()
        .collect()
}

/// A dimension of 24 items has scaled scores beyond `i32` (lcm(1..=24) ≈ 5.4e9), so its
/// driver rows are floats, already divided.
#[test]
fn driver_rows_beyond_i32_are_the_scores_as_floats() {
    let (survey, table, rows) = one_dimension(24);
    let got = driver_rows(&survey, &table, 0, &[0, 1]);
    let expected = scores_by_hand(&rows);
    assert!(expected.len() > 1_000);
    let engage_aggregate::DriverValues::Floats(floats) = got.values else {
        panic!("rows beyond i32 must be floats");
    };
    assert_eq!(floats.len(), expected.len());
    for (a, b) in floats.iter().zip(&expected) {
        assert!((a - b).abs() < 1e-12, "{a} against {b}");
    }
}

/// A dimension of 12 items can score more than 256 values (means with denominators 6 to 12),
/// too many for byte codes: its rows are the scaled integers (scale lcm(6..=12) = 27,720).
#[test]
fn driver_rows_of_many_possible_scores_are_scaled_integers() {
    let (survey, table, rows) = one_dimension(12);
    let got = driver_rows(&survey, &table, 0, &[0, 1]);
    let expected = scores_by_hand(&rows);
    assert!(expected.len() > 1_000);
    let engage_aggregate::DriverValues::Scaled(values) = &got.values else {
        panic!("scores of more than 256 values must be scaled integers");
    };
    assert_eq!(values.len(), expected.len());
    for ((&v, scale), b) in values.iter().zip(got.scales.iter().cycle()).zip(&expected) {
        assert!(
            (f64::from(v) / scale - b).abs() < 1e-12,
            "{v} / {scale} against {b}"
        );
    }
}

/// Asked together, a request too varied for byte codes (the 12-item dimension) and one that
/// is not (the KPI alone) each get their own form: the first the scaled integers of the
/// scores by hand, the second the first item's codes over the same complete rows.
#[test]
fn driver_rows_of_kpis_in_different_forms_at_once() {
    let (survey, table, rows) = one_dimension(12);
    let requests = [
        DriverRequest {
            kpi: 0,
            columns: vec![0, 1],
        },
        DriverRequest {
            kpi: 0,
            columns: vec![1],
        },
    ];
    let got = driver_rows_of_kpis(&survey, &table, &requests);
    let expected = scores_by_hand(&rows);
    let engage_aggregate::DriverValues::Scaled(values) = &got[0].values else {
        panic!("scores of more than 256 values must be scaled integers");
    };
    assert_eq!(values.len(), expected.len());
    for ((&v, scale), b) in values
        .iter()
        .zip(got[0].scales.iter().cycle())
        .zip(&expected)
    {
        assert!(
            (f64::from(v) / scale - b).abs() < 1e-12,
            "{v} / {scale} against {b}"
        );
    }
    assert!(matches!(
        got[1].values,
        engage_aggregate::DriverValues::Coded { .. }
    ));
    let kpi: Vec<i64> = expected.chunks(2).map(|pair| pair[1] as i64).collect();
    assert_eq!(got[1].scaled_integers(), Some(kpi));
}

/// Raking's cell moments of a dimension too varied for one counter per value (12 items: more
/// than 256 possible scores), which keeps its sums, and of one counted by value (6 items),
/// against the scores worked out row by row: one cell (no segments) of every row.
#[test]
fn cell_moments_by_counters_and_by_sums_match_the_scores_by_hand() {
    for items in [6, 12] {
        let (survey, table, rows) = one_dimension(items);
        let cells = cell_moments(&survey, &table, &[]).unwrap();
        assert_eq!(cells.respondents, vec![rows.len() as u64]);
        let scores: Vec<f64> = rows.iter().filter_map(|r| score_by_hand(r)).collect();
        let m = cells.dimension(0, 0);
        let scale = cells.dimension_scale(0);
        assert_eq!(m.n, scores.len() as u64, "{items} items");
        let sum: f64 = scores.iter().sum();
        let squares: f64 = scores.iter().map(|x| x * x).sum();
        assert!(
            (m.sum as f64 / scale - sum).abs() < 1e-6,
            "{items} items: sum"
        );
        assert!(
            (m.squares as f64 / (scale * scale) - squares).abs() < 1e-6,
            "{items} items: squares"
        );
        // The first item, counted by code.
        let first: Vec<f64> = rows
            .iter()
            .filter(|r| r[0] != 0)
            .map(|r| f64::from(r[0]))
            .collect();
        let item = cells.item(0, 0);
        assert_eq!(item.n, first.len() as u64);
        assert_eq!(item.sum as f64, first.iter().sum::<f64>());
        assert_eq!(
            item.squares as f64,
            first.iter().map(|x| x * x).sum::<f64>()
        );
    }
}

/// The fingerprints survive the SQL merge route: DuckDB and Spark write `fixed_size_binary(16)`
/// back as plain binary (BLOB), and a file rewritten that way reads to the same fingerprints;
/// a value of another length is refused.
#[test]
fn fingerprints_read_back_from_plain_binary() {
    use std::sync::Arc;

    use arrow_array::{Array, ArrayRef, BinaryArray, FixedSizeBinaryArray, RecordBatch};
    use arrow_schema::{DataType, Field, Schema};

    let s = survey();
    let rows = vec![([1, 2, 3], 0, 0, false), ([4, 5, 1], 1, 0, true)];
    let part = aggregate_sequential(&s, &table_as_read(&rows, false));
    let ids = [3u128, u128::MAX - 7, 1 << 100];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.arrow");
    write_partials(&path, &s, &part, &ids, &Default::default()).unwrap();
    let rewrite = |to: &Path, shorten: bool| {
        let reader =
            arrow_ipc::reader::FileReader::try_new(std::fs::File::open(&path).unwrap(), None)
                .unwrap();
        let schema = reader.schema();
        let batches: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
        let at = schema.index_of("id_fingerprint").unwrap();
        let fields: Vec<Field> = schema
            .fields()
            .iter()
            .map(|f| match f.name().as_str() {
                "id_fingerprint" => Field::new("id_fingerprint", DataType::Binary, true),
                _ => f.as_ref().clone(),
            })
            .collect();
        let new_schema = Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()));
        let file = std::fs::File::create(to).unwrap();
        let mut writer = arrow_ipc::writer::FileWriter::try_new(file, &new_schema).unwrap();
        for b in batches {
            let fixed = b
                .column(at)
                .as_any()
                .downcast_ref::<FixedSizeBinaryArray>()
                .unwrap();
            let plain: BinaryArray = (0..fixed.len())
                .map(|r| {
                    (!fixed.is_null(r)).then(|| {
                        let v = fixed.value(r);
                        if shorten {
                            &v[..15]
                        } else {
                            v
                        }
                    })
                })
                .collect();
            let mut columns: Vec<ArrayRef> = b.columns().to_vec();
            columns[at] = Arc::new(plain);
            writer
                .write(&RecordBatch::try_new(new_schema.clone(), columns).unwrap())
                .unwrap();
        }
        writer.finish().unwrap();
    };
    let binary = dir.path().join("binary.arrow");
    rewrite(&binary, false);
    let back = read_partials(&binary, &s).unwrap();
    let mut want = ids.to_vec();
    want.sort_unstable();
    assert_eq!(back.respondent_ids, want);
    assert_eq!(back.partials, part);
    let short = dir.path().join("short.arrow");
    rewrite(&short, true);
    let err = read_partials(&short, &s)
        .err()
        .expect("15-byte fingerprints refused");
    assert!(err.to_string().contains("no id fingerprint"), "{err}");
}
