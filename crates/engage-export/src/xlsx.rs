//! `report.xlsx`: one sheet per table, frozen header row, widths, number formats (0.00 for
//! means, 0.0% for shares) and "—" with a note for withheld figures.

use std::path::Path;

use rust_xlsxwriter::{Format, Note, Workbook, XlsxError};

use crate::tables::{Cell, Kind, Lang, Table};
use crate::{Created, ExportError};

/// The cell formats every sheet shares.
pub(crate) struct Formats {
    pub header: Format,
    pub mean: Format,
    pub share: Format,
    pub plain: Format,
    pub withheld: Format,
}

impl Formats {
    pub fn new() -> Self {
        Formats {
            header: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_background_color("#DDEBF7"),
            mean: Format::new().set_num_format("0.00"),
            share: Format::new().set_num_format("0.0%"),
            plain: Format::new().set_num_format("0.000"),
            withheld: Format::new()
                .set_align(rust_xlsxwriter::FormatAlign::Center)
                .set_font_color("#808080"),
        }
    }
}

/// A workbook of plain tables (the comparison's).
pub fn write_workbook(
    tables: &[Table],
    path: &Path,
    lang: Lang,
    created: Created,
) -> Result<(), ExportError> {
    let err = |e: XlsxError| ExportError::Xlsx {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut workbook = Workbook::new();
    workbook.set_properties(&created.properties());
    let formats = Formats::new();
    for table in tables {
        table_sheet(workbook.add_worksheet(), table, lang, &formats).map_err(err)?;
    }
    workbook.save(path).map_err(err)
}

/// One table as a sheet: frozen header, widths, number formats, "—" with a note when withheld,
/// an autofilter, landscape pages fitted to the width.
pub(crate) fn table_sheet(
    sheet: &mut rust_xlsxwriter::Worksheet,
    table: &Table,
    lang: Lang,
    f: &Formats,
) -> Result<(), XlsxError> {
    let note_text = match lang {
        Lang::Ja => "匿名性保護のため非公表（回答者が少ない、または他の数値から逆算されるのを防ぐため）",
        Lang::En => "Withheld for anonymity: too few respondents, or it would let a small group be recovered by subtraction",
    };
    sheet.set_name(table.title.get(lang.code()))?;
    for (c, column) in table.columns.iter().enumerate() {
        let c = c as u16;
        sheet.write_string_with_format(0, c, column.label.get(lang.code()), &f.header)?;
        let width = match column.key {
            "kpi" | "item" | "measure" | "option" | "question" => 40.0,
            "group" | "group_key" | "dimension" | "segment" | "file" | "sha256" => 24.0,
            _ => 12.0,
        };
        sheet.set_column_width(c, width)?;
    }
    let mut noted = false;
    for (r, row) in table.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(s) => {
                    sheet.write_string(r, c, s)?;
                }
                Cell::Int(v) => {
                    sheet.write_number(r, c, *v as f64)?;
                }
                Cell::Number(v, kind) => {
                    let fmt = match kind {
                        Kind::Mean => &f.mean,
                        Kind::Share => &f.share,
                        Kind::Plain => &f.plain,
                    };
                    sheet.write_number_with_format(r, c, *v, fmt)?;
                }
                Cell::Bool(b) => {
                    sheet.write_boolean(r, c, *b)?;
                }
                Cell::Empty => {}
                Cell::Withheld => {
                    sheet.write_string_with_format(r, c, "—", &f.withheld)?;
                    // One note per sheet explains the dash; a note on every cell is noise.
                    if !noted {
                        sheet.insert_note(r, c, &Note::new(note_text))?;
                        noted = true;
                    }
                }
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    if !table.rows.is_empty() {
        sheet.autofilter(
            0,
            0,
            table.rows.len() as u32,
            table.columns.len() as u16 - 1,
        )?;
    }
    // Printed: the table and nothing else, its header row on every page.
    sheet.set_print_area(
        0,
        0,
        table.rows.len() as u32,
        table.columns.len().max(1) as u16 - 1,
    )?;
    sheet.set_repeat_rows(0, 0)?;
    sheet.set_landscape();
    sheet.set_print_fit_to_pages(1, 0);
    Ok(())
}
