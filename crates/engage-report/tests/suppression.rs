//! Suppression rules on organisation trees: hand-worked cases and properties over random trees.

use std::path::Path;

use engage_aggregate::{GroupLevel, GroupPartial, Partials};
use engage_model::Survey;
use engage_report::{decide, Decisions, Suppression};
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
[[items]]
id = "q"
column = "Q"
ja = "q"
en = "q"
[[segments]]
id = "bureau"
column = "B"
ja = "局"
en = "Bureau"
[[segments]]
id = "section"
column = "S"
ja = "課"
en = "Section"
parent = "bureau"
[[segments]]
id = "age"
column = "A"
ja = "年齢"
en = "Age"
"#;

fn survey() -> Survey {
    Survey::from_toml(DEFINITION, Path::new("t.toml")).unwrap()
}

/// The same segments plus the cross bureau × age.
fn crossed_survey() -> Survey {
    let text = format!("{DEFINITION}\n[[crosses]]\nsegments = [\"bureau\", \"age\"]\n");
    Survey::from_toml(&text, Path::new("t.toml")).unwrap()
}

/// Partials of a bureau × age table `cells[b][a]` (each bureau one section).
fn crossed_partials(survey: &Survey, cells: &[Vec<u64>]) -> Partials {
    let rows: Vec<Vec<u64>> = cells.iter().map(|r| vec![r.iter().sum()]).collect();
    let ages: Vec<u64> = (0..cells[0].len())
        .map(|a| cells.iter().map(|r| r[a]).sum())
        .collect();
    let mut p = partials(survey, &rows, &ages);
    let mut levels = vec![GroupLevel {
        key: String::new(),
        value: String::new(),
        parent: Some(0),
        across: Some(0),
    }];
    for (b, row) in cells.iter().enumerate() {
        for a in 0..row.len() {
            levels.push(GroupLevel {
                key: format!("B{b} × A{a}"),
                value: format!("A{a}"),
                parent: Some(b + 1),
                across: Some(a + 1),
            });
        }
    }
    let mut groups = vec![GroupPartial::empty(survey)];
    for &n in cells.iter().flatten() {
        let mut g = GroupPartial::empty(survey);
        g.respondents = n;
        groups.push(g);
    }
    p.cuts.push(engage_aggregate::CutPartial {
        segment: Some(3),
        levels,
        groups,
    });
    p
}

fn level(key: String, parent: Option<usize>) -> GroupLevel {
    GroupLevel {
        value: key.clone(),
        key,
        parent,
        across: None,
    }
}

/// Partials with only respondent counts: `sections[b]` are the section sizes of bureau b+1
/// (level 0 is the missing value and stays empty), `ages` the age-band sizes.
fn partials(survey: &Survey, sections: &[Vec<u64>], ages: &[u64]) -> Partials {
    let mut bureau_levels = vec![level(String::new(), None)];
    let mut section_levels = vec![level(String::new(), None)];
    for (b, secs) in sections.iter().enumerate() {
        bureau_levels.push(level(format!("B{b}"), None));
        for s in 0..secs.len() {
            section_levels.push(level(format!("B{b} / S{s}"), Some(b + 1)));
        }
    }
    let mut age_levels = vec![level(String::new(), None)];
    age_levels.extend((0..ages.len()).map(|a| level(format!("A{a}"), None)));
    let mut p = Partials::empty(survey, &[bureau_levels, section_levels, age_levels]);
    let set = |g: &mut GroupPartial, n: u64| g.respondents = n;
    let total: u64 = sections.iter().flatten().sum();
    set(&mut p.cuts[0].groups[0], total);
    let mut s_index = 1;
    for (b, secs) in sections.iter().enumerate() {
        set(&mut p.cuts[1].groups[b + 1], secs.iter().sum());
        for &n in secs {
            set(&mut p.cuts[2].groups[s_index], n);
            s_index += 1;
        }
    }
    for (a, &n) in ages.iter().enumerate() {
        set(&mut p.cuts[3].groups[a + 1], n);
    }
    p
}

fn status(d: &Decisions, cut: usize, group: usize) -> Option<Suppression> {
    d[cut][group]
}

