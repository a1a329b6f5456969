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
use axum::routing::{get, post};

use crate::state::AppState;

mod audit;
mod election;
mod home;
pub mod import;
pub mod login;
mod participation;
mod pv;
pub mod ui;
mod users;

use audit::audit;
use election::{bureau_action, election};
use home::home;
use participation::{participation, participation_submit};
use pv::{pv_form, pv_submit};
pub use ui::frame;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login::login_form).post(login::login_submit))
        .route("/login/code", post(login::code_submit))
        .route("/logout", post(login::logout))
        .route("/desk", get(home))
        .route(
            "/desk/import",
            get(import::form)
                .post(import::submit)
                .layer(axum::extract::DefaultBodyLimit::max(import::BODY_LIMIT)),
        )
        .route("/desk/audit", get(audit))
        .route("/desk/users", get(users::users))
        .route("/desk/users/{name}/{action}", post(users::user_action))
        .route(
            "/desk/users/{name}/sessions/{id}/revoke",
            post(users::session_revoke),
        )
        .route("/desk/elections/{id}", get(election))
        .route(
            "/desk/elections/{id}/participation",
            get(participation).post(participation_submit),
        )
        .route(
            "/desk/elections/{id}/bureaux/{code}",
            get(pv_form).post(pv_submit),
        )
        .route(
            "/desk/elections/{id}/bureaux/{code}/{action}",
            post(bureau_action),
        )
}
