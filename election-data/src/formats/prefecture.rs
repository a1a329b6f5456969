//! The results file sent to the prefecture, in the ministry's XML structure.
//!
//! After the night the commune sends the prefecture the figures of every
//! bureau and the commune totals. The file follows the element names of the
//! ministry's published results XML (`Election / Departement / Commune /
//! Tours / Tour / Mentions / Resultats / Candidats | Listes`), with the
//! bureaux added under the round. Exactly:
//!
//! ```text
//! Election
//!   Scrutin: Type (CAN, DEP, EUR, LEG, MUN, PRE, REF, REG), Annee, Libelle, Date (AAAA-MM-JJ)
//!   Departement: CodDpt, LibDpt (one per département of a territory)
//!     Commune (one per commune of a territory): CodSubCom (code in the département), CodCommune (INSEE), LibSubCom,
//!              Cantons/Canton {CodCan, LibCan}*, Circonscriptions/Circonscription {CodCirLg, LibCirLg}*,
//!              NbBurVot (bureaux of the commune)
//!       Tours/Tour: NumTour, NbBurVotParvenus (bureaux counted)
//!         Mentions: commune totals (below)
//!         Resultats: Candidats/Candidat* or Listes/Liste* (below), commune totals
//!         Bureaux/Bureau*: CodBurVot, LibBurVot, CodCan?, CodCirLg?, Mentions, Resultats
//! Mentions: Inscrits {Nombre}; Abstentions, Votants {Nombre, RapportInscrit};
//!           Blancs, Nuls, Exprimes {Nombre, RapportInscrit, RapportVotant}
//! Candidat: NumPanneauCand, NomPsn, PrenomPsn, CivilitePsn (M. / Mme, when known),
//!           CodNuaCand?, NbVoix, RapportExprime, RapportInscrit
//! Liste:    NumPanneauListe, LibLis, NomTeteListe, PrenomTeteListe, CiviliteTeteListe?,
//!           CodNuaListe?, NbVoix, RapportExprime, RapportInscrit, NbSieges (commune level,
//!           only when a seat allocation is given), NbSiegesCC (the same, for the
//!           community council elected on the municipal ballot)
//! ```
//!
//! Ratios are percentages with a decimal comma and two decimals, rounded
//! half-up ([`crate::Percent`]), `0,00` when the denominator is 0. Lists are
//! used for the list ballots (municipales, communautaires, européennes,
//! régionales), candidates otherwise. Only bureaux with a procès-verbal are
//! listed; the totals are theirs. Canton and circonscription codes are the
//! perimeters' codes without their `CANTON-` / `CIRC-` prefix. The type code
//! `CAN` (cantonales, before 2015) is never produced. UTF-8, `\n`, two-space
//! indentation.
//!
//! # Seats
//!
//! [`seat_allocation`] is the allocation the file (and the printed records)
//! report for a list election whose `seats` is set; [`final_seats`] keeps it
//! only once it is the result: every bureau counted and an allocation that
//! ended ([`crate::seats::Outcome::is_final`]). Both come from the one seat
//! entry point, [`crate::seats::for_election`], whose documentation says which
//! method each kind follows and why régionales have none here.
//!
//! Régionales therefore carry no `NbSieges`. The municipales of a commune of
//! 1,000 and more with `cc_seats` carry the community seats of the same
//! allocation in `NbSiegesCC`, beside `NbSieges` for the municipal council.
//! The ministry's published XML names the community seats with the `CC`
//! suffix in its CSV (`Sièges CC`, `Sièges au CC`); the XML element name
//! `NbSiegesCC` follows that suffix, and we could not check it against a
//! published municipal XML file.

use std::collections::BTreeMap;

use super::xml::Xml;
use super::{CommuneMeta, ResultsFile, Sexe, kind_code, nn, pct_fr};
use crate::model::{Bureau, Perimeter, PerimeterKind, ProcesVerbal};
use crate::seats::{Allocation, Councils};

/// Prefix of the code of a canton perimeter.
pub const CANTON_PREFIX: &str = "CANTON-";

