//! Reading a ministry file row by row, in bounded memory.
//!
//! A national per-bureau file has some 70,000 rows and weighs up to hundreds
//! of megabytes; only the rows of the territory asked for ([`Filter`]) are
//! kept. [`Decoder`] takes the header, then one row at a time (from a
//! [`Table`] or straight from a CSV reader, [`decode_stream`]), checks it and
//! keeps what the election needs; [`Decoder::finish`] builds the election.
//! Rows outside the filter cost the parsing of their codes only, and a row's
//! cells are borrowed, never copied, unless it is the first of the ballot.
//!
//! [`decode_stream`] splits most lines itself, straight from its own buffer
//! (`Feed`): a line without a quote or a carriage return is cut at its `;`
//! up to its candidates (`split_line`), whose cells are then read in
//! order (`LineCells`), those naming a candidate passed over as the
//! ballot's first row's bytes. Every other line, and every row the fast
//! path leaves to [`Decoder::row`], goes through the `csv` reader, one line
//! at a time, so that both read the same records with the same lines.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufRead, Read};

use super::layout::{self, Base, Columns, GroupField, Layout};
use super::{CIRCONSCRIPTION_PREFIX, MinistryImport, values};
use crate::formats::{
    CommuneMeta, FormatError, FormatErrors, Person, Printed, ResultsFile, Sexe, Table,
    checked_election, default_colour, is_code, nn, parse_count, pct_fr,
};
use crate::model::{Bureau, Candidate, CandidateVoix, Fx, Perimeter, PerimeterKind, ProcesVerbal};
use crate::validate::check_pv_on;

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
    /// Where each commune of `communes` is, by INSEE code.
    commune_at: HashMap<String, usize, Fx>,
    /// Each département's first commune in `communes`, by code: every
    /// commune kept names its département as the first one does (a row
    /// naming it otherwise is refused), so a new commune is checked against
    /// that one rather than against every commune (a national file has
    /// some 35,000).
    departement_at: HashMap<String, usize, Fx>,
    ballot: Option<(Vec<GroupRead>, u64)>,
    /// The commune (in `communes`) whose row gave `ballot`.
    ballot_commune: Option<usize>,
    /// At municipales each commune votes on its own lists: the ballot of
    /// every other commune, by its place in `communes`, with its line.
    commune_ballots: HashMap<usize, (Vec<GroupRead>, u64), Fx>,
    /// The bureaux kept, in the file's order; their codes are the `Code BV`
    /// until [`Decoder::finish`] knows whether several communes were kept
    /// (then `INSEE-BV`).
    bureaux: Vec<Bureau>,
    /// Each bureau's procès-verbal, after room for its final code (empty
    /// until [`Decoder::finish`]): the pairs the election's map is built
    /// from, in place, rather than a copy of them all.
    pvs: Vec<(String, ProcesVerbal)>,
    /// Each bureau's commune (its place in `communes`) and line.
    bureau_at: Vec<(usize, u64)>,
    /// The bureaux kept by commune and code (see [`BureauKeys`]).
    keys: BureauKeys,
    circs: Vec<Perimeter>,
    circ_lines: BTreeMap<String, u64>,
    /// What [`Decoder::fast_row`] reads a row with.
    fast: Fast,
    /// Rows left out by the filter.
    pub skipped: u64,
}

/// The bureaux kept, by commune (its place in [`Decoder::communes`]) and
/// `Code BV`, to find a bureau given twice. A code of digits is known by its
/// length and value (no allocation per row): in the commune's list while
/// the codes come in increasing order (a sorted file: appended, and found
/// by a binary search, in the order of the file rather than scattered in a
/// table), in a map once one comes out of order. Any other code by its
/// text.
#[derive(Default)]
struct BureauKeys {
    sorted: Vec<Vec<((usize, u64), usize)>>,
    digits: HashMap<(usize, usize, u64), usize, Fx>,
    text: HashMap<(usize, String), usize, Fx>,
}

impl BureauKeys {
    fn digits_of(code: &str) -> Option<(usize, u64)> {
        if code.is_empty() || code.len() > 18 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let v = code.bytes().fold(0u64, |v, b| v * 10 + u64::from(b - b'0'));
        Some((code.len(), v))
    }

    /// The bureau kept with this code in this commune (its place in
    /// [`Decoder::bureaux`]).
    fn get(&self, commune: usize, code: &str) -> Option<usize> {
        let Some(key) = Self::digits_of(code) else {
            return self.text.get(&(commune, code.to_string())).copied();
        };
        if let Some(list) = self.sorted.get(commune)
            && let Ok(i) = list.binary_search_by(|(k, _)| k.cmp(&key))
        {
            return list.get(i).map(|&(_, at)| at);
        }
        self.digits.get(&(commune, key.0, key.1)).copied()
    }

