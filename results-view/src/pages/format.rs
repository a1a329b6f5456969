//! Number and date formatting for the public pages, per language.
//!
//! In French, integers get a narrow no-break space between thousands
//! (`37 267`) and percentages a decimal comma (`37,88 %`), as French readers
//! expect; in English, `37,267` and `37.88%`. The live script formats the
//! same way so a page never changes style on update. The unsuffixed
//! functions are the French ones (the desk uses them too).

use election_data::Percent;

use super::i18n::Lang;

/// An integer in the conventions of `lang`.
pub fn int_l(n: u64, lang: Lang) -> String {
    match lang {
        Lang::Fr => int(n),
        Lang::En => int(n).replace('\u{202f}', ","),
    }
}

/// A percentage in the conventions of `lang`; `–` when undefined.
pub fn pct_l(p: Option<Percent>, lang: Lang) -> String {
    match lang {
        Lang::Fr => pct(p),
        Lang::En => p.map_or_else(|| "–".to_string(), |p| format!("{p}%")),
    }
}

/// A whole percentage (`35 %` / `35%`); `–` when undefined.
pub fn pct_whole_l(p: Option<Percent>, lang: Lang) -> String {
    match (p, lang) {
        (None, _) => "–".to_string(),
        (Some(p), Lang::Fr) => format!("{}\u{a0}%", p.units()),
        (Some(p), Lang::En) => format!("{}%", p.units()),
    }
}

/// `2027-04-11` → `11 avril 2027` / `11 April 2027`.
pub fn date_l(iso: &str, lang: Lang) -> String {
    match lang {
        Lang::Fr => date(iso),
        Lang::En => {
            let mut parts = iso.splitn(3, '-');
            match (
                parts.next(),
                parts.next().map(str::parse::<usize>),
                parts.next().map(str::parse::<u32>),
            ) {
                (Some(y), Some(Ok(m @ 1..=12)), Some(Ok(d))) => {
                    format!("{d} {} {y}", lang.month(m))
                }
                _ => iso.to_string(),
            }
        }
    }
}

/// `37267` → `37 267` (U+202F between groups).
pub fn int(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

/// `Some(37.88)` → `37,88 %`; `None` → `–`.
pub fn pct(p: Option<Percent>) -> String {
    p.map_or_else(|| "–".to_string(), |p| format!("{}\u{a0}%", p.fr()))
}

/// Width of a bar, in percent, for CSS (`37.88`).
pub fn bar(p: Option<Percent>) -> String {
    p.map_or_else(|| "0".to_string(), |p| p.to_string())
}

/// Width of a bar, in percent of the longest one (`max`, in hundredths),
/// so that the leader's bar fills its cell.
pub fn bar_scaled(p: Option<Percent>, max: u32) -> String {
    match p {
        Some(p) if max > 0 => {
            let w = u64::from(p.hundredths()) * 10_000 / u64::from(max);
            format!("{}.{:02}", w / 100, w % 100)
        }
        _ => "0".to_string(),
    }
}

/// The largest share among `scores`, in hundredths.
pub fn max_share<'a>(scores: impl IntoIterator<Item = &'a election_data::tally::Score>) -> u32 {
    scores
        .into_iter()
        .filter_map(|s| s.pct_exprimes.map(Percent::hundredths))
        .max()
        .unwrap_or(0)
}

/// `2027-04-11` → `11 avril 2027`; anything else is returned as is.
pub fn date(iso: &str) -> String {
    const MONTHS: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    let mut parts = iso.splitn(3, '-');
    let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
        return iso.to_string();
    };
    match (m.parse::<usize>(), d.parse::<u32>()) {
        (Ok(m @ 1..=12), Ok(d)) => {
            let day = if d == 1 {
                "1er".to_string()
            } else {
                d.to_string()
            };
            format!("{day} {} {y}", MONTHS[m - 1])
        }
        _ => iso.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands() {
        assert_eq!(int(0), "0");
        assert_eq!(int(999), "999");
        assert_eq!(int(1000), "1\u{202f}000");
        assert_eq!(int(37267), "37\u{202f}267");
        assert_eq!(int(1234567), "1\u{202f}234\u{202f}567");
    }

    #[test]
    fn french_dates() {
        assert_eq!(date("2027-04-11"), "11 avril 2027");
        assert_eq!(date("2026-03-01"), "1er mars 2026");
        assert_eq!(date("bad"), "bad");
    }

    #[test]
    fn bars_scale_to_the_leader() {
        assert_eq!(
            bar_scaled(Some(Percent::from_hundredths(2500)), 2500),
            "100.00"
        );
        assert_eq!(
            bar_scaled(Some(Percent::from_hundredths(1250)), 2500),
            "50.00"
        );
        assert_eq!(bar_scaled(None, 2500), "0");
        assert_eq!(bar_scaled(Some(Percent::from_hundredths(1)), 0), "0");
    }

    #[test]
    fn english_figures() {
        assert_eq!(int_l(37267, Lang::En), "37,267");
        assert_eq!(pct_l(Percent::of(1, 3), Lang::En), "33.33%");
        assert_eq!(date_l("2027-04-11", Lang::En), "11 April 2027");
        assert_eq!(date_l("2027-04-11", Lang::Fr), "11 avril 2027");
    }

    #[test]
    fn french_percent() {
        assert_eq!(pct(Percent::of(1, 3)), "33,33\u{a0}%");
        assert_eq!(pct(None), "–");
    }
}
