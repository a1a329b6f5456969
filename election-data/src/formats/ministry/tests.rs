//! The ministry codec against fixtures in every layout, their spreadsheet
//! copies, and random results.

use super::*;
use crate::formats::testing::{arb_results, header_of};
use crate::formats::to_windows_1252;
use crate::model::{ElectionKind, PerimeterKind};
use proptest::prelude::*;

fn import_for(kind: ElectionKind, date: &str) -> MinistryImport {
    MinistryImport {
        header: ElectionHeader {
            id: "import".into(),
            label: "Élection importée".into(),
            kind,
            round: 1,
            date: date.into(),
        },
        filter: Filter::default(),
    }
}

fn import() -> MinistryImport {
    import_for(ElectionKind::Presidentielle, "2022-04-10")
}

const FIXTURE: &str = include_str!("../../../fixtures/ministry-sample.csv");

/// Each layout's fixture, its spreadsheet copy, and the election it is of.
fn fixtures() -> Vec<(
    &'static str,
    &'static str,
    &'static str,
    Layout,
    MinistryImport,
)> {
    vec![
        (
            "candidats-2014.csv",
            include_str!("../../../fixtures/ministry/candidats-2014.csv"),
            include_str!("../../../fixtures/ministry/candidats-2014-tableur.csv"),
            Layout::Candidates2014 {
                circonscription: true,
                nuance: true,
            },
            import_for(ElectionKind::Legislatives, "2022-06-12"),
        ),
        (
            "candidats-2024.csv",
            include_str!("../../../fixtures/ministry/candidats-2024.csv"),
            include_str!("../../../fixtures/ministry/candidats-2024-tableur.csv"),
            Layout::Candidates2024,
            import_for(ElectionKind::Legislatives, "2024-06-30"),
        ),
        (
            "listes-2024.csv",
            include_str!("../../../fixtures/ministry/listes-2024.csv"),
            include_str!("../../../fixtures/ministry/listes-2024-tableur.csv"),
            Layout::Lists2024,
            import_for(ElectionKind::Municipales, "2026-03-15"),
        ),
        (
            "europeennes-2019.csv",
            include_str!("../../../fixtures/ministry/europeennes-2019.csv"),
            include_str!("../../../fixtures/ministry/europeennes-2019-tableur.csv"),
            Layout::Europeennes2019,
            import_for(ElectionKind::Europeennes, "2019-05-26"),
        ),
        (
            "municipales-2020.csv",
            include_str!("../../../fixtures/ministry/municipales-2020.csv"),
            include_str!("../../../fixtures/ministry/municipales-2020-tableur.csv"),
            Layout::Municipales2020,
            import_for(ElectionKind::Municipales, "2020-03-15"),
        ),
    ]
}

fn shown(errs: &FormatErrors) -> Vec<String> {
    errs.0.iter().map(ToString::to_string).collect()
}

#[test]
fn every_layout_round_trips_byte_for_byte_and_exports_in_its_year() {
    for (name, text, _, layout, imp) in fixtures() {
        let (read, r) = decode_layout(text.as_bytes(), &imp, &mut |_, _| {})
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(read, layout, "{name}");
        assert_eq!(r.meta.insee(), "13004", "{name}");
        assert_eq!(r.election.bureaux.len(), 3, "{name}");
        assert_eq!(r.election.bureaux[0].code, "0001", "{name}");
        assert_eq!(
            encode_as(&r, layout),
            text,
            "{name}: encode_as(decode(bytes)) == bytes"
        );
        // The election's year and kind choose the same layout.
        assert_eq!(
            encode_string(&r),
            text,
            "{name}: encode(decode(bytes)) == bytes"
        );
    }
}

#[test]
fn what_each_layout_tells_about_lists() {
    let all = fixtures();
    let (_, lists, _, _, imp) = &all[2];
    let r = decode(lists.as_bytes(), imp, &mut |_, _| {}).expect("lists 2024");
    assert_eq!(r.election.candidates.len(), 4);
    assert_eq!(
        r.election.candidates[0].name,
        "Valbonne en commun ; pour une ville solidaire"
    );
    assert_eq!(r.election.candidates[0].nuance.as_deref(), Some("LUG"));
    assert_eq!(r.people[&1].nom, "ARNAUD");
    assert_eq!(r.people[&1].sexe, Some(Sexe::F));
    assert_eq!(r.printed[&1].short_label, "VALBONNE EN COMMUN");
    assert_eq!(r.printed[&2].sieges_cm, Some(18));
    assert_eq!(r.printed[&2].sieges_cc, Some(4));
    let (_, euro, _, _, imp) = &all[3];
    let r = decode(euro.as_bytes(), imp, &mut |_, _| {}).expect("européennes");
    assert_eq!(r.people[&3].nom, "CHEVALIER Sophie");
    assert_eq!(
        r.election.candidates[2].name,
        "Valbonne d'abord, \"vraiment\""
    );
    let (_, mun, _, _, imp) = &all[4];
    let r = decode(mun.as_bytes(), imp, &mut |_, _| {}).expect("municipales 2020");
    assert_eq!(r.printed[&2].sieges_cm, Some(18));
    assert_eq!(r.printed[&2].sieges_secteur, None);
    assert_eq!(r.pvs["0002"].voix_of(4), 115);
}

