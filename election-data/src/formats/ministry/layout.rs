//! The layouts the ministry has published its per-bureau file in, and how
//! one is recognised from a header.
//!
//! A file is a row of fixed columns about the bureau ([`Base`]), then one
//! group of columns per candidate or list ([`GroupField`]). The layouts
//! differ by the names of the fixed columns, the columns of a group, whether
//! the header numbers its groups (`Voix 1;…;Voix 2`, since 2024), how a
//! percentage is printed (`29,15` or `29,15%`) and whether the commune's
//! code is the whole INSEE code (since 2024) or its part within the
//! département. [`detect`] reads the header: the first group column names
//! the layout, the fixed columns are found by name in any order (unknown
//! ones are ignored), and the group columns must follow the layout's order.

use super::super::{FormatError, FormatErrors, normalise_header};

/// One of the ministry's layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layout {
    /// 2014–2022, candidates: `N°Panneau;Sexe;Nom;Prénom;[Nuance;]Voix;% Voix/Ins;% Voix/Exp`,
    /// with the circonscription columns for the ballots that have them.
    Candidates2014 { circonscription: bool, nuance: bool },
    /// Européennes 2014–2019, lists: `N°Liste;Libellé Abrégé Liste;Libellé Etendu Liste;Nom Tête de Liste;Voix;% Voix/Ins;% Voix/Exp`.
    Europeennes2019,
    /// Municipales 2020, lists with their seats:
    /// `N.Pan.;Code Nuance;Sexe;Nom;Prénom;Liste;Sièges / Elu;Sièges Secteur;Sièges CC;Voix;% Voix/Ins;% Voix/Exp`.
    Municipales2020,
    /// 2024 and after, candidates: `Numéro de panneau k;Nuance candidat k;Nom candidat k;Prénom candidat k;Sexe candidat k;Voix k;% Voix/inscrits k;% Voix/exprimés k;Elu k`.
    Candidates2024,
    /// 2024 and after, lists: `Numéro de panneau k;Nom candidat k;Prénom candidat k;Sexe candidat k;Nuance liste k;Libellé abrégé de liste k;Libellé de liste k;Voix k;% Voix/inscrits k;% Voix/exprimés k;Elu k;Sièges au CM k;Sièges au CC k`.
    Lists2024,
}

/// The fixed columns about the bureau.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Base {
    DepCode,
    DepLabel,
    CircCode,
    CircLabel,
    CommuneCode,
    CommuneLabel,
    BureauCode,
    Inscrits,
    Abstentions,
    PctAbsIns,
    Votants,
    PctVotIns,
    Blancs,
    PctBlancsIns,
    PctBlancsVot,
    Nuls,
    PctNulsIns,
    PctNulsVot,
    Exprimes,
    PctExpIns,
    PctExpVot,
}

/// The columns of a candidate's or a list's group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupField {
    Number,
    Sexe,
    Nom,
    Prenom,
    Nuance,
    /// The list's short label.
    ShortLabel,
    /// The list's label (the model's name of a list).
    ListLabel,
    /// The head of the list in one field, `NOM Prénom` (européennes).
    TeteListe,
    Voix,
    PctVoixIns,
    PctVoixExp,
    /// What the ministry says of the outcome (`Elu`, `QUALIF T2`…), as printed.
    Elu,
    /// Seats in the municipal council.
    SiegesCm,
    /// Seats in the sector council (Paris, Lyon, Marseille).
    SiegesSecteur,
    /// Seats in the community council.
    SiegesCc,
}

impl GroupField {
    /// How many fields there are.
    pub const COUNT: usize = 15;
}

const LEGACY_BASE: [(Base, &str); 21] = [
    (Base::DepCode, "Code du département"),
    (Base::DepLabel, "Libellé du département"),
    (Base::CircCode, "Code de la circonscription"),
    (Base::CircLabel, "Libellé de la circonscription"),
    (Base::CommuneCode, "Code de la commune"),
    (Base::CommuneLabel, "Libellé de la commune"),
    (Base::BureauCode, "Code du b.vote"),
    (Base::Inscrits, "Inscrits"),
    (Base::Abstentions, "Abstentions"),
    (Base::PctAbsIns, "% Abs/Ins"),
    (Base::Votants, "Votants"),
    (Base::PctVotIns, "% Vot/Ins"),
    (Base::Blancs, "Blancs"),
    (Base::PctBlancsIns, "% Blancs/Ins"),
    (Base::PctBlancsVot, "% Blancs/Vot"),
    (Base::Nuls, "Nuls"),
    (Base::PctNulsIns, "% Nuls/Ins"),
    (Base::PctNulsVot, "% Nuls/Vot"),
    (Base::Exprimes, "Exprimés"),
    (Base::PctExpIns, "% Exp/Ins"),
    (Base::PctExpVot, "% Exp/Vot"),
];

