//! One seat allocation everywhere: for every list election kind, the seats
//! of the live pages, the prefecture file's `NbSieges` and the printed
//! proclamation are the same numbers, because all three go through
//! `election_data::seats::for_election`; and for a municipal ballot that
//! elects both councils, the municipal and community seats agree on every
//! page, API, feed, file and record.

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

/// Panel number → seats of `tag` (`NbSieges`, `NbSiegesCC`) in the commune
/// totals of a prefecture file (bureaux' lists carry none).
fn prefecture_tag(xml: &str, tag: &str) -> BTreeMap<u32, u32> {
    let inner = |block: &str, name: &str| -> Option<String> {
        let open = format!("<{name}>");
        let start = block.find(&open)? + open.len();
        let end = block[start..].find(&format!("</{name}>"))? + start;
        Some(block[start..end].to_string())
    };
    xml.split("<Liste>")
        .skip(1)
        .filter_map(|block| {
            let block = block.split("</Liste>").next()?;
            let n = inner(block, "NumPanneauListe")?.parse().ok()?;
            let s = inner(block, tag)?.parse().ok()?;
            Some((n, s))
        })
        .collect()
}

/// `{id → seats}` of an allocation as JSON (API, feed).
fn json_seats(a: &serde_json::Value) -> BTreeMap<u32, u32> {
    a["lists"]
        .as_array()
        .map(|ls| {
            ls.iter()
                .filter_map(|l| Some((l["id"].as_u64()? as u32, l["seats"].as_u64()? as u32)))
                .collect()
        })
        .unwrap_or_default()
}

/// The part of a page after `data-council="{slug}"`, up to the next council.
fn council_html<'a>(page: &'a str, slug: &str) -> &'a str {
    let marker = format!("data-council=\"{slug}\"");
    let after = page.split(&marker).nth(1).unwrap_or_default();
    after.split("data-council=").next().unwrap_or_default()
}

/// `{list → seats}` of a council's table on the commune page: each
/// `<tr data-list="N">` row's first number cell.
fn page_table_seats(part: &str) -> BTreeMap<u32, u32> {
    part.split("<tr data-list=\"")
        .skip(1)
        .filter_map(|row| {
            let (n, rest) = row.split_once('"')?;
            let cell = rest.split("<td class=\"num\">").nth(1)?;
            Some((n.parse().ok()?, cell.split('<').next()?.parse().ok()?))
        })
        .collect()
}

/// `{list → seats}` of a council's chips on the big screen.
fn screen_chip_seats(part: &str) -> BTreeMap<u32, u32> {
    part.split("class=\"seat-chip\"")
        .skip(1)
        .filter_map(|chip| {
            let after = chip.split("data-list=\"").nth(1)?;
            let (n, rest) = after.split_once("\">")?;
            Some((n.parse().ok()?, rest.split('<').next()?.parse().ok()?))
        })
        .collect()
}

/// The ministry export's `Sièges au CM k` / `Sièges au CC k` per panel
/// number, from its first row (every row repeats the commune's seats).
fn ministry_seats(csv: &str) -> (BTreeMap<u32, u32>, BTreeMap<u32, u32>) {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(';').collect();
    let row: Vec<&str> = lines.next().unwrap_or_default().split(';').collect();
    let col = |name: String| header.iter().position(|h| *h == name);
    let (mut cm, mut cc) = (BTreeMap::new(), BTreeMap::new());
    for k in 1..=header.len() {
        let Some(n) = col(format!("Numéro de panneau {k}")).and_then(|i| row.get(i)) else {
            break;
        };
        let Ok(n) = n.parse::<u32>() else { continue };
        for (map, name) in [(&mut cm, "Sièges au CM"), (&mut cc, "Sièges au CC")] {
            if let Some(s) = col(format!("{name} {k}"))
                .and_then(|i| row.get(i))
                .and_then(|s| s.parse::<u32>().ok())
            {
                map.insert(n, s);
            }
        }
    }
    (cm, cc)
}