#[test]
fn a_file_saved_by_a_spreadsheet_imports_to_the_same_election() {
    for (name, text, saved, layout, imp) in fixtures() {
        assert!(
            saved.contains("\r\n") && saved.contains(";1;"),
            "{name}: codes without zeros"
        );
        let r = decode(text.as_bytes(), &imp, &mut |_, _| {}).expect("canonical");
        let s = decode(saved.as_bytes(), &imp, &mut |_, _| {})
            .unwrap_or_else(|e| panic!("{name} saved by a spreadsheet: {e}"));
        assert_eq!(s, r, "{name}");
        assert_eq!(
            encode_as(&s, layout),
            text,
            "{name}: exported again in canonical form"
        );
    }
    // `1,1` for `1,10` and `1` for `1,00` are in the copies.
    let all = fixtures();
    assert!(all[1].2.contains(";1%;"), "a 1,00% shortened to 1%");
    assert!(all[0].2.contains(";0,9;"), "a 0,90 shortened to 0,9");
}

#[test]
fn the_ministrys_rounding_of_an_exact_tie_is_accepted_and_nothing_else() {
    let all = fixtures();
    let (_, lists, _, layout, imp) = &all[2];
    // 205 / 800 = 25.625 %: the ministry printed 25,62%.
    assert!(lists.contains(";205;17,08%;25,63%;"));
    let ministry = lists.replacen(";205;17,08%;25,63%;", ";205;17,08%;25,62%;", 1);
    let r = decode(ministry.as_bytes(), imp, &mut |_, _| {}).expect("the tie rounded down");
    // Urne writes its own exact half-up figure.
    assert_eq!(encode_as(&r, *layout), *lists);
    let wrong = lists.replacen(";205;17,08%;25,63%;", ";205;17,08%;25,61%;", 1);
    let errs = decode(wrong.as_bytes(), imp, &mut |_, _| {}).expect_err("not a tie's rounding");
    assert_eq!(
        shown(&errs),
        vec![
            "ligne 3, colonne « % Voix/exprimés 1 » : pourcentage « 25,61% » inexact : les nombres donnent 25,63"
        ]
    );
}

#[test]
fn groups_in_any_order_and_empty_trailing_groups_are_read() {
    let all = fixtures();
    let (_, text, _, layout, imp) = &all[1];
    let width = layout.group().len();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // Two unused groups named in the header, left empty on every row.
    let base = layout.base().len();
    lines[0] = layout.header(5).join(";");
    for (i, l) in lines.iter_mut().enumerate().skip(1) {
        let cells: Vec<&str> = l.split(';').collect();
        // The first row gives the ballot's order; the others have
        // candidates 3, 1, 2.
        let g = |k: usize| cells[base + k * width..base + (k + 1) * width].join(";");
        let order = if i == 1 { [0, 1, 2] } else { [2, 0, 1] };
        *l = format!(
            "{};{};{};{}{}",
            cells[..base].join(";"),
            g(order[0]),
            g(order[1]),
            g(order[2]),
            ";".repeat(2 * width)
        );
    }
    let shuffled = lines.join("\n") + "\n";
    let r = decode(shuffled.as_bytes(), imp, &mut |_, _| {}).expect("shuffled, with empty groups");
    assert_eq!(encode_as(&r, *layout), *text);
}

#[test]
fn wrong_percentages_and_sums_are_reported_with_line_and_column() {
    let bad = FIXTURE
        .replacen(";29,15;", ";29,16;", 1)
        .replace("0002;1200;400", "0002;1200;401");
    let errs = decode(bad.as_bytes(), &import(), &mut |_, _| {}).expect_err("invalid");
    let shown = shown(&errs);
    assert!(
        shown
            .iter()
            .any(|s| s.starts_with("ligne 3, colonne « Abstentions »")),
        "{shown:?}"
    );
    assert!(
        shown.iter().any(|s| s
            == "ligne 2, colonne « % Abs/Ins » : pourcentage « 29,16 » inexact : les nombres donnent 29,15"),
        "{shown:?}"
    );
}

#[test]
fn every_bad_row_of_every_layout_is_refused_with_line_and_column() {
    for (name, text, _, _, imp) in fixtures() {
        let lines: Vec<&str> = text.lines().collect();
        // A count that is not a number, on the third row.
        let cells: Vec<&str> = lines[3].split(';').collect();
        let inscrits_col = lines[0]
            .split(';')
            .position(|h| h == "Inscrits")
            .expect("Inscrits");
        let mut bad: Vec<String> = cells.iter().map(|c| c.to_string()).collect();
        bad[inscrits_col] = "83O".into();
        let mut file: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        file[3] = bad.join(";");
        let text = file.join("\n") + "\n";
        let errs = decode(text.as_bytes(), &imp, &mut |_, _| {}).expect_err(name);
        assert_eq!(
            shown(&errs),
            vec!["ligne 4, colonne « Inscrits » : « 83O » n'est pas un nombre entier positif"],
            "{name}"
        );
    }
}

