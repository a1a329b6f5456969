//! Writes the printable records of the sample municipal election (second
//! round, 39 seats) to a folder, for `scripts/render-pdf.sh` to turn into
//! PNG: the commune record, the proclamation and bureau 0001's record, in A4
//! portrait and A3 landscape. With `--partial`, only 20 bureaux are counted.
//!
//! Usage: cargo run -p server --example print_sample -- OUTPUT_DIR [--partial]

use std::collections::BTreeMap;

use election_data::fixtures::{sample_municipales, sample_pv};
use election_data::formats::ResultsFile;
use urne::print::{Paper, Record, render};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().unwrap_or_else(|| "target/pdf".into()));
    let partial = args.any(|a| a == "--partial");
    std::fs::create_dir_all(&dir)?;
    let mut e = sample_municipales();
    e.round = 2;
    e.label = "Élections municipales 2026 — 2d tour".into();
    e.date = "2026-03-22".into();
    // An INSEE code, so the records show the département.
    let e = election_data::fixtures::with_insee(e, "13004");
    let counted = if partial { 20 } else { e.bureaux.len() };
    let pvs: BTreeMap<_, _> = e
        .bureaux
        .iter()
        .take(counted)
        .enumerate()
        .map(|(i, b)| (b.code.clone(), sample_pv(&e, b, 2026 + i as u64)))
        .collect();
    let results = ResultsFile::new(e, pvs);
    // 22 March 2026, 21:40 UTC.
    let edited = 1_774_215_600_000;
    for paper in [Paper::A4, Paper::A3] {
        for record in [
            Record::Commune,
            Record::Proclamation,
            Record::Bureau("0001".into()),
        ] {
            let bytes = render(&record, paper, &results, edited)?;
            let path = dir.join(format!("{}-{}.pdf", record.name(), paper.name()));
            std::fs::write(&path, bytes)?;
            println!("{}", path.display());
        }
    }
    Ok(())
}
