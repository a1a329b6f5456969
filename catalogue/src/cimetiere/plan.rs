//! The state of each place on a day, the cemetery's plan (zones and
//! places as rectangles in plan units, for the server to draw), the
//! places still free per zone, and the concessions coming to their end.
//!
//! # The state of a place
//!
//! A place is [`PlaceState::InReprise`] while a procedure of reprise of
//! one of its concessions is open (neither executed nor dropped). Else
//! its concession is the latest one granted on it that was not taken back
//! (a reprise executed): [`PlaceState::InForce`] until its current expiry
//! (after the renewals; always for a perpétuelle, and already for one
//! granted ahead of its start), [`PlaceState::Expired`] from then on —
//! the commune takes it back only by a reprise (L2223-15), so it stays
//! expired until one is executed. A place without such a concession is
//! [`PlaceState::Free`], except a grave of the terrain commun that
//! received someone less than five years ago (R2223-5), which is in use.
//!
//! # The plan
//!
//! The plan is in the cemetery's plan units (`plan_largeur` ×
//! `plan_hauteur`, x to the right, y downwards). A zone is its declared
//! rectangle; a place is the cell (`x`, `y`) of its zone's grid, each cell
//! [`CELL_WIDTH`] × [`CELL_HEIGHT`] units from the zone's corner (a grave
//! of 1 m by 2 m with its passage, if the units are metres). A zone's box
//! is stretched to hold all its places, and the plan to hold all its
//! zones, so nothing is drawn outside; [`zone_problems`] and
//! [`place_problems`] report what does not fit as declared, for the
//! server to refuse on save.

use std::collections::HashMap;

use serde::Serialize;

use super::records::{Burial, Cemetery, ConcessionHistory, Place, Reprise, Zone};
use super::{CemeteryId, ConcessionId, Date, EtatReprise, PlaceId, Problem, ZoneId, burial};

choices! {
    /// What a place is on a day, as the plan colours it.
    enum PlaceState, PLACE_STATES {
        Free = ("libre", "Libre"),
        /// A concession in force, or a grave of the terrain commun in its five years.
        InForce = ("en_cours", "Concédé ou occupé"),
        Expired = ("echu", "Concession échue"),
        InReprise = ("en_reprise", "En reprise"),
    }
}

impl PlaceState {
    /// The label in English (the legend of an English plan).
    pub fn label_en(self) -> &'static str {
        match self {
            PlaceState::Free => "Free",
            PlaceState::InForce => "Conceded or occupied",
            PlaceState::Expired => "Expired concession",
            PlaceState::InReprise => "Being taken back",
        }
    }

    /// The label in `lang`.
    pub fn label_in(self, lang: module_engine::Lang) -> &'static str {
        match lang {
            module_engine::Lang::Fr => self.label(),
            module_engine::Lang::En => self.label_en(),
        }
    }
}

/// Width of a place's cell, in plan units.
pub const CELL_WIDTH: i64 = 2;
/// Height of a place's cell, in plan units.
pub const CELL_HEIGHT: i64 = 3;

/// What a place holds, for one place.
struct Group<'a> {
    concessions: Vec<&'a ConcessionHistory>,
    burials: Vec<&'a Burial>,
    reprises: Vec<&'a Reprise>,
}

/// A place's state and the room left in it.
fn status(place: &Place, g: &Group<'_>, today: Date) -> (PlaceState, u32) {
    let reprises_of = |c: ConcessionId| g.reprises.iter().filter(move |r| r.concession == c);
    if g.concessions
        .iter()
        .any(|c| reprises_of(c.id()).any(|r| r.etat.is_open()))
    {
        return (PlaceState::InReprise, 0);
    }
    let live = g
        .concessions
        .iter()
        .filter(|c| !reprises_of(c.id()).any(|r| r.etat == EtatReprise::Executee))
        .max_by_key(|c| (c.concession.date_debut, c.id()));
    match live {
        Some(c) if c.current_end().is_some_and(|e| e <= today) => (PlaceState::Expired, 0),
        Some(c) => {
            let held = g
                .burials
                .iter()
                .filter(|b| b.concession == Some(c.id()))
                .count();
            let held = u32::try_from(held).unwrap_or(u32::MAX);
            (PlaceState::InForce, place.capacite.saturating_sub(held))
        }
        None => {
            let recent = place.terrain_commun
                && g.burials
                    .iter()
                    .any(|b| b.date <= today && today < b.date.add_years(burial::ROTATION_YEARS));
            if recent {
                (PlaceState::InForce, 0)
            } else {
                (PlaceState::Free, place.capacite)
            }
        }
    }
}

