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
use axum::routing::{get, post};
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
use crate::auth::login;
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
        api::schemas::Accepted,
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
        // The desk's view of the results and figures asks for the desk
        // role itself (`?view=desk`, `?source=desk`).
        .routes(routes!(api::elections::results))
        .routes(routes!(api::feed::feed))
        .routes(routes!(api::exports::download))
        .routes(routes!(api::print::print))
        .routes(routes!(api::print::print_bureau))
        .routes(routes!(login::api_login))
        .routes(routes!(login::api_login_code));
    // Presidents too: the workflow then checks the bureau is theirs.
    let signed_in = OpenApiRouter::new()
        .routes(routes!(api::bureaux::put_pv))
        .routes(routes!(api::bureaux::put_turnout))
        .routes(routes!(api::bureaux::validate))
        .routes(routes!(api::bureaux::publish))
        .routes(routes!(api::bureaux::unpublish))
        .route_layer(requires!(state, Need::SignedIn));
    let desk = OpenApiRouter::new()
        .routes(routes!(api::bureaux::access_code))
        .routes(routes!(api::audit::audit))
        .route_layer(requires!(state, Need::Desk));
    let admin = OpenApiRouter::new()
        .routes(routes!(api::elections::create_election))
        .routes(routes!(api::users::create_user))
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

pub fn router(state: AppState) -> Router {
    let body_limit = state.config.body_limit;
    let (api, doc) = api_router(&state);
    let document = api::Document(std::sync::Arc::new(doc.to_json().unwrap_or_default()));
    let api = api.fallback(api::api_not_found).layer(Extension(document));

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
        .route("/login", get(login::login_form).post(login::login_submit))
        .route("/login/code", post(login::code_submit))
        .route("/logout", post(login::logout))
        .merge(desk::routes())
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
