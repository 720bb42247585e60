//! `engage init`: a first survey definition drafted from a raw export the analyst has never
//! described. Every column is profiled (distinct values, integers, separators) and guessed to be
//! the respondent id, a Likert item, a multi-select question (0/1 columns sharing a prefix, or
//! one delimited column), a segment (few distinct values; nested when its values pair with few
//! of another segment's) or free text. The draft explains each guess in a comment.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;

use engage_model::{normalize_text, DataSource};

use crate::source::Record;
use crate::IngestError;

/// At most this many rows are profiled: enough to see every value of a real export.
const PROFILE_ROWS: usize = 200_000;
/// A column with more distinct values than this is not a segment.
const MAX_SEGMENT_VALUES: usize = 200;

#[derive(Default)]
struct Profile {
    filled: usize,
    /// Distinct values (capped just above what any rule needs).
    values: BTreeMap<String, usize>,
    overflow: bool,
    /// Values that are whole numbers, and their range.
    integers: usize,
    min: i64,
    max: i64,
    /// Values like "2;3;8": codes joined by a separator.
    joined: usize,
    separators: HashMap<char, usize>,
    longest: usize,
}

impl Profile {
    fn add(&mut self, v: &str) {
        if v.is_empty() {
            return;
        }
        self.filled += 1;
        self.longest = self.longest.max(v.chars().count());
        if let Ok(x) = v.parse::<i64>() {
            if self.integers == 0 {
                (self.min, self.max) = (x, x);
            }
            self.integers += 1;
            self.min = self.min.min(x);
            self.max = self.max.max(x);
        }
        let seps: Vec<char> = v
            .chars()
            .filter(|c| matches!(c, ';' | ',' | '、' | '|'))
            .collect();
        if !seps.is_empty()
            && v.split([';', ',', '、', '|'])
                .all(|p| !p.trim().is_empty() && p.trim().parse::<u32>().is_ok())
        {
            self.joined += 1;
            for s in seps {
                *self.separators.entry(s).or_default() += 1;
            }
        }
        if let Some(n) = self.values.get_mut(v) {
            *n += 1;
        } else if self.values.len() <= 1000 {
            self.values.insert(v.to_string(), 1);
        } else {
            self.overflow = true;
        }
    }

    fn distinct(&self) -> usize {
        self.values.len()
    }

    /// Values that are not whole numbers (missing and not-applicable codes in a Likert column).
    fn non_integers(&self) -> Vec<&str> {
        self.values
            .keys()
            .filter(|v| v.parse::<i64>().is_err())
            .map(String::as_str)
            .collect()
    }
}

/// What a column was guessed to be.
#[derive(Debug, Clone, PartialEq)]
enum Role {
    Id,
    Likert {
        min: i64,
        max: i64,
    },
    Pick {
        group: String,
    },
    Delimited {
        separator: char,
        codes: BTreeSet<u32>,
    },
    Segment,
    Text,
    Empty,
}

/// Reads `path` and returns the draft definition's text.
pub fn draft_definition(path: &Path) -> Result<String, IngestError> {
    let data = DataSource {
        file: path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default(),
        respondent_id: None,
        format: None,
        encoding: None,
        sheet: None,
        header_row: None,
    };
    let mut source = crate::source::open(path, &data)?;
    let header: Vec<String> = source.header().iter().map(|h| normalize_text(h)).collect();
    let mut profiles: Vec<Profile> = header.iter().map(|_| Profile::default()).collect();
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut record = Record::default();
    let mut n = 0;
    while n < PROFILE_ROWS {
        if source.next_record(&mut record)?.is_none() {
            break;
        }
        let cells: Vec<String> = (0..header.len())
            .map(|c| normalize_text(record.get(c).unwrap_or("")))
            .collect();
        for (p, v) in profiles.iter_mut().zip(&cells) {
            p.add(v);
        }
        rows.push(cells);
        n += 1;
    }
    let roles = guess_roles(&header, &profiles, n);
    let parents = guess_nesting(&header, &profiles, &roles, &rows);
    Ok(write_draft(
        path,
        source.description(),
        n,
        &header,
        &profiles,
        &roles,
        &parents,
    ))
}

