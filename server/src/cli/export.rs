//! `urne export FORMAT`: an election's results in one of the formats (or a
//! printed record, `pdf`) from the database, with the file's SHA-256 printed
//! and audited — the same bytes as the HTTP download of the same state.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, anyhow, bail};
use election_data::formats::ResultsFile;

use crate::export::{Format, build, commune_meta, export_audit, rfc3339_utc, sha256};
use crate::print::{Paper, Record};
use crate::store::{Store, now_millis};

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// ministere, prefecture, opendata, nist, eml, or pdf (a printable record).
    pub format: String,
    /// With pdf: commune, proclamation or bureau (with --bureau).
    #[arg(long, default_value = "commune")]
    pub record: String,
    /// With pdf and --record bureau: the bureau's code.
    #[arg(long)]
    pub bureau: Option<String>,
    /// With pdf: a4 (portrait) or a3 (landscape).
    #[arg(long, default_value = "a4")]
    pub paper: String,
    /// The election to export.
    #[arg(long)]
    pub election: String,
    /// Where to write; standard output when absent.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// `published` (default) or `desk`: every current entry.
    #[arg(long, default_value = "published")]
    pub source: String,
    /// The commune's INSEE code, when the commune perimeter's code is not one.
    #[arg(long)]
    pub insee: Option<String>,
    /// One commune of a territory (INSEE code): its records and
    /// proclamation (PDF), with its bureaux and its own lists.
    #[arg(long)]
    pub commune: Option<String>,
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://urne.db")]
    pub database_url: String,
}

/// A printable record asked for on the command line.
fn pdf_request(args: &ExportArgs) -> anyhow::Result<(Record, Paper)> {
    let record = match (args.record.as_str(), &args.bureau) {
        ("commune", _) => Record::Commune,
        ("proclamation", _) => Record::Proclamation,
        ("bureau", Some(code)) => Record::Bureau(code.clone()),
        ("bureau", None) => bail!("--record bureau : précisez --bureau CODE"),
        (other, _) => bail!("--record : commune, proclamation ou bureau, pas « {other} »"),
    };
    let paper = Paper::parse(&args.paper)
        .ok_or_else(|| anyhow!("--paper : a4 ou a3, pas « {} »", args.paper))?;
    Ok((record, paper))
}

pub async fn export(args: ExportArgs) -> anyhow::Result<()> {
    let format = if args.format == "pdf" {
        None
    } else {
        Some(Format::parse(&args.format).ok_or_else(|| {
            let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
            anyhow!(
                "format inconnu « {} » ({}, pdf)",
                args.format,
                names.join(", ")
            )
        })?)
    };
    let pdf = match format {
        None => Some(pdf_request(&args)?),
        Some(_) => None,
    };
    let desk = match args.source.as_str() {
        "published" | "public" => false,
        "desk" => true,
        other => bail!("--source : published ou desk, pas « {other} »"),
    };
    let store = Store::connect(&args.database_url).await?;
    let stored = store
        .load_all()
        .await?
        .into_iter()
        .find(|s| s.election.id == args.election)
        .ok_or_else(|| anyhow!("élection inconnue : {}", args.election))?;
    let pvs: BTreeMap<_, _> = stored
        .bureaux
        .into_iter()
        .filter_map(|b| {
            let pv = if desk {
                b.dossier.record.pv
            } else {
                b.dossier.published
            };
            pv.map(|pv| (b.code, pv))
        })
        .collect();
    let meta = commune_meta(&stored.election, args.insee.as_deref()).map_err(|m| anyhow!(m))?;
    let mut results = ResultsFile::new(stored.election, pvs);
    results.meta = meta;
    if let Some(code) = args.commune.as_deref() {
        results = results
            .of_commune(code)
            .ok_or_else(|| anyhow!("--commune : {code} n'est pas une commune de ce territoire"))?;
    }
    let now = now_millis();
    let (bytes, what) = match (format, pdf) {
        (Some(format), _) => (
            build(format, &results, &rfc3339_utc(now)),
            format.name().to_string(),
        ),
        (None, Some((record, paper))) => {
            let what = format!("pdf-{}-{}", record.name(), paper.name());
            let bytes = crate::export::print_pdf(record, paper, results, now)
                .await
                .map_err(|e| anyhow!(e))?;
            (bytes, what)
        }
        (None, None) => bail!("format inconnu « {} »", args.format),
    };
    let (hex, _) = sha256(&bytes);
    store
        .audit(export_audit("cli", &args.election, &what, desk, &hex))
        .await?;
    match &args.output {
        Some(path) => {
            std::fs::write(path, &bytes)
                .with_context(|| format!("écriture de {}", path.display()))?;
            println!("{hex}  {}", path.display());
        }
        None => {
            use std::io::Write;
            std::io::stdout().write_all(&bytes)?;
            eprintln!("SHA-256 : {hex}");
        }
    }
    Ok(())
}
