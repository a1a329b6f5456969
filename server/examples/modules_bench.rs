//! The module engine's list benchmark (a benchmark, not a timed test): how
//! long the openScrutin `personne` list takes to answer, over HTTP, with
//! 100,000 rows, on SQLite and PostgreSQL. The acceptance asks for a p99
//! under 50 ms per page on the development machine; this owns the figures
//! behind that claim, measured through the real server rather than the SQL
//! alone, so the handlers, the rendering and the extra queries of a request
//! (the module's `enabled` check, the desk's pickers) are counted too.
//!
//! For each backend — a temporary SQLite file, and PostgreSQL when it is
//! reachable (a fresh database `urne_bench_<uuid>`, dropped at the end) —
//! it connects a [`Store`], switches openScrutin on and starts the server
//! in-process (`bench_support::serve_module`), seeds `--rows` people with
//! the engine's own `INSERT` (`module_engine::sql::insert` run by
//! `records::run`, in transactions of [`BATCH`] rows; each record is first
//! read and checked by the engine as a form would be), then
//! times `--requests` sequential requests
//! per case (after a few unrecorded warm-up ones, which also check the
//! answers): the JSON list's first page, random deep pages, the `qualite`
//! filter, a search for a common and a rare surname, a sort on another
//! column descending, the desk's HTML list for the first page, the filter
//! and the search (with the API token, which is an administrator on the
//! desk too), and the multi-module search. Each time is from sending the
//! request to the last byte of the body.
//!
//! The seeded rows skip the audit log (`records::insert` writes one audit
//! row per record, which is not what is measured here). On PostgreSQL the
//! table is then `VACUUM (ANALYZE)`d, as autovacuum does within a minute of
//! a bulk insert on a real installation (PostgreSQL 13 and later vacuum
//! after inserts too): its statistics, and the visibility map that lets an
//! index answer a count or a page's ids alone (the development machine's
//! PostgreSQL runs with `autovacuum = off`, so the bench does it). SQLite is
//! left as the server leaves it (no `ANALYZE`). `--explain` prints, for
//! each list case, the plans of the page and count statements (`EXPLAIN
//! QUERY PLAN` / `EXPLAIN (ANALYZE, BUFFERS)`) and their median time on one
//! connection, without HTTP.
//!
//! Run (builds in release; several minutes the first time):
//!
//! ```sh
//! cargo run --release -p server --example modules_bench -- \
//!     [--rows 100000] [--requests 200] [--postgres URL | --no-postgres] \
//!     [--json FILE] [--explain] [--seed N] [--keep]
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use clap::Parser;
use hdrhistogram::Histogram;
use module_engine::sql::{self, ListQuery, Param};
use module_engine::value::{fold, parse_input};
use module_engine::{Entity, Module, Value};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::{Value as Json, json};
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, Row};
mod bench_support;

use bench_support::{TOKEN, drop_pg_database, machine, pg_database, serve_module};
use urne::store::{Backend, Store, records};

/// Rows per seeding transaction.
const BATCH: usize = 5_000;
/// Unrecorded requests before each case's measured ones.
const WARM_UP: usize = 5;
/// The acceptance's target for every case, in milliseconds.
const TARGET_MS: f64 = 50.0;
/// The common surname searched (also a prénom's prefix: « Martine »).
const COMMON: &str = "martin";
/// The rare surname given to exactly [`RARE_COUNT`] people, and its search word.
const RARE: &str = "Quatrefages";
const RARE_WORD: &str = "quatrefages";
const RARE_COUNT: usize = 3;
/// Élus of a council with 100,000 or more electors (a town of 150,000
/// inhabitants has 55 councillors: CGCT L2121-2), of whom 16 adjoints.
const ELUS: usize = 55;
const ADJOINTS: usize = 16;
/// Share of the rows that are communal agents.
const AGENT_SHARE: f64 = 0.04;

#[derive(Debug, Parser)]
#[command(about = "Latency of the module lists (openScrutin personne) on SQLite and PostgreSQL")]
struct Args {
    /// People seeded.
    #[arg(long, default_value_t = 100_000)]
    rows: usize,
    /// Measured requests per case.
    #[arg(long, default_value_t = 200)]
    requests: usize,
    /// PostgreSQL server (its admin database): a fresh database is made on it.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    postgres: String,
    /// SQLite only.
    #[arg(long)]
    no_postgres: bool,
    /// Also writes the figures as JSON to this file.
    #[arg(long)]
    json: Option<std::path::PathBuf>,
    /// Prints the plans and database times of the list statements.
    #[arg(long)]
    explain: bool,
    /// Seed of the generated people and of the random pages.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// Keeps the SQLite file and the PostgreSQL database (and says where),
    /// to look at the plans by hand.
    #[arg(long)]
    keep: bool,
}