/// The proclamation's `Sièges CM` and `Sièges CC` columns: on the page
/// whose table has them, each row's two last cells.
fn printed_councils(
    pages: &[Vec<Op>],
    numbers: &[u32],
) -> (BTreeMap<u32, u32>, BTreeMap<u32, u32>) {
    let (mut cm, mut cc) = (BTreeMap::new(), BTreeMap::new());
    for page in pages {
        let texts: Vec<(f32, f32, &str)> = page
            .iter()
            .filter_map(|o| match o {
                Op::Text { x, y, text, .. } => Some((*x, *y, text.as_str())),
                _ => None,
            })
            .collect();
        if !texts.iter().any(|t| t.2 == "Sièges CC") {
            continue;
        }
        let mut rows: BTreeMap<i64, Vec<(f32, &str)>> = BTreeMap::new();
        for (x, y, t) in &texts {
            rows.entry((y * 100.0) as i64).or_default().push((*x, t));
        }
        for cells in rows.values_mut() {
            cells.sort_by(|a, b| a.0.total_cmp(&b.0));
            if cells.len() < 8 {
                continue;
            }
            let (Some(first), [.., m, c]) = (cells.first(), cells.as_slice()) else {
                continue;
            };
            let (Ok(n), Ok(m), Ok(c)) = (
                first.1.parse::<u32>(),
                m.1.parse::<u32>(),
                c.1.parse::<u32>(),
            ) else {
                continue;
            };
            if numbers.contains(&n) {
                cm.insert(n, m);
                cc.insert(n, c);
            }
        }
    }
    (cm, cc)
}

