//! The exact check after the heuristic: the partition rules protect each partition on its own,
//! but several partitions together (a cross's rows and columns, nested sections, and the
//! published group size capping a figure's contributors) can still bound a withheld cell.
//! Here each withheld cell with contributors is bounded by integer programs over all the
//! partitions at once, as an attacker with the published counts would; a cell that can be
//! pinned, or a small one whose largest value is under the minimum, is reported for repair.
//!
//! Written from the partials, apart from `engage audit`, which redoes the check from the
//! published files alone.

use std::collections::{BTreeMap, HashMap};

use microlp::{ComparisonOp, OptimizationDirection, Problem, Status};

use super::{Decisions, Partition};

/// A cell (cut, group) the published counts expose, and the published cells of the equations
/// that expose it (withholding one of them loosens the bounds).
pub(super) struct Exposed {
    pub cell: (usize, usize),
    pub published_nearby: Vec<(usize, usize)>,
}

/// The exposed cells of one count table.
pub(super) fn exposed_cells(
    parts: &[Partition],
    size: &dyn Fn(usize, usize) -> u64,
    cap: &dyn Fn(usize, usize) -> Option<u64>,
    status: &Decisions,
    min: u64,
) -> Vec<Exposed> {
    let withheld = |c: usize, g: usize| status[c][g].is_some();
    let mut vars: Vec<(usize, usize)> = Vec::new();
    let mut var_of: HashMap<(usize, usize), usize> = HashMap::new();
    let mut var = |cell: (usize, usize), vars: &mut Vec<(usize, usize)>| -> usize {
        *var_of.entry(cell).or_insert_with(|| {
            vars.push(cell);
            vars.len() - 1
        })
    };
    // anchor = Σ children, with published counts moved to the right-hand side.
    let mut rows: Vec<(Vec<(usize, f64)>, f64)> = Vec::new();
    let mut published_in_row: Vec<Vec<(usize, usize)>> = Vec::new();
    for part in parts {
        let mut terms = Vec::new();
        let mut published = Vec::new();
        let mut rhs = 0.0;
        let (ac, ag) = part.anchor;
        if withheld(ac, ag) {
            terms.push((var((ac, ag), &mut vars), -1.0));
        } else {
            rhs += size(ac, ag) as f64;
            published.push((ac, ag));
        }
        for &g in &part.groups {
            if withheld(part.cut, g) {
                terms.push((var((part.cut, g), &mut vars), 1.0));
            } else {
                rhs -= size(part.cut, g) as f64;
                published.push((part.cut, g));
            }
        }
        if !terms.is_empty() {
            rows.push((terms, rhs));
            published.retain(|&(c, g)| size(c, g) > 0);
            published_in_row.push(published);
        }
    }
    // Solve each connected piece on its own.
    let mut root: Vec<usize> = (0..vars.len()).collect();
    fn find(root: &mut [usize], mut x: usize) -> usize {
        while root[x] != x {
            root[x] = root[root[x]];
            x = root[x];
        }
        x
    }
    for (terms, _) in &rows {
        for w in terms.windows(2) {
            let (a, b) = (find(&mut root, w[0].0), find(&mut root, w[1].0));
            root[a] = b;
        }
    }
    let mut pieces: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for v in 0..vars.len() {
        let r = find(&mut root, v);
        pieces.entry(r).or_default().push(v);
    }
    let mut rows_of: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, (terms, _)) in rows.iter().enumerate() {
        let r = find(&mut root, terms[0].0);
        rows_of.entry(r).or_default().push(i);
    }
    let mut exposed = Vec::new();
    for (r, members) in pieces {
        let local: HashMap<usize, usize> =
            members.iter().enumerate().map(|(i, &v)| (v, i)).collect();
        let piece_rows = rows_of.remove(&r).unwrap_or_default();
        let mut nearby: Vec<(usize, usize)> = piece_rows
            .iter()
            .flat_map(|&i| published_in_row[i].iter().copied())
            .collect();
        nearby.sort_unstable();
        nearby.dedup();
        // One integer program: `target`'s extreme in `direction`, and the whole solution,
        // rounded (integers in every constraint), by member.
        let solve = |target: usize, direction| -> Option<Vec<u64>> {
            let mut problem = Problem::new(direction);
            let handles: Vec<_> = members
                .iter()
                .map(|&v| {
                    let (c, g) = vars[v];
                    let upper = cap(c, g).map_or(i32::MAX, |u| u.min(i32::MAX as u64) as i32);
                    problem.add_integer_var(if v == target { 1.0 } else { 0.0 }, (0, upper))
                })
                .collect();
            for &i in &piece_rows {
                let (terms, rhs) = &rows[i];
                let expr: Vec<_> = terms
                    .iter()
                    .map(|&(v, k)| (handles[local[&v]], k))
                    .collect();
                problem.add_constraint(expr.as_slice(), ComparisonOp::Eq, *rhs);
            }
            // The true counts satisfy every equation, so the problem is feasible; an unproven
            // bound proves nothing (withholding more is the safe side).
            let solution = problem.solve().ok()?;
            (solution.status() == Status::Optimal).then(|| {
                handles
                    .iter()
                    .map(|&h| solution.var_value(h).round() as u64)
                    .collect()
            })
        };
        // A cell is safe when some counts that satisfy every published equation give it
        // another value than its own (its bounds differ) and, if it is under the minimum,
        // some give it at least the minimum (its upper bound reaches it). Every solution
        // found is such a set of counts for all the piece's cells at once, so it can prove
        // other cells safe too, and their programs are skipped: the same decisions as
        // bounding every cell both ways, with fewer programs (each is most of the time).
        let truth: Vec<u64> = members
            .iter()
            .map(|&v| {
                let (c, g) = vars[v];
                size(c, g)
            })
            .collect();
        let mut varies = vec![false; members.len()];
        let mut reaches_min: Vec<bool> = truth.iter().map(|&n| n >= min).collect();
        for (i, &v) in members.iter().enumerate() {
            if truth[i] == 0 {
                continue;
            }
            for direction in [
                OptimizationDirection::Maximize,
                OptimizationDirection::Minimize,
            ] {
                if varies[i] && reaches_min[i] {
                    break;
                }
                for (j, x) in solve(v, direction).into_iter().flatten().enumerate() {
                    varies[j] |= x != truth[j];
                    reaches_min[j] |= x >= min;
                }
            }
            if !(varies[i] && reaches_min[i]) {
                exposed.push(Exposed {
                    cell: vars[v],
                    published_nearby: nearby.clone(),
                });
            }
        }
    }
    exposed
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::model::Suppression;

    /// A bureau × age table: cut 0 the whole, 1 the bureaus, 2 the age bands, 3 the cross
    /// (cell `r * columns + c`); the partitions as `partitions` makes them.
    fn cross_parts(rows: usize, columns: usize) -> Vec<Partition> {
        let mut parts = vec![
            Partition {
                anchor: (0, 0),
                cut: 1,
                groups: (0..rows).collect(),
            },
            Partition {
                anchor: (0, 0),
                cut: 2,
                groups: (0..columns).collect(),
            },
        ];
        for r in 0..rows {
            parts.push(Partition {
                anchor: (1, r),
                cut: 3,
                groups: (0..columns).map(|c| r * columns + c).collect(),
            });
        }
        for c in 0..columns {
            parts.push(Partition {
                anchor: (2, c),
                cut: 3,
                groups: (0..rows).map(|r| r * columns + c).collect(),
            });
        }
        parts
    }

    /// The exposed cells by enumerating every assignment of 0..=whole to the withheld cells
    /// and keeping those that satisfy every partition's sum: each withheld cell's lowest and
    /// highest value, judged as the module says (pinned, or under the minimum and unable to
    /// reach it). Independent of the integer programs.
    fn brute_force(
        sizes: &[Vec<u64>],
        withheld: &[(usize, usize)],
        parts: &[Partition],
        min: u64,
    ) -> Vec<(usize, usize)> {
        let whole = sizes[0][0];
        let mut value = sizes.to_vec();
        let mut bounds = vec![(u64::MAX, 0u64); withheld.len()];
        let mut digits = vec![0u64; withheld.len()];
        loop {
            for (&(c, g), &d) in withheld.iter().zip(&digits) {
                value[c][g] = d;
            }
            let fits = parts.iter().all(|p| {
                let sum: u64 = p.groups.iter().map(|&g| value[p.cut][g]).sum();
                sum == value[p.anchor.0][p.anchor.1]
            });
            if fits {
                for (b, &d) in bounds.iter_mut().zip(&digits) {
                    *b = (b.0.min(d), b.1.max(d));
                }
            }
            // The next assignment, as a number in base whole + 1.
            let Some(i) = digits.iter().position(|&d| d < whole) else {
                break;
            };
            digits[i] += 1;
            digits[..i].fill(0);
        }
        withheld
            .iter()
            .zip(&bounds)
            .filter(|&(&(c, g), &(lo, hi))| {
                let n = sizes[c][g];
                n > 0 && !(lo < hi && (n >= min || hi >= min))
            })
            .map(|(&cell, _)| cell)
            .collect()
    }

    /// Nothing withheld but `cells`, in tables of these sizes.
    fn withholding(sizes: &[Vec<u64>], cells: &[(usize, usize)]) -> Decisions {
        let mut status: Decisions = sizes.iter().map(|c| vec![None; c.len()]).collect();
        for &(c, g) in cells {
            status[c][g] = Some(Suppression::Complementary);
        }
        status
    }

    /// The cells `exposed_cells` reports for a `rows` × `columns` cross, sorted.
    fn exposed_in_cross(
        (rows, columns): (usize, usize),
        sizes: &[Vec<u64>],
        status: &Decisions,
        min: u64,
    ) -> Vec<(usize, usize)> {
        let size = |c: usize, g: usize| sizes[c][g];
        let parts = cross_parts(rows, columns);
        let mut exposed: Vec<_> = exposed_cells(&parts, &size, &|_, _| None, status, min)
            .into_iter()
            .map(|e| e.cell)
            .collect();
        exposed.sort_unstable();
        exposed
    }

    /// A worked case: a 2 × 2 table with one margin and its cells withheld.
    ///
    /// ```text
    ///          A0  A1 | bureau
    ///   B0      3   4 |  7  (withheld, as are 3 and 4)
    ///   B1      6   8 | 14
    ///   age     9  12 | 21
    /// ```
    /// Column A0 publishes 9 = 3 + 6 with the 6 published: the 3 is pinned, and so are the
    /// 4 (column A1) and the bureau (7 = 21 − 14).
    #[test]
    fn a_withheld_row_under_published_columns_is_pinned() {
        let sizes = [vec![21], vec![7, 14], vec![9, 12], vec![3, 4, 6, 8]];
        let first_row = [(1, 0), (3, 0), (3, 1)];
        let status = withholding(&sizes, &first_row);
        assert_eq!(exposed_in_cross((2, 2), &sizes, &status, 5), first_row);
        // Withholding the second row too lets every cell move by one: nothing is exposed.
        let both_rows = [first_row, [(1, 1), (3, 2), (3, 3)]].concat();
        let status = withholding(&sizes, &both_rows);
        assert!(exposed_in_cross((2, 2), &sizes, &status, 5).is_empty());
    }

    /// A cell at its highest possible value is not pinned if it can go down: one bureau of
    /// 3 (published) over two age bands of 3 and 0 (withheld, as are both cells). Bounding
    /// the 3 upwards finds only 3; downwards, 0 (the other band then holds all 3), so
    /// nothing is exposed. Checked first is the band of 3, the first unknown met.
    #[test]
    fn a_cell_at_its_highest_value_still_moves_down() {
        let sizes = [vec![3], vec![3], vec![3, 0], vec![3, 0]];
        let status = withholding(&sizes, &[(2, 0), (2, 1), (3, 0), (3, 1)]);
        assert!(exposed_in_cross((1, 2), &sizes, &status, 2).is_empty());
        // With the other band published (0), the 3 is pinned both ways.
        let status = withholding(&sizes, &[(2, 0), (3, 0), (3, 1)]);
        assert_eq!(
            exposed_in_cross((1, 2), &sizes, &status, 2),
            [(2, 0), (3, 0)]
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Random tables of up to 2 × 3 cells, any cells withheld (margins too): the cells
        /// reported are exactly those the enumeration finds exposed.
        #[test]
        fn exposed_cells_are_those_the_enumeration_finds(
            rows in 1usize..=2,
            columns in 2usize..=3,
            cells in prop::collection::vec(0u64..=3, 6),
            withhold in prop::collection::vec(any::<bool>(), 11),
            min in 2u64..=6,
        ) {
            let cells = &cells[..rows * columns];
            let row_sum = |r: usize| cells[r * columns..][..columns].iter().sum::<u64>();
            let column_sum = |c: usize| (0..rows).map(|r| cells[r * columns + c]).sum::<u64>();
            let sizes = vec![
                vec![cells.iter().sum()],
                (0..rows).map(row_sum).collect(),
                (0..columns).map(column_sum).collect(),
                cells.to_vec(),
            ];
            // Bureaus, age bands and cells may be withheld; the whole is published.
            let candidates: Vec<(usize, usize)> = (1..4)
                .flat_map(|c| (0..sizes[c].len()).map(move |g| (c, g)))
                .collect();
            let withheld: Vec<(usize, usize)> = candidates
                .iter()
                .zip(&withhold)
                .filter(|&(_, &w)| w)
                .map(|(&cell, _)| cell)
                .collect();
            // At most 5 unknowns, so that the enumeration stays small.
            prop_assume!(withheld.len() <= 5);
            let status = withholding(&sizes, &withheld);
            let found = exposed_in_cross((rows, columns), &sizes, &status, min);
            let parts = cross_parts(rows, columns);
            prop_assert_eq!(found, brute_force(&sizes, &withheld, &parts, min));
        }
    }
}