    /// Adds the bureau `at`, unless its code is taken in the commune
    /// (`false`, nothing added).
    fn insert(&mut self, commune: usize, code: &str, at: usize) -> bool {
        use std::collections::hash_map::Entry;
        let Some(key) = Self::digits_of(code) else {
            return match self.text.entry((commune, code.to_string())) {
                Entry::Occupied(_) => false,
                Entry::Vacant(e) => {
                    e.insert(at);
                    true
                }
            };
        };
        if self.sorted.len() <= commune {
            self.sorted.resize_with(commune + 1, Vec::new);
        }
        let Some(list) = self.sorted.get_mut(commune) else {
            return false;
        };
        if list.last().is_none_or(|(last, _)| *last < key) {
            list.push((key, at));
            return true;
        }
        if list.binary_search_by(|(k, _)| k.cmp(&key)).is_ok() {
            return false;
        }
        match self.digits.entry((commune, key.0, key.1)) {
            Entry::Occupied(_) => false,
            Entry::Vacant(e) => {
                e.insert(at);
                true
            }
        }
    }
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
            fast: Fast::new(&cols),
            cols,
            errs: Vec::new(),
            communes: Vec::new(),
            commune_at: HashMap::default(),
            departement_at: HashMap::default(),
            ballot: None,
            ballot_commune: None,
            commune_ballots: HashMap::default(),
            bureaux: Vec::new(),
            pvs: Vec::new(),
            bureau_at: Vec::new(),
            keys: BureauKeys::default(),
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
        let commune = match self.commune_at.get(&insee).copied() {
            Some(at) => {
                let Some((m, first)) = self.communes.get(at) else {
                    return;
                };
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
                at
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
                    .departement_at
                    .get(&dep)
                    .and_then(|&at| self.communes.get(at))
                    .filter(|(m, _)| m.departement_label != dep_label)
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
                self.commune_at.insert(insee.clone(), self.communes.len());
                self.departement_at
                    .entry(meta.departement_code.clone())
                    .or_insert(self.communes.len());
                self.communes.push((meta, line));
                self.communes.len() - 1
            }
        };
        let code = values::pad_code(r.base(Base::BureauCode), 4);
        let mut ok = true;
        if !is_code(&code) {
            let msg = format!(
                "code de bureau invalide « {code} » (1 à 32 caractères parmi A-Z, a-z, 0-9, - et _)"
            );
            r.errs
                .push(FormatError::at(line, r.base_name(Base::BureauCode), msg));
            ok = false;
        } else if let Some(first) = self
            .keys
            .get(commune, &code)
            .and_then(|k| self.bureau_at.get(k))
            .map(|&(_, line)| line)
        {
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
                    cc_seats: None,
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
        // At municipales a commune's rows are compared with its own first
        // row: each commune votes on its own lists.
        let own = self.import.header.kind == crate::model::ElectionKind::Municipales
            && self.ballot_commune.is_some_and(|c| c != commune);
        let ballot = if own {
            self.commune_ballots.get(&commune)
        } else {
            self.ballot.as_ref()
        };
        match ballot {
            None if groups.is_empty() => {
                r.errs
                    .push(FormatError::line(line, "aucun candidat sur cette ligne"));
                return;
            }
            None => {
                let first = (groups.iter().map(|g| g.owned(layout)).collect(), line);
                if own {
                    self.commune_ballots.insert(commune, first);
                } else {
                    self.ballot = Some(first);
                    self.ballot_commune = Some(commune);
                }
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
        let pv = ProcesVerbal {
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
        };
        // The code is new in its commune (checked above).
        self.keys.insert(commune, &code, self.bureaux.len());
        self.keep_bureau(commune, line, code, roll, perimeters, pv);
    }

    /// Whether each commune votes on its own lists (municipales).
    fn per_commune(&self) -> bool {
        self.import.header.kind == crate::model::ElectionKind::Municipales
    }

    /// Keeps a bureau whose row was read, its code in `keys`.
    fn keep_bureau(
        &mut self,
        commune: usize,
        line: u64,
        code: String,
        roll: u32,
        perimeters: Vec<String>,
        pv: ProcesVerbal,
    ) {
        self.bureau_at.push((commune, line));
        self.pvs.push((String::new(), pv));
        self.bureaux.push(Bureau {
            name: {
                let mut name = String::with_capacity(7 + code.len());
                name.push_str("Bureau ");
                name.push_str(&code);
                name
            },
            code,
            address: None,
            inscrits: roll,
            perimeters,
        });
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
        let (perimeters, bureaux, mut pvs, bureau_lines) = self.tree();
        let Some((groups, _)) = self.ballot.take() else {
            return Err(FormatErrors::one(FormatError::file(
                "le fichier ne contient aucun bureau",
            )));
        };
        let candidate = |g: &GroupRead| Candidate {
            number: g.number,
            name: g.name.clone(),
            nuance: g.nuance.clone(),
            colour: default_colour(g.nuance.as_deref()).to_string(),
            list_size: None,
            cc_list_size: None,
            commune: None,
            panel: None,
            sexe: g.person.sexe.map(|s| s.code().to_string()),
        };
        // Municipales over several communes: each commune's lists, numbered
        // in the election commune after commune, each keeping its panel
        // number; the procès-verbaux name them by that number.
        let (candidates, groups): (Vec<Candidate>, Vec<GroupRead>) =
            if self.communes.len() > 1 && self.per_commune() {
                let first = self.ballot_commune.unwrap_or(0);
                let mut ballots = std::mem::take(&mut self.commune_ballots);
                ballots.insert(first, (groups, 0));
                let mut numbers: HashMap<(usize, u32), u32, Fx> = HashMap::default();
                let mut candidates = Vec::new();
                let mut kept = Vec::new();
                for (at, (m, _)) in self.communes.iter().enumerate() {
                    for mut g in ballots.remove(&at).map(|(g, _)| g).unwrap_or_default() {
                        let number = u32::try_from(candidates.len() + 1).unwrap_or(u32::MAX);
                        numbers.insert((at, g.number), number);
                        let mut c = candidate(&g);
                        c.number = number;
                        c.panel = Some(g.number);
                        c.commune = Some(m.insee());
                        candidates.push(c);
                        g.number = number;
                        kept.push(g);
                    }
                }
                for ((_, pv), &(at, _)) in pvs.iter_mut().zip(&self.bureau_at) {
                    for v in &mut pv.voix {
                        if let Some(&n) = numbers.get(&(at, v.candidate)) {
                            v.candidate = n;
                        }
                    }
                }
                (candidates, kept)
            } else {
                (groups.iter().map(candidate).collect(), groups)
            };
        let election = checked_election(
            &self.import.header,
            Vec::new(),
            perimeters,
            bureaux,
            candidates,
        )?;
        // The procès-verbal rules, bureau by bureau, each against its
        // commune's ballot (found once per commune: a national file has
        // tens of thousands).
        let mut errs = Vec::new();
        let everyone: Vec<&Candidate> = election.candidates.iter().collect();
        let mut by_commune: HashMap<&str, Vec<&Candidate>, Fx> = HashMap::default();
        if election.has_commune_lists() {
            for c in &election.candidates {
                if let Some(m) = c.commune.as_deref() {
                    by_commune.entry(m).or_default().push(c);
                }
            }
        }
        let insees: Vec<String> = self.communes.iter().map(|(m, _)| m.insee()).collect();
        for (((b, (_, pv)), line), &(at, _)) in election
            .bureaux
            .iter()
            .zip(&pvs)
            .zip(&bureau_lines)
            .zip(&self.bureau_at)
        {
            let ballot = insees
                .get(at)
                .and_then(|m| by_commune.get(m.as_str()))
                .unwrap_or(&everyone);
            for v in check_pv_on(&election, b, ballot, pv, None).errors {
                errs.push(FormatError::at(*line, v.field, v.message));
            }
        }
        pvs.truncate(election.bureaux.len());
        for (b, (code, _)) in election.bureaux.iter().zip(&mut pvs) {
            code.clone_from(&b.code);
        }
        let pvs: BTreeMap<String, ProcesVerbal> = pvs.into_iter().collect();
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

/// How many fixed columns there are ([`Base`]).
const BASE_COUNT: usize = 21;

/// The columns as [`Decoder::fast_row`] reads them, resolved once per file,
/// and the ballot's first row as it compares the others with it.
struct Fast {
    /// Where each fixed column is, by [`Base`].
    base: [Option<usize>; BASE_COUNT],
    /// The runs of a group's columns that name its candidate (all but the
    /// voix and their percentages), as `from..to` within the group.
    runs: Vec<(usize, usize)>,
    voix: Option<usize>,
    pct_ins: Option<usize>,
    pct_exp: Option<usize>,
    /// A group's cells in order, as [`LineCells`] reads them.
    steps: Vec<Step>,
    ballot: Option<BallotRow>,
}

/// What comes next in a candidate group (see [`Fast::steps`]).
#[derive(Clone, Copy)]
enum Step {
    /// The cells of [`Fast::runs`]`[k]`.
    Run(usize),
    Voix,
    PctIns,
    PctExp,
}

/// The ballot's first row (a UTF-8 one), as the other rows' candidates are
/// compared with it.
struct BallotRow {
    /// Its groups, unused ones included.
    groups: usize,
    /// Its groups used.
    used: usize,
    /// Each group: `None` when unused, else its candidate.
    slots: Vec<Option<Slot>>,
}

/// One candidate of the ballot's first row: its number, and its cells for
/// each run of [`Fast::runs`].
struct Slot {
    number: u32,
    runs: Vec<Run>,
}

/// The cells of a run of [`Fast::runs`] in the ballot's first row (a cell
/// past the end of the row is empty).
struct Run {
    /// Their bytes one after the other…
    bytes: Vec<u8>,
    /// … and where each ends.
    ends: Vec<usize>,
    /// Their bytes with a `;` between two cells, as in a line; `None` when
    /// a cell holds a `;` (a quoted one).
    joined: Option<Vec<u8>>,
}

impl Fast {
    fn new(cols: &Columns) -> Fast {
        let mut base = [None; BASE_COUNT];
        for &(b, i) in &cols.base {
            if let Some(slot) = base.get_mut(b as usize)
                && slot.is_none()
            {
                *slot = Some(i);
            }
        }
        let value = |f: GroupField| {
            matches!(
                f,
                GroupField::Voix | GroupField::PctVoixIns | GroupField::PctVoixExp
            )
        };
        let group = cols.layout.group();
        let mut runs = Vec::new();
        let mut from = None;
        for (p, (f, _)) in group.iter().enumerate() {
            match (from, value(*f)) {
                (None, false) => from = Some(p),
                (Some(start), true) => {
                    runs.push((start, p));
                    from = None;
                }
                _ => {}
            }
        }
        if let Some(start) = from {
            runs.push((start, group.len()));
        }
        let mut steps = Vec::new();
        let mut p = 0;
        while let Some((f, _)) = group.get(p) {
            if let Some(k) = runs.iter().position(|&(from, _)| from == p) {
                steps.push(Step::Run(k));
                p = runs.get(k).map_or(p + 1, |&(_, to)| to);
                continue;
            }
            steps.push(match f {
                GroupField::Voix => Step::Voix,
                GroupField::PctVoixIns => Step::PctIns,
                GroupField::PctVoixExp => Step::PctExp,
                // (Every other field is in a run: a run that is none.)
                _ => Step::Run(usize::MAX),
            });
            p += 1;
        }
        let pos = cols.layout.positions();
        Fast {
            base,
            steps,
            runs,
            voix: pos[GroupField::Voix as usize],
            pct_ins: pos[GroupField::PctVoixIns as usize],
            pct_exp: pos[GroupField::PctVoixExp as usize],
            ballot: None,
        }
    }

    fn cell<'r>(&self, rec: &Row<'r>, b: Base) -> &'r [u8] {
        self.base
            .get(b as usize)
            .copied()
            .flatten()
            .and_then(|i| rec.get(i))
            .unwrap_or_default()
    }
}

/// A row as [`Decoder::fast_row`] reads it: its bytes and where each cell
/// ends, without a copy. A line split at its `;` (`sep` 1: a `;` between
/// two cells), or a `csv` record's cells one after the other (`sep` 0).
#[derive(Clone, Copy)]
struct Row<'r> {
    bytes: &'r [u8],
    ends: &'r [usize],
    sep: usize,
    /// Where the cells not split start (the candidates of a line, read in
    /// order by [`LineCells`]), when the line goes on past `ends`.
    tail: Option<usize>,
}

impl<'r> Row<'r> {
    /// The cells of a `csv` record, their ends in `ends` (cleared first).
    fn of_record(rec: &'r csv::ByteRecord, ends: &'r mut Vec<usize>) -> Row<'r> {
        ends.clear();
        ends.extend((0..rec.len()).filter_map(|i| rec.range(i)).map(|r| r.end));
        Row {
            bytes: rec.as_slice(),
            ends,
            sep: 0,
            tail: None,
        }
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    /// Where cell `i` starts in [`Row::bytes`].
    #[inline]
    fn start(&self, i: usize) -> Option<usize> {
        if i >= self.len() {
            return None;
        }
        match i.checked_sub(1) {
            None => Some(0),
            Some(p) => self.ends.get(p).map(|e| e + self.sep),
        }
    }

