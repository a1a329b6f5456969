//! Downloads of an election's results in the `election-data` formats.
//!
//! `GET /api/elections/{id}/export/{format}` answers the file built by the
//! pure encoders of `election_data::formats` from the live state, with its
//! SHA-256 in two headers: `Digest: sha-256=<base64>` (RFC 3230) and
//! `X-Content-SHA256: <hex>`, so whoever receives it can check the bytes.
//!
//! Which figures: the public (anonymous) gets the published procès-verbaux,
//! and nothing during an embargo; the desk (a desk or admin session, or the
//! API token) gets every current entry with `?source=desk`. The commune's
//! INSEE code comes from the root perimeter's code when it has the shape of
//! one, or from `?insee=`.
//!
//! [`build`] is shared with the CLI's `urne export`, so a download and a
//! command-line export of the same state are the same bytes. The prefecture
//! file carries the final seats of a list election
//! ([`prefecture::final_seats`]).
//!
//! The HTTP handlers are in [`crate::api::exports`] and [`crate::api::print`].
//!
//! The printable records (`GET /api/elections/{id}/print/…`, `urne export
//! pdf`) go through the same figures, digests and audit rows; their layout is
//! [`crate::print`]'s.

use std::collections::BTreeMap;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use election_data::formats::{
    CommuneMeta, ResultsFile, departement_label, eml, ministry, nist, opendata, prefecture,
    split_insee,
};
use election_data::model::{Election, ProcesVerbal};
use sha2::{Digest, Sha256};

use crate::auth::Principal;
use crate::error::ApiError;
use crate::print::{Paper, PrintError, Record};
use crate::state::AppState;
use crate::store::audit::AuditRecord;

/// The formats that can be exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The ministry's per-bureau CSV.
    Ministry,
    /// The prefecture's XML.
    Prefecture,
    /// Open-data CSV, one row per bureau × candidate.
    OpenData,
    /// NIST SP 1500-100 JSON.
    Nist,
    /// OASIS EML 510 XML.
    Eml,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Ministry,
        Format::Prefecture,
        Format::OpenData,
        Format::Nist,
        Format::Eml,
    ];

    /// The name in URLs and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Ministry => "ministere",
            Format::Prefecture => "prefecture",
            Format::OpenData => "opendata",
            Format::Nist => "nist",
            Format::Eml => "eml",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == s)
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Ministry | Format::OpenData => "text/csv; charset=utf-8",
            Format::Prefecture | Format::Eml => "application/xml",
            Format::Nist => "application/json",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Ministry | Format::OpenData => "csv",
            Format::Prefecture | Format::Eml => "xml",
            Format::Nist => "json",
        }
    }
}

/// The commune codes of an election, with an INSEE code given by the user
/// taking precedence over the root perimeter's.
pub fn commune_meta(election: &Election, insee: Option<&str>) -> Result<CommuneMeta, String> {
    let mut meta = CommuneMeta::from_election(election);
    if let Some(code) = insee {
        let (dep, com) =
            split_insee(code).ok_or_else(|| format!("code INSEE invalide : {code}"))?;
        meta.departement_label = departement_label(&dep).unwrap_or_default().to_string();
        meta.departement_code = dep;
        meta.commune_code = com;
    }
    Ok(meta)
}

/// Encodes `results` in `format`; `now` is the RFC 3339 generation date of
/// the feeds that carry one (NIST, EML).
pub fn build(format: Format, results: &ResultsFile, now: &str) -> Vec<u8> {
    match format {
        Format::Ministry => ministry::encode(results),
        Format::Prefecture => {
            prefecture::encode(results, prefecture::final_seats(results).as_ref())
        }
        Format::OpenData => opendata::encode(results),
        Format::Nist => nist::encode(results, now),
        Format::Eml => eml::encode(results, now),
    }
}

/// SHA-256 of the bytes: (hex, base64).
pub fn sha256(bytes: &[u8]) -> (String, String) {
    let digest = Sha256::digest(bytes);
    let hex = digest.iter().map(|b| format!("{b:02x}")).collect();
    let b64 = base64::engine::general_purpose::STANDARD.encode(digest);
    (hex, b64)
}