// ---------------------------------------------------------------------------
// The people: French names, mostly electors.

/// Frequent French surnames, most frequent first (drawn with Zipf weights).
const SURNAMES: &[&str] = &[
    "Martin",
    "Bernard",
    "Thomas",
    "Petit",
    "Robert",
    "Richard",
    "Durand",
    "Dubois",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Lefebvre",
    "Leroy",
    "Roux",
    "David",
    "Bertrand",
    "Morel",
    "Fournier",
    "Girard",
    "Bonnet",
    "Dupont",
    "Lambert",
    "Fontaine",
    "Rousseau",
    "Vincent",
    "Muller",
    "Lefèvre",
    "Faure",
    "André",
    "Mercier",
    "Blanc",
    "Guérin",
    "Boyer",
    "Garnier",
    "Chevalier",
    "François",
    "Legrand",
    "Gauthier",
    "Garcia",
    "Perrin",
    "Robin",
    "Clément",
    "Morin",
    "Nicolas",
    "Henry",
    "Roussel",
    "Mathieu",
    "Gautier",
    "Masson",
    "Marchand",
    "Duval",
    "Denis",
    "Dumont",
    "Marie",
    "Lemaire",
    "Noël",
    "Meyer",
    "Dufour",
    "Meunier",
    "Brun",
    "Blanchard",
    "Giraud",
    "Joly",
    "Rivière",
    "Lucas",
    "Brunet",
    "Gaillard",
    "Barbier",
    "Arnaud",
    "Martinez",
    "Gérard",
    "Roche",
    "Renard",
    "Schmitt",
    "Roy",
    "Leroux",
    "Colin",
    "Vidal",
    "Caron",
    "Picard",
    "Roger",
    "Fabre",
    "Aubert",
    "Lemoine",
    "Renaud",
    "Dumas",
    "Lacroix",
    "Olivier",
    "Philippe",
    "Bourgeois",
    "Pierre",
    "Benoît",
    "Rey",
    "Leclerc",
    "Payet",
    "Rolland",
    "Leclercq",
    "Guillaume",
    "Lecomte",
    "Lopez",
    "Jean",
    "Dupuy",
    "Guillot",
    "Hubert",
    "Berger",
    "Carpentier",
    "Sanchez",
    "Dupuis",
    "Moulin",
    "Louis",
    "Deschamps",
    "Huet",
    "Vasseur",
    "Perez",
    "Boucher",
    "Fleury",
    "Royer",
    "Klein",
    "Jacquet",
    "Adam",
    "Paris",
    "Poirier",
    "Marty",
    "Aubry",
    "Guyot",
    "Carré",
    "Charles",
    "Renault",
    "Charpentier",
    "Ménard",
    "Maillard",
    "Baron",
    "Bertin",
    "Bailly",
    "Hervé",
    "Schneider",
    "Fernandez",
    "Le Gall",
    "Collet",
    "Léger",
    "Bouvier",
    "Julien",
    "Prévost",
    "Millet",
    "Perrot",
    "Daniel",
    "Le Roux",
    "Cousin",
    "Germain",
    "Breton",
    "Besson",
    "Langlois",
    "Rémy",
    "Le Goff",
    "Pelletier",
    "Lévêque",
    "Perrier",
    "Leblanc",
    "Barré",
    "Lebrun",
    "Marchal",
    "Weber",
    "Mallet",
    "Hamon",
    "Boulanger",
    "Jacob",
    "Monnier",
    "Michaud",
    "Rodriguez",
    "Guichard",
    "Gillet",
    "Étienne",
    "Grondin",
    "Poulain",
    "Tessier",
    "Chevallier",
    "Collin",
    "Chauvin",
    "Da Silva",
    "Bouchet",
    "Gay",
    "Lemaître",
    "Bénard",
    "Maréchal",
    "Humbert",
    "Reynaud",
    "Antoine",
    "Hoarau",
    "Perret",
    "Barthélemy",
    "Cordier",
    "Pichon",
    "Lejeune",
    "Gilbert",
    "Lamy",
    "Delaunay",
    "Pasquier",
    "Carlier",
    "Laporte",
    "N'Diaye",
    "Nguyen",
    "Traoré",
    "Benali",
    "Haddad",
    "Kowalski",
    "Ferreira",
    "Dos Santos",
];

