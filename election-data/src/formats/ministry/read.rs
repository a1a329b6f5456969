//! Reading a ministry file row by row, in bounded memory.
//!
//! A national per-bureau file has some 70,000 rows and weighs up to hundreds
//! of megabytes; only the rows of the territory asked for ([`Filter`]) are
//! kept. [`Decoder`] takes the header, then one row at a time (from a
//! [`Table`] or straight from a CSV reader, [`decode_stream`]), checks it and
//! keeps what the election needs; [`Decoder::finish`] builds the election.
//! Rows outside the filter cost the parsing of their codes only, and a row's
//! cells are borrowed, never copied, unless it is the first of the ballot.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, Read};

use super::layout::{self, Base, Columns, GroupField, Layout};
use super::{CIRCONSCRIPTION_PREFIX, MinistryImport, values};
use crate::formats::{
    CommuneMeta, FormatError, FormatErrors, Person, Printed, ResultsFile, Sexe, Table,
    checked_election, default_colour, is_code, nn, parse_count, pct_fr,
};
use crate::model::{Bureau, Candidate, CandidateVoix, Perimeter, PerimeterKind, ProcesVerbal};
use crate::validate::check_pv;

/// Which rows of a file to keep: all the conditions given hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Département code (`29`, `2A`, `974`; `1` is `01`).
    pub departement: Option<String>,
    /// Circonscription code within the département (`02`; `2` is `02`).
    pub circonscription: Option<String>,
    /// INSEE codes of the communes to keep; empty keeps every commune.
    pub communes: Vec<String>,
}

impl Filter {
    /// Keeps one commune, by INSEE code.
    pub fn commune(insee: &str) -> Filter {
        Filter {
            communes: vec![insee.to_string()],
            ..Filter::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == Filter::default()
    }

    /// The filter in words, for "no bureau of …".
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(d) = &self.departement {
            parts.push(format!("du département {d}"));
        }
        if let Some(c) = &self.circonscription {
            parts.push(format!("de la circonscription {c}"));
        }
        if !self.communes.is_empty() {
            parts.push(format!("de la commune {}", self.communes.join(", ")));
        }
        parts.join(" ")
    }
}

/// The cells of a row, wherever they come from.
pub trait Cells {
    /// The cell, trimmed; `""` past the end.
    fn cell(&self, i: usize) -> &str;
    fn count(&self) -> usize;
}

impl Cells for Vec<String> {
    fn cell(&self, i: usize) -> &str {
        self.get(i).map_or("", |s| s.trim())
    }
    fn count(&self) -> usize {
        self.len()
    }
}

impl Cells for csv::StringRecord {
    fn cell(&self, i: usize) -> &str {
        self.get(i).map_or("", str::trim)
    }
    fn count(&self) -> usize {
        self.len()
    }
}

/// One candidate group as kept from the ballot's first row.
#[derive(Debug, Clone, PartialEq, Eq)]
struct GroupRead {
    number: u32,
    name: String,
    person: Person,
    nuance: Option<String>,
    printed: Printed,
}

/// One candidate group of a row, borrowed from it.
struct GroupView<'r> {
    number: u32,
    sexe: Option<Sexe>,
    nom: &'r str,
    prenom: &'r str,
    nuance: &'r str,
    short_label: &'r str,
    list_label: &'r str,
    elu: &'r str,
    seats: [Option<u32>; 3],
    voix: i64,
    /// Where the group starts on its row, for the messages.
    at: usize,
}

const SEAT_FIELDS: [GroupField; 3] = [
    GroupField::SiegesCm,
    GroupField::SiegesSecteur,
    GroupField::SiegesCc,
];

impl GroupView<'_> {
    fn person(&self) -> Person {
        Person {
            nom: self.nom.to_string(),
            prenom: self.prenom.to_string(),
            sexe: self.sexe,
        }
    }

    fn name(&self, layout: Layout) -> String {
        if layout.has(GroupField::ListLabel) {
            self.list_label.to_string()
        } else {
            self.person().display_name()
        }
    }

    fn owned(&self, layout: Layout) -> GroupRead {
        GroupRead {
            number: self.number,
            name: self.name(layout),
            person: self.person(),
            nuance: (!self.nuance.is_empty()).then(|| self.nuance.to_string()),
            printed: Printed {
                short_label: self.short_label.to_string(),
                elu: self.elu.to_string(),
                sieges_cm: self.seats[0],
                sieges_secteur: self.seats[1],
                sieges_cc: self.seats[2],
            },
        }
    }
}

struct RowReader<'a> {
    line: u64,
    row: &'a dyn Cells,
    header: &'a [String],
    cols: &'a Columns,
    errs: &'a mut Vec<FormatError>,
}

impl<'a> RowReader<'a> {
    /// The column's name in the header, or the group's column name and its
    /// candidate's rank when the header names the first group only.
    fn name(&self, i: usize) -> String {
        match self.header.get(i) {
            Some(h) if !h.trim().is_empty() => h.clone(),
            _ => {
                let group = self.cols.layout.group();
                let g = i.saturating_sub(self.cols.groups_at);
                let w = self.cols.width.max(1);
                let col = group.get(g % w).map_or("colonne", |(_, n)| n);
                format!("{col} (candidat {})", g / w + 1)
            }
        }
    }

