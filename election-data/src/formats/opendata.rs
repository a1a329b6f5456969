//! Open-data CSV: one row per bureau × candidate.
//!
//! The shape open-data portals and spreadsheet users expect: UTF-8 without
//! BOM, `,` between fields (quoted only when needed), `\n` line ends, a
//! decimal point, and every row self-contained. Columns, in order:
//!
//! | column | content |
//! |---|---|
//! | `id_election` | Urne's election id |
//! | `libelle_election` | the election's label |
//! | `type` | `presidentielle`, `legislatives`, `europeennes`, `regionales`, `departementales`, `municipales`, `communautaires`, `referendum` |
//! | `tour` | 1 or 2 |
//! | `date` | polling day, `AAAA-MM-JJ` |
//! | `code_departement`, `libelle_departement` | as the ministry writes them |
//! | `code_commune` | INSEE code of the commune |
//! | `libelle_commune` | |
//! | `code_circonscription`, `libelle_circonscription` | empty when the bureau is in none |
//! | `code_bureau`, `libelle_bureau` | |
//! | `inscrits`, `votants`, `abstentions`, `blancs`, `nuls`, `exprimes` | the bureau's counts |
//! | `pct_votants_inscrits` | participation, two decimals, rounded half-up |
//! | `numero_panneau` | the candidate's ballot-panel number |
//! | `candidat` | display name |
//! | `nom`, `prenom`, `sexe` | family name, given name, `M` / `F` / empty |
//! | `nuance`, `couleur` | nuance code (may be empty), display colour `#rrggbb` |
//! | `voix` | |
//! | `pct_voix_inscrits`, `pct_voix_exprimes` | two decimals, rounded half-up |
//!
//! Only bureaux with a procès-verbal appear, in the election's order, and
//! their candidates in ballot order. [`decode`] reads it back (the perimeters
//! other than circonscriptions, addresses and turnout are not carried).

use std::collections::BTreeMap;

use super::{
    CommuneMeta, ElectionHeader, FormatError, FormatErrors, Person, ResultsFile, Sexe, Table,
    TextEncoding, checked_election, decode_text, is_code, is_colour, kind_slug, parse_count,
    parse_kind, pct_dot, write_record,
};
use crate::model::{Bureau, Candidate, CandidateVoix, Perimeter, PerimeterKind, ProcesVerbal};

pub const HEADER: [&str; 30] = [
    "id_election",
    "libelle_election",
    "type",
    "tour",
    "date",
    "code_departement",
    "libelle_departement",
    "code_commune",
    "libelle_commune",
    "code_circonscription",
    "libelle_circonscription",
    "code_bureau",
    "libelle_bureau",
    "inscrits",
    "votants",
    "abstentions",
    "blancs",
    "nuls",
    "exprimes",
    "pct_votants_inscrits",
    "numero_panneau",
    "candidat",
    "nom",
    "prenom",
    "sexe",
    "nuance",
    "couleur",
    "voix",
    "pct_voix_inscrits",
    "pct_voix_exprimes",
];

fn header() -> &'static [&'static str] {
    &HEADER
}

/// Writes the file.
pub fn encode(results: &ResultsFile) -> Vec<u8> {
    let e = &results.election;
    let mut out = String::new();
    write_record(&mut out, header(), ',');
    for (b, pv) in results.arrived() {
        let m = &results.commune_meta(b);
        let within = e.perimeters_of(b);
        let circ = e
            .perimeters
            .iter()
            .find(|p| p.kind == PerimeterKind::Circonscription && within.contains(&p.code));
        let (circ_code, circ_label) = circ.map_or((String::new(), String::new()), |p| {
            (
                super::circonscription_code(&p.code).to_string(),
                p.name.clone(),
            )
        });
        for c in e.ballot(b) {
            let p = results.person(c.number);
            let voix = pv.voix_of(c.number);
            let row = [
                e.id.clone(),
                e.label.clone(),
                kind_slug(e.kind).to_string(),
                e.round.to_string(),
                e.date.clone(),
                m.departement_code.clone(),
                m.departement_label.clone(),
                m.insee(),
                m.commune_label.clone(),
                circ_code.clone(),
                circ_label.clone(),
                e.bureau_number(b).to_string(),
                b.name.clone(),
                pv.inscrits.to_string(),
                pv.votants.to_string(),
                (pv.inscrits - pv.votants).to_string(),
                pv.blancs.to_string(),
                pv.nuls.to_string(),
                pv.exprimes.to_string(),
                pct_dot(pv.votants, pv.inscrits),
                c.panel_number().to_string(),
                c.name.clone(),
                p.nom,
                p.prenom,
                p.sexe.map_or("", Sexe::code).to_string(),
                c.nuance.clone().unwrap_or_default(),
                c.colour.clone(),
                voix.to_string(),
                pct_dot(voix, pv.inscrits),
                pct_dot(voix, pv.exprimes),
            ];
            write_record(&mut out, &row, ',');
        }
    }
    out.into_bytes()
}

