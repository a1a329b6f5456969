//! openCimetière: the commune's cemeteries — their zones and places
//! (« emplacements »), the concessions granted on them and their renewals,
//! the défunts and their inhumations, and the procedures by which the
//! commune takes a place back (« reprise »).
//!
//! This file owns the module's declaration for the engine ([`module`]:
//! nine entities, their per-record rules, rights, saved queries and the
//! letter announcing a concession's end), the codes of its choices
//! ([`TypePlace`], [`Nature`], [`NatureInhumation`], [`Motif`],
//! [`EtatReprise`], [`Etape`]) and the [`Problem`] every rule over
//! several records reports. The engine sees one record at a time; what
//! needs several is in the submodules, as pure functions over the plain
//! structs of [`records`], which the server fills from the tables:
//!
//! - [`term`]: a concession's end date and its renewals (L2223-14, L2223-15);
//! - [`burial`]: whether a place may receive an inhumation (R2213-33,
//!   R2223-3, R2223-5, capacity, a concession in force, no reprise pronounced);
//! - [`reprise`]: the order and delays of the steps of a reprise
//!   (L2223-15, L2223-17, R2223-12 to R2223-21);
//! - [`plan`]: the state of each place and the cemetery's plan, places
//!   free per zone, concessions coming to their end;
//! - [`fixture`]: a deterministic, realistic data set for tests and the demo;
//! - [`en`]: the English of every text of the declaration.
//!
//! # Code général des collectivités territoriales: what is encoded
//!
//! - **L2223-14** (categories of concessions): temporaires « pour quinze
//!   ans au plus », trentenaires, cinquantenaires, perpétuelles. A
//!   temporaire has a `duree` of 5 to 15 years, the others none; the lower
//!   bound of 5 years is the rotation of the terrain commun (R2223-5),
//!   below which a concession would give less than the free grave: it is
//!   the catalogue's choice, not the law's. The end date (`date_fin`) is
//!   derived: start + 30, + 50 or + `duree` years, none for a perpétuelle.
//! - **L2223-15** (renewal and expiry): a concession is renewable at the
//!   tariff in force; the new period runs from the expiry of the previous
//!   one whatever the date it is asked, and may be asked until two years
//!   after expiry; the commune may take the place back only « deux années
//!   révolues après l'expiration ». See [`term`] and [`reprise`].
//! - **L2223-17, L2223-18, R2223-12 to R2223-21** (reprise of a concession
//!   in a state of abandon): after thirty years of existence and ten years
//!   after the last inhumation, the constat by procès-verbal (the family
//!   told a month ahead), its notification and posting, a second
//!   procès-verbal three years later, the council's deliberation a month
//!   after its notification, the mayor's arrêté, the removal of the
//!   materials thirty days after its publication. See [`reprise`].
//! - **R2213-33** (delay of the inhumation), **R2223-3** (one grave per
//!   inhumation in the terrain commun), **R2223-5** (graves reopened « de
//!   cinq années en cinq années »): see [`burial`].
//!
//! Everything of the submodules is a report for the desk and the
//! conservateur, not a refusal by the engine: only the unique sets, the
//! bounds and the per-record rules below are enforced on every save; the
//! server runs [`term::check_renewal`], [`burial::check_burial`] and
//! [`reprise::check_step`] before it stores a renewal, an inhumation or a
//! step, with the rows they need.
//!
//! Not modelled: exhumations and « réductions de corps » (which free room
//! in a place), transfers of a défunt, the conversion of a concession into
//! a longer one (L2223-16), the ossuary (L2223-4) and the jardin du
//! souvenir, tariffs (a price is typed on each act).

pub mod burial;
pub mod en;
pub mod fixture;
pub mod plan;
pub mod records;
pub mod reprise;
pub mod term;

use module_engine::schema::{
    Action, Entity, Field, Letter, Module, ModuleRole, Rights, SavedQuery, States,
};
use module_engine::{FieldError, Record, Value};
use serde::Serialize;

pub use crate::date::Date;
pub use burial::{check_burial, check_burials, last_burial};
pub use fixture::Fixture;
pub use plan::{
    Cell, PlaceState, Plan, ZoneBox, ZoneRow, expiring, free_places_by_zone, layout,
    place_problems, place_state, place_states, zone_problems,
};
pub use records::{
    Burial, Cemetery, Concession, ConcessionHistory, Defunt, Place, Renewal, Reprise, Step, Zone,
};
pub use reprise::{ConcessionFacts, check_reprises, check_step, may_act, reached};
pub use term::{check_renewal, current_end, end_date};

