//! The charts of the public pages, drawn with plotters as SVG text.
//!
//! Each function is pure: figures in, one `<svg>` element out, ready to be
//! inlined in a page. They are called while a page is rendered, and pages
//! are rendered once per change and cached (see `pages::cache`), so a chart
//! costs nothing per request. Every chart is an image with a text
//! alternative (`role="img"` and `aria-label`); the exact figures are also in
//! the tables of the same page, so nothing is only in a drawing. Labels are
//! given by the caller, already translated and formatted.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Text colour of every chart (contrast ≥ 7:1 on white).
const INK: RGBColor = RGBColor(0x1b, 0x1f, 0x24);
/// Axes and grid.
const GRID: RGBColor = RGBColor(0xc5, 0xcb, 0xd3);
/// Curves.
const ACCENT: RGBColor = RGBColor(0x12, 0x3f, 0x8c);
const FONT: &str = "system-ui, sans-serif";

/// One bar: a candidate or list and its share.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    /// `#rrggbb`.
    pub colour: String,
    /// Hundredths of a percent (`3788` for 37.88 %).
    pub hundredths: u32,
    /// The figure written at the end of the bar (`37,88 %`).
    pub value: String,
}

/// `#rrggbb` → colour; a neutral grey for anything else.
pub fn parse_colour(s: &str) -> RGBColor {
    let hex = s.trim().trim_start_matches('#');
    let byte = |i: usize| {
        hex.get(i..i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
    };
    match (hex.len(), byte(0), byte(2), byte(4)) {
        (6, Some(r), Some(g), Some(b)) => RGBColor(r, g, b),
        _ => RGBColor(0x88, 0x88, 0x88),
    }
}

/// Escapes text for an XML attribute.
fn attr(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Makes plotters' SVG an accessible image: `role="img"`, its text
/// alternative, and no fixed size (CSS scales it to its container).
fn finish(svg: String, alt: &str) -> String {
    let Some(rest) = svg.strip_prefix("<svg ") else {
        return svg;
    };
    let rest = match (rest.find(" viewBox="), rest.find("width=")) {
        (Some(v), Some(0)) => &rest[v + 1..],
        _ => rest,
    };
    format!(
        "<svg role=\"img\" aria-label=\"{}\" focusable=\"false\" preserveAspectRatio=\"xMidYMid meet\" {rest}",
        attr(alt)
    )
}

/// A text style of `size` pixels (plotters' SVG writes 1/1.24 of the size asked).
fn text_style(size: f64, colour: &'static RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    TextStyle::from((FONT, size * 1.24).into_font())
        .color(colour)
        .pos(Pos::new(h, v))
}

/// Cuts a label to `max` characters, with an ellipsis.
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// A bar's label as it fits its column: one line of at most 20 characters,
/// or else up to two lines of at most 24 (at a smaller size), broken between
/// words, the second ending with `…` when the name is longer still. The
/// beginning of a name is never cut; the full name is the bar's `<title>`
/// and is in the table beside the chart.
fn wrap_label(s: &str) -> Vec<String> {
    const ONE: usize = 20;
    const WIDE: usize = 24;
    if s.chars().count() <= ONE {
        return vec![s.to_string()];
    }
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in s.split_whitespace() {
        let len = current.chars().count();
        if len > 0 && len + 1 + word.chars().count() > WIDE {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    if !current.is_empty() {
        lines.push(current);
    }
    if lines.len() > 2 {
        let rest = lines[1..].join(" ");
        lines.truncate(1);
        lines.push(rest);
    }
    lines.into_iter().map(|l| clip(&l, WIDE)).collect()
}

/// Horizontal bars, one per entry, in the order given, each in its colour;
/// the longest bar is the largest share.
pub fn bars(items: &[Bar], alt: &str) -> String {
    const W: u32 = 640;
    const ROW: u32 = 30;
    const LABEL_W: i32 = 220;
    const VALUE_W: i32 = 90;
    let h = ROW * u32::try_from(items.len().max(1)).unwrap_or(1) + 12;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (W, h)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let max = items.iter().map(|b| b.hundredths).max().unwrap_or(0).max(1);
        let span = i32::try_from(W).unwrap_or(640) - LABEL_W - VALUE_W - 10;
        for (i, b) in items.iter().enumerate() {
            let y0 = 6 + i32::try_from(i).unwrap_or(0) * i32::try_from(ROW).unwrap_or(30);
            let mid = y0 + i32::try_from(ROW / 2).unwrap_or(15);
            let len = i32::try_from(
                u64::from(b.hundredths) * u64::try_from(span).unwrap_or(0) / u64::from(max),
            )
            .unwrap_or(0);
            let lines = wrap_label(&b.label);
            if let [one] = lines.as_slice() {
                let _ = root.draw(&Text::new(
                    one.clone(),
                    (LABEL_W - 10, mid),
                    text_style(16.0, &INK, HPos::Right, VPos::Center),
                ));
            } else {
                for (k, line) in lines.iter().enumerate() {
                    let dy = if k == 0 { -7 } else { 7 };
                    let _ = root.draw(&Text::new(
                        line.clone(),
                        (LABEL_W - 10, mid + dy),
                        text_style(12.5, &INK, HPos::Right, VPos::Center),
                    ));
                }
            }
            let _ = root.draw(&Rectangle::new(
                [
                    (LABEL_W, y0 + 5),
                    (
                        LABEL_W + len.max(1),
                        y0 + i32::try_from(ROW).unwrap_or(30) - 5,
                    ),
                ],
                parse_colour(&b.colour).filled(),
            ));
            let _ = root.draw(&Text::new(
                b.value.clone(),
                (LABEL_W + len.max(1) + 8, mid),
                text_style(16.0, &INK, HPos::Left, VPos::Center),
            ));
        }
        let _ = root.present();
    }
    // Each row carries the full name as its title (a tooltip, and read by
    // screen readers), over an invisible rectangle covering the row.
    if let Some(end) = svg.rfind("</svg>") {
        let mut titles = String::new();
        for (i, b) in items.iter().enumerate() {
            let y0 = 6 + ROW as usize * i;
            titles.push_str(&format!(
                "<rect x=\"0\" y=\"{y0}\" width=\"{W}\" height=\"{ROW}\" fill=\"transparent\"><title>{} : {}</title></rect>\n",
                attr(&b.label),
                attr(&b.value)
            ));
        }
        svg.insert_str(end, &titles);
    }
    finish(svg, alt)
}

/// One point of a [`curve`].
#[derive(Debug, Clone)]
pub struct Point {
    /// Written under the axis (`12:00`, `Clôture`).
    pub label: String,
    /// Hundredths of a percent; None when not known yet.
    pub hundredths: Option<u32>,
    /// Written above the point (`29,97 %`).
    pub value: String,
}

/// A curve of percentages over labelled points (the set hours of the day,
/// then the close). Points without a figure are left out of the line.
/// `percent` follows the numbers of the axis (`" %"` or `"%"`).
pub fn curve(points: &[Point], percent: &str, alt: &str) -> String {
    const W: u32 = 640;
    const H: u32 = 300;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (W, H)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let n = points.len().max(1);
        let top = points
            .iter()
            .filter_map(|p| p.hundredths)
            .max()
            .map_or(100.0, |m| {
                (f64::from(m) / 100.0 / 10.0).ceil() * 10.0 + 10.0
            })
            .min(100.0);
        let chart = ChartBuilder::on(&root)
            .margin(16)
            .margin_right(28)
            .x_label_area_size(36)
            .y_label_area_size(60)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0f64..top);
        let Ok(mut chart) = chart else {
            return finish(svg_empty(W, H), alt);
        };
        let labels: Vec<String> = points.iter().map(|p| p.label.clone()).collect();
        let _ = chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(GRID.mix(0.4))
            .bold_line_style(GRID)
            .axis_style(GRID)
            .x_labels(n)
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() < 0.01 && i >= 0.0 {
                    labels.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_labels(6)
            .y_label_formatter(&|y| format!("{y:.0}{percent}"))
            .label_style((FONT, 20).into_font().color(&INK))
            .draw();
        let data: Vec<(f64, f64, &str)> = points
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                p.hundredths
                    .map(|h| (i as f64, f64::from(h) / 100.0, p.value.as_str()))
            })
            .collect();
        let _ = chart.draw_series(LineSeries::new(
            data.iter().map(|&(x, y, _)| (x, y)),
            ACCENT.stroke_width(3),
        ));
        let _ = chart.draw_series(data.iter().map(|&(x, y, value)| {
            EmptyElement::at((x, y))
                + Circle::new((0, 0), 5, ACCENT.filled())
                + Text::new(
                    value.to_string(),
                    (0, -12),
                    text_style(16.0, &INK, HPos::Center, VPos::Bottom),
                )
        }));
        let _ = root.present();
    }
    finish(svg, alt)
}

