//! openCourrier: the town hall's mail registry (« registre du courrier »)
//! — every letter, e-mail, fax or parcel that arrives or leaves, numbered
//! per year in its register (`2026-7`), sent to the service that treats it
//! (and its relay), distributed for information to other services in
//! order, followed by tasks with deadlines, and answered by a leaving
//! courrier linked to the arriving one.
//!
//! This file owns the module's declaration for the engine ([`module`]:
//! five entities, their per-record rules, workflow, rights, roles, saved
//! queries and letter) and the codes of its choices ([`Sens`], [`Etat`],
//! [`EtatTache`]…). The engine sees one record at a time and gives the
//! numbers (its `Numbering`); what needs several records — a service's
//! inbox, the overdue tasks, the transmission slip, the day's registry —
//! is in [`registry`], as pure functions over plain structs the server
//! fills from the tables. [`fixture`] makes a realistic registry for tests
//! and the benchmark.
//!
//! # The workflow, and who takes each step
//!
//! enregistré → affecté → en traitement → répondu → clos. The agent du
//! courrier (the registry's office, a role of this module) registers and
//! assigns to a service, and closes; the agents of the services take the
//! courrier in charge and answer it (or send it back to the registry when
//! it is not theirs); the administrator and the desk may do everything.
//! Every step is an action of the engine: checked against the state it
//! starts from and the roles that may take it, recorded in the audit log
//! (`module.courrier.courrier.<action>`), and stamped with its date where
//! the registry keeps one (date de réponse, date de clôture). A courrier
//! past « enregistré » has its treating service (a rule the action runs).
//!
//! Not modelled: electronic signature of replies, the dematerialised
//! exchange with the State (a file of the treating service is attached
//! instead), and per-service visibility (every agent of the module reads
//! the registry, as in a commune's single mail office).

pub mod fixture;
pub mod registry;

use module_engine::attachment::{Attachments, OFFICE_TYPES};
use module_engine::schema::{
    Action, Entity, Field, Letter, Module, ModuleRole, Numbering, Rights, SavedQuery, States,
};
use module_engine::{FieldError, Record};

use crate::date::Date;

pub use registry::{
    InboxLine, Mail, Numero, RegisterLine, SlipLine, SlipRole, Task, day_register, inbox, overdue,
    slip,
};

/// The module's name (URLs, tables).
pub const NAME: &str = "courrier";

choices! {
    /// The register a courrier is in.
    enum Sens, SENS {
        Arrivee = ("arrivee", "Arrivée"),
        Depart = ("depart", "Départ"),
    }
}

choices! {
    /// How it came or went.
    enum Nature, NATURES {
        Lettre = ("lettre", "Lettre"),
        Recommande = ("recommande", "Lettre recommandée"),
        Courriel = ("courriel", "Courriel"),
        Fax = ("fax", "Télécopie"),
        Depot = ("depot", "Dépôt au guichet"),
        Colis = ("colis", "Colis"),
        Interne = ("interne", "Note interne"),
    }
}

choices! {
    /// What it is about, for the statistics and the sorting of the inbox.
    enum TypeCourrier, TYPES {
        Demande = ("demande", "Demande"),
        Reclamation = ("reclamation", "Réclamation"),
        Information = ("information", "Information"),
        Invitation = ("invitation", "Invitation"),
        Facture = ("facture", "Facture"),
        Candidature = ("candidature", "Candidature"),
        Autre = ("autre", "Autre"),
    }
}

choices! {
    /// Where a courrier is in its treatment (the first is a new one's).
    enum Etat, ETATS {
        Enregistre = ("enregistre", "Enregistré"),
        Affecte = ("affecte", "Affecté"),
        EnTraitement = ("en_traitement", "En traitement"),
        Repondu = ("repondu", "Répondu"),
        Clos = ("clos", "Clos"),
    }
}

choices! {
    /// Where a task is.
    enum EtatTache, ETATS_TACHE {
        AFaire = ("a_faire", "À faire"),
        EnCours = ("en_cours", "En cours"),
        Faite = ("faite", "Faite"),
        Annulee = ("annulee", "Annulée"),
    }
}

