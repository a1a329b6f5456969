//! Files in and out: pure encoders and decoders, bytes in, bytes out.
//!
//! A commune sets an election up from the spreadsheets it already has and,
//! after the night, sends the prefecture its figures and publishes open data.
//! Every format lives in its own module; none does IO, so the same code serves
//! the CLI, the HTTP downloads, the tests and the fuzzers.
//!
//! - [`setup`]: CSV imports of bureaux, the electoral roll and candidates.
//! - [`ministry`]: the Ministry of the Interior's per-bureau results file.
//! - [`prefecture`]: the results XML sent to the prefecture.
//! - [`opendata`]: one CSV row per bureau × candidate, for open-data portals.
//! - [`nist`]: NIST SP 1500-100 (version 2) election results JSON.
//! - [`eml`]: OASIS EML 510 count XML.
//! - [`sheet`]: `.xlsx`, `.ods` and `.xls` input, for every import.
//!
//! Decoders are all-or-nothing: they return every problem found
//! ([`FormatErrors`], each with its line, field and a French message) and
//! nothing else unless the whole file is valid. They never panic, whatever
//! the bytes (the fuzz targets in `fuzz/` check it).
//!
//! The results formats share [`ResultsFile`]: an [`Election`], the
//! procès-verbaux of its bureaux, the commune's administrative codes
//! ([`CommuneMeta`]) and what the ballot prints about each candidate beyond
//! the model's single name ([`Person`]). See `docs/formats.md` for the exact
//! content of each file.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::model::{Election, ElectionKind, PerimeterKind, ProcesVerbal};

/// Prefix of the code of a circonscription perimeter: `CIRC-` + the
/// ministry's code (shared by the ministry, prefecture and open-data files).
pub const CIRCONSCRIPTION_PREFIX: &str = "CIRC-";

/// The ministry's code of a circonscription perimeter: `02` for `CIRC-02`
/// and for `CIRC-29-02` (a territory of several départements keys its
/// circonscriptions by département).
pub fn circonscription_code(perimeter: &str) -> &str {
    let code = perimeter
        .strip_prefix(CIRCONSCRIPTION_PREFIX)
        .unwrap_or(perimeter);
    code.rsplit_once('-').map_or(code, |(_, c)| c)
}

pub mod eml;
pub mod ministry;
pub mod nist;
pub mod opendata;
pub mod prefecture;
pub mod setup;
pub mod sheet;
mod xml;

/// One problem in an imported file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormatError {
    /// 1-based line of the file; `None` for a problem with the whole file.
    pub line: Option<u64>,
    /// The column or field concerned, as named in the file, when there is one.
    pub field: Option<String>,
    /// What is wrong, in French.
    pub message: String,
    /// The sheet of a spreadsheet the line is in (`None` for a text file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
}

impl FormatError {
    pub fn at(line: u64, field: impl Into<String>, message: impl Into<String>) -> FormatError {
        FormatError {
            line: Some(line),
            field: Some(field.into()),
            message: message.into(),
            sheet: None,
        }
    }

    pub fn line(line: u64, message: impl Into<String>) -> FormatError {
        FormatError {
            line: Some(line),
            field: None,
            message: message.into(),
            sheet: None,
        }
    }

    pub fn file(message: impl Into<String>) -> FormatError {
        FormatError {
            line: None,
            field: None,
            message: message.into(),
            sheet: None,
        }
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(sheet) = &self.sheet {
            write!(f, "feuille « {sheet} »")?;
            f.write_str(if self.line.is_none() && self.field.is_none() {
                " : "
            } else {
                ", "
            })?;
        }
        match (&self.line, &self.field) {
            (Some(l), Some(c)) => write!(f, "ligne {l}, colonne « {c} » : {}", self.message),
            (Some(l), None) => write!(f, "ligne {l} : {}", self.message),
            (None, Some(c)) => write!(f, "« {c} » : {}", self.message),
            (None, None) => f.write_str(&self.message),
        }
    }
}

/// Every problem found in a file; never empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
pub struct FormatErrors(pub Vec<FormatError>);

impl fmt::Display for FormatErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(
            f,
            "{n} erreur{} dans le fichier",
            if n > 1 { "s" } else { "" }
        )?;
        for e in &self.0 {
            write!(f, "\n  {e}")?;
        }
        Ok(())
    }
}

impl FormatErrors {
    pub fn one(e: FormatError) -> FormatErrors {
        FormatErrors(vec![e])
    }

    /// The errors found in a table read from a spreadsheet name its sheet.
    pub fn in_sheet(mut self, table: &Table) -> FormatErrors {
        if let Some(sheet) = &table.sheet {
            for e in &mut self.0 {
                e.sheet.get_or_insert_with(|| sheet.clone());
            }
        }
        self
    }

    /// `Ok(value)` when no error was collected.
    pub fn or<T>(errors: Vec<FormatError>, value: T) -> Result<T, FormatErrors> {
        if errors.is_empty() {
            Ok(value)
        } else {
            Err(FormatErrors(errors))
        }
    }
}

/// The character encoding a text file was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TextEncoding {
    Utf8,
    Windows1252,
}

