//! Documents other than the election's records, for the secondary modules:
//! reports (a title, paragraphs, tables broken across pages with their
//! header repeated) and mail-merge letters (one letter per page, as one PDF
//! or one PDF each). A [`Document`] is a list of [`Block`]s; it is laid out
//! with the same [`Layout`](super::layout) as the records, so the font,
//! the margins, the footers and the page numbers are the same everywhere.

use super::layout::{Align, Layout, col, row};
use super::records::edited;
use super::{Paper, PrintError};

/// A piece of a document, laid out in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// The document's big heading.
    Title(String),
    /// A line under the title.
    Subtitle(String),
    Heading(String),
    Paragraph(String),
    /// Right-aligned text (a letter's place and date, its sender).
    Right(String),
    /// Bold text.
    Strong(String),
    Table {
        /// (title, share of the width, right-aligned).
        columns: Vec<(String, f32, bool)>,
        rows: Vec<Vec<String>>,
        /// The last row is a total, in bold.
        total: bool,
    },
    /// A table to sign on paper (a liste d'émargement): as
    /// [`Block::Table`], each row at least `row_mm` millimetres tall.
    SigningTable {
        columns: Vec<(String, f32, bool)>,
        rows: Vec<Vec<String>>,
        row_mm: f32,
    },
    /// Signature boxes with these labels.
    Signatures(Vec<String>),
    /// Vertical space in millimetres.
    Space(f32),
    /// The next block starts a new page (letters of a mail merge).
    PageBreak,
}

/// A report or a set of letters.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// In the PDF's metadata and every footer.
    pub title: String,
    /// At the top of every page after the first.
    pub running: String,
    pub blocks: Vec<Block>,
}

/// Lays a document out: its pages, footers included.
pub fn layout(doc: &Document, paper: Paper, edited_at_millis: i64) -> Vec<Vec<super::Op>> {
    let mut l = Layout::new(paper, doc.running.clone());
    let base = l.base;
    for b in &doc.blocks {
        match b {
            Block::Title(t) => {
                l.paragraph(t, base * 1.6, true, Align::Left);
                l.space(1.5);
            }
            Block::Subtitle(t) => {
                l.paragraph(t, base * 1.1, false, Align::Left);
                l.space(2.0);
            }
            Block::Heading(t) => l.heading(t),
            Block::Paragraph(t) => {
                l.paragraph(t, base, false, Align::Left);
                l.space(1.5);
            }
            Block::Right(t) => l.paragraph(t, base, false, Align::Right),
            Block::Strong(t) => {
                l.paragraph(t, base, true, Align::Left);
                l.space(1.0);
            }
            Block::Table {
                columns,
                rows,
                total,
            } => {
                let cols = columns_of(columns);
                let n = rows.len();
                let rows: Vec<_> = rows
                    .iter()
                    .enumerate()
                    .map(|(i, cells)| {
                        let mut r = row(cells.clone());
                        r.bold = *total && i + 1 == n;
                        r
                    })
                    .collect();
                l.table(&cols, &rows, base * 0.95);
                l.space(2.0);
            }
            Block::SigningTable {
                columns,
                rows,
                row_mm,
            } => {
                let cols = columns_of(columns);
                let rows: Vec<_> = rows.iter().map(|cells| row(cells.clone())).collect();
                l.table_rows(&cols, &rows, base * 0.95, *row_mm);
                l.space(2.0);
            }
            Block::Signatures(labels) => {
                let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
                super::records::signatures(&mut l, &labels);
            }
            Block::Space(mm) => l.space(*mm),
            Block::PageBreak => {
                // A fresh page without the running head: the next letter.
                l.pages.push(Vec::new());
                l.y = l.margin;
            }
        }
    }
    l.footers(&doc.title, &edited(edited_at_millis));
    l.pages
}

/// A table's columns for the layout: (title, share, right-aligned).
fn columns_of(columns: &[(String, f32, bool)]) -> Vec<super::layout::Column> {
    columns
        .iter()
        .map(|(t, w, right)| col(t, *w, if *right { Align::Right } else { Align::Left }))
        .collect()
}

/// The texts of laid-out pages, in order (what the tests read).
#[cfg(test)]
pub(crate) fn texts(pages: &[Vec<super::Op>]) -> Vec<String> {
    pages
        .iter()
        .flatten()
        .filter_map(|op| match op {
            super::Op::Text { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

/// The document as a PDF.
pub fn render(doc: &Document, paper: Paper, edited_at_millis: i64) -> Result<Vec<u8>, PrintError> {
    let pages = layout(doc, paper, edited_at_millis);
    super::pdf::write(&doc.title, &pages, paper, edited_at_millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_get_a_page_each_and_tables_break_with_their_header() {
        let mut blocks = Vec::new();
        for name in ["Mme Durand", "M. Martin", "Mme Petit"] {
            blocks.push(Block::Title("Convocation".into()));
            blocks.push(Block::Paragraph(format!("{name}, vous êtes convoqué(e).")));
            blocks.push(Block::PageBreak);
        }
        blocks.pop();
        let rows: Vec<Vec<String>> = (0..120)
            .map(|i| vec![format!("ligne {i}"), i.to_string()])
            .collect();
        blocks.push(Block::PageBreak);
        blocks.push(Block::Table {
            columns: vec![("Nom".into(), 3.0, false), ("Heures".into(), 1.0, true)],
            rows,
            total: true,
        });
        let doc = Document {
            title: "Essai".into(),
            running: "Commune — essai".into(),
            blocks,
        };
        let pages = layout(&doc, Paper::A4, 0);
        assert!(
            pages.len() >= 5,
            "three letters, then a table over several pages"
        );
        let t = texts(&pages);
        assert!(t.iter().any(|s| s.contains("M. Martin")));
        assert!(
            t.iter().filter(|s| *s == "Heures").count() >= 2,
            "header repeated"
        );
        assert!(
            t.iter()
                .any(|s| s.contains(&format!("page {} / {}", pages.len(), pages.len())))
        );
        let pdf = render(&doc, Paper::A4, 0).expect("pdf");
        assert!(pdf.starts_with(b"%PDF-"));
    }
}