    #[inline]
    fn range(&self, i: usize) -> Option<std::ops::Range<usize>> {
        Some(self.start(i)?..*self.ends.get(i)?)
    }

    #[inline]
    fn get(&self, i: usize) -> Option<&'r [u8]> {
        self.bytes.get(self.range(i)?)
    }
}

/// Splits a line (without its line end) at its `;` when the `csv` reader
/// would read it so — no quote, no carriage return — writing where each
/// cell ends at the start of `ends` (grown as needed, never shrunk), up to
/// `limit` cells: the number of cells split, and where the rest starts when
/// the line goes on past `limit` cells; `None` when the line is for the
/// `csv` reader. (The candidates' cells, past the fixed ones, are read in
/// order by [`LineCells`], most of them as the ballot's bytes, unsplit.)
///
/// Sixty-four bytes at a time, eight by eight, into one mask of their `;`:
/// a row is some two hundred short cells, too many for a search call per
/// cell, and a loop per word of eight bytes would leave it at every word,
/// each time at a count of `;` no branch predictor guesses.
fn split_line(line: &[u8], ends: &mut Vec<usize>, limit: usize) -> Option<(usize, Option<usize>)> {
    if memchr::memchr2(b'"', b'\r', line).is_some() {
        return None;
    }
    if ends.len() <= line.len() {
        ends.resize(line.len() + 1, 0);
    }
    let mut n = 0;
    let push = |ends: &mut Vec<usize>, n: &mut usize, at: usize| {
        if let Some(slot) = ends.get_mut(*n) {
            *slot = at;
        }
        *n += 1;
    };
    let mut blocks = line.chunks_exact(64);
    let mut base = 0;
    for block in &mut blocks {
        let mut mask = 0u64;
        for (k, w) in block.chunks_exact(8).enumerate() {
            mask |= semicolons(w) << (8 * k);
        }
        while mask != 0 {
            push(ends, &mut n, base + mask.trailing_zeros() as usize);
            mask &= mask - 1;
        }
        base += 64;
        if n >= limit {
            break;
        }
    }
    if n >= limit {
        // The `limit`-th `;` ends the last cell split.
        let tail = limit
            .checked_sub(1)
            .map_or(Some(0), |last| ends.get(last).map(|&e| e + 1));
        return Some((limit, tail));
    }
    let rest = blocks.remainder();
    let mut words = rest.chunks_exact(8);
    for w in &mut words {
        let mut mask = semicolons(w);
        while mask != 0 {
            push(ends, &mut n, base + mask.trailing_zeros() as usize);
            mask &= mask - 1;
        }
        base += 8;
    }
    for (k, &b) in words.remainder().iter().enumerate() {
        if b == b';' {
            push(ends, &mut n, base + k);
        }
    }
    push(ends, &mut n, line.len());
    if n > limit {
        // More cells than the limit in the last bytes.
        let tail = limit
            .checked_sub(1)
            .map_or(Some(0), |last| ends.get(last).map(|&e| e + 1));
        return Some((limit, tail));
    }
    Some((n, None))
}

