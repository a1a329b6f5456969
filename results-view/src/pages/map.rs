//! The map of the night, drawn on the server as SVG (no tile server, no
//! network: kiosks and air-gapped town halls show it too).
//!
//! One drawing for every scope: the commune, a perimeter (its bureaux,
//! framed to their bounds) or the whole territory. Shapes are the imported
//! contours ([`election_data::map::BureauMap`]) or, without them, the tile
//! grid ([`election_data::map::grid`]). Each bureau is a link to its page
//! with a `<title>`, coloured by the candidate ahead and tinted by the lead
//! ([`tint`]: mixed with white, so it reads the same on a dark screen),
//! or by participation; bureaux not yet arrived are hatched.
//!
//! The shading is election-data's ([`leader_shade`],
//! [`participation_level`]); `web/live.js` (`leaderShade`, `participationLevel`, `applyMap`) computes the same
//! from the integers of each delta frame and patches the changed bureau's
//! `fill`, `class` and `<title>` only. The attributes it needs are on the
//! `<svg>` (`data-map-mode`, `data-hatch`, `data-palette`) and on each
//! bureau's link (`data-map-bureau`, `data-name`).

use std::fmt::Write;

use election_data::map::grid::{CAPTION, TILE, grid};
use election_data::map::{Shade, leader_shade, participation_level, tint};
use election_data::tally::Tally;
use maud::{Markup, PreEscaped, html};

use super::ctx::{Ctx, Page};

/// What the colours say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Leader,
    Participation,
}

impl Mode {
    fn code(self) -> &'static str {
        match self {
            Mode::Leader => "leader",
            Mode::Participation => "participation",
        }
    }
}

/// Participation classes 0 to 4, light to dark (a sequential blue scale
/// that stays readable for the colour-blind).
pub const PALETTE: [&str; 5] = ["#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c"];

/// Padding around the shapes, in map units.
const PAD: i32 = 6;

/// How one bureau is painted: its `fill`, its class and its title's tail.
struct Paint {
    fill: String,
    class: String,
    title: String,
}

fn paint(c: &Ctx<'_>, mode: Mode, t: &Tally, hatch: &str) -> Paint {
    let x = c.t;
    let none = || Paint {
        fill: format!("url(#{hatch})"),
        class: "na".into(),
        title: x.map_no_data.into(),
    };
    match mode {
        Mode::Leader => match leader_shade(t) {
            Shade::NotArrived => none(),
            Shade::Leader { candidate, level } => {
                let cand = c.e.candidate(candidate);
                let pct = t
                    .scores
                    .iter()
                    .find(|s| s.candidate == candidate)
                    .and_then(|s| s.pct_exprimes);
                Paint {
                    fill: tint(cand.map_or("#777777", |k| k.colour.as_str()), level),
                    class: format!("l{level}"),
                    title: format!(
                        "{} {}, {}",
                        cand.map_or("", |k| k.name.as_str()),
                        x.map_leads,
                        c.pct(pct)
                    ),
                }
            }
        },
        Mode::Participation => match participation_level(t) {
            None => none(),
            Some(level) => {
                let rate = if t.arrived > 0 && t.counts.inscrits > 0 {
                    t.rates.participation
                } else {
                    t.turnout
                        .iter()
                        .rev()
                        .find(|p| p.inscrits > 0)
                        .and_then(|p| p.rate)
                };
                Paint {
                    fill: PALETTE[usize::from(level.min(4))].into(),
                    class: format!("p{level}"),
                    title: format!("{} {}", x.participation.to_lowercase(), c.pct(rate)),
                }
            }
        },
    }
}

/// A ring as SVG path data, absolute integers: `M x y L x y … Z`.
fn path_data(out: &mut String, rings: &[election_data::map::Ring]) {
    for ring in rings {
        for (i, [x, y]) in ring.iter().enumerate() {
            let _ = match i {
                0 => write!(out, "M{x} {y}"),
                1 => write!(out, "L{x} {y}"),
                _ => write!(out, " {x} {y}"),
            };
        }
        out.push('Z');
    }
}

