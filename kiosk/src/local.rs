//! The kiosk's local web server, for the browser in kiosk mode.
//!
//! It serves the public router of `results-view` (the server's page code,
//! assets and live WebSocket) over the kiosk's mirrored state, plus a touch
//! home made of big buttons; any other address is the "nothing here" page. Every HTML page gets the kiosk script
//! (idle timeout back home, link marker) and, while the link to the server
//! is down, a discreet "liaison interrompue depuis HH:MM" marker: the screen
//! keeps showing the last results and never an error page.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use maud::{DOCTYPE, Markup, html};
use results_view::pages::head::{asset_url, head};
use serde_json::json;

use crate::upstream::Shared;

/// `HH:MM` in the kiosk's local time.
pub use results_view::time::local_hhmm;

fn marker(shared: &Shared) -> Option<String> {
    let link = shared.link();
    match (link.up, link.down_since) {
        (false, Some(since)) => Some(format!("liaison interrompue depuis {}", local_hhmm(since))),
        _ => None,
    }
}

/// Adds the kiosk script and, when offline, the marker to every HTML page.
async fn decorate(State(shared): State<Arc<Shared>>, mut req: Request, next: Next) -> Response {
    // Pages are edited below: ask the inner router for them uncompressed
    // (the browser is on the same machine, compression buys nothing).
    req.headers_mut().remove(header::ACCEPT_ENCODING);
    req.headers_mut().remove(header::IF_NONE_MATCH);
    let resp = next.run(req).await;
    let is_html = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !is_html {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 16 * 1024 * 1024).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let mut html = String::from_utf8_lossy(&bytes).into_owned();
    let script = format!(
        "<script src=\"{}\" data-idle=\"{}\" defer></script><link rel=\"stylesheet\" href=\"{}\">",
        asset_url("kiosk.js"),
        shared.idle_seconds,
        asset_url("kiosk.css")
    );
    html = html.replacen("</head>", &format!("{script}</head>"), 1);
    let flag = match marker(&shared) {
        Some(text) => {
            format!("<div class=\"kiosk-offline\" data-kiosk-link role=\"status\">{text}</div>")
        }
        None => {
            "<div class=\"kiosk-offline\" data-kiosk-link role=\"status\" hidden></div>".to_string()
        }
    };
    if let Some(pos) = html.find("<body")
        && let Some(end) = html[pos..].find('>')
    {
        html.insert_str(pos + end + 1, &flag);
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::ETAG);
    parts
        .headers
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Response::from_parts(parts, Body::from(html))
}

/// `GET /kiosk/status`: the link state, polled by the kiosk script.
async fn status(State(shared): State<Arc<Shared>>) -> Response {
    let link = shared.link();
    axum::Json(json!({
        "up": link.up,
        "marker": marker(&shared),
    }))
    .into_response()
}

fn touch_layout(title: &str, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="fr" {
            (head(title, html! {}, html! {}))
            body.kiosk-touch {
                main #contenu { (content) }
            }
        }
    }
}

/// `GET /`: the touch home, big buttons only, no text input.
async fn home(State(shared): State<Arc<Shared>>) -> Markup {
    let topics = shared.hub.list();
    touch_layout(
        "Résultats des élections",
        html! {
            @if topics.is_empty() {
                h1 { "Résultats des élections" }
                p.kiosk-wait { "Les résultats s'afficheront dès la connexion au serveur." }
            }
            @for t in &topics {
                @let live = t.read();
                @let e = &live.election;
                section.kiosk-election {
                    h1 { (e.label) }
                    @if let Some(r) = live.public_root_tally() {
                        p.kiosk-count { (r.arrived) " bureaux sur " (r.total) }
                    }
                    nav.kiosk-buttons aria-label="Résultats" {
                        a.kiosk-button.primary href={ "/elections/" (e.id) } {
                            @if e.is_territory() { "Tout le territoire" } @else { "Toute la commune" }
                        }
                        a.kiosk-button href={ "/elections/" (e.id) "/carte" } { "Carte des bureaux" }
                        a.kiosk-button href={ "/elections/" (e.id) "/participation" } { "Participation" }
                        a.kiosk-button href={ "/elections/" (e.id) "/ecran?periode=" (shared.rotation_seconds) } { "Grand écran" }
                    }
                    @let sectors: Vec<_> = e.perimeters.iter().filter(|p| p.parent.is_some()).collect();
                    @if !sectors.is_empty() {
                        h2 { @if e.is_territory() { "Communes et secteurs" } @else { "Quartiers et villages" } }
                        nav.kiosk-buttons {
                            @for p in &sectors {
                                a.kiosk-button href={ "/elections/" (e.id) "/perimetres/" (p.code) } {
                                    @if !matches!(p.kind, election_data::PerimeterKind::Quartier | election_data::PerimeterKind::Village) {
                                        (p.kind.label_fr()) " "
                                    }
                                    (p.name)
                                }
                            }
                        }
                    }
                    h2 { "Bureaux de vote" }
                    nav.kiosk-buttons.small {
                        @for b in &e.bureaux {
                            a.kiosk-button href={ "/elections/" (e.id) "/bureaux/" (b.code) } {
                                // A territory's bureaux are numbered within their commune.
                                @if let Some(m) = e.commune_of(b).filter(|_| e.is_territory()) { (m.name) " — " }
                                "Bureau " (e.bureau_number(b).trim_start_matches('0'))
                            }
                        }
                    }
                    h2 { "Candidats" }
                    nav.kiosk-buttons {
                        @for c in &e.candidates {
                            a.kiosk-button href={ "/elections/" (e.id) "/candidats/" (c.number) } {
                                span.swatch style={ "background:" (c.colour) } {}
                                (c.name)
                                // A list of one commune of a territory: which one.
                                @if let Some(m) = c.commune.as_deref().and_then(|m| e.perimeter(m)) { " — " (m.name) }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// The kiosk's router: its own pages, then the public pages over the mirror.
pub fn router(shared: Arc<Shared>, public_router: Router) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/kiosk/status", get(status))
        .with_state(shared.clone())
        .fallback_service(public_router)
        .layer(middleware::from_fn_with_state(shared, decorate))
}
