//! The streamed ministry decoder against a plain `csv` pass over the same
//! bytes, in the same run, with the peak memory of each.
//!
//! Writes a national-sized file in the layout since 2024 (candidates, one
//! commune, `URNE_BENCH_MB` megabytes, 200 by default) to the temporary
//! directory, then times:
//! - `csv`: the `csv` crate reading every record (`ByteRecord`), nothing else;
//! - `decode, all rows`: `ministry::decode_stream`, every row checked and kept,
//!   timed to the decoded election (as the `csv` pass to its last record;
//!   freeing what was kept is the caller's, after storing it);
//! - `decode, filtered out`: the same with a commune filter no row matches.
//!
//! Each figure is MB/s of the file; each pass runs in its own process (the
//! bench itself, run again), whose peak resident memory (VmHWM, Linux) it
//! reports.
//!
//! Run: `cargo bench -p election-data --bench ministry_stream`

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::time::Instant;

use election_data::ElectionKind;
use election_data::Percent;
use election_data::formats::ElectionHeader;
use election_data::formats::ministry::{Filter, Layout, MinistryImport, decode_stream};

const CANDIDATES: u64 = 20;

fn pct(part: u64, whole: u64) -> String {
    format!("{}%", Percent::of(part, whole).unwrap_or_default().fr())
}

fn generate(path: &std::path::Path, bytes: u64) -> std::io::Result<u64> {
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let header = Layout::Candidates2024.header(CANDIDATES as usize).join(";");
    writeln!(out, "{header}")?;
    let mut written = header.len() as u64 + 1;
    let mut rows = 0u64;
    let mut line = String::new();
    while written < bytes {
        let i = rows;
        let inscrits = 900 + i % 600;
        let votants = inscrits * 7 / 10;
        let (blancs, nuls) = (i % 13, i % 7);
        let exprimes = votants - blancs - nuls;
        let abst = inscrits - votants;
        line.clear();
        line.push_str(&format!(
            "13;Bouches-du-Rhône;13004;Valbonne-sur-Rhône;{:04};{inscrits};{votants};{};{abst};{};{exprimes};{};{};{blancs};{};{};{nuls};{};{}",
            i + 1,
            pct(votants, inscrits),
            pct(abst, inscrits),
            pct(exprimes, inscrits),
            pct(exprimes, votants),
            pct(blancs, inscrits),
            pct(blancs, votants),
            pct(nuls, inscrits),
            pct(nuls, votants),
        ));
        for c in 0..CANDIDATES {
            let voix = exprimes / CANDIDATES + if c == 0 { exprimes % CANDIDATES } else { 0 };
            line.push_str(&format!(
                ";{};DIV;CANDIDAT-{c:02};Jean-Pierre;{};{voix};{};{};",
                c + 1,
                if c % 2 == 0 { "F" } else { "M" },
                pct(voix, inscrits),
                pct(voix, exprimes),
            ));
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
        written += line.len() as u64;
        rows += 1;
    }
    out.flush()?;
    Ok(rows)
}

fn peak_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// One pass over the file, in this (child) process: prints its seconds and
/// the process's peak resident memory.
fn pass(which: &str, path: &std::path::Path) {
    let size = std::fs::metadata(path).expect("metadata").len();
    let open = || BufReader::with_capacity(1 << 20, File::open(path).expect("open"));
    let import = |filter: Filter| MinistryImport {
        header: ElectionHeader {
            id: "bench".into(),
            label: "Bench".into(),
            kind: ElectionKind::Legislatives,
            round: 1,
            date: "2024-06-30".into(),
        },
        filter,
    };
    let t = Instant::now();
    match which {
        "csv" => {
            let mut reader = csv::ReaderBuilder::new()
                .delimiter(b';')
                .has_headers(false)
                .flexible(true)
                .from_reader(open());
            let mut record = csv::ByteRecord::new();
            let mut fields = 0usize;
            while reader.read_byte_record(&mut record).expect("csv") {
                fields += record.len();
            }
            assert!(fields > 0);
        }
        "all" => {
            let (_, r) = decode_stream(open(), size, &import(Filter::default()), &mut |_, _| {})
                .expect("valid file");
            // Timed to the decoded election, as the csv pass is timed to its
            // last record: freeing what was kept (191,045 bureaux, ~13 % of
            // the pass) is its owner's business, after storing it.
            let took = t.elapsed();
            assert!(!r.pvs.is_empty());
            println!("{} {}", took.as_secs_f64(), peak_mb());
            drop(r);
            return;
        }
        _ => {
            let r = decode_stream(
                open(),
                size,
                &import(Filter::commune("29019")),
                &mut |_, _| {},
            );
            assert!(r.is_err(), "no row of 29019");
        }
    }
    println!("{} {}", t.elapsed().as_secs_f64(), peak_mb());
}

fn main() {
    if let (Ok(which), Ok(path)) = (
        std::env::var("URNE_BENCH_PASS"),
        std::env::var("URNE_BENCH_FILE"),
    ) {
        pass(&which, std::path::Path::new(&path));
        return;
    }
    let mb: u64 = std::env::var("URNE_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let dir = std::env::temp_dir().join(format!("urne-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("resultats-par-bureau.csv");
    let rows = generate(&path, mb << 20).expect("write the file");
    let size = std::fs::metadata(&path).expect("metadata").len();
    let size_mb = size as f64 / (1 << 20) as f64;
    println!("file: {size_mb:.1} MB, {rows} bureaux, {CANDIDATES} candidates (layout since 2024)");
    let exe = std::env::current_exe().expect("the bench itself");
    let run = |which: &str| -> (f64, f64) {
        let out = std::process::Command::new(&exe)
            .env("URNE_BENCH_PASS", which)
            .env("URNE_BENCH_FILE", &path)
            .output()
            .expect("run a pass");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        let mut it = text
            .split_whitespace()
            .map(|v| v.parse::<f64>().unwrap_or(f64::NAN));
        (it.next().unwrap_or(f64::NAN), it.next().unwrap_or(f64::NAN))
    };
    for round in 1..=2 {
        let (csv_s, csv_peak) = run("csv");
        let (all_s, all_peak) = run("all");
        let (none_s, none_peak) = run("none");
        println!("round {round}:");
        println!(
            "  csv                  {:8.1} MB/s   peak RSS {csv_peak:6.1} MB",
            size_mb / csv_s
        );
        println!(
            "  decode, all rows     {:8.1} MB/s   peak RSS {all_peak:6.1} MB   ratio {:.2}",
            size_mb / all_s,
            csv_s / all_s
        );
        println!(
            "  decode, filtered out {:8.1} MB/s   peak RSS {none_peak:6.1} MB   ratio {:.2}",
            size_mb / none_s,
            csv_s / none_s
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