/// The seats of the counted bureaux' totals, through the one entry point
/// [`crate::seats::for_election`]: the council and, for the municipales of a
/// commune of 1,000 and more with `cc_seats`, the community council; `None`
/// for an election without seats. The allocation may be provisional
/// (bureaux missing) or not final (its [`crate::seats::Outcome`] says why).
pub fn seat_allocation(results: &ResultsFile) -> Option<Councils> {
    let totals = results.totals();
    crate::seats::for_election(&results.election, nn(totals.exprimes), |n| {
        nn(totals.voix_of(n))
    })
}

/// Whether every bureau of the election has a procès-verbal in `results`.
pub fn all_counted(results: &ResultsFile) -> bool {
    results.arrived().count() == results.election.bureaux.len()
}

/// The seats a file writes, panel number → seats, for each council.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FinalSeats {
    /// The election's council (`NbSieges`, `Sièges au CM`).
    pub council: BTreeMap<u32, u32>,
    /// The community council (`NbSiegesCC`, `Sièges au CC`), when elected
    /// on the same ballot.
    pub community: Option<BTreeMap<u32, u32>>,
}

impl FinalSeats {
    fn of(c: &Councils) -> FinalSeats {
        let map = |a: &Allocation| a.lists.iter().map(|l| (l.id, l.seats)).collect();
        FinalSeats {
            council: map(&c.council),
            community: c.community.as_ref().map(map),
        }
    }
}

/// The seats to write in the file: only when every bureau is counted and
/// every allocation is final.
pub fn final_seats(results: &ResultsFile) -> Option<FinalSeats> {
    if !all_counted(results) {
        return None;
    }
    let c = seat_allocation(results)?;
    c.is_final().then(|| FinalSeats::of(&c))
}

/// The seats of one commune of a territory, from its own bureaux, through
/// [`crate::seats::for_commune`] (municipales: each commune elects its
/// council): only when every bureau of the commune is counted and the
/// allocation is final; `None` for the other kinds.
pub fn final_commune_seats(results: &ResultsFile, commune: &Perimeter) -> Option<FinalSeats> {
    let e = &results.election;
    let in_commune = |b: &Bureau| e.commune_of(b).is_some_and(|c| c.code == commune.code);
    let all = e.bureaux.iter().filter(|b| in_commune(b)).count();
    if all == 0 || results.arrived().filter(|(b, _)| in_commune(b)).count() != all {
        return None;
    }
    if e.kind != crate::model::ElectionKind::Municipales {
        return None;
    }
    let totals = results.totals_where(in_commune);
    let c = crate::seats::for_commune(e, commune, nn(totals.exprimes), |n| nn(totals.voix_of(n)))?;
    c.is_final().then(|| FinalSeats::of(&c))
}

/// `(code, label)` of the perimeters of `kind`, code without `prefix`,
/// that hold one of the bureaux `keep` accepts (a one-commune election's
/// perimeters all, even those without a bureau).
fn perimeters_of_kind(
    results: &ResultsFile,
    kind: PerimeterKind,
    prefix: &str,
    keep: &dyn Fn(&Bureau) -> bool,
) -> Vec<(String, String)> {
    let e = &results.election;
    let territory = e.is_territory();
    e.perimeters
        .iter()
        .filter(|p| p.kind == kind)
        .filter(|p| {
            !territory
                || e.bureaux
                    .iter()
                    .any(|b| keep(b) && e.perimeters_of(b).contains(&p.code))
        })
        .map(|p| (local_code(p, prefix), p.name.clone()))
        .collect()
}

/// A canton's or circonscription's code in the file, without its prefix
/// (and a circonscription's without its département).
fn local_code(p: &Perimeter, prefix: &str) -> String {
    if p.kind == PerimeterKind::Circonscription {
        return super::circonscription_code(&p.code).to_string();
    }
    p.code.strip_prefix(prefix).unwrap_or(&p.code).to_string()
}