/// Decodes a text file: UTF-8 (with or without a byte-order mark) or, when
/// the bytes are not UTF-8, Windows-1252, the two encodings French
/// administrations' exports come in. Windows-1252 is taken only when it
/// decodes cleanly: no control character other than tab, CR and LF (which
/// is what a binary or UTF-16 file would produce). A leading BOM is removed.
pub fn decode_text(bytes: &[u8]) -> Result<(String, TextEncoding), FormatErrors> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return match std::str::from_utf8(rest) {
            Ok(s) => Ok((s.to_string(), TextEncoding::Utf8)),
            Err(e) => Err(FormatErrors::one(FormatError::line(
                line_of(rest, e.valid_up_to()),
                "le fichier commence par une marque UTF-8 mais contient des octets qui ne sont pas de l'UTF-8",
            ))),
        };
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(FormatErrors::one(FormatError::file(
            "le fichier est en UTF-16 : enregistrez-le en UTF-8 ou en Windows-1252",
        )));
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => {
            check_controls(s)?;
            Ok((s.to_string(), TextEncoding::Utf8))
        }
        Err(utf8_error) => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            if let Err(e) = check_controls(&text) {
                let first = e.0.first().and_then(|e| e.line).unwrap_or(1);
                return Err(FormatErrors::one(FormatError::line(
                    line_of(bytes, utf8_error.valid_up_to()).min(first),
                    "le fichier n'est ni en UTF-8 ni en Windows-1252 (caractères de contrôle ou octets invalides)",
                )));
            }
            Ok((text.into_owned(), TextEncoding::Windows1252))
        }
    }
}

fn check_controls(s: &str) -> Result<(), FormatErrors> {
    let mut line = 1u64;
    for c in s.chars() {
        if c == '\n' {
            line += 1;
        } else if c.is_control() && c != '\t' && c != '\r' {
            return Err(FormatErrors::one(FormatError::line(
                line,
                format!(
                    "caractère de contrôle U+{:04X} : ce n'est pas un fichier texte",
                    u32::from(c)
                ),
            )));
        }
    }
    Ok(())
}

fn line_of(bytes: &[u8], offset: usize) -> u64 {
    1 + bytes.iter().take(offset).filter(|&&b| b == b'\n').count() as u64
}

/// A CSV file read into cells: its header and its records, each with the
/// line it starts on. Blank lines are skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub encoding: TextEncoding,
    pub separator: u8,
    pub header_line: u64,
    pub header: Vec<String>,
    pub rows: Vec<(u64, Vec<String>)>,
    /// The sheet, for a table read from a spreadsheet ([`sheet`]).
    pub sheet: Option<String>,
}

impl Table {
    /// Reads a spreadsheet's first sheet ([`sheet::read`]) or else decodes
    /// the text ([`decode_text`]), detects the separator
    /// ([`detect_separator`]) and reads every record. `progress` is told the
    /// bytes (rows, for a spreadsheet) read so far and the total, now and then.
    pub fn read(bytes: &[u8], progress: &mut dyn FnMut(u64, u64)) -> Result<Table, FormatErrors> {
        if sheet::is_spreadsheet(bytes) {
            return sheet::read(bytes, progress);
        }
        let (text, encoding) = decode_text(bytes)?;
        let separator = detect_separator(&text);
        Table::read_str(&text, encoding, separator, progress)
    }

    pub fn read_str(
        text: &str,
        encoding: TextEncoding,
        separator: u8,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Table, FormatErrors> {
        let total = text.len() as u64;
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(separator)
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut header = None;
        let mut header_line = 1;
        let mut rows = Vec::new();
        let mut record = csv::StringRecord::new();
        let mut count = 0u64;
        // Line numbers are counted from the byte offsets: csv's own line
        // counter skips blank lines.
        let bytes = text.as_bytes();
        let (mut seen_byte, mut seen_line) = (0usize, 1u64);
        let mut line_at = |byte: usize| {
            // The recorded start may be before the blank lines skipped.
            let mut byte = byte.min(bytes.len());
            while byte < bytes.len() && matches!(bytes[byte], b'\n' | b'\r') {
                byte += 1;
            }
            if byte >= seen_byte {
                seen_line += bytes[seen_byte..byte]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count() as u64;
                seen_byte = byte;
            }
            seen_line
        };
        loop {
            match reader.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    let line = line_at(
                        e.position()
                            .map_or(0, |p| usize::try_from(p.byte()).unwrap_or(usize::MAX)),
                    );
                    return Err(FormatErrors::one(FormatError::line(
                        line.max(1),
                        format!("ligne CSV illisible : {e}"),
                    )));
                }
            }
            let start = record.position().map_or(0, csv::Position::byte);
            let line = line_at(usize::try_from(start).unwrap_or(usize::MAX));
            let cells: Vec<String> = record.iter().map(str::to_string).collect();
            if cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            if header.is_none() {
                header = Some(cells);
                header_line = line;
            } else {
                rows.push((line, cells));
            }
            count += 1;
            if count.is_multiple_of(4096) {
                progress(record.position().map_or(0, csv::Position::byte), total);
            }
        }
        progress(total, total);
        let Some(header) = header else {
            return Err(FormatErrors::one(FormatError::file(
                "le fichier est vide : il faut au moins une ligne d'en-tête",
            )));
        };
        Ok(Table {
            encoding,
            separator,
            header_line,
            header,
            rows,
            sheet: None,
        })
    }

    /// The index of the first header cell whose normalised form is one of `names`.
    pub fn column(&self, names: &[&str]) -> Option<usize> {
        self.header
            .iter()
            .position(|h| names.contains(&normalise_header(h).as_str()))
    }
}

