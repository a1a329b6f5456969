//! openCimetière served: the module's rows read into the catalogue's
//! plain types ([`Yard`]: one cemetery's zones, places, concessions with
//! their renewals, burials and reprises with their steps — or every
//! cemetery's), the checks of a record that need the others (a burial
//! against its place's capacity and concession, a renewal against the
//! concession's term, a reprise's step against its delays, a zone or a
//! place against the plan), and the screens ([`screens`]: the plan, the
//! concessions expiring with their letters, the burials' register, the
//! free places by zone) and documents ([`documents`]) built on them, in
//! French or English.

pub mod documents;
pub mod params;
pub mod register;
pub mod screens;

use catalogue::cimetiere::records::{
    Burial, Cemetery, Concession, ConcessionHistory, Defunt, Place, Renewal, Reprise, Step, Zone,
};
use catalogue::cimetiere::{
    ConcessionFacts, Etape, EtatReprise, Motif, Nature, NatureInhumation, Problem, TypePlace,
    check_burial, check_renewal, check_step, last_burial,
};
use catalogue::date::Date;
use module_engine::sql::Param;
use module_engine::{Entity, FieldError, Module, Right, Value};

use crate::auth::Principal;
use crate::error::ApiError;
use crate::modules::{Target, allow, enabled_module};
use crate::state::AppState;
use crate::store::records::{self, StoredRecord};

pub use catalogue::cimetiere::NAME;

/// Enough for any cemetery's rows (a screen of one reads only its own).
const ALL: i64 = 10_000_000;

fn entity<'a>(m: &'a Module, name: &str) -> Result<&'a Entity, ApiError> {
    m.entity(name)
        .ok_or_else(|| ApiError::not_found(format!("entité {name} absente du module")))
}

fn at<'a>(e: &Entity, v: &'a [Value], name: &str) -> Option<&'a Value> {
    v.get(e.field_index(name)?)
}
fn text(e: &Entity, v: &[Value], name: &str) -> Option<String> {
    at(e, v, name)?.as_text().map(str::to_string)
}
fn int(e: &Entity, v: &[Value], name: &str) -> Option<i64> {
    at(e, v, name)?.as_int()
}
fn date(e: &Entity, v: &[Value], name: &str) -> Option<Date> {
    Date::parse(&text(e, v, name)?)
}
fn years(e: &Entity, v: &[Value]) -> Option<u32> {
    int(e, v, "duree").and_then(|d| u32::try_from(d).ok())
}

pub fn cemetery_of(e: &Entity, id: i64, v: &[Value]) -> Option<Cemetery> {
    Some(Cemetery {
        id,
        nom: text(e, v, "nom")?,
        adresse: text(e, v, "adresse"),
        commune: text(e, v, "commune"),
        plan_largeur: int(e, v, "plan_largeur"),
        plan_hauteur: int(e, v, "plan_hauteur"),
    })
}

pub fn zone_of(e: &Entity, id: i64, v: &[Value]) -> Option<Zone> {
    Some(Zone {
        id,
        cimetiere: int(e, v, "cimetiere")?,
        code: text(e, v, "code")?,
        nom: text(e, v, "nom"),
        x: int(e, v, "x").unwrap_or(0),
        y: int(e, v, "y").unwrap_or(0),
        largeur: int(e, v, "largeur").unwrap_or(1),
        hauteur: int(e, v, "hauteur").unwrap_or(1),
    })
}

pub fn place_of(e: &Entity, id: i64, v: &[Value]) -> Option<Place> {
    Some(Place {
        id,
        zone: int(e, v, "zone")?,
        allee: text(e, v, "allee"),
        numero: text(e, v, "numero")?,
        kind: TypePlace::from_code(&text(e, v, "type")?)?,
        capacite: u32::try_from(int(e, v, "capacite")?).ok()?,
        terrain_commun: int(e, v, "terrain_commun").is_some_and(|n| n != 0),
        x: int(e, v, "x")?,
        y: int(e, v, "y")?,
        observations: text(e, v, "observations"),
    })
}

