//! The languages of the modules' screens and documents, and the English of
//! the words the engine's screens use around a module's own texts (list,
//! form, record, search, letters).
//!
//! A module's texts (labels, helps, choices, letters) are its own: it
//! gives their English in [`crate::Module::en`], checked complete by
//! [`crate::Module::check`]. The words of the screens every module shares
//! (« Enregistrer », « Rechercher », « Pièces jointes »…) are here, once,
//! so that the desk's generic screens and a module's own screens say them
//! alike. French is the source: a text is looked up by its French, and
//! a word not in the table stays French (which the tests of the English
//! screens catch).

/// A language of the screens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Fr,
    En,
}

impl Lang {
    /// `?lang=` or a cookie's value → language; French for anything else.
    pub fn parse(s: Option<&str>) -> Lang {
        match s {
            Some(l) if l.trim().eq_ignore_ascii_case("en") => Lang::En,
            _ => Lang::Fr,
        }
    }

    /// The `lang` attribute and query value.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    /// The other language, for the switch on every screen.
    pub fn other(self) -> Lang {
        match self {
            Lang::Fr => Lang::En,
            Lang::En => Lang::Fr,
        }
    }

    /// The name of the language in itself.
    pub fn name(self) -> &'static str {
        match self {
            Lang::Fr => "Français",
            Lang::En => "English",
        }
    }
}

/// A word of the shared screens in `lang` (itself when the table has none).
pub fn word(lang: Lang, fr: &'static str) -> &'static str {
    match lang {
        Lang::Fr => fr,
        Lang::En => WORDS_EN
            .iter()
            .find(|(f, _)| *f == fr)
            .map_or(fr, |(_, en)| *en),
    }
}

/// The shared screens' words: (French, English).
pub const WORDS_EN: &[(&str, &str)] = &[
    ("Modules", "Modules"),
    ("Rechercher", "Search"),
    ("Recherche", "Search"),
    ("Nouvelle fiche", "New record"),
    ("Enregistrer", "Save"),
    ("Modifier", "Edit"),
    ("Supprimer", "Delete"),
    ("Annuler", "Cancel"),
    ("Retour à la liste", "Back to the list"),
    ("Filtrer", "Filter"),
    ("Tous", "All"),
    ("Exporter", "Export"),
    ("Importer", "Import"),
    ("Page", "Page"),
    ("suivante", "next"),
    ("précédente", "previous"),
    ("fiches", "records"),
    ("Aucune fiche", "No record"),
    ("Actions", "Actions"),
    ("État", "State"),
    ("Pièces jointes", "Attachments"),
    ("Joindre", "Attach"),
    ("Aucune pièce jointe", "No attachment"),
    ("Télécharger", "Download"),
    ("Lettres types", "Form letters"),
    ("Requêtes", "Queries"),
    ("Imprimer", "Print"),
    ("Oui", "Yes"),
    ("Non", "No"),
    ("Version", "Version"),
    ("Erreurs", "Errors"),
    (
        "Corrigez les champs signalés.",
        "Correct the fields marked.",
    ),
    ("obligatoire", "required"),
    ("Documents", "Documents"),
    ("Date", "Date"),
    ("Du", "From"),
    ("Au", "To"),
    ("Voir", "View"),
    ("Légende", "Legend"),
    ("Total", "Total"),
    ("Aller au contenu", "Skip to content"),
    ("Saisie des résultats", "Results entry"),
    ("Se déconnecter", "Sign out"),
    ("Tableau de bord", "Dashboard"),
    ("Tableaux", "Boards"),
    ("Fiches", "Records"),
    ("Requêtes mémorisées", "Saved queries"),
    (
        " (PDF, une page par fiche ; les filtres de la liste s'appliquent)",
        " (PDF, one page per record; the list's filters apply)",
    ),
    ("fiche", "record"),
    ("sur", "of"),
    ("exporter :", "export:"),
    ("tableur (.xlsx)", "spreadsheet (.xlsx)"),
    ("lettres :", "letters:"),
    ("Ajouter", "Add"),
    (
        "Importer un fichier (CSV, tableur)",
        "Import a file (CSV, spreadsheet)",
    ),
    (
        "La fiche n'a pas été enregistrée :",
        "The record was not saved:",
    ),
    ("erreur", "error"),
    ("erreurs", "errors"),
    ("Fiche", "Record"),
    ("Fiche enregistrée.", "Record saved."),
    ("Fiche n°", "Record no."),
    ("Fichier joint.", "File attached."),
    ("Aucune pièce jointe.", "No attachment."),
    ("Fichier", "File"),
    ("Taille", "Size"),
    ("Joint par", "Attached by"),
    ("Retirer", "Remove"),
    ("Joindre un fichier", "Attach a file"),
    (
        "Ko au plus ; son type est lu dans son contenu",
        "KB at most; its type is read from its content",
    ),
    ("Fiches liées", "Related records"),
    ("oui", "yes"),
    ("non", "no"),
    ("version", "version"),
    ("Afficher", "Show"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_is_found_by_its_french_and_unknown_ones_stay_french() {
        assert_eq!(word(Lang::En, "Enregistrer"), "Save");
        assert_eq!(word(Lang::Fr, "Enregistrer"), "Enregistrer");
        assert_eq!(word(Lang::En, "Inconnu"), "Inconnu");
        assert_eq!(Lang::parse(Some("EN")), Lang::En);
        assert_eq!(Lang::parse(Some("de")), Lang::Fr);
        let mut seen = std::collections::HashSet::new();
        assert!(
            WORDS_EN.iter().all(|(fr, _)| seen.insert(fr)),
            "a word twice"
        );
    }
}
