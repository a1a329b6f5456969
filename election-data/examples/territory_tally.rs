//! How long a municipal territory of N communes takes to check and tally:
//! each commune with two bureaux and three lists of its own, every bureau
//! counted. The definition's checks, the Aggregator's indexes and every
//! tally grow linearly with the communes (a national file has about
//! 35,000). Figures: docs/performance.md « A territory of thousands of
//! communes ».
//!
//! Run: `cargo run --release -p election-data --example territory_tally -- 35000`

use std::collections::BTreeMap;
use std::time::Instant;

use election_data::model::{
    Bureau, Candidate, CandidateVoix, Perimeter, PerimeterKind, ProcesVerbal,
};
use election_data::tally::{Aggregator, BureauRecord};

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(35_000);
    let mut e = election_data::fixtures::sample_municipal_territory();
    e.perimeters.retain(|p| p.parent.is_none());
    e.bureaux.clear();
    e.candidates.clear();
    for k in 0..n {
        // Codes of the shape of INSEE codes: département 10 and up, 900 a département.
        let insee = format!("{}{:03}", 10 + k / 900, k % 900 + 1);
        e.perimeters.push(Perimeter {
            code: insee.clone(),
            name: format!("Commune {k}"),
            kind: PerimeterKind::Commune,
            parent: Some("EPCI-BMO".into()),
            population: Some(2_000),
            cc_seats: None,
        });
        for b in 1..=2 {
            e.bureaux.push(Bureau {
                code: format!("{insee}-{b:04}"),
                name: format!("Bureau {b}"),
                address: None,
                inscrits: 800,
                perimeters: vec![insee.clone()],
            });
        }
        for panel in 1..=3u32 {
            let number = u32::try_from(e.candidates.len() + 1).unwrap_or(u32::MAX);
            let mut c = Candidate::new(number, format!("Liste {k}-{panel}"), "#336699");
            c.commune = Some(insee.clone());
            c.panel = Some(panel);
            e.candidates.push(c);
        }
    }
    let t = Instant::now();
    let checked = e.check();
    let check = t.elapsed();
    if let Err(errs) = checked {
        eprintln!("invalid definition: {:?}", errs.first());
        std::process::exit(1);
    }
    // Each bureau's PV: 600 votants, 300, 200 and 100 voix for its commune's lists.
    let records: BTreeMap<String, BureauRecord> = e
        .bureaux
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let first = u32::try_from(i / 2 * 3 + 1).unwrap_or(u32::MAX);
            let pv = ProcesVerbal {
                inscrits: 800,
                votants: 600,
                blancs: 0,
                nuls: 0,
                exprimes: 600,
                voix: [300, 200, 100]
                    .iter()
                    .zip(first..)
                    .map(|(&voix, candidate)| CandidateVoix { candidate, voix })
                    .collect(),
                turnout: Vec::new(),
            };
            let record = BureauRecord {
                pv: Some(pv),
                turnout: Vec::new(),
            };
            (b.code.clone(), record)
        })
        .collect();
    let t = Instant::now();
    let aggregator = Aggregator::new(&e);
    let index = t.elapsed();
    let t = Instant::now();
    let all = aggregator.all(&e, &records);
    let tally = t.elapsed();
    let brest_like = &all.perimeters[&e.communes()[0].code];
    assert_eq!(
        brest_like.scores.len(),
        3,
        "each commune scores its own lists"
    );
    println!(
        "{n} communes, {} bureaux, {} lists: check {:.1} ms, indexes {:.1} ms, every tally ({} perimeters, {} bureaux) {:.1} ms",
        e.bureaux.len(),
        e.candidates.len(),
        check.as_secs_f64() * 1e3,
        index.as_secs_f64() * 1e3,
        all.perimeters.len(),
        all.bureaux.len(),
        tally.as_secs_f64() * 1e3,
    );
}