pub fn concession_of(e: &Entity, id: i64, v: &[Value]) -> Option<Concession> {
    Some(Concession {
        id,
        numero_acte: text(e, v, "numero_acte")?,
        emplacement: int(e, v, "emplacement")?,
        nature: Nature::from_code(&text(e, v, "nature")?)?,
        duree: years(e, v),
        date_debut: date(e, v, "date_debut")?,
        prix: int(e, v, "prix"),
        titulaire_nom: text(e, v, "titulaire_nom").unwrap_or_default(),
        titulaire_prenom: text(e, v, "titulaire_prenom"),
        titulaire_adresse: text(e, v, "titulaire_adresse"),
        titulaire_code_postal: text(e, v, "titulaire_code_postal"),
        titulaire_ville: text(e, v, "titulaire_ville"),
        ayants_droit: text(e, v, "ayants_droit"),
    })
}

pub fn renewal_of(e: &Entity, id: i64, v: &[Value]) -> Option<Renewal> {
    Some(Renewal {
        id,
        concession: int(e, v, "concession")?,
        date: date(e, v, "date")?,
        nature: Nature::from_code(&text(e, v, "nature")?)?,
        duree: years(e, v),
        date_debut: date(e, v, "date_debut")?,
        prix: int(e, v, "prix"),
    })
}

pub fn defunt_of(e: &Entity, id: i64, v: &[Value]) -> Option<Defunt> {
    Some(Defunt {
        id,
        nom: text(e, v, "nom")?,
        prenoms: text(e, v, "prenoms"),
        date_naissance: date(e, v, "date_naissance"),
        date_deces: date(e, v, "date_deces")?,
        lieu_deces: text(e, v, "lieu_deces"),
    })
}

pub fn burial_of(e: &Entity, id: i64, v: &[Value]) -> Option<Burial> {
    Some(Burial {
        id,
        defunt: int(e, v, "defunt")?,
        emplacement: int(e, v, "emplacement")?,
        concession: int(e, v, "concession"),
        date: date(e, v, "date")?,
        nature: NatureInhumation::from_code(&text(e, v, "nature")?)?,
        observations: text(e, v, "observations"),
    })
}

fn reprise_of(e: &Entity, id: i64, v: &[Value]) -> Option<Reprise> {
    Some(Reprise {
        id,
        concession: int(e, v, "concession")?,
        motif: Motif::from_code(&text(e, v, "motif")?)?,
        date_ouverture: date(e, v, "date_ouverture")?,
        etat: EtatReprise::from_code(&text(e, v, "etat")?)?,
        observations: text(e, v, "observations"),
        steps: Vec::new(),
    })
}

fn step_of(e: &Entity, id: i64, v: &[Value]) -> Option<Step> {
    Some(Step {
        id,
        reprise: int(e, v, "reprise")?,
        etape: Etape::from_code(&text(e, v, "etape")?)?,
        date: date(e, v, "date")?,
        observations: text(e, v, "observations"),
    })
}

/// A cemetery's rows (or every cemetery's), as the rules need them.
#[derive(Debug, Clone, Default)]
pub struct Yard {
    pub cemeteries: Vec<Cemetery>,
    pub zones: Vec<Zone>,
    pub places: Vec<Place>,
    pub concessions: Vec<ConcessionHistory>,
    pub burials: Vec<Burial>,
    pub reprises: Vec<Reprise>,
}

impl Yard {
    pub fn place(&self, id: i64) -> Option<&Place> {
        self.places.iter().find(|p| p.id == id)
    }
    pub fn zone(&self, id: i64) -> Option<&Zone> {
        self.zones.iter().find(|z| z.id == id)
    }
}

async fn rows(
    conn: &mut sqlx::AnyConnection,
    m: &Module,
    name: &str,
    cond: &str,
    params: &[Param],
) -> Result<Vec<StoredRecord>, ApiError> {
    let e = entity(m, name)?;
    Ok(records::find(conn, m, e, cond, params.to_vec(), ALL).await?)
}