#[test]
fn a_candidate_that_differs_between_rows_names_both_values() {
    let all = fixtures();
    let (_, text, _, _, imp) = &all[2];
    let bad = text.replacen(";18;4;3;CHEVALIER", ";17;4;3;CHEVALIER", 1);
    let errs = decode(bad.as_bytes(), imp, &mut |_, _| {}).expect_err("seats differ");
    assert_eq!(
        shown(&errs),
        vec![
            "ligne 3, colonne « Sièges au CM 2 » : candidat n° 2 : « 18 », mais « 17 » ligne 2",
            "ligne 4, colonne « Sièges au CM 2 » : candidat n° 2 : « 18 », mais « 17 » ligne 2"
        ]
    );
}

#[test]
fn windows_1252_and_crlf_are_read_the_same_way() {
    let r = decode(FIXTURE.as_bytes(), &import(), &mut |_, _| {}).expect("valid fixture");
    assert_eq!(r.meta.departement_label, "Bouches-du-Rhône");
    assert_eq!(r.election.candidates[0].name, "Nathalie ARNAUD");
    assert_eq!(r.people[&1].sexe, Some(Sexe::F));
    assert_eq!(r.election.perimeters[1].code, "CIRC-15");
    assert_eq!(encode_string(&r), FIXTURE);
    let latin = to_windows_1252(&FIXTURE.replace('\n', "\r\n")).expect("encodable");
    let again = decode(&latin, &import(), &mut |_, _| {}).expect("valid");
    assert_eq!(again, r);
}

#[test]
fn several_communes_are_one_territory_and_one_is_kept_by_its_code() {
    let mut lines: Vec<&str> = FIXTURE.lines().collect();
    let other = lines[1].replace(";004;Valbonne-sur-Rhône;0001;", ";005;Autre;0001;");
    lines.push(&other);
    let two = lines.join("\n") + "\n";
    let r = decode(two.as_bytes(), &import(), &mut |_, _| {}).expect("two communes");
    let e = &r.election;
    assert!(e.is_territory());
    let root = e.root().expect("root");
    // The fixture's commune is split between two circonscriptions: the
    // territory is their département, both circonscriptions below it.
    assert_eq!(
        (root.code.as_str(), root.kind),
        ("DEP-13", PerimeterKind::Departement)
    );
    assert!(e.perimeter("CIRC-16").is_some());
    let communes: Vec<_> = e.communes().iter().map(|c| c.code.as_str()).collect();
    assert_eq!(communes, ["13004", "13005"]);
    // The ministry's Code BV repeats across communes: each bureau is
    // numbered within its commune.
    let last = e.bureaux.last().expect("bureau");
    assert_eq!(last.code, "13005-0001");
    assert_eq!(e.bureau_number(last), "0001");
    assert_eq!(e.commune_of(last).map(|c| c.name.as_str()), Some("Autre"));
    assert_eq!(e.bureaux_by_perimeter()["13004"].len(), e.bureaux.len() - 1);
    assert_eq!(encode_string(&r), two, "written again byte for byte");
    // A commune named differently on two of its rows is refused there.
    let renamed = two.replacen(";005;Autre;0001;", ";004;Autre;0009;", 1);
    let errs = decode(renamed.as_bytes(), &import(), &mut |_, _| {}).expect_err("renamed");
    assert_eq!(
        shown(&errs),
        vec![
            "ligne 5, colonne « Libellé de la commune » : la commune 13004 s'appelle « Valbonne-sur-Rhône » ligne 2 : une commune a le même libellé sur toutes ses lignes"
        ]
    );
    let mut one = import();
    one.filter = Filter::commune("13005");
    let r = decode(two.as_bytes(), &one, &mut |_, _| {}).expect("one commune");
    assert_eq!(r.election.bureaux.len(), 1);
    assert_eq!(r.meta.commune_label, "Autre");
}

#[test]
fn header_with_every_group_named_is_accepted() {
    let mut lines: Vec<String> = FIXTURE.lines().map(str::to_string).collect();
    let group = "N°Panneau;Sexe;Nom;Prénom;Voix;% Voix/Ins;% Voix/Exp";
    lines[0] = format!("{};{group};{group}", lines[0]);
    let text = lines.join("\n") + "\n";
    let r = decode(text.as_bytes(), &import(), &mut |_, _| {}).expect("valid");
    assert_eq!(encode_string(&r), FIXTURE);
}

/// Whether every bureau code of `x` is as the decoder gives it back (a
/// numeric code shorter than four digits gets its zeros back).
fn codes_canonical(x: &ResultsFile) -> bool {
    x.election
        .bureaux
        .iter()
        .all(|b| values::pad_code(&b.code, 4) == b.code)
}

