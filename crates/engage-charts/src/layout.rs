//! Positions for the co-occurrence network: Fruchterman–Reingold force layout (Software:
//! Practice and Experience 21(11), 1991) from a fixed start on a circle, so the same network
//! always draws the same way. Positions end in the unit square.

/// Node positions in [0, 1]² for `n` nodes and weighted edges `(a, b, weight)`.
pub fn force_layout(n: usize, edges: &[(usize, usize, f64)]) -> Vec<(f64, f64)> {
    if n == 0 {
        return Vec::new();
    }
    let mut pos: Vec<(f64, f64)> = (0..n)
        .map(|i| {
            let a = std::f64::consts::TAU * i as f64 / n as f64;
            (0.5 + 0.4 * a.cos(), 0.5 + 0.4 * a.sin())
        })
        .collect();
    let k = (1.0 / n as f64).sqrt();
    let iterations = 400;
    for step in 0..iterations {
        let temperature = 0.08 * (1.0 - step as f64 / iterations as f64) + 1e-4;
        let mut shift = vec![(0.0f64, 0.0f64); n];
        for i in 0..n {
            for j in i + 1..n {
                let (dx, dy) = (pos[i].0 - pos[j].0, pos[i].1 - pos[j].1);
                let d = (dx * dx + dy * dy).sqrt().max(1e-3);
                let f = k * k / d;
                shift[i].0 += dx / d * f;
                shift[i].1 += dy / d * f;
                shift[j].0 -= dx / d * f;
                shift[j].1 -= dy / d * f;
            }
        }
        for &(a, b, w) in edges {
            let (dx, dy) = (pos[a].0 - pos[b].0, pos[a].1 - pos[b].1);
            let d = (dx * dx + dy * dy).sqrt().max(1e-3);
            let f = d * d / k * (0.5 + w);
            shift[a].0 -= dx / d * f;
            shift[a].1 -= dy / d * f;
            shift[b].0 += dx / d * f;
            shift[b].1 += dy / d * f;
        }
        for (p, s) in pos.iter_mut().zip(&shift) {
            // Gravity keeps unlinked terms from drifting off.
            let s = (s.0 + (0.5 - p.0) * 2.0 * k, s.1 + (0.5 - p.1) * 2.0 * k);
            let len = (s.0 * s.0 + s.1 * s.1).sqrt();
            if len > 0.0 {
                let m = len.min(temperature);
                p.0 += s.0 / len * m;
                p.1 += s.1 / len * m;
            }
        }
    }
    let (min_x, max_x) = bounds(pos.iter().map(|p| p.0));
    let (min_y, max_y) = bounds(pos.iter().map(|p| p.1));
    pos.iter()
        .map(|p| (unit(p.0, min_x, max_x), unit(p.1, min_y, max_y)))
        .collect()
}

fn bounds(v: impl Iterator<Item = f64>) -> (f64, f64) {
    v.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
        (lo.min(x), hi.max(x))
    })
}

fn unit(x: f64, lo: f64, hi: f64) -> f64 {
    if hi - lo < 1e-9 {
        0.5
    } else {
        (x - lo) / (hi - lo)
    }
}

/// Connected components of the drawn edges: one colour per cluster of terms.
pub fn components(n: usize, edges: &[(usize, usize, f64)]) -> Vec<usize> {
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for &(a, b, _) in edges {
        let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
        if ra != rb {
            parent[ra.max(rb)] = ra.min(rb);
        }
    }
    // Number components by their first node, in node order.
    let mut ids = vec![usize::MAX; n];
    let mut next = 0;
    (0..n)
        .map(|i| {
            let r = root(&mut parent, i);
            if ids[r] == usize::MAX {
                ids[r] = next;
                next += 1;
            }
            ids[r]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linked_nodes_end_closer_than_unlinked_ones() {
        // 0–1 and 2–3 linked, the pairs not linked to each other.
        let p = force_layout(4, &[(0, 1, 1.0), (2, 3, 1.0)]);
        let d = |a: usize, b: usize| ((p[a].0 - p[b].0).powi(2) + (p[a].1 - p[b].1).powi(2)).sqrt();
        assert!(d(0, 1) < d(0, 2) && d(2, 3) < d(1, 3), "{p:?}");
        assert!(p
            .iter()
            .all(|&(x, y)| (0.0..=1.0).contains(&x) && (0.0..=1.0).contains(&y)));
    }

    #[test]
    fn components_by_hand() {
        assert_eq!(components(5, &[(0, 2, 1.0), (3, 4, 1.0)]), [0, 1, 0, 2, 2]);
    }
}
