//! Byte codes for score values. The scaled values a variable can take are known from the plan
//! before any row is read, and answer scores take few: a dimension of up to ten five-point
//! items has at most 256. Rows can then be kept as a byte a value (driver rows) or counted
//! with one counter a value (raking's cells) instead of sums of squares in `i128`.

use crate::plan::Plan;

/// A variable's possible scaled values, and each one's code (its index among them).
pub(crate) struct ValueCodes {
    /// Ascending.
    pub levels: Vec<i64>,
    lo: i64,
    /// `map[x - lo]`: the code of value `x`, `u16::MAX` for a value that cannot occur.
    map: Vec<u16>,
}

/// Widest span of a variable's values that gets a lookup table from value to code (128 KB).
const MAP_SPAN: i64 = 1 << 16;

impl ValueCodes {
    /// The codes of score variable `variable` (composites first, then share KPIs), or `None`
    /// when it can take more than 256 values or they span more than a table covers.
    pub fn of(plan: &Plan, variable: usize) -> Option<ValueCodes> {
        let levels = possible_values(plan, variable);
        let (&lo, &hi) = (levels.first()?, levels.last()?);
        if levels.len() > 256 || hi - lo >= MAP_SPAN {
            return None;
        }
        let mut map = vec![u16::MAX; (hi - lo + 1) as usize];
        for (code, &v) in levels.iter().enumerate() {
            map[(v - lo) as usize] = code as u16;
        }
        Some(ValueCodes { levels, lo, map })
    }

    /// The code of scaled value `x`, `None` if the variable cannot take it.
    #[inline]
    pub fn code(&self, x: i64) -> Option<u8> {
        let at = usize::try_from(x - self.lo).ok()?;
        let code = *self.map.get(at)?;
        (code != u16::MAX).then_some(code as u8)
    }
}

/// Every scaled value `variable` can take where present, ascending: a composite's (sum of
/// flipped codes) × factor for each number of answers that scores (`ValueBlock::derive`), a
/// share's 0 and 1.
fn possible_values(plan: &Plan, variable: usize) -> Vec<i64> {
    let Some(composite) = plan.composites.get(variable) else {
        return vec![0, 1];
    };
    let points = i64::from(plan.points);
    let mut values: Vec<i64> = (1..=composite.items.len())
        .filter(|&answered| composite.factor[answered] != 0)
        .flat_map(|answered| {
            let (a, factor) = (answered as i64, composite.factor[answered]);
            (a..=a * points).map(move |sum| sum * factor)
        })
        .collect();
    values.sort_unstable();
    values.dedup();
    values
}