proptest! {
    #[test]
    fn decode_inverts_encode_in_the_2014_layout(x in arb_results()) {
        prop_assume!(codes_canonical(&x));
        let layout = Layout::Candidates2014 {
            circonscription: x.election.perimeters.len() > 1,
            nuance: x.election.candidates.iter().any(|c| c.nuance.is_some()),
        };
        let bytes = encode_as(&x, layout);
        let imp = MinistryImport { header: header_of(&x.election), filter: Filter::default() };
        let back = decode(bytes.as_bytes(), &imp, &mut |_, _| {});
        // The definition keeps each candidate's sex as the file gives it.
        let mut x = x;
        for c in &mut x.election.candidates {
            c.sexe = x.people.get(&c.number).and_then(|p| p.sexe).map(|s| s.code().to_string());
        }
        prop_assert_eq!(back.as_ref().ok(), Some(&x), "{:?}", back.as_ref().err());
        prop_assert_eq!(back.map(|b| encode_as(&b, layout)).ok(), Some(bytes));
    }

    #[test]
    fn every_layout_is_a_fixed_point(x in arb_results(), l in 0usize..Layout::ALL.len()) {
        // What a layout cannot carry (a circonscription, a sexe, a code's
        // missing zeros) is lost on the first pass; then the bytes are stable.
        let layout = Layout::ALL[l];
        let padded: std::collections::BTreeSet<String> =
            x.election.bureaux.iter().map(|b| values::pad_code(&b.code, 4)).collect();
        prop_assume!(padded.len() == x.election.bureaux.len(), "04 and 4 are one bureau");
        let imp = MinistryImport { header: header_of(&x.election), filter: Filter::default() };
        let first = encode_as(&x, layout);
        let once = decode(first.as_bytes(), &imp, &mut |_, _| {})
            .map_err(|e| TestCaseError::fail(format!("{layout:?}: {e}\n{first}")))?;
        prop_assert_eq!(once.pvs.len(), x.pvs.len());
        let bytes = encode_as(&once, layout);
        let (read, back) = decode_layout(bytes.as_bytes(), &imp, &mut |_, _| {})
            .map_err(|e| TestCaseError::fail(format!("{layout:?}: {e}\n{bytes}")))?;
        prop_assert_eq!(read.group(), layout.group());
        prop_assert_eq!(&back, &once);
        prop_assert_eq!(encode_as(&back, layout), bytes);
    }

    #[test]
    fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = decode(&bytes, &import(), &mut |_, _| {});
    }

    #[test]
    fn decode_never_panics_on_mutated_files(f in 0usize..5, pos in 0usize..4000, byte in any::<u8>(), cut in 0usize..4000) {
        let all = fixtures();
        let (_, text, _, _, imp) = &all[f];
        let mut bytes = text.as_bytes().to_vec();
        let n = bytes.len();
        bytes[pos % n] = byte;
        bytes.truncate(cut.max(1) % (n + 1));
        let _ = decode(&bytes, imp, &mut |_, _| {});
    }

    /// A territory's file with a cell of its codes or labels changed (a
    /// commune, a département, a circonscription): refused, or one election
    /// written again as read, whatever communes and départements it makes.
    #[test]
    fn a_mutated_territory_is_refused_or_round_trips(
        line in 1usize..8,
        column in 0usize..7,
        value in prop::sample::select(vec!["", "29", "13", "2A", "019", "75", "0001", "Brest", "Autre", "03", "29075"]),
    ) {
        let text = include_str!("../../../fixtures/ministry/circonscription-2022.csv");
        let imp = import_for(ElectionKind::Legislatives, "2022-06-12");
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let mut cells: Vec<String> = lines[line].split(';').map(str::to_string).collect();
        cells[column] = value.to_string();
        lines[line] = cells.join(";");
        let mutated = lines.join("\n") + "\n";
        if let Ok((layout, r)) = decode_layout(mutated.as_bytes(), &imp, &mut |_, _| {}) {
            prop_assert_eq!(r.election.check(), Ok(()));
            let again = encode_as(&r, layout);
            let back = decode(again.as_bytes(), &imp, &mut |_, _| {});
            prop_assert!(back.is_ok(), "{:?}", back.err());
            prop_assert_eq!(back.ok(), Some(r));
        }
    }
}

#[test]
fn the_same_files_as_xlsx_and_ods_import_to_the_same_election() {
    let sheets: [(&[u8], &[u8]); 5] = [
        (
            include_bytes!("../../../fixtures/ministry/candidats-2014.xlsx"),
            include_bytes!("../../../fixtures/ministry/candidats-2014.ods"),
        ),
        (
            include_bytes!("../../../fixtures/ministry/candidats-2024.xlsx"),
            include_bytes!("../../../fixtures/ministry/candidats-2024.ods"),
        ),
        (
            include_bytes!("../../../fixtures/ministry/listes-2024.xlsx"),
            include_bytes!("../../../fixtures/ministry/listes-2024.ods"),
        ),
        (
            include_bytes!("../../../fixtures/ministry/europeennes-2019.xlsx"),
            include_bytes!("../../../fixtures/ministry/europeennes-2019.ods"),
        ),
        (
            include_bytes!("../../../fixtures/ministry/municipales-2020.xlsx"),
            include_bytes!("../../../fixtures/ministry/municipales-2020.ods"),
        ),
    ];
    for ((name, text, _, layout, imp), (xlsx, ods)) in fixtures().into_iter().zip(sheets) {
        let r = decode(text.as_bytes(), &imp, &mut |_, _| {}).expect("csv");
        for (what, bytes) in [("xlsx", xlsx), ("ods", ods)] {
            let (read, s) = decode_layout(bytes, &imp, &mut |_, _| {})
                .unwrap_or_else(|e| panic!("{name} as {what}: {e}"));
            assert_eq!(read, layout, "{name} as {what}");
            assert_eq!(s, r, "{name} as {what}");
        }
    }
}

