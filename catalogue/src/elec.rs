//! openElec: the commune's electoral roll (« liste électorale ») — the
//! electors and the list they are on, the streets and their découpage into
//! bureaux, the procurations and the mouvements (inscriptions, radiations,
//! modifications) that change the roll between two tableaux.
//!
//! This file owns the module's declaration for the engine ([`module`]:
//! five entities, their per-record rules, rights, saved queries and
//! letters), the codes of its choices ([`Sexe`], [`Liste`], [`Cote`],
//! [`EtablieA`], [`NatureMouvement`]), the record ids and the [`Problem`]
//! every whole-data-set rule reports. The engine sees one record at a
//! time; what needs several is in the submodules, as pure functions over
//! plain structs the server fills from the tables:
//!
//! - [`decoupage`]: which bureau each address belongs to, and the gaps and
//!   overlaps of the découpage ([`decoupage_check`], [`bureau_of`]);
//! - [`procuration`]: the limits on procurations ([`procuration_limits`],
//!   [`check_new_procuration`]);
//! - [`roll`]: the roll at a date ([`roll_at`]), the count per bureau
//!   ([`tableau`]), the effect of a new découpage ([`redistricting`]);
//! - [`emargement`]: the order of the liste d'émargement and its
//!   procurations ([`emargement_order`]);
//! - [`mod@statistics`]: inscrits per bureau by list, sex and age band;
//! - [`update`]: a new extraction of the roll as mouvements ([`compare`]);
//! - [`fixture`]: a deterministic, realistic roll for tests and the demo.
//!
//! The roll is personal data (names, dates and places of birth,
//! addresses): every entity is read and written by the administrator and
//! the desk only; the bureaux' présidents and the public never read it.
//!
//! # Code électoral: what is implemented, and how
//!
//! - **R40** (the bureaux): the électeurs are « répartis par arrêté du
//!   préfet en autant de bureaux de vote que l'exigent les circonstances
//!   locales »; the commune's découpage says which street numbers go to
//!   which bureau. [`decoupage_check`] requires every known house number
//!   of each side of each street to be in exactly one bureau and names
//!   each gap and overlap; [`redistricting`] lists the electors a change
//!   of découpage moves. Not modelled: the deadline of the arrêté and its
//!   date of effect (the desk applies the new découpage when it is in force).
//! - **L73** (limits on procurations): « Chaque mandataire ne peut disposer
//!   de plus de deux procurations, dont une seule établie en France. Si
//!   ces limites ne sont pas respectées, la ou les procurations qui ont été
//!   dressées les premières sont seules valables ; la ou les autres sont
//!   nulles de plein droit ». See [`procuration`] for how it is counted.
//!   L71 and L72: the mandant and the mandataire are electors of the roll,
//!   and not the same person. L75: a mandant who gives a new procuration
//!   replaces the former one; two in force at once are reported.
//! - **L62-1 and L74** (liste d'émargement): the list is the roll of the
//!   bureau with a numéro d'ordre for each elector; the mandataire signs
//!   « en face du nom du mandant », so each line carries the name of the
//!   mandataire of a procuration in force on the election day.
//! - **L2** (age): an elector is eighteen or over; [`statistics()`] counts
//!   apart those below it (registered ahead of their birthday).
//! - **LO227-1** and the loi n° 77-729 du 7 juillet 1977: citizens of
//!   another member state of the European Union vote in the municipales
//!   and the européennes on the listes complémentaires ([`Liste`]), one
//!   record per list.
//!
//! Everything of the submodules is a report for the desk, not a refusal:
//! only the unique sets and the per-record rules below are enforced on save.

pub mod decoupage;
pub mod emargement;
pub mod fixture;
pub mod procuration;
pub mod roll;
pub mod statistics;
pub mod update;

use module_engine::schema::{Entity, Field, Letter, Module, SavedQuery};
use module_engine::{FieldError, Record};
use serde::Serialize;

pub use crate::date::Date;
pub use decoupage::{Decoupage, Range, Street, Voie, bureau_of, decoupage_check, streets};
pub use emargement::{EmargementLine, Mandataire, emargement_cmp, emargement_order, name_key};
pub use fixture::Fixture;
pub use procuration::{
    Procuration, check_new_procuration, in_force, procuration_limits, void_procurations,
};
pub use roll::{
    BureauChange, Elector, Mouvement, Move, PerListe, Redistricting, TableauRow, redistricting,
    roll_at, tableau,
};
pub use statistics::{AgeBand, Breakdown, BureauStatistics, PerAge, Statistics, statistics};
pub use update::{Incoming, Modification, Update, compare};