/// The `;` among eight bytes, as the low eight bits of the result (bit `k`
/// for byte `k`).
#[inline]
fn semicolons(word: &[u8]) -> u64 {
    const LOW: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const SEMI: u64 = u64::from_ne_bytes([b';'; 8]);
    let x = <[u8; 8]>::try_from(word).map_or(0, u64::from_le_bytes) ^ SEMI;
    // The top bit of each byte that is zero in `x` (a `;`), exactly…
    let top = !(((x & LOW) + LOW) | x | LOW);
    // … gathered into the top byte (every partial product lands on its own
    // bit: no carry), then brought down.
    (top >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56
}

/// Whether a cell of a UTF-8 row is empty once trimmed.
fn blank(raw: &[u8]) -> bool {
    raw.iter().all(|&b| values::is_space(b))
        || (!raw.is_ascii() && std::str::from_utf8(raw).is_ok_and(|s| s.trim().is_empty()))
}

/// The cells a row uses: up to its last cell not empty once trimmed.
fn used_cells(rec: &Row<'_>) -> usize {
    let mut used = rec.len();
    while used > 0 && rec.get(used - 1).is_some_and(blank) {
        used -= 1;
    }
    used
}

/// Whether every cell of the row is UTF-8 (what
/// `csv::StringRecord::from_byte_record` accepts): the whole row is, and no
/// cell starts inside a character (a line split at its `;` never has one
/// that does, when it is UTF-8).
fn is_utf8(rec: &Row<'_>) -> bool {
    let all = rec.bytes;
    if all.is_ascii() {
        return true;
    }
    if std::str::from_utf8(all).is_err() {
        return false;
    }
    if rec.sep == 1 {
        return true;
    }
    for (c, chunk) in all.chunks(64).enumerate() {
        if chunk.is_ascii() {
            continue;
        }
        for (k, &b) in chunk.iter().enumerate() {
            if (0x80..0xC0).contains(&b) && starts_a_cell(rec, c * 64 + k) {
                return false;
            }
        }
    }
    true
}

/// Whether a cell of the row starts at byte `p` of its bytes.
fn starts_a_cell(rec: &Row<'_>, p: usize) -> bool {
    let start = |i: usize| rec.start(i).unwrap_or(usize::MAX);
    let (mut lo, mut hi) = (0, rec.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if start(mid) < p {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    start(lo) == p
}

/// Whether the cells `at + from .. at + to` of the row are the bytes of
/// `run` (see [`Slot`]).
#[inline]
fn same_run(rec: &Row<'_>, at: usize, (from, to): (usize, usize), run: &Run) -> bool {
    let Run {
        bytes,
        ends,
        joined,
    } = run;
    if let (Some(first), Some(last)) = (rec.range(at + from), rec.range(at + to - 1)) {
        let cells = rec.bytes.get(first.start..last.end);
        if rec.sep == 1
            && let Some(joined) = joined
        {
            // A line's cells end at its `;` and nowhere else: the same
            // bytes, `;` in the same places, are the same cells.
            return cells.is_some_and(|cells| same_bytes(cells, joined));
        }
        if rec.sep == 1 {
            let mut start = 0;
            return ends.iter().enumerate().all(|(k, &e)| {
                let cell = rec.get(at + from + k).unwrap_or_default();
                let same = bytes.get(start..e) == Some(cell);
                start = e;
                same
            });
        }
        cells.is_some_and(|cells| same_bytes(cells, bytes))
            && ends.iter().enumerate().all(|(k, &e)| {
                rec.range(at + from + k)
                    .is_some_and(|r| r.end - first.start == e)
            })
    } else {
        let mut start = 0;
        ends.iter().enumerate().all(|(k, &e)| {
            let cell = rec.get(at + from + k).unwrap_or_default();
            let same = bytes.get(start..e) == Some(cell);
            start = e;
            same
        })
    }
}

/// The cells of a line from a place on, one after the other; past its
/// end, empty ones.
struct LineCells<'r> {
    line: &'r [u8],
    /// Where the next cell starts; `None` past the end of the line.
    at: Option<usize>,
}

impl<'r> LineCells<'r> {
    #[inline]
    fn next(&mut self) -> &'r [u8] {
        let Some(start) = self.at else {
            return &[];
        };
        let rest = self.line.get(start..).unwrap_or_default();
        match semicolon_in(rest) {
            Some(k) => {
                self.at = Some(start + k + 1);
                rest.get(..k).unwrap_or_default()
            }
            None => {
                self.at = None;
                rest
            }
        }
    }

    /// Passes over the next cells when they are those of `run`: its bytes
    /// with a `;` between cells (a line's cells end at its `;` and nowhere
    /// else), then a `;` or the end. `false` otherwise, or when a cell of
    /// `run` holds a `;`.
    #[inline]
    fn skip(&mut self, run: &Run) -> bool {
        let Some(start) = self.at else {
            return run.bytes.is_empty();
        };
        let Some(joined) = &run.joined else {
            return false;
        };
        let rest = self.line.get(start..).unwrap_or_default();
        if !rest
            .get(..joined.len())
            .is_some_and(|cells| same_bytes(cells, joined))
        {
            return false;
        }
        match rest.get(joined.len()) {
            None => self.at = None,
            Some(b';') => self.at = Some(start + joined.len() + 1),
            Some(_) => return false,
        }
        true
    }
}

/// Where the first `;` is: in the first eight bytes at once (a count, a
/// percentage), else searched. Each cell of a line starts where the one
/// before ends, so this is on the path from one cell to the next: a few
/// operations, no multiplication. (`x − 0x01…01` borrows across a byte
/// that is zero in `x`, which may mark bytes after it, never one before:
/// the lowest mark is the first `;`.)
#[inline]
fn semicolon_in(rest: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const SEMI: u64 = u64::from_ne_bytes([b';'; 8]);
    match rest.get(..8).and_then(|w| <[u8; 8]>::try_from(w).ok()) {
        Some(word) => {
            let x = u64::from_le_bytes(word) ^ SEMI;
            match x.wrapping_sub(ONES) & !x & HIGH {
                0 => memchr::memchr(b';', rest.get(8..).unwrap_or_default()).map(|k| k + 8),
                m => Some((m.trailing_zeros() / 8) as usize),
            }
        }
        None => memchr::memchr(b';', rest),
    }
}

/// `a == b`, word by word: the slices compared are a few dozen bytes, for
/// which a call to `memcmp` costs more than the comparison. (Written so
/// that the compiler does not make it such a call.)
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (mut wa, mut wb) = (a.chunks_exact(8), b.chunks_exact(8));
    let word = |c: &[u8]| {
        <[u8; 8]>::try_from(c)
            .map(u64::from_ne_bytes)
            .unwrap_or_default()
    };
    for (x, y) in (&mut wa).zip(&mut wb) {
        if word(x) != word(y) {
            return false;
        }
    }
    wa.remainder()
        .iter()
        .zip(wb.remainder())
        .all(|(x, y)| x == y)
}

/// A count cell: read as it is when it is only digits (then it needs no
/// trimming), else trimmed first.
fn count_cell(raw: &[u8]) -> Option<i64> {
    values::count_bytes(raw).or_else(|| values::ascii_trim(raw).and_then(values::count_bytes))
}

/// A percentage cell: read as it is when it reads (then it needs no
/// trimming: a space or another byte at either end fails), else trimmed
/// first.
fn percent_cell(raw: &[u8]) -> Option<u32> {
    values::percent_bytes(raw).or_else(|| values::ascii_trim(raw).and_then(values::percent_bytes))
}

/// Whether a percentage cell is the value `part / whole` gives
/// ([`percent_cell`], [`values::percent_agrees_fast`]): the form the
/// ministry writes (`78,13%`, `78,13`) read in one pass, any other by
/// [`percent_cell`]. Some fifty per row.
#[inline]
fn percent_cell_agrees(raw: &[u8], part: i64, whole: i64) -> bool {
    let h = match raw {
        [a, b @ .., b',', c, d, b'%'] | [a, b @ .., b',', c, d]
            if b.len() < 4
                && a.is_ascii_digit()
                && b.iter().all(u8::is_ascii_digit)
                && c.is_ascii_digit()
                && d.is_ascii_digit() =>
        {
            let int = b
                .iter()
                .fold(u32::from(a - b'0'), |v, &x| v * 10 + u32::from(x - b'0'));
            int * 100 + u32::from(c - b'0') * 10 + u32::from(d - b'0')
        }
        _ => match percent_cell(raw) {
            Some(h) => h,
            None => return false,
        },
    };
    values::percent_agrees_fast(h, nn(part), nn(whole))
}

