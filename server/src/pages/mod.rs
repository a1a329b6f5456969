//! The public results pages, rendered with maud from the live state.
//!
//! Pages are complete without JavaScript: they show the results as of the
//! request. With JavaScript, `web/live.js` subscribes to the election's
//! WebSocket and updates the same elements in place (they carry `data-f`,
//! `data-cand` and `data-bureau` attributes), so the server-rendered figures
//! and the live ones never differ in format. Reads only touch memory.

pub mod format;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use election_data::model::{Election, Perimeter};
use election_data::tally::{BureauState, Tally};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::app::AppState;
use crate::assets;
use crate::live::LiveElection;
use format::{bar, date, int, pct};

/// Which part of an election a page shows; the live script uses it to pick
/// the right tally out of each frame.
pub enum Scope<'a> {
    Perimeter(&'a str),
    Bureau(&'a str),
}

/// The public page frame. `live` ties the page to an election's live updates.
pub fn layout(title: &str, live: Option<(&LiveElection, Scope<'_>)>, content: Markup) -> Markup {
    let now = crate::store::now_millis();
    let (election, scope, code, seq, embargo) = match &live {
        Some((l, Scope::Perimeter(c))) => (Some(l.election.id.as_str()), "perimeter", *c, l.seq, l.embargoed(now)),
        Some((l, Scope::Bureau(c))) => (Some(l.election.id.as_str()), "bureau", *c, l.seq, l.embargoed(now)),
        None => (None, "", "", 0, false),
    };
    html! {
        (DOCTYPE)
        html lang="fr" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — Urne" }
                link rel="stylesheet" href={ "/assets/urne.css?v=" (assets::version("urne.css")) };
                @if election.is_some() {
                    script src={ "/assets/live.js?v=" (assets::version("live.js")) } defer {}
                    noscript { meta http-equiv="refresh" content="60"; }
                }
            }
            body {
                a.skip href="#contenu" { "Aller au contenu" }
                header.site {
                    a.brand href="/" { "Urne" }
                    span.tagline { "Résultats des élections" }
                    @if election.is_some() {
                        span.live data-live-status="" aria-live="polite" { "mise à jour en direct" }
                    }
                }
                main #contenu data-election=[election] data-scope=(scope) data-code=(code) data-seq=(seq) data-embargo=(embargo) {
                    (content)
                }
                footer.site {
                    p { "Urne — résultats provisoires jusqu'à la proclamation officielle." }
                }
            }
        }
    }
}

fn status_banner(t: &Tally) -> Markup {
    let complete = t.is_complete();
    html! {
        p.status.complete[complete].partial[!complete] data-f="status" {
            span data-f="status-label" {
                @if complete { "Résultats complets" } @else { "Résultats provisoires" }
            }
            " — "
            strong data-f="arrived" { (t.arrived) }
            " bureaux sur "
            span data-f="total" { (t.total) }
        }
    }
}

