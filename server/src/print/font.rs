//! The embedded font and text measuring: glyph widths of DejaVu Sans, so
//! that the layout knows how long a text is before it places it; shortening
//! with an ellipsis and wrapping at a width.

use std::sync::OnceLock;

/// The embedded font (DejaVu Sans 2.37, Bitstream Vera licence).
pub(super) const FONT: &[u8] = include_bytes!("../../../web/fonts/DejaVuSans.ttf");

/// Millimetres per typographic point.
pub(super) const PT: f32 = 25.4 / 72.0;

pub(super) fn face() -> Option<&'static ttf_parser::Face<'static>> {
    static FACE: OnceLock<Option<ttf_parser::Face<'static>>> = OnceLock::new();
    FACE.get_or_init(|| ttf_parser::Face::parse(FONT, 0).ok())
        .as_ref()
}

/// Replaces the characters the font has no glyph for (printpdf would drop
/// them silently): narrow no-break spaces by spaces, anything else by `?`.
pub(super) fn printable(s: &str) -> String {
    let Some(f) = face() else {
        return s.to_string();
    };
    s.chars()
        .map(|c| {
            if c.is_control() {
                ' '
            } else if f.glyph_index(c).is_some() {
                c
            } else if c.is_whitespace() {
                ' '
            } else {
                '?'
            }
        })
        .collect()
}

/// Width of `s` at `size` points, in millimetres.
pub(super) fn width(s: &str, size: f32) -> f32 {
    let Some(f) = face() else {
        return s.chars().count() as f32 * size * 0.55 * PT;
    };
    let units: u32 = s
        .chars()
        .map(|c| {
            f.glyph_index(c)
                .and_then(|g| f.glyph_hor_advance(g))
                .map_or(0, u32::from)
        })
        .sum();
    units as f32 / f32::from(f.units_per_em()) * size * PT
}

/// `s`, shortened with an ellipsis to fit in `max` millimetres.
pub(super) fn fit(s: &str, size: f32, max: f32) -> String {
    if width(s, size) <= max {
        return s.to_string();
    }
    let mut chars: Vec<char> = s.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let candidate: String = chars.iter().collect::<String>().trim_end().to_string() + "…";
        if width(&candidate, size) <= max {
            return candidate;
        }
    }
    String::new()
}

/// Splits `s` into lines of at most `max` millimetres, at spaces.
pub(super) fn wrap(s: &str, size: f32, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in s.split(' ') {
        let candidate = if current.is_empty() {
            word.to_string()
        } else {
            format!("{current} {word}")
        };
        if width(&candidate, size) <= max || current.is_empty() {
            current = candidate;
        } else {
            lines.push(std::mem::take(&mut current));
            current = word.to_string();
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines.into_iter().map(|l| fit(&l, size, max)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_font_has_every_french_letter() {
        for c in "àâäçéèêëîïôöùûüÿœæÀÂÇÉÈÊËÎÏÔÖÙÛÜŸŒÆ«»—–…’°€".chars()
        {
            assert!(
                face().and_then(|f| f.glyph_index(c)).is_some(),
                "no glyph for {c}"
            );
        }
        assert_eq!(printable("a\u{202f}b\u{1}"), printable("a\u{202f}b "));
    }

    #[test]
    fn fit_shortens_with_an_ellipsis() {
        let long = "Salle polyvalente du Pont-Vieux et de la Médiathèque";
        let s = fit(long, 10.0, 30.0);
        assert!(s.ends_with('…'), "{s}");
        assert!(width(&s, 10.0) <= 30.0);
        assert_eq!(fit("court", 10.0, 30.0), "court");
    }
}