impl BallotRow {
    /// The ballot's first row, read by [`Decoder::row`] into `groups`.
    fn of(
        rec: &Row<'_>,
        cols: &Columns,
        runs: &[(usize, usize)],
        groups: &[GroupRead],
    ) -> Option<BallotRow> {
        let n = used_cells(rec)
            .saturating_sub(cols.groups_at)
            .div_ceil(cols.width);
        let mut numbers = groups.iter().map(|g| g.number);
        let mut slots = Vec::with_capacity(n);
        for g in 0..n {
            let at = cols.groups_at + g * cols.width;
            if (at..at + cols.width).all(|i| rec.get(i).is_none_or(blank)) {
                slots.push(None);
                continue;
            }
            let number = numbers.next()?;
            let runs = runs
                .iter()
                .map(|&(from, to)| {
                    let mut bytes = Vec::new();
                    let mut ends = Vec::new();
                    let mut joined = Vec::new();
                    for p in from..to {
                        let cell = rec.get(at + p).unwrap_or_default();
                        bytes.extend_from_slice(cell);
                        ends.push(bytes.len());
                        if p > from {
                            joined.push(b';');
                        }
                        joined.extend_from_slice(cell);
                    }
                    let plain = !bytes.contains(&b';');
                    Run {
                        bytes,
                        ends,
                        joined: plain.then_some(joined),
                    }
                })
                .collect();
            slots.push(Some(Slot { number, runs }));
        }
        if numbers.next().is_some() {
            return None;
        }
        Some(BallotRow {
            groups: n,
            used: groups.len(),
            slots,
        })
    }
}

impl Decoder<'_> {
    fn has_ballot(&self) -> bool {
        self.ballot.is_some()
    }

    /// Keeps the ballot's first row, just read by [`Decoder::row`] from
    /// this UTF-8 record, for [`Decoder::fast_row`].
    fn capture_ballot(&mut self, rec: &csv::ByteRecord) {
        if let Some((groups, _)) = &self.ballot {
            let mut ends = Vec::new();
            let row = Row::of_record(rec, &mut ends);
            self.fast.ballot = BallotRow::of(&row, &self.cols, &self.fast.runs, groups);
        }
    }

    /// Reads a row straight from its bytes in the common cases — outside
    /// the filter; or valid, UTF-8, with the candidates of the ballot's
    /// first row in the same places — with the outcome [`Decoder::row`]
    /// gives it, without a copy of its cells. `false` when the row is for
    /// [`Decoder::row`]: the ballot's first row, anything to report, another
    /// encoding, a code or a number that is not plain ASCII.
    fn fast_row(&mut self, line: u64, rec: &Row<'_>) -> bool {
        if self.errs.len() > MAX_ERRORS {
            return true;
        }
        let f = &self.fast;
        // A code cell, trimmed and given back its leading zeros.
        let padded = |b: Base, width| {
            values::ascii_trim(f.cell(rec, b)).and_then(|c| values::pad_bytes(c, width))
        };
        // The filter first, on the codes' bytes.
        let Some(dep) = padded(Base::DepCode, 2) else {
            return false;
        };
        if let Some(d) = &self.departement
            && dep.as_bytes() != d.as_bytes()
        {
            self.skipped += 1;
            return true;
        }
        let Some(circ) = padded(Base::CircCode, 2) else {
            return false;
        };
        if let Some(c) = &self.circonscription
            && circ.as_bytes() != c.as_bytes()
        {
            self.skipped += 1;
            return true;
        }
        let Some(commune_raw) = values::ascii_trim(f.cell(rec, Base::CommuneCode)) else {
            return false;
        };
        let (commune_code, insee) = if self.cols.layout.full_commune_code() {
            let Some(insee) = values::pad_bytes(commune_raw, 5) else {
                return false;
            };
            let code = match insee.as_bytes().strip_prefix(dep.as_bytes()) {
                Some(rest) if !dep.is_empty() => values::Code::default().then(rest),
                _ => None,
            };
            let Some(code) = code else {
                return false;
            };
            (code, insee)
        } else {
            let width = 5usize.saturating_sub(dep.as_bytes().len()).max(2);
            let Some(code) = values::pad_bytes(commune_raw, width) else {
                return false;
            };
            let Some(insee) = dep.then(code.as_bytes()) else {
                return false;
            };
            (code, insee)
        };
        if !self.keep.is_empty() && !self.keep.iter().any(|k| k.as_bytes() == insee.as_bytes()) {
            self.skipped += 1;
            return true;
        }
        self.fast_keep(line, rec, [dep, circ, commune_code, insee])
    }

    /// [`Decoder::fast_row`] for a row the filter keeps, given its
    /// département, circonscription, commune and INSEE codes.
    fn fast_keep(&mut self, line: u64, rec: &Row<'_>, codes: [values::Code; 4]) -> bool {
        let f = &self.fast;
        let Some(ballot) = &f.ballot else {
            return false;
        };
        if !is_utf8(rec) {
            return false;
        }
        let [dep, circ, commune_code, insee] = codes;
        let text = |b: Base| std::str::from_utf8(f.cell(rec, b)).ok().map(str::trim);
        let (Some(dep_label), Some(commune_label), Some(circ_label)) = (
            text(Base::DepLabel),
            text(Base::CommuneLabel),
            text(Base::CircLabel),
        ) else {
            return false;
        };
        let (Some(insee), Some(dep), Some(commune_code), Some(circ)) = (
            insee.as_str(),
            dep.as_str(),
            commune_code.as_str(),
            circ.as_str(),
        ) else {
            return false;
        };
        // The commune: named as on its first row, or a new one. The last
        // commune is the likeliest (a file is sorted by commune), known by
        // its codes without a look-up (its INSEE code is the two).
        let last = self.communes.len().checked_sub(1).filter(|&at| {
            self.communes
                .get(at)
                .is_some_and(|(m, _)| m.commune_code == commune_code && m.departement_code == dep)
        });
        let (commune, new_commune) = match last.or_else(|| self.commune_at.get(insee).copied()) {
            Some(at) => match self.communes.get(at) {
                Some((m, _))
                    if m.departement_label == dep_label && m.commune_label == commune_label =>
                {
                    (at, None)
                }
                _ => return false,
            },
            // A new commune whose département another commune names
            // differently: the row reader says so.
            None if self
                .departement_at
                .get(dep)
                .and_then(|&at| self.communes.get(at))
                .is_some_and(|(m, _)| m.departement_label != dep_label) =>
            {
                return false;
            }
            None if is_code(insee) => (
                self.communes.len(),
                Some(CommuneMeta {
                    departement_code: dep.to_string(),
                    departement_label: dep_label.to_string(),
                    commune_code: commune_code.to_string(),
                    commune_label: commune_label.to_string(),
                }),
            ),
            None => return false,
        };
        // At municipales another commune's lists are its own: the row
        // reader compares them with that commune's first row.
        if self.per_commune() && self.ballot_commune != Some(commune) {
            return false;
        }
        // The bureau, not seen before in its commune.
        let Some(code) =
            values::ascii_trim(f.cell(rec, Base::BureauCode)).and_then(|c| values::pad_bytes(c, 4))
        else {
            return false;
        };
        let Some(code) = code.as_str().filter(|c| is_code(c)) else {
            return false;
        };
        // Its circonscription, named as on its first row, or a new one.
        let mut perimeters = Vec::new();
        let mut new_circ = None;
        if !circ.is_empty() {
            // Keyed by département, as the row reader does.
            let pcode = format!("{CIRCONSCRIPTION_PREFIX}{dep}-{circ}");
            if !is_code(&pcode) {
                return false;
            }
            match self.circs.iter().rev().find(|p| p.code == pcode) {
                Some(existing) if existing.name == circ_label => {}
                Some(_) => return false,
                None => {
                    new_circ = Some(Perimeter {
                        code: pcode.clone(),
                        name: circ_label.to_string(),
                        kind: PerimeterKind::Circonscription,
                        parent: None,
                        population: None,
                        cc_seats: None,
                    });
                }
            }
            perimeters.push(pcode);
        }
        // The counts and their percentages.
        let count = |b: Base| count_cell(f.cell(rec, b));
        let (
            Some(inscrits),
            Some(abstentions),
            Some(votants),
            Some(blancs),
            Some(nuls),
            Some(exprimes),
        ) = (
            count(Base::Inscrits),
            count(Base::Abstentions),
            count(Base::Votants),
            count(Base::Blancs),
            count(Base::Nuls),
            count(Base::Exprimes),
        )
        else {
            return false;
        };
        let Ok(roll) = u32::try_from(inscrits) else {
            return false;
        };
        if abstentions != inscrits - votants {
            return false;
        }
        let pct_at = |i: usize, part: i64, whole: i64| {
            rec.get(i)
                .is_some_and(|raw| percent_cell_agrees(raw, part, whole))
        };
        let pct = |b: Base, part: i64, whole: i64| {
            f.base
                .get(b as usize)
                .copied()
                .flatten()
                .is_none_or(|i| pct_at(i, part, whole))
        };
        if !(pct(Base::PctAbsIns, abstentions, inscrits)
            && pct(Base::PctVotIns, votants, inscrits)
            && pct(Base::PctBlancsIns, blancs, inscrits)
            && pct(Base::PctBlancsVot, blancs, votants)
            && pct(Base::PctNulsIns, nuls, inscrits)
            && pct(Base::PctNulsVot, nuls, votants)
            && pct(Base::PctExpIns, exprimes, inscrits)
            && pct(Base::PctExpVot, exprimes, votants))
        {
            return false;
        }
        // The candidates: the ballot's, in the same places, each with its
        // voix and their percentages.
        let cols = &self.cols;
        let mut voix = Vec::with_capacity(ballot.used);
        if let Some(tail) = rec.tail {
            // A line's candidates, in order from where they start.
            let mut cells = LineCells {
                line: rec.bytes,
                at: Some(tail),
            };
            for slot in &ballot.slots {
                let Some(slot) = slot else {
                    for _ in 0..cols.width {
                        if !blank(cells.next()) {
                            return false;
                        }
                    }
                    continue;
                };
                let (mut at_voix, mut at_ins, mut at_exp) = (None, None, None);
                for step in &f.steps {
                    match *step {
                        Step::Run(k) => {
                            if !slot.runs.get(k).is_some_and(|run| cells.skip(run)) {
                                return false;
                            }
                        }
                        Step::Voix => at_voix = Some(cells.next()),
                        Step::PctIns => at_ins = Some(cells.next()),
                        Step::PctExp => at_exp = Some(cells.next()),
                    }
                }
                let Some(v) = at_voix.and_then(count_cell) else {
                    return false;
                };
                if !(at_ins.is_none_or(|c| percent_cell_agrees(c, v, inscrits))
                    && at_exp.is_none_or(|c| percent_cell_agrees(c, v, exprimes)))
                {
                    return false;
                }
                voix.push(CandidateVoix {
                    candidate: slot.number,
                    voix: v,
                });
            }
            // After the last candidate, blank cells only (else the row
            // has more groups than the ballot's first row).
            while cells.at.is_some() {
                if !blank(cells.next()) {
                    return false;
                }
            }
        } else {
            let n = used_cells(rec)
                .saturating_sub(cols.groups_at)
                .div_ceil(cols.width);
            if (cols.layout.numbered() && n > cols.named_groups) || n != ballot.groups {
                return false;
            }
            for (g, slot) in ballot.slots.iter().enumerate() {
                let at = cols.groups_at + g * cols.width;
                let Some(slot) = slot else {
                    if (at..at + cols.width).all(|i| rec.get(i).is_none_or(blank)) {
                        continue;
                    }
                    return false;
                };
                if !f
                    .runs
                    .iter()
                    .zip(&slot.runs)
                    .all(|(&run, cells)| same_run(rec, at, run, cells))
                {
                    return false;
                }
                let Some(v) = f.voix.and_then(|p| rec.get(at + p)).and_then(count_cell) else {
                    return false;
                };
                if !(f.pct_ins.is_none_or(|p| pct_at(at + p, v, inscrits))
                    && f.pct_exp.is_none_or(|p| pct_at(at + p, v, exprimes)))
                {
                    return false;
                }
                voix.push(CandidateVoix {
                    candidate: slot.number,
                    voix: v,
                });
            }
        }
        // Kept, unless the bureau was seen before in its commune.
        if !self.keys.insert(commune, code, self.bureaux.len()) {
            return false;
        }
        let code = code.to_string();
        if let Some(meta) = new_commune {
            self.commune_at.insert(insee.to_string(), commune);
            self.departement_at
                .entry(meta.departement_code.clone())
                .or_insert(commune);
            self.communes.push((meta, line));
        }
        if let Some(c) = new_circ {
            self.circ_lines.insert(c.code.clone(), line);
            self.circs.push(c);
        }
        let pv = ProcesVerbal {
            inscrits,
            votants,
            blancs,
            nuls,
            exprimes,
            voix,
            turnout: Vec::new(),
        };
        self.keep_bureau(commune, line, code, roll, perimeters, pv);
        true
    }
}

