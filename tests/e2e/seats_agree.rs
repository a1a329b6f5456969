//! One seat allocation everywhere: for every list election kind, the seats
//! of the live pages, the prefecture file's `NbSieges` and the printed
//! proclamation are the same numbers, because all three go through
//! `election_data::seats::for_election`.

use std::collections::BTreeMap;

use election_data::ElectionKind;
use election_data::formats::ResultsFile;
use urne::print::{Op, Paper, Record};

use crate::helpers::{Backend, TOKEN, spawn_app};

/// The sample municipal commune as an election of `kind`.
fn election_of(kind: ElectionKind, seats: u32) -> election_data::Election {
    let mut e = election_data::fixtures::sample_municipales();
    e.id = format!("seats-{kind:?}").to_lowercase();
    e.kind = kind;
    // Round 2 for the councils: the list ahead wins the bonus whatever its share.
    e.round = if kind == ElectionKind::Europeennes {
        1
    } else {
        2
    };
    e.seats = Some(seats);
    e.embargo = None;
    e
}

/// `NbSieges` per `NumPanneauListe` in a prefecture file.
fn prefecture_seats(xml: &str) -> BTreeMap<u32, u32> {
    let tag = |block: &str, name: &str| -> Option<String> {
        let open = format!("<{name}>");
        let start = block.find(&open)? + open.len();
        let end = block[start..].find(&format!("</{name}>"))? + start;
        Some(block[start..end].to_string())
    };
    // Only the commune level carries seats.
    xml.split("<Liste>")
        .skip(1)
        .filter_map(|block| {
            let block = block.split("</Liste>").next()?;
            let n = tag(block, "NumPanneauListe")?.parse().ok()?;
            let s = tag(block, "NbSieges")?.parse().ok()?;
            Some((n, s))
        })
        .collect()
}

/// The "Sièges" column of the proclamation's results table, read back from
/// the laid-out pages the PDF is drawn from: each row's cells share a
/// baseline; its first cell is the panel number, its last the seats.
fn printed_seats(pages: &[Vec<Op>], numbers: &[u32]) -> BTreeMap<u32, u32> {
    let mut out = BTreeMap::new();
    for page in pages {
        let texts: Vec<(f32, f32, &str)> = page
            .iter()
            .filter_map(|o| match o {
                Op::Text { x, y, text, .. } => Some((*x, *y, text.as_str())),
                _ => None,
            })
            .collect();
        let Some(header) = texts.iter().find(|t| t.2 == "Sièges") else {
            continue;
        };
        let mut rows: BTreeMap<i64, Vec<(f32, &str)>> = BTreeMap::new();
        for (x, y, t) in &texts {
            rows.entry((y * 100.0) as i64).or_default().push((*x, t));
        }
        for cells in rows.values_mut() {
            cells.sort_by(|a, b| a.0.total_cmp(&b.0));
            let (Some(first), Some(last)) = (cells.first(), cells.last()) else {
                continue;
            };
            let (Ok(n), Ok(s)) = (first.1.parse::<u32>(), last.1.parse::<u32>()) else {
                continue;
            };
            if cells.len() >= 6 && numbers.contains(&n) && last.0 >= header.0 - 20.0 {
                out.insert(n, s);
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_prefecture_file_and_pdf_show_the_same_seats() {
    let app = spawn_app(Backend::Sqlite, "seats_agree")
        .await
        .expect("sqlite");
    for (kind, seats) in [
        (ElectionKind::Municipales, 39),
        (ElectionKind::Communautaires, 12),
        (ElectionKind::Europeennes, 39),
        (ElectionKind::Regionales, 39),
    ] {
        let e = election_of(kind, seats);
        let (s, b) = app
            .post("/api/elections", &serde_json::to_value(&e).expect("json"))
            .await;
        assert_eq!(s, 201, "{kind:?}: {b}");
        let mut pvs = BTreeMap::new();
        for (i, bureau) in e.bureaux.iter().enumerate() {
            let pv = election_data::fixtures::sample_pv(&e, bureau, i as u64);
            let json = serde_json::to_value(&pv).expect("json");
            app.enter_and_publish(&e.id, &bureau.code, &json).await;
            pvs.insert(bureau.code.clone(), pv);
        }

        // The live pages' allocation (the commune page and the big screen draw it).
        let live: Option<BTreeMap<u32, u32>> = app
            .running
            .state
            .hub
            .get(&e.id)
            .expect("topic")
            .read()
            .provisional_seats(urne::store::now_millis())
            .map(|a| a.council.lists.iter().map(|l| (l.id, l.seats)).collect());

        // The prefecture file, as downloaded.
        let r = app
            .http
            .get(format!(
                "{}/api/elections/{}/export/prefecture?insee=13004",
                app.base, e.id
            ))
            .bearer_auth(TOKEN)
            .send()
            .await
            .expect("export");
        assert_eq!(r.status().as_u16(), 200, "{kind:?}");
        let file = prefecture_seats(&r.text().await.expect("xml"));

        // The proclamation: downloadable, and its seats column.
        let r = app
            .http
            .get(format!(
                "{}/api/elections/{}/print/proclamation?insee=13004",
                app.base, e.id
            ))
            .bearer_auth(TOKEN)
            .send()
            .await
            .expect("print");
        assert_eq!(r.status().as_u16(), 200, "{kind:?}");
        assert!(r.bytes().await.expect("pdf").starts_with(b"%PDF-"));
        let mut results = ResultsFile::new(e.clone(), pvs);
        results.meta = urne::export::commune_meta(&e, Some("13004")).expect("meta");
        let (_, pages) =
            urne::print::layout(&Record::Proclamation, Paper::A4, &results, 0).expect("layout");
        let numbers: Vec<u32> = e.candidates.iter().map(|c| c.number).collect();
        let printed = printed_seats(&pages, &numbers);

        if kind == ElectionKind::Regionales {
            // One commune's figures cannot decide regional seats (L.338).
            assert_eq!(live, None, "{kind:?}");
            assert!(file.is_empty(), "{kind:?}: {file:?}");
            assert!(printed.is_empty(), "{kind:?}: {printed:?}");
            continue;
        }
        let live = live.expect("live seats");
        assert_eq!(live.values().sum::<u32>(), seats, "{kind:?}: {live:?}");
        assert_eq!(file, live, "{kind:?}: prefecture file vs pages");
        assert_eq!(printed, live, "{kind:?}: proclamation vs pages");
    }
    app.running.shutdown().await;
}
