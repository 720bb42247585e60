//! The validated survey: a definition whose references all resolve, with index tables that the
//! aggregation and report crates use instead of string look-ups.
//!
//! Answer codes: every item answer is stored as a `u8` code, `1..=points` for scale values
//! `min..=max`, [`CODE_MISSING`] for no answer and [`CODE_NOT_APPLICABLE`] for "not applicable".

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde::Serialize;
use toml::Spanned;

use crate::definition::{KpiKind, MultiStorage, SurveyDefinition};
use crate::error::{DefinitionError, DefinitionProblem};
use crate::validation::{Policy, ProblemKind};

pub const CODE_MISSING: u8 = 0;
pub const CODE_NOT_APPLICABLE: u8 = u8::MAX;

/// A bilingual label: the user reads Japanese, reviewers often English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Label {
    pub ja: String,
    pub en: String,
}

impl Label {
    pub fn new(ja: &str, en: &str) -> Self {
        Label {
            ja: ja.to_string(),
            en: en.to_string(),
        }
    }

    pub fn get(&self, lang: &str) -> &str {
        if lang == "en" {
            &self.en
        } else {
            &self.ja
        }
    }
}

/// A set of items scored per respondent as the mean of the answered ones (reverse-keyed items
/// flipped), when at least `min_answered` are answered. Dimensions and multi-item KPIs are both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composite {
    pub items: Vec<usize>,
    pub min_answered: usize,
}

/// What a KPI is computed from, resolved to indices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KpiMeasure {
    /// Mean of a composite (a dimension, or the KPI's own list of items).
    CompositeMean { composite: usize },
    /// Share of respondents with a valid answer to `item` whose (flipped) code is in `codes`.
    Share { item: usize, codes: Vec<u8> },
}

/// Longest label (`ja`, `en`) of a definition, in characters.
pub const MAX_LABEL_CHARS: usize = 200;
/// Longest other string of a definition (paths, patterns, descriptions), in characters.
pub const MAX_DEFINITION_STRING_CHARS: usize = 4_000;
/// Most entries of a list in a definition (declared segment values, items of a dimension...).
pub const MAX_DEFINITION_LIST: usize = 10_000;

#[derive(Clone, Copy)]
enum Walked {
    Label,
    Text,
    List,
}

/// Every string and list under `table`: its dotted key, span, size (characters or entries)
/// and kind.
fn walk_strings(
    table: &toml::de::DeTable<'_>,
    prefix: &str,
    out: &mut Vec<(String, std::ops::Range<usize>, usize, Walked)>,
) {
    fn value(
        key: String,
        leaf: &str,
        v: &toml::Spanned<toml::de::DeValue<'_>>,
        out: &mut Vec<(String, std::ops::Range<usize>, usize, Walked)>,
    ) {
        match v.get_ref() {
            toml::de::DeValue::String(s) => {
                let kind = if matches!(leaf, "ja" | "en") {
                    Walked::Label
                } else {
                    Walked::Text
                };
                out.push((key, v.span(), s.chars().count(), kind));
            }
            toml::de::DeValue::Array(items) => {
                out.push((key.clone(), v.span(), items.len(), Walked::List));
                for (i, item) in items.iter().enumerate() {
                    value(format!("{key}[{i}]"), leaf, item, out);
                }
            }
            toml::de::DeValue::Table(t) => walk_strings(t, &key, out),
            _ => {}
        }
    }
    for (k, v) in table {
        let leaf: &str = k.get_ref();
        let key = if prefix.is_empty() {
            leaf.to_string()
        } else {
            format!("{prefix}.{leaf}")
        };
        value(key, leaf, v, out);
    }
}

/// The last row of an Excel sheet, the largest `header_row` there is.
pub const MAX_HEADER_ROW: usize = 1_048_576;

/// Most bootstrap resamples a definition may ask for: 100 times the default of 1,000.
pub const MAX_RESAMPLES: usize = 100_000;
/// Most rows one resample may draw (`drivers.bootstrap_rows`).
pub const MAX_BOOTSTRAP_ROWS: usize = 10_000_000;

#[derive(Debug, Clone)]
pub struct Survey {
    pub definition: SurveyDefinition,
    /// Where the definition was read from; data paths are relative to its folder.
    pub path: PathBuf,
    /// Composites: one per dimension (same index), then one per mean KPI.
    pub composites: Vec<Composite>,
    pub kpi_measures: Vec<KpiMeasure>,
    /// Parent of each segment, then of each cross (its first segment). Crosses are numbered
    /// after the segments: index `definition.segments.len() + x` is cross `x`, and everything
    /// keyed by segment (cuts, suppression, merges) treats them alike.
    pub segment_parents: Vec<Option<usize>>,
    /// Per segment index as above: for a cross, the second segment (its groups add up to
    /// that segment's groups too); `None` for plain segments.
    pub segment_across: Vec<Option<usize>>,
    /// Per cross: its id and label.
    pub crosses: Vec<(String, Label)>,
    /// Per multi-select question, the index of its exclusive "none" option.
    pub none_options: Vec<Option<usize>>,
    /// Segments whose groups the comment analysis reports (`[text] segments`).
    pub text_segments: Vec<usize>,
    /// KPI whose low scorers' comments are compared with the rest (`[text] kpi`).
    pub text_kpi: Option<usize>,
    /// What each kind of data problem does to its row (`[validation]`, or `--strict`).
    pub policy: Policy,
}