/// A record id of the `cimetiere` table.
pub type CemeteryId = i64;
/// A record id of the `zone` table.
pub type ZoneId = i64;
/// A record id of the `emplacement` table.
pub type PlaceId = i64;
/// A record id of the `concession` table.
pub type ConcessionId = i64;
/// A record id of the `renouvellement` table.
pub type RenewalId = i64;
/// A record id of the `defunt` table.
pub type DefuntId = i64;
/// A record id of the `inhumation` table.
pub type BurialId = i64;
/// A record id of the `reprise` table.
pub type RepriseId = i64;
/// A record id of the `etape_reprise` table.
pub type StepId = i64;

// `choices!` is openScrutin's (`scrutin.rs`), in scope here through the
// `#[macro_use]` on `mod scrutin` in `lib.rs`.
choices! {
    /// What a place is built as.
    enum TypePlace, TYPES_EMPLACEMENT {
        PleineTerre = ("pleine_terre", "Pleine terre"),
        Caveau = ("caveau", "Caveau"),
        /// A niche of a columbarium: urns only.
        CaseColumbarium = ("case_columbarium", "Case de columbarium"),
        /// A small vault in the ground for urns.
        Cavurne = ("cavurne", "Cavurne"),
    }
}

impl TypePlace {
    /// A niche or a cavurne receives urns only.
    pub fn urns_only(self) -> bool {
        matches!(self, TypePlace::CaseColumbarium | TypePlace::Cavurne)
    }
}

choices! {
    /// The categories of concessions of L2223-14.
    enum Nature, NATURES_CONCESSION {
        /// Fifteen years at most (`duree`).
        Temporaire = ("temporaire", "Temporaire (quinze ans au plus)"),
        Trentenaire = ("trentenaire", "Trentenaire"),
        Cinquantenaire = ("cinquantenaire", "Cinquantenaire"),
        Perpetuelle = ("perpetuelle", "Perpétuelle"),
    }
}

impl Nature {
    /// Its length in years (a temporaire's is its `duree`; None: perpétuelle).
    pub fn years(self, duree: Option<u32>) -> Option<u32> {
        match self {
            Nature::Temporaire => duree,
            Nature::Trentenaire => Some(30),
            Nature::Cinquantenaire => Some(50),
            Nature::Perpetuelle => None,
        }
    }
}

/// The natures a renewal may take: a perpétuelle is not renewed.
pub const NATURES_RENOUVELLEMENT: &[(&str, &str)] = &[
    NATURES_CONCESSION[0],
    NATURES_CONCESSION[1],
    NATURES_CONCESSION[2],
];

choices! {
    /// What is buried: each counts for one in a place's capacity.
    enum NatureInhumation, NATURES_INHUMATION {
        Cercueil = ("cercueil", "Cercueil"),
        Urne = ("urne", "Urne cinéraire"),
    }
}

choices! {
    /// Why the commune takes a place back.
    enum Motif, MOTIFS_REPRISE {
        /// L2223-15: two years after the expiry of a concession not renewed.
        NonRenouvellement = ("non_renouvellement", "Concession échue non renouvelée"),
        /// L2223-17 and L2223-18: a concession of thirty years or more, abandoned.
        Abandon = ("abandon", "Concession en état d'abandon"),
    }
}

choices! {
    /// The states of a reprise (the first is a new one's).
    enum EtatReprise, ETATS_REPRISE {
        Engagee = ("engagee", "Engagée"),
        Constatee = ("constatee", "Abandon constaté (1er procès-verbal)"),
        Reconstatee = ("reconstatee", "Abandon constaté à nouveau (2d procès-verbal)"),
        Deliberee = ("deliberee", "Reprise décidée par le conseil municipal"),
        Prononcee = ("prononcee", "Reprise prononcée par arrêté du maire"),
        Executee = ("executee", "Reprise exécutée"),
        /// Dropped (the family renewed or restored the grave).
        Close = ("close", "Procédure abandonnée"),
    }
}

impl EtatReprise {
    /// Still under way (neither executed nor dropped).
    pub fn is_open(self) -> bool {
        !matches!(self, EtatReprise::Executee | EtatReprise::Close)
    }
}