fn bureau_perimeter(
    results: &ResultsFile,
    b: &Bureau,
    kind: PerimeterKind,
    prefix: &str,
) -> Option<String> {
    let e = &results.election;
    b.perimeters
        .iter()
        .flat_map(|p| e.ancestors(p).unwrap_or_default())
        .filter_map(|c| e.perimeter(c))
        .find(|p| p.kind == kind)
        .map(|p| local_code(p, prefix))
}

fn mentions(x: &mut Xml, pv: &ProcesVerbal) {
    x.open("Mentions", &[]);
    x.open("Inscrits", &[]);
    x.text("Nombre", &pv.inscrits.to_string());
    x.close("Inscrits");
    let abstentions = pv.inscrits - pv.votants;
    for (name, n) in [("Abstentions", abstentions), ("Votants", pv.votants)] {
        x.open(name, &[]);
        x.text("Nombre", &n.to_string());
        x.text("RapportInscrit", &pct_fr(n, pv.inscrits));
        x.close(name);
    }
    for (name, n) in [
        ("Blancs", pv.blancs),
        ("Nuls", pv.nuls),
        ("Exprimes", pv.exprimes),
    ] {
        x.open(name, &[]);
        x.text("Nombre", &n.to_string());
        x.text("RapportInscrit", &pct_fr(n, pv.inscrits));
        x.text("RapportVotant", &pct_fr(n, pv.votants));
        x.close(name);
    }
    x.close("Mentions");
}

fn civilite(s: Option<Sexe>) -> &'static str {
    match s {
        Some(Sexe::M) => "M.",
        Some(Sexe::F) => "Mme",
        None => "",
    }
}

/// The results of `pv`, a commune's or one of its bureaux': the lists of
/// that commune (`commune`, its INSEE code) when they stand commune by
/// commune, every candidate otherwise.
fn resultats(
    x: &mut Xml,
    results: &ResultsFile,
    commune: &str,
    pv: &ProcesVerbal,
    seats: Option<&FinalSeats>,
) {
    let lists = results.election.kind.is_list();
    x.open("Resultats", &[]);
    x.open(if lists { "Listes" } else { "Candidats" }, &[]);
    for c in results
        .election
        .candidates
        .iter()
        .filter(|c| crate::model::Election::stands_in(c, Some(commune)))
    {
        let p = results.person(c.number);
        let voix = pv.voix_of(c.number);
        if lists {
            x.open("Liste", &[]);
            x.text("NumPanneauListe", &c.panel_number().to_string());
            x.text("LibLis", &c.name);
            x.text("NomTeteListe", &p.nom);
            x.text("PrenomTeteListe", &p.prenom);
            if p.sexe.is_some() {
                x.text("CiviliteTeteListe", civilite(p.sexe));
            }
            if let Some(n) = &c.nuance {
                x.text("CodNuaListe", n);
            }
        } else {
            x.open("Candidat", &[]);
            x.text("NumPanneauCand", &c.panel_number().to_string());
            x.text("NomPsn", &p.nom);
            x.text("PrenomPsn", &p.prenom);
            if p.sexe.is_some() {
                x.text("CivilitePsn", civilite(p.sexe));
            }
            if let Some(n) = &c.nuance {
                x.text("CodNuaCand", n);
            }
        }
        x.text("NbVoix", &voix.to_string());
        x.text("RapportExprime", &pct_fr(voix, pv.exprimes));
        x.text("RapportInscrit", &pct_fr(voix, pv.inscrits));
        if lists {
            if let Some(s) = seats.and_then(|s| s.council.get(&c.number)) {
                x.text("NbSieges", &s.to_string());
            }
            if let Some(s) = seats.and_then(|s| s.community.as_ref()?.get(&c.number)) {
                x.text("NbSiegesCC", &s.to_string());
            }
            x.close("Liste");
        } else {
            x.close("Candidat");
        }
    }
    x.close(if lists { "Listes" } else { "Candidats" });
    x.close("Resultats");
}