choices! {
    /// How a contact is addressed.
    enum Civilite, CIVILITES {
        Madame = ("mme", "Madame"),
        Monsieur = ("m", "Monsieur"),
        Organisme = ("org", "Organisme"),
    }
}

/// The registry's office: registers, assigns, closes.
pub const AGENT_COURRIER: &str = "agent_courrier";
/// An agent of a service: takes in charge, answers, does the tasks.
pub const AGENT_SERVICE: &str = "agent_service";

const DESK: [&str; 2] = ["admin", "desk"];
const REGISTRY: [&str; 3] = ["admin", "desk", AGENT_COURRIER];
const SERVICES: [&str; 3] = ["admin", "desk", AGENT_SERVICE];
const EVERYONE: [&str; 4] = ["admin", "desk", AGENT_COURRIER, AGENT_SERVICE];

fn rights(read: &[&'static str], write: &[&'static str]) -> Rights {
    Rights {
        read: read.to_vec(),
        create: write.to_vec(),
        update: write.to_vec(),
        delete: DESK.to_vec(),
    }
}

/// openCourrier's declaration.
pub fn module() -> Module {
    Module {
        name: NAME,
        label: "openCourrier — registre du courrier",
        description: "Registre du courrier arrivé et départ : numérotation par année et par \
                      registre, service traitant et relais, diffusion aux services, tâches \
                      et échéances, réponses, pièces jointes, bordereaux de transmission et \
                      registre du jour.",
        entities: vec![service(), contact(), courrier(), diffusion(), tache()],
        queries: queries(),
        letters: letters(),
        roles: vec![
            ModuleRole {
                code: AGENT_COURRIER,
                label: "Agent du courrier",
            },
            ModuleRole {
                code: AGENT_SERVICE,
                label: "Agent d'un service",
            },
        ],
        en: &[],
    }
}

fn service() -> Entity {
    Entity::new("service", "Services", "un service")
        .field(
            Field::text("code", "Code", 12)
                .required()
                .pattern("[A-Z0-9_-]+", "majuscules, chiffres, tirets")
                .help("Code court, par exemple URBA, ETAT-CIVIL."),
        )
        .field(Field::text("libelle", "Libellé", 120).required())
        .field(Field::email("courriel", "Courriel du service"))
        .field(
            Field::reference("parent", "Service de rattachement", "service")
                .help("La direction ou le pôle dont il dépend, s'il y a lieu."),
        )
        .field(Field::text("responsable", "Responsable", 120))
        .title(&["code", "libelle"])
        .columns(&["code", "libelle", "responsable", "parent"])
        .sort("code", false)
        .search(&["code", "libelle", "responsable"])
        .unique(&["code"], "un autre service porte ce code")
        .rights(rights(&EVERYONE, &DESK))
}

fn contact() -> Entity {
    Entity::new("contact", "Contacts", "un contact")
        .field(
            Field::text("code", "Code", 20)
                .pattern("[A-Za-z0-9_-]+", "lettres, chiffres, tirets")
                .help("Facultatif : un code court pour les correspondants réguliers."),
        )
        .field(Field::choice("civilite", "Civilité", CIVILITES))
        .field(Field::text("nom", "Nom", 120).required())
        .field(Field::text("prenom", "Prénom", 80))
        .field(
            Field::text("organisme", "Organisme", 150)
                .help("Société, association, administration…"),
        )
        .field(Field::text("adresse", "Adresse", 200).section("Adresse"))
        .field(
            Field::text("code_postal", "Code postal", 5)
                .pattern("[0-9]{5}", "cinq chiffres")
                .section("Adresse"),
        )
        .field(Field::text("ville", "Ville", 100).section("Adresse"))
        .field(Field::email("courriel", "Courriel").section("Joindre"))
        .field(Field::phone("telephone", "Téléphone").section("Joindre"))
        .title(&["nom", "prenom", "organisme"])
        .columns(&["nom", "prenom", "organisme", "ville", "code"])
        .sort("nom", false)
        .filters(&["ville"])
        .search(&["code", "nom", "prenom", "organisme", "ville"])
        .unique(&["code"], "un autre contact porte ce code")
        .rule("adresse_complete", address_complete)
        .rights(rights(&EVERYONE, &EVERYONE))
}