/// The groups of every place named by a concession or a burial.
fn groups<'a>(
    concessions: &'a [ConcessionHistory],
    burials: &'a [Burial],
    reprises: &'a [Reprise],
) -> HashMap<PlaceId, Group<'a>> {
    let mut out: HashMap<PlaceId, Group<'a>> = HashMap::new();
    let empty = || Group {
        concessions: Vec::new(),
        burials: Vec::new(),
        reprises: Vec::new(),
    };
    let mut place_of: HashMap<ConcessionId, PlaceId> = HashMap::new();
    for c in concessions {
        place_of.insert(c.id(), c.place());
        out.entry(c.place())
            .or_insert_with(empty)
            .concessions
            .push(c);
    }
    for b in burials {
        out.entry(b.emplacement)
            .or_insert_with(empty)
            .burials
            .push(b);
    }
    for r in reprises {
        if let Some(p) = place_of.get(&r.concession) {
            out.entry(*p).or_insert_with(empty).reprises.push(r);
        }
    }
    out
}

/// The state of `place` on `today`, from the concessions (with their
/// renewals), inhumations and reprises given (those of other places are
/// ignored). For many places, [`place_states`] groups once.
pub fn place_state(
    place: &Place,
    concessions: &[ConcessionHistory],
    burials: &[Burial],
    reprises: &[Reprise],
    today: Date,
) -> PlaceState {
    let concessions: Vec<&ConcessionHistory> = concessions
        .iter()
        .filter(|c| c.place() == place.id)
        .collect();
    let g = Group {
        reprises: reprises
            .iter()
            .filter(|r| concessions.iter().any(|c| c.id() == r.concession))
            .collect(),
        burials: burials
            .iter()
            .filter(|b| b.emplacement == place.id)
            .collect(),
        concessions,
    };
    status(place, &g, today).0
}

/// The state of every place on `today` (see [`place_state`]).
pub fn place_states(
    places: &[Place],
    concessions: &[ConcessionHistory],
    burials: &[Burial],
    reprises: &[Reprise],
    today: Date,
) -> HashMap<PlaceId, PlaceState> {
    let groups = groups(concessions, burials, reprises);
    let none = Group {
        concessions: Vec::new(),
        burials: Vec::new(),
        reprises: Vec::new(),
    };
    places
        .iter()
        .map(|p| (p.id, status(p, groups.get(&p.id).unwrap_or(&none), today).0))
        .collect()
}

/// A cemetery's plan, in plan units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub cimetiere: CemeteryId,
    pub width: i64,
    pub height: i64,
    /// By code.
    pub zones: Vec<ZoneBox>,
    /// By zone (in the order of `zones`), then row, then column.
    pub places: Vec<Cell>,
}

/// A zone on the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ZoneBox {
    pub id: ZoneId,
    pub code: String,
    pub nom: Option<String>,
    pub x: i64,
    pub y: i64,
    pub w: i64,
    pub h: i64,
}

/// A place on the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cell {
    pub id: PlaceId,
    pub zone: ZoneId,
    pub x: i64,
    pub y: i64,
    pub w: i64,
    pub h: i64,
    pub state: PlaceState,
    /// Its numero.
    pub label: String,
}

/// The plan of `cemetery`: its zones (others are ignored) and their
/// places, each in its state (Free when `states` has none).
pub fn layout(
    cemetery: &Cemetery,
    zones: &[Zone],
    places: &[Place],
    states: &HashMap<PlaceId, PlaceState>,
) -> Plan {
    let mut mine: Vec<&Zone> = zones
        .iter()
        .filter(|z| z.cimetiere == cemetery.id)
        .collect();
    mine.sort_by(|a, b| (&a.code, a.id).cmp(&(&b.code, b.id)));
    let mut boxes = Vec::with_capacity(mine.len());
    let mut cells = Vec::new();
    let mut by_zone: HashMap<ZoneId, Vec<&Place>> = HashMap::new();
    for p in places {
        by_zone.entry(p.zone).or_default().push(p);
    }
    let (mut width, mut height) = (
        cemetery.plan_largeur.unwrap_or(0),
        cemetery.plan_hauteur.unwrap_or(0),
    );
    for z in mine {
        let (mut right, mut bottom) = (z.x + z.largeur.max(1), z.y + z.hauteur.max(1));
        let mut ps = by_zone.remove(&z.id).unwrap_or_default();
        ps.sort_by_key(|p| (p.y, p.x, p.id));
        for p in ps {
            let cell = Cell {
                id: p.id,
                zone: z.id,
                x: z.x + p.x * CELL_WIDTH,
                y: z.y + p.y * CELL_HEIGHT,
                w: CELL_WIDTH,
                h: CELL_HEIGHT,
                state: states.get(&p.id).copied().unwrap_or(PlaceState::Free),
                label: p.numero.clone(),
            };
            right = right.max(cell.x + cell.w);
            bottom = bottom.max(cell.y + cell.h);
            cells.push(cell);
        }
        width = width.max(right);
        height = height.max(bottom);
        boxes.push(ZoneBox {
            id: z.id,
            code: z.code.clone(),
            nom: z.nom.clone(),
            x: z.x,
            y: z.y,
            w: right - z.x,
            h: bottom - z.y,
        });
    }
    Plan {
        cimetiere: cemetery.id,
        width,
        height,
        zones: boxes,
        places: cells,
    }
}

