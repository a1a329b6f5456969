//! The Ministry of the Interior's per-bureau results file, in every layout
//! it has been published in.
//!
//! The ministry publishes, for each election, one semicolon-separated row per
//! bureau de vote: the commune's codes, the counts with their percentages
//! (French decimal comma) and then one group of columns per candidate or
//! list. The columns changed over the years ([`Layout`]: 2014–2022, the
//! européennes' lists, the municipales 2020 lists with their seats, and the
//! candidates and lists since 2024); [`decode`] recognises the layout from
//! the header ([`layout::detect`]) and [`encode`] writes the layout of the
//! election's year ([`Layout::for_election`]), or any with [`encode_as`].
//!
//! Canonical form — what [`encode_as`] writes, and what round-trips byte
//! for byte (`encode_as(decode(bytes), layout) == bytes`) in each layout:
//! - UTF-8 without byte-order mark, `\n` after every line (the last included);
//! - the layout's header: every group numbered for the layouts since 2024,
//!   a single group otherwise (as the ministry does);
//! - fields quoted only when they contain `;`, `"` or a line break;
//! - one row per bureau that has a procès-verbal, in the election's order,
//!   candidates in ballot order, codes with their leading zeros;
//! - percentages recomputed from the counts with [`crate::Percent`] (half-up,
//!   `0,00` when the denominator is 0), followed by `%` since 2024.
//!
//! [`decode`] also accepts the same saved as `.xlsx` or `.ods` ([`super::sheet`]),
//! Windows-1252, CRLF line ends, a BOM, a header
//! naming every group, groups in any order on a row, empty trailing groups,
//! and what a spreadsheet writes when it saves the file again: `1,1` for
//! `1,10`, `1` for `1,00`, codes without their leading zeros. It checks
//! everything it reads **by value** ([`values`]): the counts and the
//! procès-verbal rules, `Abstentions = Inscrits − Votants`, and that each
//! printed percentage is the one the counts give (the ministry's own rounding
//! of an exact tie, 205/800 = 25.625 printed `25,62`, is accepted). A national
//! file holds every commune: [`MinistryImport::commune`] picks one by INSEE code.

pub mod layout;
pub mod values;

use std::collections::BTreeMap;

pub use layout::Layout;
use layout::{Base, Columns, GroupField};

use super::{
    CommuneMeta, ElectionHeader, FormatError, FormatErrors, Person, Printed, ResultsFile, Sexe,
    Table, checked_election, decode_text, default_colour, is_code, parse_count, pct_fr,
    write_record,
};
use crate::model::{
    Bureau, Candidate, CandidateVoix, Election, Perimeter, PerimeterKind, ProcesVerbal,
};
use crate::validate::check_pv;

/// Prefix of the code of a circonscription perimeter: `CIRC-` + the ministry's code.
pub const CIRCONSCRIPTION_PREFIX: &str = "CIRC-";

/// What [`decode`] needs beyond the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinistryImport {
    /// Id, label, kind, round and date: the file does not carry them.
    pub header: ElectionHeader,
    /// Keep only this commune (INSEE code, e.g. `13004`); `None` requires a
    /// file about a single commune.
    pub commune: Option<String>,
}

/// The circonscription a bureau sits in: `(ministry code, label)`, or empty strings.
fn circonscription_of(election: &Election, bureau: &Bureau) -> (String, String) {
    for p in &bureau.perimeters {
        for a in election.ancestors(p).unwrap_or_default() {
            if let Some(per) = election.perimeter(a)
                && per.kind == PerimeterKind::Circonscription
            {
                let code = per
                    .code
                    .strip_prefix(CIRCONSCRIPTION_PREFIX)
                    .unwrap_or(&per.code);
                return (code.to_string(), per.name.clone());
            }
        }
    }
    (String::new(), String::new())
}

/// Writes the file in the layout of the election's year, in canonical form
/// (see the module documentation).
pub fn encode(results: &ResultsFile) -> Vec<u8> {
    encode_as(results, Layout::for_election(&results.election)).into_bytes()
}

