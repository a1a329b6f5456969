//! Every word of the public pages, in French (the default) and English.
//!
//! The pages never hold a literal sentence: they take a [`Text`] from
//! [`Lang::text`] so that both languages stay complete and in one place.
//! French is served at `/…`, English at `/en/…` (or with `?lang=en`); the
//! figures follow each language's conventions (see [`super::format`]).

use election_data::model::{ElectionKind, PerimeterKind};
use election_data::tally::BureauState;

/// A language of the public pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    Fr,
    En,
}

impl Lang {
    /// `?lang=` value or path prefix → language; French for anything else.
    pub fn parse(s: Option<&str>) -> Lang {
        match s {
            Some(l) if l.eq_ignore_ascii_case("en") => Lang::En,
            _ => Lang::Fr,
        }
    }

    /// The `lang` attribute value.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    /// What precedes every path of the language (`""` or `"/en"`).
    pub fn prefix(self) -> &'static str {
        match self {
            Lang::Fr => "",
            Lang::En => "/en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Fr => Lang::En,
            Lang::En => Lang::Fr,
        }
    }

    pub fn text(self) -> &'static Text {
        match self {
            Lang::Fr => &FR,
            Lang::En => &EN,
        }
    }

    pub fn state(self, s: BureauState) -> &'static str {
        match self {
            Lang::Fr => s.label_fr(),
            Lang::En => match s {
                BureauState::NotArrived => "not arrived",
                BureauState::Entered => "entered",
                BureauState::Validated => "validated",
                BureauState::Published => "published",
            },
        }
    }

    pub fn perimeter_kind(self, k: PerimeterKind) -> &'static str {
        match self {
            Lang::Fr => k.label_fr(),
            Lang::En => match k {
                PerimeterKind::Commune => "Municipality",
                PerimeterKind::Circonscription => "Constituency",
                PerimeterKind::Canton => "Canton",
                PerimeterKind::Quartier => "District",
                PerimeterKind::Village => "Village",
                PerimeterKind::Epci => "Inter-municipality",
                PerimeterKind::Departement => "Département",
                PerimeterKind::Territoire => "Territory",
            },
        }
    }

    /// The assembly a seat allocation fills: « Conseil municipal »,
    /// « Conseil communautaire »…
    pub fn body(self, b: election_data::seats::Body) -> &'static str {
        use election_data::seats::Body;
        match self {
            Lang::Fr => b.label_fr(),
            Lang::En => match b {
                Body::MunicipalCouncil => "Municipal council",
                Body::CommunityCouncil => "Community council",
                Body::Assembly => "Seats",
            },
        }
    }

    pub fn election_kind(self, k: ElectionKind) -> &'static str {
        match self {
            Lang::Fr => k.label_fr(),
            Lang::En => match k {
                ElectionKind::Presidentielle => "Presidential election",
                ElectionKind::Legislatives => "Legislative elections",
                ElectionKind::Europeennes => "European elections",
                ElectionKind::Regionales => "Regional elections",
                ElectionKind::Departementales => "Departmental elections",
                ElectionKind::Municipales => "Municipal elections",
                ElectionKind::Communautaires => "Intercommunal elections",
                ElectionKind::Referendum => "Referendum",
            },
        }
    }

    pub fn month(self, m: usize) -> &'static str {
        const FR_M: [&str; 12] = [
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ];
        const EN_M: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        let months = match self {
            Lang::Fr => &FR_M,
            Lang::En => &EN_M,
        };
        months.get(m.wrapping_sub(1)).copied().unwrap_or("")
    }
}