/// Writes the prefecture file. `seats` adds `NbSieges` (and `NbSiegesCC`)
/// to the commune's lists; pass it once the allocation is final.
/// A territory of several communes gives one `Commune` per commune (under
/// one `Departement` per département, in the order of the definition),
/// each with its own totals and bureaux, as the ministry's XML nests them;
/// a municipal territory's communes carry their own final seats
/// ([`final_commune_seats`]) whatever `seats` says.
pub fn encode(results: &ResultsFile, seats: Option<&FinalSeats>) -> Vec<u8> {
    let e = &results.election;
    let mut x = Xml::new();
    x.open("Election", &[]);
    x.open("Scrutin", &[]);
    x.text("Type", kind_code(e.kind));
    x.text("Annee", e.date.get(..4).unwrap_or_default());
    x.text("Libelle", &e.label);
    x.text("Date", &e.date);
    x.close("Scrutin");
    if e.is_territory() {
        // Communes by département, each département where its first commune is.
        let mut deps: Vec<(CommuneMeta, Vec<(&Perimeter, CommuneMeta)>)> = Vec::new();
        for commune in e.communes() {
            let Some(first) = e
                .bureaux
                .iter()
                .find(|b| e.commune_of(b).is_some_and(|c| c.code == commune.code))
            else {
                continue;
            };
            let m = results.commune_meta(first);
            match deps
                .iter_mut()
                .find(|(d, _)| d.departement_code == m.departement_code)
            {
                Some((_, v)) => v.push((commune, m)),
                None => deps.push((m.clone(), vec![(commune, m)])),
            }
        }
        for (dep, communes) in &deps {
            x.open("Departement", &[]);
            x.text("CodDpt", &dep.departement_code);
            x.text("LibDpt", &dep.departement_label);
            for (commune, m) in communes {
                let of_commune =
                    |b: &Bureau| e.commune_of(b).is_some_and(|c| c.code == commune.code);
                let own = final_commune_seats(results, commune);
                write_commune(&mut x, results, m, &of_commune, own.as_ref());
            }
            x.close("Departement");
        }
    } else {
        let m = &results.meta;
        x.open("Departement", &[]);
        x.text("CodDpt", &m.departement_code);
        x.text("LibDpt", &m.departement_label);
        write_commune(&mut x, results, m, &|_| true, seats);
        x.close("Departement");
    }
    x.close("Election");
    x.finish()
}

