//! Setting an election up from the commune's spreadsheets.
//!
//! Three CSV files, as a town hall already keeps them: the bureaux (code,
//! name, address, inscrits and the cantons, circonscriptions, quartiers or
//! villages they sit in), the electoral roll (one row per elector with their
//! bureau, as openElec exports it, or one row per bureau with its count) and
//! the candidates or lists (panel number, name, nuance, optional colour and,
//! for list ballots, the candidates of each municipal list, `Candidats CM`,
//! and of its community list, `Candidats CC`, empty for a complete list).
//! The commune's population and community seats come with the election's
//! identity ([`CommuneFigures`]).
//! Columns are found by their header, whatever the case, accents or
//! punctuation (`N° Panneau`, `numero panneau`…), in any order; extra columns
//! are ignored. Separator (`;` or `,`) and encoding (UTF-8 or Windows-1252)
//! are detected ([`super::Table::read`]).
//!
//! Every row is checked and every problem reported with its line; a decoder
//! returns nothing unless the whole file is valid. [`build_election`] puts
//! the pieces together and runs the model's own checks.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::{
    ElectionHeader, FormatError, FormatErrors, Person, Sexe, Table, default_colour, is_code,
    is_colour,
};
use crate::model::{Bureau, Candidate, Election, Perimeter, PerimeterKind};

/// Accepted headers (normalised, see [`super::normalise_header`]) for each column.
const BUREAU_CODE: &[&str] = &[
    "code",
    "code bureau",
    "bureau",
    "n bureau",
    "numero",
    "numero bureau",
    "numero de bureau",
    "code du bureau",
    "code du b vote",
    "bureau de vote",
    "code bureau de vote",
];
const BUREAU_NAME: &[&str] = &[
    "nom",
    "libelle",
    "nom du bureau",
    "libelle bureau",
    "libelle du bureau",
];
const ADDRESS: &[&str] = &["adresse", "lieu", "adresse du bureau"];
const INSCRITS: &[&str] = &[
    "inscrits",
    "nombre d inscrits",
    "nb inscrits",
    "nombre inscrits",
];
const PERIMETER_COLUMNS: [(PerimeterKind, &str, &[&str]); 4] = [
    (
        PerimeterKind::Circonscription,
        "CIRC-",
        &["circonscription"],
    ),
    (PerimeterKind::Canton, "CANTON-", &["canton"]),
    (PerimeterKind::Quartier, "Q-", &["quartier"]),
    (PerimeterKind::Village, "V-", &["village", "hameau"]),
];
/// The commune of a bureau, in the files of a territory (a prefecture's or
/// an intercommunalité's night): its INSEE code, and its name.
const COMMUNE_CODE: &[&str] = &[
    "code commune",
    "code de la commune",
    "code insee",
    "insee",
    "code insee commune",
];
const COMMUNE_NAME: &[&str] = &[
    "commune",
    "libelle commune",
    "libelle de la commune",
    "nom commune",
    "nom de la commune",
];
const PANNEAU: &[&str] = &[
    "panneau",
    "n panneau",
    "numero",
    "numero panneau",
    "numero de panneau",
    "n",
    "num panneau",
    "n liste",
    "numero liste",
    "numero de liste",
];
const CANDIDATE_NAME: &[&str] = &[
    "nom",
    "candidat",
    "liste",
    "nom de la liste",
    "libelle",
    "libelle liste",
    "nom du candidat",
];
const PRENOM: &[&str] = &["prenom", "prenom du candidat"];
const SEXE: &[&str] = &["sexe", "civilite"];
const NUANCE: &[&str] = &["nuance", "code nuance"];
const COLOUR: &[&str] = &["couleur", "colour", "color"];
const LIST_SIZE: &[&str] = &[
    "nombre de candidats",
    "nb candidats",
    "candidats cm",
    "candidats au cm",
    "candidats conseil municipal",
    "longueur de liste",
    "list size",
];
const CC_LIST_SIZE: &[&str] = &[
    "candidats cc",
    "candidats au cc",
    "nombre de candidats cc",
    "nb candidats cc",
    "candidats communautaires",
    "candidats conseil communautaire",
    "cc list size",
];

/// The bureaux file, read.
///
/// With a commune column (`Code commune`, `Code INSEE`…) the file is a
/// territory's: each row's commune becomes a perimeter (its INSEE code,
/// named by the `Commune` column), each bureau is coded `INSEE-CODE`
/// (numbered within its commune), quartiers and villages sit in their
/// commune and cantons and circonscriptions in the territory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BureauxFile {
    pub bureaux: Vec<Bureau>,
    /// The perimeters named in the file, children of the root (a
    /// territory's quartiers and villages: of their commune).
    pub perimeters: Vec<Perimeter>,
    /// True when the file names each bureau's commune.
    pub territory: bool,
}

/// The electoral roll, counted per bureau.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Roll {
    pub inscrits: BTreeMap<String, u32>,
    /// The first line of each bureau, to point at it in messages.
    pub lines: BTreeMap<String, u64>,
    /// True when the file had one row per elector, false for counts per bureau.
    pub per_elector: bool,
}

/// The candidates file, read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CandidatesFile {
    pub candidates: Vec<Candidate>,
    /// Nom, prénom and sexe, when the file has a `prénom` column.
    pub people: BTreeMap<u32, Person>,
}

fn cell(row: &[String], col: Option<usize>) -> &str {
    col.and_then(|c| row.get(c)).map_or("", |s| s.trim())
}

