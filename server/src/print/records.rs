//! The three records' content: title block, mentions, results and seats,
//! the bureaux table, the signatures, laid out on [`super::layout::Layout`].

use election_data::Percent;
use election_data::formats::{ResultsFile, prefecture};
use election_data::model::{Bureau, ProcesVerbal};
use election_data::seats::{Allocation, Method};

use super::font::*;
use super::layout::*;
use super::{Paper, PrintError, Record};
use crate::pages::format::{date, int};

pub(super) fn n(v: i64) -> String {
    int(u64::try_from(v).unwrap_or(0))
}

pub(super) fn pct(part: i64, whole: i64) -> String {
    let p = Percent::of(
        u64::try_from(part).unwrap_or(0),
        u64::try_from(whole).unwrap_or(0),
    );
    p.map_or_else(|| "—".to_string(), |p| format!("{} %", p.fr()))
}

/// The edition time, from milliseconds since the epoch (UTC).
pub(super) fn edited(millis: i64) -> String {
    let s = results_view::time::rfc3339_utc(millis);
    let (d, t) = s.split_once('T').unwrap_or((s.as_str(), ""));
    let hm = t.get(..5).unwrap_or_default().replace(':', " h ");
    format!("{} à {hm} (UTC)", date(d))
}

pub(super) fn round_label(round: u8) -> &'static str {
    if round == 2 { "2d tour" } else { "1er tour" }
}

