//! Spreadsheets (`.xlsx`, `.ods`, `.xls`) read as tables, with `calamine`.
//!
//! Every import takes a spreadsheet as well as a CSV file: the bytes are
//! recognised by their signature (a ZIP archive for `.xlsx` and `.ods`, an
//! OLE compound file for `.xls`), the first sheet is read, and each cell
//! becomes the text a CSV export of it would hold: text as is, whole numbers
//! without decimals (`1005`), other numbers in their shortest decimal form
//! (`29.15`, read by value like `29,15`). A row's line is its row number in
//! the sheet, and the errors of a decoder name the sheet
//! ([`FormatErrors::in_sheet`]), so that a message reads
//! `feuille « Bureaux », ligne 9, colonne « Inscrits » : …`.

use std::io::Cursor;

use calamine::{Data, Reader, open_workbook_auto_from_rs};

use super::{FormatError, FormatErrors, Table, TextEncoding};

/// Whether the bytes are a spreadsheet rather than text.
pub fn is_spreadsheet(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")
}

/// The text of a cell, as a CSV export of the sheet would write it.
pub fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                // Whole and in range: the cast is exact.
                format!("{}", *f as i64)
            } else {
                f.to_string()
            }
        }
        Data::Bool(b) => if *b { "VRAI" } else { "FAUX" }.to_string(),
        Data::DateTime(d) => d.to_string(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// Reads the first sheet of a spreadsheet into a [`Table`] (its header is
/// the first non-empty row). `progress` is told the rows read and the total.
pub fn read(bytes: &[u8], progress: &mut dyn FnMut(u64, u64)) -> Result<Table, FormatErrors> {
    let mut book = open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| {
        FormatErrors::one(FormatError::file(format!(
            "tableur illisible (.xlsx, .ods ou .xls attendu) : {e}"
        )))
    })?;
    let Some(name) = book.sheet_names().into_iter().next() else {
        return Err(FormatErrors::one(FormatError::file(
            "le classeur ne contient aucune feuille",
        )));
    };
    let range = book.worksheet_range(&name).map_err(|e| {
        FormatErrors::one(FormatError::file(format!(
            "feuille « {name} » illisible : {e}"
        )))
    })?;
    let first_row = u64::from(range.start().map_or(0, |(r, _)| r));
    let first_col = range.start().map_or(0, |(_, c)| c as usize);
    let total = range.height() as u64;
    let mut header = None;
    let mut header_line = 1;
    let mut rows = Vec::new();
    for (i, row) in range.rows().enumerate() {
        let line = first_row + i as u64 + 1;
        let mut cells: Vec<String> = std::iter::repeat_n(String::new(), first_col)
            .chain(row.iter().map(cell_text))
            .collect();
        while cells.last().is_some_and(String::is_empty) {
            cells.pop();
        }
        if i % 4096 == 4095 {
            progress(i as u64, total);
        }
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if header.is_none() {
            header = Some(cells);
            header_line = line;
        } else {
            rows.push((line, cells));
        }
    }
    progress(total, total);
    let Some(header) = header else {
        return Err(FormatErrors::one(FormatError {
            sheet: Some(name),
            ..FormatError::file("la feuille est vide : il faut au moins une ligne d'en-tête")
        }));
    };
    Ok(Table {
        encoding: TextEncoding::Utf8,
        separator: b';',
        header_line,
        header,
        rows,
        sheet: Some(name),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const XLSX: &[u8] = include_bytes!("../../fixtures/setup/bureaux.xlsx");
    const ODS: &[u8] = include_bytes!("../../fixtures/setup/bureaux.ods");

    #[test]
    fn cells_read_as_a_csv_export_writes_them() {
        assert_eq!(cell_text(&Data::Float(1005.0)), "1005");
        assert_eq!(cell_text(&Data::Float(29.15)), "29.15");
        assert_eq!(cell_text(&Data::Int(7)), "7");
        assert_eq!(cell_text(&Data::Empty), "");
        let t = read(XLSX, &mut |_, _| {}).expect("xlsx");
        assert_eq!(t.sheet.as_deref(), Some("Bureaux"));
        assert_eq!(t.header[0], "Code");
        assert_eq!(t.rows[0], (2, t.rows[0].1.clone()));
        assert_eq!(t.rows[0].1[1], "Hôtel de ville");
        assert_eq!(read(ODS, &mut |_, _| {}).map(|t| t.rows), Ok(t.rows));
    }

    proptest! {
        #[test]
        fn never_panics_on_mutated_workbooks(ods in any::<bool>(), pos in 0usize..4000, byte in any::<u8>(), cut in 0usize..4000) {
            let mut bytes = if ods { ODS } else { XLSX }.to_vec();
            let n = bytes.len();
            bytes[pos % n] = byte;
            bytes.truncate(cut.max(1) % (n + 1));
            let _ = read(&bytes, &mut |_, _| {});
        }
    }
}