/// Encodes text in Windows-1252; `None` if a character has no Windows-1252 form.
pub fn to_windows_1252(text: &str) -> Option<Vec<u8>> {
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
    if unmappable {
        None
    } else {
        Some(bytes.into_owned())
    }
}

/// The field separator of a CSV file: `;` or `,`, whichever the header line
/// (its first non-empty line) has more of outside quotes; `;` on a tie.
pub fn detect_separator(text: &str) -> u8 {
    let header = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    let (mut semi, mut comma, mut quoted) = (0usize, 0usize, false);
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => semi += 1,
            ',' if !quoted => comma += 1,
            _ => {}
        }
    }
    if comma > semi { b',' } else { b';' }
}

/// A header cell reduced for matching: lowercase ASCII without accents, every
/// run of other characters as one space (`"N° Panneau"` → `"n panneau"`).
pub fn normalise_header(h: &str) -> String {
    let mut out = String::new();
    let mut space = false;
    for c in h.trim().chars() {
        let c = fold_accent(c).to_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        } else {
            space = true;
        }
    }
    out
}

fn fold_accent(c: char) -> char {
    match c {
        'à' | 'â' | 'ä' | 'À' | 'Â' | 'Ä' => 'a',
        'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'e',
        'î' | 'ï' | 'Î' | 'Ï' => 'i',
        'ô' | 'ö' | 'Ô' | 'Ö' => 'o',
        'ù' | 'û' | 'ü' | 'Ù' | 'Û' | 'Ü' => 'u',
        'ç' | 'Ç' => 'c',
        'ÿ' | 'Ÿ' => 'y',
        other => other,
    }
}

/// A code usable in the model: 1 to 32 characters among A-Z, a-z, 0-9, - and _.
pub fn is_code(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 32
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `#rrggbb`.
pub fn is_colour(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 7 && b[0] == b'#' && b[1..].iter().all(u8::is_ascii_hexdigit)
}

/// The display colour of a nuance when the file gives none. Nuance codes are
/// the ministry's (`EXG`, `COM`, `FI`, `SOC`, `ECO`, `REN`, `LR`, `RN`…);
/// unknown or absent nuances get a neutral grey.
pub fn default_colour(nuance: Option<&str>) -> &'static str {
    let n = nuance
        .map(str::trim)
        .unwrap_or_default()
        .to_ascii_uppercase();
    let colour = nuance_colour(&n);
    // The lists' nuances are the candidates' with an `L` before them
    // (`LUG`, `LDVD`, `LRN`): the same colour.
    match n.strip_prefix('L') {
        Some(rest) if colour == UNKNOWN_NUANCE => nuance_colour(rest),
        _ => colour,
    }
}

/// The colour of a nuance nobody knows.
const UNKNOWN_NUANCE: &str = "#999999";

fn nuance_colour(n: &str) -> &'static str {
    match n {
        "EXG" | "LO" | "NPA" => "#8b0000",
        "COM" | "PCF" => "#dd0000",
        "FI" | "LFI" => "#cc2443",
        "UG" | "NUP" | "NFP" | "UGE" => "#e4007c",
        "SOC" | "PS" => "#ff8080",
        "RDG" | "DVG" => "#ffc0c0",
        "ECO" | "VEC" | "EELV" => "#00c000",
        "REG" => "#dcbfa3",
        "DIV" => "#eeeeee",
        "REN" | "ENS" | "LREM" => "#ffd600",
        "MDM" | "MODEM" => "#ff9900",
        "HOR" => "#0080ff",
        "UDI" | "UC" => "#00ffff",
        "DVC" => "#fac577",
        "LR" | "UMP" => "#0066cc",
        "DVD" => "#adc1fd",
        "DSV" => "#8040c0",
        "REC" => "#404040",
        "RN" | "FN" => "#0d378a",
        "UXD" => "#2f4f9f",
        "EXD" => "#404040",
        _ => UNKNOWN_NUANCE,
    }
}

/// Sex as the ministry prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Sexe {
    M,
    F,
}

impl Sexe {
    pub fn code(self) -> &'static str {
        match self {
            Sexe::M => "M",
            Sexe::F => "F",
        }
    }

    pub fn parse(s: &str) -> Option<Sexe> {
        match s {
            "M" => Some(Sexe::M),
            "F" => Some(Sexe::F),
            _ => None,
        }
    }
}

/// What the ballot prints about a candidate beyond the model's single name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    /// Family name, as printed (usually in capitals).
    pub nom: String,
    pub prenom: String,
    pub sexe: Option<Sexe>,
}

impl Person {
    /// Splits a display name `Prénom NOM`: the trailing words without a
    /// lowercase letter are the family name. `"Jean-Luc DE LA TOUR"` →
    /// (`DE LA TOUR`, `Jean-Luc`). A name without capital words is all `nom`.
    pub fn from_name(name: &str) -> Person {
        let words: Vec<&str> = name.split_whitespace().collect();
        let upper =
            |w: &str| !w.chars().any(char::is_lowercase) && w.chars().any(char::is_alphabetic);
        let mut split = words.len();
        while split > 0 && upper(words[split - 1]) {
            split -= 1;
        }
        if split == words.len() || split == 0 {
            return Person {
                nom: words.join(" "),
                prenom: String::new(),
                sexe: None,
            };
        }
        Person {
            nom: words[split..].join(" "),
            prenom: words[..split].join(" "),
            sexe: None,
        }
    }