/// [`encode`], as text.
pub fn encode_string(results: &ResultsFile) -> String {
    encode_as(results, Layout::for_election(&results.election))
}

/// The seats to print for each list when the file read gave none: the
/// municipal council's from the one seat entry point, when final.
fn computed_seats(results: &ResultsFile) -> BTreeMap<u32, u32> {
    super::prefecture::final_seats(results).unwrap_or_default()
}

/// Writes the file in `layout`, in canonical form.
pub fn encode_as(results: &ResultsFile, layout: Layout) -> String {
    let e = &results.election;
    let mut out = String::new();
    write_record(&mut out, &layout.header(e.candidates.len()), ';');
    let m = &results.meta;
    let pct = |part: i64, whole: i64| {
        let p = pct_fr(part, whole);
        if layout.percent_sign() {
            format!("{p}%")
        } else {
            p
        }
    };
    let seats = computed_seats(results);
    let list_layout = layout.has(GroupField::ListLabel);
    for (b, pv) in results.arrived() {
        let (circ_code, circ_label) = circonscription_of(e, b);
        let abstentions = pv.inscrits - pv.votants;
        let mut row: Vec<String> = Vec::new();
        for (field, _) in layout.base() {
            row.push(match field {
                Base::DepCode => m.departement_code.clone(),
                Base::DepLabel => m.departement_label.clone(),
                Base::CircCode => circ_code.clone(),
                Base::CircLabel => circ_label.clone(),
                Base::CommuneCode if layout.full_commune_code() => m.insee(),
                Base::CommuneCode => m.commune_code.clone(),
                Base::CommuneLabel => m.commune_label.clone(),
                Base::BureauCode => b.code.clone(),
                Base::Inscrits => pv.inscrits.to_string(),
                Base::Abstentions => abstentions.to_string(),
                Base::PctAbsIns => pct(abstentions, pv.inscrits),
                Base::Votants => pv.votants.to_string(),
                Base::PctVotIns => pct(pv.votants, pv.inscrits),
                Base::Blancs => pv.blancs.to_string(),
                Base::PctBlancsIns => pct(pv.blancs, pv.inscrits),
                Base::PctBlancsVot => pct(pv.blancs, pv.votants),
                Base::Nuls => pv.nuls.to_string(),
                Base::PctNulsIns => pct(pv.nuls, pv.inscrits),
                Base::PctNulsVot => pct(pv.nuls, pv.votants),
                Base::Exprimes => pv.exprimes.to_string(),
                Base::PctExpIns => pct(pv.exprimes, pv.inscrits),
                Base::PctExpVot => pct(pv.exprimes, pv.votants),
            });
        }
        for c in &e.candidates {
            let person = if list_layout {
                results.people.get(&c.number).cloned().unwrap_or(Person {
                    nom: String::new(),
                    prenom: String::new(),
                    sexe: None,
                })
            } else {
                results.person(c.number)
            };
            let printed = results.printed.get(&c.number).cloned().unwrap_or_default();
            let voix = pv.voix_of(c.number);
            let seat = |v: Option<u32>| v.map_or(String::new(), |n| n.to_string());
            for (field, _) in layout.group() {
                row.push(match field {
                    GroupField::Number => c.number.to_string(),
                    GroupField::Sexe => person.sexe.map_or("", Sexe::code).to_string(),
                    GroupField::Nom => person.nom.clone(),
                    GroupField::Prenom => person.prenom.clone(),
                    GroupField::Nuance => c.nuance.clone().unwrap_or_default(),
                    GroupField::ShortLabel => printed.short_label.clone(),
                    GroupField::ListLabel => c.name.clone(),
                    GroupField::TeteListe => [person.nom.trim(), person.prenom.trim()]
                        .iter()
                        .filter(|s| !s.is_empty())
                        .copied()
                        .collect::<Vec<_>>()
                        .join(" "),
                    GroupField::Voix => voix.to_string(),
                    GroupField::PctVoixIns => pct(voix, pv.inscrits),
                    GroupField::PctVoixExp => pct(voix, pv.exprimes),
                    GroupField::Elu => printed.elu.clone(),
                    GroupField::SiegesCm if results.printed.contains_key(&c.number) => {
                        seat(printed.sieges_cm)
                    }
                    GroupField::SiegesCm => seat(seats.get(&c.number).copied()),
                    GroupField::SiegesSecteur => seat(printed.sieges_secteur),
                    GroupField::SiegesCc => seat(printed.sieges_cc),
                });
            }
        }
        write_record(&mut out, &row, ';');
    }
    out
}

