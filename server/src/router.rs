//! The routes, and the role each one needs.
//!
//! [`router`] assembles the public pages, the desk, the WebSocket endpoint
//! and the JSON API under `/api`, with the response headers every answer
//! carries. The API's routes are declared in [`api_routes`], grouped by the
//! role they need (public, signed in, desk, admin): each group is guarded by
//! [`api::guard`] before any handler runs. The same declarations feed the
//! OpenAPI document served at `/api/openapi.json` (utoipa-axum's
//! `OpenApiRouter`), so a route cannot exist without being documented.

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::routing::get;
use axum::{Extension, Router};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::{self, Need, guard};
use crate::state::AppState;
use crate::{assets, desk, hub, pages};

/// The document's header; the paths and schemas come from the handlers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Urne entry and results API",
        description = "Write endpoints need either `Authorization: Bearer <token>` (the API token, acting as an administrator) or a session cookie from `POST /api/login` (accounts) or `POST /api/login/code` (a president's one-time code) together with the `X-CSRF-Token` header. Roles: admin (setup, users), desk (enter, correct, validate, publish any bureau), president (enter only their own bureau, until the desk validates it), public (read). A bureau goes not_arrived → entered → validated → published; only published figures are public, and during an election's embargo the public sees participation only. Counts are integers; percentages are computed by the server from integers and rounded half-up to two decimals. Live changes are pushed on `GET /ws/elections/{id}?since=N` (WebSocket): first a `snapshot` frame (or the frames after N), then one frame per committed write: `change` when the public view changed, `seq` otherwise, each with the election's sequence number `seq`. Request bodies the API defines refuse unknown fields (`additionalProperties: false`); the election definition ignores them."
    ),
    components(schemas(
        api::schemas::ErrorBody,
        api::schemas::Violation,
        api::schemas::DefinitionError,
        api::schemas::Refusal,
        api::schemas::Election,
        api::schemas::CandidateVoix,
        api::schemas::TurnoutReading,
        api::schemas::Centaine,
        api::schemas::Role,
        api::schemas::Tally,
        api::schemas::Snapshot,
        api::schemas::Councils,
        api::schemas::BureauMap,
        api::schemas::ContourError,
        crate::write::Accepted,
    )),
    modifiers(&Bearer)
)]
struct ApiDoc;

/// Declares the `bearer` security scheme the routes refer to.
struct Bearer;

impl utoipa::Modify for Bearer {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// A route layer requiring `need` (see [`api::guard`]).
macro_rules! requires {
    ($state:expr, $need:expr) => {
        from_fn_with_state(
            $state.clone(),
            |State(state): State<AppState>, req: Request, next: Next| {
                guard(state, $need, req, next)
            },
        )
    };
}

/// The JSON API (paths relative to `/api`), by the role each route needs.
pub fn api_routes(state: &AppState) -> OpenApiRouter<AppState> {
    let public = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(api::openapi))
        .routes(routes!(api::health::health))
        .routes(routes!(api::elections::list_elections))
        .routes(routes!(api::elections::get_election))
        .routes(routes!(api::contours::get_contours))
        // The desk's view of the results and figures asks for the desk
        // role itself (`?view=desk`, `?source=desk`).
        .routes(routes!(api::elections::results))
        .routes(routes!(api::elections::seats))
        .routes(routes!(api::feed::feed))
        .routes(routes!(api::exports::download))
        .routes(routes!(api::print::print))
        .routes(routes!(api::print::print_bureau))
        .routes(routes!(api::users::api_login))
        .routes(routes!(api::users::api_login_code));
    // Presidents too: the workflow then checks the bureau is theirs.
    let signed_in = OpenApiRouter::new()
        .routes(routes!(api::bureaux::put_pv))
        .routes(routes!(api::bureaux::put_turnout))
        .routes(routes!(api::bureaux::put_centaines))
        .routes(routes!(api::bureaux::validate))
        .routes(routes!(api::bureaux::publish))
        .routes(routes!(api::bureaux::publish_trend))
        .routes(routes!(api::bureaux::withdraw_trend))
        .routes(routes!(api::bureaux::unpublish))
        .routes(routes!(api::users::change_password))
        .route_layer(requires!(state, Need::SignedIn));
    let desk = OpenApiRouter::new()
        .routes(routes!(api::bureaux::access_code))
        .routes(routes!(api::audit::audit))
        .route_layer(requires!(state, Need::Desk));
    let admin = OpenApiRouter::new()
        .routes(routes!(api::elections::create_election))
        .routes(routes!(api::contours::put_contours))
        .routes(routes!(api::users::create_user, api::users::list_users))
        .routes(routes!(api::users::revoke_all))
        .routes(routes!(api::users::revoke_one))
        .routes(routes!(api::users::disable_user))
        .routes(routes!(api::users::enable_user))
        .routes(routes!(api::users::unlock_user))
        .routes(routes!(api::grants::list_grants))
        .routes(routes!(api::grants::grant_role, api::grants::revoke_role))
        .route_layer(requires!(state, Need::Admin));
    public.merge(signed_in).merge(desk).merge(admin)
}