#[test]
fn one_small_section_takes_its_smallest_sibling_with_it() {
    let s = survey();
    // Bureau B0: sections of 3, 12 and 8. The 3 is primary; 8 is withheld so that 3 cannot be
    // recovered as 23 - 12 - 8. Bureau B1 is untouched.
    let p = partials(&s, &[vec![3, 12, 8], vec![20, 30]], &[40, 33]);
    let d = decide(&p, &s.segment_parents, &s.segment_across, 5);
    assert_eq!(status(&d, 2, 1), Some(Suppression::Primary));
    assert_eq!(status(&d, 2, 3), Some(Suppression::Complementary));
    assert_eq!(status(&d, 2, 2), None);
    assert_eq!(status(&d, 2, 4), None);
    assert_eq!(status(&d, 1, 1), None);
}

#[test]
fn two_tiny_sections_that_add_up_under_the_minimum_need_a_third() {
    let s = survey();
    // 1 + 2 = 3 < 5 could still be recovered as one small group: withhold the 6 as well.
    let p = partials(&s, &[vec![1, 2, 6, 30]], &[39]);
    let d = decide(&p, &s.segment_parents, &s.segment_across, 5);
    let withheld: Vec<usize> = (1..=4).filter(|&g| d[2][g].is_some()).collect();
    assert_eq!(withheld, vec![1, 2, 3]);
}

#[test]
fn a_withheld_bureau_hides_enough_of_its_sections() {
    let s = survey();
    // B0 has 1 person: primary, and so is its one section. B1 (10) is withheld to protect B0.
    // B1's sections are 8 and 2: the 2 is primary. Publishing the 8 would leave, worked by
    // hand: B0 + B1 = 51 − 40 = 11, so B1 ≤ 11 and the 2 = B1 − 8 ≤ 3, a range entirely under
    // the minimum. So the 8 is withheld too (the withheld children must add up to ≥ 5).
    let p = partials(&s, &[vec![1], vec![8, 2], vec![40]], &[51]);
    let d = decide(&p, &s.segment_parents, &s.segment_across, 5);
    assert_eq!(status(&d, 1, 1), Some(Suppression::Primary));
    assert_eq!(status(&d, 1, 2), Some(Suppression::Complementary));
    assert_eq!(status(&d, 2, 2), Some(Suppression::Complementary));
    assert_eq!(status(&d, 2, 3), Some(Suppression::Primary));

    // With B0 = 4 and sections 6 and 7, B1 (13) would be their sum: one must be withheld, and
    // the hidden 6 alone is enough (it is not small, and B1 is not their published sum).
    let p = partials(&s, &[vec![4], vec![6, 7], vec![40]], &[57]);
    let d = decide(&p, &s.segment_parents, &s.segment_across, 5);
    assert_eq!(status(&d, 1, 2), Some(Suppression::Complementary));
    assert_eq!(status(&d, 2, 2), Some(Suppression::Complementary));
    assert_eq!(status(&d, 2, 3), None);
}

#[test]
fn a_small_cross_cell_is_protected_along_its_row_and_its_column() {
    let s = crossed_survey();
    // Bureau × age:   A0  A1
    //           B0     3  20
    //           B1    10  30
    // The 3 is primary. Its row (B0 = 23 published) needs the 20 withheld; its column (A0 = 13
    // published) needs the 10 withheld; then row B1 (40) holds the 10 alone, so the 30 goes
    // too. Worked by hand: every cell is withheld, nothing is recoverable.
    let p = crossed_partials(&s, &[vec![3, 20], vec![10, 30]]);
    let d = decide(&p, &s.segment_parents, &s.segment_across, 5);
    let cross = 4;
    assert_eq!(status(&d, cross, 1), Some(Suppression::Primary));
    for g in 2..=4 {
        assert_eq!(
            status(&d, cross, g),
            Some(Suppression::Complementary),
            "cell {g}"
        );
    }
    // The margins stay published.
    assert_eq!(status(&d, 1, 1), None);
    assert_eq!(status(&d, 3, 1), None);

    // A second small cell in the same column and row pattern needs nothing more.
    let p = crossed_partials(&s, &[vec![3, 20, 9], vec![2, 30, 9]]);
    let d = decide(&p, &s.segment_parents, &s.segment_across, 5);
    let withheld: Vec<usize> = (1..=6).filter(|&g| d[cross][g].is_some()).collect();
    // 3 and 2 primary (column A0 then holds two withheld cells totalling 5); each row needs a
    // second cell: the smallest published one, 9 in both rows, which also pairs up column A2.
    assert_eq!(withheld, vec![1, 3, 4, 6]);
}

