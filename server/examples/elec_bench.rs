//! openElec's benchmark (a benchmark, not a timed test): a roll of
//! `--electors` electors (100,000 by default) from the catalogue's fixture
//! program, imported, then the listes d'émargement of every bureau
//! printed, then the search by name, on SQLite and PostgreSQL.
//!
//! For each backend — a temporary SQLite file, and PostgreSQL when it is
//! reachable (a fresh database, dropped at the end) — it switches openElec
//! on, starts the server in-process, defines the sample commune's election
//! (34 bureaux: the electors' bureaux must be the night's), and:
//!
//! 1. imports the streets, the découpage, the electors and the
//!    procurations with the import `urne module import` runs
//!    ([`urne::modules::import::import`]: every row checked, one
//!    transaction, one audit row), timing each file and reading the
//!    process's peak resident memory (`VmHWM`, reset before the import
//!    through `/proc/self/clear_refs`) against its resident memory before;
//!    on PostgreSQL the tables are then `VACUUM (ANALYZE)`d, as autovacuum
//!    does within a minute of a bulk load on a real installation (the
//!    development machine's PostgreSQL runs with `autovacuum = off`);
//! 2. asks the server for the liste d'émargement (A4 PDF) of every bureau,
//!    one after another, over HTTP: the time per bureau and in all, and
//!    the peak memory again;
//! 3. times `--requests` searches by surname (`/api/m/elec/electeur?q=`)
//!    of electors drawn at random, and a search of a surname given to
//!    nobody; the acceptance asks for a p99 under 50 ms.
//!
//! Run (builds in release):
//!
//! ```sh
//! cargo run --release -p server --example elec_bench -- \
//!     [--electors 100000] [--requests 200] [--postgres URL | --no-postgres]
//! ```

mod bench_support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bench_support::{TOKEN, drop_pg_database, machine, pg_database, serve_module};
use catalogue::elec::fixture;
use clap::Parser;
use hdrhistogram::Histogram;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use urne::store::Store;

const TARGET_MS: f64 = 50.0;

#[derive(Debug, Parser)]
#[command(about = "openElec: import, émargement lists and search on a large roll")]
struct Args {
    #[arg(long, default_value_t = 100_000)]
    electors: usize,
    /// Measured searches.
    #[arg(long, default_value_t = 200)]
    requests: usize,
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    postgres: String,
    #[arg(long)]
    no_postgres: bool,
    #[arg(long, default_value_t = 2027)]
    seed: u64,
}

/// Resident memory now and its peak since the last reset, in MiB.
fn memory() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Resets the peak to the current resident memory (Linux).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

