//! The desk's home: the elections and, per election, its bureaux' progress.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::html;

use super::ui::*;
use crate::auth::{Principal, Via};
use crate::pages::format::date;
use crate::state::AppState;

pub(super) async fn home(State(state): State<AppState>, p: Principal) -> Response {
    if p.via == Via::Anonymous {
        return login_redirect();
    }
    let topics = state.hub.list();
    let modules = crate::modules::readable(&state, &p)
        .await
        .unwrap_or_default();
    layout(
        "Tableau de bord",
        &p,
        html! {
            h1 { "Saisie des résultats" }
            @if p.role == election_data::bureau::Role::Admin {
                p { a href="/desk/import" { "Préparer une élection à partir de fichiers (bureaux, liste électorale, candidats)" } }
                p { a href="/desk/users" { "Comptes et sessions" } }
            }
            @if !modules.is_empty() {
                nav.modules aria-label="Modules" {
                    "Modules : "
                    @for (i, m) in modules.iter().enumerate() {
                        @if i > 0 { " · " }
                        a href={ "/desk/m/" (m.name) } { (m.label) }
                    }
                    " · " a href="/desk/search" { "Rechercher" }
                }
            }
            @for t in &topics {
                @let live = t.read();
                @let e = &live.election;
                @if p.election.as_deref().is_none_or(|x| x == e.id) {
                    section {
                        h2 { (e.label) " — " (date(&e.date)) }
                        @if p.is_desk() {
                            p {
                                a href={ "/desk/elections/" (e.id) } { "Suivi des bureaux" } " · "
                                a href={ "/desk/elections/" (e.id) "/participation" } { "Participation (grille)" } " · "
                                a href={ "/desk/audit?election=" (e.id) } { "Journal d'audit" } " · "
                                a href={ "/elections/" (e.id) } { "Page publique" }
                            }
                        } @else {
                            ul {
                                @for code in &p.bureaux {
                                    @if let Some(b) = e.bureau(code) {
                                        li {
                                            a href={ "/desk/elections/" (e.id) "/bureaux/" (b.code) } { (b.name) }
                                            " — " (state_badge(live.meta(code).state))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(tls) = &state.config.tls {
                section.tls {
                    h2 { "Connexion chiffrée" }
                    p {
                        "Empreinte SHA-256 du certificat "
                        @if tls.self_signed { "(auto-signé) " }
                        "de ce serveur : "
                        code #tls-fingerprint { (tls.fingerprint) }
                    }
                    @if tls.self_signed {
                        p { "Sur chaque poste de saisie, vérifiez que le navigateur affiche la même empreinte avant d'accepter le certificat." }
                    }
                }
            }
        },
    )
    .into_response()
}