/// Whether `zone` lies within its cemetery's plan (when the plan has a
/// size): the server's check on saving a zone. On the fields `largeur`
/// and `hauteur`.
pub fn zone_problems(cemetery: &Cemetery, zone: &Zone) -> Vec<Problem> {
    let mut out = Vec::new();
    for (size, far, field, what) in [
        (
            cemetery.plan_largeur,
            zone.x + zone.largeur,
            "largeur",
            "largeur",
        ),
        (
            cemetery.plan_hauteur,
            zone.y + zone.hauteur,
            "hauteur",
            "hauteur",
        ),
    ] {
        if let Some(size) = size
            && far > size
        {
            out.push(Problem::new(
                "zone_hors_plan",
                "",
                field,
                zone.id,
                format!(
                    "la zone {} dépasse du plan du cimetière {} ({what} du plan : {size}, la zone \
                     va jusqu'à {far})",
                    zone.code, cemetery.nom
                ),
            ));
        }
    }
    out
}

/// Whether `place`'s cell lies within its zone's rectangle: the server's
/// check on saving a place. On the fields `x` and `y`.
pub fn place_problems(zone: &Zone, place: &Place) -> Vec<Problem> {
    let mut out = Vec::new();
    for (cells, size, unit, field, what) in [
        (place.x, zone.largeur, CELL_WIDTH, "x", "colonnes"),
        (place.y, zone.hauteur, CELL_HEIGHT, "y", "rangs"),
    ] {
        let fits = size / unit;
        if cells >= fits {
            out.push(Problem::new(
                "emplacement_hors_zone",
                "",
                field,
                place.id,
                format!(
                    "la zone {} a {fits} {what} (numérotés à partir de 0) : l'emplacement {} n'y \
                     tient pas",
                    zone.code, place.numero
                ),
            ));
        }
    }
    out
}

/// One zone's places and room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ZoneRow {
    pub zone: ZoneId,
    pub cimetiere: CemeteryId,
    pub code: String,
    /// Its places.
    pub places: usize,
    /// Those [`PlaceState::Free`].
    pub free: usize,
    /// The coffins and urns its places may hold.
    pub capacity: u64,
    /// What they may still receive: a free place's whole capacity, a
    /// concession in force's capacity less its inhumations; nothing in an
    /// expired place, one being taken back or a grave of the terrain
    /// commun in its five years.
    pub remaining: u64,
}

/// The places and room of each zone on `today`, in the order of `zones`.
pub fn free_places_by_zone(
    zones: &[Zone],
    places: &[Place],
    concessions: &[ConcessionHistory],
    burials: &[Burial],
    reprises: &[Reprise],
    today: Date,
) -> Vec<ZoneRow> {
    let groups = groups(concessions, burials, reprises);
    let none = Group {
        concessions: Vec::new(),
        burials: Vec::new(),
        reprises: Vec::new(),
    };
    let mut rows: Vec<ZoneRow> = zones
        .iter()
        .map(|z| ZoneRow {
            zone: z.id,
            cimetiere: z.cimetiere,
            code: z.code.clone(),
            places: 0,
            free: 0,
            capacity: 0,
            remaining: 0,
        })
        .collect();
    let index: HashMap<ZoneId, usize> = zones.iter().enumerate().map(|(i, z)| (z.id, i)).collect();
    for p in places {
        let Some(row) = index.get(&p.zone).and_then(|i| rows.get_mut(*i)) else {
            continue;
        };
        let (state, room) = status(p, groups.get(&p.id).unwrap_or(&none), today);
        row.places += 1;
        row.free += usize::from(state == PlaceState::Free);
        row.capacity += u64::from(p.capacite);
        row.remaining += u64::from(room);
    }
    rows
}