    /// The model's display name: `Prénom NOM`.
    pub fn display_name(&self) -> String {
        match (self.prenom.trim(), self.nom.trim()) {
            ("", n) => n.to_string(),
            (p, "") => p.to_string(),
            (p, n) => format!("{p} {n}"),
        }
    }
}

/// The administrative codes of the commune an election file is about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CommuneMeta {
    /// Département code as the ministry prints it: `13`, `2A`, `974`.
    pub departement_code: String,
    pub departement_label: String,
    /// The commune's code within its département (`004` for INSEE 13004).
    pub commune_code: String,
    pub commune_label: String,
}

impl CommuneMeta {
    /// The INSEE code (département + commune), empty when unknown.
    pub fn insee(&self) -> String {
        format!("{}{}", self.departement_code, self.commune_code)
    }

    /// What an election definition tells: the commune is the root perimeter
    /// (a territory's first commune), whose code is taken as the commune's
    /// INSEE code when it has the shape of one (`13004`, `2A004`, `97411`);
    /// the département's label comes from the official list. Otherwise the
    /// codes are empty.
    pub fn from_election(election: &Election) -> CommuneMeta {
        CommuneMeta::of(election.communes().first().copied())
    }

    /// [`CommuneMeta::from_election`] for one commune perimeter.
    fn of(commune: Option<&crate::model::Perimeter>) -> CommuneMeta {
        let (code, label) = commune
            .map(|r| (r.code.as_str(), r.name.clone()))
            .unwrap_or_default();
        let (departement_code, commune_code) = split_insee(code).unwrap_or_default();
        CommuneMeta {
            departement_label: departement_label(&departement_code)
                .unwrap_or_default()
                .to_string(),
            departement_code,
            commune_code,
            commune_label: label,
        }
    }
}

/// Splits an INSEE commune code into département and commune parts.
pub fn split_insee(code: &str) -> Option<(String, String)> {
    let b = code.as_bytes();
    if b.len() != 5 || !b[2..].iter().all(u8::is_ascii_digit) {
        return None;
    }
    if code.starts_with("97") || code.starts_with("98") {
        return Some((code[..3].to_string(), code[3..].to_string()));
    }
    let dep = &code[..2];
    let ok = dep.bytes().all(|c| c.is_ascii_digit()) || dep == "2A" || dep == "2B";
    ok.then(|| (dep.to_string(), code[2..].to_string()))
}

/// The official name of a département (COG), by the code the ministry uses.
pub fn departement_label(code: &str) -> Option<&'static str> {
    DEPARTEMENTS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| *l)
}

const DEPARTEMENTS: &[(&str, &str)] = &[
    ("01", "Ain"),
    ("02", "Aisne"),
    ("03", "Allier"),
    ("04", "Alpes-de-Haute-Provence"),
    ("05", "Hautes-Alpes"),
    ("06", "Alpes-Maritimes"),
    ("07", "Ardèche"),
    ("08", "Ardennes"),
    ("09", "Ariège"),
    ("10", "Aube"),
    ("11", "Aude"),
    ("12", "Aveyron"),
    ("13", "Bouches-du-Rhône"),
    ("14", "Calvados"),
    ("15", "Cantal"),
    ("16", "Charente"),
    ("17", "Charente-Maritime"),
    ("18", "Cher"),
    ("19", "Corrèze"),
    ("2A", "Corse-du-Sud"),
    ("2B", "Haute-Corse"),
    ("21", "Côte-d'Or"),
    ("22", "Côtes-d'Armor"),
    ("23", "Creuse"),
    ("24", "Dordogne"),
    ("25", "Doubs"),
    ("26", "Drôme"),
    ("27", "Eure"),
    ("28", "Eure-et-Loir"),
    ("29", "Finistère"),
    ("30", "Gard"),
    ("31", "Haute-Garonne"),
    ("32", "Gers"),
    ("33", "Gironde"),
    ("34", "Hérault"),
    ("35", "Ille-et-Vilaine"),
    ("36", "Indre"),
    ("37", "Indre-et-Loire"),
    ("38", "Isère"),
    ("39", "Jura"),
    ("40", "Landes"),
    ("41", "Loir-et-Cher"),
    ("42", "Loire"),
    ("43", "Haute-Loire"),
    ("44", "Loire-Atlantique"),
    ("45", "Loiret"),
    ("46", "Lot"),
    ("47", "Lot-et-Garonne"),
    ("48", "Lozère"),
    ("49", "Maine-et-Loire"),
    ("50", "Manche"),
    ("51", "Marne"),
    ("52", "Haute-Marne"),
    ("53", "Mayenne"),
    ("54", "Meurthe-et-Moselle"),
    ("55", "Meuse"),
    ("56", "Morbihan"),
    ("57", "Moselle"),
    ("58", "Nièvre"),
    ("59", "Nord"),
    ("60", "Oise"),
    ("61", "Orne"),
    ("62", "Pas-de-Calais"),
    ("63", "Puy-de-Dôme"),
    ("64", "Pyrénées-Atlantiques"),
    ("65", "Hautes-Pyrénées"),
    ("66", "Pyrénées-Orientales"),
    ("67", "Bas-Rhin"),
    ("68", "Haut-Rhin"),
    ("69", "Rhône"),
    ("70", "Haute-Saône"),
    ("71", "Saône-et-Loire"),
    ("72", "Sarthe"),
    ("73", "Savoie"),
    ("74", "Haute-Savoie"),
    ("75", "Paris"),
    ("76", "Seine-Maritime"),
    ("77", "Seine-et-Marne"),
    ("78", "Yvelines"),
    ("79", "Deux-Sèvres"),
    ("80", "Somme"),
    ("81", "Tarn"),
    ("82", "Tarn-et-Garonne"),
    ("83", "Var"),
    ("84", "Vaucluse"),
    ("85", "Vendée"),
    ("86", "Vienne"),
    ("87", "Haute-Vienne"),
    ("88", "Vosges"),
    ("89", "Yonne"),
    ("90", "Territoire de Belfort"),
    ("91", "Essonne"),
    ("92", "Hauts-de-Seine"),
    ("93", "Seine-Saint-Denis"),
    ("94", "Val-de-Marne"),
    ("95", "Val-d'Oise"),
    ("971", "Guadeloupe"),
    ("972", "Martinique"),
    ("973", "Guyane"),
    ("974", "La Réunion"),
    ("976", "Mayotte"),
];

