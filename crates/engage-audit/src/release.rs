//! What a release publishes, read back from `report.json` alone: the segment structure and, per
//! count (respondents, each figure's contributors), which cells are published and which are
//! withheld. Nothing here knows how the withholding was decided.

use serde_json::Value;

use crate::AuditError;

/// Where a count sits: the whole organisation or one group of one segment.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum Place {
    Whole,
    Group { segment: usize, group: usize },
}

#[derive(Debug, Clone)]
pub struct Segment {
    pub id: String,
    /// Enclosing segment (for a cross, its first segment).
    pub parent: Option<usize>,
    /// A cross's second segment.
    pub across: Option<usize>,
    pub groups: Vec<Group>,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub key: String,
    /// Index of the enclosing group in the parent segment.
    pub parent: Option<usize>,
    /// Index of the group in the cross's second segment.
    pub across: Option<usize>,
}

/// A count as the release shows it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Shown {
    Count(u64),
    Withheld,
}

/// One kind of count over every place: e.g. respondents, or the contributors to item `col_1`.
#[derive(Debug, Clone)]
pub struct CountTable {
    /// "respondents", "item col_1", "dimension colleagues", "kpi ...", "multi_select ...".
    pub name: String,
    pub whole: Shown,
    /// `[segment][group]`.
    pub groups: Vec<Vec<Shown>>,
}

impl CountTable {
    pub fn at(&self, place: Place) -> Shown {
        match place {
            Place::Whole => self.whole,
            Place::Group { segment, group } => self.groups[segment][group],
        }
    }
}

#[derive(Debug, Clone)]
pub struct Release {
    /// `survey.min_group_size` as configured for the release.
    pub min_group_size: u32,
    pub segments: Vec<Segment>,
    /// `tables[0]` is the respondents of each place.
    pub tables: Vec<CountTable>,
}

impl Release {
    /// "section 政策局 / 企画課" or "whole organisation".
    pub fn describe(&self, place: Place) -> String {
        match place {
            Place::Whole => "whole organisation".to_string(),
            Place::Group { segment, group } => format!(
                "{} `{}`",
                self.segments[segment].id, self.segments[segment].groups[group].key
            ),
        }
    }

    pub fn find_group(&self, segment_id: &str, key: &str) -> Option<Place> {
        let segment = self.segments.iter().position(|s| s.id == segment_id)?;
        let group = self.segments[segment]
            .groups
            .iter()
            .position(|g| g.key == key)?;
        Some(Place::Group { segment, group })
    }
}

fn bad(what: impl Into<String>) -> AuditError {
    AuditError::Malformed(what.into())
}

fn text<'a>(v: &'a Value, field: &str, context: &str) -> Result<&'a str, AuditError> {
    v[field]
        .as_str()
        .ok_or_else(|| bad(format!("{context}: `{field}` is not a string")))
}

fn array<'a>(v: &'a Value, field: &str, context: &str) -> Result<&'a Vec<Value>, AuditError> {
    v[field]
        .as_array()
        .ok_or_else(|| bad(format!("{context}: `{field}` is not an array")))
}

/// A figure's contributors: withheld, its `n`, or none (published without figures: nobody).
fn figure_count(v: &Value, count_field: &str) -> Shown {
    if v["withheld"].as_bool() == Some(true) {
        return Shown::Withheld;
    }
    Shown::Count(v[count_field].as_u64().unwrap_or(0))
}