/// The title block at the top of the first page.
pub(super) fn title_block(l: &mut Layout, r: &ResultsFile, title: &str, subtitle: Option<&str>) {
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

pub(super) fn mentions(l: &mut Layout, pv: &ProcesVerbal) {
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

/// What the records say about seats: each council's allocation (when it is
/// one: the council, then the community council elected on the same
/// ballot) and the sentences under the results table.
pub(super) struct SeatsView {
    /// `(column header, allocation when final)`, council first.
    pub(super) councils: Vec<(&'static str, Option<Allocation>)>,
    pub(super) notes: Vec<String>,
}

fn how(method: Method) -> &'static str {
    match method {
        Method::Municipal { .. } | Method::MunicipalUnder1000 { .. } => {
            "article L.262 du Code électoral : prime majoritaire de la moitié des sièges à la liste arrivée en tête, les autres à la plus forte moyenne entre les listes ayant obtenu au moins 5 % des suffrages exprimés"
        }
        Method::Communautaire { .. } => {
            "article L.273-8 du Code électoral : règles de l'article L.262 appliquées aux sièges de conseiller communautaire, sur les mêmes suffrages"
        }
        Method::HighestAverage { .. } => {
            "représentation proportionnelle à la plus forte moyenne entre les listes ayant obtenu au moins 5 % des suffrages exprimés"
        }
        Method::LargestRemainder { .. } => "représentation proportionnelle au plus fort reste",
    }
}

pub(super) fn seats_view(r: &ResultsFile) -> Option<SeatsView> {
    let councils = prefecture::seat_allocation(r)?;
    let both = councils.community.is_some();
    let total = r.election.bureaux.len();
    let arrived = r.arrived().count();
    let mut notes = Vec::new();
    let mut columns = Vec::new();
    for a in councils.all() {
        let label = a.method.body().label_fr();
        let header = match (both, a.method.body()) {
            (false, _) => "Sièges",
            (true, election_data::seats::Body::CommunityCouncil) => "Sièges CC",
            (true, _) => "Sièges CM",
        };
        let prefix = if both {
            format!("{label} : ")
        } else {
            String::new()
        };
        let s = if a.total > 1 { "s" } else { "" };
        notes.push(format!(
            "{prefix}{} siège{s} à pourvoir ({}).",
            a.total,
            how(a.method)
        ));
        if a.is_final() {
            if let Some(w) = a.winner.and_then(|w| a.list(w)) {
                let bonus = if both { "prime" } else { "Prime" };
                notes.push(format!(
                    "{prefix}{bonus} majoritaire de {} siège{} à la liste n° {}.",
                    w.bonus,
                    if w.bonus > 1 { "s" } else { "" },
                    r.election
                        .candidate(w.id)
                        .map_or(w.id, |c| c.panel_number())
                ));
            }
            if a.vacant > 0 {
                notes.push(format!("{prefix}{}", a.outcome.message()));
            }
            columns.push((header, Some(a.clone())));
        } else {
            notes.push(format!("{prefix}{}", a.outcome.message()));
            columns.push((header, None));
        }
    }
    if arrived < total {
        notes.push(format!(
            "Répartition provisoire : {arrived} bureau{} dépouillé{} sur {total}.",
            if arrived > 1 { "x" } else { "" },
            if arrived > 1 { "s" } else { "" }
        ));
    }
    Some(SeatsView {
        councils: columns,
        notes,
    })
}

pub(super) fn results_table(
    l: &mut Layout,
    r: &ResultsFile,
    pv: &ProcesVerbal,
    seats: Option<&SeatsView>,
) {
    let e = &r.election;
    let lists = e.kind.is_list();
    let councils = seats.map_or(0, |s| s.councils.len());
    // Two seat columns (« Sièges CM », « Sièges CC ») take their room from the names.
    let (name_w, seats_w) = if councils > 1 { (6.0, 2.2) } else { (7.6, 1.4) };
    let mut cols = vec![
        col("N°", 0.9, Align::Right),
        col(
            if lists { "Liste" } else { "Candidat" },
            name_w,
            Align::Left,
        ),
        col("Nuance", 1.6, Align::Left),
        col("Voix", 1.9, Align::Right),
        col("% exprimés", 2.4, Align::Right),
        col("% inscrits", 2.2, Align::Right),
    ];
    for (header, _) in seats.map(|s| s.councils.as_slice()).unwrap_or_default() {
        cols.push(col(header, seats_w, Align::Right));
    }
    let rows: Vec<Row> = e
        .candidates
        .iter()
        .map(|c| {
            let v = pv.voix_of(c.number);
            let mut cells = vec![
                c.panel_number().to_string(),
                c.name.clone(),
                c.nuance.clone().unwrap_or_default(),
                n(v),
                pct(v, pv.exprimes),
                pct(v, pv.inscrits),
            ];
            for (_, a) in seats.map(|s| s.councils.as_slice()).unwrap_or_default() {
                cells.push(match a {
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

pub(super) fn progress_line(r: &ResultsFile) -> String {
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

pub(super) fn bureaux_table(l: &mut Layout, r: &ResultsFile, paper: Paper) {
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
            cols.push(col(&format!("n° {}", c.panel_number()), 1.4, Align::Right));
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

pub(super) fn signatures(l: &mut Layout, labels: &[&str]) {
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
    // A bureau's record shows its own commune's ballot; the commune's and
    // the proclamation, when the lists stand commune by commune, are a
    // commune's (ResultsFile::of_commune) and never the territory's.
    let own;
    let r = match record {
        Record::Bureau(code) if r.election.has_commune_lists() => {
            let b = r
                .election
                .bureau(code)
                .ok_or_else(|| PrintError::UnknownBureau(code.clone()))?;
            own = r
                .election
                .commune_of(b)
                .and_then(|m| r.of_commune(&m.code))
                .ok_or_else(|| PrintError::UnknownBureau(code.clone()))?;
            &own
        }
        Record::Commune | Record::Proclamation if r.election.has_commune_lists() => {
            return Err(PrintError::NeedsCommune);
        }
        _ => r,
    };
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
    l.footers(&title, &edition);
    Ok((title, l.pages))
}

#[cfg(test)]
mod tests {
    use super::*;
    use election_data::fixtures::{sample_commune, sample_municipales};

    fn results(e: election_data::model::Election, arrived: usize) -> ResultsFile {
        election_data::formats::ResultsFile::sample(e, arrived)
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
        let a = prefecture::seat_allocation(&r).expect("seats").council;
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
}
