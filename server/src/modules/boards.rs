//! The screens a module has beyond the engine's lists and forms (openScrutin's
//! completeness board…): the links the module's home shows.

use module_engine::Module;

/// (address, label) of each of the module's own screens.
pub fn links(m: &Module) -> Vec<(String, String)> {
    match m.name {
        super::scrutin::NAME => vec![(
            "/desk/m/scrutin/tableau".into(),
            "Tableau de complétude des bureaux (R42), documents et heures".into(),
        )],
        super::elec::NAME => vec![(
            "/desk/m/elec/controle".into(),
            "Contrôle du découpage, inscrits par bureau, listes d'émargement".into(),
        )],
        super::courrier::NAME => vec![
            (
                "/desk/m/courrier/corbeille".into(),
                "Corbeille d'un service : courriers et tâches en retard, bordereau, registre du jour"
                    .into(),
            ),
            (
                "/desk/m/courrier/recherche".into(),
                "Rechercher un courrier (numéro, correspondant, objet, dates)".into(),
            ),
        ],
        super::cimetiere::NAME => {
            let tr = crate::lang::Tr::here(m);
            vec![
                (
                    "/desk/m/cimetiere/plan".into(),
                    tr.pick("Plan des cimetières", "Cemetery plans").into(),
                ),
                (
                    "/desk/m/cimetiere/echeances".into(),
                    tr.pick(
                        "Concessions arrivant à échéance et lettres aux titulaires",
                        "Concessions expiring and letters to their holders",
                    )
                    .into(),
                ),
                (
                    "/desk/m/cimetiere/registre".into(),
                    tr.pick("Registre des inhumations", "Burial register").into(),
                ),
                (
                    "/desk/m/cimetiere/places-libres".into(),
                    tr.pick("Places libres par zone", "Free plots by section").into(),
                ),
            ]
        }
        _ => Vec::new(),
    }
}
