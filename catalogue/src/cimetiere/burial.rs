//! Whether a place may receive an inhumation: the date against the death,
//! the kind of place, a concession in force or the rotation of the
//! terrain commun, the place's capacity, and no reprise pronounced.
//!
//! # What is checked, and how
//!
//! - **R2213-33** (delay): « L'inhumation … a lieu vingt-quatre heures au
//!   moins et six jours au plus après le décès », Sundays and holidays
//!   aside, the préfet granting derogations. Only an inhumation dated
//!   before the death is reported: the record keeps days, not hours, no
//!   holidays and no derogations, so the 24 hours and the 6 days are the
//!   desk's to check (the field's help says so).
//! - **Capacity**: a place holds at most `capacite` coffins and urns,
//!   each counting for one, under one concession: the inhumations counted
//!   are those of the same concession on the same place (a place taken
//!   back and conceded again starts empty). Exhumations and « réductions
//!   de corps », which free room, are not modelled: an inhumation once
//!   recorded counts for the life of the concession.
//! - **A concession in force** (L2223-13 to L2223-15): outside the
//!   terrain commun, an inhumation is made under a concession of that
//!   place, in force on its date (from its act to the day before its
//!   expiry, or a renewal's). An expired concession receives no one until
//!   it is renewed.
//! - **The terrain commun** (R2223-3, R2223-5): a grave without
//!   concession receives one inhumation at a time (capacity 1, the
//!   per-record rule of the place) and is reopened only « de cinq années
//!   en cinq années »: two inhumations of the same grave are at least
//!   five years apart, counted from date to date.
//! - **Reprise** (L2223-15, L2223-17): a concession whose reprise was
//!   pronounced (the arrêté, or the state « prononcée » or « exécutée »),
//!   and not dropped, receives no one from that day.
//! - Urns only in a case de columbarium and a cavurne (the kind of place,
//!   no article).

use std::collections::HashMap;

use super::records::{Burial, ConcessionHistory, Defunt, Place, Reprise};
use super::{Date, DefuntId, Motif, NatureInhumation, PlaceId, Problem};

/// Years between two inhumations of one grave of the terrain commun (R2223-5).
pub const ROTATION_YEARS: i32 = 5;

