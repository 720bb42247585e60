//! A bureau pack: the full report cut down to one group of one segment (a bureau) and the groups
//! inside it (its sections, its bureau × age cells), plus the whole-organisation figures to
//! compare with. Nothing is recomputed, so a pack withholds exactly what the full release
//! withholds and can reveal nothing the full release does not.

use crate::model::{GroupReport, Report, SegmentReport};

/// The pack of group `key` of segment `segment`, or None when that group is not published.
pub fn pack(report: &Report, segment: &str, key: &str) -> Option<Report> {
    let own = report
        .segments
        .iter()
        .find(|s| s.id == segment)?
        .groups
        .iter()
        .find(|g| g.key == key)?;
    if own.suppressed {
        return None;
    }
    // Segments whose groups sit inside `segment`'s groups, directly or through parents.
    let inside = |s: &SegmentReport| -> bool {
        let mut at = s.parent.as_deref();
        while let Some(p) = at {
            if p == segment {
                return true;
            }
            at = report
                .segments
                .iter()
                .find(|x| x.id == p)
                .and_then(|x| x.parent.as_deref());
        }
        false
    };
    // Whether group `g` of segment `s` lies inside the pack's group.
    fn within(
        report: &Report,
        s: &SegmentReport,
        g: &GroupReport,
        segment: &str,
        key: &str,
    ) -> bool {
        if s.id == segment {
            return g.key == key;
        }
        if s.across.as_deref() == Some(segment) && g.across_key.as_deref() == Some(key) {
            return true;
        }
        let (Some(parent), Some(parent_key)) = (s.parent.as_deref(), g.parent_key.as_deref())
        else {
            return false;
        };
        let Some(ps) = report.segments.iter().find(|x| x.id == parent) else {
            return false;
        };
        ps.groups
            .iter()
            .find(|x| x.key == parent_key)
            .is_some_and(|pg| within(report, ps, pg, segment, key))
    }
    let mut out = report.clone();
    let mut kept: Vec<(String, String)> = Vec::new();
    out.segments = report
        .segments
        .iter()
        .filter(|s| s.id == segment || inside(s) || s.across.as_deref() == Some(segment))
        .map(|s| {
            let mut s2 = s.clone();
            s2.groups.retain(|g| within(report, s, g, segment, key));
            kept.extend(s2.groups.iter().map(|g| (s.id.clone(), g.key.clone())));
            s2
        })
        .filter(|s| !s.groups.is_empty())
        .collect();
    if let Some(f) = &mut out.free_text {
        // The organisation's comment figures and the pack's own group; exported comments
        // only of that group.
        for q in &mut f.questions {
            let own_label = q
                .segments
                .iter()
                .find(|s| s.id == segment)
                .and_then(|s| s.groups.iter().find(|g| g.key == key && !g.withheld))
                .map(|g| g.label.clone());
            for s in &mut q.segments {
                s.groups.retain(|g| s.id == segment && g.key == key);
            }
            q.segments.retain(|s| !s.groups.is_empty());
            let first_is_pack = report_first_text_segment(report) == Some(segment);
            q.exported
                .retain(|c| first_is_pack && c.group.is_some() && c.group == own_label);
            // The mask counts are the full release's; a pack's subset has its own.
            q.masked = None;
        }
    }
    if let Some(c) = &mut out.previous_wave {
        c.segments.retain(|x| {
            kept.iter()
                .any(|(s, k)| x.segment.as_ref() == Some(s) && x.group.as_ref() == Some(k))
        });
    }
    for q in &mut out.multi_select {
        q.by_segment.retain_mut(|t| {
            t.groups
                .retain(|g| kept.iter().any(|(s, k)| *s == t.segment && *k == g.group));
            !t.groups.is_empty()
        });
        for t in &mut q.by_segment {
            // The test across all groups of the segment belongs to the full release.
            t.chi_square = None;
            t.df = None;
            t.p_value = None;
            t.min_expected = None;
        }
    }
    if let Some(p) = &mut out.population {
        p.groups
            .retain(|g| kept.iter().any(|(s, k)| *s == g.segment && *k == g.key));
    }
    Some(out)
}

/// The segment exported comments are labelled with (the first comment segment).
fn report_first_text_segment(report: &Report) -> Option<&str> {
    let f = report.free_text.as_ref()?;
    f.questions.first()?.segments.first().map(|s| s.id.as_str())
}
