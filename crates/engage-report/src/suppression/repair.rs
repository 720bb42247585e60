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
        let solve = |target: usize, direction| -> Option<u64> {
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
            // bound is treated as exposed (withholding more is the safe side).
            let solution = problem.solve().ok()?;
            (solution.status() == Status::Optimal).then(|| solution.objective().round() as u64)
        };
        for &v in &members {
            let (c, g) = vars[v];
            let n = size(c, g);
            if n == 0 {
                continue;
            }
            let upper = solve(v, OptimizationDirection::Maximize);
            let lower = solve(v, OptimizationDirection::Minimize);
            let safe = match (lower, upper) {
                (Some(lo), Some(hi)) => lo < hi && (n >= min || hi >= min),
                _ => false,
            };
            if !safe {
                exposed.push(Exposed {
                    cell: (c, g),
                    published_nearby: nearby.clone(),
                });
            }
        }
    }
    exposed
}