    fn text(&self, i: usize) -> &'a str {
        self.row.cell(i)
    }

    fn base(&self, b: Base) -> &'a str {
        self.cols.at(b).map_or("", |i| self.text(i))
    }

    fn base_name(&self, b: Base) -> String {
        self.cols.at(b).map_or(String::new(), |i| self.name(i))
    }

    fn count_at(&mut self, i: usize) -> Option<i64> {
        let raw = self.text(i);
        let v = parse_count(raw);
        if v.is_none() {
            let msg = format!("« {raw} » n'est pas un nombre entier positif");
            self.errs
                .push(FormatError::at(self.line, self.name(i), msg));
        }
        v
    }

    fn count(&mut self, b: Base) -> Option<i64> {
        let i = self.cols.at(b)?;
        self.count_at(i)
    }

    fn pct_at(&mut self, i: usize, part: i64, whole: i64) {
        let raw = self.text(i);
        match values::parse_percent(raw) {
            Some(h) if values::percent_agrees(h, nn(part), nn(whole)) => {}
            Some(_) => {
                let msg = format!(
                    "pourcentage « {raw} » inexact : les nombres donnent {}",
                    pct_fr(part, whole)
                );
                self.errs
                    .push(FormatError::at(self.line, self.name(i), msg));
            }
            None => {
                let msg = format!(
                    "« {raw} » n'est pas un pourcentage (les nombres donnent {})",
                    pct_fr(part, whole)
                );
                self.errs
                    .push(FormatError::at(self.line, self.name(i), msg));
            }
        }
    }

    fn pct(&mut self, b: Base, part: i64, whole: i64) {
        if let Some(i) = self.cols.at(b) {
            self.pct_at(i, part, whole);
        }
    }

    /// An optional seat count: empty, or a count.
    fn seats_at(&mut self, i: usize) -> Result<Option<u32>, ()> {
        let raw = self.text(i);
        if raw.is_empty() {
            return Ok(None);
        }
        match parse_count(raw).and_then(|n| u32::try_from(n).ok()) {
            Some(n) => Ok(Some(n)),
            None => {
                let msg = format!("« {raw} » n'est pas un nombre de sièges");
                self.errs
                    .push(FormatError::at(self.line, self.name(i), msg));
                Err(())
            }
        }
    }

    /// The candidate groups of the row, in the row's order (the first row's
    /// is the ballot's); `None` when one is wrong (reported).
    fn groups(&mut self, inscrits: i64, exprimes: i64) -> Option<Vec<GroupView<'a>>> {
        let cols = self.cols;
        let layout = cols.layout;
        let mut used = self.row.count();
        while used > 0 && self.text(used - 1).is_empty() {
            used -= 1;
        }
        let n = used.saturating_sub(cols.groups_at).div_ceil(cols.width);
        if layout.numbered() && n > cols.named_groups {
            self.errs.push(FormatError::line(
                self.line,
                format!(
                    "{n} groupes de colonnes, mais l'en-tête n'en nomme que {}",
                    cols.named_groups
                ),
            ));
            return None;
        }
        let pos = layout.positions();
        let col = |f: GroupField| pos[f as usize];
        let mut ok = true;
        let mut groups: Vec<GroupView<'a>> = Vec::with_capacity(n);
        for g in 0..n {
            let at = cols.groups_at + g * cols.width;
            if (at..at + cols.width).all(|i| self.text(i).is_empty()) {
                continue; // an unused group
            }
            let field = |me: &Self, f: GroupField| col(f).map_or("", |p| me.text(at + p));
            let number_raw = self.text(at);
            let number = match number_raw.parse::<u32>() {
                Ok(n) if n >= 1 && number_raw.bytes().all(|b| b.is_ascii_digit()) => n,
                _ => {
                    let msg = format!("« {number_raw} » n'est pas un numéro de panneau");
                    self.errs
                        .push(FormatError::at(self.line, self.name(at), msg));
                    ok = false;
                    continue;
                }
            };
            let mut sexe = None;
            if let Some(p) = col(GroupField::Sexe) {
                let raw = self.text(at + p);
                if !raw.is_empty() {
                    match Sexe::parse(raw) {
                        Some(s) => sexe = Some(s),
                        None => {
                            let msg = format!("sexe « {raw} » inconnu (M ou F)");
                            self.errs
                                .push(FormatError::at(self.line, self.name(at + p), msg));
                            ok = false;
                        }
                    }
                }
            }
            let mut seats = [None; 3];
            for (slot, f) in seats.iter_mut().zip(SEAT_FIELDS) {
                if let Some(p) = col(f) {
                    match self.seats_at(at + p) {
                        Ok(v) => *slot = v,
                        Err(()) => ok = false,
                    }
                }
            }
            let nom = if layout.has(GroupField::TeteListe) {
                field(self, GroupField::TeteListe)
            } else {
                field(self, GroupField::Nom)
            };
            let view = GroupView {
                number,
                sexe,
                nom,
                prenom: field(self, GroupField::Prenom),
                nuance: field(self, GroupField::Nuance),
                short_label: field(self, GroupField::ShortLabel),
                list_label: field(self, GroupField::ListLabel),
                elu: field(self, GroupField::Elu),
                seats,
                voix: 0,
                at,
            };
            let unnamed = if layout.has(GroupField::ListLabel) {
                view.list_label.is_empty()
            } else {
                view.nom.is_empty() && view.prenom.is_empty()
            };
            if unnamed {
                let named = col(GroupField::ListLabel)
                    .or(col(GroupField::Nom))
                    .or(col(GroupField::TeteListe))
                    .map_or(at, |p| at + p);
                let msg = format!("le candidat n° {number} n'a pas de nom");
                self.errs
                    .push(FormatError::at(self.line, self.name(named), msg));
                ok = false;
            }
            let Some(voix) = col(GroupField::Voix).and_then(|p| self.count_at(at + p)) else {
                ok = false;
                continue;
            };
            if let Some(p) = col(GroupField::PctVoixIns) {
                self.pct_at(at + p, voix, inscrits);
            }
            if let Some(p) = col(GroupField::PctVoixExp) {
                self.pct_at(at + p, voix, exprimes);
            }
            groups.push(GroupView { voix, ..view });
        }
        if !ok {
            return None;
        }
        let mut seen = BTreeSet::new();
        if let Some(g) = groups.iter().find(|g| !seen.insert(g.number)) {
            let msg = format!("le numéro de panneau {} figure deux fois", g.number);
            self.errs
                .push(FormatError::at(self.line, self.name(g.at), msg));
            return None;
        }
        Some(groups)
    }

    /// Compares the row's candidates with the first row's: every difference
    /// names its column and both values.
    fn same_ballot(
        &mut self,
        first: &[GroupRead],
        first_line: u64,
        groups: &[GroupView<'_>],
    ) -> bool {
        let mut ok = true;
        let layout = self.cols.layout;
        let group = layout.group();
        let seat = |v: Option<u32>| v.map_or(String::new(), |n| n.to_string());
        for g in groups {
            let Some(f) = first.iter().find(|f| f.number == g.number) else {
                let msg = format!(
                    "le candidat n° {} ne figure pas ligne {first_line} : chaque bureau doit avoir les mêmes candidats",
                    g.number
                );
                self.errs
                    .push(FormatError::at(self.line, self.name(g.at), msg));
                ok = false;
                continue;
            };
            let sexe = |s: Option<Sexe>| s.map_or("", Sexe::code);
            let texts: [(GroupField, &str, &str); 9] = [
                (GroupField::ListLabel, &f.name, g.list_label),
                (GroupField::TeteListe, &f.person.nom, g.nom),
                (GroupField::Nom, &f.person.nom, g.nom),
                (GroupField::Prenom, &f.person.prenom, g.prenom),
                (GroupField::Sexe, sexe(f.person.sexe), sexe(g.sexe)),
                (
                    GroupField::Nuance,
                    f.nuance.as_deref().unwrap_or(""),
                    g.nuance,
                ),
                (
                    GroupField::ShortLabel,
                    &f.printed.short_label,
                    g.short_label,
                ),
                (GroupField::Elu, &f.printed.elu, g.elu),
                (GroupField::Number, "", ""),
            ];
            let first_seats = [
                f.printed.sieges_cm,
                f.printed.sieges_secteur,
                f.printed.sieges_cc,
            ];
            let mut differ = |me: &mut Self, field: GroupField, was: &str, is: &str| {
                if let Some(p) = group.iter().position(|(x, _)| *x == field) {
                    let msg = format!(
                        "candidat n° {} : « {is} », mais « {was} » ligne {first_line}",
                        g.number
                    );
                    me.errs
                        .push(FormatError::at(me.line, me.name(g.at + p), msg));
                    ok = false;
                }
            };
            for (field, was, is) in texts {
                if was != is {
                    differ(self, field, was, is);
                }
            }
            for ((field, was), is) in SEAT_FIELDS.into_iter().zip(first_seats).zip(g.seats) {
                if was != is {
                    differ(self, field, &seat(was), &seat(is));
                }
            }
        }
        for f in first {
            if !groups.iter().any(|g| g.number == f.number) {
                let msg = format!(
                    "le candidat n° {} de la ligne {first_line} manque : chaque bureau doit avoir les mêmes candidats",
                    f.number
                );
                self.errs.push(FormatError::line(self.line, msg));
                ok = false;
            }
        }
        ok
    }

    /// The département's code, the commune's code within it and the INSEE
    /// code of the row, leading zeros given back; an error names the column.
    fn commune_codes(&mut self) -> Option<(String, String, String)> {
        let dep = values::pad_code(self.base(Base::DepCode), 2);
        let raw = self.base(Base::CommuneCode);
        if self.cols.layout.full_commune_code() {
            let insee = values::pad_code(raw, 5);
            match insee.strip_prefix(dep.as_str()) {
                Some(code) if !dep.is_empty() => Some((dep.clone(), code.to_string(), insee)),
                _ => {
                    let msg = format!(
                        "le code commune « {raw} » n'est pas un code INSEE du département « {dep} »"
                    );
                    let name = self.base_name(Base::CommuneCode);
                    self.errs.push(FormatError::at(self.line, name, msg));
                    None
                }
            }
        } else {
            let width = 5usize.saturating_sub(dep.len()).max(2);
            let code = values::pad_code(raw, width);
            let insee = format!("{dep}{code}");
            Some((dep, code, insee))
        }
    }
}

