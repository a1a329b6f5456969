//! openScrutin served: what the module has beyond the engine's lists and
//! forms. One scrutin and one tour are loaded from the module's tables
//! into the catalogue's plain types ([`Tour`]), and from those come the
//! completeness board, a bureau's composition, a person's schedule
//! ([`screens`]), the PDFs and the hours table ([`documents`]), and the
//! link with the night: the président's one-time code for his bureau of
//! the tour's election, and who staffs a bureau on the desk's PV page.

pub mod documents;
pub mod screens;

use catalogue::scrutin::{Assignment, Clock, Fonction, Nature, Person, Qualite, Rate, Slot};
use module_engine::{Entity, Module, Right};
use serde::Deserialize;

use crate::auth::Principal;
use crate::error::ApiError;
use crate::modules::{Target, allow, enabled_module};
use crate::state::AppState;
use crate::store::records::{self, StoredRecord};

/// The module's name in URLs and the store.
pub const NAME: &str = "scrutin";

/// A record's field by name.
pub fn text(e: &Entity, r: &StoredRecord, name: &str) -> Option<String> {
    let i = e.field_index(name)?;
    r.values.get(i)?.as_text().map(str::to_string)
}

pub fn int(e: &Entity, r: &StoredRecord, name: &str) -> Option<i64> {
    let i = e.field_index(name)?;
    r.values.get(i)?.as_int()
}

fn entity<'a>(m: &'a Module, name: &str) -> Result<&'a Entity, ApiError> {
    m.entity(name)
        .ok_or_else(|| ApiError::not_found(format!("entité {name} absente du module")))
}

/// A poste as the screens need it.
#[derive(Debug, Clone)]
pub struct Poste {
    pub id: i64,
    pub libelle: String,
    pub nature: Nature,
    pub rate: Rate,
}

/// A person with what the letters need.
#[derive(Debug, Clone)]
pub struct People {
    pub person: Person,
    pub adresse: Option<String>,
    pub service: Option<String>,
}

/// One tour of one scrutin, loaded.
#[derive(Debug, Clone)]
pub struct Tour {
    pub scrutin_id: i64,
    pub libelle: String,
    pub tour: u8,
    /// `YYYY-MM-DD`, when set.
    pub date: Option<String>,
    /// The Urne election of this tour, if linked.
    pub election: Option<String>,
    /// The bureaux to staff: (code, name), in the election's order.
    pub bureaux: Vec<(String, String)>,
    pub slots: Vec<Slot>,
    pub people: Vec<People>,
    pub postes: Vec<Poste>,
    pub assignments: Vec<Assignment>,
}

impl Tour {
    pub fn person(&self, id: i64) -> Option<&People> {
        self.people.iter().find(|p| p.person.id == id)
    }
    pub fn poste(&self, id: i64) -> Option<&Poste> {
        self.postes.iter().find(|p| p.id == id)
    }
    pub fn slot(&self, id: i64) -> Option<&Slot> {
        self.slots.iter().find(|s| s.id == id)
    }
    pub fn bureau_codes(&self) -> Vec<String> {
        self.bureaux.iter().map(|(c, _)| c.clone()).collect()
    }
    pub fn bureau_name(&self, code: &str) -> String {
        self.bureaux
            .iter()
            .find(|(c, _)| c == code)
            .map_or_else(|| code.to_string(), |(c, n)| format!("{c} — {n}"))
    }
    /// « 08:00–13:00 ».
    pub fn hours_of(&self, slot: &Slot) -> String {
        format!("{}–{}", clock(slot.debut), clock(slot.fin))
    }
}

pub fn clock(c: Clock) -> String {
    format!("{:02}:{:02}", c.minutes() / 60, c.minutes() % 60)
}