/// The map of `codes` (every bureau when empty) as an SVG element; `id`
/// makes its pattern's id unique on the page.
pub fn svg(c: &Ctx<'_>, codes: &[String], mode: Mode, id: &str) -> String {
    let x = c.t;
    let hatch = format!("{id}-hatch");
    let label = match mode {
        Mode::Leader => x.map_leader,
        Mode::Participation => x.map_participation,
    };
    let contours = c.live.map.as_deref();
    let scope: Vec<&election_data::Bureau> =
        c.e.bureaux
            .iter()
            .filter(|b| codes.is_empty() || codes.contains(&b.code))
            .collect();
    let mut body = String::with_capacity(scope.len() * 400);
    let view_box;
    let tiles = match contours {
        Some(map) => {
            let (x0, y0, x1, y1) = map.bounds(codes).unwrap_or((0, 0, map.width, map.height));
            view_box = (x0 - PAD, y0 - PAD, x1 - x0 + 2 * PAD, y1 - y0 + 2 * PAD);
            None
        }
        None => {
            let g = grid(c.e, codes);
            view_box = (-PAD, -PAD, g.width + 2 * PAD, g.height + 2 * PAD);
            Some(g)
        }
    };
    for b in &scope {
        let Some(raw) = c.live.public.bureaux.get(&b.code) else {
            continue;
        };
        let t = c.visible(raw);
        let p = paint(c, mode, &t, &hatch);
        let href = c.url(&Page::Bureau(b.code.clone()));
        let name = maud::html! { (b.name) }.into_string();
        let _ = write!(
            body,
            "<a href=\"{href}\" data-map-bureau=\"{}\" data-name=\"{name}\"><path class=\"{}\" fill=\"{}\" d=\"",
            b.code, p.class, p.fill
        );
        match (&tiles, contours) {
            (Some(g), _) => {
                if let Some(tile) = g.tiles.iter().find(|t| t.bureau == b.code) {
                    let (tx, ty) = (tile.x, tile.y);
                    let _ = write!(body, "M{tx} {ty}h{TILE}v{TILE}h-{TILE}Z");
                }
            }
            (None, Some(map)) => {
                if let Some(rings) = map.shapes.get(&b.code) {
                    path_data(&mut body, rings);
                }
            }
            (None, None) => {}
        }
        let title = maud::html! { (b.name) " : " (p.title) }.into_string();
        let _ = write!(body, "\"><title>{title}</title></path>");
        if let Some(tile) = tiles
            .as_ref()
            .and_then(|g| g.tiles.iter().find(|t| t.bureau == b.code))
        {
            // The bureau's number within its commune (a territory's codes
            // carry the commune: its block's caption names it).
            let number = c.e.bureau_number(b).trim_start_matches('0');
            let _ = write!(
                body,
                "<text x=\"{}\" y=\"{}\" aria-hidden=\"true\">{}</text>",
                tile.x + TILE / 2,
                tile.y + TILE / 2 + 6,
                maud::html! { (if number.is_empty() { "0" } else { number }) }.into_string()
            );
        }
        body.push_str("</a>");
    }
    if let Some(g) = &tiles {
        for group in &g.groups {
            let name =
                c.e.perimeter(&group.perimeter)
                    .map(|p| p.name.as_str())
                    .unwrap_or("");
            let _ = write!(
                body,
                "<text class=\"group\" x=\"{}\" y=\"{}\">{}</text>",
                group.x,
                group.y.max(CAPTION - 6),
                maud::html! { (name) }.into_string()
            );
        }
    }
    let (vx, vy, vw, vh) = view_box;
    let label = maud::html! { (label) }.into_string();
    let kind = if tiles.is_some() { "grid" } else { "contours" };
    format!(
        "<svg class=\"map map-{kind}\" viewBox=\"{vx} {vy} {vw} {vh}\" role=\"group\" aria-label=\"{label}\" \
         data-map-mode=\"{}\" data-hatch=\"{hatch}\" data-palette=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">\
         <defs><pattern id=\"{hatch}\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">\
         <rect width=\"8\" height=\"8\" fill=\"#f2f2f2\"/><rect width=\"3\" height=\"8\" fill=\"#c8c8c8\"/></pattern></defs>{body}</svg>",
        mode.code(),
        PALETTE.join(","),
    )
}

