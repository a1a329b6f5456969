//! The public display: results pages, the big screen and the open feed.
//!
//! - [`view`] and [`ecran`] render every page as a pure function of an
//!   election's live state (no axum type, no IO), so the kiosk can reuse them.
//! - [`cache`] keeps each page rendered once per change and serves it from
//!   memory with `ETag` / `Last-Modified`; reads never touch the database.
//! - [`feed`] is the documented JSON for media (`docs/feed.md`).
//! - [`static_dir`] writes the pages and the feed to a folder after each
//!   change, for nginx to serve if the application is down.
//! - [`i18n`] holds every word, in French (default) and English (`/en/…` or
//!   `?lang=en`); [`format`] the figures' conventions per language.
//!
//! This module's handlers only pick the page, the language and the cache
//! entry. Pages are complete without JavaScript and update live with it
//! (`web/live.js`, `web/ecran.js`).

pub mod cache;
pub mod ecran;
pub mod feed;
pub mod format;
pub mod i18n;
pub mod static_dir;
pub mod view;

use axum::Router;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use election_data::model::Election;
use serde::Deserialize;

use crate::state::AppState;
use cache::{HTML, Key, Resource, combined_stamp, stamp};
use i18n::Lang;
pub use view::Page;

/// `?lang=en` on any public page.
#[derive(Debug, Default, Deserialize)]
pub struct LangQuery {
    pub lang: Option<String>,
}

/// The language of a request: `/en/…` or `?lang=en`, French otherwise.
fn lang_of(uri: &OriginalUri, q: &LangQuery) -> Lang {
    let path = uri.0.path();
    if path == "/en" || path.starts_with("/en/") {
        Lang::En
    } else {
        Lang::parse(q.lang.as_deref())
    }
}

/// The public routes, in French at `/…` and in English at `/en/…`.
pub fn routes() -> Router<AppState> {
    let pages = Router::new()
        .route("/elections/{id}", get(commune))
        .route("/elections/{id}/participation", get(participation))
        .route("/elections/{id}/ecran", get(ecran_page))
        .route("/elections/{id}/perimetres/{code}", get(perimeter))
        .route("/elections/{id}/bureaux/{code}", get(bureau))
        .route("/elections/{id}/candidats/{number}", get(candidate));
    Router::new()
        .route("/", get(home))
        .route("/en", get(home))
        .route("/en/", get(home))
        .merge(pages.clone())
        .nest("/en", pages)
}

/// Whether `page` names something of the election (only those are cached).
fn exists(e: &Election, page: &Page) -> bool {
    match page {
        Page::Home | Page::Commune | Page::Participation | Page::Ecran => e.root().is_some(),
        Page::Perimeter(c) => e.perimeter(c).is_some(),
        Page::Bureau(c) => e.bureau(c).is_some(),
        Page::Candidate(n) => e.candidate(*n).is_some() && e.root().is_some(),
    }
}

fn not_found_page(lang: Lang, message: &str) -> Response {
    (StatusCode::NOT_FOUND, view::not_found(lang, message)).into_response()
}

/// Serves an election page from the cache, rendering it if it changed.
fn serve(state: &AppState, headers: &HeaderMap, lang: Lang, id: &str, page: Page) -> Response {
    let t = lang.text();
    let Some(topic) = state.hub.get(id) else {
        return not_found_page(lang, t.unknown_election);
    };
    let rendered = {
        let live = topic.read();
        if !exists(&live.election, &page) {
            let msg = match page {
                Page::Perimeter(_) => t.unknown_perimeter,
                Page::Bureau(_) => t.unknown_bureau,
                Page::Candidate(_) => t.unknown_candidate,
                _ => t.no_commune,
            };
            return not_found_page(lang, msg);
        }
        let now = crate::store::now_millis();
        let key = Key {
            election: id.to_string(),
            resource: Resource::Page(page.clone()),
            lang,
        };
        state
            .pages
            .get_or_render(key, stamp(live.seq, live.embargoed(now)), || {
                view::render(&live, &page, lang, now).map(|m| (Bytes::from(m.into_string()), HTML))
            })
    };
    match rendered {
        Some(r) => r.respond(headers),
        None => not_found_page(lang, t.nothing_here),
    }
}

/// Renders (or takes from the cache) the home page of a language.
pub fn home_rendered(state: &AppState, lang: Lang) -> Option<std::sync::Arc<cache::Rendered>> {
    let topics = state.hub.list();
    let guards: Vec<_> = topics.iter().map(|t| t.read()).collect();
    let now = crate::store::now_millis();
    let version = combined_stamp(
        guards
            .iter()
            .map(|g| (g.election.id.clone(), stamp(g.seq, g.embargoed(now)))),
    );
    let key = Key {
        election: String::new(),
        resource: Resource::Page(Page::Home),
        lang,
    };
    state.pages.get_or_render(key, version, || {
        let lives: Vec<&crate::live::LiveElection> = guards.iter().map(|g| &**g).collect();
        Some((Bytes::from(view::home(&lives, lang).into_string()), HTML))
    })
}

pub async fn home(
    State(state): State<AppState>,
    uri: OriginalUri,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = lang_of(&uri, &q);
    match home_rendered(&state, lang) {
        Some(r) => r.respond(&headers),
        None => not_found_page(lang, lang.text().nothing_here),
    }
}

pub async fn commune(
    State(state): State<AppState>,
    uri: OriginalUri,
    Path(id): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    serve(&state, &headers, lang_of(&uri, &q), &id, Page::Commune)
}

pub async fn participation(
    State(state): State<AppState>,
    uri: OriginalUri,
    Path(id): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    serve(
        &state,
        &headers,
        lang_of(&uri, &q),
        &id,
        Page::Participation,
    )
}

pub async fn ecran_page(
    State(state): State<AppState>,
    uri: OriginalUri,
    Path(id): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    serve(&state, &headers, lang_of(&uri, &q), &id, Page::Ecran)
}

pub async fn perimeter(
    State(state): State<AppState>,
    uri: OriginalUri,
    Path((id, code)): Path<(String, String)>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    serve(
        &state,
        &headers,
        lang_of(&uri, &q),
        &id,
        Page::Perimeter(code),
    )
}

pub async fn bureau(
    State(state): State<AppState>,
    uri: OriginalUri,
    Path((id, code)): Path<(String, String)>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    serve(&state, &headers, lang_of(&uri, &q), &id, Page::Bureau(code))
}

pub async fn candidate(
    State(state): State<AppState>,
    uri: OriginalUri,
    Path((id, number)): Path<(String, String)>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = lang_of(&uri, &q);
    match number.parse::<u32>() {
        Ok(n) => serve(&state, &headers, lang, &id, Page::Candidate(n)),
        Err(_) => not_found_page(lang, lang.text().unknown_candidate),
    }
}

pub async fn not_found(uri: OriginalUri) -> Response {
    let lang = lang_of(&uri, &LangQuery::default());
    not_found_page(lang, lang.text().nothing_here)
}

/// Bytes for the benchmark's reference endpoint.
static FILL: [u8; 256 * 1024] = [b' '; 256 * 1024];

/// `GET /__bench/static/{size}`: a static body of `size` bytes (at most
/// 256 KiB), the yardstick of `scripts/bench-pages.sh`. Only routed when the
/// server starts with `URNE_BENCH_REFERENCE=1`.
pub async fn bench_reference(Path(size): Path<usize>) -> Response {
    let body = Bytes::from_static(&FILL[..size.min(FILL.len())]);
    ([(header::CONTENT_TYPE, HTML)], body).into_response()
}
