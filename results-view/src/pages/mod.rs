//! The public display: results pages, the big screen and the open feed.
//!
//! - [`view`] and [`ecran`] render every page as a pure function of an
//!   election's live state (no axum type, no IO), so the kiosk can reuse them.
//! - [`map`] draws the map of the night (contours or tile grid, SVG) that
//!   the commune, area and map pages and the big screen show.
//! - [`cache`] keeps each page rendered once per change and serves it from
//!   memory with `ETag` / `Last-Modified`; reads never touch the database.
//! - [`feed`] builds the documented JSON for media (`docs/feed.md`); its
//!   HTTP handler is the server's (`/api/elections/{id}/feed`).
//! - [`static_dir`] writes the pages and the feed to a folder after each
//!   change, for nginx to serve if the application is down.
//! - [`i18n`] holds every word, in French (default) and English (`/en/…` or
//!   `?lang=en`); [`format`](mod@format) the figures' conventions per language.
//!
//! This module's handlers only pick the page, the language and the cache
//! entry, from a [`PublicState`] that the server's state and the kiosk both
//! provide (axum `FromRef`). Pages are complete without JavaScript and
//! update live with it (`web/live.js`, `web/ecran.js`).

pub mod cache;
pub mod ctx;
pub mod ecran;
pub mod feed;
pub mod format;
pub mod head;
pub mod i18n;
pub mod map;
pub mod static_dir;
pub mod trend;
pub mod view;

use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRef, OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use election_data::model::Election;
use serde::Deserialize;

use crate::hub::Topics;
use crate::time::now_millis;
use cache::{HTML, Key, Resource, combined_stamp};
use i18n::Lang;
pub use view::Page;

/// What the public pages read: the elections' topics and the page cache.
#[derive(Debug, Clone)]
pub struct PublicState {
    pub topics: Arc<Topics>,
    /// Public pages and feed, rendered once per change.
    pub pages: Arc<cache::PageCache>,
}

impl FromRef<PublicState> for Arc<Topics> {
    fn from_ref(state: &PublicState) -> Arc<Topics> {
        state.topics.clone()
    }
}

impl PublicState {
    pub fn new(topics: Arc<Topics>) -> PublicState {
        PublicState {
            topics,
            pages: Arc::new(cache::PageCache::new()),
        }
    }
}

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

/// The public pages, in French at `/…` and in English at `/en/…`.
pub fn page_routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    PublicState: FromRef<S>,
{
    let pages = Router::new()
        .route("/elections/{id}", get(commune))
        .route("/elections/{id}/participation", get(participation))
        .route("/elections/{id}/ecran", get(ecran_page))
        .route("/elections/{id}/carte", get(map_page))
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

/// The public side of any process: [`page_routes`] and the assets. The live
/// WebSocket is routed apart ([`router`] adds this process's; the server
/// has its own, which may hand connections over to its fan-out workers).
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    PublicState: FromRef<S>,
{
    page_routes().route("/assets/{*path}", get(crate::assets::serve))
}

/// The whole public router of a process that only shows results (the
/// kiosk): [`routes`], the live WebSocket served in this process, the
/// public results as JSON, and the "nothing here" page for everything
/// else (no login, no desk, no write API).
pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    PublicState: FromRef<S>,
    Arc<Topics>: FromRef<S>,
{
    let api = Router::new()
        .route("/elections/{id}/results", get(public_results))
        .fallback(api_not_found);
    routes()
        .route("/ws/elections/{id}", get(crate::ws::handler))
        .nest("/api", api)
        .fallback(not_found)
}

fn json_not_found(message: String) -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(serde_json::json!({ "error": "not_found", "message": message })),
    )
        .into_response()
}

/// Any other address under `/api`: a JSON 404 (this process has no other API).
async fn api_not_found(uri: OriginalUri) -> Response {
    json_not_found(format!("adresse inconnue : {}", uri.0.path()))
}

