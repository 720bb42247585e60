//! The linear system between counts: every partition of a total into groups is one equation
//! (segment groups add up to the whole organisation, nested groups to their parent group, a
//! cross's groups to the groups of either of its segments). With the published counts as
//! constants, each withheld count is bounded by an integer linear program: the smallest and
//! largest value it can take with every count a non-negative integer.

use std::collections::{BTreeMap, HashMap};

use microlp::{ComparisonOp, OptimizationDirection, Problem, Status};

use crate::release::{CountTable, Place, Release, Shown};
use crate::AuditError;

/// `total = Σ parts`.
#[derive(Debug, Clone)]
pub struct Relation {
    pub total: Place,
    pub parts: Vec<Place>,
}

/// Every partition the release's structure implies. A total with no published part is an
/// equation too (its count must then be 0).
pub fn relations(release: &Release) -> Vec<Relation> {
    let mut out = Vec::new();
    for (s, segment) in release.segments.iter().enumerate() {
        let place = |group| Place::Group { segment: s, group };
        match segment.parent {
            None => out.push(Relation {
                total: Place::Whole,
                parts: (0..segment.groups.len()).map(place).collect(),
            }),
            Some(p) => {
                type Link = fn(&crate::release::Group) -> Option<usize>;
                let mut links: Vec<(usize, Link)> = vec![(p, |g| g.parent)];
                if let Some(b) = segment.across {
                    links.push((b, |g| g.across));
                }
                for (enclosing, link) in links {
                    let mut by_total: BTreeMap<usize, Vec<Place>> =
                        (0..release.segments[enclosing].groups.len())
                            .map(|g| (g, Vec::new()))
                            .collect();
                    for (g, group) in segment.groups.iter().enumerate() {
                        if let Some(t) = link(group) {
                            by_total.entry(t).or_default().push(place(g));
                        }
                    }
                    for (t, parts) in by_total {
                        out.push(Relation {
                            total: Place::Group {
                                segment: enclosing,
                                group: t,
                            },
                            parts,
                        });
                    }
                }
            }
        }
    }
    out
}

/// The feasible range of one withheld count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub lower: u64,
    pub upper: u64,
}

