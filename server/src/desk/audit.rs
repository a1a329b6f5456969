//! The audit log as a desk screen, newest first.

use axum::Extension;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::Deserialize;

use super::ui::*;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub(super) struct AuditQuery {
    election: Option<String>,
}

pub(super) async fn audit(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<AuditQuery>,
) -> Response {
    let rows = match state.store.audit_rows(q.election.as_deref(), 500).await {
        Ok(r) => r,
        Err(e) => return error_page(&p, &ApiError::from(e)),
    };
    let report = state.store.verify_audit().await.ok();
    layout(
        "Journal d'audit",
        &p,
        html! {
            h1 { "Journal d'audit" }
            @if let Some(r) = report {
                @if r.is_intact() {
                    p.form-ok { "Chaîne d'empreintes intacte (" (r.rows) " lignes)." }
                } @else {
                    div.form-error role="alert" { p { "Journal altéré :" } @for pb in &r.problems { p { (pb) } } }
                }
            }
            table.audit {
                thead { tr { th { "N°" } th { "Quand (UTC)" } th { "Qui" } th { "Quoi" } th { "Bureau" } th { "Avant" } th { "Après" } } }
                tbody {
                    @for r in &rows {
                        tr {
                            td.num { (r.n) }
                            td { (utc(r.at)) }
                            td { (r.actor) }
                            td { (r.action) }
                            td { (r.bureau_code.as_deref().unwrap_or("")) }
                            td { details { summary { "voir" } pre { (r.old_value.as_deref().unwrap_or("")) } } }
                            td { details { summary { "voir" } pre { (r.new_value.as_deref().unwrap_or("")) } } }
                        }
                    }
                }
            }
        },
    )
    .into_response()
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) from milliseconds since the epoch.
use results_view::time::utc_datetime as utc;

#[cfg(test)]
mod tests {
    #[test]
    fn formats_utc() {
        assert_eq!(super::utc(0), "1970-01-01 00:00:00");
        assert_eq!(super::utc(1_807_466_400_000), "2027-04-11 18:00:00");
    }
}