fn header_name(table: &Table, col: usize) -> String {
    table
        .header
        .get(col)
        .map_or_else(String::new, |h| h.trim().to_string())
}

fn missing_column(table: &Table, what: &str, names: &[&str]) -> FormatError {
    FormatError::line(
        table.header_line,
        format!(
            "colonne « {what} » introuvable dans l'en-tête (noms acceptés : {})",
            names.join(", ")
        ),
    )
}

fn check_width(table: &Table, line: u64, row: &[String], errs: &mut Vec<FormatError>) -> bool {
    if row.len() > table.header.len()
        && row[table.header.len()..]
            .iter()
            .any(|c| !c.trim().is_empty())
    {
        errs.push(FormatError::line(
            line,
            format!(
                "{} colonnes alors que l'en-tête en a {}",
                row.len(),
                table.header.len()
            ),
        ));
        return false;
    }
    true
}

/// Reads a number of inscrits, tolerating spaces as thousands separators.
fn parse_inscrits(s: &str) -> Option<u32> {
    let digits: String = s
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 9 {
        return None;
    }
    digits.parse().ok()
}

/// An uppercase ASCII code from a name: `"Centre historique"` → `CENTRE-HISTORIQUE`.
pub fn slug_code(prefix: &str, name: &str) -> String {
    let mut out = prefix.to_string();
    let mut dash = false;
    for c in name.chars() {
        let c = super::fold_accent(c).to_ascii_uppercase();
        if c.is_ascii_alphanumeric() {
            if dash && out.len() > prefix.len() {
                out.push('-');
            }
            dash = false;
            out.push(c);
        } else {
            dash = true;
        }
    }
    out.truncate(32);
    out.trim_end_matches('-').to_string()
}

/// Reads the bureaux file. `root` is the code of the commune perimeter,
/// parent of every perimeter named in the file.
pub fn decode_bureaux(bytes: &[u8], root: &str) -> Result<BureauxFile, FormatErrors> {
    let table = Table::read(bytes, &mut |_, _| {})?;
    bureaux_of(&table, root).map_err(|e| e.in_sheet(&table))
}

fn bureaux_of(table: &Table, root: &str) -> Result<BureauxFile, FormatErrors> {
    let code_col = table.column(BUREAU_CODE);
    let name_col = table.column(BUREAU_NAME);
    let mut errs = Vec::new();
    if code_col.is_none() {
        errs.push(missing_column(table, "code", BUREAU_CODE));
    }
    if name_col.is_none() {
        errs.push(missing_column(table, "nom", BUREAU_NAME));
    }
    if !errs.is_empty() {
        return Err(FormatErrors(errs));
    }
    let address_col = table.column(ADDRESS);
    let inscrits_col = table.column(INSCRITS);
    let commune_col = table.column(COMMUNE_CODE);
    let commune_name_col = table.column(COMMUNE_NAME).filter(|_| commune_col.is_some());
    let perimeter_cols: Vec<_> = PERIMETER_COLUMNS
        .iter()
        .filter_map(|(kind, prefix, names)| table.column(names).map(|c| (*kind, *prefix, c)))
        .collect();

    let mut bureaux = Vec::new();
    let mut perimeters: Vec<Perimeter> = Vec::new();
    // perimeter code → (name, line where first seen)
    let mut perimeter_names: BTreeMap<String, (String, u64)> = BTreeMap::new();
    let mut seen: BTreeMap<String, u64> = BTreeMap::new();
    for (line, row) in &table.rows {
        let line = *line;
        if !check_width(table, line, row, &mut errs) {
            continue;
        }
        let number = cell(row, code_col);
        let code_h = code_col.map(|c| header_name(table, c)).unwrap_or_default();
        let mut ok = true;
        // A territory's bureau: its commune first (a perimeter of its own).
        let commune = match commune_col {
            None => None,
            Some(col) => {
                match commune_of_row(
                    table,
                    line,
                    row,
                    col,
                    commune_name_col,
                    &mut perimeter_names,
                ) {
                    Ok((commune, new)) => {
                        if let Some(p) = new {
                            perimeters.push(p);
                        }
                        Some(commune)
                    }
                    Err(e) => {
                        errs.push(e);
                        ok = false;
                        None
                    }
                }
            }
        };
        let composed;
        let code = match &commune {
            Some(insee) if !number.is_empty() => {
                composed = format!("{insee}-{number}");
                composed.as_str()
            }
            _ => number,
        };
        if code.is_empty() {
            errs.push(FormatError::at(line, &code_h, "le code du bureau est vide"));
            ok = false;
        } else if !is_code(code) {
            errs.push(FormatError::at(
                line,
                &code_h,
                format!("code de bureau invalide « {code} » (1 à 32 caractères parmi A-Z, a-z, 0-9, - et _)"),
            ));
            ok = false;
        } else if let Some(first) = seen.get(code) {
            errs.push(FormatError::at(
                line,
                &code_h,
                format!("le bureau {code} figure déjà ligne {first}"),
            ));
            ok = false;
        } else {
            seen.insert(code.to_string(), line);
        }
        let name = cell(row, name_col);
        if name.is_empty() {
            let h = name_col.map(|c| header_name(table, c)).unwrap_or_default();
            errs.push(FormatError::at(line, h, "le nom du bureau est vide"));
            ok = false;
        }
        let inscrits_raw = cell(row, inscrits_col);
        let inscrits = if inscrits_raw.is_empty() {
            0
        } else if let Some(n) = parse_inscrits(inscrits_raw) {
            n
        } else {
            let h = inscrits_col
                .map(|c| header_name(table, c))
                .unwrap_or_default();
            errs.push(FormatError::at(
                line,
                h,
                format!("« {inscrits_raw} » n'est pas un nombre d'inscrits (entier positif)"),
            ));
            ok = false;
            0
        };
        let mut own = Vec::new();
        for (kind, prefix, col) in &perimeter_cols {
            let pname = cell(row, Some(*col));
            if pname.is_empty() {
                continue;
            }
            // A territory's quartiers and villages are its communes' own:
            // « Centre » of two communes are two perimeters.
            let local = matches!(kind, PerimeterKind::Quartier | PerimeterKind::Village);
            let prefix_here = match &commune {
                Some(insee) if local => format!("{prefix}{insee}-"),
                _ => prefix.to_string(),
            };
            let pcode = slug_code(&prefix_here, pname);
            if pcode.len() == prefix_here.len() {
                errs.push(FormatError::at(
                    line,
                    header_name(table, *col),
                    format!("« {pname} » ne contient ni lettre ni chiffre"),
                ));
                ok = false;
                continue;
            }
            match perimeter_names.get(&pcode) {
                Some((known, first)) if known != pname => {
                    errs.push(FormatError::at(
                        line,
                        header_name(table, *col),
                        format!(
                            "« {pname} » et « {known} » (ligne {first}) donnent le même code {pcode} : renommez l'un des deux"
                        ),
                    ));
                    ok = false;
                    continue;
                }
                Some(_) => {}
                None => {
                    perimeter_names.insert(pcode.clone(), (pname.to_string(), line));
                    let parent = match &commune {
                        Some(insee) if local => insee.clone(),
                        _ => root.to_string(),
                    };
                    perimeters.push(Perimeter {
                        code: pcode.clone(),
                        name: pname.to_string(),
                        kind: *kind,
                        parent: Some(parent),
                        population: None,
                        cc_seats: None,
                    });
                }
            }
            own.push(pcode);
        }
        if ok {
            let address = cell(row, address_col);
            if let Some(insee) = &commune {
                own.insert(0, insee.clone());
            }
            bureaux.push(Bureau {
                code: code.to_string(),
                name: name.to_string(),
                address: (!address.is_empty()).then(|| address.to_string()),
                inscrits,
                perimeters: own,
            });
        }
    }
    if table.rows.is_empty() {
        errs.push(FormatError::file("le fichier ne contient aucun bureau"));
    }
    // The communes hang from the root like the other perimeters.
    for p in &mut perimeters {
        if p.kind == PerimeterKind::Commune {
            p.parent = Some(root.to_string());
        }
    }
    FormatErrors::or(
        errs,
        BureauxFile {
            bureaux,
            perimeters,
            territory: commune_col.is_some(),
        },
    )
}