const BASE_2024: [(Base, &str); 19] = [
    (Base::DepCode, "Code département"),
    (Base::DepLabel, "Libellé département"),
    (Base::CommuneCode, "Code commune"),
    (Base::CommuneLabel, "Libellé commune"),
    (Base::BureauCode, "Code BV"),
    (Base::Inscrits, "Inscrits"),
    (Base::Votants, "Votants"),
    (Base::PctVotIns, "% Votants"),
    (Base::Abstentions, "Abstentions"),
    (Base::PctAbsIns, "% Abstentions"),
    (Base::Exprimes, "Exprimés"),
    (Base::PctExpIns, "% Exprimés/inscrits"),
    (Base::PctExpVot, "% Exprimés/votants"),
    (Base::Blancs, "Blancs"),
    (Base::PctBlancsIns, "% Blancs/inscrits"),
    (Base::PctBlancsVot, "% Blancs/votants"),
    (Base::Nuls, "Nuls"),
    (Base::PctNulsIns, "% Nuls/inscrits"),
    (Base::PctNulsVot, "% Nuls/votants"),
];

/// Other names of the fixed columns, seen in the ministry's files.
const BASE_ALIASES: [(Base, &str); 6] = [
    (Base::BureauCode, "Code B.Vote"),
    (Base::CircCode, "Code circonscription"),
    (Base::CircLabel, "Libellé circonscription"),
    (Base::CircCode, "Code circonscription législative"),
    (Base::CircLabel, "Libellé circonscription législative"),
    (Base::BureauCode, "Code bureau de vote"),
];

const CANDIDATES_2014: [(GroupField, &str); 8] = [
    (GroupField::Number, "N°Panneau"),
    (GroupField::Sexe, "Sexe"),
    (GroupField::Nom, "Nom"),
    (GroupField::Prenom, "Prénom"),
    (GroupField::Nuance, "Nuance"),
    (GroupField::Voix, "Voix"),
    (GroupField::PctVoixIns, "% Voix/Ins"),
    (GroupField::PctVoixExp, "% Voix/Exp"),
];

const CANDIDATES_2014_PLAIN: [(GroupField, &str); 7] = [
    (GroupField::Number, "N°Panneau"),
    (GroupField::Sexe, "Sexe"),
    (GroupField::Nom, "Nom"),
    (GroupField::Prenom, "Prénom"),
    (GroupField::Voix, "Voix"),
    (GroupField::PctVoixIns, "% Voix/Ins"),
    (GroupField::PctVoixExp, "% Voix/Exp"),
];

const EUROPEENNES_2019: [(GroupField, &str); 7] = [
    (GroupField::Number, "N°Liste"),
    (GroupField::ShortLabel, "Libellé Abrégé Liste"),
    (GroupField::ListLabel, "Libellé Etendu Liste"),
    (GroupField::TeteListe, "Nom Tête de Liste"),
    (GroupField::Voix, "Voix"),
    (GroupField::PctVoixIns, "% Voix/Ins"),
    (GroupField::PctVoixExp, "% Voix/Exp"),
];

const MUNICIPALES_2020: [(GroupField, &str); 12] = [
    (GroupField::Number, "N.Pan."),
    (GroupField::Nuance, "Code Nuance"),
    (GroupField::Sexe, "Sexe"),
    (GroupField::Nom, "Nom"),
    (GroupField::Prenom, "Prénom"),
    (GroupField::ListLabel, "Liste"),
    (GroupField::SiegesCm, "Sièges / Elu"),
    (GroupField::SiegesSecteur, "Sièges Secteur"),
    (GroupField::SiegesCc, "Sièges CC"),
    (GroupField::Voix, "Voix"),
    (GroupField::PctVoixIns, "% Voix/Ins"),
    (GroupField::PctVoixExp, "% Voix/Exp"),
];

