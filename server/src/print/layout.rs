//! Pages as lists of positioned operations ([`Op`]): the cursor, headings,
//! paragraphs, tables broken across pages with their header repeated. No
//! PDF here: the operations are what the tests read and what
//! [`super::pdf`] draws.

use super::Paper;
use super::font::*;

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
pub(super) enum Align {
    Left,
    Right,
    Center,
}

pub(super) struct Column {
    pub(super) title: String,
    /// Share of the table's width.
    pub(super) weight: f32,
    pub(super) align: Align,
}

pub(super) fn col(title: &str, weight: f32, align: Align) -> Column {
    Column {
        title: title.to_string(),
        weight,
        align,
    }
}

pub(super) struct Row {
    pub(super) cells: Vec<String>,
    /// A colour swatch before the second cell (`#rrggbb`).
    pub(super) swatch: Option<String>,
    pub(super) bold: bool,
}

pub(super) fn row(cells: Vec<String>) -> Row {
    Row {
        cells,
        swatch: None,
        bold: false,
    }
}

/// Pages being laid out.
pub(super) struct Layout {
    pub(super) w: f32,
    pub(super) h: f32,
    pub(super) margin: f32,
    pub(super) base: f32,
    pub(super) pages: Vec<Vec<Op>>,
    /// Baseline cursor of the next line, from the top.
    pub(super) y: f32,
    /// Printed at the top of every page after the first.
    pub(super) running: String,
    /// A column of the page `(x, width)` the body is confined to, when set.
    pub(super) region: Option<(f32, f32)>,
}

impl Layout {
    pub(super) fn new(paper: Paper, running: String) -> Layout {
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

    pub(super) fn left(&self) -> f32 {
        self.region.map_or(self.margin, |r| r.0)
    }

    pub(super) fn right(&self) -> f32 {
        self.left() + self.content()
    }

    pub(super) fn content(&self) -> f32 {
        self.region.map_or(self.w - 2.0 * self.margin, |r| r.1)
    }

    /// Lays `first` and `second` out side by side on wide paper (A3
    /// landscape), one under the other otherwise.
    pub(super) fn side_by_side(
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

    /// Writes every page's footer (the document, its edition, page n / N),
    /// once the pages are counted.
    pub(super) fn footers(&mut self, title: &str, edition: &str) {
        let count = self.pages.len();
        let size = self.base * 0.75;
        let (left, right, y) = (self.left(), self.right(), self.h - self.margin + 2.0);
        let footer = fit(
            &printable(&format!("Urne — {title} — édité le {edition}")),
            size,
            self.content() - 25.0,
        );
        for (i, ops) in self.pages.iter_mut().enumerate() {
            let page = format!("page {} / {count}", i + 1);
            let pw = width(&page, size);
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
    }

    /// Lowest baseline a body line may have (the footer is below).
    pub(super) fn bottom(&self) -> f32 {
        self.h - self.margin - 6.0
    }

    pub(super) fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    pub(super) fn new_page(&mut self) {
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
    pub(super) fn room(&mut self, height: f32) -> bool {
        if self.y + height > self.bottom() {
            self.new_page();
            true
        } else {
            false
        }
    }

    pub(super) fn hline(&mut self, x1: f32, x2: f32, y: f32, thickness: f32, grey: f32) {
        self.ops().push(Op::Line {
            x1,
            y1: y,
            x2,
            y2: y,
            thickness,
            grey,
        });
    }

    pub(super) fn text_at(
        &mut self,
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        text: &str,
        align: Align,
    ) {
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
    pub(super) fn paragraph(&mut self, text: &str, size: f32, bold: bool, align: Align) {
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

    pub(super) fn space(&mut self, mm: f32) {
        self.y += mm;
    }

    /// A section title with a rule under it.
    pub(super) fn heading(&mut self, text: &str) {
        let size = self.base * 1.2;
        self.room(size * PT * 2.0 + 20.0);
        self.y += size * PT * 1.6;
        let (left, right, y) = (self.left(), self.right(), self.y);
        self.text_at(left, y, size, true, text, Align::Left);
        self.hline(left, right, y + 1.6, 0.6, 0.3);
        self.y += 3.0;
    }

    /// A table over the content width; its header is repeated on each page.
    pub(super) fn table(&mut self, cols: &[Column], rows: &[Row], size: f32) {
        self.table_rows(cols, rows, size, 0.0);
    }

    /// [`Layout::table`] with rows at least `min_row_mm` tall (room to
    /// sign), the text centred in its row.
    pub(super) fn table_rows(&mut self, cols: &[Column], rows: &[Row], size: f32, min_row_mm: f32) {
        let total: f32 = cols.iter().map(|c| c.weight).sum();
        let content = self.content();
        let widths: Vec<f32> = cols.iter().map(|c| c.weight / total * content).collect();
        let pad = 1.6;
        let row_h = size * PT * 1.9;
        let body_h = row_h.max(min_row_mm);
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
            if self.room(body_h) {
                header(self);
            }
            let top = self.y;
            let base = top + (body_h - row_h) / 2.0 + row_h * 0.68;
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
                        y: top + (body_h - side) / 2.0,
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
            self.y = top + body_h;
            let (left, right, y) = (self.left(), self.right(), self.y);
            self.hline(left, right, y, 0.3, 0.75);
        }
        self.y += 2.0;
    }
}

pub(super) fn rgb_of(colour: &str) -> (f32, f32, f32) {
    let hex = |i: usize| {
        colour
            .get(i..i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .map_or(0.6, |v| f32::from(v) / 255.0)
    };
    (hex(1), hex(3), hex(5))
}