/// The state of a file being read: the header's columns, what the rows kept
/// so far gave, and every problem found.
pub struct Decoder<'i> {
    import: &'i MinistryImport,
    header: Vec<String>,
    cols: Columns,
    keep: Vec<String>,
    departement: Option<String>,
    circonscription: Option<String>,
    errs: Vec<FormatError>,
    /// The communes kept, in the order of their first row (with its line).
    communes: Vec<(CommuneMeta, u64)>,
    ballot: Option<(Vec<GroupRead>, u64)>,
    /// The bureaux kept, each with its commune's INSEE code; their codes
    /// are the `Code BV` until [`Decoder::finish`] knows whether several
    /// communes were kept (then `INSEE-BV`).
    bureaux: Vec<(String, Bureau)>,
    /// Keyed by `(INSEE, Code BV)`, as the bureaux.
    bureau_lines: BTreeMap<(String, String), u64>,
    pvs: BTreeMap<(String, String), ProcesVerbal>,
    circs: Vec<Perimeter>,
    circ_lines: BTreeMap<String, u64>,
    /// Rows left out by the filter.
    pub skipped: u64,
}

/// Too many problems to list: the rest are counted, not kept.
const MAX_ERRORS: usize = 1000;

impl<'i> Decoder<'i> {
    /// Starts with the header (see [`layout::detect`]).
    pub fn new(
        header: Vec<String>,
        header_line: u64,
        import: &'i MinistryImport,
    ) -> Result<Decoder<'i>, FormatErrors> {
        let cols = layout::detect(&header, header_line)?;
        let f = &import.filter;
        if f.circonscription.is_some()
            && !cols.layout.has_circonscription()
            && cols.at(Base::CircCode).is_none()
        {
            return Err(FormatErrors::one(FormatError::line(
                header_line,
                "le fichier n'a pas de colonne de circonscription : filtrez par département ou par commune",
            )));
        }
        Ok(Decoder {
            import,
            header,
            keep: f.communes.iter().map(|c| values::pad_code(c, 5)).collect(),
            departement: f.departement.as_deref().map(|d| values::pad_code(d, 2)),
            circonscription: f.circonscription.as_deref().map(|c| values::pad_code(c, 2)),
            cols,
            errs: Vec::new(),
            communes: Vec::new(),
            ballot: None,
            bureaux: Vec::new(),
            bureau_lines: BTreeMap::new(),
            pvs: BTreeMap::new(),
            circs: Vec::new(),
            circ_lines: BTreeMap::new(),
            skipped: 0,
        })
    }

    pub fn layout(&self) -> Layout {
        self.cols.layout
    }

    /// Reads one row (its 1-based line in the file).
    pub fn row(&mut self, line: u64, row: &dyn Cells) {
        if self.errs.len() > MAX_ERRORS {
            // Keep reading for the filter's sake, but stop listing.
            return;
        }
        let mut r = RowReader {
            line,
            row,
            header: &self.header,
            cols: &self.cols,
            errs: &mut self.errs,
        };
        // The filter first: a row outside costs its codes only.
        if let Some(d) = &self.departement
            && values::pad_code(r.base(Base::DepCode), 2) != *d
        {
            self.skipped += 1;
            return;
        }
        if let Some(c) = &self.circonscription
            && values::pad_code(r.base(Base::CircCode), 2) != *c
        {
            self.skipped += 1;
            return;
        }
        let Some((dep, commune_code, insee)) = r.commune_codes() else {
            return;
        };
        if !self.keep.is_empty() && !self.keep.contains(&insee) {
            self.skipped += 1;
            return;
        }
        let (dep_label, commune_label) = (r.base(Base::DepLabel), r.base(Base::CommuneLabel));
        // Every row of a commune names it and its département alike; the
        // last commune is the likeliest (a file is sorted by commune).
        match self.communes.iter().rev().find(|(m, _)| m.insee() == insee) {
            Some((m, first)) => {
                let (column, was) = if m.departement_label != dep_label {
                    (Base::DepLabel, &m.departement_label)
                } else {
                    (Base::CommuneLabel, &m.commune_label)
                };
                if m.departement_label != dep_label || m.commune_label != commune_label {
                    let msg = format!(
                        "la commune {insee} s'appelle « {was} » ligne {first} : une commune a le même libellé sur toutes ses lignes"
                    );
                    r.errs.push(FormatError::at(line, r.base_name(column), msg));
                    return;
                }
            }
            None => {
                if !is_code(&insee) {
                    let msg = format!("code INSEE invalide « {insee} »");
                    r.errs
                        .push(FormatError::at(line, r.base_name(Base::CommuneCode), msg));
                    return;
                }
                // One label per département, whichever commune's row.
                if let Some((other, first)) = self
                    .communes
                    .iter()
                    .find(|(m, _)| m.departement_code == dep && m.departement_label != dep_label)
                {
                    let msg = format!(
                        "le département {dep} s'appelle « {} » ligne {first}",
                        other.departement_label
                    );
                    r.errs
                        .push(FormatError::at(line, r.base_name(Base::DepLabel), msg));
                    return;
                }
                let meta = CommuneMeta {
                    departement_code: dep,
                    departement_label: dep_label.to_string(),
                    commune_code,
                    commune_label: commune_label.to_string(),
                };
                self.communes.push((meta, line));
            }
        }
        let code = values::pad_code(r.base(Base::BureauCode), 4);
        let key = (insee.clone(), code.clone());
        let mut ok = true;
        if !is_code(&code) {
            let msg = format!(
                "code de bureau invalide « {code} » (1 à 32 caractères parmi A-Z, a-z, 0-9, - et _)"
            );
            r.errs
                .push(FormatError::at(line, r.base_name(Base::BureauCode), msg));
            ok = false;
        } else if let Some(first) = self.bureau_lines.get(&key) {
            let msg = format!("le bureau {code} de la commune {insee} figure déjà ligne {first}");
            r.errs
                .push(FormatError::at(line, r.base_name(Base::BureauCode), msg));
            ok = false;
        }
        // Circonscription.
        let circ_code = values::pad_code(r.base(Base::CircCode), 2);
        let circ_label = r.base(Base::CircLabel);
        let mut perimeters = Vec::new();
        let mut new_circ = None;
        if !circ_code.is_empty() {
            // Keyed by département too (two départements' 02 are two
            // circonscriptions); [`Decoder::tree`] drops the département from
            // the codes when the file kept only one.
            let dep_code = values::pad_code(r.base(Base::DepCode), 2);
            let pcode = format!("{CIRCONSCRIPTION_PREFIX}{dep_code}-{circ_code}");
            if !is_code(&pcode) {
                let msg = format!("code de circonscription invalide « {circ_code} »");
                r.errs
                    .push(FormatError::at(line, r.base_name(Base::CircCode), msg));
                ok = false;
            } else if let Some(existing) = self.circs.iter().find(|p| p.code == pcode) {
                if existing.name != circ_label {
                    let first = self.circ_lines.get(&pcode).copied().unwrap_or(0);
                    let msg = format!(
                        "la circonscription {circ_code} s'appelle « {} » ligne {first}",
                        existing.name
                    );
                    r.errs
                        .push(FormatError::at(line, r.base_name(Base::CircLabel), msg));
                    ok = false;
                }
                perimeters.push(pcode);
            } else {
                new_circ = Some(Perimeter {
                    code: pcode.clone(),
                    name: circ_label.to_string(),
                    kind: PerimeterKind::Circonscription,
                    parent: None,
                    population: None,
                });
                perimeters.push(pcode);
            }
        }
        // Counts and their percentages.
        let counts = (
            r.count(Base::Inscrits),
            r.count(Base::Abstentions),
            r.count(Base::Votants),
            r.count(Base::Blancs),
            r.count(Base::Nuls),
            r.count(Base::Exprimes),
        );
        let (
            Some(inscrits),
            Some(abstentions),
            Some(votants),
            Some(blancs),
            Some(nuls),
            Some(exprimes),
        ) = counts
        else {
            return;
        };
        let Ok(roll) = u32::try_from(inscrits) else {
            let msg = format!("{inscrits} inscrits : c'est trop pour un bureau");
            r.errs
                .push(FormatError::at(line, r.base_name(Base::Inscrits), msg));
            return;
        };
        if abstentions != inscrits - votants {
            let msg = format!(
                "{abstentions} abstentions, mais inscrits − votants = {}",
                inscrits - votants
            );
            r.errs
                .push(FormatError::at(line, r.base_name(Base::Abstentions), msg));
        }
        r.pct(Base::PctAbsIns, abstentions, inscrits);
        r.pct(Base::PctVotIns, votants, inscrits);
        r.pct(Base::PctBlancsIns, blancs, inscrits);
        r.pct(Base::PctBlancsVot, blancs, votants);
        r.pct(Base::PctNulsIns, nuls, inscrits);
        r.pct(Base::PctNulsVot, nuls, votants);
        r.pct(Base::PctExpIns, exprimes, inscrits);
        r.pct(Base::PctExpVot, exprimes, votants);
        let Some(groups) = r.groups(inscrits, exprimes) else {
            return;
        };
        if !ok {
            return;
        }
        let layout = self.cols.layout;
        match &self.ballot {
            None if groups.is_empty() => {
                r.errs
                    .push(FormatError::line(line, "aucun candidat sur cette ligne"));
                return;
            }
            None => {
                self.ballot = Some((groups.iter().map(|g| g.owned(layout)).collect(), line));
            }
            Some((first, first_line)) => {
                if !r.same_ballot(first, *first_line, &groups) {
                    return;
                }
            }
        }
        if let Some(c) = new_circ {
            self.circ_lines.insert(c.code.clone(), line);
            self.circs.push(c);
        }
        self.bureau_lines.insert(key.clone(), line);
        self.pvs.insert(
            key,
            ProcesVerbal {
                inscrits,
                votants,
                blancs,
                nuls,
                exprimes,
                voix: groups
                    .iter()
                    .map(|g| CandidateVoix {
                        candidate: g.number,
                        voix: g.voix,
                    })
                    .collect(),
                turnout: Vec::new(),
            },
        );
        self.bureaux.push((
            insee,
            Bureau {
                name: format!("Bureau {code}"),
                code,
                address: None,
                inscrits: roll,
                perimeters,
            },
        ));
    }

    /// The election, when every row kept was valid.
    pub fn finish(mut self) -> Result<(Layout, ResultsFile), FormatErrors> {
        let layout = self.cols.layout;
        let filter = &self.import.filter;
        let Some((meta, _)) = self.communes.first().cloned() else {
            self.errs.push(FormatError::file(if filter.is_empty() {
                "le fichier ne contient aucun bureau".to_string()
            } else {
                format!("aucun bureau {} dans le fichier", filter.describe())
            }));
            return Err(FormatErrors(self.errs));
        };
        if !self.errs.is_empty() {
            if self.errs.len() > MAX_ERRORS {
                self.errs.truncate(MAX_ERRORS);
                self.errs.push(FormatError::file(format!(
                    "plus de {MAX_ERRORS} erreurs : les suivantes ne sont pas listées"
                )));
            }
            return Err(FormatErrors(self.errs));
        }
        // A territory's communes are perimeters: each needs its name.
        if self.communes.len() > 1 {
            for (m, line) in &self.communes {
                // The INSEE code identifies a territory's commune: it must
                // split back into the département and commune codes read.
                let parts = Some((m.departement_code.clone(), m.commune_code.clone()));
                if crate::formats::split_insee(&m.insee()) != parts {
                    self.errs.push(FormatError::line(
                        *line,
                        format!(
                            "département « {} » et commune « {} » ne font pas un code INSEE (5 caractères, comme 29019) : il identifie chaque commune d'un territoire",
                            m.departement_code, m.commune_code
                        ),
                    ));
                }
                if m.commune_label.trim().is_empty() {
                    self.errs.push(FormatError::line(
                        *line,
                        format!(
                            "la commune {} n'a pas de libellé : il faut le nom de chaque commune d'un territoire",
                            m.insee()
                        ),
                    ));
                }
            }
            if !self.errs.is_empty() {
                return Err(FormatErrors(self.errs));
            }
        }
        let departements = if self.communes.len() > 1 {
            self.communes
                .iter()
                .map(|(m, _)| (m.departement_code.clone(), m.departement_label.clone()))
                .collect()
        } else {
            BTreeMap::new()
        };
        let (perimeters, bureaux, pvs, bureau_lines) = self.tree();
        let Some((groups, _)) = self.ballot else {
            return Err(FormatErrors::one(FormatError::file(
                "le fichier ne contient aucun bureau",
            )));
        };
        let candidates = groups
            .iter()
            .map(|g| Candidate {
                number: g.number,
                name: g.name.clone(),
                nuance: g.nuance.clone(),
                colour: default_colour(g.nuance.as_deref()).to_string(),
                list_size: None,
                cc_list_size: None,
            })
            .collect();
        let election = checked_election(
            &self.import.header,
            Vec::new(),
            perimeters,
            bureaux,
            candidates,
        )?;
        // The procès-verbal rules, bureau by bureau.
        let mut errs = Vec::new();
        for b in &election.bureaux {
            if let Some(pv) = pvs.get(&b.code) {
                let line = bureau_lines.get(&b.code).copied().unwrap_or(0);
                for v in check_pv(&election, b, pv, None).errors {
                    errs.push(FormatError::at(line, v.field, v.message));
                }
            }
        }
        let printed = groups
            .iter()
            .filter(|g| g.printed != Printed::default())
            .map(|g| (g.number, g.printed.clone()))
            .collect();
        let people = groups
            .into_iter()
            .filter(|g| {
                !layout.has(GroupField::ListLabel)
                    || !g.person.display_name().is_empty()
                    || g.person.sexe.is_some()
            })
            .map(|g| (g.number, g.person))
            .collect();
        FormatErrors::or(
            errs,
            (
                layout,
                ResultsFile {
                    meta,
                    election,
                    pvs,
                    people,
                    printed,
                    departements,
                },
            ),
        )
    }
}