/// What [`Decoder::tree`] gives: the perimeters, the bureaux with their
/// final codes, and each one's procès-verbal and line, in the same order.
type Tree = (
    Vec<Perimeter>,
    Vec<Bureau>,
    Vec<(String, ProcesVerbal)>,
    Vec<u64>,
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
        let mut bureaux = std::mem::take(&mut self.bureaux);
        let pvs = std::mem::take(&mut self.pvs);
        let lines: Vec<u64> = self.bureau_at.iter().map(|&(_, line)| line).collect();
        let mut circs = std::mem::take(&mut self.circs);
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
            for b in &mut bureaux {
                for p in &mut b.perimeters {
                    *p = short(p);
                }
            }
        }
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
                cc_seats: None,
            }];
            perimeters.extend(circs.into_iter().map(|mut p| {
                p.parent = Some(root.clone());
                p
            }));
            return (perimeters, bureaux, pvs, lines);
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
                        cc_seats: None,
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
                    cc_seats: None,
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
            cc_seats: None,
        }));
        let insees: Vec<String> = self.communes.iter().map(|(m, _)| m.insee()).collect();
        for (b, &(commune, _)) in bureaux.iter_mut().zip(&self.bureau_at) {
            let insee = insees.get(commune).cloned().unwrap_or_default();
            b.code = format!("{insee}-{}", b.code);
            if circ_root {
                b.perimeters.clear();
            }
            b.perimeters.insert(0, insee);
        }
        (perimeters, bureaux, pvs, lines)
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
                        for k in memchr::memchr_iter(b'\n', &data[i..i + p]) {
                            self.newlines.push_back(self.read + (i + k) as u64);
                        }
                        self.starts.push_back(self.read + (i + p) as u64);
                        self.after_newline = false;
                        i += p + 1;
                    }
                    None => {
                        for k in memchr::memchr_iter(b'\n', &data[i..]) {
                            self.newlines.push_back(self.read + (i + k) as u64);
                        }
                        i = n;
                    }
                }
            } else {
                match memchr::memchr(b'\n', &data[i..]) {
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
    reader: R,
    total: u64,
    import: &MinistryImport,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(Layout, ResultsFile), FormatErrors> {
    stream(reader, total, import, progress, true)
}

/// The file's bytes as [`stream`] reads them, through a buffer of its own:
/// [`stream`] splits most lines itself, straight from the buffer
/// ([`Feed::line`], [`split_line`]), and the `csv` reader gets the others
/// through [`Read`], never more than one line per read, so that it never
/// holds a line [`stream`] reads itself.
struct Feed<R> {
    src: Counting<R>,
    buf: Vec<u8>,
    /// The bytes not yet taken are `buf[pos..end]`…
    pos: usize,
    end: usize,
    /// … and `buf[0]` is this byte of the file.
    base: u64,
    eof: bool,
    /// Bytes given to the `csv` reader so far, and the last one.
    to_csv: u64,
    last_to_csv: u8,
    /// Where in the file the bytes given to the `csv` reader are: from
    /// each `(its offset, the file's)`, they follow each other up to the
    /// next. Its offsets skip the lines [`stream`] read itself.
    anchors: std::collections::VecDeque<(u64, u64)>,
}

/// What [`Feed`] reads at a time, at least: as much as a large `BufReader`
/// holds, so that it reads straight into the feed's buffer rather than
/// through its own.
const FEED_CHUNK: usize = 1 << 20;

impl<R: Read> Feed<R> {
    fn new(src: Counting<R>) -> Feed<R> {
        Feed {
            src,
            buf: vec![0; FEED_CHUNK],
            pos: 0,
            end: 0,
            base: 0,
            eof: false,
            to_csv: 0,
            last_to_csv: 0,
            anchors: std::collections::VecDeque::new(),
        }
    }

    /// The place in the file of the `csv` reader's offset `at` (one not
    /// before the last asked for).
    fn file_offset(&mut self, at: u64) -> u64 {
        while self.anchors.get(1).is_some_and(|&(csv, _)| csv <= at) {
            self.anchors.pop_front();
        }
        self.anchors
            .front()
            .map_or(at, |&(csv, file)| file + at.saturating_sub(csv))
    }

    /// Where in the file the bytes not yet taken start.
    fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// The length of the next line, its `\n` included (the rest of the
    /// file for the last one; 0 at the end), read in whole first.
    fn line_len(&mut self) -> std::io::Result<usize> {
        let mut scanned = 0;
        loop {
            let pending = self.buf.get(self.pos..self.end).unwrap_or_default();
            if let Some(i) = pending
                .get(scanned..)
                .and_then(|p| memchr::memchr(b'\n', p))
            {
                return Ok(scanned + i + 1);
            }
            if self.eof {
                return Ok(pending.len());
            }
            scanned = pending.len();
            self.fill()?;
        }
    }

    /// Reads more: the bytes not yet taken moved to the front, the buffer
    /// grown when they fill it (a line longer than the buffer).
    fn fill(&mut self) -> std::io::Result<()> {
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.base += self.pos as u64;
            self.end -= self.pos;
            self.pos = 0;
        }
        if self.buf.len() - self.end < FEED_CHUNK {
            self.buf.resize(self.buf.len() + FEED_CHUNK, 0);
        }
        let free = self.buf.get_mut(self.end..).unwrap_or_default();
        let n = loop {
            match self.src.read(free) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                other => break other?,
            }
        };
        self.eof = n == 0;
        self.end += n;
        Ok(())
    }

    /// The next `len` bytes (see [`Feed::line_len`]).
    fn line(&self, len: usize) -> &[u8] {
        self.buf.get(self.pos..self.pos + len).unwrap_or_default()
    }

    fn consume(&mut self, len: usize) {
        self.pos = (self.pos + len).min(self.end);
    }

    /// Whether the `csv` reader, having read `csv_at` bytes, holds nothing
    /// of what is left, but for the `\n` of a `\r\n` (which it skips
    /// before its next record, as after a line [`stream`] read itself).
    fn csv_drained(&self, csv_at: u64) -> bool {
        let held = self.to_csv.saturating_sub(csv_at);
        held == 0 || (held == 1 && self.last_to_csv == b'\n')
    }
}

