//! Writing the laid-out pages as a PDF with printpdf, the font embedded.

use election_data::formats::ResultsFile;
use printpdf::{
    Color, IndirectFontRef, Line, Mm, PdfDocument, PdfLayerReference, Point, Rect, Rgb,
    TextRenderingMode,
};

use super::font::*;
use super::layout::Op;
use super::records::layout;
use super::{Paper, PrintError, Record};

pub(super) fn draw(layer: &PdfLayerReference, font: &IndirectFontRef, h: f32, op: &Op) {
    match op {
        Op::Text {
            x,
            y,
            size,
            bold,
            text,
        } => {
            layer.begin_text_section();
            layer.set_fill_color(Color::Rgb(Rgb::new(0.05, 0.05, 0.1, None)));
            if *bold {
                layer.set_text_rendering_mode(TextRenderingMode::FillStroke);
                layer.set_outline_color(Color::Rgb(Rgb::new(0.05, 0.05, 0.1, None)));
                layer.set_outline_thickness(size * 0.035);
            } else {
                layer.set_text_rendering_mode(TextRenderingMode::Fill);
            }
            layer.set_font(font, *size);
            layer.set_text_cursor(Mm(*x), Mm(h - y));
            layer.write_text(text.clone(), font);
            layer.end_text_section();
        }
        Op::Line {
            x1,
            y1,
            x2,
            y2,
            thickness,
            grey,
        } => {
            layer.set_outline_color(Color::Rgb(Rgb::new(*grey, *grey, *grey, None)));
            layer.set_outline_thickness(*thickness);
            layer.add_line(Line {
                points: vec![
                    (Point::new(Mm(*x1), Mm(h - y1)), false),
                    (Point::new(Mm(*x2), Mm(h - y2)), false),
                ],
                is_closed: false,
            });
        }
        Op::Rect {
            x,
            y,
            w,
            h: rh,
            rgb,
            fill,
        } => {
            let rect = Rect::new(Mm(*x), Mm(h - y - rh), Mm(x + w), Mm(h - y));
            if *fill {
                layer.set_fill_color(Color::Rgb(Rgb::new(rgb.0, rgb.1, rgb.2, None)));
                layer.add_rect(rect);
            } else {
                layer.set_outline_color(Color::Rgb(Rgb::new(rgb.0, rgb.1, rgb.2, None)));
                layer.set_outline_thickness(0.6);
                layer.add_rect(rect.with_mode(printpdf::path::PaintMode::Stroke));
            }
        }
    }
}

/// Prints a record: the PDF's bytes.
pub fn render(
    record: &Record,
    paper: Paper,
    r: &ResultsFile,
    edited_at_millis: i64,
) -> Result<Vec<u8>, PrintError> {
    let (title, pages) = layout(record, paper, r, edited_at_millis)?;
    write(&title, &pages, paper, edited_at_millis)
}

/// Writes laid-out pages as a PDF (the font embedded, the edition time as
/// the document's dates).
pub(super) fn write(
    title: &str,
    pages: &[Vec<Op>],
    paper: Paper,
    edited_at_millis: i64,
) -> Result<Vec<u8>, PrintError> {
    let (w, h) = paper.size();
    let (doc, first_page, first_layer) = PdfDocument::new(printable(title), Mm(w), Mm(h), "1");
    let created = printpdf::OffsetDateTime::from_unix_timestamp(edited_at_millis.div_euclid(1000))
        .map_err(|e| PrintError::Pdf(e.to_string()))?;
    let doc = doc
        .with_creator("Urne")
        .with_producer("Urne")
        .with_creation_date(created)
        .with_mod_date(created)
        .with_metadata_date(created);
    let font = doc
        .add_external_font(FONT)
        .map_err(|e| PrintError::Pdf(e.to_string()))?;
    for (i, ops) in pages.iter().enumerate() {
        let layer = if i == 0 {
            doc.get_page(first_page).get_layer(first_layer)
        } else {
            let (p, l) = doc.add_page(Mm(w), Mm(h), "1");
            doc.get_page(p).get_layer(l)
        };
        for op in ops {
            draw(&layer, &font, h, op);
        }
    }
    doc.save_to_bytes()
        .map_err(|e| PrintError::Pdf(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use election_data::fixtures::sample_commune;

    #[test]
    fn renders_a_pdf() {
        let r = election_data::formats::ResultsFile::sample(sample_commune(), 34);
        let bytes = render(&Record::Commune, Paper::A3, &r, 0).expect("pdf");
        assert!(bytes.starts_with(b"%PDF-"));
        assert!(bytes.len() > 10_000);
    }
}
