//! The Ministry of the Interior's per-bureau results file.
//!
//! The ministry publishes, for each election, one semicolon-separated row per
//! bureau de vote: the commune's codes, the counts with their percentages
//! (French decimal comma, rounded half-up to two decimals) and then, for each
//! candidate, a group `N°Panneau;Sexe;Nom;Prénom;[Nuance;]Voix;% Voix/Ins;% Voix/Exp`.
//! The header names the first group only; data rows carry one group per
//! candidate. [`decode`] loads such a file (a whole past election, so that a
//! commune can compare) and [`encode`] writes one.
//!
//! Canonical form — what [`encode`] writes, and what round-trips byte for
//! byte (`encode(decode(bytes)) == bytes`):
//! - UTF-8 without byte-order mark, `\n` after every line (the last included);
//! - the header with a single candidate group, `Nuance` present when at least
//!   one candidate has a nuance;
//! - fields quoted only when they contain `;`, `"` or a line break;
//! - one row per bureau that has a procès-verbal, in the election's order,
//!   candidates in ballot order;
//! - percentages recomputed from the counts with [`crate::Percent`], `0,00`
//!   when the denominator is 0.
//!
//! [`decode`] also accepts Windows-1252, CRLF line ends, a BOM and a header
//! that names every group. It checks everything it reads: the counts and the
//! procès-verbal rules, `Abstentions = Inscrits − Votants`, and that each
//! printed percentage is the one the counts give (so a file that passes
//! matches what the ministry prints, to the hundredth). A national file holds
//! every commune: [`MinistryImport::commune`] picks one by INSEE code.
//! List ballots (`N°Liste;Libellé Abrégé Liste…`) are not this format.

use std::collections::BTreeMap;

use super::{
    CommuneMeta, ElectionHeader, FormatError, FormatErrors, Person, ResultsFile, Sexe, Table,
    checked_election, decode_text, default_colour, is_code, normalise_header, parse_count, pct_fr,
    write_record,
};
use crate::model::{
    Bureau, Candidate, CandidateVoix, Election, Perimeter, PerimeterKind, ProcesVerbal,
};
use crate::validate::check_pv;

/// The fixed columns, before the candidate groups.
pub const BASE_HEADER: [&str; 21] = [
    "Code du département",
    "Libellé du département",
    "Code de la circonscription",
    "Libellé de la circonscription",
    "Code de la commune",
    "Libellé de la commune",
    "Code du b.vote",
    "Inscrits",
    "Abstentions",
    "% Abs/Ins",
    "Votants",
    "% Vot/Ins",
    "Blancs",
    "% Blancs/Ins",
    "% Blancs/Vot",
    "Nuls",
    "% Nuls/Ins",
    "% Nuls/Vot",
    "Exprimés",
    "% Exp/Ins",
    "% Exp/Vot",
];

/// A candidate group, with the nuance column.
pub const GROUP_HEADER: [&str; 8] = [
    "N°Panneau",
    "Sexe",
    "Nom",
    "Prénom",
    "Nuance",
    "Voix",
    "% Voix/Ins",
    "% Voix/Exp",
];

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

fn group_columns(nuance: bool) -> Vec<&'static str> {
    GROUP_HEADER
        .iter()
        .copied()
        .filter(|h| nuance || *h != "Nuance")
        .collect()
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

/// Writes the file in canonical form (see the module documentation).
pub fn encode(results: &ResultsFile) -> Vec<u8> {
    encode_string(results).into_bytes()
}