/// The scrutins, newest first: (id, libelle).
pub async fn scrutins(state: &AppState, m: &Module) -> Result<Vec<(i64, String)>, ApiError> {
    let e = entity(m, "scrutin")?;
    let mut conn = state.store.acquire().await?;
    let mut all: Vec<_> = records::all(&mut conn, m, e)
        .await?
        .into_iter()
        .map(|r| {
            let d = text(e, &r, "date_tour1").unwrap_or_default();
            (d, r.id, text(e, &r, "libelle").unwrap_or_default())
        })
        .collect();
    all.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
    Ok(all.into_iter().map(|(_, id, l)| (id, l)).collect())
}

/// Loads `tour` (1 or 2) of scrutin `scrutin_id`.
pub async fn load(
    state: &AppState,
    m: &Module,
    scrutin_id: i64,
    tour: u8,
) -> Result<Tour, ApiError> {
    let (es, ec, ep, epo, ea) = (
        entity(m, "scrutin")?,
        entity(m, "creneau")?,
        entity(m, "personne")?,
        entity(m, "poste")?,
        entity(m, "affectation")?,
    );
    let mut conn = state.store.acquire().await?;
    let s = records::get(&mut conn, m, es, scrutin_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("pas de scrutin n° {scrutin_id}")))?;
    let (date_field, election_field) = if tour == 2 {
        ("date_tour2", "election_tour2")
    } else {
        ("date_tour1", "election_tour1")
    };
    let election = text(es, &s, election_field);
    let tour_code = tour.to_string();
    let slots: Vec<Slot> = records::all(&mut conn, m, ec)
        .await?
        .iter()
        .filter(|r| {
            int(ec, r, "scrutin") == Some(scrutin_id)
                && text(ec, r, "tour").as_deref() == Some(&tour_code)
        })
        .filter_map(|r| {
            Some(Slot {
                id: r.id,
                libelle: text(ec, r, "libelle")?,
                depouillement: int(ec, r, "depouillement").is_some_and(|n| n != 0),
                debut: Clock::parse(&text(ec, r, "debut")?)?,
                fin: Clock::parse(&text(ec, r, "fin")?)?,
            })
        })
        .collect();
    let mut slots = slots;
    slots.sort_by_key(|s| (s.depouillement, s.debut, s.id));
    let people = records::all(&mut conn, m, ep)
        .await?
        .iter()
        .filter_map(|r| {
            let qualite = Qualite::from_code(&text(ep, r, "qualite")?)?;
            Some(People {
                person: Person {
                    id: r.id,
                    nom: text(ep, r, "nom").unwrap_or_default(),
                    prenom: text(ep, r, "prenom").unwrap_or_default(),
                    qualite,
                    fonction: text(ep, r, "fonction_elu").and_then(|f| Fonction::from_code(&f)),
                    rang: int(ep, r, "rang_tableau"),
                },
                adresse: text(ep, r, "adresse"),
                service: text(ep, r, "service"),
            })
        })
        .collect();
    let postes: Vec<Poste> = records::all(&mut conn, m, epo)
        .await?
        .iter()
        .filter_map(|r| {
            let remunere = int(epo, r, "remunere").is_some_and(|n| n != 0);
            Some(Poste {
                id: r.id,
                libelle: text(epo, r, "libelle").unwrap_or_default(),
                nature: Nature::from_code(&text(epo, r, "nature")?)?,
                rate: Rate {
                    poste: r.id,
                    remunere,
                    taux_horaire: int(epo, r, "taux_horaire"),
                },
            })
        })
        .collect();
    let slot_ids: Vec<i64> = slots.iter().map(|s| s.id).collect();
    let assignments = records::all(&mut conn, m, ea)
        .await?
        .iter()
        .filter(|r| int(ea, r, "scrutin") == Some(scrutin_id))
        .filter_map(|r| {
            let slot = int(ea, r, "creneau")?;
            let poste = int(ea, r, "poste")?;
            let nature = postes.iter().find(|p| p.id == poste)?.nature;
            slot_ids.contains(&slot).then(|| Assignment {
                id: r.id,
                person: int(ea, r, "personne").unwrap_or_default(),
                bureau: text(ea, r, "bureau").unwrap_or_default(),
                poste,
                nature,
                slot,
                candidat: text(ea, r, "candidat"),
                motif_derogation: text(ea, r, "motif_derogation"),
            })
        })
        .collect::<Vec<_>>();
    drop(conn);
    let bureaux = match election.as_deref().and_then(|id| state.hub.get(id)) {
        Some(t) => t
            .read()
            .election
            .bureaux
            .iter()
            .map(|b| (b.code.clone(), b.name.clone()))
            .collect(),
        None => {
            let mut codes: Vec<String> = assignments.iter().map(|a| a.bureau.clone()).collect();
            codes.sort();
            codes.dedup();
            codes.into_iter().map(|c| (c.clone(), c)).collect()
        }
    };
    Ok(Tour {
        scrutin_id,
        libelle: text(es, &s, "libelle").unwrap_or_default(),
        tour,
        date: text(es, &s, date_field),
        election,
        bureaux,
        slots,
        people,
        postes,
        assignments,
    })
}