/// An election with its results, as the results formats carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResultsFile {
    pub meta: CommuneMeta,
    pub election: Election,
    /// The procès-verbaux of the bureaux that have one, by bureau code.
    pub pvs: BTreeMap<String, ProcesVerbal>,
    /// Sexe, nom and prénom of the candidates, by panel number. A candidate
    /// without an entry is written with [`Person::from_name`] of its name.
    /// For a list, the head of the list.
    pub people: BTreeMap<u32, Person>,
    /// What a file printed about a candidate or a list beyond the ballot
    /// (short label, outcome, seats), by panel number, kept so that the file
    /// is written again as it was read. Empty for the results of a night.
    pub printed: BTreeMap<u32, Printed>,
    /// The départements' labels as a territory's file printed them, by
    /// code, so that it is written again as it was read (empty otherwise:
    /// the official labels are used).
    pub departements: BTreeMap<String, String>,
}

/// What the ministry's file prints about a candidate or a list beyond the
/// ballot: the list's short label, the outcome and the seats as it states
/// them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Printed {
    pub short_label: String,
    /// `Elu`, `QUALIF T2`…, as printed.
    pub elu: String,
    /// Seats in the municipal council.
    pub sieges_cm: Option<u32>,
    /// Seats in the sector council (Paris, Lyon, Marseille).
    pub sieges_secteur: Option<u32>,
    /// Seats in the community council.
    pub sieges_cc: Option<u32>,
}

impl ResultsFile {
    /// `election` with the first `arrived` bureaux counted, each with its
    /// [`crate::fixtures::sample_pv`] seeded by its index: the standard
    /// results file of the formats' and the printed records' tests.
    pub fn sample(election: Election, arrived: usize) -> ResultsFile {
        let pvs = election
            .bureaux
            .iter()
            .take(arrived)
            .enumerate()
            .map(|(i, b)| {
                (
                    b.code.clone(),
                    crate::fixtures::sample_pv(&election, b, i as u64),
                )
            })
            .collect();
        ResultsFile::new(election, pvs)
    }

    /// An election's results with the commune codes of [`CommuneMeta::from_election`].
    pub fn new(election: Election, pvs: BTreeMap<String, ProcesVerbal>) -> ResultsFile {
        ResultsFile {
            meta: CommuneMeta::from_election(&election),
            election,
            pvs,
            people: BTreeMap::new(),
            printed: BTreeMap::new(),
            departements: BTreeMap::new(),
        }
    }

    /// The results of one commune of a territory, as a one-commune file
    /// ([`Election::commune_election`]): its bureaux' PVs, its candidates'
    /// people. `None` for a code that is not one of the election's communes.
    pub fn of_commune(&self, code: &str) -> Option<ResultsFile> {
        let election = self.election.commune_election(code)?;
        let pvs = election
            .bureaux
            .iter()
            .filter_map(|b| Some((b.code.clone(), self.pvs.get(&b.code)?.clone())))
            .collect();
        let keep = |n: &u32| election.candidate(*n).is_some();
        let mut meta = CommuneMeta::from_election(&election);
        if let Some(label) = self.departements.get(&meta.departement_code) {
            meta.departement_label = label.clone();
        }
        Some(ResultsFile {
            meta,
            pvs,
            people: self
                .people
                .iter()
                .filter(|(n, _)| keep(n))
                .map(|(n, p)| (*n, p.clone()))
                .collect(),
            printed: self
                .printed
                .iter()
                .filter(|(n, _)| keep(n))
                .map(|(n, p)| (*n, p.clone()))
                .collect(),
            departements: self.departements.clone(),
            election,
        })
    }

    /// The commune codes to print for a bureau: [`ResultsFile::meta`] for a
    /// one-commune election; in a territory, the bureau's commune (its
    /// INSEE code and name), with the département's label as read when it
    /// is the file's département, else the official one.
    pub fn commune_meta(&self, bureau: &crate::model::Bureau) -> CommuneMeta {
        if !self.election.is_territory() {
            return self.meta.clone();
        }
        let mut m = CommuneMeta::of(self.election.commune_of(bureau));
        if let Some(label) = self.departements.get(&m.departement_code) {
            m.departement_label = label.clone();
        } else if m.departement_code == self.meta.departement_code {
            m.departement_label = self.meta.departement_label.clone();
        }
        m
    }