/// Bounds of every withheld count of one table. `caps` gives an upper bound per place when one
/// is known from elsewhere (a figure's contributors cannot outnumber the group's respondents).
pub fn withheld_ranges(
    table: &CountTable,
    relations: &[Relation],
    caps: &dyn Fn(Place) -> Option<u64>,
) -> Result<BTreeMap<Place, Range>, AuditError> {
    let mut unknowns: Vec<Place> = Vec::new();
    let mut index: HashMap<Place, usize> = HashMap::new();
    let mut unknown = |place: Place| -> Option<usize> {
        match table.at(place) {
            Shown::Count(_) => None,
            Shown::Withheld => Some(*index.entry(place).or_insert_with(|| {
                unknowns.push(place);
                unknowns.len() - 1
            })),
        }
    };
    // Each equation as (unknown index, coefficient) terms = constant.
    let mut equations: Vec<(Vec<(usize, f64)>, f64)> = Vec::new();
    for relation in relations {
        let mut terms = Vec::new();
        let mut constant = 0.0;
        for (place, sign) in
            std::iter::once((relation.total, -1.0)).chain(relation.parts.iter().map(|&p| (p, 1.0)))
        {
            match unknown(place) {
                Some(u) => terms.push((u, sign)),
                None => {
                    if let Shown::Count(v) = table.at(place) {
                        constant -= sign * v as f64;
                    }
                }
            }
        }
        if terms.is_empty() {
            if constant != 0.0 {
                return Err(AuditError::Inconsistent(format!(
                    "{}: the groups under {} do not add up to it (off by {})",
                    table.name,
                    relation.total_name(),
                    -constant
                )));
            }
            continue;
        }
        equations.push((terms, constant));
    }
    // Independent pieces are solved apart: a withheld section only meets its own bureau's
    // equations, so the programs stay small.
    let mut components = UnionFind::new(unknowns.len());
    for (terms, _) in &equations {
        for w in terms.windows(2) {
            components.join(w[0].0, w[1].0);
        }
    }
    let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for u in 0..unknowns.len() {
        members.entry(components.root(u)).or_default().push(u);
    }
    let mut equations_of: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (e, (terms, _)) in equations.iter().enumerate() {
        equations_of
            .entry(components.root(terms[0].0))
            .or_default()
            .push(e);
    }
    let mut out = BTreeMap::new();
    for (root, vars) in members {
        let local: HashMap<usize, usize> = vars.iter().enumerate().map(|(i, &u)| (u, i)).collect();
        let eqs = equations_of.remove(&root).unwrap_or_default();
        for (i, &u) in vars.iter().enumerate() {
            let mut range = [0u64; 2];
            for (slot, direction) in [
                (0, OptimizationDirection::Minimize),
                (1, OptimizationDirection::Maximize),
            ] {
                let mut problem = Problem::new(direction);
                let handles: Vec<_> = vars
                    .iter()
                    .enumerate()
                    .map(|(j, &v)| {
                        let cap =
                            caps(unknowns[v]).map_or(i32::MAX, |c| c.min(i32::MAX as u64) as i32);
                        problem.add_integer_var(if j == i { 1.0 } else { 0.0 }, (0, cap))
                    })
                    .collect();
                for &e in &eqs {
                    let (terms, constant) = &equations[e];
                    let expr: Vec<_> = terms
                        .iter()
                        .map(|&(t, c)| (handles[local[&t]], c))
                        .collect();
                    problem.add_constraint(expr.as_slice(), ComparisonOp::Eq, *constant);
                }
                let solution = problem.solve().map_err(|e| {
                    AuditError::Inconsistent(format!(
                        "{}: no non-negative counts satisfy the published figures around {} ({e})",
                        table.name,
                        describe_place(unknowns[u])
                    ))
                })?;
                if solution.status() != Status::Optimal {
                    return Err(AuditError::Solver(format!(
                        "{}: the bound of {} was not proven",
                        table.name,
                        describe_place(unknowns[u])
                    )));
                }
                range[slot] = solution.objective().round().max(0.0) as u64;
            }
            out.insert(
                unknowns[u],
                Range {
                    lower: range[0],
                    upper: range[1],
                },
            );
        }
    }
    Ok(out)
}

fn describe_place(place: Place) -> String {
    match place {
        Place::Whole => "the whole organisation".into(),
        Place::Group { segment, group } => format!("group {group} of segment {segment}"),
    }
}

impl Relation {
    fn total_name(&self) -> String {
        describe_place(self.total)
    }
}

struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n).collect(),
        }
    }

    fn root(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    fn join(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.root(a), self.root(b));
        if ra != rb {
            self.parent[ra] = rb;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::{Group, Segment};

    /// Bureaus A (published 12), B and C (withheld) under a whole of 20: by hand, B + C = 8, so
    /// each lies in 0..=8.
    #[test]
    fn two_withheld_siblings_share_the_remainder() {
        let release = Release {
            min_group_size: 5,
            segments: vec![Segment {
                id: "bureau".into(),
                parent: None,
                across: None,
                groups: ["A", "B", "C"]
                    .iter()
                    .map(|k| Group {
                        key: k.to_string(),
                        parent: None,
                        across: None,
                    })
                    .collect(),
            }],
            tables: Vec::new(),
        };
        let table = CountTable {
            name: "respondents".into(),
            whole: Shown::Count(20),
            groups: vec![vec![Shown::Count(12), Shown::Withheld, Shown::Withheld]],
        };
        let ranges = withheld_ranges(&table, &relations(&release), &|_| None).unwrap();
        let b = Place::Group {
            segment: 0,
            group: 1,
        };
        assert_eq!(ranges[&b], Range { lower: 0, upper: 8 });
        // With C published at 5, B is pinned at 3.
        let table = CountTable {
            groups: vec![vec![Shown::Count(12), Shown::Withheld, Shown::Count(5)]],
            ..table
        };
        let ranges = withheld_ranges(&table, &relations(&release), &|_| None).unwrap();
        assert_eq!(ranges[&b], Range { lower: 3, upper: 3 });
    }
}
