//! The desk's and the bureau presidents' HTML forms.
//!
//! Everything here works without JavaScript: the server validates every
//! submission (through the same [`write`](crate::write) path as the JSON API) and redisplays
//! the form with each violation next to its field. `web/desk.js` only adds
//! live sums while typing. Every form carries the session's CSRF token.
//! Presidents see and enter only their own bureaux, until the desk validates.
//!
//! One file per screen: [`home`], [`election`] (the bureaux and the
//! workflow buttons), [`pv`] (a bureau's procès-verbal), [`participation`],
//! [`audit`], [`import`], [`login`], [`users`] (accounts and sessions);
//! [`ui`] is the page frame they share.

use axum::Router;
use axum::extract::{FromRequestParts, Request, State};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::auth::{Need, Principal};
use crate::state::AppState;

mod audit;
mod election;
mod home;
pub mod import;
pub mod login;
mod participation;
mod pv;
pub use crate::ui;
mod users;

use audit::audit;
use election::{bureau_action, election};
use home::home;
use participation::{participation, participation_submit};
use pv::{pv_form, pv_submit};
pub use ui::frame;

/// Who may open a group of screens, checked before the screen's handler
/// runs (which gets the [`Principal`] as an `Extension`): an anonymous
/// visitor is sent to the login page, a role that may not gets the refusal
/// page. The forms' CSRF tokens are in their bodies, so each submission
/// checks its own.
async fn guard(state: AppState, need: Need, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let p = match Principal::from_request_parts(&mut parts, &state).await {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    if let Err(e) = need.check(&p) {
        return ui::error_page(&p, &e);
    }
    parts.extensions.insert(p);
    next.run(Request::from_parts(parts, body)).await
}

/// A route layer requiring `need` (see [`guard`]).
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

/// The desk's screens, by the role each needs. Those open to every
/// signed-in account (home, a bureau's PV, the workflow buttons, the
/// participation grid's submission) check in their handler what the
/// account may do on the bureau concerned.
pub fn routes(state: &AppState) -> Router<AppState> {
    let open = Router::new()
        .route("/login", get(login::login_form).post(login::login_submit))
        .route("/login/code", post(login::code_submit))
        .route("/logout", post(login::logout))
        .route("/desk", get(home))
        .route(
            "/desk/elections/{id}/participation",
            post(participation_submit),
        )
        .route(
            "/desk/elections/{id}/bureaux/{code}",
            get(pv_form).post(pv_submit),
        )
        .route(
            "/desk/elections/{id}/bureaux/{code}/{action}",
            post(bureau_action),
        );
    let desk = Router::new()
        .route("/desk/audit", get(audit))
        .route("/desk/elections/{id}", get(election))
        .route("/desk/elections/{id}/participation", get(participation))
        .route_layer(requires!(state, Need::Desk));
    let admin = Router::new()
        .route(
            "/desk/import",
            get(import::form)
                .post(import::submit)
                .layer(axum::extract::DefaultBodyLimit::max(import::BODY_LIMIT)),
        )
        .route(
            "/desk/import/contours",
            post(import::contours_submit).layer(axum::extract::DefaultBodyLimit::max(
                crate::contours::BODY_LIMIT,
            )),
        )
        .route("/desk/users", get(users::users))
        .route("/desk/users/{name}/{action}", post(users::user_action))
        .route(
            "/desk/users/{name}/sessions/{id}/revoke",
            post(users::session_revoke),
        )
        .route_layer(requires!(state, Need::Admin));
    let modules = crate::modules::scrutin::screens::routes()
        .merge(crate::modules::elec::screens::routes())
        .merge(crate::modules::elec::documents::routes())
        .merge(crate::modules::elec::update::routes())
        .merge(crate::modules::courrier::screens::routes())
        .merge(crate::modules::cimetiere::screens::routes())
        .merge(crate::modules::desk::routes())
        .route_layer(requires!(state, Need::SignedIn))
        .layer(axum::middleware::from_fn(crate::lang::with_lang));
    open.merge(desk).merge(admin).merge(modules)
}