    /// The person of a candidate: the recorded one, else split from the
    /// name, with the sex the definition keeps (an imported file's).
    pub fn person(&self, number: u32) -> Person {
        self.people.get(&number).cloned().unwrap_or_else(|| {
            let c = self.election.candidate(number);
            let mut p = Person::from_name(c.map_or("", |c| c.name.as_str()));
            p.sexe = c.and_then(|c| c.sexe.as_deref()).and_then(Sexe::parse);
            p
        })
    }

    /// The bureau codes with a PV, in the election's bureau order.
    pub fn arrived(&self) -> impl Iterator<Item = (&crate::model::Bureau, &ProcesVerbal)> {
        self.election
            .bureaux
            .iter()
            .filter_map(|b| self.pvs.get(&b.code).map(|pv| (b, pv)))
    }

    /// The sum of the arrived PVs, every candidate of the ballot included.
    pub fn totals(&self) -> ProcesVerbal {
        self.totals_where(|_| true)
    }

    /// The sum of the arrived PVs of the bureaux `keep` accepts (a
    /// territory's commune).
    pub fn totals_where(&self, keep: impl Fn(&crate::model::Bureau) -> bool) -> ProcesVerbal {
        let mut t = ProcesVerbal {
            inscrits: 0,
            votants: 0,
            blancs: 0,
            nuls: 0,
            exprimes: 0,
            voix: self
                .election
                .candidates
                .iter()
                .map(|c| crate::model::CandidateVoix {
                    candidate: c.number,
                    voix: 0,
                })
                .collect(),
            turnout: Vec::new(),
        };
        for (_, pv) in self.arrived().filter(|(b, _)| keep(b)) {
            t.inscrits += pv.inscrits;
            t.votants += pv.votants;
            t.blancs += pv.blancs;
            t.nuls += pv.nuls;
            t.exprimes += pv.exprimes;
            for v in &mut t.voix {
                v.voix += pv.voix_of(v.candidate);
            }
        }
        t
    }
}

/// What identifies an election that a file does not say itself (the
/// ministry's file has no election name, kind or date).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ElectionHeader {
    pub id: String,
    pub label: String,
    pub kind: ElectionKind,
    pub round: u8,
    pub date: String,
}

/// An election from its parts. Built through serde so that fields the model
/// gains later (all with serde defaults) take their default here too.
pub fn assemble_election(
    header: &ElectionHeader,
    turnout_hours: Vec<String>,
    perimeters: Vec<crate::model::Perimeter>,
    bureaux: Vec<crate::model::Bureau>,
    candidates: Vec<crate::model::Candidate>,
) -> Result<Election, FormatErrors> {
    // The header through serde (for the defaults); the large parts moved in
    // afterwards, never copied into a JSON value (a national file has
    // tens of thousands of bureaux).
    let value = serde_json::json!({
        "id": header.id,
        "label": header.label,
        "kind": header.kind,
        "round": header.round,
        "date": header.date,
        "turnout_hours": turnout_hours,
        "perimeters": [],
        "bureaux": [],
        "candidates": [],
    });
    let mut election: Election = serde_json::from_value(value).map_err(|e| {
        FormatErrors::one(FormatError::file(format!(
            "élection impossible à construire : {e}"
        )))
    })?;
    election.perimeters = perimeters;
    election.bureaux = bureaux;
    election.candidates = candidates;
    Ok(election)
}

/// [`assemble_election`] followed by [`Election::check`], whose problems
/// become [`FormatError`]s naming the field.
pub fn checked_election(
    header: &ElectionHeader,
    turnout_hours: Vec<String>,
    perimeters: Vec<crate::model::Perimeter>,
    bureaux: Vec<crate::model::Bureau>,
    candidates: Vec<crate::model::Candidate>,
) -> Result<Election, FormatErrors> {
    checked(assemble_election(
        header,
        turnout_hours,
        perimeters,
        bureaux,
        candidates,
    )?)
}

/// `election` once [`Election::check`] passes, or its problems as
/// [`FormatError`]s naming the field.
pub fn checked(election: Election) -> Result<Election, FormatErrors> {
    election.check().map_err(|errs| {
        FormatErrors(
            errs.into_iter()
                .map(|e| FormatError {
                    line: None,
                    field: Some(e.field),
                    message: e.message,
                    sheet: None,
                })
                .collect(),
        )
    })?;
    Ok(election)
}

/// The ministry's election type code.
pub fn kind_code(kind: ElectionKind) -> &'static str {
    match kind {
        ElectionKind::Presidentielle => "PRE",
        ElectionKind::Legislatives => "LEG",
        ElectionKind::Europeennes => "EUR",
        ElectionKind::Regionales => "REG",
        ElectionKind::Departementales => "DEP",
        ElectionKind::Municipales | ElectionKind::Communautaires => "MUN",
        ElectionKind::Referendum => "REF",
    }
}

/// The model's name of an election kind (`presidentielle`…).
pub fn kind_slug(kind: ElectionKind) -> &'static str {
    match kind {
        ElectionKind::Presidentielle => "presidentielle",
        ElectionKind::Legislatives => "legislatives",
        ElectionKind::Europeennes => "europeennes",
        ElectionKind::Regionales => "regionales",
        ElectionKind::Departementales => "departementales",
        ElectionKind::Municipales => "municipales",
        ElectionKind::Communautaires => "communautaires",
        ElectionKind::Referendum => "referendum",
    }
}