fn guess_roles(header: &[String], profiles: &[Profile], rows: usize) -> Vec<Role> {
    let mut roles: Vec<Role> = profiles
        .iter()
        .zip(header)
        .map(|(p, h)| {
            let lower = h.to_lowercase();
            if p.filled == 0 {
                Role::Empty
            } else if (lower.contains("id") || h.contains("番号"))
                && !p.overflow
                && p.filled == rows
                && p.values.len() == p.filled
                || (p.overflow && lower.contains("id"))
            {
                Role::Id
            } else if p.joined * 10 >= p.filled
                && p.joined > 0
                && p.values.keys().all(|v| {
                    v.split([';', ',', '、', '|'])
                        .all(|x| x.trim().parse::<u32>().is_ok())
                })
            {
                let separator = p
                    .separators
                    .iter()
                    .max_by_key(|(_, n)| **n)
                    .map_or(';', |(c, _)| *c);
                let codes = p
                    .values
                    .keys()
                    .flat_map(|v| {
                        v.split(separator)
                            .filter_map(|x| x.trim().parse::<u32>().ok())
                    })
                    .collect();
                Role::Delimited { separator, codes }
            } else if p.integers * 10 >= p.filled * 9
                && p.min >= 0
                && p.max <= 1
                && p.distinct() <= 2
            {
                Role::Pick {
                    group: pick_group(h),
                }
            } else if p.integers * 10 >= p.filled * 9 && p.min >= 1 && p.max <= 11 && p.max >= 3 {
                Role::Likert {
                    min: p.min,
                    max: likert_max(p),
                }
            } else if !p.overflow && p.distinct() <= MAX_SEGMENT_VALUES && p.longest <= 40 {
                Role::Segment
            } else {
                Role::Text
            }
        })
        .collect();
    // A lone 0/1 column is not a multi-select question: call it a segment (yes/no).
    let mut groups: HashMap<String, usize> = HashMap::new();
    for r in &roles {
        if let Role::Pick { group } = r {
            *groups.entry(group.clone()).or_default() += 1;
        }
    }
    for r in &mut roles {
        if let Role::Pick { group } = r {
            if groups[group.as_str()] < 2 {
                *r = Role::Segment;
            }
        }
    }
    roles
}

/// The highest scale point: the largest value used by at least 1% of the answers, so that a
/// stray "99" (not applicable) does not stretch the scale.
fn likert_max(p: &Profile) -> i64 {
    let floor = (p.filled / 100).max(1);
    p.values
        .iter()
        .filter_map(|(v, n)| v.parse::<i64>().ok().filter(|_| *n >= floor))
        .filter(|x| *x <= 11)
        .max()
        .unwrap_or(p.max)
}

/// "Q29_01" -> "Q29", "問5-2" -> "問5": the question a pick column belongs to.
fn pick_group(header: &str) -> String {
    let cut = header
        .rfind(['_', '-', '.', '－', '＿'])
        .map(|i| &header[..i])
        .unwrap_or_else(|| header.trim_end_matches(|c: char| c.is_ascii_digit()));
    cut.to_string()
}