choices! {
    /// The dated steps of a reprise, in their order.
    enum Etape, ETAPES_REPRISE {
        /// R2223-13: the family told a month ahead of the constat.
        AvisFamille = ("avis_famille", "Avis à la famille (un mois avant le constat)"),
        /// R2223-13 and R2223-14: the first procès-verbal of abandon.
        PvConstat = ("pv_constat", "Procès-verbal de constat d'abandon"),
        /// R2223-15 and R2223-16: the procès-verbal notified and posted.
        NotificationPv = ("notification_pv", "Notification et affichage du procès-verbal"),
        /// L2223-17 and R2223-18: three years after the publicity of the first.
        SecondPv = ("second_pv", "Second procès-verbal (trois ans après)"),
        /// L2223-17 and R2223-19: the council decides the reprise.
        Deliberation = ("deliberation", "Délibération du conseil municipal"),
        /// L2223-17 and R2223-20: the mayor's arrêté of reprise.
        Arrete = ("arrete", "Arrêté du maire prononçant la reprise"),
        /// R2223-21: thirty days after the publication of the arrêté.
        Enlevement = ("enlevement", "Enlèvement des matériaux"),
    }
}

// ---------------------------------------------------------------------------
// What the rules over several records report.

/// Something the desk or the conservateur should look at, found by a rule
/// over several records (a renewal against its concession, an inhumation
/// against its place, a step against its procedure).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// A stable code for the API and exports (`capacite_depassee`…).
    pub rule: &'static str,
    /// The article of the CGCT behind it (« L2223-15 »); empty for a rule
    /// of the commune's own or for the coherence of the data.
    pub article: &'static str,
    /// The field of the record checked it concerns, to show it on the form.
    pub field: &'static str,
    /// The record checked (0 for one not yet stored).
    pub record: i64,
    /// What is wrong and what to do, in French.
    pub message: String,
}

impl Problem {
    pub(crate) fn new(
        rule: &'static str,
        article: &'static str,
        field: &'static str,
        record: i64,
        message: String,
    ) -> Problem {
        Problem {
            rule,
            article,
            field,
            record,
            message,
        }
    }

    /// The problem as the engine's field error, for the form or the API's
    /// `errors` (the article closes the message).
    pub fn field_error(&self) -> FieldError {
        let message = if self.article.is_empty() || self.message.contains(self.article) {
            self.message.clone()
        } else {
            format!("{} (art. {})", self.message, self.article)
        };
        FieldError {
            field: self.field.to_string(),
            rule: self.rule,
            message,
        }
    }
}

// ---------------------------------------------------------------------------
// The declaration.

/// The module's own roles.
const CONSERVATEUR: &str = "conservateur";
const AGENT: &str = "agent_cimetiere";

/// Who does everything: the administrator, the desk and the conservateur.
const MANAGERS: [&str; 3] = ["admin", "desk", CONSERVATEUR];
/// Who reads everything: the managers and the agents of the cemetery.
const READERS: [&str; 4] = ["admin", "desk", CONSERVATEUR, AGENT];

/// Read by the agents, managed by the managers.
fn managed() -> Rights {
    Rights {
        read: READERS.to_vec(),
        create: MANAGERS.to_vec(),
        update: MANAGERS.to_vec(),
        delete: MANAGERS.to_vec(),
    }
}

/// Read and created by the agents too (défunts, inhumations).
fn entered_by_agents() -> Rights {
    Rights {
        create: READERS.to_vec(),
        ..managed()
    }
}

/// The module's name (URLs, tables).
pub const NAME: &str = "cimetiere";

/// The openCimetière module's declaration.
pub fn module() -> Module {
    Module {
        name: NAME,
        label: "openCimetière — concessions et sépultures",
        description: "Cimetières de la commune : zones et emplacements sur le plan, concessions \
                      (art. L2223-13 à L2223-15 du CGCT) et leurs renouvellements, défunts et \
                      inhumations, reprises des concessions échues ou en état d'abandon \
                      (art. L2223-17, R2223-12 à R2223-21).",
        entities: vec![
            cimetiere(),
            zone(),
            emplacement(),
            concession(),
            renouvellement(),
            defunt(),
            inhumation(),
            reprise_entity(),
            etape_reprise(),
        ],
        queries: queries(),
        letters: letters(),
        roles: vec![
            ModuleRole {
                code: CONSERVATEUR,
                label: "Conservateur du cimetière",
            },
            ModuleRole {
                code: AGENT,
                label: "Agent du cimetière",
            },
        ],
        en: en::EN,
    }
}

fn cimetiere() -> Entity {
    Entity::new("cimetiere", "Cimetières", "un cimetière")
        .field(
            Field::text("nom", "Nom", 120)
                .required()
                .help("Par exemple « Cimetière communal du Centre »."),
        )
        .field(Field::text("adresse", "Adresse", 200))
        .field(
            Field::text("commune", "Commune", 120)
                .help("Pour un cimetière d'une commune déléguée ou intercommunal ; facultatif."),
        )
        .field(
            Field::integer("plan_largeur", "Largeur du plan")
                .range(Some(1), Some(100_000))
                .section("Plan")
                .help("En unités du plan (par exemple en mètres) : les zones s'y placent."),
        )
        .field(
            Field::integer("plan_hauteur", "Hauteur du plan")
                .range(Some(1), Some(100_000))
                .section("Plan"),
        )
        .title(&["nom"])
        .columns(&["nom", "adresse", "commune"])
        .sort("nom", false)
        .search(&["nom", "adresse", "commune"])
        .unique(&["nom"], "un autre cimetière porte ce nom")
        .rights(managed())
}