/// A row's commune in a territory's file: its INSEE code (leading zeros
/// given back) and, the first time it is seen, its perimeter. A commune is
/// named alike on all its rows.
/// The INSEE code in a `code commune` cell (bureaux, roll, candidates),
/// its leading zeros given back; refused unless it names a commune of a
/// known département.
fn insee_cell(table: &Table, line: u64, row: &[String], col: usize) -> Result<String, FormatError> {
    let raw = cell(row, Some(col));
    let insee = super::ministry::values::pad_code(raw, 5);
    let known =
        super::split_insee(&insee).is_some_and(|(d, _)| super::departement_label(&d).is_some());
    if !known {
        return Err(FormatError::at(
            line,
            header_name(table, col),
            format!(
                "« {raw} » n'est pas un code INSEE de commune (5 caractères d'un département connu, comme 29019 ou 2A004)"
            ),
        ));
    }
    Ok(insee)
}

fn commune_of_row(
    table: &Table,
    line: u64,
    row: &[String],
    col: usize,
    name_col: Option<usize>,
    seen: &mut BTreeMap<String, (String, u64)>,
) -> Result<(String, Option<Perimeter>), FormatError> {
    let insee = insee_cell(table, line, row, col)?;
    let name = match cell(row, name_col) {
        "" => insee.clone(),
        n => n.to_string(),
    };
    match seen.get(&insee) {
        Some((known, first)) if *known != name => Err(FormatError::at(
            line,
            name_col.map_or_else(|| header_name(table, col), |c| header_name(table, c)),
            format!("la commune {insee} s'appelle « {known} » ligne {first}"),
        )),
        Some(_) => Ok((insee, None)),
        None => {
            seen.insert(insee.clone(), (name.clone(), line));
            let p = Perimeter {
                code: insee.clone(),
                name,
                kind: PerimeterKind::Commune,
                parent: None,
                population: None,
                cc_seats: None,
            };
            Ok((insee, Some(p)))
        }
    }
}

/// Reads the electoral roll: with an `inscrits` column, one row per bureau
/// and its count; otherwise one row per elector, counted by their bureau.
/// `progress` follows the reading of large files (bytes read, total).
pub fn decode_roll(bytes: &[u8], progress: &mut dyn FnMut(u64, u64)) -> Result<Roll, FormatErrors> {
    let table = Table::read(bytes, progress)?;
    roll_of(&table).map_err(|e| e.in_sheet(&table))
}