/// The concessions whose current expiry (after their renewals) falls from
/// `today` to `months` months later (excluded), by expiry then id: those
/// the letter « avis d'échéance » is for.
pub fn expiring(
    concessions: &[ConcessionHistory],
    today: Date,
    months: i32,
) -> Vec<(ConcessionId, Date)> {
    let until = today.add_months(months);
    let mut out: Vec<(ConcessionId, Date)> = concessions
        .iter()
        .filter_map(|c| c.current_end().map(|e| (c.id(), e)))
        .filter(|(_, e)| today <= *e && *e < until)
        .collect();
    out.sort_by_key(|(id, e)| (*e, *id));
    out
}

#[cfg(test)]
mod tests {
    use super::super::records::{Concession, Renewal, Step};
    use super::super::{Etape, Motif, Nature, NatureInhumation, TypePlace};
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).expect("a date")
    }

    fn place(id: i64, zone: i64, x: i64, y: i64, terrain_commun: bool) -> Place {
        Place {
            id,
            zone,
            allee: None,
            numero: format!("A-{id}"),
            kind: TypePlace::Caveau,
            capacite: if terrain_commun { 1 } else { 4 },
            terrain_commun,
            x,
            y,
            observations: None,
        }
    }

    fn history(
        id: i64,
        place: i64,
        nature: Nature,
        duree: Option<u32>,
        start: &str,
    ) -> ConcessionHistory {
        ConcessionHistory::new(Concession {
            id,
            numero_acte: format!("C{id}"),
            emplacement: place,
            nature,
            duree,
            date_debut: d(start),
            prix: None,
            titulaire_nom: "Petit".into(),
            titulaire_prenom: None,
            titulaire_adresse: None,
            titulaire_code_postal: None,
            titulaire_ville: None,
            ayants_droit: None,
        })
    }

    fn burial(id: i64, place: i64, concession: Option<i64>, date: &str) -> Burial {
        Burial {
            id,
            defunt: id,
            emplacement: place,
            concession,
            date: d(date),
            nature: NatureInhumation::Cercueil,
            observations: None,
        }
    }

    fn reprise(concession: i64, etat: EtatReprise) -> Reprise {
        Reprise {
            id: concession,
            concession,
            motif: Motif::NonRenouvellement,
            date_ouverture: d("2010-01-01"),
            etat,
            observations: None,
            steps: vec![Step {
                id: 1,
                reprise: concession,
                etape: Etape::Arrete,
                date: d("2012-01-01"),
                observations: None,
            }],
        }
    }

    #[test]
    fn a_place_is_free_conceded_expired_or_in_reprise() {
        let today = d("2026-01-01");
        let p = place(1, 1, 0, 0, false);
        let state = |cs: &[ConcessionHistory], rs: &[Reprise]| place_state(&p, cs, &[], rs, today);
        assert_eq!(state(&[], &[]), PlaceState::Free);
        let mut c = history(1, 1, Nature::Temporaire, Some(15), "2012-01-01");
        assert_eq!(state(std::slice::from_ref(&c), &[]), PlaceState::InForce);
        let expired = history(1, 1, Nature::Temporaire, Some(15), "2005-01-01");
        assert_eq!(
            state(std::slice::from_ref(&expired), &[]),
            PlaceState::Expired
        );
        // The expiry day itself is expired; a renewal puts it back in force.
        c.concession.date_debut = d("2011-01-01");
        assert_eq!(state(std::slice::from_ref(&c), &[]), PlaceState::Expired);
        c.renewals.push(Renewal {
            id: 1,
            concession: 1,
            date: d("2025-06-01"),
            nature: Nature::Trentenaire,
            duree: None,
            date_debut: d("2026-01-01"),
            prix: None,
        });
        assert_eq!(state(std::slice::from_ref(&c), &[]), PlaceState::InForce);
        let open = reprise(1, EtatReprise::Prononcee);
        assert_eq!(
            state(std::slice::from_ref(&expired), &[open]),
            PlaceState::InReprise
        );
        // Taken back: free, until conceded again.
        let done = reprise(1, EtatReprise::Executee);
        assert_eq!(
            state(std::slice::from_ref(&expired), std::slice::from_ref(&done)),
            PlaceState::Free
        );
        let again = history(2, 1, Nature::Trentenaire, None, "2015-01-01");
        assert_eq!(state(&[expired, again], &[done]), PlaceState::InForce);
    }

    /// R2223-5: a grave of the terrain commun is in use for five years.
    #[test]
    fn r2223_5_the_terrain_commun_is_free_after_five_years() {
        let p = place(1, 1, 0, 0, true);
        let b = [burial(1, 1, None, "2020-03-01")];
        assert_eq!(
            place_state(&p, &[], &b, &[], d("2025-02-28")),
            PlaceState::InForce
        );
        assert_eq!(
            place_state(&p, &[], &b, &[], d("2025-03-01")),
            PlaceState::Free
        );
    }

    #[test]
    fn the_plan_places_cells_in_their_zones() {
        let cem = Cemetery {
            id: 1,
            nom: "Cimetière du Centre".into(),
            adresse: None,
            commune: None,
            plan_largeur: Some(100),
            plan_hauteur: Some(50),
        };
        let zones = [
            Zone {
                id: 2,
                cimetiere: 1,
                code: "B".into(),
                nom: None,
                x: 40,
                y: 10,
                largeur: 4,
                hauteur: 3,
            },
            Zone {
                id: 1,
                cimetiere: 1,
                code: "A".into(),
                nom: Some("Carré des Tilleuls".into()),
                x: 10,
                y: 10,
                largeur: 20,
                hauteur: 30,
            },
            Zone {
                id: 3,
                cimetiere: 9,
                code: "A".into(),
                nom: None,
                x: 0,
                y: 0,
                largeur: 1,
                hauteur: 1,
            },
        ];
        let places = [
            place(1, 1, 0, 0, false),
            place(2, 1, 3, 2, false),
            // Beyond its zone's declared rectangle: the box stretches.
            place(3, 2, 2, 1, false),
            place(4, 3, 0, 0, false),
        ];
        let states = HashMap::from([(2, PlaceState::InForce)]);
        let plan = layout(&cem, &zones, &places, &states);
        assert_eq!((plan.width, plan.height), (100, 50));
        let codes: Vec<&str> = plan.zones.iter().map(|z| z.code.as_str()).collect();
        assert_eq!(codes, ["A", "B"]);
        let cell = |id| plan.places.iter().find(|c| c.id == id).expect("drawn");
        assert_eq!((cell(2).x, cell(2).y, cell(2).w, cell(2).h), (16, 16, 2, 3));
        assert_eq!(
            (cell(2).state, cell(1).state),
            (PlaceState::InForce, PlaceState::Free)
        );
        assert_eq!(plan.places.len(), 3);
        for c in &plan.places {
            let z = plan.zones.iter().find(|z| z.id == c.zone).expect("zone");
            assert!(z.x <= c.x && c.x + c.w <= z.x + z.w && z.y <= c.y && c.y + c.h <= z.y + z.h);
        }
        let b = &plan.zones[1];
        assert_eq!((b.w, b.h), (6, 6));
        assert_eq!(
            place_problems(&zones[0], &places[2])
                .iter()
                .map(|p| p.field)
                .collect::<Vec<_>>(),
            ["x", "y"]
        );
        assert!(place_problems(&zones[1], &places[1]).is_empty());
        let mut wide = zones[0].clone();
        wide.largeur = 61;
        assert_eq!(zone_problems(&cem, &wide).len(), 1);
        assert!(zone_problems(&cem, &zones[0]).is_empty());
    }

    #[test]
    fn free_places_and_room_per_zone() {
        let zones = [Zone {
            id: 1,
            cimetiere: 1,
            code: "A".into(),
            nom: None,
            x: 0,
            y: 0,
            largeur: 10,
            hauteur: 10,
        }];
        let places = [
            place(1, 1, 0, 0, false),
            place(2, 1, 1, 0, false),
            place(3, 1, 2, 0, true),
        ];
        let cs = [history(1, 1, Nature::Perpetuelle, None, "1950-01-01")];
        let bs = [
            burial(1, 1, Some(1), "1960-01-01"),
            burial(2, 3, None, "2024-01-01"),
        ];
        let rows = free_places_by_zone(&zones, &places, &cs, &bs, &[], d("2026-01-01"));
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!(
            (r.places, r.free, r.capacity, r.remaining),
            (3, 1, 9, 3 + 4)
        );
    }

    #[test]
    fn expiring_concessions_by_end_date() {
        let cs = [
            history(1, 1, Nature::Temporaire, Some(15), "2011-09-01"),
            history(2, 2, Nature::Trentenaire, None, "1996-03-01"),
            history(3, 3, Nature::Perpetuelle, None, "1950-01-01"),
            history(4, 4, Nature::Temporaire, Some(10), "2015-12-31"),
        ];
        assert_eq!(
            expiring(&cs, d("2026-01-01"), 12),
            [(2, d("2026-03-01")), (1, d("2026-09-01"))]
        );
    }
}
