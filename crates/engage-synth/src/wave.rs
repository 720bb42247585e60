//! The waves the generator can produce and the published figures each one is calibrated to.

/// Targets and seed of one wave. The 2023 wave's targets are the plan's published figures.
#[derive(Debug, Clone)]
pub struct WaveSpec {
    pub year: i32,
    pub label: &'static str,
    pub fielded: &'static str,
    pub seed: u64,
    pub respondents: usize,
    /// Dimension means in the order of `content::DIMENSIONS`.
    pub dimension_means: [f64; 6],
    pub kpi_mean: f64,
    pub mindset_share: f64,
    /// Counts per work-issue option, in `content::WORK_ISSUES` order.
    pub work_issue_counts: Vec<u64>,
    /// Counts per reform-priority option, in `content::REFORM_PRIORITIES` order.
    pub priority_counts: Vec<u64>,
    /// Share of respondents who skip each multi-select question.
    pub multi_skip_share: f64,
}

/// The FY2023 staff satisfaction survey (R5.7～8, 3,690 respondents) as published.
pub fn kumamoto_2023() -> WaveSpec {
    WaveSpec {
        year: 2023,
        label: "R5",
        fielded: "2023-07..2023-08",
        seed: 20230701,
        respondents: 3690,
        dimension_means: [3.76, 3.60, 3.38, 3.26, 3.26, 2.98],
        kpi_mean: 3.56,
        mindset_share: 0.81,
        work_issue_counts: vec![
            907, 889, 693, 624, 523, 432, 429, 380, 360, 336, 311, 236, 178, 162,
        ],
        // The plan prints this chart's order but its counts are not legible: illustrative
        // counts that keep the published order.
        priority_counts: vec![1210, 1105, 980, 842, 760, 655, 590, 512, 433, 340, 262],
        multi_skip_share: 0.025,
    }
}

/// An illustrative FY2024 wave: KPI near 3.60, supervisor and reform up, HR system slightly up,
/// welfare slightly down, COVID duties and paperless complaints down. Not published figures.
pub fn kumamoto_2024() -> WaveSpec {
    WaveSpec {
        year: 2024,
        label: "R6",
        fielded: "2024-07..2024-08",
        seed: 20240701,
        respondents: 3724,
        dimension_means: [3.77, 3.66, 3.40, 3.35, 3.23, 3.02],
        kpi_mean: 3.60,
        mindset_share: 0.84,
        work_issue_counts: vec![
            921, 742, 611, 630, 515, 458, 401, 372, 351, 88, 306, 219, 171, 150,
        ],
        priority_counts: vec![1188, 1132, 1004, 820, 702, 688, 604, 540, 421, 366, 275],
        multi_skip_share: 0.022,
    }
}