/// One `Commune` element: its codes, cantons and circonscriptions, totals
/// and the bureaux `in_commune` keeps.
fn write_commune(
    x: &mut Xml,
    results: &ResultsFile,
    m: &CommuneMeta,
    in_commune: &dyn Fn(&Bureau) -> bool,
    seats: Option<&FinalSeats>,
) {
    let e = &results.election;
    x.open("Commune", &[]);
    x.text("CodSubCom", &m.commune_code);
    x.text("CodCommune", &m.insee());
    x.text("LibSubCom", &m.commune_label);
    let cantons = perimeters_of_kind(results, PerimeterKind::Canton, CANTON_PREFIX, in_commune);
    if !cantons.is_empty() {
        x.open("Cantons", &[]);
        for (code, name) in &cantons {
            x.open("Canton", &[]);
            x.text("CodCan", code);
            x.text("LibCan", name);
            x.close("Canton");
        }
        x.close("Cantons");
    }
    let circs = perimeters_of_kind(
        results,
        PerimeterKind::Circonscription,
        super::CIRCONSCRIPTION_PREFIX,
        in_commune,
    );
    if !circs.is_empty() {
        x.open("Circonscriptions", &[]);
        for (code, name) in &circs {
            x.open("Circonscription", &[]);
            x.text("CodCirLg", code);
            x.text("LibCirLg", name);
            x.close("Circonscription");
        }
        x.close("Circonscriptions");
    }
    let bureaux = e.bureaux.iter().filter(|b| in_commune(b)).count();
    x.text("NbBurVot", &bureaux.to_string());
    x.open("Tours", &[]);
    x.open("Tour", &[]);
    x.text("NumTour", &e.round.to_string());
    let arrived: Vec<_> = results.arrived().filter(|(b, _)| in_commune(b)).collect();
    x.text("NbBurVotParvenus", &arrived.len().to_string());
    let totals = results.totals_where(in_commune);
    mentions(x, &totals);
    let insee = m.insee();
    resultats(x, results, &insee, &totals, seats);
    x.open("Bureaux", &[]);
    for (b, pv) in arrived {
        x.open("Bureau", &[]);
        x.text("CodBurVot", e.bureau_number(b));
        x.text("LibBurVot", &b.name);
        if let Some(c) = bureau_perimeter(results, b, PerimeterKind::Canton, CANTON_PREFIX) {
            x.text("CodCan", &c);
        }
        if let Some(c) = bureau_perimeter(
            results,
            b,
            PerimeterKind::Circonscription,
            super::CIRCONSCRIPTION_PREFIX,
        ) {
            x.text("CodCirLg", &c);
        }
        mentions(x, pv);
        resultats(x, results, &insee, pv, None);
        x.close("Bureau");
    }
    x.close("Bureaux");
    x.close("Tour");
    x.close("Tours");
    x.close("Commune");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::sample_commune;
    use crate::formats::xml::{Node, parse};
    use crate::model::ElectionKind;

    fn sample(arrived: usize) -> ResultsFile {
        ResultsFile::sample(
            crate::fixtures::with_insee(sample_commune(), "13004"),
            arrived,
        )
    }

    fn number(n: &Node, path: &[&str]) -> i64 {
        n.path(path).and_then(|n| n.text.parse().ok()).unwrap_or(-1)
    }

    #[test]
    fn a_municipal_territory_gives_each_commune_its_own_seats() {
        // The circonscription's communes as a municipal night: each commune's
        // council from its own population and bureaux (seats::for_commune).
        let e = crate::fixtures::sample_municipal_territory();
        assert_eq!(e.check(), Ok(()));
        let n = e.bureaux.len();
        let r = ResultsFile::sample(e, n);
        let root = parse(&encode(&r, None)).expect("well-formed");
        let mut totals = Vec::new();
        for dep in root.children.iter().filter(|c| c.name == "Departement") {
            for commune in dep.children.iter().filter(|c| c.name == "Commune") {
                let listes = commune
                    .path(&["Tours", "Tour", "Resultats", "Listes"])
                    .expect("Listes");
                let seats: u32 = listes
                    .children
                    .iter()
                    .filter_map(|l| l.child("NbSieges").and_then(|n| n.text.parse::<u32>().ok()))
                    .sum();
                totals.push(seats);
            }
        }
        // L.2121-2: 55 (100 000 to 149 999), 33 (10 000 to 19 999) twice,
        // 15 (500 to 1 499) of which Le Relecq's one list of 11 takes 11.
        assert_eq!(totals, [55, 33, 33, 11]);
    }

    #[test]
    fn a_territory_gives_one_commune_element_per_commune() {
        let text = include_str!("../../fixtures/ministry/circonscription-2022.csv");
        let imp = crate::formats::ministry::MinistryImport {
            header: crate::formats::ElectionHeader {
                id: "leg".into(),
                label: "Législatives".into(),
                kind: ElectionKind::Legislatives,
                round: 1,
                date: "2022-06-12".into(),
            },
            filter: crate::formats::ministry::Filter::default(),
        };
        let r = crate::formats::ministry::decode(text.as_bytes(), &imp, &mut |_, _| {})
            .expect("circonscription");
        let root = parse(&encode(&r, None)).expect("XML");
        let dep = root.child("Departement").expect("Departement");
        assert_eq!(
            dep.child("LibDpt").map(|n| n.text.as_str()),
            Some("Finistère")
        );
        let communes: Vec<_> = dep.children_named("Commune").collect();
        let codes: Vec<_> = communes
            .iter()
            .filter_map(|c| c.child("CodCommune").map(|n| n.text.as_str()))
            .collect();
        assert_eq!(codes, ["29019", "29075", "29189"]);
        assert_eq!(number(communes[1], &["NbBurVot"]), 2);
        let guipavas = r.totals_where(|b| b.code.starts_with("29075-"));
        assert_eq!(
            number(
                communes[1],
                &["Tours", "Tour", "Mentions", "Votants", "Nombre"]
            ),
            guipavas.votants
        );
        let first = communes[1]
            .path(&["Tours", "Tour", "Bureaux", "Bureau", "CodBurVot"])
            .map(|n| n.text.as_str());
        assert_eq!(first, Some("0001"), "numbered within the commune");
        assert_eq!(
            communes[1]
                .path(&["Circonscriptions", "Circonscription", "CodCirLg"])
                .map(|n| n.text.as_str()),
            Some("02")
        );
    }

    #[test]
    fn structure_and_totals() {
        let r = sample(5);
        let bytes = encode(&r, None);
        let text = String::from_utf8(bytes.clone()).expect("utf-8");
        assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Election>\n"));
        let root = parse(&bytes).expect("well-formed");
        assert_eq!(root.name, "Election");
        assert_eq!(
            root.path(&["Scrutin", "Type"]).map(|n| n.text.as_str()),
            Some("PRE")
        );
        let dep = root.child("Departement").expect("Departement");
        assert_eq!(dep.child("CodDpt").map(|n| n.text.as_str()), Some("13"));
        assert_eq!(
            dep.child("LibDpt").map(|n| n.text.as_str()),
            Some("Bouches-du-Rhône")
        );
        let commune = dep.child("Commune").expect("Commune");
        assert_eq!(
            commune.child("CodCommune").map(|n| n.text.as_str()),
            Some("13004")
        );
        assert_eq!(
            commune.path(&["Cantons"]).map(|c| c.children.len()),
            Some(2)
        );
        let tour = commune.path(&["Tours", "Tour"]).expect("Tour");
        assert_eq!(number(tour, &["NbBurVotParvenus"]), 5);
        let bureaux = tour.child("Bureaux").expect("Bureaux");
        assert_eq!(bureaux.children.len(), 5);
        // Commune totals are the sums of the bureaux.
        for m in ["Inscrits", "Votants", "Blancs", "Nuls", "Exprimes"] {
            let total = number(tour, &["Mentions", m, "Nombre"]);
            let sum: i64 = bureaux
                .children
                .iter()
                .map(|b| number(b, &["Mentions", m, "Nombre"]))
                .sum();
            assert_eq!(total, sum, "{m}");
        }
        let t = r.totals();
        assert_eq!(
            tour.path(&["Mentions", "Votants", "RapportInscrit"])
                .map(|n| n.text.clone()),
            Some(pct_fr(t.votants, t.inscrits))
        );
        let cands = tour.path(&["Resultats", "Candidats"]).expect("Candidats");
        assert_eq!(cands.children.len(), 12);
        for c in &cands.children {
            for f in [
                "NumPanneauCand",
                "NomPsn",
                "PrenomPsn",
                "NbVoix",
                "RapportExprime",
                "RapportInscrit",
            ] {
                assert!(c.child(f).is_some(), "{f}");
            }
            assert!(c.child("NbSieges").is_none());
        }
        assert_eq!(
            bureaux.children[0].child("CodCan").map(|n| n.text.as_str()),
            Some("1")
        );
    }

    #[test]
    fn lists_carry_seats_when_given() {
        let mut r = sample(34);
        r.election.kind = ElectionKind::Municipales;
        let seats: BTreeMap<u32, u32> = r
            .election
            .candidates
            .iter()
            .map(|c| (c.number, c.number % 3))
            .collect();
        let seats = FinalSeats {
            council: seats,
            community: None,
        };
        let root = parse(&encode(&r, Some(&seats))).expect("well-formed");
        assert_eq!(
            root.path(&["Scrutin", "Type"]).map(|n| n.text.as_str()),
            Some("MUN")
        );
        let listes = root
            .path(&[
                "Departement",
                "Commune",
                "Tours",
                "Tour",
                "Resultats",
                "Listes",
            ])
            .expect("Listes");
        for l in &listes.children {
            assert_eq!(l.name, "Liste");
            let n: u32 = l
                .child("NumPanneauListe")
                .and_then(|n| n.text.parse().ok())
                .unwrap_or(0);
            assert_eq!(
                l.child("NbSieges").map(|s| s.text.clone()),
                Some((n % 3).to_string())
            );
        }
        // Bureau lists never carry seats.
        let bureau = root
            .path(&[
                "Departement",
                "Commune",
                "Tours",
                "Tour",
                "Bureaux",
                "Bureau",
                "Resultats",
                "Listes",
                "Liste",
            ])
            .expect("bureau list");
        assert!(bureau.child("NbSieges").is_none());
    }

    #[test]
    fn final_seats_follow_the_kind_and_need_every_bureau() {
        let mut r = sample(34);
        r.election.kind = ElectionKind::Municipales;
        r.election.round = 2;
        r.election.seats = Some(33);
        let seats = final_seats(&r).expect("final");
        assert_eq!(seats.council.values().sum::<u32>(), 33);
        assert_eq!(seats.community, None);
        let a = seat_allocation(&r).expect("allocated").council;
        let winner = a.winner.expect("a winner in round 2");
        assert!(seats.council[&winner] >= 17, "bonus of 17 plus its share");
        let root = parse(&encode(&r, Some(&seats))).expect("well-formed");
        let listes = root
            .path(&[
                "Departement",
                "Commune",
                "Tours",
                "Tour",
                "Resultats",
                "Listes",
            ])
            .expect("Listes");
        let written: u32 = listes
            .children
            .iter()
            .filter_map(|l| l.child("NbSieges").and_then(|n| n.text.parse::<u32>().ok()))
            .sum();
        assert_eq!(written, 33);
        assert!(
            listes
                .children
                .iter()
                .all(|l| l.child("NbSiegesCC").is_none())
        );

        // With community seats, the same voix fill both councils.
        let mut both = r.clone();
        both.election.cc_seats = Some(9);
        let seats = final_seats(&both).expect("final");
        let community = seats.community.clone().expect("community seats");
        assert_eq!(community.values().sum::<u32>(), 9);
        assert!(community[&winner] >= 5, "bonus of 5 plus its share");
        let root = parse(&encode(&both, Some(&seats))).expect("well-formed");
        let listes = root
            .path(&[
                "Departement",
                "Commune",
                "Tours",
                "Tour",
                "Resultats",
                "Listes",
            ])
            .expect("Listes");
        for l in &listes.children {
            let n: u32 = l
                .child("NumPanneauListe")
                .and_then(|n| n.text.parse().ok())
                .unwrap_or(0);
            let cc = l
                .child("NbSiegesCC")
                .and_then(|n| n.text.parse::<u32>().ok());
            assert_eq!(cc, community.get(&n).copied(), "list {n}");
        }

        // Provisional (a bureau missing): nothing final to write.
        let mut partial = r.clone();
        partial.pvs.remove("0001");
        assert_eq!(final_seats(&partial), None);
        assert!(seat_allocation(&partial).is_some());
        // Régionales and uninominal ballots: no seats from a commune.
        r.election.kind = ElectionKind::Regionales;
        assert_eq!(seat_allocation(&r), None);
        r.election.kind = ElectionKind::Presidentielle;
        assert_eq!(final_seats(&r), None);
        r.election.kind = ElectionKind::Europeennes;
        assert_eq!(
            final_seats(&r).map(|s| s.council.values().sum::<u32>()),
            Some(33)
        );
        r.election.seats = None;
        assert_eq!(seat_allocation(&r), None);
    }

    #[test]
    fn is_deterministic_and_escapes() {
        let mut r = sample(3);
        r.election.label = "Présidentielle <test> & \"co\"".into();
        let a = encode(&r, None);
        assert_eq!(a, encode(&r, None));
        let root = parse(&a).expect("well-formed");
        assert_eq!(
            root.path(&["Scrutin", "Libelle"]).map(|n| n.text.as_str()),
            Some("Présidentielle <test> & \"co\"")
        );
    }
}