/// A record id of the `electeur` table.
pub type ElectorId = i64;
/// A record id of the `voie` table.
pub type VoieId = i64;
/// A record id of the `decoupage` table.
pub type RangeId = i64;
/// A record id of the `procuration` table.
pub type ProcurationId = i64;
/// A record id of the `mouvement` table.
pub type MouvementId = i64;

// `choices!` is openScrutin's (`scrutin.rs`), in scope here through the
// `#[macro_use]` on `mod scrutin` in `lib.rs`.
choices! {
    /// An elector's sex, as on the roll.
    enum Sexe, SEXES {
        F = ("F", "Féminin"),
        M = ("M", "Masculin"),
    }
}

choices! {
    /// The list an elector's record is on: one record per list, so a
    /// citizen of another member state of the EU on both complementary
    /// lists has two records (LO227-1; loi n° 77-729 du 7 juillet 1977).
    enum Liste, LISTES {
        Generale = ("generale", "Liste générale"),
        ComplementaireEuropeenne = ("complementaire_europeenne", "Liste complémentaire européenne"),
        ComplementaireMunicipale = ("complementaire_municipale", "Liste complémentaire municipale"),
    }
}

choices! {
    /// The side of a street a range of the découpage covers.
    enum Cote, COTES {
        Pair = ("pair", "Côté pair"),
        Impair = ("impair", "Côté impair"),
        Tous = ("tous", "Les deux côtés"),
    }
}

impl Cote {
    /// Whether the house number `numero` is on this side.
    pub fn has(self, numero: u32) -> bool {
        match self {
            Cote::Pair => numero.is_multiple_of(2),
            Cote::Impair => numero % 2 == 1,
            Cote::Tous => true,
        }
    }

    /// The side of a house number.
    pub fn of(numero: u32) -> Cote {
        if numero.is_multiple_of(2) {
            Cote::Pair
        } else {
            Cote::Impair
        }
    }

    /// « côté pair », « côté impair », « les deux côtés ».
    pub fn phrase(self) -> &'static str {
        match self {
            Cote::Pair => "côté pair",
            Cote::Impair => "côté impair",
            Cote::Tous => "les deux côtés",
        }
    }
}

choices! {
    /// Where a procuration was established: L73 allows a mandataire only
    /// one established in France.
    enum EtablieA, ETABLIE_A {
        France = ("france", "En France"),
        Etranger = ("etranger", "À l'étranger"),
    }
}

choices! {
    /// What a mouvement does to the roll.
    enum NatureMouvement, NATURES_MOUVEMENT {
        Inscription = ("inscription", "Inscription"),
        Radiation = ("radiation", "Radiation"),
        /// A change of bureau or list (a move within the commune…).
        Modification = ("modification", "Modification"),
    }
}

// ---------------------------------------------------------------------------
// What the whole-data-set rules report.

/// The rule a [`Problem`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProblemRule {
    /// House numbers of a street side in no bureau (R40).
    Gap,
    /// House numbers of a street side in two bureaux or more (R40).
    Overlap,
    /// A range of the découpage on a street that is not given.
    UnknownVoie,
    /// A range that covers no house number (its end before its start, or
    /// a one-number range on the other side).
    EmptyRange,
    /// Addresses without a number on a street split between bureaux.
    Unnumbered,
    /// A mandataire with more than two procurations (L73).
    MoreThanTwo,
    /// A mandataire with more than one procuration established in France (L73).
    SecondInFrance,
    /// A mandant who is not on the roll (L71).
    MandantNotOnRoll,
    /// A mandataire who is not on the roll (L72).
    MandataireNotOnRoll,
    /// The mandant is his own mandataire (L72).
    SelfMandate,
    /// A mandant with two procurations in force at once (L75).
    SeveralForOneMandant,
}