/// Loads cemetery `only` (or all of them): its zones, places and what is
/// on them, each table read once on its indexes.
pub async fn load(state: &AppState, m: &Module, only: Option<i64>) -> Result<Yard, ApiError> {
    let t = |name: &str| entity(m, name).map(|e| module_engine::sql::table(m, e));
    let (tz, tp, tc, tr) = (
        t("zone")?,
        t("emplacement")?,
        t("concession")?,
        t("reprise")?,
    );
    let (cem, zones, places, concessions, reprises, params) = match only {
        Some(id) => {
            let zones = format!("SELECT id FROM {tz} WHERE f_cimetiere = $1");
            let places = format!("SELECT id FROM {tp} WHERE f_zone IN ({zones})");
            let concessions = format!("SELECT id FROM {tc} WHERE f_emplacement IN ({places})");
            let reprises = format!("SELECT id FROM {tr} WHERE f_concession IN ({concessions})");
            (
                "id = $1".to_string(),
                "f_cimetiere = $1".to_string(),
                format!("f_zone IN ({zones})"),
                format!("f_emplacement IN ({places})"),
                (format!("f_concession IN ({concessions})"), reprises),
                vec![Param::int(id)],
            )
        }
        None => (
            "1 = 1".into(),
            "1 = 1".into(),
            "1 = 1".into(),
            "1 = 1".into(),
            ("1 = 1".into(), format!("SELECT id FROM {tr}")),
            Vec::new(),
        ),
    };
    let mut conn = state.store.acquire().await?;
    let of = |name: &str| entity(m, name);
    let ce = of("cimetiere")?;
    let cemeteries = rows(&mut conn, m, "cimetiere", &cem, &params)
        .await?
        .iter()
        .filter_map(|r| cemetery_of(ce, r.id, &r.values))
        .collect();
    let ze = of("zone")?;
    let zones = rows(&mut conn, m, "zone", &zones, &params)
        .await?
        .iter()
        .filter_map(|r| zone_of(ze, r.id, &r.values))
        .collect();
    let pe = of("emplacement")?;
    let places = rows(&mut conn, m, "emplacement", &places, &params)
        .await?
        .iter()
        .filter_map(|r| place_of(pe, r.id, &r.values))
        .collect();
    let co = of("concession")?;
    let mut histories: Vec<ConcessionHistory> =
        rows(&mut conn, m, "concession", &concessions, &params)
            .await?
            .iter()
            .filter_map(|r| concession_of(co, r.id, &r.values))
            .map(ConcessionHistory::new)
            .collect();
    let re = of("renouvellement")?;
    let index: std::collections::HashMap<i64, usize> = histories
        .iter()
        .enumerate()
        .map(|(i, h)| (h.id(), i))
        .collect();
    for r in rows(&mut conn, m, "renouvellement", &reprises.0, &params).await? {
        if let Some(n) = renewal_of(re, r.id, &r.values)
            && let Some(i) = index.get(&n.concession)
        {
            histories[*i].renewals.push(n);
        }
    }
    let be = of("inhumation")?;
    // The burials of those places: the same condition as their concessions'.
    let burials = rows(&mut conn, m, "inhumation", &concessions, &params)
        .await?
        .iter()
        .filter_map(|r| burial_of(be, r.id, &r.values))
        .collect();
    let rpe = of("reprise")?;
    let mut reprise_list: Vec<Reprise> = rows(&mut conn, m, "reprise", &reprises.0, &params)
        .await?
        .iter()
        .filter_map(|r| reprise_of(rpe, r.id, &r.values))
        .collect();
    let se = of("etape_reprise")?;
    let steps_index: std::collections::HashMap<i64, usize> = reprise_list
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id, i))
        .collect();
    for r in rows(
        &mut conn,
        m,
        "etape_reprise",
        &format!("f_reprise IN ({})", reprises.1),
        &params,
    )
    .await?
    {
        if let Some(s) = step_of(se, r.id, &r.values)
            && let Some(i) = steps_index.get(&s.reprise)
        {
            reprise_list[*i].steps.push(s);
        }
    }
    Ok(Yard {
        cemeteries,
        zones,
        places,
        concessions: histories,
        burials,
        reprises: reprise_list,
    })
}

