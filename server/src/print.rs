//! Printable records (PDF): what a commune prints and signs on election night.
//!
//! Three records, each in A4 portrait or A3 landscape (the two formats
//! openRésultat prints):
//!
//! - [`Record::Commune`]: the commune's participation and results, the seats
//!   of a list election, and a table of every bureau (on A3 with each
//!   candidate's voix per bureau);
//! - [`Record::Bureau`]: one bureau's participation and results;
//! - [`Record::Proclamation`]: the formal *proclamation des résultats*
//!   (election, date, inscrits, votants, blancs, nuls, exprimés, each
//!   candidate or list with voix and %, seats for list elections) with room
//!   for the signatures of the bureau centralisateur.
//!
//! This module owns the layout: it lays every page out as a list of
//! positioned text, lines and boxes ([`Op`]), measured with the real glyph
//! widths of the embedded font so that nothing overflows its column (long
//! names are shortened with an ellipsis), breaks tables across pages with
//! their header repeated, and only then writes the PDF with printpdf. The
//! font is DejaVu Sans, vendored in `web/fonts/` (its licence beside it) and
//! compiled in, so French text renders the same on every machine and the
//! binary reads no system path; bold is the same font filled and stroked.
//! The figures are those of [`crate::export`] (published, or every entry for
//! the desk), and the seats those of
//! [`election_data::formats::prefecture::seat_allocation`].
//!
//! A PDF is not byte-stable: it carries its edition time and a random
//! document identifier. Its SHA-256 is sent with it and audited like the
//! other exports.

use std::sync::OnceLock;

use election_data::Percent;
use election_data::formats::{ResultsFile, prefecture};
use election_data::model::{Bureau, ProcesVerbal};
use election_data::seats::{Allocation, Method};
use printpdf::{
    Color, IndirectFontRef, Line, Mm, PdfDocument, PdfLayerReference, Point, Rect, Rgb,
    TextRenderingMode,
};

use crate::pages::format::{date, int};

/// The embedded font (DejaVu Sans 2.37, Bitstream Vera licence).
const FONT: &[u8] = include_bytes!("../../web/fonts/DejaVuSans.ttf");

/// Millimetres per typographic point.
const PT: f32 = 25.4 / 72.0;

/// Paper format and orientation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paper {
    /// A4 portrait, 210 × 297 mm.
    A4,
    /// A3 landscape, 420 × 297 mm.
    A3,
}

impl Paper {
    pub fn parse(s: &str) -> Option<Paper> {
        match s.to_ascii_lowercase().as_str() {
            "a4" => Some(Paper::A4),
            "a3" => Some(Paper::A3),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Paper::A4 => "a4",
            Paper::A3 => "a3",
        }
    }

    /// Width and height in millimetres.
    fn size(self) -> (f32, f32) {
        match self {
            Paper::A4 => (210.0, 297.0),
            Paper::A3 => (420.0, 297.0),
        }
    }

    /// Base font size in points.
    fn base(self) -> f32 {
        match self {
            Paper::A4 => 9.5,
            Paper::A3 => 11.0,
        }
    }
}

/// Which record to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    Commune,
    Bureau(String),
    Proclamation,
}

impl Record {
    /// The name in file names and in the audit log.
    pub fn name(&self) -> String {
        match self {
            Record::Commune => "commune".to_string(),
            Record::Bureau(code) => format!("bureau-{code}"),
            Record::Proclamation => "proclamation".to_string(),
        }
    }
}

/// Why a record cannot be printed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrintError {
    #[error("bureau inconnu : {0}")]
    UnknownBureau(String),
    #[error("le bureau {0} n'a pas encore de résultats")]
    NotCounted(String),
    #[error("écriture du PDF impossible : {0}")]
    Pdf(String),
}

// ---------------------------------------------------------------- measuring

fn face() -> Option<&'static ttf_parser::Face<'static>> {
    static FACE: OnceLock<Option<ttf_parser::Face<'static>>> = OnceLock::new();
    FACE.get_or_init(|| ttf_parser::Face::parse(FONT, 0).ok())
        .as_ref()
}

