//! Sample data: a real-shaped commune and plausible procès-verbaux.
//!
//! The demo plays its election night on this commune and the tests use it as
//! their standard case, so both exercise the same shapes a real commune has:
//! 34 bureaux of 650 to 1,450 inscrits in quartiers and villages, two cantons
//! overlapping them, twelve candidates and two turnout hours. The PVs are
//! generated deterministically from a seed (SplitMix64, no IO, no `rand`), and
//! always satisfy every blocking rule.

use crate::model::{
    Bureau, Candidate, CandidateVoix, Election, Perimeter, PerimeterKind, ProcesVerbal,
    TurnoutReading,
};

const SAMPLE_COMMUNE: &str = include_str!("../fixtures/sample-commune.json");
const SAMPLE_MUNICIPALES: &str = include_str!("../fixtures/sample-municipales.json");

/// Contours of the sample commune's bureaux (GeoJSON), as
/// [`crate::map::generate::contours`] draws them with seed 7; the map
/// tests check the file is exactly that. Regenerate with
/// `cargo run -p election-data --example sample_contours`.
pub const SAMPLE_CONTOURS: &str = include_str!("../fixtures/sample-contours.geojson");

/// The sample commune: Valbonne-sur-Rhône, présidentielle 2027, 1st round.
pub fn sample_commune() -> Election {
    // The fixture is part of the crate and checked by the tests; a parse
    // failure is a build defect, not an input error.
    #[allow(clippy::expect_used)]
    serde_json::from_str(SAMPLE_COMMUNE).expect("embedded sample commune is valid JSON")
}

/// The same commune's municipal election: five lists for 39 seats.
pub fn sample_municipales() -> Election {
    #[allow(clippy::expect_used)]
    serde_json::from_str(SAMPLE_MUNICIPALES).expect("embedded sample municipales is valid JSON")
}

/// `election` with its commune perimeter coded by the INSEE code `insee`
/// (the files that name the commune by its code need one).
pub fn with_insee(mut election: Election, insee: &str) -> Election {
    let Some(root) = election.perimeters.iter().position(|p| p.parent.is_none()) else {
        return election;
    };
    let old = std::mem::replace(&mut election.perimeters[root].code, insee.to_string());
    for p in &mut election.perimeters {
        if p.parent.as_deref() == Some(old.as_str()) {
            p.parent = Some(insee.to_string());
        }
    }
    for b in &mut election.bureaux {
        for code in &mut b.perimeters {
            if *code == old {
                *code = insee.to_string();
            }
        }
    }
    election
}