fn zone() -> Entity {
    Entity::new("zone", "Zones", "une zone")
        .field(Field::reference("cimetiere", "Cimetière", "cimetiere").required())
        .field(
            Field::text("code", "Code", 20)
                .required()
                .pattern("[A-Za-z0-9_-]+", "lettres, chiffres, tirets")
                .help("Par exemple « A », « C3 » : unique dans le cimetière."),
        )
        .field(
            Field::text("nom", "Nom", 120)
                .help("Par exemple « Carré des Tilleuls », « Columbarium »."),
        )
        .field(
            Field::integer("x", "Abscisse")
                .required()
                .range(Some(0), Some(100_000))
                .section("Place sur le plan")
                .help(
                    "Coin supérieur gauche de la zone sur le plan du cimetière, en unités du plan.",
                ),
        )
        .field(
            Field::integer("y", "Ordonnée")
                .required()
                .range(Some(0), Some(100_000))
                .section("Place sur le plan"),
        )
        .field(
            Field::integer("largeur", "Largeur")
                .required()
                .range(Some(1), Some(100_000))
                .section("Place sur le plan"),
        )
        .field(
            Field::integer("hauteur", "Hauteur")
                .required()
                .range(Some(1), Some(100_000))
                .section("Place sur le plan")
                .help("La zone tient dans le plan du cimetière (vérifié à l'enregistrement)."),
        )
        .title(&["code", "nom"])
        .columns(&["cimetiere", "code", "nom", "largeur", "hauteur"])
        .sort("code", false)
        .filters(&["cimetiere"])
        .search(&["code", "nom"])
        .unique(
            &["code", "cimetiere"],
            "ce cimetière a déjà une zone de ce code",
        )
        .rights(managed())
}

fn emplacement() -> Entity {
    Entity::new("emplacement", "Emplacements", "un emplacement")
        .field(Field::reference("zone", "Zone", "zone").required())
        .field(
            Field::text("allee", "Allée", 60)
                .help("Allée ou rang, par exemple « Allée 3 » ; facultatif."),
        )
        .field(
            Field::text("numero", "Numéro", 20)
                .required()
                .help("Le numéro de l'emplacement, unique dans sa zone, par exemple « B-127 »."),
        )
        .field(
            Field::choice("type", "Type", TYPES_EMPLACEMENT)
                .required()
                .help("Une case de columbarium ou une cavurne ne reçoit que des urnes."),
        )
        .field(
            Field::integer("capacite", "Capacité")
                .required()
                .range(Some(1), Some(12))
                .help(
                    "Le nombre de cercueils ou d'urnes qu'il peut recevoir : chaque cercueil et \
                     chaque urne compte pour un.",
                ),
        )
        .field(Field::boolean("terrain_commun", "Terrain commun").help(
            "Une fosse du terrain commun, sans concession : une seule inhumation à la fois, en \
             pleine terre (art. R2223-3), la fosse n'étant rouverte que cinq ans après \
             (art. R2223-5).",
        ))
        .field(
            Field::integer("x", "Colonne")
                .required()
                .range(Some(0), Some(10_000))
                .section("Place sur le plan")
                .help("Colonne de l'emplacement dans la grille de sa zone (0 pour la première)."),
        )
        .field(
            Field::integer("y", "Rang")
                .required()
                .range(Some(0), Some(10_000))
                .section("Place sur le plan")
                .help("Rang de l'emplacement dans la grille de sa zone (0 pour le premier)."),
        )
        .field(Field::long_text("observations", "Observations", 2000))
        .title(&["numero", "allee"])
        .columns(&[
            "zone",
            "allee",
            "numero",
            "type",
            "capacite",
            "terrain_commun",
        ])
        .sort("numero", false)
        .filters(&["zone", "type", "terrain_commun"])
        .search(&["numero", "allee", "observations"])
        .unique(
            &["numero", "zone"],
            "cette zone a déjà un emplacement de ce numéro",
        )
        .unique(
            &["x", "y", "zone"],
            "un autre emplacement occupe déjà cette case de la grille de la zone",
        )
        .rule("terrain_commun_une_fosse", common_ground_is_one_grave)
        .rights(managed())
}