/// Syllables of the long tail of rarer surnames (Kerbrat, Valmontier…).
const HEADS: &[&str] = &[
    "Ker", "Mor", "Bel", "Beau", "Mont", "Ro", "Va", "Cha", "Bou", "Gri", "Lan", "Pel", "Ber",
    "Tes", "Vil", "Gou", "Bra", "Cas", "Dau", "Fou", "Ju", "Lor", "Que", "Sau", "Tré", "Es",
];
const MIDS: &[&str] = &[
    "", "", "", "la", "ri", "ve", "mo", "ge", "chi", "ba", "ne", "to", "su",
];
const TAILS: &[&str] = &[
    "brat", "lac", "rand", "ville", "court", "bois", "champ", "fort", "gnac", "ssard", "quier",
    "taud", "chet", "lier", "rieux", "gal", "guen", "vec", "ron", "zac", "mas", "nier", "teau",
    "det", "rel",
];

const PRENOMS: &[&str] = &[
    "Jean",
    "Marie",
    "Pierre",
    "Michel",
    "André",
    "Philippe",
    "Nathalie",
    "Isabelle",
    "Sylvie",
    "Catherine",
    "Françoise",
    "Martine",
    "Christine",
    "Monique",
    "Nicolas",
    "Julien",
    "Camille",
    "Léa",
    "Manon",
    "Chloé",
    "Emma",
    "Inès",
    "Hugo",
    "Lucas",
    "Louis",
    "Gabriel",
    "Jules",
    "Arthur",
    "Raphaël",
    "Théo",
    "Nathan",
    "Thomas",
    "Maxime",
    "Antoine",
    "Alexandre",
    "Quentin",
    "Mathieu",
    "Sébastien",
    "Stéphane",
    "Laurent",
    "Frédéric",
    "Olivier",
    "Éric",
    "David",
    "Christophe",
    "Patrick",
    "Alain",
    "Bernard",
    "Daniel",
    "Jacques",
    "Gérard",
    "René",
    "Claude",
    "Jean-Pierre",
    "Jean-Claude",
    "Marie-Claire",
    "Anne-Sophie",
    "Hélène",
    "Valérie",
    "Sandrine",
    "Céline",
    "Aurélie",
    "Émilie",
    "Julie",
    "Sophie",
    "Laura",
    "Sarah",
    "Clara",
    "Zoé",
    "Jade",
    "Louise",
    "Alice",
    "Lina",
    "Rose",
    "Ambre",
    "Mohamed",
    "Karim",
    "Yasmine",
    "Fatima",
    "Nadia",
    "Samir",
    "Mehdi",
    "Océane",
    "Élodie",
    "Mélanie",
    "Virginie",
    "Agnès",
    "Brigitte",
    "Chantal",
    "Colette",
    "Denise",
    "Odile",
    "Yvette",
    "Gilles",
    "Thierry",
    "Pascal",
    "Didier",
    "Serge",
    "Hervé",
    "Yves",
    "Lucie",
    "Pauline",
    "Margaux",
    "Noémie",
    "Anaïs",
    "Benoît",
    "Guillaume",
    "Romain",
    "Kévin",
    "Jérôme",
    "Loïc",
    "Gaëlle",
    "Maëlle",
    "Soizic",
    "Gwenaëlle",
    "Martin",
];

const SERVICES: &[&str] = &[
    "État civil",
    "Élections",
    "Services techniques",
    "Police municipale",
    "Culture",
    "Sports",
    "Enfance et jeunesse",
    "CCAS",
    "Urbanisme",
    "Finances",
    "Ressources humaines",
    "Informatique",
    "Voirie",
    "Espaces verts",
    "Communication",
    "Affaires scolaires",
    "Accueil",
    "Archives",
];

const VOIES: &[&str] = &[
    "rue Victor-Hugo",
    "avenue Jean-Jaurès",
    "rue de la République",
    "boulevard Pasteur",
    "place Gambetta",
    "avenue du Général-de-Gaulle",
    "impasse des Lilas",
    "rue de la Gare",
    "rue Jules-Ferry",
    "chemin des Vignes",
    "allée Voltaire",
    "rue des Écoles",
    "quai de la Loire",
    "rue du Moulin",
    "avenue de la Libération",
];

const DOMAINS: &[&str] = &[
    "laposte.net",
    "orange.fr",
    "free.fr",
    "gmail.com",
    "sfr.fr",
    "wanadoo.fr",
];

