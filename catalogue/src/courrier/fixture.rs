//! A deterministic, realistic mail registry for tests, the demo and the
//! benchmark: a commune's services, its correspondents, two years of
//! courriers arriving and leaving (numbered per year and register as the
//! engine numbers them), their diffusions and tasks, in every state of the
//! workflow — 50,000 courriers and 100,000 tasks at the benchmark's size.
//!
//! The same seed gives the same registry. Every row is sound for the
//! declaration (a test reads each file back through the engine) and for
//! the registry's own rules: a reply leaves after the courrier it answers,
//! a courrier past « enregistré » has its service, dates are in order.

use super::{Civilite, Etat, EtatTache, Nature, Sens, TypeCourrier};
use crate::date::Date;
use crate::elec::fixture::names::{FEMALE, MALE, STREET_NAMES, SURNAMES};
use crate::elec::fixture::{Rng, field, opt, table};

/// The first day of the registry: two years to the benchmark's « today ».
pub const FIRST_DAY: Date = match Date::new(2025, 1, 2) {
    Some(d) => d,
    None => panic!("a valid date"),
};

/// The day the fixture's states are drawn for (open courriers are the
/// recent ones).
pub const TODAY: Date = match Date::new(2026, 12, 1) {
    Some(d) => d,
    None => panic!("a valid date"),
};

/// The services of the fixture: (code, libellé).
pub const SERVICES: &[(&str, &str)] = &[
    ("DG", "Direction générale des services"),
    ("CAB", "Cabinet du maire"),
    ("ETAT-CIVIL", "État civil et élections"),
    ("URBA", "Urbanisme"),
    ("TECH", "Services techniques"),
    ("VOIRIE", "Voirie et réseaux"),
    ("FIN", "Finances"),
    ("RH", "Ressources humaines"),
    ("CCAS", "Centre communal d'action sociale"),
    ("SCOL", "Affaires scolaires"),
    ("PETITE-ENF", "Petite enfance"),
    ("CULT", "Culture et patrimoine"),
    ("SPORT", "Sports et vie associative"),
    ("POLICE", "Police municipale"),
    ("ENV", "Environnement et espaces verts"),
    ("CIMETIERE", "Cimetières"),
    ("MARCHES", "Commande publique"),
    ("JURID", "Affaires juridiques"),
    ("COM", "Communication"),
    ("INFO", "Systèmes d'information"),
];

const ORGANISMS: &[&str] = &[
    "Préfecture du Rhône",
    "Conseil départemental",
    "Région Auvergne-Rhône-Alpes",
    "Caisse d'allocations familiales",
    "Trésorerie municipale",
    "Syndicat des eaux",
    "Association des commerçants",
    "Comité des fêtes",
    "Club de football",
    "École élémentaire Jean-Moulin",
    "Collège Louise-Michel",
    "Entreprise Martin BTP",
    "Cabinet d'architectes Roux",
    "Enedis",
    "La Poste",
    "Office de tourisme",
];

const TOWNS: &[(&str, &str)] = &[
    ("69001", "Lyon"),
    ("69100", "Villeurbanne"),
    ("69200", "Vénissieux"),
    ("38200", "Vienne"),
    ("69390", "Vernaison"),
    ("69700", "Givors"),
    ("42000", "Saint-Étienne"),
    ("69500", "Bron"),
];

const SUBJECTS: &[(&str, TypeCourrier)] = &[
    ("Demande de permis de construire", TypeCourrier::Demande),
    ("Demande d'acte de naissance", TypeCourrier::Demande),
    ("Demande de subvention", TypeCourrier::Demande),
    (
        "Demande d'occupation du domaine public",
        TypeCourrier::Demande,
    ),
    (
        "Réclamation sur l'éclairage public",
        TypeCourrier::Reclamation,
    ),
    (
        "Réclamation sur le ramassage des ordures",
        TypeCourrier::Reclamation,
    ),
    ("Nuisances sonores", TypeCourrier::Reclamation),
    ("Nid-de-poule rue", TypeCourrier::Reclamation),
    ("Information sur les travaux", TypeCourrier::Information),
    ("Circulaire préfectorale", TypeCourrier::Information),
    (
        "Invitation à l'assemblée générale",
        TypeCourrier::Invitation,
    ),
    ("Invitation à l'inauguration", TypeCourrier::Invitation),
    ("Facture de fournitures", TypeCourrier::Facture),
    ("Facture d'électricité", TypeCourrier::Facture),
    ("Candidature spontanée", TypeCourrier::Candidature),
    ("Inscription scolaire", TypeCourrier::Demande),
    ("Concession au cimetière", TypeCourrier::Demande),
    ("Question sur les élections", TypeCourrier::Autre),
];

