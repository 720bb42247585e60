//! When a release was made, as its workbooks record it. The writers never read the clock: the
//! caller decides the time once per run, so every file of one run agrees and a rerun with the
//! same time (`SOURCE_DATE_EPOCH`, the reproducible-builds convention) gives the same bytes.

use rust_xlsxwriter::{DocProperties, ExcelDateTime};

use crate::ExportError;

/// A run's creation time in whole seconds since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Created {
    unix_seconds: i64,
}

impl Created {
    /// The earliest and latest times a workbook can record (Excel's years 1900-9999).
    const RANGE: std::ops::Range<i64> = -2_209_075_200..253_402_300_800;

    /// A time a workbook can hold, else an error naming it.
    pub fn from_unix_seconds(unix_seconds: i64) -> Result<Self, ExportError> {
        if !Self::RANGE.contains(&unix_seconds) {
            return Err(ExportError::CreationTime(unix_seconds));
        }
        Ok(Created { unix_seconds })
    }

    pub fn unix_seconds(self) -> i64 {
        self.unix_seconds
    }

    /// The workbook's document properties: only the creation time is set.
    pub(crate) fn properties(self) -> DocProperties {
        let time = ExcelDateTime::from_timestamp(self.unix_seconds)
            .expect("checked against Excel's range when made");
        DocProperties::new().set_creation_datetime(&time)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_outside_excels_years_are_refused() {
        assert!(Created::from_unix_seconds(0).is_ok());
        // 9999-12-31T23:59:59Z is 253402300799 (date -u -d @253402300799).
        assert!(Created::from_unix_seconds(253_402_300_799).is_ok());
        assert!(Created::from_unix_seconds(253_402_300_800).is_err());
        assert!(Created::from_unix_seconds(-2_209_075_201).is_err());
    }
}