pub fn read_release(report: &Value) -> Result<Release, AuditError> {
    let min_group_size = report["survey"]["min_group_size"]
        .as_u64()
        .ok_or_else(|| bad("survey.min_group_size is missing"))? as u32;
    let raw_segments = array(report, "segments", "report")?;
    let index_of = |id: &str| {
        raw_segments
            .iter()
            .position(|s| s["id"].as_str() == Some(id))
    };
    let mut segments = Vec::new();
    for s in raw_segments {
        let id = text(s, "id", "segment")?.to_string();
        let link = |field: &str| -> Result<Option<usize>, AuditError> {
            match s[field].as_str() {
                None => Ok(None),
                Some(other) => index_of(other).map(Some).ok_or_else(|| {
                    bad(format!("segment {id}: {field} `{other}` is not published"))
                }),
            }
        };
        let parent = link("parent")?;
        let across = link("across")?;
        segments.push(Segment {
            id,
            parent,
            across,
            groups: Vec::new(),
        });
    }
    // Groups name their enclosing groups by key; resolve once the segments are known.
    for (si, s) in raw_segments.iter().enumerate() {
        let id = segments[si].id.clone();
        let mut groups = Vec::new();
        for g in array(s, "groups", &id)? {
            let key = text(g, "key", &id)?.to_string();
            let resolve =
                |field: &str, target: Option<usize>| -> Result<Option<usize>, AuditError> {
                    let Some(t) = target else { return Ok(None) };
                    let wanted = g[field]
                        .as_str()
                        .ok_or_else(|| bad(format!("{id} `{key}`: `{field}` is missing")))?;
                    raw_segments[t]["groups"]
                        .as_array()
                        .and_then(|gs| gs.iter().position(|pg| pg["key"].as_str() == Some(wanted)))
                        .map(Some)
                        .ok_or_else(|| {
                            bad(format!(
                                "{id} `{key}`: {field} `{wanted}` is not a published group"
                            ))
                        })
                };
            let parent = resolve("parent_key", segments[si].parent)?;
            let across = resolve("across_key", segments[si].across)?;
            groups.push(Group {
                key,
                parent,
                across,
            });
        }
        segments[si].groups = groups;
    }

    let mut tables = Vec::new();
    let accepted = report["responses"]["accepted"]
        .as_u64()
        .ok_or_else(|| bad("responses.accepted is missing"))?;
    tables.push(CountTable {
        name: "respondents".into(),
        whole: Shown::Count(accepted),
        groups: raw_segments
            .iter()
            .map(|s| {
                s["groups"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|g| {
                        g["respondents"]
                            .as_u64()
                            .map_or(Shown::Withheld, Shown::Count)
                    })
                    .collect()
            })
            .collect(),
    });

    // Each KPI, dimension and item: its contributors, in the whole and in every group.
    for (kind, field) in [
        ("kpi", "kpis"),
        ("dimension", "dimensions"),
        ("item", "items"),
    ] {
        for figure in array(report, field, "report")? {
            let id = text(figure, "id", field)?;
            let groups = raw_segments
                .iter()
                .map(|s| {
                    s["groups"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|g| {
                            g[field]
                                .as_array()
                                .and_then(|fs| fs.iter().find(|f| f["id"].as_str() == Some(id)))
                                .map_or(Shown::Withheld, |f| figure_count(f, "n"))
                        })
                        .collect()
                })
                .collect();
            tables.push(CountTable {
                name: format!("{kind} {id}"),
                whole: figure_count(figure, "n"),
                groups,
            });
        }
    }

    // Multi-select questions: the base (respondents who answered) of every group published in
    // the by-segment tables; a group not listed there is withheld.
    for question in array(report, "multi_select", "report")? {
        let id = text(question, "id", "multi_select")?;
        let whole = figure_count(question, "base");
        let by_segment = array(question, "by_segment", id)?;
        let groups = raw_segments
            .iter()
            .enumerate()
            .map(|(si, s)| {
                let listed = by_segment
                    .iter()
                    .find(|t| t["segment"].as_str() == Some(segments[si].id.as_str()));
                s["groups"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|g| {
                        let key = g["key"].as_str();
                        listed
                            .and_then(|t| t["groups"].as_array())
                            .and_then(|gs| gs.iter().find(|x| x["group"].as_str() == key))
                            .and_then(|x| x["base"].as_u64())
                            .map_or(Shown::Withheld, Shown::Count)
                    })
                    .collect()
            })
            .collect();
        tables.push(CountTable {
            name: format!("multi_select {id}"),
            whole,
            groups,
        });
    }
    Ok(Release {
        min_group_size,
        segments,
        tables,
    })
}