fn figures(t: &Tally) -> Markup {
    let c = &t.counts;
    let r = &t.rates;
    html! {
        section.figures aria-labelledby="h-participation" {
            h2 #h-participation { "Participation" }
            table.figures {
                thead { tr { th scope="col" { "" } th scope="col" { "Nombre" } th scope="col" { "% inscrits" } th scope="col" { "% votants" } } }
                tbody {
                    tr { th scope="row" { "Inscrits" } td data-f="inscrits" { (int(c.inscrits)) } td {} td {} }
                    tr.key { th scope="row" { "Votants" } td data-f="votants" { (int(c.votants)) } td data-f="participation" { (pct(r.participation)) } td {} }
                    tr { th scope="row" { "Abstentions" } td data-f="abstentions" { (int(c.abstentions)) } td data-f="abstention" { (pct(r.abstention)) } td {} }
                    tr { th scope="row" { "Blancs" } td data-f="blancs" { (int(c.blancs)) } td data-f="blancs_inscrits" { (pct(r.blancs_inscrits)) } td data-f="blancs_votants" { (pct(r.blancs_votants)) } }
                    tr { th scope="row" { "Nuls" } td data-f="nuls" { (int(c.nuls)) } td data-f="nuls_inscrits" { (pct(r.nuls_inscrits)) } td data-f="nuls_votants" { (pct(r.nuls_votants)) } }
                    tr.key { th scope="row" { "Exprimés" } td data-f="exprimes" { (int(c.exprimes)) } td data-f="exprimes_inscrits" { (pct(r.exprimes_inscrits)) } td data-f="exprimes_votants" { (pct(r.exprimes_votants)) } }
                }
            }
            @if !t.turnout.is_empty() {
                h3 { "Participation au cours de la journée" }
                table.turnout {
                    thead { tr { th scope="col" { "Heure" } th scope="col" { "Votants" } th scope="col" { "Taux" } th scope="col" { "Bureaux" } } }
                    tbody {
                        @for p in &t.turnout {
                            tr data-hour=(p.hour) {
                                th scope="row" { (p.hour) }
                                td data-f="t-votants" { (int(p.votants)) }
                                td data-f="t-rate" { (pct(p.rate)) }
                                td data-f="t-bureaux" { (p.bureaux) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn scores(e: &Election, t: &Tally) -> Markup {
    html! {
        section.scores aria-labelledby="h-scores" {
            h2 #h-scores { "Résultats par candidat" }
            table.scores {
                caption.visually-hidden { "Voix et pourcentage des exprimés, du premier au dernier" }
                thead { tr {
                    th scope="col" { "Candidat" }
                    th scope="col" { "Nuance" }
                    th scope="col" { "Voix" }
                    th scope="col" { "% exprimés" }
                    th scope="col" class="bar-col" { span.visually-hidden { "Graphique" } }
                } }
                tbody data-f="scores" {
                    @for s in t.ranking() {
                        @if let Some(c) = e.candidate(s.candidate) {
                            tr data-cand=(c.number) data-voix=(s.voix) {
                                th scope="row" {
                                    span.swatch style={ "background:" (c.colour) } {}
                                    (c.name)
                                }
                                td { (c.nuance.as_deref().unwrap_or("")) }
                                td.num data-f="voix" { (int(s.voix)) }
                                td.num data-f="pct" { (pct(s.pct_exprimes)) }
                                td.bar-col aria-hidden="true" {
                                    span.bar data-f="bar" style={ "width:" (bar(s.pct_exprimes)) "%;background:" (c.colour) } {}
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The tally the public may see now.
fn visible(t: &Tally, embargo: bool) -> Tally {
    if embargo { t.participation_only() } else { t.clone() }
}

fn embargo_notice(e: &Election) -> Markup {
    html! {
        p.embargo role="status" {
            "Les résultats seront publiés à la fermeture des derniers bureaux de vote"
            @if let Some(t) = &e.embargo { " (" (t) ")" }
            ". Seule la participation est affichée d'ici là."
        }
    }
}

fn leader(e: &Election, t: &Tally) -> String {
    if t.arrived == 0 {
        return String::new();
    }
    t.ranking()
        .first()
        .and_then(|s| e.candidate(s.candidate))
        .map(|c| c.name.clone())
        .unwrap_or_default()
}

fn bureaux_table(live: &LiveElection, codes: &[String], embargo: bool) -> Markup {
    let e = &live.election;
    html! {
        section.bureaux aria-labelledby="h-bureaux" {
            h2 #h-bureaux { "Bureaux de vote" }
            table.bureaux {
                thead { tr {
                    th scope="col" { "Bureau" }
                    th scope="col" { "État" }
                    th scope="col" { "Participation" }
                    th scope="col" { "En tête" }
                } }
                tbody {
                    @for code in codes {
                        @if let (Some(b), Some(t)) = (e.bureau(code), live.public.bureaux.get(code)) {
                            @let state = live.bureau(code).public_state();
                            @let t = &visible(t, embargo);
                            tr data-bureau=(b.code) {
                                th scope="row" { a href={ "/elections/" (e.id) "/bureaux/" (b.code) } { (b.name) } }
                                td data-f="state" { span class={ "state " (state.code()) } { (state.label_fr()) } }
                                td.num data-f="participation" { (pct(if t.arrived > 0 { t.rates.participation } else { None })) }
                                td data-f="leader" { (leader(e, t)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn candidates_json(e: &Election) -> Markup {
    let list: Vec<_> = e
        .candidates
        .iter()
        .map(|c| serde_json::json!({ "number": c.number, "name": c.name }))
        .collect();
    let json = serde_json::to_string(&list).unwrap_or_else(|_| "[]".into());
    // `</` cannot appear: names are escaped for a script data block.
    let json = json.replace("</", "<\\/");
    html! { script #candidates type="application/json" { (PreEscaped(json)) } }
}

fn breadcrumb(e: &Election, trail: &[&Perimeter], last: &str) -> Markup {
    html! {
        nav.breadcrumb aria-label="Fil d'Ariane" {
            ol {
                li { a href="/" { "Élections" } }
                li { a href={ "/elections/" (e.id) } { (e.label) } }
                @for p in trail {
                    li { a href={ "/elections/" (e.id) "/perimetres/" (p.code) } { (p.name) } }
                }
                li aria-current="page" { (last) }
            }
        }
    }
}

fn not_found_page(message: &str) -> Response {
    let body = layout(
        "Page introuvable",
        None,
        html! {
            h1 { "Page introuvable" }
            p { (message) }
            p { a href="/" { "Retour à la liste des élections" } }
        },
    );
    (StatusCode::NOT_FOUND, body).into_response()
}

pub async fn not_found() -> Response {
    not_found_page("Il n'y a rien à cette adresse.")
}

fn unknown_election(id: &str) -> Response {
    not_found_page(&format!("L'élection « {id} » n'existe pas."))
}

pub async fn home(State(state): State<AppState>) -> Markup {
    let topics = state.hub.list();
    layout(
        "Élections",
        None,
        html! {
            h1 { "Élections" }
            @if topics.is_empty() {
                p { "Aucune élection n'est encore définie." }
            } @else {
                ul.elections {
                    @for t in &topics {
                        @let live = t.read();
                        @let e = &live.election;
                        li {
                            a href={ "/elections/" (e.id) } { (e.label) }
                            " — " (e.kind.label_fr()) ", " (date(&e.date))
                            @if let Some(r) = live.public_root_tally() {
                                " — " (r.arrived) " bureaux sur " (r.total)
                            }
                        }
                    }
                }
            }
        },
    )
}

fn perimeter_view(live: &LiveElection, code: &str) -> Option<Markup> {
    let e = &live.election;
    let p = e.perimeter(code)?;
    let embargo = live.embargoed(crate::store::now_millis());
    let t = &visible(live.public.perimeters.get(code)?, embargo);
    let mut trail: Vec<&Perimeter> = e
        .ancestors(code)
        .unwrap_or_default()
        .iter()
        .skip(1)
        .filter_map(|c| e.perimeter(c))
        .collect();
    trail.reverse();
    let is_root = p.parent.is_none();
    let children = e.children(code);
    let members = live.aggregator.members(code).to_vec();
    let title = if is_root {
        format!("{} — {}", e.label, p.name)
    } else {
        format!("{} — {} {}", e.label, p.kind.label_fr(), p.name)
    };
    Some(layout(
        &title,
        Some((live, Scope::Perimeter(code))),
        html! {
            @if !is_root { (breadcrumb(e, &trail, &p.name)) }
            hgroup {
                h1 { (e.label) }
                p.sub { (p.kind.label_fr()) " : " strong { (p.name) } " — scrutin du " (date(&e.date)) }
            }
            (status_banner(t))
            @if embargo { (embargo_notice(e)) }
            div.grid {
                @if !embargo { (scores(e, t)) }
                (figures(t))
            }
            @if !children.is_empty() {
                section.perimeters aria-labelledby="h-perimeters" {
                    h2 #h-perimeters { "Par secteur" }
                    ul.perimeters {
                        @for c in &children {
                            @if let Some(ct) = live.public.perimeters.get(&c.code) {
                                li data-perimeter=(c.code) {
                                    a href={ "/elections/" (e.id) "/perimetres/" (c.code) } { (c.kind.label_fr()) " " (c.name) }
                                    " — " span data-f="p-arrived" { (ct.arrived) } " / " (ct.total) " bureaux"
                                }
                            }
                        }
                    }
                }
            }
            (bureaux_table(live, &members, embargo))
            (candidates_json(e))
        },
    ))
}

pub async fn election(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let Some(topic) = state.hub.get(&id) else {
        return unknown_election(&id);
    };
    let live = topic.read();
    let Some(root) = live.election.root().map(|r| r.code.clone()) else {
        return not_found_page("Cette élection n'a pas de commune.");
    };
    perimeter_view(&live, &root).map_or_else(
        || not_found_page("Périmètre introuvable."),
        IntoResponse::into_response,
    )
}

pub async fn perimeter(
    State(state): State<AppState>,
    Path((id, code)): Path<(String, String)>,
) -> Response {
    let Some(topic) = state.hub.get(&id) else {
        return unknown_election(&id);
    };
    let live = topic.read();
    perimeter_view(&live, &code).map_or_else(
        || {
            not_found_page(&format!(
                "Le périmètre « {code} » n'existe pas dans cette élection."
            ))
        },
        IntoResponse::into_response,
    )
}

pub async fn bureau(
    State(state): State<AppState>,
    Path((id, code)): Path<(String, String)>,
) -> Response {
    let Some(topic) = state.hub.get(&id) else {
        return unknown_election(&id);
    };
    let live = topic.read();
    let e = &live.election;
    let embargo = live.embargoed(crate::store::now_millis());
    let (Some(b), Some(t)) = (e.bureau(&code), live.public.bureaux.get(&code)) else {
        return not_found_page(&format!(
            "Le bureau « {code} » n'existe pas dans cette élection."
        ));
    };
    let state_now = live.bureau(&code).public_state();
    let t = &visible(t, embargo);
    let perimeters: Vec<&Perimeter> = b.perimeters.iter().filter_map(|p| e.perimeter(p)).collect();
    layout(
        &format!("{} — {}", e.label, b.name),
        Some((&live, Scope::Bureau(&code))),
        html! {
            (breadcrumb(e, &[], &b.name))
            hgroup {
                h1 { (b.name) }
                p.sub {
                    (e.label) " — bureau n° " (b.code)
                    @if let Some(a) = &b.address { br; (a) }
                }
            }
            p.status.complete[state_now != BureauState::NotArrived].partial[state_now == BureauState::NotArrived] data-f="bureau-state" {
                "État : " span data-f="state" { (state_now.label_fr()) }
                " — " (int(u64::from(b.inscrits))) " inscrits sur la liste électorale"
            }
            @if embargo { (embargo_notice(e)) }
            div.grid {
                @if !embargo { (scores(e, t)) }
                (figures(t))
            }
            @if !perimeters.is_empty() {
                p { "Ce bureau fait partie de : "
                    @for (i, p) in perimeters.iter().enumerate() {
                        @if i > 0 { ", " }
                        a href={ "/elections/" (e.id) "/perimetres/" (p.code) } { (p.kind.label_fr()) " " (p.name) }
                    }
                }
            }
            (candidates_json(e))
        },
    )
    .into_response()
}
