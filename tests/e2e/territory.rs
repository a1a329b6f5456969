//! A territory larger than a commune as one election: the ministry's file
//! of a législative circonscription (three communes, bureaux numbered
//! within each) imported by the CLI, served, and read back through the
//! results API, the pages and the ministry export.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::formats::{download, temp_dir, urne, write};
use crate::helpers::{Backend, fresh_database, start};

const FILE: &str = include_str!("../../election-data/fixtures/ministry/circonscription-2022.csv");
const ID: &str = "legislatives-2022-29-02";

/// One row of the file: its commune, Code BV and cells.
struct Row {
    insee: String,
    label: String,
    bv: String,
    cells: Vec<String>,
}

fn rows() -> Vec<Row> {
    FILE.lines()
        .skip(1)
        .map(|l| {
            let cells: Vec<String> = l.split(';').map(str::to_string).collect();
            Row {
                insee: format!("{}{}", cells[0], cells[4]),
                label: cells[5].clone(),
                bv: cells[6].clone(),
                cells,
            }
        })
        .collect()
}

fn int(row: &Row, i: usize) -> u64 {
    row.cells[i].parse().expect("count")
}

/// A percentage of the JSON (`27.89`) as the file prints it (`27,89`).
fn printed(v: &Value) -> String {
    format!("{:.2}", v.as_f64().expect("percentage")).replace('.', ",")
}

/// The same half-up rounding to two decimals as the file's writer.
fn pct(part: u64, whole: u64) -> String {
    let h = (2 * part * 10_000 + whole) / (2 * whole);
    format!("{},{:02}", h / 100, h % 100)
}

/// The counts a set of rows sums to: inscrits, votants, exprimés, voix.
fn sums<'r>(rows: impl Iterator<Item = &'r Row>) -> (u64, u64, u64, Vec<u64>) {
    let mut s = (0, 0, 0, vec![0; 4]);
    for r in rows {
        s.0 += int(r, 7);
        s.1 += int(r, 10);
        s.2 += int(r, 18);
        for k in 0..4 {
            s.3[k] += int(r, 21 + 8 * k + 5);
        }
    }
    s
}

fn assert_tally(what: &str, t: &Value, want: &(u64, u64, u64, Vec<u64>)) {
    let c = &t["counts"];
    assert_eq!(c["inscrits"].as_u64(), Some(want.0), "{what}: inscrits");
    assert_eq!(c["votants"].as_u64(), Some(want.1), "{what}: votants");
    assert_eq!(c["exprimes"].as_u64(), Some(want.2), "{what}: exprimés");
    for (k, voix) in want.3.iter().enumerate() {
        let s = &t["scores"][k];
        assert_eq!(s["voix"].as_u64(), Some(*voix), "{what}: voix {k}");
        assert_eq!(
            printed(&s["pct_exprimes"]),
            pct(*voix, want.2),
            "{what}: % exprimés {k}"
        );
    }
}