fn roll_of(table: &Table) -> Result<Roll, FormatErrors> {
    let Some(bureau_col) = table.column(BUREAU_CODE) else {
        return Err(FormatErrors::one(missing_column(
            table,
            "bureau",
            BUREAU_CODE,
        )));
    };
    let count_col = table.column(INSCRITS);
    let commune_col = table.column(COMMUNE_CODE);
    let bureau_h = header_name(table, bureau_col);
    let mut errs = Vec::new();
    let mut inscrits: BTreeMap<String, u32> = BTreeMap::new();
    let mut lines: BTreeMap<String, u64> = BTreeMap::new();
    for (line, row) in &table.rows {
        let line = *line;
        if !check_width(table, line, row, &mut errs) {
            continue;
        }
        let number = cell(row, Some(bureau_col));
        if number.is_empty() {
            errs.push(FormatError::at(
                line,
                &bureau_h,
                "le bureau de vote est vide",
            ));
            continue;
        }
        // A territory's roll names the commune: the bureau is `INSEE-CODE`.
        let composed;
        let code = match commune_col {
            Some(c) => {
                let insee = match insee_cell(table, line, row, c) {
                    Ok(insee) => insee,
                    Err(e) => {
                        errs.push(e);
                        continue;
                    }
                };
                composed = format!("{insee}-{number}");
                composed.as_str()
            }
            None => number,
        };
        if !is_code(code) {
            errs.push(FormatError::at(
                line,
                &bureau_h,
                format!("code de bureau invalide « {code} »"),
            ));
            continue;
        }
        let n = match count_col {
            None => 1,
            Some(c) => {
                let raw = cell(row, Some(c));
                match parse_inscrits(raw) {
                    Some(n) => n,
                    None => {
                        errs.push(FormatError::at(
                            line,
                            header_name(table, c),
                            format!("« {raw} » n'est pas un nombre d'inscrits (entier positif)"),
                        ));
                        continue;
                    }
                }
            }
        };
        if count_col.is_some()
            && let Some(first) = lines.get(code)
        {
            errs.push(FormatError::at(
                line,
                &bureau_h,
                format!("le bureau {code} figure déjà ligne {first}"),
            ));
            continue;
        }
        lines.entry(code.to_string()).or_insert(line);
        let slot = inscrits.entry(code.to_string()).or_insert(0);
        *slot = slot.saturating_add(n);
    }
    if table.rows.is_empty() {
        errs.push(FormatError::file(
            "la liste électorale ne contient aucune ligne",
        ));
    }
    FormatErrors::or(
        errs,
        Roll {
            inscrits,
            lines,
            per_elector: count_col.is_none(),
        },
    )
}

/// Sets each bureau's inscrits from the roll. Every bureau of the roll must
/// exist and every bureau must appear in the roll.
pub fn apply_roll(bureaux: &mut [Bureau], roll: &Roll) -> Result<(), FormatErrors> {
    let known: BTreeSet<&str> = bureaux.iter().map(|b| b.code.as_str()).collect();
    let mut errs = Vec::new();
    for (code, line) in &roll.lines {
        if !known.contains(code.as_str()) {
            errs.push(FormatError::line(
                *line,
                format!("bureau {code} inconnu : il ne figure pas dans le fichier des bureaux"),
            ));
        }
    }
    for b in bureaux.iter() {
        if !roll.inscrits.contains_key(&b.code) {
            errs.push(FormatError::file(format!(
                "le bureau {} n'a aucun inscrit dans la liste électorale",
                b.code
            )));
        }
    }
    if !errs.is_empty() {
        return Err(FormatErrors(errs));
    }
    for b in bureaux.iter_mut() {
        if let Some(n) = roll.inscrits.get(&b.code) {
            b.inscrits = *n;
        }
    }
    Ok(())
}

/// Reads the candidates (or lists) file.
pub fn decode_candidates(bytes: &[u8]) -> Result<CandidatesFile, FormatErrors> {
    let table = Table::read(bytes, &mut |_, _| {})?;
    candidates_of(&table).map_err(|e| e.in_sheet(&table))
}