/// What a seeded person is.
#[derive(Debug, Clone, Copy)]
enum Who {
    /// With their rank in the tableau (1: the maire).
    Elu(usize),
    Agent,
    Electeur,
}

/// Draws surnames: the frequent ones with Zipf weights (about 60 % of the
/// people), a long tail of generated ones, some double-barrelled.
struct Names {
    cumulative: Vec<f64>,
}

impl Names {
    fn new() -> Names {
        let mut total = 0.0;
        let cumulative = (0..SURNAMES.len())
            .map(|k| {
                total += 1.0 / (k as f64 + 1.0).powf(0.9);
                total
            })
            .collect::<Vec<_>>();
        Names { cumulative }
    }

    fn frequent(&self, rng: &mut StdRng) -> &'static str {
        let top = self.cumulative.last().copied().unwrap_or(1.0);
        let x = rng.random_range(0.0..top);
        let i = self.cumulative.partition_point(|c| *c < x);
        SURNAMES[i.min(SURNAMES.len() - 1)]
    }

    fn surname(&self, rng: &mut StdRng) -> String {
        let roll = rng.random_range(0..100);
        if roll < 60 {
            self.frequent(rng).to_string()
        } else if roll < 65 {
            format!("{}-{}", self.frequent(rng), self.frequent(rng))
        } else {
            format!(
                "{}{}{}",
                pick(rng, HEADS),
                pick(rng, MIDS),
                pick(rng, TAILS)
            )
        }
    }
}

fn pick<'a>(rng: &mut StdRng, list: &[&'a str]) -> &'a str {
    list[rng.random_range(0..list.len())]
}

/// Who each of the `rows` people is, in insertion order: the élus and
/// agents scattered among the electors.
fn roles(rows: usize, rng: &mut StdRng) -> Vec<Who> {
    let elus = ELUS.min(rows);
    let mut out: Vec<Who> = (1..=elus).map(Who::Elu).collect();
    out.extend((elus..rows).map(|_| {
        if rng.random_bool(AGENT_SHARE) {
            Who::Agent
        } else {
            Who::Electeur
        }
    }));
    out.shuffle(rng);
    out
}

/// One person as a form would submit it: (field, typed text).
fn person(names: &Names, who: Who, rare: bool, rng: &mut StdRng) -> Vec<(&'static str, String)> {
    let nom = if rare {
        RARE.to_string()
    } else {
        names.surname(rng)
    };
    let prenom = pick(rng, PRENOMS).to_string();
    let mut f = vec![
        ("nom", nom.clone()),
        ("prenom", prenom.clone()),
        (
            "date_naissance",
            format!(
                "{:02}/{:02}/{}",
                rng.random_range(1..=28),
                rng.random_range(1..=12),
                rng.random_range(1930..=2007)
            ),
        ),
    ];
    let mail_name = |s: &str| fold(s).replace(' ', ".");
    match who {
        Who::Elu(rank) => {
            let fonction = match rank {
                1 => "maire",
                r if r <= 1 + ADJOINTS => "adjoint",
                _ => "conseiller",
            };
            f.push(("qualite", "elu".into()));
            f.push(("fonction_elu", fonction.into()));
            f.push(("rang_tableau", rank.to_string()));
            f.push((
                "courriel",
                format!(
                    "{}.{}@mairie-exemple.fr",
                    mail_name(&prenom),
                    mail_name(&nom)
                ),
            ));
        }
        Who::Agent => {
            f.push(("qualite", "agent".into()));
            f.push(("service", pick(rng, SERVICES).into()));
            f.push((
                "courriel",
                format!(
                    "{}.{}@mairie-exemple.fr",
                    mail_name(&prenom),
                    mail_name(&nom)
                ),
            ));
        }
        Who::Electeur => {
            f.push(("qualite", "electeur".into()));
            if rng.random_bool(0.6) {
                f.push((
                    "courriel",
                    format!(
                        "{}.{}{}@{}",
                        mail_name(&prenom),
                        mail_name(&nom),
                        rng.random_range(1..100),
                        pick(rng, DOMAINS)
                    ),
                ));
            }
        }
    }
    if rng.random_bool(0.7) {
        let lead = pick(rng, &["01", "02", "03", "04", "05", "06", "06", "07"]);
        f.push((
            "telephone",
            format!(
                "{lead} {:02} {:02} {:02} {:02}",
                rng.random_range(0..100),
                rng.random_range(0..100),
                rng.random_range(0..100),
                rng.random_range(0..100)
            ),
        ));
    }
    if rng.random_bool(0.8) {
        f.push((
            "adresse",
            format!(
                "{} {}\n13004 Valbonne-sur-Rhône",
                rng.random_range(1..180),
                pick(rng, VOIES)
            ),
        ));
    }
    f
}