/// One candidate group as read.
#[derive(Debug, Clone, PartialEq, Eq)]
struct GroupRead {
    number: u32,
    name: String,
    person: Person,
    nuance: Option<String>,
    printed: Printed,
    voix: i64,
    /// Where the group starts on its row, for the messages.
    at: usize,
}

struct RowReader<'a> {
    line: u64,
    row: &'a [String],
    header: &'a [String],
    cols: &'a Columns,
    errs: &'a mut Vec<FormatError>,
}

impl RowReader<'_> {
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

    fn text(&self, i: usize) -> &str {
        self.row.get(i).map_or("", |s| s.trim())
    }

    fn base(&self, b: Base) -> &str {
        self.cols.at(b).map_or("", |i| self.text(i))
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
        let raw = self.text(i).to_string();
        let (p, w) = (super::nn(part), super::nn(whole));
        match values::parse_percent(&raw) {
            Some(h) if values::percent_agrees(h, p, w) => {}
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
    fn groups(&mut self, inscrits: i64, exprimes: i64) -> Option<Vec<GroupRead>> {
        let cols = self.cols;
        let layout = cols.layout;
        let group = layout.group();
        let used = self
            .row
            .iter()
            .rposition(|c| !c.trim().is_empty())
            .map_or(0, |p| p + 1);
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
        let mut ok = true;
        let mut groups = Vec::new();
        for g in 0..n {
            let at = cols.groups_at + g * cols.width;
            if (at..at + cols.width).all(|i| self.text(i).is_empty()) {
                continue; // an unused group
            }
            let col = |f: GroupField| group.iter().position(|(x, _)| *x == f).map(|p| at + p);
            let mut read = GroupRead {
                number: 0,
                name: String::new(),
                person: Person {
                    nom: String::new(),
                    prenom: String::new(),
                    sexe: None,
                },
                nuance: None,
                printed: Printed::default(),
                voix: 0,
                at,
            };
            let number_raw = self.text(at).to_string();
            match number_raw.parse::<u32>() {
                Ok(n) if n >= 1 && number_raw.bytes().all(|b| b.is_ascii_digit()) => {
                    read.number = n;
                }
                _ => {
                    let msg = format!("« {number_raw} » n'est pas un numéro de panneau");
                    self.errs
                        .push(FormatError::at(self.line, self.name(at), msg));
                    ok = false;
                    continue;
                }
            }
            if let Some(i) = col(GroupField::Sexe) {
                let raw = self.text(i);
                if !raw.is_empty() {
                    match Sexe::parse(raw) {
                        Some(s) => read.person.sexe = Some(s),
                        None => {
                            let msg = format!("sexe « {raw} » inconnu (M ou F)");
                            self.errs
                                .push(FormatError::at(self.line, self.name(i), msg));
                            ok = false;
                        }
                    }
                }
            }
            let text_of = |me: &Self, f: GroupField| col(f).map_or("", |i| me.text(i)).to_string();
            read.person.nom = text_of(self, GroupField::Nom);
            read.person.prenom = text_of(self, GroupField::Prenom);
            if layout.has(GroupField::TeteListe) {
                read.person.nom = text_of(self, GroupField::TeteListe);
            }
            let nuance = text_of(self, GroupField::Nuance);
            read.nuance = (!nuance.is_empty()).then_some(nuance);
            read.printed.short_label = text_of(self, GroupField::ShortLabel);
            read.printed.elu = text_of(self, GroupField::Elu);
            for (f, slot) in [
                (GroupField::SiegesCm, &mut read.printed.sieges_cm),
                (GroupField::SiegesSecteur, &mut read.printed.sieges_secteur),
                (GroupField::SiegesCc, &mut read.printed.sieges_cc),
            ] {
                if let Some(i) = col(f) {
                    match self.seats_at(i) {
                        Ok(v) => *slot = v,
                        Err(()) => ok = false,
                    }
                }
            }
            read.name = if layout.has(GroupField::ListLabel) {
                text_of(self, GroupField::ListLabel)
            } else {
                read.person.display_name()
            };
            if read.name.trim().is_empty() {
                let named = col(GroupField::ListLabel)
                    .or(col(GroupField::Nom))
                    .unwrap_or(at);
                let msg = format!("le candidat n° {} n'a pas de nom", read.number);
                self.errs
                    .push(FormatError::at(self.line, self.name(named), msg));
                ok = false;
            }
            let Some(voix) = col(GroupField::Voix).and_then(|i| self.count_at(i)) else {
                ok = false;
                continue;
            };
            read.voix = voix;
            if let Some(i) = col(GroupField::PctVoixIns) {
                self.pct_at(i, voix, inscrits);
            }
            if let Some(i) = col(GroupField::PctVoixExp) {
                self.pct_at(i, voix, exprimes);
            }
            groups.push(read);
        }
        if !ok {
            return None;
        }
        let mut seen = std::collections::BTreeSet::new();
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
    fn same_ballot(&mut self, first: &[GroupRead], first_line: u64, groups: &[GroupRead]) -> bool {
        let mut ok = true;
        let layout = self.cols.layout;
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
            let pos = |field: GroupField| {
                layout
                    .group()
                    .iter()
                    .position(|(x, _)| *x == field)
                    .map_or(g.at, |p| g.at + p)
            };
            let seat = |v: Option<u32>| v.map_or(String::new(), |n| n.to_string());
            let checks = [
                (GroupField::ListLabel, f.name.clone(), g.name.clone()),
                (
                    GroupField::TeteListe,
                    f.person.nom.clone(),
                    g.person.nom.clone(),
                ),
                (GroupField::Nom, f.person.nom.clone(), g.person.nom.clone()),
                (
                    GroupField::Prenom,
                    f.person.prenom.clone(),
                    g.person.prenom.clone(),
                ),
                (
                    GroupField::Sexe,
                    f.person.sexe.map_or("", Sexe::code).to_string(),
                    g.person.sexe.map_or("", Sexe::code).to_string(),
                ),
                (
                    GroupField::Nuance,
                    f.nuance.clone().unwrap_or_default(),
                    g.nuance.clone().unwrap_or_default(),
                ),
                (
                    GroupField::ShortLabel,
                    f.printed.short_label.clone(),
                    g.printed.short_label.clone(),
                ),
                (
                    GroupField::Elu,
                    f.printed.elu.clone(),
                    g.printed.elu.clone(),
                ),
                (
                    GroupField::SiegesCm,
                    seat(f.printed.sieges_cm),
                    seat(g.printed.sieges_cm),
                ),
                (
                    GroupField::SiegesSecteur,
                    seat(f.printed.sieges_secteur),
                    seat(g.printed.sieges_secteur),
                ),
                (
                    GroupField::SiegesCc,
                    seat(f.printed.sieges_cc),
                    seat(g.printed.sieges_cc),
                ),
            ];
            for (field, was, is) in checks {
                if layout.has(field) && was != is {
                    let msg = format!(
                        "candidat n° {} : « {is} », mais « {was} » ligne {first_line}",
                        g.number
                    );
                    self.errs
                        .push(FormatError::at(self.line, self.name(pos(field)), msg));
                    ok = false;
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
}

/// Reads a ministry file in any layout (see the module documentation for
/// what is checked). `progress` is told the bytes read so far and the total.
pub fn decode(
    bytes: &[u8],
    import: &MinistryImport,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<ResultsFile, FormatErrors> {
    decode_layout(bytes, import, progress).map(|(_, r)| r)
}

/// [`decode`], with the layout the file was in.
pub fn decode_layout(
    bytes: &[u8],
    import: &MinistryImport,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(Layout, ResultsFile), FormatErrors> {
    let table = if super::sheet::is_spreadsheet(bytes) {
        super::sheet::read(bytes, progress)?
    } else {
        let (text, encoding) = decode_text(bytes)?;
        Table::read_str(&text, encoding, b';', progress)?
    };
    decode_table(&table, import).map_err(|e| e.in_sheet(&table))
}

/// The département's code, the commune's code within it and the INSEE code
/// of a row, leading zeros given back; an error names the column.
fn commune_codes(r: &mut RowReader<'_>) -> Option<(String, String, String)> {
    let dep = values::pad_code(r.base(Base::DepCode), 2);
    let raw = r.base(Base::CommuneCode).to_string();
    if r.cols.layout.full_commune_code() {
        let insee = values::pad_code(&raw, 5);
        match insee.strip_prefix(dep.as_str()) {
            Some(code) if !dep.is_empty() => Some((dep.clone(), code.to_string(), insee)),
            _ => {
                let msg = format!(
                    "le code commune « {raw} » n'est pas un code INSEE du département « {dep} »"
                );
                let name = r
                    .cols
                    .at(Base::CommuneCode)
                    .map_or(String::new(), |i| r.name(i));
                r.errs.push(FormatError::at(r.line, name, msg));
                None
            }
        }
    } else {
        let width = 5usize.saturating_sub(dep.len()).max(2);
        let code = values::pad_code(&raw, width);
        let insee = format!("{dep}{code}");
        Some((dep, code, insee))
    }
}

fn decode_table(
    table: &Table,
    import: &MinistryImport,
) -> Result<(Layout, ResultsFile), FormatErrors> {
    let cols = layout::detect(&table.header, table.header_line)?;
    let layout = cols.layout;
    let mut errs = Vec::new();
    let wanted = import.commune.as_deref().map(|c| values::pad_code(c, 5));

    let mut meta: Option<(CommuneMeta, u64)> = None;
    let mut ballot: Option<(Vec<GroupRead>, u64)> = None;
    let mut bureaux: Vec<Bureau> = Vec::new();
    let mut bureau_lines: BTreeMap<String, u64> = BTreeMap::new();
    let mut pvs: BTreeMap<String, ProcesVerbal> = BTreeMap::new();
    let mut circs: Vec<Perimeter> = Vec::new();
    let mut circ_lines: BTreeMap<String, u64> = BTreeMap::new();
    for (line, row) in &table.rows {
        let line = *line;
        let mut r = RowReader {
            line,
            row,
            header: &table.header,
            cols: &cols,
            errs: &mut errs,
        };
        let Some((dep, commune_code, insee)) = commune_codes(&mut r) else {
            continue;
        };
        if let Some(wanted) = &wanted
            && *wanted != insee
        {
            continue;
        }
        let row_meta = CommuneMeta {
            departement_code: dep,
            departement_label: r.base(Base::DepLabel).to_string(),
            commune_code,
            commune_label: r.base(Base::CommuneLabel).to_string(),
        };
        match &meta {
            None => meta = Some((row_meta, line)),
            Some((m, first)) if *m != row_meta => {
                let msg = format!(
                    "commune {} ({}) différente de celle de la ligne {first}, {} ({}) : choisissez une commune par son code INSEE",
                    row_meta.insee(),
                    row_meta.commune_label,
                    m.insee(),
                    m.commune_label
                );
                r.errs.push(FormatError::line(line, msg));
                continue;
            }
            Some(_) => {}
        }
        let bureau_col = cols
            .at(Base::BureauCode)
            .map_or(String::new(), |i| r.name(i));
        let code = values::pad_code(r.base(Base::BureauCode), 4);
        let mut ok = true;
        if !is_code(&code) {
            let msg = format!(
                "code de bureau invalide « {code} » (1 à 32 caractères parmi A-Z, a-z, 0-9, - et _)"
            );
            r.errs.push(FormatError::at(line, bureau_col, msg));
            ok = false;
        } else if let Some(first) = bureau_lines.get(&code) {
            let msg = format!("le bureau {code} figure déjà ligne {first}");
            r.errs.push(FormatError::at(line, bureau_col, msg));
            ok = false;
        }
        // Circonscription.
        let circ_code = values::pad_code(r.base(Base::CircCode), 2);
        let circ_label = r.base(Base::CircLabel).to_string();
        let mut perimeters = Vec::new();
        if !circ_code.is_empty() {
            let pcode = format!("{CIRCONSCRIPTION_PREFIX}{circ_code}");
            let name_of =
                |r: &RowReader<'_>, b: Base| cols.at(b).map_or(String::new(), |i| r.name(i));
            if !is_code(&pcode) {
                let msg = format!("code de circonscription invalide « {circ_code} »");
                r.errs
                    .push(FormatError::at(line, name_of(&r, Base::CircCode), msg));
                ok = false;
            } else if let Some(existing) = circs.iter().find(|p| p.code == pcode) {
                if existing.name != circ_label {
                    let first = circ_lines.get(&pcode).copied().unwrap_or(0);
                    let msg = format!(
                        "la circonscription {circ_code} s'appelle « {} » ligne {first}",
                        existing.name
                    );
                    r.errs
                        .push(FormatError::at(line, name_of(&r, Base::CircLabel), msg));
                    ok = false;
                }
                perimeters.push(pcode);
            } else {
                circ_lines.insert(pcode.clone(), line);
                circs.push(Perimeter {
                    code: pcode.clone(),
                    name: circ_label,
                    kind: PerimeterKind::Circonscription,
                    parent: None,
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
            continue;
        };
        let Ok(roll) = u32::try_from(inscrits) else {
            let msg = format!("{inscrits} inscrits : c'est trop pour un bureau");
            let name = cols.at(Base::Inscrits).map_or(String::new(), |i| r.name(i));
            r.errs.push(FormatError::at(line, name, msg));
            continue;
        };
        if abstentions != inscrits - votants {
            let msg = format!(
                "{abstentions} abstentions, mais inscrits − votants = {}",
                inscrits - votants
            );
            let name = cols
                .at(Base::Abstentions)
                .map_or(String::new(), |i| r.name(i));
            r.errs.push(FormatError::at(line, name, msg));
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
            continue;
        };
        if !ok {
            continue;
        }
        match &ballot {
            None if groups.is_empty() => {
                r.errs
                    .push(FormatError::line(line, "aucun candidat sur cette ligne"));
                continue;
            }
            None => ballot = Some((groups.clone(), line)),
            Some((first, first_line)) => {
                if !r.same_ballot(first, *first_line, &groups) {
                    continue;
                }
            }
        }
        bureau_lines.insert(code.clone(), line);
        pvs.insert(
            code.clone(),
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
        bureaux.push(Bureau {
            name: format!("Bureau {code}"),
            code,
            address: None,
            inscrits: roll,
            perimeters,
        });
    }
    let Some((meta, _)) = meta else {
        errs.push(FormatError::file(match &import.commune {
            Some(c) => format!("aucun bureau de la commune {c} dans le fichier"),
            None => "le fichier ne contient aucun bureau".to_string(),
        }));
        return Err(FormatErrors(errs));
    };
    if !errs.is_empty() {
        return Err(FormatErrors(errs));
    }
    let Some((groups, _)) = ballot else {
        return Err(FormatErrors::one(FormatError::file(
            "le fichier ne contient aucun bureau",
        )));
    };
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
    }];
    perimeters.extend(circs.into_iter().map(|mut p| {
        p.parent = Some(root.clone());
        p
    }));
    let candidates = groups
        .iter()
        .map(|g| Candidate {
            number: g.number,
            name: g.name.clone(),
            nuance: g.nuance.clone(),
            colour: default_colour(g.nuance.as_deref()).to_string(),
        })
        .collect();
    let election = checked_election(&import.header, Vec::new(), perimeters, bureaux, candidates)?;
    // The procès-verbal rules, bureau by bureau.
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
                || g.person.display_name() != ""
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
            },
        ),
    )
}

#[cfg(test)]
mod tests;