fn courrier() -> Entity {
    let action = |name, label, from: &[&'static str], to, roles: &[&'static str], stamp| Action {
        name,
        label,
        from: from.to_vec(),
        to,
        roles: roles.to_vec(),
        stamp,
    };
    Entity::new("courrier", "Courriers", "un courrier")
        .field(
            Field::choice("sens", "Registre", SENS)
                .required()
                .help("Arrivée ou départ : chaque registre a sa numérotation."),
        )
        .field(
            Field::text("numero", "Numéro", 16)
                .help("Donné à l'enregistrement : année et rang dans le registre (2026-7)."),
        )
        .field(Field::integer("annee", "Année"))
        .field(Field::integer("rang", "Rang"))
        .field(
            Field::date("date_enregistrement", "Date d'enregistrement")
                .help("Aujourd'hui si elle est laissée vide ; elle fixe l'année du numéro."),
        )
        .field(Field::choice("nature", "Nature", NATURES).required())
        .field(Field::choice("type_courrier", "Type", TYPES))
        .field(
            Field::reference("contact", "Expéditeur ou destinataire", "contact")
                .required()
                .help("L'expéditeur d'un courrier arrivé, le destinataire d'un départ."),
        )
        .field(Field::text("objet", "Objet", 250).required())
        .field(Field::date("date_courrier", "Date du courrier").section("Dates"))
        .field(
            Field::date("date_arrivee", "Date d'arrivée")
                .section("Dates")
                .help("Obligatoire pour un courrier arrivé."),
        )
        .field(
            Field::date("echeance", "Échéance de réponse")
                .section("Dates")
                .help("La date à laquelle une réponse est due, s'il en faut une."),
        )
        .field(Field::date("date_reponse", "Date de réponse").section("Dates"))
        .field(Field::date("date_cloture", "Date de clôture").section("Dates"))
        .field(
            Field::reference("service", "Service traitant", "service")
                .section("Traitement")
                .help("Obligatoire pour affecter le courrier."),
        )
        .field(
            Field::reference("relais", "Service relais", "service")
                .section("Traitement")
                .help("Un second service qui suit le dossier, s'il y a lieu."),
        )
        .field(Field::choice("etat", "État", ETATS).section("Traitement"))
        .field(
            Field::reference("reponse_a", "En réponse au courrier", "courrier")
                .section("Traitement")
                .help("Pour un départ : le courrier arrivé auquel il répond."),
        )
        .field(Field::long_text("observations", "Observations", 2000).section("Traitement"))
        .numbering(Numbering {
            year: "annee",
            rank: "rang",
            number: "numero",
            date: "date_enregistrement",
            scope: vec!["sens"],
        })
        .title(&["numero", "objet"])
        .columns(&[
            "numero",
            "sens",
            "date_enregistrement",
            "contact",
            "objet",
            "service",
            "etat",
            "echeance",
        ])
        .sort("date_enregistrement", true)
        .filters(&[
            "sens",
            "etat",
            "service",
            "nature",
            "annee",
            "contact",
            "numero",
            "date_enregistrement",
        ])
        .search(&["numero", "objet", "observations"])
        .unique(
            &["sens", "annee", "rang"],
            "ce numéro est déjà donné dans ce registre",
        )
        .rule("date_arrivee_obligatoire", arrival_date_required)
        .rule("dates_ordonnees", dates_in_order)
        .rule("reponse_depart", reply_is_leaving)
        .rule("relais_distinct", relay_differs)
        .rule("service_pour_affecter", service_when_assigned)
        .rights(Rights {
            read: EVERYONE.to_vec(),
            create: REGISTRY.to_vec(),
            update: EVERYONE.to_vec(),
            delete: vec!["admin"],
        })
        .states(States {
            field: "etat",
            actions: vec![
                action(
                    "affecter",
                    "Affecter au service",
                    &["enregistre"],
                    "affecte",
                    &REGISTRY,
                    None,
                ),
                action(
                    "prendre_en_charge",
                    "Prendre en charge",
                    &["affecte"],
                    "en_traitement",
                    &SERVICES,
                    None,
                ),
                action(
                    "renvoyer",
                    "Renvoyer au courrier (pas pour ce service)",
                    &["affecte", "en_traitement"],
                    "enregistre",
                    &SERVICES,
                    None,
                ),
                action(
                    "repondre",
                    "Marquer répondu",
                    &["en_traitement"],
                    "repondu",
                    &SERVICES,
                    Some("date_reponse"),
                ),
                action(
                    "clore",
                    "Clore",
                    &["affecte", "en_traitement", "repondu"],
                    "clos",
                    &EVERYONE,
                    Some("date_cloture"),
                ),
                action(
                    "rouvrir",
                    "Rouvrir",
                    &["clos"],
                    "en_traitement",
                    &REGISTRY,
                    None,
                ),
            ],
        })
        .attachments(Attachments {
            max_bytes: 20 * 1024 * 1024,
            types: OFFICE_TYPES.to_vec(),
            download: EVERYONE.to_vec(),
        })
}

