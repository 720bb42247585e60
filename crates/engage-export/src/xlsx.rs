//! `report.xlsx`: one sheet per table, frozen header row, widths, number formats (0.00 for
//! means, 0.0% for shares) and "—" with a note for withheld figures.

use std::path::Path;

use rust_xlsxwriter::{Format, Note, Workbook, XlsxError};

use crate::tables::{Cell, Kind, Lang, Table};
use crate::ExportError;

pub fn write_workbook(tables: &[Table], path: &Path, lang: Lang) -> Result<(), ExportError> {
    let err = |e: XlsxError| ExportError::Xlsx {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut workbook = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_background_color("#DDEBF7");
    let mean = Format::new().set_num_format("0.00");
    let share = Format::new().set_num_format("0.0%");
    let plain = Format::new().set_num_format("0.000");
    let withheld = Format::new()
        .set_align(rust_xlsxwriter::FormatAlign::Center)
        .set_font_color("#808080");
    let note_text = match lang {
        Lang::Ja => "匿名性保護のため非公表（回答者が少ない、または他の数値から逆算されるのを防ぐため）",
        Lang::En => "Withheld for anonymity: too few respondents, or it would let a small group be recovered by subtraction",
    };
    for table in tables {
        let sheet = workbook.add_worksheet();
        sheet.set_name(table.title.get(lang.code())).map_err(err)?;
        for (c, column) in table.columns.iter().enumerate() {
            let c = c as u16;
            sheet
                .write_string_with_format(0, c, column.label.get(lang.code()), &header)
                .map_err(err)?;
            let width = match column.key {
                "kpi" | "item" | "measure" | "option" | "question" => 40.0,
                "group" | "group_key" | "dimension" | "segment" | "file" | "sha256" => 24.0,
                _ => 12.0,
            };
            sheet.set_column_width(c, width).map_err(err)?;
        }
        let mut noted = false;
        for (r, row) in table.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Text(s) => {
                        sheet.write_string(r, c, s).map_err(err)?;
                    }
                    Cell::Int(v) => {
                        sheet.write_number(r, c, *v as f64).map_err(err)?;
                    }
                    Cell::Number(v, kind) => {
                        let f = match kind {
                            Kind::Mean => &mean,
                            Kind::Share => &share,
                            Kind::Plain => &plain,
                        };
                        sheet.write_number_with_format(r, c, *v, f).map_err(err)?;
                    }
                    Cell::Bool(b) => {
                        sheet.write_boolean(r, c, *b).map_err(err)?;
                    }
                    Cell::Empty => {}
                    Cell::Withheld => {
                        sheet
                            .write_string_with_format(r, c, "—", &withheld)
                            .map_err(err)?;
                        // One note per sheet explains the dash; a note on every cell is noise.
                        if !noted {
                            sheet
                                .insert_note(r, c, &Note::new(note_text))
                                .map_err(err)?;
                            noted = true;
                        }
                    }
                }
            }
        }
        sheet.set_freeze_panes(1, 0).map_err(err)?;
        if !table.rows.is_empty() {
            sheet
                .autofilter(
                    0,
                    0,
                    table.rows.len() as u32,
                    table.columns.len() as u16 - 1,
                )
                .map_err(err)?;
        }
    }
    workbook.save(path).map_err(err)
}
