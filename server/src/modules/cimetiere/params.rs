//! The query parameters of openCimetière's screens and documents
//! (`?cimetiere=`, `?date=`, `?mois=`, `?annee=`, `?page=`), read and
//! checked in one place, and the expiring concessions both the screen and
//! the letters list.

use catalogue::cimetiere::plan::expiring;
use catalogue::date::Date;
use serde::Deserialize;

use super::Yard;
use crate::error::ApiError;

/// The parameters of the screens.
#[derive(Debug, Deserialize, Default)]
pub struct Params {
    pub cimetiere: Option<String>,
    pub date: Option<String>,
    pub mois: Option<String>,
    pub annee: Option<String>,
    pub page: Option<String>,
}

pub fn bad(field: &str, message: String) -> ApiError {
    ApiError::Fields(vec![module_engine::FieldError {
        field: field.into(),
        rule: "range",
        message,
    }])
}

/// `?date=` or today.
pub fn day(q: &Params) -> Result<Date, ApiError> {
    crate::modules::courrier::day_or_today(q.date.as_deref(), "date")
}

/// `?mois=` (1 to 120 months ahead; 12 by default).
pub fn months(q: &Params) -> Result<i32, ApiError> {
    match q.mois.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(12),
        Some(s) => s
            .parse::<i32>()
            .ok()
            .filter(|n| (1..=120).contains(n))
            .ok_or_else(|| bad("mois", format!("entre 1 et 120 mois, pas « {s} »"))),
    }
}

/// The expiring concessions of `yard` (every cemetery): (id, act number,
/// place, holder, current end).
pub fn expiring_rows(
    yard: &Yard,
    today: Date,
    months: i32,
) -> Vec<(i64, String, String, String, Date)> {
    expiring(&yard.concessions, today, months)
        .into_iter()
        .filter_map(|(id, end)| {
            let h = yard.concessions.iter().find(|h| h.id() == id)?;
            let c = &h.concession;
            let place = yard.place(c.emplacement);
            let zone = place.and_then(|p| yard.zone(p.zone));
            let where_ = match (zone, place) {
                (Some(z), Some(p)) => format!("{} {}", z.code, p.numero),
                (_, Some(p)) => p.numero.clone(),
                _ => String::new(),
            };
            let holder = match &c.titulaire_prenom {
                Some(pr) => format!("{pr} {}", c.titulaire_nom),
                None => c.titulaire_nom.clone(),
            };
            Some((id, c.numero_acte.clone(), where_, holder, end))
        })
        .collect()
}

/// The year asked (`?annee=`, from 1800 to 2200), or this year.
pub fn year(q: &Params, today: Date) -> Result<i32, ApiError> {
    match q.annee.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(today.year()),
        Some(s) => s
            .parse::<i32>()
            .ok()
            .filter(|y| (1800..=2200).contains(y))
            .ok_or_else(|| bad("annee", format!("une année de 1800 à 2200, pas « {s} »"))),
    }
}