/// The problems of `new`, an inhumation about to be stored, against its
/// `place`, the concessions of the place (with their renewals; others are
/// ignored), the inhumations already in the place (one with the id of
/// `new` is ignored, so an edited one is checked against the others), the
/// reprises of those concessions and its défunt. Empty when it can be
/// stored.
pub fn check_burial(
    new: &Burial,
    place: &Place,
    concessions: &[ConcessionHistory],
    burials: &[Burial],
    reprises: &[Reprise],
    defunt: &Defunt,
) -> Vec<Problem> {
    let problem =
        |rule, article, field, message: String| Problem::new(rule, article, field, new.id, message);
    let mut out = Vec::new();
    if new.emplacement != place.id {
        out.push(problem(
            "autre_emplacement",
            "",
            "emplacement",
            format!(
                "l'inhumation est sur l'emplacement n° {}, pas sur l'emplacement {}",
                new.emplacement, place.numero
            ),
        ));
        return out;
    }
    if new.defunt != defunt.id {
        out.push(problem(
            "autre_defunt",
            "",
            "defunt",
            format!(
                "l'inhumation est celle du défunt n° {}, pas de {}",
                new.defunt,
                defunt.name()
            ),
        ));
    } else if new.date < defunt.date_deces {
        out.push(problem(
            "avant_deces",
            "R2213-33",
            "date",
            format!(
                "l'inhumation ({}) ne peut précéder le décès de {} (le {}) ; elle a lieu \
                 vingt-quatre heures au moins et six jours au plus après",
                new.date.fr(),
                defunt.name(),
                defunt.date_deces.fr()
            ),
        ));
    }
    if place.kind.urns_only() && new.nature == NatureInhumation::Cercueil {
        out.push(problem(
            "urnes_seulement",
            "",
            "nature",
            format!(
                "l'emplacement {} est une {} : il ne reçoit que des urnes",
                place.numero,
                place.kind.label().to_lowercase()
            ),
        ));
    }
    let others: Vec<&Burial> = burials
        .iter()
        .filter(|b| b.id != new.id && b.emplacement == place.id)
        .collect();
    if place.terrain_commun {
        common_ground(new, place, &others, &mut out);
        return out;
    }
    let Some(cid) = new.concession else {
        out.push(problem(
            "concession_requise",
            "L2223-13",
            "concession",
            format!(
                "l'emplacement {} n'est pas du terrain commun : l'inhumation s'y fait dans une \
                 concession de cet emplacement",
                place.numero
            ),
        ));
        return out;
    };
    let Some(c) = concessions
        .iter()
        .find(|c| c.id() == cid && c.place() == place.id)
    else {
        out.push(problem(
            "concession_autre_emplacement",
            "",
            "concession",
            format!(
                "la concession n° {cid} n'est pas une concession de l'emplacement {}",
                place.numero
            ),
        ));
        return out;
    };
    let acte = &c.concession.numero_acte;
    if !c.in_force_on(new.date) {
        let first = c.concession.date_debut;
        out.push(if new.date < first {
            problem(
                "concession_pas_en_vigueur",
                "",
                "date",
                format!(
                    "la concession {acte} commence le {} : pas d'inhumation le {}",
                    first.fr(),
                    new.date.fr()
                ),
            )
        } else {
            let end = c
                .current_end()
                .map_or_else(String::new, |e| format!(" le {}", e.fr()));
            problem(
                "concession_echue",
                "L2223-15",
                "date",
                format!(
                    "la concession {acte} est échue{end} : la renouveler avant d'y inhumer \
                     (inhumation prévue le {})",
                    new.date.fr()
                ),
            )
        });
    }
    if let Some((r, day)) = reprises
        .iter()
        .filter(|r| r.concession == cid)
        .filter_map(|r| r.pronounced_on().map(|d| (r, d)))
        .filter(|(_, d)| *d <= new.date)
        .min_by_key(|(_, d)| *d)
    {
        out.push(problem(
            "concession_reprise",
            match r.motif {
                Motif::Abandon => "L2223-17",
                Motif::NonRenouvellement => "L2223-15",
            },
            "concession",
            format!(
                "la reprise de la concession {acte} a été prononcée le {} : elle ne reçoit plus \
                 d'inhumation",
                day.fr()
            ),
        ));
    }
    let held = others.iter().filter(|b| b.concession == Some(cid)).count();
    if held + 1 > place.capacite as usize {
        out.push(problem(
            "capacite_depassee",
            "",
            "emplacement",
            format!(
                "l'emplacement {} reçoit au plus {} cercueil(s) ou urne(s), chacun comptant pour \
                 un, et la concession {acte} en compte déjà {held}",
                place.numero, place.capacite
            ),
        ));
    }
    out
}

/// R2223-5: a grave of the terrain commun is reopened only five years
/// after the previous inhumation (and, the other way, the next one five
/// years after this one); no concession there.
fn common_ground(new: &Burial, place: &Place, others: &[&Burial], out: &mut Vec<Problem>) {
    if new.concession.is_some() {
        out.push(Problem::new(
            "terrain_commun_sans_concession",
            "",
            "concession",
            new.id,
            format!(
                "l'emplacement {} est du terrain commun : il n'est pas concédé, laisser la \
                 concession vide",
                place.numero
            ),
        ));
    }
    let too_close = others
        .iter()
        .filter(|b| {
            let (a, z) = if b.date <= new.date {
                (b.date, new.date)
            } else {
                (new.date, b.date)
            };
            z < a.add_years(ROTATION_YEARS)
        })
        .min_by_key(|b| (b.date, b.id));
    if let Some(b) = too_close {
        out.push(Problem::new(
            "rotation_cinq_ans",
            "R2223-5",
            "date",
            new.id,
            format!(
                "la fosse {} du terrain commun a reçu une inhumation le {} : elle n'est rouverte \
                 que cinq ans après (à partir du {})",
                place.numero,
                b.date.fr(),
                b.date.add_years(ROTATION_YEARS).fr()
            ),
        ));
    }
}

/// The concessions, inhumations and reprises of one place.
type PlaceRows = (Vec<ConcessionHistory>, Vec<Burial>, Vec<Reprise>);