/// The concessions with their renewals, and the places and zones of
/// those expiring from `today` to `months` later: what the expiring list
/// and its letters need, without the burials and the other places.
pub async fn terms(
    state: &AppState,
    m: &Module,
    today: Date,
    months: i32,
) -> Result<Yard, ApiError> {
    let (ce, re, pe, ze) = (
        entity(m, "concession")?,
        entity(m, "renouvellement")?,
        entity(m, "emplacement")?,
        entity(m, "zone")?,
    );
    let mut conn = state.store.acquire().await?;
    let mut histories: Vec<ConcessionHistory> = rows(&mut conn, m, "concession", "1 = 1", &[])
        .await?
        .iter()
        .filter_map(|r| concession_of(ce, r.id, &r.values))
        .map(ConcessionHistory::new)
        .collect();
    let index: std::collections::HashMap<i64, usize> = histories
        .iter()
        .enumerate()
        .map(|(i, h)| (h.id(), i))
        .collect();
    for r in rows(&mut conn, m, "renouvellement", "1 = 1", &[]).await? {
        if let Some(n) = renewal_of(re, r.id, &r.values)
            && let Some(i) = index.get(&n.concession)
        {
            histories[*i].renewals.push(n);
        }
    }
    let due = catalogue::cimetiere::plan::expiring(&histories, today, months);
    let mut place_ids: Vec<i64> = due
        .iter()
        .filter_map(|(id, _)| index.get(id).map(|i| histories[*i].place()))
        .collect();
    place_ids.sort_unstable();
    place_ids.dedup();
    let places: Vec<Place> = records::get_many(&mut conn, m, pe, &place_ids)
        .await?
        .iter()
        .filter_map(|r| place_of(pe, r.id, &r.values))
        .collect();
    let mut zone_ids: Vec<i64> = places.iter().map(|p| p.zone).collect();
    zone_ids.sort_unstable();
    zone_ids.dedup();
    let zones = records::get_many(&mut conn, m, ze, &zone_ids)
        .await?
        .iter()
        .filter_map(|r| zone_of(ze, r.id, &r.values))
        .collect();
    Ok(Yard {
        zones,
        places,
        concessions: histories,
        ..Yard::default()
    })
}

/// The module, after checking `p` may read `entity`.
pub async fn readable<'a>(
    state: &'a AppState,
    p: &Principal,
    entity_name: &str,
) -> Result<Target<'a>, ApiError> {
    p.require_login()?;
    let m = enabled_module(state, NAME).await?;
    let e = entity(m, entity_name)?;
    allow(p, m, e, Right::Read)?;
    Ok(Target {
        module: m,
        entity: e,
    })
}

fn errors(problems: Vec<Problem>) -> Vec<FieldError> {
    problems.into_iter().map(|p| p.field_error()).collect()
}

/// The cemetery of a place (for loading only that one).
async fn cemetery_of_place(
    state: &AppState,
    m: &Module,
    place: i64,
) -> Result<Option<i64>, ApiError> {
    let (pe, ze) = (entity(m, "emplacement")?, entity(m, "zone")?);
    let mut conn = state.store.acquire().await?;
    let Some(p) = records::get(&mut conn, m, pe, place).await? else {
        return Ok(None);
    };
    let Some(z) = int(pe, &p.values, "zone") else {
        return Ok(None);
    };
    Ok(records::get(&mut conn, m, ze, z)
        .await?
        .and_then(|z| int(ze, &z.values, "cimetiere")))
}