/// Issue 14's acceptance: a municipal election of a commune of 12 400
/// inhabitants (33 seats, from the L.2121-2 table, none given) with 8
/// community seats. List 1 has a majority in round 1 and a community list
/// of 6, shorter than the 7 community seats its voix would give it: its
/// last one goes on to list 2. The municipal and community seats, majority
/// bonus included, are the same on the commune page, the big screen, the
/// seats API, the feed, the prefecture file, the ministry export and the
/// printed proclamation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_councils_agree_everywhere() {
    let app = spawn_app(Backend::Sqlite, "seats_councils")
        .await
        .expect("sqlite");
    let mut e = election_data::fixtures::sample_municipales();
    e.id = "municipales-cm-cc".into();
    e.round = 1;
    e.seats = None;
    e.cc_seats = Some(8);
    e.embargo = None;
    if let Some(root) = e.perimeters.iter_mut().find(|p| p.parent.is_none()) {
        root.population = Some(12_400);
    }
    e.candidates[0].cc_list_size = Some(6);
    let (s, b) = app
        .post("/api/elections", &serde_json::to_value(&e).expect("json"))
        .await;
    assert_eq!(s, 201, "{b}");

    // Every bureau: list 1 56 %, list 2 30 %, list 3 10 %, list 4 3 %, list 5 the rest.
    let shares = [56u64, 30, 10, 3];
    let mut pvs = BTreeMap::new();
    for (i, bureau) in e.bureaux.iter().enumerate() {
        let mut pv = election_data::fixtures::sample_pv(&e, bureau, i as u64);
        let exprimes = u64::try_from(pv.exprimes).expect("exprimés");
        let mut left = exprimes;
        for v in &mut pv.voix {
            let n = match shares.get(v.candidate as usize - 1) {
                Some(p) => exprimes * p / 100,
                None => left,
            };
            v.voix = i64::try_from(n).expect("voix");
            left -= n;
        }
        app.enter_and_publish(
            &e.id,
            &bureau.code,
            &serde_json::to_value(&pv).expect("json"),
        )
        .await;
        pvs.insert(bureau.code.clone(), pv);
    }

    // The one allocation (what the pages draw).
    let councils = app
        .running
        .state
        .hub
        .get(&e.id)
        .expect("topic")
        .read()
        .provisional_seats(urne::store::now_millis())
        .expect("seats");
    let map = |a: &election_data::seats::Allocation| -> BTreeMap<u32, u32> {
        a.lists.iter().map(|l| (l.id, l.seats)).collect()
    };
    let cm = map(&councils.council);
    let community = councils.community.as_ref().expect("community seats");
    let cc = map(community);
    assert!(councils.is_final(), "{councils:?}");
    assert_eq!(
        councils.council.total, 33,
        "L.2121-2: 10 000 to 19 999 inhabitants"
    );
    assert_eq!(cm.values().sum::<u32>(), 33);
    assert_eq!(councils.council.list(1).map(|l| l.bonus), Some(17));
    assert_eq!(community.total, 8);
    assert_eq!(community.list(1).map(|l| (l.bonus, l.seats)), Some((4, 6)));
    assert_eq!(
        cc.get(&2),
        Some(&2),
        "list 1's missing candidate's seat: {cc:?}"
    );
    assert_eq!(cc.values().sum::<u32>(), 8);
    let shown = |m: &BTreeMap<u32, u32>| -> BTreeMap<u32, u32> {
        m.iter()
            .filter(|(_, s)| **s > 0)
            .map(|(k, v)| (*k, *v))
            .collect()
    };

    // The commune page and the big screen.
    let page = app.get_text(&format!("/elections/{}", e.id)).await.1;
    assert!(page.contains("Conseil municipal : 33 sièges"), "{page}");
    assert!(page.contains("Conseil communautaire : 8 sièges"));
    assert_eq!(
        page_table_seats(council_html(&page, "municipal")),
        shown(&cm)
    );
    assert_eq!(
        page_table_seats(council_html(&page, "community")),
        shown(&cc)
    );
    let english = app.get_text(&format!("/en/elections/{}", e.id)).await.1;
    assert!(english.contains("Community council : 8 seats"), "{english}");
    let screen = app.get_text(&format!("/elections/{}/ecran", e.id)).await.1;
    assert_eq!(
        screen_chip_seats(council_html(&screen, "municipal")),
        shown(&cm)
    );
    assert_eq!(
        screen_chip_seats(council_html(&screen, "community")),
        shown(&cc)
    );

    // The seats API and the feed.
    let (s, api) = app
        .get_json(&format!("/api/elections/{}/seats", e.id))
        .await;
    assert_eq!(s, 200, "{api}");
    assert_eq!(json_seats(&api["councils"]["council"]), cm);
    assert_eq!(json_seats(&api["councils"]["community"]), cc);
    assert_eq!(api["councils"]["community"]["lists"][0]["bonus"], 4);
    let (s, feed) = app.get_json(&format!("/api/elections/{}/feed", e.id)).await;
    assert_eq!(s, 200);
    assert_eq!(json_seats(&feed["councils"]["council"]), cm);
    assert_eq!(json_seats(&feed["councils"]["community"]), cc);
    assert_eq!(feed["election"]["cc_seats"], 8);

    // The prefecture file and the ministry export, as downloaded.
    let download = |format: &'static str| {
        let url = format!(
            "{}/api/elections/{}/export/{format}?insee=13004",
            app.base, e.id
        );
        let http = app.http.clone();
        async move {
            let r = http
                .get(url)
                .bearer_auth(TOKEN)
                .send()
                .await
                .expect("export");
            assert_eq!(r.status().as_u16(), 200, "{format}");
            r.text().await.expect("text")
        }
    };
    let xml = download("prefecture").await;
    assert_eq!(prefecture_tag(&xml, "NbSieges"), cm);
    assert_eq!(prefecture_tag(&xml, "NbSiegesCC"), cc);
    let csv = download("ministere").await;
    assert_eq!(ministry_seats(&csv), (cm.clone(), cc.clone()), "{csv}");

    // The proclamation: downloadable, and its two seat columns.
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
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.bytes().await.expect("pdf").starts_with(b"%PDF-"));
    let mut results = ResultsFile::new(e.clone(), pvs);
    results.meta = urne::export::commune_meta(&e, Some("13004")).expect("meta");
    let (_, pages) =
        urne::print::layout(&Record::Proclamation, Paper::A4, &results, 0).expect("layout");
    let numbers: Vec<u32> = e.candidates.iter().map(|c| c.number).collect();
    assert_eq!(printed_councils(&pages, &numbers), (cm, cc));
    app.running.shutdown().await;
}

/// The `<Commune>` blocks of a prefecture file, by INSEE code.
fn prefecture_communes(xml: &str) -> BTreeMap<String, String> {
    xml.split("<Commune>")
        .skip(1)
        .filter_map(|block| {
            let block = block.split("</Commune>").next()?;
            let insee = block
                .split("<CodCommune>")
                .nth(1)?
                .split('<')
                .next()?
                .to_string();
            Some((insee, block.to_string()))
        })
        .collect()
}

