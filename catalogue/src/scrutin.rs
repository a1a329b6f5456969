//! openScrutin: the staffing of the polling stations (« composition des
//! bureaux de vote ») for one scrutin and its tours — who sits in which
//! bureau, in which post, on which time slot, and what the town hall pays
//! for it.
//!
//! This file owns the module's declaration for the engine ([`module`]: six
//! entities, their per-record rules, rights and saved queries) and the
//! codes of its choices ([`Nature`], [`Qualite`], [`Fonction`]), shared by
//! the declaration and the whole-data-set rules of [`staffing`] (the
//! board, the presidency order, conflicts) and [`mod@hours`] (payment). The
//! engine sees one record at a time; what needs several records (is bureau
//! 3 complete? does a less senior élu preside?) is in those two files, as
//! pure functions over plain structs the server fills from the tables.
//!
//! # Code électoral: what is implemented, and how
//!
//! - **R42** (composition): for every bureau × time slot, [`staffing::board`]
//!   requires a président (the président or the président suppléant of
//!   R43 satisfies it), at least two assesseurs titulaires (assesseurs
//!   suppléants do not count) and a secrétaire, and names what is missing.
//!   Dépouillement slots need the same composition: the bureau supervises
//!   the count and its members sign the procès-verbal. R42's fourth
//!   paragraph (a président titulaire, an assesseur titulaire or the
//!   secrétaire of a bureau may not be a member, titulaire or suppléant,
//!   of another bureau) and its « un président … un secrétaire » (not two)
//!   are checked by [`staffing::conflicts`]. Simplifications: the rule
//!   « deux membres au moins présents pendant tout le cours des opérations »
//!   is approximated by requiring the full composition on every slot; the
//!   exception for two concomitant scrutins in one room is not modelled
//!   (the issue is reported and the desk decides); that the secrétaire is
//!   chosen by the members among the commune's electors is not checked.
//! - **R43** (presidency): [`staffing::presidency_order`] is the maire,
//!   then the adjoints, then the conseillers municipaux, each in the order
//!   of the tableau (`rang_tableau`); [`staffing::default_presidents`]
//!   gives the bureaux, in their order, to the élus in that order; and
//!   [`staffing::presidency_issues`] reports a président who is a less
//!   senior élu or not an élu while a more senior élu presides nowhere on
//!   that slot, unless the affectation gives a `motif_derogation`
//!   (empêchement, refusal with a valid excuse…). Which élu gets which
//!   bureau is not checked (R43 orders the presidents, not the bureaux).
//!   The président suppléant is designated by the président and is not
//!   subject to the order; « à défaut, le plus âgé des assesseurs » and the
//!   secrétaire replaced by the youngest assesseur are not automated.
//! - **R44, R45, R47 and L67** (assesseurs, assesseurs suppléants and
//!   délégués designated by the candidates or lists): an affectation's
//!   `candidat` names the candidate or list; [`staffing::conflicts`]
//!   reports a délégué or délégué suppléant without one (a délégué
//!   represents a candidate or list, L67/R47) and two assesseurs, two
//!   assesseurs suppléants, two délégués or two délégués suppléants of the
//!   same candidate in one bureau on one slot (one each per bureau).
//!   Not checked: that they are electors of the département, the deadline
//!   of their notification to the maire (R46), and R44's completion of
//!   missing assesseurs among the electors present (the oldest, then the
//!   youngest), which happens on the day in the bureau.
//!
//! Everything of [`staffing`] is a report for the desk, not a refusal:
//! only the unique sets (one affectation per person and slot, one élu per
//! rank) and the per-record rules below are enforced on save.

pub mod hours;
pub mod staffing;

use module_engine::schema::{Action, Entity, Field, Module, Rights, SavedQuery, States};
use module_engine::{FieldError, Record};

pub use hours::{HoursLine, HoursRow, HoursTotal, Rate, hours, hours_total};
pub use staffing::{
    Assignment, Board, Cell, Clock, Counts, Issue, IssueRule, Person, Slot, Totals, board,
    conflicts, default_presidents, presidency_issues, presidency_order,
};

/// A record id of the `personne` table.
pub type PersonId = i64;
/// A record id of the `creneau` table.
pub type SlotId = i64;
/// A record id of the `affectation` table.
pub type AssignmentId = i64;
/// A record id of the `poste` table.
pub type PosteId = i64;

