//! Lists written out for a spreadsheet: CSV (semicolons and UTF-8 with a
//! byte-order mark, what a French Excel or LibreOffice opens without a
//! dialog) and `.xlsx` (numbers stay numbers, decimals keep their places).
//! The caller gives the header and the cells, already resolved (a
//! reference's title rather than its id).

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::schema::{Field, Kind};
use crate::value::{Value, display};

/// A cell of an export.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// An integer in its smallest unit and its number of decimals.
    Decimal(i64, u8),
}

impl Cell {
    /// The cell for a field's value (`shown` replaces the value's own
    /// display, e.g. a reference's title).
    pub fn of(field: &Field, v: &Value, shown: Option<String>) -> Cell {
        if let Some(s) = shown {
            return Cell::Text(s);
        }
        match (&field.kind, v) {
            (Kind::Integer { .. }, Value::Int(n)) => Cell::Int(*n),
            (Kind::Decimal { scale, .. }, Value::Int(n)) => Cell::Decimal(*n, *scale),
            _ => Cell::Text(display(field, v)),
        }
    }

    fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Decimal(n, s) => crate::value::format_decimal(*n, *s),
        }
    }
}

/// A table to export.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub title: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// Semicolon-separated UTF-8 with a BOM.
pub fn to_csv(t: &Table) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(b"\xEF\xBB\xBF".to_vec());
    // Writing to a Vec cannot fail; a failed record is left out rather than panicking.
    let _ = w.write_record(&t.header);
    for r in &t.rows {
        let _ = w.write_record(r.iter().map(Cell::text));
    }
    w.into_inner().unwrap_or_default()
}

/// An `.xlsx` workbook of one sheet, header in bold and frozen.
pub fn to_xlsx(t: &Table) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let name: String = t
        .title
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect();
    if !name.is_empty() {
        sheet.set_name(name)?;
    }
    let bold = Format::new().set_bold();
    for (c, h) in t.header.iter().enumerate() {
        let col = u16::try_from(c).unwrap_or(u16::MAX);
        sheet.write_string_with_format(0, col, h, &bold)?;
        sheet.set_column_width(col, (h.chars().count().max(12) + 2) as f64)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    for (r, row) in t.rows.iter().enumerate() {
        let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
        for (c, cell) in row.iter().enumerate() {
            let col = u16::try_from(c).unwrap_or(u16::MAX);
            match cell {
                Cell::Text(s) => {
                    sheet.write_string(r, col, s)?;
                }
                Cell::Int(n) => {
                    sheet.write_number(r, col, *n as f64)?;
                }
                Cell::Decimal(n, s) => {
                    let places = "0".repeat(usize::from(*s));
                    let fmt = Format::new().set_num_format(if places.is_empty() {
                        "0".to_string()
                    } else {
                        format!("0.{places}")
                    });
                    let v = *n as f64 / 10f64.powi(i32::from(*s));
                    sheet.write_number_with_format(r, col, v, &fmt)?;
                }
            }
        }
    }
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        Table {
            title: "Heures".into(),
            header: vec!["Nom".into(), "Heures".into(), "Montant".into()],
            rows: vec![vec![
                Cell::Text("Dupré; Élise".into()),
                Cell::Int(10),
                Cell::Decimal(12_550, 2),
            ]],
        }
    }

    #[test]
    fn csv_has_bom_semicolons_and_quotes() {
        let s = String::from_utf8(to_csv(&table())).expect("utf-8");
        assert_eq!(
            s,
            "\u{feff}Nom;Heures;Montant\n\"Dupré; Élise\";10;125,50\n"
        );
    }

    #[test]
    fn xlsx_is_a_zip() {
        let b = to_xlsx(&table()).expect("xlsx");
        assert_eq!(&b[..2], b"PK");
    }
}