/// The record's values, read and checked by the engine as a form's.
fn values(e: &Entity, typed: &[(&'static str, String)]) -> anyhow::Result<Vec<Value>> {
    let mut values = vec![Value::Null; e.fields.len()];
    for (name, text) in typed {
        let i = e
            .field_index(name)
            .ok_or_else(|| anyhow!("personne has no field {name}"))?;
        values[i] = parse_input(&e.fields[i], text)
            .map_err(|err| anyhow!("{name} = {text:?}: {}", err.message))?;
    }
    let errors = module_engine::validate::validate(e, &values);
    if !errors.is_empty() {
        bail!("generated person refused by the engine: {errors:?} ({typed:?})");
    }
    Ok(values)
}

/// Binds a statement's parameters as `records.rs` does (typed NULLs), for
/// the plans of `--explain`.
fn bind<'q>(
    mut q: Query<'q, Any, AnyArguments<'q>>,
    params: &'q [Param],
) -> Query<'q, Any, AnyArguments<'q>> {
    for p in params {
        q = match p {
            Param::Int(v) => q.bind(*v),
            Param::Text(v) => q.bind(v.as_deref()),
        };
    }
    q
}

/// Seeds `rows` people with the engine's INSERT; returns the seconds taken.
async fn seed(
    store: &Store,
    m: &Module,
    e: &Entity,
    rows: usize,
    seed: u64,
) -> anyhow::Result<f64> {
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(seed);
    let names = Names::new();
    let who = roles(rows, &mut rng);
    // The rare surname on a few electors spread over the table.
    let rare_at: Vec<usize> = (0..RARE_COUNT.min(rows))
        .map(|k| (2 * k + 1) * rows / (2 * RARE_COUNT))
        .collect();
    let now = urne::store::now_millis();
    for start in (0..rows).step_by(BATCH) {
        let (_guard, mut tx) = store.begin_write().await?;
        for (i, w) in who
            .iter()
            .enumerate()
            .take((start + BATCH).min(rows))
            .skip(start)
        {
            let w = if rare_at.contains(&i) {
                Who::Electeur
            } else {
                *w
            };
            let typed = person(&names, w, rare_at.contains(&i), &mut rng);
            let s = sql::insert(m, e, &values(e, &typed)?, now);
            records::run(&mut tx, &s)
                .await
                .with_context(|| format!("inserting person {i}"))?;
        }
        tx.commit().await?;
    }
    Ok(started.elapsed().as_secs_f64())
}

// ---------------------------------------------------------------------------
// The cases and their measure.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    /// A JSON list page; every item's `qualite` is the given one, if any,
    /// and every item's name holds the searched word, if any.
    List {
        qualite: Option<&'static str>,
        word: Option<&'static str>,
        at_least: i64,
    },
    /// A desk HTML list screen.
    Desk,
    /// `/api/search`: the `personne` hits total at least this.
    Search { at_least: i64 },
}

struct Case {
    name: &'static str,
    /// The list's query pairs (also for `--explain`), or None.
    pairs: Option<Vec<(String, String)>>,
    /// The path of each request (given the random generator).
    path: Box<dyn Fn(&mut StdRng) -> String>,
    check: Check,
}

const LIST: &str = "/api/m/scrutin/personne";
const DESK: &str = "/desk/m/scrutin/personne";

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect()
}

fn fixed(path: String) -> Box<dyn Fn(&mut StdRng) -> String> {
    Box::new(move |_| path.clone())
}