/// Milliseconds since the epoch as RFC 3339 UTC, to the second.
pub use results_view::time::rfc3339_utc;

/// The audit row of an export: who exported what (a format name, or
/// `pdf-<record>-<paper>`), with its SHA-256.
fn export_audit<'a>(
    actor: &'a str,
    election: &'a str,
    what: &str,
    desk: bool,
    hex: &str,
) -> AuditRecord<'a> {
    AuditRecord {
        actor,
        action: "election.export",
        election_id: Some(election),
        bureau_code: None,
        old: None,
        new: Some(format!(
            "{what} ({}) sha256={hex}",
            if desk { "saisies" } else { "publiés" }
        )),
    }
}

/// Whether the desk's figures are asked for (`?source=desk`, desk only).
pub(crate) fn desk_source(principal: &Principal, source: Option<&str>) -> Result<bool, ApiError> {
    match source {
        None | Some("public") => Ok(false),
        Some("desk") => {
            principal.require_desk()?;
            Ok(true)
        }
        Some(other) => Err(ApiError::bad_request(
            "invalid_source",
            format!("source inconnue : {other} (public ou desk)"),
        )),
    }
}

/// The results to export from the live state: published figures (refused
/// during an embargo) or, for the desk, every current entry.
pub(crate) fn live_results(
    state: &AppState,
    id: &str,
    desk: bool,
    insee: Option<&str>,
    now: i64,
) -> Result<ResultsFile, ApiError> {
    let topic = state.election(id)?;
    let (election, pvs) = {
        let live = topic.read();
        if !desk && !live.public_view(now).results_visible() {
            return Err(ApiError::Forbidden(
                "résultats sous embargo : l'export public sera possible à la levée de l'embargo"
                    .to_string(),
            ));
        }
        let pvs: BTreeMap<String, ProcesVerbal> = live
            .bureaux
            .iter()
            .filter_map(|(code, b)| {
                let pv = if desk {
                    b.record.pv.clone()
                } else {
                    b.published.clone()
                };
                pv.map(|pv| (code.clone(), pv))
            })
            .collect();
        (live.election.as_ref().clone(), pvs)
    };
    let meta =
        commune_meta(&election, insee).map_err(|m| ApiError::bad_request("invalid_insee", m))?;
    let mut results = ResultsFile::new(election, pvs);
    results.meta = meta;
    Ok(results)
}

/// One file to send: what it is (for the audit log), its figures' source,
/// its bytes and type.
pub(crate) struct Delivery<'a> {
    pub what: &'a str,
    pub desk: bool,
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    pub extension: &'a str,
}

/// Audits an export and answers its bytes with their digests; the file is
/// named `<id>-<what>.<extension>`.
pub(crate) async fn deliver(
    state: &AppState,
    principal: &Principal,
    id: &str,
    d: Delivery<'_>,
) -> Result<Response, ApiError> {
    let Delivery {
        what,
        desk,
        bytes,
        content_type,
        extension,
    } = d;
    let filename = format!("{id}-{what}.{extension}");
    let (hex, b64) = sha256(&bytes);
    tracing::info!(
        election = %id,
        format = what,
        by = %principal.name,
        sha256 = %hex,
        "export"
    );
    state
        .store
        .audit(export_audit(&principal.name, id, what, desk, &hex))
        .await?;
    let mut response = bytes.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("sha-256={b64}")) {
        h.insert("digest", v);
    }
    if let Ok(v) = HeaderValue::from_str(&hex) {
        h.insert("x-content-sha256", v);
    }
    Ok(response)
}

/// Prints a record of the results: the PDF's bytes, on a blocking thread
/// (printpdf's document is single-threaded and compresses the font).
pub async fn print_pdf(
    record: Record,
    paper: Paper,
    results: ResultsFile,
    now: i64,
) -> Result<Vec<u8>, PrintError> {
    tokio::task::spawn_blocking(move || crate::print::render(&record, paper, &results, now))
        .await
        .map_err(|e| PrintError::Pdf(e.to_string()))?
}