fn diffusion() -> Entity {
    Entity::new("diffusion", "Diffusions", "une diffusion")
        .field(Field::reference("courrier", "Courrier", "courrier").required())
        .field(Field::reference("service", "Service destinataire", "service").required())
        .field(
            Field::integer("ordre", "Ordre")
                .required()
                .range(Some(1), Some(99))
                .help("L'ordre dans lequel le courrier circule entre les services."),
        )
        .field(Field::date("date_transmission", "Date de transmission"))
        .field(Field::boolean("pour_avis", "Pour avis").help(
            "Coché : le service donne son avis au service traitant ; sinon, pour information.",
        ))
        .title(&["courrier", "service"])
        .columns(&[
            "courrier",
            "ordre",
            "service",
            "date_transmission",
            "pour_avis",
        ])
        .sort("ordre", false)
        .filters(&["courrier", "service"])
        .unique(
            &["courrier", "service"],
            "ce courrier est déjà diffusé à ce service",
        )
        .unique(&["courrier", "ordre"], "ce rang de diffusion est déjà pris")
        .rights(rights(&EVERYONE, &REGISTRY))
}

fn tache() -> Entity {
    let action = |name, label, from: &[&'static str], to, stamp| Action {
        name,
        label,
        from: from.to_vec(),
        to,
        roles: EVERYONE.to_vec(),
        stamp,
    };
    Entity::new("tache", "Tâches", "une tâche")
        .field(Field::reference("courrier", "Courrier", "courrier").required())
        .field(Field::reference("service", "Service chargé", "service").required())
        .field(Field::text("libelle", "Tâche", 200).required())
        .field(Field::date("echeance", "Échéance").required())
        .field(Field::choice("etat", "État", ETATS_TACHE))
        .field(Field::date("date_faite", "Faite le"))
        .field(Field::long_text("observations", "Observations", 1000))
        .title(&["libelle"])
        .columns(&["libelle", "courrier", "service", "echeance", "etat"])
        .sort("echeance", false)
        .filters(&["service", "etat", "courrier"])
        .search(&["libelle", "observations"])
        .rights(rights(&EVERYONE, &EVERYONE))
        .states(States {
            field: "etat",
            actions: vec![
                action("commencer", "Commencer", &["a_faire"], "en_cours", None),
                action(
                    "terminer",
                    "Terminer",
                    &["a_faire", "en_cours"],
                    "faite",
                    Some("date_faite"),
                ),
                action(
                    "annuler",
                    "Annuler",
                    &["a_faire", "en_cours"],
                    "annulee",
                    None,
                ),
                action(
                    "reprendre",
                    "Reprendre",
                    &["faite", "annulee"],
                    "a_faire",
                    None,
                ),
            ],
        })
}

fn queries() -> Vec<SavedQuery> {
    vec![
        SavedQuery {
            name: "a_affecter",
            label: "Courriers à affecter",
            entity: "courrier",
            fixed: vec![("etat", "enregistre")],
            params: vec![],
            roles: REGISTRY.to_vec(),
        },
        SavedQuery {
            name: "courriers_du_service",
            label: "Courriers en traitement d'un service",
            entity: "courrier",
            fixed: vec![("etat", "en_traitement")],
            params: vec!["service"],
            roles: EVERYONE.to_vec(),
        },
        SavedQuery {
            name: "taches_du_service",
            label: "Tâches à faire d'un service",
            entity: "tache",
            fixed: vec![("etat", "a_faire")],
            params: vec!["service"],
            roles: EVERYONE.to_vec(),
        },
    ]
}