#[test]
fn a_bad_cell_of_a_spreadsheet_names_its_sheet_row_and_column() {
    let imp = import_for(ElectionKind::Municipales, "2026-03-15");
    let bytes = include_bytes!("../../../fixtures/ministry/listes-2024-erreur.xlsx");
    let errs = decode(bytes, &imp, &mut |_, _| {}).expect_err("bad cell");
    assert_eq!(
        shown(&errs),
        vec![
            "feuille « Résultats », ligne 4, colonne « Inscrits » : « 83O » n'est pas un nombre entier positif"
        ]
    );
}

#[test]
fn a_national_file_is_streamed_and_filtered_by_territory() {
    // Three communes in two départements; blank lines and CRLF between.
    let mut lines: Vec<String> = FIXTURE.lines().map(str::to_string).collect();
    let other = lines[1].replace(";004;Valbonne-sur-Rhône;0001;", ";005;Autre;0001;");
    let far = lines[1].replace(
        "13;Bouches-du-Rhône;15;15ème circonscription;004;Valbonne-sur-Rhône;",
        "29;Finistère;02;2ème circonscription;019;Brest;",
    );
    lines.insert(2, String::new());
    lines.push(other);
    lines.push(far);
    let text = lines.join("\r\n") + "\r\n";
    let latin = to_windows_1252(&text).expect("encodable");
    let mut imp = import();
    let mut seen = 0;
    imp.filter = Filter {
        departement: Some("29".into()),
        circonscription: Some("2".into()),
        communes: Vec::new(),
    };
    let (_, r) = decode_stream(&latin[..], latin.len() as u64, &imp, &mut |done, total| {
        assert!(done <= total);
        seen += 1;
    })
    .expect("one commune of the Finistère");
    assert!(seen >= 1, "progress reported");
    assert_eq!(r.meta.insee(), "29019");
    assert_eq!(r.meta.commune_label, "Brest");
    assert_eq!(r.election.bureaux.len(), 1);
    // Every commune of the 13: two, one territory (their département).
    imp.filter = Filter {
        departement: Some("13".into()),
        ..Filter::default()
    };
    let (_, r) = decode_stream(&latin[..], 0, &imp, &mut |_, _| {}).expect("two communes");
    assert_eq!(r.election.communes().len(), 2);
    assert_eq!(r.election.bureaux.len(), 4);
    assert_eq!(r.election.root().map(|p| p.code.as_str()), Some("DEP-13"));
    // The whole file: two départements, a « Territoire » of three communes
    // with both circonscriptions below it.
    imp.filter = Filter::default();
    let (_, r) = decode_stream(&latin[..], 0, &imp, &mut |_, _| {}).expect("every commune");
    let e = &r.election;
    assert_eq!(e.root().map(|p| p.kind), Some(PerimeterKind::Territoire));
    assert_eq!(e.communes().len(), 3);
    let brest = e.bureaux.last().expect("Brest");
    assert_eq!(brest.code, "29019-0001");
    let of_brest = e.perimeters_of(brest);
    // Two départements: each circonscription keyed by its département.
    assert!(
        of_brest.contains("CIRC-29-02") && of_brest.contains("29019"),
        "{of_brest:?}"
    );
    assert!(e.perimeter("CIRC-13-15").is_some());
    let rows = encode_string(&r);
    assert!(
        rows.contains("\n29;Finistère;02;2ème circonscription;019;Brest;0001;"),
        "{rows}"
    );
    assert_eq!(r.commune_meta(brest).departement_label, "Finistère");
    imp.filter = Filter {
        communes: vec!["13004".into()],
        ..Filter::default()
    };
    let (_, r) = decode_stream(&latin[..], 0, &imp, &mut |_, _| {}).expect("13004");
    assert_eq!(r.election.bureaux.len(), 3);
    // A bad row after a blank line has its own line number.
    let bad = text.replacen(";1200;400;", ";1200;401;", 1);
    let errs = decode_stream(bad.as_bytes(), 0, &imp, &mut |_, _| {}).expect_err("bad");
    assert_eq!(errs.0[0].line, Some(4), "{errs}");
    imp.filter.communes = vec!["99999".into()];
    let errs = decode_stream(bad.as_bytes(), 0, &imp, &mut |_, _| {}).expect_err("none");
    assert_eq!(
        errs.to_string(),
        "1 erreur dans le fichier\n  aucun bureau de la commune 99999 dans le fichier"
    );
}