const CANDIDATES_2024: [(GroupField, &str); 9] = [
    (GroupField::Number, "Numéro de panneau"),
    (GroupField::Nuance, "Nuance candidat"),
    (GroupField::Nom, "Nom candidat"),
    (GroupField::Prenom, "Prénom candidat"),
    (GroupField::Sexe, "Sexe candidat"),
    (GroupField::Voix, "Voix"),
    (GroupField::PctVoixIns, "% Voix/inscrits"),
    (GroupField::PctVoixExp, "% Voix/exprimés"),
    (GroupField::Elu, "Elu"),
];

const LISTS_2024: [(GroupField, &str); 13] = [
    (GroupField::Number, "Numéro de panneau"),
    (GroupField::Nom, "Nom candidat"),
    (GroupField::Prenom, "Prénom candidat"),
    (GroupField::Sexe, "Sexe candidat"),
    (GroupField::Nuance, "Nuance liste"),
    (GroupField::ShortLabel, "Libellé abrégé de liste"),
    (GroupField::ListLabel, "Libellé de liste"),
    (GroupField::Voix, "Voix"),
    (GroupField::PctVoixIns, "% Voix/inscrits"),
    (GroupField::PctVoixExp, "% Voix/exprimés"),
    (GroupField::Elu, "Elu"),
    (GroupField::SiegesCm, "Sièges au CM"),
    (GroupField::SiegesCc, "Sièges au CC"),
];

/// A header cell reduced for matching, `%` kept as a word (`% Abstentions`
/// and `Abstentions` are two columns).
pub fn key(h: &str) -> String {
    normalise_header(&h.replace('%', " pct "))
}

impl Layout {
    /// Every layout, for the tests and the fuzzers.
    pub const ALL: [Layout; 8] = [
        Layout::Candidates2014 {
            circonscription: true,
            nuance: false,
        },
        Layout::Candidates2014 {
            circonscription: true,
            nuance: true,
        },
        Layout::Candidates2014 {
            circonscription: false,
            nuance: false,
        },
        Layout::Candidates2014 {
            circonscription: false,
            nuance: true,
        },
        Layout::Europeennes2019,
        Layout::Municipales2020,
        Layout::Candidates2024,
        Layout::Lists2024,
    ];

    /// The fixed columns, in the order the layout writes them.
    pub fn base(self) -> Vec<(Base, &'static str)> {
        match self {
            Layout::Candidates2014 {
                circonscription: true,
                ..
            } => LEGACY_BASE.to_vec(),
            Layout::Candidates2014 { .. } | Layout::Europeennes2019 => LEGACY_BASE
                .iter()
                .copied()
                .filter(|(b, _)| !matches!(b, Base::CircCode | Base::CircLabel))
                .collect(),
            Layout::Municipales2020 => LEGACY_BASE
                .iter()
                .copied()
                .filter(|(b, _)| !matches!(b, Base::CircCode | Base::CircLabel))
                .map(|(b, n)| {
                    (
                        b,
                        if b == Base::BureauCode {
                            "Code B.Vote"
                        } else {
                            n
                        },
                    )
                })
                .collect(),
            Layout::Candidates2024 | Layout::Lists2024 => BASE_2024.to_vec(),
        }
    }