fn duree_field() -> Field {
    Field::integer("duree", "Durée (années)")
        .range(Some(5), Some(15))
        .help(
            "Pour une concession temporaire seulement : de 5 à 15 ans (quinze ans au plus, \
             art. L2223-14).",
        )
}

fn concession() -> Entity {
    Entity::new("concession", "Concessions", "une concession")
        .field(
            Field::text("numero_acte", "Numéro de l'acte", 30)
                .required()
                .help("Le numéro de l'acte de concession, par exemple « 2024-0137 »."),
        )
        .field(Field::reference("emplacement", "Emplacement", "emplacement").required())
        .field(
            Field::choice("nature", "Nature", NATURES_CONCESSION)
                .required()
                .help("Les catégories de l'art. L2223-14 que la commune a instituées."),
        )
        .field(duree_field())
        .field(
            Field::date("date_debut", "Date de l'acte")
                .required()
                .help("La durée de la concession court à partir de cette date."),
        )
        .field(Field::date("date_fin", "Échéance").help(
            "Calculée : l'acte plus 30 ans (trentenaire), 50 ans (cinquantenaire) ou sa durée \
             (temporaire) ; vide pour une perpétuelle. Les renouvellements la prolongent.",
        ))
        .field(
            Field::decimal("prix", "Prix (€)", 2)
                .range(Some(0), Some(100_000_000))
                .help("En euros, au tarif en vigueur à la date de l'acte."),
        )
        .field(
            Field::text("titulaire_nom", "Nom", 100)
                .required()
                .section("Titulaire"),
        )
        .field(Field::text("titulaire_prenom", "Prénom", 100).section("Titulaire"))
        .field(Field::text("titulaire_adresse", "Adresse", 200).section("Titulaire"))
        .field(
            Field::text("titulaire_code_postal", "Code postal", 5)
                .pattern("[0-9]{5}", "cinq chiffres")
                .section("Titulaire"),
        )
        .field(Field::text("titulaire_ville", "Ville", 120).section("Titulaire"))
        .field(
            Field::long_text("ayants_droit", "Ayants droit", 2000)
                .section("Ayants droit")
                .help(
                    "Les personnes qui ont droit à y être inhumées (le titulaire, son conjoint, \
                     ses descendants…), une par ligne.",
                ),
        )
        .title(&["numero_acte"])
        .columns(&[
            "numero_acte",
            "emplacement",
            "nature",
            "date_debut",
            "date_fin",
            "titulaire_nom",
        ])
        .sort("date_debut", true)
        .filters(&["nature", "emplacement"])
        .search(&[
            "numero_acte",
            "titulaire_nom",
            "titulaire_prenom",
            "ayants_droit",
        ])
        .unique(
            &["numero_acte"],
            "un autre acte de concession porte ce numéro",
        )
        .rule("duree_selon_nature", duree_by_nature)
        .derive("date_fin", derived_end)
        .rights(managed())
}

fn renouvellement() -> Entity {
    Entity::new("renouvellement", "Renouvellements", "un renouvellement")
        .field(Field::reference("concession", "Concession", "concession").required())
        .field(Field::date("date", "Date de la demande").required().help(
            "Au plus tard deux ans après l'échéance de la période précédente \
                     (art. L2223-15).",
        ))
        .field(
            Field::choice("nature", "Nature", NATURES_RENOUVELLEMENT)
                .required()
                .help("Une concession perpétuelle ne se renouvelle pas."),
        )
        .field(duree_field())
        .field(
            Field::date("date_debut", "Point de départ")
                .required()
                .help(
                    "L'échéance de la période précédente : le renouvellement court à partir de \
                     cette date, quelle que soit la date de la demande (art. L2223-15).",
                ),
        )
        .field(
            Field::date("date_fin", "Nouvelle échéance")
                .help("Calculée à partir du point de départ, de la nature et de la durée."),
        )
        .field(
            Field::decimal("prix", "Prix (€)", 2)
                .range(Some(0), Some(100_000_000))
                .help("Au tarif en vigueur à la date du renouvellement."),
        )
        .title(&["concession", "date_debut"])
        .columns(&[
            "concession",
            "date",
            "nature",
            "date_debut",
            "date_fin",
            "prix",
        ])
        .sort("date", true)
        .filters(&["concession", "nature"])
        .unique(
            &["date_debut", "concession"],
            "cette concession a déjà un renouvellement à partir de cette date",
        )
        .rule("duree_selon_nature", duree_by_nature)
        .rule("demande_dans_le_delai", renewal_asked_in_time)
        .derive("date_fin", derived_end)
        .rights(managed())
}