/// Every inhumation of a data set checked as [`check_burial`] checks a new
/// one against the others: the problems of each, in the order of the
/// inhumations' ids. An inhumation whose place or défunt is missing is
/// reported too.
pub fn check_burials(
    places: &[Place],
    concessions: &[ConcessionHistory],
    burials: &[Burial],
    reprises: &[Reprise],
    defunts: &[Defunt],
) -> Vec<Problem> {
    let place_of: HashMap<PlaceId, &Place> = places.iter().map(|p| (p.id, p)).collect();
    let defunt_of: HashMap<DefuntId, &Defunt> = defunts.iter().map(|d| (d.id, d)).collect();
    let mut by_place: HashMap<PlaceId, PlaceRows> = HashMap::new();
    let mut place_of_concession = HashMap::new();
    for c in concessions {
        place_of_concession.insert(c.id(), c.place());
        by_place.entry(c.place()).or_default().0.push(c.clone());
    }
    for b in burials {
        by_place.entry(b.emplacement).or_default().1.push(b.clone());
    }
    for r in reprises {
        if let Some(p) = place_of_concession.get(&r.concession) {
            by_place.entry(*p).or_default().2.push(r.clone());
        }
    }
    let mut ordered: Vec<&Burial> = burials.iter().collect();
    ordered.sort_by_key(|b| b.id);
    let mut out = Vec::new();
    for b in ordered {
        let (Some(place), Some(defunt)) = (place_of.get(&b.emplacement), defunt_of.get(&b.defunt))
        else {
            out.push(Problem::new(
                "reference_manquante",
                "",
                "emplacement",
                b.id,
                format!(
                    "l'inhumation n° {} nomme un emplacement ou un défunt inconnu",
                    b.id
                ),
            ));
            continue;
        };
        let empty = (Vec::new(), Vec::new(), Vec::new());
        let (cs, bs, rs) = by_place.get(&b.emplacement).unwrap_or(&empty);
        out.extend(check_burial(b, place, cs, bs, rs, defunt));
    }
    out
}

/// The last inhumation under a concession (R2223-12 counts ten years from it).
pub fn last_burial(burials: &[Burial], concession: super::ConcessionId) -> Option<Date> {
    burials
        .iter()
        .filter(|b| b.concession == Some(concession))
        .map(|b| b.date)
        .max()
}