/// The API's router (paths relative to `/api`) and its OpenAPI document
/// (paths absolute, as served at `/api/openapi.json`).
pub fn api_router(state: &AppState) -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (routes, mut doc) = api_routes(state).split_for_parts();
    doc.paths.paths = std::mem::take(&mut doc.paths.paths)
        .into_iter()
        .map(|(path, item)| (format!("/api{path}"), item))
        .collect();
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    (routes, doc)
}

/// The OpenAPI document as served: utoipa's, plus the paths of every
/// module entity (generated from the catalogue, not from handlers).
pub fn document_json(doc: &utoipa::openapi::OpenApi, state: &AppState) -> String {
    let mut json = serde_json::to_value(doc).unwrap_or_default();
    crate::modules::api::document(&state.config.modules, &mut json);
    serde_json::to_string(&json).unwrap_or_default()
}

pub fn router(state: AppState) -> Router {
    let body_limit = state.config.body_limit;
    let (api, doc) = api_router(&state);
    let document = api::Document(std::sync::Arc::new(document_json(&doc, &state)));
    let api = api
        .merge(crate::modules::api::routes())
        .route("/search", get(crate::modules::search::api))
        .fallback(api::api_not_found)
        .layer(Extension(document));

    // The yardstick of scripts/bench-pages.sh, only when asked for.
    let bench = if std::env::var_os("URNE_BENCH_REFERENCE").is_some_and(|v| v == "1") {
        Router::new().route("/__bench/static/{size}", get(pages::bench_reference))
    } else {
        Router::new()
    };
    Router::new()
        .merge(pages::routes())
        .merge(bench)
        .route("/assets/{*path}", get(assets::serve))
        .merge(desk::routes(&state))
        .route("/ws/elections/{id}", get(hub::ws::handler))
        .nest("/api", api)
        .fallback(pages::not_found)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(CompressionLayer::new())
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self'; style-src-attr 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'self'",
            ),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("x-frame-options"),
            HeaderValue::from_static("SAMEORIGIN"),
        ))
        .layer(TraceLayer::new_for_http())
        .layer(CatchPanicLayer::custom(api::panic_response))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;

    use super::*;
    use crate::state::Config;
    use crate::store::Store;

    /// A router on a fresh SQLite file (removed at the end), without the
    /// accept loop of [`crate::serve`]: no `ConnectInfo` in the requests.
    async fn bare_router() -> (Router, AppState, std::path::PathBuf) {
        let dir =
            std::env::temp_dir().join(format!("urne-router-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let url = format!("sqlite://{}", dir.join("urne.db").display());
        let store = Arc::new(Store::connect(&url).await.expect("store"));
        let config = Config {
            api_token: "router-test".into(),
            ..Config::default()
        };
        let state = AppState::restore(store, config).await.expect("state");
        (router(state.clone()), state, dir)
    }

    async fn body_text(response: axum::response::Response) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .expect("body");
        String::from_utf8_lossy(&bytes).into_owned()
    }

    #[tokio::test]
    async fn api_login_without_connect_info_answers_401_not_500() {
        let (app, _, dir) = bare_router().await;
        for path in ["/api/login", "/api/login/code"] {
            let body = if path == "/api/login" {
                r#"{"username":"nobody","password":"not-the-password"}"#
            } else {
                r#"{"code":"AAAA-BBBB-CCCC"}"#
            };
            let response = app
                .clone()
                .oneshot(
                    Request::post(path)
                        .header("content-type", "application/json")
                        .body(Body::from(body))
                        .expect("request"),
                )
                .await
                .expect("response");
            let status = response.status();
            let text = body_text(response).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}: {text}");
            assert!(!text.contains("extension"), "{path}: {text}");
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn every_api_route_is_in_the_document() {
        let (app, state, dir) = bare_router().await;
        let (_, doc) = api_router(&state);
        let paths: Vec<&str> = doc.paths.paths.keys().map(String::as_str).collect();
        for path in [
            "/api/openapi.json",
            "/api/health",
            "/api/elections",
            "/api/elections/{id}",
            "/api/elections/{id}/results",
            "/api/elections/{id}/seats",
            "/api/elections/{id}/feed",
            "/api/elections/{id}/export/{format}",
            "/api/elections/{id}/print/{record}",
            "/api/elections/{id}/print/bureau/{code}",
            "/api/elections/{id}/bureaux/{code}/pv",
            "/api/elections/{id}/bureaux/{code}/turnout",
            "/api/elections/{id}/bureaux/{code}/centaines",
            "/api/elections/{id}/bureaux/{code}/trend",
            "/api/elections/{id}/bureaux/{code}/trend/withdraw",
            "/api/elections/{id}/bureaux/{code}/validate",
            "/api/elections/{id}/bureaux/{code}/publish",
            "/api/elections/{id}/bureaux/{code}/unpublish",
            "/api/elections/{id}/bureaux/{code}/code",
            "/api/users",
            "/api/audit",
            "/api/login",
            "/api/login/code",
        ] {
            assert!(paths.contains(&path), "{path} not documented: {paths:?}");
        }
        // What is served is that document.
        let response = app
            .oneshot(
                Request::get("/api/openapi.json")
                    .body(Body::empty())
                    .expect("request"),
            )
            .await
            .expect("response");
        assert_eq!(response.status(), StatusCode::OK);
        let served: serde_json::Value =
            serde_json::from_str(&body_text(response).await).expect("json");
        assert_eq!(served["openapi"], "3.1.0");
        // Served: the handlers' paths, `/api/search`, and two per module
        // entity (the list and the record) and two more per entity with
        // attachments (its files, one file), generated from the catalogue.
        let entities: usize = state
            .config
            .modules
            .modules()
            .iter()
            .map(|m| m.entities.len())
            .sum();
        let with_files: usize = state
            .config
            .modules
            .modules()
            .iter()
            .map(|m| {
                m.entities
                    .iter()
                    .filter(|e| e.attachments.is_some())
                    .count()
            })
            .sum();
        assert_eq!(
            served["paths"].as_object().map(|p| p.len()),
            Some(paths.len() + 1 + 2 * entities + 2 * with_files)
        );
        assert!(served["paths"]["/api/m/scrutin/affectation/{record_id}"]["put"].is_object());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn writes_need_their_role_before_anything_else() {
        let (app, _, dir) = bare_router().await;
        for (method, path, status) in [
            ("POST", "/api/elections", StatusCode::UNAUTHORIZED),
            ("POST", "/api/users", StatusCode::UNAUTHORIZED),
            ("GET", "/api/audit", StatusCode::UNAUTHORIZED),
            (
                "PUT",
                "/api/elections/x/bureaux/1/pv",
                StatusCode::UNAUTHORIZED,
            ),
            (
                "POST",
                "/api/elections/x/bureaux/1/code",
                StatusCode::UNAUTHORIZED,
            ),
        ] {
            let response = app
                .clone()
                .oneshot(
                    Request::builder()
                        .method(method)
                        .uri(path)
                        .header("content-type", "application/json")
                        .body(Body::from("{}"))
                        .expect("request"),
                )
                .await
                .expect("response");
            assert_eq!(response.status(), status, "{method} {path}");
        }
        // The same paths' reads stay public.
        for path in ["/api/elections", "/api/health", "/api/openapi.json"] {
            let response = app
                .clone()
                .oneshot(Request::get(path).body(Body::empty()).expect("request"))
                .await
                .expect("response");
            assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    async fn send(app: &Router, req: Request<Body>) -> (StatusCode, serde_json::Value) {
        let response = app.clone().oneshot(req).await.expect("response");
        let status = response.status();
        let text = body_text(response).await;
        (status, serde_json::from_str(&text).unwrap_or_default())
    }

    #[tokio::test]
    async fn headers_and_queries_are_checked_as_documented() {
        let (app, _, dir) = bare_router().await;
        let pv = |if_match: &str| {
            Request::put("/api/elections/nope/bureaux/0001/pv")
                .header("authorization", "Bearer router-test")
                .header("content-type", "application/json")
                .header("if-match", if_match)
                .body(Body::from(
                    r#"{"inscrits":0,"votants":0,"blancs":0,"nuls":0,"exprimes":0,"voix":[]}"#,
                ))
                .expect("request")
        };
        // `*` and a quoted or bare version pass the header check (then the
        // election is unknown); anything else is refused, naming the header.
        for ok in ["*", "\"3\"", "3"] {
            let (s, b) = send(&app, pv(ok)).await;
            assert_eq!(
                (s, b["error"].as_str()),
                (StatusCode::NOT_FOUND, Some("not_found")),
                "{ok}"
            );
        }
        for bad in ["null", "-3", "\"3", "W/\"3\"", "1234567890123456"] {
            let (s, b) = send(&app, pv(bad)).await;
            assert_eq!(
                (s, b["error"].as_str()),
                (StatusCode::BAD_REQUEST, Some("invalid_if_match")),
                "{bad}"
            );
        }
        let audit = |q: &str| {
            Request::get(format!("/api/audit{q}"))
                .header("authorization", "Bearer router-test")
                .body(Body::empty())
                .expect("request")
        };
        let (s, _) = send(&app, audit("?limit=5000")).await;
        assert_eq!(s, StatusCode::OK);
        for bad in [
            "?limit=0",
            "?limit=5001",
            "?limit=99999999999999999999",
            "?limit=x",
        ] {
            let (s, b) = send(&app, audit(bad)).await;
            assert_eq!(
                (s, b["error"].as_str()),
                (StatusCode::BAD_REQUEST, Some("invalid_field")),
                "{bad}"
            );
            assert!(
                b["message"].as_str().is_some_and(|m| m.contains("limit")),
                "{b}"
            );
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}
