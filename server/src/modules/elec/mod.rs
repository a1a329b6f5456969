//! openElec served: the roll loaded from the module's tables into the
//! catalogue's plain types ([`Roll`]), the checks that need the whole roll
//! (a new procuration against the L73 limits), and the screens and
//! documents built on it ([`screens`]): the découpage check, the tableau
//! per bureau against the night's elections (and as the roll file the
//! election setup reads), a redistricting previewed then applied, the
//! listes d'émargement.
//!
//! The roll is personal data: every entity is read by the desk and the
//! administrator only (the declaration's rights), every export and every
//! printed list is in the audit log ([`super::audit_export`]), and nothing
//! of it reaches the public pages or the feed.

pub mod documents;
pub mod screens;
pub mod update;

use catalogue::elec::{
    Cote, Date, Elector, EtablieA, Liste, Mouvement, NatureMouvement, Procuration, Range, Sexe,
    Voie, check_new_procuration,
};
use module_engine::{Entity, FieldError, Module, Value};

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::records::{self, StoredRecord};

pub const NAME: &str = "elec";

fn text(e: &Entity, r: &[Value], name: &str) -> Option<String> {
    r.get(e.field_index(name)?)?.as_text().map(str::to_string)
}

fn int(e: &Entity, r: &[Value], name: &str) -> Option<i64> {
    r.get(e.field_index(name)?)?.as_int()
}

fn date(e: &Entity, r: &[Value], name: &str) -> Option<Date> {
    Date::parse(&text(e, r, name)?)
}

fn entity<'a>(m: &'a Module, name: &str) -> Result<&'a Entity, ApiError> {
    m.entity(name)
        .ok_or_else(|| ApiError::not_found(format!("entité {name} absente du module")))
}

/// The roll and its découpage, as stored.
#[derive(Debug, Clone, Default)]
pub struct Roll {
    pub voies: Vec<Voie>,
    pub ranges: Vec<Range>,
    pub electors: Vec<Elector>,
    pub procurations: Vec<Procuration>,
}

pub fn elector_of(e: &Entity, id: i64, v: &[Value]) -> Option<Elector> {
    Some(Elector {
        id,
        nom_naissance: text(e, v, "nom_naissance")?,
        nom_usage: text(e, v, "nom_usage"),
        prenoms: text(e, v, "prenoms")?,
        sexe: Sexe::from_code(&text(e, v, "sexe")?)?,
        date_naissance: date(e, v, "date_naissance")?,
        lieu_naissance: text(e, v, "lieu_naissance").unwrap_or_default(),
        adresse_numero: int(e, v, "adresse_numero").and_then(|n| u32::try_from(n).ok()),
        adresse_complement: text(e, v, "adresse_complement"),
        voie: int(e, v, "voie")?,
        bureau: text(e, v, "bureau")?,
        ine: text(e, v, "ine"),
        liste: Liste::from_code(&text(e, v, "liste")?)?,
    })
}

pub fn range_of(e: &Entity, r: &StoredRecord) -> Option<Range> {
    let v = &r.values;
    Some(Range {
        id: r.id,
        voie: int(e, v, "voie")?,
        cote: Cote::from_code(&text(e, v, "cote")?)?,
        numero_debut: int(e, v, "numero_debut").and_then(|n| u32::try_from(n).ok()),
        numero_fin: int(e, v, "numero_fin").and_then(|n| u32::try_from(n).ok()),
        bureau: text(e, v, "bureau")?,
    })
}

pub fn procuration_of(e: &Entity, id: i64, v: &[Value]) -> Option<Procuration> {
    Some(Procuration {
        id,
        mandant: int(e, v, "mandant")?,
        mandataire: int(e, v, "mandataire")?,
        debut: date(e, v, "debut")?,
        fin: date(e, v, "fin"),
        elections: text(e, v, "elections"),
        etablie_a: EtablieA::from_code(&text(e, v, "etablie_a")?)?,
        lieu: text(e, v, "lieu"),
    })
}

/// Loads the roll (`electors: false` leaves the electors out, for the
/// checks that need only procurations and streets).
pub async fn load(state: &AppState, m: &Module, electors: bool) -> Result<Roll, ApiError> {
    let (ev, ed, ee, ep) = (
        entity(m, "voie")?,
        entity(m, "decoupage")?,
        entity(m, "electeur")?,
        entity(m, "procuration")?,
    );
    let mut conn = state.store.acquire().await?;
    let voies = records::all(&mut conn, m, ev)
        .await?
        .iter()
        .filter_map(|r| {
            Some(Voie {
                id: r.id,
                libelle: text(ev, &r.values, "libelle")?,
                code: text(ev, &r.values, "code"),
                commune: text(ev, &r.values, "commune"),
            })
        })
        .collect();
    let ranges = records::all(&mut conn, m, ed)
        .await?
        .iter()
        .filter_map(|r| range_of(ed, r))
        .collect();
    let electors = if electors {
        records::all(&mut conn, m, ee)
            .await?
            .iter()
            .filter_map(|r| elector_of(ee, r.id, &r.values))
            .collect()
    } else {
        Vec::new()
    };
    let procurations = records::all(&mut conn, m, ep)
        .await?
        .iter()
        .filter_map(|r| procuration_of(ep, r.id, &r.values))
        .collect();
    Ok(Roll {
        voies,
        ranges,
        electors,
        procurations,
    })
}

/// The mouvements, for the roll at a date.
pub async fn mouvements(state: &AppState, m: &Module) -> Result<Vec<Mouvement>, ApiError> {
    let Some(e) = m.entity("mouvement") else {
        return Ok(Vec::new());
    };
    let mut conn = state.store.acquire().await?;
    let rows = records::all(&mut conn, m, e).await?;
    let get = |v: &[Value], n: &str| e.field_index(n).and_then(|i| v.get(i).cloned());
    Ok(rows
        .iter()
        .filter_map(|r| {
            Some(Mouvement {
                id: r.id,
                electeur: get(&r.values, "electeur")?.as_int()?,
                nature: NatureMouvement::from_code(get(&r.values, "nature")?.as_text()?)?,
                date: Date::parse(get(&r.values, "date")?.as_text()?)?,
                bureau: get(&r.values, "bureau").and_then(|v| v.as_text().map(str::to_string)),
                liste: get(&r.values, "liste").and_then(|v| v.as_text().and_then(Liste::from_code)),
            })
        })
        .collect())
}

/// The checks of a procuration against the others (Code électoral L73: a
/// mandataire holds at most two procurations, at most one of them
/// established in France; the mandant and the mandataire on the roll),
/// as field errors on `mandataire` (or `mandant`).
pub async fn procuration_rules(
    state: &AppState,
    m: &Module,
    e: &Entity,
    values: &[Value],
    id: Option<i64>,
) -> Result<Vec<FieldError>, ApiError> {
    let Some(new) = procuration_of(e, id.unwrap_or(0), values) else {
        return Ok(Vec::new());
    };
    let roll = load(state, m, true).await?;
    Ok(
        check_new_procuration(&roll.electors, &roll.procurations, &new)
            .into_iter()
            .map(|p| FieldError {
                field: if p.electors.first() == Some(&new.mandant)
                    && !p.message.contains("mandataire")
                {
                    "mandant".into()
                } else {
                    "mandataire".into()
                },
                rule: p.rule.code(),
                message: format!("{} ({})", p.message, p.article),
            })
            .collect(),
    )
}