/// A municipal night over a territory (an EPCI of four communes, as a
/// prefecture follows it): each commune elects its own municipal council
/// (from its own population) and, from 1,000 inhabitants, its community
/// councillors, on its own lists and from its own bureaux. Each commune's
/// seats are the same on its page, in the seats API, the feed, the
/// prefecture file and its printed proclamation; its bureaux' forms and
/// pages show its lists only, and a PV naming another commune's list is
/// refused with the field and the rule.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_municipal_territory_s_communes_each_elect_their_councils() {
    let app = spawn_app(Backend::Sqlite, "seats_territory")
        .await
        .expect("sqlite");
    let e = election_data::fixtures::sample_municipal_territory();
    let (s, b) = app
        .post("/api/elections", &serde_json::to_value(&e).expect("json"))
        .await;
    assert_eq!(s, 201, "{b}");

    // A Guipavas PV naming Brest's first list: refused, nothing stored.
    let guipavas = e.bureau("29075-0001").expect("bureau");
    let mut wrong = election_data::fixtures::sample_pv(&e, guipavas, 0);
    wrong.voix.push(election_data::model::CandidateVoix {
        candidate: 1,
        voix: 0,
    });
    let (s, body) = app
        .put(
            &format!("/api/elections/{}/bureaux/29075-0001/pv", e.id),
            &serde_json::to_value(&wrong).expect("json"),
        )
        .await;
    assert_eq!(s, 422, "{body}");
    assert!(body.to_string().contains("voix[1]"), "{body}");
    assert!(
        body.to_string()
            .contains("ne se présente pas dans la commune du bureau 29075-0001"),
        "{body}"
    );

    let mut pvs = BTreeMap::new();
    for (i, bureau) in e.bureaux.iter().enumerate() {
        let pv = election_data::fixtures::sample_pv(&e, bureau, i as u64);
        app.enter_and_publish(
            &e.id,
            &bureau.code,
            &serde_json::to_value(&pv).expect("json"),
        )
        .await;
        pvs.insert(bureau.code.clone(), pv);
    }
    let results = ResultsFile::new(e.clone(), pvs);
    let (s, api) = app
        .get_json(&format!("/api/elections/{}/seats", e.id))
        .await;
    assert_eq!(s, 200, "{api}");
    assert!(api["councils"].is_null(), "no council for the EPCI: {api}");
    let (s, feed) = app.get_json(&format!("/api/elections/{}/feed", e.id)).await;
    assert_eq!(s, 200);
    let xml = {
        let r = app
            .http
            .get(format!(
                "{}/api/elections/{}/export/prefecture",
                app.base, e.id
            ))
            .bearer_auth(TOKEN)
            .send()
            .await
            .expect("export");
        assert_eq!(r.status().as_u16(), 200);
        prefecture_communes(&r.text().await.expect("xml"))
    };
    // The territory has no proclamation of its own: a commune's is asked.
    let r = app
        .http
        .get(format!(
            "{}/api/elections/{}/print/proclamation",
            app.base, e.id
        ))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("print");
    assert_eq!(r.status().as_u16(), 400);
    assert!(
        r.text()
            .await
            .expect("text")
            .contains("précisez la commune")
    );

    // (INSEE, municipal seats, community seats or none).
    let expected = [
        ("29019", 55, Some(40)),
        ("29075", 33, Some(5)),
        ("29189", 33, Some(4)),
        ("29235", 11, None),
    ];
    let apis = api["communes"].as_array().expect("communes");
    assert_eq!(apis.len(), 4, "{api}");
    for (k, (insee, seats, cc_seats)) in expected.into_iter().enumerate() {
        let councils = app
            .running
            .state
            .hub
            .get(&e.id)
            .expect("topic")
            .read()
            .provisional_seats_of(insee, urne::store::now_millis())
            .expect("the commune's seats");
        assert!(councils.is_final(), "{insee}: {councils:?}");
        let map = |a: &election_data::seats::Allocation| -> BTreeMap<u32, u32> {
            a.lists.iter().map(|l| (l.id, l.seats)).collect()
        };
        let cm = map(&councils.council);
        let cc = councils.community.as_ref().map(map).unwrap_or_default();
        // Only the commune's own lists take its seats.
        let own: Vec<u32> = e
            .candidates
            .iter()
            .filter(|c| c.commune.as_deref() == Some(insee))
            .map(|c| c.number)
            .collect();
        assert_eq!(cm.keys().copied().collect::<Vec<_>>(), own, "{insee}");
        assert_eq!(cm.values().sum::<u32>(), seats, "{insee}: {cm:?}");
        assert_eq!(
            councils.community.as_ref().map(|a| a.total),
            cc_seats,
            "{insee}"
        );
        let shown = |m: &BTreeMap<u32, u32>| -> BTreeMap<u32, u32> {
            m.iter()
                .filter(|(_, s)| **s > 0)
                .map(|(k, v)| (*k, *v))
                .collect()
        };

        // The commune's page.
        let page = app
            .get_text(&format!("/elections/{}/perimetres/{insee}", e.id))
            .await
            .1;
        assert_eq!(
            page_table_seats(council_html(&page, "municipal")),
            shown(&cm),
            "{insee}"
        );
        if cc_seats.is_some() {
            assert_eq!(
                page_table_seats(council_html(&page, "community")),
                shown(&cc),
                "{insee}"
            );
        }
        let shown_text = without_scripts(&page);
        for c in &e.candidates {
            assert_eq!(
                shown_text.contains(&c.name),
                own.contains(&c.number),
                "{insee}: {}",
                c.name
            );
        }

        // The seats API and the feed.
        assert_eq!(apis[k]["commune"], insee);
        assert_eq!(json_seats(&apis[k]["councils"]["council"]), cm, "{insee}");
        assert_eq!(json_seats(&apis[k]["councils"]["community"]), cc, "{insee}");
        let perimeter = feed["perimeters"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["code"] == insee))
            .expect("the commune in the feed");
        assert_eq!(json_seats(&perimeter["councils"]["council"]), cm, "{insee}");
        assert_eq!(
            json_seats(&perimeter["councils"]["community"]),
            cc,
            "{insee}"
        );

        // The prefecture file: the commune's lists by their panel numbers.
        let by_panel = |m: &BTreeMap<u32, u32>| -> BTreeMap<u32, u32> {
            m.iter()
                .map(|(n, s)| (e.candidate(*n).map_or(*n, |c| c.panel_number()), *s))
                .collect()
        };
        let block = xml.get(insee).expect("the commune's block");
        let totals = block.split("<Bureaux>").next().unwrap_or_default();
        assert_eq!(prefecture_tag(totals, "NbSieges"), by_panel(&cm), "{insee}");
        assert_eq!(
            prefecture_tag(totals, "NbSiegesCC"),
            by_panel(&cc),
            "{insee}"
        );

        // Its proclamation: downloadable, and its seat columns.
        let r = app
            .http
            .get(format!(
                "{}/api/elections/{}/print/proclamation?commune={insee}",
                app.base, e.id
            ))
            .bearer_auth(TOKEN)
            .send()
            .await
            .expect("print");
        assert_eq!(r.status().as_u16(), 200, "{insee}");
        assert!(r.bytes().await.expect("pdf").starts_with(b"%PDF-"));
        let own_results = results.of_commune(insee).expect("the commune's results");
        let (_, pages) =
            urne::print::layout(&Record::Proclamation, Paper::A4, &own_results, 0).expect("layout");
        let panels: Vec<u32> = own_results
            .election
            .candidates
            .iter()
            .map(|c| c.panel_number())
            .collect();
        if cc_seats.is_some() {
            assert_eq!(
                printed_councils(&pages, &panels),
                (by_panel(&cm), by_panel(&cc)),
                "{insee}"
            );
        } else {
            assert_eq!(printed_seats(&pages, &panels), by_panel(&cm), "{insee}");
        }
    }

    // A Guipavas bureau's page and the desk's form: Guipavas's lists only.
    let page = app
        .get_text(&format!("/elections/{}/bureaux/29075-0001", e.id))
        .await
        .1;
    let page = without_scripts(&page);
    assert!(page.contains("Guipavas ensemble") && !page.contains("Brest au cœur"));
    crate::helpers::add_user(&app, "desk-epci", "desk", &[]).await;
    let desk = crate::helpers::login(&app, "desk-epci").await;
    let form = app
        .http
        .get(format!(
            "{}/desk/elections/{}/bureaux/29075-0001",
            app.base, e.id
        ))
        .header("cookie", &desk.cookie)
        .send()
        .await
        .expect("form")
        .text()
        .await
        .expect("html");
    let inputs: Vec<&str> = form
        .split("name=\"voix[")
        .skip(1)
        .filter_map(|s| s.split(']').next())
        .collect();
    assert_eq!(inputs, ["5", "6"], "Guipavas's two lists");
    assert!(form.contains("1. Guipavas ensemble") && form.contains("2. Agir pour Guipavas"));
    app.running.shutdown().await;
}

/// A page's text without its scripts (whose data name every list).
fn without_scripts(page: &str) -> String {
    page.split("<script")
        .enumerate()
        .map(|(i, part)| {
            if i == 0 {
                part
            } else {
                part.split_once("</script>").map_or("", |(_, after)| after)
            }
        })
        .collect()
}