impl ProblemRule {
    /// A stable code for the API and exports.
    pub fn code(self) -> &'static str {
        match self {
            ProblemRule::Gap => "trou",
            ProblemRule::Overlap => "chevauchement",
            ProblemRule::UnknownVoie => "voie_inconnue",
            ProblemRule::EmptyRange => "tranche_vide",
            ProblemRule::Unnumbered => "adresse_sans_numero",
            ProblemRule::MoreThanTwo => "plus_de_deux_procurations",
            ProblemRule::SecondInFrance => "deux_procurations_france",
            ProblemRule::MandantNotOnRoll => "mandant_non_inscrit",
            ProblemRule::MandataireNotOnRoll => "mandataire_non_inscrit",
            ProblemRule::SelfMandate => "mandant_mandataire",
            ProblemRule::SeveralForOneMandant => "plusieurs_procurations_mandant",
        }
    }

    /// The article of the Code électoral behind the rule (empty when none).
    pub fn article(self) -> &'static str {
        match self {
            ProblemRule::Gap | ProblemRule::Overlap | ProblemRule::Unnumbered => "R40",
            ProblemRule::UnknownVoie | ProblemRule::EmptyRange => "",
            ProblemRule::MoreThanTwo | ProblemRule::SecondInFrance => "L73",
            ProblemRule::MandantNotOnRoll => "L71",
            ProblemRule::MandataireNotOnRoll | ProblemRule::SelfMandate => "L72",
            ProblemRule::SeveralForOneMandant => "L75",
        }
    }
}

impl Serialize for ProblemRule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// Something the desk should look at, found over a whole data set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub rule: ProblemRule,
    /// The article, e.g. « L73 » (empty when no article is concerned).
    pub article: &'static str,
    pub voie: Option<VoieId>,
    /// The side of the street (pair or impair) of a gap or an overlap.
    pub cote: Option<Cote>,
    /// The house numbers concerned: from, to (None: to the end of the street).
    pub numeros: Option<(u32, Option<u32>)>,
    /// The bureaux concerned, sorted.
    pub bureaux: Vec<String>,
    pub ranges: Vec<RangeId>,
    pub electors: Vec<ElectorId>,
    pub procurations: Vec<ProcurationId>,
    /// What is wrong and what to do, in French.
    pub message: String,
}

impl Problem {
    fn new(rule: ProblemRule, message: String) -> Problem {
        Problem {
            rule,
            article: rule.article(),
            voie: None,
            cote: None,
            numeros: None,
            bureaux: Vec::new(),
            ranges: Vec::new(),
            electors: Vec::new(),
            procurations: Vec::new(),
            message,
        }
    }
}

/// « a », « a et b », « a, b et c ».
fn french_list(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} et {last}", init.join(", ")),
    }
}

// ---------------------------------------------------------------------------
// The declaration.

const DESK: [&str; 2] = ["admin", "desk"];

/// The openElec module's declaration.
pub fn module() -> Module {
    Module {
        name: "elec",
        label: "openElec — liste électorale",
        description: "Liste électorale de la commune : électeurs et listes (générale, \
                      complémentaires européenne et municipale), voies et découpage en \
                      bureaux de vote (art. R40), procurations (art. L71 à L75) et \
                      mouvements (inscriptions, radiations, modifications).",
        entities: vec![electeur(), voie(), decoupage(), procuration(), mouvement()],
        queries: queries(),
        letters: letters(),
        roles: Vec::new(),
        en: &[],
    }
}

fn electeur() -> Entity {
    Entity::new("electeur", "Électeurs", "un électeur")
        .field(
            Field::text("nom_naissance", "Nom de naissance", 100)
                .required()
                .help("Tel qu'à l'état civil ; c'est lui qui ordonne la liste d'émargement."),
        )
        .field(
            Field::text("nom_usage", "Nom d'usage", 100)
                .help("Nom d'époux ou d'épouse, double nom… ; facultatif."),
        )
        .field(
            Field::text("prenoms", "Prénoms", 150)
                .required()
                .help("Tous les prénoms de l'état civil, dans l'ordre, séparés par des espaces."),
        )
        .field(Field::choice("sexe", "Sexe", SEXES).required())
        .field(Field::date("date_naissance", "Date de naissance").required())
        .field(
            Field::text("lieu_naissance", "Lieu de naissance", 120)
                .required()
                .help("Commune (et arrondissement), ou ville et pays pour une naissance à l'étranger."),
        )
        .field(
            Field::integer("adresse_numero", "Numéro")
                .range(Some(0), Some(99_999))
                .section("Adresse")
                .help("Le numéro dans la voie ; il fixe le bureau par le découpage (art. R40)."),
        )
        .field(
            Field::text("adresse_complement", "Complément", 20)
                .section("Adresse")
                .help("Par exemple « bis », « ter », « B » ; avec un numéro seulement."),
        )
        .field(
            Field::reference("voie", "Voie", "voie")
                .required()
                .section("Adresse"),
        )
        .field(
            Field::bureau("bureau", "Bureau de vote")
                .required()
                .section("Inscription")
                .help("Celui que le découpage donne à l'adresse."),
        )
        .field(
            Field::choice("liste", "Liste", LISTES)
                .required()
                .section("Inscription")
                .help(
                    "Les ressortissants d'un autre État de l'Union européenne sont inscrits sur \
                     les listes complémentaires (une fiche par liste).",
                ),
        )
        .field(
            Field::text("ine", "Identifiant national d'électeur (INE)", 12)
                .pattern("[0-9]+", "des chiffres seulement")
                .section("Inscription")
                .help("L'identifiant du répertoire électoral unique ; facultatif."),
        )
        .title(&["nom_naissance", "prenoms"])
        .columns(&[
            "nom_naissance",
            "nom_usage",
            "prenoms",
            "date_naissance",
            "bureau",
            "liste",
        ])
        .sort("nom_naissance", false)
        .filters(&["bureau", "liste", "sexe", "voie"])
        .search(&["nom_naissance", "nom_usage", "prenoms"])
        // One person has one INE but may be on two complementary lists:
        // the INE is unique per list.
        .unique(
            &["ine", "liste"],
            "un autre électeur de cette liste a cet identifiant national",
        )
        .unique(
            &[
                "nom_naissance",
                "prenoms",
                "date_naissance",
                "lieu_naissance",
                "liste",
            ],
            "cet électeur est déjà inscrit sur cette liste : un électeur n'est inscrit que dans \
             un seul bureau d'une liste",
        )
        .rule("complement_avec_numero", complement_needs_number)
}