struct Report {
    backend: &'static str,
    imports: Vec<(&'static str, usize, f64)>,
    import_rss_before: f64,
    import_peak: f64,
    emargements: usize,
    emargement_seconds: f64,
    emargement_max_ms: f64,
    emargement_pages_bytes: usize,
    emargement_peak: f64,
    search: [f64; 4],
    search_none_p99: f64,
    /// The slowest searches: word, time, matches.
    slowest: Vec<String>,
}

fn histogram() -> anyhow::Result<Histogram<u64>> {
    Histogram::<u64>::new_with_bounds(1, 120_000_000, 3).context("histogram")
}

async fn get(http: &reqwest::Client, url: &str) -> anyhow::Result<(Duration, Vec<u8>)> {
    let started = Instant::now();
    let r = http.get(url).bearer_auth(TOKEN).send().await?;
    let status = r.status();
    let body = r.bytes().await?.to_vec();
    let took = started.elapsed();
    if !status.is_success() {
        bail!(
            "GET {url}: {status}: {}",
            String::from_utf8_lossy(&body)
                .chars()
                .take(300)
                .collect::<String>()
        );
    }
    Ok((took, body))
}

async fn run_backend(backend: &'static str, url: &str, args: &Args) -> anyhow::Result<Report> {
    let store = Arc::new(Store::connect(url).await.context("connecting the store")?);
    let m = catalogue::elec::module();
    let (running, base, http) = serve_module(&store, &m, 64 * 1024 * 1024).await?;
    let result = async {
        let sample = election_data::fixtures::sample_commune();
        let r = http
            .post(format!("{base}/api/elections"))
            .bearer_auth(TOKEN)
            .json(&sample)
            .send()
            .await?;
        if r.status().as_u16() != 201 {
            bail!("defining the election: {}", r.status());
        }
        let codes: Vec<String> = sample.bureaux.iter().map(|b| b.code.clone()).collect();
        let f = fixture::roll(args.seed, &codes, args.electors);
        let files = f.csv();
        let known = urne::modules::known(&running.state);

        // 1. The import.
        let mut imports = Vec::new();
        reset_peak();
        let (import_rss_before, _) = memory();
        for (entity, name) in [
            ("voie", "voies.csv"),
            ("decoupage", "decoupage.csv"),
            ("electeur", "electeurs.csv"),
            ("procuration", "procurations.csv"),
        ] {
            let bytes = &files
                .iter()
                .find(|(n, _)| *n == name)
                .context("fixture file")?
                .1;
            let e = m.entity(entity).context("entity")?;
            let started = Instant::now();
            let mut last = 0;
            let done = urne::modules::import::import(
                &store,
                &m,
                e,
                bytes.as_bytes(),
                &known,
                "bench",
                &mut |done, total| {
                    let pct = (done * 100).checked_div(total).unwrap_or(100);
                    if pct >= last + 25 {
                        last = pct;
                        eprint!("\r{backend}: {name} {pct} %   ");
                    }
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("{name}: {e:?}"))?;
            let secs = started.elapsed().as_secs_f64();
            eprintln!("\r{backend}: {name}: {} rows in {secs:.1} s", done.rows);
            imports.push((name, done.rows, secs));
        }
        let (_, import_peak) = memory();
        if store.backend() == urne::store::Backend::Postgres {
            // What autovacuum does within a minute of a bulk load (the
            // development machine's PostgreSQL runs without it).
            for e in &m.entities {
                sqlx::raw_sql(&format!(
                    "VACUUM (ANALYZE) {}",
                    module_engine::sql::table(&m, e)
                ))
                .execute(store.pool())
                .await?;
            }
        }

        // 2. Every bureau's liste d'émargement.
        reset_peak();
        let date = "2027-04-11";
        let started = Instant::now();
        let mut max_ms: f64 = 0.0;
        let mut bytes = 0;
        for code in &codes {
            let (took, pdf) = get(
                &http,
                &format!("{base}/desk/m/elec/emargement/{code}?date={date}"),
            )
            .await?;
            if !pdf.starts_with(b"%PDF-") {
                bail!("bureau {code}: not a PDF");
            }
            bytes += pdf.len();
            max_ms = max_ms.max(took.as_secs_f64() * 1000.0);
        }
        let emargement_seconds = started.elapsed().as_secs_f64();
        let (_, emargement_peak) = memory();
        eprintln!(
            "{backend}: {} listes d'émargement in {emargement_seconds:.1} s",
            codes.len()
        );

        // 3. The search by name.
        let mut rng = StdRng::seed_from_u64(args.seed);
        let mut h = histogram()?;
        let mut slowest: Vec<(Duration, String, i64)> = Vec::new();
        for i in 0..args.requests + 5 {
            let who = &f.electors[rng.random_range(0..f.electors.len())];
            let word = who
                .nom_naissance
                .split_whitespace()
                .last()
                .unwrap_or("martin");
            let (took, body) = get(
                &http,
                &format!("{base}/api/m/elec/electeur?q={}", urlencode(word)),
            )
            .await?;
            let total = serde_json::from_slice::<serde_json::Value>(&body)?["total"]
                .as_i64()
                .unwrap_or(0);
            if total == 0 {
                bail!("search {word}: nobody found");
            }
            if i >= 5 {
                h.saturating_record(u64::try_from(took.as_micros()).unwrap_or(u64::MAX).max(1));
                slowest.push((took, word.to_string(), total));
            }
        }
        slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
        slowest.truncate(5);
        let slowest: Vec<String> = slowest
            .iter()
            .map(|(t, w, n)| format!("« {w} » {:.1} ms ({n} found)", t.as_secs_f64() * 1000.0))
            .collect();
        let ms = |h: &Histogram<u64>, q: f64| h.value_at_quantile(q) as f64 / 1000.0;
        let search = [
            ms(&h, 0.5),
            ms(&h, 0.95),
            ms(&h, 0.99),
            h.max() as f64 / 1000.0,
        ];
        let mut none = histogram()?;
        for _ in 0..args.requests {
            let (took, _) = get(&http, &format!("{base}/api/m/elec/electeur?q=zzyzxqw")).await?;
            none.saturating_record(u64::try_from(took.as_micros()).unwrap_or(u64::MAX).max(1));
        }
        Ok(Report {
            backend,
            imports,
            import_rss_before,
            import_peak,
            emargements: codes.len(),
            emargement_seconds,
            emargement_max_ms: max_ms,
            emargement_pages_bytes: bytes,
            emargement_peak,
            search,
            search_none_p99: ms(&none, 0.99),
            slowest,
        })
    }
    .await;
    running.shutdown().await;
    store.close().await;
    result
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn print(r: &Report, electors: usize) {
    println!("\n{} — {electors} electors", r.backend);
    println!("| import | rows | seconds |");
    println!("|---|---|---|");
    for (name, rows, secs) in &r.imports {
        println!("| {name} | {rows} | {secs:.1} |");
    }
    println!(
        "peak resident memory during the import: {:.0} MiB (resident before: {:.0} MiB)",
        r.import_peak, r.import_rss_before
    );
    println!(
        "émargement: {} bureaux in {:.1} s (slowest {:.0} ms, {:.1} MiB of PDF), peak resident memory {:.0} MiB",
        r.emargements,
        r.emargement_seconds,
        r.emargement_max_ms,
        r.emargement_pages_bytes as f64 / 1024.0 / 1024.0,
        r.emargement_peak
    );
    let [p50, p95, p99, max] = r.search;
    println!(
        "search by surname: p50 {p50:.2} ms, p95 {p95:.2} ms, p99 {p99:.2} ms, max {max:.2} ms ({}); a name nobody has: p99 {:.2} ms",
        if p99 < TARGET_MS {
            "p99 < 50 ms: yes"
        } else {
            "p99 < 50 ms: NO"
        },
        r.search_none_p99
    );
    println!("slowest searches: {}", r.slowest.join(", "));
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.electors == 0 || args.requests == 0 {
        bail!("--electors and --requests must be at least 1");
    }
    let before = machine();
    println!("elec_bench: {} electors; {before}", args.electors);
    let mut reports = Vec::new();
    let dir = tempfile::Builder::new()
        .prefix("urne-elec-bench-")
        .tempdir()
        .context("temporary directory")?;
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    reports.push(run_backend("SQLite", &url, &args).await?);
    let mut skipped = None;
    if args.no_postgres {
        skipped = Some("--no-postgres".to_string());
    } else {
        match pg_database(&args.postgres).await {
            Ok((url, name)) => {
                let r = run_backend("PostgreSQL", &url, &args).await;
                drop_pg_database(&args.postgres, &name).await;
                reports.push(r?);
            }
            Err(why) => skipped = Some(format!("not reachable at {}: {why}", args.postgres)),
        }
    }
    for r in &reports {
        print(r, args.electors);
    }
    if let Some(why) = skipped {
        println!("\nPostgreSQL: SKIPPED ({why})");
    }
    println!("\nmachine: before {before}; after {}", machine());
    if reports.iter().any(|r| r.search[2] >= TARGET_MS) {
        bail!("a search p99 is over {TARGET_MS} ms");
    }
    Ok(())
}