/// Replaces the characters the font has no glyph for (printpdf would drop
/// them silently): narrow no-break spaces by spaces, anything else by `?`.
fn printable(s: &str) -> String {
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
fn width(s: &str, size: f32) -> f32 {
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
fn fit(s: &str, size: f32, max: f32) -> String {
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
fn wrap(s: &str, size: f32, max: f32) -> Vec<String> {
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

// ------------------------------------------------------------------- layout

/// One drawing operation; coordinates in millimetres from the top-left
/// corner of the page, text positioned by its baseline.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        text: String,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        /// Thickness in points.
        thickness: f32,
        grey: f32,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        rgb: (f32, f32, f32),
        /// Filled, or only outlined.
        fill: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Right,
    Center,
}

struct Column {
    title: String,
    /// Share of the table's width.
    weight: f32,
    align: Align,
}

fn col(title: &str, weight: f32, align: Align) -> Column {
    Column {
        title: title.to_string(),
        weight,
        align,
    }
}

struct Row {
    cells: Vec<String>,
    /// A colour swatch before the second cell (`#rrggbb`).
    swatch: Option<String>,
    bold: bool,
}

fn row(cells: Vec<String>) -> Row {
    Row {
        cells,
        swatch: None,
        bold: false,
    }
}

/// Pages being laid out.
struct Layout {
    w: f32,
    h: f32,
    margin: f32,
    base: f32,
    pages: Vec<Vec<Op>>,
    /// Baseline cursor of the next line, from the top.
    y: f32,
    /// Printed at the top of every page after the first.
    running: String,
    /// A column of the page `(x, width)` the body is confined to, when set.
    region: Option<(f32, f32)>,
}

impl Layout {
    fn new(paper: Paper, running: String) -> Layout {
        let (w, h) = paper.size();
        let margin = 15.0;
        Layout {
            w,
            h,
            margin,
            base: paper.base(),
            pages: vec![Vec::new()],
            y: margin,
            running,
            region: None,
        }
    }

    fn left(&self) -> f32 {
        self.region.map_or(self.margin, |r| r.0)
    }

    fn right(&self) -> f32 {
        self.left() + self.content()
    }

    fn content(&self) -> f32 {
        self.region.map_or(self.w - 2.0 * self.margin, |r| r.1)
    }

    /// Lays `first` and `second` out side by side on wide paper (A3
    /// landscape), one under the other otherwise.
    fn side_by_side(
        &mut self,
        share: f32,
        first: impl FnOnce(&mut Layout),
        second: impl FnOnce(&mut Layout),
    ) {
        if self.w < 300.0 {
            first(self);
            second(self);
            return;
        }
        let (x, w) = (self.left(), self.content());
        let gap = 12.0;
        let top = self.y;
        let pages = self.pages.len();
        self.region = Some((x, w * share - gap / 2.0));
        first(self);
        let (end_first, pages_first) = (self.y, self.pages.len());
        if pages_first == pages {
            self.y = top;
        }
        self.region = Some((x + w * share + gap / 2.0, w * (1.0 - share) - gap / 2.0));
        second(self);
        self.region = None;
        if self.pages.len() == pages_first {
            self.y = self.y.max(end_first);
        }
    }

    /// Lowest baseline a body line may have (the footer is below).
    fn bottom(&self) -> f32 {
        self.h - self.margin - 6.0
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = self.margin;
        let running = self.running.clone();
        let size = self.base * 0.8;
        let (left, right) = (self.left(), self.right());
        self.y += size * PT;
        let y = self.y;
        let text = fit(&running, size, self.content());
        self.ops().push(Op::Text {
            x: left,
            y,
            size,
            bold: false,
            text,
        });
        self.y += 2.0;
        let y = self.y;
        self.hline(left, right, y, 0.4, 0.5);
        self.y += 5.0;
    }

    /// Starts a new page unless `height` millimetres fit below the cursor.
    fn room(&mut self, height: f32) -> bool {
        if self.y + height > self.bottom() {
            self.new_page();
            true
        } else {
            false
        }
    }

    fn hline(&mut self, x1: f32, x2: f32, y: f32, thickness: f32, grey: f32) {
        self.ops().push(Op::Line {
            x1,
            y1: y,
            x2,
            y2: y,
            thickness,
            grey,
        });
    }

    fn text_at(&mut self, x: f32, y: f32, size: f32, bold: bool, text: &str, align: Align) {
        let text = printable(text);
        let x = match align {
            Align::Left => x,
            Align::Right => x - width(&text, size),
            Align::Center => x - width(&text, size) / 2.0,
        };
        self.ops().push(Op::Text {
            x,
            y,
            size,
            bold,
            text,
        });
    }

    /// A paragraph over the content width, wrapped.
    fn paragraph(&mut self, text: &str, size: f32, bold: bool, align: Align) {
        let lead = size * PT * 1.45;
        let lines = wrap(&printable(text), size, self.content());
        for line in lines {
            self.room(lead);
            self.y += lead;
            let x = match align {
                Align::Left => self.left(),
                Align::Right => self.right(),
                Align::Center => self.w / 2.0,
            };
            let y = self.y;
            self.text_at(x, y, size, bold, &line, align);
        }
    }

    fn space(&mut self, mm: f32) {
        self.y += mm;
    }

    /// A section title with a rule under it.
    fn heading(&mut self, text: &str) {
        let size = self.base * 1.2;
        self.room(size * PT * 2.0 + 20.0);
        self.y += size * PT * 1.6;
        let (left, right, y) = (self.left(), self.right(), self.y);
        self.text_at(left, y, size, true, text, Align::Left);
        self.hline(left, right, y + 1.6, 0.6, 0.3);
        self.y += 3.0;
    }

    /// A table over the content width; its header is repeated on each page.
    fn table(&mut self, cols: &[Column], rows: &[Row], size: f32) {
        let total: f32 = cols.iter().map(|c| c.weight).sum();
        let content = self.content();
        let widths: Vec<f32> = cols.iter().map(|c| c.weight / total * content).collect();
        let pad = 1.6;
        let row_h = size * PT * 1.9;
        let header = |l: &mut Layout| {
            let top = l.y;
            let (left, y) = (l.left(), l.y);
            l.ops().push(Op::Rect {
                x: left,
                y,
                w: content,
                h: row_h,
                rgb: (0.88, 0.9, 0.93),
                fill: true,
            });
            let base = top + row_h * 0.68;
            let mut x = left;
            for (c, w) in cols.iter().zip(&widths) {
                let t = fit(&c.title, size * 0.92, w - 2.0 * pad);
                let tx = match c.align {
                    Align::Left => x + pad,
                    Align::Right => x + w - pad,
                    Align::Center => x + w / 2.0,
                };
                l.text_at(tx, base, size * 0.92, true, &t, c.align);
                x += w;
            }
            l.y = top + row_h;
        };
        self.room(row_h * 3.0);
        header(self);
        for r in rows {
            if self.room(row_h) {
                header(self);
            }
            let top = self.y;
            let base = top + row_h * 0.68;
            let mut x = self.left();
            for (i, ((c, w), cell)) in cols.iter().zip(&widths).zip(&r.cells).enumerate() {
                let mut inner_x = x + pad;
                let mut room = w - 2.0 * pad;
                if i == 1
                    && let Some(colour) = &r.swatch
                {
                    let side = row_h * 0.5;
                    self.ops().push(Op::Rect {
                        x: inner_x,
                        y: top + (row_h - side) / 2.0,
                        w: side,
                        h: side,
                        rgb: rgb_of(colour),
                        fill: true,
                    });
                    inner_x += side + 1.5;
                    room -= side + 1.5;
                }
                let t = fit(&printable(cell), size, room);
                let tx = match c.align {
                    Align::Left => inner_x,
                    Align::Right => x + w - pad,
                    Align::Center => x + w / 2.0,
                };
                self.text_at(tx, base, size, r.bold, &t, c.align);
                x += w;
            }
            self.y = top + row_h;
            let (left, right, y) = (self.left(), self.right(), self.y);
            self.hline(left, right, y, 0.3, 0.75);
        }
        self.y += 2.0;
    }
}

fn rgb_of(colour: &str) -> (f32, f32, f32) {
    let hex = |i: usize| {
        colour
            .get(i..i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .map_or(0.6, |v| f32::from(v) / 255.0)
    };
    (hex(1), hex(3), hex(5))
}

// ------------------------------------------------------------------ content

fn n(v: i64) -> String {
    int(u64::try_from(v).unwrap_or(0))
}

fn pct(part: i64, whole: i64) -> String {
    let p = Percent::of(
        u64::try_from(part).unwrap_or(0),
        u64::try_from(whole).unwrap_or(0),
    );
    p.map_or_else(|| "—".to_string(), |p| format!("{} %", p.fr()))
}

/// The edition time, from milliseconds since the epoch (UTC).
fn edited(millis: i64) -> String {
    let s = crate::export::rfc3339_utc(millis);
    let (d, t) = s.split_once('T').unwrap_or((s.as_str(), ""));
    let hm = t.get(..5).unwrap_or_default().replace(':', " h ");
    format!("{} à {hm} (UTC)", date(d))
}

fn round_label(round: u8) -> &'static str {
    if round == 2 { "2d tour" } else { "1er tour" }
}

/// The title block at the top of the first page.
fn title_block(l: &mut Layout, r: &ResultsFile, title: &str, subtitle: Option<&str>) {
    let e = &r.election;
    let m = &r.meta;
    let small = l.base * 0.85;
    let (left, right) = (l.left(), l.right());
    l.y += small * PT * 1.2;
    let y = l.y;
    l.text_at(left, y, small, true, "RÉPUBLIQUE FRANÇAISE", Align::Left);
    l.text_at(right, y, small, false, &e.label, Align::Right);
    l.y += small * PT * 1.5;
    let y = l.y;
    let dep = if m.departement_code.is_empty() {
        String::new()
    } else {
        format!(
            "Département : {} ({})",
            m.departement_label, m.departement_code
        )
    };
    l.text_at(left, y, small, false, &dep, Align::Left);
    let when = format!("Scrutin du {} — {}", date(&e.date), round_label(e.round));
    l.text_at(right, y, small, false, &when, Align::Right);
    l.y += small * PT * 1.5;
    let y = l.y;
    let insee = m.insee();
    let commune = if insee.is_empty() {
        format!("Commune : {}", m.commune_label)
    } else {
        format!("Commune : {} ({insee})", m.commune_label)
    };
    l.text_at(left, y, small, false, &commune, Align::Left);
    l.text_at(right, y, small, false, e.kind.label_fr(), Align::Right);
    l.y += 3.0;
    let y = l.y;
    l.hline(left, right, y, 0.8, 0.2);
    l.space(4.0);
    let big = l.base * 1.9;
    l.paragraph(title, big, true, Align::Center);
    if let Some(s) = subtitle {
        l.space(1.0);
        l.paragraph(s, l.base * 1.15, false, Align::Center);
    }
    l.space(3.0);
}

fn mentions(l: &mut Layout, pv: &ProcesVerbal) {
    let cols = [
        col("", 3.0, Align::Left),
        col("Nombre", 2.0, Align::Right),
        col("% des inscrits", 2.0, Align::Right),
        col("% des votants", 2.0, Align::Right),
    ];
    let dash = || "—".to_string();
    let abst = pv.inscrits - pv.votants;
    let rows = vec![
        row(vec!["Inscrits".into(), n(pv.inscrits), dash(), dash()]),
        row(vec![
            "Abstentions".into(),
            n(abst),
            pct(abst, pv.inscrits),
            dash(),
        ]),
        Row {
            bold: true,
            ..row(vec![
                "Votants".into(),
                n(pv.votants),
                pct(pv.votants, pv.inscrits),
                dash(),
            ])
        },
        row(vec![
            "Blancs".into(),
            n(pv.blancs),
            pct(pv.blancs, pv.inscrits),
            pct(pv.blancs, pv.votants),
        ]),
        row(vec![
            "Nuls".into(),
            n(pv.nuls),
            pct(pv.nuls, pv.inscrits),
            pct(pv.nuls, pv.votants),
        ]),
        Row {
            bold: true,
            ..row(vec![
                "Exprimés".into(),
                n(pv.exprimes),
                pct(pv.exprimes, pv.inscrits),
                pct(pv.exprimes, pv.votants),
            ])
        },
    ];
    let size = l.base;
    l.table(&cols, &rows, size);
}

/// What the records say about seats: the allocation (when it is one) and
/// the sentences under the results table.
struct SeatsView {
    seats: Option<Allocation>,
    notes: Vec<String>,
}

fn seats_view(r: &ResultsFile) -> Option<SeatsView> {
    let a = prefecture::seat_allocation(r)?;
    let total = r.election.bureaux.len();
    let arrived = r.arrived().count();
    let mut notes = Vec::new();
    let how = match a.method {
        Method::Municipal { .. } | Method::MunicipalUnder1000 { .. } => {
            "article L.262 du Code électoral : prime majoritaire de la moitié des sièges à la liste arrivée en tête, les autres à la plus forte moyenne entre les listes ayant obtenu au moins 5 % des suffrages exprimés"
        }
        Method::Communautaire { .. } => {
            "article L.273-8 du Code électoral : règles de l'article L.262 appliquées aux sièges de conseiller communautaire"
        }
        Method::HighestAverage { .. } => {
            "représentation proportionnelle à la plus forte moyenne entre les listes ayant obtenu au moins 5 % des suffrages exprimés"
        }
        Method::LargestRemainder { .. } => "représentation proportionnelle au plus fort reste",
    };
    let s = if a.total > 1 { "s" } else { "" };
    notes.push(format!("{} siège{s} à pourvoir ({how}).", a.total));
    if arrived < total {
        notes.push(format!(
            "Répartition provisoire : {arrived} bureau{} dépouillé{} sur {total}.",
            if arrived > 1 { "x" } else { "" },
            if arrived > 1 { "s" } else { "" }
        ));
    }
    if a.is_final() {
        if let Some(w) = a.winner.and_then(|w| a.list(w)) {
            notes.push(format!(
                "Prime majoritaire : {} siège{} à la liste n° {}.",
                w.bonus,
                if w.bonus > 1 { "s" } else { "" },
                w.id
            ));
        }
        if a.vacant > 0 {
            notes.push(a.outcome.message());
        }
        Some(SeatsView {
            seats: Some(a),
            notes,
        })
    } else {
        notes.push(a.outcome.message());
        Some(SeatsView { seats: None, notes })
    }
}

fn results_table(l: &mut Layout, r: &ResultsFile, pv: &ProcesVerbal, seats: Option<&SeatsView>) {
    let e = &r.election;
    let lists = e.kind.is_list();
    let with_seats = seats.is_some();
    let mut cols = vec![
        col("N°", 0.9, Align::Right),
        col(if lists { "Liste" } else { "Candidat" }, 7.6, Align::Left),
        col("Nuance", 1.6, Align::Left),
        col("Voix", 1.9, Align::Right),
        col("% exprimés", 2.4, Align::Right),
        col("% inscrits", 2.2, Align::Right),
    ];
    if with_seats {
        cols.push(col("Sièges", 1.4, Align::Right));
    }
    let rows: Vec<Row> = e
        .candidates
        .iter()
        .map(|c| {
            let v = pv.voix_of(c.number);
            let mut cells = vec![
                c.number.to_string(),
                c.name.clone(),
                c.nuance.clone().unwrap_or_default(),
                n(v),
                pct(v, pv.exprimes),
                pct(v, pv.inscrits),
            ];
            if let Some(s) = seats {
                cells.push(match &s.seats {
                    Some(a) => a.seats_of(c.number).to_string(),
                    None => "—".to_string(),
                });
            }
            Row {
                cells,
                swatch: Some(c.colour.clone()),
                bold: false,
            }
        })
        .collect();
    let size = l.base;
    l.table(&cols, &rows, size);
    if let Some(s) = seats {
        for note in &s.notes {
            l.paragraph(note, l.base * 0.9, false, Align::Left);
        }
    }
}

fn progress_line(r: &ResultsFile) -> String {
    let total = r.election.bureaux.len();
    let arrived = r.arrived().count();
    if arrived == total {
        format!(
            "Résultats de l'ensemble des {total} bureau{} de vote.",
            if total > 1 { "x" } else { "" }
        )
    } else {
        format!(
            "Résultats partiels : {arrived} bureau{} de vote dépouillé{} sur {total}.",
            if arrived > 1 { "x" } else { "" },
            if arrived > 1 { "s" } else { "" }
        )
    }
}

fn bureaux_table(l: &mut Layout, r: &ResultsFile, paper: Paper) {
    let e = &r.election;
    let per_candidate = paper == Paper::A3 && e.candidates.len() <= 16;
    let mut cols = vec![
        col("Bureau", 6.5, Align::Left),
        col("Inscrits", 1.5, Align::Right),
        col("Votants", 1.5, Align::Right),
        col("Particip.", 1.5, Align::Right),
        col("Blancs", 1.2, Align::Right),
        col("Nuls", 1.2, Align::Right),
        col("Exprimés", 1.6, Align::Right),
    ];
    if per_candidate {
        for c in &e.candidates {
            cols.push(col(&format!("n° {}", c.number), 1.4, Align::Right));
        }
    }
    let rows: Vec<Row> = e
        .bureaux
        .iter()
        .map(|b: &Bureau| {
            let name = format!("{} — {}", b.code, b.name);
            match r.pvs.get(&b.code) {
                Some(pv) => {
                    let mut cells = vec![
                        name,
                        n(pv.inscrits),
                        n(pv.votants),
                        pct(pv.votants, pv.inscrits),
                        n(pv.blancs),
                        n(pv.nuls),
                        n(pv.exprimes),
                    ];
                    if per_candidate {
                        cells.extend(e.candidates.iter().map(|c| n(pv.voix_of(c.number))));
                    }
                    row(cells)
                }
                None => {
                    let mut cells = vec![name, "non dépouillé".to_string()];
                    cells.resize(cols.len(), String::new());
                    row(cells)
                }
            }
        })
        .collect();
    let size = l.base * if per_candidate { 0.85 } else { 0.9 };
    l.table(&cols, &rows, size);
    if per_candidate {
        l.paragraph(
            "Les colonnes « n° » donnent les voix de chaque candidat ou liste par son numéro de panneau.",
            l.base * 0.8,
            false,
            Align::Left,
        );
    }
}

fn signatures(l: &mut Layout, labels: &[&str]) {
    let box_h = 32.0;
    let size = l.base * 0.9;
    l.room(box_h + 12.0);
    l.space(4.0);
    let gap = 6.0;
    let count = labels.len().max(1) as f32;
    let w = (l.content() - gap * (count - 1.0)) / count;
    let top = l.y;
    let mut x = l.left();
    for label in labels {
        l.ops().push(Op::Rect {
            x,
            y: top,
            w,
            h: box_h,
            rgb: (0.4, 0.4, 0.4),
            fill: false,
        });
        for (i, line) in wrap(label, size, w - 4.0).iter().enumerate() {
            let y = top + size * PT * (1.6 + 1.35 * i as f32);
            l.text_at(x + 2.0, y, size, true, line, Align::Left);
        }
        l.text_at(
            x + 2.0,
            top + box_h - 2.5,
            size * 0.8,
            false,
            "Signature",
            Align::Left,
        );
        x += w + gap;
    }
    l.y = top + box_h + 2.0;
}

/// Lays a record out: the pages, each a list of operations, footers included.
pub fn layout(
    record: &Record,
    paper: Paper,
    r: &ResultsFile,
    edited_at_millis: i64,
) -> Result<(String, Vec<Vec<Op>>), PrintError> {
    let e = &r.election;
    let running = format!("{} — {}", r.meta.commune_label, e.label);
    let mut l = Layout::new(paper, running);
    let edition = edited(edited_at_millis);
    let title = match record {
        Record::Commune => {
            let title = format!("Résultats de la commune — {}", r.meta.commune_label);
            title_block(
                &mut l,
                r,
                "RÉSULTATS DE LA COMMUNE",
                Some(&progress_line(r)),
            );
            let totals = r.totals();
            let seats = seats_view(r);
            let lists = e.kind.is_list();
            l.side_by_side(
                0.36,
                |l| {
                    l.heading("Participation");
                    mentions(l, &totals);
                },
                |l| {
                    l.heading(if lists {
                        "Résultats par liste"
                    } else {
                        "Résultats par candidat"
                    });
                    results_table(l, r, &totals, seats.as_ref());
                },
            );
            l.heading("Résultats par bureau de vote");
            bureaux_table(&mut l, r, paper);
            title
        }
        Record::Bureau(code) => {
            let b = e
                .bureau(code)
                .ok_or_else(|| PrintError::UnknownBureau(code.clone()))?;
            let pv = r
                .pvs
                .get(code)
                .ok_or_else(|| PrintError::NotCounted(code.clone()))?;
            let title = format!("Résultats du bureau {} — {}", b.code, b.name);
            let mut sub = b.name.clone();
            if let Some(a) = &b.address {
                sub.push_str(" — ");
                sub.push_str(a);
            }
            title_block(
                &mut l,
                r,
                &format!("RÉSULTATS DU BUREAU DE VOTE N° {}", b.code),
                Some(&sub),
            );
            let lists = e.kind.is_list();
            l.side_by_side(
                0.36,
                |l| {
                    l.heading("Participation");
                    mentions(l, pv);
                },
                |l| {
                    l.heading(if lists {
                        "Résultats par liste"
                    } else {
                        "Résultats par candidat"
                    });
                    results_table(l, r, pv, None);
                },
            );
            l.space(4.0);
            l.paragraph(
                &format!("Fait à {}, le {}.", r.meta.commune_label, edition),
                l.base,
                false,
                Align::Left,
            );
            signatures(
                &mut l,
                &["Le président du bureau", "Les assesseurs", "Le secrétaire"],
            );
            title
        }
        Record::Proclamation => {
            title_block(&mut l, r, "PROCLAMATION DES RÉSULTATS", Some(&e.label));
            let total = e.bureaux.len();
            let arrived = r.arrived().count();
            l.paragraph(
                &format!(
                    "Le bureau centralisateur de la commune de {}, après recensement des votes des bureaux de vote, proclame les résultats de l'élection « {} », scrutin du {} ({}) :",
                    r.meta.commune_label,
                    e.label,
                    date(&e.date),
                    round_label(e.round)
                ),
                l.base * 1.05,
                false,
                Align::Left,
            );
            if arrived < total {
                l.space(1.0);
                l.paragraph(
                    &format!(
                        "Attention : {arrived} bureau{} de vote sur {total} seulement {} été dépouillé{} ; ces résultats sont provisoires.",
                        if arrived > 1 { "x" } else { "" },
                        if arrived > 1 { "ont" } else { "a" },
                        if arrived > 1 { "s" } else { "" }
                    ),
                    l.base,
                    true,
                    Align::Left,
                );
            }
            let totals = r.totals();
            let seats = seats_view(r);
            let lists = e.kind.is_list();
            l.side_by_side(
                0.36,
                |l| {
                    l.heading("Participation");
                    mentions(l, &totals);
                },
                |l| {
                    l.heading(if lists {
                        "Suffrages obtenus par les listes"
                    } else {
                        "Suffrages obtenus par les candidats"
                    });
                    results_table(l, r, &totals, seats.as_ref());
                },
            );
            l.space(4.0);
            l.paragraph(
                &format!("Fait à {}, le {}.", r.meta.commune_label, edition),
                l.base,
                false,
                Align::Left,
            );
            signatures(
                &mut l,
                &[
                    "Le président du bureau centralisateur",
                    "Les assesseurs",
                    "Le secrétaire",
                ],
            );
            format!("Proclamation des résultats — {}", r.meta.commune_label)
        }
    };
    // Footers, now that the pages are counted.
    let count = l.pages.len();
    let size = l.base * 0.75;
    let (left, right, y) = (l.left(), l.right(), l.h - l.margin + 2.0);
    let footer = fit(
        &printable(&format!("Urne — {title} — édité le {edition}")),
        size,
        l.content() - 25.0,
    );
    for i in 0..count {
        let page = format!("page {} / {count}", i + 1);
        let pw = width(&page, size);
        let ops = &mut l.pages[i];
        ops.push(Op::Line {
            x1: left,
            y1: y - size * PT * 1.4,
            x2: right,
            y2: y - size * PT * 1.4,
            thickness: 0.4,
            grey: 0.5,
        });
        ops.push(Op::Text {
            x: left,
            y,
            size,
            bold: false,
            text: footer.clone(),
        });
        ops.push(Op::Text {
            x: right - pw,
            y,
            size,
            bold: false,
            text: page,
        });
    }
    Ok((title, l.pages))
}

fn draw(layer: &PdfLayerReference, font: &IndirectFontRef, h: f32, op: &Op) {
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
    let (w, h) = paper.size();
    let (doc, first_page, first_layer) = PdfDocument::new(printable(&title), Mm(w), Mm(h), "1");
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
    use election_data::fixtures::{sample_commune, sample_municipales};

    fn results(e: election_data::model::Election, arrived: usize) -> ResultsFile {
        election_data::fixtures::sample_results(e, arrived)
    }

    fn texts(pages: &[Vec<Op>]) -> Vec<String> {
        pages
            .iter()
            .flatten()
            .filter_map(|o| match o {
                Op::Text { text, .. } => Some(text.clone()),
                _ => None,
            })
            .collect()
    }

    /// Every text stays inside the page's margins, on every page.
    fn check_bounds(paper: Paper, pages: &[Vec<Op>]) {
        let (w, h) = paper.size();
        for op in pages.iter().flatten() {
            if let Op::Text {
                x, y, size, text, ..
            } = op
            {
                let right = x + width(text, *size);
                assert!(
                    *x >= 14.9 && right <= w - 14.9,
                    "{text:?} from {x} to {right}"
                );
                assert!(*y > 10.0 && *y < h - 10.0, "{text:?} at {y}");
            }
        }
    }

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

    #[test]
    fn every_record_fits_its_pages() {
        let muni = election_data::fixtures::with_insee(sample_municipales(), "13004");
        for e in [sample_commune(), muni] {
            for arrived in [5, 34] {
                let r = results(e.clone(), arrived);
                for paper in [Paper::A4, Paper::A3] {
                    for record in [
                        Record::Commune,
                        Record::Proclamation,
                        Record::Bureau("0002".into()),
                    ] {
                        let (_, pages) =
                            layout(&record, paper, &r, 1_807_475_100_000).expect("laid out");
                        check_bounds(paper, &pages);
                        let all = texts(&pages);
                        let last = format!("page {0} / {0}", pages.len());
                        assert!(all.contains(&last), "{record:?} {paper:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn proclamation_names_every_mention_and_the_seats() {
        let mut e = sample_municipales();
        e.round = 2;
        let r = results(e, 34);
        let (_, pages) = layout(&Record::Proclamation, Paper::A4, &r, 0).expect("laid out");
        let all = texts(&pages).join("\n");
        for word in [
            "PROCLAMATION DES RÉSULTATS",
            "Inscrits",
            "Votants",
            "Blancs",
            "Nuls",
            "Exprimés",
            "Sièges",
            "Le président du bureau",
            "Fait à",
        ] {
            assert!(all.contains(word), "{word} missing:\n{all}");
        }
        let a = prefecture::seat_allocation(&r).expect("seats");
        assert!(a.is_final(), "{:?}", a.outcome);
        assert!(all.contains("Prime majoritaire"), "{all}");
    }

    #[test]
    fn a_bureau_without_results_is_refused() {
        let r = results(sample_commune(), 1);
        assert_eq!(
            layout(&Record::Bureau("0034".into()), Paper::A4, &r, 0).err(),
            Some(PrintError::NotCounted("0034".into()))
        );
        assert_eq!(
            layout(&Record::Bureau("nope".into()), Paper::A4, &r, 0).err(),
            Some(PrintError::UnknownBureau("nope".into()))
        );
    }

    #[test]
    fn renders_a_pdf() {
        let r = results(sample_commune(), 34);
        let bytes = render(&Record::Commune, Paper::A3, &r, 0).expect("pdf");
        assert!(bytes.starts_with(b"%PDF-"));
        assert!(bytes.len() > 10_000);
    }
}