impl Survey {
    /// Reads and validates a definition file.
    pub fn load(path: &Path) -> Result<Survey, DefinitionError> {
        let text = std::fs::read_to_string(path).map_err(|source| DefinitionError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Survey::from_toml(&text, path)
    }

    /// Parses and validates definition text; `path` is used for messages and relative data paths.
    pub fn from_toml(text: &str, path: &Path) -> Result<Survey, DefinitionError> {
        let definition: SurveyDefinition =
            toml::from_str(text).map_err(|e| DefinitionError::Parse {
                path: path.to_path_buf(),
                message: e.to_string().trim_end().to_string(),
            })?;
        let mut checker = Checker {
            text,
            problems: Vec::new(),
        };
        let survey = checker.resolve(definition, path);
        checker.bounded_text();
        if checker.problems.is_empty() {
            Ok(survey)
        } else {
            Err(DefinitionError::Invalid {
                path: path.to_path_buf(),
                problems: checker.problems,
            })
        }
    }

    /// Segments and crosses ordered so that parents (and a cross's two segments) come first.
    pub fn segments_parents_first(&self) -> Vec<usize> {
        fn depth(s: usize, parents: &[Option<usize>], across: &[Option<usize>]) -> usize {
            [parents[s], across[s]]
                .into_iter()
                .flatten()
                .map(|p| depth(p, parents, across) + 1)
                .max()
                .unwrap_or(0)
        }
        let mut order: Vec<usize> = (0..self.segment_parents.len()).collect();
        order.sort_by_key(|&s| depth(s, &self.segment_parents, &self.segment_across));
        order
    }

    /// Segments plus crosses: the number of segment cuts.
    pub fn segment_count(&self) -> usize {
        self.segment_parents.len()
    }

    /// Id of segment (or cross) `s`.
    pub fn segment_id(&self, s: usize) -> &str {
        let plain = self.definition.segments.len();
        if s < plain {
            self.definition.segments[s].id.get_ref()
        } else {
            &self.crosses[s - plain].0
        }
    }

    pub fn segment_label(&self, s: usize) -> Label {
        let plain = self.definition.segments.len();
        if s < plain {
            let seg = &self.definition.segments[s];
            Label::new(&seg.ja, &seg.en)
        } else {
            self.crosses[s - plain].1.clone()
        }
    }

    /// The values a segment declares, in display order; a cross orders by its second segment.
    fn declared_values(&self, s: usize) -> Option<&[String]> {
        let own = self.segment_across[s].unwrap_or(s);
        self.definition.segments[own].values.as_deref()
    }

    /// Display order of two groups of segment `segment`, given as (index of the parent group,
    /// value, key): by parent group, then the definition's declared `values`, then key. Ingest
    /// and the merge of shards both use it, so merged partials list groups as one run would.
    pub fn compare_groups(
        &self,
        segment: usize,
        a: (Option<usize>, &str, &str),
        b: (Option<usize>, &str, &str),
    ) -> std::cmp::Ordering {
        let declared = self.declared_values(segment);
        let rank = |value: &str| {
            declared
                .and_then(|d| d.iter().position(|v| v == value))
                .unwrap_or(usize::MAX)
        };
        a.0.cmp(&b.0)
            .then(rank(a.1).cmp(&rank(b.1)))
            .then(a.2.cmp(b.2))
    }

    /// Number of scale points (5 for a 1..5 scale).
    pub fn points(&self) -> u8 {
        self.definition.scale.max - self.definition.scale.min + 1
    }

    /// Code of a scale value.
    pub fn code_of(&self, value: u8) -> u8 {
        value - self.definition.scale.min + 1
    }

    /// Scale value of a code.
    pub fn value_of(&self, code: u8) -> u8 {
        code + self.definition.scale.min - 1
    }

    /// The code an item's answer counts as after reverse keying (min + max - x).
    pub fn flipped(&self, item: usize, code: u8) -> u8 {
        if self.definition.items[item].reverse {
            self.points() + 1 - code
        } else {
            code
        }
    }

    pub fn min_group_size(&self) -> u32 {
        self.definition.privacy.min_group_size
    }

    pub fn data_path(&self) -> PathBuf {
        let dir = self.path.parent().unwrap_or_else(|| Path::new("."));
        dir.join(&self.definition.data.file)
    }

    /// The headcount file named in `[population]`, relative to the definition.
    /// `[text] mask_names_file`, relative to the definition.
    pub fn mask_names_path(&self) -> Option<PathBuf> {
        let dir = self.path.parent().unwrap_or_else(|| Path::new("."));
        self.definition
            .text
            .mask_names_file
            .as_ref()
            .map(|f| dir.join(f))
    }

    pub fn headcounts_path(&self) -> Option<PathBuf> {
        let dir = self.path.parent().unwrap_or_else(|| Path::new("."));
        self.definition
            .population
            .as_ref()
            .map(|p| dir.join(&p.headcounts))
    }

    pub fn dimension_items(&self, dimension: usize) -> &[usize] {
        &self.composites[dimension].items
    }

    /// Items that belong to no dimension (e.g. a KPI item), in definition order.
    pub fn standalone_items(&self) -> Vec<usize> {
        (0..self.definition.items.len())
            .filter(|&i| self.definition.items[i].dimension.is_none())
            .collect()
    }

    pub fn is_favourable(&self, code: u8) -> bool {
        self.definition
            .scale
            .favourable
            .contains(&self.value_of(code))
    }

    pub fn is_unfavourable(&self, code: u8) -> bool {
        self.definition
            .scale
            .unfavourable
            .contains(&self.value_of(code))
    }

    pub fn survey_label(&self) -> Label {
        Label::new(&self.definition.survey.ja, &self.definition.survey.en)
    }
}

/// Default minimum answered items: half the items, rounded up.
fn half_up(n: usize) -> usize {
    n.div_ceil(2)
}

struct Checker<'a> {
    text: &'a str,
    problems: Vec<DefinitionProblem>,
}