/// `GET /api/elections/{id}/results`: the public view's current snapshot,
/// the same bytes as the WebSocket's first frame. The desk view
/// (`?view=desk`) is the server's only.
pub async fn public_results(
    State(state): State<PublicState>,
    Path(id): Path<String>,
    Query(q): Query<ResultsQuery>,
) -> Response {
    let known = matches!(q.view.as_deref(), None | Some("public"));
    match state.topics.get(&id).filter(|_| known) {
        Some(topic) => (
            [(header::CONTENT_TYPE, "application/json")],
            topic
                .snapshot(crate::hub::View::Public)
                .text
                .as_str()
                .to_owned(),
        )
            .into_response(),
        None => json_not_found(format!("élection inconnue : {id}")),
    }
}

/// `?view=public` on the public results.
#[derive(Debug, Default, Deserialize)]
pub struct ResultsQuery {
    pub view: Option<String>,
}

/// Renders an election page; None when it names something the election
/// does not have.
pub fn render(
    live: &crate::live::LiveElection,
    page: &Page,
    lang: Lang,
    now: i64,
) -> Option<maud::Markup> {
    match page {
        Page::Home => None,
        Page::Commune => view::commune(live, lang, now),
        Page::Participation => view::participation(live, lang, now),
        Page::Perimeter(code) => view::perimeter(live, code, lang, now),
        Page::Bureau(code) => view::bureau(live, code, lang, now),
        Page::Candidate(n) => view::candidate(live, *n, lang, now),
        Page::Ecran => ecran::ecran(live, lang, now),
        Page::Map => view::map_page(live, lang, now),
    }
}

/// Whether `page` names something of the election (only those are cached).
fn exists(e: &Election, page: &Page) -> bool {
    match page {
        Page::Home | Page::Commune | Page::Participation | Page::Ecran | Page::Map => {
            e.root().is_some()
        }
        Page::Perimeter(c) => e.perimeter(c).is_some(),
        Page::Bureau(c) => e.bureau(c).is_some(),
        Page::Candidate(n) => e.candidate(*n).is_some() && e.root().is_some(),
    }
}

fn not_found_page(lang: Lang, message: &str) -> Response {
    (StatusCode::NOT_FOUND, view::not_found(lang, message)).into_response()
}

/// Serves an election page from the cache, rendering it if it changed.
fn serve(state: &PublicState, headers: &HeaderMap, lang: Lang, id: &str, page: Page) -> Response {
    let t = lang.text();
    let Some(topic) = state.topics.get(id) else {
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
        let now = now_millis();
        let key = Key {
            election: id.to_string(),
            resource: Resource::Page(page.clone()),
            lang,
        };
        state.pages.get_or_render(key, live.page_stamp(now), || {
            render(&live, &page, lang, now).map(|m| (Bytes::from(m.into_string()), HTML))
        })
    };
    match rendered {
        Some(r) => r.respond(headers),
        None => not_found_page(lang, t.nothing_here),
    }
}

/// Renders (or takes from the cache) the home page of a language.
pub fn home_rendered(state: &PublicState, lang: Lang) -> Option<std::sync::Arc<cache::Rendered>> {
    let topics = state.topics.list();
    let guards: Vec<_> = topics.iter().map(|t| t.read()).collect();
    let now = now_millis();
    let version = combined_stamp(
        guards
            .iter()
            .map(|g| (g.election.id.clone(), g.page_stamp(now))),
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
    State(state): State<PublicState>,
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
    State(state): State<PublicState>,
    uri: OriginalUri,
    Path(id): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    serve(&state, &headers, lang_of(&uri, &q), &id, Page::Commune)
}

pub async fn participation(
    State(state): State<PublicState>,
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
    State(state): State<PublicState>,
    uri: OriginalUri,
    Path(id): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    serve(&state, &headers, lang_of(&uri, &q), &id, Page::Ecran)
}

pub async fn map_page(
    State(state): State<PublicState>,
    uri: OriginalUri,
    Path(id): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    serve(&state, &headers, lang_of(&uri, &q), &id, Page::Map)
}

pub async fn perimeter(
    State(state): State<PublicState>,
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
    State(state): State<PublicState>,
    uri: OriginalUri,
    Path((id, code)): Path<(String, String)>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    serve(&state, &headers, lang_of(&uri, &q), &id, Page::Bureau(code))
}

pub async fn candidate(
    State(state): State<PublicState>,
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