/// A territory of several communes: the 2nd circonscription of the
/// Finistère at the législatives of June 2027, 1st round — part of Brest
/// (two quartiers) and three whole communes, 20 bureaux numbered within
/// their commune (`29019-0001`, `29075-0001`…), nine candidates and two
/// turnout hours. The demo plays it beside the sample commune.
pub fn sample_circonscription() -> Election {
    let root = "CIRC-29-02";
    // (INSEE, name, its quartiers: (code, name, bureaux); "" for none).
    type Quartiers = &'static [(&'static str, &'static str, usize)];
    let communes: [(&str, &str, Quartiers); 4] = [
        (
            "29019",
            "Brest",
            &[
                ("BELLEVUE", "Bellevue", 5),
                ("LAMBEZELLEC", "Lambézellec", 4),
            ],
        ),
        ("29075", "Guipavas", &[("", "", 4)]),
        ("29189", "Plougastel-Daoulas", &[("", "", 4)]),
        ("29235", "Le Relecq-Kerhuon", &[("", "", 3)]),
    ];
    let mut perimeters = vec![Perimeter {
        code: root.into(),
        name: "2e circonscription du Finistère".into(),
        kind: PerimeterKind::Circonscription,
        parent: None,
        population: None,
        cc_seats: None,
    }];
    let mut bureaux = Vec::new();
    let mut rng = SplitMix::new(2902);
    for (insee, name, quartiers) in communes {
        perimeters.push(Perimeter {
            code: insee.into(),
            name: name.into(),
            kind: PerimeterKind::Commune,
            parent: Some(root.into()),
            population: None,
            cc_seats: None,
        });
        let mut n = 0;
        for (q, qname, count) in quartiers {
            let quartier = (!q.is_empty()).then(|| format!("Q-{insee}-{q}"));
            if let Some(code) = &quartier {
                perimeters.push(Perimeter {
                    code: code.clone(),
                    name: (*qname).into(),
                    kind: PerimeterKind::Quartier,
                    parent: Some(insee.into()),
                    population: None,
                    cc_seats: None,
                });
            }
            for _ in 0..*count {
                n += 1;
                bureaux.push(Bureau {
                    code: format!("{insee}-{n:04}"),
                    name: format!("Bureau {n:04}"),
                    address: None,
                    inscrits: u32::try_from(rng.between(780, 1380)).unwrap_or(1000),
                    perimeters: vec![quartier.clone().unwrap_or_else(|| insee.to_string())],
                });
            }
        }
    }
    let candidates = [
        ("Maëlle LE GALL", "UG", "#e4007c"),
        ("Yann KERMARREC", "ENS", "#ffd600"),
        ("Anne MORVAN", "LR", "#0066cc"),
        ("Loïc QUÉMÉNEUR", "RN", "#0d378a"),
        ("Nolwenn CARADEC", "ECO", "#00a86b"),
        ("Gwenaël LE ROUX", "REG", "#8c564b"),
        ("Soizic TANGUY", "DVG", "#ff8fab"),
        ("Erwan BIHAN", "REC", "#4b2e83"),
        ("Katell PRIGENT", "EXG", "#bb0000"),
    ]
    .iter()
    .enumerate()
    .map(|(i, (name, nuance, colour))| Candidate {
        number: u32::try_from(i + 1).unwrap_or(u32::MAX),
        name: (*name).into(),
        nuance: Some((*nuance).into()),
        colour: (*colour).into(),
        list_size: None,
        cc_list_size: None,
        commune: None,
        panel: None,
        sexe: None,
    })
    .collect();
    Election {
        id: "legislatives-2027-29-02-t1".into(),
        label: "Législatives 2027 — 2e circonscription du Finistère — 1er tour".into(),
        kind: crate::model::ElectionKind::Legislatives,
        round: 1,
        date: "2027-06-13".into(),
        turnout_hours: vec!["12:00".into(), "17:00".into()],
        embargo: None,
        double_entry: false,
        seats: None,
        cc_seats: None,
        previous: None,
        perimeters,
        bureaux,
        candidates,
    }
}

/// The same four communes as one municipal night of their intercommunalité
/// (as a prefecture follows it): each commune elects its own council on its
/// own lists (numbered from 1 on its panels), from its own population, and
/// its community councillors on the same ballot, the commune of 600
/// inhabitants excepted (L.273-11). Brest has a community list shorter than
/// its share, and Le Relecq-Kerhuon (under 1,000) an incomplete list.
pub fn sample_municipal_territory() -> Election {
    let mut e = sample_circonscription();
    e.id = "municipales-2026-bmo-t1".into();
    e.label = "Municipales 2026 — Brest métropole (4 communes) — 1er tour".into();
    e.kind = crate::model::ElectionKind::Municipales;
    e.date = "2026-03-15".into();
    if let Some(root) = e.perimeters.iter_mut().find(|p| p.parent.is_none()) {
        root.code = "EPCI-BMO".into();
        root.name = "Brest métropole".into();
        root.kind = PerimeterKind::Epci;
    }
    // (INSEE, population, community seats, lists: (name, nuance, colour)).
    type Lists = &'static [(&'static str, &'static str, &'static str)];
    let communes: [(&str, u32, Option<u32>, Lists); 4] = [
        (
            "29019",
            139_619,
            Some(40),
            &[
                ("Brest au cœur", "LUG", "#e4007c"),
                ("Brest demain", "LDVC", "#0066cc"),
                ("Brest écologie", "LECO", "#00a86b"),
                ("Brest d'abord", "LRN", "#0d378a"),
            ],
        ),
        (
            "29075",
            15_112,
            Some(5),
            &[
                ("Guipavas ensemble", "LDIV", "#ff8f00"),
                ("Agir pour Guipavas", "LDVD", "#3f51b5"),
            ],
        ),
        (
            "29189",
            14_010,
            Some(4),
            &[
                ("Plougastel en commun", "LDVG", "#ff8fab"),
                ("Plougastel avenir", "LDVD", "#4b2e83"),
                ("Plougastel citoyen", "LDIV", "#8c564b"),
            ],
        ),
        (
            "29235",
            600,
            None,
            &[("Vivre au Relecq", "LDIV", "#607d8b")],
        ),
    ];
    e.candidates.clear();
    for (insee, population, cc, lists) in communes {
        if let Some(p) = e.perimeters.iter_mut().find(|p| p.code == insee) {
            p.population = Some(population);
            p.cc_seats = cc;
            p.parent = Some("EPCI-BMO".into());
        }
        for (k, (name, nuance, colour)) in lists.iter().enumerate() {
            let mut c = Candidate::new(
                u32::try_from(e.candidates.len() + 1).unwrap_or(u32::MAX),
                *name,
                *colour,
            );
            c.nuance = Some((*nuance).into());
            c.commune = Some(insee.into());
            c.panel = Some(u32::try_from(k + 1).unwrap_or(u32::MAX));
            e.candidates.push(c);
        }
    }
    // Brest's second list names 12 community candidates, fewer than its
    // share of the 40 seats may be; Le Relecq's one list 11 for 15 seats.
    e.candidates[1].cc_list_size = Some(12);
    e.candidates[9].list_size = Some(11);
    e
}