const TASKS: &[&str] = &[
    "Instruire la demande",
    "Rédiger la réponse",
    "Visite sur place",
    "Transmettre au maire pour signature",
    "Demander des pièces complémentaires",
    "Inscrire à l'ordre du jour",
    "Établir un devis",
    "Vérifier le dossier",
];

/// A service of the fixture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub id: i64,
    pub code: &'static str,
    pub libelle: &'static str,
    pub parent: Option<i64>,
}

/// A correspondent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub id: i64,
    pub civilite: Civilite,
    pub nom: String,
    pub prenom: Option<String>,
    pub organisme: Option<&'static str>,
    pub adresse: String,
    pub code_postal: &'static str,
    pub ville: &'static str,
}

/// A courrier with every field the file carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Courrier {
    pub id: i64,
    pub sens: Sens,
    pub annee: i32,
    pub rang: u32,
    pub date_enregistrement: Date,
    pub nature: Nature,
    pub type_courrier: TypeCourrier,
    pub contact: i64,
    pub objet: String,
    pub date_courrier: Date,
    pub date_arrivee: Option<Date>,
    pub echeance: Option<Date>,
    pub date_reponse: Option<Date>,
    pub date_cloture: Option<Date>,
    pub service: Option<i64>,
    pub relais: Option<i64>,
    pub etat: Etat,
    pub reponse_a: Option<i64>,
}

/// A diffusion row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diffusion {
    pub id: i64,
    pub courrier: i64,
    pub service: i64,
    pub ordre: u32,
    pub date_transmission: Date,
    pub pour_avis: bool,
}

/// A task row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tache {
    pub id: i64,
    pub courrier: i64,
    pub service: i64,
    pub libelle: &'static str,
    pub echeance: Date,
    pub etat: EtatTache,
    pub date_faite: Option<Date>,
}

/// A generated registry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fixture {
    pub services: Vec<Service>,
    pub contacts: Vec<Contact>,
    pub courriers: Vec<Courrier>,
    pub diffusions: Vec<Diffusion>,
    pub taches: Vec<Tache>,
}