fn voie() -> Entity {
    Entity::new("voie", "Voies", "une voie")
        .field(
            Field::text("libelle", "Libellé", 150)
                .required()
                .help("Par exemple « Rue de la République », « Impasse des Lilas »."),
        )
        .field(
            Field::text("code", "Code de la voie", 20)
                .pattern("[A-Za-z0-9]+", "lettres et chiffres")
                .help("Code FANTOIR / RIVOLI ; facultatif."),
        )
        .field(
            Field::text("commune", "Commune", 120)
                .help("Pour une voie d'une commune associée ou déléguée ; facultatif."),
        )
        .title(&["libelle"])
        .columns(&["libelle", "code", "commune"])
        .sort("libelle", false)
        .search(&["libelle", "code"])
        .unique(&["libelle"], "une autre voie porte ce libellé")
}

fn decoupage() -> Entity {
    Entity::new("decoupage", "Découpage", "une tranche de voie")
        .field(Field::reference("voie", "Voie", "voie").required())
        .field(
            Field::choice("cote", "Côté", COTES)
                .required()
                .help("Les numéros pairs, impairs, ou les deux."),
        )
        .field(
            Field::integer("numero_debut", "Du numéro")
                .range(Some(0), None)
                .help("À laisser vide pour le début de la voie."),
        )
        .field(
            Field::integer("numero_fin", "Au numéro")
                .range(Some(0), None)
                .help("À laisser vide pour la fin de la voie."),
        )
        .field(Field::bureau("bureau", "Bureau de vote").required())
        .title(&["voie", "cote", "numero_debut", "numero_fin"])
        .columns(&["voie", "cote", "numero_debut", "numero_fin", "bureau"])
        .sort("voie", false)
        .filters(&["voie", "bureau", "cote"])
        .rule("fin_apres_debut", range_end_after_start)
}

fn procuration() -> Entity {
    Entity::new("procuration", "Procurations", "une procuration")
        .field(
            Field::reference("mandant", "Mandant", "electeur")
                .required()
                .help("L'électeur qui donne procuration."),
        )
        .field(
            Field::reference("mandataire", "Mandataire", "electeur")
                .required()
                .help(
                    "L'électeur qui votera à sa place ; au plus deux procurations, dont une \
                     seule établie en France (art. L73).",
                ),
        )
        .field(
            Field::date("debut", "Valable du")
                .required()
                .section("Validité")
                .help("Pour un seul scrutin : la date de son (premier) tour."),
        )
        .field(
            Field::date("fin", "Valable jusqu'au")
                .section("Validité")
                .help("À laisser vide pour le seul jour du début."),
        )
        .field(
            Field::text("elections", "Scrutins concernés", 200)
                .section("Validité")
                .help("Par exemple « Présidentielle 2027, deux tours » ; facultatif."),
        )
        .field(
            Field::choice("etablie_a", "Établie", ETABLIE_A)
                .required()
                .section("Établissement"),
        )
        .field(
            Field::text("lieu", "Autorité et lieu", 200)
                .section("Établissement")
                .help("Par exemple « Commissariat de police de Valence », « Consulat général à Montréal »."),
        )
        .title(&["mandant", "mandataire"])
        .columns(&["mandant", "mandataire", "debut", "fin", "etablie_a"])
        .sort("debut", true)
        .filters(&["mandataire", "mandant", "etablie_a"])
        .search(&["elections", "lieu"])
        .rule("mandataire_autre", mandataire_not_mandant)
        .rule("fin_apres_debut", validity_end_after_start)
}