pub fn parse_kind(s: &str) -> Option<ElectionKind> {
    const ALL: [ElectionKind; 8] = [
        ElectionKind::Presidentielle,
        ElectionKind::Legislatives,
        ElectionKind::Europeennes,
        ElectionKind::Regionales,
        ElectionKind::Departementales,
        ElectionKind::Municipales,
        ElectionKind::Communautaires,
        ElectionKind::Referendum,
    ];
    ALL.into_iter().find(|k| kind_slug(*k) == s)
}

/// The model's name of a perimeter kind (`quartier`…).
pub fn perimeter_kind_slug(kind: PerimeterKind) -> &'static str {
    match kind {
        PerimeterKind::Commune => "commune",
        PerimeterKind::Circonscription => "circonscription",
        PerimeterKind::Canton => "canton",
        PerimeterKind::Quartier => "quartier",
        PerimeterKind::Village => "village",
        PerimeterKind::Epci => "epci",
        PerimeterKind::Departement => "departement",
        PerimeterKind::Territoire => "territoire",
    }
}

pub fn parse_perimeter_kind(s: &str) -> Option<PerimeterKind> {
    [
        PerimeterKind::Commune,
        PerimeterKind::Circonscription,
        PerimeterKind::Canton,
        PerimeterKind::Quartier,
        PerimeterKind::Village,
        PerimeterKind::Epci,
        PerimeterKind::Departement,
        PerimeterKind::Territoire,
    ]
    .into_iter()
    .find(|k| perimeter_kind_slug(*k) == s)
}