#[test]
fn a_circonscription_of_three_communes_is_one_election() {
    let text = include_str!("../../../fixtures/ministry/circonscription-2022.csv");
    let copy = include_str!("../../../fixtures/ministry/circonscription-2022-tableur.csv");
    let imp = import_for(ElectionKind::Legislatives, "2022-06-12");
    let r = decode(text.as_bytes(), &imp, &mut |_, _| {}).expect("circonscription");
    let e = &r.election;
    let root = e.root().expect("root");
    assert_eq!(
        (root.code.as_str(), root.name.as_str(), root.kind),
        (
            "CIRC-02",
            "2ème circonscription",
            PerimeterKind::Circonscription
        )
    );
    let communes: Vec<_> = e.communes().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(communes, ["Brest", "Guipavas", "Plougastel-Daoulas"]);
    let by = e.bureaux_by_perimeter();
    assert_eq!(by["CIRC-02"].len(), 7);
    assert_eq!(by["29019"], ["29019-0001", "29019-0002", "29019-0003"]);
    assert_eq!(by["29075"], ["29075-0001", "29075-0002"]);
    assert_eq!(encode_string(&r), text, "encode(decode(bytes)) == bytes");
    // Saved again by a spreadsheet (codes without zeros, 1,1 for 1,10):
    // the same election.
    let again = decode(copy.as_bytes(), &imp, &mut |_, _| {}).expect("spreadsheet copy");
    assert_eq!(again, r);
    // And as .xlsx and .ods.
    let xlsx = include_bytes!("../../../fixtures/ministry/circonscription-2022.xlsx");
    let ods = include_bytes!("../../../fixtures/ministry/circonscription-2022.ods");
    for (what, bytes) in [("xlsx", &xlsx[..]), ("ods", &ods[..])] {
        let s = decode(bytes, &imp, &mut |_, _| {}).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(s, r, "{what}");
    }
    // One commune of the circonscription by its INSEE code: a commune's
    // election, its bureaux numbered as in the file.
    let mut one = imp.clone();
    one.filter = Filter::commune("29075");
    let g = decode(text.as_bytes(), &one, &mut |_, _| {}).expect("Guipavas");
    assert!(!g.election.is_territory());
    assert_eq!(g.election.bureaux[1].code, "0002");
}

#[test]
fn seats_columns_are_computed_when_the_file_read_gave_none() {
    // Every bureau counted, a municipal round 2 with 9 community seats: the
    // 2024 list layout's `Sièges au CM k` and `Sièges au CC k` are those of
    // the one seat entry point, on every row.
    let mut e = crate::fixtures::with_insee(crate::fixtures::sample_municipales(), "13004");
    e.round = 2;
    e.cc_seats = Some(9);
    let r = ResultsFile::sample(e, 34);
    let seats = crate::formats::prefecture::final_seats(&r).expect("final");
    let community = seats.community.clone().expect("community");
    let text = encode_as(&r, Layout::Lists2024);
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(';').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).expect(name);
    for line in lines {
        let row: Vec<&str> = line.split(';').collect();
        for (k, c) in r.election.candidates.iter().enumerate() {
            let at = |name: &str| row[col(&format!("{name} {}", k + 1))];
            assert_eq!(at("Sièges au CM"), seats.council[&c.number].to_string());
            assert_eq!(at("Sièges au CC"), community[&c.number].to_string());
        }
    }
    assert_eq!(community.values().sum::<u32>(), 9);
}

/// What a file gives, read with and without [`read::Decoder`]'s fast path
/// (rows read from their bytes), for every filter of the tests.
fn both_ways(bytes: &[u8], imp: &MinistryImport) -> Vec<(String, String)> {
    let filters = [
        Filter::default(),
        Filter::commune("13004"),
        Filter::commune("29019"),
        Filter {
            departement: Some("13".into()),
            ..Filter::default()
        },
        Filter {
            departement: Some("29".into()),
            circonscription: Some("2".into()),
            communes: Vec::new(),
        },
    ];
    filters
        .into_iter()
        .map(|filter| {
            let imp = MinistryImport {
                filter,
                ..imp.clone()
            };
            let fast = read::stream(bytes, 0, &imp, &mut |_, _| {}, true);
            let slow = read::stream(bytes, 0, &imp, &mut |_, _| {}, false);
            (format!("{fast:?}"), format!("{slow:?}"))
        })
        .collect()
}

