//! The public display, from the read model (`results_view::pages`,
//! re-exported here): the pages, the big screen, the page cache, the feed
//! document and the static copy. What is the server's: the state the public
//! handlers read ([`PublicState`], which the server's state provides), the
//! routes, the static copy started from the server's state ([`static_dir`])
//! and the benchmark's reference endpoint. The feed's HTTP handler is the
//! API's (`api::feed`).

pub mod static_dir;

use axum::Router;
use axum::extract::{FromRef, Path};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

pub use results_view::pages::{
    LangQuery, Page, PublicState, bureau, cache, candidate, commune, ecran, ecran_page, feed,
    format, home, home_rendered, i18n, not_found, participation, perimeter, view,
};

/// The public pages, in French at `/…` and in English at `/en/…` (the
/// assets are routed beside them; `results_view::pages::routes` has both).
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    PublicState: FromRef<S>,
{
    results_view::pages::page_routes()
}

/// Bytes for the benchmark's reference endpoint.
static FILL: [u8; 256 * 1024] = [b' '; 256 * 1024];

/// `GET /__bench/static/{size}`: a static body of `size` bytes (at most
/// 256 KiB), the yardstick of `scripts/bench-pages.sh`. Only routed when the
/// server starts with `URNE_BENCH_REFERENCE=1`.
pub async fn bench_reference(Path(size): Path<usize>) -> Response {
    let body = Bytes::from_static(&FILL[..size.min(FILL.len())]);
    ([(header::CONTENT_TYPE, cache::HTML)], body).into_response()
}