/// An empty white image of the given size (when a chart cannot be laid out).
fn svg_empty(w: u32, h: u32) -> String {
    format!(
        "<svg width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" xmlns=\"http://www.w3.org/2000/svg\"></svg>"
    )
}

/// The bureaux arriving over the evening: a step curve of how many are
/// published over time. `seconds` are local seconds of the day, one per
/// published bureau; `total` is the number of bureaux.
pub fn arrivals(seconds: &[i64], total: usize, axis: &str, alt: &str) -> String {
    const W: u32 = 640;
    const H: u32 = 300;
    let mut sorted = seconds.to_vec();
    sorted.sort_unstable();
    let (first, last) = match (sorted.first(), sorted.last()) {
        (Some(&f), Some(&l)) => (f, l),
        _ => (20 * 3600, 21 * 3600),
    };
    // A short night (a demo, a test) is shown to the second; a real one by
    // whole quarters of an hour.
    let short = last - first < 20 * 60;
    let (x0, x1) = if short {
        (first - 30, last + 30)
    } else {
        (
            (first - 300).div_euclid(900) * 900,
            ((last + 300).div_euclid(900) + 1) * 900,
        )
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (W, H)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let top = total.max(1) as f64;
        let chart = ChartBuilder::on(&root)
            .margin(16)
            .margin_right(40)
            .x_label_area_size(36)
            .y_label_area_size(64)
            .build_cartesian_2d(x0 as f64..x1 as f64, 0f64..top);
        let Ok(mut chart) = chart else {
            return finish(svg_empty(W, H), alt);
        };
        let _ = chart
            .configure_mesh()
            .light_line_style(GRID.mix(0.4))
            .bold_line_style(GRID)
            .axis_style(GRID)
            .x_labels(5)
            .x_label_formatter(&|s| {
                let s = s.round() as i64;
                let (h, m, sec) = (
                    s.div_euclid(3600).rem_euclid(24),
                    s.rem_euclid(3600) / 60,
                    s.rem_euclid(60),
                );
                if short {
                    format!("{h:02}:{m:02}:{sec:02}")
                } else {
                    format!("{h:02}:{m:02}")
                }
            })
            .y_labels(6)
            .y_label_formatter(&|y| format!("{y:.0}"))
            .y_desc(axis)
            .label_style((FONT, 20).into_font().color(&INK))
            .axis_desc_style((FONT, 20).into_font().color(&INK))
            .draw();
        // Steps: flat until each arrival, then one higher.
        let mut line = vec![(x0 as f64, 0.0)];
        for (i, &t) in sorted.iter().enumerate() {
            line.push((t as f64, i as f64));
            line.push((t as f64, (i + 1) as f64));
        }
        line.push((x1 as f64, sorted.len() as f64));
        let _ = chart.draw_series(LineSeries::new(line, ACCENT.stroke_width(3)));
        let _ = chart.draw_series(std::iter::once(PathElement::new(
            vec![(x0 as f64, top), (x1 as f64, top)],
            GRID.stroke_width(2),
        )));
        let _ = root.present();
    }
    finish(svg, alt)
}