fn candidates_of(table: &Table) -> Result<CandidatesFile, FormatErrors> {
    let number_col = table.column(PANNEAU);
    let name_col = table.column(CANDIDATE_NAME);
    let mut errs = Vec::new();
    if number_col.is_none() {
        errs.push(missing_column(table, "panneau", PANNEAU));
    }
    if name_col.is_none() {
        errs.push(missing_column(table, "nom", CANDIDATE_NAME));
    }
    if !errs.is_empty() {
        return Err(FormatErrors(errs));
    }
    let prenom_col = table.column(PRENOM);
    let sexe_col = table.column(SEXE);
    let nuance_col = table.column(NUANCE);
    let colour_col = table.column(COLOUR);
    let size_col = table.column(LIST_SIZE);
    let cc_size_col = table.column(CC_LIST_SIZE);
    // Municipales of a territory: each list stands in one commune, whose
    // panels number its lists from 1; the election numbers them in file order.
    let commune_col = table.column(COMMUNE_CODE);
    let h = |c: Option<usize>| c.map(|c| header_name(table, c)).unwrap_or_default();
    let mut candidates = Vec::new();
    let mut people = BTreeMap::new();
    let mut seen: BTreeMap<(String, u32), u64> = BTreeMap::new();
    for (line, row) in &table.rows {
        let line = *line;
        if !check_width(table, line, row, &mut errs) {
            continue;
        }
        let mut ok = true;
        let commune = match commune_col {
            None => None,
            Some(c) => match insee_cell(table, line, row, c) {
                Ok(insee) => Some(insee),
                Err(e) => {
                    errs.push(e);
                    ok = false;
                    None
                }
            },
        };
        let raw = cell(row, number_col);
        let number = match raw.parse::<u32>() {
            Ok(n) if n >= 1 && raw.bytes().all(|b| b.is_ascii_digit()) => {
                let key = (commune.clone().unwrap_or_default(), n);
                if let Some(first) = seen.get(&key) {
                    errs.push(FormatError::at(
                        line,
                        h(number_col),
                        match &commune {
                            Some(c) => format!(
                                "le panneau {n} de la commune {c} est déjà attribué ligne {first}"
                            ),
                            None => format!("le panneau {n} est déjà attribué ligne {first}"),
                        },
                    ));
                    ok = false;
                } else {
                    seen.insert(key, line);
                }
                n
            }
            _ => {
                errs.push(FormatError::at(
                    line,
                    h(number_col),
                    format!("« {raw} » n'est pas un numéro de panneau (entier à partir de 1)"),
                ));
                ok = false;
                0
            }
        };
        let nom = cell(row, name_col);
        if nom.is_empty() {
            errs.push(FormatError::at(line, h(name_col), "le nom est vide"));
            ok = false;
        }
        let prenom = cell(row, prenom_col);
        let sexe_raw = cell(row, sexe_col);
        let sexe = match sexe_raw {
            "" => None,
            "M" | "M." | "m" | "H" | "h" => Some(Sexe::M),
            "F" | "f" | "Mme" | "MME" => Some(Sexe::F),
            other => {
                errs.push(FormatError::at(
                    line,
                    h(sexe_col),
                    format!("sexe « {other} » inconnu (M ou F)"),
                ));
                ok = false;
                None
            }
        };
        let nuance = cell(row, nuance_col);
        let nuance = (!nuance.is_empty()).then(|| nuance.to_string());
        let colour_raw = cell(row, colour_col);
        let colour = if colour_raw.is_empty() {
            default_colour(nuance.as_deref()).to_string()
        } else {
            let c = if colour_raw.starts_with('#') {
                colour_raw.to_ascii_lowercase()
            } else {
                format!("#{}", colour_raw.to_ascii_lowercase())
            };
            if !is_colour(&c) {
                errs.push(FormatError::at(
                    line,
                    h(colour_col),
                    format!("couleur « {colour_raw} » invalide (attendu #rrggbb)"),
                ));
                ok = false;
            }
            c
        };
        let mut size = |col: Option<usize>, what: &str| -> Option<u32> {
            let raw = cell(row, col);
            if raw.is_empty() {
                return None;
            }
            match raw.parse::<u32>() {
                Ok(n) if n >= 1 && raw.bytes().all(|b| b.is_ascii_digit()) => Some(n),
                _ => {
                    errs.push(FormatError::at(
                        line,
                        h(col),
                        format!(
                            "« {raw} » n'est pas un nombre de candidats {what} (entier à partir de 1 ; vide pour une liste complète)"
                        ),
                    ));
                    ok = false;
                    None
                }
            }
        };
        let list_size = size(size_col, "de la liste municipale");
        let cc_list_size = size(cc_size_col, "de la liste communautaire");
        if !ok {
            continue;
        }
        let person = Person {
            nom: nom.to_string(),
            prenom: prenom.to_string(),
            sexe,
        };
        let name = person.display_name();
        // Lists of several communes: numbered in the election in file order,
        // each keeping its commune's panel number.
        let (number, panel) = match &commune {
            Some(_) => (
                u32::try_from(candidates.len() + 1).unwrap_or(u32::MAX),
                Some(number),
            ),
            None => (number, None),
        };
        if prenom_col.is_some() || sexe_col.is_some() {
            people.insert(number, person);
        }
        candidates.push(Candidate {
            number,
            name,
            nuance,
            colour,
            list_size,
            cc_list_size,
            commune,
            panel,
            sexe: sexe.map(|s| s.code().to_string()),
        });
    }
    if table.rows.is_empty() {
        errs.push(FormatError::file("le fichier ne contient aucun candidat"));
    }
    FormatErrors::or(errs, CandidatesFile { candidates, people })
}

/// What a town hall knows of its commune beyond the files: its INSEE
/// population, and the seats of its councils when given (the municipal
/// council's otherwise follow from the population, L.2121-2 CGCT).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommuneFigures {
    pub population: Option<u32>,
    /// Seats to fill (`seats`).
    pub seats: Option<u32>,
    /// The commune's community seats (`cc_seats`).
    pub cc_seats: Option<u32>,
}

/// Assembles an election from the decoded files and checks it with
/// [`Election::check`]. The root perimeter is `(code, name)`: the commune,
/// or the territory when the bureaux file names their communes, of kind
/// `territory` ([`PerimeterKind::Territoire`] when not given).
pub fn build_election(
    header: ElectionHeader,
    root: (&str, &str),
    bureaux: BureauxFile,
    roll: Option<&Roll>,
    candidates: CandidatesFile,
) -> Result<Election, FormatErrors> {
    build_election_in(
        header,
        root,
        None,
        CommuneFigures::default(),
        bureaux,
        roll,
        candidates,
    )
}

