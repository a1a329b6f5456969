//! The burials' register of a year (« registre des inhumations »): its
//! columns and lines in the screen's language — date, défunt, dates of
//! birth and death, place, concession (or the terrain commun), kind —
//! shared by the screen (a page of it) and the PDF (the whole year).

use catalogue::date::Date;
use module_engine::sql::Param;
use module_engine::{Lang, Module};

use super::{burial_of, defunt_of, place_of};
use crate::error::ApiError;
use crate::lang::Tr;
use crate::state::AppState;
use crate::store::records;

pub fn shown(tr: Tr<'_>, d: Date) -> String {
    if tr.lang == Lang::En {
        d.to_string()
    } else {
        d.fr()
    }
}

/// The register's columns: (title, share of the width).
pub fn columns(tr: Tr<'_>) -> Vec<(&'static str, f32)> {
    vec![
        (tr.pick("Date", "Date"), 1.0),
        (tr.pick("Défunt", "Deceased"), 2.2),
        (tr.pick("Né(e) le", "Born"), 1.0),
        (tr.pick("Décédé(e) le", "Died"), 1.0),
        (tr.pick("Emplacement", "Plot"), 1.2),
        (tr.pick("Concession", "Concession"), 1.2),
        (tr.pick("Nature", "Kind"), 1.0),
    ]
}

/// The burials of year `y`, in date order: (id, cells) of those in
/// `range` (a screen's page; everything for the PDF), and how many in all.
pub async fn lines(
    state: &AppState,
    m: &Module,
    y: i32,
    tr: Tr<'_>,
    range: std::ops::Range<usize>,
) -> Result<(Vec<(i64, Vec<String>)>, usize), ApiError> {
    let entity = |n: &str| {
        m.entity(n)
            .ok_or_else(|| ApiError::not_found(format!("entité {n} absente du module")))
    };
    let (be, de, pe, ce) = (
        entity("inhumation")?,
        entity("defunt")?,
        entity("emplacement")?,
        entity("concession")?,
    );
    let mut conn = state.store.acquire().await?;
    let rows = records::find(
        &mut conn,
        m,
        be,
        "f_date >= $1 AND f_date <= $2",
        vec![
            Param::text(format!("{y:04}-01-01")),
            Param::text(format!("{y:04}-12-31")),
        ],
        100_000,
    )
    .await?;
    let mut burials: Vec<_> = rows
        .iter()
        .filter_map(|r| burial_of(be, r.id, &r.values))
        .collect();
    burials.sort_by_key(|b| (b.date, b.id));
    let total = burials.len();
    let burials: Vec<_> = burials
        .into_iter()
        .skip(range.start)
        .take(range.end.saturating_sub(range.start))
        .collect();
    let ids = |f: &dyn Fn(&catalogue::cimetiere::records::Burial) -> Option<i64>| {
        let mut v: Vec<i64> = burials.iter().filter_map(f).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let defunts = records::get_many(&mut conn, m, de, &ids(&|b| Some(b.defunt))).await?;
    let places = records::get_many(&mut conn, m, pe, &ids(&|b| Some(b.emplacement))).await?;
    let concessions = records::get_many(&mut conn, m, ce, &ids(&|b| b.concession)).await?;
    let lines = burials
        .iter()
        .map(|b| {
            let d = defunts
                .iter()
                .find(|r| r.id == b.defunt)
                .and_then(|r| defunt_of(de, r.id, &r.values));
            let place = places
                .iter()
                .find(|r| r.id == b.emplacement)
                .and_then(|r| place_of(pe, r.id, &r.values));
            let concession = b.concession.and_then(|c| {
                concessions
                    .iter()
                    .find(|r| r.id == c)
                    .map(|r| crate::modules::title(ce, &r.values))
            });
            let cells = vec![
                shown(tr, b.date),
                d.as_ref().map(|d| d.name()).unwrap_or_default(),
                d.as_ref()
                    .and_then(|d| d.date_naissance)
                    .map(|x| shown(tr, x))
                    .unwrap_or_default(),
                d.as_ref()
                    .map(|d| shown(tr, d.date_deces))
                    .unwrap_or_default(),
                place.map(|p| p.numero).unwrap_or_default(),
                concession.unwrap_or_else(|| tr.pick("terrain commun", "common ground").into()),
                tr.t(b.nature.label()).to_string(),
            ];
            (b.id, cells)
        })
        .collect();
    Ok((lines, total))
}
