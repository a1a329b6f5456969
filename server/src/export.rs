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
//! [`build`] is shared with the CLI's `urne export` ([`crate::cli::export`]),
//! so a download and a command-line export of the same state are the same
//! bytes. The prefecture file carries the final seats of a list election
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
pub(crate) fn export_audit<'a>(
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