    /// The columns of one group, in order.
    pub fn group(self) -> &'static [(GroupField, &'static str)] {
        match self {
            Layout::Candidates2014 { nuance: true, .. } => &CANDIDATES_2014,
            Layout::Candidates2014 { nuance: false, .. } => &CANDIDATES_2014_PLAIN,
            Layout::Europeennes2019 => &EUROPEENNES_2019,
            Layout::Municipales2020 => &MUNICIPALES_2020,
            Layout::Candidates2024 => &CANDIDATES_2024,
            Layout::Lists2024 => &LISTS_2024,
        }
    }

    /// Where each field sits in a group (indexed by [`GroupField`]).
    pub fn positions(self) -> [Option<usize>; GroupField::COUNT] {
        let mut pos = [None; GroupField::COUNT];
        for (i, (f, _)) in self.group().iter().enumerate() {
            pos[*f as usize] = Some(i);
        }
        pos
    }

    /// Whether the header names every group with its number (`Voix 1`).
    pub fn numbered(self) -> bool {
        matches!(self, Layout::Candidates2024 | Layout::Lists2024)
    }

    /// Percentages printed with a trailing `%`.
    pub fn percent_sign(self) -> bool {
        self.numbered()
    }

    /// The commune's code is the whole INSEE code (`13004`), not its part
    /// within the département (`004`).
    pub fn full_commune_code(self) -> bool {
        self.numbered()
    }

    /// Whether the layout carries the bureau's circonscription.
    pub fn has_circonscription(self) -> bool {
        self.base().iter().any(|(b, _)| *b == Base::CircCode)
    }

    pub fn has(self, f: GroupField) -> bool {
        self.group().iter().any(|(g, _)| *g == f)
    }

    /// The layout a file of this election is written in: the one the
    /// ministry used for its year and kind.
    pub fn for_election(e: &crate::model::Election) -> Layout {
        let year: u32 = e.date.get(..4).and_then(|y| y.parse().ok()).unwrap_or(0);
        let nuance = e.candidates.iter().any(|c| c.nuance.is_some());
        let circonscription = e
            .perimeters
            .iter()
            .any(|p| p.kind == crate::model::PerimeterKind::Circonscription);
        match (year >= 2024, e.kind.is_list(), e.kind) {
            (true, true, _) => Layout::Lists2024,
            (true, false, _) => Layout::Candidates2024,
            (false, true, crate::model::ElectionKind::Europeennes) => Layout::Europeennes2019,
            (false, true, _) => Layout::Municipales2020,
            (false, false, _) => Layout::Candidates2014 {
                circonscription,
                nuance,
            },
        }
    }

    /// The layout's name in messages.
    pub fn label_fr(self) -> &'static str {
        match self {
            Layout::Candidates2014 { .. } => "candidats 2014–2022",
            Layout::Europeennes2019 => "listes des européennes 2014–2019",
            Layout::Municipales2020 => "listes des municipales 2020",
            Layout::Candidates2024 => "candidats depuis 2024",
            Layout::Lists2024 => "listes depuis 2024",
        }
    }

    /// The header the layout writes for `groups` groups (numbered layouts
    /// name each; the others name the first only, as the ministry does).
    pub fn header(self, groups: usize) -> Vec<String> {
        let mut h: Vec<String> = self.base().iter().map(|(_, n)| n.to_string()).collect();
        if self.numbered() {
            for k in 1..=groups.max(1) {
                h.extend(self.group().iter().map(|(_, n)| format!("{n} {k}")));
            }
        } else {
            h.extend(self.group().iter().map(|(_, n)| n.to_string()));
        }
        h
    }
}

/// What [`detect`] found in a header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    pub layout: Layout,
    /// Where each fixed column is.
    pub base: Vec<(Base, usize)>,
    /// The first column of the first group.
    pub groups_at: usize,
    /// Columns per group.
    pub width: usize,
    /// Groups the header names (numbered layouts: every one; others: 1 or every one).
    pub named_groups: usize,
}

impl Columns {
    pub fn at(&self, b: Base) -> Option<usize> {
        self.base.iter().find(|(x, _)| *x == b).map(|(_, i)| *i)
    }
}

fn first_group_layout(cells: &[String], at: usize) -> Option<Layout> {
    let k = |i: usize| cells.get(at + i).map_or(String::new(), |c| key(c));
    match k(0).as_str() {
        "n panneau" => Some(Layout::Candidates2014 {
            circonscription: false,
            nuance: k(4) == "nuance",
        }),
        "n liste" => Some(Layout::Europeennes2019),
        "n pan" => Some(Layout::Municipales2020),
        "numero de panneau 1" if k(1) == "nuance candidat 1" => Some(Layout::Candidates2024),
        "numero de panneau 1" => Some(Layout::Lists2024),
        _ => None,
    }
}

