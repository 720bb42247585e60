//! Flags that several commands share.

use clap::ValueEnum;
use engage::Lang;

#[derive(Clone, Copy, ValueEnum)]
pub enum LangArg {
    Ja,
    En,
}

impl LangArg {
    pub fn lang(self) -> Lang {
        match self {
            LangArg::Ja => Lang::Ja,
            LangArg::En => Lang::En,
        }
    }
}

/// `--csv-encoding`.
#[derive(Clone, Copy, Default, ValueEnum)]
pub enum CsvEncodingArg {
    /// UTF-8 with a byte-order mark (Excel on Japanese Windows opens it).
    #[default]
    Utf8,
    /// CP932 for older Excel.
    Cp932,
}

impl CsvEncodingArg {
    pub fn encoding(self) -> engage::CsvEncoding {
        match self {
            CsvEncodingArg::Utf8 => engage::CsvEncoding::Utf8Bom,
            CsvEncodingArg::Cp932 => engage::CsvEncoding::Cp932,
        }
    }
}