/// The words of the early trend (the centaines published before a
/// bureau's result) and of the big screen's candidate pages.
#[derive(Debug)]
pub struct TrendText {
    /// Heading of the trend block of a commune or area.
    pub heading: &'static str,
    /// « tendance sur les » … « 100 » … « premiers bulletins ».
    pub on_first: [&'static str; 2],
    /// Why the trend is apart from the results.
    pub not_results: &'static str,
    /// « Ensemble des » N « bureaux en tendance ».
    pub sum_of: [&'static str; 2],
    /// « ballots » after a number of ballots summed.
    pub ballots: &'static str,
    /// Caption of a trend table.
    pub caption: &'static str,
    /// The bureaux with a trend, by bureau.
    pub by_bureau: &'static str,
    pub leads: &'static str,
    /// On a bureau's page: the result will replace the trend.
    pub replaced: &'static str,
    /// The big screen: « et » N « autres » candidates on the next slide(s).
    pub and_more: [&'static str; 2],
    /// The big screen: « suite » of a bureau's candidates.
    pub continued: &'static str,
}

impl Lang {
    pub fn trend(self) -> &'static TrendText {
        match self {
            Lang::Fr => &TREND_FR,
            Lang::En => &TREND_EN,
        }
    }
}

static TREND_FR: TrendText = TrendText {
    heading: "Tendance des centaines",
    on_first: ["Tendance sur les ", " premiers bulletins"],
    not_results: "Bureaux pas encore publiés : premiers bulletins dépouillés, ce n'est pas un résultat. La tendance n'entre pas dans les totaux ci-dessus et disparaît à la publication du bureau.",
    sum_of: ["Ensemble des ", " bureaux en tendance"],
    ballots: "bulletins",
    caption: "Voix et pourcentages des exprimés de la tendance",
    by_bureau: "Par bureau",
    leads: "en tête",
    replaced: "Ce n'est pas le résultat du bureau : il remplacera cette tendance dès sa publication.",
    and_more: ["et ", " autres"],
    continued: "suite",
};

static TREND_EN: TrendText = TrendText {
    heading: "Early trend (running tallies)",
    on_first: ["Trend on the first ", " ballots"],
    not_results: "Polling stations not yet published: first ballots counted, not a result. The trend is not in the totals above and goes away when the station is published.",
    sum_of: ["All ", " polling stations with a trend"],
    ballots: "ballots",
    caption: "Votes and share of valid votes in the trend",
    by_bureau: "By polling station",
    leads: "leads",
    replaced: "This is not the station's result: the result will replace this trend as soon as it is published.",
    and_more: ["and ", " more"],
    continued: "continued",
};

/// The sentences and labels of the public pages.
#[derive(Debug)]
pub struct Text {
    pub tagline: &'static str,
    pub skip: &'static str,
    pub live: &'static str,
    pub offline: &'static str,
    pub footer: &'static str,
    pub footer_feed: &'static str,
    /// The link to the other language, written in that language.
    pub switch: &'static str,
    pub elections: &'static str,
    pub no_elections: &'static str,
    pub partial: &'static str,
    pub complete: &'static str,
    /// "N bureaux sur M": before N, between N and M, after M.
    pub counted: [&'static str; 3],
    pub participation: &'static str,
    pub number: &'static str,
    pub pct_inscrits: &'static str,
    pub pct_votants: &'static str,
    pub inscrits: &'static str,
    pub votants: &'static str,
    pub abstentions: &'static str,
    pub blancs: &'static str,
    pub nuls: &'static str,
    pub exprimes: &'static str,
    pub turnout_day: &'static str,
    pub hour: &'static str,
    pub rate: &'static str,
    pub stations: &'static str,
    pub results_by_candidate: &'static str,
    pub results_by_list: &'static str,
    pub scores_caption: &'static str,
    pub candidate: &'static str,
    pub list: &'static str,
    pub candidates: &'static str,
    pub lists: &'static str,
    pub nuance: &'static str,
    pub voix: &'static str,
    pub pct_exprimes: &'static str,
    pub chart: &'static str,
    pub embargo: [&'static str; 2],
    pub bureaux: &'static str,
    pub bureau: &'static str,
    pub state: &'static str,
    pub leader: &'static str,
    pub by_area: &'static str,
    /// A territory whose communes elect each their own council: the
    /// heading of its communes' table, its note, and the council column.
    pub by_commune: &'static str,
    pub by_commune_note: &'static str,
    pub council_seats: &'static str,
    pub breadcrumb: &'static str,
    pub not_found: &'static str,
    pub nothing_here: &'static str,
    pub back_home: &'static str,
    pub unknown_election: &'static str,
    pub unknown_perimeter: &'static str,
    pub unknown_bureau: &'static str,
    pub unknown_candidate: &'static str,
    pub no_commune: &'static str,
    pub poll_of: &'static str,
    pub bureau_no: &'static str,
    pub state_is: &'static str,
    pub on_roll: &'static str,
    pub part_of: &'static str,
    pub nav: &'static str,
    pub nav_results: &'static str,
    pub nav_participation: &'static str,
    pub nav_screen: &'static str,
    pub nav_feed: &'static str,
    pub turnout_by_bureau: &'static str,
    pub turnout_commune: &'static str,
    pub close: &'static str,
    pub final_participation: &'static str,
    pub no_turnout_yet: &'static str,
    pub previous_unknown: &'static str,
    pub best: &'static str,
    pub worst: &'static str,
    pub rank: &'static str,
    pub score_by_bureau: &'static str,
    pub score_commune: &'static str,
    pub not_arrived_short: &'static str,
    pub charts: &'static str,
    pub chart_scores: &'static str,
    pub chart_turnout: &'static str,
    pub chart_arrivals: &'static str,
    pub chart_seats: &'static str,
    pub chart_figures_below: &'static str,
    pub arrivals_axis: &'static str,
    pub time_axis: &'static str,
    pub screen_waiting: &'static str,
    pub screen_fullscreen: &'static str,
    pub screen_commune: &'static str,
    /// The same for an election over a territory of several communes.
    pub screen_territory: &'static str,
    pub screen_turnout_at: &'static str,
    pub of_registered: &'static str,
    pub seats: &'static str,
    pub nav_map: &'static str,
    pub map_leader: &'static str,
    pub map_participation: &'static str,
    pub map_leads: &'static str,
    pub map_lead_scale: &'static str,
    pub map_lead_levels: [&'static str; 4],
    pub map_participation_levels: [&'static str; 5],
    pub map_no_data: &'static str,
    pub map_grid_note: &'static str,
    pub map_table_note: &'static str,
    pub map_embargo: &'static str,
    pub map_bureaux_count: &'static str,
}

pub static FR: Text = Text {
    tagline: "Résultats des élections",
    skip: "Aller au contenu",
    live: "mise à jour en direct",
    offline: "connexion perdue, nouvelle tentative…",
    footer: "Urne — résultats provisoires jusqu'à la proclamation officielle.",
    footer_feed: "Données ouvertes (JSON)",
    switch: "English",
    elections: "Élections",
    no_elections: "Aucune élection n'est encore définie.",
    partial: "Résultats provisoires",
    complete: "Résultats complets",
    counted: ["", " bureaux sur ", ""],
    participation: "Participation",
    number: "Nombre",
    pct_inscrits: "% inscrits",
    pct_votants: "% votants",
    inscrits: "Inscrits",
    votants: "Votants",
    abstentions: "Abstentions",
    blancs: "Blancs",
    nuls: "Nuls",
    exprimes: "Exprimés",
    turnout_day: "Participation au cours de la journée",
    hour: "Heure",
    rate: "Taux",
    stations: "Bureaux",
    results_by_candidate: "Résultats par candidat",
    results_by_list: "Résultats par liste",
    scores_caption: "Voix et pourcentage des exprimés, du premier au dernier",
    candidate: "Candidat",
    list: "Liste",
    candidates: "Candidats",
    lists: "Listes",
    nuance: "Nuance",
    voix: "Voix",
    pct_exprimes: "% exprimés",
    chart: "Graphique",
    embargo: [
        "Les résultats seront publiés à la fermeture des derniers bureaux de vote",
        ". Seule la participation est affichée d'ici là.",
    ],
    bureaux: "Bureaux de vote",
    bureau: "Bureau",
    state: "État",
    leader: "En tête",
    by_area: "Par secteur",
    by_commune: "Résultats par commune",
    by_commune_note: "Chaque commune élit son conseil municipal sur ses propres listes : ses résultats et ses sièges sont sur sa page.",
    council_seats: "Sièges de la liste en tête",
    breadcrumb: "Fil d'Ariane",
    not_found: "Page introuvable",
    nothing_here: "Il n'y a rien à cette adresse.",
    back_home: "Retour à la liste des élections",
    unknown_election: "Cette élection n'existe pas.",
    unknown_perimeter: "Ce périmètre n'existe pas dans cette élection.",
    unknown_bureau: "Ce bureau n'existe pas dans cette élection.",
    unknown_candidate: "Ce candidat n'existe pas dans cette élection.",
    no_commune: "Cette élection n'a pas de commune.",
    poll_of: "scrutin du",
    bureau_no: "bureau n°",
    state_is: "État : ",
    on_roll: "inscrits sur la liste électorale",
    part_of: "Ce bureau fait partie de : ",
    nav: "Pages de l'élection",
    nav_results: "Résultats",
    nav_participation: "Participation",
    nav_screen: "Grand écran",
    nav_feed: "Données ouvertes",
    turnout_by_bureau: "Participation par bureau",
    turnout_commune: "Participation de la commune",
    close: "Clôture",
    final_participation: "participation à la clôture, d'après les procès-verbaux",
    no_turnout_yet: "Aucun relevé de participation pour l'instant.",
    previous_unknown: "La comparaison avec le scrutin précédent n'est pas disponible pour cette élection.",
    best: "Meilleurs bureaux",
    worst: "Bureaux les plus faibles",
    rank: "Rang",
    score_by_bureau: "Score dans chaque bureau",
    score_commune: "Score dans la commune",
    not_arrived_short: "non parvenu",
    charts: "Graphiques",
    chart_scores: "Pourcentage des exprimés par candidat",
    chart_turnout: "Participation au cours de la journée",
    chart_arrivals: "Arrivée des bureaux au cours de la soirée",
    chart_seats: "Répartition des sièges",
    chart_figures_below: "Les chiffres sont dans les tableaux de la page.",
    arrivals_axis: "bureaux publiés",
    time_axis: "heure",
    screen_waiting: "En attente des premiers résultats",
    screen_fullscreen: "Plein écran",
    screen_commune: "Ensemble de la commune",
    screen_territory: "Ensemble du territoire",
    screen_turnout_at: "Participation à",
    of_registered: "des inscrits",
    seats: "sièges",
    nav_map: "Carte",
    map_leader: "Carte : candidat en tête dans chaque bureau",
    map_participation: "Carte : participation dans chaque bureau",
    map_leads: "en tête",
    map_lead_scale: "Teinte : avance sur le second, en points des exprimés",
    map_lead_levels: ["moins de 5", "5 à 10", "10 à 20", "20 et plus"],
    map_participation_levels: [
        "moins de 50 %",
        "50 à 60 %",
        "60 à 70 %",
        "70 à 80 %",
        "80 % et plus",
    ],
    map_no_data: "non parvenu",
    map_grid_note: "Plan schématique : un carré par bureau, groupés par quartier ou village (les contours des bureaux n'ont pas été importés).",
    map_table_note: "Chaque bureau est un lien vers sa page ; les mêmes chiffres sont dans le tableau des bureaux.",
    map_embargo: "Les résultats sont sous embargo : la carte montre la participation.",
    map_bureaux_count: "bureaux",
};

pub static EN: Text = Text {
    tagline: "Election results",
    skip: "Skip to content",
    live: "live updates",
    offline: "connection lost, retrying…",
    footer: "Urne — provisional results until the official proclamation.",
    footer_feed: "Open data (JSON)",
    switch: "Français",
    elections: "Elections",
    no_elections: "No election has been defined yet.",
    partial: "Provisional results",
    complete: "Complete results",
    counted: ["", " of ", " polling stations"],
    participation: "Turnout",
    number: "Number",
    pct_inscrits: "% registered",
    pct_votants: "% voters",
    inscrits: "Registered",
    votants: "Voters",
    abstentions: "Abstentions",
    blancs: "Blank",
    nuls: "Invalid",
    exprimes: "Valid votes",
    turnout_day: "Turnout during the day",
    hour: "Time",
    rate: "Rate",
    stations: "Stations",
    results_by_candidate: "Results by candidate",
    results_by_list: "Results by list",
    scores_caption: "Votes and share of valid votes, highest first",
    candidate: "Candidate",
    list: "List",
    candidates: "Candidates",
    lists: "Lists",
    nuance: "Affiliation",
    voix: "Votes",
    pct_exprimes: "% valid votes",
    chart: "Chart",
    embargo: [
        "Results will be published when the last polling stations close",
        ". Only turnout is shown until then.",
    ],
    bureaux: "Polling stations",
    bureau: "Station",
    state: "Status",
    leader: "Leading",
    by_area: "By area",
    by_commune: "Results by municipality",
    by_commune_note: "Each municipality elects its own council on its own lists: its results and seats are on its page.",
    council_seats: "Seats of the leading list",
    breadcrumb: "Breadcrumb",
    not_found: "Page not found",
    nothing_here: "There is nothing at this address.",
    back_home: "Back to the list of elections",
    unknown_election: "This election does not exist.",
    unknown_perimeter: "This area does not exist in this election.",
    unknown_bureau: "This polling station does not exist in this election.",
    unknown_candidate: "This candidate does not exist in this election.",
    no_commune: "This election has no municipality.",
    poll_of: "poll of",
    bureau_no: "station no.",
    state_is: "Status: ",
    on_roll: "registered voters on the roll",
    part_of: "This station belongs to: ",
    nav: "Election pages",
    nav_results: "Results",
    nav_participation: "Turnout",
    nav_screen: "Big screen",
    nav_feed: "Open data",
    turnout_by_bureau: "Turnout by polling station",
    turnout_commune: "Turnout in the municipality",
    close: "Close",
    final_participation: "turnout at the close, from the count sheets",
    no_turnout_yet: "No turnout reading yet.",
    previous_unknown: "No comparison with the previous election is available for this election.",
    best: "Best stations",
    worst: "Weakest stations",
    rank: "Rank",
    score_by_bureau: "Score in each polling station",
    score_commune: "Score in the municipality",
    not_arrived_short: "not arrived",
    charts: "Charts",
    chart_scores: "Share of valid votes by candidate",
    chart_turnout: "Turnout during the day",
    chart_arrivals: "Polling stations arriving during the evening",
    chart_seats: "Seats",
    chart_figures_below: "The figures are in the tables of this page.",
    arrivals_axis: "stations published",
    time_axis: "time",
    screen_waiting: "Waiting for the first results",
    screen_fullscreen: "Full screen",
    screen_commune: "Whole municipality",
    screen_territory: "Whole territory",
    screen_turnout_at: "Turnout at",
    of_registered: "of registered voters",
    seats: "seats",
    nav_map: "Map",
    map_leader: "Map: leading candidate in each polling station",
    map_participation: "Map: turnout in each polling station",
    map_leads: "leads",
    map_lead_scale: "Shade: lead over the runner-up, in points of valid votes",
    map_lead_levels: ["under 5", "5 to 10", "10 to 20", "20 or more"],
    map_participation_levels: [
        "under 50%",
        "50 to 60%",
        "60 to 70%",
        "70 to 80%",
        "80% or more",
    ],
    map_no_data: "not arrived",
    map_grid_note: "Schematic plan: one square per polling station, grouped by area (the stations' contours have not been imported).",
    map_table_note: "Each polling station links to its page; the same figures are in the table of polling stations.",
    map_embargo: "Results are under embargo: the map shows turnout.",
    map_bureaux_count: "stations",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_languages() {
        assert_eq!(Lang::parse(Some("en")), Lang::En);
        assert_eq!(Lang::parse(Some("EN")), Lang::En);
        assert_eq!(Lang::parse(Some("de")), Lang::Fr);
        assert_eq!(Lang::parse(None), Lang::Fr);
        assert_eq!(Lang::En.month(4), "April");
        assert_eq!(Lang::Fr.month(13), "");
    }
}