/// A registry of `courriers` courriers (by registration date) and about
/// `tasks` tasks over [`FIRST_DAY`] to [`TODAY`].
pub fn registry(seed: u64, courriers: usize, tasks: usize) -> Fixture {
    let mut rng = Rng(seed ^ 0x636f_7572_7269_6572);
    let services: Vec<Service> = SERVICES
        .iter()
        .enumerate()
        .map(|(i, (code, libelle))| Service {
            id: i as i64 + 1,
            code,
            libelle,
            // Everything under the direction générale, but itself.
            parent: (i > 0).then_some(1),
        })
        .collect();
    let n_contacts = (courriers / 10).clamp(10, 5_000);
    let contacts: Vec<Contact> = (0..n_contacts)
        .map(|i| {
            let org = rng.chance(300);
            let female = rng.chance(500);
            let (civilite, prenom) = if org {
                (Civilite::Organisme, None)
            } else if female {
                (Civilite::Madame, Some(rng.pick(FEMALE).to_string()))
            } else {
                (Civilite::Monsieur, Some(rng.pick(MALE).to_string()))
            };
            let (cp, ville) = *rng.pick(TOWNS);
            Contact {
                id: i as i64 + 1,
                civilite,
                nom: rng.pick(SURNAMES).to_string(),
                prenom,
                organisme: org.then(|| *rng.pick(ORGANISMS)),
                adresse: format!("{} {}", rng.between(1, 180), rng.pick(STREET_NAMES)),
                code_postal: cp,
                ville,
            }
        })
        .collect();
    let span = TODAY.days() - FIRST_DAY.days();
    // Registration days, in order: numbers follow the registration order.
    let mut days: Vec<Date> = (0..courriers)
        .map(|_| FIRST_DAY.add_days(rng.below(span as u64) as i64))
        .collect();
    days.sort();
    let mut ranks: std::collections::HashMap<(Sens, i32), u32> = Default::default();
    let mut out: Vec<Courrier> = Vec::with_capacity(courriers);
    let n_services = services.len() as u64;
    for (i, day) in days.into_iter().enumerate() {
        let id = i as i64 + 1;
        // One leaving courrier in four; most answer an arrived one.
        let answered = (!out.is_empty() && rng.chance(250))
            .then(|| out[rng.below(out.len() as u64) as usize].clone())
            .filter(|a| a.sens == Sens::Arrivee && a.date_enregistrement <= day);
        let sens = if answered.is_some() || rng.chance(80) {
            Sens::Depart
        } else {
            Sens::Arrivee
        };
        let rank = ranks.entry((sens, day.year())).or_insert(0);
        *rank += 1;
        let age = TODAY.days() - day.days();
        let etat = match age {
            0..=2 if rng.chance(600) => Etat::Enregistre,
            0..=10 => *rng.pick(&[Etat::Affecte, Etat::EnTraitement, Etat::EnTraitement]),
            11..=60 => *rng.pick(&[Etat::EnTraitement, Etat::Repondu, Etat::Clos, Etat::Clos]),
            _ if rng.chance(20) => Etat::EnTraitement,
            _ => Etat::Clos,
        };
        let (objet, type_courrier) = match &answered {
            Some(a) => (format!("Réponse : {}", a.objet), TypeCourrier::Information),
            None => {
                let (s, t) = *rng.pick(SUBJECTS);
                (s.to_string(), t)
            }
        };
        let service = Some(match &answered {
            Some(a) => a.service.unwrap_or(1),
            None => rng.below(n_services) as i64 + 1,
        });
        let relais = if rng.chance(100) {
            service.map(|s| s % services.len() as i64 + 1)
        } else {
            None
        };
        let written = day.add_days(-(rng.below(6) as i64));
        let arrival =
            (sens == Sens::Arrivee).then(|| written.add_days(rng.below(4) as i64).min(day));
        let echeance = (sens == Sens::Arrivee && rng.chance(500))
            .then(|| day.add_days(15 + rng.below(45) as i64));
        let stamped =
            |rng: &mut Rng, done: bool| done.then(|| day.add_days(rng.below(20) as i64).min(TODAY));
        let date_reponse = stamped(
            &mut rng,
            matches!(etat, Etat::Repondu | Etat::Clos) && sens == Sens::Arrivee,
        );
        let date_cloture =
            stamped(&mut rng, etat == Etat::Clos).map(|c| date_reponse.map_or(c, |r| r.max(c)));
        out.push(Courrier {
            id,
            sens,
            annee: day.year(),
            rang: *rank,
            date_enregistrement: day,
            nature: rng.weighted(&[
                (Nature::Lettre, 50),
                (Nature::Courriel, 30),
                (Nature::Recommande, 8),
                (Nature::Depot, 6),
                (Nature::Fax, 1),
                (Nature::Colis, 2),
                (Nature::Interne, 3),
            ]),
            type_courrier,
            contact: answered
                .as_ref()
                .map_or_else(|| rng.below(n_contacts as u64) as i64 + 1, |a| a.contact),
            objet,
            date_courrier: written.min(day),
            date_arrivee: arrival,
            echeance,
            date_reponse,
            date_cloture,
            service: if etat == Etat::Enregistre {
                None
            } else {
                service
            },
            relais: if etat == Etat::Enregistre {
                None
            } else {
                relais
            },
            etat,
            reponse_a: answered.map(|a| a.id),
        });
    }
    let mut diffusions = Vec::new();
    let mut taches = Vec::with_capacity(tasks);
    // Tasks go to assigned courriers (a registered one has no service yet).
    let serviced = out.iter().filter(|c| c.service.is_some()).count();
    let per_mail = if serviced == 0 {
        0
    } else {
        tasks.div_ceil(serviced)
    };
    for c in &out {
        let Some(service) = c.service else { continue };
        if c.sens == Sens::Arrivee && rng.chance(400) {
            let mut taken = vec![service];
            for ordre in 1..=rng.between(1, 3) {
                let s = rng.below(n_services) as i64 + 1;
                if taken.contains(&s) {
                    continue;
                }
                taken.push(s);
                diffusions.push(Diffusion {
                    id: diffusions.len() as i64 + 1,
                    courrier: c.id,
                    service: s,
                    ordre,
                    date_transmission: c.date_enregistrement,
                    pour_avis: rng.chance(300),
                });
            }
        }
        for _ in 0..per_mail {
            if taches.len() >= tasks {
                break;
            }
            let echeance = c.date_enregistrement.add_days(5 + rng.below(40) as i64);
            let etat = if c.etat == Etat::Clos {
                *rng.pick(&[EtatTache::Faite, EtatTache::Faite, EtatTache::Annulee])
            } else {
                *rng.pick(&[EtatTache::AFaire, EtatTache::EnCours, EtatTache::Faite])
            };
            let date_faite = (etat == EtatTache::Faite).then(|| {
                c.date_enregistrement
                    .add_days(rng.below(30) as i64)
                    .min(TODAY)
            });
            taches.push(Tache {
                id: taches.len() as i64 + 1,
                courrier: c.id,
                service: if rng.chance(800) {
                    service
                } else {
                    rng.below(n_services) as i64 + 1
                },
                libelle: rng.pick::<&str>(TASKS),
                echeance,
                etat,
                date_faite,
            });
        }
    }
    Fixture {
        services,
        contacts,
        courriers: out,
        diffusions,
        taches,
    }
}