/// An enum of the declaration: the Rust type, the table of (code, label)
/// the engine's `Kind::Enum` takes, and the conversions between them, so
/// the codes are written once.
macro_rules! choices {
    (
        $(#[$meta:meta])*
        enum $name:ident, $table:ident {
            $( $(#[$vmeta:meta])* $variant:ident = ($code:literal, $label:literal) ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        #[doc = concat!("The choices of [`", stringify!($name), "`]: (code stored, label shown).")]
        pub const $table: &[(&str, &str)] = &[ $( ($code, $label) ),+ ];

        impl $name {
            pub const ALL: &'static [$name] = &[ $( $name::$variant ),+ ];

            /// The code stored in the table.
            pub fn code(self) -> &'static str {
                match self { $( $name::$variant => $code ),+ }
            }

            /// The label shown, in French.
            pub fn label(self) -> &'static str {
                match self { $( $name::$variant => $label ),+ }
            }

            /// The value of a stored code.
            pub fn from_code(code: &str) -> Option<$name> {
                match code {
                    $( $code => Some($name::$variant), )+
                    _ => None,
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }
    };
}

choices! {
    /// What a poste is, for the rules: the members of the bureau (R42,
    /// R43), the candidates' representatives (R44, R45, R47) and the town
    /// hall's own staff.
    enum Nature, NATURES {
        President = ("president", "Président"),
        /// The président suppléant (R43), designated by the président.
        Suppleant = ("suppleant", "Président suppléant"),
        Assesseur = ("assesseur", "Assesseur"),
        AssesseurSuppleant = ("assesseur_suppleant", "Assesseur suppléant"),
        Secretaire = ("secretaire", "Secrétaire"),
        Delegue = ("delegue", "Délégué"),
        DelegueSuppleant = ("delegue_suppleant", "Délégué suppléant"),
        Agent = ("agent", "Agent communal"),
        Planton = ("planton", "Planton (accueil, orientation)"),
    }
}

impl Nature {
    /// A member of the bureau titulaire (président, assesseur, secrétaire):
    /// R42 bars them from being a member of another bureau.
    pub fn is_titulaire(self) -> bool {
        matches!(
            self,
            Nature::President | Nature::Assesseur | Nature::Secretaire
        )
    }

    /// A member of the bureau, titulaire or suppléant.
    pub fn is_member(self) -> bool {
        self.is_titulaire() || matches!(self, Nature::Suppleant | Nature::AssesseurSuppleant)
    }

    /// Designated by a candidate or a list (R44, R45, R47): one of each
    /// per candidate and bureau.
    pub fn is_designated_by_candidate(self) -> bool {
        matches!(
            self,
            Nature::Assesseur
                | Nature::AssesseurSuppleant
                | Nature::Delegue
                | Nature::DelegueSuppleant
        )
    }

    /// A délégué or délégué suppléant, who always represents a candidate.
    pub fn is_delegue(self) -> bool {
        matches!(self, Nature::Delegue | Nature::DelegueSuppleant)
    }
}

choices! {
    /// In what capacity a person takes part.
    enum Qualite, QUALITES {
        Elu = ("elu", "Élu municipal"),
        Agent = ("agent", "Agent communal"),
        Electeur = ("electeur", "Électeur de la commune"),
    }
}

choices! {
    /// An élu's office, which with the rank in the tableau orders the
    /// presidency (R43).
    enum Fonction, FONCTIONS {
        Maire = ("maire", "Maire"),
        Adjoint = ("adjoint", "Adjoint au maire"),
        Conseiller = ("conseiller", "Conseiller municipal"),
    }
}

/// The tours of a scrutin.
pub const TOURS: &[(&str, &str)] = &[("1", "1er tour"), ("2", "2d tour")];

/// The states of a candidature (the first is a new one's).
pub const ETATS_CANDIDATURE: &[(&str, &str)] = &[
    ("deposee", "Déposée"),
    ("retenue", "Retenue"),
    ("refusee", "Refusée"),
];

const DESK: [&str; 2] = ["admin", "desk"];
const WITH_PRESIDENTS: [&str; 3] = ["admin", "desk", "president"];

/// The desk's rights, and reading for the bureaux' présidents.
fn readable_by_presidents() -> Rights {
    Rights {
        read: WITH_PRESIDENTS.to_vec(),
        ..Rights::desk()
    }
}

/// The openScrutin module's declaration.
pub fn module() -> Module {
    Module {
        name: "scrutin",
        label: "openScrutin — composition des bureaux",
        description: "Composition des bureaux de vote : élus, agents et électeurs, postes, \
                      créneaux, candidatures et affectations par bureau, dans le respect \
                      des articles R42 à R47 du code électoral.",
        entities: vec![
            scrutin(),
            poste(),
            personne(),
            creneau(),
            candidature(),
            affectation(),
        ],
        queries: queries(),
        letters: letters(),
        roles: Vec::new(),
        en: &[],
    }
}

fn scrutin() -> Entity {
    Entity::new("scrutin", "Scrutins", "un scrutin")
        .field(
            Field::text("libelle", "Libellé", 120)
                .required()
                .help("Par exemple « Élections municipales 2026 »."),
        )
        .field(
            Field::date("date_tour1", "Date du 1er tour")
                .required()
                .section("Tours"),
        )
        .field(
            Field::date("date_tour2", "Date du 2d tour")
                .section("Tours")
                .help("À laisser vide s'il n'y a qu'un tour."),
        )
        .field(
            Field::election("election_tour1", "Élection du 1er tour")
                .section("Lien avec la soirée électorale")
                .help(
                    "L'élection de la soirée électorale dont les candidats ou listes \
                     désignent assesseurs et délégués.",
                ),
        )
        .field(
            Field::election("election_tour2", "Élection du 2d tour")
                .section("Lien avec la soirée électorale"),
        )
        .title(&["libelle"])
        .columns(&["libelle", "date_tour1", "date_tour2"])
        .sort("date_tour1", true)
        .search(&["libelle"])
        .unique(&["libelle"], "un autre scrutin porte ce libellé")
        .rule("tour2_apres_tour1", second_tour_after_first)
}

fn poste() -> Entity {
    Entity::new("poste", "Postes", "un poste")
        .field(
            Field::text("code", "Code", 20)
                .required()
                .pattern("[A-Za-z0-9_-]+", "lettres, chiffres, tirets")
                .help("Code court, par exemple PRES, ASS, SECR."),
        )
        .field(
            Field::text("libelle", "Libellé", 120)
                .required()
                .help("Par exemple « Assesseur (désigné par une liste) »."),
        )
        .field(Field::choice("nature", "Nature", NATURES).required().help(
            "Fixe le rôle du poste dans le bureau : président, assesseurs et \
                     secrétaire composent le bureau (art. R42).",
        ))
        .field(Field::boolean("remunere", "Rémunéré").section("Rémunération"))
        .field(
            Field::decimal("taux_horaire", "Taux horaire (€)", 2)
                .range(Some(0), Some(9_999_999))
                .section("Rémunération")
                .help("En euros de l'heure, par exemple 12,50 ; seulement pour un poste rémunéré."),
        )
        .title(&["libelle"])
        .columns(&["code", "libelle", "nature", "remunere", "taux_horaire"])
        .sort("code", false)
        .filters(&["nature", "remunere"])
        .search(&["code", "libelle"])
        .unique(&["code"], "un autre poste a ce code")
        .rule("taux_si_remunere", rate_iff_paid)
}

fn personne() -> Entity {
    Entity::new("personne", "Personnes", "une personne")
        .field(Field::text("nom", "Nom", 80).required())
        .field(Field::text("prenom", "Prénom", 80).required())
        .field(
            Field::choice("qualite", "Qualité", QUALITES)
                .required()
                .help(
                    "Les élus président les bureaux dans l'ordre du tableau (art. R43) ; \
                     les agents sont le personnel communal.",
                ),
        )
        .field(Field::date("date_naissance", "Date de naissance").help(
            "Demandée pour les assesseurs et délégués (art. R46) ; à défaut de suppléant, le \
             plus âgé des assesseurs remplace le président absent (art. R43).",
        ))
        .field(
            Field::choice("fonction_elu", "Fonction", FONCTIONS)
                .section("Élu")
                .help("Pour un élu seulement."),
        )
        .field(
            Field::integer("rang_tableau", "Rang au tableau")
                .range(Some(1), None)
                .section("Élu")
                .help(
                    "Rang au tableau du conseil municipal (le maire est au rang 1) ; \
                     fixe l'ordre de présidence des bureaux (art. R43). Pour un élu seulement.",
                ),
        )
        .field(
            Field::text("service", "Service", 120)
                .section("Agent")
                .help("Service de l'agent ; pour un agent seulement."),
        )
        .field(Field::email("courriel", "Courriel").section("Coordonnées"))
        .field(Field::phone("telephone", "Téléphone").section("Coordonnées"))
        .field(Field::long_text("adresse", "Adresse", 500).section("Coordonnées"))
        .title(&["nom", "prenom"])
        .columns(&[
            "nom",
            "prenom",
            "qualite",
            "fonction_elu",
            "rang_tableau",
            "service",
            "telephone",
        ])
        .sort("nom", false)
        .filters(&["qualite"])
        .search(&["nom", "prenom", "service"])
        // The rank first, so the message shows on the rank's input.
        .unique(
            &["rang_tableau", "qualite"],
            "un autre élu occupe déjà ce rang au tableau",
        )
        .rule("fonction_si_elu", office_iff_elu)
        .rule("rang_si_elu", rank_iff_elu)
        .rule("maire_au_rang_1", maire_first)
        .rule("service_si_agent", service_iff_agent)
}

fn creneau() -> Entity {
    Entity::new("creneau", "Créneaux", "un créneau")
        .field(Field::reference("scrutin", "Scrutin", "scrutin").required())
        .field(Field::choice("tour", "Tour", TOURS).required())
        .field(
            Field::text("libelle", "Libellé", 80)
                .required()
                .help("Par exemple « Matin », « Après-midi », « Dépouillement »."),
        )
        .field(Field::time("debut", "Début").required().section("Horaires"))
        .field(
            Field::time("fin", "Fin")
                .required()
                .section("Horaires")
                .help("Après le début, le même jour."),
        )
        .field(
            Field::boolean("depouillement", "Dépouillement")
                .section("Horaires")
                .help("Le bureau surveille le dépouillement et signe le procès-verbal."),
        )
        .title(&["tour", "libelle", "debut", "fin"])
        .columns(&[
            "scrutin",
            "tour",
            "libelle",
            "debut",
            "fin",
            "depouillement",
        ])
        .sort("debut", false)
        .filters(&["scrutin", "tour"])
        .search(&["libelle"])
        .unique(
            &["scrutin", "tour", "libelle"],
            "ce scrutin a déjà un créneau de ce nom pour ce tour",
        )
        .rule("fin_apres_debut", end_after_start)
        .rights(readable_by_presidents())
}

fn candidature() -> Entity {
    Entity::new("candidature", "Candidatures", "une candidature")
        .field(Field::reference("personne", "Personne", "personne").required())
        .field(
            Field::reference("poste", "Poste", "poste")
                .required()
                .help("Le poste souhaité."),
        )
        .field(Field::bureau("bureau", "Bureau souhaité").help("Facultatif."))
        .field(Field::reference("creneau", "Créneau souhaité", "creneau").help("Facultatif."))
        .field(
            Field::choice("etat", "État", ETATS_CANDIDATURE)
                .help("Change par les actions « Retenir », « Refuser » et « Rouvrir »."),
        )
        .title(&["personne", "poste"])
        .columns(&["personne", "poste", "bureau", "creneau", "etat"])
        .sort("personne", false)
        .filters(&["etat", "poste", "bureau"])
        .unique(
            &["personne", "poste", "creneau"],
            "cette personne a déjà candidaté à ce poste sur ce créneau",
        )
        .states(States {
            field: "etat",
            actions: vec![
                Action {
                    name: "retenir",
                    label: "Retenir la candidature",
                    from: vec!["deposee"],
                    to: "retenue",
                    roles: DESK.to_vec(),
                    stamp: None,
                },
                Action {
                    name: "refuser",
                    label: "Refuser la candidature",
                    from: vec!["deposee"],
                    to: "refusee",
                    roles: DESK.to_vec(),
                    stamp: None,
                },
                Action {
                    name: "rouvrir",
                    label: "Remettre à l'étude",
                    from: vec!["retenue", "refusee"],
                    to: "deposee",
                    roles: DESK.to_vec(),
                    stamp: None,
                },
            ],
        })
}

fn affectation() -> Entity {
    Entity::new("affectation", "Affectations", "une affectation")
        .field(Field::reference("scrutin", "Scrutin", "scrutin").required())
        .field(Field::reference("personne", "Personne", "personne").required())
        .field(Field::bureau("bureau", "Bureau").required())
        .field(Field::reference("poste", "Poste", "poste").required())
        .field(Field::reference("creneau", "Créneau", "creneau").required())
        .field(
            Field::text("candidat", "Candidat ou liste représenté", 120)
                .section("Représentation d'un candidat")
                .help(
                    "Pour un délégué (obligatoire) ou un assesseur désigné par un candidat : \
                     le numéro de panneau ou le nom de la liste de l'élection liée au scrutin \
                     (art. R44 à R47).",
                ),
        )
        .field(
            Field::long_text("motif_derogation", "Motif de dérogation", 1000)
                .section("Dérogation à l'ordre du tableau")
                .help(
                    "Obligatoire quand un élu moins bien placé au tableau, ou un non-élu, \
                     préside alors qu'un élu mieux placé ne préside aucun bureau sur ce \
                     créneau (art. R43) : empêchement, excuse valable…",
                ),
        )
        .title(&["personne", "bureau"])
        .columns(&["bureau", "creneau", "poste", "personne", "candidat"])
        .sort("bureau", false)
        .filters(&["bureau", "poste", "creneau"])
        .unique(
            &["personne", "creneau"],
            "cette personne est déjà affectée sur ce créneau (un seul bureau à la fois)",
        )
        .rights(readable_by_presidents())
}

/// The answer to each application (mail merge over the candidatures list,
/// filtered by state: « retenue » or « refusee »).
fn letters() -> Vec<module_engine::Letter> {
    vec![module_engine::Letter {
        name: "reponse_candidature",
        label: "Réponse aux candidatures",
        entity: "candidature",
        heading: "Votre candidature : {poste}",
        body: "Madame, Monsieur,\n\nVous avez proposé votre concours pour le poste de {poste} (bureau souhaité : {bureau}). Votre candidature est à ce jour : {etat}.\n\nSi elle est retenue, une convocation vous précisera le bureau de vote, les horaires et la fonction qui vous sont confiés.\n\nVeuillez agréer, Madame, Monsieur, l'expression de mes salutations distinguées.",
        signature: "Le maire",
        roles: vec!["admin", "desk"],
    }]
}

fn queries() -> Vec<SavedQuery> {
    vec![
        SavedQuery {
            name: "affectations_bureau",
            label: "Composition d'un bureau",
            entity: "affectation",
            fixed: vec![],
            params: vec!["scrutin", "bureau"],
            roles: WITH_PRESIDENTS.to_vec(),
        },
        SavedQuery {
            name: "affectations_personne",
            label: "Affectations d'une personne",
            entity: "affectation",
            fixed: vec![],
            params: vec!["personne"],
            roles: DESK.to_vec(),
        },
        SavedQuery {
            name: "candidatures_a_traiter",
            label: "Candidatures à traiter",
            entity: "candidature",
            fixed: vec![("etat", "deposee")],
            params: vec![],
            roles: DESK.to_vec(),
        },
        SavedQuery {
            name: "elus_par_rang",
            label: "Élus (ordre du tableau)",
            entity: "personne",
            fixed: vec![("qualite", "elu")],
            params: vec![],
            roles: DESK.to_vec(),
        },
    ]
}

// ---------------------------------------------------------------------------
// Per-record rules (the engine runs them once the fields read and the
// required ones are filled).

/// `field` must be filled when `applies`, and empty otherwise.
fn only_when(
    r: &Record<'_>,
    field: &str,
    rule: &'static str,
    applies: bool,
    required: &str,
    forbidden: &str,
) -> Vec<FieldError> {
    match (applies, r.get(field).is_null()) {
        (true, true) => vec![r.error(field, rule, required)],
        (false, false) => vec![r.error(field, rule, forbidden)],
        _ => vec![],
    }
}

fn is_elu(r: &Record<'_>) -> bool {
    r.text("qualite") == Some(Qualite::Elu.code())
}

fn rate_iff_paid(r: &Record<'_>) -> Vec<FieldError> {
    only_when(
        r,
        "taux_horaire",
        "taux_si_remunere",
        r.flag("remunere"),
        "obligatoire pour un poste rémunéré",
        "à laisser vide : le poste n'est pas rémunéré",
    )
}

fn office_iff_elu(r: &Record<'_>) -> Vec<FieldError> {
    only_when(
        r,
        "fonction_elu",
        "fonction_si_elu",
        is_elu(r),
        "obligatoire pour un élu",
        "réservé aux élus : à laisser vide",
    )
}

fn rank_iff_elu(r: &Record<'_>) -> Vec<FieldError> {
    only_when(
        r,
        "rang_tableau",
        "rang_si_elu",
        is_elu(r),
        "obligatoire pour un élu : son rang fixe l'ordre de présidence (art. R43)",
        "réservé aux élus : à laisser vide",
    )
}

/// The maire heads the tableau (CGCT art. L2121-1): rank 1 is the maire's.
fn maire_first(r: &Record<'_>) -> Vec<FieldError> {
    if !is_elu(r) {
        return vec![];
    }
    let maire = r.text("fonction_elu") == Some(Fonction::Maire.code());
    match r.int("rang_tableau") {
        Some(rank) if maire && rank != 1 => vec![r.error(
            "rang_tableau",
            "maire_au_rang_1",
            "le maire est au rang 1 du tableau",
        )],
        Some(1) if !maire => vec![r.error(
            "rang_tableau",
            "maire_au_rang_1",
            "le rang 1 du tableau est celui du maire",
        )],
        _ => vec![],
    }
}

fn service_iff_agent(r: &Record<'_>) -> Vec<FieldError> {
    only_when(
        r,
        "service",
        "service_si_agent",
        r.text("qualite") == Some(Qualite::Agent.code()),
        "obligatoire pour un agent",
        "réservé aux agents : à laisser vide",
    )
}

fn end_after_start(r: &Record<'_>) -> Vec<FieldError> {
    // Times are stored `HH:MM`, which compare as text.
    match (r.text("debut"), r.text("fin")) {
        (Some(start), Some(end)) if end <= start => vec![r.error(
            "fin",
            "fin_apres_debut",
            format!("doit être après le début ({start})"),
        )],
        _ => vec![],
    }
}

fn second_tour_after_first(r: &Record<'_>) -> Vec<FieldError> {
    // Dates are stored `YYYY-MM-DD`, which compare as text.
    match (r.text("date_tour1"), r.text("date_tour2")) {
        (Some(first), Some(second)) if second <= first => vec![r.error(
            "date_tour2",
            "tour2_apres_tour1",
            "le second tour a lieu après le premier",
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
        assert_eq!(kind("poste", "nature"), Some(Kind::Enum(NATURES)));
        assert_eq!(kind("personne", "qualite"), Some(Kind::Enum(QUALITES)));
        assert_eq!(
            kind("personne", "fonction_elu"),
            Some(Kind::Enum(FONCTIONS))
        );
        for (n, (code, label)) in Nature::ALL.iter().zip(NATURES) {
            assert_eq!((n.code(), n.label()), (*code, *label));
            assert_eq!(Nature::from_code(code), Some(*n));
        }
        assert_eq!(Nature::ALL.len(), NATURES.len());
        assert_eq!(Qualite::from_code("elu"), Some(Qualite::Elu));
        assert_eq!(Fonction::from_code("adjoint"), Some(Fonction::Adjoint));
        assert_eq!(Fonction::from_code("Maire"), None);
    }

    #[test]
    fn saved_query_fields_name_fields_of_their_entity() {
        // check() verifies this; also that the state query uses a real state.
        let m = module();
        let q = m.query("candidatures_a_traiter").expect("declared");
        let etat = m
            .entity("candidature")
            .and_then(|e| e.field_named("etat"))
            .expect("etat");
        assert_eq!(etat.kind.choice_label(q.fixed[0].1), Some("Déposée"));
    }
}