fn letters() -> Vec<Letter> {
    vec![Letter {
        name: "accuse_reception",
        label: "Accusé de réception",
        entity: "courrier",
        heading: "Accusé de réception de votre courrier — n° {numero}",
        body: "Madame, Monsieur,\n\nNous avons bien reçu le {date_arrivee} votre courrier du {date_courrier}, ayant pour objet : {objet}.\n\nIl est enregistré sous le numéro {numero} et a été transmis au service {service}, qui vous répondra. Merci de rappeler ce numéro dans toute correspondance.\n\nVeuillez agréer, Madame, Monsieur, l'expression de nos salutations distinguées.",
        signature: "Le maire",
        roles: REGISTRY.to_vec(),
    }]
}

// ---------------------------------------------------------------------------
// Per-record rules (run once the fields read and the required ones are
// filled, on every save and after every action).

fn date(r: &Record<'_>, name: &str) -> Option<Date> {
    r.text(name).and_then(Date::parse)
}

fn address_complete(r: &Record<'_>) -> Vec<FieldError> {
    if r.text("code_postal").is_some() && r.text("ville").is_none() {
        return vec![r.error(
            "ville",
            "ville_avec_code_postal",
            "un code postal va avec sa ville : indiquer la ville",
        )];
    }
    vec![]
}

fn arrival_date_required(r: &Record<'_>) -> Vec<FieldError> {
    if r.text("sens") == Some(Sens::Arrivee.code()) && r.text("date_arrivee").is_none() {
        return vec![r.error(
            "date_arrivee",
            "date_arrivee_obligatoire",
            "un courrier arrivé a sa date d'arrivée",
        )];
    }
    vec![]
}

fn dates_in_order(r: &Record<'_>) -> Vec<FieldError> {
    let mut out = Vec::new();
    let written = date(r, "date_courrier");
    let arrived = date(r, "date_arrivee");
    if let (Some(w), Some(a)) = (written, arrived)
        && a < w
    {
        out.push(r.error(
            "date_arrivee",
            "arrivee_apres_courrier",
            format!(
                "la date d'arrivée ({}) précède la date du courrier ({})",
                a.fr(),
                w.fr()
            ),
        ));
    }
    if let (Some(a), Some(reg)) = (arrived, date(r, "date_enregistrement"))
        && reg < a
    {
        out.push(r.error(
            "date_enregistrement",
            "enregistrement_apres_arrivee",
            format!(
                "un courrier s'enregistre le jour de son arrivée ou après ({}), pas le {}",
                a.fr(),
                reg.fr()
            ),
        ));
    }
    let start = date(r, "date_enregistrement").or(arrived);
    if let (Some(s), Some(due)) = (start, date(r, "echeance"))
        && due < s
    {
        out.push(r.error(
            "echeance",
            "echeance_apres_enregistrement",
            format!(
                "l'échéance ({}) précède l'enregistrement ({})",
                due.fr(),
                s.fr()
            ),
        ));
    }
    out
}

fn reply_is_leaving(r: &Record<'_>) -> Vec<FieldError> {
    if r.int("reponse_a").is_some() && r.text("sens") != Some(Sens::Depart.code()) {
        return vec![r.error(
            "reponse_a",
            "reponse_depart",
            "seul un courrier départ répond à un courrier arrivé",
        )];
    }
    vec![]
}

fn relay_differs(r: &Record<'_>) -> Vec<FieldError> {
    match (r.int("service"), r.int("relais")) {
        (Some(s), Some(x)) if s == x => vec![r.error(
            "relais",
            "relais_distinct",
            "le service relais est un autre service que le service traitant",
        )],
        _ => vec![],
    }
}

fn service_when_assigned(r: &Record<'_>) -> Vec<FieldError> {
    let state = r.text("etat").and_then(Etat::from_code);
    if state.is_some_and(|s| s != Etat::Enregistre) && r.int("service").is_none() {
        return vec![r.error(
            "service",
            "service_pour_affecter",
            "un courrier affecté a son service traitant : le choisir d'abord",
        )];
    }
    vec![]
}