/// Recognises the layout of a header (see the module documentation); every
/// problem is reported with the header's line and the column.
pub fn detect(header: &[String], line: u64) -> Result<Columns, FormatErrors> {
    let start = (0..header.len()).find_map(|i| first_group_layout(header, i).map(|l| (i, l)));
    let Some((groups_at, mut layout)) = start else {
        return Err(FormatErrors::one(FormatError::line(
            line,
            "en-tête inconnu : aucune colonne « N°Panneau », « N°Liste », « N.Pan. » ni « Numéro de panneau 1 » \
             (les dispositions connues sont celles du ministère de 2014 à 2022, des européennes, des municipales 2020 et depuis 2024)",
        )));
    };
    // The fixed columns, by name, anywhere before the groups.
    let mut names: Vec<(Base, String)> = Vec::new();
    for l in [
        Layout::Candidates2014 {
            circonscription: true,
            nuance: false,
        },
        Layout::Candidates2024,
    ] {
        names.extend(l.base().into_iter().map(|(b, n)| (b, key(n))));
    }
    names.extend(BASE_ALIASES.iter().map(|(b, n)| (*b, key(n))));
    let mut base: Vec<(Base, usize)> = Vec::new();
    let mut errs = Vec::new();
    for (i, h) in header[..groups_at].iter().enumerate() {
        let k = key(h);
        if let Some((b, _)) = names.iter().find(|(_, n)| *n == k) {
            if base.iter().any(|(x, _)| x == b) {
                errs.push(FormatError::at(
                    line,
                    h.clone(),
                    format!("colonne {} en double", i + 1),
                ));
            } else {
                base.push((*b, i));
            }
        }
    }
    let circonscription = base.iter().any(|(b, _)| *b == Base::CircCode);
    if let Layout::Candidates2014 { nuance, .. } = layout {
        layout = Layout::Candidates2014 {
            circonscription,
            nuance,
        };
    }
    for (b, name) in layout.base() {
        if !base.iter().any(|(x, _)| *x == b) && !matches!(b, Base::CircCode | Base::CircLabel) {
            errs.push(FormatError::at(
                line,
                name,
                format!(
                    "colonne « {name} » absente de l'en-tête (disposition {})",
                    layout.label_fr()
                ),
            ));
        }
    }
    // The groups: the layout's columns in order, numbered or not.
    let group = layout.group();
    let width = group.len();
    let rest = &header[groups_at..];
    let named = rest
        .iter()
        .rposition(|h| !h.trim().is_empty())
        .map_or(0, |p| p + 1);
    let named_groups = named.div_ceil(width);
    for (i, h) in rest[..named].iter().enumerate() {
        let (g, c) = (i / width, i % width);
        let base_name = group[c].1;
        let want = if layout.numbered() {
            format!("{base_name} {}", g + 1)
        } else {
            base_name.to_string()
        };
        if key(h) != key(&want) {
            errs.push(FormatError::at(
                line,
                want.clone(),
                format!(
                    "en-tête inattendu « {h} » en colonne {} : « {want} » attendu (disposition {})",
                    groups_at + i + 1,
                    layout.label_fr()
                ),
            ));
        }
    }
    if named % width != 0 {
        errs.push(FormatError::line(
            line,
            format!(
                "l'en-tête s'arrête au milieu d'un groupe : chaque groupe a {width} colonnes « {} »",
                group.iter().map(|(_, n)| *n).collect::<Vec<_>>().join(";")
            ),
        ));
    }
    FormatErrors::or(
        errs,
        Columns {
            layout,
            base,
            groups_at,
            width,
            named_groups,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(s: &str) -> Vec<String> {
        s.split(';').map(str::to_string).collect()
    }

    #[test]
    fn every_layout_is_recognised_from_its_own_header() {
        for l in Layout::ALL {
            for groups in [1, 3] {
                let c = detect(&l.header(groups), 1).expect("own header");
                assert_eq!(c.layout, l);
                assert_eq!(c.groups_at, l.base().len());
                assert_eq!(c.width, l.group().len());
            }
        }
    }

    #[test]
    fn the_2024_header_of_the_issue_with_its_trailing_separator() {
        let h = "Code département;Libellé département;Code commune;Libellé commune;Code BV;Inscrits;Votants;% Votants;Abstentions;% Abstentions;Exprimés;% Exprimés/inscrits;% Exprimés/votants;Blancs;% Blancs/inscrits;% Blancs/votants;Nuls;% Nuls/inscrits;% Nuls/votants;Numéro de panneau 1;Nuance candidat 1;Nom candidat 1;Prénom candidat 1;Sexe candidat 1;Voix 1;% Voix/inscrits 1;% Voix/exprimés 1;Elu 1;";
        let c = detect(&cells(h), 1).expect("2024");
        assert_eq!(c.layout, Layout::Candidates2024);
        assert_eq!(c.named_groups, 1);
        assert_eq!(c.at(Base::PctAbsIns), Some(9));
        assert_eq!(c.at(Base::Abstentions), Some(8));
    }

    #[test]
    fn a_wrong_group_column_is_named() {
        let mut h = Layout::Lists2024.header(2);
        h[19 + 13 + 7] = "Voix 3".into();
        let e = detect(&h, 1).expect_err("bad");
        let shown = e.to_string();
        assert!(shown.contains("« Voix 2 » attendu"), "{shown}");
        assert!(shown.contains("colonne 40"), "{shown}");
        let e = detect(&cells("Code;Nom;Voix"), 1).expect_err("unknown");
        assert!(e.to_string().contains("en-tête inconnu"), "{e}");
    }
}