/// What [`Decoder::tree`] gives: the perimeters, the bureaux, their
/// procès-verbaux and their lines, by the bureaux' final codes.
type Tree = (
    Vec<Perimeter>,
    Vec<Bureau>,
    BTreeMap<String, ProcesVerbal>,
    BTreeMap<String, u64>,
);

impl Decoder<'_> {
    /// The perimeter tree of what was kept. One commune: the commune is the
    /// root, its circonscriptions below it, the bureaux keep their `Code BV`
    /// (the one-commune election of every other import). Several communes:
    /// the root is the territory — the circonscription when they all sit in
    /// one, else the département when they all sit in one, else a
    /// « Territoire » — with each commune (its INSEE code) and each other
    /// circonscription below it, and each bureau coded `INSEE-BV` in its
    /// commune (and its circonscription).
    fn tree(&mut self) -> Tree {
        let mut pvs = std::mem::take(&mut self.pvs);
        let mut lines = std::mem::take(&mut self.bureau_lines);
        let bureaux = std::mem::take(&mut self.bureaux);
        // (the circonscriptions' codes are settled first, below)
        let mut circs = std::mem::take(&mut self.circs);
        let mut bureaux = bureaux;
        let deps: BTreeSet<String> = self
            .communes
            .iter()
            .map(|(m, _)| m.departement_code.clone())
            .collect();
        if deps.len() <= 1 {
            // One département: the circonscription is its code alone.
            let short = |code: &str| match code
                .strip_prefix(CIRCONSCRIPTION_PREFIX)
                .and_then(|rest| rest.split_once('-'))
            {
                Some((_, circ)) => format!("{CIRCONSCRIPTION_PREFIX}{circ}"),
                None => code.to_string(),
            };
            for c in &mut circs {
                c.code = short(&c.code);
            }
            for (_, b) in &mut bureaux {
                for p in &mut b.perimeters {
                    *p = short(p);
                }
            }
        }
        let mut out_pvs = BTreeMap::new();
        let mut out_lines = BTreeMap::new();
        if let [(meta, _)] = self.communes.as_slice() {
            let insee = meta.insee();
            let root = if is_code(&insee) {
                insee
            } else {
                "COMMUNE".to_string()
            };
            let mut perimeters = vec![Perimeter {
                code: root.clone(),
                name: if meta.commune_label.trim().is_empty() {
                    root.clone()
                } else {
                    meta.commune_label.clone()
                },
                kind: PerimeterKind::Commune,
                parent: None,
                population: None,
            }];
            perimeters.extend(circs.into_iter().map(|mut p| {
                p.parent = Some(root.clone());
                p
            }));
            let bureaux = bureaux
                .into_iter()
                .map(|(insee, b)| {
                    let key = (insee, b.code.clone());
                    if let Some(pv) = pvs.remove(&key) {
                        out_pvs.insert(b.code.clone(), pv);
                    }
                    if let Some(l) = lines.remove(&key) {
                        out_lines.insert(b.code.clone(), l);
                    }
                    b
                })
                .collect();
            return (perimeters, bureaux, out_pvs, out_lines);
        }
        let (root, mut perimeters, circ_root) = match (circs.as_slice(), deps.len()) {
            ([circ], _) => (circ.code.clone(), vec![circ.clone()], true),
            (_, 1) => {
                let (m, _) = &self.communes[0];
                let code = format!("DEP-{}", m.departement_code);
                let name = if m.departement_label.trim().is_empty() {
                    format!("Département {}", m.departement_code)
                } else {
                    m.departement_label.clone()
                };
                (
                    code.clone(),
                    vec![Perimeter {
                        code,
                        name,
                        kind: PerimeterKind::Departement,
                        parent: None,
                        population: None,
                    }],
                    false,
                )
            }
            _ => (
                "TERRITOIRE".to_string(),
                vec![Perimeter {
                    code: "TERRITOIRE".into(),
                    name: "Territoire".into(),
                    kind: PerimeterKind::Territoire,
                    parent: None,
                    population: None,
                }],
                false,
            ),
        };
        if !circ_root {
            perimeters.extend(circs.into_iter().map(|mut p| {
                p.parent = Some(root.clone());
                p
            }));
        }
        perimeters.extend(self.communes.iter().map(|(m, _)| Perimeter {
            code: m.insee(),
            name: if m.commune_label.trim().is_empty() {
                m.insee()
            } else {
                m.commune_label.clone()
            },
            kind: PerimeterKind::Commune,
            parent: Some(root.clone()),
            population: None,
        }));
        let bureaux = bureaux
            .into_iter()
            .map(|(insee, mut b)| {
                let key = (insee.clone(), b.code.clone());
                let code = format!("{insee}-{}", b.code);
                if let Some(pv) = pvs.remove(&key) {
                    out_pvs.insert(code.clone(), pv);
                }
                if let Some(l) = lines.remove(&key) {
                    out_lines.insert(code.clone(), l);
                }
                b.code = code;
                if circ_root {
                    b.perimeters.clear();
                }
                b.perimeters.insert(0, insee);
                b
            })
            .collect();
        (perimeters, bureaux, out_pvs, out_lines)
    }
}