/// Seat positions of a hemicycle: (x, y) in a 2 × 1 box, the centre at
/// (1, 1), from the far left to the far right, and the dot radius.
fn hemicycle_layout(seats: usize) -> (Vec<(f64, f64)>, f64) {
    if seats == 0 {
        return (Vec::new(), 0.0);
    }
    // Enough rows that seats are about as far apart along a row as rows are.
    let mut rows = 1usize;
    loop {
        let inner = 0.35f64;
        let gap = (1.0 - inner) / rows as f64;
        let capacity: f64 = (0..rows)
            .map(|r| (std::f64::consts::PI * (inner + gap * (r as f64 + 0.5)) / gap).floor())
            .sum();
        if capacity >= seats as f64 || rows >= 40 {
            break;
        }
        rows += 1;
    }
    let inner = 0.35f64;
    let gap = (1.0 - inner) / rows as f64;
    let radii: Vec<f64> = (0..rows).map(|r| inner + gap * (r as f64 + 0.5)).collect();
    let sum: f64 = radii.iter().sum();
    // Seats per row in proportion to the row's length; the remainder to the outer rows.
    let mut per_row: Vec<usize> = radii
        .iter()
        .map(|r| ((seats as f64) * r / sum).floor() as usize)
        .collect();
    let mut left = seats - per_row.iter().sum::<usize>();
    for n in per_row.iter_mut().rev() {
        if left == 0 {
            break;
        }
        *n += 1;
        left -= 1;
    }
    let mut pos: Vec<(f64, f64, f64)> = Vec::with_capacity(seats);
    for (r, &n) in radii.iter().zip(&per_row) {
        for k in 0..n {
            let angle = if n == 1 {
                std::f64::consts::FRAC_PI_2
            } else {
                std::f64::consts::PI * (1.0 - k as f64 / (n - 1) as f64)
            };
            pos.push((angle, 1.0 + r * angle.cos(), 1.0 - r * angle.sin()));
        }
    }
    // Left to right by angle, so that each party gets a wedge.
    pos.sort_by(|a, b| b.0.total_cmp(&a.0));
    (pos.into_iter().map(|(_, x, y)| (x, y)).collect(), gap * 0.4)
}