/// The fixtures for [`both_ways`], several rows of each ballot.
fn stream_fixtures() -> Vec<(&'static str, MinistryImport)> {
    let mut all: Vec<(&'static str, MinistryImport)> = fixtures()
        .into_iter()
        .flat_map(|(_, text, saved, _, imp)| [(text, imp.clone()), (saved, imp)])
        .collect();
    all.push((
        include_str!("../../../fixtures/ministry/circonscription-2022.csv"),
        import_for(ElectionKind::Legislatives, "2022-06-12"),
    ));
    all.push((FIXTURE, import()));
    all
}

#[test]
fn the_fast_path_reads_every_fixture_as_the_rows_reader_does() {
    for (text, imp) in stream_fixtures() {
        for (fast, slow) in both_ways(text.as_bytes(), &imp) {
            assert_eq!(fast, slow);
        }
        if let Some(latin) = to_windows_1252(text) {
            for (fast, slow) in both_ways(&latin, &imp) {
                assert_eq!(fast, slow);
            }
        }
    }
}

/// Values a spreadsheet, a typist or a bad export may leave in a cell.
const ODD_CELLS: [&str; 24] = [
    "",
    " ",
    "0",
    "1",
    "01",
    "0001",
    "1,1",
    "1,10%",
    "1%",
    "25,62%",
    "\u{a0}1",
    "\u{b}1",
    "1\t",
    "é",
    "2A",
    "Rhône",
    " Bouches-du-Rhône",
    "M",
    "F",
    "x",
    "100000000000000",
    "-1",
    "1.5",
    "\u{85}",
];

proptest! {
    #[test]
    fn the_fast_path_reads_mutated_rows_as_the_rows_reader_does(
        f in 0usize..12,
        edits in proptest::collection::vec((1usize..10, 0usize..400, 0usize..40, "\\PC{0,4}"), 1..4),
        latin in any::<bool>(),
    ) {
        let all = stream_fixtures();
        let (text, imp) = &all[f % all.len()];
        let mut lines: Vec<Vec<String>> = text
            .lines()
            .map(|l| l.split(';').map(str::to_string).collect())
            .collect();
        for (row, cell, what, random) in edits {
            let n = lines.len();
            let r = &mut lines[row % n];
            let width = r.len().max(1);
            let other = r[(cell + 1) % width].clone();
            let new = match what {
                w if w < ODD_CELLS.len() => ODD_CELLS[w].to_string(),
                w if w < 30 => random,
                w if w < 35 => other,
                _ => format!("{} ", r.get(cell % width).cloned().unwrap_or_default()),
            };
            if let Some(c) = r.get_mut(cell % width) {
                *c = new;
            }
        }
        let text = lines.iter().map(|l| l.join(";")).collect::<Vec<_>>().join("\n") + "\n";
        let bytes = if latin {
            to_windows_1252(&text).unwrap_or_else(|| text.clone().into_bytes())
        } else {
            text.into_bytes()
        };
        for (fast, slow) in both_ways(&bytes, imp) {
            prop_assert_eq!(fast, slow);
        }
    }
}

#[test]
fn a_bureau_given_twice_is_found_in_or_out_of_order() {
    // 0002 after 0003 (out of order), then 0003 again and 0002 again.
    let lines: Vec<&str> = FIXTURE.lines().collect();
    let with_code = |l: &str, from: &str, to: &str| l.replacen(from, to, 1);
    let row = |code: &str| with_code(lines[1], ";0001;", &format!(";{code};"));
    for (order, dup) in [
        (["0003", "0002", "0003"], "0003"),
        (["0003", "0002", "0002"], "0002"),
        (["0001", "0003", "1"], "1"),
    ] {
        let mut file: Vec<String> = vec![lines[0].to_string()];
        file.extend(order.iter().map(|c| row(c)));
        let text = file.join("\n") + "\n";
        let errs = decode(text.as_bytes(), &import(), &mut |_, _| {}).expect_err("twice");
        let shown = shown(&errs);
        assert!(
            shown.iter().any(|s| s.contains("figure déjà ligne")),
            "{dup}: {shown:?}"
        );
        for (fast, slow) in both_ways(text.as_bytes(), &import()) {
            assert_eq!(fast, slow);
        }
    }
}

/// Bytes that change how a line is split: quotes, line ends, separators,
/// spaces, a byte-order mark.
const ODD_BYTES: [&[u8]; 10] = [
    b"\"",
    b"\"\"",
    b"\r",
    b"\n",
    b"\r\n",
    b";",
    b" ",
    b"\xEF\xBB\xBF",
    b"\n\n",
    b";\"1\";",
];

proptest! {
    #[test]
    fn lines_split_in_the_stream_read_as_the_csv_reader_reads_them(
        f in 0usize..12,
        edits in proptest::collection::vec((0usize..100_000, 0usize..ODD_BYTES.len()), 0..4),
        quote_all in any::<bool>(),
    ) {
        let all = stream_fixtures();
        let (text, imp) = &all[f % all.len()];
        let mut bytes = if quote_all {
            // Every cell quoted, as a spreadsheet may save it.
            text.lines()
                .map(|l| l.split(';').map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(";"))
                .collect::<Vec<_>>()
                .join("\n")
                .into_bytes()
        } else {
            text.as_bytes().to_vec()
        };
        for (at, what) in edits {
            let at = at % (bytes.len() + 1);
            bytes.splice(at..at, ODD_BYTES[what].iter().copied());
        }
        let want = format!("{:?}", read::stream_csv_only(&bytes, imp));
        for fast in [true, false] {
            let got = read::stream(&bytes[..], 0, imp, &mut |_, _| {}, fast);
            prop_assert_eq!(&format!("{got:?}"), &want, "fast {}", fast);
        }
    }
}

#[test]
fn a_stream_read_in_small_pieces_reads_as_a_whole() {
    // A reader giving a few bytes at a time: lines cut across reads.
    struct Trickle<'a>(&'a [u8]);
    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = out.len().min(self.0.len()).min(7);
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    for (text, imp) in stream_fixtures() {
        let want = format!("{:?}", read::stream_csv_only(text.as_bytes(), &imp));
        let reader = std::io::BufReader::with_capacity(5, Trickle(text.as_bytes()));
        let got = read::stream(reader, 0, &imp, &mut |_, _| {}, true);
        assert_eq!(format!("{got:?}"), want);
    }
}