/// Reads a [`Table`] already in memory.
pub fn decode_table(
    table: &Table,
    import: &MinistryImport,
) -> Result<(Layout, ResultsFile), FormatErrors> {
    let mut d = Decoder::new(table.header.clone(), table.header_line, import)?;
    for (line, row) in &table.rows {
        d.row(*line, row);
    }
    d.finish()
}

/// Counts the bytes read (for the progress bar) and keeps where the lines
/// are, so that each record gets its true line: the `csv` crate's own
/// position of a record is taken before the blank lines (and the `\n` of a
/// `\r\n`) that precede it. Only the offsets not yet passed are kept.
struct Counting<R> {
    inner: R,
    read: u64,
    /// Offsets of the `\n` not yet before a record.
    newlines: std::collections::VecDeque<u64>,
    /// Offsets where a non-blank line starts.
    starts: std::collections::VecDeque<u64>,
    after_newline: bool,
    /// Lines passed so far.
    lines: u64,
}

impl<R> Counting<R> {
    fn new(inner: R) -> Counting<R> {
        Counting {
            inner,
            read: 0,
            newlines: std::collections::VecDeque::new(),
            starts: std::collections::VecDeque::new(),
            after_newline: true,
            lines: 1,
        }
    }

    /// The line of a record that `csv` says starts at byte `at`: the line
    /// of the first non-blank line starting at or after `at`.
    fn line_of(&mut self, at: u64) -> u64 {
        while self.starts.front().is_some_and(|&s| s < at) {
            self.starts.pop_front();
        }
        let start = self.starts.front().copied().unwrap_or(at);
        while self.newlines.front().is_some_and(|&n| n < start) {
            self.newlines.pop_front();
            self.lines += 1;
        }
        self.lines
    }
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let data = &buf[..n];
        let mut i = 0;
        while i < n {
            if self.after_newline {
                // Skip the blank run; the first other byte starts a line.
                match data[i..].iter().position(|&b| b != b'\r' && b != b'\n') {
                    Some(p) => {
                        for (k, &b) in data[i..i + p].iter().enumerate() {
                            if b == b'\n' {
                                self.newlines.push_back(self.read + (i + k) as u64);
                            }
                        }
                        self.starts.push_back(self.read + (i + p) as u64);
                        self.after_newline = false;
                        i += p + 1;
                    }
                    None => {
                        for (k, &b) in data[i..].iter().enumerate() {
                            if b == b'\n' {
                                self.newlines.push_back(self.read + (i + k) as u64);
                            }
                        }
                        i = n;
                    }
                }
            } else {
                match data[i..].iter().position(|&b| b == b'\n') {
                    Some(p) => {
                        self.newlines.push_back(self.read + (i + p) as u64);
                        self.after_newline = true;
                        i += p + 1;
                    }
                    None => i = n,
                }
            }
        }
        self.read += n as u64;
        Ok(n)
    }
}