impl<R: Read> Read for Feed<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let len = self.line_len()?.min(out.len());
        let (csv, file) = (self.to_csv, self.offset());
        if self
            .anchors
            .back()
            .is_none_or(|&(c, f)| f + (csv - c) != file)
        {
            self.anchors.push_back((csv, file));
        }
        let line = self.line(len);
        let n = line.len();
        if let (Some(dst), Some(&last)) = (out.get_mut(..n), line.last()) {
            dst.copy_from_slice(line);
            self.last_to_csv = last;
        }
        self.consume(n);
        self.to_csv += n as u64;
        Ok(n)
    }
}

/// [`decode_stream`]; `fast` false reads every row with [`Decoder::row`]
/// (the tests compare both ways).
pub(super) fn stream<R: BufRead>(
    mut reader: R,
    total: u64,
    import: &MinistryImport,
    progress: &mut dyn FnMut(u64, u64),
    fast: bool,
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
        .from_reader(Feed::new(Counting::new(reader)));
    let mut bytes = csv::ByteRecord::new();
    let mut record = csv::StringRecord::new();
    let mut decoder: Option<Decoder<'_>> = None;
    let mut n = 0u64;
    // Where each cell of a line ends (see [`split_line`]), and of a record.
    let mut line_ends: Vec<usize> = Vec::new();
    let mut ends: Vec<usize> = Vec::new();
    // Past the last line read here rather than by the `csv` reader.
    let mut split_to = 0u64;
    let unreadable = |line: u64, e: &dyn std::fmt::Display| {
        FormatErrors::one(FormatError::line(
            line.max(1),
            format!("ligne CSV illisible : {e}"),
        ))
    };
    loop {
        // Most lines are split here, without quotes, and most of their rows
        // read from their bytes (outside the filter, or valid).
        let csv_at = csv.position().byte();
        if fast
            && let Some(d) = decoder.as_mut()
            && csv.get_ref().csv_drained(csv_at)
        {
            let feed = csv.get_mut();
            let len = match feed.line_len() {
                Ok(len) => len,
                Err(e) => {
                    let line = feed.src.line_of(feed.offset());
                    return Err(unreadable(line, &e));
                }
            };
            if len == 0 {
                break;
            }
            let at = feed.offset();
            let (body, split, blank) = {
                let whole = feed.line(len);
                let body = whole.strip_suffix(b"\n").unwrap_or(whole);
                let body = body.strip_suffix(b"\r").unwrap_or(body);
                let split = split_line(body, &mut line_ends, d.cols.groups_at);
                let blank = body.iter().all(|&b| b == b';' || b.is_ascii_whitespace());
                (body.len(), split, blank)
            };
            if let Some((cells, tail)) = split {
                if body == 0 {
                    // No record: the `csv` reader skips it too.
                    feed.consume(len);
                    split_to = feed.offset();
                    continue;
                }
                n += 1;
                if n.is_multiple_of(4096) {
                    progress(feed.src.read, total);
                }
                if blank {
                    feed.consume(len);
                    split_to = feed.offset();
                    continue;
                }
                let line = feed.src.line_of(at);
                let row = Row {
                    bytes: feed.line(len).get(..body).unwrap_or_default(),
                    ends: line_ends.get(..cells).unwrap_or_default(),
                    sep: 1,
                    tail,
                };
                if d.fast_row(line, &row) {
                    feed.consume(len);
                    split_to = feed.offset();
                    continue;
                }
                // For the row reader, through the `csv` reader.
                n -= 1;
            }
        }
        match csv.read_byte_record(&mut bytes) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let feed = csv.get_mut();
                let at = feed
                    .file_offset(e.position().map_or(0, csv::Position::byte))
                    .max(split_to);
                let line = feed.src.line_of(at);
                return Err(unreadable(line, &e));
            }
        }
        // The record's place in the file, past the lines read here (the
        // `csv` reader's own is before the `\n` of a `\r\n` it held).
        let feed = csv.get_mut();
        let at = feed
            .file_offset(bytes.position().map_or(0, csv::Position::byte))
            .max(split_to);
        let line = feed.src.line_of(at);
        n += 1;
        if n.is_multiple_of(4096) {
            progress(csv.get_ref().src.read, total);
        }
        if bytes.iter().all(|c| c.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        // A quoted line's row, from its bytes when it can.
        if fast
            && let Some(d) = decoder.as_mut()
            && d.fast_row(line, &Row::of_record(&bytes, &mut ends))
        {
            continue;
        }
        // UTF-8 without a copy when it is; Windows-1252 otherwise.
        let fallback: Vec<String>;
        let utf8: bool;
        let cells: &dyn Cells =
            match csv::StringRecord::from_byte_record(std::mem::take(&mut bytes)) {
                Ok(r) => {
                    record = r;
                    utf8 = true;
                    &record
                }
                Err(e) => {
                    let raw = e.into_byte_record();
                    fallback = raw
                        .iter()
                        .map(|c| encoding_rs::WINDOWS_1252.decode(c).0.into_owned())
                        .collect();
                    bytes = raw;
                    utf8 = false;
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
            Some(d) => {
                let had_ballot = d.has_ballot();
                d.row(line, cells);
                if !had_ballot && d.has_ballot() && utf8 {
                    d.capture_ballot(record.as_byte_record());
                }
            }
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

/// The rows as the `csv` reader alone reads them (every record, with its
/// line), each read by [`Decoder::row`]: what [`stream`] gives, whichever
/// way it splits its lines (the tests compare them).
#[cfg(test)]
pub(super) fn stream_csv_only(
    mut bytes: &[u8],
    import: &MinistryImport,
) -> Result<(Layout, ResultsFile), FormatErrors> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        bytes = rest;
    }
    let mut csv = csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(false)
        .flexible(true)
        .from_reader(Counting::new(bytes));
    let mut rec = csv::ByteRecord::new();
    let mut decoder: Option<Decoder<'_>> = None;
    while csv.read_byte_record(&mut rec).map_err(|e| {
        FormatErrors::one(FormatError::line(1, format!("ligne CSV illisible : {e}")))
    })? {
        let at = rec.position().map_or(0, csv::Position::byte);
        let line = csv.get_mut().line_of(at);
        if rec.iter().all(|c| c.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        let cells: Vec<String> = match csv::StringRecord::from_byte_record(rec.clone()) {
            Ok(r) => r.iter().map(str::to_string).collect(),
            Err(_) => latin(&rec),
        };
        match &mut decoder {
            None => {
                let header = (0..cells.count()).map(|i| cells.cell(i).to_string());
                decoder = Some(Decoder::new(header.collect(), line, import)?);
            }
            Some(d) => d.row(line, &cells),
        }
    }
    match decoder {
        Some(d) => d.finish(),
        None => Err(FormatErrors::one(FormatError::file(
            "le fichier est vide : il faut au moins une ligne d'en-tête",
        ))),
    }
}

#[cfg(test)]
fn latin(rec: &csv::ByteRecord) -> Vec<String> {
    rec.iter()
        .map(|c| encoding_rs::WINDOWS_1252.decode(c).0.into_owned())
        .collect()
}

#[cfg(test)]
mod fast_tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn a_line_splits_where_its_semicolons_are(line in proptest::collection::vec(
            prop_oneof![Just(b';'), Just(b'a'), Just(b'"'), Just(b'\r'), any::<u8>()], 0..300,
        )) {
            let mut ends = vec![7; 3];
            let got = split_line(&line, &mut ends, usize::MAX).map(|(n, tail)| {
                assert_eq!(tail, None);
                ends[..n].to_vec()
            });
            let want = (!line.contains(&b'"') && !line.contains(&b'\r')).then(|| {
                let mut want: Vec<usize> = line
                    .iter()
                    .enumerate()
                    .filter(|&(_, &b)| b == b';')
                    .map(|(i, _)| i)
                    .collect();
                want.push(line.len());
                want
            });
            prop_assert_eq!(got, want);
        }

        #[test]
        fn bytes_compare_as_slices(a in proptest::collection::vec(0u8..3, 0..40), b in proptest::collection::vec(0u8..3, 0..40)) {
            prop_assert_eq!(same_bytes(&a, &b), a == b);
            prop_assert!(same_bytes(&a, &a));
        }

        #[test]
        fn the_first_semicolon_is_found(cell in proptest::collection::vec(
            prop_oneof![Just(b';'), Just(b':'), Just(b'<'), Just(0u8), Just(0x80u8), any::<u8>()], 0..20,
        )) {
            prop_assert_eq!(semicolon_in(&cell), cell.iter().position(|&b| b == b';'));
        }

        #[test]
        fn a_line_splits_up_to_its_limit(line in "[a;]{0,200}", limit in 0usize..60) {
            let line = line.as_bytes();
            let mut ends = Vec::new();
            let all: Vec<usize> = split_line(line, &mut ends, usize::MAX)
                .map(|(n, _)| ends[..n].to_vec())
                .unwrap_or_default();
            let got = split_line(line, &mut ends, limit).map(|(n, tail)| (ends[..n].to_vec(), tail));
            let want = if all.len() > limit {
                let tail = limit.checked_sub(1).map_or(0, |l| all[l] + 1);
                (all[..limit].to_vec(), Some(tail))
            } else {
                (all, None)
            };
            prop_assert_eq!(got, Some(want));
        }

        #[test]
        fn a_percentage_cell_agrees_as_read_then_compared(
            cell in "[ 0-9,.%]{0,8}",
            part in 0i64..100_000,
            whole in 0i64..100_000,
        ) {
            let want = percent_cell(cell.as_bytes())
                .is_some_and(|h| values::percent_agrees(h, nn(part), nn(whole)));
            prop_assert_eq!(percent_cell_agrees(cell.as_bytes(), part, whole), want);
        }

        #[test]
        fn a_percentage_cell_agrees_near_the_value(part in 0i64..100_000, extra in 0i64..100_000, d in 0u32..3, sign in any::<bool>()) {
            let whole = part + extra;
            let h = crate::Percent::of(nn(part), nn(whole)).map_or(0, crate::Percent::hundredths);
            let cell = crate::Percent::from_hundredths((h + d).saturating_sub(1)).fr();
            let cell = if sign { format!("{cell}%") } else { cell };
            let want = percent_cell(cell.as_bytes())
                .is_some_and(|h| values::percent_agrees(h, nn(part), nn(whole)));
            prop_assert_eq!(percent_cell_agrees(cell.as_bytes(), part, whole), want);
        }
    }
}