#[test]
fn a_departement_is_named_alike_by_each_of_its_communes() {
    // Guipavas (line 5) names Brest's département otherwise.
    let text = include_str!("../../../fixtures/ministry/circonscription-2022.csv");
    let lines: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 4 {
                l.replacen(";Finistère;", ";Finistere;", 1)
            } else {
                l.to_string()
            }
        })
        .collect();
    assert!(lines[4].contains("Guipavas"), "{}", lines[4]);
    let text = lines.join("\n") + "\n";
    let imp = import_for(ElectionKind::Legislatives, "2022-06-12");
    let errs = decode(text.as_bytes(), &imp, &mut |_, _| {}).expect_err("two labels");
    let shown = shown(&errs);
    assert!(
        shown.iter().any(
            |s| s.starts_with("ligne 5, colonne « Libellé du département »")
                && s.contains("le département 29 s'appelle « Finistère » ligne 2")
        ),
        "{shown:?}"
    );
    for (fast, slow) in both_ways(text.as_bytes(), &imp) {
        assert_eq!(fast, slow);
    }
}

/// The municipales of an intercommunalité's four communes in the layout
/// since 2024 (`fixtures::sample_municipal_territory`, every bureau
/// counted): each commune's rows carry its own lists, numbered from 1 on its
/// panels, and as many empty groups as it has fewer lists than the longest
/// ballot. Written by the encoder; `URNE_WRITE_FIXTURES=1` writes it again.
const MUNICIPALES_EPCI: &str = include_str!("../../../fixtures/ministry/municipales-2026-epci.csv");

#[test]
fn a_municipal_territory_s_file_is_read_commune_by_commune() {
    let e = crate::fixtures::sample_municipal_territory();
    let n = e.bureaux.len();
    let r = ResultsFile::sample(e, n);
    let bytes = encode_string(&r);
    if std::env::var_os("URNE_WRITE_FIXTURES").is_some() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/ministry/municipales-2026-epci.csv"
        );
        std::fs::write(path, &bytes).expect("fixture written");
    }
    assert_eq!(bytes, MUNICIPALES_EPCI, "the fixture is the encoder's");
    let imp = MinistryImport {
        header: header_of(&r.election),
        filter: Filter::default(),
    };
    let back = decode(bytes.as_bytes(), &imp, &mut |_, _| {}).expect("decoded");
    assert_eq!(back.election.check(), Ok(()));
    assert!(back.election.has_commune_lists());
    let lists = |e: &crate::model::Election| -> Vec<(u32, u32, Option<String>, String)> {
        e.candidates
            .iter()
            .map(|c| {
                (
                    c.number,
                    c.panel_number(),
                    c.commune.clone(),
                    c.name.clone(),
                )
            })
            .collect()
    };
    assert_eq!(lists(&back.election), lists(&r.election));
    let voix = |x: &ResultsFile| -> Vec<(String, Vec<(u32, i64)>)> {
        x.arrived()
            .map(|(b, pv)| {
                (
                    b.code.clone(),
                    pv.voix.iter().map(|v| (v.candidate, v.voix)).collect(),
                )
            })
            .collect()
    };
    assert_eq!(voix(&back), voix(&r));
    // Written again byte for byte, the seats of each commune included.
    assert_eq!(encode_string(&back), bytes);

    // One commune kept: a one-commune election on its own lists.
    let one = MinistryImport {
        header: header_of(&r.election),
        filter: Filter {
            communes: vec!["29075".into()],
            ..Filter::default()
        },
    };
    let guipavas = decode(bytes.as_bytes(), &one, &mut |_, _| {}).expect("one commune");
    let names: Vec<&str> = guipavas
        .election
        .candidates
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["Guipavas ensemble", "Agir pour Guipavas"]);

    // A row whose lists are not its commune's first row's: refused there.
    let mut lines: Vec<String> = bytes.lines().map(str::to_string).collect();
    let at = lines
        .iter()
        .rposition(|l| l.contains("Guipavas ensemble"))
        .expect("a Guipavas row");
    lines[at] = lines[at].replace("Agir pour Guipavas", "Agir pour Brest");
    let bad = lines.join("\n") + "\n";
    let errs = decode(bad.as_bytes(), &imp, &mut |_, _| {}).expect_err("refused");
    assert!(
        errs.0.iter().any(|e| e.line == Some(at as u64 + 1)),
        "{errs:?}"
    );
}
