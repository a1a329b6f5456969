//! Static assets from the top-level `web/` folder, embedded in the binary.
//!
//! rust-embed compiles the files in, so a single `urne` binary serves its
//! own CSS and live-update script with no install step. Responses carry an
//! ETag (the file's SHA-256) and are cached by browsers; the server and the
//! kiosk share these same files.

use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../web/"]
pub struct Web;

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

pub async fn serve(Path(path): Path<String>, headers: HeaderMap) -> Response {
    let Some(file) = Web::get(&path) else {
        return (StatusCode::NOT_FOUND, "fichier introuvable").into_response();
    };
    let etag = format!(
        "\"{}\"",
        file.metadata
            .sha256_hash()
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == etag)
    {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    (
        [
            (header::CONTENT_TYPE, content_type(&path).to_string()),
            (header::ETAG, etag),
            (header::CACHE_CONTROL, "public, max-age=300".to_string()),
        ],
        file.data,
    )
        .into_response()
}

/// A cache-busting suffix for asset URLs: changes whenever the file does.
pub fn version(path: &str) -> String {
    Web::get(path)
        .map(|f| {
            f.metadata
                .sha256_hash()
                .iter()
                .take(4)
                .map(|b| format!("{b:02x}"))
                .collect()
        })
        .unwrap_or_default()
}