/// Appends one CSV record and its `\n`: a field is quoted (its quotes
/// doubled) only when it holds the separator, a quote, CR or LF, or when it
/// is the record's only field and is empty.
pub(crate) fn write_record<S: AsRef<str>>(out: &mut String, fields: &[S], sep: char) {
    for (i, f) in fields.iter().enumerate() {
        let f = f.as_ref();
        if i > 0 {
            out.push(sep);
        }
        let quote = f.contains([sep, '"', '\r', '\n']) || (fields.len() == 1 && f.is_empty());
        if quote {
            out.push('"');
            out.push_str(&f.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(f);
        }
    }
    out.push('\n');
}

/// `n ≥ 0` as u64 (negative counts, refused by validation, read as 0).
pub(crate) fn nn(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// A percentage in French notation, `0,00` when the denominator is 0.
pub(crate) fn pct_fr(part: i64, whole: i64) -> String {
    crate::Percent::of(nn(part), nn(whole))
        .unwrap_or_default()
        .fr()
}

/// A percentage with a decimal point, `0.00` when the denominator is 0.
pub(crate) fn pct_dot(part: i64, whole: i64) -> String {
    crate::Percent::of(nn(part), nn(whole))
        .unwrap_or_default()
        .to_string()
}

/// Parses a count: ASCII digits only (no sign, no separator), at most 10^12.
pub(crate) fn parse_count(s: &str) -> Option<i64> {
    if s.is_empty() || s.len() > 12 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
pub(crate) mod testing;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_municipal_territory_s_exports_keep_each_commune_s_lists() {
        let e = crate::fixtures::sample_municipal_territory();
        let n = e.bureaux.len();
        let r = ResultsFile::sample(e, n);
        // NIST: one contest per commune, its own lists and seats.
        let nist: serde_json::Value =
            serde_json::from_slice(&nist::encode(&r, "2026-03-15T20:00:00Z")).expect("JSON");
        let contests = nist["Election"][0]["Contest"].as_array().expect("contests");
        let shape: Vec<(String, usize, Option<u64>)> = contests
            .iter()
            .map(|c| {
                (
                    c["ElectoralDistrictId"].as_str().unwrap_or("").to_string(),
                    c["BallotSelection"].as_array().map_or(0, Vec::len),
                    c["NumberElected"].as_u64(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            [
                ("gpu-29019".to_string(), 4, Some(55)),
                ("gpu-29075".to_string(), 2, Some(33)),
                ("gpu-29189".to_string(), 3, Some(33)),
                ("gpu-29235".to_string(), 1, Some(15)),
            ]
        );
        assert!(nist::decode(&nist::encode(&r, "2026-03-15T20:00:00Z")).is_err());
        // EML 510: one contest per commune.
        let eml = eml::encode(&r, "2026-03-15T20:00:00Z");
        let root = xml::parse(&eml).expect("well-formed");
        let contests = root
            .path(&["Count", "Election", "Contests"])
            .expect("Contests");
        let selections: Vec<usize> = contests
            .children_named("Contest")
            .map(|c| {
                c.path(&["TotalVotes"])
                    .map_or(0, |t| t.children_named("Selection").count())
            })
            .collect();
        assert_eq!(selections, [4, 2, 3, 1]);
        let err = eml::decode(&eml).expect_err("several contests");
        assert!(err.0[0].message.contains("par commune"), "{err:?}");
        // Open data: each bureau's rows are its commune's lists, by panel.
        let csv = String::from_utf8(opendata::encode(&r)).expect("UTF-8");
        let guipavas: Vec<&str> = csv
            .lines()
            .filter(|l| l.contains(",29075,"))
            .map(|l| l.split(',').nth(21).unwrap_or(""))
            .collect();
        assert_eq!(guipavas.len(), 2 * 4);
        assert!(
            guipavas
                .iter()
                .all(|n| *n == "Guipavas ensemble" || *n == "Agir pour Guipavas")
        );
        // The ministry's file: as many groups as the longest ballot, each
        // row its commune's lists by panel number, its commune's seats.
        let file = ministry::encode_string(&r);
        let mut lines = file.lines();
        let header: Vec<&str> = lines.next().unwrap_or_default().split(';').collect();
        assert!(header.contains(&"Numéro de panneau 4"));
        assert!(!header.contains(&"Numéro de panneau 5"));
        let col = |name: &str| header.iter().position(|h| *h == name).unwrap_or(usize::MAX);
        let guipavas: Vec<Vec<&str>> = lines
            .map(|l| l.split(';').collect::<Vec<_>>())
            .filter(|row| matches!(row.get(col("Code commune")), Some(&"075" | &"29075")))
            .collect();
        assert_eq!(guipavas.len(), 4);
        fn cell<'a>(row: &[&'a str], at: usize) -> &'a str {
            row.get(at).copied().unwrap_or("?")
        }
        for row in &guipavas {
            assert_eq!(row.len(), header.len());
            assert_eq!(
                [
                    cell(row, col("Numéro de panneau 1")),
                    cell(row, col("Numéro de panneau 2"))
                ],
                ["1", "2"]
            );
            assert_eq!(cell(row, col("Numéro de panneau 3")), "");
            let cm: u32 = ["Sièges au CM 1", "Sièges au CM 2"]
                .iter()
                .map(|c| cell(row, col(c)).parse::<u32>().unwrap_or(0))
                .sum();
            assert_eq!(cm, 33);
        }
        // A commune's own results file: its bureaux, its lists, its seats.
        let brest = r.of_commune("29019").expect("Brest");
        assert_eq!(brest.election.check(), Ok(()));
        assert_eq!(brest.election.bureaux.len(), 9);
        assert_eq!(brest.election.candidates.len(), 4);
        assert_eq!(brest.election.cc_seats, Some(40));
        assert!(r.of_commune("29999").is_none());
    }

    #[test]
    fn a_list_s_nuance_has_its_candidates_colour() {
        assert_eq!(default_colour(Some("LUG")), default_colour(Some("UG")));
        assert_eq!(default_colour(Some("ldvd")), default_colour(Some("DVD")));
        assert_eq!(default_colour(Some("LR")), "#0066cc");
        assert_eq!(default_colour(Some("LXYZ")), UNKNOWN_NUANCE);
        assert_eq!(default_colour(None), UNKNOWN_NUANCE);
    }

    #[test]
    fn text_encodings() {
        assert_eq!(
            decode_text("é;a\n".as_bytes()).map(|t| t.1),
            Ok(TextEncoding::Utf8)
        );
        assert_eq!(
            decode_text(b"\xEF\xBB\xBFcode;nom\n").map(|t| t.0),
            Ok("code;nom\n".to_string())
        );
        let latin = to_windows_1252("Hôtel de ville;Écoles\n").expect("encodable");
        assert_eq!(
            decode_text(&latin),
            Ok((
                "Hôtel de ville;Écoles\n".to_string(),
                TextEncoding::Windows1252
            ))
        );
        let err = decode_text(b"a;b\nc;\x01\xE9\n").expect_err("control");
        assert_eq!(err.0[0].line, Some(2));
        assert!(decode_text(b"\xFF\xFEa\x00").is_err());
        assert!(decode_text(b"\xEF\xBB\xBFa\xE9").is_err());
    }

    #[test]
    fn separators_and_headers() {
        assert_eq!(detect_separator("code;nom;adresse\n1;a,b;c"), b';');
        assert_eq!(detect_separator("code,nom,\"a;b\"\n"), b',');
        assert_eq!(detect_separator("\n\ncode\n"), b';');
        assert_eq!(normalise_header(" N°Panneau "), "n panneau");
        assert_eq!(normalise_header("Prénom"), "prenom");
        assert_eq!(normalise_header("% Voix/Exp"), "voix exp");
    }

    #[test]
    fn names_and_codes() {
        let p = Person::from_name("Jean-Luc DE LA TOUR");
        assert_eq!(
            (p.prenom.as_str(), p.nom.as_str()),
            ("Jean-Luc", "DE LA TOUR")
        );
        assert_eq!(p.display_name(), "Jean-Luc DE LA TOUR");
        assert_eq!(Person::from_name("Liste Union").nom, "Liste Union");
        assert_eq!(
            split_insee("13004"),
            Some(("13".to_string(), "004".to_string()))
        );
        assert_eq!(
            split_insee("2A004"),
            Some(("2A".to_string(), "004".to_string()))
        );
        assert_eq!(
            split_insee("97411"),
            Some(("974".to_string(), "11".to_string()))
        );
        assert_eq!(split_insee("COMMUNE"), None);
        assert_eq!(departement_label("13"), Some("Bouches-du-Rhône"));
        for k in ["presidentielle", "municipales", "referendum"] {
            assert_eq!(parse_kind(k).map(kind_slug), Some(k));
        }
    }

    proptest! {
        #[test]
        fn decode_text_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = decode_text(&bytes);
        }

        #[test]
        fn windows_1252_round_trips(s in "[a-zA-Z0-9 ;,éèàçôÉÈ\n]{0,64}") {
            let bytes = to_windows_1252(&s).expect("encodable");
            let (text, _) = decode_text(&bytes).expect("decodes");
            prop_assert_eq!(text, s);
        }
    }
}