/// `urne import …` and `urne export …`: the same formats from the command
/// line, straight against the database (like `serve`). Imports are
/// all-or-nothing: every file is read and checked before anything is written,
/// and every problem is printed with its file and line.
pub mod cli {
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    use anyhow::{Context, anyhow, bail};
    use election_data::formats::{
        ElectionHeader, FormatErrors, ResultsFile, ministry, parse_kind, setup,
    };
    use indicatif::{ProgressBar, ProgressStyle};

    use super::{Format, build, commune_meta, export_audit, rfc3339_utc, sha256};
    use crate::print::{Paper, Record};
    use crate::store::{Store, now_millis};

    /// Files above this size show a progress bar while read.
    const PROGRESS_BYTES: u64 = 1 << 20;

    #[derive(Debug, clap::Args)]
    pub struct ElectionArgs {
        /// Identifier of the new election (a-z, 0-9, -).
        #[arg(long)]
        pub id: String,
        /// Its label, as shown on the pages.
        #[arg(long)]
        pub label: String,
        /// presidentielle, legislatives, europeennes, regionales,
        /// departementales, municipales, communautaires or referendum.
        #[arg(long)]
        pub kind: String,
        #[arg(long, default_value_t = 1)]
        pub round: u8,
        /// Polling day, AAAA-MM-JJ.
        #[arg(long)]
        pub date: String,
        #[arg(long, env = "DATABASE_URL", default_value = "sqlite://urne.db")]
        pub database_url: String,
        /// Check the files and print what would be imported; write nothing.
        #[arg(long)]
        pub dry_run: bool,
    }

    impl ElectionArgs {
        fn header(&self) -> anyhow::Result<ElectionHeader> {
            let kind = parse_kind(&self.kind)
                .ok_or_else(|| anyhow!("--kind : type d'élection inconnu « {} »", self.kind))?;
            Ok(ElectionHeader {
                id: self.id.clone(),
                label: self.label.clone(),
                kind,
                round: self.round,
                date: self.date.clone(),
            })
        }
    }