/// [`encode`], as text.
pub fn encode_string(results: &ResultsFile) -> String {
    let e = &results.election;
    let nuance = e.candidates.iter().any(|c| c.nuance.is_some());
    let mut out = String::new();
    let mut header: Vec<&str> = BASE_HEADER.to_vec();
    header.extend(group_columns(nuance));
    write_record(&mut out, &header, ';');
    let m = &results.meta;
    for (b, pv) in results.arrived() {
        let (circ_code, circ_label) = circonscription_of(e, b);
        let abstentions = pv.inscrits - pv.votants;
        let mut row: Vec<String> = vec![
            m.departement_code.clone(),
            m.departement_label.clone(),
            circ_code,
            circ_label,
            m.commune_code.clone(),
            m.commune_label.clone(),
            b.code.clone(),
            pv.inscrits.to_string(),
            abstentions.to_string(),
            pct_fr(abstentions, pv.inscrits),
            pv.votants.to_string(),
            pct_fr(pv.votants, pv.inscrits),
            pv.blancs.to_string(),
            pct_fr(pv.blancs, pv.inscrits),
            pct_fr(pv.blancs, pv.votants),
            pv.nuls.to_string(),
            pct_fr(pv.nuls, pv.inscrits),
            pct_fr(pv.nuls, pv.votants),
            pv.exprimes.to_string(),
            pct_fr(pv.exprimes, pv.inscrits),
            pct_fr(pv.exprimes, pv.votants),
        ];
        for c in &e.candidates {
            let person = results.person(c.number);
            let voix = pv.voix_of(c.number);
            row.push(c.number.to_string());
            row.push(person.sexe.map_or("", Sexe::code).to_string());
            row.push(person.nom);
            row.push(person.prenom);
            if nuance {
                row.push(c.nuance.clone().unwrap_or_default());
            }
            row.push(voix.to_string());
            row.push(pct_fr(voix, pv.inscrits));
            row.push(pct_fr(voix, pv.exprimes));
        }
        write_record(&mut out, &row, ';');
    }
    out
}

/// One candidate group as read.
#[derive(Debug, Clone, PartialEq, Eq)]
struct GroupRead {
    number: u32,
    person: Person,
    nuance: Option<String>,
    voix: i64,
}

struct RowReader<'a> {
    line: u64,
    row: &'a [String],
    header: &'a [String],
    errs: &'a mut Vec<FormatError>,
}

impl RowReader<'_> {
    fn name(&self, i: usize) -> String {
        match self.header.get(i) {
            Some(h) if !h.is_empty() => h.clone(),
            _ => {
                let g = i.saturating_sub(BASE_HEADER.len());
                let w = self.header.len().saturating_sub(BASE_HEADER.len()).max(1);
                format!("candidat {} : colonne {}", g / w + 1, g % w + 1)
            }
        }
    }

    fn text(&self, i: usize) -> &str {
        self.row.get(i).map_or("", String::as_str)
    }

    fn count(&mut self, i: usize) -> Option<i64> {
        let raw = self.text(i);
        let v = parse_count(raw);
        if v.is_none() {
            let msg = format!("« {raw} » n'est pas un nombre entier positif");
            self.errs
                .push(FormatError::at(self.line, self.name(i), msg));
        }
        v
    }

    fn pct(&mut self, i: usize, part: i64, whole: i64) {
        let expected = pct_fr(part, whole);
        let raw = self.text(i);
        if raw != expected {
            let msg = format!("pourcentage « {raw} » inexact : les nombres donnent {expected}");
            self.errs
                .push(FormatError::at(self.line, self.name(i), msg));
        }
    }
}