fn cases(pages: u32) -> Vec<Case> {
    let common = COMMON;
    let rare = RARE_WORD;
    vec![
        Case {
            name: "api list, page 1 (sort nom)",
            pairs: Some(vec![]),
            path: fixed(LIST.into()),
            check: Check::List {
                qualite: None,
                word: None,
                at_least: 1,
            },
        },
        Case {
            name: "api list, random page ≤ total/50",
            pairs: Some(pairs(&[("page", &pages.to_string())])),
            path: Box::new(move |rng| format!("{LIST}?page={}", rng.random_range(1..=pages))),
            check: Check::List {
                qualite: None,
                word: None,
                at_least: 1,
            },
        },
        Case {
            name: "api filter qualite=agent",
            pairs: Some(pairs(&[("qualite", "agent")])),
            path: fixed(format!("{LIST}?qualite=agent")),
            check: Check::List {
                qualite: Some("agent"),
                word: None,
                at_least: 1,
            },
        },
        Case {
            name: "api search q=martin (common)",
            pairs: Some(pairs(&[("q", common)])),
            path: fixed(format!("{LIST}?q={common}")),
            check: Check::List {
                qualite: None,
                word: Some(common),
                at_least: 100,
            },
        },
        Case {
            name: "api search q=quatrefages (rare)",
            pairs: Some(pairs(&[("q", rare)])),
            path: fixed(format!("{LIST}?q={rare}")),
            check: Check::List {
                qualite: None,
                word: Some(rare),
                at_least: 1,
            },
        },
        Case {
            name: "api sort=-prenom (descending)",
            pairs: Some(pairs(&[("sort", "-prenom")])),
            path: fixed(format!("{LIST}?sort=-prenom")),
            check: Check::List {
                qualite: None,
                word: None,
                at_least: 1,
            },
        },
        Case {
            name: "desk list, page 1",
            pairs: None,
            path: fixed(DESK.into()),
            check: Check::Desk,
        },
        Case {
            name: "desk filter qualite=agent",
            pairs: None,
            path: fixed(format!("{DESK}?qualite=agent")),
            check: Check::Desk,
        },
        Case {
            name: "desk search q=martin",
            pairs: None,
            path: fixed(format!("{DESK}?q={common}")),
            check: Check::Desk,
        },
        Case {
            name: "api/search q=martin (all modules)",
            pairs: None,
            path: fixed(format!("/api/search?q={common}")),
            check: Check::Search { at_least: 100 },
        },
        Case {
            name: "api/search q=quatrefages",
            pairs: None,
            path: fixed(format!("/api/search?q={rare}")),
            check: Check::Search { at_least: 1 },
        },
    ]
}

/// Checks an answer; returns the number of rows matched, when it says.
fn check(case: &Case, body: &[u8]) -> anyhow::Result<Option<i64>> {
    let text = String::from_utf8_lossy(body);
    match case.check {
        Check::List {
            qualite,
            word,
            at_least,
        } => {
            let j: Json = serde_json::from_slice(body).context("list: not JSON")?;
            let total = j["total"].as_i64().context("list: no total")?;
            let items = j["items"].as_array().context("list: no items")?;
            if total < at_least || items.is_empty() {
                bail!("{}: {total} rows matched, {} shown", case.name, items.len());
            }
            for it in items {
                let f = &it["fields"];
                if let Some(q) = qualite
                    && f["qualite"] != q
                {
                    bail!("{}: a row with qualite {}", case.name, f["qualite"]);
                }
                if let Some(w) = word {
                    let hay = fold(&format!(
                        "{} {} {}",
                        f["nom"].as_str().unwrap_or_default(),
                        f["prenom"].as_str().unwrap_or_default(),
                        f["service"].as_str().unwrap_or_default()
                    ));
                    if !hay.contains(w) {
                        bail!("{}: a row without « {w} »: {hay}", case.name);
                    }
                }
            }
            Ok(Some(total))
        }
        Check::Desk => {
            if !text.contains("<table") || !text.contains("Personnes") || !text.contains("fiche") {
                bail!("{}: not the desk's list screen", case.name);
            }
            Ok(None)
        }
        Check::Search { at_least } => {
            let j: Json = serde_json::from_slice(body).context("search: not JSON")?;
            let total = j["results"]
                .as_array()
                .and_then(|r| r.iter().find(|x| x["entity"] == "personne"))
                .and_then(|x| x["total"].as_i64())
                .unwrap_or(0);
            if total < at_least {
                bail!("{}: {total} people found", case.name);
            }
            Ok(Some(total))
        }
    }
}

/// One case's figures, in milliseconds.
#[derive(Debug, Clone)]
struct Figures {
    case: &'static str,
    matched: Option<i64>,
    requests: u64,
    p50: f64,
    p95: f64,
    p99: f64,
    max: f64,
}

impl Figures {
    fn ok(&self) -> bool {
        self.p99 < TARGET_MS
    }