/// Reads a file written by [`encode`]. Every row is checked (counts,
/// percentages, one commune, one election, the same ballot everywhere).
pub fn decode(bytes: &[u8]) -> Result<ResultsFile, FormatErrors> {
    let (text, encoding) = decode_text(bytes)?;
    if encoding != TextEncoding::Utf8 {
        return Err(FormatErrors::one(FormatError::file(
            "le fichier open data doit être en UTF-8",
        )));
    }
    let table = Table::read_str(&text, encoding, b',', &mut |_, _| {})?;
    if table
        .header
        .iter()
        .map(String::as_str)
        .ne(header().iter().copied())
    {
        return Err(FormatErrors::one(FormatError::line(
            table.header_line,
            format!("en-tête attendu : {}", header().join(",")),
        )));
    }
    let mut errs = Vec::new();
    // Constant columns: election and commune (0..=8).
    let mut constant: Option<(Vec<String>, u64)> = None;
    let mut bureaux: Vec<Bureau> = Vec::new();
    let mut pvs: BTreeMap<String, ProcesVerbal> = BTreeMap::new();
    let mut bureau_rows: BTreeMap<String, (Vec<String>, u64)> = BTreeMap::new();
    let mut circs: Vec<Perimeter> = Vec::new();
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut people: BTreeMap<u32, Person> = BTreeMap::new();
    let mut first_bureau: Option<String> = None;
    for (line, row) in &table.rows {
        let line = *line;
        if row.len() != header().len() {
            errs.push(FormatError::line(
                line,
                format!("{} colonnes au lieu de {}", row.len(), header().len()),
            ));
            continue;
        }
        let f = |i: usize| row[i].as_str();
        let head: Vec<String> = row[..9].to_vec();
        match &constant {
            None => constant = Some((head, line)),
            Some((c, first)) if *c != head => {
                errs.push(FormatError::line(
                    line,
                    format!("élection ou commune différente de celle de la ligne {first}"),
                ));
                continue;
            }
            Some(_) => {}
        }
        let code = f(11).to_string();
        if !is_code(&code) {
            errs.push(FormatError::at(
                line,
                "code_bureau",
                format!("code de bureau invalide « {code} »"),
            ));
            continue;
        }
        // Bureau columns (9..=19) are the same on every row of the bureau.
        let bureau_cols: Vec<String> = row[9..20].to_vec();
        let mut counts = [0i64; 6];
        let mut ok = true;
        for (k, i) in (13..19).enumerate() {
            match parse_count(f(i)) {
                Some(v) => counts[k] = v,
                None => {
                    errs.push(FormatError::at(
                        line,
                        header()[i],
                        format!("« {} » n'est pas un nombre entier positif", f(i)),
                    ));
                    ok = false;
                }
            }
        }
        let number = f(20)
            .parse::<u32>()
            .ok()
            .filter(|n| *n >= 1 && f(20).bytes().all(|b| b.is_ascii_digit()));
        let voix = parse_count(f(27));
        let (Some(number), Some(voix)) = (number, voix) else {
            errs.push(FormatError::line(
                line,
                "numéro de panneau ou voix invalide",
            ));
            continue;
        };
        if !ok {
            continue;
        }
        let [inscrits, votants, abstentions, blancs, nuls, exprimes] = counts;
        if abstentions != inscrits - votants {
            errs.push(FormatError::at(
                line,
                "abstentions",
                "abstentions différentes de inscrits − votants",
            ));
        }
        for (i, part, whole) in [
            (19, votants, inscrits),
            (28, voix, inscrits),
            (29, voix, exprimes),
        ] {
            if f(i) != pct_dot(part, whole) {
                errs.push(FormatError::at(
                    line,
                    header()[i],
                    format!(
                        "pourcentage « {} » inexact : les nombres donnent {}",
                        f(i),
                        pct_dot(part, whole)
                    ),
                ));
            }
        }
        let sexe = match f(24) {
            "" => None,
            s => match Sexe::parse(s) {
                Some(s) => Some(s),
                None => {
                    errs.push(FormatError::at(
                        line,
                        "sexe",
                        format!("sexe « {s} » inconnu (M ou F)"),
                    ));
                    continue;
                }
            },
        };
        if !is_colour(f(26)) {
            errs.push(FormatError::at(
                line,
                "couleur",
                format!("couleur « {} » invalide", f(26)),
            ));
            continue;
        }
        let candidate = Candidate {
            number,
            name: f(21).to_string(),
            nuance: (!f(25).is_empty()).then(|| f(25).to_string()),
            colour: f(26).to_string(),
            list_size: None,
            cc_list_size: None,
            commune: None,
            panel: None,
            sexe: None,
        };
        let person = Person {
            nom: f(22).to_string(),
            prenom: f(23).to_string(),
            sexe,
        };
        if first_bureau.is_none() {
            first_bureau = Some(code.clone());
        }
        if first_bureau.as_deref() == Some(code.as_str()) {
            if candidates.iter().any(|c| c.number == number) {
                errs.push(FormatError::at(
                    line,
                    "numero_panneau",
                    format!("le panneau {number} figure deux fois"),
                ));
                continue;
            }
            candidates.push(candidate);
            people.insert(number, person);
        } else {
            let pos = pvs.get(&code).map_or(0, |pv| pv.voix.len());
            let same = candidates.get(pos).is_some_and(|c| *c == candidate)
                && people.get(&number) == Some(&person);
            if !same {
                errs.push(FormatError::line(line, "les candidats diffèrent de ceux du premier bureau (ordre, nom, nuance, couleur)"));
                continue;
            }
        }
        match bureau_rows.get(&code) {
            None => {
                if pvs.contains_key(&code) {
                    continue;
                }
                let mut own = Vec::new();
                if !f(9).is_empty() {
                    let pcode = format!("{}{}", super::ministry::CIRCONSCRIPTION_PREFIX, f(9));
                    match circs.iter().find(|p| p.code == pcode) {
                        Some(p) if p.name != f(10) => {
                            errs.push(FormatError::at(
                                line,
                                "libelle_circonscription",
                                "libellé différent pour la même circonscription",
                            ));
                            continue;
                        }
                        Some(_) => {}
                        None => circs.push(Perimeter {
                            code: pcode.clone(),
                            name: f(10).to_string(),
                            kind: PerimeterKind::Circonscription,
                            parent: None,
                            population: None,
                            cc_seats: None,
                        }),
                    }
                    own.push(pcode);
                }
                bureau_rows.insert(code.clone(), (bureau_cols, line));
                bureaux.push(Bureau {
                    code: code.clone(),
                    name: f(12).to_string(),
                    address: None,
                    inscrits: u32::try_from(inscrits).unwrap_or(u32::MAX),
                    perimeters: own,
                });
                pvs.insert(
                    code.clone(),
                    ProcesVerbal {
                        inscrits,
                        votants,
                        blancs,
                        nuls,
                        exprimes,
                        voix: Vec::new(),
                        turnout: Vec::new(),
                    },
                );
            }
            Some((cols, first)) if *cols != bureau_cols => {
                errs.push(FormatError::line(
                    line,
                    format!("le bureau {code} a d'autres chiffres ligne {first}"),
                ));
                continue;
            }
            Some(_) => {}
        }
        if let Some(pv) = pvs.get_mut(&code) {
            pv.voix.push(CandidateVoix {
                candidate: number,
                voix,
            });
        }
    }
    for pv in pvs.values() {
        if pv.voix.len() != candidates.len() {
            errs.push(FormatError::file(
                "un bureau n'a pas une ligne par candidat",
            ));
            break;
        }
    }
    let Some((head, _)) = constant else {
        errs.push(FormatError::file(
            "le fichier ne contient aucune ligne de résultats",
        ));
        return Err(FormatErrors(errs));
    };
    if !errs.is_empty() {
        return Err(FormatErrors(errs));
    }
    let kind = parse_kind(&head[2])
        .ok_or_else(|| FormatErrors::one(FormatError::at(2, "type", "type d'élection inconnu")))?;
    let round = head[3].parse::<u8>().unwrap_or(0);
    let (departement_code, commune_code) = match head[7].strip_prefix(head[5].as_str()) {
        Some(rest) => (head[5].clone(), rest.to_string()),
        None => {
            return Err(FormatErrors::one(FormatError::at(
                2,
                "code_commune",
                "le code INSEE ne commence pas par le code du département",
            )));
        }
    };
    let meta = CommuneMeta {
        departement_code,
        departement_label: head[6].clone(),
        commune_code,
        commune_label: head[8].clone(),
    };
    let root = if is_code(&head[7]) {
        head[7].clone()
    } else {
        "COMMUNE".to_string()
    };
    let mut perimeters = vec![Perimeter {
        code: root.clone(),
        name: head[8].clone(),
        kind: PerimeterKind::Commune,
        parent: None,
        population: None,
        cc_seats: None,
    }];
    perimeters.extend(circs.into_iter().map(|mut p| {
        p.parent = Some(root.clone());
        p
    }));
    let h = ElectionHeader {
        id: head[0].clone(),
        label: head[1].clone(),
        kind,
        round,
        date: head[4].clone(),
    };
    let election = checked_election(&h, Vec::new(), perimeters, bureaux, candidates)?;
    Ok(ResultsFile {
        meta,
        election,
        pvs,
        people,
        printed: BTreeMap::new(),
        departements: BTreeMap::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::testing::arb_results;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn decode_inverts_encode(x in arb_results()) {
            let bytes = encode(&x);
            let back = decode(&bytes);
            prop_assert_eq!(back.as_ref().ok(), Some(&x), "{:?}", back.as_ref().err());
            prop_assert_eq!(back.map(|b| encode(&b)).ok(), Some(bytes));
        }

        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = decode(&bytes);
        }
    }

    #[test]
    fn one_row_per_bureau_and_candidate() {
        let r = ResultsFile::sample(crate::fixtures::sample_commune(), 3);
        let text = String::from_utf8(encode(&r)).expect("utf-8");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 1 + 3 * 12);
        assert_eq!(lines[0], header().join(","));
        assert!(lines[1].starts_with("presidentielle-2027-t1,Élection présidentielle 2027 — 1er tour,presidentielle,1,2027-04-11,"));
        assert!(text.ends_with('\n'));
    }
}