fn mouvement() -> Entity {
    Entity::new("mouvement", "Mouvements", "un mouvement")
        .field(Field::reference("electeur", "Électeur", "electeur").required())
        .field(Field::choice("nature", "Nature", NATURES_MOUVEMENT).required())
        .field(
            Field::date("date", "Date d'effet")
                .required()
                .help("Le jour où le mouvement s'applique à la liste."),
        )
        .field(
            Field::text("motif", "Motif", 200)
                .required()
                .help("Par exemple « Arrivée dans la commune », « Décès », « Changement d'adresse »."),
        )
        .field(
            Field::bureau("bureau", "Nouveau bureau")
                .section("Modification")
                .help("Pour une modification (ou une inscription dans un autre bureau que celui de la fiche)."),
        )
        .field(
            Field::choice("liste", "Nouvelle liste", LISTES)
                .section("Modification")
                .help("Pour une modification de liste."),
        )
        .field(Field::long_text("details", "Détails", 2000))
        .title(&["nature", "electeur", "date"])
        .columns(&["date", "nature", "electeur", "motif", "bureau"])
        .sort("date", true)
        .filters(&["nature", "electeur", "bureau"])
        .search(&["motif", "details"])
        .rule("modification_precisee", modification_says_what)
}

fn queries() -> Vec<SavedQuery> {
    let desk = || DESK.to_vec();
    vec![
        SavedQuery {
            name: "electeurs_bureau",
            label: "Électeurs d'un bureau",
            entity: "electeur",
            fixed: vec![],
            params: vec!["bureau", "liste"],
            roles: desk(),
        },
        SavedQuery {
            name: "electeurs_voie",
            label: "Électeurs d'une voie",
            entity: "electeur",
            fixed: vec![],
            params: vec!["voie"],
            roles: desk(),
        },
        SavedQuery {
            name: "decoupage_voie",
            label: "Découpage d'une voie",
            entity: "decoupage",
            fixed: vec![],
            params: vec!["voie"],
            roles: desk(),
        },
        SavedQuery {
            name: "procurations_mandataire",
            label: "Procurations d'un mandataire",
            entity: "procuration",
            fixed: vec![],
            params: vec!["mandataire"],
            roles: desk(),
        },
        SavedQuery {
            name: "inscriptions",
            label: "Inscriptions",
            entity: "mouvement",
            fixed: vec![("nature", "inscription")],
            params: vec![],
            roles: desk(),
        },
        SavedQuery {
            name: "radiations",
            label: "Radiations",
            entity: "mouvement",
            fixed: vec![("nature", "radiation")],
            params: vec![],
            roles: desk(),
        },
    ]
}

/// The notice of a new bureau (after [`redistricting`], over the list of
/// the electors moved) and the notice of a mouvement.
fn letters() -> Vec<Letter> {
    vec![
        Letter {
            name: "avis_changement_bureau",
            label: "Avis de changement de bureau de vote",
            entity: "electeur",
            heading: "Votre bureau de vote : {bureau}",
            body: "Madame, Monsieur,\n\nÀ la suite de la modification du périmètre des bureaux de vote de la commune, vous voterez désormais au bureau {bureau}.\n\nVotre inscription sur la liste électorale est inchangée ({prenoms} {nom_naissance}, {adresse_numero} {voie}).\n\nUne nouvelle carte électorale vous sera adressée avant le prochain scrutin.\n\nVeuillez agréer, Madame, Monsieur, l'expression de mes salutations distinguées.",
            signature: "Le maire",
            roles: DESK.to_vec(),
        },
        Letter {
            name: "notification_mouvement",
            label: "Notification d'un mouvement",
            entity: "mouvement",
            heading: "Votre inscription sur la liste électorale",
            body: "Madame, Monsieur,\n\nLa décision suivante a été prise vous concernant ({electeur}) : {nature}, à compter du {date}.\n\nMotif : {motif}.\n\nVous pouvez former un recours administratif préalable auprès de la commission de contrôle dans un délai de cinq jours à compter de la présente notification.\n\nVeuillez agréer, Madame, Monsieur, l'expression de mes salutations distinguées.",
            signature: "Le maire",
            roles: DESK.to_vec(),
        },
    ]
}