/// For each segment column, the segment it nests in. B is inside an earlier column A when each
/// A value has several B values (pairs / A values ≥ 2), each B value occurs under few A values
/// (pairs / B values ≤ A values / 3: section names may repeat across bureaus), and the pairs
/// that occur are at most half of all combinations. Exports list the coarser level first, which
/// settles the direction; among several candidates the coarsest (fewest values) wins.
fn guess_nesting(
    header: &[String],
    profiles: &[Profile],
    roles: &[Role],
    rows: &[Vec<String>],
) -> Vec<Option<usize>> {
    let segments: Vec<usize> = (0..header.len())
        .filter(|&c| roles[c] == Role::Segment)
        .collect();
    let mut parents = vec![None; header.len()];
    for &b in &segments {
        let mut best: Option<(usize, usize)> = None;
        for &a in segments.iter().filter(|&&a| a < b) {
            let (da, db) = (profiles[a].distinct(), profiles[b].distinct());
            if da < 2 || db < 2 {
                continue;
            }
            let pairs = rows
                .iter()
                .filter(|r| !r[a].is_empty() && !r[b].is_empty())
                .map(|r| (r[a].as_str(), r[b].as_str()))
                .collect::<HashSet<_>>()
                .len();
            let nested = pairs >= 2 * da && pairs * 3 <= da * db && pairs * 2 <= da * db;
            if nested && best.is_none_or(|(_, d)| da < d) {
                best = Some((a, da));
            }
        }
        parents[b] = best.map(|(a, _)| a);
    }
    parents
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A TOML-friendly id from a header: ASCII letters, digits and `_`, else `prefix{n}`.
fn id_of(header: &str, prefix: &str, n: usize, taken: &mut HashSet<String>) -> String {
    let ascii: String = header
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let ascii = ascii.trim_matches('_').to_string();
    let mut id = if !ascii.is_empty()
        && header.is_ascii()
        && !ascii.starts_with(|c: char| c.is_ascii_digit())
    {
        ascii
    } else {
        format!("{prefix}{n}")
    };
    while !taken.insert(id.clone()) {
        id.push('_');
    }
    id
}

fn write_draft(
    path: &Path,
    description: String,
    rows: usize,
    header: &[String],
    profiles: &[Profile],
    roles: &[Role],
    parents: &[Option<usize>],
) -> String {
    let mut w = String::new();
    let file = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let _ = writeln!(w, "# Draft survey definition written by `engage init` from {file} ({description}, {rows} rows profiled).");
    let _ = writeln!(w, "# Every guess below is explained in a comment: review them, give the items their dimensions,");
    let _ = writeln!(w, "# add the KPIs, then run `engage validate` and `engage report`. See docs/survey-definition.md.\n");
    let _ = writeln!(
        w,
        "[survey]\nid = \"draft\"\nja = \"調査名を記入\"\nen = \"Survey title\"\n"
    );
    let _ = writeln!(
        w,
        "[wave]\nyear = 2024  # the wave's year: edit\nlabel = \"R6\"\n"
    );
    let _ = writeln!(w, "[data]\nfile = {}", quote(&file));
    if let Some(c) = roles.iter().position(|r| *r == Role::Id) {
        let _ = writeln!(
            w,
            "respondent_id = {}  # unique in every row",
            quote(&header[c])
        );
    }
    let _ = writeln!(w);

    // Scale: the widest range the Likert columns use.
    let likert: Vec<usize> = (0..header.len())
        .filter(|&c| matches!(roles[c], Role::Likert { .. }))
        .collect();
    let (lo, hi) = likert
        .iter()
        .fold((i64::MAX, i64::MIN), |(lo, hi), &c| match roles[c] {
            Role::Likert { min, max } => (lo.min(min), hi.max(max)),
            _ => (lo, hi),
        });
    let mut not_applicable: BTreeSet<String> = BTreeSet::new();
    let mut missing: BTreeSet<String> = BTreeSet::new();
    if !likert.is_empty() {
        let points: Vec<i64> = (lo..=hi).collect();
        let top = points.len().div_ceil(3).clamp(1, 2);
        let favourable: Vec<String> = points[points.len() - top..]
            .iter()
            .map(|p| p.to_string())
            .collect();
        let unfavourable: Vec<String> = points[..top].iter().map(|p| p.to_string()).collect();
        let _ = writeln!(
            w,
            "# {} columns hold whole numbers {lo}..{hi}: a {}-point scale. Check which points are favourable.",
            likert.len(),
            points.len()
        );
        let _ = writeln!(
            w,
            "[scale]\nmin = {lo}\nmax = {hi}\nfavourable = [{}]\nunfavourable = [{}]\n",
            favourable.join(", "),
            unfavourable.join(", ")
        );
        for &c in &likert {
            for v in profiles[c].non_integers() {
                if v.contains("無回答") || v.contains("未回答") || v.eq_ignore_ascii_case("na")
                {
                    missing.insert(v.to_string());
                } else {
                    not_applicable.insert(v.to_string());
                }
            }
            for (v, _) in profiles[c].values.iter() {
                if v.parse::<i64>().is_ok_and(|x| x > hi || x < lo) {
                    not_applicable.insert(v.clone());
                }
            }
        }
    }
    let list = |s: &BTreeSet<String>| s.iter().map(|v| quote(v)).collect::<Vec<_>>().join(", ");
    if missing.is_empty() {
        missing.insert("無回答".into());
    }
    let _ = writeln!(
        w,
        "# Non-numeric answers found in the Likert columns; blank cells are always missing."
    );
    let _ = writeln!(
        w,
        "[missing]\ncodes = [{}]\nnot_applicable = [{}]  # counted apart, excluded from scores: move any that mean \"no answer\" to codes\n",
        list(&missing),
        list(&not_applicable)
    );
    let _ = writeln!(w, "[privacy]\nmin_group_size = 5\n");
    let _ = writeln!(w, "# Give every item a dimension, e.g.\n# [[dimensions]]\n# id = \"colleagues\"\n# ja = \"同僚\"\n# en = \"Colleagues\"\n");

    let mut taken = HashSet::new();
    let mut item_n = 0;
    for &c in &likert {
        item_n += 1;
        let id = id_of(&header[c], "q", item_n, &mut taken);
        let p = &profiles[c];
        let _ = writeln!(
            w,
            "[[items]]  # {} answers, values {}..{}\nid = {}\ncolumn = {}\nja = {}\nen = {}\n# dimension = \"\"\n# reverse = true  # if agreeing is unfavourable\n",
            p.filled,
            p.min,
            p.max,
            quote(&id),
            quote(&header[c]),
            quote(&header[c]),
            quote(&header[c])
        );
    }
    let _ = writeln!(w, "# Add the KPIs, e.g.\n# [[kpis]]\n# id = \"satisfaction\"\n# ja = \"満足度\"\n# en = \"Satisfaction\"\n# kind = \"mean\"\n# item = \"q27\"\n");

    let mut seg_ids: HashMap<usize, String> = HashMap::new();
    let mut seg_n = 0;
    for c in (0..header.len()).filter(|&c| roles[c] == Role::Segment) {
        seg_n += 1;
        let id = id_of(&header[c], "segment_", seg_n, &mut taken);
        seg_ids.insert(c, id);
    }
    for c in (0..header.len()).filter(|&c| roles[c] == Role::Segment) {
        let p = &profiles[c];
        let _ = write!(
            w,
            "[[segments]]  # {} distinct values in {} filled cells\nid = {}\ncolumn = {}\nja = {}\nen = {}\n",
            p.distinct(),
            p.filled,
            quote(&seg_ids[&c]),
            quote(&header[c]),
            quote(&header[c]),
            quote(&header[c])
        );
        if let Some(a) = parents[c] {
            let _ = writeln!(
                w,
                "parent = {}  # its values occur under few of `{}`'s: nested (names may repeat across parents)",
                quote(&seg_ids[&a]),
                header[a]
            );
        }
        let _ = writeln!(w);
    }

    // Multi-select questions: pick columns grouped by prefix, then delimited columns.
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (c, role) in roles.iter().enumerate() {
        if let Role::Pick { group } = role {
            match groups.iter_mut().find(|(g, _)| g == group) {
                Some((_, cols)) => cols.push(c),
                None => groups.push((group.clone(), vec![c])),
            }
        }
    }
    let mut q_n = 0;
    for (group, cols) in &groups {
        q_n += 1;
        let id = id_of(group, "multi_", q_n, &mut taken);
        let _ = writeln!(
            w,
            "[[multi_select]]  # {} columns of 0/1 named {group}…: one question, one column per option\nid = {}\nja = {}\nen = {}\nstorage = \"columns\"\n# none_option = \"\"  # the exclusive \"nothing applies\" option, if any\noptions = [",
            cols.len(),
            quote(&id),
            quote(group),
            quote(group)
        );
        for (o, &c) in cols.iter().enumerate() {
            let _ = writeln!(
                w,
                "  {{ id = \"o{}\", ja = {}, en = {}, column = {} }},",
                o + 1,
                quote(&header[c]),
                quote(&header[c]),
                quote(&header[c])
            );
        }
        let _ = writeln!(w, "]\n");
    }
    for c in 0..header.len() {
        if let Role::Delimited { separator, codes } = &roles[c] {
            q_n += 1;
            let id = id_of(&header[c], "multi_", q_n, &mut taken);
            let _ = writeln!(
                w,
                "[[multi_select]]  # codes joined by '{separator}' in one column\nid = {}\nja = {}\nen = {}\nstorage = \"delimited\"\ncolumn = {}\nseparator = {}\noptions = [",
                quote(&id),
                quote(&header[c]),
                quote(&header[c]),
                quote(&header[c]),
                quote(&separator.to_string())
            );
            for code in codes {
                let _ = writeln!(
                    w,
                    "  {{ id = \"c{code}\", ja = \"選択肢{code}\", en = \"Option {code}\", code = \"{code}\" }},"
                );
            }
            let _ = writeln!(w, "]\n");
        }
    }
    let text: Vec<&str> = (0..header.len())
        .filter(|&c| roles[c] == Role::Text)
        .map(|c| header[c].as_str())
        .collect();
    for (i, column) in text.iter().enumerate() {
        let _ = writeln!(
            w,
            "# Free text (many distinct long values): counted and compared by group, never shown\n# unless asked (docs/free-text.md).\n[[free_text]]\nid = \"comment_{}\"\ncolumn = {}\nja = {}\nen = \"Comment {}\"\n",
            i + 1,
            quote(column),
            quote(column),
            i + 1
        );
    }
    let empty: Vec<&str> = (0..header.len())
        .filter(|&c| roles[c] == Role::Empty)
        .map(|c| header[c].as_str())
        .collect();
    if !empty.is_empty() {
        let _ = writeln!(
            w,
            "# Columns with no value at all, left out: {}",
            empty.join(", ")
        );
    }
    w
}