/// (cut, group) of the total a group is part of, in one partition of its segment.
type AnchorOf = Box<dyn Fn(&GroupLevel) -> (usize, usize)>;

fn check_invariants(
    p: &Partials,
    d: &Decisions,
    parents: &[Option<usize>],
    across: &[Option<usize>],
    min: u64,
) -> Result<(), TestCaseError> {
    // No group under the minimum is published.
    for (c, cut) in p.cuts.iter().enumerate() {
        for (g, group) in cut.groups.iter().enumerate() {
            if group.respondents > 0 && group.respondents < min {
                prop_assert!(
                    d[c][g].is_some(),
                    "cut {c} group {g} of {} published",
                    group.respondents
                );
            }
        }
    }
    // Partitions: each segment's groups under their anchor; a cross's under each group of
    // its first segment and, separately, of its second.
    let cut_of = |seg: usize| p.cuts.iter().position(|x| x.segment == Some(seg)).unwrap();
    for (c, cut) in p.cuts.iter().enumerate().skip(1) {
        let seg = cut.segment.unwrap();
        let mut anchorings: Vec<AnchorOf> = vec![];
        match parents[seg] {
            None => anchorings.push(Box::new(|_| (0, 0))),
            Some(ps) => {
                let pc = cut_of(ps);
                anchorings.push(Box::new(move |l| (pc, l.parent.unwrap_or(0))));
            }
        }
        if let Some(b) = across[seg] {
            let bc = cut_of(b);
            anchorings.push(Box::new(move |l| (bc, l.across.unwrap_or(0))));
        }
        for anchor_of in &anchorings {
            let mut anchors: std::collections::BTreeMap<(usize, usize), Vec<usize>> =
                Default::default();
            for (g, l) in cut.levels.iter().enumerate() {
                if cut.groups[g].respondents == 0 {
                    continue;
                }
                anchors.entry(anchor_of(l)).or_default().push(g);
            }
            for ((ac, ag), groups) in anchors {
                let withheld: Vec<usize> = groups
                    .iter()
                    .copied()
                    .filter(|&g| d[c][g].is_some())
                    .collect();
                let all_withheld = withheld.len() == groups.len();
                if d[ac][ag].is_none() {
                    let total: u64 = withheld.iter().map(|&g| cut.groups[g].respondents).sum();
                    prop_assert!(
                        withheld.is_empty()
                            || all_withheld
                            || (withheld.len() >= 2 && total >= min),
                        "cut {c}: withheld {withheld:?} totalling {total} under a published anchor"
                    );
                } else {
                    let total: u64 = withheld.iter().map(|&g| cut.groups[g].respondents).sum();
                    prop_assert!(
                        all_withheld || total >= min,
                        "cut {c}: withheld {withheld:?} totalling {total} under a withheld anchor"
                    );
                }
            }
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn random_trees_satisfy_the_rules(
        sections in prop::collection::vec(prop::collection::vec(0u64..30, 1..6), 1..8),
        age_weights in prop::collection::vec(1u64..10, 1..6),
        min in 3u64..11,
    ) {
        let s = survey();
        let total: u64 = sections.iter().flatten().sum();
        prop_assume!(total >= min);
        // Split the same total over age bands in proportion to the weights.
        let wsum: u64 = age_weights.iter().sum();
        let mut ages: Vec<u64> = age_weights.iter().map(|w| total * w / wsum).collect();
        let rest = total - ages.iter().sum::<u64>();
        ages[0] += rest;
        let p = partials(&s, &sections, &ages);
        let d = decide(&p, &s.segment_parents, &s.segment_across, min as u32);
        check_invariants(&p, &d, &s.segment_parents, &s.segment_across, min)?;
    }

    #[test]
    fn random_crosses_satisfy_the_rules(
        cells in prop::collection::vec(prop::collection::vec(0u64..25, 3), 1..6),
        min in 3u64..11,
    ) {
        let s = crossed_survey();
        let total: u64 = cells.iter().flatten().sum();
        prop_assume!(total >= min);
        let p = crossed_partials(&s, &cells);
        let d = decide(&p, &s.segment_parents, &s.segment_across, min as u32);
        check_invariants(&p, &d, &s.segment_parents, &s.segment_across, min)?;
    }
}