#[cfg(test)]
mod tests {
    use super::super::records::{Concession, Renewal, Step};
    use super::super::{Etape, EtatReprise, Nature, TypePlace};
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).expect("a date")
    }

    fn place(kind: TypePlace, capacite: u32, terrain_commun: bool) -> Place {
        Place {
            id: 10,
            zone: 1,
            allee: None,
            numero: "B-12".into(),
            kind,
            capacite,
            terrain_commun,
            x: 0,
            y: 0,
            observations: None,
        }
    }

    fn history(nature: Nature, duree: Option<u32>, start: &str) -> ConcessionHistory {
        ConcessionHistory::new(Concession {
            id: 5,
            numero_acte: "2001-0005".into(),
            emplacement: 10,
            nature,
            duree,
            date_debut: d(start),
            prix: None,
            titulaire_nom: "Roux".into(),
            titulaire_prenom: None,
            titulaire_adresse: None,
            titulaire_code_postal: None,
            titulaire_ville: None,
            ayants_droit: None,
        })
    }

    fn burial(id: i64, date: &str, concession: Option<i64>, nature: NatureInhumation) -> Burial {
        Burial {
            id,
            defunt: id,
            emplacement: 10,
            concession,
            date: d(date),
            nature,
            observations: None,
        }
    }

    fn defunt(id: i64, died: &str) -> Defunt {
        Defunt {
            id,
            nom: "Roux".into(),
            prenoms: Some("Jeanne".into()),
            date_naissance: None,
            date_deces: d(died),
            lieu_deces: None,
        }
    }

    fn rules(ps: &[Problem]) -> Vec<&'static str> {
        ps.iter().map(|p| p.rule).collect()
    }

    use NatureInhumation::{Cercueil, Urne};

    /// R2213-33: never before the death (the 24 hours and 6 days are not checked).
    #[test]
    fn r2213_33_not_before_the_death() {
        let p = place(TypePlace::Caveau, 4, false);
        let c = [history(Nature::Trentenaire, None, "2001-01-01")];
        let b = burial(1, "2010-03-04", Some(5), Cercueil);
        assert_eq!(
            check_burial(&b, &p, &c, &[], &[], &defunt(1, "2010-03-01")),
            vec![]
        );
        // Nine days after: not reported (derogations are not recorded).
        assert_eq!(
            check_burial(&b, &p, &c, &[], &[], &defunt(1, "2010-02-23")),
            vec![]
        );
        let ps = check_burial(&b, &p, &c, &[], &[], &defunt(1, "2010-03-05"));
        assert_eq!(rules(&ps), ["avant_deces"]);
        assert_eq!((ps[0].article, ps[0].field), ("R2213-33", "date"));
        assert!(ps[0].message.contains("Jeanne Roux"), "{}", ps[0].message);
    }

    /// The capacity: coffins and urns each count for one, per concession.
    #[test]
    fn capacity_counts_coffins_and_urns_alike() {
        let p = place(TypePlace::Caveau, 2, false);
        let c = [history(Nature::Perpetuelle, None, "1950-01-01")];
        let held = [
            burial(1, "1960-01-01", Some(5), Cercueil),
            burial(2, "1970-01-01", Some(5), Urne),
            // Of a former concession of the place: not counted.
            burial(3, "1940-01-01", Some(4), Cercueil),
        ];
        let new = burial(9, "2000-01-01", Some(5), Urne);
        let ps = check_burial(&new, &p, &c, &held, &[], &defunt(9, "1999-12-30"));
        assert_eq!(rules(&ps), ["capacite_depassee"]);
        assert!(
            ps[0].message.contains("en compte déjà 2"),
            "{}",
            ps[0].message
        );
        // Editing one of the two does not count it twice.
        let edited = burial(2, "1970-01-02", Some(5), Urne);
        assert_eq!(
            check_burial(&edited, &p, &c, &held, &[], &defunt(2, "1969-12-30")),
            vec![]
        );
    }

    /// L2223-13 to L2223-15: a concession of this place, in force on the day.
    #[test]
    fn l2223_15_a_concession_in_force_on_that_place() {
        let p = place(TypePlace::PleineTerre, 3, false);
        let mut c = history(Nature::Temporaire, Some(15), "2000-06-01");
        let dead = defunt(1, "2015-06-01");
        let on_expiry = burial(1, "2015-06-02", Some(5), Cercueil);
        let ps = check_burial(&on_expiry, &p, std::slice::from_ref(&c), &[], &[], &dead);
        assert_eq!(rules(&ps), ["concession_echue"]);
        assert_eq!(ps[0].article, "L2223-15");
        c.renewals.push(Renewal {
            id: 1,
            concession: 5,
            date: d("2015-05-01"),
            nature: Nature::Temporaire,
            duree: Some(15),
            date_debut: d("2015-06-01"),
            prix: None,
        });
        assert_eq!(
            check_burial(&on_expiry, &p, std::slice::from_ref(&c), &[], &[], &dead),
            vec![]
        );
        let before = burial(1, "1999-01-05", Some(5), Cercueil);
        assert_eq!(
            rules(&check_burial(
                &before,
                &p,
                &[c.clone()],
                &[],
                &[],
                &defunt(1, "1999-01-01")
            )),
            ["concession_pas_en_vigueur"]
        );
        let none = burial(1, "2016-01-05", None, Cercueil);
        let ps = check_burial(&none, &p, &[c.clone()], &[], &[], &defunt(1, "2016-01-01"));
        assert_eq!(rules(&ps), ["concession_requise"]);
        let other = burial(1, "2016-01-05", Some(6), Cercueil);
        assert_eq!(
            rules(&check_burial(
                &other,
                &p,
                &[c],
                &[],
                &[],
                &defunt(1, "2016-01-01")
            )),
            ["concession_autre_emplacement"]
        );
    }

    /// R2223-3 and R2223-5: one at a time, five years apart, no concession.
    #[test]
    fn r2223_5_the_terrain_commun_rotates_every_five_years() {
        let p = place(TypePlace::PleineTerre, 1, true);
        let held = [burial(1, "2010-04-01", None, Cercueil)];
        let early = burial(2, "2015-03-31", None, Cercueil);
        let ps = check_burial(&early, &p, &[], &held, &[], &defunt(2, "2015-03-29"));
        assert_eq!(rules(&ps), ["rotation_cinq_ans"]);
        assert!(ps[0].message.contains("01/04/2015"), "{}", ps[0].message);
        let ok = burial(2, "2015-04-01", None, Cercueil);
        assert_eq!(
            check_burial(&ok, &p, &[], &held, &[], &defunt(2, "2015-03-29")),
            vec![]
        );
        // Recorded out of order: five years before the next one too.
        let before = burial(3, "2006-01-01", None, Cercueil);
        assert_eq!(
            rules(&check_burial(
                &before,
                &p,
                &[],
                &held,
                &[],
                &defunt(3, "2005-12-30")
            )),
            ["rotation_cinq_ans"]
        );
        let conceded = burial(2, "2016-01-01", Some(5), Cercueil);
        assert_eq!(
            rules(&check_burial(
                &conceded,
                &p,
                &[],
                &held,
                &[],
                &defunt(2, "2015-12-30")
            )),
            ["terrain_commun_sans_concession"]
        );
    }

    /// L2223-17: no inhumation once the reprise is pronounced.
    #[test]
    fn l2223_17_no_burial_after_the_arrete() {
        let p = place(TypePlace::Caveau, 6, false);
        let c = [history(Nature::Perpetuelle, None, "1920-01-01")];
        let mut r = Reprise {
            id: 1,
            concession: 5,
            motif: Motif::Abandon,
            date_ouverture: d("2015-01-01"),
            etat: EtatReprise::Prononcee,
            observations: None,
            steps: vec![Step {
                id: 1,
                reprise: 1,
                etape: Etape::Arrete,
                date: d("2019-06-01"),
                observations: None,
            }],
        };
        let before = burial(1, "2019-05-31", Some(5), Cercueil);
        let after = burial(1, "2019-06-01", Some(5), Cercueil);
        let dead = defunt(1, "2019-05-29");
        assert_eq!(
            check_burial(&before, &p, &c, &[], &[r.clone()], &dead),
            vec![]
        );
        let ps = check_burial(&after, &p, &c, &[], &[r.clone()], &dead);
        assert_eq!(rules(&ps), ["concession_reprise"]);
        assert_eq!(ps[0].article, "L2223-17");
        r.etat = EtatReprise::Close;
        assert_eq!(check_burial(&after, &p, &c, &[], &[r], &dead), vec![]);
    }

    #[test]
    fn urns_only_in_a_columbarium_and_a_cavurne() {
        let p = place(TypePlace::CaseColumbarium, 4, false);
        let c = [history(Nature::Temporaire, Some(15), "2020-01-01")];
        let coffin = burial(1, "2021-01-05", Some(5), Cercueil);
        assert_eq!(
            rules(&check_burial(
                &coffin,
                &p,
                &c,
                &[],
                &[],
                &defunt(1, "2021-01-01")
            )),
            ["urnes_seulement"]
        );
        let urn = burial(1, "2021-01-05", Some(5), Urne);
        assert_eq!(
            check_burial(&urn, &p, &c, &[], &[], &defunt(1, "2021-01-01")),
            vec![]
        );
    }

    #[test]
    fn a_whole_data_set_is_checked_burial_by_burial() {
        let p = place(TypePlace::PleineTerre, 1, false);
        let c = [history(Nature::Trentenaire, None, "2000-01-01")];
        let bs = [
            burial(2, "2001-01-05", Some(5), Cercueil),
            burial(1, "2002-01-05", Some(5), Cercueil),
        ];
        let ds = [defunt(1, "2002-01-01"), defunt(2, "2001-01-01")];
        let ps = check_burials(&[p], &c, &bs, &[], &ds);
        // Each exceeds the capacity of one with the other.
        assert_eq!(rules(&ps), ["capacite_depassee", "capacite_depassee"]);
        assert_eq!((ps[0].record, ps[1].record), (1, 2));
        assert_eq!(last_burial(&bs, 5), Some(d("2002-01-05")));
    }
}