    fn to_json(&self) -> Json {
        json!({
            "case": self.case,
            "matched": self.matched,
            "requests": self.requests,
            "p50_ms": round2(self.p50),
            "p95_ms": round2(self.p95),
            "p99_ms": round2(self.p99),
            "max_ms": round2(self.max),
            "p99_under_target": self.ok(),
        })
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

async fn get(
    http: &reqwest::Client,
    base: &str,
    path: &str,
) -> anyhow::Result<(Duration, Vec<u8>)> {
    let started = Instant::now();
    let r = http
        .get(format!("{base}{path}"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .with_context(|| format!("GET {path}"))?;
    let status = r.status();
    let body = r
        .bytes()
        .await
        .with_context(|| format!("GET {path}: body"))?;
    let took = started.elapsed();
    if status != reqwest::StatusCode::OK {
        let text = String::from_utf8_lossy(&body);
        bail!(
            "GET {path}: {status}: {}",
            text.chars().take(300).collect::<String>()
        );
    }
    Ok((took, body.to_vec()))
}

async fn measure(
    http: &reqwest::Client,
    base: &str,
    case: &Case,
    requests: usize,
    rng: &mut StdRng,
) -> anyhow::Result<Figures> {
    let mut matched = None;
    for _ in 0..WARM_UP {
        let (_, body) = get(http, base, &(case.path)(rng)).await?;
        matched = check(case, &body)?;
    }
    let mut h = Histogram::<u64>::new_with_bounds(1, 120_000_000, 3).context("histogram bounds")?;
    for _ in 0..requests {
        let (took, _) = get(http, base, &(case.path)(rng)).await?;
        let us = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        h.saturating_record(us.max(1));
    }
    let ms = |us: u64| us as f64 / 1000.0;
    Ok(Figures {
        case: case.name,
        matched,
        requests: h.len(),
        p50: ms(h.value_at_quantile(0.50)),
        p95: ms(h.value_at_quantile(0.95)),
        p99: ms(h.value_at_quantile(0.99)),
        max: ms(h.max()),
    })
}

/// Prints the plans and the database times of a list case's statements.
async fn explain(
    store: &Store,
    m: &Module,
    e: &Entity,
    name: &str,
    pairs: &[(String, String)],
) -> anyhow::Result<()> {
    let q = ListQuery::from_pairs(e, pairs).map_err(|errs| anyhow!("{name}: {errs:?}"))?;
    let (rows, count) = q.statements(m, e);
    let mut conn = store.pool().acquire().await?;
    println!("  -- {name}");
    for (what, s) in [("page", &rows), ("count", &count)] {
        let mut times = Vec::new();
        for _ in 0..21 {
            let t = Instant::now();
            bind(sqlx::query(&s.text), &s.params)
                .fetch_all(&mut *conn)
                .await?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "     {what}: median {:.2} ms: {}",
            times[times.len() / 2],
            s.text
        );
        let (prefix, col): (&str, usize) = match store.backend() {
            Backend::Sqlite => ("EXPLAIN QUERY PLAN ", 3),
            Backend::Postgres => ("EXPLAIN (ANALYZE, BUFFERS) ", 0),
        };
        let plan = format!("{prefix}{}", s.text);
        for r in bind(sqlx::query(&plan), &s.params)
            .fetch_all(&mut *conn)
            .await?
        {
            let line: String = r.try_get(col)?;
            println!("        {line}");
        }
    }
    Ok(())
}

/// One backend's run.
struct Report {
    backend: &'static str,
    seed_seconds: f64,
    figures: Vec<Figures>,
}

async fn run_backend(backend: &'static str, url: &str, args: &Args) -> anyhow::Result<Report> {
    let store = Arc::new(Store::connect(url).await.context("connecting the store")?);
    let m = catalogue::scrutin::module();
    let e = m
        .entity("personne")
        .context("openScrutin has no personne")?;
    let (running, base, http) =
        serve_module(&store, &m, urne::app::Config::default().body_limit).await?;
    println!("{backend}: seeding {} people…", args.rows);
    let seed_seconds = seed(&store, &m, e, args.rows, args.seed).await?;
    println!("{backend}: seeded in {seed_seconds:.1} s");
    if store.backend() == Backend::Postgres {
        sqlx::raw_sql(&format!("VACUUM (ANALYZE) {}", sql::table(&m, e)))
            .execute(store.pool())
            .await?;
    }
    let result = async {
        let (_, first) = get(&http, &base, LIST).await?;
        let total = serde_json::from_slice::<Json>(&first)?["total"]
            .as_i64()
            .context("no total")?;
        if total != args.rows as i64 {
            bail!("{total} people listed, {} seeded", args.rows);
        }
        let per_page = i64::from(e.list.per_page);
        let pages = u32::try_from((total + per_page - 1) / per_page).unwrap_or(u32::MAX);
        let mut rng = StdRng::seed_from_u64(args.seed ^ 0x5eed);
        let mut figures = Vec::new();
        for case in cases(pages) {
            let f = measure(&http, &base, &case, args.requests, &mut rng).await?;
            println!("{backend}: {:<36} p99 {:>7.2} ms", f.case, f.p99);
            figures.push(f);
        }
        if args.explain {
            println!("{backend}: plans");
            for case in cases(pages) {
                if let Some(p) = &case.pairs {
                    explain(&store, &m, e, case.name, p).await?;
                }
            }
        }
        Ok(figures)
    }
    .await;
    running.shutdown().await;
    store.close().await;
    Ok(Report {
        backend,
        seed_seconds,
        figures: result?,
    })
}

fn print_table(r: &Report, rows: usize) {
    println!();
    println!(
        "{} — {rows} people (seeded in {:.1} s), target p99 < {TARGET_MS} ms",
        r.backend, r.seed_seconds
    );
    println!(
        "| {:<36} | {:>7} | {:>8} | {:>8} | {:>8} | {:>8} | {:<9} |",
        "case", "matched", "p50 ms", "p95 ms", "p99 ms", "max ms", "p99 < 50"
    );
    println!(
        "|{:-<38}|{:->9}|{:->10}|{:->10}|{:->10}|{:->10}|{:-<11}|",
        "", "", "", "", "", "", ""
    );
    for f in &r.figures {
        println!(
            "| {:<36} | {:>7} | {:>8.2} | {:>8.2} | {:>8.2} | {:>8.2} | {:<9} |",
            f.case,
            f.matched.map_or(String::new(), |n| n.to_string()),
            f.p50,
            f.p95,
            f.p99,
            f.max,
            if f.ok() { "yes" } else { "NO" }
        );
    }
}

/// A fresh PostgreSQL database on the `admin` server: (its URL, its name).
#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.rows == 0 || args.requests == 0 {
        bail!("--rows and --requests must be at least 1");
    }
    let before = machine();
    println!(
        "modules_bench: {} people, {} requests per case; {before}",
        args.rows, args.requests
    );
    let mut reports = Vec::new();
    let mut skipped = None;

    let dir = tempfile::Builder::new()
        .prefix("urne-modules-bench-")
        .tempdir()
        .context("temporary directory")?;
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    reports.push(run_backend("SQLite", &url, &args).await?);
    if args.keep {
        println!("kept: {url}");
        let _ = dir.keep();
    }

    if args.no_postgres {
        skipped = Some("--no-postgres".to_string());
    } else {
        match pg_database(&args.postgres).await {
            Ok((url, name)) => {
                let r = run_backend("PostgreSQL", &url, &args).await;
                if args.keep {
                    println!("kept: {url}");
                } else {
                    drop_pg_database(&args.postgres, &name).await;
                }
                reports.push(r?);
            }
            Err(why) => skipped = Some(format!("not reachable at {}: {why}", args.postgres)),
        }
    }

    for r in &reports {
        print_table(r, args.rows);
    }
    if let Some(why) = &skipped {
        println!("\nPostgreSQL: SKIPPED ({why})");
    }
    let after = machine();
    println!("\nmachine: before {before}; after {after}");

    if let Some(path) = &args.json {
        let backends: Vec<Json> = reports
            .iter()
            .map(|r| {
                json!({
                    "backend": r.backend,
                    "seed_seconds": round2(r.seed_seconds),
                    "cases": r.figures.iter().map(Figures::to_json).collect::<Vec<_>>(),
                })
            })
            .collect();
        let doc = json!({
            "rows": args.rows,
            "requests_per_case": args.requests,
            "target_p99_ms": TARGET_MS,
            "machine_before": before,
            "machine_after": after,
            "postgres_skipped": skipped,
            "backends": backends,
        });
        std::fs::write(path, serde_json::to_string_pretty(&doc)?)
            .with_context(|| format!("writing {}", path.display()))?;
        println!("figures written to {}", path.display());
    }
    let slow: Vec<String> = reports
        .iter()
        .flat_map(|r| {
            r.figures
                .iter()
                .filter(|f| !f.ok())
                .map(move |f| format!("{}: {}", r.backend, f.case))
        })
        .collect();
    if !slow.is_empty() {
        println!("\np99 ≥ {TARGET_MS} ms: {}", slow.join("; "));
    }
    Ok(())
}