/// Reads a semicolon CSV file from `reader` in bounded memory: one record at
/// a time, only the rows of [`MinistryImport::filter`] kept. Each record is
/// UTF-8, or else Windows-1252 (a leading UTF-8 BOM is skipped); blank lines
/// are skipped. `progress` is told the bytes read so far and `total`.
pub fn decode_stream<R: BufRead>(
    mut reader: R,
    total: u64,
    import: &MinistryImport,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(Layout, ResultsFile), FormatErrors> {
    let io_err = |e: std::io::Error| {
        FormatErrors::one(FormatError::file(format!("lecture impossible : {e}")))
    };
    let bom = reader
        .fill_buf()
        .map_err(io_err)?
        .starts_with(b"\xEF\xBB\xBF");
    if bom {
        reader.consume(3);
    }
    let mut csv = csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(false)
        .flexible(true)
        .from_reader(Counting::new(reader));
    let mut bytes = csv::ByteRecord::new();
    let mut record = csv::StringRecord::new();
    let mut decoder: Option<Decoder<'_>> = None;
    let mut n = 0u64;
    loop {
        match csv.read_byte_record(&mut bytes) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let at = e.position().map_or(0, csv::Position::byte);
                let line = csv.get_mut().line_of(at);
                return Err(FormatErrors::one(FormatError::line(
                    line.max(1),
                    format!("ligne CSV illisible : {e}"),
                )));
            }
        }
        let at = bytes.position().map_or(0, csv::Position::byte);
        let line = csv.get_mut().line_of(at);
        n += 1;
        if n.is_multiple_of(4096) {
            progress(csv.get_ref().read, total);
        }
        if bytes.iter().all(|c| c.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        // UTF-8 without a copy when it is; Windows-1252 otherwise.
        let fallback: Vec<String>;
        let cells: &dyn Cells =
            match csv::StringRecord::from_byte_record(std::mem::take(&mut bytes)) {
                Ok(r) => {
                    record = r;
                    &record
                }
                Err(e) => {
                    let raw = e.into_byte_record();
                    fallback = raw
                        .iter()
                        .map(|c| encoding_rs::WINDOWS_1252.decode(c).0.into_owned())
                        .collect();
                    bytes = raw;
                    &fallback
                }
            };
        match &mut decoder {
            None => {
                let header: Vec<String> = (0..cells.count())
                    .map(|i| cells.cell(i).to_string())
                    .collect();
                decoder = Some(Decoder::new(header, line, import)?);
            }
            Some(d) => d.row(line, cells),
        }
        if bytes.is_empty() {
            bytes = std::mem::take(&mut record).into_byte_record();
        }
    }
    progress(total, total);
    match decoder {
        Some(d) => d.finish(),
        None => Err(FormatErrors::one(FormatError::file(
            "le fichier est vide : il faut au moins une ligne d'en-tête",
        ))),
    }
}