/// The "N bureaux sur N" line of a page, as written.
fn banner(n: usize) -> String {
    format!(r#"<strong data-f="arrived">{n}</strong> bureaux sur <span data-f="total">{n}</span>"#)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_circonscription_of_three_communes_is_one_election() {
    let Some(db) = fresh_database(Backend::Sqlite, "territory").await else {
        return;
    };
    let tmp = temp_dir();
    let file = write(tmp.path(), "circonscription.csv", FILE.as_bytes());
    let out = urne(&[
        "import",
        "ministry",
        &file,
        "--id",
        ID,
        "--label",
        "Législatives 2022, 2e circonscription du Finistère",
        "--kind",
        "legislatives",
        "--date",
        "2022-06-12",
        "--database-url",
        &db,
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("circonscription « 2ème circonscription », 3 communes, 7 bureaux"),
        "{stdout}"
    );
    let app = start(&db).await;
    let (status, body) = app.get_text(&format!("/api/elections/{ID}/results")).await;
    assert_eq!(status, 200, "{body}");
    let results: Value = serde_json::from_str(&body).expect("JSON");
    let rows = rows();

    // The territory's totals.
    assert_tally(
        "circonscription",
        &results["perimeters"]["CIRC-02"],
        &sums(rows.iter()),
    );
    assert_eq!(
        results["perimeters"]["CIRC-02"]["arrived"].as_u64(),
        Some(7)
    );
    // Each commune's.
    let mut communes: BTreeMap<&str, &str> = BTreeMap::new();
    for r in &rows {
        communes.insert(&r.insee, &r.label);
    }
    assert_eq!(communes.len(), 3);
    for (insee, label) in &communes {
        let t = &results["perimeters"][*insee];
        assert_tally(label, t, &sums(rows.iter().filter(|r| r.insee == *insee)));
        let (status, page) = app
            .get_text(&format!("/elections/{ID}/perimetres/{insee}"))
            .await;
        assert_eq!(status, 200, "{insee}");
        assert!(
            page.contains(&format!("<strong>{label}</strong>")),
            "{page}"
        );
        let arrived = rows.iter().filter(|r| r.insee == *insee).count();
        assert!(page.contains(&banner(arrived)), "{label}: {page}");
    }
    // Each bureau, with the percentages the file printed.
    for r in &rows {
        let code = format!("{}-{}", r.insee, r.bv);
        let t = &results["bureaux"][code.as_str()]["tally"];
        assert_eq!(t["counts"]["inscrits"].as_u64(), Some(int(r, 7)), "{code}");
        assert_eq!(printed(&t["rates"]["participation"]), r.cells[11], "{code}");
        assert_eq!(
            printed(&t["rates"]["exprimes_inscrits"]),
            r.cells[19],
            "{code}"
        );
        for k in 0..4 {
            let s = &t["scores"][k];
            assert_eq!(
                printed(&s["pct_inscrits"]),
                r.cells[21 + 8 * k + 6],
                "{code}"
            );
            assert_eq!(
                printed(&s["pct_exprimes"]),
                r.cells[21 + 8 * k + 7],
                "{code}"
            );
        }
        let (status, page) = app
            .get_text(&format!("/elections/{ID}/bureaux/{code}"))
            .await;
        assert_eq!(status, 200, "{code}");
        assert!(
            page.contains(&format!("Bureau {} — {}", r.bv, r.label)),
            "{code}: the bureau is named within its commune"
        );
        let share = format!("{}\u{a0}%", r.cells[21 + 7]);
        assert!(page.contains(&share), "{code}: {share}");
    }
    // The territory's page lists its communes and tells the bureaux apart.
    let (status, page) = app.get_text(&format!("/elections/{ID}")).await;
    assert_eq!(status, 200);
    for (insee, label) in &communes {
        assert!(
            page.contains(&format!("/elections/{ID}/perimetres/{insee}")),
            "{label}"
        );
        assert!(page.contains(&format!("{label} — ")), "{label}");
    }
    assert!(page.contains(&banner(7)), "{page}");
    // The ministry export writes the file again, every commune and bureau
    // with its codes: the same bytes but the candidates' sexe, which the
    // stored election does not keep (the codec alone round-trips it).
    let (status, bytes) = download(
        &app.base,
        &format!("/api/elections/{ID}/export/ministere"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let without_sexe = |text: &str| -> Vec<String> {
        text.lines()
            .map(|l| {
                l.split(';')
                    .enumerate()
                    .filter(|(i, _)| *i < 21 || (i - 21) % 8 != 1)
                    .map(|(_, c)| c)
                    .collect::<Vec<_>>()
                    .join(";")
            })
            .collect()
    };
    let text = String::from_utf8(bytes).expect("UTF-8");
    assert_eq!(without_sexe(&text), without_sexe(FILE));
    app.running.shutdown().await;
}