/// A larger territory built on the sample commune's election: `bureaux`
/// bureaux of 900 to 1,400 inscrits, `candidates` candidates, and a deeper
/// tree — the territory, 2 circonscriptions, 8 cantons, and a commune-sized
/// area (kind `quartier`) for every 5 bureaux — so each bureau counts in
/// four perimeters. For measuring frames on more than one commune's night.
pub fn large_territory(bureaux: usize, candidates: usize) -> Election {
    let mut e = sample_commune();
    e.id = format!("territoire-{bureaux}-{candidates}");
    e.label = format!("Territoire de {bureaux} bureaux");
    let area = |i: usize| format!("A-{:03}", i / 5);
    let canton = |a: usize| format!("CANTON-{}", a % 8 + 1);
    let circ = |c: usize| format!("CIRC-{}", c % 2 + 1);
    let mut perimeters = vec![Perimeter {
        code: "TERRITOIRE".into(),
        name: "Territoire".into(),
        kind: PerimeterKind::Commune,
        parent: None,
        population: None,
        cc_seats: None,
    }];
    perimeters.extend((0..2).map(|c| Perimeter {
        code: circ(c),
        name: format!("Circonscription {}", c + 1),
        kind: PerimeterKind::Circonscription,
        parent: Some("TERRITOIRE".into()),
        population: None,
        cc_seats: None,
    }));
    perimeters.extend((0..8).map(|k| Perimeter {
        code: canton(k),
        name: format!("Canton {}", k + 1),
        kind: PerimeterKind::Canton,
        parent: Some(circ(k)),
        population: None,
        cc_seats: None,
    }));
    perimeters.extend((0..bureaux.div_ceil(5)).map(|a| Perimeter {
        code: area(a * 5),
        name: format!("Secteur {}", a + 1),
        kind: PerimeterKind::Quartier,
        parent: Some(canton(a)),
        population: None,
        cc_seats: None,
    }));
    e.perimeters = perimeters;
    let mut rng = SplitMix::new(bureaux as u64);
    e.bureaux = (0..bureaux)
        .map(|i| Bureau {
            code: format!("{:04}", i + 1),
            name: format!("Bureau {}", i + 1),
            address: None,
            inscrits: u32::try_from(rng.between(900, 1400)).unwrap_or(1000),
            perimeters: vec![area(i)],
        })
        .collect();
    e.candidates = (0..candidates)
        .map(|i| Candidate {
            number: u32::try_from(i + 1).unwrap_or(u32::MAX),
            name: format!("Candidat {}", i + 1),
            nuance: None,
            colour: "#777777".into(),
            list_size: None,
            cc_list_size: None,
            commune: None,
            panel: None,
            sexe: None,
        })
        .collect();
    e
}

/// SplitMix64: a tiny, well-distributed deterministic generator.
#[derive(Debug, Clone)]
pub struct SplitMix(u64);