/// [`build_election`] with the kind of a territory's root (a
/// circonscription, a canton, an EPCI, a département…) and the commune's
/// `figures`: its population, seats and community seats. A problem of
/// those is reported on its field (`perimeters[0].population`, `cc_seats`,
/// `candidates[i].cc_list_size`…) with the rule it breaks.
pub fn build_election_in(
    header: ElectionHeader,
    root: (&str, &str),
    territory: Option<PerimeterKind>,
    figures: CommuneFigures,
    bureaux: BureauxFile,
    roll: Option<&Roll>,
    candidates: CandidatesFile,
) -> Result<Election, FormatErrors> {
    let mut list = bureaux.bureaux;
    if let Some(roll) = roll {
        apply_roll(&mut list, roll)?;
    }
    let kind = if bureaux.territory {
        territory.unwrap_or(PerimeterKind::Territoire)
    } else {
        PerimeterKind::Commune
    };
    let mut perimeters = vec![Perimeter {
        code: root.0.to_string(),
        name: root.1.to_string(),
        kind,
        parent: None,
        population: figures.population,
        cc_seats: None,
    }];
    perimeters.extend(bureaux.perimeters);
    let mut e =
        super::assemble_election(&header, Vec::new(), perimeters, list, candidates.candidates)?;
    e.seats = figures.seats;
    e.cc_seats = figures.cc_seats;
    super::checked(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::to_windows_1252;
    use crate::model::ElectionKind;
    use proptest::prelude::*;

    const BUREAUX: &str = "Code;Nom;Adresse;Inscrits;Canton;Quartier\n\
        0001;Hôtel de ville;1 place de la Mairie;1 005;Valbonne-1;Centre historique\n\
        0002;École Frédéric-Mistral;21 route de la Crau;956;Valbonne-1;Centre historique\n\
        0003;Gymnase des Salins;;812;Valbonne-2;Les Salins\n";

    fn header() -> ElectionHeader {
        ElectionHeader {
            id: "municipales-2026-t1".into(),
            label: "Municipales 2026".into(),
            kind: ElectionKind::Municipales,
            round: 1,
            date: "2026-03-15".into(),
        }
    }

    #[test]
    fn bureaux_in_windows_1252_with_perimeters() {
        let bytes = to_windows_1252(BUREAUX).expect("encodable");
        let f = decode_bureaux(&bytes, "13004").expect("valid");
        assert_eq!(f.bureaux.len(), 3);
        assert_eq!(f.bureaux[0].inscrits, 1005);
        assert_eq!(f.bureaux[1].name, "École Frédéric-Mistral");
        assert_eq!(f.bureaux[2].address, None);
        assert_eq!(
            f.bureaux[0].perimeters,
            vec![
                "CANTON-VALBONNE-1".to_string(),
                "Q-CENTRE-HISTORIQUE".to_string()
            ]
        );
        assert_eq!(f.perimeters.len(), 4);
        assert_eq!(f.perimeters[3].code, "Q-LES-SALINS");
        assert_eq!(f.perimeters[3].kind, PerimeterKind::Quartier);
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line() {
        let text = "code,nom,inscrits\n\
            0001,Mairie,100\n\
            \n\
            0001,Doublon,100\n\
            00 2,Espace,12\n\
            0003,,abc\n\
            0004,Trop,1,2\n";
        let errs = decode_bureaux(text.as_bytes(), "C").expect_err("invalid");
        let got: Vec<_> = errs.0.iter().map(|e| (e.line, e.field.clone())).collect();
        assert_eq!(
            got,
            vec![
                (Some(4), Some("code".into())),
                (Some(5), Some("code".into())),
                (Some(6), Some("nom".into())),
                (Some(6), Some("inscrits".into())),
                (Some(7), None),
            ]
        );
        assert!(errs.0[0].message.contains("ligne 2"), "{}", errs.0[0]);
        assert_eq!(
            errs.0[3].to_string(),
            "ligne 6, colonne « inscrits » : « abc » n'est pas un nombre d'inscrits (entier positif)"
        );
    }

    #[test]
    fn setup_files_as_xlsx_and_ods_read_as_their_csv() {
        let csv = include_bytes!("../../fixtures/setup/bureaux.csv");
        let want = decode_bureaux(csv, "13004").expect("csv");
        for bytes in [
            &include_bytes!("../../fixtures/setup/bureaux.xlsx")[..],
            &include_bytes!("../../fixtures/setup/bureaux.ods")[..],
        ] {
            assert_eq!(decode_bureaux(bytes, "13004"), Ok(want.clone()));
        }
        let csv = include_bytes!("../../fixtures/setup/candidats.csv");
        let want = decode_candidates(csv).expect("csv");
        for bytes in [
            &include_bytes!("../../fixtures/setup/candidats.xlsx")[..],
            &include_bytes!("../../fixtures/setup/candidats.ods")[..],
        ] {
            assert_eq!(decode_candidates(bytes), Ok(want.clone()));
        }
        let bad = include_bytes!("../../fixtures/setup/bureaux-erreur.ods");
        let errs = decode_bureaux(bad, "13004").expect_err("bad cell");
        let shown: Vec<String> = errs.0.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 1, "{shown:?}");
        assert!(
            shown[0].starts_with("feuille « Bureaux », ligne 3, colonne « Inscrits » : « 1O45 »"),
            "{shown:?}"
        );
        assert!(decode_roll(b"PK\x03\x04garbage", &mut |_, _| {}).is_err());
    }

    #[test]
    fn missing_columns_are_named() {
        let errs = decode_bureaux(b"numero;adresse\n1;x\n", "C").expect_err("no name");
        assert_eq!(errs.0.len(), 1);
        assert!(errs.0[0].message.contains("« nom »"));
        assert!(decode_bureaux(b"", "C").is_err());
    }

    #[test]
    fn roll_per_elector_and_per_bureau() {
        let electors = "Nom;Prénom;Date de naissance;Bureau de vote\n\
            DUPONT;Jean;1970-01-01;0001\n\
            MARTIN;Léa;1980-02-02;0002\n\
            DURAND;Luc;1990-03-03;0001\n";
        let roll = decode_roll(electors.as_bytes(), &mut |_, _| {}).expect("valid");
        assert!(roll.per_elector);
        assert_eq!(roll.inscrits.get("0001"), Some(&2));
        assert_eq!(roll.inscrits.get("0002"), Some(&1));
        let counts = "bureau,inscrits\n0001,1005\n0002,956\n0003,812\n";
        let roll = decode_roll(counts.as_bytes(), &mut |_, _| {}).expect("valid");
        assert!(!roll.per_elector);
        let mut f = decode_bureaux(BUREAUX.as_bytes(), "C").expect("valid");
        f.bureaux[0].inscrits = 0;
        apply_roll(&mut f.bureaux, &roll).expect("consistent");
        assert_eq!(f.bureaux[0].inscrits, 1005);
        let unknown = decode_roll(b"bureau\n0009\n0001\n", &mut |_, _| {}).expect("valid");
        let errs = apply_roll(&mut f.bureaux, &unknown).expect_err("unknown bureau");
        assert_eq!(errs.0[0].line, Some(2));
        assert_eq!(errs.0.len(), 3);
        let dup = decode_roll(b"bureau;inscrits\n1;5\n1;6\n", &mut |_, _| {}).expect_err("dup");
        assert_eq!(dup.0[0].line, Some(3));
    }

    #[test]
    fn candidates_with_default_colours() {
        let text = "N° Panneau;Nom;Prénom;Sexe;Nuance;Couleur\n\
            1;ARNAUD;Nathalie;F;EXG;\n\
            2;BERTRAND;Julien;M;COM;AA0000\n\
            3;CHEVALIER;Sophie;F;;\n";
        let f = decode_candidates(text.as_bytes()).expect("valid");
        assert_eq!(f.candidates[0].name, "Nathalie ARNAUD");
        assert_eq!(f.candidates[0].colour, default_colour(Some("EXG")));
        assert_eq!(f.candidates[1].colour, "#aa0000");
        assert_eq!(f.candidates[2].nuance, None);
        assert_eq!(f.people[&2].sexe, Some(Sexe::M));
        let bad = "panneau;nom;couleur\n0;A;\n2;;\n2;B;vert\n2;C;\n";
        let errs = decode_candidates(bad.as_bytes()).expect_err("invalid");
        let lines: Vec<_> = errs.0.iter().filter_map(|e| e.line).collect();
        assert_eq!(lines, vec![2, 3, 4, 4, 5]);
    }

    #[test]
    fn a_territory_s_files_name_each_bureau_s_commune() {
        let bureaux = "Code commune;Commune;Code;Nom;Quartier;Canton\n\
            29019;Brest;0001;Hôtel de ville;Centre;Brest-1\n\
            29019;Brest;0002;École Jules-Ferry;Centre;Brest-1\n\
            29075;Guipavas;0001;Mairie;Centre;Brest-1\n";
        let b = decode_bureaux(bureaux.as_bytes(), "EPCI-BMO").expect("bureaux");
        assert!(b.territory);
        let codes: Vec<_> = b.bureaux.iter().map(|b| b.code.as_str()).collect();
        assert_eq!(codes, ["29019-0001", "29019-0002", "29075-0001"]);
        // « Centre » of each commune is its own quartier.
        assert_eq!(
            b.bureaux[2].perimeters,
            ["29075", "CANTON-BREST-1", "Q-29075-CENTRE"]
        );
        let roll =
            "Code INSEE;Bureau;Nom\n29019;0001;A\n29019;0002;B\n29019;0002;C\n29075;0001;D\n";
        let r = decode_roll(roll.as_bytes(), &mut |_, _| {}).expect("roll");
        // Each commune's own lists, numbered from 1 on its panels.
        let c = decode_candidates(
            "Code commune;Panneau;Nom;Sexe\n29019;1;Liste A;F\n29019;2;Liste B;M\n29075;1;Liste C;F\n"
                .as_bytes(),
        )
        .expect("candidates");
        let numbers: Vec<_> = c
            .candidates
            .iter()
            .map(|c| (c.number, c.panel_number(), c.commune.as_deref()))
            .collect();
        assert_eq!(
            numbers,
            [
                (1, 1, Some("29019")),
                (2, 2, Some("29019")),
                (3, 1, Some("29075"))
            ]
        );
        let twice =
            decode_candidates(b"Code commune;Panneau;Nom\n29019;1;A\n29075;1;B\n29019;1;C\n")
                .expect_err("a panel given twice in a commune");
        assert_eq!(
            twice.0[0].to_string(),
            "ligne 4, colonne « Panneau » : le panneau 1 de la commune 29019 est déjà attribué ligne 2"
        );
        let e = build_election_in(
            header(),
            ("EPCI-BMO", "Brest métropole"),
            Some(PerimeterKind::Epci),
            CommuneFigures::default(),
            b,
            Some(&r),
            c,
        )
        .expect("election");
        assert!(e.is_territory());
        assert_eq!(e.root().map(|p| p.kind), Some(PerimeterKind::Epci));
        assert_eq!(e.communes().len(), 2);
        let guipavas = e.bureau("29075-0001").expect("bureau");
        let ballot: Vec<_> = e.ballot(guipavas).iter().map(|c| c.name.as_str()).collect();
        assert_eq!(ballot, ["Liste C"]);
        assert_eq!(e.bureaux[1].inscrits, 2);
        assert_eq!(
            e.perimeter("Q-29075-CENTRE")
                .and_then(|p| p.parent.as_deref()),
            Some("29075")
        );
        // A bad INSEE code and a commune renamed are refused with their line.
        let bad = "Code commune;Commune;Code;Nom\n290;Brest;0001;A\n29019;Brest;0002;B\n29019;Brest-Ville;0003;C\n";
        let errs = decode_bureaux(bad.as_bytes(), "T").expect_err("bad rows");
        let shown: Vec<String> = errs.0.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "ligne 2, colonne « Code commune » : « 290 » n'est pas un code INSEE de commune (5 caractères d'un département connu, comme 29019 ou 2A004)",
                "ligne 4, colonne « Commune » : la commune 29019 s'appelle « Brest » ligne 3"
            ]
        );
    }

    #[test]
    fn builds_a_checked_election() {
        let b = decode_bureaux(BUREAUX.as_bytes(), "13004").expect("bureaux");
        let c = decode_candidates(b"panneau;nom;nuance\n1;Liste A;DVG\n2;Liste B;DVD\n")
            .expect("candidates");
        let e = build_election(header(), ("13004", "Valbonne"), b, None, c).expect("election");
        assert_eq!(e.check(), Ok(()));
        assert_eq!(e.perimeters.len(), 5);
        let b = decode_bureaux(BUREAUX.as_bytes(), "13004").expect("bureaux");
        let c = decode_candidates(b"panneau;nom\n1;Liste A\n").expect("candidates");
        let mut h = header();
        h.date = "15/03/2026".into();
        let errs = build_election(h, ("13004", "Valbonne"), b, None, c).expect_err("bad date");
        assert_eq!(errs.0[0].field.as_deref(), Some("date"));
    }

    #[test]
    fn list_lengths_population_and_community_seats() {
        let text =
            "Panneau;Nom;Candidats CM;Candidats CC\n1;Liste A;31;10\n2;Liste B;;\n3;Liste C;0;x\n";
        let errs = decode_candidates(text.as_bytes()).expect_err("bad sizes");
        let got: Vec<_> = errs.0.iter().map(|e| (e.line, e.field.clone())).collect();
        assert_eq!(
            got,
            vec![
                (Some(4), Some("Candidats CM".into())),
                (Some(4), Some("Candidats CC".into()))
            ]
        );
        assert!(
            errs.0[1].message.contains("liste communautaire"),
            "{}",
            errs.0[1]
        );
        let text = "Panneau;Nom;Nombre de candidats;Candidats communautaires\n1;Liste A;31;10\n2;Liste B;;\n";
        let c = decode_candidates(text.as_bytes()).expect("valid");
        assert_eq!(
            (c.candidates[0].list_size, c.candidates[0].cc_list_size),
            (Some(31), Some(10))
        );
        assert_eq!(
            (c.candidates[1].list_size, c.candidates[1].cc_list_size),
            (None, None)
        );
        // A commune of 5 000 (29 seats) with 8 community seats: accepted.
        let figures = CommuneFigures {
            population: Some(5_000),
            seats: None,
            cc_seats: Some(8),
        };
        let b = decode_bureaux(BUREAUX.as_bytes(), "13004").expect("bureaux");
        let e = build_election_in(
            header(),
            ("13004", "Valbonne"),
            None,
            figures,
            b,
            None,
            c.clone(),
        )
        .expect("election");
        assert_eq!(e.root().and_then(|r| r.population), Some(5_000));
        assert_eq!(e.cc_seats, Some(8));
        // Under 1,000 the community seats are refused, on their field.
        let figures = CommuneFigures {
            population: Some(950),
            ..figures
        };
        let b = decode_bureaux(BUREAUX.as_bytes(), "13004").expect("bureaux");
        let errs = build_election_in(header(), ("13004", "Valbonne"), None, figures, b, None, c)
            .expect_err("cc_seats under 1,000");
        let fields: Vec<_> = errs.0.iter().filter_map(|e| e.field.as_deref()).collect();
        assert!(fields.contains(&"cc_seats"), "{fields:?}");
        assert!(
            errs.0.iter().any(|e| e.message.contains("L.273-11")),
            "{errs:?}"
        );
    }

    proptest! {
        #[test]
        fn setup_decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = decode_bureaux(&bytes, "C");
            let _ = decode_roll(&bytes, &mut |_, _| {});
            let _ = decode_candidates(&bytes);
        }

        #[test]
        fn setup_decoders_never_panic_on_csv_like_text(
            text in "(code|nom|bureau|inscrits|panneau|canton|[0-9]{1,4}|[a-zé ]{0,6}|;|,|\"|\n){0,60}"
        ) {
            let _ = decode_bureaux(text.as_bytes(), "C");
            let _ = decode_roll(text.as_bytes(), &mut |_, _| {});
            let _ = decode_candidates(text.as_bytes());
        }
    }
}