/// A hemicycle of seats: `parties` are (label, `#rrggbb`, seats), from
/// left to right. Parties without seats are left out; a legend follows.
pub fn hemicycle(parties: &[(String, String, u32)], seats_word: &str, alt: &str) -> String {
    const W: u32 = 820;
    let with_seats: Vec<_> = parties.iter().filter(|p| p.2 > 0).collect();
    let total: u32 = with_seats.iter().map(|p| p.2).sum();
    let (places, dot) = hemicycle_layout(usize::try_from(total).unwrap_or(0));
    let legend_rows = u32::try_from(with_seats.len()).unwrap_or(0);
    let arc_h = 400u32;
    let h = arc_h + 20 + 30 * legend_rows;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (W, h)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let scale = 380.0;
        let ox = f64::from(W) / 2.0 - scale;
        let colours: Vec<RGBColor> = with_seats
            .iter()
            .flat_map(|p| {
                std::iter::repeat_n(parse_colour(&p.1), usize::try_from(p.2).unwrap_or(0))
            })
            .collect();
        for ((x, y), c) in places.iter().zip(&colours) {
            let _ = root.draw(&Circle::new(
                ((ox + x * scale) as i32, (10.0 + y * scale) as i32),
                ((dot * scale) as i32).max(2),
                c.filled(),
            ));
        }
        let _ = root.draw(&Text::new(
            format!("{total} {seats_word}"),
            (
                i32::try_from(W / 2).unwrap_or(410),
                i32::try_from(arc_h).unwrap_or(400) - 10,
            ),
            text_style(26.0, &INK, HPos::Center, VPos::Bottom),
        ));
        for (i, p) in with_seats.iter().enumerate() {
            let y = i32::try_from(arc_h + 20).unwrap_or(420) + 30 * i32::try_from(i).unwrap_or(0);
            let _ = root.draw(&Rectangle::new(
                [(200, y + 4), (220, y + 24)],
                parse_colour(&p.1).filled(),
            ));
            let _ = root.draw(&Text::new(
                format!("{} — {} {seats_word}", clip(&p.0, 40), p.2),
                (232, y + 14),
                text_style(17.0, &INK, HPos::Left, VPos::Center),
            ));
        }
        let _ = root.present();
    }
    finish(svg, alt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_parse_or_fall_back() {
        assert_eq!(parse_colour("#123f8c"), RGBColor(0x12, 0x3f, 0x8c));
        assert_eq!(parse_colour("red"), RGBColor(0x88, 0x88, 0x88));
        assert_eq!(parse_colour("#12"), RGBColor(0x88, 0x88, 0x88));
    }

    #[test]
    fn long_names_are_wrapped_never_cut_at_the_start() {
        let name = "Valbonne en commun (Claire Durand-Lefèvre et ses colistiers)";
        let lines = wrap_label(name);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_eq!(lines[0], "Valbonne en commun");
        assert!(lines[1].starts_with("(Claire"), "{lines:?}");
        assert!(lines.iter().all(|l| l.chars().count() <= 24), "{lines:?}");
        assert_eq!(wrap_label("Liste courte"), vec!["Liste courte"]);
        let svg = bars(
            &[Bar {
                label: name.into(),
                colour: "#e4007c".into(),
                hundredths: 3438,
                value: "34,38 %".into(),
            }],
            "Résultats",
        );
        assert!(
            svg.contains("<title>Valbonne en commun (Claire Durand-Lefèvre et ses colistiers) : 34,38 %</title>"),
            "{svg}"
        );
        assert!(svg.contains("\nValbonne en commun\n"), "{svg}");
    }

    #[test]
    fn bars_are_accessible_svg_in_their_colours() {
        let svg = bars(
            &[
                Bar {
                    label: "Alice <A&B>".into(),
                    colour: "#ff0000".into(),
                    hundredths: 6000,
                    value: "60,00 %".into(),
                },
                Bar {
                    label: "Bob".into(),
                    colour: "#0000ff".into(),
                    hundredths: 4000,
                    value: "40,00 %".into(),
                },
            ],
            "Parts des \"exprimés\"",
        );
        assert!(
            svg.starts_with("<svg role=\"img\" aria-label=\"Parts des &quot;exprimés&quot;\""),
            "{svg}"
        );
        let tag = svg.split('>').next().unwrap_or("");
        assert!(!tag.contains("width="), "fixed size left in: {tag}");
        assert!(svg.contains("viewBox=\"0 0 640"));
        assert!(svg.to_lowercase().contains("#ff0000"), "{svg}");
        assert!(
            svg.contains("Alice &lt;A&amp;B&gt;"),
            "label not escaped: {svg}"
        );
        assert!(svg.contains("60,00 %"));
    }

    #[test]
    fn curves_and_arrivals_draw_their_points() {
        let p = |l: &str, h: Option<u32>, v: &str| Point {
            label: l.into(),
            hundredths: h,
            value: v.into(),
        };
        let svg = curve(
            &[
                p("12:00", Some(2512), "25,12 %"),
                p("17:00", None, "–"),
                p("Clôture", Some(7350), "73,50 %"),
            ],
            " %",
            "Participation",
        );
        assert!(svg.contains("25,12 %") && svg.contains("73,50 %"), "{svg}");
        assert!(svg.contains("12:00") && svg.contains("Clôture"));
        let svg = arrivals(&[72_300, 74_400, 75_720], 34, "bureaux", "Arrivées");
        assert!(svg.contains("20:"), "{svg}");
        let svg = arrivals(&[72_300, 72_310, 72_330], 34, "bureaux", "Arrivées");
        assert!(
            svg.contains("20:05:"),
            "short nights are shown to the second: {svg}"
        );
        let empty = arrivals(&[], 34, "bureaux", "Arrivées");
        assert!(empty.starts_with("<svg role=\"img\""));
    }

    #[test]
    fn hemicycle_places_every_seat() {
        for n in [1usize, 4, 29, 49, 69, 577] {
            let (places, dot) = hemicycle_layout(n);
            assert_eq!(places.len(), n, "{n} seats");
            assert!(dot > 0.0);
            assert!(
                places
                    .iter()
                    .all(|(x, y)| (0.0..=2.0).contains(x) && (0.0..=1.0).contains(y))
            );
        }
        let svg = hemicycle(
            &[
                ("Liste A".into(), "#e4032e".into(), 22),
                ("Liste B".into(), "#0066cc".into(), 5),
                ("Liste C".into(), "#777777".into(), 0),
            ],
            "sièges",
            "Sièges",
        );
        assert_eq!(svg.matches("<circle").count(), 27, "{svg}");
        assert!(svg.contains("27 sièges"));
        assert!(!svg.contains("Liste C"));
    }
}
