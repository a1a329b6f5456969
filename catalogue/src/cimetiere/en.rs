//! The English of every text of openCimetière's declaration (module,
//! roles, entities, fields, helps, choices, unique sets, actions, saved
//! queries and the letter), for an English screen of an international
//! « opencemetery »: (French as declared, English). [`super::module`]
//! hands it to the engine, whose `Module::check` requires it complete;
//! the tests also require every entry to be a text of the declaration, so
//! none is left behind when a label changes.
//!
//! French legal terms are rendered by their usual English: a concession
//! is a « concession » (a grave plot granted for a term), a reprise a
//! « reclaim », an arrêté the mayor's « order », a procès-verbal an
//! « official report »; the titles of the CGCT's articles stay French.

/// (French, English) for every text of [`super::module`].
pub const EN: &[(&str, &str)] = &[
    (
        "openCimetière — concessions et sépultures",
        "openCemetery — grave plots and burials",
    ),
    (
        "Cimetières de la commune : zones et emplacements sur le plan, concessions (art. L2223-13 à L2223-15 du CGCT) et leurs renouvellements, défunts et inhumations, reprises des concessions échues ou en état d'abandon (art. L2223-17, R2223-12 à R2223-21).",
        "The commune's cemeteries: zones and grave plots on the plan, concessions (art. L2223-13 to L2223-15 of the CGCT) and their renewals, the deceased and their burials, the taking back of expired or abandoned concessions (art. L2223-17, R2223-12 to R2223-21).",
    ),
    ("Conservateur du cimetière", "Cemetery registrar"),
    ("Agent du cimetière", "Cemetery officer"),
    ("Cimetières", "Cemeteries"),
    ("un cimetière", "a cemetery"),
    ("Nom", "Name"),
    (
        "Par exemple « Cimetière communal du Centre ».",
        "For example “Town Centre Cemetery”.",
    ),
    ("Adresse", "Address"),
    ("Commune", "Commune"),
    (
        "Pour un cimetière d'une commune déléguée ou intercommunal ; facultatif.",
        "For a cemetery of a delegated commune or shared by several communes; optional.",
    ),
    ("Largeur du plan", "Plan width"),
    (
        "En unités du plan (par exemple en mètres) : les zones s'y placent.",
        "In plan units (metres, for example): the zones are placed on it.",
    ),
    ("Plan", "Plan"),
    ("Hauteur du plan", "Plan height"),
    (
        "un autre cimetière porte ce nom",
        "another cemetery has this name",
    ),
    ("Zones", "Zones"),
    ("une zone", "a zone"),
    ("Cimetière", "Cemetery"),
    ("Code", "Code"),
    (
        "Par exemple « A », « C3 » : unique dans le cimetière.",
        "For example “A”, “C3”: unique within the cemetery.",
    ),
    ("lettres, chiffres, tirets", "letters, digits, hyphens"),
    (
        "Par exemple « Carré des Tilleuls », « Columbarium ».",
        "For example “Lime Tree Section”, “Columbarium”.",
    ),
    ("Abscisse", "X"),
    (
        "Coin supérieur gauche de la zone sur le plan du cimetière, en unités du plan.",
        "Top left corner of the zone on the cemetery's plan, in plan units.",
    ),
    ("Place sur le plan", "Position on the plan"),
    ("Ordonnée", "Y"),
    ("Largeur", "Width"),
    ("Hauteur", "Height"),
    (
        "La zone tient dans le plan du cimetière (vérifié à l'enregistrement).",
        "The zone lies within the cemetery's plan (checked on saving).",
    ),
    (
        "ce cimetière a déjà une zone de ce code",
        "this cemetery already has a zone with this code",
    ),
    ("Emplacements", "Grave plots"),
    ("un emplacement", "a grave plot"),
    ("Zone", "Zone"),
    ("Allée", "Path"),
    (
        "Allée ou rang, par exemple « Allée 3 » ; facultatif.",
        "Path or row, for example “Path 3”; optional.",
    ),
    ("Numéro", "Number"),
    (
        "Le numéro de l'emplacement, unique dans sa zone, par exemple « B-127 ».",
        "The plot's number, unique within its zone, for example “B-127”.",
    ),
    ("Type", "Type"),
    (
        "Une case de columbarium ou une cavurne ne reçoit que des urnes.",
        "A columbarium niche or an urn vault receives urns only.",
    ),
    ("Pleine terre", "In the ground"),
    ("Caveau", "Vault"),
    ("Case de columbarium", "Columbarium niche"),
    ("Cavurne", "Urn vault"),
    ("Capacité", "Capacity"),
    (
        "Le nombre de cercueils ou d'urnes qu'il peut recevoir : chaque cercueil et chaque urne compte pour un.",
        "How many coffins or urns it may receive: each coffin and each urn counts as one.",
    ),
    ("Terrain commun", "Common ground"),
    (
        "Une fosse du terrain commun, sans concession : une seule inhumation à la fois, en pleine terre (art. R2223-3), la fosse n'étant rouverte que cinq ans après (art. R2223-5).",
        "A grave of the common ground, without a concession: one burial at a time, in the ground (art. R2223-3), the grave being reopened only five years later (art. R2223-5).",
    ),
    ("Colonne", "Column"),
    (
        "Colonne de l'emplacement dans la grille de sa zone (0 pour la première).",
        "The plot's column in its zone's grid (0 for the first).",
    ),
    ("Rang", "Row"),
    (
        "Rang de l'emplacement dans la grille de sa zone (0 pour le premier).",
        "The plot's row in its zone's grid (0 for the first).",
    ),
    ("Observations", "Notes"),
    (
        "cette zone a déjà un emplacement de ce numéro",
        "this zone already has a plot with this number",
    ),
    (
        "un autre emplacement occupe déjà cette case de la grille de la zone",
        "another plot already takes this cell of the zone's grid",
    ),
    ("Concessions", "Concessions"),
    ("une concession", "a concession"),
    ("Numéro de l'acte", "Deed number"),
    (
        "Le numéro de l'acte de concession, par exemple « 2024-0137 ».",
        "The number of the concession deed, for example “2024-0137”.",
    ),
    ("Emplacement", "Grave plot"),
    ("Nature", "Kind"),
    (
        "Les catégories de l'art. L2223-14 que la commune a instituées.",
        "The categories of art. L2223-14 the commune has established.",
    ),
    (
        "Temporaire (quinze ans au plus)",
        "Temporary (fifteen years at most)",
    ),
    ("Trentenaire", "Thirty years"),
    ("Cinquantenaire", "Fifty years"),
    ("Perpétuelle", "Perpetual"),
    ("Durée (années)", "Term (years)"),
    (
        "Pour une concession temporaire seulement : de 5 à 15 ans (quinze ans au plus, art. L2223-14).",
        "For a temporary concession only: 5 to 15 years (fifteen years at most, art. L2223-14).",
    ),
    ("Date de l'acte", "Deed date"),
    (
        "La durée de la concession court à partir de cette date.",
        "The concession's term runs from this date.",
    ),
    ("Échéance", "Expiry"),
    (
        "Calculée : l'acte plus 30 ans (trentenaire), 50 ans (cinquantenaire) ou sa durée (temporaire) ; vide pour une perpétuelle. Les renouvellements la prolongent.",
        "Computed: the deed plus 30 years (thirty years), 50 years (fifty years) or its term (temporary); empty for a perpetual one. Renewals extend it.",
    ),
    ("Prix (€)", "Price (€)"),
    (
        "En euros, au tarif en vigueur à la date de l'acte.",
        "In euros, at the tariff in force on the deed's date.",
    ),
    ("Titulaire", "Holder"),
    ("Prénom", "First name"),
    ("Code postal", "Postcode"),
    ("cinq chiffres", "five digits"),
    ("Ville", "Town"),
    ("Ayants droit", "Entitled persons"),
    (
        "Les personnes qui ont droit à y être inhumées (le titulaire, son conjoint, ses descendants…), une par ligne.",
        "The persons entitled to be buried there (the holder, their spouse, their descendants…), one per line.",
    ),
    (
        "un autre acte de concession porte ce numéro",
        "another concession deed has this number",
    ),
    ("Renouvellements", "Renewals"),
    ("un renouvellement", "a renewal"),
    ("Concession", "Concession"),
    ("Date de la demande", "Date requested"),
    (
        "Au plus tard deux ans après l'échéance de la période précédente (art. L2223-15).",
        "Two years at the latest after the expiry of the previous term (art. L2223-15).",
    ),
    (
        "Une concession perpétuelle ne se renouvelle pas.",
        "A perpetual concession is not renewed.",
    ),
    ("Point de départ", "Starts on"),
    (
        "L'échéance de la période précédente : le renouvellement court à partir de cette date, quelle que soit la date de la demande (art. L2223-15).",
        "The expiry of the previous term: the renewal runs from that date, whatever the date it is requested (art. L2223-15).",
    ),
    ("Nouvelle échéance", "New expiry"),
    (
        "Calculée à partir du point de départ, de la nature et de la durée.",
        "Computed from the start, the kind and the term.",
    ),
    (
        "Au tarif en vigueur à la date du renouvellement.",
        "At the tariff in force on the renewal's date.",
    ),
    (
        "cette concession a déjà un renouvellement à partir de cette date",
        "this concession already has a renewal from this date",
    ),
    ("Défunts", "Deceased"),
    ("un défunt", "a deceased person"),
    ("Prénoms", "First names"),
    ("Date de naissance", "Date of birth"),
    ("Date du décès", "Date of death"),
    ("Lieu du décès", "Place of death"),
    (
        "Commune du décès, tel que sur l'acte de décès.",
        "Commune of death, as on the death certificate.",
    ),
    ("Inhumations", "Burials"),
    ("une inhumation", "a burial"),
    ("Défunt", "Deceased"),
    (
        "Vide pour une inhumation en terrain commun.",
        "Empty for a burial in the common ground.",
    ),
    ("Date de l'inhumation", "Burial date"),
    (
        "Vingt-quatre heures au moins et six jours au plus après le décès, sauf dérogation du préfet (art. R2213-33) ; jamais avant le décès (vérifié à l'enregistrement).",
        "Twenty-four hours at least and six days at most after the death, unless the préfet grants a derogation (art. R2213-33); never before the death (checked on saving).",
    ),
    (
        "Un cercueil ou une urne : chacun compte pour un dans la capacité.",
        "A coffin or an urn: each counts as one in the capacity.",
    ),
    ("Cercueil", "Coffin"),
    ("Urne cinéraire", "Cinerary urn"),
    ("Reprises", "Reclaims"),
    ("une procédure de reprise", "a reclaim procedure"),
    ("Motif", "Ground"),
    (
        "Échue non renouvelée : reprise deux ans après l'échéance (art. L2223-15) ; en état d'abandon : constats et délibération (art. L2223-17).",
        "Expired, not renewed: reclaimed two years after expiry (art. L2223-15); abandoned: official reports and council decision (art. L2223-17).",
    ),
    (
        "Concession échue non renouvelée",
        "Expired concession not renewed",
    ),
    ("Concession en état d'abandon", "Abandoned concession"),
    ("Date d'ouverture", "Opened on"),
    (
        "Le jour où la procédure est engagée ; ses étapes viennent après.",
        "The day the procedure is opened; its steps come after.",
    ),
    ("État", "State"),
    (
        "Change par les actions (constater, délibérer, prononcer, exécuter, abandonner), une fois l'étape correspondante enregistrée.",
        "Changed by the actions (record, decide, pronounce, carry out, drop), once the matching step is recorded.",
    ),
    ("Engagée", "Opened"),
    (
        "Abandon constaté (1er procès-verbal)",
        "Abandonment recorded (1st official report)",
    ),
    (
        "Abandon constaté à nouveau (2d procès-verbal)",
        "Abandonment recorded again (2nd official report)",
    ),
    (
        "Reprise décidée par le conseil municipal",
        "Reclaim decided by the municipal council",
    ),
    (
        "Reprise prononcée par arrêté du maire",
        "Reclaim pronounced by the mayor's order",
    ),
    ("Reprise exécutée", "Reclaim carried out"),
    ("Procédure abandonnée", "Procedure dropped"),
    (
        "Constater l'abandon (1er procès-verbal)",
        "Record the abandonment (1st official report)",
    ),
    (
        "Constater à nouveau l'abandon (2d procès-verbal)",
        "Record the abandonment again (2nd official report)",
    ),
    (
        "Enregistrer la délibération du conseil municipal",
        "Record the municipal council's decision",
    ),
    (
        "Prononcer la reprise (arrêté du maire)",
        "Pronounce the reclaim (mayor's order)",
    ),
    ("Exécuter la reprise", "Carry out the reclaim"),
    ("Abandonner la procédure", "Drop the procedure"),
    ("Étapes des reprises", "Reclaim steps"),
    ("une étape de reprise", "a reclaim step"),
    ("Procédure de reprise", "Reclaim procedure"),
    ("Étape", "Step"),
    (
        "Dans l'ordre : avis à la famille, procès-verbal, notification, second procès-verbal trois ans après, délibération un mois après, arrêté, enlèvement trente jours après ; pour une concession échue, l'arrêté deux ans après l'échéance, puis l'enlèvement.",
        "In order: notice to the family, official report, notification, second official report three years later, council decision a month later, order, removal thirty days later; for an expired concession, the order two years after expiry, then the removal.",
    ),
    (
        "Avis à la famille (un mois avant le constat)",
        "Notice to the family (a month before the report)",
    ),
    (
        "Procès-verbal de constat d'abandon",
        "Official report of abandonment",
    ),
    (
        "Notification et affichage du procès-verbal",
        "Report notified and posted",
    ),
    (
        "Second procès-verbal (trois ans après)",
        "Second official report (three years later)",
    ),
    (
        "Délibération du conseil municipal",
        "Municipal council's decision",
    ),
    (
        "Arrêté du maire prononçant la reprise",
        "Mayor's order pronouncing the reclaim",
    ),
    ("Enlèvement des matériaux", "Removal of the monuments"),
    ("Date", "Date"),
    (
        "Les délais se comptent de date à date (vérifiés à l'enregistrement).",
        "Delays are counted from date to date (checked on saving).",
    ),
    (
        "cette étape est déjà enregistrée pour cette procédure",
        "this step is already recorded for this procedure",
    ),
    ("Concessions d'une nature", "Concessions of a kind"),
    ("Inhumations d'un emplacement", "Burials in a grave plot"),
    ("Reprises en cours : engagées", "Reclaims under way: opened"),
    (
        "Reprises en cours : prononcées, à exécuter",
        "Reclaims under way: pronounced, to carry out",
    ),
    ("Reprises par état", "Reclaims by state"),
    ("Avis d'échéance de concession", "Concession expiry notice"),
    (
        "Votre concession n° {numero_acte} arrive à échéance",
        "Your concession no. {numero_acte} is coming to its end",
    ),
    ("Le maire", "The mayor"),
    (
        "{titulaire_prenom} {titulaire_nom}, {titulaire_adresse}, {titulaire_code_postal} {titulaire_ville}",
        "{titulaire_prenom} {titulaire_nom}, {titulaire_adresse}, {titulaire_code_postal} {titulaire_ville}",
    ),
    ("Madame, Monsieur,", "Dear Sir or Madam,"),
    (
        "La concession de l'emplacement {emplacement} du cimetière communal, dont vous êtes titulaire, arrive à échéance le {date_fin}.",
        "The concession of grave plot {emplacement} in the municipal cemetery, of which you are the holder, expires on {date_fin}.",
    ),
    (
        "Vous pouvez la renouveler au tarif en vigueur au moment du renouvellement ; la nouvelle période court à partir de cette échéance (art. L2223-15 du code général des collectivités territoriales).",
        "You may renew it at the tariff in force at the time of renewal; the new term runs from that expiry (art. L2223-15 of the Code général des collectivités territoriales).",
    ),
    (
        "Le renouvellement peut être demandé jusqu'à deux ans après l'échéance. Passé ce délai, la commune pourra reprendre l'emplacement.",
        "The renewal may be requested up to two years after expiry. After that, the commune may take the plot back.",
    ),
    (
        "Le service du cimetière se tient à votre disposition pour toute précision.",
        "The cemetery office remains at your disposal for any further information.",
    ),
    (
        "Veuillez agréer, Madame, Monsieur, l'expression de mes salutations distinguées.",
        "Yours faithfully,",
    ),
];

#[cfg(test)]
mod tests {
    use super::EN;

    #[test]
    fn every_text_has_its_english_and_every_entry_is_a_text() {
        let m = super::super::module();
        let texts = m.texts();
        for (fr, en) in EN {
            assert!(texts.contains(fr), "stale English entry: {fr:?}");
            assert!(!en.trim().is_empty(), "empty English for {fr:?}");
        }
        assert_eq!(EN.len(), texts.len());
        assert_eq!(m.tr(module_engine::Lang::En, "Perpétuelle"), "Perpetual");
    }

    #[test]
    fn the_letters_english_keeps_its_placeholders() {
        let m = super::super::module();
        for l in &m.letters {
            for p in l.body.split("\n\n").map(str::trim).chain([l.heading]) {
                let en = m.tr(module_engine::Lang::En, p);
                let holes = |s: &str| s.matches('{').count();
                assert_eq!(holes(p), holes(en), "{p:?}");
            }
        }
    }
}
