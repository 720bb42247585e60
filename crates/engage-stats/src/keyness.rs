//! Keyness: is a term more (or less) frequent in one group's comments than in the rest of the
//! organisation's? The log-likelihood G² of the 2 × 2 table of token counts (Rayson & Garside
//! 2000), the usual corpus-linguistics measure because it stays valid for the small expected
//! counts that rare terms give (where Pearson's χ² overstates), with Hardie's log ratio as the
//! effect size.

use statrs::distribution::{ChiSquared, ContinuousCDF};

use crate::StatsError;

/// A term's keyness in a group against the rest.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Keyness {
    /// G² = 2 Σ O ln(O / E) over the four cells, E from the margins; 1 df.
    pub g2: f64,
    pub p_value: f64,
    /// log₂ of the term's relative frequency in the group over that in the rest; None when
    /// either count is zero (the ratio is then infinite or zero).
    pub log_ratio: Option<f64>,
    /// Whether the term is relatively more frequent in the group.
    pub over: bool,
}

/// `in_group` of the group's `group_tokens` tokens are the term, `in_rest` of the rest's
/// `rest_tokens`. As `scipy.stats.chi2_contingency(table, correction=False,
/// lambda_="log-likelihood")`.
pub fn log_likelihood_keyness(
    in_group: u64,
    group_tokens: u64,
    in_rest: u64,
    rest_tokens: u64,
) -> Result<Keyness, StatsError> {
    if in_group > group_tokens || in_rest > rest_tokens {
        return Err(StatsError::TooFew {
            needed: in_group.max(in_rest),
            got: group_tokens.min(rest_tokens),
        });
    }
    if group_tokens == 0 || rest_tokens == 0 || in_group + in_rest == 0 {
        return Err(StatsError::NoVariance);
    }
    let cells = [
        [in_group, group_tokens - in_group],
        [in_rest, rest_tokens - in_rest],
    ];
    let n = (group_tokens + rest_tokens) as f64;
    let rows = [group_tokens as f64, rest_tokens as f64];
    let cols = [
        (in_group + in_rest) as f64,
        (group_tokens + rest_tokens - in_group - in_rest) as f64,
    ];
    let mut g2 = 0.0;
    for (i, row) in cells.iter().enumerate() {
        for (j, &observed) in row.iter().enumerate() {
            if observed > 0 {
                let o = observed as f64;
                g2 += o * (o / (rows[i] * cols[j] / n)).ln();
            }
        }
    }
    let g2 = (2.0 * g2).max(0.0);
    let p_value = ChiSquared::new(1.0).expect("1 df").sf(g2);
    let group_rate = in_group as f64 / group_tokens as f64;
    let rest_rate = in_rest as f64 / rest_tokens as f64;
    let log_ratio = (in_group > 0 && in_rest > 0).then(|| (group_rate / rest_rate).log2());
    Ok(Keyness {
        g2,
        p_value,
        log_ratio,
        over: group_rate > rest_rate,
    })
}