fn defunt() -> Entity {
    Entity::new("defunt", "Défunts", "un défunt")
        .field(Field::text("nom", "Nom", 100).required())
        .field(Field::text("prenoms", "Prénoms", 150))
        .field(Field::date("date_naissance", "Date de naissance"))
        .field(Field::date("date_deces", "Date du décès").required())
        .field(
            Field::text("lieu_deces", "Lieu du décès", 120)
                .help("Commune du décès, tel que sur l'acte de décès."),
        )
        .title(&["nom", "prenoms"])
        .columns(&[
            "nom",
            "prenoms",
            "date_naissance",
            "date_deces",
            "lieu_deces",
        ])
        .sort("date_deces", true)
        .search(&["nom", "prenoms", "lieu_deces"])
        .rule("naissance_avant_deces", born_before_death)
        .rights(entered_by_agents())
}

fn inhumation() -> Entity {
    Entity::new("inhumation", "Inhumations", "une inhumation")
        .field(Field::reference("defunt", "Défunt", "defunt").required())
        .field(Field::reference("emplacement", "Emplacement", "emplacement").required())
        .field(
            Field::reference("concession", "Concession", "concession")
                .help("Vide pour une inhumation en terrain commun."),
        )
        .field(Field::date("date", "Date de l'inhumation").required().help(
            "Vingt-quatre heures au moins et six jours au plus après le décès, sauf dérogation \
             du préfet (art. R2213-33) ; jamais avant le décès (vérifié à l'enregistrement).",
        ))
        .field(
            Field::choice("nature", "Nature", NATURES_INHUMATION)
                .required()
                .help("Un cercueil ou une urne : chacun compte pour un dans la capacité."),
        )
        .field(Field::long_text("observations", "Observations", 2000))
        .title(&["defunt", "date"])
        .columns(&["date", "defunt", "emplacement", "concession", "nature"])
        .sort("date", true)
        .filters(&["emplacement", "concession", "nature"])
        .search(&["observations"])
        .rights(entered_by_agents())
}