/// The checks of a record that need the others (see the module's doc).
pub async fn rules(
    state: &AppState,
    t: Target<'_>,
    values: &[Value],
    id: Option<i64>,
) -> Result<Vec<FieldError>, ApiError> {
    let (m, e) = (t.module, t.entity);
    let id = id.unwrap_or(0);
    match e.name {
        "inhumation" => {
            let Some(new) = burial_of(e, id, values) else {
                return Ok(Vec::new());
            };
            let Some(cem) = cemetery_of_place(state, m, new.emplacement).await? else {
                return Ok(Vec::new());
            };
            let yard = load(state, m, Some(cem)).await?;
            let Some(place) = yard.place(new.emplacement) else {
                return Ok(Vec::new());
            };
            let de = entity(m, "defunt")?;
            let mut conn = state.store.acquire().await?;
            let Some(d) = records::get(&mut conn, m, de, new.defunt)
                .await?
                .and_then(|r| defunt_of(de, r.id, &r.values))
            else {
                return Ok(Vec::new());
            };
            Ok(errors(check_burial(
                &new,
                place,
                &yard.concessions,
                &yard.burials,
                &yard.reprises,
                &d,
            )))
        }
        "renouvellement" => {
            let Some(new) = renewal_of(e, id, values) else {
                return Ok(Vec::new());
            };
            let (ce, re) = (entity(m, "concession")?, entity(m, "renouvellement")?);
            let mut conn = state.store.acquire().await?;
            let Some(c) = records::get(&mut conn, m, ce, new.concession)
                .await?
                .and_then(|r| concession_of(ce, r.id, &r.values))
            else {
                return Ok(Vec::new());
            };
            let existing: Vec<Renewal> = records::find(
                &mut conn,
                m,
                re,
                "f_concession = $1",
                vec![Param::int(c.id)],
                ALL,
            )
            .await?
            .iter()
            .filter_map(|r| renewal_of(re, r.id, &r.values))
            .filter(|r| r.id != id)
            .collect();
            Ok(errors(check_renewal(&c, &existing, &new)))
        }
        "etape_reprise" => {
            let Some(new) = step_of(e, id, values) else {
                return Ok(Vec::new());
            };
            let rpe = entity(m, "reprise")?;
            let mut conn = state.store.acquire().await?;
            let Some(rp) = records::get(&mut conn, m, rpe, new.reprise)
                .await?
                .and_then(|r| reprise_of(rpe, r.id, &r.values))
            else {
                return Ok(Vec::new());
            };
            let ce = entity(m, "concession")?;
            let Some(place) = records::get(&mut conn, m, ce, rp.concession)
                .await?
                .and_then(|r| int(ce, &r.values, "emplacement"))
            else {
                return Ok(Vec::new());
            };
            drop(conn);
            let Some(cem) = cemetery_of_place(state, m, place).await? else {
                return Ok(Vec::new());
            };
            let yard = load(state, m, Some(cem)).await?;
            let (Some(h), Some(rp)) = (
                yard.concessions.iter().find(|h| h.id() == rp.concession),
                yard.reprises.iter().find(|x| x.id == rp.id),
            ) else {
                return Ok(Vec::new());
            };
            let last = last_burial(&yard.burials, h.id());
            Ok(errors(check_step(rp, &ConcessionFacts::of(h), last, &new)))
        }
        "zone" => {
            let (Some(z), ce) = (zone_of(e, id, values), entity(m, "cimetiere")?) else {
                return Ok(Vec::new());
            };
            let mut conn = state.store.acquire().await?;
            let Some(c) = records::get(&mut conn, m, ce, z.cimetiere)
                .await?
                .and_then(|r| cemetery_of(ce, r.id, &r.values))
            else {
                return Ok(Vec::new());
            };
            Ok(errors(catalogue::cimetiere::plan::zone_problems(&c, &z)))
        }
        "emplacement" => {
            let (Some(p), ze) = (place_of(e, id, values), entity(m, "zone")?) else {
                return Ok(Vec::new());
            };
            let mut conn = state.store.acquire().await?;
            let Some(z) = records::get(&mut conn, m, ze, p.zone)
                .await?
                .and_then(|r| zone_of(ze, r.id, &r.values))
            else {
                return Ok(Vec::new());
            };
            Ok(errors(catalogue::cimetiere::plan::place_problems(&z, &p)))
        }
        _ => Ok(Vec::new()),
    }
}