// ---------------------------------------------------------------------------
// Per-record rules (the engine runs them once the fields read and the
// required ones are filled).

fn complement_needs_number(r: &Record<'_>) -> Vec<FieldError> {
    if r.text("adresse_complement").is_some() && r.int("adresse_numero").is_none() {
        return vec![r.error(
            "adresse_complement",
            "complement_avec_numero",
            "un complément (bis, ter…) accompagne un numéro : indiquer le numéro",
        )];
    }
    vec![]
}

fn range_end_after_start(r: &Record<'_>) -> Vec<FieldError> {
    match (r.int("numero_debut"), r.int("numero_fin")) {
        (Some(start), Some(end)) if end < start => vec![r.error(
            "numero_fin",
            "fin_apres_debut",
            format!("doit être au moins le numéro de début ({start})"),
        )],
        _ => vec![],
    }
}

fn mandataire_not_mandant(r: &Record<'_>) -> Vec<FieldError> {
    match (r.int("mandant"), r.int("mandataire")) {
        (Some(a), Some(b)) if a == b => vec![r.error(
            "mandataire",
            "mandataire_autre",
            "le mandataire est un autre électeur que le mandant",
        )],
        _ => vec![],
    }
}

fn validity_end_after_start(r: &Record<'_>) -> Vec<FieldError> {
    // Dates are stored `YYYY-MM-DD`, which compare as text.
    match (r.text("debut"), r.text("fin")) {
        (Some(start), Some(end)) if end < start => vec![r.error(
            "fin",
            "fin_apres_debut",
            "la fin de validité ne peut précéder son début",
        )],
        _ => vec![],
    }
}

fn modification_says_what(r: &Record<'_>) -> Vec<FieldError> {
    let nature = r.text("nature").and_then(NatureMouvement::from_code);
    let given = !r.get("bureau").is_null() || !r.get("liste").is_null();
    match nature {
        Some(NatureMouvement::Modification) if !given => vec![r.error(
            "bureau",
            "modification_precisee",
            "une modification indique le nouveau bureau, la nouvelle liste, ou les deux",
        )],
        Some(NatureMouvement::Radiation) if given => {
            let field = if r.get("bureau").is_null() {
                "liste"
            } else {
                "bureau"
            };
            vec![r.error(
                field,
                "modification_precisee",
                "une radiation retire l'électeur de la liste : à laisser vide",
            )]
        }
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
        assert_eq!(kind("electeur", "sexe"), Some(Kind::Enum(SEXES)));
        assert_eq!(kind("electeur", "liste"), Some(Kind::Enum(LISTES)));
        assert_eq!(kind("decoupage", "cote"), Some(Kind::Enum(COTES)));
        assert_eq!(
            kind("procuration", "etablie_a"),
            Some(Kind::Enum(ETABLIE_A))
        );
        assert_eq!(
            kind("mouvement", "nature"),
            Some(Kind::Enum(NATURES_MOUVEMENT))
        );
        for (l, (code, label)) in Liste::ALL.iter().zip(LISTES) {
            assert_eq!((l.code(), l.label()), (*code, *label));
        }
        assert_eq!(Liste::from_code("generale"), Some(Liste::Generale));
        assert_eq!(Liste::Generale.label(), "Liste générale");
    }

    #[test]
    fn sides_of_a_street() {
        assert!(Cote::Pair.has(0) && Cote::Pair.has(10) && !Cote::Pair.has(3));
        assert!(Cote::Impair.has(1) && !Cote::Impair.has(2));
        assert!(Cote::Tous.has(7));
        assert_eq!(Cote::of(31), Cote::Impair);
    }

    #[test]
    fn every_problem_rule_has_a_distinct_code() {
        use ProblemRule::*;
        let all = [
            Gap,
            Overlap,
            UnknownVoie,
            EmptyRange,
            Unnumbered,
            MoreThanTwo,
            SecondInFrance,
            MandantNotOnRoll,
            MandataireNotOnRoll,
            SelfMandate,
            SeveralForOneMandant,
        ];
        let codes: std::collections::BTreeSet<&str> = all.iter().map(|r| r.code()).collect();
        assert_eq!(codes.len(), all.len());
        assert_eq!(
            french_list(&["a".into(), "b".into(), "c".into()]),
            "a, b et c"
        );
    }
}