fn action(
    name: &'static str,
    label: &'static str,
    from: &[&'static str],
    to: &'static str,
) -> Action {
    Action {
        name,
        label,
        from: from.to_vec(),
        to,
        roles: MANAGERS.to_vec(),
        stamp: None,
    }
}

fn reprise_entity() -> Entity {
    Entity::new("reprise", "Reprises", "une procédure de reprise")
        .field(Field::reference("concession", "Concession", "concession").required())
        .field(
            Field::choice("motif", "Motif", MOTIFS_REPRISE)
                .required()
                .help(
                    "Échue non renouvelée : reprise deux ans après l'échéance (art. L2223-15) ; \
                     en état d'abandon : constats et délibération (art. L2223-17).",
                ),
        )
        .field(
            Field::date("date_ouverture", "Date d'ouverture")
                .required()
                .help("Le jour où la procédure est engagée ; ses étapes viennent après."),
        )
        .field(Field::choice("etat", "État", ETATS_REPRISE).help(
            "Change par les actions (constater, délibérer, prononcer, exécuter, abandonner), \
             une fois l'étape correspondante enregistrée.",
        ))
        .field(Field::long_text("observations", "Observations", 2000))
        .title(&["concession", "motif"])
        .columns(&["concession", "motif", "date_ouverture", "etat"])
        .sort("date_ouverture", true)
        .filters(&["etat", "motif", "concession"])
        .search(&["observations"])
        .states(States {
            field: "etat",
            actions: vec![
                action(
                    "constater",
                    "Constater l'abandon (1er procès-verbal)",
                    &["engagee"],
                    "constatee",
                ),
                action(
                    "reconstater",
                    "Constater à nouveau l'abandon (2d procès-verbal)",
                    &["constatee"],
                    "reconstatee",
                ),
                action(
                    "deliberer",
                    "Enregistrer la délibération du conseil municipal",
                    &["reconstatee"],
                    "deliberee",
                ),
                // From engagée for a concession échue (no procès-verbal).
                action(
                    "prononcer",
                    "Prononcer la reprise (arrêté du maire)",
                    &["engagee", "deliberee"],
                    "prononcee",
                ),
                action(
                    "executer",
                    "Exécuter la reprise",
                    &["prononcee"],
                    "executee",
                ),
                action(
                    "abandonner",
                    "Abandonner la procédure",
                    &[
                        "engagee",
                        "constatee",
                        "reconstatee",
                        "deliberee",
                        "prononcee",
                    ],
                    "close",
                ),
            ],
        })
        .rights(managed())
}

fn etape_reprise() -> Entity {
    Entity::new(
        "etape_reprise",
        "Étapes des reprises",
        "une étape de reprise",
    )
    .field(Field::reference("reprise", "Procédure de reprise", "reprise").required())
    .field(
        Field::choice("etape", "Étape", ETAPES_REPRISE)
            .required()
            .help(
                "Dans l'ordre : avis à la famille, procès-verbal, notification, second \
                     procès-verbal trois ans après, délibération un mois après, arrêté, \
                     enlèvement trente jours après ; pour une concession échue, l'arrêté deux \
                     ans après l'échéance, puis l'enlèvement.",
            ),
    )
    .field(
        Field::date("date", "Date")
            .required()
            .help("Les délais se comptent de date à date (vérifiés à l'enregistrement)."),
    )
    .field(Field::long_text("observations", "Observations", 2000))
    .title(&["reprise", "etape"])
    .columns(&["reprise", "etape", "date"])
    .sort("date", false)
    .filters(&["reprise", "etape"])
    .search(&["observations"])
    .unique(
        &["etape", "reprise"],
        "cette étape est déjà enregistrée pour cette procédure",
    )
    .rights(managed())
}

fn queries() -> Vec<SavedQuery> {
    let readers = || READERS.to_vec();
    vec![
        SavedQuery {
            name: "concessions_par_nature",
            label: "Concessions d'une nature",
            entity: "concession",
            fixed: vec![],
            params: vec!["nature"],
            roles: readers(),
        },
        SavedQuery {
            name: "inhumations_emplacement",
            label: "Inhumations d'un emplacement",
            entity: "inhumation",
            fixed: vec![],
            params: vec!["emplacement"],
            roles: readers(),
        },
        // A saved query's conditions are equalities: « en cours » is
        // several states, so one query per state that waits on the desk.
        SavedQuery {
            name: "reprises_engagees",
            label: "Reprises en cours : engagées",
            entity: "reprise",
            fixed: vec![("etat", "engagee")],
            params: vec![],
            roles: readers(),
        },
        SavedQuery {
            name: "reprises_prononcees",
            label: "Reprises en cours : prononcées, à exécuter",
            entity: "reprise",
            fixed: vec![("etat", "prononcee")],
            params: vec![],
            roles: readers(),
        },
        SavedQuery {
            name: "reprises_par_etat",
            label: "Reprises par état",
            entity: "reprise",
            fixed: vec![],
            params: vec!["etat"],
            roles: readers(),
        },
    ]
}

/// The notice of a concession's end, to its holder (mail merge over the
/// concessions the server's [`plan::expiring`] lists).
fn letters() -> Vec<Letter> {
    vec![Letter {
        name: "avis_echeance",
        label: "Avis d'échéance de concession",
        entity: "concession",
        heading: "Votre concession n° {numero_acte} arrive à échéance",
        body: "{titulaire_prenom} {titulaire_nom}, {titulaire_adresse}, {titulaire_code_postal} {titulaire_ville}\n\n\
               Madame, Monsieur,\n\n\
               La concession de l'emplacement {emplacement} du cimetière communal, dont vous êtes titulaire, arrive à échéance le {date_fin}.\n\n\
               Vous pouvez la renouveler au tarif en vigueur au moment du renouvellement ; la nouvelle période court à partir de cette échéance (art. L2223-15 du code général des collectivités territoriales).\n\n\
               Le renouvellement peut être demandé jusqu'à deux ans après l'échéance. Passé ce délai, la commune pourra reprendre l'emplacement.\n\n\
               Le service du cimetière se tient à votre disposition pour toute précision.\n\n\
               Veuillez agréer, Madame, Monsieur, l'expression de mes salutations distinguées.",
        signature: "Le maire",
        roles: MANAGERS.to_vec(),
    }]
}

// ---------------------------------------------------------------------------
// Per-record rules (the engine runs them once the fields read and the
// required ones are filled) and the derived end date.

fn nature_of(r: &Record<'_>) -> Option<Nature> {
    r.text("nature").and_then(Nature::from_code)
}

fn date_of(r: &Record<'_>, field: &str) -> Option<Date> {
    r.text(field).and_then(Date::parse)
}

fn duree_of(r: &Record<'_>) -> Option<u32> {
    r.int("duree").and_then(|d| u32::try_from(d).ok())
}

/// `date_fin` of a concession or a renewal: start plus its years.
fn derived_end(r: &Record<'_>) -> Value {
    match (nature_of(r), date_of(r, "date_debut")) {
        (Some(nature), Some(start)) => term::end_date(nature, duree_of(r), start)
            .map_or(Value::Null, |d| Value::Text(d.to_string())),
        _ => Value::Null,
    }
}

/// L2223-14: a temporaire has a duration (bounded by the field), the
/// others none.
fn duree_by_nature(r: &Record<'_>) -> Vec<FieldError> {
    let temporaire = nature_of(r) == Some(Nature::Temporaire);
    match (temporaire, r.get("duree").is_null()) {
        (true, true) => vec![r.error(
            "duree",
            "duree_selon_nature",
            "obligatoire pour une concession temporaire : de 5 à 15 ans (art. L2223-14)",
        )],
        (false, false) => vec![r.error(
            "duree",
            "duree_selon_nature",
            "seulement pour une concession temporaire : la durée d'une trentenaire ou d'une \
             cinquantenaire tient à sa nature, une perpétuelle n'en a pas",
        )],
        _ => vec![],
    }
}

/// L2223-15 (at most two years after the previous expiry, which is the
/// renewal's start) and the commune's earliest date, on the record alone.
fn renewal_asked_in_time(r: &Record<'_>) -> Vec<FieldError> {
    match (date_of(r, "date"), date_of(r, "date_debut")) {
        (Some(asked), Some(start)) => term::window_problem(asked, start, 0)
            .map(|p| p.field_error())
            .into_iter()
            .collect(),
        _ => vec![],
    }
}

/// R2223-3: a grave of the terrain commun holds one body, in the ground.
fn common_ground_is_one_grave(r: &Record<'_>) -> Vec<FieldError> {
    if !r.flag("terrain_commun") {
        return vec![];
    }
    let mut out = Vec::new();
    if r.text("type") != Some(TypePlace::PleineTerre.code()) {
        out.push(r.error(
            "type",
            "terrain_commun_une_fosse",
            "un emplacement du terrain commun est une fosse en pleine terre (art. R2223-3)",
        ));
    }
    if r.int("capacite").is_some_and(|c| c != 1) {
        out.push(r.error(
            "capacite",
            "terrain_commun_une_fosse",
            "une fosse du terrain commun reçoit une seule inhumation à la fois : capacité 1 \
             (art. R2223-3)",
        ));
    }
    out
}

fn born_before_death(r: &Record<'_>) -> Vec<FieldError> {
    match (date_of(r, "date_naissance"), date_of(r, "date_deces")) {
        (Some(born), Some(died)) if born > died => vec![r.error(
            "date_naissance",
            "naissance_avant_deces",
            format!("la naissance précède le décès (le {})", died.fr()),
        )],
        _ => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use module_engine::Kind;

    #[test]
    fn the_declaration_is_sound() {
        let problems = module().check();
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn enum_codes_are_the_declared_choices() {
        let m = module();
        let kind = |e: &str, f: &str| {
            m.entity(e)
                .and_then(|e| e.field_named(f))
                .map(|f| f.kind.clone())
        };
        assert_eq!(
            kind("emplacement", "type"),
            Some(Kind::Enum(TYPES_EMPLACEMENT))
        );
        assert_eq!(
            kind("concession", "nature"),
            Some(Kind::Enum(NATURES_CONCESSION))
        );
        assert_eq!(
            kind("renouvellement", "nature"),
            Some(Kind::Enum(NATURES_RENOUVELLEMENT))
        );
        assert_eq!(kind("reprise", "etat"), Some(Kind::Enum(ETATS_REPRISE)));
        assert_eq!(
            kind("etape_reprise", "etape"),
            Some(Kind::Enum(ETAPES_REPRISE))
        );
        for (n, (code, label)) in Nature::ALL.iter().zip(NATURES_CONCESSION) {
            assert_eq!((n.code(), n.label()), (*code, *label));
        }
        assert!(
            NATURES_RENOUVELLEMENT
                .iter()
                .all(|(c, _)| Nature::from_code(c).is_some_and(|n| n != Nature::Perpetuelle))
        );
        assert_eq!(Etape::ALL.len(), 7);
        assert!(TypePlace::Cavurne.urns_only() && !TypePlace::Caveau.urns_only());
        assert!(EtatReprise::Prononcee.is_open() && !EtatReprise::Close.is_open());
    }

    #[test]
    fn the_first_state_is_a_new_procedures() {
        assert_eq!(ETATS_REPRISE[0].0, EtatReprise::Engagee.code());
    }

    #[test]
    fn a_problem_becomes_a_field_error_closed_by_its_article() {
        let p = Problem::new("r", "L2223-15", "date", 3, "trop tard".into());
        let e = p.field_error();
        assert_eq!(
            (e.field.as_str(), e.rule, e.message.as_str()),
            ("date", "r", "trop tard (art. L2223-15)")
        );
        let q = Problem::new("r", "", "date", 3, "x".into());
        assert_eq!(q.field_error().message, "x");
    }
}