/// Reads a ministry file (see the module documentation for what is checked).
/// `progress` is told the bytes read so far and the total.
pub fn decode(
    bytes: &[u8],
    import: &MinistryImport,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<ResultsFile, FormatErrors> {
    let (text, encoding) = decode_text(bytes)?;
    let table = Table::read_str(&text, encoding, b';', progress)?;
    decode_table(&table, import)
}

fn decode_table(table: &Table, import: &MinistryImport) -> Result<ResultsFile, FormatErrors> {
    let hl = table.header_line;
    // Header: the fixed columns, then at least one complete group.
    let mut errs = Vec::new();
    for (i, want) in BASE_HEADER.iter().enumerate() {
        let got = table.header.get(i).map_or("", String::as_str);
        if normalise_header(got) != normalise_header(want) {
            errs.push(FormatError::at(
                hl,
                want.to_string(),
                format!(
                    "en-tête inattendu « {got} » en colonne {} : « {want} » attendu",
                    i + 1
                ),
            ));
        }
    }
    if !errs.is_empty() {
        return Err(FormatErrors(errs));
    }
    let rest: Vec<&str> = table.header[BASE_HEADER.len()..]
        .iter()
        .map(String::as_str)
        .collect();
    let nuance = rest.get(4).is_some_and(|h| normalise_header(h) == "nuance");
    let group = group_columns(nuance);
    let named = rest
        .iter()
        .rposition(|h| !h.trim().is_empty())
        .map_or(0, |p| p + 1);
    if named == 0 || named % group.len() != 0 {
        return Err(FormatErrors::one(FormatError::line(
            hl,
            format!(
                "l'en-tête doit se poursuivre par des groupes « {} »",
                group.join(";")
            ),
        )));
    }
    for (i, h) in rest[..named].iter().enumerate() {
        let want = group[i % group.len()];
        if normalise_header(h) != normalise_header(want) {
            errs.push(FormatError::at(
                hl,
                want,
                format!(
                    "en-tête inattendu « {h} » en colonne {} : « {want} » attendu",
                    BASE_HEADER.len() + i + 1
                ),
            ));
        }
    }
    if !errs.is_empty() {
        return Err(FormatErrors(errs));
    }
    let width = group.len();
    let offset = if nuance { 1 } else { 0 };

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
            errs: &mut errs,
        };
        let insee = format!("{}{}", r.text(0), r.text(4));
        if let Some(wanted) = &import.commune
            && *wanted != insee
        {
            continue;
        }
        let extra = row.len().saturating_sub(BASE_HEADER.len());
        if row.len() < BASE_HEADER.len() + width || extra % width != 0 {
            r.errs.push(FormatError::line(
                line,
                format!(
                    "{} colonnes : il en faut {} puis {width} par candidat",
                    row.len(),
                    BASE_HEADER.len()
                ),
            ));
            continue;
        }
        let row_meta = CommuneMeta {
            departement_code: r.text(0).to_string(),
            departement_label: r.text(1).to_string(),
            commune_code: r.text(4).to_string(),
            commune_label: r.text(5).to_string(),
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
        let code = r.text(6).to_string();
        let mut ok = true;
        if !is_code(&code) {
            let msg = format!(
                "code de bureau invalide « {code} » (1 à 32 caractères parmi A-Z, a-z, 0-9, - et _)"
            );
            r.errs.push(FormatError::at(line, r.name(6), msg));
            ok = false;
        } else if let Some(first) = bureau_lines.get(&code) {
            let msg = format!("le bureau {code} figure déjà ligne {first}");
            r.errs.push(FormatError::at(line, r.name(6), msg));
            ok = false;
        }
        // Circonscription.
        let (circ_code, circ_label) = (r.text(2).to_string(), r.text(3).to_string());
        let mut perimeters = Vec::new();
        if !circ_code.is_empty() {
            let pcode = format!("{CIRCONSCRIPTION_PREFIX}{circ_code}");
            if !is_code(&pcode) {
                let msg = format!("code de circonscription invalide « {circ_code} »");
                r.errs.push(FormatError::at(line, r.name(2), msg));
                ok = false;
            } else if let Some(existing) = circs.iter().find(|p| p.code == pcode) {
                if existing.name != circ_label {
                    let first = circ_lines.get(&pcode).copied().unwrap_or(0);
                    let msg = format!(
                        "la circonscription {circ_code} s'appelle « {} » ligne {first}",
                        existing.name
                    );
                    r.errs.push(FormatError::at(line, r.name(3), msg));
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
            r.count(7),
            r.count(8),
            r.count(10),
            r.count(12),
            r.count(15),
            r.count(18),
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
            r.errs.push(FormatError::at(line, r.name(7), msg));
            continue;
        };
        if abstentions != inscrits - votants {
            let msg = format!(
                "{abstentions} abstentions, mais inscrits − votants = {}",
                inscrits - votants
            );
            r.errs.push(FormatError::at(line, r.name(8), msg));
        }
        r.pct(9, abstentions, inscrits);
        r.pct(11, votants, inscrits);
        r.pct(13, blancs, inscrits);
        r.pct(14, blancs, votants);
        r.pct(16, nuls, inscrits);
        r.pct(17, nuls, votants);
        r.pct(19, exprimes, inscrits);
        r.pct(20, exprimes, votants);
        // Candidate groups.
        let mut groups = Vec::new();
        for g in 0..extra / width {
            let at = BASE_HEADER.len() + g * width;
            let number_raw = r.text(at).to_string();
            let number = match number_raw.parse::<u32>() {
                Ok(n) if n >= 1 && number_raw.bytes().all(|b| b.is_ascii_digit()) => n,
                _ => {
                    let msg = format!("« {number_raw} » n'est pas un numéro de panneau");
                    r.errs.push(FormatError::at(line, r.name(at), msg));
                    ok = false;
                    continue;
                }
            };
            let sexe_raw = r.text(at + 1);
            let sexe = match sexe_raw {
                "" => None,
                s => match Sexe::parse(s) {
                    Some(s) => Some(s),
                    None => {
                        let msg = format!("sexe « {sexe_raw} » inconnu (M ou F)");
                        r.errs.push(FormatError::at(line, r.name(at + 1), msg));
                        ok = false;
                        None
                    }
                },
            };
            let person = Person {
                nom: r.text(at + 2).to_string(),
                prenom: r.text(at + 3).to_string(),
                sexe,
            };
            if person.display_name().trim().is_empty() {
                let msg = format!("le candidat n° {number} n'a pas de nom");
                r.errs.push(FormatError::at(line, r.name(at + 2), msg));
                ok = false;
            }
            let nuance = if nuance {
                let n = r.text(at + 4);
                (!n.is_empty()).then(|| n.to_string())
            } else {
                None
            };
            let Some(voix) = r.count(at + 4 + offset) else {
                ok = false;
                continue;
            };
            r.pct(at + 5 + offset, voix, inscrits);
            r.pct(at + 6 + offset, voix, exprimes);
            groups.push(GroupRead {
                number,
                person,
                nuance,
                voix,
            });
        }
        let same_ballot = |a: &[GroupRead], b: &[GroupRead]| {
            a.len() == b.len()
                && a.iter().zip(b).all(|(x, y)| {
                    x.number == y.number && x.person == y.person && x.nuance == y.nuance
                })
        };
        if !ok {
            continue;
        }
        match &ballot {
            None => {
                let mut numbers: Vec<u32> = groups.iter().map(|g| g.number).collect();
                numbers.sort_unstable();
                numbers.dedup();
                if numbers.len() != groups.len() {
                    r.errs.push(FormatError::line(
                        line,
                        "un numéro de panneau figure deux fois",
                    ));
                    continue;
                }
                ballot = Some((groups.clone(), line));
            }
            Some((first, first_line)) if !same_ballot(first, &groups) => {
                let msg = format!(
                    "les candidats (numéros, noms, nuances) diffèrent de ceux de la ligne {first_line}"
                );
                r.errs.push(FormatError::line(line, msg));
                continue;
            }
            Some(_) => {}
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
            name: g.person.display_name(),
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
    let people = groups.into_iter().map(|g| (g.number, g.person)).collect();
    FormatErrors::or(
        errs,
        ResultsFile {
            meta,
            election,
            pvs,
            people,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::testing::{arb_results, header_of};
    use crate::formats::to_windows_1252;
    use crate::model::ElectionKind;
    use proptest::prelude::*;

    fn import() -> MinistryImport {
        MinistryImport {
            header: ElectionHeader {
                id: "presidentielle-2022-t1".into(),
                label: "Présidentielle 2022, 1er tour".into(),
                kind: ElectionKind::Presidentielle,
                round: 1,
                date: "2022-04-10".into(),
            },
            commune: None,
        }
    }

    const FIXTURE: &str = include_str!("../../fixtures/ministry-sample.csv");

    #[test]
    fn fixture_round_trips_byte_for_byte() {
        let r = decode(FIXTURE.as_bytes(), &import(), &mut |_, _| {}).expect("valid fixture");
        assert_eq!(r.meta.insee(), "13004");
        assert_eq!(r.meta.departement_label, "Bouches-du-Rhône");
        assert_eq!(r.election.bureaux.len(), 3);
        assert_eq!(r.election.candidates.len(), 3);
        assert_eq!(r.election.candidates[0].name, "Nathalie ARNAUD");
        assert_eq!(r.people[&1].sexe, Some(Sexe::F));
        assert_eq!(r.election.perimeters[1].code, "CIRC-15");
        assert_eq!(encode_string(&r), FIXTURE);
        // Windows-1252 and CRLF are read the same way.
        let latin = to_windows_1252(&FIXTURE.replace('\n', "\r\n")).expect("encodable");
        let again = decode(&latin, &import(), &mut |_, _| {}).expect("valid");
        assert_eq!(again, r);
    }

    #[test]
    fn wrong_percentages_and_sums_are_reported_with_line_and_column() {
        let bad = FIXTURE
            .replacen(";29,15;", ";29,16;", 1)
            .replace("0002;1200;400", "0002;1200;401");
        let errs = decode(bad.as_bytes(), &import(), &mut |_, _| {}).expect_err("invalid");
        let shown: Vec<String> = errs.0.iter().map(ToString::to_string).collect();
        assert!(
            shown
                .iter()
                .any(|s| s.starts_with("ligne 3, colonne « Abstentions »")),
            "{shown:?}"
        );
        assert!(
            shown
                .iter()
                .any(|s| s.starts_with("ligne 2, colonne « % Abs/Ins »") && s.contains("29,16")),
            "{shown:?}"
        );
    }

    #[test]
    fn filters_one_commune_of_a_national_file() {
        let mut lines: Vec<&str> = FIXTURE.lines().collect();
        let other = lines[1].replace(";004;Valbonne-sur-Rhône;0001;", ";005;Autre;0001;");
        lines.push(&other);
        let two = lines.join("\n") + "\n";
        let errs = decode(two.as_bytes(), &import(), &mut |_, _| {}).expect_err("two communes");
        assert!(errs.0[0].message.contains("code INSEE"), "{}", errs);
        let mut one = import();
        one.commune = Some("13005".into());
        let r = decode(two.as_bytes(), &one, &mut |_, _| {}).expect("one commune");
        assert_eq!(r.election.bureaux.len(), 1);
        assert_eq!(r.meta.commune_label, "Autre");
    }

    #[test]
    fn header_with_every_group_named_is_accepted() {
        let mut lines: Vec<String> = FIXTURE.lines().map(str::to_string).collect();
        let group = group_columns(false).join(";");
        lines[0] = format!("{};{group};{group}", lines[0]);
        let text = lines.join("\n") + "\n";
        let r = decode(text.as_bytes(), &import(), &mut |_, _| {}).expect("valid");
        assert_eq!(encode_string(&r), FIXTURE);
    }

    proptest! {
        #[test]
        fn decode_inverts_encode(x in arb_results()) {
            let bytes = encode(&x);
            let imp = MinistryImport { header: header_of(&x.election), commune: None };
            let back = decode(&bytes, &imp, &mut |_, _| {});
            prop_assert_eq!(back.as_ref().ok(), Some(&x), "{:?}", back.as_ref().err());
            // and the bytes are canonical
            prop_assert_eq!(back.map(|b| encode(&b)).ok(), Some(bytes));
        }

        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = decode(&bytes, &import(), &mut |_, _| {});
        }

        #[test]
        fn decode_never_panics_on_mutated_files(pos in 0usize..2000, byte in any::<u8>(), cut in 0usize..2000) {
            let mut bytes = FIXTURE.as_bytes().to_vec();
            let n = bytes.len();
            bytes[pos % n] = byte;
            bytes.truncate(cut.max(1) % (n + 1));
            let _ = decode(&bytes, &import(), &mut |_, _| {});
        }
    }
}