impl Checker<'_> {
    fn line_of(&self, span: std::ops::Range<usize>) -> usize {
        let end = span.start.min(self.text.len());
        self.text[..end].bytes().filter(|&b| b == b'\n').count() + 1
    }

    fn problem_at<T>(&mut self, at: &Spanned<T>, key: &str, message: String) {
        let line = self.line_of(at.span());
        self.problems.push(DefinitionProblem {
            line,
            key: key.to_string(),
            message,
        });
    }

    /// For problems whose key has no span of its own: the line where the key is written in the
    /// first `[section]` table (`tolerance = 0` under `[population]`), else the table's header,
    /// else line 1.
    fn problem_in_section(&mut self, section: &str, key: &str, message: String) {
        let lines: Vec<&str> = self.text.lines().collect();
        let header = lines
            .iter()
            .position(|l| l.trim_start().starts_with(&format!("[{section}]")));
        let leaf = key.rsplit('.').next().unwrap_or(key);
        let own = header.and_then(|h| {
            lines[h + 1..]
                .iter()
                .take_while(|l| !l.trim_start().starts_with('['))
                .position(|l| {
                    let l = l.trim_start();
                    l.strip_prefix(leaf)
                        .is_some_and(|rest| rest.trim_start().starts_with('='))
                })
                .map(|i| h + 1 + i)
        });
        let line = own.or(header).map(|i| i + 1).unwrap_or(1);
        self.problems.push(DefinitionProblem {
            line,
            key: key.to_string(),
            message,
        });
    }

    /// Every label (`ja`, `en`) at most [`MAX_LABEL_CHARS`] characters, every other string
    /// at most [`MAX_DEFINITION_STRING_CHARS`], every list at most [`MAX_DEFINITION_LIST`]
    /// entries, each reported at its own line: labels are drawn in charts, tables and sheet
    /// names, and a 1 MB one made a report run for minutes.
    fn bounded_text(&mut self) {
        let Ok(document) = toml::de::DeTable::parse(self.text) else {
            return; // already reported by the parser
        };
        let mut found = Vec::new();
        walk_strings(document.get_ref(), "", &mut found);
        for (key, span, size, what) in found {
            let (limit, noun) = match what {
                Walked::Label => (MAX_LABEL_CHARS, "characters (a label)"),
                Walked::Text => (MAX_DEFINITION_STRING_CHARS, "characters"),
                Walked::List => (MAX_DEFINITION_LIST, "entries"),
            };
            if size > limit {
                let line = self.line_of(span);
                self.problems.push(DefinitionProblem {
                    line,
                    key,
                    message: format!("{size} {noun}; at most {limit}"),
                });
            }
        }
    }

    fn index_ids<'s>(
        &mut self,
        section: &str,
        ids: impl Iterator<Item = &'s Spanned<String>>,
    ) -> HashMap<String, usize> {
        let mut map = HashMap::new();
        for (i, id) in ids.enumerate() {
            if id.get_ref().trim().is_empty() {
                self.problem_at(id, &format!("{section}.id"), "id is empty".into());
            }
            if map.insert(id.get_ref().clone(), i).is_some() {
                self.problem_at(
                    id,
                    &format!("{section}.id"),
                    format!("duplicate id `{}`", id.get_ref()),
                );
            }
        }
        map
    }

    fn lookup(
        &mut self,
        map: &HashMap<String, usize>,
        reference: &Spanned<String>,
        key: &str,
        what: &str,
    ) -> Option<usize> {
        let found = map.get(reference.get_ref()).copied();
        if found.is_none() {
            let mut known: Vec<&String> = map.keys().collect();
            known.sort();
            self.problem_at(
                reference,
                key,
                format!(
                    "unknown {what} `{}` (known: {})",
                    reference.get_ref(),
                    known
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        found
    }

    fn resolve(&mut self, definition: SurveyDefinition, path: &Path) -> Survey {
        self.check_scale(&definition);
        // Bounds that keep a run's memory and time in proportion to the data (2^64 − 1
        // resamples would allocate without end).
        let drivers = &definition.drivers;
        if drivers.resamples > MAX_RESAMPLES {
            self.problem_in_section(
                "drivers",
                "drivers.resamples",
                format!("at most {MAX_RESAMPLES} (0 turns the intervals off)"),
            );
        }
        if drivers.bootstrap_rows == 0 || drivers.bootstrap_rows > MAX_BOOTSTRAP_ROWS {
            self.problem_in_section(
                "drivers",
                "drivers.bootstrap_rows",
                format!("between 1 and {MAX_BOOTSTRAP_ROWS}"),
            );
        }
        // Excel's last row: a header below it cannot exist in any file.
        if definition
            .data
            .header_row
            .is_some_and(|row| row == 0 || row > MAX_HEADER_ROW)
        {
            self.problem_in_section(
                "data",
                "data.header_row",
                format!(
                    "between 1 and {MAX_HEADER_ROW} (1-based, as the spreadsheet numbers rows)"
                ),
            );
        }
        if definition.privacy.min_group_size == 0 {
            self.problem_in_section(
                "privacy",
                "privacy.min_group_size",
                "must be at least 1".into(),
            );
        }
        if definition.privacy.min_comment_group_size < definition.privacy.min_group_size {
            self.problem_in_section(
                "privacy",
                "privacy.min_comment_group_size",
                format!(
                    "must be at least min_group_size ({}): comments identify people more easily than ratings",
                    definition.privacy.min_group_size
                ),
            );
        }

        let dims = self.index_ids("dimensions", definition.dimensions.iter().map(|d| &d.id));
        let items = self.index_ids("items", definition.items.iter().map(|i| &i.id));
        self.index_ids("kpis", definition.kpis.iter().map(|k| &k.id));
        let segs = self.index_ids("segments", definition.segments.iter().map(|s| &s.id));
        if let Some(population) = &definition.population {
            for id in &population.rake {
                if !segs.contains_key(id) {
                    self.problem_in_section(
                        "population",
                        "population.rake",
                        format!("`{id}` is not a segment id"),
                    );
                }
            }
            if population.tolerance.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater)
                || population.max_iterations == 0
            {
                self.problem_in_section(
                    "population",
                    "population.tolerance",
                    "tolerance must be positive and max_iterations at least 1".into(),
                );
            }
        }
        self.index_ids(
            "multi_select",
            definition.multi_select.iter().map(|m| &m.id),
        );
        self.check_columns(&definition);

        // Dimensions -> composites.
        let mut composites: Vec<Composite> = definition
            .dimensions
            .iter()
            .map(|_| Composite {
                items: Vec::new(),
                min_answered: 0,
            })
            .collect();
        for (i, item) in definition.items.iter().enumerate() {
            if let Some(d) = &item.dimension {
                if let Some(d) = self.lookup(&dims, d, "items.dimension", "dimension") {
                    composites[d].items.push(i);
                }
            }
        }
        for (d, dim) in definition.dimensions.iter().enumerate() {
            let n = composites[d].items.len();
            if n == 0 {
                self.problem_at(
                    &dim.id,
                    "dimensions.id",
                    format!("dimension `{}` has no items", dim.id.get_ref()),
                );
            }
            composites[d].min_answered = self.min_answered(dim.min_answered, n, &dim.id);
        }

        let kpi_measures = self.resolve_kpis(&definition, &dims, &items, &mut composites);
        let mut segment_parents = self.resolve_segments(&definition, &segs);
        let mut segment_across = vec![None; segment_parents.len()];
        let crosses = self.resolve_crosses(&definition, &segs, &segment_parents);
        for (pair, _) in &crosses {
            segment_parents.push(Some(pair[0]));
            segment_across.push(Some(pair[1]));
        }
        let crosses = crosses.into_iter().map(|(_, c)| c).collect();
        let none_options = self.resolve_multi(&definition);
        let (text_segments, text_kpi) = self.resolve_text(&definition, &segs, &segment_parents);
        self.check_validation(&definition);
        let policy = Policy::new(&definition.validation);

        Survey {
            definition,
            path: path.to_path_buf(),
            composites,
            kpi_measures,
            segment_parents,
            segment_across,
            crosses,
            none_options,
            text_segments,
            text_kpi,
            policy,
        }
    }

    fn resolve_text(
        &mut self,
        def: &SurveyDefinition,
        segs: &HashMap<String, usize>,
        parents: &[Option<usize>],
    ) -> (Vec<usize>, Option<usize>) {
        self.index_ids("free_text", def.free_text.iter().map(|f| &f.id));
        let text = &def.text;
        self.index_ids("text.categories", text.categories.iter().map(|c| &c.id));
        for c in &text.categories {
            let empty = |v: &[String]| v.iter().all(|t| t.trim().is_empty());
            if empty(&c.terms) && empty(&c.patterns) {
                self.problem_at(
                    &c.id,
                    "text.categories",
                    "a category needs at least one term or pattern".into(),
                );
            }
        }
        if text.top_terms == 0 || text.network_terms < 2 || text.min_term_comments == 0 {
            self.problem_in_section(
                "text",
                "text.top_terms",
                "top_terms and min_term_comments must be at least 1, network_terms at least 2"
                    .into(),
            );
        }
        let segments = match &text.segments {
            None => (0..def.segments.len())
                .filter(|&s| parents[s].is_none())
                .collect(),
            Some(ids) => ids
                .iter()
                .filter_map(|id| {
                    let s = self.lookup(segs, id, "text.segments", "segment")?;
                    if parents[s].is_some() {
                        self.problem_at(
                            id,
                            "text.segments",
                            format!(
                                "`{}` is nested in another segment; comments are reported only \
                                 by segments without a parent",
                                id.get_ref()
                            ),
                        );
                        return None;
                    }
                    Some(s)
                })
                .collect(),
        };
        let kpis: HashMap<String, usize> = def
            .kpis
            .iter()
            .enumerate()
            .map(|(k, kpi)| (kpi.id.get_ref().clone(), k))
            .collect();
        let kpi = match &text.kpi {
            Some(id) => self.lookup(&kpis, id, "text.kpi", "KPI"),
            None => (!def.kpis.is_empty()).then_some(0),
        };
        (segments, kpi)
    }

    fn check_validation(&mut self, def: &SurveyDefinition) {
        let v = &def.validation;
        for kind in ProblemKind::ALL {
            if let Some(action) = v.written(kind) {
                let allowed = kind.allowed();
                if !allowed.contains(action.get_ref()) {
                    let names: Vec<&str> = allowed.iter().map(|a| a.as_str()).collect();
                    self.problem_at(
                        action,
                        &format!("validation.{}", kind.key()),
                        format!(
                            "`{}` is not possible for this problem; choose {}",
                            action.get_ref().as_str(),
                            names.join(" or ")
                        ),
                    );
                }
            }
        }
        if v.straight_lining_min_items.is_some_and(|n| n < 2) {
            self.problem_in_section(
                "validation",
                "validation.straight_lining_min_items",
                "must be at least 2".into(),
            );
        }
    }

    fn check_scale(&mut self, def: &SurveyDefinition) {
        let s = &def.scale;
        if s.min >= s.max || s.max - s.min > 20 || s.max == u8::MAX {
            self.problem_in_section(
                "scale",
                "scale",
                format!(
                    "min {} and max {} do not make a scale of 2 to 21 points",
                    s.min, s.max
                ),
            );
            return;
        }
        for (key, points) in [
            ("scale.favourable", &s.favourable),
            ("scale.unfavourable", &s.unfavourable),
        ] {
            for p in points {
                if *p < s.min || *p > s.max {
                    self.problem_in_section("scale", key, format!("{p} is outside the scale"));
                }
            }
        }
        if s.favourable.iter().any(|p| s.unfavourable.contains(p)) {
            self.problem_in_section(
                "scale",
                "scale.favourable",
                "a point cannot be both favourable and unfavourable".into(),
            );
        }
        for l in &s.labels {
            if l.value < s.min || l.value > s.max {
                self.problem_in_section(
                    "scale",
                    "scale.labels.value",
                    format!("{} is outside the scale", l.value),
                );
            }
        }
    }

    fn check_columns(&mut self, def: &SurveyDefinition) {
        let mut seen: HashMap<String, String> = HashMap::new();
        let mut claim = |this: &mut Self, column: &str, owner: String, at: &Spanned<String>| {
            let key = crate::normalize_text(column);
            if let Some(other) = seen.insert(key, owner.clone()) {
                this.problem_at(
                    at,
                    "column",
                    format!("column `{column}` is used by both {other} and {owner}"),
                );
            }
        };
        for item in &def.items {
            claim(
                self,
                &item.column,
                format!("item `{}`", item.id.get_ref()),
                &item.id,
            );
        }
        for seg in &def.segments {
            claim(
                self,
                &seg.column,
                format!("segment `{}`", seg.id.get_ref()),
                &seg.id,
            );
        }
        for f in &def.free_text {
            claim(
                self,
                &f.column,
                format!("free text `{}`", f.id.get_ref()),
                &f.id,
            );
        }
        for m in &def.multi_select {
            match m.storage {
                MultiStorage::Columns => {
                    for o in &m.options {
                        match &o.column {
                            Some(c) => claim(
                                self,
                                c,
                                format!("option `{}.{}`", m.id.get_ref(), o.id.get_ref()),
                                &o.id,
                            ),
                            None => self.problem_at(
                                &o.id,
                                "multi_select.options.column",
                                "storage `columns` needs a column for every option".into(),
                            ),
                        }
                    }
                }
                MultiStorage::Delimited => match &m.column {
                    Some(c) => claim(self, c, format!("question `{}`", m.id.get_ref()), &m.id),
                    None => self.problem_at(
                        &m.id,
                        "multi_select.column",
                        "storage `delimited` needs `column`".into(),
                    ),
                },
            }
        }
    }

    fn min_answered(&mut self, set: Option<usize>, n: usize, at: &Spanned<String>) -> usize {
        match set {
            None => half_up(n).max(1),
            Some(m) if m >= 1 && m <= n => m,
            Some(m) => {
                self.problem_at(
                    at,
                    "min_answered",
                    format!("min_answered {m} must be between 1 and the {n} items"),
                );
                1
            }
        }
    }

    fn resolve_kpis(
        &mut self,
        def: &SurveyDefinition,
        dims: &HashMap<String, usize>,
        items: &HashMap<String, usize>,
        composites: &mut Vec<Composite>,
    ) -> Vec<KpiMeasure> {
        let mut measures = Vec::new();
        for kpi in &def.kpis {
            let sources = usize::from(kpi.item.is_some())
                + usize::from(!kpi.items.is_empty())
                + usize::from(kpi.dimension.is_some());
            if sources != 1 {
                self.problem_at(
                    &kpi.id,
                    "kpis",
                    "give exactly one of `item`, `items` or `dimension`".into(),
                );
                measures.push(KpiMeasure::CompositeMean { composite: 0 });
                continue;
            }
            let measure = match kpi.kind {
                KpiKind::Share => {
                    let Some(item_ref) = &kpi.item else {
                        self.problem_at(
                            &kpi.id,
                            "kpis.kind",
                            "a `share` KPI is computed from one `item`".into(),
                        );
                        measures.push(KpiMeasure::CompositeMean { composite: 0 });
                        continue;
                    };
                    let item = self
                        .lookup(items, item_ref, "kpis.item", "item")
                        .unwrap_or(0);
                    let points = kpi
                        .points
                        .clone()
                        .unwrap_or_else(|| def.scale.favourable.clone());
                    let mut codes = BTreeSet::new();
                    for p in points {
                        if p < def.scale.min || p > def.scale.max {
                            self.problem_at(
                                &kpi.id,
                                "kpis.points",
                                format!("{p} is outside the scale"),
                            );
                        } else {
                            codes.insert(p - def.scale.min + 1);
                        }
                    }
                    KpiMeasure::Share {
                        item,
                        codes: codes.into_iter().collect(),
                    }
                }
                KpiKind::Mean => {
                    if kpi.points.is_some() {
                        self.problem_at(
                            &kpi.id,
                            "kpis.points",
                            "`points` belongs to `share` KPIs".into(),
                        );
                    }
                    if let Some(d) = &kpi.dimension {
                        let composite = self
                            .lookup(dims, d, "kpis.dimension", "dimension")
                            .unwrap_or(0);
                        KpiMeasure::CompositeMean { composite }
                    } else {
                        let refs: Vec<&Spanned<String>> = match &kpi.item {
                            Some(i) => vec![i],
                            None => kpi.items.iter().collect(),
                        };
                        let key = if kpi.item.is_some() {
                            "kpis.item"
                        } else {
                            "kpis.items"
                        };
                        let list: Vec<usize> = refs
                            .into_iter()
                            .filter_map(|r| self.lookup(items, r, key, "item"))
                            .collect();
                        let min_answered = self.min_answered(kpi.min_answered, list.len(), &kpi.id);
                        composites.push(Composite {
                            items: list,
                            min_answered,
                        });
                        KpiMeasure::CompositeMean {
                            composite: composites.len() - 1,
                        }
                    }
                }
            };
            measures.push(measure);
            for (key, yv) in [
                ("kpis.baseline", &kpi.baseline),
                ("kpis.target", &kpi.target),
            ] {
                if let Some(yv) = yv {
                    let ok = match kpi.kind {
                        KpiKind::Share => (0.0..=1.0).contains(&yv.value),
                        KpiKind::Mean => (f64::from(def.scale.min)..=f64::from(def.scale.max))
                            .contains(&yv.value),
                    };
                    if !ok {
                        self.problem_at(
                            &kpi.id,
                            key,
                            format!(
                                "value {} is outside the KPI's range (shares are fractions 0..1)",
                                yv.value
                            ),
                        );
                    }
                }
            }
        }
        measures
    }

    fn resolve_segments(
        &mut self,
        def: &SurveyDefinition,
        segs: &HashMap<String, usize>,
    ) -> Vec<Option<usize>> {
        let parents: Vec<Option<usize>> = def
            .segments
            .iter()
            .map(|s| {
                s.parent
                    .as_ref()
                    .and_then(|p| self.lookup(segs, p, "segments.parent", "segment"))
            })
            .collect();
        // A chain of parents must end: walk at most n steps.
        for (i, seg) in def.segments.iter().enumerate() {
            let mut at = parents[i];
            let mut steps = 0;
            while let Some(p) = at {
                steps += 1;
                if p == i || steps > parents.len() {
                    self.problem_at(&seg.id, "segments.parent", "parents form a cycle".into());
                    break;
                }
                at = parents[p];
            }
        }
        parents
    }

    /// Each cross: its two segments, id and label. Crossing a segment with its own ancestor
    /// or descendant is refused: sections already lie within one bureau.
    fn resolve_crosses(
        &mut self,
        def: &SurveyDefinition,
        segs: &HashMap<String, usize>,
        parents: &[Option<usize>],
    ) -> Vec<([usize; 2], (String, Label))> {
        let ancestors = |mut s: usize| {
            let mut out = Vec::new();
            let mut steps = 0;
            while let Some(p) = parents[s] {
                steps += 1;
                if steps > parents.len() {
                    break;
                }
                out.push(p);
                s = p;
            }
            out
        };
        let mut out = Vec::new();
        let mut ids: BTreeSet<String> = segs.keys().cloned().collect();
        for cross in &def.crosses {
            let names = cross.segments.get_ref();
            if names.len() != 2 {
                self.problem_at(
                    &cross.segments,
                    "crosses.segments",
                    format!("a cross names exactly two segments, not {}", names.len()),
                );
                continue;
            }
            let found: Vec<Option<usize>> = names
                .iter()
                .map(|n| {
                    let at = toml::Spanned::new(cross.segments.span(), n.clone());
                    self.lookup(segs, &at, "crosses.segments", "segment")
                })
                .collect();
            let (Some(a), Some(b)) = (found[0], found[1]) else {
                continue;
            };
            if a == b || ancestors(a).contains(&b) || ancestors(b).contains(&a) {
                self.problem_at(
                    &cross.segments,
                    "crosses.segments",
                    format!(
                        "`{}` and `{}` are the same segment or nested in one another; cross two independent segments",
                        names[0], names[1]
                    ),
                );
                continue;
            }
            let id = match &cross.id {
                Some(id) => id.get_ref().clone(),
                None => format!("{}_x_{}", names[0], names[1]),
            };
            if !ids.insert(id.clone()) {
                let message = format!("`{id}` is already the id of a segment or cross");
                match &cross.id {
                    Some(at) => self.problem_at(at, "crosses.id", message),
                    None => self.problem_at(&cross.segments, "crosses.id", message),
                }
                continue;
            }
            let (sa, sb) = (&def.segments[a], &def.segments[b]);
            let label = Label {
                ja: format!("{} × {}", sa.ja, sb.ja),
                en: format!("{} × {}", sa.en, sb.en),
            };
            out.push(([a, b], (id, label)));
        }
        out
    }

    fn resolve_multi(&mut self, def: &SurveyDefinition) -> Vec<Option<usize>> {
        let mut nones = Vec::new();
        for m in &def.multi_select {
            let options = self.index_ids("multi_select.options", m.options.iter().map(|o| &o.id));
            if m.options.is_empty() {
                self.problem_at(&m.id, "multi_select.options", "no options".into());
            }
            // Picks are stored as a 64-bit set per respondent.
            if m.options.len() > 64 {
                self.problem_at(
                    &m.id,
                    "multi_select.options",
                    format!("{} options; at most 64 are supported", m.options.len()),
                );
            }
            if m.max_picks == Some(0) {
                self.problem_at(&m.id, "multi_select.max_picks", "must be at least 1".into());
            }
            if m.storage == MultiStorage::Delimited {
                for o in &m.options {
                    if o.code.is_none() {
                        self.problem_at(
                            &o.id,
                            "multi_select.options.code",
                            "storage `delimited` needs a code for every option".into(),
                        );
                    }
                }
            }
            nones.push(
                m.none_option
                    .as_ref()
                    .and_then(|n| self.lookup(&options, n, "multi_select.none_option", "option")),
            );
        }
        nones
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
[survey]
id = "t"
ja = "テスト"
en = "Test"

[wave]
year = 2023
label = "R5"

[data]
file = "r.csv"

[[dimensions]]
id = "d1"
ja = "領域"
en = "Dim"

[[items]]
id = "q1"
column = "Q1"
ja = "設問1"
en = "Q1"
dimension = "d1"

[[items]]
id = "q2"
column = "Q2"
ja = "設問2"
en = "Q2"
dimension = "d1"
reverse = true

[[items]]
id = "q3"
column = "Q3"
ja = "設問3"
en = "Q3"
dimension = "d1"
"#;

    fn load(text: &str) -> Result<Survey, DefinitionError> {
        Survey::from_toml(text, Path::new("survey.toml"))
    }

    #[test]
    fn defaults_apply() {
        let s = load(MINIMAL).unwrap();
        assert_eq!(s.points(), 5);
        assert_eq!(s.min_group_size(), 5);
        assert_eq!(s.definition.privacy.min_comment_group_size, 10);
        // 3 items: half rounded up is 2.
        assert_eq!(s.composites[0].min_answered, 2);
        assert_eq!(s.flipped(1, 1), 5);
        assert_eq!(s.flipped(1, 4), 2);
        assert_eq!(s.flipped(0, 4), 4);
        assert!(s.is_favourable(4) && s.is_unfavourable(2) && !s.is_favourable(3));
    }

    #[test]
    fn comment_threshold_cannot_be_below_the_rating_threshold() {
        let text =
            format!("{MINIMAL}\n[privacy]\nmin_group_size = 8\nmin_comment_group_size = 6\n");
        let err = load(&text).unwrap_err().to_string();
        assert!(err.contains("privacy.min_comment_group_size"), "{err}");
        assert!(err.contains("at least min_group_size (8)"), "{err}");
    }

    /// A bound on a count that would run without end, reported at the key's own line, not the
    /// table header's.
    #[test]
    fn unbounded_resamples_are_refused_at_their_own_line() {
        // The problem of `key`, and the line where `key` is written.
        let problem_and_line = |text: &str, key: &str| {
            let leaf = key.rsplit('.').next().unwrap();
            let line = text.lines().position(|l| l.starts_with(leaf)).unwrap() + 1;
            let problems = match load(text).unwrap_err() {
                DefinitionError::Invalid { problems, .. } => problems,
                other => panic!("{other}"),
            };
            let p = problems.into_iter().find(|p| p.key == key).unwrap();
            (p, line)
        };
        let text = format!("{MINIMAL}\n[drivers]\nseed = 1\nresamples = 18446744073709551615\n");
        let (p, line) = problem_and_line(&text, "drivers.resamples");
        assert_eq!(p.line, line);
        assert!(p.message.contains("at most 100000"), "{}", p.message);
        let text =
            format!("{MINIMAL}\n[privacy]\nmin_comment_group_size = 10\nmin_group_size = 0\n");
        let (p, line) = problem_and_line(&text, "privacy.min_group_size");
        assert_eq!(p.line, line, "the key's line, not [privacy]'s");
        let label = "長".repeat(201);
        let text = MINIMAL.replacen("ja = \"設問2\"", &format!("ja = \"{label}\""), 1);
        let problems = match load(&text).unwrap_err() {
            DefinitionError::Invalid { problems, .. } => problems,
            other => panic!("{other}"),
        };
        let long = problems
            .iter()
            .find(|p| p.key == "items[1].ja")
            .expect("the long label");
        let line = text
            .lines()
            .position(|l| l.starts_with("ja = \"長"))
            .unwrap()
            + 1;
        assert_eq!(
            (long.line, long.message.as_str()),
            (line, "201 characters (a label); at most 200")
        );
        let text = MINIMAL.replacen("[data]\n", "[data]\nheader_row = 18446744073709551615\n", 1);
        let (p, line) = problem_and_line(&text, "data.header_row");
        assert_eq!(p.line, line);
        assert!(p.message.contains("between 1 and 1048576"), "{}", p.message);
    }

    const SEGMENTS: &str = r#"
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
values = ["20s", "30s"]
"#;

    #[test]
    fn a_cross_becomes_a_segment_after_the_plain_ones() {
        let text = format!("{MINIMAL}{SEGMENTS}\n[[crosses]]\nsegments = [\"section\", \"age\"]\n");
        let s = load(&text).unwrap();
        assert_eq!(s.segment_count(), 4);
        assert_eq!(s.segment_id(3), "section_x_age");
        assert_eq!(s.segment_label(3), Label::new("課 × 年齢", "Section × Age"));
        assert_eq!(s.segment_parents, vec![None, Some(0), None, Some(1)]);
        assert_eq!(s.segment_across, vec![None, None, None, Some(2)]);
        // The cross comes after both of its segments, section being nested in bureau.
        let order = s.segments_parents_first();
        let at = |x: usize| order.iter().position(|&o| o == x).unwrap();
        assert!(at(3) > at(1) && at(3) > at(2) && at(1) > at(0), "{order:?}");
    }

    #[test]
    fn bad_crosses_are_problems_naming_the_line() {
        for (segments, expected) in [
            (r#"["bureau"]"#, "exactly two segments, not 1"),
            (r#"["bureau", "region"]"#, "unknown segment `region`"),
            (r#"["bureau", "section"]"#, "nested in one another"),
            (r#"["age", "age"]"#, "nested in one another"),
        ] {
            let text = format!("{MINIMAL}{SEGMENTS}\n[[crosses]]\nsegments = {segments}\n");
            let err = load(&text).unwrap_err().to_string();
            assert!(err.contains(expected), "{segments}: {err}");
            assert!(err.contains("line 62"), "{segments}: {err}");
        }
        let text = format!(
            "{MINIMAL}{SEGMENTS}\n[[crosses]]\nid = \"age\"\nsegments = [\"bureau\", \"age\"]\n"
        );
        let err = load(&text).unwrap_err().to_string();
        assert!(err.contains("`age` is already the id"), "{err}");
    }

    #[test]
    fn unknown_key_names_key_and_line() {
        let text = MINIMAL.replace("reverse = true", "reversed = true");
        let err = load(&text).unwrap_err().to_string();
        assert!(err.contains("reversed"), "{err}");
        assert!(err.contains("line 32"), "{err}");
    }

    #[test]
    fn bad_reference_names_key_and_line() {
        let text = MINIMAL.replace("dimension = \"d1\"\nreverse", "dimension = \"d9\"\nreverse");
        let err = load(&text).unwrap_err().to_string();
        assert!(err.contains("items.dimension"), "{err}");
        assert!(err.contains("unknown dimension `d9`"), "{err}");
        assert!(err.contains("line 31"), "{err}");
    }

    #[test]
    fn duplicate_ids_and_columns_are_problems() {
        let text = MINIMAL.replace(
            "id = \"q3\"\ncolumn = \"Q3\"",
            "id = \"q2\"\ncolumn = \"Q2\"",
        );
        let err = load(&text).unwrap_err().to_string();
        assert!(err.contains("duplicate id `q2`"), "{err}");
        assert!(err.contains("column `Q2` is used by both"), "{err}");
    }

    #[test]
    fn share_kpi_defaults_to_favourable_points() {
        let text = format!(
            "{MINIMAL}\n[[kpis]]\nid = \"k\"\nja = \"k\"\nen = \"k\"\nkind = \"share\"\nitem = \"q1\"\n"
        );
        let s = load(&text).unwrap();
        assert_eq!(
            s.kpi_measures[0],
            KpiMeasure::Share {
                item: 0,
                codes: vec![4, 5]
            }
        );
    }

    #[test]
    fn segment_cycle_is_a_problem() {
        let text = format!(
            "{MINIMAL}\n[[segments]]\nid = \"a\"\ncolumn = \"A\"\nja = \"a\"\nen = \"a\"\nparent = \"b\"\n\
             [[segments]]\nid = \"b\"\ncolumn = \"B\"\nja = \"b\"\nen = \"b\"\nparent = \"a\"\n"
        );
        let err = load(&text).unwrap_err().to_string();
        assert!(err.contains("cycle"), "{err}");
    }
}