    #[derive(Debug, clap::Subcommand)]
    pub enum ImportCommand {
        /// Define an election from the commune's CSV files (bureaux,
        /// candidates, optionally the electoral roll).
        Setup {
            #[command(flatten)]
            election: ElectionArgs,
            /// Code of the commune (its INSEE code, e.g. 13004).
            #[arg(long)]
            commune_code: String,
            /// Name of the commune.
            #[arg(long)]
            commune_name: String,
            /// Bureaux: code, nom, adresse, inscrits, canton, circonscription, quartier, village.
            #[arg(long)]
            bureaux: PathBuf,
            /// Candidates or lists: panneau, nom, prénom, sexe, nuance, couleur.
            #[arg(long)]
            candidates: PathBuf,
            /// Electoral roll: one row per elector with its bureau, or bureau and inscrits.
            #[arg(long)]
            roll: Option<PathBuf>,
        },
        /// Load a past election with its results from the ministry's
        /// per-bureau file; bureaux are stored as published.
        Ministry {
            /// The ministry's file (CSV, `;`, UTF-8 or Windows-1252).
            file: PathBuf,
            #[command(flatten)]
            election: ElectionArgs,
            /// Keep only this commune of a national file (INSEE code).
            #[arg(long)]
            commune: Option<String>,
        },
    }

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
        #[arg(long, env = "DATABASE_URL", default_value = "sqlite://urne.db")]
        pub database_url: String,
    }

    fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
        std::fs::read(path).with_context(|| format!("lecture de {}", path.display()))
    }

    fn progress_for(len: u64, what: &str) -> ProgressBar {
        if len < PROGRESS_BYTES {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new(len);
        if let Ok(style) =
            ProgressStyle::with_template("{msg} [{bar:40}] {bytes}/{total_bytes} ({eta})")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(what.to_string());
        bar
    }

    /// Prints every problem of a file on standard error and fails.
    fn report(path: &Path, errors: FormatErrors) -> anyhow::Error {
        for e in &errors.0 {
            eprintln!("{}: {e}", path.display());
        }
        anyhow!(
            "{} : {} erreur{} ; rien n'a été importé",
            path.display(),
            errors.0.len(),
            if errors.0.len() > 1 { "s" } else { "" }
        )
    }

    pub async fn import(command: ImportCommand) -> anyhow::Result<()> {
        match command {
            ImportCommand::Setup {
                election,
                commune_code,
                commune_name,
                bureaux,
                candidates,
                roll,
            } => {
                let header = election.header()?;
                let b = setup::decode_bureaux(&read(&bureaux)?, &commune_code)
                    .map_err(|e| report(&bureaux, e))?;
                let c = setup::decode_candidates(&read(&candidates)?)
                    .map_err(|e| report(&candidates, e))?;
                let r = match &roll {
                    Some(path) => {
                        let bytes = read(path)?;
                        let bar = progress_for(bytes.len() as u64, "liste électorale");
                        let r = setup::decode_roll(&bytes, &mut |done, total| {
                            bar.set_length(total);
                            bar.set_position(done);
                        });
                        bar.finish_and_clear();
                        Some(r.map_err(|e| report(path, e))?)
                    }
                    None => None,
                };
                let e =
                    setup::build_election(header, (&commune_code, &commune_name), b, r.as_ref(), c)
                        .map_err(|e| report(roll.as_deref().unwrap_or(&bureaux), e))?;
                println!(
                    "{} : {} bureaux ({} inscrits), {} candidats, {} périmètres",
                    e.id,
                    e.bureaux.len(),
                    e.total_inscrits(),
                    e.candidates.len(),
                    e.perimeters.len()
                );
                if election.dry_run {
                    println!("vérification seule : rien n'a été enregistré");
                    return Ok(());
                }
                let store = Store::connect(&election.database_url).await?;
                store.create_election(&e, "cli-import").await?;
                println!("élection {} enregistrée", e.id);
            }
            ImportCommand::Ministry {
                file,
                election,
                commune,
            } => {
                let header = election.header()?;
                let bytes = read(&file)?;
                let bar = progress_for(bytes.len() as u64, "fichier du ministère");
                let decoded = ministry::decode(
                    &bytes,
                    &ministry::MinistryImport { header, commune },
                    &mut |done, total| {
                        bar.set_length(total);
                        bar.set_position(done);
                    },
                );
                bar.finish_and_clear();
                let results = decoded.map_err(|e| report(&file, e))?;
                println!(
                    "{} : commune {} ({}), {} bureaux, {} candidats",
                    results.election.id,
                    results.meta.commune_label,
                    results.meta.insee(),
                    results.election.bureaux.len(),
                    results.election.candidates.len()
                );
                if election.dry_run {
                    println!("vérification seule : rien n'a été enregistré");
                    return Ok(());
                }
                let store = Store::connect(&election.database_url).await?;
                store_results(&store, &results).await?;
                println!(
                    "élection {} enregistrée avec {} procès-verbaux publiés",
                    results.election.id,
                    results.pvs.len()
                );
            }
        }
        Ok(())
    }

    /// Creates the election and stores each bureau's procès-verbal as
    /// published, through the write path (as an administrator).
    pub async fn store_results(store: &Store, results: &ResultsFile) -> anyhow::Result<()> {
        let bar = if results.election.bureaux.len() > 200 {
            ProgressBar::new(results.election.bureaux.len() as u64)
        } else {
            ProgressBar::hidden()
        };
        crate::write::import_published(store, results, "cli-import", || bar.inc(1)).await?;
        bar.finish_and_clear();
        Ok(())
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
        let now = now_millis();
        let (bytes, what) = match (format, pdf) {
            (Some(format), _) => (
                build(format, &results, &rfc3339_utc(now)),
                format.name().to_string(),
            ),
            (None, Some((record, paper))) => {
                let what = format!("pdf-{}-{}", record.name(), paper.name());
                let bytes = super::print_pdf(record, paper, results, now)
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_digests() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(1_807_475_100_000), "2027-04-11T20:25:00Z");
        let (hex, b64) = sha256(b"abc");
        assert_eq!(
            hex,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(b64, "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
        for f in Format::ALL {
            assert_eq!(Format::parse(f.name()), Some(f));
        }
    }
}