impl Fixture {
    /// The registry as five `;`-separated UTF-8 files in the order they
    /// import (services, contacts, courriers, diffusions, tasks): `id`,
    /// then one column per field (codes for choices, `YYYY-MM-DD`
    /// dates). The courriers' numbers (`annee`, `rang`, `numero`) are in
    /// the file; an import numbers the rows again, in file order, which
    /// gives the same numbers (the file is in registration order). States
    /// are columns too: the import of the desk starts every record in its
    /// first state, the benchmark's loader keeps them.
    pub fn csv(&self) -> Vec<(&'static str, String)> {
        let b = |v: bool| if v { "oui" } else { "non" }.to_string();
        // Without `parent` (nor the courriers' `reponse_a`): a reference
        // inside the file being imported names a record not stored yet.
        let services = table(
            &["id", "code", "libelle"],
            self.services
                .iter()
                .map(|s| vec![s.id.to_string(), s.code.to_string(), field(s.libelle)]),
        );
        let contacts = table(
            &[
                "id",
                "civilite",
                "nom",
                "prenom",
                "organisme",
                "adresse",
                "code_postal",
                "ville",
            ],
            self.contacts.iter().map(|c| {
                vec![
                    c.id.to_string(),
                    c.civilite.code().to_string(),
                    field(&c.nom),
                    opt(&c.prenom),
                    opt(&c.organisme),
                    field(&c.adresse),
                    c.code_postal.to_string(),
                    field(c.ville),
                ]
            }),
        );
        let courriers = table(
            &[
                "id",
                "sens",
                "numero",
                "annee",
                "rang",
                "date_enregistrement",
                "nature",
                "type_courrier",
                "contact",
                "objet",
                "date_courrier",
                "date_arrivee",
                "echeance",
                "date_reponse",
                "date_cloture",
                "service",
                "relais",
                "etat",
            ],
            self.courriers.iter().map(|c| {
                vec![
                    c.id.to_string(),
                    c.sens.code().to_string(),
                    format!("{}-{}", c.annee, c.rang),
                    c.annee.to_string(),
                    c.rang.to_string(),
                    c.date_enregistrement.to_string(),
                    c.nature.code().to_string(),
                    c.type_courrier.code().to_string(),
                    c.contact.to_string(),
                    field(&c.objet),
                    c.date_courrier.to_string(),
                    opt(&c.date_arrivee),
                    opt(&c.echeance),
                    opt(&c.date_reponse),
                    opt(&c.date_cloture),
                    opt(&c.service),
                    opt(&c.relais),
                    c.etat.code().to_string(),
                ]
            }),
        );
        let diffusions = table(
            &[
                "id",
                "courrier",
                "service",
                "ordre",
                "date_transmission",
                "pour_avis",
            ],
            self.diffusions.iter().map(|d| {
                vec![
                    d.id.to_string(),
                    d.courrier.to_string(),
                    d.service.to_string(),
                    d.ordre.to_string(),
                    d.date_transmission.to_string(),
                    b(d.pour_avis),
                ]
            }),
        );
        let taches = table(
            &[
                "id",
                "courrier",
                "service",
                "libelle",
                "echeance",
                "etat",
                "date_faite",
            ],
            self.taches.iter().map(|t| {
                vec![
                    t.id.to_string(),
                    t.courrier.to_string(),
                    t.service.to_string(),
                    field(t.libelle),
                    t.echeance.to_string(),
                    t.etat.code().to_string(),
                    opt(&t.date_faite),
                ]
            }),
        );
        vec![
            ("service", services),
            ("contact", contacts),
            ("courrier", courriers),
            ("diffusion", diffusions),
            ("tache", taches),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_registry_numbered_per_year_and_register() {
        let a = registry(3, 3_000, 6_000);
        assert_eq!(a, registry(3, 3_000, 6_000));
        assert_eq!(a.courriers.len(), 3_000);
        assert_eq!(a.taches.len(), 6_000);
        let mut last: std::collections::HashMap<(Sens, i32), u32> = Default::default();
        for c in &a.courriers {
            let r = last.entry((c.sens, c.annee)).or_insert(0);
            assert_eq!(c.rang, *r + 1, "ranks follow each other in {c:?}");
            *r = c.rang;
            assert_eq!(c.annee, c.date_enregistrement.year());
            if let Some(q) = c.reponse_a {
                let asked = &a.courriers[q as usize - 1];
                assert_eq!(asked.sens, Sens::Arrivee);
                assert!(asked.date_enregistrement <= c.date_enregistrement);
                assert_eq!(c.sens, Sens::Depart);
            }
            assert_eq!(c.etat == Etat::Enregistre, c.service.is_none());
        }
        assert!(last.len() >= 4, "two years, two registers");
        // Every state of the workflow is there.
        for e in Etat::ALL {
            assert!(a.courriers.iter().any(|c| c.etat == *e), "{e:?}");
        }
    }
}