/// Who staffs bureau `bureau` of election `election`, for the desk's PV
/// page: (slot, poste, person) of every affectation of the scrutin tours
/// linked to that election. Empty when openScrutin is off or unlinked.
pub async fn staff_of(
    state: &AppState,
    election: &str,
    bureau: &str,
) -> Vec<(String, String, String)> {
    let Ok(m) = super::enabled_module(state, NAME).await else {
        return Vec::new();
    };
    let Ok(es) = entity(m, "scrutin") else {
        return Vec::new();
    };
    let Ok(mut conn) = state.store.pool().acquire().await else {
        return Vec::new();
    };
    let Ok(all) = records::all(&mut conn, m, es).await else {
        return Vec::new();
    };
    drop(conn);
    let mut out = Vec::new();
    for s in &all {
        for (tour, field) in [(1u8, "election_tour1"), (2, "election_tour2")] {
            if text(es, s, field).as_deref() != Some(election) {
                continue;
            }
            let Ok(t) = load(state, m, s.id, tour).await else {
                continue;
            };
            for a in t.assignments.iter().filter(|a| a.bureau == bureau) {
                let slot = t.slot(a.slot).map_or_else(String::new, |sl| {
                    format!("{} ({})", sl.libelle, t.hours_of(sl))
                });
                let poste = t
                    .poste(a.poste)
                    .map_or_else(String::new, |p| p.libelle.clone());
                let who = t
                    .person(a.person)
                    .map_or_else(String::new, |p| p.person.name());
                out.push((slot, poste, who));
            }
        }
    }
    out
}

/// The value of a stored enum code, for the screens.
pub fn nature_label(n: Nature) -> &'static str {
    n.label()
}

/// Which scrutin and tour a screen is about (`?scrutin=ID&tour=1|2`).
#[derive(Debug, Deserialize, Default)]
pub struct Which {
    pub scrutin: Option<i64>,
    pub tour: Option<u8>,
    pub personne: Option<i64>,
}

/// The module, after checking `p` may read affectations.
pub async fn readable_module<'a>(
    state: &'a AppState,
    p: &Principal,
) -> Result<Target<'a>, ApiError> {
    p.require_login()?;
    let m = enabled_module(state, NAME).await?;
    let e = m
        .entity("affectation")
        .ok_or_else(|| ApiError::not_found("affectations absentes du module"))?;
    allow(p, m, e, Right::Read)?;
    Ok(Target {
        module: m,
        entity: e,
    })
}

/// The tour asked for, or the newest scrutin's first tour.
pub async fn chosen(state: &AppState, t: Target<'_>, w: &Which) -> Result<Tour, ApiError> {
    let id = match w.scrutin {
        Some(id) => id,
        None => scrutins(state, t.module)
            .await?
            .first()
            .map(|(id, _)| *id)
            .ok_or_else(|| ApiError::not_found("aucun scrutin : créez-en un dans « Scrutins »"))?,
    };
    let tour = match w.tour {
        Some(2) => 2,
        Some(1) | None => 1,
        Some(n) => {
            return Err(ApiError::bad_request(
                "invalid_field",
                format!("tour : 1 ou 2, pas {n}"),
            ));
        }
    };
    load(state, t.module, id, tour).await
}