impl SplitMix {
    pub fn new(seed: u64) -> SplitMix {
        SplitMix(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi` (per-mille resolution is all the samples need).
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        lo + self.next_u64() % (hi - lo + 1)
    }
}

/// National-looking shares of exprimés, in tenths of a percent, by panel order.
const BASE_SHARES: [u64; 12] = [6, 23, 210, 18, 46, 8, 278, 48, 31, 232, 71, 20];
/// Shares for a five-list municipal ballot won in the first round.
const LIST_SHARES: [u64; 5] = [540, 130, 190, 80, 60];

/// A consistent PV for `bureau`: participation 62–82 %, 1–2.5 % blancs,
/// 0.5–1.5 % nuls, candidate shares varied around [`BASE_SHARES`].
pub fn sample_pv(election: &Election, bureau: &Bureau, seed: u64) -> ProcesVerbal {
    let mut rng = SplitMix::new(seed ^ u64::from(bureau.inscrits).rotate_left(17));
    let inscrits = u64::from(bureau.inscrits);
    let votants = inscrits * rng.between(620, 820) / 1000;
    let blancs = votants * rng.between(10, 25) / 1000;
    let nuls = votants * rng.between(5, 15) / 1000;
    let exprimes = votants - blancs - nuls;

    // The bureau's own ballot: its commune's lists when they stand commune
    // by commune.
    let ballot = election.ballot(bureau);
    let weights: Vec<u64> = ballot
        .iter()
        .enumerate()
        .map(|(i, _)| {
            let shares: &[u64] = if ballot.len() <= LIST_SHARES.len() {
                &LIST_SHARES
            } else {
                &BASE_SHARES
            };
            shares.get(i).copied().unwrap_or(20) * rng.between(70, 130)
        })
        .collect();
    let total_weight: u64 = weights.iter().sum::<u64>().max(1);
    let mut voix: Vec<CandidateVoix> = ballot
        .iter()
        .zip(&weights)
        .map(|(c, w)| CandidateVoix {
            candidate: c.number,
            voix: i64::try_from(exprimes * w / total_weight).unwrap_or(0),
        })
        .collect();
    // Hand the rounding remainder to the candidates in turn, so Σ voix = exprimés.
    let given: i64 = voix.iter().map(|v| v.voix).sum();
    let mut rest = i64::try_from(exprimes).unwrap_or(0) - given;
    let n = voix.len();
    let mut k = 0;
    while rest > 0 && n > 0 {
        voix[k % n].voix += 1;
        rest -= 1;
        k += 1;
    }
    let to_i = |v: u64| i64::try_from(v).unwrap_or(0);
    ProcesVerbal {
        inscrits: to_i(inscrits),
        votants: to_i(votants),
        blancs: to_i(blancs),
        nuls: to_i(nuls),
        exprimes: to_i(exprimes),
        voix,
        turnout: Vec::new(),
    }
}

/// Turnout readings consistent with `pv`: about 30–40 % of the final votants
/// at the first hour and 80–90 % at the second.
pub fn sample_turnout(election: &Election, pv: &ProcesVerbal, seed: u64) -> Vec<TurnoutReading> {
    let mut rng = SplitMix::new(seed);
    let n = election.turnout_hours.len() as u64;
    let mut last = 0;
    election
        .turnout_hours
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let i = i as u64 + 1;
            let share = (i * 900 / n.max(1))
                .saturating_sub(rng.between(0, 80))
                .max(300);
            let votants = (pv.votants * i64::try_from(share).unwrap_or(0) / 1000).max(last);
            last = votants;
            TurnoutReading {
                hour: h.clone(),
                votants,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::{check_pv, check_turnout};

    #[test]
    fn municipales_sample_is_sound() {
        let e = sample_municipales();
        assert_eq!(e.check(), Ok(()));
        assert_eq!(e.seats, Some(39));
        for (i, b) in e.bureaux.iter().enumerate() {
            let pv = sample_pv(&e, b, i as u64);
            assert!(check_pv(&e, b, &pv, None).errors.is_empty());
        }
    }

    #[test]
    fn the_large_territory_is_sound() {
        let e = large_territory(200, 20);
        assert_eq!(e.check(), Ok(()));
        assert_eq!(e.perimeters_of(&e.bureaux[0]).len(), 4);
        let pv = sample_pv(&e, &e.bureaux[7], 7);
        assert!(check_pv(&e, &e.bureaux[7], &pv, None).errors.is_empty());
    }

    #[test]
    fn samples_are_valid() {
        let e = sample_commune();
        for (i, b) in e.bureaux.iter().enumerate() {
            let mut pv = sample_pv(&e, b, i as u64);
            let r = check_pv(&e, b, &pv, None);
            assert!(r.errors.is_empty() && r.warnings.is_empty(), "{:?}", r);
            pv.turnout = sample_turnout(&e, &pv, i as u64);
            assert!(check_pv(&e, b, &pv, None).errors.is_empty());
            assert!(
                check_turnout(&e, b, &pv.turnout, Some(&pv))
                    .errors
                    .is_empty()
            );
        }
    }
}