/// The legend of a map: what each colour says. Counts per candidate ahead
/// change with the night, so the legend is re-fetched with the page
/// (`data-refresh`); the shapes are patched in place.
pub fn legend(c: &Ctx<'_>, codes: &[String], mode: Mode, id: &str) -> Markup {
    let x = c.t;
    let hatch = html! { span.swatch.hatch aria-hidden="true" {} };
    let in_scope = |code: &String| codes.is_empty() || codes.contains(code);
    let mut leaders: Vec<(u32, usize)> = Vec::new();
    for (_, raw) in c
        .live
        .public
        .bureaux
        .iter()
        .filter(|(code, _)| in_scope(code))
    {
        if let Shade::Leader { candidate, .. } = leader_shade(&c.visible(raw)) {
            match leaders.iter_mut().find(|(k, _)| *k == candidate) {
                Some(e) => e.1 += 1,
                None => leaders.push((candidate, 1)),
            }
        }
    }
    leaders.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    html! {
        div.map-legend #(format!("{id}-legend")) data-refresh="" {
            @match mode {
                Mode::Leader => {
                    ul.legend {
                        @for (number, n) in &leaders {
                            @if let Some(k) = c.e.candidate(*number) {
                                li { span.swatch aria-hidden="true" style={ "background:" (k.colour) } {} (k.name) " — " (n) " " (x.map_bureaux_count) }
                            }
                        }
                        li { (hatch) (x.map_no_data) }
                    }
                    p.legend-scale {
                        (x.map_lead_scale) " : "
                        @for (i, l) in x.map_lead_levels.iter().enumerate() {
                            span.swatch.scale aria-hidden="true" style={ "background:" (tint("#4a5260", u8::try_from(i + 1).unwrap_or(4))) } {} (l) " "
                        }
                    }
                }
                Mode::Participation => {
                    ul.legend {
                        @for (i, l) in x.map_participation_levels.iter().enumerate() {
                            li { span.swatch aria-hidden="true" style={ "background:" (PALETTE[i]) } {} (l) }
                        }
                        li { (hatch) (x.map_no_data) }
                    }
                }
            }
        }
    }
}

/// A map with its caption and legend, as a page section shows it.
pub fn figure(c: &Ctx<'_>, codes: &[String], mode: Mode, id: &str) -> Markup {
    let x = c.t;
    let caption = match mode {
        Mode::Leader => x.map_leader,
        Mode::Participation => x.map_participation,
    };
    html! {
        figure.map-figure #(id) {
            (PreEscaped(svg(c, codes, mode, id)))
            figcaption {
                (caption) ". "
                span.note {
                    @if c.live.map.is_none() { (x.map_grid_note) " " }
                    (x.map_table_note)
                }
            }
            (legend(c, codes, mode, id))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::LiveElection;
    use crate::pages::i18n::Lang;
    use election_data::fixtures::{large_territory, sample_commune};
    use election_data::map::{contours, generate};

    #[test]
    fn a_200_bureau_territory_fits_the_size_budget() {
        let e = large_territory(200, 20);
        let geo = generate::contours(&e, 3);
        let imported = contours::read(geo.as_bytes(), &e).expect("valid contours");
        let mut live = LiveElection::new(e);
        live.set_map(Some(imported.map));
        let c = Ctx::new(&live, Lang::Fr, 0);
        let svg = svg(&c, &[], Mode::Leader, "m");
        assert_eq!(svg.matches("data-map-bureau=").count(), 200);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut gz, svg.as_bytes()).expect("gzip");
        let gz = gz.finish().expect("gzip").len();
        eprintln!("200-bureau map: {} bytes of SVG, {gz} gzipped", svg.len());
        assert!(svg.len() < 150_000, "{} bytes of SVG", svg.len());
        assert!(gz < 40_000, "{gz} bytes gzipped");
    }

    #[test]
    fn without_contours_every_bureau_is_a_tile() {
        let live = LiveElection::new(sample_commune());
        let c = Ctx::new(&live, Lang::Fr, 0);
        let svg = svg(&c, &[], Mode::Participation, "m");
        assert!(svg.contains("map-grid"));
        assert_eq!(svg.matches("data-map-bureau=").count(), 34);
        assert_eq!(svg.matches("class=\"na\"").count(), 34);
        assert!(svg.contains(">Centre historique</text>"));
    }
}
